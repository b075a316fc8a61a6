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

/* `#pragma omp simd` on the lane loops, for GCC; clang vectorises them on its
 * own where it can and turns a requested vectorisation it cannot do into a
 * warning (-Wpass-failed), so it gets none.  Either way the results are the
 * same: no loop here reduces across lanes. */
#if defined(__clang__) || !defined(__GNUC__)
#define NNC_SWEEP_SIMD
#else
#define NNC_SWEEP_SIMD _Pragma("omp simd")
#endif

/* `#pragma omp simd` on the lane loops of the losses whose element function
 * is plain arithmetic (vec == 1 in NNC_ELEMWISE_LOSSES); those that call exp
 * or log get none (clang reports a requested vectorisation it cannot do). */
#define NNC_SWEEP_SIMD_IF_(vec) NNC_SWEEP_SIMD_IF_##vec##_
#define NNC_SWEEP_SIMD_IF_1_ NNC_SWEEP_SIMD
#define NNC_SWEEP_SIMD_IF_0_

/* Lane masks as wide as T, so that selects on T vectorise without widening. */
#if NNC_IS_F32
#define NNC_SWM_ int32_t
#else
#define NNC_SWM_ int64_t
#endif

typedef struct {
    T *xs;      /* rows x in x lanes: the block's inputs */
    T *ys;      /* rows x lanes: targets */
    double *ll; /* NNC_RED_LANES x lanes: loss partial sums */
    T *bl;      /* NNC_RED_LANES x lanes: sum d */
    T *gl;      /* in x NNC_RED_LANES x lanes: sum d x */
    T *w;       /* in x lanes */
    T *vw;      /* in x lanes: velocities */
    double *lrec; /* NNC_SWEEP_REC x lanes: the latest steps' losses, flushed to the records */
    T b[NNC_SWL_], vb[NNC_SWL_], lr[NNC_SWL_], mu[NNC_SWL_];
    /* the fused step's parameters before the step (one input) */
    T w0[NNC_SWL_], b0[NNC_SWL_], vw0[NNC_SWL_], vb0[NNC_SWL_];
    double loss[NNC_SWL_], div[NNC_SWL_], ref[NNC_SWL_];
    NNC_SWM_ active[NNC_SWL_], bad[NNC_SWL_];
    void *block;
} NNC_FN(sweep_lanes_ws);

static nnc_status_t NNC_FN(sweep_lanes_ws_init)(NNC_FN(sweep_lanes_ws) *ws, int64_t rows,
                                                int64_t in)
{
    size_t off = 0, at[8];
    int64_t cnt[8];
    memset(ws, 0, sizeof *ws);
    if (nnc_mul_i64(rows, in, &cnt[0]) != 0 || nnc_mul_i64(cnt[0], NNC_SWL_, &cnt[0]) != 0 ||
        nnc_mul_i64(rows, NNC_SWL_, &cnt[1]) != 0)
        return NNC_STATUS_OVERFLOW;
    cnt[2] = (int64_t)NNC_RED_LANES * NNC_SWL_;
    cnt[3] = cnt[2];
    cnt[4] = in * cnt[2];
    cnt[5] = in * NNC_SWL_;
    cnt[6] = cnt[5];
    cnt[7] = (int64_t)NNC_SWEEP_REC * NNC_SWL_;
    for (int i = 0; i < 8; i++)
        if (sweep_reserve(&off, cnt[i], i == 2 || i == 7 ? sizeof(double) : sizeof(T), &at[i]) != 0)
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
    ws->lrec = (double *)(void *)((char *)ws->block + at[7]);
    return NNC_STATUS_OK;
}

/* The rows of one step for every lane: forward, element loss, and the
 * partial sums.  `in` is a constant in the inlined copies (1 and generic). */
