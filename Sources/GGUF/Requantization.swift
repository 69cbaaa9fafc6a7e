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
    /// re-encoded as blocks of `target` (q4_0 or q4_1): each value is decoded exactly
    /// (`Dequantize`), then each block of 32 quantized by `encodeQ4_0` or `encodeQ4_1`. Rows are
    /// encoded in parallel; the bytes do not depend on how.
    public static func encode(_ type: TensorType, as target: TensorType, from source: UnsafeRawBufferPointer,
                              elements: Int, rowElements: Int) throws -> [UInt8] {
        let encodeBlock: @Sendable (UnsafePointer<Float>, UnsafeMutableRawPointer) -> Void
        switch target {
        case .q4_0: encodeBlock = encodeQ4_0
        case .q4_1: encodeBlock = encodeQ4_1
        default: throw TensorTypeError.unsupported(target)
        }
        guard rowElements > 0, elements % rowElements == 0, rowElements % 32 == 0 else {
            throw TensorTypeError.rowNotMultipleOfBlock(type: target, elements: rowElements)
        }
        let blockBytes = target.bytesPerBlock
        let inRow = try type.rowBytes(elements: rowElements), outRow = rowElements / 32 * blockBytes
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
                            encodeBlock(x.baseAddress! + b * 32, target + r * outRow + b * blockBytes)
                        }
                    }
                }
            }
        }
        return out
    }
}
