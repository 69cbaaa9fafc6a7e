import Foundation
import Testing
import Tokenizer

/// Token ids and pieces against llama.cpp's (golden data made with llama.cpp c392e50).
@Suite("Golden ids from llama.cpp")
struct GoldenTests {
    @Test("Every golden string encodes to llama.cpp's ids", arguments: TestModel.allCases)
    func goldenStrings(model: TestModel) throws {
        let golden = try loadGolden("tokenizer.json", as: TokenizerGolden.self)
        let tokenizer = try model.tokenizer()
        let entries = try #require(golden.models[model.tokenizerGoldenKey])
        #expect(entries.count == 12)
        var matched = 0
        for entry in entries {
            let ids = tokenizer.encode(entry.text, addSpecial: true, parseSpecial: true)
            #expect(ids == entry.ids, "\(model.rawValue): \(entry.text.debugDescription)")
            if ids == entry.ids { matched += 1 }
        }
        print("\(model.rawValue): \(matched)/\(entries.count) golden strings match llama.cpp")
    }

    @Test("Every golden prompt (raw and chat) encodes to llama.cpp's ids", arguments: TestModel.allCases)
    func goldenPrompts(model: TestModel) throws {
        let golden = try loadGolden(model.goldenFile, as: ModelGolden.self)
        let tokenizer = try model.tokenizer()
        #expect(tokenizer.vocabularySize == golden.n_vocab)
        #expect(tokenizer.addsBOS == golden.add_bos)
        var matched = 0
        for c in golden.cases {
            let ids = tokenizer.encode(c.formatted_prompt)
            #expect(ids == c.prompt_ids, "\(model.rawValue) case \(c.name)")
            if ids == c.prompt_ids { matched += 1 }
            #expect(c.prompt_ids.map { String(decoding: tokenizer.piece($0), as: UTF8.self) } == c.prompt_pieces)
        }
        print("\(model.rawValue): \(matched)/\(golden.cases.count) golden prompts match llama.cpp")
    }

    @Test("Decoding reproduces every golden string and prompt", arguments: TestModel.allCases)
    func roundTrip(model: TestModel) throws {
        let strings = try loadGolden("tokenizer.json", as: TokenizerGolden.self)
        let prompts = try loadGolden(model.goldenFile, as: ModelGolden.self)
        let tokenizer = try model.tokenizer()
        let texts = (strings.models[model.tokenizerGoldenKey] ?? []).map(\.text) + prompts.cases.map(\.formatted_prompt)
        for text in texts {
            #expect(tokenizer.decode(tokenizer.encode(text), special: true) == text)
        }
    }

    @Test("Pieces of generated tokens are llama.cpp's bytes", arguments: TestModel.allCases)
    func generatedPieces(model: TestModel) throws {
        let golden = try loadGolden(model.goldenFile, as: ModelGolden.self)
        let tokenizer = try model.tokenizer()
        for c in golden.cases {
            #expect(c.output_ids.map { tokenizer.piece($0).hex } == c.output_pieces_hex, "case \(c.name)")
            #expect(tokenizer.decode(c.output_ids, special: true) == c.output_text, "case \(c.name)")
            var stream = tokenizer.streamingDecoder(special: true)
            let streamed = stream.append(contentsOf: c.output_ids) + stream.flush()
            #expect(streamed == c.output_text, "case \(c.name)")
        }
    }

    @Test("Generation stops exactly where llama.cpp's end-of-generation test stopped", arguments: TestModel.allCases)
    func endOfGeneration(model: TestModel) throws {
        let golden = try loadGolden(model.goldenFile, as: ModelGolden.self)
        let tokenizer = try model.tokenizer()
        for c in golden.cases {
            let stop = c.output_ids.firstIndex(where: tokenizer.isEndOfGeneration)
            #expect(stop == (c.stopped_at_eog ? c.output_ids.count - 1 : nil), "case \(c.name)")
        }
    }
}
