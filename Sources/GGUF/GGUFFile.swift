#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A parsed GGUF file (version 2 or 3, little-endian): its metadata, its tensor
/// infos, and its tensor data, which stays in memory-mapped pages until read.
///
/// Parsing validates the whole header: every count and length is checked against
/// the bytes left before anything is allocated, sizes are overflow-checked, and
/// every tensor's data must be aligned and lie inside the file. A file that parses
/// can therefore hand out `data(of:)` buffers without further checks.
///
/// Immutable after `init`, so it is safe to share across threads.
public final class GGUFFile: @unchecked Sendable {
    /// The format version: 2 or 3.
    public let version: Int
    /// Every metadata entry by key.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// The data alignment: `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// The byte offset of the data section from the start of the file.
    public let dataOffset: Int
    /// The file size in bytes.
    public let fileSize: Int

    private let tensorIndex: [String: Int]
    private let base: UnsafeMutableRawPointer
    private let isMapped: Bool

    /// Opens and parses the GGUF file at `path`, memory-mapping it read-only.
    ///
    /// - Throws: `GGUFError.fileNotFound` or `.unreadable` when the file cannot be
    ///   opened or mapped, otherwise any format error found while parsing.
    public convenience init(path: String) throws(GGUFError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard Int(info.st_mode) & 0o170000 == 0o100000 else {
            throw .unreadable(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw .truncated(reading: "the magic", offset: 0, fileSize: 0) }
        guard let memory = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              memory != UnsafeMutableRawPointer(bitPattern: -1)
        else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        try self.init(memory: memory, size: size, mapped: true)
    }

    /// Parses a GGUF file held in memory (the bytes are copied).
    public convenience init(bytes: [UInt8]) throws(GGUFError) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { source in
            if let start = source.baseAddress { memory.copyMemory(from: start, byteCount: source.count) }
        }
        try self.init(memory: memory, size: bytes.count, mapped: false)
    }

    /// Takes ownership of `memory` (mapped or allocated) and parses it, releasing it
    /// again when parsing fails.
    private init(memory: UnsafeMutableRawPointer, size: Int, mapped: Bool) throws(GGUFError) {
        base = memory
        isMapped = mapped
        fileSize = size
        var reader = Reader(base: UnsafeRawPointer(memory), size: size)
        let contents: Contents
        do {
            contents = try Self.parse(&reader)
        } catch {
            Self.release(memory, size: size, mapped: mapped)
            throw error
        }
        version = contents.version
        metadata = contents.metadata
        metadataKeys = contents.keys
        tensors = contents.tensors
        tensorIndex = contents.index
        alignment = contents.alignment
        dataOffset = contents.dataOffset
    }

    deinit { Self.release(base, size: fileSize, mapped: isMapped) }

    /// `general.architecture`, for example `"llama"`.
    public var architecture: String? { string("general.architecture") }

