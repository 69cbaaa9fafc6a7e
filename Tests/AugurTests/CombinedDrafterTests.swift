import Testing
@testable import Augur

/// A clock the test advances by hand.
final class FakeClock: @unchecked Sendable {
    var now = 0.0
}

/// Proposes a fixed chain, takes `seconds` of fake time per proposal and counts its calls.
struct TimedDrafter: Drafter {
    let chain: [Int]
    let seconds: Double
    let clock: FakeClock
    let calls: Counter
    var precomputes = false
    var name: String { "timed" }
    var precomputesVerification: Bool { precomputes }

    final class Counter: @unchecked Sendable { var value = 0, limits: [Int] = [], extraSeconds = 0.0 }

    func propose(after context: [Int], limit: Int) throws -> [Int] {
        clock.now += seconds + calls.extraSeconds
        calls.extraSeconds = 0
        calls.value += 1
        calls.limits.append(limit)
        return Array(chain.prefix(limit))
    }
}

/// Proposes whatever its script says now, in no time.
struct SwitchingDrafter: Drafter {
    final class Script: @unchecked Sendable { var chain: [Int] = [] }
    let script = Script()
    init(chain: [Int]) { script.chain = chain }
    var name: String { "switching" }
    func propose(after context: [Int], limit: Int) throws -> [Int] { Array(script.chain.prefix(limit)) }
}

extension RoundReport {
    /// A round of these tests: the root token 1, then `accepted` drafted tokens kept, out of
    /// `verified`, verification taking `seconds`.
    static func routed(_ accepted: [Int], verified: Int, seconds: Double, precomputed: Bool = false, proposed: Bool = true) -> RoundReport {
        RoundReport(cap: 4, drafted: verified, draftSeconds: 0, verified: verified, verifySeconds: seconds, tokens: [1] + accepted,
                    precomputed: precomputed, proposed: proposed)
    }
}

@Suite("Routing among combined drafters")
struct CombinedDrafterTests {
    /// Runs `rounds` rounds in which the target accepts `truth` after token 1, verification
    /// taking 0.5 s; returns how often each drafter ran.
    func run(_ specs: [(chain: [Int], seconds: Double)], truth: [Int], rounds: Int = 24, shape: DraftShape = .chain(4),
             memory: RoutingMemory? = nil) throws -> [Int] {
        var (combined, clock, counters) = combine(specs, memory: memory)
        for _ in 0..<rounds {
            let tree = try combined.proposeTree(after: [1], shape: shape)
            clock.now += 0.5
            let accepted = Array(truth.prefix(CombinedDrafter.matched(truth, in: tree)))
            combined.observe(.routed(accepted, verified: tree.count, seconds: 0.5), context: [1])
        }
        return counters.map(\.value)
    }

    /// Timed drafters combined under one fake clock, with their call counters.
    func combine(_ specs: [(chain: [Int], seconds: Double)], memory: RoutingMemory? = nil)
        -> (CombinedDrafter, FakeClock, [TimedDrafter.Counter]) {
        let clock = FakeClock()
        let counters = specs.map { _ in TimedDrafter.Counter() }
        var combined = CombinedDrafter(zip(specs, counters).map { TimedDrafter(chain: $0.chain, seconds: $0.seconds, clock: clock, calls: $1) },
                                       memory: memory)
        combined.clock = { clock.now }
        return (combined, clock, counters)
    }

    @Test("A slow drafter that adds nothing sits out except on probe rounds, ever rarer; a slow one that pays keeps running")
    func routesByMarginalGain() throws {
        let truth = [5, 6, 7, 8]
        // The slow drafter is wrong: it runs in the first two rounds, is probed 8 rounds later
        // (round 10), then 16 later (26: past the end).
        let wrong = try run([(chain: [9, 9], seconds: 0.6), (chain: truth, seconds: 0.0)], truth: truth)
        #expect(wrong[1] == 24)
        #expect(wrong[0] == 3)
        #expect(try run([(chain: [9, 9], seconds: 0.6), (chain: truth, seconds: 0.0)], truth: truth, rounds: 60)[0] == 2 + 3)  // 10, 26, 58
        // The same drafter when only it is right: 4 tokens a round are worth 2 passes of 0.5 s.
        let right = try run([(chain: truth, seconds: 1.0), (chain: [9], seconds: 0.0)], truth: truth)
        #expect(right[0] == 24)
        // Two drafters proposing the same tokens: the slower one adds nothing and sits out, the faster keeps running.
        let same = try run([(chain: truth, seconds: 1.0), (chain: truth, seconds: 0.001)], truth: truth)
        #expect(same[0] == 3)
        #expect(same[1] == 24)
    }

