import Testing
import Tokenizer

@Suite("BPE merges on a hand-made vocabulary")
struct BPEMergeTests {
    let t: Tokenizer

    init() throws { t = try TinyVocabulary.tokenizer() }

    @Test("The pair with the lowest merge rank merges first, wherever it is")
    func rankOrder() {
        // "b c" (rank 0) beats "a b" (rank 1), so "abc" is a + bc, not ab + c.
        #expect(t.encode("abc") == t.ids("a", "bc"))
        #expect(t.encode("abcabc") == t.ids("a", "bc", "a", "bc"))
        #expect(t.encode("cab") == t.ids("c", "ab"))
    }

    @Test("Equal ranks merge leftmost first, and merged symbols merge again")
    func leftmostFirst() {
        #expect(t.encode("aaa") == t.ids("aa", "a"))
        #expect(t.encode("aaaa") == t.ids("aaaa"))
        #expect(t.encode("aaaaa") == t.ids("aaaa", "a"))
    }

    @Test("A merge result that is no token still merges on, else falls back to its bytes")
    func mergeResultNotInVocabulary() {
        #expect(t.id(ofTokenText: "xy") == nil)
        #expect(t.encode("xyz") == t.ids("xyz"))
        #expect(t.encode("xy") == t.ids("x", "y"))
    }

    @Test("Bytes map to byte-level characters: a space is Ġ, a newline Ċ")
    func byteLevel() {
        #expect(t.encode(" ab") == t.ids("Ġab"))
        #expect(t.encode("\n") == [10])
        #expect(t.encode("é") == [0xC3, 0xA9])
        #expect(t.piece(t.id(ofTokenText: "Ġab")!) == Array(" ab".utf8))
        #expect(t.id(of: " ab") == t.id(ofTokenText: "Ġab"))
        #expect(t.decode(t.encode("é ab\n\u{0}\u{7F}")) == "é ab\n\u{0}\u{7F}")
    }

    @Test("Merges never cross pre-tokenizer pieces")
    func piecesBoundMerges() {
        // "a" and "b" sit in different pieces ("a" and " b"), so "a b" never applies.
        #expect(t.encode("a b") == t.ids("a", "Ġ", "b"))
    }

    @Test("llama3 takes a piece that is itself a token whole (ignore_merges)")
    func ignoreMerges() throws {
        #expect(t.encode("zzz") == t.ids("z", "z", "z"))
        let llama3 = try TinyVocabulary.tokenizer(preTokenizer: "llama3", addBOS: false)
        #expect(llama3.encode("zzz") == t.ids("zzz"))
    }

    @Test("The empty string encodes to nothing but the added special tokens")
    func emptyText() throws {
        #expect(t.encode("").isEmpty)
        let both = try TinyVocabulary.tokenizer(addBOS: true, addEOS: true)
        #expect(both.encode("") == [TinyVocabulary.endOfText, TinyVocabulary.endOfText])
    }
}
