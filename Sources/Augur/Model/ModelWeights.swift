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

    public init(gguf: GGUFFile, configuration c: ModelConfiguration, library: KernelLibrary,
                progress: (Int, Int) -> Void = { _, _ in }) throws {
        let loader = TensorLoader(gguf: gguf, library: library)
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
    let library: KernelLibrary

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
        WeightLayout.storage(for: tensor.type, on: library.device.capabilities)
    }

    /// Tensors of one width and one storage type stacked by rows into one matrix. GGUF rows are
    /// whole blocks, so stacking concatenates bytes; members of another GGUF type are widened to
    /// the storage type first (exactly, `Widening`).
    func matrix(stacking tensors: [GGUFTensorInfo], rows: Int, columns: Int) throws -> WeightMatrix {
        for tensor in tensors where !WeightLayout.supportedTypes.contains(tensor.type) {
            throw ModelError.unsupportedTensorType(tensor.name, tensor.type)
        }
        let type = tensors[0].type, stored = storage(of: tensors[0])
        guard tensors.count > 1 else {
            return try WeightMatrix(library: library, type: type, rows: rows, columns: columns, gguf: gguf.data(of: tensors[0]),
                                    storedAs: stored)
        }
        let mixed = tensors.contains { $0.type != type }
        var bytes: [UInt8] = []
        for tensor in tensors {
            switch (mixed && tensor.type != stored, tensor.type, stored) {
            case (false, _, _): bytes += gguf.data(of: tensor)
            case (true, .q5_0, .q8_0): bytes += try Widening.q8_0(fromQ5_0: gguf.data(of: tensor))
            default: throw ModelError.unsupportedTensorType(tensor.name, tensor.type)
            }
        }
        return try WeightMatrix.upload(library: library, type: mixed ? stored : type, rows: rows, columns: columns, gguf: bytes,
                                       storedAs: stored)
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
