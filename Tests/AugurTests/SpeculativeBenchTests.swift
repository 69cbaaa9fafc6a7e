import Foundation
import Testing
@testable import Augur
@testable import SpeculativeBench

@Suite("Benchmark prompt sets")
struct PromptSetTests {
    @Test("Prompt files may be JSON lines or plain lines; a bad HumanEval range is an error")
    func files() throws {
        let url = FileManager.default.temporaryDirectory.appending(path: "augur-prompts-\(UUID().uuidString).jsonl")
        try Data("{\"task_id\": \"a\", \"prompt\": \"def f():\\n\"}\nplain prompt\\nsecond line\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let set = try PromptSet.load(url.path)
        #expect(set.map(\.name) == ["a", "1"])
        #expect(set.map(\.prompt) == ["def f():\n", "plain prompt\nsecond line"])
        #expect(throws: GenerationError.self) { try PromptSet.load("humaneval:5-2") }
        #expect(throws: GenerationError.invalidParameter("prompt file not found: /no/prompts.txt (a file, or humaneval:A-B)")) {
            try PromptSet.load("/no/prompts.txt")
        }
    }
}

@Suite("Speculative benchmark")
struct SpeculativeBenchmarkTests {
    @Test("Every prompt runs plain and with every configuration, rows come as they finish, and bad settings are errors")
    func repeatedRuns() throws {
        let model = try TokenTreeTests.tinyModel()
        let prompts = [(name: "a", prompt: "one two one two one"), (name: "b", prompt: "three four three")]
        let configurations: [SpeculativeBenchmark.Configuration] = [("lookup", Speculation(lookup: true)),
                                                                      ("self", Speculation(selfSpeculation: true, exitLayer: 2))]
        var seen: [String] = []
        let reports = try SpeculativeBenchmark(prompts: prompts, configurations: configurations, maxTokens: 6, repeats: 3)
            .run(target: model, drafts: []) { row, configuration in seen.append("\(row.name) \(configuration.name)") }
        #expect(seen == ["a lookup", "a self", "b lookup", "b self"])
        #expect(reports.count == 2)
        for report in reports {
            #expect(report.prompts.map(\.name) == ["a", "b"])
            #expect(report.total.identical_outputs == 2)
            #expect(report.prompts.allSatisfy { $0.tokens == 6 && $0.plain_tokens_per_second > 0 && $0.speculative_tokens_per_second > 0 })
        }
        #expect(reports[1].prompts.allSatisfy { $0.rounds > 0 })
        #expect((0..<4).map { SpeculativeBenchmark.order(pass: $0, configurations: 2) } == [[0, 1, 2], [2, 1, 0], [0, 1, 2], [2, 1, 0]])
        #expect(throws: GenerationError.self) {
            try SpeculativeBenchmark(prompts: prompts, configurations: configurations, maxTokens: 6, repeats: 0).run(target: model, drafts: [])
        }
    }

    @Test("A row takes each side's median time, and calls outputs identical only when every run agrees")
    func rowMedians() {
        func run(_ tokens: [Int], seconds: Double) -> GenerationStats {
            GenerationStats(promptTokens: [1, 2], tokens: tokens, text: "", stopReason: .maxTokens, loadSeconds: 0,
                            prefillTokensPerSecond: 2, decodeTokensPerSecond: Double(tokens.count - 1) / seconds, speculative: nil)
        }
        let tokens = [5, 6, 7, 8, 9]
        let plain = [10.0, 30, 20].map { run(tokens, seconds: $0) }
        let row = SpeculativeBenchReport.Row(name: "p", plain: plain, speculative: [5.0, 50, 10].map { run(tokens, seconds: $0) })
        #expect(abs(row.speedup - 2) < 1e-12)
        #expect(abs(row.plain_tokens_per_second - 4.0 / 20) < 1e-12)
        #expect(abs(row.request_speedup - 21.0 / 11) < 1e-12)
        #expect(row.identical)
        let even = SpeculativeBenchReport.Row(name: "p", plain: Array(plain.prefix(2)), speculative: [run(tokens, seconds: 10), run([5, 6, 7, 8, 1], seconds: 10)])
        #expect(abs(even.speedup - 2) < 1e-12)
        #expect(!even.identical)
    }
}
