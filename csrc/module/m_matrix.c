/* nnc._core: the matrix bindings (matmul, gemv, dot, axpy, add, scale,
 * transpose).
 *
 * matmul is the hot one: called on tiny matrices inside Python loops, its
 * overhead is the whole cost, so it parses with METH_FASTCALL and passes
 * float arrays of the right dtype straight to the kernel whenever their
 * strides describe a row-major or column-major matrix (a Fortran-order array
 * is a C-order array of the transpose, so it costs only a flipped trans flag);
 * anything else is copied once by nnc_as_input. */
#include "nnc_module.h"

#include "gemm.h"

#include <string.h>

/* Products with fewer multiply-adds than this run without releasing the GIL:
 * releasing and re-taking it costs about as much as such a product. */
#define NNC_MX_GIL_FLOPS 32768
/* Elementwise kernels follow every binding's element threshold. */
#define NNC_MX_GIL_ELEMS NNC_NOGIL_MIN_ELEMS

/* ------------------------------------------------------------------ */
/* Argument parsing for METH_FASTCALL | METH_KEYWORDS.                   */

/* Fills vals[0..nnames) (borrowed references, NULL when absent) from the
 * positional args (at most npos_max of them, the first npos_req required)
 * and keywords.  names lists positional parameters first, then keyword-only
 * ones.  Returns 0, or -1 with TypeError set. */
static int parse_fast(const char *fname, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames, Py_ssize_t npos_req, Py_ssize_t npos_max,
                      const char *const *names, Py_ssize_t nnames, PyObject **vals)
{
    for (Py_ssize_t i = 0; i < nnames; i++)
        vals[i] = NULL;
    if (nargs > npos_max) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd positional argument%s but %zd were given",
                     fname, npos_max, npos_max == 1 ? "" : "s", nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++)
        vals[i] = args[i];
    if (kwnames != NULL) {
        Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t j = 0; j < nkw; j++) {
            PyObject *key = PyTuple_GET_ITEM(kwnames, j);
            Py_ssize_t i;
            for (i = 0; i < nnames; i++) {
                if (PyUnicode_CompareWithASCIIString(key, names[i]) == 0)
                    break;
            }
            if (i == nnames) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %R",
                             fname, key);
                return -1;
            }
            if (vals[i] != NULL) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'",
                             fname, names[i]);
                return -1;
            }
            vals[i] = args[nargs + j];
        }
    }
    for (Py_ssize_t i = 0; i < npos_req; i++) {
        if (vals[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname,
                         names[i]);
            return -1;
        }
    }
    return 0;
}

/* A flag argument: absent -> 0, else its truth value (-1 on error). */
static int parse_flag(PyObject *obj)
{
    return obj == NULL ? 0 : PyObject_IsTrue(obj);
}

/* The thread cap for threads=None: the CPUs this process may run on. */
static int available_cpus(void)
{
    return nnc_available_cpus();
}

/* threads: None -> every available CPU (the kernel still runs small products
 * on one); an int >= 1 -> at most that many.  Returns 0 or -1. */
static int parse_threads(PyObject *obj, const char *fname, int *out)
{
    long v;
    if (obj == NULL || obj == Py_None) {
        *out = 0; /* resolved lazily: only big products need the CPU count */
        return 0;
    }
    if (PyBool_Check(obj) || !PyLong_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s: threads must be None or an int >= 1, got %.100s",
                     fname, Py_TYPE(obj)->tp_name);
        return -1;
    }
    v = PyLong_AsLong(obj);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        v = 1 << 30;
    }
    if (v < 1) {
        PyErr_Format(PyExc_ValueError, "%s: threads must be None or an int >= 1, got %ld",
                     fname, v);
        return -1;
    }
    *out = v > 1024 ? 1024 : (int)v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Matrix operands.                                                     */

/* A 1-D or 2-D operand as the kernel sees it.  The user's matrix X (rows x
 * cols; a 1-D operand is one row or one column, see matmul) is stored
 * row-major with leading dimension ld, either as X itself (stored_t = 0) or
 * as X^T (stored_t = 1, the Fortran-order case). */
typedef struct {
    PyArrayObject *arr; /* owned; its shape is the user's shape */
    const void *data;
    int64_t rows, cols, ld;
    int stored_t;
} mx_operand;

/* Reads the layout of a 2-D view (rows x cols, strides in bytes) of
 * elements of `elsize` bytes; returns 1 when the kernel can use it as is. */
static int layout_2d(int64_t rows, int64_t cols, npy_intp s0, npy_intp s1, int elsize,
                     int64_t *ld, int *stored_t)
{
    if (s0 % elsize != 0 || s1 % elsize != 0)
        return 0;
    s0 /= elsize;
    s1 /= elsize;
    if (cols <= 1 || s1 == 1) { /* row-major */
        if (rows <= 1) {
            *ld = cols > 1 ? cols : 1;
        }
        else {
            if (s0 < cols || s0 < 1)
                goto try_t;
            *ld = s0;
        }
        *stored_t = 0;
        return 1;
    }
try_t:
    if (rows <= 1 || s0 == 1) { /* column-major: X^T is row-major */
        if (cols <= 1) {
            *ld = rows > 1 ? rows : 1;
        }
        else {
            if (s1 < rows || s1 < 1)
                return 0;
            *ld = s1;
        }
        *stored_t = 1;
        return 1;
    }
    return 0;
}

