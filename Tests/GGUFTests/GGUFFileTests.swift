import Foundation
import TestSupport
import Testing
@testable import GGUF

@Suite("GGUF files")
struct GGUFFileTests {
    @Test("Every metadata value type survives a write and a read, in key order")
    func valueRoundTrip() throws {
        let values: [(String, GGUFValue)] = [
            ("u8", .uint8(200)), ("i8", .int8(-100)), ("u16", .uint16(60000)), ("i16", .int16(-30000)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)),
            ("u64", .uint64(UInt64.max)), ("i64", .int64(Int64.min)), ("f32", .float32(1.5)),
            ("f64", .float64(-2.25e100)), ("yes", .bool(true)), ("no", .bool(false)),
            ("text", .string("héllo ✓")), ("empty", .string("")),
            ("a.u8", .array(.uint8([1, 2, 255]))), ("a.i8", .array(.int8([-1, 0, 1]))),
            ("a.u16", .array(.uint16([1, 65535]))), ("a.i16", .array(.int16([-5, 5]))),
            ("a.u32", .array(.uint32([7, 8]))), ("a.i32", .array(.int32([-7, 8]))),
            ("a.u64", .array(.uint64([1 << 40]))), ("a.i64", .array(.int64([-(1 << 40)]))),
            ("a.f32", .array(.float32([0.5, -1]))), ("a.f64", .array(.float64([1e-300]))),
            ("a.bool", .array(.bool([true, false, true]))), ("a.str", .array(.string(["x", "", "ü"]))),
            ("a.nested", .array(.array([.int32([1, 2]), .string(["s"])]))), ("a.none", .array(.int32([]))),
        ]
        var writer = GGUFWriter()
        for (key, value) in values { writer.set(key, value) }
        let file = try GGUFFile(bytes: writer.bytes())
        #expect(file.version == 3)
        #expect(file.metadataKeys == values.map(\.0))
        for (key, value) in values { #expect(file.metadata[key] == value, "\(key)") }
        #expect(file.tensors.isEmpty)
        #expect(file.int("u32") == 4_000_000_000)
        #expect(file.int("u64") == nil)
        #expect(file.float("f32") == 1.5)
        #expect(file.float("i16") == -30000)
        #expect(file.string("text") == "héllo ✓")
        #expect(file.bool("yes") == true)
        #expect(file.metadata["a.str"]?.strings == ["x", "", "ü"])
        #expect(file.metadata["a.u16"]?.ints == [1, 65535])
        #expect(file.metadata["a.f64"]?.floats == [Float(1e-300)])
        #expect(file.metadata["a.i32"]?.floats == [-7, 8])
        #expect(file.metadata["text"]?.ints == nil)
    }

    @Test("Tensors keep their shapes, sizes, aligned offsets and bytes")
    func tensorRoundTrip() throws {
        for alignment in [nil, 64, 256] as [UInt32?] {
            var writer = GGUFWriter()
            if let alignment { writer.set("general.alignment", .uint32(alignment)) }
            let q4 = try SyntheticTensor.randomBytes(type: .q4_0, rows: 3, columns: 64, seed: 1)
            let f32 = try SyntheticTensor.randomBytes(type: .f32, rows: 1, columns: 5, seed: 2)
            let q8 = try SyntheticTensor.randomBytes(type: .q8_0, rows: 4, columns: 32, seed: 3)
            writer.addTensor(name: "q4", type: .q4_0, dimensions: [64, 3], data: q4)
            writer.addTensor(name: "f32", type: .f32, dimensions: [5], data: f32)
            writer.addTensor(name: "q8", type: .q8_0, dimensions: [32, 2, 2], data: q8)
            let file = try GGUFFile(bytes: writer.bytes())
            let expected = Int(alignment ?? 32)
            #expect(file.alignment == expected)
            #expect(file.dataOffset % expected == 0)
            #expect(file.tensors.map(\.name) == ["q4", "f32", "q8"])
            for (name, data) in [("q4", q4), ("f32", f32), ("q8", q8)] {
                let info = try #require(file.tensor(named: name))
                #expect(info.offset % expected == 0)
                #expect(info.byteCount == data.count)
                #expect(Array(file.data(of: info)) == data)
            }
            let q8Info = try #require(file.tensor(named: "q8"))
            #expect(q8Info.dimensions == [32, 2, 2])
            #expect((q8Info.columns, q8Info.rows, q8Info.elementCount) == (32, 4, 128))
            #expect(file.tensor(named: "f32")?.rows == 1)
            #expect(file.tensor(named: "missing") == nil)
        }
    }

