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
 * Sums accumulate in double in the fixed order of reduce_impl.h (bit-
 * reproducible; float32 loses nothing to the accumulation).  NaN in pred or target gives a NaN value and
 * NaN gradient entries where it occurs.  Gradients divide by the count (not
 * multiply by its reciprocal) so that, e.g., mse's gradient is exactly
 * 2 * (pred - target) / N. */

#include "reduce_impl.h"
#include "loss_elem_impl.h"

/* The driver every elementwise loss shares (vec: see NNC_ELEMWISE_LOSSES).
 * gdiv == 1 skips the division (x / 1 == x exactly, so the result is the
 * same). */
#define NNC_LOSS_TERM_(name) (double)NNC_FN(loss_##name##_elem)(pred[i], target[i], k, &d)
#define NNC_LOSS_ELEMWISE_(E, name, vec)                                                     \
    static void NNC_FN(loss_##name)(const nnc_loss_params_t *p, int64_t rows, int64_t cols, \
                                    const T *pred, const T *target, double *sum, T *grad,   \
                                    T gdiv)                                                 \
    {                                                                                       \
        const int64_t n = rows * cols;                                                      \
        const T k = NNC_FN(loss_##name##_k)(p);                                             \
        double lane[NNC_RED_LANES];                                                         \
        nnc_red_init_f64(lane);                                                             \
        if (grad == NULL) {                                                                 \
            NNC_RED_FOR_IF(vec)(n, i, l, T d;                                               \
                                lane[l] = lane[l] + NNC_LOSS_TERM_(name););                 \
        }                                                                                   \
        else if (gdiv == NNC_LIT(1.0)) {                                                    \
            NNC_RED_FOR_IF(vec)(n, i, l, T d;                                               \
                                lane[l] = lane[l] + NNC_LOSS_TERM_(name);                   \
                                grad[i] = d;);                                              \
        }                                                                                   \
        else {                                                                              \
            NNC_RED_FOR_IF(vec)(n, i, l, T d;                                               \
                                lane[l] = lane[l] + NNC_LOSS_TERM_(name);                   \
                                grad[i] = d / gdiv;);                                       \
        }                                                                                   \
        *sum = nnc_red_combine_f64(lane, n);                                                \
    }

NNC_ELEMWISE_LOSSES(NNC_LOSS_ELEMWISE_)
#undef NNC_LOSS_ELEMWISE_
#undef NNC_LOSS_TERM_

/* ---------------- row losses ---------------- */

/* Row maximum m and Z = sum_j exp(z_j - m), the pieces of a stable
 * log-softmax: log softmax_j = (z_j - m) - log Z.  cols >= 1.  When e is
 * not NULL it receives the cols terms exp(z_j - m) (the gradient's row, so
 * the exponentials are computed once). */
static inline T NNC_FN(loss_row_lse)(int64_t cols, const T *z, double *zsum, T *e)
{
    T m = z[0];
    for (int64_t j = 1; j < cols; j++)
        if (z[j] > m)
            m = z[j];
    /* >= 1 (exp(0) is a term) unless NaN; e[j] = exp(z_j - m) when e != NULL */
    *zsum = NNC_FN(nnc_red_expsum)(cols, z, m, e);
    return m;
}

/* Rows per block of loss_rows_lse_block. */
#ifndef NNC_LSE_BLOCK_
#define NNC_LSE_BLOCK_ 16
#endif

/* loss_row_lse and log Z for rows [0, nb) (nb <= NNC_LSE_BLOCK_) of a
 * short row (cols <= NNC_RED_SHORT): e[r * cols + j] = exp(z_rj - m_r),
 * zsum[r] = that row's sum (lane 0 of the fixed order, left to right from
 * -0.0), logz[r] = log zsum[r].  The same bits as loss_row_lse and
 * nnc_vm_log_d row by row, with one exp call and one log call for the
 * block instead of one each per row, and the rows' sums side by side (their
 * adds were one dependent chain per row). */
static void NNC_FN(loss_rows_lse_block)(int64_t nb, int64_t cols, const T *z, T *m, double *zsum,
                                        double *logz, T *e)
{
    const nnc_isa_t isa = nnc_isa_best();
    for (int64_t r = 0; r < nb; r++) {
        const T *zr = z + r * cols;
        T mr = zr[0];
        for (int64_t j = 1; j < cols; j++)
            if (zr[j] > mr)
                mr = zr[j];
        m[r] = mr;
        for (int64_t j = 0; j < cols; j++)
            e[r * cols + j] = zr[j] - mr;
    }
    NNC_VM(exp)(isa, nb * cols, e, e);
    for (int64_t r = 0; r < nb; r++)
        zsum[r] = -0.0;
    for (int64_t j = 0; j < cols; j++)
        for (int64_t r = 0; r < nb; r++)
            zsum[r] = zsum[r] + (double)e[r * cols + j];
    nnc_vm_log_f64(isa, nb, zsum, logz);
}

/* cross_entropy with probability rows t: -sum_j t_j log softmax(z)_j.
 * d/dz_k = softmax_k * sum_j t_j - t_k (the row sum of t is 1 for a proper
 * distribution, giving the familiar softmax - t).  Terms with t_j = 0 are
 * skipped (0 log 0 = 0), so a -inf logit with zero target costs nothing.
 * Each row's loss and target sum are fixed-order sums over its columns; the
 * row losses are then summed in the fixed order over rows. */
static void NNC_FN(loss_cross_entropy)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                       const T *z, const T *t, double *sum, T *grad, T gdiv)
{
    (void)p;
    double acc[NNC_RED_LANES];
    if (cols == 0) {
        *sum = 0.0;
        return;
    }
    /* short rows: the exp, sum and log of NNC_LSE_BLOCK_ rows at once */
    const int blocked = cols <= NNC_RED_SHORT;
    T bm[NNC_LSE_BLOCK_], be[NNC_LSE_BLOCK_ * NNC_RED_SHORT];
    double bsum[NNC_LSE_BLOCK_], blog[NNC_LSE_BLOCK_];
    nnc_red_init_f64(acc);
    NNC_RED_FOR_COMPACT(rows, r, lr, {
        const T *zr = z + r * cols;
        const T *tr = t + r * cols;
        double zsum, log_z, row[NNC_RED_LANES], ts[NNC_RED_LANES];
        T *gr = grad != NULL ? grad + r * cols : NULL;
        T m;
        if (blocked) {
            const int64_t b = r % NNC_LSE_BLOCK_;
            if (b == 0)
                NNC_FN(loss_rows_lse_block)(rows - r < NNC_LSE_BLOCK_ ? rows - r : NNC_LSE_BLOCK_,
                                            cols, zr, bm, bsum, blog, be);
            m = bm[b];
            zsum = bsum[b];
            log_z = blog[b];
            if (gr != NULL)
                memcpy(gr, be + b * cols, (size_t)cols * sizeof(T));
        }
        else {
            m = NNC_FN(loss_row_lse)(cols, zr, &zsum, gr);
            log_z = nnc_vm_log_d(zsum);
        }
        nnc_red_init_f64(row);
        nnc_red_init_f64(ts);
        NNC_RED_FOR_COMPACT(cols, j, l, {
            const T tj = tr[j];
            ts[l] = ts[l] + (double)tj;
            if (tj != 0)
                row[l] = row[l] + (double)tj * (((double)m - (double)zr[j]) + log_z);
        });
        acc[lr] = acc[lr] + nnc_red_combine_f64(row, cols);
        if (gr != NULL) {
            const T zt = (T)zsum;
            const T st = (T)nnc_red_combine_f64(ts, cols);
            for (int64_t j = 0; j < cols; j++) {
                T pj = gr[j] / zt; /* gr[j] holds exp(z_j - m) */
                gr[j] = (st * pj - tr[j]) / gdiv;
            }
        }
    });
    *sum = nnc_red_combine_f64(acc, rows);
}

