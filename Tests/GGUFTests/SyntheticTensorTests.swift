import Testing
@testable import GGUF

@Suite("Synthetic tensors")
struct SyntheticTensorTests {
    @Test("The seeded generator repeats its sequence for a seed")
    func generatorDeterminism() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        for _ in 0..<1000 {
            let x = a.nextFloat(in: -0.5...2)
            #expect(x >= -0.5 && x <= 2)
        }
    }

    @Test("Random bytes are deterministic for a fixed seed")
    func bytesDeterminism() throws {
        for type in [TensorType.q4_0, .q4_K, .q6_K, .f16] {
            let a = try SyntheticTensor.randomBytes(type: type, rows: 3, columns: 512, seed: 7)
            let b = try SyntheticTensor.randomBytes(type: type, rows: 3, columns: 512, seed: 7)
            let c = try SyntheticTensor.randomBytes(type: type, rows: 3, columns: 512, seed: 8)
            #expect(a == b)
            #expect(a != c)
            #expect(a.count == 3 * (try type.rowBytes(elements: 512)))
        }
        let floats = SyntheticTensor.randomFloats(count: 100, seed: 1)
        #expect(floats == SyntheticTensor.randomFloats(count: 100, seed: 1))
        #expect(floats.allSatisfy { (-1...1).contains($0) })
    }

    @Test("Every dequantizable type's synthetic data decodes to finite values near [-1, 1]")
    func dequantizesSanely() throws {
        let rows = 4
        let columns = 1024
        for type in TensorType.allCases where type.isDequantizable {
            let bytes = try SyntheticTensor.randomBytes(type: type, rows: rows, columns: columns, seed: 2024)
            let rowBytes = try type.rowBytes(elements: columns)
            var maxMagnitude: Float = 0
            for row in 0..<rows {
                let y = try Dequantize.row(type, from: Array(bytes[row * rowBytes..<(row + 1) * rowBytes]), elements: columns)
                #expect(y.allSatisfy { $0.isFinite }, "\(type)")
                maxMagnitude = max(maxMagnitude, y.map(abs).max() ?? 0)
            }
            #expect(maxMagnitude <= 1.1, "\(type) max |y| = \(maxMagnitude)")
            #expect(maxMagnitude >= 0.1, "\(type) max |y| = \(maxMagnitude)")
        }
    }

    @Test("Derived sum fields of q8_1 and q8_K agree with their quants")
    func derivedSums() throws {
        let q81 = try SyntheticTensor.randomBytes(type: .q8_1, rows: 1, columns: 32, seed: 3)
        let d = Float(Float16(bitPattern: UInt16(q81[0]) | UInt16(q81[1]) << 8))
        let s = Float(Float16(bitPattern: UInt16(q81[2]) | UInt16(q81[3]) << 8))
        let sum = q81[4..<36].reduce(0) { $0 + Int(Int8(bitPattern: $1)) }
        #expect(abs(s - d * Float(sum)) <= abs(d * Float(sum)) * 0.001 + 1e-6)

        let q8K = try SyntheticTensor.randomBytes(type: .q8_K, rows: 1, columns: 256, seed: 3)
        for group in 0..<16 {
            let expected = q8K[(4 + 16 * group)..<(20 + 16 * group)].reduce(0) { $0 + Int(Int8(bitPattern: $1)) }
            let stored = Int16(bitPattern: UInt16(q8K[260 + 2 * group]) | UInt16(q8K[261 + 2 * group]) << 8)
            #expect(Int(stored) == expected)
        }
    }

    @Test("Unsupported types and partial blocks are rejected")
    func errors() {
        #expect(throws: TensorTypeError.unsupported(.iq2_xxs)) {
            try SyntheticTensor.randomBytes(type: .iq2_xxs, rows: 1, columns: 256, seed: 0)
        }
        #expect(throws: TensorTypeError.rowNotMultipleOfBlock(type: .q5_K, elements: 300)) {
            try SyntheticTensor.randomBytes(type: .q5_K, rows: 1, columns: 300, seed: 0)
        }
    }
}
