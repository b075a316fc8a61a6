/* One "direct" kernel: C = alpha * op(A) @ B + beta * C for a narrow C
 * (n <= DK_NV vectors) with no packing -- A is read in place through its
 * row and column strides, B's rows in place (masked at the right edge).
 * Products this narrow are mostly call overhead and packing, so skipping
 * the packing is what makes small matmuls fast.  Instantiated per (dtype,
 * instruction set, DK_NV) by gemm_impl.h; no include guard.
 *
 * Uses the MK_* vector macros of gemm_mk.h plus DK_NAME, DK_TARGET, DK_NV
 * (vectors per row, n > (DK_NV-1)*MK_W) and DK_ROWS (rows per pass).  The
 * arithmetic per entry is exactly the micro-kernel's for one k block: fused
 * multiply-adds over p in order from -0.0, then the same alpha/beta
 * combination, so both paths give identical bits when k <= KC. */

__attribute__((target(DK_TARGET))) static void
DK_NAME(int64_t m, int64_t n, int64_t k, const T *a, int64_t ars, int64_t acs, const T *b,
        int64_t ldb, T *restrict c, int64_t ldc, T alpha, T beta)
{
    const MK_V mzero = MK_SET1(NNC_LIT(-0.0));
    const MK_V va = MK_SET1(alpha), vb = MK_SET1(beta);
    MK_MASK_T mask[DK_NV];
    int full[DK_NV];
#pragma GCC unroll 4
    for (int v = 0; v < DK_NV; v++) {
        const int64_t left = n - v * MK_W;
        full[v] = left >= MK_W;
        mask[v] = MK_MASK(left >= MK_W ? MK_W : (int)left);
    }
    for (int64_t i0 = 0; i0 < m; i0 += DK_ROWS) {
        /* Rows past m re-read row m-1; their results are not stored. */
        const T *ar[DK_ROWS];
#pragma GCC unroll 16
        for (int i = 0; i < DK_ROWS; i++)
            ar[i] = a + (i0 + i < m ? i0 + i : m - 1) * ars;
        MK_V acc[DK_ROWS][DK_NV];
#pragma GCC unroll 16
        for (int i = 0; i < DK_ROWS; i++)
#pragma GCC unroll 4
            for (int v = 0; v < DK_NV; v++)
                acc[i][v] = mzero;
        const T *bp = b;
        for (int64_t p = 0; p < k; p++) {
            MK_V bv[DK_NV];
#pragma GCC unroll 4
            for (int v = 0; v < DK_NV; v++)
                bv[v] = v < DK_NV - 1 || full[v] ? MK_LOADU(bp + v * MK_W)
                                                 : MK_MLOADU(bp + v * MK_W, mask[v]);
            const int64_t off = p * acs;
#pragma GCC unroll 16
            for (int i = 0; i < DK_ROWS; i++) {
                const MK_V av = MK_SET1(ar[i][off]);
#pragma GCC unroll 4
                for (int v = 0; v < DK_NV; v++)
                    acc[i][v] = MK_FMA(av, bv[v], acc[i][v]);
            }
            bp += ldb;
        }
#pragma GCC unroll 16
        for (int i = 0; i < DK_ROWS; i++) {
            if (i0 + i >= m)
                break;
#pragma GCC unroll 4
            for (int v = 0; v < DK_NV; v++) {
                T *cp = c + (i0 + i) * ldc + v * MK_W;
                MK_V r = alpha == NNC_LIT(1.0) ? acc[i][v] : MK_MUL(va, acc[i][v]);
                if (v < DK_NV - 1 || full[v]) {
                    if (beta == NNC_LIT(1.0))
                        r = MK_ADD(MK_LOADU(cp), r);
                    else if (beta != NNC_LIT(0.0))
                        r = MK_ADD(MK_MUL(vb, MK_LOADU(cp)), r);
                    MK_STOREU(cp, r);
                }
                else {
                    if (beta == NNC_LIT(1.0))
                        r = MK_ADD(MK_MLOADU(cp, mask[v]), r);
                    else if (beta != NNC_LIT(0.0))
                        r = MK_ADD(MK_MUL(vb, MK_MLOADU(cp, mask[v])), r);
                    MK_MSTOREU(cp, mask[v], r);
                }
            }
        }
    }
}