/* kl_divergence(pred, target) = KL(target || pred)
 *   = sum_j t_j (log t_j - log pred_j), with 0 log 0 = 0,
 * computed as xlogy(t, t) - t log(pred) so that a NaN prediction still
 * propagates where t = 0 (0 * log(NaN) = NaN).  pred is clamped below at the
 * smallest normal number, so a zero prediction gives a large finite cost (and
 * gradient) instead of inf; ordinary small probabilities are untouched.
 * d/dpred_j = -t_j / pred_j (+0, not -0, where t_j = 0).  The value is one
 * fixed-order sum over all rows * cols terms. */
static void NNC_FN(loss_kl_divergence)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                       const T *pred, const T *t, double *sum, T *grad,
                                       T gdiv)
{
    (void)p;
    const int64_t n = rows * cols;
    const T tiny = NNC_T_MIN;
    double lane[NNC_RED_LANES];
    nnc_red_init_f64(lane);
    NNC_RED_FOR_COMPACT(n, i, l, {
        T ti = t[i];
        T pi = pred[i];
        T pc = pi < tiny ? tiny : pi; /* NaN passes through */
        T tlogt = ti != 0 ? ti * NNC_LOG(ti) : NNC_LIT(0.0);
        lane[l] = lane[l] + (double)(tlogt - ti * NNC_LOG(pc));
        if (grad != NULL)
            grad[i] = (NNC_LIT(0.0) - ti / pc) / gdiv;
    });
    *sum = nnc_red_combine_f64(lane, n);
}

