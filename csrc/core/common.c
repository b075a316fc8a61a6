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

#define NNC_X_NAME(E, name) #name,
const char *const nnc_act_names[NNC_ACT_COUNT] = {NNC_ACTIVATIONS(NNC_X_NAME)};
const char *const nnc_loss_names[NNC_LOSS_COUNT] = {NNC_LOSSES(NNC_X_NAME)};
const char *const nnc_opt_names[NNC_OPT_COUNT] = {NNC_OPTIMIZERS(NNC_X_NAME)};
#undef NNC_X_NAME
