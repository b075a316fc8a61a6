/* Optimizer steps written once against T; optim.c includes this file once per
 * dtype.  No include guard on purpose.
 *
 * Each step updates w (and the caller-owned state m, v) in place, elementwise,
 * with plain + - * / in the order the formulas in nnc_decls.h are written.
 * The build has -ffp-contract=off, so no multiply-add is fused: a float64 SGD
 * step on one parameter equals Python's `w - lr * g` bit for bit.  The loops
 * have no reductions, so vectorising them (omp simd) cannot change a result. */

void NNC_FN(nnc_sgd_step)(int64_t n, T *w, const T *g, T lr)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++)
        w[i] = w[i] - lr * g[i];
}

/* Classical momentum in the "velocity" form of the textbooks:
 * v = mu v - lr g;  w = w + v. */
void NNC_FN(nnc_momentum_step)(int64_t n, T *w, const T *g, T *v, T lr, T mu)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T vi = mu * v[i] - lr * g[i];
        v[i] = vi;
        w[i] = w[i] + vi;
    }
}

/* Adam, Kingma & Ba (2015), Algorithm 1, with eps added AFTER the square root
 * of the bias-corrected second moment, as in the paper.  beta^t comes from pow
 * (not a running product) so that a step depends only on its arguments.
 *
 * INVALID_ARGUMENT (nothing written) unless t >= 1, n >= 0, lr is finite,
 * 0 <= beta1, beta2 < 1 and 0 < eps < inf, checked in T: a double
 * hyper-parameter that rounds to eps = 0 or beta = 1 in float32 would turn a
 * zero gradient into 0/0 (eps) or divide by 1 - beta^t = 0, and an lr that
 * overflows to inf would make lr * 0 = NaN. */
nnc_status_t NNC_FN(nnc_adam_step)(int64_t n, T *w, const T *g, T *m, T *v, int64_t t, T lr,
                                   T beta1, T beta2, T eps)
{
    const T one = NNC_LIT(1.0);
    if (t < 1 || n < 0 || !isfinite(lr) || !(beta1 >= 0 && beta1 < one) ||
        !(beta2 >= 0 && beta2 < one) || !(eps > 0 && isfinite(eps)))
        return NNC_STATUS_INVALID_ARGUMENT;
    const T bc1 = one - NNC_POW(beta1, (T)t);
    const T bc2 = one - NNC_POW(beta2, (T)t);
    const T c1 = one - beta1;
    const T c2 = one - beta2;
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T gi = g[i];
        T mi = beta1 * m[i] + c1 * gi;
        T vi = beta2 * v[i] + c2 * (gi * gi);
        m[i] = mi;
        v[i] = vi;
        T m_hat = mi / bc1;
        T v_hat = vi / bc2;
        w[i] = w[i] - lr * m_hat / (NNC_SQRT(v_hat) + eps);
    }
    return NNC_STATUS_OK;
}
