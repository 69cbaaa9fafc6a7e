import GGUF
import Kernels
import VulkanRuntime

/// One transformer block's weights on the device.
public struct LayerWeights: @unchecked Sendable {
    public var attentionNorm: GPUBuffer
    /// Query, key and value projections stacked: [H * hd | Hkv * hd | Hkv * hd] rows.
    public var queryKeyValue: StackedProjection
    /// Whether the query, key and value projections all carry biases (qwen2's do).
    public var attentionBiases: Bool
    public var output: WeightMatrix
    public var feedForwardNorm: GPUBuffer
    /// Gate and up projections stacked: [ff | ff] rows.
    public var gateUp: StackedProjection
    public var down: WeightMatrix
}

/// A model's weights, uploaded once in Augur's layout; norms and biases as f32.
public struct ModelWeights: @unchecked Sendable {
    public var embedding: WeightMatrix
    public var layers: [LayerWeights]
    public var outputNorm: GPUBuffer
    /// The output head; the embedding table when the model ties them.
    public var output: WeightMatrix

    init(gguf: GGUFFile, configuration c: ModelConfiguration, encoding: WeightEncoding,
                progress: (Int, Int) -> Void = { _, _ in }) throws {
        let loader = TensorLoader(gguf: gguf, encoding: encoding)
        let qWidth = c.heads * c.headDim, kvWidth = c.kvHeads * c.headDim
        embedding = try loader.matrix("token_embd.weight", rows: c.vocabulary, columns: c.hidden)
        var layers: [LayerWeights] = []
        for l in 0..<c.layers {
            progress(l, c.layers)
            let p = "blk.\(l)."
            let projections = ["attn_q", "attn_k", "attn_v"].map { p + $0 }
            layers.append(LayerWeights(
                attentionNorm: try loader.vector(p + "attn_norm.weight", count: c.hidden),
                queryKeyValue: try StackedProjection(zip(projections, [qWidth, kvWidth, kvWidth]).map { ($0 + ".weight", $1) },
                                                     columns: c.hidden, loader: loader),
                attentionBiases: projections.allSatisfy { gguf.tensor(named: $0 + ".bias") != nil },
                output: try loader.matrix(p + "attn_output.weight", rows: c.hidden, columns: qWidth),
                feedForwardNorm: try loader.vector(p + "ffn_norm.weight", count: c.hidden),
                gateUp: try StackedProjection([(p + "ffn_gate.weight", c.feedForward), (p + "ffn_up.weight", c.feedForward)],
                                              columns: c.hidden, loader: loader),
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
    let encoding: WeightEncoding
    var library: KernelLibrary { encoding.library }

    func info(_ name: String, _ shape: [Int]) throws -> GGUFTensorInfo {
        guard let tensor = gguf.tensor(named: name) else { throw ModelError.missingTensor(name) }
        guard tensor.dimensions == shape else { throw ModelError.tensorShape(name, expected: shape, found: tensor.dimensions) }
        return tensor
    }

    func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
        try matrix(stacking: [info(name, [columns, rows])], rows: rows, columns: columns)
    }

    /// The type a tensor is stored as on this device.
    func storage(of tensor: GGUFTensorInfo) -> TensorType {
        encoding.storage(of: tensor.type)
    }

    /// Tensors of one width and one storage type stacked by rows into one matrix. GGUF rows are
    /// whole blocks, so stacking concatenates the rows of each member encoded as the storage type
    /// (`WeightEncoding`).
    func matrix(stacking tensors: [GGUFTensorInfo], rows: Int, columns: Int) throws -> WeightMatrix {
        for tensor in tensors where !WeightLayout.supportedTypes.contains(tensor.type) {
            throw ModelError.unsupportedTensorType(tensor.name, tensor.type)
        }
        let type = tensors[0].type
        if tensors.count == 1 { return try encoding.matrix(gguf.data(of: tensors[0]), type: type, rows: rows, columns: columns) }
        if tensors.allSatisfy({ $0.type == type }) {
            let bytes = tensors.flatMap { gguf.data(of: $0) }
            return try bytes.withUnsafeBytes { try encoding.matrix($0, type: type, rows: rows, columns: columns) }
        }
        let stored = storage(of: tensors[0])
        var bytes: [UInt8] = []
        for tensor in tensors {
            guard storage(of: tensor) == stored else { throw ModelError.unsupportedTensorType(tensor.name, tensor.type) }
            bytes += try encoding.encode(gguf.data(of: tensor), type: tensor.type, rows: tensor.dimensions[1], columns: columns)
        }
        return try WeightMatrix.upload(library: library, type: stored, rows: rows, columns: columns, gguf: bytes)
    }

    func vector(_ name: String, count: Int) throws -> GPUBuffer {
        try library.buffer(values(name, count: count))
    }

    func values(_ name: String, count: Int) throws -> [Float] {
        let tensor = try info(name, [count])
        return try Dequantize.row(tensor.type, from: gguf.data(of: tensor), elements: count)
    }

    func optionalValues(_ name: String, count: Int) throws -> [Float]? {
        gguf.tensor(named: name) == nil ? nil : try values(name, count: count)
    }
}
