import Foundation
import GGUF
import Kernels
import Tokenizer
import VulkanRuntime

/// A loaded model: its file, hyperparameters, tokenizer and weights on the device.
public final class Model: @unchecked Sendable {
    public let configuration: ModelConfiguration
    public let tokenizer: Tokenizer
    public let path: String
    public let file: GGUFFile
    /// Seconds from opening the file to weights resident on the device.
    public let loadSeconds: Double
    let weights: ModelWeights
    let architecture: any Architecture.Type
    let kernels: KernelSet

    /// Opens a GGUF file, builds its tokenizer and uploads its weights.
    /// `progress` receives (layers done, layers) while weights upload.
    public init(path: String, library: KernelLibrary? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws {
        let start = Date()
        guard FileManager.default.fileExists(atPath: path) else { throw ModelStoreError.fileNotFound(path) }
        file = try GGUFFile(path: path)
        self.path = path
        let configuration = try ModelConfiguration(gguf: file)
        self.configuration = configuration
        architecture = try Architectures.named(configuration.architecture)
        tokenizer = try Tokenizer(TokenizerConfiguration(gguf: file))
        let library = try library ?? KernelLibrary.shared()
        kernels = try KernelSet(library: library, ropeLayout: architecture.ropeLayout)
        weights = try ModelWeights(gguf: file, configuration: configuration, library: library, progress: progress)
        loadSeconds = Date().timeIntervalSince(start)
    }

    /// A fresh context (its own KV cache) of `context` tokens, evaluating up to `batch` tokens per pass.
    public func makeSession(context: Int? = nil, batch: Int = 64) throws -> InferenceSession {
        try InferenceSession(model: self, context: min(context ?? 4096, configuration.contextLength), batch: batch)
    }
}
