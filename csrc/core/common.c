/* Status strings, overflow-checked size arithmetic and the ops.def name tables. */
#include "nnc_core.h"

const char *nnc_status_string(nnc_status_t status)
{
    switch (status) {
    case NNC_STATUS_OK: return "ok";
    case NNC_STATUS_INVALID_ARGUMENT: return "invalid argument";
    case NNC_STATUS_OVERFLOW: return "size overflow";
    case NNC_STATUS_NO_MEMORY: return "out of memory";
    case NNC_STATUS_NONFINITE: return "non-finite value";
    case NNC_STATUS_DIVERGED: return "diverged";
    case NNC_STATUS_INTERRUPTED: return "interrupted";
    }
    return "unknown status";
}

int nnc_mul_i64(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0)
        return -1;
    if (a != 0 && b > INT64_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

int nnc_add_i64(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0 || a > INT64_MAX - b)
        return -1;
    *out = a + b;
    return 0;
}

int nnc_bytes(int64_t n, size_t elsize, size_t *out)
{
    if (n < 0 || elsize == 0)
        return -1;
    /* Compare in the wider of the two ranges: size_t may be 32 bits. */
    if ((uint64_t)n > (uint64_t)(SIZE_MAX / elsize) || (uint64_t)n > (uint64_t)(INT64_MAX / (int64_t)elsize))
        return -1;
    *out = (size_t)n * elsize;
    return 0;
}

