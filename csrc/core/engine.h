/* nnc training engine: a whole training run (or an evaluation, or a loss
 * surface) in one call into C.
 *
 * Python describes the network as arrays of plain structs -- layers that refer
 * to parameters by index, parameters that point at the caller's buffers (the
 * NumPy arrays that ARE the weights, their gradients and the optimizer state) --
 * and the engine runs every epoch and step on them.  The engine owns nothing
 * but a workspace it allocates once per call and frees on every exit path; it
 * keeps no global state, so independent calls may run concurrently on
 * different networks.
 *
 * Data layout: X is n x in_features and Y is n x out_features, row-major and
 * contiguous, in the network's dtype.  A parameter buffer holds `size` values
 * of that dtype.  All buffers must stay valid and unaliased for the call
 * (fit checks that the buffers it writes are pairwise distinct).
 *
 * Cancellation: fit, eval and loss_surface poll `poll(poll_ctx)` (when not
 * NULL) inside long passes -- between blocks of GEMM rows, activation rows
 * and layers, and between the chunks of the starting-loss pass -- so a
 * request to stop is seen within a few milliseconds of work whatever the
 * batch size.  A nonzero return abandons the current step (parameters,
 * optimizer state and records keep the last completed step) and returns
 * NNC_STATUS_INTERRUPTED.
 *
 * On NNC_STATUS_INVALID_ARGUMENT from fit or eval, `bad_field` (when not
 * NULL) names the offending field ("threads", "shuffle_rng", "order",
 * "params[].grad", ...) and `bad_param` the parameter index (or -1). */
#ifndef NNC_ENGINE_H
#define NNC_ENGINE_H

#include "nnc_core.h"
#include "gemm.h" /* nnc_poll_t */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NNC_LAYER_DENSE = 0,     /* Y = X @ W + b; W is in x out, b has out values */
    NNC_LAYER_ACTIVATION = 1 /* Y = act(X), in == out */
} nnc_layer_kind_t;

/* One trainable array and its companions (same size and dtype). */
typedef struct {
    void *data;     /* the values, updated in place by fit */
    void *grad;     /* d objective / d data, overwritten by every backward pass */
    void *state[NNC_OPT_MAX_STATES]; /* the optimizer's state arrays (ops.def STATES order);
                                      * the first n_states must be non-NULL */
    int64_t size;   /* number of values */
    int penalized;  /* 1 when L1/L2 apply (Dense weights; not biases, not alpha) */
} nnc_param_t;

typedef struct {
    nnc_layer_kind_t kind;
    int64_t in, out;  /* features in and out (equal for activations) */
    nnc_act_t act;    /* activations: which one */
    double alpha;     /* leaky_relu slope / elu scale; prelu reads its parameter */
    int64_t weight;   /* Dense: index of W in params; PReLU: index of alpha (size 1); else -1 */
    int64_t bias;     /* Dense with bias: index of b; else -1 */
} nnc_layer_t;

typedef struct {
    int f32;                     /* 0: float64 buffers, 1: float32 buffers */
    int64_t n_layers;
    const nnc_layer_t *layers;
    int64_t n_params;
    const nnc_param_t *params;
} nnc_net_t;

/* Called after every completed step with the number of completed epochs and
 * steps; a nonzero return stops the run at that step boundary with
 * NNC_STATUS_INTERRUPTED.  It runs on the engine's thread, so it must be cheap
 * (the binding reads a clock and only occasionally does real work). */
typedef int (*nnc_engine_hook_t)(void *ctx, int64_t epochs_done, int64_t steps_done);

/* The order of a fit's sums over the rows of a batch (the loss value and the
 * parameter gradients).  NNC_SUM_FIXED is reduce_impl.h's order, the fast
 * default; the others replay a book's own loop bit for bit and cost speed:
 * they run one scalar chain per sum and bypass the fused top layer. */
typedef enum {
    NNC_SUM_FIXED = 0, /* 16 lanes, folded by halving (a sum of <= 32 terms: left to right) */
    NNC_SUM_DATA = 1,  /* one running sum in row order: ((t_0 + t_1) + t_2) + ... */
    NNC_SUM_PHARO = 2, /* Pharo's Collection>>sum: ((t_0 + t_0) + t_1 + ... + t_n-1) - t_0 */
    NNC_SUM_COUNT = 3
} nnc_sum_order_t;

/* Where a fit's activations take their exp and tanh.  NNC_TRANS_NNC is nnc's
 * own vectorised vmath (the fast default); NNC_TRANS_LIBM calls the C
 * library's exp / tanh (expf / tanhf for float32) once per value, in the
 * textbook scalar forms sigmoid = 1 / (1 + exp(-x)), sigmoid' = dy * s * (1 - s)
 * (left to right), tanh' = dy * (1 - t * t), and (with a replay sum order)
 * MSE's square as pow(r, 2), so that a fit replays code written with
 * Python's math.exp and ** bit for bit.  It covers Sigmoid and Tanh; the
 * other activations and losses that need exp or log are refused. */
typedef enum {
    NNC_TRANS_NNC = 0,
    NNC_TRANS_LIBM = 1,
    NNC_TRANS_COUNT = 2
} nnc_trans_t;

/* Everything one fit needs.  Fields marked "out" are written by the engine
 * (and kept current before every hook call). */