#define NNC_SWEEP_ROWS_(E, name, vec)                                                           \
    static NNC_SWEEP_INLINE void NNC_FN(sweep_rows_##name)(NNC_FN(sweep_lanes_ws) * ws,        \
                                                           int64_t rows, const int64_t in, T k) \
    {                                                                                           \
        double *NNC_SWEEP_RESTRICT ll = ws->ll;                                                 \
        T *NNC_SWEEP_RESTRICT bl = ws->bl;                                                      \
        T *NNC_SWEEP_RESTRICT gl = ws->gl;                                                      \
        const T *NNC_SWEEP_RESTRICT w = ws->w;                                                  \
        const T *NNC_SWEEP_RESTRICT b = ws->b;                                                  \
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
            const T *NNC_SWEEP_RESTRICT xr = ws->xs + r * in * NNC_SWL_;                        \
            const T *NNC_SWEEP_RESTRICT yr = ws->ys + r * NNC_SWL_;                             \
            double *NNC_SWEEP_RESTRICT lll = ll + l * NNC_SWL_;                                 \
            T *NNC_SWEEP_RESTRICT bll = bl + l * NNC_SWL_;                                      \
            T dl[NNC_SWL_];                                                                     \
            NNC_SWEEP_SIMD_IF_(vec) for (int j = 0; j < NNC_SWL_; j++)                          \
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
                T *NNC_SWEEP_RESTRICT g = gl + (i * NNC_RED_LANES + l) * NNC_SWL_;              \
                const T *NNC_SWEEP_RESTRICT xi = xr + i * NNC_SWL_;                             \
                NNC_SWEEP_SIMD for (int j = 0; j < NNC_SWL_; j++) g[j] = g[j] + dl[j] * xi[j]; \
            }                                                                                   \
        }                                                                                       \
        if (used > 1) {                                                                         \
            for (int wd = NNC_RED_LANES / 2; wd >= 1; wd /= 2)                                  \
                for (int l = 0; l < wd; l++) {                                                  \
                    NNC_SWEEP_SIMD for (int j = 0; j < NNC_SWL_; j++)                      \
                    {                                                                           \
                        ll[l * NNC_SWL_ + j] = ll[l * NNC_SWL_ + j] + ll[(l + wd) * NNC_SWL_ + j]; \
                        bl[l * NNC_SWL_ + j] = bl[l * NNC_SWL_ + j] + bl[(l + wd) * NNC_SWL_ + j]; \
                    }                                                                           \
                    for (int64_t i = 0; i < in; i++) {                                          \
                        T *g = gl + i * NNC_RED_LANES * NNC_SWL_;                               \
                        NNC_SWEEP_SIMD for (int j = 0; j < NNC_SWL_; j++)                  \
                            g[l * NNC_SWL_ + j] = g[l * NNC_SWL_ + j] + g[(l + wd) * NNC_SWL_ + j]; \
                    }                                                                           \
                }                                                                               \
        }                                                                                       \
    }                                                                                           \
    static NNC_SWEEP_INLINE void NNC_FN(sweep_step_##name)(NNC_FN(sweep_lanes_ws) * ws,       \
                                                           int64_t rows,                        \
                                          int64_t in, T k)                                      \
    {                                                                                           \
        if (in == 1)                                                                            \
            NNC_FN(sweep_rows_##name)(ws, rows, 1, k);                                          \
        else                                                                                    \
            NNC_FN(sweep_rows_##name)(ws, rows, in, k);                                         \
    }

NNC_ELEMWISE_LOSSES(NNC_SWEEP_ROWS_)
#undef NNC_SWEEP_ROWS_

/* One whole step of every lane for one input and one row (Trask's
 * one-weight model, an input sweep).  A one-term sum from -0.0 is the term
 * itself and a mean over one row divides by 1, so this is the general step's
 * arithmetic exactly.  The lane loop has no branch and no select, so that it
 * vectorises: forward, loss, gradient and update run on every lane, the old
 * parameters are kept (w0/b0, and v0 for the velocities), and a lane's
 * NaN/inf flag is stored as a mask.  The divergence threshold (a second
 * loop, only when some lane of the block has one) and the OR of the masks
 * are reduced once per step; a lane found bad is restored from the kept
 * values by the caller, so it stops with the parameters it had before the
 * step, as nnc_engine_fit leaves them.  `momentum` and `has_b` are constants
 * in the inlined copies. */
typedef struct {
    T k;
    int first_step, any_div;
} NNC_FN(sweep_fused_args);

#define NNC_SWEEP_FUSED_(E, name, vec)                                                          \
    static NNC_SWEEP_INLINE NNC_SWM_ NNC_FN(sweep_fused_##name)(                               \
        const NNC_FN(sweep_fused_args) * a, const int momentum, const int has_b,                \
        NNC_FN(sweep_lanes_ws) * ws, double *NNC_SWEEP_RESTRICT rec)                           \
    {                                                                                           \
        const T k = a->k;                                                                       \
        const T *NNC_SWEEP_RESTRICT xs = ws->xs, *NNC_SWEEP_RESTRICT ys = ws->ys;               \
        const T *NNC_SWEEP_RESTRICT lr = ws->lr, *NNC_SWEEP_RESTRICT mu = ws->mu;               \
        T *NNC_SWEEP_RESTRICT w = ws->w, *NNC_SWEEP_RESTRICT b = ws->b;                         \
        T *NNC_SWEEP_RESTRICT vw = ws->vw, *NNC_SWEEP_RESTRICT vb = ws->vb;                     \
        T *NNC_SWEEP_RESTRICT w0 = ws->w0, *NNC_SWEEP_RESTRICT b0 = ws->b0;                     \
        T *NNC_SWEEP_RESTRICT vw0 = ws->vw0, *NNC_SWEEP_RESTRICT vb0 = ws->vb0;                 \
        double *NNC_SWEEP_RESTRICT loss = ws->loss;                                             \
        const NNC_SWM_ *NNC_SWEEP_RESTRICT active = ws->active;                                 \
        NNC_SWM_ *NNC_SWEEP_RESTRICT bad = ws->bad;                                             \
        NNC_SWM_ anybad = 0;                                                                    \
        NNC_SWEEP_SIMD_IF_(vec) for (int j = 0; j < NNC_SWL_; j++)                              \
        {                                                                                       \
            const T wj = w[j], xr = xs[j];                                                      \
            const T bj = has_b ? b[j] : NNC_LIT(-0.0);                                          \
            T p = xr * wj;                                                                      \
            p = p + bj;                                                                         \
            T gb;                                                                               \
            const T lv = NNC_FN(loss_##name##_elem)(p, ys[j], k, &gb);                          \
            const T gw = gb * xr;                                                               \
            const double lj = (double)lv;                                                       \
            const T lrj = lr[j];                                                                \
            loss[j] = lj;                                                                       \
            rec[j] = lj;                                                                        \
            bad[j] = (NNC_SWM_)(lj - lj != 0);                                                  \
            w0[j] = wj;                                                                         \
            if (momentum) {                                                                     \
                const T muj = mu[j], vwj = vw[j];                                               \
                const T vwn = muj * vwj - lrj * gw;                                             \
                vw0[j] = vwj;                                                                   \
                vw[j] = vwn;                                                                    \
                w[j] = wj + vwn;                                                                \
                if (has_b) {                                                                    \
                    const T vbj = vb[j];                                                        \
                    const T vbn = muj * vbj - lrj * gb;                                         \
                    vb0[j] = vbj;                                                               \
                    vb[j] = vbn;                                                                \
                    b0[j] = bj;                                                                 \
                    b[j] = bj + vbn;                                                            \
                }                                                                               \
            }                                                                                   \
            else {                                                                              \
                w[j] = wj - lrj * gw;                                                           \
                if (has_b) {                                                                    \
                    b0[j] = bj;                                                                 \
                    b[j] = bj - lrj * gb;                                                       \
                }                                                                               \
            }                                                                                   \
        }                                                                                       \
        if (a->any_div)                                                                         \
            NNC_FN(sweep_threshold)(ws, a->first_step);                                         \
        for (int j = 0; j < NNC_SWL_; j++)                                                      \
            anybad |= bad[j] & active[j];                                                       \
        return anybad;                                                                          \
    }

/* engine_stopped_by_divergence on every lane: with full-batch steps the
 * reference is the first step's loss (a lane whose first loss is not
 * positive takes the first positive one).  ORs the lanes above their
 * threshold into bad[]. */
static NNC_SWEEP_INLINE void NNC_FN(sweep_threshold)(NNC_FN(sweep_lanes_ws) *ws, int first)
{
    const double *NNC_SWEEP_RESTRICT loss = ws->loss, *NNC_SWEEP_RESTRICT dv = ws->div;
    double *NNC_SWEEP_RESTRICT ref = ws->ref;
    NNC_SWM_ *NNC_SWEEP_RESTRICT bad = ws->bad;
    if (first)
        for (int j = 0; j < NNC_SWL_; j++)
            ref[j] = dv[j] > 0 ? loss[j] : ref[j];
    for (int j = 0; j < NNC_SWL_; j++) {
        const double lj = loss[j], d = dv[j], rf = ref[j];
        const int chk = d > 0, pos = rf > 0;
        if (chk && pos && lj > d * rf)
            bad[j] = 1;
        if (chk && !pos && lj > 0)
            ref[j] = lj;
    }
}

NNC_ELEMWISE_LOSSES(NNC_SWEEP_FUSED_)
#undef NNC_SWEEP_FUSED_

static NNC_SWEEP_INLINE NNC_SWM_ NNC_FN(sweep_fused)(const nnc_loss_params_t *lp,
                                                     NNC_FN(sweep_lanes_ws) *ws,
                                                     NNC_FN(sweep_fused_args) *a, double *rec,
                                                     int momentum, int has_b)
{
    switch (lp->kind) {
#define NNC_X_(E, name, vec)                                                                     \
    case NNC_LOSS_##E:                                                                           \
        a->k = NNC_FN(loss_##name##_k)(lp);                                                      \
        if (momentum)                                                                            \
            return has_b ? NNC_FN(sweep_fused_##name)(a, 1, 1, ws, rec)                         \
                         : NNC_FN(sweep_fused_##name)(a, 1, 0, ws, rec);                        \
        return has_b ? NNC_FN(sweep_fused_##name)(a, 0, 1, ws, rec)                             \
                     : NNC_FN(sweep_fused_##name)(a, 0, 0, ws, rec);
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
    default:
        return 0;
    }
}


/* Many steps of the fused one-input, one-row step at once: lanes in groups
 * of NNC_SWEEP_GROUP, each group running epochs [e0, e1) with nothing
 * stored per step but its losses (into the record buffer) and no check or
 * reduction across lanes per step.  The arithmetic of each step is sweep_fused's, in the
 * same order, so the same bits; only the loops are swapped (lanes never mix).
 * Instead of a NaN/inf check per step, each lane sums loss - loss (0 while
 * the loss is finite, NaN once it is not).  Returns 0 when every active lane
 * stayed finite: the new parameters are then in ws (committed).  Otherwise
 * returns 1 and commits nothing: the caller replays the same steps one at a
 * time with sweep_fused, which stops each bad lane at its exact step.  Only
 * used without divergence thresholds, and for a chunk that starts a record
 * window (e0 % NNC_SWEEP_REC == 0, e1 - e0 <= NNC_SWEEP_REC).  A group of 32
 * lanes keeps enough independent chains in flight to hide each step's
 * latency (the arrays live in L1; the compiler keeps few of them in
 * registers). */
#define NNC_SWEEP_GROUP 32
#define NNC_SWG_ NNC_SWEEP_GROUP

#define NNC_SWEEP_CHUNK_(E, name, vec)                                                          \
    static NNC_SWEEP_INLINE int NNC_FN(sweep_chunk_##name)(                                    \
        NNC_FN(sweep_lanes_ws) * ws, const T k, const int momentum, const int has_b,           \
        int64_t e0, int64_t e1)                                                                 \
    {                                                                                           \
        NNC_SWM_ anybad = 0;                                                                    \
        for (int g = 0; g < NNC_SWL_; g += NNC_SWG_) {                                          \
            T wv[NNC_SWG_], bv[NNC_SWG_], vwv[NNC_SWG_], vbv[NNC_SWG_];                         \
            double acc[NNC_SWG_];                                                               \
            const T *NNC_SWEEP_RESTRICT xs = ws->xs + g, *NNC_SWEEP_RESTRICT ys = ws->ys + g;   \
            const T *NNC_SWEEP_RESTRICT lr = ws->lr + g, *NNC_SWEEP_RESTRICT mu = ws->mu + g;   \
            for (int j = 0; j < NNC_SWG_; j++) {                                                \
                wv[j] = ws->w[g + j];                                                           \
                bv[j] = has_b ? ws->b[g + j] : NNC_LIT(-0.0);                                   \
                vwv[j] = momentum ? ws->vw[g + j] : 0;                                          \
                vbv[j] = momentum ? ws->vb[g + j] : 0;                                          \
                acc[j] = 0;                                                                     \
            }                                                                                   \
            for (int64_t e = e0; e < e1; e++) {                                                 \
                double *NNC_SWEEP_RESTRICT rec = ws->lrec + (e - e0) * NNC_SWL_ + g;           \
                NNC_SWEEP_SIMD_IF_(vec) for (int j = 0; j < NNC_SWG_; j++)                      \
                {                                                                               \
                    const T wj = wv[j], xr = xs[j];                                             \
                    const T bj = bv[j];                                                         \
                    T p = xr * wj;                                                              \
                    p = p + bj;                                                                 \
                    T gb;                                                                       \
                    const T lv = NNC_FN(loss_##name##_elem)(p, ys[j], k, &gb);                  \
                    const T gw = gb * xr;                                                       \
                    const double lj = (double)lv;                                               \
                    const T lrj = lr[j];                                                        \
                    rec[j] = lj;                                                                \
                    acc[j] = acc[j] + (lj - lj);                                                \
                    if (momentum) {                                                             \
                        const T muj = mu[j];                                                    \
                        const T vwn = muj * vwv[j] - lrj * gw;                                  \
                        vwv[j] = vwn;                                                           \
                        wv[j] = wj + vwn;                                                       \
                        if (has_b) {                                                            \
                            const T vbn = muj * vbv[j] - lrj * gb;                              \
                            vbv[j] = vbn;                                                       \
                            bv[j] = bj + vbn;                                                   \
                        }                                                                       \
                    }                                                                           \
                    else {                                                                      \
                        wv[j] = wj - lrj * gw;                                                  \
                        if (has_b)                                                              \
                            bv[j] = bj - lrj * gb;                                              \
                    }                                                                           \
                }                                                                               \
            }                                                                                   \
            for (int j = 0; j < NNC_SWG_; j++) {                                                \
                ws->w0[g + j] = wv[j];                                                          \
                ws->b0[g + j] = bv[j];                                                          \
                ws->vw0[g + j] = vwv[j];                                                        \
                ws->vb0[g + j] = vbv[j];                                                        \
                anybad |= ws->active[g + j] & (NNC_SWM_)(acc[j] != 0);                          \
            }                                                                                   \
        }                                                                                       \
        if (anybad)                                                                             \
            return 1;                                                                           \
        for (int j = 0; j < NNC_SWL_; j++) {                                                    \
            ws->w[j] = ws->w0[j];                                                               \
            if (has_b)                                                                          \
                ws->b[j] = ws->b0[j];                                                           \
            if (momentum) {                                                                     \
                ws->vw[j] = ws->vw0[j];                                                         \
                ws->vb[j] = ws->vb0[j];                                                         \
            }                                                                                   \
        }                                                                                       \
        return 0;                                                                               \
    }

NNC_ELEMWISE_LOSSES(NNC_SWEEP_CHUNK_)
#undef NNC_SWEEP_CHUNK_

static NNC_SWEEP_INLINE int NNC_FN(sweep_chunk)(const nnc_loss_params_t *lp,
                                                NNC_FN(sweep_lanes_ws) *ws, int momentum,
                                                int has_b, int64_t e0, int64_t e1)
{
    switch (lp->kind) {
#define NNC_X_(E, name, vec)                                                                     \
    case NNC_LOSS_##E: {                                                                         \
        const T k = NNC_FN(loss_##name##_k)(lp);                                                 \
        if (momentum)                                                                            \
            return has_b ? NNC_FN(sweep_chunk_##name)(ws, k, 1, 1, e0, e1)                       \
                         : NNC_FN(sweep_chunk_##name)(ws, k, 1, 0, e0, e1);                      \
        return has_b ? NNC_FN(sweep_chunk_##name)(ws, k, 0, 1, e0, e1)                           \
                     : NNC_FN(sweep_chunk_##name)(ws, k, 0, 0, e0, e1);                          \
    }
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
    default:
        return 1;
    }
}

static NNC_SWEEP_INLINE void NNC_FN(sweep_rows)(const nnc_loss_params_t *lp,
                                                NNC_FN(sweep_lanes_ws) *ws,
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

/* Lane j's parameters (and velocities) back into replica q's rows. */
static NNC_SWEEP_INLINE void NNC_FN(sweep_write_back)(nnc_sweep_t *s,
                                                      const NNC_FN(sweep_lanes_ws) *ws,
                                                      const sweep_shared *sh, int64_t q, int j)
{
    const nnc_layer_t *L = &s->net->layers[0];
    const int64_t in = L->in, nv = sh->n_values, offw = sh->offset[L->weight];
    const int momentum = s->base.opt == NNC_OPT_MOMENTUM;
    T *P = (T *)s->params + q * nv, *S1 = (T *)s->state1;
    for (int64_t i = 0; i < in; i++) {
        P[offw + i] = ws->w[i * NNC_SWL_ + j];
        if (momentum)
            S1[q * nv + offw + i] = ws->vw[i * NNC_SWL_ + j];
    }
    if (L->bias >= 0) {
        P[sh->offset[L->bias]] = ws->b[j];
        if (momentum)
            S1[q * nv + sh->offset[L->bias]] = ws->vb[j];
    }
}

/* Copies the buffered losses of epochs [e0, e1) to the records of the
 * replicas that completed them. */
static NNC_SWEEP_INLINE void NNC_FN(sweep_flush)(nnc_sweep_t *s, NNC_FN(sweep_lanes_ws) *ws,
                                                 int64_t first, int64_t count, int64_t e0,
                                                 int64_t e1, const NNC_SWM_ *active,
                                                 const int64_t *done_steps)
{
    const int64_t epochs = s->base.epochs;
    if (s->epoch_loss == NULL)
        return;
    for (int64_t j = 0; j < count; j++) {
        const int64_t q = first + j;
        const int64_t end = active[j] ? e1 : (done_steps[j] < e1 ? done_steps[j] : e1);
        const double *src = ws->lrec + j - e0 * NNC_SWL_;
        double *er = s->epoch_loss + q * epochs;
        for (int64_t e = e0; e < end; e++)
            er[e] = src[e * NNC_SWL_];
        if (s->step_loss != NULL && end > e0)
            memcpy(s->step_loss + q * epochs + e0, er + e0, (size_t)(end - e0) * sizeof(double));
    }
}

/* Trains replicas [first, first + count) (count <= NNC_SWEEP_LANES); lanes past
 * count repeat replica `first` and are never written back.  Inlined into a
 * portable and (x86) an AVX2 build: the same operations, no fused
 * multiply-add in either, so the same bits. */
/* Lanes [0, count) of a hyper-parameter column: replicas first.. */
static NNC_SWEEP_INLINE void NNC_FN(sweep_column)(const nnc_sweep_t *s, int col, int64_t first,
                                                  int count, T *NNC_SWEEP_RESTRICT out)
{
    const double *h = s->hyper[col];
    if (s->hyper_stride[col] != 0) {
        h += first;
        for (int j = 0; j < count; j++)
            out[j] = (T)h[j];
    }
    else {
        const T v = (T)h[0];
        for (int j = 0; j < count; j++)
            out[j] = v;
    }
}

static NNC_SWEEP_INLINE int64_t NNC_FN(sweep_lanes_body)(sweep_shared *sh, sweep_worker *me,
                                                      int64_t first, int64_t count)
{
    nnc_sweep_t *s = sh->s;
    NNC_FN(sweep_lanes_ws) *ws = (NNC_FN(sweep_lanes_ws) *)me->lanes_ws;
    const nnc_net_t *net = s->net;
    const nnc_layer_t *L = &net->layers[0];
    const int64_t in = L->in, nv = sh->n_values;
    const int64_t offw = sh->offset[L->weight], offb = L->bias >= 0 ? sh->offset[L->bias] : -1;
    const nnc_fit_t *f0 = &s->base;
    const int64_t rows = f0->n, epochs = f0->epochs;
    const int momentum = f0->opt == NNC_OPT_MOMENTUM;
    /* (sweep_lanes_ok found both) */
    const int col_lr = sweep_opt_column(f0->opt, "lr");
    const int col_mu = momentum ? sweep_opt_column(f0->opt, "mu") : 0;
    const nnc_loss_params_t lp = f0->loss;
    const int sum_red = lp.reduction == NNC_REDUCTION_SUM;
    const T gdiv = sum_red ? NNC_LIT(1.0) : (T)rows;
    const int gdiv_pow2 = (rows & (rows - 1)) == 0;
    const T rdiv = NNC_LIT(1.0) / gdiv;
    const T *P = (const T *)s->params;
    /* (the state block is only read with momentum; any readable row does otherwise) */
    const T *S1 = momentum ? (const T *)s->state1 : P;
    T *NNC_SWEEP_RESTRICT w = ws->w, *NNC_SWEEP_RESTRICT vw = ws->vw;
    T *NNC_SWEEP_RESTRICT b = ws->b, *NNC_SWEEP_RESTRICT vb = ws->vb;
    T *NNC_SWEEP_RESTRICT lr = ws->lr, *NNC_SWEEP_RESTRICT mu = ws->mu;
    double *NNC_SWEEP_RESTRICT loss = ws->loss, *NNC_SWEEP_RESTRICT ref = ws->ref;
    double *NNC_SWEEP_RESTRICT dv = ws->div;
    NNC_SWM_ *NNC_SWEEP_RESTRICT active = ws->active, *NNC_SWEEP_RESTRICT bad = ws->bad;
    int64_t e, done_steps[NNC_SWL_];
    int interrupted = 0, n_active = (int)count;
    const int fused = in == 1 && rows == 1;
    NNC_FN(sweep_fused_args) fa;
    fa.k = 0;
    fa.first_step = 1;
    fa.any_div = 0;

    /* The block's data, lane j replica first + j's (lanes past count repeat
     * replica first's); shared data is one value broadcast across the lanes. */
    {
        const T *x0 = (const T *)s->x + first * s->x_stride;
        const T *y0 = (const T *)s->y + first * s->y_stride;
        const int64_t cells = rows * in;
        if (s->x_stride == 0) {
            for (int64_t c = 0; c < cells; c++) {
                const T v = x0[c];
                for (int j = 0; j < NNC_SWL_; j++)
                    ws->xs[c * NNC_SWL_ + j] = v;
            }
        } else {
            for (int j = 0; j < NNC_SWL_; j++) {
                const T *x = x0 + (j < count ? j : 0) * s->x_stride;
                for (int64_t c = 0; c < cells; c++)
                    ws->xs[c * NNC_SWL_ + j] = x[c];
            }
        }
        if (s->y_stride == 0) {
            for (int64_t r = 0; r < rows; r++) {
                const T v = y0[r];
                for (int j = 0; j < NNC_SWL_; j++)
                    ws->ys[r * NNC_SWL_ + j] = v;
            }
        } else {
            for (int j = 0; j < NNC_SWL_; j++) {
                const T *y = y0 + (j < count ? j : 0) * s->y_stride;
                for (int64_t r = 0; r < rows; r++)
                    ws->ys[r * NNC_SWL_ + j] = y[r];
            }
        }
    }
    /* The block's parameters and settings, lane by lane; lanes past count
     * repeat lane 0.  Each is a plain loop over the lanes (a copy when the
     * rows are one value wide): no per-lane function calls. */
    if (nv == 1 && in == 1 && offb < 0) {
        const T *Pq = P + first;
        for (int j = 0; j < count; j++) {
            w[j] = Pq[j];
            b[j] = NNC_LIT(-0.0);
        }
    }
    else {
        for (int j = 0; j < count; j++) {
            const T *Pq = P + (first + j) * nv;
            for (int64_t i = 0; i < in; i++)
                w[i * NNC_SWL_ + j] = Pq[offw + i];
            b[j] = offb >= 0 ? Pq[offb] : NNC_LIT(-0.0);
        }
    }
    if (momentum) {
        for (int j = 0; j < count; j++) {
            const T *Sq = S1 + (first + j) * nv;
            for (int64_t i = 0; i < in; i++)
                vw[i * NNC_SWL_ + j] = Sq[offw + i];
            vb[j] = offb >= 0 ? Sq[offb] : 0;
        }
        NNC_FN(sweep_column)(s, col_mu, first, count, mu);
    }
    else {
        for (int64_t i = 0; i < in * NNC_SWL_; i++)
            vw[i] = 0;
        for (int j = 0; j < NNC_SWL_; j++)
            vb[j] = mu[j] = 0;
    }
    NNC_FN(sweep_column)(s, col_lr, first, count, lr);
    {
        const double *h = s->hyper[NNC_SWEEP_DIVERGENCE];
        int any = 0;
        if (s->hyper_stride[NNC_SWEEP_DIVERGENCE] != 0) {
            for (int j = 0; j < count; j++)
                dv[j] = h[first + j];
        }
        else {
            for (int j = 0; j < count; j++)
                dv[j] = h[0];
        }
        for (int j = 0; j < count; j++)
            any |= dv[j] > 0;
        fa.any_div = any;
    }
    for (int j = count; j < NNC_SWL_; j++) {
        for (int64_t i = 0; i < in; i++) {
            w[i * NNC_SWL_ + j] = w[i * NNC_SWL_];
            vw[i * NNC_SWL_ + j] = vw[i * NNC_SWL_];
        }
        b[j] = b[0];
        vb[j] = vb[0];
        lr[j] = lr[0];
        mu[j] = mu[0];
        dv[j] = dv[0];
    }
    for (int j = 0; j < NNC_SWL_; j++) {
        ref[j] = 0;
        active[j] = j < count;
        done_steps[j] = 0;
    }

    for (e = 0; e < epochs && n_active > 0; e++) {
        NNC_SWM_ anybad = 0;
        if (sweep_poll(sh, me)) {
            interrupted = 1;
            break;
        }
        /* Whole chunks of steps at once (one chunk: the steps up to the next
         * record flush), unless a lane went bad in it: then its steps run
         * one at a time below. */
        if (fused && !fa.any_div && e % NNC_SWEEP_REC == 0) {
            const int64_t e1 = epochs - e < NNC_SWEEP_REC ? epochs : e + NNC_SWEEP_REC;
            if (!NNC_FN(sweep_chunk)(&lp, ws, momentum, offb >= 0, e, e1)) {
                e = e1 - 1;
                goto recorded;
            }
        }
        if (fused) {
            fa.first_step = e == 0;
            anybad = NNC_FN(sweep_fused)(&lp, ws, &fa, ws->lrec + (e % NNC_SWEEP_REC) * NNC_SWL_,
                                         momentum, offb >= 0);
        }
        else {
            const double *NNC_SWEEP_RESTRICT ll = ws->ll;
            NNC_FN(sweep_rows)(&lp, ws, rows, in);
NNC_SWEEP_SIMD
            for (int j = 0; j < NNC_SWL_; j++) {
                const double sm = ll[j];
                const T v = sum_red ? (T)sm : (T)(sm / (double)rows);
                loss[j] = (double)v;
            }
            /* With full-batch steps the reference is the first step's loss. */
            if (e == 0)
                for (int j = 0; j < NNC_SWL_; j++)
                    ref[j] = dv[j] > 0 ? loss[j] : ref[j];
            /* engine_stopped_by_divergence, and the NaN/inf check, on every lane. */
#pragma omp simd reduction(| : anybad)
            for (int j = 0; j < NNC_SWL_; j++) {
                const double lj = loss[j], d = dv[j], rf = ref[j];
                const NNC_SWM_ chk = d > 0, pos = rf > 0;
                const NNC_SWM_ over = chk & pos & (lj > d * rf);
                const NNC_SWM_ bj = active[j] & ((lj - lj != 0) | over);
                ref[j] = (chk & !pos & (lj > 0)) ? lj : rf;
                bad[j] = bj;
                anybad |= bj;
            }
        }
        if (anybad) {
            for (int j = 0; j < count; j++) {
                const int64_t q = first + j;
                double *fl = s->fails + (first + j) * NNC_SWEEP_NFAILS;
                if (!(bad[j] & active[j]))
                    continue;
                if (fused) { /* the fused step updated it: back to before the step */
                    w[j] = ws->w0[j];
                    if (offb >= 0)
                        b[j] = ws->b0[j];
                    if (momentum) {
                        vw[j] = ws->vw0[j];
                        if (offb >= 0)
                            vb[j] = ws->vb0[j];
                    }
                }
                s->codes[q] = isfinite(loss[j]) ? NNC_SWEEP_DIVERGED : NNC_SWEEP_NONFINITE;
                sweep_count(s, q, NNC_SWEEP_FAIL_EPOCH, e);
                sweep_count(s, q, NNC_SWEEP_FAIL_STEP, e);
                sweep_count(s, q, NNC_SWEEP_PASSES, e + 1);
                fl[NNC_SWEEP_FAIL_LOSS] = loss[j];
                fl[NNC_SWEEP_FINAL] = e > 0 ? ws->lrec[((e - 1) % NNC_SWEEP_REC) * NNC_SWL_ + j] : NAN;
                active[j] = 0;
                done_steps[j] = e;
                n_active--;
                NNC_FN(sweep_write_back)(s, ws, sh, q, j);
            }
        }
        if (fused)
            goto recorded;
        /* Gradients divided by the mean's count, then the update.  Every lane
         * updates (no masks, so the loops vectorise); a lane that stopped was
         * written back when it stopped and is never read again. */
        for (int64_t i = 0; i <= in; i++) {
            T *NNC_SWEEP_RESTRICT g = i < in ? ws->gl + i * NNC_RED_LANES * NNC_SWL_ : ws->bl;
            T *NNC_SWEEP_RESTRICT wi = i < in ? w + i * NNC_SWL_ : b;
            T *NNC_SWEEP_RESTRICT vi = i < in ? vw + i * NNC_SWL_ : vb;
            if (i == in && offb < 0)
                break;
            if (gdiv != NNC_LIT(1.0) && gdiv_pow2) {
NNC_SWEEP_SIMD
                for (int j = 0; j < NNC_SWL_; j++)
                    g[j] = g[j] * rdiv;
            }
            else if (gdiv != NNC_LIT(1.0)) {
NNC_SWEEP_SIMD
                for (int j = 0; j < NNC_SWL_; j++)
                    g[j] = g[j] / gdiv;
            }
            if (momentum) {
NNC_SWEEP_SIMD
                for (int j = 0; j < NNC_SWL_; j++) {
                    const T vn = mu[j] * vi[j] - lr[j] * g[j];
                    vi[j] = vn;
                    wi[j] = wi[j] + vn;
                }
            }
            else {
NNC_SWEEP_SIMD
                for (int j = 0; j < NNC_SWL_; j++) {
                    wi[j] = wi[j] - lr[j] * g[j];
                }
            }
        }
        /* Losses go to the records NNC_SWEEP_REC steps at a time (a lane that
         * stopped keeps its done_steps; what it wrote after is not copied). */
        {
            double *NNC_SWEEP_RESTRICT rec = ws->lrec + (e % NNC_SWEEP_REC) * NNC_SWL_;
NNC_SWEEP_SIMD
            for (int j = 0; j < NNC_SWL_; j++)
                rec[j] = loss[j];
        }
    recorded:
        if (e % NNC_SWEEP_REC == NNC_SWEEP_REC - 1)
            NNC_FN(sweep_flush)(s, ws, first, count, e - e % NNC_SWEEP_REC, e + 1, active,
                                done_steps);
    }
    if (e % NNC_SWEEP_REC != 0)
        NNC_FN(sweep_flush)(s, ws, first, count, e - e % NNC_SWEEP_REC, e, active, done_steps);
    /* The replicas still running: their parameters (a copy when the rows
     * are one value wide and every lane ran to the end), outcome and counts;
     * a replica that stopped alone was written when it stopped. */
    if (n_active == count && nv == 1 && in == 1 && offb < 0 && !momentum) {
        T *Pq = (T *)s->params + first;
        for (int j = 0; j < count; j++)
            Pq[j] = w[j];
    }
    else {
        for (int j = 0; j < count; j++)
            if (active[j])
                NNC_FN(sweep_write_back)(s, ws, sh, first + j, j);
    }
    {
        const int8_t code = interrupted ? NNC_SWEEP_INTERRUPTED : NNC_SWEEP_COMPLETED;
        const double *last = e > 0 ? ws->lrec + ((e - 1) % NNC_SWEEP_REC) * NNC_SWL_ : NULL;
        if (n_active == count) { /* every lane: plain loops */
            double *fl = s->fails + first * NNC_SWEEP_NFAILS;
            memset(s->codes + first, code, (size_t)count);
            for (int j = 0; j < count; j++) {
                fl[j * NNC_SWEEP_NFAILS + NNC_SWEEP_FAIL_LOSS] = 0;
                fl[j * NNC_SWEEP_NFAILS + NNC_SWEEP_FINAL] = last != NULL ? last[j] : NAN;
            }
            if (s->counters32 != NULL) {
                int32_t *c = s->counters32 + first * NNC_SWEEP_NCOUNTERS;
                const int32_t e32 = (int32_t)e;
                for (int j = 0; j < count; j++, c += NNC_SWEEP_NCOUNTERS) {
                    c[NNC_SWEEP_EPOCHS] = c[NNC_SWEEP_STEPS] = c[NNC_SWEEP_PASSES] = e32;
                    c[NNC_SWEEP_FAIL_EPOCH] = c[NNC_SWEEP_FAIL_STEP] = -1;
                }
            }
            else {
                int64_t *c = s->counters64 + first * NNC_SWEEP_NCOUNTERS;
                for (int j = 0; j < count; j++, c += NNC_SWEEP_NCOUNTERS) {
                    c[NNC_SWEEP_EPOCHS] = c[NNC_SWEEP_STEPS] = c[NNC_SWEEP_PASSES] = e;
                    c[NNC_SWEEP_FAIL_EPOCH] = c[NNC_SWEEP_FAIL_STEP] = -1;
                }
            }
        }
        else {
            for (int j = 0; j < count; j++) {
                const int64_t q = first + j;
                if (active[j]) {
                    double *fl = s->fails + q * NNC_SWEEP_NFAILS;
                    s->codes[q] = code;
                    sweep_count(s, q, NNC_SWEEP_EPOCHS, e);
                    sweep_count(s, q, NNC_SWEEP_STEPS, e);
                    sweep_count(s, q, NNC_SWEEP_PASSES, e);
                    sweep_count(s, q, NNC_SWEEP_FAIL_EPOCH, -1);
                    sweep_count(s, q, NNC_SWEEP_FAIL_STEP, -1);
                    fl[NNC_SWEEP_FAIL_LOSS] = 0;
                    fl[NNC_SWEEP_FINAL] = last != NULL ? last[j] : NAN;
                }
                else {
                    sweep_count(s, q, NNC_SWEEP_EPOCHS, done_steps[j]);
                    sweep_count(s, q, NNC_SWEEP_STEPS, done_steps[j]);
                }
            }
        }
    }
    return interrupted ? count - n_active : count;
}

#if NNC_SWEEP_X86
__attribute__((target("avx2"))) static int64_t NNC_FN(sweep_lanes_avx2)(sweep_shared *sh,
                                                                    sweep_worker *me,
                                                                    int64_t first, int64_t count)
{
    return NNC_FN(sweep_lanes_body)(sh, me, first, count);
}
#endif

/* Returns how many of the block's replicas are done (ran to their end or
 * stopped alone). */
static int64_t NNC_FN(sweep_lanes_block)(sweep_shared *sh, sweep_worker *me, int64_t first,
                                         int64_t count)
{
#if NNC_SWEEP_X86
    if (sh->avx2)
        return NNC_FN(sweep_lanes_avx2)(sh, me, first, count);
#endif
    return NNC_FN(sweep_lanes_body)(sh, me, first, count);
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
#undef NNC_SWG_
#undef NNC_SWEEP_GROUP
#undef NNC_SWM_
#undef NNC_SWEEP_SIMD_IF_
#undef NNC_SWEEP_SIMD_IF_1_
#undef NNC_SWEEP_SIMD_IF_0_
#undef NNC_SWEEP_SIMD
