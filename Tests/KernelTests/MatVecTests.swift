import GGUF
import Kernels
import TestSupport
import Testing
import VulkanRuntime

@Suite("Dequantizing matrix x vectors")
struct MatVecTests {
    static let types = WeightLayout.supportedTypes

    /// Ragged row counts (not multiples of the workgroup) and column counts on both sides of a pass.
    static let shapes: [(rows: Int, columns: Int, count: Int)] = [(67, 256, 1), (130, 512, 5), (33, 768, 17)]

    @Test("Matches the CPU reference for every weight type and shape (tolerance 1e-5 of sum |w x|)", arguments: types)
    func matchesReference(type: TensorType) throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        for (i, shape) in Self.shapes.enumerated() {
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: shape.rows, columns: shape.columns, seed: UInt64(11 + i))
            let dense = try Dequantize.row(type, from: bytes, elements: shape.rows * shape.columns)
            let x = SyntheticTensor.randomFloats(count: shape.columns * shape.count, seed: UInt64(100 + i))
            let weights = try WeightMatrix.upload(library: library, type: type, rows: shape.rows, columns: shape.columns, gguf: bytes)
            let input = try library.buffer(x)
            let output = try library.buffer(Float.self, count: shape.rows * shape.count)
            try run(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: shape.count) }
            let got = try library.read(Float.self, from: output, count: shape.rows * shape.count)
            let want = Reference.matVec(weights: dense, rows: shape.rows, columns: shape.columns, inputs: x, count: shape.count)
            let bad = worstViolation(got, want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 })
            #expect(bad == nil, "\(type) \(shape): element \(bad?.index ?? -1) got \(bad?.got ?? 0) want \(bad?.want ?? 0)")
        }
    }

    @Test("A column's result is bit-for-bit the same alone and in every batch of 2 to 17", arguments: types)
    func batchInvariant(type: TensorType) throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let (rows, count) = (45, 17)
        let run17 = try Self.batchAndSingles(matvec, type: type, rows: rows, columns: 512, count: count, seed: 5)
        #expect(run17.batched.map(\.bitPattern) == run17.single.map(\.bitPattern))
        // Every batch size k: the first k columns equal the single-column results.
        for k in 2...16 {
            let partial = try library.buffer(Float.self, count: rows * k)
            try run(library) { try matvec.encode($0, weights: run17.weights, input: run17.input, output: partial, columns: k) }
            let p = try library.read(Float.self, from: partial, count: rows * k)
            #expect(p.map(\.bitPattern) == Array(run17.single.prefix(rows * k)).map(\.bitPattern), "batch of \(k)")
        }
    }

    /// `count` columns through a random `rows` x `columns` matrix of `type` as one batch and one
    /// column at a time (inputs seeded `seed + 1`).
    static func batchAndSingles(_ matvec: MatVec, type: TensorType, rows: Int, columns: Int, count: Int, seed: UInt64) throws
        -> (batched: [Float], single: [Float], x: [Float], bytes: [UInt8], weights: WeightMatrix, input: GPUBuffer) {
        let library = matvec.library
        let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: seed)
        let weights = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
        let x = SyntheticTensor.randomFloats(count: columns * count, seed: seed + 1)
        let input = try library.buffer(x)
        let batched = try library.buffer(Float.self, count: rows * count)
        let single = try library.buffer(Float.self, count: rows * count)
        try run(library) { seq in
            try matvec.encode(seq, weights: weights, input: input, output: batched, columns: count)
            for c in 0..<count {
                try matvec.encode(seq, weights: weights, input: input, inputOffset: c * columns, output: single,
                                  outputOffset: c * rows, columns: 1)
            }
        }
        return (try library.read(Float.self, from: batched, count: rows * count), try library.read(Float.self, from: single, count: rows * count),
                x, bytes, weights, input)
    }

    @Test("Computing only the first rows gives their bits and leaves the other outputs as they were", arguments: [TensorType.q8_0, .q6_K])
    func rowPrefix(type: TensorType) throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let (rows, columns, count, limit) = (300, 256, 3, 70)
        let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 21)
        let weights = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
        let input = try library.buffer(SyntheticTensor.randomFloats(count: columns * count, seed: 22))
        let full = try library.buffer(Float.self, count: rows * count)
        let prefix = try library.buffer([Float](repeating: 7, count: rows * count))
        try run(library) { seq in
            try matvec.encode(seq, weights: weights, input: input, output: full, columns: count)
            try matvec.encode(seq, weights: weights, input: input, output: prefix, columns: count, rows: limit)
        }
        let a = try library.read(Float.self, from: full, count: rows * count)
        let b = try library.read(Float.self, from: prefix, count: rows * count)
        for c in 0..<count {
            #expect(b[(c * rows)..<(c * rows + limit)].map(\.bitPattern) == a[(c * rows)..<(c * rows + limit)].map(\.bitPattern))
            #expect(b[(c * rows + limit)..<((c + 1) * rows)].allSatisfy { $0 == 7 })
        }
        for bad in [0, rows + 1] {
            #expect(throws: KernelError.self) {
                try run(library) { try matvec.encode($0, weights: weights, input: input, output: full, columns: 1, rows: bad) }
            }
        }
    }

    @Test("Other lane splits give the same numbers within tolerance", arguments: [1, 2, 8])
    func laneSplits(lanes: Int) throws {
        let library = try KernelLibrary.shared()
        guard lanes <= library.subgroupSize else { try Skip.unsupported("\(lanes) lanes a row on a subgroup of \(library.subgroupSize)") }
        let config = MatVec.Configuration(lanesPerRow: lanes, columnsPerPass: 4, workgroupSize: library.subgroupSize * 2)
        let (got, want) = try Self.compute(config, type: .q4_K, library: library)
        #expect(worstViolation(got, want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 }) == nil)
    }

    @Test("Lanes that split rows can also compute several rows each", arguments: [2, 8])
    func lanesAndRows(lanes: Int) throws {
        let library = try KernelLibrary.shared()
        guard lanes <= library.subgroupSize else { try Skip.unsupported("\(lanes) lanes a row on a subgroup of \(library.subgroupSize)") }
        for rows in [2, 4] {
            let config = MatVec.Configuration(lanesPerRow: lanes, columnsPerPass: 16, workgroupSize: library.subgroupSize * 4, rowsPerLane: rows)
            let (got, want) = try Self.compute(config, type: .q4_K, library: library)
            #expect(worstViolation(got, want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 }) == nil, "rows/lane \(rows)")
        }
    }

    @Test("More rows a lane in passes of several columns keep every column's single-column bits", arguments: [TensorType.q8_0, .q4_K, .q6_K])
    func batchRowsPerLane(type: TensorType) throws {
        let library = try KernelLibrary.shared()
        // A GPU-style split (a row's units across lanes), one row a lane alone and 4 or 3 in batches.
        for (lanes, batchRows) in [(min(8, library.subgroupSize), 4), (1, 3)] {
            let config = MatVec.Configuration(lanesPerRow: lanes, columnsPerPass: 8, workgroupSize: library.subgroupSize * 2,
                                              rowsPerLane: 1, batchRowsPerLane: batchRows)
            let (rows, columns, count) = (77, 512, 11)
            let result = try Self.batchAndSingles(try MatVec(library: library, configuration: config), type: type,
                                                  rows: rows, columns: columns, count: count, seed: 31)
            let (a, b, x, bytes) = (result.batched, result.single, result.x, result.bytes)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(type) lanes \(lanes) batch rows \(batchRows)")
            let dense = try Dequantize.row(type, from: bytes, elements: rows * columns)
            let want = Reference.matVec(weights: dense, rows: rows, columns: columns, inputs: x, count: count)
            #expect(worstViolation(a, want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 }) == nil)
        }
    }

    @Test("AUGUR_MATVEC-style text sets the fields it names and rejects unknown keys and bad values")
    func parsing() throws {
        let base = MatVec.Configuration(lanesPerRow: 32, columnsPerPass: 8, workgroupSize: 128)
        let c = try MatVec.Configuration(parsing: "lanes=16, rows=4,columns=16,texel-input=true", over: base)
        #expect(c == MatVec.Configuration(lanesPerRow: 16, columnsPerPass: 16, workgroupSize: 128, rowsPerLane: 4, texelInput: true))
        // `rows` sets the rows a lane of batches too, unless `batch-rows` is named (in any order).
        #expect(try MatVec.Configuration(parsing: "batch-rows=4,rows=1", over: base).batchRowsPerLane == 4)
        #expect(try MatVec.Configuration(parsing: "rows=2", over: c).batchRowsPerLane == 2)
        for bad in ["lane=4", "rows=0", "batch-rows=0", "columns", "texel-planes=maybe"] {
            #expect(throws: KernelError.self, "\(bad)") { try MatVec.Configuration(parsing: bad, over: base) }
        }
        // MatVec applies its library's AUGUR_MATVEC over the device's preferred configuration; an explicit one wins.
        let library = try KernelLibrary.shared(options: KernelOptions(environment: ["AUGUR_MATVEC": "rows=2"]))
        let preferred = MatVec.Configuration.preferred(for: library.device.capabilities)
        #expect(try MatVec(library: library).configuration == MatVec.Configuration(parsing: "rows=2", over: preferred))
        #expect(try MatVec(library: library, configuration: preferred).configuration == preferred)
        let odd = try KernelLibrary.shared(options: KernelOptions(environment: ["AUGUR_MATVEC": "lanes=3"]))
        #expect(throws: KernelError.self) { try MatVec(library: odd) }
        // Text that cannot be read is an error that names the variable, before any device opens.
        #expect(throws: KernelError.invalidOption(name: "AUGUR_MATVEC", value: "lanes=x",
                                                  reason: "matvec configuration 'lanes=x': lanes takes a positive integer")) {
            try KernelOptions(environment: ["AUGUR_MATVEC": "lanes=x"])
        }
    }

    @Test("Rows per lane and texel-buffer reads change no bits", arguments: WeightLayout.supportedTypes)
    func rowsPerLaneAndTexels(type: TensorType) throws {
        let library = try KernelLibrary.shared()
        let sg = library.subgroupSize
        let base = MatVec.Configuration(lanesPerRow: 1, columnsPerPass: 4, workgroupSize: sg)
        let (first, want) = try Self.compute(base, type: type, library: library)
        #expect(worstViolation(first, want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 }) == nil)
        let texels = library.device.capabilities.texelBuffers
        for rows in [2, 3, 8] {
            for (planes, input) in texels ? [(false, false), (true, false), (true, true)] : [(false, false)] {
                let config = MatVec.Configuration(lanesPerRow: 1, columnsPerPass: 4, workgroupSize: sg * 2, rowsPerLane: rows,
                                                  texelPlanes: planes, texelInput: input)
                let (got, _) = try Self.compute(config, type: type, library: library)
                #expect(got.map(\.bitPattern) == first.map(\.bitPattern), "\(type) rows/lane \(rows) texel planes \(planes) input \(input)")
            }
        }
    }

    /// A 70x512 matrix of `type` times 6 columns with `config`, and the CPU reference.
    static func compute(_ config: MatVec.Configuration, type: TensorType, library: KernelLibrary) throws
        -> (got: [Float], want: (y: [Float], magnitude: [Float])) {
        let matvec = try MatVec(library: library, configuration: config)
        let (rows, columns, count) = (70, 512, 6)
        let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 9)
        let dense = try Dequantize.row(type, from: bytes, elements: rows * columns)
        let x = SyntheticTensor.randomFloats(count: columns * count, seed: 10)
        let weights = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
        let input = try library.buffer(x)
        let output = try library.buffer(Float.self, count: rows * count)
        try run(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: count) }
        let got = try library.read(Float.self, from: output, count: rows * count)
        return (got, Reference.matVec(weights: dense, rows: rows, columns: columns, inputs: x, count: count))
    }
}

