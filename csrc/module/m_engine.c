/* nnc._core: bindings of the training engine (csrc/core/engine.h).
 *
 * These are building blocks for nnc/model.py, which describes the network as
 * tuples (see _core.pyi):
 *   layers: (kind, in, out, act, alpha, weight_index, bias_index) per layer
 *   params: (data, grad, state0 | None, state1 | None, penalized) per parameter,
 *           the optimizer's state arrays in ops.def order
 * where every array is written in place (exact dtype, C-contiguous, writeable).
 *
 * Long calls run with the GIL released.  A hook called after every step reads
 * a monotonic clock (adaptively, so cheap steps do not pay for it) and about
 * every 50 ms re-takes the GIL to run PyErr_CheckSignals() and, when asked,
 * the Python monitor (progress display); the monitor also runs at every
 * callback_every-th completed epoch.  Inside a step (GEMM blocks, activation
 * rows, the starting-loss pass) the engine polls engine_poll, which does the
 * same signal check (never the monitor), so Ctrl-C is seen within about
 * 0.05 s plus one block of work whatever the batch size.
 *
 * Ownership (nnc_module.h): `order` is copied before it is validated; the
 * rng state array is the caller's private copy (nnc.Sequential.fit makes
 * one); parameter buffers are checked in place and kept alive by `keep`. */
#include "nnc_module.h"

#include "engine.h"
#include "m_engine.h"

#include <limits.h>
#include <string.h>
#include <time.h>

/* ---------------- network description ---------------- */

void net_desc_free(net_desc *d)
{
    PyMem_Free(d->layers);
    PyMem_Free(d->params);
    Py_XDECREF(d->keep);
    memset(d, 0, sizeof *d);
}

/* What nnc_as_output accepts (any size when size < 0), without its messages. */
static int nnc_is_inplace_buffer(PyObject *obj, int typenum, npy_intp size)
{
    PyArrayObject *a = (PyArrayObject *)obj;
    return PyArray_Check(obj) && PyArray_TYPE(a) == typenum && PyArray_ISNOTSWAPPED(a) &&
           PyArray_IS_C_CONTIGUOUS(a) && PyArray_ISALIGNED(a) && PyArray_ISWRITEABLE(a) &&
           (size < 0 || PyArray_SIZE(a) == size);
}

/* An in-place buffer of exactly `size` values (or any size when size < 0). */
static PyArrayObject *net_buffer(PyObject *obj, const char *what, Py_ssize_t index, int typenum,
                                 npy_intp size, PyObject *keep)
{
    char name[96];
    PyArrayObject *a;
    if (nnc_is_inplace_buffer(obj, typenum, size)) {
        /* the common case, checked without building the name */
        if (PyList_Append(keep, obj) < 0)
            return NULL;
        return (PyArrayObject *)obj;
    }
    snprintf(name, sizeof name, "params[%zd].%s", index, what);
    a = nnc_as_output(obj, name, typenum, -1, NULL, size, NULL, NULL, 0);
    if (a == NULL)
        return NULL;
    if (PyList_Append(keep, (PyObject *)a) < 0) {
        Py_DECREF(a);
        return NULL;
    }
    Py_DECREF(a); /* the list keeps it alive */
    return a;
}

int net_desc_parse(PyObject *layers, PyObject *params, int typenum, net_desc *d)
{
    PyObject *lseq = NULL, *pseq = NULL;
    Py_ssize_t nl, np_;
    int ret = -1;
    nnc_status_t st;

    memset(d, 0, sizeof *d);
    d->keep = PyList_New(0);
    if (d->keep == NULL)
        return -1;
    lseq = PySequence_Fast(layers, "layers: expected a sequence of layer tuples");
    if (lseq == NULL)
        goto done;
    pseq = PySequence_Fast(params, "params: expected a sequence of parameter tuples");
    if (pseq == NULL)
        goto done;
    nl = PySequence_Fast_GET_SIZE(lseq);
    np_ = PySequence_Fast_GET_SIZE(pseq);
    if (nl < 1) {
        PyErr_SetString(PyExc_ValueError, "layers: the network has no layers");
        goto done;
    }
    d->layers = PyMem_Calloc((size_t)nl, sizeof(nnc_layer_t));
    d->params = PyMem_Calloc((size_t)(np_ > 0 ? np_ : 1), sizeof(nnc_param_t));
    if (d->layers == NULL || d->params == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nl; i++) {
        nnc_layer_t *L = &d->layers[i];
        int kind, act;
        long long in, out, w, b;
        double alpha;
        PyObject *item = PySequence_Fast_GET_ITEM(lseq, i);
        if (!PyTuple_Check(item) ||
            !PyArg_ParseTuple(item, "iLLidLL;layers: expected (kind, in, out, act, alpha, "
                                    "weight_index, bias_index)",
                              &kind, &in, &out, &act, &alpha, &w, &b)) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "layers[%zd]: expected a tuple", i);
            goto done;
        }
        L->kind = (nnc_layer_kind_t)kind;
        L->in = in;
        L->out = out;
        L->act = (nnc_act_t)act;
        L->alpha = alpha;
        L->weight = w;
        L->bias = b;
    }
    for (Py_ssize_t i = 0; i < np_; i++) {
        nnc_param_t *P = &d->params[i];
        PyObject *data, *grad, *s1, *s2;
        int penalized;
        PyArrayObject *a;
        PyObject *item = PySequence_Fast_GET_ITEM(pseq, i);
        if (!PyTuple_Check(item) ||
            !PyArg_ParseTuple(item, "OOOOp;params: expected (data, grad, state0, state1, "
                                    "penalized)",
                              &data, &grad, &s1, &s2, &penalized)) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "params[%zd]: expected a tuple", i);
            goto done;
        }
        a = net_buffer(data, "data", i, typenum, -1, d->keep);
        if (a == NULL)
            goto done;
        P->data = PyArray_DATA(a);
        P->size = (int64_t)PyArray_SIZE(a);
        a = net_buffer(grad, "grad", i, typenum, (npy_intp)P->size, d->keep);
        if (a == NULL)
            goto done;
        P->grad = PyArray_DATA(a);
        if (s1 != Py_None) {
            a = net_buffer(s1, "state0", i, typenum, (npy_intp)P->size, d->keep);
            if (a == NULL)
                goto done;
            P->state[0] = PyArray_DATA(a);
        }
        if (s2 != Py_None) {
            a = net_buffer(s2, "state1", i, typenum, (npy_intp)P->size, d->keep);
            if (a == NULL)
                goto done;
            P->state[1] = PyArray_DATA(a);
        }
        P->penalized = penalized;
    }
    d->net.f32 = typenum == NPY_FLOAT;
    d->net.n_layers = nl;
    d->net.layers = d->layers;
    d->net.n_params = np_;
    d->net.params = d->params;
    st = nnc_net_check(&d->net);
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "network description (layer widths, parameter sizes or indices "
                             "do not match)");
        goto done;
    }
    ret = 0;
