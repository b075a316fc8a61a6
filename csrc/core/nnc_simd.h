/* A small SIMD abstraction over lanes of double, for the vector math of
 * vmath_impl.h.  Include it after defining one of
 *     NNC_SIMD_GENERIC   one lane, portable C (bit operations via memcpy)
 *     NNC_SIMD_GENERIC_FMA  the same, compiled for x86 with FMA (x86 only)
 *     NNC_SIMD_AVX2      4 lanes, __m256d
 *     NNC_SIMD_AVX512    8 lanes, __m512d
 * It consumes the request and (re)defines the generic names the math is
 * written against:
 *     VD, VM               a vector of doubles, a lane mask
 *     V_N                  lanes per vector
 *     V_SET(c)             every lane = c
 *     V_ADD/SUB/MUL/DIV    IEEE operations, one rounding each, never fused
 *     V_FMA(a, b, c)       a b + c with one rounding (fused multiply-add),
 *     V_FNMA(a, b, c)      c - a b with one rounding,
 *     V_FMS(a, b, c)       a b - c with one rounding: the only fused
 *                          operations, always written out (the build's
 *                          -ffp-contract=off fuses nothing on its own)
 *     V_LT/LE/GT/EQ        ordered compares (false when a lane is NaN)
 *     V_AND_M/OR_M/NOT_M   mask logic
 *     V_SEL(m, a, b)       m ? a : b per lane
 *     V_MIN(a, b)          a < b ? a : b (x86 semantics: NaN in a gives b,
 *     V_MAX(a, b)          a > b ? a : b  NaN in b gives b)
 *     V_ANDB/ORB/XORB      bitwise operations on the lanes' bits
 *     V_SHL52(a)           bits(a) << 52 (logical), as a double
 *     V_EXPF(a)            (double)(bits(a) >> 52) (logical shift, so the
 *                          sign-and-exponent field of a)
 *     V_LOAD/STORE         V_N doubles (unaligned)
 *     V_LOADF/STOREF       V_N floats, converted exactly to double / rounded
 *                          to nearest float
 *     V_LOADN/STOREN(p,v,k) the first k < V_N doubles (masked where the ISA
 *                          has masks; the other lanes read as 0)
 *     VI                   a vector of int64 table indices, one per lane
 *     V_TIDX(a, sh, b, t)  min(max((bits(a) >> sh) - b, 0), t) per lane (a
 *                          logical shift; sh, b, t constants, 0 <= t < 16)
 *     V_LT16(t, nc)        declares t, a lookup into a table of nc rows of
 *                          16 doubles (cols[nc][16]) with the same numbers
 *                          also stored entry by entry (rows[16][nc], nc a
 *                          multiple of 4), for the indices i:
 *     V_LT16_INIT(t, cols, rows, i, nc)  and then
 *     V_LT16_AT(t, cols, k) cols[k][i] per lane: one in-register permute of
 *                          two vectors per row at the point of use on
 *                          AVX-512 (vpermt2pd); on AVX2 INIT loads each
 *                          lane's row and transposes 4x4 blocks (loads and
 *                          shuffles, no gathers) and AT reads the result;
 *                          an array index on the portable path
 * and the same set for lanes of float (float32 evaluated in float32):
 *     VF, VFM, F_N, F_SET, F_ADD/SUB/MUL/DIV, F_FMA/FNMA/FMS, F_LT/GT/EQ,
 *     F_SEL, F_MIN/MAX, F_ANDB/ORB/XORB, F_SHL23 (bits << 23), F_LOAD/STORE,
 *     F_LOADN/STOREN
 *     VFI                  a vector of int32 table indices, one per float lane
 *     F_TIDX(a, sh, b, t)  min(max((bits(a) >> sh) - b, 0), t) per lane (a
 *                          logical shift; sh, b, t constants, 0 <= t < 32)
 *     F_LT32, F_LT32_INIT, F_LT32_AT  the same for rows of 32 floats (nc a
 *                          multiple of 8; vpermt2ps on AVX-512, 8x8
 *                          transposes on AVX2; NEON: vqtbl lookups)
 *     NNC_VM_FN(name)      name with the backend's suffix
 *     NNC_VM_ATTR          the function attribute the backend needs
 * Every backend implements every primitive with the same IEEE result, so a
 * function written once against these names gives the same bits on each.
 * That holds for the fused forms too: IEEE 754 (and C99's fma/fmaf) define
 * a b + c rounded once, which the FMA instructions of AVX2-era x86, AVX-512
 * and NEON compute.  The portable path calls C99 fma()/fmaf(): a single
 * instruction where the compiler targets FMA hardware (arm64, the
 * NNC_SIMD_GENERIC_FMA copy below), a library call otherwise (glibc then
 * uses the FMA instruction when the CPU has it, still a call per operation:
 * the portable array loops measure 2-15x slower than the FMA-free ones were;
 * an x86 CPU without FMA, i.e. before 2013, pays for a software fma on top,
 * and still gets the same bits).  Dispatch never runs those loops on a CPU
 * with AVX2 (the AVX2 level requires FMA).
 *
 * NNC_SIMD_GENERIC_FMA is the one-lane portable path compiled for x86 CPUs
 * with FMA (GCC/Clang), so that fma() becomes the instruction: the scalar
 * entry points of vmath.c pick it at run time.  Same code, same bits. */
