/* The vector math, written once against the primitives of nnc_simd.h and
 * included once per backend (vmath.h: the one-lane portable path, inline in
 * every kernel; vmath.c: AVX2 and AVX-512 array loops).  No include guard on
 * purpose.  Every backend runs the same operations in the same order on each
 * lane, so every path gives the same bits, and none calls the system libm.
 *
 * Why no fused multiply-add: a result is bit-identical across paths only if
 * every path rounds the same way.  FMA exists on AVX2-era x86, AVX-512 and
 * NEON but not on baseline x86-64 (SSE2), where fma() is a slow software
 * routine; a portable path that must match an FMA path bit for bit would pay
 * that on every element.  So every polynomial is evaluated with a separate
 * multiply and add (the build's -ffp-contract=off keeps the compiler from
 * fusing them), and the reductions use Cody-Waite constants whose products
 * are exact without FMA.  The accuracy stays within 1 ulp (see below).
 *
 * float32: each function evaluates the float64 algorithm on the exactly
 * widened input and rounds once to float.  The float64 result is within
 * about 1 ulp of double (2^-52 relative), so the float result is the
 * correctly rounded one except in rare near-halfway cases, and never more
 * than 0.5 + 2^-28 ulp of float away.
 *
 * Accuracy (float64, worst case over a million points per function against
 * an x87 long-double reference, tests/test_vmath.py): exp 0.93 ulp, expm1
 * 0.76, log 0.75, log1p 0.79, tanh 0.75, sigmoid 0.57 -- all within 1 ulp.
 * tanh, sigmoid and expm1 reach it by carrying exp(x) as a double-double
 * (exp_dd) into their last division or subtraction, with FMA-free exact
 * products (Dekker) and sums (Fast2Sum, TwoSum).  float32: every function
 * within 0.5 ulp (see above).
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
/* The same quotient for float32 results: degree 5, error 1.4e-9 (1.7e-10
 * relative to exp, a few thousandths of a float32 ulp). */
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
/* (tanh(a) - a) / a^3 as a polynomial in z = a^2 on a <= 0.5625: a degree-10
 * Chebyshev fit (mpmath.chebyfit), error 1.2e-17. */
#define NNC_VM_TANH_SMALL 0.5625
#define NNC_VM_T0 (-0.3333333333333333)
#define NNC_VM_T1 0.13333333333332392
#define NNC_VM_T2 (-0.0539682539670594)
#define NNC_VM_T3 0.021869488476962563
#define NNC_VM_T4 (-0.008863234021529514)
#define NNC_VM_T5 0.003592105532132769
#define NNC_VM_T6 (-0.0014556239774192678)
#define NNC_VM_T7 0.0005887537111834804
#define NNC_VM_T8 (-0.00023410556936672797)
#define NNC_VM_T9 8.426522203958066e-05
#define NNC_VM_T10 (-2.0026740085317684e-05)
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

/* a b = p + *err exactly (Dekker's product with Veltkamp's split: the FMA-free
 * way, valid while |a|, |b| < 2^995). */
NNC_VM_ATTR static inline VD NNC_VM_FN(two_prod)(VD a, VD b, VD *err)
{
    const VD split = V_SET(134217729.0); /* 2^27 + 1 */
    VD ca = V_MUL(a, split);
    VD ah = V_SUB(ca, V_SUB(ca, a));
    VD al = V_SUB(a, ah);
    VD cb = V_MUL(b, split);
    VD bh = V_SUB(cb, V_SUB(cb, b));
    VD bl = V_SUB(b, bh);
    VD p = V_MUL(a, b);
    *err = V_ADD(V_ADD(V_ADD(V_SUB(V_MUL(ah, bh), p), V_MUL(ah, bl)), V_MUL(al, bh)),
                 V_MUL(al, bl));
    return p;
}

/* The shared reduction of exp and expm1: x = n ln2 + r with n integral and
 * |r| <= ln(2)/2 (plus rounding); returns the tail r^2 E(r) of
 * exp(r) - 1 = r + r^2 E(r) and stores n, r, r's rounding error and q1
 * with E(r) = 1/2 + r q1 (for exp_dd; the compiler drops what a caller
 * ignores).  f32 (a constant) selects the shorter float32 polynomial.  x must
 * be clamped to [NNC_VM_EXP_LO, NNC_VM_EXP_HI] (or NaN). */
