import GGUF
import Kernels
import VulkanRuntime

/// A projection of an RMS-normalised input at the real models' shapes, two ways: the norm as a
/// dispatch of its own writing h, then the matvec reading h ("separate"), against the matvec
/// normalising as it reads ("fused", what the forward pass records).
enum NormProjectionCases {
    static func all(configuration: MatVec.Configuration?) -> [BenchCase] {
        let shapes: [(TensorType, rows: Int, columns: Int, label: String)] = [
            (.q4_K, 2 * ModelShape.qwen15.feedForward, ModelShape.qwen15.hidden, "qwen2.5-1.5b ffn_gate+up"),
            (.q4_K, 2048, ModelShape.qwen15.hidden, "qwen2.5-1.5b attn_qkv"),
            (.q4_0, 2 * ModelShape.qwen05.feedForward, ModelShape.qwen05.hidden, "qwen2.5-0.5b q4_0 ffn_gate+up"),
            (.q4_0, 1152, ModelShape.qwen05.hidden, "qwen2.5-0.5b q4_0 attn_qkv"),
        ]
        return shapes.flatMap { shape in
            [1, 4].flatMap { count in
                [true, false].map { normProjection(shape.0, rows: shape.rows, columns: shape.columns, count: count,
                                                   label: shape.label, fused: $0, configuration) }
            }
        }
    }

    static func normProjection(_ type: TensorType, rows: Int, columns: Int, count: Int, label: String, fused: Bool,
                               _ configuration: MatVec.Configuration?) -> BenchCase {
        let ggufBytes = Double((try? type.rowBytes(elements: columns)) ?? 0) * Double(rows)
        return BenchCase(kernel: "norm_matvec", variant: "\(type.name) \(fused ? "fused" : "separate")",
                         shape: "\(label) \(rows)x\(columns)x\(count)", bytes: ggufBytes + Double(4 * count * (rows + columns)),
                         flops: 2 * Double(rows * columns * count)) { library in
            let matvec = try MatVec(library: library, configuration: configuration)
            let norm = try RMSNorm(library: library)
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 1)
            let copies = try (0..<MatVecCases.copyCount(of: bytes.count, beyond: MatVecCases.cacheBytes)).map { _ in
                try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
            }
            let x = SyntheticTensor.randomFloats(count: columns * count, seed: 2)
            let g = SyntheticTensor.randomFloats(count: columns, seed: 3).map { 1 + $0 / 2 }
            let input = try library.buffer(x), weight = try library.buffer(g)
            let h = try library.buffer(Float.self, count: columns * count), output = try library.buffer(Float.self, count: rows * count)
            var next = 0
            let record = { (seq: CommandSequence) in
                let weights = copies[next % copies.count]
                next += 1
                if fused {
                    try matvec.encode(seq, weights: weights, input: input, output: output, columns: count,
                                      norm: MatVec.InputNorm(weight: weight, epsilon: 1e-6))
                } else {
                    try norm.encode(seq, input: input, weight: weight, output: h, n: columns, rows: count, eps: 1e-6)
                    try matvec.encode(seq, weights: weights, input: h, output: output, columns: count)
                }
            }
            return .init(validate: {
                try execute(library, record)
                let rowBytes = try type.rowBytes(elements: columns)
                let normed = Reference.rmsNorm(x, weight: g, n: columns, rows: count, eps: 1e-6)
                let got = try library.read(Float.self, from: output, count: rows * count)
                for r in stride(from: 0, to: rows, by: max(1, rows / 32)) {
                    let w = try bytes[(r * rowBytes)..<((r + 1) * rowBytes)].withUnsafeBytes { try Dequantize.row(type, from: $0, elements: columns) }
                    let want = Reference.matVec(weights: w, rows: 1, columns: columns, inputs: normed, count: count)
                    try check("norm_matvec.\(type.name)", got: (0..<count).map { got[$0 * rows + r] }, want: want.y) {
                        want.magnitude[$0] * 1e-5 + 1e-6
                    }
                }
            }, record: record)
        }
    }
}
