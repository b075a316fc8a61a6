/* Vector math: exp, expm1, log, log1p, tanh and the logistic function in
 * float64 and float32, independent of the system libm and bit-identical on
 * every instruction set (the algorithms, their accuracy and their special
 * values are described in vmath_impl.h).
 *
 * Two ways in:
 *  - scalar: nnc_vm_<f>_d(double) and nnc_vm_<f>_s(float), the portable
 *    one-lane path, for kernels that work one element at a time
 *    (nnc_tmpl.h maps NNC_EXP, NNC_LOG, ... to them);
 *  - arrays: nnc_vm_<f>_f64 / _f32(isa, n, x, y) computes y[i] = f(x[i]) for
 *    i < n with the vector path of `isa` (which must be available: see
 *    nnc_isa.h); y may alias x.  Same bits as the scalar functions. */
#ifndef NNC_VMATH_H
#define NNC_VMATH_H

#include <math.h>
#include <stdint.h>

#include "nnc_isa.h"

#define NNC_SIMD_GENERIC
#include "nnc_simd.h"
#include "vmath_impl.h"
#include "nnc_simd_end.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The functions, as X(name) rows. */
#define NNC_VM_FUNCS(X) X(exp) X(expm1) X(log) X(log1p) X(tanh) X(sigmoid)
/* ... split by how float32 is evaluated: in float lanes (F), or widened to
 * double and rounded once (W) */
#define NNC_VM_FUNCS_F(X) X(exp) X(expm1) X(tanh) X(sigmoid)
#define NNC_VM_FUNCS_W(X) X(log) X(log1p)

/* Out of line on purpose: inlined into every loop of every kernel copy, the
 * one-lane bodies tripled the compile time of losses.c for no measurable
 * gain (the hot loops use the array forms). */
#define NNC_VM_X_SCALAR_(f)                                                                   \
    double nnc_vm_##f##_d(double x);                                                          \
    float nnc_vm_##f##_s(float x);
NNC_VM_FUNCS(NNC_VM_X_SCALAR_)
#undef NNC_VM_X_SCALAR_

#define NNC_VM_X_DECL_(f)                                                                     \
    void nnc_vm_##f##_f64(nnc_isa_t isa, int64_t n, const double *x, double *y);               \
    void nnc_vm_##f##_f32(nnc_isa_t isa, int64_t n, const float *x, float *y);
NNC_VM_FUNCS(NNC_VM_X_DECL_)
#undef NNC_VM_X_DECL_

/* Looks a function up by name ("exp", ...): 0 and the two array functions,
 * or -1 for an unknown name.  For tests and benchmarks. */
typedef void (*nnc_vm_f64_fn)(nnc_isa_t, int64_t, const double *, double *);
typedef void (*nnc_vm_f32_fn)(nnc_isa_t, int64_t, const float *, float *);
int nnc_vm_lookup(const char *name, nnc_vm_f64_fn *f64, nnc_vm_f32_fn *f32);

#ifdef __cplusplus
}
#endif
#endif /* NNC_VMATH_H */
