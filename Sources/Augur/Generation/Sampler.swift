import Foundation
import GGUF

/// How the next token is chosen. A temperature of 0 is greedy (argmax); otherwise the chain runs
/// as llama.cpp's does: repetition penalty, top-k, top-p, min-p, temperature, then a seeded draw.
public struct SamplingParameters: Sendable, Equatable {
    public var temperature: Float = 0
    /// Keep the k most likely tokens (0: all).
    public var topK: Int = 40
    /// Keep the smallest set whose probability reaches p (1: all).
    public var topP: Float = 0.95
    /// Drop tokens less likely than minP times the most likely one (0: none).
    public var minP: Float = 0.05
    /// Divides positive logits (multiplies negative ones) of recently seen tokens (1: off).
    public var repetitionPenalty: Float = 1
    /// How many recent tokens the penalty looks at.
    public var repetitionWindow: Int = 64
    /// Makes sampled output reproducible.
    public var seed: UInt64 = 0

    public init() {}

    public var isGreedy: Bool { temperature <= 0 }

    /// Checks ranges; throws a clear message for the first bad value.
    public func validate() throws {
        guard temperature.isFinite, temperature >= 0 else { throw GenerationError.invalidParameter("temperature must be >= 0") }
        guard topK >= 0 else { throw GenerationError.invalidParameter("top-k must be >= 0") }
        guard topP > 0, topP <= 1 else { throw GenerationError.invalidParameter("top-p must be in (0, 1]") }
        guard minP >= 0, minP < 1 else { throw GenerationError.invalidParameter("min-p must be in [0, 1)") }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else { throw GenerationError.invalidParameter("repetition penalty must be > 0") }
        guard repetitionWindow >= 0 else { throw GenerationError.invalidParameter("repetition window must be >= 0") }
    }
}

/// Draws tokens from logits by `SamplingParameters`, with its own seeded generator.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var generator: SeededGenerator

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        generator = SeededGenerator(seed: parameters.seed)
    }

    /// The next token after `history`, from a row of logits.
    public mutating func sample(_ logits: [Float], history: [Int]) -> Int {
        draw(from: distribution(logits, history: history))
    }

    /// The distribution the sampler draws from: the candidates that survive the penalty and the
    /// filters, with probabilities at the sampling temperature (one certain token when greedy).
    public func distribution(_ logits: [Float], history: [Int]) -> [(id: Int, probability: Double)] {
        var logits = logits
        let p = parameters
        if p.repetitionPenalty != 1 {
            for id in Set(history.suffix(p.repetitionWindow)) where logits.indices.contains(id) {
                logits[id] = logits[id] > 0 ? logits[id] / p.repetitionPenalty : logits[id] * p.repetitionPenalty
            }
        }
        if p.isGreedy { return [(Self.argmax(logits), 1)] }
        // Candidates by logit, descending (ties: lower id first), cut to top-k.
        var candidates = Array(logits.indices)
        let keep = p.topK > 0 ? min(p.topK, logits.count) : logits.count
        candidates.sort { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        candidates.removeLast(candidates.count - keep)
        // Probabilities at temperature 1 decide top-p and min-p, as in llama.cpp's chain.
        let top = logits[candidates[0]]
        var weights = candidates.map { exp(Double(logits[$0] - top)) }
        let total = weights.reduce(0, +)
        var cumulative = 0.0, cut = weights.count
        for (i, w) in weights.enumerated() {
            cumulative += w / total
            if cumulative >= Double(p.topP) { cut = i + 1; break }
        }
        candidates.removeLast(candidates.count - cut)
        weights.removeLast(weights.count - cut)
        if p.minP > 0 {
            let kept = weights.indices.filter { weights[$0] >= Double(p.minP) }  // weights are relative to the top token's
            candidates = kept.map { candidates[$0] }
        }
        let scaled = candidates.map { exp(Double(logits[$0] - top) / Double(p.temperature)) }
        let sum = scaled.reduce(0, +)
        return zip(candidates, scaled).map { ($0, $1 / sum) }
    }

    /// A uniform draw in [0, 1).
    public mutating func uniform() -> Double {
        Double(generator.next() >> 11) / Double(1 << 53)
    }

    /// A token drawn from a distribution (probabilities summing to 1, or to any positive total).
    public mutating func draw(from distribution: [(id: Int, probability: Double)]) -> Int {
        let total = distribution.reduce(0) { $0 + $1.probability }
        var u = uniform() * total
        for (id, probability) in distribution {
            u -= probability
            if u < 0 { return id }
        }
        return distribution[distribution.count - 1].id
    }

    /// Index of the largest logit, the lowest index on ties.
    public static func argmax(_ logits: [Float]) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }
}

/// Errors of generation requests.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case invalidParameter(String)
    case invalidUTF8
    case unsupportedChatTemplate(String)

    public var description: String {
        switch self {
        case .invalidParameter(let what): return "invalid parameter: \(what)"
        case .invalidUTF8: return "the input is not valid UTF-8"
        case .unsupportedChatTemplate(let why): return "unsupported chat template: \(why)"
        }
    }
}
