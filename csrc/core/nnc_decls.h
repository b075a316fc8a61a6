/* Declarations of every dtype-generic kernel, written once against T.
 * Included twice by nnc_core.h (float64 then float32).  No include guard.
 *
 * Unless a comment says otherwise: arrays are contiguous, outputs may not alias
 * inputs, sizes are checked and a status returned.  "n" counts elements. */

/* ======================= matrix ======================= */

/* C = alpha * op(A) @ op(B) + beta * C, row-major.
 * op(A) is m x k (A is k x m when trans_a), op(B) is k x n (B is n x k when
 * trans_b); lda/ldb/ldc are leading dimensions of A, B, C as stored.
 * beta == 0 overwrites C without reading it (NaN in C is ignored, as BLAS does).
 * threads >= 1 is the most threads the call may use; results are bit-identical
 * for every thread count.  C must not alias A or B. */
nnc_status_t NNC_FN(nnc_gemm)(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                              T alpha, const T *a, int64_t lda, const T *b, int64_t ldb,
                              T beta, T *c, int64_t ldc, int threads);

/* y = alpha * op(A) @ x + beta * y; op(A) is m x n (A is n x m when trans_a).
 * beta == 0 overwrites y. */
nnc_status_t NNC_FN(nnc_gemv)(int trans_a, int64_t m, int64_t n, T alpha, const T *a,
                              int64_t lda, const T *x, T beta, T *y);

/* sum_i x[i] * y[i], in a fixed order for a given n. */
T NNC_FN(nnc_dot)(int64_t n, const T *x, const T *y);

/* y += alpha * x. */
void NNC_FN(nnc_axpy)(int64_t n, T alpha, const T *x, T *y);

/* z = x + y (z may alias x or y). */
void NNC_FN(nnc_add)(int64_t n, const T *x, const T *y, T *z);

/* y = alpha * x (y may alias x). */
void NNC_FN(nnc_scale)(int64_t n, T alpha, const T *x, T *y);

/* B = A^T: A is rows x cols (leading dim lda), B is cols x rows (ldb). */
nnc_status_t NNC_FN(nnc_transpose)(int64_t rows, int64_t cols, const T *a, int64_t lda,
                                   T *b, int64_t ldb);

/* ======================= activations ======================= */

/* y = act(x) for a contiguous rows x cols block.  Elementwise activations treat
 * it as rows*cols values; softmax and log_softmax work along each row (stable:
 * the row maximum is subtracted first).  `alpha` is the slope of leaky_relu and
 * prelu and the scale of elu; ignored by the others.  y may alias x. */
nnc_status_t NNC_FN(nnc_act_forward)(nnc_act_t act, int64_t rows, int64_t cols, const T *x,
                                     T *y, T alpha);

/* dx = dy * act'(x) (for softmax / log_softmax: the row-wise Jacobian-vector
 * product).  x is the forward input; y the forward output when the caller has it
 * (saves recomputing it), else NULL.  For prelu, *dalpha (when not NULL) is set
 * to sum(dy * min(x, 0)) -- the gradient with respect to the shared alpha.
 * Conventions at kinks: step' = 0, relu'(0) = 0, leaky/prelu'(0) = alpha.
 * dx may alias dy. */
nnc_status_t NNC_FN(nnc_act_backward)(nnc_act_t act, int64_t rows, int64_t cols, const T *x,
                                      const T *y, const T *dy, T *dx, T alpha, T *dalpha);

/* ======================= losses ======================= */

/* *value = loss(pred, target) reduced as p->reduction says; when grad is not
 * NULL it receives d value / d pred (rows x cols, same reduction scaling).
 * Targets are dense rows x cols: 0/1 labels for log_loss, perceptron and hinge
 * (hinge maps them to -1/+1), probability rows for cross_entropy and kl.
 * Log arguments are clamped; log_loss_with_logits and cross_entropy use the
 * stable log-sigmoid / log-softmax forms. */
nnc_status_t NNC_FN(nnc_loss)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                              const T *pred, const T *target, T *value, T *grad);

/* The loss before reduction, for callers that scale the gradient themselves
 * (the training engine divides each parameter gradient once, rather than
 * every element of grad): *sum = the sum of the per-element (per-row for
 * cross_entropy and kl_divergence) losses, in double, in the fixed order of
 * reduce_impl.h; *count = what "mean" divides by (rows * cols, or rows for the
 * row losses); grad (when not NULL) = d sum / d pred, whatever p->reduction
 * says.  nnc_loss's value is (T)(sum / count) for "mean", (T)sum for "sum". */
