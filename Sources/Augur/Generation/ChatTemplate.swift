/// A chat message.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant }
    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// The chat format a model's `tokenizer.chat_template` asks for. Augur detects the ChatML family
/// (SmolLM2, Qwen2.5) and formats as llama.cpp does: each message as
/// `<|im_start|>role\ncontent<|im_end|>\n`, then `<|im_start|>assistant\n`.
public enum ChatTemplate: Sendable, Equatable {
    case chatML

    /// Detects the template; anything Augur cannot format is a clear error.
    public init(template: String?) throws {
        guard let template, !template.isEmpty else {
            throw GenerationError.unsupportedChatTemplate("the model has no tokenizer.chat_template")
        }
        guard template.contains("<|im_start|>") else {
            throw GenerationError.unsupportedChatTemplate("only ChatML-style templates (<|im_start|>) are supported")
        }
        self = .chatML
    }

    /// The prompt text for `messages`, ending where the assistant's reply begins.
    public func format(_ messages: [ChatMessage]) -> String {
        switch self {
        case .chatML:
            return messages.map { "<|im_start|>\($0.role.rawValue)\n\($0.content)<|im_end|>\n" }.joined() + "<|im_start|>assistant\n"
        }
    }
}
