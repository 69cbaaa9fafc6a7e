/// Splits text into the pieces that BPE merges within, exactly as llama.cpp's
/// `unicode_regex_split` does for each `tokenizer.ggml.pre` name.
///
/// llama.cpp runs a list of regexes one after the other, each splitting the pieces the
/// previous one made (text between matches stays a piece too). For the GPT-2 and
/// Llama-3 regexes it uses hand-written scanners, not a regex engine; the others run
/// through `std::regex` over a text where each scalar is collapsed to its category.
/// This type reproduces both with hand-written scanners over Unicode scalars:
///
/// - gpt2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - smollm (also starcoder, refact, command-r, ...): `\p{N}` (each number scalar alone),
///   then the gpt2 scanner within what is left.
/// - llama3: `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+
///   |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, with whole-piece
///   token lookup before merging ("ignore merges").
/// - qwen2: the llama3 regex with `\p{N}` (one number scalar per piece).
/// - default: `[\p{P}\$\+<=>\^~\|]+`, then gpt2, then `\p{N}+`, then `[0-9][0-9][0-9]`.
struct PreTokenizer: Sendable {
    enum Pass: Sendable, Equatable {
        case gpt2
        case llama3(maxDigits: Int)
        case eachNumber
        case numberRuns
        case punctuationRuns
        case asciiDigitTriples
    }

    let name: String
    let passes: [Pass]
    /// llama.cpp's `ignore_merges`: a piece that is itself a token is not merged.
    let ignoresMerges: Bool

    private static let families: [(names: [String], passes: [Pass], ignoresMerges: Bool)] = [
        (["gpt2", "gpt-2", "phi-2", "roberta-bpe", "mpt", "olmo", "jais"], [.gpt2], false),
        (["smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"],
         [.eachNumber, .gpt2], false),
        (["llama3", "llama-v3", "llama-bpe", "falcon3"], [.llama3(maxDigits: 3)], true),
        (["qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"], [.llama3(maxDigits: 1)], false),
        (["default"], [.punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples], false),
    ]

    /// Every `tokenizer.ggml.pre` name this type implements.
    static let supportedNames: [String] = families.flatMap(\.names)

    init(name: String) throws {
        guard let family = Self.families.first(where: { $0.names.contains(name) }) else {
            throw TokenizerError.unknownPreTokenizer(name)
        }
        self.name = name
        passes = family.passes
        ignoresMerges = family.ignoresMerges
    }

    /// llama.cpp's add_bos default when `tokenizer.ggml.add_bos_token` is absent.
    static func addsBOSByDefault(_ name: String) -> Bool {
        ["llama3", "llama-v3", "llama-bpe", "falcon3"].contains(name)
    }

    /// The pieces of `text`, as lengths in scalars, in order.
    func split(_ text: ScalarText) -> [Int] {
        var chunks = text.values.isEmpty ? [] : [text.values.count]
        for pass in passes {
            var out: [Int] = []
            out.reserveCapacity(chunks.count * 2)
            var start = 0
            for length in chunks {
                Self.apply(pass, text, start, start + length, &out)
                start += length
            }
            chunks = out
        }
        return chunks
    }

    private static func apply(_ pass: Pass, _ t: ScalarText, _ lo: Int, _ hi: Int, _ out: inout [Int]) {
        switch pass {
        case .gpt2:
            Scanner(text: t, lo: lo, hi: hi).gpt2(&out)
        case let .llama3(maxDigits):
            Scanner(text: t, lo: lo, hi: hi).llama3(maxDigits: maxDigits, &out)
        case .eachNumber:
            splitMatches(lo, hi, &out) { p in t.flags[p].contains(.number) ? 1 : 0 }
        case .numberRuns:
            splitMatches(lo, hi, &out) { p in
                var e = p
                while e < hi && t.flags[e].contains(.number) { e += 1 }
                return e - p
            }
        case .punctuationRuns:
            splitMatches(lo, hi, &out) { p in
                var e = p
                while e < hi && isDefaultPunctuation(t.values[e], t.flags[e]) { e += 1 }
                return e - p
            }
        case .asciiDigitTriples:
            splitMatches(lo, hi, &out) { p in
                guard p + 3 <= hi else { return 0 }
                return (p..<p + 3).allSatisfy { (0x30...0x39).contains(t.values[$0]) } ? 3 : 0
            }
        }
    }

    /// `[\p{P}\$\+<=>\^~\|]`: Unicode punctuation, and every ASCII punctuation or symbol
    /// character except '`' (llama.cpp's ASCII stand-in for \p{P} plus the listed ones).
    private static func isDefaultPunctuation(_ value: UInt32, _ flags: CodepointFlags) -> Bool {
        if value < 128 {
            return (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
                || (0x5B...0x5F).contains(value) || (0x7B...0x7E).contains(value)
        }
        return flags.contains(.punctuation) && !flags.contains(.whitespace)
    }

    /// Splits [lo, hi) the way llama.cpp's `std::regex` fallback does: each leftmost,
    /// non-overlapping match is a piece, and so is the text between matches.
    /// `match(p)` is the length of the match starting at p, or 0.
    private static func splitMatches(_ lo: Int, _ hi: Int, _ out: inout [Int], _ match: (Int) -> Int) {
        var gapStart = lo
        var p = lo
        while p < hi {
            let length = match(p)
            if length > 0 {
                if p > gapStart { out.append(p - gapStart) }
                out.append(length)
                p += length
                gapStart = p
            } else {
                p += 1
            }
        }
        if hi > gapStart { out.append(hi - gapStart) }
    }
}