#include "nnc_isa.h"

#include <stdint.h>
#include <string.h>

#include "nnc_simd_end.h"

/* ---------------- generic: one lane ---------------- */
#if defined(NNC_SIMD_GENERIC) || defined(NNC_SIMD_GENERIC_FMA)
#include <math.h>
#ifndef NNC_SIMD_GENERIC_DEFINED
#define NNC_SIMD_GENERIC_DEFINED
/* A mask is all ones or all zeros, so a select is two ANDs and an OR: no
 * branch on the data even in the one-lane path. */
typedef uint64_t nnc_vg_m;
static inline uint64_t nnc_vg_bits(double a)
{
    uint64_t u;
    memcpy(&u, &a, sizeof u);
    return u;
}
static inline double nnc_vg_from(uint64_t u)
{
    double a;
    memcpy(&a, &u, sizeof a);
    return a;
}
static inline nnc_vg_m nnc_vg_mask(int c)
{
    return (uint64_t)0 - (uint64_t)(c != 0);
}
static inline double nnc_vg_sel(nnc_vg_m m, double a, double b)
{
    return nnc_vg_from((nnc_vg_bits(a) & m) | (nnc_vg_bits(b) & ~m));
}
/* -a, except that a NaN keeps its sign: the FMA instructions return a NaN
 * operand unchanged (never negated) and C's unary minus would flip it, so
 * the fused forms negate through this to give the vector paths' NaN bits. */
