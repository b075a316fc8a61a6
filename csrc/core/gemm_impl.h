/* GEMM, written once against T; included twice by gemm.c.  Two paths:
 *
 * - direct (nnc_gemm_direct): A is read in place through its strides, op(B)
 *   in column chunks of 4 vectors (in place, or copied into aligned chunk
 *   panels), and a direct kernel keeps a few rows x 4 vectors of C in
 *   registers.  No packing of A -- for a row-major A that packing would be
 *   a transposition, which costs as much as a small product itself.  Used
 *   for untransposed operands unless n and k are at least
 *   NNC_GEMM_PACKED_MIN_F32/F64 and m at least NNC_GEMM_DIRECT_MAX, and for
 *   everything up to NNC_GEMM_DIRECT_MAX.
 * - packed (the rest of nnc_gemm_serial): the classic Goto/BLIS structure.
 *   C in NC-wide column panels; k in KC-deep blocks; per block a KC x NC
 *   panel of op(B) is packed into NR-wide slivers and each MC x KC block of
 *   op(A) into MR-tall slivers (transposes resolved while packing), and a
 *   register-blocked micro-kernel multiplies one sliver of A by one of B
 *   into an MR x NR tile of C; edge tiles use smaller kernels.  Used for
 *   large transposed products, where A's column walk would thrash the TLB.
 *
 * Reproducibility: in both paths each C entry is one fused multiply-add per
 * term over p = 0..k-1 in order from -0.0, a KC block at a time (the
 * block's sum combined into C), with a KC split that depends only on k and
 * the kernel; threads split C's rows or columns -- never k.  So the bits of
 * a result depend on the values, (m, n, k) and the kernel only: not on the
 * path, the operands' layout or transposes, or the thread count. */

/* C = alpha*acc + beta*C; beta == 0 never reads C (BLAS convention, so NaN
 * in an uninitialised C does not leak), alpha == 1 leaves acc exact. */
static inline T NNC_FN(nnc_gemm_combine)(T alpha, T acc, T beta, const T *c)
{
    T v = alpha == NNC_LIT(1.0) ? acc : alpha * acc;
    if (beta == NNC_LIT(0.0))
        return v;
    if (beta == NNC_LIT(1.0))
        return *c + v;
    return beta * *c + v;
}

typedef void (*NNC_FN(nnc_gemm_mk_fn))(int64_t kc, const T *restrict pa, const T *restrict pb,
                                       T *restrict c, int64_t ldc, int64_t mr, int64_t nr,
                                       T alpha, T beta);
typedef void (*NNC_FN(nnc_gemm_dk_fn))(int64_t m, int64_t n, int64_t k, const T *a, int64_t ars,
                                       int64_t acs, const T *b, int64_t ldb, T *restrict c,
                                       int64_t ldc, T alpha, T beta);

/* ---- the portable micro-kernel ---- */

#define NNC_GEN_MR 4
#define NNC_GEN_NR 8
/* Fused multiply-add only where the hardware does it (otherwise fma() is a
 * slow library routine); the choice changes the last bits, not the order. */
#if NNC_IS_F32 && defined(FP_FAST_FMAF)
#define NNC_GEN_MADD(a, b, c) fmaf((a), (b), (c))
#elif !NNC_IS_F32 && defined(FP_FAST_FMA)
#define NNC_GEN_MADD(a, b, c) fma((a), (b), (c))
#else
#define NNC_GEN_MADD(a, b, c) ((c) + (a) * (b))
#endif

static void NNC_FN(nnc_gemm_mk_generic)(int64_t kc, const T *restrict pa, const T *restrict pb,
                                        T *restrict c, int64_t ldc, int64_t mr, int64_t nr,
                                        T alpha, T beta)
{
    T acc[NNC_GEN_MR][NNC_GEN_NR];
    for (int i = 0; i < NNC_GEN_MR; i++)
        for (int j = 0; j < NNC_GEN_NR; j++)
            acc[i][j] = NNC_LIT(-0.0);
    for (int64_t p = 0; p < kc; p++) {
        for (int i = 0; i < NNC_GEN_MR; i++) {
            const T av = pa[i];
            for (int j = 0; j < NNC_GEN_NR; j++)
                acc[i][j] = NNC_GEN_MADD(av, pb[j], acc[i][j]);
        }
        pa += NNC_GEN_MR;
        pb += NNC_GEN_NR;
    }
    for (int64_t i = 0; i < mr; i++)
        for (int64_t j = 0; j < nr; j++)
            c[i * ldc + j] = NNC_FN(nnc_gemm_combine)(alpha, acc[i][j], beta, &c[i * ldc + j]);
}

/* The portable direct kernel (see gemm_dk.h): n <= NNC_GEN_DK_N. */
#define NNC_GEN_DK_N 16
static void NNC_FN(nnc_gemm_dk_generic)(int64_t m, int64_t n, int64_t k, const T *a, int64_t ars,
                                        int64_t acs, const T *b, int64_t ldb, T *restrict c,
                                        int64_t ldc, T alpha, T beta)
{
    for (int64_t i = 0; i < m; i++) {
        T acc[NNC_GEN_DK_N];
        for (int64_t j = 0; j < n; j++)
            acc[j] = NNC_LIT(-0.0);
        for (int64_t p = 0; p < k; p++) {
            const T av = a[i * ars + p * acs];
            const T *brow = b + p * ldb;
            for (int64_t j = 0; j < n; j++)
                acc[j] = NNC_GEN_MADD(av, brow[j], acc[j]);
        }
        for (int64_t j = 0; j < n; j++)
            c[i * ldc + j] = NNC_FN(nnc_gemm_combine)(alpha, acc[j], beta, &c[i * ldc + j]);
    }
}
#undef NNC_GEN_MADD

