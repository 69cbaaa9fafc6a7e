import Foundation

/// The block encoders behind `Requantization.encode`: each picks, among a few candidates, the
/// block's parameters of least squared error.
extension Requantization {
    /// One q4_0 block of the 32 values at `x`, with the scale of least squared error among a few
    /// candidates: the value of largest magnitude over -8, -7.5, -8.5 ... -10 (that value on or
    /// past level 0, so the 16 levels cover [-8d, 7d] with its sign first), and for each the
    /// least-squares scale of the levels it gives. Each value rounds to the nearest level, clamped
    /// to the 4-bit range. Decoded from a wider type, a value often lies halfway between two
    /// levels of the plain scale (a q5_0 value of odd level), where rounding alone would push
    /// every such value away from zero; the search takes the scale that spreads that error.
    /// A block that is exactly q4_0 with its extreme on level 0 keeps its scale (error 0).
    /// Layout as `Dequantize.q4_0` reads it: half d, then byte j holds values j (low nibble) and j + 16.
    static func encodeQ4_0(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        var extreme: Float = 0
        for j in 0..<32 where abs(x[j]) > abs(extreme) { extreme = x[j] }
        var (best, bestError) = (Float16(extreme / -8), Float.infinity)
        for divisor in q4_0Divisors where bestError > 0 {
            // The candidate's error, then that of the least-squares scale of the levels it gave.
            var scale = Float16(extreme / -divisor)
            for _ in 0..<2 {
                let (error, xq, qq) = q4_0Levels(x, scale: Float(scale))
                if error < bestError { (best, bestError) = (scale, error) }
                guard qq > 0 else { break }
                scale = Float16(xq / qq)
            }
        }
        let d = Float(best)
        let inverse: Float = d == 0 ? 0 : 1 / d
        block.storeBytes(of: best.bitPattern.littleEndian, as: UInt16.self)
        func level(_ v: Float) -> UInt8 { UInt8(min(15, max(0, nearest(v * inverse + 8)))) }
        for j in 0..<16 {
            block.storeBytes(of: level(x[j]) | level(x[j + 16]) << 4, toByteOffset: 2 + j, as: UInt8.self)
        }
    }

    /// `v` rounded to the nearest integer, ties to even, for |v| < 2^22 (adding and removing
    /// 1.5 * 2^23 leaves no fraction bits): two adds where `rounded()` is a library call.
    @inline(__always) static func nearest(_ v: Float) -> Float { (v + 0x1.8p23) - 0x1.8p23 }

    static let q4_0Divisors: [Float] = [8, 7.5, 8.5, 9, 9.5, 10]

    /// For the 32 values at `x` encoded as q4_0 with `scale`: the squared error, and the sums of
    /// value x level and level^2 (their ratio is the least-squares scale of those levels).
    static func q4_0Levels(_ x: UnsafePointer<Float>, scale: Float) -> (error: Float, xq: Float, qq: Float) {
        let inverse: Float = scale == 0 ? 0 : 1 / scale
        var (error, xq, qq): (Float, Float, Float) = (0, 0, 0)
        for j in 0..<32 {
            let q = min(7, max(-8, nearest(x[j] * inverse)))
            let e = x[j] - scale * q
            (error, xq, qq) = (error + e * e, xq + x[j] * q, qq + q * q)
        }
        return (error, xq, qq)
    }

    /// One q4_1 block of the 32 values at `x` (value = d q + m, q in 0...15): starting from the
    /// block's range (m its least value, d a fifteenth of the range), each value takes its nearest
    /// level, then (d, m) become the least-squares fit of the values to those levels, up to three
    /// times (each step can only lower the error before fp16 rounding; a fit that repeats ends the
    /// search); the candidate of least squared error (d and m in fp16, as stored) is kept. A block
    /// that is exactly q4_1 with both end levels used keeps its (d, m) (error 0). Layout as
    /// `Dequantize.q4_1` reads it: half d, half m, then byte j holds values j (low nibble) and j + 16.
    static func encodeQ4_1(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        var lo = x[0], hi = x[0]
        for j in 1..<32 { (lo, hi) = (min(lo, x[j]), max(hi, x[j])) }
        var candidate = (d: Float16((hi - lo) / 15), m: Float16(lo))
        var (best, bestError) = (candidate, Float.infinity)
        for round in 0..<4 {
            // The candidate's levels and error, and the sums of their least-squares fit.
            let (d, m) = (Float(candidate.d), Float(candidate.m))
            let inverse: Float = d == 0 ? 0 : 1 / d
            var (error, sq, sqq, sx, sxq): (Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0)
            for j in 0..<32 {
                let q = min(15, max(0, nearest((x[j] - m) * inverse)))
                let e = x[j] - (d * q + m)
                (error, sq, sqq, sx, sxq) = (error + e * e, sq + q, sqq + q * q, sx + x[j], sxq + x[j] * q)
            }
            if error < bestError { (best, bestError) = (candidate, error) }
            let determinant = 32 * sqq - sq * sq
            guard round < 3, error > 0, determinant > 0 else { break }
            let fitted = (32 * sxq - sq * sx) / determinant
            let next = (d: Float16(fitted), m: Float16((sx - fitted * sq) / 32))
            // The same candidate again would give the same levels: the fit has converged.
            guard next.d > 0, next != candidate else { break }
            candidate = next
        }
        let (scale, offset) = (Float(best.d), Float(best.m))
        let inverse: Float = scale == 0 ? 0 : 1 / scale
        block.storeBytes(of: best.d.bitPattern.littleEndian, as: UInt16.self)
        block.storeBytes(of: best.m.bitPattern.littleEndian, toByteOffset: 2, as: UInt16.self)
        func level(_ v: Float) -> UInt8 { UInt8(min(15, max(0, nearest((v - offset) * inverse)))) }
        for j in 0..<16 {
            block.storeBytes(of: level(x[j]) | level(x[j + 16]) << 4, toByteOffset: 4 + j, as: UInt8.self)
        }
    }
}
