/* Private test hooks of the vector math and the instruction-set dispatch:
 * _vmath(name, x, isa=None) runs one vmath function on one path, and
 * _isa_levels() lists the paths this machine can run.  For tests and
 * benchmarks; the public functions reach vmath through the kernels. */
#include "nnc_module.h"
#include "vmath.h"

#include <string.h>

/* Parses an isa name (None: the best level); -1 with ValueError otherwise. */
int nnc_parse_isa(PyObject *obj, const char *what, nnc_isa_t *isa)
{
    if (obj == NULL || obj == Py_None) {
        *isa = nnc_isa_best();
        return 0;
    }
    const char *s = PyUnicode_Check(obj) ? PyUnicode_AsUTF8(obj) : NULL;
    for (int i = 0; s != NULL && i < NNC_ISA_COUNT; i++) {
        if (strcmp(s, nnc_isa_name((nnc_isa_t)i)) == 0 && nnc_isa_available((nnc_isa_t)i)) {
            *isa = (nnc_isa_t)i;
            return 0;
        }
    }
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s: isa %R is not available here (see _isa_levels())",
                 what, obj);
    return -1;
}

PyDoc_STRVAR(vmath_doc,
"_vmath($module, name, x, isa=None)\n"
"--\n"
"\n"
"Private: f(x) elementwise for f one of exp, expm1, log, log1p, tanh, sigmoid,\n"
"computed by nnc's vector math on the given path (None: the widest).  x is\n"
"float32 or float64 (other inputs are converted to float64); the result has\n"
"x's dtype and shape.");

static PyObject *py_vmath(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "x", "isa", NULL};
    const char *name;
    PyObject *xo, *isao = NULL;
    PyArrayObject *x = NULL, *y = NULL;
    nnc_vm_f64_fn f64;
    nnc_vm_f32_fn f32;
    nnc_isa_t isa;
    int typenum;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "sO|O:_vmath", kwlist, &name, &xo, &isao))
        return NULL;
    if (nnc_vm_lookup(name, &f64, &f32) != 0) {
        PyErr_Format(PyExc_ValueError, "_vmath: unknown function %s", name);
        return NULL;
    }
    if (nnc_parse_isa(isao, "_vmath", &isa) < 0)
        return NULL;
    typenum = PyArray_Check(xo) && PyArray_TYPE((PyArrayObject *)xo) == NPY_FLOAT ? NPY_FLOAT
                                                                                : NPY_DOUBLE;
    x = nnc_as_input(xo, "x", typenum);
    if (x == NULL)
        goto error;
    y = nnc_new_array(PyArray_NDIM(x), PyArray_DIMS(x), typenum);
    if (y == NULL)
        goto error;
    {
        const int64_t n = (int64_t)PyArray_SIZE(x);
        NNC_NOGIL_BEGIN(n)
        if (typenum == NPY_FLOAT)
            f32(isa, n, (const float *)PyArray_DATA(x), (float *)PyArray_DATA(y));
        else
            f64(isa, n, (const double *)PyArray_DATA(x), (double *)PyArray_DATA(y));
        NNC_NOGIL_END
    }
    Py_DECREF(x);
    return (PyObject *)y;
error:
    Py_XDECREF(x);
    Py_XDECREF(y);
    return NULL;
}

PyDoc_STRVAR(isa_levels_doc,
"_isa_levels($module)\n"
"--\n"
"\n"
"Private: the instruction-set paths this build and CPU can run, narrowest\n"
"first (e.g. ['generic', 'avx2', 'avx512']).");