NNC_VM_ATTR static inline VD NNC_VM_FN(exp_reduce)(VD x, VD *n, VD *r_out, VD *r_err,
                                                     VD *q1, int f32)
{
    VD t = V_ADD(V_MUL(x, V_SET(NNC_VM_INV_LN2)), V_SET(NNC_VM_SHIFT));
    VD k = V_SUB(t, V_SET(NNC_VM_SHIFT));
    /* x - k LN2_HI is exact (k LN2_HI is, and x is within a factor 2 of it
     * unless both are tiny); the rounding of r costs < 0.1 ulp of exp. */
    VD hi = V_SUB(x, V_MUL(k, V_SET(NNC_VM_LN2_HI)));
    VD lo = V_MUL(k, V_SET(NNC_VM_LN2_LO));
    VD r = V_SUB(hi, lo);
    *r_err = V_SUB(V_SUB(hi, r), lo); /* exact (Fast2Sum); only exp_dd uses it */
    VD q;
    if (f32) { /* a constant: the branch folds away where it is inlined */
        q = V_SET(NNC_VM_F5);
        q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_F4));
        q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_F3));
        q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_F2));
        q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_F1));
        *q1 = q;
        q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_F0));
        *n = k;
        *r_out = r;
        return V_MUL(V_MUL(r, r), q);
    }
    q = V_SET(NNC_VM_E10);
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E9));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E8));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E7));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E6));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E5));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E4));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E3));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E2));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E1));
    *q1 = q; /* E(r) = 1/2 + r q1 */
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E0));
    *n = k;
    *r_out = r;
    return V_MUL(V_MUL(r, r), q);
}

/* exp(x).  The scale 2^n is applied as 2^n1 * 2^n2 (n1 = n/2 rounded) so
 * that n = 1024 (results near DBL_MAX) and n < -1022 (subnormal results)
 * need no special case: overflow gives inf and underflow 0 by rounding. */
NNC_VM_ATTR static inline VD NNC_VM_FN(exp_p)(VD x, int f32)
{
    VD n, r;
    /* the constant first: a NaN x passes through (V_MIN/V_MAX return b) */
    x = V_MAX(V_SET(NNC_VM_EXP_LO), V_MIN(V_SET(NNC_VM_EXP_HI), x));
    VD r_err, q1;
    VD tail = NNC_VM_FN(exp_reduce)(x, &n, &r, &r_err, &q1, f32);
    VD y = V_ADD(V_SET(1.0), V_ADD(r, tail));
    VD n1 = V_SUB(V_ADD(V_MUL(n, V_SET(0.5)), V_SET(NNC_VM_SHIFT)), V_SET(NNC_VM_SHIFT));
    VD n2 = V_SUB(n, n1);
    return V_MUL(V_MUL(y, NNC_VM_FN(pow2)(n1)), NNC_VM_FN(pow2)(n2));
}

/* exp(x) = hi + lo to about 2^-58 relative (|lo| <= ulp(hi)).  The
 * reduction's p = r + tail and 1 + p are split exactly with Fast2Sum
 * (|r| >= |tail|, 1 >= |p|), so what would have been rounded away lands in
 * lo.  tanh and sigmoid divide by 1 + exp: carrying lo
 * keeps them within 1 ulp. */
NNC_VM_ATTR static inline VD NNC_VM_FN(exp_dd)(VD x, VD *lo)
{
    VD n, r, r_err, q1, r2_err;
    x = V_MAX(V_SET(NNC_VM_EXP_LO), V_MIN(V_SET(NNC_VM_EXP_HI), x));
    (void)NNC_VM_FN(exp_reduce)(x, &n, &r, &r_err, &q1, 0);
    /* tail = r^2 / 2 + r^3 q1 with r^2 exact (Dekker): the rounding of the
     * largest tail term would otherwise reach expm1's last bit */
    VD r2 = NNC_VM_FN(two_prod)(r, r, &r2_err);
    VD t_hi = V_MUL(r2, V_SET(0.5));
    VD t_lo = V_ADD(V_MUL(r2_err, V_SET(0.5)), V_MUL(V_MUL(r2, r), q1));
    VD t = V_ADD(t_hi, t_lo);
    VD t_err = V_ADD(V_SUB(t_hi, t), t_lo);
    VD p = V_ADD(r, t);
    /* exp(r + r_err) = exp(r) (1 + r_err) to first order, and exp(r) ~ 1 */
    VD p_lo = V_ADD(V_ADD(V_ADD(V_SUB(r, p), t), t_err), r_err);
    VD h = V_ADD(V_SET(1.0), p);
    VD h_lo = V_ADD(V_ADD(V_SUB(V_SET(1.0), h), p), p_lo);
    VD n1 = V_SUB(V_ADD(V_MUL(n, V_SET(0.5)), V_SET(NNC_VM_SHIFT)), V_SET(NNC_VM_SHIFT));
    VD s1 = NNC_VM_FN(pow2)(n1);
    VD s2 = NNC_VM_FN(pow2)(V_SUB(n, n1));
    *lo = V_MUL(V_MUL(h_lo, s1), s2);
    return V_MUL(V_MUL(h, s1), s2);
}

