import Foundation
import GGUF
import Testing
@testable import Augur

/// A drafter that proposes a fixed continuation: the right one (everything accepted) or a wrong
/// one (everything rejected), to drive both paths of verification and rollback.
struct ScriptedDrafter: Drafter {
    var script: [Int]
    var corrupt: Bool
    let name = "scripted"

    mutating func propose(after context: [Int], limit: Int) -> [Int] {
        let done = context.count - promptLength
        let tail = script.dropFirst(done).prefix(limit).map { corrupt ? ($0 + 1) % 256 : $0 }
        return Array(tail)
    }
    var promptLength: Int
}

@Suite("Speculative decoding equals plain greedy decoding")
struct SpeculativeTests {
    static func plain(_ model: Model, _ prompt: [Int], _ n: Int) throws -> [Int] {
        var p = GenerationParameters(maxTokens: n)
        p.stopAtEndOfGeneration = false
        return try model.runGeneration(prompt, parameters: p) { _ in }.tokens
    }

    @Test("Prompt lookup, a perfect drafter and a wrong drafter all give plain greedy's tokens on a tiny model", arguments: [TensorType.q8_0, .q4_K])
    func tinyModel(type: TensorType) throws {
        let random = TinyModels.wide(type)
        let model = try Model(path: try TinyModels.path(random, name: "speculative"))
        let prompt = [257, 32, 99, 97, 116, 258, 99, 97, 116, 32, 99, 97, 116]
        let n = 40
        let expected = try Self.plain(model, prompt, n)
        var parameters = GenerationParameters(maxTokens: n)
        parameters.stopAtEndOfGeneration = false
        for limit in [1, 3, 8] {
            var lookup = PromptLookupDrafter()
            let (viaLookup, _) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &lookup, shape: .chain(limit))
            #expect(viaLookup.tokens == expected, "lookup, draft \(limit)")
            var perfect = ScriptedDrafter(script: expected, corrupt: false, promptLength: prompt.count)
            let (viaPerfect, stats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &perfect, shape: .chain(limit))
            #expect(viaPerfect.tokens == expected, "perfect, draft \(limit)")
            #expect(stats.accepted == stats.drafted && stats.rounds == (n + limit) / (limit + 1))
            var adaptiveLookup = PromptLookupDrafter()
            let (viaAdaptive, _) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &adaptiveLookup,
                                                                      shape: .chain(limit), adaptive: true)
            #expect(viaAdaptive.tokens == expected, "adaptive lookup, draft \(limit)")
            var wrong = ScriptedDrafter(script: expected, corrupt: true, promptLength: prompt.count)
            let (viaWrong, wrongStats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &wrong, shape: .chain(limit))
            #expect(viaWrong.tokens == expected, "wrong, draft \(limit)")
            // A round a token; the last token is a root that ends the request without a pass.
            #expect(wrongStats.accepted == 0 && wrongStats.rounds == n - 1)
        }
    }

    @Test("Prompt lookup on SmolLM2 gives plain greedy's tokens and accepts drafts")
    func smolLM2() throws {
        let path = try ModelFiles.path("smollm2-135m")
        let model = try Model(path: path)
        let prompt = model.tokenize("def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n\ndef mul(a, b):\n")
        let expected = try Self.plain(model, prompt, 24)
        var parameters = GenerationParameters(maxTokens: 24)
        parameters.stopAtEndOfGeneration = false
        var lookup = PromptLookupDrafter()
        let (result, stats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &lookup, shape: .chain(8))
        print("smollm2 lookup: \(stats.rounds) rounds for \(result.tokens.count) tokens, \(stats.accepted)/\(stats.drafted) drafts accepted")
        #expect(result.tokens == expected)
        #expect(stats.accepted > 0)
    }

    @Test("Prompt lookup proposes what followed the most recent match of the longest suffix")
    func lookup() {
        var drafter = PromptLookupDrafter(maximumMatch: 3)
        #expect(drafter.propose(after: [1, 2, 3, 9, 9, 1, 2, 3], limit: 2) == [9, 9])
        #expect(drafter.propose(after: [5, 1, 7, 1], limit: 4) == [7, 1])
        #expect(drafter.propose(after: [1, 2, 3], limit: 4) == [])
    }
}

