import Foundation
import GGUF
import Synchronization
import VulkanRuntime

/// Dequantizing matrix x vectors (`Shaders/matmul/matvec.comp`): Y[c] = W X[c] for c < columns.
/// Columns go in passes of at most `columnsPerPass`, each pass a pipeline specialised to its exact
/// column count (unrolled: masked-off columns would cost as much as real ones on lavapipe). A
/// column's result is bit-for-bit the same whatever the batch, since every variant forms each
/// column's sum with the same operations in the same order.
public struct MatVec: Sendable {
    /// Mirrors `Params` in matvec.comp.
    struct Push: BitwiseCopyable {
        var rows: UInt32, ncols: UInt32, unitsPerRow: UInt32, groupsPerRow: UInt32
        var xStride4: UInt32, xOffset4: UInt32, yStride: UInt32, yOffset: UInt32
        var biasOffset: UInt32
        var eps: Float
        var gateToUp4: UInt32
    }

    /// RMSNorm applied to the input as it is read: X[c] = x[c] / sqrt(mean(x[c]^2) + epsilon) * weight.
    /// A projection after a norm then needs no norm dispatch and no normalised copy of its input.
    public struct InputNorm: @unchecked Sendable {
        public let weight: GPUBuffer
        public let epsilon: Float
        public init(weight: GPUBuffer, epsilon: Float) {
            self.weight = weight
            self.epsilon = epsilon
        }
    }

    public struct Configuration: Hashable, Sendable {
        /// Lanes that split one row's dot product (1: one row per lane; subgroup size: one row per subgroup).
        public var lanesPerRow: Int
        /// The most columns a workgroup computes from one read of the weights.
        public var columnsPerPass: Int
        public var workgroupSize: Int
        /// Rows each lane computes in one-column passes (each input value serves that many rows).
        public var rowsPerLane: Int
        /// Rows each lane computes in passes of several columns. Every input value is loaded once
        /// per lane and column, so more rows a lane cut the input loads per weight (on GPUs these,
        /// not the weights, bound a multi-column pass). A row's sum is formed the same way at any
        /// rows per lane (tested), so a column keeps its bits whatever pass computes it.
        public var batchRowsPerLane: Int
        /// Read the weight planes as uniform texel buffers instead of storage buffers.
        public var texelPlanes: Bool
        /// Read the input vectors as a uniform texel buffer.
        public var texelInput: Bool

        /// `batchRowsPerLane` defaults to `rowsPerLane`.
        public init(lanesPerRow: Int, columnsPerPass: Int = 16, workgroupSize: Int = 64, rowsPerLane: Int = 1,
                    batchRowsPerLane: Int? = nil, texelPlanes: Bool = false, texelInput: Bool = false) {
            self.lanesPerRow = lanesPerRow
            self.rowsPerLane = rowsPerLane
            self.batchRowsPerLane = batchRowsPerLane ?? rowsPerLane
            self.columnsPerPass = columnsPerPass
            self.workgroupSize = workgroupSize
            self.texelPlanes = texelPlanes
            self.texelInput = texelInput
        }

        /// The measured best on each kind of device (docs/benchmarks.md). CPU devices (lavapipe)
        /// keep whole rows in lanes, 8 rows a lane, so each input value is loaded and broadcast once
        /// for 8 rows, and read weights and inputs as texel buffers (a fetch per element instead of
        /// a bounds-checked load per lane). GPUs split rows across a subgroup for coalesced reads,
        /// 4 rows a lane (the fastest of 13 configurations swept on an H200).
        public static func preferred(for capabilities: DeviceCapabilities) -> Configuration {
            let sg = capabilities.subgroupSize
            if capabilities.kind == .cpu {
                return Configuration(lanesPerRow: 1, columnsPerPass: 16, workgroupSize: max(sg, 16), rowsPerLane: 8,
                                     texelPlanes: capabilities.texelBuffers, texelInput: capabilities.texelBuffers)
            }
            return Configuration(lanesPerRow: sg, columnsPerPass: 8, workgroupSize: sg * 4, rowsPerLane: 4)
        }

        /// Rows each lane computes in a pass of `columns` columns.
        public func rowsPerLane(columns: Int) -> Int { columns > 1 ? batchRowsPerLane : rowsPerLane }
    }

    public let library: KernelLibrary
    public let configuration: Configuration

