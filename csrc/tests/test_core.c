/* The C core's own test program: plain C11, no Python.
 *
 * Exercises every kernel declared in nnc_core.h / nnc_decls.h (each GEMM
 * micro-kernel the machine can run, gemm.h) and the training engine
 * (engine.h), in float32 and float64, against simple reference loops in double; edge sizes (0, 1, primes,
 * sizes past any blocking); invalid arguments (negative sizes, ld < cols, size
 * products that overflow, enum values out of range, NULL buffers) and the
 * status each must return; and fixed values of the random number generator.
 *
 * Build and run (see Makefile): `make -C csrc/tests check` (-O3) and
 * `make -C csrc/tests asan` (AddressSanitizer + UndefinedBehaviorSanitizer).
 * Prints every failure, then "N passed, N failed"; exits 1 on any failure. */
#include "engine.h"
#include "gemm.h"
#include "nnc_core.h"
#include "nnc_pool.h"
#include "nnc_thread.h"

#include <stdlib.h>

/* <windows.h> (through nnc_thread.h) defines IN and OUT as empty macros;
 * the engine tests use them as names. */
#undef IN
#undef OUT

#include "test_harness.h"

/* ---------------- dtype-independent parts of the core ---------------- */

static void test_status_and_sizes(void)
{
    tst_context = "status and sizes";
    const char *seen[8] = {0};
    for (int s = NNC_STATUS_OK; s <= NNC_STATUS_INTERRUPTED; s++) {
        const char *str = nnc_status_string((nnc_status_t)s);
        CHECK(str != NULL && str[0] != '\0');
        for (int t = 0; t < s; t++)
            CHECKF(strcmp(seen[t], str) != 0, "statuses %d and %d share the string '%s'", t, s,
                   str);
        seen[s] = str;
    }
    CHECK(strcmp(nnc_status_string((nnc_status_t)99), "unknown status") == 0);

    int64_t r = -1;
    CHECK(nnc_mul_i64(0, INT64_MAX, &r) == 0 && r == 0);
    CHECK(nnc_mul_i64(INT64_MAX, 1, &r) == 0 && r == INT64_MAX);
    CHECK(nnc_mul_i64(2, INT64_MAX / 2, &r) == 0 && r == INT64_MAX - 1);
    CHECK(nnc_mul_i64(2, INT64_MAX / 2 + 1, &r) == -1);
    CHECK(nnc_mul_i64(INT64_C(1) << 31, INT64_C(1) << 31, &r) == 0 && r == INT64_C(1) << 62);
    CHECK(nnc_mul_i64(INT64_C(1) << 32, INT64_C(1) << 31, &r) == -1); /* 2^63 */
    CHECK(nnc_mul_i64(-1, 1, &r) == -1 && nnc_mul_i64(1, -1, &r) == -1);
    CHECK(nnc_add_i64(INT64_MAX, 0, &r) == 0 && r == INT64_MAX);
    CHECK(nnc_add_i64(INT64_MAX, 1, &r) == -1 && nnc_add_i64(1, INT64_MAX, &r) == -1);
    CHECK(nnc_add_i64(-1, 1, &r) == -1 && nnc_add_i64(1, -1, &r) == -1);
    size_t b = 1;
    CHECK(nnc_bytes(0, 8, &b) == 0 && b == 0);
    CHECK(nnc_bytes(INT64_MAX / 8, 8, &b) == 0 && b == (size_t)(INT64_MAX / 8) * 8);
    CHECK(nnc_bytes(INT64_MAX / 8 + 1, 8, &b) == -1);
    CHECK(nnc_bytes(INT64_MAX, 1, &b) == 0);
    CHECK(nnc_bytes(-1, 8, &b) == -1 && nnc_bytes(4, 0, &b) == -1);

    CHECK_STATUS(nnc_check_matrix(0, 0, 0), NNC_STATUS_OK);
    CHECK_STATUS(nnc_check_matrix(3, 2, 5), NNC_STATUS_OK);
    CHECK_STATUS(nnc_check_matrix(1, 3, 0), NNC_STATUS_OK); /* one row: ld unused */
    CHECK_STATUS(nnc_check_matrix(2, 3, 2), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_check_matrix(-1, 3, 3), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_check_matrix(3, -1, 3), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_check_matrix(3, 3, -3), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_check_matrix(INT64_MAX, 2, 2), NNC_STATUS_OVERFLOW);
    CHECK_STATUS(nnc_check_matrix(2, INT64_MAX, INT64_MAX), NNC_STATUS_OVERFLOW);
}

