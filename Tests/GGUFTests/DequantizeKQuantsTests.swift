import Testing
@testable import GGUF

@Suite("Dequantize: K-quants")
struct DequantizeKQuantsTests {
    @Test("q4_K unpacks 6-bit scales and mins for low and high sub-blocks")
    func q4_K() throws {
        var scales = [UInt8](repeating: 0, count: 12)
        scales[0] = 0x03  // sc0 = 3
        scales[4] = 0x02  // m0 = 2
        scales[1] = 0xC1  // sc1 = 1; top bits 3 -> sc5 bits 4-5
        scales[5] = 0x41  // m1 = 1; top bits 1 -> m5 bits 4-5
        scales[8] = 0x35  // sc4 = 5, m4 = 3
        scales[9] = 0x27  // sc5 = 7 | 48 = 55, m5 = 2 | 16 = 18
        var qs = [UInt8](repeating: 0, count: 128)
        qs[0] = 0x49  // element 0 (sub-block 0): 9, element 32 (sub-block 1): 4
        qs[67] = 0xA0  // element 131 (sub-block 4): 0, element 163 (sub-block 5): 10
        let block = BlockBytes.half(0.5) + BlockBytes.half(0.25) + scales + qs
        let y = try Dequantize.block(.q4_K, from: block)
        #expect(y.count == 256)
        #expect(y[0] == 13.0)  // 0.5 * 3 * 9 - 0.25 * 2
        #expect(y[32] == 1.75)  // 0.5 * 1 * 4 - 0.25 * 1
        #expect(y[131] == -0.75)  // 0.5 * 5 * 0 - 0.25 * 3
        #expect(y[163] == 270.5)  // 0.5 * 55 * 10 - 0.25 * 18
        #expect(y[1] == -0.5)  // 0.5 * 3 * 0 - 0.25 * 2
    }

    @Test("q5_K adds the fifth bit from qh per chunk")
    func q5_K() throws {
        var scales = [UInt8](repeating: 0, count: 12)
        scales[0] = 2  // sc0
        scales[4] = 1  // m0
        scales[1] = 1  // sc1, m1 = 0
        scales[2] = 4  // sc2, m2 = 0
        var qh = [UInt8](repeating: 0, count: 32)
        qh[0] = 0b0000_0101  // element 0 (bit 0) and element 64 (bit 2)
        var qs = [UInt8](repeating: 0, count: 128)
        qs[0] = 0x3F  // element 0: 15, element 32: 3
        qs[32] = 0x06  // element 64: 6
        let block = BlockBytes.half(0.5) + BlockBytes.half(1) + scales + qh + qs
        let y = try Dequantize.block(.q5_K, from: block)
        #expect(y[0] == 30.0)  // 0.5 * 2 * (15 + 16) - 1 * 1
        #expect(y[32] == 1.5)  // 0.5 * 1 * 3
        #expect(y[64] == 44.0)  // 0.5 * 4 * (6 + 16)
    }

    @Test("q6_K combines ql nibbles with qh bit pairs, offsets by 32 and applies signed scales")
    func q6_K() throws {
        var ql = [UInt8](repeating: 0, count: 128)
        var qh = [UInt8](repeating: 0, count: 64)
        var scales = [Int8](repeating: 0, count: 16)
        ql[0] = 0x5A  // element 0: low 10, element 64: high 5
        ql[32] = 0x37  // element 32: low 7, element 96: high 3
        qh[0] = 0x9E  // bit pairs: 2 (el 0), 3 (el 32), 1 (el 64), 2 (el 96)
        scales[0] = 2
        scales[2] = -1
        scales[4] = 3
        scales[6] = -4
        ql[81] = 0x0F  // second half, l = 17: element 145
        scales[9] = 5  // second half, is = 1
        let block = ql + qh + scales.map { UInt8(bitPattern: $0) } + BlockBytes.half(0.5)
        let y = try Dequantize.block(.q6_K, from: block)
        #expect(y[0] == 10.0)  // 0.5 * 2 * ((10 | 2 << 4) - 32)
        #expect(y[32] == -11.5)  // 0.5 * -1 * ((7 | 3 << 4) - 32)
        #expect(y[64] == -16.5)  // 0.5 * 3 * ((5 | 1 << 4) - 32)
        #expect(y[96] == -6.0)  // 0.5 * -4 * ((3 | 2 << 4) - 32)
        #expect(y[145] == -42.5)  // 0.5 * 5 * (15 - 32)
        #expect(y[144] == -80.0)  // 0.5 * 5 * (0 - 32)
    }

    @Test("K-quant rows need whole 256-element blocks")
    func partialBlock() {
        #expect(throws: TensorTypeError.rowNotMultipleOfBlock(type: .q6_K, elements: 128)) {
            try Dequantize.row(.q6_K, from: [UInt8](repeating: 0, count: 210), elements: 128)
        }
    }
}
