import KernelBench
import Kernels
import Testing

@Suite("The benchmark roofline")
struct CopyBandwidthTests {
    @Test("Both copy kernels reproduce their source before the faster one is taken as the roofline")
    func copiesAreCheckedThenTimed() throws {
        var options = KernelBenchmark.Options()
        options.timer = GPUTimer(iterations: 2, warmup: 1)
        let bench = KernelBenchmark(library: try KernelLibrary.shared(), options: options)
        // copyBandwidth throws if a copy's destination differs from its source.
        let (gbPerS, variant) = try bench.copyBandwidth(megabytes: 1)
        #expect(gbPerS > 0 && gbPerS.isFinite)
        #expect(["u32x4", "u32x4 texel read"].contains(variant))
    }
}