    /// The tensor info named `name`, if the file has one.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The bytes of `tensor`'s data, pointing into the file's mapping; valid while
    /// this file is alive. `tensor` must be one of this file's tensors.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + tensor.offset
        precondition(tensor.offset >= 0 && start <= fileSize - tensor.byteCount,
                     "tensor '\(tensor.name)' is not inside this file")
        return UnsafeRawBufferPointer(start: UnsafeRawPointer(base) + start, count: tensor.byteCount)
    }

    /// The whole file's bytes, pointing into its mapping; valid while this file is alive.
    public var contents: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: UnsafeRawPointer(base), count: fileSize)
    }

    /// The string value of `key`, if present and a string.
    public func string(_ key: String) -> String? { metadata[key]?.string }
    /// The value of `key` as an `Int`, if present and an integer.
    public func int(_ key: String) -> Int? { metadata[key]?.int }
    /// The value of `key` as a `Double`, if present and a number.
    public func float(_ key: String) -> Double? { metadata[key]?.float }
    /// The value of `key`, if present and a bool.
    public func bool(_ key: String) -> Bool? { metadata[key]?.bool }

    /// The string value of `key`.
    /// - Throws: `GGUFError.missingKey` when absent, `.wrongType` when not a string.
    public func requireString(_ key: String) throws(GGUFError) -> String {
        try require(key, "a string") { $0.string }
    }

    /// The value of `key` as an `Int`.
    /// - Throws: `GGUFError.missingKey` when absent, `.wrongType` when not an integer.
    public func requireInt(_ key: String) throws(GGUFError) -> Int {
        try require(key, "an integer") { $0.int }
    }

    /// The value of `key` as a `Double`.
    /// - Throws: `GGUFError.missingKey` when absent, `.wrongType` when not a number.
    public func requireFloat(_ key: String) throws(GGUFError) -> Double {
        try require(key, "a number") { $0.float }
    }

    /// The value of `key`, converted by `convert`.
    /// - Throws: `GGUFError.missingKey` when absent, `.wrongType` when `convert` gives nil.
    public func require<T>(
        _ key: String, _ expected: String, _ convert: (GGUFValue) -> T?
    ) throws(GGUFError) -> T {
        guard let value = metadata[key] else { throw .missingKey(key) }
        guard let converted = convert(value) else { throw .wrongType(key: key, expected: expected) }
        return converted
    }

    // MARK: Parsing

    /// Everything `parse` learns from the header.
    private struct Contents {
        var version, alignment, dataOffset: Int
        var keys: [String]
        var metadata: [String: GGUFValue]
        var tensors: [GGUFTensorInfo]
        var index: [String: Int]
    }

    /// Reads the header. Counts are bounded by the bytes left, and reservations are
    /// capped too, so a corrupt count in a multi-gigabyte file cannot reserve gigabytes.
    private static func parse(_ r: inout Reader) throws(GGUFError) -> Contents {
        let magic = Array(UnsafeRawBufferPointer(start: r.base, count: min(r.size, 4)))
        guard Array("GGUF".utf8).starts(with: magic) else {
            throw magic == Array("FUGG".utf8) ? .bigEndian : .notGGUF(magic: magic)
        }
        _ = try r.take(4, "the magic")
        let version = try r.scalar(UInt32.self, "the version")
        if version != 2, version != 3, [2, 3].contains(version.byteSwapped) { throw .bigEndian }
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        let tensorCount = try r.count(minimumSize: 24, "the tensor count") {
            .tooManyTensors(count: $0, remaining: $1)
        }
        let entryCount = try r.count(minimumSize: 13, "the metadata entry count") {
            .tooManyMetadataEntries(count: $0, remaining: $1)
        }
        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        keys.reserveCapacity(min(entryCount, 1 << 16))
        metadata.reserveCapacity(min(entryCount, 1 << 16))
        for _ in 0..<entryCount {
            let key = try r.string("a metadata key")
            let type = try r.scalar(UInt32.self, "the value type of '\(key)'")
            let value = try GGUFValue.read(type: type, from: &r, key: key)
            guard metadata.updateValue(value, forKey: key) == nil else { throw .duplicateKey(key) }
            keys.append(key)
        }
        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a & (a - 1) == 0 else {
                throw .badAlignment(String(describing: value))
            }
            alignment = a
        }
        var tensors: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        tensors.reserveCapacity(min(tensorCount, 1 << 16))
        index.reserveCapacity(min(tensorCount, 1 << 16))
        for position in 0..<tensorCount {
            let info = try GGUFTensorInfo.read(from: &r)
            guard index.updateValue(position, forKey: info.name) == nil else {
                throw .duplicateTensor(info.name)
            }
            tensors.append(info)
        }
        let padding = (alignment - r.offset % alignment) % alignment
        let (dataOffset, overflow) = r.offset.addingReportingOverflow(padding)
        let available = overflow ? 0 : max(0, r.size - dataOffset)
        for info in tensors { try info.validate(alignment: alignment, available: available) }
        return Contents(
            version: Int(version), alignment: alignment, dataOffset: overflow ? Int.max : dataOffset,
            keys: keys, metadata: metadata, tensors: tensors, index: index)
    }

    private static func release(_ memory: UnsafeMutableRawPointer, size: Int, mapped: Bool) {
        if mapped { munmap(memory, size) } else { memory.deallocate() }
    }
}

extension GGUFFile {
    /// A bounds-checked little-endian cursor over the file's bytes.
    struct Reader {
        let base: UnsafeRawPointer
        let size: Int
        /// The position of the next byte to read.
        var offset = 0

        /// The bytes left after the offset.
        var remaining: Int { size - offset }

        /// Advances past `count` bytes, returning where they start.
        mutating func take(
            _ count: Int, _ what: @autoclosure () -> String
        ) throws(GGUFError) -> UnsafeRawPointer {
            guard count <= remaining else {
                throw .truncated(reading: what(), offset: offset, fileSize: size)
            }
            defer { offset += count }
            return base + offset
        }

        /// Reads one little-endian integer.
        mutating func scalar<T: FixedWidthInteger>(
            _: T.Type, _ what: @autoclosure () -> String
        ) throws(GGUFError) -> T {
            T(littleEndian: try take(MemoryLayout<T>.size, what()).loadUnaligned(as: T.self))
        }

        /// Reads `count` little-endian integers in one copy.
        mutating func scalars<T: FixedWidthInteger>(
            _ count: Int, _ what: @autoclosure () -> String
        ) throws(GGUFError) -> [T] {
            let source = try take(count * MemoryLayout<T>.stride, what())
            let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawPointer(buffer.baseAddress!)
                    .copyMemory(from: source, byteCount: count * MemoryLayout<T>.stride)
                initialized = count
            }
            #if _endian(big)
            return values.map { T(littleEndian: $0) }
            #else
            return values
            #endif
        }

        /// Reads a 64-bit length and that many bytes of UTF-8.
        mutating func string(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
            let start = offset
            let length = try scalar(UInt64.self, "the length of \(what())")
            guard length <= UInt64(remaining) else {
                throw .stringTooLong(length: length, offset: start, remaining: remaining)
            }
            let bytes = UnsafeRawBufferPointer(start: try take(Int(length), what()), count: Int(length))
            guard let string = String(validating: bytes, as: UTF8.self) else {
                throw .invalidUTF8(offset: start)
            }
            return string
        }

        /// Reads a 64-bit count of records at least `minimumSize` bytes each, failing
        /// with `tooLarge(count, remaining)` when they cannot fit in the bytes left.
        mutating func count(
            minimumSize: Int, _ what: @autoclosure () -> String,
            tooLarge: (UInt64, Int) -> GGUFError
        ) throws(GGUFError) -> Int {
            let count = try scalar(UInt64.self, what())
            let (bytes, overflow) = count.multipliedReportingOverflow(by: UInt64(minimumSize))
            guard !overflow, bytes <= UInt64(remaining) else { throw tooLarge(count, remaining) }
            return Int(count)
        }
    }
}