done:
    Py_XDECREF(lseq);
    Py_XDECREF(pseq);
    if (ret < 0)
        net_desc_free(d);
    return ret;
}

int parse_loss(PyObject *obj, nnc_loss_params_t *lp)
{
    int kind, reduction, half;
    double delta;
    if (!PyTuple_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "loss: expected (kind, reduction, half, delta)");
        return -1;
    }
    if (!PyArg_ParseTuple(obj, "iipd;loss: expected (kind, reduction, half, delta)", &kind,
                          &reduction, &half, &delta))
        return -1;
    if (kind < 0 || kind >= NNC_LOSS_COUNT) {
        PyErr_Format(PyExc_ValueError, "loss: unknown loss code %d", kind);
        return -1;
    }
    if (reduction != NNC_REDUCTION_MEAN && reduction != NNC_REDUCTION_SUM) {
        PyErr_Format(PyExc_ValueError, "loss: unknown reduction code %d", reduction);
        return -1;
    }
    lp->kind = (nnc_loss_t)kind;
    lp->reduction = (nnc_reduction_t)reduction;
    lp->half = half;
    lp->delta = delta;
    return 0;
}

/* X (n x in) and Y (n x out) converted to the network's dtype. */
static int parse_data(PyObject *xo, PyObject *yo, const net_desc *d, int typenum,
                      PyArrayObject **x, PyArrayObject **y)
{
    char b1[64], b2[64];
    const int64_t in_w = d->layers[0].in, out_w = d->layers[d->net.n_layers - 1].out;
    *x = nnc_as_input_nd(xo, "X", typenum, 2, 2);
    if (*x == NULL)
        return -1;
    if (PyArray_DIM(*x, 1) != in_w || PyArray_DIM(*x, 0) < 1) {
        PyErr_Format(PyExc_ValueError, "X has shape %s; expected (n >= 1, %lld)",
                     nnc_shape_str(*x, b1, sizeof b1), (long long)in_w);
        return -1;
    }
    if (yo == NULL || yo == Py_None)
        return 0;
    *y = nnc_as_input_nd(yo, "y", typenum, 2, 2);
    if (*y == NULL)
        return -1;
    if (PyArray_DIM(*y, 0) != PyArray_DIM(*x, 0) || PyArray_DIM(*y, 1) != out_w) {
        PyErr_Format(PyExc_ValueError, "y has shape %s but X has shape %s; expected y of shape "
                     "(%lld, %lld)",
                     nnc_shape_str(*y, b1, sizeof b1), nnc_shape_str(*x, b2, sizeof b2),
                     (long long)PyArray_DIM(*x, 0), (long long)out_w);
        return -1;
    }
    return 0;
}

/* What every engine entry point starts from: the dtype, the network
 * description in it, and X (and y) checked against that network.  y is
 * required unless `y_optional`.  d, *x and *y are set to empty first, so on
 * failure (-1, exception set) the caller's exit label releases whatever was
 * acquired, as on success. */
static int parse_net_and_data(PyObject *dtype_o, PyObject *layers, PyObject *params,
                              PyObject *xo, PyObject *yo, int y_optional, int *typenum,
                              net_desc *d, PyArrayObject **x, PyArrayObject **y)
{
    memset(d, 0, sizeof *d);
    *x = *y = NULL;
    *typenum = nnc_parse_dtype(dtype_o, "dtype", NPY_DOUBLE);
    if (*typenum < 0)
        return -1;
    if (net_desc_parse(layers, params, *typenum, d) < 0)
        return -1;
    if (parse_data(xo, yo, d, *typenum, x, y) < 0)
        return -1;
    if (*y == NULL && !y_optional) {
        PyErr_SetString(PyExc_TypeError, "y: expected an array of targets, got None");
        return -1;
    }
    return 0;
}

/* A record or counter the engine writes: exactly `typenum`, `size` values
 * (nnc_as_output).  Borrowed: the caller's argument tuple keeps it alive. */
PyArrayObject *out_buffer(PyObject *obj, const char *name, int typenum, npy_intp size)
{
    PyArrayObject *a = nnc_as_output(obj, name, typenum, -1, NULL, size, NULL, NULL, 0);
    Py_XDECREF(a);
    return a;
}

/* ---------------- the hook: signals, progress, callbacks ---------------- */

/* hook_ctx: m_engine.h (the fit plan, m_plan.c, shares the hook). */

#define NNC_HOOK_PERIOD 0.05 /* seconds between signal checks */

