"""Helpers shared by the test modules (imported as `_helpers`; pytest puts
tests/ on sys.path because conftest.py lives there).

- `variants`: one array's values in the memory layouts every kernel must take.
- `numeric_grad`: a central-difference gradient, the reference for backward passes.
- `LIB`, `VP`, `I64`, `ptr`, `kernel`, `ctype`: direct ctypes calls into the
  C kernels, for paths the Python API does not reach (a forward output passed to
  backward, in-place aliasing, status codes).
"""
import ctypes

import numpy as np

import nnc._core


def variants(a):
    """The same values as C-order, Fortran-order and strided arrays."""
    yield "C", a.copy(order="C")  # (ascontiguousarray would make 0-d 1-d)
    if a.ndim >= 1:
        yield "F", np.asfortranarray(a)
        yield "strided", np.repeat(a, 2, axis=-1)[..., ::2]


def numeric_grad(f, x, h=1e-6):
    """d f / d x by central differences, one element at a time (x in float64)."""
    g = np.empty_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


LIB = ctypes.CDLL(nnc._core.__file__)
VP = ctypes.c_void_p
I64 = ctypes.c_int64


def ptr(a):
    """The data pointer of array `a` (None stays a NULL pointer)."""
    return None if a is None else a.ctypes.data_as(VP)


def kernel(name, dtype, argtypes, restype=ctypes.c_int):
    """The C function `<name>_f32` or `<name>_f64` for `dtype`, typed."""
    sfx = "f32" if np.dtype(dtype) == np.float32 else "f64"
    fn = getattr(LIB, f"{name}_{sfx}")
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


def ctype(dtype):
    """The C scalar type of `dtype` (float or double)."""
    return ctypes.c_float if np.dtype(dtype) == np.float32 else ctypes.c_double


# The fields of _core.engine_fit's keyword-only private API, in the order the
# tests spell them positionally.
ENGINE_FIT_FIELDS = ("dtype", "layers", "params", "x", "y", "loss", "l1", "l2", "opt", "epochs",
                     "batch_size", "order", "rng_state", "divergence", "epoch_loss", "step_loss",
                     "param_record", "monitor", "callback_every", "ticks", "threads", "counters")


def engine_fit(*args, **kwargs):
    """_core.engine_fit with its fields given in ENGINE_FIT_FIELDS order."""
    assert len(args) == len(ENGINE_FIT_FIELDS), len(args)
    return nnc._core.engine_fit(**dict(zip(ENGINE_FIT_FIELDS, args)), **kwargs)
