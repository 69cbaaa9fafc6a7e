import Kernels

extension InferenceSession {
    /// Early exit (self-speculation): runs `newTokens` through the first `layers` layers only, then
    /// the final norm and output head when `logits` is set, and returns the prediction after the
    /// last token. Their keys and values for those layers stay in the cache and their hidden states
    /// are kept, so `completePartial` later runs only the remaining layers: the early layers are
    /// computed once, shared by drafting and verification. Every token run this way since the last
    /// complete one must fit in one batch.
    @discardableResult
    public func evaluate(_ newTokens: [Int], exitAfter layers: Int, logits: Bool = true) throws -> Prediction? {
        guard !newTokens.isEmpty else { throw ModelError.emptyPrompt }
        guard layers > 0, layers < model.configuration.layers else {
            throw ModelError.invalidExitLayer(layers, layers: model.configuration.layers)
        }
        if let partial, partial.layers != layers {
            throw ModelError.unsupported("early exits after \(partial.layers) and \(layers) layers in one pending batch")
        }
        let start = partial?.start ?? tokens.count
        guard tokens.count + newTokens.count - start <= batch else {
            throw ModelError.unsupported("more than \(batch) tokens pending after an early exit")
        }
        guard tokens.count + newTokens.count <= context else {
            throw ModelError.contextTooLong(requested: tokens.count + newTokens.count, limit: context)
        }
        let vocabulary = model.configuration.vocabulary
        if let bad = newTokens.first(where: { $0 < 0 || $0 >= vocabulary }) { throw ModelError.invalidToken(bad, vocabulary: vocabulary) }
        lastTree = nil
        let predictions = try run(newTokens, layers: 0..<layers, exit: tokens.count - start, logitRows: logits ? 1 : 0, topK: 0)
        partial = (start, layers)
        return predictions.first
    }

    /// The tokens run through the early layers only, waiting for `completePartial`.
    public var partialTokens: [Int] { partial.map { Array(tokens[$0.start...]) } ?? [] }

    /// Runs the remaining layers for every token since the first early exit, as one batch, and
    /// returns the full model's prediction after each of them. The results equal those of
    /// evaluating the tokens in full: the kernels are batch invariant.
    public func completePartial(topK: Int = 0) throws -> [Prediction] {
        guard let (start, layers) = partial else { return [] }
        let pending = Array(tokens[start...])
        tokens.removeLast(pending.count)
        partial = nil
        let predictions = try run(pending, layers: layers..<model.configuration.layers, resume: true,
                                  logitRows: pending.count, topK: topK)
        lastTree = (start, pending.indices.map { $0 - 1 })  // a chain: `keep(path:)` works after it
        return predictions
    }

    func checkComplete() throws {
        if partial != nil {
            throw ModelError.unsupported("evaluating past tokens that ran through the early layers only (complete or truncate them first)")
        }
    }
}
