/// One line of `augur-bench --json`.
public struct BenchRecord: Codable, Sendable {
    public var kernel: String
    public var variant: String
    public var shape: String
    public var microseconds: Double
    public var gbPerS: Double?
    public var gflopPerS: Double?
    public var percentOfRoofline: Double?
    /// Verify-cost curve points only.
    public var columns: Int?
    public var relativeToOneColumn: Double?

    enum CodingKeys: String, CodingKey {
        case kernel, variant, shape, microseconds, columns
        case gbPerS = "gb_per_s", gflopPerS = "gflop_per_s", percentOfRoofline = "percent_of_roofline"
        case relativeToOneColumn = "relative_to_one_column"
    }
}

/// The shapes of the models Augur runs, for benchmarks at real sizes.
public struct ModelShape: Sendable {
    public var name: String
    public var hidden: Int
    public var feedForward: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var vocabulary: Int

    public static let smolLM2 = ModelShape(name: "smollm2-135m", hidden: 576, feedForward: 1536, heads: 9, kvHeads: 3, headDim: 64, vocabulary: 49_152)
    public static let qwen05 = ModelShape(name: "qwen2.5-0.5b", hidden: 896, feedForward: 4864, heads: 14, kvHeads: 2, headDim: 64, vocabulary: 151_936)
    public static let qwen15 = ModelShape(name: "qwen2.5-1.5b", hidden: 1536, feedForward: 8960, heads: 12, kvHeads: 2, headDim: 128, vocabulary: 151_936)
    public static let all = [smolLM2, qwen05, qwen15]
}

/// A benchmark case failed its check against the CPU reference, so it was not timed.
public struct ValidationFailure: Error, CustomStringConvertible {
    public var name: String
    public var detail: String
    public var description: String { "\(name): result differs from the CPU reference (\(detail)); not timed" }
}
