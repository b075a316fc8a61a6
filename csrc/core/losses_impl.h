/* Loss kernels written once against T; losses.c includes this file once per
 * dtype (see nnc_tmpl.h).  No include guard on purpose.
 *
 * Every loss <name> in ops.def has one function with a common signature,
 *     loss_<name>(p, rows, cols, pred, target, &sum, grad_or_NULL, gdiv)
 * which stores the UNREDUCED sum of the per-element (or per-row) losses in
 * *sum and, when grad is not NULL, writes grad[i] = (d loss_i / d pred_i) / gdiv
 * -- gdiv is the mean's count, or 1 for "sum".  nnc_loss dispatches through a
 * table generated from ops.def and applies the reduction to the value.
 *
 * Sums accumulate in double in index order (bit-reproducible; float32 loses
 * nothing to the accumulation).  NaN in pred or target gives a NaN value and
 * NaN gradient entries where it occurs.  Gradients divide by the count (not
 * multiply by its reciprocal) so that, e.g., mse's gradient is exactly
 * 2 * (pred - target) / N. */

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

/* Stable logistic sigmoid (same as the activation's). */
static inline T NNC_FN(loss_sigmoid)(T z)
{
    if (z >= 0)
        return NNC_LIT(1.0) / (NNC_LIT(1.0) + NNC_EXP(-z));
    T e = NNC_EXP(z);
    return e / (NNC_LIT(1.0) + e);
}

/* Probability clamp of log_loss: p is kept in [eps, 1 - eps] so both logs are
 * finite.  eps = 1e-12 in float64; 1e-7 in float32, where 1 - 1e-12 would
 * round to 1 (1 - 1e-7 rounds to 1 - 2^-23, still below 1). */
#define NNC_LOG_LOSS_EPS_ (NNC_IS_F32 ? NNC_LIT(1e-7) : NNC_LIT(1e-12))

/* ---------------- elementwise losses ----------------
 * loss_<name>_elem(pred, target, k, &d) returns the element's loss and stores
 * its derivative with respect to pred in d; k is the loss's constant,
 * computed once per call by loss_<name>_k(p). */

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

/* The driver every elementwise loss shares. */
#define NNC_LOSS_ELEMWISE_(name)                                                             \
    static void NNC_FN(loss_##name)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,  \
                                    const T *pred, const T *target, double *sum, T *grad,    \
                                    T gdiv)                                                  \
    {                                                                                        \
        const int64_t n = rows * cols;                                                       \
        const T k = NNC_FN(loss_##name##_k)(p);                                              \
        double acc = 0.0;                                                                    \
        T d;                                                                                 \
        if (grad == NULL) {                                                                  \
            for (int64_t i = 0; i < n; i++)                                                  \
                acc += (double)NNC_FN(loss_##name##_elem)(pred[i], target[i], k, &d);        \
        }                                                                                    \
        else {                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                \
                acc += (double)NNC_FN(loss_##name##_elem)(pred[i], target[i], k, &d);        \
                grad[i] = d / gdiv;                                                          \
            }                                                                                \
        }                                                                                    \
        *sum = acc;                                                                          \
    }

NNC_LOSS_ELEMWISE_(mse)
NNC_LOSS_ELEMWISE_(mae)
NNC_LOSS_ELEMWISE_(huber)
NNC_LOSS_ELEMWISE_(log_loss)
NNC_LOSS_ELEMWISE_(log_loss_with_logits)
NNC_LOSS_ELEMWISE_(perceptron_loss)
NNC_LOSS_ELEMWISE_(hinge)
#undef NNC_LOSS_ELEMWISE_

/* ---------------- row losses ---------------- */

/* Row maximum m and Z = sum_j exp(z_j - m), the pieces of a stable
 * log-softmax: log softmax_j = (z_j - m) - log Z.  cols >= 1. */
static inline T NNC_FN(loss_row_lse)(int64_t cols, const T *z, double *zsum)
{
    T m = z[0];
    for (int64_t j = 1; j < cols; j++)
        if (z[j] > m)
            m = z[j];
    double s = 0.0;
    for (int64_t j = 0; j < cols; j++)
        s += (double)NNC_EXP(z[j] - m);
    *zsum = s; /* >= 1 (the maximum contributes exp(0)) unless NaN */
    return m;
}

/* cross_entropy with probability rows t: -sum_j t_j log softmax(z)_j.
 * d/dz_k = softmax_k * sum_j t_j - t_k (the row sum of t is 1 for a proper
 * distribution, giving the familiar softmax - t).  Terms with t_j = 0 are
 * skipped (0 log 0 = 0), so a -inf logit with zero target costs nothing. */
static void NNC_FN(loss_cross_entropy)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                       const T *z, const T *t, double *sum, T *grad, T gdiv)
{
    (void)p;
    double acc = 0.0;
    if (cols == 0) {
        *sum = 0.0;
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        const T *zr = z + r * cols;
        const T *tr = t + r * cols;
        double zsum;
        T m = NNC_FN(loss_row_lse)(cols, zr, &zsum);
        double log_z = log(zsum);
        double tsum = 0.0;
        for (int64_t j = 0; j < cols; j++) {
            T tj = tr[j];
            tsum += (double)tj;
            if (tj != 0)
                acc += (double)tj * (((double)m - (double)zr[j]) + log_z);
        }
        if (grad != NULL) {
            T *gr = grad + r * cols;
            T zt = (T)zsum;
            T st = (T)tsum;
            for (int64_t j = 0; j < cols; j++) {
                T pj = NNC_EXP(zr[j] - m) / zt;
                gr[j] = (st * pj - tr[j]) / gdiv;
            }
        }
    }
    *sum = acc;
}

/* kl_divergence(pred, target) = KL(target || pred)
 *   = sum_j t_j (log t_j - log pred_j), with 0 log 0 = 0,
 * computed as xlogy(t, t) - t log(pred) so that a NaN prediction still
 * propagates where t = 0 (0 * log(NaN) = NaN).  pred is clamped below at the
 * smallest normal number, so a zero prediction gives a large finite cost (and
 * gradient) instead of inf; ordinary small probabilities are untouched.
 * d/dpred_j = -t_j / pred_j (+0, not -0, where t_j = 0). */
static void NNC_FN(loss_kl_divergence)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                       const T *pred, const T *t, double *sum, T *grad,
                                       T gdiv)
{
    (void)p;
    const int64_t n = rows * cols;
    const T tiny = NNC_T_MIN;
    double acc = 0.0;
    for (int64_t i = 0; i < n; i++) {
        T ti = t[i];
        T pi = pred[i];
        T pc = pi < tiny ? tiny : pi; /* NaN passes through */
        T tlogt = ti != 0 ? ti * NNC_LOG(ti) : NNC_LIT(0.0);
        acc += (double)(tlogt - ti * NNC_LOG(pc));
        if (grad != NULL)
            grad[i] = (NNC_LIT(0.0) - ti / pc) / gdiv;
    }
    *sum = acc;
}

