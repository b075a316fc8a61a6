/* nnc._core._FitPlan: fit's cached plan, so that a repeated small fit is one
 * C call (issue 11, "a cheap fit").
 *
 * nnc.Sequential.fit builds a plan after a fit that the Python side checked in
 * full (nnc/model.py, _FitPlan) and that took its cached description of the
 * network: the plan holds that description parsed into engine structures,
 * every other engine field, the settings (fit's arguments) it was made for
 * and a WATCH -- the dicts and lists whose values the description was made
 * from (the model's dtype and layer list, each layer's attributes, parameter
 * and gradient dicts, the optimizer's attributes and state dicts) with a
 * snapshot of their values.  plan.fit(settings, X, y) then:
 *   - returns None (the caller takes the full path, which rebuilds) unless the
 *     settings are the same values of the same types (floats bit for bit, so
 *     0.0 is not -0.0) and every watched value is the very object it was;
 *   - re-checks every buffer the engine writes (exact dtype, C-contiguous,
 *     aligned, writeable, the same size and memory as when parsed) and the
 *     step counter (None otherwise: the full path then raises its error);
 *   - takes X and y as they are when they already have fit's form (an exact
 *     ndarray of the model's dtype, C-contiguous, (n, in) and (n, out), a 1-d
 *     y for one output; y only when the loss takes targets as they are, or
 *     when the caller says it converted them: fit(settings, X, y, True)),
 *     else returns NotImplemented (the caller converts them and calls again);
 *   - allocates the records, runs the engine with the GIL released (Ctrl-C
 *     seen within ~0.05 s, as every fit) and returns the History; a
 *     nonfinite or diverged run returns the engine's result tuple and the
 *     records (the caller raises DivergenceError); an exception (Ctrl-C)
 *     leaves with .history set; an argument or memory error of the engine
 *     (reported before any step) returns None.
 * shuffle: the generator's state is copied in under its lock before the run
 * and written back under it after (as the full path does).  No callback,
 * progress display or order: those fits keep the full path.  The plan refers to the model's own dict, so it takes part in
 * garbage collection. */
#include "nnc_module.h"

#include "engine.h"
#include "m_engine.h"

#include <math.h>
#include <string.h>

/* Py_NewRef, which Python 3.9 lacks. */
static PyObject *plan_ref(PyObject *o)
{
    Py_INCREF(o);
    return o;
}

typedef struct {
    PyObject_HEAD
    PyObject *settings; /* tuple: fit's arguments this plan was made for */
    PyObject *watch;    /* tuple of (container, keys or None, snapshot tuple) */
    PyObject *opt;      /* the optimizer tuple (keeps the step counter alive) */
    PyObject *history;  /* the History type */
    PyObject *shapes;   /* History's parameter shapes */
    PyObject *info;     /* the Python-side plan (target conversion) */
    PyObject *gen_lock; /* shuffle: the generator's lock and state array, or NULL */
    PyObject *gen_state;
    PyObject *module;   /* nnc._core when threads > 1 (its worker pool), else NULL */
    void *gen_data;     /* gen_state's memory when parsed */
    PyObject *status[3]; /* "completed", "interrupted", "error" */
    PyObject *keys[9];  /* History's attribute names (History.__init__'s order) */
    net_desc d;
    void **data;        /* d.keep[i]'s memory when parsed */
    npy_intp *sizes;    /* and its number of values */
    nnc_fit_t base;     /* every engine field but the data and the records */
    int typenum;
    int record;         /* 0 epoch, 1 step, 2 params */
    int plain_targets;
    int valid;          /* 0 after tp_clear */
    long long n, in_w, out_w, total_steps, n_values;
} fitplan;

/* ---------------- construction ---------------- */

/* A watch entry: a dict (all its values, in order), a list (its items) or
 * (dict, keys) (the values of those keys).  -> (container, keys or None,
 * snapshot); NULL with TypeError/KeyError otherwise. */
