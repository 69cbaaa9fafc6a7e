import Augur
import Foundation
import Testing

/// Uses only the public API, as another package would.
@Suite("The public Swift API")
struct PublicAPITests {
    @Test("Streaming generation yields tokens, then stats equal to the blocking loop's, and a seed makes sampling reproducible")
    func streaming() async throws {
        let model = try Model(path: try TinyModels.path())
        var parameters = GenerationParameters(maxTokens: 12)
        parameters.stopAtEndOfGeneration = false
        var ids: [Int] = []
        var final: GenerationStats?
        for try await event in model.generate("the cat", parameters: parameters) {
            switch event {
            case .token(let id, _): if id >= 0 { ids.append(id) }
            case .finished(let stats): final = stats
            case .round: Issue.record("plain decoding has no verification rounds")
            }
        }
        #expect(ids.count == 12)
        #expect(final?.tokens == ids)
        #expect(final?.stopReason == .maxTokens)
        let blocking = try model.runGeneration(model.tokenize("the cat"), parameters: parameters) { _ in }
        #expect(blocking.tokens == ids)

        parameters.sampling.temperature = 0.9
        parameters.sampling.seed = 42
        let a = try model.runGeneration(model.tokenize("the cat"), parameters: parameters) { _ in }
        let b = try model.runGeneration(model.tokenize("the cat"), parameters: parameters) { _ in }
        #expect(a.tokens == b.tokens)
    }

    @Test("Cancelling the consuming task stops generation")
    func cancellation() async throws {
        let model = try Model(path: try TinyModels.path())
        var parameters = GenerationParameters(maxTokens: 400)
        parameters.stopAtEndOfGeneration = false
        let task = Task {
            var count = 0
            for try await event in model.generate("the", parameters: parameters) {
                if case .token = event { count += 1 }
                if count == 3 { break }
            }
            return count
        }
        #expect(try await task.value == 3)
    }

    @Test("Speculation is a field of the parameters: the stream reports each round's accepted tokens and the same text")
    func speculativeStream() async throws {
        let model = try Model(path: try TinyModels.path())
        var parameters = GenerationParameters(maxTokens: 16)
        parameters.stopAtEndOfGeneration = false
        let plain = try model.runGeneration(model.tokenize("the cat the cat the cat"), parameters: parameters)
        parameters.speculation = Speculation(lookup: true, draftMax: 4)
        var ids: [Int] = [], rounds = 0, accepted = 0
        var final: GenerationStats?
        for try await event in model.generate("the cat the cat the cat", parameters: parameters) {
            switch event {
            case .token(let id, _): if id >= 0 { ids.append(id) }
            case .round(_, let n): rounds += 1; accepted += n
            case .finished(let stats): final = stats
            }
        }
        #expect(ids == plain.tokens)
        #expect(final?.speculative?.rounds == rounds && final?.speculative?.accepted == accepted)
        #expect(rounds > 0 && rounds + accepted == 16)
    }
}
