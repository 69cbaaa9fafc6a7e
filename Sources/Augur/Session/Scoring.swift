import Foundation

/// Teacher-forced scoring: the model's prediction after every token of a sequence.
public struct ScoreResult: Sendable {
    /// positions[i]: the top logits of the next-token distribution after token i.
    public var positions: [[(id: Int, logit: Float)]]
    /// -log p(token i+1 | tokens 0...i) for each i < count - 1.
    public var negativeLogLikelihoods: [Double]

    public var perplexity: Double {
        negativeLogLikelihoods.isEmpty ? .nan : exp(negativeLogLikelihoods.reduce(0, +) / Double(negativeLogLikelihoods.count))
    }
}

extension InferenceSession {
    /// Runs `sequence` after the cached tokens and scores every position.
    public func score(_ sequence: [Int], topK: Int = 5) throws -> ScoreResult {
        guard !sequence.isEmpty else { throw ModelError.emptyPrompt }
        var result = ScoreResult(positions: [], negativeLogLikelihoods: [])
        let vocabulary = model.configuration.vocabulary
        for start in stride(from: 0, to: sequence.count, by: batch) {
            let chunk = Array(sequence[start..<min(start + batch, sequence.count)])
            let predictions = try evaluate(chunk, allPositions: true, topK: topK)
            for (r, prediction) in predictions.enumerated() {
                result.positions.append(prediction.top)
                let position = start + r
                guard position + 1 < sequence.count else { continue }
                let logits = try self.logits(row: r)
                let top = Double(logits.max() ?? 0)
                let sum = logits.reduce(0.0) { $0 + exp(Double($1) - top) }
                result.negativeLogLikelihoods.append(top + log(sum) - Double(logits[sequence[position + 1]]))
            }
        }
        return result
    }
}
