import Testing
@testable import GGUF

@Suite("Malformed GGUF files")
struct GGUFFuzzTests {
    /// The sample file, and where its interesting fields lie.
    let good = GGUFSample.writer().bytes()
    var architecture: Int { good.end(of: "general.architecture") }  // the value's type id
    var tokens: Int { good.end(of: "tokens") }  // the array's type id
    var weight: Int { good.end(of: "weight") }  // dimension count, dims, type, offset
    var norm: Int { good.end(of: "norm") }  // dimension count, dim, type, offset

    /// Expects `mutate`d sample bytes to fail with exactly `expected`.
    func expect(
        _ expected: GGUFError, sourceLocation: SourceLocation = #_sourceLocation,
        _ mutate: (inout [UInt8]) -> Void
    ) {
        var bytes = good
        mutate(&bytes)
        #expect(throws: expected, sourceLocation: sourceLocation) { try GGUFFile(bytes: bytes) }
    }

    @Test("Bad magic, big-endian files and unsupported versions are rejected")
    func preamble() {
        expect(.notGGUF(magic: Array("GGML".utf8))) { $0.replaceSubrange(0..<4, with: Array("GGML".utf8)) }
        expect(.notGGUF(magic: [0x7B])) { $0 = [0x7B] }
        expect(.truncated(reading: "the magic", offset: 0, fileSize: 2)) { $0 = Array("GG".utf8) }
        expect(.bigEndian) { $0.replaceSubrange(0..<4, with: Array("FUGG".utf8)) }
        expect(.bigEndian) { $0.put(UInt32(3).byteSwapped, at: 4) }
        expect(.unsupportedVersion(1)) { $0.put(UInt32(1), at: 4) }
        expect(.unsupportedVersion(4)) { $0.put(UInt32(4), at: 4) }
    }

    @Test("Truncation says what was being read, where, and the file size")
    func truncation() {
        expect(.truncated(reading: "the element type of 'tokens'", offset: tokens + 4,
                          fileSize: tokens + 6)) { $0.removeSubrange((tokens + 6)...) }
        expect(.truncated(reading: "the type of tensor 'weight'", offset: weight + 20,
                          fileSize: weight + 22)) { $0.removeSubrange((weight + 22)...) }
        expect(.truncated(reading: "the version", offset: 4, fileSize: 6)) { $0.removeSubrange(6...) }
    }

    @Test("Huge counts and lengths fail before anything is allocated")
    func hugeCounts() {
        let n = good.count
        expect(.tooManyTensors(count: 1 << 60, remaining: n - 16)) { $0.put(UInt64(1) << 60, at: 8) }
        expect(.tooManyMetadataEntries(count: UInt64.max, remaining: n - 24)) { $0.put(UInt64.max, at: 16) }
        expect(.stringTooLong(length: 1 << 40, offset: 24, remaining: n - 32)) {
            $0.put(UInt64(1) << 40, at: 24)
        }
        expect(.arrayTooLong(key: "tokens", count: UInt64.max / 2, offset: tokens + 8,
                             remaining: n - tokens - 16)) { $0.put(UInt64.max / 2, at: tokens + 8) }
    }

    @Test("Unknown value and tensor types, bad dimensions and sizes are rejected")
    func typesAndShapes() {
        expect(.unknownValueType(key: "general.architecture", type: 13, offset: architecture)) {
            $0.put(UInt32(13), at: architecture)
        }
        expect(.unknownValueType(key: "tokens", type: 77, offset: tokens + 4)) {
            $0.put(UInt32(77), at: tokens + 4)
        }
        expect(.unknownTensorType(tensor: "weight", type: 4)) { $0.put(UInt32(4), at: weight + 20) }
        expect(.unknownTensorType(tensor: "norm", type: 1000)) { $0.put(UInt32(1000), at: norm + 12) }
        expect(.badDimensionCount(tensor: "weight", count: 5)) { $0.put(UInt32(5), at: weight) }
        expect(.badDimensionCount(tensor: "weight", count: 0)) { $0.put(UInt32(0), at: weight) }
        expect(.badDimension(tensor: "weight", index: 1, value: 0)) { $0.put(UInt64(0), at: weight + 12) }
        expect(.badDimension(tensor: "weight", index: 1, value: UInt64.max)) {
            $0.put(UInt64.max, at: weight + 12)
        }
        expect(.sizeOverflow(tensor: "weight")) {
            $0.put(UInt64(1) << 32, at: weight + 4)
            $0.put(UInt64(1) << 32, at: weight + 12)
        }
        expect(.sizeOverflow(tensor: "norm")) { $0.put(UInt64(1) << 62, at: norm + 4) }
        expect(.partialBlock(tensor: "weight", type: .q4_0, columns: 33)) {
            $0.put(UInt64(33), at: weight + 4)
        }
    }

