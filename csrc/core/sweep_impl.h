/* The interleaved route of a sweep, written once against T (see nnc_tmpl.h);
 * sweep.c includes it once per dtype.  No include guard on purpose.
 *
 * A block of NNC_SWEEP_LANES replicas trains one Dense(in -> 1) layer (in <=
 * 16) with full-batch steps.  Every array below is laid out [...][lane], so
 * each statement of a step is a loop over the lanes that the compiler turns
 * into vector instructions: replica j runs down lane j.  Per replica the
 * operations are those of engine_impl.h's fused top layer, backward pass and
 * optimizer step, in the same order and rounding, hence the same bits:
 *   p = x[r,0] w0 + x[r,1] w1 + ... (left to right), then p + b (b = -0.0
 *   without a bias); the element loss and its derivative d; the loss sum (in
 *   double), sum d and sum d x[r,i] over the rows in the order of
 *   reduce_impl.h; value = (T)sum or (T)(sum / rows); every gradient divided
 *   by the mean's count (times 1/count when that is a power of two); then
 *   w - lr g (SGD) or v = mu v - lr g, w + v (Momentum). */

#include "reduce_impl.h"
#include "loss_elem_impl.h"

#define NNC_SWL_ NNC_SWEEP_LANES

typedef struct {
    T *xs;      /* rows x in x lanes: the block's inputs */
    T *ys;      /* rows x lanes: targets */
    double *ll; /* NNC_RED_LANES x lanes: loss partial sums */
    T *bl;      /* NNC_RED_LANES x lanes: sum d */
    T *gl;      /* in x NNC_RED_LANES x lanes: sum d x */
    T *w;       /* in x lanes */
    T *vw;      /* in x lanes: velocities */
    T b[NNC_SWL_], vb[NNC_SWL_], lr[NNC_SWL_], mu[NNC_SWL_];
    double loss[NNC_SWL_], div[NNC_SWL_], ref[NNC_SWL_];
    int active[NNC_SWL_], bad[NNC_SWL_];
    void *block;
} NNC_FN(sweep_lanes_ws);

static nnc_status_t NNC_FN(sweep_lanes_ws_init)(NNC_FN(sweep_lanes_ws) *ws, int64_t rows,
                                                int64_t in)
{
    size_t off = 0, at[7];
    int64_t cnt[7];
    memset(ws, 0, sizeof *ws);
    if (nnc_mul_i64(rows, in, &cnt[0]) != 0 || nnc_mul_i64(cnt[0], NNC_SWL_, &cnt[0]) != 0 ||
        nnc_mul_i64(rows, NNC_SWL_, &cnt[1]) != 0)
        return NNC_STATUS_OVERFLOW;
    cnt[2] = (int64_t)NNC_RED_LANES * NNC_SWL_;
    cnt[3] = cnt[2];
    cnt[4] = in * cnt[2];
    cnt[5] = in * NNC_SWL_;
    cnt[6] = cnt[5];
    for (int i = 0; i < 7; i++)
        if (sweep_reserve(&off, cnt[i], i == 2 ? sizeof(double) : sizeof(T), &at[i]) != 0)
            return NNC_STATUS_OVERFLOW;
    ws->block = malloc(off);
    if (ws->block == NULL)
        return NNC_STATUS_NO_MEMORY;
    ws->xs = (T *)(void *)((char *)ws->block + at[0]);
    ws->ys = (T *)(void *)((char *)ws->block + at[1]);
    ws->ll = (double *)(void *)((char *)ws->block + at[2]);
    ws->bl = (T *)(void *)((char *)ws->block + at[3]);
    ws->gl = (T *)(void *)((char *)ws->block + at[4]);
    ws->w = (T *)(void *)((char *)ws->block + at[5]);
    ws->vw = (T *)(void *)((char *)ws->block + at[6]);
    return NNC_STATUS_OK;
}

/* The rows of one step for every lane: forward, element loss, and the
 * partial sums.  `in` is a constant in the inlined copies (1 and generic). */
