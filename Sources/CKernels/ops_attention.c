/* Causal grouped-query attention over the KV cache (see tk_ops.h).
 *
 * Keys are cached transposed (per KV head: head_dim rows of `capacity` positions), so the
 * scores of one query against all positions are head_dim passes of s[p] += q[i] * kt[i][p]:
 * independent lanes that vectorize without reassociating any sum. The softmax uses a
 * polynomial exp written in plain C so it vectorizes too; values are summed with
 * o[j] += w[p] * v[p][j]. The same C body is compiled for AVX-512, AVX2 and the baseline
 * (target attributes) and picked at run time; TK_LEVEL_SCALAR runs a reference twin that
 * uses libm's expf. Work is split over (token, head) pairs; each thread owns a score row. */
#include "tk_ops.h"
#include "tk_quant.h"
#include <math.h>
#include <string.h>

size_t tk_attention_scratch_floats(int n_threads, int64_t n_ctx) {
    return (size_t)(n_threads < 1 ? 1 : n_threads) * (size_t)(n_ctx < 1 ? 1 : n_ctx);
}

void tk_store_keys_transposed(float *kt, const float *k, int64_t n_tokens, int64_t start_pos,
                              int64_t n_kv_heads, int64_t head_dim, int64_t capacity) {
    const int64_t width = n_kv_heads * head_dim;
    for (int64_t t = 0; t < n_tokens; t++) {
        for (int64_t c = 0; c < width; c++) kt[c * capacity + start_pos + t] = k[t * width + c];
    }
}

typedef struct {
    float *out;
    const float *q, *kt, *v;
    int64_t n_tokens, start_pos, n_heads, n_kv_heads, head_dim, capacity;
    float *scratch;
    int64_t scratch_ctx;
} attention_job;

/* exp(x) for x <= 0 (scores minus their max): 2^n * p(r), r = x - n ln2 in [-ln2/2, ln2/2],
 * p a degree-6 Taylor polynomial (relative error ~2e-7). Plain C so loops over it vectorize. */
static inline float exp_nonpositive(float x) {
    x = x < -87.0f ? -87.0f : x;
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

/* The body shared by every compiled variant: query head h of token t. */
#define ATTEND_BODY(EXP)                                                                      \
    const int64_t hd = j->head_dim, cap = j->capacity;                                       \
    const int64_t kv_stride = j->n_kv_heads * hd;                                            \
    const int64_t kvh = h / (j->n_heads / j->n_kv_heads);                                    \
    const int64_t n = j->start_pos + t + 1;                                                  \
    const float *q = j->q + t * (j->n_heads * hd) + h * hd;                                  \
    const float *kt = j->kt + kvh * hd * cap;                                                \
    const float *v = j->v + kvh * hd;                                                        \
    const float scale = 1.0f / sqrtf((float)hd);                                             \
    for (int64_t p = 0; p < n; p++) s[p] = 0;                                                \
    for (int64_t i = 0; i < hd; i++) {                                                       \
        const float qi = q[i] * scale;                                                       \
        const float *row = kt + i * cap;                                                     \
        for (int64_t p = 0; p < n; p++) s[p] += qi * row[p];                                 \
    }                                                                                        \
    /* Max and sum in 16 independent lanes (vectorizable without reassociation flags;   \
     * the lanes are combined at the end, a fixed order, so results are deterministic). */ \
    float lane[16];                                                                          \
    for (int l = 0; l < 16; l++) lane[l] = -INFINITY;                                        \
    int64_t p16 = n & ~(int64_t)15;                                                          \
    for (int64_t p = 0; p < p16; p += 16)                                                    \
        for (int l = 0; l < 16; l++) lane[l] = s[p + l] > lane[l] ? s[p + l] : lane[l];      \
    float max = -INFINITY;                                                                   \
    for (int l = 0; l < 16; l++) max = lane[l] > max ? lane[l] : max;                        \
    for (int64_t p = p16; p < n; p++) max = s[p] > max ? s[p] : max;                         \
    for (int64_t p = 0; p < n; p++) s[p] = EXP(s[p] - max);                                  \
    for (int l = 0; l < 16; l++) lane[l] = 0;                                                \
    for (int64_t p = 0; p < p16; p += 16)                                                    \
        for (int l = 0; l < 16; l++) lane[l] += s[p + l];                                    \
    float sum = 0;                                                                           \
    for (int l = 0; l < 16; l++) sum += lane[l];                                             \
    for (int64_t p = p16; p < n; p++) sum += s[p];                                           \
    const float inv = 1.0f / sum;                                                            \
    float *o = j->out + t * (j->n_heads * hd) + h * hd;                                      \
    for (int64_t i = 0; i < hd; i++) o[i] = 0;                                               \
    for (int64_t p = 0; p < n; p++) {                                                        \
        const float w = s[p] * inv;                                                          \
        const float *vp = v + p * kv_stride;                                                 \
        for (int64_t i = 0; i < hd; i++) o[i] += w * vp[i];                                  \
    }

static void attend_reference(const attention_job *j, int64_t t, int64_t h, float *s) { ATTEND_BODY(expf) }
static void attend_baseline(const attention_job *j, int64_t t, int64_t h, float *s) { ATTEND_BODY(exp_nonpositive) }
#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void attend_avx2(const attention_job *j, int64_t t, int64_t h, float *s) { ATTEND_BODY(exp_nonpositive) }
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))
static void attend_avx512(const attention_job *j, int64_t t, int64_t h, float *s) { ATTEND_BODY(exp_nonpositive) }
#endif

typedef void (*attend_fn)(const attention_job *, int64_t, int64_t, float *);

typedef struct {
    attention_job job;
    attend_fn attend;
} attention_task;

static void attention_worker(void *ctx, int thread_index, int n_threads) {
    const attention_task *task = (const attention_task *)ctx;
    const attention_job *j = &task->job;
    float *scores = j->scratch + (int64_t)thread_index * j->scratch_ctx;
    const int64_t total = j->n_tokens * j->n_heads;
    /* Interleaved split: later tokens see more positions, so striding balances the load. */
    for (int64_t w = thread_index; w < total; w += n_threads) {
        task->attend(j, w / j->n_heads, w % j->n_heads, scores);
    }
}

void tk_attention(tk_pool *pool, float *out, const float *q, const float *kt, const float *v,
                  int64_t n_tokens, int64_t start_pos, int64_t n_heads, int64_t n_kv_heads,
                  int64_t head_dim, int64_t capacity, float *scratch, int64_t scratch_ctx) {
    attention_task task = { { out, q, kt, v, n_tokens, start_pos, n_heads, n_kv_heads, head_dim, capacity,
                              scratch, scratch_ctx }, attend_baseline };
    const int level = tk_kernel_level();
    if (level == TK_LEVEL_SCALAR) task.attend = attend_reference;
#if defined(__x86_64__)
    else if (level >= TK_LEVEL_AVX512) task.attend = attend_avx512;
    else if (level >= TK_LEVEL_AVX2) task.attend = attend_avx2;
#endif
    const int64_t total = n_tokens * n_heads;
    /* Small jobs are not worth waking the workers for. */
    if (pool && tk_pool_threads(pool) > 1 && total * (start_pos + n_tokens) * head_dim >= 65536) {
        tk_pool_run(pool, attention_worker, &task);
    } else {
        attention_worker(&task, 0, 1);
    }
}