/* ---- x86 SIMD micro-kernels ---- */
#if NNC_GEMM_X86
#if NNC_IS_F32
#define MK_SET1 _mm512_set1_ps
#define MK_LOAD _mm512_load_ps
#define MK_LOADU _mm512_loadu_ps
#define MK_STOREU _mm512_storeu_ps
#define MK_FMA _mm512_fmadd_ps
#define MK_MUL _mm512_mul_ps
#define MK_ADD _mm512_add_ps
#define MK_V __m512
#define MK_W 16
#define MK_MASK_T __mmask16
#define MK_MASK(n) ((__mmask16)((1u << (n)) - 1u))
#define MK_MLOADU(p, m) _mm512_maskz_loadu_ps((m), (p))
#define MK_MSTOREU(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#else
#define MK_SET1 _mm512_set1_pd
#define MK_LOAD _mm512_load_pd
#define MK_LOADU _mm512_loadu_pd
#define MK_STOREU _mm512_storeu_pd
#define MK_FMA _mm512_fmadd_pd
#define MK_MUL _mm512_mul_pd
#define MK_ADD _mm512_add_pd
#define MK_V __m512d
#define MK_W 8
#define MK_MASK_T __mmask8
#define MK_MASK(n) ((__mmask8)((1u << (n)) - 1u))
#define MK_MLOADU(p, m) _mm512_maskz_loadu_pd((m), (p))
#define MK_MSTOREU(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#endif
/* 32 registers: 8x1, 6x2, 6x3 and 4x4 accumulator tiles for the direct
 * kernels. */
#define DK_ROWS_1 8
#define DK_ROWS_2 6
#define DK_ROWS_3 6
#define DK_ROWS_4 4
#define MK_BASE NNC_FN(nnc_gemm_mk_avx512)
#define MK_TARGET "avx512f,avx2,fma"
#define MK_MR NNC_AVX512_MR
#define MK_NRV 2
#include "gemm_mk_set.h"
#define DK_BASE NNC_CAT(MK_BASE, dk)
#include "gemm_dk_set.h"
#include "gemm_kernel_end.h"

#if NNC_IS_F32
#define MK_SET1 _mm256_set1_ps
#define MK_LOAD _mm256_load_ps
#define MK_LOADU _mm256_loadu_ps
#define MK_STOREU _mm256_storeu_ps
#define MK_FMA _mm256_fmadd_ps
#define MK_MUL _mm256_mul_ps
#define MK_ADD _mm256_add_ps
#define MK_V __m256
#define MK_W 8
#define MK_MASK_T __m256i
#define MK_MASK(n) _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define MK_MLOADU(p, m) _mm256_maskload_ps((p), (m))
#define MK_MSTOREU(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#else
#define MK_SET1 _mm256_set1_pd
#define MK_LOAD _mm256_load_pd
#define MK_LOADU _mm256_loadu_pd
#define MK_STOREU _mm256_storeu_pd
#define MK_FMA _mm256_fmadd_pd
#define MK_MUL _mm256_mul_pd
#define MK_ADD _mm256_add_pd
#define MK_V __m256d
#define MK_W 4
#define MK_MASK_T __m256i
#define MK_MASK(n) _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3))
#define MK_MLOADU(p, m) _mm256_maskload_pd((p), (m))
#define MK_MSTOREU(p, m, v) _mm256_maskstore_pd((p), (m), (v))
#endif
/* 16 registers: 6x1, 4x2, 3x3 and 2x4. */
#define DK_ROWS_1 6
#define DK_ROWS_2 4
#define DK_ROWS_3 3
#define DK_ROWS_4 2
#define MK_BASE NNC_FN(nnc_gemm_mk_avx2)
#define MK_TARGET "avx2,fma"
#define MK_MR NNC_AVX2_MR
#define MK_NRV 2
#include "gemm_mk_set.h"
#define DK_BASE NNC_CAT(MK_BASE, dk)
#include "gemm_dk_set.h"
#include "gemm_kernel_end.h"
#endif /* NNC_GEMM_X86 */

/* ---- blocking parameters ---- */

typedef struct {
    /* mk[r][v]: tiles of (r+1)*mr/3 rows and (v+1)*nr/2 columns (edges) */
    NNC_FN(nnc_gemm_mk_fn) mk[3][2];
    /* dk[v]: direct kernels for n <= (v+1)*dk_w */
    NNC_FN(nnc_gemm_dk_fn) dk[4];
    int64_t dk_w;
    int64_t mr, nr; /* micro-tile */
    int64_t kc;     /* deepest k block (fixes the rounding: see above) */
    int64_t mc;     /* rows of op(A) packed at once (MC x KC), multiple of mr */
    int64_t nc;     /* columns of B packed at once (KC x NC in L2), multiple of nr */
} NNC_FN(nnc_gemm_cfg_t);