/* ---------------- dispatch, generated from ops.def ---------------- */

typedef void (*NNC_FN(loss_fn))(const nnc_loss_params_t *, int64_t, int64_t, const T *,
                                const T *, double *, T *, T);

#define NNC_X_LOSS(E, name) [NNC_LOSS_##E] = NNC_FN(loss_##name),
static const NNC_FN(loss_fn) NNC_FN(loss_table)[NNC_LOSS_COUNT] = {NNC_LOSSES(NNC_X_LOSS)};
#undef NNC_X_LOSS

nnc_status_t NNC_FN(nnc_loss)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                              const T *pred, const T *target, T *value, T *grad)
{
    int64_t n, count;
    double sum;
    if (p == NULL || value == NULL || (int)p->kind < 0 || p->kind >= NNC_LOSS_COUNT ||
        (p->reduction != NNC_REDUCTION_MEAN && p->reduction != NNC_REDUCTION_SUM) ||
        rows < 0 || cols < 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (p->kind == NNC_LOSS_HUBER && !(p->delta > 0 && isfinite(p->delta)))
        return NNC_STATUS_INVALID_ARGUMENT;
    if (nnc_mul_i64(rows, cols, &n) != 0)
        return NNC_STATUS_OVERFLOW;
    if (n > 0 && (pred == NULL || target == NULL))
        return NNC_STATUS_INVALID_ARGUMENT;
    /* "mean" averages row losses over rows and elementwise losses over all
     * elements (nnc_core.h). */
    if (p->kind == NNC_LOSS_CROSS_ENTROPY || p->kind == NNC_LOSS_KL)
        count = rows;
    else
        count = n;
    T gdiv = p->reduction == NNC_REDUCTION_MEAN ? (T)count : NNC_LIT(1.0);
    NNC_FN(loss_table)[p->kind](p, rows, cols, pred, target, &sum, grad, gdiv);
    if (p->reduction == NNC_REDUCTION_SUM)
        *value = (T)sum;
    else /* the mean of nothing is undefined: NaN, as NumPy's mean gives */
        *value = count > 0 ? (T)(sum / (double)count) : (T)NAN;
    return NNC_STATUS_OK;
}

nnc_status_t NNC_FN(nnc_cross_entropy_index)(nnc_reduction_t reduction, int64_t rows,
                                             int64_t cols, const T *logits,
                                             const int64_t *target, T *value, T *grad)
{
    int64_t n;
    if (value == NULL || (reduction != NNC_REDUCTION_MEAN && reduction != NNC_REDUCTION_SUM) ||
        rows < 0 || cols < 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (nnc_mul_i64(rows, cols, &n) != 0)
        return NNC_STATUS_OVERFLOW;
    if (rows > 0 && (logits == NULL || target == NULL))
        return NNC_STATUS_INVALID_ARGUMENT;
    /* Every index is checked before anything is written. */
    for (int64_t r = 0; r < rows; r++)
        if (target[r] < 0 || target[r] >= cols)
            return NNC_STATUS_INVALID_ARGUMENT;
    const T gdiv = reduction == NNC_REDUCTION_MEAN ? (T)rows : NNC_LIT(1.0);
    double acc = 0.0;
    for (int64_t r = 0; r < rows; r++) {
        const T *zr = logits + r * cols;
        const int64_t c = target[r];
        double zsum;
        T m = NNC_FN(loss_row_lse)(cols, zr, &zsum);
        double log_z = log(zsum);
        /* -log softmax_c = (m - z_c) + log Z */
        acc += ((double)m - (double)zr[c]) + log_z;
        if (grad != NULL) {
            T *gr = grad + r * cols;
            T zt = (T)zsum;
            for (int64_t j = 0; j < cols; j++) {
                T pj = NNC_EXP(zr[j] - m) / zt;
                gr[j] = (j == c ? pj - NNC_LIT(1.0) : pj) / gdiv;
            }
        }
    }
    if (reduction == NNC_REDUCTION_SUM)
        *value = (T)acc;
    else
        *value = rows > 0 ? (T)(acc / (double)rows) : (T)NAN;
    return NNC_STATUS_OK;
}

#undef NNC_LOG_LOSS_EPS_
