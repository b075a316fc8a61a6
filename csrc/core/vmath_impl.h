/* The vector math, written once against the primitives of nnc_simd.h and
 * included once per backend (vmath.h: the one-lane portable path, inline in
 * every kernel; vmath.c: AVX2 and AVX-512 array loops).  No include guard on
 * purpose.  Every backend runs the same operations in the same order on each
 * lane, so every path gives the same bits, and none calls the system libm.
 *
 * Fused multiply-add, written out: every polynomial step, the reductions,
 * the exact products (two_prod: a b - fl(a b) is one FMA) and the
 * remainders of the quotients use V_FMA/V_FNMA/V_FMS of nnc_simd.h, which
 * round once on every path -- the FMA instructions of AVX2 and AVX-512 (and
 * NEON, where the compiler vectorises the portable loop), C99 fma()/fmaf()
 * on the portable path -- so the bits stay the same everywhere.  Nothing
 * else is fused (-ffp-contract=off).  The cost is on x86 CPUs without FMA
 * (before 2013): dispatch then runs the portable path, whose fma() is a
 * software routine there (several times slower, still exact); every CPU
 * with AVX2 has FMA, and the AVX2 level requires it.
 *
 * Accuracy (float64, worst case over a million points per function against
 * an x87 long-double reference, tests/test_vmath.py): exp 0.83 ulp, expm1
 * 0.80, log 0.78, log1p 0.81, tanh 0.72, sigmoid 0.63 -- all within 1 ulp.
 * tanh is table-driven (see it below); sigmoid and expm1 reach the bound by
 * carrying exp(x) as a double-double
 * (exp_dd) into their last division or subtraction, with exact products
 * (two_prod) and sums (Fast2Sum, TwoSum).  float32: see the float section
 * at the end (within 1 ulp).
 * Edge regions: results that are subnormal (exp below about -708, sigmoid
 * below -708) are rounded twice (the polynomial, then the scaling into the
 * subnormal range) and can be off by 1 ulp of the subnormal.
 *
 * Special values follow C99 Annex F: exp(-inf) = 0, exp(inf) = inf,
 * log(0) = -inf, log(x < 0) = NaN, log1p(-1) = -inf, tanh(+-inf) = +-1,
 * sigmoid(-inf) = 0, sigmoid(inf) = 1, NaN in gives NaN out, and +-0 keeps its
 * sign where the function is odd (expm1, log1p, tanh).  No branch depends on
 * the data: ranges and signs are handled with selects. */

/* ---- constants shared by every backend (defined on the first inclusion) ---- */
#ifndef NNC_VMATH_CONSTANTS_DEFINED
#define NNC_VMATH_CONSTANTS_DEFINED
#include "vmath_tanh_table.h"
/* 1.5 * 2^52: adding it rounds a double of magnitude < 2^51 to an integer
 * (round to nearest even) and leaves that integer in the low mantissa bits. */
#define NNC_VM_SHIFT 6755399441055744.0
#define NNC_VM_INV_LN2 1.4426950408889634074
/* ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 trailing zero bits (fdlibm's
 * split), so n * LN2_HI is exact for |n| < 2^20. */
#define NNC_VM_LN2_HI 6.93147180369123816490e-01
#define NNC_VM_LN2_LO 1.90821492927058770002e-10
/* exp's clamp: below -746 the result is 0, above 710 inf (exp(709.78...) is
 * the largest finite value); the clamp keeps n within [-1077, 1025]. */
#define NNC_VM_EXP_LO (-746.0)
#define NNC_VM_EXP_HI 710.0
/* (exp(r) - 1 - r) / r^2 on |r| <= ln(2)/2 + 1e-3: a degree-10 Chebyshev fit
 * (mpmath.chebyfit), error 1.4e-18, far below what reaches the result. */
#define NNC_VM_E0 0.5
#define NNC_VM_E1 0.1666666666666667
#define NNC_VM_E2 0.04166666666666667
#define NNC_VM_E3 0.008333333333325973
#define NNC_VM_E4 0.0013888888888883633
#define NNC_VM_E5 0.0001984126987538548
#define NNC_VM_E6 2.480158732595111e-05
#define NNC_VM_E7 2.7557254685728803e-06
#define NNC_VM_E8 2.755727313289604e-07
#define NNC_VM_E9 2.5105513541847086e-08
#define NNC_VM_E10 2.0914898727175524e-09
/* The same quotient for float32 (exp_dd_f, with the coefficients rounded to
 * float): degree 5, error 1.4e-9 (1.7e-10 relative to exp, a few
 * thousandths of a float32 ulp). */