/* Converts `obj` into an operand of `typenum`.  as_col: a 1-D operand is a
 * column (k x 1, matmul's b) rather than a row (1 x k).  Returns 0 or -1. */
static int mx_operand_get(PyObject *obj, const char *name, int typenum, int as_col,
                          mx_operand *op)
{
    PyArrayObject *arr = NULL;
    char buf[160];
    int elsize = typenum == NPY_FLOAT ? (int)sizeof(float) : (int)sizeof(double);
    op->arr = NULL;
    if (PyArray_Check(obj) && PyArray_TYPE((PyArrayObject *)obj) == typenum &&
        PyArray_ISALIGNED((PyArrayObject *)obj) && PyArray_ISNOTSWAPPED((PyArrayObject *)obj)) {
        arr = (PyArrayObject *)obj;
        Py_INCREF(arr);
    }
    else {
        arr = nnc_as_input(obj, name, typenum);
        if (arr == NULL)
            return -1;
    }
    int nd = PyArray_NDIM(arr);
    if (nd < 1 || nd > 2) {
        PyErr_Format(PyExc_ValueError,
                     "%s: expected a 1-d or 2-d array, got shape %s (use numpy.matmul for "
                     "stacks of matrices)",
                     name, nnc_shape_str(arr, buf, sizeof buf));
        Py_DECREF(arr);
        return -1;
    }
    int64_t rows, cols;
    npy_intp s0, s1;
    if (nd == 2) {
        rows = PyArray_DIM(arr, 0);
        cols = PyArray_DIM(arr, 1);
        s0 = PyArray_STRIDE(arr, 0);
        s1 = PyArray_STRIDE(arr, 1);
    }
    else if (as_col) {
        rows = PyArray_DIM(arr, 0);
        cols = 1;
        s0 = PyArray_STRIDE(arr, 0);
        s1 = elsize;
    }
    else {
        rows = 1;
        cols = PyArray_DIM(arr, 0);
        s0 = cols * elsize;
        s1 = PyArray_STRIDE(arr, 0);
    }
    if (!layout_2d(rows, cols, s0, s1, elsize, &op->ld, &op->stored_t)) {
        /* Strided or negative steps: one C-contiguous copy. */
        PyArrayObject *c = (PyArrayObject *)PyArray_NewCopy(arr, NPY_CORDER);
        Py_DECREF(arr);
        if (c == NULL)
            return -1;
        arr = c;
        op->ld = cols > 1 ? cols : 1;
        op->stored_t = 0;
    }
    op->arr = arr;
    op->data = PyArray_DATA(arr);
    op->rows = rows;
    op->cols = cols;
    return 0;
}

/* Runs the kernel for typenum, releasing the GIL when `big`; threaded
 * products run on the module's worker pool when it is free. */
static nnc_status_t run_gemm(PyObject *module, int typenum, int ta, int tb, int64_t m,
                             int64_t n, int64_t k, const void *a, int64_t lda, const void *b,
                             int64_t ldb, void *c, int64_t ldc, int threads, int big)
{
    nnc_status_t st;
    nnc_sigpoll_t sp;
    nnc_pool_t *pool =
        threads > 1 && (double)m * (double)n * (double)k >= 2.0 * NNC_GEMM_POOL_THREAD_WORK
            ? nnc_module_pool_acquire(module, threads)
            : NULL;
    /* A big product polls Ctrl-C on this thread as it goes (nnc_gemm_pool_poll);
     * KeyboardInterrupt is then pending and the status INTERRUPTED. */
    if (big)
        nnc_sigpoll_begin(&sp);
    if (typenum == NPY_FLOAT)
        st = nnc_gemm_pool_poll_f32(pool, ta, tb, m, n, k, 1.0f, (const float *)a, lda,
                                    (const float *)b, ldb, 0.0f, (float *)c, ldc, threads,
                                    big ? nnc_sigpoll : NULL, &sp);
    else
        st = nnc_gemm_pool_poll_f64(pool, ta, tb, m, n, k, 1.0, (const double *)a, lda,
                                    (const double *)b, ldb, 0.0, (double *)c, ldc, threads,
                                    big ? nnc_sigpoll : NULL, &sp);
    if (big)
        nnc_sigpoll_end(&sp);
    nnc_module_pool_release(pool);
    return st;
}

/* A caller's out= array: nnc_as_output against the result's shape and the
 * CONVERTED operands (what the kernel reads, whatever the caller passed). */
static PyArrayObject *get_out(PyObject *obj, const char *fname, int typenum, int nd,
                              const npy_intp *dims, PyArrayObject *const *inputs, int n_inputs,
                              const char *const *input_names)
{
    char name[64];
    snprintf(name, sizeof name, "%s: out", fname);
    return nnc_as_output(obj, name, typenum, nd, dims, -1, inputs, input_names, n_inputs);
}

/* ------------------------------------------------------------------ */
/* matmul                                                               */

