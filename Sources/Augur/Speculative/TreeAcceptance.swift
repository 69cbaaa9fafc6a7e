/// How sampled generation accepts a draft tree of deterministic proposals. Write q for the
/// target's sampling distribution at a node (`Sampler.distribution`: penalty, filters and
/// temperature applied to the node's row of logits) and c1...cn for the node's children in the
/// order the tree holds them. Only `exact` is right; the others are wrong on purpose, so that tests
/// (`@testable`, through `GenerationParameters.acceptanceRule`) can show they would catch them.
enum AcceptanceRule: Sendable, Equatable {
    /// SpecInfer's multi-candidate rule. With q1 = q, child ci is accepted with probability
    /// qi(ci) / sum(qi); accepted, the walk descends to it; rejected, q(i+1) is qi without ci.
    /// When every child is rejected the token is drawn from q(n+1), renormalised. Each token comes
    /// out distributed exactly as q, whatever the children are.
    case exact
    /// Wrong: a rejected child stays in the distribution. Every child is tried against the whole
    /// of q (ci accepted with probability q(ci)) and the fallback draw is from the whole of q, so
    /// a rejected child can come out again: drafted tokens are over-weighted, in a chain too (one
    /// child c comes out with probability q(c)(2 - q(c))).
    case keepsRejectedSiblings
    /// Wrong: the residual is not renormalised. Rejected children are removed as in `exact`, but
    /// ci is accepted with probability qi(ci), its share of the whole of q rather than of the mass
    /// left, so the second and later children are under-weighted and the fallback draw (from
    /// q(n+1), renormalised) over-weighted. With one child (a chain) it equals `exact`.
    case unnormalisedResidual

    /// Walks `tree` from its root (row 0, the target's token after `history`), reading each row's
    /// logits through `logits`. Returns the accepted path of rows, starting with 0, and the
    /// target's token after it.
    func accept(_ tree: VerificationTree, history: [Int], sampler: inout Sampler,
                logits: (_ row: Int) throws -> [Float]) rethrows -> (path: [Int], following: Int) {
        var history = history + [tree.root], path = [0]
        descend: while true {
            var distribution = sampler.distribution(try logits(path.last!), history: history)
            for child in tree.childRows(of: path.last!) {
                let token = tree.token(atRow: child)
                let mass = distribution.first { $0.id == token }?.probability ?? 0
                let total = self == .exact ? distribution.reduce(0) { $0 + $1.probability } : 1
                if sampler.uniform() < mass / max(total, .leastNormalMagnitude) {
                    history.append(token)
                    path.append(child)
                    continue descend
                }
                guard self != .keepsRejectedSiblings else { continue }
                // Rejected: the rest of the distribution, renormalised when drawn from.
                let rest = distribution.filter { $0.id != token }
                if rest.isEmpty { return (path, token) }
                distribution = rest
            }
            return (path, sampler.draw(from: distribution))
        }
    }
}
