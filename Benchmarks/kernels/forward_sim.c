/* The matmuls of a whole Qwen2.5-0.5B forward pass, nothing else: 24 layers of q, k, v, o
 * (Q5_0; v Q8_0 in the layers the real file has it so), gate, up (Q5_0), down (Q6_K in the
 * layers listed in REFERENCE.md §1, else Q4_K), then the LM head (Q8_0, last token only).
 * Random weights of the real types and sizes (~392 MB), so every token streams them from
 * DRAM as a real decode does. Prints tokens/s for decode (1 token per pass) and prefill
 * (n tokens per pass): the ceiling the kernels set for the engine, with attention, norms and
 * everything else free.
 * Build and run: Benchmarks/kernels/run.sh --forward [threads] [prefill_tokens] [level] */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ckernels.h"

enum { LAYERS = 24, DIM = 896, KV = 128, FFN = 4864, VOCAB = 151936 };

typedef struct { int type; int64_t n_in, rows; char *w; } matrix;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static matrix make(int type, int64_t n_in, int64_t rows, unsigned *seed) {
    matrix m = {type, n_in, rows, NULL};
    int64_t rb = tk_row_bytes(type, n_in);
    m.w = malloc((size_t)(rb * rows));
    float row[FFN];
    /* quantize a few distinct rows, then copy them around: fast, and the bytes are real */
    for (int64_t r = 0; r < rows; r++) {
        if (r < 8) {
            for (int64_t i = 0; i < n_in; i++) { *seed = *seed * 1664525u + 1013904223u; row[i] = ((*seed >> 9) / 8388608.0f - 1) * 0.05f; }
            tk_quantize_row(type, row, m.w + r * rb, n_in);
        } else {
            memcpy(m.w + r * rb, m.w + (r % 8) * rb, (size_t)rb);
        }
    }
    return m;
}

static bool in_list(int layer, const int *list, int n) {
    for (int i = 0; i < n; i++) if (list[i] == layer) return true;
    return false;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    int prefill = argc > 2 ? atoi(argv[2]) : 128;
    if (argc > 3) tk_set_kernel_level(atoi(argv[3])); /* 0 scalar, 1 AVX2, 2 AVX-512 */
    static const int q8_layers[] = {0, 1, 3, 6, 7, 8, 9, 10, 13, 16, 19, 21}; /* v Q8_0, down Q6_K */
    unsigned seed = 7;
    matrix layers[LAYERS][7];
    size_t total = 0;
    for (int l = 0; l < LAYERS; l++) {
        bool special = in_list(l, q8_layers, 12);
        layers[l][0] = make(TK_TYPE_Q5_0, DIM, DIM, &seed);                               /* q */
        layers[l][1] = make(TK_TYPE_Q5_0, DIM, KV, &seed);                                /* k */
        layers[l][2] = make(special ? TK_TYPE_Q8_0 : TK_TYPE_Q5_0, DIM, KV, &seed);       /* v */
        layers[l][3] = make(TK_TYPE_Q5_0, DIM, DIM, &seed);                               /* o */
        layers[l][4] = make(TK_TYPE_Q5_0, DIM, FFN, &seed);                               /* gate */
        layers[l][5] = make(TK_TYPE_Q5_0, DIM, FFN, &seed);                               /* up */
        layers[l][6] = make(special ? TK_TYPE_Q6_K : TK_TYPE_Q4_K, FFN, DIM, &seed);      /* down */
        for (int k = 0; k < 7; k++) total += (size_t)(tk_row_bytes(layers[l][k].type, layers[l][k].n_in) * layers[l][k].rows);
    }
    matrix head = make(TK_TYPE_Q8_0, DIM, VOCAB, &seed);
    total += (size_t)(tk_row_bytes(head.type, DIM) * VOCAB);
    printf("weights %.1f MB, %d thread(s), kernel level %d\n", total / 1e6, threads, tk_kernel_level());

    tk_pool *pool = tk_pool_create(threads);
    int64_t max_tokens = prefill > 1 ? prefill : 1;
    float *x = malloc(sizeof(float) * max_tokens * FFN), *y = malloc(sizeof(float) * max_tokens * FFN);
    float *logits = malloc(sizeof(float) * VOCAB);
    for (int64_t i = 0; i < max_tokens * FFN; i++) x[i] = (float)((i * 7919) % 2001) / 1000.0f - 1;
    size_t scratch_bytes = tk_matmul_scratch_bytes(TK_TYPE_Q8_0, FFN, max_tokens) + tk_matmul_scratch_bytes(TK_TYPE_Q4_K, FFN, max_tokens);
    void *scratch = malloc(scratch_bytes);

    for (int pass = 0; pass < 2; pass++) {
        int64_t tokens = pass == 0 ? 1 : prefill;
        int reps = pass == 0 ? 20 : 3;
        double best = 1e30, sum = 0, cpu_best = 1e30;
        for (int rep = 0; rep < reps; rep++) {
            double t0 = now(), c0 = cpu_now();
            for (int l = 0; l < LAYERS; l++)
                for (int k = 0; k < 7; k++) {
                    matrix *m = &layers[l][k];
                    tk_matmul(pool, m->type, m->w, m->rows, m->n_in, x, tokens, y, scratch);
                }
            tk_matmul(pool, head.type, head.w, head.rows, head.n_in, x, 1, logits, scratch); /* last token */
            double t = now() - t0, c = cpu_now() - c0;
            sum += t;
            if (t < best) best = t;
            if (c < cpu_best) cpu_best = c;
        }
        /* CPU time: on a shared machine, what the pass cost while it actually ran; with one
         * thread it excludes time spent preempted (with more it includes spinning). */
        printf("%s %4lld token(s)/pass: best %.1f tokens/s, mean %.1f tokens/s (%.2f ms/pass best); "
               "by CPU time %.1f tokens/s\n",
               pass == 0 ? "decode " : "prefill", (long long)tokens, tokens / best, tokens * reps / sum, best * 1e3,
               tokens / cpu_best * threads);
    }
    tk_pool_destroy(pool);
    return 0;
}
