/* Tests of the training engine (engine.h), written once against T and
 * included twice by test_core.c.  No include guard.
 *
 * Every record buffer is allocated to its exact documented size, so that
 * under AddressSanitizer an engine writing one value too many is reported. */

#define TE_RTOL (NNC_IS_F32 ? 2e-5 : 1e-12)
#define TE_DT (NNC_IS_F32 ? "f32" : "f64")

/* A linear model Dense(3 -> 2) with bias: params[0] = W (3 x 2), params[1] = b. */
typedef struct {
    nnc_layer_t layer;
    nnc_param_t params[2];
    T w[6], b[2], gw[6], gb[2], s1[8], s2[8];
    nnc_net_t net;
} NNC_FN(te_linear);

static void NNC_FN(te_linear_init)(NNC_FN(te_linear) *m)
{
    static const double w0[6] = {0.5, -0.25, 0.125, 1.0, -0.75, 0.3};
    memset(m, 0, sizeof *m);
    for (int i = 0; i < 6; i++)
        m->w[i] = (T)w0[i];
    m->b[0] = (T)0.1;
    m->b[1] = (T)-0.2;
    m->layer = (nnc_layer_t){NNC_LAYER_DENSE, 3, 2, NNC_ACT_IDENTITY, 0.0, 0, 1};
    m->params[0] = (nnc_param_t){m->w, m->gw, {m->s1, m->s2}, 6, 1};
    m->params[1] = (nnc_param_t){m->b, m->gb, {m->s1 + 6, m->s2 + 6}, 2, 0};
    m->net = (nnc_net_t){NNC_IS_F32, 1, &m->layer, 2, m->params};
}

#ifndef TE_N
#define TE_N 5
#endif
static const double NNC_FN(te_x)[TE_N * 3] = {0.1, 0.2, -0.3, 1.0, -1.0, 0.5, 0.0, 0.7,
                                              0.2, -0.4, 0.9, 1.2, 2.0, 0.1, -0.6};
static const double NNC_FN(te_y)[TE_N * 2] = {0.3, -0.1, 1.1, 0.4, 0.0, 0.2,
                                              -0.5, 0.8, 0.9, 1.5};

/* Reference: MSE (mean over n*2 values) of X W + b, and its gradients. */
static double NNC_FN(te_ref)(const double *w, const double *b, const double *x, const double *y,
                             int64_t n, double *gw, double *gb)
{
    double loss = 0.0;
    for (int i = 0; i < 6; i++)
        gw[i] = 0.0;
    gb[0] = gb[1] = 0.0;
    for (int64_t r = 0; r < n; r++)
        for (int j = 0; j < 2; j++) {
            double p = b[j];
            for (int k = 0; k < 3; k++)
                p += x[r * 3 + k] * w[k * 2 + j];
            double d = p - y[r * 2 + j];
            loss += d * d;
            double g = 2.0 * d / (double)(n * 2);
            for (int k = 0; k < 3; k++)
                gw[k * 2 + j] += x[r * 3 + k] * g;
            gb[j] += g;
        }
    return loss / (double)(n * 2);
}

static void NNC_FN(te_data)(T *x, T *y)
{
    for (int i = 0; i < TE_N * 3; i++)
        x[i] = (T)NNC_FN(te_x)[i];
    for (int i = 0; i < TE_N * 2; i++)
        y[i] = (T)NNC_FN(te_y)[i];
}

static int NNC_FN(te_stop_at)(void *ctx, int64_t epochs_done, int64_t steps_done)
{
    (void)epochs_done;
    return steps_done >= *(int64_t *)ctx;
}

static nnc_fit_t NNC_FN(te_fit_args)(const T *x, const T *y, double *epoch_loss, int64_t epochs)
{
    nnc_fit_t f;
    memset(&f, 0, sizeof f);
    f.x = x;
    f.y = y;
    f.n = TE_N;
    f.loss = (nnc_loss_params_t){NNC_LOSS_MSE, NNC_REDUCTION_MEAN, 0, 1.0};
    static int64_t steps_taken; /* the optimizer's step counter (test-only state) */
    steps_taken = 0;
    f.opt = NNC_OPT_SGD;
    f.hyper[0] = 0.1; /* lr */
    f.t = &steps_taken;
    f.epochs = epochs;
    f.epoch_loss = epoch_loss;
    f.threads = 1;
    f.divergence = 1e6;
    return f;
}