nnc_status_t nnc_check_matrix(int64_t rows, int64_t cols, int64_t ld)
{
    int64_t total;
    if (rows < 0 || cols < 0 || ld < 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (rows > 1 && ld < cols)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (nnc_mul_i64(rows, ld > cols ? ld : cols, &total) != 0)
        return NNC_STATUS_OVERFLOW;
    return NNC_STATUS_OK;
}

#define NNC_X_NAME(E, name, ...) #name,
const char *const nnc_act_names[NNC_ACT_COUNT] = {NNC_ACTIVATIONS(NNC_X_NAME)};
const char *const nnc_loss_names[NNC_LOSS_COUNT] = {NNC_LOSSES(NNC_X_NAME)};
const char *const nnc_opt_names[NNC_OPT_COUNT] = {NNC_OPTIMIZERS(NNC_X_NAME)};
#undef NNC_X_NAME

#define NNC_X_ACT(E, name, cls, alpha, dflt, rowwise, doc, bdoc) \
    {#name, #cls, NNC_ALPHA_##alpha, dflt, rowwise, doc, bdoc},
const nnc_act_info_t nnc_act_info[NNC_ACT_COUNT] = {NNC_ACTIVATIONS(NNC_X_ACT)};
#undef NNC_X_ACT

/* Each loss row with its FORM, TARGET and PARAM columns spelled out. */
#define NNC_LOSS_ROWWISE_ELEM 0
#define NNC_LOSS_ROWWISE_ELEM_T 0
#define NNC_LOSS_ROWWISE_ROW 1
#define NNC_LOSS_PARAM_INFO_NONE NNC_LOSS_PARAM_NONE, NULL, 0.0
#define NNC_LOSS_PARAM_INFO_FLAG(n) NNC_LOSS_PARAM_FLAG, #n, 0.0
#define NNC_LOSS_PARAM_INFO_POSITIVE(n, d) NNC_LOSS_PARAM_POSITIVE, #n, d
#define NNC_X_LOSS(E, name, cls, first, form, target, param, doc, bdoc)                          \
    {#name,                                                                                  \
     #cls,                                                                                   \
     #first,                                                                                 \
     NNC_LOSS_FORM_##form,                                                                   \
     NNC_LOSS_ROWWISE_##form,                                                                \
     NNC_LOSS_TARGET_##target == NNC_LOSS_TARGET_LABELS01,                                   \
     NNC_LOSS_TARGET_##target,                                                               \
     NNC_LOSS_PARAM_INFO_##param,                                                            \
     doc,                                                                                    \
     bdoc},
const nnc_loss_info_t nnc_loss_info[NNC_LOSS_COUNT] = {NNC_LOSSES(NNC_X_LOSS)};
#undef NNC_X_LOSS

nnc_status_t nnc_loss_check_params(const nnc_loss_params_t *p)
{
    if (p == NULL || (int)p->kind < 0 || p->kind >= NNC_LOSS_COUNT ||
        (p->reduction != NNC_REDUCTION_MEAN && p->reduction != NNC_REDUCTION_SUM))
        return NNC_STATUS_INVALID_ARGUMENT;
    if (nnc_loss_info[p->kind].param == NNC_LOSS_PARAM_POSITIVE &&
        !(p->delta > 0 && isfinite(p->delta)))
        return NNC_STATUS_INVALID_ARGUMENT;
    return NNC_STATUS_OK;
}

#define NNC_X_PENALTY(E, name, doc, bdoc) {#name, doc, bdoc},
const nnc_penalty_info_t nnc_penalty_info[NNC_PENALTY_COUNT] = {NNC_PENALTIES(NNC_X_PENALTY)};
#undef NNC_X_PENALTY

/* Each optimizer row with its hyper-parameter and state lists spread into
 * the struct's arrays. */
#define NNC_H_COUNT_(n, d, c) +1
#define NNC_H_NAME_(n, d, c) #n,
#define NNC_H_DEFAULT_(n, d, c) d,
#define NNC_H_CHECK_(n, d, c) NNC_CHECK_##c,
#define NNC_S_COUNT_(n) +1
#define NNC_S_NAME_(n) #n,
#define NNC_X_OPT(E, name, cls, kind, uses_t, look_ahead, doc)                                              \
    {#name,                                                                                   \
     #cls,                                                                                    \
     NNC_OPT_KIND_##kind,                                                                     \
     (uses_t ? NNC_OPTF_USES_T : 0) | (look_ahead ? NNC_OPTF_LOOK_AHEAD : 0),                 \
     0 NNC_OPT_##E##_HYPER(NNC_H_COUNT_),                                                     \
     {NNC_OPT_##E##_HYPER(NNC_H_NAME_) NULL},                                                 \
     {NNC_OPT_##E##_HYPER(NNC_H_DEFAULT_) 0.0},                                               \
     {NNC_OPT_##E##_HYPER(NNC_H_CHECK_) NNC_CHECK_POSITIVE},                                  \
     0 NNC_OPT_##E##_STATES(NNC_S_COUNT_),                                                    \
     {NNC_OPT_##E##_STATES(NNC_S_NAME_) NULL},                                                \
     doc},
const nnc_opt_info_t nnc_opt_info[NNC_OPT_COUNT] = {NNC_OPTIMIZERS(NNC_X_OPT)};
#undef NNC_X_OPT

/* A row with more hyper-parameters or states than the struct holds is a
 * compile error here, naming the optimizer. */
#define NNC_X_OPT_FITS(E, ...)                                                                 \
    _Static_assert((0 NNC_OPT_##E##_HYPER(NNC_H_COUNT_)) <= NNC_OPT_MAX_HYPER,             \
                   "ops.def: optimizer " #E " has more than NNC_OPT_MAX_HYPER hyper-parameters"); \
    _Static_assert((0 NNC_OPT_##E##_STATES(NNC_S_COUNT_)) <= NNC_OPT_MAX_STATES,           \
                   "ops.def: optimizer " #E " has more than NNC_OPT_MAX_STATES state arrays");
NNC_OPTIMIZERS(NNC_X_OPT_FITS)
#undef NNC_X_OPT_FITS

nnc_status_t nnc_opt_check(nnc_opt_t opt, const double *hyper, int *bad)
{
    if (bad != NULL)
        *bad = -1;
    if ((int)opt < 0 || opt >= NNC_OPT_COUNT || hyper == NULL)
        return NNC_STATUS_INVALID_ARGUMENT;
    const nnc_opt_info_t *info = &nnc_opt_info[opt];
    for (int i = 0; i < info->n_hyper; i++) {
        const double v = hyper[i];
        const int ok = info->hyper_checks[i] == NNC_CHECK_UNIT ? (v >= 0 && v < 1)
                                                               : (v > 0 && isfinite(v));
        if (!ok) {
            if (bad != NULL)
                *bad = i;
            return NNC_STATUS_INVALID_ARGUMENT;
        }
    }
    return NNC_STATUS_OK;
}
