/* tk_vec_dot and tk_matmul: kernel selection, activation quantization, work split. */
#include <stdatomic.h>
#include <string.h>
#include "quant_blocks.h"

/* Picks the rows kernel for `type` at the level in force, falling back level by level. */
static tk_rows_kernel pick_kernel(int type) {
    int state = tk_dispatch_state(), level = state & 0xff;
    tk_rows_kernel k = NULL;
    if (level >= TK_LEVEL_AVX512) k = tk_rows_kernel_avx512(type, (state & TK_FEAT_VNNI) != 0);
    if (!k && level >= TK_LEVEL_AVX2) k = tk_rows_kernel_avx2(type);
    if (!k) k = tk_rows_kernel_scalar(type);
    return k;
}

static bool uses_x8(int type) {
    return type == TK_TYPE_Q4_0 || type == TK_TYPE_Q5_0 || type == TK_TYPE_Q8_0;
}

/* Bytes of one token's activations in the kernel's input format. */
static int64_t x_row_bytes(int type, int64_t n_in) {
    if (uses_x8(type)) return tk_x8_row_bytes(n_in);
    int xt = tk_vec_dot_type(type);
    if (xt == TK_TYPE_Q8_K || xt == TK_TYPE_Q8_K_X16) return tk_row_bytes(xt, n_in);
    if (xt == TK_TYPE_X8_X16) return tk_x16_sets(n_in / QK) * (int64_t)sizeof(blk_x8_x16);
    return n_in * 4; /* float weights read x directly */
}

/* One token's activations into the kernel's input format for weight `type`. */
static void quantize_input(int type, const float *x, int64_t n_in, void *dst) {
    if (uses_x8(type)) tk_quantize_activations(TK_TYPE_Q8_0, x, n_in, dst);
    else if (tk_vec_dot_type(type) == TK_TYPE_Q8_K_X16) tk_quantize_q8_K_x16(x, n_in, dst);
    else if (type == TK_TYPE_Q5_0_X16) tk_quantize_x8_x16(x, n_in, 16, dst);
    else if (type == TK_TYPE_Q8_0_X16) tk_quantize_x8_x16(x, n_in, 128, dst);
    else tk_quantize_activations(TK_TYPE_Q8_K, x, n_in, dst);
}

float tk_vec_dot(int type, int64_t n, const void *w_row, const void *x_row) {
    tk_rows_kernel kernel = pick_kernel(type);
    if (!kernel || tk_row_bytes(type, n) < 0) return 0;
    if (!uses_x8(type)) {
        float out;
        kernel(n, w_row, x_row, 0, 1, &out);
        return out;
    }
    /* The public activation format is Q8_0; the kernels read x8 (see quant_blocks.h).
     * Convert exactly, a chunk at a time, on the stack. */
    enum { CHUNK = 512 };
    _Alignas(64) unsigned char buf[CHUNK + CHUNK / QK * 32];
    const blk_q8_0 *xb = x_row;
    int64_t w_block_bytes = tk_type_block_bytes(type);
    float sum = 0;
    for (int64_t start = 0; start < n; start += CHUNK) {
        int64_t len = n - start < CHUNK ? n - start : CHUNK;
        uint8_t *xq = buf;
        float *dexp = (float *)(buf + len);
        for (int64_t b = 0; b < len / QK; b++) {
            const blk_q8_0 *blk = &xb[(start + b * QK) / QK];
            for (int j = 0; j < QK; j++) xq[b * QK + j] = (uint8_t)(blk->qs[j] + 128);
            float d = tk_fp16_to_f32(blk->d);
            for (int k = 0; k < 8; k++) dexp[8 * b + k] = d;
        }
        float part;
        kernel(len, (const char *)w_row + start / QK * w_block_bytes, buf, 0, 1, &part);
        sum += part;
    }
    return sum;
}

int64_t tk_matmul_input_bytes(int type, int64_t n_in) {
    if (!tk_type_supported(type) || tk_row_bytes(type, n_in) < 0) return -1;
    return tk_vec_dot_type(type) == TK_TYPE_F32 ? 0 : x_row_bytes(type, n_in);
}

bool tk_quantize_matmul_input(int type, const float *x, int64_t n_in, void *dst) {
    int64_t bytes = tk_matmul_input_bytes(type, n_in);
    if (bytes < 0) return false;
    if (bytes > 0) quantize_input(type, x, n_in, dst);
    return true;
}

size_t tk_matmul_scratch_bytes(int type, int64_t n_in, int64_t n_tokens) {
    if (!tk_type_supported(type) || tk_row_bytes(type, n_in) < 0 || n_tokens < 0) return 0;
    if (tk_vec_dot_type(type) == TK_TYPE_F32) return 0;
    return (size_t)(x_row_bytes(type, n_in) * n_tokens) + 64; /* + room to align to 64 */
}

