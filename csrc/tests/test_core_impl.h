/* Tests of every dtype-generic core kernel, written once against T (see
 * csrc/core/nnc_tmpl.h) and included twice by test_core.c.  No include guard.
 *
 * References are plain loops in double.  Buffers are malloc'ed to their exact
 * size (a matrix with leading dimension ld and r rows takes (r - 1) * ld + cols
 * elements), so that under AddressSanitizer a kernel touching one element too
 * many is reported. */

#define TST_RTOL (NNC_IS_F32 ? 1e-5 : 1e-13)
#define TST_ATOL (NNC_IS_F32 ? 1e-6 : 1e-14)
#define TST_EPS ((double)NNC_T_EPS)
#define TST_DT (NNC_IS_F32 ? "f32" : "f64")

/* ---------------- buffers ---------------- */

/* n elements, uninitialised; n == 0 may give NULL (a kernel must not touch it). */
static T *NNC_FN(tst_alloc)(int64_t n)
{
    T *p = (T *)malloc((size_t)n * sizeof(T));
    if (n > 0 && p == NULL) {
        fprintf(stderr, "out of memory in the test program\n");
        exit(2);
    }
    return p;
}

static void NNC_FN(tst_fill)(T *p, int64_t n, tst_lcg_t *g, double lo, double hi)
{
    for (int64_t i = 0; i < n; i++)
        p[i] = (T)tst_uniform(g, lo, hi);
}

static T *NNC_FN(tst_random)(int64_t n, tst_lcg_t *g, double lo, double hi)
{
    T *p = NNC_FN(tst_alloc)(n);
    NNC_FN(tst_fill)(p, n, g, lo, hi);
    return p;
}

static T *NNC_FN(tst_copy)(const T *src, int64_t n)
{
    T *p = NNC_FN(tst_alloc)(n);
    if (n > 0)
        memcpy(p, src, (size_t)n * sizeof(T));
    return p;
}

/* Bitwise equality of two arrays (NaN payloads and the sign of zero count). */
static int NNC_FN(tst_same_bits)(const T *a, const T *b, int64_t n)
{
    return n == 0 || memcmp(a, b, (size_t)n * sizeof(T)) == 0;
}

/* ---------------- matrix ---------------- */

static const int64_t NNC_FN(tst_dims)[] = {0, 1, 2, 3, 7, 13};
#define TST_NDIMS ((int)(sizeof NNC_FN(tst_dims) / sizeof NNC_FN(tst_dims)[0]))

/* The GEMM kernel the cases below run (NNC_GEMM_AUTO: what nnc_gemm picks). */
static nnc_gemm_kernel_t NNC_FN(tst_kernel) = NNC_GEMM_AUTO;

static nnc_status_t NNC_FN(tst_gemm)(int ta, int tb, int64_t m, int64_t n, int64_t k, T alpha,
                                     const T *a, int64_t lda, const T *b, int64_t ldb, T beta,
                                     T *c, int64_t ldc, int threads)
{
    if (NNC_FN(tst_kernel) == NNC_GEMM_AUTO)
        return NNC_FN(nnc_gemm)(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
    return NNC_FN(nnc_gemm_ex)(NNC_FN(tst_kernel), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                               ldc, threads);
}

/* One gemm case: checks C against a double reference within the standard
 * error bound, padding columns untouched, and bit-identical results for
 * 1, 2 and 3 threads. */
static void NNC_FN(tst_gemm_case)(tst_lcg_t *g, int ta, int tb, int64_t m, int64_t n, int64_t k,
                                  int64_t pad, double alpha, double beta, int nan_c)
{
    const int64_t ar = ta ? k : m, ac = ta ? m : k;
    const int64_t br = tb ? n : k, bc = tb ? k : n;
    const int64_t lda = ac + pad > 0 ? ac + pad : 1;
    const int64_t ldb = bc + pad > 0 ? bc + pad : 1;
    const int64_t ldc = n + pad > 0 ? n + pad : 1;
    const int64_t na = tst_extent(ar, ac, lda), nb = tst_extent(br, bc, ldb);
    const int64_t ncc = tst_extent(m, n, ldc);
    T *a = NNC_FN(tst_random)(na, g, -2, 2);
    T *b = NNC_FN(tst_random)(nb, g, -2, 2);
    T *c0 = NNC_FN(tst_random)(ncc, g, -2, 2);
    if (nan_c)
        for (int64_t i = 0; i < ncc; i++)
            c0[i] = (T)NAN;
    T *c = NNC_FN(tst_copy)(c0, ncc);
    nnc_status_t st = NNC_FN(tst_gemm)(ta, tb, m, n, k, (T)alpha, a, lda, b, ldb, (T)beta, c,
                                       ldc, 1);
    int ok = st == NNC_STATUS_OK;
    for (int64_t i = 0; ok && i < m; i++) {
        for (int64_t j = 0; ok && j < ldc && i * ldc + j < ncc; j++) {
            const int64_t at = i * ldc + j;
            if (j >= n) { /* padding between rows: never written */
                ok = NNC_FN(tst_same_bits)(&c[at], &c0[at], 1);
                continue;
            }
            double acc = 0.0, mag = 0.0;
            for (int64_t p = 0; p < k; p++) {
                double av = (double)(ta ? a[p * lda + i] : a[i * lda + p]);
                double bv = (double)(tb ? b[j * ldb + p] : b[p * ldb + j]);
                acc += av * bv;
                mag += fabs(av * bv);
            }
            double want = (double)(T)alpha * acc;
            double scale_ = fabs((double)(T)alpha) * mag;
            if (beta != 0.0) {
                want += (double)(T)beta * (double)c0[at];
                scale_ += fabs((double)(T)beta * (double)c0[at]);
            }
            double tol = (double)(k + 4) * TST_EPS * scale_ + 1e-300;
            ok = tst_close((double)c[at], want, 0.0, tol);
            if (!ok)
                fprintf(stderr, "     gemm %s ta=%d tb=%d m=%lld n=%lld k=%lld: C[%lld,%lld] = %.17g,"
                        " expected %.17g\n", TST_DT, ta, tb, (long long)m, (long long)n,
                        (long long)k, (long long)i, (long long)j, (double)c[at], want);
        }
    }
    CHECKF(ok, "gemm %s kernel %s ta=%d tb=%d m=%lld n=%lld k=%lld pad=%lld alpha=%g beta=%g",
           TST_DT, nnc_gemm_kernel_name(NNC_FN(tst_kernel)), ta, tb, (long long)m, (long long)n, (long long)k, (long long)pad, alpha, beta);
    for (int threads = 2; threads <= 3; threads++) {
        T *c2 = NNC_FN(tst_copy)(c0, ncc);
        nnc_status_t st2 = NNC_FN(tst_gemm)(ta, tb, m, n, k, (T)alpha, a, lda, b, ldb, (T)beta,
                                            c2, ldc, threads);
        CHECKF(st2 == NNC_STATUS_OK && NNC_FN(tst_same_bits)(c, c2, ncc),
               "gemm %s threads=%d differs from threads=1 (m=%lld n=%lld k=%lld)", TST_DT,
               threads, (long long)m, (long long)n, (long long)k);
        free(c2);
    }
    free(a);
    free(b);
    free(c0);
    free(c);
}

static void NNC_FN(test_gemm)(void)
{
    tst_lcg_t g = {11};
    tst_context = "gemm";
    for (int ta = 0; ta <= 1; ta++)
        for (int tb = 0; tb <= 1; tb++)
            for (int im = 0; im < TST_NDIMS; im++)
                for (int in = 0; in < TST_NDIMS; in++)
                    for (int ik = 0; ik < TST_NDIMS; ik++) {
                        int64_t m = NNC_FN(tst_dims)[im], n = NNC_FN(tst_dims)[in],
                                k = NNC_FN(tst_dims)[ik];
                        int variant = (im + in + ik) % 3;
                        NNC_FN(tst_gemm_case)(&g, ta, tb, m, n, k, variant, 1.0, 0.0, 0);
                        if (variant == 1)
                            NNC_FN(tst_gemm_case)(&g, ta, tb, m, n, k, 2, -0.5, 1.0, 0);
                        if (variant == 2)
                            NNC_FN(tst_gemm_case)(&g, ta, tb, m, n, k, 0, 1.5, 0.25, 0);
                    }
    /* beta == 0 never reads C: NaN there must not reach the result. */
    NNC_FN(tst_gemm_case)(&g, 0, 0, 5, 7, 3, 1, 1.0, 0.0, 1);
    NNC_FN(tst_gemm_case)(&g, 1, 1, 5, 7, 3, 0, 2.0, 0.0, 1);
    /* Sizes big enough for blocked and threaded code paths. */
    NNC_FN(tst_gemm_case)(&g, 0, 0, 67, 129, 75, 3, 1.0, 0.0, 0);
    NNC_FN(tst_gemm_case)(&g, 1, 0, 128, 64, 131, 0, 1.0, 1.0, 0);
    NNC_FN(tst_gemm_case)(&g, 0, 1, 97, 101, 256, 0, 1.0, 0.0, 0);
    NNC_FN(tst_gemm_case)(&g, 1, 1, 1, 300, 257, 0, 1.0, 0.0, 0);
    NNC_FN(tst_gemm_case)(&g, 0, 0, 300, 1, 257, 0, 1.0, 0.0, 0);

    /* k == 1: each entry is the correctly rounded product (no accumulation). */
    {
        T a[3] = {(T)0.1, (T)-3.0, (T)7.25}, b[2] = {(T)0.3, (T)-0.0}, c[6];
        CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 3, 2, 1, (T)1, a, 1, b, 2, (T)0, c, 2, 1),
                     NNC_STATUS_OK);
        int ok = 1;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++) {
                T want = a[i] * b[j];
                ok &= NNC_FN(tst_same_bits)(&c[i * 2 + j], &want, 1);
            }
        CHECKF(ok, "gemm %s with k = 1 is not exactly a*b (sign of zero included)", TST_DT);
    }

    /* Invalid arguments are refused before any memory is touched (NULL
     * pointers: a kernel that read them would crash or be reported). */
    const int64_t big = INT64_C(1) << 62;
    T one = 1;
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, -1, 2, 2, one, NULL, 2, NULL, 2, 0, NULL, 2, 1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 2, -1, 2, one, NULL, 2, NULL, 2, 0, NULL, 2, 1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 2, 2, -1, one, NULL, 2, NULL, 2, 0, NULL, 2, 1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 3, 4, 5, one, NULL, 4, NULL, 4, 0, NULL, 4, 1),
                 NNC_STATUS_INVALID_ARGUMENT); /* lda 4 < k 5 */
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 3, 4, 5, one, NULL, 5, NULL, 3, 0, NULL, 4, 1),
                 NNC_STATUS_INVALID_ARGUMENT); /* ldb 3 < n 4 */
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 3, 4, 5, one, NULL, 5, NULL, 4, 0, NULL, 3, 1),
                 NNC_STATUS_INVALID_ARGUMENT); /* ldc 3 < n 4 */
    CHECK_STATUS(NNC_FN(nnc_gemm)(1, 0, 3, 4, 5, one, NULL, 2, NULL, 4, 0, NULL, 4, 1),
                 NNC_STATUS_INVALID_ARGUMENT); /* A stored 5 x 3, lda 2 < 3 */
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 1, 3, 4, 5, one, NULL, 5, NULL, 4, 0, NULL, 4, 1),
                 NNC_STATUS_INVALID_ARGUMENT); /* B stored 4 x 5, ldb 4 < 5 */
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 3, 4, 5, one, NULL, 5, NULL, 4, 0, NULL, 4, 0),
                 NNC_STATUS_INVALID_ARGUMENT); /* threads 0 */
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 3, 4, 5, one, NULL, 5, NULL, 4, 0, NULL, 4, -3),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, big, 4, 1, one, NULL, 1, NULL, 4, 0, NULL, 4, 1),
                 NNC_STATUS_OVERFLOW); /* C: 2^62 rows x 4 */
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 2, 2, big, one, NULL, big, NULL, 2, 0, NULL, 2, 1),
                 NNC_STATUS_OVERFLOW); /* A: 2 x 2^62 fits, B: 2^62 x 2 does not */
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 4, 1, 2, one, NULL, INT64_MAX, NULL, 1, 0, NULL, 1, 1),
                 NNC_STATUS_OVERFLOW); /* 4 rows of INT64_MAX */
    /* Empty products succeed without touching anything. */
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 0, 5, 3, one, NULL, 3, NULL, 5, 0, NULL, 5, 1),
                 NNC_STATUS_OK);
    CHECK_STATUS(NNC_FN(nnc_gemm)(0, 0, 4, 0, 3, one, NULL, 3, NULL, 1, 0, NULL, 1, 1),
                 NNC_STATUS_OK);
}