static PyObject *py_isa_levels(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (int i = 0; i < NNC_ISA_COUNT; i++) {
        if (!nnc_isa_available((nnc_isa_t)i))
            continue;
        PyObject *s = PyUnicode_FromString(nnc_isa_name((nnc_isa_t)i));
        if (s == NULL || PyList_Append(out, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(s);
    }
    return out;
}


PyDoc_STRVAR(opt_step_isa_doc,
"_opt_step_isa($module, name, isa, w, g, s1=None, s2=None, *, lr=0.0, mu=0.0,\n"
"              beta1=0.9, beta2=0.999, eps=1e-8, t=1, rho=0.9)\n"
"--\n"
"\n"
"Private: one sgd / momentum / adam / rmsprop step on the given\n"
"instruction-set path, in place on w (and the state s1 = v for momentum and\n"
"rmsprop, s1 = m and s2 = v for adam), all float32 or all float64, C-contiguous, one shape.  For the\n"
"tests that every dispatch path gives the same bits.");

static PyObject *py_opt_step_isa(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "isa", "w", "g", "s1", "s2", "lr", "mu",
                             "beta1", "beta2", "eps", "t", "rho", NULL};
    const char *name;
    PyObject *isao, *wo, *go, *s1o = Py_None, *s2o = Py_None;
    PyArrayObject *w = NULL, *g = NULL, *s1 = NULL, *s2 = NULL;
    double lr = 0.0, mu = 0.0, b1 = 0.9, b2 = 0.999, eps = 1e-8, rho = 0.9;
    long long t = 1;
    nnc_isa_t isa;
    nnc_status_t st = NNC_STATUS_OK;
    int typenum, kind;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "sOOO|OO$dddddLd:_opt_step_isa", kwlist,
                                     &name, &isao, &wo, &go, &s1o, &s2o, &lr, &mu, &b1, &b2,
                                     &eps, &t, &rho))
        return NULL;
    kind = strcmp(name, "sgd") == 0 ? 0 : strcmp(name, "momentum") == 0 ? 1
         : strcmp(name, "adam") == 0 ? 2 : strcmp(name, "rmsprop") == 0 ? 3 : -1;
    if (kind < 0) {
        PyErr_Format(PyExc_ValueError, "_opt_step_isa: unknown optimizer %s", name);
        return NULL;
    }
    if (nnc_parse_isa(isao, "_opt_step_isa", &isa) < 0)
        return NULL;
    typenum = PyArray_Check(wo) && PyArray_TYPE((PyArrayObject *)wo) == NPY_FLOAT ? NPY_FLOAT
                                                                                : NPY_DOUBLE;
    if ((w = nnc_as_inplace(wo, "w", typenum)) == NULL ||
        (g = nnc_as_input(go, "g", typenum)) == NULL ||
        nnc_check_same_shape(g, "g", w, "w") < 0)
        goto error;
    if (kind >= 1 && ((s1 = nnc_as_inplace(s1o, "s1", typenum)) == NULL ||
                      nnc_check_same_shape(s1, "s1", w, "w") < 0))
        goto error;
    if (kind == 2 && ((s2 = nnc_as_inplace(s2o, "s2", typenum)) == NULL ||
                      nnc_check_same_shape(s2, "s2", w, "w") < 0))
        goto error;
    {
        const int64_t n = (int64_t)PyArray_SIZE(w);
        void *pw = PyArray_DATA(w), *pg = PyArray_DATA(g);
        void *p1 = s1 ? PyArray_DATA(s1) : NULL, *p2 = s2 ? PyArray_DATA(s2) : NULL;
        if (typenum == NPY_FLOAT) {
            if (kind == 0)
                nnc_sgd_step_isa_f32(isa, n, pw, pg, (float)lr);
            else if (kind == 1)
                nnc_momentum_step_isa_f32(isa, n, pw, pg, p1, (float)lr, (float)mu);
            else if (kind == 2)
                st = nnc_adam_step_isa_f32(isa, n, pw, pg, p1, p2, (int64_t)t, (float)lr,
                                           (float)b1, (float)b2, (float)eps);
            else
                st = nnc_rmsprop_step_isa_f32(isa, n, pw, pg, p1, (float)lr, (float)rho,
                                              (float)eps);
        }
        else {
            if (kind == 0)
                nnc_sgd_step_isa_f64(isa, n, pw, pg, lr);
            else if (kind == 1)
                nnc_momentum_step_isa_f64(isa, n, pw, pg, p1, lr, mu);
            else if (kind == 2)
                st = nnc_adam_step_isa_f64(isa, n, pw, pg, p1, p2, (int64_t)t, lr, b1, b2, eps);
            else
                st = nnc_rmsprop_step_isa_f64(isa, n, pw, pg, p1, lr, rho, eps);
        }
    }
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "_opt_step_isa");
        goto error;
    }
    Py_DECREF(w);
    Py_DECREF(g);
    Py_XDECREF(s1);
    Py_XDECREF(s2);
    Py_RETURN_NONE;
