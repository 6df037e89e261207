/* Causal grouped-query attention over the KV cache (see tk_ops.h).
 *
 * The cache holds IEEE half floats (uint16_t bits, as llama.cpp's default F16 cache): half the
 * bytes streamed per position at long contexts, where attention reads every cached key and
 * value once per token. Each element is widened to float exactly when loaded (F16C's
 * vcvtph2ps; bit arithmetic in the baseline), and every sum is float, in the orders below.
 * The query and the softmax weights are rounded to halves before they meet the cache, as in
 * llama.cpp, whose products with an F16 cache convert their other operand to F16: against its
 * outputs on the default model this agrees on 499 of 501 teacher-forced top-1 tokens, the cache
 * alone (float query and weights) on 495, a float32 cache on 496 (GoldenTests).
 * Keys are cached transposed in blocks (per KV head and block of 64 positions: head_dim rows
 * of 64), so the scores of one query against a block are head_dim steps of
 * s[p] += q[i] * kt[i][p] in registers: independent lanes that vectorize without
 * reassociating any sum; values are summed with
 * o[j] += w[p] * v[p][j]. The same C body is compiled for AVX-512, AVX2 and the baseline
 * (target attributes) and picked at run time; the baseline build is the reference twin
 * (TK_LEVEL_SCALAR). The softmax's exponentials are tk_exp_array (correctly rounded, the
 * same bits at every level; libm's expf, called once per score, was a quarter of attention at
 * 2k-token prompts). With AVX-512, the query heads that share a KV head run together
 * (attend_group_avx512: the same sums, the same bits).
 * Work is split over (token, head) pairs, or (token, KV head) pairs when grouped; each thread
 * owns its score rows. */
#include "tk_ops.h"
#include "quant_blocks.h"
#include <math.h>
#include <string.h>

/* Cached element i of p as float (exact). The baseline build's reference twin: bit arithmetic
 * (aarch64's __fp16 where the compiler widens natively); the AVX2 and AVX-512 builds load
 * _Float16, which clang widens with vcvtph2ps (F16C, part of TK_LEVEL_AVX2). */
#if defined(__aarch64__)
#define HALF_BASELINE(p, i) ((float)((const __fp16 *)(p))[i])
#else
#define HALF_BASELINE(p, i) tk_half_bits_to_float((p)[i])
#endif
/* x rounded to the nearest half (ties to even), as float. */
#define ROUND_BASELINE(x) tk_fp16_to_f32(tk_f32_to_fp16(x))
#if defined(__x86_64__)
static inline float half_f16c(const uint16_t *p, int64_t i) {
    _Float16 h;
    memcpy(&h, p + i, 2); /* a load: no aliasing through a cast */
    return (float)h;
}
#define HALF_F16C(p, i) half_f16c(p, i)
#define ROUND_F16C(x) ((float)(_Float16)(x))
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* Query heads per KV head that the AVX-512 path scores together (larger groups: per head). */
#define MAX_GROUP 16

/* One thread's score rows: MAX_GROUP rows of n_ctx rounded up to a key block (the grouped
 * pass stores whole blocks of 64 scores). */
static int64_t score_row_floats(int64_t n_ctx) {
    return ((n_ctx < 1 ? 1 : n_ctx) + TK_KEY_BLOCK - 1) / TK_KEY_BLOCK * TK_KEY_BLOCK;
}

size_t tk_attention_scratch_floats(int n_threads, int64_t n_ctx) {
    return (size_t)(n_threads < 1 ? 1 : n_threads) * MAX_GROUP * (size_t)score_row_floats(n_ctx);
}

/* The key cache layout (tk_ops.h): per KV head, blocks of TK_KEY_BLOCK positions, each
 * block (head_dim, TK_KEY_BLOCK), so a block's scores read one contiguous 16 KB (head_dim
 * 64) instead of head_dim rows a whole cache row apart (those strided reads were most of the
 * score pass's time). */
static inline int64_t key_blocks(int64_t capacity) { return (capacity + TK_KEY_BLOCK - 1) / TK_KEY_BLOCK; }