@Suite("Matvec over GGUF's own q4_0 layout")
struct GGUFLayoutMatVecTests {
    @Test("Reading q4_0 blocks as they are matches the reference and Augur's layout bit for bit")
    func matchesRepacked() throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let (rows, columns, count) = (75, 576, 3)
        let bytes = try SyntheticTensor.randomBytes(type: .q4_0, rows: rows, columns: columns, seed: 41)
        let x = SyntheticTensor.randomFloats(count: columns * count, seed: 42)
        let input = try library.buffer(x)
        var results: [[Float]] = []
        for raw in [false, true] {
            let weights = try WeightMatrix.upload(library: library, type: .q4_0, rows: rows, columns: columns, gguf: bytes, ggufBytes: raw)
            let output = try library.buffer(Float.self, count: rows * count)
            try run(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: count) }
            results.append(try library.read(Float.self, from: output, count: rows * count))
        }
        let dense = try Dequantize.row(.q4_0, from: bytes, elements: rows * columns)
        let want = Reference.matVec(weights: dense, rows: rows, columns: columns, inputs: x, count: count)
        #expect(worstViolation(results[1], want.y, tolerance: want.magnitude.map { $0 * 1e-5 + 1e-6 }) == nil)
        #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern))
    }
}

@Suite("Matvec with bias and residual")
struct MatVecEpilogueTests {
    @Test("Bias and accumulation give the same bits as separate add kernels")
    func sameBitsAsSeparateAdds() throws {
        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let (rows, columns, count) = (70, 256, 3)
        let bytes = try SyntheticTensor.randomBytes(type: .q4_K, rows: rows, columns: columns, seed: 51)
        let weights = try WeightMatrix.upload(library: library, type: .q4_K, rows: rows, columns: columns, gguf: bytes)
        let input = try library.buffer(SyntheticTensor.randomFloats(count: columns * count, seed: 52))
        let biasValues = SyntheticTensor.randomFloats(count: rows, seed: 53)
        let residual = SyntheticTensor.randomFloats(count: rows * count, seed: 54)
        let bias = try library.buffer(biasValues)
        let fusedBias = try library.buffer(Float.self, count: rows * count), separateBias = try library.buffer(Float.self, count: rows * count)
        let fusedSum = try library.buffer(residual), separateSum = try library.buffer(residual)
        let scratch = try library.buffer(Float.self, count: rows * count)
        let add = try Elementwise(library: library)
        try run(library) { seq in
            try matvec.encode(seq, weights: weights, input: input, output: fusedBias, columns: count, bias: bias)
            try matvec.encode(seq, weights: weights, input: input, output: separateBias, columns: count)
            try add.encode(seq, .add, a: separateBias, b: bias, bPeriod: rows, output: separateBias, count: rows * count)
            try matvec.encode(seq, weights: weights, input: input, output: fusedSum, columns: count, accumulate: true)
            try matvec.encode(seq, weights: weights, input: input, output: scratch, columns: count)
            try add.encode(seq, .add, a: separateSum, b: scratch, output: separateSum, count: rows * count)
        }
        let n = rows * count
        #expect(try library.read(Float.self, from: fusedBias, count: n).map(\.bitPattern) == library.read(Float.self, from: separateBias, count: n).map(\.bitPattern))
        #expect(try library.read(Float.self, from: fusedSum, count: n).map(\.bitPattern) == library.read(Float.self, from: separateSum, count: n).map(\.bitPattern))
    }
}

