/* Causal grouped-query attention over the KV cache (see tk_ops.h).
 *
 * The inner loops (q . k over head_dim, o += w * v) have a scalar reference and AVX2 /
 * AVX-512 versions chosen at run time from tk_kernel_level(), like the matmul kernels.
 * Work is split over (token, head) pairs; each thread has its own row of scores. */
#include "tk_ops.h"
#include "tk_quant.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

size_t tk_attention_scratch_floats(int n_threads, int64_t n_ctx) {
    return (size_t)(n_threads < 1 ? 1 : n_threads) * (size_t)n_ctx;
}

/* ---- scalar reference ---- */

static float dot_scalar(const float *a, const float *b, int64_t n) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void axpy_scalar(float *y, float w, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += w * x[i];
}

#if defined(__x86_64__)
/* ---- AVX2 + FMA (n a multiple of 8 on the fast path; a scalar tail otherwise) ---- */

__attribute__((target("avx2,fma")))
static float dot_avx2(const float *a, const float *b, int64_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    __m256 acc = _mm256_add_ps(acc0, acc1);
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    float s = _mm_cvtss_f32(lo);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

__attribute__((target("avx2,fma")))
static void axpy_avx2(float *y, float w, const float *x, int64_t n) {
    const __m256 vw = _mm256_set1_ps(w);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vw, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += w * x[i];
}

/* ---- AVX-512 ---- */

__attribute__((target("avx512f")))
static float dot_avx512(const float *a, const float *b, int64_t n) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    }
    for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    float s = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

__attribute__((target("avx512f")))
static void axpy_avx512(float *y, float w, const float *x, int64_t n) {
    const __m512 vw = _mm512_set1_ps(w);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(vw, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += w * x[i];
}
#endif

typedef float (*dot_fn)(const float *, const float *, int64_t);
typedef void (*axpy_fn)(float *, float, const float *, int64_t);

typedef struct {
    float *out;
    const float *q, *k, *v;
    int64_t n_tokens, start_pos, n_heads, n_kv_heads, head_dim;
    float *scratch;
    int64_t scratch_ctx;
    dot_fn dot;
    axpy_fn axpy;
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
        const float s = j->dot(q, k + p * kv_stride, hd) * scale;
        scores[p] = s;
        if (s > max) max = s;
    }
    float sum = 0;
    for (int64_t p = 0; p < n_visible; p++) {
        const float e = expf(scores[p] - max);
        scores[p] = e;
        sum += e;
    }
    const float inv = 1.0f / sum;
    float *o = j->out + t * (j->n_heads * hd) + h * hd;
    memset(o, 0, (size_t)hd * sizeof(float));
    for (int64_t p = 0; p < n_visible; p++) j->axpy(o, scores[p] * inv, v + p * kv_stride, hd);
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
    attention_job j = { out, q, k, v, n_tokens, start_pos, n_heads, n_kv_heads, head_dim, scratch, scratch_ctx,
                        dot_scalar, axpy_scalar };
#if defined(__x86_64__)
    const int level = tk_kernel_level();
    if (level >= TK_LEVEL_AVX512) { j.dot = dot_avx512; j.axpy = axpy_avx512; }
    else if (level >= TK_LEVEL_AVX2) { j.dot = dot_avx2; j.axpy = axpy_avx2; }
#endif
    const int64_t total = n_tokens * n_heads;
    /* Small jobs are not worth waking the workers for. */
    if (pool && tk_pool_threads(pool) > 1 && total * (start_pos + n_tokens) * head_dim >= 65536) {
        tk_pool_run(pool, attention_worker, &j);
    } else {
        attention_worker(&j, 0, 1);
    }
}
