/* AVX-512 kernels (F/BW/VL + VNNI): the *_0 weight types against x8 activations, Q4_K and
 * Q6_K against Q8_K (see quant_blocks.h for the formats, dot_scalar.c for the reference
 * twins). Q5_K and float weights use the AVX2 kernels at this level.
 *
 * *_0 types: two blocks (64 values) per zmm. Per weight block pair the signed int8 weights w
 * are decoded once, then reused for up to 8 tokens:
 *   isum = vpdpbusd(-128*sum4(w), x+128, w)     (x+128 is what x8 stores: u8 x s8 products)
 *        = sum4(x*w) per 32-bit lane, 8 lanes per block
 *   acc += float(isum) * (dw * dx)               (dx comes pre-broadcast from x8's dexp)
 * so a token costs one vpdpbusd, one convert, one multiply and one FMA per 64 values. */
#include <immintrin.h>
#include <string.h>
#include "quant_blocks.h"

#define TGT512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline))

INLINE TGT512 float h2f(tk_half h) { return _cvtsh_ss(h); }

/* -128 * (sum of each 4 consecutive weights): the correction for x being stored as x+128. */
INLINE TGT512 __m512i neg_offset_512(__m512i w) {
    __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), w);
    return _mm512_sub_epi32(_mm512_setzero_si512(), s);
}
INLINE TGT512 __m256i neg_offset_256(__m256i w) {
    __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8((char)0x80), w);
    return _mm256_sub_epi32(_mm256_setzero_si256(), s);
}

/* Instantiates `name` (a tk_rows_kernel, any nx) from name##_nx(n, w, x, stride, NX, out),
 * NX a compile-time constant (1..MAX) so token loops unroll and accumulators stay in
 * registers; more than MAX tokens are taken MAX at a time. */
#define NX_DISPATCH(name, MAX)                                                                 \
    static TGT512 void name(int64_t n, const void *w, const void *x, size_t stride, int nx,    \
                            float *out) {                                                      \
        for (; nx > 0; nx -= MAX, x = (const char *)x + MAX * stride, out += MAX) {            \
            switch (nx < MAX ? nx : MAX) {                                                     \
            case 1: name##_nx(n, w, x, stride, 1, out); break;                                 \
            case 2: name##_nx(n, w, x, stride, 2, out); break;                                 \
            case 3: name##_nx(n, w, x, stride, 3, out); break;                                 \
            case 4: name##_nx(n, w, x, stride, 4, out); break;                                 \
            case 5: name##_nx(n, w, x, stride, MAX > 4 ? 5 : 4, out); break;                   \
            case 6: name##_nx(n, w, x, stride, MAX > 4 ? 6 : 4, out); break;                   \
            case 7: name##_nx(n, w, x, stride, MAX > 4 ? 7 : 4, out); break;                   \
            default: name##_nx(n, w, x, stride, MAX, out); break;                              \
            }                                                                                  \
        }                                                                                      \
    }

/* The same for a kernel on 16-lane accumulators (tk_lanes_kernel), and the rows kernel that
 * does a whole row in one call from it. */
