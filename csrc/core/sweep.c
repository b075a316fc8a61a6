/* Sweeps (sweep.h): K replicas of one architecture in one call, split across
 * threads.  The interleaved route's per-dtype body is sweep_impl.h; the
 * per-replica route calls nnc_engine_fit. */
#include "sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Threads come from the project's thread layer (POSIX or Win32); without
 * threads every replica runs on the calling thread. */
#include "nnc_thread.h"
#define NNC_SWEEP_THREADS NNC_HAVE_THREADS
#if defined(NNC_THREADS_PTHREAD)
#include <time.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define NNC_SWEEP_INLINE inline __attribute__((always_inline))
/* The stop flag is written by the calling thread and read by the workers
 * between steps: relaxed atomics (a late read costs one more step). */
#define NNC_SWEEP_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define NNC_SWEEP_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#else
#define NNC_SWEEP_INLINE inline
#define NNC_SWEEP_LOAD(p) (*(p))
#define NNC_SWEEP_STORE(p, v) (*(p) = (v))
#endif

#if defined(_MSC_VER)
#define NNC_SWEEP_RESTRICT __restrict
#else
#define NNC_SWEEP_RESTRICT restrict
#endif

/* As in engine.c: the interleaved route also comes in an AVX2 build chosen at
 * run time; it adds the same rounded terms in the same order and enables no
 * fused multiply-add, so the choice changes the speed, never the bits. */
#if !defined(NNC_ENGINE_PORTABLE) && (defined(__GNUC__) || defined(__clang__)) &&               \
    (defined(__x86_64__) || defined(__i386__))
#define NNC_SWEEP_X86 1
#else
#define NNC_SWEEP_X86 0
#endif

#define NNC_SWEEP_MAX_THREADS 1024
/* Steps of losses the interleaved route buffers before copying them out. */
#define NNC_SWEEP_REC 64

typedef struct sweep_shared sweep_shared;

/* One thread's share: its workspace and the per-replica parameter table. */
typedef struct {
    sweep_shared *sh;
    int main;          /* the calling thread: runs the hook */
    nnc_param_t *params;
    void *grad;        /* n_values values: the replica's gradients */
    void *own;         /* 3 x n_values values: the replica's parameters and optimizer
                        * state while it trains (copied in and back), so that threads
                        * never write neighbouring replicas' cache lines every step */
    void *lanes_ws;    /* the interleaved route's workspace */
    double *eloss;     /* epochs values: a replica's epoch record when the sweep keeps none */
    nnc_status_t err;  /* a memory/argument error of this thread */
} sweep_worker;

struct sweep_shared {
    nnc_sweep_t *s;
    int64_t n_values;
    int64_t *offset;   /* n_params: where each parameter starts in a replica's row */
    int64_t block;     /* replicas per claimed block */
    int64_t next;      /* next unclaimed replica */
    int stop;          /* set by the hook: every thread stops at its next step */
    int lanes;         /* the interleaved route */
    int avx2;          /* its AVX2 build runs */
    nnc_mutex_t mu;
    nnc_cond_t finished; /* signalled by each worker thread as it ends */
};

/* Waits on c (m held) until signalled or about `ms` milliseconds pass: the
 * one timed wait the thread layer does not have. */
