/* Shared declarations of the binding (csrc/module/).  The binding parses and
 * validates Python arguments, allocates NumPy results, releases the GIL around
 * the C core and maps statuses to exceptions -- it does no arithmetic itself.
 *
 * Every wrapper follows: parse -> validate -> allocate -> release GIL -> kernel
 * -> map status -> one exit label that releases every reference it owns.
 *
 * OWNERSHIP RULE.  Every buffer that C reads after the GIL is released, or
 * across a call back into Python (a callback, a monitor, a signal check), is
 * owned by nnc for the whole call:
 *   - index arrays -- fit's `order`, cross-entropy class targets,
 *     permutations -- and settings are COPIED into nnc's own memory, and the
 *     copy is what gets validated and read (validating the caller's array
 *     and then reading it again lets another thread or a callback change it
 *     in between: an out-of-bounds read);
 *   - the generator state a long call advances is a private copy
 *     (nnc.Sequential.fit) or copied into a local nnc_rng_t (the rng
 *     bindings);
 *   - data that only feeds arithmetic (X, y, operands) may stay zero-copy: a
 *     concurrent write can change the numbers, never the memory touched;
 *   - arrays written in place (weights, optimizer state, out=) are checked
 *     by nnc_as_inplace / nnc_as_output and kept alive by a reference for
 *     the call.
 * What nnc cannot defend against: ndarray.resize(refcheck=False) (or any
 * code that frees an array's memory behind NumPy's back) while a call uses
 * the array -- NumPy documents that as unsafe. */
#ifndef NNC_MODULE_H
#define NNC_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef NNC_NO_IMPORT_ARRAY
#define NO_IMPORT_ARRAY
#endif
#define PY_ARRAY_UNIQUE_SYMBOL nnc_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include "nnc_core.h"

/* ---- areas: each .c file under csrc/module/ owns one ---- */
extern PyMethodDef nnc_matrix_methods[];
extern PyMethodDef nnc_functional_methods[];
extern PyMethodDef nnc_rng_methods[];
extern PyMethodDef nnc_engine_methods[];
extern PyMethodDef nnc_vmath_methods[]; /* m_vmath.c: private vmath/dispatch hooks */
extern PyMethodDef nnc_sweep_methods[];
/* Called once from PyInit__core after the methods are added; may add types
 * or constants to the module.  Return 0, or -1 with an exception set. */
int nnc_matrix_module_init(PyObject *module);
int nnc_functional_module_init(PyObject *module);
int nnc_rng_module_init(PyObject *module);
int nnc_engine_module_init(PyObject *module);

/* ---- the module's state and worker pool (m_pool.c) ---- */
#include "nnc_pool.h"
typedef struct {
    nnc_pool_t *pool; /* created lazily; NULL until a threaded product needs it */
    int pool_closed;  /* set by _pool_shutdown: no new pool after exit began */
} nnc_module_state_t;
extern PyMethodDef nnc_pool_methods[];
/* The CPUs this process may run on (>= 1). */
int nnc_available_cpus(void);
/* The module's pool, created if needed and acquired for this caller (call
 * with the GIL held), or NULL when threads <= 1, the pool is busy or cannot
 * be made (callers then pass NULL and get per-call threads). */
nnc_pool_t *nnc_module_pool_acquire(PyObject *module, int threads);
/* Releases what nnc_module_pool_acquire returned (NULL is fine). */
void nnc_module_pool_release(nnc_pool_t *pool);
/* Frees the pool (GIL held; released while waiting for the workers). */
void nnc_module_pool_free(nnc_module_state_t *state);

/* ---- the GIL ---- */

/* Every binding releases the GIL around a kernel that touches at least this
 * many elements: below it the release costs more than it lets other threads
 * do.  (Matrix products decide by multiply-adds instead, m_matrix.c.) */
#define NNC_NOGIL_MIN_ELEMS 8192

/* NNC_NOGIL_BEGIN(n) ... NNC_NOGIL_END brackets kernel calls on n elements,
 * releasing the GIL when n is large enough.  No Python API inside. */
#define NNC_NOGIL_BEGIN(n)                                                                 \
    {                                                                                      \
        PyThreadState *nnc_ts_ = (n) >= NNC_NOGIL_MIN_ELEMS ? PyEval_SaveThread() : NULL;
#define NNC_NOGIL_END                                                                      \
    if (nnc_ts_ != NULL)                                                                   \
        PyEval_RestoreThread(nnc_ts_);                                                     \
    }

/* ---- argument conversion (convert.c) ---- */

/* Which float type a call computes in: NPY_FLOAT when every floating NumPy
 * array or scalar among objs is float32 (and there is at least one), else
 * NPY_DOUBLE.  Python floats, ints and integer/bool arrays do not vote.
 * NULL entries are skipped. */
int nnc_pick_dtype(Py_ssize_t n, PyObject *const *objs);

/* Parses a dtype argument: None -> fallback, "float32"/"float64"/np.float32/
 * np.float64/np.dtype -> NPY_FLOAT/NPY_DOUBLE.  Returns -1 with TypeError/
 * ValueError naming `name` otherwise. */
int nnc_parse_dtype(PyObject *obj, const char *name, int fallback);

/* An input array: any array-like of real numbers (bool, integer and floating
 * dtypes are converted to typenum), copied to a C-contiguous aligned array when
 * needed (the caller's data is never written).  Complex, object, string, void
 * and datetime data raise TypeError naming `name`.  New reference or NULL. */