static void NNC_FN(test_engine_linear)(void)
{
    NNC_FN(te_linear) m;
    T x[TE_N * 3], y[TE_N * 2], pred[TE_N * 2];
    double w[6], b[2], gw[6], gb[2];
    tst_context = "engine: eval and fit of a linear model";
    NNC_FN(te_data)(x, y);
    NNC_FN(te_linear_init)(&m);
    CHECK_STATUS(nnc_net_check(&m.net), NNC_STATUS_OK);
    int64_t count = 0;
    CHECK_STATUS(nnc_net_param_count(&m.net, &count), NNC_STATUS_OK);
    CHECK(count == 8);

    /* eval: prediction, objective and gradients */
    nnc_eval_t ev;
    memset(&ev, 0, sizeof ev);
    ev.x = x;
    ev.y = y;
    ev.n = TE_N;
    ev.loss = (nnc_loss_params_t){NNC_LOSS_MSE, NNC_REDUCTION_MEAN, 0, 1.0};
    ev.want_grad = 1;
    ev.pred = pred;
    ev.threads = 1;
    CHECK_STATUS(nnc_engine_eval(&m.net, &ev), NNC_STATUS_OK);
    for (int i = 0; i < 6; i++)
        w[i] = (double)m.w[i];
    b[0] = (double)m.b[0];
    b[1] = (double)m.b[1];
    double want = NNC_FN(te_ref)(w, b, NNC_FN(te_x), NNC_FN(te_y), TE_N, gw, gb);
    int ok = tst_close(ev.loss_value, want, TE_RTOL, 1e-7);
    for (int i = 0; i < 6; i++)
        ok &= tst_close((double)m.gw[i], gw[i], TE_RTOL, 1e-6);
    ok &= tst_close((double)m.gb[0], gb[0], TE_RTOL, 1e-6) &&
          tst_close((double)m.gb[1], gb[1], TE_RTOL, 1e-6);
    for (int r = 0; r < TE_N; r++)
        for (int j = 0; j < 2; j++) {
            double p = b[j];
            for (int k = 0; k < 3; k++)
                p += NNC_FN(te_x)[r * 3 + k] * w[k * 2 + j];
            ok &= tst_close((double)pred[r * 2 + j], p, TE_RTOL, 1e-6);
        }
    CHECKF(ok, "engine eval %s: loss %.17g, expected %.17g", TE_DT, ev.loss_value, want);

    /* fit: 4 full-batch SGD epochs against the reference loop */
    enum { E = 4 };
    double epoch_loss[E];
    nnc_fit_t f = NNC_FN(te_fit_args)(x, y, epoch_loss, E);
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_OK);
    CHECK(f.epochs_done == E && f.steps_done == E && f.forward_passes == E);
    ok = 1;
    for (int e = 0; e < E; e++) {
        double l = NNC_FN(te_ref)(w, b, NNC_FN(te_x), NNC_FN(te_y), TE_N, gw, gb);
        ok &= tst_close(epoch_loss[e], l, TE_RTOL * 10, 1e-6);
        for (int i = 0; i < 6; i++)
            w[i] -= 0.1 * gw[i];
        b[0] -= 0.1 * gb[0];
        b[1] -= 0.1 * gb[1];
    }
    for (int i = 0; i < 6; i++)
        ok &= tst_close((double)m.w[i], w[i], TE_RTOL * 10, 1e-6);
    CHECKF(ok, "engine fit %s: SGD trajectory differs from the reference loop", TE_DT);
}

/* A bigger network, every optimizer, every schedule, every record, with
 * buffers of exactly the documented sizes. */
typedef struct {
    nnc_layer_t layers[4];
    nnc_param_t params[5];
    T *bufs[5][4];
    nnc_net_t net;
    int64_t n_values;
} NNC_FN(te_mlp);

