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
/* float32 Adam's subnormal-free form (optim_loops_impl.h) */
#define NNC_OPT_WIDE_
#define NNC_OPT_ATTR NNC_TARGET_AVX512
#define NNC_OPT_K(name) NNC_CAT(NNC_FN(opt_##name), avx512)
#include "optim_loops_impl.h"
#undef NNC_OPT_ATTR
#undef NNC_OPT_K
#undef NNC_OPT_WIDE_
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
static void (*const NNC_FN(opt_rmsprop_paths)[NNC_ISA_COUNT])(int64_t, T *, const T *, T *, T, T,
                                                              T, T) = NNC_OPT_PATHS_(rmsprop);
#undef NNC_OPT_PATHS_

/* An out-of-range level runs the portable loop.  (Defined identically on
 * each inclusion.) */
#define NNC_OPT_LEVEL_(isa) ((unsigned)(isa) < NNC_ISA_COUNT ? (isa) : NNC_ISA_GENERIC)

/* Up to this many values, the _isa updates run a scalar copy of the loop
 * (optim_loops_impl.h) in place of the dispatched vector one: the same
 * operations per value, so the same bits. */
#ifndef NNC_OPT_SHORT_
#define NNC_OPT_SHORT_ 3
#endif

/* ---- one block of values, shared by the _isa and _segs forms ---- */

/* A bias or a single weight (at most NNC_OPT_SHORT_ values): the loop's
 * arithmetic, without the dispatch and the vector loop's set-up
 * (opt_sgd_short, opt_momentum_short; shared with the engine's lean loop). */
#include "optim_short_impl.h"

static NNC_ALWAYS_INLINE void NNC_FN(opt_sgd_block)(nnc_isa_t isa, int64_t n, T *w, const T *g,
                                                    T lr)
{
    if (n <= NNC_OPT_SHORT_)
        NNC_FN(opt_sgd_short)(n, w, g, lr);
    else
        NNC_FN(opt_sgd_paths)[NNC_OPT_LEVEL_(isa)](n, w, g, lr);
}

static NNC_ALWAYS_INLINE void NNC_FN(opt_momentum_block)(nnc_isa_t isa, int64_t n, T *w,
                                                         const T *g, T *v, T lr, T mu)
{
    if (n <= NNC_OPT_SHORT_)
        NNC_FN(opt_momentum_short)(n, w, g, v, lr, mu);
    else
        NNC_FN(opt_momentum_paths)[NNC_OPT_LEVEL_(isa)](n, w, g, v, lr, mu);
}

/* Adam's step-wide constants, checked (nnc_adam_step_isa's rules). */
typedef struct {
    T lr, beta1, beta2, eps, bc1, bc2, c1, c2;
} NNC_FN(opt_adam_k);

static NNC_ALWAYS_INLINE nnc_status_t NNC_FN(opt_adam_prep)(NNC_FN(opt_adam_k) *k, int64_t t,
                                                            T lr, T beta1, T beta2, T eps)
{
    const T one = NNC_LIT(1.0);
    if (t < 1 || !isfinite(lr) || !(beta1 >= 0 && beta1 < one) || !(beta2 >= 0 && beta2 < one) ||
        !(eps > 0 && isfinite(eps)))
        return NNC_STATUS_INVALID_ARGUMENT;
    k->lr = lr;
    k->beta1 = beta1;
    k->beta2 = beta2;
    k->eps = eps;
    k->bc1 = one - NNC_POW(beta1, (T)t);
    k->bc2 = one - NNC_POW(beta2, (T)t);
    k->c1 = one - beta1;
    k->c2 = one - beta2;
    return NNC_STATUS_OK;
}

static NNC_ALWAYS_INLINE void NNC_FN(opt_adam_block)(nnc_isa_t isa, int64_t n, T *w, const T *g,
                                                     T *m, T *v, const NNC_FN(opt_adam_k) *k)
{
    if (n > 0)
        NNC_FN(opt_adam_paths)[NNC_OPT_LEVEL_(isa)](n, w, g, m, v, k->lr, k->beta1, k->beta2,
                                                    k->eps, k->bc1, k->bc2, k->c1, k->c2);
}

