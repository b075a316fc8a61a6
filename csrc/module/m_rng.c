/* nnc._core: the rng bindings.
 *
 * A generator's state is a NumPy uint64 array of shape (4,) (the xoshiro256**
 * words s[0..3]) owned by nnc.Generator.  Every function here copies it into a
 * local nnc_rng_t, runs the kernel (without the GIL when the work is large)
 * and writes the advanced state back before returning.  The functions do not
 * lock: nnc.Generator serialises calls on one state with its own lock.
 *
 * Fills write into an `out` array the caller allocates (any shape; exact dtype,
 * C-contiguous, aligned, writeable), so the Python layer chooses shapes and
 * dtypes and the engine can refill weights in place. */
#include "nnc_module.h"

#include <string.h>

/* Fills release the GIL from every binding's element threshold on. */
#define RNG_NOGIL_MIN NNC_NOGIL_MIN_ELEMS

/* Borrows `obj` as a generator state: a native-byte-order uint64 ndarray of
 * shape (4,), C-contiguous, aligned, writeable and (unless allow_zero) not all
 * zero.  A byte-swapped ('>u8' on x86) array has the uint64 type number too,
 * but its words would be read and written as native integers, so it is
 * refused rather than silently scrambled.
 * Copies it into *rng and returns a new reference to the array, or NULL with
 * an exception set. */
