import GGUF
import Kernels
import TestSupport
import Testing
import VulkanRuntime

/// Softmax, argmax and top-k over vocabulary-sized rows (SmolLM2 49,152; Qwen2.5 151,936) and
/// ragged small ones, on rows chosen to break them: ties, all-negative, ramps, masked (-inf) logits.
@Suite("Vocabulary kernels")
struct VocabularyTests {
    static let lengths = [1, 7, 1000, 49_152, 151_936]

    /// Six rows of `n`: continuous random logits; values on a 0.25 grid (many ties, and duplicated
    /// maxima); all negative; an ascending ramp (every element enters a top-k); masked to -inf but
    /// for three elements; the duplicated maximum planted at both ends and in the middle.
    static func testRows(n: Int, seed: UInt64) -> [Float] {
        let random = SyntheticTensor.randomFloats(count: n, seed: seed, range: -8...8)
        let grid = SyntheticTensor.randomFloats(count: n, seed: seed + 1, range: -4...4).map { ($0 * 4).rounded() / 4 }
        let negative = SyntheticTensor.randomFloats(count: n, seed: seed + 2, range: -20 ... -1)
        let ramp = (0..<n).map { -8 + 16 * Float($0) / Float(n) }
        var masked = [Float](repeating: -.infinity, count: n)
        for (j, i) in [n / 3, n - 1, n / 2].enumerated() { masked[i] = Float(j) - 1 }
        var planted = SyntheticTensor.randomFloats(count: n, seed: seed + 3, range: -1...1)
        for i in [n - 1, n / 2, 0, n / 2 + 1] where i < n { planted[i] = 3 }
        return random + grid + negative + ramp + masked + planted
    }
    static let rowKinds = 6

    /// Workgroup sizes to try: the preferred one, one subgroup, and eight subgroups (the barrier path).
    static func workgroupSizes(_ library: KernelLibrary) -> [Int?] { [nil, library.subgroupSize, library.subgroupSize * 8] }

    // Softmax tolerance, relative per element, against the exact (Double) value. The float result
    // carries: the rounding of the exp argument s x - m, a relative error of |s x - m| 2^-24 <= 1.7e-6
    // here (|s x - m| <= 28); exp itself (Vulkan allows 3 + 2|arg| ulps, <= 59 ulps = 3.5e-6; lavapipe
    // does better); the compensated sum (a few ulps whatever n); the reciprocal and the product (2 ulps).
    // That bounds it near 5.5e-6; measured worst on lavapipe: 3.3e-6.
    static let softmaxTolerance: Float = 1e-5

    @Test("Softmax matches the exact value within 1e-5 relative, any workgroup size", arguments: lengths)
    func softmax(n: Int) throws {
        let library = try KernelLibrary.shared()
        let x = Self.testRows(n: n, seed: 21)
        let scale: Float = 1 / 0.7
        let want = Reference.softmax(x, n: n, rows: Self.rowKinds, scale: scale)
        let input = try library.buffer(x)
        for size in Self.workgroupSizes(library) {
            let output = try library.buffer(Float.self, count: x.count)
            let kernel = try Softmax(library: library, workgroupSize: size)
            try run(library) { try kernel.encode($0, input: input, output: output, n: n, rows: Self.rowKinds, scale: scale) }
            let got = try library.read(Float.self, from: output, count: x.count)
            let bad = worstViolation(got, want, tolerance: want.map { $0 * Self.softmaxTolerance })
            #expect(bad == nil, "n \(n) workgroup \(kernel.workgroupSize): element \(bad?.index ?? -1) got \(bad?.got ?? 0) want \(bad?.want ?? 0)")
        }
    }

    @Test("Softmax in place on strided rows at an offset leaves the gaps alone (scalar and vec4 loads)",
          arguments: [(7, 1003), (8, 1004)])
    func softmaxInPlace(offset: Int, stride: Int) throws {
        let library = try KernelLibrary.shared()
        let (n, rows) = (1000, 5)
        let logits = SyntheticTensor.randomFloats(count: n * rows, seed: 31, range: -10...10)
        var padded = [Float](repeating: 42, count: offset + rows * stride)
        for r in 0..<rows { padded.replaceSubrange(offset + r * stride ..< offset + r * stride + n, with: logits[r * n ..< (r + 1) * n]) }
        let data = try library.buffer(padded)
        try run(library) {
            try Softmax(library: library).encode($0, input: data, inputOffset: offset, inputStride: stride, output: data,
                                                 outputOffset: offset, outputStride: stride, n: n, rows: rows, scale: 0.5)
        }
        let got = try library.read(Float.self, from: data, count: padded.count)
        let want = Reference.softmax(logits, n: n, rows: rows, scale: 0.5)
        var expected = padded
        for r in 0..<rows { expected.replaceSubrange(offset + r * stride ..< offset + r * stride + n, with: want[r * n ..< (r + 1) * n]) }
        #expect(worstViolation(got, expected, tolerance: expected.map { $0 * Self.softmaxTolerance }) == nil)
    }

