import Foundation
import Kernels
import VulkanRuntime

/// A model's running state: the KV cache and the tokens committed to it (token i in slot i).
/// `evaluate` runs new tokens through the model in passes of up to `batch` tokens and commits
/// them. Work that is not committed yet is a value the caller holds: a token tree waiting for the
/// path to keep (`PendingTree`), tokens run through the early layers only (`PartialPass`).
///
/// A session is not `Sendable`: one task owns it at a time. Generation hands it to its worker
/// thread and back (`Model.generate(tokens:parameters:session:)`); sessions of one `Model` run
/// concurrently (the device queue is locked per submission).
public final class InferenceSession {
    /// The next-token distribution after one token: the greedy choice and, when asked, the top
    /// logits and the log of the softmax's denominator.
    public struct Prediction: Sendable {
        public var argmax: Int
        public var top: [(id: Int, logit: Float)]
        /// The argmax's logit.
        public var logit: Float = 0
        /// log sum_j exp(logit_j) over the computed logits, when the pass computed it.
        public var logNormalizer: Double? = nil

        /// The probability of a token with logit `logit` (nil without `logNormalizer`).
        public func probability(ofLogit logit: Float) -> Double? {
            logNormalizer.map { Foundation.exp(Double(logit) - $0) }
        }
    }

    /// What each pass computes of the output head, fixed for the session's life.
    public struct Readout: Sendable, Equatable {
        /// Output-head rows computed per prediction: all (nil), or the first `headRows` tokens of
        /// the vocabulary and the tokens `extendHead` adds (a draft model's FR-Spec head).
        public var headRows: Int?
        /// Whether each prediction carries its softmax's denominator (`Prediction.logNormalizer`),
        /// computed on the device with the argmax: a drafter's confidence without copying the
        /// row of logits to the host.
        public var probabilities: Bool

        public init(headRows: Int? = nil, probabilities: Bool = false) {
            (self.headRows, self.probabilities) = (headRows, probabilities)
        }

        /// Every logit, no denominators: a target model's readout.
        public static let full = Readout()
    }

    public let model: Model
    public let context: Int
    public let batch: Int
    public let readout: Readout
    /// The committed tokens, in slot order.
    public internal(set) var tokens: [Int] = []
    /// Counts every change to the slots past the committed tokens (and every commit or
    /// truncation); a pending tree or partial pass is valid while the count it carries is current.
    var epoch = 0
    /// Passes submitted so far (all kinds): a way to see that generation stopped.
    public private(set) var passes = 0
    let buffers: Activations
    let caches: [Attention.Cache]
    let ropeTable: Rope.Table
    let sequence: CommandSequence
    /// Rows in transit while a tree path moves into place, and the slot lists of the move.
    let scratch: Attention.Cache
    let moveSlots: GPUBuffer
    /// Hidden states of a partial pass's tokens after its exit layer ([batch][hidden]).
    let exitStates: GPUBuffer
    /// Rows gathered from the output matrix for tokens past `readout.headRows`, and their ids.
    var headExtra: (weights: WeightMatrix, ids: [Int])? { didSet { recordedPasses.removeAll() } }
    /// Passes recorded once and submitted again, by shape: a pass's commands depend on its shape
    /// alone, and its inputs (ids, positions, slots, mask, KV length) are read from host buffers.
    var recordedPasses: [PassShape: CommandSequence] = [:]
    static let maxRecordedPasses = 16

    init(model: Model, context: Int, batch: Int, readout: Readout) throws {
        let c = model.configuration
        let library = model.kernels.library
        guard context > 0, batch > 0 else { throw ModelError.invalidMetadata("context/batch", "\(context)/\(batch)") }
        if let rows = readout.headRows, !(1...c.vocabulary).contains(rows) {
            throw GenerationError.invalidParameter("a head limit of \(rows) tokens is outside 1...\(c.vocabulary)")
        }
        self.model = model
        self.context = context
        self.batch = batch
        self.readout = Readout(headRows: readout.headRows == c.vocabulary ? nil : readout.headRows, probabilities: readout.probabilities)
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
        try ModelError.wrapping { try maskHeadTail() }
    }

    /// GPU time of one kernel variant in a pass.
    public struct KernelTime: Sendable, Codable {
        public var kernel: String
        public var dispatches: Int
        public var milliseconds: Double
    }

    /// When set, every dispatch is timed on the GPU and `lastProfile()` breaks the last pass down.
    public var profiling: Bool {
        get { sequence.profiling }
        set { sequence.profiling = newValue }
    }

