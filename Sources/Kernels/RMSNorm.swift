import VulkanRuntime

/// RMSNorm of rows (`Shaders/norm/rmsnorm.comp`): Y[r] = X[r] / sqrt(mean(X[r]^2) + eps) * W.
public struct RMSNorm: Sendable {
    struct Push: BitwiseCopyable {
        var n: UInt32, rows: UInt32, xStride: UInt32, yStride: UInt32
        var eps: Float
    }

    public let library: KernelLibrary
    let pipeline: ComputePipeline
    let workgroupSize: Int
    /// Subgroups that share one row: 1 on CPU devices (four rows a workgroup, no barrier); on
    /// GPUs a workgroup of 256 lanes a row, since one subgroup walking a row waits on a long
    /// chain of loads (measured on an H200: docs/benchmarks.md).
    let subgroupsPerRow: Int

    /// `texelInputs` (default: `KernelLibrary.readsInputsAsTexels`) reads X and W as texel buffers.
    public init(library: KernelLibrary, subgroupsPerRow: Int? = nil, texelInputs: Bool? = nil) throws {
        self.library = library
        let sg = library.subgroupSize
        let perRow = subgroupsPerRow ?? (library.device.capabilities.kind == .cpu ? 1 : max(1, 256 / sg))
        guard perRow > 0 else { throw KernelError.invalidArgument("rmsnorm with \(perRow) subgroups a row") }
        let texel = try library.texelInputs(texelInputs, for: "rmsnorm")
        self.subgroupsPerRow = perRow
        workgroupSize = perRow > 1 ? sg * perRow : sg * 4
        pipeline = try library.pipeline("norm/rmsnorm.comp", defines: texel ? ["TEXEL_INPUT": "1"] : [:], workgroupSize: workgroupSize,
                                        extra: [perRow], bindings: 3, texels: texel ? [0: .r32f, 1: .r32f] : [:], push: Push.self)
    }

    /// Normalises `rows` rows of `n` floats (strides in floats; Y may be X).
    public func encode(_ sequence: CommandSequence, input: GPUBuffer, weight: GPUBuffer, output: GPUBuffer,
                       n: Int, rows: Int, inputStride: Int? = nil, outputStride: Int? = nil, eps: Float) throws {
        let xStride = inputStride ?? n, yStride = outputStride ?? n
        guard n > 0, rows > 0, ((rows - 1) * xStride + n) * 4 <= input.size, ((rows - 1) * yStride + n) * 4 <= output.size,
              n * 4 <= weight.size else {
            throw KernelError.invalidArgument("rmsnorm of \(rows) rows of \(n) overflows its buffers")
        }
        let rowsPerGroup = workgroupSize / library.subgroupSize / subgroupsPerRow
        try runtime { try sequence.dispatch(pipeline, bindings: [input.range(), weight.range(), output.range()],
                              push: Push(n: UInt32(n), rows: UInt32(rows), xStride: UInt32(xStride), yStride: UInt32(yStride), eps: eps),
                              groups: ((rows + rowsPerGroup - 1) / rowsPerGroup, 1, 1)) }
    }
}