#define NNC_VM_F0 0.5000000013692557
#define NNC_VM_F1 0.1666666668187505
#define NNC_VM_F2 0.041666462666195954
#define NNC_VM_F3 0.008333310674603188
#define NNC_VM_F4 0.0013933900050040087
#define NNC_VM_F5 0.00019891268510107283
/* log(1 + f) = 2 atanh(s), s = f / (2 + f); R(z) = Lg1 z + ... + Lg7 z^7 with
 * z = s^2 approximates (log(1 + f) - 2 s) / s on |s| <= 0.1716 (fdlibm's
 * e_log.c coefficients, error below 2^-58.45). */
#define NNC_VM_LG1 6.666666666666735130e-01
#define NNC_VM_LG2 3.999999999940941908e-01
#define NNC_VM_LG3 2.857142874366239149e-01
#define NNC_VM_LG4 2.222219843214978396e-01
#define NNC_VM_LG5 1.818357216161805012e-01
#define NNC_VM_LG6 1.531383769920937332e-01
#define NNC_VM_LG7 1.479819860511658591e-01
#define NNC_VM_SQRT2 1.4142135623730951
#define NNC_VM_DBL_MIN 2.2250738585072014e-308
#define NNC_VM_TWO54 18014398509481984.0
/* bits of 0x000fffffffffffff and of 1.0, as doubles for the bit operations */
#define NNC_VM_MANT_MASK 2.225073858507200889e-308
#define NNC_VM_SIGN_MASK (-0.0)
#endif

/* 2^k for an integral double k in [-1022, 1023]: the biased exponent k + 1023
 * is left in the low bits by the shift constant and moved into place. */
NNC_VM_ATTR static inline VD NNC_VM_FN(pow2)(VD k)
{
    return V_SHL52(V_ADD(k, V_SET(NNC_VM_SHIFT + 1023.0)));
}

/* a b = p + *err exactly (the FMA gives the product's rounding error; valid
 * while a b neither overflows nor underflows). */
NNC_VM_ATTR static inline VD NNC_VM_FN(two_prod)(VD a, VD b, VD *err)
{
    VD p = V_MUL(a, b);
    *err = V_FMS(a, b, p);
    return p;
}

/* The shared reduction of exp and expm1: x = n ln2 + r with n integral and
 * |r| <= ln(2)/2 (plus rounding); returns E(r) with
 * exp(r) - 1 = r + r^2 E(r) and stores n, r, r's rounding error and q1
 * with E(r) = 1/2 + r q1 (for exp_dd; the compiler drops what a caller
 * ignores).  x must be clamped to [NNC_VM_EXP_LO, NNC_VM_EXP_HI] (or NaN). */
NNC_VM_ATTR static inline VD NNC_VM_FN(exp_reduce)(VD x, VD *n, VD *r_out, VD *r_err,
                                                     VD *q1)
{
    VD t = V_FMA(x, V_SET(NNC_VM_INV_LN2), V_SET(NNC_VM_SHIFT));
    VD k = V_SUB(t, V_SET(NNC_VM_SHIFT));
    /* x - k LN2_HI is exact (k LN2_HI is, and x is within a factor 2 of it
     * unless both are tiny); r rounds once (the FMA), and hi - r is exact
     * (Sterbenz), so r_err is r's rounding error to 2^-53 of itself. */
    VD hi = V_FNMA(k, V_SET(NNC_VM_LN2_HI), x);
    VD r = V_FNMA(k, V_SET(NNC_VM_LN2_LO), hi);
    *r_err = V_FNMA(k, V_SET(NNC_VM_LN2_LO), V_SUB(hi, r)); /* only exp_dd uses it */
    VD q;
    q = V_FMA(V_SET(NNC_VM_E10), r, V_SET(NNC_VM_E9));
    q = V_FMA(q, r, V_SET(NNC_VM_E8));
    q = V_FMA(q, r, V_SET(NNC_VM_E7));
    q = V_FMA(q, r, V_SET(NNC_VM_E6));
    q = V_FMA(q, r, V_SET(NNC_VM_E5));
    q = V_FMA(q, r, V_SET(NNC_VM_E4));
    q = V_FMA(q, r, V_SET(NNC_VM_E3));
    q = V_FMA(q, r, V_SET(NNC_VM_E2));
    q = V_FMA(q, r, V_SET(NNC_VM_E1));
    *q1 = q; /* E(r) = 1/2 + r q1 */
    *n = k;
    *r_out = r;
    return V_FMA(q, r, V_SET(NNC_VM_E0));
}

/* 2^n as two factors 2^n1 2^n2 (n1 = n/2 rounded), so that n = 1024
 * (results near DBL_MAX) and n < -1022 (subnormal results) need no special
 * case: overflow gives inf and underflow 0 by rounding. */