static inline double nnc_vg_neg(double a)
{
    return nnc_vg_sel(nnc_vg_mask(a != a), a, -a);
}
static inline double nnc_vg_expf(double a)
{
    return (double)(nnc_vg_bits(a) >> 52);
}
static inline int64_t nnc_vg_tidx(double a, int sh, int64_t base, int64_t top)
{
    int64_t i = (int64_t)(nnc_vg_bits(a) >> sh) - base;
    i = i > 0 ? i : 0; /* a conditional move, not a branch */
    return i < top ? i : top;
}
typedef uint32_t nnc_vgf_m;
static inline uint32_t nnc_vgf_bits(float a)
{
    uint32_t u;
    memcpy(&u, &a, sizeof u);
    return u;
}
static inline float nnc_vgf_from(uint32_t u)
{
    float a;
    memcpy(&a, &u, sizeof a);
    return a;
}
static inline nnc_vgf_m nnc_vgf_mask(int c)
{
    return (uint32_t)0 - (uint32_t)(c != 0);
}
static inline float nnc_vgf_sel(nnc_vgf_m m, float a, float b)
{
    return nnc_vgf_from((nnc_vgf_bits(a) & m) | (nnc_vgf_bits(b) & ~m));
}
static inline float nnc_vgf_neg(float a)
{
    return nnc_vgf_sel(nnc_vgf_mask(a != a), a, -a);
}
static inline int32_t nnc_vgf_tidx(float a, int sh, int32_t base, int32_t top)
{
    int32_t i = (int32_t)(nnc_vgf_bits(a) >> sh) - base;
    i = i > 0 ? i : 0; /* a conditional move, not a branch */
    return i < top ? i : top;
}
#endif
#define VD double
#define VM nnc_vg_m
#define V_N 1
#define V_SET(c) ((double)(c))
#define V_ADD(a, b) ((a) + (b))
#define V_SUB(a, b) ((a) - (b))
#define V_MUL(a, b) ((a) * (b))
#define V_DIV(a, b) ((a) / (b))
#define V_FMA(a, b, c) fma((a), (b), (c))
#define V_FNMA(a, b, c) fma(nnc_vg_neg(a), (b), (c))
#define V_FMS(a, b, c) fma((a), (b), nnc_vg_neg(c))
#define V_LT(a, b) nnc_vg_mask((a) < (b))
#define V_LE(a, b) nnc_vg_mask((a) <= (b))
#define V_GT(a, b) nnc_vg_mask((a) > (b))
#define V_EQ(a, b) nnc_vg_mask((a) == (b))
#define V_AND_M(a, b) ((a) & (b))
#define V_OR_M(a, b) ((a) | (b))
#define V_NOT_M(a) (~(a))
#define V_SEL(m, a, b) nnc_vg_sel((m), (a), (b))
#define V_MIN(a, b) nnc_vg_sel(V_LT((a), (b)), (a), (b))
#define V_MAX(a, b) nnc_vg_sel(V_GT((a), (b)), (a), (b))
#define V_ANDB(a, b) nnc_vg_from(nnc_vg_bits(a) & nnc_vg_bits(b))
#define V_ORB(a, b) nnc_vg_from(nnc_vg_bits(a) | nnc_vg_bits(b))
#define V_XORB(a, b) nnc_vg_from(nnc_vg_bits(a) ^ nnc_vg_bits(b))
#define V_SHL52(a) nnc_vg_from(nnc_vg_bits(a) << 52)
#define V_EXPF(a) nnc_vg_expf(a)
#define V_LOAD(p) (*(p))
#define V_STORE(p, v) (*(p) = (v))
#define V_LOADF(p) ((double)*(p))
#define V_STOREF(p, v) (*(p) = (float)(v))
#define V_LOADN(p, k) (*(p))
#define V_STOREN(p, v, k) (*(p) = (v))
#define VI int64_t
#define V_TIDX(a, sh, b, t) nnc_vg_tidx((a), (sh), (b), (t))
#define V_LT16(t, nc) int64_t t
#define V_LT16_INIT(t, cols, rows, i, nc) ((t) = (i))
#define V_LT16_AT(t, cols, k) ((cols)[(k)][(t)])
/* float lanes: C float arithmetic (FLT_EVAL_METHOD 0 on every target nnc
 * supports: SSE2 on x86-64, NEON, MSVC x64) */
#define VF float
#define VFM nnc_vgf_m
#define F_N 1
#define F_SET(c) ((float)(c))
#define F_ADD(a, b) ((a) + (b))
#define F_SUB(a, b) ((a) - (b))
#define F_MUL(a, b) ((a) * (b))
#define F_DIV(a, b) ((a) / (b))
#define F_FMA(a, b, c) fmaf((a), (b), (c))
#define F_FNMA(a, b, c) fmaf(nnc_vgf_neg(a), (b), (c))
#define F_FMS(a, b, c) fmaf((a), (b), nnc_vgf_neg(c))
#define F_LT(a, b) nnc_vgf_mask((a) < (b))
#define F_GT(a, b) nnc_vgf_mask((a) > (b))
#define F_EQ(a, b) nnc_vgf_mask((a) == (b))
#define F_SEL(m, a, b) nnc_vgf_sel((m), (a), (b))
#define F_MIN(a, b) nnc_vgf_sel(F_LT((a), (b)), (a), (b))
#define F_MAX(a, b) nnc_vgf_sel(F_GT((a), (b)), (a), (b))
#define F_ANDB(a, b) nnc_vgf_from(nnc_vgf_bits(a) & nnc_vgf_bits(b))
#define F_ORB(a, b) nnc_vgf_from(nnc_vgf_bits(a) | nnc_vgf_bits(b))
#define F_XORB(a, b) nnc_vgf_from(nnc_vgf_bits(a) ^ nnc_vgf_bits(b))
#define F_SHL23(a) nnc_vgf_from(nnc_vgf_bits(a) << 23)
#define F_LOAD(p) (*(p))
#define F_STORE(p, v) (*(p) = (v))
#define F_LOADN(p, k) (*(p))
#define F_STOREN(p, v, k) (*(p) = (v))
#define VFI int32_t
#define F_TIDX(a, sh, b, t) nnc_vgf_tidx((a), (sh), (b), (t))
#define F_LT32(t, nc) int32_t t
#define F_LT32_INIT(t, cols, rows, i, nc) ((t) = (i))
#define F_LT32_AT(t, cols, k) ((cols)[(k)][(t)])
#if defined(NNC_SIMD_GENERIC)
#undef NNC_SIMD_GENERIC
#define NNC_VM_FN(name) nnc_vm_##name##_generic
#define NNC_VM_ATTR
#else
#undef NNC_SIMD_GENERIC_FMA
#define NNC_VM_FN(name) nnc_vm_##name##_gfma
#define NNC_VM_ATTR NNC_TARGET_FMA
#endif

