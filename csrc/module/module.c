/* PyInit__core: gathers every area's methods into nnc._core. */
#define NNC_NO_IMPORT_ARRAY
#include "nnc_module.h"

#ifndef NNC_BUILD_FLAGS
#define NNC_BUILD_FLAGS "unknown"
#endif

static PyObject *build_info(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return Py_BuildValue("{s:s,s:s,s:i}", "compiler",
#if defined(__clang__)
                         "clang " __clang_version__,
#elif defined(__GNUC__)
                         "gcc " __VERSION__,
#else
                         "unknown",
#endif
                         "flags", NNC_BUILD_FLAGS, "fp_contract_off", 1);
}

static PyMethodDef module_methods[] = {
    {"build_info", build_info, METH_NOARGS,
     "build_info() -> dict\n\nHow the extension was compiled (compiler, key flags)."},
    {NULL, NULL, 0, NULL},
};

/* The state (the worker pool) goes with the module object. */
static void module_free(void *module)
{
    nnc_module_pool_free((nnc_module_state_t *)PyModule_GetState((PyObject *)module));
}

static struct PyModuleDef nnc_moduledef = {
    PyModuleDef_HEAD_INIT, "nnc._core",
    "nnc's compiled core: NumPy bindings of the C kernels and training engine.\n"
    "Use the nnc package; this module's functions are its building blocks.",
    sizeof(nnc_module_state_t), module_methods, NULL, NULL, NULL, module_free,
};

PyMODINIT_FUNC PyInit__core(void)
{
    PyObject *m;
    PyMethodDef *tables[] = {nnc_matrix_methods, nnc_functional_methods, nnc_rng_methods,
                             nnc_engine_methods, nnc_pool_methods};
    int (*inits[])(PyObject *) = {nnc_matrix_module_init, nnc_functional_module_init,
                                  nnc_rng_module_init, nnc_engine_module_init};

    import_array();
    m = PyModule_Create(&nnc_moduledef);
    if (m == NULL)
        return NULL;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        if (PyModule_AddFunctions(m, tables[t]) < 0)
            goto error;
    }
    for (size_t t = 0; t < sizeof inits / sizeof inits[0]; t++) {
        if (inits[t](m) < 0)
            goto error;
    }
    return m;
error:
    Py_DECREF(m);
    return NULL;
}