NNC_VM_ATTR static inline VD NNC_VM_FN(pow2_split)(VD n, VD *s2)
{
    VD n1 = V_SUB(V_FMA(n, V_SET(0.5), V_SET(NNC_VM_SHIFT)), V_SET(NNC_VM_SHIFT));
    *s2 = NNC_VM_FN(pow2)(V_SUB(n, n1));
    return NNC_VM_FN(pow2)(n1);
}

/* exp(x) = 2^n (1 + (r + (r^2 E(r) + r_err))): carrying r's rounding
 * error keeps the worst case below 1 ulp by construction (the roundings of
 * the inner sum and of 1 + s add about 0.8 ulp at most). */
NNC_VM_ATTR static inline VD NNC_VM_FN(exp_p)(VD x)
{
    VD n, r, r_err, q1, s2;
    /* the constant first: a NaN x passes through (V_MIN/V_MAX return b) */
    x = V_MAX(V_SET(NNC_VM_EXP_LO), V_MIN(V_SET(NNC_VM_EXP_HI), x));
    VD q = NNC_VM_FN(exp_reduce)(x, &n, &r, &r_err, &q1);
    VD y = V_ADD(V_SET(1.0), V_ADD(r, V_FMA(V_MUL(r, r), q, r_err)));
    VD s1 = NNC_VM_FN(pow2_split)(n, &s2);
    return V_MUL(V_MUL(y, s1), s2);
}

/* exp(x) = (hi + lo) s1 s2 with |lo| <= ulp(hi) / 2; the scale factors
 * 2^n1 and 2^n2 are returned in *s1 and *s2, not applied (and n in *n_out,
 * for a caller whose n fits one factor; the compiler drops what a caller
 * ignores).  1 + r is split exactly (Fast2Sum, 1 >= |r|) and the small
 * terms (the tail r^2 E(r), r's rounding error, the low part of 1 + r)
 * summed into lo with one FMA, so hi + lo is within about 2^-56 of exp(r).
 * With exact (a constant) set, the tail is r^2 / 2 + r^3 q1 with r^2 exact
 * (two_prod) and (1 + r) + r^2 / 2 split exactly as well: within about
 * 2^-58, which expm1 needs near its zero.  sigmoid divides by 1 + exp:
 * carrying lo keeps it within 1 ulp. */
NNC_VM_ATTR static inline VD NNC_VM_FN(exp_dd)(VD x, VD *lo, VD *s1, VD *s2, VD *n_out,
                                                 int exact)
{
    VD n, r, r_err, q1;
    x = V_MAX(V_SET(NNC_VM_EXP_LO), V_MIN(V_SET(NNC_VM_EXP_HI), x));
    VD q = NNC_VM_FN(exp_reduce)(x, &n, &r, &r_err, &q1);
    VD h = V_ADD(V_SET(1.0), r);
    VD h_lo = V_ADD(V_SUB(V_SET(1.0), h), r); /* exact */
    VD u, small;
    if (exact) { /* a constant: the branch folds away where it is inlined */
        VD r2_err;
        VD r2 = NNC_VM_FN(two_prod)(r, r, &r2_err);
        VD t_hi = V_MUL(r2, V_SET(0.5)); /* exact */
        VD t_lo = V_FMA(V_MUL(r2, r), q1, V_MUL(r2_err, V_SET(0.5)));
        u = V_ADD(h, t_hi);
        VD u_lo = V_ADD(V_SUB(h, u), t_hi); /* exact */
        small = V_ADD(u_lo, V_ADD(h_lo, V_ADD(r_err, t_lo)));
    }
    else {
        u = h;
        small = V_FMA(V_MUL(r, r), q, V_ADD(r_err, h_lo));
    }
    VD e = V_ADD(u, small);
    *lo = V_ADD(V_SUB(u, e), small);
    *s1 = NNC_VM_FN(pow2_split)(n, s2);
    *n_out = n;
    return e;
}

/* exp(x) - 1 = (E_hi - 1) + E_lo with exp(x) = E_hi + E_lo (exp_dd),
 * E_hi - 1 split exactly by Knuth's TwoSum (no condition on the magnitudes,
 * so no branch): only the last add rounds.  For |x| < 2^-54,
 * E_hi = 1 and E_lo = x, which gives x. */
NNC_VM_ATTR static inline VD NNC_VM_FN(expm1)(VD x)
{
    VD e_lo, s1, s2, n;
    VD e = NNC_VM_FN(exp_dd)(x, &e_lo, &s1, &s2, &n, 1);
    e = V_MUL(V_MUL(e, s1), s2);
    e_lo = V_MUL(V_MUL(e_lo, s1), s2);
    VD s = V_SUB(e, V_SET(1.0));
    VD bb = V_SUB(s, e);
    VD err = V_SUB(V_SUB(e, V_SUB(s, bb)), V_ADD(V_SET(1.0), bb));
    VD y = V_ADD(s, V_ADD(err, e_lo));
    /* an overflowed exp stays inf (TwoSum would turn inf - inf into NaN) */
    y = V_SEL(V_EQ(e, V_SET(HUGE_VAL)), e, y);
    /* +-0 keeps its sign; -inf gives 0 - 1 = -1 */
    return V_SEL(V_EQ(x, V_SET(0.0)), x, y);
}

