import Foundation
import GGUF
import Testing
import Tokenizer

/// Whether the tests run in CI, where missing models and golden data are failures.
let runningInCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// Records an issue in CI; elsewhere prints a note (the caller then returns early).
func skipOrFail(_ message: String) {
    if runningInCI {
        Issue.record(Comment(rawValue: message))
    } else {
        print("note: \(message); skipping")
    }
}

/// The reference folder `../shared/reference/golden` beside the package root.
let goldenDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared/reference/golden").standardizedFileURL

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

func loadGolden<T: Decodable>(_ file: String, as type: T.Type) -> T? {
    let url = goldenDirectory.appendingPathComponent(file)
    guard let data = try? Data(contentsOf: url) else {
        skipOrFail("golden data missing: \(url.path)")
        return nil
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch {
        Issue.record("cannot decode \(url.path): \(error)")
        return nil
    }
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

    var path: String {
        let env = ProcessInfo.processInfo.environment
        let directory = env["AUGUR_MODELS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/augur/models").path
        return (directory as NSString).appendingPathComponent(fileName)
    }

    /// The tokenizer read from the model's GGUF file (built once, shared by all tests),
    /// or nil after recording a failure in CI / printing a note elsewhere.
    var tokenizer: Tokenizer? {
        switch self == .smolLM2 ? Self.smolLM2Tokenizer : Self.qwenCoderTokenizer {
        case let .success(tokenizer):
            return tokenizer
        case let .failure(failure):
            if failure.missing {
                skipOrFail(failure.message)
            } else {
                Issue.record(Comment(rawValue: failure.message))
            }
            return nil
        }
    }

    struct LoadFailure: Error {
        let message: String
        let missing: Bool
    }

    private static let smolLM2Tokenizer = TestModel.smolLM2.load()
    private static let qwenCoderTokenizer = TestModel.qwenCoder.load()

    private func load() -> Result<Tokenizer, LoadFailure> {
        guard FileManager.default.fileExists(atPath: path) else {
            return .failure(LoadFailure(message: "model missing: run Tools/fetch-models.sh (\(path))", missing: true))
        }
        do {
            let file = try GGUFFile(path: path)
            return .success(try Tokenizer(TokenizerConfiguration(gguf: file)))
        } catch {
            return .failure(LoadFailure(message: "cannot build the tokenizer of \(path): \(error)", missing: false))
        }
    }
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
