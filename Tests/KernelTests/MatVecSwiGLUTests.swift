import GGUF
import Kernels
import Testing
import VulkanRuntime

@Suite("Matvec of a SwiGLU-gated input")
struct MatVecSwiGLUTests {
    /// `count` tokens of a feed-forward's gate and up halves ([count, 2 * columns]), gates spread
    /// over -6...6 so silu's both tails matter.
    static func gateUp(columns: Int, count: Int, seed: UInt64) -> [Float] {
        SyntheticTensor.randomFloats(count: 2 * columns * count, seed: seed).enumerated().map { i, v in
            i % (2 * columns) < columns ? v * 12 : v
        }
    }

    @Test("Matches SwiGLU then matvec on the CPU (tolerance 1e-5 of sum |w g| plus 1e-6), in the device's and the GPU layout",
          arguments: [TensorType.f32, .q4_0, .q4_1, .q8_0, .q4_K, .q6_K], [false, true])
    func matchesReference(type: TensorType, gpuLayout: Bool) throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVecNormTests.matVec(library, gpuLayout: gpuLayout)
        for (i, shape) in [(rows: 67, columns: 256, count: 1), (rows: 130, columns: 512, count: 5), (rows: 33, columns: 768, count: 17)].enumerated() {
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: shape.rows, columns: shape.columns, seed: UInt64(51 + i))
            let dense = try Dequantize.row(type, from: bytes, elements: shape.rows * shape.columns)
            let gu = Self.gateUp(columns: shape.columns, count: shape.count, seed: UInt64(300 + i))
            let weights = try WeightMatrix.upload(library: library, type: type, rows: shape.rows, columns: shape.columns, gguf: bytes)
            let input = try library.buffer(gu), output = try library.buffer(Float.self, count: shape.rows * shape.count)
            try run(library) {
                try matvec.encode($0, weights: weights, input: input, inputStride: 2 * shape.columns, output: output,
                                  columns: shape.count, gateToUp: shape.columns)
            }
            let got = try library.read(Float.self, from: output, count: shape.rows * shape.count)
            let g = (0..<shape.count).flatMap { t in
                let token = Array(gu[(2 * t * shape.columns)..<((2 * t + 2) * shape.columns)])
                return Reference.swiglu(Array(token[..<shape.columns]), Array(token[shape.columns...]))
            }
            let want = Reference.matVec(weights: dense, rows: shape.rows, columns: shape.columns, inputs: g, count: shape.count)
            let bad = worstViolation(got, want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 })
            #expect(bad == nil, "\(type) \(shape) gpu layout \(gpuLayout): element \(bad?.index ?? -1) got \(bad?.got ?? 0) want \(bad?.want ?? 0)")
        }
    }

    @Test("A column's result is bit-for-bit the same alone and in every batch of 2 to 17, in both layouts",
          arguments: [TensorType.q4_K, .q6_K, .q4_1], [false, true])
    func batchInvariant(type: TensorType, gpuLayout: Bool) throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVecNormTests.matVec(library, gpuLayout: gpuLayout)
        let (rows, columns, count) = (45, 512, 17)
        let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 43)
        let weights = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
        let input = try library.buffer(Self.gateUp(columns: columns, count: count, seed: 44))
        let single = try library.buffer(Float.self, count: rows * count)
        try run(library) { seq in
            for c in 0..<count {
                try matvec.encode(seq, weights: weights, input: input, inputOffset: c * 2 * columns, inputStride: 2 * columns,
                                  output: single, outputOffset: c * rows, columns: 1, gateToUp: columns)
            }
        }
        let alone = try library.read(Float.self, from: single, count: rows * count).map(\.bitPattern)
        for k in [2, 3, 5, 8, 9, 16, 17] {
            let batch = try library.buffer(Float.self, count: rows * k)
            try run(library) {
                try matvec.encode($0, weights: weights, input: input, inputStride: 2 * columns, output: batch, columns: k, gateToUp: columns)
            }
            #expect(try library.read(Float.self, from: batch, count: rows * k).map(\.bitPattern) == Array(alone.prefix(rows * k)), "batch of \(k)")
        }
    }

    @Test("A gate-to-up offset that is not a multiple of 4, inside the gate, with a norm, or past the input is refused")
    func badOffsets() throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let bytes = try SyntheticTensor.randomBytes(type: .q8_0, rows: 8, columns: 256, seed: 71)
        let weights = try WeightMatrix.upload(library: library, type: .q8_0, rows: 8, columns: 256, gguf: bytes)
        let input = try library.buffer(Float.self, count: 512), output = try library.buffer(Float.self, count: 8)
        let norm = MatVec.InputNorm(weight: try library.buffer(Float.self, count: 256), epsilon: 1e-6)
        for (offset, withNorm) in [(254, false), (128, false), (256, true), (260, false)] {
            #expect(throws: VulkanError.self, "offset \(offset) norm \(withNorm)") {
                try run(library) {
                    try matvec.encode($0, weights: weights, input: input, output: output, columns: 1,
                                      norm: withNorm ? norm : nil, gateToUp: offset)
                }
            }
        }
    }
}
