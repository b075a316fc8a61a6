/* The one place Python arguments become checked views for the core. */
#include "nnc_module.h"

#include <string.h>
#include <time.h>

static int is_float32_obj(PyObject *o, int *is_float)
{
    PyArray_Descr *d = NULL;
    *is_float = 0;
    if (PyArray_Check(o))
        d = PyArray_DESCR((PyArrayObject *)o);
    else if (PyArray_IsScalar(o, Floating))
        d = PyArray_DescrFromScalar(o); /* new reference */
    else
        return 0;
    if (d == NULL)
        return 0;
    int f32 = 0;
    if (PyDataType_ISFLOAT(d)) {
        *is_float = 1;
        f32 = d->type_num == NPY_FLOAT;
    }
    if (!PyArray_Check(o))
        Py_DECREF(d);
    return f32;
}

int nnc_pick_dtype(Py_ssize_t n, PyObject *const *objs)
{
    int seen_f32 = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int is_float;
        if (objs[i] == NULL || objs[i] == Py_None)
            continue;
        int f32 = is_float32_obj(objs[i], &is_float);
        if (is_float && !f32)
            return NPY_DOUBLE;
        seen_f32 |= f32;
    }
    return seen_f32 ? NPY_FLOAT : NPY_DOUBLE;
}

int nnc_parse_dtype(PyObject *obj, const char *name, int fallback)
{
    PyArray_Descr *d = NULL;
    if (obj == NULL || obj == Py_None)
        return fallback;
    /* The names nnc passes itself, without NumPy's string parser. */
    if (PyUnicode_CheckExact(obj)) {
        if (PyUnicode_CompareWithASCIIString(obj, "float64") == 0)
            return NPY_DOUBLE;
        if (PyUnicode_CompareWithASCIIString(obj, "float32") == 0)
            return NPY_FLOAT;
    }
    if (!PyArray_DescrConverter2(obj, &d)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected 'float32' or 'float64', got %R", name, obj);
        return -1;
    }
    if (d == NULL)
        return fallback;
    int t = d->type_num;
    Py_DECREF(d);
    if (t != NPY_FLOAT && t != NPY_DOUBLE) {
        PyErr_Format(PyExc_TypeError, "%s: expected 'float32' or 'float64', got %R", name, obj);
        return -1;
    }
    return t;
}

const char *nnc_shape_str(PyArrayObject *arr, char *buf, size_t len)
{
    size_t used = 0;
    int nd = PyArray_NDIM(arr);
    if (len == 0)
        return buf;
    buf[0] = '\0';
    used += (size_t)snprintf(buf, len, "(");
    for (int i = 0; i < nd && used < len; i++) {
        used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? ", " : "",
                                 (long long)PyArray_DIM(arr, i));
    }
    if (used < len)
        snprintf(buf + used, len - used, nd == 1 ? ",)" : ")");
    return buf;
}

static int check_real_kind(PyArray_Descr *d, const char *name)
{
    switch (d->kind) {
    case 'b': /* bool */
    case 'i':
    case 'u':
    case 'f':
        return 0;
    default:
        PyErr_Format(PyExc_TypeError,
                     "%s: expected real numbers (float32 or float64; bool and integer "
                     "data are converted), got dtype %R",
                     name, (PyObject *)d);
        return -1;
    }
}

int nnc_array_ready(PyObject *obj, int typenum)
{
    if (obj == NULL || !PyArray_Check(obj))
        return 0;
    PyArrayObject *a = (PyArrayObject *)obj;
    return PyArray_TYPE(a) == typenum && PyArray_ISNOTSWAPPED(a) &&
           PyArray_IS_C_CONTIGUOUS(a) && PyArray_ISALIGNED(a);
}

