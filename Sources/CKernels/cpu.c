/* CPU feature detection (cpuid + xgetbv) and the kernel level in force. */
#include <stdatomic.h>
#include "quant_blocks.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define TK_X86 1
#endif

typedef struct { bool avx2, avx512, vnni; } cpu_features;

#ifdef TK_X86
static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}
#endif

/* AMX is deliberately never probed: it needs an arch_prctl permission request first, and
 * using it without one kills the process (REFERENCE.md §4). */
static cpu_features detect(void) {
    cpu_features f = {false, false, false};
#ifdef TK_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12), f16c = c & (1u << 29);
    if (!osxsave || !avx) return f;
    uint64_t xcr0 = xgetbv0();
    bool os_ymm = (xcr0 & 0x6) == 0x6;            /* SSE + AVX state saved by the OS */
    bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0; /* opmask + upper zmm state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    bool avx2 = b & (1u << 5);
    bool avx512f = b & (1u << 16), avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
    bool avx512vnni = c & (1u << 11);
    f.avx2 = os_ymm && avx2 && fma && f16c;
    f.avx512 = f.avx2 && os_zmm && avx512f && avx512bw && avx512vl;
    f.vnni = f.avx512 && avx512vnni;
#endif
    return f;
}

int tk_cpu_best_level(void) {
    cpu_features f = detect();
    return f.avx512 ? TK_LEVEL_AVX512 : f.avx2 ? TK_LEVEL_AVX2 : TK_LEVEL_SCALAR;
}

bool tk_cpu_has_avx512_vnni(void) { return detect().vnni; }

/* See quant_blocks.h: the single atomic of this target. -1 = not resolved yet. cpuid is a
 * VM exit under KVM (microseconds), so the result is cached rather than probed per call. */
static _Atomic int dispatch_state = -1;

static int resolve(int level) {
    cpu_features f = detect();
    int best = f.avx512 ? TK_LEVEL_AVX512 : f.avx2 ? TK_LEVEL_AVX2 : TK_LEVEL_SCALAR;
    if (level < 0 || level > best) level = best;
    return level | (level == TK_LEVEL_AVX512 && f.vnni ? TK_FEAT_VNNI : 0);
}

int tk_dispatch_state(void) {
    int s = atomic_load_explicit(&dispatch_state, memory_order_relaxed);
    if (s < 0) {
        s = resolve(TK_LEVEL_AUTO);
        atomic_store_explicit(&dispatch_state, s, memory_order_relaxed);
    }
    return s;
}

int tk_set_kernel_level(int level) {
    int s = resolve(level);
    atomic_store_explicit(&dispatch_state, s, memory_order_relaxed);
    return s & 0xff;
}

int tk_kernel_level(void) { return tk_dispatch_state() & 0xff; }
