/// Everything a generation request can set, in one place.
public struct GenerationParameters: Sendable, Equatable {
    /// The most tokens to generate.
    public var maxTokens: Int = 128
    public var sampling = SamplingParameters()
    /// Stop at the model's end-of-generation tokens.
    public var stopAtEndOfGeneration = true

    public init(maxTokens: Int = 128, sampling: SamplingParameters = SamplingParameters()) {
        self.maxTokens = maxTokens
        self.sampling = sampling
    }
}

/// Why generation stopped.
public enum StopReason: String, Sendable, Codable {
    case endOfGeneration = "eos"
    case maxTokens = "max_tokens"
    case cancelled
}

/// Counts and speeds of one generation.
public struct GenerationStats: Sendable, Codable, Equatable {
    public var promptTokens: [Int]
    public var tokens: [Int]
    public var text: String
    public var stopReason: StopReason
    public var loadSeconds: Double
    public var prefillTokensPerSecond: Double
    public var decodeTokensPerSecond: Double
}

/// What a generation stream yields: each token as it is produced, then the stats.
public enum GenerationEvent: Sendable {
    /// A generated token and the text it completes (empty while a UTF-8 character is unfinished).
    case token(id: Int, text: String)
    case finished(GenerationStats)
}
