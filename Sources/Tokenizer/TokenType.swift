/// The type of a vocabulary entry, as `tokenizer.ggml.token_type` stores it
/// (llama.cpp's `llama_token_type`).
public enum TokenType: Int, Sendable, Equatable, CaseIterable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    case control = 3
    case userDefined = 4
    case unused = 5
    case byte = 6

    /// The type for a raw GGUF value; values outside 0...6 are `undefined`, as in llama.cpp.
    public init(gguf value: Int) {
        self = TokenType(rawValue: value) ?? .undefined
    }

    /// Control and unknown tokens: written out only when asked for (`special: true`)
    /// and recognised in text only when parsing special tokens.
    var isSpecial: Bool { self == .control || self == .unknown }
}
