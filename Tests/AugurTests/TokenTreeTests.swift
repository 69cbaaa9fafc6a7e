import Foundation
import GGUF
import Kernels
import Testing
@testable import Augur

/// A drafter that proposes a fixed tree: the right continuation as one branch and wrong tokens
/// beside it (siblings) and below the right ones, so verification must pick the path in the middle.
struct ScriptedTreeDrafter: Drafter {
    var script: [Int]
    var promptLength: Int
    let name = "scripted-tree"

    mutating func propose(after context: [Int], limit: Int) -> [Int] { [] }

    mutating func proposeTree(after context: [Int], shape: DraftShape) -> DraftTree {
        let right = Array(script.dropFirst(context.count - promptLength).prefix(shape.depth))
        var tree = DraftTree()
        // Wrong first: the right child is never the first candidate tried.
        tree.insert(right.prefix(1).map { ($0 + 7) % 256 } + [1, 2], maxNodes: shape.nodes, maxDepth: shape.depth)
        tree.insert(right, maxNodes: shape.nodes, maxDepth: shape.depth)
        for (i, token) in right.enumerated().dropFirst() {
            tree.insert(Array(right.prefix(i)) + [(token + 3) % 256], maxNodes: shape.nodes, maxDepth: shape.depth)
        }
        return tree
    }
}

@Suite("Token trees")
struct TokenTreeTests {
    static func tinyModel(layers: Int = 3) throws -> Model {
        var random = RandomModel()
        random.hidden = 256
        random.feedForward = 512
        random.layers = layers
        return try Model(path: try TinyModels.path(random, name: "tree-\(layers)"))
    }

    /// The halves of slots 0..<count of every layer's key and value caches.
    static func cache(_ session: InferenceSession, slots count: Int) throws -> [[UInt16]] {
        let c = session.model.configuration, width = c.kvHeads * c.headDim
        // Through the uploader's staging: a GPU keeps the cache in memory the host cannot map.
        let uploader = session.model.kernels.library.uploader
        return try session.caches.flatMap { cache in
            [try uploader.download(UInt16.self, from: cache.keys, count: count * width),
             try uploader.download(UInt16.self, from: cache.values, count: count * width)]
        }
    }

    @Test("Every node of a tree gets the logits of evaluating its path alone, bit for bit")
    func treeLogits() throws {
        let model = try Self.tinyModel()
        let prefix = [257, 32, 99, 97, 116, 32]
        let nodes = [104, 97, 116, 111, 116, 120, 121]
        let parents = [-1, 0, 1, 0, 3, -1, 5]
        let session = try model.makeSession(context: 64)
        try session.evaluate(prefix)
        _ = try session.evaluate(tree: nodes, parents: parents)
        let vocabulary = model.configuration.vocabulary
        let rows = try session.buffers.logits.read(Float.self, count: nodes.count * vocabulary)
        for i in nodes.indices {
            var path: [Int] = [], n = i
            while n >= 0 { path.insert(nodes[n], at: 0); n = parents[n] }
            let alone = try model.makeSession(context: 64)
            try alone.evaluate(prefix)
            for token in path.dropLast() { try alone.evaluate([token]) }
            try alone.evaluate([path.last!])
            let want = try alone.logits()
            let got = Array(rows[(i * vocabulary)..<((i + 1) * vocabulary)])
            #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "node \(i)")
        }
    }

    @Test("After a partly rejected tree, keeping the accepted path leaves the KV cache equal to plain decoding's")
    func rollback() throws {
        let model = try Self.tinyModel()
        let prefix = [257, 32, 99, 97, 116]
        // Root 0 (the target's token), a rejected branch 1-2, the kept path 0-3-4, a rejected leaf 5.
        let nodes = [32, 100, 101, 104, 97, 98]
        let parents = [-1, 0, 1, 0, 3, 3]
        let session = try model.makeSession(context: 64)
        try session.evaluate(prefix)
        let tree = try session.evaluate(tree: nodes, parents: parents)
        #expect(session.tokens == prefix, "a pending tree commits nothing")
        try session.keep(tree, path: [0, 3, 4])
        #expect(session.tokens == prefix + [32, 104, 97])
        let plain = try model.makeSession(context: 64)
        try plain.evaluate(prefix)
        for token in [32, 104, 97] { try plain.evaluate([token]) }
        #expect(try Self.cache(session, slots: 8) == Self.cache(plain, slots: 8))
        // And decoding goes on identically.
        let next = try session.evaluate([116])[0], plainNext = try plain.evaluate([116])[0]
        #expect(next.argmax == plainNext.argmax)
        #expect(try session.logits().map(\.bitPattern) == plain.logits().map(\.bitPattern))
    }

