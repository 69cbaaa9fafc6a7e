/// Plain CPU implementations of every kernel: the definitions the GPU kernels are tested against
/// (and that `augur-bench` checks before it times anything). Clarity over speed; sums in Double.
public enum Reference {
    /// Y[c][r] = sum_k W[r][k] X[c][k] for `count` columns, with the magnitude of each sum
    /// (sum of |w x|), which sets a fair tolerance for float accumulation.
    public static func matVec(weights: [Float], rows: Int, columns: Int, inputs: [Float], count: Int) -> (y: [Float], magnitude: [Float]) {
        var y = [Float](repeating: 0, count: rows * count), magnitude = y
        for c in 0..<count {
            for r in 0..<rows {
                var sum = 0.0, size = 0.0
                for k in 0..<columns {
                    let product = Double(weights[r * columns + k]) * Double(inputs[c * columns + k])
                    sum += product
                    size += abs(product)
                }
                y[c * rows + r] = Float(sum)
                magnitude[c * rows + r] = Float(size)
            }
        }
        return (y, magnitude)
    }
}