#define NX_DISPATCH_LANES(name, MAX)                                                           \
    static TGT512 void name##_lanes(int64_t n, const void *w, const void *x, size_t stride, int nx, \
                                    float *lanes, int flags, float *out) {                     \
        for (int done = 0; done < nx; done += MAX) {                                           \
            const void *xd = (const char *)x + done * stride;                                  \
            float *l = lanes ? lanes + 16 * done : NULL, *o = out + done;                      \
            switch (nx - done < MAX ? nx - done : MAX) {                                       \
            case 1: name##_nx(n, w, xd, stride, 1, l, flags, o); break;                        \
            case 2: name##_nx(n, w, xd, stride, 2, l, flags, o); break;                        \
            case 3: name##_nx(n, w, xd, stride, 3, l, flags, o); break;                        \
            case 4: name##_nx(n, w, xd, stride, 4, l, flags, o); break;                        \
            case 5: name##_nx(n, w, xd, stride, 5, l, flags, o); break;                        \
            case 6: name##_nx(n, w, xd, stride, 6, l, flags, o); break;                        \
            case 7: name##_nx(n, w, xd, stride, 7, l, flags, o); break;                        \
            default: name##_nx(n, w, xd, stride, MAX, l, flags, o); break;                     \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
    static TGT512 void name(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out) { \
        name##_lanes(n, w, x, stride, nx, NULL, 0, out);                                       \
    }

/* Accumulators in and out of a lanes kernel (see tk_lanes_kernel). */
INLINE TGT512 __m512 lanes_start(const float *lanes, int flags, int t) {
    return (flags & TK_LANES_IN) ? _mm512_loadu_ps(lanes + 16 * t) : _mm512_setzero_ps();
}
INLINE TGT512 void lanes_finish(__m512 acc, float *lanes, int flags, int t, float *out) {
    if (flags & TK_LANES_OUT) _mm512_storeu_ps(lanes + 16 * t, acc);
    else out[t] = _mm512_reduce_add_ps(acc);
}

/* ---- weight decoders: block(s) -> signed int8 values in natural order ---- */

/* 16 bytes of nibbles -> 32 values: low nibbles are values 0..15, high nibbles 16..31. */
INLINE TGT512 __m256i nibbles_256(const uint8_t *qs) {
    __m128i a = _mm_loadu_si128((const __m128i *)qs);
    __m256i t = _mm256_inserti128_si256(_mm256_castsi128_si256(a), _mm_srli_epi16(a, 4), 1);
    return _mm256_and_si256(t, _mm256_set1_epi8(15));
}

INLINE TGT512 uint32_t load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Pair decoders: two consecutive blocks -> 64 signed int8 values in natural order, and
 * their scales as [d0 x8, d1 x8]. One masked load (it cannot fault past the row end) takes
 * both block headers and quants; vpermw moves 16-bit words into place, which works because
 * every field of these blocks starts at an even offset. */
static const uint16_t q5_0_qs_words[32] = {3, 4, 5, 6, 7, 8, 9, 10, 3, 4, 5, 6, 7, 8, 9, 10,
                                           14, 15, 16, 17, 18, 19, 20, 21, 14, 15, 16, 17, 18, 19, 20, 21};
static const uint16_t q5_0_d_words[32] = {0, 0, 0, 0, 0, 0, 0, 0, 11, 11, 11, 11, 11, 11, 11, 11};
static const uint16_t q4_0_qs_words[32] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
                                           10, 11, 12, 13, 14, 15, 16, 17, 10, 11, 12, 13, 14, 15, 16, 17};
static const uint16_t q4_0_d_words[32] = {0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9};
static const uint16_t q8_0_d_words[32] = {0, 0, 0, 0, 0, 0, 0, 0, 17, 17, 17, 17, 17, 17, 17, 17};

INLINE TGT512 __m512 pair_scales(__m512i window, const uint16_t *d_words) {
    __m512i d = _mm512_permutexvar_epi16(_mm512_loadu_si512((const void *)d_words), window);
    return _mm512_cvtph_ps(_mm512_castsi512_si256(d));
}

/* [qs0, qs0, qs1, qs1] (16 bytes each) -> low nibbles of lanes 0 and 2, high of 1 and 3 */
INLINE TGT512 __m512i pair_nibbles(__m512i window, const uint16_t *qs_words) {
    __m512i qs = _mm512_permutexvar_epi16(_mm512_loadu_si512((const void *)qs_words), window);
    qs = _mm512_mask_srli_epi16(qs, (__mmask32)0xFF00FF00u, qs, 4);
    return _mm512_and_si512(qs, _mm512_set1_epi8(15));
}

/* Q5_0 pair = 22 words: d0 w0, qh0 w1-2, qs0 w3-10, d1 w11, qh1 w12-13, qs1 w14-21.
 * value = (nibble | bit<<4) - 16: subtract 16 wherever the fifth bit is clear. */
INLINE TGT512 __m512i decode_q5_0_pair(const blk_q5_0 *b, __m512 *dw) {
    __m512i window = _mm512_maskz_loadu_epi16((__mmask32)0x3FFFFF, b);
    *dw = pair_scales(window, q5_0_d_words);
    __m512i t = pair_nibbles(window, q5_0_qs_words);
    uint64_t high = (uint64_t)load_u32(b[0].qh) | (uint64_t)load_u32(b[1].qh) << 32;
    return _mm512_mask_sub_epi8(t, (__mmask64)~high, t, _mm512_set1_epi8(16));
}
INLINE TGT512 __m256i decode_q5_0(const blk_q5_0 *b) {
    __m256i t = nibbles_256(b->qs);
    return _mm256_mask_sub_epi8(t, (__mmask32)~load_u32(b->qh), t, _mm256_set1_epi8(16));
}
/* Q4_0 pair = 18 words: d0 w0, qs0 w1-8, d1 w9, qs1 w10-17. */
INLINE TGT512 __m512i decode_q4_0_pair(const blk_q4_0 *b, __m512 *dw) {
    __m512i window = _mm512_maskz_loadu_epi16((__mmask32)0x3FFFF, b);
    *dw = pair_scales(window, q4_0_d_words);
    return _mm512_sub_epi8(pair_nibbles(window, q4_0_qs_words), _mm512_set1_epi8(8));
}
INLINE TGT512 __m256i decode_q4_0(const blk_q4_0 *b) {
    return _mm256_sub_epi8(nibbles_256(b->qs), _mm256_set1_epi8(8));
}
/* Q8_0 pair = 34 words: d0 w0, qs0 w1-16, d1 w17, qs1 w18-33 (quants loaded directly). */
INLINE TGT512 __m512i decode_q8_0_pair(const blk_q8_0 *b, __m512 *dw) {
    *dw = pair_scales(_mm512_maskz_loadu_epi16((__mmask32)0x3FFFF, b), q8_0_d_words);
    __m512i t = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)b[0].qs));
    return _mm512_inserti64x4(t, _mm256_loadu_si256((const __m256i *)b[1].qs), 1);
}
INLINE TGT512 __m256i decode_q8_0(const blk_q8_0 *b) {
    return _mm256_loadu_si256((const __m256i *)b->qs);
}

