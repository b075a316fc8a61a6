/* Instruction-set levels for run-time dispatch of the non-GEMM kernels.
 *
 * Every dispatched family (vector math, optimizer steps) keeps a CONST table
 * of function pointers indexed by nnc_isa_t; a caller picks the entry for the
 * level it was given (the binding decides the level once at import and keeps
 * it in module state).  Nothing here is mutable: nnc_isa_best() reads the CPU
 * model the compiler's runtime has already filled in (libgcc's __cpu_model
 * behind __builtin_cpu_supports, MSVC's __isa_available), so it is a cheap
 * pure function and needs no global of ours.
 *
 * Every path of a family gives the same bits: the kernels use only IEEE
 * add, sub, mul, div, sqrt, compares and bit operations, and a fused
 * multiply-add only where the code writes one out (the vector math, through
 * V_FMA of nnc_simd.h: the FMA instruction on AVX2/AVX-512/NEON, C99 fma()
 * on the portable path -- the same single rounding everywhere); the build's
 * -ffp-contract=off keeps the compiler from fusing anything else.  So a
 * wider vector only does more elements at once. */
#ifndef NNC_ISA_H
#define NNC_ISA_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NNC_ISA_GENERIC = 0, /* portable C: any compiler and CPU */
    NNC_ISA_AVX2,        /* x86-64 AVX2 */
    NNC_ISA_AVX512,      /* x86-64 AVX-512F */
    NNC_ISA_COUNT
} nnc_isa_t;

/* x86 vector paths are compiled where the compiler can target them per
 * function: GCC/Clang through target attributes, MSVC (which accepts AVX
 * intrinsics anywhere) as is -- there only the intrinsics code (vmath) is
 * really wider; loops left to the auto-vectoriser stay baseline.  -DNNC_ISA_PORTABLE builds the portable path
 * only.  An arm64 NEON backend would be one more level with the primitives of
 * nnc_simd.h written for float64x2_t. */
#if !defined(NNC_ISA_PORTABLE) &&                                                              \
    (((defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))) || \
     (defined(_MSC_VER) && defined(_M_X64)))
#define NNC_ISA_X86 1
#else
#define NNC_ISA_X86 0
#endif

/* The AVX2 level includes FMA (every x86 CPU with AVX2 has it, and the
 * vector math uses it: nnc_isa_available checks both). */
#if NNC_ISA_X86 && (defined(__GNUC__) || defined(__clang__))
#define NNC_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define NNC_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
#else
#define NNC_TARGET_AVX2
#define NNC_TARGET_AVX512
#endif
/* the portable one-lane vector math compiled for the AVX2 level, where C99
 * fma() is one instruction (vmath.c) */
#define NNC_TARGET_FMA NNC_TARGET_AVX2

/* "generic", "avx2", "avx512" ("unknown" out of range). */
const char *nnc_isa_name(nnc_isa_t isa);

/* 1 when the level was compiled in and this CPU (and OS) can run it. */
int nnc_isa_available(nnc_isa_t isa);

/* The widest available level. */
nnc_isa_t nnc_isa_best(void);

/* isa if available, else the best available level below it. */
nnc_isa_t nnc_isa_clamp(nnc_isa_t isa);

#ifdef __cplusplus
}
#endif
#endif /* NNC_ISA_H */