nnc_status_t NNC_FN(nnc_loss_sum)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                  const T *pred, const T *target, double *sum, int64_t *count,
                                  T *grad);

/* Softmax cross-entropy of logits (rows x cols) against class indices
 * (rows values in [0, cols)); grad as nnc_loss. */
nnc_status_t NNC_FN(nnc_cross_entropy_index)(nnc_reduction_t reduction, int64_t rows,
                                             int64_t cols, const T *logits,
                                             const int64_t *target, T *value, T *grad);

/* ======================= penalties ======================= */

/* sum |w| and sum w^2 (fixed order). */
T NNC_FN(nnc_l1_penalty)(int64_t n, const T *w);
T NNC_FN(nnc_l2_penalty)(int64_t n, const T *w);
/* g += scale * sign(w) (sign(0) = 0) and g += scale * 2 w. */
void NNC_FN(nnc_l1_penalty_grad)(int64_t n, const T *w, T scale, T *g);
void NNC_FN(nnc_l2_penalty_grad)(int64_t n, const T *w, T scale, T *g);

/* ======================= optimizer steps ======================= */
/* All update w in place; state arrays (v, m) belong to the caller. */

/* w -= lr * g */
void NNC_FN(nnc_sgd_step)(int64_t n, T *w, const T *g, T lr);
/* v = mu * v - lr * g; w += v */
void NNC_FN(nnc_momentum_step)(int64_t n, T *w, const T *g, T *v, T lr, T mu);
/* Adam (Kingma & Ba 2015, Algorithm 1), t counts from 1:
 * m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 * m_hat = m / (1 - b1^t);  v_hat = v / (1 - b2^t);
 * w -= lr * m_hat / (sqrt(v_hat) + eps)          (eps after the square root) */
nnc_status_t NNC_FN(nnc_adam_step)(int64_t n, T *w, const T *g, T *m, T *v, int64_t t, T lr,
                                   T beta1, T beta2, T eps);
/* RMSProp: v = rho v + (1 - rho) g^2;  w -= lr g / (sqrt(v) + eps) */
nnc_status_t NNC_FN(nnc_rmsprop_step)(int64_t n, T *w, const T *g, T *v, T lr, T rho, T eps);
/* The same four steps on an explicit instruction-set path (nnc_isa.h; it
 * must be available).  Every path gives the same bits; the plain functions
 * above take the widest. */
void NNC_FN(nnc_sgd_step_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g, T lr);
void NNC_FN(nnc_momentum_step_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g, T *v, T lr, T mu);
nnc_status_t NNC_FN(nnc_adam_step_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g, T *m, T *v,
                                       int64_t t, T lr, T beta1, T beta2, T eps);
nnc_status_t NNC_FN(nnc_rmsprop_step_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g, T *v, T lr,
                                          T rho, T eps);
/* Activations and losses on an explicit path, for the same tests
 * (activations.c, losses.c; nnc_dispatch.h). */
nnc_status_t NNC_FN(nnc_act_forward_isa)(nnc_isa_t isa, nnc_act_t act, int64_t rows,
                                         int64_t cols, const T *x, T *y, T alpha);
nnc_status_t NNC_FN(nnc_act_backward_isa)(nnc_isa_t isa, nnc_act_t act, int64_t rows,
                                          int64_t cols, const T *x, const T *y, const T *dy,
                                          T *dx, T alpha, T *dalpha);
nnc_status_t NNC_FN(nnc_loss_isa)(nnc_isa_t isa, const nnc_loss_params_t *p, int64_t rows,
                                  int64_t cols, const T *pred, const T *target, T *value,
                                  T *grad);

/* The ops.def update kernels, one signature for every GRADIENT optimizer:
 * w (n values) updated in place from g with state[0..n_states) (each n
 * values, owned by the caller) and hyper[0..n_hyper) in ops.def order, at
 * step t >= 1 (see optim_impl.h).  nnc_opt_update dispatches by enum
 * (INVALID_ARGUMENT for a PROBE optimizer, n < 0 or t < 1); the table is
 * what the engine steps with. */
typedef nnc_status_t (*NNC_FN(nnc_opt_update_fn))(int64_t n, T *w, const T *g, T *const *state,
                                                  const double *hyper, int64_t t);
#define NNC_X_OPT_DECL_GRADIENT_(name)                                                         \
    nnc_status_t NNC_FN(nnc_##name##_update)(int64_t n, T *w, const T *g, T *const *state,     \
                                             const double *hyper, int64_t t);
