/* The optimizer loops, included by optim_impl.h once per dtype and
 * instruction set with NNC_OPT_ATTR (the target attribute) and NNC_OPT_K(name)
 * (the loop's name for that set) defined.  No include guard on purpose.
 *
 * Compiling the same elementwise source for a wider vector unit changes no
 * result: each element sees the same + - * / sqrt in the same order, and
 * the build's -ffp-contract=off forbids fused multiply-adds on every path. */

NNC_OPT_ATTR static void NNC_OPT_K(sgd)(int64_t n, T *w, const T *g, T lr)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++)
        w[i] = w[i] - lr * g[i];
}

NNC_OPT_ATTR static void NNC_OPT_K(momentum)(int64_t n, T *w, const T *g, T *v, T lr, T mu)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        T vi = mu * v[i] - lr * g[i];
        v[i] = vi;
        w[i] = w[i] + vi;
    }
}

/* Adam's formula on values [i0, i1). */
NNC_OPT_ATTR static inline void NNC_OPT_K(adam_range)(int64_t i0, int64_t i1, T *w, const T *g,
                                                      T *m, T *v, T lr, T beta1, T beta2, T eps,
                                                      T bc1, T bc2, T c1, T c2)
{
#pragma omp simd
    for (int64_t i = i0; i < i1; i++) {
        T gi = g[i];
        T mi = beta1 * m[i] + c1 * gi;
        T vi = beta2 * v[i] + c2 * (gi * gi);
        m[i] = mi;
        v[i] = vi;
        T m_hat = mi / bc1;
        T v_hat = vi / bc2;
        w[i] = w[i] - lr * m_hat / (NNC_SQRT(v_hat) + eps);
    }
}

#if NNC_IS_F32 && defined(NNC_OPT_WIDE_)
/* float32 Adam on the AVX-512 path, sixteen values a step.  A float32
 * operation that reads or makes a subnormal costs a microcode assist on
 * x86 cores (~50 ns each on the Xeon of bench/, measured), and Adam meets
 * them in ordinary training: m decays by beta1 at every step whose gradient
 * is 0 (an input pixel that is 0 throughout the batch) down through the
 * subnormals to 0 (in the digits MLP, bench task (c): about 4 ms of 28).  So
 * a vector holding a tiny m or v (nonzero, below 2^-100: beta1 * m or
 * lr * m_hat may be subnormal) or a tiny gradient (below 2^-56: c2 * g^2 may
 * be) runs in float64 instead, rounding to float32 after every operation:
 * cvtpd2ps takes no assist on a subnormal result, nor cvtps2pd on a
 * subnormal input.  That gives the float32 operation's bits: the float64
 * product, sum, quotient or square root of float32 values rounded to
 * float32 is the correctly rounded float32 result, since 53 >= 2 * 24 + 2
 * (innocuous double rounding; a coarser subnormal target only widens the
 * margin), and inf, NaN and signed zeros come out the same.  The thresholds
 * choose the speed path only, never the bits. */
#define NNC_ADAM_TINY_MV_ 0x0d800000 /* 2^-100 as float32 bits: (127 - 100) << 23 */
#define NNC_ADAM_TINY_G_ 0x23800000  /* 2^-56 */

/* lanes of x in (0, limit) in magnitude: |bits| - 1 < limit - 1, unsigned */
#define NNC_ADAM_TINY_LANES_(x, limit)                                                         \
    _mm512_cmplt_epu32_mask(                                                                   \
        _mm512_sub_epi32(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)), \
                         _mm512_set1_epi32(1)),                                               \
        _mm512_set1_epi32((limit) - 1))

/* Eight values of Adam in float64 rounded per operation (see above). */
#define NNC_ADAM_W_(x) _mm512_cvtps_pd(x)
#define NNC_ADAM_R_(x) _mm512_cvtpd_ps(x)
NNC_OPT_ATTR static inline void NNC_OPT_K(adam_f32_half)(__m256 gv, __m256 mv, __m256 vv,
                                                         __m256 wv, const __m512d *k,
                                                         __m256 *mo, __m256 *vo, __m256 *wo)
{
    const __m512d G = NNC_ADAM_W_(gv);
    const __m256 t1 = NNC_ADAM_R_(_mm512_mul_pd(k[0], NNC_ADAM_W_(mv)));
    const __m256 t2 = NNC_ADAM_R_(_mm512_mul_pd(k[2], G));
    const __m256 mi = NNC_ADAM_R_(_mm512_add_pd(NNC_ADAM_W_(t1), NNC_ADAM_W_(t2)));
    const __m256 gg = NNC_ADAM_R_(_mm512_mul_pd(G, G));
    const __m256 t3 = NNC_ADAM_R_(_mm512_mul_pd(k[1], NNC_ADAM_W_(vv)));
    const __m256 t4 = NNC_ADAM_R_(_mm512_mul_pd(k[3], NNC_ADAM_W_(gg)));
    const __m256 vi = NNC_ADAM_R_(_mm512_add_pd(NNC_ADAM_W_(t3), NNC_ADAM_W_(t4)));
    const __m256 m_hat = NNC_ADAM_R_(_mm512_div_pd(NNC_ADAM_W_(mi), k[4]));
    const __m256 v_hat = NNC_ADAM_R_(_mm512_div_pd(NNC_ADAM_W_(vi), k[5]));
    const __m256 num = NNC_ADAM_R_(_mm512_mul_pd(k[6], NNC_ADAM_W_(m_hat)));
    const __m256 root = NNC_ADAM_R_(_mm512_sqrt_pd(NNC_ADAM_W_(v_hat)));
    const __m256 den = NNC_ADAM_R_(_mm512_add_pd(NNC_ADAM_W_(root), k[7]));
    const __m256 step = NNC_ADAM_R_(_mm512_div_pd(NNC_ADAM_W_(num), NNC_ADAM_W_(den)));
    *mo = mi;
    *vo = vi;
    *wo = NNC_ADAM_R_(_mm512_sub_pd(NNC_ADAM_W_(wv), NNC_ADAM_W_(step)));
}
#undef NNC_ADAM_W_
#undef NNC_ADAM_R_
#endif

