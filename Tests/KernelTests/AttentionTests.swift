import GGUF
import Kernels
import Testing
import VulkanRuntime

/// Random fp16 caches and queries for one attention shape, uploaded with deliberate offsets:
/// keys sit after `pad` halves of other data (a later layer in a shared buffer), queries and
/// outputs are rows with their own strides (a fused QKV projection).
private struct Fixture {
    let heads, kvHeads, headDim, capacity: Int
    let keys: [Float16], values: [Float16], queries: [Float]
    let cache: Attention.Cache
    let queryBuffer: GPUBuffer
    var width: Int { heads * headDim }
    var qStride: Int { width + 8 }
    var oStride: Int { width + 4 }

    init(_ library: KernelLibrary, heads: Int, kvHeads: Int, headDim: Int, capacity: Int, queries nq: Int, seed: UInt64) throws {
        (self.heads, self.kvHeads, self.headDim, self.capacity) = (heads, kvHeads, headDim, capacity)
        let halves = capacity * kvHeads * headDim, pad = 2 * kvHeads * headDim + 2
        keys = SyntheticTensor.randomFloats(count: halves, seed: seed).map { Float16($0) }
        values = SyntheticTensor.randomFloats(count: halves, seed: seed + 1).map { Float16($0) }
        // Queries in [-3, 3]: scores spread over several units, so the softmax is far from uniform.
        queries = SyntheticTensor.randomFloats(count: nq * heads * headDim, seed: seed + 2, range: -3...3)
        let garbage = SyntheticTensor.randomFloats(count: pad, seed: seed + 3).map { Float16($0) }
        cache = try Attention.Cache(keys: library.buffer(garbage + keys), values: library.buffer(values), keyOffset: pad,
                                    capacity: capacity, kvHeads: kvHeads, headDim: headDim)
        let width = heads * headDim
        var rows = [Float](repeating: 7, count: 4 + nq * (width + 8))
        for i in 0..<nq {
            let start: Int = 4 + i * (width + 8)
            rows.replaceSubrange(start..<(start + width), with: queries[(i * width)..<((i + 1) * width)])
        }
        queryBuffer = try library.buffer(rows)
    }

    /// Runs attention for `nq` queries with one mask and kvLen, returning [nq][heads][headDim].
    func run(_ library: KernelLibrary, nq: Int, kvLength: Int, mask: [Float], maskStride: Int,
             configuration: Attention.Configuration? = nil) throws -> [Float] {
        let attention = try Attention(library: library, configuration: configuration)
        let maskBuffer = try library.buffer(mask), params = try library.buffer([UInt32(999), UInt32(kvLength)])
        let output = try library.buffer(Float.self, count: 2 + nq * oStride)
        try KernelTests.run(library) {
            try attention.encode($0, queries: queryBuffer, queryOffset: 4, queryStride: qStride, cache: cache, mask: maskBuffer,
                                 maskStride: maskStride, params: params, kvLengthIndex: 1, output: output, outputOffset: 2,
                                 outputStride: oStride, count: nq, heads: heads)
        }
        let raw = try library.read(Float.self, from: output, count: 2 + nq * oStride)
        return (0..<nq).flatMap { raw[(2 + $0 * oStride)..<(2 + $0 * oStride + width)] }
    }

    func reference(nq: Int, kvLength: Int, mask: [Float], maskStride: Int) -> [Float] {
        Reference.attention(queries: queries, count: nq, heads: heads, kvHeads: kvHeads, headDim: headDim, keys: keys,
                            values: values, kvLength: kvLength, mask: mask, maskStride: maskStride)
    }
}

/// |got - want| <= 1e-4 * max(1, |want|). Both sides read the same halves, so they differ only
/// by float rounding on the GPU: per-lane partial dots plus a subgroup tree (~20 roundings of
/// terms bounded by sum |q k| <= ~3 * headDim / 4, times scale ~0.1: <= ~2e-5 on a score, hence
/// on a weight), a few ulps from exp, and the online rescaling (a few roundings per slot, ~300
/// slots: ~2e-5 relative). Outputs are convex combinations of values in [-1, 1], so 1e-4 is a
/// margin of several times that bound (lavapipe is at ~2e-7), while any indexing or masking
/// mistake moves outputs by ~0.1.
private func tolerance(_ want: [Float]) -> [Float] { want.map { 1e-4 * max(1, abs($0)) } }

