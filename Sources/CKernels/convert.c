/* Scalar fp16 / bf16 conversions and block geometry (see tk_quant.h). */
#include <string.h>
#include "quant_blocks.h"

static inline uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float tk_fp16_to_f32(uint16_t h) { return tk_half_bits_to_float(h); }

uint16_t tk_f32_to_fp16(float f) {
    uint32_t u = f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) return sign | 0x7c00 | (a > 0x7f800000u ? 0x200 : 0); /* inf / nan */
    if (a >= 0x477ff000u) return sign | 0x7c00;  /* rounds to >= 65520: overflow to inf */
    if (a < 0x38800000u) {
        /* result is subnormal (or zero): scale so the integer part is the mantissa,
         * float addition rounds to nearest even for us. */
        float v = bits_f32(a) * 16777216.0f; /* 2^24: units of the smallest subnormal */
        uint32_t m = (uint32_t)__builtin_nearbyintf(v);
        return sign | (uint16_t)m; /* m == 0x400 rolls into the smallest normal, correctly */
    }
    /* normal: rebias the exponent, round the 13 dropped bits to nearest even */
    uint32_t r = a - ((127u - 15u) << 23);
    r += 0xfffu + ((r >> 13) & 1u);
    return sign | (uint16_t)(r >> 13);
}

float tk_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

int64_t tk_type_block_size(int type) {
    switch (type) {
    case TK_TYPE_F32: case TK_TYPE_F16: case TK_TYPE_BF16: return 1;
    case TK_TYPE_Q4_0: case TK_TYPE_Q4_1: case TK_TYPE_Q5_0: case TK_TYPE_Q5_1: case TK_TYPE_Q8_0: return QK;
    case TK_TYPE_Q5_0_X16: case TK_TYPE_Q8_0_X16: return QK;
    case TK_TYPE_Q4_K: case TK_TYPE_Q5_K: case TK_TYPE_Q6_K: case TK_TYPE_Q8_K: return QK_K;
    case TK_TYPE_Q4_K_X16: case TK_TYPE_Q6_K_X16: case TK_TYPE_Q8_K_X16: return QK_K;
    default: return 0;
    }
}

int64_t tk_type_block_bytes(int type) {
    switch (type) {
    case TK_TYPE_F32: return 4;
    case TK_TYPE_F16: case TK_TYPE_BF16: return 2;
    case TK_TYPE_Q4_0: return sizeof(blk_q4_0);
    case TK_TYPE_Q4_1: return 20; /* fp16 d, fp16 m, 16 bytes of nibbles (geometry only) */
    case TK_TYPE_Q5_0: return sizeof(blk_q5_0);
    case TK_TYPE_Q5_1: return 24; /* fp16 d, fp16 m, qh[4], qs[16] (geometry only) */
    case TK_TYPE_Q8_0: return sizeof(blk_q8_0);
    case TK_TYPE_Q4_K: return sizeof(blk_q4_K);
    case TK_TYPE_Q5_K: return sizeof(blk_q5_K);
    case TK_TYPE_Q6_K: return sizeof(blk_q6_K);
    case TK_TYPE_Q8_K: return sizeof(blk_q8_K);
    case TK_TYPE_Q5_0_X16: return sizeof(blk_q5_0);
    case TK_TYPE_Q8_0_X16: return sizeof(blk_q8_0);
    case TK_TYPE_Q4_K_X16: return sizeof(blk_q4_K_x16);
    case TK_TYPE_Q6_K_X16: return sizeof(blk_q6_K_x16);
    case TK_TYPE_Q8_K_X16: return sizeof(blk_q8_K_x16);
    default: return 0;
    }
}

int64_t tk_row_bytes(int type, int64_t n) {
    int64_t bs = tk_type_block_size(type);
    if (bs == 0 || n < 0 || n % bs != 0) return -1;
    return n / bs * tk_type_block_bytes(type);
}

bool tk_type_supported(int type) {
    switch (type) {
    case TK_TYPE_F32: case TK_TYPE_F16: case TK_TYPE_BF16:
    case TK_TYPE_Q4_0: case TK_TYPE_Q5_0: case TK_TYPE_Q8_0:
    case TK_TYPE_Q4_K: case TK_TYPE_Q5_K: case TK_TYPE_Q6_K:
    case TK_TYPE_Q4_K_X16: case TK_TYPE_Q6_K_X16: case TK_TYPE_Q5_0_X16: case TK_TYPE_Q8_0_X16:
        return true;
    default:
        return false;
    }
}

int tk_vec_dot_type(int weight_type) {
    switch (weight_type) {
    case TK_TYPE_Q4_0: case TK_TYPE_Q5_0: case TK_TYPE_Q8_0: return TK_TYPE_Q8_0;
    case TK_TYPE_Q4_K: case TK_TYPE_Q5_K: case TK_TYPE_Q6_K: return TK_TYPE_Q8_K;
    case TK_TYPE_Q4_K_X16: case TK_TYPE_Q6_K_X16: return TK_TYPE_Q8_K_X16;
    case TK_TYPE_Q5_0_X16: case TK_TYPE_Q8_0_X16: return TK_TYPE_X8_X16;
    case TK_TYPE_F32: case TK_TYPE_F16: case TK_TYPE_BF16: return TK_TYPE_F32;
    default: return -1;
    }
}