    /// `configuration` defaults to the library's `options.matVec` over the device's preferred
    /// configuration.
    public init(library: KernelLibrary, configuration: Configuration? = nil) throws {
        let config = configuration ?? library.options.matVec.applied(to: Configuration.preferred(for: library.device.capabilities))
        let sg = library.subgroupSize
        guard config.lanesPerRow > 0, config.lanesPerRow <= sg, config.lanesPerRow & (config.lanesPerRow - 1) == 0,
              config.workgroupSize % sg == 0, config.columnsPerPass > 0, (1...16).contains(config.rowsPerLane), (1...16).contains(config.batchRowsPerLane),
              library.device.capabilities.texelBuffers || !(config.texelPlanes || config.texelInput) else {
            throw KernelError.invalidArgument("matvec configuration \(config) on a device with subgroup size \(sg)")
        }
        self.library = library
        self.configuration = config
    }

    func pipeline(_ layout: WeightLayout, columns: Int, accumulate: Bool = false, bias: Bool = false,
                  norm: Bool = false, gated: Bool = false) throws -> ComputePipeline {
        var defines = [layout.define: "1"]
        if accumulate { defines["ACCUMULATE"] = "1" }
        if bias { defines["BIAS"] = "1" }
        if gated { defines["SWIGLU_INPUT"] = "1" }
        let bindings = bias ? 5 : 4
        if norm { defines["NORM_INPUT"] = "\(bindings)" }
        var texels: [Int: TexelFormat] = [:]
        if configuration.texelPlanes {
            defines["TEXEL_PLANES"] = "1"
            texels[0] = .rgba32ui
            if layout.readsPlaneBInFours {
                texels[1] = .rgba32ui
            } else {
                texels[1] = .r32ui
                defines["PLANE_B_WORDS"] = "1"
            }
        }
        if configuration.texelInput {
            defines["TEXEL_INPUT"] = "1"
            texels[2] = .rgba32f
            if norm { texels[bindings] = .rgba32f }
        }
        return try library.pipeline(
            "matmul/matvec.comp", defines: defines, workgroupSize: configuration.workgroupSize,
            extra: [configuration.lanesPerRow, columns, configuration.rowsPerLane(columns: columns)],
            bindings: bindings + (norm ? 1 : 0), texels: texels, push: Push.self)
    }

    /// One form of a weight type's matvec: plain, residual (`accumulate`), with a bias, reading a
    /// normalised (`norm`) or gated (`gated`, SwiGLU) input.
    public struct Variant: Hashable, Sendable {
        public var type: TensorType
        public var accumulate = false, bias = false, norm = false, gated = false

        public init(type: TensorType, accumulate: Bool = false, bias: Bool = false, norm: Bool = false, gated: Bool = false) {
            (self.type, self.accumulate, self.bias, self.norm, self.gated) = (type, accumulate, bias, norm, gated)
        }
    }

