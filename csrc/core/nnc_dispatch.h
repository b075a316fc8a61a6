/* Whole-file run-time dispatch: a .c file compiles a kernel body (an *_impl.h
 * written against T and NNC_FN) once per instruction-set level (nnc_isa.h) and
 * adds the public entry points, which pick the level's copy from a const
 * table.  The pattern, per dtype:
 *
 *     #define NNC_DTYPE_F64
 *     #include "nnc_tmpl.h"
 *     #define NNC_ISA_SFX avx2
 *     NNC_TARGET_PUSH_AVX2
 *     #include "nnc_isa_body_begin.h"
 *     #include "foo_impl.h"
 *     #include "nnc_isa_body_end.h"
 *     NNC_TARGET_POP
 *
 * Between begin and end NNC_FN(name) spells name_<dtype>_<sfx>, so each copy
 * (its static helpers and its would-be public functions) has its own names;
 * code in a body that means the per-dtype name of something defined once
 * writes NNC_CAT(name, NNC_SFX).  NNC_TARGET_PUSH_* compiles every function
 * defined until NNC_TARGET_POP for that level (GCC: #pragma GCC target;
 * Clang: #pragma clang attribute).  MSVC has no per-function target, so
 * there the copies are baseline code (correct, not faster); its vector math
 * still runs AVX2/AVX-512, being written with intrinsics.
 *
 * The copies give the same bits: the bodies use IEEE + - * / sqrt and the
 * fixed-order reductions of reduce_impl.h, and -ffp-contract=off keeps every
 * copy from fusing a multiply-add (the AVX2 level's copy is compiled with
 * FMA enabled, but the compiler fuses nothing the code does not write as
 * fma()); a wider vector only does more elements at once.  Helpers defined
 * once (reduce_impl.h's lane functions, vmath.h) are
 * compiled for the baseline and inlined into every copy. */
#ifndef NNC_DISPATCH_H
#define NNC_DISPATCH_H

#include "nnc_isa.h"

#if NNC_ISA_X86 && defined(__clang__)
#define NNC_TARGET_PUSH_AVX2                                                                   \
    _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define NNC_TARGET_PUSH_AVX512                                                                 \
    _Pragma(                                                                                   \
        "clang attribute push(__attribute__((target(\"avx512f,avx2,fma\"))), apply_to = function)")
#define NNC_TARGET_POP _Pragma("clang attribute pop")
#elif NNC_ISA_X86 && defined(__GNUC__)
#define NNC_TARGET_PUSH_AVX2 _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define NNC_TARGET_PUSH_AVX512                                                                 \
    _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx2,fma\")")
#define NNC_TARGET_POP _Pragma("GCC pop_options")
#else
#define NNC_TARGET_PUSH_AVX2
#define NNC_TARGET_PUSH_AVX512
#define NNC_TARGET_POP
#endif

/* The level a dispatched entry point runs: the caller's when valid, else the
 * portable one. */
#define NNC_ISA_INDEX(isa) ((unsigned)(isa) < NNC_ISA_COUNT ? (int)(isa) : 0)

#endif /* NNC_DISPATCH_H */