static PyObject *watch_entry(PyObject *e)
{
    PyObject *c = e, *keys = Py_None, *snap = NULL;
    if (PyTuple_Check(e)) {
        if (PyTuple_GET_SIZE(e) != 2 || !PyDict_Check(PyTuple_GET_ITEM(e, 0)) ||
            !PyTuple_Check(PyTuple_GET_ITEM(e, 1))) {
            PyErr_SetString(PyExc_TypeError, "_FitPlan: watch: a tuple entry is (dict, keys)");
            return NULL;
        }
        c = PyTuple_GET_ITEM(e, 0);
        keys = PyTuple_GET_ITEM(e, 1);
        snap = PyTuple_New(PyTuple_GET_SIZE(keys));
        if (snap == NULL)
            return NULL;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(keys); i++) {
            PyObject *v = PyDict_GetItemWithError(c, PyTuple_GET_ITEM(keys, i));
            if (v == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetObject(PyExc_KeyError, PyTuple_GET_ITEM(keys, i));
                Py_DECREF(snap);
                return NULL;
            }
            Py_INCREF(v);
            PyTuple_SET_ITEM(snap, i, v);
        }
    }
    else if (PyDict_Check(e)) {
        PyObject *vals = PyDict_Values(e);
        if (vals == NULL)
            return NULL;
        snap = PyList_AsTuple(vals);
        Py_DECREF(vals);
    }
    else if (PyList_Check(e)) {
        snap = PyList_AsTuple(e);
    }
    else {
        PyErr_Format(PyExc_TypeError, "_FitPlan: watch: expected a dict, a list or (dict, keys), "
                     "got %.80s", Py_TYPE(e)->tp_name);
        return NULL;
    }
    if (snap == NULL)
        return NULL;
    return Py_BuildValue("(OON)", c, keys, snap);
}

static int as_ll(PyObject *o, const char *name, long long lo, long long *out)
{
    if (!PyLong_Check(o)) {
        PyErr_Format(PyExc_TypeError, "_FitPlan: %s must be an int", name);
        return -1;
    }
    *out = PyLong_AsLongLong(o);
    if (*out == -1 && PyErr_Occurred())
        return -1;
    if (*out < lo) {
        PyErr_Format(PyExc_ValueError, "_FitPlan: %s must be >= %lld, got %lld", name, lo, *out);
        return -1;
    }
    return 0;
}

static int as_double(PyObject *o, const char *name, double *out)
{
    *out = PyFloat_AsDouble(o);
    if (*out == -1.0 && PyErr_Occurred())
        return -1;
    if (!isfinite(*out) || *out < 0) {
        PyErr_Format(PyExc_ValueError, "_FitPlan: %s must be finite and >= 0", name);
        return -1;
    }
    return 0;
}

enum { PLAN_ARGS = 24 };

