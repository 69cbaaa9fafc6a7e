/// Tokens per second that rounds actually gave at each draft cap: generated tokens over drafting
/// plus verification seconds, with older rounds fading. It holds what a model of the round misses:
/// a stop rule that ends drafts before likely rejections, a drafter's fixed costs, variations in
/// acceptance along a draft.
struct RealizedRates: Sendable {
    private var arms: [Int: (tokens: Double, seconds: Double, rounds: Int)] = [:]
    /// Weight of the past per new round.
    let memory = SpeculationTuning.realizedMemory
    /// Rounds at a cap before its measured rate is trusted.
    let minimumRounds = SpeculationTuning.realizedMinimumRounds

    mutating func record(cap: Int, tokens: Int, seconds: Double) {
        guard seconds > 0 else { return }
        let old = arms[cap] ?? (0, 0, 0)
        arms[cap] = (memory * old.tokens + Double(tokens), memory * old.seconds + seconds, old.rounds + 1)
    }

    /// Measured tokens per second at `cap`, once it has `minimumRounds` rounds (or `rounds`).
    func rate(_ cap: Int, rounds: Int? = nil) -> Double? {
        guard let arm = arms[cap], arm.rounds >= rounds ?? minimumRounds, arm.seconds > 0 else { return nil }
        return arm.tokens / arm.seconds
    }
}
