import Foundation
import GGUF

/// The arithmetic the exact reference runs in: Double for the reference itself, Float to measure
/// how far rounding moves its results (`ExactReference.arbitrate`).
protocol ReferenceScalar: BinaryFloatingPoint, SIMDScalar, Sendable {
    static func exponential(_ x: Self) -> Self
    static func cosine(_ x: Self) -> Self
    static func sine(_ x: Self) -> Self
    static func power(_ x: Self, _ y: Self) -> Self
}

extension Double: ReferenceScalar {
    static func exponential(_ x: Double) -> Double { exp(x) }
    static func cosine(_ x: Double) -> Double { cos(x) }
    static func sine(_ x: Double) -> Double { sin(x) }
    static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
}

extension Float: ReferenceScalar {
    static func exponential(_ x: Float) -> Float { exp(x) }
    static func cosine(_ x: Float) -> Float { cos(x) }
    static func sine(_ x: Float) -> Float { sin(x) }
    static func power(_ x: Float, _ y: Float) -> Float { pow(x, y) }
}

/// A forward pass of the llama/qwen2 block that shares no code with the engine: it reads the GGUF
/// container (metadata, tensor bytes) and does its own dequantization
/// (`ExactReference+Dequantization.swift`) and math, every activation and the KV cache in the
/// scalar it runs in. Teacher-forced: it takes the whole sequence at once, decodes each weight row
/// once, and applies it to every position.
final class ExactReference {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The hyperparameters, read here from the `<architecture>.*` metadata keys.
    struct Shape {
        var layers = 0, hidden = 0, heads = 0, kvHeads = 0, headDim = 0, ropeDimensions = 0
        var ropeBase = 10_000.0, epsilon = 1e-5
        /// qwen2 rotates pairs (i, i + d/2) (NeoX); llama rotates adjacent pairs (2i, 2i + 1).
        var neox = false
    }

    /// A weight matrix in the file: `rows` rows of `columns` elements, `rowBytes` apart.
    struct Matrix: Sendable {
        var type: TensorType, rows: Int, columns: Int, rowBytes: Int
        var address: UInt  // of the data in the file's mapping, which outlives every pass

