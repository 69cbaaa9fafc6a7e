import Kernels

/// A token tree run through the model into the slots after the committed tokens, waiting for
/// `InferenceSession.keep(_:path:)` to commit one root-to-node path of it. Node i holds
/// `tokens[i]` under node `parents[i]` (-1: under the last committed token). Valid until the
/// session changes in any other way (an evaluation, a truncation, another tree).
public struct PendingTree: Sendable {
    /// Where node 0 sits: the committed token count when the tree was run.
    public let base: Int
    public let tokens: [Int]
    public let parents: [Int]
    /// The prediction after each node.
    public let predictions: [InferenceSession.Prediction]
    /// The session's epoch this tree belongs to.
    let epoch: Int
}

extension InferenceSession {
    /// Runs a token tree after the committed tokens in one pass (in passes of `batch` when
    /// larger): node i holds `nodes[i]` and hangs under node `parents[i]` (an earlier node), or
    /// under the last committed token when -1. Node i takes the next free slot, sits at the
    /// position of its depth and sees the committed tokens and its own ancestors only. Returns the
    /// tree with the prediction after every node; `keep(_:path:)` commits one path of it.
    public func evaluate(tree nodes: [Int], parents: [Int], topK: Int = 0) throws -> PendingTree {
        try grow(PendingTree(base: tokens.count, tokens: [], parents: [], predictions: [], epoch: epoch),
                 nodes: nodes, parents: parents, topK: topK)
    }

    /// Adds nodes to a pending tree (numbered after its nodes; parents may be any of them), so a
    /// drafter can grow a tree level by level. Returns the grown tree; `tree` is then stale.
    public func extend(_ tree: PendingTree, nodes: [Int], parents: [Int], topK: Int = 0) throws -> PendingTree {
        try checkCurrent(tree.epoch, "the tree to extend")
        return try grow(tree, nodes: nodes, parents: parents, topK: topK)
    }

    private func grow(_ tree: PendingTree, nodes: [Int], parents newParents: [Int], topK: Int) throws -> PendingTree {
        guard newParents.count == nodes.count else {
            throw ModelError.invalidTree("\(nodes.count) tokens but \(newParents.count) parents")
        }
        let base = tree.base, parents = tree.parents + newParents
        var depth: [Int] = []
        for (i, parent) in parents.enumerated() {
            guard parent >= -1, parent < i else { throw ModelError.invalidTree("node \(i) hangs under node \(parent), not an earlier one") }
            depth.append(parent < 0 ? 0 : depth[parent] + 1)
        }
        try checkRoom(for: nodes, after: base + tree.tokens.count)
        // ancestry[i]: the slots of node i and its ancestors, in increasing order.
        var ancestry: [[Int]] = []
        for (i, parent) in parents.enumerated() { ancestry.append((parent < 0 ? [] : ancestry[parent]) + [base + i]) }
        let first = tree.tokens.count
        var predictions = tree.predictions
        for start in stride(from: first, to: parents.count, by: batch) {
            let end = min(start + batch, parents.count)
            predictions += try pass(Array(nodes[(start - first)..<(end - first)]), at: base + start,
                                    positions: (start..<end).map { base + depth[$0] },
                                    visible: { Array(0..<base) + ancestry[start + $0] }, logitRows: end - start, topK: topK)
        }
        epoch += 1
        return PendingTree(base: base, tokens: tree.tokens + nodes, parents: parents, predictions: predictions, epoch: epoch)
    }

    /// Commits the nodes of `path` (a root-to-node chain of node indices, the root's parent -1)
    /// after the committed tokens, dropping every other node. The path's keys and values move on
    /// the device into consecutive slots, bit for bit, so the cache then equals the one that
    /// evaluating the path's tokens one by one would have written.
    public func keep(_ tree: PendingTree, path: [Int]) throws {
        try checkCurrent(tree.epoch, "the tree to keep a path of")
        for (j, node) in path.enumerated() {
            guard node >= 0, node < tree.parents.count, tree.parents[node] == (j == 0 ? -1 : path[j - 1]) else {
                throw ModelError.invalidTree("path \(path) is not a chain from the root")
            }
        }
        // Nodes are numbered parents first, so path[j] >= j: rows only move toward the front.
        let moves = path.enumerated().filter { $0.element != $0.offset }
        let base = tree.base
        try ModelError.wrapping { try move(moves, base: base) }
        tokens += path.map { tree.tokens[$0] }
        epoch += 1
    }

    /// Moves the rows of `moves` (node index, path position) from slot base + node to base +
    /// position in every layer's cache, through the scratch cache.
    private func move(_ moves: [(offset: Int, element: Int)], base: Int) throws {
        for start in stride(from: 0, to: moves.count, by: batch) {
            let chunk = moves[start..<min(start + batch, moves.count)]
            let n = chunk.count
            try moveSlots.write((chunk.map { base + $0.element } + chunk.map { base + $0.offset } + Array(0..<n)).map { UInt32($0) })
            try sequence.begin()
            for cache in caches {
                try model.kernels.kvMove.encode(sequence, from: cache, to: scratch, slots: moveSlots,
                                                sourceSlotOffset: 0, targetSlotOffset: 2 * n, rows: n)
                try model.kernels.kvMove.encode(sequence, from: scratch, to: cache, slots: moveSlots,
                                                sourceSlotOffset: 2 * n, targetSlotOffset: n, rows: n)
            }
            try sequence.end()
            try sequence.submitAndWait()
        }
    }

    /// Throws unless `valueEpoch` is the session's current one (nothing changed since the
    /// pending value was made).
    func checkCurrent(_ valueEpoch: Int, _ what: String) throws {
        guard valueEpoch == epoch else {
            throw ModelError.invalidTree("\(what) is stale: the session changed after it was made")
        }
    }
}