/* RMSProp's rules (nnc_rmsprop_step_isa). */
static NNC_ALWAYS_INLINE int NNC_FN(opt_rmsprop_ok)(T lr, T rho, T eps)
{
    const T one = NNC_LIT(1.0);
    return isfinite(lr) && rho >= 0 && rho < one && eps > 0 && isfinite(eps);
}


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
    NNC_FN(opt_adam_k) k;
    if (n < 0 || NNC_FN(opt_adam_prep)(&k, t, lr, beta1, beta2, eps) != NNC_STATUS_OK)
        return NNC_STATUS_INVALID_ARGUMENT;
    NNC_FN(opt_adam_block)(isa, n, w, g, m, v, &k);
    return NNC_STATUS_OK;
}


/* ---------------- the ops.def update kernels ----------------
 * Every GRADIENT optimizer of ops.def has nnc_<name>_update with one
 * signature: n values of w updated in place from g, with the state arrays
 * state[0..n_states) and the hyper-parameters hyper[0..n_hyper) in ops.def
 * order (rounded to T here, as the engine always did), at step t >= 1.
 * The binding calls them through nnc_opt_update's table.  Each also has an
 * nnc_<name>_update_isa form that takes the instruction-set level instead of
 * asking for the widest on every call, and an nnc_<name>_update_segs form
 * that updates a list of blocks (nnc_opt_seg) in one call: the engine
 * resolves the level and plans the blocks once per fit
 * (nnc_opt_update_segs_table), so a small step makes one optimizer call and
 * does not pay for the CPU query, the hyper-parameters' rounding and checks
 * or Adam's powers once per parameter.  Every update is ELEMENTWISE (value i
 * reads and writes only w[i], g[i] and state[.][i]), so one call over two
 * parameters that lie back to back in memory, or over a list of blocks,
 * gives the bits of separate calls. */

nnc_status_t NNC_FN(nnc_sgd_update_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g,
                                        T *const *state, const double *hyper, int64_t t)
{
    (void)state;
    (void)t;
    NNC_FN(opt_sgd_block)(isa, n, w, g, (T)hyper[0]);
    return NNC_STATUS_OK;
}

/* The blocks of other than one value (opt_sgd_block each). */
static NNC_NOINLINE void NNC_FN(opt_sgd_longs)(nnc_isa_t isa, int64_t n_seg,
                                               const NNC_FN(nnc_opt_seg) *seg, T lr)
{
    for (int64_t k = 0; k < n_seg; k++)
        if (seg[k].n != 1)
            NNC_FN(opt_sgd_block)(isa, seg[k].n, seg[k].w, seg[k].g, lr);
}

nnc_status_t NNC_FN(nnc_sgd_update_segs)(nnc_isa_t isa, int64_t n_seg,
                                         const NNC_FN(nnc_opt_seg) *seg, const double *hyper,
                                         int64_t t)
{
    const T lr = (T)hyper[0];
    int64_t longs = 0;
    (void)t;
    /* Blocks of one value (a bias, a one-input weight) first, with no call
     * in that loop (so no registers to save for it), then the others out of
     * line; the blocks are disjoint, so the order is free. */
    for (int64_t k = 0; k < n_seg; k++) {
        if (seg[k].n == 1)
            NNC_FN(opt_sgd_short)(1, seg[k].w, seg[k].g, lr);
        else
            longs++;
    }
    if (longs > 0)
        NNC_FN(opt_sgd_longs)(isa, n_seg, seg, lr);
    return NNC_STATUS_OK;
}

nnc_status_t NNC_FN(nnc_momentum_update_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g,
                                             T *const *state, const double *hyper, int64_t t)
{
    (void)t;
    NNC_FN(opt_momentum_block)(isa, n, w, g, state[0], (T)hyper[0], (T)hyper[1]);
    return NNC_STATUS_OK;
}

static NNC_NOINLINE void NNC_FN(opt_momentum_longs)(nnc_isa_t isa, int64_t n_seg,
                                                    const NNC_FN(nnc_opt_seg) *seg, T lr, T mu)
{
    for (int64_t k = 0; k < n_seg; k++)
        if (seg[k].n != 1)
            NNC_FN(opt_momentum_block)(isa, seg[k].n, seg[k].w, seg[k].g, seg[k].state[0], lr,
                                       mu);
}

