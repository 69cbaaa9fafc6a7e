import GGUF
import Kernels
import Testing
import VulkanRuntime
@testable import Augur

@Suite("Stacked projections")
struct StackedProjectionTests {
    /// Members of three types and widths, biases on some: q (q5_0, bias), k (q8_0, no bias),
    /// v (q4_K, bias). CPU devices store q5_0 as q8_0, so there q and k share a matrix (q widened
    /// into it). 256 columns so that k-quants fit.
    static let columns = 256
    static let members: [(name: String, rows: Int, type: TensorType, bias: Bool)] = [
        ("q", 96, .q5_0, true), ("k", 32, .q8_0, false), ("v", 32, .q4_K, true),
    ]

    static func file() throws -> GGUFFile {
        var writer = GGUFWriter()
        for (i, m) in members.enumerated() {
            writer.addTensor(name: m.name + ".weight", type: m.type, dimensions: [columns, m.rows],
                             data: try SyntheticTensor.randomBytes(type: m.type, rows: m.rows, columns: columns, seed: 40 + UInt64(i)))
            if m.bias {
                let bias = SyntheticTensor.randomFloats(count: m.rows, seed: 50 + UInt64(i))
                writer.addTensor(name: m.name + ".bias", type: .f32, dimensions: [m.rows], data: bias.withUnsafeBytes { Array($0) })
            }
        }
        return try GGUFFile(bytes: writer.bytes())
    }

    @Test("Stacking gives every member's rows the same bits as its own matrix and bias, at its offset in each token's row")
    func sameBitsAsSeparateMatrices() throws {
        let library = try KernelLibrary.shared()
        let gguf = try Self.file()
        let loader = TensorLoader(gguf: gguf, encoding: WeightEncoding(library: library, requantization: nil))
        let stacked = try StackedProjection(Self.members.map { ($0.name + ".weight", $0.rows) }, columns: Self.columns, loader: loader)
        // Runs of one storage type share a matrix; a run's bias exists when any member has one.
        if library.device.capabilities.kind == .cpu {
            #expect(stacked.parts.map(\.matrix.rows) == [128, 32] && stacked.parts.map(\.firstRow) == [0, 128])
            #expect(stacked.parts.map { $0.bias != nil } == [true, true])
        } else {
            #expect(stacked.parts.map(\.matrix.rows) == [96, 32, 32] && stacked.parts.map(\.firstRow) == [0, 96, 128])
            #expect(stacked.parts.map { $0.bias != nil } == [true, false, true])
        }
        #expect(stacked.rows == 160)

        let tokens = 3
        let input = try library.buffer(SyntheticTensor.randomFloats(count: tokens * Self.columns, seed: 60))
        let matVec = try MatVec(library: library)
        let output = try library.buffer(Float.self, count: tokens * stacked.rows)
        try Self.run(library) { try stacked.encode(matVec, sequence: $0, input: input, output: output, tokens: tokens) }
        let got = try library.read(Float.self, from: output, count: tokens * stacked.rows)

        var firstRow = 0
        for m in Self.members {
            let own = try loader.matrix(m.name + ".weight", rows: m.rows, columns: Self.columns)
            let bias = try loader.optionalValues(m.name + ".bias", count: m.rows).map { try library.buffer($0) }
            let separate = try library.buffer(Float.self, count: tokens * m.rows)
            try Self.run(library) { try matVec.encode($0, weights: own, input: input, output: separate, columns: tokens, bias: bias) }
            let want = try library.read(Float.self, from: separate, count: tokens * m.rows)
            for t in 0..<tokens {
                let row = got[(t * stacked.rows + firstRow)..<(t * stacked.rows + firstRow + m.rows)]
                #expect(row.map(\.bitPattern) == want[(t * m.rows)..<((t + 1) * m.rows)].map(\.bitPattern), "\(m.name), token \(t)")
            }
            firstRow += m.rows
        }
    }

    static func run(_ library: KernelLibrary, _ record: (CommandSequence) throws -> Void) throws {
        let sequence = try CommandSequence(device: library.device)
        try sequence.begin()
        try record(sequence)
        try sequence.end()
        try sequence.submitAndWait()
    }

    @Test("A member of the wrong width is an error naming it")
    func wrongWidth() throws {
        let library = try KernelLibrary.shared()
        let loader = TensorLoader(gguf: try Self.file(), encoding: WeightEncoding(library: library, requantization: nil))
        #expect(throws: ModelError.tensorShape("k.weight", expected: [Self.columns, 48], found: [Self.columns, 32])) {
            try StackedProjection([("q.weight", 96), ("k.weight", 48)], columns: Self.columns, loader: loader)
        }
    }
}