PyArrayObject *nnc_as_input(PyObject *obj, const char *name, int typenum)
{
    PyArrayObject *raw = NULL, *out = NULL;
    if (obj == NULL || obj == Py_None) {
        PyErr_Format(PyExc_TypeError, "%s: expected an array of real numbers, got None", name);
        return NULL;
    }
    if (PyArray_Check(obj)) {
        raw = (PyArrayObject *)obj;
        Py_INCREF(raw);
        if (nnc_array_ready(obj, typenum))
            return raw; /* already what PyArray_FromArray below would return */
    }
    else {
        raw = (PyArrayObject *)PyArray_FROM_O(obj);
        if (raw == NULL) {
            PyObject *type, *value, *tb;
            if (!nnc_conversion_failed())
                return NULL; /* KeyboardInterrupt, MemoryError, ...: as itself */
            PyErr_Fetch(&type, &value, &tb);
            PyErr_Format(PyExc_TypeError,
                         "%s: expected an array-like of real numbers, got %.100s (%S)", name,
                         Py_TYPE(obj)->tp_name, value ? value : Py_None);
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(tb);
            return NULL;
        }
    }
    if (check_real_kind(PyArray_DESCR(raw), name) < 0)
        goto done;
    out = (PyArrayObject *)PyArray_FromArray(
        raw, PyArray_DescrFromType(typenum),
        NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST);
done:
    Py_DECREF(raw);
    return out;
}

PyArrayObject *nnc_as_input_nd(PyObject *obj, const char *name, int typenum, int min_nd,
                               int max_nd)
{
    PyArrayObject *a = nnc_as_input(obj, name, typenum);
    char buf[128];
    if (a == NULL)
        return NULL;
    if (PyArray_NDIM(a) < min_nd || PyArray_NDIM(a) > max_nd) {
        if (min_nd == max_nd)
            PyErr_Format(PyExc_ValueError, "%s: expected a %d-d array, got shape %s", name,
                         min_nd, nnc_shape_str(a, buf, sizeof buf));
        else
            PyErr_Format(PyExc_ValueError, "%s: expected %d to %d dimensions, got shape %s",
                         name, min_nd, max_nd, nnc_shape_str(a, buf, sizeof buf));
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

static const char *type_label(int typenum)
{
    switch (typenum) {
    case NPY_FLOAT: return "float32";
    case NPY_DOUBLE: return "float64";
    case NPY_INT64: return "int64";
    case NPY_UINT64: return "uint64";
    default: return "the kernel's dtype";
    }
}

PyArrayObject *nnc_as_inplace(PyObject *obj, const char *name, int typenum)
{
    PyArrayObject *a;
    if (obj == NULL || !PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "%s: is updated in place, so it must be a numpy.ndarray of %s, got %.100s",
                     name, type_label(typenum), obj ? Py_TYPE(obj)->tp_name : "nothing");
        return NULL;
    }
    a = (PyArrayObject *)obj;
    if (PyArray_TYPE(a) != typenum) {
        PyErr_Format(PyExc_TypeError,
                     "%s: is updated in place, so its dtype must be exactly %s, got %R", name,
                     type_label(typenum), (PyObject *)PyArray_DESCR(a));
        return NULL;
    }
    /* A byte-swapped float64 array has type number NPY_DOUBLE too, but the
     * kernel would read and write its bytes as native doubles: garbage. */
    if (!PyArray_ISNOTSWAPPED(a)) {
        PyErr_Format(PyExc_TypeError,
                     "%s: is updated in place, so it must be in native byte order, got "
                     "dtype %R (use x.astype(x.dtype.newbyteorder('=')) and pass the result)",
                     name, (PyObject *)PyArray_DESCR(a));
        return NULL;
    }
    if (!PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a)) {
        PyErr_Format(PyExc_ValueError,
                     "%s: is updated in place, so it must be C-contiguous and aligned "
                     "(use numpy.ascontiguousarray and pass the result)",
                     name);
        return NULL;
    }
    if (!PyArray_ISWRITEABLE(a)) {
        PyErr_Format(PyExc_ValueError,
                     "%s: is updated in place, but the array is read-only (not writeable)",
                     name);
        return NULL;
    }
    Py_INCREF(a);
    return a;
}

