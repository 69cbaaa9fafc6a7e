import Foundation
import GGUF
import Testing
@testable import Augur

@Suite("A draft head limited to part of the vocabulary")
struct DraftHeadTests {
    /// A tiny random model (another seed than the tiny target) that drafts for it.
    static func draftModel() throws -> Model {
        var random = RandomModel()
        random.seed = 9
        return try Model(path: try TinyModels.path(random, name: "head-draft"))
    }

    @Test("A head limited to the vocabulary's first tokens ranges over them alone")
    func limitedHead() throws {
        let model = try Self.draftModel()
        let prompt = [257, 32, 99, 97, 116]
        let vocabulary = model.configuration.vocabulary, limit = vocabulary / 3
        let full = try model.makeSession(), limited = try model.makeSession(readout: .init(headRows: limit))
        let whole = try full.evaluate(prompt)[0], part = try limited.evaluate(prompt)[0]
        let (a, b) = (try full.logits(), try limited.logits())
        #expect(b.prefix(limit).map(\.bitPattern) == a.prefix(limit).map(\.bitPattern))
        #expect(b.dropFirst(limit).allSatisfy { $0 == -.infinity })
        #expect(part.argmax == a.prefix(limit).indices.max { a[$0] < a[$1] })
        #expect(whole.argmax == a.indices.max { a[$0] < a[$1] })
        for bad in [0, vocabulary + 1] { #expect(throws: GenerationError.self) { try model.makeSession(readout: .init(headRows: bad)) } }
    }

    @Test("Tokens past the limit that the request holds get their logits back, bit for bit, and leave when a new request starts")
    func extendedHead() throws {
        let model = try Self.draftModel()
        let vocabulary = model.configuration.vocabulary, limit = vocabulary / 3
        let prompt = [1, 32, limit + 5, 7, limit + 20, 3, limit + 5]
        let full = try model.makeSession(), limited = try model.makeSession(readout: .init(headRows: limit))
        try limited.extendHead(with: prompt)
        #expect(limited.headExtra?.ids == [limit + 5, limit + 20])
        _ = try full.evaluate(prompt)
        let part = try limited.evaluate(prompt, topK: 4)[0]
        let (a, b) = (try full.logits(), try limited.logits())
        let allowed = Array(0..<limit) + [limit + 5, limit + 20]
        let want: [UInt32] = allowed.map { a[$0].bitPattern }, got: [UInt32] = allowed.map { b[$0].bitPattern }
        #expect(got == want)
        let skipped: [Int] = b.indices.filter { !allowed.contains($0) }
        #expect(skipped.allSatisfy { b[$0] == -.infinity })
        let best: Int? = allowed.max { a[$0] < a[$1] }
        #expect(part.argmax == best)
        let ranked: [Int] = Array(allowed.sorted { a[$0] > a[$1] }.prefix(4))
        #expect(part.top.map(\.id) == ranked)

        // A new request: the old extra rows' slots read -inf again.
        try limited.extendHead(with: [1, limit + 7], replacing: true)
        #expect(limited.headExtra?.ids == [limit + 7])
        limited.truncate(to: 0)
        _ = try limited.evaluate(prompt)
        let c = try limited.logits()
        #expect(c[limit + 7].bitPattern == a[limit + 7].bitPattern)
        #expect(c[limit + 5] == -.infinity && c[limit + 20] == -.infinity)

        // Probabilities from the device's denominators equal the softmax of the returned logits
        // over the computed head (prefix and extra rows), for every position of a batch.
        let drafting = try model.makeSession(readout: .init(headRows: limit, probabilities: true))
        try drafting.extendHead(with: [1, limit + 7])
        let rows = try drafting.evaluate(prompt, allPositions: true, topK: 3)
        for (r, prediction) in rows.enumerated() {
            let logits = try drafting.logits(row: r)
            let top = Double(logits[prediction.argmax])
            let total = logits.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) }
            #expect(prediction.logit == logits[prediction.argmax])
            for (id, logit) in [(prediction.argmax, prediction.logit)] + prediction.top.map({ ($0.id, $0.logit) }) {
                let want = Foundation.exp(Double(logit) - top) / total
                #expect(abs(prediction.probability(ofLogit: logit)! - want) <= 1e-5 * want, "row \(r) token \(id)")
            }
        }
        limited.truncate(to: 0)
        #expect(try limited.evaluate(prompt)[0].logNormalizer == nil)
    }

    @Test("A drafter with a limited head gives plain greedy's tokens when the prompt holds tokens past the limit")
    func drafterWithExtendedHead() throws {
        let target = try Model(path: try TinyModels.path())
        let draftModel = try Self.draftModel()
        let limit = draftModel.configuration.vocabulary / 3
        let prompt = [257, 32, limit + 11, 97, limit + 40, 116]
        let expected = try SpeculativeTests.plain(target, prompt, 24)
        var parameters = GenerationParameters(maxTokens: 24)
        parameters.stopAtEndOfGeneration = false
        var drafter = try DraftModelDrafter(draft: draftModel, target: target, headRows: limit)
        let (result, stats) = try target.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: .chain(4))
        #expect(result.tokens == expected)
        #expect(stats.drafted > 0)
        // The draft read the prompt during prefill, so its first round ran only the new token.
        #expect(stats.draftPrefillSeconds > 0)
        #expect(drafter.session.tokens.starts(with: prompt))
        // The prompt's tokens past the limit are in the head.
        let extra: Set<Int> = Set(drafter.session.headExtra?.ids ?? [])
        let rare: Set<Int> = [limit + 11, limit + 40]
        #expect(extra.isSuperset(of: rare))
    }
}
