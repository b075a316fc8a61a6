/* nnc._core: the functional bindings -- activations, losses, penalties and
 * optimizer steps as plain functions on NumPy arrays (nnc.functional
 * re-exports them).
 *
 * Every wrapper: parse -> validate (argument names and shapes in messages) ->
 * allocate -> kernel (GIL released for large inputs) -> map status -> one exit
 * label.  The arithmetic is all in csrc/core/. */
#include "nnc_module.h"

#include "engine.h"

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

/* A Python or NumPy real scalar (what a hyper-parameter is, and an array
 * argument is not). */
static int f_is_number(PyObject *obj)
{
    return !PyBool_Check(obj) &&
           (PyFloat_Check(obj) || PyLong_Check(obj) || PyArray_IsScalar(obj, Number));
}

/* ------------------------------------------------------------------ */
/* activations                                                         */
/* ------------------------------------------------------------------ */

/* Whether an activation takes alpha (ops.def ALPHA) and its default. */
static nnc_alpha_mode_t act_alpha_mode(nnc_act_t act, double *dflt)
{
    *dflt = nnc_act_info[act].alpha_default;
    return nnc_act_info[act].alpha;
}

static int act_is_rowwise(nnc_act_t act)
{
    return nnc_act_info[act].rowwise;
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
    if (!act_is_rowwise(act) && nnc_array_ready(obj, typenum)) {
        Py_INCREF(obj);
        return (PyArrayObject *)obj;
    }
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
    nnc_alpha_mode_t mode = act_alpha_mode(act, &alpha);

    if (mode == NNC_ALPHA_NONE && kwargs == NULL && PyTuple_GET_SIZE(args) == 1) {
        xo = PyTuple_GET_ITEM(args, 0); /* f(x): the common call, parsed directly */
    }
    else if (mode == NNC_ALPHA_NONE) {
        snprintf(fmt, sizeof fmt, "O:%s", fname);
        if (!PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw_x, &xo))
            return NULL;
    }
    else {
        snprintf(fmt, sizeof fmt, mode == NNC_ALPHA_FIXED ? "O|O:%s" : "OO:%s", fname);
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
    const char *aname = nnc_act_names[act];
    PyObject *xo = NULL, *dyo = NULL, *alpha_o = NULL, *result = NULL;
    PyArrayObject *x = NULL, *dy = NULL, *dx = NULL;
    double alpha, dalpha = 0.0;
    char fname[64], fmt[96];
    int64_t rows, cols;
    nnc_status_t st;
    nnc_alpha_mode_t mode = act_alpha_mode(act, &alpha);
    int ok;

    snprintf(fname, sizeof fname, "%s_backward", aname);
    if (mode == NNC_ALPHA_NONE && kwargs == NULL && PyTuple_GET_SIZE(args) == 2) {
        xo = PyTuple_GET_ITEM(args, 0); /* f(x, dy): the common call, parsed directly */
        dyo = PyTuple_GET_ITEM(args, 1);
        ok = 1;
    }
    else if (mode == NNC_ALPHA_NONE) {
        snprintf(fmt, sizeof fmt, "OO:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw_x_dy, &xo, &dyo);
    }
    else {
        snprintf(fmt, sizeof fmt, mode == NNC_ALPHA_FIXED ? "OO|O:%s" : "OOO:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw_x_dy_alpha, &xo, &dyo,
                                         &alpha_o);
    }
    if (!ok)
        return NULL;
    /* Every *_backward takes (x, dy[, alpha]): arrays first.  prelu_backward
     * used to take (x, alpha, dy); a number in dy's place and an array in
     * alpha's is that old spelling, still accepted for now. */
    if (alpha_o != NULL && PyTuple_GET_SIZE(args) == 3 && f_is_number(dyo) &&
        !f_is_number(alpha_o)) {
        PyObject *tmp = dyo;
        if (PyErr_WarnFormat(PyExc_DeprecationWarning, 1,
                             "%s(x, alpha, dy) is deprecated: pass (x, dy, alpha), arrays first, "
                             "as every *_backward takes them",
                             fname) < 0)
            return NULL;
        dyo = alpha_o;
        alpha_o = tmp;
    }
    if (alpha_o != NULL && parse_hyper(alpha_o, fname, "alpha", &alpha) < 0)
        return NULL;
    PyObject *const voters[2] = {xo, dyo};
    const int typenum = nnc_pick_dtype(2, voters);
    if (check_in_dtype(alpha_o, alpha, typenum, fname, "alpha", IN_T_FINITE) < 0)
        return NULL;
    x = act_input(act, xo, fname, typenum);
    if (x == NULL)
        goto done;
    if (nnc_array_ready(dyo, typenum)) {
        Py_INCREF(dyo);
        dy = (PyArrayObject *)dyo;
    }
    else
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
    if (mode == NNC_ALPHA_LEARNED) {
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

static int loss_is_rowwise(nnc_loss_t kind)
{
    return nnc_loss_info[kind].rowwise;
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
    const nnc_loss_info_t *info = &nnc_loss_info[kind];
    const char *arg = info->first;
    char fname[64], fmt[96], b1[128], b2[128];
    PyObject *predo = NULL, *targeto = NULL, *red_o = NULL, *delta_o = NULL, *result = NULL;
    PyObject *target_raw = NULL;
    PyArrayObject *pred = NULL, *target = NULL, *grad = NULL;
    /* delta's default: the row's POSITIVE default, else 1.0 (unused) */
    nnc_loss_params_t params = {kind, NNC_REDUCTION_MEAN, 0,
                                info->param == NNC_LOSS_PARAM_POSITIVE ? info->param_default
                                                                       : 1.0};
    int half = 0, ok;
    nnc_status_t st;

    /* The signature follows the row's PARAM column (ops.def): a FLAG is a
     * keyword-only switch after reduction, a POSITIVE the optional third
     * argument. */
    snprintf(fname, sizeof fname, "%s%s", info->name, want_grad ? "_backward" : "");
    if (info->param == NNC_LOSS_PARAM_FLAG) {
        char *kw[] = {(char *)arg, "target", "reduction", (char *)info->param_name, NULL};
        snprintf(fmt, sizeof fmt, "OO|$Op:%s", fname);
        ok = PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw, &predo, &targeto, &red_o,
                                         &half);
    }
    else if (info->param == NNC_LOSS_PARAM_POSITIVE) {
        char *kw[] = {(char *)arg, "target", (char *)info->param_name, "reduction", NULL};
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
        if (parse_hyper(delta_o, fname, info->param_name, &params.delta) < 0)
            return NULL;
        if (!(params.delta > 0)) {
            PyErr_Format(PyExc_ValueError, "%s: %s must be > 0, got %R", fname,
                         info->param_name, delta_o);
            return NULL;
        }
    }

    PyObject *const voters[2] = {predo, targeto};
    const int typenum = nnc_pick_dtype(2, voters);
    if (check_in_dtype(delta_o, params.delta, typenum, fname, info->param_name, IN_T_POSITIVE) <
        0)
        return NULL;
    if (loss_is_rowwise(kind))
        pred = nnc_as_input_nd(predo, f_label(fname, arg).s, typenum, 1, 2);
    else
        pred = nnc_as_input(predo, f_label(fname, arg).s, typenum);
    if (pred == NULL)
        goto done;

    if (info->target == NNC_LOSS_TARGET_CLASSES) {
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
    if (info->labels01 && check_01_labels(target, fname) < 0)
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

/* t: the step count (from 1) of an optimizer whose update reads it. */
static int parse_step_count(PyObject *to, const char *fname, int64_t *t)
{
    long long v;
    int overflow = 0;
    if (PyBool_Check(to) || !PyIndex_Check(to)) {
        PyErr_Format(PyExc_TypeError, "%s: t must be an integer step count (from 1), got %.100s",
                     fname, Py_TYPE(to)->tp_name);
        return -1;
    }
    PyObject *ti = PyNumber_Index(to);
    if (ti == NULL)
        return -1;
    v = PyLong_AsLongLongAndOverflow(ti, &overflow);
    Py_DECREF(ti);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow > 0)
        v = LLONG_MAX;
    if (overflow < 0 || v < 1) {
        PyErr_Format(PyExc_ValueError, "%s: t must be >= 1 (steps count from 1), got %R", fname,
                     to);
        return -1;
    }
    *t = (int64_t)v;
    return 0;
}

/* <name>_step(w, g, *states[, t], *hyper): one update of a GRADIENT optimizer
 * of ops.def, its keywords and defaults read from the table:
 * parse -> hyper-parameters checked (ops.def CHECK, then in w's dtype) ->
 * w and the states (in place) -> g -> kernel. */
static PyObject *opt_step(nnc_opt_t opt, PyObject *args, PyObject *kwargs)
{
    enum { MAXARGS = 3 + NNC_OPT_MAX_STATES + NNC_OPT_MAX_HYPER };
    const nnc_opt_info_t *info = &nnc_opt_info[opt];
    const int uses_t = (info->flags & NNC_OPTF_USES_T) != 0;
    const int na = 1 + info->n_states; /* w and the states */
    char *kw[MAXARGS + 1];
    const char *names[1 + NNC_OPT_MAX_STATES];
    PyObject *objs[MAXARGS] = {NULL};
    PyObject *result = NULL, *owned_kwargs = NULL;
    PyArrayObject *state[1 + NNC_OPT_MAX_STATES] = {NULL}, *g = NULL;
    double hyper[NNC_OPT_MAX_HYPER];
    char fname[64], fmt[64];
    int64_t t = 1;
    int k = 0, p = 0;
    nnc_status_t st;

    snprintf(fname, sizeof fname, "%s_step", info->name);
    names[0] = "w";
    kw[k++] = "w";
    kw[k++] = "g";
    for (int i = 0; i < info->n_states; i++)
        names[1 + i] = kw[k++] = (char *)info->state_names[i];
    if (uses_t)
        kw[k++] = "t";
    for (int i = 0; i < k; i++)
        fmt[p++] = 'O';
    fmt[p++] = '|';
    for (int i = 0; i < info->n_hyper; i++) {
        kw[k++] = (char *)info->hyper_names[i];
        fmt[p++] = 'O';
        hyper[i] = info->hyper_defaults[i];
    }
    kw[k] = NULL;
    snprintf(fmt + p, sizeof fmt - (size_t)p, ":%s", fname);
    /* momentum_step's velocity was spelled v before the op table named it;
     * the old keyword still works, with a warning (remove after a release). */
    if (kwargs != NULL && info->n_states == 1 && strcmp(info->state_names[0], "velocity") == 0 &&
        PyDict_GetItemString(kwargs, "v") != NULL) {
        if (PyErr_WarnFormat(PyExc_DeprecationWarning, 1,
                             "%s: the keyword v is deprecated, call it velocity", fname) < 0)
            return NULL;
        kwargs = PyDict_Copy(kwargs);
        if (kwargs == NULL)
            return NULL;
        owned_kwargs = kwargs;
        if (PyDict_SetItemString(kwargs, "velocity", PyDict_GetItemString(kwargs, "v")) < 0 ||
            PyDict_DelItemString(kwargs, "v") < 0)
            goto done;
    }
    _Static_assert(MAXARGS == 9, "opt_step passes 9 argument slots below");
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, fmt, kw, &objs[0], &objs[1], &objs[2],
                                     &objs[3], &objs[4], &objs[5], &objs[6], &objs[7], &objs[8]))
        goto done;
    PyObject **hyper_o = objs + 2 + info->n_states + uses_t;
    if (uses_t && parse_step_count(objs[2 + info->n_states], fname, &t) < 0)
        goto done;
    for (int i = 0; i < info->n_hyper; i++) {
        const int unit = info->hyper_checks[i] == NNC_CHECK_UNIT;
        const char *hn = info->hyper_names[i];
        if (hyper_o[i] == NULL)
            continue;
        if (parse_hyper(hyper_o[i], fname, hn, &hyper[i]) < 0)
            goto done;
        if (unit ? !(hyper[i] >= 0 && hyper[i] < 1) : !(hyper[i] > 0)) {
            PyErr_Format(PyExc_ValueError, "%s: %s must be %s, got %R", fname, hn,
                         unit ? "in [0, 1)" : "> 0", hyper_o[i]);
            goto done;
        }
    }
    const int typenum = step_typenum(objs[0]);
    for (int i = 0; i < info->n_hyper; i++)
        if (check_in_dtype(hyper_o[i], hyper[i], typenum, fname, info->hyper_names[i],
                           info->hyper_checks[i] == NNC_CHECK_UNIT ? IN_T_BELOW_ONE
                                                                   : IN_T_POSITIVE) < 0)
            goto done;
    PyObject *arrays[1 + NNC_OPT_MAX_STATES];
    arrays[0] = objs[0];
    for (int i = 0; i < info->n_states; i++)
        arrays[1 + i] = objs[2 + i];
    if (step_state(arrays, names, na, typenum, fname, state) < 0)
        goto done;
    g = step_grad(objs[1], fname, typenum, state, na);
    if (g == NULL)
        goto done;
    const int64_t n = (int64_t)PyArray_SIZE(state[0]);
    void *sp[NNC_OPT_MAX_STATES] = {NULL};
    for (int i = 0; i < info->n_states; i++)
        sp[i] = PyArray_DATA(state[1 + i]);
    NNC_NOGIL_BEGIN(n)
    if (typenum == NPY_FLOAT)
        st = nnc_opt_update_f32(opt, n, F_F32(state[0]), F_F32(g), (float *const *)sp, hyper, t);
    else
        st = nnc_opt_update_f64(opt, n, F_F64(state[0]), F_F64(g), (double *const *)sp, hyper,
                                t);
    NNC_NOGIL_END
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, fname);
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (int i = 0; i < na; i++)
        Py_XDECREF(state[i]);
    Py_XDECREF(g);
    Py_XDECREF(owned_kwargs);
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

/* Activation docstrings, from the ops.def columns: the signature follows
 * ALPHA (no alpha, alpha=default, or alpha required), the text is the row's,
 * the shape note follows rowwise. */
#define F_SHAPES_0 F_ELEMWISE_SHAPES
#define F_SHAPES_1 "x is 1-D (one row) or 2-D (rows x classes); y has x's shape.\n"
#define F_BSHAPES_0 F_BACKWARD_SHAPES
#define F_BSHAPES_1 "x (the forward input) and dy are 1-D or 2-D of the same shape.\n"
#define F_ALPHA_SIG_NONE(d) ""
#define F_ALPHA_SIG_FIXED(d) ", alpha=" #d
#define F_ALPHA_SIG_LEARNED(d) ", alpha"
#define F_ACT_DOCS(E, name, cls, alpha, dflt, rowwise, doc, bdoc)                             \
    PyDoc_STRVAR(doc_##name, #name "($module, /, x" F_ALPHA_SIG_##alpha(dflt) ")\n--\n\n" doc \
                             "\n\n" F_SHAPES_##rowwise);                                       \
    PyDoc_STRVAR(doc_##name##_backward, #name "_backward($module, /, x, dy" F_ALPHA_SIG_##alpha( \
                                            dflt) ")\n--\n\n" bdoc "\n\n" F_BSHAPES_##rowwise);
NNC_ACTIVATIONS(F_ACT_DOCS)
#undef F_ACT_DOCS

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

/* Loss docstrings, from the ops.def columns: the signature follows PARAM,
 * the text is the row's, the closing note follows FORM. */
#define F_LOSS_SIG_NONE "*, reduction='mean')"
#define F_LOSS_SIG_FLAG(n) "*, reduction='mean', " #n "=False)"
#define F_LOSS_SIG_POSITIVE(n, d) #n "=" #d ", *, reduction='mean')"
#define F_LOSS_NOTE_ELEM F_LOSS_COMMON
#define F_LOSS_NOTE_ELEM_T F_LOSS_COMMON
#define F_LOSS_NOTE_ROW F_ROW_LOSS_COMMON
#define F_LOSS_DOCS(E, name, cls, first, form, target, param, doc, bdoc)                        \
    PyDoc_STRVAR(doc_##name, #name "($module, /, " #first ", target, " F_LOSS_SIG_##param      \
                             "\n--\n\n" doc "\n\n" F_LOSS_NOTE_##form);                        \
    PyDoc_STRVAR(doc_##name##_backward, #name "_backward($module, /, " #first                  \
                                        ", target, " F_LOSS_SIG_##param "\n--\n\n" bdoc       \
                                        "\n\n" F_LOSS_NOTE_##form);
NNC_LOSSES(F_LOSS_DOCS)
#undef F_LOSS_DOCS

#define F_PENALTY_DOCS(E, name, doc, bdoc)                                                   \
    PyDoc_STRVAR(doc_##name##_penalty, #name "_penalty($module, /, w)\n--\n\n" doc "\n");       \
    PyDoc_STRVAR(doc_##name##_penalty_backward,                                                 \
                 #name "_penalty_backward($module, /, w)\n--\n\n" bdoc "\n");
NNC_PENALTIES(F_PENALTY_DOCS)
#undef F_PENALTY_DOCS

#define F_STEP_COMMON                                                                        \
    "w and the state arrays are updated IN PLACE: each must be a numpy.ndarray of float32 " \
    "or float64 (all the same dtype), C-contiguous, writeable, of the same shape, and not " \
    "sharing memory.  g is any array-like of w's shape.  The hyper-parameters are rounded " \
    "to w's dtype, and must keep their ranges there (float32: no overflow to inf, lr and "  \
    "eps not 0, mu and betas not 1).  Returns None.\n"

/* Step docstrings, from the ops.def row: the signature lists w, g, the
 * states, t (NNC_OPTF_USES_T) and the hyper-parameters with their defaults. */
#define F_SIG_STATE_(n) ", " #n
#define F_SIG_HYPER_(n, d, c) ", " #n "=" #d
#define F_SIG_T_0 ""
#define F_SIG_T_1 ", t"
#define F_STEP_DOC_PROBE_(E, name, uses_t, doc)
#define F_STEP_DOC_GRADIENT_(E, name, uses_t, doc)                                              \
    PyDoc_STRVAR(doc_##name##_step,                                                             \
                 #name "_step($module, /, w, g" NNC_OPT_##E##_STATES(F_SIG_STATE_) F_SIG_T_##uses_t \
                       NNC_OPT_##E##_HYPER(F_SIG_HYPER_) ")\n--\n\n" doc "\n\n" F_STEP_COMMON);
#define F_STEP_DOC(E, name, cls, kind, uses_t, look_ahead, doc)                                  \
    F_STEP_DOC_##kind##_(E, name, uses_t, doc)
NNC_OPTIMIZERS(F_STEP_DOC)
#undef F_STEP_DOC
/* ------------------------------------------------------------------ */
/* method table, generated from ops.def                                */
/* ------------------------------------------------------------------ */

#define F_ACT_WRAP(E, name, ...)                                                            \
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

#define F_LOSS_WRAP(E, name, ...)                                                           \
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

#define F_PENALTY_WRAP(E, name, ...)                                                                 \
    static PyObject *py_##name##_penalty(PyObject *self, PyObject *args, PyObject *kwargs)           \
    {                                                                                                \
        (void)self;                                                                                  \
        return penalty_call(NNC_PENALTY_##E == NNC_PENALTY_L2, 0, args, kwargs);                     \
    }                                                                                                \
    static PyObject *py_##name##_penalty_backward(PyObject *self, PyObject *args, PyObject *kwargs)  \
    {                                                                                                \
        (void)self;                                                                                  \
        return penalty_call(NNC_PENALTY_##E == NNC_PENALTY_L2, 1, args, kwargs);                     \
    }
NNC_PENALTIES(F_PENALTY_WRAP)
#undef F_PENALTY_WRAP

#define F_STEP_WRAP_PROBE_(E, name)
#define F_STEP_WRAP_GRADIENT_(E, name)                                                      \
    static PyObject *py_##name##_step(PyObject *self, PyObject *args, PyObject *kwargs)     \
    {                                                                                       \
        (void)self;                                                                         \
        return opt_step(NNC_OPT_##E, args, kwargs);                                         \
    }
#define F_STEP_WRAP(E, name, cls, kind, ...) F_STEP_WRAP_##kind##_(E, name)
NNC_OPTIMIZERS(F_STEP_WRAP)
#undef F_STEP_WRAP

#define F_METH(name, doc)                                                                   \
    {#name, (PyCFunction)(void (*)(void))py_##name, METH_VARARGS | METH_KEYWORDS, doc},
#define F_X_METHODS(E, name, ...) F_METH(name, doc_##name) F_METH(name##_backward, doc_##name##_backward)
#define F_X_PENALTY_METHODS(E, name, ...)                                                   \
    F_METH(name##_penalty, doc_##name##_penalty)                                            \
    F_METH(name##_penalty_backward, doc_##name##_penalty_backward)
#define F_X_STEP_METHODS_PROBE_(name)
#define F_X_STEP_METHODS_GRADIENT_(name) F_METH(name##_step, doc_##name##_step)
#define F_X_STEP_METHODS(E, name, cls, kind, ...) F_X_STEP_METHODS_##kind##_(name)

PyMethodDef nnc_functional_methods[] = {
    NNC_ACTIVATIONS(F_X_METHODS)
    NNC_LOSSES(F_X_METHODS)
    NNC_PENALTIES(F_X_PENALTY_METHODS)
    NNC_OPTIMIZERS(F_X_STEP_METHODS)
    {NULL, NULL, 0, NULL},
};
#undef F_X_METHODS
#undef F_X_PENALTY_METHODS
#undef F_X_STEP_METHODS
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

/* ---- nnc._core._ops: ops.def as Python data ----
 * {"activations": (dict, ...), "losses": ..., "penalties": ..., "optimizers": ...},
 * one dict per row with the row's columns, in enum order, and "layer_kinds"
 * (the engine's nnc_layer_kind_t codes).  nnc.functional,
 * nnc.layers and nnc.optim build their exports and classes from it. */

static PyObject *ops_tuple(int n, PyObject *(*row)(int))
{
    PyObject *tup = PyTuple_New(n);
    if (tup == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *d = row(i);
        if (d == NULL) {
            Py_DECREF(tup);
            return NULL;
        }
        PyTuple_SET_ITEM(tup, i, d);
    }
    return tup;
}

static PyObject *ops_act_row(int i)
{
    static const char *const modes[] = {"none", "fixed", "learned"};
    const nnc_act_info_t *a = &nnc_act_info[i];
    return Py_BuildValue("{s:s,s:s,s:s,s:d,s:O,s:s,s:s}", "name", a->name, "cls", a->cls,
                         "alpha", modes[a->alpha], "alpha_default", a->alpha_default, "rowwise",
                         a->rowwise ? Py_True : Py_False, "doc", a->doc, "backward_doc",
                         a->backward_doc);
}

static PyObject *ops_loss_row(int i)
{
    static const char *const forms[] = {"elem", "elem_t", "row"};
    static const char *const targets[] = {"real", "labels01", "classes"};
    const nnc_loss_info_t *l = &nnc_loss_info[i];
    PyObject *param, *d;
    if (l->param == NNC_LOSS_PARAM_NONE) {
        param = Py_None;
        Py_INCREF(param);
    }
    else if (l->param == NNC_LOSS_PARAM_FLAG)
        param = Py_BuildValue("(sOs)", l->param_name, Py_False, "flag");
    else
        param = Py_BuildValue("(sds)", l->param_name, l->param_default, "positive");
    if (param == NULL)
        return NULL;
    d = Py_BuildValue("{s:s,s:s,s:s,s:s,s:O,s:s,s:O,s:O,s:s,s:s}", "name", l->name, "cls",
                      l->cls, "first", l->first, "form", forms[l->form], "rowwise",
                      l->rowwise ? Py_True : Py_False, "target", targets[l->target],
                      "labels01", l->labels01 ? Py_True : Py_False, "param", param, "doc",
                      l->doc, "backward_doc", l->backward_doc);
    Py_DECREF(param);
    return d;
}

static PyObject *ops_penalty_row(int i)
{
    const nnc_penalty_info_t *p = &nnc_penalty_info[i];
    return Py_BuildValue("{s:s,s:s,s:s}", "name", p->name, "doc", p->doc, "backward_doc",
                         p->backward_doc);
}

static PyObject *ops_opt_row(int i)
{
    const nnc_opt_info_t *o = &nnc_opt_info[i];
    PyObject *hyper = PyTuple_New(o->n_hyper), *states = PyTuple_New(o->n_states), *d = NULL;
    if (hyper == NULL || states == NULL)
        goto done;
    for (int h = 0; h < o->n_hyper; h++) {
        PyObject *t = Py_BuildValue("(sds)", o->hyper_names[h], o->hyper_defaults[h],
                                    o->hyper_checks[h] == NNC_CHECK_UNIT ? "unit" : "positive");
        if (t == NULL)
            goto done;
        PyTuple_SET_ITEM(hyper, h, t);
    }
    for (int k = 0; k < o->n_states; k++) {
        PyObject *sn = PyUnicode_FromString(o->state_names[k]);
        if (sn == NULL)
            goto done;
        PyTuple_SET_ITEM(states, k, sn);
    }
    d = Py_BuildValue("{s:s,s:s,s:s,s:O,s:O,s:O,s:O,s:s}", "name", o->name, "cls", o->cls,
                      "kind", o->kind == NNC_OPT_KIND_PROBE ? "probe" : "gradient", "uses_t",
                      (o->flags & NNC_OPTF_USES_T) ? Py_True : Py_False, "look_ahead",
                      (o->flags & NNC_OPTF_LOOK_AHEAD) ? Py_True : Py_False, "hyper", hyper,
                      "states", states, "doc", o->doc);
done:
    Py_XDECREF(hyper);
    Py_XDECREF(states);
    return d;
}

static int add_ops(PyObject *module)
{
    PyObject *acts = ops_tuple(NNC_ACT_COUNT, ops_act_row);
    PyObject *losses = ops_tuple(NNC_LOSS_COUNT, ops_loss_row);
    PyObject *pens = ops_tuple(NNC_PENALTY_COUNT, ops_penalty_row);
    PyObject *opts = ops_tuple(NNC_OPT_COUNT, ops_opt_row);
    PyObject *d = NULL;
    int rc = -1;
    if (acts != NULL && losses != NULL && pens != NULL && opts != NULL)
        d = Py_BuildValue("{s:O,s:O,s:O,s:O,s:{s:i,s:i}}", "activations", acts, "losses",
                          losses, "penalties", pens, "optimizers", opts, "layer_kinds", "dense",
                          (int)NNC_LAYER_DENSE, "activation", (int)NNC_LAYER_ACTIVATION);
    if (d != NULL && PyModule_AddObject(module, "_ops", d) == 0) {
        d = NULL;
        rc = 0;
    }
    Py_XDECREF(d);
    Py_XDECREF(acts);
    Py_XDECREF(losses);
    Py_XDECREF(pens);
    Py_XDECREF(opts);
    return rc;
}

int nnc_functional_module_init(PyObject *module)
{
    if (add_names(module, "ACTIVATIONS", nnc_act_names, NNC_ACT_COUNT) < 0 ||
        add_names(module, "LOSSES", nnc_loss_names, NNC_LOSS_COUNT) < 0 || add_ops(module) < 0)
        return -1;
    return 0;
}