static void NNC_FN(te_mlp_init)(NNC_FN(te_mlp) *m, int64_t in, int64_t hidden, int64_t out,
                                tst_lcg_t *g)
{
    const int64_t sizes[5] = {in * hidden, hidden, 1, hidden * out, out};
    memset(m, 0, sizeof *m);
    m->layers[0] = (nnc_layer_t){NNC_LAYER_DENSE, in, hidden, NNC_ACT_IDENTITY, 0.0, 0, 1};
    m->layers[1] = (nnc_layer_t){NNC_LAYER_ACTIVATION, hidden, hidden, NNC_ACT_PRELU, 0.0, 2, -1};
    m->layers[2] = (nnc_layer_t){NNC_LAYER_DENSE, hidden, out, NNC_ACT_IDENTITY, 0.0, 3, 4};
    m->layers[3] = (nnc_layer_t){NNC_LAYER_ACTIVATION, out, out, NNC_ACT_TANH, 0.0, -1, -1};
    m->n_values = 0;
    for (int p = 0; p < 5; p++) {
        for (int k = 0; k < 4; k++) {
            m->bufs[p][k] = NNC_FN(tst_alloc)(sizes[p]);
            for (int64_t i = 0; i < sizes[p]; i++)
                m->bufs[p][k][i] = k == 0 ? (T)tst_uniform(g, -0.5, 0.5) : (T)0;
        }
        m->params[p] = (nnc_param_t){m->bufs[p][0], m->bufs[p][1], {m->bufs[p][2], m->bufs[p][3]},
                                     sizes[p], p == 0 || p == 3};
        m->n_values += sizes[p];
    }
    m->bufs[2][0][0] = (T)0.25; /* PReLU alpha */
    m->net = (nnc_net_t){NNC_IS_F32, 4, m->layers, 5, m->params};
}

static void NNC_FN(te_mlp_free)(NNC_FN(te_mlp) *m)
{
    for (int p = 0; p < 5; p++)
        for (int k = 0; k < 4; k++)
            free(m->bufs[p][k]);
}

static void NNC_FN(te_mlp_copy_params)(NNC_FN(te_mlp) *dst, const NNC_FN(te_mlp) *src)
{
    for (int p = 0; p < 5; p++)
        for (int k = 0; k < 4; k++)
            memcpy(dst->bufs[p][k], src->bufs[p][k], (size_t)src->params[p].size * sizeof(T));
}

static int NNC_FN(te_mlp_same)(const NNC_FN(te_mlp) *a, const NNC_FN(te_mlp) *b)
{
    for (int p = 0; p < 5; p++)
        for (int k = 0; k < 4; k++)
            if (memcmp(a->bufs[p][k], b->bufs[p][k], (size_t)a->params[p].size * sizeof(T)))
                return 0;
    return 1;
}

static int NNC_FN(te_mlp_finite)(const NNC_FN(te_mlp) *m)
{
    for (int p = 0; p < 5; p++)
        for (int64_t i = 0; i < m->params[p].size; i++)
            if (!isfinite((double)m->bufs[p][0][i]))
                return 0;
    return 1;
}

