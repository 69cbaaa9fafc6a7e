import ArgumentParser
import Augur
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate text from a prompt (argument or stdin).")

    @Argument(help: "The prompt; read from stdin when omitted.")
    var prompt: String?

    @OptionGroup var model: ModelOptions

    @Option(help: "The most tokens to generate.")
    var maxTokens = 128

    @Option(help: "Sampling temperature (0: greedy).")
    var temperature: Float = 0

    @Option(help: "Keep the k most likely tokens (0: all).")
    var topK = 40

    @Option(help: "Nucleus sampling threshold.")
    var topP: Float = 0.95

    @Option(help: "Drop tokens below this fraction of the best one's probability.")
    var minP: Float = 0.05

    @Option(help: "Penalty for recently generated tokens (1: off).")
    var repeatPenalty: Float = 1

    @Option(help: "Seed for sampling.")
    var seed: UInt64 = 0

    @Flag(help: "Apply the model's chat template to the prompt.")
    var chat = false

    @Flag(help: "Keep generating past end-of-generation tokens (for benchmarks).")
    var ignoreEos = false

    @OptionGroup(title: "Speculative decoding (the output equals plain decoding)") var speculation: SpeculationOptions

    @Flag(help: "Print one JSON object (ids, text, stop reason, stats) instead of streaming text.")
    var json = false

    func run() throws {
        do {
            try generate(options: readEngineOptions(device: model.device))
        } catch {
            throw fail(error)
        }
    }

    /// Loads the model and generates: text streamed to stdout, or one JSON object at the end.
    @discardableResult
    func generate(options: EngineOptions) throws -> GenerationStats {
        let text = try prompt ?? readStandardInput()
        let loaded = try model.load(options)
        // --context sizes the session (an error past the model's, or without room for the
        // prompt and --max-tokens); without it the generation sizes its own.
        let session = try model.context.map { try loaded.makeSession(context: $0) }
        var parameters = GenerationParameters(maxTokens: maxTokens)
        parameters.sampling.temperature = temperature
        parameters.sampling.topK = topK
        parameters.sampling.topP = topP
        parameters.sampling.minP = minP
        parameters.sampling.repetitionPenalty = repeatPenalty
        parameters.sampling.seed = seed
        parameters.stopAtEndOfGeneration = !ignoreEos
        let formatted = chat ? try loaded.chatPrompt([ChatMessage(role: .user, content: text)]) : text
        let ids = loaded.tokenize(formatted)
        let cancelled = CancellationFlag()
        let interrupt = Interrupt { cancelled.set() }
        defer { interrupt.restore() }
        let show: (GenerationEvent) -> Void = { event in
            if !json, case .token(_, let piece) = event {
                FileHandle.standardOutput.write(Data(piece.utf8))
            }
        }
        parameters.speculation = try speculation.speculation(options)
        let stats = try loaded.runGeneration(ids, parameters: parameters, session: session, cancelled: cancelled, emit: show)
        if json {
            var report = GenerationReport(stats)
            report.stats.speculative = stats.speculative.map(GenerationReport.Speculative.init)
            print(try report.json())
        } else {
            print()
            let rounds = stats.speculative.map { ", " + $0.summary } ?? ""
            let line = String(format: "augur: load %.2f s, prefill %d tokens at %.2f tokens/s, decode %d tokens at %.2f tokens/s",
                              stats.loadSeconds, stats.promptTokens.count, stats.prefillTokensPerSecond, stats.tokens.count,
                              stats.decodeTokensPerSecond)
            FileHandle.standardError.write(Data("\(line), stop: \(stats.stopReason.rawValue)\(rounds)\n".utf8))
        }
        return stats
    }
}

/// Reads stdin as UTF-8; invalid bytes are an error, not replacement characters.
func readStandardInput() throws -> String {
    try Prompt.decode(FileHandle.standardInput.readDataToEndOfFile())
}

/// `generate --json`: the generation's ids, text and speeds.
struct GenerationReport: Encodable {
    struct Stats: Encodable {
        var load_seconds: Double, prefill_tokens_per_second: Double, decode_tokens_per_second: Double
        var speculative: Speculative?
    }
    struct Speculative: Encodable {
        var drafter: String, rounds: Int, drafted: Int, accepted: Int, mean_accepted_length: Double
        var acceptance_by_position: [Double]

        init(_ s: SpeculativeStats) {
            (drafter, rounds, drafted, accepted) = (s.drafter, s.rounds, s.drafted, s.accepted)
            mean_accepted_length = s.meanAcceptedLength
            acceptance_by_position = s.acceptanceByPosition
        }
    }
    var prompt_tokens: [Int], tokens: [Int], text: String, stop_reason: String, stats: Stats

    init(_ s: GenerationStats) {
        prompt_tokens = s.promptTokens
        tokens = s.tokens
        text = s.text
        stop_reason = s.stopReason.rawValue
        stats = Stats(load_seconds: s.loadSeconds, prefill_tokens_per_second: s.prefillTokensPerSecond,
                      decode_tokens_per_second: s.decodeTokensPerSecond, speculative: nil)
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
