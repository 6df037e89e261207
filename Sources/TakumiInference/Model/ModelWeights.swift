import CKernels
import Foundation

/// A weight matrix used in place from the mapped file (or an owned copy: fused, repacked).
/// W (out, in): `rows` rows of `columns` values of `type`, rows contiguous.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    public let data: UnsafeRawPointer
    /// The C kernels' type id of `data`: `type`'s id, or an engine-internal layout of the
    /// same values (`TK_TYPE_Q4_K_X16` ...) when the matrix was repacked at load.
    public private(set) var kernelType: Int32 = 0

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
        kernelType = Int32(t.type.rawValue)
    }

    init(name: String, type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer, kernelType: Int32? = nil) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.data = data
        self.kernelType = kernelType ?? Int32(type.rawValue)
    }

    /// Whether `data` is in an engine-internal layout rather than the file's.
    public var isRepacked: Bool { kernelType != Int32(type.rawValue) }
}

/// A vector (norm weight, bias) as float32, converted from whatever type the file uses.
/// Vectors are tiny, so owning a float copy costs nothing and keeps the hot path type-free.
/// The memory belongs to the `VectorArena` of the `ModelWeights` it came from; being a plain
/// pointer, using it in the forward pass costs no reference counting.
public struct WeightVector: @unchecked Sendable {
    public let name: String
    public let values: UnsafePointer<Float>
    public let count: Int
}

/// Owns the float copies of all weight vectors and the fused matrices of a model; frees
/// them together.
final class VectorArena {
    private var blocks: [UnsafeMutablePointer<Float>] = []
    private var rawBlocks: [UnsafeMutableRawPointer] = []

    /// The rows of `parts` stacked into one matrix, so one matmul (one pass of the thread
    /// pool) computes them all; nil unless they share type and width.
    func fuse(_ parts: [WeightMatrix], name: String) -> WeightMatrix? {
        guard let first = parts.first, parts.count > 1,
              parts.allSatisfy({ $0.type == first.type && $0.columns == first.columns }),
              let rowBytes = first.type.rowBytes(first.columns) else { return nil }
        let rows = parts.reduce(0) { $0 + $1.rows }
        let data = UnsafeMutableRawPointer.allocate(byteCount: rows * rowBytes, alignment: 64)
        rawBlocks.append(data)
        var offset = 0
        for part in parts {
            (data + offset).copyMemory(from: part.data, byteCount: part.rows * rowBytes)
            offset += part.rows * rowBytes
        }
        return WeightMatrix(name: name, type: first.type, rows: rows, columns: first.columns, data: UnsafeRawPointer(data))
    }

    /// `m` in the layout this CPU's fastest kernels want (see `tk_repacked_type`), as an owned
    /// copy; `m` itself when there is none. A fused copy that gets repacked is freed.
    func repacked(_ m: WeightMatrix) -> WeightMatrix {
        let target = tk_repacked_type(Int32(m.type.rawValue), Int64(m.columns))
        guard target != Int32(m.type.rawValue), !m.isRepacked else { return m }
        let sourceRowBytes = Int(tk_row_bytes(Int32(m.type.rawValue), Int64(m.columns)))
        let targetRowBytes = Int(tk_row_bytes(target, Int64(m.columns)))
        guard sourceRowBytes > 0, targetRowBytes > 0 else { return m }
        // The *_0 kernels may read a few bytes past the last row (TK_REPACK_PADDING).
        let byteCount = m.rows * targetRowBytes + Int(TK_REPACK_PADDING)
        let data = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        data.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        // About a gigabyte for the 1.5B model: split the rows over the cores.
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, m.rows / 64))
        let source = m.data, rows = m.rows, columns = m.columns, type = Int32(m.type.rawValue)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let first = rows * part / parts, last = rows * (part + 1) / parts
            _ = tk_repack(type, source + first * sourceRowBytes, data + first * targetRowBytes,
                          Int64(last - first), Int64(columns))
        }
        if let owned = rawBlocks.firstIndex(where: { UnsafeRawPointer($0) == m.data }) {
            rawBlocks.remove(at: owned).deallocate()
        }
        rawBlocks.append(data)
        return WeightMatrix(name: m.name, type: m.type, rows: m.rows, columns: m.columns,
                            data: UnsafeRawPointer(data), kernelType: target)
    }

    func vector(_ t: GGUFTensor, file: GGUFFile, count: Int) throws -> WeightVector {
        guard t.dims == [count] else {
            throw InferenceError.badTensorShape(path: file.path, tensor: t.name, expected: "dims [\(count)]", found: "dims \(t.dims)")
        }
        guard tk_type_supported(Int32(t.type.rawValue)) else {
            throw InferenceError.unknownTensorType(path: file.path, tensor: t.name, type: t.type.rawValue)
        }
        let values = UnsafeMutablePointer<Float>.allocate(capacity: count)
        blocks.append(values)
        tk_dequantize_row(Int32(t.type.rawValue), t.data, values, Int64(count))
        return WeightVector(name: t.name, values: values, count: count)
    }

    deinit {
        blocks.forEach { $0.deallocate() }
        rawBlocks.forEach { $0.deallocate() }
    }
}

