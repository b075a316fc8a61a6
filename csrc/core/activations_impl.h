/* Activation kernels written once against T; activations.c includes this file
 * once per dtype (see nnc_tmpl.h).  No include guard on purpose.
 *
 * Each activation <name> has a forward and a backward with a common signature,
 *     act_<name>_fwd(rows, cols, x, y, alpha)
 *     act_<name>_bwd(rows, cols, x, y_or_NULL, dy, dx, alpha, dalpha)
 * so that nnc_act_forward / nnc_act_backward dispatch through tables generated
 * from ops.def: an activation added there without its two functions here is a
 * compile error, not a silent gap.
 *
 * Conventions shared by every activation:
 *  - dx = dy * act'(x) with IEEE products, so an infinite dy times a zero
 *    derivative gives NaN, exactly as the NumPy expression dy * f'(x) would;
 *  - a NaN input gives a NaN output and a NaN dx (never a silent 0), except
 *    for identity, whose derivative 1 does not depend on x;
 *  - kinks: step' = 0, relu'(0) = 0, leaky_relu'(0) = prelu'(0) = alpha,
 *    elu'(0) = alpha, selu'(0) = lambda * alpha (the left-hand derivative, so the
 *    four "x <= 0" branches agree);
 *  - in-place use: y may alias x and dx may alias dy (each loop reads element i
 *    before it writes element i; the row kernels finish every read of a row's
 *    input that a later write could clobber first);
 *  - sums (softmax row sums, prelu's dalpha) accumulate in double in the fixed
 *    order of reduce_impl.h, so they repeat bit for bit and float32 loses no
 *    accuracy to them. */

#include "reduce_impl.h"

/* ---------------- scalar helpers ---------------- */

/* 1 / (1 + exp(-x)) without overflow and without a branch on the sign
 * (vmath_impl.h): sigmoid(-1000) = 0 and sigmoid(1000) = 1 exactly; NaN stays
 * NaN. */
static inline T NNC_FN(nnc_sigmoid_scalar)(T x)
{
    return NNC_SIGMOID(x);
}

/* Elements per chunk of the stack buffers the backward passes use when the
 * forward output is not given. */
#define NNC_ACT_CHUNK_ 256

/* 1 for x > 0, 0 for x <= 0, NaN for NaN: the derivative factor of relu. */
static inline T NNC_FN(act_pos_indicator)(T x)
{
    /* Two flat selects rather than nested ones: GCC vectorises this form
     * (blends), while the nested form compiles to unpredictable branches. */
    T f = x > 0 ? NNC_LIT(1.0) : NNC_LIT(0.0);
    return x == x ? f : x;
}

#define NNC_SELU_LAMBDA_ NNC_LIT(1.0507009873554804934)
#define NNC_SELU_ALPHA_ NNC_LIT(1.6732632423543772848)

/* Elementwise loops touch rows*cols values; the dispatcher has checked that the
 * product fits in int64_t. */

/* ---------------- identity ---------------- */
static void NNC_FN(act_identity_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    (void)alpha;
    const int64_t n = rows * cols;
    if (y == x)
        return;
#pragma omp simd
    for (int64_t i = 0; i < n; i++)
        y[i] = x[i];
}

static void NNC_FN(act_identity_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                     const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)y;
    (void)dalpha;
    const int64_t n = rows * cols;
    /* Identity' = 1 for every x, NaN included: dx = dy * 1 = dy. */
    (void)x;
    if (dx == dy)
        return;
#pragma omp simd
    for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i];
}

/* ---------------- step (Heaviside, 0 at 0) ---------------- */
static void NNC_FN(act_step_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    (void)alpha;
    const int64_t n = rows * cols;
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T v = x[i];
        y[i] = v > 0 ? NNC_LIT(1.0) : (v <= 0 ? NNC_LIT(0.0) : v);
    }
}

static void NNC_FN(act_step_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                 const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)y;
    (void)dalpha;
    const int64_t n = rows * cols;
    /* step' = 0 everywhere it exists (and is taken as 0 at the jump). */
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T v = x[i];
        dx[i] = dy[i] * (v == v ? NNC_LIT(0.0) : v);
    }
}