    @Test("After a whole generation of partly rejected trees, the KV cache equals plain decoding's")
    func generationRollback() throws {
        let model = try Self.tinyModel()
        let prompt = [257, 32, 99, 97, 116]
        var parameters = GenerationParameters(maxTokens: 20)
        parameters.stopAtEndOfGeneration = false
        let plainSession = try model.makeSession(context: 64)
        let plain = try model.runGeneration(prompt, parameters: parameters, session: plainSession)
        let session = try model.makeSession(context: 64)
        var drafter = ScriptedTreeDrafter(script: plain.tokens, promptLength: prompt.count)
        let (speculative, stats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter,
                                                                      shape: DraftShape(depth: 3, width: 3), session: session)
        #expect(speculative.tokens == plain.tokens && stats.accepted > 0)
        // Plain decoding cached the prompt and all but the last token; so did every kept path.
        let cached = prompt.count + plain.tokens.count - 1
        #expect(Array(session.tokens.prefix(cached)) == Array(plainSession.tokens.prefix(cached)))
        #expect(try Self.cache(session, slots: cached) == Self.cache(plainSession, slots: cached))
    }

    @Test("Early exit then completion equals the full pass, bit for bit, and keeps the cache plain decoding writes")
    func earlyExit() throws {
        let model = try Self.tinyModel()
        let prefix = [257, 32, 99, 97, 116]
        let session = try model.makeSession(context: 64)
        try session.evaluate(prefix)
        var partial: PartialPass?
        for token in [32, 104, 97] { partial = try session.evaluate([token], exitAfter: 1, continuing: partial).0 }
        let pass = try #require(partial)
        #expect(pass.tokens == [32, 104, 97] && session.tokens == prefix)
        let completed = try session.complete(pass)
        let lastLogits = try session.logits(row: 2)
        try session.keep(completed, path: [0, 1, 2])
        #expect(session.tokens == prefix + [32, 104, 97])
        let plain = try model.makeSession(context: 64)
        try plain.evaluate(prefix)
        let want = try plain.evaluate([32, 104, 97], allPositions: true)
        #expect(completed.predictions.map(\.argmax) == want.map(\.argmax))
        #expect(lastLogits.map(\.bitPattern) == (try plain.logits(row: 2)).map(\.bitPattern))
        #expect(try Self.cache(session, slots: 8) == Self.cache(plain, slots: 8))
    }

