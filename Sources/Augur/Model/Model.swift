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
    /// What routing among combined drafters learned on earlier requests to this target.
    public let routingMemory = RoutingMemory()

    /// How the weights were encoded on the device.
    let encoding: WeightEncoding
    /// The narrower type the weights were requantized to at load, if any.
    public var requantization: WeightRequantization? { encoding.requantization }

    /// Opens a GGUF file, builds its tokenizer and uploads its weights, requantized to
    /// `requantization` if given (for draft models). `progress` receives (layers done, layers)
    /// while weights upload.
    public convenience init(path: String, library: KernelLibrary? = nil, requantization: WeightRequantization? = nil,
                            progress: (Int, Int) -> Void = { _, _ in }) throws {
        try self.init(path: path, library: library, requantization: requantization, fusesNorm: nil, progress: progress)
    }

    /// `fusesNorm` and `fusesSwiGLU` override `KernelSet`'s choices (tests run both ways on any device).
    init(path: String, library: KernelLibrary? = nil, requantization: WeightRequantization? = nil, fusesNorm: Bool?,
         fusesSwiGLU: Bool? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws {
        let start = Date()
        guard FileManager.default.fileExists(atPath: path) else { throw ModelStoreError.fileNotFound(path) }
        file = try GGUFFile(path: path)
        self.path = path
        let configuration = try ModelConfiguration(gguf: file)
        self.configuration = configuration
        architecture = try Architectures.named(configuration.architecture)
        tokenizer = try Tokenizer(TokenizerConfiguration(gguf: file))
        let library = try library ?? KernelLibrary.shared()
        kernels = try KernelSet(library: library, ropeLayout: architecture.ropeLayout, fusesNorm: fusesNorm, fusesSwiGLU: fusesSwiGLU)
        encoding = WeightEncoding(library: library, requantization: requantization)
        weights = try ModelWeights(gguf: file, configuration: configuration, encoding: encoding, progress: progress)
        loadSeconds = Date().timeIntervalSince(start)
    }

    /// A fresh context (its own KV cache) of `context` tokens, evaluating up to `batch` tokens per pass.
    /// The default context is 4,096 tokens or the model's own, whichever is smaller; asking for
    /// more than the model's is an error.
    public func makeSession(context: Int? = nil, batch: Int = 64) throws -> InferenceSession {
        if let context, context > configuration.contextLength {
            throw ModelError.contextTooLong(requested: context, limit: configuration.contextLength)
        }
        return try InferenceSession(model: self, context: context ?? min(4096, configuration.contextLength), batch: batch)
    }

    /// Creates ahead of use every matvec pipeline that batches of up to `batch` tokens need: one per
    /// weight type, form (normalised input with or without bias, residual) and pass size. A CPU device compiles a pipeline
    /// to machine code when it is created, and speculative rounds vary their batch size, so without
    /// this a benchmark's first rounds pay for compilation. Generation creates them lazily.
    public func prepareKernels(batch: Int) throws {
        struct Variant: Hashable { let type: TensorType, accumulate: Bool, bias: Bool, norm: Bool, gated: Bool }
        let normed = kernels.fusesNorm
        var variants: Set<Variant> = [Variant(type: weights.output.type, accumulate: false, bias: false, norm: normed, gated: false)]
        for layer in weights.layers {
            for part in layer.queryKeyValue.parts + layer.gateUp.parts {
                variants.insert(Variant(type: part.matrix.type, accumulate: false, bias: part.bias != nil, norm: normed, gated: false))
            }
            variants.insert(Variant(type: layer.output.type, accumulate: true, bias: false, norm: false, gated: false))
            variants.insert(Variant(type: layer.down.type, accumulate: true, bias: false, norm: false, gated: kernels.fusesSwiGLU))
        }
        for v in variants {
            try kernels.matVec.prepare(v.type, columns: batch, accumulate: v.accumulate, bias: v.bias, norm: v.norm, gated: v.gated)
        }
    }

    /// Pipelines created so far on this model's device (shared with every model on the same library).
    var pipelinesCreated: Int { kernels.library.pipelines.statistics.pipelinesCreated }

    /// A summary for `augur info`: architecture, sizes, tensor types, context, chat template.
    public var summary: String {
        let c = configuration
        var types: [String: Int] = [:]
        for tensor in file.tensors { types[tensor.type.name, default: 0] += 1 }
        let typeList = types.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let bytes = file.tensors.reduce(0) { $0 + $1.byteCount }
        return """
            model: \(file.string("general.name") ?? URL(fileURLWithPath: path).lastPathComponent)
              architecture: \(c.architecture), \(c.layers) layers, hidden \(c.hidden), feed-forward \(c.feedForward)
              heads: \(c.heads) query, \(c.kvHeads) key/value, head dimension \(c.headDim)
              vocabulary: \(c.vocabulary) tokens (pre-tokenizer \(tokenizer.preTokenizerName)), context length \(c.contextLength)
              RoPE base \(c.ropeBase), RMS epsilon \(c.rmsEpsilon)
              tensors: \(file.tensors.count) (\(typeList)), \(bytes / 1_048_576) MiB
              chat template: \(file.string("tokenizer.chat_template") == nil ? "absent" : ((try? ChatTemplate(template: file.string("tokenizer.chat_template"))) != nil ? "present (ChatML)" : "present (unsupported)"))
            """
    }
}

extension Model {
    /// Just the tokenizer of a GGUF file, without loading weights.
    public static func tokenizer(path: String) throws -> Tokenizer {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelStoreError.fileNotFound(path) }
        return try Tokenizer(TokenizerConfiguration(gguf: GGUFFile(path: path)))
    }
}
