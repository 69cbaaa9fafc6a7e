import Foundation
import GGUF
import Testing
@testable import Augur
@testable import augur

@Suite("augur generate")
struct GenerateCommandTests {
    /// A tiny random model (context 512), written once per process.
    static let model: Result<String, Error> = Result {
        let path = FileManager.default.temporaryDirectory.appending(path: "augur-cli-tiny-\(getpid()).gguf").path
        if !FileManager.default.fileExists(atPath: path) { try RandomModel().writer().write(to: path) }
        return path
    }

    static func command(_ arguments: [String]) throws -> Generate {
        try Generate.parse(["hello", "--model", try model.get()] + arguments)
    }

    @Test("--context past the model's context is an error, not ignored")
    func contextPastTheModels() throws {
        let generate = try Self.command(["--context", "100000", "--max-tokens", "2"])
        #expect(throws: ModelError.contextTooLong(requested: 100_000, limit: 512)) { try generate.generate(options: EngineOptions()) }
    }

    @Test("--context without room for the prompt and --max-tokens is an error")
    func contextTooSmall() throws {
        let generate = try Self.command(["--context", "8", "--max-tokens", "16"])
        #expect { try generate.generate(options: EngineOptions()) } throws: { error in
            guard case ModelError.contextTooLong(let requested, let limit) = error else { return false }
            return limit == 8 && requested > 16
        }
    }

    @Test("--context that holds the prompt and --max-tokens generates")
    func contextThatFits() throws {
        let stats = try Self.command(["--context", "32", "--max-tokens", "4", "--ignore-eos", "--json"]).generate(options: EngineOptions())
        #expect(stats.tokens.count == 4 && stats.stopReason == .maxTokens)
        #expect(throws: (any Error).self) { try Self.command(["--context", "0"]) }
    }

    @Test("--json reports a cancelled run as cancelled, and each other stop reason by its name")
    func stopReasons() throws {
        let model = try Model(path: try Self.model.get())
        let cancelled = CancellationFlag()
        cancelled.set()
        let stats = try model.runGeneration(model.tokenize("hello"), parameters: GenerationParameters(maxTokens: 8), cancelled: cancelled)
        #expect(stats.stopReason == .cancelled)
        #expect(try GenerationReport(stats).json().contains(#""stop_reason":"cancelled""#))
        for (reason, name) in [(StopReason.endOfGeneration, "eos"), (.maxTokens, "max_tokens"), (.cancelled, "cancelled")] {
            var other = stats
            other.stopReason = reason
            #expect(GenerationReport(other).stop_reason == name)
        }
    }

    @Test("--device overrides AUGUR_DEVICE, and a bad setting in the environment is an error")
    func deviceFlag() throws {
        #expect(try readEngineOptions(device: "2", environment: ["AUGUR_DEVICE": "1"]).kernels.device == "2")
        #expect(try readEngineOptions(environment: ["AUGUR_DEVICE": "1"]).kernels.device == "1")
        #expect(throws: ModelError.self) { try readEngineOptions(environment: ["AUGUR_NORM": "maybe"]) }
    }
}
