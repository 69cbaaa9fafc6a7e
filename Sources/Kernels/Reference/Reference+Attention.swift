import Foundation

extension Reference {
    /// Rounds `tokens` rows of `rowWidth` floats (`rowStride` apart, default `rowWidth`) to
    /// halves, round-to-nearest-even as Swift's Float16 does, and stores row t at slot
    /// `slots[t]` of `cache` ([capacity][rowWidth] halves); slots past the capacity are skipped.
    public static func kvWrite(_ rows: [Float], tokens: Int, rowWidth: Int, rowStride: Int? = nil, slots: [Int],
                               into cache: inout [Float16]) {
        let stride = rowStride ?? rowWidth
        for t in 0..<tokens where (slots[t] + 1) * rowWidth <= cache.count {
            for i in 0..<rowWidth { cache[slots[t] * rowWidth + i] = Float16(rows[t * stride + i]) }
        }
    }

    /// `KVCacheMove` with one cache on both sides, done the safe way (read every row, then write):
    /// row `to[t]` becomes the old row `from[t]`; rows are `rowWidth` halves.
    public static func kvMove(_ cache: inout [Float16], rowWidth: Int, from: [Int], to: [Int]) {
        let rows = from.map { Array(cache[($0 * rowWidth)..<(($0 + 1) * rowWidth)]) }
        for (row, slot) in zip(rows, to) { cache.replaceSubrange((slot * rowWidth)..<((slot + 1) * rowWidth), with: row) }
    }

    /// Grouped-query attention with an additive mask, as `Attention` defines it:
    /// out[i][h] = sum_j w_j V[j][g] / sum_j w_j, w_j = exp(s_j - max s), s_j = (Q[i][h] . K[j][g]) * scale + mask[i][j]
    /// over slots j < kvLength with mask[i][j] != -inf, g = h / (heads / kvHeads). Queries and
    /// output are [count][heads][headDim]; keys and values [slot][kvHeads][headDim]; mask
    /// [count][maskStride]. Everything in Double from the halves; a fully masked row is 0.
    public static func attention(queries: [Float], count: Int, heads: Int, kvHeads: Int, headDim: Int,
                                 keys: [Float16], values: [Float16], kvLength: Int, mask: [Float], maskStride: Int,
                                 scale: Float? = nil) -> [Float] {
        let scale = Double(scale ?? 1 / Float(headDim).squareRoot())
        let group = heads / kvHeads, rowWidth = kvHeads * headDim
        var out = [Float](repeating: 0, count: count * heads * headDim)
        for i in 0..<count {
            for h in 0..<heads {
                let q = (i * heads + h) * headDim, kv = (h / group) * headDim
                var scores: [(slot: Int, score: Double)] = []
                for j in 0..<min(kvLength, maskStride) where mask[i * maskStride + j] != -.infinity {
                    var dot = 0.0
                    for d in 0..<headDim { dot += Double(queries[q + d]) * Double(keys[j * rowWidth + kv + d]) }
                    scores.append((j, dot * scale + Double(mask[i * maskStride + j])))
                }
                guard let top = scores.map(\.score).max() else { continue }
                var sum = 0.0, acc = [Double](repeating: 0, count: headDim)
                for (j, s) in scores {
                    let w = Foundation.exp(s - top)
                    sum += w
                    for d in 0..<headDim { acc[d] += w * Double(values[j * rowWidth + kv + d]) }
                }
                for d in 0..<headDim { out[q + d] = Float(acc[d] / sum) }
            }
        }
        return out
    }
}
