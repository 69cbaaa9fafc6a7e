import Kernels
import VulkanRuntime

/// What a pass's recorded commands depend on: two passes of one shape record the same commands
/// (their inputs differ only in the host buffers), so a recorded pass can be submitted again.
struct PassShape: Hashable {
    var tokens: Int
    var layers: Range<Int>
    var exit: Int?
    var resume: Bool
    var logitRows: Int
    var topK: Int
    /// Whether each prediction's softmax denominator is computed (`Readout.probabilities`, and
    /// every early exit's).
    var probabilities = false
}

extension InferenceSession {
    /// Records one pass of `shape` over the tokens in the host buffers: the layers, the early-exit
    /// copies, the output head for the last `logitRows` tokens and their argmax (and top-k, and
    /// softmax denominators).
    func recordPass(_ shape: PassShape, into sequence: CommandSequence) throws {
        let kernels = model.kernels
        let n = shape.tokens, rowBytes = model.configuration.hidden * 4
        try model.preparePass(tokens: n, logitRows: shape.logitRows)
        try sequence.begin()
        let pass = ForwardPass(sequence: sequence, kernels: kernels, buffers: buffers, configuration: model.configuration,
                               caches: caches, ropeTable: ropeTable, tokens: n, headRows: readout.headRows,
                               headExtra: headExtra?.weights)
        if shape.resume { try sequence.copy(from: exitStates, to: buffers.x, bytes: n * rowBytes) }
        try model.architecture.forward(pass, weights: model.weights, layers: shape.layers, logitRows: shape.logitRows)
        if let row = shape.exit {
            try sequence.copy(from: buffers.x, to: exitStates, destinationOffset: row * rowBytes, bytes: n * rowBytes)
        }
        let vocabulary = model.configuration.vocabulary
        // A limited head fills its first slots (prefix, then extra rows); the rest read -inf, so
        // the scans stop there.
        let computed = readout.headRows.map { $0 + (headExtra?.ids.count ?? 0) } ?? vocabulary
        if shape.logitRows > 0 {
            try kernels.argmax.encode(sequence, input: buffers.logits, inputStride: vocabulary, n: computed, rows: shape.logitRows,
                                      indices: buffers.argmaxIndex, values: buffers.argmaxValue,
                                      normalizers: shape.probabilities ? buffers.argmaxNormalizer : nil)
            if shape.topK > 0 {
                try kernels.topK.encode(sequence, input: buffers.logits, inputStride: vocabulary,
                                        n: min(vocabulary, max(computed, shape.topK)), rows: shape.logitRows, k: shape.topK,
                                        indices: buffers.topIndices, values: buffers.topValues)
            }
        }
        try sequence.end()
    }
}