/* ---------------- sigmoid ---------------- */
static void NNC_FN(act_sigmoid_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    (void)alpha;
    NNC_VM(sigmoid)(nnc_isa_best(), rows * cols, x, y);
}

static void NNC_FN(act_sigmoid_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                    const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)dalpha;
    const int64_t n = rows * cols;
    /* sigma' = sigma (1 - sigma), from the forward output when we have it. */
    if (y != NULL) {
#pragma omp simd
        for (int64_t i = 0; i < n; i++) {
            T s = y[i];
            dx[i] = dy[i] * (s * (NNC_LIT(1.0) - s));
        }
    }
    else {
        T buf[NNC_ACT_CHUNK_];
        const nnc_isa_t isa = nnc_isa_best();
        for (int64_t i0 = 0; i0 < n; i0 += NNC_ACT_CHUNK_) {
            const int64_t c = n - i0 < NNC_ACT_CHUNK_ ? n - i0 : NNC_ACT_CHUNK_;
            NNC_VM(sigmoid)(isa, c, x + i0, buf);
#pragma omp simd
            for (int64_t i = 0; i < c; i++) {
                T s = buf[i];
                dx[i0 + i] = dy[i0 + i] * (s * (NNC_LIT(1.0) - s));
            }
        }
    }
}

/* ---------------- tanh ---------------- */
static void NNC_FN(act_tanh_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    (void)alpha;
    NNC_VM(tanh)(nnc_isa_best(), rows * cols, x, y);
}

static void NNC_FN(act_tanh_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                 const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)dalpha;
    const int64_t n = rows * cols;
    /* tanh' = 1 - tanh^2. */
    if (y != NULL) {
#pragma omp simd
        for (int64_t i = 0; i < n; i++) {
            T t = y[i];
            dx[i] = dy[i] * (NNC_LIT(1.0) - t * t);
        }
        return;
    }
    T buf[NNC_ACT_CHUNK_];
    const nnc_isa_t isa = nnc_isa_best();
    for (int64_t i0 = 0; i0 < n; i0 += NNC_ACT_CHUNK_) {
        const int64_t c = n - i0 < NNC_ACT_CHUNK_ ? n - i0 : NNC_ACT_CHUNK_;
        NNC_VM(tanh)(isa, c, x + i0, buf);
#pragma omp simd
        for (int64_t i = 0; i < c; i++) {
            T t = buf[i];
            dx[i0 + i] = dy[i0 + i] * (NNC_LIT(1.0) - t * t);
        }
    }
}

/* ---------------- relu ---------------- */
static void NNC_FN(act_relu_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    (void)alpha;
    const int64_t n = rows * cols;
    /* "v < 0 ? 0 : v" (not "v > 0 ? v : 0") so that NaN passes through. */
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T v = x[i];
        y[i] = v < 0 ? NNC_LIT(0.0) : v;
    }
}

static void NNC_FN(act_relu_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                 const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)y;
    (void)dalpha;
    const int64_t n = rows * cols;
#pragma omp simd
    for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * NNC_FN(act_pos_indicator)(x[i]);
}

/* ---------------- leaky relu and prelu: alpha x for x < 0 ---------------- */
static void NNC_FN(act_leaky_relu_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    const int64_t n = rows * cols;
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        /* v * f with flat selects of the factor (see act_pos_indicator):
         * v * 1 = v, -0 stays -0, NaN stays NaN.  "v < 0 ? alpha * v : v"
         * keeps a branch (GCC does not speculate a trapping product), and
         * the loop was scalar on aarch64 (tools/check_neon.py). */
        T v = x[i];
        T f = v < 0 ? alpha : NNC_LIT(1.0);
        y[i] = v * (v == v ? f : v);
    }
}

