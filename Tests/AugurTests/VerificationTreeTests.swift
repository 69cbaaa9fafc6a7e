import Testing
@testable import Augur

@Suite("A round's verification tree")
struct VerificationTreeTests {
    /// Root 7; draft node 0 (token 1) and node 2 (token 3) under the root, node 1 (token 2) under node 0.
    static let tree: VerificationTree = {
        var draft = DraftTree(chain: [1, 2])
        draft.insert([3])
        return VerificationTree(root: 7, draft: draft)
    }()

    @Test("Rows number the root 0 and draft node i as i + 1, parents included")
    func rows() {
        let tree = Self.tree
        #expect(tree.tokens == [7, 1, 2, 3])
        #expect(tree.parents == [-1, 0, 1, 0])
        #expect(tree.childRows(of: 0) == [1, 3] && tree.childRows(of: 1) == [2] && tree.childRows(of: 3).isEmpty)
        #expect(tree.childRow(of: 0, token: 3) == 3 && tree.childRow(of: 1, token: 3) == nil)
        #expect((0..<4).map(tree.token(atRow:)) == tree.tokens)
        #expect(VerificationTree.row(ofDraftNode: 2) == 3)
    }

    @Test("The greedy path follows each row's argmax while it was drafted")
    func greedyPath() {
        func predictions(_ argmaxes: [Int]) -> [InferenceSession.Prediction] {
            argmaxes.map { InferenceSession.Prediction(argmax: $0, top: []) }
        }
        #expect(Self.tree.greedyPath(predictions([1, 2, 9, 9])) == [0, 1, 2])
        #expect(Self.tree.greedyPath(predictions([3, 9, 9, 5])) == [0, 3])
        #expect(Self.tree.greedyPath(predictions([4, 2, 9, 9])) == [0])
    }
}