/* 1 when obj is an ndarray nnc_as_input returns unchanged (typenum, native
 * byte order, C-contiguous, aligned): callers that build an error label may
 * skip it then. */
int nnc_array_ready(PyObject *obj, int typenum);
PyArrayObject *nnc_as_input(PyObject *obj, const char *name, int typenum);

/* Like nnc_as_input, but also checks the number of dimensions is in
 * [min_nd, max_nd] (ValueError naming `name` and its shape otherwise). */
PyArrayObject *nnc_as_input_nd(PyObject *obj, const char *name, int typenum, int min_nd,
                               int max_nd);

/* An array the kernel writes in place (weights, optimizer state, out=): must
 * be a numpy.ndarray of exactly typenum (float32, float64, int64 or uint64),
 * in native byte order, C-contiguous, aligned and writeable -- a silent copy
 * would update the copy, not the caller's array.  TypeError or ValueError
 * naming `name` otherwise.  New reference or NULL. */
PyArrayObject *nnc_as_inplace(PyObject *obj, const char *name, int typenum);

/* THE validator of every array a binding writes (out=, records, in-place
 * states): nnc_as_inplace, then (nd >= 0) exactly shape dims[0..nd), then
 * (size >= 0) exactly `size` values, then no memory shared with any of the
 * n_inputs CONVERTED inputs (the arrays the kernel will really read, whatever
 * Python type the caller passed: a memoryview or __array_interface__ object
 * of `out` converts to an array over out's memory and is caught; NULL
 * entries are skipped).  New reference or NULL. */
PyArrayObject *nnc_as_output(PyObject *obj, const char *name, int typenum, int nd,
                             const npy_intp *dims, npy_intp size, PyArrayObject *const *inputs,
                             const char *const *input_names, int n_inputs);

/* 1 when the bytes two arrays may touch intersect (any strides; a
 * conservative "may share memory"). */
int nnc_arrays_overlap(PyArrayObject *a, PyArrayObject *b);

/* With an exception pending from a conversion (__array__, __float__, ...):
 * 1 when it is a TypeError/ValueError/OverflowError that the caller may
 * replace by its own message; 0 for anything else (KeyboardInterrupt,
 * MemoryError, ...), which must propagate as itself. */
int nnc_conversion_failed(void);

/* Checks that `arr` has exactly the shape of `like` (ValueError naming both
 * arguments and their shapes).  Returns 0 or -1. */
int nnc_check_same_shape(PyArrayObject *arr, const char *name, PyArrayObject *like,
                         const char *like_name);

/* Writes "(3, 4)" for arr's shape into buf (always NUL-terminated). */
const char *nnc_shape_str(PyArrayObject *arr, char *buf, size_t len);

/* A new C-contiguous array, uninitialised (NULL with MemoryError on failure;
 * ValueError for negative dims; OverflowError when the byte count overflows). */
PyArrayObject *nnc_new_array(int nd, const npy_intp *dims, int typenum);

/* THE real-number parser: a Python or NumPy real number, or an object with
 * __float__ (not bool, not complex) -> double.  With NNC_REAL_FINITE, NaN and
 * inf raise ValueError; with NNC_REAL_ANY they are returned (as NumPy allows
 * them in arithmetic).  TypeError / ValueError naming `name`; an exception
 * raised by __float__ itself that is not a TypeError/ValueError
 * (KeyboardInterrupt, MemoryError) propagates unchanged.  Returns 0 or -1. */
enum { NNC_REAL_ANY = 0, NNC_REAL_FINITE = 1 };
int nnc_parse_real(PyObject *obj, const char *name, int flags, double *out);

/* ---- the GIL released for long work, with Ctrl-C polled ----
 * nnc_sigpoll_begin releases the GIL; nnc_sigpoll (an nnc_poll_t for the
 * core's cancellable loops) re-takes it about every NNC_SIGPOLL_PERIOD
 * seconds to run PyErr_CheckSignals and returns 1 (stop) once a handler
 * raised (py_error then set; the exception is pending after
 * nnc_sigpoll_end); nnc_sigpoll_end re-takes the GIL. */
#define NNC_SIGPOLL_PERIOD 0.05
typedef struct {
    PyThreadState *ts;
    double next_check;
    int py_error;
} nnc_sigpoll_t;
void nnc_sigpoll_begin(nnc_sigpoll_t *p);
void nnc_sigpoll_end(nnc_sigpoll_t *p);
int nnc_sigpoll(void *ctx);
double nnc_monotonic_seconds(void);

/* A per-step hook's clock: read every `stride` steps, the stride adapted so
 * that reads come roughly every 0.5-5 ms whatever a step costs; due once
 * `period` seconds have passed since the last time it was due. */
typedef struct {
    double last_clock, next_check, period;
    int64_t stride, countdown;
} nnc_clock_gate_t;
void nnc_clock_gate_init(nnc_clock_gate_t *g, double period);
/* 1 when the period is up (a signal check is due), else 0. */
int nnc_clock_gate_due(nnc_clock_gate_t *g);

/* Parses an instruction-set path name for the private test hooks (None: the
 * widest available); -1 with ValueError when unknown or unavailable here. */
#include "nnc_isa.h"
int nnc_parse_isa(PyObject *obj, const char *what, nnc_isa_t *isa);

/* Adds "dispatch": {family: path} to a build_info dict (m_vmath.c). */
int nnc_dispatch_info(PyObject *dict);

/* Sets a Python exception for a non-OK core status, prefixed by `what`
 * ("matmul: ..."); always returns -1. */
int nnc_raise_status(nnc_status_t status, const char *what);

#endif /* NNC_MODULE_H */