static void NNC_FN(test_engine_schedules)(void)
{
    enum { N = 37, IN = 6, H = 16, OUT = 3 };
    tst_lcg_t g = {21};
    T *x = NNC_FN(tst_random)(N * IN, &g, -1, 1), *y = NNC_FN(tst_random)(N * OUT, &g, -0.9, 0.9);
    static const nnc_opt_t opts[] = {NNC_OPT_SGD, NNC_OPT_MOMENTUM, NNC_OPT_NESTEROV,
                                     NNC_OPT_ADAM, NNC_OPT_HOTCOLD};
    static const int64_t batches[] = {0, 1, 5, 36, 37, 100};
    tst_context = "engine: optimizers x schedules x records";
    for (size_t o = 0; o < sizeof opts / sizeof opts[0]; o++)
        for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++)
            for (int mode = 0; mode < 3; mode++) { /* data order, shuffle, explicit order */
                NNC_FN(te_mlp) m, m2;
                NNC_FN(te_mlp_init)(&m, IN, H, OUT, &g);
                NNC_FN(te_mlp_init)(&m2, IN, H, OUT, &g);
                NNC_FN(te_mlp_copy_params)(&m2, &m);
                const int64_t epochs = opts[o] == NNC_OPT_HOTCOLD ? 2 : 3;
                int64_t order[50];
                const int64_t order_len = mode == 2 ? 50 : 0;
                for (int i = 0; i < 50; i++)
                    order[i] = (i * 7) % N;
                int64_t spe = 0, total = 0;
                CHECK_STATUS(nnc_fit_schedule(N, order_len, mode == 2, batches[bi], epochs, &spe,
                                              &total),
                             NNC_STATUS_OK);
                double *eloss = (double *)malloc((size_t)epochs * sizeof(double));
                double *sloss = (double *)malloc((size_t)total * sizeof(double));
                T *prec = NNC_FN(tst_alloc)((total + 1) * m.n_values);
                int64_t adam_t = 0, adam_t2 = 0;
                nnc_rng_t rng, rng2;
                nnc_rng_seed(&rng, 5);
                nnc_rng_seed(&rng2, 5);
                nnc_fit_t f;
                memset(&f, 0, sizeof f);
                f.x = x;
                f.y = y;
                f.n = N;
                f.loss = (nnc_loss_params_t){NNC_LOSS_HUBER, NNC_REDUCTION_MEAN, 0, 0.5};
                f.l1 = 1e-3;
                f.l2 = 1e-3;
                f.opt = opts[o];
                /* the ops.def defaults, with lr = step = 0.01 and eps = 1e-7 */
                for (int h = 0; h < nnc_opt_info[f.opt].n_hyper; h++) {
                    const char *hn = nnc_opt_info[f.opt].hyper_names[h];
                    f.hyper[h] = strcmp(hn, "lr") == 0 || strcmp(hn, "step") == 0 ? 0.01
                                 : strcmp(hn, "eps") == 0 ? 1e-7
                                                          : nnc_opt_info[f.opt].hyper_defaults[h];
                }
                f.t = &adam_t;
                f.epochs = epochs;
                f.batch_size = batches[bi];
                f.order = mode == 2 ? order : NULL;
                f.order_len = order_len;
                f.shuffle_rng = mode == 1 ? &rng : NULL;
                f.divergence = 1e6;
                f.epoch_loss = eloss;
                f.step_loss = sloss;
                f.param_record = prec;
                f.threads = 1;
                nnc_fit_t f2 = f;
                f2.t = &adam_t2;
                f2.shuffle_rng = mode == 1 ? &rng2 : NULL;
                f2.threads = 3;
                f2.step_loss = NULL;
                f2.param_record = NULL;
                f2.epoch_loss = (double *)malloc((size_t)epochs * sizeof(double));
                nnc_status_t st = nnc_engine_fit(&m.net, &f);
                nnc_status_t st2 = nnc_engine_fit(&m2.net, &f2);
                int ok = st == NNC_STATUS_OK && st2 == NNC_STATUS_OK &&
                         f.steps_done == total && f.epochs_done == epochs &&
                         NNC_FN(te_mlp_finite)(&m);
                for (int64_t s = 0; ok && s < total; s++)
                    ok &= isfinite(sloss[s]);
                /* the last recorded row is the final parameters */
                T *last = prec + total * m.n_values;
                int64_t off = 0;
                for (int p = 0; ok && p < 5; p++) {
                    ok &= memcmp(last + off, m.bufs[p][0], (size_t)m.params[p].size * sizeof(T)) ==
                          0;
                    off += m.params[p].size;
                }
                /* records and thread count do not change the run */
                ok &= NNC_FN(te_mlp_same)(&m, &m2) &&
                      memcmp(eloss, f2.epoch_loss, (size_t)epochs * sizeof(double)) == 0 &&
                      adam_t == adam_t2 && memcmp(&rng, &rng2, sizeof rng) == 0;
                CHECKF(ok, "engine %s opt=%s batch=%lld mode=%d: status %d/%d, steps %lld of "
                       "%lld", TE_DT, nnc_opt_names[opts[o]], (long long)batches[bi], mode, (int)st,
                       (int)st2, (long long)f.steps_done, (long long)total);
                free(eloss);
                free(sloss);
                free(prec);
                free(f2.epoch_loss);
                NNC_FN(te_mlp_free)(&m);
                NNC_FN(te_mlp_free)(&m2);
            }
    free(x);
    free(y);
}

