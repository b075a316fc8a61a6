/* nnc sweeps: K independent training runs ("replicas") of one architecture in
 * one call, each replica bit for bit the run nnc_engine_fit would make on its
 * own, whatever the thread count.
 *
 * A replica differs from the others only through its nnc_fit_t (data,
 * hyper-parameters, schedule, shuffle generator, records) and its rows of the
 * parameter and optimizer-state blocks.  Two routes run them:
 *  - interleaved ("lanes"): when every replica trains one Dense layer with one
 *    output (at most 16 inputs) under an elementwise loss, with SGD or
 *    Momentum, full-batch steps, no penalty and no parameter record, blocks of
 *    NNC_SWEEP_LANES replicas advance together step by step, the arithmetic of
 *    a replica running down one lane of a vector: the same operations in the
 *    same order as engine_impl.h's fused top layer, so the same bits;
 *  - per replica: every other case calls nnc_engine_fit once per replica.
 * Threads (the thread layer nnc_thread.h: POSIX or Win32) take blocks of
 * replicas from a shared counter; which thread runs a replica never changes
 * its arithmetic.
 *
 * Stopping: a replica whose loss is NaN/inf or passes its divergence
 * threshold stops alone (its status NONFINITE or DIVERGED, fail_* filled);
 * the others go on.  The hook (called on the calling thread only, between
 * steps and while it waits for the other threads) stops the whole sweep when
 * it returns nonzero: every replica keeps its completed steps, records and
 * counters, and one not yet started keeps status INTERRUPTED with 0 steps. */
#ifndef NNC_SWEEP_H
#define NNC_SWEEP_H

#include "engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Replicas per interleaved block. */
#define NNC_SWEEP_LANES 64

/* The hook of a sweep: nonzero stops every replica at its next step
 * boundary.  `done` counts finished replicas. */
typedef int (*nnc_sweep_hook_t)(void *ctx, int64_t done);

/* Columns of the per-replica hyper-parameter table: column i <
 * nnc_opt_info[opt].n_hyper is the optimizer's i-th hyper-parameter in its
 * ops.def order (the op table names them; the sweep restates none), then
 * l1, l2 and the divergence threshold. */
enum {
    NNC_SWEEP_L1 = NNC_OPT_MAX_HYPER, NNC_SWEEP_L2, NNC_SWEEP_DIVERGENCE, NNC_SWEEP_NHYPER
};

/* A replica's outcome in the `codes` table. */
enum {
    NNC_SWEEP_COMPLETED = 0, NNC_SWEEP_NONFINITE, NNC_SWEEP_DIVERGED, NNC_SWEEP_INTERRUPTED,
    NNC_SWEEP_ERROR
};
/* Columns of the per-replica counters table (int32 or int64). */
enum {
    NNC_SWEEP_EPOCHS = 0, NNC_SWEEP_STEPS, NNC_SWEEP_PASSES, NNC_SWEEP_FAIL_EPOCH,
    NNC_SWEEP_FAIL_STEP, NNC_SWEEP_NCOUNTERS
};
/* Columns of the fails table.  FINAL: the loss of the replica's last
 * completed epoch (NaN when none), the last entry of its epoch record. */
enum { NNC_SWEEP_FAIL_LOSS = 0, NNC_SWEEP_FINAL, NNC_SWEEP_NFAILS };

typedef struct {
    /* The architecture: layers, and per parameter its size and `penalized`
     * flag.  Its data/grad/state pointers are not used (each replica's come
     * from the blocks below), but must be non-NULL for nnc_net_check. */
    const nnc_net_t *net;
    int64_t k;          /* replicas, >= 0 */
    /* k x n_values values each (n_values = nnc_net_param_count), the
     * parameters flattened in parameter order; in: the starting values, out:
     * the final ones.  state1/state2 as the optimizer needs them (NULL
     * otherwise), zero for a fresh optimizer, updated in place. */
    void *params, *state1, *state2;
    /* What every replica shares: n, loss, opt, epochs, batch_size, order_len.
     * Its other inputs, records, hook and out fields are ignored. */
    nnc_fit_t base;
    /* Replica q reads X at x + q * x_stride values (x_stride 0: one shared
     * data set), y likewise, and its order (when order != NULL) at
     * order + q * order_stride. */
    const void *x, *y;
    int64_t x_stride, y_stride;
    const int64_t *order;
    int64_t order_stride;
    nnc_rng_t *rngs;        /* NULL, or k shuffle generators (advanced) */
    /* The hyper-parameter table by column: replica q's value of column c is
     * hyper[c][q * hyper_stride[c]] (stride 1: one value per replica, 0:
     * one shared value). */
    const double *hyper[NNC_SWEEP_NHYPER];
    int64_t hyper_stride[NNC_SWEEP_NHYPER];
    int64_t *adam_t;        /* NULL, or k Adam step counters */
    double *epoch_loss;     /* k x epochs, or NULL: no epoch record (the final loss only) */
    double *step_loss;      /* NULL, or k x (epochs * steps per epoch); needs epoch_loss */
    /* NULL, or k x (steps + 1) x n_values in the model's dtype: each replica's
     * parameters before its first step and after every step, as
     * nnc_engine_fit's param_record (rows after a replica stopped are left as
     * they were).  Runs every replica on the per-replica route. */
    void *param_record;
    /* out, every entry written when nnc_sweep_run returns OK or INTERRUPTED:
     * k codes (NNC_SWEEP_COMPLETED, ...); k x NNC_SWEEP_NCOUNTERS counters in
     * exactly one of counters32 (when every count fits: the binding's rule
     * is steps < (INT32_MAX - 4) / 4) and counters64; k x NNC_SWEEP_NFAILS
     * fails (fail_loss is 0 for a replica that did not stop alone).  Compact
     * on purpose: for 10,000 tiny replicas, writing them costs as much as
     * training. */
    int8_t *codes;
    int32_t *counters32;
    int64_t *counters64;
    double *fails;
    int threads;            /* >= 1 */
    int allow_lanes;        /* 0 forces the per-replica route (for tests) */
    nnc_sweep_hook_t hook;
    void *hook_ctx;
    /* out */
    int64_t done;           /* replicas that ran to their end or stopped alone */
    int used_lanes;         /* the interleaved route ran */
} nnc_sweep_t;

/* Runs every replica.  Returns OK (each replica's own outcome is in its
 * counters), INTERRUPTED (the hook stopped the sweep), or an argument,
 * overflow or memory error found before any replica ran. */
nnc_status_t nnc_sweep_run(nnc_sweep_t *s);

#ifdef __cplusplus
}
#endif
#endif /* NNC_SWEEP_H */
