/* nnc._core: binding of the sweep engine (csrc/core/sweep.h); nnc.sweep
 * (src/nnc/sweep.py) is the API.
 *
 * Ownership: everything the core reads with the GIL released -- X, y, the
 * hyper-parameter table, the orders -- is copied into arrays this call owns,
 * so another Python thread changing the caller's arrays cannot change a run
 * halfway.  What the core writes (parameter and state blocks, generator
 * states, records, counters) must be exact-dtype, C-contiguous, writeable
 * arrays, checked before the GIL is released.
 *
 * Ctrl-C: the core calls sweep_hook on the calling thread between steps and
 * while the other threads finish; about every 50 ms it re-takes the GIL and
 * runs PyErr_CheckSignals(), and a pending KeyboardInterrupt stops every
 * replica at its next step boundary.  The records and counters then hold
 * the completed work and the KeyboardInterrupt propagates. */
#include "nnc_module.h"

#include "m_engine.h"
#include "sweep.h"

#include <string.h>

typedef struct {
    PyThreadState *ts;
    nnc_clock_gate_t clock;
    int py_error;
} sweep_hook_ctx;

#define NNC_SWEEP_HOOK_PERIOD 0.05

static int sweep_hook(void *vctx, int64_t done)
{
    sweep_hook_ctx *h = (sweep_hook_ctx *)vctx;
    int stop = 0;
    (void)done;
    if (!nnc_clock_gate_due(&h->clock))
        return 0;
    PyEval_RestoreThread(h->ts);
    if (PyErr_CheckSignals() < 0) {
        h->py_error = 1;
        stop = 1;
    }
    h->ts = PyEval_SaveThread();
    return stop;
}

/* A private C-contiguous copy of an input array in typenum with ndim in
 * [lo, hi] (new reference or NULL). */
static PyArrayObject *owned_input(PyObject *obj, const char *name, int typenum, int lo, int hi)
{
    PyArrayObject *a = nnc_as_input_nd(obj, name, typenum, lo, hi), *c;
    if (a == NULL)
        return NULL;
    c = (PyArrayObject *)PyArray_NewCopy(a, NPY_CORDER);
    Py_DECREF(a);
    return c;
}

/* An output block of shape (k, cols) (cols < 0: any) in typenum. */
static void *out_block(PyObject *obj, const char *name, int typenum, int64_t k, int64_t cols)
{
    int64_t cells;
    PyArrayObject *a;
    if (nnc_mul_i64(k, cols, &cells) != 0 || cells > NPY_MAX_INTP) {
        PyErr_Format(PyExc_OverflowError, "%s: size overflows", name);
        return NULL;
    }
    a = out_buffer(obj, name, typenum, (npy_intp)cells);
    return a == NULL ? NULL : PyArray_DATA(a);
}

