/// Everything a byte-level BPE tokenizer needs, as GGUF's `tokenizer.ggml.*` metadata holds it.
///
/// Build one by hand (tests, tiny vocabularies) or from a GGUF file with
/// `init(gguf:)`; then hand it to `Tokenizer.init(_:)`, which validates it.
public struct TokenizerConfiguration: Sendable, Equatable {
    /// `tokenizer.ggml.model`; only "gpt2" (byte-level BPE) is supported.
    public var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer name ("smollm", "qwen2", "llama3", ...).
    public var preTokenizer: String
    /// `tokenizer.ggml.tokens`: token texts, byte-level encoded as GPT-2 does
    /// (control and user-defined tokens are stored as plain text).
    public var tokens: [String]
    /// `tokenizer.ggml.merges`: "left right" pairs; a merge's rank is its index.
    public var merges: [String]
    /// `tokenizer.ggml.token_type`: one per token, or empty for all `normal`.
    public var tokenTypes: [TokenType]
    /// `tokenizer.ggml.bos_token_id`.
    public var bos: Int?
    /// `tokenizer.ggml.eos_token_id`.
    public var eos: Int?
    /// `tokenizer.ggml.eot_token_id`; when nil, found by text as llama.cpp does ("<|im_end|>", ...).
    public var eot: Int?
    /// `tokenizer.ggml.eom_token_id`; when nil, "<|eom_id|>" if the vocabulary has it.
    public var eom: Int?
    /// `tokenizer.ggml.padding_token_id`.
    public var padding: Int?
    /// `tokenizer.ggml.fim_pad_token_id`, `fim_rep_token_id`, `fim_sep_token_id`: these end
    /// generation in llama.cpp; when nil, found by text ("<|fim_pad|>", "<|repo_name|>", ...).
    public var fimPad: Int?
    public var fimRepo: Int?
    public var fimSeparator: Int?
    /// `tokenizer.ggml.add_bos_token`: prepend BOS when encoding with `addSpecial`.
    public var addBOS: Bool
    /// `tokenizer.ggml.add_eos_token`: append EOS when encoding with `addSpecial`.
    public var addEOS: Bool

    /// - Parameters:
    ///   - addBOS: nil takes llama.cpp's default for the pre-tokenizer: true for the
    ///     llama3 family, false otherwise (the gpt2 model's default).
    ///   - addEOS: nil means false.
    public init(
        model: String = "gpt2", preTokenizer: String, tokens: [String], merges: [String],
        tokenTypes: [TokenType] = [], bos: Int? = nil, eos: Int? = nil, eot: Int? = nil,
        eom: Int? = nil, padding: Int? = nil, fimPad: Int? = nil, fimRepo: Int? = nil,
        fimSeparator: Int? = nil, addBOS: Bool? = nil, addEOS: Bool? = nil
    ) {
        self.model = model
        self.preTokenizer = preTokenizer
        self.tokens = tokens
        self.merges = merges
        self.tokenTypes = tokenTypes
        self.bos = bos
        self.eos = eos
        self.eot = eot
        self.eom = eom
        self.padding = padding
        self.fimPad = fimPad
        self.fimRepo = fimRepo
        self.fimSeparator = fimSeparator
        self.addBOS = addBOS ?? PreTokenizer.addsBOSByDefault(preTokenizer)
        self.addEOS = addEOS ?? false
    }
}
