/* The optimizer loops, included by optim_impl.h once per dtype and
 * instruction set with NNC_OPT_ATTR (the target attribute) and NNC_OPT_K(name)
 * (the loop's name for that set) defined.  No include guard on purpose.
 *
 * Compiling the same elementwise source for a wider vector unit changes no
 * result: each element sees the same + - * / sqrt in the same order, and
 * the build's -ffp-contract=off forbids fused multiply-adds on every path. */

NNC_OPT_ATTR static void NNC_OPT_K(sgd)(int64_t n, T *w, const T *g, T lr)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++)
        w[i] = w[i] - lr * g[i];
}

NNC_OPT_ATTR static void NNC_OPT_K(momentum)(int64_t n, T *w, const T *g, T *v, T lr, T mu)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T vi = mu * v[i] - lr * g[i];
        v[i] = vi;
        w[i] = w[i] + vi;
    }
}

NNC_OPT_ATTR static void NNC_OPT_K(adam)(int64_t n, T *w, const T *g, T *m, T *v, T lr,
                                         T beta1, T beta2, T eps, T bc1, T bc2, T c1, T c2)
{
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
}

NNC_OPT_ATTR static void NNC_OPT_K(rmsprop)(int64_t n, T *w, const T *g, T *v, T lr, T rho,
                                            T eps, T c)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        const T gi = g[i];
        const T vi = rho * v[i] + c * (gi * gi);
        v[i] = vi;
        w[i] = w[i] - lr * gi / (NNC_SQRT(vi) + eps);
    }
}
