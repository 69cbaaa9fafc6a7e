/// The Unicode properties llama.cpp's pre-tokenizers look at, one byte per scalar.
///
/// llama.cpp derives them from UnicodeData.txt: letter = L* (Lu Ll Lt Lm Lo), number =
/// N* (Nd Nl No), punctuation = P*, whitespace = the White_Space property (U+0009...U+000D,
/// space, U+0085, U+00A0, U+1680, U+2000...U+200A, U+2028, U+2029, U+202F, U+205F,
/// U+3000). Here they come from Swift's Unicode tables, per scalar (never per grapheme).
struct CodepointFlags: OptionSet, Sendable {
    let rawValue: UInt8

    static let letter = CodepointFlags(rawValue: 1)
    static let number = CodepointFlags(rawValue: 2)
    static let whitespace = CodepointFlags(rawValue: 4)
    static let punctuation = CodepointFlags(rawValue: 8)

    /// Letter, number or whitespace: what `[^\s\p{L}\p{N}]` excludes.
    static let letterNumberOrSpace: CodepointFlags = [.letter, .number, .whitespace]

    private static let ascii: [CodepointFlags] = (0..<128).map { compute(UInt32($0)) }

    /// The flags of one scalar value.
    @inline(__always)
    static func of(_ value: UInt32) -> CodepointFlags {
        value < 128 ? ascii[Int(value)] : compute(value)
    }

    private static func compute(_ value: UInt32) -> CodepointFlags {
        guard let scalar = Unicode.Scalar(value) else { return [] }
        var flags: CodepointFlags = scalar.properties.isWhitespace ? .whitespace : []
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            flags.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            flags.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            flags.insert(.punctuation)
        default:
            break
        }
        return flags
    }
}

/// A text fragment as Unicode scalars, with each scalar's flags and UTF-8 offset.
struct ScalarText {
    var values: [UInt32] = []
    var flags: [CodepointFlags] = []
    /// The UTF-8 offset of each scalar, plus the end offset.
    var offsets: [Int] = []

    /// Decodes well-formed UTF-8 (as a Swift String's bytes always are).
    init<C: RandomAccessCollection<UInt8>>(utf8 bytes: C) where C.Index == Int {
        values.reserveCapacity(bytes.count)
        flags.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let lead = bytes[i]
            var value = UInt32(lead)
            var length = 1
            if lead >= 0xF0 {
                value = UInt32(lead & 0x07); length = 4
            } else if lead >= 0xE0 {
                value = UInt32(lead & 0x0F); length = 3
            } else if lead >= 0xC0 {
                value = UInt32(lead & 0x1F); length = 2
            }
            if length > 1 {
                for k in 1..<min(length, bytes.endIndex - i) {
                    value = value << 6 | UInt32(bytes[i + k] & 0x3F)
                }
            }
            offsets.append(i - bytes.startIndex)
            values.append(value)
            flags.append(.of(value))
            i += length
        }
        offsets.append(bytes.count)
    }
}
