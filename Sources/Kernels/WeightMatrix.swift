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
        let source: [UInt8]?
        switch (type, stored) {
        case _ where stored == type: source = nil
        case (.q5_0, .q8_0): source = try Widening.q8_0(fromQ5_0: gguf)
        default: throw TensorTypeError.unsupported(stored)
        }
        self.layout = layout
        self.rows = rows
        self.columns = columns
        self.ggufBytes = try type.rowBytes(elements: columns) * rows
        let (aBytes, bBytes) = layout.planeBytes(rows: rows, columns: columns)
        bOffset = (aBytes + 255) / 256 * 256
        // Plane B padded to whole 16-byte texels (kernels may read it as uvec4 texels).
        let size = bOffset + (bBytes + 15) / 16 * 16
        buffer = try runtime { try GPUBuffer(device: library.device, size: size) }
        try Self.withBytes(gguf, or: source) { bytes in
            if let contents = buffer.contents {
                // Host-visible memory (CPU devices, unified memory): repacked in place, no copies;
                // the padding after each plane cleared.
                try layout.repack(bytes, rows: rows, columns: columns, a: UnsafeMutableRawBufferPointer(start: contents, count: aBytes),
                                  b: UnsafeMutableRawBufferPointer(start: contents + bOffset, count: bBytes))
                (contents + aBytes).initializeMemory(as: UInt8.self, repeating: 0, count: bOffset - aBytes)
                (contents + bOffset + bBytes).initializeMemory(as: UInt8.self, repeating: 0, count: buffer.size - bOffset - bBytes)
            } else {
                let (a, b) = try layout.repack(bytes, rows: rows, columns: columns)
                try runtime {
                    try library.uploader.upload(a, to: buffer)
                    try library.uploader.upload(b, to: buffer, offset: bOffset)
                }
            }
        }
    }

    private static func withBytes(_ gguf: UnsafeRawBufferPointer, or converted: [UInt8]?,
                                  _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        if let converted { try converted.withUnsafeBytes(body) } else { try body(gguf) }
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