PyDoc_STRVAR(matmul_doc,
"matmul($module, a, b, *, trans_a=False, trans_b=False, out=None, threads=None)\n"
"--\n"
"\n"
"Matrix product C = op(a) @ op(b), where op(x) is x.T when trans_x is true.\n"
"\n"
"    C[i, j] = sum_p op(a)[i, p] * op(b)[p, j]\n"
"\n"
"Shapes: op(a) is (m, k), op(b) is (k, n), C is (m, n).  A 1-d operand\n"
"follows numpy.matmul: a 1-d `a` of length k is a row (1, k) and a 1-d `b`\n"
"a column (k, 1), and that axis is dropped from the result (two 1-d\n"
"operands give a 0-d dot product).  trans_x has no effect on a 1-d operand\n"
"(x.T of a 1-d array is itself).  More than 2 dimensions raise ValueError.\n"
"\n"
"Computes in float32 when the floating inputs are all float32, otherwise in\n"
"float64 (int and bool inputs are converted).  Any strides are accepted;\n"
"C- and Fortran-order inputs are used without copying.\n"
"\n"
"out: an array to write C into; it must be exactly the computed dtype,\n"
"C-contiguous, writeable, of shape (m, n), and must not share memory with a\n"
"or b.  Returns out (or a new array).\n"
"threads: None uses the machine's cores when the product is big enough to\n"
"pay for them; an int >= 1 caps the thread count.  Results are identical,\n"
"bit for bit, for every thread count.\n"
"\n"
"The sum over p runs in a fixed order for a given shape, so results repeat\n"
"exactly; with k == 1 each entry is exactly the rounded product a*b.");

static PyObject *py_matmul(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames)
{
    static const char *const names[] = {"a", "b", "trans_a", "trans_b", "out", "threads"};
    PyObject *v[6];
    mx_operand A = {0}, B = {0};
    PyArrayObject *out = NULL;
    PyObject *ret = NULL;
    int ta, tb, threads, typenum;
    char b1[160], b2[160];
    (void)self;

    if (parse_fast("matmul", args, nargs, kwnames, 2, 2, names, 6, v) < 0)
        return NULL;
    if ((ta = parse_flag(v[2])) < 0 || (tb = parse_flag(v[3])) < 0)
        return NULL;
    if (parse_threads(v[5], "matmul", &threads) < 0)
        return NULL;
    {
        PyObject *ab[2] = {v[0], v[1]};
        typenum = nnc_pick_dtype(2, ab);
    }
    if (mx_operand_get(v[0], "matmul: a", typenum, 0, &A) < 0)
        goto done;
    if (mx_operand_get(v[1], "matmul: b", typenum, 1, &B) < 0)
        goto done;
    {
        const int a1 = PyArray_NDIM(A.arr) == 1, b1d = PyArray_NDIM(B.arr) == 1;
        if (a1)
            ta = 0;
        if (b1d)
            tb = 0;
        /* op(A) is m x k; op(B) is k2 x n. */
        const int64_t m = ta ? A.cols : A.rows, k = ta ? A.rows : A.cols;
        const int64_t k2 = tb ? B.cols : B.rows, n = tb ? B.rows : B.cols;
        if (k != k2) {
            const char *an = a1 ? "a's length" : ta ? "a.T's columns" : "a's columns";
            const char *bn = b1d ? "b's length" : tb ? "b.T's rows" : "b's rows";
            PyErr_Format(PyExc_ValueError,
                         "matmul: a has shape %s but b has shape %s; %s (%lld) must equal "
                         "%s (%lld)",
                         nnc_shape_str(A.arr, b1, sizeof b1), nnc_shape_str(B.arr, b2, sizeof b2),
                         an, (long long)k, bn, (long long)k2);
            goto done;
        }
        npy_intp dims[2];
        int nd = 0;
        if (!a1)
            dims[nd++] = (npy_intp)m;
        if (!b1d)
            dims[nd++] = (npy_intp)n;
        if (v[4] != NULL && v[4] != Py_None) {
            static const char *const in_names[] = {"a", "b"};
            PyArrayObject *ins[2] = {A.arr, B.arr};
            out = get_out(v[4], "matmul", typenum, nd, dims, ins, 2, in_names);
        }
        else {
            out = nnc_new_array(nd, dims, typenum);
        }
        if (out == NULL)
            goto done;
        /* The stored matrix is the transpose of op(X) when exactly one of
         * "user asked for X.T" and "X is stored transposed" holds. */
        const int kta = ta ^ A.stored_t, ktb = tb ^ B.stored_t;
        const double flops = (double)m * (double)n * (double)k;
        const int big = flops >= NNC_MX_GIL_FLOPS;
        if (threads == 0)
            threads = flops >= 2.0 * NNC_GEMM_POOL_THREAD_WORK ? available_cpus() : 1;
        nnc_status_t st = run_gemm(self, typenum, kta, ktb, m, n, k, A.data, A.ld, B.data, B.ld,
                                   PyArray_DATA(out), n > 1 ? n : 1, threads, big);
        if (st != NNC_STATUS_OK) {
            nnc_raise_status(st, "matmul");
            goto done;
        }
    }
    if (v[4] != NULL && v[4] != Py_None) {
        Py_INCREF(out);
        ret = (PyObject *)out;
    }
    else if (PyArray_NDIM(out) == 0) {
        ret = PyArray_Return(out); /* steals: 1-d @ 1-d gives a scalar, as NumPy */
        out = NULL;
    }
    else {
        ret = (PyObject *)out;
        out = NULL;
    }
done:
    Py_XDECREF(A.arr);
    Py_XDECREF(B.arr);
    Py_XDECREF(out);
    return ret;
}

/* ------------------------------------------------------------------ */
/* gemv                                                                 */

