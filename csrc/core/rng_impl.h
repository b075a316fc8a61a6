/* Uniform and normal fills and the weight initialisers, written once against T
 * (see nnc_tmpl.h); included twice by rng.c, which defines the helpers used
 * here (rng_unit53, rng_unit24, rng_normal_pair).  No include guard. */

/* out[i] = low + (high - low) * u, evaluated in T; u has 53 random bits for
 * float64 and 24 for float32, so every value takes exactly one 64-bit draw.
 * u < 1, but low + (high - low) * u may round up to high when high - low is
 * tiny next to |low|: the result lies in [low, high]. */
void NNC_FN(nnc_rng_uniform_fill)(nnc_rng_t *rng, int64_t n, T *out, T low, T high)
{
    const T width = high - low;
    for (int64_t i = 0; i < n; i++) {
#if NNC_IS_F32
        const T u = rng_unit24(rng);
#else
        const T u = rng_unit53(rng);
#endif
        out[i] = low + width * u;
    }
}

/* mean + std * z with z standard normal from the polar method, computed in
 * double and rounded to T once, so a float32 fill holds exactly the float64
 * fill (same state, same mean and std) rounded to float32.  Values are made in
 * pairs; when n is odd the last pair's second value is discarded, so a fill
 * depends only on the state it starts from and n. */
static void NNC_FN(rng_normal_fill_d)(nnc_rng_t *rng, int64_t n, T *out, double mean,
                                      double std)
{
    double z0, z1;
    int64_t i = 0;
    for (; i + 1 < n; i += 2) {
        rng_normal_pair(rng, &z0, &z1);
        out[i] = (T)(mean + std * z0);
        out[i + 1] = (T)(mean + std * z1);
    }
    if (i < n) {
        rng_normal_pair(rng, &z0, &z1);
        out[i] = (T)(mean + std * z0);
    }
}

void NNC_FN(nnc_rng_normal_fill)(nnc_rng_t *rng, int64_t n, T *out, T mean, T std)
{
    NNC_FN(rng_normal_fill_d)(rng, n, out, (double)mean, (double)std);
}

/* Uniform U(low, high) after checking that the bounds and their difference
 * are finite in T (a float64 bound can overflow float32). */
static nnc_status_t NNC_FN(init_uniform)(nnc_rng_t *rng, int64_t n, T *out, double low,
                                         double high)
{
    const T lo = (T)low, hi = (T)high;
    if (!(isfinite(lo) && isfinite(hi) && lo <= hi && isfinite(hi - lo)))
        return NNC_STATUS_INVALID_ARGUMENT;
    NNC_FN(nnc_rng_uniform_fill)(rng, n, out, lo, hi);
    return NNC_STATUS_OK;
}

static nnc_status_t NNC_FN(init_normal)(nnc_rng_t *rng, int64_t n, T *out, double mean,
                                        double std)
{
    /* The polar method gives |z| <= sqrt(-2 ln s) with s >= 2^-104, so
     * |z| < 12.1: mean + std * z is finite in T when mean +- 16 std is. */
    const double reach = 16.0 * std;
    if (!(isfinite(mean) && isfinite(std) && std >= 0.0 && isfinite(reach)))
        return NNC_STATUS_INVALID_ARGUMENT;
    if (!(isfinite((T)(mean + reach)) && isfinite((T)(mean - reach))))
        return NNC_STATUS_INVALID_ARGUMENT;
    NNC_FN(rng_normal_fill_d)(rng, n, out, mean, std);
    return NNC_STATUS_OK;
}

/* Xavier/Glorot (Glorot & Bengio 2010) keeps the activation variance roughly
 * constant forwards and the gradient variance backwards by giving each weight
 * variance 2 / (fan_in + fan_out); He (He et al. 2015) uses 2 / fan_in because
 * ReLU zeroes half of its inputs.  A uniform U(-l, l) has variance l^2 / 3,
 * hence l = sqrt(3 * variance). */
nnc_status_t NNC_FN(nnc_init_fill)(nnc_rng_t *rng, nnc_init_t kind, int64_t fan_in,
                                   int64_t fan_out, int64_t n, T *out, double a, double b)
{
    int64_t fan_sum;
    if (n < 0 || (n > 0 && out == NULL))
        return NNC_STATUS_INVALID_ARGUMENT;
    if (rng == NULL && kind != NNC_INIT_ZEROS && kind != NNC_INIT_CONSTANT)
        return NNC_STATUS_INVALID_ARGUMENT;
    switch (kind) {
    case NNC_INIT_ZEROS:
        for (int64_t i = 0; i < n; i++)
            out[i] = (T)0;
        return NNC_STATUS_OK;
    case NNC_INIT_CONSTANT: {
        const T v = (T)a;
        if (!isfinite(v))
            return NNC_STATUS_INVALID_ARGUMENT;
        for (int64_t i = 0; i < n; i++)
            out[i] = v;
        return NNC_STATUS_OK;
    }
    case NNC_INIT_UNIFORM:
        return NNC_FN(init_uniform)(rng, n, out, a, b);
    case NNC_INIT_NORMAL:
        return NNC_FN(init_normal)(rng, n, out, a, b);
    case NNC_INIT_XAVIER_UNIFORM:
    case NNC_INIT_XAVIER_NORMAL:
        if (fan_in < 1 || fan_out < 1)
            return NNC_STATUS_INVALID_ARGUMENT;
        if (nnc_add_i64(fan_in, fan_out, &fan_sum) != 0)
            return NNC_STATUS_OVERFLOW;
        if (kind == NNC_INIT_XAVIER_UNIFORM) {
            const double l = sqrt(6.0 / (double)fan_sum);
            return NNC_FN(init_uniform)(rng, n, out, -l, l);
        }
        return NNC_FN(init_normal)(rng, n, out, 0.0, sqrt(2.0 / (double)fan_sum));
    case NNC_INIT_HE_UNIFORM:
    case NNC_INIT_HE_NORMAL:
        if (fan_in < 1)
            return NNC_STATUS_INVALID_ARGUMENT;
        if (kind == NNC_INIT_HE_UNIFORM) {
            const double l = sqrt(6.0 / (double)fan_in);
            return NNC_FN(init_uniform)(rng, n, out, -l, l);
        }
        return NNC_FN(init_normal)(rng, n, out, 0.0, sqrt(2.0 / (double)fan_in));
    case NNC_INIT_COUNT:
        break;
    }
    return NNC_STATUS_INVALID_ARGUMENT;
}
