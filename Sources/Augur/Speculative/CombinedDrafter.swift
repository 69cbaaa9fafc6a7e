import Foundation

/// Several drafters as one: each proposes within the shape, and the proposals merge into one
/// prefix trie, so a single verification pass checks them all.
///
/// Routing (a light form of CoSine's): a drafter whose cost is not paid back by the tokens it adds
/// sits out. After each round every drafter that ran is credited its marginal gain: the accepted
/// length along its own tree minus the best along the trees of the drafters cheaper than it (the
/// cheapest gets its whole length). Its cost is its drafting seconds, valued at one target pass
/// (`passSeconds`, from the recent verification rounds), plus the nodes it added to the tree beyond
/// the cheaper drafters' at `extraTokenCost` passes each (verifying them is not free). It keeps
/// running while its gain covers its cost, over its last rounds or over its whole record (64
/// rounds, across requests): benching the drafter that carries the speed-up costs far more than
/// running it through a few rounds in which a cheap one happened to propose the same tokens. A
/// drafter that sits out is probed again `probeInterval` rounds later, and each probe that
/// confirms it doubles the wait (up to `maxProbeInterval`); a probe of a drafter that cannot pay
/// (one that spends about a pass per token) drafts at most `probeDepth` tokens: enough to see
/// whether that changed, at a fraction of its whole drafting time. When no drafter pays with a gain,
/// the one whose whole record gives the most gain per cost runs too, so a free drafter that
/// proposes nothing does not keep out one that nearly pays. Records carry over to the next
/// request through a `RoutingMemory`.
public struct CombinedDrafter: Drafter {
    public var drafters: [any Drafter]
    /// Rounds before a drafter that sits out is probed again (0: never route, always run them all).
    public var probeInterval = SpeculationTuning.probeInterval
    /// The longest wait between probes of a drafter that keeps not paying.
    public var maxProbeInterval = SpeculationTuning.maxProbeInterval
    /// What verifying one more drafted token costs, as a share of one target pass.
    public var extraTokenCost = SpeculationTuning.extraTokenCost
    /// Seconds since an arbitrary origin (replaceable for tests).
    public var clock: () -> Double = { Date().timeIntervalSinceReferenceDate }
    /// Where records carry over between requests, and under which key (the drafters' names and
    /// anything else that tells this set of drafters from another).
    let memory: RoutingMemory?
    let memoryKey: String
    /// Rounds of evidence a record carried over from an earlier request counts for at most, so
    /// that this request's rounds soon outweigh it.
    static let recalledRounds = SpeculationTuning.recalledRounds
    /// Rounds the long averages span.
    static let longRounds = SpeculationTuning.longRounds
    /// Rounds of a long record before it can keep a drafter running.
    static let longRoundsToTrust = SpeculationTuning.longRoundsToTrust
    /// The most tokens along a path in a probe of a drafter that cannot pay.
    static let probeDepth = SpeculationTuning.probeDepth

    struct Record {
        var gain = 0.0, seconds = 0.0, added = 0.0, rounds = 0
        /// The fewest seconds per proposed node of any round (a slow round, say one that met a
        /// busy machine, cannot make a drafter look as if it spent a pass per token).
        var cheapest = Double.infinity
        /// The same averages over up to `longRounds` rounds (the whole record, across requests).
        var longGain = 0.0, longSeconds = 0.0, longAdded = 0.0, longCount = 0
        var tree: DraftTree?
        /// Rounds between probes while it sits out, and the round of the next probe.
        var interval = 0, nextProbe = 0
        /// Whether it ran in the last round (if not, its next proposal first catches up on the
        /// tokens accepted meanwhile, which is the cost of having sat out, not of drafting).
        var ranLast = true
    }
    var records: [Record]
    var round = 0
    /// Seconds of the last rounds' verification (`RoundReport.verifySeconds`), each scaled to a
    /// pass of one token by the drafted tokens it also verified, newest last.
    var verifySeconds: [Double] = []
    /// Whether this round drafted (observe credits drafters only then).
    var proposed = false

    public init(_ drafters: [any Drafter], memory: RoutingMemory? = nil, key: String? = nil) {
        self.drafters = drafters
        self.memory = memory
        memoryKey = key ?? drafters.map(\.name).joined(separator: "+")
        records = Array(repeating: Record(), count: drafters.count)
        if let entry = memory?.recall(memoryKey), entry.records.count == drafters.count {
            records = entry.records.map { r in
                var r = r
                r.rounds = min(r.rounds, Self.recalledRounds)
                r.ranLast = true  // a new request's prefill brought every drafter in step
                return r
            }
            verifySeconds = entry.verifySeconds
        }
    }

