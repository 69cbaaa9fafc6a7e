import GGUF

/// The exact reference's own dequantization, written from ggml's documented block layouts (not
/// from the engine's `Dequantize`). Every value comes out in Double, where each formula below is
/// exact: an fp16 scale (11 significant bits) times 6-bit scales and 6-bit quants fits in 53 bits.
/// All multi-byte fields are little-endian.
enum ExactDequantization {
    /// Elements and bytes per block of each type the reference reads.
    static func layout(_ type: TensorType) -> (elements: Int, bytes: Int)? {
        switch type {
        case .f32: (1, 4)
        case .f16: (1, 2)
        case .q4_0: (32, 18)   // d, 16 bytes of nibbles
        case .q4_1: (32, 20)   // d, m, 16 bytes of nibbles
        case .q5_0: (32, 22)   // d, 32 high bits, 16 bytes of nibbles
        case .q5_1: (32, 24)   // d, m, 32 high bits, 16 bytes of nibbles
        case .q8_0: (32, 34)   // d, 32 signed bytes
        case .q4_K: (256, 144) // d, dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles
        case .q5_K: (256, 176) // as q4_K plus 32 bytes of high bits before the nibbles
        case .q6_K: (256, 210) // 128 bytes of low nibbles, 64 of 2-bit highs, 16 signed scales, d
        default: nil
        }
    }

    /// IEEE half precision from its bits: sign, 5-bit exponent (bias 15), 10-bit fraction.
    static func half(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10) & 0x1F, fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24  // zero and subnormals: fraction * 2^-14 / 2^10
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// Decodes `count` elements (whole blocks) of `type` from `bytes` into `out`.
    static func decode(_ type: TensorType, _ bytes: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Double>) {
        guard let (elements, size) = layout(type) else { fatalError("the exact reference does not read \(type)") }
        precondition(count % elements == 0 && bytes.count >= count / elements * size, "\(type): \(count) elements do not fit")
        let base = bytes.baseAddress!
        for b in 0..<(count / elements) {
            let block = UnsafeRawBufferPointer(start: base + b * size, count: size)
            decodeBlock(type, Bytes(raw: block), out + b * elements)
        }
    }

