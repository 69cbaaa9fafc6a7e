import Foundation

/// A smaller model with the target's vocabulary drafts greedily (Qwen2.5-Coder-0.5B for 1.5B).
/// Its KV cache follows the accepted tokens: each round it drops what the target rejected and
/// runs only the tokens it has not seen. As a tree, each step where the draft is unsure (its top
/// probability below `sureProbability`) also offers its next `width - 1` candidates as leaves.
/// It owns its session (not `Sendable`, like every session): one request's drafter.
public final class DraftModelDrafter: Drafter {
    public let model: Model
    let session: InferenceSession
    /// At or above this top probability the draft follows one path without branching.
    public var sureProbability = SpeculationTuning.sureProbability
    /// Context tokens already offered to a limited head (`InferenceSession.extendHead`).
    var headScanned = 0
    public var name: String { "draft-model" }
    public var endsPathsByStopRule: Bool { true }

    /// Checks, as llama.cpp does, that the two models share a tokenizer: same type, same BOS and
    /// EOS, vocabulary sizes within 128, identical token text over the shared ids.
    /// `headRows` limits the draft's output head to the first tokens of the vocabulary
    /// (`InferenceSession.Readout.headRows`) and the tokens of the request so far (`extendHead`).
    public init(draft: Model, target: Model, context: Int? = nil, headRows: Int? = nil) throws {
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
        session = try draft.makeSession(context: context, readout: .init(headRows: headRows.map { min($0, draft.configuration.vocabulary) },
                                                                          probabilities: true))
    }

    /// Runs the prompt through the draft's cache (keeping what it already holds of it).
    public func prefill(_ prompt: [Int]) throws {
        guard !prompt.isEmpty, prompt.count < session.context else { return }
        headScanned = 0
        try extendHead(prompt)
        let shared = zip(session.tokens, prompt).prefix { $0 == $1 }.count
        session.truncate(to: shared)
        if shared < prompt.count { try session.evaluate(Array(prompt[shared...])) }
    }

    public func propose(after context: [Int], limit: Int) throws -> [Int] {
        try proposeTree(after: context, shape: .chain(limit)).tokens
    }

    /// Grows the tree level by level, EAGLE-2 style: each level's new nodes are the top candidate
    /// of every expanded node, plus its next `width - 1` where the draft is unsure; the `width`
    /// likeliest new nodes (by path probability) are expanded next, all in one draft pass with a
    /// tree mask. A path stops when SpecDec++'s rule says a rejection has become too likely. The
    /// tree returned is the `nodes` likeliest of all drafted.
    public func proposeTree(after context: [Int], shape: DraftShape) throws -> DraftTree {
        guard min(shape.depth, shape.nodes) > 0, context.count + shape.depth * shape.width + 1 <= session.context else { return DraftTree() }
        try extendHead(context)
        let shared = zip(session.tokens, context).prefix { $0 == $1 }.count
        session.truncate(to: min(shared, context.count - 1))
        let topK = shape.width > 1 ? shape.width : 0
        let root = try session.evaluate(Array(context[session.tokens.count...]), topK: topK)[0]
        var tree = DraftTree()
        // Nodes to grow children under: tree node, its index in the session's tree, candidates.
        var frontier = [(node: -1, evaluated: -1, candidates: candidates(root, width: shape.width))]
        var evaluatedParents: [Int] = [], evaluatedNodes: [Int] = []
        var pending: PendingTree?
        while true {
            var grown: [(node: Int, parent: Int, chance: Double)] = []
            for f in frontier {
                let taken = f.candidates[0].probability < sureProbability ? f.candidates : [f.candidates[0]]
                for c in taken {
                    let before = tree.count
                    tree.insert([c.id], probabilities: [c.probability], under: f.node, maxDepth: shape.depth)
                    if tree.count > before { grown.append((tree.count - 1, f.evaluated, tree.pathProbability(tree.count - 1))) }
                }
            }
            let expand = grown.filter { 1 - $0.chance <= (shape.stopProbability ?? 1) && tree.depths[$0.node] + 1 < shape.depth }
                .sorted { $0.chance > $1.chance }.prefix(shape.width)
            guard !expand.isEmpty else { break }
            let first = evaluatedNodes.count
            let (nodes, parents) = (expand.map { tree.tokens[$0.node] }, expand.map(\.parent))
            let evaluated = try pending.map { try session.extend($0, nodes: nodes, parents: parents, topK: topK) }
                ?? session.evaluate(tree: nodes, parents: parents, topK: topK)
            let predictions = Array(evaluated.predictions[first...])
            pending = evaluated
            evaluatedNodes += expand.map(\.node)
            evaluatedParents += expand.map(\.parent)
            frontier = expand.enumerated().map { i, e in (e.node, first + i, candidates(predictions[i], width: shape.width)) }
        }
        // Keep the deepest, likeliest evaluated path in the draft's cache for the next round.
        if let pending, let best = evaluatedNodes.indices.max(by: {
            (tree.depths[evaluatedNodes[$0]], tree.pathProbability(evaluatedNodes[$0])) < (tree.depths[evaluatedNodes[$1]], tree.pathProbability(evaluatedNodes[$1]))
        }) {
            var path = [best]
            while evaluatedParents[path[0]] >= 0 { path.insert(evaluatedParents[path[0]], at: 0) }
            try session.keep(pending, path: path)
        }
        // The likeliest nodes within the budget (a chain when width is 1).
        return tree.pruned(to: shape.nodes)
    }

    /// Offers a limited head the request's tokens it has not seen (all of them when the context
    /// is not a continuation of the last one).
    func extendHead(_ context: [Int]) throws {
        if context.count < headScanned { headScanned = 0 }
        try session.extendHead(with: Array(context[headScanned...]), replacing: headScanned == 0)
        headScanned = context.count
    }

    /// The draft's best `width` tokens after a prediction and their probabilities under its
    /// softmax over the computed head (0 where the device gave no denominator: the stop rule then
    /// ends the path).
    func candidates(_ prediction: InferenceSession.Prediction, width: Int) -> [(id: Int, probability: Double)] {
        let others = prediction.top.filter { $0.id != prediction.argmax }.prefix(width - 1)
        return ([(id: prediction.argmax, logit: prediction.logit)] + others).map { ($0.id, prediction.probability(ofLogit: $0.logit) ?? 0) }
    }
}
