/// A byte-level BPE tokenizer (GGUF `tokenizer.ggml.model` "gpt2") whose token ids are
/// llama.cpp's: `encode` matches `llama_tokenize`, `piece` matches `llama_token_to_piece`.
///
/// Immutable after `init`; share one across threads freely.
public final class Tokenizer: Sendable {
    /// The configuration this tokenizer was built from.
    public let configuration: TokenizerConfiguration
    /// The BOS id, when the vocabulary has one.
    public let bos: Int?
    /// The EOS id, when the vocabulary has one.
    public let eos: Int?
    /// The end-of-turn id: from the configuration, or found by text ("<|im_end|>", ...).
    public let eot: Int?
    /// The end-of-message id: from the configuration, or "<|eom_id|>".
    public let eom: Int?
    /// The padding id.
    public let padding: Int?
    /// Whether `encode(_:addSpecial: true)` prepends BOS.
    public let addsBOS: Bool
    /// Whether `encode(_:addSpecial: true)` appends EOS.
    public let addsEOS: Bool
    /// Every token that ends generation (llama.cpp's `llama_vocab_is_eog`).
    public var endOfGenerationIDs: Set<Int> { special.endOfGeneration }

    let preTokenizer: PreTokenizer
    let bpe: BPE
    let special: SpecialTokens
    /// Token texts as stored, with llama.cpp's "[EMPTY_<id>]" for empty ones.
    let texts: [String]

    /// Builds the tokenizer, validating the configuration.
    ///
    /// - Throws: `TokenizerError.unsupportedModel` unless the model is "gpt2";
    ///   `.unknownPreTokenizer` for a pre-tokenizer name not implemented (never a silent
    ///   fallback); `.emptyVocabulary`, `.tokenTypeCountMismatch`, `.specialTokenOutOfRange`
    ///   and `.missingSpecialToken` for inconsistent configurations.
    public init(_ c: TokenizerConfiguration) throws {
        guard c.model == "gpt2" else { throw TokenizerError.unsupportedModel(c.model) }
        let pre = try PreTokenizer(name: c.preTokenizer)
        guard !c.tokens.isEmpty else { throw TokenizerError.emptyVocabulary }
        guard c.tokenTypes.isEmpty || c.tokenTypes.count == c.tokens.count else {
            throw TokenizerError.tokenTypeCountMismatch(tokens: c.tokens.count, tokenTypes: c.tokenTypes.count)
        }
        let ids: [(String, Int?)] = [("BOS", c.bos), ("EOS", c.eos), ("EOT", c.eot), ("EOM", c.eom),
                                     ("padding", c.padding), ("FIM pad", c.fimPad), ("FIM repo", c.fimRepo),
                                     ("FIM separator", c.fimSeparator)]
        for case let (name, id?) in ids where !c.tokens.indices.contains(id) {
            throw TokenizerError.specialTokenOutOfRange(name: name, id: id, vocabularySize: c.tokens.count)
        }
        if c.addBOS && c.bos == nil { throw TokenizerError.missingSpecialToken(name: "BOS") }
        if c.addEOS && c.eos == nil { throw TokenizerError.missingSpecialToken(name: "EOS") }

        var texts = c.tokens
        for id in texts.indices where texts[id].isEmpty { texts[id] = "[EMPTY_\(id)]" }
        let bpe = BPE(tokens: texts, merges: c.merges, ignoresMerges: pre.ignoresMerges)
        special = SpecialTokens(texts: texts, configuration: c) { bpe.token(text: $0.utf8) }
        configuration = c
        preTokenizer = pre
        self.bpe = bpe
        self.texts = texts
        bos = c.bos
        eos = c.eos
        eot = special.eot
        eom = special.eom
        padding = c.padding
        addsBOS = c.addBOS
        addsEOS = c.addEOS
    }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { bpe.vocabularySize }

    /// The name of the pre-tokenizer (`tokenizer.ggml.pre`).
    public var preTokenizerName: String { preTokenizer.name }

