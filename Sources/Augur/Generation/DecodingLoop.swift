import Foundation
import Tokenizer

extension Model {
    /// The blocking generation loop: prefill, then one round per target pass, plain or speculative
    /// as `parameters.speculation` says (see `runSpeculativeGeneration`).
    public func runGeneration(_ prompt: [Int], parameters: GenerationParameters, session: InferenceSession? = nil,
                              cancelled: CancellationFlag = CancellationFlag(), emit: (GenerationEvent) -> Void = { _ in }) throws -> GenerationStats {
        if let speculation = parameters.speculation {
            var drafter = try drafter(for: speculation)
            return try runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: speculation.shape,
                                                adaptive: speculation.adaptive, session: session, cancelled: cancelled, emit: emit).0
        }
        var none = NoDrafter()
        return try decode(prompt, parameters: parameters, drafter: &none, shape: .chain(0), adaptive: false, speculative: false,
                          session: session, cancelled: cancelled, emit: emit).0
    }

    /// Generation with a drafter. Each round streams the target's own next token, the drafter
    /// proposes a tree of tokens after it (a chain is the one-branch tree), and the target
    /// verifies every node in one pass, each at its depth with an ancestor mask, keeps the path it agrees with plus a
    /// token of its own, and moves that path's KV into place on the device; rejected nodes are
    /// dropped. Greedy: a node is accepted when it is the target's argmax after its parent; the
    /// kernels are batch invariant, so the output equals plain greedy decoding token for token.
    /// Sampling: `AcceptanceRule.exact` (SpecInfer's multi-candidate rule) keeps every output token
    /// distributed exactly as plain sampling's. `adaptive` prunes each tree to the size that
    /// maximises expected tokens per second (`DraftLengthPolicy`) and stops paths by SpecDec++'s rule.
    public func runSpeculativeGeneration(
        _ prompt: [Int], parameters: GenerationParameters, drafter: inout some Drafter, shape: DraftShape = .chain(8),
        adaptive: Bool = false, session: InferenceSession? = nil, cancelled: CancellationFlag = CancellationFlag(),
        emit: (GenerationEvent) -> Void = { _ in }
    ) throws -> (GenerationStats, SpeculativeStats) {
        try decode(prompt, parameters: parameters, drafter: &drafter, shape: shape, adaptive: adaptive, speculative: true,
                   session: session, cancelled: cancelled, emit: emit)
    }

    /// The one decoding loop. Plain decoding is the drafter that proposes nothing (`speculative`
    /// false: no round events, no speculative stats).
    private func decode(
        _ prompt: [Int], parameters: GenerationParameters, drafter: inout some Drafter, shape: DraftShape, adaptive: Bool,
        speculative: Bool, session given: InferenceSession?, cancelled: CancellationFlag, emit: (GenerationEvent) -> Void
    ) throws -> (GenerationStats, SpeculativeStats) {
        try parameters.sampling.validate()
        guard !prompt.isEmpty else { throw ModelError.emptyPrompt }
        guard parameters.maxTokens >= 0 else { throw GenerationError.invalidParameter("max tokens must be >= 0") }
        guard shape.depth < 64, shape.nodes < 64 else { throw GenerationError.invalidParameter("a draft must have at most 63 tokens") }
        // Room for the prompt, the output and one round's draft past it.
        let needed = prompt.count + parameters.maxTokens + (speculative ? shape.nodes + 1 : 0)
        let session = try given ?? makeSession(context: min(configuration.contextLength, max(needed, 256)))
        guard session.tokens.count + needed <= session.context else {
            throw ModelError.contextTooLong(requested: session.tokens.count + needed, limit: session.context)
        }
        var stats = SpeculativeStats(drafter: drafter.name)
        let curve = adaptive ? try verifyCostCurve(maximum: shape.nodes) : nil
        var policy = DraftLengthPolicy(maximum: shape.nodes, relativeCost: curve.map { c in (0...shape.nodes).map { c.relative(drafted: $0) } })
        policy.stopRuleTrims = drafter.endsPathsByStopRule
        if let curve, shape.nodes > 0 {
            drafter.useVerifyCost(perExtraToken: (curve.relative(drafted: shape.nodes) - curve.relative(drafted: 0)) / Double(shape.nodes))
        }
        var sampler = Sampler(parameters.sampling)
        let argmaxOnly = parameters.sampling.isGreedy && parameters.sampling.repetitionPenalty == 1
        var output = OutputText(tokenizer: tokenizer)
        var reason = StopReason.maxTokens
        let prefillStart = Date()
        // A session may already hold a conversation; drafters read all of it, not just this turn.
        var context = session.tokens + prompt
        let first = try session.evaluate(prompt)[0]
        var next = argmaxOnly ? first.argmax : sampler.sample(try session.logits(), history: context)
        let draftPrefillStart = Date()
        try drafter.prefill(context)
        stats.draftPrefillSeconds = Date().timeIntervalSince(draftPrefillStart)
        let prefillSeconds = Date().timeIntervalSince(prefillStart)
        let decodeStart = Date()
        rounds: while output.tokens.count < parameters.maxTokens {
            if cancelled.isSet { reason = .cancelled; break }
            // The target's own next token is certain whatever is drafted after it: it streams now,
            // and when it ends the request no pass runs for it.
            emit(.token(id: next, text: output.append(next)))
            if parameters.stopAtEndOfGeneration && tokenizer.isEndOfGeneration(next) { reason = .endOfGeneration; break }
            if output.tokens.count == parameters.maxTokens { break }
            var cap = min(shape.depth, parameters.maxTokens - output.tokens.count)
            var roundShape = shape
            if adaptive {
                // None drafts when the policy chose plain decoding.
                cap = min(cap, policy.choose())
                roundShape.stopProbability = roundShape.stopProbability ?? Speculation.defaultStopProbability
            }
            roundShape.depth = cap
            // Drafting: times that include creating a pipeline (a CPU device compiles it then) teach nothing.
            let draftStart = Date(), pipelinesBeforeDraft = pipelinesCreated
            var proposal = cap > 0 ? try drafter.draft(after: context + [next], shape: roundShape, target: session) : Proposal()
            let draftSeconds = Date().timeIntervalSince(draftStart), drafted = proposal.tree.count
            let pipelinesDrafting = pipelinesCreated - pipelinesBeforeDraft
            if adaptive {
                if pipelinesDrafting == 0 { policy.recordDrafting(tokens: drafted, seconds: draftSeconds) }
                proposal.tree = policy.choose(proposal.tree, drafting: draftSeconds)
            }
            // Verification: one pass over the root and the draft, then the accepted path is kept.
            let verifyStart = Date(), pipelinesBeforeVerify = pipelinesCreated
            let tree = VerificationTree(root: next, draft: proposal.tree)
            // Early exit drafted this chain (or a longer one, pruned): only the remaining layers run.
            let partial = proposal.precomputed.flatMap { tree.draft.isChain && $0.tokens.starts(with: tree.tokens) ? $0 : nil }
            let pending = try partial.map { try session.complete($0, tokens: tree.tokens.count) }
                ?? session.evaluate(tree: tree.tokens, parents: tree.parents)
            let path: [Int]
            if argmaxOnly {
                path = tree.greedyPath(pending.predictions)
                next = pending.predictions[path.last!].argmax
            } else {
                (path, next) = try parameters.acceptanceRule.accept(tree, history: context, sampler: &sampler) { try session.logits(row: $0) }
            }
            try session.keep(pending, path: path)
            let round = RoundReport(cap: cap, drafted: drafted, draftSeconds: draftSeconds, verified: tree.draft.count,
                                    verifySeconds: Date().timeIntervalSince(verifyStart), tokens: path.map(tree.token(atRow:)),
                                    pipelinesCreatedDrafting: pipelinesDrafting, pipelinesCreatedVerifying: pipelinesCreated - pipelinesBeforeVerify,
                                    precomputed: partial != nil, proposed: cap > 0)
            if adaptive { policy.learn(from: round, verified: tree.draft) }
            stats.record(round, depth: tree.draft.depth)
            if speculative { emit(.round(drafted: round.verified, accepted: round.accepted)) }
            drafter.observe(round, context: context)
            context += round.tokens
            for token in round.tokens.dropFirst() {
                emit(.token(id: token, text: output.append(token)))
                if parameters.stopAtEndOfGeneration && tokenizer.isEndOfGeneration(token) { reason = .endOfGeneration; break rounds }
                if output.tokens.count == parameters.maxTokens { break rounds }
            }
        }
        if let tail = output.finish() { emit(.token(id: -1, text: tail)) }
        let decodeSeconds = Date().timeIntervalSince(decodeStart)
        let result = GenerationStats(
            promptTokens: prompt, tokens: output.tokens, text: output.text, stopReason: reason, loadSeconds: loadSeconds,
            prefillTokensPerSecond: Double(prompt.count) / max(prefillSeconds, 1e-9),
            decodeTokensPerSecond: output.tokens.count > 1 ? Double(output.tokens.count - 1) / max(decodeSeconds, 1e-9) : 0,
            speculative: speculative ? stats : nil)
        return (result, stats)
    }
}

/// The drafter of plain decoding: proposes nothing.
struct NoDrafter: Drafter {
    var name: String { "none" }
}

/// The generated tokens and their text, decoded as each completes a UTF-8 character.
struct OutputText {
    private var decoder: StreamingDecoder
    private(set) var tokens: [Int] = []
    private(set) var text = ""

    init(tokenizer: Tokenizer) {
        decoder = StreamingDecoder(tokenizer: tokenizer)
    }

    /// Adds a token; returns the text it completes (empty inside a character).
    mutating func append(_ token: Int) -> String {
        tokens.append(token)
        let piece = decoder.append(token)
        text += piece
        return piece
    }

    /// What an unfinished character left in the decoder, if anything.
    mutating func finish() -> String? {
        let tail = decoder.flush()
        text += tail
        return tail.isEmpty ? nil : tail
    }
}
