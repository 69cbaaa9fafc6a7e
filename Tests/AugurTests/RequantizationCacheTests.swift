import Foundation
import GGUF
import Testing
@testable import Augur

@Suite("Requantized copies on disk")
struct RequantizationCacheTests {
    /// A fresh folder for one test's copies.
    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appending(path: "augur-requantized-\(UUID().uuidString)")
    }

    /// A tiny q8_0 model wide enough for several blocks a row.
    static func source(seed: UInt64 = 1) throws -> String {
        var random = RandomModel()
        (random.hidden, random.feedForward, random.layers, random.seed) = (128, 256, 2, seed)
        return try TinyModels.path(random, name: "requantization-cache")
    }

    static func load(_ path: String, _ requantization: WeightRequantization?, _ cache: RequantizationCache) throws -> Model {
        try Model(path: path, options: EngineOptions(), requantization: requantization, cache: cache)
    }

    /// Every logit after a short prompt.
    static func logits(_ model: Model) throws -> [Float] {
        let session = try model.makeSession(context: 64)
        try session.evaluate([257, 32, 99, 97, 116])
        return try session.logits()
    }

    @Test("A model read from its requantized copy computes what requantizing at load computes, and the next load reuses the copy")
    func sameWeights() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try Self.source(), cache = RequantizationCache(directory: folder)
        let direct = try Self.load(path, .q4_1, RequantizationCache(directory: nil))
        #expect(direct.requantizedCopy == nil)
        let first = try Self.load(path, .q4_1, cache), second = try Self.load(path, .q4_1, cache)
        #expect(first.requantizedCopy?.reused == false && second.requantizedCopy?.reused == true)
        #expect(first.requantizedCopy?.path == second.requantizedCopy?.path)
        let want = try Self.logits(direct)
        #expect(try Self.logits(first) == want && Self.logits(second) == want)
        #expect(second.requantization == .q4_1 && second.path == path)

        // The copy holds the matrices requantized and the rest as they were.
        let copy = try GGUFFile(path: try #require(first.requantizedCopy?.path))
        let original = try GGUFFile(path: path)
        #expect(copy.tensor(named: "blk.0.ffn_down.weight")?.type == .q4_1 && copy.tensor(named: "token_embd.weight")?.type == .q4_1)
        #expect(copy.tensor(named: "blk.0.attn_norm.weight")?.type == .f32)
        #expect(copy.metadataKeys == original.metadataKeys)

        // Another type gets a copy of its own; a model loaded as stored gets none.
        let q4_0 = try Self.load(path, .q4_0, cache)
        #expect(q4_0.requantizedCopy?.reused == false && q4_0.requantizedCopy?.path != first.requantizedCopy?.path)
        #expect(try Self.load(path, nil, cache).requantizedCopy == nil)
        #expect(try Self.logits(q4_0) == Self.logits(Self.load(path, .q4_0, RequantizationCache(directory: nil))))
    }

    @Test("A damaged copy is written again, and a cache folder that cannot be written falls back to requantizing at load")
    func failures() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try Self.source(), cache = RequantizationCache(directory: folder)
        let want = try Self.logits(Self.load(path, .q4_1, RequantizationCache(directory: nil)))
        let copyPath = try #require(try Self.load(path, .q4_1, cache).requantizedCopy?.path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: copyPath))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: copyPath))
        let rewritten = try Self.load(path, .q4_1, cache)
        #expect(rewritten.requantizedCopy?.reused == false && rewritten.requantizedCopy?.path == copyPath)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copyPath)) == bytes)
        #expect(try Self.logits(rewritten) == want)

        // A file where the folder should be.
        let blocked = Self.folder()
        defer { try? FileManager.default.removeItem(at: blocked) }
        #expect(FileManager.default.createFile(atPath: blocked.path, contents: Data("not a folder".utf8)))
        let fallback = try Self.load(path, .q4_1, RequantizationCache(directory: blocked))
        #expect(fallback.requantizedCopy == nil)
        #expect(try Self.logits(fallback) == want)
    }

    @Test("A changed source gets a new copy; the least recently used copies go past the size bound, abandoned partial files after a day")
    func eviction() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var cache = RequantizationCache(directory: folder)
        let first = try #require(try Self.load(Self.source(seed: 1), .q4_1, cache).requantizedCopy?.path)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: first)[.size] as? Int)
        let abandoned = folder.appending(path: "x.gguf.1.partial").path, fresh = folder.appending(path: "y.gguf.2.partial").path
        for partial in [abandoned, fresh] { #expect(FileManager.default.createFile(atPath: partial, contents: Data([1]))) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 86_400)], ofItemAtPath: abandoned)

        cache.maxBytes = size + size / 2
        let second = try #require(try Self.load(Self.source(seed: 2), .q4_1, cache).requantizedCopy?.path)
        #expect(second != first)
        #expect(FileManager.default.fileExists(atPath: second) && !FileManager.default.fileExists(atPath: first))
        #expect(!FileManager.default.fileExists(atPath: abandoned) && FileManager.default.fileExists(atPath: fresh))
    }
}