        func decode(row r: Int, into out: UnsafeMutablePointer<Double>) {
            let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: address)! + r * rowBytes, count: rowBytes)
            ExactDequantization.decode(type, bytes, count: columns, into: out)
        }
    }

    let file: GGUFFile
    let shape: Shape

    init(path: String) throws {
        let file = try GGUFFile(path: path)
        self.file = file
        let arch = file.string("general.architecture") ?? "?"
        guard arch == "llama" || arch == "qwen2" else { throw Failure(description: "architecture \(arch)") }
        func int(_ key: String, _ fallback: Int? = nil) throws -> Int {
            guard let value = file.int("\(arch).\(key)") ?? fallback else { throw Failure(description: "no \(arch).\(key)") }
            return value
        }
        if let scaling = file.string("\(arch).rope.scaling.type"), scaling != "none" {
            throw Failure(description: "RoPE scaling \(scaling)")
        }
        var s = Shape()
        s.layers = try int("block_count")
        s.hidden = try int("embedding_length")
        s.heads = try int("attention.head_count")
        s.kvHeads = try int("attention.head_count_kv", s.heads)
        s.headDim = try int("attention.key_length", s.hidden / s.heads)
        s.ropeDimensions = try int("rope.dimension_count", s.headDim)
        s.ropeBase = file.float("\(arch).rope.freq_base") ?? 10_000
        s.epsilon = file.float("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5
        s.neox = arch == "qwen2"
        shape = s
    }

    func matrix(_ name: String) throws -> Matrix {
        guard let info = file.tensor(named: name) else { throw Failure(description: "no tensor \(name)") }
        guard let (elements, bytes) = ExactDequantization.layout(info.type) else { throw Failure(description: "\(name) is \(info.type)") }
        let columns = info.dimensions[0], rows = info.elementCount / columns
        guard columns % elements == 0, rows * columns / elements * bytes <= info.byteCount else {
            throw Failure(description: "\(name): \(info.dimensions) of \(info.type) in \(info.byteCount) bytes")
        }
        return Matrix(type: info.type, rows: rows, columns: columns, rowBytes: columns / elements * bytes,
                      address: UInt(bitPattern: file.data(of: info).baseAddress))
    }

    /// A whole tensor (norm weights, biases), or nil when the file has none of that name.
    func vector<S: ReferenceScalar>(_ name: String, as _: S.Type) throws -> [S]? {
        guard file.tensor(named: name) != nil else { return nil }
        let m = try matrix(name)
        var exact = [Double](repeating: 0, count: m.rows * m.columns)
        exact.withUnsafeMutableBufferPointer { out in
            for r in 0..<m.rows { m.decode(row: r, into: out.baseAddress! + r * m.columns) }
        }
        return exact.map { S($0) }
    }

    /// The logits of `ids[i]` after `tokens[0...positions[i]]`, computed in `S` throughout and
    /// returned as Double.
    func logits<S: ReferenceScalar>(_ tokens: [Int], at positions: [Int], ids: [[Int]], as _: S.Type) throws -> [[Double]] {
        let s = shape, t = (positions.max() ?? -1) + 1, d = s.hidden
        let embedding = try matrix("token_embd.weight")
        let head = try matrix(file.tensor(named: "output.weight") == nil ? "token_embd.weight" : "output.weight")
        guard t <= tokens.count, positions.allSatisfy({ $0 >= 0 }), embedding.columns == d, head.columns == d,
              tokens.allSatisfy({ (0..<embedding.rows).contains($0) }), ids.joined().allSatisfy({ (0..<head.rows).contains($0) })
        else { throw Failure(description: "positions \(positions), ids or tokens outside \(tokens.count) tokens and the vocabulary") }
        var x = [S](repeating: 0, count: t * d)
        var row = [Double](repeating: 0, count: d)
        for p in 0..<t {
            embedding.decode(row: tokens[p], into: &row)
            for i in 0..<d { x[p * d + i] = S(row[i]) }
        }
        for l in 0..<s.layers {
            let b = "blk.\(l)."
            let h = try rmsNorm(x, weight: b + "attn_norm.weight", positions: t)
            var q = try linear(b + "attn_q", h, positions: t)
            var k = try linear(b + "attn_k", h, positions: t)
            let v = try linear(b + "attn_v", h, positions: t)
            rope(&q, heads: s.heads, positions: t)
            rope(&k, heads: s.kvHeads, positions: t)
            let o = try linear(b + "attn_output", attention(q, k, v, positions: t), positions: t)
            for i in x.indices { x[i] += o[i] }
            let h2 = try rmsNorm(x, weight: b + "ffn_norm.weight", positions: t)
            let gate = try linear(b + "ffn_gate", h2, positions: t), up = try linear(b + "ffn_up", h2, positions: t)
            // SwiGLU: silu(gate) * up.
            let a = gate.indices.map { gate[$0] / (1 + S.exponential(-gate[$0])) * up[$0] }
            let down = try linear(b + "ffn_down", a, positions: t)
            for i in x.indices { x[i] += down[i] }
        }
        let final = try rmsNorm(x, weight: "output_norm.weight", positions: t)
        var weights = [S](repeating: 0, count: d)
        return zip(positions, ids).map { p, wanted in
            wanted.map { id in
                head.decode(row: id, into: &row)
                for i in 0..<d { weights[i] = S(row[i]) }
                return Double(Self.dot(weights, 0, final, p * d, count: d))
            }
        }
    }

    /// x / sqrt(mean(x^2) + epsilon) * weight, per position.
    func rmsNorm<S: ReferenceScalar>(_ x: [S], weight name: String, positions: Int) throws -> [S] {
        let w = try vector(name, as: S.self)!, d = w.count
        var y = x
        for p in 0..<positions {
            let mean = Self.dot(x, p * d, x, p * d, count: d) / S(d)
            let scale = 1 / (mean + S(shape.epsilon)).squareRoot()
            for i in 0..<d { y[p * d + i] = x[p * d + i] * scale * w[i] }
        }
        return y
    }

    /// `name`.weight times each position's x, plus `name`.bias where the file has one.
    func linear<S: ReferenceScalar>(_ name: String, _ x: [S], positions: Int) throws -> [S] {
        let w = try matrix(name + ".weight"), bias = try vector(name + ".bias", as: S.self)
        let n = w.columns, m = w.rows
        precondition(x.count == positions * n, "\(name): input of \(x.count) for \(positions) x \(n)")
        var y = [S](repeating: 0, count: positions * m)
        x.withUnsafeBufferPointer { input in
            y.withUnsafeMutableBufferPointer { output in
                // Addresses as integers: the workers read x and write disjoint rows of y.
                let (xa, ya) = (UInt(bitPattern: input.baseAddress), UInt(bitPattern: output.baseAddress))
                // Sixteen rows decoded at a time stay in cache while every position passes by.
                let chunk = 16
                DispatchQueue.concurrentPerform(iterations: (m + chunk - 1) / chunk) { c in
                    let x = UnsafePointer<S>(bitPattern: xa)!, y = UnsafeMutablePointer<S>(bitPattern: ya)!
                    let first = c * chunk, rows = min(chunk, m - first)
                    let exact = UnsafeMutablePointer<Double>.allocate(capacity: n)
                    let block = UnsafeMutablePointer<S>.allocate(capacity: rows * n)
                    defer { exact.deallocate(); block.deallocate() }
                    for r in 0..<rows {
                        w.decode(row: first + r, into: exact)
                        for i in 0..<n { block[r * n + i] = S(exact[i]) }
                    }
                    for p in 0..<positions {
                        let out = y + p * m + first
                        var r = 0
                        while r + 4 <= rows {
                            let sums = Self.dot4(block + r * n, n, x + p * n)
                            for i in 0..<4 { out[r + i] = sums[i] + (bias?[first + r + i] ?? 0) }
                            r += 4
                        }
                        for r in r..<rows { out[r] = Self.dot(block + r * n, x + p * n, n) + (bias?[first + r] ?? 0) }
                    }
                }
            }
        }
        return y
    }

    /// Rotates each head's first `ropeDimensions` by position * base^(-2i / ropeDimensions).
    func rope<S: ReferenceScalar>(_ x: inout [S], heads: Int, positions: Int) {
        let s = shape, half = s.ropeDimensions / 2, width = heads * s.headDim
        for p in 0..<positions {
            for i in 0..<half {
                let theta = S(p) * S.power(S(s.ropeBase), -2 * S(i) / S(s.ropeDimensions))
                let (c, sn) = (S.cosine(theta), S.sine(theta))
                for h in 0..<heads {
                    let base = p * width + h * s.headDim
                    let (a, b) = s.neox ? (base + i, base + i + half) : (base + 2 * i, base + 2 * i + 1)
                    (x[a], x[b]) = (x[a] * c - x[b] * sn, x[a] * sn + x[b] * c)
                }
            }
        }
    }

    /// Causal grouped-query attention: head h reads KV head h / (heads / kvHeads).
    func attention<S: ReferenceScalar>(_ q: [S], _ k: [S], _ v: [S], positions: Int) -> [S] {
        let s = shape, hd = s.headDim, group = s.heads / s.kvHeads
        let qWidth = s.heads * hd, kvWidth = s.kvHeads * hd
        var out = [S](repeating: 0, count: positions * qWidth)
        let scale = 1 / S(hd).squareRoot()
        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
            out.withUnsafeMutableBufferPointer { ob in
                let (qa, ka, va, oa) = (UInt(bitPattern: qb.baseAddress), UInt(bitPattern: kb.baseAddress),
                                        UInt(bitPattern: vb.baseAddress), UInt(bitPattern: ob.baseAddress))
                DispatchQueue.concurrentPerform(iterations: positions) { p in
                    let q = UnsafePointer<S>(bitPattern: qa)!, k = UnsafePointer<S>(bitPattern: ka)!
                    let v = UnsafePointer<S>(bitPattern: va)!, out = UnsafeMutablePointer<S>(bitPattern: oa)!
                    var weights = [S](repeating: 0, count: p + 1)
                    for h in 0..<s.heads {
                        let query = q + p * qWidth + h * hd, kv = (h / group) * hd
                        for j in 0...p { weights[j] = Self.dot(query, k + j * kvWidth + kv, hd) * scale }
                        let top = weights.max()!
                        var total: S = 0
                        for j in 0...p { weights[j] = S.exponential(weights[j] - top); total += weights[j] }
                        var sum = [S](repeating: 0, count: hd)
                        for j in 0...p {
                            for i in 0..<hd { sum[i] += weights[j] * v[j * kvWidth + kv + i] }
                        }
                        for i in 0..<hd { out[p * qWidth + h * hd + i] = sum[i] / total }
                    }
                }
            }
        }}}
        return out
    }

    /// Sum of a[i] * b[i] over `count` elements, eight lanes at a time.
    @inline(__always)
    static func dot<S: ReferenceScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ count: Int) -> S {
        var lanes = SIMD8<S>(repeating: 0), i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<S>.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<S>.self)
            lanes += x * y
            i += 8
        }
        var sum = lanes.sum()
        while i < count { sum += a[i] * b[i]; i += 1 }
        return sum
    }

    /// The sums of four rows, `stride` apart from `w`, times x: each load of x serves four rows.
    @inline(__always)
    static func dot4<S: ReferenceScalar>(_ w: UnsafePointer<S>, _ stride: Int, _ x: UnsafePointer<S>) -> SIMD4<S> {
        var (a, b, c, d) = (SIMD8<S>(repeating: 0), SIMD8<S>(repeating: 0), SIMD8<S>(repeating: 0), SIMD8<S>(repeating: 0))
        func load(_ p: UnsafePointer<S>) -> SIMD8<S> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self) }
        var i = 0
        while i + 8 <= stride {
            let v = load(x + i)
            a += load(w + i) * v
            b += load(w + stride + i) * v
            c += load(w + 2 * stride + i) * v
            d += load(w + 3 * stride + i) * v
            i += 8
        }
        var sums = SIMD4<S>(a.sum(), b.sum(), c.sum(), d.sum())
        for k in i..<stride {
            for r in 0..<4 { sums[r] += w[r * stride + k] * x[k] }
        }
        return sums
    }

    static func dot<S: ReferenceScalar>(_ a: [S], _ i: Int, _ b: [S], _ j: Int, count: Int) -> S {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in dot(a.baseAddress! + i, b.baseAddress! + j, count) } }
    }
}
