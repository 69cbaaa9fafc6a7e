import Foundation
import Testing
@testable import Augur

/// The acceptance rule alone, on a synthetic target over six tokens whose next-token logits depend
/// on the last token only (token t's successor t + k has logit -k / 2, mod 6: probabilities about
/// .41, .25, .15, .09, .06, .03). Drafts are the target's own top choices, so every rejected
/// sibling carries real probability. Pairs of tokens after the root are drawn many times (cheap:
/// no model) and tested against the exact joint distribution.
extension SpeculativeSamplingTests {
    static let ruleDraws = 60_000

    static func syntheticLogits(after token: Int) -> [Float] {
        (0..<6).map { -Float(($0 - token + 6) % 6) / 2 }
    }

    static var syntheticSampling: SamplingParameters {
        var sampling = SamplingParameters()
        sampling.temperature = 1
        sampling.topK = 0
        sampling.topP = 1
        sampling.minP = 0
        return sampling
    }

    /// Every node's `width` best successors (t, t + 1, ...), `depth` deep, under a root of token 0.
    static func syntheticTree(width: Int, depth: Int) -> DraftTree {
        var tree = DraftTree()
        func grow(under node: Int, after token: Int, depth: Int) {
            guard depth > 0 else { return }
            for k in 0..<width {
                let successor = (token + k) % 6
                let child = tree.insert([successor], under: node).last!
                grow(under: child, after: successor, depth: depth - 1)
            }
        }
        grow(under: -1, after: 0, depth: depth)
        return tree
    }

    /// Counts of the two tokens after the root over `ruleDraws` walks down `tree` by `rule`; where
    /// the walk stops after one token, the second is sampled from the target, as the next round would.
    static func syntheticPairs(_ tree: DraftTree, rule: AcceptanceRule, seed: UInt64) -> [[Int]: Int] {
        var sampling = syntheticSampling
        sampling.seed = seed
        var sampler = Sampler(sampling)
        var pairs: [[Int]: Int] = [:]
        for _ in 0..<ruleDraws {
            let (path, following) = rule.accept(VerificationTree(root: 0, draft: tree), history: [], sampler: &sampler) {
                syntheticLogits(after: $0 == 0 ? 0 : tree.tokens[$0 - 1])
            }
            var tokens = path.dropFirst().map { tree.tokens[$0 - 1] } + [following]
            if tokens.count < 2 { tokens.append(sampler.sample(syntheticLogits(after: tokens[0]), history: [])) }
            pairs[Array(tokens.prefix(2)), default: 0] += 1
        }
        return pairs
    }

    static var syntheticExact: [[Int]: Double] {
        let sampler = Sampler(syntheticSampling)
        var exact: [[Int]: Double] = [:]
        for (first, p1) in sampler.distribution(syntheticLogits(after: 0), history: []) {
            for (second, p2) in sampler.distribution(syntheticLogits(after: first), history: []) {
                exact[[first, second]] = p1 * p2
            }
        }
        return exact
    }

    @Test("The rule alone: on a synthetic target, pairs of tokens fit the target exactly with the right rule and not with a wrong one",
          arguments: [(1, AcceptanceRule.exact), (3, .exact), (1, .keepsRejectedSiblings), (3, .keepsRejectedSiblings), (3, .unnormalisedResidual)])
    func syntheticRule(width: Int, rule: AcceptanceRule) {
        let tree = Self.syntheticTree(width: width, depth: 2)
        let pairs = Self.syntheticPairs(tree, rule: rule, seed: UInt64(width))
        let result = ChiSquare.goodnessOfFit(pairs, expected: Self.syntheticExact, alpha: Self.alpha)
        print("synthetic target, width \(width), \(rule) rule: \(result)")
        if rule == .exact {
            #expect(!result.rejects, "\(result)")
        } else {
            #expect(result.rejects, "a wrong rule passed: \(result)")
        }
    }

    @Test("With one child at every node, the unnormalised residual rule draws exactly what the exact rule draws")
    func unnormalisedChain() {
        let chain = Self.syntheticTree(width: 1, depth: 2)
        #expect(Self.syntheticPairs(chain, rule: .unnormalisedResidual, seed: 9) == Self.syntheticPairs(chain, rule: .exact, seed: 9))
        // And it is a different rule where a node has several children.
        let tree = Self.syntheticTree(width: 3, depth: 2)
        #expect(Self.syntheticPairs(tree, rule: .unnormalisedResidual, seed: 9) != Self.syntheticPairs(tree, rule: .exact, seed: 9))
    }

    @Test("The chi-square critical values and tails match the tables")
    func chiSquareTables() {
        // Table values: df 1 at 0.001, df 10 at 0.001, df 4 at 0.05, df 30 at 0.0001.
        for (degrees, alpha, value) in [(1, 0.001, 10.828), (10, 0.001, 29.588), (4, 0.05, 9.488), (30, 0.0001, 67.633)] {
            #expect(abs(ChiSquare.critical(degrees: degrees, alpha: alpha) - value) < 0.002, "df \(degrees), alpha \(alpha)")
        }
        #expect(abs(ChiSquare.upperTail(degrees: 2, 2 * log(20.0)) - 0.05) < 1e-12)  // exp(-x / 2) at df 2
        // A perfect fit passes, and an outcome the expectation rules out fails.
        #expect(!ChiSquare.goodnessOfFit([0: 500, 1: 500], expected: [0: 0.5, 1: 0.5], alpha: 0.001).rejects)
        #expect(ChiSquare.goodnessOfFit([0: 500, 1: 490, 2: 10], expected: [0: 0.5, 1: 0.5], alpha: 0.001).rejects)
    }
}
