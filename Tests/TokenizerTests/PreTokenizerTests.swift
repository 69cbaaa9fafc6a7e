import Testing
import Tokenizer

/// Pre-tokenizer splits; the expected pieces are those of the original regexes
/// (checked with Python's `regex` module, which agrees with llama.cpp's scanners).
@Suite("Pre-tokenizers")
struct PreTokenizerTests {
    static func pieces(_ name: String, _ text: String) throws -> [String] {
        try TinyVocabulary.tokenizer(preTokenizer: name, addBOS: false).preTokenize(text)
    }

    @Test("gpt2: contractions, optional leading space, \\s+(?!\\S)")
    func gpt2() throws {
        #expect(try Self.pieces("gpt2", "Hello world's  123 ab\n\n cd")
            == ["Hello", " world", "'s", " ", " 123", " ab", "\n\n", " cd"])
        #expect(try Self.pieces("gpt2", "I'LL say it's 12345 x²") == ["I", "'", "LL", " say", " it", "'s", " 12345", " x", "²"])
        #expect(try Self.pieces("gpt-2", "x = 1,299.99;") == ["x", " =", " 1", ",", "299", ".", "99", ";"])
    }

    @Test("smollm: every digit alone, then gpt2 on the rest")
    func smollm() throws {
        #expect(try Self.pieces("smollm", "Hello world's  123 ab\n\n cd")
            == ["Hello", " world", "'s", "  ", "1", "2", "3", " ab", "\n\n", " cd"])
        #expect(try Self.pieces("smollm", "x = 1,299.99;") == ["x", " =", " ", "1", ",", "2", "9", "9", ".", "9", "9", ";"])
        #expect(try Self.pieces("smollm", "trailing   ") == ["trailing", "   "])
    }

    @Test("llama3: case-insensitive contractions, digits in threes, newlines kept together")
    func llama3() throws {
        #expect(try Self.pieces("llama3", "I'LL say it's 12345 x²") == ["I", "'LL", " say", " it", "'s", " ", "123", "45", " x", "²"])
        #expect(try Self.pieces("llama-bpe", "a\r\nb  \r\n c") == ["a", "\r\n", "b", "  \r\n", " c"])
        #expect(try Self.pieces("llama3", "中文，世界！😀") == ["中文", "，世界", "！😀"])
    }

    @Test("qwen2: llama3 with one digit per piece")
    func qwen2() throws {
        #expect(try Self.pieces("qwen2", "Hello world's  123 ab\n\n cd")
            == ["Hello", " world", "'s", " ", " ", "1", "2", "3", " ab", "\n\n", " cd"])
        #expect(try Self.pieces("qwen2", "x = 1,299.99;") == ["x", " =", " ", "1", ",", "2", "9", "9", ".", "9", "9", ";"])
    }

    @Test("default: punctuation runs, gpt2, number runs, then ASCII digit triples")
    func defaultPreTokenizer() throws {
        #expect(try Self.pieces("default", "I'LL say it's 12345 x²")
            == ["I", "'", "LL", " say", " it", "'", "s", " ", "123", "45", " x", "²"])
        #expect(try Self.pieces("default", "中文，世界！😀") == ["中文", "，", "世界", "！", "😀"])
    }

    @Test("Classes apply per Unicode scalar, not per grapheme cluster")
    func unicodeScalars() throws {
        // "e\u{301}" is one Character but two scalars: a letter and a combining mark.
        #expect(try Self.pieces("gpt2", "e\u{301}te (n)\tsum") == ["e", "\u{301}", "te", " (", "n", ")", "\t", "sum"])
        #expect(try Self.pieces("qwen2", "e\u{301}te (n)\tsum") == ["e", "\u{301}te", " (", "n", ")", "\tsum"])
        // "\r\n" is one Character; gpt2 sees two whitespace scalars.
        #expect(try Self.pieces("gpt2", "a\r\nb") == ["a", "\r", "\n", "b"])
        #expect(try Self.pieces("gpt2", "a\u{3000}\u{A0}b") == ["a", "\u{3000}", "\u{A0}", "b"])
    }
}
