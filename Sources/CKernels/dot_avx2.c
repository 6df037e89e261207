/* AVX2 + FMA + F16C kernels (see dot_scalar.c for the reference twins, quant_blocks.h for
 * the activation formats). Each kernel reads one weight row and decodes every block once,
 * then uses it for up to 4 tokens: prefill reads each weight byte once per 4 tokens.
 *
 * Integer products use vpmaddubsw (u8 x s8 -> s16 pairs), so one side must be unsigned:
 *   *_0 types:  |w| x sign(x, w)      (the usual sign trick; |pair sum| <= 2*128*127 fits s16)
 *   K-quants:   the unsigned quants q x the signed Q8_K values; the offset/min terms come
 *               from the Q8_K block sums (bsums). */
#include <immintrin.h>
#include <string.h>
#include "quant_blocks.h"

#define TGT2 __attribute__((target("avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline))

INLINE TGT2 float h2f(tk_half h) { return _cvtsh_ss(h); }

INLINE TGT2 float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

INLINE TGT2 uint32_t load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Instantiates `name` (a tk_rows_kernel, any nx) from name##_nx(n, w, x, stride, NX, out)
 * with NX a compile-time constant (1..4: AVX2 has 16 registers), so the token loops unroll
 * into registers; more tokens are taken 4 at a time. */
#define NX_DISPATCH(name)                                                                      \
    static TGT2 void name(int64_t n, const void *w, const void *x, size_t stride, int nx,      \
                          float *out) {                                                        \
        for (; nx > 0; nx -= 4, x = (const char *)x + 4 * stride, out += 4) {                  \
            switch (nx) {                                                                      \
            case 1: name##_nx(n, w, x, stride, 1, out); break;                                 \
            case 2: name##_nx(n, w, x, stride, 2, out); break;                                 \
            case 3: name##_nx(n, w, x, stride, 3, out); break;                                 \
            default: name##_nx(n, w, x, stride, 4, out); break;                                \
            }                                                                                  \
        }                                                                                      \
    }

/* ================= *_0 types against x8 ================= */

/* 16 bytes of nibbles -> 32 values: low nibbles are values 0..15, high nibbles 16..31. */
INLINE TGT2 __m256i nibbles(const uint8_t *qs) {
    __m128i a = _mm_loadu_si128((const __m128i *)qs);
    __m256i t = _mm256_inserti128_si256(_mm256_castsi128_si256(a), _mm_srli_epi16(a, 4), 1);
    return _mm256_and_si256(t, _mm256_set1_epi8(15));
}

/* 32 bits -> 32 bytes, 0xFF where the bit is set. */
INLINE TGT2 __m256i bits_to_bytes(uint32_t bits) {
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i select = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i b = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
    return _mm256_cmpeq_epi8(_mm256_and_si256(b, select), select);
}

INLINE TGT2 __m256i decode_q5_0(const blk_q5_0 *b) {
    __m256i high = bits_to_bytes(load_u32(b->qh));
    /* value = (nibble | high<<4) - 16 = nibble - (high ? 0 : 16) */
    return _mm256_sub_epi8(nibbles(b->qs), _mm256_andnot_si256(high, _mm256_set1_epi8(16)));
}
INLINE TGT2 __m256i decode_q4_0(const blk_q4_0 *b) {
    return _mm256_sub_epi8(nibbles(b->qs), _mm256_set1_epi8(8));
}
INLINE TGT2 __m256i decode_q8_0(const blk_q8_0 *b) {
    return _mm256_loadu_si256((const __m256i *)b->qs);
}

#define X8_KERNEL(name, BLK, DECODE)                                                           \
    INLINE TGT2 void name##_nx(int64_t n, const BLK *w, const uint8_t *x, size_t stride,       \
                               const int NX, float *out) {                                     \
        const __m256i ones = _mm256_set1_epi16(1), flip = _mm256_set1_epi8((char)0x80);        \
        __m256 acc[4];                                                                         \
        for (int t = 0; t < NX; t++) acc[t] = _mm256_setzero_ps();                             \
        for (int64_t b = 0; b < n / QK; b++) {                                                 \
            __m256i q = DECODE(&w[b]);                                                         \
            __m256i aq = _mm256_sign_epi8(q, q);                                               \
            __m256 dw = _mm256_set1_ps(h2f(w[b].d));                                           \
            for (int t = 0; t < NX; t++) {                                                     \
                const uint8_t *xt = x + t * stride;                                            \
                __m256i xs = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(xt + b * QK)), flip); \
                __m256i p = _mm256_maddubs_epi16(aq, _mm256_sign_epi8(xs, q));                 \
                __m256i isum = _mm256_madd_epi16(p, ones);                                     \
                __m256 dx = _mm256_loadu_ps((const float *)(xt + n) + 8 * b);                  \
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, dx), acc[t]); \
            }                                                                                  \
        }                                                                                      \
        for (int t = 0; t < NX; t++) out[t] = hsum256(acc[t]);                                 \
    }                                                                                          \
    NX_DISPATCH(name)

