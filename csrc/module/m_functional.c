/* nnc._core: the functional bindings -- activations, losses, penalties and
 * optimizer steps as plain functions on NumPy arrays (nnc.functional
 * re-exports them).
 *
 * Every wrapper: parse -> validate (argument names and shapes in messages) ->
 * allocate -> kernel (GIL released for large inputs) -> map status -> one exit
 * label.  The arithmetic is all in csrc/core/. */
#include "nnc_module.h"

#include <limits.h>
#include <string.h>

#define F_F32(a) ((float *)PyArray_DATA(a))
#define F_F64(a) ((double *)PyArray_DATA(a))

/* ------------------------------------------------------------------ */
/* shared helpers                                                      */
/* ------------------------------------------------------------------ */

/* "fname: name", the label convert.c's messages start with. */
typedef struct {
    char s[96];
} f_label_t;

static f_label_t f_label(const char *fname, const char *name)
{
    f_label_t l;
    snprintf(l.s, sizeof l.s, "%s: %s", fname, name);
    return l;
}

/* ValueError "fname: a has shape (2,) but b has shape (3,); they must match". */
static int same_shape(const char *fname, PyArrayObject *a, const char *aname, PyArrayObject *b,
                      const char *bname)
{
    char b1[128], b2[128];
    if (PyArray_SAMESHAPE(a, b))
        return 0;
    PyErr_Format(PyExc_ValueError, "%s: %s has shape %s but %s has shape %s; they must match",
                 fname, aname, nnc_shape_str(a, b1, sizeof b1), bname,
                 nnc_shape_str(b, b2, sizeof b2));
    return -1;
}

/* Reads a finite real hyper-parameter; the message names "fname: name". */
static int parse_hyper(PyObject *obj, const char *fname, const char *name, double *out)
{
    char label[96];
    snprintf(label, sizeof label, "%s: %s", fname, name);
    return nnc_parse_real(obj, label, NNC_REAL_FINITE, out);
}

/* What a hyper-parameter must still satisfy after rounding to the kernel's
 * dtype (it is always required to be finite there). */
enum { IN_T_FINITE = 0, IN_T_POSITIVE = 1, IN_T_BELOW_ONE = 2 };

/* The kernels take hyper-parameters in their own dtype T.  A value checked in
 * double can lose its meaning when rounded to float32: 1e300 becomes inf
 * (then inf * 0 = NaN), 1e-50 becomes 0 (eps, delta: 0/0 or a zero loss), and
 * 1 - 1e-12 becomes 1 (Adam's bias correction 1 - beta^t = 0).  ValueError
 * naming the parameter (obj is what the caller passed; NULL means the default,
 * which is always fine).  Returns 0 or -1. */
static int check_in_dtype(PyObject *obj, double v, int typenum, const char *fname,
                          const char *name, int need)
{
    if (obj == NULL || typenum != NPY_FLOAT)
        return 0;
    const float f = (float)v; /* IEEE conversion: rounds, overflows to +-inf */
    if (!isfinite(f)) {
        PyErr_Format(PyExc_ValueError, "%s: %s = %R does not fit in float32 (it rounds to %s)",
                     fname, name, obj, f > 0 ? "inf" : "-inf");
        return -1;
    }
    if ((need & IN_T_POSITIVE) && !(f > 0)) {
        PyErr_Format(PyExc_ValueError, "%s: %s = %R rounds to 0 in float32; it must be > 0",
                     fname, name, obj);
        return -1;
    }
    if ((need & IN_T_BELOW_ONE) && !(f < 1)) {
        PyErr_Format(PyExc_ValueError, "%s: %s = %R rounds to 1 in float32; it must be < 1",
                     fname, name, obj);
        return -1;
    }
    return 0;
}

static int parse_reduction(PyObject *obj, const char *fname, nnc_reduction_t *out)
{
    *out = NNC_REDUCTION_MEAN;
    if (obj == NULL)
        return 0;
    if (PyUnicode_Check(obj)) {
        if (PyUnicode_CompareWithASCIIString(obj, "mean") == 0)
            return 0;
        if (PyUnicode_CompareWithASCIIString(obj, "sum") == 0) {
            *out = NNC_REDUCTION_SUM;
            return 0;
        }
    }
    PyErr_Format(PyExc_ValueError, "%s: reduction must be 'mean' or 'sum', got %R", fname, obj);
    return -1;
}

/* ------------------------------------------------------------------ */
/* activations                                                         */
/* ------------------------------------------------------------------ */

typedef enum { ALPHA_NONE, ALPHA_DEFAULT, ALPHA_REQUIRED } alpha_mode_t;

/* Which activations take alpha, and its default. */
static alpha_mode_t act_alpha_mode(nnc_act_t act, double *dflt)
{
    *dflt = 0.0;
    switch (act) {
    case NNC_ACT_LEAKY_RELU: *dflt = 0.01; return ALPHA_DEFAULT;
    case NNC_ACT_ELU: *dflt = 1.0; return ALPHA_DEFAULT;
    case NNC_ACT_PRELU: return ALPHA_REQUIRED;
    default: return ALPHA_NONE;
    }
}

static int act_is_rowwise(nnc_act_t act)
{
    return act == NNC_ACT_SOFTMAX || act == NNC_ACT_LOG_SOFTMAX;
}

/* rows x cols view of x: row-wise activations use the last axis as the row
 * (a 1-D array is one row); elementwise ones see one row of every value. */
static void act_view(nnc_act_t act, PyArrayObject *x, int64_t *rows, int64_t *cols)
{
    if (act_is_rowwise(act)) {
        int nd = PyArray_NDIM(x);
        *rows = nd == 2 ? (int64_t)PyArray_DIM(x, 0) : 1;
        *cols = (int64_t)PyArray_DIM(x, nd - 1);
    }
    else {
        *rows = 1;
        *cols = (int64_t)PyArray_SIZE(x);
    }
}

static PyArrayObject *act_input(nnc_act_t act, PyObject *obj, const char *fname, int typenum)
{
    if (act_is_rowwise(act))
        return nnc_as_input_nd(obj, f_label(fname, "x").s, typenum, 1, 2);
    return nnc_as_input(obj, f_label(fname, "x").s, typenum);
}

