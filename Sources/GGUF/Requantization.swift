import Foundation

/// Lossy re-encoding of a tensor into a narrower type, for weights whose bytes matter more than
/// their last bits: a draft model's, whose proposals the target verifies, so a coarser draft can
/// cost acceptance but never changes the output. (`Widening` is the exact conversion the other way.)
public enum Requantization {
    /// Bits a weight of `type` takes in a GGUF file (q4_0 4.5, q8_0 8.5, f16 16).
    public static func bitsPerWeight(_ type: TensorType) -> Double {
        Double(type.bytesPerBlock * 8) / Double(type.blockSize)
    }

    /// Whether requantizing `type` into `target` saves bytes (and `Dequantize` can read `type`).
    public static func narrows(_ type: TensorType, to target: TensorType) -> Bool {
        type.isDequantizable && bitsPerWeight(type) > bitsPerWeight(target)
    }

    /// The `elements` values of `type` at the start of `source` (whole rows of `rowElements`)
    /// re-encoded as q4_0 blocks: each value is decoded exactly (`Dequantize`), then quantized
    /// by `encodeQ4_0`. Rows are encoded in parallel; the bytes do not depend on how.
    public static func q4_0(_ type: TensorType, from source: UnsafeRawBufferPointer, elements: Int,
                            rowElements: Int) throws -> [UInt8] {
        guard rowElements > 0, elements % rowElements == 0, rowElements % 32 == 0 else {
            throw TensorTypeError.rowNotMultipleOfBlock(type: .q4_0, elements: rowElements)
        }
        let inRow = try type.rowBytes(elements: rowElements), outRow = rowElements / 32 * TensorType.q4_0.bytesPerBlock
        let rows = elements / rowElements
        guard source.count >= rows * inRow else { throw TensorTypeError.bufferTooSmall(needed: rows * inRow, got: source.count) }
        _ = try Dequantize.decoder(for: type)  // an unreadable type fails here, not inside the workers
        guard rows > 0 else { return [] }
        let chunk = 64, chunks = (rows + chunk - 1) / chunk
        var out = [UInt8](repeating: 0, count: rows * outRow)
        out.withUnsafeMutableBytes { dst in
            // Addresses as integers: the workers write disjoint rows of `out` and read `source`.
            let (base, input) = (UInt(bitPattern: dst.baseAddress), UInt(bitPattern: source.baseAddress))
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let target = UnsafeMutableRawPointer(bitPattern: base)!
                for r in c * chunk..<min(rows, (c + 1) * chunk) {
                    let row = UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: input)! + r * inRow, count: inRow)
                    // Decoding cannot fail: the type, sizes and bounds were checked above.
                    let values = (try? Dequantize.row(type, from: row, elements: rowElements)) ?? []
                    values.withUnsafeBufferPointer { x in
                        for b in 0..<rowElements / 32 {
                            encodeQ4_0(x.baseAddress! + b * 32, into: target + r * outRow + b * 18)
                        }
                    }
                }
            }
        }
        return out
    }

    /// One q4_0 block of the 32 values at `x`: the scale is the value of largest magnitude over
    /// -8 (so that value is exactly -8 steps and the 16 levels cover [-8d, 7d] with its sign
    /// first), each value rounds to the nearest level, clamped to the 4-bit range. Layout as
    /// `Dequantize.q4_0` reads it: half d, then byte j holds values j (low nibble) and j + 16.
    static func encodeQ4_0(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        var extreme: Float = 0
        for j in 0..<32 where abs(x[j]) > abs(extreme) { extreme = x[j] }
        let d = extreme / -8
        let inverse: Float = d == 0 ? 0 : 1 / d
        block.storeBytes(of: Float16(d).bitPattern.littleEndian, as: UInt16.self)
        func level(_ v: Float) -> UInt8 { UInt8(min(15, max(0, (v * inverse + 8).rounded()))) }
        for j in 0..<16 {
            block.storeBytes(of: level(x[j]) | level(x[j + 16]) << 4, toByteOffset: 2 + j, as: UInt8.self)
        }
    }
}
