import Foundation

/// Chooses each round's draft length k to maximise expected tokens per second of a round.
/// With per-token acceptance a, a round yields E(k) = (1 - a^(k+1)) / (1 - a) tokens; verifying
/// k + 1 tokens costs the device's measured verify-cost curve scaled to the rounds' own times
/// (`cost`; without a curve, a fit to the rounds), and drafting k tokens costs k times the
/// measured seconds per drafted token (`draftCost`). Where whole rounds at a length have been
/// measured, their tokens per second replace the model (`recordRound`). On a device where every
/// verified column costs almost a full pass (lavapipe), k shrinks toward 0 (plain decoding, with
/// an occasional probe to keep measuring acceptance); where extra columns are nearly free (GPUs),
/// k grows to the maximum.
public struct DraftLengthPolicy: Sendable {
    public let maximum: Int
    /// Per-token acceptance: the share of drafted positions accepted, each round's tokens up to and
    /// including the first rejection counting as trials (a round accepted whole says nothing about
    /// the position after it). Counts decay by `memory` per round.
    public var acceptance: Double { (successes + 1) / (trials + 2) }
    private var successes: Double, trials: Double
    private let memory = SpeculationTuning.acceptanceMemory
    /// Acceptance per unit of the drafter's own probability (for drafters that give one).
    public private(set) var calibration = 1.0
    /// (k, seconds) of recent rounds' verification, for the cost curve.
    private var samples: [(k: Int, seconds: Double)] = []
    private var realized = RealizedRates()
    /// For a drafter that ends paths by the stop rule, once whole rounds at the maximum made it
    /// stop drafting: the rounds at the maximum since (its probes), which alone decide when it
    /// drafts again. The rounds that stopped it weigh on `realized` long after the text has
    /// changed: with them, one probe that drafted eight accepted tokens could not bring it back.
    private var sinceStop: RealizedRates?
    /// Rounds with a representative verification time.
    private var roundsRecorded = 0
    /// (k, seconds) of recent drafting, for the drafting line.
    private var drafting: [(k: Int, seconds: Double)] = []
    private let window = SpeculationTuning.costWindow
    /// relativeCost[k]: verifying k drafted tokens relative to none, measured on the device.
    public let relativeCost: [Double]?
    /// Measured seconds of drafting per drafted token (over the recent drafting rounds).
    public var draftSecondsPerToken: Double {
        drafting.isEmpty ? 0 : drafting.reduce(0) { $0 + $1.seconds } / Double(drafting.reduce(0) { $0 + $1.k })
    }
    /// Whether the drafter's paths end by the stop rule, its own or a combination member's
    /// (`Drafter.endsPathsByStopRule`): then it drafts at the maximum or not at all
    /// (`choose()`) and such a chain is verified whole (`choose(_:drafting:)`).
    public var stopRuleTrims = false
    /// Rounds at the maximum before such a drafter may stop drafting (then its fading record of
    /// them decides): enough that a bad start does not outweigh the text after it.
    static let roundsToStop = SpeculationTuning.roundsToStop
    /// Rounds since the last one that drafted anything.
    private var idleRounds = 0
    /// Whether the last recorded round drafted (then the next drafting time is a clean sample).
    private var lastRoundDrafted = false
    /// A round drafts two tokens (a probe) after this many idle rounds, to keep measuring. Each
    /// probe that the policy follows with idle rounds again doubles the wait (up to
    /// `maxProbeInterval`): a probe also catches the drafter up on every skipped token, which a
    /// draft model pays for. A drafter that ends paths by the stop rule probes at this interval
    /// without doubling: its probe drafts only what it is sure of, so a failed one costs little.
    public var probeInterval = SpeculationTuning.probeInterval
    private var probeDoublings = 0
    private var probing = false
    private var probeWait: Int { stopRuleTrims ? probeInterval : max(probeInterval, min(probeInterval << probeDoublings, SpeculationTuning.maxProbeInterval)) }

