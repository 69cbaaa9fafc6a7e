import Foundation
import VulkanRuntime

/// The kernels of Augur on one device: pipelines built from the shaders embedded in this module,
/// created once per key and cached (SPIR-V on disk, pipelines in memory), plus an uploader.
public final class KernelLibrary: @unchecked Sendable {
    public let device: VulkanDevice
    public let pipelines: PipelineLibrary
    public let uploader: Uploader

    /// The options it was made with; kernels made on it follow their tuning overrides.
    public let options: KernelOptions

    /// The kernels on `device` (`options.device` is not consulted: see `shared(options:)`).
    public init(device: VulkanDevice, options: KernelOptions = KernelOptions()) throws {
        self.device = device
        self.options = options
        let sources = try options.shaderDirectory.map { try Self.sources(under: $0) } ?? EmbeddedShaders.sources
        self.pipelines = PipelineLibrary(device: device, sources: sources, cache: SPIRVCache(directory: options.spirvCacheDirectory))
        self.uploader = try runtime { try Uploader(device: device) }
    }

    nonisolated(unsafe) private static var sharedLibraries: [KernelOptions: Result<KernelLibrary, Error>] = [:]
    private static let sharedLock = NSLock()

    /// The process-wide library of `options`, made on first use on the device they name
    /// (`VulkanDevice.shared(selector:)`).
    public static func shared(options: KernelOptions = KernelOptions()) throws -> KernelLibrary {
        try sharedLock.withLock {
            if let result = sharedLibraries[options] { return try result.get() }
            let result = Result {
                try KernelLibrary(device: try runtime { try VulkanDevice.shared(selector: options.device) }, options: options)
            }
            sharedLibraries[options] = result
            return try result.get()
        }
    }

    /// Shader sources embedded at build time, by path under `Shaders/`.
    public static var shaderSources: [String: String] { EmbeddedShaders.sources }

    /// The text files under `directory`, by path relative to it.
    public static func sources(under directory: String) throws -> [String: String] {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw KernelError.invalidArgument("shader directory \(directory) cannot be read")
        }
        var sources: [String: String] = [:]
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let path = url.standardizedFileURL.path.dropFirst(root.path.count + 1)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw KernelError.invalidArgument("shader file \(url.path) cannot be read as UTF-8 text")
            }
            sources[String(path)] = text
        }
        guard !sources.isEmpty else { throw KernelError.invalidArgument("shader directory \(directory) has no files") }
        return sources
    }

    public var subgroupSize: Int { device.capabilities.subgroupSize }

    /// Whether per-token kernels read their float inputs as texel buffers (`TEXEL_INPUT`): on CPU
    /// devices a storage-buffer load at a per-lane index is a bounds-checked load per lane, a texel
    /// fetch one gather (faster on lavapipe: docs/benchmarks.md). GPUs load either way alike and
    /// keep storage buffers.
    public var readsInputsAsTexels: Bool { device.capabilities.kind == .cpu && device.capabilities.texelBuffers }

    /// Whether `kernel` reads its inputs as texels: as `requested`, else as the device prefers;
    /// asking for texels on a device without texel buffers is an error.
    func texelInputs(_ requested: Bool?, for kernel: String) throws -> Bool {
        guard !(requested ?? false) || device.capabilities.texelBuffers else {
            throw KernelError.invalidArgument("\(kernel) with texel inputs on \(device.capabilities.name), which has no texel buffers")
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
        return try runtime {
            try pipelines.pipeline(PipelineKey(
                shader: shader, defines: defines, specialization: specialization, bindings: bindings,
                texels: texels, pushConstantBytes: MemoryLayout<P>.size))
        }
    }

    /// A device buffer filled with `values`.
    public func buffer<T: BitwiseCopyable>(_ values: [T], location: GPUBuffer.Location = .device) throws -> GPUBuffer {
        try runtime {
            let buffer = try GPUBuffer(device: device, size: max(values.count * MemoryLayout<T>.stride, 4), location: location)
            try uploader.upload(values, to: buffer)
            return buffer
        }
    }

    /// A zero-initialised device buffer of `count` values of `T`.
    public func buffer<T: BitwiseCopyable>(_ type: T.Type, count: Int, location: GPUBuffer.Location = .device) throws -> GPUBuffer {
        try runtime { try GPUBuffer(device: device, size: max(count * MemoryLayout<T>.stride, 4), location: location) }
    }

    /// Reads `count` values back from a buffer.
    public func read<T: BitwiseCopyable>(_ type: T.Type, from buffer: GPUBuffer, count: Int, offset: Int = 0) throws -> [T] {
        try runtime { try uploader.download(T.self, from: buffer, count: count, offset: offset) }
    }
}
