import VulkanRuntime

/// Per-row top-k (`Shaders/vocab/topk.comp`): the k largest values of each row and their indices,
/// sorted by value descending and equal values by index ascending; the candidates of top-k and
/// top-p sampling. One subgroup per row, so a row's result never depends on how many rows share the
/// dispatch.
public struct TopK: Sendable {
    /// Mirrors `Params` in topk.comp.
    struct Push: BitwiseCopyable {
        var n: UInt32, rows: UInt32, xStride: UInt32, xOffset: UInt32
    }

    /// The largest k served.
    public static let maxK = 64

    public let library: KernelLibrary
    /// Rows (subgroups) per workgroup.
    public let rowsPerWorkgroup: Int

    /// `rowsPerWorkgroup` (one subgroup each) defaults to 1 on CPU devices, where workgroups are
    /// what spread over threads, and 4 on GPUs. It never changes a result.
    public init(library: KernelLibrary, rowsPerWorkgroup: Int? = nil) throws {
        let perGroup = rowsPerWorkgroup ?? (library.device.capabilities.kind == .cpu ? 1 : 4)
        guard perGroup >= 1, perGroup * library.subgroupSize <= library.device.capabilities.maxWorkgroupInvocations else {
            throw KernelError.invalidArgument("top-k rows per workgroup \(perGroup) with subgroups of \(library.subgroupSize)")
        }
        self.library = library
        self.rowsPerWorkgroup = perGroup
    }

    /// One pipeline per k (specialization constant 2): each lane's sorted list is exactly k long and
    /// lives in registers, with every loop over it unrolled. The aligned one loads vec4s.
    func pipeline(k: Int, aligned: Bool = true) throws -> ComputePipeline {
        try library.pipeline("vocab/topk.comp", defines: aligned ? ["ALIGNED": "1"] : [:],
                             workgroupSize: library.subgroupSize * rowsPerWorkgroup, extra: [k], bindings: 3, push: Push.self)
    }

    /// Compiles the pipeline serving `k` ahead of use.
    public func prepare(k: Int) throws { _ = try pipeline(k: k) }

    /// Records, for each of `rows` rows of `n` floats of `input` (offset and stride in floats; the
    /// stride defaults to `n`), indices[r * k + j] and values[r * k + j] for j < k: the j-th largest
    /// element. Requires 1 <= k <= min(n, 64) and NaN-free input.
    public func encode(
        _ sequence: CommandSequence, input: GPUBuffer, inputOffset: Int = 0, inputStride: Int? = nil,
        n: Int, rows: Int, k: Int, indices: GPUBuffer, values: GPUBuffer
    ) throws {
        guard k >= 1, k <= Self.maxK else {
            throw KernelError.invalidArgument("top-k needs 1 <= k <= \(Self.maxK), got k = \(k)")
        }
        guard k <= n else {
            throw KernelError.invalidArgument("top-k of k = \(k) from rows of only \(n) elements")
        }
        let xStride = inputStride ?? n
        try VocabularyKernels.validateRows(n: n, rows: rows, stride: xStride, offset: inputOffset, buffer: input,
                                           kernel: "top-k input")
        try VocabularyKernels.validateOutput(count: rows * k, buffer: indices, kernel: "top-k indices")
        try VocabularyKernels.validateOutput(count: rows * k, buffer: values, kernel: "top-k values")
        // Worst case (every element a candidate): per step of 8 elements a lane, the scan, the outer
        // loop and 8 insertion rounds; then the tail and k selection rounds.
        let sg = library.subgroupSize
        try VocabularyKernels.checkLoopBudget(iterations: 10 * (n / (8 * sg) + 1) + 2 * k + 8, library: library, kernel: "top-k")
        let push = Push(n: UInt32(n), rows: UInt32(rows), xStride: UInt32(xStride), xOffset: UInt32(inputOffset))
        let groups = (rows + rowsPerWorkgroup - 1) / rowsPerWorkgroup
        let aligned = VocabularyKernels.aligned(rows: rows, offsets: [inputOffset], strides: [xStride])
        try runtime { try sequence.dispatch(try pipeline(k: k, aligned: aligned), bindings: [input.range(), indices.range(), values.range()], push: push,
                              groups: grid(invocations: groups, workgroupSize: 1)) }
    }
}
