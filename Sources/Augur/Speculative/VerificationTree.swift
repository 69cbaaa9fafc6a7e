/// What one round verifies: the target's own next token as the root (row 0), then the draft's
/// nodes, draft node i at row i + 1. Rows are the pass's nodes and predictions; this type keeps
/// the two numberings apart.
struct VerificationTree {
    /// The target's own next token: certain, whatever is drafted after it.
    let root: Int
    let draft: DraftTree

    /// The row of draft node `node`.
    static func row(ofDraftNode node: Int) -> Int { node + 1 }

    /// Tokens by row.
    var tokens: [Int] { [root] + draft.tokens }
    /// Parents by row (-1: the root's, the last committed token).
    var parents: [Int] { [-1] + draft.parents.map { $0 < 0 ? 0 : Self.row(ofDraftNode: $0) } }

    /// The token at `row`.
    func token(atRow row: Int) -> Int { row == 0 ? root : draft.tokens[row - 1] }

    /// Rows of the children of `row`, in the order they were drafted.
    func childRows(of row: Int) -> [Int] { draft.children(of: row - 1).map(Self.row(ofDraftNode:)) }

    /// The row of `row`'s child holding `token`, if drafted.
    func childRow(of row: Int, token: Int) -> Int? { draft.child(of: row - 1, token: token).map(Self.row(ofDraftNode:)) }

    /// The greedy path: from the root, each row's argmax while it was drafted.
    func greedyPath(_ predictions: [InferenceSession.Prediction]) -> [Int] {
        var path = [0]
        while let child = childRow(of: path.last!, token: predictions[path.last!].argmax) { path.append(child) }
        return path
    }
}
