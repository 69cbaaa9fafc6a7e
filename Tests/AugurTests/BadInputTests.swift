import Foundation
import GGUF
import Testing
import Augur

@Suite("Bad input gets a clear error")
struct BadInputTests {
    static func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("An empty prompt, a prompt longer than the context and a token outside the vocabulary are errors")
    func prompts() throws {
        let model = try Model(path: try TinyModels.path())
        #expect(Self.message { _ = try model.runGeneration([], parameters: GenerationParameters()) { _ in } } == "the prompt is empty")
        let long = Array(repeating: 97, count: 600)
        #expect(Self.message { _ = try model.runGeneration(long, parameters: GenerationParameters()) { _ in } }.contains("do not fit the context"))
        let session = try model.makeSession(context: 16)
        #expect(Self.message { try session.evaluate(Array(repeating: 97, count: 17)) }.contains("do not fit the context of 16"))
        #expect(Self.message { try session.evaluate([100_000]) }.contains("outside the vocabulary"))
    }

    @Test("A context longer than the model's, or larger than device memory allows, is an error")
    func contexts() throws {
        let model = try Model(path: try TinyModels.path())
        #expect(Self.message { _ = try model.makeSession(context: 100_000) }.contains("context of 512"))
        var huge = RandomModel()
        huge.contextLength = 1 << 30
        let big = try Model(path: try TinyModels.path(huge, name: "huge-context"))
        #expect(Self.message { _ = try big.makeSession(context: 1 << 29) }.contains("Out of device memory"))
    }

    @Test("Missing files, files that are not GGUF, unknown architectures and unsupported tensor types are errors")
    func files() throws {
        #expect(Self.message { _ = try Model(path: "/no/such/model.gguf") } == "model file not found: /no/such/model.gguf")
        let text = FileManager.default.temporaryDirectory.appending(path: "augur-not-gguf.txt")
        try Data("hello, this is not a model".utf8).write(to: text)
        #expect(Self.message { _ = try Model(path: text.path) }.lowercased().contains("not a gguf"))
        var other = RandomModel()
        other.architecture = "gptj"
        #expect(Self.message { _ = try Model(path: try TinyModels.path(other, name: "arch")) }.contains("unsupported architecture gptj"))
        var q2 = RandomModel()
        q2.weightType = .q2_K
        q2.hidden = 256
        q2.feedForward = 512
        #expect(Self.message { _ = try Model(path: try TinyModels.path(q2, name: "q2k")) }.contains("which Augur's kernels do not support"))
        #expect(Self.message { _ = try ModelStore().resolve("no-such-model") }.contains("unknown model no-such-model"))
    }

    @Test("A NaN, infinite, zero or negative RMS epsilon, RoPE base or RoPE scaling factor is refused at load",
          arguments: ["attention.layer_norm_rms_epsilon", "rope.freq_base", "rope.scaling.factor"], [Float.nan, .infinity, 0, -1])
    func hyperparameters(key: String, value: Float) throws {
        var writer = try RandomModel().writer()
        if key == "rope.scaling.factor" { writer.set("llama.rope.scaling.type", .string("linear")) }
        writer.set("llama.\(key)", .float32(value))
        let path = FileManager.default.temporaryDirectory.appending(path: "augur-bad-\(key)-\(value)-\(getpid()).gguf").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { _ = try Model(path: path) } throws: { error in
            guard case ModelError.invalidMetadata(let name, _) = error else { return false }
            return name == "llama.\(key)" && "\(error)".contains("must be a positive finite number")
        }
    }

    @Test("Invalid UTF-8 input and bad sampling parameters are errors")
    func parameters() throws {
        #expect(Self.message { _ = try Prompt.decode(Data([0x66, 0xFF, 0xFE])) } == "the input is not valid UTF-8")
        #expect(try Prompt.decode(Data("héllo".utf8)) == "héllo")
        let model = try Model(path: try TinyModels.path())
        var parameters = GenerationParameters()
        parameters.sampling.topP = 0
        #expect(Self.message { _ = try model.runGeneration([97], parameters: parameters) { _ in } }.contains("top-p"))
    }
}