error:
    Py_XDECREF(w);
    Py_XDECREF(g);
    Py_XDECREF(s1);
    Py_XDECREF(s2);
    return NULL;
}

PyDoc_STRVAR(act_isa_doc,
"_act_isa($module, name, isa, x, dy=None, alpha=0.0)\n"
"--\n"
"\n"
"Private: activation `name` forward (dy None: returns y) or backward (returns\n"
"dx, recomputing the forward from x) on the given instruction-set path, on a\n"
"2-d float32 or float64 array.  For the tests that every path gives the same\n"
"bits.");

static PyObject *py_act_isa(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "isa", "x", "dy", "alpha", NULL};
    const char *name;
    PyObject *isao, *xo, *dyo = Py_None;
    PyArrayObject *x = NULL, *dy = NULL, *out = NULL;
    double alpha = 0.0;
    nnc_isa_t isa;
    nnc_status_t st;
    int typenum, act = -1;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "sOO|Od:_act_isa", kwlist, &name, &isao, &xo,
                                     &dyo, &alpha))
        return NULL;
    for (int i = 0; i < NNC_ACT_COUNT; i++)
        if (strcmp(name, nnc_act_names[i]) == 0)
            act = i;
    if (act < 0) {
        PyErr_Format(PyExc_ValueError, "_act_isa: unknown activation %s", name);
        return NULL;
    }
    if (nnc_parse_isa(isao, "_act_isa", &isa) < 0)
        return NULL;
    typenum = PyArray_Check(xo) && PyArray_TYPE((PyArrayObject *)xo) == NPY_FLOAT ? NPY_FLOAT
                                                                                : NPY_DOUBLE;
    if ((x = nnc_as_input_nd(xo, "x", typenum, 2, 2)) == NULL)
        goto error;
    if (dyo != Py_None && ((dy = nnc_as_input(dyo, "dy", typenum)) == NULL ||
                           nnc_check_same_shape(dy, "dy", x, "x") < 0))
        goto error;
    if ((out = nnc_new_array(2, PyArray_DIMS(x), typenum)) == NULL)
        goto error;
    {
        const int64_t r = PyArray_DIM(x, 0), c = PyArray_DIM(x, 1);
        if (typenum == NPY_FLOAT)
            st = dy == NULL ? nnc_act_forward_isa_f32(isa, (nnc_act_t)act, r, c, PyArray_DATA(x),
                                                      PyArray_DATA(out), (float)alpha)
                            : nnc_act_backward_isa_f32(isa, (nnc_act_t)act, r, c,
                                                       PyArray_DATA(x), NULL, PyArray_DATA(dy),
                                                       PyArray_DATA(out), (float)alpha, NULL);
        else
            st = dy == NULL ? nnc_act_forward_isa_f64(isa, (nnc_act_t)act, r, c, PyArray_DATA(x),
                                                      PyArray_DATA(out), alpha)
                            : nnc_act_backward_isa_f64(isa, (nnc_act_t)act, r, c,
                                                       PyArray_DATA(x), NULL, PyArray_DATA(dy),
                                                       PyArray_DATA(out), alpha, NULL);
    }
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "_act_isa");
        goto error;
    }
    Py_DECREF(x);
    Py_XDECREF(dy);
    return (PyObject *)out;
error:
    Py_XDECREF(x);
    Py_XDECREF(dy);
    Py_XDECREF(out);
    return NULL;
}

PyDoc_STRVAR(loss_isa_doc,
"_loss_isa($module, name, isa, pred, target, reduction='mean')\n"
"--\n"
"\n"
"Private: (value, grad) of loss `name` (half = 0, huber delta 1) on the given\n"
"instruction-set path, for 2-d float32 or float64 pred and target.");