static PyObject *act_forward(nnc_act_t act, PyObject *args, PyObject *kwargs)
{
    static char *kw_x[] = {"x", NULL};
    static char *kw_x_alpha[] = {"x", "alpha", NULL};
    const char *fname = nnc_act_names[act];
    PyObject *xo = NULL, *alpha_o = NULL, *result = NULL;
    PyArrayObject *x = NULL, *y = NULL;
    double alpha;
    char fmt[64];
    int64_t rows, cols;
    nnc_status_t st;
    alpha_mode_t mode = act_alpha_mode(act, &alpha);

    if (mode == ALPHA_NONE) {
        snprintf(fmt, sizeof fmt, "O:%s", fname);
        if (!PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw_x, &xo))
            return NULL;
    }
    else {
        snprintf(fmt, sizeof fmt, mode == ALPHA_DEFAULT ? "O|O:%s" : "OO:%s", fname);
        if (!PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw_x_alpha, &xo, &alpha_o))
            return NULL;
        if (alpha_o != NULL && parse_hyper(alpha_o, fname, "alpha", &alpha) < 0)
            return NULL;
    }
    const int typenum = nnc_pick_dtype(1, &xo);
    if (check_in_dtype(alpha_o, alpha, typenum, fname, "alpha", IN_T_FINITE) < 0)
        return NULL;
    x = act_input(act, xo, fname, typenum);
    if (x == NULL)
        goto done;
    y = nnc_new_array(PyArray_NDIM(x), PyArray_DIMS(x), typenum);
    if (y == NULL)
        goto done;
    act_view(act, x, &rows, &cols);
    NNC_NOGIL_BEGIN(PyArray_SIZE(x))
    if (typenum == NPY_FLOAT)
        st = nnc_act_forward_f32(act, rows, cols, F_F32(x), F_F32(y), (float)alpha);
    else
        st = nnc_act_forward_f64(act, rows, cols, F_F64(x), F_F64(y), alpha);
    NNC_NOGIL_END
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, fname);
        goto done;
    }
    result = (PyObject *)y;
    y = NULL;
done:
    Py_XDECREF(x);
    Py_XDECREF(y);
    return result;
}

static PyObject *act_backward(nnc_act_t act, PyObject *args, PyObject *kwargs)
{
    static char *kw_x_dy[] = {"x", "dy", NULL};
    static char *kw_x_dy_alpha[] = {"x", "dy", "alpha", NULL};
    static char *kw_x_alpha_dy[] = {"x", "alpha", "dy", NULL}; /* prelu */
    const char *aname = nnc_act_names[act];
    PyObject *xo = NULL, *dyo = NULL, *alpha_o = NULL, *result = NULL;
    PyArrayObject *x = NULL, *dy = NULL, *dx = NULL;
    double alpha, dalpha = 0.0;
    char fname[64], fmt[96];
    int64_t rows, cols;
    nnc_status_t st;
    alpha_mode_t mode = act_alpha_mode(act, &alpha);
    int ok;

    snprintf(fname, sizeof fname, "%s_backward", aname);
    if (mode == ALPHA_NONE) {
        snprintf(fmt, sizeof fmt, "OO:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw_x_dy, &xo, &dyo);
    }
    else if (mode == ALPHA_DEFAULT) {
        snprintf(fmt, sizeof fmt, "OO|O:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw_x_dy_alpha, &xo, &dyo,
                                         &alpha_o);
    }
    else {
        snprintf(fmt, sizeof fmt, "OOO:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw_x_alpha_dy, &xo, &alpha_o,
                                         &dyo);
    }
    if (!ok)
        return NULL;
    if (alpha_o != NULL && parse_hyper(alpha_o, fname, "alpha", &alpha) < 0)
        return NULL;
    PyObject *const voters[2] = {xo, dyo};
    const int typenum = nnc_pick_dtype(2, voters);
    if (check_in_dtype(alpha_o, alpha, typenum, fname, "alpha", IN_T_FINITE) < 0)
        return NULL;
    x = act_input(act, xo, fname, typenum);
    if (x == NULL)
        goto done;
    dy = nnc_as_input(dyo, f_label(fname, "dy").s, typenum);
    if (dy == NULL || same_shape(fname, x, "x", dy, "dy") < 0)
        goto done;
    dx = nnc_new_array(PyArray_NDIM(x), PyArray_DIMS(x), typenum);
    if (dx == NULL)
        goto done;
    act_view(act, x, &rows, &cols);
    NNC_NOGIL_BEGIN(PyArray_SIZE(x))
    if (typenum == NPY_FLOAT) {
        float da = 0.0f;
        st = nnc_act_backward_f32(act, rows, cols, F_F32(x), NULL, F_F32(dy), F_F32(dx),
                                  (float)alpha, &da);
        dalpha = da;
    }
    else {
        st = nnc_act_backward_f64(act, rows, cols, F_F64(x), NULL, F_F64(dy), F_F64(dx), alpha,
                                  &dalpha);
    }
    NNC_NOGIL_END
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, fname);
        goto done;
    }
    if (act == NNC_ACT_PRELU) {
        result = Py_BuildValue("(Od)", (PyObject *)dx, dalpha);
    }
    else {
        result = (PyObject *)dx;
        dx = NULL;
    }
done:
    Py_XDECREF(x);
    Py_XDECREF(dy);
    Py_XDECREF(dx);
    return result;
}

/* ------------------------------------------------------------------ */
/* losses                                                              */
/* ------------------------------------------------------------------ */

/* The name of each loss's first argument, as its signature spells it. */
static const char *const loss_arg_name[NNC_LOSS_COUNT] = {
    [NNC_LOSS_MSE] = "pred",
    [NNC_LOSS_MAE] = "pred",
    [NNC_LOSS_HUBER] = "pred",
    [NNC_LOSS_LOG_LOSS] = "prob",
    [NNC_LOSS_LOG_LOSS_LOGITS] = "logits",
    [NNC_LOSS_CROSS_ENTROPY] = "logits",
    [NNC_LOSS_KL] = "pred",
    [NNC_LOSS_PERCEPTRON] = "score",
    [NNC_LOSS_HINGE] = "score",
};

static int loss_is_rowwise(nnc_loss_t kind)
{
    return kind == NNC_LOSS_CROSS_ENTROPY || kind == NNC_LOSS_KL;
}

/* perceptron_loss and hinge read 0/1 labels (mapped to -1/+1); -1/+1 labels
 * would silently give wrong numbers, so anything else but NaN is refused. */
static int check_01_labels(PyArrayObject *t, const char *fname)
{
    npy_intp n = PyArray_SIZE(t);
    for (npy_intp i = 0; i < n; i++) {
        double v = PyArray_TYPE(t) == NPY_FLOAT ? (double)F_F32(t)[i] : F_F64(t)[i];
        if (v != 0.0 && v != 1.0 && !isnan(v)) {
            PyObject *bad = PyFloat_FromDouble(v);
            if (bad != NULL) {
                PyErr_Format(PyExc_ValueError,
                             "%s: target must hold 0/1 labels, got %R at flat index %zd",
                             fname, bad, (Py_ssize_t)i);
                Py_DECREF(bad);
            }
            return -1;
        }
    }
    return 0;
}

/* Class-index path of cross_entropy: idx holds one int64 per row of z. */
/* The end of every loss wrapper: a failed status becomes the exception; a
 * backward call returns its gradient array (taking the caller's reference),
 * a forward call the value as a Python float. */
static PyObject *loss_result(nnc_status_t st, const char *fname, PyArrayObject **grad,
                             double value)
{
    PyObject *result;
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, fname);
        return NULL;
    }
    if (*grad == NULL)
        return PyFloat_FromDouble(value);
    result = (PyObject *)*grad;
    *grad = NULL;
    return result;
}

