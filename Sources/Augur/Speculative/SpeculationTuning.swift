/// The tuned constants of speculative decoding in one place. Each was set from measurements on
/// lavapipe (Qwen2.5-Coder-0.5B drafting for 1.5B, HumanEval prompts) unless it says otherwise;
/// the dated tables and commands are in docs/benchmarks.md, "Tuned constants: where each came from".
public enum SpeculationTuning {
    /// SpecDec++'s stop rule: a path stops once the chance it holds a rejection exceeds this.
    /// 0.2: 89-90% acceptance on HumanEval 0-7 and 8-15 with the q4_1 draft, as fast as 0.3.
    public static let stopProbability = 0.2
    /// Token ids a draft model's head computes (plus the request's own past them): FR-Spec's
    /// frequency-ranked head; 65,536 beat the whole head and 32,768 on HumanEval 8-15.
    public static let draftVocabulary = 65536
    /// A draft model branches (tree width > 1) only where its top probability is below this.
    public static let sureProbability = 0.8
    /// Rows gathered into a limited draft head for the request's tokens past its prefix.
    static let maxHeadExtra = 4096
    /// Early exit drafts with all but the last twelfth of the layers: untrained models keep their
    /// prediction only near the top (first-token acceptance 21% at 18 of 24 layers, 100% at 22).
    public static func exitLayer(layers: Int) -> Int { max(1, layers - max(1, layers / 12)) }

    /// Length policy: rounds at the maximum before a stop-rule drafter may stop drafting.
    static let roundsToStop = 16
    /// Length policy: idle rounds before a probe (doubling to `maxProbeInterval` for drafters
    /// without a stop rule); routing: rounds before a benched drafter is probed again.
    static let probeInterval = 8
    static let maxProbeInterval = 64
    /// Length policy: the prior acceptance, and the decay of its counts per round.
    public static let initialAcceptance = 0.7
    static let acceptanceMemory = 0.9
    /// Length policy: rounds of drafting and verification times kept for its cost lines.
    static let costWindow = 32
    /// Realized rates: the weight of the past per round, and rounds before a rate is trusted.
    static let realizedMemory = 0.85
    static let realizedMinimumRounds = 2

    /// Routing: what verifying one more drafted token costs, as a share of a pass, until the
    /// device's verify-cost curve says (`Drafter.useVerifyCost`).
    static let extraTokenCost = 0.1
    /// Routing: rounds a record recalled from an earlier request counts for at most; rounds the
    /// long averages span, and rounds of a long record before it can keep a drafter running.
    static let recalledRounds = 4
    static let longRounds = 64
    static let longRoundsToTrust = 8
    /// Routing: the most tokens a path of a probe of a drafter that cannot pay.
    static let probeDepth = 2
}