PyArrayObject *nnc_as_output(PyObject *obj, const char *name, int typenum, int nd,
                             const npy_intp *dims, npy_intp size, PyArrayObject *const *inputs,
                             const char *const *input_names, int n_inputs)
{
    char b1[160], b2[160];
    PyArrayObject *out = nnc_as_inplace(obj, name, typenum);
    if (out == NULL)
        return NULL;
    if (nd >= 0 &&
        (PyArray_NDIM(out) != nd || !PyArray_CompareLists(PyArray_DIMS(out), (npy_intp *)dims, nd))) {
        PyArrayObject *like = (PyArrayObject *)PyArray_SimpleNew(nd, (npy_intp *)dims, typenum);
        if (like != NULL) {
            PyErr_Format(PyExc_ValueError, "%s has shape %s but the result has shape %s", name,
                         nnc_shape_str(out, b1, sizeof b1), nnc_shape_str(like, b2, sizeof b2));
            Py_DECREF(like);
        }
        Py_DECREF(out);
        return NULL;
    }
    if (size >= 0 && PyArray_SIZE(out) != size) {
        PyErr_Format(PyExc_ValueError, "%s has %zd values, expected %zd", name,
                     (Py_ssize_t)PyArray_SIZE(out), (Py_ssize_t)size);
        Py_DECREF(out);
        return NULL;
    }
    for (int i = 0; i < n_inputs; i++) {
        if (inputs[i] != NULL && nnc_arrays_overlap(out, inputs[i])) {
            PyErr_Format(PyExc_ValueError,
                         "%s shares memory with %s; the result would overwrite its own "
                         "input (pass a separate array)",
                         name, input_names[i]);
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

/* The bytes an array's elements may touch, [*lo, *hi); empty arrays touch
 * nothing (*lo == *hi). */
static void mem_extent(PyArrayObject *arr, char **lo, char **hi)
{
    char *start = PyArray_BYTES(arr), *end = start;
    int nd = PyArray_NDIM(arr);
    for (int i = 0; i < nd; i++) {
        npy_intp d = PyArray_DIM(arr, i), s = PyArray_STRIDE(arr, i);
        if (d == 0) {
            *lo = *hi = start;
            return;
        }
        if (s < 0)
            start += s * (d - 1);
        else
            end += s * (d - 1);
    }
    *lo = start;
    *hi = end + PyArray_ITEMSIZE(arr);
}

int nnc_arrays_overlap(PyArrayObject *x, PyArrayObject *y)
{
    char *xl, *xh, *yl, *yh;
    mem_extent(x, &xl, &xh);
    mem_extent(y, &yl, &yh);
    if (xl == xh || yl == yh)
        return 0;
    return xl < yh && yl < xh;
}

int nnc_conversion_failed(void)
{
    return PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_ValueError) ||
           PyErr_ExceptionMatches(PyExc_OverflowError);
}

int nnc_check_same_shape(PyArrayObject *arr, const char *name, PyArrayObject *like,
                         const char *like_name)
{
    char b1[128], b2[128];
    if (PyArray_NDIM(arr) == PyArray_NDIM(like) &&
        PyArray_CompareLists(PyArray_DIMS(arr), PyArray_DIMS(like), PyArray_NDIM(arr)))
        return 0;
    PyErr_Format(PyExc_ValueError, "%s has shape %s but %s has shape %s; they must match",
                 name, nnc_shape_str(arr, b1, sizeof b1), like_name,
                 nnc_shape_str(like, b2, sizeof b2));
    return -1;
}

PyArrayObject *nnc_new_array(int nd, const npy_intp *dims, int typenum)
{
    int64_t total = 1;
    size_t bytes;
    for (int i = 0; i < nd; i++) {
        if (dims[i] < 0) {
            PyErr_Format(PyExc_ValueError, "array dimension %d is negative (%lld)", i,
                         (long long)dims[i]);
            return NULL;
        }
        if (nnc_mul_i64(total, (int64_t)dims[i], &total) != 0) {
            PyErr_SetString(PyExc_OverflowError, "array size overflows a 64-bit count");
            return NULL;
        }
    }
    if (nnc_bytes(total, typenum == NPY_FLOAT ? sizeof(float) : sizeof(double), &bytes) != 0 ||
        bytes > (size_t)PY_SSIZE_T_MAX) {
        PyErr_SetString(PyExc_OverflowError, "array byte count overflows");
        return NULL;
    }
    return (PyArrayObject *)PyArray_SimpleNew(nd, (npy_intp *)dims, typenum);
}

int nnc_parse_real(PyObject *obj, const char *name, int flags, double *out)
{
    double v;
    if (obj != NULL && PyFloat_CheckExact(obj)) {
        v = PyFloat_AS_DOUBLE(obj);
    }
    else {
        if (obj == NULL || PyBool_Check(obj) ||
            !(PyFloat_Check(obj) || PyLong_Check(obj) || PyArray_IsScalar(obj, Number) ||
              PyNumber_Check(obj))) {
            PyErr_Format(PyExc_TypeError, "%s: expected a real number, got %.100s", name,
                         obj ? Py_TYPE(obj)->tp_name : "nothing");
            return -1;
        }
        if (PyComplex_Check(obj) || PyArray_IsScalar(obj, ComplexFloating)) {
            PyErr_Format(PyExc_TypeError, "%s: expected a real number, got a complex number",
                         name);
            return -1;
        }
        v = PyFloat_AsDouble(obj);
        if (v == -1.0 && PyErr_Occurred()) {
            if (!nnc_conversion_failed())
                return -1; /* KeyboardInterrupt in __float__, MemoryError: as itself */
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s: expected a real number, got %.100s", name,
                         Py_TYPE(obj)->tp_name);
            return -1;
        }
    }
    if ((flags & NNC_REAL_FINITE) && !isfinite(v)) {
        PyErr_Format(PyExc_ValueError, "%s: expected a finite number, got %R", name, obj);
        return -1;
    }
    *out = v;
    return 0;
}

/* ---- the GIL released for long work, with Ctrl-C polled ---- */

double nnc_monotonic_seconds(void)
{
#if defined(CLOCK_MONOTONIC)
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
        return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#endif
    {
        struct timespec t2;
        if (timespec_get(&t2, TIME_UTC) == TIME_UTC)
            return (double)t2.tv_sec + 1e-9 * (double)t2.tv_nsec;
    }
    return 0.0;
}

void nnc_clock_gate_init(nnc_clock_gate_t *g, double period)
{
    g->period = period;
    g->last_clock = nnc_monotonic_seconds();
    g->next_check = g->last_clock + period;
    g->stride = g->countdown = 1;
}

int nnc_clock_gate_due(nnc_clock_gate_t *g)
{
    double now;
    if (--g->countdown > 0)
        return 0;
    now = nnc_monotonic_seconds();
    if (now - g->last_clock < 0.0005 && g->stride < 65536)
        g->stride *= 2;
    else if (now - g->last_clock > 0.005 && g->stride > 1)
        g->stride /= 2;
    g->countdown = g->stride;
    g->last_clock = now;
    if (now < g->next_check)
        return 0;
    g->next_check = now + g->period;
    return 1;
}

void nnc_sigpoll_begin(nnc_sigpoll_t *p)
{
    p->next_check = nnc_monotonic_seconds() + NNC_SIGPOLL_PERIOD;
    p->py_error = 0;
    p->ts = PyEval_SaveThread();
}

void nnc_sigpoll_end(nnc_sigpoll_t *p)
{
    PyEval_RestoreThread(p->ts);
    p->ts = NULL;
}

int nnc_sigpoll(void *ctx)
{
    nnc_sigpoll_t *p = (nnc_sigpoll_t *)ctx;
    double now;
    if (p->py_error)
        return 1;
    now = nnc_monotonic_seconds();
    if (now < p->next_check)
        return 0;
    p->next_check = now + NNC_SIGPOLL_PERIOD;
    PyEval_RestoreThread(p->ts);
    if (PyErr_CheckSignals() < 0)
        p->py_error = 1;
    p->ts = PyEval_SaveThread();
    return p->py_error;
}

int nnc_raise_status(nnc_status_t status, const char *what)
{
    PyObject *exc;
    switch (status) {
    case NNC_STATUS_NO_MEMORY: exc = PyExc_MemoryError; break;
    case NNC_STATUS_OVERFLOW: exc = PyExc_OverflowError; break;
    case NNC_STATUS_NONFINITE:
    case NNC_STATUS_DIVERGED: exc = PyExc_FloatingPointError; break;
    case NNC_STATUS_INTERRUPTED: exc = PyExc_KeyboardInterrupt; break;
    default: exc = PyExc_ValueError; break;
    }
    if (status == NNC_STATUS_NO_MEMORY)
        PyErr_NoMemory();
    else
        PyErr_Format(exc, "%s: %s", what, nnc_status_string(status));
    return -1;
}
