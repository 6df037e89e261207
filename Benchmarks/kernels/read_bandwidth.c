/* DRAM read bandwidth, the decode ceiling: T threads each sum their share of a 1 GiB
 * buffer (far larger than any cache), best of 5 passes. Prints GB/s (1e9 bytes/s).
 * Built and run by scripts/bench-vs-llama: read_bandwidth [threads=2] */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BYTES = 1 << 30 };
static char *buffer;
static int threads = 2;
static volatile long long sink;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

__attribute__((target("avx2"))) static void *reader(void *arg) {
    long i = (long)arg;
    size_t share = BYTES / threads;
    const __m256i *p = (const __m256i *)(buffer + share * i), *end = (const __m256i *)(buffer + share * (i + 1));
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    for (; p + 4 <= end; p += 4) {
        a = _mm256_add_epi64(a, _mm256_load_si256(p));
        b = _mm256_add_epi64(b, _mm256_load_si256(p + 1));
        c = _mm256_add_epi64(c, _mm256_load_si256(p + 2));
        d = _mm256_add_epi64(d, _mm256_load_si256(p + 3));
    }
    __m256i s = _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d));
    sink += _mm256_extract_epi64(s, 0);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1) threads = atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
    if (posix_memalign((void **)&buffer, 64, BYTES) != 0) return 1;
    memset(buffer, 1, BYTES);
    double best = 1e9;
    for (int pass = 0; pass < 5; pass++) {
        pthread_t t[64];
        double t0 = now();
        for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, reader, (void *)i);
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    printf("%.1f\n", BYTES / best / 1e9);
    return 0;
}
