/* CKernels: the engine's hot loops, in C.
 *
 * Ownership of the files in this target:
 *   tk_types.h / tk_quant.h / tk_pool.h (+ their .c files): quant blocks, CPU dispatch,
 *     dequantization, activation quantization, dot products, matmul, thread pool.
 *   tk_ops.h (+ ops*.c): the non-matmul transformer ops (norm, rotary, attention, ...).
 * Every SIMD kernel has a scalar reference twin reachable through tk_set_kernel_level(). */
#ifndef TAKUMI_CKERNELS_H
#define TAKUMI_CKERNELS_H
#include "tk_types.h"
#include "tk_pool.h"
#include "tk_quant.h"
#include "tk_ops.h"
#endif
