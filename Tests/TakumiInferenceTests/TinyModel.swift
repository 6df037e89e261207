import CKernels
import Foundation
import Testing
import TakumiInference

/// Writes tiny random Qwen2 (or Llama) models as GGUF, for tests that must not need the
/// real model. Weights are random with small magnitudes so activations stay O(1).
struct TinyModel {
    var architecture = "qwen2"
    var layers = 2
    var width = 64
    var ffn = 128
    var heads = 4
    var kvHeads = 2
    var vocab = 96
    var matrixType: GGMLType = .f32
    /// ffn_down's type (K-quants there need ffn to be a multiple of 256).
    var downType: GGMLType? = nil
    /// attn_v's type (the real 0.5B file mixes Q8_0 v with Q5_0 q/k in some layers).
    var vType: GGMLType? = nil
    var tiedEmbeddings = false
    var seed: UInt64 = 1
    /// Adds a byte-level BPE vocabulary (printable ASCII, space, newline, two specials;
    /// `vocab` is set to its size) so the model can be used with a Tokenizer and Generator.
    var withTokenizer = false

    /// The tiny vocabulary: one token per byte (ids 0..255, written with the GPT-2
    /// byte-to-unicode table: printable bytes as themselves, the others as U+0100 + n),
    /// then "<|im_end|>", "<|endoftext|>". No merges.
    static let tokenizerTokens: [String] = {
        var n = 0
        let bytes: [String] = (0..<256).map { b in
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                return String(UnicodeScalar(UInt8(b)))
            }
            defer { n += 1 }
            return String(UnicodeScalar(UInt32(256 + n))!)
        }
        return bytes + ["<|im_end|>", "<|endoftext|>"]
    }()

    func bytes() throws -> [UInt8] {
        var rng = TestRNG(seed: seed)
        var w = GGUFWriter()
        let p = architecture + "."
        w.set("general.architecture", .string(architecture))
        w.set("general.name", .string("tiny-\(architecture)"))
        w.set(p + "block_count", .uint32(UInt32(layers)))
        w.set(p + "embedding_length", .uint32(UInt32(width)))
        w.set(p + "feed_forward_length", .uint32(UInt32(ffn)))
        w.set(p + "attention.head_count", .uint32(UInt32(heads)))
        w.set(p + "attention.head_count_kv", .uint32(UInt32(kvHeads)))
        w.set(p + "rope.freq_base", .float32(10_000))
        w.set(p + "attention.layer_norm_rms_epsilon", .float32(1e-6))
        w.set(p + "context_length", .uint32(4096))
        var vocab = self.vocab
        if withTokenizer {
            let tokens = Self.tokenizerTokens
            vocab = tokens.count
            w.set("tokenizer.ggml.model", .string("gpt2"))
            w.set("tokenizer.ggml.pre", .string("qwen2"))
            w.set("tokenizer.ggml.tokens", .array(.string(tokens)))
            w.set("tokenizer.ggml.merges", .array(.string([])))
            w.set("tokenizer.ggml.token_type", .array(.int32(tokens.map { $0.hasPrefix("<|") ? 3 : 1 })))
            w.set("tokenizer.ggml.eos_token_id", .uint32(UInt32(tokens.count - 1)))
        }
        let hd = width / heads
        func matrix(_ name: String, rows: Int, cols: Int, type: GGMLType? = nil) throws {
            let t = type ?? matrixType
            let values = rng.floats(rows * cols, scale: 1 / Float(cols).squareRoot() * 1.7)
            try w.addTensor(name: name, type: t, dims: [cols, rows], bytes: try quantize(values, type: t, rowLength: cols))
        }
        func vector(_ name: String, _ n: Int, around: Float, spread: Float) throws {
            try w.addTensor(name: name, dims: [n], floats: rng.floats(n, scale: spread).map { $0 + around })
        }
        try matrix("token_embd.weight", rows: vocab, cols: width)
        try vector("output_norm.weight", width, around: 1, spread: 0.2)
        if !tiedEmbeddings { try matrix("output.weight", rows: vocab, cols: width) }
        for l in 0..<layers {
            let b = "blk.\(l)."
            try vector(b + "attn_norm.weight", width, around: 1, spread: 0.2)
            try matrix(b + "attn_q.weight", rows: heads * hd, cols: width)
            try matrix(b + "attn_k.weight", rows: kvHeads * hd, cols: width)
            try matrix(b + "attn_v.weight", rows: kvHeads * hd, cols: width, type: vType)
            if architecture == "qwen2" {
                try vector(b + "attn_q.bias", heads * hd, around: 0, spread: 0.5)
                try vector(b + "attn_k.bias", kvHeads * hd, around: 0, spread: 0.5)
                try vector(b + "attn_v.bias", kvHeads * hd, around: 0, spread: 0.5)
            }
            try matrix(b + "attn_output.weight", rows: width, cols: heads * hd)
            try vector(b + "ffn_norm.weight", width, around: 1, spread: 0.2)
            try matrix(b + "ffn_gate.weight", rows: ffn, cols: width)
            try matrix(b + "ffn_up.weight", rows: ffn, cols: width)
            try matrix(b + "ffn_down.weight", rows: width, cols: ffn, type: downType)
        }
        return w.bytes()
    }

    func load() throws -> Model {
        try Model(file: GGUFFile(bytes: bytes(), name: "tiny-\(architecture)-\(matrixType).gguf"))
    }
}

/// Quantizes rows of `rowLength` floats into `type` with the kernels' quantizer.
func quantize(_ values: [Float], type: GGMLType, rowLength: Int) throws -> [UInt8] {
    let rowBytes = try #require(type.rowBytes(rowLength))
    let rows = values.count / rowLength
    var out = [UInt8](repeating: 0, count: rows * rowBytes)
    try values.withUnsafeBufferPointer { src in
        try out.withUnsafeMutableBytes { dst in
            for r in 0..<rows {
                let ok = tk_quantize_row(Int32(type.rawValue), src.baseAddress! + r * rowLength,
                                         dst.baseAddress! + r * rowBytes, Int64(rowLength))
                try #require(ok, "tk_quantize_row(\(type)) failed")
            }
        }
    }
    return out
}