PyDoc_STRVAR(gemv_doc,
"gemv($module, a, x, *, trans_a=False, out=None)\n"
"--\n"
"\n"
"Matrix-vector product y = op(a) @ x, op(a) = a.T when trans_a.\n"
"\n"
"    y[i] = sum_j op(a)[i, j] * x[j]\n"
"\n"
"Shapes: op(a) is (m, n), x is (n,), y is (m,).  dtype as matmul.  out, if\n"
"given, must be exactly the computed dtype, C-contiguous, writeable, of\n"
"shape (m,), and must not share memory with a or x.  Returns y.");

static PyObject *py_gemv(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames)
{
    static const char *const names[] = {"a", "x", "trans_a", "out"};
    PyObject *v[4];
    mx_operand A = {0};
    PyArrayObject *x = NULL, *out = NULL;
    PyObject *ret = NULL;
    int ta, typenum;
    char b1[160], b2[160];
    (void)self;

    if (parse_fast("gemv", args, nargs, kwnames, 2, 2, names, 4, v) < 0)
        return NULL;
    if ((ta = parse_flag(v[2])) < 0)
        return NULL;
    {
        PyObject *ax[2] = {v[0], v[1]};
        typenum = nnc_pick_dtype(2, ax);
    }
    if (mx_operand_get(v[0], "gemv: a", typenum, 0, &A) < 0)
        goto done;
    if (PyArray_NDIM(A.arr) != 2) {
        PyErr_Format(PyExc_ValueError, "gemv: a: expected a 2-d array, got shape %s",
                     nnc_shape_str(A.arr, b1, sizeof b1));
        goto done;
    }
    if ((x = nnc_as_input_nd(v[1], "gemv: x", typenum, 1, 1)) == NULL)
        goto done;
    {
        const int64_t m = ta ? A.cols : A.rows, n = ta ? A.rows : A.cols;
        if (PyArray_DIM(x, 0) != n) {
            PyErr_Format(PyExc_ValueError,
                         "gemv: a has shape %s but x has shape %s; %s (%lld) must equal x's "
                         "length (%lld)",
                         nnc_shape_str(A.arr, b1, sizeof b1), nnc_shape_str(x, b2, sizeof b2),
                         ta ? "a.T's columns" : "a's columns", (long long)n,
                         (long long)PyArray_DIM(x, 0));
            goto done;
        }
        npy_intp dims[1] = {(npy_intp)m};
        if (v[3] != NULL && v[3] != Py_None) {
            static const char *const in_names[] = {"a", "x"};
            PyArrayObject *ins[2] = {A.arr, x};
            out = get_out(v[3], "gemv", typenum, 1, dims, ins, 2, in_names);
        }
        else {
            out = nnc_new_array(1, dims, typenum);
        }
        if (out == NULL)
            goto done;
        const int kta = ta ^ A.stored_t;
        const int big = (double)m * (double)n >= NNC_MX_GIL_FLOPS;
        nnc_status_t st;
        PyThreadState *ts = big ? PyEval_SaveThread() : NULL;
        if (typenum == NPY_FLOAT)
            st = nnc_gemv_f32(kta, m, n, 1.0f, (const float *)A.data, A.ld,
                              (const float *)PyArray_DATA(x), 0.0f, (float *)PyArray_DATA(out));
        else
            st = nnc_gemv_f64(kta, m, n, 1.0, (const double *)A.data, A.ld,
                              (const double *)PyArray_DATA(x), 0.0, (double *)PyArray_DATA(out));
        if (ts != NULL)
            PyEval_RestoreThread(ts);
        if (st != NNC_STATUS_OK) {
            nnc_raise_status(st, "gemv");
            goto done;
        }
    }
    ret = (PyObject *)out;
    out = NULL;
done:
    Py_XDECREF(A.arr);
    Py_XDECREF(x);
    Py_XDECREF(out);
    return ret;
}

/* ------------------------------------------------------------------ */
/* dot                                                                  */

PyDoc_STRVAR(dot_doc,
"dot($module, x, y)\n"
"--\n"
"\n"
"Inner product of two 1-d arrays of equal length n:\n"
"\n"
"    dot(x, y) = sum_i x[i] * y[i]\n"
"\n"
"Computed in float32 when the floating inputs are float32, else float64,\n"
"in a fixed order for a given n; returned as a Python float.");

static PyObject *py_dot(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames)
{
    static const char *const names[] = {"x", "y"};
    PyObject *v[2];
    PyArrayObject *x = NULL, *y = NULL;
    PyObject *ret = NULL;
    int typenum;
    (void)self;

    if (parse_fast("dot", args, nargs, kwnames, 2, 2, names, 2, v) < 0)
        return NULL;
    typenum = nnc_pick_dtype(2, v);
    if ((x = nnc_as_input_nd(v[0], "dot: x", typenum, 1, 1)) == NULL)
        goto done;
    if ((y = nnc_as_input_nd(v[1], "dot: y", typenum, 1, 1)) == NULL)
        goto done;
    if (nnc_check_same_shape(y, "dot: y", x, "x") < 0)
        goto done;
    {
        const int64_t n = PyArray_DIM(x, 0);
        double r;
        PyThreadState *ts = n >= NNC_MX_GIL_ELEMS ? PyEval_SaveThread() : NULL;
        if (typenum == NPY_FLOAT)
            r = nnc_dot_f32(n, (const float *)PyArray_DATA(x), (const float *)PyArray_DATA(y));
        else
            r = nnc_dot_f64(n, (const double *)PyArray_DATA(x), (const double *)PyArray_DATA(y));
        if (ts != NULL)
            PyEval_RestoreThread(ts);
        ret = PyFloat_FromDouble(r);
    }
done:
    Py_XDECREF(x);
    Py_XDECREF(y);
    return ret;
}