NNC_OPT_ATTR static void NNC_OPT_K(adam)(int64_t n, T *w, const T *g, T *m, T *v, T lr,
                                         T beta1, T beta2, T eps, T bc1, T bc2, T c1, T c2)
{
#if NNC_IS_F32 && defined(NNC_OPT_WIDE_)
    const __m512 B1 = _mm512_set1_ps(beta1), B2 = _mm512_set1_ps(beta2);
    const __m512 C1 = _mm512_set1_ps(c1), C2 = _mm512_set1_ps(c2);
    const __m512 BC1 = _mm512_set1_ps(bc1), BC2 = _mm512_set1_ps(bc2);
    const __m512 LR = _mm512_set1_ps(lr), EPS = _mm512_set1_ps(eps);
    const __m512d k[8] = {_mm512_set1_pd(beta1), _mm512_set1_pd(beta2), _mm512_set1_pd(c1),
                          _mm512_set1_pd(c2),    _mm512_set1_pd(bc1),   _mm512_set1_pd(bc2),
                          _mm512_set1_pd(lr),    _mm512_set1_pd(eps)};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 gv = _mm512_loadu_ps(g + i), mv = _mm512_loadu_ps(m + i);
        const __m512 vv = _mm512_loadu_ps(v + i), wv = _mm512_loadu_ps(w + i);
        const __mmask16 tiny = (__mmask16)(NNC_ADAM_TINY_LANES_(mv, NNC_ADAM_TINY_MV_) |
                                           NNC_ADAM_TINY_LANES_(vv, NNC_ADAM_TINY_MV_) |
                                           NNC_ADAM_TINY_LANES_(gv, NNC_ADAM_TINY_G_));
        if (tiny == 0) {
            /* the formula as adam_range writes it, operation for operation */
            const __m512 mi = _mm512_add_ps(_mm512_mul_ps(B1, mv), _mm512_mul_ps(C1, gv));
            const __m512 vi =
                _mm512_add_ps(_mm512_mul_ps(B2, vv), _mm512_mul_ps(C2, _mm512_mul_ps(gv, gv)));
            _mm512_storeu_ps(m + i, mi);
            _mm512_storeu_ps(v + i, vi);
            const __m512 m_hat = _mm512_div_ps(mi, BC1);
            const __m512 v_hat = _mm512_div_ps(vi, BC2);
            const __m512 den = _mm512_add_ps(_mm512_sqrt_ps(v_hat), EPS);
            _mm512_storeu_ps(w + i, _mm512_sub_ps(wv, _mm512_div_ps(_mm512_mul_ps(LR, m_hat), den)));
        }
        else {
            __m256 mo[2], vo[2], wo[2];
            for (int h = 0; h < 2; h++)
                NNC_OPT_K(adam_f32_half)(_mm256_loadu_ps(g + i + 8 * h), _mm256_loadu_ps(m + i + 8 * h),
                                         _mm256_loadu_ps(v + i + 8 * h), _mm256_loadu_ps(w + i + 8 * h),
                                         k, &mo[h], &vo[h], &wo[h]);
            for (int h = 0; h < 2; h++) {
                _mm256_storeu_ps(m + i + 8 * h, mo[h]);
                _mm256_storeu_ps(v + i + 8 * h, vo[h]);
                _mm256_storeu_ps(w + i + 8 * h, wo[h]);
            }
        }
    }
    NNC_OPT_K(adam_range)(i, n, w, g, m, v, lr, beta1, beta2, eps, bc1, bc2, c1, c2);
#else
    NNC_OPT_K(adam_range)(0, n, w, g, m, v, lr, beta1, beta2, eps, bc1, bc2, c1, c2);
#endif
}

NNC_OPT_ATTR static void NNC_OPT_K(rmsprop)(int64_t n, T *w, const T *g, T *v, T lr, T rho,
                                            T eps, T c)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        const T gi = g[i];
        const T vi = rho * v[i] + c * (gi * gi);
        v[i] = vi;
        w[i] = w[i] - lr * gi / (NNC_SQRT(vi) + eps);
    }
}