static void sweep_timed_wait(nnc_cond_t *c, nnc_mutex_t *m, int ms)
{
#if defined(NNC_THREADS_WIN32)
    (void)SleepConditionVariableSRW(c, m, (DWORD)ms, 0);
#elif defined(NNC_THREADS_PTHREAD)
    struct timespec until;
    if (clock_gettime(CLOCK_REALTIME, &until) != 0)
        return;
    until.tv_nsec += (long)ms * 1000000L;
    while (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    (void)pthread_cond_timedwait(c, m, &until);
#else
    (void)c;
    (void)m;
    (void)ms;
#endif
}

/* Replica q's value of hyper-parameter column c. */
static inline double sweep_hy(const nnc_sweep_t *s, int64_t q, int c)
{
    return s->hyper[c][q * s->hyper_stride[c]];
}

/* Replica q's counter in column c (the int32 or the int64 table). */
static inline void sweep_count(const nnc_sweep_t *s, int64_t q, int c, int64_t v)
{
    if (s->counters32 != NULL)
        s->counters32[q * NNC_SWEEP_NCOUNTERS + c] = (int32_t)v;
    else
        s->counters64[q * NNC_SWEEP_NCOUNTERS + c] = v;
}

/* Every entry of replica q's rows: a replica that never ran. */
static void sweep_not_run(const nnc_sweep_t *s, int64_t q)
{
    s->codes[q] = NNC_SWEEP_INTERRUPTED;
    sweep_count(s, q, NNC_SWEEP_EPOCHS, 0);
    sweep_count(s, q, NNC_SWEEP_STEPS, 0);
    sweep_count(s, q, NNC_SWEEP_PASSES, 0);
    sweep_count(s, q, NNC_SWEEP_FAIL_EPOCH, -1);
    sweep_count(s, q, NNC_SWEEP_FAIL_STEP, -1);
    s->fails[q * NNC_SWEEP_NFAILS + NNC_SWEEP_FAIL_LOSS] = 0;
    s->fails[q * NNC_SWEEP_NFAILS + NNC_SWEEP_FINAL] = NAN;
}

/* The column of the optimizer's hyper-parameter `name` (ops.def), or -1. */
static int sweep_opt_column(nnc_opt_t opt, const char *name)
{
    for (int i = 0; i < nnc_opt_info[opt].n_hyper; i++)
        if (strcmp(nnc_opt_info[opt].hyper_names[i], name) == 0)
            return i;
    return -1;
}

static int sweep_reserve(size_t *off, int64_t count, size_t elsize, size_t *at)
{
    size_t bytes, start;
    if (count < 0 || nnc_bytes(count, elsize, &bytes) != 0 || *off > SIZE_MAX - 63)
        return -1;
    start = (*off + 63) & ~(size_t)63;
    if (start > SIZE_MAX - bytes)
        return -1;
    *at = start;
    *off = start + bytes;
    return 0;
}

/* Called between steps: the calling thread runs the hook; every thread
 * returns 1 once the sweep is to stop. */
static int sweep_poll(sweep_shared *sh, sweep_worker *me)
{
    if (me->main && sh->s->hook != NULL && !NNC_SWEEP_LOAD(&sh->stop)) {
        if (sh->s->hook(sh->s->hook_ctx, NNC_SWEEP_LOAD(&sh->s->done)) != 0)
            NNC_SWEEP_STORE(&sh->stop, 1);
    }
    return NNC_SWEEP_LOAD(&sh->stop);
}

static int sweep_fit_hook(void *ctx, int64_t epochs_done, int64_t steps_done)
{
    (void)epochs_done;
    (void)steps_done;
    sweep_worker *me = (sweep_worker *)ctx;
    return sweep_poll(me->sh, me);
}

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "sweep_impl.h"
#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "sweep_impl.h"
#include "nnc_tmpl_end.h"


/* The per-replica route: the replica's own parameter table over its rows of
 * the blocks, its own nnc_fit_t, and one nnc_engine_fit. */
static int64_t sweep_one(sweep_shared *sh, sweep_worker *me, int64_t q)
{
    nnc_sweep_t *s = sh->s;
    const size_t el = s->net->f32 ? sizeof(float) : sizeof(double);
    nnc_status_t st;
    double *fl = s->fails + q * NNC_SWEEP_NFAILS;
    nnc_net_t net = *s->net;
    nnc_fit_t f = s->base;
    int64_t spe, total, t0;
    const size_t row = (size_t)(q * sh->n_values) * el, nb = (size_t)sh->n_values * el;
    char *own = (char *)me->own;
    memcpy(own, (char *)s->params + row, nb);
    if (s->state1 != NULL)
        memcpy(own + nb, (char *)s->state1 + row, nb);
    if (s->state2 != NULL)
        memcpy(own + 2 * nb, (char *)s->state2 + row, nb);
    for (int64_t p = 0; p < net.n_params; p++) {
        const size_t at = (size_t)sh->offset[p] * el;
        me->params[p] = s->net->params[p];
        me->params[p].data = own + at;
        me->params[p].grad = (char *)me->grad + at;
        me->params[p].state[0] = s->state1 != NULL ? own + nb + at : NULL;
        me->params[p].state[1] = s->state2 != NULL ? own + 2 * nb + at : NULL;
    }
    net.params = me->params;
    f.x = (const char *)s->x + (size_t)(q * s->x_stride) * el;
    f.y = (const char *)s->y + (size_t)(q * s->y_stride) * el;
    f.order = s->order != NULL ? s->order + q * s->order_stride : NULL;
    f.shuffle_rng = s->rngs != NULL ? &s->rngs[q] : NULL;
    /* The optimizer's hyper-parameters: the table's first columns, in its
     * ops.def order. */
    for (int i = 0; i < nnc_opt_info[f.opt].n_hyper; i++)
        f.hyper[i] = sweep_hy(s, q, i);
    f.l1 = sweep_hy(s, q, NNC_SWEEP_L1);
    f.l2 = sweep_hy(s, q, NNC_SWEEP_L2);
    f.divergence = sweep_hy(s, q, NNC_SWEEP_DIVERGENCE);
    /* The engine counts steps for every optimizer; a replica starts at its
     * table entry (0), counted here on this thread's stack and written back
     * after the run, as the parameters are. */
    t0 = s->adam_t != NULL ? s->adam_t[q] : 0;
    f.t = &t0;
    f.epoch_loss = s->epoch_loss != NULL ? s->epoch_loss + q * f.epochs : me->eloss;
    f.step_loss = NULL;
    if (s->step_loss != NULL &&
        nnc_fit_schedule(f.n, f.order_len, f.order != NULL, f.batch_size, f.epochs, &spe,
                         &total) == NNC_STATUS_OK)
        f.step_loss = s->step_loss + q * total;
    f.param_record = NULL;
    if (s->param_record != NULL && f.step_loss != NULL)
        f.param_record = (char *)s->param_record + (size_t)(q * (total + 1) * sh->n_values) * el;
    f.hook = sweep_fit_hook;
    f.hook_ctx = me;
    f.threads = 1;
    st = nnc_engine_fit(&net, &f);
    if (s->adam_t != NULL)
        s->adam_t[q] = t0;
    memcpy((char *)s->params + row, own, nb);
    if (s->state1 != NULL)
        memcpy((char *)s->state1 + row, own + nb, nb);
    if (s->state2 != NULL)
        memcpy((char *)s->state2 + row, own + 2 * nb, nb);
    s->codes[q] = st == NNC_STATUS_OK            ? NNC_SWEEP_COMPLETED
                  : st == NNC_STATUS_NONFINITE   ? NNC_SWEEP_NONFINITE
                  : st == NNC_STATUS_DIVERGED    ? NNC_SWEEP_DIVERGED
                  : st == NNC_STATUS_INTERRUPTED ? NNC_SWEEP_INTERRUPTED
                                                 : NNC_SWEEP_ERROR;
    if (s->codes[q] == NNC_SWEEP_ERROR && me->err == NNC_STATUS_OK)
        me->err = st; /* an argument error of one replica's description */
    sweep_count(s, q, NNC_SWEEP_EPOCHS, f.epochs_done);
    sweep_count(s, q, NNC_SWEEP_STEPS, f.steps_done);
    sweep_count(s, q, NNC_SWEEP_PASSES, f.forward_passes);
    sweep_count(s, q, NNC_SWEEP_FAIL_EPOCH, f.fail_epoch);
    sweep_count(s, q, NNC_SWEEP_FAIL_STEP, f.fail_step);
    fl[NNC_SWEEP_FAIL_LOSS] = f.fail_loss;
    fl[NNC_SWEEP_FINAL] = f.epochs_done > 0 ? f.epoch_loss[f.epochs_done - 1] : NAN;
    return s->codes[q] != NNC_SWEEP_INTERRUPTED;
}

static void sweep_work(sweep_worker *me)
{
    sweep_shared *sh = me->sh;
    nnc_sweep_t *s = sh->s;
    for (;;) {
        int64_t first, count, done;
        if (NNC_SWEEP_LOAD(&sh->stop))
            break;
        nnc_mutex_lock(&sh->mu);
        first = sh->next;
        count = s->k - first < sh->block ? s->k - first : sh->block;
        sh->next += count;
        nnc_mutex_unlock(&sh->mu);
        if (count <= 0)
            break;
        if (sh->lanes)
            done = s->net->f32 ? sweep_lanes_block_f32(sh, me, first, count)
                               : sweep_lanes_block_f64(sh, me, first, count);
        else
            done = sweep_one(sh, me, first);
        nnc_mutex_lock(&sh->mu);
        NNC_SWEEP_STORE(&s->done, s->done + done);
        nnc_mutex_unlock(&sh->mu);
    }
}

typedef struct {
    sweep_worker *me;
    int running;
} sweep_thread_arg;

static void sweep_thread_main(void *arg)
{
    sweep_thread_arg *a = (sweep_thread_arg *)arg;
    sweep_work(a->me);
    nnc_mutex_lock(&a->me->sh->mu);
    a->running = 0;
    nnc_cond_broadcast(&a->me->sh->finished);
    nnc_mutex_unlock(&a->me->sh->mu);
}

/* 1 when the interleaved route reproduces nnc_engine_fit for every replica. */
static int sweep_lanes_ok(const nnc_sweep_t *s)
{
    const nnc_net_t *net = s->net;
    const nnc_layer_t *L = &net->layers[0];
    const nnc_fit_t *f0 = &s->base;
    int elementwise = 0;
    if (!s->allow_lanes || s->param_record != NULL || net->n_layers != 1 || L->kind != NNC_LAYER_DENSE || L->out != 1 ||
        L->in > 16)
        return 0;
    switch (f0->loss.kind) {
#define NNC_X_(E, name, vec) case NNC_LOSS_##E:
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
        elementwise = 1;
        break;
    default:
        break;
    }
    if (!elementwise ||
        nnc_loss_check_params(&f0->loss) != NNC_STATUS_OK || /* the row's parameter, reduction */
        (f0->opt != NNC_OPT_SGD && f0->opt != NNC_OPT_MOMENTUM) ||
        (f0->opt == NNC_OPT_MOMENTUM && s->state1 == NULL) || f0->n < 1 || f0->epochs < 0 ||
        s->x == NULL || s->y == NULL || s->order != NULL || s->rngs != NULL ||
        (f0->batch_size != 0 && f0->batch_size < f0->n))
        return 0;
    /* A shared value is checked once, a column of K values value by value. */
    {
        const int lr = sweep_opt_column(f0->opt, "lr");
        const int mu = f0->opt == NNC_OPT_MOMENTUM ? sweep_opt_column(f0->opt, "mu") : lr;
        const int cols[] = {NNC_SWEEP_L1, NNC_SWEEP_L2, NNC_SWEEP_DIVERGENCE, lr, mu};
        if (lr < 0 || mu < 0)
            return 0;
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            const int col = cols[c];
            const int64_t m = s->hyper_stride[col] != 0 ? s->k : 1;
            const double *h = s->hyper[col];
            int bad = 0; /* branch-free loops over the column */
            if (col == NNC_SWEEP_L1 || col == NNC_SWEEP_L2)
                for (int64_t q = 0; q < m; q++)
                    bad |= h[q] != 0;
            else if (col == NNC_SWEEP_DIVERGENCE)
                for (int64_t q = 0; q < m; q++)
                    bad |= h[q] != h[q];
            else
                for (int64_t q = 0; q < m; q++)
                    bad |= h[q] - h[q] != 0; /* NaN or inf */
            if (bad)
                return 0;
        }
    }
    return 1;
}

