/* Matrix kernels other than GEMM (gemm_impl.h), written once against T (see
 * nnc_tmpl.h); included twice by matrix.c.  Contracts are in nnc_decls.h.
 *
 * Sums start at -0.0, not +0.0: -0.0 is the exact additive identity
 * (-0.0 + x == x for every x, including x == -0.0), so a sum of one product
 * is bit for bit that product. */

/* Partial sums of a dot product: lane l adds the terms i = l (mod NNC_DOT_LANES)
 * in order, the lanes are then added pairwise -- a fixed order for a given n
 * that the compiler can vectorise without reassociating anything. */
#define NNC_DOT_LANES 16

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
    T lane[NNC_DOT_LANES];
    int64_t i = 0;
    if (n <= 0)
        return NNC_LIT(0.0); /* the empty sum, +0.0 as NumPy gives */
    for (int l = 0; l < NNC_DOT_LANES; l++)
        lane[l] = NNC_LIT(-0.0);
    for (; i + NNC_DOT_LANES <= n; i += NNC_DOT_LANES)
        for (int l = 0; l < NNC_DOT_LANES; l++)
            lane[l] = lane[l] + x[i + l] * y[i + l];
    for (int l = 0; i < n; i++, l++)
        lane[l] = lane[l] + x[i] * y[i];
    for (int w = NNC_DOT_LANES / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; l++)
            lane[l] = lane[l] + lane[l + w];
    return lane[0];
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
     * y so the partial sums stay in L1. */
    enum { BLOCK = 256 };
    T acc[BLOCK];
    for (int64_t i0 = 0; i0 < m; i0 += BLOCK) {
        const int64_t len = m - i0 < BLOCK ? m - i0 : BLOCK;
        for (int64_t i = 0; i < len; i++)
            acc[i] = NNC_LIT(-0.0);
        for (int64_t j = 0; j < n; j++) {
            const T xj = x[j];
            const T *row = a + j * lda + i0;
            for (int64_t i = 0; i < len; i++)
                acc[i] = acc[i] + row[i] * xj;
        }
        for (int64_t i = 0; i < len; i++)
            y[i0 + i] = NNC_FN(nnc_mx_combine)(alpha, acc[i], beta, &y[i0 + i]);
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

#undef NNC_DOT_LANES