static void test_names(void)
{
    tst_context = "ops.def names";
    /* every table entry is a distinct non-empty name */
    for (int i = 0; i < NNC_ACT_COUNT; i++) {
        CHECK(nnc_act_names[i] != NULL && nnc_act_names[i][0] != '\0');
        for (int j = 0; j < i; j++)
            CHECK(strcmp(nnc_act_names[i], nnc_act_names[j]) != 0);
    }
    for (int i = 0; i < NNC_LOSS_COUNT; i++) {
        CHECK(nnc_loss_names[i] != NULL && nnc_loss_names[i][0] != '\0');
        for (int j = 0; j < i; j++)
            CHECK(strcmp(nnc_loss_names[i], nnc_loss_names[j]) != 0);
    }
    for (int i = 0; i < NNC_OPT_COUNT; i++) {
        CHECK(nnc_opt_names[i] != NULL && nnc_opt_names[i][0] != '\0');
        for (int j = 0; j < i; j++)
            CHECK(strcmp(nnc_opt_names[i], nnc_opt_names[j]) != 0);
    }
    /* enum value and name agree (the tables are indexed by the enums) */
    CHECK(strcmp(nnc_act_names[NNC_ACT_SIGMOID], "sigmoid") == 0);
    CHECK(strcmp(nnc_act_names[NNC_ACT_LOG_SOFTMAX], "log_softmax") == 0);
    CHECK(strcmp(nnc_loss_names[NNC_LOSS_MSE], "mse") == 0);
    CHECK(strcmp(nnc_loss_names[NNC_LOSS_KL], "kl_divergence") == 0);
    CHECK(strcmp(nnc_opt_names[NNC_OPT_ADAM], "adam") == 0);
}

/* Reference values computed independently (a separate Python implementation
 * of splitmix64 seeding and xoshiro256** 1.0).  splitmix64's first output for
 * seed 0, 0xe220a8397b1dcdaf, is the widely published one. */