static int plan_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    fitplan *p = (fitplan *)self;
    PyObject *a[PLAN_ARGS];
    long long epochs, bs, threads, sum_order, mean_rec, trans, record, n, plain, keep;
    double l1, l2, div;
    int64_t spe, total, n_values;
    nnc_status_t st;
    PyObject *watch = NULL;
    static const char *const names[3] = {"completed", "interrupted", "error"};
    static const char *const keys[9] = {"loss", "step_loss", "params", "_param_names",
                                        "_param_shapes", "forward_passes", "epochs", "steps",
                                        "status"};

    if (p->watch != NULL) {
        PyErr_SetString(PyExc_TypeError, "_FitPlan: already initialised");
        return -1;
    }
    if ((kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) || !PyTuple_Check(args) ||
        PyTuple_GET_SIZE(args) != PLAN_ARGS) {
        PyErr_Format(PyExc_TypeError, "_FitPlan: expected %d positional arguments (settings, "
                     "watch, dtype, layers, params, loss, l1, l2, opt, epochs, batch_size, "
                     "divergence, threads, sum_order, mean_reciprocal, transcendentals, record, "
                     "n, plain_targets, history, shapes, info, generator, shuffle_keep)",
                     (int)PLAN_ARGS);
        return -1;
    }
    for (int i = 0; i < PLAN_ARGS; i++)
        a[i] = PyTuple_GET_ITEM(args, i);
    if (!PyTuple_Check(a[0]) || !PyTuple_Check(a[1])) {
        PyErr_SetString(PyExc_TypeError, "_FitPlan: settings and watch must be tuples");
        return -1;
    }
    if (as_double(a[6], "l1", &l1) < 0 || as_double(a[7], "l2", &l2) < 0 ||
        as_ll(a[9], "epochs", 0, &epochs) < 0 || as_ll(a[10], "batch_size", 0, &bs) < 0 ||
        as_double(a[11], "divergence", &div) < 0 || as_ll(a[12], "threads", 1, &threads) < 0 ||
        as_ll(a[13], "sum_order", 0, &sum_order) < 0 ||
        as_ll(a[14], "mean_reciprocal", 0, &mean_rec) < 0 ||
        as_ll(a[15], "transcendentals", 0, &trans) < 0 || as_ll(a[16], "record", 0, &record) < 0 ||
        as_ll(a[17], "n", 1, &n) < 0 || as_ll(a[18], "plain_targets", 0, &plain) < 0 ||
        as_ll(a[23], "shuffle_keep", 0, &keep) < 0)
        return -1;
    if (keep > n || (keep > 0 && a[22] == Py_None)) {
        PyErr_SetString(PyExc_ValueError, "_FitPlan: shuffle_keep must be <= n, and 0 without "
                        "a generator");
        return -1;
    }
    if (a[22] != Py_None) {
        /* shuffle: (lock, state): the generator's threading.Lock and its
         * four-word state, copied in and out around the run under the lock */
        PyObject *lock, *state;
        if (!PyTuple_Check(a[22]) || PyTuple_GET_SIZE(a[22]) != 2) {
            PyErr_SetString(PyExc_TypeError, "_FitPlan: generator must be (lock, state) or None");
            return -1;
        }
        lock = PyTuple_GET_ITEM(a[22], 0);
        state = PyTuple_GET_ITEM(a[22], 1);
        if (!PyObject_HasAttrString(lock, "acquire") || !PyObject_HasAttrString(lock, "release") ||
            out_buffer(state, "generator state", NPY_UINT64, 4) == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "_FitPlan: generator lock needs acquire and "
                                "release");
            return -1;
        }
    }
    if (sum_order >= NNC_SUM_COUNT || mean_rec > 1 || trans >= NNC_TRANS_COUNT || record > 2 ||
        plain > 1 || threads > 1024 || epochs > NPY_MAX_INTP) {
        PyErr_SetString(PyExc_ValueError, "_FitPlan: sum_order, mean_reciprocal, "
                        "transcendentals, record, plain_targets, threads or epochs out of range");
        return -1;
    }
    if (!PyType_Check(a[19])) {
        PyErr_SetString(PyExc_TypeError, "_FitPlan: history must be a class");
        return -1;
    }
    watch = PyTuple_New(PyTuple_GET_SIZE(a[1]));
    if (watch == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(a[1]); i++) {
        PyObject *e = watch_entry(PyTuple_GET_ITEM(a[1], i));
        if (e == NULL) {
            Py_DECREF(watch);
            return -1;
        }
        PyTuple_SET_ITEM(watch, i, e);
    }
    memset(&p->base, 0, sizeof p->base);
    p->typenum = nnc_parse_dtype(a[2], "dtype", NPY_DOUBLE);
    if (p->typenum < 0 || net_desc_parse(a[3], a[4], p->typenum, &p->d) < 0) {
        Py_DECREF(watch);
        return -1;
    }
    p->watch = watch; /* from here on tp_clear / dealloc release what is set */
    if (parse_loss(a[5], &p->base.loss) < 0 || parse_optimizer(a[8], &p->base) < 0)
        return -1;
    /* the engine's own schedule (fit_run): a shuffled epoch walks shuffle_keep rows */
    st = nnc_fit_schedule((int64_t)(keep > 0 ? keep : n), 0, 0, (int64_t)bs, (int64_t)epochs,
                          &spe, &total);
    if (st == NNC_STATUS_OK)
        st = nnc_net_param_count(&p->d.net, &n_values);
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "_FitPlan: schedule");
        return -1;
    }
    if (total >= NPY_MAX_INTP || (n_values > 0 && (total + 1) > NPY_MAX_INTP / n_values)) {
        PyErr_SetString(PyExc_OverflowError, "_FitPlan: the records' sizes overflow");
        return -1;
    }
    {
        Py_ssize_t nk = PyList_GET_SIZE(p->d.keep);
        p->data = PyMem_Calloc((size_t)(nk > 0 ? nk : 1), sizeof(void *));
        p->sizes = PyMem_Calloc((size_t)(nk > 0 ? nk : 1), sizeof(npy_intp));
        if (p->data == NULL || p->sizes == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < nk; i++) {
            PyArrayObject *arr = (PyArrayObject *)PyList_GET_ITEM(p->d.keep, i);
            p->data[i] = PyArray_DATA(arr);
            p->sizes[i] = PyArray_SIZE(arr);
        }
    }
    for (int i = 0; i < 3; i++) {
        p->status[i] = PyUnicode_InternFromString(names[i]);
        if (p->status[i] == NULL)
            return -1;
    }
    for (int i = 0; i < 9; i++) {
        p->keys[i] = PyUnicode_InternFromString(keys[i]);
        if (p->keys[i] == NULL)
            return -1;
    }
    p->base.l1 = l1;
    p->base.l2 = l2;
    p->base.epochs = (int64_t)epochs;
    p->base.batch_size = (int64_t)bs;
    p->base.divergence = div;
    p->base.threads = (int)threads;
    p->base.sum_order = (nnc_sum_order_t)sum_order;
    p->base.mean_reciprocal = (int)mean_rec;
    p->base.transcendentals = (nnc_trans_t)trans;
    p->record = (int)record;
    p->plain_targets = (int)plain;
    p->n = n;
    p->in_w = p->d.layers[0].in;
    p->out_w = p->d.layers[p->d.net.n_layers - 1].out;
    p->total_steps = total;
    p->n_values = n_values;
    Py_INCREF(a[0]);
    p->settings = a[0];
    Py_INCREF(a[8]);
    p->opt = a[8];
    Py_INCREF(a[19]);
    p->history = a[19];
    Py_INCREF(a[20]);
    p->shapes = a[20];
    Py_INCREF(a[21]);
    p->info = a[21];
    if (a[22] != Py_None) {
        p->gen_lock = plan_ref(PyTuple_GET_ITEM(a[22], 0));
        p->gen_state = plan_ref(PyTuple_GET_ITEM(a[22], 1));
        p->gen_data = PyArray_DATA((PyArrayObject *)p->gen_state);
        p->base.shuffle_keep = (int64_t)keep;
    }
    if (threads > 1 && (p->module = PyImport_ImportModule("nnc._core")) == NULL)
        return -1;
    p->valid = 1;
    return 0;
}