/* ---------------- dispatch, generated from ops.def ---------------- */

typedef void (*NNC_FN(loss_fn))(const nnc_loss_params_t *, int64_t, int64_t, const T *,
                                const T *, double *, T *, T);

#define NNC_X_LOSS(E, name, ...) [NNC_LOSS_##E] = NNC_FN(loss_##name),
static const NNC_FN(loss_fn) NNC_FN(loss_table)[NNC_LOSS_COUNT] = {NNC_LOSSES(NNC_X_LOSS)};
#undef NNC_X_LOSS

/* Checks the arguments shared by nnc_loss and nnc_loss_sum; *count is what
 * "mean" divides by: rows for the row losses (ops.def FORM ROW), rows * cols
 * for the others (nnc_core.h). */
static nnc_status_t NNC_FN(loss_check)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                       const T *pred, const T *target, int64_t *count)
{
    int64_t n;
    if (nnc_loss_check_params(p) != NNC_STATUS_OK || rows < 0 || cols < 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (nnc_mul_i64(rows, cols, &n) != 0)
        return NNC_STATUS_OVERFLOW;
    if (n > 0 && (pred == NULL || target == NULL))
        return NNC_STATUS_INVALID_ARGUMENT;
    *count = nnc_loss_info[p->kind].rowwise ? rows : n;
    return NNC_STATUS_OK;
}

nnc_status_t NNC_FN(nnc_loss)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                              const T *pred, const T *target, T *value, T *grad)
{
    int64_t count;
    double sum;
    nnc_status_t st = NNC_FN(loss_check)(p, rows, cols, pred, target, &count);
    if (st != NNC_STATUS_OK)
        return st;
    if (value == NULL)
        return NNC_STATUS_INVALID_ARGUMENT;
    T gdiv = p->reduction == NNC_REDUCTION_MEAN ? (T)count : NNC_LIT(1.0);
    NNC_FN(loss_table)[p->kind](p, rows, cols, pred, target, &sum, grad, gdiv);
    if (p->reduction == NNC_REDUCTION_SUM)
        *value = (T)sum;
    else /* the mean of nothing is undefined: NaN, as NumPy's mean gives */
        *value = count > 0 ? (T)(sum / (double)count) : (T)NAN;
    return NNC_STATUS_OK;
}

nnc_status_t NNC_FN(nnc_loss_sum)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                  const T *pred, const T *target, double *sum, int64_t *count,
                                  T *grad)
{
    nnc_status_t st = NNC_FN(loss_check)(p, rows, cols, pred, target, count);
    if (st != NNC_STATUS_OK)
        return st;
    if (sum == NULL)
        return NNC_STATUS_INVALID_ARGUMENT;
    NNC_FN(loss_table)[p->kind](p, rows, cols, pred, target, sum, grad, NNC_LIT(1.0));
    return NNC_STATUS_OK;
}

nnc_status_t NNC_FN(nnc_cross_entropy_index)(nnc_reduction_t reduction, int64_t rows,
                                             int64_t cols, const T *logits,
                                             const int64_t *target, T *value, T *grad)
{
    int64_t n;
    double acc[NNC_RED_LANES];
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
    nnc_red_init_f64(acc);
    NNC_RED_FOR_COMPACT(rows, r, lr, {
        const T *zr = logits + r * cols;
        const int64_t c = target[r];
        double zsum;
        T *gr = grad != NULL ? grad + r * cols : NULL;
        T m = NNC_FN(loss_row_lse)(cols, zr, &zsum, gr);
        double log_z = nnc_vm_log_d(zsum);
        /* -log softmax_c = (m - z_c) + log Z */
        acc[lr] = acc[lr] + (((double)m - (double)zr[c]) + log_z);
        if (gr != NULL) {
            T zt = (T)zsum;
            for (int64_t j = 0; j < cols; j++) {
                T pj = gr[j] / zt; /* gr[j] holds exp(z_j - m) */
                gr[j] = (j == c ? pj - NNC_LIT(1.0) : pj) / gdiv;
            }
        }
    });
    const double sum = nnc_red_combine_f64(acc, rows);
    if (reduction == NNC_REDUCTION_SUM)
        *value = (T)sum;
    else
        *value = rows > 0 ? (T)(sum / (double)rows) : (T)NAN;
    return NNC_STATUS_OK;
}
