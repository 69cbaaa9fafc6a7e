import GGUF
import Kernels
import VulkanRuntime

/// Attention at the real models' head shapes: decode (one query over 512 cached slots) and a
/// causal prefill batch of 32 queries.
enum AttentionCases {
    static func all() -> [BenchCase] {
        ModelShape.all.flatMap { model in
            [attention(model, queries: 1, kvLength: 512), attention(model, queries: 32, kvLength: 512)]
        }
    }

    static func attention(_ model: ModelShape, queries: Int, kvLength: Int) -> BenchCase {
        let (heads, kvHeads, headDim) = (model.heads, model.kvHeads, model.headDim)
        let cacheBytes = Double(2 * 2 * kvLength * kvHeads * headDim)
        return BenchCase(kernel: "attention", variant: "f16kv", shape: "\(model.name) \(heads)/\(kvHeads)x\(headDim) q\(queries) kv\(kvLength)",
                         bytes: cacheBytes + Double(8 * queries * heads * headDim),
                         flops: Double(4 * queries * heads * headDim * kvLength)) { library in
            let q = SyntheticTensor.randomFloats(count: queries * heads * headDim, seed: 1)
            let k = SyntheticTensor.randomFloats(count: kvLength * kvHeads * headDim, seed: 2)
            let v = SyntheticTensor.randomFloats(count: kvLength * kvHeads * headDim, seed: 3)
            let cache = try Attention.Cache.allocate(library: library, capacity: kvLength, kvHeads: kvHeads, headDim: headDim)
            let kBuffer = try library.buffer(k), vBuffer = try library.buffer(v)
            let slots = try library.buffer((0..<kvLength).map(UInt32.init))
            try execute(library) { try KVCacheWrite(library: library).encode($0, keys: kBuffer, values: vBuffer, slots: slots, tokens: kvLength, cache: cache) }
            let mask = Attention.causalMask(count: queries, start: kvLength - queries, stride: kvLength)
            let qBuffer = try library.buffer(q), maskBuffer = try library.buffer(mask)
            let params = try library.buffer([UInt32(kvLength)]), out = try library.buffer(Float.self, count: q.count)
            let attention = try Attention(library: library)
            let record = { (s: CommandSequence) in
                try attention.encode(s, queries: qBuffer, cache: cache, mask: maskBuffer, maskStride: kvLength, params: params,
                                     output: out, count: queries, heads: heads)
            }
            return .init(validate: {
                try execute(library, record)
                var keys = [Float16](repeating: 0, count: k.count), values = keys
                Reference.kvWrite(k, tokens: kvLength, rowWidth: kvHeads * headDim, slots: Array(0..<kvLength), into: &keys)
                Reference.kvWrite(v, tokens: kvLength, rowWidth: kvHeads * headDim, slots: Array(0..<kvLength), into: &values)
                let want = Reference.attention(queries: q, count: queries, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                               keys: keys, values: values, kvLength: kvLength, mask: mask, maskStride: kvLength)
                try check("attention", got: try library.read(Float.self, from: out, count: q.count), want: want) { max(1, abs(want[$0])) * 1e-4 }
            }, record: record)
        }
    }
}
