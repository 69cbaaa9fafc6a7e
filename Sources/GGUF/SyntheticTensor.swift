/// Seeded random tensor data in GGUF byte layouts, for tests and benchmarks.
///
/// Quantized blocks get random quant bytes (including packed sub-block scales),
/// while every fp16/fp32 block scale is set to a finite random value chosen so
/// the dequantized weights stay roughly within [-1, 1]. The same arguments
/// always produce the same bytes.
public enum SyntheticTensor {
    /// Random row-major data for `rows` rows of `columns` elements of `type`,
    /// rows concatenated, each row `columns / type.blockSize` blocks.
    ///
    /// Supported types: f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1,
    /// q2_K, q3_K, q4_K, q5_K, q6_K and q8_K.
    ///
    /// - Throws: `TensorTypeError.unsupported` for other types,
    ///   `TensorTypeError.rowNotMultipleOfBlock` when `columns` is not a whole
    ///   number of blocks, `TensorTypeError.negativeElementCount` for negative sizes.
    public static func randomBytes(
        type: TensorType, rows: Int, columns: Int, seed: UInt64
    ) throws -> [UInt8] {
        guard let fields = scaleFields(for: type) else {
            throw TensorTypeError.unsupported(type)
        }
        guard rows >= 0 else { throw TensorTypeError.negativeElementCount(rows) }
        let rowBytes = try type.rowBytes(elements: columns)
        let blocks = rows * (columns / type.blockSize)
        var rng = SeededGenerator(seed: seed)
        var bytes = [UInt8](repeating: 0, count: rows * rowBytes)
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            for b in 0..<blocks {
                fillBlock(type, fields, base + b * type.bytesPerBlock, &rng)
            }
        }
        return bytes
    }

    /// `count` uniform random floats in `range`, determined by `seed`.
    public static func randomFloats(
        count: Int, seed: UInt64, range: ClosedRange<Float> = -1...1
    ) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<max(count, 0)).map { _ in rng.nextFloat(in: range) }
    }

    // MARK: Block layouts

    /// A block-scale field: where it lies, how it is stored, and its magnitude range.
    struct ScaleField {
        enum Storage { case half, single }
        var offset: Int
        var storage: Storage = .half
        var magnitude: ClosedRange<Float>
        /// Whether the value gets a random sign; otherwise it is `magnitude` as is.
        var randomSign = false
    }

    /// The scale fields of one block of `type`, or nil when the type is unsupported.
    /// Scalar types have none: their values are written whole.
    static func scaleFields(for type: TensorType) -> [ScaleField]? {
        switch type {
        case .f32, .f16, .bf16:
            []
        case .q4_0:  // (q - 8) in [-8, 7]
            [ScaleField(offset: 0, magnitude: 0.01...0.12, randomSign: true)]
        case .q4_1:  // q in [0, 15]
            [ScaleField(offset: 0, magnitude: 0.005...0.06), ScaleField(offset: 2, magnitude: -0.45...0)]
        case .q5_0:  // (q - 16) in [-16, 15]
            [ScaleField(offset: 0, magnitude: 0.005...0.06, randomSign: true)]
        case .q5_1:  // q in [0, 31]
            [ScaleField(offset: 0, magnitude: 0.003...0.03), ScaleField(offset: 2, magnitude: -0.45...0)]
        case .q8_0, .q8_1:  // q in [-128, 127]; q8_1's sum field is derived afterwards
            [ScaleField(offset: 0, magnitude: 0.001...0.0075, randomSign: true)]
        case .q2_K:  // 4-bit scale and min, q in [0, 3]
            [ScaleField(offset: 80, magnitude: 0.002...0.02), ScaleField(offset: 82, magnitude: 0.002...0.03)]
        case .q3_K:  // (sc - 32) in [-32, 31], q in [-4, 3]
            [ScaleField(offset: 108, magnitude: 0.001...0.0075)]
        case .q4_K:  // 6-bit scale and min, q in [0, 15]
            [ScaleField(offset: 0, magnitude: 0.0001...0.001), ScaleField(offset: 2, magnitude: 0.0005...0.008)]
        case .q5_K:  // 6-bit scale and min, q in [0, 31]
            [ScaleField(offset: 0, magnitude: 0.0001...0.0005), ScaleField(offset: 2, magnitude: 0.0005...0.008)]
        case .q6_K:  // int8 scale, (q - 32) in [-32, 31]
            [ScaleField(offset: 208, magnitude: 0.0001...0.00024)]
        case .q8_K:  // fp32 d; q in [-128, 127]; bsums derived afterwards
            [ScaleField(offset: 0, storage: .single, magnitude: 0.001...0.0075, randomSign: true)]
        default:
            nil
        }
    }

    /// Fills one block of `type` at `p`.
    static func fillBlock(
        _ type: TensorType, _ fields: [ScaleField], _ p: UnsafeMutableRawPointer,
        _ rng: inout SeededGenerator
    ) {
        switch type {
        case .f32:
            store(rng.nextFloat(in: -1...1).bitPattern, at: p, 0)
            return
        case .f16:
            store(Float16(rng.nextFloat(in: -1...1)).bitPattern, at: p, 0)
            return
        case .bf16:
            store(bfloat16Bits(rng.nextFloat(in: -1...1)), at: p, 0)
            return
        default:
            break
        }
        for i in 0..<type.bytesPerBlock {
            p.storeBytes(of: rng.nextByte(), toByteOffset: i, as: UInt8.self)
        }
        var firstScale: Float = 0
        for (index, field) in fields.enumerated() {
            var value = rng.nextFloat(in: field.magnitude)
            if field.randomSign, rng.next() & 1 == 1 { value = -value }
            switch field.storage {
            case .half:
                let half = Float16(value)
                store(half.bitPattern, at: p, field.offset)
                value = Float(half)
            case .single:
                store(value.bitPattern, at: p, field.offset)
            }
            if index == 0 { firstScale = value }
        }
        switch type {
        case .q8_1:  // s = d * sum(qs)
            let sum = (0..<32).reduce(0) { $0 + Int(int8(p, 4 + $1)) }
            store(Float16(firstScale * Float(sum)).bitPattern, at: p, 2)
        case .q8_K:  // bsums[i] = sum of qs[16 i ..< 16 i + 16]
            for group in 0..<16 {
                let sum = (0..<16).reduce(0) { $0 + Int(int8(p, 4 + 16 * group + $1)) }
                store(UInt16(bitPattern: Int16(sum)), at: p, 260 + 2 * group)
            }
        default:
            break
        }
    }

    /// The bfloat16 bits of `value`, rounded to nearest even (finite inputs).
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    @inline(__always)
    private static func int8(_ p: UnsafeMutableRawPointer, _ offset: Int) -> Int8 {
        p.load(fromByteOffset: offset, as: Int8.self)
    }

    @inline(__always)
    private static func store<T: FixedWidthInteger>(_ value: T, at p: UnsafeMutableRawPointer, _ offset: Int) {
        p.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}
