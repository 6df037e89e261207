/* Repacked *_0 weight layouts (Q5_0_X16, Q8_0_X16; see quant_blocks.h), their activation
 * format (X8_X16) and the scalar reference twins of the AVX-512 kernels in dot_avx512.c. */
#include "quant_blocks.h"

/* Block j of a set, value i (0..31) -> (chunk k, byte b) in a set of r blocks. */
static inline int set_chunk(int i) { return i / 4; }
static inline int set_byte(int j, int i) { return 4 * j + i % 4; }

/* Repacking runs once per weight at load, so it works a set at a time in plain loops:
 * unpack each block's quants to one byte per value, move 4-value words into chunk order
 * (chunk k of a set = word k of each block in turn), then pack. */
typedef struct { uint8_t u[8][64]; } set_bytes; /* chunk k, byte b (4r bytes used) */

static void gather_words(set_bytes *out, const uint8_t values[32], int j) {
    for (int k = 0; k < 8; k++) memcpy(&out->u[k][4 * j], values + 4 * k, 4);
}

void tk_repack_q8_0_x16(const blk_q8_0 *src, uint8_t *dst, int64_t nb) {
    for (int64_t s = 0; s < tk_x16_sets(nb); s++) {
        int r = (int)(nb - 16 * s < 16 ? nb - 16 * s : 16);
        const blk_q8_0 *b = src + 16 * s;
        set_bytes set;
        for (int j = 0; j < r; j++) {
            uint8_t v[32];
            for (int i = 0; i < QK; i++) v[i] = (uint8_t)(b[j].qs[i] + 128);
            gather_words(&set, v, j);
            memcpy(dst + 2 * j, &b[j].d, 2);
        }
        for (int k = 0; k < 8; k++) memcpy(dst + 2 * r + 4 * r * k, set.u[k], (size_t)(4 * r));
        dst += 34 * r;
    }
}

void tk_repack_q5_0_x16(const blk_q5_0 *src, uint8_t *dst, int64_t nb) {
    for (int64_t s = 0; s < tk_x16_sets(nb); s++) {
        int r = (int)(nb - 16 * s < 16 ? nb - 16 * s : 16);
        const blk_q5_0 *b = src + 16 * s;
        set_bytes set;
        for (int j = 0; j < r; j++) {
            /* Q5_0: value i's low 4 bits are nibble i%16 of qs (low nibbles first), bit 4 is qh bit i */
            uint32_t high;
            memcpy(&high, b[j].qh, 4);
            uint8_t v[32];
            for (int i = 0; i < 16; i++) {
                v[i] = (uint8_t)((b[j].qs[i] & 15) | ((high >> i) & 1) << 4);
                v[i + 16] = (uint8_t)((b[j].qs[i] >> 4) | ((high >> (i + 16)) & 1) << 4);
            }
            gather_words(&set, v, j);
            memcpy(dst + 2 * j, &b[j].d, 2);
        }
        uint8_t *qh = dst + 2 * r, *qs = qh + 4 * r;
        memset(qh, 0, (size_t)(4 * r));
        for (int k = 0; k < 8; k++)
            for (int byte = 0; byte < 4 * r; byte++) {
                int bit = 4 * r * k + byte;
                qh[bit / 8] |= (uint8_t)(((set.u[k][byte] >> 4) & 1) << (bit % 8));
            }
        for (int m = 0; m < 4; m++)
            for (int byte = 0; byte < 4 * r; byte++)
                qs[4 * r * m + byte] = (uint8_t)((set.u[2 * m][byte] & 15) | (set.u[2 * m + 1][byte] & 15) << 4);
        dst += 22 * r;
    }
}

void tk_quantize_x8_x16(const float *x, int64_t n, int offset, void *dst) {
    /* Q8_0 quantization of each 512-value piece through the x8 quantizer (at the level in
     * force; byte-identical to scalar), then the set layout. */
    _Alignas(64) uint8_t x8[512 + 16 * 8 * 4 + 64];
    blk_x8_x16 *out = dst;
    int64_t nb = n / QK;
    for (int64_t s = 0; s < tk_x16_sets(nb); s++) {
        int r = (int)(nb - 16 * s < 16 ? nb - 16 * s : 16);
        tk_quantize_activations(TK_TYPE_Q8_0, x + 512 * s, 32 * r, x8);
        const float *dexp = (const float *)(x8 + 32 * r);
        blk_x8_x16 *o = &out[s];
        memset(o, 0, sizeof *o);
        for (int j = 0; j < r; j++) {
            int sum = 0;
            for (int i = 0; i < QK; i++) {
                int q = (int)x8[32 * j + i] - 128;
                o->qs[set_chunk(i)][set_byte(j, i)] = (int8_t)q;
                sum += q;
            }
            o->d[j] = dexp[8 * j];
            o->init[j] = -offset * sum;
        }
    }
}

/* Scalar twins: per block j, S_j = init_j + sum of quant * x (the integers the kernel adds),
 * y = sum_j S_j * (dw_j * dx_j). */
static float dot_x16_blocks(int64_t n, const uint8_t *w, const blk_x8_x16 *x, int block_bytes) {
    int64_t nb = n / QK;
    float sum = 0;
    for (int64_t s = 0; s < tk_x16_sets(nb); s++) {
        int r = (int)(nb - 16 * s < 16 ? nb - 16 * s : 16);
        const tk_half *d = (const tk_half *)w;
        for (int j = 0; j < r; j++) {
            int acc = x[s].init[j];
            for (int i = 0; i < QK; i++) {
                int k = set_chunk(i), byte = set_byte(j, i), q;
                if (block_bytes == 34) {
                    q = w[2 * r + 4 * r * k + byte];
                } else {
                    const uint8_t *qh = w + 2 * r, *qs = qh + 4 * r;
                    int bit = 4 * r * k + byte;
                    q = ((qs[4 * r * (k / 2) + byte] >> (4 * (k % 2))) & 15) | ((qh[bit / 8] >> (bit % 8)) & 1) << 4;
                }
                acc += q * x[s].qs[k][byte];
            }
            sum += (float)acc * (tk_fp16_to_f32(d[j]) * x[s].d[j]);
        }
        w += (int64_t)block_bytes * r;
    }
    return sum;
}

void tk_rows_q5_0_x16_scalar(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out) {
    for (int t = 0; t < nx; t++) out[t] = dot_x16_blocks(n, w, (const blk_x8_x16 *)((const char *)x + t * stride), 22);
}

void tk_rows_q8_0_x16_scalar(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out) {
    for (int t = 0; t < nx; t++) out[t] = dot_x16_blocks(n, w, (const blk_x8_x16 *)((const char *)x + t * stride), 34);
}
