/* Thread pool: see tk_pool.h.
 *
 * A run is published in two words: `join` ((run generation << 32) | CLOSED bit | number of
 * workers that joined) and `generation` (the futex word workers sleep on). Workers spin on
 * `generation` for a while (decode issues ~170 matmuls per token, microseconds apart, and a
 * futex wake-up costs an inter-processor interrupt, ~10 µs in a VM), then sleep on it. A worker
 * joins a run with a CAS on `join`, which also hands it a unique thread index; a closed run
 * (tk_pool_run_shared, after the caller finished its share) cannot be joined, so a worker the
 * OS did not schedule in time is simply not waited for. Completion is the `finished` count
 * the caller spins on, then sleeps on. Sleepers announce themselves (`sleepers`,
 * `caller_sleeping`) so the common all-spinning case makes no system call at all; announce
 * and publish are seq_cst on both sides (a Dekker-style handshake), so either the waker sees
 * the sleeper or the sleeper's futex_wait sees the new value. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tk_pool.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <x86intrin.h>
#define CPU_RELAX() _mm_pause()
#define SPIN_CLOCK() __rdtsc()
/* Spin for ~100 µs of time-stamp counter ticks (2-4 GHz on the CPUs we run on) before
 * sleeping: longer than the gaps between the matmuls of a token, short enough that an idle
 * pool stops burning a core almost at once. Counted in time, not iterations, because
 * `pause` takes anywhere from ~10 to ~140 cycles depending on the core. */
#define SPIN_TICKS 300000u
#else
#define CPU_RELAX() ((void)0)
#define SPIN_CLOCK() ((uint64_t)0)
#define SPIN_TICKS 0u
#endif
#define JOIN_CLOSED 0x80000000u
#define JOIN_COUNT 0x7fffffffu

struct tk_pool {
    int n_threads;
    pthread_t *threads;          /* n_threads - 1 workers */
    tk_pool_fn fn;
    void *ctx;
    _Atomic uint64_t join;       /* (generation << 32) | JOIN_CLOSED | joined workers */
    _Atomic uint32_t generation; /* bumped once per run (and once to stop) */
    _Atomic uint32_t finished;   /* workers of the current run that returned from fn */
    _Atomic int32_t sleepers;    /* workers in (or entering) futex_wait on generation */
    _Atomic int32_t caller_sleeping;
    _Atomic bool stop;
};

static void futex_wait(_Atomic uint32_t *addr, uint32_t expected) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}
static void futex_wake_all(_Atomic uint32_t *addr) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

static void *worker_main(void *p) {
    tk_pool *pool = p;
    uint32_t done = 0; /* generation of the last run this worker joined or skipped */
    for (;;) {
        uint64_t spin_start = SPIN_CLOCK();
        while (atomic_load_explicit(&pool->generation, memory_order_acquire) == done) {
            if (SPIN_CLOCK() - spin_start < SPIN_TICKS) { CPU_RELAX(); continue; }
            atomic_fetch_add(&pool->sleepers, 1);
            futex_wait(&pool->generation, done); /* returns at once if generation moved */
            atomic_fetch_sub(&pool->sleepers, 1);
            spin_start = SPIN_CLOCK();
        }
        if (atomic_load_explicit(&pool->stop, memory_order_acquire)) return NULL;
        uint64_t s = atomic_load_explicit(&pool->join, memory_order_acquire);
        uint32_t run = (uint32_t)(s >> 32);
        if (run == done) { CPU_RELAX(); continue; } /* next run half-published */
        if (s & JOIN_CLOSED) { done = run; continue; }
        if (!atomic_compare_exchange_weak_explicit(&pool->join, &s, s + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        done = run;
        int index = (int)(s & JOIN_COUNT) + 1; /* the caller is thread 0 */
        pool->fn(pool->ctx, index, pool->n_threads);
        atomic_fetch_add(&pool->finished, 1);
        if (atomic_load(&pool->caller_sleeping)) futex_wake_all(&pool->finished);
    }
}

tk_pool *tk_pool_create(int n_threads) {
    if (n_threads < 1) return NULL;
    tk_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->n_threads = n_threads;
    if (n_threads > 1) {
        pool->threads = calloc((size_t)n_threads - 1, sizeof(pthread_t));
        if (!pool->threads) { free(pool); return NULL; }
    }
    for (int i = 1; i < n_threads; i++) {
        if (pthread_create(&pool->threads[i - 1], NULL, worker_main, pool) != 0) {
            pool->n_threads = i; /* tear down the i-1 workers already started */
            tk_pool_destroy(pool);
            return NULL;
        }
    }
    return pool;
}

void tk_pool_destroy(tk_pool *pool) {
    if (!pool) return;
    atomic_store(&pool->stop, true);
    atomic_fetch_add(&pool->generation, 1);
    futex_wake_all(&pool->generation);
    for (int i = 1; i < pool->n_threads; i++) pthread_join(pool->threads[i - 1], NULL);
    free(pool->threads);
    free(pool);
}

int tk_pool_threads(const tk_pool *pool) { return pool ? pool->n_threads : 1; }

static void run(tk_pool *pool, tk_pool_fn fn, void *ctx, bool shared) {
    if (!pool || pool->n_threads == 1) { fn(ctx, 0, 1); return; }
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store_explicit(&pool->finished, 0, memory_order_relaxed);
    uint32_t g = atomic_load_explicit(&pool->generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&pool->join, (uint64_t)g << 32, memory_order_release); /* publishes fn/ctx */
    atomic_store(&pool->generation, g);
    if (atomic_load(&pool->sleepers) > 0) futex_wake_all(&pool->generation);
    fn(ctx, 0, pool->n_threads);
    uint32_t expected = (uint32_t)pool->n_threads - 1;
    if (shared) expected = (uint32_t)(atomic_fetch_or(&pool->join, JOIN_CLOSED) & JOIN_COUNT);
    uint64_t spin_start = SPIN_CLOCK();
    uint32_t f;
    while ((f = atomic_load_explicit(&pool->finished, memory_order_acquire)) != expected) {
        if (SPIN_CLOCK() - spin_start < SPIN_TICKS) { CPU_RELAX(); continue; }
        atomic_store(&pool->caller_sleeping, 1);
        if ((f = atomic_load(&pool->finished)) != expected) futex_wait(&pool->finished, f);
        atomic_store(&pool->caller_sleeping, 0);
        spin_start = SPIN_CLOCK();
    }
}

void tk_pool_run(tk_pool *pool, tk_pool_fn fn, void *ctx) { run(pool, fn, ctx, false); }

void tk_pool_run_shared(tk_pool *pool, tk_pool_fn fn, void *ctx) { run(pool, fn, ctx, true); }
