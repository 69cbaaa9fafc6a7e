import GGUF
import Kernels
import Testing
import VulkanRuntime

@Suite("KV cache moves")
struct KVCacheMoveTests {
    /// Random halves as a cache of `capacity` slots, with `pad` halves of other data before it.
    func cache(_ library: KernelLibrary, _ halves: [Float16], pad: Int, capacity: Int, kvHeads: Int, headDim: Int) throws -> Attention.Cache {
        let padding = [Float16](repeating: 5, count: pad)
        return try Attention.Cache(keys: library.buffer(padding + halves), values: library.buffer(padding + halves.reversed()),
                                   keyOffset: pad, valueOffset: pad, capacity: capacity, kvHeads: kvHeads, headDim: headDim)
    }

    func halves(_ cache: Attention.Cache, _ library: KernelLibrary, pad: Int, count: Int) throws -> (keys: [Float16], values: [Float16]) {
        let k = try library.read(Float16.self, from: cache.keys, count: pad + count)
        let v = try library.read(Float16.self, from: cache.values, count: pad + count)
        return (Array(k[pad...]), Array(v[pad...]))
    }

    @Test("Keeping a tree path through a scratch cache moves exactly the path's rows, bit for bit, and nothing else",
          arguments: [[0, 2, 3], [0, 1, 4, 6, 7], [0, 5], [0, 1, 2]])
    func path(nodes: [Int]) throws {
        let library = try KernelLibrary.shared()
        let (kvHeads, headDim, capacity, base) = (2, 64, 24, 9)
        let width = kvHeads * headDim
        let initial = SyntheticTensor.randomFloats(count: capacity * width, seed: 71).map { Float16($0) }
        let main = try cache(library, initial, pad: 6, capacity: capacity, kvHeads: kvHeads, headDim: headDim)
        let scratch = try Attention.Cache.allocate(library: library, capacity: 8, kvHeads: kvHeads, headDim: headDim)
        let from = nodes.map { base + $0 }, to = nodes.indices.map { base + $0 }
        // Slot lists: [from][to][0, 1, 2, ...]
        let slots = try library.buffer((from + to + Array(nodes.indices)).map { UInt32($0) }, location: .host)
        let move = KVCacheMove(library: library), n = nodes.count
        try run(library) {
            try move.encode($0, from: main, to: scratch, slots: slots, sourceSlotOffset: 0, targetSlotOffset: 2 * n, rows: n)
            try move.encode($0, from: scratch, to: main, slots: slots, sourceSlotOffset: 2 * n, targetSlotOffset: n, rows: n)
        }
        var wantKeys = initial, wantValues = Array(initial.reversed())
        Reference.kvMove(&wantKeys, rowWidth: width, from: from, to: to)
        Reference.kvMove(&wantValues, rowWidth: width, from: from, to: to)
        let got = try halves(main, library, pad: 6, count: capacity * width)
        #expect(got.keys.map(\.bitPattern) == wantKeys.map(\.bitPattern))
        #expect(got.values.map(\.bitPattern) == wantValues.map(\.bitPattern))
        let padding = try library.read(Float16.self, from: main.keys, count: 6)
        #expect(padding == [Float16](repeating: 5, count: 6), "data before the cache is untouched")
    }

    @Test("A move between caches of different widths, within one cache, or past its slot list is an error")
    func badMoves() throws {
        let library = try KernelLibrary.shared()
        let a = try Attention.Cache.allocate(library: library, capacity: 8, kvHeads: 2, headDim: 64)
        let b = try Attention.Cache.allocate(library: library, capacity: 8, kvHeads: 1, headDim: 64)
        let c = try Attention.Cache.allocate(library: library, capacity: 4, kvHeads: 2, headDim: 64)
        let slots = try library.buffer([UInt32](repeating: 0, count: 4), location: .host)
        let sequence = try CommandSequence(device: library.device)
        try sequence.begin()
        let move = KVCacheMove(library: library)
        #expect(throws: KernelError.self) { try move.encode(sequence, from: a, to: b, slots: slots, sourceSlotOffset: 0, targetSlotOffset: 2, rows: 2) }
        #expect(throws: KernelError.self) { try move.encode(sequence, from: a, to: a, slots: slots, sourceSlotOffset: 0, targetSlotOffset: 2, rows: 2) }
        #expect(throws: KernelError.self) { try move.encode(sequence, from: a, to: c, slots: slots, sourceSlotOffset: 0, targetSlotOffset: 2, rows: 3) }
        try move.encode(sequence, from: a, to: c, slots: slots, sourceSlotOffset: 0, targetSlotOffset: 2, rows: 2)
        try sequence.end()
    }
}
