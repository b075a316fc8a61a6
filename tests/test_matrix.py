"""Matrix kernels against NumPy references."""
import ctypes
import glob
import os

import numpy as np
import pytest

import nnc

_SO = glob.glob(os.path.join(os.path.dirname(nnc._core.__file__), "_core*.so"))


def _lib():
    if not _SO:
        pytest.skip("extension is not a shared object here")
    return ctypes.CDLL(_SO[0])


@pytest.mark.parametrize("ta", [0, 1])
@pytest.mark.parametrize("tb", [0, 1])
def test_c_gemm_f64_symbol(ta, tb):
    """The core symbol links and computes op(A) @ op(B) (ctypes, no binding)."""
    lib = _lib()
    fn = lib.nnc_gemm_f64
    fn.restype = ctypes.c_int
    P = ctypes.POINTER(ctypes.c_double)
    i64 = ctypes.c_int64
    fn.argtypes = [ctypes.c_int, ctypes.c_int, i64, i64, i64, ctypes.c_double, P, i64, P, i64,
                   ctypes.c_double, P, i64, ctypes.c_int]
    rng = np.random.default_rng(0)
    m, n, k = 5, 7, 3
    a = rng.standard_normal((k, m) if ta else (m, k))
    b = rng.standard_normal((n, k) if tb else (k, n))
    c = np.full((m, n), np.nan)
    st = fn(ta, tb, m, n, k, 1.0, a.ctypes.data_as(P), a.shape[1], b.ctypes.data_as(P),
            b.shape[1], 0.0, c.ctypes.data_as(P), n, 1)
    assert st == 0
    ref = (a.T if ta else a) @ (b.T if tb else b)
    np.testing.assert_allclose(c, ref, rtol=1e-13, atol=1e-13)