    @Test("Argmax finds the first of equal maxima exactly, any workgroup size", arguments: lengths)
    func argmax(n: Int) throws {
        let library = try KernelLibrary.shared()
        let x = Self.testRows(n: n, seed: 41)
        let want = Reference.argmax(x, n: n, rows: Self.rowKinds)
        let input = try library.buffer(x)
        for size in Self.workgroupSizes(library) {
            let indices = try library.buffer(UInt32.self, count: Self.rowKinds), values = try library.buffer(Float.self, count: Self.rowKinds)
            let kernel = try Argmax(library: library, workgroupSize: size)
            try run(library) { try kernel.encode($0, input: input, n: n, rows: Self.rowKinds, indices: indices, values: values) }
            #expect(try library.read(UInt32.self, from: indices, count: Self.rowKinds) == want.indices, "n \(n) workgroup \(kernel.workgroupSize)")
            #expect(try library.read(Float.self, from: values, count: Self.rowKinds) == want.values, "n \(n) workgroup \(kernel.workgroupSize)")
        }
    }

    // Normalizer tolerance, relative, against the exact (Double) sum of exp(x - max): each term
    // carries exp's error (<= 3.5e-6, see softmaxTolerance); the terms are all positive and one
    // invocation adds up to 151,936 / 4 / 8 = 4,748 unit sums in a row, whose rounding errors
    // (2^-24 each, relative to the running sum) grow about as the square root of their number
    // (4e-6), at worst linearly (2.8e-4 for an adversarial order; random rows are far from it).
    // Measured worst on lavapipe: 5.2e-7.
    static let normalizerTolerance = 1e-5

    @Test("Argmax with normalizers keeps its exact indices and values and sums exp(x - max) within 1e-5 relative",
          arguments: lengths)
    func argmaxNormalizer(n: Int) throws {
        let library = try KernelLibrary.shared()
        let x = Self.testRows(n: n, seed: 43)
        let want = Reference.argmax(x, n: n, rows: Self.rowKinds)
        let sums = Reference.softmaxNormalizer(x, n: n, rows: Self.rowKinds)
        // A row of -inf has no distribution: its normalizer reads 0.
        let input = try library.buffer(x + [Float](repeating: -.infinity, count: n))
        let rows = Self.rowKinds + 1
        for size in Self.workgroupSizes(library) {
            let indices = try library.buffer(UInt32.self, count: rows), values = try library.buffer(Float.self, count: rows)
            let normalizers = try library.buffer(Float.self, count: rows)
            let kernel = try Argmax(library: library, workgroupSize: size)
            try run(library) {
                try kernel.encode($0, input: input, n: n, rows: rows, indices: indices, values: values, normalizers: normalizers)
            }
            let context = "n \(n) workgroup \(kernel.workgroupSize)"
            #expect(try library.read(UInt32.self, from: indices, count: rows) == want.indices + [0], "\(context)")
            #expect(try library.read(Float.self, from: values, count: Self.rowKinds) == want.values, "\(context)")
            let got = try library.read(Float.self, from: normalizers, count: rows)
            let errors = zip(got, sums).map { abs(Double($0) - $1) / $1 }
            #expect(errors.allSatisfy { $0 <= Self.normalizerTolerance }, "\(context): relative errors \(errors)")
            #expect(got[Self.rowKinds] == 0, "\(context)")
        }
    }

    static let topKCases: [(n: Int, k: Int)] = [
        (1, 1), (7, 1), (7, 7), (1000, 1), (1000, 40), (1000, 64), (49_152, 40), (151_936, 1), (151_936, 40), (151_936, 64),
    ]

    @Test("Top-k gives the k largest in order, ties by lowest index, exactly", arguments: topKCases)
    func topK(n: Int, k: Int) throws {
        let library = try KernelLibrary.shared()
        let x = Self.testRows(n: n, seed: 51)
        let want = Reference.topK(x, n: n, rows: Self.rowKinds, k: k)
        let input = try library.buffer(x)
        let count = Self.rowKinds * k
        // The preferred layout, and 4 rows (subgroups) per workgroup: 6 rows leave the second one ragged.
        for perGroup in [nil, 4] {
            let kernel = try TopK(library: library, rowsPerWorkgroup: perGroup)
            let indices = try library.buffer(UInt32.self, count: count), values = try library.buffer(Float.self, count: count)
            try run(library) { try kernel.encode($0, input: input, n: n, rows: Self.rowKinds, k: k, indices: indices, values: values) }
            let gotIndices = try library.read(UInt32.self, from: indices, count: count)
            let gotValues = try library.read(Float.self, from: values, count: count)
            for r in 0..<Self.rowKinds {
                let row = r * k ..< (r + 1) * k, context = "n \(n) k \(k) row kind \(r), \(kernel.rowsPerWorkgroup) rows a workgroup"
                #expect(Array(gotIndices[row]) == Array(want.indices[row]), "\(context)")
                #expect(Array(gotValues[row]) == Array(want.values[row]), "\(context)")
            }
        }
    }

