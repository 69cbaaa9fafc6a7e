import Foundation
import GGUF
import Testing
import Augur

/// Speculative sampling must leave the target's distribution unchanged. On a tiny model, 2,000
/// seeded runs each way (plain, a chain of drafts, a tree of drafts with wrong siblings): the second
/// and third generated tokens (the ones verification accepts or resamples) are compared with a
/// chi-square test of homogeneity at p = 0.001.
@Suite("Speculative sampling keeps the target's distribution", .serialized)
struct SpeculativeSamplingTests {
    static func chiSquare(_ a: [Int: Int], _ b: [Int: Int]) -> (statistic: Double, critical: Double) {
        let na = Double(a.values.reduce(0, +)), nb = Double(b.values.reduce(0, +))
        var bins: [(Double, Double)] = []
        var rest = (0.0, 0.0)
        for key in Set(a.keys).union(b.keys) {
            let (x, y) = (Double(a[key] ?? 0), Double(b[key] ?? 0))
            // Pool rare outcomes so every expected count is at least 5.
            if (x + y) * min(na, nb) / (na + nb) < 5 { rest.0 += x; rest.1 += y } else { bins.append((x, y)) }
        }
        if rest.0 + rest.1 > 0 { bins.append(rest) }
        var statistic = 0.0
        for (x, y) in bins {
            let total = x + y
            let (ex, ey) = (total * na / (na + nb), total * nb / (na + nb))
            statistic += (x - ex) * (x - ex) / ex + (y - ey) * (y - ey) / ey
        }
        let df = Double(max(bins.count - 1, 1))
        let z = 3.09  // p = 0.001, Wilson-Hilferty
        let critical = df * pow(1 - 2 / (9 * df) + z * (2 / (9 * df)).squareRoot(), 3)
        return (statistic, critical)
    }

    @Test("Second and third tokens: plain and speculative sampling agree (chi-square, p = 0.001)")
    func distribution() throws {
        let model = try Model(path: try TinyModels.path())
        let prompt = [257, 32, 99, 97, 116]
        var parameters = GenerationParameters(maxTokens: 3)
        parameters.stopAtEndOfGeneration = false
        parameters.sampling.temperature = 0.6
        parameters.sampling.topK = 6
        parameters.sampling.topP = 1
        parameters.sampling.minP = 0
        // Proposals: the greedy continuation, likely enough to be accepted often and rejected often.
        var greedy = GenerationParameters(maxTokens: 3)
        greedy.stopAtEndOfGeneration = false
        let script = try model.runGeneration(prompt, parameters: greedy) { _ in }.tokens
        let session = try model.makeSession(context: 32)
        var plain: [[Int: Int]] = [[:], [:]], speculative: [[Int: Int]] = [[:], [:]], tree: [[Int: Int]] = [[:], [:]]
        var acceptedTotal = 0, draftedTotal = 0, treeAccepted = 0
        for run in 0..<2_000 {
            parameters.sampling.seed = UInt64(run)
            session.truncate(to: 0)
            let a = try model.runGeneration(prompt, parameters: parameters, session: session) { _ in }.tokens
            session.truncate(to: 0)
            var drafter = ScriptedDrafter(script: script, corrupt: false, promptLength: prompt.count)
            parameters.sampling.seed = UInt64(1_000_000 + run)
            let (result, stats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &drafter, shape: .chain(2), session: session)
            let b = result
            acceptedTotal += stats.accepted
            draftedTotal += stats.drafted
            // A tree: a wrong candidate tried before the greedy one at each step, and wrong leaves.
            session.truncate(to: 0)
            var treeDrafter = ScriptedTreeDrafter(script: script, promptLength: prompt.count)
            parameters.sampling.seed = UInt64(2_000_000 + run)
            let (c, treeStats) = try model.runSpeculativeGeneration(prompt, parameters: parameters, drafter: &treeDrafter,
                                                                    shape: DraftShape(depth: 2, width: 3), session: session)
            treeAccepted += treeStats.accepted
            for i in 0..<2 {
                plain[i][a[i + 1], default: 0] += 1
                speculative[i][b.tokens[i + 1], default: 0] += 1
                tree[i][c.tokens[i + 1], default: 0] += 1
            }
        }
        print("speculative sampling: \(acceptedTotal)/\(draftedTotal) proposals accepted")
        #expect(acceptedTotal > 0 && acceptedTotal < draftedTotal)
        for i in 0..<2 {
            let (statistic, critical) = Self.chiSquare(plain[i], speculative[i])
            print("token \(i + 2): chi-square \(statistic), critical \(critical), outcomes \(plain[i].count)/\(speculative[i].count)")
            #expect(statistic < critical, "token \(i + 2)")
            let (treeStatistic, treeCritical) = Self.chiSquare(plain[i], tree[i])
            print("token \(i + 2), tree drafts: chi-square \(treeStatistic), critical \(treeCritical)")
            #expect(treeStatistic < treeCritical, "token \(i + 2), tree drafts")
        }
        #expect(treeAccepted > 0)
    }
}