static int NNC_FN(nnc_gemm_config)(nnc_gemm_kernel_t kernel, NNC_FN(nnc_gemm_cfg_t) *cfg)
{
    if (kernel == NNC_GEMM_AUTO)
        kernel = nnc_gemm_kernel_best();
    if (!nnc_gemm_kernel_available(kernel))
        return -1;
    switch (kernel) {
#if NNC_GEMM_X86
    case NNC_GEMM_AVX512:
#define NNC_MK_TABLE(base)                                                                  \
    cfg->mk[0][0] = NNC_CAT(base, r1v1);                                                    \
    cfg->mk[0][1] = NNC_CAT(base, r1v2);                                                    \
    cfg->mk[1][0] = NNC_CAT(base, r2v1);                                                    \
    cfg->mk[1][1] = NNC_CAT(base, r2v2);                                                    \
    cfg->mk[2][0] = NNC_CAT(base, r3v1);                                                    \
    cfg->mk[2][1] = NNC_CAT(base, r3v2);                                                    \
    cfg->dk[0] = NNC_CAT(NNC_CAT(base, dk), nv1);                                           \
    cfg->dk[1] = NNC_CAT(NNC_CAT(base, dk), nv2);                                           \
    cfg->dk[2] = NNC_CAT(NNC_CAT(base, dk), nv3);                                           \
    cfg->dk[3] = NNC_CAT(NNC_CAT(base, dk), nv4)
        NNC_MK_TABLE(NNC_FN(nnc_gemm_mk_avx512));
        cfg->dk_w = NNC_IS_F32 ? 16 : 8;
        cfg->mr = NNC_AVX512_MR;
        cfg->nr = NNC_IS_F32 ? 32 : 16;
        cfg->kc = NNC_IS_F32 ? 384 : 256;
        cfg->mc = NNC_AVX512_MR * 256; /* 3072 rows: 4.5 / 6 MB */
        cfg->nc = NNC_IS_F32 ? 768 : 512; /* 1.2 MB / 1 MB of a 2 MB L2 */
        return 0;
    case NNC_GEMM_AVX2:
        NNC_MK_TABLE(NNC_FN(nnc_gemm_mk_avx2));
#undef NNC_MK_TABLE
        cfg->dk_w = NNC_IS_F32 ? 8 : 4;
        cfg->mr = NNC_AVX2_MR;
        cfg->nr = NNC_IS_F32 ? 16 : 8;
        cfg->kc = 256;
        cfg->mc = NNC_AVX2_MR * 256; /* 1536 rows: 1.5 / 3 MB */
        cfg->nc = NNC_IS_F32 ? 512 : 256; /* 512 KB */
        return 0;
#endif
    default:
        for (int r = 0; r < 3; r++)
            cfg->mk[r][0] = cfg->mk[r][1] = NNC_FN(nnc_gemm_mk_generic);
        for (int v = 0; v < 4; v++)
            cfg->dk[v] = NNC_FN(nnc_gemm_dk_generic);
        cfg->dk_w = NNC_GEN_DK_N / 4; /* chunks of NNC_GEN_DK_N columns */
        cfg->mr = NNC_GEN_MR;
        cfg->nr = NNC_GEN_NR;
        cfg->kc = 256;
        cfg->mc = NNC_GEN_MR * 256; /* 1024 rows: 1 / 2 MB */
        cfg->nc = NNC_IS_F32 ? 512 : 256; /* 512 KB */
        return 0;
    }
}

/* ---- packing ---- */

/* Packs rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into MR-tall slivers:
 * dst[(s*kc + p)*mr + r] = op(A)[i0 + s*mr + r, p0 + p], zero past row mc. */
static void NNC_FN(nnc_gemm_pack_a)(int trans_a, const T *a, int64_t lda, int64_t i0,
                                    int64_t p0, int64_t mc, int64_t kc, int64_t mr, T *dst)
{
    for (int64_t s = 0; s < mc; s += mr) {
        const int64_t rows = mc - s < mr ? mc - s : mr;
        T *d = dst + s * kc;
        if (!trans_a && rows == NNC_AVX512_MR && mr == NNC_AVX512_MR) {
            /* A full sliver of the AVX-512 kernel (the common case, and a
             * compile-time height): the destination in order, reading
             * the rows side by side. */
            const T *src[NNC_AVX512_MR];
            for (int r = 0; r < NNC_AVX512_MR; r++)
                src[r] = a + (i0 + s + r) * lda + p0;
            for (int64_t p = 0; p < kc; p++) {
                T *dp = d + p * NNC_AVX512_MR;
                for (int r = 0; r < NNC_AVX512_MR; r++)
                    dp[r] = src[r][p];
            }
            continue;
        }
        if (!trans_a) {
            for (int64_t r = 0; r < rows; r++) {
                const T *src = a + (i0 + s + r) * lda + p0;
                for (int64_t p = 0; p < kc; p++)
                    d[p * mr + r] = src[p];
            }
        }
        else {
            for (int64_t p = 0; p < kc; p++) {
                const T *src = a + (p0 + p) * lda + i0 + s;
                for (int64_t r = 0; r < rows; r++)
                    d[p * mr + r] = src[r];
            }
        }
        for (int64_t r = rows; r < mr; r++)
            for (int64_t p = 0; p < kc; p++)
                d[p * mr + r] = NNC_LIT(0.0);
    }
}

/* Packs depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) into NR-wide
 * slivers: dst[(s*kc + p)*nr + c] = op(B)[p0 + p, j0 + s*nr + c], zero past
 * column nc. */
static void NNC_FN(nnc_gemm_pack_b)(int trans_b, const T *b, int64_t ldb, int64_t p0,
                                    int64_t j0, int64_t kc, int64_t nc, int64_t nr, T *dst)
{
    if (!trans_b) {
        /* Row by row of B (each read once, in order; walking a sliver's
         * column strip instead touches kc pages per strip), every sliver's
         * row written in turn. */
        for (int64_t p = 0; p < kc; p++) {
            const T *src = b + (p0 + p) * ldb + j0;
            for (int64_t s = 0; s < nc; s += nr) {
                const int64_t cols = nc - s < nr ? nc - s : nr;
                T *dp = dst + s * kc + p * nr;
                for (int64_t c = 0; c < cols; c++)
                    dp[c] = src[s + c];
                for (int64_t c = cols; c < nr; c++)
                    dp[c] = NNC_LIT(0.0);
            }
        }
        return;
    }
    for (int64_t s = 0; s < nc; s += nr) {
        const int64_t cols = nc - s < nr ? nc - s : nr;
        T *d = dst + s * kc;
        if (!trans_b) {
            for (int64_t p = 0; p < kc; p++) {
                const T *src = b + (p0 + p) * ldb + j0 + s;
                T *dp = d + p * nr;
                for (int64_t c = 0; c < cols; c++)
                    dp[c] = src[c];
                for (int64_t c = cols; c < nr; c++)
                    dp[c] = NNC_LIT(0.0);
            }
        }
        else {
            for (int64_t c = 0; c < cols; c++) {
                const T *src = b + (j0 + s + c) * ldb + p0;
                for (int64_t p = 0; p < kc; p++)
                    d[p * nr + c] = src[p];
            }
            for (int64_t p = 0; p < kc; p++)
                for (int64_t c = cols; c < nr; c++)
                    d[p * nr + c] = NNC_LIT(0.0);
        }
    }
}

/* ---- drivers ---- */

/* The k blocks: as few as KC allows, of near-equal depth (a function of k
 * and the kernel only -- see "Reproducibility" above). */