typedef struct {
    tk_rows_kernel kernel;
    tk_lanes_kernel lanes_kernel; /* the same kernel on carried accumulators, for K slices */
    int type;
    const char *W;
    int64_t rows, n_in, w_row_bytes;
    const float *x;
    int64_t n_tokens;
    float *y;
    const char *xq;     /* activations in the kernel's format */
    int64_t xq_stride;  /* bytes between tokens in xq */
    int64_t rows_per_chunk, n_chunks;
    /* K slices (see k_granule): values per slice and the bytes a slice advances in a
     * weight row and in a token's activations; k_slice == n_in means no slicing. */
    int64_t k_slice, w_slice_bytes, x_slice_bytes;
    _Atomic int64_t next_chunk;
    _Atomic int64_t next_token; /* for quantize_task */
} matmul_job;

/* Quantizes activations a token at a time, taking tokens from a shared counter. */
static void quantize_task(void *p, int ti, int nt) {
    (void)ti; (void)nt;
    matmul_job *job = p;
    for (;;) {
        int64_t t = atomic_fetch_add_explicit(&job->next_token, 1, memory_order_relaxed);
        if (t >= job->n_tokens) return;
        const float *xt = job->x + t * job->n_in;
        char *dst = (char *)job->xq + t * job->xq_stride;
        quantize_input(job->type, xt, job->n_in, dst);
    }
}

/* Takes row chunks from a shared counter (threads that finish early take more; a shared,
 * noisy 2-vCPU machine rarely gives both threads equal speed). Within a chunk, for each
 * group of tokens (its activations stay in L1) every row of the chunk (sized to stay in L2)
 * is read once: the kernels decode a weight block once per token group. Rows inner also
 * makes the stores to y[t][r0..r1] sequential; with tokens inner a tall matrix like the LM
 * head (151936 rows) would scatter each row's outputs over pages 600 KB apart. */
enum { PREFETCH_ROWS = 8 };
enum { TOKEN_GROUP = 8 }; /* tokens per kernel call: the AVX-512 kernels take 8 */

/* Long rows are cut into K slices so that a token group's activations for one slice stay in
 * L1 while every row of the chunk passes over them (the down projections' 4864 or 8960 inputs
 * for 8 tokens are 50-125 KB). Only the repacked layouts, whose rows and activations are
 * arrays of self-contained granules, can be cut: the granule's values and bytes per type. */
enum { K_SLICE_L1_BYTES = 24 << 10 };

static bool k_granule(int type, int64_t *values, int64_t *w_bytes, int64_t *x_bytes) {
    switch (type) {
    case TK_TYPE_Q5_0_X16: *values = 16 * QK; *w_bytes = 16 * (int64_t)sizeof(blk_q5_0); *x_bytes = sizeof(blk_x8_x16); return true;
    case TK_TYPE_Q8_0_X16: *values = 16 * QK; *w_bytes = 16 * (int64_t)sizeof(blk_q8_0); *x_bytes = sizeof(blk_x8_x16); return true;
    case TK_TYPE_Q4_K_X16: *values = QK_K; *w_bytes = sizeof(blk_q4_K_x16); *x_bytes = sizeof(blk_q8_K_x16); return true;
    case TK_TYPE_Q6_K_X16: *values = QK_K; *w_bytes = sizeof(blk_q6_K_x16); *x_bytes = sizeof(blk_q8_K_x16); return true;
    default: return false;
    }
}

/* Rows per chunk when rows are sliced: each row of the chunk keeps its token group's 16-lane
 * accumulators between slices, on the stack (64 rows x 8 tokens x 16 floats = 32 KB). */
enum { LANE_ROWS = 64 };