static void NNC_FN(act_leaky_relu_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                       const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)y;
    (void)dalpha;
    const int64_t n = rows * cols;
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T v = x[i];
        T f = v > 0 ? NNC_LIT(1.0) : alpha; /* flat selects: see act_pos_indicator */
        dx[i] = dy[i] * (v == v ? f : v);
    }
}

static void NNC_FN(act_prelu_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    NNC_FN(act_leaky_relu_fwd)(rows, cols, x, y, alpha);
}

static void NNC_FN(act_prelu_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                  const T *dy, T *dx, T alpha, T *dalpha)
{
    const int64_t n = rows * cols;
    /* d y / d alpha = min(x, 0), so d loss / d alpha = sum(dy * min(x, 0)).
     * It is summed before dx is written because dx may alias dy. */
    if (dalpha != NULL) {
        double lane[NNC_RED_LANES];
        nnc_red_init_f64(lane);
        NNC_RED_FOR(n, i, l, {
            T v = x[i];
            T m = v < 0 ? v : (v >= 0 ? NNC_LIT(0.0) : v);
            lane[l] = lane[l] + (double)(dy[i] * m);
        });
        *dalpha = (T)nnc_red_combine_f64(lane, n);
    }
    NNC_FN(act_leaky_relu_bwd)(rows, cols, x, y, dy, dx, alpha, NULL);
}

/* ---------------- elu and selu ---------------- */
static void NNC_FN(act_elu_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    const int64_t n = rows * cols;
    /* expm1 keeps the small-|x| values accurate: exp(x) - 1 would cancel. */
    for (int64_t i = 0; i < n; i++) {
        T v = x[i];
        y[i] = v < 0 ? alpha * NNC_EXPM1(v) : v;
    }
}

static void NNC_FN(act_elu_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)y;
    (void)dalpha;
    const int64_t n = rows * cols;
    for (int64_t i = 0; i < n; i++) {
        T v = x[i];
        dx[i] = dy[i] * (v > 0 ? NNC_LIT(1.0) : alpha * NNC_EXP(v));
    }
}

static void NNC_FN(act_selu_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    (void)alpha;
    const int64_t n = rows * cols;
    for (int64_t i = 0; i < n; i++) {
        T v = x[i];
        y[i] = NNC_SELU_LAMBDA_ * (v < 0 ? NNC_SELU_ALPHA_ * NNC_EXPM1(v) : v);
    }
}

static void NNC_FN(act_selu_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                 const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)y;
    (void)dalpha;
    const int64_t n = rows * cols;
    for (int64_t i = 0; i < n; i++) {
        T v = x[i];
        T d = v > 0 ? NNC_LIT(1.0) : NNC_SELU_ALPHA_ * NNC_EXP(v);
        dx[i] = dy[i] * (NNC_SELU_LAMBDA_ * d);
    }
}

/* ---------------- softplus: log(1 + exp(x)) ---------------- */
/* max(x, 0) + log1p(exp(-|x|)): exp never sees a positive argument, so
 * softplus(1000) = 1000 and softplus(-1000) = 0 exactly; NaN stays NaN (it
 * reaches log1p(exp(NaN))). */
static void NNC_FN(act_softplus_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    (void)alpha;
    const int64_t n = rows * cols;
    for (int64_t i = 0; i < n; i++) {
        const T xi = x[i];
        y[i] = (xi > 0 ? xi : NNC_LIT(0.0)) + NNC_LOG1P(NNC_EXP(-NNC_FABS(xi)));
    }
}

/* softplus' = sigmoid. */
static void NNC_FN(act_softplus_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                     const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)y;
    (void)dalpha;
    const int64_t n = rows * cols;
    for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * NNC_FN(nnc_sigmoid_scalar)(x[i]);
}

/* ---------------- softmax and log_softmax (row-wise) ---------------- */

/* Row maximum.  A NaN anywhere makes every later comparison false, which is
 * harmless: the NaN still reaches every output through the row sum. */
static inline T NNC_FN(act_row_max)(int64_t cols, const T *x)
{
    T m = x[0];
    for (int64_t j = 1; j < cols; j++)
        if (x[j] > m)
            m = x[j];
    return m;
}