/* One row against nx (1..8) tokens. NX is a compile-time constant in each instantiation so
 * the token loop unrolls and the accumulators stay in registers. */
#define X8_KERNEL(name, BLK, DECODE_PAIR, DECODE_ONE)                                           \
    INLINE TGT512 void name##_nx(int64_t n, const BLK *w, const uint8_t *x, size_t stride,     \
                                 const int NX, float *out) {                                   \
        const int64_t nb = n / QK;                                                             \
        __m512 acc[8];                                                                         \
        for (int t = 0; t < NX; t++) acc[t] = _mm512_setzero_ps();                             \
        int64_t b = 0;                                                                         \
        for (; b + 1 < nb; b += 2) {                                                           \
            __m512 dw;                                                                         \
            __m512i q = DECODE_PAIR(&w[b], &dw);                                               \
            __m512i off = neg_offset_512(q);                                                   \
            for (int t = 0; t < NX; t++) {                                                     \
                const uint8_t *xt = x + t * stride;                                            \
                __m512i xi = _mm512_loadu_si512((const void *)(xt + b * QK));                  \
                __m512i isum = _mm512_dpbusd_epi32(off, xi, q);                                \
                __m512 dx = _mm512_loadu_ps((const float *)(xt + n) + 8 * b);                  \
                acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, dx), acc[t]); \
            }                                                                                  \
        }                                                                                      \
        __m256 tail[8];                                                                        \
        for (int t = 0; t < NX; t++) tail[t] = _mm256_setzero_ps();                            \
        if (b < nb) {                                                                          \
            __m256i q = DECODE_ONE(&w[b]);                                                     \
            __m256i off = neg_offset_256(q);                                                   \
            __m256 dw = _mm256_set1_ps(h2f(w[b].d));                                           \
            for (int t = 0; t < NX; t++) {                                                     \
                const uint8_t *xt = x + t * stride;                                            \
                __m256i xi = _mm256_loadu_si256((const __m256i *)(xt + b * QK));               \
                __m256i isum = _mm256_dpbusd_epi32(off, xi, q);                                \
                __m256 dx = _mm256_loadu_ps((const float *)(xt + n) + 8 * b);                  \
                tail[t] = _mm256_mul_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, dx));      \
            }                                                                                  \
        }                                                                                      \
        for (int t = 0; t < NX; t++)                                                           \
            out[t] = _mm512_reduce_add_ps(_mm512_add_ps(acc[t],                                \
                         _mm512_zextps256_ps512(tail[t]))) ;                                   \
    }                                                                                          \
    NX_DISPATCH(name, 8)

