import Foundation
import VulkanRuntime

/// Rotary position embedding (`Shaders/rope/rope.comp`), in place on [tokens][heads][headDim].
/// Positions are read from a buffer; cos and sin from a table made once per model.
public struct Rope: Sendable {
    public enum Layout: Sendable {
        /// Rotates pairs (2i, 2i+1): llama's GGUF layout.
        case normal
        /// Rotates pairs (i, i + dims/2): qwen2 and GPT-NeoX.
        case neox
    }

    /// cos/sin of position * base^(-2i/dims) * scale, computed in double precision.
    public struct Table: @unchecked Sendable {
        public let buffer: GPUBuffer
        public let rotatedDims: Int
        public let maxPositions: Int

        public init(library: KernelLibrary, rotatedDims: Int, maxPositions: Int, base: Double, frequencyScale: Double = 1) throws {
            guard rotatedDims > 0, rotatedDims % 2 == 0, maxPositions > 0 else {
                throw KernelError.invalidArgument("rope table needs even rotated dims and positions, got \(rotatedDims), \(maxPositions)")
            }
            self.rotatedDims = rotatedDims
            self.maxPositions = maxPositions
            buffer = try library.buffer(Self.values(rotatedDims: rotatedDims, maxPositions: maxPositions, base: base,
                                                    frequencyScale: frequencyScale))
        }

        /// The table's floats: [position][i] = (cos, sin).
        public static func values(rotatedDims: Int, maxPositions: Int, base: Double, frequencyScale: Double) -> [Float] {
            let half = rotatedDims / 2
            var values = [Float](repeating: 0, count: maxPositions * half * 2)
            for position in 0..<maxPositions {
                for i in 0..<half {
                    let theta = Double(position) * frequencyScale * pow(base, -2.0 * Double(i) / Double(rotatedDims))
                    values[(position * half + i) * 2] = Float(cos(theta))
                    values[(position * half + i) * 2 + 1] = Float(sin(theta))
                }
            }
            return values
        }
    }

    /// What a kernel that rotates as it loads (the KV write's keys, attention's queries) needs:
    /// each token's position, the table and the pair layout (`Shaders/rope/rope_pair.glsl`).
    public struct Input: @unchecked Sendable {
        public let positions: GPUBuffer
        public let table: Table
        public let layout: Layout

        public init(positions: GPUBuffer, table: Table, layout: Layout) {
            (self.positions, self.table, self.layout) = (positions, table, layout)
        }

        var defines: [String: String] { layout == .neox ? ["ROPE": "1", "ROPE_NEOX": "1"] : ["ROPE": "1"] }

        /// Checks that `tokens` positions are there and the table fits heads of `headDim`.
        func check(tokens: Int, headDim: Int) throws {
            guard table.rotatedDims <= headDim, layout == .normal || table.rotatedDims % 4 == 0,
                  tokens * 4 <= positions.size else {
                throw KernelError.invalidArgument(
                    "rope of \(table.rotatedDims) dims (\(layout)) while loading \(tokens) tokens of heads of \(headDim)")
            }
        }
    }

    struct Push: BitwiseCopyable {
        var tokens: UInt32, heads: UInt32, headDim: UInt32, rotatedDims: UInt32
        var rowStride: UInt32, offset: UInt32, maxPosition: UInt32
    }

    public let library: KernelLibrary
    public let layout: Layout
    let pipeline: ComputePipeline
    let workgroupSize = 64

    public init(library: KernelLibrary, layout: Layout) throws {
        self.library = library
        self.layout = layout
        pipeline = try library.pipeline("rope/rope.comp", defines: layout == .neox ? ["NEOX": "1"] : [:],
                                        workgroupSize: workgroupSize, bindings: 3, push: Push.self)
    }

    /// Rotates `tokens` rows in place; token t is at position `positions[t]` (clamped to the table).
    public func encode(_ sequence: CommandSequence, data: GPUBuffer, offset: Int = 0, rowStride: Int? = nil,
                       tokens: Int, heads: Int, headDim: Int, positions: GPUBuffer, table: Table) throws {
        let stride = rowStride ?? heads * headDim
        guard table.rotatedDims <= headDim, tokens > 0, heads > 0,
              (offset + (tokens - 1) * stride + heads * headDim) * 4 <= data.size, tokens * 4 <= positions.size else {
            throw KernelError.invalidArgument("rope of \(tokens)x\(heads)x\(headDim) overflows its buffers or table")
        }
        let push = Push(tokens: UInt32(tokens), heads: UInt32(heads), headDim: UInt32(headDim),
                        rotatedDims: UInt32(table.rotatedDims), rowStride: UInt32(stride), offset: UInt32(offset),
                        maxPosition: UInt32(table.maxPositions))
        try runtime { try sequence.dispatch(pipeline, bindings: [data.range(), positions.range(), table.buffer.range()], push: push,
                              groups: grid(invocations: tokens * heads * table.rotatedDims / 2, workgroupSize: workgroupSize)) }
    }
}
