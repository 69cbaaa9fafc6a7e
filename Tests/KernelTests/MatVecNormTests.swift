import GGUF
import Kernels
import Testing
import VulkanRuntime

@Suite("Matvec of an RMS-normalised input")
struct MatVecNormTests {
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

    /// The norm weight for rows of `columns` weights.
    static func normWeight(columns: Int) -> [Float] {
        SyntheticTensor.randomFloats(count: columns, seed: UInt64(columns)).map { 1 + $0 / 2 }
    }

    static func checks(_ library: KernelLibrary, gpuLayout: Bool) -> TransformedInputChecks {
        TransformedInputChecks(library: library, gpuLayout: gpuLayout, width: { $0 },
                               input: { inputs(columns: $0, count: $1, seed: $2).x },
                               transformed: { Reference.rmsNorm($0, weight: normWeight(columns: $1), n: $1, rows: $2, eps: 1e-6) },
                               reading: { .init(norm: MatVec.InputNorm(weight: try library.buffer(normWeight(columns: $0)), epsilon: 1e-6)) })
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
}
