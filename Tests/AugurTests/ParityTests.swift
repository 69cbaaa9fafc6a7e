import Foundation
import Testing
@testable import Augur

/// Parity with llama.cpp's CPU build (`../shared/reference/golden/`). llama.cpp rounds activations
/// to 8 bits before its quantized products, so its logits stray from exact arithmetic by a few
/// tenths and it can rank two close tokens the other way. So: Augur's top-1 equals llama.cpp's
/// wherever llama.cpp's top-2 margin is 0.1 or more, except at most one position in 50, and at each
/// exception the exact reference (`ExactReference`: float64 throughout, its own dequantization)
/// must side with Augur by more than its own rounding bound. Augur does not copy llama.cpp's rounding.
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

    @Test("Teacher-forced top-1 equals llama.cpp's where its top-2 margin is at least 0.1, but for at most one position in 50, where exact arithmetic sides with Augur",
          arguments: models)
    func teacherForced(model name: String, golden file: String) throws {
        let path = try ModelFiles.path(name), golden = try GoldenFile.load(file)
        let model = try Model(path: path)
        var compared = 0
        var disagreements: [(c: GoldenFile.Case, step: Int, ours: Int)] = []
        for c in golden.cases {
            let steps = min(c.steps_top2_ignore_eog.count, Self.steps)
            let sequence = c.prompt_ids + c.output_ids_ignore_eog.prefix(steps - 1)
            let result = try model.makeSession(context: sequence.count + 8).score(sequence, topK: 1)
            for s in 0..<steps where c.steps_top2_ignore_eog[s].margin >= 0.1 {
                compared += 1
                let ours = result.positions[c.prompt_ids.count - 1 + s][0].id
                if ours != c.steps_top2_ignore_eog[s].top1_id { disagreements.append((c, s, ours)) }
            }
        }
        print("\(name): \(disagreements.count) top-1 disagreements in \(compared) positions with margin >= 0.1")
        #expect(disagreements.count * 50 <= compared, "more than one disagreement per 50 compared positions")
        // One pass of the reference per prompt, in Double and in Float, up to its last disagreement.
        let reference = try ExactReference(path: path)
        for c in golden.cases {
            let here = disagreements.filter { $0.c.name == c.name }
            guard let last = here.map(\.step).max() else { continue }
            let tokens = c.prompt_ids + c.output_ids_ignore_eog.prefix(last)
            let verdicts = try reference.arbitrate(tokens, here.map {
                (c.prompt_ids.count - 1 + $0.step, $0.ours, c.steps_top2_ignore_eog[$0.step].top1_id)
            })
            for (d, v) in zip(here, verdicts) {
                print(String(format: "  %@ step %d: Augur %d, llama.cpp %d (margin %.3f); exact logit difference %.4f, float32 error %.1e",
                             c.name, d.step, v.ours, v.theirs, c.steps_top2_ignore_eog[d.step].margin, v.difference, v.roundingBound))
                #expect(v.sidesWithOurs, "exact arithmetic does not side with Augur at \(c.name) step \(d.step) beyond its rounding")
                // Diagnosis on request (slow): the same ranking with llama.cpp's 8-bit activations
                // emulated. It shows that rounding's size, not llama.cpp's values.
                guard ProcessInfo.processInfo.environment["AUGUR_PARITY_LLAMA_ROUNDING"] == "1" else { continue }
                let emulated = try CPUReferenceModel(path: path)
                emulated.llamaActivations = true
                var logits: [Float] = []
                for token in tokens.prefix(v.position + 1) { logits = emulated.step(token) }
                print("    with llama.cpp's rounding emulated: \(v.ours) \(logits[v.ours]), \(v.theirs) \(logits[v.theirs])")
            }
        }
    }

    /// How far the first position's top-5 logits may stray from llama.cpp's, raw and less the
    /// prompt's mean difference (an offset common to every logit leaves the distribution as it is).
    /// |Augur - llama.cpp| <= |Augur - exact| + |exact - llama.cpp|. The first term is asserted below
    /// 0.02. The second is llama.cpp's 8-bit rounding of activations (up to 1/254 of a block's
    /// largest value per element, in every product of every layer): measured against the exact
    /// reference on these prompts it reaches 0.49 raw and 0.20 offset-free on SmolLM2, 0.11 and 0.12
    /// on Qwen (the same rounding emulated on the reference, `CPUReferenceModel.llamaActivations`,
    /// moves them by 0.14-0.27 and 0.12-0.19: the same size). Each tolerance is that sum, with 0.04
    /// for the first term offset-free, rounded up to a multiple of 0.05. Per model, since llama.cpp
    /// strays four times as far on SmolLM2 as on Qwen (raw): SmolLM2's would let Qwen's logits drift
    /// four times as far as its llama.cpp run explains.
    static let firstPositionTolerance: [String: (raw: Double, offsetFree: Double)] = [
        "smollm2-135m": (0.55, 0.25), "qwen2.5-coder-0.5b": (0.15, 0.2),
    ]
    /// Augur against exact arithmetic: Augur keeps K and V in fp16 (2^-11 relative rounding) and
    /// sums in float32, which moves these logits by about 0.01 (as ForwardPassTests allows 0.02).
    static let exactTolerance = 0.02

    @Test("The first position's top-5 logits are within a per-model tolerance of llama.cpp's, raw and less their common offset, and within 0.02 of exact arithmetic's",
          arguments: models)
    func firstPosition(model name: String, golden file: String) throws {
        let path = try ModelFiles.path(name), golden = try GoldenFile.load(file)
        let model = try Model(path: path), reference = try ExactReference(path: path)
        let tolerance = try #require(Self.firstPositionTolerance[name])
        var raw: [Double] = [], offsetFree: [Double] = [], exact: [Double] = []
        for c in golden.cases {
            let session = try model.makeSession(context: c.prompt_ids.count + 8)
            try session.evaluate(c.prompt_ids)
            let logits = try session.logits(), ids = c.first_position_top5.map(\.id)
            let differences = c.first_position_top5.map { Double(logits[$0.id]) - $0.logit }
            let offset = differences.reduce(0, +) / Double(differences.count)
            raw += differences.map(abs)
            offsetFree += differences.map { abs($0 - offset) }
            // The reference on the short prompts only: the long one would take it a minute.
            guard c.prompt_ids.count <= 64 else { continue }
            let want = try reference.logits(c.prompt_ids, at: [c.prompt_ids.count - 1], ids: [ids], as: Double.self)[0]
            exact += zip(ids, want).map { abs(Double(logits[$0]) - $1) }
        }
        print(String(format: "\(name): first-position top-5 logits within %.3f of llama.cpp's (%.3f less the common offset), %.4f of exact arithmetic's",
                     raw.max()!, offsetFree.max()!, exact.max()!))
        #expect(raw.max()! <= tolerance.raw)
        #expect(offsetFree.max()! <= tolerance.offsetFree)
        #expect(exact.max()! <= Self.exactTolerance)
    }

    @Test("Free-running greedy ids equal llama.cpp's up to its first step with a top-2 margin below 0.1, or exact arithmetic sides with Augur", arguments: models)
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
            guard agree < comparable else { continue }
            // A flip at a margin of 0.1 or more must be one exact arithmetic agrees with (see above).
            let sequence = c.prompt_ids + stats.tokens.prefix(agree)
            let verdict = try ExactReference(path: path).arbitrate(
                sequence, [(sequence.count - 1, stats.tokens[agree], c.output_ids_ignore_eog[agree])])[0]
            #expect(verdict.sidesWithOurs, "\(c.name) step \(agree): exact difference \(verdict.difference), float32 error \(verdict.roundingBound)")
        }
    }
}
