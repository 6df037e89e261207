/* Non-matmul transformer ops: see tk_ops.h. Plain loops written so -O3 vectorizes them;
 * they are a small share of the time next to the matmuls. */
#include "tk_ops.h"
#include "tk_quant.h"
#include <math.h>
#include <string.h>

void tk_rmsnorm(float *y, const float *x, const float *w, int64_t n, int64_t n_rows, float eps) {
    for (int64_t r = 0; r < n_rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        /* Accumulate in double: 896-4096 squares summed in float lose digits we can keep. */
        double ss = 0;
        for (int64_t i = 0; i < n; i++) ss += (double)xr[i] * xr[i];
        const float scale = (float)(1.0 / sqrt(ss / (double)n + (double)eps));
        for (int64_t i = 0; i < n; i++) yr[i] = xr[i] * scale * w[i];
    }
}

void tk_add_bias(float *x, const float *b, int64_t n, int64_t n_rows) {
    for (int64_t r = 0; r < n_rows; r++) {
        float *xr = x + r * n;
        for (int64_t i = 0; i < n; i++) xr[i] += b[i];
    }
}

void tk_add(float *x, const float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] += y[i];
}

/* exp(x) for the SiLU: 2^n * p(r) with a degree-6 polynomial (relative error ~2e-7), x
 * clamped to [-87, 88] (beyond that silu is 0 or g to float precision). Plain C so the loops
 * below vectorize; compiled per ISA and chosen by tk_kernel_level(), expf at TK_LEVEL_SCALAR. */
static inline float exp_clamped(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    const float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* out[r][i] = silu(g[r][i]) * u[r][i] for rows with the given strides. */
#define SILU_BODY(EXP)                                                                   \
    for (int64_t r = 0; r < n_rows; r++) {                                              \
        const float *g = gate + r * g_stride, *u = up + r * u_stride;                   \
        float *o = out + r * n;                                                         \
        for (int64_t i = 0; i < n; i++) o[i] = g[i] / (1.0f + EXP(-g[i])) * u[i];        \
    }
#define SILU_ARGS float *out, const float *gate, const float *up, int64_t n, int64_t n_rows, int64_t g_stride, int64_t u_stride
static void silu_reference(SILU_ARGS) { SILU_BODY(expf) }
static void silu_baseline(SILU_ARGS) { SILU_BODY(exp_clamped) }
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void silu_avx2(SILU_ARGS) { SILU_BODY(exp_clamped) }
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))) static void silu_avx512(SILU_ARGS) { SILU_BODY(exp_clamped) }
#endif

static void silu_dispatch(SILU_ARGS) {
    const int level = tk_kernel_level();
    if (level == TK_LEVEL_SCALAR) { silu_reference(out, gate, up, n, n_rows, g_stride, u_stride); return; }
#if defined(__x86_64__)
    if (level >= TK_LEVEL_AVX512) { silu_avx512(out, gate, up, n, n_rows, g_stride, u_stride); return; }
    if (level >= TK_LEVEL_AVX2) { silu_avx2(out, gate, up, n, n_rows, g_stride, u_stride); return; }
#endif
    silu_baseline(out, gate, up, n, n_rows, g_stride, u_stride);
}

void tk_silu_mul(float *gate, const float *up, int64_t n) {
    silu_dispatch(gate, gate, up, n, 1, n, n);
}

void tk_silu_mul_split(float *out, const float *gu, int64_t ffn, int64_t n_rows) {
    silu_dispatch(out, gu, gu + ffn, ffn, n_rows, 2 * ffn, 2 * ffn);
}

void tk_copy_columns(float *dst, const float *src, int64_t n_rows, int64_t src_width, int64_t offset, int64_t width) {
    for (int64_t r = 0; r < n_rows; r++) memcpy(dst + r * width, src + r * src_width + offset, (size_t)width * sizeof(float));
}

float tk_softmax(float *x, int64_t n) {
    if (n <= 0) return 0;
    float max = x[0];
    for (int64_t i = 1; i < n; i++) if (x[i] > max) max = x[i];
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        const float e = expf(x[i] - max);
        x[i] = e;
        sum += e;
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
    return (float)log(sum) + max;
}

void tk_rope_tables(float *cos_out, float *sin_out, const int32_t *positions, int64_t n_tokens,
                    int64_t head_dim, float freq_base) {
    const int64_t half = head_dim / 2;
    for (int64_t t = 0; t < n_tokens; t++) {
        const double pos = (double)positions[t];
        for (int64_t i = 0; i < half; i++) {
            /* Angles in double: positions reach tens of thousands, where a float product
             * would be off by ~1e-3 rad. */
            const double inv_freq = pow((double)freq_base, -2.0 * (double)i / (double)head_dim);
            const double a = pos * inv_freq;
            cos_out[t * half + i] = (float)cos(a);
            sin_out[t * half + i] = (float)sin(a);
        }
    }
}

void tk_rope_neox(float *x, int64_t n_tokens, int64_t row_stride, int64_t n_heads, int64_t head_dim,
                  const float *cos_tab, const float *sin_tab) {
    const int64_t half = head_dim / 2;
    for (int64_t t = 0; t < n_tokens; t++) {
        const float *c = cos_tab + t * half;
        const float *s = sin_tab + t * half;
        for (int64_t h = 0; h < n_heads; h++) {
            float *a = x + t * row_stride + h * head_dim;
            float *b = a + half;
            for (int64_t i = 0; i < half; i++) {
                const float x0 = a[i], x1 = b[i];
                a[i] = x0 * c[i] - x1 * s[i];
                b[i] = x0 * s[i] + x1 * c[i];
            }
        }
    }
}

void tk_rope_norm(float *x, int64_t n_tokens, int64_t row_stride, int64_t n_heads, int64_t head_dim,
                  const float *cos_tab, const float *sin_tab) {
    const int64_t half = head_dim / 2;
    for (int64_t t = 0; t < n_tokens; t++) {
        const float *c = cos_tab + t * half;
        const float *s = sin_tab + t * half;
        for (int64_t h = 0; h < n_heads; h++) {
            float *a = x + t * row_stride + h * head_dim;
            for (int64_t i = 0; i < half; i++) {
                const float x0 = a[2 * i], x1 = a[2 * i + 1];
                a[2 * i] = x0 * c[i] - x1 * s[i];
                a[2 * i + 1] = x0 * s[i] + x1 * c[i];
            }
        }
    }
}

