/* Blocked GEMM: the kernel choice behind nnc_gemm_f32/f64 (declared in
 * nnc_decls.h), exposed so that tests can run every code path on one machine
 * and benchmarks can say which one ran. */
#ifndef NNC_GEMM_H
#define NNC_GEMM_H

#include "nnc_core.h"
#include "nnc_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Micro-kernels.  AUTO picks the widest one the CPU (and OS) supports. */
typedef enum {
    NNC_GEMM_AUTO = 0,
    NNC_GEMM_GENERIC, /* portable C, any compiler and CPU */
    NNC_GEMM_AVX2,    /* x86-64 AVX2 + FMA (GCC/Clang target attributes) */
    NNC_GEMM_AVX512,  /* x86-64 AVX-512F */
    NNC_GEMM_KERNEL_COUNT
} nnc_gemm_kernel_t;

/* Multiply-adds (m*n*k) per thread below which another thread does not pay
 * (starting one costs ~20 us, waking a pooled one a few us).  A caller that would have to work to find
 * the core count can skip that for products below twice this. */
#define NNC_GEMM_THREAD_WORK 2097152.0
/* The same when the threads come from a worker pool (nnc_gemm_pool_*):
 * waking a waiting worker costs a few microseconds, not tens.  (A
 * conservative guess, not yet tuned on an idle machine.) */
#define NNC_GEMM_POOL_THREAD_WORK 1048576.0

/* "auto", "generic", "avx2", "avx512". */
const char *nnc_gemm_kernel_name(nnc_gemm_kernel_t kernel);

/* The kernel AUTO resolves to on this machine. */
nnc_gemm_kernel_t nnc_gemm_kernel_best(void);

/* 1 when `kernel` was compiled in and this CPU can run it. */
int nnc_gemm_kernel_available(nnc_gemm_kernel_t kernel);

/* nnc_gemm with an explicit kernel (NNC_STATUS_INVALID_ARGUMENT when the
 * kernel is unavailable).  Which kernel runs changes the last bits of the
 * results (FMA or not, block sizes); the thread count never does. */
#define NNC_GEMM_EX_DECL(T, SFX)                                                              \
    nnc_status_t nnc_gemm_ex_##SFX(nnc_gemm_kernel_t kernel, int trans_a, int trans_b,        \
                                   int64_t m, int64_t n, int64_t k, T alpha, const T *a,      \
                                   int64_t lda, const T *b, int64_t ldb, T beta, T *c,        \
                                   int64_t ldc, int threads)
NNC_GEMM_EX_DECL(double, f64);
NNC_GEMM_EX_DECL(float, f32);

/* Cancellation: a long computation calls poll(ctx) between pieces of work;
 * a nonzero return abandons it with NNC_STATUS_INTERRUPTED.  poll runs on the
 * calling thread only (never on a GEMM worker thread). */
typedef int (*nnc_poll_t)(void *ctx);

/* Multiply-adds a thread does between polls in nnc_gemm_poll: a few
 * milliseconds of work, so a poll comes well within 0.2 s. */
#define NNC_GEMM_POLL_WORK 33554432.0

/* nnc_gemm with poll(poll_ctx) about every NNC_GEMM_POLL_WORK multiply-adds
 * of the calling thread's share (poll may be NULL: plain nnc_gemm).  Worker
 * threads never call poll; they stop at their next check once the caller's
 * poll asked to.  On NNC_STATUS_INTERRUPTED, C is partly written.  The bits
 * of C are those of nnc_gemm: an entry depends on its row of op(A), its
 * column of op(B) and k, not on which thread computed it. */
#define NNC_GEMM_POLL_DECL(T, SFX)                                                            \
    nnc_status_t nnc_gemm_poll_##SFX(int trans_a, int trans_b, int64_t m, int64_t n,          \
                                     int64_t k, T alpha, const T *a, int64_t lda, const T *b, \
                                     int64_t ldb, T beta, T *c, int64_t ldc, int threads,     \
                                     nnc_poll_t poll, void *poll_ctx)
NNC_GEMM_POLL_DECL(double, f64);
NNC_GEMM_POLL_DECL(float, f32);

/* nnc_gemm on the threads of `pool` (acquired by the caller with
 * nnc_pool_acquire, or NULL to start threads for the call).  Same results,
 * bit for bit, as nnc_gemm with any thread count.  nnc_gemm_pool_poll adds
 * nnc_gemm_poll's Ctrl-C polling (poll may be NULL). */
#define NNC_GEMM_POOL_DECL(T, SFX)                                                            \
    nnc_status_t nnc_gemm_pool_##SFX(nnc_pool_t *pool, int trans_a, int trans_b, int64_t m,   \
                                     int64_t n, int64_t k, T alpha, const T *a, int64_t lda,  \
                                     const T *b, int64_t ldb, T beta, T *c, int64_t ldc,      \
                                     int threads)
NNC_GEMM_POOL_DECL(double, f64);
NNC_GEMM_POOL_DECL(float, f32);
#define NNC_GEMM_POOL_POLL_DECL(T, SFX)                                                       \
    nnc_status_t nnc_gemm_pool_poll_##SFX(nnc_pool_t *pool, int trans_a, int trans_b,         \
                                          int64_t m, int64_t n, int64_t k, T alpha,            \
                                          const T *a, int64_t lda, const T *b, int64_t ldb,    \
                                          T beta, T *c, int64_t ldc, int threads,              \
                                          nnc_poll_t poll, void *poll_ctx)
NNC_GEMM_POOL_POLL_DECL(double, f64);
NNC_GEMM_POOL_POLL_DECL(float, f32);

#ifdef __cplusplus
}
#endif
#endif /* NNC_GEMM_H */
