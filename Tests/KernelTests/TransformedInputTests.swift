import GGUF
import Kernels
import Testing
import VulkanRuntime

/// Checks shared by the matvecs that transform their input as they read it (RMSNorm, SwiGLU):
/// `width` floats of raw input a column for `columns` weights a row; `encode` records the matvec of
/// `count` columns from `inputOffset` (floats) into `outputOffset`.
struct TransformedInputChecks {
    /// How the matvec reads a column of `columns` weights: its stride, norm or gate-to-up offset.
    struct Reading {
        var inputStride: Int? = nil
        var norm: MatVec.InputNorm? = nil
        var gateToUp: Int? = nil
    }
    typealias Encode = (CommandSequence, WeightMatrix, GPUBuffer, GPUBuffer, _ count: Int, _ inputOffset: Int, _ outputOffset: Int) throws -> Void

    let library: KernelLibrary
    /// The device's matvec, or the GPU layout (`MatVecNormTests.matVec`).
    let gpuLayout: Bool
    /// Raw input floats a column for rows of `columns` weights.
    let width: (_ columns: Int) -> Int
    /// `count` columns of raw input (`width` floats each) for rows of `columns` weights.
    let input: (_ columns: Int, _ count: Int, _ seed: UInt64) -> [Float]
    /// What the matvec should multiply by: the transformed `count` columns of `columns` floats.
    let transformed: (_ raw: [Float], _ columns: Int, _ count: Int) -> [Float]
    /// How the matvec reads rows of `columns` weights.
    let reading: (_ columns: Int) throws -> Reading

    /// Records the matvec over `columns`-weight rows.
    func encode(_ columns: Int) throws -> Encode {
        let matvec = try MatVecNormTests.matVec(library, gpuLayout: gpuLayout), how = try reading(columns)
        return { seq, weights, input, output, count, inputOffset, outputOffset in
            try matvec.encode(seq, weights: weights, input: input, inputOffset: inputOffset, inputStride: how.inputStride, output: output,
                              outputOffset: outputOffset, columns: count, norm: how.norm, gateToUp: how.gateToUp)
        }
    }

    /// Three shapes (67x256 x1, 130x512 x5, 33x768 x17) against the CPU reference, tolerance 1e-5 of
    /// sum |w x| plus 1e-6.
    func matchesReference(_ type: TensorType, seed: UInt64, label: String) throws {
        for (i, shape) in [(rows: 67, columns: 256, count: 1), (rows: 130, columns: 512, count: 5), (rows: 33, columns: 768, count: 17)].enumerated() {
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: shape.rows, columns: shape.columns, seed: seed + UInt64(i))
            let dense = try Dequantize.row(type, from: bytes, elements: shape.rows * shape.columns)
            let raw = input(shape.columns, shape.count, seed + 100 + UInt64(i))
            let weights = try WeightMatrix.upload(library: library, type: type, rows: shape.rows, columns: shape.columns, gguf: bytes)
            let buffer = try library.buffer(raw), output = try library.buffer(Float.self, count: shape.rows * shape.count)
            let record = try encode(shape.columns)
            try run(library) { try record($0, weights, buffer, output, shape.count, 0, 0) }
            let got = try library.read(Float.self, from: output, count: shape.rows * shape.count)
            let want = Reference.matVec(weights: dense, rows: shape.rows, columns: shape.columns,
                                        inputs: transformed(raw, shape.columns, shape.count), count: shape.count)
            let bad = worstViolation(got, want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 })
            #expect(bad == nil, "\(label) \(shape): element \(bad?.index ?? -1) got \(bad?.got ?? 0) want \(bad?.want ?? 0)")
        }
    }

    /// A 45x512 matrix: each of 17 columns alone, then in batches of 2 to 17 and the last 4 at an
    /// offset, must give the same bits.
    func batchInvariant(_ type: TensorType, seed: UInt64, label: String) throws {
        let (rows, columns, count) = (45, 512, 17)
        let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: seed)
        let weights = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
        let buffer = try library.buffer(input(columns, count, seed + 1))
        let record = try encode(columns), stride = width(columns)
        let single = try library.buffer(Float.self, count: rows * count)
        try run(library) { seq in
            for c in 0..<count { try record(seq, weights, buffer, single, 1, c * stride, c * rows) }
        }
        let alone = try library.read(Float.self, from: single, count: rows * count).map(\.bitPattern)
        for k in [2, 3, 5, 8, 9, 16, 17] {
            let batch = try library.buffer(Float.self, count: rows * k)
            try run(library) { try record($0, weights, buffer, batch, k, 0, 0) }
            #expect(try library.read(Float.self, from: batch, count: rows * k).map(\.bitPattern) == Array(alone.prefix(rows * k)),
                    "\(label) batch of \(k)")
        }
        let tail = try library.buffer(Float.self, count: rows * 4)
        try run(library) { try record($0, weights, buffer, tail, 4, (count - 4) * stride, 0) }
        #expect(try library.read(Float.self, from: tail, count: rows * 4).map(\.bitPattern) == Array(alone.suffix(rows * 4)), "\(label) tail")
    }
}

