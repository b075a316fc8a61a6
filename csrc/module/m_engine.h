/* Pieces of the engine binding (m_engine.c) that the sweep binding
 * (m_sweep.c) and fit's plan (m_plan.c) share: the network description, the
 * loss and optimizer tuples, output buffers and the engine hook. */
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

/* opt = (kind, hyper, t) -> f->opt, f->hyper, f->t (m_engine.c).  0 or -1
 * with an exception set naming the field. */
int parse_optimizer(PyObject *opt_o, nnc_fit_t *f);

/* The engine's hook and poll (m_engine.c): signals every ~50 ms with the GIL
 * re-taken, and the Python monitor (progress, callbacks) when there is one. */
typedef struct {
    PyThreadState *ts;     /* the saved thread state while the GIL is released */
    PyObject *monitor;     /* callable(epochs_done, steps_done, passes, at_epoch) or NULL */
    int ticks;             /* call the monitor on timer ticks too (progress display) */
    int64_t callback_every;
    int64_t last_callback_epoch;
    const int64_t *passes; /* the fit's live forward-pass counter, or NULL */
    nnc_clock_gate_t clock;
    int py_error;          /* a Python exception is pending */
} hook_ctx;

void hook_init(hook_ctx *h, PyObject *monitor, int ticks, int64_t callback_every,
               const int64_t *passes);
int engine_hook(void *vctx, int64_t epochs_done, int64_t steps_done);
int engine_poll(void *vctx);
/* The module's worker pool for a fit on threads > 1 whose products are big
 * enough to share, or NULL; release with nnc_module_pool_release. */
nnc_pool_t *engine_pool(PyObject *module, const nnc_net_t *net, int64_t n, int threads);

/* nnc._core._FitPlan (m_plan.c): fit's cached plan.  Adds the type. */
int nnc_plan_module_init(PyObject *module);

#endif /* NNC_M_ENGINE_H */