@Suite("Draft-model speculation")
struct DraftModelTests {
    @Test("A smaller random draft model gives plain greedy's tokens at every draft length")
    func tinyPair() throws {
        var target = RandomModel()
        target.hidden = 256
        target.feedForward = 512
        target.layers = 3
        var draft = RandomModel()
        draft.seed = 9
        let targetModel = try Model(path: try TinyModels.path(target, name: "pair-target"))
        let draftModel = try Model(path: try TinyModels.path(draft, name: "pair-draft"))
        let prompt = [257, 32, 99, 97, 116]
        let expected = try SpeculativeTests.plain(targetModel, prompt, 30)
        var parameters = GenerationParameters(maxTokens: 30)
        parameters.stopAtEndOfGeneration = false
        for limit in [1, 4, 8] {
            var drafter = try DraftModelDrafter(draft: draftModel, target: targetModel)
            let (result, stats) = try targetModel.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: .chain(limit))
            #expect(result.tokens == expected, "draft \(limit)")
            // Every round generates its root and what it accepted; a root that ends the request runs no pass.
            #expect(stats.generated == stats.rounds + stats.accepted && (29...30).contains(stats.generated))
        }
        // The draft model drafting for itself is always right.
        var selfDrafter = try DraftModelDrafter(draft: targetModel, target: targetModel)
        let (own, ownStats) = try targetModel.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &selfDrafter, shape: .chain(5))
        #expect(own.tokens == expected && ownStats.accepted == ownStats.drafted)
    }

    @Test("A draft model requantized at load holds matrices of that type and still gives plain greedy's tokens",
          arguments: WeightRequantization.allCases)
    func requantizedDraft(_ requantization: WeightRequantization) throws {
        var target = RandomModel()
        (target.hidden, target.feedForward, target.layers) = (256, 512, 3)
        let path = try TinyModels.path(target, name: "pair-target")
        let targetModel = try Model(path: path)
        let draftModel = try Model(path: path, requantization: requantization)
        let weights = draftModel.weights
        let types = [weights.embedding.type, weights.output.type] + weights.layers.flatMap { layer in
            (layer.queryKeyValue.parts + layer.gateUp.parts).map(\.matrix.type) + [layer.output.type, layer.down.type]
        }
        #expect(Set(types) == [requantization.type] && draftModel.requantization == requantization)
        #expect(targetModel.weights.layers[0].down.type == .q8_0)
        let prompt = [257, 32, 99, 97, 116]
        let expected = try SpeculativeTests.plain(targetModel, prompt, 30)
        var parameters = GenerationParameters(maxTokens: 30)
        parameters.stopAtEndOfGeneration = false
        // The target's own weights at 4 bits: close, not equal, so some drafts fail; the output may not change.
        var drafter = try DraftModelDrafter(draft: draftModel, target: targetModel)
        let (result, stats) = try targetModel.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: .chain(4))
        #expect(result.tokens == expected)
        #expect(stats.accepted > 0)
        print("\(requantization) self-draft: \(stats.accepted)/\(stats.drafted) accepted")
    }

    @Test("A draft model with another vocabulary is refused with a clear error")
    func incompatible() throws {
        let target = try Model(path: try TinyModels.path())
        let path = try ModelFiles.path("smollm2-135m")
        #expect {
            _ = try DraftModelDrafter(draft: Model(path: path), target: target)
        } throws: { "\($0)".contains("cannot draft for the target") }
    }
}

@Suite("Draft-model speculation on the Qwen2.5-Coder pair", .serialized)
struct QwenPairTests {
    @Test("Qwen2.5-Coder-0.5B drafting for 1.5B gives the 1.5B model's greedy tokens")
    func qwenPair() throws {
        let targetPath = try ModelFiles.path("qwen2.5-coder-1.5b"), draftPath = try ModelFiles.path("qwen2.5-coder-0.5b")
        let target = try Model(path: targetPath)
        let prompt = try target.tokenize(target.chatPrompt([ChatMessage(role: .user, content: "Write a Python function that checks whether a number is prime.")]))
        let expected = try SpeculativeTests.plain(target, prompt, 10)
        var parameters = GenerationParameters(maxTokens: 10)
        parameters.stopAtEndOfGeneration = false
        var drafter = try DraftModelDrafter(draft: Model(path: draftPath), target: target)
        let (result, stats) = try target.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: .chain(4))
        print("qwen pair: \(stats.accepted)/\(stats.drafted) accepted, \(stats.rounds) rounds for \(result.tokens.count) tokens")
        #expect(result.tokens == expected)
    }
}

