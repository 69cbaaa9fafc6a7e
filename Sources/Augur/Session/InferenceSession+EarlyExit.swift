import Kernels

/// Tokens run through the first `layers` layers only (early exit, for self-speculation), in the
/// slots after the committed tokens: their keys and values for those layers are in the cache and
/// their hidden states are kept, so `InferenceSession.complete(_:tokens:)` runs only the remaining
/// layers over them. Valid until the session changes in any other way.
public struct PartialPass: Sendable {
    public let layers: Int
    /// The slot of the first token: the committed token count when the pass began.
    public let base: Int
    public let tokens: [Int]
    let epoch: Int
}

extension InferenceSession {
    /// Runs `newTokens` through the first `layers` layers after the committed tokens, or after the
    /// tokens of `partial` when continuing one, then the final norm and output head when `logits`
    /// is set. Returns the grown partial pass and the prediction after its last token (with the
    /// softmax's denominator: an early exit drafts, and a drafter reads its confidence). Every
    /// token of a partial pass must fit in one batch.
    public func evaluate(_ newTokens: [Int], exitAfter layers: Int, continuing partial: PartialPass? = nil,
                         logits: Bool = true) throws -> (PartialPass, Prediction?) {
        guard layers > 0, layers < model.configuration.layers else {
            throw ModelError.invalidExitLayer(layers, layers: model.configuration.layers)
        }
        if let partial {
            try checkCurrent(partial.epoch, "the partial pass to continue")
            guard partial.layers == layers else {
                throw ModelError.unsupported("early exits after \(partial.layers) and \(layers) layers in one partial pass")
            }
        }
        let earlier = partial?.tokens ?? []
        guard earlier.count + newTokens.count <= batch else {
            throw ModelError.unsupported("more than \(batch) tokens in one partial pass")
        }
        try checkRoom(for: newTokens, after: tokens.count + earlier.count)
        let predictions = try pass(newTokens, at: tokens.count + earlier.count, layers: 0..<layers, exit: earlier.count,
                                   logitRows: logits ? 1 : 0, topK: 0)
        epoch += 1
        return (PartialPass(layers: layers, base: tokens.count, tokens: earlier + newTokens, epoch: epoch), predictions.first)
    }

    /// Runs the remaining layers over the first `count` tokens of a partial pass (all by default),
    /// as one batch, and returns them as a pending chain with the full model's prediction after
    /// each: `keep(_:path:)` commits its accepted prefix. The results equal those of evaluating
    /// the tokens in full: the kernels are batch invariant.
    public func complete(_ partial: PartialPass, tokens count: Int? = nil, topK: Int = 0) throws -> PendingTree {
        try checkCurrent(partial.epoch, "the partial pass to complete")
        let kept = Array(partial.tokens.prefix(count ?? partial.tokens.count))
        guard !kept.isEmpty else { throw ModelError.emptyPrompt }
        let predictions = try pass(kept, at: partial.base, layers: partial.layers..<model.configuration.layers, resume: true,
                                   logitRows: kept.count, topK: topK)
        epoch += 1
        return PendingTree(base: partial.base, tokens: kept, parents: kept.indices.map { $0 - 1 }, predictions: predictions, epoch: epoch)
    }
}
