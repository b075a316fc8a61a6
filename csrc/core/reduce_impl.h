/* Fixed-order reductions: the one summation order every kernel that adds up
 * many terms uses (dot products, loss values, penalty sums, gradient sums down
 * the rows of a batch, softmax row sums).  Written once against T (see
 * nnc_tmpl.h); the order itself and the double-accumulator helpers are
 * defined on the first inclusion only.  Include it after nnc_tmpl.h.
 *
 * THE ORDER.  A sum of n terms t_0 .. t_{n-1} keeps NNC_RED_LANES = 16
 * partial sums ("lanes"), each starting at -0.0.
 *  - n <= NNC_RED_SHORT (32): every term goes to lane 0, left to right, so the
 *    sum is (((-0.0 + t_0) + t_1) + ...) + t_{n-1}: the order of a textbook
 *    loop.  The chapters' small examples (one sample, four points, a batch of
 *    five) therefore match a scalar Python loop bit for bit, and a chain this
 *    short costs less than spreading it over lanes would save.
 *  - n > NNC_RED_SHORT: term k is added to lane k mod 16, in increasing k.
 * Either way the lanes are then combined by halving:
 *     lane[l] += lane[l + 8]  (l < 8),  lane[l] += lane[l + 4]  (l < 4),
 *     lane[l] += lane[l + 2]  (l < 2),  lane[0] += lane[1],
 * and lane[0] is the sum (for a short sum the other lanes are -0.0, which
 * leaves it unchanged).  The empty sum is +0.0 (as NumPy gives).
 *
 * Why this order:
 *  - it depends on n alone: not on the machine, the vector width the compiler
 *    picks, the thread count or the memory layout (strided and contiguous
 *    inputs give the same bits), so results repeat bit for bit;
 *  - for long sums, sixteen independent chains hide the latency of
 *    floating-point addition (a single running sum waits ~4 cycles per term)
 *    and map onto 4 AVX2 or 8 SSE2 registers of doubles without reassociating
 *    anything, which the compiler may not do on its own (-ffp-contract=off,
 *    no -ffast-math);
 *  - -0.0 is the exact additive identity (-0.0 + x == x for every x,
 *    including -0.0), so a sum of ONE term is exactly that term. */

#ifndef NNC_REDUCE_ORDER_DEFINED
#define NNC_REDUCE_ORDER_DEFINED

#define NNC_RED_LANES 16

/* Sums of at most this many terms run left to right in lane 0. */
#define NNC_RED_SHORT 32

/* Runs the statement(s) `...` once for every k in [0, n) in increasing order,
 * with the int `l` naming the lane term k goes to: 0 for a short sum, else
 * k mod NNC_RED_LANES.  Full blocks of 16 run as an inner loop over l with
 * constant bounds (which the compiler unrolls and vectorises); the last
 * n mod 16 terms follow. */
#define NNC_RED_FOR(n, k, l, ...)                                                               \
    do {                                                                                        \
        const int64_t nnc_red_n_ = (n);                                                         \
        int64_t nnc_red_i_ = 0;                                                                 \
        if (nnc_red_n_ <= NNC_RED_SHORT) {                                                      \
            for (; nnc_red_i_ < nnc_red_n_; nnc_red_i_++) {                                     \
                const int l = 0;                                                                \
                const int64_t k = nnc_red_i_;                                                   \
                __VA_ARGS__                                                                     \
            }                                                                                   \
            break;                                                                              \
        }                                                                                       \
        for (; nnc_red_i_ + NNC_RED_LANES <= nnc_red_n_; nnc_red_i_ += NNC_RED_LANES) {         \
            for (int l = 0; l < NNC_RED_LANES; l++) {                                           \
                const int64_t k = nnc_red_i_ + l;                                               \
                __VA_ARGS__                                                                     \
            }                                                                                   \
        }                                                                                       \
        for (int l = 0; nnc_red_i_ < nnc_red_n_; nnc_red_i_++, l++) {                           \
            const int64_t k = nnc_red_i_;                                                       \
            __VA_ARGS__                                                                         \
        }                                                                                       \
    } while (0)

/* The same order as NNC_RED_FOR without unrolling: a short sum runs in lane
 * 0 (kept in a register), a long one in one plain loop whose lane index is
 * computed (so its lanes live in memory).  For bodies that call exp or log,
 * which do not vectorise anyway and whose latency already hides the adds':
 * two copies of the body instead of eighteen keep the code small. */
#define NNC_RED_FOR_COMPACT(n, k, l, ...)                                                       \
    do {                                                                                        \
        const int64_t nnc_red_n_ = (n);                                                         \
        if (nnc_red_n_ <= NNC_RED_SHORT) {                                                      \
            for (int64_t k = 0; k < nnc_red_n_; k++) {                                          \
                const int l = 0;                                                                \
                __VA_ARGS__                                                                     \
            }                                                                                   \
            break;                                                                              \
        }                                                                                       \
        for (int64_t k = 0; k < nnc_red_n_; k++) {                                              \
            const int l = (int)(k % NNC_RED_LANES);                                             \
            __VA_ARGS__                                                                         \
        }                                                                                       \
    } while (0)

/* NNC_RED_FOR_IF(vec)(n, k, l, ...) is NNC_RED_FOR when vec is 1 and
 * NNC_RED_FOR_COMPACT when it is 0 (for code generated per operation). */
