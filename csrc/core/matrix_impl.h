/* Matrix kernels, written once against T (see nnc_tmpl.h); included twice by
 * matrix.c.  Contracts are in nnc_decls.h.
 *
 * Accumulators start at -0.0, not +0.0: -0.0 is the exact additive identity
 * (-0.0 + x == x for every x, including x == -0.0), so a sum of one product is
 * bit for bit that product -- the training engine relies on a 1x1 matmul
 * matching Python's `input * weight`, sign of zero included. */

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

nnc_status_t NNC_FN(nnc_gemm)(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                              T alpha, const T *a, int64_t lda, const T *b, int64_t ldb,
                              T beta, T *c, int64_t ldc, int threads)
{
    nnc_status_t st;
    /* A is stored m x k, or k x m when trans_a; likewise B. */
    if ((st = nnc_check_matrix(trans_a ? k : m, trans_a ? m : k, lda)) != NNC_STATUS_OK)
        return st;
    if ((st = nnc_check_matrix(trans_b ? n : k, trans_b ? k : n, ldb)) != NNC_STATUS_OK)
        return st;
    if ((st = nnc_check_matrix(m, n, ldc)) != NNC_STATUS_OK)
        return st;
    if (threads < 1)
        return NNC_STATUS_INVALID_ARGUMENT;
    if (m == 0 || n == 0)
        return NNC_STATUS_OK;
    /* Element (i, p) of op(A) is a[i*sa_i + p*sa_p]; same for B. */
    const int64_t sa_i = trans_a ? 1 : lda, sa_p = trans_a ? lda : 1;
    const int64_t sb_p = trans_b ? 1 : ldb, sb_j = trans_b ? ldb : 1;
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            T acc = NNC_LIT(-0.0);
            for (int64_t p = 0; p < k; p++)
                acc += a[i * sa_i + p * sa_p] * b[p * sb_p + j * sb_j];
            c[i * ldc + j] = NNC_FN(nnc_mx_combine)(alpha, acc, beta, &c[i * ldc + j]);
        }
    }
    return NNC_STATUS_OK;
}

nnc_status_t NNC_FN(nnc_gemv)(int trans_a, int64_t m, int64_t n, T alpha, const T *a,
                              int64_t lda, const T *x, T beta, T *y)
{
    nnc_status_t st;
    if ((st = nnc_check_matrix(trans_a ? n : m, trans_a ? m : n, lda)) != NNC_STATUS_OK)
        return st;
    const int64_t s_i = trans_a ? 1 : lda, s_j = trans_a ? lda : 1;
    for (int64_t i = 0; i < m; i++) {
        T acc = NNC_LIT(-0.0);
        for (int64_t j = 0; j < n; j++)
            acc += a[i * s_i + j * s_j] * x[j];
        y[i] = NNC_FN(nnc_mx_combine)(alpha, acc, beta, &y[i]);
    }
    return NNC_STATUS_OK;
}

T NNC_FN(nnc_dot)(int64_t n, const T *x, const T *y)
{
    T acc = NNC_LIT(-0.0);
    for (int64_t i = 0; i < n; i++)
        acc += x[i] * y[i];
    return acc;
}

void NNC_FN(nnc_axpy)(int64_t n, T alpha, const T *x, T *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
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
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            b[j * ldb + i] = a[i * lda + j];
    return NNC_STATUS_OK;
}