/* Every micro-kernel this machine can run, on shapes that reach its edges
 * and its blocked and threaded paths; an unavailable kernel is refused. */
static void NNC_FN(test_gemm_kernels)(void)
{
    tst_lcg_t g = {31};
    static const int64_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {13, 1, 31}, {17, 33, 9},
                                        {65, 67, 129}, {128, 96, 300}, {300, 257, 64}};
    tst_context = "gemm kernels";
    for (int kern = NNC_GEMM_GENERIC; kern < NNC_GEMM_KERNEL_COUNT; kern++) {
        T one = 1, c = 0;
        if (!nnc_gemm_kernel_available((nnc_gemm_kernel_t)kern)) {
            CHECK_STATUS(NNC_FN(nnc_gemm_ex)((nnc_gemm_kernel_t)kern, 0, 0, 1, 1, 1, one, &one, 1,
                                             &one, 1, 0, &c, 1, 1),
                         NNC_STATUS_INVALID_ARGUMENT);
            continue;
        }
        NNC_FN(tst_kernel) = (nnc_gemm_kernel_t)kern;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int ta = 0; ta <= 1; ta++)
                for (int tb = 0; tb <= 1; tb++)
                    NNC_FN(tst_gemm_case)(&g, ta, tb, shapes[s][0], shapes[s][1], shapes[s][2],
                                          (ta + tb) % 2, ta ? 1.5 : 1.0, tb ? 0.5 : 0.0, 0);
    }
    NNC_FN(tst_kernel) = NNC_GEMM_AUTO;
    T one = 1, c = 0;
    CHECK_STATUS(NNC_FN(nnc_gemm_ex)((nnc_gemm_kernel_t)99, 0, 0, 1, 1, 1, one, &one, 1, &one, 1,
                                     0, &c, 1, 1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK(nnc_gemm_kernel_available(nnc_gemm_kernel_best()));
}

static void NNC_FN(tst_gemv_case)(tst_lcg_t *g, int ta, int64_t m, int64_t n, int64_t pad,
                                  double alpha, double beta)
{
    const int64_t ar = ta ? n : m, ac = ta ? m : n;
    const int64_t lda = ac + pad > 0 ? ac + pad : 1;
    const int64_t na = tst_extent(ar, ac, lda);
    T *a = NNC_FN(tst_random)(na, g, -2, 2);
    T *x = NNC_FN(tst_random)(n, g, -2, 2);
    T *y0 = NNC_FN(tst_random)(m, g, -2, 2);
    if (beta == 0.0)
        for (int64_t i = 0; i < m; i++)
            y0[i] = (T)NAN; /* beta == 0 overwrites y without reading it */
    T *y = NNC_FN(tst_copy)(y0, m);
    nnc_status_t st = NNC_FN(nnc_gemv)(ta, m, n, (T)alpha, a, lda, x, (T)beta, y);
    int ok = st == NNC_STATUS_OK;
    for (int64_t i = 0; ok && i < m; i++) {
        double acc = 0.0, mag = 0.0;
        for (int64_t j = 0; j < n; j++) {
            double av = (double)(ta ? a[j * lda + i] : a[i * lda + j]);
            acc += av * (double)x[j];
            mag += fabs(av * (double)x[j]);
        }
        double want = (double)(T)alpha * acc, sc = fabs((double)(T)alpha) * mag;
        if (beta != 0.0) {
            want += (double)(T)beta * (double)y0[i];
            sc += fabs((double)(T)beta * (double)y0[i]);
        }
        ok = tst_close((double)y[i], want, 0.0, (double)(n + 4) * TST_EPS * sc + 1e-300);
    }
    CHECKF(ok, "gemv %s ta=%d m=%lld n=%lld pad=%lld alpha=%g beta=%g", TST_DT, ta,
           (long long)m, (long long)n, (long long)pad, alpha, beta);
    free(a);
    free(x);
    free(y0);
    free(y);
}

static void NNC_FN(test_gemv)(void)
{
    tst_lcg_t g = {12};
    tst_context = "gemv";
    for (int ta = 0; ta <= 1; ta++)
        for (int im = 0; im < TST_NDIMS; im++)
            for (int in = 0; in < TST_NDIMS; in++) {
                int64_t m = NNC_FN(tst_dims)[im], n = NNC_FN(tst_dims)[in];
                NNC_FN(tst_gemv_case)(&g, ta, m, n, (im + in) % 3, 1.0, 0.0);
                NNC_FN(tst_gemv_case)(&g, ta, m, n, 1, -0.75, 0.5);
            }
    NNC_FN(tst_gemv_case)(&g, 0, 131, 257, 3, 1.0, 0.0);
    NNC_FN(tst_gemv_case)(&g, 1, 131, 257, 0, 1.0, 1.0);
    T one = 1;
    CHECK_STATUS(NNC_FN(nnc_gemv)(0, -1, 3, one, NULL, 3, NULL, 0, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_gemv)(0, 3, -1, one, NULL, 3, NULL, 0, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_gemv)(0, 3, 4, one, NULL, 3, NULL, 0, NULL),
                 NNC_STATUS_INVALID_ARGUMENT); /* lda 3 < 4 */
    CHECK_STATUS(NNC_FN(nnc_gemv)(1, 4, 3, one, NULL, 3, NULL, 0, NULL),
                 NNC_STATUS_INVALID_ARGUMENT); /* A stored 3 x 4 */
    CHECK_STATUS(NNC_FN(nnc_gemv)(0, INT64_C(1) << 62, 8, one, NULL, 8, NULL, 0, NULL),
                 NNC_STATUS_OVERFLOW);
    CHECK_STATUS(NNC_FN(nnc_gemv)(0, 0, 5, one, NULL, 5, NULL, 0, NULL), NNC_STATUS_OK);
}

static void NNC_FN(test_vector_ops)(void)
{
    tst_lcg_t g = {13};
    tst_context = "dot/axpy/add/scale";
    static const int64_t sizes[] = {0, 1, 2, 3, 5, 7, 13, 31, 1000, 4099};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int64_t n = sizes[s];
        T *x = NNC_FN(tst_random)(n, &g, -3, 3);
        T *y = NNC_FN(tst_random)(n, &g, -3, 3);
        T alpha = (T)tst_uniform(&g, -2, 2);

        /* dot: within the error bound of a sum of n products */
        double want = 0.0, mag = 0.0;
        for (int64_t i = 0; i < n; i++) {
            want += (double)x[i] * (double)y[i];
            mag += fabs((double)x[i] * (double)y[i]);
        }
        T d = NNC_FN(nnc_dot)(n, x, y);
        CHECKF(tst_close((double)d, want, 0.0, (double)(n + 2) * TST_EPS * mag + 1e-300),
               "dot %s n=%lld: %.17g, expected %.17g", TST_DT, (long long)n, (double)d, want);
        CHECK(NNC_FN(nnc_dot)(n, x, y) == d || n == 0); /* same order every call */

        /* axpy, add and scale: one rounding per element, exactly as in C. */
        T *yy = NNC_FN(tst_copy)(y, n);
        NNC_FN(nnc_axpy)(n, alpha, x, yy);
        int ok = 1;
        for (int64_t i = 0; i < n; i++) {
            T w = y[i] + alpha * x[i];
            ok &= NNC_FN(tst_same_bits)(&yy[i], &w, 1);
        }
        CHECKF(ok, "axpy %s n=%lld", TST_DT, (long long)n);

        T *z = NNC_FN(tst_alloc)(n);
        NNC_FN(nnc_add)(n, x, y, z);
        ok = 1;
        for (int64_t i = 0; i < n; i++) {
            T w = x[i] + y[i];
            ok &= NNC_FN(tst_same_bits)(&z[i], &w, 1);
        }
        CHECKF(ok, "add %s n=%lld", TST_DT, (long long)n);
        T *xa = NNC_FN(tst_copy)(x, n); /* z may alias x */
        NNC_FN(nnc_add)(n, xa, y, xa);
        CHECKF(NNC_FN(tst_same_bits)(xa, z, n), "add %s in place n=%lld", TST_DT, (long long)n);

        NNC_FN(nnc_scale)(n, alpha, x, z);
        ok = 1;
        for (int64_t i = 0; i < n; i++) {
            T w = alpha * x[i];
            ok &= NNC_FN(tst_same_bits)(&z[i], &w, 1);
        }
        CHECKF(ok, "scale %s n=%lld", TST_DT, (long long)n);
        memcpy(xa, x, (size_t)n * sizeof(T));
        NNC_FN(nnc_scale)(n, alpha, xa, xa); /* y may alias x */
        CHECKF(NNC_FN(tst_same_bits)(xa, z, n), "scale %s in place n=%lld", TST_DT,
               (long long)n);
        free(x);
        free(y);
        free(yy);
        free(z);
        free(xa);
    }
    /* No status to return: a negative count must be a no-op (NULL pointers
     * would crash, or be reported by the sanitizers, if touched). */
    CHECK(NNC_FN(nnc_dot)(-5, NULL, NULL) == 0);
    NNC_FN(nnc_axpy)(-5, (T)1, NULL, NULL);
    NNC_FN(nnc_add)(-5, NULL, NULL, NULL);
    NNC_FN(nnc_scale)(-5, (T)1, NULL, NULL);
    CHECK(1);
    /* NaN and inf propagate as in IEEE arithmetic. */
    {
        T x[3] = {(T)NAN, (T)INFINITY, (T)1}, y[3] = {(T)1, (T)1, (T)-INFINITY}, z[3];
        CHECK(isnan((double)NNC_FN(nnc_dot)(3, x, y)));
        NNC_FN(nnc_add)(3, x, y, z);
        CHECK(isnan((double)z[0]) && isinf((double)z[1]) && z[2] < 0 && isinf((double)z[2]));
    }
}