    /// `relativeCost[k]` (k in 0...maximum): the device's verify-cost curve, verification of k
    /// drafted tokens relative to none (`VerifyCostCurve`); nil fits the curve to the rounds alone.
    public init(maximum: Int, initialAcceptance: Double = SpeculationTuning.initialAcceptance, relativeCost: [Double]? = nil) {
        self.maximum = max(0, maximum)
        self.relativeCost = relativeCost.flatMap { $0.count >= 2 && $0.allSatisfy { $0 > 0 } ? $0 : nil }
        // A prior worth a few trials, so that the first rounds do not swing the estimate to 0 or 1.
        trials = 4
        successes = min(max(initialAcceptance, 0.01), 0.99) * 6 - 1
    }

    /// Expected tokens from one round with k drafted tokens.
    public func expectedTokens(_ k: Int) -> Double {
        (1 - pow(acceptance, Double(k + 1))) / (1 - acceptance)
    }

    /// The verification cost of k drafted tokens (seconds), or nil before any round: the device's
    /// curve (`relativeCost`) scaled by the rounds' times when there is one. Without it, two curves
    /// are fitted to the measured rounds, a line in k and a line in log(1 + k), and the
    /// one with the smaller squared error is used: on GPUs extra columns cost about the same
    /// small amount each, on lavapipe the first costs half a pass and later ones much less (a
    /// matvec shares its dequantization among all columns), which a line in k misjudges.
    public func cost(_ k: Int) -> Double? {
        guard !samples.isEmpty else { return nil }
        if relativeCost != nil {
            // The curve's scale: the median over the rounds of seconds / relative cost.
            let scales = samples.map { $0.seconds / relative($0.k) }.sorted()
            return scales[scales.count / 2] * relative(k)
        }
        let ts = samples.map(\.seconds)
        // Until two lengths have been seen, assume extra columns cost 10% of a pass (explore).
        let linear = Self.fitLine(samples.map { Double($0.k) }, ts, defaultSlope: 0.1)
        let logarithmic = Self.fitLine(samples.map { log(1 + Double($0.k)) }, ts, defaultSlope: 0.1)
        let best = linear.error < logarithmic.error ? linear : logarithmic
        return best.intercept + best.slope * (linear.error < logarithmic.error ? Double(k) : log(1 + Double(k)))
    }

    /// relativeCost[k], extended past its end along its last step.
    private func relative(_ k: Int) -> Double {
        guard let r = relativeCost else { return 1 }
        if k < r.count { return r[max(k, 0)] }
        return r[r.count - 1] + (r[r.count - 1] - r[r.count - 2]) * Double(k - r.count + 1)
    }

    /// The seconds of drafting k tokens: k times the median seconds per drafted token of recent
    /// rounds (0 before any drafting was measured). A line fitted to a few noisy rounds of
    /// similar lengths swings wildly; the median per token does not.
    public func draftCost(_ k: Int) -> Double {
        guard k > 0, !drafting.isEmpty else { return 0 }
        let perToken = drafting.map { $0.seconds / Double($0.k) }.sorted()
        return perToken[perToken.count / 2] * Double(k)
    }

