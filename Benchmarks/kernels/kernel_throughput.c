/* Kernel throughput with the weights in cache: tk_matmul on 256 rows x 1024 inputs (the
 * weights fit in L2), one thread, best of 300 calls, per kernel level and token count.
 * Unlike bench.c this measures the instructions, not DRAM, and short calls are rarely
 * preempted, so it gives stable numbers even on a busy shared machine.
 * Types the engine repacks at load (tk_repack) get one more row, "x16": the repacked layout's
 * kernel at the best level, which is what the forward pass runs.
 * Build and run: Benchmarks/kernels/run.sh --throughput [tokens...] (default 1 8 128) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "ckernels.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    static const struct { int type; const char *name; } types[] = {
        {TK_TYPE_Q5_0, "Q5_0"}, {TK_TYPE_Q8_0, "Q8_0"}, {TK_TYPE_Q4_0, "Q4_0"},
        {TK_TYPE_Q4_K, "Q4_K"}, {TK_TYPE_Q6_K, "Q6_K"}, {TK_TYPE_Q5_K, "Q5_K"}, {TK_TYPE_F16, "F16"},
    };
    static const char *level_names[] = {"scalar", "avx2", "avx512"};
    int default_tokens[] = {1, 8, 128}, *token_counts = default_tokens, n_counts = 3;
    int parsed[16];
    if (argc > 1) {
        n_counts = 0;
        for (int i = 1; i < argc && n_counts < 16; i++) parsed[n_counts++] = atoi(argv[i]);
        token_counts = parsed;
    }
    const int64_t n_in = 1024, rows = 256;
    int max_tokens = 1;
    for (int i = 0; i < n_counts; i++) if (token_counts[i] > max_tokens) max_tokens = token_counts[i];
    float *x = malloc(sizeof(float) * n_in * max_tokens), *row = malloc(sizeof(float) * n_in);
    float *y = malloc(sizeof(float) * rows * max_tokens);
    unsigned seed = 3;
    for (int64_t i = 0; i < n_in * max_tokens; i++) { seed = seed * 1664525u + 1013904223u; x[i] = (seed >> 9) / 4194304.0f - 1; }
    printf("%-6s %-7s %6s %10s\n", "type", "level", "tokens", "GMAC/s");
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        int type = types[ti].type;
        int64_t rb = tk_row_bytes(type, n_in);
        char *W = malloc((size_t)(rb * rows));
        for (int64_t r = 0; r < rows; r++) {
            for (int64_t i = 0; i < n_in; i++) { seed = seed * 1664525u + 1013904223u; row[i] = ((seed >> 9) / 4194304.0f - 1) * 0.05f; }
            tk_quantize_row(type, row, W + r * rb, n_in);
        }
        /* The layout the engine repacks this type into at load (x16), when it has one. */
        int repacked = tk_repacked_type(type, n_in);
        char *R = NULL;
        if (repacked != type) {
            R = malloc((size_t)(tk_row_bytes(repacked, n_in) * rows) + TK_REPACK_PADDING);
            tk_repack(type, W, R, rows, n_in);
        }
        size_t scratch_bytes = tk_matmul_scratch_bytes(type, n_in, max_tokens);
        if (R && tk_matmul_scratch_bytes(repacked, n_in, max_tokens) > scratch_bytes)
            scratch_bytes = tk_matmul_scratch_bytes(repacked, n_in, max_tokens);
        void *scratch = malloc(scratch_bytes + 1);
        for (int level = 1; level <= tk_cpu_best_level() + (R != NULL); level++) {
            /* one extra row per type: the repacked layout at the best level */
            int is_repacked = level > tk_cpu_best_level();
            tk_set_kernel_level(is_repacked ? tk_cpu_best_level() : level);
            for (int c = 0; c < n_counts; c++) {
                int tokens = token_counts[c];
                double best = 1e30;
                for (int it = 0; it < 300; it++) {
                    double t0 = now();
                    tk_matmul(NULL, is_repacked ? repacked : type, is_repacked ? R : W, rows, n_in, x, tokens, y, scratch);
                    double t = now() - t0;
                    if (t < best) best = t;
                }
                printf("%-6s %-7s %6d %10.2f\n", types[ti].name, is_repacked ? "x16" : level_names[level], tokens,
                       (double)rows * n_in * tokens / best * 1e-9);
            }
        }
        free(W);
        free(R);
        free(scratch);
    }
    return 0;
}
