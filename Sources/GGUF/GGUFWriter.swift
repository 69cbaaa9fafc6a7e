#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Builds a little-endian GGUF file: metadata in insertion order, then tensor infos, then each
/// tensor's data padded to the alignment. `write(to:)` streams the data, so a tensor added with
/// `addTensor(name:type:dimensions:byteCount:data:)` is produced only as it is written and only one
/// such tensor is in memory at a time (a requantized copy of a model, say).
///
/// The alignment is `general.alignment` when set to a positive power of two,
/// otherwise 32. The writer does not validate tensor data against the shape, so
/// tests can also build broken files; `GGUFFile` validates on reading.
public struct GGUFWriter: Sendable {
    /// The version field to write. Versions 2 and 3 share the little-endian layout.
    public var version: UInt32 = 3

    private struct Tensor: Sendable {
        let name: String
        let type: TensorType
        let dimensions: [Int]
        let byteCount: Int
        let data: @Sendable () -> [UInt8]
    }

    private var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    private var tensors: [Tensor] = []

    /// Creates an empty writer.
    public init() {}

    /// Sets metadata `key` to `value`; a key set twice keeps its first position.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// Appends a tensor. `dimensions` are in GGUF order (row length first) and
    /// `data` should hold exactly the tensor's bytes, rows of whole blocks.
    public mutating func addTensor(name: String, type: TensorType, dimensions: [Int], data: [UInt8]) {
        tensors.append(Tensor(name: name, type: type, dimensions: dimensions, byteCount: data.count, data: { data }))
    }

    /// Appends a tensor of `byteCount` bytes that `data` produces when the file is written;
    /// writing fails if it produces another number of bytes.
    public mutating func addTensor(name: String, type: TensorType, dimensions: [Int], byteCount: Int,
                                   data: @escaping @Sendable () -> [UInt8]) {
        tensors.append(Tensor(name: name, type: type, dimensions: dimensions, byteCount: byteCount, data: data))
    }

    /// The data alignment the file will use.
    public var alignment: Int {
        guard let a = values["general.alignment"]?.int, a > 0, a & (a - 1) == 0 else { return 32 }
        return a
    }

    /// The complete file.
    public func bytes() -> [UInt8] { serialize().bytes }

    /// Writes the complete file to `path`, replacing any file there, one tensor at a time.
    /// - Throws: `GGUFError.unwritable` when the file cannot be created or written, or a
    ///   tensor's data is not the size it was added with.
    public func write(to path: String) throws(GGUFError) {
        guard let file = fopen(path, "wb") else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        func put(_ bytes: [UInt8]) {
            guard failure == nil else { return }
            let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            if written != bytes.count { failure = String(cString: strerror(errno)) }
        }
        put(header().bytes)
        for tensor in tensors where failure == nil {
            let data = tensor.data()
            guard data.count == tensor.byteCount else {
                failure = "tensor '\(tensor.name)' has \(data.count) bytes, not \(tensor.byteCount)"
                break
            }
            put(data)
            put(padding(after: data.count))
        }
        if fclose(file) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if let failure { throw .unwritable(path: path, reason: failure) }
    }

    /// The file, plus the offset and width (4 or 8 bytes) of every count, length,
    /// type id, dimension and offset field in the header, for mutation tests.
    func serialize() -> (bytes: [UInt8], fields: [(offset: Int, width: Int)]) {
        var out = header()
        for tensor in tensors {
            let data = tensor.data()
            out.raw(data)
            out.raw(padding(after: data.count))
        }
        return (out.bytes, out.fields)
    }

    /// Everything before the first tensor's data: magic, counts, metadata, tensor infos, padding.
    private func header() -> Encoder {
        var out = Encoder()
        out.raw(Array("GGUF".utf8))
        out.u32(version, field: false)
        out.u64(UInt64(tensors.count))
        out.u64(UInt64(keys.count))
        for key in keys {
            out.string(key)
            let value = values[key]!
            out.u32(value.typeID)
            out.value(value)
        }
        var offset = 0
        for tensor in tensors {
            out.string(tensor.name)
            out.u32(UInt32(tensor.dimensions.count))
            for extent in tensor.dimensions { out.u64(UInt64(bitPattern: Int64(extent))) }
            out.u32(tensor.type.rawValue)
            out.u64(UInt64(offset))
            offset += tensor.byteCount + padding(after: tensor.byteCount).count
        }
        out.raw(padding(after: out.bytes.count))
        return out
    }

    /// The zero bytes that pad `count` bytes to the alignment.
    private func padding(after count: Int) -> [UInt8] {
        let alignment = alignment
        return [UInt8](repeating: 0, count: (count + alignment - 1) / alignment * alignment - count)
    }

    /// Appends little-endian GGUF encodings to a byte array.
    private struct Encoder {
        var bytes: [UInt8] = []
        var fields: [(offset: Int, width: Int)] = []

        mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

        mutating func integer<T: FixedWidthInteger>(_ value: T, field: Bool = false) {
            if field { fields.append((bytes.count, MemoryLayout<T>.size)) }
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func u32(_ value: UInt32, field: Bool = true) { integer(value, field: field) }
        mutating func u64(_ value: UInt64) { integer(value, field: true) }

        mutating func string(_ value: String) {
            u64(UInt64(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }

        mutating func value(_ value: GGUFValue) {
            switch value {
            case let .uint8(v): integer(v)
            case let .int8(v): integer(v)
            case let .uint16(v): integer(v)
            case let .int16(v): integer(v)
            case let .uint32(v): integer(v)
            case let .int32(v): integer(v)
            case let .uint64(v): integer(v)
            case let .int64(v): integer(v)
            case let .float32(v): integer(v.bitPattern)
            case let .float64(v): integer(v.bitPattern)
            case let .bool(v): integer(UInt8(v ? 1 : 0))
            case let .string(v): string(v)
            case let .array(v): array(v)
            }
        }

        /// An array body: element type id, count, elements.
        mutating func array(_ array: GGUFArray) {
            u32(array.elementTypeID)
            u64(UInt64(array.count))
            switch array {
            case let .uint8(v): v.forEach { integer($0) }
            case let .int8(v): v.forEach { integer($0) }
            case let .uint16(v): v.forEach { integer($0) }
            case let .int16(v): v.forEach { integer($0) }
            case let .uint32(v): v.forEach { integer($0) }
            case let .int32(v): v.forEach { integer($0) }
            case let .uint64(v): v.forEach { integer($0) }
            case let .int64(v): v.forEach { integer($0) }
            case let .float32(v): v.forEach { integer($0.bitPattern) }
            case let .float64(v): v.forEach { integer($0.bitPattern) }
            case let .bool(v): v.forEach { integer(UInt8($0 ? 1 : 0)) }
            case let .string(v): v.forEach { string($0) }
            case let .array(v): v.forEach { self.array($0) }
            }
        }
    }
}

extension GGUFValue {
    /// The GGUF value type id of this value.
    var typeID: UInt32 {
        switch self {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }
}

extension GGUFArray {
    /// The GGUF value type id of this array's elements.
    var elementTypeID: UInt32 {
        switch self {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }
}
