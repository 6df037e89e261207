import CKernels

/// A weight matrix used in place from the mapped file.
/// W (out, in): `rows` rows of `columns` values of `type`, rows contiguous.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    public let data: UnsafeRawPointer

    init(_ t: GGUFTensor, file: GGUFFile, rows: Int, columns: Int) throws {
        guard t.dims == [columns, rows] else {
            throw InferenceError.badTensorShape(path: file.path, tensor: t.name, expected: "dims [\(columns), \(rows)]", found: "dims \(t.dims)")
        }
        guard tk_type_supported(Int32(t.type.rawValue)) else {
            throw InferenceError.unknownTensorType(path: file.path, tensor: t.name, type: t.type.rawValue)
        }
        name = t.name
        type = t.type
        self.rows = rows
        self.columns = columns
        data = t.data
    }
}

/// A vector (norm weight, bias) as owned float32, converted from whatever type the file uses.
/// Vectors are tiny, so owning them costs nothing and keeps the hot path type-free.
public final class WeightVector: @unchecked Sendable {
    public let name: String
    public let values: UnsafeMutablePointer<Float>
    public let count: Int

    init(_ t: GGUFTensor, file: GGUFFile, count: Int) throws {
        guard t.dims == [count] else {
            throw InferenceError.badTensorShape(path: file.path, tensor: t.name, expected: "dims [\(count)]", found: "dims \(t.dims)")
        }
        guard tk_type_supported(Int32(t.type.rawValue)) || t.type == .f32 else {
            throw InferenceError.unknownTensorType(path: file.path, tensor: t.name, type: t.type.rawValue)
        }
        name = t.name
        self.count = count
        values = .allocate(capacity: count)
        tk_dequantize_row(Int32(t.type.rawValue), t.data, values, Int64(count))
    }

    deinit { values.deallocate() }
}

/// The weights of one transformer block.
public struct LayerWeights: @unchecked Sendable {
    public let attnNorm: WeightVector      // (d)
    public let wq: WeightMatrix            // (heads*hd, d)
    public let wk: WeightMatrix            // (kv_heads*hd, d)
    public let wv: WeightMatrix            // (kv_heads*hd, d)
    public let bq: WeightVector?           // (heads*hd), Qwen2 only
    public let bk: WeightVector?           // (kv_heads*hd)
    public let bv: WeightVector?           // (kv_heads*hd)
    public let wo: WeightMatrix            // (d, heads*hd)
    public let ffnNorm: WeightVector       // (d)
    public let wGate: WeightMatrix         // (ffn, d)
    public let wUp: WeightMatrix           // (ffn, d)
    public let wDown: WeightMatrix         // (d, ffn)
}

/// All weights of the model, pointing into the mapped GGUF file.
public final class ModelWeights: @unchecked Sendable {
    public let tokenEmbedding: WeightMatrix  // (vocab, d): row t is token t's embedding
    public let outputNorm: WeightVector      // (d)
    /// (vocab, d): `output.weight`, or the token embedding when the model ties them.
    public let output: WeightMatrix
    public let layers: [LayerWeights]

    init(file: GGUFFile, config c: ModelConfig) throws {
        let d = c.embeddingLength
        func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
            try WeightMatrix(file.tensor(name), file: file, rows: rows, columns: columns)
        }
        func vector(_ name: String, _ n: Int) throws -> WeightVector {
            try WeightVector(file.tensor(name), file: file, count: n)
        }
        func optionalVector(_ name: String, _ n: Int) throws -> WeightVector? {
            file.hasTensor(name) ? try vector(name, n) : nil
        }
        tokenEmbedding = try matrix("token_embd.weight", rows: c.vocabularySize, columns: d)
        outputNorm = try vector("output_norm.weight", d)
        output = file.hasTensor("output.weight")
            ? try matrix("output.weight", rows: c.vocabularySize, columns: d)
            : tokenEmbedding
        var layers: [LayerWeights] = []
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            let biases = c.architecture == .qwen2
            layers.append(LayerWeights(
                attnNorm: try vector(p + "attn_norm.weight", d),
                wq: try matrix(p + "attn_q.weight", rows: c.qWidth, columns: d),
                wk: try matrix(p + "attn_k.weight", rows: c.kvWidth, columns: d),
                wv: try matrix(p + "attn_v.weight", rows: c.kvWidth, columns: d),
                bq: biases ? try vector(p + "attn_q.bias", c.qWidth) : try optionalVector(p + "attn_q.bias", c.qWidth),
                bk: biases ? try vector(p + "attn_k.bias", c.kvWidth) : try optionalVector(p + "attn_k.bias", c.kvWidth),
                bv: biases ? try vector(p + "attn_v.bias", c.kvWidth) : try optionalVector(p + "attn_v.bias", c.kvWidth),
                wo: try matrix(p + "attn_output.weight", rows: d, columns: c.qWidth),
                ffnNorm: try vector(p + "ffn_norm.weight", d),
                wGate: try matrix(p + "ffn_gate.weight", rows: c.feedForwardLength, columns: d),
                wUp: try matrix(p + "ffn_up.weight", rows: c.feedForwardLength, columns: d),
                wDown: try matrix(p + "ffn_down.weight", rows: d, columns: c.feedForwardLength)))
        }
        self.layers = layers
    }
}
