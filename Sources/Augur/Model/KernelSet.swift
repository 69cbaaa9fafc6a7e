import Foundation
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
    /// The architecture's RoPE pairs, applied as keys are stored and queries load (no RoPE pass).
    let ropeLayout: Rope.Layout
    let elementwise: Elementwise
    let embedding: Embedding
    let attention: Attention
    let kvWrite: KVCacheWrite
    let kvMove: KVCacheMove
    let argmax: Argmax
    let topK: TopK

    init(library: KernelLibrary, ropeLayout: Rope.Layout, fusesNorm: Bool? = nil) throws {
        self.library = library
        matVec = try MatVec(library: library)
        rmsNorm = try RMSNorm(library: library)
        self.fusesNorm = try fusesNorm ?? Self.fusesNorm(on: library.device.capabilities)
        self.ropeLayout = ropeLayout
        elementwise = try Elementwise(library: library)
        embedding = Embedding(library: library)
        attention = try Attention(library: library)
        kvWrite = KVCacheWrite(library: library)
        kvMove = KVCacheMove(library: library)
        argmax = try Argmax(library: library)
        topK = try TopK(library: library)
    }

    /// `AUGUR_NORM=fused|separate` (a tuning knob), else the device's preferred way. GPUs fuse: on
    /// an H200 the 57 RMSNorm passes of a Qwen2.5-1.5B token took 0.46 of 4.69 ms, 8 us each, nearly
    /// all of it dispatch latency, while a fused projection's workgroup reads 6 KB more from cache
    /// (by reasoning, not yet measured there: the device check times both). CPU devices keep the
    /// pass: on lavapipe fusing was neutral (augur-bench `norm_matvec`: gate+up 3-6% slower, the
    /// query/key/value projections 5-20% faster; a 0.5B q4_0 pass 59.2 against 59.1 ms).
    static func fusesNorm(on capabilities: DeviceCapabilities,
                          environment: String? = ProcessInfo.processInfo.environment["AUGUR_NORM"]) throws -> Bool {
        switch environment {
        case nil, "": return capabilities.kind != .cpu
        case "fused": return true
        case "separate": return false
        case let other?: throw VulkanError.invalidArgument("AUGUR_NORM=\(other): use fused or separate")
        }
    }
}
