import Foundation
import Tokenizer

extension Model {
    /// Generation with a drafter. Each round the drafter proposes a tree of tokens after the
    /// target's own next token (a chain is the one-branch tree); the target verifies every node in
    /// one batch, each at its depth with an ancestor mask, keeps the path it agrees with plus a
    /// token of its own, and moves that path's KV into place on the device; rejected nodes are
    /// dropped. Greedy: a node is accepted when it is the target's argmax after its parent; the
    /// kernels are batch invariant, so the output equals plain greedy decoding token for token.
    /// Sampling: drafts are deterministic proposals; at each node the children are tried in turn,
    /// each accepted with its probability under what is left of the target's distribution, and
    /// removed from it when rejected (SpecInfer's multi-candidate rule); when none is accepted
    /// the token is drawn from the rest. Every output token is distributed exactly as plain
    /// sampling's. `adaptive` prunes each tree to the size that maximises expected tokens per
    /// second (`DraftLengthPolicy`) and stops paths by SpecDec++'s rule.
    public func runSpeculativeGeneration(
        _ prompt: [Int], parameters: GenerationParameters, drafter: inout some Drafter, shape: DraftShape = .chain(8),
        adaptive: Bool = false, session: InferenceSession? = nil, cancelled: CancellationFlag = CancellationFlag(),
        emit: (GenerationEvent) -> Void = { _ in }
    ) throws -> (GenerationStats, SpeculativeStats) {
        try parameters.sampling.validate()
        guard !prompt.isEmpty else { throw ModelError.emptyPrompt }
        guard shape.depth < 64, shape.nodes < 64 else { throw GenerationError.invalidParameter("a draft must have at most 63 tokens") }
        let needed = prompt.count + parameters.maxTokens + shape.nodes + 1
        let session = try session ?? makeSession(context: min(configuration.contextLength, max(needed, 256)))
        guard session.tokens.count + needed <= session.context else {
            throw ModelError.contextTooLong(requested: session.tokens.count + needed, limit: session.context)
        }
        try drafter.start(target: session)
        var stats = SpeculativeStats(drafter: drafter.name)
        let curve = adaptive ? try verifyCostCurve(maximum: shape.nodes) : nil
        var policy = DraftLengthPolicy(maximum: shape.nodes, relativeCost: curve.map { c in (0...shape.nodes).map { c.relative(drafted: $0) } })
        policy.stopRuleTrims = drafter.endsPathsByStopRule
        if let curve, shape.nodes > 0 {
            drafter.useVerifyCost(perExtraToken: (curve.relative(drafted: shape.nodes) - curve.relative(drafted: 0)) / Double(shape.nodes))
        }
        var sampler = Sampler(parameters.sampling)
        let argmaxOnly = parameters.sampling.isGreedy && parameters.sampling.repetitionPenalty == 1
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var generated: [Int] = [], text = ""
        var reason = StopReason.maxTokens
        let prefillStart = Date()
        // A session may already hold a conversation; drafters read all of it, not just this turn.
        var context = session.tokens + prompt
        let first = try session.evaluate(prompt)[0]
        // The target's own next token: certain, whatever is drafted after it.
        var next = argmaxOnly ? first.argmax : sampler.sample(try session.logits(), history: context)
        let draftPrefillStart = Date()
        try drafter.prefill(context)
        stats.draftPrefillSeconds = Date().timeIntervalSince(draftPrefillStart)
        let prefillSeconds = Date().timeIntervalSince(prefillStart)
        let decodeStart = Date()
        rounds: while generated.count < parameters.maxTokens {
            if cancelled.isSet { reason = .cancelled; break }
            var roundShape = shape
            roundShape.depth = min(shape.depth, parameters.maxTokens - generated.count - 1)
            if adaptive {
                // None drafts when the policy chose plain decoding.
                roundShape.depth = min(roundShape.depth, policy.choose())
                roundShape.stopProbability = roundShape.stopProbability ?? Speculation.defaultStopProbability
            }
            let base = session.tokens.count
            // Times that include creating a pipeline (a CPU device compiles it then) teach the policy nothing.
            let draftStart = Date(), pipelinesBefore = pipelinesCreated
            var tree = roundShape.depth > 0 ? try drafter.proposeTree(after: context + [next], shape: roundShape) : DraftTree()
            let draftSeconds = Date().timeIntervalSince(draftStart)
            if pipelinesCreated == pipelinesBefore { policy.recordDrafting(tokens: tree.count, seconds: draftSeconds) }
            stats.draftSeconds += draftSeconds
            let drafted = tree.count
            if adaptive { tree = policy.choose(tree, drafting: draftSeconds) }
            let verifyStart = Date(), pipelinesBeforeVerify = pipelinesCreated
            // Node 0 is `next`; tree node i is node i + 1.
            let predictions: [InferenceSession.Prediction]
            let early = session.partialTokens
            if !early.isEmpty && tree.isChain && early.starts(with: [next] + tree.tokens) {
                // Early exit drafted this chain (or a longer one, pruned): only the remaining layers run.
                session.truncate(to: base + 1 + tree.count)
                predictions = try session.completePartial()
            } else {
                session.truncate(to: base)
                predictions = try session.evaluate(tree: [next] + tree.tokens, parents: [-1] + tree.parents.map { $0 + 1 })
            }
            var path = [0], following: Int
            if argmaxOnly {
                while let child = tree.child(of: path.last! - 1, token: predictions[path.last!].argmax) { path.append(child + 1) }
                following = predictions[path.last!].argmax
            } else {
                (path, following) = try parameters.acceptanceRule.accept(tree, after: context + [next], sampler: &sampler) { try session.logits(row: $0) }
            }
            try session.keep(path: path)
            let accepted = path.count - 1
            let verifySeconds = Date().timeIntervalSince(verifyStart)
            if adaptive && pipelinesCreated == pipelinesBefore {
                policy.recordRound(cap: roundShape.depth, tokens: accepted + 1, seconds: draftSeconds + verifySeconds,
                                   drafting: (drafted, draftSeconds))
            }
            policy.record(drafted: tree.count, accepted: accepted, seconds: pipelinesCreated == pipelinesBeforeVerify ? verifySeconds : nil)
            stats.verifySeconds += verifySeconds
            policy.calibrate(expected: policy.chances(tree).reduce(0, +), accepted: accepted)
            let newTokens = [next] + path.dropFirst().map { tree.tokens[$0 - 1] }
            stats.record(drafted: tree.count, depth: tree.depth, accepted: accepted, generated: newTokens.count)
            emit(.round(drafted: tree.count, accepted: accepted))
            drafter.observe(accepted: newTokens, context: context)
            context += newTokens
            next = following
            for token in newTokens {
                generated.append(token)
                let piece = decoder.append(token)
                text += piece
                emit(.token(id: token, text: piece))
                if parameters.stopAtEndOfGeneration && tokenizer.isEndOfGeneration(token) { reason = .endOfGeneration; break rounds }
                if generated.count == parameters.maxTokens { break rounds }
            }
        }
        let tail = decoder.flush()
        if !tail.isEmpty { text += tail; emit(.token(id: -1, text: tail)) }
        let decodeSeconds = Date().timeIntervalSince(decodeStart)
        let result = GenerationStats(
            promptTokens: prompt, tokens: generated, text: text, stopReason: reason, loadSeconds: loadSeconds,
            prefillTokensPerSecond: Double(prompt.count) / max(prefillSeconds, 1e-9),
            decodeTokensPerSecond: generated.count > 1 ? Double(generated.count - 1) / max(decodeSeconds, 1e-9) : 0,
            speculative: stats)
        return (result, stats)
    }
}