X8_KERNEL(rows_q5_0_avx2, blk_q5_0, decode_q5_0)
X8_KERNEL(rows_q4_0_avx2, blk_q4_0, decode_q4_0)
X8_KERNEL(rows_q8_0_avx2, blk_q8_0, decode_q8_0)

/* ================= K-quants against Q8_K ================= */

/* sum_j m_j * (bsums[2j] + bsums[2j+1]) as 8 int32 lanes (lane j). */
INLINE TGT2 __m256i min_products(const uint8_t m[8], const int16_t bsums[16]) {
    uint64_t mm;
    memcpy(&mm, m, 8);
    /* each m_j twice as int16: [m0 m0 m1 m1 ...] */
    __m128i m8 = _mm_cvtsi64_si128((long long)mm);
    __m256i m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
    return _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)bsums), m16);
}

/* Q4_K and Q5_K share everything but the fifth bit. HAS_QH selects Q5_K. */
#define KQ45_KERNEL(name, BLK, HAS_QH)                                                         \
    INLINE TGT2 void name##_nx(int64_t n, const BLK *w, const blk_q8_K *x0, size_t stride,     \
                               const int NX, float *out) {                                     \
        const __m256i low4 = _mm256_set1_epi8(15);                                             \
        __m256 acc[4];                                                                         \
        for (int t = 0; t < NX; t++) acc[t] = _mm256_setzero_ps();                             \
        for (int64_t i = 0; i < n / QK_K; i++) {                                               \
            uint8_t sc[8], m[8];                                                               \
            tk_kquant_scales_mins(w[i].scales, sc, m);                                            \
            __m256i isum[4];                                                                   \
            for (int t = 0; t < NX; t++) isum[t] = _mm256_setzero_si256();                     \
            __m256i qh = HAS_QH ? _mm256_loadu_si256((const __m256i *)((const blk_q5_K *)(const void *)&w[i])->qh) \
                                : _mm256_setzero_si256();                                      \
            for (int c = 0; c < 4; c++) {                                                      \
                __m256i raw = _mm256_loadu_si256((const __m256i *)(w[i].qs + 32 * c));         \
                __m256i lo = _mm256_and_si256(raw, low4);                                      \
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4);                \
                if (HAS_QH) {                                                                  \
                    const __m256i one = _mm256_set1_epi8(1);                                   \
                    __m256i b0 = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * c), one);          \
                    __m256i b1 = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * c + 1), one);      \
                    lo = _mm256_or_si256(lo, _mm256_slli_epi16(b0, 4));                        \
                    hi = _mm256_or_si256(hi, _mm256_slli_epi16(b1, 4));                        \
                }                                                                              \
                __m256i s_lo = _mm256_set1_epi16(sc[2 * c]), s_hi = _mm256_set1_epi16(sc[2 * c + 1]); \
                for (int t = 0; t < NX; t++) {                                                 \
                    const blk_q8_K *xb = (const blk_q8_K *)((const char *)x0 + t * stride) + i; \
                    __m256i x_lo = _mm256_loadu_si256((const __m256i *)(xb->qs + 64 * c));     \
                    __m256i x_hi = _mm256_loadu_si256((const __m256i *)(xb->qs + 64 * c + 32)); \
                    __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, x_lo), s_lo);    \
                    __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x_hi), s_hi);    \
                    isum[t] = _mm256_add_epi32(isum[t], _mm256_add_epi32(p_lo, p_hi));         \
                }                                                                              \
            }                                                                                  \
            float d = h2f(w[i].d), dmin = h2f(w[i].dmin);                                      \
            for (int t = 0; t < NX; t++) {                                                     \
                const blk_q8_K *xb = (const blk_q8_K *)((const char *)x0 + t * stride) + i;    \
                __m256i mins = min_products(m, xb->bsums);                                     \
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_set1_ps(d * xb->d), acc[t]); \
                acc[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_set1_ps(dmin * xb->d), acc[t]); \
            }                                                                                  \
        }                                                                                      \
        for (int t = 0; t < NX; t++) out[t] = hsum256(acc[t]);                                 \
    }                                                                                          \
    NX_DISPATCH(name)

KQ45_KERNEL(rows_q4_K_avx2, blk_q4_K, 0)
KQ45_KERNEL(rows_q5_K_avx2, blk_q5_K, 1)

/* Q6_K: unsigned 6-bit q (0..63), value q-32, a signed scale per 16 values. The -32 offset
 * becomes 32 * sum_g sc_g * bsums_g, subtracted once per super-block. Each 32-value group
 * spans two scales: low 128-bit lane scale a, high lane scale a+1. */
