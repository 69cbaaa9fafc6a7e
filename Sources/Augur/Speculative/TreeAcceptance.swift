/// Rejection sampling down a verification tree of deterministic proposals (SpecInfer's
/// multi-candidate rule): at each row the children are tried in turn, each accepted with its
/// probability under what is left of the target's distribution, and removed from it when
/// rejected; when none is accepted the token is drawn from the rest. Every output token is then
/// distributed exactly as plain sampling's.
struct TreeAcceptance {
    /// Deliberately wrong variants exist only so tests can show they catch them.
    enum Rule: Sendable, Equatable {
        case exact
    }
    var rule: Rule = .exact

    /// The accepted path of rows and the target's token after it; `logits(row)` reads a row's logits.
    func accept(_ tree: VerificationTree, history: [Int], sampler: inout Sampler,
                logits: (Int) throws -> [Float]) throws -> (path: [Int], next: Int) {
        var history = history + [tree.root], path = [0]
        descend: while true {
            var distribution = sampler.distribution(try logits(path.last!), history: history)
            for child in tree.childRows(of: path.last!) {
                let token = tree.token(atRow: child)
                let total = distribution.reduce(0) { $0 + $1.probability }
                let p = (distribution.first { $0.id == token }?.probability ?? 0) / max(total, .leastNormalMagnitude)
                if sampler.uniform() < p {
                    history.append(token)
                    path.append(child)
                    continue descend
                }
                // Rejected: the rest of the distribution, renormalised when drawn from.
                let rest = distribution.filter { $0.id != token }
                if rest.isEmpty { return (path, token) }
                distribution = rest
            }
            return (path, sampler.draw(from: distribution))
        }
    }
}
