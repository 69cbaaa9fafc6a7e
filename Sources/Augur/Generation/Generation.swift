import Foundation
import Tokenizer

extension Model {
    /// Token ids of a prompt, with the model's BOS rule and special tokens parsed.
    public func tokenize(_ text: String) -> [Int] {
        tokenizer.encode(text, addSpecial: true, parseSpecial: true)
    }

    /// The model's chat format applied to one user message.
    public func chatPrompt(_ messages: [ChatMessage]) throws -> String {
        try ChatTemplate(template: file.string("tokenizer.chat_template")).format(messages)
    }

    /// Generates from prompt tokens, streaming events. Cancelling the consuming task (or dropping
    /// the stream) stops generation after the current token; the final event still carries stats.
    public func generate(tokens prompt: [Int], parameters: GenerationParameters = GenerationParameters(),
                         session: InferenceSession? = nil) -> AsyncThrowingStream<GenerationEvent, Error> {
        AsyncThrowingStream { continuation in
            let cancelled = CancellationFlag()
            continuation.onTermination = { _ in cancelled.set() }
            let thread = Thread {
                do {
                    let stats = try self.runGeneration(prompt, parameters: parameters, session: session, cancelled: cancelled) {
                        continuation.yield($0)
                    }
                    continuation.yield(.finished(stats))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Generates from text (see `generate(tokens:)`).
    public func generate(_ prompt: String, parameters: GenerationParameters = GenerationParameters()) -> AsyncThrowingStream<GenerationEvent, Error> {
        generate(tokens: tokenize(prompt), parameters: parameters)
    }

    /// The blocking generation loop: prefill, then one token per submission (or, with
    /// `parameters.speculation`, one verification pass per round).
    public func runGeneration(_ prompt: [Int], parameters: GenerationParameters, session: InferenceSession? = nil,
                              cancelled: CancellationFlag = CancellationFlag(), emit: (GenerationEvent) -> Void = { _ in }) throws -> GenerationStats {
        if let speculation = parameters.speculation {
            var drafter = try drafter(for: speculation)
            return try runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: speculation.shape,
                                                adaptive: speculation.adaptive, session: session, cancelled: cancelled, emit: emit).0
        }
        try parameters.sampling.validate()
        guard !prompt.isEmpty else { throw ModelError.emptyPrompt }
        guard parameters.maxTokens >= 0 else { throw GenerationError.invalidParameter("max tokens must be >= 0") }
        let session = try session ?? makeSession(context: min(configuration.contextLength, max(prompt.count + parameters.maxTokens, 256)))
        guard session.tokens.count + prompt.count + parameters.maxTokens <= session.context else {
            throw ModelError.contextTooLong(requested: session.tokens.count + prompt.count + parameters.maxTokens, limit: session.context)
        }
        var sampler = Sampler(parameters.sampling)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var generated: [Int] = [], text = ""
        var reason = StopReason.maxTokens
        let prefillStart = Date()
        var prediction = try session.evaluate(prompt)[0]
        let prefillSeconds = Date().timeIntervalSince(prefillStart)
        let decodeStart = Date()
        while generated.count < parameters.maxTokens {
            if cancelled.isSet { reason = .cancelled; break }
            let next = parameters.sampling.isGreedy && parameters.sampling.repetitionPenalty == 1
                ? prediction.argmax : sampler.sample(try session.logits(), history: session.tokens)
            generated.append(next)
            let piece = decoder.append(next)
            text += piece
            emit(.token(id: next, text: piece))
            if parameters.stopAtEndOfGeneration && tokenizer.isEndOfGeneration(next) { reason = .endOfGeneration; break }
            if generated.count == parameters.maxTokens { break }
            prediction = try session.evaluate([next])[0]
        }
        let tail = decoder.flush()
        if !tail.isEmpty { text += tail; emit(.token(id: -1, text: tail)) }
        let decodeSeconds = Date().timeIntervalSince(decodeStart)
        return GenerationStats(
            promptTokens: prompt, tokens: generated, text: text, stopReason: reason, loadSeconds: loadSeconds,
            prefillTokensPerSecond: Double(prompt.count) / max(prefillSeconds, 1e-9),
            decodeTokensPerSecond: generated.count > 1 ? Double(generated.count - 1) / max(decodeSeconds, 1e-9) : 0)
    }
}

/// A flag set once from any thread (a cancelled stream, Ctrl-C).
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    public init() {}

    public var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    public func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}
