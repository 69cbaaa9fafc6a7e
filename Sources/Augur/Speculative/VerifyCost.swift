import Foundation

/// What verifying k tokens in one target pass costs relative to decoding one: the curve that
/// decides whether speculation can pay on a device (near 1 for every k on a memory-bound GPU;
/// growing with k where arithmetic dominates, as on lavapipe).
public struct VerifyCost: Sendable, Codable {
    public struct Point: Sendable, Codable {
        /// Tokens in the pass.
        public var tokens: Int
        /// Median seconds of the pass.
        public var seconds: Double
        /// seconds / the one-token pass's seconds.
        public var ratio: Double
        /// GPU time per kernel of one more pass, timed per dispatch (when asked).
        public var kernels: [InferenceSession.KernelTime]?
    }
    public var points: [Point]
}

extension Model {
    /// Times passes of each token count after `prompt` (median of `repeats`, after a warm-up),
    /// each token at its own position with causal attention, as a verification pass runs.
    /// With `profile`, one further pass of each count is timed kernel by kernel.
    public func verifyCost(after prompt: [Int], tokens counts: [Int], repeats: Int = 3, profile: Bool = false) throws -> VerifyCost {
        guard let most = counts.max(), most > 0, counts.allSatisfy({ $0 > 0 }), most <= 64, repeats > 0 else {
            throw GenerationError.invalidParameter("token counts must be in 1...64")
        }
        let session = try makeSession(context: min(configuration.contextLength, prompt.count + most + 1))
        try session.evaluate(prompt)
        let base = session.tokens.count
        let filler = Array(prompt.suffix(most)) + [Int](repeating: prompt.last ?? 0, count: max(0, most - prompt.count))
        // A GPU raises its clocks only under sustained load (an H200 idles at a sixth of its SM
        // clock), so passes run for a quarter second before any is timed.
        let warmUp = Date()
        repeat {
            session.truncate(to: base)
            try session.evaluate([filler[0]])
        } while Date().timeIntervalSince(warmUp) < 0.25
        var medians: [(Int, Double)] = []
        var kernels: [[InferenceSession.KernelTime]?] = []
        for k in [1] + counts {
            var times: [Double] = []
            for _ in 0...repeats {
                session.truncate(to: base)
                let start = Date()
                try session.evaluate(Array(filler.prefix(k)), allPositions: true)
                times.append(Date().timeIntervalSince(start))
            }
            let sorted = times.dropFirst().sorted()  // the first is a warm-up
            medians.append((k, sorted[sorted.count / 2]))
            if profile {
                session.truncate(to: base)
                session.profiling = true
                try session.evaluate(Array(filler.prefix(k)), allPositions: true)
                session.profiling = false
                kernels.append(try session.lastProfile())
            } else {
                kernels.append(nil)
            }
        }
        let one = medians[0].1
        return VerifyCost(points: zip(medians, kernels).dropFirst().map {
            VerifyCost.Point(tokens: $0.0.0, seconds: $0.0.1, ratio: $0.0.1 / one, kernels: $0.1)
        })
    }
}