    /// Decodes a byte array holding whole blocks.
    static func decode(_ type: TensorType, _ bytes: [UInt8]) -> [Double] {
        guard let (elements, size) = layout(type) else { fatalError("the exact reference does not read \(type)") }
        let count = bytes.count / size * elements
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { decode(type, $0, count: count, into: out.baseAddress!) }
            initialized = count
        }
    }

    /// Little-endian field reads from one block.
    struct Bytes {
        let raw: UnsafeRawBufferPointer
        subscript(_ i: Int) -> Int { Int(raw[i]) }
        func u16(_ i: Int) -> UInt16 { UInt16(raw[i]) | UInt16(raw[i + 1]) << 8 }
        func u32(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(raw[i + $1]) << (8 * $1) } }
        func half(_ i: Int) -> Double { ExactDequantization.half(u16(i)) }
        func signed(_ i: Int) -> Double { Double(Int8(bitPattern: raw[i])) }
    }

    static func decodeBlock(_ type: TensorType, _ x: Bytes, _ y: UnsafeMutablePointer<Double>) {
        switch type {
        case .f32: y[0] = Double(Float(bitPattern: x.u32(0)))
        case .f16: y[0] = x.half(0)
        case .q4_0, .q4_1:
            // Byte j holds element j in its low nibble and element j + 16 in its high one.
            let d = x.half(0), m = type == .q4_1 ? x.half(2) : nil, start = type == .q4_1 ? 4 : 2
            let offset: Double = type == .q4_1 ? 0 : -8
            for j in 0..<16 {
                y[j] = shifted(d * (Double(x[start + j] & 0xF) + offset), by: m)
                y[j + 16] = shifted(d * (Double(x[start + j] >> 4) + offset), by: m)
            }
        case .q5_0, .q5_1:
            // As q4, with bit j of the 32-bit field as element j's fifth bit.
            let d = x.half(0), m = type == .q5_1 ? x.half(2) : nil, start = type == .q5_1 ? 4 : 2
            let high = x.u32(start), offset: Double = type == .q5_1 ? 0 : -16
            for j in 0..<16 {
                let low = Double(x[start + 4 + j] & 0xF) + Double((high >> UInt32(j)) & 1) * 16
                let up = Double(x[start + 4 + j] >> 4) + Double((high >> UInt32(j + 16)) & 1) * 16
                y[j] = shifted(d * (low + offset), by: m)
                y[j + 16] = shifted(d * (up + offset), by: m)
            }
        case .q8_0:
            let d = x.half(0)
            for j in 0..<32 { y[j] = d * x.signed(2 + j) }
        case .q4_K, .q5_K: decodeK45(type, x, y)
        case .q6_K: decodeK6(x, y)
        default: fatalError("the exact reference does not read \(type)")
        }
    }

    /// d * q plus the block's min where the type has one; without one nothing is added, so a
    /// negative d times a zero quant stays -0 as in ggml.
    static func shifted(_ value: Double, by min: Double?) -> Double { min.map { value + $0 } ?? value }

    /// Sub-block `j`'s (0..<8) 6-bit scale and min, packed in the 12 bytes at 4: for j < 4 the low
    /// six bits of bytes j and j + 4; otherwise a nibble of byte j + 8 (low: scale, high: min) topped
    /// by the two high bits of byte j - 4 (scale) or byte j (min).
    static func scaleAndMin(_ x: Bytes, _ j: Int) -> (Double, Double) {
        let s = { x[4 + $0] }
        if j < 4 { return (Double(s(j) & 63), Double(s(j + 4) & 63)) }
        return (Double((s(j + 4) & 0xF) | (s(j - 4) >> 6) << 4), Double((s(j + 4) >> 4) | (s(j) >> 6) << 4))
    }

    /// q4_K and q5_K: eight sub-blocks of 32, x = d * scale * q - dmin * min. Each 64 elements share
    /// 32 nibble bytes (low nibbles first); q5_K's 32 high-bit bytes give element i of sub-block j
    /// its fifth bit as bit j of byte i.
    static func decodeK45(_ type: TensorType, _ x: Bytes, _ y: UnsafeMutablePointer<Double>) {
        let d = x.half(0), dmin = x.half(2), five = type == .q5_K
        let nibbles = five ? 48 : 16
        for j in 0..<8 {
            let (scale, min) = scaleAndMin(x, j)
            for i in 0..<32 {
                let byte = x[nibbles + (j / 2) * 32 + i]
                var q = j % 2 == 0 ? byte & 0xF : byte >> 4
                if five { q |= ((x[16 + i] >> j) & 1) << 4 }
                y[j * 32 + i] = d * scale * Double(q) - dmin * min
            }
        }
    }

    /// q6_K: sixteen sub-blocks of 16 with signed 8-bit scales, x = d * scale * (q - 32), q 6-bit.
    /// Each half of 128 elements takes 64 low-nibble bytes and 32 high-bit bytes: element l + 32 k
    /// (k 0..<4, l 0..<32) has low nibble k / 2 (low, high) of byte l + 32 (k % 2), and high bits
    /// 2k, 2k + 1 of byte l.
    static func decodeK6(_ x: Bytes, _ y: UnsafeMutablePointer<Double>) {
        let d = x.half(208)
        for half in 0..<2 {
            for k in 0..<4 {
                for l in 0..<32 {
                    let lowByte = x[half * 64 + l + 32 * (k % 2)]
                    let low = k < 2 ? lowByte & 0xF : lowByte >> 4
                    let high = (x[128 + half * 32 + l] >> (2 * k)) & 3
                    let element = half * 128 + k * 32 + l
                    y[element] = d * x.signed(192 + element / 16) * Double((low | high << 4) - 32)
                }
            }
        }
    }
}