static int64_t NNC_FN(nnc_gemm_kc)(const NNC_FN(nnc_gemm_cfg_t) *cfg, int64_t k)
{
    const int64_t nblocks = (k + cfg->kc - 1) / cfg->kc;
    return (k + nblocks - 1) / nblocks;
}

typedef struct {
    const NNC_FN(nnc_gemm_cfg_t) *cfg;
    int trans_a, trans_b;
    int64_t m, n, k; /* this job's block of C: m x n, at c */
    T alpha, beta;
    const T *a; /* op(A) rows of this block start here */
    const T *b; /* op(B) columns of this block start here */
    T *c;
    int64_t lda, ldb, ldc;
    nnc_status_t status;
    /* Serial runs only (never on a worker thread): polled about every
     * NNC_GEMM_POLL_WORK multiply-adds; nonzero stops with INTERRUPTED. */
    nnc_poll_t poll;
    void *poll_ctx;
    nnc_pool_t *pool; /* acquired worker pool for threaded runs, or NULL */
} NNC_FN(nnc_gemm_job_t);

static void *NNC_FN(nnc_gemm_aligned)(size_t elems, void **base)
{
    size_t bytes;
    if (nnc_bytes((int64_t)elems, sizeof(T), &bytes) != 0 || bytes > SIZE_MAX - 64) {
        *base = NULL;
        return NULL;
    }
    *base = malloc(bytes + 64);
    if (*base == NULL)
        return NULL;
    return (void *)(((uintptr_t)*base + 63) & ~(uintptr_t)63);
}

/* ---- the direct path ----
 * The direct kernels over column chunks of 4 vectors (w4 columns), k in the
 * same KC blocks as the packed path, so the arithmetic is the same.  A is
 * read in place.  B is read in place when it is one untransposed chunk;
 * otherwise op(B) is copied, a panel of columns at a time, into chunk-major
 * blocks (a plain copy when B is not transposed -- unlike packing A, which
 * would be a transposition). */

/* Speed choice only (both paths give the same bits): reading A in place
 * wins unless A is transposed (a column walk) or op(B) must be transposed,
 * and the product is big enough for packing to pay -- or B is large
 * (n and k at least NNC_GEMM_PACKED_MIN_*) and A has at least
 * NNC_GEMM_DIRECT_MAX rows, where the packed path's cache use wins (also
 * for each thread's share of the rows). */
static int NNC_FN(nnc_gemm_use_direct)(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k)
{
    if (!trans_a && !trans_b) {
        const int64_t big = NNC_IS_F32 ? NNC_GEMM_PACKED_MIN_F32 : NNC_GEMM_PACKED_MIN_F64;
        return m < NNC_GEMM_DIRECT_MAX || n < big || k < big;
    }
    return m <= NNC_GEMM_DIRECT_MAX && n <= NNC_GEMM_DIRECT_MAX && k <= NNC_GEMM_DIRECT_MAX;
}

/* Copies chunks [q0, q1) of op(B)[0..k, 0..n) (b points at column 0 of
 * op(B)) so that for the KC block starting at row pc, chunk q is at
 * dst + pc*nchunks*w4 + q*kc*w4: kc rows of w4 values (only the first
 * columns of the last chunk used).  Threads pack disjoint chunk ranges. */
static void NNC_FN(nnc_gemm_direct_pack)(const NNC_FN(nnc_gemm_cfg_t) *cfg, int trans_b,
                                         const T *b, int64_t ldb, int64_t k, int64_t n,
                                         int64_t q0, int64_t q1, T *dst)
{
    const int64_t w4 = 4 * cfg->dk_w, nchunks = (n + w4 - 1) / w4;
    const int64_t kcb = NNC_FN(nnc_gemm_kc)(cfg, k);
    for (int64_t pc = 0; pc < k; pc += kcb) {
        const int64_t kc = k - pc < kcb ? k - pc : kcb;
        for (int64_t q = q0; q < q1; q++) {
            const int64_t j0 = q * w4, nn = n - j0 < w4 ? n - j0 : w4;
            T *d = dst + pc * nchunks * w4 + q * kc * w4;
            if (!trans_b) {
                for (int64_t p = 0; p < kc; p++) {
                    const T *src = b + (pc + p) * ldb + j0;
                    T *dp = d + p * w4;
                    for (int64_t j = 0; j < nn; j++)
                        dp[j] = src[j];
                }
            }
            else {
                for (int64_t j = 0; j < nn; j++) {
                    const T *src = b + (j0 + j) * ldb + pc;
                    for (int64_t p = 0; p < kc; p++)
                        d[p * w4 + j] = src[p];
                }
            }
        }
    }
}

/* C rows of `job` against op(B): packed by nnc_gemm_direct_pack (bp), or
 * in place (bp == NULL: job->b untransposed, n <= w4). */

/* Counts `work` multiply-adds done since the last poll; once they reach
 * NNC_GEMM_POLL_WORK, polls, and on a stop request marks the job INTERRUPTED
 * and returns 1 (the caller leaves its loops). */
static inline int NNC_FN(nnc_gemm_job_poll)(NNC_FN(nnc_gemm_job_t) *job, double *since_poll,
                                            double work)
{
    *since_poll += work;
    if (job->poll == NULL || *since_poll < NNC_GEMM_POLL_WORK)
        return 0;
    *since_poll = 0;
    if (job->poll(job->poll_ctx) == 0)
        return 0;
    job->status = NNC_STATUS_INTERRUPTED;
    return 1;
}