/* log(u) + c for finite u > 0 and a small correction c (log1p's rounding
 * error of 1 + x, divided by u); fdlibm's e_log.c method: u = 2^k m with m in
 * [sqrt(2)/2, sqrt(2)), f = m - 1, s = f / (2 + f),
 *     log(u) = k ln2_hi - ((hfsq - (s (hfsq + R) + k ln2_lo)) - f),
 * hfsq = f^2 / 2, which keeps the largest terms exact. */
NNC_VM_ATTR static inline VD NNC_VM_FN(log_core)(VD u, VD c)
{
    /* subnormal u: scale into the normal range first */
    VM sub = V_LT(u, V_SET(NNC_VM_DBL_MIN));
    u = V_SEL(sub, V_MUL(u, V_SET(NNC_VM_TWO54)), u);
    VD k = V_SUB(V_EXPF(u), V_SEL(sub, V_SET(1023.0 + 54.0), V_SET(1023.0)));
    VD m = V_ORB(V_ANDB(u, V_SET(NNC_VM_MANT_MASK)), V_SET(1.0)); /* in [1, 2) */
    VM big = V_GT(m, V_SET(NNC_VM_SQRT2));
    m = V_SEL(big, V_MUL(m, V_SET(0.5)), m);
    k = V_SEL(big, V_ADD(k, V_SET(1.0)), k);
    VD f = V_SUB(m, V_SET(1.0));
    VD hfsq = V_MUL(V_MUL(V_SET(0.5), f), f);
    VD s = V_DIV(f, V_ADD(V_SET(2.0), f));
    VD z = V_MUL(s, s);
    VD w = V_MUL(z, z);
    VD t1 = V_MUL(w, V_FMA(w, V_FMA(w, V_SET(NNC_VM_LG6), V_SET(NNC_VM_LG4)), V_SET(NNC_VM_LG2)));
    VD t2 = V_FMA(w, V_FMA(w, V_SET(NNC_VM_LG7), V_SET(NNC_VM_LG5)), V_SET(NNC_VM_LG3));
    t2 = V_MUL(z, V_FMA(w, t2, V_SET(NNC_VM_LG1)));
    VD r = V_ADD(t2, t1);
    VD lo = V_FMA(k, V_SET(NNC_VM_LN2_LO), c);
    /* k LN2_HI is exact, so the last FMA rounds as the subtraction did */
    return V_FMS(k, V_SET(NNC_VM_LN2_HI), V_SUB(V_SUB(hfsq, V_FMA(s, V_ADD(hfsq, r), lo)), f));
}

/* What log gives outside (0, inf): -inf at 0, inf at inf, NaN below 0 and for
 * NaN. */
NNC_VM_ATTR static inline VD NNC_VM_FN(log_special)(VD u)
{
    VD nan = V_DIV(V_SET(0.0), V_SET(0.0));
    VD r = V_SEL(V_EQ(u, V_SET(0.0)), V_SET(-HUGE_VAL), nan);
    return V_SEL(V_EQ(u, V_SET(HUGE_VAL)), u, r);
}

NNC_VM_ATTR static inline VD NNC_VM_FN(log)(VD x)
{
    VM ok = V_AND_M(V_GT(x, V_SET(0.0)), V_LT(x, V_SET(HUGE_VAL)));
    /* a harmless 1 in the lanes that take the special value */
    VD xs = V_SEL(ok, x, V_SET(1.0));
    return V_SEL(ok, NNC_VM_FN(log_core)(xs, V_SET(0.0)), NNC_VM_FN(log_special)(x));
}

/* log(1 + x) = log(u) + e / u, u = fl(1 + x), e = (1 + x) - u exactly:
 * x - (u - 1) when u < 2 (u - 1 is exact by Sterbenz), 1 - (u - x) beyond
 * (u - x is exact).  fdlibm's s_log1p.c correction. */
NNC_VM_ATTR static inline VD NNC_VM_FN(log1p)(VD x)
{
    VD u = V_ADD(V_SET(1.0), x);
    VM ok = V_AND_M(V_GT(u, V_SET(0.0)), V_LT(u, V_SET(HUGE_VAL)));
    VD us = V_SEL(ok, u, V_SET(1.0));
    VD xs = V_SEL(ok, x, V_SET(0.0));
    VD e = V_SEL(V_LT(us, V_SET(2.0)), V_SUB(xs, V_SUB(us, V_SET(1.0))),
                 V_SUB(V_SET(1.0), V_SUB(us, xs)));
    VD y = V_SEL(ok, NNC_VM_FN(log_core)(us, V_DIV(e, us)), NNC_VM_FN(log_special)(u));
    /* +-0 keeps its sign; a NaN x stays NaN (u is NaN, so y is) */
    return V_SEL(V_EQ(x, V_SET(0.0)), x, y);
}

