import Foundation
import TestSupport
import Testing

/// llama.cpp's reference outputs in `../shared/reference/golden/` (its CPU build; it quantizes
/// activations, so logits differ from exact arithmetic by up to a few tenths on these models).
struct GoldenFile: Decodable {
    struct Step: Decodable {
        var top1_id: Int, top1_logit: Double, top2_id: Int, top2_logit: Double, margin: Double
    }
    struct Candidate: Decodable {
        var id: Int, logit: Double
    }
    struct Case: Decodable {
        var name: String
        var mode: String
        var prompt_text: String
        var formatted_prompt: String
        var prompt_ids: [Int]
        var output_ids: [Int]
        var output_ids_ignore_eog: [Int]
        var steps_top2_ignore_eog: [Step]
        var first_position_top5: [Candidate]
    }
    var model_file: String
    var cases: [Case]

    /// The golden file `name`: skipped when absent (a failure under CI), a failure when it does
    /// not decode.
    static func load(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> GoldenFile {
        try GoldenData.load(name, as: GoldenFile.self, sourceLocation: sourceLocation)
    }
}
