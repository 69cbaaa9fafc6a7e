import GGUF
import Kernels
import VulkanRuntime

/// A decoder-only transformer's hyperparameters, read from GGUF metadata (`<arch>.*` keys).
public struct ModelConfiguration: Sendable, Equatable {
    public var architecture: String
    public var layers: Int
    public var hidden: Int
    public var feedForward: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var vocabulary: Int
    public var contextLength: Int
    public var rmsEpsilon: Float
    public var ropeBase: Double
    public var ropeDimensions: Int
    /// Multiplies positions (linear RoPE scaling: 1 / factor).
    public var ropeFrequencyScale: Double

    public init(gguf: GGUFFile) throws {
        guard let arch = gguf.architecture else { throw ModelError.missingMetadata("general.architecture") }
        func int(_ key: String) throws -> Int {
            guard let value = gguf.int("\(arch).\(key)") else { throw ModelError.missingMetadata("\(arch).\(key)") }
            guard value > 0 else { throw ModelError.invalidMetadata("\(arch).\(key)", "\(value)") }
            return value
        }
        architecture = arch
        layers = try int("block_count")
        hidden = try int("embedding_length")
        feedForward = try int("feed_forward_length")
        heads = try int("attention.head_count")
        kvHeads = (try? int("attention.head_count_kv")) ?? heads
        headDim = (try? int("attention.key_length")) ?? hidden / heads
        contextLength = (try? int("context_length")) ?? 2048
        rmsEpsilon = Float(gguf.float("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5)
        ropeBase = gguf.float("\(arch).rope.freq_base") ?? 10_000
        ropeDimensions = (try? int("rope.dimension_count")) ?? headDim
        let scaling = gguf.string("\(arch).rope.scaling.type") ?? "none"
        switch scaling {
        case "none": ropeFrequencyScale = 1
        case "linear": ropeFrequencyScale = 1 / (gguf.float("\(arch).rope.scaling.factor") ?? 1)
        default: throw ModelError.unsupported("RoPE scaling \(scaling)")
        }
        vocabulary = gguf.metadata["tokenizer.ggml.tokens"]?.strings?.count
            ?? gguf.tensor(named: "token_embd.weight")?.rows ?? 0
        guard heads % kvHeads == 0, headDim % 2 == 0, ropeDimensions <= headDim, vocabulary > 0 else {
            throw ModelError.invalidMetadata(arch, "heads \(heads), kv heads \(kvHeads), head dim \(headDim), vocabulary \(vocabulary)")
        }
        // NaN, infinite, zero or negative values load without complaint but make every output NaN.
        for (key, value) in [("attention.layer_norm_rms_epsilon", Double(rmsEpsilon)), ("rope.freq_base", ropeBase),
                             ("rope.scaling.factor", 1 / ropeFrequencyScale)] where !(value.isFinite && value > 0) {
            throw ModelError.invalidMetadata("\(arch).\(key)", "\(value) (it must be a positive finite number)")
        }
    }
}

/// Errors of model loading and running.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case missingMetadata(String)
    case invalidMetadata(String, String)
    case unsupportedArchitecture(String, supported: [String])
    case unsupported(String)
    case missingTensor(String)
    case tensorShape(String, expected: [Int], found: [Int])
    case unsupportedTensorType(String, TensorType)
    case contextTooLong(requested: Int, limit: Int)
    case emptyPrompt
    case invalidToken(Int, vocabulary: Int)
    case incompatibleDraft(String)
    case invalidTree(String)
    case invalidExitLayer(Int, layers: Int)
    /// A setting (`EngineOptions`) that cannot be read: its name, its value and why.
    case invalidOption(name: String, value: String, reason: String)
    /// A kernel, or the Vulkan runtime under it, failed.
    case kernels(KernelError)

    public var description: String {
        switch self {
        case .missingMetadata(let key): return "the model file lacks the metadata key \(key)"
        case .invalidMetadata(let key, let value): return "the model file has an invalid \(key): \(value)"
        case .unsupportedArchitecture(let arch, let supported): return "unsupported architecture \(arch); Augur runs \(supported.joined(separator: ", "))"
        case .unsupported(let what): return "unsupported: \(what)"
        case .invalidTree(let why): return "invalid token tree: \(why)"
        case .missingTensor(let name): return "the model file lacks the tensor \(name)"
        case .tensorShape(let name, let expected, let found): return "tensor \(name) has shape \(found), expected \(expected)"
        case .unsupportedTensorType(let name, let type): return "tensor \(name) has type \(type), which Augur's kernels do not support"
        case .contextTooLong(let requested, let limit): return "\(requested) tokens do not fit the context of \(limit) tokens"
        case .emptyPrompt: return "the prompt is empty"
        case .invalidToken(let id, let vocabulary): return "token id \(id) is outside the vocabulary of \(vocabulary)"
        case .incompatibleDraft(let why): return "the draft model cannot draft for the target: \(why)"
        case .invalidExitLayer(let layer, let layers): return "exit layer \(layer) is out of range: the model has \(layers) layers, so 1...\(layers - 1)"
        case .invalidOption(let name, let value, let reason): return "\(name)=\(value): \(reason)"
        case .kernels(let error): return error.description
        }
    }
}

extension ModelError {
    /// Runs `body`, reporting a kernel's or the Vulkan runtime's failure as `.kernels`, so callers
    /// of the library see its own error types.
    static func wrapping<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as KernelError {
            throw ModelError.kernels(error)
        } catch let error as VulkanError {
            throw ModelError.kernels(.device(error))
        }
    }
}
