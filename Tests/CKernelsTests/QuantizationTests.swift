import CKernels
import Testing

/// dequantize(quantize(x)) stays within a bound proportional to the largest magnitude of the
/// block (super-block for K-quants); the bounds follow from each format's step size.
@Suite struct QuantizationRoundTripTests {
    /// Largest allowed |x - dequantize(quantize(x))| as a fraction of the block's max |x|.
    static let bounds: [(QuantType, Float)] = [
        (.f32, 0), (.f16, 1.0 / 2048), (.bf16, 1.0 / 256),
        (.q8_0, 0.005),  // step amax/127, half a step + fp16 scale rounding
        (.q5_0, 0.035),  // step amax/15
        (.q4_0, 0.075),  // step amax/7
        (.q8_K, 0.004),  // step amax/127, float scale
        (.q6_K, 0.02),   // step (sub-block amax)/31 plus 8-bit scale rounding
        (.q5_K, 0.055),  // step range/31 plus the 6-bit min rounding (<= amax/63)
        (.q4_K, 0.1),    // step range/15 plus the 6-bit min rounding
    ]

    @Test(arguments: bounds)
    func roundTripWithinBound(type: QuantType, bound: Float) throws {
        var rng = SeededGenerator(seed: 42)
        let n = 1024
        // values with very different block magnitudes, an all-zero block and a constant block.
        // (Much smaller blocks than 0.05 make the fp16 block scale subnormal, which loses
        // precision in the format itself, as in llama.cpp.)
        var x = randomFloats(n, using: &rng)
        for i in 0..<n { x[i] *= [0.05, 1, 37, 0.2][(i / 256) % 4] }
        for i in 256..<288 { x[i] = 0 }
        for i in 512..<544 { x[i] = -0.75 }
        let q = try #require(quantize(x, to: type))
        #expect(q.count == Int(tk_row_bytes(type.id, Int64(n))))
        let y = dequantize(q, type: type, count: n)
        let block = type.isKQuant ? 256 : 32
        for start in stride(from: 0, to: n, by: block) {
            let amax = x[start..<start + block].map(abs).max() ?? 0
            for i in start..<start + block {
                let err = abs(x[i] - y[i])
                #expect(err <= bound * amax, "\(type) value \(i): \(x[i]) -> \(y[i])")
                if err > bound * amax { return }
            }
        }
    }

    @Test func refusesRowsThatAreNotWholeBlocks() {
        #expect(quantize([Float](repeating: 1, count: 48), to: .q8_0) == nil)
        #expect(quantize([Float](repeating: 1, count: 896), to: .q4_K) == nil)
        var out = [UInt8](repeating: 0, count: 64)
        #expect(!tk_quantize_row(Int32(TK_TYPE_Q4_1.rawValue), [Float](repeating: 1, count: 32), &out, 32))
    }

    @Test func q8KBlockSumsMatchValues() throws {
        var rng = SeededGenerator(seed: 3)
        let x = randomFloats(256, using: &rng)
        let q = try #require(quantize(x, to: .q8_K))
        // layout: f32 d, int8 q[256], int16 bsums[16]
        for g in 0..<16 {
            let sum = (0..<16).reduce(0) { $0 + Int(Int8(bitPattern: q[4 + 16 * g + $1])) }
            let stored = Int(Int16(bitPattern: UInt16(q[260 + 2 * g]) | UInt16(q[261 + 2 * g]) << 8))
            #expect(stored == sum, "bsum \(g)")
        }
    }
}