@Suite("Attention over the fp16 KV cache")
struct AttentionTests {
    /// (heads, kvHeads, headDim, queries, kvLen): Qwen2.5-0.5B (14/2) and SmolLM2 (9/3) grouping,
    /// head dims that are and are not multiples of the subgroup, kvLen 1 to 300.
    static let shapes: [(Int, Int, Int, Int, Int)] = [
        (14, 2, 64, 1, 1), (14, 2, 64, 5, 37), (9, 3, 64, 16, 300), (12, 2, 128, 1, 300), (14, 2, 128, 16, 37),
        (9, 3, 128, 5, 300), (4, 1, 256, 3, 40), (6, 6, 18, 4, 20), (2, 1, 2, 2, 9),
    ]

    @Test("Causal attention matches the CPU reference within 1e-4 of max(1, |want|)", arguments: shapes.indices)
    func causal(shape: Int) throws {
        let library = try KernelLibrary.shared()
        let (heads, kvHeads, headDim, nq, kvLen) = Self.shapes[shape]
        // Capacity past kvLen: the slots beyond hold random data the kernel must not read.
        let f = try Fixture(library, heads: heads, kvHeads: kvHeads, headDim: headDim, capacity: kvLen + 5, queries: nq,
                            seed: UInt64(10 * shape + 1))
        let stride = kvLen + 3
        let mask = Attention.causalMask(count: nq, start: kvLen - nq, stride: stride)
        let got = try f.run(library, nq: nq, kvLength: kvLen, mask: mask, maskStride: stride)
        let want = f.reference(nq: nq, kvLength: kvLen, mask: mask, maskStride: stride)
        let bad = worstViolation(got, want, tolerance: tolerance(want))
        #expect(bad == nil, "\(Self.shapes[shape]): element \(bad?.index ?? -1) got \(bad?.got ?? 0) want \(bad?.want ?? 0)")
    }

    @Test("Other workgroup sizes, head groupings and slots a step match the reference too",
          arguments: [(1, 1, 4), (2, 1, 32), (3, 2, 8), (2, 8, 4)])
    func configurations(subgroups: Int, maxHeads: Int, slots: Int) throws {
        let library = try KernelLibrary.shared()
        let config = Attention.Configuration(subgroupsPerWorkgroup: subgroups, maxHeadsPerSubgroup: maxHeads, slotsPerStep: slots)
        for (i, (heads, kvHeads, headDim)) in [(14, 2, 64), (9, 3, 128), (12, 2, 18)].enumerated() {
            let (nq, kvLen) = (5, 37)
            let f = try Fixture(library, heads: heads, kvHeads: kvHeads, headDim: headDim, capacity: kvLen, queries: nq, seed: UInt64(50 + i))
            let mask = Attention.causalMask(count: nq, start: kvLen - nq, stride: kvLen)
            let got = try f.run(library, nq: nq, kvLength: kvLen, mask: mask, maskStride: kvLen, configuration: config)
            let want = f.reference(nq: nq, kvLength: kvLen, mask: mask, maskStride: kvLen)
            #expect(worstViolation(got, want, tolerance: tolerance(want)) == nil, "\(heads)/\(kvHeads)x\(headDim)")
        }
    }

    @Test("Token-tree masks (prefix plus ancestors) and finite biases match the reference")
    func tree() throws {
        let library = try KernelLibrary.shared()
        let parents = [-1, 0, 0, 1, 1, 2, 3, 6, -1, 8]
        let (prefix, stride) = (29, 41)
        let f = try Fixture(library, heads: 9, kvHeads: 3, headDim: 64, capacity: 48, queries: parents.count, seed: 77)
        var mask = Attention.treeMask(parents: parents, prefix: prefix, stride: stride)
        for j in 0..<prefix where j % 5 == 0 { mask[3 * stride + j] = -2.5 }  // a finite bias is added, not skipped
        let got = try f.run(library, nq: parents.count, kvLength: prefix + parents.count, mask: mask, maskStride: stride)
        let want = f.reference(nq: parents.count, kvLength: prefix + parents.count, mask: mask, maskStride: stride)
        #expect(worstViolation(got, want, tolerance: tolerance(want)) == nil)
    }

    @Test("A fully masked query outputs zeros and kvLen 0 outputs zeros")
    func fullyMasked() throws {
        let library = try KernelLibrary.shared()
        let f = try Fixture(library, heads: 14, kvHeads: 2, headDim: 64, capacity: 12, queries: 2, seed: 5)
        var mask = [Float](repeating: 0, count: 2 * 12)
        for j in 0..<12 { mask[j] = -.infinity }
        let got = try f.run(library, nq: 2, kvLength: 12, mask: mask, maskStride: 12)
        #expect(got.prefix(f.width).allSatisfy { $0 == 0 })
        let want = f.reference(nq: 2, kvLength: 12, mask: mask, maskStride: 12)
        #expect(worstViolation(got, want, tolerance: tolerance(want)) == nil)
        #expect(try f.run(library, nq: 2, kvLength: 0, mask: mask, maskStride: 12).allSatisfy { $0 == 0 })
    }

