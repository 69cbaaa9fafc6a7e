extension ExactReference {
    /// Which of two tokens exact arithmetic ranks higher at one position, and whether that holds
    /// beyond the reference's own rounding.
    ///
    /// The error bound: rounding error is, to first order, the unit roundoff times a factor set by
    /// the model and the input, whatever the format. The same pass in Float (unit roundoff 2^-24,
    /// its weights rounded to Float too) errs by |float32Difference - difference| on the difference,
    /// measured against Double (2^-53), so Double's own error is about 2^-29 of that. A verdict
    /// counts only when the Double difference exceeds the whole Float error: a ranking that would
    /// survive 2^29 times the reference's rounding, which leaves the first-order estimate's slack
    /// (and a Float error that happened to come out small) far behind.
    struct Verdict {
        var position: Int, ours: Int, theirs: Int
        /// logit(ours) - logit(theirs), in Double.
        var difference: Double
        /// The same difference from the pass in Float.
        var float32Difference: Double
        /// The bound the difference must beat: Float's measured error, about 2^29 times Double's.
        var roundingBound: Double { abs(float32Difference - difference) }
        /// Exact arithmetic ranks `ours` above `theirs` by more than its rounding could move.
        var sidesWithOurs: Bool { difference > roundingBound }
    }

    /// Verdicts on `ours` against `theirs` at each position of `tokens` (teacher-forced), from one
    /// pass in Double and one in Float.
    func arbitrate(_ tokens: [Int], _ rankings: [(position: Int, ours: Int, theirs: Int)]) throws -> [Verdict] {
        let positions = rankings.map(\.position), ids = rankings.map { [$0.ours, $0.theirs] }
        let exact = try logits(tokens, at: positions, ids: ids, as: Double.self)
        let single = try logits(tokens, at: positions, ids: ids, as: Float.self)
        return rankings.indices.map { i in
            Verdict(position: positions[i], ours: rankings[i].ours, theirs: rankings[i].theirs,
                    difference: exact[i][0] - exact[i][1], float32Difference: single[i][0] - single[i][1])
        }
    }
}
