import GGUF
import Testing
import Tokenizer

@Suite("Configuration errors and GGUF metadata")
struct ConfigurationErrorTests {
    @Test("An unknown pre-tokenizer is an error, never a fallback")
    func unknownPreTokenizer() {
        #expect(throws: TokenizerError.unknownPreTokenizer("nonsense")) {
            try TinyVocabulary.tokenizer(preTokenizer: "nonsense")
        }
        let message = TokenizerError.unknownPreTokenizer("nonsense").description
        #expect(message.contains("'nonsense'") && message.contains("qwen2") && message.contains("smollm"))
    }

    @Test("A model other than gpt2 is unsupported")
    func unsupportedModel() {
        var c = TinyVocabulary.configuration()
        c.model = "llama"
        #expect(throws: TokenizerError.unsupportedModel("llama")) { try Tokenizer(c) }
        #expect(TokenizerError.unsupportedModel("llama").description.contains("'llama'"))
    }

    @Test("Inconsistent configurations are rejected with a clear error")
    func inconsistent() {
        var c = TinyVocabulary.configuration()
        c.tokenTypes.removeLast()
        #expect(throws: TokenizerError.tokenTypeCountMismatch(tokens: c.tokens.count, tokenTypes: c.tokens.count - 1)) {
            try Tokenizer(c)
        }
        c = TinyVocabulary.configuration()
        c.eos = c.tokens.count
        #expect(throws: TokenizerError.specialTokenOutOfRange(name: "EOS", id: c.tokens.count, vocabularySize: c.tokens.count)) {
            try Tokenizer(c)
        }
        c = TinyVocabulary.configuration(addBOS: true)
        c.bos = nil
        #expect(throws: TokenizerError.missingSpecialToken(name: "BOS")) { try Tokenizer(c) }
        #expect(throws: TokenizerError.emptyVocabulary) {
            try Tokenizer(TokenizerConfiguration(preTokenizer: "gpt2", tokens: [], merges: []))
        }
    }

    static func metadata() -> [String: GGUFValue] {
        [
            "tokenizer.ggml.model": .string("gpt2"),
            "tokenizer.ggml.pre": .string("qwen2"),
            "tokenizer.ggml.tokens": .array(.string(TinyVocabulary.tokens)),
            "tokenizer.ggml.merges": .array(.string(TinyVocabulary.merges)),
            "tokenizer.ggml.token_type": .array(.int32(TinyVocabulary.tokenTypes.map { Int32($0.rawValue) })),
            "tokenizer.ggml.bos_token_id": .uint32(UInt32(TinyVocabulary.endOfText)),
            "tokenizer.ggml.eos_token_id": .uint32(UInt32(TinyVocabulary.endOfText)),
            "tokenizer.ggml.padding_token_id": .uint32(1),
            "tokenizer.ggml.add_bos_token": .bool(false),
        ]
    }

    @Test("Missing or mistyped metadata keys are named in the error")
    func missingKeys() {
        for key in ["tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.merges"] {
            var m = Self.metadata()
            m[key] = nil
            #expect(throws: TokenizerError.missingMetadata(key: key)) { try TokenizerConfiguration(ggufMetadata: m) }
        }
        #expect(TokenizerError.missingMetadata(key: "tokenizer.ggml.merges").description.contains("tokenizer.ggml.merges"))
        var m = Self.metadata()
        m["tokenizer.ggml.tokens"] = .string("a")
        #expect(throws: TokenizerError.invalidMetadata(key: "tokenizer.ggml.tokens", expected: "a string array")) {
            try TokenizerConfiguration(ggufMetadata: m)
        }
        m = Self.metadata()
        m["tokenizer.ggml.model"] = .string("llama")
        m["tokenizer.ggml.merges"] = nil  // an SPM model has none; the model is reported first
        #expect(throws: TokenizerError.unsupportedModel("llama")) { try TokenizerConfiguration(ggufMetadata: m) }
    }

    @Test("Absent optional keys take llama.cpp's defaults")
    func defaults() throws {
        var m = Self.metadata()
        for key in ["tokenizer.ggml.pre", "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id",
                    "tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_bos_token"] { m[key] = nil }
        let c = try TokenizerConfiguration(ggufMetadata: m)
        #expect(c.preTokenizer == "default")
        #expect(c.tokenTypes.isEmpty)
        #expect(c.bos == 11 && c.eos == 11)
        #expect(!c.addBOS && !c.addEOS)
        m["tokenizer.ggml.pre"] = .string("llama-bpe")
        #expect(try TokenizerConfiguration(ggufMetadata: m).addBOS)
    }

    @Test("A GGUF file's tokenizer metadata reads back into the configuration")
    func ggufFile() throws {
        var writer = GGUFWriter()
        for (key, value) in Self.metadata() { writer.set(key, value) }
        let file = try GGUFFile(bytes: writer.bytes())
        let c = try TokenizerConfiguration(gguf: file)
        var expected = TinyVocabulary.configuration(preTokenizer: "qwen2", addBOS: false)
        expected.padding = 1
        #expect(c == expected)
        let t = try Tokenizer(c)
        #expect(t.encode("<|im_start|>abc") == t.ids("<|im_start|>", "a", "bc"))
    }
}
