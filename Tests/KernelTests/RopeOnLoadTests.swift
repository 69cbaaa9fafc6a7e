import GGUF
import Kernels
import Testing
import VulkanRuntime

/// RoPE applied as kernels load (the KV write's keys, attention's queries) against RoPE first, on
/// the CPU: both layouts, whole and partial rotation.
@Suite("RoPE while loading")
struct RopeOnLoadTests {
    static let cases: [(neox: Bool, rotatedDims: Int)] = [(false, 64), (true, 64), (true, 32), (false, 48)]
    static let positions = [0, 5, 1, 4095, 17, 300, 2048]

    static func input(_ library: KernelLibrary, rotatedDims: Int, neox: Bool) throws -> (Rope.Input, [Float]) {
        let table = try Rope.Table(library: library, rotatedDims: rotatedDims, maxPositions: 4096, base: 10_000)
        let values = Rope.Table.values(rotatedDims: rotatedDims, maxPositions: 4096, base: 10_000, frequencyScale: 1)
        let positions = try library.buffer(Self.positions.map(UInt32.init))
        return (Rope.Input(positions: positions, table: table, layout: neox ? .neox : .normal), values)
    }

    @Test("The KV write stores each key rotated to its token's position, values as they are",
          arguments: RopeOnLoadTests.cases.indices)
    func keys(index: Int) throws {
        let (neox, rotatedDims) = Self.cases[index]
        let library = try KernelLibrary.shared()
        let (kvHeads, headDim, qWidth, capacity) = (3, 64, 128, 8)
        let width = kvHeads * headDim, rowStride = qWidth + 2 * width, tokens = Self.positions.count
        let rows = SyntheticTensor.randomFloats(count: tokens * rowStride, seed: 70, range: -4...4)
        let slots = [3, 0, 7, 1, 6, 2, 5]
        let cache = try Attention.Cache.allocate(library: library, capacity: capacity, kvHeads: kvHeads, headDim: headDim)
        let (rope, table) = try Self.input(library, rotatedDims: rotatedDims, neox: neox)
        let source = try library.buffer(rows), slotBuffer = try library.buffer(slots.map(UInt32.init))
        try run(library) {
            try KVCacheWrite(library: library).encode($0, keys: source, keyOffset: qWidth, keyStride: rowStride, values: source,
                                                       valueOffset: qWidth + width, valueStride: rowStride, slots: slotBuffer,
                                                       tokens: tokens, cache: cache, rope: rope)
        }
        var k: [Float] = [], v: [Float] = []
        for t in 0..<tokens {
            k += rows[(t * rowStride + qWidth)..<(t * rowStride + qWidth + width)]
            v += rows[(t * rowStride + qWidth + width)..<(t * rowStride + qWidth + 2 * width)]
        }
        let rotated = Reference.rope(k, tokens: tokens, heads: kvHeads, headDim: headDim, rotatedDims: rotatedDims,
                                     positions: Self.positions, table: table, neox: neox)
        let gotK = try library.read(Float16.self, from: cache.keys, count: capacity * width)
        let gotV = try library.read(Float16.self, from: cache.values, count: capacity * width)
        for (t, slot) in slots.enumerated() {
            let wantK = rotated[(t * width)..<((t + 1) * width)].map { Float16($0) }
            let wantV = v[(t * width)..<((t + 1) * width)].map { Float16($0) }
            // A rotated float may differ from the reference's by an ulp or two (products fused or
            // not), which can move its rounding to fp16 by one fp16 step at most; an unrotated or
            // wrongly paired dimension is off by far more.
            let oneStep = wantK.map { Float(max(abs($0).ulp, Float16.leastNonzeroMagnitude)) }
            let k = gotK[(slot * width)..<((slot + 1) * width)].map(Float.init)
            #expect(worstViolation(k, wantK.map(Float.init), tolerance: oneStep) == nil, "token \(t)")
            #expect(gotV[(slot * width)..<((slot + 1) * width)].map(\.bitPattern) == wantV.map(\.bitPattern), "token \(t)")
        }
    }

    @Test("Attention rotates each query to its position as it loads", arguments: RopeOnLoadTests.cases.indices)
    func queries(index: Int) throws {
        let (neox, rotatedDims) = Self.cases[index]
        let library = try KernelLibrary.shared()
        let (heads, kvHeads, headDim, kvLength) = (4, 2, 64, 33)
        let nq = Self.positions.count, width = heads * headDim
        let keys = SyntheticTensor.randomFloats(count: kvLength * kvHeads * headDim, seed: 71).map { Float16($0) }
        let values = SyntheticTensor.randomFloats(count: kvLength * kvHeads * headDim, seed: 72).map { Float16($0) }
        let queries = SyntheticTensor.randomFloats(count: nq * width, seed: 73, range: -3...3)
        let cache = try Attention.Cache(keys: library.buffer(keys), values: library.buffer(values), capacity: kvLength,
                                        kvHeads: kvHeads, headDim: headDim)
        let mask = (0..<nq).flatMap { i in (0..<kvLength).map { j in j <= 20 + i ? Float(0) : -.infinity } }
        let (rope, table) = try Self.input(library, rotatedDims: rotatedDims, neox: neox)
        let queryBuffer = try library.buffer(queries), maskBuffer = try library.buffer(mask)
        let params = try library.buffer([UInt32(kvLength)]), output = try library.buffer(Float.self, count: nq * width)
        try run(library) {
            try Attention(library: library).encode($0, queries: queryBuffer, cache: cache, mask: maskBuffer, maskStride: kvLength,
                                                   params: params, output: output, count: nq, heads: heads, rope: rope)
        }
        let got = try library.read(Float.self, from: output, count: nq * width)
        let rotated = Reference.rope(queries, tokens: nq, heads: heads, headDim: headDim, rotatedDims: rotatedDims,
                                     positions: Self.positions, table: table, neox: neox)
        let want = Reference.attention(queries: rotated, count: nq, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                       keys: keys, values: values, kvLength: kvLength, mask: mask, maskStride: kvLength)
        // The attention suite's bound (1e-4 relative; see AttentionTests): rotation adds a few
        // float ulps to each query, far inside it, while a query left unrotated moves outputs by ~0.1.
        #expect(worstViolation(got, want, tolerance: want.map { 1e-4 * max(1, abs($0)) }) == nil)
    }

    @Test("A table the layout cannot use while loading is rejected before recording")
    func validation() throws {
        let library = try KernelLibrary.shared()
        let (rope, _) = try Self.input(library, rotatedDims: 30, neox: true)
        let cache = try Attention.Cache.allocate(library: library, capacity: 8, kvHeads: 1, headDim: 64)
        let rows = try library.buffer(Float.self, count: 7 * 64), slots = try library.buffer(UInt32.self, count: 7)
        let sequence = try CommandSequence(device: library.device)
        #expect(throws: KernelError.self) {
            try KVCacheWrite(library: library).encode(sequence, keys: rows, values: rows, slots: slots, tokens: 7, cache: cache, rope: rope)
        }
    }
}
