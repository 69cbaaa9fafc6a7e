import GGUF
import Kernels
import VulkanRuntime

/// Projections that read the same input, stacked by rows into one output row per token: a
/// layer's query, key and value ([n, (H + 2 Hkv) * hd]) or its gate and up ([n, 2 ff]). Members
/// stored as one tensor type share one matrix, so one dispatch computes them: on lavapipe a 128-row
/// key projection alone is one workgroup, on one of the two cores; on a GPU every dispatch costs
/// latency. A member's rows are computed exactly as in a matrix of their own, so stacking
/// changes no result.
public struct StackedProjection: @unchecked Sendable {
    /// Consecutive members stored as one tensor type (`WeightLayout.storage(for:on:)`): their
    /// matrix and bias, and where their rows start in the stacked output.
    public struct Part: @unchecked Sendable {
        public let matrix: WeightMatrix
        public let bias: GPUBuffer?
        public let firstRow: Int
    }

    public let parts: [Part]
    /// Rows of all members together: the output's floats per token.
    public let rows: Int

    /// Stacks `members` (name, rows) of one input width in order, one matrix per run of members
    /// stored as one tensor type. Biases are the members' `.bias` vectors (`biasName(of:)`); a part
    /// carries a bias when any of its members has one, zeros standing in for the others.
    init(_ members: [(name: String, rows: Int)], columns: Int, loader: TensorLoader) throws {
        var runs: [[(tensor: GGUFTensorInfo, rows: Int, name: String)]] = []
        for member in members {
            let tensor = try loader.info(member.name, [columns, member.rows])
            if let last = runs.last?.last, loader.storage(of: last.tensor) == loader.storage(of: tensor) {
                runs[runs.count - 1].append((tensor, member.rows, member.name))
            } else {
                runs.append([(tensor, member.rows, member.name)])
            }
        }
        var parts: [Part] = [], firstRow = 0
        for run in runs {
            let rows = run.reduce(0) { $0 + $1.rows }
            let matrix = try loader.matrix(stacking: run.map(\.tensor), rows: rows, columns: columns)
            let biases = try run.map { try loader.optionalValues(Self.biasName(of: $0.name), count: $0.rows) }
            let bias = biases.contains { $0 != nil }
                ? try loader.library.buffer(zip(run, biases).flatMap { $1 ?? [Float](repeating: 0, count: $0.rows) }) : nil
            parts.append(Part(matrix: matrix, bias: bias, firstRow: firstRow))
            firstRow += rows
        }
        self.parts = parts
        self.rows = firstRow
    }

    /// `blk.0.attn_q.weight` -> `blk.0.attn_q.bias`
    static func biasName(of weightName: String) -> String {
        (weightName.hasSuffix(".weight") ? String(weightName.dropLast(".weight".count)) : weightName) + ".bias"
    }

    /// Records out[t][firstRow + r] = W_part[r] input[t] (+ bias) for every part, the input
    /// RMS-normalised as it is read when `norm` is given.
    func encode(_ matVec: MatVec, sequence: CommandSequence, input: GPUBuffer, norm: MatVec.InputNorm? = nil,
                output: GPUBuffer, tokens: Int) throws {
        for part in parts {
            try matVec.encode(sequence, weights: part.matrix, input: input, output: output, outputOffset: part.firstRow,
                              outputStride: rows, columns: tokens, bias: part.bias, norm: norm)
        }
    }
}
