import ArgumentParser
import Augur
import SpeculativeBench
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a prompt set plain and speculative, interleaved, and compare speed and outputs.")

    @OptionGroup var model: ModelOptions

    @Option(help: "A prompt file (JSON lines with \"prompt\", or one prompt per line) or humaneval:A-B (with --verify-cost: the context the passes follow, by default a short one).")
    var prompts: String?

    @Option(help: "Tokens to generate per prompt.")
    var maxTokens = 64

    @OptionGroup(title: "Drafters (they combine)") var speculation: SpeculationOptions

    @Option(help: "Also compare these fixed draft lengths (comma separated; no stop rule unless --stop-probability is given) with --adaptive at --draft-max, plain decoding run once per prompt.")
    var sweep: String?

    @Flag(help: "Compare each chosen drafter alone, then all of them combined with --adaptive, plain decoding run once per prompt.")
    var each = false

    @Option(help: "Compare the draft model loaded these ways (comma separated: none, q4_0, q4_1; see --draft-quantization), plain decoding run once per prompt.")
    var compareDraftQuantization: String?

    @Option(help: "Instead of a prompt set, time one target pass of each of these token counts (like 1,2,4,8,16) against a one-token pass.")
    var verifyCost: String?

    @Flag(help: "With --verify-cost: also time each pass kernel by kernel on the GPU.")
    var profile = false

    @Option(help: "Runs of each side per prompt, in A B B A order; each side's time is the median of its runs (a steadier figure on a machine whose speed drifts).")
    var repeats = 1

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        do {
            guard model.context == nil else {
                throw ValidationError("--context does not apply to bench: each run sizes its own context")
            }
            let engine = try readEngineOptions(device: model.device)
            if let verifyCost { return try measureVerifyCost(verifyCost, engine: engine) }
            guard !profile else { throw ValidationError("--profile goes with --verify-cost") }
            guard speculation.isOn else {
                throw ValidationError("choose a drafter: --lookup, --ngram, --draft-model or --self-spec")
            }
            let lengths = try sweep.map { try counts($0, in: 1...63, option: "--sweep") }
            guard let prompts else { throw ValidationError("--prompts is needed to compare decoding (a file or humaneval:A-B)") }
            let set = try PromptSet.load(prompts, store: engine.modelStore)
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
            let target = try model.load(engine)
            // Each configuration gets its own n-gram pool, so none learns from another's runs.
            let draft = compareDraftQuantization == nil ? try speculation.loadDraft(engine) : nil
            var drafts = draft.map { [$0] } ?? []
            var configurations: [(name: String, speculation: Speculation)] = []
            for k in lengths ?? [] {
                var options = speculation
                (options.draftMax, options.adaptive) = (k, false)
                // A fixed length drafts k tokens every round, unless a stop rule was asked for.
                options.stopProbability = options.stopProbability ?? 1
                configurations.append(("draft \(k)", try options.speculation(engine, draft: draft)!))
            }
            if let compareDraftQuantization {
                guard speculation.draftModel != nil, speculation.draftQuantization == nil, lengths == nil, !each else {
                    throw ValidationError("--compare-draft-quantization needs --draft-model, without --draft-quantization, --sweep or --each")
                }
                for name in compareDraftQuantization.split(separator: ",") {
                    guard let way = DraftQuantization(rawValue: String(name)) else {
                        throw ValidationError("--compare-draft-quantization: unknown '\(name)' (\(DraftQuantization.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    var options = speculation
                    options.draftQuantization = way
                    let loaded = try options.loadDraft(engine)!
                    drafts.append(loaded)
                    configurations.append(("draft-model \(way.rawValue)", try options.speculation(engine, draft: loaded)!))
                }
            } else if each {
                for single in speculation.drafters {
                    configurations.append(("\(single.name) \(speculation.draftMax)", try single.options.speculation(engine, draft: draft)!))
                }
                var combined = speculation
                combined.adaptive = true
                configurations.append(("all adaptive \(speculation.draftMax)", try combined.speculation(engine, draft: draft)!))
            } else if lengths != nil {
                var options = speculation
                options.adaptive = true
                configurations.append(("adaptive \(speculation.draftMax)", try options.speculation(engine, draft: draft)!))
            } else {
                configurations.append((speculation.adaptive ? "adaptive \(speculation.draftMax)" : "draft \(speculation.draftMax)",
                                       try speculation.speculation(engine, draft: draft)!))
            }
            let benchmark = SpeculativeBenchmark(prompts: set, configurations: configurations, maxTokens: maxTokens, repeats: repeats)
            let start = Date()
            let reports = try benchmark.run(target: target, drafts: drafts) { row, configuration in
                guard !json else { return }
                let stats = row.stats
                print(String(format: "%@\t%@\tplain %.2f tok/s\tspeculative %.2f tok/s\tspeedup %.2fx\trequest %.2fx\taccepted %d/%d\tmean length %.2f\tdraft prefill %.1f s\tdraft %.1f s\tverify %.1f s\t%@",
                             row.name, configuration.name, row.plain_tokens_per_second, row.speculative_tokens_per_second, row.speedup,
                             row.request_speedup, stats.accepted, stats.drafted, stats.meanAcceptedLength, stats.draftPrefillSeconds,
                             stats.draftSeconds, stats.verifySeconds, row.identical ? "identical" : "DIFFERENT"))
            }
            FileHandle.standardError.write(Data(String(format: "benchmark ran in %.1f s\n", Date().timeIntervalSince(start)).utf8))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let data = configurations.count == 1 ? try encoder.encode(reports[0])
                    : try encoder.encode(["sweep": zip(configurations, reports).map { SweepEntry(name: $0.name, report: $1) }])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for (configuration, report) in zip(configurations, reports) {
                    let t = report.total
                    print(String(format: "total\t%@\tplain %.2f tok/s\tspeculative %.2f tok/s\tspeedup %.2fx\trequest %.2fx\tmean length %.2f\tacceptance %.2f\tidentical %d/%d",
                                 configuration.name, t.plain_tokens_per_second, t.speculative_tokens_per_second, t.speedup, t.request_speedup,
                                 t.mean_accepted_length, t.acceptance_rate, t.identical_outputs, report.prompts.count))
                }
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}

extension Bench {
    /// A comma-separated list of counts, each within `range`.
    func counts(_ list: String, in range: ClosedRange<Int>, option: String) throws -> [Int] {
        try list.split(separator: ",").map {
            guard let k = Int($0.trimmingCharacters(in: .whitespaces)), range.contains(k) else {
                throw ValidationError("\(option) takes a comma-separated list of counts in \(range.lowerBound)...\(range.upperBound), like 1,2,4,8")
            }
            return k
        }
    }

    /// `--verify-cost 1,2,4,8`: the verification cost curve after the first prompt of the set.
    func measureVerifyCost(_ list: String, engine: EngineOptions) throws {
        let counts = try counts(list, in: 1...64, option: "--verify-cost")
        let target = try model.load(engine)
        let prompt = try prompts.flatMap { try PromptSet.load($0, store: engine.modelStore).first?.prompt } ?? "def f():"
        let cost = try target.verifyCost(after: target.tokenize(prompt), tokens: counts, repeats: 7, profile: profile)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(cost), as: UTF8.self))
        } else {
            for point in cost.points {
                print(String(format: "%d tokens\t%.1f ms\t%.2fx one token", point.tokens, point.seconds * 1000, point.ratio))
                for kernel in point.kernels ?? [] {
                    print(String(format: "\t%8.2f ms  %4d x  %@", kernel.milliseconds, kernel.dispatches, kernel.kernel))
                }
            }
        }
    }
}

/// One configuration of a `--sweep`, `--each` or `--compare-draft-quantization` in `--json`.
struct SweepEntry: Encodable {
    var name: String
    var report: SpeculativeBenchReport

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(report.total, forKey: .total)
        try container.encode(report.prompts, forKey: .prompts)
    }
    enum CodingKeys: String, CodingKey { case name, total, prompts }
}