void hook_init(hook_ctx *h, PyObject *monitor, int ticks, int64_t callback_every,
                      const int64_t *passes)
{
    memset(h, 0, sizeof *h);
    h->monitor = monitor == Py_None ? NULL : monitor;
    h->ticks = ticks;
    h->callback_every = callback_every;
    h->passes = passes;
    nnc_clock_gate_init(&h->clock, NNC_HOOK_PERIOD);
}

/* The engine's poll inside a step: the signal check of engine_hook, on the
 * same clock, without the monitor.  Returns 1 (abandon the step) once a
 * signal handler raised. */
int engine_poll(void *vctx)
{
    hook_ctx *h = (hook_ctx *)vctx;
    double now;
    if (h->py_error)
        return 1;
    now = nnc_monotonic_seconds();
    if (now < h->clock.next_check)
        return 0;
    h->clock.next_check = now + h->clock.period;
    PyEval_RestoreThread(h->ts);
    if (PyErr_CheckSignals() < 0)
        h->py_error = 1;
    h->ts = PyEval_SaveThread();
    return h->py_error;
}

static NNC_NOINLINE int engine_hook_due(hook_ctx *h, int64_t epochs_done, int64_t steps_done)
{
    int stop = 0;
    const int at_epoch = h->monitor != NULL && h->callback_every > 0 && epochs_done > 0 &&
                         epochs_done != h->last_callback_epoch &&
                         epochs_done % h->callback_every == 0;
    if (!at_epoch && !nnc_clock_gate_due(&h->clock))
        return 0;
    PyEval_RestoreThread(h->ts);
    if (PyErr_CheckSignals() < 0) {
        h->py_error = 1;
        stop = 1;
    }
    else if (h->monitor != NULL && (at_epoch || h->ticks)) {
        PyObject *r;
        if (at_epoch)
            h->last_callback_epoch = epochs_done;
        r = PyObject_CallFunction(h->monitor, "LLLi", (long long)epochs_done,
                                  (long long)steps_done,
                                  (long long)(h->passes != NULL ? *h->passes : 0), at_epoch);
        if (r == NULL) {
            h->py_error = 1;
            stop = 1;
        }
        else {
            stop = PyObject_IsTrue(r);
            Py_DECREF(r);
            if (stop < 0) {
                h->py_error = 1;
                stop = 1;
            }
        }
    }
    h->ts = PyEval_SaveThread();
    return stop;
}

/* The hook after every step.  Without a monitor only the clock gate decides,
 * and most steps end at its countdown, here, before engine_hook_due's frame
 * is set up (issue 10: on a small batch this call is part of every step's
 * cost); the countdown's last tick goes through nnc_clock_gate_due. */
int engine_hook(void *vctx, int64_t epochs_done, int64_t steps_done)
{
    hook_ctx *h = (hook_ctx *)vctx;
    if (h->monitor == NULL && h->clock.countdown > 1) {
        h->clock.countdown--;
        return 0;
    }
    return engine_hook_due(h, epochs_done, steps_done);
}

/* ---------------- engine_fit ---------------- */

static const char *status_name(nnc_status_t st)
{
    switch (st) {
    case NNC_STATUS_OK: return "ok";
    case NNC_STATUS_INTERRUPTED: return "interrupted";
    case NNC_STATUS_NONFINITE: return "nonfinite";
    case NNC_STATUS_DIVERGED: return "diverged";
    default: return "error";
    }
}

/* opt = (kind, hyper, t): kind the ops.def index, hyper a tuple of the
 * optimizer's hyper-parameters in ops.def order, t a 1-element int64 array
 * (the step counter, updated in place).  Errors name the field. */
int parse_optimizer(PyObject *opt_o, nnc_fit_t *f)
{
    int kind, bad;
    PyObject *hyper_o, *t_o;
    PyArrayObject *t;
    if (!PyTuple_Check(opt_o) || !PyArg_ParseTuple(opt_o, "iOO;opt: expected (kind, hyper, t)",
                                                   &kind, &hyper_o, &t_o)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "opt: expected a tuple (kind, hyper, t)");
        return -1;
    }
    if (kind < 0 || kind >= NNC_OPT_COUNT) {
        PyErr_Format(PyExc_ValueError, "opt: unknown optimizer code %d", kind);
        return -1;
    }
    const nnc_opt_info_t *info = &nnc_opt_info[kind];
    if (!PyTuple_Check(hyper_o) || PyTuple_GET_SIZE(hyper_o) != info->n_hyper) {
        PyErr_Format(PyExc_TypeError, "opt: %s takes a tuple of %d hyper-parameters, got %R",
                     info->name, info->n_hyper, hyper_o);
        return -1;
    }
    for (int i = 0; i < info->n_hyper; i++) {
        f->hyper[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(hyper_o, i));
        if (f->hyper[i] == -1.0 && PyErr_Occurred())
            return -1;
    }
    if (nnc_opt_check((nnc_opt_t)kind, f->hyper, &bad) != NNC_STATUS_OK) {
        PyErr_Format(PyExc_ValueError, "opt: %s %s = %R must be %s", info->name,
                     info->hyper_names[bad], PyTuple_GET_ITEM(hyper_o, bad),
                     info->hyper_checks[bad] == NNC_CHECK_UNIT ? "in [0, 1)" : "finite and > 0");
        return -1;
    }
    f->opt = (nnc_opt_t)kind;
    t = out_buffer(t_o, "t", NPY_INT64, 1);
    if (t == NULL)
        return -1;
    f->t = (int64_t *)PyArray_DATA(t);
    if (*f->t < 0) {
        PyErr_Format(PyExc_ValueError, "opt: t must be >= 0, got %lld", (long long)*f->t);
        return -1;
    }
    return 0;
}

