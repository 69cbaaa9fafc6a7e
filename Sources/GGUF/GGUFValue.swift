/// A GGUF metadata value: one of the thirteen value types the format defines.
///
/// Arrays are stored compactly as typed Swift arrays (see `GGUFArray`), so a
/// 150k-token vocabulary is one `[String]`, not 150k enum boxes.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case bool(Bool)
    case string(String)
    case array(GGUFArray)

    /// The value of any integer type as an `Int`, or nil when it is not an integer
    /// (or a `uint64` above `Int.max`).
    public var int: Int? {
        switch self {
        case let .uint8(v): Int(v)
        case let .int8(v): Int(v)
        case let .uint16(v): Int(v)
        case let .int16(v): Int(v)
        case let .uint32(v): Int(v)
        case let .int32(v): Int(v)
        case let .uint64(v): Int(exactly: v)
        case let .int64(v): Int(v)
        default: nil
        }
    }

    /// The value of a float type, or of an integer type converted, as a `Double`.
    public var float: Double? {
        switch self {
        case let .float32(v): Double(v)
        case let .float64(v): v
        default: int.map(Double.init)
        }
    }

    /// The string, when the value is a string.
    public var string: String? {
        if case let .string(v) = self { v } else { nil }
    }

    /// The flag, when the value is a bool.
    public var bool: Bool? {
        if case let .bool(v) = self { v } else { nil }
    }

    /// The array, when the value is an array.
    public var array: GGUFArray? {
        if case let .array(v) = self { v } else { nil }
    }

    /// The elements of a string array.
    public var strings: [String]? { array?.strings }

    /// The elements of an integer array of any integer type, as `Int`s.
    public var ints: [Int]? { array?.ints }

    /// The elements of a float (or integer) array, as `Float`s.
    public var floats: [Float]? { array?.floats }
}

/// The elements of a GGUF metadata array, kept as one typed Swift array.
///
/// GGUF arrays are homogeneous; an array of arrays holds inner arrays that may
/// each have their own element type.
public enum GGUFArray: Sendable, Equatable {
    case uint8([UInt8])
    case int8([Int8])
    case uint16([UInt16])
    case int16([Int16])
    case uint32([UInt32])
    case int32([Int32])
    case uint64([UInt64])
    case int64([Int64])
    case float32([Float])
    case float64([Double])
    case bool([Bool])
    case string([String])
    case array([GGUFArray])

    /// The number of elements.
    public var count: Int {
        switch self {
        case let .uint8(v): v.count
        case let .int8(v): v.count
        case let .uint16(v): v.count
        case let .int16(v): v.count
        case let .uint32(v): v.count
        case let .int32(v): v.count
        case let .uint64(v): v.count
        case let .int64(v): v.count
        case let .float32(v): v.count
        case let .float64(v): v.count
        case let .bool(v): v.count
        case let .string(v): v.count
        case let .array(v): v.count
        }
    }

    /// The elements of a string array.
    public var strings: [String]? {
        if case let .string(v) = self { v } else { nil }
    }

    /// The elements of an integer array as `Int`s; nil for other element types
    /// or when a `uint64` element exceeds `Int.max`.
    public var ints: [Int]? {
        switch self {
        case let .uint8(v): v.map { Int($0) }
        case let .int8(v): v.map { Int($0) }
        case let .uint16(v): v.map { Int($0) }
        case let .int16(v): v.map { Int($0) }
        case let .uint32(v): v.map { Int($0) }
        case let .int32(v): v.map { Int($0) }
        case let .int64(v): v.map { Int($0) }
        case let .uint64(v): v.allSatisfy { $0 <= UInt64(Int.max) } ? v.map { Int($0) } : nil
        default: nil
        }
    }

    /// The elements of a float array (or an integer array, converted) as `Float`s.
    public var floats: [Float]? {
        switch self {
        case let .float32(v): v
        case let .float64(v): v.map { Float($0) }
        default: ints?.map { Float($0) }
        }
    }
}

// MARK: Decoding

extension GGUFValue {
    /// How deeply arrays of arrays may nest before the reader gives up.
    static let maximumNesting = 8

