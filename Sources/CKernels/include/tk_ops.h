#ifndef TAKUMI_TK_OPS_H
#define TAKUMI_TK_OPS_H
#include "tk_types.h"
#include "tk_pool.h"

/* Non-matmul transformer ops. All tensors are row-major float32 (the KV cache: float16); "rows" are tokens.
 * Shapes in comments use (rows, columns). Every function tolerates n_rows == 0. */

/* y (rows, n) = x (rows, n) / sqrt(mean(x^2) + eps) * w (n). y may alias x. */
void tk_rmsnorm(float *y, const float *x, const float *w, int64_t n, int64_t n_rows, float eps);

/* x (rows, n) += b (n), for each row. */
void tk_add_bias(float *x, const float *b, int64_t n, int64_t n_rows);

/* x (n) += y (n). */
void tk_add(float *x, const float *y, int64_t n);

/* e[i] = e^x[i] (n; e may be x), computed in double and rounded once (ops_exp.c): the same
 * bits at every kernel level; tk_expf is the scalar reference. */
void tk_exp_array(const float *x, float *e, int64_t n);
float tk_expf(float x);

/* gate (n) = silu(gate) * up, silu(g) = g / (1 + exp(-g)). */
void tk_silu_mul(float *gate, const float *up, int64_t n);

/* out (rows, ffn) = silu(gu[:, 0:ffn]) * gu[:, ffn:2ffn], gu (rows, 2*ffn): the output of a
 * fused gate|up matmul. */
void tk_silu_mul_split(float *out, const float *gu, int64_t ffn, int64_t n_rows);

/* tk_silu_mul_split and tk_silu_mul with the rows (elements) split over the pool's threads
 * (pool may be NULL); the same numbers as the single-threaded functions. */
void tk_silu_mul_split_pool(tk_pool *pool, float *out, const float *gu, int64_t ffn, int64_t n_rows);
void tk_silu_mul_pool(tk_pool *pool, float *gate, const float *up, int64_t n);

/* dst (rows, width) = src[:, offset:offset+width], src (rows, src_width): splits the output
 * of a fused matmul (q|k|v) into its parts. */
void tk_copy_columns(float *dst, const float *src, int64_t n_rows, int64_t src_width, int64_t offset, int64_t width);

/* In-place softmax of x (n); returns log(sum(exp(x - max))) + max (the log-normalizer). */
float tk_softmax(float *x, int64_t n);

/* log(sum(exp(x))) of x (n), computed around the maximum (-inf for n == 0; the maximum
 * itself when it is not finite). For log-probabilities of generated tokens. */
double tk_log_sum_exp(const float *x, int64_t n);

/* A 64-bit checksum of n bytes (fast, not cryptographic): KV snapshots are checked with it
 * before they are trusted. */
uint64_t tk_checksum64(const void *data, size_t n, uint64_t seed);

/* Rotary tables for NEOX-style rotary embedding: for each of n_tokens positions
 * (positions[t]) and each i < head_dim/2, angle = pos * base^(-2i/head_dim);
 * cos_out/sin_out are (n_tokens, head_dim/2). */
void tk_rope_tables(float *cos_out, float *sin_out, const int32_t *positions, int64_t n_tokens,
                    int64_t head_dim, float freq_base);

/* NEOX rotary in place on x (n_tokens rows of `row_stride` floats; each row holds n_heads
 * heads of head_dim). Pairs are (i, i + head_dim/2): (a, b) -> (a cos - b sin, a sin + b cos). */
void tk_rope_neox(float *x, int64_t n_tokens, int64_t row_stride, int64_t n_heads, int64_t head_dim,
                  const float *cos_tab, const float *sin_tab);

/* "Normal" (interleaved) rotary, as Llama GGUFs need: pairs are (2i, 2i+1). Same tables. */
void tk_rope_norm(float *x, int64_t n_tokens, int64_t row_stride, int64_t n_heads, int64_t head_dim,
                  const float *cos_tab, const float *sin_tab);

/* Causal grouped-query attention over a KV cache. The cache holds IEEE half floats (F16,
 * uint16_t bits; rounded to nearest even when stored, widened exactly when read); the query
 * and the softmax weights are rounded to halves too (as llama.cpp does with an F16 cache); the
 * sums are float.
 *   q:   (n_tokens, n_heads * head_dim), token t sits at position start_pos + t
 *   kt:  key cache, TRANSPOSED in blocks: (n_kv_heads, ceil(capacity / TK_KEY_BLOCK),
 *        head_dim, TK_KEY_BLOCK), tk_key_cache_elements() halves — within a block, each
 *        dimension's positions are contiguous, so scores for many positions are plain vector
 *        FMAs (no horizontal sums). Filled with tk_store_keys_transposed; read and written a
 *        row (kv head * head_dim + i) at a time with tk_keys_read_row / tk_keys_write_row.
 *   v:   value cache (capacity, n_kv_heads * head_dim) halves, one row per position, filled
 *        with tk_store_values
 *   out: (n_tokens, n_heads * head_dim)
 * Positions 0 .. start_pos + n_tokens - 1 must be in the cache. Query head h reads KV head
 * h / (n_heads / n_kv_heads). Scale 1/sqrt(head_dim).
 * scratch: tk_attention_scratch_floats(n_threads, scratch_ctx) floats, scratch_ctx >= the
 * number of visible positions. Work is split over (token, head) pairs — with AVX-512,
 * (token, KV head) pairs, the heads of a group scored together — across the pool's threads
 * (pool may be NULL). The loops are compiled for AVX-512 / AVX2 / baseline and
 * chosen by tk_kernel_level(); TK_LEVEL_SCALAR runs the baseline build (the reference). */
#define TK_ATTENTION_MAX_HEAD_DIM 256 /* larger heads: nothing is computed */
#define TK_KEY_BLOCK 64
int64_t tk_key_cache_elements(int64_t n_kv_heads, int64_t head_dim, int64_t capacity);
/* Positions 0..n-1 of key row `row` (kv head * head_dim + dimension) to dst / from src, as
 * cached (halves). */
void tk_keys_read_row(const uint16_t *kt, int64_t row, int64_t n, int64_t head_dim, int64_t capacity, uint16_t *dst);
void tk_keys_write_row(uint16_t *kt, int64_t row, int64_t n, int64_t head_dim, int64_t capacity, const uint16_t *src);
size_t tk_attention_scratch_floats(int n_threads, int64_t n_ctx);
void tk_attention(tk_pool *pool, float *out, const float *q, const uint16_t *kt, const uint16_t *v,
                  int64_t n_tokens, int64_t start_pos, int64_t n_heads, int64_t n_kv_heads,
                  int64_t head_dim, int64_t capacity, float *scratch, int64_t scratch_ctx);

/* Writes n_tokens key rows k (n_tokens, n_kv_heads * head_dim) into the transposed key cache
 * kt (layout above) at positions start_pos ..., as halves. */
void tk_store_keys_transposed(uint16_t *kt, const float *k, int64_t n_tokens, int64_t start_pos,
                              int64_t n_kv_heads, int64_t head_dim, int64_t capacity);

/* Writes n_tokens value rows src (n_tokens, width) into the value cache v (capacity, width) at
 * rows start_pos ..., as halves. */
void tk_store_values(uint16_t *v, const float *src, int64_t n_tokens, int64_t start_pos, int64_t width);

#endif