X8_KERNEL(rows_q5_0_512, blk_q5_0, decode_q5_0_pair, decode_q5_0)
X8_KERNEL(rows_q4_0_512, blk_q4_0, decode_q4_0_pair, decode_q4_0)
X8_KERNEL(rows_q8_0_512, blk_q8_0, decode_q8_0_pair, decode_q8_0)

/* ================= K-quants against Q8_K =================
 * Four zmm of weights per 256 values, in natural order so the Q8_K values load directly.
 * Products: vpmaddubsw (unsigned q x signed x -> int16 pairs), then vpdpwssd multiplies by
 * the sub-block scales (int16) and accumulates in int32, so scales cost nothing per token
 * beyond that one instruction. */

INLINE TGT512 __m512i pair_i16(int a, int b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)a)), _mm256_set1_epi16((short)b), 1);
}

/* int16 lane l of scale vector k holds sub-block 2k + l/16 (a zmm of products covers two
 * sub-blocks of 32 values = 16 int16 pair sums each). */
static const uint16_t kquant_scale_words[4][32] = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
    {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5},
    {6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
};

INLINE TGT512 __m128i load_8_bytes(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return _mm_cvtsi64_si128((long long)v);
}

INLINE TGT512 void rows_q4_K_512_nx(int64_t n, const blk_q4_K *w, const blk_q8_K *x0, size_t stride,
                                   const int NX, float *out) {
    const __m512i low4 = _mm512_set1_epi8(15);
    __m512 acc[8];
    __m256 acc_min[8];
    for (int t = 0; t < NX; t++) { acc[t] = _mm512_setzero_ps(); acc_min[t] = _mm256_setzero_ps(); }
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], m[8];
        tk_kquant_scales_mins(w[i].scales, sc, m);
        __m512i q[4], s[4];
        for (int c = 0; c < 2; c++) {
            /* 64 bytes = chunks 2c and 2c+1: low nibbles are values 128c+0..31 and
             * 128c+64..95, high nibbles 128c+32..63 and 128c+96..127. */
            __m512i raw = _mm512_loadu_si512((const void *)(w[i].qs + 64 * c));
            __m512i lo = _mm512_and_si512(raw, low4);
            __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low4);
            q[2 * c] = _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(1, 0, 1, 0));
            q[2 * c + 1] = _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(3, 2, 3, 2));
        }
        __m512i sc16 = _mm512_zextsi256_si512(_mm256_cvtepu8_epi16(load_8_bytes(sc)));
        for (int k = 0; k < 4; k++)
            s[k] = _mm512_permutexvar_epi16(_mm512_loadu_si512((const void *)kquant_scale_words[k]), sc16);
        /* each min twice as int16, to pair with the two bsums of its sub-block */
        __m128i m8 = load_8_bytes(m);
        __m256i m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
        float d = h2f(w[i].d), dmin = h2f(w[i].dmin);
        for (int t = 0; t < NX; t++) {
            const blk_q8_K *xb = (const blk_q8_K *)((const char *)x0 + t * stride) + i;
            __m512i isum = _mm512_setzero_si512();
            for (int k = 0; k < 4; k++) {
                __m512i p = _mm512_maddubs_epi16(q[k], _mm512_loadu_si512((const void *)(xb->qs + 64 * k)));
                isum = _mm512_dpwssd_epi32(isum, p, s[k]);
            }
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * xb->d), acc[t]);
            __m256i mins = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)xb->bsums), m16);
            acc_min[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_set1_ps(dmin * xb->d), acc_min[t]);
        }
    }
    for (int t = 0; t < NX; t++)
        out[t] = _mm512_reduce_add_ps(_mm512_add_ps(acc[t], _mm512_zextps256_ps512(acc_min[t])));
}