/* tanh by table (SVML's and NumPy's method, with the last add rounding
 * once): a = min(|x|, 19.0625) (tanh rounds to 1 above 19.0615; inf gives 1,
 * a NaN stays NaN) falls in one of 16 subintervals picked by its bits -- the
 * exponent and the top mantissa bit, half a binade each between 0.125 and
 * 16, with [0, 0.125) and [16, 19.0625] at the ends (tools/gen_tanh_table.py,
 * vmath_tanh_table.h).  There tanh(a) = c0 + c1 r + r^2 P(r), r = a - c
 * exact (Sterbenz) around the subinterval's centre c, P of degree 14
 * (c2..c16, fit error 2^-57.6 relative); c0 = c0_hi + c0_lo, and
 *     tanh = c0_hi + (c1 r + (r^2 P(r) + c0_lo)),
 * the two inner terms one FMA each, so what rounds is the last add (half an
 * ulp), the linear term's FMA (|c1 r| is at most a fifth of the result) and
 * the polynomial.  Entry 0 is the odd series a + a^3 Q(a^2) (c1 = 1): tiny
 * and subnormal |x| give x exactly.  The coefficients come from in-register
 * permutes (AVX-512), row loads and transposes (AVX2) or an array index
 * (portable), the same doubles on every path, so the same bits; no branch,
 * no division, no exp. */
/* The two halves, also used apart by the portable array loop (vmath.c: it
 * looks the coefficients of a block up first, then evaluates the block in a
 * loop the compiler can vectorise, NEON included).  tanh_split: the sign,
 * a = min(|x|, TOP) (the constant first: a NaN passes through V_MIN) and the
 * subinterval's index. */
NNC_VM_ATTR static inline VI NNC_VM_FN(tanh_split)(VD x, VD *sign, VD *a)
{
    *sign = V_ANDB(x, V_SET(NNC_VM_SIGN_MASK));
    *a = V_MIN(V_SET(NNC_VM_TANH_TOP), V_XORB(x, *sign));
    return V_TIDX(*a, NNC_VM_TANH_SHIFT, NNC_VM_TANH_BASE, 15);
}
/* ... and the evaluation, with C(k) the subinterval's row k (centre, c0_hi,
 * c0_lo, c1, ..., c16); a macro so that a lookup can happen where its row is
 * used (AVX-512's permutes) or come from a buffer (the portable loop). */
#define NNC_VM_TANH_EVAL_(C, a, sign, out)                                                    \
    do {                                                                                      \
        VD r_ = V_SUB((a), C(0));                                                             \
        VD p_ = C(NNC_VM_TANH_DEG + 2);                                                       \
        for (int k_ = NNC_VM_TANH_DEG + 1; k_ >= 4; k_--) /* c_{k-2}: unrolled */            \
            p_ = V_FMA(p_, r_, C(k_));                                                        \
        VD t_ = V_FMA(V_MUL(r_, r_), p_, C(2));                                               \
        t_ = V_FMA(r_, C(3), t_);                                                             \
        (out) = V_ORB(V_ADD(C(1), t_), (sign));                                               \
    } while (0)
NNC_VM_ATTR static inline VD NNC_VM_FN(tanh)(VD x)
{
    VD sign, a, y;
    VI i = NNC_VM_FN(tanh_split)(x, &sign, &a);
    V_LT16(c, NNC_VM_TANH_ROWS);
    V_LT16_INIT(c, nnc_vm_tanh_tab, nnc_vm_tanh_rows, i, NNC_VM_TANH_ROWS);
#define NNC_C_(k) V_LT16_AT(c, nnc_vm_tanh_tab, (k))
    NNC_VM_TANH_EVAL_(NNC_C_, a, sign, y);
#undef NNC_C_
    return y;
}

/* The logistic function 1 / (1 + exp(-x)).  With E = exp(-|x|) in (0, 1]
 * carried as E_hi + E_lo and D = 1 + E split exactly (Fast2Sum, 1 >= E_hi),
 * sigmoid = 1 / D for x >= 0 and E / D for x < 0 (the numerator is a select,
 * not a branch), each quotient corrected with its exact remainder so that
 * only the last add rounds.  exp never overflows. */