static PyArrayObject *state_get_ex(PyObject *obj, nnc_rng_t *rng, int allow_zero)
{
    static const npy_intp four[1] = {4};
    PyArrayObject *a = nnc_as_output(obj, "state", NPY_UINT64, 1, four, -1, NULL, NULL, 0);
    if (a == NULL)
        return NULL;
    memcpy(rng->s, PyArray_DATA(a), sizeof rng->s);
    if (!allow_zero && (rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "state: all four words are zero, a state xoshiro256** never leaves");
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

static PyArrayObject *state_get(PyObject *obj, nnc_rng_t *rng)
{
    return state_get_ex(obj, rng, 0);
}

static void state_put(PyArrayObject *a, const nnc_rng_t *rng)
{
    memcpy(PyArray_DATA(a), rng->s, sizeof rng->s);
}

/* An output array of exactly `typenum` (nnc_as_output: native byte order,
 * C-contiguous, aligned, writeable).  New reference or NULL. */
static PyArrayObject *out_get(PyObject *obj, const char *what, int typenum)
{
    char name[64];
    snprintf(name, sizeof name, "%s: out", what);
    return nnc_as_output(obj, name, typenum, -1, NULL, -1, NULL, NULL, 0);
}

/* A float32/float64 output array (whichever it is).  New reference or NULL. */
static PyArrayObject *out_get_float(PyObject *obj, const char *what)
{
    int t = PyArray_Check(obj) ? PyArray_TYPE((PyArrayObject *)obj) : NPY_DOUBLE;
    if (t != NPY_FLOAT && t != NPY_DOUBLE) {
        PyErr_Format(PyExc_TypeError, "%s: out must be float32 or float64, got %R", what,
                     (PyObject *)PyArray_DESCR((PyArrayObject *)obj));
        return NULL;
    }
    return out_get(obj, what, t);
}

/* ---- rng_seed ---- */

static PyObject *rng_seed(PyObject *self, PyObject *args)
{
    PyObject *state_obj, *seed_obj, *ret = NULL;
    PyArrayObject *state = NULL;
    unsigned long long seed;
    nnc_rng_t rng;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO:rng_seed", &state_obj, &seed_obj))
        return NULL;
    if (!PyLong_Check(seed_obj) || PyBool_Check(seed_obj)) {
        PyErr_Format(PyExc_TypeError, "seed: expected an int, got %.100s",
                     Py_TYPE(seed_obj)->tp_name);
        return NULL;
    }
    seed = PyLong_AsUnsignedLongLong(seed_obj);
    if (seed == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "seed: expected an int in [0, 2**64), got %R", seed_obj);
        return NULL;
    }
    /* Seeding overwrites the state, so a fresh zeroed array is a valid target. */
    state = state_get_ex(state_obj, &rng, 1);
    if (state == NULL)
        goto exit;
    nnc_rng_seed(&rng, (uint64_t)seed);
    state_put(state, &rng);
    ret = Py_None;
    Py_INCREF(ret);
exit:
    Py_XDECREF(state);
    return ret;
}

/* ---- rng_jump ---- */

static PyObject *rng_jump(PyObject *self, PyObject *state_obj)
{
    PyArrayObject *state;
    nnc_rng_t rng;
    (void)self;
    state = state_get(state_obj, &rng);
    if (state == NULL)
        return NULL;
    nnc_rng_jump(&rng);
    state_put(state, &rng);
    Py_DECREF(state);
    Py_RETURN_NONE;
}

/* ---- rng_next_u64 ---- */

static PyObject *rng_next_u64(PyObject *self, PyObject *args)
{
    PyObject *state_obj, *out_obj, *ret = NULL;
    PyArrayObject *state = NULL, *out = NULL;
    nnc_rng_t rng;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO:rng_next_u64", &state_obj, &out_obj))
        return NULL;
    if ((state = state_get(state_obj, &rng)) == NULL)
        goto exit;
    if ((out = out_get(out_obj, "rng_next_u64", NPY_UINT64)) == NULL)
        goto exit;
    {
        const npy_intp n = PyArray_SIZE(out);
        uint64_t *o = (uint64_t *)PyArray_DATA(out);
        NPY_BEGIN_THREADS_DEF;
        if (n >= RNG_NOGIL_MIN)
            NPY_BEGIN_THREADS;
        for (npy_intp i = 0; i < n; i++)
            o[i] = nnc_rng_next_u64(&rng);
        NPY_END_THREADS;
    }
    state_put(state, &rng);
    ret = Py_None;
    Py_INCREF(ret);
exit:
    Py_XDECREF(state);
    Py_XDECREF(out);
    return ret;
}

/* ---- rng_integers ---- */

static PyObject *rng_integers(PyObject *self, PyObject *args)
{
    PyObject *state_obj, *out_obj, *ret = NULL;
    PyArrayObject *state = NULL, *out = NULL;
    long long low;
    unsigned long long bound;
    nnc_rng_t rng;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOLK:rng_integers", &state_obj, &out_obj, &low, &bound))
        return NULL;
    if ((state = state_get(state_obj, &rng)) == NULL)
        goto exit;
    if ((out = out_get(out_obj, "rng_integers", NPY_INT64)) == NULL)
        goto exit;
    {
        const npy_intp n = PyArray_SIZE(out);
        int64_t *o = (int64_t *)PyArray_DATA(out);
        const uint64_t base = (uint64_t)low;
        NPY_BEGIN_THREADS_DEF;
        if (n >= RNG_NOGIL_MIN)
            NPY_BEGIN_THREADS;
        for (npy_intp i = 0; i < n; i++) {
            /* bound 0 stands for 2^64: every 64-bit value.  The sum wraps
             * modulo 2^64 and lands in [low, low + bound) as an int64. */
            uint64_t d = bound ? nnc_rng_bounded(&rng, (uint64_t)bound) : nnc_rng_next_u64(&rng);
            uint64_t v = base + d;
            int64_t sv;
            memcpy(&sv, &v, sizeof sv);
            o[i] = sv;
        }
        NPY_END_THREADS;
    }
    state_put(state, &rng);
    ret = Py_None;
    Py_INCREF(ret);
exit:
    Py_XDECREF(state);
    Py_XDECREF(out);
    return ret;
}

/* ---- rng_permutation ---- */

static PyObject *rng_permutation(PyObject *self, PyObject *args)
{
    PyObject *state_obj, *out_obj, *ret = NULL;
    PyArrayObject *state = NULL, *out = NULL;
    nnc_rng_t rng;
    nnc_status_t st;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO:rng_permutation", &state_obj, &out_obj))
        return NULL;
    if ((state = state_get(state_obj, &rng)) == NULL)
        goto exit;
    if ((out = out_get(out_obj, "rng_permutation", NPY_INT64)) == NULL)
        goto exit;
    {
        const npy_intp n = PyArray_SIZE(out);
        NPY_BEGIN_THREADS_DEF;
        if (n >= RNG_NOGIL_MIN)
            NPY_BEGIN_THREADS;
        st = nnc_rng_permutation(&rng, (int64_t)n, (int64_t *)PyArray_DATA(out));
        NPY_END_THREADS;
    }
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "permutation");
        goto exit;
    }
    state_put(state, &rng);
    ret = Py_None;
    Py_INCREF(ret);
