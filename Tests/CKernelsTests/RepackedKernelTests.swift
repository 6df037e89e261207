import CKernels
import Testing

/// The repacked ("x16") layouts of Q4_K, Q6_K, Q5_0 and Q8_0: made at load for the AVX-512 VNNI kernels, they must
/// give the same products as the file's layout at every kernel level (the scalar twin reads
/// the repacked layout too).
extension KernelLevelTests {
    /// Repacked vs original: the same integers and scales, only the float summation order
    /// differs: relative to sum_i |w_i| * max|x| (the matmul's own bound, scaled down).
    static let repackedVsOriginalLimit: Float = 2e-5

    static let repackCases: [MatmulCase] = [QuantType.q4_K, .q6_K].flatMap { type in
        // 768: an odd number of super-blocks; 1536 the 1.5B model's width; 4864 (the 0.5B's
        // down projection) is long enough to be cut into K slices.
        [MatmulCase(type: type, rows: 37, nIn: 768), MatmulCase(type: type, rows: 19, nIn: 1536),
         MatmulCase(type: type, rows: 7, nIn: 4864)]
    } + [QuantType.q5_0, .q8_0].flatMap { type in
        // Sets of 16 blocks: 3 blocks (one short set), 896 = 16 + 12 (the 0.5B width), 32 full.
        [MatmulCase(type: type, rows: 37, nIn: 96), MatmulCase(type: type, rows: 19, nIn: 896),
         MatmulCase(type: type, rows: 5, nIn: 1024), MatmulCase(type: type, rows: 7, nIn: 4864)]
    }

