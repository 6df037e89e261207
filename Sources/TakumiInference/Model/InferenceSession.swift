import CKernels
import Foundation

/// Runs the model: owns the KV cache, the thread pool and every scratch buffer, so a
/// forward pass allocates nothing. Not thread-safe: one session per concurrent request.
///
/// The cache holds `tokens` (positions 0..<tokens.count). `evaluate` appends tokens and
/// computes logits; `truncate(to:)` forgets positions, which is how a new request reuses
/// the cached prefix it shares with the previous one.
public final class InferenceSession {
    public let model: Model
    public let contextLength: Int
    public let threadCount: Int
    /// Tokens processed per forward pass during prefill (larger chunks make matmuls more
    /// efficient; the scratch buffers scale with it).
    public let maxBatch: Int
    /// Tokens whose keys/values are in the cache, in position order.
    public private(set) var tokens: [Int32] = []
    public var profilingEnabled = false
    public private(set) var profile = OpProfile()

    private let cache: KVCache
    private let pool: OpaquePointer?
    private let buffers: ForwardBuffers
    private var allLogits: UnsafeMutablePointer<Float>?

    public init(model: Model, contextLength: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                maxBatch: Int = 64) throws {
        let c = model.config
        guard contextLength >= 1 else { throw InferenceError.contextOverflow(needed: 1, capacity: contextLength) }
        self.model = model
        self.contextLength = contextLength
        threadCount = max(1, threads)
        self.maxBatch = max(1, min(maxBatch, contextLength))
        cache = KVCache(layers: c.layerCount, capacity: contextLength, rowWidth: c.kvWidth)
        guard let p = tk_pool_create(Int32(threadCount)) else {
            throw InferenceError.outOfMemory(what: "a pool of \(threadCount) threads", bytes: 0)
        }
        pool = p
        buffers = ForwardBuffers(model: model, batch: self.maxBatch, contextLength: contextLength, threads: threadCount)
        tokens.reserveCapacity(contextLength)
    }

    deinit {
        tk_pool_destroy(pool)
        allLogits?.deallocate()
    }

    public var position: Int { tokens.count }
    public var vocabularySize: Int { model.config.vocabularySize }
    /// Bytes held by the KV cache (allocated; pages are touched only as positions fill).
    public var cacheBytes: Int { cache.byteCount }

    /// Forgets cached positions from `count` on (keeps the first `count` tokens).
    public func truncate(to count: Int) {
        if count < tokens.count { tokens.removeSubrange(max(0, count)...) }
    }

    public func resetProfile() { profile.reset() }

