import Foundation
import Kernels
import VulkanRuntime

/// A model's running state: the KV cache and the tokens in it (token i in slot i). Each call to
/// `evaluate` runs new tokens through the model in batches, one submission per batch; a single
/// token (decode) is one submission.
public final class InferenceSession: @unchecked Sendable {
    /// The next-token distribution after one token: the greedy choice and, when asked, the top
    /// logits and (`reportsProbabilities`) the log of the softmax's denominator.
    public struct Prediction: Sendable {
        public var argmax: Int
        public var top: [(id: Int, logit: Float)]
        /// The argmax's logit.
        public var logit: Float = 0
        /// log sum_j exp(logit_j) over the computed logits, when the session reports probabilities.
        public var logNormalizer: Double? = nil

        /// The probability of a token with logit `logit` (nil without `logNormalizer`).
        public func probability(ofLogit logit: Float) -> Double? {
            logNormalizer.map { Foundation.exp(Double(logit) - $0) }
        }
    }

    public let model: Model
    public let context: Int
    public let batch: Int
    public internal(set) var tokens: [Int] = []
    let buffers: Activations
    let caches: [Attention.Cache]
    let ropeTable: Rope.Table
    let sequence: CommandSequence
    /// Where the last evaluated tree starts and its parents, until a path of it is kept.
    var lastTree: (base: Int, parents: [Int])?
    /// Rows in transit while a tree path moves into place, and the slot lists of the move.
    let scratch: Attention.Cache
    let moveSlots: GPUBuffer
    /// Early exit: tokens from `start` on ran through the first `layers` layers only; their hidden
    /// states wait in `exitStates` ([batch][hidden]) for the rest.
    var partial: (start: Int, layers: Int)?
    let exitStates: GPUBuffer
    /// Output-head rows computed per prediction: all, or the first `headRows` tokens of the
    /// vocabulary (`limitHead`) and the tokens of `headExtra` (`extendHead`).
    public internal(set) var headRows: Int? { didSet { recordedPasses.removeAll() } }
    /// Rows gathered from the output matrix for tokens past `headRows`, and their ids.
    var headExtra: (weights: WeightMatrix, ids: [Int])? { didSet { recordedPasses.removeAll() } }
    /// Passes recorded once and submitted again, by shape: a pass's commands depend on its shape
    /// alone, and its inputs (ids, positions, slots, mask, KV length) are read from host buffers.
    /// Recording a Qwen2.5-1.5B pass costs 1.1 ms of CPU here and 1.7 ms on an H200's host, a
    /// quarter of its decode step there.
    var recordedPasses: [PassShape: CommandSequence] = [:]
    static let maxRecordedPasses = 16
    /// When set, each prediction carries its softmax's denominator, computed on the device with
    /// the argmax (`Prediction.logNormalizer`): a drafter's confidence without copying the row of
    /// logits to the host and exponentiating it there (0.6 MB and 152k exp per drafted token for
    /// Qwen2.5's vocabulary).
    public var reportsProbabilities = false

    init(model: Model, context: Int, batch: Int) throws {
        let c = model.configuration
        let library = model.kernels.library
        guard context > 0, batch > 0 else { throw ModelError.invalidMetadata("context/batch", "\(context)/\(batch)") }
        self.model = model
        self.context = context
        self.batch = batch
        buffers = try Activations(library: library, configuration: c, capacity: batch, context: context)
        caches = try (0..<c.layers).map { _ in
            try Attention.Cache.allocate(library: library, capacity: context, kvHeads: c.kvHeads, headDim: c.headDim)
        }
        ropeTable = try Rope.Table(library: library, rotatedDims: c.ropeDimensions, maxPositions: context,
                                   base: c.ropeBase, frequencyScale: c.ropeFrequencyScale)
        sequence = try CommandSequence(device: library.device, timestampCapacity: 1024)
        scratch = try Attention.Cache.allocate(library: library, capacity: batch, kvHeads: c.kvHeads, headDim: c.headDim)
        moveSlots = try library.buffer(UInt32.self, count: 3 * batch, location: .host)
        exitStates = try library.buffer(Float.self, count: batch * c.hidden)
    }

    /// GPU time of one kernel variant in a pass.
    public struct KernelTime: Sendable, Codable {
        public var kernel: String
        public var dispatches: Int
        public var milliseconds: Double
    }

    /// When set, every dispatch is timed on the GPU and `lastProfile()` breaks the last batch down.
    public var profiling: Bool {
        get { sequence.profiling }
        set { sequence.profiling = newValue }
    }

