import Foundation
import VulkanRuntime

/// The kernels of Augur on one device: pipelines built from the shaders embedded in this module,
/// created once per key and cached (SPIR-V on disk, pipelines in memory), plus an uploader.
public final class KernelLibrary: @unchecked Sendable {
    public let device: VulkanDevice
    public let pipelines: PipelineLibrary
    public let uploader: Uploader

    /// `shaderDirectory` (default: the `AUGUR_SHADER_DIR` environment variable, for kernel work
    /// without a rebuild) replaces the embedded sources with the files under it.
    public init(device: VulkanDevice, cache: SPIRVCache = SPIRVCache(),
                shaderDirectory: String? = ProcessInfo.processInfo.environment["AUGUR_SHADER_DIR"]) throws {
        self.device = device
        let sources = try shaderDirectory.map { try Self.sources(under: $0) } ?? EmbeddedShaders.sources
        self.pipelines = PipelineLibrary(device: device, sources: sources, cache: cache)
        self.uploader = try Uploader(device: device)
    }

    nonisolated(unsafe) private static var sharedResult: Result<KernelLibrary, Error>?
    private static let sharedLock = NSLock()

    /// The library on the process-wide default device.
    public static func shared() throws -> KernelLibrary {
        try sharedLock.withLock {
            if let sharedResult { return try sharedResult.get() }
            let result = Result { try KernelLibrary(device: try VulkanDevice.shared()) }
            sharedResult = result
            return try result.get()
        }
    }

    /// Shader sources embedded at build time, by path under `Shaders/`.
    public static var shaderSources: [String: String] { EmbeddedShaders.sources }

    /// The text files under `directory`, by path relative to it.
    public static func sources(under directory: String) throws -> [String: String] {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw VulkanError.invalidArgument("shader directory \(directory) cannot be read")
        }
        var sources: [String: String] = [:]
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let path = url.standardizedFileURL.path.dropFirst(root.path.count + 1)
            sources[String(path)] = try String(contentsOf: url, encoding: .utf8)
        }
        guard !sources.isEmpty else { throw VulkanError.invalidArgument("shader directory \(directory) has no files") }
        return sources
    }

    public var subgroupSize: Int { device.capabilities.subgroupSize }

    /// Whether per-token kernels read their float inputs as texel buffers (`TEXEL_INPUT`): on CPU
    /// devices a storage-buffer load at a per-lane index is a bounds-checked load per lane, a texel
    /// fetch one gather (lavapipe, 128 tokens of Qwen2.5-1.5B: RMSNorm 2.7x and SwiGLU 1.5x faster). GPUs load
    /// either way alike and keep storage buffers.
    public var readsInputsAsTexels: Bool { device.capabilities.kind == .cpu && device.capabilities.texelBuffers }

    /// Whether `kernel` reads its inputs as texels: as `requested`, else as the device prefers;
    /// asking for texels on a device without texel buffers is an error.
    func texelInputs(_ requested: Bool?, for kernel: String) throws -> Bool {
        guard !(requested ?? false) || device.capabilities.texelBuffers else {
            throw VulkanError.invalidArgument("\(kernel) with texel inputs on \(device.capabilities.name), which has no texel buffers")
        }
        return requested ?? readsInputsAsTexels
    }

    /// The pipeline of `shader` with `defines`; specialization constants 0 and 1 are the workgroup
    /// size and the device's subgroup size, `extra` follow from id 2.
    public func pipeline<P>(
        _ shader: String, defines: [String: String] = [:], workgroupSize: Int, extra: [Int] = [],
        bindings: Int, texels: [Int: TexelFormat] = [:], push: P.Type
    ) throws -> ComputePipeline {
        let specialization = ([workgroupSize, subgroupSize] + extra).map { UInt32($0) }
        return try pipelines.pipeline(PipelineKey(
            shader: shader, defines: defines, specialization: specialization, bindings: bindings,
            texels: texels, pushConstantBytes: MemoryLayout<P>.size))
    }

    /// A device buffer filled with `values`.
    public func buffer<T: BitwiseCopyable>(_ values: [T], location: GPUBuffer.Location = .device) throws -> GPUBuffer {
        let buffer = try GPUBuffer(device: device, size: max(values.count * MemoryLayout<T>.stride, 4), location: location)
        try uploader.upload(values, to: buffer)
        return buffer
    }

    /// A zero-initialised device buffer of `count` values of `T`.
    public func buffer<T: BitwiseCopyable>(_ type: T.Type, count: Int, location: GPUBuffer.Location = .device) throws -> GPUBuffer {
        try GPUBuffer(device: device, size: max(count * MemoryLayout<T>.stride, 4), location: location)
    }

    /// Reads `count` values back from a buffer.
    public func read<T: BitwiseCopyable>(_ type: T.Type, from buffer: GPUBuffer, count: Int, offset: Int = 0) throws -> [T] {
        try uploader.download(T.self, from: buffer, count: count, offset: offset)
    }
}
