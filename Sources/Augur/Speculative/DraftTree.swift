/// A draft as a tree of tokens: a prefix trie (siblings hold distinct tokens), nodes numbered
/// parents first, so node i's parent is an earlier node or -1 (the root: the target's own next
/// token). A chain is the tree where every node has one child. Each node carries the drafter's
/// probability that the target agrees with it given its parent (1 when the drafter cannot say;
/// a drafter's own is at most `mostLikely`), so a node's path probability estimates how likely
/// the target accepts it.
public struct DraftTree: Sendable, Equatable {
    public private(set) var tokens: [Int] = []
    public private(set) var parents: [Int] = []
    public private(set) var probabilities: [Double] = []
    public private(set) var depths: [Int] = []

    /// The highest probability a drafter's node carries (1 is for nodes without one).
    public static let mostLikely = 1.0.nextDown

    public init() {}

    /// A single path.
    public init(chain: [Int], probabilities: [Double]? = nil) {
        insert(chain, probabilities: probabilities)
    }

    public var count: Int { tokens.count }
    public var isEmpty: Bool { tokens.isEmpty }
    /// The most tokens along one path.
    public var depth: Int { (depths.max() ?? -1) + 1 }
    /// Whether the tree is one path (every node one deeper than the last; an empty tree too).
    public var isChain: Bool { depth == count }

    /// The child of `node` (-1: the root) holding `token`, if any.
    public func child(of node: Int, token: Int) -> Int? {
        parents.indices.first { parents[$0] == node && tokens[$0] == token }
    }

    /// Children of `node` (-1: the root), in the order they were added.
    public func children(of node: Int) -> [Int] {
        parents.indices.filter { parents[$0] == node }
    }

    /// Tokens on the path from the root to `node`, `node` included.
    public func path(to node: Int) -> [Int] {
        var path: [Int] = [], n = node
        while n >= 0 { path.append(n); n = parents[n] }
        return path.reversed()
    }

    /// The product of the probabilities from the root down to `node`.
    public func pathProbability(_ node: Int) -> Double {
        path(to: node).reduce(1) { $0 * probabilities[$1] }
    }

    /// Adds `path` under `node`, reusing the nodes already there (a trie), until `maxNodes`
    /// nodes or `maxDepth` tokens deep. Returns the nodes of the path that are in the tree.
    @discardableResult
    public mutating func insert(_ path: [Int], probabilities: [Double]? = nil, under node: Int = -1,
                                maxNodes: Int = .max, maxDepth: Int = .max) -> [Int] {
        var at = node, placed: [Int] = []
        for (i, token) in path.enumerated() {
            // 1 stands for "cannot say"; a drafter's own probability stays just below it.
            let p = probabilities.map { min($0[i], Self.mostLikely) } ?? 1
            if let existing = child(of: at, token: token) {
                // A drafter that can say how likely the node is outranks one that cannot (1).
                let known = self.probabilities[existing]
                self.probabilities[existing] = known == 1 ? p : p == 1 ? known : max(known, p)
                at = existing
            } else {
                let depth = at < 0 ? 0 : depths[at] + 1
                guard count < maxNodes, depth < maxDepth else { break }
                tokens.append(token)
                parents.append(at)
                self.probabilities.append(p)
                depths.append(depth)
                at = count - 1
            }
            placed.append(at)
        }
        return placed
    }

    /// Every root-to-leaf path of `other` added to this tree (deduplicated), within the limits.
    public mutating func merge(_ other: DraftTree, maxNodes: Int = .max, maxDepth: Int = .max) {
        for leaf in other.parents.indices where other.children(of: leaf).isEmpty {
            let nodes = other.path(to: leaf)
            insert(nodes.map { other.tokens[$0] }, probabilities: nodes.map { other.probabilities[$0] },
                   maxNodes: maxNodes, maxDepth: maxDepth)
        }
    }

    /// The `n` nodes with the highest path probabilities (ties: earlier first), with their
    /// ancestors, renumbered parents first. A child's path probability never exceeds its parent's,
    /// so the best n are closed under ancestry.
    public func pruned(to n: Int) -> DraftTree {
        guard n < count else { return self }
        let scores = parents.indices.map(pathProbability)
        return keeping(Set(parents.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(max(n, 0))))
    }

    /// The nodes of `keep` whose ancestors are all in it too, renumbered parents first.
    public func keeping(_ keep: Set<Int>) -> DraftTree {
        var tree = DraftTree(), renumbered: [Int: Int] = [:]
        for i in parents.indices where keep.contains(i) {
            guard parents[i] < 0 || renumbered[parents[i]] != nil else { continue }
            tree.tokens.append(tokens[i])
            tree.parents.append(parents[i] < 0 ? -1 : renumbered[parents[i]]!)
            tree.probabilities.append(probabilities[i])
            tree.depths.append(depths[i])
            renumbered[i] = tree.count - 1
        }
        return tree
    }
}
