/// A piece of the text to encode: raw text (a UTF-8 byte range) or a special token.
enum Fragment: Equatable {
    case text(Range<Int>)
    case token(Int)
}

/// The special tokens of a vocabulary, resolved as llama.cpp's `llama_vocab::load` does:
/// which tokens end generation, which are parsed out of text, and the token types after
/// llama.cpp's overrides (tokens that look like end-of-turn or fill-in-the-middle markers
/// become control tokens even when the file says otherwise).
struct SpecialTokens: Sendable {
    /// Token types after llama.cpp's overrides.
    let types: [TokenType]
    let eot: Int?
    let eom: Int?
    /// llama.cpp's `special_eog_ids`.
    let endOfGeneration: Set<Int>
    /// Control, unknown and user-defined tokens: longest text first (then lowest id).
    private let matchable: [(id: Int, text: [UInt8], special: Bool)]

    // The texts llama.cpp (February 2025) recognises these tokens by.
    static let eotTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>",
                           "<｜end▁of▁sentence｜>"]
    static let eogTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                           "<|eom_id|>", "<EOT>"]
    static let fimTexts: [[String]] = [
        ["<|fim_prefix|>", "<fim-prefix>", "<｜fim▁begin｜>", "<PRE>"],
        ["<|fim_suffix|>", "<fim-suffix>", "<｜fim▁hole｜>", "<SUF>"],
        ["<|fim_middle|>", "<fim-middle>", "<｜fim▁end｜>", "<MID>"],
    ]
    static let fimPadTexts = ["<|fim_pad|>", "<fim-pad>", "<PAD>"]
    static let fimRepoTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>"]
    static let fimSeparatorTexts = ["<|file_sep|>"]

    /// - Parameters:
    ///   - texts: the token texts (as llama.cpp keys them).
    ///   - lookup: the token id of a text (the last one, for duplicate texts).
    init(texts: [String], configuration c: TokenizerConfiguration, lookup: (String) -> Int?) {
        var types = c.tokenTypes.isEmpty ? [TokenType](repeating: .normal, count: texts.count) : c.tokenTypes
        func find(_ candidates: [String]) -> Int? {
            for text in candidates { if let id = lookup(text) { return id } }
            return nil
        }
        func control(_ id: Int?) { if let id { types[id] = .control } }
        func detect(_ given: Int?, _ candidates: [String]) -> Int? {
            if let given { return given }
            let found = find(candidates)
            control(found)
            return found
        }
        let eot = detect(c.eot, Self.eotTexts)
        let eom = detect(c.eom, ["<|eom_id|>"])
        for candidates in Self.fimTexts { _ = detect(nil, candidates) }
        let fimPad = detect(c.fimPad, Self.fimPadTexts)
        let fimRepo = detect(c.fimRepo, Self.fimRepoTexts)
        let fimSeparator = detect(c.fimSeparator, Self.fimSeparatorTexts)

        var eog = Set([fimPad, fimRepo, fimSeparator].compactMap { $0 })
        for text in Self.eogTexts {
            guard let id = lookup(text) else { continue }
            eog.insert(id)
            control(id)
        }
        for id in [c.eos, eot, eom] { if let id { eog.insert(id) } }

        self.types = types
        self.eot = eot
        self.eom = eom
        endOfGeneration = eog
        matchable = texts.indices.compactMap { id -> (id: Int, text: [UInt8], special: Bool)? in
            let type = types[id]
            guard type == .control || type == .unknown || type == .userDefined, !texts[id].isEmpty else { return nil }
            return (id, Array(texts[id].utf8), type.isSpecial)
        }.sorted { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
    }

    /// Splits `bytes` around the special tokens written in it, as llama.cpp's
    /// `tokenizer_st_partition`: longest tokens first, each occurrence left to right.
    /// User-defined tokens are always split out; control and unknown tokens only when
    /// `parseSpecial` is true.
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !bytes.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        bytes.withUnsafeBufferPointer { text in
            for token in matchable where parseSpecial || !token.special {
                var split: [Fragment] = []
                split.reserveCapacity(fragments.count + 2)
                var found = false
                for fragment in fragments {
                    guard case var .text(range) = fragment else {
                        split.append(fragment)
                        continue
                    }
                    while let match = Self.find(token.text, in: text, range) {
                        found = true
                        if match > range.lowerBound { split.append(.text(range.lowerBound..<match)) }
                        split.append(.token(token.id))
                        range = (match + token.text.count)..<range.upperBound
                    }
                    if !range.isEmpty { split.append(.text(range)) }
                }
                if found { fragments = split }
            }
        }
        return fragments
    }

    /// The first offset in `range` where `needle` starts, or nil.
    private static func find(_ needle: [UInt8], in text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard let first = needle.first, needle.count <= range.count else { return nil }
        var i = range.lowerBound
        let last = range.upperBound - needle.count
        while i <= last {
            if text[i] == first {
                var k = 1
                while k < needle.count && text[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