/// The weights of one transformer block.
public struct LayerWeights: @unchecked Sendable {
    public let attnNorm: WeightVector      // (d)
    public var wq: WeightMatrix            // (heads*hd, d)
    public var wk: WeightMatrix            // (kv_heads*hd, d)
    public var wv: WeightMatrix            // (kv_heads*hd, d)
    public let bq: WeightVector?           // (heads*hd), Qwen2 only
    public let bk: WeightVector?           // (kv_heads*hd)
    public let bv: WeightVector?           // (kv_heads*hd)
    public var wo: WeightMatrix            // (d, heads*hd)
    public let ffnNorm: WeightVector       // (d)
    public var wGate: WeightMatrix         // (ffn, d)
    public var wUp: WeightMatrix           // (ffn, d)
    public var wDown: WeightMatrix         // (d, ffn)
    /// Fused copies (fewer thread-pool passes per layer): q|k|v stacked when all three share a
    /// type, else q|k when those two do; gate|up. The forward pass uses them when present.
    public var wqkv: WeightMatrix? = nil   // (heads*hd + 2*kv_heads*hd, d)
    public var wqk: WeightMatrix? = nil    // (heads*hd + kv_heads*hd, d)
    public var wGateUp: WeightMatrix? = nil // (2*ffn, d)
}

/// All weights of the model, pointing into the mapped GGUF file.
public final class ModelWeights: @unchecked Sendable {
    public let tokenEmbedding: WeightMatrix  // (vocab, d): row t is token t's embedding
    public let outputNorm: WeightVector      // (d)
    /// (vocab, d): `output.weight`, or the token embedding when the model ties them.
    public let output: WeightMatrix
    public let layers: [LayerWeights]
    private let arena: VectorArena

    /// - fuseMatrices: stack q|k|v and gate|up into owned copies (see `LayerWeights`).
    /// - repack: put the layer matrices the forward pass uses into the layout this CPU's
    ///   fastest kernels want (owned copies of the same values; see `tk_repack`).
    init(file: GGUFFile, config c: ModelConfig, fuseMatrices: Bool = true, repack: Bool = true) throws {
        let arena = VectorArena()
        self.arena = arena
        let d = c.embeddingLength
        func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
            try WeightMatrix(file.tensor(name), file: file, rows: rows, columns: columns)
        }
        func vector(_ name: String, _ n: Int) throws -> WeightVector {
            try arena.vector(file.tensor(name), file: file, count: n)
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
            var layer = LayerWeights(
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
                wDown: try matrix(p + "ffn_down.weight", rows: d, columns: c.feedForwardLength))
            if fuseMatrices {
                layer.wqkv = arena.fuse([layer.wq, layer.wk, layer.wv], name: p + "attn_qkv")
                if layer.wqkv == nil { layer.wqk = arena.fuse([layer.wq, layer.wk], name: p + "attn_qk") }
                layer.wGateUp = arena.fuse([layer.wGate, layer.wUp], name: p + "ffn_gate_up")
                // The originals are not read again: let their pages go.
                var copied = [layer.wGate, layer.wUp].filter { _ in layer.wGateUp != nil }
                if layer.wqkv != nil { copied += [layer.wq, layer.wk, layer.wv] } else if layer.wqk != nil { copied += [layer.wq, layer.wk] }
                for m in copied { file.releasePages(ofTensor: m.name) }
            }
            if repack { Self.repackUsedMatrices(of: &layer, arena: arena, file: file) }
            layers.append(layer)
        }
        self.layers = layers
    }

    /// Repacks the matrices the forward pass reads (the fused ones where present); the file
    /// pages of repacked originals are released, as for fusing. The LM head and the token
    /// embedding stay as in the file (one row of logits per prefill; rows looked up by id).
    private static func repackUsedMatrices(of layer: inout LayerWeights, arena: VectorArena, file: GGUFFile) {
        func swap(_ m: WeightMatrix) -> WeightMatrix {
            let r = arena.repacked(m)
            if r.isRepacked { file.releasePages(ofTensor: m.name) }
            return r
        }
        if let qkv = layer.wqkv {
            layer.wqkv = swap(qkv)
        } else {
            if let qk = layer.wqk { layer.wqk = swap(qk) } else { layer.wq = swap(layer.wq); layer.wk = swap(layer.wk) }
            layer.wv = swap(layer.wv)
        }
        layer.wo = swap(layer.wo)
        if let gateUp = layer.wGateUp {
            layer.wGateUp = swap(gateUp)
        } else {
            layer.wGate = swap(layer.wGate)
            layer.wUp = swap(layer.wUp)
        }
        layer.wDown = swap(layer.wDown)
    }
}
