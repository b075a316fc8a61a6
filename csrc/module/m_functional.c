/* nnc._core: the functional bindings. */
#include "nnc_module.h"

PyMethodDef nnc_functional_methods[] = {
    {NULL, NULL, 0, NULL},
};

int nnc_functional_module_init(PyObject *module)
{
    (void)module;
    return 0;
}
