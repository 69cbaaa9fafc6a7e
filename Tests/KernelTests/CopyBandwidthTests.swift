@testable import KernelBench
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

@Suite("Matvec benchmark cases")
struct MatVecBenchCaseTests {
    @Test("Enough weight copies are made to exceed the caches, and each one is checked before timing")
    func everyCopyIsValidated() throws {
        #expect(MatVecCases.copyCount(of: 200 << 20, beyond: 128 << 20) == 1)
        #expect(MatVecCases.copyCount(of: 10 << 20, beyond: 128 << 20) == 13)
        let library = try KernelLibrary.shared()
        let benchCase = MatVecCases.matVec(.q4_K, rows: 300, columns: 512, count: 3, label: "test", nil, beyondCaches: 1 << 20)
        let prepared = try benchCase.make(library)
        try prepared.validate()
        let us = try GPUTimer(iterations: 3, warmup: 1).median(library, prepared.record)
        #expect(us > 0 && us.isFinite)
    }
}