/* ---------------- AVX2: four lanes ---------------- */
#elif defined(NNC_SIMD_AVX2)
#undef NNC_SIMD_AVX2
#include <immintrin.h>
#ifndef NNC_SIMD_AVX2_DEFINED
#define NNC_SIMD_AVX2_DEFINED
NNC_TARGET_AVX2 static inline __m256d nnc_v2_sel(__m256d m, __m256d a, __m256d b)
{
    return _mm256_blendv_pd(b, a, m);
}
NNC_TARGET_AVX2 static inline __m256d nnc_v2_shl52(__m256d a)
{
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(a), 52));
}
/* The field as an integer below 2^12, ORed into the mantissa of 2^52 and
 * 2^52 subtracted again: the exact double without a 64-bit int conversion,
 * which AVX2 lacks. */
NNC_TARGET_AVX2 static inline __m256d nnc_v2_expf(__m256d a)
{
    const __m256i two52 = _mm256_set1_epi64x(0x4330000000000000LL);
    __m256i e = _mm256_srli_epi64(_mm256_castpd_si256(a), 52);
    return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(e, two52)),
                         _mm256_set1_pd(4503599627370496.0));
}
NNC_TARGET_AVX2 static inline __m256i nnc_v2_tidx(__m256d a, int sh, int64_t base, int64_t top)
{
    __m256i i = _mm256_sub_epi64(_mm256_srli_epi64(_mm256_castpd_si256(a), sh),
                                 _mm256_set1_epi64x(base));
    __m256i t = _mm256_set1_epi64x(top);
    i = _mm256_andnot_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), i), i); /* max(i, 0) */
    return _mm256_blendv_epi8(i, t, _mm256_cmpgt_epi64(i, t));                  /* min(i, t) */
}
/* c[k] = rows[i][k] per lane for k < nc (nc a multiple of 4; rows is
 * entry-major, nc doubles an entry): each lane's row loaded, then 4x4
 * transposes -- loads and shuffles, cheaper than a gather per coefficient */
