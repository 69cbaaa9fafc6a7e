import Foundation

/// Self-speculation by early exit (LayerSkip, SpecEE): the target's own first `exitLayer` layers,
/// then its final norm and output head, draft greedily. No extra weights. The drafted tokens run
/// through those layers on the target's session as a `PartialPass` that the proposal carries, so
/// verification runs only the remaining layers over them (`InferenceSession.complete`): the early
/// layers are computed once, shared by drafting and verification.
public struct EarlyExitDrafter: Drafter {
    public let exitLayer: Int
    public var name: String { "self-spec" }
    public var precomputesVerification: Bool { true }
    public var endsPathsByStopRule: Bool { true }

    public init(exitLayer: Int) {
        self.exitLayer = exitLayer
    }

    /// `SpeculationTuning.exitLayer`; settable with `--exit-layer`.
    public static func defaultExitLayer(layers: Int) -> Int { SpeculationTuning.exitLayer(layers: layers) }

    /// A chain: each drafted token runs through the early layers (one column) to draft the next;
    /// the last one runs through them too, so verification finds every token's early layers done.
    public func draft(after context: [Int], shape: DraftShape, target session: InferenceSession) throws -> Proposal {
        guard exitLayer > 0, exitLayer < session.model.configuration.layers else {
            throw ModelError.invalidExitLayer(exitLayer, layers: session.model.configuration.layers)
        }
        let limit = min(shape.depth, shape.nodes, session.batch - 1)
        // The session holds the accepted tokens; `context` adds the target's next token.
        guard limit > 0, session.tokens.count == context.count - 1, session.tokens.elementsEqual(context.dropLast()),
              context.count + limit <= session.context else { return Proposal() }
        var draft: [Int] = [], probabilities: [Double] = [], accepted = 1.0
        var token = context[context.count - 1]
        var partial: PartialPass?
        while draft.count < limit {
            let (grown, prediction) = try session.evaluate([token], exitAfter: exitLayer, continuing: partial)
            partial = grown
            guard let prediction else { break }
            let p = prediction.probability(ofLogit: prediction.logit) ?? 0
            token = prediction.argmax
            draft.append(token)
            probabilities.append(p)
            accepted *= p
            if let stop = shape.stopProbability, 1 - accepted > stop { break }
        }
        if !draft.isEmpty { partial = try session.evaluate([token], exitAfter: exitLayer, continuing: partial, logits: false).0 }
        return Proposal(tree: DraftTree(chain: draft, probabilities: probabilities), precomputed: partial)
    }
}
