#ifndef TAKUMI_TK_TYPES_H
#define TAKUMI_TK_TYPES_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* GGUF / ggml tensor type ids (the numbers stored in the file). */
typedef enum {
    TK_TYPE_F32  = 0,
    TK_TYPE_F16  = 1,
    TK_TYPE_Q4_0 = 2,
    TK_TYPE_Q4_1 = 3,
    TK_TYPE_Q5_0 = 6,
    TK_TYPE_Q5_1 = 7,
    TK_TYPE_Q8_0 = 8,
    TK_TYPE_Q4_K = 12,
    TK_TYPE_Q5_K = 13,
    TK_TYPE_Q6_K = 14,
    TK_TYPE_Q8_K = 15,
    TK_TYPE_BF16 = 30,
    /* Engine-internal layouts, never found in files (see tk_repack in tk_quant.h): the same
     * quantized values as Q4_K / Q6_K, reordered at load for the AVX-512 VNNI GEMM, and
     * their activation format. */
    TK_TYPE_Q5_0_X16 = 106,
    TK_TYPE_Q8_0_X16 = 108,
    TK_TYPE_X8_X16 = 109,   /* activations for Q5_0_X16 / Q8_0_X16 */
    TK_TYPE_Q4_K_X16 = 112,
    TK_TYPE_Q6_K_X16 = 114,
    TK_TYPE_Q8_K_X16 = 115,
} tk_type;

/* Which instruction set the dispatching kernels use. TK_LEVEL_AUTO = best the CPU+OS allow. */
typedef enum {
    TK_LEVEL_AUTO = -1,
    TK_LEVEL_SCALAR = 0,
    TK_LEVEL_AVX2 = 1,   /* AVX2 + FMA + F16C */
    TK_LEVEL_AVX512 = 2, /* AVX-512 F/BW/VL (+VNNI when present) */
} tk_level;

#endif
