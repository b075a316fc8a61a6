/* The one-value-at-a-time forms of the SGD and Momentum updates, written
 * once against T and included per dtype by optim_impl.h (its _short blocks)
 * and by engine_impl.h (the lean loop's inline update).  The arithmetic of
 * optim_loops_impl.h's loops, element by element in the same order, so the
 * same bits (-ffp-contract=off: no fused multiply-add on any path).  No
 * include guard on purpose. */

static NNC_ALWAYS_INLINE void NNC_FN(opt_sgd_short)(int64_t n, T *w, const T *g, T lr)
{
    for (int64_t i = 0; i < n; i++)
        w[i] = w[i] - lr * g[i];
}

static NNC_ALWAYS_INLINE void NNC_FN(opt_momentum_short)(int64_t n, T *w, const T *g, T *v, T lr,
                                                         T mu)
{
    for (int64_t i = 0; i < n; i++) {
        T vi = mu * v[i] - lr * g[i];
        v[i] = vi;
        w[i] = w[i] + vi;
    }
}
