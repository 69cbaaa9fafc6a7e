import Foundation
import Testing
@testable import GGUF

@Suite("Requantization to q4_0 and q4_1")
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
                try Requantization.encode(.f32, as: .q4_0, from: $0, elements: 32, rowElements: 32)
            }
            #expect(again == original)
        }
    }

    /// The squared error of `values` against their decoding from `encoded` (of `type`).
    static func squaredError(_ values: [Float], _ encoded: [UInt8], _ type: TensorType) throws -> Float {
        let decoded = try Dequantize.row(type, from: encoded, elements: values.count)
        return zip(values, decoded).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    /// The plain q4_0 encoding of one block: the largest magnitude over -8 as the scale, each value
    /// rounded to its nearest level.
    static func plainQ4_0(_ x: ArraySlice<Float>) -> [UInt8] {
        let extreme = x.max { abs($0) < abs($1) }!
        let d = Float(Float16(extreme / -8)), inverse: Float = d == 0 ? 0 : 1 / d
        let levels = x.map { UInt8(min(15, max(0, ($0 * inverse + 8).rounded()))) }
        return block(levels: levels, d: d)
    }

    @Test("Each block's squared error is at most the plain scale's, and on values decoded from q5_0 clearly less")
    func searchBeatsPlainScale() throws {
        var generator = SeededGenerator(seed: 11)
        let uniform = (0..<32 * 64).map { _ in Float.random(in: -3...3, using: &generator) * Float.random(in: 0...1, using: &generator) }
        // q5_0 values: levels -16...15 of a scale, the extreme level present in every block.
        let q5 = (0..<64).flatMap { _ in
            let d = Float(Float16(Float.random(in: 0.001...0.05, using: &generator)))
            return (0..<32).map { j in Float(j == 0 ? -16 : Int.random(in: -16...15, using: &generator)) * d }
        }
        for values in [uniform, q5] {
            var (searched, plain): (Float, Float) = (0, 0)
            for b in 0..<64 {
                let x = Array(values[(b * 32)..<(b * 32 + 32)])
                let encoded = try x.withUnsafeBytes { try Requantization.encode(.f32, as: .q4_0, from: $0, elements: 32, rowElements: 32) }
                let (mine, theirs) = (try Self.squaredError(x, encoded, .q4_0), try Self.squaredError(x, Self.plainQ4_0(x[...]), .q4_0))
                #expect(mine <= theirs, "block \(b)")
                (searched, plain) = (searched + mine, plain + theirs)
            }
            if values == q5 { #expect(searched < 0.9 * plain, "q5_0 values: \(searched) against \(plain)") }
        }
    }

    @Test("A q4_1 block that uses both end levels comes back byte for byte; others lose at most the min-max encoding's error")
    func q4_1() throws {
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<50 {
            var levels = (0..<32).map { _ in UInt8.random(in: 0...15, using: &generator) }
            levels[0] = 0
            levels[31] = 15
            let d = Float(Float16(Float.random(in: 0.01...1, using: &generator)))
            let m = Float(Float16(Float.random(in: -8...0, using: &generator)))
            let original = BlockBytes.half(d) + BlockBytes.half(m) + (0..<16).map { levels[$0] | levels[$0 + 16] << 4 }
            let values = try Dequantize.block(.q4_1, from: original)
            let again = try values.withUnsafeBytes { try Requantization.encode(.f32, as: .q4_1, from: $0, elements: 32, rowElements: 32) }
            #expect(again == original)
        }
        for _ in 0..<64 {
            let x = (0..<32).map { _ in Float.random(in: -2...3, using: &generator) * Float.random(in: 0...1, using: &generator) }
            let encoded = try x.withUnsafeBytes { try Requantization.encode(.f32, as: .q4_1, from: $0, elements: 32, rowElements: 32) }
            let (lo, hi) = (x.min()!, x.max()!)
            let d = Float(Float16((hi - lo) / 15)), m = Float(Float16(lo))
            let minMax = BlockBytes.half(d) + BlockBytes.half(m) + (0..<16).map { j -> UInt8 in
                func level(_ v: Float) -> UInt8 { UInt8(min(15, max(0, ((v - m) / d).rounded()))) }
                return level(x[j]) | level(x[j + 16]) << 4
            }
            #expect(try Self.squaredError(x, encoded, .q4_1) <= Self.squaredError(x, minMax, .q4_1) * (1 + 1e-6))
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
        let encoded = try bytes.withUnsafeBytes { try Requantization.encode(.q8_0, as: .q4_0, from: $0, elements: rows * columns, rowElements: columns) }
        let values = try Dequantize.row(.q8_0, from: bytes, elements: rows * columns)
        let direct = try values.withUnsafeBytes { try Requantization.encode(.f32, as: .q4_0, from: $0, elements: rows * columns, rowElements: 32) }
        #expect(encoded == direct)
    }

    @Test("Only wider types narrow, and bad sizes and targets are errors")
    func rules() throws {
        #expect(Requantization.narrows(.q8_0, to: .q4_0) && Requantization.narrows(.q5_0, to: .q4_0) && Requantization.narrows(.q6_K, to: .q4_0))
        #expect(!Requantization.narrows(.q4_0, to: .q4_0) && !Requantization.narrows(.q4_K, to: .q4_0))
        #expect(!Requantization.narrows(.iq2_xxs, to: .q4_0))  // no CPU decoder
        let short = [UInt8](repeating: 0, count: 10)
        #expect(throws: TensorTypeError.self) { try short.withUnsafeBytes { try Requantization.encode(.q8_0, as: .q4_0, from: $0, elements: 32, rowElements: 32) } }
        #expect(throws: TensorTypeError.self) { try short.withUnsafeBytes { try Requantization.encode(.f32, as: .q4_0, from: $0, elements: 48, rowElements: 48) } }
        // q4_1 narrows q5_0 (5.5 bits) but not itself or q4_K; only q4_0 and q4_1 are targets.
        #expect(Requantization.narrows(.q5_0, to: .q4_1) && !Requantization.narrows(.q4_1, to: .q4_1) && !Requantization.narrows(.q4_K, to: .q4_1))
        let block = [Float](repeating: 1, count: 32)
        #expect(throws: TensorTypeError.self) { try block.withUnsafeBytes { try Requantization.encode(.f32, as: .q8_0, from: $0, elements: 32, rowElements: 32) } }
        #expect(throws: TensorTypeError.self) { try block.withUnsafeBytes { try Requantization.encode(.f32, as: .q4_1, from: $0, elements: 32, rowElements: 16) } }
    }
}

extension Float {
    func rounded(toPlaces places: Int) -> Float {
        let scale = Float(pow(10, Double(places)))
        return (self * scale).rounded() / scale
    }
}
