/* The training engine: network checks, schedule arithmetic, workspace layout
 * and dispatch by dtype.  The per-dtype bodies live in engine_impl.h. */
#include "engine.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Cross-entropy takes logits (nnc_loss uses the stable log-softmax form), so a
 * network whose last layer is Softmax trained with cross_entropy feeds the
 * Softmax's *input* to the loss and skips the Softmax in the backward pass:
 * the objective is exactly -sum t log softmax(z), computed stably, and its
 * gradient is softmax(z) - t.  Predictions still go through the Softmax. */
static int engine_fused_softmax(const nnc_net_t *net, const nnc_loss_params_t *loss)
{
    return net->n_layers > 0 && loss != NULL && loss->kind == NNC_LOSS_CROSS_ENTROPY &&
           net->layers[net->n_layers - 1].kind == NNC_LAYER_ACTIVATION &&
           net->layers[net->n_layers - 1].act == NNC_ACT_SOFTMAX;
}

static int64_t engine_max_width(const nnc_net_t *net)
{
    int64_t w = 1;
    for (int64_t l = 0; l < net->n_layers; l++) {
        if (net->layers[l].in > w)
            w = net->layers[l].in;
        if (net->layers[l].out > w)
            w = net->layers[l].out;
    }
    return w;
}

static int engine_param_ok(const nnc_net_t *net, int64_t idx, int64_t size)
{
    if (idx < 0 || idx >= net->n_params)
        return 0;
    const nnc_param_t *p = &net->params[idx];
    return p->data != NULL && p->grad != NULL && p->size == size;
}

nnc_status_t nnc_net_check(const nnc_net_t *net)
{
    int64_t total;
    if (net == NULL || net->n_layers < 1 || net->layers == NULL || net->n_params < 0 ||
        (net->n_params > 0 && net->params == NULL))
        return NNC_STATUS_INVALID_ARGUMENT;
    for (int64_t l = 0; l < net->n_layers; l++) {
        const nnc_layer_t *L = &net->layers[l];
        int64_t wsize;
        if (L->in < 1 || L->out < 1)
            return NNC_STATUS_INVALID_ARGUMENT;
        if (l > 0 && net->layers[l - 1].out != L->in)
            return NNC_STATUS_INVALID_ARGUMENT;
        switch (L->kind) {
        case NNC_LAYER_DENSE:
            if (nnc_mul_i64(L->in, L->out, &wsize) != 0)
                return NNC_STATUS_OVERFLOW;
            if (!engine_param_ok(net, L->weight, wsize))
                return NNC_STATUS_INVALID_ARGUMENT;
            if (L->bias != -1 && !engine_param_ok(net, L->bias, L->out))
                return NNC_STATUS_INVALID_ARGUMENT;
            break;
        case NNC_LAYER_ACTIVATION:
            if ((int)L->act < 0 || L->act >= NNC_ACT_COUNT || L->in != L->out || L->bias != -1)
                return NNC_STATUS_INVALID_ARGUMENT;
            if (nnc_act_info[L->act].alpha == NNC_ALPHA_LEARNED ? !engine_param_ok(net, L->weight, 1)
                                                                : L->weight != -1)
                return NNC_STATUS_INVALID_ARGUMENT;
            if (!isfinite(L->alpha))
                return NNC_STATUS_INVALID_ARGUMENT;
            break;
        default:
            return NNC_STATUS_INVALID_ARGUMENT;
        }
    }
    return nnc_net_param_count(net, &total);
}

nnc_status_t nnc_net_param_count(const nnc_net_t *net, int64_t *out)
{
    int64_t total = 0;
    for (int64_t p = 0; p < net->n_params; p++) {
        if (net->params[p].size < 0)
            return NNC_STATUS_INVALID_ARGUMENT;
        if (nnc_add_i64(total, net->params[p].size, &total) != 0)
            return NNC_STATUS_OVERFLOW;
    }
    *out = total;
    return NNC_STATUS_OK;
}

