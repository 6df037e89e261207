import CKernels
import Testing

/// Dot products and matmuls at every kernel level this CPU has. The suite is serialized
/// because the kernel level is process-wide; no other suite changes it.
@Suite(.serialized) struct KernelLevelTests {
    /// SIMD and scalar kernels do the same integer work and differ only in float summation
    /// order: allowed difference, relative to sum |w_i * x_i|.
    static let simdVsScalarLimit: Float = 2e-5
    /// Dot product vs the float dot product of the dequantized rows (same values, so only
    /// rounding differs): limit relative to sum |w_i * x_i|.
    static let dotVsDequantizedLimit: Float = 1e-4
    /// Matmul vs float reference with unquantized x: activation quantization error (half an
    /// 8-bit step per value), relative to sum_i |w_i| * max|x|.
    static let matmulVsFloatLimit: Float = 0.006

    static func sumAbsProducts(_ w: [Float], _ x: [Float]) -> Float {
        zip(w, x).reduce(0) { $0 + abs($1.0 * $1.1) }
    }

    @Test(arguments: QuantType.weightTypes)
    func vecDotMatchesScalarAndDequantizedAtEveryLevel(type: QuantType) throws {
        var rng = SeededGenerator(seed: 11)
        for n in type.isKQuant ? [256, 768] : [32, 96, 896, 1024, 2080] {
            let wq = try #require(quantize(randomFloats(n, using: &rng), to: type))
            let xType = QuantType.weightTypes.first { $0.id == tk_vec_dot_type(type.id) }
                ?? (tk_vec_dot_type(type.id) == QuantType.q8_K.id ? .q8_K : .q8_0)
            let xq = try #require(quantize(randomFloats(n, scale: 3, using: &rng), to: xType))
            let w = dequantize(wq, type: type, count: n), x = dequantize(xq, type: xType, count: n)
            let magnitude = Self.sumAbsProducts(w, x)
            let floatDot = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 }
            let scalar = KernelLevel.with(KernelLevel.scalar) { vecDot(type, count: n, weights: wq, activations: xq) }
            #expect(abs(scalar - floatDot) <= Self.dotVsDequantizedLimit * magnitude, "\(type) n=\(n) scalar")
            for level in KernelLevel.available.dropFirst() {
                let simd = KernelLevel.with(level) { vecDot(type, count: n, weights: wq, activations: xq) }
                #expect(abs(simd - scalar) <= Self.simdVsScalarLimit * magnitude,
                        "\(type) n=\(n) \(KernelLevel.name(level)): \(simd) vs scalar \(scalar)")
            }
        }
    }

    /// Only return values are checked: re-reading the level could see another test
    /// target's concurrent tk_set_kernel_level.
    @Test func setKernelLevelClampsToTheCPU() {
        let best = tk_cpu_best_level()
        #expect(tk_set_kernel_level(KernelLevel.avx512 + 5) == best)
        #expect(tk_set_kernel_level(KernelLevel.scalar) == KernelLevel.scalar)
        #expect(tk_set_kernel_level(KernelLevel.auto) == best)
        let level = tk_kernel_level()
        #expect(level >= KernelLevel.scalar && level <= best)
    }

    struct MatmulCase: CustomStringConvertible, Sendable {
        let type: QuantType, rows: Int, nIn: Int
        var description: String { "\(type) \(rows)x\(nIn)" }
    }
    static let matmulCases: [MatmulCase] = QuantType.weightTypes.flatMap { type in
        type.isKQuant ? [MatmulCase(type: type, rows: 37, nIn: 512)]
                      : [MatmulCase(type: type, rows: 37, nIn: 96), MatmulCase(type: type, rows: 19, nIn: 896)]
    }

    @Test(arguments: matmulCases)
    func matmulMatchesFloatReference(c: MatmulCase) throws {
        var rng = SeededGenerator(seed: 5)
        let wFloats = randomFloats(c.rows * c.nIn, using: &rng)
        var wq: [UInt8] = []
        for r in 0..<c.rows { wq += try #require(quantize(Array(wFloats[r * c.nIn..<(r + 1) * c.nIn]), to: c.type)) }
        let w = dequantize(wq, type: c.type, count: c.rows * c.nIn)
        let maxTokens = 17
        let x = randomFloats(maxTokens * c.nIn, scale: 2, using: &rng)
        let pool = try #require(tk_pool_create(2))
        defer { tk_pool_destroy(pool) }

        for tokens in [1, 3, 6, 17] {
            var reference = [Float](repeating: 0, count: tokens * c.rows)
            var bound = [Float](repeating: 0, count: tokens * c.rows)
            for t in 0..<tokens {
                let xt = x[t * c.nIn..<(t + 1) * c.nIn]
                let xmax = xt.map(abs).max() ?? 0
                for r in 0..<c.rows {
                    let wr = w[r * c.nIn..<(r + 1) * c.nIn]
                    reference[t * c.rows + r] = zip(wr, xt).reduce(0) { $0 + $1.0 * $1.1 }
                    bound[t * c.rows + r] = Self.matmulVsFloatLimit * wr.reduce(0) { $0 + abs($1) } * xmax
                }
            }
            var scalarResult: [Float] = []
            for level in KernelLevel.available {
                for threadPool in [nil, pool] as [OpaquePointer?] {
                    let y = KernelLevel.with(level) {
                        matmul(pool: threadPool, c.type, weights: wq, rows: c.rows, nIn: c.nIn, x: Array(x[0..<tokens * c.nIn]), tokens: tokens)
                    }
                    let label = "\(c) tokens=\(tokens) \(KernelLevel.name(level)) threads=\(threadPool == nil ? 1 : 2)"
                    let worst = (0..<y.count).first { !(abs(y[$0] - reference[$0]) <= bound[$0]) }
                    #expect(worst == nil, "\(label): y[\(worst ?? 0)] = \(y[worst ?? 0]) vs \(reference[worst ?? 0])")
                    if scalarResult.isEmpty { scalarResult = y; continue }
                    let drift = (0..<y.count).first { abs(y[$0] - scalarResult[$0]) > 1e-4 * (bound[$0] / Self.matmulVsFloatLimit) }
                    #expect(drift == nil, "\(label) differs from scalar at \(drift ?? 0)")
                }
            }
        }
    }

    /// Bad shapes leave y untouched (the engine validates shapes when it loads a model).
    @Test func matmulRefusesBadShapes() throws {
        let w = try #require(quantize([Float](repeating: 0.5, count: 256), to: .q4_K))
        for (nIn, rows, tokens) in [(0, 1, 1), (200, 1, 1), (256, 0, 1), (256, 1, 0)] {
            var y: [Float] = [42]
            var scratch = [UInt8](repeating: 0, count: 4096)
            w.withUnsafeBytes { wp in
                scratch.withUnsafeMutableBytes { sp in
                    tk_matmul(nil, QuantType.q4_K.id, wp.baseAddress, Int64(rows), Int64(nIn), [Float](repeating: 1, count: 256),
                              Int64(tokens), &y, sp.baseAddress)
                }
            }
            #expect(y == [42], "n_in \(nIn), rows \(rows), tokens \(tokens)")
        }
    }

    @Test func matmulScratchSizes() {
        #expect(tk_matmul_scratch_bytes(QuantType.f32.id, 896, 4) == 0, "float weights read x directly")
        #expect(tk_matmul_scratch_bytes(QuantType.q5_0.id, 896, 1) >= 896 + 28 * 4)
        #expect(tk_matmul_scratch_bytes(QuantType.q4_K.id, 512, 3) >= 3 * 2 * 292)
        #expect(tk_matmul_scratch_bytes(QuantType.q4_K.id, 896, 1) == 0, "896 is not a multiple of 256")
    }
}

