import GGUF
import Kernels
import TestSupport
import Testing
import VulkanRuntime

@Suite("Per-token kernels")
struct ElementwiseTests {
    @Test("RMSNorm matches the reference within 2e-6 relative, ragged row lengths, one or several subgroups a row, either load",
          arguments: [1, 7, 576, 1536], [(1, false), (4, false), (1, true), (4, true)])
    func rmsNorm(n: Int, form: (subgroupsPerRow: Int, texelInputs: Bool)) throws {
        let library = try KernelLibrary.shared()
        // Texel reads need the device's texel buffers (every device tested so far has them).
        guard !form.texelInputs || library.device.capabilities.texelBuffers else { try Skip.unsupported("texel buffers") }
        let rows = 5
        let x = SyntheticTensor.randomFloats(count: rows * n, seed: 1, range: -3...3)
        let w = SyntheticTensor.randomFloats(count: n, seed: 2)
        let input = try library.buffer(x), weight = try library.buffer(w)
        let output = try library.buffer(Float.self, count: rows * n)
        let norm = try RMSNorm(library: library, subgroupsPerRow: form.subgroupsPerRow, texelInputs: form.texelInputs)
        try run(library) { try norm.encode($0, input: input, weight: weight, output: output, n: n, rows: rows, eps: 1e-5) }
        let got = try library.read(Float.self, from: output, count: rows * n)
        let want = Reference.rmsNorm(x, weight: w, n: n, rows: rows, eps: 1e-5)
        // Float sum of n squares vs a double sum: relative error of the scale is about n * 2^-24.
        #expect(worstViolation(got, want, tolerance: want.map { abs($0) * 2e-6 + 1e-7 }) == nil)
    }

    @Test("RoPE matches the reference in both layouts at any positions", arguments: [false, true])
    func rope(neox: Bool) throws {
        let library = try KernelLibrary.shared()
        let (tokens, heads, headDim) = (6, 3, 64)
        let positions = [0, 5, 1, 4095, 17, 300]
        let table = try Rope.Table(library: library, rotatedDims: headDim, maxPositions: 4096, base: 10_000)
        let tableValues = Rope.Table.values(rotatedDims: headDim, maxPositions: 4096, base: 10_000, frequencyScale: 1)
        let x = SyntheticTensor.randomFloats(count: tokens * heads * headDim, seed: 3)
        let data = try library.buffer(x)
        let pos = try library.buffer(positions.map(UInt32.init))
        let rope = try Rope(library: library, layout: neox ? .neox : .normal)
        try run(library) { try rope.encode($0, data: data, tokens: tokens, heads: heads, headDim: headDim, positions: pos, table: table) }
        let got = try library.read(Float.self, from: data, count: x.count)
        let want = Reference.rope(x, tokens: tokens, heads: heads, headDim: headDim, rotatedDims: headDim,
                                  positions: positions, table: tableValues, neox: neox)
        // Two products and a sum per output: a few ulps, fused or not.
        #expect(worstViolation(got, want, tolerance: want.map { _ in 1e-6 }) == nil)
    }

    @Test("SwiGLU, add, multiply and scale match the reference, inputs read either way",
          arguments: Elementwise.Operation.allCases, [false, true])
    func elementwise(operation: Elementwise.Operation, texelInputs: Bool) throws {
        let library = try KernelLibrary.shared()
        guard !texelInputs || library.device.capabilities.texelBuffers else { try Skip.unsupported("texel buffers") }
        let n = 4099
        let a = SyntheticTensor.randomFloats(count: n, seed: 4, range: -8...8), b = SyntheticTensor.randomFloats(count: n, seed: 5)
        let bufferA = try library.buffer(a), bufferB = try library.buffer(b)
        let output = try library.buffer(Float.self, count: n + 3)
        try run(library) {
            try Elementwise(library: library, texelInputs: texelInputs).encode($0, operation, a: bufferA, b: bufferB, output: output,
                                                                        outputOffset: 3, count: n, scalar: 0.37)
        }
        let got = try library.read(Float.self, from: output, count: n, offset: 12)
        let want: [Float]
        switch operation {
        case .add: want = zip(a, b).map { $0 + $1 }
        case .multiply: want = zip(a, b).map { $0 * $1 }
        case .scale: want = a.map { $0 * 0.37 }
        case .swiglu: want = Reference.swiglu(a, b)
        }
        // add/multiply/scale are exact IEEE operations; exp on the device may be a few ulps off.
        let relative: Float = operation == .swiglu ? 1e-5 : 0
        #expect(worstViolation(got, want, tolerance: want.map { abs($0) * relative }) == nil)
    }

