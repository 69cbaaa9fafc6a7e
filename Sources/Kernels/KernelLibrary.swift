import Foundation
import VulkanRuntime

/// The kernels of Augur on one device: pipelines built from the shaders embedded in this module,
/// created once per key and cached (SPIR-V on disk, pipelines in memory), plus an uploader.
public final class KernelLibrary: @unchecked Sendable {
    public let device: VulkanDevice
    public let pipelines: PipelineLibrary
    public let uploader: Uploader

    public init(device: VulkanDevice, cache: SPIRVCache = SPIRVCache()) throws {
        self.device = device
        self.pipelines = PipelineLibrary(device: device, sources: EmbeddedShaders.sources, cache: cache)
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

    public var subgroupSize: Int { device.capabilities.subgroupSize }

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
