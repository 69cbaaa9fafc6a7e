import Foundation
import GGUF
import Testing
import Augur

@Suite("Prefill and decode on tiny random models")
struct BatchInvarianceTests {
    @Test("Prefill in one batch, in batches of 3 and token by token give bit-identical rows of logits", arguments: [TensorType.q8_0, .q4_K])
    func prefillEqualsDecode(type: TensorType) throws {
        let random = TinyModels.wide(type)
        let model = try Model(path: try TinyModels.path(random, name: "invariance"))
        let tokens = [257, 32, 99, 97, 116, 258, 40, 41, 120, 121, 122]
        let whole = try LogitRows.of(model, tokens, chunk: tokens.count)
        LogitRows.expectEqual(try LogitRows.of(model, tokens, chunk: 3), whole, "batches of 3")
        LogitRows.expectEqual(try LogitRows.of(model, tokens, chunk: 1), whole, "token by token")
        let all = try model.makeSession(context: 64).score(tokens, topK: 1)
        let split = try model.makeSession(context: 64, batch: 3).score(tokens, topK: 1)
        #expect(all.negativeLogLikelihoods == split.negativeLogLikelihoods)
    }

    @Test("A pass recorded once and submitted again gives a freshly recorded pass's bits; new extra head rows record anew")
    func recordedPasses() throws {
        let model = try Model(path: try TinyModels.path())
        let readout = InferenceSession.Readout(headRows: 200)
        let replayed = try model.makeSession(context: 64, readout: readout)
        let fresh = try model.makeSession(context: 64, readout: readout)
        fresh.profiling = true  // a profiled pass is recorded every time
        let tokens = [257, 32, 99, 97, 116, 32, 104, 101, 32, 99]
        for (i, token) in tokens.enumerated() {
            if i == 5 {
                try replayed.extendHead(with: [257])
                try fresh.extendHead(with: [257])
            }
            let a = try replayed.evaluate([token], topK: 3)[0], b = try fresh.evaluate([token], topK: 3)[0]
            #expect(a.argmax == b.argmax && a.top.map(\.logit.bitPattern) == b.top.map(\.logit.bitPattern), "token \(i)")
            #expect(try replayed.logits().map(\.bitPattern) == fresh.logits().map(\.bitPattern), "token \(i): whole row")
            #expect(a.top.allSatisfy { $0.id < 200 || (i >= 5 && $0.id == 257) }, "token \(i) within the head")
            if i >= 5 { #expect(try replayed.logits()[257] > -.infinity, "token \(i): the extra row is computed") }
        }
        // A batch of another shape in between, then single tokens again.
        let batchA = try replayed.evaluate([97, 116], allPositions: true, topK: 2)
        let batchB = try fresh.evaluate([97, 116], allPositions: true, topK: 2)
        #expect(batchA.map { $0.top.map(\.logit.bitPattern) } == batchB.map { $0.top.map(\.logit.bitPattern) })
        #expect(try replayed.evaluate([32])[0].argmax == fresh.evaluate([32])[0].argmax)
    }

    @Test("Truncating the session and re-evaluating reproduces the same predictions")
    func truncateAndReplay() throws {
        let model = try Model(path: try TinyModels.path())
        let session = try model.makeSession(context: 64)
        let first = try session.evaluate([257, 32, 99, 97], allPositions: true, topK: 3)
        let firstLastRow = try session.logits(row: 3).map(\.bitPattern)
        session.truncate(to: 2)
        let again = try session.evaluate([99, 97], allPositions: true, topK: 3)
        #expect(again.map(\.argmax) == Array(first.suffix(2)).map(\.argmax))
        #expect(again.map { $0.top.map(\.logit) } == Array(first.suffix(2)).map { $0.top.map(\.logit) })
        #expect(try session.logits(row: 1).map(\.bitPattern) == firstLastRow)
    }
}
