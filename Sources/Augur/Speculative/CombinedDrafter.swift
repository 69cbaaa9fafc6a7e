import Foundation

/// Several drafters as one: each proposes within the shape, and the proposals merge into one
/// prefix trie, so a single verification pass checks them all.
///
/// Routing (a light form of CoSine's): a drafter whose drafting time is not paid back by the
/// tokens it adds sits out. After each round every drafter that ran is credited its marginal
/// gain: the accepted length along its own tree minus the best along the trees of the drafters
/// cheaper than it (the cheapest gets its whole length). It keeps running while its average gain
/// is worth more than its average drafting seconds, valued at the cheapest verification round
/// seen (about one target pass). Every `probeInterval`-th round all drafters run, so one that
/// sits out is measured again.
public struct CombinedDrafter: Drafter {
    public var drafters: [any Drafter]
    /// Rounds between runs of every drafter (0: never route, always run them all).
    public var probeInterval = 8
    /// Seconds since an arbitrary origin (replaceable for tests).
    public var clock: () -> Double = { Date().timeIntervalSinceReferenceDate }

    struct Record {
        var gain = 0.0, seconds = 0.0, rounds = 0
        var tree: DraftTree?
    }
    var records: [Record]
    var round = 0
    /// Seconds of the last rounds' verification (from one proposal to the next), newest last.
    var verifySeconds: [Double] = []
    var lastDraftEnd: Double?

    public init(_ drafters: [any Drafter]) {
        self.drafters = drafters
        records = Array(repeating: Record(), count: drafters.count)
    }

    public var name: String { drafters.map(\.name).joined(separator: "+") }

    /// Whether drafter `i` runs this round.
    func runs(_ i: Int) -> Bool {
        let r = records[i]
        guard probeInterval > 0, r.rounds >= 2, round % probeInterval != 0, let pass = verifySeconds.min(), pass > 0 else { return true }
        return r.gain >= r.seconds / pass
    }

    public mutating func propose(after context: [Int], limit: Int) throws -> [Int] {
        try proposeTree(after: context, shape: .chain(limit)).tokens
    }

    public mutating func proposeTree(after context: [Int], shape: DraftShape) throws -> DraftTree {
        let start = clock()
        if let end = lastDraftEnd {
            verifySeconds.append(start - end)
            if verifySeconds.count > 16 { verifySeconds.removeFirst() }
        }
        round += 1
        var tree = DraftTree()
        for i in drafters.indices {
            records[i].tree = nil
            guard runs(i) else { continue }
            let t = clock()
            let own = try drafters[i].proposeTree(after: context, shape: shape)
            records[i].seconds = average(records[i].seconds, clock() - t, records[i].rounds)
            records[i].tree = own
            tree.merge(own, maxNodes: shape.nodes, maxDepth: shape.depth)
        }
        lastDraftEnd = clock()
        return tree
    }

    public mutating func observe(accepted: [Int], context: [Int]) {
        // accepted[0] is the token the round started from; the drafted tokens follow it.
        let drafted = Array(accepted.dropFirst())
        let lengths = records.map { $0.tree.map { Self.matched(drafted, in: $0) } }
        for i in drafters.indices {
            drafters[i].observe(accepted: accepted, context: context)
            guard let own = lengths[i] else { continue }
            let cheaper = lengths.indices.filter { j in
                j != i && (records[j].seconds < records[i].seconds || (records[j].seconds == records[i].seconds && j < i))
            }
            let others = cheaper.compactMap { lengths[$0] }.max() ?? 0
            records[i].gain = average(records[i].gain, Double(max(0, own - others)), records[i].rounds)
            records[i].rounds += 1
        }
    }

    public mutating func start(target session: InferenceSession) throws {
        for i in drafters.indices { try drafters[i].start(target: session) }
    }

    public mutating func prefill(_ prompt: [Int]) throws {
        for i in drafters.indices { try drafters[i].prefill(prompt) }
    }

    /// Exponential average over the last ~5 values (a plain mean for the first ones).
    private func average(_ old: Double, _ new: Double, _ count: Int) -> Double {
        let weight = max(1.0 / Double(count + 1), 0.2)
        return old + (new - old) * weight
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
