import CKernels

/// Scratch memory for one forward pass of up to `batch` tokens, allocated once per session.
/// Shapes are (rows = tokens, columns).
final class ForwardBuffers {
    let batch: Int
    let tokenIds: UnsafeMutablePointer<Int32>    // (batch)
    let positions: UnsafeMutablePointer<Int32>   // (batch)
    let x: UnsafeMutablePointer<Float>           // (batch, d) residual stream
    let h: UnsafeMutablePointer<Float>           // (batch, d) normed input / matmul output
    let q: UnsafeMutablePointer<Float>           // (batch, heads*hd)
    let k: UnsafeMutablePointer<Float>           // (batch, kv_heads*hd) before it is cached
    let v: UnsafeMutablePointer<Float>           // (batch, kv_heads*hd) before it is cached
    let attn: UnsafeMutablePointer<Float>        // (batch, heads*hd)
    let gate: UnsafeMutablePointer<Float>        // (batch, ffn)
    let up: UnsafeMutablePointer<Float>          // (batch, ffn)
    let fused: UnsafeMutablePointer<Float>       // (batch, max(q+2kv, 2ffn)) fused matmul output
    let logits: UnsafeMutablePointer<Float>      // (vocab) last position
    let ropeCos: UnsafeMutablePointer<Float>     // (batch, hd/2)
    let ropeSin: UnsafeMutablePointer<Float>     // (batch, hd/2)
    let attentionScratch: UnsafeMutablePointer<Float> // (threads, context)
    let matmulScratch: UnsafeMutableRawPointer   // activations quantized for the kernels

    init(model: Model, batch: Int, contextLength: Int, threads: Int) {
        let c = model.config
        self.batch = batch
        tokenIds = .allocate(capacity: batch)
        positions = .allocate(capacity: batch)
        x = .allocate(capacity: batch * c.embeddingLength)
        h = .allocate(capacity: batch * c.embeddingLength)
        q = .allocate(capacity: batch * c.qWidth)
        k = .allocate(capacity: batch * c.kvWidth)
        v = .allocate(capacity: batch * c.kvWidth)
        attn = .allocate(capacity: batch * c.qWidth)
        gate = .allocate(capacity: batch * c.feedForwardLength)
        up = .allocate(capacity: batch * c.feedForwardLength)
        fused = .allocate(capacity: batch * max(c.qWidth + 2 * c.kvWidth, 2 * c.feedForwardLength))
        logits = .allocate(capacity: c.vocabularySize)
        logits.initialize(repeating: 0, count: c.vocabularySize)
        ropeCos = .allocate(capacity: batch * c.headDim / 2)
        ropeSin = .allocate(capacity: batch * c.headDim / 2)
        attentionScratch = .allocate(capacity: Int(tk_attention_scratch_floats(Int32(threads), Int64(contextLength))))
        var scratchBytes = 64
        let w = model.weights
        var matrices = [w.output]
        for l in w.layers {
            matrices += [l.wq, l.wk, l.wv, l.wo, l.wGate, l.wUp, l.wDown]
            matrices += [l.wqkv, l.wqk, l.wGateUp].compactMap { $0 }
        }
        for m in matrices {
            scratchBytes = max(scratchBytes, Int(tk_matmul_scratch_bytes(m.kernelType, Int64(m.columns), Int64(batch))))
        }
        matmulScratch = .allocate(byteCount: scratchBytes, alignment: 64)
    }

    deinit {
        tokenIds.deallocate(); positions.deallocate()
        x.deallocate(); h.deallocate(); q.deallocate(); k.deallocate(); v.deallocate(); attn.deallocate()
        gate.deallocate(); up.deallocate(); fused.deallocate(); logits.deallocate()
        ropeCos.deallocate(); ropeSin.deallocate()
        attentionScratch.deallocate(); matmulScratch.deallocate()
    }
}