/* Index of key (row = kv head * head_dim + i, position p). */
static inline int64_t key_index(int64_t row, int64_t p, int64_t head_dim, int64_t capacity) {
    const int64_t kvh = row / head_dim, i = row % head_dim;
    return ((kvh * key_blocks(capacity) + p / TK_KEY_BLOCK) * head_dim + i) * TK_KEY_BLOCK + p % TK_KEY_BLOCK;
}

int64_t tk_key_cache_elements(int64_t n_kv_heads, int64_t head_dim, int64_t capacity) {
    return n_kv_heads * head_dim * key_blocks(capacity) * TK_KEY_BLOCK;
}

void tk_store_keys_transposed(uint16_t *kt, const float *k, int64_t n_tokens, int64_t start_pos,
                              int64_t n_kv_heads, int64_t head_dim, int64_t capacity) {
    const int64_t width = n_kv_heads * head_dim;
    for (int64_t t = 0; t < n_tokens; t++) {
        for (int64_t c = 0; c < width; c++)
            kt[key_index(c, start_pos + t, head_dim, capacity)] = tk_f32_to_fp16(k[t * width + c]);
    }
}

void tk_store_values(uint16_t *v, const float *src, int64_t n_tokens, int64_t start_pos, int64_t width) {
    uint16_t *dst = v + start_pos * width;
    for (int64_t e = 0; e < n_tokens * width; e++) dst[e] = tk_f32_to_fp16(src[e]);
}

void tk_keys_read_row(const uint16_t *kt, int64_t row, int64_t n, int64_t head_dim, int64_t capacity, uint16_t *dst) {
    for (int64_t p = 0; p < n; p += TK_KEY_BLOCK) {
        const int64_t len = n - p < TK_KEY_BLOCK ? n - p : TK_KEY_BLOCK;
        memcpy(dst + p, kt + key_index(row, p, head_dim, capacity), (size_t)len * sizeof(uint16_t));
    }
}

void tk_keys_write_row(uint16_t *kt, int64_t row, int64_t n, int64_t head_dim, int64_t capacity, const uint16_t *src) {
    for (int64_t p = 0; p < n; p += TK_KEY_BLOCK) {
        const int64_t len = n - p < TK_KEY_BLOCK ? n - p : TK_KEY_BLOCK;
        memcpy(kt + key_index(row, p, head_dim, capacity), src + p, (size_t)len * sizeof(uint16_t));
    }
}

typedef struct {
    float *out;
    const float *q;
    const uint16_t *kt, *v;
    int64_t n_tokens, start_pos, n_heads, n_kv_heads, head_dim, capacity;
    float *scratch;
    int64_t scratch_ctx;
} attention_job;

/* Positions per register block of the score pass (4 zmm / 8 ymm of accumulators): one
 * key block. */
#define SCORE_BLOCK TK_KEY_BLOCK

/* s[p0 .. p0+LEN) = sum over i of qs[i] * kt[i][p] for LEN <= WIDTH positions inside one key
 * block, in WIDTH accumulators (registers when WIDTH and LEN are constants), i ascending. */
#define SCORE_SUMS(WIDTH, LEN, LOAD)                                                          \
    float acc[WIDTH];                                                                        \
    for (int l = 0; l < WIDTH; l++) acc[l] = 0;                                              \
    for (int64_t i = 0; i < hd; i++) {                                                       \
        const float qi = qs[i];                                                              \
        const uint16_t *row = kt + (p0 / TK_KEY_BLOCK * hd + i) * TK_KEY_BLOCK + p0 % TK_KEY_BLOCK; \
        for (int l = 0; l < (LEN); l++) acc[l] += qi * LOAD(row, l);                         \
    }                                                                                        \
    for (int l = 0; l < (LEN); l++) s[p0 + l] = acc[l];

/* o = sum over p of s[p] * v[p] (s: the weights), p ascending, for head size HD <= SIZE: with
 * a compile-time HD (64, 128) the HD sums stay in registers across the positions. */
#define ATTEND_VALUES(SIZE, HD, LOAD)                                                         \
    float oacc[SIZE];                                                                        \
    for (int i = 0; i < HD; i++) oacc[i] = 0;                                                \
    for (int64_t p = 0; p < n; p++) {                                                        \
        const float w = s[p];                                                                \
        const uint16_t *vp = v + p * kv_stride;                                              \
        for (int i = 0; i < HD; i++) oacc[i] += w * LOAD(vp, i);                             \
    }                                                                                        \
    for (int i = 0; i < HD; i++) o[i] = oacc[i];

