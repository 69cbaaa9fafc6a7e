import Foundation
import Testing
@testable import GGUF

@Suite("Requantization to q4_0")
struct RequantizationTests {
    /// A q4_0 block whose level 0 (-8 d) occurs, so its scale is the block's largest magnitude over -8.
    static func block(levels: [UInt8], d: Float) -> [UInt8] {
        BlockBytes.half(d) + (0..<16).map { levels[$0] | levels[$0 + 16] << 4 }
    }

    @Test("A q4_0 block that holds its extreme level comes back byte for byte")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            var levels = (0..<32).map { _ in UInt8.random(in: 0...15, using: &generator) }
            levels[Int.random(in: 0..<32, using: &generator)] = 0
            let original = Self.block(levels: levels, d: Float.random(in: 0.01...2, using: &generator).rounded(toPlaces: 4))
            let values = try Dequantize.block(.q4_0, from: original)
            let again = try values.withUnsafeBytes {
                try Requantization.q4_0(.f32, from: $0, elements: 32, rowElements: 32)
            }
            #expect(again == original)
        }
    }

    @Test("Every value lands within half a step, or on the end level when it lies past it")
    func errorBound() throws {
        var generator = SeededGenerator(seed: 11)
        let values = (0..<32 * 64).map { _ in Float.random(in: -3...3, using: &generator) * Float.random(in: 0...1, using: &generator) }
        let encoded = try values.withUnsafeBytes { try Requantization.q4_0(.f32, from: $0, elements: values.count, rowElements: 256) }
        #expect(encoded.count == 64 * 18)
        let decoded = try Dequantize.row(.q4_0, from: encoded, elements: values.count)
        for b in 0..<64 {
            let block = values[(b * 32)..<(b * 32 + 32)]
            let extreme = block.max { abs($0) < abs($1) }!
            let d = extreme / -8, stored = Float(Float16(d))
            // Levels run from -8 d to 7 d: a value past 7.5 steps takes level 15 (at most one step off).
            for j in 0..<32 {
                let x = values[b * 32 + j], steps = x / d
                let bound = (steps > 7.5 ? abs(x - 7 * stored) : 0.5 * abs(stored)) + 8 * abs(stored - d) + 1e-6
                #expect(abs(decoded[b * 32 + j] - x) <= bound, "block \(b) element \(j)")
                #expect(abs(decoded[b * 32 + j] - x) <= abs(stored) + 8 * abs(stored - d) + 1e-6)
            }
        }
    }

    @Test("q8_0 rows requantize to the q4_0 of their values, row by row in any order")
    func fromQ8_0() throws {
        var generator = SeededGenerator(seed: 3)
        let (rows, columns) = (130, 64)  // 130 rows: more than one parallel chunk
        var bytes: [UInt8] = []
        for _ in 0..<(rows * columns / 32) {
            bytes += BlockBytes.half(Float.random(in: 0.001...0.1, using: &generator).rounded(toPlaces: 3))
            bytes += (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        let encoded = try bytes.withUnsafeBytes { try Requantization.q4_0(.q8_0, from: $0, elements: rows * columns, rowElements: columns) }
        let values = try Dequantize.row(.q8_0, from: bytes, elements: rows * columns)
        let direct = try values.withUnsafeBytes { try Requantization.q4_0(.f32, from: $0, elements: rows * columns, rowElements: 32) }
        #expect(encoded == direct)
    }

    @Test("Only wider types narrow, and bad sizes are errors")
    func rules() throws {
        #expect(Requantization.narrows(.q8_0, to: .q4_0) && Requantization.narrows(.q5_0, to: .q4_0) && Requantization.narrows(.q6_K, to: .q4_0))
        #expect(!Requantization.narrows(.q4_0, to: .q4_0) && !Requantization.narrows(.q4_K, to: .q4_0))
        #expect(!Requantization.narrows(.iq2_xxs, to: .q4_0))  // no CPU decoder
        let short = [UInt8](repeating: 0, count: 10)
        #expect(throws: TensorTypeError.self) { try short.withUnsafeBytes { try Requantization.q4_0(.q8_0, from: $0, elements: 32, rowElements: 32) } }
        #expect(throws: TensorTypeError.self) { try short.withUnsafeBytes { try Requantization.q4_0(.f32, from: $0, elements: 48, rowElements: 48) } }
    }
}

extension Float {
    func rounded(toPlaces places: Int) -> Float {
        let scale = Float(pow(10, Double(places)))
        return (self * scale).rounded() / scale
    }
}
