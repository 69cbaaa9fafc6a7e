import Foundation

extension Reference {
    /// Softmax of `rows` rows of `n`: y = exp(s x - max(s x)) / sum exp(s x - max(s x)), in Double
    /// throughout, so it is the exact value (to Double rounding) the GPU's float result is held to.
    public static func softmax(_ x: [Float], n: Int, rows: Int, scale: Float = 1) -> [Float] {
        var y = [Float](repeating: 0, count: rows * n)
        for r in 0..<rows {
            let z = x[r * n..<(r + 1) * n].map { Double($0) * Double(scale) }
            let m = z.max()!
            let e = z.map { Foundation.exp($0 - m) }
            let sum = e.reduce(0, +)
            for i in 0..<n { y[r * n + i] = Float(e[i] / sum) }
        }
        return y
    }

    /// Per row, the index and value of the maximum; the first (lowest index) of equal maxima.
    public static func argmax(_ x: [Float], n: Int, rows: Int) -> (indices: [UInt32], values: [Float]) {
        var indices = [UInt32](), values = [Float]()
        for r in 0..<rows {
            var best = r * n
            for i in r * n..<(r + 1) * n where x[i] > x[best] { best = i }
            indices.append(UInt32(best - r * n))
            values.append(x[best])
        }
        return (indices, values)
    }

    /// Per row, the softmax's denominator sum_j exp(x_j - max_j x_j), in Double.
    public static func softmaxNormalizer(_ x: [Float], n: Int, rows: Int) -> [Double] {
        (0..<rows).map { r in
            let row = x[r * n..<(r + 1) * n], m = Double(row.max()!)
            return m == -.infinity ? 0 : row.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
        }
    }

    /// Per row, the `k` largest values and their indices, by value descending and equal values by
    /// index ascending; results are [rows][k].
    public static func topK(_ x: [Float], n: Int, rows: Int, k: Int) -> (indices: [UInt32], values: [Float]) {
        var indices = [UInt32](), values = [Float]()
        for r in 0..<rows {
            let order = (0..<n).sorted { a, b in
                let (va, vb) = (x[r * n + a], x[r * n + b])
                return va > vb || (va == vb && a < b)
            }
            for i in order.prefix(k) {
                indices.append(UInt32(i))
                values.append(x[r * n + i])
            }
        }
        return (indices, values)
    }
}