static void NNC_FN(test_transpose)(void)
{
    tst_lcg_t g = {14};
    tst_context = "transpose";
    for (int ir = 0; ir < TST_NDIMS; ir++)
        for (int ic = 0; ic < TST_NDIMS; ic++)
            for (int64_t pad = 0; pad <= 2; pad += 2) {
                const int64_t rows = NNC_FN(tst_dims)[ir], cols = NNC_FN(tst_dims)[ic];
                const int64_t lda = cols + pad > 0 ? cols + pad : 1;
                const int64_t ldb = rows + pad > 0 ? rows + pad : 1;
                const int64_t na = tst_extent(rows, cols, lda), nb = tst_extent(cols, rows, ldb);
                T *a = NNC_FN(tst_random)(na, &g, -1, 1);
                T *b0 = NNC_FN(tst_random)(nb, &g, -1, 1);
                T *b = NNC_FN(tst_copy)(b0, nb);
                nnc_status_t st = NNC_FN(nnc_transpose)(rows, cols, a, lda, b, ldb);
                int ok = st == NNC_STATUS_OK;
                for (int64_t j = 0; ok && j < cols; j++)
                    for (int64_t i = 0; i < ldb && j * ldb + i < nb; i++) {
                        const T *want = i < rows ? &a[i * lda + j] : &b0[j * ldb + i];
                        ok &= NNC_FN(tst_same_bits)(&b[j * ldb + i], want, 1);
                    }
                CHECKF(ok, "transpose %s %lld x %lld pad %lld", TST_DT, (long long)rows,
                       (long long)cols, (long long)pad);
                free(a);
                free(b0);
                free(b);
            }
    CHECK_STATUS(NNC_FN(nnc_transpose)(-1, 2, NULL, 2, NULL, 1), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_transpose)(3, 4, NULL, 3, NULL, 3), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_transpose)(3, 4, NULL, 4, NULL, 2), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_transpose)(INT64_C(1) << 62, 4, NULL, 4, NULL, INT64_C(1) << 62),
                 NNC_STATUS_OVERFLOW);
}

/* ---------------- activations ---------------- */

static const double NNC_FN(tst_selu_l) = 1.0507009873554804934;
static const double NNC_FN(tst_selu_a) = 1.6732632423543772848;

/* Forward reference of an elementwise activation at x (double). */
static double NNC_FN(tst_act_ref)(nnc_act_t act, double x, double alpha)
{
    const double l = NNC_FN(tst_selu_l), sa = NNC_FN(tst_selu_a);
    switch (act) {
    case NNC_ACT_IDENTITY: return x;
    case NNC_ACT_STEP: return x > 0 ? 1.0 : (x <= 0 ? 0.0 : x);
    case NNC_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case NNC_ACT_TANH: return tanh(x);
    case NNC_ACT_RELU: return x < 0 ? 0.0 : x;
    case NNC_ACT_LEAKY_RELU:
    case NNC_ACT_PRELU: return x < 0 ? alpha * x : x;
    case NNC_ACT_ELU: return x < 0 ? alpha * expm1(x) : x;
    case NNC_ACT_SELU: return l * (x < 0 ? sa * expm1(x) : x);
    default: return NAN;
    }
}

/* The activations this program has its own references for; the rest are
 * checked value by value against NumPy (tests/reference.py) through the
 * binding, and here for in-place use, NaN propagation and dalpha. */
static int NNC_FN(tst_act_has_ref)(nnc_act_t act)
{
    switch (act) {
    case NNC_ACT_IDENTITY:
    case NNC_ACT_STEP:
    case NNC_ACT_SIGMOID:
    case NNC_ACT_TANH:
    case NNC_ACT_RELU:
    case NNC_ACT_LEAKY_RELU:
    case NNC_ACT_PRELU:
    case NNC_ACT_ELU:
    case NNC_ACT_SELU:
    case NNC_ACT_SOFTMAX:
    case NNC_ACT_LOG_SOFTMAX: return 1;
    default: return 0;
    }
}

/* Derivative reference (the kink conventions of nnc_decls.h). */
static double NNC_FN(tst_act_dref)(nnc_act_t act, double x, double alpha)
{
    const double l = NNC_FN(tst_selu_l), sa = NNC_FN(tst_selu_a);
    if (isnan(x))
        return act == NNC_ACT_IDENTITY ? 1.0 : NAN;
    switch (act) {
    case NNC_ACT_IDENTITY: return 1.0;
    case NNC_ACT_STEP: return 0.0;
    case NNC_ACT_SIGMOID: {
        double s = 1.0 / (1.0 + exp(-x));
        return s * (1.0 - s);
    }
    case NNC_ACT_TANH: return 1.0 - tanh(x) * tanh(x);
    case NNC_ACT_RELU: return x > 0 ? 1.0 : 0.0;
    case NNC_ACT_LEAKY_RELU:
    case NNC_ACT_PRELU: return x > 0 ? 1.0 : alpha;
    case NNC_ACT_ELU: return x > 0 ? 1.0 : alpha * exp(x);
    case NNC_ACT_SELU: return l * (x > 0 ? 1.0 : sa * exp(x));
    default: return NAN;
    }
}

/* Row-wise references: softmax / log_softmax of one row, and their
 * Jacobian-vector products. */