/* ------------------------------------------------------------------ */
/* elementwise: axpy, add, scale                                        */

/* An input of an elementwise kernel whose output is `dst`: converted, and
 * copied once more when it shares memory with dst without being exactly
 * dst's elements (a partial overlap would let the kernel read values it has
 * already overwritten). */
static PyArrayObject *elementwise_input(PyObject *obj, const char *name, int typenum,
                                        PyArrayObject *dst)
{
    PyArrayObject *x = nnc_as_input(obj, name, typenum);
    if (x == NULL || dst == NULL)
        return x;
    if (PyArray_DATA(x) != PyArray_DATA(dst) && nnc_arrays_overlap(x, dst)) {
        PyArrayObject *c = (PyArrayObject *)PyArray_NewCopy(x, NPY_CORDER);
        Py_DECREF(x);
        return c;
    }
    return x;
}

/* The dtype an in-place target imposes: its own when it is float32 or
 * float64, else float64 (and nnc_as_inplace then names the mismatch). */
static int inplace_typenum(PyObject *obj)
{
    if (PyArray_Check(obj) && PyArray_TYPE((PyArrayObject *)obj) == NPY_FLOAT)
        return NPY_FLOAT;
    return NPY_DOUBLE;
}

/* The elementwise kernels behind axpy, add and scale, so that their dtype
 * dispatch and GIL rule are written once:
 *   MX_EW_AXPY   out += alpha * x   (y unused)
 *   MX_EW_ADD    out  = x + y       (alpha unused)
 *   MX_EW_SCALE  out  = alpha * x   (y unused)
 * Every array has out's size and dtype `typenum` (alpha is rounded to it);
 * the GIL is released from NNC_MX_GIL_ELEMS elements on. */
typedef enum { MX_EW_AXPY, MX_EW_ADD, MX_EW_SCALE } mx_ew_op;

static void run_elementwise(mx_ew_op op, int typenum, double alpha, PyArrayObject *x,
                            PyArrayObject *y, PyArrayObject *out)
{
    const int64_t n = PyArray_SIZE(out);
    const void *xd = PyArray_DATA(x), *yd = y != NULL ? PyArray_DATA(y) : NULL;
    void *od = PyArray_DATA(out);
    PyThreadState *ts = n >= NNC_MX_GIL_ELEMS ? PyEval_SaveThread() : NULL;
    if (typenum == NPY_FLOAT) {
        switch (op) {
        case MX_EW_AXPY: nnc_axpy_f32(n, (float)alpha, xd, od); break;
        case MX_EW_ADD: nnc_add_f32(n, xd, yd, od); break;
        case MX_EW_SCALE: nnc_scale_f32(n, (float)alpha, xd, od); break;
        }
    }
    else {
        switch (op) {
        case MX_EW_AXPY: nnc_axpy_f64(n, alpha, xd, od); break;
        case MX_EW_ADD: nnc_add_f64(n, xd, yd, od); break;
        case MX_EW_SCALE: nnc_scale_f64(n, alpha, xd, od); break;
        }
    }
    if (ts != NULL)
        PyEval_RestoreThread(ts);
}

PyDoc_STRVAR(axpy_doc,
"axpy($module, alpha, x, y)\n"
"--\n"
"\n"
"In place: y += alpha * x (y[i] = y[i] + alpha * x[i]).\n"
"\n"
"y is updated in place, so it must be a float32 or float64 numpy.ndarray,\n"
"C-contiguous and writeable; x (any array-like) must have y's shape and is\n"
"converted to y's dtype.  Returns y.");

static PyObject *py_axpy(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames)
{
    static const char *const names[] = {"alpha", "x", "y"};
    PyObject *v[3];
    PyArrayObject *x = NULL, *y = NULL;
    PyObject *ret = NULL;
    double alpha;
    int typenum;
    (void)self;

    if (parse_fast("axpy", args, nargs, kwnames, 3, 3, names, 3, v) < 0)
        return NULL;
    if (nnc_parse_real(v[0], "axpy: alpha", NNC_REAL_ANY, &alpha) < 0)
        return NULL;
    typenum = inplace_typenum(v[2]);
    if (PyArray_Check(v[2]) && PyArray_TYPE((PyArrayObject *)v[2]) != NPY_FLOAT &&
        PyArray_TYPE((PyArrayObject *)v[2]) != NPY_DOUBLE) {
        PyErr_Format(PyExc_TypeError,
                     "axpy: y is updated in place, so it must be a float32 or float64 array, "
                     "got dtype %R",
                     (PyObject *)PyArray_DESCR((PyArrayObject *)v[2]));
        return NULL;
    }
    if ((y = nnc_as_inplace(v[2], "axpy: y", typenum)) == NULL)
        goto done;
    if ((x = elementwise_input(v[1], "axpy: x", typenum, y)) == NULL)
        goto done;
    if (nnc_check_same_shape(x, "axpy: x", y, "y") < 0)
        goto done;
    run_elementwise(MX_EW_AXPY, typenum, alpha, x, NULL, y);
    ret = (PyObject *)y;
    y = NULL;
done:
    Py_XDECREF(x);
    Py_XDECREF(y);
    return ret;
}