    @Test("A query's output is bit-for-bit the same alone (decode kvLen) and in a causal or tree batch of 16",
          arguments: [(14, 2, 64), (9, 3, 64), (12, 2, 128)], [nil, Attention.Configuration(subgroupsPerWorkgroup: 2, maxHeadsPerSubgroup: 1)])
    func batchInvariant(shape: (heads: Int, kvHeads: Int, headDim: Int), configuration: Attention.Configuration?) throws {
        let library = try KernelLibrary.shared()
        let (heads, kvHeads, headDim) = shape
        let (nq, prefix) = (16, 40), kvLen = 56, stride = 60
        let f = try Fixture(library, heads: heads, kvHeads: kvHeads, headDim: headDim, capacity: 64, queries: nq, seed: 3)
        let parents = (0..<nq).map { $0 == 0 ? -1 : ($0 - 1) / 2 }  // a binary tree
        for mask in [Attention.causalMask(count: nq, start: prefix, stride: stride),
                     Attention.treeMask(parents: parents, prefix: prefix, stride: stride)] {
            let batch = try f.run(library, nq: nq, kvLength: kvLen, mask: mask, maskStride: stride, configuration: configuration)
            for i in 0..<nq {
                let row = Array(mask[(i * stride)..<((i + 1) * stride)])
                let alone = try f.single(library, query: i, mask: row, kvLength: kvLen, maskStride: stride, configuration: configuration)
                // Decode: kvLen ends at the query's last visible slot, the mask row is cut there.
                let last = row.lastIndex { $0 == 0 }! + 1
                let decode = try f.single(library, query: i, mask: Array(row.prefix(last)), kvLength: last, maskStride: last,
                                          configuration: configuration)
                let want = batch[(i * f.width)..<((i + 1) * f.width)].map(\.bitPattern)
                #expect(alone.map(\.bitPattern) == want, "query \(i) alone at prefill kvLen")
                #expect(decode.map(\.bitPattern) == want, "query \(i) alone at decode kvLen \(last)")
            }
        }
    }

