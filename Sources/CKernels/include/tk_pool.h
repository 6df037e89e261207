#ifndef TAKUMI_TK_POOL_H
#define TAKUMI_TK_POOL_H
#include "tk_types.h"

/* A persistent pool of worker threads. tk_pool_run() runs fn on every thread (the caller
 * is thread 0) and returns when all have finished; workers spin briefly, then sleep. */
typedef struct tk_pool tk_pool;
typedef void (*tk_pool_fn)(void *ctx, int thread_index, int n_threads);

tk_pool *tk_pool_create(int n_threads);   /* NULL on failure; n_threads >= 1 */
void tk_pool_destroy(tk_pool *pool);
int tk_pool_threads(const tk_pool *pool);
void tk_pool_run(tk_pool *pool, tk_pool_fn fn, void *ctx);

/* (Added.) Like tk_pool_run, but for work that threads take from a shared counter: fn runs
 * on the caller and on every worker that starts before the caller's own call returns;
 * workers that have not started by then are skipped instead of waited for (on a busy
 * machine the OS may not schedule them for milliseconds). Thread indices are still unique
 * (0 = caller), but not every index up to n_threads-1 need run. tk_matmul uses this. */
void tk_pool_run_shared(tk_pool *pool, tk_pool_fn fn, void *ctx);

#endif
