#ifndef TAKUMI_TK_QUANT_H
#define TAKUMI_TK_QUANT_H
#include "tk_types.h"
#include "tk_pool.h"

/* ---- CPU features and kernel level ---- */
int tk_cpu_best_level(void);               /* best tk_level supported by CPU and OS */
bool tk_cpu_has_avx512_vnni(void);
/* Forces a level for all dispatching kernels (tests use TK_LEVEL_SCALAR for the reference
 * twin). Levels above what the CPU supports are clamped. Returns the level in force. */
int tk_set_kernel_level(int level);
int tk_kernel_level(void);

/* ---- block geometry ---- */
int64_t tk_type_block_size(int type);      /* values per block (1 for F32/F16/BF16); 0 = unknown */
int64_t tk_type_block_bytes(int type);     /* bytes per block; 0 = unknown type */
int64_t tk_row_bytes(int type, int64_t n); /* bytes of a row of n values; -1 if n is not a multiple of the block size */
bool tk_type_supported(int type);          /* can be dequantized and multiplied */

/* ---- scalar conversions ---- */
float tk_fp16_to_f32(uint16_t h);
uint16_t tk_f32_to_fp16(float f);
float tk_bf16_to_f32(uint16_t h);

/* ---- dequantization: n values of `type` at src -> dst (float[n]) ---- */
void tk_dequantize_row(int type, const void *src, float *dst, int64_t n);

/* ---- quantization (used for activations, and by tests to build weights) ----
 * Writes tk_row_bytes(type, n) bytes. Supported targets: Q8_0, Q8_K, and for tests every
 * weight type (Q4_0, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K, F16, BF16, F32) with a simple
 * round-to-nearest quantizer. Returns false for an unsupported type. */
bool tk_quantize_row(int type, const float *src, void *dst, int64_t n);

/* The activation format a weight type's dot product consumes (Q8_0 for the *_0 types,
 * Q8_K for K-quants, F32 for float weights). */
int tk_vec_dot_type(int weight_type);

/* Dot product of one weight row (n values, `type`) with one activation row already in
 * tk_vec_dot_type(type) format. */
float tk_vec_dot(int type, int64_t n, const void *w_row, const void *x_row);

/* ---- matmul ----
 * W: `rows` rows of `n_in` values of `type`, row-major, rows contiguous (tk_row_bytes apart).
 * x: n_tokens x n_in floats (row t at x + t*n_in).  y: n_tokens x rows floats.
 * y[t][r] = sum_i W[r][i] * x[t][i]. Activations are quantized once (into scratch) and
 * the rows are split across the pool's threads (pool may be NULL: single thread). */
size_t tk_matmul_scratch_bytes(int type, int64_t n_in, int64_t n_tokens);

void tk_matmul(tk_pool *pool, int type, const void *W, int64_t rows, int64_t n_in,
               const float *x, int64_t n_tokens, float *y, void *scratch);
/* Notes on tk_matmul (added, no signature change):
 * - Validate shapes at load time: for an unsupported type, n_in that is not whole blocks
 *   (tk_row_bytes < 0) or rows/n_tokens <= 0 it returns without writing y.
 * - scratch needs tk_matmul_scratch_bytes(type, n_in, n_tokens) bytes, any alignment (it is
 *   aligned internally); none (0, NULL allowed) for F32/F16/BF16 weights. The size depends
 *   on the type (x8 takes 2 bytes per value, Q8_K ~1.14): size one buffer for the maximum
 *   over the engine's (type, n_in) pairs at its largest n_tokens and reuse it.
 * - W, x, y need no alignment. The only shared state is the kernel level, so calls on
 *   different threads with different pools and scratch buffers may run concurrently.
 * - Prefill: each weight row is decoded once per 8 tokens (AVX-512) or 4 (AVX2) and rows are
 *   processed in L2-sized chunks per token group, so large n_tokens (e.g. 256) is the fast
 *   path; no weight repacking is needed.
 * - Results differ from the float product by the 8-bit activation quantization (as in
 *   llama.cpp); all kernel levels use the same integers and differ only in float rounding. */

/* (Added.) What tk_matmul does to one token of x before the dot products: quantizes n_in
 * floats into the kernels' input format for weight `type` (an internal layout: Q8_K for
 * K-quants, "x8" for Q4_0/Q5_0/Q8_0; nothing to do for float weights) using the kernel
 * level in force. Writes tk_matmul_input_bytes(type, n_in) bytes; returns false for an
 * unsupported type or a row that is not whole blocks. Exposed so tests can check that
 * every SIMD quantizer is byte-identical to the scalar one. */
int64_t tk_matmul_input_bytes(int type, int64_t n_in);
bool tk_quantize_matmul_input(int type, const float *x, int64_t n_in, void *dst);

/* ---- repacking at load (engine-internal layouts) ----
 * tk_repacked_type(type): the layout the fastest kernels of this CPU want for weights of
 * `type` with rows of n_in values (TK_TYPE_Q4_K_X16, TK_TYPE_Q6_K_X16, TK_TYPE_Q5_0_X16,
 * TK_TYPE_Q8_0_X16 with AVX-512 VNNI),
 * or `type` itself when there is none (then nothing needs repacking).
 * tk_repack(type, src, dst, rows, n_in): writes `rows` rows of `type` at src into the
 * repacked layout at dst (tk_row_bytes(tk_repacked_type(type, n_in), n_in) bytes per row);
 * false for a type without a repacked layout. Exact: the same integers and scales, only
 * reordered (tests check every kernel level against the original layout's dot products;
 * Q8_0_X16 stores each quant plus 128). The *_0 layouts may read up to 8 bytes past a row's
 * end: allocate repacked matrices TK_REPACK_PADDING bytes larger.
 * Repacked matrices work with tk_matmul at every kernel level (scalar twin below AVX-512). */
#define TK_REPACK_PADDING 64
int tk_repacked_type(int type, int64_t n_in);
bool tk_repack(int type, const void *src, void *dst, int64_t rows, int64_t n_in);

#endif