static void NNC_FN(tst_softmax_ref)(int log_form, int64_t cols, const T *x, const T *dy,
                                    double *y, double *dx)
{
    double m = -INFINITY, s = 0.0, sdy = 0.0, sdyy = 0.0;
    for (int64_t j = 0; j < cols; j++)
        if ((double)x[j] > m)
            m = (double)x[j];
    for (int64_t j = 0; j < cols; j++)
        s += exp((double)x[j] - m);
    for (int64_t j = 0; j < cols; j++) {
        double p = exp((double)x[j] - m) / s;
        y[j] = log_form ? ((double)x[j] - m) - log(s) : p;
        sdy += (double)dy[j];
        sdyy += (double)dy[j] * p;
    }
    for (int64_t j = 0; j < cols; j++) {
        double p = exp((double)x[j] - m) / s;
        dx[j] = log_form ? (double)dy[j] - p * sdy : p * ((double)dy[j] - sdyy);
    }
}

static void NNC_FN(tst_act_case)(tst_lcg_t *g, nnc_act_t act, int64_t rows, int64_t cols,
                                 double alpha_d)
{
    const int64_t n = rows * cols;
    const int rowwise = nnc_act_info[act].rowwise;
    const int has_ref = NNC_FN(tst_act_has_ref)(act);
    const T alpha = (T)alpha_d;
    T *x = NNC_FN(tst_random)(n, g, -4, 4);
    T *dy = NNC_FN(tst_random)(n, g, -2, 2);
    for (int64_t i = 0; i < n; i += 5)
        x[i] = (T)0; /* the kinks */
    T *y = NNC_FN(tst_alloc)(n), *dx = NNC_FN(tst_alloc)(n), *dx2 = NNC_FN(tst_alloc)(n);
    T dalpha = (T)123, dalpha2 = (T)456;
    double *ry = (double *)malloc((size_t)(cols > 0 ? cols : 1) * sizeof(double));
    double *rdx = (double *)malloc((size_t)(cols > 0 ? cols : 1) * sizeof(double));
    int ok;

    CHECK_STATUS(NNC_FN(nnc_act_forward)(act, rows, cols, x, y, alpha), NNC_STATUS_OK);
    CHECK_STATUS(NNC_FN(nnc_act_backward)(act, rows, cols, x, NULL, dy, dx, alpha, &dalpha),
                 NNC_STATUS_OK);
    /* with the forward output supplied: the same numbers, up to rounding */
    CHECK_STATUS(NNC_FN(nnc_act_backward)(act, rows, cols, x, y, dy, dx2, alpha, &dalpha2),
                 NNC_STATUS_OK);
    ok = 1;
    double dal_ref = 0.0, dal_mag = 0.0;
    for (int64_t r = 0; r < rows; r++) {
        const T *xr = x + r * cols, *dyr = dy + r * cols;
        if (rowwise) {
            NNC_FN(tst_softmax_ref)(act == NNC_ACT_LOG_SOFTMAX, cols, xr, dyr, ry, rdx);
        }
        else {
            for (int64_t j = 0; j < cols; j++) {
                ry[j] = NNC_FN(tst_act_ref)(act, (double)xr[j], (double)alpha);
                rdx[j] = (double)dyr[j] * NNC_FN(tst_act_dref)(act, (double)xr[j], (double)alpha);
                double mn = (double)xr[j] < 0 ? (double)xr[j] : 0.0;
                dal_ref += (double)dyr[j] * mn;
                dal_mag += fabs((double)dyr[j] * mn);
            }
        }
        for (int64_t j = 0; j < cols; j++) {
            const int64_t i = r * cols + j;
            /* softmax sums carry a few more roundings: scale atol by the row */
            double atol = TST_ATOL * (rowwise ? 4.0 * (double)cols : 1.0);
            int e = !has_ref || (tst_close((double)y[i], ry[j], TST_RTOL, atol) &&
                                 tst_close((double)dx[i], rdx[j], TST_RTOL, atol) &&
                                 tst_close((double)dx2[i], rdx[j], TST_RTOL, atol));
            if (!e && ok)
                fprintf(stderr, "     %s %s x=%.9g: y %.17g (ref %.17g) dx %.17g / %.17g (ref "
                        "%.17g)\n", nnc_act_names[act], TST_DT, (double)x[i], (double)y[i],
                        ry[j], (double)dx[i], (double)dx2[i], rdx[j]);
            ok &= e;
        }
    }
    CHECKF(ok, "%s %s rows=%lld cols=%lld", nnc_act_names[act], TST_DT, (long long)rows,
           (long long)cols);
    if (nnc_act_info[act].alpha == NNC_ALPHA_LEARNED)
        CHECKF(tst_close((double)dalpha, dal_ref, TST_RTOL, TST_ATOL * (dal_mag + 1)) &&
                   dalpha == dalpha2,
               "prelu dalpha %s: %.17g, expected %.17g", TST_DT, (double)dalpha, dal_ref);
    else
        CHECKF(dalpha == 0 && dalpha2 == 0, "%s %s: dalpha %g, expected 0", nnc_act_names[act],
               TST_DT, (double)dalpha);

    /* In place (y aliasing x, dx aliasing dy) gives the same bits. */
    T *xi = NNC_FN(tst_copy)(x, n), *dyi = NNC_FN(tst_copy)(dy, n);
    CHECK_STATUS(NNC_FN(nnc_act_forward)(act, rows, cols, xi, xi, alpha), NNC_STATUS_OK);
    CHECKF(NNC_FN(tst_same_bits)(xi, y, n), "%s %s forward in place", nnc_act_names[act], TST_DT);
    CHECK_STATUS(NNC_FN(nnc_act_backward)(act, rows, cols, x, NULL, dyi, dyi, alpha, NULL),
                 NNC_STATUS_OK);
    CHECKF(NNC_FN(tst_same_bits)(dyi, dx, n), "%s %s backward in place", nnc_act_names[act],
           TST_DT);
    free(xi);
    free(dyi);
    free(x);
    free(dy);
    free(y);
    free(dx);
    free(dx2);
    free(ry);
    free(rdx);
}

static void NNC_FN(test_activations)(void)
{
    tst_lcg_t g = {15};
    static const int64_t shapes[][2] = {{0, 0}, {0, 5}, {3, 0}, {1, 1}, {1, 7}, {2, 1},
                                        {4, 13}, {3, 31}, {1, 4099}};
    tst_context = "activations";
    for (int a = 0; a < NNC_ACT_COUNT; a++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            NNC_FN(tst_act_case)(&g, (nnc_act_t)a, shapes[s][0], shapes[s][1], 0.25);
            if (a == NNC_ACT_ELU || a == NNC_ACT_LEAKY_RELU)
                NNC_FN(tst_act_case)(&g, (nnc_act_t)a, shapes[s][0], shapes[s][1], 1.5);
        }

    /* NaN propagates (a NaN input never turns into a silent 0 or 1). */
    for (int a = 0; a < NNC_ACT_COUNT; a++) {
        T x[3] = {(T)1, (T)NAN, (T)-1}, dy[3] = {(T)1, (T)1, (T)1}, y[3], dx[3];
        CHECK_STATUS(NNC_FN(nnc_act_forward)((nnc_act_t)a, 1, 3, x, y, (T)0.5), NNC_STATUS_OK);
        CHECK_STATUS(NNC_FN(nnc_act_backward)((nnc_act_t)a, 1, 3, x, NULL, dy, dx, (T)0.5, NULL),
                     NNC_STATUS_OK);
        CHECKF(isnan((double)y[1]), "%s %s: NaN input gave %g", nnc_act_names[a], TST_DT,
               (double)y[1]);
        CHECKF(a == NNC_ACT_IDENTITY ? dx[1] == 1 : isnan((double)dx[1]),
               "%s %s backward: NaN input gave %g", nnc_act_names[a], TST_DT, (double)dx[1]);
    }
    /* Stable softmax: huge logits do not overflow, -inf gives an exact 0. */
    {
        T x[4] = {(T)1000, (T)1000, (T)-INFINITY, (T)0}, y[4];
        CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_SOFTMAX, 2, 2, x, y, 0), NNC_STATUS_OK);
        CHECK(y[0] == (T)0.5 && y[1] == (T)0.5 && y[2] == 0 && y[3] == 1);
        CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_LOG_SOFTMAX, 1, 2, x, y, 0), NNC_STATUS_OK);
        CHECK(tst_close((double)y[0], -log(2.0), TST_RTOL, 0) && y[0] == y[1]);
        T s[2] = {(T)-1000, (T)1000}, o[2];
        CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_SIGMOID, 1, 2, s, o, 0), NNC_STATUS_OK);
        CHECK(o[0] == 0 && o[1] == 1);
    }
    /* Invalid arguments. */
    T buf[4] = {0, 0, 0, 0}, out[4];
    CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_COUNT, 1, 4, buf, out, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_forward)((nnc_act_t)-1, 1, 4, buf, out, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_forward)((nnc_act_t)1000, 1, 4, buf, out, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_backward)(NNC_ACT_COUNT, 1, 4, buf, NULL, buf, out, 0, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_RELU, -1, 4, buf, out, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_RELU, 1, -4, buf, out, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_backward)(NNC_ACT_RELU, -1, 4, buf, NULL, buf, out, 0, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_RELU, INT64_C(1) << 40, INT64_C(1) << 40, buf,
                                         out, 0),
                 NNC_STATUS_OVERFLOW);
    CHECK_STATUS(NNC_FN(nnc_act_backward)(NNC_ACT_SOFTMAX, INT64_MAX, 2, buf, NULL, buf, out, 0,
                                          NULL),
                 NNC_STATUS_OVERFLOW);
    CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_RELU, 1, 4, NULL, out, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_backward)(NNC_ACT_RELU, 1, 4, buf, NULL, NULL, out, 0, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_act_forward)(NNC_ACT_SOFTMAX, 0, 9, NULL, NULL, 0), NNC_STATUS_OK);
    CHECK_STATUS(NNC_FN(nnc_act_backward)(NNC_ACT_SOFTMAX, 9, 0, NULL, NULL, NULL, NULL, 0, NULL),
                 NNC_STATUS_OK);
}

