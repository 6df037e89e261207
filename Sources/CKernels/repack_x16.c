/* Repacked K-quant layouts (see quant_blocks.h, "x16"): the load-time repacking, the
 * activation format, and the scalar reference twins of the AVX-512 kernels in dot_avx512.c. */
#include "quant_blocks.h"

int tk_repacked_type(int type, int64_t n_in) {
    int64_t block = type == TK_TYPE_Q5_0 || type == TK_TYPE_Q8_0 ? QK : QK_K;
    if (n_in <= 0 || n_in % block != 0 || !tk_cpu_has_avx512_vnni()) return type;
    switch (type) {
    case TK_TYPE_Q4_K: return TK_TYPE_Q4_K_X16;
    case TK_TYPE_Q6_K: return TK_TYPE_Q6_K_X16;
    case TK_TYPE_Q5_0: return TK_TYPE_Q5_0_X16;
    case TK_TYPE_Q8_0: return TK_TYPE_Q8_0_X16;
    default: return type;
    }
}

/* Repacking runs once per weight at load (about a gigabyte for the 1.5B model), so it works
 * a super-block at a time in three plain loops the compiler vectorizes: unpack the quants to
 * one byte per value in natural order, move 32-bit words (4 values) into x16 order, pack. */

/* 256 values in natural order -> x16 order: word (k, g) is natural word 4g + k. */
static void to_x16_order(const uint8_t natural[QK_K], uint8_t x16[QK_K]) {
    uint32_t in[64], out[64];
    memcpy(in, natural, sizeof in);
    for (int g = 0; g < 16; g++)
        for (int k = 0; k < 4; k++) out[16 * k + g] = in[4 * g + k];
    memcpy(x16, out, sizeof out);
}

/* Low 4 bits of chunks 2m and 2m+1 into the nibbles of out[64m + b]. */
static void pack_nibbles(const uint8_t u[QK_K], uint8_t out[128]) {
    for (int m = 0; m < 2; m++)
        for (int b = 0; b < 64; b++) out[64 * m + b] = (uint8_t)((u[128 * m + b] & 15) | (u[128 * m + 64 + b] & 15) << 4);
}

static void repack_q4_K(const blk_q4_K *src, blk_q4_K_x16 *dst, int64_t nb) {
    uint8_t natural[QK_K], u[QK_K];
    for (int64_t i = 0; i < nb; i++) {
        const blk_q4_K *s = &src[i];
        /* chunk c: values 64c..64c+31 in the low nibbles of qs[32c..], the next 32 in the high */
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++) {
                natural[64 * c + l] = s->qs[32 * c + l] & 15;
                natural[64 * c + 32 + l] = s->qs[32 * c + l] >> 4;
            }
        to_x16_order(natural, u);
        blk_q4_K_x16 *d = &dst[i];
        pack_nibbles(u, d->qs);
        tk_kquant_scales_mins(s->scales, d->sc, d->m);
        d->d = s->d;
        d->dmin = s->dmin;
    }
}

static void repack_q6_K(const blk_q6_K *src, blk_q6_K_x16 *dst, int64_t nb) {
    uint8_t natural[QK_K], u[QK_K];
    for (int64_t i = 0; i < nb; i++) {
        const blk_q6_K *s = &src[i];
        for (int h = 0; h < 2; h++) /* as dequant_q6_K */
            for (int l = 0; l < 32; l++) {
                const uint8_t *ql = s->ql + 64 * h, qh = s->qh[32 * h + l];
                uint8_t *y = natural + 128 * h;
                y[l] = (uint8_t)((ql[l] & 15) | (qh & 3) << 4);
                y[l + 32] = (uint8_t)((ql[l + 32] & 15) | ((qh >> 2) & 3) << 4);
                y[l + 64] = (uint8_t)((ql[l] >> 4) | ((qh >> 4) & 3) << 4);
                y[l + 96] = (uint8_t)((ql[l + 32] >> 4) | ((qh >> 6) & 3) << 4);
            }
        to_x16_order(natural, u);
        blk_q6_K_x16 *d = &dst[i];
        pack_nibbles(u, d->ql);
        for (int b = 0; b < 64; b++)
            d->qh[b] = (uint8_t)((u[b] >> 4) | (u[64 + b] >> 4) << 2 | (u[128 + b] >> 4) << 4 | (u[192 + b] >> 4) << 6);
        memcpy(d->sc, s->scales, sizeof d->sc); /* Q6_K's sub-blocks are the groups */
        d->d = s->d;
    }
}