/* engine_schedule(n, order_len, batch_size, epochs) -> (steps_per_epoch,
 * total_steps): nnc_fit_schedule, so that fit sizes its records with the
 * engine's own arithmetic.  order_len 0 means no order.  OverflowError when
 * the total does not fit in int64. */
static PyObject *engine_schedule(PyObject *self, PyObject *args)
{
    long long n, order_len, batch_size, epochs;
    int64_t spe, total;
    (void)self;
    if (!PyArg_ParseTuple(args, "LLLL:engine_schedule", &n, &order_len, &batch_size, &epochs))
        return NULL;
    nnc_status_t st = nnc_fit_schedule(n, order_len, order_len > 0, batch_size, epochs, &spe,
                                       &total);
    if (st == NNC_STATUS_OVERFLOW) {
        PyErr_Format(PyExc_OverflowError, "engine_schedule: epochs=%lld makes more steps than "
                     "a 64-bit counter holds", epochs);
        return NULL;
    }
    if (st != NNC_STATUS_OK) {
        PyErr_Format(PyExc_ValueError, "engine_schedule: invalid schedule (n %lld, order_len "
                     "%lld, batch_size %lld, epochs %lld)", n, order_len, batch_size, epochs);
        return NULL;
    }
    return Py_BuildValue("(LL)", (long long)spe, (long long)total);
}

/* engine_fit's fields, in the order of its keywords (and of engine_fit_args'
 * positional arguments). */
typedef struct {
    PyObject *dtype_o, *layers, *params, *xo, *yo, *loss_o;
    double l1, l2;
    PyObject *opt_o;
    long long epochs, batch_size;
    PyObject *order_o, *rng_o;
    double divergence;
    PyObject *rec_epoch_o, *rec_step_o, *rec_params_o, *monitor;
    long long callback_every;
    int ticks, threads;
    PyObject *counters_o;
    int sum_order, mean_reciprocal, transcendentals;
    long long shuffle_keep;
} fit_args;

static char *fit_kw[] = {"dtype", "layers", "params", "x", "y", "loss", "l1", "l2", "opt",
                         "epochs", "batch_size", "order", "rng_state", "divergence", "epoch_loss",
                         "step_loss", "param_record", "monitor", "callback_every", "ticks",
                         "threads", "counters", "sum_order", "mean_reciprocal",
                         "transcendentals", "shuffle_keep", NULL};
enum { NNC_FIT_FIELDS = 26, NNC_FIT_REQUIRED_FIELDS = 22 }; /* all but the replay options */

static PyObject *fit_run(PyObject *module, fit_args *a);

static PyObject *engine_fit(PyObject *self, PyObject *args, PyObject *kwargs)
{
    fit_args a;
    Py_ssize_t given;

    (void)self;
    memset(&a, 0, sizeof a);
    /* Keyword-only (the "$"): a wrong or missing field is named in the
     * error.  The last four fields (the replay options) are optional. */
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOOOOOddOLLOOdOOOOLpiOiiiL:engine_fit", fit_kw,
                                     &a.dtype_o, &a.layers, &a.params, &a.xo, &a.yo, &a.loss_o,
                                     &a.l1, &a.l2, &a.opt_o, &a.epochs, &a.batch_size, &a.order_o,
                                     &a.rng_o, &a.divergence, &a.rec_epoch_o, &a.rec_step_o,
                                     &a.rec_params_o, &a.monitor, &a.callback_every, &a.ticks,
                                     &a.threads, &a.counters_o, &a.sum_order, &a.mean_reciprocal,
                                     &a.transcendentals, &a.shuffle_keep))
        return NULL;
    /* Every keyword given is a field (the parser refuses others), so the
     * required ones are all there when the count of the rest is right; only
     * otherwise are they looked up one by one, to name the missing one. */
    given = kwargs == NULL ? 0 : PyDict_GET_SIZE(kwargs);
    for (int i = NNC_FIT_REQUIRED_FIELDS; i < NNC_FIT_FIELDS && given > 0; i++)
        given -= PyDict_GetItemString(kwargs, fit_kw[i]) != NULL;
    if (given != NNC_FIT_REQUIRED_FIELDS) {
        for (int i = 0; i < NNC_FIT_REQUIRED_FIELDS; i++) {
            if (kwargs == NULL || PyDict_GetItemString(kwargs, fit_kw[i]) == NULL) {
                PyErr_Format(PyExc_TypeError, "engine_fit: missing field %s", fit_kw[i]);
                return NULL;
            }
        }
    }
    return fit_run(self, &a);
}

/* One positional field of engine_fit_args, converted as engine_fit's parser
 * converts it ("d", "L", "i" or "p"); -1 with TypeError/OverflowError naming
 * the field otherwise. */
static int fit_arg_double(PyObject *o, int i, double *out)
{
    *out = PyFloat_AsDouble(o);
    if (*out == -1.0 && PyErr_Occurred()) {
        PyErr_Format(PyExc_TypeError, "engine_fit_args: %s must be a float", fit_kw[i]);
        return -1;
    }
    return 0;
}

