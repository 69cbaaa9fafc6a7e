import Kernels

/// Llama (and SmolLM2): pre-norm blocks of grouped-query attention with RoPE on interleaved
/// pairs, then a SwiGLU feed-forward. n = tokens in the batch, d = hidden, H/Hkv = query/KV heads.
enum Llama: Architecture {
    static let names = ["llama"]
    static let ropeLayout = Rope.Layout.normal

    static func forward(_ f: ForwardPass, weights w: ModelWeights, layers: Range<Int>, logitRows: Int) throws {
        let c = f.configuration
        let b = f.buffers
        if layers.lowerBound == 0 { try f.embed(w.embedding, into: f.x) }         // x: [n, d]
        for l in layers {
            let layer = w.layers[l]
            try f.rmsNorm(f.x, layer.attentionNorm, into: f.h)                     // h: [n, d]
            try f.linear(layer.query, f.h, into: b.q, bias: layer.queryBias)      // q: [n, H * hd]
            try f.linear(layer.key, f.h, into: b.k, bias: layer.keyBias)          // k: [n, Hkv * hd]
            try f.linear(layer.value, f.h, into: b.v, bias: layer.valueBias)      // v: [n, Hkv * hd]
            try f.rope(b.q, heads: c.heads)
            try f.rope(b.k, heads: c.kvHeads)
            try f.store(keys: b.k, values: b.v, layer: l)                          // cache[l][slots] = k, v
            try f.attend(b.q, layer: l, into: b.attention)                        // a: [n, H * hd]
            try f.addLinear(layer.output, b.attention, to: f.x)                    // x += Wo a: [n, d]
            try f.rmsNorm(f.x, layer.feedForwardNorm, into: f.h)                  // h: [n, d]
            try f.linear(layer.gate, f.h, into: b.gate)                           // g: [n, ff]
            try f.linear(layer.up, f.h, into: b.up)                               // u: [n, ff]
            try f.swiglu(b.gate, b.up)                                            // g = silu(g) * u
            try f.addLinear(layer.down, b.gate, to: f.x)                          // x += Wd g: [n, d]
        }
        guard logitRows > 0 else { return }
        try f.rmsNorm(f.x, w.outputNorm, into: f.h)                               // h: [n, d]
        try f.logits(w.output, from: f.h, rows: logitRows)                        // logits: [rows, vocab]
    }
}
