import VulkanRuntime

/// Element-wise kernels (`Shaders/elementwise/elementwise.comp`), one pipeline per operation.
public struct Elementwise: Sendable {
    public enum Operation: String, Sendable, CaseIterable {
        /// Y = A + B
        case add = "OP_ADD"
        /// Y = A * B
        case multiply = "OP_MUL"
        /// Y = A * s
        case scale = "OP_SCALE"
        /// Y = silu(A) * B
        case swiglu = "OP_SWIGLU"
    }

    struct Push: BitwiseCopyable {
        var n: UInt32, aOffset: UInt32, bOffset: UInt32, yOffset: UInt32
        var s: Float
        var bPeriod: UInt32
        var width: UInt32, aStride: UInt32, bStride: UInt32, yStride: UInt32
    }

    /// Elements taken as rows of `width` with their own strides (floats between rows) in A, B
    /// and Y: element i is at row i / width, column i % width.
    public struct Rows: Sendable {
        public var width: Int, aStride: Int, bStride: Int, outputStride: Int

        public init(width: Int, aStride: Int, bStride: Int, outputStride: Int) {
            (self.width, self.aStride, self.bStride, self.outputStride) = (width, aStride, bStride, outputStride)
        }

        /// The index past the last element of `count` in a buffer of rows `stride` apart.
        func end(count: Int, stride: Int) -> Int { (count - 1) / width * stride + (count - 1) % width + 1 }
    }

    public let library: KernelLibrary
    let workgroupSize = 64
    /// Read A and B as texel buffers (default: `KernelLibrary.readsInputsAsTexels`).
    let texelInputs: Bool

    public init(library: KernelLibrary, texelInputs: Bool? = nil) throws {
        self.library = library
        self.texelInputs = try library.texelInputs(texelInputs, for: "element-wise kernels")
    }

    /// Records Y[yOffset + i] = op(A[aOffset + i], B[bOffset + i]) for i < n (offsets in floats).
    /// With `bPeriod`, B is read at i % bPeriod: one row of B (a bias) applied to every row of A.
    /// With `rows`, i indexes rows of its width at each operand's own stride (no `bPeriod` then).
    /// `b` is ignored by `.scale` and may be omitted.
    public func encode(_ sequence: CommandSequence, _ operation: Operation, a: GPUBuffer, aOffset: Int = 0,
                       b: GPUBuffer? = nil, bOffset: Int = 0, bPeriod: Int? = nil, output: GPUBuffer, outputOffset: Int = 0,
                       count n: Int, scalar: Float = 1, rows: Rows? = nil) throws {
        let second = b ?? a
        let layout = rows ?? Rows(width: max(n, 1), aStride: 0, bStride: 0, outputStride: 0)
        let rowCount = rows.map { (n + $0.width - 1) / max($0.width, 1) } ?? 1
        let bEnd = bPeriod ?? layout.end(count: n, stride: layout.bStride)
        guard n > 0, layout.width > 0, rows == nil || bPeriod == nil, bPeriod.map({ $0 > 0 }) ?? true,
              [layout.aStride, layout.bStride, layout.outputStride].allSatisfy({ rows == nil || $0 >= layout.width }),
              (aOffset + layout.end(count: n, stride: layout.aStride)) * 4 <= a.size,
              (outputOffset + layout.end(count: n, stride: layout.outputStride)) * 4 <= output.size,
              operation == .scale || (bOffset + bEnd) * 4 <= second.size,
              rowCount <= library.device.capabilities.maxWorkgroupCount[1] else {
            throw KernelError.invalidArgument("\(operation) of \(n) elements overflows its buffers")
        }
        let pipeline = try library.pipeline("elementwise/elementwise.comp",
                                            defines: texelInputs ? [operation.rawValue: "1", "TEXEL_INPUT": "1"] : [operation.rawValue: "1"],
                                            workgroupSize: workgroupSize, bindings: 3, texels: texelInputs ? [0: .r32f, 1: .r32f] : [:], push: Push.self)
        try runtime { try sequence.dispatch(
            pipeline, bindings: [a.range(), second.range(), output.range()],
            push: Push(n: UInt32(n), aOffset: UInt32(aOffset), bOffset: UInt32(bOffset), yOffset: UInt32(outputOffset), s: scalar,
                       bPeriod: UInt32(bPeriod ?? 0), width: UInt32(rows?.width ?? 0), aStride: UInt32(layout.aStride),
                       bStride: UInt32(layout.bStride), yStride: UInt32(layout.outputStride)),
            groups: rows.map { ((($0.width + workgroupSize - 1) / workgroupSize), rowCount, 1) }
                ?? grid(invocations: n, workgroupSize: workgroupSize)) }
    }
}
