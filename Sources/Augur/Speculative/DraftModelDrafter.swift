/// A smaller model with the target's vocabulary drafts greedily (Qwen2.5-Coder-0.5B for 1.5B).
/// Its KV cache follows the accepted tokens: each round it drops what the target rejected and
/// runs only the tokens it has not seen.
public final class DraftModelDrafter: Drafter {
    public let model: Model
    let session: InferenceSession
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
        guard limit > 0, context.count + limit <= session.context else { return [] }
        let shared = zip(session.tokens, context).prefix { $0 == $1 }.count
        session.truncate(to: min(shared, context.count - 1))
        var next = try session.evaluate(Array(context[session.tokens.count...]))[0].argmax
        var draft = [next]
        while draft.count < limit {
            next = try session.evaluate([next])[0].argmax
            draft.append(next)
        }
        return draft
    }
}
