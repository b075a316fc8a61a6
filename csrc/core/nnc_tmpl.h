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
 * is meant to be included once per dtype.
 *
 * NNC_EXP, NNC_EXPM1, NNC_LOG, NNC_LOG1P and NNC_TANH are nnc's own vector
 * math (vmath.h), not the system libm: the same bits on every machine and
 * every instruction-set path, and NNC_VM(f) names the array form
 * nnc_vm_<f>_f32/_f64(isa, n, x, y) for the dtype. */

#include "nnc_tmpl_end.h"
#include "vmath.h"

#if defined(NNC_DTYPE_F64)
#undef NNC_DTYPE_F64
#define T double
#define NNC_SFX f64
#define NNC_IS_F32 0
#define NNC_LIT(x) (x)
#define NNC_EXP nnc_vm_exp_d
#define NNC_LOG nnc_vm_log_d
#define NNC_LOG1P nnc_vm_log1p_d
#define NNC_EXPM1 nnc_vm_expm1_d
#define NNC_SQRT sqrt
#define NNC_FABS fabs
#define NNC_TANH nnc_vm_tanh_d
#define NNC_SIGMOID nnc_vm_sigmoid_d
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
#define NNC_EXP nnc_vm_exp_s
#define NNC_LOG nnc_vm_log_s
#define NNC_LOG1P nnc_vm_log1p_s
#define NNC_EXPM1 nnc_vm_expm1_s
#define NNC_SQRT sqrtf
#define NNC_FABS fabsf
#define NNC_TANH nnc_vm_tanh_s
#define NNC_SIGMOID nnc_vm_sigmoid_s
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
#undef NNC_VM
#define NNC_VM(f) NNC_CAT(nnc_vm_##f, NNC_SFX)
