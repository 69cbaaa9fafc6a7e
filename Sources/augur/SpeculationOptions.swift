import Foundation
import ArgumentParser
import Augur

/// The speculative decoding options of `generate` and `bench`; several drafters combine.
struct SpeculationOptions: ParsableArguments {
    @Flag(help: "Draft with prompt lookup.")
    var lookup = false

    @Flag(help: "Draft with an n-gram pool learned from accepted outputs (shared across a bench's prompts).")
    var ngram = false

    @Option(help: "Draft with this model (a .gguf path or a name) sharing the target's vocabulary.")
    var draftModel: String?

    @Option(help: "Draft model: compute only the first N tokens of its output head (the vocabulary's likeliest, FR-Spec style) and the request's tokens past them; 0: the whole head. (default: 65536)")
    var draftVocabulary: Int?

    @Option(help: "Draft model: q4_1 (or q4_0) requantizes its matrices stored wider than 5 (4.5) bits a weight at load (fewer bytes and less work a drafted token; lossy for the draft, never for the output); none keeps them as stored. (default: q4_1)")
    var draftQuantization: DraftQuantization?

    @Flag(help: "Self-speculation: the target's first layers draft (see --exit-layer).")
    var selfSpec = false

    @Option(help: "Layers the self-speculative draft runs before the output head (default: all but the last twelfth).")
    var exitLayer: Int?

    @Option(name: .customLong("draft-max"), help: "The most tokens drafted along one path per round. (default: 8)")
    var draftMaxOption: Int?

    var draftMax: Int {
        get { draftMaxOption ?? 8 }
        set { draftMaxOption = newValue }
    }

    @Option(help: "Candidates per step where a drafter is unsure (1: chains, more: token trees).")
    var treeWidth = 1

    @Flag(help: "Size each round's draft by the measured acceptance and verification cost (at most --draft-max per path).")
    var adaptive = false

    @Option(help: "SpecDec++ stop rule: end a drafted path once the drafter's chance that it holds a rejection exceeds this (default: 0.2; 1: off).")
    var stopProbability: Double?

    var isOn: Bool { lookup || ngram || draftModel != nil || selfSpec }

    /// The chosen drafters one by one (same lengths, widths and stop rule), each with a name.
    var drafters: [(name: String, options: SpeculationOptions)] {
        var alone = self
        (alone.lookup, alone.ngram, alone.draftModel, alone.selfSpec, alone.exitLayer, alone.adaptive) = (false, false, nil, false, nil, false)
        (alone.draftVocabulary, alone.draftQuantization) = (nil, nil)
        alone.treeWidth = 1  // chains alone; --tree-width applies to the combination
        var list: [(String, SpeculationOptions)] = []
        if let draftModel {
            var o = alone
            (o.draftModel, o.draftVocabulary, o.draftQuantization) = (draftModel, draftVocabulary, draftQuantization)
            list.append(("draft-model", o))
        }
        if selfSpec { var o = alone; (o.selfSpec, o.exitLayer) = (true, exitLayer); list.append(("self-spec", o)) }
        if lookup { var o = alone; o.lookup = true; list.append(("lookup", o)) }
        if ngram { var o = alone; o.ngram = true; list.append(("ngram", o)) }
        return list
    }

    func validate() throws {
        guard (1...63).contains(draftMax) else { throw ValidationError("--draft-max must be in 1...63") }
        guard (1...16).contains(treeWidth) else { throw ValidationError("--tree-width must be in 1...16") }
        if exitLayer != nil && !selfSpec { throw ValidationError("--exit-layer needs --self-spec") }
        if let p = stopProbability, !(0...1).contains(p) { throw ValidationError("--stop-probability must be in 0...1") }
        if draftQuantization != nil && draftModel == nil { throw ValidationError("--draft-quantization needs --draft-model") }
        if let n = draftVocabulary {
            guard draftModel != nil else { throw ValidationError("--draft-vocabulary needs --draft-model") }
            guard n >= 0 else { throw ValidationError("--draft-vocabulary must be 0 (the whole head) or positive") }
        }
        if !isOn && (adaptive || treeWidth != 1 || draftMaxOption != nil || stopProbability != nil) {
            throw ValidationError("--adaptive, --tree-width, --draft-max and --stop-probability need a drafter: --lookup, --ngram, --draft-model or --self-spec")
        }
    }

    /// The draft model `--draft-model` names, loaded with `options`.
    func loadDraft(_ options: EngineOptions) throws -> Model? {
        try draftModel.map {
            try Model(path: options.modelStore.resolve($0).path, options: options, requantization: (draftQuantization ?? .q4_1).requantization)
        }
    }

    /// The library's options; `pool` is the n-gram pool to share when `--ngram` is on, `draft` the
    /// draft model if already loaded (else loaded with `options`).
    func speculation(_ options: EngineOptions, pool: NGramPool = NGramPool(), draft loaded: Model? = nil) throws -> Speculation? {
        guard isOn else { return nil }
        let draft = draftModel == nil ? nil : try loaded ?? loadDraft(options)
        return Speculation(lookup: lookup, ngramPool: ngram ? pool : nil, draftModel: draft, selfSpeculation: selfSpec,
                           exitLayer: exitLayer, draftMax: draftMax, treeWidth: treeWidth, adaptive: adaptive,
                           stopProbability: stopProbability,
                           draftVocabulary: draftVocabulary.map { $0 == 0 ? nil : $0 } ?? Speculation.defaultDraftVocabulary)
    }
}

/// How `--draft-model` is loaded: requantized (`WeightRequantization`) or as stored.
enum DraftQuantization: String, ExpressibleByArgument, CaseIterable {
    case none, q4_0, q4_1

    var requantization: WeightRequantization? {
        switch self {
        case .none: nil
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        }
    }
}

extension SpeculativeStats {
    /// "draft-model: 52 of 54 drafted accepted, 5.33 tokens a pass" for a command's summary line.
    var summary: String {
        "\(drafter): \(accepted) of \(drafted) drafted accepted, " + String(format: "%.2f tokens a pass", meanAcceptedLength)
    }
}