    @Test("Malformed trees, paths and exit layers are clear errors")
    func badInput() throws {
        let model = try Self.tinyModel()
        let session = try model.makeSession(context: 16)
        try session.evaluate([257, 32])
        #expect(throws: ModelError.self) { try session.evaluate(tree: [1, 2], parents: [-1, 1]) }
        #expect(throws: ModelError.self) { try session.evaluate(tree: [1, 2], parents: [-1]) }
        let tree = try session.evaluate(tree: [1, 2, 3], parents: [-1, 0, -1])
        #expect(throws: ModelError.self) { try session.keep(tree, path: [0, 2]) }
        // Anything else the session does makes a pending tree or partial pass stale.
        let (partial, _) = try session.evaluate([4], exitAfter: 1)
        #expect(throws: ModelError.self) { try session.keep(tree, path: [0, 1]) }
        try session.evaluate([5])
        #expect(throws: ModelError.self) { try session.complete(partial) }
        #expect(throws: ModelError.self) { try session.evaluate([6], exitAfter: 1, continuing: partial) }
        let layers = model.configuration.layers
        #expect(throws: ModelError.invalidExitLayer(0, layers: layers)) { try session.evaluate([1], exitAfter: 0) }
        #expect(throws: ModelError.invalidExitLayer(layers, layers: layers)) { try session.evaluate([1], exitAfter: layers) }
        var drafter = EarlyExitDrafter(exitLayer: 5)
        var parameters = GenerationParameters(maxTokens: 4)
        parameters.stopAtEndOfGeneration = false
        #expect(throws: ModelError.invalidExitLayer(5, layers: layers)) {
            _ = try model.runSpeculativeGeneration([257, 32], parameters: parameters, drafter: &drafter)
        }
        for bad in [Speculation(), Speculation(lookup: true, stopProbability: 2), Speculation(lookup: true, draftMax: 0),
                    Speculation(lookup: true, treeWidth: 17)] {
            parameters.speculation = bad
            #expect(throws: GenerationError.self) { _ = try model.runGeneration([257, 32], parameters: parameters) }
        }
    }

    @Test("A draft tree is a prefix trie within its limits, merges without duplicates and prunes by path probability")
    func draftTree() {
        var tree = DraftTree(chain: [5, 6, 7], probabilities: [0.9, 0.5, 0.9])
        tree.insert([5, 8], probabilities: [0.9, 0.4])
        tree.insert([9], probabilities: [0.05])
        #expect(tree.tokens == [5, 6, 7, 8, 9] && tree.parents == [-1, 0, 1, 0, -1] && tree.depth == 3)
        var other = DraftTree(chain: [5, 6, 10])
        other.insert([11, 12])
        tree.merge(other, maxNodes: 7)
        #expect(tree.tokens == [5, 6, 7, 8, 9, 10, 11] && tree.parents == [-1, 0, 1, 0, -1, 1, -1])
        let limited = DraftTree(chain: [1, 2, 3, 4, 5])
        var capped = DraftTree()
        capped.merge(limited, maxDepth: 2)
        #expect(capped.tokens == [1, 2])
        let pruned = DraftTree(chain: [5, 6, 7], probabilities: [0.9, 0.5, 0.9]).merged(with: [5, 8], [0.9, 0.6]).pruned(to: 3)
        #expect(pruned.tokens == [5, 6, 8] && pruned.parents == [-1, 0, 0])
    }

    @Test("Tree drafters give plain greedy's tokens: scripted trees, lookup, draft-model and self-speculative trees, combined, adaptive")
    func greedyEquivalence() throws {
        let model = try Self.tinyModel()
        var draftRandom = RandomModel()
        draftRandom.seed = 9
        let draft = try Model(path: try TinyModels.path(draftRandom, name: "tree-draft"))
        let prompt = [257, 32, 99, 97, 116, 258, 99, 97, 116, 32, 99, 97, 116]
        let n = 30
        let expected = try SpeculativeTests.plain(model, prompt, n)
        var parameters = GenerationParameters(maxTokens: n)
        parameters.stopAtEndOfGeneration = false
        let pool = NGramPool()  // learns across the runs below, so later ones draft from it
        for shape in [DraftShape(depth: 4, width: 3), DraftShape(depth: 6, width: 2, nodes: 9)] {
            var scripted = ScriptedTreeDrafter(script: expected, promptLength: prompt.count)
            let (viaScript, stats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &scripted, shape: shape)
            #expect(viaScript.tokens == expected, "scripted tree \(shape)")
            #expect(stats.accepted > stats.rounds, "the right branch is found among wrong ones")
            for speculation in [Speculation(lookup: true), Speculation(draftModel: draft), Speculation(selfSpeculation: true, exitLayer: 2),
                                Speculation(lookup: true, draftModel: draft, selfSpeculation: true),
                                Speculation(lookup: true, ngramPool: pool, draftModel: draft, adaptive: true), Speculation(ngramPool: pool)] {
                var p = parameters
                p.speculation = speculation
                p.speculation?.draftMax = shape.depth
                p.speculation?.treeWidth = shape.width
                let result = try model.runGeneration(prompt, parameters: p)
                #expect(result.tokens == expected, "\(result.speculative?.drafter ?? "?") \(shape)")
                #expect((result.speculative?.drafted ?? 0) > 0, "\(result.speculative?.drafter ?? "?") drafts")
            }
        }
    }

    @Test("On SmolLM2, self-speculation (early exit) and lookup trees give plain greedy's tokens")
    func smolLM2() throws {
        let path = try ModelFiles.path("smollm2-135m")
        let model = try Model(path: path)
        let prompt = model.tokenize("def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n\ndef mul(a, b):\n")
        let expected = try SpeculativeTests.plain(model, prompt, 16)
        var parameters = GenerationParameters(maxTokens: 16)
        parameters.stopAtEndOfGeneration = false
        for speculation in [Speculation(selfSpeculation: true, exitLayer: 22, draftMax: 3),
                            Speculation(lookup: true, selfSpeculation: true, draftMax: 4, treeWidth: 3)] {
            parameters.speculation = speculation
            let result = try model.runGeneration(prompt, parameters: parameters)
            let stats = try #require(result.speculative)
            print("smollm2 \(stats.drafter): \(stats.rounds) rounds, \(stats.accepted)/\(stats.drafted) drafts accepted")
            #expect(result.tokens == expected, "\(stats.drafter)")
            #expect(stats.drafted > 0)
        }
    }
}

extension DraftTree {
    func merged(with path: [Int], _ probabilities: [Double]) -> DraftTree {
        var tree = self
        tree.insert(path, probabilities: probabilities)
        return tree
    }
}
