import GGUF
import VulkanRuntime

/// A weight matrix resident on the device in Augur's layout (`WeightLayout`): `rows` rows of
/// `columns` elements, plane A then plane B in one buffer.
public final class WeightMatrix: @unchecked Sendable {
    public let layout: WeightLayout
    public let rows: Int
    public let columns: Int
    public let buffer: GPUBuffer
    /// Byte offset of plane B in `buffer`.
    public let bOffset: Int
    /// Bytes of the matrix in its GGUF encoding (what a kernel reads per pass, for GB/s figures).
    public let ggufBytes: Int

    public var type: TensorType { layout.type }

    /// Repacks `rows` GGUF rows and uploads them; `storedAs` names a wider type to convert them
    /// into first (`WeightLayout.storage(for:on:)`), exactly.
    public init(library: KernelLibrary, type: TensorType, rows: Int, columns: Int, gguf: UnsafeRawBufferPointer,
                ggufBytes: Bool = false, storedAs: TensorType? = nil) throws {
        let stored = storedAs ?? type
        let layout = try WeightLayout(stored, ggufBytes: ggufBytes)
        let (a, b): ([UInt8], [UInt8])
        switch (type, stored) {
        case _ where stored == type: (a, b) = try layout.repack(gguf, rows: rows, columns: columns)
        case (.q5_0, .q8_0):
            (a, b) = try Widening.q8_0(fromQ5_0: gguf).withUnsafeBytes { try layout.repack($0, rows: rows, columns: columns) }
        default: throw TensorTypeError.unsupported(stored)
        }
        self.layout = layout
        self.rows = rows
        self.columns = columns
        self.ggufBytes = try type.rowBytes(elements: columns) * rows
        bOffset = (a.count + 255) / 256 * 256
        // Plane B padded to whole 16-byte texels (kernels may read it as uvec4 texels).
        buffer = try GPUBuffer(device: library.device, size: bOffset + (b.count + 15) / 16 * 16)
        try library.uploader.upload(a, to: buffer)
        try library.uploader.upload(b, to: buffer, offset: bOffset)
    }

    public static func upload(library: KernelLibrary, type: TensorType, rows: Int, columns: Int, gguf: [UInt8],
                              ggufBytes: Bool = false, storedAs: TensorType? = nil) throws -> WeightMatrix {
        try gguf.withUnsafeBytes {
            try WeightMatrix(library: library, type: type, rows: rows, columns: columns, gguf: $0, ggufBytes: ggufBytes,
                             storedAs: storedAs)
        }
    }

    /// Row ranges small enough that each plane's slice fits one storage-buffer binding and starts
    /// at an aligned offset.
    public func rowChunks(maxBindingBytes: Int) -> [Range<Int>] {
        let aRow = layout.aBytesPerRow(columns: columns), bRow = max(layout.bBytesPerRow(columns: columns), 1)
        let quantum = 64
        let fit = max(quantum, min(maxBindingBytes / max(aRow, 1), maxBindingBytes / bRow) / quantum * quantum)
        return stride(from: 0, to: rows, by: fit).map { $0..<min($0 + fit, rows) }
    }

    /// Bindings of planes A and B for a row range.
    func planes(_ chunk: Range<Int>) -> (a: BufferRange, b: BufferRange) {
        let aRow = layout.aBytesPerRow(columns: columns), bRow = layout.bBytesPerRow(columns: columns)
        let bStart = bOffset + chunk.lowerBound * bRow
        let b = bRow > 0 ? buffer.range(offset: bStart, size: min((chunk.count * bRow + 15) / 16 * 16, buffer.size - bStart)) : nil
        guard aRow > 0 else { return (b!, b!) }
        let a = buffer.range(offset: chunk.lowerBound * aRow, size: chunk.count * aRow)
        return (a, b ?? a)
    }
}
