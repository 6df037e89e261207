/* Scalar dequantization of every supported type (the reference for all other kernels). */
#include "quant_blocks.h"

#define H2F tk_fp16_to_f32

static void dequant_q4_0(const blk_q4_0 *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += QK) {
        float d = H2F(b[i].d);
        for (int j = 0; j < QK / 2; j++) {
            y[j] = d * ((b[i].qs[j] & 15) - 8);
            y[j + 16] = d * ((b[i].qs[j] >> 4) - 8);
        }
    }
}

static void dequant_q5_0(const blk_q5_0 *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += QK) {
        float d = H2F(b[i].d);
        uint32_t qh = (uint32_t)b[i].qh[0] | (uint32_t)b[i].qh[1] << 8 |
                      (uint32_t)b[i].qh[2] << 16 | (uint32_t)b[i].qh[3] << 24;
        for (int j = 0; j < QK / 2; j++) {
            int lo = (b[i].qs[j] & 15) | (int)((qh >> j) & 1) << 4;
            int hi = (b[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            y[j] = d * (lo - 16);
            y[j + 16] = d * (hi - 16);
        }
    }
}

static void dequant_q8_0(const blk_q8_0 *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += QK) {
        float d = H2F(b[i].d);
        for (int j = 0; j < QK; j++) y[j] = d * b[i].qs[j];
    }
}

/* Q4_K: 4 chunks of 64 values; chunk c uses qs[32c..32c+31], sub-blocks 2c (low nibbles)
 * and 2c+1 (high nibbles). */
static void dequant_q4_K(const blk_q4_K *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = H2F(b[i].d), dmin = H2F(b[i].dmin);
        const uint8_t *q = b[i].qs;
        for (int c = 0; c < 4; c++, q += 32) {
            uint8_t sc0, m0, sc1, m1;
            tk_kquant_scale_min(2 * c, b[i].scales, &sc0, &m0);
            tk_kquant_scale_min(2 * c + 1, b[i].scales, &sc1, &m1);
            for (int l = 0; l < 32; l++) *y++ = d * sc0 * (q[l] & 15) - dmin * m0;
            for (int l = 0; l < 32; l++) *y++ = d * sc1 * (q[l] >> 4) - dmin * m1;
        }
    }
}

/* Q5_K: as Q4_K plus a fifth bit: for chunk c, bit 2c of qh[l] for the low half and
 * bit 2c+1 for the high half. */
static void dequant_q5_K(const blk_q5_K *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = H2F(b[i].d), dmin = H2F(b[i].dmin);
        const uint8_t *q = b[i].qs;
        for (int c = 0; c < 4; c++, q += 32) {
            uint8_t sc0, m0, sc1, m1;
            tk_kquant_scale_min(2 * c, b[i].scales, &sc0, &m0);
            tk_kquant_scale_min(2 * c + 1, b[i].scales, &sc1, &m1);
            for (int l = 0; l < 32; l++)
                *y++ = d * sc0 * ((q[l] & 15) | (((b[i].qh[l] >> (2 * c)) & 1) << 4)) - dmin * m0;
            for (int l = 0; l < 32; l++)
                *y++ = d * sc1 * ((q[l] >> 4) | (((b[i].qh[l] >> (2 * c + 1)) & 1) << 4)) - dmin * m1;
        }
    }
}

static void dequant_q6_K(const blk_q6_K *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        float d = H2F(b[i].d);
        for (int half = 0; half < 2; half++, y += 128) {
            const uint8_t *ql = b[i].ql + 64 * half, *qh = b[i].qh + 32 * half;
            const int8_t *sc = b[i].scales + 8 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = ((ql[l] & 15) | ((qh[l] >> 0) & 3) << 4) - 32;
                int q2 = ((ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4) - 32;
                int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
                int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
                y[l] = d * sc[is] * q1;
                y[l + 32] = d * sc[is + 2] * q2;
                y[l + 64] = d * sc[is + 4] * q3;
                y[l + 96] = d * sc[is + 6] * q4;
            }
        }
    }
}

static void dequant_q8_K(const blk_q8_K *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += QK_K)
        for (int j = 0; j < QK_K; j++) y[j] = b[i].d * b[i].qs[j];
}

void tk_dequantize_row(int type, const void *src, float *dst, int64_t n) {
    int64_t bs = tk_type_block_size(type);
    if (bs == 0 || n % bs != 0) return;
    int64_t nb = n / bs;
    switch (type) {
    case TK_TYPE_F32: {
        const float *s = src;
        for (int64_t i = 0; i < n; i++) dst[i] = s[i];
        break;
    }
    case TK_TYPE_F16: {
        const uint16_t *s = src;
        for (int64_t i = 0; i < n; i++) dst[i] = tk_fp16_to_f32(s[i]);
        break;
    }
    case TK_TYPE_BF16: {
        const uint16_t *s = src;
        for (int64_t i = 0; i < n; i++) dst[i] = tk_bf16_to_f32(s[i]);
        break;
    }
    case TK_TYPE_Q4_0: dequant_q4_0(src, dst, nb); break;
    case TK_TYPE_Q5_0: dequant_q5_0(src, dst, nb); break;
    case TK_TYPE_Q8_0: dequant_q8_0(src, dst, nb); break;
    case TK_TYPE_Q4_K: dequant_q4_K(src, dst, nb); break;
    case TK_TYPE_Q5_K: dequant_q5_K(src, dst, nb); break;
    case TK_TYPE_Q6_K: dequant_q6_K(src, dst, nb); break;
    case TK_TYPE_Q8_K: dequant_q8_K(src, dst, nb); break;
    default: break;
    }
}
