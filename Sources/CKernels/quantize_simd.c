/* SIMD activation quantizers (x8 and Q8_K): byte-for-byte the same output as the scalar
 * ones in quantize.c (same float operations, same round-to-nearest-even), just faster —
 * a prefill quantizes up to 512 x 4864 activations per matmul. (Except for NaN inputs, which
 * give garbage either way: the SIMD max propagates them into the scale, fmaxf skips them.) */
#include <immintrin.h>
#include "quant_blocks.h"

#define TGT512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define TGT2 __attribute__((target("avx2,fma,f16c")))

static TGT512 void quantize_x8_avx512(const float *x, int64_t n, uint8_t *xq) {
    float *dexp = (float *)(xq + n);
    for (int64_t i = 0; i < n / QK; i++, x += QK, xq += QK) {
        __m512 a = _mm512_loadu_ps(x), b = _mm512_loadu_ps(x + 16);
        __m512 m = _mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(b));
        float d = _mm512_reduce_max_ps(m) / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
        __m512 vid = _mm512_set1_ps(id);
        __m512i lo = _mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(a, vid)), _mm512_set1_epi32(-127));
        __m512i hi = _mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(b, vid)), _mm512_set1_epi32(-127));
        __m256i q = _mm256_setr_m128i(_mm512_cvtsepi32_epi8(lo), _mm512_cvtsepi32_epi8(hi));
        _mm256_storeu_si256((__m256i *)xq, _mm256_xor_si256(q, _mm256_set1_epi8((char)0x80)));
        _mm256_storeu_ps(dexp + 8 * i, _mm256_set1_ps(d));
    }
}

static TGT512 void quantize_q8_K_avx512(const float *x, int64_t n, blk_q8_K *y) {
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        __m512 m = _mm512_setzero_ps();
        for (int j = 0; j < QK_K; j += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + j)));
        float d = _mm512_reduce_max_ps(m) / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
        __m512 vid = _mm512_set1_ps(id);
        y[i].d = d;
        for (int g = 0; g < QK_K / 16; g++) {
            __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + 16 * g), vid));
            q = _mm512_max_epi32(_mm512_min_epi32(q, _mm512_set1_epi32(127)), _mm512_set1_epi32(-127));
            _mm_storeu_si128((__m128i *)(y[i].qs + 16 * g), _mm512_cvtepi32_epi8(q));
            y[i].bsums[g] = (int16_t)_mm512_reduce_add_epi32(q);
        }
    }
}

static TGT2 float hmax256(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* 32 floats * id -> 32 int8 in natural order, clamped to [-127, 127]. */
static TGT2 __m256i quantize32_avx2(const float *x, __m256 vid) {
    __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), vid));
    __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), vid));
    __m256i q2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), vid));
    __m256i q3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), vid));
    /* packs work within 128-bit lanes: fix the order with one cross-lane permute */
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    return _mm256_max_epi8(p, _mm256_set1_epi8(-127));
}

static TGT2 __m256 absmax32_avx2(const float *x, __m256 m) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int j = 0; j < 32; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
    return m;
}

static TGT2 void quantize_x8_avx2(const float *x, int64_t n, uint8_t *xq) {
    float *dexp = (float *)(xq + n);
    for (int64_t i = 0; i < n / QK; i++, x += QK, xq += QK) {
        float d = hmax256(absmax32_avx2(x, _mm256_setzero_ps())) / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
        __m256i q = quantize32_avx2(x, _mm256_set1_ps(id));
        _mm256_storeu_si256((__m256i *)xq, _mm256_xor_si256(q, _mm256_set1_epi8((char)0x80)));
        _mm256_storeu_ps(dexp + 8 * i, _mm256_set1_ps(d));
    }
}

static TGT2 void quantize_q8_K_avx2(const float *x, int64_t n, blk_q8_K *y) {
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < QK_K; j += 32) m = absmax32_avx2(x + j, m);
        float d = hmax256(m) / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
        y[i].d = d;
        __m256 vid = _mm256_set1_ps(id);
        for (int j = 0; j < QK_K; j += 32) {
            __m256i q = quantize32_avx2(x + j, vid);
            _mm256_storeu_si256((__m256i *)(y[i].qs + j), q);
            /* bsums of the two groups of 16: widen to int16 and sum pairs */
            __m256i w = _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm256_castsi256_si128(q)), _mm256_set1_epi16(1));
            __m256i v = _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm256_extracti128_si256(q, 1)), _mm256_set1_epi16(1));
            __m256i s = _mm256_hadd_epi32(w, v); /* [w01 w23 v01 v23 | w45 w67 v45 v67] */
            s = _mm256_hadd_epi32(s, s);         /* [w0-3 v0-3 .. | w4-7 v4-7 ..] */
            y[i].bsums[j / 16] = (int16_t)(_mm256_extract_epi32(s, 0) + _mm256_extract_epi32(s, 4));
            y[i].bsums[j / 16 + 1] = (int16_t)(_mm256_extract_epi32(s, 1) + _mm256_extract_epi32(s, 5));
        }
    }
}

void tk_quantize_activations(int type, const float *x, int64_t n, void *dst) {
    int level = tk_dispatch_state() & 0xff;
    if (type == TK_TYPE_Q8_K) {
        if (level >= TK_LEVEL_AVX512) quantize_q8_K_avx512(x, n, dst);
        else if (level >= TK_LEVEL_AVX2) quantize_q8_K_avx2(x, n, dst);
        else tk_quantize_row(TK_TYPE_Q8_K, x, dst, n);
    } else {
        if (level >= TK_LEVEL_AVX512) quantize_x8_avx512(x, n, dst);
        else if (level >= TK_LEVEL_AVX2) quantize_x8_avx2(x, n, dst);
        else tk_quantize_x8(x, n, dst);
    }
}