/* The output of add/scale: out= (exact dtype, contiguous, writeable, the
 * shape of `like`) or a new array. */
static PyArrayObject *elementwise_out(PyObject *obj, const char *name, int typenum,
                                      PyArrayObject *like, const char *like_name)
{
    PyArrayObject *out;
    if (obj == NULL || obj == Py_None)
        return nnc_new_array(PyArray_NDIM(like), PyArray_DIMS(like), typenum);
    /* No overlap check: elementwise_input copies an input that partially
     * overlaps out, and out may be an input itself (in-place add/scale). */
    out = nnc_as_output(obj, name, typenum, -1, NULL, -1, NULL, NULL, 0);
    if (out != NULL && nnc_check_same_shape(out, name, like, like_name) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

PyDoc_STRVAR(add_doc,
"add($module, x, y, out=None)\n"
"--\n"
"\n"
"Elementwise sum z = x + y (z[i] = x[i] + y[i]) of two arrays of the same\n"
"shape (no broadcasting).  dtype as matmul.  out may be x or y itself (an\n"
"in-place add); it must be exactly the computed dtype, C-contiguous,\n"
"writeable and of the same shape.  Returns z.");

static PyObject *py_add(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames)
{
    static const char *const names[] = {"x", "y", "out"};
    PyObject *v[3];
    PyArrayObject *x = NULL, *y = NULL, *out = NULL, *xs = NULL, *ys = NULL;
    PyObject *ret = NULL;
    int typenum;
    (void)self;

    if (parse_fast("add", args, nargs, kwnames, 2, 3, names, 3, v) < 0)
        return NULL;
    typenum = nnc_pick_dtype(2, v);
    /* Shapes first (from plain conversions), then out=, then the inputs
     * again with any partial overlap with out resolved by a copy. */
    if ((xs = nnc_as_input(v[0], "add: x", typenum)) == NULL)
        goto done;
    if ((ys = nnc_as_input(v[1], "add: y", typenum)) == NULL)
        goto done;
    if (nnc_check_same_shape(ys, "add: y", xs, "x") < 0)
        goto done;
    if ((out = elementwise_out(v[2], "add: out", typenum, xs, "x")) == NULL)
        goto done;
    if ((x = elementwise_input((PyObject *)xs, "add: x", typenum, out)) == NULL)
        goto done;
    if ((y = elementwise_input((PyObject *)ys, "add: y", typenum, out)) == NULL)
        goto done;
    run_elementwise(MX_EW_ADD, typenum, 0.0, x, y, out);
    ret = (PyObject *)out;
    out = NULL;
done:
    Py_XDECREF(xs);
    Py_XDECREF(ys);
    Py_XDECREF(x);
    Py_XDECREF(y);
    Py_XDECREF(out);
    return ret;
}

PyDoc_STRVAR(scale_doc,
"scale($module, x, alpha, out=None)\n"
"--\n"
"\n"
"Elementwise y = alpha * x (y[i] = alpha * x[i]) for a real scalar alpha.\n"
"dtype: x's when it is float32 or float64, else float64.  out may be x\n"
"itself (in-place scaling); it must be exactly that dtype, C-contiguous,\n"
"writeable and of x's shape.  Returns y.");

static PyObject *py_scale(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    static const char *const names[] = {"x", "alpha", "out"};
    PyObject *v[3];
    PyArrayObject *x = NULL, *xs = NULL, *out = NULL;
    PyObject *ret = NULL;
    double alpha;
    int typenum;
    (void)self;

    if (parse_fast("scale", args, nargs, kwnames, 2, 3, names, 3, v) < 0)
        return NULL;
    if (nnc_parse_real(v[1], "scale: alpha", NNC_REAL_ANY, &alpha) < 0)
        return NULL;
    typenum = nnc_pick_dtype(1, v);
    if ((xs = nnc_as_input(v[0], "scale: x", typenum)) == NULL)
        goto done;
    if ((out = elementwise_out(v[2], "scale: out", typenum, xs, "x")) == NULL)
        goto done;
    if ((x = elementwise_input((PyObject *)xs, "scale: x", typenum, out)) == NULL)
        goto done;
    run_elementwise(MX_EW_SCALE, typenum, alpha, x, NULL, out);
    ret = (PyObject *)out;
    out = NULL;
done:
    Py_XDECREF(xs);
    Py_XDECREF(x);
    Py_XDECREF(out);
    return ret;
}

/* ------------------------------------------------------------------ */
/* transpose                                                            */

PyDoc_STRVAR(transpose_doc,
"transpose($module, a)\n"
"--\n"
"\n"
"A new C-contiguous array b = a.T: b[j, i] = a[i, j], shape (n, m) for a of\n"
"shape (m, n).  A 1-d array is returned as a copy (its .T is itself).\n"
"dtype: a's when it is float32 or float64, else float64.");

static PyObject *py_transpose(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames)
{
    static const char *const names[] = {"a"};
    PyObject *v[1];
    mx_operand A = {0};
    PyArrayObject *out = NULL;
    PyObject *ret = NULL;
    int typenum;
    (void)self;

    if (parse_fast("transpose", args, nargs, kwnames, 1, 1, names, 1, v) < 0)
        return NULL;
    typenum = nnc_pick_dtype(1, v);
    if (mx_operand_get(v[0], "transpose: a", typenum, 0, &A) < 0)
        goto done;
    {
        const int nd = PyArray_NDIM(A.arr);
        npy_intp dims[2];
        if (nd == 1)
            dims[0] = (npy_intp)A.cols;
        else {
            dims[0] = (npy_intp)A.cols;
            dims[1] = (npy_intp)A.rows;
        }
        if ((out = nnc_new_array(nd, dims, typenum)) == NULL)
            goto done;
        /* B = A^T has A.cols rows of A.rows.  When A is stored transposed
         * (Fortran order) its storage already is B's layout, but with its
         * own leading dimension: "transposing" the stored X^T gives X, so
         * copy the stored rows instead. */
        const int64_t r = A.stored_t ? A.cols : A.rows, c = A.stored_t ? A.rows : A.cols;
        const int64_t ldb = A.rows > 1 ? A.rows : 1;
        const int big = (double)A.rows * (double)A.cols >= NNC_MX_GIL_ELEMS;
        nnc_status_t st = NNC_STATUS_OK;
        PyThreadState *ts = big ? PyEval_SaveThread() : NULL;
        if (nd == 1 || A.stored_t) {
            /* storage rows (r of them, c long) are B's rows */
            const size_t es = typenum == NPY_FLOAT ? sizeof(float) : sizeof(double);
            for (int64_t i = 0; i < r; i++)
                memcpy((char *)PyArray_DATA(out) + (size_t)(i * ldb) * es,
                       (const char *)A.data + (size_t)(i * A.ld) * es, (size_t)c * es);
        }
        else if (typenum == NPY_FLOAT) {
            st = nnc_transpose_f32(r, c, (const float *)A.data, A.ld, (float *)PyArray_DATA(out),
                                   ldb);
        }
        else {
            st = nnc_transpose_f64(r, c, (const double *)A.data, A.ld,
                                   (double *)PyArray_DATA(out), ldb);
        }
        if (ts != NULL)
            PyEval_RestoreThread(ts);
        if (st != NNC_STATUS_OK) {
            nnc_raise_status(st, "transpose");
            goto done;
        }
    }
    ret = (PyObject *)out;
    out = NULL;
done:
    Py_XDECREF(A.arr);
    Py_XDECREF(out);
    return ret;
}

/* ------------------------------------------------------------------ */
/* private: the raw kernel, for tests and benchmarks                    */

/* A 2-d array of exactly typenum whose rows are contiguous (any row stride
 * >= cols): the kernel's (pointer, leading dimension) view, no copy. */
static int raw_view(PyObject *obj, const char *name, int typenum, int writeable, void **data,
                    int64_t *rows, int64_t *cols, int64_t *ld)
{
    PyArrayObject *arr;
    npy_intp es = typenum == NPY_FLOAT ? (npy_intp)sizeof(float) : (npy_intp)sizeof(double);
    if (!PyArray_Check(obj) || PyArray_TYPE((PyArrayObject *)obj) != typenum ||
        PyArray_NDIM((PyArrayObject *)obj) != 2) {
        PyErr_Format(PyExc_TypeError, "_gemm: %s must be a 2-d array of the same float dtype",
                     name);
        return -1;
    }
    arr = (PyArrayObject *)obj;
    *rows = PyArray_DIM(arr, 0);
    *cols = PyArray_DIM(arr, 1);
    if (*rows == 0 || *cols == 0) { /* no element is read or written */
        *ld = *cols > 1 ? *cols : 1;
        *data = PyArray_DATA(arr);
        return 0;
    }
    if (!PyArray_ISALIGNED(arr) || (*cols > 1 && PyArray_STRIDE(arr, 1) != es) ||
        PyArray_STRIDE(arr, 0) % es != 0 || (*rows > 1 && PyArray_STRIDE(arr, 0) < es * *cols) ||
        (writeable && !PyArray_ISWRITEABLE(arr))) {
        PyErr_Format(PyExc_ValueError, "_gemm: %s must have contiguous rows and a row stride "
                     ">= its width", name);
        return -1;
    }
    *ld = *rows > 1 ? PyArray_STRIDE(arr, 0) / es : (*cols > 1 ? *cols : 1);
    *data = PyArray_DATA(arr);
    return 0;
}

PyDoc_STRVAR(gemm_raw_doc,
"_gemm($module, a, b, c, *, trans_a=False, trans_b=False, alpha=1.0, beta=0.0,\n"
"      kernel='auto', threads=1)\n"
"--\n"
"\n"
"Private: c = alpha * op(a) @ op(b) + beta * c in place, straight into the C\n"
"kernel (a, b, c the same float dtype, rows contiguous, any row stride;\n"
"kernel one of _gemm_kernels()).  For tests of the kernel's own contract.");

static PyObject *py_gemm_raw(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames)
{
    static const char *const names[] = {"a",     "b",    "c",      "trans_a", "trans_b",
                                        "alpha", "beta", "kernel", "threads"};
    PyObject *v[9];
    void *pa, *pb, *pc;
    int64_t ar, ac, lda, br, bc, ldb, cr, cc, ldc;
    int ta, tb, threads = 1, typenum, kernel = NNC_GEMM_AUTO;
    double alpha = 1.0, beta = 0.0;
    nnc_status_t st;
    (void)self;

    if (parse_fast("_gemm", args, nargs, kwnames, 3, 3, names, 9, v) < 0)
        return NULL;
    if ((ta = parse_flag(v[3])) < 0 || (tb = parse_flag(v[4])) < 0)
        return NULL;
    if ((v[5] && nnc_parse_real(v[5], "_gemm: alpha", NNC_REAL_ANY, &alpha) < 0) ||
        (v[6] && nnc_parse_real(v[6], "_gemm: beta", NNC_REAL_ANY, &beta) < 0))
        return NULL;
    if (v[8] != NULL && parse_threads(v[8], "_gemm", &threads) < 0)
        return NULL;
    if (threads == 0)
        threads = available_cpus();
    if (v[7] != NULL) {
        const char *kn = PyUnicode_Check(v[7]) ? PyUnicode_AsUTF8(v[7]) : NULL;
        for (kernel = 0; kn != NULL && kernel < NNC_GEMM_KERNEL_COUNT; kernel++)
            if (strcmp(kn, nnc_gemm_kernel_name((nnc_gemm_kernel_t)kernel)) == 0)
                break;
        if (kn == NULL || kernel == NNC_GEMM_KERNEL_COUNT ||
            !nnc_gemm_kernel_available((nnc_gemm_kernel_t)kernel)) {
            PyErr_Format(PyExc_ValueError, "_gemm: kernel %R is not available here", v[7]);
            return NULL;
        }
    }
    typenum = PyArray_Check(v[2]) && PyArray_TYPE((PyArrayObject *)v[2]) == NPY_FLOAT
                  ? NPY_FLOAT : NPY_DOUBLE;
    if (raw_view(v[0], "a", typenum, 0, &pa, &ar, &ac, &lda) < 0 ||
        raw_view(v[1], "b", typenum, 0, &pb, &br, &bc, &ldb) < 0 ||
        raw_view(v[2], "c", typenum, 1, &pc, &cr, &cc, &ldc) < 0)
        return NULL;
    {
        const int64_t m = ta ? ac : ar, k = ta ? ar : ac, k2 = tb ? bc : br,
                      n = tb ? br : bc;
        if (k != k2 || cr != m || cc != n) {
            PyErr_SetString(PyExc_ValueError, "_gemm: shapes do not agree");
            return NULL;
        }
        Py_BEGIN_ALLOW_THREADS
        if (typenum == NPY_FLOAT)
            st = nnc_gemm_ex_f32((nnc_gemm_kernel_t)kernel, ta, tb, m, n, k, (float)alpha, pa,
                                 lda, pb, ldb, (float)beta, pc, ldc, threads);
        else
            st = nnc_gemm_ex_f64((nnc_gemm_kernel_t)kernel, ta, tb, m, n, k, alpha, pa, lda, pb,
                                 ldb, beta, pc, ldc, threads);
        Py_END_ALLOW_THREADS
    }
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "_gemm");
        return NULL;
    }
    Py_RETURN_NONE;
}

