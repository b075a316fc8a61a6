/* The fast Dense paths of the engine, written once against T (included by
 * engine_impl.h per dtype, after engine_colsum).  No include guard on purpose.
 *
 * Nothing here is needed for correctness: the general path (nnc_gemm,
 * engine_impl.h) computes the same products.  These paths exist because a
 * one-input or one-output layer makes products with a dimension of 1 --
 * memory-bound single passes for which GEMM's packing and blocking cost more
 * than the arithmetic -- and because such a layer trained on a long data set
 * is what the books do (bench/run.py tasks (a) and (b): Bergel's line fit on
 * 30,000 points).  Their sums run in the order of reduce_impl.h (a row of at
 * most 16 inputs left to right from its first product; column sums through
 * engine_colsum), which is the order nnc's results are defined by, so the
 * book numbers and benchmark parameters depend on them bit for bit.
 *
 * Two entries:
 *   engine_dense_fast  shape-specialised forward / weight-gradient / dx loops;
 *   engine_top_kernel  the top layer fused with an elementwise loss.
 * Measured gains (before issue 10's cheap steps, which took bench (b) to
 * 353 instructions a step): callgrind instructions inside nnc_engine_fit,
 * this file compiled in vs -DNNC_ENGINE_FAST_PATHS=0 (deterministic counts;
 * the machine was shared, so no wall-clock claim):
 *   bench (a) shape, full-batch GD on 30,000 points, 30 iterations:
 *       2.62 M with these paths, 143.2 M without (55x fewer);
 *   bench (b) shape, mini-batches of 5 rows, 12,000 steps:
 *       9.65 M with, 40.6 M without (4.2x fewer);
 *   bench (c) shape (64-64-10, batch 32): not used (8.90 M either way).
 * Without them the float64 line fit also ends a few ulp away from the
 * book-replay numbers (different summation order). */

#ifndef NNC_ENGINE_FAST_PATHS
#define NNC_ENGINE_FAST_PATHS 1 /* 0: the general path only (to measure what these buy) */
#endif

#ifndef NNC_DENSE_OP_DEFINED_
#define NNC_DENSE_OP_DEFINED_
typedef enum { NNC_DENSE_FORWARD, NNC_DENSE_GRADS, NNC_DENSE_DX } nnc_dense_op_t;
#endif

/* y = x @ w + b for in == 1 or (out == 1, in <= 16).  Bench (a)/(b): the line
 * fit's forward pass. */
static inline int NNC_FN(engine_fast_forward)(int64_t rows, int64_t in, int64_t out, const T *x,
                                              const T *w, const T *b, T *y)
{
    if (in == 1 && out == 1) {
        const T w0 = w[0], b0 = b != NULL ? b[0] : 0;
        if (b != NULL) {
#pragma omp simd
            for (int64_t r = 0; r < rows; r++)
                y[r] = x[r] * w0 + b0;
        }
        else {
#pragma omp simd
            for (int64_t r = 0; r < rows; r++)
                y[r] = x[r] * w0;
        }
        return 1;
    }
    if (in == 1) {
        /* An outer product: y[r, j] = x[r] * w[j] (+ b[j]), one rounding each,
         * exactly what a one-term dot product gives. */
        for (int64_t r = 0; r < rows; r++) {
            const T xr = x[r];
            T *o = y + r * out;
            if (b != NULL) {
#pragma omp simd
                for (int64_t j = 0; j < out; j++)
                    o[j] = xr * w[j] + b[j];
            }
            else {
#pragma omp simd
                for (int64_t j = 0; j < out; j++)
                    o[j] = xr * w[j];
            }
        }
        return 1;
    }
    if (out == 1 && in <= 16) {
        const T b0 = b != NULL ? b[0] : 0;
        for (int64_t r = 0; r < rows; r++) {
            const T *xr = x + r * in;
            T acc = xr[0] * w[0];
            for (int64_t p = 1; p < in; p++)
                acc += xr[p] * w[p];
            y[r] = b != NULL ? acc + b0 : acc;
        }
        return 1;
    }
    return 0;
}

/* gw = x^T d for in == 1 or out == 1: column sums (engine_colsum) in the
 * order of reduce_impl.h. */
static inline int NNC_FN(engine_fast_grads)(int64_t rows, int64_t in, int64_t out, const T *x,
                                            const T *d, T *gw, T *lanes)
{
    if (in == 1) {
        NNC_FN(engine_colsum)(rows, out, d, out, x, 1, lanes, gw);
        return 1;
    }
    if (out == 1) {
        NNC_FN(engine_colsum)(rows, in, x, in, d, 1, lanes, gw);
        return 1;
    }
    return 0;
}

