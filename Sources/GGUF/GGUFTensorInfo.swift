/// The description of one tensor in a GGUF file: name, shape, type and where its
/// data lies in the file's data section.
///
/// Dimensions are in GGUF (ggml) order: `dimensions[0]` (ne0) is the row length,
/// the fastest-varying index. A matrix of `rows` rows of `columns` elements is
/// `[columns, rows]`.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, for example `"blk.0.attn_q.weight"`.
    public let name: String
    /// The extent of each dimension, ne0 first; one to four entries, each positive.
    public let dimensions: [Int]
    /// The element type.
    public let type: TensorType
    /// The byte offset of the tensor's data from the start of the data section.
    public let offset: Int
    /// The number of elements (product of all dimensions).
    public let elementCount: Int
    /// The number of bytes the data occupies (whole blocks per row).
    public let byteCount: Int

    /// The row length: `dimensions[0]`.
    public var columns: Int { dimensions[0] }

    /// The number of rows: the product of the dimensions after the first.
    public var rows: Int { elementCount / dimensions[0] }

    /// Creates a tensor description, validating the shape and computing its sizes.
    ///
    /// - Throws: `GGUFError.badDimensionCount` for no or more than four dimensions,
    ///   `.badDimension` for a dimension below one, `.sizeOverflow` when the element
    ///   or byte count overflows, `.partialBlock` when a row is not whole blocks.
    public init(name: String, dimensions: [Int], type: TensorType, offset: Int) throws(GGUFError) {
        let (elements, bytes) = try Self.sizes(name: name, dimensions: dimensions, type: type)
        self.init(name: name, dimensions: dimensions, type: type, offset: offset,
                  elementCount: elements, byteCount: bytes)
    }

    private init(
        name: String, dimensions: [Int], type: TensorType, offset: Int,
        elementCount: Int, byteCount: Int
    ) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.elementCount = elementCount
        self.byteCount = byteCount
    }

    /// The element and byte counts of a tensor of `dimensions` and `type`, validated.
    private static func sizes(
        name: String, dimensions: [Int], type: TensorType
    ) throws(GGUFError) -> (elements: Int, bytes: Int) {
        guard (1...4).contains(dimensions.count) else {
            throw .badDimensionCount(tensor: name, count: UInt32(clamping: dimensions.count))
        }
        var elements = 1
        for (index, extent) in dimensions.enumerated() {
            guard extent > 0 else {
                throw .badDimension(tensor: name, index: index, value: UInt64(bitPattern: Int64(extent)))
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw .sizeOverflow(tensor: name) }
            elements = product
        }
        let columns = dimensions[0]
        guard columns % type.blockSize == 0 else {
            throw .partialBlock(tensor: name, type: type, columns: columns)
        }
        // Checked before calling `rowBytes`, which multiplies without an overflow check.
        guard !(columns / type.blockSize).multipliedReportingOverflow(by: type.bytesPerBlock).overflow,
              let rowBytes = try? type.rowBytes(elements: columns)
        else { throw .sizeOverflow(tensor: name) }
        let (bytes, overflow) = rowBytes.multipliedReportingOverflow(by: elements / columns)
        guard !overflow else { throw .sizeOverflow(tensor: name) }
        return (elements, bytes)
    }

    /// Reads one tensor info record: name, dimension count (u32), dimensions (u64
    /// each), type id (u32) and data offset (u64).
    ///
    /// The offset is checked against the data section later, once its start is known;
    /// an offset beyond `Int.max` is reported as running past the end right here.
    static func read(from r: inout GGUFFile.Reader) throws(GGUFError) -> GGUFTensorInfo {
        let name = try r.string("a tensor name")
        let count = try r.scalar(UInt32.self, "the dimension count of tensor '\(name)'")
        guard (1...4).contains(count) else { throw .badDimensionCount(tensor: name, count: count) }
        var dimensions: [Int] = []
        dimensions.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            let extent = try r.scalar(UInt64.self, "dimension \(index) of tensor '\(name)'")
            guard extent > 0, extent <= UInt64(Int64.max) else {
                throw .badDimension(tensor: name, index: index, value: extent)
            }
            dimensions.append(Int(extent))
        }
        let typeID = try r.scalar(UInt32.self, "the type of tensor '\(name)'")
        guard let type = TensorType(rawValue: typeID) else {
            throw .unknownTensorType(tensor: name, type: typeID)
        }
        let offset = try r.scalar(UInt64.self, "the data offset of tensor '\(name)'")
        let (elements, bytes) = try sizes(name: name, dimensions: dimensions, type: type)
        guard offset <= UInt64(Int.max) else {
            throw .tensorPastEnd(tensor: name, offset: offset, byteCount: bytes, available: r.remaining)
        }
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: Int(offset),
                              elementCount: elements, byteCount: bytes)
    }

    /// Checks that the data is aligned and lies within a data section of
    /// `available` bytes.
    func validate(alignment: Int, available: Int) throws(GGUFError) {
        guard offset >= 0, offset % alignment == 0 else {
            throw .misalignedTensor(
                tensor: name, offset: UInt64(truncatingIfNeeded: offset), alignment: alignment)
        }
        let (end, overflow) = offset.addingReportingOverflow(byteCount)
        guard !overflow, end <= available else {
            throw .tensorPastEnd(
                tensor: name, offset: UInt64(offset), byteCount: byteCount, available: available)
        }
    }
}
