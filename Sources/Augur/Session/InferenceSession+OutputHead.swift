import GGUF
import Kernels

/// A draft's output head limited to the tokens it is likely to propose (`Readout.headRows`). The
/// logits buffer then holds, per prediction, the first `headRows` tokens in place, the
/// `headExtra` tokens after them and -inf in every other slot; `token(atHeadRow:)` and
/// `logits(row:)` translate slots back into token ids. Drafts are verified by the target, so none
/// of this changes output, only speed and acceptance. Byte-level BPE vocabularies number tokens in
/// merge order, roughly most frequent first, so a prefix keeps most tokens a draft would propose
/// (FR-Spec's frequency-ranked draft vocabulary).
extension InferenceSession {
    /// The most extra rows kept (`extendHead`); past it the oldest are dropped.
    static let maxHeadExtra = SpeculationTuning.maxHeadExtra

    /// Adds the tokens of `context` that lie past the head limit (a prompt's rare identifiers,
    /// which a code model's output repeats) to the computed head, as rows gathered from the output
    /// matrix; `replacing` starts the set afresh (a new request). No-op without a head limit.
    public func extendHead(with context: [Int], replacing: Bool = false) throws {
        guard let limit = readout.headRows else { return }
        var ids = replacing ? [] : headExtra?.ids ?? []
        var known = Set(ids)
        for token in context where token >= limit && known.insert(token).inserted { ids.append(token) }
        ids = Array(ids.suffix(Self.maxHeadExtra))
        guard ids != headExtra?.ids ?? [] else { return }
        let hadExtra = headExtra != nil
        try ModelError.wrapping {
            headExtra = ids.isEmpty ? nil : (try gatherOutputRows(ids), ids)
            if hadExtra { try maskHeadTail() }
        }
    }

    /// The token whose logit sits in slot `row` of a prediction.
    func token(atHeadRow row: Int) -> Int {
        guard let limit = readout.headRows, row >= limit, let extra = headExtra?.ids, row - limit < extra.count else { return row }
        return extra[row - limit]
    }

    /// The last pass's logits of prediction row `row` (0 = the first row it returned), by token
    /// id; tokens the head skipped read -inf.
    public func logits(row: Int = 0) throws -> [Float] {
        let vocabulary = model.configuration.vocabulary
        guard (0..<batch).contains(row) else { throw GenerationError.invalidParameter("logit row \(row) is outside 0..<\(batch)") }
        var logits = try ModelError.wrapping { try buffers.logits.read(Float.self, count: vocabulary, at: row * vocabulary * 4) }
        if let limit = readout.headRows, let extra = headExtra?.ids {
            let gathered = Array(logits[limit..<(limit + extra.count)])
            for i in limit..<(limit + extra.count) { logits[i] = -.infinity }
            for (id, logit) in zip(extra, gathered) { logits[id] = logit }
        }
        return logits
    }

    /// Writes -inf past the head limit in every prediction row.
    func maskHeadTail() throws {
        let vocabulary = model.configuration.vocabulary
        guard let limit = readout.headRows else { return }
        let masked = [Float](repeating: -.infinity, count: vocabulary - limit)
        for row in 0..<buffers.capacity { try buffers.logits.write(masked, at: (row * vocabulary + limit) * 4) }
    }

    /// The output matrix's rows for `ids`, uploaded as a matrix of their own.
    func gatherOutputRows(_ ids: [Int]) throws -> WeightMatrix {
        let file = model.file
        guard let tensor = file.tensor(named: "output.weight") ?? file.tensor(named: "token_embd.weight") else {
            throw ModelError.missingTensor("output.weight")
        }
        let hidden = model.configuration.hidden
        let rowBytes = try tensor.type.rowBytes(elements: hidden)
        let data = file.data(of: tensor)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * rowBytes)
        for id in ids { bytes += data[(id * rowBytes)..<((id + 1) * rowBytes)] }
        return try bytes.withUnsafeBytes { try model.encoding.matrix($0, type: tensor.type, rows: ids.count, columns: hidden) }
    }
}
