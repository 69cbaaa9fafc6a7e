import Foundation
import GGUF
import Testing

/// Blocks of each tensor type with the values the `gguf` Python package dequantizes them to
/// (`Fixtures/dequant-fixture.json`, written by `Tools/make-dequant-fixture.py`): the check that
/// the exact reference's own dequantization, and the engine's, read the block layouts as ggml does.
@Suite("Dequantization against the gguf package's")
struct DequantizationFixtureTests {
    struct Block: Decodable {
        var type: String, source: String
        /// The block's bytes, hex.
        var bytes: String
        /// The expected float32 values as bit patterns, eight hex digits each.
        var values: String
    }

    static let blocks: [Block] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/dequant-fixture.json")
        struct File: Decodable { var blocks: [Block] }
        return (try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)).blocks) ?? []
    }()

    static func hex(_ text: String, digits: Int) -> [UInt32] {
        let characters = Array(text)
        return stride(from: 0, to: characters.count, by: digits).map { UInt32(String(characters[$0..<($0 + digits)]), radix: 16)! }
    }

    /// Each block's type, bytes and expected float32 bit patterns.
    static func cases() throws -> [(block: Block, type: TensorType, bytes: [UInt8], want: [UInt32])] {
        try #require(!blocks.isEmpty, "Fixtures/dequant-fixture.json is missing or does not decode")
        return try blocks.map { b in
            let type = try #require(TensorType.allCases.first { $0.name == b.type }, "unknown type \(b.type)")
            return (b, type, hex(b.bytes, digits: 2).map { UInt8($0) }, hex(b.values, digits: 8))
        }
    }

    @Test("The fixture holds blocks of every tensor type the exact reference reads")
    func coversEveryType() throws {
        let held = Set(try Self.cases().map(\.type))
        let read = TensorType.allCases.filter { ExactDequantization.layout($0) != nil }
        #expect(Set(read) == held)
    }

    @Test("The exact reference's dequantization, rounded once to float32, equals the gguf package's bit for bit")
    func exactReference() throws {
        for c in try Self.cases() {
            let got = ExactDequantization.decode(c.type, c.bytes).map { Float($0).bitPattern }
            #expect(got == c.want, "\(c.block.type) from \(c.block.source)")
        }
    }

    @Test("The engine's Dequantize equals the gguf package's bit for bit")
    func engine() throws {
        for c in try Self.cases() {
            let got = try Dequantize.row(c.type, from: c.bytes, elements: c.want.count).map(\.bitPattern)
            #expect(got == c.want, "\(c.block.type) from \(c.block.source)")
        }
    }
}