NNC_VM_ATTR static inline VD NNC_VM_FN(sigmoid)(VD x)
{
    VD na = V_ORB(x, V_SET(NNC_VM_SIGN_MASK)); /* -|x| */
    VD e_lo, s1, s2, n;
    VD e = NNC_VM_FN(exp_dd)(na, &e_lo, &s1, &s2, &n, 0);
    e = V_MUL(V_MUL(e, s1), s2);
    e_lo = V_MUL(V_MUL(e_lo, s1), s2);
    VD d = V_ADD(V_SET(1.0), e);
    VD d_lo = V_ADD(V_ADD(V_SUB(V_SET(1.0), d), e), e_lo);
    /* n / (d + d_lo) = q0 + ((n - q0 d) + n_lo - q0 d_lo) / d, the remainder
     * n - q0 d exact (one FMA: the remainder of a correctly rounded quotient
     * is a double); the correction is tiny, so it divides by d
     * approximately: 1/d is q0 (x >= 0) or 1 - q0 (x < 0, as
     * 1 / (1 + E) = 1 - E / (1 + E)).  One division. */
    VM neg = V_LT(x, V_SET(0.0));
    VD num = V_SEL(neg, e, V_SET(1.0));
    VD num_lo = V_SEL(neg, e_lo, V_SET(0.0));
    VD q0 = V_DIV(num, d);
    VD i0 = V_SEL(neg, V_SUB(V_SET(1.0), q0), q0);
    VD rem = V_ADD(V_FNMA(q0, d, num), V_FNMA(q0, d_lo, num_lo));
    return V_FMA(rem, i0, q0);
}

NNC_VM_ATTR static inline VD NNC_VM_FN(exp)(VD x)
{
    return NNC_VM_FN(exp_p)(x);
}

/* ---- float32 in float32 lanes: exp, expm1, tanh and the logistic function
 * run on lanes of float (twice as many per vector as double) with the same
 * methods as the float64 forms above, shorter polynomials and float
 * Cody-Waite constants: exp(x) is carried as a float-float E_hi + E_lo
 * (exp_dd_f), so that the last division or subtraction of sigmoid and
 * expm1 does not pay for exp's rounding (tanh has its own table).  Accuracy (float32, worst case over
 * a million points and a sweep of every 512th float against an x87
 * long-double reference): exp 0.64 ulp, expm1 0.63, tanh 0.71, sigmoid 0.75
 * (tests/test_vmath.py bounds them at 1 ulp).  log and log1p (only used on float64 values by the losses) keep
 * the float64 algorithm on the widened input, rounded once (0.5 ulp). ---- */
#ifndef NNC_VMATH_F32_CONSTANTS_DEFINED
#define NNC_VMATH_F32_CONSTANTS_DEFINED
/* 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer */
#define NNC_VMF_SHIFT 12582912.0f
#define NNC_VMF_INV_LN2 1.44269502f
/* ln 2 = LN2_HI + LN2_LO with LN2_HI = 0x3f317200 (9 trailing zero bits),
 * so n LN2_HI is exact for |n| <= 2^8 */
#define NNC_VMF_LN2_HI 0.693145751953125f
#define NNC_VMF_LN2_LO 1.42860677e-06f
/* exp's clamp in float: exp(89) overflows, exp(-104) rounds to 0 */
#define NNC_VMF_EXP_LO (-104.0f)
#define NNC_VMF_EXP_HI 89.0f
#endif

/* 2^k for an integral float k in [-126, 127]. */
NNC_VM_ATTR static inline VF NNC_VM_FN(pow2_f)(VF k)
{
    return F_SHL23(F_ADD(k, F_SET(NNC_VMF_SHIFT + 127.0f)));
}

/* a b = p + *err exactly for floats (FMA; no overflow or underflow). */
NNC_VM_ATTR static inline VF NNC_VM_FN(two_prod_f)(VF a, VF b, VF *err)
{
    VF p = F_MUL(a, b);
    *err = F_FMS(a, b, p);
    return p;
}

/* exp(x) = (E_hi + E_lo) 2^n1 2^n2 with |E_lo| <= ulp(E_hi) / 2 (E_lo in
 * *lo, the two scale factors in *s1 and *s2, not applied, and n in *n_out),
 * x clamped to [EXP_LO, EXP_HI] by the caller.  x = n ln2 + r + r_err, then
 * exp(r) = 1 + r + r^2 Q(r); 1 + r is split exactly (Fast2Sum, 1 >= |r|)
 * and the small terms are summed into its low part with one FMA, so E_hi is
 * exp rounded once and E_hi + E_lo is within about 2^-27 of exp(r).  With
 * exact (a constant) set, the tail is r^2 / 2 + r^3 Q1(r) with r^2 exact
 * (two_prod_f) and the tail's largest term split off too: within about
 * 2^-30, which expm1 needs near its zero. */