static PyObject *cross_entropy_index(PyArrayObject *z, PyObject *target_raw, const char *fname,
                                     const char *arg, nnc_reduction_t reduction, int want_grad)
{
    PyArrayObject *idx = NULL, *grad = NULL;
    PyObject *result = NULL;
    char b1[128], b2[128];
    const int typenum = PyArray_TYPE(z);
    const int nd = PyArray_NDIM(z);
    const int64_t rows = nd == 2 ? (int64_t)PyArray_DIM(z, 0) : 1;
    const int64_t cols = (int64_t)PyArray_DIM(z, nd - 1);
    nnc_status_t st;

    /* A private copy (ownership rule, nnc_module.h): the indices are
     * validated here and read again with the GIL released, so another
     * thread must not be able to change them in between. */
    idx = (PyArrayObject *)PyArray_FROM_OTF(
        target_raw, NPY_INT64, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST | NPY_ARRAY_ENSURECOPY);
    if (idx == NULL)
        goto done;
    if ((int64_t)PyArray_SIZE(idx) != rows) {
        PyErr_Format(PyExc_ValueError,
                     "%s: %s has shape %s but target has shape %s; class indices need one "
                     "entry per row of %s",
                     fname, arg, nnc_shape_str(z, b1, sizeof b1),
                     nnc_shape_str(idx, b2, sizeof b2), arg);
        goto done;
    }
    const int64_t *ix = (const int64_t *)PyArray_DATA(idx);
    /* The forced cast wraps a uint64 index >= 2**63 to a negative int64;
     * reading it back as unsigned recovers the value the caller gave. */
    const int from_unsigned = PyArray_ISUNSIGNED((PyArrayObject *)target_raw);
    for (int64_t r = 0; r < rows; r++) {
        if (ix[r] < 0 && from_unsigned) {
            PyErr_Format(PyExc_ValueError,
                         "%s: target[%lld] = %llu is not a class index in [0, %lld) "
                         "(%s has %lld columns)",
                         fname, (long long)r, (unsigned long long)ix[r], (long long)cols, arg,
                         (long long)cols);
            goto done;
        }
        if (ix[r] < 0 || ix[r] >= cols) {
            PyErr_Format(PyExc_ValueError,
                         "%s: target[%lld] = %lld is not a class index in [0, %lld) "
                         "(%s has %lld columns)",
                         fname, (long long)r, (long long)ix[r], (long long)cols, arg,
                         (long long)cols);
            goto done;
        }
    }
    if (want_grad) {
        grad = nnc_new_array(nd, PyArray_DIMS(z), typenum);
        if (grad == NULL)
            goto done;
    }
    double value;
    NNC_NOGIL_BEGIN(PyArray_SIZE(z))
    if (typenum == NPY_FLOAT) {
        float v = 0.0f;
        st = nnc_cross_entropy_index_f32(reduction, rows, cols, F_F32(z), ix, &v,
                                         grad ? F_F32(grad) : NULL);
        value = v;
    }
    else {
        st = nnc_cross_entropy_index_f64(reduction, rows, cols, F_F64(z), ix, &value,
                                         grad ? F_F64(grad) : NULL);
    }
    NNC_NOGIL_END
    result = loss_result(st, fname, &grad, value);
done:
    Py_XDECREF(idx);
    Py_XDECREF(grad);
    return result;
}