static PyObject *sweep_run(PyObject *self, PyObject *args)
{
    PyObject *dtype_o, *layers, *params, *xo, *yo, *loss_o, *hyper_o, *order_o, *rng_o;
    PyObject *pblock_o, *s1_o, *s2_o, *adam_o, *eloss_o, *sloss_o, *codes_o, *counters_o;
    PyObject *fails_o, *prec_o;
    long long epochs, batch_size;
    int opt_kind, threads, allow_lanes, typenum;
    net_desc d;
    PyArrayObject *x = NULL, *y = NULL, *hyper[NNC_SWEEP_NHYPER] = {NULL}, *order = NULL;
    nnc_loss_params_t lp;
    nnc_sweep_t sw;
    sweep_hook_ctx h;
    PyObject *result = NULL;
    int64_t k, n, nv, in_w, out_w, spe, total_steps, order_len = 0;
    int x_per, y_per, order_per = 0;
    nnc_rng_t *rngs = NULL;
    int64_t *adam_t = NULL;
    void *counters;
    double *eloss, *sloss = NULL, *fails;
    char b1[64];
    nnc_status_t st;

    (void)self;
    memset(&d, 0, sizeof d);
    memset(&sw, 0, sizeof sw);
    if (!PyArg_ParseTuple(args, "OOOOOOiOLLOOOOOOOOOOOOip:sweep_run", &dtype_o, &layers, &params,
                          &xo, &yo, &loss_o, &opt_kind, &hyper_o, &epochs, &batch_size, &order_o,
                          &rng_o, &pblock_o, &s1_o, &s2_o, &adam_o, &eloss_o, &sloss_o, &prec_o,
                          &codes_o, &counters_o, &fails_o, &threads, &allow_lanes))
        return NULL;
    typenum = nnc_parse_dtype(dtype_o, "dtype", NPY_DOUBLE);
    if (typenum < 0)
        return NULL;
    if (net_desc_parse(layers, params, typenum, &d) < 0)
        return NULL;
    if (parse_loss(loss_o, &lp) < 0)
        goto done;
    if (opt_kind < 0 || opt_kind >= NNC_OPT_COUNT || epochs < 0 || batch_size < 0 ||
        threads < 1) {
        PyErr_Format(PyExc_ValueError,
                     "sweep_run: optimizer code %d, epochs %lld, batch_size %lld, threads %d "
                     "out of range",
                     opt_kind, epochs, batch_size, threads);
        goto done;
    }
    if (nnc_net_param_count(&d.net, &nv) != NNC_STATUS_OK) {
        PyErr_SetString(PyExc_OverflowError, "sweep_run: parameter count overflows");
        goto done;
    }
    in_w = d.layers[0].in;
    out_w = d.layers[d.net.n_layers - 1].out;
    /* K is the parameter block's row count; each hyper-parameter column
     * holds K values or one shared value. */
    if (!PyArray_Check(pblock_o) || PyArray_NDIM((PyArrayObject *)pblock_o) != 2) {
        PyErr_SetString(PyExc_ValueError, "params_block must be a (K, n_values) array");
        goto done;
    }
    k = (int64_t)PyArray_DIM((PyArrayObject *)pblock_o, 0);
    {
        /* The optimizer's n_hyper columns (ops.def order), then l1, l2 and
         * divergence; the table's unused columns read one shared zero. */
        static const double zero = 0.0;
        const int nh = nnc_opt_info[opt_kind].n_hyper;
        if (!PyTuple_Check(hyper_o) || PyTuple_GET_SIZE(hyper_o) != nh + 3) {
            PyErr_Format(PyExc_ValueError,
                         "hyper must be a tuple of %d columns (the optimizer's %d, then l1, l2, "
                         "divergence)", nh + 3, nh);
            goto done;
        }
        for (int c = 0; c < NNC_SWEEP_NHYPER; c++) {
            sw.hyper[c] = &zero;
            sw.hyper_stride[c] = 0;
        }
        for (int c = 0; c < nh + 3; c++) {
            const int col = c < nh ? c : NNC_SWEEP_L1 + (c - nh);
            hyper[col] = owned_input(PyTuple_GET_ITEM(hyper_o, c), "hyper", NPY_DOUBLE, 1, 1);
            if (hyper[col] == NULL)
                goto done;
            if (PyArray_DIM(hyper[col], 0) != k && PyArray_DIM(hyper[col], 0) != 1) {
                PyErr_Format(PyExc_ValueError,
                             "hyper column %d has shape %s; expected (%lld,) or (1,)", c,
                             nnc_shape_str(hyper[col], b1, sizeof b1), (long long)k);
                goto done;
            }
            sw.hyper[col] = (const double *)PyArray_DATA(hyper[col]);
            sw.hyper_stride[col] = PyArray_DIM(hyper[col], 0) == k && k != 1 ? 1 : 0;
        }
    }
    x = owned_input(xo, "X", typenum, 2, 3);
    if (x == NULL)
        goto done;
    y = owned_input(yo, "y", typenum, 2, 3);
    if (y == NULL)
        goto done;
    x_per = PyArray_NDIM(x) == 3;
    y_per = PyArray_NDIM(y) == 3;
    n = (int64_t)PyArray_DIM(x, x_per);
    if ((x_per && PyArray_DIM(x, 0) != k) || PyArray_DIM(x, x_per + 1) != in_w || n < 1 ||
        (y_per && PyArray_DIM(y, 0) != k) || PyArray_DIM(y, y_per) != n ||
        PyArray_DIM(y, y_per + 1) != out_w) {
        char b2[64];
        PyErr_Format(PyExc_ValueError,
                     "X has shape %s and y %s; expected (n, %lld) or (%lld, n, %lld) and (n, "
                     "%lld) or (%lld, n, %lld) with n >= 1",
                     nnc_shape_str(x, b1, sizeof b1), nnc_shape_str(y, b2, sizeof b2),
                     (long long)in_w, (long long)k, (long long)in_w, (long long)out_w,
                     (long long)k, (long long)out_w);
        goto done;
    }
    if (order_o != Py_None) {
        order = (PyArrayObject *)PyArray_FROM_OTF(order_o, NPY_INT64,
                                                  NPY_ARRAY_IN_ARRAY | NPY_ARRAY_ENSURECOPY);
        if (order == NULL)
            goto done;
        order_per = PyArray_NDIM(order) == 2;
        if ((PyArray_NDIM(order) != 1 && !order_per) || (order_per && PyArray_DIM(order, 0) != k) ||
            PyArray_DIM(order, order_per) < 1) {
            PyErr_Format(PyExc_ValueError, "order has shape %s; expected (L,) or (%lld, L), L >= 1",
                         nnc_shape_str(order, b1, sizeof b1), (long long)k);
            goto done;
        }
        order_len = (int64_t)PyArray_DIM(order, order_per);
        {
            const int64_t *o = (const int64_t *)PyArray_DATA(order);
            for (npy_intp i = 0; i < PyArray_SIZE(order); i++)
                if (o[i] < 0 || o[i] >= n) {
                    PyErr_Format(PyExc_ValueError,
                                 "order holds %lld, which is not a row of X (0..%lld)",
                                 (long long)o[i], (long long)(n - 1));
                    goto done;
                }
        }
    }
    st = nnc_fit_schedule(n, order_len, order != NULL, batch_size, epochs, &spe, &total_steps);
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "sweep_run: schedule");
        goto done;
    }
    if (rng_o != Py_None && (rngs = (nnc_rng_t *)out_block(rng_o, "rng_states", NPY_UINT64, k,
                                                           4)) == NULL)
        goto done;
    sw.params = out_block(pblock_o, "params", typenum, k, nv);
    if (sw.params == NULL)
        goto done;
    if (s1_o != Py_None && (sw.state1 = out_block(s1_o, "state1", typenum, k, nv)) == NULL)
        goto done;
    if (s2_o != Py_None && (sw.state2 = out_block(s2_o, "state2", typenum, k, nv)) == NULL)
        goto done;
    if (adam_o != Py_None &&
        (adam_t = (int64_t *)out_block(adam_o, "adam_t", NPY_INT64, k, 1)) == NULL)
        goto done;
    eloss = NULL;
    if (eloss_o != Py_None &&
        (eloss = (double *)out_block(eloss_o, "epoch_loss", NPY_DOUBLE, k, epochs)) == NULL)
        goto done;
    if (sloss_o != Py_None && eloss == NULL) {
        PyErr_SetString(PyExc_ValueError, "sweep_run: step_loss needs epoch_loss");
        goto done;
    }
    if (sloss_o != Py_None &&
        (sloss = (double *)out_block(sloss_o, "step_loss", NPY_DOUBLE, k, total_steps)) == NULL)
        goto done;
    if (prec_o != Py_None) {
        int64_t rows;
        if (sloss == NULL) {
            PyErr_SetString(PyExc_ValueError, "sweep_run: param_record needs step_loss");
            goto done;
        }
        if (nnc_mul_i64(total_steps + 1, nv, &rows) != 0) {
            PyErr_SetString(PyExc_OverflowError, "param_record: size overflows");
            goto done;
        }
        if ((sw.param_record = out_block(prec_o, "param_record", typenum, k, rows)) == NULL)
            goto done;
    }
    sw.codes = (int8_t *)out_block(codes_o, "codes", NPY_INT8, k, 1);
    if (sw.codes == NULL)
        goto done;
    /* int32 counters when every count fits (a step makes at most 3 forward
     * passes), int64 otherwise: the caller picks by the same rule. */
    {
        const int narrow = total_steps < (INT32_MAX - 4) / 4;
        counters = out_block(counters_o, "counters", narrow ? NPY_INT32 : NPY_INT64, k,
                             NNC_SWEEP_NCOUNTERS);
        if (counters == NULL)
            goto done;
        if (narrow)
            sw.counters32 = (int32_t *)counters;
        else
            sw.counters64 = (int64_t *)counters;
    }
    fails = (double *)out_block(fails_o, "fails", NPY_DOUBLE, k, NNC_SWEEP_NFAILS);
    if (fails == NULL)
        goto done;

    sw.base.n = n;
    sw.base.loss = lp;
    sw.base.opt = (nnc_opt_t)opt_kind;
    sw.base.epochs = epochs;
    sw.base.batch_size = batch_size;
    sw.base.order_len = order_len;
    sw.x = PyArray_DATA(x);
    sw.y = PyArray_DATA(y);
    sw.x_stride = x_per ? n * in_w : 0;
    sw.y_stride = y_per ? n * out_w : 0;
    if (order != NULL) {
        sw.order = (const int64_t *)PyArray_DATA(order);
        sw.order_stride = order_per ? order_len : 0;
    }
    sw.rngs = rngs;
    sw.adam_t = adam_t;
    sw.epoch_loss = eloss;
    sw.step_loss = sloss;
    sw.fails = fails;
    sw.net = &d.net;
    sw.k = k;
    sw.threads = threads;
    sw.allow_lanes = allow_lanes;
    sw.hook = sweep_hook;
    sw.hook_ctx = &h;
    memset(&h, 0, sizeof h);
    nnc_clock_gate_init(&h.clock, NNC_SWEEP_HOOK_PERIOD);
    h.ts = PyEval_SaveThread();
    st = nnc_sweep_run(&sw);
    PyEval_RestoreThread(h.ts);
    if (h.py_error)
        goto done; /* KeyboardInterrupt: the records hold the completed work */
    if (st != NNC_STATUS_OK && st != NNC_STATUS_INTERRUPTED) {
        nnc_raise_status(st, "sweep");
        goto done;
    }
    result = Py_BuildValue("(OO)", st == NNC_STATUS_INTERRUPTED ? Py_True : Py_False,
                           sw.used_lanes ? Py_True : Py_False);