/// A feed-forward's gate and up halves, the input of a SwiGLU-gated matvec.
enum SwiGLUInput {
    /// `count` tokens of a feed-forward's gate and up halves ([count, 2 * columns]), gates spread
    /// over -6...6 so silu's both tails matter.
    static func gateUp(columns: Int, count: Int, seed: UInt64) -> [Float] {
        SyntheticTensor.randomFloats(count: 2 * columns * count, seed: seed).enumerated().map { i, v in
            i % (2 * columns) < columns ? v * 12 : v
        }
    }

    /// silu(gate) * up of each of `count` columns of 2 * `columns` floats.
    static func swiglu(_ gu: [Float], columns: Int, count: Int) -> [Float] {
        (0..<count).flatMap { t in
            let gate = 2 * t * columns
            return Reference.swiglu(Array(gu[gate..<(gate + columns)]), Array(gu[(gate + columns)..<(gate + 2 * columns)]))
        }
    }

    static func checks(_ library: KernelLibrary, gpuLayout: Bool) -> TransformedInputChecks {
        TransformedInputChecks(library: library, gpuLayout: gpuLayout, width: { 2 * $0 },
                               input: { gateUp(columns: $0, count: $1, seed: $2) },
                               transformed: { swiglu($0, columns: $1, count: $2) },
                               reading: { .init(inputStride: 2 * $0, gateToUp: $0) })
    }
}

@Suite("Matvec of an input transformed as it is read")
struct TransformedInputTests {
    enum Transform: String, Sendable { case norm, swiglu }

    /// RMSNorm on the types the norm precedes, SwiGLU on those of the down projections.
    static let cases: [(Transform, TensorType)] = [TensorType.f32, .q4_0, .q8_0, .q4_K, .q6_K].map { (.norm, $0) }
        + [TensorType.f32, .q4_0, .q4_1, .q8_0, .q4_K, .q6_K].map { (.swiglu, $0) }

    static func checks(_ transform: Transform, gpuLayout: Bool) throws -> TransformedInputChecks {
        let library = try KernelLibrary.shared()
        switch transform {
        case .norm: return MatVecNormTests.checks(library, gpuLayout: gpuLayout)
        case .swiglu: return SwiGLUInput.checks(library, gpuLayout: gpuLayout)
        }
    }

    @Test("Matches the transform then matvec on the CPU (tolerance 1e-5 of sum |w x| plus 1e-6), in the device's and the GPU layout",
          arguments: cases, [false, true])
    func matchesReference(_ c: (Transform, TensorType), gpuLayout: Bool) throws {
        try Self.checks(c.0, gpuLayout: gpuLayout).matchesReference(c.1, seed: 31, label: "\(c.0) \(c.1) gpu layout \(gpuLayout)")
    }

    @Test("A column's result is bit-for-bit the same alone, in every batch of 2 to 17, and at an offset, in both layouts",
          arguments: [(Transform.norm, TensorType.q4_K), (.norm, .q6_K), (.norm, .q8_0), (.swiglu, .q4_K), (.swiglu, .q6_K), (.swiglu, .q4_1)],
          [false, true])
    func batchInvariant(_ c: (Transform, TensorType), gpuLayout: Bool) throws {
        try Self.checks(c.0, gpuLayout: gpuLayout).batchInvariant(c.1, seed: 41, label: "\(c.0) \(c.1) gpu layout \(gpuLayout)")
    }

    @Test("A norm weight shorter than a row, and a gate-to-up offset not a multiple of 4, inside the gate, with a norm or past the input, are refused")
    func badReadings() throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let bytes = try SyntheticTensor.randomBytes(type: .q8_0, rows: 8, columns: 256, seed: 71)
        let weights = try WeightMatrix.upload(library: library, type: .q8_0, rows: 8, columns: 256, gguf: bytes)
        let input = try library.buffer(Float.self, count: 512), output = try library.buffer(Float.self, count: 8)
        let norm = MatVec.InputNorm(weight: try library.buffer(Float.self, count: 256), epsilon: 1e-6)
        let short = MatVec.InputNorm(weight: try library.buffer(Float.self, count: 128), epsilon: 1e-6)
        for (offset, how) in [(nil, short), (254, nil), (128, nil), (256, norm), (260, nil)] as [(Int?, MatVec.InputNorm?)] {
            #expect(throws: KernelError.self, "offset \(offset ?? -1) norm \(how != nil)") {
                try run(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: 1, norm: how, gateToUp: offset) }
            }
        }
    }
}