exit:
    Py_XDECREF(state);
    Py_XDECREF(out);
    return ret;
}

/* ---- fills: uniform, normal and the initialisers share one path ---- */

static const struct {
    const char *name;
    nnc_init_t kind;
} init_kinds[] = {
    {"zeros", NNC_INIT_ZEROS},
    {"constant", NNC_INIT_CONSTANT},
    {"uniform", NNC_INIT_UNIFORM},
    {"normal", NNC_INIT_NORMAL},
    {"xavier_uniform", NNC_INIT_XAVIER_UNIFORM},
    {"xavier_normal", NNC_INIT_XAVIER_NORMAL},
    {"he_uniform", NNC_INIT_HE_UNIFORM},
    {"he_normal", NNC_INIT_HE_NORMAL},
};

/* Runs nnc_init_fill on `out` with the state in state_obj (None allowed for
 * zeros and constant, which draw nothing).  Returns 0 or -1. */
static int fill_common(const char *what, PyObject *state_obj, PyObject *out_obj, nnc_init_t kind,
                       long long fan_in, long long fan_out, double a, double b)
{
    PyArrayObject *state = NULL, *out = NULL;
    nnc_rng_t rng;
    nnc_status_t st;
    int draws = kind != NNC_INIT_ZEROS && kind != NNC_INIT_CONSTANT;
    int rc = -1;
    if (draws || state_obj != Py_None) {
        if ((state = state_get(state_obj, &rng)) == NULL)
            goto exit;
    }
    if ((out = out_get_float(out_obj, what)) == NULL)
        goto exit;
    {
        const npy_intp n = PyArray_SIZE(out);
        void *data = PyArray_DATA(out);
        const int f32 = PyArray_TYPE(out) == NPY_FLOAT;
        nnc_rng_t *r = state ? &rng : NULL;
        NPY_BEGIN_THREADS_DEF;
        if (n >= RNG_NOGIL_MIN)
            NPY_BEGIN_THREADS;
        if (f32)
            st = nnc_init_fill_f32(r, kind, fan_in, fan_out, (int64_t)n, (float *)data, a, b);
        else
            st = nnc_init_fill_f64(r, kind, fan_in, fan_out, (int64_t)n, (double *)data, a, b);
        NPY_END_THREADS;
    }
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, what);
        goto exit;
    }
    if (state)
        state_put(state, &rng);
    rc = 0;
exit:
    Py_XDECREF(state);
    Py_XDECREF(out);
    return rc;
}