static PyObject *loss_call(nnc_loss_t kind, PyObject *args, PyObject *kwargs, int want_grad)
{
    const char *arg = loss_arg_name[kind];
    char fname[64], fmt[96], b1[128], b2[128];
    PyObject *predo = NULL, *targeto = NULL, *red_o = NULL, *delta_o = NULL, *result = NULL;
    PyObject *target_raw = NULL;
    PyArrayObject *pred = NULL, *target = NULL, *grad = NULL;
    nnc_loss_params_t params = {kind, NNC_REDUCTION_MEAN, 0, 1.0};
    int half = 0, ok;
    nnc_status_t st;

    snprintf(fname, sizeof fname, "%s%s", nnc_loss_names[kind], want_grad ? "_backward" : "");
    if (kind == NNC_LOSS_MSE) {
        char *kw[] = {(char *)arg, "target", "reduction", "half", NULL};
        snprintf(fmt, sizeof fmt, "OO|$Op:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw, &predo, &targeto, &red_o,
                                         &half);
    }
    else if (kind == NNC_LOSS_HUBER) {
        char *kw[] = {(char *)arg, "target", "delta", "reduction", NULL};
        snprintf(fmt, sizeof fmt, "OO|O$O:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw, &predo, &targeto, &delta_o,
                                         &red_o);
    }
    else {
        char *kw[] = {(char *)arg, "target", "reduction", NULL};
        snprintf(fmt, sizeof fmt, "OO|$O:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw, &predo, &targeto, &red_o);
    }
    if (!ok)
        return NULL;
    params.half = half;
    if (parse_reduction(red_o, fname, &params.reduction) < 0)
        return NULL;
    if (delta_o != NULL) {
        if (parse_hyper(delta_o, fname, "delta", &params.delta) < 0)
            return NULL;
        if (!(params.delta > 0)) {
            PyErr_Format(PyExc_ValueError, "%s: delta must be > 0, got %R", fname, delta_o);
            return NULL;
        }
    }

    PyObject *const voters[2] = {predo, targeto};
    const int typenum = nnc_pick_dtype(2, voters);
    if (check_in_dtype(delta_o, params.delta, typenum, fname, "delta", IN_T_POSITIVE) < 0)
        return NULL;
    if (loss_is_rowwise(kind))
        pred = nnc_as_input_nd(predo, f_label(fname, arg).s, typenum, 1, 2);
    else
        pred = nnc_as_input(predo, f_label(fname, arg).s, typenum);
    if (pred == NULL)
        goto done;

    if (kind == NNC_LOSS_CROSS_ENTROPY) {
        /* Integer targets with one dimension fewer than the logits are class
         * indices; anything else is a probability array shaped like them. */
        if (targeto == Py_None) {
            PyErr_Format(PyExc_TypeError, "%s: target: expected class indices or "
                                          "probabilities, got None", fname);
            goto done;
        }
        target_raw = PyArray_FROM_O(targeto);
        if (target_raw == NULL) {
            if (!nnc_conversion_failed())
                goto done; /* KeyboardInterrupt, MemoryError: as itself */
            PyErr_Clear();
            target = nnc_as_input(targeto, f_label(fname, "target").s, typenum); /* sets the error */
            goto done;
        }
        if (PyArray_ISINTEGER((PyArrayObject *)target_raw) &&
            PyArray_NDIM((PyArrayObject *)target_raw) == PyArray_NDIM(pred) - 1) {
            result = cross_entropy_index(pred, target_raw, fname, arg, params.reduction,
                                         want_grad);
            goto done;
        }
        target = nnc_as_input(target_raw, f_label(fname, "target").s, typenum);
        if (target == NULL)
            goto done;
        if (!PyArray_SAMESHAPE(target, pred)) {
            PyErr_Format(PyExc_ValueError,
                         "%s: %s has shape %s but target has shape %s; target must be integer "
                         "class indices with one entry per row, or probabilities shaped "
                         "like %s",
                         fname, arg, nnc_shape_str(pred, b1, sizeof b1),
                         nnc_shape_str(target, b2, sizeof b2), arg);
            goto done;
        }
    }
    else {
        target = nnc_as_input(targeto, f_label(fname, "target").s, typenum);
        if (target == NULL || same_shape(fname, pred, arg, target, "target") < 0)
            goto done;
    }
    if ((kind == NNC_LOSS_PERCEPTRON || kind == NNC_LOSS_HINGE) &&
        check_01_labels(target, fname) < 0)
        goto done;

    int64_t rows = 1, cols = (int64_t)PyArray_SIZE(pred);
    if (loss_is_rowwise(kind) && PyArray_NDIM(pred) == 2) {
        rows = (int64_t)PyArray_DIM(pred, 0);
        cols = (int64_t)PyArray_DIM(pred, 1);
    }
    if (want_grad) {
        grad = nnc_new_array(PyArray_NDIM(pred), PyArray_DIMS(pred), typenum);
        if (grad == NULL)
            goto done;
    }
    double value;
    NNC_NOGIL_BEGIN(PyArray_SIZE(pred))
    if (typenum == NPY_FLOAT) {
        float v = 0.0f;
        st = nnc_loss_f32(&params, rows, cols, F_F32(pred), F_F32(target), &v,
                          grad ? F_F32(grad) : NULL);
        value = v;
    }
    else {
        st = nnc_loss_f64(&params, rows, cols, F_F64(pred), F_F64(target), &value,
                          grad ? F_F64(grad) : NULL);
    }
    NNC_NOGIL_END
    result = loss_result(st, fname, &grad, value);
done:
    Py_XDECREF(target_raw);
    Py_XDECREF(pred);
    Py_XDECREF(target);
    Py_XDECREF(grad);
    return result;
}

/* ------------------------------------------------------------------ */
/* penalties                                                           */
/* ------------------------------------------------------------------ */

static PyObject *penalty_call(int l2, int want_grad, PyObject *args, PyObject *kwargs)
{
    static char *kw[] = {"w", NULL};
    static const char *const names[2][2] = {{"l1_penalty", "l1_penalty_backward"},
                                            {"l2_penalty", "l2_penalty_backward"}};
    const char *fname = names[l2][want_grad];
    char fmt[64];
    PyObject *wo = NULL, *result = NULL;
    PyArrayObject *w = NULL, *g = NULL;

    snprintf(fmt, sizeof fmt, "O:%s", fname);
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw, &wo))
        return NULL;
    const int typenum = nnc_pick_dtype(1, &wo);
    w = nnc_as_input(wo, f_label(fname, "w").s, typenum);
    if (w == NULL)
        goto done;
    const int64_t n = (int64_t)PyArray_SIZE(w);
    if (!want_grad) {
        double value;
        NNC_NOGIL_BEGIN(n)
        if (typenum == NPY_FLOAT)
            value = l2 ? nnc_l2_penalty_f32(n, F_F32(w)) : nnc_l1_penalty_f32(n, F_F32(w));
        else
            value = l2 ? nnc_l2_penalty_f64(n, F_F64(w)) : nnc_l1_penalty_f64(n, F_F64(w));
        NNC_NOGIL_END
        result = PyFloat_FromDouble(value);
        goto done;
    }
    g = nnc_new_array(PyArray_NDIM(w), PyArray_DIMS(w), typenum);
    if (g == NULL)
        goto done;
    /* The kernels accumulate into g: start from zero, scale 1. */
    memset(PyArray_DATA(g), 0, (size_t)PyArray_NBYTES(g));
    NNC_NOGIL_BEGIN(n)
    if (typenum == NPY_FLOAT) {
        if (l2)
            nnc_l2_penalty_grad_f32(n, F_F32(w), 1.0f, F_F32(g));
        else
            nnc_l1_penalty_grad_f32(n, F_F32(w), 1.0f, F_F32(g));
    }
    else {
        if (l2)
            nnc_l2_penalty_grad_f64(n, F_F64(w), 1.0, F_F64(g));
        else
            nnc_l1_penalty_grad_f64(n, F_F64(w), 1.0, F_F64(g));
    }
    NNC_NOGIL_END
    result = (PyObject *)g;
    g = NULL;
done:
    Py_XDECREF(w);
    Py_XDECREF(g);
    return result;
}

/* ------------------------------------------------------------------ */
/* optimizer steps                                                     */
/* ------------------------------------------------------------------ */

/* The dtype of the in-place step: that of w when it is a float32 ndarray,
 * else float64 (nnc_as_inplace then reports a w that is not float64). */
static int step_typenum(PyObject *w)
{
    return PyArray_Check(w) && PyArray_TYPE((PyArrayObject *)w) == NPY_FLOAT ? NPY_FLOAT
                                                                             : NPY_DOUBLE;
}

static int check_lr(PyObject *obj, const char *fname, double *lr)
{
    if (parse_hyper(obj, fname, "lr", lr) < 0)
        return -1;
    if (!(*lr > 0)) {
        PyErr_Format(PyExc_ValueError, "%s: lr must be > 0, got %R", fname, obj);
        return -1;
    }
    return 0;
}

/* 0 <= value < 1 (momentum mu, Adam's betas). */
static int check_unit(PyObject *obj, const char *fname, const char *name, double *out)
{
    if (parse_hyper(obj, fname, name, out) < 0)
        return -1;
    if (!(*out >= 0 && *out < 1)) {
        PyErr_Format(PyExc_ValueError, "%s: %s must be in [0, 1), got %R", fname, name, obj);
        return -1;
    }
    return 0;
}

/* The state arrays (w, v, m): exact dtype, contiguous, writeable, the shape
 * of w, and no two of them sharing memory (each is updated as its own array). */
static int step_state(PyObject *const *objs, const char *const *names, int n, int typenum,
                      const char *fname, PyArrayObject **out)
{
    for (int i = 0; i < n; i++) {
        out[i] = nnc_as_inplace(objs[i], f_label(fname, names[i]).s, typenum);
        if (out[i] == NULL)
            return -1;
        if (i > 0 && same_shape(fname, out[0], names[0], out[i], names[i]) < 0)
            return -1;
        for (int j = 0; j < i; j++) {
            if (nnc_arrays_overlap(out[i], out[j])) {
                PyErr_Format(PyExc_ValueError,
                             "%s: %s and %s share memory; each must be its own array", fname,
                             names[j], names[i]);
                return -1;
            }
        }
    }
    return 0;
}

/* The gradient: any array-like shaped like w.  A g that shares memory with a
 * state array is copied first, so the step reads the gradient as it was. */
