/* Scalar reference kernels: one weight row against nx activation rows in the matmul's
 * internal formats (x8 for the *_0 types, Q8_K for K-quants, F32 for float weights).
 * Every SIMD kernel is tested against these. */
#include "quant_blocks.h"

#define H2F tk_fp16_to_f32

static float dot_q4_0_x8(int64_t n, const blk_q4_0 *w, const uint8_t *xu) {
    const float *xd = (const float *)(xu + n);
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++, xu += QK) {
        int xq[QK];
        for (int j = 0; j < QK; j++) xq[j] = xu[j] - 128;
        int s = 0;
        for (int j = 0; j < 16; j++)
            s += ((w[i].qs[j] & 15) - 8) * xq[j] + ((w[i].qs[j] >> 4) - 8) * xq[j + 16];
        sum += H2F(w[i].d) * xd[8 * i] * (float)s;
    }
    return sum;
}

static float dot_q5_0_x8(int64_t n, const blk_q5_0 *w, const uint8_t *xu) {
    const float *xd = (const float *)(xu + n);
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++, xu += QK) {
        int xq[QK];
        for (int j = 0; j < QK; j++) xq[j] = xu[j] - 128;
        uint32_t qh = (uint32_t)w[i].qh[0] | (uint32_t)w[i].qh[1] << 8 |
                      (uint32_t)w[i].qh[2] << 16 | (uint32_t)w[i].qh[3] << 24;
        int s = 0;
        for (int j = 0; j < 16; j++) {
            int lo = (w[i].qs[j] & 15) | (int)((qh >> j) & 1) << 4;
            int hi = (w[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            s += (lo - 16) * xq[j] + (hi - 16) * xq[j + 16];
        }
        sum += H2F(w[i].d) * xd[8 * i] * (float)s;
    }
    return sum;
}

static float dot_q8_0_x8(int64_t n, const blk_q8_0 *w, const uint8_t *xu) {
    const float *xd = (const float *)(xu + n);
    float sum = 0;
    for (int64_t i = 0; i < n / QK; i++, xu += QK) {
        int xq[QK];
        for (int j = 0; j < QK; j++) xq[j] = xu[j] - 128;
        int s = 0;
        for (int j = 0; j < QK; j++) s += w[i].qs[j] * xq[j];
        sum += H2F(w[i].d) * xd[8 * i] * (float)s;
    }
    return sum;
}

/* K-quants: y = sum over super-blocks of dx * (d * sum_j sc_j*dot_j - dmin * sum_j m_j*xsum_j),
 * where xsum_j comes from the Q8_K bsums (two per sub-block of 32). */
static float dot_q4_K_q8_K(int64_t n, const blk_q4_K *w, const blk_q8_K *x) {
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int sumi = 0, summ = 0;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            tk_kquant_scale_min(j, w[i].scales, &sc, &m);
            const uint8_t *q = w[i].qs + 32 * (j / 2);
            const int8_t *xq = x[i].qs + 32 * j;
            int s = 0;
            for (int l = 0; l < 32; l++) s += ((j & 1) ? q[l] >> 4 : q[l] & 15) * xq[l];
            sumi += sc * s;
            summ += m * (x[i].bsums[2 * j] + x[i].bsums[2 * j + 1]);
        }
        sum += x[i].d * (H2F(w[i].d) * (float)sumi - H2F(w[i].dmin) * (float)summ);
    }
    return sum;
}

static float dot_q5_K_q8_K(int64_t n, const blk_q5_K *w, const blk_q8_K *x) {
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int sumi = 0, summ = 0;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            tk_kquant_scale_min(j, w[i].scales, &sc, &m);
            const uint8_t *q = w[i].qs + 32 * (j / 2);
            const int8_t *xq = x[i].qs + 32 * j;
            int s = 0;
            for (int l = 0; l < 32; l++) {
                int v = ((j & 1) ? q[l] >> 4 : q[l] & 15) | ((w[i].qh[l] >> j) & 1) << 4;
                s += v * xq[l];
            }
            sumi += sc * s;
            summ += m * (x[i].bsums[2 * j] + x[i].bsums[2 * j + 1]);
        }
        sum += x[i].d * (H2F(w[i].d) * (float)sumi - H2F(w[i].dmin) * (float)summ);
    }
    return sum;
}

