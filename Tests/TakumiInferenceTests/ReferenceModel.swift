import CKernels
import Foundation
import Testing
import TakumiInference

/// A deliberately naive float implementation of the Qwen2/Llama forward pass, written
/// straight from the math (REFERENCE.md §5) with no cache, no batching and no C ops,
/// to check the engine against. Weights are dequantized with the kernels' scalar path.
struct ReferenceModel {
    let c: ModelConfig
    let embedding: [[Float]]                // (vocab, d)
    let outputNorm: [Float]
    let output: [[Float]]                   // (vocab, d)
    struct Layer {
        var attnNorm, ffnNorm: [Float]
        var wq, wk, wv, wo, gate, up, down: [[Float]]
        var bq, bk, bv: [Float]?
    }
    let layers: [Layer]

    init(file: GGUFFile) throws {
        c = try ModelConfig(file: file)
        func rows(_ name: String) throws -> [[Float]] {
            let t = try file.tensor(name)
            let n = t.dims[0], r = t.info.rowCount
            let rowBytes = try #require(t.type.rowBytes(n))
            return (0..<r).map { i in
                var out = [Float](repeating: 0, count: n)
                out.withUnsafeMutableBufferPointer {
                    tk_dequantize_row(Int32(t.type.rawValue), t.data + i * rowBytes, $0.baseAddress!, Int64(n))
                }
                return out
            }
        }
        func vec(_ name: String) throws -> [Float] { try rows(name)[0] }
        func optVec(_ name: String) throws -> [Float]? { file.hasTensor(name) ? try vec(name) : nil }
        embedding = try rows("token_embd.weight")
        outputNorm = try vec("output_norm.weight")
        output = file.hasTensor("output.weight") ? try rows("output.weight") : embedding
        layers = try (0..<c.layerCount).map { l in
            let p = "blk.\(l)."
            return Layer(attnNorm: try vec(p + "attn_norm.weight"), ffnNorm: try vec(p + "ffn_norm.weight"),
                         wq: try rows(p + "attn_q.weight"), wk: try rows(p + "attn_k.weight"),
                         wv: try rows(p + "attn_v.weight"), wo: try rows(p + "attn_output.weight"),
                         gate: try rows(p + "ffn_gate.weight"), up: try rows(p + "ffn_up.weight"),
                         down: try rows(p + "ffn_down.weight"),
                         bq: try optVec(p + "attn_q.bias"), bk: try optVec(p + "attn_k.bias"), bv: try optVec(p + "attn_v.bias"))
        }
    }

    static func matvec(_ w: [[Float]], _ x: [Float]) -> [Float] {
        w.map { row in
            var s: Double = 0
            for i in 0..<x.count { s += Double(row[i]) * Double(x[i]) }
            return Float(s)
        }
    }

    func rmsnorm(_ x: [Float], _ w: [Float]) -> [Float] {
        let ms = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)
        let s = Float(1 / (ms + Double(c.rmsNormEpsilon)).squareRoot())
        return zip(x, w).map { $0 * s * $1 }
    }

    func rotate(_ v: inout [Float], heads: Int, pos: Int) {
        let hd = c.headDim, half = hd / 2
        for h in 0..<heads {
            for i in 0..<half {
                let angle = Double(pos) * pow(Double(c.ropeFreqBase), -2 * Double(i) / Double(hd))
                let (a, b) = c.architecture == .qwen2 ? (h * hd + i, h * hd + i + half) : (h * hd + 2 * i, h * hd + 2 * i + 1)
                let x0 = Double(v[a]), x1 = Double(v[b])
                v[a] = Float(x0 * cos(angle) - x1 * sin(angle))
                v[b] = Float(x0 * sin(angle) + x1 * cos(angle))
            }
        }
    }

    /// x rounded to the nearest half (as the engine's F16 KV cache stores it), as float.
    static func half(_ x: Float) -> Float { tk_fp16_to_f32(tk_f32_to_fp16(x)) }

    /// Logits (vocab) for every position of `tokens`, recomputing everything.
    func logits(_ tokens: [Int32]) -> [[Float]] {
        let hd = c.headDim
        var xs = tokens.map { embedding[Int($0)] }
        for layer in layers {
            var ks: [[Float]] = [], vs: [[Float]] = [], qs: [[Float]] = []
            for (pos, x) in xs.enumerated() {
                let h = rmsnorm(x, layer.attnNorm)
                var q = Self.matvec(layer.wq, h), k = Self.matvec(layer.wk, h)
                var v = Self.matvec(layer.wv, h)
                if let b = layer.bq { q = zip(q, b).map(+) }
                if let b = layer.bk { k = zip(k, b).map(+) }
                if let b = layer.bv { v = zip(v, b).map(+) }
                rotate(&q, heads: c.headCount, pos: pos)
                rotate(&k, heads: c.kvHeadCount, pos: pos)
                // The engine's KV cache holds halves, and the query meets it as a half.
                qs.append(q.map(Self.half)); ks.append(k.map(Self.half)); vs.append(v.map(Self.half))
            }
            for pos in 0..<xs.count {
                var attn = [Float](repeating: 0, count: c.qWidth)
                for h in 0..<c.headCount {
                    let kvh = h / (c.headCount / c.kvHeadCount)
                    var scores: [Double] = (0...pos).map { p in
                        var s = 0.0
                        for i in 0..<hd { s += Double(qs[pos][h * hd + i]) * Double(ks[p][kvh * hd + i]) }
                        return s / Double(hd).squareRoot()
                    }
                    let m = scores.max()!
                    scores = scores.map { exp($0 - m) }
                    let sum = scores.reduce(0, +)
                    for p in 0...pos {
                        // The weights meet the F16 values as halves too.
                        let w = Self.half(Float(scores[p] / sum))
                        for i in 0..<hd { attn[h * hd + i] += w * vs[p][kvh * hd + i] }
                    }
                }
                xs[pos] = zip(xs[pos], Self.matvec(layer.wo, attn)).map(+)
                let h = rmsnorm(xs[pos], layer.ffnNorm)
                let g = Self.matvec(layer.gate, h), u = Self.matvec(layer.up, h)
                let act = zip(g, u).map { $0 / (1 + exp(-$0)) * $1 }
                xs[pos] = zip(xs[pos], Self.matvec(layer.down, act)).map(+)
            }
        }
        return xs.map { Self.matvec(output, rmsnorm($0, outputNorm)) }
    }
}
