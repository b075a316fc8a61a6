/* The engine's per-dtype body, written once against T (see nnc_tmpl.h);
 * engine.c includes it once for float64 and once for float32.  No include
 * guard on purpose.
 *
 * A step is: gather the batch rows (only when an order or a shuffle picks
 * them; contiguous batches are read in place), forward through every layer,
 * loss (+ penalties), check for divergence, backward, optimizer update,
 * records, hook.  Nothing in a step allocates.
 *
 * Gradients of a "mean" loss: the backward pass carries the gradient of the
 * SUM of the per-element (per-row) losses, and each parameter gradient is
 * divided by the mean's count once at the end -- dJ/da = (sum_i ...) / n, as
 * the chapters write it -- rather than dividing every element of the loss
 * gradient (a division per row costs more than the rest of a one-neuron step).
 * Every sum over the rows of a batch runs in the fixed order of
 * reduce_impl.h.
 *
 * Small steps are cheap (issue 10): on a batch of five rows a step's
 * bookkeeping would otherwise cost more than its arithmetic.  So the plan of a
 * fit is made once (engine_run_init: the optimizer's instruction-set level,
 * its blocks -- back-to-back parameters joined -- updated by ONE call per
 * step, nnc_<name>_update_segs; whether the top layer fuses with the loss),
 * passes with nothing to do are skipped (no penalty, no layer below a fused
 * top), and a one-Dense-layer network whose layer fuses with its loss steps
 * through a lean loop compiled per loss (engine_epoch_lean_body).  None of
 * this changes an operation or its order: the results are the general path's
 * bits (tests/test_engine_steps.py). */

#include "reduce_impl.h"
#include "loss_elem_impl.h"
#include "optim_short_impl.h"

/* The arguments of the fused top-layer kernels (engine_dense_fast.h). */
typedef struct {
    const T *x;     /* rows x in: the layer's input */
    const T *w;     /* in weights */
    T b;            /* the bias, or -0.0 without one (p + -0.0 == p exactly) */
    const T *y;     /* rows targets */
    T k;            /* the loss's constant (loss_<name>_k) */
    T *pred;        /* NULL, or rows: receives the outputs */
    T *delta;       /* NULL, or rows: receives d loss_r / d output_r */
    int avx2;       /* the AVX2 build may run */
    int avx512;     /* the AVX-512 build may run */
    double sum;     /* out: sum of the row losses */
    T gw[16], gb;   /* out: sum_r x[r, i] d[r] and sum_r d[r] */
} NNC_FN(engine_top_t);
typedef void (*NNC_FN(engine_top_fn))(int64_t rows, int64_t in, NNC_FN(engine_top_t) *t);

/* Buffers of one engine call, carved from a single allocation. */
typedef struct {
    T **act;           /* act[l]: output of layer l, cap x layers[l].out */
    T *d0, *d1;        /* backward deltas, cap x widest layer (ping-pong) */
    T *lanes;          /* NNC_RED_LANES x widest layer: column-sum partial sums */
    T *xg, *yg;        /* gathered batch inputs and targets (cap rows), or NULL */
    T *save;           /* Nesterov: the parameters before the look-ahead shift */
    signed char *dir;  /* HotCold: -1 / 0 / +1 per parameter value */
    int64_t *perm;     /* shuffle permutation of 0..n-1 */
    NNC_FN(nnc_opt_seg) *seg; /* the optimizer's blocks (n_params at most) */
    void *block;
    /* State of the current pass, set by engine_objective for engine_backward: */
    T gdiv;            /* the mean's count (1 for "sum"): every parameter gradient is divided by it */
    int gdiv_pow2;     /* gdiv is a power of two */
    int top_done;      /* the fused top layer already wrote its parameter gradients,
                        * divided by gdiv (engine_backward leaves them alone) */
    int want_pred;     /* engine_objective must leave the network's output in act[last] */
    int avx2;          /* the CPU runs the AVX2 builds of the fused kernels */
    int avx512;        /* ... and their AVX-512 builds */
    nnc_poll_t poll;   /* NULL, or polled inside long passes (Ctrl-C); see engine_poll */
    void *poll_ctx;
    nnc_pool_t *pool;  /* the caller's acquired worker pool for the products, or NULL */
    int sum_order;     /* nnc_sum_order_t of the fit (0 outside fit) */
    int mean_reciprocal; /* multiply by 1 / gdiv instead of dividing by gdiv */
    int libm;          /* transcendentals == NNC_TRANS_LIBM (0 outside fit) */
    /* The fused top layer (engine_top_plan), decided on the first pass that
     * wants gradients; a workspace serves one call, whose loss is fixed. */
    int top_plan;      /* 0: not decided yet, 1: fused, -1: the general path */
    NNC_FN(engine_top_t) top; /* its kernel's arguments, the per-batch ones aside */
    NNC_FN(engine_top_fn) top_fn;
} NNC_FN(engine_ws);

typedef struct {
    int64_t cap;     /* rows the activation buffers hold */
    int gather;      /* allocate xg / yg */
    int64_t n_save;  /* values in save */
    int64_t n_dir;   /* values in dir */
    int64_t n_perm;  /* values in perm */
    int64_t n_seg;   /* entries in seg */
} NNC_FN(engine_ws_req);

/* Lays the workspace out over `base` (NULL: only measures).  Returns 0 and the
 * total size, or -1 when a size overflows. */
static int NNC_FN(engine_ws_carve)(NNC_FN(engine_ws) *ws, char *base, size_t *total,
                                   const nnc_net_t *net, const NNC_FN(engine_ws_req) *rq)
{
    size_t off = 0, at;
    int64_t count;
    const int64_t in_w = net->layers[0].in, out_w = net->layers[net->n_layers - 1].out;
#define NNC_CARVE_(dst, type, cnt)                                                             \
    do {                                                                                       \
        if (engine_reserve(&off, (cnt), sizeof(type), &at) != 0)                               \
            return -1;                                                                         \
        if (base != NULL)                                                                      \
            (dst) = (type *)(void *)(base + at);                                               \
    } while (0)
    NNC_CARVE_(ws->act, T *, net->n_layers);
    for (int64_t l = 0; l < net->n_layers; l++) {
        if (nnc_mul_i64(rq->cap, net->layers[l].out, &count) != 0)
            return -1;
        NNC_CARVE_(ws->act[l], T, count);
    }
    if (nnc_mul_i64(rq->cap, engine_max_width(net), &count) != 0)
        return -1;
    NNC_CARVE_(ws->d0, T, count);
    NNC_CARVE_(ws->d1, T, count);
    if (nnc_mul_i64(NNC_RED_LANES, engine_max_width(net), &count) != 0)
        return -1;
    NNC_CARVE_(ws->lanes, T, count);
    if (rq->gather) {
        if (nnc_mul_i64(rq->cap, in_w, &count) != 0)
            return -1;
        NNC_CARVE_(ws->xg, T, count);
        if (nnc_mul_i64(rq->cap, out_w, &count) != 0)
            return -1;
        NNC_CARVE_(ws->yg, T, count);
    }
    if (rq->n_save > 0)
        NNC_CARVE_(ws->save, T, rq->n_save);
    if (rq->n_dir > 0)
        NNC_CARVE_(ws->dir, signed char, rq->n_dir);
    if (rq->n_perm > 0)
        NNC_CARVE_(ws->perm, int64_t, rq->n_perm);
    if (rq->n_seg > 0)
        NNC_CARVE_(ws->seg, NNC_FN(nnc_opt_seg), rq->n_seg);
#undef NNC_CARVE_
    *total = off;
    return 0;
}

static nnc_status_t NNC_FN(engine_ws_init)(NNC_FN(engine_ws) *ws, const nnc_net_t *net,
                                           const NNC_FN(engine_ws_req) *rq)
{
    size_t total;
    memset(ws, 0, sizeof *ws);
    if (rq->cap < 1)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (NNC_FN(engine_ws_carve)(ws, NULL, &total, net, rq) != 0)
        return NNC_STATUS_OVERFLOW;
    ws->block = malloc(total);
    if (ws->block == NULL)
        return NNC_STATUS_NO_MEMORY;
    ws->avx2 = engine_cpu_avx2();
    ws->avx512 = engine_cpu_avx512();
    /* Same layout again, now writing the pointers (act is carved before act[l]). */
    (void)NNC_FN(engine_ws_carve)(ws, (char *)ws->block, &total, net, rq);
    return NNC_STATUS_OK;
}

/* ---- Dense arithmetic ----
 * The general path: nnc_gemm for the products, engine_colsum for the bias
 * gradient.  Shapes with a dimension of 1 (the chapters' single neurons and
 * line fits) first try engine_dense_fast (engine_dense_fast.h), and a
 * one-output top layer with an elementwise loss is fused with it
 * (engine_top_kernel, same file): both exist for speed only, and a reader can
 * follow the general path without them. */

/* out[j] = sum_r s[r * ss] * a[r * lda + j] (s == NULL: sum_r a[r * lda + j])
 * for j < cols, each column summed over the rows in the fixed order of
 * reduce_impl.h (bit for bit nnc_red_dot / nnc_red_sum down that column), with
 * the columns of a row added side by side so the loop vectorises across
 * them.  lanes: NNC_RED_LANES * cols scratch. */
static void NNC_FN(engine_colsum)(int64_t rows, int64_t cols, const T *a, int64_t lda,
                                  const T *s, int64_t ss, T *lanes, T *out)
{
    const int64_t used = rows <= NNC_RED_SHORT ? 1 : NNC_RED_LANES;
    if (cols == 1) {
        out[0] = s != NULL ? NNC_FN(nnc_red_dot)(rows, a, lda, s, ss)
                           : NNC_FN(nnc_red_sum)(rows, a, lda);
        return;
    }
    for (int64_t i = 0; i < used * cols; i++)
        lanes[i] = NNC_LIT(-0.0);
    for (int64_t r = 0; r < rows; r++) {
        T *ln = lanes + (used == 1 ? 0 : r % NNC_RED_LANES) * cols;
        const T *ar = a + r * lda;
        if (s != NULL) {
            const T sr = s[r * ss];
#pragma omp simd
            for (int64_t j = 0; j < cols; j++)
                ln[j] = ln[j] + sr * ar[j];
        }
        else {
#pragma omp simd
            for (int64_t j = 0; j < cols; j++)
                ln[j] = ln[j] + ar[j];
        }
    }
    if (used > 1) {
        for (int w = NNC_RED_LANES / 2; w >= 1; w /= 2)
            for (int l = 0; l < w; l++) {
                T *dst = lanes + l * cols;
                const T *src = lanes + (l + w) * cols;
#pragma omp simd
                for (int64_t j = 0; j < cols; j++)
                    dst[j] = dst[j] + src[j];
            }
    }
    for (int64_t j = 0; j < cols; j++)
        out[j] = rows > 0 ? lanes[j] : NNC_LIT(0.0);
}

