import Foundation
import GGUF
import Testing
@testable import Augur

@Suite("Speculative decoding continuing a conversation")
struct SpeculativeConversationTests {
    /// Runs `turns` through one session as `augur chat` does: before each turn the session keeps
    /// the conversation's longest cached prefix and `reply` evaluates the rest.
    static func converse(_ turns: [[Int]], session: InferenceSession, reply: ([Int]) throws -> [Int]) throws -> [[Int]] {
        var conversation: [Int] = [], replies: [[Int]] = []
        for turn in turns {
            conversation += turn
            let shared = zip(conversation, session.tokens).prefix { $0 == $1 }.count
            session.truncate(to: min(shared, conversation.count - 1))
            let tokens = try reply(Array(conversation[session.tokens.count...]))
            replies.append(tokens)
            conversation += tokens
        }
        return replies
    }

    @Test("Later turns equal plain decoding's, and the drafter reads the whole conversation (a model drafting for itself is never wrong)")
    func laterTurns() throws {
        var random = RandomModel()
        (random.hidden, random.feedForward, random.layers) = (256, 512, 3)
        let model = try Model(path: try TinyModels.path(random, name: "pair-target"))
        var parameters = GenerationParameters(maxTokens: 12)
        parameters.stopAtEndOfGeneration = false
        let turns = [[257, 32, 99, 97, 116], [258, 40, 41, 120], [259, 99, 97, 116, 33]]
        let plainSession = try model.makeSession(context: 256)
        let expected = try Self.converse(turns, session: plainSession) {
            try model.runGeneration($0, parameters: parameters, session: plainSession).tokens
        }
        let session = try model.makeSession(context: 256)
        var drafter = try DraftModelDrafter(draft: model, target: model)
        var turn = 0
        let speculative = try Self.converse(turns, session: session) {
            let (result, stats) = try model.runSpeculativeGeneration($0, parameters: parameters, drafter: &drafter, shape: .chain(4),
                                                                     session: session)
            #expect(stats.drafted > 0 && stats.accepted == stats.drafted, "turn \(turn): \(stats.accepted) of \(stats.drafted) accepted")
            turn += 1
            return result.tokens
        }
        #expect(speculative == expected)
    }
}
