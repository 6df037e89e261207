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

#endif