NNC_TARGET_AVX2 static inline void nnc_v2_lutn(const double *rows, __m256i i, __m256d *c, int nc)
{
    int64_t j[4];
    _mm256_storeu_si256((__m256i *)(void *)j, i);
    for (int g = 0; g < nc; g += 4) {
        __m256d r0 = _mm256_loadu_pd(rows + j[0] * nc + g);
        __m256d r1 = _mm256_loadu_pd(rows + j[1] * nc + g);
        __m256d r2 = _mm256_loadu_pd(rows + j[2] * nc + g);
        __m256d r3 = _mm256_loadu_pd(rows + j[3] * nc + g);
        __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
        __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
        c[g] = _mm256_permute2f128_pd(t0, t2, 0x20);
        c[g + 1] = _mm256_permute2f128_pd(t1, t3, 0x20);
        c[g + 2] = _mm256_permute2f128_pd(t0, t2, 0x31);
        c[g + 3] = _mm256_permute2f128_pd(t1, t3, 0x31);
    }
}
/* the same for floats, 8x8 blocks (nc a multiple of 8) */
NNC_TARGET_AVX2 static inline void nnc_v2f_lutn(const float *rows, __m256i i, __m256 *c, int nc)
{
    int32_t j[8];
    _mm256_storeu_si256((__m256i *)(void *)j, i);
    for (int g = 0; g < nc; g += 8) {
        __m256 t[8], u[8];
        for (int l = 0; l < 8; l += 2) {
            __m256 ra = _mm256_loadu_ps(rows + (int64_t)j[l] * nc + g);
            __m256 rb = _mm256_loadu_ps(rows + (int64_t)j[l + 1] * nc + g);
            t[l] = _mm256_unpacklo_ps(ra, rb);
            t[l + 1] = _mm256_unpackhi_ps(ra, rb);
        }
        for (int l = 0; l < 8; l += 4) {
            u[l] = _mm256_shuffle_ps(t[l], t[l + 2], 0x44);
            u[l + 1] = _mm256_shuffle_ps(t[l], t[l + 2], 0xEE);
            u[l + 2] = _mm256_shuffle_ps(t[l + 1], t[l + 3], 0x44);
            u[l + 3] = _mm256_shuffle_ps(t[l + 1], t[l + 3], 0xEE);
        }
        for (int m = 0; m < 4; m++) {
            c[g + m] = _mm256_permute2f128_ps(u[m], u[m + 4], 0x20);
            c[g + m + 4] = _mm256_permute2f128_ps(u[m], u[m + 4], 0x31);
        }
    }
}
/* lanes below k: all ones (k < V_N) */
NNC_TARGET_AVX2 static inline __m256i nnc_v2_first64(int64_t k)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(k), _mm256_setr_epi64x(0, 1, 2, 3));
}
NNC_TARGET_AVX2 static inline __m256i nnc_v2_first32(int64_t k)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
NNC_TARGET_AVX2 static inline __m256 nnc_v2f_sel(__m256 m, __m256 a, __m256 b)
{
    return _mm256_blendv_ps(b, a, m);
}
NNC_TARGET_AVX2 static inline __m256 nnc_v2f_shl23(__m256 a)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(a), 23));
}
NNC_TARGET_AVX2 static inline __m256i nnc_v2f_tidx(__m256 a, int sh, int base, int top)
{
    __m256i i = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_castps_si256(a), sh),
                                 _mm256_set1_epi32(base));
    return _mm256_min_epi32(_mm256_max_epi32(i, _mm256_setzero_si256()), _mm256_set1_epi32(top));
}
#endif
#define VD __m256d
#define VM __m256d
#define V_N 4
#define V_SET(c) _mm256_set1_pd(c)
#define V_ADD(a, b) _mm256_add_pd((a), (b))
#define V_SUB(a, b) _mm256_sub_pd((a), (b))
#define V_MUL(a, b) _mm256_mul_pd((a), (b))
#define V_DIV(a, b) _mm256_div_pd((a), (b))
#define V_FMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define V_FNMA(a, b, c) _mm256_fnmadd_pd((a), (b), (c))
#define V_FMS(a, b, c) _mm256_fmsub_pd((a), (b), (c))
#define V_LT(a, b) _mm256_cmp_pd((a), (b), _CMP_LT_OQ)
#define V_LE(a, b) _mm256_cmp_pd((a), (b), _CMP_LE_OQ)
#define V_GT(a, b) _mm256_cmp_pd((a), (b), _CMP_GT_OQ)
#define V_EQ(a, b) _mm256_cmp_pd((a), (b), _CMP_EQ_OQ)
#define V_AND_M(a, b) _mm256_and_pd((a), (b))
#define V_OR_M(a, b) _mm256_or_pd((a), (b))
#define V_NOT_M(a) _mm256_xor_pd((a), _mm256_castsi256_pd(_mm256_set1_epi64x(-1)))
#define V_SEL(m, a, b) nnc_v2_sel((m), (a), (b))
#define V_MIN(a, b) _mm256_min_pd((a), (b))
#define V_MAX(a, b) _mm256_max_pd((a), (b))
#define V_ANDB(a, b) _mm256_and_pd((a), (b))
#define V_ORB(a, b) _mm256_or_pd((a), (b))
#define V_XORB(a, b) _mm256_xor_pd((a), (b))
#define V_SHL52(a) nnc_v2_shl52(a)
#define V_EXPF(a) nnc_v2_expf(a)
#define V_LOAD(p) _mm256_loadu_pd(p)
#define V_STORE(p, v) _mm256_storeu_pd((p), (v))
#define V_LOADF(p) _mm256_cvtps_pd(_mm_loadu_ps(p))
#define V_STOREF(p, v) _mm_storeu_ps((p), _mm256_cvtpd_ps(v))
#define V_LOADN(p, k) _mm256_maskload_pd((p), nnc_v2_first64(k))
#define V_STOREN(p, v, k) _mm256_maskstore_pd((p), nnc_v2_first64(k), (v))
#define VI __m256i
#define V_TIDX(a, sh, b, t) nnc_v2_tidx((a), (sh), (b), (t))
#define V_LT16(t, nc) __m256d t[nc]
#define V_LT16_INIT(t, cols, rows, i, nc) nnc_v2_lutn(&(rows)[0][0], (i), (t), (nc))
#define V_LT16_AT(t, cols, k) ((t)[(k)])
#define VF __m256
#define VFM __m256
#define F_N 8
#define F_SET(c) _mm256_set1_ps(c)
#define F_ADD(a, b) _mm256_add_ps((a), (b))
#define F_SUB(a, b) _mm256_sub_ps((a), (b))
#define F_MUL(a, b) _mm256_mul_ps((a), (b))
#define F_DIV(a, b) _mm256_div_ps((a), (b))
#define F_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define F_FNMA(a, b, c) _mm256_fnmadd_ps((a), (b), (c))
#define F_FMS(a, b, c) _mm256_fmsub_ps((a), (b), (c))
#define F_LT(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define F_GT(a, b) _mm256_cmp_ps((a), (b), _CMP_GT_OQ)
#define F_EQ(a, b) _mm256_cmp_ps((a), (b), _CMP_EQ_OQ)
#define F_SEL(m, a, b) nnc_v2f_sel((m), (a), (b))
#define F_MIN(a, b) _mm256_min_ps((a), (b))
#define F_MAX(a, b) _mm256_max_ps((a), (b))
#define F_ANDB(a, b) _mm256_and_ps((a), (b))
#define F_ORB(a, b) _mm256_or_ps((a), (b))
#define F_XORB(a, b) _mm256_xor_ps((a), (b))
#define F_SHL23(a) nnc_v2f_shl23(a)
#define F_LOAD(p) _mm256_loadu_ps(p)
#define F_STORE(p, v) _mm256_storeu_ps((p), (v))
#define F_LOADN(p, k) _mm256_maskload_ps((p), nnc_v2_first32(k))
#define F_STOREN(p, v, k) _mm256_maskstore_ps((p), nnc_v2_first32(k), (v))
#define VFI __m256i
#define F_TIDX(a, sh, b, t) nnc_v2f_tidx((a), (sh), (b), (t))
#define F_LT32(t, nc) __m256 t[nc]
#define F_LT32_INIT(t, cols, rows, i, nc) nnc_v2f_lutn(&(rows)[0][0], (i), (t), (nc))
#define F_LT32_AT(t, cols, k) ((t)[(k)])
#define NNC_VM_FN(name) nnc_vm_##name##_avx2
#define NNC_VM_ATTR NNC_TARGET_AVX2

