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
    }

    public let library: KernelLibrary
    let workgroupSize = 64

    public init(library: KernelLibrary) {
        self.library = library
    }

    /// Records Y[yOffset + i] = op(A[aOffset + i], B[bOffset + i]) for i < n (offsets in floats).
    /// With `bPeriod`, B is read at i % bPeriod: one row of B (a bias) applied to every row of A.
    /// `b` is ignored by `.scale` and may be omitted.
    public func encode(_ sequence: CommandSequence, _ operation: Operation, a: GPUBuffer, aOffset: Int = 0,
                       b: GPUBuffer? = nil, bOffset: Int = 0, bPeriod: Int? = nil, output: GPUBuffer, outputOffset: Int = 0,
                       count n: Int, scalar: Float = 1) throws {
        let second = b ?? a
        let bCount = bPeriod ?? n
        guard n > 0, bCount > 0, (aOffset + n) * 4 <= a.size, (outputOffset + n) * 4 <= output.size,
              operation == .scale || (bOffset + bCount) * 4 <= second.size else {
            throw VulkanError.invalidArgument("\(operation) of \(n) elements overflows its buffers")
        }
        let pipeline = try library.pipeline("elementwise/elementwise.comp", defines: [operation.rawValue: "1"],
                                            workgroupSize: workgroupSize, bindings: 3, push: Push.self)
        try sequence.dispatch(
            pipeline, bindings: [a.range(), second.range(), output.range()],
            push: Push(n: UInt32(n), aOffset: UInt32(aOffset), bOffset: UInt32(bOffset), yOffset: UInt32(outputOffset), s: scalar,
                      bPeriod: UInt32(bPeriod ?? 0)),
            groups: grid(invocations: n, workgroupSize: workgroupSize))
    }
}