static void NNC_FN(nnc_gemm_direct_run)(NNC_FN(nnc_gemm_job_t) *job, const T *bp)
{
    const NNC_FN(nnc_gemm_cfg_t) *cfg = job->cfg;
    const int64_t m = job->m, n = job->n, k = job->k;
    const int64_t w4 = 4 * cfg->dk_w, nchunks = (n + w4 - 1) / w4;
    const int64_t kcb = NNC_FN(nnc_gemm_kc)(cfg, k);
    const int64_t ars = job->trans_a ? 1 : job->lda, acs = job->trans_a ? job->lda : 1;
    double since_poll = 0;
    for (int64_t pc = 0; pc < k; pc += kcb) {
        const int64_t kc = k - pc < kcb ? k - pc : kcb;
        const T beta = pc == 0 ? job->beta : NNC_LIT(1.0);
        for (int64_t ic = 0; ic < m; ic += NNC_GEMM_DIRECT_MC) {
            const int64_t mc = m - ic < NNC_GEMM_DIRECT_MC ? m - ic : NNC_GEMM_DIRECT_MC;
            for (int64_t q = 0; q < nchunks; q++) {
                const int64_t j0 = q * w4, nn = n - j0 < w4 ? n - j0 : w4;
                const T *bq = bp == NULL ? job->b + pc * job->ldb + j0
                                         : bp + pc * nchunks * w4 + q * kc * w4;
                const int64_t ldbq = bp == NULL ? job->ldb : w4;
                cfg->dk[(nn - 1) / cfg->dk_w](mc, nn, kc, job->a + ic * ars + pc * acs, ars, acs,
                                              bq, ldbq, job->c + ic * job->ldc + j0, job->ldc,
                                              job->alpha, beta);
            }
            if (NNC_FN(nnc_gemm_job_poll)(job, &since_poll, (double)mc * (double)n * (double)kc))
                return;
        }
    }
}

static nnc_status_t NNC_FN(nnc_gemm_run_rows)(const NNC_FN(nnc_gemm_job_t) *job, const T *bp,
                                              int64_t nt);
static void NNC_FN(nnc_gemm_run_pack)(const NNC_FN(nnc_gemm_job_t) *panel, T *bp, int64_t nt);

/* The direct path for `job`, its rows shared by nt threads. */
static nnc_status_t NNC_FN(nnc_gemm_direct)(const NNC_FN(nnc_gemm_job_t) *job, int64_t nt)
{
    const NNC_FN(nnc_gemm_cfg_t) *cfg = job->cfg;
    const int64_t n = job->n, k = job->k, w4 = 4 * cfg->dk_w;
    if (!job->trans_b && n <= w4)
        return NNC_FN(nnc_gemm_run_rows)(job, NULL, nt);
    /* Panels of whole chunks, at most NNC_GEMM_DIRECT_PANEL bytes each, so
     * the copy stays small whatever B's size. */
    int64_t chunks = NNC_GEMM_DIRECT_PANEL / (int64_t)sizeof(T) / (k * w4);
    if (chunks < 1)
        chunks = 1;
    const int64_t ncd = chunks * w4 < n ? chunks * w4 : (n + w4 - 1) / w4 * w4;
    void *base = NULL;
    T *bp;
    NNC_ALIGNAS(64) T stack_buf[NNC_GEMM_STACK_BYTES / sizeof(T)];
    nnc_status_t st = NNC_STATUS_OK;
    if (ncd * k <= (int64_t)(sizeof stack_buf / sizeof(T)))
        bp = stack_buf;
    else if ((bp = (T *)NNC_FN(nnc_gemm_aligned)((size_t)(ncd * k), &base)) == NULL)
        return NNC_STATUS_NO_MEMORY;
    for (int64_t jc = 0; jc < n && st == NNC_STATUS_OK; jc += ncd) {
        NNC_FN(nnc_gemm_job_t) panel = *job;
        panel.n = n - jc < ncd ? n - jc : ncd;
        panel.b = job->b + jc * (job->trans_b ? job->ldb : 1);
        panel.c = job->c + jc;
        if (nt > 1)
            NNC_FN(nnc_gemm_run_pack)(&panel, bp, nt);
        else
            NNC_FN(nnc_gemm_direct_pack)(cfg, job->trans_b, panel.b, job->ldb, k, panel.n, 0,
                                         (panel.n + w4 - 1) / w4, bp);
        st = NNC_FN(nnc_gemm_run_rows)(&panel, bp, nt);
        if (st == NNC_STATUS_OK && job->poll != NULL && job->poll(job->poll_ctx) != 0)
            st = NNC_STATUS_INTERRUPTED;
    }
    free(base);
    return st;
}