INLINE TGT2 void rows_q6_K_avx2_nx(int64_t n, const blk_q6_K *w, const blk_q8_K *x0, size_t stride,
                                   const int NX, float *out) {
    const __m256i low4 = _mm256_set1_epi8(15), two = _mm256_set1_epi8(3);
    __m256 acc[4];
    for (int t = 0; t < NX; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m256i isum[4];
        for (int t = 0; t < NX; t++) isum[t] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            __m256i ql0 = _mm256_loadu_si256((const __m256i *)(w[i].ql + 64 * h));
            __m256i ql1 = _mm256_loadu_si256((const __m256i *)(w[i].ql + 64 * h + 32));
            __m256i qh = _mm256_loadu_si256((const __m256i *)(w[i].qh + 32 * h));
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_slli_epi16(_mm256_and_si256(qh, two), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(ql1, low4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), two), 4));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), two), 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), two), 4));
            const int8_t *sc = w[i].scales + 8 * h;
            for (int g = 0; g < 4; g++) {
                __m256i s = _mm256_setr_m128i(_mm_set1_epi16(sc[2 * g]), _mm_set1_epi16(sc[2 * g + 1]));
                for (int t = 0; t < NX; t++) {
                    const blk_q8_K *xb = (const blk_q8_K *)((const char *)x0 + t * stride) + i;
                    __m256i xv = _mm256_loadu_si256((const __m256i *)(xb->qs + 128 * h + 32 * g));
                    isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(_mm256_maddubs_epi16(q[g], xv), s));
                }
            }
        }
        __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w[i].scales));
        float d = h2f(w[i].d);
        for (int t = 0; t < NX; t++) {
            const blk_q8_K *xb = (const blk_q8_K *)((const char *)x0 + t * stride) + i;
            __m256i offset = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)xb->bsums), sc16);
            __m256i total = _mm256_sub_epi32(isum[t], _mm256_slli_epi32(offset, 5));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d * xb->d), acc[t]);
        }
    }
    for (int t = 0; t < NX; t++) out[t] = hsum256(acc[t]);
}
NX_DISPATCH(rows_q6_K_avx2)

/* ================= float weights against F32 ================= */

INLINE TGT2 __m256 load8_f32(const float *p) { return _mm256_loadu_ps(p); }
INLINE TGT2 __m256 load8_f16(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
INLINE TGT2 __m256 load8_bf16(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
INLINE TGT2 float widen_f32(float v) { return v; }
INLINE TGT2 float widen_f16(uint16_t v) { return h2f(v); }
INLINE TGT2 float widen_bf16(uint16_t v) { return tk_bf16_to_f32(v); }

#define FLOAT_KERNEL(name, WT, LOAD8, WIDEN)                                                   \
    INLINE TGT2 void name##_nx(int64_t n, const WT *w, const float *x, size_t stride,          \
                               const int NX, float *out) {                                     \
        __m256 acc[4];                                                                         \
        for (int t = 0; t < NX; t++) acc[t] = _mm256_setzero_ps();                             \
        int64_t i = 0;                                                                         \
        for (; i + 8 <= n; i += 8) {                                                           \
            __m256 wv = LOAD8(w + i);                                                          \
            for (int t = 0; t < NX; t++)                                                       \
                acc[t] = _mm256_fmadd_ps(wv, _mm256_loadu_ps((const float *)((const char *)x + t * stride) + i), acc[t]); \
        }                                                                                      \
        for (int t = 0; t < NX; t++) {                                                         \
            const float *xt = (const float *)((const char *)x + t * stride);                   \
            float s = hsum256(acc[t]);                                                         \
            for (int64_t j = i; j < n; j++) s += WIDEN(w[j]) * xt[j];                          \
            out[t] = s;                                                                        \
        }                                                                                      \
    }                                                                                          \
    NX_DISPATCH(name)

FLOAT_KERNEL(rows_f32_avx2, float, load8_f32, widen_f32)
FLOAT_KERNEL(rows_f16_avx2, uint16_t, load8_f16, widen_f16)
FLOAT_KERNEL(rows_bf16_avx2, uint16_t, load8_bf16, widen_bf16)

tk_rows_kernel tk_rows_kernel_avx2(int type) {
    switch (type) {
    case TK_TYPE_Q5_0: return rows_q5_0_avx2;
    case TK_TYPE_Q4_0: return rows_q4_0_avx2;
    case TK_TYPE_Q8_0: return rows_q8_0_avx2;
    case TK_TYPE_Q4_K: return rows_q4_K_avx2;
    case TK_TYPE_Q5_K: return rows_q5_K_avx2;
    case TK_TYPE_Q6_K: return rows_q6_K_avx2;
    case TK_TYPE_F32: return rows_f32_avx2;
    case TK_TYPE_F16: return rows_f16_avx2;
    case TK_TYPE_BF16: return rows_bf16_avx2;
    default: return NULL;
    }
}
