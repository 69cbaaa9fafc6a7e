import GGUF
import Kernels
import VulkanRuntime

/// Runs `record` in a fresh command sequence on the shared library and waits.
func run(_ library: KernelLibrary, _ record: (CommandSequence) throws -> Void) throws {
    let sequence = try CommandSequence(device: library.device)
    try sequence.begin()
    try record(sequence)
    try sequence.end()
    try sequence.submitAndWait()
}

/// The largest violation of |got - want| <= tolerance[i], or nil when every element is within.
func worstViolation(_ got: [Float], _ want: [Float], tolerance: [Float]) -> (index: Int, got: Float, want: Float)? {
    precondition(got.count == want.count && want.count == tolerance.count)
    var worst: (Int, Float, Float, Float)?
    for i in got.indices {
        let excess = abs(got[i] - want[i]) - tolerance[i]
        if !(excess <= 0), excess.isNaN || worst == nil || excess > worst!.3 { worst = (i, got[i], want[i], excess.isNaN ? .infinity : excess) }
    }
    return worst.map { ($0.0, $0.1, $0.2) }
}

