/* nnc core: the public contract of the pure-C11 arithmetic library.
 *
 * Nothing here knows about Python.  Conventions every kernel follows:
 *  - matrices are row-major views: data pointer, rows, cols, leading dimension
 *    (the distance in elements between the starts of two rows, >= cols);
 *  - sizes and leading dimensions are int64_t; a kernel checks them (negative
 *    sizes, ld < cols, products that overflow) and returns a status, never aborts;
 *  - every kernel exists as _f32 and _f64, generated from one body (nnc_tmpl.h);
 *  - no global mutable state: RNG state, workspaces and optimizer state belong to
 *    the caller and are passed in;
 *  - reductions run in a fixed order for a given size, so results repeat bit for
 *    bit from run to run and do not depend on the thread count. */
#ifndef NNC_CORE_H
#define NNC_CORE_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "nnc_port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NNC_STATUS_OK = 0,
    NNC_STATUS_INVALID_ARGUMENT, /* a size, stride or hyper-parameter out of range */
    NNC_STATUS_OVERFLOW,         /* a size product does not fit in int64_t / size_t */
    NNC_STATUS_NO_MEMORY,        /* an allocation failed */
    NNC_STATUS_NONFINITE,        /* training produced NaN or inf */
    NNC_STATUS_DIVERGED,         /* training loss grew past the divergence threshold */
    NNC_STATUS_INTERRUPTED       /* a progress callback asked the engine to stop */
} nnc_status_t;

/* A short English description of a status ("invalid argument", ...). */
const char *nnc_status_string(nnc_status_t status);

/* *out = a * b for non-negative a, b; returns 0, or -1 when the product would
 * exceed INT64_MAX (so a caller can report NNC_STATUS_OVERFLOW). */
int nnc_mul_i64(int64_t a, int64_t b, int64_t *out);

/* *out = a + b for non-negative a, b; returns 0, or -1 on overflow. */
int nnc_add_i64(int64_t a, int64_t b, int64_t *out);

/* Bytes for n elements of size elsize, checked against SIZE_MAX and INT64_MAX.
 * Returns 0, or -1 on overflow. */
int nnc_bytes(int64_t n, size_t elsize, size_t *out);

/* Checks a rows x cols matrix view with leading dimension ld:
 * rows, cols >= 0, ld >= max(cols, 1) when rows > 1, and rows*ld fits. */
nnc_status_t nnc_check_matrix(int64_t rows, int64_t cols, int64_t ld);

/* ---- enums and op descriptions generated from ops.def ---- */
#include "ops.def"

#define NNC_X_ENUM_ACT(E, ...) NNC_ACT_##E,
typedef enum { NNC_ACTIVATIONS(NNC_X_ENUM_ACT) NNC_ACT_COUNT } nnc_act_t;
#undef NNC_X_ENUM_ACT

#define NNC_X_ENUM_LOSS(E, ...) NNC_LOSS_##E,
typedef enum { NNC_LOSSES(NNC_X_ENUM_LOSS) NNC_LOSS_COUNT } nnc_loss_t;
#undef NNC_X_ENUM_LOSS

#define NNC_X_ENUM_PENALTY(E, ...) NNC_PENALTY_##E,
typedef enum { NNC_PENALTIES(NNC_X_ENUM_PENALTY) NNC_PENALTY_COUNT } nnc_penalty_t;
#undef NNC_X_ENUM_PENALTY

#define NNC_X_ENUM_OPT(E, ...) NNC_OPT_##E,
typedef enum { NNC_OPTIMIZERS(NNC_X_ENUM_OPT) NNC_OPT_COUNT } nnc_opt_t;
#undef NNC_X_ENUM_OPT

/* Python-facing names ("sigmoid", "mse", "adam"), indexed by the enums. */
extern const char *const nnc_act_names[NNC_ACT_COUNT];
extern const char *const nnc_loss_names[NNC_LOSS_COUNT];
extern const char *const nnc_opt_names[NNC_OPT_COUNT];

/* The columns of ops.def as data (common.c), for the binding and for
 * argument checks.  Field meanings: see ops.def. */
typedef enum { NNC_ALPHA_NONE = 0, NNC_ALPHA_FIXED, NNC_ALPHA_LEARNED } nnc_alpha_mode_t;
typedef enum { NNC_CHECK_POSITIVE = 1, NNC_CHECK_UNIT = 2 } nnc_check_t;
typedef enum { NNC_OPT_KIND_GRADIENT = 0, NNC_OPT_KIND_PROBE = 1 } nnc_opt_kind_t;

typedef struct {
    const char *name, *cls;
    nnc_alpha_mode_t alpha;
    double alpha_default;
    int rowwise;
    const char *doc, *backward_doc;
} nnc_act_info_t;

typedef enum { NNC_LOSS_FORM_ELEM = 0, NNC_LOSS_FORM_ELEM_T, NNC_LOSS_FORM_ROW } nnc_loss_form_t;
typedef enum {
    NNC_LOSS_TARGET_REAL = 0,
    NNC_LOSS_TARGET_LABELS01,
    NNC_LOSS_TARGET_CLASSES
} nnc_loss_target_t;
typedef enum {
    NNC_LOSS_PARAM_NONE = 0,
    NNC_LOSS_PARAM_FLAG,    /* nnc_loss_params_t.half */
    NNC_LOSS_PARAM_POSITIVE /* nnc_loss_params_t.delta, finite and > 0 */
} nnc_loss_param_t;

