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

    /// Whether the device fuses the norm unless told otherwise (`AUGUR_NORM=fused|separate`). GPUs fuse: on
    /// an H200 the 57 RMSNorm passes of a Qwen2.5-1.5B token took 0.46 of 4.69 ms, 8 us each, nearly
    /// all of it dispatch latency, while a fused projection's workgroup reads 6 KB more from cache
    /// (by reasoning, not yet measured there: the device check times both). CPU devices keep the
    /// pass: on lavapipe fusing was neutral (augur-bench `norm_matvec`: gate+up 3-6% slower, the
    /// query/key/value projections 5-20% faster; a 0.5B q4_0 pass 59.2 against 59.1 ms).
    static func prefersFusedNorm(on capabilities: DeviceCapabilities) -> Bool {
        capabilities.kind != .cpu
    }

    /// SwiGLU is fused on every device unless told otherwise (`AUGUR_SWIGLU=fused|separate`). GPUs by the same
    /// reasoning as the norm (a SwiGLU pass is 24-28 dispatches of a pass that is dispatch-latency-
    /// bound on an H200; not yet measured there: the device check times both). On lavapipe, measured:
    /// `augur-bench --filter swiglu_matvec` (us, fused / separate) Qwen2.5-0.5B's q4_1 down 590-606 /
    /// 674-683 for one column, 895-932 / 960-1000 for four (the SwiGLU dispatch costs more than every
    /// workgroup forming the input's SwiGLU again), Qwen2.5-1.5B's q4_K and q6_K downs equal within
    /// 2%; decoding the 0.5B 14.17 / 14.01 tokens/s (median of 5 alternating pairs, fused faster in 4)
    /// and the 1.5B 5.73 / 5.66 (6 pairs, fused faster in 5; 4 earlier pairs went 1-3 the other way).
    static let prefersFusedSwiGLU = true
}