#define NNC_X_OPT_DECL_PROBE_(name)
#define NNC_X_OPT_DECL(E, name, cls, kind, ...) NNC_X_OPT_DECL_##kind##_(name)
NNC_OPTIMIZERS(NNC_X_OPT_DECL)
#undef NNC_X_OPT_DECL
#undef NNC_X_OPT_DECL_GRADIENT_
#undef NNC_X_OPT_DECL_PROBE_
extern const NNC_FN(nnc_opt_update_fn) NNC_FN(nnc_opt_update_table)[NNC_OPT_COUNT];
/* The same kernels at a given instruction-set level (nnc_<name>_update_isa;
 * the plain form asks nnc_isa_best on every call): the engine's table. */
typedef nnc_status_t (*NNC_FN(nnc_opt_update_isa_fn))(nnc_isa_t isa, int64_t n, T *w,
                                                      const T *g, T *const *state,
                                                      const double *hyper, int64_t t);
#define NNC_X_OPT_DECL_GRADIENT_(name)                                                         \
    nnc_status_t NNC_FN(nnc_##name##_update_isa)(nnc_isa_t isa, int64_t n, T *w, const T *g,   \
                                                 T *const *state, const double *hyper,         \
                                                 int64_t t);
#define NNC_X_OPT_DECL_PROBE_(name)
#define NNC_X_OPT_DECL(E, name, cls, kind, ...) NNC_X_OPT_DECL_##kind##_(name)
NNC_OPTIMIZERS(NNC_X_OPT_DECL)
#undef NNC_X_OPT_DECL
#undef NNC_X_OPT_DECL_GRADIENT_
#undef NNC_X_OPT_DECL_PROBE_
extern const NNC_FN(nnc_opt_update_isa_fn) NNC_FN(nnc_opt_update_isa_table)[NNC_OPT_COUNT];
/* A step's every parameter in one call (nnc_<name>_update_segs): seg[k] is n
 * values of w, g and each state array, updated as the _isa form would; the
 * hyper-parameters are rounded and checked once per call, not per block.
 * The engine plans the blocks once per fit (engine_plan_updates). */
typedef struct {
    int64_t n;
    T *w;
    const T *g;
    T *state[NNC_OPT_MAX_STATES];
} NNC_FN(nnc_opt_seg);
typedef nnc_status_t (*NNC_FN(nnc_opt_update_segs_fn))(nnc_isa_t isa, int64_t n_seg,
                                                       const NNC_FN(nnc_opt_seg) *seg,
                                                       const double *hyper, int64_t t);
#define NNC_X_OPT_DECL_GRADIENT_(name)                                                         \
    nnc_status_t NNC_FN(nnc_##name##_update_segs)(nnc_isa_t isa, int64_t n_seg,                \
                                                  const NNC_FN(nnc_opt_seg) *seg,              \
                                                  const double *hyper, int64_t t);
#define NNC_X_OPT_DECL_PROBE_(name)
#define NNC_X_OPT_DECL(E, name, cls, kind, ...) NNC_X_OPT_DECL_##kind##_(name)
NNC_OPTIMIZERS(NNC_X_OPT_DECL)
#undef NNC_X_OPT_DECL
#undef NNC_X_OPT_DECL_GRADIENT_
#undef NNC_X_OPT_DECL_PROBE_
extern const NNC_FN(nnc_opt_update_segs_fn) NNC_FN(nnc_opt_update_segs_table)[NNC_OPT_COUNT];
nnc_status_t NNC_FN(nnc_opt_update)(nnc_opt_t opt, int64_t n, T *w, const T *g, T *const *state,
                                    const double *hyper, int64_t t);

/* ======================= random fills ======================= */

/* out[i] = low + (high - low) * u, u uniform in [0, 1) with 53 (f64) or 24
 * (f32) random bits. */
void NNC_FN(nnc_rng_uniform_fill)(nnc_rng_t *rng, int64_t n, T *out, T low, T high);
/* out[i] = mean + std * z, z standard normal. */
void NNC_FN(nnc_rng_normal_fill)(nnc_rng_t *rng, int64_t n, T *out, T mean, T std);
/* Fills a fan_in x fan_out weight (n = fan_in * fan_out values) per `kind`;
 * a and b are the parameters the nnc_init_t comment names. */
nnc_status_t NNC_FN(nnc_init_fill)(nnc_rng_t *rng, nnc_init_t kind, int64_t fan_in,
                                   int64_t fan_out, int64_t n, T *out, double a, double b);
