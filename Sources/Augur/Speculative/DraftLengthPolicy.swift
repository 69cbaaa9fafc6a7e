import Foundation

/// Chooses each round's draft length k to maximise expected tokens per second of verification.
/// With per-token acceptance a, a round yields E(k) = (1 - a^(k+1)) / (1 - a) tokens; verifying
/// k + 1 tokens costs about t1 + s * k, a line fitted to the measured rounds. On a device where
/// every verified column costs almost a full pass (lavapipe), k shrinks toward 0 (plain
/// decoding); where extra columns are nearly free (GPUs), k grows to the maximum.
public struct DraftLengthPolicy: Sendable {
    public let maximum: Int
    /// Running per-token acceptance estimate.
    public private(set) var acceptance: Double
    /// (k, seconds) of recent rounds, for the cost line.
    private var samples: [(k: Int, seconds: Double)] = []
    private let window = 32

    public init(maximum: Int, initialAcceptance: Double = 0.7) {
        self.maximum = max(0, maximum)
        acceptance = min(max(initialAcceptance, 0.01), 0.99)
    }

    /// Expected tokens from one round with k drafted tokens.
    public func expectedTokens(_ k: Int) -> Double {
        (1 - pow(acceptance, Double(k + 1))) / (1 - acceptance)
    }

    /// The fitted verification cost of k drafted tokens (seconds), or nil before any round.
    public func cost(_ k: Int) -> Double? {
        guard !samples.isEmpty else { return nil }
        let ks = samples.map { Double($0.k) }, ts = samples.map(\.seconds)
        let mk = ks.reduce(0, +) / Double(ks.count), mt = ts.reduce(0, +) / Double(ts.count)
        let sxx = ks.reduce(0) { $0 + ($1 - mk) * ($1 - mk) }
        // Until two lengths have been seen, assume extra columns cost 10% of a pass (explore).
        var slope = sxx > 0 ? zip(ks, ts).reduce(0) { $0 + ($1.0 - mk) * ($1.1 - mt) } / sxx : mt * 0.1
        slope = max(slope, 0)
        let intercept = max(mt - slope * mk, 1e-6)
        return intercept + slope * Double(k)
    }

    /// The draft length for the next round.
    public func choose() -> Int {
        guard cost(0) != nil else { return maximum }
        return (0...maximum).max { expectedTokens($0) / cost($0)! < expectedTokens($1) / cost($1)! } ?? 0
    }

    /// Learns from a round: k drafted, `accepted` of them accepted, verification took `seconds`.
    public mutating func record(drafted k: Int, accepted: Int, seconds: Double) {
        samples.append((k, seconds))
        if samples.count > window { samples.removeFirst() }
        guard k > 0 else { return }
        // Acceptance per drafted position, smoothed; a full acceptance says little about a.
        let observed = accepted == k ? Double(k) / Double(k + 1) : Double(accepted) / Double(accepted + 1)
        acceptance = min(max(0.8 * acceptance + 0.2 * observed, 0.01), 0.99)
    }
}
