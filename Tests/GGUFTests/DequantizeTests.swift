import Testing
@testable import GGUF

@Suite("Dequantize: scalar and 32-element blocks")
struct DequantizeTests {
    @Test("f32, f16 and bf16 decode their little-endian bits")
    func scalarTypes() throws {
        let f32 = try Dequantize.row(.f32, from: BlockBytes.float(1.5) + BlockBytes.float(-0.25), elements: 2)
        #expect(f32 == [1.5, -0.25])
        let f16 = try Dequantize.row(.f16, from: BlockBytes.half(-2) + BlockBytes.half(0.125), elements: 2)
        #expect(f16 == [-2, 0.125])
        // bf16 0x3FC0 is 1.5, 0xC040 is -3.
        let bf16 = try Dequantize.row(.bf16, from: [0xC0, 0x3F, 0x40, 0xC0], elements: 2)
        #expect(bf16 == [1.5, -3])
    }

    @Test("q4_0 subtracts 8 from each nibble and scales by d")
    func q4_0() throws {
        var qs = [UInt8](repeating: 0x88, count: 16)
        qs[0] = 0x3A  // element 0: 10, element 16: 3
        qs[5] = 0xF0  // element 5: 0, element 21: 15
        let y = try Dequantize.block(.q4_0, from: BlockBytes.half(0.5) + qs)
        #expect(y.count == 32)
        #expect(y[0] == 1.0)  // (10 - 8) * 0.5
        #expect(y[16] == -2.5)  // (3 - 8) * 0.5
        #expect(y[5] == -4.0)  // (0 - 8) * 0.5
        #expect(y[21] == 3.5)  // (15 - 8) * 0.5
        #expect(y[1] == 0)
    }

    @Test("q4_1 scales each nibble by d and adds m")
    func q4_1() throws {
        var qs = [UInt8](repeating: 0, count: 16)
        qs[2] = 0x7C  // element 2: 12, element 18: 7
        let y = try Dequantize.block(.q4_1, from: BlockBytes.half(0.25) + BlockBytes.half(-1) + qs)
        #expect(y[2] == 2.0)  // 12 * 0.25 - 1
        #expect(y[18] == 0.75)  // 7 * 0.25 - 1
        #expect(y[0] == -1.0)
    }

    @Test("q5_0 takes the fifth bit from qh and subtracts 16")
    func q5_0() throws {
        // qh bit 3 -> element 3, bit 20 -> element 20.
        let qh = BlockBytes.uint32(1 << 3 | 1 << 20)
        var qs = [UInt8](repeating: 0, count: 16)
        qs[3] = 0x21  // element 3: 1, element 19: 2
        qs[4] = 0x5F  // element 4: 15, element 20: 5
        let y = try Dequantize.block(.q5_0, from: BlockBytes.half(0.5) + qh + qs)
        #expect(y[3] == 0.5)  // (1 + 16 - 16) * 0.5
        #expect(y[19] == -7.0)  // (2 - 16) * 0.5
        #expect(y[4] == -0.5)  // (15 - 16) * 0.5
        #expect(y[20] == 2.5)  // (5 + 16 - 16) * 0.5
        #expect(y[0] == -8.0)  // (0 - 16) * 0.5
    }

    @Test("q5_1 takes the fifth bit from qh, scales by d and adds m")
    func q5_1() throws {
        let qh = BlockBytes.uint32(1 << 31)  // element 31
        var qs = [UInt8](repeating: 0, count: 16)
        qs[15] = 0x42  // element 15: 2, element 31: 4
        let y = try Dequantize.block(.q5_1, from: BlockBytes.half(0.5) + BlockBytes.half(2) + qh + qs)
        #expect(y[15] == 3.0)  // 2 * 0.5 + 2
        #expect(y[31] == 12.0)  // (4 + 16) * 0.5 + 2
        #expect(y[0] == 2.0)
    }

    @Test("q8_0 scales signed bytes by d")
    func q8_0() throws {
        var qs = [UInt8](repeating: 0, count: 32)
        qs[0] = 100
        qs[7] = UInt8(bitPattern: -3)
        qs[31] = 0x80  // -128
        let y = try Dequantize.block(.q8_0, from: BlockBytes.half(0.125) + qs)
        #expect(y[0] == 12.5)
        #expect(y[7] == -0.375)
        #expect(y[31] == -16.0)
        #expect(y[1] == 0)
    }

    @Test("A row of several blocks decodes each block in order")
    func multiBlockRow() throws {
        let first = BlockBytes.half(1) + [UInt8](repeating: 0x99, count: 16)  // all 1
        let second = BlockBytes.half(-2) + [UInt8](repeating: 0x77, count: 16)  // all -1
        let y = try Dequantize.row(.q4_0, from: first + second, elements: 64)
        #expect(y == [Float](repeating: 1, count: 32) + [Float](repeating: 2, count: 32))
    }

    @Test("Unsupported types, short buffers and partial blocks are rejected")
    func errors() {
        #expect(throws: TensorTypeError.unsupported(.q2_K)) {
            try Dequantize.row(.q2_K, from: [UInt8](repeating: 0, count: 84), elements: 256)
        }
        #expect(throws: TensorTypeError.bufferTooSmall(needed: 36, got: 18)) {
            try Dequantize.row(.q4_0, from: [UInt8](repeating: 0, count: 18), elements: 64)
        }
        #expect(throws: TensorTypeError.rowNotMultipleOfBlock(type: .q8_0, elements: 40)) {
            try Dequantize.row(.q8_0, from: [UInt8](repeating: 0, count: 68), elements: 40)
        }
    }
}
