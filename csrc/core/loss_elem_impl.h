/* The per-element loss functions, written once against T (see nnc_tmpl.h):
 * losses_impl.h builds the elementwise loss kernels from them and
 * engine_impl.h fuses them into its last-layer pass, so both compute every
 * element's loss and derivative with the same arithmetic, bit for bit.  No
 * include guard on purpose (included once per dtype); the list below is
 * defined once.
 *
 * loss_<name>_elem(pred, target, k, &d) returns the element's loss and stores
 * its derivative with respect to pred in d; k is the loss's constant,
 * computed once per call by loss_<name>_k(p).  The ELEM and ELEM_T rows of
 * ops.def's NNC_LOSSES name these pairs (NNC_ELEMWISE_LOSSES lists them). */

/* ---------------- scalar helpers ---------------- */

/* sign(r) with sign(0) = 0 and sign(NaN) = NaN. */
static inline T NNC_FN(loss_sign)(T r)
{
    return r > 0 ? NNC_LIT(1.0) : (r < 0 ? NNC_LIT(-1.0) : (r == 0 ? NNC_LIT(0.0) : r));
}

/* max(0, m) that lets NaN through. */
static inline T NNC_FN(loss_relu)(T m)
{
    return m < 0 ? NNC_LIT(0.0) : m;
}

/* d/ds max(0, m) where dm/ds = c: c for m > 0, +0 for m <= 0 (the kink
 * included), NaN for NaN.  Spelled out rather than c * indicator so that a
 * zero gradient prints as 0, not -0. */
static inline T NNC_FN(loss_relu_grad)(T m, T c)
{
    return m > 0 ? c : (m <= 0 ? NNC_LIT(0.0) : m);
}

/* Stable, branch-free logistic sigmoid (the activation's, vmath.h). */
static inline T NNC_FN(loss_sigmoid)(T z)
{
    return NNC_SIGMOID(z);
}

/* Probability clamp of log_loss: p is kept in [eps, 1 - eps] so both logs are
 * finite.  eps = 1e-12 in float64; 1e-7 in float32, where 1 - 1e-12 would
 * round to 1 (1 - 1e-7 rounds to 1 - 2^-23, still below 1). */
#define NNC_LOG_LOSS_EPS_ (NNC_IS_F32 ? NNC_LIT(1e-7) : NNC_LIT(1e-12))

/* ---------------- elementwise losses ---------------- */

/* mse: k (pred - target)^2 with k = 1/2 when half, else 1; derivative 2 k r. */
static inline T NNC_FN(loss_mse_k)(const nnc_loss_params_t *p)
{
    return p->half ? NNC_LIT(0.5) : NNC_LIT(1.0);
}
static inline T NNC_FN(loss_mse_elem)(T pr, T t, T k, T *d)
{
    T r = pr - t;
    *d = (NNC_LIT(2.0) * k) * r; /* 2 k is 1 or 2: exact */
    return k * (r * r);
}

/* mae: |pred - target|; derivative sign(r), 0 at r = 0. */
static inline T NNC_FN(loss_mae_k)(const nnc_loss_params_t *p)
{
    (void)p;
    return NNC_LIT(0.0);
}
static inline T NNC_FN(loss_mae_elem)(T pr, T t, T k, T *d)
{
    (void)k;
    T r = pr - t;
    *d = NNC_FN(loss_sign)(r);
    return NNC_FABS(r);
}

/* huber(delta): r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond;
 * derivative r inside, delta sign(r) outside (continuous at |r| = delta). */
static inline T NNC_FN(loss_huber_k)(const nnc_loss_params_t *p)
{
    return (T)p->delta;
}
static inline T NNC_FN(loss_huber_elem)(T pr, T t, T k, T *d)
{
    T r = pr - t;
    T a = NNC_FABS(r);
    if (a <= k) {
        *d = r;
        return NNC_LIT(0.5) * (r * r);
    }
    *d = k * NNC_FN(loss_sign)(r);
    return k * (a - NNC_LIT(0.5) * k);
}

/* log_loss from probabilities: -(t log p + (1 - t) log(1 - p)), p clamped to
 * [eps, 1 - eps].  The derivative is (1 - t)/(1 - p) - t/p evaluated at the
 * CLAMPED p: exact inside the clamp, and beyond it a large finite push in the
 * right direction rather than the zero slope of the flat clamped curve (a
 * confidently wrong prediction must still learn). */
