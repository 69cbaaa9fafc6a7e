import ArgumentParser
import Augur
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a prompt set plain and speculative, interleaved, and compare speed and outputs.")

    @OptionGroup var model: ModelOptions

    @Option(help: "A prompt file (JSON lines with \"prompt\", or one prompt per line) or humaneval:A-B.")
    var prompts: String

    @Option(help: "Tokens to generate per prompt.")
    var maxTokens = 64

    @OptionGroup(title: "Drafters (they combine)") var speculation: SpeculationOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        do {
            guard speculation.isOn else {
                throw ValidationError("choose a drafter: --lookup, --ngram, --draft-model or --self-spec")
            }
            let set = try PromptSet.load(prompts)
            let target = try model.load()
            var parameters = GenerationParameters(maxTokens: maxTokens)
            parameters.stopAtEndOfGeneration = false
            let speculative = try speculation.speculation()
            var rows: [BenchReport.Row] = []
            for (name, prompt) in set {
                let ids = target.tokenize(prompt)
                let plain = try target.runGeneration(ids, parameters: parameters)
                var withDrafts = parameters
                withDrafts.speculation = speculative
                let spec = try target.runGeneration(ids, parameters: withDrafts)
                let stats = spec.speculative ?? SpeculativeStats(drafter: "none")
                let row = BenchReport.Row(name: name, plain: plain, speculative: spec, stats: stats)
                rows.append(row)
                if !json {
                    print(String(format: "%@\tplain %.2f tok/s\tspeculative %.2f tok/s\tspeedup %.2fx\taccepted %d/%d\tmean length %.2f\t%@",
                                 name, row.plain_tokens_per_second, row.speculative_tokens_per_second, row.speedup, stats.accepted,
                                 stats.drafted, stats.meanAcceptedLength, row.identical ? "identical" : "DIFFERENT"))
                }
            }
            let report = BenchReport(rows: rows)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                let t = report.total
                print(String(format: "total\tplain %.2f tok/s\tspeculative %.2f tok/s\tspeedup %.2fx\tmean length %.2f\tacceptance %.2f\tidentical %d/%d",
                             t.plain_tokens_per_second, t.speculative_tokens_per_second, t.speedup, t.mean_accepted_length,
                             t.acceptance_rate, t.identical_outputs, rows.count))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}

/// `augur bench --json`.
struct BenchReport: Encodable {
    struct Row: Encodable {
        var name: String
        var plain_tokens_per_second: Double, speculative_tokens_per_second: Double, speedup: Double
        var mean_accepted_length: Double, acceptance_rate: Double, identical: Bool
        var drafted: Int, accepted: Int, rounds: Int, tokens: Int
        var plainSeconds: Double, speculativeSeconds: Double

        init(name: String, plain: GenerationStats, speculative: GenerationStats, stats: SpeculativeStats) {
            self.name = name
            plain_tokens_per_second = plain.decodeTokensPerSecond
            speculative_tokens_per_second = speculative.decodeTokensPerSecond
            speedup = speculative.decodeTokensPerSecond / max(plain.decodeTokensPerSecond, 1e-9)
            mean_accepted_length = stats.meanAcceptedLength
            acceptance_rate = stats.acceptanceRate
            identical = plain.tokens == speculative.tokens
            (drafted, accepted, rounds, tokens) = (stats.drafted, stats.accepted, stats.rounds, speculative.tokens.count)
            plainSeconds = Double(max(plain.tokens.count - 1, 0)) / max(plain.decodeTokensPerSecond, 1e-9)
            speculativeSeconds = Double(max(speculative.tokens.count - 1, 0)) / max(speculative.decodeTokensPerSecond, 1e-9)
        }

        enum CodingKeys: String, CodingKey {
            case name, plain_tokens_per_second, speculative_tokens_per_second, speedup, mean_accepted_length
            case acceptance_rate, identical, drafted, accepted, rounds, tokens
        }
    }
    struct Total: Encodable {
        var plain_tokens_per_second: Double, speculative_tokens_per_second: Double, speedup: Double
        var mean_accepted_length: Double, acceptance_rate: Double, identical_outputs: Int
    }
    var total: Total
    var prompts: [Row]

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
                      identical_outputs: rows.filter(\.identical).count)
    }
}
