extension Tokenizer {
    /// Pre-tokenizer names (`tokenizer.ggml.pre`) this tokenizer implements, with how many
    /// digits one piece may hold. qwen2's pattern splits numbers into single digits;
    /// llama3's ("llama-bpe") is the same pattern with up to three digits per piece.
    static let supportedPreTokenizers: [String: Int] = ["qwen2": 1, "llama-bpe": 3, "llama3": 3]

    /// Loads the vocabulary of a GGUF model file (`tokenizer.ggml.*` keys). Throws naming
    /// the key when the file's tokenizer is not a byte-level BPE with a supported
    /// pre-tokenizer or its vocabulary is inconsistent.
    public convenience init(gguf file: GGUFFile) throws {
        let model = try file.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw InferenceError.badMetadata(path: file.path, key: "tokenizer.ggml.model",
                                             reason: "unsupported tokenizer '\(model)' (supported: gpt2, byte-level BPE)")
        }
        // Files written before llama.cpp named pre-tokenizers have no key; qwen2 is our default.
        let pre = file.contains("tokenizer.ggml.pre") ? try file.string("tokenizer.ggml.pre") : "qwen2"
        guard let maxDigits = Self.supportedPreTokenizers[pre] else {
            let known = Self.supportedPreTokenizers.keys.sorted().joined(separator: ", ")
            throw InferenceError.badMetadata(path: file.path, key: "tokenizer.ggml.pre",
                                             reason: "unsupported pre-tokenizer '\(pre)' (supported: \(known))")
        }
        let tokens = try file.stringArray("tokenizer.ggml.tokens")
        let merges = try file.stringArray("tokenizer.ggml.merges")
        let types = file.contains("tokenizer.ggml.token_type")
            ? try file.int32Array("tokenizer.ggml.token_type")
            : [Int32](repeating: TokenType.normal.rawValue, count: tokens.count)
        var endOfSequence: Int32?
        if file.contains("tokenizer.ggml.eos_token_id") {
            let id = try file.int("tokenizer.ggml.eos_token_id")
            guard id >= 0 && id < tokens.count else {
                throw InferenceError.badMetadata(path: file.path, key: "tokenizer.ggml.eos_token_id",
                                                 reason: "id \(id) is outside the vocabulary (0..<\(tokens.count))")
            }
            endOfSequence = Int32(id)
        }
        try self.init(tokens: tokens, merges: merges, tokenTypes: types, endOfSequence: endOfSequence,
                      maxDigitsPerPiece: maxDigits, source: file.path)
    }

    /// Loads the vocabulary of the GGUF model file at `path`.
    public convenience init(ggufPath path: String) throws {
        try self.init(gguf: GGUFFile(path: path))
    }
}
