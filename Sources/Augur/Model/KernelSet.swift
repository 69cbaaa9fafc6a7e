import Kernels
import VulkanRuntime

/// The kernels a forward pass uses, built once per model.
struct KernelSet: @unchecked Sendable {
    let library: KernelLibrary
    let matVec: MatVec
    let rmsNorm: RMSNorm
    /// Whether a projection normalises its input as it reads it (`MatVec.InputNorm`) instead of
    /// reading the output of an RMSNorm pass of its own.
    let fusesNorm: Bool
    /// Whether the down projection forms silu(gate) * up as it reads the gate and up projections'
    /// output (`MatVec.encode(gateToUp:)`) instead of reading a SwiGLU pass's.
    let fusesSwiGLU: Bool
    /// The architecture's RoPE pairs, applied as keys are stored and queries load (no RoPE pass).
    let ropeLayout: Rope.Layout
    let elementwise: Elementwise
    let embedding: Embedding
    let attention: Attention
    let kvWrite: KVCacheWrite
    let kvMove: KVCacheMove
    let argmax: Argmax
    let topK: TopK

    /// `fusesNorm` and `fusesSwiGLU` (`EngineOptions`) override the device's preferred ways.
    init(library: KernelLibrary, ropeLayout: Rope.Layout, fusesNorm: Bool? = nil, fusesSwiGLU: Bool? = nil) throws {
        self.library = library
        matVec = try MatVec(library: library)
        rmsNorm = try RMSNorm(library: library)
        self.fusesNorm = fusesNorm ?? Self.prefersFusedNorm(on: library.device.capabilities)
        self.fusesSwiGLU = fusesSwiGLU ?? Self.prefersFusedSwiGLU
        self.ropeLayout = ropeLayout
        elementwise = try Elementwise(library: library)
        embedding = Embedding(library: library)
        attention = try Attention(library: library)
        kvWrite = KVCacheWrite(library: library)
        kvMove = KVCacheMove(library: library)
        argmax = try Argmax(library: library)
        topK = try TopK(library: library)
    }

    /// Whether the device fuses the norm unless told otherwise (`EngineOptions.fusesNorm`). GPUs
    /// fuse: the norm passes of a GPU token are nearly all dispatch latency, while a fused
    /// projection's workgroup reads a few KB more from cache (by reasoning, not yet measured: the
    /// device check times both). CPU devices keep the pass (fusing was neutral on lavapipe).
    static func prefersFusedNorm(on capabilities: DeviceCapabilities) -> Bool {
        capabilities.kind != .cpu
    }

    /// SwiGLU is fused on every device unless told otherwise (`EngineOptions.fusesSwiGLU`): GPUs
    /// by the norm's reasoning, lavapipe by measurement (the 0.5B's down projection faster fused,
    /// the 1.5B's the same; docs/benchmarks.md).
    static let prefersFusedSwiGLU = true
}
