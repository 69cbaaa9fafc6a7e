import Foundation
import GGUF
import Testing
@testable import Augur

/// Speculative sampling must leave the target's distribution unchanged. On a tiny model the joint
/// distribution of the second and third generated tokens (the ones verification accepts or
/// resamples) is computed exactly by teacher forcing, and each way of generating is checked
/// against it with a chi-square goodness-of-fit test: plain sampling (which checks the exact
/// distribution itself), chains and trees of the target's own top choices (rejected siblings
/// carry real probability), a second tiny model through `DraftModelDrafter`, early exit
/// (`InferenceSession.complete`) and a repetition penalty. Where a deliberately wrong acceptance rule
/// (`AcceptanceRule`) changes the distribution, the case runs again under it with the same seeds
/// and must fail the same test.
@Suite("Speculative sampling keeps the target's distribution", .serialized)
struct SpeculativeSamplingTests {
    /// The comparisons that must pass share a family-wise level of 0.001 (Bonferroni: each is
    /// tested at 0.001 / their number); the wrong rules must exceed the same, stricter, critical value.
    static var alpha: Double { 0.001 / Double(mustPass) }
    /// The cases with the right rule here, and the synthetic target's two (`syntheticRule`).
    static var mustPass: Int { Case.all.filter { $0.rule == .exact }.count + 2 }
    static let runs = 1_500
    static let prompt = [257, 32, 99, 97, 116]

    /// How a case generates.
    enum Drafting: Int, Sendable {
        case plain, targetChain, targetTree, draftModelChain, draftModelTree, earlyExit
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var drafting: Drafting
        var rule = AcceptanceRule.exact
        var penalised = false
        var testDescription: String { "\(drafting)\(penalised ? ", penalised" : ""), \(rule) rule" }

        static let all: [Case] = {
            var cases: [Case] = []
            for (drafting, penalised) in [(Drafting.plain, false), (.targetChain, false), (.targetTree, false), (.draftModelChain, false),
                                          (.draftModelTree, false), (.earlyExit, false), (.plain, true), (.targetTree, true)] {
                cases.append(Case(drafting: drafting, penalised: penalised))
            }
            // Teeth. The unnormalised residual is the exact rule where a node has one child
            // (`unnormalisedChain` checks it), so it runs on trees only; the draft model's chain
            // is left out for time (its tree fails under both wrong rules).
            cases.append(Case(drafting: .targetChain, rule: .keepsRejectedSiblings))
            cases.append(Case(drafting: .earlyExit, rule: .keepsRejectedSiblings))
            for rule in [AcceptanceRule.keepsRejectedSiblings, .unnormalisedResidual] {
                cases.append(Case(drafting: .targetTree, rule: rule))
                cases.append(Case(drafting: .draftModelTree, rule: rule))
                cases.append(Case(drafting: .targetTree, rule: rule, penalised: true))
            }
            return cases
        }()

        /// Seeds depend on what is drafted, not on the rule: a wrong rule sees the same draws.
        var seedBase: UInt64 { UInt64(drafting.rawValue * 2 + (penalised ? 1 : 0)) << 32 }
    }

    static func parameters(penalised: Bool) -> GenerationParameters {
        var parameters = GenerationParameters(maxTokens: 3)
        parameters.stopAtEndOfGeneration = false
        parameters.sampling.temperature = 0.6
        parameters.sampling.topK = 6
        parameters.sampling.topP = 1
        parameters.sampling.minP = 0
        if penalised { parameters.sampling.repetitionPenalty = 1.5 }
        return parameters
    }

    static func target() throws -> Model { try Model(path: try TinyModels.path()) }

    /// The distribution of (token 2, token 3) under plain sampling, by teacher forcing every
    /// first and second token the sampler can choose.
    static func exactPairs(_ model: Model, sampling: SamplingParameters) throws -> [[Int]: Double] {
        let session = try model.makeSession(context: 32)
        let sampler = Sampler(sampling)
        try session.evaluate(prompt)
        var pairs: [[Int]: Double] = [:]
        for (first, p1) in sampler.distribution(try session.logits(), history: prompt) {
            session.truncate(to: prompt.count)
            try session.evaluate([first])
            for (second, p2) in sampler.distribution(try session.logits(), history: prompt + [first]) {
                session.truncate(to: prompt.count + 1)
                try session.evaluate([second])
                for (third, p3) in sampler.distribution(try session.logits(), history: prompt + [first, second]) {
                    pairs[[second, third], default: 0] += p1 * p2 * p3
                }
            }
        }
        return pairs
    }