#define NNC_RED_FOR_IF(vec) NNC_RED_FOR_IF_(vec)
#define NNC_RED_FOR_IF_(vec) NNC_RED_FOR_VEC_##vec
#define NNC_RED_FOR_VEC_1 NNC_RED_FOR
#define NNC_RED_FOR_VEC_0 NNC_RED_FOR_COMPACT

/* Lane arrays: init sets every lane to -0.0; combine folds them in the
 * halving order above (the lanes are clobbered) and returns the sum of n
 * terms (+0.0 when n == 0).  _f64 and _f32 name the accumulator type, so
 * T-generic code writes NNC_FN(nnc_red_init) (or NNC_CAT(nnc_red_init,
 * NNC_SFX) in a body compiled per instruction set) and code that accumulates in
 * double whatever T is writes nnc_red_init_f64. */
static inline void nnc_red_init_f64(double *lane)
{
    for (int l = 0; l < NNC_RED_LANES; l++)
        lane[l] = -0.0;
}

static inline void nnc_red_init_f32(float *lane)
{
    for (int l = 0; l < NNC_RED_LANES; l++)
        lane[l] = -0.0f;
}

static inline double nnc_red_combine_f64(double *lane, int64_t n)
{
    if (n <= 0)
        return 0.0;
    if (n <= NNC_RED_SHORT)
        return lane[0]; /* the other lanes hold -0.0: adding them changes nothing */
    for (int w = NNC_RED_LANES / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; l++)
            lane[l] = lane[l] + lane[l + w];
    return lane[0];
}

static inline float nnc_red_combine_f32(float *lane, int64_t n)
{
    if (n <= 0)
        return 0.0f;
    if (n <= NNC_RED_SHORT)
        return lane[0]; /* the other lanes hold -0.0: adding them changes nothing */
    for (int w = NNC_RED_LANES / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; l++)
            lane[l] = lane[l] + lane[l + w];
    return lane[0];
}

#endif /* NNC_REDUCE_ORDER_DEFINED */

/* sum_k x[k * sx] in the fixed order, accumulated in T. */
static inline T NNC_FN(nnc_red_sum)(int64_t n, const T *x, int64_t sx)
{
    T lane[NNC_RED_LANES];
    NNC_CAT(nnc_red_init, NNC_SFX)(lane);
    if (sx == 1)
        NNC_RED_FOR(n, k, l, lane[l] = lane[l] + x[k];);
    else
        NNC_RED_FOR(n, k, l, lane[l] = lane[l] + x[k * sx];);
    return NNC_CAT(nnc_red_combine, NNC_SFX)(lane, n);
}

/* sum_k x[k * sx] * y[k * sy] in the fixed order, accumulated in T; each
 * product is rounded to T before it is added (no fused multiply-add). */
static inline T NNC_FN(nnc_red_dot)(int64_t n, const T *x, int64_t sx, const T *y, int64_t sy)
{
    T lane[NNC_RED_LANES];
    NNC_CAT(nnc_red_init, NNC_SFX)(lane);
    if (sx == 1 && sy == 1)
        NNC_RED_FOR(n, k, l, lane[l] = lane[l] + x[k] * y[k];);
    else
        NNC_RED_FOR(n, k, l, lane[l] = lane[l] + x[k * sx] * y[k * sy];);
    return NNC_CAT(nnc_red_combine, NNC_SFX)(lane, n);
}

#ifndef NNC_RED_EXP_CHUNK
/* Elements per chunk of nnc_red_expsum's stack buffer (a multiple of the
 * lane count, so a chunk starts at lane 0). */
#define NNC_RED_EXP_CHUNK 256
#endif

/* sum_k exp(x[k] - m) for k < n, accumulated in double in the fixed order;
 * when out is not NULL it also receives out[k] = exp(x[k] - m) (out may alias
 * x).  The exponentials come from the vector math's array form, a chunk at a
 * time, so the result is the same bits as a loop over NNC_EXP. */
static inline double NNC_FN(nnc_red_expsum)(int64_t n, const T *x, T m, T *out)
{
    double lane[NNC_RED_LANES];
    T buf[NNC_RED_EXP_CHUNK];
    const nnc_isa_t isa = nnc_isa_best();
    nnc_red_init_f64(lane);
    for (int64_t k0 = 0; k0 < n; k0 += NNC_RED_EXP_CHUNK) {
        const int64_t c = n - k0 < NNC_RED_EXP_CHUNK ? n - k0 : NNC_RED_EXP_CHUNK;
        int64_t j = 0;
        for (int64_t i = 0; i < c; i++)
            buf[i] = x[k0 + i] - m;
        NNC_VM(exp)(isa, c, buf, buf);
        if (n <= NNC_RED_SHORT) {
            for (; j < c; j++)
                lane[0] = lane[0] + (double)buf[j];
        }
        else {
            for (; j + NNC_RED_LANES <= c; j += NNC_RED_LANES)
                for (int l = 0; l < NNC_RED_LANES; l++)
                    lane[l] = lane[l] + (double)buf[j + l];
            for (int l = 0; j < c; j++, l++)
                lane[l] = lane[l] + (double)buf[j];
        }
        if (out != NULL)
            for (int64_t i = 0; i < c; i++)
                out[k0 + i] = buf[i];
    }
    return nnc_red_combine_f64(lane, n);
}
