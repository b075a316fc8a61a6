/* The public loss entry points over the per-level copies of losses_impl.h
 * (losses.c; no include guard: once per dtype). */

#if NNC_ISA_X86
#define NNC_LOSS_PATHS_(name)                                                                  \
    {NNC_CAT(NNC_FN(name), generic), NNC_CAT(NNC_FN(name), avx2), NNC_CAT(NNC_FN(name), avx512)}
#else
#define NNC_LOSS_PATHS_(name)                                                                  \
    {NNC_CAT(NNC_FN(name), generic), NNC_CAT(NNC_FN(name), generic),                          \
     NNC_CAT(NNC_FN(name), generic)}
#endif

static nnc_status_t (*const NNC_FN(loss_paths)[NNC_ISA_COUNT])(const nnc_loss_params_t *,
                                                                int64_t, int64_t, const T *,
                                                                const T *, T *,
                                                                T *) = NNC_LOSS_PATHS_(nnc_loss);
static nnc_status_t (*const NNC_FN(loss_sum_paths)[NNC_ISA_COUNT])(
    const nnc_loss_params_t *, int64_t, int64_t, const T *, const T *, double *, int64_t *,
    T *) = NNC_LOSS_PATHS_(nnc_loss_sum);
static nnc_status_t (*const NNC_FN(loss_ce_index_paths)[NNC_ISA_COUNT])(
    nnc_reduction_t, int64_t, int64_t, const T *, const int64_t *, T *,
    T *) = NNC_LOSS_PATHS_(nnc_cross_entropy_index);
#undef NNC_LOSS_PATHS_

nnc_status_t NNC_FN(nnc_loss_isa)(nnc_isa_t isa, const nnc_loss_params_t *p, int64_t rows,
                                  int64_t cols, const T *pred, const T *target, T *value,
                                  T *grad)
{
    return NNC_FN(loss_paths)[NNC_ISA_INDEX(isa)](p, rows, cols, pred, target, value, grad);
}

nnc_status_t NNC_FN(nnc_loss)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                              const T *pred, const T *target, T *value, T *grad)
{
    return NNC_FN(nnc_loss_isa)(nnc_isa_best(), p, rows, cols, pred, target, value, grad);
}

nnc_status_t NNC_FN(nnc_loss_sum)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                  const T *pred, const T *target, double *sum, int64_t *count,
                                  T *grad)
{
    return NNC_FN(loss_sum_paths)[NNC_ISA_INDEX(nnc_isa_best())](p, rows, cols, pred, target,
                                                                 sum, count, grad);
}

nnc_status_t NNC_FN(nnc_cross_entropy_index)(nnc_reduction_t reduction, int64_t rows,
                                             int64_t cols, const T *logits,
                                             const int64_t *target, T *value, T *grad)
{
    return NNC_FN(loss_ce_index_paths)[NNC_ISA_INDEX(nnc_isa_best())](reduction, rows, cols,
                                                                      logits, target, value,
                                                                      grad);
}