    @Test("Misaligned tensors, tensors past the end and duplicates are rejected")
    func placement() throws {
        let file = try GGUFFile(bytes: good)
        let offset = try #require(file.tensor(named: "norm")).offset
        let available = good.count - file.dataOffset
        expect(.misalignedTensor(tensor: "norm", offset: UInt64(offset + 4), alignment: 32)) {
            $0.put(UInt64(offset + 4), at: norm + 16)
        }
        expect(.tensorPastEnd(
            tensor: "norm", offset: UInt64(offset + 64), byteCount: 32, available: available)
        ) {
            $0.put(UInt64(offset + 64), at: norm + 16)
        }
        expect(.tensorPastEnd(
            tensor: "norm", offset: UInt64(offset), byteCount: 32, available: available - 1)
        ) {
            $0.removeLast()
        }
        let rope = good.end(of: "llama.rope.freq_base")
        var far = good
        far.put(UInt64.max - 31, at: norm + 16)
        let error = #expect(throws: GGUFError.self) { try GGUFFile(bytes: far) }
        guard case .tensorPastEnd("norm", UInt64.max - 31, 32, _) = error else {
            Issue.record("expected norm past the end, got \(String(describing: error))")
            return
        }
        expect(.duplicateKey("general.architecture")) {
            $0.replaceSubrange(rope - 20..<rope, with: Array("general.architecture".utf8))
        }
        var writer = GGUFSample.writer()
        writer.addTensor(name: "norm", type: .f32, dimensions: [8], data: GGUFSample.norm)
        #expect(throws: GGUFError.duplicateTensor("norm")) { try GGUFFile(bytes: writer.bytes()) }
    }

