/* Internal: quant block layouts (GGUF / ggml, see REFERENCE.md §2), defined once with size
 * checks, plus the per-level kernel tables shared by the .c files of this target. */
#ifndef TAKUMI_QUANT_BLOCKS_H
#define TAKUMI_QUANT_BLOCKS_H
#include <string.h>
#include "tk_quant.h"

/* IEEE half bits to float, exact (inf/nan kept, subnormals scaled): tk_fp16_to_f32, inline
 * for loops that widen every element (the attention baseline's F16 KV cache). */
static inline float tk_half_bits_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13); /* inf / nan */
    } else if (exp == 0) {
        const float v = (float)man * (1.0f / 16777216.0f); /* zero or subnormal: man * 2^-24, exact */
        return sign ? -v : v;
    } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

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

/* Repacked K-quants ("x16", made by tk_repack for the AVX-512 VNNI kernels). A super-block's
 * 256 values form 16 groups of 16 (g = v / 16: a Q6_K sub-block, half a Q4_K one). They are
 * stored as 4 chunks of 64 bytes in which byte b of chunk k holds value
 *     v = 16 * (b / 4) + 4 * k + (b % 4)
 * so one vpdpbusd per chunk adds 4 products of group b/4 into 32-bit lane b/4, and after the
 * 4 chunks lane g holds group g's whole integer dot product: no horizontal sums, and the
 * scales apply once per group as a 16-lane float vector. Quants stay as packed as in the file:
 *   Q4_K: qs[64*m + b] low nibble = chunk 2m byte b, high nibble = chunk 2m+1 byte b;
 *         scales and mins unpacked to bytes (sub-block j = groups 2j, 2j+1).
 *   Q6_K: ql as Q4_K's qs (low 4 bits); qh[b] bits 2k..2k+1 = high 2 bits of chunk k byte b;
 *         one int8 scale per group. Values are unsigned (0..63, true value q - 32).
 * The activations ("Q8_K_X16") use the same order: qs as above (int8), bs[g] = sum of group
 * g's 16 values (Q8_K's bsums), dbs[g] = bs[g] * d, d the Q8_K scale.
 * The kernels apply the group scales in floats, which takes fewer of the multiply pipes
 * every vpdpbusd needs than an exact integer multiply (vpmulld) first: group g adds
 *     Q4_K: S_g * (sc_g * d * dx)  -  (m_g * dmin) * dbs[g]
 *     Q6_K: (S_g - 32 * bs[g]) * (sc_g * d * dx)        (the integer part exact)
 * where sc_g * d and m_g * dmin are exact in float (6- or 8-bit integers times a half). */
typedef struct { uint8_t qs[128]; uint8_t sc[8]; uint8_t m[8]; tk_half d, dmin; } blk_q4_K_x16;
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t sc[16]; tk_half d; } blk_q6_K_x16;
typedef struct { int8_t qs[256]; int32_t bs[16]; float dbs[16]; float d; float pad[15]; } blk_q8_K_x16;
_Static_assert(sizeof(blk_q4_K_x16) == 148, "Q4_K_X16 block is 148 bytes");
_Static_assert(sizeof(blk_q6_K_x16) == 210, "Q6_K_X16 block is 210 bytes");
_Static_assert(sizeof(blk_q8_K_x16) == 448, "Q8_K_X16 block is 448 bytes");

/* Repacked *_0 types ("x16" too): a row's blocks go in sets of 16 (the last set holds the
 * r = nb % 16 left over, if any); in a set of r blocks, byte b of chunk k (k = 0..7, 4r bytes
 * each) holds value 4k + b%4 of block b/4, so 8 vpdpbusd leave block j's dot product in lane j.
 * A set of r blocks is stored as (same bytes per block as the file):
 *   Q8_0_X16: d[r] (fp16), then chunks 0..7 of quant + 128 (unsigned)       34r bytes
 *   Q5_0_X16: d[r], then qh: chunk k's 4r fifth bits at bit offset 4r*k (LSB first), then
 *             4 nibble chunks: byte b of pair m = chunk 2m (low) | chunk 2m+1 (high) 22r bytes
 * Quants are unsigned (Q5_0: 0..31, true value q - 16; Q8_0: q + 128): the activations
 * ("X8_X16", per set of 16 blocks, zero-padded) carry init[j] = -offset * sum(block j's x)
 * as the accumulator's start, with the offset of the weight type (16 or 128). */
typedef struct { int8_t qs[8][64]; float d[16]; int32_t init[16]; } blk_x8_x16;
_Static_assert(sizeof(blk_x8_x16) == 640, "X8_X16 set is 640 bytes");
static inline int64_t tk_x16_sets(int64_t nb) { return (nb + 15) / 16; }
void tk_quantize_x8_x16(const float *x, int64_t n, int offset, void *dst);
void tk_repack_q8_0_x16(const blk_q8_0 *src, uint8_t *dst, int64_t nb);
void tk_repack_q5_0_x16(const blk_q5_0 *src, uint8_t *dst, int64_t nb);
void tk_rows_q5_0_x16_scalar(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out);
void tk_rows_q8_0_x16_scalar(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out);

