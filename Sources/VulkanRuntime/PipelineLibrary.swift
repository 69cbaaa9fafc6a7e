import Foundation

/// Maps pipeline keys to pipelines, created once per process. SPIR-V comes from the disk cache when
/// the sources, defines and device are unchanged, else from the shader compiler.
public final class PipelineLibrary: @unchecked Sendable {
    public struct Statistics: Sendable {
        public var compiled = 0
        public var loadedFromCache = 0
        public var pipelinesCreated = 0
    }

    public let device: VulkanDevice
    public let compiler: ShaderCompiler
    public let cache: SPIRVCache
    private let lock = NSLock()
    private var pipelines: [PipelineKey: ComputePipeline] = [:]
    private var counts = Statistics()
    /// What this library has compiled, loaded and created so far.
    public var statistics: Statistics { lock.withLock { counts } }

    public init(device: VulkanDevice, sources: [String: String], cache: SPIRVCache = SPIRVCache(directory: nil)) {
        self.device = device
        self.compiler = ShaderCompiler(sources: sources)
        self.cache = cache
    }

    /// The pipeline of `key`, created on first use. Creation runs outside the lock, so threads can
    /// create different pipelines at once (a CPU device compiles each on the calling thread); when
    /// two create the same one, the first stored is kept.
    public func pipeline(_ key: PipelineKey) throws -> ComputePipeline {
        if let existing = lock.withLock({ pipelines[key] }) { return existing }
        let spirv = try spirv(shader: key.shader, defines: key.defines)
        let created = try ComputePipeline(device: device, key: key, spirv: spirv)
        return lock.withLock {
            if let existing = pipelines[key] { return existing }
            pipelines[key] = created
            counts.pipelinesCreated += 1
            return created
        }
    }

    func spirv(shader: String, defines: [String: String]) throws -> [UInt32] {
        let files = compiler.closure(of: shader).map { ($0, compiler.sources[$0] ?? "") }
        let caps = device.capabilities
        let deviceID = "\(caps.vendorID):\(caps.deviceID):\(caps.driverVersion):\(caps.name)"
        let key = SPIRVCache.key(name: shader, defines: defines, sources: files, device: deviceID)
        if let words = cache.load(key: key) {
            lock.withLock { counts.loadedFromCache += 1 }
            return words
        }
        let words = try compiler.compile(name: shader, defines: defines)
        lock.withLock { counts.compiled += 1 }
        cache.store(key: key, words: words)
        return words
    }
}
