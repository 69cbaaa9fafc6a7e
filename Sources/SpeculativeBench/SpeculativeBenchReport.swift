import Augur
import Foundation

/// What `SpeculativeBenchmark` measured for one configuration (`augur bench --json`): a row a
/// prompt and the total over them.
public struct SpeculativeBenchReport: Encodable, Sendable {
    public struct Row: Encodable, Sendable {
        public var name: String
        public var plain_tokens_per_second: Double, speculative_tokens_per_second: Double, speedup: Double
        public var mean_accepted_length: Double, acceptance_rate: Double
        /// Whether every speculative run gave the tokens of every plain run.
        public var identical: Bool
        public var drafted: Int, accepted: Int, rounds: Int, tokens: Int
        /// Whole-request speedup: prompt prefill (both models') plus decoding, plain over speculative.
        public var request_speedup: Double
        /// The first speculative run's stats (greedy runs repeat them to the token).
        public var stats: SpeculativeStats
        var plainSeconds: Double, speculativeSeconds: Double
        var plainRequestSeconds: Double, speculativeRequestSeconds: Double

        /// One prompt's runs of each side (at least one each): decoding seconds and prefill
        /// seconds are each side's medians.
        init(name: String, plain: [GenerationStats], speculative: [GenerationStats]) {
            self.name = name
            let decode = { (s: GenerationStats) in Double(max(s.tokens.count - 1, 0)) / max(s.decodeTokensPerSecond, 1e-9) }
            let prefill = { (s: GenerationStats) in Double(s.promptTokens.count) / max(s.prefillTokensPerSecond, 1e-9) }
            let median = { (values: [Double]) in
                let sorted = values.sorted()
                return (sorted[sorted.count / 2] + sorted[(sorted.count - 1) / 2]) / 2
            }
            (plainSeconds, speculativeSeconds) = (median(plain.map(decode)), median(speculative.map(decode)))
            let decoded = Double(max(speculative[0].tokens.count - 1, 0))
            plain_tokens_per_second = decoded / max(plainSeconds, 1e-9)
            speculative_tokens_per_second = decoded / max(speculativeSeconds, 1e-9)
            speedup = plainSeconds / max(speculativeSeconds, 1e-9)
            stats = speculative[0].speculative ?? SpeculativeStats(drafter: "none")
            mean_accepted_length = stats.meanAcceptedLength
            acceptance_rate = stats.acceptanceRate
            identical = (plain + speculative).allSatisfy { $0.tokens == plain[0].tokens }
            (drafted, accepted, rounds, tokens) = (stats.drafted, stats.accepted, stats.rounds, speculative[0].tokens.count)
            plainRequestSeconds = median(plain.map(prefill)) + plainSeconds
            speculativeRequestSeconds = median(speculative.map(prefill)) + speculativeSeconds
            request_speedup = plainRequestSeconds / max(speculativeRequestSeconds, 1e-9)
        }

        enum CodingKeys: String, CodingKey {
            case name, plain_tokens_per_second, speculative_tokens_per_second, speedup, mean_accepted_length
            case acceptance_rate, identical, drafted, accepted, rounds, tokens, request_speedup
        }
    }

    public struct Total: Encodable, Sendable {
        public var plain_tokens_per_second: Double, speculative_tokens_per_second: Double, speedup: Double
        public var mean_accepted_length: Double, acceptance_rate: Double, identical_outputs: Int
        public var request_speedup: Double
    }

    public var total: Total
    public var prompts: [Row]

    init(rows: [Row]) {
        prompts = rows
        let tokens = Double(rows.reduce(0) { $0 + max($1.tokens - 1, 0) })
        let plain = tokens / max(rows.reduce(0) { $0 + $1.plainSeconds }, 1e-9)
        let spec = tokens / max(rows.reduce(0) { $0 + $1.speculativeSeconds }, 1e-9)
        let drafted = rows.reduce(0) { $0 + $1.drafted }, accepted = rows.reduce(0) { $0 + $1.accepted }
        let rounds = rows.reduce(0) { $0 + $1.rounds }, generated = rows.reduce(0) { $0 + $1.tokens }
        total = Total(plain_tokens_per_second: plain, speculative_tokens_per_second: spec, speedup: spec / max(plain, 1e-9),
                      mean_accepted_length: Double(generated) / Double(max(rounds, 1)),
                      acceptance_rate: Double(accepted) / Double(max(drafted, 1)),
                      identical_outputs: rows.filter(\.identical).count,
                      request_speedup: rows.reduce(0) { $0 + $1.plainRequestSeconds } / max(rows.reduce(0) { $0 + $1.speculativeRequestSeconds }, 1e-9))
    }
}
