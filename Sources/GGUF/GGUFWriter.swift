#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Builds a little-endian GGUF file in memory: metadata in insertion order, then
/// tensor infos, then each tensor's data padded to the alignment.
///
/// The alignment is `general.alignment` when set to a positive power of two,
/// otherwise 32. The writer does not validate tensor data against the shape, so
/// tests can also build broken files; `GGUFFile` validates on reading.
public struct GGUFWriter: Sendable {
    /// The version field to write. Versions 2 and 3 share the little-endian layout.
    public var version: UInt32 = 3

    private var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    private var tensors: [(name: String, type: TensorType, dimensions: [Int], data: [UInt8])] = []

    /// Creates an empty writer.
    public init() {}

    /// Sets metadata `key` to `value`; a key set twice keeps its first position.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// Appends a tensor. `dimensions` are in GGUF order (row length first) and
    /// `data` should hold exactly the tensor's bytes, rows of whole blocks.
    public mutating func addTensor(name: String, type: TensorType, dimensions: [Int], data: [UInt8]) {
        tensors.append((name, type, dimensions, data))
    }

    /// The data alignment the file will use.
    public var alignment: Int {
        guard let a = values["general.alignment"]?.int, a > 0, a & (a - 1) == 0 else { return 32 }
        return a
    }

    /// The complete file.
    public func bytes() -> [UInt8] { serialize().bytes }

    /// Writes the complete file to `path`, replacing any file there.
    /// - Throws: `GGUFError.unwritable` when the file cannot be created or written.
    public func write(to path: String) throws(GGUFError) {
        let data = bytes()
        guard let file = fopen(path, "wb") else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let failed = written != data.count
        guard fclose(file) == 0, !failed else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// The file, plus the offset and width (4 or 8 bytes) of every count, length,
    /// type id, dimension and offset field in the header, for mutation tests.
    func serialize() -> (bytes: [UInt8], fields: [(offset: Int, width: Int)]) {
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
        let alignment = alignment
        var offset = 0
        for tensor in tensors {
            out.string(tensor.name)
            out.u32(UInt32(tensor.dimensions.count))
            for extent in tensor.dimensions { out.u64(UInt64(bitPattern: Int64(extent))) }
            out.u32(tensor.type.rawValue)
            out.u64(UInt64(offset))
            offset += Self.padded(tensor.data.count, to: alignment)
        }
        out.raw([UInt8](repeating: 0, count: Self.padded(out.bytes.count, to: alignment) - out.bytes.count))
        for tensor in tensors {
            out.raw(tensor.data)
            let padding = Self.padded(tensor.data.count, to: alignment) - tensor.data.count
            out.raw([UInt8](repeating: 0, count: padding))
        }
        return (out.bytes, out.fields)
    }

    private static func padded(_ count: Int, to alignment: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
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
