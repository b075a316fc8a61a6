"""L1 and L2 penalties, values and gradients."""
import numpy as np
import pytest

# ---- direct calls into the C kernels (ctypes), for paths the Python API does
# not reach: a forward output passed to backward, in-place aliasing, statuses.
import ctypes

import nnc._core

_LIB = ctypes.CDLL(nnc._core.__file__)
_VP = ctypes.c_void_p
_I64 = ctypes.c_int64


def _ptr(a):
    return None if a is None else a.ctypes.data_as(_VP)


def _kernel(name, dtype, argtypes, restype=ctypes.c_int):
    sfx = "f32" if np.dtype(dtype) == np.float32 else "f64"
    fn = getattr(_LIB, f"{name}_{sfx}")
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


def _ctype(dtype):
    return ctypes.c_float if np.dtype(dtype) == np.float32 else ctypes.c_double


def test_kernel_penalties_accumulate_gradients(dtype):
    ct = _ctype(dtype)
    l1 = _kernel("nnc_l1_penalty", dtype, [_I64, _VP], ct)
    l2 = _kernel("nnc_l2_penalty", dtype, [_I64, _VP], ct)
    l1g = _kernel("nnc_l1_penalty_grad", dtype, [_I64, _VP, ct, _VP], None)
    l2g = _kernel("nnc_l2_penalty_grad", dtype, [_I64, _VP, ct, _VP], None)
    w = np.array([-1.5, 0.0, 2.0, 0.25], dtype)
    assert l1(4, _ptr(w)) == 3.75
    assert l2(4, _ptr(w)) == 2.25 + 4.0 + 0.0625
    g = np.ones(4, dtype)
    l1g(4, _ptr(w), 0.5, _ptr(g))
    assert g.tolist() == [0.5, 1.0, 1.5, 1.5]
    l2g(4, _ptr(w), 0.5, _ptr(g))
    assert g.tolist() == [0.5 - 1.5, 1.0, 1.5 + 2.0, 1.5 + 0.25]
