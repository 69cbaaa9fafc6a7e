import Augur
import Testing

/// Whole rows of logits, for bit-for-bit comparisons of passes of different sizes.
enum LogitRows {
    /// The logits after every token of `tokens`, run through a fresh session in passes of
    /// `chunk` tokens (1: token by token).
    static func of(_ model: Model, _ tokens: [Int], chunk: Int) throws -> [[UInt32]] {
        let session = try model.makeSession(context: 64, batch: max(chunk, 1))
        var rows: [[UInt32]] = []
        for start in stride(from: 0, to: tokens.count, by: chunk) {
            let part = Array(tokens[start..<min(start + chunk, tokens.count)])
            try session.evaluate(part, allPositions: true)
            for r in part.indices { rows.append(try session.logits(row: r).map(\.bitPattern)) }
        }
        return rows
    }

    /// Records, per position, whether `rows` equal `reference` bit for bit in every logit.
    static func expectEqual(_ rows: [[UInt32]], _ reference: [[UInt32]], _ label: String) {
        #expect(rows.count == reference.count, "\(label): \(rows.count) rows, want \(reference.count)")
        for (i, (row, want)) in zip(rows, reference).enumerated() {
            let differing = zip(row, want).filter { $0 != $1 }.count
            #expect(row.count == want.count && differing == 0, "\(label), position \(i): \(differing) of \(want.count) logits differ")
        }
    }
}
