import Foundation
import GGUF

extension Reference {
    /// RMSNorm of `rows` rows of `n`: y = (x / sqrt(mean(x^2) + eps)) * w (ggml's order: the
    /// sum of squares in double, the scale in float).
    public static func rmsNorm(_ x: [Float], weight: [Float], n: Int, rows: Int, eps: Float) -> [Float] {
        var y = [Float](repeating: 0, count: rows * n)
        for r in 0..<rows {
            var sum = 0.0
            for i in 0..<n { sum += Double(x[r * n + i]) * Double(x[r * n + i]) }
            let scale = 1 / (Float(sum / Double(n)) + eps).squareRoot()
            for i in 0..<n { y[r * n + i] = (x[r * n + i] * scale) * weight[i] }
        }
        return y
    }

    /// Rotary embedding of [tokens][heads][headDim] rows with a (cos, sin) table as `Rope.Table` makes it.
    public static func rope(_ x: [Float], tokens: Int, heads: Int, headDim: Int, rotatedDims: Int, positions: [Int],
                            table: [Float], neox: Bool) -> [Float] {
        var y = x
        let half = rotatedDims / 2
        for t in 0..<tokens {
            for h in 0..<heads {
                let base = (t * heads + h) * headDim
                for i in 0..<half {
                    let c = table[(positions[t] * half + i) * 2], s = table[(positions[t] * half + i) * 2 + 1]
                    let (a, b) = neox ? (base + i, base + i + half) : (base + 2 * i, base + 2 * i + 1)
                    y[a] = x[a] * c - x[b] * s
                    y[b] = x[a] * s + x[b] * c
                }
            }
        }
        return y
    }

    /// silu(a) * b element-wise, silu(a) = a / (1 + e^-a).
    public static func swiglu(_ a: [Float], _ b: [Float]) -> [Float] {
        zip(a, b).map { (g, u) in (g / (1 + Foundation.exp(-g))) * u }
    }

    /// Rows `ids` of a GGUF-encoded table, dequantized.
    public static func embedding(table: [UInt8], type: TensorType, columns: Int, ids: [Int]) throws -> [Float] {
        let rowBytes = try type.rowBytes(elements: columns)
        var out: [Float] = []
        for id in ids {
            out += try table[(id * rowBytes)..<((id + 1) * rowBytes)].withUnsafeBytes {
                try Dequantize.row(type, from: $0, elements: columns)
            }
        }
        return out
    }
}