/* ---------------- AVX-512F: eight lanes ---------------- */
#elif defined(NNC_SIMD_AVX512)
#undef NNC_SIMD_AVX512
#include <immintrin.h>
#ifndef NNC_SIMD_AVX512_DEFINED
#define NNC_SIMD_AVX512_DEFINED
/* AVX-512F has no floating-point bitwise operations (those are AVX-512DQ):
 * go through the integer ones. */
#define NNC_V5_BITOP_(name, op)                                                   \
    NNC_TARGET_AVX512 static inline __m512d name(__m512d a, __m512d b)            \
    {                                                                             \
        return _mm512_castsi512_pd(op(_mm512_castpd_si512(a), _mm512_castpd_si512(b))); \
    }
NNC_V5_BITOP_(nnc_v5_and, _mm512_and_si512)
NNC_V5_BITOP_(nnc_v5_or, _mm512_or_si512)
NNC_V5_BITOP_(nnc_v5_xor, _mm512_xor_si512)
#undef NNC_V5_BITOP_
NNC_TARGET_AVX512 static inline __m512d nnc_v5_shl52(__m512d a)
{
    return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(a), 52));
}
NNC_TARGET_AVX512 static inline __m512d nnc_v5_expf(__m512d a)
{
    const __m512i two52 = _mm512_set1_epi64(0x4330000000000000LL);
    __m512i e = _mm512_srli_epi64(_mm512_castpd_si512(a), 52);
    return _mm512_sub_pd(_mm512_castsi512_pd(_mm512_or_si512(e, two52)),
                         _mm512_set1_pd(4503599627370496.0));
}
NNC_TARGET_AVX512 static inline __m512i nnc_v5_tidx(__m512d a, int sh, int64_t base, int64_t top)
{
    __m512i i = _mm512_sub_epi64(_mm512_srli_epi64(_mm512_castpd_si512(a), (unsigned)sh),
                                 _mm512_set1_epi64(base));
    return _mm512_min_epi64(_mm512_max_epi64(i, _mm512_setzero_si512()), _mm512_set1_epi64(top));
}
/* tab[i] for a table of 16 doubles: one vpermt2pd (the two loads are
 * loop-invariant) */