#include "engine_dense_fast.h"

/* y = x @ w + b (b may be NULL); x rows x in, w in x out, y rows x out. */
static nnc_status_t NNC_FN(engine_dense_forward)(int64_t rows, int64_t in, int64_t out,
                                                 const T *x, const T *w, const T *b, T *y,
                                                 int threads, const NNC_FN(engine_ws) *ws)
{
    if (NNC_FN(engine_dense_fast)(NNC_DENSE_FORWARD, rows, in, out, x, w, b, y, NULL))
        return NNC_STATUS_OK;
    nnc_status_t st = NNC_FN(nnc_gemm_pool_poll)(ws->pool, 0, 0, rows, out, in, NNC_LIT(1.0), x,
                                                 in, w, out, NNC_LIT(0.0), y, out, threads,
                                                 ws->poll, ws->poll_ctx);
    if (st != NNC_STATUS_OK || b == NULL)
        return st;
    for (int64_t r = 0; r < rows; r++) {
        T *o = y + r * out;
#pragma omp simd
        for (int64_t j = 0; j < out; j++)
            o[j] += b[j];
    }
    return NNC_STATUS_OK;
}

/* A sum of n >= 1 terms term(k), k = 0 .. n-1, in the order `order`
 * (NNC_SUM_DATA or NNC_SUM_PHARO, see engine.h): one scalar chain, for fits
 * that replay a book's loop bit for bit. */
#define NNC_ENGINE_ORDERED_SUM_(acc, order, n, k, term)                                            \
    do {                                                                                         \
        int64_t k = 0;                                                                           \
        const T first_ = (term);                                                                 \
        acc = (order) == NNC_SUM_PHARO ? first_ + first_ : first_;                               \
        for (k = 1; k < (n); k++)                                                                \
            acc = acc + (term);                                                                  \
        if ((order) == NNC_SUM_PHARO)                                                            \
            acc = acc - first_;                                                                  \
    } while (0)

/* engine_dense_grads with every sum over the rows in the order `order`:
 * gw[i, j] = sum_r x[r, i] d[r, j], gb[j] = sum_r d[r, j].  rows >= 1. */
static void NNC_FN(engine_dense_grads_ordered)(int order, int64_t rows, int64_t in, int64_t out,
                                               const T *x, const T *d, T *gw, T *gb)
{
    for (int64_t j = 0; j < out; j++) {
        T acc;
        if (gb != NULL) {
            NNC_ENGINE_ORDERED_SUM_(acc, order, rows, r, d[r * out + j]);
            gb[j] = acc;
        }
        for (int64_t i = 0; i < in; i++) {
            NNC_ENGINE_ORDERED_SUM_(acc, order, rows, r, d[r * out + j] * x[r * in + i]);
            gw[i * out + j] = acc;
        }
    }
}

/* The loss sum of an elementwise loss over rows x out outputs, in the order
 * `order` (row-major).  Returns 0, or -1 for a loss that is not elementwise
 * (its value keeps the fixed order).  With `libm` (transcendentals = libm),
 * MSE's square is the C library's pow(r, 2), as Python's r ** 2 computes (pow
 * is not always the correctly rounded r * r). */
