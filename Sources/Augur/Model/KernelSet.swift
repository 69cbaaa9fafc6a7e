import Kernels
import VulkanRuntime

/// The kernels a forward pass uses, built once per model.
struct KernelSet: @unchecked Sendable {
    let library: KernelLibrary
    let matVec: MatVec
    let rmsNorm: RMSNorm
    /// The architecture's RoPE pairs, applied as keys are stored and queries load (no RoPE pass).
    let ropeLayout: Rope.Layout
    let elementwise: Elementwise
    let embedding: Embedding
    let attention: Attention
    let kvWrite: KVCacheWrite
    let kvMove: KVCacheMove
    let argmax: Argmax
    let topK: TopK

    init(library: KernelLibrary, ropeLayout: Rope.Layout) throws {
        self.library = library
        matVec = try MatVec(library: library)
        rmsNorm = try RMSNorm(library: library)
        self.ropeLayout = ropeLayout
        elementwise = try Elementwise(library: library)
        embedding = Embedding(library: library)
        attention = try Attention(library: library)
        kvWrite = KVCacheWrite(library: library)
        kvMove = KVCacheMove(library: library)
        argmax = try Argmax(library: library)
        topK = try TopK(library: library)
    }
}
