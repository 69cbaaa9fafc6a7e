import Kernels
import VulkanRuntime

/// Times recorded work with GPU timestamps: `warmup` unrecorded runs, then `iterations` runs each
/// between two timestamps in one submission; the median is reported.
public struct GPUTimer: Sendable {
    public var iterations: Int
    public var warmup: Int

    public init(iterations: Int = 10, warmup: Int = 2) {
        self.iterations = max(1, iterations)
        self.warmup = max(0, warmup)
    }

    /// Median microseconds of one execution of `record`.
    public func median(_ library: KernelLibrary, _ record: (CommandSequence) throws -> Void) throws -> Double {
        let sequence = try CommandSequence(device: library.device, timestampCapacity: 2 * iterations + 2)
        if warmup > 0 {
            try sequence.begin()
            for _ in 0..<warmup { try record(sequence) }
            try sequence.end()
            try sequence.submitAndWait()
        }
        try sequence.begin()
        var marks: [(Int, Int)] = []
        for _ in 0..<iterations {
            guard let start = sequence.timestamp() else { throw VulkanError.missingFeature("GPU timestamps") }
            try record(sequence)
            marks.append((start, sequence.timestamp()!))
        }
        try sequence.end()
        try sequence.submitAndWait()
        let times = try marks.map { try sequence.elapsedNanoseconds(from: $0.0, to: $0.1) / 1000 }.sorted()
        return times[times.count / 2]
    }

    /// Median microseconds of each of `cases` recorded works, timed in interleaved rounds (every
    /// case once per round, all in one submission) so that a slow stretch of a shared machine
    /// lands on every case alike rather than on whichever case it happened to overlap.
    public func interleavedMedians(_ library: KernelLibrary, cases: Int,
                                   _ record: (CommandSequence, Int) throws -> Void) throws -> [Double] {
        let sequence = try CommandSequence(device: library.device, timestampCapacity: 2 * iterations * cases + 2)
        if warmup > 0 {
            try sequence.begin()
            for _ in 0..<warmup { for c in 0..<cases { try record(sequence, c) } }
            try sequence.end()
            try sequence.submitAndWait()
        }
        try sequence.begin()
        var marks: [[(Int, Int)]] = Array(repeating: [], count: cases)
        for _ in 0..<iterations {
            for c in 0..<cases {
                guard let start = sequence.timestamp() else { throw VulkanError.missingFeature("GPU timestamps") }
                try record(sequence, c)
                marks[c].append((start, sequence.timestamp()!))
            }
        }
        try sequence.end()
        try sequence.submitAndWait()
        return try marks.map { caseMarks in
            let times = try caseMarks.map { try sequence.elapsedNanoseconds(from: $0.0, to: $0.1) / 1000 }.sorted()
            return times[times.count / 2]
        }
    }
}