/* s[p] = ROUND(e^(s[p] - max) * inv) (tk_exp_array) for p < n, in place, inv = 1 / the sum of
 * the exponentials: the weights, rounded to halves as llama.cpp's product of them with its F16
 * value cache does. Max and sum run in 16 independent lanes (vectorizable without
 * reassociation flags; the lanes are combined at the end, a fixed order, so results are
 * deterministic). */
#define SOFTMAX_INPLACE(s, n, ROUND)                                                       \
    {                                                                                        \
        float lane[16];                                                                      \
        for (int l = 0; l < 16; l++) lane[l] = -INFINITY;                                    \
        const int64_t p16 = (n) & ~(int64_t)15;                                              \
        for (int64_t p = 0; p < p16; p += 16)                                                \
            for (int l = 0; l < 16; l++) lane[l] = (s)[p + l] > lane[l] ? (s)[p + l] : lane[l]; \
        float max = -INFINITY;                                                               \
        for (int l = 0; l < 16; l++) max = lane[l] > max ? lane[l] : max;                    \
        for (int64_t p = p16; p < (n); p++) max = (s)[p] > max ? (s)[p] : max;               \
        for (int64_t p = 0; p < (n); p++) (s)[p] -= max;                                     \
        tk_exp_array((s), (s), (n));                                                         \
        for (int l = 0; l < 16; l++) lane[l] = 0;                                            \
        for (int64_t p = 0; p < p16; p += 16)                                                \
            for (int l = 0; l < 16; l++) lane[l] += (s)[p + l];                              \
        float sum = 0;                                                                       \
        for (int l = 0; l < 16; l++) sum += lane[l];                                         \
        for (int64_t p = p16; p < (n); p++) sum += (s)[p];                                   \
        const float inv = 1.0f / sum;                                                        \
        for (int64_t p = 0; p < (n); p++) (s)[p] = ROUND((s)[p] * inv);                      \
    }

/* The body shared by every compiled variant: query head h of token t.
 * Scores: for each block of positions, the sum over dimensions i of q[i] * kt[i][p] runs in
 * registers (i ascending, one FMA each, as `s[p] += q[i] * kt[i][p]` would), stored once.
 * Outputs: o[i] = sum over positions p of w[p] * v[p][i], p ascending, kept in registers for
 * the head sizes of the supported models (64, 128), in a local array for others. Either way every
 * sum runs in the fixed order above, so the result does not depend on the blocking. */
#define ATTEND_BODY(LOAD, ROUND)                                                         \
    const int64_t hd = j->head_dim, cap = j->capacity;                                       \
    const int64_t kv_stride = j->n_kv_heads * hd;                                            \
    const int64_t kvh = h / (j->n_heads / j->n_kv_heads);                                    \
    const int64_t n = j->start_pos + t + 1;                                                  \
    const float *q = j->q + t * (j->n_heads * hd) + h * hd;                                  \
    const uint16_t *kt = j->kt + kvh * key_blocks(cap) * hd * TK_KEY_BLOCK;                  \
    const uint16_t *v = j->v + kvh * hd;                                                     \
    const float scale = 1.0f / sqrtf((float)hd);                                             \
    float qs[TK_ATTENTION_MAX_HEAD_DIM];                                                     \
    for (int64_t i = 0; i < hd; i++) qs[i] = ROUND(q[i]) * scale;                            \
    int64_t p0 = 0;                                                                          \
    for (; p0 + SCORE_BLOCK <= n; p0 += SCORE_BLOCK) { SCORE_SUMS(SCORE_BLOCK, SCORE_BLOCK, LOAD) }   \
    for (; p0 < n; p0 += 16) {                                                               \
        const int len = n - p0 < 16 ? (int)(n - p0) : 16;                                    \
        SCORE_SUMS(16, len, LOAD)                                                            \
    }                                                                                        \
    SOFTMAX_INPLACE(s, n, ROUND)                                                             \
    float *o = j->out + t * (j->n_heads * hd) + h * hd;                                      \
    if (hd == 64) {                                                                          \
        ATTEND_VALUES(64, 64, LOAD)                                                          \
    } else if (hd == 128) {                                                                  \
        ATTEND_VALUES(128, 128, LOAD)                                                        \
    } else {                                                                                 \
        ATTEND_VALUES(TK_ATTENTION_MAX_HEAD_DIM, hd, LOAD)                                   \
    }

