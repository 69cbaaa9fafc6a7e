import GGUF
import Kernels
import Testing
import VulkanRuntime

@Suite("Matvec of an RMS-normalised input")
struct MatVecNormTests {
    static let types: [TensorType] = [.f32, .q4_0, .q8_0, .q4_K, .q6_K]

    /// The device's own matvec, or (`gpuLayout`) the GPU layout on any device: a subgroup splits each
    /// row, 4 rows a lane, storage-buffer reads, 8 columns a pass (the path that loads the norm
    /// weights per element instead of sharing one vec4 a lane).
    static func matVec(_ library: KernelLibrary, gpuLayout: Bool) throws -> MatVec {
        let sg = library.subgroupSize
        return try MatVec(library: library, configuration: gpuLayout
            ? MatVec.Configuration(lanesPerRow: sg, columnsPerPass: 8, workgroupSize: sg * 4, rowsPerLane: 4) : nil)
    }

    /// `count` random columns of `columns` floats (mixed magnitudes, so the norm matters) and a norm weight.
    static func inputs(columns: Int, count: Int, seed: UInt64) -> (x: [Float], weight: [Float]) {
        let x = SyntheticTensor.randomFloats(count: columns * count, seed: seed).enumerated().map { $1 * Float(1 + $0 / columns * 3) }
        let weight = SyntheticTensor.randomFloats(count: columns, seed: seed + 1).map { 1 + $0 / 2 }
        return (x, weight)
    }

    @Test("Matches RMSNorm then matvec on the CPU (tolerance 1e-5 of sum |w h| plus 1e-6), in the device's and the GPU layout",
          arguments: types, [false, true])
    func matchesReference(type: TensorType, gpuLayout: Bool) throws {
        let library = try KernelLibrary.shared()
        let matvec = try Self.matVec(library, gpuLayout: gpuLayout)
        for (i, shape) in [(rows: 67, columns: 256, count: 1), (rows: 130, columns: 512, count: 5), (rows: 33, columns: 768, count: 17)].enumerated() {
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: shape.rows, columns: shape.columns, seed: UInt64(31 + i))
            let dense = try Dequantize.row(type, from: bytes, elements: shape.rows * shape.columns)
            let (x, g) = Self.inputs(columns: shape.columns, count: shape.count, seed: UInt64(200 + i))
            let weights = try WeightMatrix.upload(library: library, type: type, rows: shape.rows, columns: shape.columns, gguf: bytes)
            let input = try library.buffer(x), output = try library.buffer(Float.self, count: shape.rows * shape.count)
            let norm = MatVec.InputNorm(weight: try library.buffer(g), epsilon: 1e-6)
            try run(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: shape.count, norm: norm) }
            let got = try library.read(Float.self, from: output, count: shape.rows * shape.count)
            let h = Reference.rmsNorm(x, weight: g, n: shape.columns, rows: shape.count, eps: 1e-6)
            let want = Reference.matVec(weights: dense, rows: shape.rows, columns: shape.columns, inputs: h, count: shape.count)
            let bad = worstViolation(got, want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 })
            #expect(bad == nil, "\(type) \(shape) gpu layout \(gpuLayout): element \(bad?.index ?? -1) got \(bad?.got ?? 0) want \(bad?.want ?? 0)")
        }
    }

    @Test("A column's result is bit-for-bit the same alone, in every batch of 2 to 17, and at an offset, in both layouts",
          arguments: [TensorType.q4_K, .q6_K, .q8_0], [false, true])
    func batchInvariant(type: TensorType, gpuLayout: Bool) throws {
        let library = try KernelLibrary.shared()
        let matvec = try Self.matVec(library, gpuLayout: gpuLayout)
        let (rows, columns, count) = (45, 512, 17)
        let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 41)
        let weights = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
        let (x, g) = Self.inputs(columns: columns, count: count, seed: 42)
        let input = try library.buffer(x)
        let norm = MatVec.InputNorm(weight: try library.buffer(g), epsilon: 1e-5)
        let single = try library.buffer(Float.self, count: rows * count)
        try run(library) { seq in
            for c in 0..<count {
                try matvec.encode(seq, weights: weights, input: input, inputOffset: c * columns, output: single,
                                  outputOffset: c * rows, columns: 1, norm: norm)
            }
        }
        let alone = try library.read(Float.self, from: single, count: rows * count).map(\.bitPattern)
        for k in [2, 3, 5, 8, 9, 16, 17] {
            let batch = try library.buffer(Float.self, count: rows * k)
            try run(library) { try matvec.encode($0, weights: weights, input: input, output: batch, columns: k, norm: norm) }
            #expect(try library.read(Float.self, from: batch, count: rows * k).map(\.bitPattern) == Array(alone.prefix(rows * k)), "batch of \(k)")
        }
        // The last 4 columns as a batch starting at an offset (a head over the batch's last tokens).
        let tail = try library.buffer(Float.self, count: rows * 4)
        try run(library) { try matvec.encode($0, weights: weights, input: input, inputOffset: (count - 4) * columns, output: tail, columns: 4, norm: norm) }
        #expect(try library.read(Float.self, from: tail, count: rows * 4).map(\.bitPattern) == Array(alone.suffix(rows * 4)))
    }

    @Test("Normalising changes the result the way a separate RMSNorm would (scaling the input changes nothing)")
    func scaleFree() throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let (rows, columns) = (40, 256)
        let bytes = try SyntheticTensor.randomBytes(type: .q8_0, rows: rows, columns: columns, seed: 61)
        let weights = try WeightMatrix.upload(library: library, type: .q8_0, rows: rows, columns: columns, gguf: bytes)
        let (x, g) = Self.inputs(columns: columns, count: 1, seed: 62)
        let norm = MatVec.InputNorm(weight: try library.buffer(g), epsilon: 0)
        // x and 4x (a power of two: every scaled value and square exact) normalise to the same h.
        let a = try library.buffer(x), b = try library.buffer(x.map { $0 * 4 })
        let ya = try library.buffer(Float.self, count: rows), yb = try library.buffer(Float.self, count: rows)
        let plain = try library.buffer(Float.self, count: rows)
        try run(library) { seq in
            try matvec.encode(seq, weights: weights, input: a, output: ya, columns: 1, norm: norm)
            try matvec.encode(seq, weights: weights, input: b, output: yb, columns: 1, norm: norm)
            try matvec.encode(seq, weights: weights, input: a, output: plain, columns: 1)
        }
        let got = try library.read(Float.self, from: ya, count: rows)
        #expect(got.map(\.bitPattern) == (try library.read(Float.self, from: yb, count: rows)).map(\.bitPattern))
        #expect(got != (try library.read(Float.self, from: plain, count: rows)))
    }

    @Test("A norm weight shorter than a row is refused")
    func shortWeight() throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let bytes = try SyntheticTensor.randomBytes(type: .q8_0, rows: 8, columns: 256, seed: 71)
        let weights = try WeightMatrix.upload(library: library, type: .q8_0, rows: 8, columns: 256, gguf: bytes)
        let input = try library.buffer(Float.self, count: 256), output = try library.buffer(Float.self, count: 8)
        let norm = MatVec.InputNorm(weight: try library.buffer(Float.self, count: 128), epsilon: 1e-6)
        #expect(throws: VulkanError.self) {
            try run(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: 1, norm: norm) }
        }
    }
}
