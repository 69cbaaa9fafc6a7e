import VulkanRuntime

/// Row-wise softmax with an inverse temperature (`Shaders/vocab/softmax.comp`):
/// Y[r][i] = exp(s X[r][i] - m) / sum_j exp(s X[r][j] - m), m = max_j s X[r][j].
/// One workgroup per row, so a row's result is bit-for-bit the same whatever the batch.
public struct Softmax: Sendable {
    /// Mirrors `Params` in softmax.comp.
    struct Push: BitwiseCopyable {
        var n: UInt32, rows: UInt32, xStride: UInt32, xOffset: UInt32, yStride: UInt32, yOffset: UInt32
        var scale: Float
    }

    public let library: KernelLibrary
    /// Invocations that share one row (a multiple of the subgroup size).
    public let workgroupSize: Int

    /// `workgroupSize` defaults to the measured best: one subgroup on CPU devices (lavapipe runs a
    /// workgroup on one thread, and a single subgroup needs no barrier), 256 invocations on GPUs.
    public init(library: KernelLibrary, workgroupSize: Int? = nil) throws {
        let size = workgroupSize ?? VocabularyKernels.preferredWorkgroupSize(library)
        try VocabularyKernels.validate(workgroupSize: size, library: library, kernel: "softmax")
        self.library = library
        self.workgroupSize = size
        _ = try pipeline(aligned: true)
    }

    /// The aligned pipeline loads vec4s; the other, four floats: same arithmetic, same results.
    func pipeline(aligned: Bool) throws -> ComputePipeline {
        try library.pipeline("vocab/softmax.comp", defines: aligned ? ["ALIGNED": "1"] : [:], workgroupSize: workgroupSize,
                             bindings: 2, push: Push.self)
    }

    /// Records the softmax of `rows` rows of `n` floats of `input` into `output` (which may be
    /// `input`, at the same offset, for in place). Offsets and strides are in floats; strides
    /// default to `n`. `scale` (the inverse temperature, > 0) multiplies the logits first. Each row
    /// needs at least one finite logit.
    public func encode(
        _ sequence: CommandSequence, input: GPUBuffer, inputOffset: Int = 0, inputStride: Int? = nil,
        output: GPUBuffer, outputOffset: Int = 0, outputStride: Int? = nil, n: Int, rows: Int, scale: Float = 1
    ) throws {
        let xStride = inputStride ?? n, yStride = outputStride ?? n
        try VocabularyKernels.validateRows(n: n, rows: rows, stride: xStride, offset: inputOffset, buffer: input,
                                           kernel: "softmax input")
        try VocabularyKernels.validateRows(n: n, rows: rows, stride: yStride, offset: outputOffset, buffer: output,
                                           kernel: "softmax output")
        // Three passes over n / 4 units, two units per invocation per step.
        try VocabularyKernels.checkLoopBudget(iterations: 3 * (n / (8 * workgroupSize) + 1) + 8, library: library, kernel: "softmax")
        guard scale > 0, scale.isFinite else {
            throw KernelError.invalidArgument("softmax scale (inverse temperature) must be positive and finite, got \(scale)")
        }
        let push = Push(n: UInt32(n), rows: UInt32(rows), xStride: UInt32(xStride), xOffset: UInt32(inputOffset),
                        yStride: UInt32(yStride), yOffset: UInt32(outputOffset), scale: scale)
        let aligned = VocabularyKernels.aligned(rows: rows, offsets: [inputOffset, outputOffset], strides: [xStride, yStride])
        try runtime { try sequence.dispatch(try pipeline(aligned: aligned), bindings: [input.range(), output.range()], push: push,
                              groups: grid(invocations: rows, workgroupSize: 1)) }
    }
}

// MARK: - Shared by Softmax, Argmax and TopK

/// Checks and defaults shared by the kernels that work over vocabulary rows (softmax, argmax, top-k).
enum VocabularyKernels {
    /// One subgroup on CPU devices, where a workgroup runs on one thread and extra subgroups only
    /// add barriers; 256 invocations on GPUs, so one long row is spread over many lanes.
    static func preferredWorkgroupSize(_ library: KernelLibrary) -> Int {
        let sg = library.subgroupSize
        return library.device.capabilities.kind == .cpu ? sg : max(sg, 256 / sg * sg)
    }

    static func validate(workgroupSize: Int, library: KernelLibrary, kernel: String) throws {
        let sg = library.subgroupSize
        guard workgroupSize >= sg, workgroupSize % sg == 0,
              workgroupSize <= library.device.capabilities.maxWorkgroupInvocations else {
            throw KernelError.invalidArgument(
                "\(kernel) workgroup size \(workgroupSize) must be a multiple of the subgroup size \(sg) within the device limit")
        }
    }

    /// `rows` rows of `n` floats, `stride` apart from `offset` (in floats), must fit in `buffer`.
    static func validateRows(n: Int, rows: Int, stride: Int, offset: Int, buffer: GPUBuffer, kernel: String) throws {
        guard n > 0, rows > 0, rows == 1 || stride >= n, offset >= 0 else {
            throw KernelError.invalidArgument("\(kernel): \(rows) rows of \(n) with stride \(stride) at offset \(offset)")
        }
        guard (offset + (rows - 1) * stride + n) * 4 <= buffer.size, offset + (rows - 1) * stride + n <= Int(UInt32.max) else {
            throw KernelError.invalidArgument("\(kernel): \(rows) rows of \(n) (stride \(stride), offset \(offset)) overflow a \(buffer.size)-byte buffer")
        }
    }

    /// lavapipe (Mesa's llvmpipe) ends a shader invocation after 65,535 loop iterations in all, with
    /// wrong results and no error; a kernel whose worst case for a row would pass that throws instead.
    static func checkLoopBudget(iterations: Int, library: KernelLibrary, kernel: String) throws {
        let limit = 65_535
        guard library.device.capabilities.driverName.lowercased().contains("llvmpipe"), iterations >= limit else { return }
        throw KernelError.limitExceeded(what: "\(kernel) loop iterations per row on llvmpipe", value: iterations, limit: limit)
    }

    /// Whether every row starts on a multiple of 4 floats, so a kernel may load vec4s.
    static func aligned(rows: Int, offsets: [Int], strides: [Int]) -> Bool {
        offsets.allSatisfy { $0 % 4 == 0 } && (rows == 1 || strides.allSatisfy { $0 % 4 == 0 })
    }

    /// A buffer of `count` 4-byte results must fit in `buffer`.
    static func validateOutput(count: Int, buffer: GPUBuffer, kernel: String) throws {
        guard count * 4 <= buffer.size else {
            throw KernelError.invalidArgument("\(kernel): \(count) results overflow a \(buffer.size)-byte buffer")
        }
    }
}
