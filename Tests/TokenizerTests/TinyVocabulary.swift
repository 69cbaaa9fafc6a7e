import Tokenizer

/// A hand-made byte-level vocabulary: the 256 byte characters (id = byte), a few merged
/// tokens, and special tokens, so BPE and special-token handling can be tested without a model.
enum TinyVocabulary {
    /// GPT-2's byte-level characters in byte order: printable Latin-1 bytes stand for
    /// themselves, the other 68 bytes for U+0100 and up (space is "Ġ", newline "Ċ").
    static let byteCharacters: [String] = {
        var next: UInt32 = 256
        return (0..<256).map { (byte: UInt32) -> String in
            if (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte) {
                return String(Unicode.Scalar(byte)!)
            }
            defer { next += 1 }
            return String(Unicode.Scalar(next)!)
        }
    }()

    /// Ranks by index: "b c" outranks "a b"; "x y" makes "xy", which is no token.
    static let merges = ["b c", "a b", "a a", "aa aa", "x y", "xy z", "Ġ ab"]
    static let mergedTokens = ["bc", "ab", "aa", "aaaa", "xyz", "Ġab", "zzz"]
    static let specialTokens: [(text: String, type: TokenType)] = [
        ("<|endoftext|>", .control), ("<|im_start|>", .control),
        ("<|im_end|>", .normal),  // llama.cpp makes it a control token by its text
        ("<tool>", .userDefined), ("<x>", .control), ("<x><y>", .control), ("[PAD0]", .unused),
    ]

    static var tokens: [String] { byteCharacters + mergedTokens + specialTokens.map(\.text) }
    static var tokenTypes: [TokenType] {
        [TokenType](repeating: .normal, count: 256 + mergedTokens.count) + specialTokens.map(\.type)
    }
    static let endOfText = 256 + mergedTokens.count

    static func configuration(
        preTokenizer: String = "gpt2", addBOS: Bool? = nil, addEOS: Bool? = nil
    ) -> TokenizerConfiguration {
        TokenizerConfiguration(
            preTokenizer: preTokenizer, tokens: tokens, merges: merges, tokenTypes: tokenTypes,
            bos: endOfText, eos: endOfText, addBOS: addBOS, addEOS: addEOS)
    }

    static func tokenizer(preTokenizer: String = "gpt2", addBOS: Bool? = nil, addEOS: Bool? = nil) throws -> Tokenizer {
        try Tokenizer(configuration(preTokenizer: preTokenizer, addBOS: addBOS, addEOS: addEOS))
    }
}

extension Tokenizer {
    /// The ids of stored token texts (test shorthand; traps on a text not in the vocabulary).
    func ids(_ texts: String...) -> [Int] { texts.map { id(ofTokenText: $0)! } }
}
