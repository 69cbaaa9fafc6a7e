import Kernels

extension InferenceSession {
    /// Runs a token tree after the cached tokens in one pass (in batches of `batch` when larger):
    /// node i holds `tokens[i]` and hangs under node `parents[i]` (an earlier node), or under the
    /// last cached token when -1. Node i takes the next free slot, sits at the position of its
    /// depth and sees the cached tokens and its own ancestors only. Returns the prediction after
    /// every node. With `extending`, the nodes are added to the last tree instead (numbered after
    /// its nodes, parents may be any of them), so a drafter can grow a tree level by level. Follow
    /// with `keep(path:)`, which keeps one root-to-node path of the tree.
    @discardableResult
    public func evaluate(tree nodes: [Int], parents newParents: [Int], extending: Bool = false, topK: Int = 0) throws -> [Prediction] {
        guard !nodes.isEmpty else { throw ModelError.emptyPrompt }
        guard newParents.count == nodes.count else {
            throw ModelError.invalidTree("\(nodes.count) tokens but \(newParents.count) parents")
        }
        if extending && lastTree == nil { throw ModelError.invalidTree("no tree to extend") }
        let (base, earlier) = extending ? lastTree! : (tokens.count, [])
        let parents = earlier + newParents
        var depth: [Int] = []
        for (i, parent) in parents.enumerated() {
            guard parent >= -1, parent < i else { throw ModelError.invalidTree("node \(i) hangs under node \(parent), not an earlier one") }
            depth.append(parent < 0 ? 0 : depth[parent] + 1)
        }
        guard tokens.count + nodes.count <= context else {
            throw ModelError.contextTooLong(requested: tokens.count + nodes.count, limit: context)
        }
        try checkComplete()
        let vocabulary = model.configuration.vocabulary
        if let bad = nodes.first(where: { $0 < 0 || $0 >= vocabulary }) { throw ModelError.invalidToken(bad, vocabulary: vocabulary) }
        // ancestry[i]: the slots of node i and its ancestors, in increasing order.
        var ancestry: [[Int]] = []
        for (i, parent) in parents.enumerated() { ancestry.append((parent < 0 ? [] : ancestry[parent]) + [base + i]) }
        let first = earlier.count
        var predictions: [Prediction] = []
        for start in stride(from: first, to: parents.count, by: batch) {
            let end = min(start + batch, parents.count)
            predictions += try run(Array(nodes[(start - first)..<(end - first)]), positions: (start..<end).map { base + depth[$0] },
                                   visible: { Array(0..<base) + ancestry[start + $0] }, logitRows: end - start, topK: topK)
        }
        lastTree = (base, parents)
        return predictions
    }

    /// Keeps the cached tokens before the last tree and the nodes of `path` (a root-to-node chain
    /// of node indices, the root's parent -1), dropping every other node. The path's keys and
    /// values move on the device into consecutive slots, bit for bit, so the cache then equals
    /// the one that evaluating the path's tokens one by one would have written.
    public func keep(path: [Int]) throws {
        guard let (base, parents) = lastTree else { throw ModelError.invalidTree("no tree to keep a path of") }
        for (j, node) in path.enumerated() {
            guard node >= 0, node < parents.count, parents[node] == (j == 0 ? -1 : path[j - 1]) else {
                throw ModelError.invalidTree("path \(path) is not a chain from the root")
            }
        }
        let kept = path.map { tokens[base + $0] }
        // Nodes are numbered parents first, so path[j] >= j: rows only move toward the front.
        let moves = path.enumerated().filter { $0.element != $0.offset }
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
            try sequence.run()
        }
        tokens = Array(tokens[..<base]) + kept
        lastTree = nil
    }
}
