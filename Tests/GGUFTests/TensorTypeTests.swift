import Testing
@testable import GGUF

@Suite("Tensor types")
struct TensorTypeTests {
    @Test("Type ids match ggml")
    func ids() {
        let expected: [(TensorType, UInt32)] = [
            (.f32, 0), (.f16, 1), (.q4_0, 2), (.q4_1, 3), (.q5_0, 6), (.q5_1, 7), (.q8_0, 8),
            (.q8_1, 9), (.q2_K, 10), (.q3_K, 11), (.q4_K, 12), (.q5_K, 13), (.q6_K, 14),
            (.q8_K, 15), (.bf16, 30),
        ]
        for (type, id) in expected {
            #expect(type.rawValue == id)
            #expect(TensorType(rawValue: id) == type)
        }
        #expect(TensorType(rawValue: 4) == nil)
    }

    @Test("Names are lowercase ggml names")
    func names() {
        #expect(TensorType.f32.name == "f32")
        #expect(TensorType.q4_K.name == "q4_k")
        #expect(TensorType.q6_K.description == "q6_k")
        #expect(TensorType.bf16.name == "bf16")
        for type in TensorType.allCases {
            #expect(type.name == type.name.lowercased())
        }
    }

    @Test("Block sizes and byte counts match ggml's block structs")
    func blockGeometry() {
        let expected: [(TensorType, Int, Int)] = [
            (.f32, 1, 4), (.f16, 1, 2), (.q4_0, 32, 18), (.q4_1, 32, 20), (.q5_0, 32, 22),
            (.q5_1, 32, 24), (.q8_0, 32, 34), (.q8_1, 32, 36), (.q2_K, 256, 84),
            (.q3_K, 256, 110), (.q4_K, 256, 144), (.q5_K, 256, 176), (.q6_K, 256, 210),
            (.q8_K, 256, 292), (.bf16, 1, 2),
        ]
        for (type, size, bytes) in expected {
            #expect(type.blockSize == size, "\(type)")
            #expect(type.bytesPerBlock == bytes, "\(type)")
        }
    }

    @Test("Exactly the reference types are dequantizable")
    func dequantizable() {
        let expected: Set<TensorType> = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]
        #expect(Set(TensorType.allCases.filter(\.isDequantizable)) == expected)
    }

    @Test("Row sizes are whole blocks times block bytes")
    func rowSizes() throws {
        #expect(try TensorType.f32.rowBytes(elements: 10) == 40)
        #expect(try TensorType.bf16.rowBytes(elements: 3) == 6)
        #expect(try TensorType.q4_0.rowBytes(elements: 4096) == 2304)
        #expect(try TensorType.q8_0.rowBytes(elements: 64) == 68)
        #expect(try TensorType.q4_K.rowBytes(elements: 4096) == 2304)
        #expect(try TensorType.q6_K.rowBytes(elements: 256) == 210)
        #expect(try TensorType.q5_K.rowBytes(elements: 0) == 0)
    }

    @Test("A row that is not a whole number of blocks is rejected")
    func rowNotMultipleOfBlock() {
        #expect(throws: TensorTypeError.rowNotMultipleOfBlock(type: .q4_K, elements: 100)) {
            try TensorType.q4_K.rowBytes(elements: 100)
        }
        #expect(throws: TensorTypeError.rowNotMultipleOfBlock(type: .q8_0, elements: 33)) {
            try TensorType.q8_0.rowBytes(elements: 33)
        }
        #expect(throws: TensorTypeError.negativeElementCount(-32)) {
            try TensorType.q4_0.rowBytes(elements: -32)
        }
    }

    @Test("Error descriptions are readable sentences")
    func errorDescriptions() {
        let error = TensorTypeError.rowNotMultipleOfBlock(type: .q4_K, elements: 100)
        #expect(error.description.contains("100"))
        #expect(error.description.contains("q4_k"))
        #expect(TensorTypeError.unsupported(.q2_K).description.contains("q2_k"))
        #expect(TensorTypeError.bufferTooSmall(needed: 18, got: 4).description.contains("18"))
    }
}