NNC_VM_ATTR static inline VF NNC_VM_FN(exp_dd_f)(VF x, VF *lo, VF *s1, VF *s2, VF *n_out,
                                                   int exact)
{
    VF t = F_FMA(x, F_SET(NNC_VMF_INV_LN2), F_SET(NNC_VMF_SHIFT));
    VF k = F_SUB(t, F_SET(NNC_VMF_SHIFT));
    VF hi = F_FNMA(k, F_SET(NNC_VMF_LN2_HI), x); /* exact */
    VF r = F_FNMA(k, F_SET(NNC_VMF_LN2_LO), hi);
    VF r_err = F_FNMA(k, F_SET(NNC_VMF_LN2_LO), F_SUB(hi, r)); /* hi - r exact */
    VF q = F_FMA(F_SET((float)NNC_VM_F5), r, F_SET((float)NNC_VM_F4));
    q = F_FMA(q, r, F_SET((float)NNC_VM_F3));
    q = F_FMA(q, r, F_SET((float)NNC_VM_F2));
    q = F_FMA(q, r, F_SET((float)NNC_VM_F1)); /* Q1 */
    VF h = F_ADD(F_SET(1.0f), r);
    VF h_lo = F_ADD(F_SUB(F_SET(1.0f), h), r); /* exact */
    VF u, small;
    if (exact) { /* a constant: the branch folds away where it is inlined */
        VF r2_err;
        VF r2 = NNC_VM_FN(two_prod_f)(r, r, &r2_err);
        VF t_hi = F_MUL(r2, F_SET(0.5f)); /* exact */
        VF t_lo = F_FMA(F_MUL(r2, r), q, F_MUL(r2_err, F_SET(0.5f)));
        u = F_ADD(h, t_hi);
        VF u_lo = F_ADD(F_SUB(h, u), t_hi); /* exact */
        small = F_ADD(u_lo, F_ADD(h_lo, F_ADD(r_err, t_lo)));
    }
    else {
        u = h;
        small = F_FMA(F_MUL(r, r), F_FMA(q, r, F_SET((float)NNC_VM_F0)), F_ADD(r_err, h_lo));
    }
    VF e = F_ADD(u, small);
    *lo = F_ADD(F_SUB(u, e), small);
    VF n1 = F_SUB(F_FMA(k, F_SET(0.5f), F_SET(NNC_VMF_SHIFT)), F_SET(NNC_VMF_SHIFT));
    *s1 = NNC_VM_FN(pow2_f)(n1);
    *s2 = NNC_VM_FN(pow2_f)(F_SUB(k, n1));
    *n_out = k;
    return e;
}

NNC_VM_ATTR static inline VF NNC_VM_FN(exp_f)(VF x)
{
    VF lo, s1, s2, n;
    x = F_MAX(F_SET(NNC_VMF_EXP_LO), F_MIN(F_SET(NNC_VMF_EXP_HI), x));
    VF e = NNC_VM_FN(exp_dd_f)(x, &lo, &s1, &s2, &n, 0);
    return F_MUL(F_MUL(e, s1), s2);
}

/* (E_hi - 1) + E_lo with E_hi - 1 split exactly (TwoSum), as expm1 above. */
NNC_VM_ATTR static inline VF NNC_VM_FN(expm1_f)(VF x)
{
    VF lo, s1, s2, n;
    VF xc = F_MAX(F_SET(NNC_VMF_EXP_LO), F_MIN(F_SET(NNC_VMF_EXP_HI), x));
    VF e = NNC_VM_FN(exp_dd_f)(xc, &lo, &s1, &s2, &n, 1);
    e = F_MUL(F_MUL(e, s1), s2);
    lo = F_MUL(F_MUL(lo, s1), s2);
    VF s = F_SUB(e, F_SET(1.0f));
    VF bb = F_SUB(s, e);
    VF err = F_SUB(F_SUB(e, F_SUB(s, bb)), F_ADD(F_SET(1.0f), bb));
    VF y = F_ADD(s, F_ADD(err, lo));
    y = F_SEL(F_EQ(e, F_SET(HUGE_VALF)), e, y);
    return F_SEL(F_EQ(x, F_SET(0.0f)), x, y);
}

