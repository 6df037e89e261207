/* tk_matmul benchmark on the 0.5B model's real shapes (random weights of the real types).
 * Build and run: Benchmarks/kernels/run.sh [filter]
 * For every shape, kernel level, thread count (1, 2) and n_tokens (1, 128) it prints the
 * time per call, GB/s of weights streamed and GMAC/s. Weights are cycled through enough
 * copies (>= 256 MB) that decode-sized calls read from DRAM, as they do in a real forward
 * pass, instead of from cache. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ckernels.h"

typedef struct { const char *name; int type; int64_t n_in, rows; } shape;

static const shape shapes[] = {
    {"attn_q/o 896->896 Q5_0", TK_TYPE_Q5_0, 896, 896},
    {"attn_k/v 896->128 Q5_0", TK_TYPE_Q5_0, 896, 128},
    {"attn_v 896->128 Q8_0", TK_TYPE_Q8_0, 896, 128},
    {"ffn_gate/up 896->4864 Q5_0", TK_TYPE_Q5_0, 896, 4864},
    {"ffn_down 4864->896 Q4_K", TK_TYPE_Q4_K, 4864, 896},
    {"ffn_down 4864->896 Q6_K", TK_TYPE_Q6_K, 4864, 896},
    {"output 896->151936 Q8_0", TK_TYPE_Q8_0, 896, 151936},
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static float frand(unsigned *s) { *s = *s * 1664525u + 1013904223u; return ((*s >> 8) / 16777216.0f) * 2 - 1; }

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    const char *level_names[] = {"scalar", "avx2", "avx512"};
    int best = tk_cpu_best_level();
    printf("best level %s, vnni %d\n", level_names[best], tk_cpu_has_avx512_vnni());
    printf("%-28s %-7s %3s %4s %10s %10s %8s %8s\n", "shape", "level", "thr", "tok", "best ms", "median ms",
           "GB/s", "GMAC/s");
    printf("(GB/s and GMAC/s from the best call)\n");
    tk_pool *pools[3] = {NULL, NULL, tk_pool_create(2)};
    unsigned seed = 1;
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const shape *s = &shapes[si];
        if (filter && !strstr(s->name, filter)) continue;
        int64_t row_bytes = tk_row_bytes(s->type, s->n_in);
        size_t w_bytes = (size_t)(row_bytes * s->rows);
        int copies = (int)((256u << 20) / w_bytes) + 1;
        char *W = malloc(w_bytes * copies);
        float *row = malloc(s->n_in * sizeof(float));
        for (int64_t r = 0; r < s->rows; r++) {
            for (int64_t i = 0; i < s->n_in; i++) row[i] = frand(&seed) * 0.05f;
            tk_quantize_row(s->type, row, W + r * row_bytes, s->n_in);
        }
        for (int c = 1; c < copies; c++) memcpy(W + c * w_bytes, W, w_bytes);
        int64_t max_tokens = 128;
        float *x = malloc(max_tokens * s->n_in * sizeof(float));
        for (int64_t i = 0; i < max_tokens * s->n_in; i++) x[i] = frand(&seed);
        float *y = malloc(max_tokens * s->rows * sizeof(float));
        void *scratch = malloc(tk_matmul_scratch_bytes(s->type, s->n_in, max_tokens) + 1);
        for (int level = 0; level <= best; level++) {
            tk_set_kernel_level(level);
            for (int threads = 1; threads <= 2; threads++) {
                for (int tokens = 1; tokens <= 128; tokens *= 128) {
                    /* the scalar reference at 128 tokens of the LM head would take minutes */
                    if (level == 0 && (double)s->rows * s->n_in * tokens > 2e9) continue;
                    /* Every call is timed on its own; the report gives the fastest call and
                     * the median. The machine is shared (2 vCPUs, several busy processes):
                     * the fastest call is the one no other process interrupted, the median
                     * shows what a busy machine gives. The scalar twin is a reference, not a
                     * contender: keep its runs short. */
                    enum { MAX_CALLS = 4096 };
                    static double times[MAX_CALLS];
                    double budget = level == 0 ? 0.1 : 0.5, start = now();
                    int calls = 0;
                    while (calls < MAX_CALLS && (calls < 3 || now() - start < budget)) {
                        double t0 = now();
                        tk_matmul(pools[threads], s->type, W + (calls % copies) * w_bytes, s->rows, s->n_in,
                                  x, tokens, y, scratch);
                        times[calls++] = now() - t0;
                    }
                    qsort(times, calls, sizeof times[0], compare_doubles);
                    double per = times[0], median = times[calls / 2];
                    printf("%-28s %-7s %3d %4d %10.4f %10.4f %8.2f %8.2f\n", s->name, level_names[level], threads,
                           tokens, per * 1e3, median * 1e3, w_bytes / per * 1e-9,
                           (double)s->rows * s->n_in * tokens / per * 1e-9);
                    fflush(stdout);
                }
            }
        }
        free(W); free(row); free(x); free(y); free(scratch);
    }
    tk_pool_destroy(pools[2]);
    return 0;
}
