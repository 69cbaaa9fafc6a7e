/// GPT-2's reversible map between bytes and printable Unicode scalars.
///
/// Printable Latin-1 bytes ('!'...'~', '¡'...'¬', '®'...'ÿ') stand for themselves;
/// the other 68 bytes (controls, space, DEL, NBSP, soft hyphen, ...) map, in byte
/// order, to U+0100 and up, so a space is 'Ġ' (U+0120) and a newline 'Ċ' (U+010A).
/// Byte-level vocabularies store their token texts in this alphabet.
enum ByteLevel {
    /// The scalar standing for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// The byte each scalar below U+0144 stands for, or -1.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar)] = Int16(byte) }
        return table
    }()

    /// The UTF-8 encoding of each byte's scalar (one or two bytes).
    static let utf8ForByte: [[UInt8]] = scalarForByte.map { Array(String(Unicode.Scalar($0)!).utf8) }

    static func standsForItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The byte-level text (as UTF-8) of raw bytes.
    static func encode<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out.append(contentsOf: utf8ForByte[Int(byte)]) }
        return out
    }

    /// The raw bytes of a byte-level token text. A scalar outside the alphabet is
    /// written as llama.cpp's `llama_decode_text` writes it: "[UNK_BYTE_0x<utf8 hex><text>]".
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let value = Int(scalar.value)
            if value < byteForScalar.count, byteForScalar[value] >= 0 {
                out.append(UInt8(byteForScalar[value]))
            } else {
                let hex = String(scalar).utf8.map { byte in
                    let digits = String(byte, radix: 16)
                    return digits.count == 1 ? "0" + digits : digits
                }.joined()
                out.append(contentsOf: "[UNK_BYTE_0x\(hex)\(text)]".utf8)
            }
        }
        return out
    }
}