/* sum_j exp(x_j - m), in the fixed order. */
static inline double NNC_FN(act_row_expsum)(int64_t cols, const T *x, T m)
{
    return NNC_FN(nnc_red_expsum)(cols, x, m, NULL);
}

/* sum_j a_j (b == NULL) or sum_j a_j b_j (each product rounded to T), in double
 * and in the fixed order. */
static inline double NNC_FN(act_row_sum)(int64_t cols, const T *a, const T *b)
{
    double lane[NNC_RED_LANES];
    nnc_red_init_f64(lane);
    if (b == NULL)
        NNC_RED_FOR(cols, j, l, lane[l] = lane[l] + (double)a[j];);
    else
        NNC_RED_FOR(cols, j, l, lane[l] = lane[l] + (double)(a[j] * b[j]););
    return nnc_red_combine_f64(lane, cols);
}

static void NNC_FN(act_softmax_fwd)(int64_t rows, int64_t cols, const T *x, T *y, T alpha)
{
    (void)alpha;
    if (cols == 0)
        return;
    for (int64_t r = 0; r < rows; r++) {
        const T *xr = x + r * cols;
        T *yr = y + r * cols;
        T m = NNC_FN(act_row_max)(cols, xr);
        /* Subtracting the maximum keeps every exponent <= 0: no overflow, and
         * at least one term is exp(0) = 1, so the sum is >= 1.  y[j] receives
         * exp(x_j - m) (each chunk of x is read before it is written). */
        T st = (T)NNC_FN(nnc_red_expsum)(cols, xr, m, yr);
        for (int64_t j = 0; j < cols; j++)
            yr[j] = yr[j] / st;
    }
}

static void NNC_FN(act_log_softmax_fwd)(int64_t rows, int64_t cols, const T *x, T *y,
                                        T alpha)
{
    (void)alpha;
    if (cols == 0)
        return;
    for (int64_t r = 0; r < rows; r++) {
        const T *xr = x + r * cols;
        T *yr = y + r * cols;
        T m = NNC_FN(act_row_max)(cols, xr);
        /* log softmax_j = (x_j - m) - log sum_k exp(x_k - m); the sum is >= 1,
         * so its log is finite and never cancels catastrophically. */
        T lse = (T)nnc_vm_log_d(NNC_FN(act_row_expsum)(cols, xr, m));
        for (int64_t j = 0; j < cols; j++)
            yr[j] = (xr[j] - m) - lse;
    }
}

static void NNC_FN(act_softmax_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                    const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)dalpha;
    if (cols == 0)
        return;
    /* Jacobian-vector product of softmax: dx_j = y_j (dy_j - sum_k dy_k y_k). */
    for (int64_t r = 0; r < rows; r++) {
        const T *xr = x + r * cols;
        const T *dyr = dy + r * cols;
        T *dxr = dx + r * cols;
        if (y != NULL) {
            const T *yr = y + r * cols;
            T st = (T)NNC_FN(act_row_sum)(cols, dyr, yr);
            for (int64_t j = 0; j < cols; j++)
                dxr[j] = yr[j] * (dyr[j] - st);
        }
        else {
            /* Recompute y_j = exp(x_j - m) / Z on the fly: no workspace. */
            T m = NNC_FN(act_row_max)(cols, xr);
            T z = (T)NNC_FN(act_row_expsum)(cols, xr, m);
            double lane[NNC_RED_LANES];
            nnc_red_init_f64(lane);
            NNC_RED_FOR_COMPACT(cols, j, l,
                        lane[l] = lane[l] + (double)(dyr[j] * (NNC_EXP(xr[j] - m) / z)););
            T st = (T)nnc_red_combine_f64(lane, cols);
            for (int64_t j = 0; j < cols; j++) {
                T yj = NNC_EXP(xr[j] - m) / z;
                dxr[j] = yj * (dyr[j] - st);
            }
        }
    }
}

