import Foundation

/// Continuations of n-grams learned from every accepted output of the process: the cheap form of
/// online speculative decoding, where drafts adapt to live traffic. Shared across requests and
/// bounded: past `capacity` n-grams the oldest are forgotten.
public final class NGramPool: @unchecked Sendable {
    public let order: Int
    public let capacity: Int
    private var next: [[Int]: Int] = [:]
    private var age: [[Int]] = []
    private var oldest = 0
    private let lock = NSLock()

    public init(order: Int = 3, capacity: Int = 200_000) {
        self.order = max(1, order)
        self.capacity = max(1, capacity)
    }

    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return next.count
    }

    /// Records, for every n-gram of `tokens`, the token that followed it (the latest wins).
    public func learn(_ tokens: [Int]) {
        guard tokens.count > order else { return }
        lock.lock()
        defer { lock.unlock() }
        for end in order..<tokens.count {
            let key = Array(tokens[(end - order)..<end])
            if next.updateValue(tokens[end], forKey: key) == nil { age.append(key) }
        }
        // Forget the oldest n-grams beyond the capacity.
        while next.count > capacity, oldest < age.count {
            next[age[oldest]] = nil
            oldest += 1
        }
        if oldest > capacity {
            age.removeFirst(oldest)
            oldest = 0
        }
    }

    /// Up to `limit` tokens, each the learned continuation of the n tokens before it.
    public func predict(after context: [Int], limit: Int) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        var tail = Array(context.suffix(order)), draft: [Int] = []
        while draft.count < limit, tail.count == order, let token = next[tail] {
            draft.append(token)
            tail = Array((tail + [token]).suffix(order))
        }
        return draft
    }
}

/// Drafts from an `NGramPool` and teaches it every accepted token.
public struct NGramPoolDrafter: Drafter {
    public let pool: NGramPool
    public let name = "ngram-pool"

    public init(pool: NGramPool) {
        self.pool = pool
    }

    public mutating func propose(after context: [Int], limit: Int) -> [Int] {
        pool.predict(after: context, limit: limit)
    }

    public mutating func observe(_ round: RoundReport, context: [Int]) {
        pool.learn(Array(context.suffix(pool.order)) + round.tokens)
    }
}
