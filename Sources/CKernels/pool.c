/* Thread pool: see tk_pool.h.
 *
 * A run is published by bumping `generation`; workers spin on it for a while (decode issues
 * ~170 matmuls per token, microseconds apart, so sleeping between them would cost a futex
 * wake-up each time), then sleep on it with a futex. Completion is a countdown in `pending`
 * that the caller spins on, then sleeps on. Sleepers announce themselves (`sleepers`,
 * `caller_sleeping`) so the common all-spinning case makes no system call at all.
 * Ordering: publish/announce use seq_cst on both sides (a Dekker-style handshake), so either
 * the waker sees the sleeper's announcement or the sleeper's futex_wait sees the new value. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tk_pool.h"
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* ~50-100 µs of spinning before sleeping (pause is ~40-140 cycles depending on the core). */
#define SPIN_ITERATIONS 4000

struct tk_pool {
    int n_threads;
    pthread_t *threads;          /* n_threads - 1 workers */
    tk_pool_fn fn;
    void *ctx;
    _Atomic uint32_t generation; /* bumped once per run (and once to stop) */
    _Atomic int32_t pending;     /* workers still running the current run */
    _Atomic int32_t sleepers;    /* workers in (or entering) futex_wait on generation */
    _Atomic int32_t caller_sleeping;
    _Atomic bool stop;
};

typedef struct { tk_pool *pool; int index; } worker_arg;

static void futex_wait(_Atomic uint32_t *addr, uint32_t expected) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}
static void futex_wake_all(void *addr) {
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

static void *worker_main(void *p) {
    worker_arg arg = *(worker_arg *)p;
    free(p);
    tk_pool *pool = arg.pool;
    uint32_t seen = 0;
    for (;;) {
        uint32_t g;
        int spins = 0;
        while ((g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen) {
            if (++spins < SPIN_ITERATIONS) { CPU_RELAX(); continue; }
            atomic_fetch_add(&pool->sleepers, 1);
            futex_wait(&pool->generation, seen); /* returns at once if generation moved */
            atomic_fetch_sub(&pool->sleepers, 1);
            spins = 0;
        }
        seen = g;
        if (atomic_load_explicit(&pool->stop, memory_order_acquire)) return NULL;
        pool->fn(pool->ctx, arg.index, pool->n_threads);
        if (atomic_fetch_sub(&pool->pending, 1) == 1 &&
            atomic_load(&pool->caller_sleeping))
            futex_wake_all(&pool->pending);
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
        worker_arg *arg = malloc(sizeof *arg);
        if (arg) *arg = (worker_arg){pool, i};
        if (!arg || pthread_create(&pool->threads[i - 1], NULL, worker_main, arg) != 0) {
            free(arg);
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

void tk_pool_run(tk_pool *pool, tk_pool_fn fn, void *ctx) {
    if (!pool || pool->n_threads == 1) { fn(ctx, 0, 1); return; }
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store_explicit(&pool->pending, pool->n_threads - 1, memory_order_relaxed);
    atomic_fetch_add(&pool->generation, 1); /* seq_cst: publishes fn/ctx/pending */
    if (atomic_load(&pool->sleepers) > 0) futex_wake_all(&pool->generation);
    fn(ctx, 0, pool->n_threads);
    int spins = 0;
    int32_t left;
    while ((left = atomic_load_explicit(&pool->pending, memory_order_acquire)) != 0) {
        if (++spins < SPIN_ITERATIONS) { CPU_RELAX(); continue; }
        atomic_store(&pool->caller_sleeping, 1);
        if ((left = atomic_load(&pool->pending)) != 0)
            syscall(SYS_futex, (uint32_t *)&pool->pending, FUTEX_WAIT_PRIVATE, (uint32_t)left, NULL, NULL, 0);
        atomic_store(&pool->caller_sleeping, 0);
        spins = 0;
    }
}
