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
                maxBatch: Int = 256) throws {
        let c = model.config
        guard contextLength >= 1 else { throw InferenceError.contextOverflow(needed: 1, capacity: contextLength) }
        self.model = model
        self.contextLength = contextLength
        threadCount = max(1, threads)
        self.maxBatch = max(1, min(maxBatch, contextLength))
        cache = KVCache(layers: c.layerCount, capacity: contextLength, rowWidth: c.kvWidth, headDim: c.headDim)
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

    /// Restores from `store` the longest cached prefix of `prompt` (at most `limit` tokens)
    /// when a snapshot shares more of it than the in-memory cache does; returns how many
    /// positions of `prompt` the cache now holds (0 when nothing matched).
    func restoreSnapshotPrefix(of prompt: [Int32], limit: Int, from store: KVSnapshotStore) -> Int {
        let inMemory = zip(tokens, prompt).prefix { $0 == $1 }.count
        let key = model.file.contentFingerprint
        guard let match = store.bestMatch(model: key, layers: cache.keys.count, rowWidth: cache.rowWidth, tokens: prompt) else {
            return 0
        }
        let count = min(match.shared, limit, contextLength)
        guard count > inMemory else { return 0 }
        truncate(to: 0)
        guard store.restore(path: match.path, model: key, count: count, into: cache) else { return 0 }
        tokens = Array(prompt.prefix(count))
        return count
    }

    /// Saves the cached positions of `prompt` (which must be what the cache starts with) to `store`.
    func saveSnapshot(of prompt: [Int32], to store: KVSnapshotStore) {
        guard prompt.count <= tokens.count, Array(tokens.prefix(prompt.count)) == prompt else { return }
        store.save(model: model.file.contentFingerprint, tokens: prompt, cache: cache)
    }

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
    /// the cache would overflow.
    ///
    /// `progress(done, total)` is called after every layer of every chunk, so a long prompt
    /// reports (and can be stopped) many times a second: `done` counts the finished chunks
    /// plus the finished share of the chunk in flight, and is `total` after the last layer.
    /// Returning false stops: the chunk in flight is dropped (its tokens are not cached),
    /// the chunks before it stay cached, and `evaluate` returns false. Returns true when
    /// every token was evaluated.
    @discardableResult
    public func evaluate(_ newTokens: [Int32], progress: (_ done: Int, _ total: Int) -> Bool = { _, _ in true }) throws -> Bool {
        try validate(newTokens)
        var done = 0
        let layers = max(model.config.layerCount, 1)
        while done < newTokens.count {
            let n = min(maxBatch, newTokens.count - done)
            let isLast = done + n == newTokens.count
            let chunkStart = done
            let finished = runChunk(newTokens, from: done, count: n, logits: isLast ? buffers.logits : nil,
                                    logitRows: isLast ? 1 : 0) { layer in
                progress(chunkStart + n * (layer + 1) / layers, newTokens.count)
            }
            guard finished else { return false }
            done += n
        }
        return true
    }

    /// Appends one token (a decode step) and computes its logits; allocation-free.
    public func evaluate(token: Int32) throws {
        guard tokens.count < contextLength else { throw InferenceError.contextOverflow(needed: tokens.count + 1, capacity: contextLength) }
        guard token >= 0, Int(token) < vocabularySize else { throw InferenceError.invalidTokenId(Int(token), vocabularySize: vocabularySize) }
        keptRows = 0
        buffers.tokenIds[0] = token
        forward(count: 1, logits: buffers.logits, logitRows: 1)
        tokens.append(token)
    }

    /// Appends `newTokens` and returns the logits of every one of them: (n, vocab) row-major.
    /// (Teacher-forced checks and speculative verification need every position.)
    public func evaluateAllLogits(_ newTokens: [Int32]) throws -> [Float] {
        try validate(newTokens)
        let v = vocabularySize
        let chunkLogits = rowLogitsBuffer()
        var out = [Float](repeating: 0, count: newTokens.count * v)
        var done = 0
        while done < newTokens.count {
            let n = min(allLogitsChunk, newTokens.count - done)
            runChunk(newTokens, from: done, count: n, logits: chunkLogits, logitRows: n)
            out.withUnsafeMutableBufferPointer { dst in
                dst.baseAddress.map { ($0 + done * v).update(from: chunkLogits, count: n * v) }
            }
            buffers.logits.update(from: chunkLogits + (n - 1) * v, count: v)
            done += n
        }
        return out
    }

    /// Most tokens `evaluateKeepingRowLogits` takes at once.
    public var maxRowLogits: Int { allLogitsChunk }

    /// Appends up to `maxRowLogits` tokens and keeps the logits of each of them, readable with
    /// `rowLogits(_:)` until the next evaluation (speculative verification: one batched pass
    /// checks several drafted tokens). Allocation-free after the first call.
    public func evaluateKeepingRowLogits(_ newTokens: [Int32]) throws {
        precondition(newTokens.count <= allLogitsChunk, "at most \(allLogitsChunk) tokens per call")
        try validate(newTokens)
        guard !newTokens.isEmpty else { return }
        let rows = rowLogitsBuffer()
        runChunk(newTokens, from: 0, count: newTokens.count, logits: rows, logitRows: newTokens.count)
        keptRows = newTokens.count
        buffers.logits.update(from: rows + (newTokens.count - 1) * vocabularySize, count: vocabularySize)
    }

    /// Logits (vocab) of row `index` of the last `evaluateKeepingRowLogits` call, writable.
    public func rowLogits(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < keptRows, "row \(index) was not kept")
        return UnsafeMutableBufferPointer(start: rowLogitsBuffer() + index * vocabularySize, count: vocabularySize)
    }

    /// Makes row `index` of the kept logits the current `lastLogits` (after a rollback with
    /// `truncate(to:)`, the logits that follow the last accepted token).
    public func useRowLogitsAsLast(_ index: Int) {
        let row = rowLogits(index)
        if let base = row.baseAddress { buffers.logits.update(from: base, count: vocabularySize) }
    }

    private var keptRows = 0

    private func rowLogitsBuffer() -> UnsafeMutablePointer<Float> {
        if let existing = allLogits { return existing }
        let fresh = UnsafeMutablePointer<Float>.allocate(capacity: allLogitsChunk * vocabularySize)
        allLogits = fresh
        return fresh
    }

    /// Chunk size when every position's logits are kept: (chunk, vocab) floats of buffer
    /// (64 x 151,936 x 4 B = 39 MB), allocated on first use only.
    private var allLogitsChunk: Int { min(maxBatch, 64) }

    private func validate(_ newTokens: [Int32]) throws {
        keptRows = 0
        let needed = tokens.count + newTokens.count
        guard needed <= contextLength else { throw InferenceError.contextOverflow(needed: needed, capacity: contextLength) }
        for t in newTokens where t < 0 || Int(t) >= vocabularySize {
            throw InferenceError.invalidTokenId(Int(t), vocabularySize: vocabularySize)
        }
    }

    /// Runs one chunk; false (nothing cached) when `afterLayer` asked to stop.
    @discardableResult
    private func runChunk(_ newTokens: [Int32], from start: Int, count n: Int,
                          logits: UnsafeMutablePointer<Float>?, logitRows: Int,
                          afterLayer: (Int) -> Bool = { _ in true }) -> Bool {
        newTokens.withUnsafeBufferPointer { all in
            for i in 0..<n { buffers.tokenIds[i] = all[start + i] }
        }
        guard forward(count: n, logits: logits, logitRows: logitRows, afterLayer: afterLayer) else { return false }
        tokens.append(contentsOf: newTokens[start..<(start + n)])
        return true
    }

    // MARK: - The forward pass

    /// Runs `n` tokens (buffers.tokenIds[0..<n]) at positions tokens.count ..< tokens.count+n.
    /// Writes logits of the last `logitRows` positions to `logits` ((logitRows, vocab)).
    /// `afterLayer(l)` returning false abandons the pass (returns false): the cache rows it
    /// wrote lie beyond `tokens.count`, so they are simply overwritten later.
    @discardableResult
    private func forward(count n: Int, logits: UnsafeMutablePointer<Float>?, logitRows: Int,
                         afterLayer: (Int) -> Bool = { _ in true }) -> Bool {
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
            // q (n, heads*hd) = Wq h + bq; k (n, kv*hd) = Wk h + bk; v (n, kv*hd) = Wv h + bv
            let (qw, kvw) = (Int64(c.qWidth), Int64(c.kvWidth))
            if let qkv = layer.wqkv {
                // fused (n, q|k|v) -> q, k, v
                matmul(qkv, b.h, n, b.fused)
                tk_copy_columns(b.q, b.fused, Int64(n), qw + 2 * kvw, 0, qw)
                tk_copy_columns(b.k, b.fused, Int64(n), qw + 2 * kvw, qw, kvw)
                tk_copy_columns(b.v, b.fused, Int64(n), qw + 2 * kvw, qw + kvw, kvw)
            } else if let qk = layer.wqk {
                matmul(qk, b.h, n, b.fused)
                tk_copy_columns(b.q, b.fused, Int64(n), qw + kvw, 0, qw)
                tk_copy_columns(b.k, b.fused, Int64(n), qw + kvw, qw, kvw)
                matmul(layer.wv, b.h, n, b.v)
            } else {
                matmul(layer.wq, b.h, n, b.q)
                matmul(layer.wk, b.h, n, b.k)
                matmul(layer.wv, b.h, n, b.v)
            }
            mark(.qkvMatmul)
            if let bq = layer.bq { tk_add_bias(b.q, bq.values, Int64(c.qWidth), Int64(n)) }
            if let bk = layer.bk { tk_add_bias(b.k, bk.values, Int64(c.kvWidth), Int64(n)) }
            if let bv = layer.bv { tk_add_bias(b.v, bv.values, Int64(c.kvWidth), Int64(n)) }
            switch c.architecture {
            case .qwen2:
                tk_rope_neox(b.q, Int64(n), Int64(c.qWidth), Int64(c.headCount), Int64(hd), b.ropeCos, b.ropeSin)
                tk_rope_neox(b.k, Int64(n), Int64(c.kvWidth), Int64(c.kvHeadCount), Int64(hd), b.ropeCos, b.ropeSin)
            case .llama:
                tk_rope_norm(b.q, Int64(n), Int64(c.qWidth), Int64(c.headCount), Int64(hd), b.ropeCos, b.ropeSin)
                tk_rope_norm(b.k, Int64(n), Int64(c.kvWidth), Int64(c.kvHeadCount), Int64(hd), b.ropeCos, b.ropeSin)
            }
            // Keys go into the cache transposed, in blocks of 64 positions, values as rows;
            // both as halves (tk_ops.h).
            tk_store_keys_transposed(cache.keys[l], b.k, Int64(n), Int64(start), Int64(c.kvHeadCount), Int64(hd), Int64(contextLength))
            tk_store_values(cache.values[l], b.v, Int64(n), Int64(start), Int64(c.kvWidth))
            mark(.biasRope)
            // attn (n, heads*hd) = softmax(q k^T / sqrt(hd), causal) v
            tk_attention(pool, b.attn, b.q, cache.keys[l], cache.values[l], Int64(n), Int64(start),
                         Int64(c.headCount), Int64(c.kvHeadCount), Int64(hd), Int64(contextLength),
                         b.attentionScratch, Int64(contextLength))
            mark(.attention)
            // x += Wo attn
            matmul(layer.wo, b.attn, n, b.h)
            mark(.outputMatmul)
            tk_add(b.x, b.h, Int64(n * d))
            mark(.residualAdd)
            // h = rmsnorm(x) * ffn_norm; x += Wdown (silu(Wgate h) * Wup h)
            tk_rmsnorm(b.h, b.x, layer.ffnNorm.values, Int64(d), Int64(n), eps)
            mark(.norm)
            if let gateUp = layer.wGateUp {
                // fused (n, gate|up) -> gate = silu(gate) * up
                matmul(gateUp, b.h, n, b.fused)
                mark(.gateUpMatmul)
                tk_silu_mul_split_pool(pool, b.gate, b.fused, Int64(c.feedForwardLength), Int64(n))
            } else {
                matmul(layer.wGate, b.h, n, b.gate)
                matmul(layer.wUp, b.h, n, b.up)
                mark(.gateUpMatmul)
                tk_silu_mul_pool(pool, b.gate, b.up, Int64(n * c.feedForwardLength))
            }
            mark(.siluMul)
            matmul(layer.wDown, b.gate, n, b.h)
            mark(.downMatmul)
            tk_add(b.x, b.h, Int64(n * d))
            mark(.residualAdd)
            guard afterLayer(l) else { return false }
        }

        // logits (rows, vocab) = Wout rmsnorm(x[last rows]) * output_norm
        if let logits, logitRows > 0 {
            let first = n - logitRows
            tk_rmsnorm(b.h, b.x + first * d, w.outputNorm.values, Int64(d), Int64(logitRows), eps)
            matmul(w.output, b.h, logitRows, logits)
            mark(.lmHead)
        }
        return true
    }

    /// y (n, W.rows) = x (n, W.columns) · W^T
    @inline(__always)
    private func matmul(_ m: WeightMatrix, _ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        tk_matmul(pool, m.kernelType, m.data, Int64(m.rows), Int64(m.columns), x, Int64(n), y, buffers.matmulScratch)
    }
}
