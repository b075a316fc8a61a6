/* The array entry points of the vector math (vmath.h): one loop per function,
 * dtype and instruction set, chosen through const tables indexed by
 * nnc_isa_t.  Every loop gives the bits of the portable one-lane function. */
#include "vmath.h"

#include <string.h>

/* Loops for the backend currently selected by nnc_simd.h.  The last
 * n mod V_N elements run through masked loads and stores where the ISA has
 * them (the same lane code, so the same bits), one at a time on the portable
 * path (where V_N is 1 and the tail is empty). */
#define NNC_VM_LOOP_F64_(f)                                                                   \
    NNC_VM_ATTR static void NNC_VM_FN(f##_loop_f64)(int64_t n, const double *x, double *y)    \
    {                                                                                         \
        int64_t i = 0;                                                                        \
        for (; i + V_N <= n; i += V_N)                                                        \
            V_STORE(y + i, NNC_VM_FN(f)(V_LOAD(x + i)));                                      \
        if (i < n)                                                                            \
            V_STOREN(y + i, NNC_VM_FN(f)(V_LOADN(x + i, n - i)), n - i);                      \
    }
/* float32 in float lanes */
#define NNC_VM_LOOPS_F_(f)                                                                    \
    NNC_VM_LOOP_F64_(f)                                                                       \
    NNC_VM_ATTR static void NNC_VM_FN(f##_loop_f32)(int64_t n, const float *x, float *y)      \
    {                                                                                         \
        int64_t i = 0;                                                                        \
        for (; i + F_N <= n; i += F_N)                                                        \
            F_STORE(y + i, NNC_VM_FN(f##_f)(F_LOAD(x + i)));                                  \
        if (i < n)                                                                            \
            F_STOREN(y + i, NNC_VM_FN(f##_f)(F_LOADN(x + i, n - i)), n - i);                  \
    }
/* float32 widened to double lanes */
#define NNC_VM_LOOPS_W_(f)                                                                    \
    NNC_VM_LOOP_F64_(f)                                                                       \
    NNC_VM_ATTR static void NNC_VM_FN(f##_loop_f32)(int64_t n, const float *x, float *y)      \
    {                                                                                         \
        int64_t i = 0;                                                                        \
        for (; i + V_N <= n; i += V_N)                                                        \
            V_STOREF(y + i, NNC_VM_FN(f##_f)(V_LOADF(x + i)));                                \
        for (; i < n; i++)                                                                    \
            y[i] = (float)nnc_vm_##f##_f_generic((double)x[i]);                               \
    }
#define NNC_VM_LOOPS_                                                                         \
    NNC_VM_FUNCS_F(NNC_VM_LOOPS_F_)                                                           \
    NNC_VM_FUNCS_W(NNC_VM_LOOPS_W_)

/* The scalar entry points: the portable one-lane functions of vmath.h.  On
 * x86 with GCC/Clang the same functions are compiled once more for CPUs
 * with FMA (NNC_SIMD_GENERIC_FMA), where C99 fma() is one instruction
 * instead of a library call, and picked per call (libgcc's CPU model: a
 * load and a test).  The same code, so the same bits either way. */
#if NNC_ISA_X86 && (defined(__GNUC__) || defined(__clang__))
#define NNC_SIMD_GENERIC_FMA
#include "nnc_simd.h"
#include "vmath_impl.h"
#include "nnc_simd_end.h"
static inline int nnc_vm_fma_hw(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#define NNC_VM_ONE_(f, x) (nnc_vm_fma_hw() ? nnc_vm_##f##_gfma(x) : nnc_vm_##f##_generic(x))
#else
#define NNC_VM_ONE_(f, x) nnc_vm_##f##_generic(x)
#endif
#define NNC_VM_SCALAR_D_(f)                                                                   \
    double nnc_vm_##f##_d(double x)                                                           \
    {                                                                                         \
        return NNC_VM_ONE_(f, x);                                                             \
    }
#define NNC_VM_SCALAR_F_(f)                                                                   \
    NNC_VM_SCALAR_D_(f)                                                                       \
    float nnc_vm_##f##_s(float x)                                                             \
    {                                                                                         \
        return NNC_VM_ONE_(f##_f, x);                                                         \
    }
#define NNC_VM_SCALAR_W_(f)                                                                   \
    NNC_VM_SCALAR_D_(f)                                                                       \
    float nnc_vm_##f##_s(float x)                                                             \
    {                                                                                         \
        return (float)NNC_VM_ONE_(f##_f, (double)x);                                          \
    }
NNC_VM_FUNCS_F(NNC_VM_SCALAR_F_)
NNC_VM_FUNCS_W(NNC_VM_SCALAR_W_)
#undef NNC_VM_SCALAR_F_
#undef NNC_VM_SCALAR_W_
#undef NNC_VM_SCALAR_D_
#undef NNC_VM_ONE_

/* portable (the one-lane functions come from vmath.h) */
#define NNC_SIMD_GENERIC
#include "nnc_simd.h"
#define NNC_VM_GENERIC_FUNCS_F_(X) X(exp) X(expm1) X(sigmoid)
NNC_VM_GENERIC_FUNCS_F_(NNC_VM_LOOPS_F_)
NNC_VM_FUNCS_W(NNC_VM_LOOPS_W_)
#undef NNC_VM_GENERIC_FUNCS_F_
/* tanh's portable loops go by blocks: first each element's subinterval and
 * its row of coefficients into a buffer (table lookups, which NEON cannot
 * vectorise), then the evaluation over the block, which the compiler
 * vectorises (NEON, and SSE2 where fma() is the instruction).  The same
 * split and evaluation as the one-lane function, so the same bits; y may
 * alias x (a block is read whole before it is written). */
#define NNC_VM_TANH_BLOCK 64
#define NNC_VM_TANH_LOOP_(name, T, split, tab, rows, eval)                                    \
    static void name(int64_t n, const T *x, T *y)                                             \
    {                                                                                         \
        T c[rows][NNC_VM_TANH_BLOCK], a[NNC_VM_TANH_BLOCK], s[NNC_VM_TANH_BLOCK];             \
        for (int64_t i0 = 0; i0 < n; i0 += NNC_VM_TANH_BLOCK) {                               \
            int m = (int)(n - i0 < NNC_VM_TANH_BLOCK ? n - i0 : NNC_VM_TANH_BLOCK);           \
            for (int j = 0; j < m; j++) {                                                     \
                int64_t i = (int64_t)split(x[i0 + j], &s[j], &a[j]);                          \
                for (int k = 0; k < (rows); k++)                                              \
                    c[k][j] = tab[k][i];                                                      \
            }                                                                                 \
            for (int j = 0; j < m; j++) {                                                     \
                T v;                                                                          \
                eval(NNC_VM_TANH_CB_, a[j], s[j], v);                                         \
                y[i0 + j] = v;                                                                \
            }                                                                                 \
        }                                                                                     \
    }
#define NNC_VM_TANH_CB_(k) c[(k)][j]
NNC_VM_TANH_LOOP_(nnc_vm_tanh_loop_f64_generic, double, nnc_vm_tanh_split_generic,
                  nnc_vm_tanh_tab, NNC_VM_TANH_ROWS, NNC_VM_TANH_EVAL_)
NNC_VM_TANH_LOOP_(nnc_vm_tanh_loop_f32_generic, float, nnc_vm_tanh_f_split_generic,
                  nnc_vm_tanhf_tab, NNC_VMF_TANH_ROWS, NNC_VM_TANH_F_EVAL_)
#undef NNC_VM_TANH_CB_
#undef NNC_VM_TANH_LOOP_
#include "nnc_simd_end.h"

#if NNC_ISA_X86
#define NNC_SIMD_AVX2
#include "nnc_simd.h"
#include "vmath_impl.h"
NNC_VM_LOOPS_
#include "nnc_simd_end.h"

#define NNC_SIMD_AVX512
#include "nnc_simd.h"
#include "vmath_impl.h"
NNC_VM_LOOPS_
#include "nnc_simd_end.h"
#define NNC_VM_PATHS_(f, d)                                                                   \
    {nnc_vm_##f##_loop_##d##_generic, nnc_vm_##f##_loop_##d##_avx2,                           \
     nnc_vm_##f##_loop_##d##_avx512}
#else
#define NNC_VM_PATHS_(f, d)                                                                   \
    {nnc_vm_##f##_loop_##d##_generic, nnc_vm_##f##_loop_##d##_generic,                        \
     nnc_vm_##f##_loop_##d##_generic}
#endif
#undef NNC_VM_LOOPS_
#undef NNC_VM_LOOPS_F_
#undef NNC_VM_LOOPS_W_
#undef NNC_VM_LOOP_F64_

typedef void (*nnc_vm_loop_f64_t)(int64_t, const double *, double *);
typedef void (*nnc_vm_loop_f32_t)(int64_t, const float *, float *);

/* An out-of-range isa runs the portable path; an unavailable one is the
 * caller's error (nnc_isa_clamp gives a safe level). */
#define NNC_VM_ENTRY_(f)                                                                      \
    static const nnc_vm_loop_f64_t nnc_vm_##f##_f64_paths[NNC_ISA_COUNT] =                    \
        NNC_VM_PATHS_(f, f64);                                                                \
    static const nnc_vm_loop_f32_t nnc_vm_##f##_f32_paths[NNC_ISA_COUNT] =                    \
        NNC_VM_PATHS_(f, f32);                                                                \
    void nnc_vm_##f##_f64(nnc_isa_t isa, int64_t n, const double *x, double *y)               \
    {                                                                                         \
        if (n > 0)                                                                            \
            nnc_vm_##f##_f64_paths[(unsigned)isa < NNC_ISA_COUNT ? isa : 0](n, x, y);         \
    }                                                                                         \
    void nnc_vm_##f##_f32(nnc_isa_t isa, int64_t n, const float *x, float *y)                 \
    {                                                                                         \
        if (n > 0)                                                                            \
            nnc_vm_##f##_f32_paths[(unsigned)isa < NNC_ISA_COUNT ? isa : 0](n, x, y);         \
    }
NNC_VM_FUNCS(NNC_VM_ENTRY_)
#undef NNC_VM_ENTRY_
#undef NNC_VM_PATHS_

int nnc_vm_lookup(const char *name, nnc_vm_f64_fn *f64, nnc_vm_f32_fn *f32)
{
#define NNC_VM_LOOKUP_(f)                                                                     \
    if (strcmp(name, #f) == 0) {                                                              \
        *f64 = nnc_vm_##f##_f64;                                                              \
        *f32 = nnc_vm_##f##_f32;                                                              \
        return 0;                                                                             \
    }
    NNC_VM_FUNCS(NNC_VM_LOOKUP_)
#undef NNC_VM_LOOKUP_
    return -1;
}
