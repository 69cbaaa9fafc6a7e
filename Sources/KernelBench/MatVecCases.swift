import GGUF
import Kernels
import VulkanRuntime

/// Matrix x vector and matrix x matrix cases at the projection shapes of the real models, and the
/// verify-cost curve (k columns against one).
enum MatVecCases {
    /// Weight types each model's GGUF file uses for its big matrices.
    static let typesByModel: [(ModelShape, [TensorType])] = [
        (.smolLM2, [.q4_1, .q8_0]),
        (.qwen05, [.q5_0, .q8_0, .q4_K, .q6_K]),
        (.qwen15, [.q4_K, .q6_K]),
    ]

    static func all(configuration: MatVec.Configuration?) -> [BenchCase] {
        var cases: [BenchCase] = []
        for (model, types) in typesByModel {
            for type in types {
                let shapes = [(model.feedForward, model.hidden, "ffn_up"), (model.hidden, model.feedForward, "ffn_down"),
                              (model.hidden, model.hidden, "attn_q")]
                // A type only appears where its blocks fit the row (Qwen2.5-0.5B's 896 is no multiple of 256).
                for (rows, columns, name) in shapes where columns % type.blockSize == 0 {
                    cases.append(matVec(type, rows: rows, columns: columns, count: 1, label: "\(model.name) \(name)", configuration))
                }
            }
        }
        cases.append(matVec(.q6_K, rows: ModelShape.qwen15.vocabulary, columns: 1536, count: 1, label: "qwen2.5-1.5b output", configuration))
        cases.append(matVec(.q8_0, rows: ModelShape.smolLM2.vocabulary, columns: 576, count: 1, label: "smollm2-135m output", configuration))
        for type in WeightLayout.supportedTypes {
            cases.append(matVec(type, rows: 8960, columns: 1536, count: 1, label: "qwen2.5-1.5b ffn_up", configuration))
        }
        // GGUF's own q4_0 blocks, read as they are, against the repacked layout above.
        cases.append(matVec(.q4_0, rows: 8960, columns: 1536, count: 1, label: "qwen2.5-1.5b ffn_up", configuration, rawLayout: true))
        for type: TensorType in [.q4_1, .q4_K, .q6_K] {
            cases.append(matVec(type, rows: 896, columns: 4864, count: 64, label: "qwen2.5-0.5b ffn_down prefill", configuration))
        }
        return cases
    }

    static func matVec(_ type: TensorType, rows: Int, columns: Int, count: Int, label: String,
                       _ configuration: MatVec.Configuration?, rawLayout: Bool = false) -> BenchCase {
        let ggufBytes = Double((try? type.rowBytes(elements: columns)) ?? 0) * Double(rows)
        let kernel = count == 1 ? "matvec" : "matmul"
        let shape = "\(label) \(rows)x\(columns)" + (count > 1 ? "x\(count)" : "")
        return BenchCase(kernel: kernel, variant: type.name + (rawLayout ? "_gguf_layout" : ""), shape: shape,
                         bytes: ggufBytes + Double(4 * count * (rows + columns)),
                         flops: 2 * Double(rows * columns * count)) { library in
            let matvec = try MatVec(library: library, configuration: configuration)
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 1)
            let weights = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes,
                                                  ggufBytes: rawLayout)
            let x = SyntheticTensor.randomFloats(count: columns * count, seed: 2)
            let input = try library.buffer(x)
            let output = try library.buffer(Float.self, count: rows * count)
            let record = { (seq: CommandSequence) in
                try matvec.encode(seq, weights: weights, input: input, output: output, columns: count)
            }
            return .init(validate: {
                try execute(library, record)
                let got = try library.read(Float.self, from: output, count: rows * count)
                // Check a sample of rows (the whole output head would take long on the CPU).
                let rowBytes = try type.rowBytes(elements: columns)
                for r in stride(from: 0, to: rows, by: max(1, rows / 48)) {
                    let w = try bytes[(r * rowBytes)..<((r + 1) * rowBytes)].withUnsafeBytes {
                        try Dequantize.row(type, from: $0, elements: columns)
                    }
                    let want = Reference.matVec(weights: w, rows: 1, columns: columns, inputs: x, count: count)
                    try check("\(kernel).\(type.name)", got: (0..<count).map { got[$0 * rows + r] }, want: want.y) {
                        want.magnitude[$0] * 1e-5 + 1e-6
                    }
                }
            }, record: record)
        }
    }

    /// Matvec time for 1...16 columns relative to one column, per weight type, at Qwen2.5-1.5B's
    /// ffn_up shape: what verifying k drafted tokens costs.
    static func verifyCost(library: KernelLibrary, types: [TensorType], timer: GPUTimer,
                           configuration: MatVec.Configuration?) throws -> [BenchRecord] {
        let (rows, columns) = (8960, 1536)
        var records: [BenchRecord] = []
        let matvec = try MatVec(library: library, configuration: configuration)
        for type in types {
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 1)
            let weights = try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
            let input = try library.buffer(SyntheticTensor.randomFloats(count: columns * 16, seed: 2))
            let output = try library.buffer(Float.self, count: rows * 16)
            var one = 0.0
            for k in 1...16 {
                let us = try timer.median(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: k) }
                if k == 1 { one = us }
                records.append(BenchRecord(kernel: "verify_cost", variant: type.name, shape: "\(rows)x\(columns)",
                                           microseconds: us, columns: k, relativeToOneColumn: us / one))
            }
        }
        return records
    }
}