/* ---------------- losses ---------------- */

/* Reference loss of one element (elementwise kinds) and its derivative. */
static double NNC_FN(tst_loss_elem)(nnc_loss_t kind, double p, double t, int half, double delta,
                                    double *d)
{
    const double eps = NNC_IS_F32 ? (double)(T)1e-7 : 1e-12;
    double r = p - t, y = 2.0 * t - 1.0, mg;
    switch (kind) {
    case NNC_LOSS_MSE: {
        double k = half ? 0.5 : 1.0;
        *d = 2.0 * k * r;
        return k * r * r;
    }
    case NNC_LOSS_MAE: *d = r > 0 ? 1.0 : (r < 0 ? -1.0 : 0.0); return fabs(r);
    case NNC_LOSS_HUBER:
        if (fabs(r) <= delta) {
            *d = r;
            return 0.5 * r * r;
        }
        *d = r > 0 ? delta : -delta;
        return delta * (fabs(r) - 0.5 * delta);
    case NNC_LOSS_LOG_LOSS: {
        double hi = (double)(T)(1.0 - eps);
        double pc = p < eps ? eps : (p > hi ? hi : p);
        *d = (1.0 - t) / (1.0 - pc) - t / pc;
        return -(t * log(pc) + (1.0 - t) * log(1.0 - pc));
    }
    case NNC_LOSS_LOG_LOSS_LOGITS:
        *d = 1.0 / (1.0 + exp(-p)) - t;
        return (p > 0 ? p : 0.0) - p * t + log1p(exp(-fabs(p)));
    case NNC_LOSS_PERCEPTRON:
        mg = -y * p;
        *d = mg > 0 ? -y : 0.0;
        return mg > 0 ? mg : 0.0;
    case NNC_LOSS_HINGE:
        mg = 1.0 - y * p;
        *d = mg > 0 ? -y : 0.0;
        return mg > 0 ? mg : 0.0;
    case NNC_LOSS_LOG_COSH: /* log(cosh(r)) without cancellation near 0 */
        *d = tanh(r);
        if (fabs(r) < 1.0)
            return log1p(2.0 * sinh(0.5 * fabs(r)) * sinh(0.5 * fabs(r)));
        return fabs(r) + log1p(exp(-2.0 * fabs(r))) - log(2.0);
    default: *d = NAN; return NAN; /* no reference yet: fails, naming the loss */
    }
}

/* Reference of a whole loss: unreduced sum (and sum of |terms| for the
 * tolerance), gradient before the reduction's division. */
static double NNC_FN(tst_loss_ref)(const nnc_loss_params_t *p, int64_t rows, int64_t cols,
                                   const T *pred, const T *t, double *grad, double *mag)
{
    double sum = 0.0;
    *mag = 0.0;
    if (p->kind == NNC_LOSS_CROSS_ENTROPY) {
        for (int64_t r = 0; r < rows; r++) {
            const T *z = pred + r * cols, *tr = t + r * cols;
            double m = -INFINITY, s = 0.0, ts = 0.0;
            for (int64_t j = 0; j < cols; j++)
                if ((double)z[j] > m)
                    m = (double)z[j];
            for (int64_t j = 0; j < cols; j++)
                s += exp((double)z[j] - m);
            for (int64_t j = 0; j < cols; j++) {
                ts += (double)tr[j];
                if (tr[j] != 0) {
                    double term = -(double)tr[j] * (((double)z[j] - m) - log(s));
                    sum += term;
                    *mag += fabs(term);
                }
            }
            for (int64_t j = 0; j < cols; j++)
                grad[r * cols + j] = exp((double)z[j] - m) / s * ts - (double)tr[j];
        }
        return sum;
    }
    if (p->kind == NNC_LOSS_KL) {
        const double tiny = (double)NNC_T_MIN;
        for (int64_t i = 0; i < rows * cols; i++) {
            double ti = (double)t[i], pc = (double)pred[i] < tiny ? tiny : (double)pred[i];
            if (ti != 0) {
                double term = ti * (log(ti) - log(pc));
                sum += term;
                *mag += fabs(ti * log(ti)) + fabs(ti * log(pc));
            }
            grad[i] = ti == 0 ? 0.0 : -ti / pc;
        }
        return sum;
    }
    for (int64_t i = 0; i < rows * cols; i++) {
        double term = NNC_FN(tst_loss_elem)(p->kind, (double)pred[i], (double)t[i], p->half,
                                            (double)(T)p->delta, &grad[i]);
        sum += term;
        *mag += fabs(term);
    }
    return sum;
}

/* Test data suited to each loss: probabilities for log_loss, 0/1 labels for
 * the classifiers, probability rows for cross_entropy and kl. */
static void NNC_FN(tst_loss_data)(tst_lcg_t *g, nnc_loss_t kind, int64_t rows, int64_t cols,
                                  T *pred, T *t)
{
    const int64_t n = rows * cols;
    for (int64_t i = 0; i < n; i++) {
        pred[i] = (T)tst_uniform(g, -3, 3);
        t[i] = (T)tst_uniform(g, -3, 3);
        switch (kind) {
        case NNC_LOSS_LOG_LOSS:
            pred[i] = (T)tst_uniform(g, 0.02, 0.98);
            t[i] = (T)(tst_uniform(g, 0, 1) < 0.5 ? 0 : 1);
            break;
        case NNC_LOSS_LOG_LOSS_LOGITS:
        case NNC_LOSS_PERCEPTRON:
        case NNC_LOSS_HINGE:
            t[i] = (T)(tst_uniform(g, 0, 1) < 0.5 ? 0 : 1);
            if (i % 7 == 3)
                pred[i] = 0; /* the kinks */
            break;
        case NNC_LOSS_KL:
            pred[i] = (T)tst_uniform(g, 0.01, 1);
            t[i] = (T)(i % 4 == 1 ? 0.0 : tst_uniform(g, 0.01, 1));
            break;
        case NNC_LOSS_CROSS_ENTROPY: t[i] = (T)(i % 4 == 1 ? 0.0 : tst_uniform(g, 0.01, 1)); break;
        default: break;
        }
    }
    if (kind == NNC_LOSS_KL || kind == NNC_LOSS_CROSS_ENTROPY) {
        for (int64_t r = 0; r < rows; r++) {
            double s = 0.0;
            for (int64_t j = 0; j < cols; j++)
                s += (double)t[r * cols + j];
            for (int64_t j = 0; j < cols && s > 0; j++)
                t[r * cols + j] = (T)((double)t[r * cols + j] / s);
        }
    }
}

static void NNC_FN(tst_loss_case)(tst_lcg_t *g, nnc_loss_t kind, nnc_reduction_t red,
                                  int64_t rows, int64_t cols, int half, double delta)
{
    const int64_t n = rows * cols;
    const int rowloss = kind == NNC_LOSS_CROSS_ENTROPY || kind == NNC_LOSS_KL;
    nnc_loss_params_t p = {kind, red, half, delta};
    T *pred = NNC_FN(tst_alloc)(n), *t = NNC_FN(tst_alloc)(n), *grad = NNC_FN(tst_alloc)(n);
    double *rg = (double *)malloc((size_t)(n > 0 ? n : 1) * sizeof(double)), mag;
    T value = (T)-7, value2 = (T)-8;
    NNC_FN(tst_loss_data)(g, kind, rows, cols, pred, t);
    T *pred0 = NNC_FN(tst_copy)(pred, n), *t0 = NNC_FN(tst_copy)(t, n);

    CHECK_STATUS(NNC_FN(nnc_loss)(&p, rows, cols, pred, t, &value, grad), NNC_STATUS_OK);
    CHECK_STATUS(NNC_FN(nnc_loss)(&p, rows, cols, pred, t, &value2, NULL), NNC_STATUS_OK);
    CHECKF(NNC_FN(tst_same_bits)(&value, &value2, 1),
           "%s %s: the value depends on whether the gradient is asked for", nnc_loss_names[kind],
           TST_DT);
    CHECK(NNC_FN(tst_same_bits)(pred, pred0, n) && NNC_FN(tst_same_bits)(t, t0, n));

    double sum = NNC_FN(tst_loss_ref)(&p, rows, cols, pred, t, rg, &mag);
    const int64_t count = rowloss ? rows : n;
    double want, div = red == NNC_REDUCTION_MEAN ? (double)count : 1.0;
    if (red == NNC_REDUCTION_SUM)
        want = sum;
    else
        want = count > 0 ? sum / (double)count : NAN;
    CHECKF(tst_close((double)value, want, TST_RTOL, TST_ATOL * (mag / (div > 0 ? div : 1) + 1)),
           "%s %s %s rows=%lld cols=%lld half=%d: value %.17g, expected %.17g",
           nnc_loss_names[kind], TST_DT, red == NNC_REDUCTION_SUM ? "sum" : "mean",
           (long long)rows, (long long)cols, half, (double)value, want);
    int ok = 1;
    for (int64_t i = 0; i < n; i++) {
        double w = rg[i] / div;
        int e = tst_close((double)grad[i], w, TST_RTOL, TST_ATOL * 4.0 / div);
        if (!e && ok)
            fprintf(stderr, "     grad[%lld] = %.17g, expected %.17g (pred %.9g target %.9g)\n",
                    (long long)i, (double)grad[i], w, (double)pred[i], (double)t[i]);
        ok &= e;
    }
    CHECKF(ok, "%s %s gradient rows=%lld cols=%lld", nnc_loss_names[kind], TST_DT,
           (long long)rows, (long long)cols);
    free(pred);
    free(t);
    free(pred0);
    free(t0);
    free(grad);
    free(rg);
}