NNC_TARGET_AVX512 static inline __m512d nnc_v5_lut16(const double *tab, __m512i i)
{
    return _mm512_permutex2var_pd(_mm512_loadu_pd(tab), i, _mm512_loadu_pd(tab + 8));
}
#define NNC_V5F_BITOP_(name, op)                                                  \
    NNC_TARGET_AVX512 static inline __m512 name(__m512 a, __m512 b)               \
    {                                                                             \
        return _mm512_castsi512_ps(op(_mm512_castps_si512(a), _mm512_castps_si512(b))); \
    }
NNC_V5F_BITOP_(nnc_v5f_and, _mm512_and_si512)
NNC_V5F_BITOP_(nnc_v5f_or, _mm512_or_si512)
NNC_V5F_BITOP_(nnc_v5f_xor, _mm512_xor_si512)
#undef NNC_V5F_BITOP_
NNC_TARGET_AVX512 static inline __m512 nnc_v5f_shl23(__m512 a)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(a), 23));
}
NNC_TARGET_AVX512 static inline __m512i nnc_v5f_tidx(__m512 a, int sh, int base, int top)
{
    __m512i i = _mm512_sub_epi32(_mm512_srli_epi32(_mm512_castps_si512(a), (unsigned)sh),
                                 _mm512_set1_epi32(base));
    return _mm512_min_epi32(_mm512_max_epi32(i, _mm512_setzero_si512()), _mm512_set1_epi32(top));
}
/* tab[i] for a table of 32 floats: the two halves stay in registers across
 * a loop (the loads are loop-invariant), one vpermt2ps per lookup */