static int NNC_FN(engine_loss_sum_ordered)(int order, const nnc_loss_params_t *lp, int64_t m,
                                           const T *pred, const T *y, double *sum, int libm)
{
    T dummy;
    double acc;
    if (libm && lp->kind == NNC_LOSS_MSE) {
        /* volatile: compilers rewrite pow(r, 2) as r * r, which is the point */
        volatile T two_ = NNC_LIT(2.0);
#if NNC_IS_F32
#define NNC_LIBM_SQ_(r) powf((r), two_)
#else
#define NNC_LIBM_SQ_(r) pow((r), two_)
#endif
        const T k_ = NNC_FN(loss_mse_k)(lp);
        const double first_ = (double)(k_ * NNC_LIBM_SQ_(pred[0] - y[0]));
        acc = order == NNC_SUM_PHARO ? first_ + first_ : first_;
        for (int64_t e = 1; e < m; e++)
            acc = acc + (double)(k_ * NNC_LIBM_SQ_(pred[e] - y[e]));
        *sum = order == NNC_SUM_PHARO ? acc - first_ : acc;
        return 0;
#undef NNC_LIBM_SQ_
    }
    switch (lp->kind) {
#define NNC_X_(E, name, vec)                                                                     \
    case NNC_LOSS_##E: {                                                                         \
        const T k_ = NNC_FN(loss_##name##_k)(lp);                                                \
        const double first_ = (double)NNC_FN(loss_##name##_elem)(pred[0], y[0], k_, &dummy);     \
        acc = order == NNC_SUM_PHARO ? first_ + first_ : first_;                                 \
        for (int64_t e = 1; e < m; e++)                                                          \
            acc = acc + (double)NNC_FN(loss_##name##_elem)(pred[e], y[e], k_, &dummy);          \
        *sum = order == NNC_SUM_PHARO ? acc - first_ : acc;                                      \
        return 0;                                                                                \
    }
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
    default:
        return -1;
    }
}

/* gw = x^T d (in x out); gb = column sums of d (when gb != NULL).  Products
 * with a dimension of 1 are column sums (engine_colsum): the bias and, for one
 * input, gw[j] = sum_r x[r] d[r, j]; for one output, gw[i] = sum_r x[r, i] d[r]. */
static nnc_status_t NNC_FN(engine_dense_grads)(int64_t rows, int64_t in, int64_t out,
                                               const T *x, const T *d, T *gw, T *gb, T *lanes,
                                               int threads, const NNC_FN(engine_ws) *ws)
{
    if (gb != NULL)
        NNC_FN(engine_colsum)(rows, out, d, out, NULL, 0, lanes, gb);
    if (NNC_FN(engine_dense_fast)(NNC_DENSE_GRADS, rows, in, out, x, d, NULL, gw, lanes))
        return NNC_STATUS_OK;
    return NNC_FN(nnc_gemm_pool_poll)(ws->pool, 1, 0, in, out, rows, NNC_LIT(1.0), x, in, d, out,
                                      NNC_LIT(0.0), gw, out, threads, ws->poll, ws->poll_ctx);
}

/* dx = d @ w^T (rows x in). */
static nnc_status_t NNC_FN(engine_dense_dx)(int64_t rows, int64_t in, int64_t out, const T *d,
                                            const T *w, T *dx, int threads,
                                            const NNC_FN(engine_ws) *ws)
{
    if (NNC_FN(engine_dense_fast)(NNC_DENSE_DX, rows, in, out, d, w, NULL, dx, NULL))
        return NNC_STATUS_OK;
    return NNC_FN(nnc_gemm_pool_poll)(ws->pool, 0, 1, rows, in, out, NNC_LIT(1.0), d, out, w, out,
                                      NNC_LIT(0.0), dx, in, threads, ws->poll, ws->poll_ctx);
}

/* transcendentals = "libm" (see nnc_trans_t): Sigmoid and Tanh on n values in
 * their textbook scalar forms with the C library's exp / tanh (no omp simd: one
 * libm call per value).  Returns -1 for any other activation. */
static int NNC_FN(engine_act_libm)(int backward, nnc_act_t act, int64_t n, const T *x,
                                   const T *y, const T *dy, T *out)
{
#if NNC_IS_F32
#define NNC_LIBM_EXP_ expf
#define NNC_LIBM_TANH_ tanhf
#else
#define NNC_LIBM_EXP_ exp
#define NNC_LIBM_TANH_ tanh
#endif
    const T one = NNC_LIT(1.0);
    if (act == NNC_ACT_SIGMOID) {
        for (int64_t i = 0; i < n; i++) {
            const T s = backward && y != NULL ? y[i] : one / (one + NNC_LIBM_EXP_(-x[i]));
            out[i] = backward ? dy[i] * s * (one - s) : s;
        }
        return 0;
    }
    if (act == NNC_ACT_TANH) {
        for (int64_t i = 0; i < n; i++) {
            const T t = backward && y != NULL ? y[i] : NNC_LIBM_TANH_(x[i]);
            out[i] = backward ? dy[i] * (one - t * t) : t;
        }
        return 0;
    }
    return -1;
#undef NNC_LIBM_EXP_
#undef NNC_LIBM_TANH_
}

/* An activation (forward, or backward when dalpha == NULL: PReLU's dalpha sums
 * over all rows, so it runs in one piece) on `rows` rows of `cols`, in blocks
 * of about NNC_ENGINE_POLL_ELEMS values with engine_poll between them (rows
 * are independent, so the blocks give the same bits as one call). */
static nnc_status_t NNC_FN(engine_act_blocks)(const NNC_FN(engine_ws) *ws, int backward,
                                              nnc_act_t act, int64_t rows, int64_t cols,
                                              const T *x, const T *y, const T *dy, T *out,
                                              T alpha, T *dalpha)
{
    int64_t step = rows;
    nnc_status_t st = NNC_STATUS_OK;
    if (ws->poll != NULL && dalpha == NULL && cols > 0 && rows > NNC_ENGINE_POLL_ELEMS / cols)
        step = NNC_ENGINE_POLL_ELEMS / cols > 0 ? NNC_ENGINE_POLL_ELEMS / cols : 1;
    for (int64_t r0 = 0; r0 < rows; r0 += step) {
        const int64_t rb = rows - r0 < step ? rows - r0 : step, off = r0 * cols;
        if (ws->libm && NNC_FN(engine_act_libm)(backward, act, rb * cols, x + off,
                                                y != NULL ? y + off : NULL,
                                                dy != NULL ? dy + off : NULL, out + off) == 0)
            st = NNC_STATUS_OK;
        else if (backward)
            st = NNC_FN(nnc_act_backward)(act, rb, cols, x + off, y + off, dy + off, out + off,
                                          alpha, dalpha);
        else
            st = NNC_FN(nnc_act_forward)(act, rb, cols, x + off, out + off, alpha);
        if (st != NNC_STATUS_OK)
            return st;
        if (r0 + rb < rows && engine_poll(ws->poll, ws->poll_ctx))
            return NNC_STATUS_INTERRUPTED;
    }
    return st;
}

/* Layers [from, upto) on `rows` rows; layer `from` reads `x` when from == 0,
 * else its predecessor's buffer. */
static nnc_status_t NNC_FN(engine_forward)(const nnc_net_t *net, NNC_FN(engine_ws) *ws,
                                           const T *x, int64_t rows, int64_t from, int64_t upto,
                                           int threads)
{
    const T *in = from == 0 ? x : ws->act[from - 1];
    for (int64_t l = from; l < upto; l++) {
        const nnc_layer_t *L = &net->layers[l];
        T *out = ws->act[l];
        nnc_status_t st;
        if (L->kind == NNC_LAYER_DENSE) {
            st = NNC_FN(engine_dense_forward)(
                rows, L->in, L->out, in, (const T *)net->params[L->weight].data,
                L->bias >= 0 ? (const T *)net->params[L->bias].data : NULL, out, threads, ws);
            if (st != NNC_STATUS_OK)
                return st;
        }
        else {
            const T alpha = nnc_act_info[L->act].alpha == NNC_ALPHA_LEARNED
                                ? ((const T *)net->params[L->weight].data)[0]
                                : (T)L->alpha;
            st = NNC_FN(engine_act_blocks)(ws, 0, L->act, rows, L->in, in, NULL, NULL, out, alpha,
                                           NULL);
            if (st != NNC_STATUS_OK)
                return st;
        }
        in = out;
    }
    return NNC_STATUS_OK;
}

/* value = objective: data loss, then + l1 * S1, then + l2 * S2, where S1 and S2
 * add each penalized parameter's sum |w| and sum w^2 in parameter order. */
static T NNC_FN(engine_add_penalty)(const nnc_net_t *net, T value, double l1, double l2)
{
    if (l1 != 0) {
        T s = 0;
        for (int64_t p = 0; p < net->n_params; p++)
            if (net->params[p].penalized)
                s += NNC_FN(nnc_l1_penalty)(net->params[p].size, (const T *)net->params[p].data);
        value += (T)l1 * s;
    }
    if (l2 != 0) {
        T s = 0;
        for (int64_t p = 0; p < net->n_params; p++)
            if (net->params[p].penalized)
                s += NNC_FN(nnc_l2_penalty)(net->params[p].size, (const T *)net->params[p].data);
        value += (T)l2 * s;
    }
    return value;
}

/* Sets ws->gdiv (the count a "mean" divides every gradient by; 1 for "sum"). */
static inline void NNC_FN(engine_set_gdiv)(NNC_FN(engine_ws) *ws, int reduction, int64_t count)
{
    if (reduction == NNC_REDUCTION_SUM) {
        ws->gdiv = NNC_LIT(1.0);
        ws->gdiv_pow2 = 1;
    }
    else {
        ws->gdiv = (T)count;
        ws->gdiv_pow2 = count > 0 && (count & (count - 1)) == 0;
    }
}

/* g / gdiv, the way every parameter gradient is divided: g / 2^k and
 * g * 2^-k are both the exact g 2^-k rounded once, the same bits without the
 * slow division; mean_reciprocal asks for g * (1 / count) for any count, as
 * "(1/n) * sum" computes. */
static inline T NNC_FN(engine_gscale)(const NNC_FN(engine_ws) *ws, T g)
{
    if (ws->gdiv == NNC_LIT(1.0))
        return g;
    if (ws->gdiv_pow2 || ws->mean_reciprocal)
        return g * (NNC_LIT(1.0) / ws->gdiv);
    return g / ws->gdiv;
}

/* Whether engine_objective fuses the top layer with the loss (the fixed
 * summation order, a one-output Dense top of at most 16 inputs, an
 * elementwise loss, no fused Softmax), and the kernel's fixed arguments.
 * Returns INVALID_ARGUMENT for a loss description the kernels refuse. */
static nnc_status_t NNC_FN(engine_top_plan)(const nnc_net_t *net, NNC_FN(engine_ws) *ws,
                                            const nnc_loss_params_t *lp, int fused)
{
    const int64_t L = net->n_layers;
    const nnc_layer_t *top = &net->layers[L - 1];
    NNC_FN(engine_top_t) *t = &ws->top;
    if (fused || ws->sum_order != NNC_SUM_FIXED || !NNC_FN(engine_top_fusable)(top, lp)) {
        ws->top_plan = -1;
        return NNC_STATUS_OK;
    }
    if (nnc_loss_check_params(lp) != NNC_STATUS_OK) /* the row's parameter, the reduction */
        return NNC_STATUS_INVALID_ARGUMENT;
    memset(t, 0, sizeof *t);
    ws->top_fn = NNC_FN(engine_top_kernel)(lp, &t->k);
    if (ws->top_fn == NULL) {
        ws->top_plan = -1;
        return NNC_STATUS_OK;
    }
    t->w = (const T *)net->params[top->weight].data;
    t->pred = ws->want_pred ? ws->act[L - 1] : NULL;
    t->delta = L > 1 ? ws->d0 : NULL;
    t->avx2 = ws->avx2;
    t->avx512 = ws->avx512;
    ws->top_plan = 1;
    return NNC_STATUS_OK;
}

/* Forward pass and objective on one batch.  With want_grad, the gradient of
 * the loss SUM with respect to the loss input lands in ws->d0 for
 * engine_backward (when the top layer is fused, its parameter gradients are
 * already written and d0 holds the gradient at its output -- only when a layer
 * below needs it); ws->gdiv is the count a "mean" divides by. */
static nnc_status_t NNC_FN(engine_objective)(const nnc_net_t *net, NNC_FN(engine_ws) *ws,
                                             const T *x, const T *y, int64_t rows,
                                             const nnc_loss_params_t *lp, int fused, double l1,
                                             double l2, int want_grad, int threads, T *value)
{
    const int64_t L = net->n_layers;
    const nnc_layer_t *top = &net->layers[L - 1];
    double sum = 0;
    int64_t count = 0;
    nnc_status_t st;
    T v;
    ws->top_done = 0;
    if (want_grad && ws->top_plan == 0) {
        st = NNC_FN(engine_top_plan)(net, ws, lp, fused);
        if (st != NNC_STATUS_OK)
            return st;
    }
    if (want_grad && ws->top_plan > 0) {
        NNC_FN(engine_top_t) *t = &ws->top;
        if (L > 1) {
            st = NNC_FN(engine_forward)(net, ws, x, rows, 0, L - 1, threads);
            if (st != NNC_STATUS_OK)
                return st;
        }
        t->x = L > 1 ? ws->act[L - 2] : x;
        t->b = top->bias >= 0 ? ((const T *)net->params[top->bias].data)[0] : NNC_LIT(-0.0);
        t->y = y;
        ws->top_fn(rows, top->in, t);
        /* The gradients, divided here (engine_backward skips these two). */
        NNC_FN(engine_set_gdiv)(ws, lp->reduction, rows);
        T *gw = (T *)net->params[top->weight].grad;
        for (int64_t i = 0; i < top->in; i++)
            gw[i] = NNC_FN(engine_gscale)(ws, t->gw[i]);
        if (top->bias >= 0)
            ((T *)net->params[top->bias].grad)[0] = NNC_FN(engine_gscale)(ws, t->gb);
        sum = t->sum;
        count = rows;
        ws->top_done = 1;
    }
    else {
        const int64_t upto = fused ? L - 1 : L;
        st = NNC_FN(engine_forward)(net, ws, x, rows, 0, upto, threads);
        if (st != NNC_STATUS_OK)
            return st;
        st = NNC_FN(nnc_loss_sum)(lp, rows, top->out, upto > 0 ? ws->act[upto - 1] : x, y, &sum,
                                  &count, want_grad ? ws->d0 : NULL);
        if (st != NNC_STATUS_OK)
            return st;
        if (ws->sum_order != NNC_SUM_FIXED && !fused && rows > 0)
            (void)NNC_FN(engine_loss_sum_ordered)(ws->sum_order, lp, rows * top->out,
                                                  upto > 0 ? ws->act[upto - 1] : x, y, &sum,
                                                  ws->libm);
    }
    /* The value nnc_loss gives; the mean of nothing would be NaN. */
    if (lp->reduction == NNC_REDUCTION_SUM)
        v = (T)sum;
    else
        v = count > 0 ? (T)(sum / (double)count) : (T)NAN;
    if (!ws->top_done)
        NNC_FN(engine_set_gdiv)(ws, lp->reduction, count);
    *value = l1 != 0 || l2 != 0 ? NNC_FN(engine_add_penalty)(net, v, l1, l2) : v;
    return NNC_STATUS_OK;
}

/* Backward from ws->d0 (left by engine_objective): overwrites every
 * parameter's grad with d (loss sum) / d param divided by ws->gdiv, then adds
 * the penalty gradients. */
static nnc_status_t NNC_FN(engine_backward)(const nnc_net_t *net, NNC_FN(engine_ws) *ws,
                                            const T *x, int64_t rows, int fused, double l1,
                                            double l2, int threads)
{
    const int64_t top = fused ? net->n_layers - 1 : net->n_layers;
    const nnc_layer_t *last = &net->layers[net->n_layers - 1];
    T *cur = ws->d0, *nxt = ws->d1;
    nnc_status_t st;
    for (int64_t l = top - 1; l >= 0; l--) {
        if (l == 0 && ws->top_done && top == 1)
            break; /* a one-layer network whose fused top did everything */
        const nnc_layer_t *L = &net->layers[l];
        const T *in = l > 0 ? ws->act[l - 1] : x;
        if (L->kind == NNC_LAYER_DENSE) {
            const T *w = (const T *)net->params[L->weight].data;
            T *gw = (T *)net->params[L->weight].grad;
            /* dW = X^T dY (in x out); db = column sums of dY; dX = dY W^T. */
            if (!(ws->top_done && l == top - 1) && ws->sum_order != NNC_SUM_FIXED)
                NNC_FN(engine_dense_grads_ordered)(
                    ws->sum_order, rows, L->in, L->out, in, cur, gw,
                    L->bias >= 0 ? (T *)net->params[L->bias].grad : NULL);
            else if (!(ws->top_done && l == top - 1)) {
                st = NNC_FN(engine_dense_grads)(
                    rows, L->in, L->out, in, cur, gw,
                    L->bias >= 0 ? (T *)net->params[L->bias].grad : NULL, ws->lanes, threads,
                    ws);
                if (st != NNC_STATUS_OK)
                    return st;
            }
            if (l == 0)
                break;
            st = NNC_FN(engine_dense_dx)(rows, L->in, L->out, cur, w, nxt, threads, ws);
            if (st != NNC_STATUS_OK)
                return st;
        }
        else {
            const int prelu = nnc_act_info[L->act].alpha == NNC_ALPHA_LEARNED;
            T dalpha = 0;
            if (l == 0 && !prelu)
                break; /* nothing below needs dX */
            const T alpha = prelu ? ((const T *)net->params[L->weight].data)[0] : (T)L->alpha;
            st = NNC_FN(engine_act_blocks)(ws, 1, L->act, rows, L->in, in, ws->act[l], cur, nxt,
                                           alpha, prelu ? &dalpha : NULL);
            if (st != NNC_STATUS_OK)
                return st;
            if (prelu)
                ((T *)net->params[L->weight].grad)[0] = dalpha;
        }
        T *tmp = cur;
        cur = nxt;
        nxt = tmp;
    }
    /* Divide by the mean's count (engine_gscale's arithmetic), except where
     * the fused top layer already did; then the penalties, when there are
     * any. */
    for (int64_t p = 0; p < net->n_params && ws->gdiv != NNC_LIT(1.0); p++) {
        const nnc_param_t *P = &net->params[p];
        T *g = (T *)P->grad;
        if (ws->top_done && (p == last->weight || p == last->bias))
            continue;
        if (ws->gdiv_pow2 || ws->mean_reciprocal) {
            const T r = NNC_LIT(1.0) / ws->gdiv;
#pragma omp simd
            for (int64_t i = 0; i < P->size; i++)
                g[i] = g[i] * r;
        }
        else {
            const T c = ws->gdiv;
#pragma omp simd
            for (int64_t i = 0; i < P->size; i++)
                g[i] = g[i] / c;
        }
    }
    for (int64_t p = 0; p < net->n_params && (l1 != 0 || l2 != 0); p++) {
        const nnc_param_t *P = &net->params[p];
        T *g = (T *)P->grad;
        if (!P->penalized)
            continue;
        if (l1 != 0)
            NNC_FN(nnc_l1_penalty_grad)(P->size, (const T *)P->data, (T)l1, g);
        if (l2 != 0)
            NNC_FN(nnc_l2_penalty_grad)(P->size, (const T *)P->data, (T)l2, g);
    }
    return NNC_STATUS_OK;
}

/* The rows of a batch: in place when they are contiguous (seq == NULL), else
 * gathered by index into buf. */
static inline const T *NNC_FN(engine_rows)(const T *src, int64_t width, const int64_t *seq,
                                    int64_t start, int64_t rows, T *buf)
{
    if (seq == NULL)
        return src + start * width;
    if (width == 1) {
        for (int64_t r = 0; r < rows; r++)
            buf[r] = src[seq[start + r]];
    }
    else {
        for (int64_t r = 0; r < rows; r++)
            memcpy(buf + r * width, src + seq[start + r] * width, (size_t)width * sizeof(T));
    }
    return buf;
}

static void NNC_FN(engine_record_params)(const nnc_net_t *net, T *row)
{
    for (int64_t p = 0; p < net->n_params; p++) {
        memcpy(row, net->params[p].data, (size_t)net->params[p].size * sizeof(T));
        row += net->params[p].size;
    }
}

/* Nesterov's look-ahead (NNC_OPTF_LOOK_AHEAD): save theta, then theta +=
 * mu * v (hyper-parameter 1, state 0), so that the next forward/backward pass
 * sees theta + mu v. */
static void NNC_FN(engine_look_ahead)(const nnc_net_t *net, T *save, T mu)
{
    for (int64_t p = 0; p < net->n_params; p++) {
        const nnc_param_t *P = &net->params[p];
        memcpy(save, P->data, (size_t)P->size * sizeof(T));
        NNC_FN(nnc_axpy)(P->size, mu, (const T *)P->state[0], (T *)P->data);
        save += P->size;
    }
}

static void NNC_FN(engine_restore)(const nnc_net_t *net, const T *save)
{
    for (int64_t p = 0; p < net->n_params; p++) {
        memcpy(net->params[p].data, save, (size_t)net->params[p].size * sizeof(T));
        save += net->params[p].size;
    }
}

/* ---- one training run ----
 * engine_fit = plan (engine_fit_check, engine_run_init) + epochs
 * (engine_epoch) of steps (engine_step); what a step does after its forward
 * pass comes from the optimizer's ops.def KIND (engine_move table). */

typedef struct NNC_FN(engine_run) NNC_FN(engine_run);
typedef nnc_status_t (*NNC_FN(engine_epoch_fn))(NNC_FN(engine_run) *r, int64_t e,
                                                const int64_t *seq);
struct NNC_FN(engine_run) {
    const nnc_net_t *net;
    nnc_fit_t *f;
    const nnc_opt_info_t *opt;
    NNC_FN(nnc_opt_update_segs_fn) update; /* GRADIENT: the ops.def update kernel (all blocks) */
    nnc_isa_t isa;            /* its instruction-set level, resolved once */
    int64_t n_seg;            /* its blocks per step (ws.seg), updated in one call */
    int top_only;             /* one Dense layer owning every parameter, no penalty: when
                               * its top is fused (ws.top_done), the objective left every
                               * gradient final and the backward pass has nothing to do */
    NNC_FN(engine_epoch_fn) lean; /* NULL, or the lean loop that takes the steps
                               * (engine_epoch_lean_body) */
    T *gw, *gb;               /* lean: the layer's gradient arrays (gb NULL: no bias) */
    T *lw, *lb;               /* lean: the layer's weight and bias values (lb NULL: no bias) */
    T *lvw, *lvb;             /* lean, Momentum: their velocities */
    int lean_opt;             /* lean: NNC_LEAN_CALL, _SGD or _MOMENTUM (engine_lean_step) */
    double lo, hi;            /* lean: a step's loss in [lo, hi] passes every check */
    NNC_FN(engine_ws) ws;
    const T *X, *Y;
    int64_t in_w, out_w;
    int fused;                /* Softmax + cross_entropy (engine_fused_softmax) */
    int look_ahead;           /* NNC_OPTF_LOOK_AHEAD */
    int shuffle;              /* reshuffle before every epoch */
    int64_t spe, len, bs;     /* steps per epoch, rows per epoch, rows per step */
    int64_t n_values;         /* parameter values (a param_record row) */
    int ref_from_first_step;  /* the divergence reference is the first step's loss */
    double ref;
    T *param_row;             /* next param_record row, or NULL */
};

/* The step counter: t counts every completed update, from 1. */
static nnc_status_t NNC_FN(engine_count_step)(NNC_FN(engine_run) *r, int64_t *t)
{
    if (*r->f->t == INT64_MAX)
        return NNC_STATUS_OVERFLOW;
    *t = ++*r->f->t;
    return NNC_STATUS_OK;
}

/* The optimizer's calls of a step: one per parameter, except that a
 * parameter whose data, grad and state arrays all continue its
 * predecessor's joins that call (the update kernels are elementwise, see
 * optim_impl.h, so the bits are those of separate calls).  Empty parameters
 * need no call.  Returns the number of calls. */
static int64_t NNC_FN(engine_plan_updates)(const nnc_net_t *net, int n_states,
                                           NNC_FN(nnc_opt_seg) *seg)
{
    int64_t k = 0;
    for (int64_t p = 0; p < net->n_params; p++) {
        const nnc_param_t *P = &net->params[p];
        NNC_FN(nnc_opt_seg) *prev = k > 0 ? &seg[k - 1] : NULL;
        int joins = prev != NULL && (T *)P->data == prev->w + prev->n &&
                    (const T *)P->grad == prev->g + prev->n;
        if (P->size < 1)
            continue;
        for (int i = 0; i < n_states && joins; i++)
            joins = (T *)P->state[i] == prev->state[i] + prev->n;
        if (joins) {
            prev->n += P->size;
            continue;
        }
        seg[k].n = P->size;
        seg[k].w = (T *)P->data;
        seg[k].g = (const T *)P->grad;
        for (int i = 0; i < NNC_OPT_MAX_STATES; i++)
            seg[k].state[i] = i < n_states ? (T *)P->state[i] : NULL;
        k++;
    }
    return k;
}

/* The optimizer's step over every block (engine_plan_updates): one call. */
static inline nnc_status_t NNC_FN(engine_update_all)(const NNC_FN(engine_run) *r,
                                                     const double *hyper, int64_t step)
{
    return r->update(r->isa, r->n_seg, r->ws.seg, hyper, step);
}

/* GRADIENT: backward, then the update kernel on every parameter (for a
 * look-ahead optimizer, from the starting point, with the gradient taken at
 * the look-ahead point). */
static nnc_status_t NNC_FN(engine_move_GRADIENT)(NNC_FN(engine_run) *r, const T *xb,
                                                 const T *yb, int64_t rows)
{
    const nnc_net_t *net = r->net;
    nnc_fit_t *f = r->f;
    int64_t t;
    nnc_status_t st = NNC_STATUS_OK;
    (void)yb;
    if (!(r->top_only && r->ws.top_done))
        st = NNC_FN(engine_backward)(net, &r->ws, xb, rows, r->fused, f->l1, f->l2, f->threads);
    if (st != NNC_STATUS_OK)
        return st;
    if (r->look_ahead)
        NNC_FN(engine_restore)(net, r->ws.save);
    st = NNC_FN(engine_count_step)(r, &t);
    if (st == NNC_STATUS_OK)
        st = NNC_FN(engine_update_all)(r, f->hyper, t);
    return st;
}

/* PROBE: hot/cold learning (Grokking Deep Learning ch. 4) generalised: every
 * parameter value is probed at value + step and value - step with all the
 * others held at the step's starting point (2 forward passes each); then all
 * move at once, each toward the lower of its two probe losses, by exactly
 * `step` (value - step is the very number probed, bit for bit); equal probe
 * losses (or NaN) leave it where it is. */
static nnc_status_t NNC_FN(engine_move_PROBE)(NNC_FN(engine_run) *r, const T *xb, const T *yb,
                                              int64_t rows)
{
    const nnc_net_t *net = r->net;
    nnc_fit_t *f = r->f;
    const T step = (T)f->hyper[0];
    int64_t k = 0, t;
    for (int64_t p = 0; p < net->n_params; p++) {
        T *w = (T *)net->params[p].data;
        for (int64_t j = 0; j < net->params[p].size; j++) {
            const T s = w[j];
            T up = 0, down = 0;
            nnc_status_t st;
            w[j] = s + step;
            st = NNC_FN(engine_objective)(net, &r->ws, xb, yb, rows, &f->loss, r->fused, f->l1,
                                          f->l2, 0, f->threads, &up);
            if (st == NNC_STATUS_OK) {
                w[j] = s - step;
                st = NNC_FN(engine_objective)(net, &r->ws, xb, yb, rows, &f->loss, r->fused,
                                              f->l1, f->l2, 0, f->threads, &down);
            }
            w[j] = s;
            if (st != NNC_STATUS_OK)
                return st;
            f->forward_passes += 2;
            r->ws.dir[k++] = (signed char)(down < up ? -1 : (down > up ? 1 : 0));
        }
    }
    k = 0;
    for (int64_t p = 0; p < net->n_params; p++) {
        T *w = (T *)net->params[p].data;
        for (int64_t j = 0; j < net->params[p].size; j++, k++) {
            if (r->ws.dir[k] < 0)
                w[j] = w[j] - step;
            else if (r->ws.dir[k] > 0)
                w[j] = w[j] + step;
        }
    }
    return NNC_FN(engine_count_step)(r, &t);
}

typedef nnc_status_t (*NNC_FN(engine_move_fn))(NNC_FN(engine_run) *, const T *, const T *,
                                               int64_t);
#define NNC_X_MOVE_(E, name, cls, kind, ...) [NNC_OPT_##E] = NNC_FN(engine_move_##kind),
static const NNC_FN(engine_move_fn) NNC_FN(engine_move)[NNC_OPT_COUNT] = {
    NNC_OPTIMIZERS(NNC_X_MOVE_)};
#undef NNC_X_MOVE_

/* The objective over all n rows in chunks of ws->cap rows (contiguous):
 * mean-reduced losses are recombined as sum(chunk * rows) / n. */
static nnc_status_t NNC_FN(engine_dataset_objective)(NNC_FN(engine_run) *r, double *out)
{
    const nnc_fit_t *f = r->f;
    double acc = 0;
    int64_t since_poll = 0;
    for (int64_t start = 0; start < f->n; start += r->bs) {
        const int64_t rows = f->n - start < r->bs ? f->n - start : r->bs;
        T v = 0;
        nnc_status_t st = NNC_FN(engine_objective)(
            r->net, &r->ws, r->X + start * r->in_w, r->Y + start * r->out_w, rows, &f->loss,
            r->fused, 0.0, 0.0, 0, f->threads, &v);
        if (st != NNC_STATUS_OK)
            return st;
        /* Many small chunks: poll every NNC_ENGINE_POLL_ELEMS input values. */
        since_poll += rows * (r->in_w < NNC_ENGINE_POLL_ELEMS ? r->in_w : NNC_ENGINE_POLL_ELEMS);
        if (since_poll >= NNC_ENGINE_POLL_ELEMS) {
            since_poll = 0;
            if (engine_poll(r->ws.poll, r->ws.poll_ctx))
                return NNC_STATUS_INTERRUPTED;
        }
        acc += f->loss.reduction == NNC_REDUCTION_MEAN ? (double)v * (double)rows : (double)v;
    }
    if (f->loss.reduction == NNC_REDUCTION_MEAN)
        acc /= (double)f->n;
    *out = (double)NNC_FN(engine_add_penalty)(r->net, (T)acc, f->l1, f->l2);
    return NNC_STATUS_OK;
}

/* Marks where a NONFINITE / DIVERGED stop happened. */
static nnc_status_t NNC_FN(engine_fail)(NNC_FN(engine_run) *r, nnc_status_t st, int64_t epoch,
                                        double loss)
{
    r->f->fail_epoch = epoch;
    r->f->fail_step = r->f->steps_done;
    r->f->fail_loss = loss;
    r->f->reference_loss = r->ref;
    return st;
}

/* One step on a batch: forward pass and objective (at the look-ahead point
 * when the optimizer has one), the divergence check, then the optimizer's
 * move.  *loss is the step's objective. */
static nnc_status_t NNC_FN(engine_step)(NNC_FN(engine_run) *r, int64_t epoch, const T *xb,
                                        const T *yb, int64_t rows, double *loss)
{
    nnc_fit_t *f = r->f;
    T value = 0;
    nnc_status_t st;
    if (r->look_ahead)
        NNC_FN(engine_look_ahead)(r->net, r->ws.save, (T)f->hyper[1]);
    st = NNC_FN(engine_objective)(r->net, &r->ws, xb, yb, rows, &f->loss, r->fused, f->l1, f->l2,
                                  r->opt->kind == NNC_OPT_KIND_GRADIENT, f->threads, &value);
    f->forward_passes++;
    *loss = (double)value;
    if (st == NNC_STATUS_OK && r->ref_from_first_step && f->steps_done == 0) {
        r->ref = *loss;
        f->reference_loss = r->ref;
    }
    if (st == NNC_STATUS_OK && !isfinite(*loss))
        st = NNC_FN(engine_fail)(r, NNC_STATUS_NONFINITE, epoch, *loss);
    else if (st == NNC_STATUS_OK && engine_stopped_by_divergence(*loss, f->divergence, &r->ref))
        st = NNC_FN(engine_fail)(r, NNC_STATUS_DIVERGED, epoch, *loss);
    if (st == NNC_STATUS_OK)
        st = NNC_FN(engine_move)[f->opt](r, xb, yb, rows);
    if (st != NNC_STATUS_OK && r->look_ahead)
        NNC_FN(engine_restore)(r->net, r->ws.save);
    return st;
}

/* The lean loop's check of a step's loss when it falls outside the bounds
 * [r->lo, r->hi] (out of line: a step that passes them needs nothing here).
 * The checks of engine_step in their order -- the first step's loss as the
 * divergence reference, NaN / inf, divergence -- then the bounds again: a
 * loss inside them is finite and passes engine_stopped_by_divergence without
 * changing the reference.  The first step of a fit always comes here
 * (engine_run_init starts with an empty range). */
static NNC_NOINLINE nnc_status_t NNC_FN(engine_lean_check)(NNC_FN(engine_run) *r, int64_t e,
                                                           double loss)
{
    nnc_fit_t *f = r->f;
    if (r->ref_from_first_step && f->steps_done == 0) {
        r->ref = loss;
        f->reference_loss = r->ref;
    }
    if (!isfinite(loss))
        return NNC_FN(engine_fail)(r, NNC_STATUS_NONFINITE, e, loss);
    if (engine_stopped_by_divergence(loss, f->divergence, &r->ref))
        return NNC_FN(engine_fail)(r, NNC_STATUS_DIVERGED, e, loss);
    r->lo = -DBL_MAX;
    if (!(f->divergence > 0))
        r->hi = DBL_MAX;
    else if (r->ref > 0) { /* loss > divergence * ref diverges */
        const double lim = f->divergence * r->ref;
        r->hi = lim < DBL_MAX ? lim : DBL_MAX;
    }
    else /* a positive loss would become the reference */
        r->hi = 0.0;
    return NNC_STATUS_OK;
}

/* engine_epoch's steps for a one-Dense-layer network whose layer fuses with
 * the loss (engine_top_plan; a line fit, a single neuron, a logistic
 * regression or perceptron on at most 16 inputs), with a GRADIENT optimizer
 * without look-ahead and no penalty (r->lean): engine_objective's fused path,
 * engine_move_GRADIENT's update and engine_epoch's records, without anything
 * of theirs that such a step skips anyway -- the same arithmetic in the same
 * order, so the same bits, with the same NaN and divergence checks on every
 * step and the same hook call after it -- because on a small batch those
 * passes' bookkeeping costs more than the step's arithmetic (issue 10).
 *   - For a one-input layer (`one`) the loss is a constant (`kind`, one copy
 *     of this loop per elementwise loss, engine_epoch_lean_kernel): a batch
 *     of at most NNC_RED_SHORT rows runs engine_top_chains inline, its sums
 *     in registers; longer ones, and every batch of a layer with more
 *     inputs, call the fused kernel (ws->top_fn).
 *   - Every step but the epoch's last has bs rows: those run in a loop of
 *     their own, with the gradient's scaling and the loss's weight chosen
 *     once; the last step (maybe shorter) closes the epoch's record.
 *   - NaN, inf and divergence are one range test on the loss ([r->lo,
 *     r->hi], engine_lean_check when it fails).
 *   - SGD and Momentum update the layer's values inline (NNC_LEAN_SGD,
 *     NNC_LEAN_MOMENTUM: optim_short_impl.h, their kernels' arithmetic);
 *     other optimizers make one call for all parameters (engine_update_all).
 *   - What is fixed for the fit is read once per epoch (engine_lean_t); the
 *     records are one flag; the step counter needs no overflow test (a fit
 *     it could overflow takes the general path, which stops there). */

/* The lean loop's update: the optimizer's own call (engine_update_all), or
 * for SGD and Momentum their one-value step inline (optim_short_impl.h, the
 * arithmetic of their kernels, so the same bits) on the layer's values with
 * the hyper-parameters rounded to T once per epoch. */
#ifndef NNC_LEAN_CALL
#define NNC_LEAN_CALL 0
#define NNC_LEAN_SGD 1
#define NNC_LEAN_MOMENTUM 2
#endif

/* The bias term of a layer without a bias: x + -0.0 == x. */
static const T NNC_FN(engine_lean_neg0) = NNC_LIT(-0.0);

/* The lean loop's state (a local of engine_epoch_lean_body, which its
 * steps read and write): what a step needs, read once per epoch. */
typedef struct {
    NNC_FN(engine_run) *r;
    nnc_fit_t *f;
    NNC_FN(engine_top_t) *t;
    const int64_t *seq;
    const T *X, *Y; /* r->X, r->Y */
    T *xg, *yg;     /* r->ws.xg, r->ws.yg */
    int64_t e;
    double lo, hi; /* r->lo, r->hi */
    double acc;    /* the epoch's loss so far */
    int64_t *tp;   /* the step counter (f->t) */
    int64_t step;  /* its value */
    double *step_loss;
    int records;   /* step_loss or a param_record to write */
    nnc_engine_hook_t hook;
    void *hook_ctx;
    int64_t *hook_countdown; /* f->hook_countdown */
    int opt;       /* NNC_LEAN_* */
    T lr, mu;      /* the inline update's hyper-parameters */
    T *w, *b;      /* the layer's values (b NULL: no bias) */
    const T *bsrc; /* b, or a -0.0 (the bias term of a layer without one) */
    T *vw, *vb;    /* Momentum: their velocities */
} NNC_FN(engine_lean_t);

/* engine_gscale's choice for a batch of `rows`: 0 (g), 1 (g * *gk) or 2
 * (g / *gk). */
static int NNC_FN(engine_lean_gmode)(NNC_FN(engine_ws) *ws, int reduction, int64_t rows, T *gk)
{
    NNC_FN(engine_set_gdiv)(ws, reduction, rows);
    const int mode = ws->gdiv == NNC_LIT(1.0) ? 0 : (ws->gdiv_pow2 || ws->mean_reciprocal ? 1 : 2);
    *gk = mode == 1 ? NNC_LIT(1.0) / ws->gdiv : ws->gdiv;
    return mode;
}

/* A gradient sum scaled as engine_gscale does (mode: engine_lean_gmode). */
static NNC_ALWAYS_INLINE T NNC_FN(engine_lean_gscale)(T g, int g_mode, T g_k)
{
    return g_mode == 2 ? g / g_k : (g_mode == 1 ? g * g_k : g);
}

/* One step on the `rows` rows from `pos`: fused objective and gradients,
 * checks, update, records, hook.  dr is the loss's divisor (rows for a
 * mean, else 1: x / 1 == x), wr the weight of its loss in the epoch's sum
 * (rows when a mean's steps are recombined, else 1); `last` closes the
 * epoch. */
static NNC_ALWAYS_INLINE nnc_status_t NNC_FN(engine_lean_step)(NNC_FN(engine_lean_t) *L,
                                                               const int kind, const int one,
                                                               int64_t rows, int64_t pos,
                                                               int g_mode, T g_k, double dr,
                                                               double wr, const int last)
{
    NNC_FN(engine_run) *const r = L->r;
    nnc_fit_t *const f = L->f;
    NNC_FN(engine_top_t) *const t = L->t;
    const int64_t in = one ? 1 : r->in_w;
    const T *const xb = NNC_FN(engine_rows)(L->X, in, L->seq, pos, rows, L->xg);
    const T *const yb = NNC_FN(engine_rows)(L->Y, 1, L->seq, pos, rows, L->yg);
    T *const w = L->w, *const b = L->b;
    T *const gw = r->gw, *const gb = r->gb;
    double lsum, loss;
    T bsum, gs[16];
    int64_t done;
    nnc_status_t st;
    const T b0 = *L->bsrc;
    if (one && rows <= NNC_RED_SHORT) {
        /* Batches of 1 to 8 rows: the chains with a constant row count,
         * straight-line code without loop control (the same chains, in the
         * same order, as the loop for the others). */
        switch (rows) {
#define NNC_LEAN_ROWS_(n)                                                                        \
    case n:                                                                                      \
        NNC_FN(engine_top_chains)(kind, n, in, xb, w, b0, yb, t->k, &lsum, &bsum, gs, NULL, NULL); \
        break;
            NNC_LEAN_ROWS_(1)
            NNC_LEAN_ROWS_(2)
            NNC_LEAN_ROWS_(3)
            NNC_LEAN_ROWS_(4)
            NNC_LEAN_ROWS_(5)
            NNC_LEAN_ROWS_(6)
            NNC_LEAN_ROWS_(7)
            NNC_LEAN_ROWS_(8)
#undef NNC_LEAN_ROWS_
        default:
            NNC_FN(engine_top_chains)(kind, rows, in, xb, w, b0, yb, t->k, &lsum, &bsum, gs, NULL,
                                      NULL);
            break;
        }
    }
    else {
        t->x = xb;
        t->y = yb;
        t->b = b0;
        r->ws.top_fn(rows, in, t);
        lsum = t->sum;
        bsum = t->gb;
        for (int64_t i = 0; i < in; i++)
            gs[i] = t->gw[i];
    }
    for (int64_t i = 0; i < in; i++)
        gs[i] = NNC_FN(engine_lean_gscale)(gs[i], g_mode, g_k);
    bsum = NNC_FN(engine_lean_gscale)(bsum, g_mode, g_k);
    loss = (double)(T)(lsum / dr);
    f->forward_passes++;
    if (!(loss >= L->lo && loss <= L->hi)) {
        st = NNC_FN(engine_lean_check)(r, L->e, loss);
        if (st != NNC_STATUS_OK)
            return st;
        L->lo = r->lo;
        L->hi = r->hi;
    }
    /* The gradients stay in the layer's arrays, as after any step. */
    for (int64_t i = 0; i < in; i++)
        gw[i] = gs[i];
    if (gb != NULL)
        gb[0] = bsum;
    /* No overflow: engine_run_init runs a fit through this loop only when
     * the counter has room for all its steps. */
    *L->tp = ++L->step;
    if (L->opt == NNC_LEAN_SGD) {
        for (int64_t i = 0; i < in; i++)
            NNC_FN(opt_sgd_short)(1, w + i, gs + i, L->lr);
        if (b != NULL)
            NNC_FN(opt_sgd_short)(1, b, &bsum, L->lr);
    }
    else if (L->opt == NNC_LEAN_MOMENTUM) {
        for (int64_t i = 0; i < in; i++)
            NNC_FN(opt_momentum_short)(1, w + i, gs + i, L->vw + i, L->lr, L->mu);
        if (b != NULL)
            NNC_FN(opt_momentum_short)(1, b, &bsum, L->vb, L->lr, L->mu);
    }
    else {
        st = r->update(r->isa, r->n_seg, r->ws.seg, f->hyper, L->step);
        if (st != NNC_STATUS_OK)
            return st;
    }
    done = f->steps_done;
    if (L->records) {
        if (L->step_loss != NULL)
            L->step_loss[done] = loss;
        if (r->param_row != NULL) {
            NNC_FN(engine_record_params)(r->net, r->param_row);
            r->param_row += r->n_values;
        }
    }
    f->steps_done = ++done;
    L->acc += loss * wr;
    if (last) {
        if (r->spe > 1 && f->loss.reduction == NNC_REDUCTION_MEAN)
            L->acc /= (double)r->len;
        f->epoch_loss[L->e] = L->acc;
        f->epochs_done++;
    }
    if (L->hook != NULL) {
        if (L->hook_countdown != NULL && *L->hook_countdown > 1)
            --*L->hook_countdown; /* what the call would do (f->hook_countdown) */
        else if (L->hook(L->hook_ctx, f->epochs_done, done) != 0)
            return NNC_STATUS_INTERRUPTED;
    }
    return NNC_STATUS_OK;
}

static NNC_ALWAYS_INLINE nnc_status_t NNC_FN(engine_epoch_lean_body)(NNC_FN(engine_run) *r,
                                                                     int64_t e,
                                                                     const int64_t *seq,
                                                                     const int kind,
                                                                     const int one)
{
    nnc_fit_t *const f = r->f;
    const int reduction = f->loss.reduction, mean = reduction == NNC_REDUCTION_MEAN;
    const int64_t spe = r->spe, bs = r->bs;
    int64_t pos = 0;
    nnc_status_t st = NNC_STATUS_OK;
    T g_k;
    int g_mode;
    NNC_FN(engine_lean_t) L;
    L.r = r;
    L.f = f;
    L.t = &r->ws.top;
    L.seq = seq;
    L.X = r->X;
    L.Y = r->Y;
    L.xg = r->ws.xg;
    L.yg = r->ws.yg;
    L.e = e;
    L.lo = r->lo;
    L.hi = r->hi;
    /* -0.0 + x == x: a one-step epoch's loss is its step's */
    L.acc = spe == 1 ? -0.0 : 0.0;
    L.tp = f->t;
    L.step = *f->t;
    L.step_loss = f->step_loss;
    L.records = f->step_loss != NULL || r->param_row != NULL;
    L.hook = f->hook;
    L.hook_ctx = f->hook_ctx;
    L.hook_countdown = f->hook_countdown;
    L.opt = r->lean_opt;
    L.lr = (T)f->hyper[0];
    L.mu = r->lean_opt == NNC_LEAN_MOMENTUM ? (T)f->hyper[1] : NNC_LIT(0.0);
    L.w = r->lw;
    L.b = r->lb;
    L.bsrc = r->lb != NULL ? r->lb : &NNC_FN(engine_lean_neg0);
    L.vw = r->lvw;
    L.vb = r->lvb;
    if (spe > 1) {
        const double dr = mean ? (double)bs : 1.0; /* a mean's steps are recombined by rows */
        g_mode = NNC_FN(engine_lean_gmode)(&r->ws, reduction, bs, &g_k);
        const int64_t end = (spe - 1) * bs; /* <= r->len */
        /* A one-input layer's batches of 1 to 8 rows: a loop per size, whose
         * steps run the chains with a constant row count (engine_lean_step's
         * switch, decided here once per epoch instead of once per step). */
        switch (one ? bs : 0) {
#define NNC_LEAN_LOOP_(n)                                                                        \
    case n:                                                                                      \
        for (; pos < end && st == NNC_STATUS_OK; pos += n)                                       \
            st = NNC_FN(engine_lean_step)(&L, kind, one, n, pos, g_mode, g_k, dr, dr, 0);        \
        break;
            NNC_LEAN_LOOP_(1)
            NNC_LEAN_LOOP_(2)
            NNC_LEAN_LOOP_(3)
            NNC_LEAN_LOOP_(4)
            NNC_LEAN_LOOP_(5)
            NNC_LEAN_LOOP_(6)
            NNC_LEAN_LOOP_(7)
            NNC_LEAN_LOOP_(8)
#undef NNC_LEAN_LOOP_
        default:
            for (; pos < end && st == NNC_STATUS_OK; pos += bs)
                st = NNC_FN(engine_lean_step)(&L, kind, one, bs, pos, g_mode, g_k, dr, dr, 0);
            break;
        }
    }
    if (st == NNC_STATUS_OK) {
        const int64_t rows = r->len - pos;
        const double dr = mean ? (double)rows : 1.0;
        g_mode = NNC_FN(engine_lean_gmode)(&r->ws, reduction, rows, &g_k);
        st = NNC_FN(engine_lean_step)(&L, kind, one, rows, pos, g_mode, g_k, dr,
                                      spe > 1 ? dr : 1.0, 1);
    }
    return st;
}

/* engine_epoch_lean_body for a one-input layer, one copy per elementwise
 * loss with its short sums inline; and one copy for any number of inputs (at
 * most 16) and any elementwise loss, which calls the fused kernel
 * (ws->top_fn) for its sums -- a copy per loss of that one too would add
 * compile time for a few instructions a step.  GCC compiles them without its
 * loop vectoriser: the short sums are in-order chains of at most
 * NNC_RED_SHORT terms, which it would vectorise two rows at a time at a
 * set-up cost above the saving on a batch of five (the chains' order, hence
 * the bits, are the same either way). */
#if defined(__GNUC__) && !defined(__clang__)
#define NNC_ENGINE_SCALAR_ __attribute__((optimize("no-tree-vectorize")))
#else
#define NNC_ENGINE_SCALAR_
#endif
#if NNC_ENGINE_X86
#define NNC_ENGINE_LEAN_AVX2_IF_1_(...) __VA_ARGS__
#else
#define NNC_ENGINE_LEAN_AVX2_IF_1_(...)
#endif
#define NNC_ENGINE_LEAN_AVX2_IF_0_(...)
/* The one-input copies also come in an AVX2 build where the fused kernels
 * do (vec 1; chosen with them, r->ws.avx2): the same scalar operations in
 * the same order (no FMA), so the same bits, in VEX form -- three operands,
 * no register copies in the row chains. */
#define NNC_X_(E, name, vec)                                                                     \
    static NNC_NOINLINE NNC_ENGINE_SCALAR_ nnc_status_t NNC_FN(engine_epoch_lean_##name)(      \
        NNC_FN(engine_run) * r, int64_t e, const int64_t *seq)                                   \
    {                                                                                            \
        return NNC_FN(engine_epoch_lean_body)(r, e, seq, NNC_LOSS_##E, 1);                       \
    }                                                                                            \
    NNC_ENGINE_LEAN_AVX2_IF_##vec##_(                                                            \
        static NNC_NOINLINE NNC_ENGINE_SCALAR_ __attribute__((target("avx2"))) nnc_status_t     \
            NNC_FN(engine_epoch_lean_##name##_avx2)(NNC_FN(engine_run) * r, int64_t e,           \
                                                    const int64_t *seq) {                        \
                return NNC_FN(engine_epoch_lean_body)(r, e, seq, NNC_LOSS_##E, 1);               \
            })
NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
static NNC_NOINLINE nnc_status_t NNC_FN(engine_epoch_lean_any)(NNC_FN(engine_run) *r, int64_t e,
                                                               const int64_t *seq)
{
    return NNC_FN(engine_epoch_lean_body)(r, e, seq, -1, 0);
}
#undef NNC_ENGINE_SCALAR_

/* The lean loop for the fit's loss and input count (NULL for a loss that has
 * none). */
static NNC_FN(engine_epoch_fn) NNC_FN(engine_epoch_lean_kernel)(nnc_loss_t kind, int64_t in,
                                                                 int avx2)
{
    (void)avx2;
    switch (kind) {
#define NNC_X_(E, name, vec)                                                                     \
    case NNC_LOSS_##E:                                                                           \
        if (in != 1)                                                                             \
            return NNC_FN(engine_epoch_lean_any);                                                \
        NNC_ENGINE_LEAN_AVX2_IF_##vec##_(                                                        \
            if (avx2) return NNC_FN(engine_epoch_lean_##name##_avx2);)                           \
        return NNC_FN(engine_epoch_lean_##name);
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
    default:
        return NULL;
    }
}
#undef NNC_ENGINE_LEAN_AVX2_IF_1_
#undef NNC_ENGINE_LEAN_AVX2_IF_0_

/* Epoch e: its order (given, reshuffled or data order), its steps, its
 * records and a hook call after every step (r->lean: engine_epoch_lean_body). */
static nnc_status_t NNC_FN(engine_epoch)(NNC_FN(engine_run) *r, int64_t e)
{
    nnc_fit_t *f = r->f;
    const int64_t *seq = f->order;
    double acc = 0;
    nnc_status_t st;
    if (r->shuffle) {
        st = nnc_rng_permutation(f->shuffle_rng, f->n, r->ws.perm);
        if (st != NNC_STATUS_OK)
            return st;
        seq = r->ws.perm;
    }
    if (r->lean != NULL)
        return r->lean(r, e, seq);
    for (int64_t s = 0, pos = 0; s < r->spe; s++, pos += r->bs) {
        const int64_t rows = r->len - pos < r->bs ? r->len - pos : r->bs;
        const T *xb = NNC_FN(engine_rows)(r->X, r->in_w, seq, pos, rows, r->ws.xg);
        const T *yb = NNC_FN(engine_rows)(r->Y, r->out_w, seq, pos, rows, r->ws.yg);
        double loss;
        st = NNC_FN(engine_step)(r, e, xb, yb, rows, &loss);
        if (st != NNC_STATUS_OK)
            return st;
        if (f->step_loss != NULL)
            f->step_loss[f->steps_done] = loss;
        f->steps_done++;
        if (r->param_row != NULL) {
            NNC_FN(engine_record_params)(r->net, r->param_row);
            r->param_row += r->n_values;
        }
        if (r->spe == 1)
            acc = loss;
        else
            acc += f->loss.reduction == NNC_REDUCTION_MEAN ? loss * (double)rows : loss;
        if (s == r->spe - 1) {
            if (r->spe > 1 && f->loss.reduction == NNC_REDUCTION_MEAN)
                acc /= (double)r->len;
            f->epoch_loss[e] = acc;
            f->epochs_done++;
        }
        if (f->hook != NULL && f->hook(f->hook_ctx, f->epochs_done, f->steps_done) != 0)
            return NNC_STATUS_INTERRUPTED;
    }
    return NNC_STATUS_OK;
}

/* Everything a fit reads, checked before anything is written.  An
 * INVALID_ARGUMENT names the field in f->bad_field (and f->bad_param: the
 * parameter, order entry or hyper-parameter index, else -1). */
static nnc_status_t NNC_FN(engine_fit_check)(const nnc_net_t *net, nnc_fit_t *f)
{
    const int64_t in_w = net->layers[0].in, out_w = net->layers[net->n_layers - 1].out;
    int bad;
#define NNC_BAD_(field, index)                                                                 \
    do {                                                                                       \
        f->bad_field = (field);                                                                \
        f->bad_param = (index);                                                                \
        return NNC_STATUS_INVALID_ARGUMENT;                                                    \
    } while (0)
    if (f->x == NULL)
        NNC_BAD_("x", -1);
    if (f->y == NULL)
        NNC_BAD_("y", -1);
    if (f->epoch_loss == NULL)
        NNC_BAD_("epoch_loss", -1);
    if (f->threads < 1)
        NNC_BAD_("threads", -1);
    if ((int)f->loss.kind < 0 || f->loss.kind >= NNC_LOSS_COUNT)
        NNC_BAD_("loss.kind", -1);
    if (f->loss.reduction != NNC_REDUCTION_MEAN && f->loss.reduction != NNC_REDUCTION_SUM)
        NNC_BAD_("loss.reduction", -1);
    if (!isfinite(f->l1))
        NNC_BAD_("l1", -1);
    if (!isfinite(f->l2))
        NNC_BAD_("l2", -1);
    if (isnan(f->divergence))
        NNC_BAD_("divergence", -1);
    if ((int)f->sum_order < 0 || f->sum_order >= NNC_SUM_COUNT)
        NNC_BAD_("sum_order", -1);
    if (f->mean_reciprocal != 0 && f->mean_reciprocal != 1)
        NNC_BAD_("mean_reciprocal", -1);
    if (f->shuffle_keep < 0 || f->shuffle_keep > f->n)
        NNC_BAD_("shuffle_keep", -1);
    if ((int)f->transcendentals < 0 || f->transcendentals >= NNC_TRANS_COUNT)
        NNC_BAD_("transcendentals", -1);
    if (f->transcendentals == NNC_TRANS_LIBM) {
        /* the libm forms cover Sigmoid and Tanh; nothing else may need exp or log */
        for (int64_t l = 0; l < net->n_layers; l++) {
            const nnc_act_t a = net->layers[l].act;
            if (net->layers[l].kind != NNC_LAYER_DENSE &&
                (a == NNC_ACT_ELU || a == NNC_ACT_SELU || a == NNC_ACT_SOFTMAX ||
                 a == NNC_ACT_LOG_SOFTMAX || a == NNC_ACT_SOFTPLUS))
                NNC_BAD_("transcendentals", l);
        }
        if (f->loss.kind == NNC_LOSS_LOG_LOSS || f->loss.kind == NNC_LOSS_LOG_LOSS_LOGITS ||
            f->loss.kind == NNC_LOSS_CROSS_ENTROPY || f->loss.kind == NNC_LOSS_KL ||
            f->loss.kind == NNC_LOSS_LOG_COSH)
            NNC_BAD_("transcendentals", -1);
    }
    if ((int)f->opt < 0 || f->opt >= NNC_OPT_COUNT)
        NNC_BAD_("opt", -1);
    if (nnc_opt_check(f->opt, f->hyper, &bad) != NNC_STATUS_OK)
        NNC_BAD_("hyper", bad);
    if (f->t == NULL || *f->t < 0)
        NNC_BAD_("t", -1);
    for (int64_t p = 0; p < net->n_params; p++) {
        static const char *const names[2] = {"params[].state0", "params[].state1"};
        for (int i = 0; i < nnc_opt_info[f->opt].n_states; i++)
            if (net->params[p].state[i] == NULL)
                NNC_BAD_(names[i], p);
    }
    if (f->order != NULL && f->order_len < 1)
        NNC_BAD_("order_len", -1);
    if (f->order != NULL)
        for (int64_t i = 0; i < f->order_len; i++)
            if (f->order[i] < 0 || f->order[i] >= f->n)
                NNC_BAD_("order", i);
    /* xoshiro256** never leaves the all-zero state: the shuffle would spin. */
    if (f->shuffle_rng != NULL && f->order == NULL &&
        (f->shuffle_rng->s[0] | f->shuffle_rng->s[1] | f->shuffle_rng->s[2] |
         f->shuffle_rng->s[3]) == 0)
        NNC_BAD_("shuffle_rng", -1);
#undef NNC_BAD_
    if (engine_buffers_distinct(net, sizeof(T), f->x, (size_t)f->n * (size_t)in_w * sizeof(T),
                                f->y, (size_t)f->n * (size_t)out_w * sizeof(T), &f->bad_field,
                                &f->bad_param) != 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    return NNC_STATUS_OK;
}

/* The plan: schedule, sizes, workspace. */
static nnc_status_t NNC_FN(engine_run_init)(NNC_FN(engine_run) *r, const nnc_net_t *net,
                                            nnc_fit_t *f)
{
    NNC_FN(engine_ws_req) rq;
    int64_t total_steps;
    nnc_status_t st;
    memset(r, 0, sizeof *r);
    r->net = net;
    r->f = f;
    r->opt = &nnc_opt_info[f->opt];
    r->update = NNC_FN(nnc_opt_update_segs_table)[f->opt];
    r->top_only = net->n_layers == 1 && net->layers[0].kind == NNC_LAYER_DENSE && f->l1 == 0 &&
                  f->l2 == 0 && net->layers[0].weight != net->layers[0].bias &&
                  net->n_params == (net->layers[0].bias >= 0 ? 2 : 1);
    r->isa = nnc_isa_best();
    r->X = (const T *)f->x;
    r->Y = (const T *)f->y;
    r->in_w = net->layers[0].in;
    r->out_w = net->layers[net->n_layers - 1].out;
    r->fused = engine_fused_softmax(net, &f->loss);
    r->look_ahead = (r->opt->flags & NNC_OPTF_LOOK_AHEAD) != 0;
    r->shuffle = f->shuffle_rng != NULL && f->order == NULL;
    r->param_row = (T *)f->param_record;
    /* drop_last with shuffle: each epoch walks the first shuffle_keep rows of its permutation */
    const int64_t n_walk = r->shuffle && f->shuffle_keep > 0 ? f->shuffle_keep : f->n;
    st = nnc_fit_schedule(n_walk, f->order_len, f->order != NULL, f->batch_size, f->epochs,
                          &r->spe, &total_steps);
    if (st == NNC_STATUS_OK)
        st = nnc_net_param_count(net, &r->n_values);
    if (st != NNC_STATUS_OK)
        return st;
    r->len = f->order != NULL ? f->order_len : n_walk;
    r->bs = r->spe == 1 ? r->len : f->batch_size;
    rq.cap = r->bs;
    rq.gather = f->order != NULL || r->shuffle;
    rq.n_save = r->look_ahead ? r->n_values : 0;
    rq.n_dir = r->opt->kind == NNC_OPT_KIND_PROBE ? r->n_values : 0;
    rq.n_perm = r->shuffle ? f->n : 0;
    rq.n_seg = r->opt->kind == NNC_OPT_KIND_GRADIENT ? net->n_params : 0;
    st = NNC_FN(engine_ws_init)(&r->ws, net, &rq);
    if (st == NNC_STATUS_OK && rq.n_seg > 0)
        r->n_seg = NNC_FN(engine_plan_updates)(net, r->opt->n_states, r->ws.seg);
    r->ws.poll = f->poll;
    r->ws.poll_ctx = f->poll_ctx;
    r->ws.pool = f->pool;
    r->ws.sum_order = (int)f->sum_order;
    r->ws.mean_reciprocal = f->mean_reciprocal;
    r->ws.libm = f->transcendentals == NNC_TRANS_LIBM;
    /* A one-layer network whose top fuses with the loss steps through
     * engine_epoch_lean_body.  (A loss description the kernels refuse is left to the
     * first step to report, as for every other network.) */
    if (st == NNC_STATUS_OK && r->opt->kind == NNC_OPT_KIND_GRADIENT && r->top_only &&
        !r->look_ahead && *f->t >= 0 && total_steps <= INT64_MAX - *f->t) {
        const nnc_layer_t *top = &net->layers[0];
        if (NNC_FN(engine_top_plan)(net, &r->ws, &f->loss, r->fused) != NNC_STATUS_OK)
            r->ws.top_plan = 0;
        r->lean = r->ws.top_plan > 0 ? NNC_FN(engine_epoch_lean_kernel)(f->loss.kind, r->in_w,
                                                                         r->ws.avx2)
                                          : NULL;
        r->lo = INFINITY; /* an empty range: the first step runs engine_lean_check */
        r->hi = -INFINITY;
        r->gw = (T *)net->params[top->weight].grad;
        r->gb = top->bias >= 0 ? (T *)net->params[top->bias].grad : NULL;
        r->lw = (T *)net->params[top->weight].data;
        r->lb = top->bias >= 0 ? (T *)net->params[top->bias].data : NULL;
        r->lean_opt = f->opt == NNC_OPT_SGD ? NNC_LEAN_SGD
                      : f->opt == NNC_OPT_MOMENTUM ? NNC_LEAN_MOMENTUM
                                                   : NNC_LEAN_CALL;
        if (r->lean_opt == NNC_LEAN_MOMENTUM) {
            r->lvw = (T *)net->params[top->weight].state[0];
            r->lvb = top->bias >= 0 ? (T *)net->params[top->bias].state[0] : NULL;
        }
    }
    return st;
}

/* The divergence reference: the objective over the whole set at the start
 * (or, with one full-batch step per epoch, the first step's loss). */
static nnc_status_t NNC_FN(engine_reference)(NNC_FN(engine_run) *r)
{
    nnc_fit_t *f = r->f;
    nnc_status_t st;
    if (!(f->divergence > 0 && f->epochs > 0))
        return NNC_STATUS_OK;
    if (r->spe == 1) {
        r->ref_from_first_step = 1;
        return NNC_STATUS_OK;
    }
    st = NNC_FN(engine_dataset_objective)(r, &r->ref);
    if (st != NNC_STATUS_OK)
        return st;
    if (!isfinite(r->ref)) {
        f->fail_epoch = f->fail_step = 0;
        f->fail_loss = r->ref;
        return NNC_STATUS_NONFINITE;
    }
    f->reference_loss = r->ref;
    return NNC_STATUS_OK;
}

static nnc_status_t NNC_FN(engine_fit)(const nnc_net_t *net, nnc_fit_t *f)
{
    NNC_FN(engine_run) r;
    nnc_status_t st;
    f->epochs_done = f->steps_done = f->forward_passes = 0;
    f->fail_epoch = f->fail_step = -1;
    f->fail_loss = 0;
    f->reference_loss = 0;
    f->bad_field = NULL;
    f->bad_param = -1;
    st = NNC_FN(engine_fit_check)(net, f);
    if (st != NNC_STATUS_OK)
        return st;
    st = NNC_FN(engine_run_init)(&r, net, f);
    if (st != NNC_STATUS_OK)
        return st;
    if (r.param_row != NULL) {
        NNC_FN(engine_record_params)(net, r.param_row);
        r.param_row += r.n_values;
    }
    st = NNC_FN(engine_reference)(&r);
    for (int64_t e = 0; e < f->epochs && st == NNC_STATUS_OK; e++)
        st = NNC_FN(engine_epoch)(&r, e);
    free(r.ws.block);
    return st;
}

static nnc_status_t NNC_FN(engine_eval)(const nnc_net_t *net, nnc_eval_t *ev)
{
    NNC_FN(engine_ws) ws;
    NNC_FN(engine_ws_req) rq = {0, 0, 0, 0, 0, 0};
    const int fused = ev->y != NULL && engine_fused_softmax(net, &ev->loss);
    const int64_t L = net->n_layers;
    nnc_status_t st;
    ev->bad_field = ev->threads < 1 ? "threads" : NULL;
    if (ev->x == NULL || ev->n < 1 || ev->threads < 1 || (ev->y == NULL && ev->want_grad) ||
        (ev->y == NULL && ev->pred == NULL) || !isfinite(ev->l1) || !isfinite(ev->l2))
        return NNC_STATUS_INVALID_ARGUMENT;
    if (ev->y != NULL && ((int)ev->loss.kind < 0 || ev->loss.kind >= NNC_LOSS_COUNT ||
                          (ev->loss.reduction != NNC_REDUCTION_MEAN &&
                           ev->loss.reduction != NNC_REDUCTION_SUM)))
        return NNC_STATUS_INVALID_ARGUMENT;
    rq.cap = ev->n;
    st = NNC_FN(engine_ws_init)(&ws, net, &rq);
    if (st != NNC_STATUS_OK)
        return st;
    ws.poll = ev->poll;
    ws.poll_ctx = ev->poll_ctx;
    ws.pool = ev->pool;
    ws.want_pred = ev->pred != NULL;
    if (ev->y != NULL) {
        T v = 0;
        st = NNC_FN(engine_objective)(net, &ws, (const T *)ev->x, (const T *)ev->y, ev->n,
                                      &ev->loss, fused, ev->l1, ev->l2, ev->want_grad,
                                      ev->threads, &v);
        if (st == NNC_STATUS_OK && ev->want_grad)
            st = NNC_FN(engine_backward)(net, &ws, (const T *)ev->x, ev->n, fused, ev->l1, ev->l2,
                                         ev->threads);
        ev->loss_value = (double)v;
        /* The fused Softmax was skipped; predictions need it. */
        if (st == NNC_STATUS_OK && ev->pred != NULL && fused)
            st = NNC_FN(engine_forward)(net, &ws, (const T *)ev->x, ev->n, L - 1, L, ev->threads);
    }
    else {
        st = NNC_FN(engine_forward)(net, &ws, (const T *)ev->x, ev->n, 0, L, ev->threads);
    }
    if (st == NNC_STATUS_OK && ev->pred != NULL)
        memcpy(ev->pred, ws.act[L - 1], (size_t)ev->n * (size_t)net->layers[L - 1].out * sizeof(T));
    free(ws.block);
    return st;
}

static nnc_status_t NNC_FN(engine_surface)(const nnc_net_t *net, const void *x, const void *y,
                                           int64_t n, const nnc_loss_params_t *loss, double l1,
                                           double l2, int64_t pa, int64_t ia, int64_t pb,
                                           int64_t ib, int64_t na, const double *grid_a,
                                           int64_t nb, const double *grid_b, double *out,
                                           int threads, nnc_engine_hook_t hook, void *hook_ctx)
{
    NNC_FN(engine_ws) ws;
    NNC_FN(engine_ws_req) rq = {0, 0, 0, 0, 0, 0};
    const int fused = engine_fused_softmax(net, loss);
    T *wa = (T *)net->params[pa].data + ia, *wb = (T *)net->params[pb].data + ib;
    const T a0 = *wa, b0 = *wb;
    nnc_status_t st;
    int64_t cells;
    if (threads < 1 || (int)loss->kind < 0 || loss->kind >= NNC_LOSS_COUNT ||
        (loss->reduction != NNC_REDUCTION_MEAN && loss->reduction != NNC_REDUCTION_SUM) ||
        !isfinite(l1) || !isfinite(l2))
        return NNC_STATUS_INVALID_ARGUMENT;
    if (nnc_mul_i64(na, nb, &cells) != 0)
        return NNC_STATUS_OVERFLOW;
    rq.cap = n;
    st = NNC_FN(engine_ws_init)(&ws, net, &rq);
    if (st != NNC_STATUS_OK)
        return st;
    engine_hook_poll_t hp = {hook, hook_ctx, 0, 0};
    if (hook != NULL) {
        ws.poll = engine_hook_poll;
        ws.poll_ctx = &hp;
    }
    for (int64_t j = 0; j < nb && st == NNC_STATUS_OK; j++) {
        for (int64_t i = 0; i < na; i++) {
            T v = 0;
            hp.row = j;
            hp.done = j * na + i;
            *wa = (T)grid_a[i];
            *wb = (T)grid_b[j];
            st = NNC_FN(engine_objective)(net, &ws, (const T *)x, (const T *)y, n, loss, fused, l1,
                                          l2, 0, threads, &v);
            if (st != NNC_STATUS_OK)
                break;
            out[j * na + i] = (double)v;
            if (hook != NULL && hook(hook_ctx, j, j * na + i + 1) != 0) {
                st = NNC_STATUS_INTERRUPTED;
                break;
            }
        }
    }
    *wa = a0;
    *wb = b0;
    free(ws.block);
    return st;
}