nnc_status_t nnc_fit_schedule(int64_t n, int64_t order_len, int have_order, int64_t batch_size,
                              int64_t epochs, int64_t *steps_per_epoch, int64_t *total_steps)
{
    int64_t len = have_order ? order_len : n;
    int64_t spe;
    if (n < 1 || len < 1 || batch_size < 0 || epochs < 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (batch_size == 0 || batch_size >= len)
        spe = 1;
    else
        spe = len / batch_size + (len % batch_size != 0);
    if (nnc_mul_i64(spe, epochs, total_steps) != 0)
        return NNC_STATUS_OVERFLOW;
    *steps_per_epoch = spe;
    return NNC_STATUS_OK;
}

/* Workspace carving: one allocation, each part 64-byte aligned.  `*off` is the
 * running size; the part's offset goes to *at.  Returns -1 on overflow. */
static int engine_reserve(size_t *off, int64_t count, size_t elsize, size_t *at)
{
    size_t bytes, start;
    if (nnc_bytes(count, elsize, &bytes) != 0 || *off > SIZE_MAX - 63)
        return -1;
    start = (*off + 63) & ~(size_t)63;
    if (start > SIZE_MAX - bytes)
        return -1;
    *at = start;
    *off = start + bytes;
    return 0;
}

/* The fused top-layer kernels (engine_impl.h) also come in an AVX2 build,
 * chosen at run time, so one build runs on any x86-64 (never -march=native).
 * Both builds add the same rounded terms in the same fixed order and AVX2
 * brings no fused multiply-add (that is FMA's, which is not enabled), so the
 * choice changes the speed, never a bit of the results.
 * -DNNC_ENGINE_PORTABLE builds only the portable code. */
#if !defined(NNC_ENGINE_PORTABLE) && (defined(__GNUC__) || defined(__clang__)) &&               \
    (defined(__x86_64__) || defined(__i386__))
#define NNC_ENGINE_X86 1
#else
#define NNC_ENGINE_X86 0
#endif

static int engine_cpu_avx2(void)
{
#if NNC_ENGINE_X86
    /* __builtin_cpu_supports also checks that the OS saves the registers. */
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

/* The AVX-512 build of the fused kernels: 16 lanes are two registers. */
static int engine_cpu_avx512(void)
{
#if NNC_ENGINE_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

static int engine_stopped_by_divergence(double loss, double divergence, double *reference)
{
    if (!(divergence > 0))
        return 0;
    if (*reference > 0)
        return loss > divergence * *reference;
    /* A run that starts at loss 0 has no scale to compare with; the first
     * positive loss becomes the reference. */
    if (loss > 0)
        *reference = loss;
    return 0;
}

/* Ctrl-C: long passes poll between pieces of about this many values
 * (activation rows, layers, chunks); GEMM cuts its own pieces
 * (NNC_GEMM_POLL_WORK multiply-adds). */
#define NNC_ENGINE_POLL_ELEMS ((int64_t)1 << 20)

static int engine_poll(nnc_poll_t poll, void *ctx)
{
    return poll != NULL && poll(ctx) != 0;
}

/* loss_surface's hook, polled inside a grid point with the points done. */
typedef struct {
    nnc_engine_hook_t hook;
    void *ctx;
    int64_t row, done;
} engine_hook_poll_t;

static int engine_hook_poll(void *p)
{
    engine_hook_poll_t *h = (engine_hook_poll_t *)p;
    return h->hook(h->ctx, h->row, h->done);
}

/* 1 when the byte ranges [a, a + an) and [b, b + bn) intersect. */
static int engine_overlap(const void *a, size_t an, const void *b, size_t bn)
{
    const uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    if (a == NULL || b == NULL || an == 0 || bn == 0)
        return 0;
    return a0 < b0 + bn && b0 < a0 + an;
}

/* Every buffer fit writes -- each parameter's data, grad and state arrays --
 * must be its own memory, apart from every other one and from X and Y: an
 * optimizer state or gradient that IS the weight array trains garbage.
 * Returns 0, or -1 with *field and *param naming the later of two
 * overlapping buffers.  (The sizes were checked by nnc_net_check.) */
static int engine_buffers_distinct(const nnc_net_t *net, size_t elsize, const void *x,
                                   size_t xbytes, const void *y, size_t ybytes,
                                   const char **field, int64_t *param)
{
    static const char *const names[4] = {"params[].data", "params[].grad", "params[].state0",
                                         "params[].state1"};
    for (int64_t p = 0; p < net->n_params; p++) {
        const nnc_param_t *P = &net->params[p];
        const void *mine[4] = {P->data, P->grad, P->state[0], P->state[1]};
        const size_t bytes = (size_t)P->size * elsize;
        for (int s = 0; s < 4; s++) {
            int bad = engine_overlap(mine[s], bytes, x, xbytes) ||
                      engine_overlap(mine[s], bytes, y, ybytes);
            for (int64_t q = 0; q <= p && !bad; q++) {
                const nnc_param_t *Q = &net->params[q];
                const void *theirs[4] = {Q->data, Q->grad, Q->state[0], Q->state[1]};
                for (int t = 0; t < (q == p ? s : 4) && !bad; t++)
                    bad = engine_overlap(mine[s], bytes, theirs[t], (size_t)Q->size * elsize);
            }
            if (bad) {
                *field = names[s];
                *param = p;
                return -1;
            }
        }
    }
    return 0;
}

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "engine_impl.h"
#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "engine_impl.h"
#include "nnc_tmpl_end.h"

nnc_status_t nnc_engine_fit(const nnc_net_t *net, nnc_fit_t *fit)
{
    nnc_status_t st = nnc_net_check(net);
    if (st != NNC_STATUS_OK)
        return st;
    if (fit == NULL)
        return NNC_STATUS_INVALID_ARGUMENT;
    return net->f32 ? engine_fit_f32(net, fit) : engine_fit_f64(net, fit);
}

nnc_status_t nnc_engine_eval(const nnc_net_t *net, nnc_eval_t *ev)
{
    nnc_status_t st = nnc_net_check(net);
    if (st != NNC_STATUS_OK)
        return st;
    if (ev == NULL)
        return NNC_STATUS_INVALID_ARGUMENT;
    return net->f32 ? engine_eval_f32(net, ev) : engine_eval_f64(net, ev);
}

nnc_status_t nnc_engine_loss_surface(const nnc_net_t *net, const void *x, const void *y,
                                     int64_t n, const nnc_loss_params_t *loss, double l1,
                                     double l2, int64_t pa, int64_t ia, int64_t pb, int64_t ib,
                                     int64_t na, const double *grid_a, int64_t nb,
                                     const double *grid_b, double *out, int threads,
                                     nnc_engine_hook_t hook, void *hook_ctx)
{
    nnc_status_t st = nnc_net_check(net);
    if (st != NNC_STATUS_OK)
        return st;
    if (loss == NULL || x == NULL || y == NULL || n < 1 || na < 0 || nb < 0 ||
        (na > 0 && grid_a == NULL) || (nb > 0 && grid_b == NULL) || out == NULL)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (pa < 0 || pa >= net->n_params || pb < 0 || pb >= net->n_params || ia < 0 ||
        ia >= net->params[pa].size || ib < 0 || ib >= net->params[pb].size ||
        (pa == pb && ia == ib))
        return NNC_STATUS_INVALID_ARGUMENT;
    return net->f32 ? engine_surface_f32(net, x, y, n, loss, l1, l2, pa, ia, pb, ib, na, grid_a,
                                         nb, grid_b, out, threads, hook, hook_ctx)
                    : engine_surface_f64(net, x, y, n, loss, l1, l2, pa, ia, pb, ib, na, grid_a,
                                         nb, grid_b, out, threads, hook, hook_ctx);
}