/* tanh for float32 by table (SVML's and NumPy's method, with the last
 * add rounding once): a = min(|x|, 9.0625) (tanh rounds to 1.0f above
 * 9.011; inf gives 1, a NaN stays NaN) falls in one of 32 subintervals
 * picked by its bits -- the exponent and two mantissa bits, a quarter of a
 * binade each between 0.047 and 8, with [0, 0.047) and [8, 9.0625] at the
 * ends (tools/gen_tanh_table.py, vmath_tanh_table.h).  There
 * tanh(a) = c0 + c1 r + r^2 P(r), r = a - c exact (Sterbenz) around the
 * subinterval's centre c, P of degree 3 (c2..c5); c0 = c0_hi + c0_lo, and
 *     tanh = c0_hi + (c1 r + (r^2 P(r) + c0_lo)),
 * the two inner terms one FMA each, so what rounds is the last add (half an
 * ulp), the linear term's FMA (at most a fifth of the result: |r| <= c/9)
 * and the polynomial's error (2^-26.3 relative).  Entry 0 is the odd
 * series a + a^3 (c3 + c5 a^2): tiny and subnormal |x| give x exactly.
 * The coefficients come from in-register permutes (AVX-512), row loads and
 * transposes (AVX2) or an array index (portable), the same floats on every
 * path, so the same bits; no branch, no division. */
/* split and evaluation, as the float64 form */
NNC_VM_ATTR static inline VFI NNC_VM_FN(tanh_f_split)(VF x, VF *sign, VF *a)
{
    *sign = F_ANDB(x, F_SET(-0.0f));
    *a = F_MIN(F_SET(NNC_VMF_TANH_TOP), F_XORB(x, *sign));
    return F_TIDX(*a, NNC_VMF_TANH_SHIFT, NNC_VMF_TANH_BASE, 31);
}
#define NNC_VM_TANH_F_EVAL_(C, a, sign, out)                                                  \
    do {                                                                                      \
        VF r_ = F_SUB((a), C(0));                                                             \
        VF p_ = C(NNC_VMF_TANH_DEG + 2);                                                      \
        for (int k_ = NNC_VMF_TANH_DEG + 1; k_ >= 4; k_--) /* c_{k-2}: unrolled */           \
            p_ = F_FMA(p_, r_, C(k_));                                                        \
        VF t_ = F_FMA(F_MUL(r_, r_), p_, C(2));                                               \
        t_ = F_FMA(r_, C(3), t_);                                                             \
        (out) = F_ORB(F_ADD(C(1), t_), (sign));                                               \
    } while (0)
NNC_VM_ATTR static inline VF NNC_VM_FN(tanh_f)(VF x)
{
    VF sign, a, y;
    VFI i = NNC_VM_FN(tanh_f_split)(x, &sign, &a);
    F_LT32(c, NNC_VMF_TANH_ROWS);
    F_LT32_INIT(c, nnc_vm_tanhf_tab, nnc_vm_tanhf_rows, i, NNC_VMF_TANH_ROWS);
#define NNC_C_(k) F_LT32_AT(c, nnc_vm_tanhf_tab, (k))
    NNC_VM_TANH_F_EVAL_(NNC_C_, a, sign, y);
#undef NNC_C_
    return y;
}

/* (x < 0 ? E : 1) / (1 + E), E = exp(-|x|) = E_hi + E_lo, as the float64
 * form: D = 1 + E_hi split exactly (Fast2Sum), the quotient q0 corrected
 * with its exact remainder (one FMA) and the two low parts, so that only the
 * division and the last FMA round.  The correction divides by D
 * approximately: 1 / D is q0 (x >= 0) or 1 - q0 (x < 0, as
 * 1 / (1 + E) = 1 - E / (1 + E)), plenty for a term of about an ulp.  One
 * division. */
NNC_VM_ATTR static inline VF NNC_VM_FN(sigmoid_f)(VF x)
{
    VF na = F_ORB(x, F_SET(-0.0f)); /* -|x| */
    VF e_lo, s1, s2, n;
    VF e = NNC_VM_FN(exp_dd_f)(F_MAX(F_SET(NNC_VMF_EXP_LO), na), &e_lo, &s1, &s2, &n, 0);
    e = F_MUL(F_MUL(e, s1), s2);
    e_lo = F_MUL(F_MUL(e_lo, s1), s2);
    VF d = F_ADD(F_SET(1.0f), e);
    VF d_lo = F_ADD(F_ADD(F_SUB(F_SET(1.0f), d), e), e_lo);
    VFM neg = F_LT(x, F_SET(0.0f));
    VF num = F_SEL(neg, e, F_SET(1.0f));
    VF num_lo = F_SEL(neg, e_lo, F_SET(0.0f));
    VF q0 = F_DIV(num, d);
    VF rem = F_ADD(F_FNMA(q0, d, num), F_FNMA(q0, d_lo, num_lo));
    VF inv = F_SEL(neg, F_SUB(F_SET(1.0f), q0), q0);
    return F_FMA(rem, inv, q0);
}

/* log and log1p for float32: the float64 algorithm on the widened input. */
NNC_VM_ATTR static inline VD NNC_VM_FN(log_f)(VD x)
{
    return NNC_VM_FN(log)(x);
}

NNC_VM_ATTR static inline VD NNC_VM_FN(log1p_f)(VD x)
{
    return NNC_VM_FN(log1p)(x);
}