static PyArrayObject *step_grad(PyObject *go, const char *fname, int typenum,
                                PyArrayObject *const *state, int n)
{
    PyArrayObject *g = nnc_as_input(go, f_label(fname, "g").s, typenum);
    if (g == NULL)
        return NULL;
    if (same_shape(fname, state[0], "w", g, "g") < 0) {
        Py_DECREF(g);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (nnc_arrays_overlap(g, state[i])) {
            PyArrayObject *copy = (PyArrayObject *)PyArray_NewCopy(g, NPY_CORDER);
            Py_DECREF(g);
            return copy;
        }
    }
    return g;
}

static PyObject *py_sgd_step(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kw[] = {"w", "g", "lr", NULL};
    static const char *const names[] = {"w"};
    PyObject *wo, *go, *lr_o, *result = NULL;
    PyArrayObject *state[1] = {NULL}, *g = NULL;
    double lr;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO:sgd_step", kw, &wo, &go, &lr_o))
        return NULL;
    if (check_lr(lr_o, "sgd_step", &lr) < 0)
        return NULL;
    const int typenum = step_typenum(wo);
    if (check_in_dtype(lr_o, lr, typenum, "sgd_step", "lr", IN_T_POSITIVE) < 0)
        return NULL;
    PyObject *const objs[] = {wo};
    if (step_state(objs, names, 1, typenum, "sgd_step", state) < 0)
        goto done;
    g = step_grad(go, "sgd_step", typenum, state, 1);
    if (g == NULL)
        goto done;
    const int64_t n = (int64_t)PyArray_SIZE(state[0]);
    NNC_NOGIL_BEGIN(n)
    if (typenum == NPY_FLOAT)
        nnc_sgd_step_f32(n, F_F32(state[0]), F_F32(g), (float)lr);
    else
        nnc_sgd_step_f64(n, F_F64(state[0]), F_F64(g), lr);
    NNC_NOGIL_END
    result = Py_None;
    Py_INCREF(result);
done:
    Py_XDECREF(state[0]);
    Py_XDECREF(g);
    return result;
}

static PyObject *py_momentum_step(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kw[] = {"w", "g", "v", "lr", "mu", NULL};
    static const char *const names[] = {"w", "v"};
    PyObject *wo, *go, *vo, *lr_o, *mu_o, *result = NULL;
    PyArrayObject *state[2] = {NULL, NULL}, *g = NULL;
    double lr, mu;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOO:momentum_step", kw, &wo, &go, &vo,
                                     &lr_o, &mu_o))
        return NULL;
    if (check_lr(lr_o, "momentum_step", &lr) < 0 ||
        check_unit(mu_o, "momentum_step", "mu", &mu) < 0)
        return NULL;
    const int typenum = step_typenum(wo);
    if (check_in_dtype(lr_o, lr, typenum, "momentum_step", "lr", IN_T_POSITIVE) < 0 ||
        check_in_dtype(mu_o, mu, typenum, "momentum_step", "mu", IN_T_BELOW_ONE) < 0)
        return NULL;
    PyObject *const objs[] = {wo, vo};
    if (step_state(objs, names, 2, typenum, "momentum_step", state) < 0)
        goto done;
    g = step_grad(go, "momentum_step", typenum, state, 2);
    if (g == NULL)
        goto done;
    const int64_t n = (int64_t)PyArray_SIZE(state[0]);
    NNC_NOGIL_BEGIN(n)
    if (typenum == NPY_FLOAT)
        nnc_momentum_step_f32(n, F_F32(state[0]), F_F32(g), F_F32(state[1]), (float)lr,
                              (float)mu);
    else
        nnc_momentum_step_f64(n, F_F64(state[0]), F_F64(g), F_F64(state[1]), lr, mu);
    NNC_NOGIL_END
    result = Py_None;
    Py_INCREF(result);
done:
    Py_XDECREF(state[0]);
    Py_XDECREF(state[1]);
    Py_XDECREF(g);
    return result;
}

static PyObject *py_adam_step(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kw[] = {"w", "g", "m", "v", "t", "lr", "beta1", "beta2", "eps", NULL};
    static const char *const names[] = {"w", "m", "v"};
    const char *fname = "adam_step";
    PyObject *wo, *go, *mo, *vo, *to, *lr_o = NULL, *b1_o = NULL, *b2_o = NULL, *eps_o = NULL;
    PyObject *result = NULL;
    PyArrayObject *state[3] = {NULL, NULL, NULL}, *g = NULL;
    double lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    long long t;
    nnc_status_t st;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOO|OOOO:adam_step", kw, &wo, &go, &mo,
                                     &vo, &to, &lr_o, &b1_o, &b2_o, &eps_o))
        return NULL;
    if (PyBool_Check(to) || !PyIndex_Check(to)) {
        PyErr_Format(PyExc_TypeError,
                     "%s: t must be an integer step count (from 1), got %.100s", fname,
                     Py_TYPE(to)->tp_name);
        return NULL;
    }
    {
        PyObject *ti = PyNumber_Index(to);
        if (ti == NULL)
            return NULL;
        int overflow = 0;
        t = PyLong_AsLongLongAndOverflow(ti, &overflow);
        Py_DECREF(ti);
        if (t == -1 && PyErr_Occurred())
            return NULL;
        if (overflow > 0)
            t = LLONG_MAX;
        if (overflow < 0 || t < 1) {
            PyErr_Format(PyExc_ValueError, "%s: t must be >= 1 (steps count from 1), got %R",
                         fname, to);
            return NULL;
        }
    }
    if ((lr_o != NULL && check_lr(lr_o, fname, &lr) < 0) ||
        (b1_o != NULL && check_unit(b1_o, fname, "beta1", &beta1) < 0) ||
        (b2_o != NULL && check_unit(b2_o, fname, "beta2", &beta2) < 0))
        return NULL;
    if (eps_o != NULL) {
        if (parse_hyper(eps_o, fname, "eps", &eps) < 0)
            return NULL;
        if (!(eps > 0)) {
            PyErr_Format(PyExc_ValueError, "%s: eps must be > 0, got %R", fname, eps_o);
            return NULL;
        }
    }
    const int typenum = step_typenum(wo);
    if (check_in_dtype(lr_o, lr, typenum, fname, "lr", IN_T_POSITIVE) < 0 ||
        check_in_dtype(b1_o, beta1, typenum, fname, "beta1", IN_T_BELOW_ONE) < 0 ||
        check_in_dtype(b2_o, beta2, typenum, fname, "beta2", IN_T_BELOW_ONE) < 0 ||
        check_in_dtype(eps_o, eps, typenum, fname, "eps", IN_T_POSITIVE) < 0)
        return NULL;
    PyObject *const objs[] = {wo, mo, vo};
    if (step_state(objs, names, 3, typenum, fname, state) < 0)
        goto done;
    g = step_grad(go, fname, typenum, state, 3);
    if (g == NULL)
        goto done;
    const int64_t n = (int64_t)PyArray_SIZE(state[0]);
    NNC_NOGIL_BEGIN(n)
    if (typenum == NPY_FLOAT)
        st = nnc_adam_step_f32(n, F_F32(state[0]), F_F32(g), F_F32(state[1]), F_F32(state[2]),
                               (int64_t)t, (float)lr, (float)beta1, (float)beta2, (float)eps);
    else
        st = nnc_adam_step_f64(n, F_F64(state[0]), F_F64(g), F_F64(state[1]), F_F64(state[2]),
                               (int64_t)t, lr, beta1, beta2, eps);
    NNC_NOGIL_END
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, fname);
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(state[i]);
    Py_XDECREF(g);
    return result;
}

