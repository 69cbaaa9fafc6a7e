/// Speculative decoding options of a generation request (`GenerationParameters.speculation`).
/// Several drafters can be on at once: their proposals merge into one deduplicated tree.
public struct Speculation: Sendable, Equatable {
    /// Prompt lookup drafts.
    public var lookup = false
    /// Drafts from an n-gram pool shared across requests (it learns every accepted output).
    public var ngramPool: NGramPool?
    /// A draft model with the target's vocabulary.
    public var draftModel: Model?
    /// The draft model computes only the first this many tokens of its output head, and the
    /// request's tokens past them (nil: all; default `defaultDraftVocabulary`).
    public var draftVocabulary: Int?
    /// Self-speculation: the target's first `exitLayer` layers draft (default: all but the last twelfth).
    public var selfSpeculation = false
    public var exitLayer: Int?
    /// The most tokens along one drafted path.
    public var draftMax = 8
    /// Children per node where a drafter is unsure (1: chains).
    public var treeWidth = 1
    /// Size each round's draft for the most expected tokens per second of verification, and stop
    /// paths by SpecDec++'s rule.
    public var adaptive = false
    /// SpecDec++'s stop rule: a path stops once the drafter's estimate of the chance that some
    /// token on it is rejected exceeds this (nil: `defaultStopProbability`; 1: never).
    public var stopProbability: Double?

    /// The default stop probability and draft head (`SpeculationTuning`).
    public static let defaultStopProbability = SpeculationTuning.stopProbability
    public static let defaultDraftVocabulary = SpeculationTuning.draftVocabulary

    public init(lookup: Bool = false, ngramPool: NGramPool? = nil, draftModel: Model? = nil, selfSpeculation: Bool = false,
                exitLayer: Int? = nil, draftMax: Int = 8, treeWidth: Int = 1, adaptive: Bool = false, stopProbability: Double? = nil,
                draftVocabulary: Int? = Speculation.defaultDraftVocabulary) {
        (self.lookup, self.ngramPool, self.draftModel, self.selfSpeculation) = (lookup, ngramPool, draftModel, selfSpeculation)
        (self.exitLayer, self.draftMax, self.treeWidth, self.adaptive) = (exitLayer, draftMax, treeWidth, adaptive)
        (self.stopProbability, self.draftVocabulary) = (stopProbability, draftVocabulary)
    }

    /// The shape of each round's draft.
    public var shape: DraftShape {
        DraftShape(depth: draftMax, width: treeWidth, nodes: min(63, draftMax * treeWidth),
                   stopProbability: stopProbability ?? Self.defaultStopProbability)
    }

    public static func == (a: Speculation, b: Speculation) -> Bool {
        a.lookup == b.lookup && a.ngramPool === b.ngramPool && a.draftModel === b.draftModel && a.selfSpeculation == b.selfSpeculation
            && a.exitLayer == b.exitLayer && a.draftMax == b.draftMax && a.treeWidth == b.treeWidth && a.adaptive == b.adaptive
            && a.stopProbability == b.stopProbability && a.draftVocabulary == b.draftVocabulary
    }
}

extension Model {
    /// The drafter that `speculation` asks for (several merge into a `CombinedDrafter`).
    public func drafter(for speculation: Speculation) throws -> any Drafter {
        var drafters: [any Drafter] = []
        if let draft = speculation.draftModel { drafters.append(try DraftModelDrafter(draft: draft, target: self, headRows: speculation.draftVocabulary)) }
        if speculation.selfSpeculation {
            drafters.append(EarlyExitDrafter(exitLayer: speculation.exitLayer ?? EarlyExitDrafter.defaultExitLayer(layers: configuration.layers)))
        }
        if speculation.lookup { drafters.append(PromptLookupDrafter()) }
        if let pool = speculation.ngramPool { drafters.append(NGramPoolDrafter(pool: pool)) }
        guard !drafters.isEmpty else {
            throw GenerationError.invalidParameter("speculation needs a drafter: lookup, an n-gram pool, a draft model or self-speculation")
        }
        guard (1...63).contains(speculation.draftMax), (1...16).contains(speculation.treeWidth),
              (0...1).contains(speculation.stopProbability ?? 0) else {
            throw GenerationError.invalidParameter("draft length must be in 1...63, tree width in 1...16, stop probability in 0...1")
        }
        guard drafters.count > 1 else { return drafters[0] }
        // Records carry over between requests with the same drafters and options.
        let key = [drafters.map(\.name).joined(separator: "+"), speculation.draftModel?.path ?? "", "\(speculation.exitLayer ?? -1)",
                   "\(speculation.draftVocabulary ?? 0)", "\(speculation.shape)", "\(speculation.adaptive)"].joined(separator: "|")
        return CombinedDrafter(drafters, memory: routingMemory, key: key)
    }
}