    @Test(arguments: repackCases)
    func repackedMatmulEqualsTheOriginalLayoutAtEveryLevel(c: MatmulCase) throws {
        let repackedType = tk_repacked_type(c.type.id, Int64(c.nIn))
        guard tk_cpu_has_avx512_vnni() else {
            #expect(repackedType == c.type.id, "no repacking without AVX-512 VNNI")
            return
        }
        #expect(repackedType != c.type.id)
        var rng = SeededGenerator(seed: 9)
        var wq: [UInt8] = []
        for _ in 0..<c.rows { wq += try #require(quantize(randomFloats(c.nIn, using: &rng), to: c.type)) }
        let repackedRowBytes = Int(tk_row_bytes(repackedType, Int64(c.nIn)))
        #expect(repackedRowBytes > 0)
        var repacked = [UInt8](repeating: 0, count: repackedRowBytes * c.rows + Int(TK_REPACK_PADDING))
        let ok = wq.withUnsafeBytes { src in
            repacked.withUnsafeMutableBytes { dst in
                tk_repack(c.type.id, src.baseAddress, dst.baseAddress, Int64(c.rows), Int64(c.nIn))
            }
        }
        try #require(ok)
        let w = dequantize(wq, type: c.type, count: c.rows * c.nIn)
        let pool = try #require(tk_pool_create(2))
        defer { tk_pool_destroy(pool) }
        let maxTokens = 13
        let x = randomFloats(maxTokens * c.nIn, scale: 2, using: &rng)
        for tokens in [1, 3, 8, 13] {
            let xs = Array(x[0..<tokens * c.nIn])
            let original = KernelLevel.with(KernelLevel.scalar) {
                matmul(pool: nil, c.type, weights: wq, rows: c.rows, nIn: c.nIn, x: xs, tokens: tokens)
            }
            var bound = [Float](repeating: 0, count: tokens * c.rows)
            for t in 0..<tokens {
                let xmax = xs[t * c.nIn..<(t + 1) * c.nIn].map(abs).max() ?? 0
                for r in 0..<c.rows {
                    bound[t * c.rows + r] = Self.repackedVsOriginalLimit * w[r * c.nIn..<(r + 1) * c.nIn].reduce(0) { $0 + abs($1) } * xmax
                }
            }
            let repackedKind = try #require(QuantType.repackedTypes.first { $0.id == repackedType })
            for level in KernelLevel.available {
                for threadPool in [nil, pool] as [OpaquePointer?] {
                    let y = KernelLevel.with(level) {
                        matmul(pool: threadPool, repackedKind, weights: repacked, rows: c.rows, nIn: c.nIn, x: xs, tokens: tokens)
                    }
                    let worst = (0..<y.count).first { !(abs(y[$0] - original[$0]) <= bound[$0]) }
                    let label = "\(c) tokens=\(tokens) \(KernelLevel.name(level)) threads=\(threadPool == nil ? 1 : 2)"
                    #expect(worst == nil, "\(label): y[\(worst ?? 0)] = \(y[worst ?? 0]) vs \(original[worst ?? 0])")
                }
            }
        }
    }

    /// Long rows (the down projections) are cut into K slices in a prefill, and the kernels
    /// carry their accumulators from slice to slice: a token's outputs are the same bits in a
    /// batch of any size as alone (decode, speculative verification and prefill must agree).
    static let longRowCases: [MatmulCase] = [
        MatmulCase(type: .q4_K, rows: 23, nIn: 8960), MatmulCase(type: .q6_K, rows: 23, nIn: 4864),
        MatmulCase(type: .q5_0, rows: 23, nIn: 4864), MatmulCase(type: .q8_0, rows: 23, nIn: 8960),
    ]

    @Test(arguments: longRowCases)
    func aBatchGivesEachTokenTheBitsItGetsAlone(c: MatmulCase) throws {
        let repackedType = tk_repacked_type(c.type.id, Int64(c.nIn))
        guard repackedType != c.type.id else { return } // no repacking without AVX-512 VNNI
        var rng = SeededGenerator(seed: 21)
        var wq: [UInt8] = []
        for _ in 0..<c.rows { wq += try #require(quantize(randomFloats(c.nIn, using: &rng), to: c.type)) }
        var repacked = [UInt8](repeating: 0, count: Int(tk_row_bytes(repackedType, Int64(c.nIn))) * c.rows + Int(TK_REPACK_PADDING))
        let ok = wq.withUnsafeBytes { src in
            repacked.withUnsafeMutableBytes { tk_repack(c.type.id, src.baseAddress, $0.baseAddress, Int64(c.rows), Int64(c.nIn)) }
        }
        try #require(ok)
        let kind = try #require(QuantType.repackedTypes.first { $0.id == repackedType })
        let pool = try #require(tk_pool_create(2))
        defer { tk_pool_destroy(pool) }
        let tokens = 13
        let x = randomFloats(tokens * c.nIn, scale: 2, using: &rng)
        let batch = matmul(pool: pool, kind, weights: repacked, rows: c.rows, nIn: c.nIn, x: x, tokens: tokens)
        for t in 0..<tokens {
            let alone = matmul(pool: pool, kind, weights: repacked, rows: c.rows, nIn: c.nIn,
                               x: Array(x[t * c.nIn..<(t + 1) * c.nIn]), tokens: 1)
            let differing = (0..<c.rows).filter { batch[t * c.rows + $0].bitPattern != alone[$0].bitPattern }
            #expect(differing.isEmpty, "\(c) token \(t): rows \(differing) differ between the batch and the token alone")
        }
    }

    @Test func repackRefusesWhatItCannotRepack() {
        var out = [UInt8](repeating: 0, count: 4096)
        let w = [UInt8](repeating: 0, count: 4096)
        #expect(!tk_repack(QuantType.q4_0.id, w, &out, 1, 256), "Q4_0 has no repacked layout")
        #expect(!tk_repack(QuantType.q5_0.id, w, &out, 1, 100), "100 is not whole blocks")
        #expect(!tk_repack(QuantType.q4_K.id, w, &out, 1, 200), "200 is not whole super-blocks")
        #expect(tk_repacked_type(QuantType.q4_K.id, 200) == QuantType.q4_K.id)
        #expect(tk_repacked_type(QuantType.q4_0.id, 512) == QuantType.q4_0.id)
        #expect(tk_repacked_type(QuantType.f16.id, 512) == QuantType.f16.id)
    }
}
