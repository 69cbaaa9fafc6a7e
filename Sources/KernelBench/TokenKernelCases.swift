import GGUF
import Kernels
import VulkanRuntime

/// Per-token kernels at the real models' shapes, for one token (decode) and 128 (prefill).
enum TokenKernelCases {
    static func all() -> [BenchCase] {
        var cases: [BenchCase] = []
        for model in ModelShape.all {
            for tokens in [1, 128] {
                let label = "\(model.name) x\(tokens)"
                cases.append(rmsNorm(n: model.hidden, rows: tokens, label: label))
                cases.append(rope(heads: model.heads, headDim: model.headDim, tokens: tokens, neox: model.name != "smollm2-135m", label: label))
                cases.append(swiglu(n: model.feedForward * tokens, label: label))
                cases.append(embedding(type: model.hidden % 256 == 0 ? .q6_K : .q8_0, rows: model.vocabulary,
                                       columns: model.hidden, tokens: tokens, label: label))
            }
        }
        return cases
    }

    static func rmsNorm(n: Int, rows: Int, label: String) -> BenchCase {
        BenchCase(kernel: "rmsnorm", variant: "f32", shape: "\(label) \(n)", bytes: Double(4 * (2 * n * rows + n)), flops: Double(4 * n * rows)) { library in
            let x = SyntheticTensor.randomFloats(count: n * rows, seed: 1), w = SyntheticTensor.randomFloats(count: n, seed: 2)
            let input = try library.buffer(x), weight = try library.buffer(w), output = try library.buffer(Float.self, count: n * rows)
            let norm = try RMSNorm(library: library)
            let record = { (s: CommandSequence) in try norm.encode(s, input: input, weight: weight, output: output, n: n, rows: rows, eps: 1e-6) }
            return .init(validate: {
                try execute(library, record)
                let want = Reference.rmsNorm(x, weight: w, n: n, rows: rows, eps: 1e-6)
                try check("rmsnorm", got: try library.read(Float.self, from: output, count: n * rows), want: want) { abs(want[$0]) * 2e-6 + 1e-7 }
            }, record: record)
        }
    }

    static func rope(heads: Int, headDim: Int, tokens: Int, neox: Bool, label: String) -> BenchCase {
        let n = heads * headDim * tokens
        return BenchCase(kernel: "rope", variant: neox ? "neox" : "normal", shape: "\(label) \(heads)x\(headDim)",
                         bytes: Double(8 * n + 4 * n), flops: Double(3 * n)) { library in
            let x = SyntheticTensor.randomFloats(count: n, seed: 3)
            let positions = (0..<tokens).map { $0 * 7 % 4096 }
            let table = try Rope.Table(library: library, rotatedDims: headDim, maxPositions: 4096, base: 1_000_000)
            let data = try library.buffer(x), pos = try library.buffer(positions.map(UInt32.init))
            let rope = try Rope(library: library, layout: neox ? .neox : .normal)
            let record = { (s: CommandSequence) in
                try rope.encode(s, data: data, tokens: tokens, heads: heads, headDim: headDim, positions: pos, table: table)
            }
            return .init(validate: {
                try library.uploader.upload(x, to: data)
                try execute(library, record)
                let values = Rope.Table.values(rotatedDims: headDim, maxPositions: 4096, base: 1_000_000, frequencyScale: 1)
                let want = Reference.rope(x, tokens: tokens, heads: heads, headDim: headDim, rotatedDims: headDim,
                                          positions: positions, table: values, neox: neox)
                try check("rope", got: try library.read(Float.self, from: data, count: n), want: want) { _ in 1e-6 }
            }, record: record)
        }
    }

    static func swiglu(n: Int, label: String) -> BenchCase {
        BenchCase(kernel: "swiglu", variant: "f32", shape: "\(label) \(n)", bytes: Double(12 * n), flops: Double(5 * n)) { library in
            let a = SyntheticTensor.randomFloats(count: n, seed: 4, range: -6...6), b = SyntheticTensor.randomFloats(count: n, seed: 5)
            let ba = try library.buffer(a), bb = try library.buffer(b), out = try library.buffer(Float.self, count: n)
            let kernel = try Elementwise(library: library)
            let record = { (s: CommandSequence) in try kernel.encode(s, .swiglu, a: ba, b: bb, output: out, count: n) }
            return .init(validate: {
                try execute(library, record)
                let want = Reference.swiglu(a, b)
                try check("swiglu", got: try library.read(Float.self, from: out, count: n), want: want) { abs(want[$0]) * 1e-5 }
            }, record: record)
        }
    }

    static func embedding(type: TensorType, rows: Int, columns: Int, tokens: Int, label: String) -> BenchCase {
        let rowBytes = Double((try? type.rowBytes(elements: columns)) ?? 0)
        return BenchCase(kernel: "embedding", variant: type.name, shape: "\(label) \(rows)x\(columns)",
                         bytes: Double(tokens) * (rowBytes + Double(4 * columns)), flops: Double(2 * tokens * columns)) { library in
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 6)
            let table = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
            let ids = (0..<tokens).map { ($0 * 7919 + 13) % rows }
            let idBuffer = try library.buffer(ids.map(UInt32.init)), out = try library.buffer(Float.self, count: tokens * columns)
            let kernel = Embedding(library: library)
            let record = { (s: CommandSequence) in try kernel.encode(s, table: table, ids: idBuffer, tokens: tokens, output: out) }
            return .init(validate: {
                try execute(library, record)
                let want = try Reference.embedding(table: bytes, type: type, columns: columns, ids: ids)
                try check("embedding", got: try library.read(Float.self, from: out, count: tokens * columns), want: want) {
                    abs(want[$0]) * 1e-6 + 1e-7
                }
            }, record: record)
        }
    }
}