static PyObject *rng_uniform_fill(PyObject *self, PyObject *args)
{
    PyObject *state_obj, *out_obj, *lo_obj, *hi_obj;
    double lo, hi;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOO:rng_uniform_fill", &state_obj, &out_obj, &lo_obj, &hi_obj))
        return NULL;
    if (nnc_parse_real(lo_obj, "low", NNC_REAL_FINITE, &lo) < 0 ||
        nnc_parse_real(hi_obj, "high", NNC_REAL_FINITE, &hi) < 0)
        return NULL;
    if (!(lo <= hi)) {
        PyErr_Format(PyExc_ValueError, "uniform: low (%R) must be <= high (%R)", lo_obj, hi_obj);
        return NULL;
    }
    if (fill_common("uniform", state_obj, out_obj, NNC_INIT_UNIFORM, 0, 0, lo, hi) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *rng_normal_fill(PyObject *self, PyObject *args)
{
    PyObject *state_obj, *out_obj, *mean_obj, *std_obj;
    double mean, std;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOO:rng_normal_fill", &state_obj, &out_obj, &mean_obj,
                          &std_obj))
        return NULL;
    if (nnc_parse_real(mean_obj, "mean", NNC_REAL_FINITE, &mean) < 0 ||
        nnc_parse_real(std_obj, "std", NNC_REAL_FINITE, &std) < 0)
        return NULL;
    if (!(std >= 0.0)) {
        PyErr_Format(PyExc_ValueError, "normal: std must be >= 0, got %R", std_obj);
        return NULL;
    }
    if (fill_common("normal", state_obj, out_obj, NNC_INIT_NORMAL, 0, 0, mean, std) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *init_fill(PyObject *self, PyObject *args)
{
    PyObject *state_obj, *out_obj;
    const char *kind_name;
    long long fan_in, fan_out;
    double a = 0.0, b = 0.0;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOsLL|dd:init_fill", &state_obj, &out_obj, &kind_name, &fan_in,
                          &fan_out, &a, &b))
        return NULL;
    for (size_t i = 0; i < sizeof init_kinds / sizeof init_kinds[0]; i++) {
        if (strcmp(kind_name, init_kinds[i].name) == 0) {
            if (fill_common(kind_name, state_obj, out_obj, init_kinds[i].kind, fan_in, fan_out, a,
                            b) < 0)
                return NULL;
            Py_RETURN_NONE;
        }
    }
    PyErr_Format(PyExc_ValueError,
                 "init_fill: unknown kind '%s' (expected zeros, constant, uniform, normal, "
                 "xavier_uniform, xavier_normal, he_uniform or he_normal)",
                 kind_name);
    return NULL;
}

PyMethodDef nnc_rng_methods[] = {
    {"rng_seed", rng_seed, METH_VARARGS,
     "rng_seed(state, seed) -> None\n\n"
     "Sets state (uint64 array of shape (4,)) to xoshiro256** seeded from the 64-bit\n"
     "seed through splitmix64."},
    {"rng_jump", rng_jump, METH_O,
     "rng_jump(state) -> None\n\nAdvances state by 2**128 draws (xoshiro's jump)."},
    {"rng_next_u64", rng_next_u64, METH_VARARGS,
     "rng_next_u64(state, out) -> None\n\nFills the uint64 array out with raw 64-bit draws."},
    {"rng_integers", rng_integers, METH_VARARGS,
     "rng_integers(state, out, low, bound) -> None\n\n"
     "Fills the int64 array out with uniform integers in [low, low + bound)\n"
     "(Lemire's unbiased multiply-shift); bound 0 stands for 2**64."},
    {"rng_permutation", rng_permutation, METH_VARARGS,
     "rng_permutation(state, out) -> None\n\n"
     "Fills the int64 array out (n values) with a uniform permutation of 0..n-1\n"
     "(Fisher-Yates)."},
    {"rng_uniform_fill", rng_uniform_fill, METH_VARARGS,
     "rng_uniform_fill(state, out, low, high) -> None\n\n"
     "out = low + (high - low) * u, u uniform on [0, 1) with 53 (float64) or 24\n"
     "(float32) random bits; out is float32 or float64, any shape."},
    {"rng_normal_fill", rng_normal_fill, METH_VARARGS,
     "rng_normal_fill(state, out, mean, std) -> None\n\n"
     "out = mean + std * z, z standard normal (Marsaglia's polar method), computed\n"
     "in float64 and rounded once to out's dtype."},
    {"init_fill", init_fill, METH_VARARGS,
     "init_fill(state, out, kind, fan_in, fan_out, a=0.0, b=0.0) -> None\n\n"
     "Fills out per kind: zeros; constant a; uniform U(a, b); normal N(a, b**2);\n"
     "xavier_uniform U(-l, l), l = sqrt(6 / (fan_in + fan_out)); xavier_normal\n"
     "std sqrt(2 / (fan_in + fan_out)); he_uniform l = sqrt(6 / fan_in); he_normal\n"
     "std sqrt(2 / fan_in).  state may be None for zeros and constant."},
    {NULL, NULL, 0, NULL},
};

int nnc_rng_module_init(PyObject *module)
{
    (void)module;
    return 0;
}
