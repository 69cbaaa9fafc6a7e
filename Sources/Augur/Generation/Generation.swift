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

    /// Generates from prompt tokens, streaming events. The work runs on a thread of its own (a
    /// pass blocks while the device works), which owns `session` (a new one when nil) until the
    /// stream ends: the caller hands it over and must not touch it meanwhile. Cancelling the
    /// consuming task (or dropping the stream) stops generation after the current round; the
    /// final event still carries stats. Several streams of one model run concurrently.
    public func generate(tokens prompt: [Int], parameters: GenerationParameters = GenerationParameters(),
                         session: sending InferenceSession? = nil) -> AsyncThrowingStream<GenerationEvent, Error> {
        let handover = Handover(session)
        return AsyncThrowingStream { continuation in
            let cancelled = CancellationFlag()
            continuation.onTermination = { _ in cancelled.set() }
            let thread = Thread {
                do {
                    let stats = try self.runGeneration(prompt, parameters: parameters, session: handover.take(), cancelled: cancelled) {
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
}

/// A non-`Sendable` value moved to another thread: whoever makes it gives the value up (a
/// `sending` parameter), the thread takes it once.
final class Handover<Value>: @unchecked Sendable {
    private var value: Value?
    private let lock = NSLock()

    init(_ value: sending Value?) { self.value = value }

    func take() -> Value? {
        lock.lock()
        defer { lock.unlock() }
        defer { value = nil }
        return value
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
