import Foundation
import Testing
import Tokenizer

@Suite("Real vocabularies")
struct ModelTokenizerTests {
    @Test("Special ids and end-of-generation tokens are llama.cpp's", arguments: TestModel.allCases)
    func specialIDs(model: TestModel) throws {
        let t = try model.tokenizer()
        switch model {
        case .smolLM2:
            #expect(t.preTokenizerName == "smollm")
            #expect(t.bos == 1 && t.eos == 2 && t.padding == 2)
            #expect(t.endOfGenerationIDs == [0, 2])  // <|endoftext|>, <|im_end|>
        case .qwenCoder:
            #expect(t.preTokenizerName == "qwen2")
            #expect(t.bos == 151643 && t.eos == 151645 && t.padding == 151643)
            // <|endoftext|>, <|im_end|>, <|fim_pad|>, <|repo_name|>, <|file_sep|>
            #expect(t.endOfGenerationIDs == [151643, 151645, 151662, 151663, 151664])
        }
        #expect(!t.addsBOS && !t.addsEOS)
        #expect(t.isEndOfGeneration(t.id(of: "<|im_end|>")!))
        #expect(t.isEndOfGeneration(t.id(of: "<|endoftext|>")!))
        #expect(!t.isEndOfGeneration(t.id(of: "<|im_start|>")!))
        #expect(!t.isEndOfGeneration(t.id(of: " the")!))
        #expect(t.decode([t.id(of: " the")!]) == " the")
    }

    @Test("Chat markers are ids with parseSpecial and text without", arguments: TestModel.allCases)
    func parseSpecial(model: TestModel) throws {
        let t = try model.tokenizer()
        let start = try #require(t.id(of: "<|im_start|>"))
        let text = "<|im_start|>user\nhi<|im_end|>\n"
        let parsed = t.encode(text)
        #expect(parsed.first == start && parsed.contains(t.id(of: "<|im_end|>")!))
        let plain = t.encode(text, parseSpecial: false)
        #expect(!plain.contains(start) && !plain.contains(where: t.isEndOfGeneration))
        #expect(t.decode(plain) == text)
        #expect(t.decode(parsed) == "user\nhi\n")
        #expect(t.decode(parsed, special: true) == text)
    }

    @Test("Qwen's user-defined <tool_call> is a token even without parseSpecial")
    func userDefinedToolCall() throws {
        let t = try TestModel.qwenCoder.tokenizer()
        #expect(t.tokenType(151657) == .userDefined)
        #expect(t.encode("<tool_call>", parseSpecial: false) == [151657])
        #expect(t.encode("a<tool_call>{}</tool_call>", parseSpecial: false).filter { $0 >= 151643 } == [151657, 151658])
    }

    static let code = String(repeating: """
        func fibonacci(_ n: Int) -> Int {
            // Naïve recursion: O(2ⁿ), fine for n ≤ 30.
            guard n > 1 else { return n }
            return fibonacci(n - 1) + fibonacci(n - 2)
        }
        let values = (0..<20).map(fibonacci)\t// 0, 1, 1, 2, 3, 5…
        print("Σ =", values.reduce(0, +), "✓")

        """, count: 8).prefix(2048)

    @Test("2 KB of code with Unicode, tabs and newlines round-trips", arguments: TestModel.allCases)
    func codeRoundTrip(model: TestModel) throws {
        let t = try model.tokenizer()
        let text = String(Self.code)
        let ids = t.encode(text)
        #expect(ids.count > 100 && ids.count < text.utf8.count)
        #expect(t.decode(ids) == text)
    }
}