static void NNC_FN(test_engine_stops)(void)
{
    NNC_FN(te_linear) m, ref;
    T x[TE_N * 3], y[TE_N * 2];
    double eloss[1000];
    tst_context = "engine: hook, NaN and divergence stops";
    NNC_FN(te_data)(x, y);

    /* a hook that stops after 3 steps leaves exactly the state of a 3-epoch run */
    NNC_FN(te_linear_init)(&m);
    NNC_FN(te_linear_init)(&ref);
    int64_t stop = 3;
    nnc_fit_t f = NNC_FN(te_fit_args)(x, y, eloss, 1000);
    f.hook = NNC_FN(te_stop_at);
    f.hook_ctx = &stop;
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_INTERRUPTED);
    CHECK(f.steps_done == 3 && f.epochs_done == 3);
    nnc_fit_t fr = NNC_FN(te_fit_args)(x, y, eloss + 500, 3);
    CHECK_STATUS(nnc_engine_fit(&ref.net, &fr), NNC_STATUS_OK);
    CHECK(memcmp(m.w, ref.w, sizeof m.w) == 0 && memcmp(m.b, ref.b, sizeof m.b) == 0);
    CHECK(memcmp(eloss, eloss + 500, 3 * sizeof(double)) == 0);

    /* NaN in the data: stopped at step 0, parameters untouched */
    NNC_FN(te_linear_init)(&m);
    T w0[6];
    memcpy(w0, m.w, sizeof w0);
    x[4] = (T)NAN;
    f = NNC_FN(te_fit_args)(x, y, eloss, 10);
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_NONFINITE);
    CHECK(f.fail_step == 0 && f.steps_done == 0 && memcmp(w0, m.w, sizeof w0) == 0);
    NNC_FN(te_data)(x, y);

    /* a learning rate far past stability: DIVERGED, the parameters finite */
    NNC_FN(te_linear_init)(&m);
    f = NNC_FN(te_fit_args)(x, y, eloss, 1000);
    f.hyper[0] = 50.0; /* lr */
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_DIVERGED);
    CHECK(f.fail_step > 0 && f.steps_done == f.fail_step && f.fail_loss > 1e6 * f.reference_loss);
}

/* The engine's own checks of what a binding hands over name the field. */
static void NNC_FN(test_engine_guards)(void)
{
    NNC_FN(te_linear) m;
    T x[TE_N * 3], y[TE_N * 2], w0[6];
    double eloss[4];
    nnc_rng_t zero = {{0, 0, 0, 0}};
    nnc_fit_t f;
    tst_context = "engine: checks that name the field";
    NNC_FN(te_data)(x, y);
    NNC_FN(te_linear_init)(&m);
    memcpy(w0, m.w, sizeof w0);

    f = NNC_FN(te_fit_args)(x, y, eloss, 2);
    f.threads = 0;
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_INVALID_ARGUMENT);
    CHECK(f.bad_field != NULL && strcmp(f.bad_field, "threads") == 0);

    /* an all-zero xoshiro state would make the shuffle spin forever */
    f = NNC_FN(te_fit_args)(x, y, eloss, 2);
    f.shuffle_rng = &zero;
    f.batch_size = 2;
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_INVALID_ARGUMENT);
    CHECK(f.bad_field != NULL && strcmp(f.bad_field, "shuffle_rng") == 0);

    /* a momentum state that IS the weight array */
    f = NNC_FN(te_fit_args)(x, y, eloss, 2);
    f.opt = NNC_OPT_MOMENTUM;
    f.hyper[1] = 0.9; /* mu */
    m.params[0].state[0] = m.w;
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_INVALID_ARGUMENT);
    CHECK(f.bad_field != NULL && strcmp(f.bad_field, "params[].state0") == 0 &&
          f.bad_param == 0);
    m.params[0].state[0] = m.s1;

    /* the bias gradient overlapping the weight gradient */
    f = NNC_FN(te_fit_args)(x, y, eloss, 2);
    m.params[1].grad = m.gw + 4;
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_INVALID_ARGUMENT);
    CHECK(f.bad_field != NULL && strcmp(f.bad_field, "params[].grad") == 0 && f.bad_param == 1);
    m.params[1].grad = m.gb;

    /* a weight that is the training data */
    f = NNC_FN(te_fit_args)(x, y, eloss, 2);
    m.params[0].data = x;
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_INVALID_ARGUMENT);
    CHECK(f.bad_field != NULL && strcmp(f.bad_field, "params[].data") == 0);
    m.params[0].data = m.w;

    CHECK(memcmp(w0, m.w, sizeof w0) == 0);
    f = NNC_FN(te_fit_args)(x, y, eloss, 2);
    CHECK_STATUS(nnc_engine_fit(&m.net, &f), NNC_STATUS_OK);
    CHECK(f.bad_field == NULL && f.steps_done == 2);
}

