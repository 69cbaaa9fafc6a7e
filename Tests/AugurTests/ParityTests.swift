import Foundation
import Testing
@testable import Augur

/// Parity with llama.cpp's CPU build (`../shared/reference/golden/`). llama.cpp quantizes
/// activations to 8 bits before its quantized matmuls, so its logits differ from exact arithmetic
/// by up to a few tenths here, and it can rank two close tokens the other way. Where Augur and
/// llama.cpp disagree at a margin of 0.1 or more, the exact CPU reference forward pass
/// (double-precision sums) decides: the test fails unless exact arithmetic sides with Augur.
@Suite("Parity with llama.cpp", .serialized)
struct ParityTests {
    static let models = [("smollm2-135m", "SmolLM2-135M-Instruct.Q4_1.json"),
                         ("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.json")]
    static let steps = 24

    @Test("Prompt token ids equal llama.cpp's", arguments: models)
    func tokenization(model name: String, golden file: String) throws {
        let path = try ModelFiles.path(name), golden = try GoldenFile.load(file)
        let model = try Model(path: path)
        for c in golden.cases { #expect(model.tokenize(c.formatted_prompt) == c.prompt_ids, "\(c.name)") }
    }

    @Test("Teacher-forced top-1 equals llama.cpp's wherever its top-2 margin is at least 0.1, or exact arithmetic sides with Augur", arguments: models)
    func teacherForced(model name: String, golden file: String) throws {
        let path = try ModelFiles.path(name), golden = try GoldenFile.load(file)
        let model = try Model(path: path)
        var disagreements: [(c: GoldenFile.Case, step: Int, ours: Int)] = []
        // |ours - llama.cpp| over the first position's top 5, raw and less the case's mean difference
        // (an offset common to every logit leaves the distribution as it is).
        var top5: [Double] = [], offsetFree: [Double] = []
        var compared = 0
        for c in golden.cases {
            let steps = min(c.steps_top2_ignore_eog.count, Self.steps)
            let sequence = c.prompt_ids + c.output_ids_ignore_eog.prefix(steps - 1)
            let result = try model.makeSession(context: sequence.count + 8).score(sequence, topK: 5)
            let first = result.positions[c.prompt_ids.count - 1]
            let differences = c.first_position_top5.compactMap { want in
                first.first(where: { $0.id == want.id }).map { Double($0.logit) - want.logit }
            }
            let offset = differences.reduce(0, +) / Double(max(differences.count, 1))
            top5 += differences.map(abs)
            offsetFree += differences.map { abs($0 - offset) }
            for s in 0..<steps where c.steps_top2_ignore_eog[s].margin >= 0.1 {
                compared += 1
                let ours = result.positions[c.prompt_ids.count - 1 + s][0].id
                if ours != c.steps_top2_ignore_eog[s].top1_id { disagreements.append((c, s, ours)) }
            }
        }
        func summary(_ d: [Double]) -> String {
            String(format: "mean %.3f, largest %.3f", d.reduce(0, +) / Double(max(d.count, 1)), d.max() ?? 0)
        }
        print("\(name): \(compared) positions with margin >= 0.1, \(disagreements.count) disagreements; first-position top-5 logit difference \(summary(top5)); less each prompt's common offset \(summary(offsetFree))")
        for d in disagreements {
            let reference = try CPUReferenceModel(path: path)
            var logits: [Float] = []
            for token in d.c.prompt_ids + d.c.output_ids_ignore_eog.prefix(d.step) { logits = reference.step(token) }
            let llama = d.c.steps_top2_ignore_eog[d.step].top1_id
            print("  \(d.c.name) step \(d.step): Augur \(d.ours), llama.cpp \(llama) (margin \(d.c.steps_top2_ignore_eog[d.step].margin)); exact reference: \(d.ours) \(logits[d.ours]), \(llama) \(logits[llama])")
            #expect(logits[d.ours] > logits[llama], "exact arithmetic prefers llama.cpp's token at \(d.c.name) step \(d.step)")
            // Diagnosis (slow, so on request): the same reference with llama.cpp's rounding of
            // activations. It shows that rounding's size, not llama.cpp's values: its logits differ
            // from the golden ones by as much as exact ones do (up to 0.9 on SmolLM2), so where it
            // takes llama.cpp's side (capital step 5, long_paragraph step 21) that is evidence, not proof.
            guard ProcessInfo.processInfo.environment["AUGUR_PARITY_LLAMA_ROUNDING"] == "1" else { continue }
            let emulated = try CPUReferenceModel(path: path)
            emulated.llamaActivations = true
            for token in d.c.prompt_ids + d.c.output_ids_ignore_eog.prefix(d.step) { logits = emulated.step(token) }
            print("    with llama.cpp's activation rounding: \(d.ours) \(logits[d.ours]), \(llama) \(logits[llama])")
        }
    }

    @Test("Free-running greedy ids equal llama.cpp's up to its first step with a top-2 margin below 0.1", arguments: models)
    func freeRunning(model name: String, golden file: String) throws {
        let path = try ModelFiles.path(name), golden = try GoldenFile.load(file)
        let model = try Model(path: path)
        for c in golden.cases.prefix(3) {
            let steps = c.steps_top2_ignore_eog.prefix(Self.steps)
            let comparable = steps.firstIndex { $0.margin < 0.1 } ?? steps.count
            var parameters = GenerationParameters(maxTokens: comparable)
            parameters.stopAtEndOfGeneration = false
            let stats = try model.runGeneration(c.prompt_ids, parameters: parameters) { _ in }
            let agree = zip(stats.tokens, c.output_ids_ignore_eog).prefix { $0 == $1 }.count
            print("\(name) \(c.name): \(agree) of \(comparable) comparable tokens equal")
            if agree < comparable {
                // A flip at a margin of 0.1 or more must be one exact arithmetic agrees with (see above).
                let reference = try CPUReferenceModel(path: path)
                var logits: [Float] = []
                for token in c.prompt_ids + stats.tokens.prefix(agree) { logits = reference.step(token) }
                #expect(logits[stats.tokens[agree]] > logits[c.output_ids_ignore_eog[agree]], "\(c.name) step \(agree)")
            }
        }
    }
}
