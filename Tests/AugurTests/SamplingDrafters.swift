import Foundation
@testable import Augur

/// Drafts the target's own top choices: under every node the `shape.width` tokens with the
/// highest logits after it (best first), to `shape.depth` tokens deep, read from a session of
/// its own on the target model. Under sampling the siblings a verification rejects then carry
/// real probability, so an acceptance rule that mishandles them changes the output distribution.
/// A class with a cache by context: the tests run thousands of generations from one prompt, and
/// the trees depend on the context alone.
final class TargetChoicesDrafter: Drafter {
    let session: InferenceSession
    private var trees: [[Int]: DraftTree] = [:]
    var name: String { "target-choices" }

    init(target: Model) throws {
        session = try target.makeSession(context: 64)
    }

    func propose(after context: [Int], limit: Int) throws -> [Int] {
        try proposeTree(after: context, shape: .chain(limit)).tokens
    }

    func proposeTree(after context: [Int], shape: DraftShape) throws -> DraftTree {
        let key = context + [-shape.depth, -shape.width]
        if let tree = trees[key] { return tree }
        var tree = DraftTree()
        try grow(&tree, under: -1, path: [], context: context, shape: shape)
        trees[key] = tree
        return tree
    }

    /// Adds the best `width` tokens after `context + path` under `node`, then their own, depth first.
    private func grow(_ tree: inout DraftTree, under node: Int, path: [Int], context: [Int], shape: DraftShape) throws {
        guard path.count < shape.depth else { return }
        try evaluate(context + path)
        let logits = try session.logits()
        let best = logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }.prefix(shape.width)
        var children: [(node: Int, token: Int)] = []
        for token in best {
            guard let child = tree.insert([token], under: node, maxNodes: shape.nodes).last else { return }
            children.append((child, token))
        }
        for (child, token) in children {
            try grow(&tree, under: child, path: path + [token], context: context, shape: shape)
        }
    }

    /// Leaves the session's last logits those after `tokens`, reusing the shared prefix.
    private func evaluate(_ tokens: [Int]) throws {
        let shared = zip(session.tokens, tokens).prefix { $0 == $1 }.count
        session.truncate(to: min(shared, tokens.count - 1))
        try session.evaluate(Array(tokens[session.tokens.count...]))
    }
}

/// Early exit (`EarlyExitDrafter`) that counts the rounds it drafted, and those whose
/// verification completed its partial pass instead of running the whole model
/// (`RoundReport.precomputed`: the loop called `InferenceSession.complete`).
struct CountingEarlyExitDrafter: Drafter {
    var inner: EarlyExitDrafter
    private(set) var draftedRounds = 0, completedRounds = 0
    var name: String { inner.name }
    var precomputesVerification: Bool { inner.precomputesVerification }
    var endsPathsByStopRule: Bool { inner.endsPathsByStopRule }

    init(exitLayer: Int) {
        inner = EarlyExitDrafter(exitLayer: exitLayer)
    }

    mutating func draft(after context: [Int], shape: DraftShape, target: InferenceSession) throws -> Proposal {
        let proposal = try inner.draft(after: context, shape: shape, target: target)
        if !proposal.tree.isEmpty { draftedRounds += 1 }
        return proposal
    }

    mutating func observe(_ round: RoundReport, context: [Int]) {
        if round.precomputed { completedRounds += 1 }
    }
}
