/* Random numbers: xoshiro256** seeded through splitmix64, unbiased bounded
 * integers, permutations, uniform and normal fills, weight initialisers.
 *
 * Reproducibility is the point of this file: a seed must give the same numbers
 * on every platform and compiler.  Everything here is integer arithmetic or
 * IEEE-754 basic operations (+ - * / sqrt, all correctly rounded), plus frexp,
 * which is exact.  libm's log/exp/cos are never called, because their last bit
 * legitimately differs between libms; the normal generator uses its own log
 * below.  This assumes doubles are evaluated in double (FLT_EVAL_METHOD 0, as
 * on x86-64 SSE2 and AArch64) and -ffp-contract=off (no silent fused
 * multiply-add), both of which the build guarantees. */
#include "nnc_core.h"

/* ---- the generator ---- */

/* splitmix64 (Steele, Lea & Flood 2014; Vigna's reference constants): a
 * bijective mix of a Weyl sequence.  Used only to spread one 64-bit seed over
 * the 256-bit state, so that nearby seeds (0, 1, 2, ...) give unrelated
 * streams. */
static uint64_t splitmix64_next(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void nnc_rng_seed(nnc_rng_t *rng, uint64_t seed)
{
    uint64_t x = seed;
    /* Four consecutive Weyl values are distinct and splitmix64's mix is a
     * bijection, so at most one word is zero: the state is never the all-zero
     * fixed point of xoshiro. */
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64_next(&x);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", 2021): period 2^256 - 1, all 64 bits of good quality. */
uint64_t nnc_rng_next_u64(nnc_rng_t *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = rotl64(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

void nnc_rng_jump(nnc_rng_t *rng)
{
    /* The jump polynomial of the reference implementation: the state after
     * 2^128 steps is a fixed GF(2)-linear combination of the states after
     * 0..255 steps, selected by these 256 bits. */
    static const uint64_t jump[4] = {UINT64_C(0x180ec6d33cfd0aba), UINT64_C(0xd5a61266f0c9392c),
                                     UINT64_C(0xa9582618e03fc9aa), UINT64_C(0x39abdc4529b1661c)};
    uint64_t acc[4] = {0, 0, 0, 0};
    for (int w = 0; w < 4; w++) {
        for (int b = 0; b < 64; b++) {
            if (jump[w] & (UINT64_C(1) << b)) {
                for (int i = 0; i < 4; i++)
                    acc[i] ^= rng->s[i];
            }
            (void)nnc_rng_next_u64(rng);
        }
    }
    for (int i = 0; i < 4; i++)
        rng->s[i] = acc[i];
}

/* High and low 64 bits of the 128-bit product a * b.  Both branches give the
 * same bits; the portable one exists for compilers without a 128-bit type. */
static inline uint64_t mul_64x64(uint64_t a, uint64_t b, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__) && !defined(NNC_RNG_PORTABLE_MUL)
    __extension__ typedef unsigned __int128 u128;
    u128 p = (u128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
#else
    const uint64_t mask = UINT64_C(0xffffffff);
    uint64_t a0 = a & mask, a1 = a >> 32, b0 = b & mask, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & mask) + (p10 & mask); /* < 3 * 2^32 */
    *lo = (mid << 32) | (p00 & mask);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* Lemire, "Fast random integer generation in an interval" (ACM TOMACS 2019):
 * the high word of x * bound is uniform on [0, bound) once the x whose low
 * word falls below 2^64 mod bound are rejected.  Rejection happens with
 * probability < bound / 2^64 and the modulo is computed only on the rare path.
 * bound 0 is outside the contract; it returns 0 (and consumes one draw). */
uint64_t nnc_rng_bounded(nnc_rng_t *rng, uint64_t bound)
{
    uint64_t lo;
    uint64_t hi = mul_64x64(nnc_rng_next_u64(rng), bound, &lo);
    if (lo < bound) {
        const uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
        while (lo < threshold)
            hi = mul_64x64(nnc_rng_next_u64(rng), bound, &lo);
    }
    return hi;
}

nnc_status_t nnc_rng_permutation(nnc_rng_t *rng, int64_t n, int64_t *out)
{
    if (n < 0 || (n > 0 && (rng == NULL || out == NULL)))
        return NNC_STATUS_INVALID_ARGUMENT;
    for (int64_t i = 0; i < n; i++)
        out[i] = i;
    /* Durstenfeld's Fisher-Yates, from the top: position i receives a uniform
     * choice among the i + 1 values not yet placed. */
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)nnc_rng_bounded(rng, (uint64_t)i + 1);
        int64_t tmp = out[i];
        out[i] = out[j];
        out[j] = tmp;
    }
    return NNC_STATUS_OK;
}

/* ---- floating-point helpers shared by both dtypes ---- */

/* Uniform on [0, 1) with 53 random bits: the top 53 bits of a draw scaled by
 * 2^-53 (exact). */
static inline double rng_unit53(nnc_rng_t *rng)
{
    return (double)(nnc_rng_next_u64(rng) >> 11) * 0x1.0p-53;
}

/* Uniform on [0, 1) with 24 random bits, for float32. */
static inline float rng_unit24(nnc_rng_t *rng)
{
    return (float)(nnc_rng_next_u64(rng) >> 40) * 0x1.0p-24f;
}

/* Natural log of a positive normal double, from IEEE basic operations only,
 * so it is the same bit for bit everywhere (within ~1 ulp of the true value).
 * Write x = 2^k * m with m in [sqrt(1/2), sqrt(2)) and f = m - 1 (exact, as m
 * is within a factor 2 of 1).  With s = f / (2 + f), ln(1 + f) = 2 atanh(s) =
 * 2s + 2s^3/3 + 2s^5/5 + ...; since 2s = f - s f, this is
 * f - hfsq + s (hfsq + R) with hfsq = f^2 / 2 and R = 2z/3 + 2z^2/5 + ...,
 * z = s^2 <= 0.0295.  Twelve terms of R leave a remainder far below 2^-53.
 * ln 2 is split into a high part with trailing zero bits (k * ln2_hi is exact)
 * and a low part. */
static double rng_log(double x)
{
    static const double ln2_hi = 6.93147180369123816490e-01; /* 0x3fe62e42fee00000 */
    static const double ln2_lo = 1.90821492927058770002e-10;
    int k;
    double m = frexp(x, &k);
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        k -= 1;
    }
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    double r = 2.0 / 25.0;
    for (int j = 11; j >= 1; j--)
        r = r * z + 2.0 / (double)(2 * j + 1);
    r *= z;
    const double hfsq = 0.5 * f * f;
    const double dk = (double)k;
    return dk * ln2_hi - ((hfsq - (s * (hfsq + r) + dk * ln2_lo)) - f);
}

/* Two independent standard normal values by Marsaglia's polar method
 * (Marsaglia & Bray 1964): draw (u, v) uniformly in the square [-1, 1)^2 until
 * it falls strictly inside the unit disc (away from the origin); then
 * u * sqrt(-2 ln(s) / s) and v * sqrt(-2 ln(s) / s), s = u^2 + v^2, are
 * independent N(0, 1).  Chosen over Box-Muller because it needs no cos/sin and,
 * with rng_log, no libm at all; the acceptance rate is pi/4. */
static void rng_normal_pair(nnc_rng_t *rng, double *z0, double *z1)
{
    double u, v, s;
    do {
        u = 2.0 * rng_unit53(rng) - 1.0; /* exact: a multiple of 2^-52 in [-1, 1) */
        v = 2.0 * rng_unit53(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double scale = sqrt(-2.0 * rng_log(s) / s);
    *z0 = u * scale;
    *z1 = v * scale;
}

/* ---- float64 and float32 fills, from one body ---- */
#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "rng_impl.h"
#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "rng_impl.h"
#include "nnc_tmpl_end.h"
