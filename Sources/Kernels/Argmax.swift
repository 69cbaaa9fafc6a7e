import VulkanRuntime

/// Per-row argmax (`Shaders/vocab/argmax.comp`): the index (UInt32) and value (Float) of each row's
/// maximum, ties to the lowest index as a CPU scan would. Greedy decoding's token choice. On
/// request also the softmax's denominator, sum_j exp(x_j - max), for the row's probabilities.
/// One workgroup per row, so a row's result never depends on how many rows share the dispatch.
public struct Argmax: Sendable {
    /// Mirrors `Params` in argmax.comp.
    struct Push: BitwiseCopyable {
        var n: UInt32, rows: UInt32, xStride: UInt32, xOffset: UInt32
    }

    public let library: KernelLibrary
    /// Invocations that share one row (a multiple of the subgroup size).
    public let workgroupSize: Int

    /// `workgroupSize` defaults to one subgroup on CPU devices and 256 invocations on GPUs.
    public init(library: KernelLibrary, workgroupSize: Int? = nil) throws {
        let size = workgroupSize ?? VocabularyKernels.preferredWorkgroupSize(library)
        try VocabularyKernels.validate(workgroupSize: size, library: library, kernel: "argmax")
        self.library = library
        self.workgroupSize = size
        _ = try pipeline(aligned: true, normalizer: false)
    }

    /// The aligned pipeline loads vec4s, the other four floats at a time; `normalizer` adds the
    /// softmax denominators.
    func pipeline(aligned: Bool, normalizer: Bool) throws -> ComputePipeline {
        var defines: [String: String] = [:]
        if aligned { defines["ALIGNED"] = "1" }
        if normalizer { defines["NORMALIZER"] = "1" }
        return try library.pipeline("vocab/argmax.comp", defines: defines, workgroupSize: workgroupSize,
                                    bindings: normalizer ? 4 : 3, push: Push.self)
    }

    /// Records, for each of `rows` rows of `n` floats of `input` (offset and stride in floats;
    /// the stride defaults to `n`), indices[r] = the argmax and values[r] = the maximum, and with
    /// `normalizers` normalizers[r] = sum_j exp(x_j - values[r]) (0 for a row of -inf).
    /// Input must be free of NaN.
    public func encode(
        _ sequence: CommandSequence, input: GPUBuffer, inputOffset: Int = 0, inputStride: Int? = nil,
        n: Int, rows: Int, indices: GPUBuffer, values: GPUBuffer, normalizers: GPUBuffer? = nil
    ) throws {
        let xStride = inputStride ?? n
        try VocabularyKernels.validateRows(n: n, rows: rows, stride: xStride, offset: inputOffset, buffer: input,
                                           kernel: "argmax input")
        try VocabularyKernels.validateOutput(count: rows, buffer: indices, kernel: "argmax indices")
        try VocabularyKernels.validateOutput(count: rows, buffer: values, kernel: "argmax values")
        if let normalizers { try VocabularyKernels.validateOutput(count: rows, buffer: normalizers, kernel: "argmax normalizers") }
        try VocabularyKernels.checkLoopBudget(iterations: (normalizers == nil ? 1 : 2) * (n / (8 * workgroupSize)) + 8, library: library, kernel: "argmax")
        let push = Push(n: UInt32(n), rows: UInt32(rows), xStride: UInt32(xStride), xOffset: UInt32(inputOffset))
        let aligned = VocabularyKernels.aligned(rows: rows, offsets: [inputOffset], strides: [xStride])
        let bindings = [input.range(), indices.range(), values.range()] + (normalizers.map { [$0.range()] } ?? [])
        try runtime { try sequence.dispatch(try pipeline(aligned: aligned, normalizer: normalizers != nil), bindings: bindings, push: push,
                              groups: grid(invocations: rows, workgroupSize: 1)) }
    }
}
