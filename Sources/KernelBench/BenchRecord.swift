import Foundation

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

    public init(kernel: String, variant: String, shape: String, microseconds: Double, gbPerS: Double? = nil,
                gflopPerS: Double? = nil, percentOfRoofline: Double? = nil, columns: Int? = nil, relativeToOneColumn: Double? = nil) {
        (self.kernel, self.variant, self.shape, self.microseconds) = (kernel, variant, shape, microseconds)
        (self.gbPerS, self.gflopPerS, self.percentOfRoofline) = (gbPerS, gflopPerS, percentOfRoofline)
        (self.columns, self.relativeToOneColumn) = (columns, relativeToOneColumn)
    }

    /// The record as one line of JSON, keys sorted.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Nothing left can fail to encode: `encode(to:)` writes non-finite numbers as null.
        return String(decoding: (try? encoder.encode(self)) ?? Data("null".utf8), as: UTF8.self)
    }

    /// A number that is not finite (a zero-time division, a failed timer) is written as null:
    /// JSON has no NaN or infinity, and JSONEncoder throws on them.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func number(_ value: Double?, _ key: CodingKeys) throws {
            if let value, value.isFinite { try c.encode(value, forKey: key) } else if value != nil { try c.encodeNil(forKey: key) }
        }
        try c.encode(kernel, forKey: .kernel)
        try c.encode(variant, forKey: .variant)
        try c.encode(shape, forKey: .shape)
        try number(microseconds, .microseconds)
        try number(gbPerS, .gbPerS)
        try number(gflopPerS, .gflopPerS)
        try number(percentOfRoofline, .percentOfRoofline)
        try c.encodeIfPresent(columns, forKey: .columns)
        try number(relativeToOneColumn, .relativeToOneColumn)
    }

    /// Reads what `encode(to:)` writes: a null number reads back as NaN.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double? {
            try c.contains(key) ? (c.decodeNil(forKey: key) ? .nan : c.decode(Double.self, forKey: key)) : nil
        }
        self.init(kernel: try c.decode(String.self, forKey: .kernel), variant: try c.decode(String.self, forKey: .variant),
                  shape: try c.decode(String.self, forKey: .shape), microseconds: try number(.microseconds) ?? .nan,
                  gbPerS: try number(.gbPerS), gflopPerS: try number(.gflopPerS), percentOfRoofline: try number(.percentOfRoofline),
                  columns: try c.decodeIfPresent(Int.self, forKey: .columns), relativeToOneColumn: try number(.relativeToOneColumn))
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
