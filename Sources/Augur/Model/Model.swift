import Foundation
import GGUF
import Kernels
import Synchronization
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
    /// Passes run by every session of this model so far (a way to see that generation stopped).
    public var passesRun: Int { passCount.load(ordering: .relaxed) }
    let passCount = Atomic<Int>(0)

    /// How the weights were encoded on the device.
    let encoding: WeightEncoding
    /// The narrower type the weights were requantized to at load, if any.
    public var requantization: WeightRequantization? { encoding.requantization }
    /// Where the requantized weights came from: a copy in the cache (`RequantizationCache`),
    /// and whether an earlier load wrote it. nil when not requantized or not cached.
    public let requantizedCopy: (path: String, reused: Bool)?

    /// Opens a GGUF file, builds its tokenizer and uploads its weights, requantized to
    /// `requantization` if given (for draft models; the requantized file is kept in
    /// `options.requantizationCacheDirectory`, so the next load reads it instead of requantizing
    /// again). `options` set the device, kernels and fused forms; `library`, if given, replaces
    /// the one `options.kernels` would choose. `progress` receives (layers done, layers) while
    /// weights upload.
    public convenience init(path: String, options: EngineOptions = EngineOptions(), library: KernelLibrary? = nil,
                            requantization: WeightRequantization? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws {
        try self.init(path: path, options: options, library: library, requantization: requantization,
                      cache: RequantizationCache(directory: options.requantizationCacheDirectory), progress: progress)
    }

    /// `cache` keeps requantized copies (tests pass their own).
    init(path: String, options: EngineOptions, library: KernelLibrary? = nil, requantization: WeightRequantization? = nil,
         cache: RequantizationCache, progress: (Int, Int) -> Void = { _, _ in }) throws {
        let start = Date()
        guard FileManager.default.fileExists(atPath: path) else { throw ModelStoreError.fileNotFound(path) }
        let source = try GGUFFile(path: path)
        self.path = path
        let configuration = try ModelConfiguration(gguf: source)
        self.configuration = configuration
        let architecture = try Architectures.named(configuration.architecture)
        self.architecture = architecture
        tokenizer = try Tokenizer(TokenizerConfiguration(gguf: source))
        let library = try ModelError.wrapping { try library ?? KernelLibrary.shared(options: options.kernels) }
        kernels = try ModelError.wrapping {
            try KernelSet(library: library, ropeLayout: architecture.ropeLayout, fusesNorm: options.fusesNorm, fusesSwiGLU: options.fusesSwiGLU)
        }
        let encoding = WeightEncoding(library: library, requantization: requantization)
        self.encoding = encoding
        let copy = cache.copy(of: source, encoding: encoding)
        let file = copy?.file ?? source
        self.file = file
        requantizedCopy = copy.map { ($0.path, $0.reused) }
        weights = try ModelError.wrapping {
            try ModelWeights(gguf: file, configuration: configuration, encoding: encoding, progress: progress)
        }
        loadSeconds = Date().timeIntervalSince(start)
    }

    /// A fresh context (its own KV cache) of `context` tokens, evaluating up to `batch` tokens per
    /// pass, computing `readout` of the output head. The default context is 4,096 tokens or the
    /// model's own, whichever is smaller; asking for more than the model's is an error.
    public func makeSession(context: Int? = nil, batch: Int = 64, readout: InferenceSession.Readout = .full) throws -> InferenceSession {
        if let context, context > configuration.contextLength {
            throw ModelError.contextTooLong(requested: context, limit: configuration.contextLength)
        }
        return try ModelError.wrapping {
            try InferenceSession(model: self, context: context ?? min(4096, configuration.contextLength), batch: batch, readout: readout)
        }
    }

    /// Creates ahead of use every matvec pipeline that batches of up to `batch` tokens need: one per
    /// weight type, form (normalised input with or without bias, residual, gated) and pass size. A CPU
    /// device compiles a pipeline to machine code when it is created, and speculative rounds vary
    /// their batch size, so without this a benchmark's first rounds pay for compilation.
    /// Generation creates them as passes first need them (`preparePass`).
    public func prepareKernels(batch: Int) throws {
        let (body, head) = matVecVariants
        try ModelError.wrapping { try kernels.matVec.prepare((1...max(batch, 1)).flatMap { n in (body + [head]).map { ($0, n) } }) }
    }

    /// Creates the matvec pipelines a pass of `tokens` tokens and `logitRows` rows of logits
    /// needs, several at once (`MatVec.prepare`), before the pass is recorded.
    func preparePass(tokens: Int, logitRows: Int) throws {
        let (body, head) = matVecVariants
        try ModelError.wrapping { try kernels.matVec.prepare(body.map { ($0, tokens) } + (logitRows > 0 ? [(head, logitRows)] : [])) }
    }

    /// The matvec forms of this model's passes: the layers' (per weight type: normalised input with
    /// or without bias, residual, gated) and the output head's.
    var matVecVariants: (body: [MatVec.Variant], head: MatVec.Variant) {
        let normed = kernels.fusesNorm
        var body: Set<MatVec.Variant> = []
        for layer in weights.layers {
            for part in layer.queryKeyValue.parts + layer.gateUp.parts {
                body.insert(MatVec.Variant(type: part.matrix.type, bias: part.bias != nil, norm: normed))
            }
            body.insert(MatVec.Variant(type: layer.output.type, accumulate: true))
            body.insert(MatVec.Variant(type: layer.down.type, accumulate: true, gated: kernels.fusesSwiGLU))
        }
        return (Array(body), MatVec.Variant(type: weights.output.type, norm: normed))
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