    @Test("Invalid UTF-8, bad alignments and deep nesting are rejected")
    func valuesAndAlignment() throws {
        expect(.invalidUTF8(offset: 24)) { $0[33] = 0xFF }
        expect(.invalidUTF8(offset: architecture + 4)) { $0[architecture + 12] = 0xC3 }
        for (value, valid) in [(GGUFValue.uint32(48), false), (.int64(0), false), (.string("32"), false),
                               (.int8(-32), false), (.uint64(1 << 12), true), (.uint8(1), true)] {
            var writer = GGUFSample.writer()
            writer.set("general.alignment", value)
            let result = Result { () throws(GGUFError) in try GGUFFile(bytes: writer.bytes()) }
            if valid {
                #expect(try result.get().alignment == value.int)
            } else {
                #expect(throws: GGUFError.badAlignment(String(describing: value))) { try result.get() }
            }
        }
        func nested(_ depth: Int) -> GGUFArray { depth == 1 ? .int8([1]) : .array([nested(depth - 1)]) }
        var writer = GGUFWriter()
        writer.set("deep", .array(nested(8)))
        #expect(try GGUFFile(bytes: writer.bytes()).metadata["deep"] == .array(nested(8)))
        writer.set("deep", .array(nested(9)))
        #expect(throws: GGUFError.arrayNestingTooDeep(key: "deep", depth: 8)) {
            try GGUFFile(bytes: writer.bytes())
        }
    }

    @Test("Error messages name the file, key, tensor and offsets involved")
    func messages() {
        let cases: [(GGUFError, [String])] = [
            (.fileNotFound(path: "/m.gguf"), ["/m.gguf"]),
            (.truncated(reading: "a tensor name", offset: 77, fileSize: 80), ["a tensor name", "77", "80"]),
            (.unknownTensorType(tensor: "blk.0", type: 4), ["blk.0", "4"]),
            (.badDimension(tensor: "t", index: 2, value: 0), ["2", "'t'", "zero"]),
            (.tensorPastEnd(tensor: "t", offset: 64, byteCount: 9, available: 70), ["'t'", "64", "70"]),
            (.notGGUF(magic: [0x47, 0x47, 0x4D, 0x4C]), ["47 47 4D 4C"]),
            (.missingKey("llama.block_count"), ["llama.block_count"]),
        ]
        for (error, fragments) in cases {
            for fragment in fragments { #expect(error.description.contains(fragment), "\(error)") }
        }
    }

    // MARK: Fuzzing

    /// A file with a realistic header: tokenizer arrays of `vocabulary` random tokens,
    /// hyperparameters and several tensors of different types.
    static func realistic(seed: UInt64, vocabulary: Int = 300, alignment: UInt32? = nil) -> GGUFWriter {
        var rng = SeededGenerator(seed: seed)
        let pieces = ["a", "b", "Ġ", "▁", "é", "中", "<", ">", "0x", "th", "ing"]
        let tokens = (0..<vocabulary).map { _ in
            (0...(Int(rng.next() % 4))).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
        }
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        if let alignment { writer.set("general.alignment", .uint32(alignment)) }
        writer.set("llama.block_count", .uint32(1))
        writer.set("llama.rope.freq_base", .float32(10000))
        writer.set("tokenizer.ggml.model", .string("gpt2"))
        writer.set("tokenizer.ggml.tokens", .array(.string(tokens)))
        writer.set("tokenizer.ggml.scores", .array(.float32(tokens.indices.map { -Float($0) })))
        writer.set("tokenizer.ggml.token_type", .array(.int32(tokens.map { _ in 1 })))
        writer.set("tokenizer.ggml.add_bos_token", .bool(true))
        let shapes: [(String, TensorType, Int, Int)] = [
            ("token_embd.weight", .q4_0, 64, 8), ("blk.0.attn_norm.weight", .f32, 64, 1),
            ("blk.0.attn_q.weight", .q8_0, 32, 4), ("output.weight", .f16, 64, 4),
        ]
        for (index, (name, type, columns, rows)) in shapes.enumerated() {
            let data = try! SyntheticTensor.randomBytes(
                type: type, rows: rows, columns: columns, seed: UInt64(index))
            let dimensions = rows == 1 ? [columns] : [columns, rows]
            writer.addTensor(name: name, type: type, dimensions: dimensions, data: data)
        }
        return writer
    }

    /// Parses `bytes`: either it throws a `GGUFError` (with a message), or every tensor
    /// it reports lies aligned inside the file. Returns whether it parsed.
    @discardableResult
    static func check(_ bytes: [UInt8]) -> Bool {
        do {
            let file = try GGUFFile(bytes: bytes)
            let inside = file.tensors.allSatisfy { tensor in
                let data = file.data(of: tensor)
                _ = (data.first, data.last)  // touch both ends of the data
                return tensor.offset % file.alignment == 0 && tensor.byteCount > 0
                    && file.dataOffset + tensor.offset + tensor.byteCount <= bytes.count
                    && data.count == tensor.byteCount
            }
            #expect(inside)
            return true
        } catch {
            #expect(!error.description.isEmpty)
            return false
        }
    }

    @Test("Truncation at every offset throws or leaves every tensor inside the data")
    func fuzzTruncation() throws {
        for (seed, alignment) in [(1, nil), (2, 64)] as [(UInt64, UInt32?)] {
            let bytes = Self.realistic(seed: seed, alignment: alignment).bytes()
            let dataOffset = try GGUFFile(bytes: bytes).dataOffset
            for cut in 0..<bytes.count {
                let parsed = Self.check(Array(bytes[..<cut]))
                if cut < dataOffset { #expect(!parsed, "a cut at \(cut) parsed") }
            }
        }
    }

    @Test("Thousands of random byte flips in the header never trap")
    func fuzzFlips() throws {
        var rng = SeededGenerator(seed: 0x6767_7566)
        let bytes = Self.realistic(seed: 3).bytes()
        let header = try GGUFFile(bytes: bytes).dataOffset
        var parsed = 0
        for _ in 0..<5000 {
            var mutated = bytes
            for _ in 0...(rng.next() % 3) {
                mutated[Int(rng.next() % UInt64(header))] ^= max(rng.nextByte(), 1)
            }
            if Self.check(mutated) { parsed += 1 }
        }
        #expect(parsed > 0 && parsed < 5000, "\(parsed) of 5000 mutated files parsed")
    }

    @Test("Huge, zero and off-by-one values in every count field never trap")
    func fuzzCountFields() {
        let (bytes, fields) = Self.realistic(seed: 4).serialize()
        let values: [UInt64] = [
            0, 1, 2, 5, 0xFF, 0xFFFF, 0xFFFF_FFFF, 1 << 32, 1 << 40, UInt64(bytes.count),
            UInt64(bytes.count + 1), UInt64(Int64.max), 1 << 63, UInt64.max - 1, UInt64.max,
        ]
        #expect(fields.count > 100)
        for field in fields {
            for value in values {
                var mutated = bytes
                if field.width == 4 { mutated.put(UInt32(truncatingIfNeeded: value), at: field.offset) }
                else { mutated.put(value, at: field.offset) }
                Self.check(mutated)
            }
        }
    }

    @Test("Random garbage after a valid preamble never traps")
    func fuzzGarbage() {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<3000 {
            var bytes = Array("GGUF".utf8) + [3, 0, 0, 0]
            // Mostly small bytes, so counts and lengths are often plausible.
            bytes += (0..<Int(rng.next() % 256)).map { _ in
                rng.nextByte() % 8 == 0 ? rng.nextByte() : rng.nextByte() % 4
            }
            Self.check(bytes)
        }
    }
}