/* ------------------------------------------------------------------ */
/* docstrings                                                          */
/* ------------------------------------------------------------------ */

#define F_ELEMWISE_SHAPES                                                                  \
    "x is any array-like of real numbers of any shape (0-d included); the result has x's " \
    "shape, float32 when x is float32 and float64 otherwise.\n"
#define F_BACKWARD_SHAPES                                                                  \
    "x is the forward INPUT and dy the upstream gradient d loss / d y, of x's shape; "     \
    "returns dx = dy * f'(x) with x's shape (float32 when the inputs are float32).  "      \
    "A NaN in x gives NaN in dx.\n"

PyDoc_STRVAR(doc_identity, "identity($module, /, x)\n--\n\n"
                           "y = x (a new array).\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_identity_backward, "identity_backward($module, /, x, dy)\n--\n\n"
                                    "dx = dy (identity' = 1).\n\n" F_BACKWARD_SHAPES);
PyDoc_STRVAR(doc_step, "step($module, /, x)\n--\n\n"
                       "Heaviside step: y = 1 for x > 0, 0 for x <= 0 (so step(0) = 0); NaN "
                       "stays NaN.\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_step_backward, "step_backward($module, /, x, dy)\n--\n\n"
                                "dx = dy * 0: the step is flat wherever it has a slope and "
                                "its jump is given slope 0 (why the perceptron cannot learn "
                                "by gradient descent through it).  An infinite dy gives "
                                "NaN, as dy * 0 does in NumPy.\n\n" F_BACKWARD_SHAPES);
PyDoc_STRVAR(doc_sigmoid, "sigmoid($module, /, x)\n--\n\n"
                          "y = 1 / (1 + exp(-x)), computed as exp(x) / (1 + exp(x)) for x < 0 "
                          "so nothing overflows: sigmoid(-1000) = 0 and sigmoid(1000) = 1 "
                          "exactly, without warnings.\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_sigmoid_backward, "sigmoid_backward($module, /, x, dy)\n--\n\n"
                                   "dx = dy * s * (1 - s) with s = sigmoid(x).\n\n"
                                   F_BACKWARD_SHAPES);
PyDoc_STRVAR(doc_tanh, "tanh($module, /, x)\n--\n\ny = tanh(x).\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_tanh_backward, "tanh_backward($module, /, x, dy)\n--\n\n"
                                "dx = dy * (1 - tanh(x)^2).\n\n" F_BACKWARD_SHAPES);
PyDoc_STRVAR(doc_relu, "relu($module, /, x)\n--\n\n"
                       "y = max(x, 0); NaN stays NaN.\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_relu_backward, "relu_backward($module, /, x, dy)\n--\n\n"
                                "dx = dy for x > 0, 0 for x <= 0 (relu'(0) = 0 by "
                                "convention).\n\n" F_BACKWARD_SHAPES);
PyDoc_STRVAR(doc_leaky_relu, "leaky_relu($module, /, x, alpha=0.01)\n--\n\n"
                             "y = x for x >= 0, alpha * x for x < 0.\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_leaky_relu_backward,
             "leaky_relu_backward($module, /, x, dy, alpha=0.01)\n--\n\n"
             "dx = dy for x > 0, alpha * dy for x <= 0 (the slope at 0 is taken to be "
             "alpha).\n\n" F_BACKWARD_SHAPES);
PyDoc_STRVAR(doc_prelu, "prelu($module, /, x, alpha)\n--\n\n"
                        "Parametric ReLU: y = x for x >= 0, alpha * x for x < 0, where alpha "
                        "is a learned scalar (required).\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_prelu_backward,
             "prelu_backward($module, /, x, alpha, dy)\n--\n\n"
             "Returns (dx, dalpha): dx = dy for x > 0 and alpha * dy for x <= 0 (slope "
             "alpha at 0); dalpha = sum(dy * min(x, 0)), a Python float, the gradient with "
             "respect to the shared alpha (summed in nnc's fixed order).\n\n"
             "x is the forward INPUT and dy the upstream gradient, of x's shape.\n");
PyDoc_STRVAR(doc_elu, "elu($module, /, x, alpha=1.0)\n--\n\n"
                      "y = x for x >= 0, alpha * (exp(x) - 1) for x < 0 (computed with expm1, "
                      "accurate near 0).\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_elu_backward, "elu_backward($module, /, x, dy, alpha=1.0)\n--\n\n"
                               "dx = dy for x > 0, dy * alpha * exp(x) for x <= 0 (slope "
                               "alpha at 0).\n\n" F_BACKWARD_SHAPES);
PyDoc_STRVAR(doc_selu, "selu($module, /, x)\n--\n\n"
                       "y = lambda * x for x >= 0, lambda * alpha * (exp(x) - 1) for x < 0, "
                       "with lambda = 1.0507009873554804934 and alpha = "
                       "1.6732632423543772848 (Klambauer et al. 2017).\n\n" F_ELEMWISE_SHAPES);
PyDoc_STRVAR(doc_selu_backward, "selu_backward($module, /, x, dy)\n--\n\n"
                                "dx = dy * lambda for x > 0, dy * lambda * alpha * exp(x) for "
                                "x <= 0 (slope lambda * alpha at 0).\n\n" F_BACKWARD_SHAPES);
PyDoc_STRVAR(doc_softmax, "softmax($module, /, x)\n--\n\n"
                          "y_j = exp(x_j - m) / sum_k exp(x_k - m) along the last axis, m the "
                          "row maximum (so exp never overflows: softmax([1000, 1000]) = "
                          "[0.5, 0.5]).  A NaN in a row makes the whole row NaN.\n\n"
                          "x is 1-D (one row) or 2-D (rows x classes); y has x's shape.\n");
PyDoc_STRVAR(doc_softmax_backward,
             "softmax_backward($module, /, x, dy)\n--\n\n"
             "Jacobian-vector product of softmax along the last axis: with y = softmax(x), "
             "dx = y * (dy - sum(dy * y)) per row.\n\n"
             "x (the forward input) and dy are 1-D or 2-D of the same shape.\n");
PyDoc_STRVAR(doc_log_softmax, "log_softmax($module, /, x)\n--\n\n"
                              "y_j = (x_j - m) - log sum_k exp(x_k - m) along the last axis, m "
                              "the row maximum: log(softmax(x)) without overflow or log(0).\n\n"
                              "x is 1-D (one row) or 2-D (rows x classes); y has x's shape.\n");