    @Test("Top-k rejects k of 0, k over 64 and k over the row length", arguments: [(7, 0), (1000, 65), (7, 8), (1, 2)])
    func topKRejects(n: Int, k: Int) throws {
        let library = try KernelLibrary.shared()
        let input = try library.buffer(Float.self, count: n)
        let indices = try library.buffer(UInt32.self, count: 100), values = try library.buffer(Float.self, count: 100)
        let sequence = try CommandSequence(device: library.device)
        try sequence.begin()
        #expect(throws: KernelError.self) {
            try TopK(library: library).encode(sequence, input: input, n: n, rows: 1, k: k, indices: indices, values: values)
        }
        try sequence.end()
    }

    @Test("A row's results are bit-for-bit the same alone and among seven others", arguments: [49_152, 151_936])
    func batchInvariant(n: Int) throws {
        let library = try KernelLibrary.shared()
        let rows = 8, position = 3
        let batch = try library.buffer(SyntheticTensor.randomFloats(count: n * rows, seed: 61, range: -12...12))
        let k = 40
        let softmax = try Softmax(library: library), argmax = try Argmax(library: library), topK = try TopK(library: library)
        let y = [try library.buffer(Float.self, count: n * rows), try library.buffer(Float.self, count: n)]
        let i = [try library.buffer(UInt32.self, count: rows * k), try library.buffer(UInt32.self, count: k)]
        let v = [try library.buffer(Float.self, count: rows * k), try library.buffer(Float.self, count: k)]
        let ai = [try library.buffer(UInt32.self, count: rows), try library.buffer(UInt32.self, count: 1)]
        let av = [try library.buffer(Float.self, count: rows), try library.buffer(Float.self, count: 1)]
        try run(library) { seq in
            for (b, (offset, count)) in [(0, rows), (position * n, 1)].enumerated() {
                try softmax.encode(seq, input: batch, inputOffset: offset, output: y[b], n: n, rows: count)
                try argmax.encode(seq, input: batch, inputOffset: offset, n: n, rows: count, indices: ai[b], values: av[b])
                try topK.encode(seq, input: batch, inputOffset: offset, n: n, rows: count, k: k, indices: i[b], values: v[b])
            }
        }
        let bits = { (buffer: GPUBuffer, count: Int, offset: Int) in
            try library.read(UInt32.self, from: buffer, count: count, offset: offset * 4)
        }
        #expect(try bits(y[0], n, position * n) == bits(y[1], n, 0))
        #expect(try bits(ai[0], 1, position) == bits(ai[1], 1, 0))
        #expect(try bits(av[0], 1, position) == bits(av[1], 1, 0))
        #expect(try bits(i[0], k, position * k) == bits(i[1], k, 0))
        #expect(try bits(v[0], k, position * k) == bits(v[1], k, 0))
    }

    @Test("A row's results are bit-for-bit the same at aligned and unaligned offsets (vec4 or scalar loads)",
          arguments: [7, 1001, 49_152])
    func alignmentInvariant(n: Int) throws {
        let library = try KernelLibrary.shared()
        let k = min(n, 40)
        let row = SyntheticTensor.randomFloats(count: n, seed: 71, range: -12...12)
        let softmax = try Softmax(library: library), argmax = try Argmax(library: library), topK = try TopK(library: library)
        var results: [[UInt32]] = []
        for offset in 0..<4 {  // offset 0 takes the vec4 pipelines, 1 to 3 the scalar ones
            let input = try library.buffer([Float](repeating: 9, count: offset) + row)
            let y = try library.buffer(Float.self, count: n), i = try library.buffer(UInt32.self, count: k + 1)
            let v = try library.buffer(Float.self, count: k + 1)
            try run(library) { seq in
                try softmax.encode(seq, input: input, inputOffset: offset, output: y, n: n, rows: 1, scale: 1.7)
                try argmax.encode(seq, input: input, inputOffset: offset, n: n, rows: 1, indices: i, values: v)
                try topK.encode(seq, input: input, inputOffset: offset, n: n, rows: 1, k: k, indices: i, values: v)
            }
            results.append(try library.read(UInt32.self, from: y, count: n) + library.read(UInt32.self, from: i, count: k)
                           + library.read(UInt32.self, from: v, count: k))
        }
        for offset in 1..<4 { #expect(results[offset] == results[0], "offset \(offset) vs 0") }
    }

    @Test("On llvmpipe, a row too long for its loop limit is refused rather than cut short")
    func llvmpipeLoopLimit() throws {
        let library = try KernelLibrary.shared()
        guard library.device.capabilities.driverName.lowercased().contains("llvmpipe") else { try Skip.unsupported("a llvmpipe-only check") }
        let n = 600_000
        let input = try library.buffer(Float.self, count: n)
        let indices = try library.buffer(UInt32.self, count: 64), values = try library.buffer(Float.self, count: 64)
        let sequence = try CommandSequence(device: library.device)
        try sequence.begin()
        do {
            try TopK(library: library).encode(sequence, input: input, n: n, rows: 1, k: 64, indices: indices, values: values)
            Issue.record("top-k of \(n) elements was recorded")
        } catch KernelError.limitExceeded {
        } catch {
            Issue.record("expected limitExceeded, got \(error)")
        }
        try sequence.end()
    }
}