    /// Creates the pipelines that `batches` (a form and a batch's columns each) need, several at
    /// once: a CPU device compiles each pipeline on the thread that creates it, so a pass that
    /// needs new ones waits for them about half as long on two cores.
    public func prepare(_ batches: [(variant: Variant, columns: Int)]) throws {
        var passes: Set<Pass> = []
        for (variant, columns) in batches where columns > 0 {
            passes.insert(Pass(variant: variant, columns: min(columns, configuration.columnsPerPass)))
            if columns % configuration.columnsPerPass != 0 {
                passes.insert(Pass(variant: variant, columns: columns % configuration.columnsPerPass))
            }
        }
        // Widest first, so the threads finish together; existing pipelines return at once.
        let ordered = passes.sorted { $0.columns > $1.columns }
        let failure = Mutex<Error?>(nil)
        DispatchQueue.concurrentPerform(iterations: ordered.count) { i in
            let v = ordered[i].variant
            do {
                _ = try pipeline(WeightLayout(v.type), columns: ordered[i].columns, accumulate: v.accumulate, bias: v.bias,
                                 norm: v.norm, gated: v.gated)
            } catch {
                failure.withLock { $0 = $0 ?? error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// A pipeline's form and column count.
    struct Pass: Hashable {
        let variant: Variant
        let columns: Int
    }

    /// Records Y[c][outputOffset + r] = sum_k W[r][k] X[c][inputOffset + k] for c < columns.
    /// Offsets and strides are in floats; input offsets and strides must be multiples of 4.
    /// With `bias`, bias[r] is added; with `accumulate`, the result is added to Y (a residual).
    /// `rows` computes only the first rows of W (Y's other rows are left as they are). With
    /// `norm`, each input column is RMS-normalised (`InputNorm`) as it is read. With `gateToUp`,
    /// each input column holds a gate and, that many floats after it, an up half, and X is
    /// silu(gate) * up (SwiGLU as it is read; a multiple of 4, not with `norm`).
    public func encode(
        _ sequence: CommandSequence, weights: WeightMatrix, input: GPUBuffer, inputOffset: Int = 0, inputStride: Int? = nil,
        output: GPUBuffer, outputOffset: Int = 0, outputStride: Int? = nil, columns: Int,
        bias: GPUBuffer? = nil, accumulate: Bool = false, rows: Int? = nil, norm: InputNorm? = nil, gateToUp: Int? = nil
    ) throws {
        let computed = rows ?? weights.rows
        guard (1...weights.rows).contains(computed) else {
            throw KernelError.invalidArgument("matvec of \(computed) of \(weights.rows) rows")
        }
        if let bias, bias.size < weights.rows * 4 {
            throw KernelError.invalidArgument("matvec bias of \(bias.size) bytes for \(weights.rows) rows")
        }
        let xStride = inputStride ?? weights.columns, yStride = outputStride ?? weights.rows
        guard xStride % 4 == 0, inputOffset % 4 == 0, columns > 0 else {
            throw KernelError.invalidArgument("matvec input offset \(inputOffset) and stride \(xStride) must be multiples of 4")
        }
        if let gateToUp, gateToUp % 4 != 0 || gateToUp < weights.columns || norm != nil {
            throw KernelError.invalidArgument("matvec gate-to-up offset \(gateToUp) must be a multiple of 4, past the gate's \(weights.columns) floats, and not with a norm")
        }
        guard (inputOffset + (columns - 1) * xStride + (gateToUp ?? 0) + weights.columns) * 4 <= input.size,
              (outputOffset + (columns - 1) * yStride + weights.rows) * 4 <= output.size else {
            throw KernelError.invalidArgument("matvec of \(columns) columns overflows its input or output buffer")
        }
        if let norm, norm.weight.size < weights.columns * 4 || weights.columns % 32 != 0 {
            throw KernelError.invalidArgument("matvec norm weight of \(norm.weight.size) bytes for rows of \(weights.columns) (a multiple of 32)")
        }
        let layout = weights.layout
        let chunks = weights.rowChunks(maxBindingBytes: library.device.capabilities.maxStorageBufferRange)
            .map { $0.clamped(to: 0..<computed) }.filter { !$0.isEmpty }
        for first in stride(from: 0, to: columns, by: configuration.columnsPerPass) {
            let count = min(configuration.columnsPerPass, columns - first)
            let pipeline = try pipeline(weights.layout, columns: count, accumulate: accumulate, bias: bias != nil, norm: norm != nil,
                                        gated: gateToUp != nil)
            let rowsPerGroup = configuration.workgroupSize / configuration.lanesPerRow * configuration.rowsPerLane(columns: count)
            for chunk in chunks {
                let planes = weights.planes(chunk)
                let push = Push(
                    rows: UInt32(chunk.count), ncols: UInt32(count),
                    unitsPerRow: UInt32(layout.unitsPerRow(columns: weights.columns)),
                    groupsPerRow: UInt32(layout.groupsPerRow(columns: weights.columns)),
                    xStride4: UInt32(xStride / 4), xOffset4: UInt32((inputOffset + first * xStride) / 4),
                    yStride: UInt32(yStride), yOffset: UInt32(outputOffset + first * yStride + chunk.lowerBound),
                    biasOffset: UInt32(chunk.lowerBound), eps: norm?.epsilon ?? 0, gateToUp4: UInt32((gateToUp ?? 0) / 4))
                // Passes and chunks write disjoint outputs: one barrier after the last.
                let last = first + count == columns && chunk == chunks.last
                let bindings = [planes.a, planes.b, input.range(), output.range()] + (bias.map { [$0.range()] } ?? [])
                    + (norm.map { [$0.weight.range()] } ?? [])
                try runtime { try sequence.dispatch(
                    pipeline, bindings: bindings, push: push,
                    groups: ((chunk.count + rowsPerGroup - 1) / rowsPerGroup, 1, 1), barrier: last) }
            }
        }
    }
}
