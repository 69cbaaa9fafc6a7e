/// What one decoding round did and cost: the one account that the length policy, the drafters
/// (routing among combined ones) and the stats read. A round drafts (maybe nothing), verifies
/// the target's own next token and the draft in one pass, and keeps the accepted path.
public struct RoundReport: Sendable, Equatable {
    /// The most tokens the round let a path have.
    public var cap: Int
    /// Tokens the drafter proposed, and the wall seconds it took.
    public var drafted: Int
    public var draftSeconds: Double
    /// Drafted tokens verified (after the length policy pruned the tree), and the wall seconds
    /// of the verification pass, the acceptance and the cache update.
    public var verified: Int
    public var verifySeconds: Double
    /// The round's new tokens: the target's own next token, then the accepted drafted ones.
    public var tokens: [Int]
    /// Pipelines created while drafting and while verifying: a CPU device compiles them then, so
    /// such a round's times say nothing of what drafting or a pass costs.
    public var pipelinesCreatedDrafting = 0
    public var pipelinesCreatedVerifying = 0
    /// Whether drafting ran part of the verification (an early exit's layers), so the pass ran
    /// only the rest of the model: its time is not a pass's.
    public var precomputed = false
    /// Whether the drafter was asked for a proposal (the length policy may choose plain decoding).
    public var proposed = true

    public init(cap: Int, drafted: Int, draftSeconds: Double, verified: Int, verifySeconds: Double, tokens: [Int],
                pipelinesCreatedDrafting: Int = 0, pipelinesCreatedVerifying: Int = 0, precomputed: Bool = false, proposed: Bool = true) {
        (self.cap, self.drafted, self.draftSeconds, self.verified, self.verifySeconds) = (cap, drafted, draftSeconds, verified, verifySeconds)
        (self.tokens, self.pipelinesCreatedDrafting, self.pipelinesCreatedVerifying) = (tokens, pipelinesCreatedDrafting, pipelinesCreatedVerifying)
        (self.precomputed, self.proposed) = (precomputed, proposed)
    }

    /// Drafted tokens the target accepted.
    public var accepted: Int { tokens.count - 1 }
    /// Whether the drafting time is what drafting costs (no pipeline was created meanwhile).
    public var draftingTimeIsClean: Bool { pipelinesCreatedDrafting == 0 }
    /// Whether the verification time is a pass's (no pipeline created, nothing precomputed).
    public var verifyTimeIsClean: Bool { pipelinesCreatedVerifying == 0 }
}