PyDoc_STRVAR(gemm_kernels_doc,
"_gemm_kernels($module)\n"
"--\n"
"\n"
"Private: the GEMM micro-kernels this machine can run, best first.");

static PyObject *py_gemm_kernels(PyObject *self, PyObject *noargs)
{
    PyObject *list = PyList_New(0);
    (void)self;
    (void)noargs;
    if (list == NULL)
        return NULL;
    for (int kn = NNC_GEMM_KERNEL_COUNT - 1; kn > NNC_GEMM_AUTO; kn--) {
        if (!nnc_gemm_kernel_available((nnc_gemm_kernel_t)kn))
            continue;
        PyObject *s = PyUnicode_FromString(nnc_gemm_kernel_name((nnc_gemm_kernel_t)kn));
        if (s == NULL || PyList_Append(list, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(s);
    }
    return list;
}

#define NNC_FASTKW (METH_FASTCALL | METH_KEYWORDS)

PyMethodDef nnc_matrix_methods[] = {
    {"matmul", (PyCFunction)(void (*)(void))py_matmul, NNC_FASTKW, matmul_doc},
    {"gemv", (PyCFunction)(void (*)(void))py_gemv, NNC_FASTKW, gemv_doc},
    {"dot", (PyCFunction)(void (*)(void))py_dot, NNC_FASTKW, dot_doc},
    {"axpy", (PyCFunction)(void (*)(void))py_axpy, NNC_FASTKW, axpy_doc},
    {"add", (PyCFunction)(void (*)(void))py_add, NNC_FASTKW, add_doc},
    {"scale", (PyCFunction)(void (*)(void))py_scale, NNC_FASTKW, scale_doc},
    {"transpose", (PyCFunction)(void (*)(void))py_transpose, NNC_FASTKW, transpose_doc},
    {"_gemm", (PyCFunction)(void (*)(void))py_gemm_raw, NNC_FASTKW, gemm_raw_doc},
    {"_gemm_kernels", py_gemm_kernels, METH_NOARGS, gemm_kernels_doc},
    {NULL, NULL, 0, NULL},
};

int nnc_matrix_module_init(PyObject *module)
{
    (void)module;
    return 0;
}
