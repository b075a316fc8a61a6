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
 * an x87 long-double reference, tests/test_vmath.py): exp 0.93 ulp, log
 * 0.75, log1p 0.79 -- within 1 ulp; expm1 1.4, sigmoid 1.8 and tanh 2.5 ulp
 * (not yet 1 ulp: their last steps, 2^n (1 - 2^-n + r) for expm1 and the
 * division e / (e + 2) for tanh, round once more than a double-double
 * formulation would).  float32: every function within 0.5 ulp (see above).
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

/* The shared reduction of exp and expm1: x = n ln2 + r with n integral and
 * |r| <= ln(2)/2 (plus rounding); returns the tail r^2 E(r) of
 * exp(r) - 1 = r + r^2 E(r) and stores n and r.  x must
 * be clamped to [NNC_VM_EXP_LO, NNC_VM_EXP_HI] (or NaN). */
NNC_VM_ATTR static inline VD NNC_VM_FN(exp_reduce)(VD x, VD *n, VD *r_out)
{
    VD t = V_ADD(V_MUL(x, V_SET(NNC_VM_INV_LN2)), V_SET(NNC_VM_SHIFT));
    VD k = V_SUB(t, V_SET(NNC_VM_SHIFT));
    /* x - k LN2_HI is exact (k LN2_HI is, and x is within a factor 2 of it
     * unless both are tiny); the rounding of r costs < 0.1 ulp of exp. */
    VD r = V_SUB(V_SUB(x, V_MUL(k, V_SET(NNC_VM_LN2_HI))), V_MUL(k, V_SET(NNC_VM_LN2_LO)));
    VD q = V_SET(NNC_VM_E10);
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E9));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E8));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E7));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E6));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E5));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E4));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E3));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E2));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E1));
    q = V_ADD(V_MUL(q, r), V_SET(NNC_VM_E0));
    *n = k;
    *r_out = r;
    return V_MUL(V_MUL(r, r), q);
}

/* exp(x).  The scale 2^n is applied as 2^n1 * 2^n2 (n1 = n/2 rounded) so
 * that n = 1024 (results near DBL_MAX) and n < -1022 (subnormal results)
 * need no special case: overflow gives inf and underflow 0 by rounding. */
NNC_VM_ATTR static inline VD NNC_VM_FN(exp)(VD x)
{
    VD n, r;
    /* the constant first: a NaN x passes through (V_MIN/V_MAX return b) */
    x = V_MAX(V_SET(NNC_VM_EXP_LO), V_MIN(V_SET(NNC_VM_EXP_HI), x));
    VD tail = NNC_VM_FN(exp_reduce)(x, &n, &r);
    VD y = V_ADD(V_SET(1.0), V_ADD(r, tail));
    VD n1 = V_SUB(V_ADD(V_MUL(n, V_SET(0.5)), V_SET(NNC_VM_SHIFT)), V_SET(NNC_VM_SHIFT));
    VD n2 = V_SUB(n, n1);
    return V_MUL(V_MUL(y, NNC_VM_FN(pow2)(n1)), NNC_VM_FN(pow2)(n2));
}

/* exp(x) - 1 = 2^n (((1 - 2^-n) + r) + tail): 1 - 2^-n is exact for the n
 * of the clamped range [-40, 710] (2^-n is clamped at 2^-60, below which
 * 1 - 2^-n rounds to 1 anyway), and multiplying by 2^n is exact.  Adding r
 * before the tail (not r + tail first, as exp does) avoids a cancellation
 * for n = 1 and r < 0, where (r + tail) + 1/2 lost a bit.  Below -40,
 * exp(x) - 1 rounds to -1. */
NNC_VM_ATTR static inline VD NNC_VM_FN(expm1)(VD x)
{
    VD n, r;
    VD xc = V_MAX(V_SET(-40.0), V_MIN(V_SET(NNC_VM_EXP_HI), x));
    VD tail = NNC_VM_FN(exp_reduce)(xc, &n, &r);
    VD n1 = V_SUB(V_ADD(V_MUL(n, V_SET(0.5)), V_SET(NNC_VM_SHIFT)), V_SET(NNC_VM_SHIFT));
    VD inv = NNC_VM_FN(pow2)(V_MAX(V_SET(-60.0), V_SUB(V_SET(0.0), n)));
    VD y = V_ADD(V_ADD(V_SUB(V_SET(1.0), inv), r), tail);
    y = V_MUL(V_MUL(y, NNC_VM_FN(pow2)(n1)), NNC_VM_FN(pow2)(V_SUB(n, n1)));
    /* +-0 keeps its sign (p is x exactly for tiny x, but 0 + 0 loses -0) */
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

/* tanh(x) = sign(x) e / (e + 2), e = expm1(2 |x|).  Above |x| = 20 the
 * result rounds to 1 in double, so 2|x| is clamped to 40 (inf included). */
NNC_VM_ATTR static inline VD NNC_VM_FN(tanh)(VD x)
{
    VD sign = V_ANDB(x, V_SET(NNC_VM_SIGN_MASK));
    VD a = V_XORB(x, sign);
    VD a2 = V_MIN(V_SET(40.0), V_ADD(a, a));
    VD e = NNC_VM_FN(expm1)(a2);
    return V_ORB(V_DIV(e, V_ADD(e, V_SET(2.0))), sign);
}

/* The logistic function 1 / (1 + exp(-x)).  With e = exp(-|x|) in (0, 1],
 * sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0: exp never
 * overflows, and the sign is a select, not a branch. */
NNC_VM_ATTR static inline VD NNC_VM_FN(sigmoid)(VD x)
{
    VD na = V_ORB(x, V_SET(NNC_VM_SIGN_MASK)); /* -|x| */
    VD e = NNC_VM_FN(exp)(na);
    VD d = V_ADD(V_SET(1.0), e);
    /* 1 + e = d + dl exactly (|e| <= 1); dividing by d alone would carry
     * d's rounding into the result, so correct to first order:
     * a / (d + dl) = a/d - (a/d) (1/d) dl. */
    VD dl = V_ADD(V_SUB(V_SET(1.0), d), e);
    VD inv = V_DIV(V_SET(1.0), d);
    VD q = V_SEL(V_LT(x, V_SET(0.0)), V_DIV(e, d), inv);
    return V_SUB(q, V_MUL(V_MUL(q, inv), dl));
}
