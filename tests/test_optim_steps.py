"""Optimizer steps: SGD, momentum and Adam against hand-computed sequences."""
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


def _c_sgd(dtype):
    return _kernel("nnc_sgd_step", dtype, [_I64, _VP, _VP, _ctype(dtype)], None)


def _c_momentum(dtype):
    ct = _ctype(dtype)
    return _kernel("nnc_momentum_step", dtype, [_I64, _VP, _VP, _VP, ct, ct], None)


def _c_adam(dtype):
    ct = _ctype(dtype)
    return _kernel("nnc_adam_step", dtype, [_I64, _VP, _VP, _VP, _VP, _I64, ct, ct, ct, ct])


def test_kernel_sgd_one_parameter_is_python_arithmetic():
    w = np.array([0.5, -1.25, 3.0])
    g = np.array([0.3, 0.7, -0.1])
    _c_sgd(np.float64)(3, _ptr(w), _ptr(g), 0.1)
    assert w.tolist() == [0.5 - 0.1 * 0.3, -1.25 - 0.1 * 0.7, 3.0 - 0.1 * -0.1]


def test_kernel_momentum_three_steps(dtype):
    w = np.array([1.0], dtype)
    v = np.zeros(1, dtype)
    g = np.array([2.0], dtype)
    step = _c_momentum(dtype)
    ew, ev = dtype(1.0), dtype(0.0)
    lr, mu = dtype(0.1), dtype(0.9)
    for _ in range(3):
        step(1, _ptr(w), _ptr(g), _ptr(v), 0.1, 0.9)
        ev = mu * ev - lr * dtype(2.0)
        ew = ew + ev
        assert v[0] == ev and w[0] == ew


def test_kernel_adam_vasilev_and_bad_t():
    w = np.zeros(1)
    g = np.array([10.0])
    m = np.zeros(1)
    v = np.zeros(1)
    adam = _c_adam(np.float64)
    assert adam(1, _ptr(w), _ptr(g), _ptr(m), _ptr(v), 1, 0.001, 0.9, 0.999, 1e-8) == 0
    assert m[0] == 0.9999999999999998
    assert m[0] / (1 - 0.9) == 10.0
    assert w[0] == 0.0 - 0.001 * 10.0 / (np.sqrt(v[0] / (1 - 0.999)) + 1e-8)
    before = (w.copy(), m.copy(), v.copy())
    # t counts from 1: t = 0 would divide by 1 - beta^0 = 0.
    assert adam(1, _ptr(w), _ptr(g), _ptr(m), _ptr(v), 0, 0.001, 0.9, 0.999, 1e-8) == 1
    for a, b in zip((w, m, v), before):
        assert np.array_equal(a, b)