static void attend_baseline(const attention_job *j, int64_t t, int64_t h, float *s) { ATTEND_BODY(HALF_BASELINE, ROUND_BASELINE) }
#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c")))
static void attend_avx2(const attention_job *j, int64_t t, int64_t h, float *s) { ATTEND_BODY(HALF_F16C, ROUND_F16C) }
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
static void attend_avx512(const attention_job *j, int64_t t, int64_t h, float *s) { ATTEND_BODY(HALF_F16C, ROUND_F16C) }
#endif

/* AVX-512, the query heads that share a KV head together: each key and value vector loaded
 * once serves up to GROUP_TILE heads (from L2 at long contexts, where the per-head pass spent
 * its time waiting for the same 256 bytes per position once per head). Per head, every sum
 * is the per-head body's: scores s[p] = fma over i ascending of qs[i] * kt[i][p] from 0, the
 * same softmax and weights, o[i] = fma over p ascending of w[p] * v[p][i] from 0: the same bits
 * (a test compares it with the AVX2 build of the per-head body). Head sizes that are a multiple of
 * 16; the scores of a partial last block are computed whole (the cache is allocated in whole
 * blocks) and the lanes past the visible positions are never read. */
#define GROUP_TILE 6

#if defined(__x86_64__)
/* Sixteen cached halves from p, widened to floats (exact). */
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
static inline __m512 load_half16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

/* Scores of GS heads (queries qs + g * hd, already scaled) against positions [p0, p0 + 64)
 * of one KV head's transposed keys kt; row g of s at s + g * stride. */
#define DEFINE_SCORE_TILE(GS)                                                                  \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))                            \
    static void score_tile_##GS(const float *qs, const uint16_t *kt, int64_t hd, int64_t p0,  \
                                float *s, int64_t stride) {                                   \
        __m512 acc[GS][4];                                                                   \
        for (int g = 0; g < GS; g++)                                                         \
            for (int c = 0; c < 4; c++) acc[g][c] = _mm512_setzero_ps();                     \
        const uint16_t *block = kt + p0 / TK_KEY_BLOCK * hd * TK_KEY_BLOCK;                  \
        for (int64_t i = 0; i < hd; i++) {                                                   \
            const uint16_t *row = block + i * TK_KEY_BLOCK;                                  \
            const __m512 k0 = load_half16(row), k1 = load_half16(row + 16);                  \
            const __m512 k2 = load_half16(row + 32), k3 = load_half16(row + 48);             \
            for (int g = 0; g < GS; g++) {                                                   \
                const __m512 qi = _mm512_set1_ps(qs[g * hd + i]);                            \
                acc[g][0] = _mm512_fmadd_ps(qi, k0, acc[g][0]);                              \
                acc[g][1] = _mm512_fmadd_ps(qi, k1, acc[g][1]);                              \
                acc[g][2] = _mm512_fmadd_ps(qi, k2, acc[g][2]);                              \
                acc[g][3] = _mm512_fmadd_ps(qi, k3, acc[g][3]);                              \
            }                                                                                \
        }                                                                                    \
        for (int g = 0; g < GS; g++)                                                         \
            for (int c = 0; c < 4; c++) _mm512_storeu_ps(s + g * stride + p0 + 16 * c, acc[g][c]); \
    }