/* dx = d @ w^T for out == 1 or (in == 1, out <= 16). */
static inline int NNC_FN(engine_fast_dx)(int64_t rows, int64_t in, int64_t out, const T *d,
                                         const T *w, T *dx)
{
    if (out == 1 && in == 1) {
        const T w0 = w[0];
#pragma omp simd
        for (int64_t r = 0; r < rows; r++)
            dx[r] = d[r] * w0;
        return 1;
    }
    if (out == 1) {
        for (int64_t r = 0; r < rows; r++) {
            const T dr = d[r];
            T *o = dx + r * in;
#pragma omp simd
            for (int64_t i = 0; i < in; i++)
                o[i] = dr * w[i];
        }
        return 1;
    }
    if (in == 1 && out <= 16) {
        for (int64_t r = 0; r < rows; r++) {
            const T *dr = d + r * out;
            T acc = dr[0] * w[0];
            for (int64_t j = 1; j < out; j++)
                acc += dr[j] * w[j];
            dx[r] = acc;
        }
        return 1;
    }
    return 0;
}

/* One pass of a Dense layer when its shape has a fast path; returns 1 when it
 * did the work, 0 to let the caller take the general path.
 *   FORWARD: o = a @ w + b   (a = x: rows x in; b may be NULL)
 *   GRADS:   o = a^T w       (a = x, w = d: the gradient at the output; o = gW)
 *   DX:      o = a @ w^T     (a = d: rows x out; o = dx: rows x in)
 * lanes: NNC_RED_LANES * max(in, out) scratch (GRADS). */
static inline int NNC_FN(engine_dense_fast)(nnc_dense_op_t op, int64_t rows, int64_t in,
                                            int64_t out, const T *a, const T *w, const T *b,
                                            T *o, T *lanes)
{
    if (!NNC_ENGINE_FAST_PATHS)
        return 0;
    switch (op) {
    case NNC_DENSE_FORWARD:
        return NNC_FN(engine_fast_forward)(rows, in, out, a, w, b, o);
    case NNC_DENSE_GRADS:
        return NNC_FN(engine_fast_grads)(rows, in, out, a, w, o, lanes);
    case NNC_DENSE_DX:
        return NNC_FN(engine_fast_dx)(rows, in, out, a, w, o);
    }
    return 0;
}

/* ---- The top layer fused with the loss ----
 * When the last layer is Dense with one output and at most 16 inputs, and the
 * loss is elementwise, one pass over the rows computes each row's output, its
 * loss and derivative d, the loss sum, and the layer's gradients
 * gw[i] = sum_r x[r, i] d[r] and gb = sum_r d[r]: the forward, loss and
 * weight-gradient passes of the general path with the same arithmetic in the
 * same order -- bit for bit the same numbers -- without storing the outputs
 * and derivatives and reading them back (a one-neuron step is memory-bound). */

/* Its arguments: NNC_FN(engine_top_t), defined in engine_impl.h (the
 * workspace keeps one). */

/* The loss of one element by the loss's kind, a constant wherever this is
 * inlined (the switch folds away). */