static int fit_arg_ll(PyObject *o, int i, long long *out)
{
    if (PyFloat_Check(o)) {
        PyErr_Format(PyExc_TypeError, "engine_fit_args: %s must be an int", fit_kw[i]);
        return -1;
    }
    *out = PyLong_AsLongLong(o);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

static int fit_arg_int(PyObject *o, int i, int *out)
{
    long long v;
    if (fit_arg_ll(o, i, &v) < 0)
        return -1;
    if (v < INT_MIN || v > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, "engine_fit_args: %s = %lld is out of range", fit_kw[i],
                     v);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* engine_fit_args(*fields): engine_fit with its 26 fields positional, in
 * keyword order -- the call nnc.Sequential.fit makes (no keyword parsing). */
static PyObject *engine_fit_args(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    fit_args a;
    int ok;

    (void)self;
    if (nargs != NNC_FIT_FIELDS) {
        PyErr_Format(PyExc_TypeError, "engine_fit_args: expected %d arguments, got %zd",
                     (int)NNC_FIT_FIELDS, nargs);
        return NULL;
    }
    memset(&a, 0, sizeof a);
    a.dtype_o = args[0];
    a.layers = args[1];
    a.params = args[2];
    a.xo = args[3];
    a.yo = args[4];
    a.loss_o = args[5];
    a.opt_o = args[8];
    a.order_o = args[11];
    a.rng_o = args[12];
    a.rec_epoch_o = args[14];
    a.rec_step_o = args[15];
    a.rec_params_o = args[16];
    a.monitor = args[17];
    a.counters_o = args[21];
    ok = fit_arg_double(args[6], 6, &a.l1) == 0 && fit_arg_double(args[7], 7, &a.l2) == 0 &&
         fit_arg_ll(args[9], 9, &a.epochs) == 0 && fit_arg_ll(args[10], 10, &a.batch_size) == 0 &&
         fit_arg_double(args[13], 13, &a.divergence) == 0 &&
         fit_arg_ll(args[18], 18, &a.callback_every) == 0 &&
         fit_arg_int(args[20], 20, &a.threads) == 0 &&
         fit_arg_int(args[22], 22, &a.sum_order) == 0 &&
         fit_arg_int(args[23], 23, &a.mean_reciprocal) == 0 &&
         fit_arg_int(args[24], 24, &a.transcendentals) == 0 &&
         fit_arg_ll(args[25], 25, &a.shuffle_keep) == 0;
    if (!ok)
        return NULL;
    a.ticks = PyObject_IsTrue(args[19]);
    if (a.ticks < 0)
        return NULL;
    return fit_run(self, &a);
}

/* The module's worker pool for a fit or eval on threads > 1 whose widest
 * product over n rows is big enough to share (the threshold of run_gemm in
 * m_matrix.c); NULL otherwise, or when another call holds the pool (its
 * products then start threads per call).  Release with
 * nnc_module_pool_release. */
nnc_pool_t *engine_pool(PyObject *module, const nnc_net_t *net, int64_t n, int threads)
{
    double widest = 0.0;
    if (threads <= 1)
        return NULL;
    for (int64_t i = 0; i < net->n_layers; i++) {
        const nnc_layer_t *L = &net->layers[i];
        if (L->kind == NNC_LAYER_DENSE && (double)L->in * (double)L->out > widest)
            widest = (double)L->in * (double)L->out;
    }
    return (double)n * widest >= 2.0 * NNC_GEMM_POOL_THREAD_WORK
               ? nnc_module_pool_acquire(module, threads)
               : NULL;
}

static PyObject *fit_run(PyObject *module, fit_args *a)
{
    PyObject *dtype_o = a->dtype_o, *layers = a->layers, *params = a->params, *xo = a->xo;
    PyObject *yo = a->yo, *loss_o = a->loss_o, *opt_o = a->opt_o, *order_o = a->order_o;
    PyObject *rng_o = a->rng_o, *rec_epoch_o = a->rec_epoch_o, *rec_step_o = a->rec_step_o;
    PyObject *rec_params_o = a->rec_params_o, *monitor = a->monitor;
    PyObject *counters_o = a->counters_o;
    const double l1 = a->l1, l2 = a->l2, divergence = a->divergence;
    const long long epochs = a->epochs, batch_size = a->batch_size;
    const long long callback_every = a->callback_every;
    const int ticks = a->ticks, threads = a->threads, sum_order = a->sum_order;
    const int mean_reciprocal = a->mean_reciprocal, transcendentals = a->transcendentals;
    const long long shuffle_keep = a->shuffle_keep;
    net_desc d;
    PyArrayObject *x = NULL, *y = NULL, *order = NULL, *counters = NULL;
    PyObject *result = NULL;
    nnc_fit_t f;
    hook_ctx h;
    nnc_status_t st;
    int typenum;
    int64_t spe, total_steps, n_values;

    memset(&d, 0, sizeof d);
    memset(&f, 0, sizeof f);
    if (sum_order < 0 || sum_order >= NNC_SUM_COUNT) {
        PyErr_Format(PyExc_ValueError,
                     "engine_fit: sum_order must be 0 (fixed), 1 (data) or 2 (pharo), got %d",
                     sum_order);
        return NULL;
    }
    if (mean_reciprocal != 0 && mean_reciprocal != 1) {
        PyErr_Format(PyExc_ValueError, "engine_fit: mean_reciprocal must be 0 or 1, got %d",
                     mean_reciprocal);
        return NULL;
    }
    if (transcendentals < 0 || transcendentals >= NNC_TRANS_COUNT) {
        PyErr_Format(PyExc_ValueError,
                     "engine_fit: transcendentals must be 0 (nnc) or 1 (libm), got %d",
                     transcendentals);
        return NULL;
    }
    f.transcendentals = (nnc_trans_t)transcendentals;
    f.shuffle_keep = (int64_t)shuffle_keep;
    f.sum_order = (nnc_sum_order_t)sum_order;
    f.mean_reciprocal = mean_reciprocal;
    if (parse_net_and_data(dtype_o, layers, params, xo, yo, 0, &typenum, &d, &x, &y) < 0)
        goto done;
    if (parse_loss(loss_o, &f.loss) < 0)
        goto done;
    if (parse_optimizer(opt_o, &f) < 0)
        goto done;
    {
        const char *bad = epochs < 0 ? "epochs" : batch_size < 0 ? "batch_size"
                                                 : callback_every < 0 ? "callback_every"
                                                 : threads < 1 ? "threads" : NULL;
        if (bad != NULL) {
            PyErr_Format(PyExc_ValueError, "engine_fit: %s must be >= %d (epochs %lld, "
                         "batch_size %lld, callback_every %lld, threads %d)", bad,
                         threads < 1 && bad[0] == 't' ? 1 : 0, epochs, batch_size,
                         callback_every, threads);
            goto done;
        }
    }
    f.x = PyArray_DATA(x);
    f.y = PyArray_DATA(y);
    f.n = (int64_t)PyArray_DIM(x, 0);
    f.l1 = l1;
    f.l2 = l2;
    f.epochs = epochs;
    f.batch_size = batch_size;
    f.divergence = divergence;
    f.threads = threads;
    if (order_o != Py_None) {
        /* Copied, then validated: the engine reads it at every step, with
         * callbacks in between that could change the caller's array. */
        order = (PyArrayObject *)PyArray_FROM_OTF(order_o, NPY_INT64,
                                                  NPY_ARRAY_IN_ARRAY | NPY_ARRAY_ENSURECOPY);
        if (order == NULL)
            goto done;
        if (PyArray_NDIM(order) != 1 || PyArray_DIM(order, 0) < 1) {
            PyErr_SetString(PyExc_ValueError, "order: expected a non-empty 1-d array of indices");
            goto done;
        }
        f.order = (const int64_t *)PyArray_DATA(order);
        f.order_len = (int64_t)PyArray_DIM(order, 0);
        for (int64_t i = 0; i < f.order_len; i++) {
            if (f.order[i] < 0 || f.order[i] >= f.n) {
                PyErr_Format(PyExc_ValueError,
                             "order[%lld] = %lld is not a sample index: X has %lld rows",
                             (long long)i, (long long)f.order[i], (long long)f.n);
                goto done;
            }
        }
    }
    if (rng_o != Py_None) {
        PyArrayObject *r = out_buffer(rng_o, "rng_state", NPY_UINT64, 4);
        if (r == NULL)
            goto done;
        f.shuffle_rng = (nnc_rng_t *)PyArray_DATA(r);
        if ((f.shuffle_rng->s[0] | f.shuffle_rng->s[1] | f.shuffle_rng->s[2] |
             f.shuffle_rng->s[3]) == 0) {
            PyErr_SetString(PyExc_ValueError,
                            "rng_state: all four words are zero, a state xoshiro256** never "
                            "leaves (the shuffle would never end)");
            goto done;
        }
    }
    if (f.shuffle_keep < 0 || f.shuffle_keep > f.n) {
        PyErr_Format(PyExc_ValueError, "engine_fit: shuffle_keep must be in [0, %lld], got %lld",
                     (long long)f.n, (long long)f.shuffle_keep);
        goto done;
    }
    st = nnc_fit_schedule(f.shuffle_rng != NULL && f.order == NULL && f.shuffle_keep > 0
                              ? f.shuffle_keep
                              : f.n,
                          f.order_len, f.order != NULL, f.batch_size, f.epochs, &spe,
                          &total_steps);
    if (st == NNC_STATUS_OK)
        st = nnc_net_param_count(&d.net, &n_values);
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "engine_fit: schedule");
        goto done;
    }
    {
        PyArrayObject *a = out_buffer(rec_epoch_o, "epoch_loss", NPY_DOUBLE, (npy_intp)epochs);
        if (a == NULL)
            goto done;
        f.epoch_loss = (double *)PyArray_DATA(a);
        if (rec_step_o != Py_None) {
            a = out_buffer(rec_step_o, "step_loss", NPY_DOUBLE, (npy_intp)total_steps);
            if (a == NULL)
                goto done;
            f.step_loss = (double *)PyArray_DATA(a);
        }
        if (rec_params_o != Py_None) {
            int64_t rows, cells;
            if (nnc_add_i64(total_steps, 1, &rows) != 0 ||
                nnc_mul_i64(rows, n_values, &cells) != 0 || cells > NPY_MAX_INTP) {
                PyErr_SetString(PyExc_OverflowError, "param_record: size overflows");
                goto done;
            }
            a = out_buffer(rec_params_o, "param_record", typenum, (npy_intp)cells);
            if (a == NULL)
                goto done;
            f.param_record = PyArray_DATA(a);
        }
    }
    counters = out_buffer(counters_o, "counters", NPY_INT64, 3);
    if (counters == NULL)
        goto done;
    if (monitor != Py_None && !PyCallable_Check(monitor)) {
        PyErr_SetString(PyExc_TypeError, "monitor: expected a callable or None");
        goto done;
    }

    hook_init(&h, monitor, ticks, callback_every, &f.forward_passes);
    f.hook = engine_hook;
    f.hook_ctx = &h;
    /* engine_hook without a monitor only counts down while countdown > 1: the
     * engine may do that itself (nnc_fit_t.hook_countdown) */
    f.hook_countdown = h.monitor == NULL ? &h.clock.countdown : NULL;
    f.poll = engine_poll;
    f.poll_ctx = &h;
    f.pool = engine_pool(module, &d.net, f.n, threads);
    h.ts = PyEval_SaveThread();
    st = nnc_engine_fit(&d.net, &f);
    PyEval_RestoreThread(h.ts);
    nnc_module_pool_release(f.pool);

    {
        int64_t *c = (int64_t *)PyArray_DATA(counters);
        c[0] = f.epochs_done;
        c[1] = f.steps_done;
        c[2] = f.forward_passes;
    }
    if (h.py_error)
        goto done; /* KeyboardInterrupt or the monitor's exception */
    if (st == NNC_STATUS_INVALID_ARGUMENT && f.bad_field != NULL) {
        const int missing_state = f.bad_param >= 0 && strncmp(f.bad_field, "params[].state", 14) == 0 &&
                                  d.net.params[f.bad_param].state[f.bad_field[14] - '0'] == NULL;
        if (missing_state)
            PyErr_Format(PyExc_ValueError, "engine_fit: params[%lld].%s is None, but %s keeps a "
                         "state array per parameter there", (long long)f.bad_param,
                         f.bad_field + 9, nnc_opt_names[f.opt]);
        else if (f.bad_param >= 0 && strncmp(f.bad_field, "params[]", 8) == 0)
            PyErr_Format(PyExc_ValueError,
                         "engine_fit: params[%lld].%s shares memory with another buffer of the "
                         "fit (a parameter, its gradient or optimizer state, X or y); every "
                         "array fit writes must be its own",
                         (long long)f.bad_param, f.bad_field + 9);
        else
            PyErr_Format(PyExc_ValueError, "engine_fit: invalid %s (checked by the engine)",
                         f.bad_field);
        goto done;
    }
    if (st != NNC_STATUS_OK && st != NNC_STATUS_INTERRUPTED && st != NNC_STATUS_NONFINITE &&
        st != NNC_STATUS_DIVERGED) {
        nnc_raise_status(st, "fit");
        goto done;
    }
    result = Py_BuildValue("(sLLLLLdd)", status_name(st), (long long)f.epochs_done,
                           (long long)f.steps_done, (long long)f.forward_passes,
                           (long long)f.fail_epoch, (long long)f.fail_step, f.fail_loss,
                           f.reference_loss);
done:
    Py_XDECREF(x);
    Py_XDECREF(y);
    Py_XDECREF(order);
    net_desc_free(&d);
    return result;
}

