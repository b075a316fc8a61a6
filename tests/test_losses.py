"""Losses: values and gradients against NumPy references."""
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


LOSS_NAMES = ["mse", "mae", "huber", "log_loss", "log_loss_with_logits", "cross_entropy",
              "kl_divergence", "perceptron_loss", "hinge"]


class _LossParams(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("reduction", ctypes.c_int), ("half", ctypes.c_int),
                ("delta", ctypes.c_double)]


def _c_loss(dtype):
    return _kernel("nnc_loss", dtype,
                   [ctypes.POINTER(_LossParams), _I64, _I64, _VP, _VP, _VP, _VP])


def _c_ce_index(dtype):
    return _kernel("nnc_cross_entropy_index", dtype, [ctypes.c_int, _I64, _I64, _VP, _VP, _VP, _VP])


def test_kernel_loss_value_without_grad_matches_with_grad(dtype):
    loss = _c_loss(dtype)
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, size=(4, 3)).astype(dtype)
    t = rng.uniform(0.0, 1.0, size=(4, 3)).astype(dtype)
    for k in range(len(LOSS_NAMES)):
        for red in (0, 1):
            params = _LossParams(k, red, 0, 1.0)
            v1 = np.zeros(1, dtype)
            v2 = np.zeros(1, dtype)
            g = np.empty_like(p)
            assert loss(ctypes.byref(params), 4, 3, _ptr(p), _ptr(t), _ptr(v1), None) == 0
            assert loss(ctypes.byref(params), 4, 3, _ptr(p), _ptr(t), _ptr(v2), _ptr(g)) == 0
            assert v1[0] == v2[0] and np.isfinite(v1[0])


def test_kernel_loss_bad_arguments():
    loss = _c_loss(np.float64)
    p = np.zeros(2)
    v = np.zeros(1)
    bad = [_LossParams(len(LOSS_NAMES), 0, 0, 1.0), _LossParams(0, 2, 0, 1.0),
           _LossParams(2, 0, 0, 0.0), _LossParams(2, 0, 0, float("inf")),
           _LossParams(2, 0, 0, float("nan"))]
    for params in bad:
        assert loss(ctypes.byref(params), 1, 2, _ptr(p), _ptr(p), _ptr(v), None) == 1
    assert loss(ctypes.byref(_LossParams(0, 0, 0, 1.0)), 1, 2, _ptr(p), _ptr(p), None, None) == 1


def test_kernel_cross_entropy_index_checks_every_index_first():
    ce = _c_ce_index(np.float64)
    z = np.zeros((2, 3))
    v = np.array([7.0])
    g = np.full((2, 3), 7.0)
    for bad in ([0, 3], [-1, 0], [2, 5]):
        idx = np.array(bad, np.int64)
        assert ce(0, 2, 3, _ptr(z), _ptr(idx), _ptr(v), _ptr(g)) == 1
        assert v[0] == 7.0 and (g == 7.0).all()
    idx = np.array([0, 2], np.int64)
    assert ce(0, 2, 3, _ptr(z), _ptr(idx), _ptr(v), _ptr(g)) == 0
    assert v[0] == pytest.approx(np.log(3.0), rel=1e-15)
