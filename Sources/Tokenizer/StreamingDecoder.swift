/// Turns generated token ids into text as they come, emitting only complete UTF-8
/// characters: a token that ends inside a multi-byte character (half an emoji) emits
/// nothing until a later token completes it.
public struct StreamingDecoder: Sendable {
    public let tokenizer: Tokenizer
    /// Whether control tokens are written out (see `Tokenizer.piece(_:special:)`).
    public let special: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer, special: Bool = false) {
        self.tokenizer = tokenizer
        self.special = special
    }

    /// Whether bytes of an unfinished character are held back.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// Adds one token; returns the text it completes (possibly empty). Bytes that can
    /// never form a character are emitted as U+FFFD at once.
    public mutating func append(_ id: Int) -> String {
        pending.append(contentsOf: tokenizer.piece(id, special: special))
        let ready = pending.count - Self.unfinishedSuffixLength(pending)
        guard ready > 0 else { return "" }
        let text = String(decoding: pending[..<ready], as: UTF8.self)
        pending.removeFirst(ready)
        return text
    }

    /// Adds several tokens; returns the text they complete.
    public mutating func append(contentsOf ids: some Sequence<Int>) -> String {
        ids.reduce(into: "") { $0 += append($1) }
    }

    /// Emits what is held back (an unfinished character becomes U+FFFD) and resets.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of the trailing bytes that begin a valid UTF-8 character not yet
    /// complete, or 0 when the bytes end on a character boundary (or on invalid bytes).
    static func unfinishedSuffixLength(_ bytes: [UInt8]) -> Int {
        var lead = bytes.count - 1
        while lead >= 0 && bytes.count - lead <= 3 && bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0 else { return 0 }
        let needed: Int
        switch bytes[lead] {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return 0
        }
        let have = bytes.count - lead
        guard have < needed else { return 0 }
        if have >= 2 {
            let second = bytes[lead + 1]
            let valid: ClosedRange<UInt8> = switch bytes[lead] {
            case 0xE0: 0xA0...0xBF
            case 0xED: 0x80...0x9F
            case 0xF0: 0x90...0xBF
            case 0xF4: 0x80...0x8F
            default: 0x80...0xBF
            }
            guard valid.contains(second) else { return 0 }
        }
        return have
    }
}
