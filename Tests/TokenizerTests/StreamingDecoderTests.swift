import Testing
import Tokenizer

@Suite("Streaming decoder")
struct StreamingDecoderTests {
    @Test("A character split across byte tokens is emitted once complete")
    func splitCharacters() throws {
        let t = try TinyVocabulary.tokenizer()
        for text in ["😀", "中", "é", "👍🏽"] {
            var decoder = t.streamingDecoder()
            let bytes = Array(text.utf8)
            var emitted: [String] = []
            for byte in bytes { emitted.append(decoder.append(Int(byte))) }  // byte tokens: id = byte
            let lastScalarStart = bytes.count - Array(String(text.unicodeScalars.last!).utf8).count
            #expect(emitted.joined() == text)
            #expect(emitted.dropLast().allSatisfy { !$0.contains("\u{FFFD}") })
            #expect(emitted[lastScalarStart..<(bytes.count - 1)].allSatisfy { $0.isEmpty })
            #expect(!decoder.hasPendingBytes)
            #expect(decoder.flush().isEmpty)
        }
    }

    @Test("Complete text passes straight through; special tokens only when asked")
    func passThrough() throws {
        let t = try TinyVocabulary.tokenizer()
        var decoder = t.streamingDecoder()
        #expect(decoder.append(t.id(ofTokenText: "Ġab")!) == " ab")
        #expect(decoder.append(t.id(ofTokenText: "<|im_start|>")!) == "")
        var special = t.streamingDecoder(special: true)
        #expect(special.append(t.id(ofTokenText: "<|im_start|>")!) == "<|im_start|>")
    }

    @Test("Bytes that can never complete become U+FFFD: at once, or on flush")
    func invalidBytes() throws {
        let t = try TinyVocabulary.tokenizer()
        var decoder = t.streamingDecoder()
        #expect(decoder.append(0x80) == "\u{FFFD}")  // a lone continuation byte
        #expect(decoder.append(0xE4) == "")
        #expect(decoder.append(0x41) == "\u{FFFD}A")  // the character broke off
        #expect(decoder.append(0xF0) == "")
        #expect(decoder.append(0x9F) == "")
        #expect(decoder.hasPendingBytes)
        #expect(decoder.flush() == "\u{FFFD}")
        #expect(decoder.append(0xED) == "")
        #expect(decoder.append(0xA0) == "\u{FFFD}\u{FFFD}")  // a surrogate: never valid
    }

    @Test("Emoji and CJK split across real tokens stream correctly", arguments: TestModel.allCases)
    func realModel(model: TestModel) throws {
        let t = try model.tokenizer()
        for text in ["smile 😀 and thumbs 👍", "中文测试：你好，世界！", "Grüße aus München — ça va?"] {
            let ids = t.encode(text)
            var decoder = t.streamingDecoder()
            let emitted = ids.map { decoder.append($0) }
            #expect(emitted.joined() + decoder.flush() == text)
            #expect(!emitted.joined().contains("\u{FFFD}"))
            // Some token ends inside a character: its piece alone is not valid UTF-8.
            let partial = ids.filter { String(validating: t.piece($0), as: UTF8.self) == nil }
            if text.hasPrefix("smile") { #expect(!partial.isEmpty) }
        }
    }
}
