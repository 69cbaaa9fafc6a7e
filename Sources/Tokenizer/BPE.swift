/// Byte-level BPE merging, as llama.cpp's `llm_tokenizer_bpe_session` does it.
///
/// A piece starts as one symbol per byte (its byte-level character). The adjacent pair
/// with the lowest merge rank is merged first, the leftmost on ties, until no pair has
/// a merge. Each final symbol becomes its token; one that is no token (a merge whose
/// result is not in the vocabulary) becomes the tokens of its single-byte characters,
/// skipping those that are none, as llama.cpp does.
///
/// Symbols are ids, not strings: every string a symbol can hold (a token, a byte-level
/// character, a merge result) gets one, and merges are keyed by the two ids.
struct BPE: Sendable {
    let vocabularySize: Int
    /// llama.cpp's `ignore_merges` (llama3): a piece that is itself a token is not merged.
    let ignoresMerges: Bool
    /// Token texts -> token id (the last one for duplicates, as llama.cpp); other symbol
    /// strings -> vocabularySize + their index in `extraTexts`.
    private let symbols: ByteStringTable
    private let extraTexts: [[UInt8]]
    private let byteSymbols: [Int32]
    private let singleByteTokens: [Int32]
    /// (left symbol << 32 | right symbol) -> (rank << 32 | merged symbol); the first merge
    /// of a pair wins, as llama.cpp's `bpe_ranks.emplace` keeps it.
    private let pairs: [UInt64: UInt64]

    init(tokens: [String], merges: [String], ignoresMerges: Bool) {
        vocabularySize = tokens.count
        self.ignoresMerges = ignoresMerges
        var table = ByteStringTable(capacity: tokens.count + merges.count + 256)
        for (id, token) in tokens.enumerated() { table.insert(token.utf8, Int32(id), replace: true) }
        var extras: [[UInt8]] = []
        func symbol(_ text: [UInt8]) -> Int32 {
            let next = Int32(tokens.count + extras.count)
            let id = table.insert(text, next, replace: false)
            if id == next { extras.append(text) }
            return id
        }
        byteSymbols = ByteLevel.utf8ForByte.map(symbol)
        var split: [(left: ArraySlice<UInt8>, right: ArraySlice<UInt8>, merged: Int32)?] = []
        split.reserveCapacity(merges.count)
        for merge in merges {
            let bytes = Array(merge.utf8)
            guard bytes.count > 1, let space = bytes[1...].firstIndex(of: 0x20) else {
                split.append(nil)
                continue
            }
            var merged = Array(bytes[..<space])
            merged.append(contentsOf: bytes[(space + 1)...])
            split.append((bytes[..<space], bytes[(space + 1)...], symbol(merged)))
        }
        var pairs: [UInt64: UInt64] = [:]
        pairs.reserveCapacity(merges.count)
        for (rank, entry) in split.enumerated() {
            guard let entry, let left = table.value(for: entry.left), let right = table.value(for: entry.right)
            else { continue }
            let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
            if pairs[key] == nil { pairs[key] = UInt64(rank) << 32 | UInt64(UInt32(entry.merged)) }
        }
        singleByteTokens = (0..<256).map { byte in
            let id = table.value(for: [UInt8(byte)]) ?? -1
            return id < tokens.count ? id : -1
        }
        symbols = table
        extraTexts = extras
        self.pairs = pairs
    }

    /// The token whose stored text is exactly these bytes.
    func token<C: Collection<UInt8>>(text: C) -> Int? {
        guard let id = symbols.value(for: text), Int(id) < vocabularySize else { return nil }
        return Int(id)
    }

    /// Reused buffers, so encoding a text allocates once, not once per piece.
    struct Scratch {
        var symbol: [Int32] = []
        var prev: [Int32] = []
        var next: [Int32] = []
        var heap = BigramHeap()
        var encoded: [UInt8] = []
    }

    /// Appends the tokens of one pre-tokenized piece (raw bytes) to `out`.
    func encode(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [Int], scratch s: inout Scratch) {
        let n = piece.count
        guard n > 0 else { return }
        if ignoresMerges {
            s.encoded.removeAll(keepingCapacity: true)
            for byte in piece { s.encoded.append(contentsOf: ByteLevel.utf8ForByte[Int(byte)]) }
            if let id = token(text: s.encoded) {
                out.append(id)
                return
            }
        }
        s.symbol.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.heap.removeAll()
        for i in 0..<n {
            s.symbol.append(byteSymbols[Int(piece[i])])
            s.prev.append(Int32(i - 1))
            s.next.append(i + 1 < n ? Int32(i + 1) : -1)
        }
        func addBigram(_ left: Int32, _ right: Int32, _ s: inout Scratch) {
            guard left >= 0, right >= 0 else { return }
            let l = s.symbol[Int(left)], r = s.symbol[Int(right)]
            guard let found = pairs[UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))] else { return }
            s.heap.push(Bigram(rank: Int32(found >> 32), left: left, right: right, leftSymbol: l, rightSymbol: r,
                               merged: Int32(truncatingIfNeeded: found)))
        }
        for i in 1..<max(n, 1) { addBigram(Int32(i - 1), Int32(i), &s) }
        while let b = s.heap.pop() {
            let left = Int(b.left), right = Int(b.right)
            // Stale: one side has merged (or been merged away) since this pair was queued.
            guard s.symbol[left] == b.leftSymbol, s.symbol[right] == b.rightSymbol else { continue }
            s.symbol[left] = b.merged
            s.symbol[right] = -1
            let after = s.next[right]
            s.next[left] = after
            if after >= 0 { s.prev[Int(after)] = b.left }
            addBigram(s.prev[left], b.left, &s)
            addBigram(b.left, after, &s)
        }
        var i: Int32 = 0
        while i >= 0 {
            let id = Int(s.symbol[Int(i)])
            if id < vocabularySize {
                out.append(id)
            } else {
                for byte in extraTexts[id - vocabularySize] where singleByteTokens[Int(byte)] >= 0 {
                    out.append(Int(singleByteTokens[Int(byte)]))
                }
            }
            i = s.next[Int(i)]
        }
    }
}

/// A queued merge of two adjacent symbols.
struct Bigram {
    var rank: Int32
    var left: Int32
    var right: Int32
    var leftSymbol: Int32
    var rightSymbol: Int32
    var merged: Int32

    /// Lowest rank first; on equal ranks, the leftmost first.
    @inline(__always)
    func precedes(_ other: Bigram) -> Bool {
        rank < other.rank || (rank == other.rank && left < other.left)
    }
}

/// A binary min-heap of bigrams.
struct BigramHeap {
    private var items: [Bigram] = []

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ item: Bigram) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].precedes(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Bigram? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < items.count && items[l].precedes(items[best]) { best = l }
            if r < items.count && items[r].precedes(items[best]) { best = r }
            if best == i { break }
            items.swapAt(i, best)
            i = best
        }
        return first
    }
}
