import Foundation
import GGUF
@testable import Augur

/// A plain CPU forward pass of the llama/qwen2 block, in float with double-precision dot
/// products, on the engine's own dequantization: what ForwardPassTests checks the GPU pass
/// against, its KV cache rounded to fp16 as the GPU's is. It also emulates llama.cpp's rounding on
/// request. Parity's arbiter is `ExactReference`, which shares none of the engine's code.
final class CPUReferenceModel {
    let c: ModelConfiguration
    let file: GGUFFile
    let neox: Bool
    /// Rounds activations as llama.cpp's CPU build does before each product (8-bit blocks per
    /// weight type, fp16 queries and attention weights), to tell its rounding from Augur's.
    var llamaActivations = false
    private var dense: [String: [Float]] = [:]
    private var keys: [[[Float]]], values: [[[Float]]]  // [layer][position][kvHeads * headDim]

    init(path: String) throws {
        file = try GGUFFile(path: path)
        c = try ModelConfiguration(gguf: file)
        neox = c.architecture == "qwen2"
        keys = Array(repeating: [], count: c.layers)
        values = Array(repeating: [], count: c.layers)
    }

    func tensor(_ name: String) -> [Float]? {
        if let cached = dense[name] { return cached }
        guard let info = file.tensor(named: name) else { return nil }
        let values = try! Dequantize.row(info.type, from: file.data(of: info), elements: info.elementCount)
        dense[name] = values
        return values
    }

    /// y = W x (+ b) for W of `rows` x x.count.
    func linear(_ name: String, _ x: [Float], bias: String? = nil) -> [Float] {
        let w = tensor(name)!, n = x.count, rows = w.count / n
        let b = bias.flatMap { tensor($0) }
        let info = file.tensor(named: name)!
        let exact = x
        let x = llamaActivations ? Self.llamaQuantized(x, for: info.type) : x
        let offsets = llamaActivations ? offsetCorrections(info, exact) : nil
        return (0..<rows).map { r in
            var sum = 0.0
            for k in 0..<n { sum += Double(w[r * n + k]) * Double(x[k]) }
            if let offsets { sum += offsets(r) }
            return Float(sum) + (b?[r] ?? 0)
        }
    }

    /// For q4_1/q5_1 weights (w = d q + m per 32), llama.cpp adds each block's m times the
    /// activation block's sum stored as fp16(d_x * sum q_x), not as the sum of the rounded
    /// fp16(d_x) q_x that the quantized x gives: the difference, per row.
    func offsetCorrections(_ info: GGUFTensorInfo, _ x: [Float]) -> ((Int) -> Double)? {
        let blockBytes: Int
        switch info.type {
        case .q4_1: blockBytes = 20
        case .q5_1: blockBytes = 24
        default: return nil
        }
        let blocks = x.count / 32
        let delta: [Double] = (0..<blocks).map { b in
            let (d, q) = Self.q8Block(x[(b * 32)..<(b * 32 + 32)])
            let sum = q.reduce(0, +)
            return Double(Float(Float16(d * sum))) - Double(Float(Float16(d))) * Double(sum)
        }
        let data = file.data(of: info)
        return { r in
            var total = 0.0
            for b in 0..<blocks {
                let offset = (r * blocks + b) * blockBytes + 2
                let bits = UInt16(data[offset]) | UInt16(data[offset + 1]) << 8
                total += Double(Float(Float16(bitPattern: bits))) * delta[b]
            }
            return total
        }
    }

    /// llama.cpp's q8_0/q8_1 block of `block`: the scale before fp16 rounding and the integers.
    static func q8Block(_ block: ArraySlice<Float>) -> (d: Float, q: [Float]) {
        let d = (block.map(abs).max() ?? 0) / 127
        let id: Float = d == 0 ? 0 : 1 / d
        return (d, block.map { ($0 * id).rounded() })
    }