/// Blocks assembled byte by byte from the format description (REFERENCE.md §2), so the
/// decoders are checked against the format itself rather than against our own quantizers.
@Suite struct HandBuiltBlockTests {
    static func half(_ v: Float) -> [UInt8] {
        let bits = Float16(v).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    @Test func q5_0Block() {
        let q = (0..<32).map { ($0 * 5 + 3) % 32 }
        var qh: UInt32 = 0
        for j in 0..<32 { qh |= UInt32(q[j] >> 4) << j }
        let qs = (0..<16).map { UInt8((q[$0] & 15) | (q[$0 + 16] & 15) << 4) }
        let block = Self.half(2) + (0..<4).map { UInt8((qh >> (8 * $0)) & 0xFF) } + qs
        #expect(block.count == 22)
        let y = dequantize(block, type: .q5_0, count: 32)
        #expect(y == q.map { 2 * Float($0 - 16) })
    }

    @Test func q4_0Block() {
        let q = (0..<32).map { ($0 * 7 + 1) % 16 }
        let block = Self.half(0.25) + (0..<16).map { UInt8(q[$0] | q[$0 + 16] << 4) }
        #expect(dequantize(block, type: .q4_0, count: 32) == q.map { 0.25 * Float($0 - 8) })
    }

    /// Scales and mins with distinct high bits for sub-blocks 4..7, so a decoder taking the
    /// min's high bits from s[j-4] (the scale's byte) instead of s[j] gets different values.
    @Test func q4_KBlockIncludingHighSubBlocks() {
        let sc = [1, 2, 3, 4, 17, 33, 50, 63]
        let m = [5, 6, 7, 8, 40, 20, 60, 3]
        var s = [UInt8](repeating: 0, count: 12)
        for j in 0..<4 {
            s[j] = UInt8(sc[j] | (sc[j + 4] >> 4) << 6)
            s[j + 4] = UInt8(m[j] | (m[j + 4] >> 4) << 6)
            s[j + 8] = UInt8((sc[j + 4] & 15) | (m[j + 4] & 15) << 4)
        }
        let q = (0..<256).map { ($0 * 3 + $0 / 7) % 16 }
        var qs = [UInt8](repeating: 0, count: 128)
        for c in 0..<4 { for l in 0..<32 { qs[32 * c + l] = UInt8(q[64 * c + l] | q[64 * c + 32 + l] << 4) } }
        let block = Self.half(1) + Self.half(0.5) + s + qs
        #expect(block.count == 144)
        let y = dequantize(block, type: .q4_K, count: 256)
        for i in 0..<256 {
            let j = i / 32
            let expected = Float(sc[j] * q[i]) - 0.5 * Float(m[j])
            #expect(y[i] == expected, "value \(i) (sub-block \(j))")
        }
    }

    @Test func q5_KBlock() {
        let sc = [63, 1, 20, 4, 17, 33, 50, 2]
        let m = [0, 6, 63, 8, 40, 20, 60, 3]
        var s = [UInt8](repeating: 0, count: 12)
        for j in 0..<4 {
            s[j] = UInt8(sc[j] | (sc[j + 4] >> 4) << 6)
            s[j + 4] = UInt8(m[j] | (m[j + 4] >> 4) << 6)
            s[j + 8] = UInt8((sc[j + 4] & 15) | (m[j + 4] & 15) << 4)
        }
        let q = (0..<256).map { ($0 * 11 + 5) % 32 }
        var qs = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 32)
        for c in 0..<4 {
            for l in 0..<32 {
                let lo = q[64 * c + l], hi = q[64 * c + 32 + l]
                qs[32 * c + l] = UInt8((lo & 15) | (hi & 15) << 4)
                qh[l] |= UInt8((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1))
            }
        }
        let block = Self.half(0.25) + Self.half(2) + s + qh + qs
        #expect(block.count == 176)
        let y = dequantize(block, type: .q5_K, count: 256)
        for i in 0..<256 {
            let j = i / 32
            #expect(y[i] == 0.25 * Float(sc[j] * q[i]) - 2 * Float(m[j]), "value \(i)")
        }
    }

    @Test func q6_KBlock() {
        let scales = (0..<16).map { $0 * 9 - 60 }  // negative and positive int8 scales
        let q = (0..<256).map { ($0 * 7 + $0 / 64) % 64 }
        var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
        for h in 0..<2 {
            for l in 0..<32 {
                let b = 128 * h + l
                let (q1, q2, q3, q4) = (q[b], q[b + 32], q[b + 64], q[b + 96])
                ql[64 * h + l] = UInt8((q1 & 15) | (q3 & 15) << 4)
                ql[64 * h + l + 32] = UInt8((q2 & 15) | (q4 & 15) << 4)
                qh[32 * h + l] = UInt8((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6)
            }
        }
        let block = ql + qh + scales.map { UInt8(bitPattern: Int8($0)) } + Self.half(0.5)
        #expect(block.count == 210)
        let y = dequantize(block, type: .q6_K, count: 256)
        for i in 0..<256 {
            #expect(y[i] == 0.5 * Float(scales[i / 16] * (q[i] - 32)), "value \(i)")
        }
    }

    @Test func q8_0Block() {
        let q = (0..<32).map { Int8($0 * 8 - 127) }
        let block = Self.half(0.125) + q.map { UInt8(bitPattern: $0) }
        #expect(dequantize(block, type: .q8_0, count: 32) == q.map { 0.125 * Float($0) })
    }
}
