import Foundation

/// Pearson's chi-square test of observed counts against known probabilities (goodness of fit),
/// with the critical value from the chi-square distribution itself (no normal approximation).
enum ChiSquare {
    struct Result: CustomStringConvertible {
        var statistic: Double
        var critical: Double
        var bins: Int
        var rejects: Bool { statistic > critical }
        var description: String {
            "chi-square \(String(format: "%.1f", statistic)), critical \(String(format: "%.1f", critical)), \(bins) bins"
        }
    }

    /// Tests `observed` against `expected` (probabilities summing to 1) at level `alpha`. Outcomes
    /// expected fewer than 5 times are pooled into one bin, smallest first, until the pool too is
    /// expected at least 5 times; an outcome that `expected` lacks (probability 0) goes to the pool,
    /// so an impossible outcome counts against the fit.
    static func goodnessOfFit<Key: Hashable>(_ observed: [Key: Int], expected: [Key: Double], alpha: Double) -> Result {
        let n = Double(observed.values.reduce(0, +))
        let keys = Set(observed.keys).union(expected.keys)
        var bins = keys.map { (observed: Double(observed[$0] ?? 0), expected: n * (expected[$0] ?? 0)) }
            .sorted { $0.expected < $1.expected }
        var pool = (observed: 0.0, expected: 0.0)
        while let smallest = bins.first, smallest.expected < 5 || (pool.expected > 0 && pool.expected < 5) {
            pool.observed += smallest.observed
            pool.expected += smallest.expected
            bins.removeFirst()
        }
        if pool.observed > 0 || pool.expected > 0 { bins.append(pool) }
        let statistic = bins.reduce(0.0) { sum, bin in
            sum + (bin.observed - bin.expected) * (bin.observed - bin.expected) / bin.expected
        }
        return Result(statistic: statistic, critical: critical(degrees: max(bins.count - 1, 1), alpha: alpha), bins: bins.count)
    }

    /// The value a chi-square variable with `degrees` degrees of freedom exceeds with probability
    /// `alpha`, by bisection on the upper tail.
    static func critical(degrees: Int, alpha: Double) -> Double {
        var (low, high) = (0.0, Double(degrees) + 200)
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if upperTail(degrees: degrees, middle) > alpha { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// P(X > x) for X chi-square with `degrees` degrees of freedom: the regularized upper
    /// incomplete gamma function Q(degrees / 2, x / 2) (Numerical Recipes, 6.2).
    static func upperTail(degrees: Int, _ x: Double) -> Double {
        let a = Double(degrees) / 2, x = x / 2
        guard x > 0 else { return 1 }
        let front = exp(-x + a * log(x) - lgamma(a))
        if x < a + 1 {
            // Series for P(a, x).
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<1_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-15 { break }
            }
            return 1 - sum * front
        }
        // Continued fraction for Q(a, x) by Lentz's method.
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...1_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return front * h
    }
}