/* ---------------- the checks of a call ---------------- */

/* The same setting: the same object, or the same value of the same type for
 * ints and strings, and floats bit for bit.  Other objects by identity. */
static int same_value(PyObject *a, PyObject *b)
{
    int r;
    if (a == b)
        return 1;
    if (Py_TYPE(a) != Py_TYPE(b))
        return 0;
    if (PyFloat_CheckExact(a)) {
        double x = PyFloat_AS_DOUBLE(a), y = PyFloat_AS_DOUBLE(b);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    if (!PyLong_CheckExact(a) && !PyUnicode_CheckExact(a))
        return 0;
    r = PyObject_RichCompareBool(a, b, Py_EQ);
    if (r < 0) {
        PyErr_Clear();
        return 0;
    }
    return r;
}

static int same_settings(const fitplan *p, PyObject *settings)
{
    Py_ssize_t n = PyTuple_GET_SIZE(p->settings);
    if (!PyTuple_Check(settings) || PyTuple_GET_SIZE(settings) != n)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!same_value(PyTuple_GET_ITEM(settings, i), PyTuple_GET_ITEM(p->settings, i)))
            return 0;
    }
    return 1;
}

/* Every watched value is still the object it was. */
static int watch_same(const fitplan *p)
{
    for (Py_ssize_t w = 0; w < PyTuple_GET_SIZE(p->watch); w++) {
        PyObject *e = PyTuple_GET_ITEM(p->watch, w);
        PyObject *c = PyTuple_GET_ITEM(e, 0), *keys = PyTuple_GET_ITEM(e, 1);
        PyObject *snap = PyTuple_GET_ITEM(e, 2);
        const Py_ssize_t n = PyTuple_GET_SIZE(snap);
        if (keys != Py_None) {
            for (Py_ssize_t i = 0; i < n; i++) {
                PyObject *v = PyDict_GetItemWithError(c, PyTuple_GET_ITEM(keys, i));
                if (v != PyTuple_GET_ITEM(snap, i)) {
                    PyErr_Clear();
                    return 0;
                }
            }
        }
        else if (PyDict_Check(c)) {
            Py_ssize_t pos = 0, i = 0;
            PyObject *k, *v;
            if (PyDict_GET_SIZE(c) != n)
                return 0;
            while (PyDict_Next(c, &pos, &k, &v)) {
                if (i >= n || v != PyTuple_GET_ITEM(snap, i))
                    return 0;
                i++;
            }
        }
        else {
            if (PyList_GET_SIZE(c) != n)
                return 0;
            for (Py_ssize_t i = 0; i < n; i++) {
                if (PyList_GET_ITEM(c, i) != PyTuple_GET_ITEM(snap, i))
                    return 0;
            }
        }
    }
    return 1;
}