#define NNC_SWEEP_ROWS_(E, name, vec)                                                           \
    static NNC_SWEEP_INLINE void NNC_FN(sweep_rows_##name)(NNC_FN(sweep_lanes_ws) * ws,        \
                                                           int64_t rows, const int64_t in, T k) \
    {                                                                                           \
        double *ll = ws->ll;                                                                    \
        T *bl = ws->bl, *gl = ws->gl;                                                           \
        const T *w = ws->w, *b = ws->b;                                                         \
        const int used = rows <= NNC_RED_SHORT ? 1 : NNC_RED_LANES;                             \
        for (int64_t i = 0; i < used * NNC_SWL_; i++) {                                         \
            ll[i] = -0.0;                                                                       \
            bl[i] = NNC_LIT(-0.0);                                                              \
        }                                                                                       \
        for (int64_t i = 0; i < in; i++)                                                        \
            for (int64_t q = 0; q < used * NNC_SWL_; q++)                                       \
                gl[i * NNC_RED_LANES * NNC_SWL_ + q] = NNC_LIT(-0.0);                           \
        for (int64_t r = 0; r < rows; r++) {                                                    \
            const int64_t l = used == 1 ? 0 : r % NNC_RED_LANES;                                \
            const T *xr = ws->xs + r * in * NNC_SWL_;                                           \
            const T *yr = ws->ys + r * NNC_SWL_;                                                \
            double *lll = ll + l * NNC_SWL_;                                                    \
            T *bll = bl + l * NNC_SWL_;                                                         \
            T dl[NNC_SWL_];                                                                     \
            _Pragma("omp simd") for (int j = 0; j < NNC_SWL_; j++)                              \
            {                                                                                   \
                T p = xr[j] * w[j];                                                             \
                for (int64_t i = 1; i < in; i++)                                                \
                    p = p + xr[i * NNC_SWL_ + j] * w[i * NNC_SWL_ + j];                         \
                p = p + b[j];                                                                   \
                T d;                                                                            \
                lll[j] = lll[j] + (double)NNC_FN(loss_##name##_elem)(p, yr[j], k, &d);          \
                bll[j] = bll[j] + d;                                                            \
                dl[j] = d;                                                                      \
            }                                                                                   \
            for (int64_t i = 0; i < in; i++) {                                                  \
                T *g = gl + (i * NNC_RED_LANES + l) * NNC_SWL_;                                 \
                const T *xi = xr + i * NNC_SWL_;                                                \
                _Pragma("omp simd") for (int j = 0; j < NNC_SWL_; j++) g[j] = g[j] + dl[j] * xi[j]; \
            }                                                                                   \
        }                                                                                       \
        if (used > 1) {                                                                         \
            for (int wd = NNC_RED_LANES / 2; wd >= 1; wd /= 2)                                  \
                for (int l = 0; l < wd; l++) {                                                  \
                    _Pragma("omp simd") for (int j = 0; j < NNC_SWL_; j++)                      \
                    {                                                                           \
                        ll[l * NNC_SWL_ + j] = ll[l * NNC_SWL_ + j] + ll[(l + wd) * NNC_SWL_ + j]; \
                        bl[l * NNC_SWL_ + j] = bl[l * NNC_SWL_ + j] + bl[(l + wd) * NNC_SWL_ + j]; \
                    }                                                                           \
                    for (int64_t i = 0; i < in; i++) {                                          \
                        T *g = gl + i * NNC_RED_LANES * NNC_SWL_;                               \
                        _Pragma("omp simd") for (int j = 0; j < NNC_SWL_; j++)                  \
                            g[l * NNC_SWL_ + j] = g[l * NNC_SWL_ + j] + g[(l + wd) * NNC_SWL_ + j]; \
                    }                                                                           \
                }                                                                               \
        }                                                                                       \
    }                                                                                           \
    static void NNC_FN(sweep_step_##name)(NNC_FN(sweep_lanes_ws) * ws, int64_t rows,           \
                                          int64_t in, T k)                                      \
    {                                                                                           \
        if (in == 1)                                                                            \
            NNC_FN(sweep_rows_##name)(ws, rows, 1, k);                                          \
        else                                                                                    \
            NNC_FN(sweep_rows_##name)(ws, rows, in, k);                                         \
    }

NNC_ELEMWISE_LOSSES(NNC_SWEEP_ROWS_)
#undef NNC_SWEEP_ROWS_

static void NNC_FN(sweep_rows)(const nnc_loss_params_t *lp, NNC_FN(sweep_lanes_ws) *ws,
                               int64_t rows, int64_t in)
{
    switch (lp->kind) {
#define NNC_X_(E, name, vec)                                                                     \
    case NNC_LOSS_##E:                                                                           \
        NNC_FN(sweep_step_##name)(ws, rows, in, NNC_FN(loss_##name##_k)(lp));                    \
        break;
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
    default:
        break;
    }
}

/* Trains replicas [first, first + count) (count <= NNC_SWEEP_LANES); lanes past
 * count repeat replica `first` and are never written back. */
static void NNC_FN(sweep_lanes_block)(sweep_shared *sh, sweep_worker *me, int64_t first,
                                      int64_t count)
{
    nnc_sweep_t *s = sh->s;
    NNC_FN(sweep_lanes_ws) *ws = (NNC_FN(sweep_lanes_ws) *)me->lanes_ws;
    const nnc_net_t *net = s->net;
    const nnc_layer_t *L = &net->layers[0];
    const int64_t in = L->in, nv = sh->n_values;
    const int64_t offw = sh->offset[L->weight], offb = L->bias >= 0 ? sh->offset[L->bias] : -1;
    const nnc_fit_t *f0 = &s->fits[first];
    const int64_t rows = f0->n, epochs = f0->epochs;
    const int momentum = f0->opt == NNC_OPT_MOMENTUM;
    const nnc_loss_params_t lp = f0->loss;
    const T gdiv = lp.reduction == NNC_REDUCTION_SUM ? NNC_LIT(1.0) : (T)rows;
    const int gdiv_pow2 = (rows & (rows - 1)) == 0;
    const T rdiv = NNC_LIT(1.0) / gdiv;
    T *P = (T *)s->params, *S1 = (T *)s->state1;
    int64_t e, done_steps[NNC_SWL_];
    int interrupted = 0;

    for (int j = 0; j < NNC_SWL_; j++) {
        const int64_t q = first + (j < count ? j : 0);
        const nnc_fit_t *f = &s->fits[q];
        const T *x = (const T *)f->x, *y = (const T *)f->y;
        for (int64_t r = 0; r < rows; r++) {
            for (int64_t i = 0; i < in; i++)
                ws->xs[(r * in + i) * NNC_SWL_ + j] = x[r * in + i];
            ws->ys[r * NNC_SWL_ + j] = y[r];
        }
        for (int64_t i = 0; i < in; i++) {
            ws->w[i * NNC_SWL_ + j] = P[q * nv + offw + i];
            ws->vw[i * NNC_SWL_ + j] = momentum ? S1[q * nv + offw + i] : 0;
        }
        ws->b[j] = offb >= 0 ? P[q * nv + offb] : NNC_LIT(-0.0);
        ws->vb[j] = momentum && offb >= 0 ? S1[q * nv + offb] : 0;
        ws->lr[j] = (T)f->lr;
        ws->mu[j] = (T)f->mu;
        ws->div[j] = f->divergence;
        ws->ref[j] = 0;
        ws->active[j] = j < count;
        done_steps[j] = 0;
    }

    for (e = 0; e < epochs; e++) {
        int any = 0, anybad = 0;
        for (int j = 0; j < NNC_SWL_; j++)
            any |= ws->active[j];
        if (!any)
            break;
        if (sweep_poll(sh, me)) {
            interrupted = 1;
            break;
        }
        NNC_FN(sweep_rows)(&lp, ws, rows, in);
#pragma omp simd
        for (int j = 0; j < NNC_SWL_; j++) {
            const double sum = ws->ll[j];
            const T v = lp.reduction == NNC_REDUCTION_SUM ? (T)sum : (T)(sum / (double)rows);
            const double loss = (double)v, dv = ws->div[j];
            double rf = e == 0 && dv > 0 ? loss : ws->ref[j];
            const int chk = dv > 0;
            const int over = chk && rf > 0 && loss > dv * rf;
            rf = chk && !(rf > 0) && loss > 0 ? loss : rf;
            ws->ref[j] = rf;
            ws->loss[j] = loss;
            ws->bad[j] = ws->active[j] && (!(loss - loss == 0) || over);
            anybad |= ws->bad[j];
        }
        if (e == 0)
            for (int j = 0; j < count; j++)
                if (ws->div[j] > 0)
                    s->fits[first + j].reference_loss = ws->loss[j];
        if (anybad) {
            for (int j = 0; j < count; j++) {
                nnc_fit_t *f = &s->fits[first + j];
                if (!ws->bad[j])
                    continue;
                f->fail_epoch = e;
                f->fail_step = e;
                f->fail_loss = ws->loss[j];
                f->reference_loss = ws->ref[j];
                f->forward_passes = e + 1;
                s->status[first + j] = isfinite(ws->loss[j]) ? NNC_STATUS_DIVERGED
                                                             : NNC_STATUS_NONFINITE;
                ws->active[j] = 0;
                done_steps[j] = e;
            }
        }
        /* Gradients divided by the mean's count, then the update, on active lanes. */
        for (int64_t i = 0; i <= in; i++) {
            const T *g = i < in ? ws->gl + i * NNC_RED_LANES * NNC_SWL_ : ws->bl;
            T *w = i < in ? ws->w + i * NNC_SWL_ : ws->b;
            T *vv = i < in ? ws->vw + i * NNC_SWL_ : ws->vb;
            if (i == in && offb < 0)
                break;
#pragma omp simd
            for (int j = 0; j < NNC_SWL_; j++) {
                T gj = g[j];
                if (gdiv != NNC_LIT(1.0))
                    gj = gdiv_pow2 ? gj * rdiv : gj / gdiv;
                T wn, vn = vv[j];
                if (momentum) {
                    vn = ws->mu[j] * vv[j] - ws->lr[j] * gj;
                    wn = w[j] + vn;
                }
                else {
                    wn = w[j] - ws->lr[j] * gj;
                }
                w[j] = ws->active[j] ? wn : w[j];
                vv[j] = ws->active[j] ? vn : vv[j];
            }
        }
        for (int j = 0; j < count; j++) {
            if (!ws->active[j])
                continue;
            nnc_fit_t *f = &s->fits[first + j];
            f->epoch_loss[e] = ws->loss[j];
            if (f->step_loss != NULL)
                f->step_loss[e] = ws->loss[j];
            done_steps[j] = e + 1;
        }
    }
    for (int j = 0; j < count; j++) {
        const int64_t q = first + j;
        nnc_fit_t *f = &s->fits[q];
        for (int64_t i = 0; i < in; i++) {
            P[q * nv + offw + i] = ws->w[i * NNC_SWL_ + j];
            if (momentum)
                S1[q * nv + offw + i] = ws->vw[i * NNC_SWL_ + j];
        }
        if (offb >= 0) {
            P[q * nv + offb] = ws->b[j];
            if (momentum)
                S1[q * nv + offb] = ws->vb[j];
        }
        f->epochs_done = f->steps_done = done_steps[j];
        if (ws->active[j]) {
            f->forward_passes = done_steps[j];
            s->status[q] = interrupted ? NNC_STATUS_INTERRUPTED : NNC_STATUS_OK;
        }
    }
}

static void NNC_FN(sweep_lanes_ws_free)(void *p)
{
    NNC_FN(sweep_lanes_ws) *ws = (NNC_FN(sweep_lanes_ws) *)p;
    if (ws != NULL)
        free(ws->block);
    free(ws);
}

static nnc_status_t NNC_FN(sweep_lanes_ws_new)(void **out, int64_t rows, int64_t in)
{
    NNC_FN(sweep_lanes_ws) *ws = (NNC_FN(sweep_lanes_ws) *)malloc(sizeof *ws);
    nnc_status_t st;
    *out = NULL;
    if (ws == NULL)
        return NNC_STATUS_NO_MEMORY;
    st = NNC_FN(sweep_lanes_ws_init)(ws, rows, in);
    if (st != NNC_STATUS_OK) {
        free(ws);
        return st;
    }
    *out = ws;
    return NNC_STATUS_OK;
}

#undef NNC_SWL_
