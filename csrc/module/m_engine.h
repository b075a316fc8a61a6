/* Pieces of the engine binding (m_engine.c) that the sweep binding
 * (m_sweep.c) shares: the network description, the loss tuple and
 * output buffers. */
#ifndef NNC_M_ENGINE_H
#define NNC_M_ENGINE_H

#include "nnc_module.h"

#include "engine.h"

typedef struct {
    nnc_net_t net;
    nnc_layer_t *layers;
    nnc_param_t *params;
    PyObject *keep; /* list holding a reference to every buffer used */
} net_desc;

/* layers/params tuples (see m_engine.c) -> a checked nnc_net_t in typenum.
 * 0, or -1 with an exception set (d released). */
int net_desc_parse(PyObject *layers, PyObject *params, int typenum, net_desc *d);
void net_desc_free(net_desc *d);

/* (kind, reduction, half, delta) -> lp.  0 or -1 with an exception set. */
int parse_loss(PyObject *obj, nnc_loss_params_t *lp);

/* A writeable C-contiguous array of exactly `typenum` with `size` values
 * (borrowed), or NULL with TypeError/ValueError naming `name`. */
PyArrayObject *out_buffer(PyObject *obj, const char *name, int typenum, npy_intp size);

#endif /* NNC_M_ENGINE_H */