    /// GPU milliseconds per kernel variant of the last pass run with `profiling` set, largest first.
    public func lastProfile() throws -> [KernelTime] {
        try ModelError.wrapping { try sequence.profile() }.map { KernelTime(kernel: $0.shader, dispatches: $0.dispatches, milliseconds: $0.nanoseconds / 1e6) }
    }

    /// Forgets every token after the first `count` (their slots are overwritten later).
    public func truncate(to count: Int) {
        tokens.removeLast(max(0, tokens.count - count))
        epoch += 1
    }

    /// Runs `newTokens` through the model after the committed tokens and commits them. Returns the
    /// predictions after the last token, or after every new token when `allPositions` is set;
    /// `topK` (0...64) logits are included per prediction.
    @discardableResult
    public func evaluate(_ newTokens: [Int], allPositions: Bool = false, topK: Int = 0) throws -> [Prediction] {
        try checkRoom(for: newTokens)
        var predictions: [Prediction] = []
        epoch += 1
        for start in stride(from: 0, to: newTokens.count, by: batch) {
            let chunk = Array(newTokens[start..<min(start + batch, newTokens.count)])
            let last = start + chunk.count == newTokens.count
            let rows = allPositions ? chunk.count : (last ? 1 : 0)
            predictions += try pass(chunk, at: tokens.count, logitRows: rows, topK: topK)
            tokens += chunk
        }
        return predictions
    }

    /// Checks that `newTokens` is non-empty, holds vocabulary ids and fits after the committed tokens.
    func checkRoom(for newTokens: [Int], after count: Int? = nil) throws {
        guard !newTokens.isEmpty else { throw ModelError.emptyPrompt }
        let end = (count ?? tokens.count) + newTokens.count
        guard end <= context else { throw ModelError.contextTooLong(requested: end, limit: context) }
        let vocabulary = model.configuration.vocabulary
        if let bad = newTokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw ModelError.invalidToken(bad, vocabulary: vocabulary)
        }
    }

    /// Runs one pass of up to `batch` tokens into the slots from `first` on. Token i sits at
    /// `positions[i]` (default: its slot) and sees the slots `visible(i)` lists (default: causal,
    /// every slot up to its own). `layers` (default all) is the range of layers to run; `exit`
    /// copies the hidden states after them into `exitStates` from row `exit`, `resume` loads `x`
    /// from `exitStates` before them. Commits nothing.
    func pass(_ chunk: [Int], at first: Int, positions: [Int]? = nil, visible: ((Int) -> [Int])? = nil,
              layers: Range<Int>? = nil, exit: Int? = nil, resume: Bool = false, logitRows: Int, topK: Int) throws -> [Prediction] {
        try ModelError.wrapping {
            try pass(chunk, at: first, positions: positions, visible: visible, shape: PassShape(
                tokens: chunk.count, layers: layers ?? 0..<model.configuration.layers, exit: exit, resume: resume,
                logitRows: logitRows, topK: topK, probabilities: readout.probabilities || exit != nil))
        }
    }

    private func pass(_ chunk: [Int], at first: Int, positions: [Int]?, visible: ((Int) -> [Int])?, shape: PassShape) throws -> [Prediction] {
        let (n, logitRows, topK) = (chunk.count, shape.logitRows, shape.topK), kvLength = first + n
        try buffers.ids.write(chunk.map { UInt32($0) })
        try buffers.positions.write((positions ?? Array(first..<kvLength)).map { UInt32($0) })
        try buffers.slots.write((first..<kvLength).map { UInt32($0) })
        try buffers.params.write([UInt32(kvLength)])
        var mask = [Float](repeating: -.infinity, count: n * buffers.maskStride)
        for i in 0..<n {
            for j in visible?(i) ?? Array(0...(first + i)) { mask[i * buffers.maskStride + j] = 0 }
        }
        try buffers.mask.write(mask)
        passes += 1
        model.passCount.add(1, ordering: .relaxed)
        if profiling {
            // Timestamps belong to `sequence`, which `lastProfile()` reads.
            try recordPass(shape, into: sequence)
            try sequence.submitAndWait()
        } else if let recorded = recordedPasses[shape] {
            try recorded.submitAndWait()
        } else {
            if recordedPasses.count >= Self.maxRecordedPasses { recordedPasses.removeAll() }
            let recorded = try CommandSequence(device: model.kernels.library.device, timestampCapacity: 1)
            try recordPass(shape, into: recorded)
            recordedPasses[shape] = recorded
            try recorded.submitAndWait()
        }
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
