import Foundation
import Tokenizer

extension Model {
    /// Greedy generation with a drafter: each round the target verifies the drafted chain in one
    /// batch, keeps the longest prefix that equals its own greedy choices plus its next token, and
    /// drops the rest of the KV cache. The kernels are batch invariant, so the output equals plain
    /// greedy decoding token for token.
    public func runSpeculativeGeneration(
        _ prompt: [Int], parameters: GenerationParameters, drafter: inout some Drafter, draftLimit: Int = 8,
        session: InferenceSession? = nil, cancelled: CancellationFlag = CancellationFlag(),
        emit: (GenerationEvent) -> Void = { _ in }
    ) throws -> (GenerationStats, SpeculativeStats) {
        try parameters.sampling.validate()
        guard parameters.sampling.isGreedy, parameters.sampling.repetitionPenalty == 1 else {
            throw GenerationError.invalidParameter("speculative decoding is greedy for now: use temperature 0 and no repetition penalty")
        }
        guard !prompt.isEmpty else { throw ModelError.emptyPrompt }
        guard draftLimit >= 0, draftLimit < 64 else { throw GenerationError.invalidParameter("draft length must be in 0...63") }
        let needed = prompt.count + parameters.maxTokens + draftLimit + 1
        let session = try session ?? makeSession(context: min(configuration.contextLength, max(needed, 256)))
        guard session.tokens.count + needed <= session.context else {
            throw ModelError.contextTooLong(requested: session.tokens.count + needed, limit: session.context)
        }
        var stats = SpeculativeStats(drafter: drafter.name)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var generated: [Int] = [], text = ""
        var reason = StopReason.maxTokens
        let prefillStart = Date()
        var next = try session.evaluate(prompt)[0].argmax   // the target's certain next token
        let prefillSeconds = Date().timeIntervalSince(prefillStart)
        let decodeStart = Date()
        var context = prompt
        rounds: while generated.count < parameters.maxTokens {
            if cancelled.isSet { reason = .cancelled; break }
            let room = parameters.maxTokens - generated.count - 1
            let draft = room > 0 ? Array(try drafter.propose(after: context + [next], limit: min(draftLimit, room)).prefix(room)) : []
            let base = session.tokens.count
            let predictions = try session.evaluate([next] + draft, allPositions: true)
            var accepted = 0
            while accepted < draft.count && draft[accepted] == predictions[accepted].argmax { accepted += 1 }
            session.truncate(to: base + 1 + accepted)
            let newTokens = [next] + draft.prefix(accepted)
            stats.record(drafted: draft.count, accepted: accepted, generated: newTokens.count)
            drafter.observe(accepted: newTokens, context: context)
            context += newTokens
            next = predictions[accepted].argmax
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
}
