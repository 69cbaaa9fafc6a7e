import Foundation
import GGUF
import TestSupport
import Testing
import Tokenizer

/// The golden token ids of `tokenizer.json` (llama-tokenize, add_special and parse_special).
struct TokenizerGolden: Decodable {
    struct Entry: Decodable {
        let text: String
        let ids: [Int]
    }
    let models: [String: [Entry]]
}

/// A model's golden file: prompts with their ids, and generated ids with their pieces.
struct ModelGolden: Decodable {
    struct Case: Decodable {
        let name: String
        let formatted_prompt: String
        let prompt_ids: [Int]
        let prompt_pieces: [String]
        let output_ids: [Int]
        let output_pieces_hex: [String]
        let output_text: String
        let stopped_at_eog: Bool
        let output_ids_ignore_eog: [Int]
    }
    let model_file: String
    let n_vocab: Int
    let add_bos: Bool
    let cases: [Case]
}

func loadGolden<T: Decodable>(_ file: String, as type: T.Type, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try GoldenData.load(file, as: type, sourceLocation: sourceLocation)
}

/// The two real models whose vocabularies the golden data was made with.
enum TestModel: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case smolLM2 = "SmolLM2-135M-Instruct.Q4_1"
    case qwenCoder = "qwen2.5-coder-0.5b-instruct-q4_k_m"

    var testDescription: String { rawValue }
    var fileName: String { rawValue + ".gguf" }
    var goldenFile: String { rawValue + ".json" }
    /// The model's key in `tokenizer.json`.
    var tokenizerGoldenKey: String { self == .smolLM2 ? "smollm2-135m" : "qwen2.5-coder-0.5b" }

    /// The tokenizer read from the model's GGUF file (built once, shared by all tests). A missing
    /// model skips the test (fails it under CI); a file that does not give a tokenizer fails it.
    func tokenizer(sourceLocation: SourceLocation = #_sourceLocation) throws -> Tokenizer {
        let path = try TestModelFiles.path(fileName, sourceLocation: sourceLocation)
        switch self == .smolLM2 ? Self.smolLM2Tokenizer : Self.qwenCoderTokenizer {
        case let .success(tokenizer): return tokenizer
        case let .failure(failure): throw failure
        case nil: throw LoadFailure(message: "\(path) appeared after the first test looked for it")
        }
    }

    struct LoadFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private static let smolLM2Tokenizer = TestModel.smolLM2.load()
    private static let qwenCoderTokenizer = TestModel.qwenCoder.load()

    /// nil when the file is absent.
    private func load() -> Result<Tokenizer, LoadFailure>? {
        let path = (TestModelFiles.directory as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let file = try GGUFFile(path: path)
            return .success(try Tokenizer(TokenizerConfiguration(gguf: file)))
        } catch {
            return .failure(LoadFailure(message: "cannot build the tokenizer of \(path): \(error)"))
        }
    }
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