/* ---------------- engine_eval ---------------- */

static PyObject *engine_eval(PyObject *self, PyObject *args)
{
    PyObject *dtype_o, *layers, *params, *xo, *yo, *loss_o;
    double l1, l2;
    int want_grad, want_pred, threads;
    net_desc d;
    PyArrayObject *x = NULL, *y = NULL, *pred = NULL;
    PyObject *result = NULL;
    nnc_eval_t ev;
    nnc_status_t st;
    hook_ctx h;
    int typenum;

    memset(&ev, 0, sizeof ev);
    if (!PyArg_ParseTuple(args, "OOOOOOddppi:engine_eval", &dtype_o, &layers, &params, &xo, &yo,
                          &loss_o, &l1, &l2, &want_grad, &want_pred, &threads))
        return NULL;
    if (parse_net_and_data(dtype_o, layers, params, xo, yo, 1, &typenum, &d, &x, &y) < 0)
        goto done;
    if (y != NULL && parse_loss(loss_o, &ev.loss) < 0)
        goto done;
    if (threads < 1) {
        PyErr_Format(PyExc_ValueError, "engine_eval: threads must be >= 1, got %d", threads);
        goto done;
    }
    if ((y == NULL && (want_grad || !want_pred)) || !isfinite(l1) || !isfinite(l2)) {
        PyErr_SetString(PyExc_ValueError,
                        "engine_eval: needs y for a loss or gradient, a prediction otherwise, "
                        "finite l1/l2 and threads >= 1");
        goto done;
    }
    if (want_pred) {
        npy_intp dims[2] = {PyArray_DIM(x, 0), (npy_intp)d.layers[d.net.n_layers - 1].out};
        pred = nnc_new_array(2, dims, typenum);
        if (pred == NULL)
            goto done;
        ev.pred = PyArray_DATA(pred);
    }
    ev.x = PyArray_DATA(x);
    ev.y = y != NULL ? PyArray_DATA(y) : NULL;
    ev.n = (int64_t)PyArray_DIM(x, 0);
    ev.l1 = l1;
    ev.l2 = l2;
    ev.want_grad = want_grad;
    ev.threads = threads;
    hook_init(&h, Py_None, 0, 0, NULL);
    ev.poll = engine_poll;
    ev.poll_ctx = &h;
    ev.pool = engine_pool(self, &d.net, ev.n, threads);
    h.ts = PyEval_SaveThread();
    st = nnc_engine_eval(&d.net, &ev);
    PyEval_RestoreThread(h.ts);
    nnc_module_pool_release(ev.pool);
    if (h.py_error)
        goto done; /* KeyboardInterrupt */
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "evaluate");
        goto done;
    }
    if (y != NULL)
        result = Py_BuildValue("(dO)", ev.loss_value, pred != NULL ? (PyObject *)pred : Py_None);
    else
        result = Py_BuildValue("(OO)", Py_None, (PyObject *)pred);