    /// GPU milliseconds per kernel variant of the last batch run with `profiling` set, largest first.
    public func lastProfile() throws -> [KernelTime] {
        try sequence.profile().map { KernelTime(kernel: $0.shader, dispatches: $0.dispatches, milliseconds: $0.nanoseconds / 1e6) }
    }

    /// Forgets every token after the first `count` (their cache slots are overwritten later).
    public func truncate(to count: Int) {
        tokens.removeLast(max(0, tokens.count - count))
        lastTree = nil
        if let start = partial?.start, start >= tokens.count { partial = nil }
    }

    /// Runs `newTokens` through the model after the tokens already in the cache. Returns the
    /// predictions after the last token, or after every new token when `allPositions` is set;
    /// `topK` (0...64) logits are included per prediction.
    @discardableResult
    public func evaluate(_ newTokens: [Int], allPositions: Bool = false, topK: Int = 0) throws -> [Prediction] {
        guard !newTokens.isEmpty else { throw ModelError.emptyPrompt }
        guard tokens.count + newTokens.count <= context else {
            throw ModelError.contextTooLong(requested: tokens.count + newTokens.count, limit: context)
        }
        try checkComplete()
        let vocabulary = model.configuration.vocabulary
        if let bad = newTokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw ModelError.invalidToken(bad, vocabulary: vocabulary)
        }
        var predictions: [Prediction] = []
        lastTree = nil
        for start in stride(from: 0, to: newTokens.count, by: batch) {
            let chunk = Array(newTokens[start..<min(start + batch, newTokens.count)])
            let last = start + chunk.count == newTokens.count
            let rows = allPositions ? chunk.count : (last ? 1 : 0)
            predictions += try run(chunk, logitRows: rows, topK: topK)
        }
        return predictions
    }

    /// Runs one batch into the next free slots. Token i sits at `positions[i]` (default: its slot)
    /// and sees the slots `visible(i)` lists (default: causal, every slot up to its own).
    /// `layers` (default all) is the range of layers to run; `exit` copies the hidden states after
    /// them into `exitStates` from row `exit`, `resume` loads `x` from `exitStates` before them.
    func run(_ chunk: [Int], positions: [Int]? = nil, visible: ((Int) -> [Int])? = nil, layers: Range<Int>? = nil,
             exit: Int? = nil, resume: Bool = false, logitRows: Int, topK: Int) throws -> [Prediction] {
        let n = chunk.count, first = tokens.count, kvLength = first + n
        try buffers.ids.write(chunk.map { UInt32($0) })
        try buffers.positions.write((positions ?? Array(first..<kvLength)).map { UInt32($0) })
        try buffers.slots.write((first..<kvLength).map { UInt32($0) })
        try buffers.params.write([UInt32(kvLength)])
        var mask = [Float](repeating: -.infinity, count: n * buffers.maskStride)
        for i in 0..<n {
            for j in visible?(i) ?? Array(0...(first + i)) { mask[i * buffers.maskStride + j] = 0 }
        }
        try buffers.mask.write(mask)

        let shape = PassShape(tokens: n, layers: layers ?? 0..<model.configuration.layers, exit: exit, resume: resume,
                              logitRows: logitRows, topK: topK, probabilities: reportsProbabilities)
        if profiling {
            // Timestamps belong to `sequence`, which `lastProfile()` reads.
            try record(shape, into: sequence)
            try sequence.run()
        } else if let recorded = recordedPasses[shape] {
            try recorded.run()
        } else {
            if recordedPasses.count >= Self.maxRecordedPasses { recordedPasses.removeAll() }
            let recorded = try CommandSequence(device: model.kernels.library.device, timestampCapacity: 1)
            try record(shape, into: recorded)
            recordedPasses[shape] = recorded
            try recorded.run()
        }
        tokens += chunk
        guard logitRows > 0 else { return [] }
        let best = try buffers.argmaxIndex.read(UInt32.self, count: logitRows)
        let maxima = try buffers.argmaxValue.read(Float.self, count: logitRows)
        let ids = topK > 0 ? try buffers.topIndices.read(UInt32.self, count: logitRows * topK) : []
        let values = topK > 0 ? try buffers.topValues.read(Float.self, count: logitRows * topK) : []
        let sums = shape.probabilities ? try buffers.argmaxNormalizer.read(Float.self, count: logitRows) : []
        return (0..<logitRows).map { r in
            Prediction(argmax: token(atHeadRow: Int(best[r])),
                       top: (0..<topK).map { (token(atHeadRow: Int(ids[r * topK + $0])), values[r * topK + $0]) },
                       logit: maxima[r],
                       logNormalizer: sums.isEmpty || sums[r] <= 0 ? nil : Double(maxima[r]) + Foundation.log(Double(sums[r])))
        }
    }
}
