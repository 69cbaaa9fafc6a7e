/// Plain CPU reference dequantization of ggml tensor data.
///
/// Every decoder follows ggml's reference `dequantize_row_*` routines, including
/// the order of its float operations, so its output is the bit-exact baseline
/// that GPU kernels are compared against. Multi-byte fields are little-endian;
/// fp16 fields are IEEE half precision. The 32-element block types live here,
/// the 256-element K-quants in `DequantizeKQuants.swift`.
public enum Dequantize {
    /// Decodes one block of `type`, writing `type.blockSize` floats to `y`.
    typealias BlockDecoder = (_ block: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) -> Void

    /// Dequantizes one row of `elements` elements stored at the start of `bytes`.
    ///
    /// - Throws: `TensorTypeError.unsupported` when `type.isDequantizable` is false,
    ///   `TensorTypeError.rowNotMultipleOfBlock` when `elements` is not a whole number
    ///   of blocks, `TensorTypeError.bufferTooSmall` when `bytes` is shorter than the row.
    public static func row(
        _ type: TensorType, from bytes: UnsafeRawBufferPointer, elements: Int
    ) throws -> [Float] {
        let decode = try decoder(for: type)
        let needed = try type.rowBytes(elements: elements)
        guard bytes.count >= needed else {
            throw TensorTypeError.bufferTooSmall(needed: needed, got: bytes.count)
        }
        guard elements > 0, let base = bytes.baseAddress else { return [] }
        return [Float](unsafeUninitializedCapacity: elements) { out, initialized in
            let y = out.baseAddress!
            let blocks = elements / type.blockSize
            for b in 0..<blocks {
                decode(base + b * type.bytesPerBlock, y + b * type.blockSize)
            }
            initialized = elements
        }
    }

    /// Dequantizes one row of `elements` elements stored at the start of `bytes`.
    ///
    /// - Throws: the errors of `row(_:from:elements:)` for a raw buffer.
    public static func row(_ type: TensorType, from bytes: [UInt8], elements: Int) throws -> [Float] {
        try bytes.withUnsafeBytes { try row(type, from: $0, elements: elements) }
    }

    /// Dequantizes the single block of `type` stored at the start of `bytes`,
    /// returning `type.blockSize` floats.
    ///
    /// - Throws: `TensorTypeError.unsupported` or `TensorTypeError.bufferTooSmall`.
    public static func block(_ type: TensorType, from bytes: UnsafeRawBufferPointer) throws -> [Float] {
        try row(type, from: bytes, elements: type.blockSize)
    }

    /// Dequantizes the single block of `type` stored at the start of `bytes`.
    ///
    /// - Throws: `TensorTypeError.unsupported` or `TensorTypeError.bufferTooSmall`.
    public static func block(_ type: TensorType, from bytes: [UInt8]) throws -> [Float] {
        try bytes.withUnsafeBytes { try block(type, from: $0) }
    }

    /// The block decoder for `type`, or `TensorTypeError.unsupported`.
    static func decoder(for type: TensorType) throws -> BlockDecoder {
        switch type {
        case .f32: f32
        case .f16: f16
        case .bf16: bf16
        case .q4_0: q4_0
        case .q4_1: q4_1
        case .q5_0: q5_0
        case .q5_1: q5_1
        case .q8_0: q8_0
        case .q4_K: q4_K
        case .q5_K: q5_K
        case .q6_K: q6_K
        default: throw TensorTypeError.unsupported(type)
        }
    }

    // MARK: Field readers

    /// The byte at `offset`.
    @inline(__always)
    static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        p.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The little-endian IEEE half at `offset`, widened exactly to Float.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        let bits = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        return Float(Float16(bitPattern: bits))
    }

    // MARK: Scalar types

    /// One little-endian IEEE single.
    static func f32(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        y[0] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
    }

    /// One little-endian IEEE half.
    static func f16(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        y[0] = half(p, 0)
    }

    /// One bfloat16: the upper 16 bits of an IEEE single.
    static func bf16(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let bits = UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))
        y[0] = Float(bitPattern: UInt32(bits) << 16)
    }

    // MARK: 32-element quants

    /// q4_0: half d; qs[16]. y[j] = (lo(qs[j]) - 8) * d, y[j+16] = (hi(qs[j]) - 8) * d.
    static func q4_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for j in 0..<16 {
            let q = byte(p, 2 + j)
            let x0 = Int32(q & 0x0F) - 8
            let x1 = Int32(q >> 4) - 8
            y[j] = Float(x0) * d
            y[j + 16] = Float(x1) * d
        }
    }

    /// q4_1: half d, m; qs[16]. y = q * d + m.
    static func q4_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let m = half(p, 2)
        for j in 0..<16 {
            let q = byte(p, 4 + j)
            let x0 = Int32(q & 0x0F)
            let x1 = Int32(q >> 4)
            y[j] = Float(x0) * d + m
            y[j + 16] = Float(x1) * d + m
        }
    }

    /// q5_0: half d; qh (uint32); qs[16]. Fifth bits from qh, then y = (q - 16) * d.
    static func q5_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<16 {
            let q = UInt32(byte(p, 6 + j))
            let xh0 = ((qh >> UInt32(j)) << 4) & 0x10
            let xh1 = (qh >> UInt32(j + 12)) & 0x10
            let x0 = Int32(bitPattern: (q & 0x0F) | xh0) - 16
            let x1 = Int32(bitPattern: (q >> 4) | xh1) - 16
            y[j] = Float(x0) * d
            y[j + 16] = Float(x1) * d
        }
    }

    /// q5_1: half d, m; qh (uint32); qs[16]. Fifth bits from qh, then y = q * d + m.
    static func q5_1(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let m = half(p, 2)
        let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for j in 0..<16 {
            let q = UInt32(byte(p, 8 + j))
            let xh0 = ((qh >> UInt32(j)) << 4) & 0x10
            let xh1 = (qh >> UInt32(j + 12)) & 0x10
            let x0 = Int32(bitPattern: (q & 0x0F) | xh0)
            let x1 = Int32(bitPattern: (q >> 4) | xh1)
            y[j] = Float(x0) * d + m
            y[j + 16] = Float(x1) * d + m
        }
    }

    /// q8_0: half d; int8 qs[32]. y = qs * d.
    static func q8_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        for j in 0..<32 {
            let q = Int8(bitPattern: byte(p, 2 + j))
            y[j] = Float(q) * d
        }
    }
}