done:
    Py_XDECREF(x);
    Py_XDECREF(y);
    Py_XDECREF(pred);
    net_desc_free(&d);
    return result;
}

/* ---------------- engine_loss_surface ---------------- */

static PyObject *engine_loss_surface(PyObject *self, PyObject *args)
{
    PyObject *dtype_o, *layers, *params, *xo, *yo, *loss_o, *ga_o, *gb_o;
    double l1, l2;
    long long pa, ia, pb, ib;
    int threads;
    net_desc d;
    PyArrayObject *x = NULL, *y = NULL, *ga = NULL, *gb = NULL, *out = NULL;
    PyObject *result = NULL;
    nnc_loss_params_t lp;
    nnc_status_t st;
    hook_ctx h;
    int typenum;

    (void)self;
    if (!PyArg_ParseTuple(args, "OOOOOOddLLLLOOi:engine_loss_surface", &dtype_o, &layers,
                          &params, &xo, &yo, &loss_o, &l1, &l2, &pa, &ia, &pb, &ib, &ga_o, &gb_o,
                          &threads))
        return NULL;
    if (parse_net_and_data(dtype_o, layers, params, xo, yo, 0, &typenum, &d, &x, &y) < 0)
        goto done;
    if (parse_loss(loss_o, &lp) < 0)
        goto done;
    ga = nnc_as_input_nd(ga_o, "grid[0]", NPY_DOUBLE, 1, 1);
    if (ga == NULL)
        goto done;
    gb = nnc_as_input_nd(gb_o, "grid[1]", NPY_DOUBLE, 1, 1);
    if (gb == NULL)
        goto done;
    if (threads < 1) {
        PyErr_Format(PyExc_ValueError, "engine_loss_surface: threads must be >= 1, got %d",
                     threads);
        goto done;
    }
    if (pa < 0 || pa >= d.net.n_params || pb < 0 || pb >= d.net.n_params || ia < 0 ||
        ia >= d.params[pa].size || ib < 0 || ib >= d.params[pb].size || (pa == pb && ia == ib)) {
        PyErr_SetString(PyExc_ValueError,
                        "engine_loss_surface: parameter indices out of range or the same value "
                        "chosen twice");
        goto done;
    }
    {
        npy_intp dims[2] = {PyArray_DIM(gb, 0), PyArray_DIM(ga, 0)};
        out = nnc_new_array(2, dims, NPY_DOUBLE);
        if (out == NULL)
            goto done;
    }
    hook_init(&h, Py_None, 0, 0, NULL);
    h.ts = PyEval_SaveThread();
    st = nnc_engine_loss_surface(&d.net, PyArray_DATA(x), PyArray_DATA(y), PyArray_DIM(x, 0), &lp,
                                 l1, l2, pa, ia, pb, ib, PyArray_DIM(ga, 0),
                                 (const double *)PyArray_DATA(ga), PyArray_DIM(gb, 0),
                                 (const double *)PyArray_DATA(gb), (double *)PyArray_DATA(out),
                                 threads, engine_hook, &h);
    PyEval_RestoreThread(h.ts);
    if (h.py_error)
        goto done;
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "loss_surface");
        goto done;
    }
    result = (PyObject *)out;
    out = NULL;