    /// Counts of (token 2, token 3) over `runs` seeded generations of `c`.
    static func samplePairs(_ c: Case, model: Model) throws -> (pairs: [[Int]: Int], drafted: Int, accepted: Int, drafter: (any Drafter)?) {
        var parameters = Self.parameters(penalised: c.penalised)
        parameters.acceptanceRule = c.rule
        let session = try model.makeSession(context: 32)
        var drafter: (any Drafter)?
        switch c.drafting {
        case .plain: drafter = nil
        case .targetChain, .targetTree: drafter = try TargetChoicesDrafter(target: model)
        case .draftModelChain, .draftModelTree:
            // A whole model of another seed is almost never accepted (0 of 6,000 chain drafts): the
            // draft is the target with a quarter of its last attention output's rows redrawn.
            let path = try TinyModels.perturbed(RandomModel(), redrawn: ["blk.1.attn_output.weight": 0.25], seed: 2, name: "draft")
            let draft = try DraftModelDrafter(draft: try Model(path: path), target: model, context: 32)
            // Siblings at every node, however sure the draft is.
            draft.sureProbability = 1.1
            drafter = draft
        case .earlyExit: drafter = CountingEarlyExitDrafter(exitLayer: 1)
        }
        let width = [.targetTree, .draftModelTree].contains(c.drafting) ? 3 : 1
        let shape = DraftShape(depth: 2, width: width, nodes: width == 1 ? 2 : 12)
        var pairs: [[Int]: Int] = [:], drafted = 0, accepted = 0
        for run in 0..<runs {
            parameters.sampling.seed = c.seedBase + UInt64(run)
            session.truncate(to: 0)
            let tokens: [Int]
            if drafter != nil {
                let (result, stats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter!, shape: shape, session: session)
                tokens = result.tokens
                drafted += stats.drafted
                accepted += stats.accepted
            } else {
                tokens = try model.runGeneration(prompt, parameters: parameters, session: session).tokens
            }
            pairs[[tokens[1], tokens[2]], default: 0] += 1
        }
        return (pairs, drafted, accepted, drafter)
    }

    @Test("The target spreads its probability over its first choices, and the penalty changes the distribution")
    func setting() throws {
        let model = try Self.target()
        let sampling = Self.parameters(penalised: false).sampling, sampler = Sampler(sampling)
        // The probability of the target's 1st, 2nd and 3rd choice (by logit) for token 2, on average.
        let session = try model.makeSession(context: 32)
        try session.evaluate(Self.prompt)
        var mass = [0.0, 0.0, 0.0]
        for (first, p1) in sampler.distribution(try session.logits(), history: Self.prompt) {
            session.truncate(to: Self.prompt.count)
            try session.evaluate([first])
            let logits = try session.logits(), q = sampler.distribution(logits, history: Self.prompt + [first])
            let best = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(3)
            for (i, id) in best.enumerated() { mass[i] += p1 * (q.first { $0.id == id }?.probability ?? 0) }
        }
        let plain = try Self.exactPairs(model, sampling: sampling)
        let penalised = try Self.exactPairs(model, sampling: Self.parameters(penalised: true).sampling)
        let variation = Set(plain.keys).union(penalised.keys).reduce(0.0) { $0 + abs((plain[$1] ?? 0) - (penalised[$1] ?? 0)) } / 2
        print("token 2's first three choices: \(mass.map { String(format: "%.3f", $0) }); the penalty moves \(String(format: "%.3f", variation)) of the pairs' mass")
        #expect(mass[0] < 0.7 && mass[1] > 0.15 && mass[2] > 0.05)
        #expect(variation > 0.1)
    }

    @Test("The joint distribution of tokens 2 and 3 fits the target's exactly with the right rule, and not with a wrong one",
          arguments: Case.all)
    func jointDistribution(_ c: Case) throws {
        let model = try Self.target()
        let exact = try Self.exactPairs(model, sampling: Self.parameters(penalised: c.penalised).sampling)
        let start = Date()
        let (pairs, drafted, accepted, drafter) = try Self.samplePairs(c, model: model)
        let result = ChiSquare.goodnessOfFit(pairs, expected: exact, alpha: Self.alpha)
        print("\(c.testDescription): \(result); \(accepted)/\(drafted) drafts accepted; \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        if c.rule == .exact {
            #expect(!result.rejects, "\(result)")
        } else {
            #expect(result.rejects, "a wrong rule passed: \(result)")
        }
        if c.drafting != .plain {
            // Verification both accepts and rejects, so both of the rule's paths are tested.
            #expect(accepted > 0 && accepted < drafted)
        }
        if let earlyExit = drafter as? CountingEarlyExitDrafter {
            // Every drafted round's verification completed the early layers it left.
            #expect(earlyExit.completedRounds > 0 && earlyExit.completedRounds == earlyExit.draftedRounds)
            print("early exit: \(earlyExit.completedRounds) of \(earlyExit.draftedRounds) drafted rounds verified by completing their partial pass")
        }
    }
}
