/// Proposes tokens that the target model will probably generate next. Speculative decoding
/// verifies every proposal with the target, so a drafter can only change speed, never output.
/// A simple drafter implements `propose(after:limit:)` (a chain) or `proposeTree(after:shape:)`;
/// the decoding loop calls `draft(after:shape:target:)`, whose default wraps them.
public protocol Drafter {
    /// Up to `limit` tokens to follow `context` (the prompt and every accepted token so far).
    mutating func propose(after context: [Int], limit: Int) throws -> [Int]
    /// A tree of proposals within `shape`; by default the chain of `propose`.
    mutating func proposeTree(after context: [Int], shape: DraftShape) throws -> DraftTree
    /// The round's proposal, given the target's session (committed up to the last accepted token;
    /// the context's last token, the target's own next one, is not in it yet). A drafter may run
    /// work on the target that verification then completes (an early exit's `PartialPass`).
    mutating func draft(after context: [Int], shape: DraftShape, target: InferenceSession) throws -> Proposal
    /// Told what the round gave (its new tokens, what it cost), so it can learn from it;
    /// `context` is what preceded the round's tokens.
    mutating func observe(_ round: RoundReport, context: [Int])
    /// Reads the prompt before decoding starts, as part of the request's prefill (a draft model
    /// runs it through its own cache, as llama.cpp's speculative example evaluates the prompt with
    /// both models before it starts timing decoding).
    mutating func prefill(_ prompt: [Int]) throws
    /// Told what verifying one more drafted token costs on this device, as a share of one target
    /// pass (measured); a drafter that combines others charges the nodes each adds at it.
    mutating func useVerifyCost(perExtraToken share: Double)
    /// A short name for stats ("lookup", ...).
    var name: String { get }
    /// Whether drafting leaves part of the target's verification done (self-speculation runs the
    /// target's own first layers), so the round's verification takes less than a pass.
    var precomputesVerification: Bool { get }
    /// Whether the paths it drafts (a combination: a member's) carry their probabilities and end
    /// by the stop rule (`DraftShape.stopProbability`): then a lower draft cap would only cut
    /// tokens it is sure of.
    var endsPathsByStopRule: Bool { get }
}

/// A round's draft: the tree, and the partial pass a drafter left on the target for its chain
/// (the root, then the chain's tokens, through the early layers), which verification completes
/// instead of running the whole model again.
public struct Proposal: Sendable {
    public var tree: DraftTree
    public var precomputed: PartialPass?

    public init(tree: DraftTree = DraftTree(), precomputed: PartialPass? = nil) {
        (self.tree, self.precomputed) = (tree, precomputed)
    }
}

extension Drafter {
    public mutating func propose(after context: [Int], limit: Int) throws -> [Int] { [] }

    public mutating func proposeTree(after context: [Int], shape: DraftShape) throws -> DraftTree {
        DraftTree(chain: Array(try propose(after: context, limit: min(shape.depth, shape.nodes)).prefix(min(shape.depth, shape.nodes))))
    }

    public mutating func draft(after context: [Int], shape: DraftShape, target: InferenceSession) throws -> Proposal {
        Proposal(tree: try proposeTree(after: context, shape: shape))
    }

    public mutating func observe(_ round: RoundReport, context: [Int]) {}

    public mutating func prefill(_ prompt: [Int]) throws {}

    public mutating func useVerifyCost(perExtraToken share: Double) {}

    public var precomputesVerification: Bool { false }

    public var endsPathsByStopRule: Bool { false }
}

/// The limits of one round's draft.
public struct DraftShape: Sendable, Equatable {
    /// The most tokens along one path.
    public var depth: Int
    /// The most children a node gets (1: a chain).
    public var width: Int
    /// The most nodes in the tree.
    public var nodes: Int
    /// SpecDec++'s stop rule: a path stops growing once the drafter's estimate of the chance that
    /// some token on it is rejected exceeds this (nil: never).
    public var stopProbability: Double?

    public init(depth: Int = 8, width: Int = 1, nodes: Int? = nil, stopProbability: Double? = nil) {
        self.depth = max(0, depth)
        self.width = max(1, width)
        self.nodes = max(0, nodes ?? self.depth * self.width)
        self.stopProbability = stopProbability
    }

    /// A chain of up to `length` tokens.
    public static func chain(_ length: Int) -> DraftShape { DraftShape(depth: length) }
}
