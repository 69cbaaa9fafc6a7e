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

    @Test("Cancelling the consuming task stops generation: no pass runs after the current one")
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
        // The stream has ended; the worker may be inside a pass. Wait until its count stops moving.
        let atCancel = model.passesRun
        var passes = atCancel
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(50))
            if model.passesRun == passes { break }
            passes = model.passesRun
        }
        #expect(passes - atCancel <= 1, "\(passes - atCancel) passes after the stream ended")
        #expect(passes < 1 + 400, "generation ran to the end: \(passes) passes")
    }

    @Test("Generations run concurrently on one model give the outputs they give one after another")
    func concurrentGenerations() async throws {
        let model = try Model(path: try TinyModels.path())
        var requests: [(String, GenerationParameters)] = []
        for (i, prompt) in ["the cat", "a dog and a cat", "the cat the cat the", "once upon"].enumerated() {
            var parameters = GenerationParameters(maxTokens: 16)
            parameters.stopAtEndOfGeneration = false
            if i % 2 == 1 { parameters.sampling.temperature = 0.8; parameters.sampling.seed = UInt64(i) }
            if i == 2 { parameters.speculation = Speculation(lookup: true, draftMax: 4) }
            requests.append((prompt, parameters))
        }
        let sequential = try requests.map { try model.runGeneration(model.tokenize($0.0), parameters: $0.1).tokens }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
            for (i, request) in requests.enumerated() {
                group.addTask {
                    var tokens: [Int] = []
                    for try await event in model.generate(request.0, parameters: request.1) {
                        if case .finished(let stats) = event { tokens = stats.tokens }
                    }
                    return (i, tokens)
                }
            }
            var results = [[Int]](repeating: [], count: requests.count)
            for try await (i, tokens) in group { results[i] = tokens }
            return results
        }
        #expect(concurrent == sequential)
        #expect(sequential.allSatisfy { $0.count == 16 })
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
        // Each round is one pass generating its root token and the accepted ones; the last root
        // streams without a pass when it ends the request.
        #expect(rounds > 0 && rounds + accepted == final?.speculative?.generated && (15...16).contains(rounds + accepted))
    }
}