/* Q6_K: unsigned q (0..63), value q-32; the -32 becomes 32 * sum_g sc_g * bsums_g. */
INLINE TGT512 void rows_q6_K_512_nx(int64_t n, const blk_q6_K *w, const blk_q8_K *x0, size_t stride,
                                   const int NX, float *out) {
    const __m512i low4 = _mm512_set1_epi8(15), two_bits = _mm512_set1_epi8(3);
    /* per-256-bit-half shift counts of qh: q1|q2 use bits 0-1|2-3, q3|q4 bits 4-5|6-7 */
    const __m512i shift_a = pair_i16(0, 2), shift_b = pair_i16(4, 6);
    __m512 acc[8];
    for (int t = 0; t < NX; t++) acc[t] = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w[i].scales));
        __m512i sc512 = _mm512_zextsi256_si512(sc16);
        __m512i q[4], s[4];
        for (int h = 0; h < 2; h++) {
            __m512i L = _mm512_loadu_si512((const void *)(w[i].ql + 64 * h));
            __m512i H = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(w[i].qh + 32 * h)));
            __m512i ha = _mm512_and_si512(_mm512_srlv_epi16(H, shift_a), two_bits);
            __m512i hb = _mm512_and_si512(_mm512_srlv_epi16(H, shift_b), two_bits);
            /* values 128h+0..63 and 128h+64..127, natural order */
            q[2 * h] = _mm512_or_si512(_mm512_and_si512(L, low4), _mm512_slli_epi16(ha, 4));
            q[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(L, 4), low4), _mm512_slli_epi16(hb, 4));
            for (int k = 0; k < 2; k++) {
                /* int16 lanes 8g..8g+7 of this zmm hold products of sub-block 8h+4k+g */
                int base = 8 * h + 4 * k;
                __m512i idx = _mm512_inserti64x4(
                    _mm512_castsi256_si512(_mm256_setr_m128i(_mm_set1_epi16((short)base), _mm_set1_epi16((short)(base + 1)))),
                    _mm256_setr_m128i(_mm_set1_epi16((short)(base + 2)), _mm_set1_epi16((short)(base + 3))), 1);
                s[2 * h + k] = _mm512_permutexvar_epi16(idx, sc512);
            }
        }
        float d = h2f(w[i].d);
        for (int t = 0; t < NX; t++) {
            const blk_q8_K *xb = (const blk_q8_K *)((const char *)x0 + t * stride) + i;
            __m512i isum = _mm512_setzero_si512();
            for (int k = 0; k < 4; k++) {
                __m512i p = _mm512_maddubs_epi16(q[k], _mm512_loadu_si512((const void *)(xb->qs + 64 * k)));
                isum = _mm512_dpwssd_epi32(isum, p, s[k]);
            }
            __m256i offset = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)xb->bsums), sc16);
            isum = _mm512_sub_epi32(isum, _mm512_zextsi256_si512(_mm256_slli_epi32(offset, 5)));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * xb->d), acc[t]);
        }
    }
    for (int t = 0; t < NX; t++) out[t] = _mm512_reduce_add_ps(acc[t]);
}

NX_DISPATCH(rows_q4_K_512, 8)
NX_DISPATCH(rows_q6_K_512, 8)

/* ================= repacked K-quants (x16) against Q8_K_X16 =================
 * See quant_blocks.h: per super-block, 4 vpdpbusd (unsigned quants x signed activations)
 * leave group g's integer dot product in 32-bit lane g, then one convert, one multiply and
 * one FMA per token apply the 16 group scales (Q4_K: one more FMA for the mins): about half
 * the instructions of the natural-order kernels above (no int16 stage, the scales applied
 * per group instead of per 32-value product). vpdpbusd, vpmulld, the converts and the float
 * multiplies share two pipes on this CPU (measured), so every one of them counts. */

/* The group dot products of quants q with one token's super-block: the 4 vpdpbusd leave
 * group g's integer dot product in lane g. */
