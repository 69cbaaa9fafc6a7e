/// Why a tokenizer could not be built from its configuration or GGUF metadata.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `tokenizer.ggml.model` is not "gpt2" (byte-level BPE), the only model supported.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer this tokenizer does not implement.
    case unknownPreTokenizer(String)
    /// A required GGUF metadata key is absent.
    case missingMetadata(key: String)
    /// A GGUF metadata key holds a value of the wrong type.
    case invalidMetadata(key: String, expected: String)
    /// The vocabulary has no tokens.
    case emptyVocabulary
    /// `tokenizer.ggml.token_type` does not have one entry per token.
    case tokenTypeCountMismatch(tokens: Int, tokenTypes: Int)
    /// A special token id (BOS, EOS, ...) lies outside the vocabulary.
    case specialTokenOutOfRange(name: String, id: Int, vocabularySize: Int)
    /// The configuration asks for a special token to be added but does not name it.
    case missingSpecialToken(name: String)

    public var description: String {
        switch self {
        case let .unsupportedModel(model):
            "unsupported tokenizer model '\(model)': only 'gpt2' (byte-level BPE) is supported"
        case let .unknownPreTokenizer(name):
            "unknown pre-tokenizer '\(name)' (tokenizer.ggml.pre); supported: "
                + PreTokenizer.supportedNames.joined(separator: ", ")
        case let .missingMetadata(key):
            "GGUF metadata key '\(key)' is missing"
        case let .invalidMetadata(key, expected):
            "GGUF metadata key '\(key)' is not \(expected)"
        case .emptyVocabulary:
            "the vocabulary (tokenizer.ggml.tokens) is empty"
        case let .tokenTypeCountMismatch(tokens, tokenTypes):
            "tokenizer.ggml.token_type has \(tokenTypes) entries for \(tokens) tokens"
        case let .specialTokenOutOfRange(name, id, size):
            "\(name) token id \(id) is outside the vocabulary of \(size) tokens"
        case let .missingSpecialToken(name):
            "the configuration adds a \(name) token but has no \(name) token id"
        }
    }
}