done:
    Py_XDECREF(x);
    Py_XDECREF(y);
    for (int c = 0; c < NNC_SWEEP_NHYPER; c++)
        Py_XDECREF(hyper[c]);
    Py_XDECREF(order);
    net_desc_free(&d);
    return result;
}

PyMethodDef nnc_sweep_methods[] = {
    {"sweep_run", sweep_run, METH_VARARGS,
     "sweep_run(dtype, layers, params, X, y, loss, opt_kind, hyper, epochs, batch_size,\n"
     "          order, rng_states, params_block, state1, state2, adam_t, epoch_loss,\n"
     "          step_loss, param_record, codes, counters, fails, threads, allow_lanes)\n"
     "          -> (interrupted, lanes)\n\n"
     "K training runs of one architecture in one call, GIL released (nnc.sweep is the API).\n"
     "layers/params describe the architecture as for engine_fit (only sizes are used);\n"
     "X (n, in) or (K, n, in), y likewise; hyper: a tuple of columns of K or 1 values, the\n"
     "optimizer's hyper-parameters in ops.def order, then l1, l2, divergence; order None, (L,) or (K, L); rng_states None or (K, 4) uint64;\n"
     "params_block/state1/state2 (K, n_values); adam_t None or (K,) int64; epoch_loss\n"
     "None or (K, epochs); step_loss None or (K, steps); param_record None or (K, steps + 1,\n"
     "n_values) in dtype (needs step_loss); codes (K,) int8 <- 0 completed,\n"
     "1 nonfinite, 2 diverged, 3 interrupted, 4 error; counters (K, 5) <- epochs, steps,\n"
     "passes, fail_epoch, fail_step, int32 when 4 * steps < 2**31 - 5, else int64;\n"
     "fails (K, 2) <- fail_loss, final loss."},
    {NULL, NULL, 0, NULL},
};
