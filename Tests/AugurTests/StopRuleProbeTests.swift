import Testing
@testable import Augur

/// How a drafter that ends its paths by the stop rule (a draft model, early exit) comes back to
/// drafting after whole rounds at the maximum made the length policy stop it.
@Suite("Stop-rule drafter probes")
struct StopRuleProbeTests {
    /// One round as `runSpeculativeGeneration` reports it: drafting, then the whole round, then
    /// verification. Plain rounds take 0.1 s.
    static func round(_ policy: inout DraftLengthPolicy, cap: Int, drafted: Int = 0, accepted: Int = 0,
                      drafting: Double = 0, verifying: Double = 0.1) {
        policy.recordDrafting(tokens: drafted, seconds: drafting)
        policy.recordRound(cap: cap, tokens: accepted + 1, seconds: drafting + verifying, drafting: (drafted, drafting))
        policy.record(drafted: drafted, accepted: drafted > 0 ? accepted : 0, seconds: verifying)
    }

    /// A stop-rule drafter that drafted well (6 of 8 accepted, 0.03 s a drafted token, 0.2 s to
    /// verify), then met hard text: `roundsToStop` rounds at the maximum with nothing accepted (5 tokens a
    /// second against plain decoding's 10) stopped it.
    static func stopped() -> DraftLengthPolicy {
        var policy = DraftLengthPolicy(maximum: 8)
        policy.stopRuleTrims = true
        for _ in 0..<2 { round(&policy, cap: 8, drafted: 8, accepted: 6, drafting: 0.24, verifying: 0.2) }
        for _ in 0..<DraftLengthPolicy.roundsToStop { round(&policy, cap: 8, drafted: 2, accepted: 0, drafting: 0.06, verifying: 0.13) }
        for _ in 0..<2 { round(&policy, cap: 0) }
        return policy
    }

    @Test("Probes that fail keep coming at the same interval: their wait does not double")
    func probesDoNotBackOff() {
        var policy = Self.stopped()
        #expect(policy.choose() == 0)
        var probes: [Int] = []
        for index in 0..<100 {
            let cap = policy.choose()
            if cap > 0 {
                // The stop rule cut the draft to one token, which the target rejects.
                probes.append(index)
                Self.round(&policy, cap: cap, drafted: 1, accepted: 0, drafting: 0.03, verifying: 0.12)
            } else {
                Self.round(&policy, cap: 0)
            }
        }
        let gaps = zip(probes.dropFirst(), probes).map { $0 - $1 }
        #expect(probes.count >= 10 && probes.first! <= policy.probeInterval, "\(probes)")
        #expect(gaps.allSatisfy { $0 == policy.probeInterval + 1 }, "\(gaps)")
    }

    @Test("A probe is judged without the catch-up its drafting paid for the skipped tokens")
    func probeWithoutCatchUp() {
        var policy = Self.stopped()
        while policy.choose() == 0 { Self.round(&policy, cap: 0) }
        // The probe drafted one token, accepted: two tokens for 0.03 s of drafting and 0.12 s of
        // verification pay (13/s against plain decoding's 10/s); its drafting took 0.3 s because the
        // drafter first ran the skipped tokens, which later rounds will not do.
        var timedAsRun = policy
        Self.round(&policy, cap: 8, drafted: 1, accepted: 1, drafting: 0.3, verifying: 0.12)
        #expect(policy.choose() == 8)
        // Timed as it ran (no drafting split given), it looks dearer than plain decoding.
        timedAsRun.recordDrafting(tokens: 1, seconds: 0.3)
        timedAsRun.recordRound(cap: 8, tokens: 2, seconds: 0.42)
        timedAsRun.record(drafted: 1, accepted: 1, seconds: 0.12)
        #expect(timedAsRun.choose() == 0)
    }
}
