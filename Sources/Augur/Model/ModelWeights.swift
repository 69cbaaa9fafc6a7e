import GGUF
import Kernels
import VulkanRuntime

/// One transformer block's weights on the device.
public struct LayerWeights: @unchecked Sendable {
    public var attentionNorm: GPUBuffer
    public var query: WeightMatrix, key: WeightMatrix, value: WeightMatrix, output: WeightMatrix
    public var queryBias: GPUBuffer?, keyBias: GPUBuffer?, valueBias: GPUBuffer?
    public var feedForwardNorm: GPUBuffer
    public var gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix
}

/// A model's weights, uploaded once in Augur's layout; norms and biases as f32.
public struct ModelWeights: @unchecked Sendable {
    public var embedding: WeightMatrix
    public var layers: [LayerWeights]
    public var outputNorm: GPUBuffer
    /// The output head; the embedding table when the model ties them.
    public var output: WeightMatrix

    public init(gguf: GGUFFile, configuration c: ModelConfiguration, library: KernelLibrary,
                progress: (Int, Int) -> Void = { _, _ in }) throws {
        let loader = TensorLoader(gguf: gguf, library: library)
        let qWidth = c.heads * c.headDim, kvWidth = c.kvHeads * c.headDim
        embedding = try loader.matrix("token_embd.weight", rows: c.vocabulary, columns: c.hidden)
        var layers: [LayerWeights] = []
        for l in 0..<c.layers {
            progress(l, c.layers)
            let p = "blk.\(l)."
            layers.append(LayerWeights(
                attentionNorm: try loader.vector(p + "attn_norm.weight", count: c.hidden),
                query: try loader.matrix(p + "attn_q.weight", rows: qWidth, columns: c.hidden),
                key: try loader.matrix(p + "attn_k.weight", rows: kvWidth, columns: c.hidden),
                value: try loader.matrix(p + "attn_v.weight", rows: kvWidth, columns: c.hidden),
                output: try loader.matrix(p + "attn_output.weight", rows: c.hidden, columns: qWidth),
                queryBias: try loader.optionalVector(p + "attn_q.bias", count: qWidth),
                keyBias: try loader.optionalVector(p + "attn_k.bias", count: kvWidth),
                valueBias: try loader.optionalVector(p + "attn_v.bias", count: kvWidth),
                feedForwardNorm: try loader.vector(p + "ffn_norm.weight", count: c.hidden),
                gate: try loader.matrix(p + "ffn_gate.weight", rows: c.feedForward, columns: c.hidden),
                up: try loader.matrix(p + "ffn_up.weight", rows: c.feedForward, columns: c.hidden),
                down: try loader.matrix(p + "ffn_down.weight", rows: c.hidden, columns: c.feedForward)))
        }
        self.layers = layers
        outputNorm = try loader.vector("output_norm.weight", count: c.hidden)
        output = gguf.tensor(named: "output.weight") == nil
            ? embedding : try loader.matrix("output.weight", rows: c.vocabulary, columns: c.hidden)
        progress(c.layers, c.layers)
    }
}

/// Reads tensors by name, checks their shapes and types, and uploads them.
struct TensorLoader {
    let gguf: GGUFFile
    let library: KernelLibrary

    func info(_ name: String, _ shape: [Int]) throws -> GGUFTensorInfo {
        guard let tensor = gguf.tensor(named: name) else { throw ModelError.missingTensor(name) }
        guard tensor.dimensions == shape else { throw ModelError.tensorShape(name, expected: shape, found: tensor.dimensions) }
        return tensor
    }

    func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
        let tensor = try info(name, [columns, rows])
        guard WeightLayout.supportedTypes.contains(tensor.type) else { throw ModelError.unsupportedTensorType(name, tensor.type) }
        return try WeightMatrix(library: library, type: tensor.type, rows: rows, columns: columns, gguf: gguf.data(of: tensor),
                                storedAs: WeightLayout.storage(for: tensor.type, on: library.device.capabilities))
    }

    func vector(_ name: String, count: Int) throws -> GPUBuffer {
        let tensor = try info(name, [count])
        let values = try Dequantize.row(tensor.type, from: gguf.data(of: tensor), elements: count)
        return try library.buffer(values)
    }

    func optionalVector(_ name: String, count: Int) throws -> GPUBuffer? {
        gguf.tensor(named: name) == nil ? nil : try vector(name, count: count)
    }
}