/* Position (chunk k, byte b) -> value index v within the super-block, and back. */
static inline int tk_x16_value(int k, int b) { return 16 * (b / 4) + 4 * k + (b % 4); }
static inline int tk_x16_chunk(int v) { return (v % 16) / 4; }
static inline int tk_x16_byte(int v) { return 4 * (v / 16) + v % 4; }

/* Q8_K -> Q8_K_X16 (the layout change only; exact), and n floats -> Q8_K_X16 (Q8_K at the
 * level in force, then the layout change). */
void tk_q8_K_to_x16(const blk_q8_K *src, blk_q8_K_x16 *dst, int64_t nb);
void tk_quantize_q8_K_x16(const float *x, int64_t n, void *dst);

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

/* All 8 scales and mins of a Q4_K/Q5_K super-block at once (same rules as above),
 * four at a time on 32-bit words: bits 6-7 of bytes 0-3 / 4-7 are the high bits of the
 * scales / mins of sub-blocks 4-7. */
static inline void tk_kquant_scales_mins(const uint8_t s[12], uint8_t sc[8], uint8_t m[8]) {
    uint32_t a, b, c;
    memcpy(&a, s, 4); memcpy(&b, s + 4, 4); memcpy(&c, s + 8, 4);
    uint32_t sc_lo = a & 0x3f3f3f3fu, m_lo = b & 0x3f3f3f3fu;
    uint32_t sc_hi = (c & 0x0f0f0f0fu) | ((a >> 2) & 0x30303030u);
    uint32_t m_hi = ((c >> 4) & 0x0f0f0f0fu) | ((b >> 2) & 0x30303030u);
    memcpy(sc, &sc_lo, 4); memcpy(sc + 4, &sc_hi, 4);
    memcpy(m, &m_lo, 4); memcpy(m + 4, &m_hi, 4);
}

/* ---- dispatch state ----
 * The level in force is the only mutable global of this target: one atomic int, because the
 * kernel level is a process-wide property of the CPU (tests force it to compare twins). It
 * packs the tk_level in the low byte and TK_FEAT_VNNI when AVX-512 VNNI may be used. */
#define TK_FEAT_VNNI 0x100
int tk_dispatch_state(void); /* level | features, resolved on first use */

/* ---- the matmul's internal activation formats ----
 * For the *_0 weight types (Q4_0, Q5_0, Q8_0) a token's activations are quantized to
 * "x8", laid out for SIMD loads that never straddle block headers:
 *   uint8  xq[n_in]          the int8 value plus 128 (so u8 x s8 VNNI products need no
 *                             per-token sign fix-up; the weight side subtracts 128*sum(w))
 *   float  dexp[n_in/32][8]  each block's scale repeated 8 times (one ymm, two blocks = one
 *                             zmm: the per-block scale is a plain load, no shuffle)
 * Row bytes: n_in + 32*(n_in/32) = 2*n_in, rounded up to 64.
 * For K-quants the format is plain Q8_K; for float weights plain F32. */
int64_t tk_x8_row_bytes(int64_t n_in);
void tk_quantize_x8(const float *x, int64_t n, void *dst); /* scalar reference */
/* x8 (type = any *_0 weight type's x8) or Q8_K (type = TK_TYPE_Q8_K) at the level in force;
 * byte-identical to the scalar quantizers. */
void tk_quantize_activations(int type, const float *x, int64_t n, void *dst);

/* Kernel: dot products of one weight row (n values) with nx activation rows (any nx >= 1)
 * stored x_stride bytes apart in the matmul's internal format; out[t] for t < nx. */
typedef void (*tk_rows_kernel)(int64_t n, const void *w_row, const void *x, size_t x_stride,
                               int nx, float *out);

/* A kernel that can stop and resume a row (the AVX-512 kernels of the repacked layouts, whose
 * rows are cut into K slices, see matmul.c): the same dot products, from and to 16-lane float
 * accumulators lanes[16 * t .. 16 * t + 15] per token. With TK_LANES_IN the accumulators start
 * from lanes (else zero); with TK_LANES_OUT they are stored back to lanes (else reduced into
 * out[t]). A row done in slices so gives the same bits as the row done in one call. */
enum { TK_LANES_IN = 1, TK_LANES_OUT = 2 };
typedef void (*tk_lanes_kernel)(int64_t n, const void *w_row, const void *x, size_t x_stride,
                                int nx, float *lanes, int flags, float *out);
tk_lanes_kernel tk_lanes_kernel_avx512(int type, bool vnni);
/* y[t * y_stride + r] = the sum of the 16 lanes at lanes + r * row_stride + 16 * t, for
 * r < n_rows <= 16 and t < nx: the same bits as a lanes kernel's own reduction. */
void tk_reduce_lanes_avx512(const float *lanes, int64_t row_stride, int n_rows, int nx, float *y, int64_t y_stride);

/* Per-level kernel tables: NULL = not available at that level (falls back to a lower one). */
tk_rows_kernel tk_rows_kernel_scalar(int type);
tk_rows_kernel tk_rows_kernel_avx2(int type);
tk_rows_kernel tk_rows_kernel_avx512(int type, bool vnni);
/* The scalar twins of the repacked K-quant kernels (repack_x16.c). */
void tk_rows_q4_K_x16_scalar(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out);
void tk_rows_q6_K_x16_scalar(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out);


#endif
