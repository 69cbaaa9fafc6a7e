import Testing
import Tokenizer

@Suite("Special tokens on a hand-made vocabulary")
struct SpecialTokenTests {
    let t: Tokenizer

    init() throws { t = try TinyVocabulary.tokenizer() }

    @Test("With parseSpecial, control tokens written in the text become their ids")
    func parseSpecialOn() {
        let text = "<|im_start|>ab<|endoftext|> ab"
        #expect(t.encode(text) == t.ids("<|im_start|>", "ab", "<|endoftext|>", "Ġab"))
    }

    @Test("Without parseSpecial, control tokens are plain text")
    func parseSpecialOff() {
        let text = "<|im_start|>ab<|endoftext|>"
        let ids = t.encode(text, parseSpecial: false)
        #expect(!ids.contains(t.id(ofTokenText: "<|im_start|>")!))
        #expect(!ids.contains(TinyVocabulary.endOfText))
        #expect(ids.count > 10)
        #expect(t.decode(ids) == text)
    }

    @Test("User-defined tokens are split out even without parseSpecial")
    func userDefined() {
        #expect(t.encode("ab<tool>ab", parseSpecial: false) == t.ids("ab", "<tool>", "ab"))
        #expect(t.encode("ab<tool>ab") == t.ids("ab", "<tool>", "ab"))
    }

    @Test("The longest special token wins where two overlap")
    func longestFirst() {
        #expect(t.encode("<x><y><x>") == t.ids("<x><y>", "<x>"))
    }

    @Test("A token named like an end-of-turn marker becomes a control token that ends generation")
    func endOfTurnOverride() {
        let imEnd = t.id(ofTokenText: "<|im_end|>")!
        #expect(t.tokenType(imEnd) == .control)
        #expect(t.encode("ab<|im_end|>") == t.ids("ab", "<|im_end|>"))
        #expect(t.eot == imEnd)
        #expect(t.isEndOfGeneration(imEnd))
        #expect(t.isEndOfGeneration(TinyVocabulary.endOfText))
        #expect(!t.isEndOfGeneration(t.id(ofTokenText: "<|im_start|>")!))
        #expect(!t.isEndOfGeneration(t.id(ofTokenText: "ab")!))
        #expect(t.endOfGenerationIDs == [imEnd, TinyVocabulary.endOfText])
    }

    @Test("Control tokens decode to their text only when asked; unused tokens never")
    func pieces() {
        let start = t.id(ofTokenText: "<|im_start|>")!
        #expect(t.piece(start) == Array("<|im_start|>".utf8))
        #expect(t.piece(start, special: false).isEmpty)
        #expect(t.piece(t.id(ofTokenText: "<tool>")!, special: false) == Array("<tool>".utf8))
        #expect(t.piece(t.id(ofTokenText: "[PAD0]")!).isEmpty)
        #expect(t.piece(-1).isEmpty && t.piece(t.vocabularySize).isEmpty)
        let ids = t.ids("<|im_start|>", "ab", "<|im_end|>")
        #expect(t.decode(ids) == "ab")
        #expect(t.decode(ids, special: true) == "<|im_start|>ab<|im_end|>")
        #expect(t.id(of: "<|im_start|>") == start)
    }

    @Test("BOS and EOS are added only with addSpecial, and only when the model adds them")
    func bosAndEOS() throws {
        let eot = TinyVocabulary.endOfText
        #expect(try TinyVocabulary.tokenizer(addBOS: true).encode("ab") == [eot] + t.ids("ab"))
        #expect(try TinyVocabulary.tokenizer(addEOS: true).encode("ab") == t.ids("ab") + [eot])
        #expect(try TinyVocabulary.tokenizer(addBOS: true, addEOS: true).encode("ab", addSpecial: false) == t.ids("ab"))
        #expect(t.encode("ab") == t.ids("ab"))
        #expect(!t.addsBOS && !t.addsEOS)
        // llama.cpp's default for the llama3 pre-tokenizer is to add BOS.
        #expect(try TinyVocabulary.tokenizer(preTokenizer: "llama3").addsBOS)
    }
}