    /// The token ids of `text`, as llama.cpp's `llama_tokenize(text, addSpecial, parseSpecial)`.
    ///
    /// Special tokens written in the text are split out first, longest first (control
    /// tokens such as "<|im_start|>" only when `parseSpecial`; user-defined tokens always).
    /// Each remaining fragment is pre-tokenized, and each piece merged by BPE.
    /// BOS is prepended when `addSpecial` and the model adds BOS; EOS likewise appended.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int] {
        var out: [Int] = []
        if addSpecial && addsBOS, let bos { out.append(bos) }
        let bytes = Array(text.utf8)
        var scratch = BPE.Scratch()
        for fragment in special.partition(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case let .token(id): out.append(id)
            case let .text(range): encode(bytes, range, into: &out, scratch: &scratch)
            }
        }
        if addSpecial && addsEOS, let eos { out.append(eos) }
        return out
    }

    private func encode(_ bytes: [UInt8], _ range: Range<Int>, into out: inout [Int], scratch: inout BPE.Scratch) {
        let text = ScalarText(utf8: bytes[range])
        let pieces = preTokenizer.split(text)
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            for length in pieces {
                let lo = range.lowerBound + text.offsets[start]
                let hi = range.lowerBound + text.offsets[start + length]
                bpe.encode(UnsafeBufferPointer(rebasing: buffer[lo..<hi]), into: &out, scratch: &scratch)
                start += length
            }
        }
    }

    /// The pieces the pre-tokenizer cuts `text` into before BPE merges within each
    /// (special tokens are not split out here). For inspecting the pre-tokenizer.
    public func preTokenize(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        let scalars = ScalarText(utf8: bytes[...])
        var start = 0
        return preTokenizer.split(scalars).map { length in
            defer { start += length }
            return String(decoding: bytes[scalars.offsets[start]..<scalars.offsets[start + length]], as: UTF8.self)
        }
    }

    /// The raw bytes of a token, as llama.cpp's `llama_token_to_piece(id, special)`:
    /// normal tokens decode from byte-level text; user-defined tokens are their text;
    /// control and unknown tokens are their text only when `special`, else empty; byte,
    /// unused and undefined tokens are empty; an id outside the vocabulary is empty.
    public func piece(_ id: Int, special: Bool = true) -> [UInt8] {
        guard texts.indices.contains(id) else { return [] }
        switch self.special.types[id] {
        case .normal: return ByteLevel.decode(texts[id])
        case .userDefined: return Array(texts[id].utf8)
        case .control, .unknown: return special ? Array(texts[id].utf8) : []
        case .byte, .unused, .undefined: return []
        }
    }

    /// The bytes of `ids` (pieces concatenated).
    public func decodeBytes(_ ids: [Int], special: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { out.append(contentsOf: piece(id, special: special)) }
        return out
    }

    /// The text of `ids`; bytes that are not valid UTF-8 become U+FFFD. Control tokens
    /// ("<|im_end|>") are written out only when `special`.
    public func decode(_ ids: [Int], special: Bool = false) -> String {
        String(decoding: decodeBytes(ids, special: special), as: UTF8.self)
    }

    /// A streaming decoder over this tokenizer.
    public func streamingDecoder(special: Bool = false) -> StreamingDecoder {
        StreamingDecoder(tokenizer: self, special: special)
    }

    /// Whether `id` ends generation (`llama_vocab_is_eog`): EOS, EOT, EOM, tokens such as
    /// "<|im_end|>" and "<|endoftext|>", and the FIM pad, repo and file-separator tokens.
    public func isEndOfGeneration(_ id: Int) -> Bool { special.endOfGeneration.contains(id) }

    /// The token whose piece (with `special: true`) is exactly `piece`: " the" finds the
    /// normal token stored as "Ġthe"; "<|im_end|>" finds the control token.
    public func id(of piece: String) -> Int? {
        let bytes = Array(piece.utf8)
        if let id = bpe.token(text: ByteLevel.encode(bytes)), special.types[id] == .normal { return id }
        if let id = bpe.token(text: bytes), [.control, .userDefined, .unknown].contains(special.types[id]) {
            return id
        }
        return nil
    }

    /// The token whose stored text (byte-level, e.g. "Ġthe") is exactly `text`.
    public func id(ofTokenText text: String) -> Int? { bpe.token(text: text.utf8) }

    /// The stored text of a token, or nil for an id outside the vocabulary.
    public func tokenText(_ id: Int) -> String? { texts.indices.contains(id) ? texts[id] : nil }

    /// The type of a token after llama.cpp's overrides, or nil outside the vocabulary.
    public func tokenType(_ id: Int) -> TokenType? { texts.indices.contains(id) ? special.types[id] : nil }
}