    /// x as llama.cpp's CPU build rounds it for a product with weights of `type`: 8-bit integers
    /// times an fp16 scale per 32 (q8_0, q8_1) or a float scale per 256 (q8_K), fp16 for f16.
    static func llamaQuantized(_ x: [Float], for type: TensorType) -> [Float] {
        switch type {
        case .q4_0, .q5_0, .q8_0, .q4_1, .q5_1:
            return stride(from: 0, to: x.count, by: 32).flatMap { start -> [Float] in
                let (d, q) = q8Block(x[start..<min(start + 32, x.count)])
                return q.map { Float(Float16(d)) * $0 }
            }
        case .q4_K, .q5_K, .q6_K:
            return stride(from: 0, to: x.count, by: 256).flatMap { start -> [Float] in
                let block = x[start..<min(start + 256, x.count)]
                guard let max = block.max(by: { abs($0) < abs($1) }), max != 0 else { return Array(block) }
                let iscale = -127 / max
                return block.map { Swift.min(127, ($0 * iscale).rounded()) * (1 / iscale) }
            }
        case .f16: return x.map { Float(Float16($0)) }
        default: return x
        }
    }

    func rmsNorm(_ x: [Float], _ weight: String) -> [Float] {
        let w = tensor(weight)!
        let mean = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)
        let scale = Float(1 / (mean + Double(c.rmsEpsilon)).squareRoot())
        return x.indices.map { x[$0] * scale * w[$0] }
    }

    func rope(_ x: inout [Float], heads: Int, position: Int) {
        let d = c.headDim, half = c.ropeDimensions / 2
        for h in 0..<heads {
            for i in 0..<half {
                let theta = Double(position) * c.ropeFrequencyScale * pow(c.ropeBase, -2 * Double(i) / Double(c.ropeDimensions))
                let (a, b) = neox ? (h * d + i, h * d + i + half) : (h * d + 2 * i, h * d + 2 * i + 1)
                let (x0, x1) = (Double(x[a]), Double(x[b]))
                x[a] = Float(x0 * cos(theta) - x1 * sin(theta))
                x[b] = Float(x0 * sin(theta) + x1 * cos(theta))
            }
        }
    }

    /// Logits after `token` at the next position.
    func step(_ token: Int) -> [Float] {
        let position = keys[0].count
        let d = c.hidden, hd = c.headDim, group = c.heads / c.kvHeads
        let table = tensor("token_embd.weight")!
        var x = Array(table[(token * d)..<((token + 1) * d)])
        for l in 0..<c.layers {
            let p = "blk.\(l)."
            let h = rmsNorm(x, p + "attn_norm.weight")
            var q = linear(p + "attn_q.weight", h, bias: tensor(p + "attn_q.bias") == nil ? nil : p + "attn_q.bias")
            var k = linear(p + "attn_k.weight", h, bias: tensor(p + "attn_k.bias") == nil ? nil : p + "attn_k.bias")
            let v = linear(p + "attn_v.weight", h, bias: tensor(p + "attn_v.bias") == nil ? nil : p + "attn_v.bias")
            rope(&q, heads: c.heads, position: position)
            rope(&k, heads: c.kvHeads, position: position)
            keys[l].append(k.map { Float(Float16($0)) })
            values[l].append(v.map { Float(Float16($0)) })
            var attention = [Float](repeating: 0, count: c.heads * hd)
            for head in 0..<c.heads {
                let kv = head / group
                let scores = (0...position).map { j -> Double in
                    var s = 0.0
                    for i in 0..<hd { s += Double(llamaActivations ? Float(Float16(q[head * hd + i])) : q[head * hd + i]) * Double(keys[l][j][kv * hd + i]) }
                    return s / Double(hd).squareRoot()
                }
                let top = scores.max()!
                var weights = scores.map { exp($0 - top) }
                var total = weights.reduce(0, +)
                if llamaActivations { (weights, total) = (weights.map { Double(Float16($0 / total)) }, 1) }
                for i in 0..<hd {
                    var acc = 0.0
                    for j in 0...position { acc += weights[j] * Double(values[l][j][kv * hd + i]) }
                    attention[head * hd + i] = Float(acc / total)
                }
            }
            let o = linear(p + "attn_output.weight", attention)
            for i in 0..<d { x[i] += o[i] }
            let h2 = rmsNorm(x, p + "ffn_norm.weight")
            let g = linear(p + "ffn_gate.weight", h2), u = linear(p + "ffn_up.weight", h2)
            let a = g.indices.map { (g[$0] / (1 + exp(-g[$0]))) * u[$0] }
            let down = linear(p + "ffn_down.weight", a)
            for i in 0..<d { x[i] += down[i] }
        }
        let out = file.tensor(named: "output.weight") == nil ? "token_embd.weight" : "output.weight"
        return linear(out, rmsNorm(x, "output_norm.weight"))
    }
}