nnc_status_t NNC_FN(nnc_momentum_update_segs)(nnc_isa_t isa, int64_t n_seg,
                                              const NNC_FN(nnc_opt_seg) *seg,
                                              const double *hyper, int64_t t)
{
    const T lr = (T)hyper[0], mu = (T)hyper[1];
    int64_t longs = 0;
    (void)t;
    /* As nnc_sgd_update_segs: one-value blocks inline, the others out of line. */
    for (int64_t k = 0; k < n_seg; k++) {
        if (seg[k].n == 1)
            NNC_FN(opt_momentum_short)(1, seg[k].w, seg[k].g, seg[k].state[0], lr, mu);
        else
            longs++;
    }
    if (longs > 0)
        NNC_FN(opt_momentum_longs)(isa, n_seg, seg, lr, mu);
    return NNC_STATUS_OK;
}

/* Nesterov's update is Momentum's; what differs is where g was taken
 * (NNC_OPTF_LOOK_AHEAD: the engine evaluates it at w + mu v). */
nnc_status_t NNC_FN(nnc_nesterov_update_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g,
                                             T *const *state, const double *hyper, int64_t t)
{
    return NNC_FN(nnc_momentum_update_isa)(isa, n, w, g, state, hyper, t);
}

nnc_status_t NNC_FN(nnc_nesterov_update_segs)(nnc_isa_t isa, int64_t n_seg,
                                              const NNC_FN(nnc_opt_seg) *seg,
                                              const double *hyper, int64_t t)
{
    return NNC_FN(nnc_momentum_update_segs)(isa, n_seg, seg, hyper, t);
}

nnc_status_t NNC_FN(nnc_adam_update_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g,
                                         T *const *state, const double *hyper, int64_t t)
{
    return NNC_FN(nnc_adam_step_isa)(isa, n, w, g, state[0], state[1], t, (T)hyper[0],
                                     (T)hyper[1], (T)hyper[2], (T)hyper[3]);
}

nnc_status_t NNC_FN(nnc_adam_update_segs)(nnc_isa_t isa, int64_t n_seg,
                                          const NNC_FN(nnc_opt_seg) *seg, const double *hyper,
                                          int64_t t)
{
    NNC_FN(opt_adam_k) k;
    if (NNC_FN(opt_adam_prep)(&k, t, (T)hyper[0], (T)hyper[1], (T)hyper[2], (T)hyper[3]) !=
        NNC_STATUS_OK)
        return NNC_STATUS_INVALID_ARGUMENT;
    for (int64_t s = 0; s < n_seg; s++)
        if (seg[s].n < 0)
            return NNC_STATUS_INVALID_ARGUMENT;
    for (int64_t s = 0; s < n_seg; s++)
        NNC_FN(opt_adam_block)(isa, seg[s].n, seg[s].w, seg[s].g, seg[s].state[0],
                               seg[s].state[1], &k);
    return NNC_STATUS_OK;
}

/* RMSProp: a running mean of g^2 per value scales each step, so every
 * parameter moves by about lr whatever its gradient's size:
 * v = rho v + (1 - rho) g^2;  w = w - lr g / (sqrt(v) + eps).
 * INVALID_ARGUMENT (nothing written) unless n >= 0, lr is finite,
 * 0 <= rho < 1 and 0 < eps < inf in T (the reasons of nnc_adam_step). */
nnc_status_t NNC_FN(nnc_rmsprop_step_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g, T *v, T lr,
                                          T rho, T eps)
{
    if (n < 0 || !NNC_FN(opt_rmsprop_ok)(lr, rho, eps))
        return NNC_STATUS_INVALID_ARGUMENT;
    if (n > 0)
        NNC_FN(opt_rmsprop_paths)[NNC_OPT_LEVEL_(isa)](n, w, g, v, lr, rho, eps,
                                                       NNC_LIT(1.0) - rho);
    return NNC_STATUS_OK;
}

nnc_status_t NNC_FN(nnc_rmsprop_step)(int64_t n, T *w, const T *g, T *v, T lr, T rho, T eps)
{
    return NNC_FN(nnc_rmsprop_step_isa)(nnc_isa_best(), n, w, g, v, lr, rho, eps);
}

nnc_status_t NNC_FN(nnc_rmsprop_update_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g,
                                            T *const *state, const double *hyper, int64_t t)
{
    (void)t;
    return NNC_FN(nnc_rmsprop_step_isa)(isa, n, w, g, state[0], (T)hyper[0], (T)hyper[1],
                                        (T)hyper[2]);
}