/* exp(x) - 1 = (E_hi - 1) + E_lo with exp(x) = E_hi + E_lo (exp_dd),
 * E_hi - 1 split exactly by Knuth's TwoSum (no condition on the magnitudes,
 * so no branch): only the last add rounds.  For |x| < 2^-54,
 * E_hi = 1 and E_lo = x, which gives x. */
NNC_VM_ATTR static inline VD NNC_VM_FN(expm1)(VD x)
{
    VD e_lo;
    VD e = NNC_VM_FN(exp_dd)(x, &e_lo);
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
    VD t1 = V_MUL(w, V_ADD(V_SET(NNC_VM_LG2),
                           V_MUL(w, V_ADD(V_SET(NNC_VM_LG4), V_MUL(w, V_SET(NNC_VM_LG6))))));
    VD t2 = V_MUL(
        z, V_ADD(V_SET(NNC_VM_LG1),
                 V_MUL(w, V_ADD(V_SET(NNC_VM_LG3),
                                V_MUL(w, V_ADD(V_SET(NNC_VM_LG5), V_MUL(w, V_SET(NNC_VM_LG7))))))));
    VD r = V_ADD(t2, t1);
    VD lo = V_ADD(V_MUL(k, V_SET(NNC_VM_LN2_LO)), c);
    return V_SUB(V_MUL(k, V_SET(NNC_VM_LN2_HI)),
                 V_SUB(V_SUB(hfsq, V_ADD(V_MUL(s, V_ADD(hfsq, r)), lo)), f));
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

/* tanh(x) = sign(x) tanh(|x|), with a = |x|:
 *  - a < 0.5625: a + a^3 P(a^2) (the polynomial term is at most a tenth of
 *    a, so its rounding hardly shows);
 *  - beyond: 1 - 2 / (E + 1), E = exp(2a) = E_hi + E_lo.  D = E + 1 is split
 *    exactly (Fast2Sum, E_hi >= 1), the quotient corrected for D's low part
 *    and 1 - q0 split exactly, so only the division and the last add round.
 * Both are computed and one is selected: no branch on a.  2a is clamped at
 * 40, above which tanh rounds to 1 (inf included). */
NNC_VM_ATTR static inline VD NNC_VM_FN(tanh)(VD x)
{
    VD sign = V_ANDB(x, V_SET(NNC_VM_SIGN_MASK));
    VD a = V_XORB(x, sign);
    VD z = V_MUL(a, a);
    VD q = V_SET(NNC_VM_T10);
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T9));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T8));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T7));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T6));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T5));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T4));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T3));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T2));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T1));
    q = V_ADD(V_MUL(q, z), V_SET(NNC_VM_T0));
    VD small = V_ADD(a, V_MUL(V_MUL(a, z), q));
    VD e_lo;
    VD e = NNC_VM_FN(exp_dd)(V_MIN(V_SET(40.0), V_ADD(a, a)), &e_lo);
    VD d = V_ADD(e, V_SET(1.0));
    VD d_lo = V_ADD(V_ADD(V_SUB(e, d), V_SET(1.0)), e_lo);
    /* 2 / (d + d_lo) = q0 (1 - d_lo / d) to first order, q0 = fl(2 / d);
     * 1 - q0 is split exactly (Fast2Sum), so what rounds is the division (at
     * most a quarter ulp of the result: q0 < 1/2 here) and the last add. */
    VD q0 = V_DIV(V_SET(2.0), d);
    VD c = V_MUL(V_MUL(q0, d_lo), V_MUL(q0, V_SET(0.5)));
    VD s = V_SUB(V_SET(1.0), q0);
    VD s_err = V_SUB(V_SUB(V_SET(1.0), s), q0);
    VD large = V_ADD(s, V_ADD(s_err, c));
    /* a NaN fails the compare and takes `large`, which is NaN too */
    VD t = V_SEL(V_LT(a, V_SET(NNC_VM_TANH_SMALL)), small, large);
    return V_ORB(t, sign);
}

/* The logistic function 1 / (1 + exp(-x)).  With E = exp(-|x|) in (0, 1]
 * carried as E_hi + E_lo and D = 1 + E split exactly (Fast2Sum, 1 >= E_hi),
 * sigmoid = 1 / D for x >= 0 and E / D for x < 0 (the numerator is a select,
 * not a branch), each quotient corrected with its exact remainder so that
 * only the last add rounds.  exp never overflows. */