static inline T NNC_FN(loss_log_loss_k)(const nnc_loss_params_t *p)
{
    (void)p;
    return NNC_LOG_LOSS_EPS_;
}
static inline T NNC_FN(loss_log_loss_elem)(T pr, T t, T eps, T *d)
{
    const T hi = NNC_LIT(1.0) - eps;
    T pc = pr < eps ? eps : (pr > hi ? hi : pr); /* NaN passes through */
    T q = NNC_LIT(1.0) - pc;
    T u = NNC_LIT(1.0) - t;
    *d = u / q - t / pc;
    return -(t * NNC_LOG(pc) + u * NNC_LOG(q));
}

/* log_loss_with_logits: the same loss on z with p = sigmoid(z), in the stable
 * form max(z, 0) - z t + log(1 + exp(-|z|)); derivative sigmoid(z) - t. */
static inline T NNC_FN(loss_log_loss_with_logits_k)(const nnc_loss_params_t *p)
{
    (void)p;
    return NNC_LIT(0.0);
}
static inline T NNC_FN(loss_log_loss_with_logits_elem)(T z, T t, T k, T *d)
{
    (void)k;
    *d = NNC_FN(loss_sigmoid)(z) - t;
    return ((z > 0 ? z : NNC_LIT(0.0)) - z * t) + NNC_LOG1P(NNC_EXP(-NNC_FABS(z)));
}

/* perceptron_loss on a score s with a 0/1 label t, y = 2t - 1 (so -1/+1):
 * max(0, -y s) -- max(0, -s) for label 1, max(0, s) for label 0, i.e. the ReLU
 * of the signed score on misclassified points.  Derivative -y where the point
 * is misclassified, 0 otherwise (0 at the kink s = 0). */
static inline T NNC_FN(loss_perceptron_loss_k)(const nnc_loss_params_t *p)
{
    (void)p;
    return NNC_LIT(0.0);
}
static inline T NNC_FN(loss_perceptron_loss_elem)(T s, T t, T k, T *d)
{
    (void)k;
    T y = NNC_LIT(2.0) * t - NNC_LIT(1.0);
    T m = -y * s;
    *d = NNC_FN(loss_relu_grad)(m, -y);
    return NNC_FN(loss_relu)(m);
}

/* hinge on a score s with a 0/1 label t, y = 2t - 1: max(0, 1 - y s);
 * derivative -y where 1 - y s > 0, else 0 (0 at the kink). */
static inline T NNC_FN(loss_hinge_k)(const nnc_loss_params_t *p)
{
    (void)p;
    return NNC_LIT(0.0);
}
static inline T NNC_FN(loss_hinge_elem)(T s, T t, T k, T *d)
{
    (void)k;
    T y = NNC_LIT(2.0) * t - NNC_LIT(1.0);
    T m = NNC_LIT(1.0) - y * s;
    *d = NNC_FN(loss_relu_grad)(m, -y);
    return NNC_FN(loss_relu)(m);
}

/* log_cosh: log(cosh(r)), r = pred - target; derivative tanh(r).  For |r| < 1
 * as log1p(2 sinh(a)^2) with a = |r| / 2 (cosh r - 1 = 2 sinh(r/2)^2, and
 * sinh a = (e + e / (e + 1)) / 2 with e = expm1(a): no cancellation, so
 * r^2 / 2 keeps its digits for tiny r); beyond, |r| + log1p(exp(-2|r|)) -
 * log 2 (no overflow of cosh).  NaN takes the second branch and stays NaN. */
static inline T NNC_FN(loss_log_cosh_k)(const nnc_loss_params_t *p)
{
    (void)p;
    return NNC_LIT(0.0);
}
static inline T NNC_FN(loss_log_cosh_elem)(T pr, T t, T k, T *d)
{
    (void)k;
    const T r = pr - t;
    const T a = NNC_FABS(r);
    *d = NNC_TANH(r);
    if (a < NNC_LIT(1.0)) {
        const T e = NNC_EXPM1(NNC_LIT(0.5) * a);
        const T sh = NNC_LIT(0.5) * (e + e / (e + NNC_LIT(1.0)));
        return NNC_LOG1P(NNC_LIT(2.0) * (sh * sh));
    }
    return (a + NNC_LOG1P(NNC_EXP(NNC_LIT(-2.0) * a))) - NNC_LIT(0.69314718055994530942);
}

#undef NNC_LOG_LOSS_EPS_
