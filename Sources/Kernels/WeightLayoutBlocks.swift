import GGUF

extension WeightLayout {
    /// Moves GGUF block `i` of a row into the row's planes.
    func repackBlock(_ block: UnsafeRawBufferPointer, index i: Int, into planes: Planes) {
        let g = wordsPerGroup
        switch type {
        case .q8_0:
            planes.unit(i, vec4s: 2).copyMemory(from: block.baseAddress! + 2, byteCount: 32)
            planes.setHalf(i, block.u16(0))
        case .q4_0:
            // q - 8 as signed nibbles: q ^ 8 is its two's complement in four bits.
            let unit = planes.unit(i, vec4s: 1)
            for j in 0..<16 { unit.storeBytes(of: block[2 + j] ^ 0x88, toByteOffset: j, as: UInt8.self) }
            planes.setHalf(i, block.u16(0))
        case .q4_1:
            planes.unit(i, vec4s: 1).copyMemory(from: block.baseAddress! + 4, byteCount: 16)
            planes.setWord(i, block.u32(0))
        case .q5_0:
            // Per unit two words, one uvec4 per pair of units: high bits inverted (q ^ 16 is q - 16
            // in five bits' two's complement), d (f32).
            planes.unit(i, vec4s: 1).copyMemory(from: block.baseAddress! + 6, byteCount: 16)
            planes.setWord(2 * i, ~block.u32(2))
            planes.setWord(2 * i + 1, Float(Float16(bitPattern: block.u16(0))).bitPattern)
        case .q5_1:
            planes.unit(i, vec4s: 1).copyMemory(from: block.baseAddress! + 8, byteCount: 16)
            planes.setWord(i * g, block.u32(4))
            planes.setWord(i * g + 1, block.u32(0))
        case .q4_K, .q5_K:
            // d, dmin and the 12 scale bytes stay as they are.
            for w in 0..<4 { planes.setWord(i * g + w, block.u32(4 * w)) }
            let qs = type == .q4_K ? 16 : 48
            for k in 0..<8 {
                packNibbles(block, at: qs + 32 * (k / 2), high: k & 1 == 1, into: planes.unit(i * 8 + k, vec4s: 1))
                if type == .q5_K {
                    // Bit k of the 32 high-bit bytes, byte l's at bit l.
                    let bits = { (e: Int) in UInt32(Self.gatherBits(block.u64(16 + 8 * e) >> UInt64(k))) << (8 * e) }
                    planes.setWord(i * g + 4 + k, bits(0) | bits(1) | bits(2) | bits(3))
                }
            }
        case .q6_K:
            // Per unit one uvec4: its two words of 2-bit high parts, its two scale bytes, d (f32).
            let d = Float(Float16(bitPattern: block.u16(208)))
            for k in 0..<8 {
                planes.setWord(i * g + 4 * k + 2, UInt32(block[192 + 2 * k]) | UInt32(block[193 + 2 * k]) << 8)
                planes.setWord(i * g + 4 * k + 3, d.bitPattern)
                let (h, part) = (k / 4, k % 4)
                packNibbles(block, at: 64 * h + (part & 1) * 32, high: part >= 2, into: planes.unit(i * 8 + k, vec4s: 1))
                // Pair `part` of bytes l of the high bits, l = 0..<16 into the first word (pair l at
                // bits 2l), 16..<32 into the second; the upper bit of each pair inverted:
                // (q | h << 4) ^ 32 is q - 32 in six bits.
                let pairs = { (e: Int) in Self.gatherPairs(block.u64(128 + 32 * h + 8 * e) >> (2 * UInt64(part))) }
                planes.setWord(i * g + 4 * k, (pairs(0) | pairs(1) << 16) ^ 0xAAAA_AAAA)
                planes.setWord(i * g + 4 * k + 1, (pairs(2) | pairs(3) << 16) ^ 0xAAAA_AAAA)
            }
        default:
            preconditionFailure("WeightLayout.init admits only supported types")
        }
    }

    /// Writes 32 four-bit values as 16 bytes, byte j = value j | value (j + 16) << 4, where value l
    /// is the low (or with `high` the high) nibble of byte `at + l` of `block`: eight bytes at a time.
    private func packNibbles(_ block: UnsafeRawBufferPointer, at: Int, high: Bool, into out: UnsafeMutableRawPointer) {
        let low: UInt64 = 0x0F0F_0F0F_0F0F_0F0F
        for j in stride(from: 0, to: 16, by: 8) {
            let (first, second) = (block.u64(at + j), block.u64(at + 16 + j))
            let packed = high ? (first >> 4) & low | second & ~low : first & low | (second & low) << 4
            out.storeBytes(of: packed.littleEndian, toByteOffset: j, as: UInt64.self)
        }
    }

    /// Bit 0 of each of the eight bytes of x, byte l's at bit l of the result (the multiply moves
    /// byte l's bit to bit 56 + l; the other partial products land past bit 63 or low enough not
    /// to reach bit 56: the matvec tests' q5_K cases check the planes against the reference).
    static func gatherBits(_ x: UInt64) -> UInt8 {
        UInt8(((x & 0x0101_0101_0101_0101) &* 0x0102_0408_1020_4080) >> 56)
    }

    /// Bits 0-1 of each of the eight bytes of x, byte l's at bits 2l of the result.
    static func gatherPairs(_ x: UInt64) -> UInt32 {
        var y = x & 0x0303_0303_0303_0303
        y = (y | y >> 6) & 0x000F_000F_000F_000F
        y = (y | y >> 12) & 0x0000_00FF_0000_00FF
        y = (y | y >> 24) & 0xFFFF
        return UInt32(y)
    }
}
