/// Writes tiny llama-architecture GGUF models with random weights (fixed seed): the models of the
/// fast tests (prefill against decode, speculative against plain), which need real files but no
/// download. The vocabulary is the 256 byte tokens (GPT-2 byte-level text), a few merges and the
/// ChatML control tokens.
public struct RandomModel: Sendable {
    public var layers = 2
    public var hidden = 64
    public var feedForward = 128
    public var heads = 4
    public var kvHeads = 2
    public var contextLength = 512
    public var weightType: TensorType = .q8_0
    /// The output head's type.
    public var outputType: TensorType = .f16
    /// Tokens in all; past the byte tokens, merges and control tokens, plain filler tokens
    /// (`<pad_N>`) make the vocabulary as large as a real model's, for timing on a device.
    public var vocabularySize = 0
    public var seed: UInt64 = 1
    /// Overrides for tests of bad files.
    public var architecture = "llama"

    public init() {}

    public static let controlTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    public static let merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a"]

    /// Byte b as GPT-2's byte-level text: printable bytes stand for themselves, the rest map past U+0100.
    public static func byteText(_ b: UInt8) -> String {
        let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
        if printable { return String(Unicode.Scalar(b)) }
        var n: UInt32 = 0
        for x in 0..<Int(b) {
            let xb = UInt8(x)
            if !((33...126).contains(xb) || (161...172).contains(xb) || (174...255).contains(xb)) { n += 1 }
        }
        return String(Unicode.Scalar(256 + n)!)
    }

    public var vocabulary: [String] {
        let base = (0...255).map { Self.byteText(UInt8($0)) } + Self.merges.map { $0.filter { $0 != " " } }
        let filler = (0..<max(0, vocabularySize - base.count - Self.controlTokens.count)).map { "<pad_\($0)>" }
        return base + filler + Self.controlTokens
    }

    /// The model as GGUF bytes.
    public func writer() throws -> GGUFWriter {
        var w = GGUFWriter()
        let a = architecture
        let vocab = vocabulary
        w.set("general.architecture", .string(a))
        w.set("general.name", .string("augur-tiny-random"))
        w.set("\(a).block_count", .uint32(UInt32(layers)))
        w.set("\(a).context_length", .uint32(UInt32(contextLength)))
        w.set("\(a).embedding_length", .uint32(UInt32(hidden)))
        w.set("\(a).feed_forward_length", .uint32(UInt32(feedForward)))
        w.set("\(a).attention.head_count", .uint32(UInt32(heads)))
        w.set("\(a).attention.head_count_kv", .uint32(UInt32(kvHeads)))
        w.set("\(a).rope.freq_base", .float32(10_000))
        w.set("\(a).attention.layer_norm_rms_epsilon", .float32(1e-5))
        w.set("tokenizer.ggml.model", .string("gpt2"))
        w.set("tokenizer.ggml.pre", .string("gpt2"))
        w.set("tokenizer.ggml.tokens", .array(.string(vocab)))
        w.set("tokenizer.ggml.merges", .array(.string(Self.merges)))
        let types = (0..<vocab.count).map { Int32($0 >= vocab.count - Self.controlTokens.count ? 3 : 1) }
        w.set("tokenizer.ggml.token_type", .array(.int32(types)))
        w.set("tokenizer.ggml.bos_token_id", .uint32(UInt32(vocab.count - 3)))
        w.set("tokenizer.ggml.eos_token_id", .uint32(UInt32(vocab.count - 1)))
        w.set("tokenizer.chat_template", .string("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"))
        let headDim = hidden / heads
        var seed = seed
        func matrix(_ name: String, rows: Int, columns: Int, type: TensorType? = nil) throws {
            seed &+= 1
            let t = type ?? weightType
            w.addTensor(name: name, type: t, dimensions: [columns, rows],
                        data: try SyntheticTensor.randomBytes(type: t, rows: rows, columns: columns, seed: seed))
        }
        func vector(_ name: String, count: Int, around center: Float) {
            seed &+= 1
            let values = SyntheticTensor.randomFloats(count: count, seed: seed, range: (center - 0.2)...(center + 0.2))
            w.addTensor(name: name, type: .f32, dimensions: [count], data: values.withUnsafeBytes { Array($0) })
        }
        try matrix("token_embd.weight", rows: vocab.count, columns: hidden)
        for l in 0..<layers {
            let p = "blk.\(l)."
            vector(p + "attn_norm.weight", count: hidden, around: 1)
            try matrix(p + "attn_q.weight", rows: heads * headDim, columns: hidden)
            try matrix(p + "attn_k.weight", rows: kvHeads * headDim, columns: hidden)
            try matrix(p + "attn_v.weight", rows: kvHeads * headDim, columns: hidden)
            try matrix(p + "attn_output.weight", rows: hidden, columns: heads * headDim)
            vector(p + "ffn_norm.weight", count: hidden, around: 1)
            try matrix(p + "ffn_gate.weight", rows: feedForward, columns: hidden)
            try matrix(p + "ffn_up.weight", rows: feedForward, columns: hidden)
            try matrix(p + "ffn_down.weight", rows: hidden, columns: feedForward)
        }
        vector("output_norm.weight", count: hidden, around: 1)
        try matrix("output.weight", rows: vocab.count, columns: hidden, type: outputType)
        return w
    }
}
