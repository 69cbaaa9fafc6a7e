import Kernels

/// Llama (and SmolLM2): pre-norm blocks of grouped-query attention with RoPE on interleaved
/// pairs, then a SwiGLU feed-forward. n = tokens in the batch, d = hidden, H/Hkv = query/KV heads.
enum Llama: Architecture {
    static let names = ["llama"]
    static let ropeLayout = Rope.Layout.normal

    static func forward(_ f: ForwardPass, weights w: ModelWeights, layers: Range<Int>, logitRows: Int) throws {
        let b = f.buffers
        if layers.lowerBound == 0 { try f.embed(w.embedding, into: f.x) }  // x: [n, d]
        for l in layers {
            let layer = w.layers[l]
            let h = try f.rmsNorm(f.x, layer.attentionNorm)                // h: [n, d]
            try f.project(layer.queryKeyValue, h, into: b.queryKeyValue)   // qkv: [n, (H + 2 Hkv) * hd]
            try f.store(b.queryKeyValue, layer: l)                         // cache[l][slots] = rope(k), v
            try f.attend(b.queryKeyValue, layer: l, into: b.attention)     // a = attention(rope(q)): [n, H * hd]
            try f.addLinear(layer.output, b.attention, to: f.x)            // x += Wo a: [n, d]
            let h2 = try f.rmsNorm(f.x, layer.feedForwardNorm)             // h: [n, d]
            try f.project(layer.gateUp, h2, into: b.gateUp)                // gu: [n, 2 ff]
            let g = try f.swiglu(b.gateUp)                                  // g = silu(gate) * up: [n, ff]
            try f.addLinear(layer.down, g, to: f.x)                        // x += Wd g: [n, d]
        }
        guard logitRows > 0 else { return }
        let h = try f.rmsNorm(f.x, w.outputNorm)                           // h: [n, d]
        try f.logits(w.output, from: h, rows: logitRows)                   // logits: [rows, vocab]
    }
}
