import GGUF
import Kernels
import Testing
import VulkanRuntime

@Suite("Recorded command sequences")
struct ResubmitTests {
    @Test("A sequence recorded once runs again with new token ids and positions read from host buffers")
    func resubmit() throws {
        let library = try KernelLibrary.shared()
        let (rows, columns, heads, headDim) = (20, 128, 2, 64)
        let bytes = try SyntheticTensor.randomBytes(type: .q8_0, rows: rows, columns: columns, seed: 21)
        let table = try WeightMatrix.upload(library: library, type: .q8_0, rows: rows, columns: columns, gguf: bytes)
        let ids = try library.buffer([UInt32(3)], location: .host)
        let positions = try library.buffer([UInt32(0)], location: .host)
        let hidden = try library.buffer(Float.self, count: columns)
        let ropeTable = try Rope.Table(library: library, rotatedDims: headDim, maxPositions: 64, base: 10_000)
        let sequence = try CommandSequence(device: library.device)
        try sequence.begin()
        try Embedding(library: library).encode(sequence, table: table, ids: ids, tokens: 1, output: hidden)
        try Rope(library: library, layout: .neox).encode(sequence, data: hidden, tokens: 1, heads: heads, headDim: headDim,
                                                         positions: positions, table: ropeTable)
        try sequence.end()

        let values = Rope.Table.values(rotatedDims: headDim, maxPositions: 64, base: 10_000, frequencyScale: 1)
        for (id, position) in [(3, 0), (17, 5), (0, 63)] {
            try ids.write([UInt32(id)])
            try positions.write([UInt32(position)])
            try sequence.submitAndWait()
            let got = try library.read(Float.self, from: hidden, count: columns)
            let row = try Reference.embedding(table: bytes, type: .q8_0, columns: columns, ids: [id])
            let want = Reference.rope(row, tokens: 1, heads: heads, headDim: headDim, rotatedDims: headDim,
                                      positions: [position], table: values, neox: true)
            #expect(worstViolation(got, want, tolerance: want.map { abs($0) * 1e-6 + 1e-6 }) == nil, "id \(id) position \(position)")
        }
    }
}