PyDoc_STRVAR(doc_log_softmax_backward,
             "log_softmax_backward($module, /, x, dy)\n--\n\n"
             "Jacobian-vector product of log_softmax along the last axis: dx = dy - "
             "softmax(x) * sum(dy) per row.\n\n"
             "x (the forward input) and dy are 1-D or 2-D of the same shape.\n");

#define F_LOSS_COMMON                                                                        \
    "The two arrays must have the same shape (any shape; float32 when the floating inputs " \
    "are float32, else float64).  reduction='mean' averages over all elements, 'sum' adds " \
    "them; returns a Python float (NaN for the mean of nothing).  The matching *_backward " \
    "returns d loss / d (first argument), an array of its shape, with the same reduction.\n"
#define F_ROW_LOSS_COMMON                                                                    \
    "Arrays are 1-D (one row) or 2-D (rows x classes).  reduction='mean' averages the "     \
    "per-row losses over rows (PyTorch's 'batchmean'), 'sum' adds them; returns a Python "  \
    "float.  The matching *_backward returns the gradient with respect to the first "      \
    "argument, with the same reduction.\n"

PyDoc_STRVAR(doc_mse, "mse($module, /, pred, target, *, reduction='mean', half=False)\n--\n\n"
                      "Squared error: (pred - target)^2 per element, times 1/2 when half=True "
                      "(so that the derivative is plain pred - target).\n\n" F_LOSS_COMMON);
PyDoc_STRVAR(doc_mse_backward,
             "mse_backward($module, /, pred, target, *, reduction='mean', half=False)\n--\n\n"
             "d mse / d pred = 2 (pred - target), or (pred - target) with half=True; divided "
             "by the number of elements for reduction='mean'.\n\n" F_LOSS_COMMON);
PyDoc_STRVAR(doc_mae, "mae($module, /, pred, target, *, reduction='mean')\n--\n\n"
                      "Absolute error |pred - target| per element.\n\n" F_LOSS_COMMON);
PyDoc_STRVAR(doc_mae_backward, "mae_backward($module, /, pred, target, *, reduction='mean')"
                               "\n--\n\n"
                               "d mae / d pred = sign(pred - target), with sign(0) = 0 (the "
                               "kink); divided by the number of elements for 'mean'.\n\n"
                               F_LOSS_COMMON);
PyDoc_STRVAR(doc_huber,
             "huber($module, /, pred, target, delta=1.0, *, reduction='mean')\n--\n\n"
             "Huber loss of r = pred - target: r^2 / 2 for |r| <= delta, delta * (|r| - "
             "delta / 2) beyond (quadratic near 0, linear in the tails).  delta > 0.\n\n"
             F_LOSS_COMMON);
PyDoc_STRVAR(doc_huber_backward,
             "huber_backward($module, /, pred, target, delta=1.0, *, reduction='mean')\n--\n\n"
             "d huber / d pred = r for |r| <= delta, delta * sign(r) beyond.\n\n"
             F_LOSS_COMMON);
PyDoc_STRVAR(doc_log_loss,
             "log_loss($module, /, prob, target, *, reduction='mean')\n--\n\n"
             "Binary log loss (cross-entropy) of probabilities: -(t log p + (1 - t) log(1 - "
             "p)), with p clamped to [eps, 1 - eps] so that the logs stay finite; eps = 1e-12 "
             "in float64 and 1e-7 in float32.  Targets are 0/1 labels (soft labels in [0, 1] "
             "work too).\n\n" F_LOSS_COMMON);
PyDoc_STRVAR(doc_log_loss_backward,
             "log_loss_backward($module, /, prob, target, *, reduction='mean')\n--\n\n"
             "d log_loss / d prob = (1 - t) / (1 - p) - t / p, evaluated at the clamped p "
             "(exact inside [eps, 1 - eps]; beyond it, a large finite gradient rather than "
             "zero).\n\n" F_LOSS_COMMON);
PyDoc_STRVAR(doc_log_loss_with_logits,
             "log_loss_with_logits($module, /, logits, target, *, reduction='mean')\n--\n\n"
             "log_loss(sigmoid(z), t) computed from the logit z in the stable form max(z, 0) "
             "- z t + log(1 + exp(-|z|)): no clamp needed, accurate for any z.\n\n"
             F_LOSS_COMMON);
PyDoc_STRVAR(doc_log_loss_with_logits_backward,
             "log_loss_with_logits_backward($module, /, logits, target, *, reduction='mean')"
             "\n--\n\n"
             "d / d z = sigmoid(z) - t.\n\n" F_LOSS_COMMON);
PyDoc_STRVAR(doc_cross_entropy,
             "cross_entropy($module, /, logits, target, *, reduction='mean')\n--\n\n"
             "Softmax cross-entropy from logits: per row, -sum_j t_j log softmax(z)_j "
             "(terms with t_j = 0 count 0).  target is either integer class indices (one per "
             "row: shape (rows,) for 2-D logits, a scalar for 1-D logits), or probabilities "
             "shaped like logits.  Indices must lie in [0, classes).\n\n" F_ROW_LOSS_COMMON);
PyDoc_STRVAR(doc_cross_entropy_backward,
             "cross_entropy_backward($module, /, logits, target, *, reduction='mean')\n--\n\n"
             "d / d z = softmax(z) * sum_j t_j - t per row, which is softmax(z) - t for "
             "targets that sum to 1 (and softmax(z) - onehot for class indices); divided by "
             "the number of rows for 'mean'.\n\n" F_ROW_LOSS_COMMON);
PyDoc_STRVAR(doc_kl_divergence,
             "kl_divergence($module, /, pred, target, *, reduction='mean')\n--\n\n"
             "KL(target || pred) = sum_j t_j (log t_j - log p_j) per row, with 0 log 0 = 0; "
             "pred is clamped below at the smallest normal float so that p = 0 gives a large "
             "finite cost.  Rows are probability distributions.\n\n" F_ROW_LOSS_COMMON);
PyDoc_STRVAR(doc_kl_divergence_backward,
             "kl_divergence_backward($module, /, pred, target, *, reduction='mean')\n--\n\n"
             "d KL / d pred = -target / pred (0 where target is 0); divided by the number of "
             "rows for 'mean'.\n\n" F_ROW_LOSS_COMMON);
PyDoc_STRVAR(doc_perceptron_loss,
             "perceptron_loss($module, /, score, target, *, reduction='mean')\n--\n\n"
             "Perceptron error of a score with a 0/1 label: max(0, -score) for label 1, "
             "max(0, score) for label 0 -- the ReLU of the signed score on misclassified "
             "points, 0 on correctly classified ones.  target must hold 0/1 labels.\n\n"
             F_LOSS_COMMON);
PyDoc_STRVAR(doc_perceptron_loss_backward,
             "perceptron_loss_backward($module, /, score, target, *, reduction='mean')\n--\n\n"
             "d / d score = -1 for a misclassified label-1 point, +1 for a misclassified "
             "label-0 point, 0 otherwise (0 at the kink score = 0).\n\n" F_LOSS_COMMON);
