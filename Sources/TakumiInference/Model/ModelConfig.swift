import CKernels

/// Hyperparameters of a Qwen2/Llama-style decoder, read from GGUF metadata
/// (`<arch>.block_count`, `<arch>.embedding_length`, ...).
public struct ModelConfig: Equatable, Sendable {
    public enum Architecture: String, Sendable {
        /// Qwen2: biases on the q/k/v projections, NEOX rotary.
        case qwen2
        /// Llama: the same block without biases. Llama GGUFs store q/k with the rotary pairs
        /// permuted for the "normal" (interleaved) style, so rotary pairs are (2i, 2i+1).
        case llama
    }

    public var architecture: Architecture
    public var layerCount: Int
    /// Width of the residual stream (d_model).
    public var embeddingLength: Int
    /// Hidden width of the feed-forward block.
    public var feedForwardLength: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var ropeFreqBase: Float
    public var rmsNormEpsilon: Float
    /// Context the model was trained for (the KV cache may be sized smaller).
    public var trainedContextLength: Int
    public var vocabularySize: Int

    public var qWidth: Int { headCount * headDim }
    public var kvWidth: Int { kvHeadCount * headDim }

    public init(architecture: Architecture, layerCount: Int, embeddingLength: Int, feedForwardLength: Int,
                headCount: Int, kvHeadCount: Int, headDim: Int, ropeFreqBase: Float, rmsNormEpsilon: Float,
                trainedContextLength: Int, vocabularySize: Int) {
        self.architecture = architecture
        self.layerCount = layerCount
        self.embeddingLength = embeddingLength
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.ropeFreqBase = ropeFreqBase
        self.rmsNormEpsilon = rmsNormEpsilon
        self.trainedContextLength = trainedContextLength
        self.vocabularySize = vocabularySize
    }

    /// Reads the configuration from `file`'s metadata, checking it is self-consistent.
    public init(file: GGUFFile) throws {
        let archName = try file.string("general.architecture")
        guard let arch = Architecture(rawValue: archName) else {
            throw InferenceError.unsupportedArchitecture(path: file.path, architecture: archName)
        }
        let p = archName + "."
        let layers = try file.int(p + "block_count")
        let width = try file.int(p + "embedding_length")
        let ffn = try file.int(p + "feed_forward_length")
        let heads = try file.int(p + "attention.head_count")
        let kvHeads = file.contains(p + "attention.head_count_kv") ? try file.int(p + "attention.head_count_kv") : heads
        let base = file.contains(p + "rope.freq_base") ? try file.float32(p + "rope.freq_base") : 10_000
        let eps = try file.float32(p + "attention.layer_norm_rms_epsilon")
        let ctx = file.contains(p + "context_length") ? try file.int(p + "context_length") : 4096
        // The vocabulary size is the embedding's row count (the tokenizer list may be padded).
        let embd = try file.tensor("token_embd.weight")
        guard embd.dims.count == 2 else {
            throw InferenceError.badTensorShape(path: file.path, tensor: "token_embd.weight", expected: "2 dims", found: "dims \(embd.dims)")
        }
        let positive = [("block_count", layers), ("embedding_length", width), ("feed_forward_length", ffn),
                         ("attention.head_count", heads), ("attention.head_count_kv", kvHeads), ("context_length", ctx)]
        for (key, value) in positive where value <= 0 || value > 1 << 20 {
            throw InferenceError.badModelConfig(path: file.path, reason: "\(p)\(key) is \(value)")
        }
        guard width % heads == 0, heads % kvHeads == 0 else {
            throw InferenceError.badModelConfig(path: file.path, reason: "embedding_length \(width), head_count \(heads), head_count_kv \(kvHeads) do not divide evenly")
        }
        let headDim = width / heads
        guard headDim % 2 == 0 else {
            throw InferenceError.badModelConfig(path: file.path, reason: "head size \(headDim) is odd (rotary needs pairs)")
        }
        guard headDim <= Int(TK_ATTENTION_MAX_HEAD_DIM) else {
            throw InferenceError.badModelConfig(path: file.path, reason: "head size \(headDim) is over \(TK_ATTENTION_MAX_HEAD_DIM)")
        }
        guard eps > 0, eps < 1, base > 1 else {
            throw InferenceError.badModelConfig(path: file.path, reason: "rms epsilon \(eps) or rope base \(base) out of range")
        }
        self.init(architecture: arch, layerCount: layers, embeddingLength: width, feedForwardLength: ffn,
                  headCount: heads, kvHeadCount: kvHeads, headDim: headDim, ropeFreqBase: base, rmsNormEpsilon: eps,
                  trainedContextLength: ctx, vocabularySize: embd.dims[1])
    }
}
