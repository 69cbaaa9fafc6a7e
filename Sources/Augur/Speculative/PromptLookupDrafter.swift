/// Prompt lookup: finds the longest recent n-gram (down to `minimumMatch` tokens) that occurred
/// earlier in the context and proposes what followed it. No weights; strong on code edits and
/// anything that repeats its input. As a tree, the continuations of several earlier occurrences
/// (longest match first, then most recent) become branches.
public struct PromptLookupDrafter: Drafter {
    public var maximumMatch: Int
    public var minimumMatch: Int
    public let name = "lookup"

    public init(maximumMatch: Int = 4, minimumMatch: Int = 1) {
        self.maximumMatch = max(1, maximumMatch)
        self.minimumMatch = max(1, min(minimumMatch, maximumMatch))
    }

    public mutating func propose(after context: [Int], limit: Int) -> [Int] {
        continuations(after: context, limit: limit, count: 1).first ?? []
    }

    public mutating func proposeTree(after context: [Int], shape: DraftShape) -> DraftTree {
        var tree = DraftTree()
        for continuation in continuations(after: context, limit: shape.depth, count: shape.width) {
            tree.insert(continuation, maxNodes: shape.nodes, maxDepth: shape.depth)
        }
        return tree
    }

    /// Up to `count` distinct continuations of up to `limit` tokens.
    func continuations(after context: [Int], limit: Int, count: Int) -> [[Int]] {
        guard limit > 0, count > 0 else { return [] }
        var found: [[Int]] = []
        for n in stride(from: min(maximumMatch, context.count - 1), through: minimumMatch, by: -1) {
            let suffix = context[(context.count - n)...]
            // The most recent earlier occurrence first.
            var start = context.count - n - 1
            while start >= 0 {
                if context[start..<(start + n)].elementsEqual(suffix) {
                    let follow = start + n
                    let continuation = Array(context[follow..<min(follow + limit, context.count)])
                    if !found.contains(where: { $0.starts(with: continuation) || continuation.starts(with: $0) }) {
                        found.append(continuation)
                        if found.count == count { return found }
                    }
                }
                start -= 1
            }
        }
        return found
    }
}