static void test_rng_integers(void)
{
    tst_context = "rng";
    static const struct {
        uint64_t seed;
        uint64_t state[4];
        uint64_t first[4];
    } ref[] = {
        {0,
         {UINT64_C(0xe220a8397b1dcdaf), UINT64_C(0x6e789e6aa1b965f4), UINT64_C(0x06c45d188009454f),
          UINT64_C(0xf88bb8a8724c81ec)},
         {UINT64_C(0x99ec5f36cb75f2b4), UINT64_C(0xbf6e1f784956452a), UINT64_C(0x1a5f849d4933e6e0),
          UINT64_C(0x6aa594f1262d2d2c)}},
        {42,
         {UINT64_C(0xbdd732262feb6e95), UINT64_C(0x28efe333b266f103), UINT64_C(0x47526757130f9f52),
          UINT64_C(0x581ce1ff0e4ae394)},
         {UINT64_C(0x15780b2e0c2ec716), UINT64_C(0x6104d9866d113a7e), UINT64_C(0xae17533239e499a1),
          UINT64_C(0xecb8ad4703b360a1)}},
        {UINT64_MAX,
         {UINT64_C(0xe4d971771b652c20), UINT64_C(0xe99ff867dbf682c9), UINT64_C(0x382ff84cb27281e9),
          UINT64_C(0x6d1db36ccba982d2)},
         {UINT64_C(0x8f5520d52a7ead08), UINT64_C(0xc476a018caa1802d), UINT64_C(0x81de31c0d260469e),
          UINT64_C(0xbf658d7e065f3c2f)}},
    };
    for (size_t c = 0; c < sizeof ref / sizeof ref[0]; c++) {
        nnc_rng_t r;
        nnc_rng_seed(&r, ref[c].seed);
        CHECKF(memcmp(r.s, ref[c].state, sizeof r.s) == 0, "seed %llu: wrong state",
               (unsigned long long)ref[c].seed);
        for (int i = 0; i < 4; i++) {
            uint64_t v = nnc_rng_next_u64(&r);
            CHECKF(v == ref[c].first[i], "seed %llu draw %d: %016llx", (unsigned long long)ref[c].seed,
                   i, (unsigned long long)v);
        }
    }
    /* jump: state of seed 0 after 2^128 draws */
    {
        static const uint64_t jumped[4] = {UINT64_C(0xfee4f58cd4a88d82), UINT64_C(0xeb57cb7870f7d5a3),
                                           UINT64_C(0x076f2d192bd2720f), UINT64_C(0xb0a71cb77110d77b)};
        nnc_rng_t r;
        nnc_rng_seed(&r, 0);
        nnc_rng_jump(&r);
        CHECK(memcmp(r.s, jumped, sizeof r.s) == 0);
    }
    /* bounded integers and permutations of seed 7 */
    {
        static const uint64_t b10[10] = {7, 2, 8, 9, 9, 8, 0, 1, 4, 1};
        static const int64_t p10[10] = {1, 8, 3, 0, 4, 5, 9, 6, 2, 7};
        nnc_rng_t r;
        nnc_rng_seed(&r, 7);
        int ok = 1;
        for (int i = 0; i < 10; i++)
            ok &= nnc_rng_bounded(&r, 10) == b10[i];
        CHECK(ok);
        int64_t p[10];
        nnc_rng_seed(&r, 7);
        CHECK_STATUS(nnc_rng_permutation(&r, 10, p), NNC_STATUS_OK);
        CHECK(memcmp(p, p10, sizeof p) == 0);
    }
    /* bounded: always below the bound, bound 1 gives 0 */
    {
        nnc_rng_t r, r2;
        nnc_rng_seed(&r, 8);
        int ok = 1;
        const uint64_t bounds[] = {1, 2, 3, 1000003, (UINT64_C(1) << 63) + 1, UINT64_MAX};
        for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++)
            for (int i = 0; i < 2000; i++)
                ok &= nnc_rng_bounded(&r, bounds[b]) < bounds[b];
        CHECK(ok);
        nnc_rng_seed(&r, 9);
        nnc_rng_seed(&r2, 9);
        CHECK(nnc_rng_bounded(&r, 1) == 0);
        (void)nnc_rng_next_u64(&r2);
        CHECK(memcmp(&r, &r2, sizeof r) == 0); /* bound 1: exactly one draw */
    }
    /* permutations: every value exactly once; edge sizes; bad arguments */
    {
        enum { N = 1009 };
        static int64_t p[N];
        static unsigned char seen[N];
        nnc_rng_t r;
        nnc_rng_seed(&r, 10);
        CHECK_STATUS(nnc_rng_permutation(&r, N, p), NNC_STATUS_OK);
        int ok = 1;
        memset(seen, 0, sizeof seen);
        for (int i = 0; i < N; i++) {
            ok &= p[i] >= 0 && p[i] < N && !seen[p[i]];
            if (p[i] >= 0 && p[i] < N)
                seen[p[i]] = 1;
        }
        CHECK(ok);
        int64_t one = 5;
        CHECK_STATUS(nnc_rng_permutation(&r, 1, &one), NNC_STATUS_OK);
        CHECK(one == 0);
        CHECK_STATUS(nnc_rng_permutation(&r, 0, NULL), NNC_STATUS_OK);
        CHECK_STATUS(nnc_rng_permutation(NULL, 0, NULL), NNC_STATUS_OK);
        CHECK_STATUS(nnc_rng_permutation(&r, -1, p), NNC_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(nnc_rng_permutation(NULL, 3, p), NNC_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(nnc_rng_permutation(&r, 3, NULL), NNC_STATUS_INVALID_ARGUMENT);
    }
}

/* ---------------- the dtype-generic kernels, twice ---------------- */

#define NNC_DTYPE_F64
#include "nnc_tmpl.h"
#include "test_core_impl.h"
#include "test_engine_impl.h"

#define NNC_DTYPE_F32
#include "nnc_tmpl.h"
#include "test_core_impl.h"
#include "test_engine_impl.h"

#include "nnc_tmpl_end.h"

/* ---------------- the worker pool and the thread layer ---------------- */

typedef struct {
    nnc_mutex_t lock;
    int calls;
    unsigned long seen; /* bit t: thread index t ran */
    int repeated;       /* an index ran twice in one run */
} pool_count_t;

static void pool_count(void *arg, int thread)
{
    pool_count_t *c = (pool_count_t *)arg;
    nnc_mutex_lock(&c->lock);
    c->calls++;
    if (thread < 0 || thread >= 32 || (c->seen & (1ul << thread)) != 0)
        c->repeated = 1;
    else
        c->seen |= 1ul << thread;
    nnc_mutex_unlock(&c->lock);
}

/* A poll that counts its calls (only the calling thread may make them: a
 * worker's call would race on `calls`, which ThreadSanitizer reports) and
 * asks to stop at call `stop_at` (0: never). */
typedef struct {
    int calls, stop_at;
} poll_count_t;

static int poll_count(void *ctx)
{
    poll_count_t *p = (poll_count_t *)ctx;
    p->calls++;
    return p->stop_at > 0 && p->calls >= p->stop_at;
}

/* Big products polled on the pool: same bits as one thread; a poll that asks
 * to stop gives INTERRUPTED. */
static void test_pool_poll(nnc_pool_t *pool)
{
    tst_context = "worker pool, polled products";
    const int64_t m = 432, n = 420, k = 424; /* 77 M multiply-adds: polled */
    float *a = (float *)malloc(sizeof(float) * (size_t)(m * k));
    float *b = (float *)malloc(sizeof(float) * (size_t)(k * n));
    float *c1 = (float *)malloc(sizeof(float) * (size_t)(m * n));
    float *c2 = (float *)malloc(sizeof(float) * (size_t)(m * n));
    CHECK(a != NULL && b != NULL && c1 != NULL && c2 != NULL);
    if (a != NULL && b != NULL && c1 != NULL && c2 != NULL) {
        for (int64_t i = 0; i < m * k; i++)
            a[i] = (float)((i * 7919) % 1009) / 1009.0f - 0.5f;
        for (int64_t i = 0; i < k * n; i++)
            b[i] = (float)((i * 104729) % 997) / 997.0f - 0.5f;
        for (int ta = 0; ta < 2; ta++) {
            /* ta: A stored transposed (the packed path); else the direct path */
            const int64_t lda = ta ? m : k;
            CHECK_STATUS(nnc_gemm_f32(ta, 0, m, n, k, 1.0f, a, lda, b, n, 0.0f, c1, n, 1),
                         NNC_STATUS_OK);
            for (int t = 1; t <= 3; t++) {
                poll_count_t pc = {0, 0};
                CHECK_STATUS(nnc_gemm_pool_poll_f32(pool, ta, 0, m, n, k, 1.0f, a, lda, b, n,
                                                    0.0f, c2, n, t, poll_count, &pc),
                             NNC_STATUS_OK);
                CHECKF(memcmp(c1, c2, sizeof(float) * (size_t)(m * n)) == 0,
                       "polled product on %d threads (trans_a %d) differs", t, ta);
                /* The direct path polls after every panel of B, so at least
                 * once; on the packed path the caller polls only while it
                 * computes, and busy workers may take every piece. */
                CHECKF(ta || pc.calls >= 1, "polled product on %d threads never polled", t);
                poll_count_t stop = {0, 1};
                const nnc_status_t st = nnc_gemm_pool_poll_f32(
                    pool, ta, 0, m, n, k, 1.0f, a, lda, b, n, 0.0f, c2, n, t, poll_count, &stop);
                CHECKF(st == NNC_STATUS_INTERRUPTED ||
                           (ta && stop.calls == 0 && st == NNC_STATUS_OK &&
                            memcmp(c1, c2, sizeof(float) * (size_t)(m * n)) == 0),
                       "stopped product on %d threads (trans_a %d): status %d after %d polls", t,
                       ta, (int)st, stop.calls);
            }
        }
    }
    free(a);
    free(b);
    free(c1);
    free(c2);
}

static void test_pool(void)
{
    tst_context = "worker pool";
    pool_count_t c;
    CHECK(nnc_mutex_init(&c.lock) == 0);
    nnc_pool_t *pool = NULL;
    CHECK_STATUS(nnc_pool_create(-1, &pool), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_pool_create(NNC_POOL_MAX_THREADS, &pool), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_pool_create(1, NULL), NNC_STATUS_INVALID_ARGUMENT);
    CHECK(nnc_pool_acquire(NULL) == 0);
    nnc_pool_release(NULL);
    nnc_pool_free(NULL);
    CHECK_STATUS(nnc_pool_create(3, &pool), NNC_STATUS_OK);
    CHECK(pool != NULL);
    if (pool == NULL)
        return;
    CHECK(nnc_pool_workers(pool) == (NNC_HAVE_THREADS ? 3 : 0));
    CHECK(nnc_pool_acquire(pool) == 1);
#if NNC_HAVE_THREADS
    CHECK(nnc_pool_acquire(pool) == 0); /* one caller at a time */
#endif
    /* Many runs in a row: every generation wakes exactly the workers asked. */
    for (int rep = 0; rep < 200; rep++) {
        for (int n = 0; n <= 6; n++) {
            c.calls = 0;
            c.seen = 0;
            c.repeated = 0;
            int ran = nnc_pool_run(pool, n, pool_count, &c);
            CHECKF(ran == c.calls && ran >= 1 && ran <= (n < 1 ? 1 : n),
                   "run %d on %d threads: %d calls, %d reported", rep, n, c.calls, ran);
            /* Indices 0..ran-1, each once: 0 is the caller. */
            CHECKF(!c.repeated && c.seen == (1ul << ran) - 1ul,
                   "run %d on %d threads: thread indices %#lx", rep, n, c.seen);
            if (NNC_HAVE_THREADS && n <= 4)
                CHECKF(ran == (n < 1 ? 1 : n), "pooled run on %d threads ran %d", n, ran);
        }
    }
    c.calls = 0;
    c.seen = 0;
    c.repeated = 0;
    CHECK(nnc_pool_run(NULL, 3, pool_count, &c) == c.calls && c.calls >= 1);
    CHECK(!c.repeated && c.seen == (1ul << c.calls) - 1ul);

    /* Products on the pool equal one-thread products bit for bit. */
    const int64_t m = 203, n = 151, k = 177;
    double *a = (double *)malloc(sizeof(double) * (size_t)(m * k));
    double *b = (double *)malloc(sizeof(double) * (size_t)(k * n));
    double *c1 = (double *)malloc(sizeof(double) * (size_t)(m * n));
    double *c2 = (double *)malloc(sizeof(double) * (size_t)(m * n));
    CHECK(a != NULL && b != NULL && c1 != NULL && c2 != NULL);
    if (a != NULL && b != NULL && c1 != NULL && c2 != NULL) {
        for (int64_t i = 0; i < m * k; i++)
            a[i] = (double)((i * 7919) % 1009) / 1009.0 - 0.5;
        for (int64_t i = 0; i < k * n; i++)
            b[i] = (double)((i * 104729) % 997) / 997.0 - 0.5;
        for (int tb = 0; tb < 2; tb++) {
            CHECK_STATUS(nnc_gemm_f64(0, tb, m, n, k, 1.0, a, k, b, tb ? k : n, 0.0, c1, n, 1),
                         NNC_STATUS_OK);
            for (int t = 2; t <= 4; t++) {
                CHECK_STATUS(nnc_gemm_pool_f64(pool, 0, tb, m, n, k, 1.0, a, k, b, tb ? k : n,
                                               0.0, c2, n, t),
                             NNC_STATUS_OK);
                CHECKF(memcmp(c1, c2, sizeof(double) * (size_t)(m * n)) == 0,
                       "pooled product on %d threads (trans_b %d) differs", t, tb);
            }
        }
    }
    free(a);
    free(b);
    free(c1);
    free(c2);
    test_pool_poll(pool);
    test_pool_poll(NULL);
    nnc_pool_release(pool);
    nnc_pool_free(pool);
    nnc_mutex_destroy(&c.lock);
}

int main(void)
{
    test_status_and_sizes();
    test_pool();
    test_names();
    test_rng_integers();
    run_dtype_tests_f64();
    run_dtype_tests_f32();
    run_engine_tests_f64();
    run_engine_tests_f32();
    printf("%ld passed, %ld failed\n", tst_passed, tst_failed);
    return tst_failed == 0 ? 0 : 1;
}