static void NNC_FN(test_losses)(void)
{
    tst_lcg_t g = {16};
    static const int64_t shapes[][2] = {{1, 1}, {1, 7}, {3, 1}, {4, 13}, {17, 5}, {2, 1031}};
    tst_context = "losses";
    for (int k = 0; k < NNC_LOSS_COUNT; k++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int red = 0; red <= 1; red++) {
                NNC_FN(tst_loss_case)(&g, (nnc_loss_t)k, (nnc_reduction_t)red, shapes[s][0],
                                      shapes[s][1], 0, 1.0);
                if (k == NNC_LOSS_MSE)
                    NNC_FN(tst_loss_case)(&g, (nnc_loss_t)k, (nnc_reduction_t)red, shapes[s][0],
                                          shapes[s][1], 1, 1.0);
                if (k == NNC_LOSS_HUBER)
                    NNC_FN(tst_loss_case)(&g, (nnc_loss_t)k, (nnc_reduction_t)red, shapes[s][0],
                                          shapes[s][1], 0, 0.3);
            }
    /* The mean of nothing is NaN; the sum of nothing is 0. */
    for (int k = 0; k < NNC_LOSS_COUNT; k++) {
        nnc_loss_params_t pm = {(nnc_loss_t)k, NNC_REDUCTION_MEAN, 0, 1.0};
        nnc_loss_params_t ps = {(nnc_loss_t)k, NNC_REDUCTION_SUM, 0, 1.0};
        T v = 0;
        CHECK_STATUS(NNC_FN(nnc_loss)(&pm, 0, 3, NULL, NULL, &v, NULL), NNC_STATUS_OK);
        CHECKF(isnan((double)v), "%s %s: mean over 0 rows gave %g", nnc_loss_names[k], TST_DT,
               (double)v);
        CHECK_STATUS(NNC_FN(nnc_loss)(&ps, 0, 3, NULL, NULL, &v, NULL), NNC_STATUS_OK);
        CHECK(v == 0);
        /* NaN in the prediction reaches the value */
        T pr[2] = {(T)NAN, (T)0.5}, tg[2] = {(T)0, (T)1};
        if (k == NNC_LOSS_KL || k == NNC_LOSS_CROSS_ENTROPY)
            tg[0] = (T)0.5, tg[1] = (T)0.5;
        CHECK_STATUS(NNC_FN(nnc_loss)(&pm, 1, 2, pr, tg, &v, NULL), NNC_STATUS_OK);
        CHECKF(isnan((double)v), "%s %s: NaN prediction gave %g", nnc_loss_names[k], TST_DT,
               (double)v);
    }
    /* log_loss clamps: p = 0 or 1 gives a large finite loss and gradient. */
    {
        nnc_loss_params_t p = {NNC_LOSS_LOG_LOSS, NNC_REDUCTION_SUM, 0, 1.0};
        T pr[2] = {0, 1}, tg[2] = {1, 0}, gr[2], v;
        CHECK_STATUS(NNC_FN(nnc_loss)(&p, 1, 2, pr, tg, &v, gr), NNC_STATUS_OK);
        CHECK(isfinite((double)v) && v > 10 && isfinite((double)gr[0]) && gr[0] < 0 &&
              isfinite((double)gr[1]) && gr[1] > 0);
    }
    /* Invalid arguments. */
    T buf[4] = {0, 0, 0, 0}, v = 0, gbuf[4];
    nnc_loss_params_t ok_p = {NNC_LOSS_MSE, NNC_REDUCTION_MEAN, 0, 1.0};
    nnc_loss_params_t bad = ok_p;
    CHECK_STATUS(NNC_FN(nnc_loss)(NULL, 1, 4, buf, buf, &v, NULL), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_loss)(&ok_p, 1, 4, buf, buf, NULL, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    bad.kind = NNC_LOSS_COUNT;
    CHECK_STATUS(NNC_FN(nnc_loss)(&bad, 1, 4, buf, buf, &v, NULL), NNC_STATUS_INVALID_ARGUMENT);
    bad.kind = (nnc_loss_t)-1;
    CHECK_STATUS(NNC_FN(nnc_loss)(&bad, 1, 4, buf, buf, &v, NULL), NNC_STATUS_INVALID_ARGUMENT);
    bad = ok_p;
    bad.reduction = (nnc_reduction_t)2;
    CHECK_STATUS(NNC_FN(nnc_loss)(&bad, 1, 4, buf, buf, &v, NULL), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_loss)(&ok_p, -1, 4, buf, buf, &v, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_loss)(&ok_p, 1, -4, buf, buf, &v, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_loss)(&ok_p, INT64_C(1) << 40, INT64_C(1) << 40, buf, buf, &v, NULL),
                 NNC_STATUS_OVERFLOW);
    CHECK_STATUS(NNC_FN(nnc_loss)(&ok_p, 1, 4, NULL, buf, &v, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_loss)(&ok_p, 1, 4, buf, NULL, &v, NULL),
                 NNC_STATUS_INVALID_ARGUMENT);
    static const double bad_delta[] = {0.0, -1.0, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        nnc_loss_params_t h = {NNC_LOSS_HUBER, NNC_REDUCTION_MEAN, 0, bad_delta[i]};
        gbuf[0] = (T)99;
        CHECK_STATUS(NNC_FN(nnc_loss)(&h, 1, 4, buf, buf, &v, gbuf), NNC_STATUS_INVALID_ARGUMENT);
        CHECK(gbuf[0] == (T)99); /* nothing written on error */
    }
}

static void NNC_FN(test_cross_entropy_index)(void)
{
    tst_lcg_t g = {17};
    tst_context = "cross_entropy_index";
    static const int64_t shapes[][2] = {{1, 1}, {1, 5}, {4, 3}, {9, 13}, {3, 1031}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int red = 0; red <= 1; red++) {
            const int64_t rows = shapes[s][0], cols = shapes[s][1], n = rows * cols;
            T *z = NNC_FN(tst_random)(n, &g, -5, 5), *grad = NNC_FN(tst_alloc)(n);
            int64_t *idx = (int64_t *)malloc((size_t)rows * sizeof(int64_t));
            T *t = NNC_FN(tst_alloc)(n); /* the same targets as one-hot rows */
            for (int64_t r = 0; r < rows; r++) {
                idx[r] = (int64_t)tst_uniform(&g, 0, (double)cols);
                for (int64_t j = 0; j < cols; j++)
                    t[r * cols + j] = (T)(j == idx[r]);
            }
            T v = 0, v1 = 0, *grad1 = NNC_FN(tst_alloc)(n);
            nnc_loss_params_t p = {NNC_LOSS_CROSS_ENTROPY, (nnc_reduction_t)red, 0, 1.0};
            CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)((nnc_reduction_t)red, rows, cols, z, idx,
                                                          &v, grad),
                         NNC_STATUS_OK);
            CHECK_STATUS(NNC_FN(nnc_loss)(&p, rows, cols, z, t, &v1, grad1), NNC_STATUS_OK);
            double *rg = (double *)malloc((size_t)n * sizeof(double)), mag;
            double sum = NNC_FN(tst_loss_ref)(&p, rows, cols, z, t, rg, &mag);
            double div = red == NNC_REDUCTION_MEAN ? (double)rows : 1.0;
            CHECKF(tst_close((double)v, sum / div, TST_RTOL, TST_ATOL * (mag + 1)),
                   "cross_entropy_index %s: %.17g, expected %.17g", TST_DT, (double)v, sum / div);
            int ok = 1;
            for (int64_t i = 0; i < n; i++)
                ok &= tst_close((double)grad[i], rg[i] / div, TST_RTOL, TST_ATOL * 4);
            CHECKF(ok, "cross_entropy_index %s gradient rows=%lld cols=%lld", TST_DT,
                   (long long)rows, (long long)cols);
            CHECK(tst_close((double)v, (double)v1, TST_RTOL, TST_ATOL * (mag + 1)));
            free(z);
            free(grad);
            free(grad1);
            free(idx);
            free(t);
            free(rg);
        }
    T z[6] = {1, 2, 3, 4, 5, 6}, gr[6] = {9, 9, 9, 9, 9, 9}, v = 0;
    int64_t bad1[2] = {0, 3}, bad2[2] = {-1, 0}, good[2] = {2, 0};
    CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)(NNC_REDUCTION_MEAN, 2, 3, z, bad1, &v, gr),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)(NNC_REDUCTION_MEAN, 2, 3, z, bad2, &v, gr),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK(gr[0] == 9 && gr[5] == 9); /* indices are checked before anything is written */
    CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)((nnc_reduction_t)5, 2, 3, z, good, &v, gr),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)(NNC_REDUCTION_MEAN, -2, 3, z, good, &v, gr),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)(NNC_REDUCTION_MEAN, 2, 3, z, good, NULL, gr),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)(NNC_REDUCTION_MEAN, 2, 0, z, good, &v, gr),
                 NNC_STATUS_INVALID_ARGUMENT); /* no class can be valid */
    CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)(NNC_REDUCTION_MEAN, INT64_MAX, 2, z, good, &v,
                                                  gr),
                 NNC_STATUS_OVERFLOW);
    CHECK_STATUS(NNC_FN(nnc_cross_entropy_index)(NNC_REDUCTION_MEAN, 0, 3, NULL, NULL, &v, NULL),
                 NNC_STATUS_OK);
    CHECK(isnan((double)v));
}

