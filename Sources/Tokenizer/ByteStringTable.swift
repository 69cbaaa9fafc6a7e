/// A hash map from byte strings to `Int32`, with the keys packed in one buffer.
///
/// Token texts are looked up as bytes, never as `String`s: Swift compares strings by
/// canonical equivalence, and llama.cpp compares bytes.
struct ByteStringTable: Sendable {
    private var storage: [UInt8] = []
    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var values: [Int32] = []
    /// Open addressing: an entry index, or -1 for an empty slot.
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        starts.reserveCapacity(capacity)
        lengths.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    var count: Int { values.count }

    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let m = (h ^ (h >> 29)) &* 0xbf58_476d_1ce4_e5b9
        return Int(truncatingIfNeeded: m ^ (m >> 32))
    }

    private func equals(_ entry: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(lengths[entry]) == key.count else { return false }
        let start = Int(starts[entry])
        return storage.withUnsafeBufferPointer { s in
            for i in 0..<key.count where s[start + i] != key[i] { return false }
            return true
        }
    }

    /// The slot holding `key`, or the empty slot where it would go.
    private func slot(for key: UnsafeBufferPointer<UInt8>) -> Int {
        var i = Self.hash(key) & mask
        while true {
            let entry = Int(slots[i])
            if entry < 0 || equals(entry, key) { return i }
            i = (i + 1) & mask
        }
    }

    func value(for key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let entry = Int(slots[slot(for: key)])
        return entry < 0 ? nil : values[entry]
    }

    func value<C: Collection<UInt8>>(for key: C) -> Int32? {
        if let found = key.withContiguousStorageIfAvailable({ value(for: $0) }) { return found }
        return Array(key).withUnsafeBufferPointer { value(for: $0) }
    }

    /// Sets `key` to `value`, replacing an existing value only when `replace` is true.
    /// Returns the value the key now has.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, _ value: Int32, replace: Bool) -> Int32 {
        let s = slot(for: key)
        let entry = Int(slots[s])
        if entry >= 0 {
            if replace { values[entry] = value }
            return values[entry]
        }
        slots[s] = Int32(values.count)
        starts.append(Int32(storage.count))
        lengths.append(Int32(key.count))
        values.append(value)
        storage.append(contentsOf: key)
        if values.count * 2 > slots.count { grow() }
        return value
    }

    @discardableResult
    mutating func insert<C: Collection<UInt8>>(_ key: C, _ value: Int32, replace: Bool) -> Int32 {
        if let done = key.withContiguousStorageIfAvailable({ insert($0, value, replace: replace) }) { return done }
        return Array(key).withUnsafeBufferPointer { insert($0, value, replace: replace) }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for entry in 0..<values.count {
            let start = Int(starts[entry])
            let end = start + Int(lengths[entry])
            let s = storage.withUnsafeBufferPointer { slot(for: UnsafeBufferPointer(rebasing: $0[start..<end])) }
            slots[s] = Int32(entry)
        }
    }
}
