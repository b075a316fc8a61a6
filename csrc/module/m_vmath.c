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

PyMethodDef nnc_vmath_methods[] = {
    {"_vmath", (PyCFunction)(void (*)(void))py_vmath, METH_VARARGS | METH_KEYWORDS, vmath_doc},
    {"_isa_levels", py_isa_levels, METH_NOARGS, isa_levels_doc},
    {NULL, NULL, 0, NULL},
};