    @Test("A later request starts from what routing learned on earlier ones")
    func remembersAcrossRequests() throws {
        let truth = [5, 6, 7, 8]
        let specs: [(chain: [Int], seconds: Double)] = [(chain: [9, 9], seconds: 0.6), (chain: truth, seconds: 0.0)]
        let memory = RoutingMemory()
        // Request 1: the slow wrong drafter runs in rounds 1-2, then only on the probe of round 10.
        #expect(try run(specs, truth: truth, rounds: 12, memory: memory)[0] == 3)
        // Request 2 knows it does not pay: no first rounds to learn it again; its next probe
        // (16 rounds after round 10's) is due 14 rounds into this request.
        #expect(try run(specs, truth: truth, rounds: 12, memory: memory)[0] == 0)
        #expect(try run(specs, truth: truth, rounds: 16, memory: RoutingMemory())[0] == 3)
        memory.clear()
        #expect(try run(specs, truth: truth, rounds: 12, memory: memory)[0] == 3)
    }

    @Test("A drafter that does part of the verification waits for a clean measure of a pass, and its rounds never give one")
    func precomputedVerification() throws {
        let truth = [5, 6, 7, 8]
        let clock = FakeClock()
        let calls = [TimedDrafter.Counter(), TimedDrafter.Counter()]
        var early = TimedDrafter(chain: truth, seconds: 0.3, clock: clock, calls: calls[0])
        early.precomputes = true
        var combined = CombinedDrafter([early, TimedDrafter(chain: [9], seconds: 0, clock: clock, calls: calls[1])])
        combined.clock = { clock.now }
        for round in 1...3 {
            let tree = try combined.proposeTree(after: [1], shape: .chain(4))
            // Verification after the early drafter ran only finishes its last layers.
            let ranEarly = calls[0].value > 0 && round > 1
            let seconds = ranEarly ? 0.05 : 0.5
            clock.now += seconds
            let accepted = Array(truth.prefix(CombinedDrafter.matched(truth, in: tree)))
            combined.observe(.routed(accepted, verified: tree.count, seconds: seconds, precomputed: ranEarly), context: [1])
            if round == 1 { #expect(calls[0].value == 0) }
        }
        #expect(calls[0].value == 2)
        // Only round 1's verification counts (0.5 s, one wrong drafted token): the early drafter ran in rounds 2 and 3.
        #expect(combined.verifySeconds.count == 1)
        #expect(abs((combined.passSeconds ?? 0) - 0.5 / (1 + combined.extraTokenCost)) < 1e-9)
        // Rounds in which nothing was drafted credit nobody (their passes still measure one).
        let before = combined.records.map(\.gain)
        combined.observe(.routed([], verified: 0, seconds: 0.5, proposed: false), context: [1])
        combined.observe(.routed([], verified: 0, seconds: 0.5, proposed: false), context: [1])
        #expect(combined.verifySeconds.count == 3)
        #expect(combined.records.map(\.gain) == before)
    }

    @Test("A free drafter whose proposals are rarely right sits out once its tree's verification is charged")
    func chargesVerifiedNodes() throws {
        let truth = [5, 6, 7, 8]
        // Both draft in no time; the first proposes four wrong tokens a round. Free to draft, it
        // still costs four verified tokens at 0.1 of a pass each, against no gain.
        let counts = try run([(chain: [9, 9, 9, 9], seconds: 0.0), (chain: truth, seconds: 0.0)], truth: truth,
                             shape: DraftShape(depth: 4, width: 2))
        #expect(counts[0] == 3)
        #expect(counts[1] == 24)
        // A drafter that spends more than a verification round (0.5 s) per proposed token can
        // never pay: one round tells, then it is only probed (rounds 9 and 25).
        let hopeless = try run([(chain: truth, seconds: 2.5), (chain: [9], seconds: 0.0)], truth: truth)
        #expect(hopeless[0] == 2)
        // Nodes shared with a cheaper drafter's tree are not charged again.
        let tree = DraftTree(chain: [5, 6, 7])
        #expect(CombinedDrafter.added(tree, beyond: [DraftTree(chain: [5, 6])]) == 1)
        #expect(CombinedDrafter.added(tree, beyond: []) == 3)
    }

    @Test("When no drafter pays, the one with the most gain per cost still runs (the length policy decides whether to draft)")
    func keepsTheMostValuable() throws {
        let truth = [5, 6, 7, 8]
        // Both are wrong: the free one wins the tie (lower cost first).
        let counts = try run([(chain: [9], seconds: 0.0), (chain: [8, 8], seconds: 0.6)], truth: truth)
        #expect(counts[0] == 24)
        #expect(counts[1] == 3)  // rounds 1, 2 and the probe at 10
        // The slow one gets 2 tokens a round for about 2.1 passes (drafting and its 4 verified
        // nodes): short of paying, but the free one, never right, is worth nothing.
        let nearly = try run([(chain: [9], seconds: 0.0), (chain: [5, 6, 9, 9], seconds: 0.6)], truth: truth)
        #expect(nearly[1] == 24)
        #expect(nearly[0] == 3)
    }

    @Test("After a hard stretch, the fallback is the drafter whose whole record pays, not one that only looked better in it")
    func fallsBackOnTheLongRecord() throws {
        let clock = FakeClock()
        let counters = [TimedDrafter.Counter(), TimedDrafter.Counter()]
        // A: slow (0.45 s of drafting, 0.9 of a pass) and right on easy text. B: free, one right
        // token then ten wrong ones, so its verified nodes cost more than its token gives: it never pays.
        let a = TimedDrafter(chain: [5, 6, 7, 8], seconds: 0.45, clock: clock, calls: counters[0])
        let b = TimedDrafter(chain: [5] + Array(repeating: 9, count: 10), seconds: 0, clock: clock, calls: counters[1])
        var combined = CombinedDrafter([a, b])
        combined.clock = { clock.now }
        var easyAgain = 0
        for round in 1...36 {
            // Rounds 13-32 are hard: only the first token is right, so A, one token for 1.3 passes
            // of drafting and verified nodes, stops paying; its last rounds then look worse than B.
            let truth = (13...32).contains(round) ? [5, 0, 0, 0] : [5, 6, 7, 8]
            let before = counters[0].value
            let tree = try combined.proposeTree(after: [1], shape: DraftShape(depth: 11, nodes: 16))
            clock.now += 0.5
            combined.observe(.routed(Array(truth.prefix(CombinedDrafter.matched(truth, in: tree))), verified: tree.count, seconds: 0.5), context: [1])
            if round >= 33 { easyAgain += counters[0].value - before }
        }
        // Once the text is easy again A is running: it was the fallback through the hard stretch.
        #expect(easyAgain == 4)
    }

    @Test("A free drafter that proposes nothing does not keep out a slow one that nearly pays")
    func emptyFreeDrafterDoesNotCount() throws {
        let truth = [5, 6, 7, 8]
        // The free one costs nothing and gains nothing (0 >= 0: it "pays"); the slow one gets 2
        // tokens a round for about 2.1 passes. Counting the free one as paying benched the slow one.
        let counts = try run([(chain: [], seconds: 0.0), (chain: [5, 6, 9, 9], seconds: 0.6)], truth: truth)
        #expect(counts[1] == 24)
    }

    @Test("A drafter whose whole record pays keeps running through a stretch in which a cheap one proposes its tokens")
    func wholeRecordKeepsADrafter() throws {
        let clock = FakeClock()
        let counters = [TimedDrafter.Counter(), TimedDrafter.Counter()]
        let truth = [5, 6, 7, 8]
        let cheap = SwitchingDrafter(chain: [9, 9, 9, 9])
        var combined = CombinedDrafter([TimedDrafter(chain: truth, seconds: 0.3, clock: clock, calls: counters[0]), cheap])
        combined.clock = { clock.now }
        var after = 0
        for round in 1...40 {
            // Rounds 21-32 are copied text: the free drafter proposes the slow one's tokens, whose
            // marginal gain is then 0; its last rounds stop paying, its whole record does not.
            cheap.script.chain = (21...32).contains(round) ? truth : [9, 9, 9, 9]
            let before = counters[0].value
            let tree = try combined.proposeTree(after: [1], shape: DraftShape(depth: 4, nodes: 8))
            clock.now += 0.5
            combined.observe(.routed(Array(truth.prefix(CombinedDrafter.matched(truth, in: tree))), verified: tree.count, seconds: 0.5), context: [1])
            if round > 32 { after += counters[0].value - before }
        }
        #expect(after == 8)
    }

    @Test("A probe of a drafter that cannot pay drafts at most two tokens")
    func cheapProbes() throws {
        let truth = [5, 6, 7, 8]
        var (combined, clock, calls) = combine([(chain: truth, seconds: 0.1), (chain: truth, seconds: 2.0)])
        for _ in 1...12 {
            let tree = try combined.proposeTree(after: [1], shape: .chain(4))
            clock.now += 0.5
            combined.observe(.routed(Array(truth.prefix(CombinedDrafter.matched(truth, in: tree))), verified: tree.count, seconds: 0.5), context: [1])
        }
        // The cheap one drafts 4 tokens every round. The hopeless one (about 4 passes a round)
        // drafts 4 in its first round, which tells it cannot pay, then 2 in the probe of round 10.
        #expect(calls[0].limits == Array(repeating: 4, count: 12))
        #expect(calls[1].limits == [4, 2])
    }

    @Test("A slow round, or catching up after rounds without drafts, does not make a paying drafter look hopeless")
    func slowRoundsAreNotHopeless() throws {
        let truth = [5, 6, 7, 8]
        var (combined, clock, calls) = combine([(chain: truth, seconds: 0.1), (chain: [9], seconds: 0)])
        for round in 1...24 {
            // Rounds 8-10 draft nothing (the length policy chose plain decoding); round 11's
            // proposal then catches up on their tokens (20 s here). Round 16 meets a busy machine.
            if (8...10).contains(round) {
                combined.observe(.routed([], verified: 0, seconds: 0.5, proposed: false), context: [1])
                continue
            }
            if round == 11 || round == 16 { calls[0].extraSeconds = 20 }
            let tree = try combined.proposeTree(after: [1], shape: .chain(4))
            clock.now += 0.5
            combined.observe(.routed(Array(truth.prefix(CombinedDrafter.matched(truth, in: tree))), verified: tree.count, seconds: 0.5), context: [1])
        }
        #expect(calls[0].value == 21)
        #expect(!combined.hopeless(0))
        // A drafter that has proposed nothing yet (an empty n-gram pool) is not judged by it.
        let silent = try run([(chain: [], seconds: 0.0), (chain: truth, seconds: 0.1)], truth: truth)
        #expect(silent[0] == 24)
    }

    @Test("The merged tree holds every running drafter's proposal")
    func mergesProposals() throws {
        let clock = FakeClock()
        var combined = CombinedDrafter([
            TimedDrafter(chain: [5, 6], seconds: 0, clock: clock, calls: .init()),
            TimedDrafter(chain: [5, 7], seconds: 0, clock: clock, calls: .init()),
        ])
        combined.clock = { clock.now }
        let tree = try combined.proposeTree(after: [1], shape: DraftShape(depth: 4, width: 2))
        #expect(CombinedDrafter.matched([5, 6], in: tree) == 2)
        #expect(CombinedDrafter.matched([5, 7], in: tree) == 2)
        #expect(tree.count == 3)
    }
}