    @Test("The slots a step change no bit of the output (causal and tree batches, partial last steps)",
          arguments: [((14, 2, 64), 1), ((12, 2, 128), 2)])
    func slotsPerStep(shape: (heads: Int, kvHeads: Int, headDim: Int), maxHeads: Int) throws {
        let library = try KernelLibrary.shared()
        let (nq, prefix, kvLen, stride) = (12, 45, 57, 61)
        let f = try Fixture(library, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim, capacity: 64,
                            queries: nq, seed: 9)
        let parents = (0..<nq).map { $0 == 0 ? -1 : ($0 - 1) / 3 }
        var tree = Attention.treeMask(parents: parents, prefix: prefix, stride: stride)
        for j in 0..<prefix where j % 7 == 3 { tree[5 * stride + j] = -.infinity }  // holes inside a step
        for mask in [Attention.causalMask(count: nq, start: prefix, stride: stride), tree] {
            func run(_ slots: Int) throws -> [UInt32] {
                let config = Attention.Configuration(subgroupsPerWorkgroup: 2, maxHeadsPerSubgroup: maxHeads, slotsPerStep: slots)
                return try f.run(library, nq: nq, kvLength: kvLen, mask: mask, maskStride: stride, configuration: config).map(\.bitPattern)
            }
            let four = try run(4)
            // (32 slots of several heads each take lavapipe half a minute to compile.)
            for slots in maxHeads == 1 ? [8, 16, 32] : [8, 16] { #expect(try run(slots) == four, "\(slots) slots a step") }
        }
        #expect(throws: KernelError.self) { try Attention(library: library, configuration: .init(subgroupsPerWorkgroup: 1, maxHeadsPerSubgroup: 1, slotsPerStep: 6)) }
    }

    @Test("AUGUR_ATTENTION's text sets the fields it names over the preferred ones, and bad text is an error")
    func parsing() throws {
        let library = try KernelLibrary.shared()
        let base = Attention.Configuration(subgroupsPerWorkgroup: 3, maxHeadsPerSubgroup: 5)
        let parsed = try Attention.Configuration(parsing: "slots=16, heads=2", over: base)
        #expect(parsed == Attention.Configuration(subgroupsPerWorkgroup: 3, maxHeadsPerSubgroup: 2, slotsPerStep: 16))
        for bad in ["slots", "slots=0", "slots=x", "rows=2"] {
            #expect(throws: KernelError.self, "\(bad)") { try Attention.Configuration(parsing: bad, over: base) }
        }
        let eight = try KernelLibrary.shared(options: KernelOptions(environment: ["AUGUR_ATTENTION": "slots=8"]))
        #expect(try Attention(library: eight).configuration.slotsPerStep == 8)
        #expect(try Attention(library: library).configuration == .preferred(for: library.device.capabilities))
        let wide = try KernelLibrary.shared(options: KernelOptions(environment: ["AUGUR_ATTENTION": "slots=12,slots=36"]))
        #expect(throws: KernelError.self) { try Attention(library: wide) }
        #expect(throws: KernelError.self) { try KernelOptions(environment: ["AUGUR_ATTENTION": "rows=2"]) }
    }

    @Test("KV write stores round-to-nearest halves at out-of-order slots and skips slots past the capacity",
          arguments: [(2, 64), (3, 18)])
    func kvWrite(kvHeads: Int, headDim: Int) throws {
        let library = try KernelLibrary.shared()
        let (capacity, width, qWidth) = (20, kvHeads * headDim, 4 * headDim)
        let slots = [5, 0, 19, 7, 3, 12, 99, 8]
        // Rows of a fused QKV projection: [q | k | v], keys and values read at offsets with one row stride.
        let rowStride = qWidth + 2 * width, tokens = slots.count
        // Magnitudes from fp16 subnormals to 1000 (ties and rounding everywhere; overflow is implementation-defined).
        var rows = SyntheticTensor.randomFloats(count: tokens * rowStride, seed: 21, range: -1000...1000)
        for i in stride(from: 0, to: rows.count, by: 3) { rows[i] *= 1e-7 }
        // Exact ties, normal and subnormal, round to even.
        let ties: [Float] = [1 + 0x1p-11, 1 + 3 * 0x1p-11, -(1 + 0x1p-11), 0x1p-25, 3 * 0x1p-25, 2049, 2051]
        rows.replaceSubrange(qWidth..<(qWidth + ties.count), with: ties)
        let before = SyntheticTensor.randomFloats(count: 2 * capacity * width, seed: 22).map { Float16($0) }
        let cache = try Attention.Cache(keys: library.buffer(before), values: library.buffer(before), keyOffset: capacity * width,
                                        capacity: capacity, kvHeads: kvHeads, headDim: headDim)
        let source = try library.buffer(rows), slotBuffer = try library.buffer([UInt32(1)] + slots.map(UInt32.init))
        try run(library) {
            try KVCacheWrite(library: library).encode($0, keys: source, keyOffset: qWidth, keyStride: rowStride, values: source,
                                                       valueOffset: qWidth + width, valueStride: rowStride, slots: slotBuffer,
                                                       slotOffset: 1, tokens: tokens, cache: cache)
        }
        var wantK = Array(before[(capacity * width)...]), wantV = Array(before[..<(capacity * width)])
        var k: [Float] = [], v: [Float] = []
        for t in 0..<tokens {
            let start: Int = t * rowStride + qWidth
            k += rows[start..<(start + width)]
            v += rows[(start + width)..<(start + 2 * width)]
        }
        Reference.kvWrite(k, tokens: tokens, rowWidth: width, slots: slots, into: &wantK)
        Reference.kvWrite(v, tokens: tokens, rowWidth: width, slots: slots, into: &wantV)
        let gotK = try library.read(Float16.self, from: cache.keys, count: 2 * capacity * width)
        let gotV = try library.read(Float16.self, from: cache.values, count: 2 * capacity * width)
        #expect(Array(gotK[(capacity * width)...]).map(\.bitPattern) == wantK.map(\.bitPattern))
        #expect(Array(gotK[..<(capacity * width)]).map(\.bitPattern) == before[..<(capacity * width)].map(\.bitPattern))
        #expect(Array(gotV[..<(capacity * width)]).map(\.bitPattern) == wantV.map(\.bitPattern))
    }

    @Test("Shapes the kernels cannot take are rejected before recording")
    func validation() throws {
        let library = try KernelLibrary.shared()
        let words = try library.buffer(UInt32.self, count: 4096)
        #expect(throws: KernelError.self) { try Attention.Cache(keys: words, values: words, capacity: 8, kvHeads: 1, headDim: 258) }
        #expect(throws: KernelError.self) { try Attention.Cache(keys: words, values: words, capacity: 8, kvHeads: 1, headDim: 63) }
        #expect(throws: KernelError.self) { try Attention.Cache(keys: words, values: words, capacity: 200, kvHeads: 2, headDim: 64) }
        let cache = try Attention.Cache(keys: words, values: words, capacity: 8, kvHeads: 3, headDim: 64)
        let floats = try library.buffer(Float.self, count: 10 * 64), params = try library.buffer([UInt32(8)])
        let sequence = try CommandSequence(device: library.device)
        try sequence.begin()
        let attention = try Attention(library: library)
        #expect(throws: KernelError.self) {  // 10 heads do not group over 3 KV heads
            try attention.encode(sequence, queries: floats, cache: cache, mask: floats, maskStride: 8, params: params,
                                 output: floats, count: 1, heads: 10)
        }
        #expect(throws: KernelError.self) {  // 2 mask rows of 400 do not fit
            try attention.encode(sequence, queries: floats, cache: cache, mask: floats, maskStride: 400, params: params,
                                 output: floats, count: 2, heads: 3)
        }
        #expect(throws: KernelError.self) {  // 11 tokens of keys do not fit
            try KVCacheWrite(library: library).encode(sequence, keys: floats, values: floats, slots: words, tokens: 11, cache: cache)
        }
        try sequence.end()
    }

    @Test("Submitting a recorded sequence again follows new slots and kvLen written to host buffers")
    func resubmit() throws {
        let library = try KernelLibrary.shared()
        let (heads, kvHeads, headDim, capacity) = (14, 2, 64, 16)
        let f = try Fixture(library, heads: heads, kvHeads: kvHeads, headDim: headDim, capacity: capacity, queries: 1, seed: 31)
        let width = kvHeads * headDim
        let newK = SyntheticTensor.randomFloats(count: width, seed: 32), newV = SyntheticTensor.randomFloats(count: width, seed: 33)
        let kBuffer = try library.buffer(newK), vBuffer = try library.buffer(newV)
        let slots = try library.buffer([UInt32(10)], location: .host), params = try library.buffer([UInt32(11)], location: .host)
        let mask = try library.buffer([Float](repeating: 0, count: capacity))
        let output = try library.buffer(Float.self, count: heads * headDim)
        let sequence = try CommandSequence(device: library.device)
        try sequence.begin()
        try KVCacheWrite(library: library).encode(sequence, keys: kBuffer, values: vBuffer, slots: slots, tokens: 1, cache: f.cache)
        try Attention(library: library).encode(sequence, queries: f.queryBuffer, queryOffset: 4, cache: f.cache, mask: mask,
                                               maskStride: capacity, params: params, output: output, count: 1, heads: heads)
        try sequence.end()

        var keys = f.keys, values = f.values, results: [[Float]] = []
        for (slot, kvLen) in [(10, 11), (13, 14), (2, 9)] {
            try slots.write([UInt32(slot)])
            try params.write([UInt32(kvLen)])
            try sequence.submitAndWait()
            Reference.kvWrite(newK, tokens: 1, rowWidth: width, slots: [slot], into: &keys)
            Reference.kvWrite(newV, tokens: 1, rowWidth: width, slots: [slot], into: &values)
            let got = try library.read(Float.self, from: output, count: heads * headDim)
            let want = Reference.attention(queries: f.queries, count: 1, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                           keys: keys, values: values, kvLength: kvLen,
                                           mask: [Float](repeating: 0, count: capacity), maskStride: capacity)
            #expect(worstViolation(got, want, tolerance: tolerance(want)) == nil, "slot \(slot), kvLen \(kvLen)")
            results.append(got)
        }
        #expect(results[0] != results[1] && results[1] != results[2])
    }
}

extension Fixture {
    /// Query `query` of the fixture alone, with its own mask row and kvLen.
    func single(_ library: KernelLibrary, query: Int, mask: [Float], kvLength: Int, maskStride: Int,
                configuration: Attention.Configuration?) throws -> [Float] {
        let attention = try Attention(library: library, configuration: configuration)
        let maskBuffer = try library.buffer(mask), params = try library.buffer([UInt32(kvLength)])
        let output = try library.buffer(Float.self, count: width)
        try KernelTests.run(library) {
            try attention.encode($0, queries: queryBuffer, queryOffset: 4 + query * qStride, cache: cache, mask: maskBuffer,
                                 maskStride: maskStride, params: params, output: output, count: 1, heads: heads)
        }
        return try library.read(Float.self, from: output, count: width)
    }
}
