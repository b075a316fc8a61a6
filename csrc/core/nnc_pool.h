/* A persistent pool of worker threads for the threaded kernels (GEMM).
 *
 * Starting threads per call costs tens of microseconds, which is what keeps
 * products of n = 64..256 from paying for threads.  A pool keeps its workers
 * waiting on a condition variable between calls.  The pool is an object its
 * owner creates and frees (the Python module owns one, created lazily, freed
 * at interpreter exit and abandoned in a forked child); the core holds no
 * global pool.
 *
 * One caller at a time: nnc_pool_acquire is a try-lock, so a caller that finds
 * the pool busy (another thread's product) passes pool = NULL and gets
 * per-call threads instead.  Who runs a piece of work never changes its
 * arithmetic, so results do not depend on which path ran. */
#ifndef NNC_POOL_H
#define NNC_POOL_H

#include "nnc_core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnc_pool nnc_pool_t;
/* fn(arg, thread): thread is 0 on the calling thread (the only one that may
 * call back into its owner, e.g. to poll for Ctrl-C) and 1..n-1 on the
 * others, each index used once per run. */
typedef void (*nnc_pool_fn)(void *arg, int thread);

/* Most threads one run uses (the caller included). */
#define NNC_POOL_MAX_THREADS 64

/* A pool of `workers` waiting threads (0 <= workers < NNC_POOL_MAX_THREADS;
 * 0 gives a pool that runs everything on the caller).  Workers that fail to
 * start are not an error: the pool is smaller.  NNC_STATUS_NO_MEMORY or
 * NNC_STATUS_INVALID_ARGUMENT otherwise. */
nnc_status_t nnc_pool_create(int workers, nnc_pool_t **out);

/* Stops and joins the workers and frees the pool; waits for a run in
 * progress (held by nnc_pool_acquire) to finish first.  NULL is a no-op. */
void nnc_pool_free(nnc_pool_t *pool);

/* In a child process after fork(): the workers do not exist there, and a
 * lock may be held by a thread that does not either, so the pool's memory is
 * released without touching its threads or locks. */
void nnc_pool_abandon(nnc_pool_t *pool);

/* Workers the pool has (the caller not counted). */
int nnc_pool_workers(const nnc_pool_t *pool);

/* Runs the pool's workers have taken part in so far (0 for NULL). */
unsigned long nnc_pool_runs(nnc_pool_t *pool);

/* 1 when the caller now has the pool to itself (until nnc_pool_release),
 * 0 when another caller holds it (or pool is NULL).  Never blocks. */
int nnc_pool_acquire(nnc_pool_t *pool);
void nnc_pool_release(nnc_pool_t *pool);

/* Runs fn(arg, thread) on n threads at once (the calling thread included) and
 * returns when every one has returned.  pool must be acquired by the caller,
 * or NULL: then (or when n - 1 exceeds the pool's workers) n - 1 threads are
 * started for this run and joined.  Threads that cannot start are simply
 * fewer, so fn must let any thread do any share of the work.  Returns the
 * number of threads that ran fn (>= 1). */
int nnc_pool_run(nnc_pool_t *pool, int n, nnc_pool_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* NNC_POOL_H */
