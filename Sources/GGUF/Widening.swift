/// Exact conversions of quantized blocks into a wider type that some devices read faster: every
/// weight keeps its value bit for bit, only the encoding grows.
public enum Widening {
    /// q5_0 blocks (half d, 32 fifth bits, 16 bytes of nibbles: y = (q - 16) * d) as q8_0 blocks
    /// (half d, 32 signed bytes: y = q * d) with the same d and q - 16 as the byte.
    public static func q8_0(fromQ5_0 source: UnsafeRawBufferPointer) throws -> [UInt8] {
        let (inSize, outSize) = (TensorType.q5_0.bytesPerBlock, TensorType.q8_0.bytesPerBlock)
        guard source.count % inSize == 0 else {
            throw TensorTypeError.rowNotMultipleOfBlock(type: .q5_0, elements: source.count / inSize * 32 + 1)
        }
        let blocks = source.count / inSize
        var out = [UInt8](repeating: 0, count: blocks * outSize)
        out.withUnsafeMutableBufferPointer { dst in
            for b in 0..<blocks {
                let p = b * inSize, o = b * outSize
                dst[o] = source[p]
                dst[o + 1] = source[p + 1]
                let qh = source.loadUnaligned(fromByteOffset: p + 2, as: UInt32.self).littleEndian
                for j in 0..<16 {
                    let q = UInt32(source[p + 6 + j])
                    let low = (q & 0x0F) | (((qh >> UInt32(j)) << 4) & 0x10)
                    let high = (q >> 4) | ((qh >> UInt32(j + 12)) & 0x10)
                    dst[o + 2 + j] = UInt8(truncatingIfNeeded: Int32(low) - 16)
                    dst[o + 18 + j] = UInt8(truncatingIfNeeded: Int32(high) - 16)
                }
            }
        }
        return out
    }
}
