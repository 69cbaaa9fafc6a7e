import VulkanRuntime

/// Embedding lookup with dequantization (`Shaders/embedding/get_rows.comp`): Y[t] = W[ids[t]].
public struct Embedding: Sendable {
    struct Push: BitwiseCopyable {
        var tokens: UInt32, unitsPerRow: UInt32, groupsPerRow: UInt32
        var firstRow: UInt32, chunkRows: UInt32, yStride4: UInt32
    }

    public let library: KernelLibrary
    let workgroupSize = 64

    public init(library: KernelLibrary) {
        self.library = library
    }

    /// Writes the rows of `table` named by `ids` (uint32, `tokens` of them) as floats into `output`.
    public func encode(_ sequence: CommandSequence, table: WeightMatrix, ids: GPUBuffer, tokens: Int,
                       output: GPUBuffer, outputStride: Int? = nil) throws {
        let stride = outputStride ?? table.columns
        guard tokens > 0, stride % 4 == 0, tokens * 4 <= ids.size, ((tokens - 1) * stride + table.columns) * 4 <= output.size else {
            throw KernelError.invalidArgument("embedding lookup of \(tokens) tokens overflows its buffers")
        }
        let layout = table.layout
        let pipeline = try library.pipeline("embedding/get_rows.comp", defines: [layout.define: "1"],
                                            workgroupSize: workgroupSize, bindings: 4, push: Push.self)
        let units = layout.unitsPerRow(columns: table.columns)
        for chunk in table.rowChunks(maxBindingBytes: library.device.capabilities.maxStorageBufferRange) {
            let planes = table.planes(chunk)
            let push = Push(tokens: UInt32(tokens), unitsPerRow: UInt32(units),
                            groupsPerRow: UInt32(layout.groupsPerRow(columns: table.columns)),
                            firstRow: UInt32(chunk.lowerBound), chunkRows: UInt32(chunk.count), yStride4: UInt32(stride / 4))
            try runtime { try sequence.dispatch(pipeline, bindings: [planes.a, planes.b, ids.range(), output.range()], push: push,
                                  groups: grid(invocations: tokens * units, workgroupSize: workgroupSize)) }
        }
    }
}
