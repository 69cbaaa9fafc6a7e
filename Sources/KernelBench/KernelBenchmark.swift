import Foundation
import GGUF
import Kernels
import VulkanRuntime

/// Runs the kernel benchmarks: measures the device's copy bandwidth (the roofline), then for each
/// case checks the result against the CPU reference and times it with GPU timestamps.
public struct KernelBenchmark {
    public struct Options: Sendable {
        public var filter: String?
        public var timer = GPUTimer()
        public var verifyCost = true
        public var matVec: MatVec.Configuration?

        public init(filter: String? = nil) {
            self.filter = filter
        }
    }

    public let library: KernelLibrary
    public let options: Options

    public init(library: KernelLibrary, options: Options) {
        self.library = library
        self.options = options
    }

    public static func cases(matVec: MatVec.Configuration?) -> [BenchCase] {
        MatVecCases.all(configuration: matVec) + TokenKernelCases.all() + ExtraCases.all(matVec: matVec)
    }

    /// The device's copy bandwidth in GB/s (bytes read plus bytes written per second): the faster of
    /// a copy through storage buffers and one that reads its source as a texel buffer (on CPU devices
    /// a texel fetch is cheaper than a bounds-checked storage load), and which one that was. Each
    /// copy is checked (the destination must equal the source) before it is timed.
    public func copyBandwidth(megabytes: Int = 64) throws -> (gbPerS: Double, variant: String) {
        struct Push: BitwiseCopyable { var count: UInt32, perThread: UInt32 }
        let vectors = megabytes << 16
        let pattern = (0..<UInt32(vectors * 4)).map { $0 &* 2_654_435_761 }
        let source = try library.buffer(pattern)
        let workgroup = 64, perThread = 4
        var best = (gbPerS: 0.0, variant: "")
        for texel in library.device.capabilities.texelBuffers ? [false, true] : [false] {
            let destination = try GPUBuffer(device: library.device, size: vectors * 16)
            let pipeline = try library.pipeline("copy/copy.comp", defines: texel ? ["TEXEL_SOURCE": "1"] : [:], workgroupSize: workgroup,
                                                bindings: 2, texels: texel ? [0: .rgba32ui] : [:], push: Push.self)
            let copy = { (sequence: CommandSequence) in
                try sequence.dispatch(pipeline, bindings: [source.range(), destination.range()],
                                      push: Push(count: UInt32(vectors), perThread: UInt32(perThread)),
                                      groups: ((vectors + workgroup * perThread - 1) / (workgroup * perThread), 1, 1))
            }
            _ = try GPUTimer(iterations: 1, warmup: 0).median(library, copy)
            guard try library.read(UInt32.self, from: destination, count: pattern.count) == pattern else {
                throw VulkanError.invalidArgument("the copy kernel\(texel ? " reading a texel buffer" : "") did not reproduce its source")
            }
            let us = try options.timer.median(library, copy)
            let gbPerS = Double(2 * vectors * 16) / us / 1000
            if gbPerS > best.gbPerS { best = (gbPerS, texel ? "u32x4 texel read" : "u32x4") }
        }
        return best
    }

    /// Runs every selected case; `emit` receives each record as soon as it exists.
    public func run(emit: (BenchRecord) -> Void, failure: (Error) -> Void) throws -> Double {
        let (roofline, variant) = try copyBandwidth()
        emit(BenchRecord(kernel: "copy", variant: variant, shape: "64 MiB", microseconds: 64 * 1_048_576 * 2 / roofline / 1000,
                         gbPerS: roofline, gflopPerS: nil, percentOfRoofline: 100))
        for benchCase in Self.cases(matVec: options.matVec) where selected(benchCase.name) {
            do {
                let prepared = try benchCase.make(library)
                try prepared.validate()
                let us = try options.timer.median(library, prepared.record)
                let gbps = benchCase.bytes / us / 1000
                emit(BenchRecord(kernel: benchCase.kernel, variant: benchCase.variant, shape: benchCase.shape, microseconds: us,
                                 gbPerS: gbps, gflopPerS: benchCase.flops / us / 1000, percentOfRoofline: 100 * gbps / roofline))
            } catch {
                failure(error)
            }
        }
        let types = WeightLayout.supportedTypes.filter { selected("verify_cost.\($0.name)") }
        if options.verifyCost && !types.isEmpty {
            let timer = GPUTimer(iterations: options.timer.iterations, warmup: 1)
            for record in try MatVecCases.verifyCost(library: library, types: types, timer: timer, configuration: options.matVec) {
                emit(record)
            }
        }
        return roofline
    }

    func selected(_ name: String) -> Bool {
        guard let filter = options.filter, !filter.isEmpty else { return true }
        return name.localizedCaseInsensitiveContains(filter)
    }
}
