import Foundation
import Tokenizer

extension Model {
    /// Generation with a drafter: each round the target verifies the drafted chain in one batch,
    /// keeps an accepted prefix plus a token of its own, and drops the rest of the KV cache.
    /// Greedy: a drafted token is accepted when it is the target's argmax; the kernels are batch
    /// invariant, so the output equals plain greedy decoding token for token. Sampling: drafts are
    /// deterministic proposals; proposal x is accepted with probability p(x) under the target's
    /// sampling distribution, else the token is drawn from p with x removed (renormalised), which
    /// leaves every output token distributed exactly as plain sampling's.
    public func runSpeculativeGeneration(
        _ prompt: [Int], parameters: GenerationParameters, drafter: inout some Drafter, draftLimit: Int = 8, adaptive: Bool = false,
        session: InferenceSession? = nil, cancelled: CancellationFlag = CancellationFlag(),
        emit: (GenerationEvent) -> Void = { _ in }
    ) throws -> (GenerationStats, SpeculativeStats) {
        try parameters.sampling.validate()
        guard !prompt.isEmpty else { throw ModelError.emptyPrompt }
        guard draftLimit >= 0, draftLimit < 64 else { throw GenerationError.invalidParameter("draft length must be in 0...63") }
        let needed = prompt.count + parameters.maxTokens + draftLimit + 1
        let session = try session ?? makeSession(context: min(configuration.contextLength, max(needed, 256)))
        guard session.tokens.count + needed <= session.context else {
            throw ModelError.contextTooLong(requested: session.tokens.count + needed, limit: session.context)
        }
        var stats = SpeculativeStats(drafter: drafter.name)
        var policy = DraftLengthPolicy(maximum: draftLimit)
        var sampler = Sampler(parameters.sampling)
        let argmaxOnly = parameters.sampling.isGreedy && parameters.sampling.repetitionPenalty == 1
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var generated: [Int] = [], text = ""
        var reason = StopReason.maxTokens
        let prefillStart = Date()
        let first = try session.evaluate(prompt)[0]
        // The target's own next token: certain, whatever is drafted after it.
        var next = argmaxOnly ? first.argmax : sampler.sample(try session.logits(), history: prompt)
        let prefillSeconds = Date().timeIntervalSince(prefillStart)
        let decodeStart = Date()
        var context = prompt
        rounds: while generated.count < parameters.maxTokens {
            if cancelled.isSet { reason = .cancelled; break }
            let room = parameters.maxTokens - generated.count - 1
            let limit = min(adaptive ? policy.choose() : draftLimit, room)
            let draft = limit > 0 ? Array(try drafter.propose(after: context + [next], limit: limit).prefix(limit)) : []
            let base = session.tokens.count
            let verifyStart = Date()
            let predictions = try session.evaluate([next] + draft, allPositions: !draft.isEmpty)
            var accepted = 0, following: Int
            if argmaxOnly {
                while accepted < draft.count && draft[accepted] == predictions[accepted].argmax { accepted += 1 }
                following = predictions[accepted].argmax
            } else {
                (accepted, following) = try verify(draft, after: context + [next], session: session, sampler: &sampler)
            }
            session.truncate(to: base + 1 + accepted)
            policy.record(drafted: draft.count, accepted: accepted, seconds: Date().timeIntervalSince(verifyStart))
            let newTokens = [next] + draft.prefix(accepted)
            stats.record(drafted: draft.count, accepted: accepted, generated: newTokens.count)
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
            decodeTokensPerSecond: generated.count > 1 ? Double(generated.count - 1) / max(decodeSeconds, 1e-9) : 0)
        return (result, stats)
    }

    /// Rejection sampling over a chain of deterministic proposals: how many are accepted, and the
    /// target's token after them (a resample at the first rejection, else a fresh draw).
    func verify(_ draft: [Int], after history: [Int], session: InferenceSession, sampler: inout Sampler) throws -> (Int, Int) {
        var history = history
        for (i, proposal) in draft.enumerated() {
            let distribution = sampler.distribution(try session.logits(row: i), history: history)
            let p = distribution.first { $0.id == proposal }?.probability ?? 0
            if sampler.uniform() < p {
                history.append(proposal)
                continue
            }
            let residual = distribution.filter { $0.id != proposal }
            return (i, residual.isEmpty ? proposal : sampler.draw(from: residual))
        }
        let distribution = sampler.distribution(try session.logits(row: draft.count), history: history)
        return (draft.count, sampler.draw(from: distribution))
    }
}