/* o_g[d0 .. d0 + 16 * NV) = sum over p < n of s_g[p] * v[p][d0 ..] (s_g: weights), GS heads. */
#define DEFINE_VALUE_TILE(GS)                                                                  \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))                            \
    static void value_tile_##GS(const float *s, int64_t stride, const uint16_t *v,                \
                                int64_t kv_stride, int64_t n, int64_t d0, int nv, float *o,   \
                                int64_t o_stride) {                                           \
        __m512 acc[GS][4];                                                                   \
        for (int g = 0; g < GS; g++)                                                         \
            for (int c = 0; c < 4; c++) acc[g][c] = _mm512_setzero_ps();                     \
        if (nv == 4) {                                                                       \
            for (int64_t p = 0; p < n; p++) {                                                \
                const uint16_t *vp = v + p * kv_stride + d0;                                 \
                const __m512 v0 = load_half16(vp), v1 = load_half16(vp + 16);                \
                const __m512 v2 = load_half16(vp + 32), v3 = load_half16(vp + 48);           \
                for (int g = 0; g < GS; g++) {                                               \
                    const __m512 w = _mm512_set1_ps(s[g * stride + p]);                      \
                    acc[g][0] = _mm512_fmadd_ps(w, v0, acc[g][0]);                           \
                    acc[g][1] = _mm512_fmadd_ps(w, v1, acc[g][1]);                           \
                    acc[g][2] = _mm512_fmadd_ps(w, v2, acc[g][2]);                           \
                    acc[g][3] = _mm512_fmadd_ps(w, v3, acc[g][3]);                           \
                }                                                                            \
            }                                                                                \
        } else {                                                                             \
            for (int64_t p = 0; p < n; p++) {                                                \
                const uint16_t *vp = v + p * kv_stride + d0;                                 \
                for (int c = 0; c < nv; c++) {                                               \
                    const __m512 vc = load_half16(vp + 16 * c);                              \
                    for (int g = 0; g < GS; g++)                                             \
                        acc[g][c] = _mm512_fmadd_ps(_mm512_set1_ps(s[g * stride + p]), vc, acc[g][c]); \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
        for (int g = 0; g < GS; g++)                                                         \
            for (int c = 0; c < nv; c++) _mm512_storeu_ps(o + g * o_stride + d0 + 16 * c, acc[g][c]); \
    }

DEFINE_SCORE_TILE(1) DEFINE_SCORE_TILE(2) DEFINE_SCORE_TILE(3)
DEFINE_SCORE_TILE(4) DEFINE_SCORE_TILE(5) DEFINE_SCORE_TILE(6)
DEFINE_VALUE_TILE(1) DEFINE_VALUE_TILE(2) DEFINE_VALUE_TILE(3)
DEFINE_VALUE_TILE(4) DEFINE_VALUE_TILE(5) DEFINE_VALUE_TILE(6)

typedef void (*score_tile_fn)(const float *, const uint16_t *, int64_t, int64_t, float *, int64_t);
typedef void (*value_tile_fn)(const float *, int64_t, const uint16_t *, int64_t, int64_t,
                              int64_t, int, float *, int64_t);
static const score_tile_fn score_tiles[GROUP_TILE + 1] = { NULL, score_tile_1, score_tile_2, score_tile_3,
                                                           score_tile_4, score_tile_5, score_tile_6 };
static const value_tile_fn value_tiles[GROUP_TILE + 1] = { NULL, value_tile_1, value_tile_2, value_tile_3,
                                                           value_tile_4, value_tile_5, value_tile_6 };

/* Query heads of KV head kvh for token t; s: MAX_GROUP score rows of `stride` floats. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
static void attend_group_avx512(const attention_job *j, int64_t t, int64_t kvh, float *s, int64_t stride) {
    const int64_t hd = j->head_dim, cap = j->capacity;
    const int64_t group = j->n_heads / j->n_kv_heads, h0 = kvh * group;
    const int64_t kv_stride = j->n_kv_heads * hd, q_stride = j->n_heads * hd;
    const int64_t n = j->start_pos + t + 1;
    const uint16_t *kt = j->kt + kvh * key_blocks(cap) * hd * TK_KEY_BLOCK;
    const uint16_t *v = j->v + kvh * hd;
    const float scale = 1.0f / sqrtf((float)hd);
    float qs[MAX_GROUP * TK_ATTENTION_MAX_HEAD_DIM];
    for (int64_t g = 0; g < group; g++)
        for (int64_t i = 0; i < hd; i++) qs[g * hd + i] = ROUND_F16C(j->q[t * q_stride + (h0 + g) * hd + i]) * scale;
    /* Tiles of at most GROUP_TILE heads, as even as possible (7 heads: 4 + 3). */
    const int64_t tiles = (group + GROUP_TILE - 1) / GROUP_TILE;
    int64_t tile_heads[MAX_GROUP];
    for (int64_t tile = 0, left = group; tile < tiles; tile++) {
        tile_heads[tile] = (left + (tiles - tile) - 1) / (tiles - tile);
        left -= tile_heads[tile];
    }
    for (int64_t tile = 0, g0 = 0; tile < tiles; tile++) {
        const int64_t gs = tile_heads[tile];
        for (int64_t p0 = 0; p0 < n; p0 += TK_KEY_BLOCK)
            score_tiles[gs](qs + g0 * hd, kt, hd, p0, s + g0 * stride, stride);
        g0 += gs;
    }
    for (int64_t g = 0; g < group; g++) {
        float *sg = s + g * stride;
        SOFTMAX_INPLACE(sg, n, ROUND_F16C)
    }
    float *out = j->out + t * q_stride + h0 * hd;
    for (int64_t tile = 0, g0 = 0; tile < tiles; tile++) {
        const int64_t gs = tile_heads[tile];
        for (int64_t d0 = 0; d0 < hd; d0 += 64) {
            const int nv = (int)((hd - d0 < 64 ? hd - d0 : 64) / 16);
            value_tiles[gs](s + g0 * stride, stride, v, kv_stride, n, d0, nv, out + g0 * hd, hd);
        }
        g0 += gs;
    }
}
#endif

typedef void (*attend_fn)(const attention_job *, int64_t, int64_t, float *);

typedef struct {
    attention_job job;
    attend_fn attend;
    int grouped; /* attend_group_avx512 over (token, kv head) pairs instead */
} attention_task;

static void attention_worker(void *ctx, int thread_index, int n_threads) {
    const attention_task *task = (const attention_task *)ctx;
    const attention_job *j = &task->job;
    const int64_t stride = score_row_floats(j->scratch_ctx);
    float *scores = j->scratch + (int64_t)thread_index * MAX_GROUP * stride;
#if defined(__x86_64__)
    if (task->grouped) {
        const int64_t pairs = j->n_tokens * j->n_kv_heads;
        for (int64_t w = thread_index; w < pairs; w += n_threads)
            attend_group_avx512(j, w / j->n_kv_heads, w % j->n_kv_heads, scores, stride);
        return;
    }
#endif
    const int64_t total = j->n_tokens * j->n_heads;
    /* Interleaved split: later tokens see more positions, so striding balances the load. */
    for (int64_t w = thread_index; w < total; w += n_threads) {
        task->attend(j, w / j->n_heads, w % j->n_heads, scores);
    }
}

void tk_attention(tk_pool *pool, float *out, const float *q, const uint16_t *kt, const uint16_t *v,
                  int64_t n_tokens, int64_t start_pos, int64_t n_heads, int64_t n_kv_heads,
                  int64_t head_dim, int64_t capacity, float *scratch, int64_t scratch_ctx) {
    if (head_dim < 1 || head_dim > TK_ATTENTION_MAX_HEAD_DIM) return; /* the loader refuses such models */
    attention_task task = { { out, q, kt, v, n_tokens, start_pos, n_heads, n_kv_heads, head_dim, capacity,
                              scratch, scratch_ctx }, attend_baseline, 0 };
    const int level = tk_kernel_level();
#if defined(__x86_64__)
    if (level >= TK_LEVEL_AVX512) task.attend = attend_avx512;
    else if (level >= TK_LEVEL_AVX2) task.attend = attend_avx2;
    const int64_t group = n_kv_heads > 0 ? n_heads / n_kv_heads : 0;
    task.grouped = level >= TK_LEVEL_AVX512 && head_dim % 16 == 0 && group >= 1 && group <= MAX_GROUP &&
                   group * n_kv_heads == n_heads;
#endif
    const int64_t total = n_tokens * n_heads;
    /* Small jobs are not worth waking the workers for. */
    if (pool && tk_pool_threads(pool) > 1 && total * (start_pos + n_tokens) * head_dim >= 65536) {
        tk_pool_run(pool, attention_worker, &task);
    } else {
        attention_worker(&task, 0, 1);
    }
}
