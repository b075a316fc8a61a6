/* Optimizer steps written once against T; optim.c includes this file once per
 * dtype.  No include guard on purpose.
 *
 * Each step updates w (and the caller-owned state m, v) in place, elementwise,
 * with plain + - * / in the order the formulas in nnc_decls.h are written.
 * The build has -ffp-contract=off, so no multiply-add is fused: a float64 SGD
 * step on one parameter equals Python's `w - lr * g` bit for bit.  The loops
 * have no reductions, so vectorising them (omp simd) cannot change a result.
 *
 * Run-time dispatch: the loops (optim_loops_impl.h) are compiled once per
 * instruction-set level (nnc_isa.h) and chosen through const tables; every
 * level gives the same bits.  The nnc_*_step_isa variants take the level
 * explicitly (tests force each one); the plain ones use the widest. */

#define NNC_OPT_ATTR
#define NNC_OPT_K(name) NNC_CAT(NNC_FN(opt_##name), generic)
#include "optim_loops_impl.h"
#undef NNC_OPT_ATTR
#undef NNC_OPT_K
#if NNC_ISA_X86
#define NNC_OPT_ATTR NNC_TARGET_AVX2
#define NNC_OPT_K(name) NNC_CAT(NNC_FN(opt_##name), avx2)
#include "optim_loops_impl.h"
#undef NNC_OPT_ATTR
#undef NNC_OPT_K
#define NNC_OPT_ATTR NNC_TARGET_AVX512
#define NNC_OPT_K(name) NNC_CAT(NNC_FN(opt_##name), avx512)
#include "optim_loops_impl.h"
#undef NNC_OPT_ATTR
#undef NNC_OPT_K
#define NNC_OPT_PATHS_(name)                                                                  \
    {NNC_CAT(NNC_FN(opt_##name), generic), NNC_CAT(NNC_FN(opt_##name), avx2),                 \
     NNC_CAT(NNC_FN(opt_##name), avx512)}
#else
#define NNC_OPT_PATHS_(name)                                                                  \
    {NNC_CAT(NNC_FN(opt_##name), generic), NNC_CAT(NNC_FN(opt_##name), generic),              \
     NNC_CAT(NNC_FN(opt_##name), generic)}
#endif

static void (*const NNC_FN(opt_sgd_paths)[NNC_ISA_COUNT])(int64_t, T *, const T *, T) =
    NNC_OPT_PATHS_(sgd);
static void (*const NNC_FN(opt_momentum_paths)[NNC_ISA_COUNT])(int64_t, T *, const T *, T *, T,
                                                               T) = NNC_OPT_PATHS_(momentum);
static void (*const NNC_FN(opt_adam_paths)[NNC_ISA_COUNT])(int64_t, T *, const T *, T *, T *, T,
                                                           T, T, T, T, T, T,
                                                           T) = NNC_OPT_PATHS_(adam);
#undef NNC_OPT_PATHS_

/* An out-of-range level runs the portable loop.  (Defined identically on
 * each inclusion.) */
#define NNC_OPT_LEVEL_(isa) ((unsigned)(isa) < NNC_ISA_COUNT ? (isa) : NNC_ISA_GENERIC)

void NNC_FN(nnc_sgd_step_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g, T lr)
{
    if (n > 0)
        NNC_FN(opt_sgd_paths)[NNC_OPT_LEVEL_(isa)](n, w, g, lr);
}

void NNC_FN(nnc_sgd_step)(int64_t n, T *w, const T *g, T lr)
{
    NNC_FN(nnc_sgd_step_isa)(nnc_isa_best(), n, w, g, lr);
}

/* Classical momentum in the "velocity" form of the textbooks:
 * v = mu v - lr g;  w = w + v. */
void NNC_FN(nnc_momentum_step_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g, T *v, T lr, T mu)
{
    if (n > 0)
        NNC_FN(opt_momentum_paths)[NNC_OPT_LEVEL_(isa)](n, w, g, v, lr, mu);
}

void NNC_FN(nnc_momentum_step)(int64_t n, T *w, const T *g, T *v, T lr, T mu)
{
    NNC_FN(nnc_momentum_step_isa)(nnc_isa_best(), n, w, g, v, lr, mu);
}

nnc_status_t NNC_FN(nnc_adam_step)(int64_t n, T *w, const T *g, T *m, T *v, int64_t t, T lr,
                                   T beta1, T beta2, T eps)
{
    return NNC_FN(nnc_adam_step_isa)(nnc_isa_best(), n, w, g, m, v, t, lr, beta1, beta2, eps);
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
nnc_status_t NNC_FN(nnc_adam_step_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g, T *m, T *v,
                                       int64_t t, T lr, T beta1, T beta2, T eps)
{
    const T one = NNC_LIT(1.0);
    if (t < 1 || n < 0 || !isfinite(lr) || !(beta1 >= 0 && beta1 < one) ||
        !(beta2 >= 0 && beta2 < one) || !(eps > 0 && isfinite(eps)))
        return NNC_STATUS_INVALID_ARGUMENT;
    const T bc1 = one - NNC_POW(beta1, (T)t);
    const T bc2 = one - NNC_POW(beta2, (T)t);
    if (n > 0)
        NNC_FN(opt_adam_paths)[NNC_OPT_LEVEL_(isa)](n, w, g, m, v, lr, beta1, beta2, eps, bc1,
                                                    bc2, one - beta1, one - beta2);
    return NNC_STATUS_OK;
}
