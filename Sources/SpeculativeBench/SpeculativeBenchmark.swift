import Augur
import Foundation

/// Plain and speculative greedy decoding of a prompt set on one target, in one process: after an
/// untimed warm-up, each prompt runs plain and with every configuration, interleaved. With
/// `repeats` > 1 each prompt's passes alternate their order (plain first, then last: A B B A),
/// so a machine whose speed drifts weighs on both sides alike, and each side's time is the
/// median of its runs.
public struct SpeculativeBenchmark {
    public typealias Configuration = (name: String, speculation: Speculation)

    public var prompts: [(name: String, prompt: String)]
    public var configurations: [Configuration]
    public var maxTokens: Int
    public var repeats: Int

    public init(prompts: [(name: String, prompt: String)], configurations: [Configuration], maxTokens: Int, repeats: Int = 1) {
        (self.prompts, self.configurations, self.maxTokens, self.repeats) = (prompts, configurations, maxTokens, repeats)
    }

    /// Runs the set on `target` (`drafts`: the draft models the configurations use, warmed up
    /// with it) and returns one report per configuration; `row` sees each prompt's result as it
    /// comes.
    public func run(target: Model, drafts: [Model], row: (SpeculativeBenchReport.Row, Configuration) -> Void = { _, _ in })
        throws -> [SpeculativeBenchReport] {
        guard repeats >= 1, maxTokens >= 1, !prompts.isEmpty, !configurations.isEmpty else {
            throw GenerationError.invalidParameter("a benchmark needs prompts, configurations, repeats >= 1 and max tokens >= 1")
        }
        var parameters = GenerationParameters(maxTokens: maxTokens)
        parameters.stopAtEndOfGeneration = false
        // Warm-up, untimed: every matvec variant a batch can use (a CPU device compiles each when
        // it is created, and rounds vary their batch size), then each configuration once.
        for model in [target] + drafts { try model.prepareKernels(batch: 64) }
        var warmUp = parameters
        warmUp.maxTokens = 8
        for speculation in [nil] + configurations.map(\.speculation) {
            warmUp.speculation = speculation
            _ = try target.runGeneration(target.tokenize("def warm_up():"), parameters: warmUp)
        }
        var rows = [[SpeculativeBenchReport.Row]](repeating: [], count: configurations.count)
        for (name, prompt) in prompts {
            let ids = target.tokenize(prompt)
            // Index 0 is plain decoding, c + 1 configuration c.
            var runs = [[GenerationStats]](repeating: [], count: configurations.count + 1)
            for pass in 0..<repeats {
                for side in Self.order(pass: pass, configurations: configurations.count) {
                    var withDrafts = parameters
                    withDrafts.speculation = side == 0 ? nil : configurations[side - 1].speculation
                    runs[side].append(try target.runGeneration(ids, parameters: withDrafts))
                }
            }
            for c in configurations.indices {
                let result = SpeculativeBenchReport.Row(name: name, plain: runs[0], speculative: runs[c + 1])
                rows[c].append(result)
                row(result, configurations[c])
            }
        }
        return rows.map { SpeculativeBenchReport(rows: $0) }
    }

    /// The sides of pass `pass` in the order they run: 0 is plain decoding, c + 1 configuration c;
    /// even passes forwards, odd ones backwards.
    static func order(pass: Int, configurations: Int) -> [Int] {
        pass % 2 == 0 ? Array(0...configurations) : Array((0...configurations).reversed())
    }
}
