/* A tiny test harness for the C core's test program (no Python, no
 * framework): CHECK counts a pass or prints the failure with its location,
 * and the program ends with "N passed, N failed".
 *
 * Everything here is static: the harness is included by exactly one
 * translation unit, test_core.c. */
#ifndef NNC_TEST_HARNESS_H
#define NNC_TEST_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static long tst_passed = 0;
static long tst_failed = 0;
static const char *tst_context = ""; /* the running test's name, for messages */

static void tst_report(int ok, const char *file, int line, const char *expr)
{
    if (ok) {
        tst_passed++;
        return;
    }
    tst_failed++;
    fprintf(stderr, "FAIL %s:%d [%s] %s\n", file, line, tst_context, expr);
}

#define CHECK(cond) tst_report((cond) ? 1 : 0, __FILE__, __LINE__, #cond)

/* CHECK with a printf-style explanation on failure. */
#define CHECKF(cond, ...)                                                                  \
    do {                                                                                   \
        int tst_ok_ = (cond) ? 1 : 0;                                                      \
        tst_report(tst_ok_, __FILE__, __LINE__, #cond);                                    \
        if (!tst_ok_) {                                                                    \
            fprintf(stderr, "     ");                                                      \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
        }                                                                                  \
    } while (0)

/* Status comparisons print both statuses by name. */
#define CHECK_STATUS(got, want)                                                            \
    do {                                                                                   \
        nnc_status_t tst_g_ = (got), tst_w_ = (want);                                      \
        CHECKF(tst_g_ == tst_w_, "status %d (%s), expected %d (%s)", (int)tst_g_,          \
               nnc_status_string(tst_g_), (int)tst_w_, nnc_status_string(tst_w_));         \
    } while (0)

/* |got - want| <= atol + rtol * |want|, with NaN equal to NaN and infinities
 * equal only to themselves (same sign). */
static int tst_close(double got, double want, double rtol, double atol)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got))
        return got == want;
    return fabs(got - want) <= atol + rtol * fabs(want);
}

/* A small deterministic generator for test data, independent of nnc's RNG
 * (so a broken nnc RNG cannot hide a broken kernel).  Values in [lo, hi). */
typedef struct {
    uint64_t s;
} tst_lcg_t;

static double tst_uniform(tst_lcg_t *g, double lo, double hi)
{
    g->s = g->s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    double u = (double)(g->s >> 11) * 0x1.0p-53;
    return lo + (hi - lo) * u;
}

/* Elements of a rows x cols view with leading dimension ld, stored tightly. */
static int64_t tst_extent(int64_t rows, int64_t cols, int64_t ld)
{
    return rows == 0 ? 0 : (rows - 1) * ld + cols;
}

#endif /* NNC_TEST_HARNESS_H */
