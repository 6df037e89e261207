/* e^x for arrays of floats (the SiLU, the attention softmax and the sampler's softmax).
 *
 * libm's expf costs ~4.7 ns a call on this CPU and does not vectorize: the SiLU of a
 * 512-token prefill of the 0.5B model is 60 million of them. Here each value is computed in
 * double precision and rounded once to float:
 *     x = k ln2 + r, k = nearest integer to x / ln2, |r| <= ln2 / 2 (Cody-Waite, two parts)
 *     e^r = Taylor series to degree 12 (truncation < 2e-16 relative), Horner with FMA
 *     e^x = e^r * 2^k (exact)
 * about 5e-16 relative before the rounding, so the float is the correctly rounded e^x all
 * but never: it differs from glibc's expf (< 0.502 ulp) in ~0.04 % of values, by one ulp.
 * The scalar function is the reference twin (the AVX2 level runs it compiled with FMA): the
 * AVX-512 loop does the same operations in the same order (2^k from the exponent bits;
 * exact, as k stays within [-289, 289]), so every level gives the same bits. */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "quant_blocks.h"
#include "tk_ops.h"

#define LOG2E 1.4426950408889634
#define LN2_HI 0x1.62e42fefa3800p-1 /* ln 2 with its low bits zero: k * LN2_HI is exact */
#define LN2_LO 0x1.ef35793c76730p-45
/* Beyond +-200 the float result is 0 or inf either way; clamping keeps k small. */
#define EXP_CLAMP 200.0

static const double taylor[13] = {
    1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
    1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
};

/* Inlined into each caller, so the AVX2 loop compiles fma and nearbyint to single
 * instructions (~3 ns a value, libm's expf ~3.8). In the baseline build, for CPUs without
 * AVX2 and as the tests' reference, they are library calls: ~35 ns a value. */
static inline __attribute__((always_inline)) float exp_one(float xf) {
    double x = xf;
    if (x != x) return xf; /* NaN */
    x = x < -EXP_CLAMP ? -EXP_CLAMP : x > EXP_CLAMP ? EXP_CLAMP : x;
    const double k = nearbyint(x * LOG2E);
    double r = fma(-k, LN2_HI, x);
    r = fma(-k, LN2_LO, r);
    double p = taylor[12];
    for (int i = 11; i >= 0; i--) p = fma(p, r, taylor[i]);
    const uint64_t bits = (uint64_t)((int64_t)k + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return (float)(p * scale);
}

float tk_expf(float x) { return exp_one(x); }

static __attribute__((target("avx2,fma"))) void exp_avx2(const float *x, float *e, int64_t n) {
    for (int64_t i = 0; i < n; i++) e[i] = exp_one(x[i]);
}

#define TGT512 __attribute__((target("avx512f,avx512vl,avx2,fma")))

/* 8 lanes of tk_expf. max/min return their second operand when either is NaN, so the order
 * of the operands keeps a NaN a NaN (and a NaN k gives a NaN through the rest). */
static inline TGT512 __m512d exp_pd_512(__m512d x) {
    x = _mm512_min_pd(_mm512_set1_pd(EXP_CLAMP), _mm512_max_pd(_mm512_set1_pd(-EXP_CLAMP), x));
    const __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(LN2_HI), x);
    r = _mm512_fnmadd_pd(k, _mm512_set1_pd(LN2_LO), r);
    __m512d p = _mm512_set1_pd(taylor[12]);
    for (int i = 11; i >= 0; i--) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(taylor[i]));
    const __m512i k64 = _mm512_cvtepi32_epi64(_mm512_cvtpd_epi32(k)); /* |k| <= 289 */
    const __m512i e = _mm512_slli_epi64(_mm512_add_epi64(k64, _mm512_set1_epi64(1023)), 52);
    return _mm512_mul_pd(p, _mm512_castsi512_pd(e));
}

static TGT512 void exp_avx512(const float *x, float *e, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) { /* two independent chains per iteration */
        const __m512d a = exp_pd_512(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)));
        const __m512d b = exp_pd_512(_mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8)));
        _mm256_storeu_ps(e + i, _mm512_cvtpd_ps(a));
        _mm256_storeu_ps(e + i + 8, _mm512_cvtpd_ps(b));
    }
    for (; i < n; i += 8) {
        const __mmask8 m = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1);
        const __m512d v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, x + i));
        _mm256_mask_storeu_ps(e + i, m, _mm512_cvtpd_ps(exp_pd_512(v)));
    }
}

void tk_exp_array(const float *x, float *e, int64_t n) {
    const int level = tk_dispatch_state() & 0xff;
    if (level >= TK_LEVEL_AVX512) exp_avx512(x, e, n);
    else if (level >= TK_LEVEL_AVX2) exp_avx2(x, e, n);
    else for (int64_t i = 0; i < n; i++) e[i] = tk_expf(x[i]);
}
