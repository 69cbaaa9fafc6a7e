/// A ggml tensor element type, as stored in the `type` field of a GGUF tensor info.
///
/// Raw values are ggml's `enum ggml_type` ids. Ids that ggml has retired
/// (4, 5, 31, 32, 33, 36, 37, 38) have no case.
public enum TensorType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q8_1 = 9
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case q8_K = 15
    case iq2_xxs = 16
    case iq2_xs = 17
    case iq3_xxs = 18
    case iq1_s = 19
    case iq4_nl = 20
    case iq3_s = 21
    case iq2_s = 22
    case iq4_xs = 23
    case i8 = 24
    case i16 = 25
    case i32 = 26
    case i64 = 27
    case f64 = 28
    case iq1_m = 29
    case bf16 = 30
    case tq1_0 = 34
    case tq2_0 = 35
    case mxfp4 = 39

    /// The lowercase ggml name of the type, for example `"f32"` or `"q4_k"`.
    public var name: String {
        switch self {
        case .f32: "f32"
        case .f16: "f16"
        case .q4_0: "q4_0"
        case .q4_1: "q4_1"
        case .q5_0: "q5_0"
        case .q5_1: "q5_1"
        case .q8_0: "q8_0"
        case .q8_1: "q8_1"
        case .q2_K: "q2_k"
        case .q3_K: "q3_k"
        case .q4_K: "q4_k"
        case .q5_K: "q5_k"
        case .q6_K: "q6_k"
        case .q8_K: "q8_k"
        case .iq2_xxs: "iq2_xxs"
        case .iq2_xs: "iq2_xs"
        case .iq3_xxs: "iq3_xxs"
        case .iq1_s: "iq1_s"
        case .iq4_nl: "iq4_nl"
        case .iq3_s: "iq3_s"
        case .iq2_s: "iq2_s"
        case .iq4_xs: "iq4_xs"
        case .i8: "i8"
        case .i16: "i16"
        case .i32: "i32"
        case .i64: "i64"
        case .f64: "f64"
        case .iq1_m: "iq1_m"
        case .bf16: "bf16"
        case .tq1_0: "tq1_0"
        case .tq2_0: "tq2_0"
        case .mxfp4: "mxfp4"
        }
    }

    public var description: String { name }

    /// The number of elements stored in one block of this type.
    ///
    /// Plain scalar types are blocks of one element; the legacy quants (and
    /// `iq4_nl`, `mxfp4`) use 32 elements; the K-quants and most i-quants use 256.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .f64, .i8, .i16, .i32, .i64:
            1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4_nl, .mxfp4:
            32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K,
             .iq2_xxs, .iq2_xs, .iq3_xxs, .iq1_s, .iq3_s, .iq2_s, .iq4_xs, .iq1_m,
             .tq1_0, .tq2_0:
            256
        }
    }

    /// The number of bytes one block of this type occupies in a GGUF file.
    public var bytesPerBlock: Int {
        switch self {
        case .f32: 4
        case .f16: 2
        case .bf16: 2
        case .f64: 8
        case .i8: 1
        case .i16: 2
        case .i32: 4
        case .i64: 8
        case .q4_0: 18  // half d; qs[16]
        case .q4_1: 20  // half d, m; qs[16]
        case .q5_0: 22  // half d; qh[4]; qs[16]
        case .q5_1: 24  // half d, m; qh[4]; qs[16]
        case .q8_0: 34  // half d; int8 qs[32]
        case .q8_1: 36  // half d, s; int8 qs[32]
        case .q2_K: 84  // scales[16]; qs[64]; half d, dmin
        case .q3_K: 110  // hmask[32]; qs[64]; scales[12]; half d
        case .q4_K: 144  // half d, dmin; scales[12]; qs[128]
        case .q5_K: 176  // half d, dmin; scales[12]; qh[32]; qs[128]
        case .q6_K: 210  // ql[128]; qh[64]; int8 scales[16]; half d
        case .q8_K: 292  // float d; int8 qs[256]; int16 bsums[16]
        case .iq2_xxs: 66
        case .iq2_xs: 74
        case .iq3_xxs: 98
        case .iq1_s: 50
        case .iq4_nl: 18
        case .iq3_s: 110
        case .iq2_s: 82
        case .iq4_xs: 136
        case .iq1_m: 56
        case .tq1_0: 54
        case .tq2_0: 66
        case .mxfp4: 17
        }
    }

    /// Whether `Dequantize` has a CPU reference implementation for this type.
    public var isDequantizable: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K:
            true
        default:
            false
        }
    }

    /// The number of bytes a row of `elements` elements of this type occupies.
    ///
    /// - Throws: `TensorTypeError.negativeElementCount` when `elements` is negative,
    ///   `TensorTypeError.rowNotMultipleOfBlock` when it is not a whole number of blocks.
    public func rowBytes(elements: Int) throws -> Int {
        guard elements >= 0 else {
            throw TensorTypeError.negativeElementCount(elements)
        }
        guard elements % blockSize == 0 else {
            throw TensorTypeError.rowNotMultipleOfBlock(type: self, elements: elements)
        }
        return elements / blockSize * bytesPerBlock
    }
}
