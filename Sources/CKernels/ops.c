/* Non-matmul transformer ops: see tk_ops.h. Plain loops written so -O3 vectorizes them;
 * they are a small share of the time next to the matmuls. */
#include "tk_ops.h"
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

/* out[i] = g[i] / (1 + e^-g[i]) * u[i] (out may be g), the exponentials a chunk at a time. */
static void silu_mul_into(float *out, const float *g, const float *u, int64_t n) {
    enum { CHUNK = 256 };
    float e[CHUNK];
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) {
        const int64_t len = n - i0 < CHUNK ? n - i0 : CHUNK;
        for (int64_t i = 0; i < len; i++) e[i] = -g[i0 + i];
        tk_exp_array(e, e, len);
        for (int64_t i = 0; i < len; i++) out[i0 + i] = g[i0 + i] / (1.0f + e[i]) * u[i0 + i];
    }
}

void tk_silu_mul(float *gate, const float *up, int64_t n) {
    silu_mul_into(gate, gate, up, n);
}

void tk_silu_mul_split(float *out, const float *gu, int64_t ffn, int64_t n_rows) {
    for (int64_t r = 0; r < n_rows; r++) silu_mul_into(out + r * ffn, gu + r * 2 * ffn, gu + r * 2 * ffn + ffn, ffn);
}

/* The SiLU passes split over the pool's threads: a 512-token prefill of the 0.5B model
 * computes 60 million exponentials here. Each element is computed
 * exactly as in the single-threaded loops. */
typedef struct { float *out; const float *a; const float *b; int64_t width, count; } silu_job;

static void silu_split_task(void *p, int ti, int nt) {
    const silu_job *j = p;
    const int64_t r0 = j->count * ti / nt, r1 = j->count * (ti + 1) / nt;
    tk_silu_mul_split(j->out + r0 * j->width, j->a + r0 * 2 * j->width, j->width, r1 - r0);
}

static void silu_task(void *p, int ti, int nt) {
    const silu_job *j = p;
    const int64_t i0 = j->count * ti / nt, i1 = j->count * (ti + 1) / nt;
    tk_silu_mul(j->out + i0, j->b + i0, i1 - i0);
}

void tk_silu_mul_split_pool(tk_pool *pool, float *out, const float *gu, int64_t ffn, int64_t n_rows) {
    silu_job job = { out, gu, NULL, ffn, n_rows };
    if (pool && tk_pool_threads(pool) > 1 && n_rows >= 4) tk_pool_run(pool, silu_split_task, &job);
    else tk_silu_mul_split(out, gu, ffn, n_rows);
}

void tk_silu_mul_pool(tk_pool *pool, float *gate, const float *up, int64_t n) {
    silu_job job = { gate, NULL, up, 0, n };
    if (pool && tk_pool_threads(pool) > 1 && n >= 16384) tk_pool_run(pool, silu_task, &job);
    else tk_silu_mul(gate, up, n);
}

void tk_copy_columns(float *dst, const float *src, int64_t n_rows, int64_t src_width, int64_t offset, int64_t width) {
    for (int64_t r = 0; r < n_rows; r++) memcpy(dst + r * width, src + r * src_width + offset, (size_t)width * sizeof(float));
}

float tk_softmax(float *x, int64_t n) {
    if (n <= 0) return 0;
    float max = x[0];
    for (int64_t i = 1; i < n; i++) if (x[i] > max) max = x[i];
    for (int64_t i = 0; i < n; i++) x[i] -= max;
    tk_exp_array(x, x, n);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += x[i];
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
    return (float)log(sum) + max;
}

double tk_log_sum_exp(const float *x, int64_t n) {
    if (n <= 0) return -INFINITY;
    float max = x[0];
    for (int64_t i = 1; i < n; i++) if (x[i] > max) max = x[i];
    if (!isfinite(max)) return (double)max;
    /* In double throughout (about 1 ms for 151,936 entries): log-probabilities are compared
     * with llama.cpp's to 1e-9 in tests. Four sums break the dependency chain. */
    const double m = max;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += exp((double)x[i] - m); s1 += exp((double)x[i + 1] - m);
        s2 += exp((double)x[i + 2] - m); s3 += exp((double)x[i + 3] - m);
    }
    for (; i < n; i++) s0 += exp((double)x[i] - m);
    return m + log(s0 + s1 + s2 + s3);
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


uint64_t tk_checksum64(const void *data, size_t n, uint64_t seed) {
    /* Four independent multiply-xorshift lanes over 8-byte words (several GB/s), folded
     * together with the tail and the length. Detects corruption; not a cryptographic hash. */
    const uint64_t k = 0x9E3779B97F4A7C15ull, m = 0xff51afd7ed558ccdull;
    uint64_t h[4] = {seed ^ k, seed + m, ~seed, seed * k + 1};
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int l = 0; l < 4; l++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * l, 8);
            h[l] = (h[l] ^ w) * m;
            h[l] ^= h[l] >> 29;
        }
    uint64_t r = (uint64_t)n * k;
    for (int l = 0; l < 4; l++) r = (r ^ h[l]) * m, r ^= r >> 32;
    for (; i < n; i++) r = (r ^ p[i]) * m, r ^= r >> 31;
    return r ^ (r >> 33);
}