static NNC_ALWAYS_INLINE T NNC_FN(engine_loss_elem)(const int kind, T p, T y, T k, T *d)
{
    switch (kind) {
#define NNC_X_(E, name, vec)                                                                     \
    case NNC_LOSS_##E:                                                                           \
        return NNC_FN(loss_##name##_elem)(p, y, k, d);
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
    default:
        *d = NNC_LIT(0.0);
        return NNC_LIT(0.0);
    }
}

/* One row of the fused top layer, the body every form below shares: the
 * output p = x_r . w + b (left to right from the first product, then the
 * bias) in *p, and its loss, whose derivative goes to *d. */
static NNC_ALWAYS_INLINE T NNC_FN(engine_top_row)(const int kind, int64_t in, const T *xr,
                                                  const T *w, T b, T y, T k, T *p, T *d)
{
    T s = xr[0] * w[0];
    for (int64_t i = 1; i < in; i++)
        s = s + xr[i] * w[i];
    s = s + b;
    *p = s;
    return NNC_FN(engine_loss_elem)(kind, s, y, k, d);
}

/* A batch of at most NNC_RED_SHORT rows: every sum is one left-to-right
 * chain from -0.0 (reduce_impl.h's order for a short sum: lane 0 alone, the
 * other lanes stay -0.0 and leave it unchanged), so the chains are plain
 * scalars -- no lane arrays to set up and fold for a batch of five.  *ls gets
 * the loss sum, *bs the bias gradient, gs[0..in) the weight gradients (the
 * sums of rows >= 1 terms; the caller gives the empty sum's +0.0); pred and
 * delta (each NULL or rows values) receive the outputs and derivatives. */
static NNC_ALWAYS_INLINE void NNC_FN(engine_top_chains)(const int kind, int64_t rows, int64_t in,
                                                        const T *x, const T *w, T b, const T *y,
                                                        T k, double *ls, T *bs, T *gs, T *pred,
                                                        T *delta)
{
    double lsum = -0.0;
    T bsum = NNC_LIT(-0.0);
    for (int64_t i = 0; i < in; i++)
        gs[i] = NNC_LIT(-0.0);
    for (int64_t r = 0; r < rows; r++) {
        const T *xr = x + r * in;
        T p, d;
        lsum = lsum + (double)NNC_FN(engine_top_row)(kind, in, xr, w, b, y[r], k, &p, &d);
        bsum = bsum + d;
        for (int64_t i = 0; i < in; i++)
            gs[i] = gs[i] + d * xr[i];
        if (pred != NULL)
            pred[r] = p;
        if (delta != NULL)
            delta[r] = d;
    }
    *ls = lsum;
    *bs = bsum;
}

/* Code that exists only where the AVX2 builds do (engine.c), and only for
 * losses whose loops vectorise (vec == 1 in NNC_ELEMWISE_LOSSES). */
#if NNC_ENGINE_X86
#define NNC_ENGINE_AVX2_IF_1_(...) __VA_ARGS__
#else
#define NNC_ENGINE_AVX2_IF_1_(...)
#endif
#define NNC_ENGINE_AVX2_IF_0_(...)

/* Per loss: the lane form (NIN is the most inputs its lane arrays hold;
 * `stores` 0 promises pred == delta == NULL), the short form, and the
 * kernel that picks one.  Both forms run engine_top_row on every row. */
#define NNC_ENGINE_TOP_(E, name, vec)                                                              \
    static NNC_ALWAYS_INLINE void NNC_FN(engine_top_##name##_body)(                            \
        int64_t rows, int64_t in, NNC_FN(engine_top_t) *t, T (*gl)[NNC_RED_LANES],             \
        const int stores)                                                                        \
    {                                                                                            \
        const T *x = t->x, *w = t->w, *y = t->y;                                                 \
        const T b = t->b, k = t->k;                                                              \
        T *pred = t->pred, *delta = t->delta;                                                    \
        double ll[NNC_RED_LANES];                                                                \
        T bl[NNC_RED_LANES];                                                                     \
        nnc_red_init_f64(ll);                                                                    \
        NNC_FN(nnc_red_init)(bl);                                                                \
        for (int64_t i = 0; i < in; i++)                                                         \
            NNC_FN(nnc_red_init)(gl[i]);                                                         \
        NNC_RED_FOR_IF(vec)(rows, r, l, {                                                        \
            const T *xr = x + r * in;                                                            \
            T p, d;                                                                              \
            ll[l] = ll[l] + (double)NNC_FN(engine_top_row)(NNC_LOSS_##E, in, xr, w, b, y[r], k,  \
                                                           &p, &d);                              \
            bl[l] = bl[l] + d;                                                                   \
            for (int64_t i = 0; i < in; i++)                                                     \
                gl[i][l] = gl[i][l] + d * xr[i];                                                 \
            if (stores && pred != NULL)                                                          \
                pred[r] = p;                                                                     \
            if (stores && delta != NULL)                                                         \
                delta[r] = d;                                                                    \
        });                                                                                      \
        t->sum = nnc_red_combine_f64(ll, rows);                                                  \
        t->gb = NNC_FN(nnc_red_combine)(bl, rows);                                               \
        for (int64_t i = 0; i < in; i++)                                                         \
            t->gw[i] = NNC_FN(nnc_red_combine)(gl[i], rows);                                     \
    }                                                                                            \
    static NNC_ALWAYS_INLINE void NNC_FN(engine_top_##name##_short)(                           \
        int64_t rows, int64_t in, NNC_FN(engine_top_t) *t, const int stores)                     \
    {                                                                                            \
        double ls;                                                                               \
        T bs, gs[16];                                                                            \
        NNC_FN(engine_top_chains)(NNC_LOSS_##E, rows, in, t->x, t->w, t->b, t->y, t->k, &ls,     \
                                  &bs, gs, stores ? t->pred : NULL, stores ? t->delta : NULL);   \
        /* The empty sum is +0.0 (nnc_red_combine). */                                           \
        t->sum = rows > 0 ? ls : 0.0;                                                            \
        t->gb = rows > 0 ? bs : NNC_LIT(0.0);                                                    \
        for (int64_t i = 0; i < in; i++)                                                         \
            t->gw[i] = rows > 0 ? gs[i] : NNC_LIT(0.0);                                          \
    }                                                                                            \
    /* Its one-input, store-nothing case (a single neuron on a small batch                       \
     * below other layers) compiled apart, with in == 1 a constant. */                           \
    static NNC_NOINLINE void NNC_FN(engine_top_##name##_short1)(int64_t rows,                   \
                                                               NNC_FN(engine_top_t) * t)         \
    {                                                                                            \
        NNC_FN(engine_top_##name##_short)(rows, 1, t, 0);                                        \
    }                                                                                            \
    static NNC_NOINLINE void NNC_FN(engine_top_##name##_shortn)(int64_t rows, int64_t in,       \
                                                               NNC_FN(engine_top_t) * t)         \
    {                                                                                            \
        NNC_FN(engine_top_##name##_short)(rows, in, t, 1);                                       \
    }                                                                                            \
    /* A one-input top layer that stores nothing (a line fit, a single neuron)                   \
     * gets a variant with constant sizes, which the compiler vectorises                         \
     * across rows with its lanes in registers (16 AVX2 registers hold all                       \
     * three lane arrays of a float64 run; 16 SSE2 registers do not). */                         \
    NNC_ENGINE_AVX2_IF_##vec##_(__attribute__((target("avx2"))) static void NNC_FN(              \
        engine_top_##name##_avx2)(int64_t rows, NNC_FN(engine_top_t) * t) {                      \
        T gl[1][NNC_RED_LANES];                                                                  \
        NNC_FN(engine_top_##name##_body)(rows, 1, t, gl, 0);                                     \
    } __attribute__((target("avx512f,avx2"))) static void NNC_FN(                                \
        engine_top_##name##_avx512)(int64_t rows, NNC_FN(engine_top_t) * t) {                    \
        T gl[1][NNC_RED_LANES];                                                                  \
        NNC_FN(engine_top_##name##_body)(rows, 1, t, gl, 0);                                     \
    })                                                                                           \
    static void NNC_FN(engine_top_##name)(int64_t rows, int64_t in, NNC_FN(engine_top_t) *t)    \
    {                                                                                            \
        if (rows <= NNC_RED_SHORT) {                                                             \
            if (in == 1 && t->pred == NULL && t->delta == NULL)                                  \
                NNC_FN(engine_top_##name##_short1)(rows, t);                                     \
            else                                                                                 \
                NNC_FN(engine_top_##name##_shortn)(rows, in, t);                                 \
        }                                                                                        \
        else if (in == 1 && t->pred == NULL && t->delta == NULL) {                               \
            T gl[1][NNC_RED_LANES];                                                              \
            NNC_ENGINE_AVX2_IF_##vec##_(if (t->avx512) {                                         \
                NNC_FN(engine_top_##name##_avx512)(rows, t);                                     \
                return;                                                                          \
            } if (t->avx2) {                                                                     \
                NNC_FN(engine_top_##name##_avx2)(rows, t);                                       \
                return;                                                                          \
            })                                                                                   \
            NNC_FN(engine_top_##name##_body)(rows, 1, t, gl, 0);                                 \
        }                                                                                        \
        else {                                                                                   \
            T gl[16][NNC_RED_LANES];                                                             \
            NNC_FN(engine_top_##name##_body)(rows, in, t, gl, 1);                                \
        }                                                                                        \
    }

NNC_ELEMWISE_LOSSES(NNC_ENGINE_TOP_)
#undef NNC_ENGINE_TOP_
#undef NNC_ENGINE_AVX2_IF_1_
#undef NNC_ENGINE_AVX2_IF_0_

/* 1 when engine_top_kernel handles this layer and loss. */
static int NNC_FN(engine_top_fusable)(const nnc_layer_t *top, const nnc_loss_params_t *lp)
{
    if (!NNC_ENGINE_FAST_PATHS || top->kind != NNC_LAYER_DENSE || top->out != 1 || top->in > 16)
        return 0;
    switch (lp->kind) {
#define NNC_X_(E, name, vec) case NNC_LOSS_##E:
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
        return 1;
    default:
        return 0;
    }
}

/* The fused kernel of an elementwise loss, and its constant in *k (NULL for
 * any other loss).  The engine resolves it once per call (engine_ws). */
static NNC_FN(engine_top_fn) NNC_FN(engine_top_kernel)(const nnc_loss_params_t *lp, T *k)
{
    switch (lp->kind) {
#define NNC_X_(E, name, vec)                                                                     \
    case NNC_LOSS_##E:                                                                           \
        *k = NNC_FN(loss_##name##_k)(lp);                                                        \
        return NNC_FN(engine_top_##name);
        NNC_ELEMWISE_LOSSES(NNC_X_)
#undef NNC_X_
    default:
        return NULL;
    }
}
