/* Matrix kernels other than GEMM (gemm_impl.h), written once against T (see
 * nnc_tmpl.h); included twice by matrix.c.  Contracts are in nnc_decls.h.
 *
 * Sums start at -0.0, not +0.0: -0.0 is the exact additive identity
 * (-0.0 + x == x for every x, including x == -0.0), so a sum of one product
 * is bit for bit that product. */

/* nnc_dot sums in the shared fixed order of reduce_impl.h. */
#include "reduce_impl.h"

/* C = alpha * acc + beta * C with the BLAS convention that beta == 0 never
 * reads C, and alpha == 1 leaves acc untouched. */
static inline T NNC_FN(nnc_mx_combine)(T alpha, T acc, T beta, const T *c)
{
    T v = alpha == NNC_LIT(1.0) ? acc : alpha * acc;
    if (beta == NNC_LIT(0.0))
        return v;
    if (beta == NNC_LIT(1.0))
        return *c + v;
    return beta * *c + v;
}

T NNC_FN(nnc_dot)(int64_t n, const T *x, const T *y)
{
    return NNC_FN(nnc_red_dot)(n, x, 1, y, 1);
}

nnc_status_t NNC_FN(nnc_gemv)(int trans_a, int64_t m, int64_t n, T alpha, const T *a,
                              int64_t lda, const T *x, T beta, T *y)
{
    nnc_status_t st;
    if ((st = nnc_check_matrix(trans_a ? n : m, trans_a ? m : n, lda)) != NNC_STATUS_OK)
        return st;
    if (n == 0) {
        for (int64_t i = 0; i < m; i++)
            y[i] = beta == NNC_LIT(0.0) ? NNC_LIT(0.0) : beta * y[i];
        return NNC_STATUS_OK;
    }
    if (!trans_a) {
        /* y[i] = dot(row i of A, x) */
        for (int64_t i = 0; i < m; i++)
            y[i] = NNC_FN(nnc_mx_combine)(alpha, NNC_FN(nnc_dot)(n, a + i * lda, x), beta, &y[i]);
        return NNC_STATUS_OK;
    }
    /* y = sum_j x[j] * (row j of the stored A), rows in order, in blocks of
     * y so the partial sums stay in L1.  Each y[i] keeps the lanes of the
     * shared fixed order (reduce_impl.h: term j in lane j mod 16 once n is
     * past the short-sum cut-off), so the result is bit-identical to the
     * untransposed path and to nnc_dot, whatever A's layout. */
    enum { BLOCK = 64 };
    T acc[NNC_RED_LANES][BLOCK];
    for (int64_t i0 = 0; i0 < m; i0 += BLOCK) {
        const int64_t len = m - i0 < BLOCK ? m - i0 : BLOCK;
        for (int l = 0; l < NNC_RED_LANES; l++)
            for (int64_t i = 0; i < len; i++)
                acc[l][i] = NNC_LIT(-0.0);
        for (int64_t j = 0; j < n; j++) {
            const int l = n <= NNC_RED_SHORT ? 0 : (int)(j % NNC_RED_LANES);
            const T xj = x[j];
            const T *row = a + j * lda + i0;
            T *lane = acc[l];
            for (int64_t i = 0; i < len; i++)
                lane[i] = lane[i] + row[i] * xj;
        }
        for (int64_t i = 0; i < len; i++) {
            T lanes[NNC_RED_LANES];
            for (int l = 0; l < NNC_RED_LANES; l++)
                lanes[l] = acc[l][i];
            y[i0 + i] = NNC_FN(nnc_mx_combine)(alpha, NNC_FN(nnc_red_combine)(lanes, n), beta,
                                               &y[i0 + i]);
        }
    }
    return NNC_STATUS_OK;
}

void NNC_FN(nnc_axpy)(int64_t n, T alpha, const T *x, T *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = y[i] + alpha * x[i];
}

void NNC_FN(nnc_add)(int64_t n, const T *x, const T *y, T *z)
{
    for (int64_t i = 0; i < n; i++)
        z[i] = x[i] + y[i];
}

void NNC_FN(nnc_scale)(int64_t n, T alpha, const T *x, T *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = alpha * x[i];
}

nnc_status_t NNC_FN(nnc_transpose)(int64_t rows, int64_t cols, const T *a, int64_t lda,
                                   T *b, int64_t ldb)
{
    nnc_status_t st;
    if ((st = nnc_check_matrix(rows, cols, lda)) != NNC_STATUS_OK)
        return st;
    if ((st = nnc_check_matrix(cols, rows, ldb)) != NNC_STATUS_OK)
        return st;
    /* 32 x 32 tiles: both the rows read and the rows written stay in L1. */
    enum { TILE = 32 };
    for (int64_t i0 = 0; i0 < rows; i0 += TILE) {
        const int64_t i1 = rows - i0 < TILE ? rows : i0 + TILE;
        for (int64_t j0 = 0; j0 < cols; j0 += TILE) {
            const int64_t j1 = cols - j0 < TILE ? cols : j0 + TILE;
            for (int64_t i = i0; i < i1; i++)
                for (int64_t j = j0; j < j1; j++)
                    b[j * ldb + i] = a[i * lda + j];
        }
    }
    return NNC_STATUS_OK;
}