    @Test("A random model takes a real vocabulary size and output type: filler tokens, control tokens last")
    func randomModelShape() throws {
        var model = RandomModel()
        model.vocabularySize = 1000
        model.outputType = .q8_0
        let file = try GGUFFile(bytes: model.writer().bytes())
        let tokens = try #require(file.metadata["tokenizer.ggml.tokens"]?.strings)
        #expect(tokens.count == 1000 && Array(tokens.suffix(3)) == RandomModel.controlTokens)
        #expect(Set(tokens).count == tokens.count && tokens.contains("<pad_0>"))
        #expect(file.int("tokenizer.ggml.eos_token_id") == 999 && file.int("tokenizer.ggml.bos_token_id") == 997)
        let output = try #require(file.tensor(named: "output.weight"))
        #expect(output.type == .q8_0 && output.dimensions == [model.hidden, 1000])
        #expect(try #require(file.tensor(named: "token_embd.weight")).rows == 1000)
        // The default keeps the tiny vocabulary and an f16 head.
        let tiny = try GGUFFile(bytes: RandomModel().writer().bytes())
        #expect(tiny.tensor(named: "output.weight")?.type == .f16)
        #expect(tiny.metadata["tokenizer.ggml.tokens"]?.strings?.count == RandomModel().vocabulary.count)
    }

    @Test("A version 2 file reads like version 3")
    func version2() throws {
        var writer = GGUFSample.writer()
        writer.version = 2
        let v2 = try GGUFFile(bytes: writer.bytes())
        let v3 = try GGUFFile(bytes: GGUFSample.writer().bytes())
        #expect(v2.version == 2)
        #expect(v2.metadata == v3.metadata)
        #expect(v2.tensors == v3.tensors)
    }

