/* One SIMD micro-kernel, instantiated per (dtype, instruction set, tile
 * shape) by gemm_mk_set.h.  No include guard.
 *
 * Expects T and, for the instruction set: MK_TARGET (a GCC target string),
 * MK_V (vector type), MK_W (lanes), MK_MR (height of the packed A sliver),
 * MK_NRV (vectors in a packed B row, NR = MK_NRV * MK_W), MK_SET1, MK_LOAD
 * (aligned), MK_LOADU, MK_STOREU, MK_FMA(a, b, c) = a*b + c rounded once, MK_MUL, MK_ADD, and the
 * masked forms MK_MASK_T, MK_MASK(n) (first n lanes), MK_MLOADU,
 * MK_MSTOREU; for the tile: MK_NAME, MK_ROWS (<= MK_MR rows computed),
 * MK_NRVC (<= MK_NRV vectors computed).  Edge tiles use a smaller MK_ROWS /
 * MK_NRVC instead of computing padding.
 *
 * Computes acc = sum_p pa[p] (x) pb[p] over p = 0..kc-1 in order, one fused
 * multiply-add per term, starting from -0.0 (so kc == 1 gives exactly the
 * rounded products), then writes C = alpha*acc + beta*C (beta == 0: C is not
 * read) for the top-left mr x nr corner (mr <= MK_ROWS, nr <= MK_NRVC*MK_W).
 * pa: kc columns of MK_MR values; pb: kc rows of NR values; both aligned. */

__attribute__((target(MK_TARGET))) static void
MK_NAME(int64_t kc, const T *restrict pa, const T *restrict pb, T *restrict c, int64_t ldc,
        int64_t mr, int64_t nr, T alpha, T beta)
{
    MK_V acc[MK_ROWS][MK_NRVC];
    const MK_V mzero = MK_SET1(NNC_LIT(-0.0));
#pragma GCC unroll 16
    for (int i = 0; i < MK_ROWS; i++)
#pragma GCC unroll 4
        for (int v = 0; v < MK_NRVC; v++)
            acc[i][v] = mzero;
    /* C is read only after the loop: start fetching its tile now. */
#pragma GCC unroll 16
    for (int i = 0; i < MK_ROWS; i++) {
        if (i < mr) {
            /* Addresses as integers: the row's last vector may lie past
             * the end of C when nr is short (prefetches never fault). */
            const uintptr_t row = (uintptr_t)(c + i * ldc);
            _mm_prefetch((const char *)row, _MM_HINT_T0);
            _mm_prefetch((const char *)(row + (MK_NRVC * MK_W - 1) * sizeof(T)), _MM_HINT_T0);
        }
    }

    /* pb streams from L2 (the A sliver stays in L1, see nnc_gemm_serial):
     * each B row is fetched NNC_GEMM_MK_PREFETCH rows ahead.  A prefetch
     * past the end of the buffer is harmless (it never faults). */
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; p++) {
        MK_V bv[MK_NRVC];
#pragma GCC unroll 4
        for (int v = 0; v < MK_NRVC; v++) {
            _mm_prefetch((const char *)((uintptr_t)pb + (NNC_GEMM_MK_PREFETCH * MK_NRV + v) *
                                                             MK_W * sizeof(T)),
                         _MM_HINT_T0);
            bv[v] = MK_LOAD(pb + v * MK_W);
        }
#pragma GCC unroll 16
        for (int i = 0; i < MK_ROWS; i++) {
            const MK_V av = MK_SET1(pa[i]);
#pragma GCC unroll 4
            for (int v = 0; v < MK_NRVC; v++)
                acc[i][v] = MK_FMA(av, bv[v], acc[i][v]);
        }
        pa += MK_MR;
        pb += MK_NRV * MK_W;
    }

    /* The same operations, in the same order, as nnc_gemm_combine; plain
     * loads and stores for a full-width tile, masked ones at the edge. */
    const MK_V va = MK_SET1(alpha), vb = MK_SET1(beta);
    if (nr == MK_NRVC * MK_W) {
#pragma GCC unroll 16
        for (int i = 0; i < MK_ROWS; i++) {
            if (i >= mr)
                break;
#pragma GCC unroll 4
            for (int v = 0; v < MK_NRVC; v++) {
                T *cp = c + i * ldc + v * MK_W;
                MK_V r = alpha == NNC_LIT(1.0) ? acc[i][v] : MK_MUL(va, acc[i][v]);
                if (beta == NNC_LIT(1.0))
                    r = MK_ADD(MK_LOADU(cp), r);
                else if (beta != NNC_LIT(0.0))
                    r = MK_ADD(MK_MUL(vb, MK_LOADU(cp)), r);
                MK_STOREU(cp, r);
            }
        }
        return;
    }
    MK_MASK_T mask[MK_NRVC];
#pragma GCC unroll 4
    for (int v = 0; v < MK_NRVC; v++) {
        const int64_t left = nr - v * MK_W;
        mask[v] = MK_MASK(left <= 0 ? 0 : left >= MK_W ? MK_W : (int)left);
    }
#pragma GCC unroll 16
    for (int i = 0; i < MK_ROWS; i++) {
        if (i >= mr)
            break;
#pragma GCC unroll 4
        for (int v = 0; v < MK_NRVC; v++) {
            T *cp = c + i * ldc + v * MK_W;
            MK_V r = alpha == NNC_LIT(1.0) ? acc[i][v] : MK_MUL(va, acc[i][v]);
            if (beta == NNC_LIT(1.0))
                r = MK_ADD(MK_MLOADU(cp, mask[v]), r);
            else if (beta != NNC_LIT(0.0))
                r = MK_ADD(MK_MUL(vb, MK_MLOADU(cp, mask[v])), r);
            MK_MSTOREU(cp, mask[v], r);
        }
    }
}