static void NNC_FN(test_engine_invalid)(void)
{
    NNC_FN(te_linear) m;
    T x[TE_N * 3], y[TE_N * 2];
    double eloss[4];
    tst_context = "engine: invalid arguments";
    NNC_FN(te_data)(x, y);
    NNC_FN(te_linear_init)(&m);
    T w0[6];
    memcpy(w0, m.w, sizeof w0);

#define TE_BAD_FIT(field_stmt, want)                                                          \
    do {                                                                                      \
        nnc_fit_t f_ = NNC_FN(te_fit_args)(x, y, eloss, 4);                                   \
        field_stmt;                                                                           \
        CHECK_STATUS(nnc_engine_fit(&m.net, &f_), want);                                      \
        CHECK(memcmp(w0, m.w, sizeof w0) == 0);                                               \
    } while (0)
    TE_BAD_FIT(f_.epochs = -1, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.batch_size = -2, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.threads = 0, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.n = 0, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.x = NULL, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.y = NULL, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.epoch_loss = NULL, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.opt = NNC_OPT_COUNT, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.loss.kind = NNC_LOSS_COUNT, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.loss.reduction = (nnc_reduction_t)3, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.l1 = NAN, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.hyper[0] = INFINITY, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.hyper[0] = 0.0, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.divergence = NAN, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT(f_.t = NULL, NNC_STATUS_INVALID_ARGUMENT);
    TE_BAD_FIT((f_.opt = NNC_OPT_MOMENTUM, f_.hyper[1] = 1.0), NNC_STATUS_INVALID_ARGUMENT);
    {
        static const int64_t bad_order[2] = {0, TE_N};
        TE_BAD_FIT((f_.order = bad_order, f_.order_len = 2), NNC_STATUS_INVALID_ARGUMENT);
        TE_BAD_FIT((f_.order = bad_order, f_.order_len = 0), NNC_STATUS_INVALID_ARGUMENT);
    }
    /* momentum without its velocity buffers */
    m.params[0].state[0] = NULL;
    TE_BAD_FIT(f_.opt = NNC_OPT_MOMENTUM, NNC_STATUS_INVALID_ARGUMENT);
    m.params[0].state[0] = m.s1;
    /* epochs * steps overflow */
    TE_BAD_FIT((f_.epochs = INT64_MAX, f_.batch_size = 1), NNC_STATUS_OVERFLOW);
#undef TE_BAD_FIT

    /* descriptions nnc_net_check refuses */
    struct {
        nnc_layer_t layer;
        nnc_status_t want;
    } bad_layers[] = {
        {{NNC_LAYER_DENSE, 3, 2, NNC_ACT_IDENTITY, 0.0, 0, 5}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_DENSE, 3, 2, NNC_ACT_IDENTITY, 0.0, 1, 1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_DENSE, 3, 3, NNC_ACT_IDENTITY, 0.0, 0, 1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_DENSE, 0, 2, NNC_ACT_IDENTITY, 0.0, 0, 1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_DENSE, -3, 2, NNC_ACT_IDENTITY, 0.0, 0, 1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_DENSE, INT64_C(1) << 40, INT64_C(1) << 40, NNC_ACT_IDENTITY, 0.0, 0, 1},
         NNC_STATUS_OVERFLOW},
        {{NNC_LAYER_DENSE, 3, 2, NNC_ACT_IDENTITY, 0.0, -1, 1}, NNC_STATUS_INVALID_ARGUMENT},
        {{(nnc_layer_kind_t)7, 3, 2, NNC_ACT_IDENTITY, 0.0, 0, 1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_ACTIVATION, 3, 2, NNC_ACT_RELU, 0.0, -1, -1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_ACTIVATION, 3, 3, NNC_ACT_COUNT, 0.0, -1, -1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_ACTIVATION, 3, 3, NNC_ACT_PRELU, 0.0, -1, -1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_ACTIVATION, 3, 3, NNC_ACT_ELU, NAN, -1, -1}, NNC_STATUS_INVALID_ARGUMENT},
        {{NNC_LAYER_ACTIVATION, 3, 3, NNC_ACT_RELU, 0.0, 0, -1}, NNC_STATUS_INVALID_ARGUMENT},
    };
    for (size_t i = 0; i < sizeof bad_layers / sizeof bad_layers[0]; i++) {
        nnc_net_t net = m.net;
        net.layers = &bad_layers[i].layer;
        CHECK_STATUS(nnc_net_check(&net), bad_layers[i].want);
        nnc_eval_t ev;
        memset(&ev, 0, sizeof ev);
        ev.x = x;
        ev.n = TE_N;
        ev.pred = y;
        ev.threads = 1;
        CHECK_STATUS(nnc_engine_eval(&net, &ev), bad_layers[i].want);
    }
    {
        nnc_net_t net = m.net;
        net.n_layers = 0;
        CHECK_STATUS(nnc_net_check(&net), NNC_STATUS_INVALID_ARGUMENT);
        net = m.net;
        net.layers = NULL;
        CHECK_STATUS(nnc_net_check(&net), NNC_STATUS_INVALID_ARGUMENT);
        net = m.net;
        net.params = NULL;
        CHECK_STATUS(nnc_net_check(&net), NNC_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(nnc_net_check(NULL), NNC_STATUS_INVALID_ARGUMENT);
        nnc_param_t ps[2] = {m.params[0], m.params[1]};
        nnc_net_t n2 = m.net;
        n2.params = ps;
        ps[1].grad = NULL;
        CHECK_STATUS(nnc_net_check(&n2), NNC_STATUS_INVALID_ARGUMENT);
        ps[1] = m.params[1];
        ps[1].size = INT64_MAX;
        int64_t cnt;
        CHECK_STATUS(nnc_net_param_count(&n2, &cnt), NNC_STATUS_OVERFLOW);
        ps[1].size = -1;
        CHECK_STATUS(nnc_net_param_count(&n2, &cnt), NNC_STATUS_INVALID_ARGUMENT);
    }
    /* schedules */
    int64_t spe = -1, total = -1;
    CHECK_STATUS(nnc_fit_schedule(10, 0, 0, 3, 2, &spe, &total), NNC_STATUS_OK);
    CHECK(spe == 4 && total == 8);
    CHECK_STATUS(nnc_fit_schedule(10, 0, 0, 0, 5, &spe, &total), NNC_STATUS_OK);
    CHECK(spe == 1 && total == 5);
    CHECK_STATUS(nnc_fit_schedule(10, 0, 0, 10, 5, &spe, &total), NNC_STATUS_OK);
    CHECK(spe == 1);
    CHECK_STATUS(nnc_fit_schedule(10, 7, 1, 2, 0, &spe, &total), NNC_STATUS_OK);
    CHECK(spe == 4 && total == 0);
    CHECK_STATUS(nnc_fit_schedule(0, 0, 0, 1, 1, &spe, &total), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_fit_schedule(10, 0, 1, 1, 1, &spe, &total), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_fit_schedule(10, 0, 0, -1, 1, &spe, &total), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_fit_schedule(10, 0, 0, 1, -1, &spe, &total), NNC_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(nnc_fit_schedule(10, 0, 0, 1, INT64_MAX, &spe, &total), NNC_STATUS_OVERFLOW);
    CHECK(memcmp(w0, m.w, sizeof w0) == 0);
}

static void NNC_FN(test_engine_surface)(void)
{
    NNC_FN(te_linear) m;
    T x[TE_N * 3], y[TE_N * 2];
    tst_context = "engine: loss surface";
    NNC_FN(te_data)(x, y);
    NNC_FN(te_linear_init)(&m);
    const double ga[3] = {-1.0, 0.0, 2.0}, gb[2] = {0.5, -0.5};
    double out[6];
    nnc_loss_params_t lp = {NNC_LOSS_MSE, NNC_REDUCTION_SUM, 1, 1.0};
    T w0[6], b0[2];
    memcpy(w0, m.w, sizeof w0);
    memcpy(b0, m.b, sizeof b0);
    CHECK_STATUS(nnc_engine_loss_surface(&m.net, x, y, TE_N, &lp, 0, 0, 0, 3, 1, 1, 3, ga, 2, gb,
                                         out, 1, NULL, NULL),
                 NNC_STATUS_OK);
    CHECK(memcmp(w0, m.w, sizeof w0) == 0 && memcmp(b0, m.b, sizeof b0) == 0);
    int ok = 1;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 3; i++) {
            double w[6], b[2], gw[6], gbb[2];
            for (int k = 0; k < 6; k++)
                w[k] = (double)w0[k];
            b[0] = (double)b0[0];
            b[1] = (double)b0[1];
            w[3] = (double)(T)ga[i];
            b[1] = (double)(T)gb[j];
            /* half the summed squared error = mean * (n*2) / 2 */
            double want = NNC_FN(te_ref)(w, b, NNC_FN(te_x), NNC_FN(te_y), TE_N, gw, gbb) *
                          (double)(TE_N * 2) / 2.0;
            ok &= tst_close(out[j * 3 + i], want, TE_RTOL * 10, 1e-6);
        }
    CHECKF(ok, "loss surface %s differs from the reference", TE_DT);
    /* stopped by the hook mid-grid: the two values are restored */
    int64_t stop = 2;
    CHECK_STATUS(nnc_engine_loss_surface(&m.net, x, y, TE_N, &lp, 0, 0, 0, 3, 1, 1, 3, ga, 2, gb,
                                         out, 1, NNC_FN(te_stop_at), &stop),
                 NNC_STATUS_INTERRUPTED);
    CHECK(memcmp(w0, m.w, sizeof w0) == 0 && memcmp(b0, m.b, sizeof b0) == 0);
    CHECK_STATUS(nnc_engine_loss_surface(&m.net, x, y, TE_N, &lp, 0, 0, 0, 3, 0, 3, 3, ga, 2, gb,
                                         out, 1, NULL, NULL),
                 NNC_STATUS_INVALID_ARGUMENT); /* the same value twice */
    CHECK_STATUS(nnc_engine_loss_surface(&m.net, x, y, TE_N, &lp, 0, 0, 0, 6, 1, 1, 3, ga, 2, gb,
                                         out, 1, NULL, NULL),
                 NNC_STATUS_INVALID_ARGUMENT); /* index past the weight */
    CHECK_STATUS(nnc_engine_loss_surface(&m.net, x, y, TE_N, &lp, 0, 0, 2, 0, 1, 0, 3, ga, 2, gb,
                                         out, 1, NULL, NULL),
                 NNC_STATUS_INVALID_ARGUMENT); /* no parameter 2 */
    CHECK_STATUS(nnc_engine_loss_surface(&m.net, x, y, TE_N, &lp, 0, 0, 0, 0, 1, 0,
                                         INT64_C(1) << 40, ga, INT64_C(1) << 40, gb, out, 1,
                                         NULL, NULL),
                 NNC_STATUS_OVERFLOW);
    CHECK_STATUS(nnc_engine_loss_surface(&m.net, x, y, TE_N, &lp, 0, 0, 0, 0, 1, 0, 3, ga, 2, gb,
                                         out, 0, NULL, NULL),
                 NNC_STATUS_INVALID_ARGUMENT); /* threads 0 */
    CHECK(memcmp(w0, m.w, sizeof w0) == 0 && memcmp(b0, m.b, sizeof b0) == 0);
}

static void NNC_FN(run_engine_tests)(void)
{
    NNC_FN(test_engine_linear)();
    NNC_FN(test_engine_schedules)();
    NNC_FN(test_engine_stops)();
    NNC_FN(test_engine_guards)();
    NNC_FN(test_engine_invalid)();
    NNC_FN(test_engine_surface)();
}

#undef TE_RTOL
#undef TE_DT
