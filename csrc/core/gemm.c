/* Blocked, vectorised, optionally threaded GEMM (nnc_gemm_f32/f64) with
 * run-time choice of the micro-kernel.  The body is gemm_impl.h, included
 * once per dtype; the micro-kernels for x86 are compiled with GCC/Clang
 * target attributes and chosen with __builtin_cpu_supports, so one build
 * runs on any x86-64 (never -march=native). */
#include "gemm.h"

#include <stdlib.h>

#include "nnc_port.h"
#include "nnc_thread.h"

/* -DNNC_GEMM_PORTABLE builds only the portable kernels (as on other CPUs and
 * compilers), for testing that path and for compilers without target
 * attributes. */
#if !defined(NNC_GEMM_PORTABLE) && NNC_HAS_TARGET_ATTR
#define NNC_GEMM_X86 1
#include <immintrin.h>
#else
#define NNC_GEMM_X86 0
#endif

/* Micro-tile heights: 12 x 2 zmm accumulators (24 of 32 registers) and
 * 6 x 2 ymm (12 of 16), leaving room for the B row and the broadcast. */
#define NNC_AVX512_MR 12
#define NNC_AVX2_MR 6
/* Rows of packed B (NR values each, 128 bytes on AVX-512) the x86
 * micro-kernels prefetch ahead of the row they multiply. */
#define NNC_GEMM_MK_PREFETCH 16
#define NNC_GEMM_MAX_THREADS NNC_POOL_MAX_THREADS
/* Packing buffers up to this size live on the stack (products up to about
 * 32 x 32); multiples of 64 keep the B buffer aligned. */
#define NNC_GEMM_STACK_BYTES 24576
/* The direct path (A read in place): rows of A per block (a multiple of
 * every direct kernel's rows, about 256 KB of A in L2), and the size up to
 * which it is also used for transposed operands. */
#define NNC_GEMM_DIRECT_MC 120
#define NNC_GEMM_DIRECT_MAX 256
/* Untransposed products with n and k at least this big (and m at least
 * NNC_GEMM_DIRECT_MAX) take the packed path: the direct kernel re-reads its KC x 4-vector chunk of B
 * (96 KB in float32, twice L1) for every few rows of A, while the packed
 * path keeps a 12-row sliver of A in L1 and streams B from L2.  Below,
 * packing costs more than it saves.  Crossovers measured on AVX-512 (one
 * thread): square float32 between 768 and 896 (the packed path 4% faster
 * at 896, 21% at 2048), float64 between 512 and 640 (8% faster at 640, 19%
 * at 2048); with n = k = 1024 the packed path is still 5-15% faster at
 * m = 256 and 512. */
#define NNC_GEMM_PACKED_MIN_F32 896
#define NNC_GEMM_PACKED_MIN_F64 640
/* Most bytes of op(B) the direct path copies at once. */
#define NNC_GEMM_DIRECT_PANEL ((int64_t)8 << 20)

const char *nnc_gemm_kernel_name(nnc_gemm_kernel_t kernel)
{
    switch (kernel) {
    case NNC_GEMM_AUTO: return "auto";
    case NNC_GEMM_GENERIC: return "generic";
    case NNC_GEMM_AVX2: return "avx2";
    case NNC_GEMM_AVX512: return "avx512";
    default: return "unknown";
    }
}

int nnc_gemm_kernel_available(nnc_gemm_kernel_t kernel)
{
    switch (kernel) {
    case NNC_GEMM_AUTO:
    case NNC_GEMM_GENERIC: return 1;
#if NNC_GEMM_X86
    /* __builtin_cpu_supports also checks that the OS saves the registers. */
    case NNC_GEMM_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case NNC_GEMM_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#endif
    default: return 0;
    }
}

nnc_gemm_kernel_t nnc_gemm_kernel_best(void)
{
    if (nnc_gemm_kernel_available(NNC_GEMM_AVX512))
        return NNC_GEMM_AVX512;
    if (nnc_gemm_kernel_available(NNC_GEMM_AVX2))
        return NNC_GEMM_AVX2;
    return NNC_GEMM_GENERIC;
}

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "gemm_impl.h"

#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "gemm_impl.h"

#include "nnc_tmpl_end.h"