static void NNC_FN(act_log_softmax_bwd)(int64_t rows, int64_t cols, const T *x, const T *y,
                                        const T *dy, T *dx, T alpha, T *dalpha)
{
    (void)alpha;
    (void)dalpha;
    if (cols == 0)
        return;
    /* d log softmax_j / d x_k = [j == k] - softmax_k, so
     * dx_k = dy_k - softmax_k * sum_j dy_j. */
    for (int64_t r = 0; r < rows; r++) {
        const T *xr = x + r * cols;
        const T *dyr = dy + r * cols;
        T *dxr = dx + r * cols;
        T st = (T)NNC_FN(act_row_sum)(cols, dyr, NULL);
        if (y != NULL) {
            const T *yr = y + r * cols;
            for (int64_t j = 0; j < cols; j++)
                dxr[j] = dyr[j] - NNC_EXP(yr[j]) * st;
        }
        else {
            T m = NNC_FN(act_row_max)(cols, xr);
            T z = (T)NNC_FN(act_row_expsum)(cols, xr, m);
            for (int64_t j = 0; j < cols; j++)
                dxr[j] = dyr[j] - (NNC_EXP(xr[j] - m) / z) * st;
        }
    }
}

/* ---------------- dispatch, generated from ops.def ---------------- */

typedef void (*NNC_FN(act_fwd_fn))(int64_t, int64_t, const T *, T *, T);
typedef void (*NNC_FN(act_bwd_fn))(int64_t, int64_t, const T *, const T *, const T *, T *, T,
                                   T *);

#define NNC_X_ACT_FWD(E, name, ...) [NNC_ACT_##E] = NNC_FN(act_##name##_fwd),
#define NNC_X_ACT_BWD(E, name, ...) [NNC_ACT_##E] = NNC_FN(act_##name##_bwd),
static const NNC_FN(act_fwd_fn) NNC_FN(act_fwd_table)[NNC_ACT_COUNT] = {
    NNC_ACTIVATIONS(NNC_X_ACT_FWD)};
static const NNC_FN(act_bwd_fn) NNC_FN(act_bwd_table)[NNC_ACT_COUNT] = {
    NNC_ACTIVATIONS(NNC_X_ACT_BWD)};
#undef NNC_X_ACT_FWD
#undef NNC_X_ACT_BWD

nnc_status_t NNC_FN(nnc_act_forward)(nnc_act_t act, int64_t rows, int64_t cols, const T *x,
                                     T *y, T alpha)
{
    int64_t n;
    if ((int)act < 0 || act >= NNC_ACT_COUNT || rows < 0 || cols < 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (nnc_mul_i64(rows, cols, &n) != 0)
        return NNC_STATUS_OVERFLOW;
    if (n == 0)
        return NNC_STATUS_OK;
    if (x == NULL || y == NULL)
        return NNC_STATUS_INVALID_ARGUMENT;
    NNC_FN(act_fwd_table)[act](rows, cols, x, y, alpha);
    return NNC_STATUS_OK;
}

nnc_status_t NNC_FN(nnc_act_backward)(nnc_act_t act, int64_t rows, int64_t cols, const T *x,
                                      const T *y, const T *dy, T *dx, T alpha, T *dalpha)
{
    int64_t n;
    if ((int)act < 0 || act >= NNC_ACT_COUNT || rows < 0 || cols < 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (nnc_mul_i64(rows, cols, &n) != 0)
        return NNC_STATUS_OVERFLOW;
    /* Activations without a trainable alpha report d alpha = 0. */
    if (dalpha != NULL)
        *dalpha = NNC_LIT(0.0);
    if (n == 0)
        return NNC_STATUS_OK;
    if (x == NULL || dy == NULL || dx == NULL)
        return NNC_STATUS_INVALID_ARGUMENT;
    NNC_FN(act_bwd_table)[act](rows, cols, x, y, dy, dx, alpha, dalpha);
    return NNC_STATUS_OK;
}

#undef NNC_ACT_CHUNK_
#undef NNC_SELU_LAMBDA_
#undef NNC_SELU_ALPHA_
