/* Internal: quant block layouts (GGUF / ggml, see REFERENCE.md §2), defined once with size
 * checks, plus the per-level kernel tables shared by the .c files of this target. */
#ifndef TAKUMI_QUANT_BLOCKS_H
#define TAKUMI_QUANT_BLOCKS_H
#include "tk_quant.h"

#define QK 32    /* values per block of the *_0 types */
#define QK_K 256 /* values per super-block of the K-quants */

typedef uint16_t tk_half; /* IEEE binary16 bits */

typedef struct { tk_half d; uint8_t qs[QK / 2]; } blk_q4_0;                 /* x = d*(q-8)  */
typedef struct { tk_half d; uint8_t qh[4]; uint8_t qs[QK / 2]; } blk_q5_0;  /* x = d*(q-16) */
typedef struct { tk_half d; int8_t qs[QK]; } blk_q8_0;                      /* x = d*q      */
typedef struct { tk_half d, dmin; uint8_t scales[12]; uint8_t qs[QK_K / 2]; } blk_q4_K;
typedef struct { tk_half d, dmin; uint8_t scales[12]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } blk_q5_K;
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; tk_half d; } blk_q6_K;
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } blk_q8_K;

_Static_assert(sizeof(blk_q4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(blk_q5_0) == 22, "Q5_0 block is 22 bytes");
_Static_assert(sizeof(blk_q8_0) == 34, "Q8_0 block is 34 bytes");
_Static_assert(sizeof(blk_q4_K) == 144, "Q4_K block is 144 bytes");
_Static_assert(sizeof(blk_q5_K) == 176, "Q5_K block is 176 bytes");
_Static_assert(sizeof(blk_q6_K) == 210, "Q6_K block is 210 bytes");
_Static_assert(sizeof(blk_q8_K) == 292, "Q8_K block is 292 bytes");

/* Q4_K / Q5_K: 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes.
 * j<4: low 6 bits of s[j] / s[j+4]; j>=4: low/high nibble of s[j+4] plus the top two bits
 * of s[j-4] (scale) and s[j] (min). */
static inline void tk_kquant_scale_min(int j, const uint8_t *s, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (uint8_t)((s[j + 4] & 15) | ((s[j - 4] >> 6) << 4));
        *m = (uint8_t)((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
    }
}

/* ---- dispatch state ----
 * The level in force is the only mutable global of this target: one atomic int, because the
 * kernel level is a process-wide property of the CPU (tests force it to compare twins). It
 * packs the tk_level in the low byte and TK_FEAT_VNNI when AVX-512 VNNI may be used. */
#define TK_FEAT_VNNI 0x100
int tk_dispatch_state(void); /* level | features, resolved on first use */

/* ---- the matmul's internal activation formats ----
 * For the *_0 weight types (Q4_0, Q5_0, Q8_0) a token's activations are quantized to
 * "x8": int8 qs[n_in] (contiguous, so SIMD loads never straddle block headers), then
 * float d[n_in/32] (per-block scale). Row bytes: n_in + 4*n_in/32, rounded up to 64.
 * For K-quants it is plain Q8_K; for float weights plain F32. */
int64_t tk_x8_row_bytes(int64_t n_in);
void tk_quantize_x8(const float *x, int64_t n, void *dst);

/* Kernel: dot products of one weight row (n values) with nx activation rows (nx = 1..4)
 * stored x_stride bytes apart in the matmul's internal format; out[t] for t < nx. */
typedef void (*tk_rows_kernel)(int64_t n, const void *w_row, const void *x, size_t x_stride,
                               int nx, float *out);

/* Per-level kernel tables: NULL = not available at that level (falls back to a lower one). */
tk_rows_kernel tk_rows_kernel_scalar(int type);
tk_rows_kernel tk_rows_kernel_avx2(int type);
tk_rows_kernel tk_rows_kernel_avx512(int type, bool vnni);


#endif
