"""Activations forward and backward against NumPy references."""
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


ACT_NAMES = ["identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu",
             "selu", "softmax", "log_softmax"]


def _c_act(dtype):
    ct = _ctype(dtype)
    fwd = _kernel("nnc_act_forward", dtype, [ctypes.c_int, _I64, _I64, _VP, _VP, ct])
    bwd = _kernel("nnc_act_backward", dtype,
                  [ctypes.c_int, _I64, _I64, _VP, _VP, _VP, _VP, ct, _VP])
    return fwd, bwd


@pytest.mark.parametrize("k", range(len(ACT_NAMES)), ids=ACT_NAMES)
def test_kernel_backward_with_forward_output_and_in_place(dtype, k):
    """y given or recomputed, out of place or aliased: the same dx."""
    fwd, bwd = _c_act(dtype)
    rng = np.random.default_rng(k)
    x = rng.normal(size=(3, 5)).astype(dtype)
    dy = rng.normal(size=(3, 5)).astype(dtype)
    y = np.empty_like(x)
    assert fwd(k, 3, 5, _ptr(x), _ptr(y), 0.2) == 0
    y2 = x.copy()
    assert fwd(k, 3, 5, _ptr(y2), _ptr(y2), 0.2) == 0  # y aliases x
    assert np.array_equal(y, y2)
    dx_a = np.empty_like(x)
    dx_b = np.empty_like(x)
    da = np.zeros(2, dtype)
    assert bwd(k, 3, 5, _ptr(x), None, _ptr(dy), _ptr(dx_a), 0.2, _ptr(da[:1])) == 0
    assert bwd(k, 3, 5, _ptr(x), _ptr(y), _ptr(dy), _ptr(dx_b), 0.2, _ptr(da[1:])) == 0
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(dx_a, dx_b, rtol=tol, atol=tol)
    dx_c = dy.copy()
    assert bwd(k, 3, 5, _ptr(x), None, _ptr(dx_c), _ptr(dx_c), 0.2, None) == 0  # dx aliases dy
    assert np.array_equal(dx_a, dx_c)
    if ACT_NAMES[k] == "prelu":
        ref = np.sum(dy.astype(np.float64) * np.minimum(x, 0))
        np.testing.assert_allclose(da, [ref, ref], rtol=tol)
    else:
        assert da.tolist() == [0, 0]


def test_kernel_sigmoid_extremes():
    fwd, _ = _c_act(np.float64)
    x = np.array([-1000.0, 1000.0, -5000.0, 5000.0])
    y = np.empty_like(x)
    with np.errstate(all="raise"):
        assert fwd(2, 1, 4, _ptr(x), _ptr(y), 0.0) == 0
    assert y.tolist() == [0.0, 1.0, 0.0, 1.0]


def test_kernel_bad_arguments():
    fwd, bwd = _c_act(np.float64)
    x = np.zeros(2)
    assert fwd(len(ACT_NAMES), 1, 2, _ptr(x), _ptr(x), 0.0) == 1
    assert fwd(-1, 1, 2, _ptr(x), _ptr(x), 0.0) == 1
    assert fwd(0, -1, 2, _ptr(x), _ptr(x), 0.0) == 1
    assert fwd(0, 2**62, 2**62, _ptr(x), _ptr(x), 0.0) == 2  # overflow
    assert fwd(0, 0, 5, None, None, 0.0) == 0  # nothing to do