INLINE TGT512 __m512i x16_group_dots(const __m512i q[4], const blk_q8_K_x16 *xb) {
    __m512i s = _mm512_setzero_si512();
    for (int k = 0; k < 4; k++) s = _mm512_dpbusd_epi32(s, q[k], _mm512_loadu_si512((const void *)(xb->qs + 64 * k)));
    return s;
}

/* The 8 bytes at p, each twice, as 16 int32 lanes. */
INLINE TGT512 __m512i pairs_i32(const uint8_t *p) {
    __m128i v = _mm_shuffle_epi8(load_8_bytes(p), _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
    return _mm512_cvtepu8_epi32(v);
}

INLINE TGT512 void rows_q4_K_x16_512_nx(int64_t n, const blk_q4_K_x16 *w, const blk_q8_K_x16 *x0, size_t stride,
                                       const int NX, float *lanes, int flags, float *out) {
    const __m512i low4 = _mm512_set1_epi8(15);
    __m512 acc[8];
    for (int t = 0; t < NX; t++) acc[t] = lanes_start(lanes, flags, t);
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m512i l0 = _mm512_loadu_si512((const void *)w[i].qs), l1 = _mm512_loadu_si512((const void *)(w[i].qs + 64));
        __m512i q[4] = {_mm512_and_si512(l0, low4), _mm512_and_si512(_mm512_srli_epi16(l0, 4), low4),
                        _mm512_and_si512(l1, low4), _mm512_and_si512(_mm512_srli_epi16(l1, 4), low4)};
        /* per group: sc * d and m * dmin (exact), once per super-block for all NX tokens */
        const __m512 scd = _mm512_mul_ps(_mm512_cvtepi32_ps(pairs_i32(w[i].sc)), _mm512_set1_ps(h2f(w[i].d)));
        const __m512 mdmin = _mm512_mul_ps(_mm512_cvtepi32_ps(pairs_i32(w[i].m)), _mm512_set1_ps(h2f(w[i].dmin)));
        for (int t = 0; t < NX; t++) {
            const blk_q8_K_x16 *xb = (const blk_q8_K_x16 *)((const char *)x0 + t * stride) + i;
            /* 4 vpdpbusd, then 4 more multiply-pipe operations a token (vpmulld would add 2) */
            __m512 dots = _mm512_cvtepi32_ps(x16_group_dots(q, xb));
            acc[t] = _mm512_fmadd_ps(dots, _mm512_mul_ps(scd, _mm512_set1_ps(xb->d)), acc[t]);
            acc[t] = _mm512_fnmadd_ps(mdmin, _mm512_loadu_ps(xb->dbs), acc[t]);
        }
    }
    for (int t = 0; t < NX; t++) lanes_finish(acc[t], lanes, flags, t, out);
}

INLINE TGT512 void rows_q6_K_x16_512_nx(int64_t n, const blk_q6_K_x16 *w, const blk_q8_K_x16 *x0, size_t stride,
                                       const int NX, float *lanes, int flags, float *out) {
    const __m512i low4 = _mm512_set1_epi8(15), bits45 = _mm512_set1_epi8(0x30);
    __m512 acc[8];
    for (int t = 0; t < NX; t++) acc[t] = lanes_start(lanes, flags, t);
    for (int64_t i = 0; i < n / QK_K; i++) {
        __m512i l0 = _mm512_loadu_si512((const void *)w[i].ql), l1 = _mm512_loadu_si512((const void *)(w[i].ql + 64));
        __m512i h = _mm512_loadu_si512((const void *)w[i].qh);
        /* chunk k's two high bits sit at bits 2k..2k+1 of each qh byte: move them to 4..5 */
        __m512i q[4] = {
            _mm512_or_si512(_mm512_and_si512(l0, low4), _mm512_and_si512(_mm512_slli_epi16(h, 4), bits45)),
            _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l0, 4), low4), _mm512_and_si512(_mm512_slli_epi16(h, 2), bits45)),
            _mm512_or_si512(_mm512_and_si512(l1, low4), _mm512_and_si512(h, bits45)),
            _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l1, 4), low4), _mm512_and_si512(_mm512_srli_epi16(h, 2), bits45))};
        /* per group: sc * d (exact), once per super-block for all NX tokens */
        const __m512 scd = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)w[i].sc))),
                                         _mm512_set1_ps(h2f(w[i].d)));
        for (int t = 0; t < NX; t++) {
            const blk_q8_K_x16 *xb = (const blk_q8_K_x16 *)((const char *)x0 + t * stride) + i;
            /* quants are q + 32: subtract 32 * (group sum of x), exactly, before the scale */
            __m512i s = _mm512_sub_epi32(x16_group_dots(q, xb), _mm512_slli_epi32(_mm512_loadu_si512((const void *)xb->bs), 5));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(scd, _mm512_set1_ps(xb->d)), acc[t]);
        }
    }
    for (int t = 0; t < NX; t++) lanes_finish(acc[t], lanes, flags, t, out);
}