/* ---------------- penalties and optimizer steps ---------------- */

static void NNC_FN(test_penalties)(void)
{
    tst_lcg_t g = {18};
    tst_context = "penalties";
    static const int64_t sizes[] = {0, 1, 2, 7, 31, 4099};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int64_t n = sizes[s];
        T *w = NNC_FN(tst_random)(n, &g, -2, 2), *g0 = NNC_FN(tst_random)(n, &g, -1, 1);
        for (int64_t i = 0; i < n; i += 3)
            w[i] = 0;
        double l1 = 0.0, l2 = 0.0;
        for (int64_t i = 0; i < n; i++) {
            l1 += fabs((double)w[i]);
            l2 += (double)w[i] * (double)w[i];
        }
        CHECKF(tst_close((double)NNC_FN(nnc_l1_penalty)(n, w), l1, TST_RTOL, TST_ATOL),
               "l1 %s n=%lld", TST_DT, (long long)n);
        CHECKF(tst_close((double)NNC_FN(nnc_l2_penalty)(n, w), l2, TST_RTOL, TST_ATOL),
               "l2 %s n=%lld", TST_DT, (long long)n);
        const T sc = (T)0.37;
        T *g1 = NNC_FN(tst_copy)(g0, n), *g2 = NNC_FN(tst_copy)(g0, n);
        NNC_FN(nnc_l1_penalty_grad)(n, w, sc, g1);
        NNC_FN(nnc_l2_penalty_grad)(n, w, sc, g2);
        int ok1 = 1, ok2 = 1;
        for (int64_t i = 0; i < n; i++) {
            T sg = w[i] > 0 ? (T)1 : (w[i] < 0 ? (T)-1 : (T)0);
            T w1 = g0[i] + sc * sg, w2 = g0[i] + sc * ((T)2 * w[i]);
            ok1 &= NNC_FN(tst_same_bits)(&g1[i], &w1, 1);
            ok2 &= NNC_FN(tst_same_bits)(&g2[i], &w2, 1);
        }
        CHECKF(ok1, "l1 grad %s n=%lld", TST_DT, (long long)n);
        CHECKF(ok2, "l2 grad %s n=%lld", TST_DT, (long long)n);
        free(w);
        free(g0);
        free(g1);
        free(g2);
    }
    CHECK(NNC_FN(nnc_l1_penalty)(-3, NULL) == 0 && NNC_FN(nnc_l2_penalty)(-3, NULL) == 0);
    NNC_FN(nnc_l1_penalty_grad)(-3, NULL, 1, NULL);
    NNC_FN(nnc_l2_penalty_grad)(-3, NULL, 1, NULL);
    T wn[2] = {(T)NAN, (T)1};
    CHECK(isnan((double)NNC_FN(nnc_l1_penalty)(2, wn)) && isnan((double)NNC_FN(nnc_l2_penalty)(2, wn)));
}

static void NNC_FN(test_optim_steps)(void)
{
    tst_lcg_t g = {19};
    tst_context = "optimizer steps";
    static const int64_t sizes[] = {0, 1, 3, 17, 4099};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int64_t n = sizes[s];
        T *w0 = NNC_FN(tst_random)(n, &g, -1, 1), *gr = NNC_FN(tst_random)(n, &g, -1, 1);
        T *v0 = NNC_FN(tst_random)(n, &g, -0.1, 0.1), *m0 = NNC_FN(tst_random)(n, &g, -0.1, 0.1);
        T *a0 = NNC_FN(tst_random)(n, &g, 0, 0.1);
        const T lr = (T)0.05, mu = (T)0.9;
        /* sgd and momentum: the documented formula, rounded as written */
        T *w = NNC_FN(tst_copy)(w0, n), *v = NNC_FN(tst_copy)(v0, n);
        NNC_FN(nnc_sgd_step)(n, w, gr, lr);
        int ok = 1;
        for (int64_t i = 0; i < n; i++) {
            T want = w0[i] - lr * gr[i];
            ok &= NNC_FN(tst_same_bits)(&w[i], &want, 1);
        }
        CHECKF(ok, "sgd %s n=%lld", TST_DT, (long long)n);
        memcpy(w, w0, (size_t)n * sizeof(T));
        NNC_FN(nnc_momentum_step)(n, w, gr, v, lr, mu);
        ok = 1;
        for (int64_t i = 0; i < n; i++) {
            T vi = mu * v0[i] - lr * gr[i], wi = w0[i] + vi;
            ok &= NNC_FN(tst_same_bits)(&v[i], &vi, 1) && NNC_FN(tst_same_bits)(&w[i], &wi, 1);
        }
        CHECKF(ok, "momentum %s n=%lld", TST_DT, (long long)n);
        /* adam at t = 1 and t = 7 against a double reference */
        for (int64_t t = 1; t <= 7; t += 6) {
            T *m = NNC_FN(tst_copy)(m0, n), *va = NNC_FN(tst_copy)(a0, n);
            memcpy(w, w0, (size_t)n * sizeof(T));
            const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
            CHECK_STATUS(NNC_FN(nnc_adam_step)(n, w, gr, m, va, t, lr, (T)b1, (T)b2, (T)eps),
                         NNC_STATUS_OK);
            ok = 1;
            for (int64_t i = 0; i < n; i++) {
                double b1t = (double)(T)b1, b2t = (double)(T)b2, gi = (double)gr[i];
                double mi = b1t * (double)m0[i] + (1 - b1t) * gi;
                double vi = b2t * (double)a0[i] + (1 - b2t) * gi * gi;
                double mh = mi / (1 - pow(b1t, (double)t)), vh = vi / (1 - pow(b2t, (double)t));
                double wi = (double)w0[i] - (double)lr * mh / (sqrt(vh) + (double)(T)eps);
                /* w moves by at most ~lr; measure the error against that scale */
                ok &= tst_close((double)m[i], mi, 1e2 * TST_RTOL, 1e-2 * TST_ATOL) &&
                      tst_close((double)va[i], vi, 1e2 * TST_RTOL, 1e-2 * TST_ATOL) &&
                      tst_close((double)w[i], wi, 0, 1e2 * TST_EPS);
            }
            CHECKF(ok, "adam %s n=%lld t=%lld", TST_DT, (long long)n, (long long)t);
            free(m);
            free(va);
        }
        free(w0);
        free(gr);
        free(v0);
        free(m0);
        free(a0);
        free(w);
        free(v);
    }
    T one = 1;
    CHECK_STATUS(NNC_FN(nnc_adam_step)(1, &one, &one, &one, &one, 0, (T)0.1, (T)0.9, (T)0.999,
                                       (T)1e-8),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK(one == 1); /* nothing written on error */
    CHECK_STATUS(NNC_FN(nnc_adam_step)(1, &one, &one, &one, &one, -3, (T)0.1, (T)0.9, (T)0.999,
                                       (T)1e-8),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_adam_step)(-1, NULL, NULL, NULL, NULL, 1, (T)0.1, (T)0.9, (T)0.999,
                                       (T)1e-8),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_adam_step)(0, NULL, NULL, NULL, NULL, 1, (T)0.1, (T)0.9, (T)0.999,
                                       (T)1e-8),
                 NNC_STATUS_OK);
    /* a huge t is fine: beta^t underflows to 0 and the bias corrections to 1 */
    T w1 = 1, g1 = 1, m1 = 0, v1 = 0;
    CHECK_STATUS(NNC_FN(nnc_adam_step)(1, &w1, &g1, &m1, &v1, INT64_MAX, (T)0.1, (T)0.9,
                                       (T)0.999, (T)1e-8),
                 NNC_STATUS_OK);
    CHECK(isfinite((double)w1) && w1 < 1);
    NNC_FN(nnc_sgd_step)(-2, NULL, NULL, 1);
    NNC_FN(nnc_momentum_step)(-2, NULL, NULL, NULL, 1, 0);
}

/* ---------------- random fills and initialisers ---------------- */

