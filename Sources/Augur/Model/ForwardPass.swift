import Kernels
import VulkanRuntime

/// One batch through the model, recorded into a command sequence. Its methods are the operations
/// of a transformer by name, so each architecture's `forward` reads as the math. Every operation
/// works on `tokens` rows; widths are per token.
struct ForwardPass {
    let sequence: CommandSequence
    let kernels: KernelSet
    let buffers: Activations
    let configuration: ModelConfiguration
    let caches: [Attention.Cache]
    let ropeTable: Rope.Table
    /// Tokens in this batch.
    let tokens: Int
    /// Output-head rows computed (the vocabulary, or a prefix of it: `InferenceSession.Readout.headRows`).
    var headRows: Int? = nil
    /// Rows for tokens past the prefix, written after it (`InferenceSession.extendHead`).
    var headExtra: WeightMatrix? = nil

    var x: GPUBuffer { buffers.x }

    /// A projection's input as the projection reads it: a buffer holding it, x with the norm that
    /// the projection applies as it reads (`KernelSet.fusesNorm`), or the gate and up halves it
    /// forms silu(gate) * up from (`KernelSet.fusesSwiGLU`: `gateToUp` floats apart, `stride` a token).
    struct ProjectionInput {
        let input: GPUBuffer
        var norm: MatVec.InputNorm? = nil
        var gateToUp: Int? = nil
        var stride: Int? = nil
    }

    /// out[t] = embedding[ids[t]]
    func embed(_ table: WeightMatrix, into out: GPUBuffer) throws {
        try kernels.embedding.encode(sequence, table: table, ids: buffers.ids, tokens: tokens, output: out)
    }

    /// h[t] = rmsnorm(input[t]) * weight, for the next projection: a pass writing h, or none where the
    /// projection normalises as it reads (each column's scale formed in one fixed order, so batch
    /// invariant like the rest).
    func rmsNorm(_ input: GPUBuffer, _ weight: GPUBuffer) throws -> ProjectionInput {
        let norm = MatVec.InputNorm(weight: weight, epsilon: configuration.rmsEpsilon)
        if kernels.fusesNorm { return ProjectionInput(input: input, norm: norm) }
        try kernels.rmsNorm.encode(sequence, input: input, weight: weight, output: buffers.h, n: configuration.hidden,
                                   rows: tokens, eps: norm.epsilon)
        return ProjectionInput(input: buffers.h)
    }

    /// out[t] = [W1 h[t] | W2 h[t] | ...] (+ biases), h = rmsnorm(x[t]) * g: stacked projections of one input.
    func project(_ projection: StackedProjection, _ h: ProjectionInput, into out: GPUBuffer) throws {
        try projection.encode(kernels.matVec, sequence: sequence, input: h.input, norm: h.norm, output: out, tokens: tokens)
    }

    /// x[t] += W input[t]: a projection and its residual connection in one pass.
    func addLinear(_ weights: WeightMatrix, _ input: ProjectionInput, to x: GPUBuffer) throws {
        try kernels.matVec.encode(sequence, weights: weights, input: input.input, inputStride: input.stride, output: x,
                                  columns: tokens, accumulate: true, norm: input.norm, gateToUp: input.gateToUp)
    }

    func addLinear(_ weights: WeightMatrix, _ input: GPUBuffer, to x: GPUBuffer) throws {
        try addLinear(weights, ProjectionInput(input: input), to: x)
    }

    /// Floats per token of the stacked query, key and value.
    var queryKeyValueWidth: Int { (configuration.heads + 2 * configuration.kvHeads) * configuration.headDim }

    /// Each token's position and the architecture's RoPE, applied as keys are stored and queries load.
    var rope: Rope.Input { Rope.Input(positions: buffers.positions, table: ropeTable, layout: kernels.ropeLayout) }

    /// cache[layer][slots[t]] = (rope(k[t]), v[t]), read from qkv[t]
    func store(_ qkv: GPUBuffer, layer: Int) throws {
        let keys = configuration.heads * configuration.headDim, values = keys + configuration.kvHeads * configuration.headDim
        try kernels.kvWrite.encode(sequence, keys: qkv, keyOffset: keys, keyStride: queryKeyValueWidth,
                                   values: qkv, valueOffset: values, valueStride: queryKeyValueWidth,
                                   slots: buffers.slots, tokens: tokens, cache: caches[layer], rope: rope)
    }

    /// out[t] = softmax(rope(q[t]) K^T / sqrt(d) + mask[t]) V over the layer's cache, q[t] read from qkv[t]
    func attend(_ qkv: GPUBuffer, layer: Int, into out: GPUBuffer) throws {
        try kernels.attention.encode(sequence, queries: qkv, queryStride: queryKeyValueWidth, cache: caches[layer],
                                     mask: buffers.mask, maskStride: buffers.maskStride, params: buffers.params, output: out,
                                     count: tokens, heads: configuration.heads, rope: rope)
    }

    /// g[t] = silu(gateUp[t][..<ff]) * gateUp[t][ff...] for the next projection: a pass writing g,
    /// or none where the projection forms it as it reads (`KernelSet.fusesSwiGLU`).
    func swiglu(_ gateUp: GPUBuffer) throws -> ProjectionInput {
        let ff = configuration.feedForward
        if kernels.fusesSwiGLU { return ProjectionInput(input: gateUp, gateToUp: ff, stride: 2 * ff) }
        try kernels.elementwise.encode(sequence, .swiglu, a: gateUp, b: gateUp, bOffset: ff, output: buffers.gate, count: tokens * ff,
                                       rows: Elementwise.Rows(width: ff, aStride: 2 * ff, bStride: 2 * ff, outputStride: ff))
        return ProjectionInput(input: buffers.gate)
    }

    /// logits[r] = W h[t] for the last `rows` tokens of the batch (a limited head: its prefix,
    /// then its extra rows).
    func logits(_ weights: WeightMatrix, from h: ProjectionInput, rows: Int) throws {
        let inputOffset = (tokens - rows) * configuration.hidden
        try kernels.matVec.encode(sequence, weights: weights, input: h.input, inputOffset: inputOffset,
                                  output: buffers.logits, columns: rows, rows: headRows, norm: h.norm)
        if let extra = headExtra, let prefix = headRows {
            try kernels.matVec.encode(sequence, weights: extra, input: h.input, inputOffset: inputOffset, output: buffers.logits,
                                      outputOffset: prefix, outputStride: configuration.vocabulary, columns: rows, norm: h.norm)
        }
    }
}
