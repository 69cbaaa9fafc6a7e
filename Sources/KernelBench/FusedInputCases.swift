import GGUF
import Kernels
import VulkanRuntime

/// A projection whose input another pass would prepare, at the real models' shapes, two ways: that
/// pass as a dispatch of its own (RMSNorm writing h, or SwiGLU writing g), then the matvec reading
/// its output ("separate"), against the matvec forming its input as it reads ("fused", what the
/// forward pass records where `KernelSet` fuses).
enum FusedInputCases {
    enum Fusion: String { case norm, swiglu }

    static func all(configuration: MatVec.Configuration?) -> [BenchCase] {
        let q15 = ModelShape.qwen15, q05 = ModelShape.qwen05
        let shapes: [(Fusion, TensorType, rows: Int, columns: Int, label: String)] = [
            (.norm, .q4_K, 2 * q15.feedForward, q15.hidden, "qwen2.5-1.5b ffn_gate+up"),
            (.norm, .q4_K, 2048, q15.hidden, "qwen2.5-1.5b attn_qkv"),
            (.norm, .q4_0, 2 * q05.feedForward, q05.hidden, "qwen2.5-0.5b q4_0 ffn_gate+up"),
            (.norm, .q4_0, 1152, q05.hidden, "qwen2.5-0.5b q4_0 attn_qkv"),
            (.swiglu, .q4_K, q15.hidden, q15.feedForward, "qwen2.5-1.5b ffn_down"),
            (.swiglu, .q6_K, q15.hidden, q15.feedForward, "qwen2.5-1.5b ffn_down"),
            (.swiglu, .q4_1, q05.hidden, q05.feedForward, "qwen2.5-0.5b q4_1 ffn_down"),
        ]
        return shapes.flatMap { shape in
            [1, 4].flatMap { count in
                [true, false].map { fusedInput(shape.0, shape.1, rows: shape.rows, columns: shape.columns, count: count,
                                               label: shape.label, fused: $0, configuration) }
            }
        }
    }

    static func fusedInput(_ fusion: Fusion, _ type: TensorType, rows: Int, columns: Int, count: Int, label: String, fused: Bool,
                           _ configuration: MatVec.Configuration?) -> BenchCase {
        let ggufBytes = Double((try? type.rowBytes(elements: columns)) ?? 0) * Double(rows)
        let inputWidth = fusion == .swiglu ? 2 * columns : columns
        return BenchCase(kernel: "\(fusion.rawValue)_matvec", variant: "\(type.name) \(fused ? "fused" : "separate")",
                         shape: "\(label) \(rows)x\(columns)x\(count)", bytes: ggufBytes + Double(4 * count * (rows + inputWidth)),
                         flops: 2 * Double(rows * columns * count)) { library in
            let matvec = try MatVec(library: library, configuration: configuration)
            let norm = try RMSNorm(library: library), elementwise = try Elementwise(library: library)
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 1)
            let copies = try (0..<MatVecCases.copyCount(of: bytes.count, beyond: MatVecCases.cacheBytes)).map { _ in
                try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
            }
            let x = SyntheticTensor.randomFloats(count: inputWidth * count, seed: 2)
            let g = SyntheticTensor.randomFloats(count: columns, seed: 3).map { 1 + $0 / 2 }
            let input = try library.buffer(x), weight = try library.buffer(g)
            let h = try library.buffer(Float.self, count: columns * count), output = try library.buffer(Float.self, count: rows * count)
            var next = 0
            let record = { (seq: CommandSequence) in
                let weights = copies[next % copies.count]
                next += 1
                switch (fusion, fused) {
                case (.norm, true):
                    try matvec.encode(seq, weights: weights, input: input, output: output, columns: count,
                                      norm: MatVec.InputNorm(weight: weight, epsilon: 1e-6))
                case (.norm, false):
                    try norm.encode(seq, input: input, weight: weight, output: h, n: columns, rows: count, eps: 1e-6)
                    try matvec.encode(seq, weights: weights, input: h, output: output, columns: count)
                case (.swiglu, true):
                    try matvec.encode(seq, weights: weights, input: input, inputStride: inputWidth, output: output, columns: count,
                                      gateToUp: columns)
                case (.swiglu, false):
                    try elementwise.encode(seq, .swiglu, a: input, b: input, bOffset: columns, output: h, count: count * columns,
                                           rows: Elementwise.Rows(width: columns, aStride: inputWidth, bStride: inputWidth, outputStride: columns))
                    try matvec.encode(seq, weights: weights, input: h, output: output, columns: count)
                }
            }
            return .init(validate: {
                try execute(library, record)
                let rowBytes = try type.rowBytes(elements: columns)
                let normed = fusion == .norm ? Reference.rmsNorm(x, weight: g, n: columns, rows: count, eps: 1e-6)
                    : (0..<count).flatMap { t in
                        Reference.swiglu(Array(x[(t * inputWidth)..<(t * inputWidth + columns)]),
                                         Array(x[(t * inputWidth + columns)..<((t + 1) * inputWidth)]))
                    }
                let got = try library.read(Float.self, from: output, count: rows * count)
                for r in stride(from: 0, to: rows, by: max(1, rows / 32)) {
                    let w = try bytes[(r * rowBytes)..<((r + 1) * rowBytes)].withUnsafeBytes { try Dequantize.row(type, from: $0, elements: columns) }
                    let want = Reference.matVec(weights: w, rows: 1, columns: columns, inputs: normed, count: count)
                    try check("\(fusion.rawValue)_matvec.\(type.name)", got: (0..<count).map { got[$0 * rows + r] }, want: want.y) {
                        want.magnitude[$0] * 1e-5 + 1e-6
                    }
                }
            }, record: record)
        }
    }
}