@Suite("Weights widened at upload")
struct WidenedWeightTests {
    @Test("q5_0 widened to q8_0 keeps every weight bit for bit, and its matvec equals q5_0's")
    func q5_0AsQ8_0() throws {
        let (rows, columns, count) = (70, 512, 3)
        let bytes = try SyntheticTensor.randomBytes(type: .q5_0, rows: rows, columns: columns, seed: 21)
        let wide = try bytes.withUnsafeBytes { try Widening.q8_0(fromQ5_0: $0) }
        #expect(wide.count == rows * columns / 32 * 34)
        let a = try Dequantize.row(.q5_0, from: bytes, elements: rows * columns)
        let b = try Dequantize.row(.q8_0, from: wide, elements: rows * columns)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        #expect(throws: TensorTypeError.self) { _ = try bytes.dropLast().withUnsafeBytes { try Widening.q8_0(fromQ5_0: $0) } }

        let library = try KernelLibrary.shared()
        let matvec = try MatVec(library: library)
        let input = try library.buffer(SyntheticTensor.randomFloats(count: columns * count, seed: 22))
        var results: [[UInt32]] = []
        for storedAs: TensorType? in [nil, .q8_0] {
            let weights = try WeightMatrix.upload(library: library, type: .q5_0, rows: rows, columns: columns, gguf: bytes, storedAs: storedAs)
            #expect(weights.type == storedAs ?? .q5_0)
            #expect(weights.ggufBytes == bytes.count)
            let output = try library.buffer(Float.self, count: rows * count)
            try run(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: count) }
            results.append(try library.read(Float.self, from: output, count: rows * count).map(\.bitPattern))
        }
        #expect(results[0] == results[1])
        // Only exact widenings exist.
        #expect(throws: TensorTypeError.self) {
            _ = try WeightMatrix.upload(library: library, type: .q5_0, rows: rows, columns: columns, gguf: bytes, storedAs: .q4_K)
        }
        let device = library.device.capabilities
        #expect(WeightLayout.storage(for: .q4_K, on: device) == .q4_K)
        #expect(WeightLayout.storage(for: .q5_0, on: device) == (device.kind == .cpu ? .q8_0 : .q5_0))
    }
}
