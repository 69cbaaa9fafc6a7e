/// Helpers for building ggml blocks byte by byte in tests.
enum BlockBytes {
    /// The two little-endian bytes of `value` as an IEEE half (use exactly representable values).
    static func half(_ value: Float) -> [UInt8] {
        let bits = Float16(value).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    /// The four little-endian bytes of `value`.
    static func uint32(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// The four little-endian bytes of `value` as an IEEE single.
    static func float(_ value: Float) -> [UInt8] {
        uint32(value.bitPattern)
    }
}
