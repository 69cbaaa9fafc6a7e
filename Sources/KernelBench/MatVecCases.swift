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
        // q5_0 widened to q8_0 at upload (what a model stores on CPU devices), against q5_0 above;
        // GB/s counts the q5_0 bytes of the file.
        cases.append(matVec(.q5_0, rows: ModelShape.qwen05.feedForward, columns: ModelShape.qwen05.hidden, count: 1,
                            label: "qwen2.5-0.5b ffn_up", configuration, storedAs: .q8_0))
        // GGUF's own q4_0 blocks, read as they are, against the repacked layout above.
        cases.append(matVec(.q4_0, rows: 8960, columns: 1536, count: 1, label: "qwen2.5-1.5b ffn_up", configuration, rawLayout: true))
        for type: TensorType in [.q4_1, .q4_K, .q6_K] {
            cases.append(matVec(type, rows: 896, columns: 4864, count: 64, label: "qwen2.5-0.5b ffn_down prefill", configuration))
        }
        return cases
    }

    static func matVec(_ type: TensorType, rows: Int, columns: Int, count: Int, label: String,
                       _ configuration: MatVec.Configuration?, rawLayout: Bool = false, storedAs: TensorType? = nil,
                       beyondCaches: Int = cacheBytes) -> BenchCase {
        let ggufBytes = Double((try? type.rowBytes(elements: columns)) ?? 0) * Double(rows)
        let kernel = count == 1 ? "matvec" : "matmul"
        let shape = "\(label) \(rows)x\(columns)" + (count > 1 ? "x\(count)" : "")
        let variant = type.name + (rawLayout ? "_gguf_layout" : "") + (storedAs.map { "_as_\($0.name)" } ?? "")
        return BenchCase(kernel: kernel, variant: variant, shape: shape,
                         bytes: ggufBytes + Double(4 * count * (rows + columns)),
                         flops: 2 * Double(rows * columns * count)) { library in
            let matvec = try MatVec(library: library, configuration: configuration)
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 1)
            let copies = try (0..<copyCount(of: bytes.count, beyond: beyondCaches)).map { _ in
                try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes, ggufBytes: rawLayout,
                                        storedAs: storedAs)
            }
            let x = SyntheticTensor.randomFloats(count: columns * count, seed: 2)
            let input = try library.buffer(x)
            let output = try library.buffer(Float.self, count: rows * count)
            var next = 0
            return .init(validate: {
                // Check a sample of rows (the whole output head would take long on the CPU), in every copy.
                let rowBytes = try type.rowBytes(elements: columns)
                let sampled = Array(stride(from: 0, to: rows, by: max(1, rows / 48)))
                let wants = try sampled.map { r in
                    let w = try bytes[(r * rowBytes)..<((r + 1) * rowBytes)].withUnsafeBytes {
                        try Dequantize.row(type, from: $0, elements: columns)
                    }
                    return Reference.matVec(weights: w, rows: 1, columns: columns, inputs: x, count: count)
                }
                for weights in copies {
                    try execute(library) { try matvec.encode($0, weights: weights, input: input, output: output, columns: count) }
                    let got = try library.read(Float.self, from: output, count: rows * count)
                    for (r, want) in zip(sampled, wants) {
                        try check("\(kernel).\(type.name)", got: (0..<count).map { got[$0 * rows + r] }, want: want.y) {
                            want.magnitude[$0] * 1e-5 + 1e-6
                        }
                    }
                }
            }, record: { seq in
                // Each execution reads the next copy, so the weights come from memory, not a cache.
                try matvec.encode(seq, weights: copies[next % copies.count], input: input, output: output, columns: count)
                next += 1
            })
        }
    }

    /// Bytes that exceed the caches: several times a server CPU's L3 or a GPU's L2.
    static let cacheBytes = 128 << 20

    /// Copies of a weight matrix needed for their total to exceed `cache` bytes, so that timing a
    /// run of executions that cycles through them measures memory, not cache, bandwidth.
    static func copyCount(of bytes: Int, beyond cache: Int) -> Int {
        max(1, cache / max(1, bytes) + 1)
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
            let copies = try (0..<copyCount(of: bytes.count, beyond: cacheBytes)).map { _ in
                try WeightMatrix.upload(library: library, type: type, rows: rows, columns: columns, gguf: bytes)
            }
            let input = try library.buffer(SyntheticTensor.randomFloats(count: columns * 16, seed: 2))
            let output = try library.buffer(Float.self, count: rows * 16)
            var next = 0
            let times = try timer.interleavedMedians(library, cases: 16) {
                try matvec.encode($0, weights: copies[next % copies.count], input: input, output: output, columns: $1 + 1)
                next += 1
            }
            for (i, us) in times.enumerated() {
                records.append(BenchRecord(kernel: "verify_cost", variant: type.name, shape: "\(rows)x\(columns)",
                                           microseconds: us, columns: i + 1, relativeToOneColumn: us / times[0]))
            }
        }
        return records
    }
}