static int sweep_cpu_avx2(void)
{
#if NNC_SWEEP_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

static void sweep_workers_free(sweep_worker *w, int n, int f32)
{
    if (w == NULL)
        return;
    for (int t = 0; t < n; t++) {
        free(w[t].params);
        free(w[t].grad);
        free(w[t].own);
        free(w[t].eloss);
        if (f32)
            sweep_lanes_ws_free_f32(w[t].lanes_ws);
        else
            sweep_lanes_ws_free_f64(w[t].lanes_ws);
    }
    free(w);
}

nnc_status_t nnc_sweep_run(nnc_sweep_t *s)
{
    sweep_shared sh;
    sweep_worker *workers = NULL;
    int nthreads;
    size_t el;
    nnc_status_t st;
    int64_t blocks;

    if (s == NULL || s->net == NULL || s->k < 0 || s->threads < 1 || s->params == NULL ||
        (s->k > 0 && (s->x == NULL || s->y == NULL || s->codes == NULL || s->fails == NULL ||
                      (s->counters32 == NULL) == (s->counters64 == NULL))) ||
        (s->epoch_loss == NULL && s->step_loss != NULL) ||
        (s->param_record != NULL && s->step_loss == NULL) ||
        s->x_stride < 0 || s->y_stride < 0 || s->order_stride < 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    for (int c = 0; c < NNC_SWEEP_NHYPER; c++)
        if (s->k > 0 && (s->hyper[c] == NULL || (s->hyper_stride[c] != 0 && s->hyper_stride[c] != 1)))
            return NNC_STATUS_INVALID_ARGUMENT;
    st = nnc_net_check(s->net);
    if (st != NNC_STATUS_OK)
        return st;
    memset(&sh, 0, sizeof sh);
    sh.s = s;
    s->done = 0;
    s->used_lanes = 0;
    st = nnc_net_param_count(s->net, &sh.n_values);
    if (st != NNC_STATUS_OK)
        return st;
    {
        int64_t cells;
        if (nnc_mul_i64(s->k, sh.n_values, &cells) != 0)
            return NNC_STATUS_OVERFLOW;
    }
    /* Every replica's rows are written by the block that runs it, or below
     * (never claimed: the sweep stopped first, or this returns early). */
    if (s->k == 0)
        return NNC_STATUS_OK;
    el = s->net->f32 ? sizeof(float) : sizeof(double);
    sh.offset = (int64_t *)malloc((size_t)(s->net->n_params > 0 ? s->net->n_params : 1) *
                                  sizeof(int64_t));
    if (sh.offset == NULL)
        return NNC_STATUS_NO_MEMORY;
    for (int64_t p = 0, at = 0; p < s->net->n_params; p++) {
        sh.offset[p] = at;
        at += s->net->params[p].size;
    }
    sh.lanes = sweep_lanes_ok(s);
    sh.avx2 = sh.lanes && sweep_cpu_avx2();
    sh.block = sh.lanes ? NNC_SWEEP_LANES : 1;
    blocks = s->k / sh.block + (s->k % sh.block != 0);
    nthreads = s->threads > NNC_SWEEP_MAX_THREADS ? NNC_SWEEP_MAX_THREADS : s->threads;
#if !NNC_SWEEP_THREADS
    nthreads = 1;
#endif
    if ((int64_t)nthreads > blocks)
        nthreads = (int)blocks;
    workers = (sweep_worker *)calloc((size_t)nthreads, sizeof *workers);
    if (workers == NULL) {
        free(sh.offset);
        return NNC_STATUS_NO_MEMORY;
    }
    for (int t = 0; t < nthreads && st == NNC_STATUS_OK; t++) {
        sweep_worker *w = &workers[t];
        w->sh = &sh;
        w->main = t == 0;
        if (sh.lanes) {
            st = s->net->f32
                     ? sweep_lanes_ws_new_f32(&w->lanes_ws, s->base.n, s->net->layers[0].in)
                     : sweep_lanes_ws_new_f64(&w->lanes_ws, s->base.n, s->net->layers[0].in);
        }
        else {
            size_t bytes;
            w->params = (nnc_param_t *)calloc(
                (size_t)(s->net->n_params > 0 ? s->net->n_params : 1), sizeof(nnc_param_t));
            if (nnc_bytes(sh.n_values > 0 ? sh.n_values : 1, el, &bytes) != 0)
                st = NNC_STATUS_OVERFLOW;
            else if ((w->grad = malloc(bytes)) != NULL &&
                     (bytes > SIZE_MAX / 3 || (w->own = malloc(3 * bytes)) == NULL)) {
                free(w->grad); /* reported as NO_MEMORY below */
                w->grad = NULL;
            }
            if (st == NNC_STATUS_OK && s->epoch_loss == NULL) {
                if (nnc_bytes(s->base.epochs > 0 ? s->base.epochs : 1, sizeof(double), &bytes) != 0)
                    st = NNC_STATUS_OVERFLOW;
                else if ((w->eloss = (double *)malloc(bytes)) == NULL)
                    st = NNC_STATUS_NO_MEMORY;
            }
            if (st == NNC_STATUS_OK && (w->params == NULL || w->grad == NULL))
                st = NNC_STATUS_NO_MEMORY;
        }
    }
    if (st != NNC_STATUS_OK) {
        sweep_workers_free(workers, nthreads, s->net->f32);
        free(sh.offset);
        return st;
    }
    s->used_lanes = sh.lanes;

    if (nnc_mutex_init(&sh.mu) != 0) {
        sweep_workers_free(workers, nthreads, s->net->f32);
        free(sh.offset);
        return NNC_STATUS_NO_MEMORY;
    }
    if (nnc_cond_init(&sh.finished) != 0) {
        nnc_mutex_destroy(&sh.mu);
        sweep_workers_free(workers, nthreads, s->net->f32);
        free(sh.offset);
        return NNC_STATUS_NO_MEMORY;
    }
    {
        nnc_thread_t tid[NNC_SWEEP_MAX_THREADS];
        sweep_thread_arg args[NNC_SWEEP_MAX_THREADS];
        int started = 1;
        for (int t = 1; t < nthreads; t++) {
            args[t].me = &workers[t];
            args[t].running = 1;
            if (nnc_thread_start(&tid[t], sweep_thread_main, &args[t]) != 0)
                break; /* the threads that did start (and this one) share the work */
            started = t + 1;
        }
        sweep_work(&workers[0]);
        /* Keep polling (Ctrl-C) while the other threads finish: wake when one
         * ends, or every 10 ms. */
        while (started > 1) {
            int running = 0;
            nnc_mutex_lock(&sh.mu);
            for (int t = 1; t < started; t++)
                running |= args[t].running;
            if (running) {
                sweep_timed_wait(&sh.finished, &sh.mu, 10);
                running = 0;
                for (int t = 1; t < started; t++)
                    running |= args[t].running;
            }
            nnc_mutex_unlock(&sh.mu);
            if (!running)
                break;
            (void)sweep_poll(&sh, &workers[0]);
        }
        for (int t = 1; t < started; t++)
            nnc_thread_join(tid[t]);
    }
    nnc_cond_destroy(&sh.finished);
    nnc_mutex_destroy(&sh.mu);
    for (int64_t q = sh.next; q < s->k; q++)
        sweep_not_run(s, q);
    for (int t = 0; t < nthreads; t++)
        if (st == NNC_STATUS_OK && workers[t].err != NNC_STATUS_OK)
            st = workers[t].err;
    if (st == NNC_STATUS_OK && sh.stop)
        st = NNC_STATUS_INTERRUPTED;
    sweep_workers_free(workers, nthreads, s->net->f32);
    free(sh.offset);
    return st;
}
