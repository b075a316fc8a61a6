/* nnc._core: the rng bindings. */
#include "nnc_module.h"

PyMethodDef nnc_rng_methods[] = {
    {NULL, NULL, 0, NULL},
};

int nnc_rng_module_init(PyObject *module)
{
    (void)module;
    return 0;
}
