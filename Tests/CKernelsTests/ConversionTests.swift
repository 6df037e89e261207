import CKernels
import Testing

@Suite struct ConversionTests {
    @Test(arguments: [
        (UInt16(0x0000), Float(0)), (0x8000, -0.0), (0x3C00, 1), (0xBC00, -1), (0x3800, 0.5),
        (0x4000, 2), (0x7BFF, 65504), (0x0001, 5.960464477539063e-08), (0x03FF, 6.097555160522461e-05),
        (0x0400, 6.103515625e-05), (0x3555, 0.333251953125),
    ])
    func fp16ToFloatKnownValues(bits: UInt16, value: Float) {
        #expect(tk_fp16_to_f32(bits) == value)
        #expect(tk_fp16_to_f32(bits).sign == value.sign)
    }

    @Test func fp16SpecialValues() {
        #expect(tk_fp16_to_f32(0x7C00) == .infinity)
        #expect(tk_fp16_to_f32(0xFC00) == -.infinity)
        #expect(tk_fp16_to_f32(0x7E00).isNaN)
        #expect(tk_f32_to_fp16(.infinity) == 0x7C00)
        #expect(tk_f32_to_fp16(70000) == 0x7C00, "overflow goes to infinity")
        #expect(tk_f32_to_fp16(65519) == 0x7BFF, "just under the rounding edge stays finite")
        #expect(tk_fp16_to_f32(tk_f32_to_fp16(.nan)).isNaN)
    }

    /// Every finite half converts to float and back to the same bits (the conversion is exact).
    @Test func fp16RoundTripsEveryFiniteValue() {
        for bits in UInt16(0)...UInt16.max where (bits & 0x7C00) != 0x7C00 {
            let back = tk_f32_to_fp16(tk_fp16_to_f32(bits))
            #expect(back == bits, "half 0x\(String(bits, radix: 16))")
            if back != bits { return }
        }
    }

    /// Float to half rounds to the nearest half, ties to even (checked against Swift's Float16).
    @Test func floatToFp16RoundsToNearestEven() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<20000 {
            let magnitude = Float(sign: .plus, exponent: Int.random(in: -26...16, using: &rng),
                                  significand: Float.random(in: 1..<2, using: &rng))
            let value = Bool.random(using: &rng) ? magnitude : -magnitude
            let expected = Float16(value).bitPattern
            #expect(tk_f32_to_fp16(value) == expected, "value \(value)")
        }
        // exact ties between two halves: 1 + 2^-11 lies between 1 and 1+2^-10 -> even (1)
        #expect(tk_f32_to_fp16(1 + 0x1p-11) == 0x3C00)
        #expect(tk_f32_to_fp16(1 + 3 * 0x1p-11) == 0x3C02)
    }

    @Test func bf16ToFloat() {
        #expect(tk_bf16_to_f32(0x3F80) == 1)
        #expect(tk_bf16_to_f32(0xC040) == -3)
        #expect(tk_bf16_to_f32(0x7F80) == .infinity)
    }

    @Test func blockGeometry() {
        let expected: [(QuantType, Int64, Int64)] = [
            (.f32, 1, 4), (.f16, 1, 2), (.bf16, 1, 2), (.q4_0, 32, 18), (.q5_0, 32, 22), (.q8_0, 32, 34),
            (.q4_K, 256, 144), (.q5_K, 256, 176), (.q6_K, 256, 210), (.q8_K, 256, 292),
        ]
        for (type, size, bytes) in expected {
            #expect(tk_type_block_size(type.id) == size, "\(type)")
            #expect(tk_type_block_bytes(type.id) == bytes, "\(type)")
        }
        #expect(tk_row_bytes(QuantType.q5_0.id, 896) == 28 * 22)
        #expect(tk_row_bytes(QuantType.q4_K.id, 896) == -1, "896 is not a multiple of 256")
        #expect(tk_row_bytes(QuantType.f16.id, 3) == 6)
        #expect(tk_type_block_size(99) == 0)
        #expect(tk_row_bytes(99, 32) == -1)
        #expect(!tk_type_supported(Int32(TK_TYPE_Q4_1.rawValue)))
        #expect(!tk_type_supported(QuantType.q8_K.id), "Q8_K is an activation format, not a weight type")
        for type in QuantType.weightTypes { #expect(tk_type_supported(type.id), "\(type)") }
    }

    @Test func vecDotTypes() {
        #expect(tk_vec_dot_type(QuantType.q5_0.id) == QuantType.q8_0.id)
        #expect(tk_vec_dot_type(QuantType.q4_0.id) == QuantType.q8_0.id)
        #expect(tk_vec_dot_type(QuantType.q8_0.id) == QuantType.q8_0.id)
        #expect(tk_vec_dot_type(QuantType.q4_K.id) == QuantType.q8_K.id)
        #expect(tk_vec_dot_type(QuantType.q6_K.id) == QuantType.q8_K.id)
        #expect(tk_vec_dot_type(QuantType.f16.id) == QuantType.f32.id)
    }

    @Test func cpuLevelIsConsistent() {
        let best = tk_cpu_best_level()
        #expect(best >= KernelLevel.scalar && best <= KernelLevel.avx512)
        if tk_cpu_has_avx512_vnni() { #expect(best == KernelLevel.avx512) }
    }
}
