/* L1 / L2 penalty kernels written once against T; penalties.c includes this
 * file once per dtype.  No include guard on purpose.
 *
 * Values accumulate in double in index order: reproducible bit for bit, and
 * float32 weights lose nothing to the summation. */

T NNC_FN(nnc_l1_penalty)(int64_t n, const T *w)
{
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++)
        acc += (double)NNC_FABS(w[i]);
    return (T)acc;
}

T NNC_FN(nnc_l2_penalty)(int64_t n, const T *w)
{
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++)
        acc += (double)(w[i] * w[i]);
    return (T)acc;
}

/* d/dw |w| = sign(w), with sign(0) = 0 (a zero weight is left alone) and
 * sign(NaN) = NaN. */
void NNC_FN(nnc_l1_penalty_grad)(int64_t n, const T *w, T scale, T *g)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T v = w[i];
        T s = v > 0 ? NNC_LIT(1.0) : (v < 0 ? NNC_LIT(-1.0) : (v == 0 ? NNC_LIT(0.0) : v));
        g[i] = g[i] + scale * s;
    }
}

/* d/dw w^2 = 2 w (2 w is exact, so scale * (2 w) == 2 (scale * w)). */
void NNC_FN(nnc_l2_penalty_grad)(int64_t n, const T *w, T scale, T *g)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++)
        g[i] = g[i] + scale * (NNC_LIT(2.0) * w[i]);
}