static void NNC_FN(test_rng_fills)(void)
{
    tst_context = "rng fills";
    nnc_rng_t r1, r2;
    /* uniform: exactly the top 53 / 24 bits of each raw draw, scaled */
    nnc_rng_seed(&r1, 1);
    nnc_rng_seed(&r2, 1);
    T u[1000];
    NNC_FN(nnc_rng_uniform_fill)(&r1, 1000, u, 0, 1);
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        uint64_t raw = nnc_rng_next_u64(&r2);
        T want = NNC_IS_F32 ? (T)((double)(raw >> 40) * 0x1.0p-24)
                            : (T)((double)(raw >> 11) * 0x1.0p-53);
        ok &= u[i] == want && u[i] >= 0 && u[i] < 1;
    }
    CHECKF(ok, "uniform %s is not the documented function of the raw draws", TST_DT);
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0); /* one draw per value */
    {
        /* the first values of seed 1, computed independently */
        static const double f64[3] = {0x1.67e55eda1f8e2p-1, 0x1.0a76ab2c8e6c9p-1,
                                      0x1.25f12eac10548p-1};
        static const double f32[3] = {0x1.67e55ep-1, 0x1.0a76aap-1, 0x1.25f12ep-1};
        for (int i = 0; i < 3; i++)
            CHECKF((double)u[i] == (NNC_IS_F32 ? f32[i] : f64[i]), "uniform %s seed 1 value %d: %a",
                   TST_DT, i, (double)u[i]);
    }
    nnc_rng_seed(&r1, 2);
    NNC_FN(nnc_rng_uniform_fill)(&r1, 1000, u, -3, 5);
    ok = 1;
    for (int i = 0; i < 1000; i++)
        ok &= u[i] >= -3 && u[i] <= 5;
    CHECK(ok);
    NNC_FN(nnc_rng_uniform_fill)(&r1, 10, u, 2, 2);
    CHECK(u[0] == 2 && u[9] == 2);

    /* normal: float32 is the float64 fill rounded once; odd counts discard
     * the spare, so a fill depends only on its start state and n */
    {
        enum { N = 20001 };
        double *d = (double *)malloc(N * sizeof(double));
        float *f = (float *)malloc(N * sizeof(float));
        nnc_rng_seed(&r1, 3);
        nnc_rng_seed(&r2, 3);
        nnc_rng_normal_fill_f64(&r1, N, d, 0.0, 1.0);
        nnc_rng_normal_fill_f32(&r2, N, f, 0.0f, 1.0f);
        ok = memcmp(&r1, &r2, sizeof r1) == 0;
        double s = 0.0, s2 = 0.0;
        for (int i = 0; i < N; i++) {
            ok &= f[i] == (float)d[i];
            s += d[i];
            s2 += d[i] * d[i];
        }
        CHECK(ok);
        double mean = s / N, sd = sqrt(s2 / N - mean * mean);
        CHECKF(fabs(mean) < 0.03 && fabs(sd - 1) < 0.03, "normal sample mean %g std %g", mean, sd);
        free(d);
        free(f);
        T a3[3], a4[4], after3, after4;
        nnc_rng_seed(&r1, 4);
        NNC_FN(nnc_rng_normal_fill)(&r1, 3, a3, 1, 2);
        NNC_FN(nnc_rng_uniform_fill)(&r1, 1, &after3, 0, 1);
        nnc_rng_seed(&r2, 4);
        NNC_FN(nnc_rng_normal_fill)(&r2, 4, a4, 1, 2);
        NNC_FN(nnc_rng_uniform_fill)(&r2, 1, &after4, 0, 1);
        CHECK(a3[0] == a4[0] && a3[1] == a4[1] && a3[2] == a4[2] && after3 == after4);
    }

    /* initialisers */
    T w[600];
    nnc_rng_seed(&r1, 5);
    for (int i = 0; i < 600; i++)
        w[i] = (T)NAN;
    CHECK_STATUS(NNC_FN(nnc_init_fill)(NULL, NNC_INIT_ZEROS, 0, 0, 600, w, 0, 0), NNC_STATUS_OK);
    ok = 1;
    for (int i = 0; i < 600; i++)
        ok &= w[i] == 0;
    CHECK(ok);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(NULL, NNC_INIT_CONSTANT, 0, 0, 600, w, 2.5, 0),
                 NNC_STATUS_OK);
    CHECK(w[0] == (T)2.5 && w[599] == (T)2.5);
    struct {
        nnc_init_t kind;
        int64_t fi, fo;
        double a, b, lim, var;
    } cases[] = {
        {NNC_INIT_UNIFORM, 0, 0, -0.5, 1.5, 1.5, 4.0 / 12.0},
        {NNC_INIT_NORMAL, 0, 0, 0.0, 0.2, 12.1 * 0.2, 0.04},
        {NNC_INIT_XAVIER_UNIFORM, 20, 30, 0, 0, sqrt(6.0 / 50.0), 2.0 / 50.0},
        {NNC_INIT_XAVIER_NORMAL, 20, 30, 0, 0, 12.1 * sqrt(2.0 / 50.0), 2.0 / 50.0},
        {NNC_INIT_HE_UNIFORM, 20, 30, 0, 0, sqrt(6.0 / 20.0), 2.0 / 20.0},
        {NNC_INIT_HE_NORMAL, 20, 30, 0, 0, 12.1 * sqrt(2.0 / 20.0), 2.0 / 20.0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, cases[c].kind, cases[c].fi, cases[c].fo, 600, w,
                                           cases[c].a, cases[c].b),
                     NNC_STATUS_OK);
        double s = 0.0, s2 = 0.0;
        ok = 1;
        for (int i = 0; i < 600; i++) {
            ok &= fabs((double)w[i]) <= cases[c].lim;
            s += (double)w[i];
            s2 += (double)w[i] * (double)w[i];
        }
        double var = s2 / 600 - (s / 600) * (s / 600);
        CHECKF(ok && fabs(var / cases[c].var - 1) < 0.25,
               "init kind %d %s: sample variance %g, expected %g", (int)cases[c].kind, TST_DT, var,
               cases[c].var);
    }
    /* Invalid arguments leave the output untouched. */
    for (int i = 0; i < 4; i++)
        w[i] = (T)7;
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_COUNT, 2, 2, 4, w, 0, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, (nnc_init_t)99, 2, 2, 4, w, 0, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_UNIFORM, 2, 2, -4, w, 0, 1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_UNIFORM, 2, 2, 4, NULL, 0, 1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(NULL, NNC_INIT_UNIFORM, 2, 2, 4, w, 0, 1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_UNIFORM, 2, 2, 4, w, 1, 0),
                 NNC_STATUS_INVALID_ARGUMENT); /* low > high */
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_UNIFORM, 2, 2, 4, w, 0, NAN),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_UNIFORM, 2, 2, 4, w, -1e308, 1e308),
                 NNC_STATUS_INVALID_ARGUMENT); /* the width overflows */
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_NORMAL, 2, 2, 4, w, 0, -1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_NORMAL, 2, 2, 4, w, 0, 1e308),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_NORMAL, 2, 2, 4, w, INFINITY, 1),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(NULL, NNC_INIT_CONSTANT, 2, 2, 4, w, NAN, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(NULL, NNC_INIT_CONSTANT, 2, 2, 4, w, 1e300, 0),
                 NNC_IS_F32 ? NNC_STATUS_INVALID_ARGUMENT : NNC_STATUS_OK);
    for (int i = 0; i < 4; i++)
        w[i] = (T)7;
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_XAVIER_UNIFORM, 0, 3, 4, w, 0, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_XAVIER_NORMAL, 3, 0, 4, w, 0, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_HE_NORMAL, 0, 3, 4, w, 0, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_HE_UNIFORM, -2, 3, 4, w, 0, 0),
                 NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_XAVIER_UNIFORM, INT64_MAX, 1, 4, w, 0, 0),
                 NNC_STATUS_OVERFLOW);
    CHECK(w[0] == 7 && w[3] == 7);
    if (NNC_IS_F32) {
        /* bounds that fit float64 but not float32 */
        CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_UNIFORM, 2, 2, 4, w, 0, 1e300),
                     NNC_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(NNC_FN(nnc_init_fill)(&r1, NNC_INIT_NORMAL, 2, 2, 4, w, 0, 1e38),
                     NNC_STATUS_INVALID_ARGUMENT);
    }
    CHECK_STATUS(NNC_FN(nnc_init_fill)(NULL, NNC_INIT_ZEROS, 0, 0, 0, NULL, 0, 0), NNC_STATUS_OK);
}

/* ---------------- all of the above ---------------- */

static void NNC_FN(run_dtype_tests)(void)
{
    NNC_FN(test_gemm)();
    NNC_FN(test_gemm_kernels)();
    NNC_FN(test_gemv)();
    NNC_FN(test_vector_ops)();
    NNC_FN(test_transpose)();
    NNC_FN(test_activations)();
    NNC_FN(test_losses)();
    NNC_FN(test_cross_entropy_index)();
    NNC_FN(test_penalties)();
    NNC_FN(test_optim_steps)();
    NNC_FN(test_rng_fills)();
}

#undef TST_RTOL
#undef TST_ATOL
#undef TST_EPS
#undef TST_DT
#undef TST_NDIMS