PyDoc_STRVAR(doc_hinge, "hinge($module, /, score, target, *, reduction='mean')\n--\n\n"
                        "Hinge loss max(0, 1 - y * score) with the 0/1 label mapped to y = "
                        "-1/+1.  target must hold 0/1 labels.\n\n" F_LOSS_COMMON);
PyDoc_STRVAR(doc_hinge_backward,
             "hinge_backward($module, /, score, target, *, reduction='mean')\n--\n\n"
             "d / d score = -y where 1 - y * score > 0, else 0 (0 at the kink).\n\n"
             F_LOSS_COMMON);

PyDoc_STRVAR(doc_l1_penalty, "l1_penalty($module, /, w)\n--\n\n"
                             "sum(|w|) over every element of w (summed in nnc's fixed order), a "
                             "Python float.\n");
PyDoc_STRVAR(doc_l1_penalty_backward, "l1_penalty_backward($module, /, w)\n--\n\n"
                                      "d sum|w| / d w = sign(w), with sign(0) = 0; w's "
                                      "shape.\n");
PyDoc_STRVAR(doc_l2_penalty, "l2_penalty($module, /, w)\n--\n\n"
                             "sum(w^2) over every element of w (no factor 1/2), a Python "
                             "float.\n");
PyDoc_STRVAR(doc_l2_penalty_backward, "l2_penalty_backward($module, /, w)\n--\n\n"
                                      "d sum(w^2) / d w = 2 w; w's shape.\n");

#define F_STEP_COMMON                                                                        \
    "w and the state arrays are updated IN PLACE: each must be a numpy.ndarray of float32 " \
    "or float64 (all the same dtype), C-contiguous, writeable, of the same shape, and not " \
    "sharing memory.  g is any array-like of w's shape.  The hyper-parameters are rounded " \
    "to w's dtype, and must keep their ranges there (float32: no overflow to inf, lr and "  \
    "eps not 0, mu and betas not 1).  Returns None.\n"

PyDoc_STRVAR(doc_sgd_step, "sgd_step($module, /, w, g, lr)\n--\n\n"
                           "Gradient descent step w <- w - lr * g, elementwise, in plain "
                           "arithmetic (a float64 step equals Python's w - lr * g bit for "
                           "bit).  lr > 0.\n\n" F_STEP_COMMON);
PyDoc_STRVAR(doc_momentum_step, "momentum_step($module, /, w, g, v, lr, mu)\n--\n\n"
                                "Momentum step: v <- mu * v - lr * g; w <- w + v.  v (the "
                                "velocity, start it at zeros) belongs to the caller.  lr > 0, "
                                "0 <= mu < 1.\n\n" F_STEP_COMMON);
PyDoc_STRVAR(doc_adam_step,
             "adam_step($module, /, w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, "
             "eps=1e-08)\n--\n\n"
             "Adam step (Kingma & Ba 2015, Algorithm 1) at step t = 1, 2, ...:\n"
             "  m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2\n"
             "  m_hat = m / (1 - beta1^t);  v_hat = v / (1 - beta2^t)\n"
             "  w <- w - lr * m_hat / (sqrt(v_hat) + eps)   (eps after the square root)\n"
             "m and v (start them at zeros) belong to the caller.  lr > 0, 0 <= beta1, beta2 "
             "< 1, eps > 0, t >= 1 an integer.\n\n" F_STEP_COMMON);

/* ------------------------------------------------------------------ */
/* method table, generated from ops.def                                */
/* ------------------------------------------------------------------ */

#define F_ACT_WRAP(E, name)                                                                 \
    static PyObject *py_##name(PyObject *self, PyObject *args, PyObject *kwargs)            \
    {                                                                                       \
        (void)self;                                                                         \
        return act_forward(NNC_ACT_##E, args, kwargs);                                      \
    }                                                                                       \
    static PyObject *py_##name##_backward(PyObject *self, PyObject *args, PyObject *kwargs) \
    {                                                                                       \
        (void)self;                                                                         \
        return act_backward(NNC_ACT_##E, args, kwargs);                                     \
    }
NNC_ACTIVATIONS(F_ACT_WRAP)
#undef F_ACT_WRAP

#define F_LOSS_WRAP(E, name)                                                                \
    static PyObject *py_##name(PyObject *self, PyObject *args, PyObject *kwargs)            \
    {                                                                                       \
        (void)self;                                                                         \
        return loss_call(NNC_LOSS_##E, args, kwargs, 0);                                    \
    }                                                                                       \
    static PyObject *py_##name##_backward(PyObject *self, PyObject *args, PyObject *kwargs) \
    {                                                                                       \
        (void)self;                                                                         \
        return loss_call(NNC_LOSS_##E, args, kwargs, 1);                                    \
    }
NNC_LOSSES(F_LOSS_WRAP)
#undef F_LOSS_WRAP

static PyObject *py_l1_penalty(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    return penalty_call(0, 0, args, kwargs);
}
static PyObject *py_l1_penalty_backward(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    return penalty_call(0, 1, args, kwargs);
}
static PyObject *py_l2_penalty(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    return penalty_call(1, 0, args, kwargs);
}
static PyObject *py_l2_penalty_backward(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    return penalty_call(1, 1, args, kwargs);
}

#define F_METH(name, doc)                                                                   \
    {#name, (PyCFunction)(void (*)(void))py_##name, METH_VARARGS | METH_KEYWORDS, doc},
#define F_X_METHODS(E, name) F_METH(name, doc_##name) F_METH(name##_backward, doc_##name##_backward)

PyMethodDef nnc_functional_methods[] = {
    NNC_ACTIVATIONS(F_X_METHODS)
    NNC_LOSSES(F_X_METHODS)
    F_METH(l1_penalty, doc_l1_penalty)
    F_METH(l1_penalty_backward, doc_l1_penalty_backward)
    F_METH(l2_penalty, doc_l2_penalty)
    F_METH(l2_penalty_backward, doc_l2_penalty_backward)
    F_METH(sgd_step, doc_sgd_step)
    F_METH(momentum_step, doc_momentum_step)
    F_METH(adam_step, doc_adam_step)
    {NULL, NULL, 0, NULL},
};
#undef F_X_METHODS
#undef F_METH

/* ACTIVATIONS and LOSSES: tuples of the names in ops.def, in enum order. */
static int add_names(PyObject *module, const char *attr, const char *const *names, int n)
{
    PyObject *tup = PyTuple_New(n);
    if (tup == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        PyObject *s = PyUnicode_FromString(names[i]);
        if (s == NULL) {
            Py_DECREF(tup);
            return -1;
        }
        PyTuple_SET_ITEM(tup, i, s);
    }
    if (PyModule_AddObject(module, attr, tup) < 0) {
        Py_DECREF(tup);
        return -1;
    }
    return 0;
}

int nnc_functional_module_init(PyObject *module)
{
    if (add_names(module, "ACTIVATIONS", nnc_act_names, NNC_ACT_COUNT) < 0 ||
        add_names(module, "LOSSES", nnc_loss_names, NNC_LOSS_COUNT) < 0)
        return -1;
    return 0;
}