    @Test("SwiGLU over stacked gate and up rows writes each token's row at its own stride")
    func stridedRows() throws {
        let library = try KernelLibrary.shared()
        let (tokens, width) = (7, 83)
        let gateUp = SyntheticTensor.randomFloats(count: tokens * 2 * width, seed: 32, range: -6...6)
        let input = try library.buffer(gateUp)
        let output = try library.buffer([Float](repeating: 42, count: 5 + tokens * (width + 2)))
        try run(library) {
            try Elementwise(library: library).encode(
                $0, .swiglu, a: input, b: input, bOffset: width, output: output, outputOffset: 5, count: tokens * width,
                rows: Elementwise.Rows(width: width, aStride: 2 * width, bStride: 2 * width, outputStride: width + 2))
        }
        let got = try library.read(Float.self, from: output, count: 5 + tokens * (width + 2))
        for t in 0..<tokens {
            let gate = Array(gateUp[(t * 2 * width)..<(t * 2 * width + width)])
            let up = Array(gateUp[(t * 2 * width + width)..<((t + 1) * 2 * width)])
            let row = Array(got[(5 + t * (width + 2))..<(5 + t * (width + 2) + width)])
            let want = Reference.swiglu(gate, up)
            #expect(worstViolation(row, want, tolerance: want.map { abs($0) * 1e-5 }) == nil)
            // The two floats between rows are left as they were.
            #expect(got[5 + t * (width + 2) + width] == 42 && got[5 + t * (width + 2) + width + 1] == 42)
        }
        #expect(got[0..<5].allSatisfy { $0 == 42 })
    }

    @Test("Rows that overflow a buffer are an error, not a write past it")
    func stridedOverflow() throws {
        let library = try KernelLibrary.shared()
        let a = try library.buffer(Float.self, count: 64), y = try library.buffer(Float.self, count: 32)
        let sequence = try CommandSequence(device: library.device)
        #expect(throws: KernelError.self) {
            try Elementwise(library: library).encode(sequence, .swiglu, a: a, b: a, bOffset: 16, output: y, count: 32,
                                                     rows: Elementwise.Rows(width: 16, aStride: 32, bStride: 32, outputStride: 16))
        }
    }

    @Test("Adding a bias row broadcasts it over every token")
    func biasBroadcast() throws {
        let library = try KernelLibrary.shared()
        let (tokens, width) = (5, 96)
        let a = SyntheticTensor.randomFloats(count: tokens * width, seed: 30), bias = SyntheticTensor.randomFloats(count: width, seed: 31)
        let buffer = try library.buffer(a), biasBuffer = try library.buffer(bias)
        try run(library) {
            try Elementwise(library: library).encode($0, .add, a: buffer, b: biasBuffer, bPeriod: width, output: buffer, count: tokens * width)
        }
        let got = try library.read(Float.self, from: buffer, count: a.count)
        #expect(got == a.indices.map { a[$0] + bias[$0 % width] })
    }

    @Test("Embedding lookup dequantizes the named rows for every weight type", arguments: WeightLayout.supportedTypes)
    func embedding(type: TensorType) throws {
        let library = try KernelLibrary.shared()
        let (rows, columns) = (50, 512)
        let ids = [3, 0, 49, 3, 17]
        let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 8)
        let table = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
        let idBuffer = try library.buffer(ids.map(UInt32.init))
        let output = try library.buffer(Float.self, count: ids.count * columns)
        try run(library) { try Embedding(library: library).encode($0, table: table, ids: idBuffer, tokens: ids.count, output: output) }
        let got = try library.read(Float.self, from: output, count: ids.count * columns)
        let want = try Reference.embedding(table: bytes, type: type, columns: columns, ids: ids)
        // Dequantization is a product and a sum per weight: fused or not, within an ulp or two.
        #expect(worstViolation(got, want, tolerance: want.map { abs($0) * 1e-6 + 1e-7 }) == nil)
    }

    @Test("Per-token kernels give a token the same bits alone and in a batch", arguments: [1, 4])
    func batchInvariant(normSubgroupsPerRow: Int) throws {
        let library = try KernelLibrary.shared()
        let (n, rows) = (896, 9)
        let x = SyntheticTensor.randomFloats(count: rows * n, seed: 12, range: -2...2)
        let w = SyntheticTensor.randomFloats(count: n, seed: 13)
        let input = try library.buffer(x), weight = try library.buffer(w)
        let batch = try library.buffer(Float.self, count: rows * n), alone = try library.buffer(Float.self, count: n)
        let norm = try RMSNorm(library: library, subgroupsPerRow: normSubgroupsPerRow)
        let lastRow = try library.buffer(Array(x[((rows - 1) * n)...]))
        try run(library) {
            try norm.encode($0, input: input, weight: weight, output: batch, n: n, rows: rows, eps: 1e-6)
            try norm.encode($0, input: lastRow, weight: weight, output: alone, n: n, rows: 1, eps: 1e-6)
        }
        let b = try library.read(Float.self, from: batch, count: rows * n)
        let a = try library.read(Float.self, from: alone, count: n)
        #expect(Array(b[((rows - 1) * n)...]).map(\.bitPattern) == a.map(\.bitPattern))
    }
}