    /// Logits (vocab) of the last evaluated position.
    public var lastLogits: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: buffers.logits, count: vocabularySize)
    }

    /// The same logits, writable (samplers apply penalties in place; the next evaluation
    /// overwrites them anyway).
    public var mutableLastLogits: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: buffers.logits, count: vocabularySize)
    }

    /// Appends `newTokens` to the cache and computes the logits of the last one
    /// (read them with `lastLogits`). Throws, changing nothing, when a token id is invalid or
    /// the cache would overflow. `progress(done, total)` is called after each chunk.
    public func evaluate(_ newTokens: [Int32], progress: (Int, Int) -> Void = { _, _ in }) throws {
        try validate(newTokens)
        var done = 0
        while done < newTokens.count {
            let n = min(maxBatch, newTokens.count - done)
            let isLast = done + n == newTokens.count
            runChunk(newTokens, from: done, count: n, logits: isLast ? buffers.logits : nil, logitRows: isLast ? 1 : 0)
            done += n
            progress(done, newTokens.count)
        }
    }

    /// Appends `newTokens` and returns the logits of every one of them: (n, vocab) row-major.
    /// (Teacher-forced checks and speculative verification need every position.)
    public func evaluateAllLogits(_ newTokens: [Int32]) throws -> [Float] {
        try validate(newTokens)
        let v = vocabularySize
        let chunkLogits: UnsafeMutablePointer<Float>
        if let existing = allLogits {
            chunkLogits = existing
        } else {
            chunkLogits = .allocate(capacity: maxBatch * v)
            allLogits = chunkLogits
        }
        var out = [Float](repeating: 0, count: newTokens.count * v)
        var done = 0
        while done < newTokens.count {
            let n = min(maxBatch, newTokens.count - done)
            runChunk(newTokens, from: done, count: n, logits: chunkLogits, logitRows: n)
            out.withUnsafeMutableBufferPointer { dst in
                dst.baseAddress.map { ($0 + done * v).update(from: chunkLogits, count: n * v) }
            }
            buffers.logits.update(from: chunkLogits + (n - 1) * v, count: v)
            done += n
        }
        return out
    }

    private func validate(_ newTokens: [Int32]) throws {
        let needed = tokens.count + newTokens.count
        guard needed <= contextLength else { throw InferenceError.contextOverflow(needed: needed, capacity: contextLength) }
        for t in newTokens where t < 0 || Int(t) >= vocabularySize {
            throw InferenceError.invalidTokenId(Int(t), vocabularySize: vocabularySize)
        }
    }

    private func runChunk(_ newTokens: [Int32], from start: Int, count n: Int,
                          logits: UnsafeMutablePointer<Float>?, logitRows: Int) {
        newTokens.withUnsafeBufferPointer { all in
            for i in 0..<n { buffers.tokenIds[i] = all[start + i] }
        }
        forward(count: n, logits: logits, logitRows: logitRows)
        tokens.append(contentsOf: newTokens[start..<(start + n)])
    }

    // MARK: - The forward pass

    /// Runs `n` tokens (buffers.tokenIds[0..<n]) at positions tokens.count ..< tokens.count+n.
    /// Writes logits of the last `logitRows` positions to `logits` ((logitRows, vocab)).
    private func forward(count n: Int, logits: UnsafeMutablePointer<Float>?, logitRows: Int) {
        let c = model.config
        let w = model.weights
        let b = buffers
        let d = c.embeddingLength, hd = c.headDim
        let start = tokens.count
        let eps = c.rmsNormEpsilon
        var t0 = profilingEnabled ? monotonicSeconds() : 0
        @inline(__always) func mark(_ op: OpProfile.Op) {
            guard profilingEnabled else { return }
            let t1 = monotonicSeconds()
            profile.add(op, t1 - t0)
            t0 = t1
        }

        // x (n, d) = E[token]
        let embd = w.tokenEmbedding
        let embdRowBytes = Int(tk_row_bytes(Int32(embd.type.rawValue), Int64(d)))
        for i in 0..<n {
            tk_dequantize_row(Int32(embd.type.rawValue), embd.data + Int(b.tokenIds[i]) * embdRowBytes, b.x + i * d, Int64(d))
        }
        for i in 0..<n { b.positions[i] = Int32(start + i) }
        tk_rope_tables(b.ropeCos, b.ropeSin, b.positions, Int64(n), Int64(hd), c.ropeFreqBase)
        mark(.embedding)

        for (l, layer) in w.layers.enumerated() {
            // h (n, d) = rmsnorm(x) * attn_norm
            tk_rmsnorm(b.h, b.x, layer.attnNorm.values, Int64(d), Int64(n), eps)
            mark(.norm)
            // q (n, heads*hd) = Wq h; k, v (n, kv*hd) written straight into the cache rows.
            let kRows = cache.keys[l] + start * c.kvWidth
            let vRows = cache.values[l] + start * c.kvWidth
            matmul(layer.wq, b.h, n, b.q)
            matmul(layer.wk, b.h, n, kRows)
            matmul(layer.wv, b.h, n, vRows)
            mark(.qkvMatmul)
            if let bq = layer.bq { tk_add_bias(b.q, bq.values, Int64(c.qWidth), Int64(n)) }
            if let bk = layer.bk { tk_add_bias(kRows, bk.values, Int64(c.kvWidth), Int64(n)) }
            if let bv = layer.bv { tk_add_bias(vRows, bv.values, Int64(c.kvWidth), Int64(n)) }
            switch c.architecture {
            case .qwen2:
                tk_rope_neox(b.q, Int64(n), Int64(c.qWidth), Int64(c.headCount), Int64(hd), b.ropeCos, b.ropeSin)
                tk_rope_neox(kRows, Int64(n), Int64(c.kvWidth), Int64(c.kvHeadCount), Int64(hd), b.ropeCos, b.ropeSin)
            case .llama:
                tk_rope_norm(b.q, Int64(n), Int64(c.qWidth), Int64(c.headCount), Int64(hd), b.ropeCos, b.ropeSin)
                tk_rope_norm(kRows, Int64(n), Int64(c.kvWidth), Int64(c.kvHeadCount), Int64(hd), b.ropeCos, b.ropeSin)
            }
            mark(.biasRope)
            // attn (n, heads*hd) = softmax(q k^T / sqrt(hd), causal) v
            tk_attention(pool, b.attn, b.q, cache.keys[l], cache.values[l], Int64(n), Int64(start),
                         Int64(c.headCount), Int64(c.kvHeadCount), Int64(hd), b.attentionScratch, Int64(contextLength))
            mark(.attention)
            // x += Wo attn
            matmul(layer.wo, b.attn, n, b.h)
            mark(.outputMatmul)
            tk_add(b.x, b.h, Int64(n * d))
            mark(.residualAdd)
            // h = rmsnorm(x) * ffn_norm; x += Wdown (silu(Wgate h) * Wup h)
            tk_rmsnorm(b.h, b.x, layer.ffnNorm.values, Int64(d), Int64(n), eps)
            mark(.norm)
            matmul(layer.wGate, b.h, n, b.gate)
            matmul(layer.wUp, b.h, n, b.up)
            mark(.gateUpMatmul)
            tk_silu_mul(b.gate, b.up, Int64(n * c.feedForwardLength))
            mark(.siluMul)
            matmul(layer.wDown, b.gate, n, b.h)
            mark(.downMatmul)
            tk_add(b.x, b.h, Int64(n * d))
            mark(.residualAdd)
        }

        // logits (rows, vocab) = Wout rmsnorm(x[last rows]) * output_norm
        if let logits, logitRows > 0 {
            let first = n - logitRows
            tk_rmsnorm(b.h, b.x + first * d, w.outputNorm.values, Int64(d), Int64(logitRows), eps)
            matmul(w.output, b.h, logitRows, logits)
            mark(.lmHead)
        }
    }

    /// y (n, W.rows) = x (n, W.columns) · W^T
    @inline(__always)
    private func matmul(_ m: WeightMatrix, _ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        tk_matmul(pool, Int32(m.type.rawValue), m.data, Int64(m.rows), Int64(m.columns), x, Int64(n), y, buffers.matmulScratch)
    }
}