    @Test("Files on disk are memory-mapped; missing, unreadable and empty files fail clearly")
    func onDisk() throws {
        let path = FileManager.default.temporaryDirectory.path + "/augur-gguf-\(getpid()).gguf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try GGUFSample.writer().write(to: path)
        let file = try GGUFFile(path: path)
        #expect(file.architecture == "llama")
        #expect(Array(file.data(of: file.tensors[1])) == GGUFSample.norm)
        #expect(throws: GGUFError.fileNotFound(path: path + ".missing")) {
            try GGUFFile(path: path + ".missing")
        }
        #expect(throws: GGUFError.unreadable(path: "/", reason: "not a regular file")) {
            try GGUFFile(path: "/")
        }
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(throws: GGUFError.truncated(reading: "the magic", offset: 0, fileSize: 0)) {
            try GGUFFile(path: path)
        }
        #expect(throws: GGUFError.self) { try GGUFWriter().write(to: "/nonexistent-dir/x.gguf") }
    }

    @Test("Tensors produced as the file is written stream to the same bytes, and a wrong size is refused")
    func producedTensors() throws {
        let path = FileManager.default.temporaryDirectory.path + "/augur-gguf-produced-\(getpid()).gguf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = GGUFSample.writer()
        let rows = (0..<96).map { UInt8($0 % 251) }
        writer.addTensor(name: "produced", type: .q8_0, dimensions: [32, 2], byteCount: 68) { Array(rows[0..<68]) }
        try writer.write(to: path)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == writer.bytes())
        let file = try GGUFFile(path: path)
        #expect(file.contents.count == file.fileSize && Array(file.data(of: file.tensor(named: "produced")!)) == Array(rows[0..<68]))
        writer.addTensor(name: "short", type: .q8_0, dimensions: [32, 1], byteCount: 34) { Array(rows[0..<30]) }
        #expect(throws: GGUFError.unwritable(path: path, reason: "tensor 'short' has 30 bytes, not 34")) { try writer.write(to: path) }
    }

    @Test("Typed getters and their required variants")
    func getters() throws {
        let file = try GGUFFile(bytes: GGUFSample.writer().bytes())
        #expect(try file.requireString("general.architecture") == "llama")
        #expect(try file.requireInt("llama.block_count") == 2)
        #expect(try file.requireFloat("llama.rope.freq_base") == 10000)
        #expect(throws: GGUFError.missingKey("nope")) { try file.requireInt("nope") }
        #expect(throws: GGUFError.wrongType(key: "general.architecture", expected: "an integer")) {
            try file.requireInt("general.architecture")
        }
        #expect(file.string("llama.block_count") == nil)
    }

    @Test("A 151,936-token vocabulary and 150k-element arrays load")
    func largeArrays() throws {
        var writer = GGUFWriter()
        let tokens = (0..<151_936).map { "tok\($0)" }
        writer.set("tokenizer.ggml.tokens", .array(.string(tokens)))
        writer.set("tokenizer.ggml.token_type", .array(.int32((0..<150_000).map { Int32($0 % 7) })))
        writer.set("tokenizer.ggml.scores", .array(.float32((0..<150_000).map { Float($0) })))
        let bytes = writer.bytes()
        let file = try GGUFFile(bytes: bytes)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.strings == tokens)
        #expect(file.metadata["tokenizer.ggml.token_type"]?.ints?.count == 150_000)
        #expect(file.metadata["tokenizer.ggml.scores"]?.floats?.last == 149_999)
    }

    @Test("The real SmolLM2-135M file opens")
    func realModel() throws {
        let path = try TestModelFiles.path("SmolLM2-135M-Instruct.Q4_1.gguf")
        let file = try GGUFFile(path: path)
        #expect(file.architecture == "llama")
        #expect(file.int("llama.block_count") == 30)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.strings?.count == 49_152)
        #expect(file.tensor(named: "token_embd.weight") != nil)
        for tensor in file.tensors {
            #expect(file.dataOffset + tensor.offset + tensor.byteCount <= file.fileSize)
            #expect(file.data(of: tensor).count == tensor.byteCount)
        }
    }
}

/// A small valid file, and byte-level helpers for hand-mutating files in tests.
enum GGUFSample {
    /// The `norm` tensor's bytes: eight f32 values.
    static let norm = (0..<8).flatMap { BlockBytes.float(Float($0)) }

    /// A writer holding an architecture, a block count, a rope base, a two-token
    /// vocabulary, a q4_0 `weight` [64, 2] and an f32 `norm` [8].
    static func writer() -> GGUFWriter {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("llama.block_count", .uint32(2))
        writer.set("llama.rope.freq_base", .float32(10000))
        writer.set("tokens", .array(.string(["a", "bc"])))
        let weight = (try? SyntheticTensor.randomBytes(type: .q4_0, rows: 2, columns: 64, seed: 9)) ?? []
        writer.addTensor(name: "weight", type: .q4_0, dimensions: [64, 2], data: weight)
        writer.addTensor(name: "norm", type: .f32, dimensions: [8], data: norm)
        return writer
    }
}

extension Array where Element == UInt8 {
    /// The index just past the first occurrence of `text`'s UTF-8 bytes.
    func end(of text: String) -> Int {
        let pattern = Array(text.utf8)
        for start in 0...(count - pattern.count)
        where self[start..<start + pattern.count].elementsEqual(pattern) {
            return start + pattern.count
        }
        fatalError("\(text) not found")
    }

    /// Overwrites the bytes at `offset` with `value`, little-endian.
    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for i in 0..<MemoryLayout<T>.size { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }
}
