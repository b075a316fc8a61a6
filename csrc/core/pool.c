/* The worker pool (nnc_pool.h) on the thread layer (nnc_thread.h). */
#include "nnc_pool.h"

#include <stdlib.h>

#include "nnc_thread.h"

struct nnc_pool {
    nnc_mutex_t busy; /* held by the caller that acquired the pool */
    nnc_mutex_t lock; /* guards everything below */
    nnc_cond_t wake;  /* workers wait here for a new generation */
    nnc_cond_t done;  /* the caller waits here for `finished` */
    nnc_pool_fn fn;
    void *arg;
    unsigned long generation; /* bumped by every run */
    int active;               /* workers taking part in this run */
    int finished;             /* of them, how many have returned */
    int stop;
    int workers;
    nnc_thread_t threads[NNC_POOL_MAX_THREADS];
};

typedef struct {
    nnc_pool_t *pool;
    int index;
} nnc_pool_worker_t;

static void nnc_pool_worker_main(void *p)
{
    nnc_pool_t *pool = ((nnc_pool_worker_t *)p)->pool;
    const int index = ((nnc_pool_worker_t *)p)->index;
    free(p);
    unsigned long seen = 0;
    nnc_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->generation == seen && !pool->stop)
            nnc_cond_wait(&pool->wake, &pool->lock);
        if (pool->stop)
            break;
        seen = pool->generation;
        if (index >= pool->active)
            continue;
        nnc_pool_fn fn = pool->fn;
        void *arg = pool->arg;
        nnc_mutex_unlock(&pool->lock);
        fn(arg, index + 1);
        nnc_mutex_lock(&pool->lock);
        if (++pool->finished == pool->active)
            nnc_cond_broadcast(&pool->done);
    }
    nnc_mutex_unlock(&pool->lock);
}

nnc_status_t nnc_pool_create(int workers, nnc_pool_t **out)
{
    if (out == NULL || workers < 0 || workers >= NNC_POOL_MAX_THREADS)
        return NNC_STATUS_INVALID_ARGUMENT;
    *out = NULL;
    nnc_pool_t *pool = (nnc_pool_t *)calloc(1, sizeof *pool);
    if (pool == NULL)
        return NNC_STATUS_NO_MEMORY;
    if (nnc_mutex_init(&pool->busy) != 0) {
        free(pool);
        return NNC_STATUS_NO_MEMORY;
    }
    if (nnc_mutex_init(&pool->lock) != 0) {
        nnc_mutex_destroy(&pool->busy);
        free(pool);
        return NNC_STATUS_NO_MEMORY;
    }
    if (nnc_cond_init(&pool->wake) != 0) {
        nnc_mutex_destroy(&pool->lock);
        nnc_mutex_destroy(&pool->busy);
        free(pool);
        return NNC_STATUS_NO_MEMORY;
    }
    if (nnc_cond_init(&pool->done) != 0) {
        nnc_cond_destroy(&pool->wake);
        nnc_mutex_destroy(&pool->lock);
        nnc_mutex_destroy(&pool->busy);
        free(pool);
        return NNC_STATUS_NO_MEMORY;
    }
    for (int i = 0; i < workers; i++) {
        nnc_pool_worker_t *w = (nnc_pool_worker_t *)malloc(sizeof *w);
        if (w == NULL)
            break;
        w->pool = pool;
        w->index = pool->workers;
        if (nnc_thread_start(&pool->threads[pool->workers], nnc_pool_worker_main, w) != 0) {
            free(w);
            break;
        }
        pool->workers++;
    }
    *out = pool;
    return NNC_STATUS_OK;
}

void nnc_pool_free(nnc_pool_t *pool)
{
    if (pool == NULL)
        return;
    nnc_mutex_lock(&pool->busy); /* a run in progress finishes first */
    nnc_mutex_lock(&pool->lock);
    pool->stop = 1;
    nnc_cond_broadcast(&pool->wake);
    nnc_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->workers; i++)
        nnc_thread_join(pool->threads[i]);
    nnc_mutex_unlock(&pool->busy);
    nnc_cond_destroy(&pool->done);
    nnc_cond_destroy(&pool->wake);
    nnc_mutex_destroy(&pool->lock);
    nnc_mutex_destroy(&pool->busy);
    free(pool);
}

void nnc_pool_abandon(nnc_pool_t *pool)
{
    free(pool);
}

int nnc_pool_workers(const nnc_pool_t *pool)
{
    return pool == NULL ? 0 : pool->workers;
}

unsigned long nnc_pool_runs(nnc_pool_t *pool)
{
    if (pool == NULL)
        return 0;
    nnc_mutex_lock(&pool->lock);
    const unsigned long runs = pool->generation;
    nnc_mutex_unlock(&pool->lock);
    return runs;
}

int nnc_pool_acquire(nnc_pool_t *pool)
{
    return pool != NULL && nnc_mutex_trylock(&pool->busy) == 0;
}

void nnc_pool_release(nnc_pool_t *pool)
{
    if (pool != NULL)
        nnc_mutex_unlock(&pool->busy);
}

typedef struct {
    nnc_pool_fn fn;
    void *arg;
    int thread;
} nnc_pool_call_t;

static void nnc_pool_call(void *p)
{
    const nnc_pool_call_t *call = (const nnc_pool_call_t *)p;
    call->fn(call->arg, call->thread);
}

/* n - 1 threads of its own for one run. */
static int nnc_pool_run_unpooled(int n, nnc_pool_fn fn, void *arg)
{
    nnc_thread_t tid[NNC_POOL_MAX_THREADS];
    nnc_pool_call_t calls[NNC_POOL_MAX_THREADS];
    int started = 0;
    for (int t = 1; t < n; t++) {
        calls[started].fn = fn;
        calls[started].arg = arg;
        calls[started].thread = started + 1;
        if (nnc_thread_start(&tid[started], nnc_pool_call, &calls[started]) != 0)
            break;
        started++;
    }
    fn(arg, 0);
    for (int t = 0; t < started; t++)
        nnc_thread_join(tid[t]);
    return started + 1;
}

int nnc_pool_run(nnc_pool_t *pool, int n, nnc_pool_fn fn, void *arg)
{
    if (n > NNC_POOL_MAX_THREADS)
        n = NNC_POOL_MAX_THREADS;
    if (n <= 1) {
        fn(arg, 0);
        return 1;
    }
    if (pool == NULL || n - 1 > pool->workers)
        return nnc_pool_run_unpooled(n, fn, arg);
    nnc_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->arg = arg;
    pool->active = n - 1;
    pool->finished = 0;
    pool->generation++;
    nnc_cond_broadcast(&pool->wake);
    nnc_mutex_unlock(&pool->lock);
    fn(arg, 0);
    nnc_mutex_lock(&pool->lock);
    while (pool->finished < pool->active)
        nnc_cond_wait(&pool->done, &pool->lock);
    nnc_mutex_unlock(&pool->lock);
    return n;
}