    public var name: String { drafters.map(\.name).joined(separator: "+") }
    /// Whether a member ends its paths by the stop rule: the combination then drafts as that
    /// member would alone, and its chain is verified whole (`DraftLengthPolicy.stopRuleTrims`).
    public var endsPathsByStopRule: Bool { drafters.contains(where: \.endsPathsByStopRule) }

    /// Which drafters run this round. When none would, the one with the most gain per cost
    /// runs: whether drafting pays at all is the length policy's call (it drafts nothing when it
    /// does not), so routing only chooses among drafters, and a free drafter that is never right
    /// (gain 0) must not displace one that nearly pays.
    func running() -> [Bool] {
        let paying = drafters.indices.map { pays($0) ?? true }
        var chosen = drafters.indices.map { paying[$0] || round >= records[$0].nextProbe }
        let candidates = drafters.indices.filter { !hopeless($0) }
        if !drafters.indices.contains(where: { paying[$0] && records[$0].gain > 0 }), let best = (candidates.isEmpty ? Array(drafters.indices) : candidates)
            .max(by: { (value($0), -$0) < (value($1), -$1) }) { chosen[best] = true }
        // Until a round without it has measured a pass, a drafter that does part of the
        // verification waits (with it, no round's time tells what a pass costs).
        if passSeconds == nil, drafters.contains(where: { !$0.precomputesVerification }) {
            for i in drafters.indices where drafters[i].precomputesVerification { chosen[i] = false }
        }
        return chosen
    }

    /// A drafter's long-run average gain per unit of its long-run average cost (tokens per target
    /// pass spent).
    func value(_ i: Int) -> Double {
        let r = records[i]
        return r.longGain / max(r.longSeconds / (passSeconds ?? 1) + r.longAdded * extraTokenCost, 0.01)
    }

    /// The seconds of one verification round with few drafted tokens: the lower quartile of the
    /// recent rounds (a round's time also holds bookkeeping, and its tree may be large).
    var passSeconds: Double? {
        guard !verifySeconds.isEmpty else { return nil }
        return verifySeconds.sorted()[verifySeconds.count / 4]
    }

    /// Whether drafter `i` spends about a pass or more per proposed token even in its cheapest
    /// round: a token saves at most one pass less its own verification, so it can never pay.
    func hopeless(_ i: Int) -> Bool {
        guard records[i].cheapest.isFinite, let pass = passSeconds, pass > 0 else { return false }
        return records[i].cheapest / pass >= 1 - extraTokenCost
    }

    /// Whether drafter `i`'s gain covers its cost, over its last rounds or its whole record (nil:
    /// not enough known yet). One round tells a hopeless one (self-speculation through most layers).
    func pays(_ i: Int) -> Bool? {
        let r = records[i]
        guard probeInterval > 0, r.rounds >= 1, let pass = passSeconds, pass > 0 else { return nil }
        if hopeless(i) { return false }
        guard r.rounds >= 2 else { return nil }
        if r.longCount >= Self.longRoundsToTrust && value(i) >= 1 { return true }
        return r.gain >= r.seconds / pass + r.added * extraTokenCost
    }

    public mutating func propose(after context: [Int], limit: Int) throws -> [Int] {
        try proposeTree(after: context, shape: .chain(limit)).tokens
    }

    public mutating func proposeTree(after context: [Int], shape: DraftShape) throws -> DraftTree {
        try combine(shape) { Proposal(tree: try $0.proposeTree(after: context, shape: $1)) }.tree
    }

    public mutating func draft(after context: [Int], shape: DraftShape, target: InferenceSession) throws -> Proposal {
        try combine(shape) { try $0.draft(after: context, shape: $1, target: target) }
    }

    /// Runs the drafters that route this round (`member` drafts with one of them) and merges
    /// their trees; a member's partial pass on the target comes along.
    private mutating func combine(_ shape: DraftShape, member: (inout any Drafter, DraftShape) throws -> Proposal) throws -> Proposal {
        round += 1
        var tree = DraftTree(), precomputed: PartialPass?
        let running = running()
        for i in drafters.indices {
            records[i].tree = nil
            let inStep = records[i].ranLast
            records[i].ranLast = running[i]
            guard running[i] else { continue }
            let t = clock()
            var memberShape = shape
            if hopeless(i) && round >= records[i].nextProbe {
                memberShape.depth = min(memberShape.depth, Self.probeDepth)
                memberShape.nodes = min(memberShape.nodes, Self.probeDepth * memberShape.width)
            }
            let proposal = try member(&drafters[i], memberShape)
            let own = proposal.tree
            precomputed = precomputed ?? proposal.precomputed
            if inStep || records[i].rounds == 0 {
                records[i].seconds = average(records[i].seconds, clock() - t, records[i].rounds)
                // A round that proposed nothing (nothing matched, or nothing to draft) says nothing of it.
                if !own.isEmpty { records[i].cheapest = min(records[i].cheapest, (clock() - t) / Double(own.count)) }
            }
            records[i].tree = own
            tree.merge(own, maxNodes: shape.nodes, maxDepth: shape.depth)
        }
        proposed = true
        return Proposal(tree: tree, precomputed: precomputed)
    }