NNC_TARGET_AVX512 static inline __m512 nnc_v5f_lut32(const float *tab, __m512i i)
{
    return _mm512_permutex2var_ps(_mm512_loadu_ps(tab), i, _mm512_loadu_ps(tab + 16));
}
#endif
#define VD __m512d
#define VM __mmask8
#define V_N 8
#define V_SET(c) _mm512_set1_pd(c)
#define V_ADD(a, b) _mm512_add_pd((a), (b))
#define V_SUB(a, b) _mm512_sub_pd((a), (b))
#define V_MUL(a, b) _mm512_mul_pd((a), (b))
#define V_DIV(a, b) _mm512_div_pd((a), (b))
#define V_FMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define V_FNMA(a, b, c) _mm512_fnmadd_pd((a), (b), (c))
#define V_FMS(a, b, c) _mm512_fmsub_pd((a), (b), (c))
#define V_LT(a, b) _mm512_cmp_pd_mask((a), (b), _CMP_LT_OQ)
#define V_LE(a, b) _mm512_cmp_pd_mask((a), (b), _CMP_LE_OQ)
#define V_GT(a, b) _mm512_cmp_pd_mask((a), (b), _CMP_GT_OQ)
#define V_EQ(a, b) _mm512_cmp_pd_mask((a), (b), _CMP_EQ_OQ)
#define V_AND_M(a, b) ((__mmask8)((a) & (b)))
#define V_OR_M(a, b) ((__mmask8)((a) | (b)))
#define V_NOT_M(a) ((__mmask8)~(a))
#define V_SEL(m, a, b) _mm512_mask_blend_pd((m), (b), (a))
#define V_MIN(a, b) _mm512_min_pd((a), (b))
#define V_MAX(a, b) _mm512_max_pd((a), (b))
#define V_ANDB(a, b) nnc_v5_and((a), (b))
#define V_ORB(a, b) nnc_v5_or((a), (b))
#define V_XORB(a, b) nnc_v5_xor((a), (b))
#define V_SHL52(a) nnc_v5_shl52(a)
#define V_EXPF(a) nnc_v5_expf(a)
#define V_LOAD(p) _mm512_loadu_pd(p)
#define V_STORE(p, v) _mm512_storeu_pd((p), (v))
#define V_LOADF(p) _mm512_cvtps_pd(_mm256_loadu_ps(p))
#define V_STOREF(p, v) _mm256_storeu_ps((p), _mm512_cvtpd_ps(v))
#define V_LOADN(p, k) _mm512_maskz_loadu_pd((__mmask8)((1u << (k)) - 1u), (p))
#define V_STOREN(p, v, k) _mm512_mask_storeu_pd((p), (__mmask8)((1u << (k)) - 1u), (v))
#define VI __m512i
#define V_TIDX(a, sh, b, t) nnc_v5_tidx((a), (sh), (b), (t))
#define V_LT16(t, nc) __m512i t
#define V_LT16_INIT(t, cols, rows, i, nc) ((t) = (i))
#define V_LT16_AT(t, cols, k) nnc_v5_lut16((cols)[(k)], (t))
#define VF __m512
#define VFM __mmask16
#define F_N 16
#define F_SET(c) _mm512_set1_ps(c)
#define F_ADD(a, b) _mm512_add_ps((a), (b))
#define F_SUB(a, b) _mm512_sub_ps((a), (b))
#define F_MUL(a, b) _mm512_mul_ps((a), (b))
#define F_DIV(a, b) _mm512_div_ps((a), (b))
#define F_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define F_FNMA(a, b, c) _mm512_fnmadd_ps((a), (b), (c))
#define F_FMS(a, b, c) _mm512_fmsub_ps((a), (b), (c))
#define F_LT(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ)
#define F_GT(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_GT_OQ)
#define F_EQ(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_EQ_OQ)
#define F_SEL(m, a, b) _mm512_mask_blend_ps((m), (b), (a))
#define F_MIN(a, b) _mm512_min_ps((a), (b))
#define F_MAX(a, b) _mm512_max_ps((a), (b))
#define F_ANDB(a, b) nnc_v5f_and((a), (b))
#define F_ORB(a, b) nnc_v5f_or((a), (b))
#define F_XORB(a, b) nnc_v5f_xor((a), (b))
#define F_SHL23(a) nnc_v5f_shl23(a)
#define F_LOAD(p) _mm512_loadu_ps(p)
#define F_STORE(p, v) _mm512_storeu_ps((p), (v))
#define F_LOADN(p, k) _mm512_maskz_loadu_ps((__mmask16)((1u << (k)) - 1u), (p))
#define F_STOREN(p, v, k) _mm512_mask_storeu_ps((p), (__mmask16)((1u << (k)) - 1u), (v))
#define VFI __m512i
#define F_TIDX(a, sh, b, t) nnc_v5f_tidx((a), (sh), (b), (t))
#define F_LT32(t, nc) __m512i t
#define F_LT32_INIT(t, cols, rows, i, nc) ((t) = (i))
#define F_LT32_AT(t, cols, k) nnc_v5f_lut32((cols)[(k)], (t))
#define NNC_VM_FN(name) nnc_vm_##name##_avx512
#define NNC_VM_ATTR NNC_TARGET_AVX512

#else
#error "define NNC_SIMD_GENERIC, NNC_SIMD_GENERIC_FMA, NNC_SIMD_AVX2 or NNC_SIMD_AVX512 before including nnc_simd.h"
#endif
