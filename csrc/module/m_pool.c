/* nnc._core: the module's worker pool (csrc/core/nnc_pool.h) and CPU count.
 *
 * The pool belongs to the module object (its state), not to a C global.  It
 * is created on the first threaded product that can use it, sized to the
 * CPUs this process may run on, and:
 *  - shut down at interpreter exit (nnc/__init__.py registers
 *    _pool_shutdown with atexit; the module's m_free does it too), after
 *    which threaded products start their threads per call;
 *  - abandoned in a child after fork() (nnc/__init__.py registers
 *    _pool_after_fork with os.register_at_fork): the child has none of the
 *    parent's threads, so it forgets the pool and makes a new one when needed.
 * Results never depend on whether the pool or per-call threads ran a
 * product. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getaffinity / CPU_COUNT */
#endif
#include "nnc_module.h"

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif
#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#endif

int nnc_available_cpus(void)
{
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n >= 1)
            return n;
    }
#endif
#if defined(_WIN32)
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    if (n >= 1)
        return n > 1024 ? 1024 : (int)n;
#elif defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n >= 1)
        return n > 1024 ? 1024 : (int)n;
#endif
    return 1;
}

static nnc_module_state_t *pool_state(PyObject *module)
{
    return module == NULL || !PyModule_Check(module)
               ? NULL
               : (nnc_module_state_t *)PyModule_GetState(module);
}

nnc_pool_t *nnc_module_pool_acquire(PyObject *module, int threads)
{
    nnc_module_state_t *st = pool_state(module);
    if (threads <= 1 || st == NULL || st->pool_closed)
        return NULL;
    if (st->pool == NULL) {
        int cpus = nnc_available_cpus();
        if (cpus <= 1)
            return NULL;
        if (cpus > NNC_POOL_MAX_THREADS)
            cpus = NNC_POOL_MAX_THREADS;
        nnc_pool_t *pool = NULL;
        if (nnc_pool_create(cpus - 1, &pool) != NNC_STATUS_OK)
            return NULL; /* per-call threads then; not an error */
        st->pool = pool;
    }
    return nnc_pool_acquire(st->pool) ? st->pool : NULL;
}

void nnc_module_pool_release(nnc_pool_t *pool)
{
    nnc_pool_release(pool);
}

void nnc_module_pool_free(nnc_module_state_t *st)
{
    if (st == NULL || st->pool == NULL)
        return;
    nnc_pool_t *pool = st->pool;
    st->pool = NULL;
    /* A product running in another thread (GIL released) finishes first. */
    Py_BEGIN_ALLOW_THREADS
    nnc_pool_free(pool);
    Py_END_ALLOW_THREADS
}

static PyObject *py_pool_shutdown(PyObject *module, PyObject *noargs)
{
    (void)noargs;
    nnc_module_state_t *st = pool_state(module);
    if (st != NULL) {
        st->pool_closed = 1;
        nnc_module_pool_free(st);
    }
    Py_RETURN_NONE;
}

static PyObject *py_pool_after_fork(PyObject *module, PyObject *noargs)
{
    (void)noargs;
    nnc_module_state_t *st = pool_state(module);
    if (st != NULL && st->pool != NULL) {
        nnc_pool_abandon(st->pool);
        st->pool = NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *py_pool_info(PyObject *module, PyObject *noargs)
{
    (void)noargs;
    nnc_module_state_t *st = pool_state(module);
    if (st == NULL)
        return Py_BuildValue("{s:O,s:i,s:O,s:k}", "running", Py_False, "workers", 0, "closed",
                             Py_False, "runs", 0UL);
    return Py_BuildValue("{s:O,s:i,s:O,s:k}", "running", st->pool != NULL ? Py_True : Py_False,
                         "workers", nnc_pool_workers(st->pool), "closed",
                         st->pool_closed ? Py_True : Py_False, "runs", nnc_pool_runs(st->pool));
}

PyMethodDef nnc_pool_methods[] = {
    {"_pool_shutdown", py_pool_shutdown, METH_NOARGS,
     "_pool_shutdown() -> None\n\nStops the worker pool for good (registered with atexit);\n"
     "threaded products then start threads per call."},
    {"_pool_after_fork", py_pool_after_fork, METH_NOARGS,
     "_pool_after_fork() -> None\n\nIn a forked child: forgets the parent's pool (its threads\n"
     "do not exist here); a new one is made when needed."},
    {"_pool_info", py_pool_info, METH_NOARGS,
     "_pool_info() -> dict\n\n{'running': bool, 'workers': int, 'closed': bool, 'runs': int}\n\n'runs' counts the runs the workers took part in."},
    {NULL, NULL, 0, NULL},
};