/* An array the engine writes: still exactly what was parsed. */
static int buffer_same(PyObject *obj, int typenum, void *data)
{
    PyArrayObject *a = (PyArrayObject *)obj;
    return PyArray_TYPE(a) == typenum && PyArray_ISNOTSWAPPED(a) &&
           PyArray_IS_C_CONTIGUOUS(a) && PyArray_ISALIGNED(a) && PyArray_ISWRITEABLE(a) &&
           PyArray_DATA(a) == data;
}

static int buffers_same(const fitplan *p)
{
    PyObject *t = PyTuple_GET_ITEM(p->opt, 2);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(p->d.keep); i++) {
        PyObject *a = PyList_GET_ITEM(p->d.keep, i);
        if (!buffer_same(a, p->typenum, p->data[i]) ||
            PyArray_SIZE((PyArrayObject *)a) != p->sizes[i])
            return 0;
    }
    return PyArray_Check(t) && buffer_same(t, NPY_INT64, p->base.t) &&
           PyArray_SIZE((PyArrayObject *)t) == 1 && *p->base.t >= 0;
}

/* X or y in fit's form: an exact ndarray of the dtype, C-contiguous and
 * aligned, rows x cols (or 1-d of rows when one_d). */
static int data_form(PyObject *o, int typenum, long long rows, long long cols, int one_d)
{
    PyArrayObject *a = (PyArrayObject *)o;
    if (!PyArray_CheckExact(o) || PyArray_TYPE(a) != typenum || !PyArray_ISNOTSWAPPED(a) ||
        !PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a))
        return 0;
    if (PyArray_NDIM(a) == 2)
        return PyArray_DIM(a, 0) == rows && PyArray_DIM(a, 1) == cols;
    return one_d && PyArray_NDIM(a) == 1 && PyArray_DIM(a, 0) == rows;
}

/* ---------------- the run ---------------- */

/* Copies the generator's state into *rng (to_gen 0) or back (1), holding
 * its lock.  0, or -1 with an exception set. */
