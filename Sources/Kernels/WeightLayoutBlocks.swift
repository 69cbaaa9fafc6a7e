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
                packNibbles(into: planes.unit(i * 8 + k, vec4s: 1)) { l in
                    let byte = block[qs + 32 * (k / 2) + l]
                    return k & 1 == 0 ? byte & 0xF : byte >> 4
                }
                if type == .q5_K {
                    var high: UInt32 = 0
                    for l in 0..<32 { high |= UInt32((block[16 + l] >> k) & 1) << l }
                    planes.setWord(i * g + 4 + k, high)
                }
            }
        case .q6_K:
            // Per unit one uvec4: its two words of 2-bit high parts, its two scale bytes, d (f32).
            let d = Float(Float16(bitPattern: block.u16(208)))
            for k in 0..<8 {
                planes.setWord(i * g + 4 * k + 2, UInt32(block[192 + 2 * k]) | UInt32(block[193 + 2 * k]) << 8)
                planes.setWord(i * g + 4 * k + 3, d.bitPattern)
                let (h, part) = (k / 4, k % 4)
                packNibbles(into: planes.unit(i * 8 + k, vec4s: 1)) { l in
                    let byte = block[64 * h + l + (part & 1) * 32]
                    return part < 2 ? byte & 0xF : byte >> 4
                }
                var high: (UInt32, UInt32) = (0, 0)
                for l in 0..<32 {
                    let bits = UInt32((block[128 + 32 * h + l] >> (2 * part)) & 3)
                    if l < 16 { high.0 |= bits << (2 * l) } else { high.1 |= bits << (2 * (l - 16)) }
                }
                // The upper bit of each pair inverted: (q | h << 4) ^ 32 is q - 32 in six bits.
                planes.setWord(i * g + 4 * k, high.0 ^ 0xAAAA_AAAA)
                planes.setWord(i * g + 4 * k + 1, high.1 ^ 0xAAAA_AAAA)
            }
        default:
            preconditionFailure("WeightLayout.init admits only supported types")
        }
    }

    /// Writes 32 four-bit values as 16 bytes: byte j = value j | value (j + 16) << 4.
    private func packNibbles(into out: UnsafeMutableRawPointer, _ value: (Int) -> UInt8) {
        for j in 0..<16 {
            out.storeBytes(of: value(j) | value(j + 16) << 4, toByteOffset: j, as: UInt8.self)
        }
    }
}