bool tk_repack(int type, const void *src, void *dst, int64_t rows, int64_t n_in) {
    if (rows < 0 || n_in <= 0) return false;
    if (type == TK_TYPE_Q5_0 || type == TK_TYPE_Q8_0) {
        if (n_in % QK != 0) return false;
        int64_t row_bytes = tk_row_bytes(type, n_in);
        for (int64_t r = 0; r < rows; r++) {
            const char *s = (const char *)src + r * row_bytes;
            uint8_t *d = (uint8_t *)dst + r * row_bytes;
            if (type == TK_TYPE_Q5_0) tk_repack_q5_0_x16((const blk_q5_0 *)s, d, n_in / QK);
            else tk_repack_q8_0_x16((const blk_q8_0 *)s, d, n_in / QK);
        }
        return true;
    }
    if (n_in % QK_K != 0) return false;
    int64_t nb = n_in / QK_K;
    for (int64_t r = 0; r < rows; r++) {
        switch (type) {
        case TK_TYPE_Q4_K:
            repack_q4_K((const blk_q4_K *)src + r * nb, (blk_q4_K_x16 *)dst + r * nb, nb);
            break;
        case TK_TYPE_Q6_K:
            repack_q6_K((const blk_q6_K *)src + r * nb, (blk_q6_K_x16 *)dst + r * nb, nb);
            break;
        default:
            return false;
        }
    }
    return true;
}

void tk_q8_K_to_x16(const blk_q8_K *src, blk_q8_K_x16 *dst, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        /* 32-bit word (k, g) of the output is word 4g + k of the input: a 16 x 4 transpose. */
        uint32_t in[64], out[64];
        memcpy(in, src[i].qs, sizeof in);
        for (int g = 0; g < 16; g++)
            for (int k = 0; k < 4; k++) out[16 * k + g] = in[4 * g + k];
        memcpy(dst[i].qs, out, sizeof out);
        for (int g = 0; g < 16; g++) {
            dst[i].bs[g] = src[i].bsums[g];
            dst[i].dbs[g] = (float)src[i].bsums[g] * src[i].d;
        }
        dst[i].d = src[i].d;
        memset(dst[i].pad, 0, sizeof dst[i].pad);
    }
}

void tk_quantize_q8_K_x16(const float *x, int64_t n, void *dst) {
    blk_q8_K tmp;
    for (int64_t i = 0; i < n / QK_K; i++) {
        tk_quantize_activations(TK_TYPE_Q8_K, x + i * QK_K, QK_K, &tmp);
        tk_q8_K_to_x16(&tmp, (blk_q8_K_x16 *)dst + i, 1);
    }
}

/* ---- scalar reference twins: per group g, S_g = sum of quant * x over its 16 values ---- */

static inline int group_dot(const uint8_t q[4][64], const int8_t *xq, int g) {
    int s = 0;
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 4; j++) s += q[k][4 * g + j] * xq[64 * k + 4 * g + j];
    return s;
}

/* y = sum over super-blocks and groups of S_g * (sc_g * d * xd) - (m_g * dmin) * dbs_g,
 * as the kernel computes them (sc_g * d and m_g * dmin exact) */
static float dot_q4_K_x16(int64_t n, const blk_q4_K_x16 *w, const blk_q8_K_x16 *x) {
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t q[4][64];
        for (int k = 0; k < 4; k++)
            for (int b = 0; b < 64; b++) {
                uint8_t byte = w[i].qs[64 * (k / 2) + b];
                q[k][b] = (k % 2) ? byte >> 4 : byte & 15;
            }
        float d = tk_fp16_to_f32(w[i].d), dmin = tk_fp16_to_f32(w[i].dmin);
        for (int g = 0; g < 16; g++) {
            sum += (float)group_dot((const uint8_t(*)[64])q, x[i].qs, g) * ((float)w[i].sc[g / 2] * d * x[i].d);
            sum -= (float)w[i].m[g / 2] * dmin * x[i].dbs[g];
        }
    }
    return sum;
}

/* y = sum of (S_g - 32 * bs_g) * (sc_g * d * xd), the integer part exact as in the kernel */
static float dot_q6_K_x16(int64_t n, const blk_q6_K_x16 *w, const blk_q8_K_x16 *x) {
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t q[4][64];
        for (int k = 0; k < 4; k++)
            for (int b = 0; b < 64; b++) {
                uint8_t byte = w[i].ql[64 * (k / 2) + b];
                uint8_t low = (k % 2) ? byte >> 4 : byte & 15;
                q[k][b] = (uint8_t)(low | ((w[i].qh[b] >> (2 * k)) & 3) << 4);
            }
        float d = tk_fp16_to_f32(w[i].d);
        for (int g = 0; g < 16; g++)
            sum += (float)(group_dot((const uint8_t(*)[64])q, x[i].qs, g) - 32 * x[i].bs[g]) * ((float)w[i].sc[g] * d * x[i].d);
    }
    return sum;
}

void tk_rows_q4_K_x16_scalar(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out) {
    for (int t = 0; t < nx; t++) out[t] = dot_q4_K_x16(n, w, (const blk_q8_K_x16 *)((const char *)x + t * stride));
}

void tk_rows_q6_K_x16_scalar(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out) {
    for (int t = 0; t < nx; t++) out[t] = dot_q6_K_x16(n, w, (const blk_q8_K_x16 *)((const char *)x + t * stride));
}