static int gen_sync(fitplan *p, nnc_rng_t *rng, int to_gen)
{
    uint64_t *w = (uint64_t *)p->gen_data;
    PyObject *r = PyObject_CallMethod(p->gen_lock, "acquire", NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    for (int i = 0; i < 4; i++) {
        if (to_gen)
            w[i] = rng->s[i];
        else
            rng->s[i] = w[i];
    }
    r = PyObject_CallMethod(p->gen_lock, "release", NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* History(loss, step_loss, params, None, shapes, passes, epochs, steps, status),
 * the records cut to the completed epochs and steps when `cut`: made as
 * History.__init__ makes it (the attributes it sets, of the types it gives
 * them), without running Python -- test_fit_cache compares the two. */
static PyObject *make_history(fitplan *p, PyObject *const *rec, int64_t e, int64_t s,
                              int64_t passes, PyObject *status, int cut)
{
    PyObject *argv[9] = {NULL, NULL, NULL, Py_None, p->shapes, NULL, NULL, NULL, status};
    PyObject *h = NULL;
    const int64_t upto[3] = {e, s, s + 1};
    for (int i = 0; i < 3; i++) {
        if (rec[i] == NULL)
            argv[i] = plan_ref(Py_None);
        else if (cut)
            argv[i] = PySequence_GetSlice(rec[i], 0, (Py_ssize_t)upto[i]);
        else
            argv[i] = plan_ref(rec[i]);
        if (argv[i] == NULL)
            goto done;
    }
    argv[5] = PyLong_FromLongLong((long long)passes);
    argv[6] = PyLong_FromLongLong((long long)e);
    argv[7] = PyLong_FromLongLong((long long)s);
    if (argv[5] == NULL || argv[6] == NULL || argv[7] == NULL)
        goto done;
    {
        PyTypeObject *type = (PyTypeObject *)p->history;
        PyObject *empty = PyTuple_New(0), *dict = NULL;
        if (empty == NULL)
            goto done;
        h = type->tp_new(type, empty, NULL);
        Py_DECREF(empty);
        if (h != NULL)
            dict = PyObject_GenericGetDict(h, NULL);
        if (dict == NULL) {
            Py_CLEAR(h);
            goto done;
        }
        for (int i = 0; i < 9; i++) {
            if (PyDict_SetItem(dict, p->keys[i], argv[i]) < 0) {
                Py_CLEAR(h);
                break;
            }
        }
        Py_DECREF(dict);
    }
done:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(argv[i]);
    for (int i = 5; i < 8; i++)
        Py_XDECREF(argv[i]);
    return h;
}

/* The pending exception (Ctrl-C) leaves with .history: the completed steps. */
static void decorate(fitplan *p, PyObject *const *rec, const nnc_fit_t *f)
{
    PyObject *t, *v, *tb, *h;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb != NULL && v != NULL)
        PyException_SetTraceback(v, tb);
    h = make_history(p, rec, f->epochs_done, f->steps_done, f->forward_passes,
                     p->status[PyErr_GivenExceptionMatches(t, PyExc_KeyboardInterrupt) ? 1 : 2],
                     1);
    if (h == NULL || v == NULL || PyObject_SetAttrString(v, "history", h) < 0)
        PyErr_Clear();
    Py_XDECREF(h);
    PyErr_Restore(t, v, tb);
}

static PyObject *plan_fit(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    fitplan *p = (fitplan *)self;
    PyObject *x, *y, *rec[3] = {NULL, NULL, NULL}, *result = NULL;
    nnc_fit_t f;
    hook_ctx h;
    nnc_status_t st;
    nnc_rng_t rng;
    int prepared = 0, synced;

    if (nargs != 3 && nargs != 4) {
        PyErr_SetString(PyExc_TypeError,
                        "_FitPlan.fit(settings, X, y[, prepared]): 3 or 4 arguments");
        return NULL;
    }
    if (nargs == 4) {
        prepared = PyObject_IsTrue(args[3]);
        if (prepared < 0)
            return NULL;
    }
    if (!p->valid || !same_settings(p, args[0]) || !watch_same(p) || !buffers_same(p) ||
        (p->gen_state != NULL && (!buffer_same(p->gen_state, NPY_UINT64, p->gen_data) ||
                                  PyArray_SIZE((PyArrayObject *)p->gen_state) != 4)))
        Py_RETURN_NONE;
    x = args[1];
    y = args[2];
    if (!data_form(x, p->typenum, p->n, p->in_w, 0) ||
        !((p->plain_targets || prepared) &&
          data_form(y, p->typenum, p->n, p->out_w, p->out_w == 1))) {
        if (PyArray_Check(x) && PyArray_NDIM((PyArrayObject *)x) == 2 &&
            PyArray_DIM((PyArrayObject *)x, 0) != p->n)
            Py_RETURN_NONE; /* another row count: another schedule */
        Py_RETURN_NOTIMPLEMENTED;
    }
    {
        npy_intp dims[2] = {(npy_intp)p->base.epochs, (npy_intp)p->total_steps};
        rec[0] = PyArray_ZEROS(1, &dims[0], NPY_DOUBLE, 0);
        if (rec[0] != NULL && p->record > 0)
            rec[1] = PyArray_ZEROS(1, &dims[1], NPY_DOUBLE, 0);
        if (rec[0] == NULL || (p->record > 0 && rec[1] == NULL))
            goto too_big;
        if (p->record == 2) {
            npy_intp pd[2] = {(npy_intp)p->total_steps + 1, (npy_intp)p->n_values};
            char *row;
            const size_t item = p->typenum == NPY_FLOAT ? sizeof(float) : sizeof(double);
            rec[2] = PyArray_ZEROS(2, pd, p->typenum, 0);
            if (rec[2] == NULL)
                goto too_big;
            row = PyArray_DATA((PyArrayObject *)rec[2]);
            for (int64_t i = 0; i < p->d.net.n_params; i++) {
                memcpy(row, p->d.params[i].data, (size_t)p->d.params[i].size * item);
                row += (size_t)p->d.params[i].size * item;
            }
        }
    }
    f = p->base;
    if (p->gen_state != NULL) {
        /* a private copy of the state, read and written under the lock */
        if (gen_sync(p, &rng, 0) < 0)
            goto done;
        if ((rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3]) == 0) {
            result = plan_ref(Py_None); /* the full path refuses it */
            goto done;
        }
        f.shuffle_rng = &rng;
    }
    f.x = PyArray_DATA((PyArrayObject *)x);
    f.y = PyArray_DATA((PyArrayObject *)y);
    f.n = (int64_t)p->n;
    f.epoch_loss = (double *)PyArray_DATA((PyArrayObject *)rec[0]);
    f.step_loss = rec[1] != NULL ? (double *)PyArray_DATA((PyArrayObject *)rec[1]) : NULL;
    f.param_record = rec[2] != NULL ? PyArray_DATA((PyArrayObject *)rec[2]) : NULL;
    hook_init(&h, Py_None, 0, 0, &f.forward_passes);
    f.hook = engine_hook;
    f.hook_ctx = &h;
    /* engine_hook without a monitor only counts down while countdown > 1: the
     * engine may do that itself (nnc_fit_t.hook_countdown) */
    f.hook_countdown = h.monitor == NULL ? &h.clock.countdown : NULL;
    f.poll = engine_poll;
    f.poll_ctx = &h;
    f.pool = p->module != NULL ? engine_pool(p->module, &p->d.net, f.n, p->base.threads) : NULL;
    h.ts = PyEval_SaveThread();
    st = nnc_engine_fit(&p->d.net, &f);
    PyEval_RestoreThread(h.ts);
    nnc_module_pool_release(f.pool);
    synced = 0;
    if (p->gen_state != NULL) {
        /* the generator moves on by the permutations drawn, whatever the end */
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        synced = gen_sync(p, &rng, 1);
        if (synced < 0) {
            Py_XDECREF(t);
            Py_XDECREF(v);
            Py_XDECREF(tb);
        }
        else {
            PyErr_Restore(t, v, tb);
        }
    }
    if (h.py_error || synced < 0) {
        decorate(p, rec, &f);
        goto done;
    }
    if (st == NNC_STATUS_OK || st == NNC_STATUS_INTERRUPTED) {
        result = make_history(p, rec, f.epochs_done, f.steps_done, f.forward_passes,
                              p->status[0], st != NNC_STATUS_OK);
    }
    else if (st == NNC_STATUS_NONFINITE || st == NNC_STATUS_DIVERGED) {
        result = Py_BuildValue("((sLLLLLdd)OOO)",
                               st == NNC_STATUS_NONFINITE ? "nonfinite" : "diverged",
                               (long long)f.epochs_done, (long long)f.steps_done,
                               (long long)f.forward_passes, (long long)f.fail_epoch,
                               (long long)f.fail_step, f.fail_loss, f.reference_loss, rec[0],
                               rec[1] != NULL ? rec[1] : Py_None, rec[2] != NULL ? rec[2] : Py_None);
    }
    else {
        /* an argument or memory error, reported before any step: the full
         * path runs the same fit again and raises it with its message */
        result = plan_ref(Py_None);
    }
done:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(rec[i]);
    return result;
too_big:
    /* the full path allocates the records itself and names what is too big */
    PyErr_Clear();
    for (int i = 0; i < 3; i++)
        Py_XDECREF(rec[i]);
    Py_RETURN_NONE;
}

/* ---------------- the type ---------------- */

static int plan_traverse(PyObject *self, visitproc visit, void *arg)
{
    fitplan *p = (fitplan *)self;
    Py_VISIT(p->settings);
    Py_VISIT(p->watch);
    Py_VISIT(p->opt);
    Py_VISIT(p->history);
    Py_VISIT(p->shapes);
    Py_VISIT(p->info);
    Py_VISIT(p->d.keep);
    Py_VISIT(p->gen_lock);
    Py_VISIT(p->gen_state);
    Py_VISIT(p->module);
    return 0;
}

static int plan_clear(PyObject *self)
{
    fitplan *p = (fitplan *)self;
    p->valid = 0;
    Py_CLEAR(p->settings);
    Py_CLEAR(p->watch);
    Py_CLEAR(p->opt);
    Py_CLEAR(p->history);
    Py_CLEAR(p->shapes);
    Py_CLEAR(p->info);
    Py_CLEAR(p->gen_lock);
    Py_CLEAR(p->gen_state);
    Py_CLEAR(p->module);
    for (int i = 0; i < 3; i++)
        Py_CLEAR(p->status[i]);
    for (int i = 0; i < 9; i++)
        Py_CLEAR(p->keys[i]);
    net_desc_free(&p->d);
    PyMem_Free(p->data);
    PyMem_Free(p->sizes);
    p->data = NULL;
    p->sizes = NULL;
    return 0;
}

static void plan_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    plan_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *plan_get_n(PyObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromLongLong(((fitplan *)self)->n);
}

static PyObject *plan_get_info(PyObject *self, void *closure)
{
    fitplan *p = (fitplan *)self;
    (void)closure;
    return plan_ref(p->info != NULL ? p->info : Py_None);
}

static PyGetSetDef plan_getset[] = {
    {"n", plan_get_n, NULL, "rows of X the plan was sized for", NULL},
    {"info", plan_get_info, NULL, "the Python-side plan it was made from", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef plan_methods[] = {
    {"fit", (PyCFunction)(void (*)(void))plan_fit, METH_FASTCALL,
     "fit(settings, X, y, prepared=False) -> History, (result, epoch_loss, step_loss, param_record) when\n"
     "the run diverged, NotImplemented when X or y needs converting, or None when the\n"
     "plan does not apply (another setting, a changed model or optimizer, a buffer\n"
     "that changed): the caller then takes fit's full path."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject fitplan_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "nnc._core._FitPlan",
    .tp_basicsize = sizeof(fitplan),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "_FitPlan(settings, watch, dtype, layers, params, loss, l1, l2, opt, epochs,\n"
              "         batch_size, divergence, threads, sum_order, mean_reciprocal,\n"
              "         transcendentals, record, n, plain_targets, history, shapes, info,\n"
              "         generator, shuffle_keep)\n\n"
              "fit's cached plan (nnc.Sequential.fit builds it): a repeated fit in one C\n"
              "call.  See csrc/module/m_plan.c.",
    .tp_new = PyType_GenericNew,
    .tp_init = plan_init,
    .tp_dealloc = plan_dealloc,
    .tp_traverse = plan_traverse,
    .tp_clear = plan_clear,
    .tp_methods = plan_methods,
    .tp_getset = plan_getset,
};

int nnc_plan_module_init(PyObject *module)
{
    if (PyType_Ready(&fitplan_type) < 0)
        return -1;
    Py_INCREF(&fitplan_type);
    if (PyModule_AddObject(module, "_FitPlan", (PyObject *)&fitplan_type) < 0) {
        Py_DECREF(&fitplan_type);
        return -1;
    }
    return 0;
}