/* One thread's share: C block = alpha op(A) op(B) + beta C, serially. */
static void NNC_FN(nnc_gemm_serial)(NNC_FN(nnc_gemm_job_t) *job)
{
    const NNC_FN(nnc_gemm_cfg_t) *cfg = job->cfg;
    const int64_t m = job->m, n = job->n, k = job->k;
    const int64_t mr = cfg->mr, nr = cfg->nr;
    const int64_t kcb = NNC_FN(nnc_gemm_kc)(cfg, k);
    if (NNC_FN(nnc_gemm_use_direct)(job->trans_a, job->trans_b, m, n, k)) {
        job->status = NNC_FN(nnc_gemm_direct)(job, 1);
        return;
    }
    const int64_t mcb = m < cfg->mc ? (m + mr - 1) / mr * mr : cfg->mc;
    const int64_t ncb = n < cfg->nc ? (n + nr - 1) / nr * nr : cfg->nc;
    void *abase = NULL, *bbase = NULL;
    T *ap, *bp;
    /* Small products pack on the stack: malloc would cost as much as the
     * arithmetic. */
    NNC_ALIGNAS(64) T stack_buf[NNC_GEMM_STACK_BYTES / sizeof(T)];
    const int64_t b_off = (mcb * kcb + 63) / 64 * 64; /* keeps bp 64-byte aligned */
    if (b_off + ncb * kcb <= (int64_t)(sizeof stack_buf / sizeof(T))) {
        ap = stack_buf;
        bp = stack_buf + b_off;
    }
    else {
        ap = (T *)NNC_FN(nnc_gemm_aligned)((size_t)(mcb * kcb), &abase);
        bp = (T *)NNC_FN(nnc_gemm_aligned)((size_t)(ncb * kcb), &bbase);
    }
    job->status = NNC_STATUS_OK;
    if (ap == NULL || bp == NULL) {
        free(abase);
        free(bbase);
        job->status = NNC_STATUS_NO_MEMORY;
        return;
    }
    /* Loop order: a block of up to MC rows of op(A) is packed once per KC
     * block (not once per NC panel); within it each NC panel of op(B) is
     * packed and swept.  The sliver of A (MR x KC, 18-24 KB) stays in L1
     * while the slivers of the B panel (KC x NC, sized for L2) stream past
     * it: B is the vector operand, loaded once per row of the sliver, A
     * the broadcast one.  Each C tile still gets its KC blocks in order. */
    double since_poll = 0;
    for (int64_t ic = 0; ic < m && job->status == NNC_STATUS_OK; ic += cfg->mc) {
        const int64_t mc = m - ic < cfg->mc ? m - ic : cfg->mc;
        for (int64_t pc = 0; pc < k && job->status == NNC_STATUS_OK; pc += kcb) {
            const int64_t kc = k - pc < kcb ? k - pc : kcb;
            const T beta = pc == 0 ? job->beta : NNC_LIT(1.0);
            NNC_FN(nnc_gemm_pack_a)(job->trans_a, job->a, job->lda, ic, pc, mc, kc, mr, ap);
            for (int64_t jc = 0; jc < n && job->status == NNC_STATUS_OK; jc += cfg->nc) {
                const int64_t nc = n - jc < cfg->nc ? n - jc : cfg->nc;
                NNC_FN(nnc_gemm_pack_b)(job->trans_b, job->b, job->ldb, pc, jc, kc, nc, nr, bp);
                for (int64_t ir = 0; ir < mc; ir += mr) {
                    const int64_t mrr = mc - ir < mr ? mc - ir : mr;
                    const int rc = mrr * 3 <= mr ? 0 : mrr * 3 <= 2 * mr ? 1 : 2;
                    for (int64_t jr = 0; jr < nc; jr += nr) {
                        const int64_t nrr = nc - jr < nr ? nc - jr : nr;
                        cfg->mk[rc][nrr * 2 <= nr ? 0 : 1](kc, ap + ir * kc, bp + jr * kc,
                                job->c + (ic + ir) * job->ldc + jc + jr, job->ldc, mrr, nrr,
                                job->alpha, beta);
                    }
                    /* polled per sliver of A, not per panel: a panel (up to
                     * MC x NC x KC, some 10^9 multiply-adds) is far longer
                     * than one poll interval */
                    if (NNC_FN(nnc_gemm_job_poll)(job, &since_poll,
                                                  (double)mrr * (double)nc * (double)kc))
                        break;
                }
            }
        }
    }
    free(abase);
    free(bbase);
}

/* ---- threads ----
 * A team shares one phase of a product among threads: C's rows (or columns,
 * when C is short), or the chunks of a direct-path panel of op(B) being
 * packed.  The phase is cut into npieces pieces of whole tiles that the
 * threads take in turn, so a busy core slows only its own pieces.  Who
 * computes or packs a piece never changes the arithmetic.  The threads come
 * from the caller's worker pool (nnc_pool.h), or are started for the call
 * when it has none (the core keeps no global pool).
 *
 * Ctrl-C: every piece's job polls through nnc_gemm_team_poll.  On thread 0
 * (the caller) that runs the caller's poll and, when it asks to stop, marks
 * the team stopped; on the other threads it reads that mark.  So a
 * threaded product polls as often as a serial one, whatever the pieces'
 * size, and every thread leaves within one poll interval. */
#ifndef NNC_GEMM_PHASE_DEFINED
#define NNC_GEMM_PHASE_DEFINED
typedef enum {
    NNC_GEMM_PHASE_DIRECT, /* rows through nnc_gemm_direct_run against bp */
    NNC_GEMM_PHASE_SERIAL, /* rows or columns through nnc_gemm_serial */
    NNC_GEMM_PHASE_PACK    /* chunks of op(B) into bp (nnc_gemm_direct_pack) */
} nnc_gemm_phase_t;
#endif

typedef struct NNC_FN(nnc_gemm_team) NNC_FN(nnc_gemm_team_t);
typedef struct {
    NNC_FN(nnc_gemm_team_t) *team;
    int thread;
} NNC_FN(nnc_gemm_poller_t);

struct NNC_FN(nnc_gemm_team) {
    NNC_FN(nnc_gemm_job_t) whole; /* its poll is the caller's */
    T *bp;                        /* direct path: packed panel of op(B), or NULL */
    nnc_gemm_phase_t phase;
    int split_n;                  /* pieces are columns (else rows or chunks) */
    int64_t tile, len, npieces;
    nnc_mutex_t lock; /* guards next, stop and status when use_lock */
    int use_lock;
    int64_t next;
    int stop;
    nnc_status_t status;
    NNC_FN(nnc_gemm_poller_t) pollers[NNC_GEMM_MAX_THREADS];
};

static int NNC_FN(nnc_gemm_team_poll)(void *ctx)
{
    const NNC_FN(nnc_gemm_poller_t) *p = (const NNC_FN(nnc_gemm_poller_t) *)ctx;
    NNC_FN(nnc_gemm_team_t) *team = p->team;
    int stop;
    if (p->thread == 0 && team->whole.poll != NULL && team->whole.poll(team->whole.poll_ctx) != 0) {
        if (team->use_lock)
            nnc_mutex_lock(&team->lock);
        team->stop = 1;
        team->status = NNC_STATUS_INTERRUPTED;
        if (team->use_lock)
            nnc_mutex_unlock(&team->lock);
        return 1;
    }
    if (team->use_lock)
        nnc_mutex_lock(&team->lock);
    stop = team->stop;
    if (team->use_lock)
        nnc_mutex_unlock(&team->lock);
    return stop;
}

