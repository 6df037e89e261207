import CKernels

/// Deterministic generator (SplitMix64) so a failing case can be rerun exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A weight or activation type of the kernel library, by name (for readable test output).
struct QuantType: CustomStringConvertible, Sendable {
    let name: String
    let id: Int32
    var description: String { name }

    static let f32 = QuantType(name: "F32", id: Int32(TK_TYPE_F32.rawValue))
    static let f16 = QuantType(name: "F16", id: Int32(TK_TYPE_F16.rawValue))
    static let bf16 = QuantType(name: "BF16", id: Int32(TK_TYPE_BF16.rawValue))
    static let q4_0 = QuantType(name: "Q4_0", id: Int32(TK_TYPE_Q4_0.rawValue))
    static let q5_0 = QuantType(name: "Q5_0", id: Int32(TK_TYPE_Q5_0.rawValue))
    static let q8_0 = QuantType(name: "Q8_0", id: Int32(TK_TYPE_Q8_0.rawValue))
    static let q4_K = QuantType(name: "Q4_K", id: Int32(TK_TYPE_Q4_K.rawValue))
    static let q5_K = QuantType(name: "Q5_K", id: Int32(TK_TYPE_Q5_K.rawValue))
    static let q6_K = QuantType(name: "Q6_K", id: Int32(TK_TYPE_Q6_K.rawValue))
    static let q8_K = QuantType(name: "Q8_K", id: Int32(TK_TYPE_Q8_K.rawValue))
    /// Engine-internal repacked layouts (tk_repack), never in files.
    static let q4_K_x16 = QuantType(name: "Q4_K_X16", id: Int32(TK_TYPE_Q4_K_X16.rawValue))
    static let q6_K_x16 = QuantType(name: "Q6_K_X16", id: Int32(TK_TYPE_Q6_K_X16.rawValue))
    static let q5_0_x16 = QuantType(name: "Q5_0_X16", id: Int32(TK_TYPE_Q5_0_X16.rawValue))
    static let q8_0_x16 = QuantType(name: "Q8_0_X16", id: Int32(TK_TYPE_Q8_0_X16.rawValue))
    static let repackedTypes: [QuantType] = [.q4_K_x16, .q6_K_x16, .q5_0_x16, .q8_0_x16]

    /// Every type a weight matrix can have.
    static let weightTypes: [QuantType] = [.f32, .f16, .bf16, .q4_0, .q5_0, .q8_0, .q4_K, .q5_K, .q6_K]

    var blockSize: Int { Int(tk_type_block_size(id)) }
    var isKQuant: Bool { blockSize == 256 }
}

enum KernelLevel {
    static let scalar = Int32(TK_LEVEL_SCALAR.rawValue)
    static let avx2 = Int32(TK_LEVEL_AVX2.rawValue)
    static let avx512 = Int32(TK_LEVEL_AVX512.rawValue)
    static let auto = Int32(TK_LEVEL_AUTO.rawValue)

    /// Every level this CPU can run, scalar first.
    static var available: [Int32] {
        let best = tk_cpu_best_level()
        return [scalar, avx2, avx512].filter { $0 <= best }
    }

    static func name(_ level: Int32) -> String {
        switch level {
        case scalar: "scalar"
        case avx2: "avx2"
        case avx512: "avx512"
        default: "level \(level)"
        }
    }

    /// Runs body with the kernel level forced, restoring automatic selection afterwards.
    /// The level is process-wide and tests of other targets (the engine's ops tests) may
    /// force levels concurrently, so the body is rerun (a few times at most) until the level
    /// was still the requested one when it finished: a comparison between levels must not
    /// silently compare a level with itself.
    static func with<T>(_ level: Int32, _ body: () throws -> T) rethrows -> T {
        defer { tk_set_kernel_level(auto) }
        var inForce = tk_set_kernel_level(level)
        var result = try body()
        for _ in 0..<20 where tk_kernel_level() != inForce {
            inForce = tk_set_kernel_level(level)
            result = try body()
        }
        return result
    }
}

func randomFloats(_ count: Int, scale: Float = 1, using rng: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float.random(in: -scale...scale, using: &rng) }
}

/// Quantizes a row of floats to `type`; nil when the type is refused.
func quantize(_ values: [Float], to type: QuantType) -> [UInt8]? {
    let bytes = tk_row_bytes(type.id, Int64(values.count))
    guard bytes >= 0 else { return nil }
    var out = [UInt8](repeating: 0, count: Int(bytes))
    let ok = out.withUnsafeMutableBytes { tk_quantize_row(type.id, values, $0.baseAddress, Int64(values.count)) }
    return ok ? out : nil
}

func dequantize(_ bytes: [UInt8], type: QuantType, count: Int) -> [Float] {
    var out = [Float](repeating: .nan, count: count)
    bytes.withUnsafeBytes { tk_dequantize_row(type.id, $0.baseAddress, &out, Int64(count)) }
    return out
}

func vecDot(_ type: QuantType, count: Int, weights: [UInt8], activations: [UInt8]) -> Float {
    weights.withUnsafeBytes { w in
        activations.withUnsafeBytes { x in tk_vec_dot(type.id, Int64(count), w.baseAddress, x.baseAddress) }
    }
}

/// y = W x through tk_matmul, W given as `rows` quantized rows of `nIn` values.
func matmul(pool: OpaquePointer?, _ type: QuantType, weights: [UInt8], rows: Int, nIn: Int,
            x: [Float], tokens: Int) -> [Float] {
    var y = [Float](repeating: .nan, count: rows * tokens)
    let scratchBytes = tk_matmul_scratch_bytes(type.id, Int64(nIn), Int64(tokens))
    var scratch = [UInt8](repeating: 0, count: max(Int(scratchBytes), 1))
    weights.withUnsafeBytes { w in
        scratch.withUnsafeMutableBytes { s in
            tk_matmul(pool, type.id, w.baseAddress, Int64(rows), Int64(nIn), x, Int64(tokens), &y, s.baseAddress)
        }
    }
    return y
}