/* Repacked *_0 types (quant_blocks.h): per set of r <= 16 blocks, 8 vpdpbusd from the
 * activations' init leave block j's integer dot product in lane j; then one convert, one
 * multiply (dw * dx) and one FMA per token. Chunks of a short set are 4r bytes: masked loads. */
#define X16_BLOCKS_KERNEL(name, BLOCK_BYTES, DECODE)                                            \
    INLINE TGT512 void name##_nx(int64_t n, const uint8_t *w, const blk_x8_x16 *x0, size_t stride,  \
                                 const int NX, float *lanes, int flags, float *out) {          \
        const int64_t nb = n / QK;                                                             \
        __m512 acc[8];                                                                         \
        for (int t = 0; t < NX; t++) acc[t] = lanes_start(lanes, flags, t);                    \
        for (int64_t s = 0; s < tk_x16_sets(nb); s++) {                                        \
            const int r = (int)(nb - 16 * s < 16 ? nb - 16 * s : 16);                          \
            const __mmask64 bytes = r == 16 ? ~(__mmask64)0 : (((__mmask64)1 << (4 * r)) - 1);   \
            __m512 dw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16((__mmask16)((1u << r) - 1), w)); \
            __m512i q[8];                                                                      \
            DECODE(w + 2 * r, r, bytes, q);                                                    \
            for (int t = 0; t < NX; t++) {                                                     \
                const blk_x8_x16 *xb = (const blk_x8_x16 *)((const char *)x0 + t * stride) + s; \
                __m512i acc_i = _mm512_loadu_si512((const void *)xb->init);                    \
                for (int k = 0; k < 8; k++)                                                    \
                    acc_i = _mm512_dpbusd_epi32(acc_i, q[k], _mm512_loadu_si512((const void *)xb->qs[k])); \
                acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc_i), _mm512_mul_ps(dw, _mm512_loadu_ps(xb->d)), acc[t]); \
            }                                                                                  \
            w += BLOCK_BYTES * r;                                                              \
        }                                                                                      \
        for (int t = 0; t < NX; t++) lanes_finish(acc[t], lanes, flags, t, out);               \
    }                                                                                          \
    NX_DISPATCH_LANES(name, 8)

/* Q8_0_X16: 8 chunks of 4r unsigned bytes. */
INLINE TGT512 void decode_q8_0_x16(const uint8_t *qs, int r, __mmask64 bytes, __m512i q[8]) {
    for (int k = 0; k < 8; k++) q[k] = _mm512_maskz_loadu_epi8(bytes, qs + 4 * r * k);
}

/* Q5_0_X16: 4r bytes of fifth bits per chunk (bit offset 4r*k), then 4 nibble-pair chunks. */
INLINE TGT512 void decode_q5_0_x16(const uint8_t *qh, int r, __mmask64 bytes, __m512i q[8]) {
    const __m512i low4 = _mm512_set1_epi8(15), sixteen = _mm512_set1_epi8(16);
    const uint8_t *qs = qh + 4 * r;
    for (int m = 0; m < 4; m++) {
        __m512i pair = _mm512_maskz_loadu_epi8(bytes, qs + 4 * r * m);
        q[2 * m] = _mm512_and_si512(pair, low4);
        q[2 * m + 1] = _mm512_and_si512(_mm512_srli_epi16(pair, 4), low4);
    }
    for (int k = 0; k < 8; k++) {
        int bit = 4 * r * k;
        uint64_t high;
        memcpy(&high, qh + bit / 8, 8); /* may read past the row: see TK_REPACK_PADDING */
        high = (high >> (bit % 8)) & (uint64_t)bytes;
        q[k] = _mm512_mask_add_epi8(q[k], (__mmask64)high, q[k], sixteen);
    }
}

