/* Scalar quantizers: Q8_0 / Q8_K / x8 for activations, and simple round-to-nearest
 * quantizers for every weight type (tests build weights with them; they are not tuned for
 * quality the way llama.cpp's importance-weighted quantizers are). */
#include <math.h>
#include <string.h>
#include "quant_blocks.h"

#define F2H tk_f32_to_fp16
#define H2F tk_fp16_to_f32

static float absmax(const float *x, int n) {
    float m = 0;
    for (int i = 0; i < n; i++) m = fmaxf(m, fabsf(x[i]));
    return m;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* round to nearest int, ties away from zero (any fixed rule is fine for a quantizer) */
static int rnd(float v) { return (int)lroundf(v); }

static void quant_q8_0(const float *x, blk_q8_0 *b, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, x += QK) {
        float d = absmax(x, QK) / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
        b[i].d = F2H(d);
        for (int j = 0; j < QK; j++) b[i].qs[j] = (int8_t)clampi(rnd(x[j] * id), -127, 127);
    }
}

static void quant_q8_K(const float *x, blk_q8_K *b, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        float d = absmax(x, QK_K) / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
        b[i].d = d;
        for (int j = 0; j < QK_K; j++) b[i].qs[j] = (int8_t)clampi(rnd(x[j] * id), -127, 127);
        for (int g = 0; g < QK_K / 16; g++) {
            int s = 0;
            for (int j = 0; j < 16; j++) s += b[i].qs[16 * g + j];
            b[i].bsums[g] = (int16_t)s;
        }
    }
}

static void quant_q4_0(const float *x, blk_q4_0 *b, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, x += QK) {
        b[i].d = F2H(absmax(x, QK) / 7.0f);
        float d = H2F(b[i].d), id = d > 0 ? 1.0f / d : 0.0f;
        for (int j = 0; j < QK / 2; j++) {
            int lo = clampi(rnd(x[j] * id) + 8, 0, 15), hi = clampi(rnd(x[j + 16] * id) + 8, 0, 15);
            b[i].qs[j] = (uint8_t)(lo | hi << 4);
        }
    }
}

static void quant_q5_0(const float *x, blk_q5_0 *b, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, x += QK) {
        b[i].d = F2H(absmax(x, QK) / 15.0f);
        float d = H2F(b[i].d), id = d > 0 ? 1.0f / d : 0.0f;
        uint32_t qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            int lo = clampi(rnd(x[j] * id) + 16, 0, 31), hi = clampi(rnd(x[j + 16] * id) + 16, 0, 31);
            b[i].qs[j] = (uint8_t)((lo & 15) | (hi & 15) << 4);
            qh |= (uint32_t)(lo >> 4) << j | (uint32_t)(hi >> 4) << (j + 16);
        }
        memcpy(b[i].qh, &qh, 4); /* little-endian u32 */
    }
}

/* Q4_K / Q5_K common part: per sub-block of 32 an affine map x ≈ d*sc*q - dmin*m with
 * q in [0, qmax]. Scales and mins are rounded up so every value stays in range.
 * Writes d, dmin, the packed scales and the 256 q values (unpacked) to q. */
static void kquant_affine(const float *x, int qmax, tk_half *d_out, tk_half *dmin_out,
                          uint8_t scales[12], uint8_t q[QK_K]) {
    float scale[8], minv[8], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        float mn = 0, mx = 0;
        for (int l = 0; l < 32; l++) { mn = fminf(mn, x[32 * j + l]); mx = fmaxf(mx, x[32 * j + l]); }
        scale[j] = (mx - mn) / qmax;
        minv[j] = -mn;
        max_scale = fmaxf(max_scale, scale[j]);
        max_min = fmaxf(max_min, minv[j]);
    }
    *d_out = F2H(max_scale / 63.0f);
    *dmin_out = F2H(max_min / 63.0f);
    float d = H2F(*d_out), dmin = H2F(*dmin_out);
    uint8_t sc[8], m[8];
    for (int j = 0; j < 8; j++) {
        sc[j] = (uint8_t)(d > 0 ? clampi((int)ceilf(scale[j] / d), 0, 63) : 0);
        m[j] = (uint8_t)(dmin > 0 ? clampi((int)ceilf(minv[j] / dmin), 0, 63) : 0);
        float step = d * sc[j], id = step > 0 ? 1.0f / step : 0.0f;
        for (int l = 0; l < 32; l++)
            q[32 * j + l] = (uint8_t)clampi(rnd((x[32 * j + l] + dmin * m[j]) * id), 0, qmax);
    }
    memset(scales, 0, 12);
    for (int j = 0; j < 4; j++) { scales[j] = sc[j]; scales[j + 4] = m[j]; }
    for (int j = 4; j < 8; j++) {
        scales[j + 4] = (uint8_t)((sc[j] & 15) | (m[j] & 15) << 4);
        scales[j - 4] |= (uint8_t)((sc[j] >> 4) << 6);
        scales[j] |= (uint8_t)((m[j] >> 4) << 6);
    }
}

