import Foundation
import GGUF
import VulkanRuntime

/// Augur's GPU layout of a weight matrix (see `Shaders/quant/README.md`): plane A holds the low
/// bits of each 32-element unit as whole 16-byte vectors, plane B the scales, minimums and high
/// bits of each group of units, in their GGUF encodings except that q4_0's nibbles and q5_0's and
/// q6_K's top bits are inverted (the kernels then read q - 8, q - 16, q - 32 as signed integers).
/// Every load in the kernels is then an aligned 32- or 128-bit load, where GGUF's 18-, 22-, 34-
/// and 210-byte blocks are not.
public struct WeightLayout: Sendable, Equatable {
    public let type: TensorType
    public let vec4PerUnit: Int
    public let unitsPerGroup: Int
    public let wordsPerGroup: Int
    /// Reads GGUF's blocks as they are (plane B is the raw rows, no plane A): the layout Augur's
    /// is measured against. Only q4_0, whose block pairs are whole words.
    public let ggufBytes: Bool

    public static let supportedTypes: [TensorType] = [.f32, .f16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    /// The type a model's `type` matrices are best stored as on a device. CPU devices (lavapipe)
    /// are bound by arithmetic, not bytes: q5_0's fifth bits cost more to unpack than the 55% more
    /// bytes of q8_0 cost to read, and the conversion is exact. GPUs are bound by bytes and keep q5_0.
    public static func storage(for type: TensorType, on device: DeviceCapabilities) -> TensorType {
        device.kind == .cpu && type == .q5_0 ? .q8_0 : type
    }

    public init(_ type: TensorType, ggufBytes: Bool = false) throws {
        self.type = type
        self.ggufBytes = ggufBytes
        if ggufBytes {
            guard type == .q4_0 else { throw TensorTypeError.unsupported(type) }
            (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (0, 2, 9)
            return
        }
        switch type {
        case .f32: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (8, 1, 0)
        case .f16: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (4, 1, 0)
        case .q8_0: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (2, 2, 1)
        case .q4_0: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (1, 2, 1)
        case .q4_1: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (1, 1, 1)
        case .q5_0: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (1, 2, 4)
        case .q5_1: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (1, 1, 2)
        case .q4_K: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (1, 8, 4)
        case .q5_K: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (1, 8, 12)
        case .q6_K: (vec4PerUnit, unitsPerGroup, wordsPerGroup) = (1, 8, 32)
        default: throw TensorTypeError.unsupported(type)
        }
    }

    /// Whether its kernels read plane B four words at a time (`LOAD_B4`: a k-quant group's head,
    /// or a q5_0/q6_K unit's side words): then plane B is fetched as 16-byte texels, else word by
    /// word (measured faster for the other types).
    public var readsPlaneBInFours: Bool { !ggufBytes && [.q5_0, .q4_K, .q5_K, .q6_K].contains(type) }

    /// The shader define that selects this type (`W_Q4_K`).
    public var define: String { "W_" + type.name.uppercased() + (ggufBytes ? "_GGUF" : "") }

    public func unitsPerRow(columns: Int) -> Int { columns / 32 }
    public func groupsPerRow(columns: Int) -> Int { (columns / 32 + unitsPerGroup - 1) / unitsPerGroup }
    public func aBytesPerRow(columns: Int) -> Int { unitsPerRow(columns: columns) * vec4PerUnit * 16 }
    public func bBytesPerRow(columns: Int) -> Int { groupsPerRow(columns: columns) * wordsPerGroup * 4 }

    /// Checks that rows of `columns` elements can be laid out.
    public func validate(columns: Int) throws {
        guard columns > 0, columns % 32 == 0, columns % type.blockSize == 0, !ggufBytes || columns % 64 == 0 else {
            throw TensorTypeError.rowNotMultipleOfBlock(type: type, elements: columns)
        }
    }

    /// Bytes of planes A and B for `rows` rows of `columns` elements (plane B at least one word).
    public func planeBytes(rows: Int, columns: Int) -> (a: Int, b: Int) {
        ggufBytes ? (0, max(((try? type.rowBytes(elements: columns)) ?? 0) * rows, 4))
                  : (aBytesPerRow(columns: columns) * rows, max(bBytesPerRow(columns: columns) * rows, 4))
    }

    /// Rewrites `rows` GGUF rows of `columns` elements into planes A and B.
    public func repack(_ gguf: UnsafeRawBufferPointer, rows: Int, columns: Int) throws -> (a: [UInt8], b: [UInt8]) {
        let (aBytes, bBytes) = planeBytes(rows: rows, columns: columns)
        var a = [UInt8](repeating: 0, count: aBytes), b = [UInt8](repeating: 0, count: bBytes)
        try a.withUnsafeMutableBytes { aOut in
            try b.withUnsafeMutableBytes { bOut in try repack(gguf, rows: rows, columns: columns, a: aOut, b: bOut) }
        }
        return (a, b)
    }

    /// Rewrites `rows` GGUF rows of `columns` elements into `a` and `b` (`planeBytes` each: every
    /// byte is written, so they need not be cleared), rows in parallel.
    public func repack(_ gguf: UnsafeRawBufferPointer, rows: Int, columns: Int,
                       a: UnsafeMutableRawBufferPointer, b: UnsafeMutableRawBufferPointer) throws {
        try validate(columns: columns)
        let rowBytes = try type.rowBytes(elements: columns)
        guard gguf.count >= rowBytes * rows else {
            throw TensorTypeError.bufferTooSmall(needed: rowBytes * rows, got: gguf.count)
        }
        let (aBytes, bBytes) = planeBytes(rows: rows, columns: columns)
        guard a.count >= aBytes, b.count >= bBytes else {
            throw TensorTypeError.bufferTooSmall(needed: aBytes + bBytes, got: a.count + b.count)
        }
        let aRow = aBytesPerRow(columns: columns), bRow = ggufBytes ? rowBytes : bBytesPerRow(columns: columns)
        // Plane B's words past the rows (a matrix of no rows has one).
        b.baseAddress!.advanced(by: bRow * rows).initializeMemory(as: UInt8.self, repeating: 0, count: bBytes - bRow * rows)
        let blocks = columns / type.blockSize
        let chunk = 32, chunks = (rows + chunk - 1) / chunk
        // Addresses as integers: the workers write disjoint rows of both planes and read `gguf`.
        let (aBase, bBase, input) = (UInt(bitPattern: a.baseAddress), UInt(bitPattern: b.baseAddress), UInt(bitPattern: gguf.baseAddress))
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for r in c * chunk..<min(rows, (c + 1) * chunk) {
                let row = UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: input)! + r * rowBytes, count: rowBytes)
                let planes = Planes(a: UnsafeMutableRawPointer(bitPattern: aBase).map { $0 + r * aRow },
                                    b: UnsafeMutableRawPointer(bitPattern: bBase)! + r * bRow)
                if ggufBytes {  // plane B is the GGUF rows themselves
                    planes.b.copyMemory(from: row.baseAddress!, byteCount: rowBytes)
                } else if type.blockSize == 1 {  // f32, f16: plane A is the row itself
                    planes.a!.copyMemory(from: row.baseAddress!, byteCount: rowBytes)
                } else {
                    for i in 0..<blocks {
                        let block = UnsafeRawBufferPointer(rebasing: row[(i * type.bytesPerBlock)..<((i + 1) * type.bytesPerBlock)])
                        repackBlock(block, index: i, into: planes)
                    }
                }
            }
        }
    }

    /// Where one row's units go.
    struct Planes {
        let a: UnsafeMutableRawPointer?  // nil: plane A is empty (GGUF bytes)
        let b: UnsafeMutableRawPointer

        func unit(_ u: Int, vec4s: Int) -> UnsafeMutableRawPointer { a! + u * vec4s * 16 }
        func setWord(_ index: Int, _ value: UInt32) { b.storeBytes(of: value.littleEndian, toByteOffset: index * 4, as: UInt32.self) }
        func setHalf(_ index: Int, _ value: UInt16) { b.storeBytes(of: value.littleEndian, toByteOffset: index * 2, as: UInt16.self) }
    }
}

extension UnsafeRawBufferPointer {
    func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
    func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
}