    /// Least squares t = intercept + slope x, both at least 0 (the intercept at least 1e-6). With
    /// one x value only, the slope is `defaultSlope` times the mean.
    static func fitLine(_ xs: [Double], _ ts: [Double], defaultSlope: Double) -> (intercept: Double, slope: Double, error: Double) {
        let mx = xs.reduce(0, +) / Double(xs.count), mt = ts.reduce(0, +) / Double(ts.count)
        let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let sloped = sxx > 1e-12 ? zip(xs, ts).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - mt) } / sxx : mt * defaultSlope
        let slope = max(sloped, 0), intercept = max(mt - slope * mx, 1e-6)
        let error = zip(xs, ts).reduce(0) { $0 + pow(intercept + slope * $1.0 - $1.1, 2) }
        return (intercept, slope, error)
    }

    /// The part of `tree` worth verifying: its n nodes most likely to be accepted, for the n that
    /// maximises the round's expected tokens per second. A node's chance is the product over its
    /// path of the drafter's probability times the running acceptance estimate (a chain without
    /// probabilities gets a^depth, as in `expectedTokens`); n + 1 tokens are verified, at `cost(n)`,
    /// after the `drafting` seconds the round already spent (spent, yet part of the round's time:
    /// without them a pruned tree looks cheaper than it is).
    /// A chain that a drafter ending paths by the stop rule proposed (`stopRuleTrims`) is kept
    /// whole, alone or within a combination's tree, where only the other members' nodes compete:
    /// the rule already ended it where the drafter became unsure, and its probabilities,
    /// calibrated by one running factor, cut accepted tokens more often than rejected ones.
    public func choose(_ tree: DraftTree, drafting: Double = 0) -> DraftTree {
        let fixed = stopRuleTrims ? Self.stopRuleChain(tree) : []
        guard cost(0) != nil, !tree.isEmpty, fixed.count < tree.count else { return tree.pruned(to: maximum) }
        let chances = self.chances(tree)
        let others = tree.parents.indices.filter { !fixed.contains($0) }
            .sorted { chances[$0] > chances[$1] || (chances[$0] == chances[$1] && $0 < $1) }
        var best = 0, expected = 1 + fixed.reduce(0.0) { $0 + chances[$1] }
        var bestRate = expected / (drafting + cost(fixed.count)!)
        for n in stride(from: 1, through: min(others.count, maximum - fixed.count), by: 1) {
            expected += chances[others[n - 1]]
            let rate = expected / (drafting + cost(fixed.count + n)!)
            if rate > bestRate { (best, bestRate) = (n, rate) }
        }
        // Chances never grow down a path, so the best n of the others are closed under ancestry.
        return tree.keeping(fixed.union(others.prefix(best)))
    }

    /// The nodes with probabilities (a stop-rule drafter's) and their ancestors, when they form
    /// one path from the root; else none.
    static func stopRuleChain(_ tree: DraftTree) -> Set<Int> {
        let nodes = Set(tree.parents.indices.filter { tree.probabilities[$0] < 1 }.flatMap { tree.path(to: $0) })
        return Set(nodes.map { tree.depths[$0] }).count == nodes.count ? nodes : []
    }

    /// Each node's chance of acceptance: the product over its path of the drafter's probability
    /// times a learned calibration, or of the running acceptance for a node no drafter gave a
    /// probability (all of them in a tree without probabilities).
    public func chances(_ tree: DraftTree) -> [Double] {
        tree.parents.indices.map { node in
            tree.path(to: node).reduce(1.0) { $0 * (tree.probabilities[$1] < 1 ? min(1, tree.probabilities[$1] * calibration) : acceptance) }
        }
    }

    /// Learns how the drafter's probabilities relate to acceptance: `expected` accepted tokens
    /// were predicted for a round (the sum of `chances`), `accepted` happened.
    public mutating func calibrate(expected: Double, accepted: Int) {
        calibration = min(max(calibration * pow((Double(accepted) + 1) / (expected + 1), 0.3), 0.05), 2)
    }

    /// The draft length for the next round: the one with the most tokens per second, as measured
    /// over recent rounds at that length where there are some (`recordRound`), else as modelled.
    public func choose() -> Int {
        // First the maximum, until whole rounds at it have been measured (a stop rule trims its
        // drafts to what the drafter is sure of, which a model of the round does not see).
        guard cost(0) != nil, realized.rate(maximum) != nil || roundsRecorded >= 6 else { return maximum }
        let rate = { (k: Int) in self.realized.rate(k) ?? self.expectedTokens(k) / (self.cost(k)! + self.draftCost(k)) }
        if stopRuleTrims {
            // Its stop rule and `choose(_:)` trim each draft; a lower cap would only cut tokens it
            // is sure of. It drafts at the maximum unless whole rounds there, enough of them to
            // outweigh a bad start, gave clearly fewer tokens per second than plain decoding; its
            // probes then draft at the maximum too, and count (`recordRound`).
            if let sinceStop {
                // Back to drafting as soon as its rounds since the stop pay, else a probe now and then.
                if let probes = sinceStop.rate(maximum, rounds: 1), probes >= 0.9 * rate(0) { return maximum }
                return idleRounds >= probeWait ? maximum : 0
            }
            guard let drafting = realized.rate(maximum, rounds: Self.roundsToStop), drafting < 0.9 * rate(0) else { return maximum }
            return idleRounds >= probeWait ? maximum : 0
        }
        let best = (0...maximum).max { rate($0) < rate($1) } ?? 0
        guard best == 0 && idleRounds >= probeWait && maximum > 0 else { return best }
        // A probe drafts two tokens: enough to measure acceptance again, while a long probe costs
        // drafting and verification that plain decoding was judged not to repay (a draft model
        // also catches up on every skipped token first).
        return min(2, maximum)
    }

    /// Learns what a whole round gave: drafting at most `cap` tokens, it generated `tokens` in
    /// `seconds` of drafting and verification, of which `drafting` (tokens drafted, seconds) was
    /// drafting. Rounds right after rounds without drafts are left out, as in `recordDrafting`,
    /// except for a drafter that ends paths by the stop rule: its probes are its only way back to
    /// drafting. Their drafting also caught the drafter up on every skipped token, which rounds
    /// that follow it will not pay: a probe is timed with the drafting cost of its tokens alone
    /// (`draftCost`) where that has been measured. (Timed as it ran, a probe that drafted one
    /// accepted token looked dearer than plain decoding on lavapipe, where a draft model's
    /// catch-up of nine tokens costs about a target pass.)
    public mutating func recordRound(cap: Int, tokens: Int, seconds: Double, drafting: (tokens: Int, seconds: Double)? = nil) {
        guard cap == 0 || lastRoundDrafted || stopRuleTrims else { return }
        var seconds = seconds
        if cap > 0, !lastRoundDrafted, let drafting, !self.drafting.isEmpty {
            seconds += draftCost(drafting.tokens) - drafting.seconds
        }
        realized.record(cap: cap, tokens: tokens, seconds: seconds)
        guard stopRuleTrims else { return }
        if cap == 0 && sinceStop == nil && realized.rate(maximum, rounds: Self.roundsToStop) != nil { sinceStop = RealizedRates() }
        guard cap == maximum, var since = sinceStop else { return }
        since.record(cap: cap, tokens: tokens, seconds: seconds)
        // Enough rounds since the stop: they are the recent record now, and it judges again.
        sinceStop = since.rate(maximum, rounds: Self.roundsToStop) == nil ? since : nil
    }

    /// Learns the drafting cost: `seconds` spent drafting `tokens` tokens. Only rounds right after
    /// a drafting round count: the first round and those after rounds without drafts also catch the
    /// drafter up on every token it has not seen (a draft model runs the prompt or the skipped
    /// tokens through its own cache), which is not what drafting costs when every round drafts;
    /// counting them would keep the policy from ever drafting again.
    public mutating func recordDrafting(tokens: Int, seconds: Double) {
        guard tokens > 0, lastRoundDrafted else { return }
        drafting.append((tokens, seconds))
        if drafting.count > window { drafting.removeFirst() }
    }

    /// Learns from a whole round after verification; `tree` is the draft it verified. A round
    /// whose drafting or verification created a pipeline counts for acceptance only.
    public mutating func learn(from round: RoundReport, verified tree: DraftTree) {
        if round.draftingTimeIsClean && round.verifyTimeIsClean {
            recordRound(cap: round.cap, tokens: round.tokens.count, seconds: round.draftSeconds + round.verifySeconds,
                        drafting: (round.drafted, round.draftSeconds))
        }
        record(drafted: tree.count, accepted: round.accepted, seconds: round.verifyTimeIsClean ? round.verifySeconds : nil)
        calibrate(expected: chances(tree).reduce(0, +), accepted: round.accepted)
    }

    /// Learns from a round: k drafted, `accepted` of them accepted, verification took `seconds`
    /// (nil when the time is not representative, e.g. it included compiling a kernel).
    public mutating func record(drafted k: Int, accepted: Int, seconds: Double?) {
        if let seconds {
            roundsRecorded += 1
            samples.append((k, seconds))
            if samples.count > window { samples.removeFirst() }
        }
        if probing && k == 0 && probeWait < SpeculationTuning.maxProbeInterval { probeDoublings += 1 }
        if k > 0 && idleRounds < probeWait { probeDoublings = 0 }
        probing = k > 0 && idleRounds >= probeWait
        idleRounds = k == 0 ? idleRounds + 1 : 0
        lastRoundDrafted = k > 0
        guard k > 0 else { return }
        successes = memory * successes + Double(accepted)
        trials = memory * trials + Double(accepted) + (accepted < k ? 1 : 0)
    }
}
