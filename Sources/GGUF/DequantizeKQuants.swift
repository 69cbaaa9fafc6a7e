/// Reference decoders for the 256-element K-quant blocks.
extension Dequantize {
    /// The 6-bit scale and 6-bit min of sub-block `j` (0..<8) from the 12 packed
    /// scale bytes of a q4_K or q5_K block, as ggml's `get_scale_min_k4`.
    ///
    /// Sub-blocks 0..<4 keep their values in the low 6 bits of bytes j and j+4;
    /// sub-blocks 4..<8 combine a nibble of byte j+4 with the top 2 bits of
    /// byte j-4 (scale) or byte j (min).
    @inline(__always)
    static func scaleMin(_ j: Int, _ scales: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (byte(scales, j) & 63, byte(scales, j + 4) & 63)
        }
        let scale = (byte(scales, j + 4) & 0x0F) | ((byte(scales, j - 4) >> 6) << 4)
        let min = (byte(scales, j + 4) >> 4) | ((byte(scales, j) >> 6) << 4)
        return (scale, min)
    }

    /// q4_K: half d, dmin; scales[12]; qs[128].
    ///
    /// Each 64-element chunk reads 32 bytes of qs: low nibbles for the first
    /// sub-block, high nibbles for the second. y = (d * sc) * q - (dmin * m).
    static func q4_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let dmin = half(p, 2)
        let scales = p + 4
        var q = 16
        var sub = 0
        var out = 0
        for _ in 0..<4 {
            let (sc1, mn1) = scaleMin(sub, scales)
            let d1 = d * Float(sc1)
            let m1 = dmin * Float(mn1)
            let (sc2, mn2) = scaleMin(sub + 1, scales)
            let d2 = d * Float(sc2)
            let m2 = dmin * Float(mn2)
            for l in 0..<32 {
                y[out + l] = d1 * Float(byte(p, q + l) & 0x0F) - m1
            }
            for l in 0..<32 {
                y[out + 32 + l] = d2 * Float(byte(p, q + l) >> 4) - m2
            }
            q += 32
            sub += 2
            out += 64
        }
    }

    /// q5_K: half d, dmin; scales[12]; qh[32]; qs[128].
    ///
    /// As q4_K, with a fifth bit per element from qh: chunk c takes bit 2c of
    /// qh[l] for its first sub-block and bit 2c+1 for its second.
    static func q5_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 0)
        let dmin = half(p, 2)
        let scales = p + 4
        let qh = 16
        var ql = 48
        var sub = 0
        var out = 0
        var u1: UInt8 = 1
        var u2: UInt8 = 2
        for _ in 0..<4 {
            let (sc1, mn1) = scaleMin(sub, scales)
            let d1 = d * Float(sc1)
            let m1 = dmin * Float(mn1)
            let (sc2, mn2) = scaleMin(sub + 1, scales)
            let d2 = d * Float(sc2)
            let m2 = dmin * Float(mn2)
            for l in 0..<32 {
                let high: Int32 = byte(p, qh + l) & u1 != 0 ? 16 : 0
                y[out + l] = d1 * Float(Int32(byte(p, ql + l) & 0x0F) + high) - m1
            }
            for l in 0..<32 {
                let high: Int32 = byte(p, qh + l) & u2 != 0 ? 16 : 0
                y[out + 32 + l] = d2 * Float(Int32(byte(p, ql + l) >> 4) + high) - m2
            }
            ql += 32
            sub += 2
            out += 64
            u1 <<= 2
            u2 <<= 2
        }
    }

    /// q6_K: ql[128]; qh[64]; int8 scales[16]; half d.
    ///
    /// Each 128-element half uses 64 bytes of ql, 32 of qh and 8 scales; the
    /// 6-bit value is offset by -32 and y = (d * sc) * q.
    static func q6_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p, 208)
        for n in 0..<2 {
            let ql = 64 * n
            let qh = 128 + 32 * n
            let sc = 192 + 8 * n
            let out = 128 * n
            for l in 0..<32 {
                let sub = l / 16
                let h = byte(p, qh + l)
                let a = byte(p, ql + l)
                let b = byte(p, ql + l + 32)
                let q1 = Int32((a & 0x0F) | (((h >> 0) & 3) << 4)) - 32
                let q2 = Int32((b & 0x0F) | (((h >> 2) & 3) << 4)) - 32
                let q3 = Int32((a >> 4) | (((h >> 4) & 3) << 4)) - 32
                let q4 = Int32((b >> 4) | (((h >> 6) & 3) << 4)) - 32
                y[out + l] = d * scale6(p, sc + sub) * Float(q1)
                y[out + l + 32] = d * scale6(p, sc + sub + 2) * Float(q2)
                y[out + l + 64] = d * scale6(p, sc + sub + 4) * Float(q3)
                y[out + l + 96] = d * scale6(p, sc + sub + 6) * Float(q4)
            }
        }
    }

    /// The signed 8-bit q6_K scale at `offset`, as Float.
    @inline(__always)
    private static func scale6(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Int8(bitPattern: byte(p, offset)))
    }
}
