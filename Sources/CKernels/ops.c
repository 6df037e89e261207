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

void tk_silu_mul(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
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

/* ---- attention ---- */

size_t tk_attention_scratch_floats(int n_threads, int64_t n_ctx) {
    return (size_t)(n_threads < 1 ? 1 : n_threads) * (size_t)n_ctx;
}

typedef struct {
    float *out;
    const float *q, *k, *v;
    int64_t n_tokens, start_pos, n_heads, n_kv_heads, head_dim;
    float *scratch;
    int64_t scratch_ctx;
} attention_job;

/* One query head of one token: scores over all visible positions, softmax, weighted sum. */
static void attend_one(const attention_job *j, int64_t t, int64_t h, float *scores) {
    const int64_t hd = j->head_dim;
    const int64_t kv_stride = j->n_kv_heads * hd;
    const int64_t kvh = h / (j->n_heads / j->n_kv_heads);
    const int64_t n_visible = j->start_pos + t + 1;
    const float *q = j->q + t * (j->n_heads * hd) + h * hd;
    const float *k = j->k + kvh * hd;
    const float *v = j->v + kvh * hd;
    const float scale = 1.0f / sqrtf((float)hd);

    float max = -INFINITY;
    for (int64_t p = 0; p < n_visible; p++) {
        const float *kp = k + p * kv_stride;
        float dot = 0;
        for (int64_t i = 0; i < hd; i++) dot += q[i] * kp[i];
        dot *= scale;
        scores[p] = dot;
        if (dot > max) max = dot;
    }
    float sum = 0;
    for (int64_t p = 0; p < n_visible; p++) {
        const float e = expf(scores[p] - max);
        scores[p] = e;
        sum += e;
    }
    const float inv = 1.0f / sum;
    float *o = j->out + t * (j->n_heads * hd) + h * hd;
    for (int64_t i = 0; i < hd; i++) o[i] = 0;
    for (int64_t p = 0; p < n_visible; p++) {
        const float w = scores[p] * inv;
        const float *vp = v + p * kv_stride;
        for (int64_t i = 0; i < hd; i++) o[i] += w * vp[i];
    }
}

static void attention_worker(void *ctx, int thread_index, int n_threads) {
    const attention_job *j = (const attention_job *)ctx;
    float *scores = j->scratch + (int64_t)thread_index * j->scratch_ctx;
    const int64_t total = j->n_tokens * j->n_heads;
    /* Interleaved split: later tokens see more positions, so striding balances the load. */
    for (int64_t w = thread_index; w < total; w += n_threads) {
        attend_one(j, w / j->n_heads, w % j->n_heads, scores);
    }
}

void tk_attention(tk_pool *pool, float *out, const float *q, const float *k, const float *v,
                  int64_t n_tokens, int64_t start_pos, int64_t n_heads, int64_t n_kv_heads,
                  int64_t head_dim, float *scratch, int64_t scratch_ctx) {
    attention_job j = { out, q, k, v, n_tokens, start_pos, n_heads, n_kv_heads, head_dim, scratch, scratch_ctx };
    const int64_t total = n_tokens * n_heads;
    if (pool && tk_pool_threads(pool) > 1 && total * (start_pos + n_tokens) >= 4096) {
        tk_pool_run(pool, attention_worker, &j);
    } else {
        attention_worker(&j, 0, 1);
    }
}