static void quant_q4_K(const float *x, blk_q4_K *b, int64_t nb) {
    uint8_t q[QK_K];
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        kquant_affine(x, 15, &b[i].d, &b[i].dmin, b[i].scales, q);
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++)
                b[i].qs[32 * c + l] = (uint8_t)(q[64 * c + l] | q[64 * c + 32 + l] << 4);
    }
}

static void quant_q5_K(const float *x, blk_q5_K *b, int64_t nb) {
    uint8_t q[QK_K];
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        kquant_affine(x, 31, &b[i].d, &b[i].dmin, b[i].scales, q);
        memset(b[i].qh, 0, sizeof b[i].qh);
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++) {
                int lo = q[64 * c + l], hi = q[64 * c + 32 + l];
                b[i].qs[32 * c + l] = (uint8_t)((lo & 15) | (hi & 15) << 4);
                b[i].qh[l] |= (uint8_t)((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
            }
    }
}

/* Q6_K: a signed 8-bit scale per 16 values (sub-block index = position / 16), q in [-32, 31]. */
static void quant_q6_K(const float *x, blk_q6_K *b, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        float scale[16], max_scale = 0;
        for (int j = 0; j < 16; j++) { scale[j] = absmax(x + 16 * j, 16) / 31.0f; max_scale = fmaxf(max_scale, scale[j]); }
        b[i].d = F2H(max_scale / 127.0f);
        float d = H2F(b[i].d);
        uint8_t q[QK_K];
        for (int j = 0; j < 16; j++) {
            int sc = d > 0 ? clampi((int)ceilf(scale[j] / d), 0, 127) : 0;
            b[i].scales[j] = (int8_t)sc;
            float step = d * sc, id = step > 0 ? 1.0f / step : 0.0f;
            for (int l = 0; l < 16; l++) q[16 * j + l] = (uint8_t)(clampi(rnd(x[16 * j + l] * id), -32, 31) + 32);
        }
        for (int h = 0; h < 2; h++) {
            const uint8_t *qq = q + 128 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = qq[l], q2 = qq[l + 32], q3 = qq[l + 64], q4 = qq[l + 96];
                b[i].ql[64 * h + l] = (uint8_t)((q1 & 15) | (q3 & 15) << 4);
                b[i].ql[64 * h + l + 32] = (uint8_t)((q2 & 15) | (q4 & 15) << 4);
                b[i].qh[32 * h + l] = (uint8_t)((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
    }
}

static uint16_t f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet nan */
    u += 0x7fffu + ((u >> 16) & 1u); /* round to nearest even */
    return (uint16_t)(u >> 16);
}

bool tk_quantize_row(int type, const float *src, void *dst, int64_t n) {
    int64_t bs = tk_type_block_size(type);
    if (bs == 0 || n % bs != 0) return false;
    int64_t nb = n / bs;
    switch (type) {
    case TK_TYPE_F32: memcpy(dst, src, (size_t)n * 4); return true;
    case TK_TYPE_F16: { uint16_t *d = dst; for (int64_t i = 0; i < n; i++) d[i] = F2H(src[i]); return true; }
    case TK_TYPE_BF16: { uint16_t *d = dst; for (int64_t i = 0; i < n; i++) d[i] = f32_to_bf16(src[i]); return true; }
    case TK_TYPE_Q4_0: quant_q4_0(src, dst, nb); return true;
    case TK_TYPE_Q5_0: quant_q5_0(src, dst, nb); return true;
    case TK_TYPE_Q8_0: quant_q8_0(src, dst, nb); return true;
    case TK_TYPE_Q4_K: quant_q4_K(src, dst, nb); return true;
    case TK_TYPE_Q5_K: quant_q5_K(src, dst, nb); return true;
    case TK_TYPE_Q6_K: quant_q6_K(src, dst, nb); return true;
    case TK_TYPE_Q8_K: quant_q8_K(src, dst, nb); return true;
    default: return false;
    }
}

/* ---- x8: the matmul's activation format for the *_0 weight types (quant_blocks.h) ---- */
int64_t tk_x8_row_bytes(int64_t n_in) {
    return (n_in + n_in / QK * 4 + 63) / 64 * 64;
}

void tk_quantize_x8(const float *x, int64_t n, void *dst) {
    int8_t *qs = dst;
    float *d = (float *)(qs + n);
    for (int64_t i = 0; i < n / QK; i++, x += QK, qs += QK) {
        float di = absmax(x, QK) / 127.0f, id = di > 0 ? 1.0f / di : 0.0f;
        d[i] = di;
        for (int j = 0; j < QK; j++) qs[j] = (int8_t)clampi(rnd(x[j] * id), -127, 127);
    }
}
