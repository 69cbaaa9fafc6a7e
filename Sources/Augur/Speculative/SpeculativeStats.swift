/// How speculation went: rounds (target passes), tokens drafted and accepted.
public struct SpeculativeStats: Sendable, Codable, Equatable {
    public var drafter: String
    public var rounds = 0
    public var drafted = 0
    public var accepted = 0
    /// Tokens generated (accepted drafts plus the target's own token each round).
    public var generated = 0
    /// acceptanceByPosition[i]: the fraction of rounds that drafted a token at depth i + 1 and had one accepted there.
    public var acceptanceByPosition: [Double] = []
    /// Wall seconds spent drafting, and verifying (the target pass, acceptance and the cache update).
    public var draftSeconds = 0.0
    public var verifySeconds = 0.0
    /// Wall seconds the drafters spent reading the prompt (part of the request's prefill).
    public var draftPrefillSeconds = 0.0
    var draftedAt: [Int] = []
    var acceptedAt: [Int] = []

    public init(drafter: String) {
        self.drafter = drafter
    }

    /// Tokens per target pass, the bonus token included.
    public var meanAcceptedLength: Double { rounds == 0 ? 0 : Double(generated) / Double(rounds) }
    public var acceptanceRate: Double { drafted == 0 ? 0 : Double(accepted) / Double(drafted) }

    /// A round, its verified draft `depth` deep.
    mutating func record(_ round: RoundReport, depth: Int) {
        record(drafted: round.verified, depth: depth, accepted: round.accepted, generated: round.tokens.count)
        draftSeconds += round.draftSeconds
        verifySeconds += round.verifySeconds
    }

    /// A round that drafted `d` tokens (`depth` deep: a chain's length, a tree's longest path) and
    /// accepted `a` of them, generating `g` tokens.
    mutating func record(drafted d: Int, depth: Int? = nil, accepted a: Int, generated g: Int) {
        rounds += 1
        drafted += d
        accepted += a
        generated += g
        let deep = depth ?? d
        while draftedAt.count < deep { draftedAt.append(0); acceptedAt.append(0) }
        for i in 0..<deep { draftedAt[i] += 1 }
        for i in 0..<a { acceptedAt[i] += 1 }
        acceptanceByPosition = zip(acceptedAt, draftedAt).map { Double($0) / Double(max($1, 1)) }
    }

    enum CodingKeys: String, CodingKey {
        case drafter, rounds, drafted, accepted, generated
        case acceptanceByPosition = "acceptance_by_position"
        case draftSeconds = "draft_seconds", verifySeconds = "verify_seconds", draftPrefillSeconds = "draft_prefill_seconds"
    }
}
