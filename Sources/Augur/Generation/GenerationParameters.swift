/// Everything a generation request can set, in one place.
public struct GenerationParameters: Sendable, Equatable {
    /// The most tokens to generate.
    public var maxTokens: Int = 128
    public var sampling = SamplingParameters()
    /// Stop at the model's end-of-generation tokens.
    public var stopAtEndOfGeneration = true
    /// Speculative decoding (nil: plain decoding). The output is the same either way.
    public var speculation: Speculation?
    /// How sampled speculation accepts drafts: always `exact` outside tests, which set a wrong rule
    /// to show that their check of the output distribution catches it (internal on purpose).
    var acceptanceRule = AcceptanceRule.exact

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
    /// How speculation went, when it was on.
    public var speculative: SpeculativeStats?
}

/// What a generation stream yields: each token as it is produced, then the stats.
public enum GenerationEvent: Sendable {
    /// A generated token and the text it completes (empty while a UTF-8 character is unfinished).
    case token(id: Int, text: String)
    /// A speculative verification round: `drafted` tokens checked in one target pass, `accepted`
    /// of them kept (the target's own token comes on top).
    case round(drafted: Int, accepted: Int)
    case finished(GenerationStats)
}