NNC_VM_ATTR static inline VD NNC_VM_FN(sigmoid)(VD x)
{
    VD na = V_ORB(x, V_SET(NNC_VM_SIGN_MASK)); /* -|x| */
    VD e_lo;
    VD e = NNC_VM_FN(exp_dd)(na, &e_lo);
    VD d = V_ADD(V_SET(1.0), e);
    VD d_lo = V_ADD(V_ADD(V_SUB(V_SET(1.0), d), e), e_lo);
    /* n / (d + d_lo) = q0 + ((n - q0 d) + n_lo - q0 d_lo) / d, the remainder
     * n - q0 d exact (Dekker's product; n - p is exact, p being within a
     * factor 2 of n); the correction is tiny, so 1/d to double precision
     * serves for the division. */
    VM neg = V_LT(x, V_SET(0.0));
    VD num = V_SEL(neg, e, V_SET(1.0));
    VD num_lo = V_SEL(neg, e_lo, V_SET(0.0));
    VD i0 = V_DIV(V_SET(1.0), d);
    VD q0 = V_DIV(num, d);
    VD pe;
    VD pd = NNC_VM_FN(two_prod)(q0, d, &pe);
    VD rem = V_ADD(V_SUB(V_SUB(num, pd), pe), V_SUB(num_lo, V_MUL(q0, d_lo)));
    return V_ADD(q0, V_MUL(rem, i0));
}

/* ---- the float32 forms: exp, log and log1p are the float64 ones (exp with
 * the shorter polynomial); tanh and sigmoid skip the double-double
 * corrections, which only matter for float64's last bit.  Each is computed in
 * double and rounded once to float, within 0.5 ulp plus a few thousandths. ---- */

NNC_VM_ATTR static inline VD NNC_VM_FN(exp)(VD x)
{
    return NNC_VM_FN(exp_p)(x, 0);
}

NNC_VM_ATTR static inline VD NNC_VM_FN(exp_f)(VD x)
{
    return NNC_VM_FN(exp_p)(x, 1);
}

/* 2^n (((1 - 2^-n) + r) + tail) on the clamped range [-40, 710]: 1 - 2^-n is
 * exact there (2^-n clamped at 2^-60), and scaling by 2^n is exact. */
NNC_VM_ATTR static inline VD NNC_VM_FN(expm1_f)(VD x)
{
    VD n, r, r_err, q1;
    VD xc = V_MAX(V_SET(-40.0), V_MIN(V_SET(NNC_VM_EXP_HI), x));
    VD tail = NNC_VM_FN(exp_reduce)(xc, &n, &r, &r_err, &q1, 1);
    VD n1 = V_SUB(V_ADD(V_MUL(n, V_SET(0.5)), V_SET(NNC_VM_SHIFT)), V_SET(NNC_VM_SHIFT));
    VD inv = NNC_VM_FN(pow2)(V_MAX(V_SET(-60.0), V_SUB(V_SET(0.0), n)));
    VD y = V_ADD(V_ADD(V_SUB(V_SET(1.0), inv), r), tail);
    y = V_MUL(V_MUL(y, NNC_VM_FN(pow2)(n1)), NNC_VM_FN(pow2)(V_SUB(n, n1)));
    return V_SEL(V_EQ(x, V_SET(0.0)), x, y);
}

NNC_VM_ATTR static inline VD NNC_VM_FN(log_f)(VD x)
{
    return NNC_VM_FN(log)(x);
}

NNC_VM_ATTR static inline VD NNC_VM_FN(log1p_f)(VD x)
{
    return NNC_VM_FN(log1p)(x);
}

/* sign(x) e / (e + 2), e = expm1(2|x|), 2|x| clamped at 40. */
NNC_VM_ATTR static inline VD NNC_VM_FN(tanh_f)(VD x)
{
    VD sign = V_ANDB(x, V_SET(NNC_VM_SIGN_MASK));
    VD a = V_XORB(x, sign);
    VD e = NNC_VM_FN(expm1_f)(V_MIN(V_SET(40.0), V_ADD(a, a)));
    return V_ORB(V_DIV(e, V_ADD(e, V_SET(2.0))), sign);
}

/* (x < 0 ? e : 1) / (1 + e), e = exp(-|x|): one division. */
NNC_VM_ATTR static inline VD NNC_VM_FN(sigmoid_f)(VD x)
{
    VD e = NNC_VM_FN(exp_f)(V_ORB(x, V_SET(NNC_VM_SIGN_MASK)));
    VD num = V_SEL(V_LT(x, V_SET(0.0)), e, V_SET(1.0));
    return V_DIV(num, V_ADD(V_SET(1.0), e));
}