static float dot_q6_K_q8_K(int64_t n, const blk_q6_K *w, const blk_q8_K *x) {
    float sum = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int sumi = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w[i].ql + 64 * h, *qh = w[i].qh + 32 * h;
            const int8_t *xq = x[i].qs + 128 * h;
            const int8_t *sc = w[i].scales + 8 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = ((ql[l] & 15) | ((qh[l] >> 0) & 3) << 4) - 32;
                int q2 = ((ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4) - 32;
                int q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
                int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
                sumi += sc[is] * q1 * xq[l] + sc[is + 2] * q2 * xq[l + 32] +
                        sc[is + 4] * q3 * xq[l + 64] + sc[is + 6] * q4 * xq[l + 96];
            }
        }
        sum += x[i].d * H2F(w[i].d) * (float)sumi;
    }
    return sum;
}

static float dot_f32(int64_t n, const float *w, const float *x) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += w[i] * x[i];
    return s;
}
static float dot_f16(int64_t n, const uint16_t *w, const float *x) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += H2F(w[i]) * x[i];
    return s;
}
static float dot_bf16(int64_t n, const uint16_t *w, const float *x) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += tk_bf16_to_f32(w[i]) * x[i];
    return s;
}

#define ROWS_KERNEL(name, fn, WT, XT)                                                          \
    static void name(int64_t n, const void *w, const void *x, size_t stride, int nx, float *out) { \
        for (int t = 0; t < nx; t++) out[t] = fn(n, (const WT *)w, (const XT *)((const char *)x + t * stride)); \
    }
ROWS_KERNEL(rows_q4_0, dot_q4_0_x8, blk_q4_0, uint8_t)
ROWS_KERNEL(rows_q5_0, dot_q5_0_x8, blk_q5_0, uint8_t)
ROWS_KERNEL(rows_q8_0, dot_q8_0_x8, blk_q8_0, uint8_t)
ROWS_KERNEL(rows_q4_K, dot_q4_K_q8_K, blk_q4_K, blk_q8_K)
ROWS_KERNEL(rows_q5_K, dot_q5_K_q8_K, blk_q5_K, blk_q8_K)
ROWS_KERNEL(rows_q6_K, dot_q6_K_q8_K, blk_q6_K, blk_q8_K)
ROWS_KERNEL(rows_f32, dot_f32, float, float)
ROWS_KERNEL(rows_f16, dot_f16, uint16_t, float)
ROWS_KERNEL(rows_bf16, dot_bf16, uint16_t, float)

tk_rows_kernel tk_rows_kernel_scalar(int type) {
    switch (type) {
    case TK_TYPE_Q4_0: return rows_q4_0;
    case TK_TYPE_Q5_0: return rows_q5_0;
    case TK_TYPE_Q8_0: return rows_q8_0;
    case TK_TYPE_Q4_K: return rows_q4_K;
    case TK_TYPE_Q5_K: return rows_q5_K;
    case TK_TYPE_Q6_K: return rows_q6_K;
    case TK_TYPE_Q5_0_X16: return tk_rows_q5_0_x16_scalar;
    case TK_TYPE_Q8_0_X16: return tk_rows_q8_0_x16_scalar;
    case TK_TYPE_Q4_K_X16: return tk_rows_q4_K_x16_scalar;
    case TK_TYPE_Q6_K_X16: return tk_rows_q6_K_x16_scalar;
    case TK_TYPE_F32: return rows_f32;
    case TK_TYPE_F16: return rows_f16;
    case TK_TYPE_BF16: return rows_bf16;
    default: return NULL;
    }
}
