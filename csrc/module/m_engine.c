/* nnc._core: the engine bindings. */
#include "nnc_module.h"

PyMethodDef nnc_engine_methods[] = {
    {NULL, NULL, 0, NULL},
};

int nnc_engine_module_init(PyObject *module)
{
    (void)module;
    return 0;
}
