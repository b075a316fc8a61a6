/* nnc._core: the matrix bindings. */
#include "nnc_module.h"

PyMethodDef nnc_matrix_methods[] = {
    {NULL, NULL, 0, NULL},
};

int nnc_matrix_module_init(PyObject *module)
{
    (void)module;
    return 0;
}