    public mutating func observe(_ report: RoundReport, context: [Int]) {
        // A round in which a drafter did part of the verification (self-speculation) says
        // nothing of what a pass costs: its verification ran only the remaining layers.
        if !report.precomputed && report.verifyTimeIsClean {
            // One pass's worth: the round verified `verified` drafted tokens besides.
            verifySeconds.append(report.verifySeconds / (1 + Double(report.verified) * extraTokenCost))
            if verifySeconds.count > 16 { verifySeconds.removeFirst() }
        }
        // A round without a proposal (the length policy chose not to draft) credits no drafter.
        guard proposed else {
            for i in drafters.indices {
                drafters[i].observe(report, context: context)
                // Its next proposal first catches up on these tokens: not what drafting costs.
                records[i].ranLast = false
            }
            return
        }
        proposed = false
        // tokens[0] is the target's own token of the round; the drafted tokens follow it.
        let drafted = Array(report.tokens.dropFirst())
        let lengths = records.map { $0.tree.map { Self.matched(drafted, in: $0) } }
        for i in drafters.indices {
            drafters[i].observe(report, context: context)
            guard let own = lengths[i], let tree = records[i].tree else { continue }
            let cheaper = lengths.indices.filter { j in
                j != i && lengths[j] != nil && (records[j].seconds < records[i].seconds || (records[j].seconds == records[i].seconds && j < i))
            }
            let others = cheaper.compactMap { lengths[$0] }.max() ?? 0
            let added = Self.added(tree, beyond: cheaper.compactMap { records[$0].tree })
            let wasProbe = pays(i) == false
            records[i].gain = average(records[i].gain, Double(max(0, own - others)), records[i].rounds)
            records[i].added = average(records[i].added, Double(added), records[i].rounds)
            records[i].rounds += 1
            let long = records[i].longCount
            records[i].longGain = average(records[i].longGain, Double(max(0, own - others)), long, over: Self.longRounds)
            records[i].longSeconds = average(records[i].longSeconds, records[i].seconds, long, over: Self.longRounds)
            records[i].longAdded = average(records[i].longAdded, Double(added), long, over: Self.longRounds)
            records[i].longCount += 1
            switch pays(i) {
            case false?:
                records[i].interval = wasProbe ? min(max(records[i].interval, probeInterval) * 2, maxProbeInterval) : probeInterval
                records[i].nextProbe = round + records[i].interval
            default:
                records[i].interval = probeInterval
                records[i].nextProbe = round + probeInterval
            }
        }
        // Stored with each probe due that many rounds into the next request.
        memory?.remember(memoryKey, .init(records: records.map { r in
            var r = r
            (r.tree, r.nextProbe) = (nil, max(0, r.nextProbe - round))
            return r
        }, verifySeconds: verifySeconds))
    }

    public mutating func useVerifyCost(perExtraToken share: Double) {
        extraTokenCost = share
        for i in drafters.indices { drafters[i].useVerifyCost(perExtraToken: share) }
    }

    public mutating func prefill(_ prompt: [Int]) throws {
        for i in drafters.indices { try drafters[i].prefill(prompt) }
    }

    /// Exponential average over the last ~`window` values (a plain mean for the first ones).
    private func average(_ old: Double, _ new: Double, _ count: Int, over window: Int = 5) -> Double {
        let weight = max(1.0 / Double(count + 1), 1.0 / Double(window))
        return old + (new - old) * weight
    }

    /// How many nodes of `tree` lie on no root path of `others`.
    static func added(_ tree: DraftTree, beyond others: [DraftTree]) -> Int {
        tree.tokens.indices.filter { node in
            let path = tree.path(to: node).map { tree.tokens[$0] }
            return !others.contains { matched(path, in: $0) == path.count }
        }.count
    }

    /// How many of `tokens` lie along one root path of `tree`.
    static func matched(_ tokens: [Int], in tree: DraftTree) -> Int {
        var node = -1, n = 0
        for token in tokens {
            guard let child = tree.child(of: node, token: token) else { break }
            (node, n) = (child, n + 1)
        }
        return n
    }
}
