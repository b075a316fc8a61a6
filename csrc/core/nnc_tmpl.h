/* Two dtypes from one body.
 *
 * A kernel body is written once against the type T and wraps every name it
 * defines or calls in NNC_FN(name), which appends _f32 or _f64.  The .c file
 * that owns the body includes it twice:
 *
 *     #define NNC_DTYPE_F64
 *     #include "nnc_tmpl.h"
 *     #include "foo_impl.h"
 *     #define NNC_DTYPE_F32
 *     #include "nnc_tmpl.h"
 *     #include "foo_impl.h"
 *
 * Including this header consumes the NNC_DTYPE_* request and (re)defines
 * T, NNC_SFX, NNC_FN and the per-type literal helpers.  No include guard: it
 * is meant to be included once per dtype. */

#include "nnc_tmpl_end.h"

#if defined(NNC_DTYPE_F64)
#undef NNC_DTYPE_F64
#define T double
#define NNC_SFX f64
#define NNC_IS_F32 0
#define NNC_LIT(x) (x)
#define NNC_EXP exp
#define NNC_LOG log
#define NNC_LOG1P log1p
#define NNC_EXPM1 expm1
#define NNC_SQRT sqrt
#define NNC_FABS fabs
#define NNC_TANH tanh
#define NNC_POW pow
#define NNC_COS cos
#define NNC_FMA fma
#define NNC_T_MAX DBL_MAX
#define NNC_T_MIN DBL_MIN
#define NNC_T_EPS DBL_EPSILON
#elif defined(NNC_DTYPE_F32)
#undef NNC_DTYPE_F32
#define T float
#define NNC_SFX f32
#define NNC_IS_F32 1
#define NNC_LIT(x) ((float)(x))
#define NNC_EXP expf
#define NNC_LOG logf
#define NNC_LOG1P log1pf
#define NNC_EXPM1 expm1f
#define NNC_SQRT sqrtf
#define NNC_FABS fabsf
#define NNC_TANH tanhf
#define NNC_POW powf
#define NNC_COS cosf
#define NNC_FMA fmaf
#define NNC_T_MAX FLT_MAX
#define NNC_T_MIN FLT_MIN
#define NNC_T_EPS FLT_EPSILON
#else
#error "define NNC_DTYPE_F64 or NNC_DTYPE_F32 before including nnc_tmpl.h"
#endif

#ifndef NNC_CAT
#define NNC_CAT_(a, b) a##_##b
#define NNC_CAT(a, b) NNC_CAT_(a, b)
#endif
#undef NNC_FN
#define NNC_FN(name) NNC_CAT(name, NNC_SFX)
