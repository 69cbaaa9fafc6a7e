/// Proposes tokens that the target model will probably generate next. Speculative decoding
/// verifies every proposal with the target, so a drafter can only change speed, never output.
public protocol Drafter {
    /// Up to `limit` tokens to follow `context` (the prompt and every accepted token so far).
    mutating func propose(after context: [Int], limit: Int) throws -> [Int]
    /// Told which tokens the target accepted, so it can learn from them.
    mutating func observe(accepted: [Int], context: [Int])
    /// A short name for stats ("lookup", ...).
    var name: String { get }
}

extension Drafter {
    public mutating func observe(accepted: [Int], context: [Int]) {}
}

/// Prompt lookup: finds the longest recent n-gram (down to `minimumMatch` tokens) that occurred
/// earlier in the context and proposes what followed it. No weights; strong on code edits and
/// anything that repeats its input.
public struct PromptLookupDrafter: Drafter {
    public var maximumMatch: Int
    public var minimumMatch: Int
    public let name = "lookup"

    public init(maximumMatch: Int = 4, minimumMatch: Int = 1) {
        self.maximumMatch = max(1, maximumMatch)
        self.minimumMatch = max(1, min(minimumMatch, maximumMatch))
    }

    public mutating func propose(after context: [Int], limit: Int) -> [Int] {
        guard limit > 0 else { return [] }
        for n in stride(from: min(maximumMatch, context.count - 1), through: minimumMatch, by: -1) {
            let suffix = context[(context.count - n)...]
            // The most recent earlier occurrence wins.
            var start = context.count - n - 1
            while start >= 0 {
                if context[start..<(start + n)].elementsEqual(suffix) {
                    let follow = start + n
                    return Array(context[follow..<min(follow + limit, context.count)])
                }
                start -= 1
            }
        }
        return []
    }
}
