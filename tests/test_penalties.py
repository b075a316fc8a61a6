"""L1 and L2 penalties (nnc.functional): values and gradients."""
import numpy as np
import pytest

from nnc import functional as F
from _helpers import I64, VP, ctype, kernel, numeric_grad, ptr, variants


def tol(dtype):
    return dict(rel=1e-6) if dtype == np.float32 else dict(rel=1e-14)


@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 4), (2, 3, 2), (0,), (3, 0)])
def test_penalties_match_numpy(shape, dtype):
    rng = np.random.default_rng(len(shape))
    w0 = rng.normal(size=shape).astype(dtype)
    if w0.size >= 2:
        w0.flat[1] = 0.0
    for layout, w in variants(w0):
        before = w.copy()
        w64 = w.astype(np.float64)
        l1, l2 = F.l1_penalty(w), F.l2_penalty(w)
        assert type(l1) is float and type(l2) is float
        assert l1 == pytest.approx(float(np.sum(np.abs(w64))), **tol(dtype))
        assert l2 == pytest.approx(float(np.sum(w64 * w64)), **tol(dtype))
        g1, g2 = F.l1_penalty_backward(w), F.l2_penalty_backward(w)
        assert g1.dtype == dtype and g2.dtype == dtype and g1.shape == shape
        assert np.array_equal(g1, np.sign(w)), layout
        assert np.array_equal(g2, 2 * w), layout
        assert np.array_equal(w, before)


def test_exact_small_values_and_sign_of_zero():
    w = np.array([-1.5, 0.0, -0.0, 2.0, 0.25])
    assert F.l1_penalty(w) == 3.75
    assert F.l2_penalty(w) == 2.25 + 4.0 + 0.0625
    g = F.l1_penalty_backward(w)
    assert g.tolist() == [-1.0, 0.0, 0.0, 1.0, 1.0]
    assert not np.signbit(g[1:3]).any()  # sign(0) = +0
    assert F.l2_penalty_backward(w).tolist() == [-3.0, 0.0, 0.0, 4.0, 0.5]
    assert F.l1_penalty([[1, -2], [3, -4]]) == 10.0  # ints are converted
    assert F.l2_penalty(3) == 9.0


def test_nan_and_inf():
    w = np.array([1.0, np.nan, -np.inf])
    assert np.isnan(F.l1_penalty(w)) and np.isnan(F.l2_penalty(w))
    assert F.l1_penalty(w[[0, 2]]) == np.inf and F.l2_penalty(w[[0, 2]]) == np.inf
    np.testing.assert_array_equal(F.l1_penalty_backward(w), np.sign(w))
    np.testing.assert_array_equal(F.l2_penalty_backward(w), 2 * w)


def test_backward_matches_central_differences():
    rng = np.random.default_rng(1)
    w = rng.uniform(0.2, 2.0, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    for value, grad in ((F.l1_penalty, F.l1_penalty_backward),
                        (F.l2_penalty, F.l2_penalty_backward)):
        np.testing.assert_allclose(grad(w), numeric_grad(value, w, h=1e-6), rtol=1e-6, atol=1e-8)


def test_sum_is_in_a_fixed_order():
    # summed in index order in double: the same bits every call, and no
    # float32 accumulation error (1e8 + 1 + ... loses nothing)
    w = np.array([1e4] + [1.0] * 1000, np.float32)
    assert F.l1_penalty(w) == 11000.0
    assert F.l2_penalty(w) == 1e8 + 1000.0
    big = np.random.default_rng(0).normal(size=100_000)
    assert F.l2_penalty(big) == F.l2_penalty(big.copy())


@pytest.mark.parametrize("fn", [F.l1_penalty, F.l1_penalty_backward, F.l2_penalty,
                                F.l2_penalty_backward])
def test_bad_input(fn):
    name = fn.__name__
    for bad in (np.array([1j]), np.array(["x"]), np.array([object()]), None, "w"):
        with pytest.raises(TypeError, match=f"{name}: w"):
            fn(bad)
    with pytest.raises(TypeError):
        fn()


# ---- direct calls into the C kernels (ctypes), for paths the Python API does
# not reach: a forward output passed to backward, in-place aliasing, statuses
# (helpers in _helpers.py).
def test_kernel_penalties_accumulate_gradients(dtype):
    ct = ctype(dtype)
    l1 = kernel("nnc_l1_penalty", dtype, [I64, VP], ct)
    l2 = kernel("nnc_l2_penalty", dtype, [I64, VP], ct)
    l1g = kernel("nnc_l1_penalty_grad", dtype, [I64, VP, ct, VP], None)
    l2g = kernel("nnc_l2_penalty_grad", dtype, [I64, VP, ct, VP], None)
    w = np.array([-1.5, 0.0, 2.0, 0.25], dtype)
    assert l1(4, ptr(w)) == 3.75
    assert l2(4, ptr(w)) == 2.25 + 4.0 + 0.0625
    g = np.ones(4, dtype)
    l1g(4, ptr(w), 0.5, ptr(g))
    assert g.tolist() == [0.5, 1.0, 1.5, 1.5]
    l2g(4, ptr(w), 0.5, ptr(g))
    assert g.tolist() == [0.5 - 1.5, 1.0, 1.5 + 2.0, 1.5 + 0.25]
