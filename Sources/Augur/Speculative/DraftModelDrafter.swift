import Foundation

/// A smaller model with the target's vocabulary drafts greedily (Qwen2.5-Coder-0.5B for 1.5B).
/// Its KV cache follows the accepted tokens: each round it drops what the target rejected and
/// runs only the tokens it has not seen. As a tree, each step where the draft is unsure (its top
/// probability below `sureProbability`) also offers its next `width - 1` candidates as leaves.
public final class DraftModelDrafter: Drafter {
    public let model: Model
    let session: InferenceSession
    /// At or above this top probability the draft follows one path without branching.
    public var sureProbability = 0.8
    public var name: String { "draft-model" }

    /// Checks, as llama.cpp does, that the two models share a tokenizer: same type, same BOS and
    /// EOS, vocabulary sizes within 128, identical token text over the shared ids.
    public init(draft: Model, target: Model, context: Int? = nil) throws {
        let (d, t) = (draft.tokenizer, target.tokenizer)
        func incompatible(_ why: String) -> ModelError { .incompatibleDraft(why) }
        guard d.configuration.model == t.configuration.model else {
            throw incompatible("tokenizer types differ (\(d.configuration.model) vs \(t.configuration.model))")
        }
        guard d.bos == t.bos, d.eos == t.eos else { throw incompatible("BOS/EOS ids differ") }
        guard abs(d.vocabularySize - t.vocabularySize) <= 128 else {
            throw incompatible("vocabulary sizes \(d.vocabularySize) and \(t.vocabularySize) differ by more than 128")
        }
        for id in 0..<min(d.vocabularySize, t.vocabularySize) where d.tokenText(id) != t.tokenText(id) {
            throw incompatible("token \(id) is \(d.tokenText(id) ?? "?") in the draft model and \(t.tokenText(id) ?? "?") in the target")
        }
        model = draft
        session = try draft.makeSession(context: context)
    }

    public func propose(after context: [Int], limit: Int) throws -> [Int] {
        try proposeTree(after: context, shape: .chain(limit)).tokens
    }

    public func proposeTree(after context: [Int], shape: DraftShape) throws -> DraftTree {
        let limit = min(shape.depth, shape.nodes)
        guard limit > 0, context.count + limit <= session.context else { return DraftTree() }
        let shared = zip(session.tokens, context).prefix { $0 == $1 }.count
        session.truncate(to: min(shared, context.count - 1))
        let branching = shape.width > 1
        var prediction = try session.evaluate(Array(context[session.tokens.count...]), topK: branching ? shape.width : 0)[0]
        var tree = DraftTree(), at = -1, accepted = 1.0
        while true {
            let candidates = try candidates(prediction, width: shape.width)
            at = tree.insert([candidates[0].id], probabilities: [candidates[0].probability], under: at,
                             maxNodes: shape.nodes, maxDepth: shape.depth).last ?? -1
            guard at >= 0 else { break }
            if candidates[0].probability < sureProbability {
                for other in candidates.dropFirst() {
                    tree.insert([other.id], probabilities: [other.probability], under: tree.parents[at],
                                maxNodes: shape.nodes, maxDepth: shape.depth)
                }
            }
            // SpecDec++: stop once the path is more likely than not (by the threshold) to fail.
            accepted *= candidates[0].probability
            if let stop = shape.stopProbability, 1 - accepted > stop { break }
            guard tree.depths[at] + 1 < shape.depth, tree.count < shape.nodes else { break }
            prediction = try session.evaluate([candidates[0].id], topK: branching ? shape.width : 0)[0]
        }
        return tree
    }

    /// The draft's best `width` tokens and their probabilities under its full softmax.
    func candidates(_ prediction: InferenceSession.Prediction, width: Int) throws -> [(id: Int, probability: Double)] {
        let logits = try session.logits()
        let top = logits[prediction.argmax]
        let total = logits.reduce(0.0) { $0 + exp(Double($1 - top)) }
        let ids = [prediction.argmax] + prediction.top.map(\.id).filter { $0 != prediction.argmax }.prefix(width - 1)
        return ids.map { ($0, exp(Double(logits[$0] - top)) / total) }
    }
}