@Suite("Online n-gram pool")
struct NGramPoolTests {
    @Test("The pool learns continuations, forgets past its capacity, and drafts a repeated request fully")
    func learns() throws {
        let pool = NGramPool(order: 2, capacity: 3)
        pool.learn([1, 2, 3, 4, 5, 6])
        #expect(pool.count == 3)
        #expect(pool.predict(after: [9, 3, 4], limit: 5) == [5, 6])
        #expect(pool.predict(after: [1, 2], limit: 5) == [])  // (1, 2) was forgotten

        let model = try Model(path: try TinyModels.path())
        let prompt = [257, 32, 99, 97, 116]
        let expected = try SpeculativeTests.plain(model, prompt, 24)
        var parameters = GenerationParameters(maxTokens: 24)
        parameters.stopAtEndOfGeneration = false
        var drafter = NGramPoolDrafter(pool: NGramPool(order: 3))
        let (first, firstStats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: .chain(6))
        let (second, secondStats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: .chain(6))
        #expect(first.tokens == expected && second.tokens == expected)
        #expect(secondStats.accepted > firstStats.accepted)
        #expect(secondStats.rounds < firstStats.rounds)
    }
}

@Suite("Adaptive draft length")
struct DraftLengthPolicyTests {
    @Test("A concave verify-cost curve (lavapipe's: the first extra column costs most) is fitted as such, a straight one as a line")
    func concaveCost() throws {
        var concave = DraftLengthPolicy(maximum: 8), straight = DraftLengthPolicy(maximum: 8)
        let curve = { (k: Int) in 0.1 * (1 + 0.8 * log(1 + Double(k))) }
        for k in [8, 1, 4, 0, 2, 8] {
            concave.record(drafted: k, accepted: k, seconds: curve(k))
            straight.record(drafted: k, accepted: k, seconds: 0.1 * (1 + 0.3 * Double(k)))
        }
        for k in [1, 3, 8] {
            #expect(abs(try #require(concave.cost(k)) - curve(k)) < 1e-3 * curve(k), "k = \(k)")
            #expect(abs(try #require(straight.cost(k)) - 0.1 * (1 + 0.3 * Double(k))) < 1e-6, "k = \(k)")
        }
    }

    @Test("Acceptance is estimated per drafted position: short drafts accepted whole count as successes, not as half")
    func acceptanceEstimate() {
        var short = DraftLengthPolicy(maximum: 8), long = DraftLengthPolicy(maximum: 8)
        for _ in 0..<40 {
            short.record(drafted: 1, accepted: 1, seconds: 0.1)
            long.record(drafted: 8, accepted: 4, seconds: 0.2)  // 4 accepted, the 5th rejected
        }
        #expect(short.acceptance > 0.9)
        #expect(abs(long.acceptance - 0.8) < 0.02)
    }