static void NNC_FN(nnc_gemm_team_worker)(void *arg, int thread)
{
    NNC_FN(nnc_gemm_team_t) *team = (NNC_FN(nnc_gemm_team_t) *)arg;
    const NNC_FN(nnc_gemm_job_t) *w = &team->whole;
    const int64_t ntiles = (team->len + team->tile - 1) / team->tile;
    NNC_FN(nnc_gemm_poller_t) *poller = &team->pollers[thread];
    poller->team = team;
    poller->thread = thread;
    for (;;) {
        if (team->use_lock)
            nnc_mutex_lock(&team->lock);
        const int64_t piece = team->stop ? team->npieces : team->next++;
        if (team->use_lock)
            nnc_mutex_unlock(&team->lock);
        if (piece >= team->npieces)
            break;
        /* Thread 0 polls between pieces too (a piece may be shorter than
         * one poll interval of its own loops). */
        if (thread == 0 && w->poll != NULL && NNC_FN(nnc_gemm_team_poll)(poller) != 0)
            break;
        const int64_t lo = ntiles * piece / team->npieces * team->tile;
        int64_t hi = ntiles * (piece + 1) / team->npieces * team->tile;
        if (hi > team->len)
            hi = team->len;
        if (team->phase == NNC_GEMM_PHASE_PACK) {
            NNC_FN(nnc_gemm_direct_pack)(w->cfg, w->trans_b, w->b, w->ldb, w->k, w->n, lo, hi,
                                         team->bp);
            continue;
        }
        NNC_FN(nnc_gemm_job_t) job = *w;
        job.status = NNC_STATUS_OK;
        if (w->poll != NULL) {
            job.poll = NNC_FN(nnc_gemm_team_poll);
            job.poll_ctx = poller;
        }
        if (team->split_n) {
            job.n = hi - lo;
            job.b = w->b + lo * (w->trans_b ? w->ldb : 1);
            job.c = w->c + lo;
        }
        else {
            job.m = hi - lo;
            job.a = w->a + lo * (w->trans_a ? 1 : w->lda);
            job.c = w->c + lo * w->ldc;
        }
        if (team->phase == NNC_GEMM_PHASE_DIRECT)
            NNC_FN(nnc_gemm_direct_run)(&job, team->bp);
        else
            NNC_FN(nnc_gemm_serial)(&job);
        if (job.status != NNC_STATUS_OK) {
            if (team->use_lock)
                nnc_mutex_lock(&team->lock);
            if (team->status == NNC_STATUS_OK)
                team->status = job.status;
            team->stop = 1;
            if (team->use_lock)
                nnc_mutex_unlock(&team->lock);
        }
    }
}

/* Runs the team's pieces on nt threads (this one included). */
static nnc_status_t NNC_FN(nnc_gemm_team_run)(NNC_FN(nnc_gemm_team_t) *team, int64_t nt)
{
    team->next = 0;
    team->stop = 0;
    team->status = NNC_STATUS_OK;
    team->use_lock = 0;
#if NNC_HAVE_THREADS
    if (nt > NNC_GEMM_MAX_THREADS)
        nt = NNC_GEMM_MAX_THREADS;
    if (nt > 1 && nnc_mutex_init(&team->lock) == 0) {
        team->use_lock = 1;
        /* Pieces of a thread that could not start are taken by the others. */
        nnc_pool_run(team->whole.pool, (int)nt, NNC_FN(nnc_gemm_team_worker), team);
        nnc_mutex_destroy(&team->lock);
        return team->status;
    }
#endif
    (void)nt;
    if (team->phase != NNC_GEMM_PHASE_PACK)
        team->npieces = 1; /* one thread: no cutting */
    NNC_FN(nnc_gemm_team_worker)(team, 0);
    return team->status;
}

/* Pieces for nt threads over ntiles tiles: a few per thread, so that a
 * thread slowed by a neighbour costs only its share. */
static int64_t NNC_FN(nnc_gemm_pieces)(int64_t ntiles, int64_t nt)
{
    const int64_t want = 3 * nt;
    return ntiles < want ? (ntiles < 1 ? 1 : ntiles) : want;
}

/* Packs a direct-path panel of op(B) (panel->b, panel->n columns) into bp on
 * nt threads, a share of the chunks each. */
static void NNC_FN(nnc_gemm_run_pack)(const NNC_FN(nnc_gemm_job_t) *panel, T *bp, int64_t nt)
{
    NNC_FN(nnc_gemm_team_t) team;
    team.whole = *panel;
    team.whole.poll = NULL; /* a copy: no poll inside */
    team.bp = bp;
    team.phase = NNC_GEMM_PHASE_PACK;
    team.split_n = 0;
    team.tile = 1;
    team.len = (panel->n + 4 * panel->cfg->dk_w - 1) / (4 * panel->cfg->dk_w);
    team.npieces = NNC_FN(nnc_gemm_pieces)(team.len, nt);
    (void)NNC_FN(nnc_gemm_team_run)(&team, nt < team.npieces ? nt : team.npieces);
}

/* Rows of a direct-path job against packed B (or B in place), nt threads. */
static nnc_status_t NNC_FN(nnc_gemm_run_rows)(const NNC_FN(nnc_gemm_job_t) *job, const T *bp,
                                              int64_t nt)
{
    NNC_FN(nnc_gemm_team_t) team;
    team.whole = *job;
    team.bp = (T *)(uintptr_t)bp; /* read only in this phase */
    team.phase = NNC_GEMM_PHASE_DIRECT;
    team.split_n = 0;
    /* 24 is a multiple of every direct kernel's and micro-kernel's rows. */
    team.tile = 24;
    team.len = job->m;
    team.npieces = NNC_FN(nnc_gemm_pieces)((job->m + 23) / 24, nt);
    /* Polled: pieces of at most about NNC_GEMM_POLL_WORK (whole tiles), so
     * that a caller done with its share waits at most that long for the
     * others before it polls again (cheap here: B is packed already). */
    if (job->poll != NULL) {
        const double work = (double)job->m * (double)job->n * (double)job->k;
        const int64_t ntiles = (job->m + 23) / 24;
        const double want = work / NNC_GEMM_POLL_WORK;
        if (want > (double)team.npieces)
            team.npieces = want >= (double)ntiles ? ntiles : (int64_t)want;
    }
    return NNC_FN(nnc_gemm_team_run)(&team, nt < team.npieces ? nt : team.npieces);
}