done:
    Py_XDECREF(x);
    Py_XDECREF(y);
    Py_XDECREF(ga);
    Py_XDECREF(gb);
    Py_XDECREF(out);
    net_desc_free(&d);
    return result;
}

PyMethodDef nnc_engine_methods[] = {
    {"engine_schedule", engine_schedule, METH_VARARGS,
     "engine_schedule(n, order_len, batch_size, epochs) -> (steps_per_epoch, total_steps)\n\n"
     "The engine's schedule arithmetic (order_len 0: no order; batch_size 0: full batch)."},
    {"engine_fit", (PyCFunction)(void (*)(void))engine_fit, METH_VARARGS | METH_KEYWORDS,
     "engine_fit(*, dtype, layers, params, x, y, loss, l1, l2, opt, epochs, batch_size, order,\n"
     "           rng_state, divergence, epoch_loss, step_loss, param_record, monitor,\n"
     "           callback_every, ticks, threads, counters)\n"
     "  -> (status, epochs_done, steps_done, forward_passes, fail_epoch, fail_step,\n"
     "      fail_loss, reference_loss)\n\n"
     "Every field by keyword (nnc.model._engine_request builds them).\n"
     "The whole training run in one call, GIL released (nnc.Sequential.fit is the API).\n"
     "status is 'ok', 'interrupted' (the monitor returned true), 'nonfinite' or\n"
     "'diverged'.  counters (int64[3]) receives epochs_done, steps_done and forward\n"
     "passes even when a KeyboardInterrupt or the monitor's exception propagates."},
    {"engine_fit_args", (PyCFunction)(void (*)(void))engine_fit_args, METH_FASTCALL,
     "engine_fit_args(dtype, layers, params, x, y, loss, l1, l2, opt, epochs, batch_size,\n"
     "                order, rng_state, divergence, epoch_loss, step_loss, param_record,\n"
     "                monitor, callback_every, ticks, threads, counters, sum_order,\n"
     "                mean_reciprocal)\n\n"
     "engine_fit with every field positional, in that order (no keyword parsing: the\n"
     "call nnc.Sequential.fit makes)."},
    {"engine_eval", engine_eval, METH_VARARGS,
     "engine_eval(dtype, layers, params, X, y, loss, l1, l2, want_grad, want_pred, threads)\n"
     "  -> (objective or None, prediction or None)\n\n"
     "One forward pass over all rows of X (and loss, and gradients into the params' grad\n"
     "buffers when want_grad)."},
    {"engine_loss_surface", engine_loss_surface, METH_VARARGS,
     "engine_loss_surface(dtype, layers, params, X, y, loss, l1, l2, pa, ia, pb, ib,\n"
     "                    grid_a, grid_b, threads) -> float64 array (len(grid_b), len(grid_a))\n\n"
     "out[j, i] = objective with params[pa].flat[ia] = grid_a[i] and params[pb].flat[ib] =\n"
     "grid_b[j]; the two values are restored afterwards."},
    {NULL, NULL, 0, NULL},
};

static PyObject *names_tuple(const char *const *names, int n)
{
    PyObject *t = PyTuple_New(n);
    if (t == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *s = PyUnicode_FromString(names[i]);
        if (s == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

int nnc_engine_module_init(PyObject *module)
{
    struct {
        const char *attr;
        const char *const *names;
        int n;
    } tables[] = {
        {"_engine_activations", nnc_act_names, NNC_ACT_COUNT},
        {"_engine_losses", nnc_loss_names, NNC_LOSS_COUNT},
        {"_engine_optimizers", nnc_opt_names, NNC_OPT_COUNT},
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        PyObject *t = names_tuple(tables[i].names, tables[i].n);
        if (t == NULL || PyModule_AddObject(module, tables[i].attr, t) < 0) {
            Py_XDECREF(t);
            return -1;
        }
    }
    return nnc_plan_module_init(module);
}
