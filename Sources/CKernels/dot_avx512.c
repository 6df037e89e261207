/* AVX-512 (F/BW/VL, + VNNI) kernels (see dot_scalar.c for the reference twins). */
#include "quant_blocks.h"

tk_rows_kernel tk_rows_kernel_avx512(int type, bool vnni) {
    (void)type; (void)vnni;
    return NULL;
}