static PyObject *py_loss_isa(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "isa", "pred", "target", "reduction", NULL};
    const char *name, *red = "mean";
    PyObject *isao, *po, *to;
    PyArrayObject *pred = NULL, *target = NULL, *grad = NULL;
    nnc_loss_params_t p = {NNC_LOSS_MSE, NNC_REDUCTION_MEAN, 0, 1.0};
    nnc_isa_t isa;
    nnc_status_t st;
    int typenum, kind = -1;
    double value;
    (void)self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "sOOO|s:_loss_isa", kwlist, &name, &isao, &po,
                                     &to, &red))
        return NULL;
    for (int i = 0; i < NNC_LOSS_COUNT; i++)
        if (strcmp(name, nnc_loss_names[i]) == 0)
            kind = i;
    if (kind < 0 || (strcmp(red, "mean") != 0 && strcmp(red, "sum") != 0)) {
        PyErr_Format(PyExc_ValueError, "_loss_isa: unknown loss %s or reduction %s", name, red);
        return NULL;
    }
    p.kind = (nnc_loss_t)kind;
    p.reduction = strcmp(red, "sum") == 0 ? NNC_REDUCTION_SUM : NNC_REDUCTION_MEAN;
    if (nnc_parse_isa(isao, "_loss_isa", &isa) < 0)
        return NULL;
    typenum = PyArray_Check(po) && PyArray_TYPE((PyArrayObject *)po) == NPY_FLOAT ? NPY_FLOAT
                                                                                : NPY_DOUBLE;
    if ((pred = nnc_as_input_nd(po, "pred", typenum, 2, 2)) == NULL ||
        (target = nnc_as_input_nd(to, "target", typenum, 2, 2)) == NULL ||
        nnc_check_same_shape(target, "target", pred, "pred") < 0 ||
        (grad = nnc_new_array(2, PyArray_DIMS(pred), typenum)) == NULL)
        goto error;
    {
        const int64_t r = PyArray_DIM(pred, 0), c = PyArray_DIM(pred, 1);
        if (typenum == NPY_FLOAT) {
            float v;
            st = nnc_loss_isa_f32(isa, &p, r, c, PyArray_DATA(pred), PyArray_DATA(target), &v,
                                  PyArray_DATA(grad));
            value = v;
        }
        else
            st = nnc_loss_isa_f64(isa, &p, r, c, PyArray_DATA(pred), PyArray_DATA(target),
                                  &value, PyArray_DATA(grad));
    }
    if (st != NNC_STATUS_OK) {
        nnc_raise_status(st, "_loss_isa");
        goto error;
    }
    Py_DECREF(pred);
    Py_DECREF(target);
    return Py_BuildValue("(dN)", value, (PyObject *)grad);
error:
    Py_XDECREF(pred);
    Py_XDECREF(target);
    Py_XDECREF(grad);
    return NULL;
}

/* Which path each dispatched family runs on this machine, for build_info(). */
int nnc_dispatch_info(PyObject *dict)
{
    const char *best = nnc_isa_name(nnc_isa_best());
    /* vmath: exp, log, tanh, sigmoid; activations and losses: every kernel of
     * activations.c and losses.c, forward and backward, with their row sums;
     * optimizers: sgd, momentum, adam, rmsprop.  GEMM chooses its own micro-kernel
     * (_gemm_kernels()). */
    const char *families[] = {"vmath", "activations", "losses", "optimizers"};
    PyObject *d = PyDict_New();
    if (d == NULL)
        return -1;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        PyObject *v = PyUnicode_FromString(best);
        if (v == NULL || PyDict_SetItemString(d, families[i], v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return -1;
        }
        Py_DECREF(v);
    }
    int rc = PyDict_SetItemString(dict, "dispatch", d);
    Py_DECREF(d);
    return rc;
}

PyMethodDef nnc_vmath_methods[] = {
    {"_opt_step_isa", (PyCFunction)(void (*)(void))py_opt_step_isa, METH_VARARGS | METH_KEYWORDS,
     opt_step_isa_doc},
    {"_act_isa", (PyCFunction)(void (*)(void))py_act_isa, METH_VARARGS | METH_KEYWORDS,
     act_isa_doc},
    {"_loss_isa", (PyCFunction)(void (*)(void))py_loss_isa, METH_VARARGS | METH_KEYWORDS,
     loss_isa_doc},
    {"_vmath", (PyCFunction)(void (*)(void))py_vmath, METH_VARARGS | METH_KEYWORDS, vmath_doc},
    {"_isa_levels", py_isa_levels, METH_NOARGS, isa_levels_doc},
    {NULL, NULL, 0, NULL},
};