static nnc_status_t NNC_FN(nnc_gemm_run)(nnc_pool_t *pool, nnc_gemm_kernel_t kernel,
                                         int trans_a, int trans_b, int64_t m, int64_t n,
                                         int64_t k, T alpha, const T *a, int64_t lda,
                                         const T *b, int64_t ldb, T beta, T *c, int64_t ldc,
                                         int threads, nnc_poll_t poll, void *poll_ctx)
{
    nnc_status_t st;
    NNC_FN(nnc_gemm_cfg_t) cfg;
    /* A is stored m x k, or k x m when trans_a; likewise B. */
    if ((st = nnc_check_matrix(trans_a ? k : m, trans_a ? m : k, lda)) != NNC_STATUS_OK)
        return st;
    if ((st = nnc_check_matrix(trans_b ? n : k, trans_b ? k : n, ldb)) != NNC_STATUS_OK)
        return st;
    if ((st = nnc_check_matrix(m, n, ldc)) != NNC_STATUS_OK)
        return st;
    if (threads < 1 || (int)kernel < 0 || kernel >= NNC_GEMM_KERNEL_COUNT)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (NNC_FN(nnc_gemm_config)(kernel, &cfg) != 0)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (m == 0 || n == 0)
        return NNC_STATUS_OK;
    if (k == 0) {
        /* An empty sum: C = beta*C (+0.0 when beta == 0, as BLAS gives). */
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++)
                c[i * ldc + j] = beta == NNC_LIT(0.0) ? NNC_LIT(0.0)
                                 : beta == NNC_LIT(1.0) ? c[i * ldc + j]
                                                        : beta * c[i * ldc + j];
        return NNC_STATUS_OK;
    }
    NNC_FN(nnc_gemm_job_t) whole = {&cfg, trans_a, trans_b, m, n, k, alpha, beta, a, b, c,
                                     lda, ldb, ldc, NNC_STATUS_OK, NULL, NULL, pool};
    /* Threads pay only when each gets a few hundred microseconds of work. */
    const double work = (double)m * (double)n * (double)k;
    const double per = pool != NULL ? NNC_GEMM_POOL_THREAD_WORK : NNC_GEMM_THREAD_WORK;
    int64_t nt = threads;
    if (work / per < (double)nt)
        nt = (int64_t)(work / per);
    whole.poll = poll;
    whole.poll_ctx = poll_ctx;
    if (nt <= 1) {
        NNC_FN(nnc_gemm_serial)(&whole);
        return whole.status;
    }
    /* Tall enough C: threads share rows; the direct path packs B once for
     * all of them. */
    const int use_direct = NNC_FN(nnc_gemm_use_direct)(trans_a, trans_b, m, n, k);
    if (use_direct && m >= 24 * nt)
        return NNC_FN(nnc_gemm_direct)(&whole, nt);
    /* Otherwise pieces each run the whole serial algorithm (packing their
     * own panels): rows, or columns of a short C. */
    NNC_FN(nnc_gemm_team_t) team;
    team.whole = whole;
    team.bp = NULL;
    team.phase = NNC_GEMM_PHASE_SERIAL;
    team.split_n = m < 24 * nt;
    team.tile = team.split_n ? 4 * cfg.dk_w : 24; /* whole tiles of every kernel */
    team.len = team.split_n ? n : m;
    const int64_t ntiles = (team.len + team.tile - 1) / team.tile;
    team.npieces = ntiles < nt ? ntiles : nt;
    return NNC_FN(nnc_gemm_team_run)(&team, team.npieces);
}

nnc_status_t NNC_FN(nnc_gemm_ex)(nnc_gemm_kernel_t kernel, int trans_a, int trans_b, int64_t m,
                                 int64_t n, int64_t k, T alpha, const T *a, int64_t lda,
                                 const T *b, int64_t ldb, T beta, T *c, int64_t ldc, int threads)
{
    return NNC_FN(nnc_gemm_run)(NULL, kernel, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb,
                                beta, c, ldc, threads, NULL, NULL);
}

nnc_status_t NNC_FN(nnc_gemm_pool)(nnc_pool_t *pool, int trans_a, int trans_b, int64_t m,
                                   int64_t n, int64_t k, T alpha, const T *a, int64_t lda,
                                   const T *b, int64_t ldb, T beta, T *c, int64_t ldc,
                                   int threads)
{
    return NNC_FN(nnc_gemm_run)(pool, NNC_GEMM_AUTO, trans_a, trans_b, m, n, k, alpha, a, lda, b,
                                ldb, beta, c, ldc, threads, NULL, NULL);
}

nnc_status_t NNC_FN(nnc_gemm)(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                              T alpha, const T *a, int64_t lda, const T *b, int64_t ldb,
                              T beta, T *c, int64_t ldc, int threads)
{
    return NNC_FN(nnc_gemm_run)(NULL, NNC_GEMM_AUTO, trans_a, trans_b, m, n, k, alpha, a, lda, b,
                                ldb, beta, c, ldc, threads, NULL, NULL);
}

nnc_status_t NNC_FN(nnc_gemm_pool_poll)(nnc_pool_t *pool, int trans_a, int trans_b, int64_t m,
                                        int64_t n, int64_t k, T alpha, const T *a, int64_t lda,
                                        const T *b, int64_t ldb, T beta, T *c, int64_t ldc,
                                        int threads, nnc_poll_t poll, void *poll_ctx)
{
    /* Small products finish before a poll would be due. */
    const double work = (double)m * (double)n * (double)k;
    if (!(work > 2.0 * NNC_GEMM_POLL_WORK))
        poll = NULL;
    return NNC_FN(nnc_gemm_run)(pool, NNC_GEMM_AUTO, trans_a, trans_b, m, n, k, alpha, a, lda, b,
                                ldb, beta, c, ldc, threads, poll, poll_ctx);
}

nnc_status_t NNC_FN(nnc_gemm_poll)(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                                   T alpha, const T *a, int64_t lda, const T *b, int64_t ldb,
                                   T beta, T *c, int64_t ldc, int threads, nnc_poll_t poll,
                                   void *poll_ctx)
{
    return NNC_FN(nnc_gemm_pool_poll)(NULL, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
                                      c, ldc, threads, poll, poll_ctx);
}