typedef struct {
    const char *name, *cls, *first;
    nnc_loss_form_t form;
    int rowwise;  /* form == ROW: "mean" divides by rows, not elements */
    int labels01; /* target == LABELS01 */
    nnc_loss_target_t target;
    nnc_loss_param_t param;
    const char *param_name; /* NULL for NONE */
    double param_default;   /* POSITIVE's default (0 for FLAG and NONE) */
    const char *doc, *backward_doc;
} nnc_loss_info_t;

typedef struct {
    const char *name;
    const char *doc, *backward_doc;
} nnc_penalty_info_t;

typedef struct {
    const char *name, *cls;
    nnc_opt_kind_t kind;
    int flags; /* NNC_OPTF_* */
    int n_hyper;
    /* (+ 1: each array ends with a sentinel, so that an empty list still
     * initialises) */
    const char *hyper_names[NNC_OPT_MAX_HYPER + 1];
    double hyper_defaults[NNC_OPT_MAX_HYPER + 1];
    nnc_check_t hyper_checks[NNC_OPT_MAX_HYPER + 1];
    int n_states;
    const char *state_names[NNC_OPT_MAX_STATES + 1];
    const char *doc;
} nnc_opt_info_t;

extern const nnc_act_info_t nnc_act_info[NNC_ACT_COUNT];
extern const nnc_loss_info_t nnc_loss_info[NNC_LOSS_COUNT];
extern const nnc_penalty_info_t nnc_penalty_info[NNC_PENALTY_COUNT];
extern const nnc_opt_info_t nnc_opt_info[NNC_OPT_COUNT];

/* Checks an optimizer's hyper-parameters (info->n_hyper values, in ops.def
 * order) against their CHECK column.  NNC_STATUS_OK, or
 * NNC_STATUS_INVALID_ARGUMENT with *bad (when not NULL) the index of the
 * first bad value (-1 for an unknown optimizer). */
nnc_status_t nnc_opt_check(nnc_opt_t opt, const double *hyper, int *bad);

typedef enum { NNC_REDUCTION_MEAN = 0, NNC_REDUCTION_SUM = 1 } nnc_reduction_t;

/* How a loss is computed.  `half` is the value of a FLAG parameter (ops.def
 * PARAM column: mse's half multiplies squared error by 1/2, so that the
 * derivative is plain pred - target); `delta` the value of a POSITIVE
 * parameter (Huber's threshold); a loss without one ignores the field.
 * Elementwise losses (FORM ELEM, ELEM_T) average over all rows*cols elements
 * for "mean"; row losses (FORM ROW) average over rows. */
typedef struct {
    nnc_loss_t kind;
    nnc_reduction_t reduction;
    int half;
    double delta;
} nnc_loss_params_t;

/* Checks p against the loss's ops.def row: a known kind and reduction, and a
 * POSITIVE parameter finite and > 0.  NNC_STATUS_OK or
 * NNC_STATUS_INVALID_ARGUMENT. */
nnc_status_t nnc_loss_check_params(const nnc_loss_params_t *p);

/* ---- random numbers: explicit state, same stream on every platform ---- */
/* xoshiro256** seeded through splitmix64. */
typedef struct {
    uint64_t s[4];
} nnc_rng_t;

void nnc_rng_seed(nnc_rng_t *rng, uint64_t seed);
uint64_t nnc_rng_next_u64(nnc_rng_t *rng);
/* Advances the state by 2^128 draws (xoshiro's jump): states jumped 0, 1, 2, ...
 * times give streams that cannot overlap in fewer than 2^128 draws. */
void nnc_rng_jump(nnc_rng_t *rng);
/* Uniform integer in [0, bound) without modulo bias; bound >= 1. */
uint64_t nnc_rng_bounded(nnc_rng_t *rng, uint64_t bound);
/* out[0..n) = a uniformly random permutation of 0..n-1 (Fisher-Yates). */
nnc_status_t nnc_rng_permutation(nnc_rng_t *rng, int64_t n, int64_t *out);

/* Initialisers (Dense weight shape is fan_in x fan_out). */
typedef enum {
    NNC_INIT_ZEROS = 0,
    NNC_INIT_CONSTANT,       /* value a */
    NNC_INIT_UNIFORM,        /* U(a, b) */
    NNC_INIT_NORMAL,         /* N(mean a, std b) */
    NNC_INIT_XAVIER_UNIFORM, /* U(-l, l), l = sqrt(6 / (fan_in + fan_out)) */
    NNC_INIT_XAVIER_NORMAL,  /* N(0, 2 / (fan_in + fan_out)) */
    NNC_INIT_HE_UNIFORM,     /* U(-l, l), l = sqrt(6 / fan_in) */
    NNC_INIT_HE_NORMAL,      /* N(0, 2 / fan_in) */
    NNC_INIT_COUNT
} nnc_init_t;

/* ---- float32 and float64 declarations, generated from one list ---- */
#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "nnc_decls.h"
#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "nnc_decls.h"
#include "nnc_tmpl_end.h"

#ifdef __cplusplus
}
#endif
#endif /* NNC_CORE_H */