nnc_status_t NNC_FN(nnc_rmsprop_update_segs)(nnc_isa_t isa, int64_t n_seg,
                                             const NNC_FN(nnc_opt_seg) *seg, const double *hyper,
                                             int64_t t)
{
    const T lr = (T)hyper[0], rho = (T)hyper[1], eps = (T)hyper[2];
    (void)t;
    if (!NNC_FN(opt_rmsprop_ok)(lr, rho, eps))
        return NNC_STATUS_INVALID_ARGUMENT;
    for (int64_t k = 0; k < n_seg; k++)
        if (seg[k].n < 0)
            return NNC_STATUS_INVALID_ARGUMENT;
    for (int64_t k = 0; k < n_seg; k++)
        if (seg[k].n > 0)
            NNC_FN(opt_rmsprop_paths)[NNC_OPT_LEVEL_(isa)](seg[k].n, seg[k].w, seg[k].g,
                                                           seg[k].state[0], lr, rho, eps,
                                                           NNC_LIT(1.0) - rho);
    return NNC_STATUS_OK;
}

/* nnc_<name>_update: the _isa form at the widest level this CPU runs. */
#define NNC_X_OPT_PLAIN_GRADIENT_(name)                                                        \
    nnc_status_t NNC_FN(nnc_##name##_update)(int64_t n, T *w, const T *g, T *const *state,     \
                                             const double *hyper, int64_t t)                   \
    {                                                                                          \
        return NNC_FN(nnc_##name##_update_isa)(nnc_isa_best(), n, w, g, state, hyper, t);      \
    }
#define NNC_X_OPT_PLAIN_PROBE_(name)
#define NNC_X_OPT_PLAIN(E, name, cls, kind, ...) NNC_X_OPT_PLAIN_##kind##_(name)
NNC_OPTIMIZERS(NNC_X_OPT_PLAIN)
#undef NNC_X_OPT_PLAIN
#undef NNC_X_OPT_PLAIN_GRADIENT_
#undef NNC_X_OPT_PLAIN_PROBE_

/* The tables: a GRADIENT row without its nnc_<name>_update_isa is a compile
 * error here; PROBE rows have no update kernel (the engine probes). */
#define NNC_OPT_KERNEL_GRADIENT_(name) NNC_FN(nnc_##name##_update)
#define NNC_OPT_KERNEL_PROBE_(name) NULL
#define NNC_X_OPT_KERNEL(E, name, cls, kind, ...) [NNC_OPT_##E] = NNC_OPT_KERNEL_##kind##_(name),
const NNC_FN(nnc_opt_update_fn) NNC_FN(nnc_opt_update_table)[NNC_OPT_COUNT] = {
    NNC_OPTIMIZERS(NNC_X_OPT_KERNEL)};
#undef NNC_OPT_KERNEL_GRADIENT_
#define NNC_OPT_KERNEL_GRADIENT_(name) NNC_FN(nnc_##name##_update_isa)
const NNC_FN(nnc_opt_update_isa_fn) NNC_FN(nnc_opt_update_isa_table)[NNC_OPT_COUNT] = {
    NNC_OPTIMIZERS(NNC_X_OPT_KERNEL)};
#undef NNC_OPT_KERNEL_GRADIENT_
#define NNC_OPT_KERNEL_GRADIENT_(name) NNC_FN(nnc_##name##_update_segs)
const NNC_FN(nnc_opt_update_segs_fn) NNC_FN(nnc_opt_update_segs_table)[NNC_OPT_COUNT] = {
    NNC_OPTIMIZERS(NNC_X_OPT_KERNEL)};
#undef NNC_X_OPT_KERNEL
#undef NNC_OPT_KERNEL_GRADIENT_
#undef NNC_OPT_KERNEL_PROBE_

nnc_status_t NNC_FN(nnc_opt_update)(nnc_opt_t opt, int64_t n, T *w, const T *g, T *const *state,
                                    const double *hyper, int64_t t)
{
    if ((int)opt < 0 || opt >= NNC_OPT_COUNT || NNC_FN(nnc_opt_update_table)[opt] == NULL ||
        n < 0 || t < 1)
        return NNC_STATUS_INVALID_ARGUMENT;
    return NNC_FN(nnc_opt_update_table)[opt](n, w, g, state, hyper, t);
}