    @Test("A measured verify-cost curve is scaled by the rounds' own times, and times that include compiling are left out")
    func curveScaling() throws {
        let relative = [1.0, 1.6, 1.9, 2.2, 2.5, 2.7, 2.9, 3.1, 3.3]
        var policy = DraftLengthPolicy(maximum: 8, relativeCost: relative)
        #expect(policy.cost(0) == nil)
        policy.record(drafted: 2, accepted: 2, seconds: 0.2 * 1.9)
        policy.record(drafted: 0, accepted: 0, seconds: 0.2)
        policy.record(drafted: 4, accepted: 1, seconds: 0.2 * 2.5)
        policy.record(drafted: 8, accepted: 8, seconds: nil)  // compiled a kernel: not a sample
        for k in [0, 3, 8] { #expect(abs(try #require(policy.cost(k)) - 0.2 * relative[k]) < 1e-9, "k = \(k)") }
        // The curve itself: linear between measured pass sizes and past the last.
        let curve = VerifyCostCurve(tokens: [1, 2, 3, 5, 9], ratios: [1, 1.6, 1.9, 2.5, 3.3])
        #expect(curve.relative(drafted: 0) == 1 && curve.relative(drafted: 2) == 1.9)
        #expect(abs(curve.relative(drafted: 3) - 2.2) < 1e-12 && abs(curve.relative(drafted: 12) - 4.1) < 1e-12)
        #expect(VerifyCostCurve.passSizes(maximum: 8) == [1, 2, 3, 5, 9] && VerifyCostCurve.passSizes(maximum: 12) == [1, 2, 3, 5, 9, 13])
    }

    @Test("Measured whole rounds overrule the model: a length that really gave more tokens per second is chosen")
    func realizedRounds() {
        var policy = DraftLengthPolicy(maximum: 8, initialAcceptance: 0.5)
        // First the maximum, while no whole round at it has been measured.
        #expect(policy.choose() == 8)
        // Then the model alone: acceptance 0.5 and verification that grows fast say plain decoding.
        for k in [0, 4, 0, 4, 0, 4] { policy.record(drafted: k, accepted: k == 4 ? 1 : 0, seconds: 0.1 * (1 + 0.5 * Double(k))) }
        #expect(policy.choose() == 0)
        // Rounds at 4 that gave 4.5 tokens in 0.3 s (15/s) against plain's 10/s.
        for _ in 0..<3 {
            policy.record(drafted: 4, accepted: 4, seconds: 0.2)  // a drafting round first, so the next counts
            policy.recordRound(cap: 4, tokens: 5, seconds: 0.3)
            policy.recordRound(cap: 0, tokens: 1, seconds: 0.1)
        }
        #expect(policy.choose() == 4)
    }

    @Test("Probes that confirm drafting does not pay come more rarely (the wait doubles, at most 64 rounds)")
    func probesBackOff() {
        var policy = DraftLengthPolicy(maximum: 8, initialAcceptance: 0.3)
        // Six measured rounds end the exploration at the maximum.
        for k in [8, 4, 1, 0, 0, 0] { policy.record(drafted: k, accepted: 0, seconds: 0.1 * (1 + Double(k))) }
        var probes: [Int] = [], lengths: Set<Int> = []
        for round in 0..<200 {
            let k = policy.choose()
            if k > 0 { probes.append(round); lengths.insert(k) }
            policy.record(drafted: k, accepted: 0, seconds: 0.1 * (1 + Double(k)))
        }
        let gaps = zip(probes.dropFirst(), probes).map { $0 - $1 }
        #expect(probes.count >= 3)
        // A probe drafts two tokens (enough to measure acceptance again); a fit that has forgotten
        // drafting may also try one.
        #expect(lengths.contains(2) && lengths.isSubset(of: [1, 2]), "\(lengths)")
        // Once every cost sample in the window is an idle round the fit forgets what drafting
        // cost and explores on its own, so waits also restart; they still grow past the first.
        #expect(gaps.max()! > gaps.first! && gaps.allSatisfy { $0 <= 65 }, "\(gaps)")
    }

    @Test("Expensive extra columns drive the draft length down; cheap ones and high acceptance drive it up")
    func choice() {
        var lavapipe = DraftLengthPolicy(maximum: 8, initialAcceptance: 0.6)
        var gpu = DraftLengthPolicy(maximum: 8, initialAcceptance: 0.9)
        #expect(lavapipe.choose() == 8)  // explores before it has measured anything
        for k in [8, 2, 4, 1, 8, 0] {
            lavapipe.record(drafted: k, accepted: k / 2, seconds: 0.1 * (1 + 0.6 * Double(k)))
            gpu.record(drafted: k, accepted: k, seconds: 0.1 * (1 + 0.02 * Double(k)))
        }
        #expect(lavapipe.choose() <= 1)
        #expect(gpu.choose() == 8)
        // Trees: the same costs keep the likeliest nodes only where columns are expensive.
        var tree = DraftTree(chain: [1, 2, 3, 4], probabilities: [0.9, 0.8, 0.5, 0.3])
        tree.insert([5, 6], probabilities: [0.3, 0.2])
        tree.insert([1, 7], probabilities: [0.9, 0.1])
        #expect(gpu.choose(tree).count >= 6, "all but nodes worth less than their column")
        let pruned = lavapipe.choose(tree)
        #expect(pruned.count <= 2 && pruned.tokens.starts(with: pruned.isEmpty ? [] : [1]))
        // Drafting already spent is part of the round: after a long draft, more of it is worth verifying.
        #expect(lavapipe.choose(tree, drafting: 10).count > pruned.count)
        // Drafting cost counts too: a drafter as slow as a target pass is not worth it here.
        var slowDrafts = gpu
        slowDrafts.recordDrafting(tokens: 4, seconds: 4 * 10)
        #expect(slowDrafts.draftSecondsPerToken == 0, "right after a round without drafts, drafting also caught up: not counted")
        slowDrafts.record(drafted: 8, accepted: 8, seconds: 0.1 * (1 + 0.02 * 8))
        for _ in 0..<20 { slowDrafts.recordDrafting(tokens: 4, seconds: 4 * 0.1) }
        #expect(slowDrafts.choose() < 8)
    }

    @Test("A drafter that ends its paths by the stop rule runs at the maximum or not at all; a lower cap is for the others")
    func informedCap() {
        // Acceptance ~0.7 and verification 15% dearer per column: modelled, 3 or 4 tokens a round pay best.
        var plain = DraftLengthPolicy(maximum: 8), informed = DraftLengthPolicy(maximum: 8)
        informed.stopRuleTrims = true
        for (k, accepted) in [(4, 2), (2, 1), (4, 2), (1, 1), (4, 2), (8, 5)] {
            let seconds = 0.1 * (1 + 0.15 * Double(k))
            plain.record(drafted: k, accepted: accepted, seconds: seconds)
            informed.record(drafted: k, accepted: accepted, seconds: seconds)
        }
        #expect((2...5).contains(plain.choose()), "\(plain.choose())")
        // With probabilities, the stop rule ends each draft where the drafter becomes unsure.
        #expect(informed.choose() == 8)
        // Whole rounds at the maximum that gave half plain decoding's tokens per second: a bad start
        // of a few rounds does not stop it, `roundsToStop` (16) do; then it probes, at the maximum.
        for round in 0..<DraftLengthPolicy.roundsToStop {
            #expect(informed.choose() == 8, "round \(round)")
            informed.record(drafted: 8, accepted: 1, seconds: 0.2)
            informed.recordRound(cap: 8, tokens: 2, seconds: 0.4)
        }
        for _ in 0..<2 { informed.recordRound(cap: 0, tokens: 1, seconds: 0.1) }
        #expect(informed.choose() == 0)
        var waited = 0
        while informed.choose() == 0 && waited < 100 { informed.record(drafted: 0, accepted: 0, seconds: 0.1); waited += 1 }
        #expect(informed.choose() == 8 && waited == informed.probeInterval, "\(waited)")
        // A probe that does not pay keeps it waiting; one that pays brings it back at once, though
        // with the bad rounds its record at the maximum is still below plain decoding's.
        var resumed = informed
        informed.record(drafted: 1, accepted: 0, seconds: 0.2)
        informed.recordRound(cap: 8, tokens: 1, seconds: 0.4)
        #expect(informed.choose() == 0)
        resumed.record(drafted: 8, accepted: 8, seconds: 0.2)
        resumed.recordRound(cap: 8, tokens: 9, seconds: 0.5)
        #expect(resumed.choose() == 8)
        // Its chains are kept whole (the stop rule ended them); trees are still pruned.
        let chain = DraftTree(chain: [1, 2, 3, 4], probabilities: [0.9, 0.8, 0.5, 0.3])
        var tree = chain
        tree.insert([5, 6], probabilities: [0.3, 0.2])
        #expect(chain.isChain && !tree.isChain)
        #expect(informed.choose(chain).count == 4 && plain.choose(chain).count < 4)
        #expect(informed.choose(tree).count < tree.count)
        // A combination drafts at the maximum when one of its members ends paths by the stop rule.
        #expect(!CombinedDrafter([PromptLookupDrafter()]).endsPathsByStopRule)
        #expect(CombinedDrafter([PromptLookupDrafter(), EarlyExitDrafter(exitLayer: 1)]).endsPathsByStopRule)
    }

    @Test("In a combination's tree the stop-rule member's chain stays whole; only the other members' nodes are pruned")
    func combinedTreeKeepsTheStopRuleChain() {
        var plain = DraftLengthPolicy(maximum: 8), combined = DraftLengthPolicy(maximum: 8)
        combined.stopRuleTrims = true
        // Verification 60% dearer per column, acceptance about one half: few nodes pay.
        for k in [8, 2, 4, 1, 8, 0] {
            plain.record(drafted: k, accepted: k / 2, seconds: 0.1 * (1 + 0.6 * Double(k)))
            combined.record(drafted: k, accepted: k / 2, seconds: 0.1 * (1 + 0.6 * Double(k)))
        }
        // The draft model's chain, then prompt lookup's proposal (no probabilities) sharing its
        // first token: the shared node keeps the draft model's probability.
        var tree = DraftTree(chain: [1, 2, 3, 4], probabilities: [0.9, 0.8, 0.5, 0.3])
        tree.insert([1, 7, 8, 9])
        #expect(tree.probabilities == [0.9, 0.8, 0.5, 0.3, 1, 1, 1])
        let kept = combined.choose(tree)
        #expect(CombinedDrafter.matched([1, 2, 3, 4], in: kept) == 4)
        #expect(kept.count < tree.count, "lookup's nodes compete: \(kept.tokens)")
        #expect(CombinedDrafter.matched([1, 2, 3, 4], in: plain.choose(tree)) < 4)
        // Two stop-rule chains are not one path: everything competes.
        var two = DraftTree(chain: [1, 2, 3, 4], probabilities: [0.9, 0.8, 0.5, 0.3])
        two.insert([5, 6], probabilities: [0.3, 0.2])
        #expect(combined.choose(two).count < two.count)
        // A drafter's probability of 1 is stored just below it (1 stands for "cannot say").
        #expect(DraftTree(chain: [3], probabilities: [1]).probabilities == [DraftTree.mostLikely])
        var other = DraftTree(chain: [1, 2])
        other.insert([1, 2], probabilities: [0.4, 0.6])
        #expect(other.probabilities == [0.4, 0.6])
    }

    @Test("A draft model stops a path by SpecDec++'s rule once a rejection becomes likely")
    func stopRule() throws {
        let target = try Model(path: try TinyModels.path())
        var draftRandom = RandomModel()
        draftRandom.seed = 9
        let draft = try DraftModelDrafter(draft: Model(path: try TinyModels.path(draftRandom, name: "stop-draft")), target: target)
        let context = [257, 32, 99, 97, 116]
        let full = try draft.proposeTree(after: context, shape: DraftShape(depth: 6))
        let stopped = try draft.proposeTree(after: context, shape: DraftShape(depth: 6, stopProbability: 0))
        #expect(full.count == 6)
        #expect(stopped.count == 1 && stopped.tokens[0] == full.tokens[0], "a random model is never certain")
        #expect(full.probabilities.allSatisfy { $0 > 0 && $0 < 1 })
        let wide = try draft.proposeTree(after: context, shape: DraftShape(depth: 3, width: 3))
        #expect(wide.depth == 3 && wide.count > 3, "unsure steps branch into siblings")
    }

    @Test("Early exit's draft probabilities are the softmax of its early-exit logits")
    func earlyExitProbabilities() throws {
        let model = try Model(path: try TinyModels.path())
        let context = [257, 32, 99, 97, 116]
        let drafting = try model.makeSession(), reference = try model.makeSession()
        try drafting.evaluate(Array(context.dropLast()))
        var drafter = EarlyExitDrafter(exitLayer: 1)
        let proposal = try drafter.draft(after: context, shape: DraftShape(depth: 1), target: drafting)
        let tree = proposal.tree
        try reference.evaluate(Array(context.dropLast()))
        let prediction = try #require(try reference.evaluate([context.last!], exitAfter: 1).1)
        let logits = try reference.logits(), top = Double(logits[prediction.argmax])
        let want = 1 / logits.reduce(0.0) { $0 + exp(Double($1) - top) }
        #expect(tree.tokens == [prediction.argmax])
        #expect(abs(tree.probabilities[0] - want) <= 1e-5 * want, "\(tree.probabilities[0]) against \(want)")
        #expect(!drafting.readout.probabilities, "verification passes go without denominators")
        // The proposal carries the chain's early layers: the root and the drafted token.
        #expect(proposal.precomputed?.tokens == [context.last!, prediction.argmax] && drafting.tokens == context.dropLast())
    }
}

@Suite("Verify cost")
struct VerifyCostTests {
    @Test("The verify-cost curve has a point per token count and refuses counts outside 1...64")
    func curve() throws {
        let model = try Model(path: try TinyModels.path())
        let cost = try model.verifyCost(after: [257, 32, 99], tokens: [2, 5], repeats: 1)
        #expect(cost.points.map(\.tokens) == [2, 5])
        #expect(cost.points.allSatisfy { $0.seconds > 0 && $0.ratio > 0 })
        #expect(throws: GenerationError.self) { try model.verifyCost(after: [257], tokens: [65]) }
        #expect(throws: GenerationError.self) { try model.verifyCost(after: [257], tokens: [0]) }
    }
}