typedef struct {
    /* data */
    const void *x;          /* n x in */
    const void *y;          /* n x out (dense targets) */
    int64_t n;              /* samples, >= 1 */
    /* objective: loss + l1 * sum|W| + l2 * sum W^2 over penalized parameters */
    nnc_loss_params_t loss;
    double l1, l2;
    nnc_sum_order_t sum_order; /* order of the sums over a batch's rows (0: the default) */
    int mean_reciprocal;       /* "mean" losses: multiply each gradient sum by (T)(1 / count)
                                * (as code written "(1/n) * sum" does) instead of dividing */
    nnc_trans_t transcendentals; /* whose exp / tanh the activations call (0: nnc's) */
    /* optimizer: its hyper-parameters in ops.def order (checked by nnc_opt_check) */
    nnc_opt_t opt;
    double hyper[NNC_OPT_MAX_HYPER];
    int64_t *t;             /* step counter (>= 0; incremented by every completed step) */
    /* schedule */
    int64_t epochs;         /* >= 0 */
    int64_t batch_size;     /* 0: the whole sequence per step; else rows per step */
    const int64_t *order;   /* NULL, or order_len sample indices in [0, n): one epoch walks them */
    int64_t order_len;
    nnc_rng_t *shuffle_rng; /* NULL, or reshuffle 0..n-1 before every epoch (ignored with order) */
    int64_t shuffle_keep;   /* with shuffle_rng: an epoch walks the first shuffle_keep rows of
                             * its permutation (drop_last); 0: all n */
    /* divergence: stop when the step loss exceeds divergence * reference (<= 0 turns the
     * threshold off; NaN/inf always stop).  The reference is the objective over the whole
     * training set at the start (the first step's loss when one step covers the whole
     * set); when that is 0, the first positive step loss seen. */
    double divergence;
    /* records, preallocated by the caller (NULL = not recorded) */
    double *epoch_loss;     /* epochs values */
    double *step_loss;      /* epochs * steps_per_epoch values */
    void *param_record;     /* (total_steps + 1) x total parameter values, model dtype */
    /* progress */
    nnc_engine_hook_t hook; /* NULL or called after every step (see hook_countdown) */
    void *hook_ctx;
    /* NULL, or the hook's own step countdown: the caller promises that while
     * *hook_countdown > 1, a hook call would only decrement it and return 0,
     * so the engine may do just that in place of the call (a small step
     * then pays no call for its hook; issue 10).  NULL: every call made. */
    int64_t *hook_countdown;
    int threads;            /* passed to gemm; >= 1 */
    nnc_poll_t poll;        /* NULL, or polled inside long passes (see above) */
    void *poll_ctx;
    nnc_pool_t *pool;       /* NULL, or a worker pool the caller acquired (nnc_pool.h) whose
                             * threads the products use; never changes a result */
    /* out */
    int64_t epochs_done, steps_done, forward_passes;
    int64_t fail_epoch, fail_step; /* where a NONFINITE/DIVERGED stop happened */
    double fail_loss, reference_loss;
    const char *bad_field;  /* see above */
    int64_t bad_param;
} nnc_fit_t;

/* One pass over a data set with the current parameters. */
typedef struct {
    const void *x;          /* n x in */
    const void *y;          /* n x out, or NULL for a forward pass only */
    int64_t n;
    nnc_loss_params_t loss;
    double l1, l2;
    int want_grad;          /* fill every parameter's grad with d objective / d param */
    void *pred;             /* NULL or n x out: receives the network's output */
    int threads;
    nnc_poll_t poll;        /* NULL, or polled inside long passes (see above) */
    void *poll_ctx;
    nnc_pool_t *pool;       /* as in nnc_fit_t */
    double loss_value;      /* out: the objective (when y is given) */
    const char *bad_field;  /* out: see above */
} nnc_eval_t;

/* Checks a network description: layer widths chain, parameter indices and
 * sizes match their layers, buffers are non-NULL.  NNC_STATUS_OK or
 * NNC_STATUS_INVALID_ARGUMENT. */
nnc_status_t nnc_net_check(const nnc_net_t *net);

/* Sum of the parameter sizes (checked for overflow). */
nnc_status_t nnc_net_param_count(const nnc_net_t *net, int64_t *out);

/* Steps per epoch and total steps of a fit's schedule:
 * len = order_len when order is given, else n; steps_per_epoch =
 * ceil(len / batch_size) (1 when batch_size is 0 or >= len). */
nnc_status_t nnc_fit_schedule(int64_t n, int64_t order_len, int have_order, int64_t batch_size,
                              int64_t epochs, int64_t *steps_per_epoch, int64_t *total_steps);

/* The training run.  Returns OK, INTERRUPTED (hook), NONFINITE or DIVERGED
 * (fail_* filled; the parameters are those the failing step's forward pass
 * saw, i.e. the last completed step's result), or an argument/memory error
 * before any step.  Whatever the status, every completed step is reflected in
 * the parameters, the records and the out counters. */
nnc_status_t nnc_engine_fit(const nnc_net_t *net, nnc_fit_t *fit);

/* Forward pass (and loss, and gradients) over all n rows at once. */
nnc_status_t nnc_engine_eval(const nnc_net_t *net, nnc_eval_t *ev);

/* out[j * na + i] = objective with parameter (pa, ia) set to grid_a[i] and
 * (pb, ib) set to grid_b[j]; every other parameter held.  The two values are
 * restored before returning.  The hook (may be NULL) is called after every
 * grid point with (j, j * na + i + 1), and also polled inside a long grid
 * point with (j, j * na + i): a nonzero return stops with INTERRUPTED. */
nnc_status_t nnc_engine_loss_surface(const nnc_net_t *net, const void *x, const void *y,
                                     int64_t n, const nnc_loss_params_t *loss, double l1,
                                     double l2, int64_t pa, int64_t ia, int64_t pb, int64_t ib,
                                     int64_t na, const double *grid_a, int64_t nb,
                                     const double *grid_b, double *out, int threads,
                                     nnc_engine_hook_t hook, void *hook_ctx);

#ifdef __cplusplus
}
#endif
#endif /* NNC_ENGINE_H */