    /// The smallest encoded size of one value of each type id (0...12), used to
    /// bound array lengths by the bytes left before anything is allocated.
    static let minimumSize: [Int] = [1, 1, 2, 2, 4, 4, 4, 1, 8, 12, 8, 8, 8]

    /// Reads one value of GGUF type id `type` (whose 4-byte field ended just before
    /// the reader's offset) for metadata key `key`.
    static func read(
        type: UInt32, from r: inout GGUFFile.Reader, key: String, depth: Int = 0
    ) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: .uint8(try r.scalar(UInt8.self, "the value of '\(key)'"))
        case 1: .int8(try r.scalar(Int8.self, "the value of '\(key)'"))
        case 2: .uint16(try r.scalar(UInt16.self, "the value of '\(key)'"))
        case 3: .int16(try r.scalar(Int16.self, "the value of '\(key)'"))
        case 4: .uint32(try r.scalar(UInt32.self, "the value of '\(key)'"))
        case 5: .int32(try r.scalar(Int32.self, "the value of '\(key)'"))
        case 6: .float32(Float(bitPattern: try r.scalar(UInt32.self, "the value of '\(key)'")))
        case 7: .bool(try r.scalar(UInt8.self, "the value of '\(key)'") != 0)
        case 8: .string(try r.string("the value of '\(key)'"))
        case 9: .array(try readArray(from: &r, key: key, depth: depth))
        case 10: .uint64(try r.scalar(UInt64.self, "the value of '\(key)'"))
        case 11: .int64(try r.scalar(Int64.self, "the value of '\(key)'"))
        case 12: .float64(Double(bitPattern: try r.scalar(UInt64.self, "the value of '\(key)'")))
        default: throw .unknownValueType(key: key, type: type, offset: r.offset - 4)
        }
    }

    /// Reads an array body: element type id, 64-bit count, then the elements.
    static func readArray(
        from r: inout GGUFFile.Reader, key: String, depth: Int
    ) throws(GGUFError) -> GGUFArray {
        guard depth < maximumNesting else {
            throw .arrayNestingTooDeep(key: key, depth: maximumNesting)
        }
        let type = try r.scalar(UInt32.self, "the element type of '\(key)'")
        guard Int(type) < minimumSize.count else {
            throw .unknownValueType(key: key, type: type, offset: r.offset - 4)
        }
        let start = r.offset
        let count = try r.count(minimumSize: minimumSize[Int(type)], "the length of '\(key)'") {
            .arrayTooLong(key: key, count: $0, offset: start, remaining: $1)
        }
        switch type {
        case 0: return .uint8(try r.scalars(count, "the elements of '\(key)'"))
        case 1: return .int8(try r.scalars(count, "the elements of '\(key)'"))
        case 2: return .uint16(try r.scalars(count, "the elements of '\(key)'"))
        case 3: return .int16(try r.scalars(count, "the elements of '\(key)'"))
        case 4: return .uint32(try r.scalars(count, "the elements of '\(key)'"))
        case 5: return .int32(try r.scalars(count, "the elements of '\(key)'"))
        case 6:
            let bits: [UInt32] = try r.scalars(count, "the elements of '\(key)'")
            return .float32(bits.map { Float(bitPattern: $0) })
        case 7:
            let raw: [UInt8] = try r.scalars(count, "the elements of '\(key)'")
            return .bool(raw.map { $0 != 0 })
        case 8:
            var strings: [String] = []
            strings.reserveCapacity(min(count, 1 << 20))  // capped, as counts may lie
            for _ in 0..<count { strings.append(try r.string("an element of '\(key)'")) }
            return .string(strings)
        case 9:
            var arrays: [GGUFArray] = []
            arrays.reserveCapacity(min(count, 1 << 16))
            // Each inner array is a bare array body: element type, count, elements.
            for _ in 0..<count { arrays.append(try readArray(from: &r, key: key, depth: depth + 1)) }
            return .array(arrays)
        case 10: return .uint64(try r.scalars(count, "the elements of '\(key)'"))
        case 11: return .int64(try r.scalars(count, "the elements of '\(key)'"))
        default:
            let bits: [UInt64] = try r.scalars(count, "the elements of '\(key)'")
            return .float64(bits.map { Double(bitPattern: $0) })
        }
    }
}
