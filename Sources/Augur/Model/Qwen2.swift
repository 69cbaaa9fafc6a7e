import Kernels

/// Qwen2 (and Qwen2.5): Llama's block with biases on the query, key and value projections and
/// RoPE on NeoX-style half-split pairs; output embeddings usually tied to the input table.
enum Qwen2: Architecture {
    static let names = ["qwen2"]
    static let ropeLayout = Rope.Layout.neox

    static func forward(_ f: ForwardPass, weights w: ModelWeights, layers: Range<Int>, logitRows: Int) throws {
        guard w.layers.allSatisfy(\.attentionBiases) else {
            throw ModelError.missingTensor("blk.N.attn_q.bias / attn_k.bias / attn_v.bias (qwen2 projections carry biases)")
        }
        // Same sequence of operations as Llama; the biases ride on the stacked projection and the layout on RoPE.
        try Llama.forward(f, weights: w, layers: layers, logitRows: logitRows)
    }
}
