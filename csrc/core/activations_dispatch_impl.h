/* The public activation entry points over the per-level copies of
 * activations_impl.h (activations.c; no include guard: once per dtype). */

#if NNC_ISA_X86
#define NNC_ACT_PATHS_(name)                                                                   \
    {NNC_CAT(NNC_FN(name), generic), NNC_CAT(NNC_FN(name), avx2), NNC_CAT(NNC_FN(name), avx512)}
#else
#define NNC_ACT_PATHS_(name)                                                                   \
    {NNC_CAT(NNC_FN(name), generic), NNC_CAT(NNC_FN(name), generic),                          \
     NNC_CAT(NNC_FN(name), generic)}
#endif

static nnc_status_t (*const NNC_FN(act_forward_paths)[NNC_ISA_COUNT])(
    nnc_act_t, int64_t, int64_t, const T *, T *, T) = NNC_ACT_PATHS_(nnc_act_forward);
static nnc_status_t (*const NNC_FN(act_backward_paths)[NNC_ISA_COUNT])(
    nnc_act_t, int64_t, int64_t, const T *, const T *, const T *, T *, T,
    T *) = NNC_ACT_PATHS_(nnc_act_backward);
#undef NNC_ACT_PATHS_

nnc_status_t NNC_FN(nnc_act_forward_isa)(nnc_isa_t isa, nnc_act_t act, int64_t rows,
                                         int64_t cols, const T *x, T *y, T alpha)
{
    return NNC_FN(act_forward_paths)[NNC_ISA_INDEX(isa)](act, rows, cols, x, y, alpha);
}

nnc_status_t NNC_FN(nnc_act_backward_isa)(nnc_isa_t isa, nnc_act_t act, int64_t rows,
                                          int64_t cols, const T *x, const T *y, const T *dy,
                                          T *dx, T alpha, T *dalpha)
{
    return NNC_FN(act_backward_paths)[NNC_ISA_INDEX(isa)](act, rows, cols, x, y, dy, dx, alpha,
                                                          dalpha);
}

nnc_status_t NNC_FN(nnc_act_forward)(nnc_act_t act, int64_t rows, int64_t cols, const T *x,
                                     T *y, T alpha)
{
    return NNC_FN(nnc_act_forward_isa)(nnc_isa_best(), act, rows, cols, x, y, alpha);
}

nnc_status_t NNC_FN(nnc_act_backward)(nnc_act_t act, int64_t rows, int64_t cols, const T *x,
                                      const T *y, const T *dy, T *dx, T alpha, T *dalpha)
{
    return NNC_FN(nnc_act_backward_isa)(nnc_isa_best(), act, rows, cols, x, y, dy, dx, alpha,
                                        dalpha);
}
