import GGUF

extension TokenizerConfiguration {
    /// Reads the `tokenizer.ggml.*` metadata of a GGUF file.
    ///
    /// - Throws: `TokenizerError.unsupportedModel` when `tokenizer.ggml.model` is not
    ///   "gpt2"; `.missingMetadata(key:)` when `tokenizer.ggml.model`, `.tokens` or
    ///   `.merges` is absent; `.invalidMetadata` when a key holds the wrong type.
    public init(gguf: GGUFFile) throws {
        try self.init(ggufMetadata: gguf.metadata)
    }

    /// Reads the `tokenizer.ggml.*` entries of GGUF metadata, with llama.cpp's defaults
    /// for what is absent: pre-tokenizer "default", all token types normal, BOS and
    /// EOS id 11 (llama.cpp's gpt2-model default), add_bos per pre-tokenizer, no add_eos.
    /// A special-token id outside the vocabulary is ignored, as llama.cpp ignores it.
    public init(ggufMetadata m: [String: GGUFValue]) throws {
        let model = try Self.string(m, "tokenizer.ggml.model")
        guard model == "gpt2" else { throw TokenizerError.unsupportedModel(model) }
        let pre = try Self.optionalString(m, "tokenizer.ggml.pre") ?? "default"
        let tokens = try Self.strings(m, "tokenizer.ggml.tokens")
        let merges = try Self.strings(m, "tokenizer.ggml.merges")
        var types: [TokenType] = []
        if let value = m["tokenizer.ggml.token_type"] {
            guard let ints = value.ints else {
                throw TokenizerError.invalidMetadata(key: "tokenizer.ggml.token_type", expected: "an integer array")
            }
            types = ints.map(TokenType.init(gguf:))
        }
        func id(_ name: String, default fallback: Int? = nil) throws -> Int? {
            let key = "tokenizer.ggml.\(name)_token_id"
            guard let value = m[key] else { return fallback }
            guard let id = value.int else { throw TokenizerError.invalidMetadata(key: key, expected: "an integer") }
            return (0..<tokens.count).contains(id) ? id : fallback
        }
        func flag(_ name: String) throws -> Bool? {
            let key = "tokenizer.ggml.\(name)"
            guard let value = m[key] else { return nil }
            guard let flag = value.bool else { throw TokenizerError.invalidMetadata(key: key, expected: "a bool") }
            return flag
        }
        let gpt2Default = tokens.count > 11 ? 11 : nil
        self.init(
            model: model, preTokenizer: pre, tokens: tokens, merges: merges, tokenTypes: types,
            bos: try id("bos", default: gpt2Default), eos: try id("eos", default: gpt2Default),
            eot: try id("eot"), eom: try id("eom"), padding: try id("padding"),
            fimPad: try id("fim_pad"), fimRepo: try id("fim_rep"), fimSeparator: try id("fim_sep"),
            addBOS: try flag("add_bos_token"), addEOS: try flag("add_eos_token"))
    }

    private static func optionalString(_ m: [String: GGUFValue], _ key: String) throws -> String? {
        guard let value = m[key] else { return nil }
        guard let string = value.string else { throw TokenizerError.invalidMetadata(key: key, expected: "a string") }
        return string
    }

    private static func string(_ m: [String: GGUFValue], _ key: String) throws -> String {
        guard let string = try optionalString(m, key) else { throw TokenizerError.missingMetadata(key: key) }
        return string
    }

    private static func strings(_ m: [String: GGUFValue], _ key: String) throws -> [String] {
        guard let value = m[key] else { throw TokenizerError.missingMetadata(key: key) }
        guard let strings = value.strings else {
            throw TokenizerError.invalidMetadata(key: key, expected: "a string array")
        }
        return strings
    }
}