/// Kept in KernelLevelTests: its `.serialized` trait only orders tests of one suite, and
/// every test that forces a kernel level must be in it.
extension KernelLevelTests {
    /// The SIMD activation quantizers must produce exactly the scalar bytes (same float
    /// operations, same rounding), so every level feeds the kernels identical integers.
    @Test(arguments: [QuantType.q5_0, .q4_0, .q8_0, .q4_K, .q6_K] + QuantType.repackedTypes)
    func simdQuantizerIsByteIdenticalToScalar(weightType: QuantType) throws {
        var rng = SeededGenerator(seed: 21)
        let n = weightType.isKQuant ? 1024 : 896
        var x = randomFloats(n, scale: 4, using: &rng)
        for i in 0..<32 { x[64 + i] = 0 }                    // an all-zero block
        for i in 0..<32 { x[128 + i] = Float(i % 5) - 2 }   // values landing exactly on .5 ties after scaling
        x[300] = 250                                        // an outlier, as real activations have
        let bytes = Int(tk_matmul_input_bytes(weightType.id, Int64(n)))
        #expect(bytes > 0)
        func quantized(at level: Int32) -> [UInt8] {
            KernelLevel.with(level) {
                var out = [UInt8](repeating: 0xAA, count: bytes)
                let ok = out.withUnsafeMutableBytes { tk_quantize_matmul_input(weightType.id, x, Int64(n), $0.baseAddress) }
                #expect(ok)
                return out
            }
        }
        let scalar = quantized(at: KernelLevel.scalar)
        for level in KernelLevel.available.dropFirst() {
            let simd = quantized(at: level)
            let firstDifference = (0..<bytes).first { simd[$0] != scalar[$0] }
            #expect(firstDifference == nil, "\(weightType) at \(KernelLevel.name(level)): byte \(firstDifference ?? 0)")
        }
        #expect(!tk_quantize_matmul_input(weightType.id, x, 100, nil), "100 values are not whole blocks")
    }
}