static void matmul_task(void *p, int ti, int nt) {
    (void)ti; (void)nt;
    matmul_job *job = p;
    float out[TOKEN_GROUP];
    float lanes[LANE_ROWS * TOKEN_GROUP * 16];
    const bool sliced = job->k_slice < job->n_in;
    for (;;) {
        int64_t c = atomic_fetch_add_explicit(&job->next_chunk, 1, memory_order_relaxed);
        if (c >= job->n_chunks) return;
        int64_t r0 = c * job->rows_per_chunk, r1 = r0 + job->rows_per_chunk;
        if (r1 > job->rows) r1 = job->rows;
        for (int64_t t = 0; t < job->n_tokens; t += TOKEN_GROUP) {
            int nx = job->n_tokens - t < TOKEN_GROUP ? (int)(job->n_tokens - t) : TOKEN_GROUP;
            /* Several tokens: the lanes kernel, and the rows' sums 16 rows at a time. */
            const bool use_lanes = job->lanes_kernel && (sliced || nx > 2);
            for (int64_t k0 = 0, slice = 0; k0 < job->n_in; k0 += job->k_slice, slice++) {
                const int64_t kn = job->n_in - k0 < job->k_slice ? job->n_in - k0 : job->k_slice;
                const bool last = k0 + kn >= job->n_in;
                const int flags = (slice > 0 ? TK_LANES_IN : 0) | TK_LANES_OUT;
                const char *xt = job->xq + t * job->xq_stride + slice * job->x_slice_bytes;
                const char *w = job->W + slice * job->w_slice_bytes;
                for (int64_t r = r0; r < r1; r++) {
                    /* A few tokens do too little work per weight byte for the hardware prefetcher to
                     * run ahead of the loads (decode of the 0.5B model stalled on them, at a third
                     * of the memory bandwidth): ask for the weights of a row PREFETCH_ROWS ahead.
                     * (Decode steps are never sliced.) */
                    if (nx <= 2 && r + PREFETCH_ROWS < r1) {
                        const char *ahead = job->W + (r + PREFETCH_ROWS) * job->w_row_bytes;
                        for (int64_t b = 0; b < job->w_row_bytes; b += 64) __builtin_prefetch(ahead + b, 0, 3);
                    }
                    if (!use_lanes) {
                        job->kernel(kn, w + r * job->w_row_bytes, xt, (size_t)job->xq_stride, nx, out);
                        for (int k = 0; k < nx; k++) job->y[(t + k) * job->rows + r] = out[k];
                        continue;
                    }
                    /* Sliced rows keep their accumulators for the next slice; others only until
                     * their block of 16 is reduced. */
                    const int64_t in_block = (r - r0) % 16, slot = sliced ? r - r0 : in_block;
                    job->lanes_kernel(kn, w + r * job->w_row_bytes, xt, (size_t)job->xq_stride, nx,
                                      lanes + slot * TOKEN_GROUP * 16, flags, out);
                    if (last && (in_block == 15 || r == r1 - 1)) {
                        const int64_t first = r - in_block;
                        tk_reduce_lanes_avx512(lanes + (slot - in_block) * TOKEN_GROUP * 16, TOKEN_GROUP * 16,
                                               (int)(in_block + 1), nx, job->y + t * job->rows + first, job->rows);
                    }
                }
            }
        }
    }
}

void tk_matmul(tk_pool *pool, int type, const void *W, int64_t rows, int64_t n_in,
               const float *x, int64_t n_tokens, float *y, void *scratch) {
    tk_rows_kernel kernel = pick_kernel(type);
    int64_t w_row_bytes = tk_row_bytes(type, n_in);
    if (!kernel || w_row_bytes <= 0 || rows <= 0 || n_tokens <= 0) return; /* also n_in == 0 */
    int n_threads = tk_pool_threads(pool);

    matmul_job job = {
        .kernel = kernel, .type = type, .W = W, .rows = rows, .n_in = n_in,
        .w_row_bytes = w_row_bytes, .x = x, .n_tokens = n_tokens, .y = y,
    };
    if (tk_vec_dot_type(type) == TK_TYPE_F32) {
        job.xq = (const char *)x;
        job.xq_stride = n_in * 4;
    } else {
        job.xq = (const char *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
        job.xq_stride = x_row_bytes(type, n_in);
        atomic_init(&job.next_token, 0);
        if (n_tokens >= 4 && n_threads > 1) tk_pool_run_shared(pool, quantize_task, &job);
        else quantize_task(&job, 0, 1);
    }
    /* Chunks: ~8 per thread so a slow thread does not hold the others up, at least 16 rows
     * so the counter is not hammered, and at most ~256 KB of weights so a chunk stays in L2
     * while every token group passes over it. */
    int64_t per = rows / ((int64_t)n_threads * 8);
    int64_t l2_rows = (256 << 10) / w_row_bytes;
    if (per > l2_rows) per = l2_rows;
    job.rows_per_chunk = per < 16 ? 16 : per;
    job.n_chunks = (rows + job.rows_per_chunk - 1) / job.rows_per_chunk;
    /* K slices where a token group's activations would not stay in L1, with a kernel that
     * carries its accumulators from slice to slice: the same bits as one pass over the row, so
     * a token's result does not depend on the batch it is in (decode, speculation, prefill). */
    job.k_slice = n_in;
    job.w_slice_bytes = job.x_slice_bytes = 0;
    int state = tk_dispatch_state();
    job.lanes_kernel = (state & 0xff) >= TK_LEVEL_AVX512 ? tk_lanes_kernel_avx512(type, (state & TK_FEAT_VNNI) != 0) : NULL;
    int64_t granule, w_granule, x_granule;
    if (n_tokens > 2 && job.lanes_kernel && k_granule(type, &granule, &w_granule, &x_granule)) {
        int64_t per_slice = K_SLICE_L1_BYTES / (TOKEN_GROUP * x_granule);
        if (per_slice < 1) per_slice = 1;
        if (per_slice * granule < n_in) {
            job.k_slice = per_slice * granule;
            job.w_slice_bytes = per_slice * w_granule;
            job.x_slice_bytes = per_slice * x_granule;
            if (job.rows_per_chunk > LANE_ROWS) {
                job.rows_per_chunk = LANE_ROWS;
                job.n_chunks = (rows + LANE_ROWS - 1) / LANE_ROWS;
            }
        }
    }
    atomic_init(&job.next_chunk, 0);
    tk_pool_run_shared(pool, matmul_task, &job);
}