X16_BLOCKS_KERNEL(rows_q8_0_x16_512, 34, decode_q8_0_x16)
X16_BLOCKS_KERNEL(rows_q5_0_x16_512, 22, decode_q5_0_x16)

NX_DISPATCH_LANES(rows_q4_K_x16_512, 8)
NX_DISPATCH_LANES(rows_q6_K_x16_512, 8)

/* The sums of 16 rows' accumulators at once, lane r = row r: a transposing tree of 15 adds
 * (and 31 shuffles) instead of 16 separate reductions of 8 operations each. It adds lane i to
 * lane i + 8, then i + 4, i + 2, i + 1, as _mm512_reduce_add_ps does, so each sum has the
 * same bits as the row's own reduction. */
INLINE TGT512 __m512 reduce_16_rows(const __m512 a[16]) {
    __m512 s[8], u[4], w[2];
    for (int j = 0; j < 8; j++) /* rows 2j | 2j+1: lanes i + i+8 */
        s[j] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * j], a[2 * j + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_f32x4(a[2 * j], a[2 * j + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    for (int k = 0; k < 4; k++) /* a row per 128-bit quarter: + i+4 */
        u[k] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * k], s[2 * k + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(s[2 * k], s[2 * k + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    for (int m = 0; m < 2; m++) /* two rows per quarter: + i+2 */
        w[m] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(u[2 * m]), _mm512_castps_pd(u[2 * m + 1]))),
                             _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(u[2 * m]), _mm512_castps_pd(u[2 * m + 1]))));
    /* four rows per quarter: + i+1; lane 4q + j then holds row 4j + q */
    __m512 x = _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), x);
}

TGT512 void tk_reduce_lanes_avx512(const float *lanes, int64_t row_stride, int n_rows, int nx, float *y, int64_t y_stride) {
    const __mmask16 store = n_rows >= 16 ? 0xffff : (__mmask16)((1u << n_rows) - 1);
    for (int t = 0; t < nx; t++) {
        __m512 a[16];
        for (int r = 0; r < 16; r++) a[r] = r < n_rows ? _mm512_loadu_ps(lanes + r * row_stride + 16 * t) : _mm512_setzero_ps();
        _mm512_mask_storeu_ps(y + t * y_stride, store, reduce_16_rows(a));
    }
}

tk_lanes_kernel tk_lanes_kernel_avx512(int type, bool vnni) {
    if (!vnni) return NULL;
    switch (type) {
    case TK_TYPE_Q5_0_X16: return rows_q5_0_x16_512_lanes;
    case TK_TYPE_Q8_0_X16: return rows_q8_0_x16_512_lanes;
    case TK_TYPE_Q4_K_X16: return rows_q4_K_x16_512_lanes;
    case TK_TYPE_Q6_K_X16: return rows_q6_K_x16_512_lanes;
    default: return NULL;
    }
}

tk_rows_kernel tk_rows_kernel_avx512(int type, bool vnni) {
    if (!vnni) return NULL; /* every kernel here is built on vpdpbusd */
    switch (type) {
    case TK_TYPE_Q5_0: return rows_q5_0_512;
    case TK_TYPE_Q4_0: return rows_q4_0_512;
    case TK_TYPE_Q8_0: return rows_q8_0_512;
    case TK_TYPE_Q4_K: return rows_q4_K_512;
    case TK_TYPE_Q6_K: return rows_q6_K_512;
    case TK_TYPE_Q5_0_X16: return rows_q5_0_x16_512;
    case TK_TYPE_Q8_0_X16: return rows_q8_0_x16_512;
    case TK_TYPE_Q4_K_X16: return rows_q4_K_x16_512;
    case TK_TYPE_Q6_K_X16: return rows_q6_K_x16_512;
    default: return NULL; /* Q5_K and float weights: the AVX2 kernels */
    }
}
