"""Activations forward and backward (nnc.functional) against NumPy references.

References are written out in float64 NumPy; float32 results are compared with
a float32-sized tolerance.  Gradients are also checked against central
differences in float64, away from kinks.
"""
import ctypes
import warnings

import numpy as np
import pytest

from nnc import _core
from nnc import functional as F
from _helpers import I64, VP, ctype, kernel, numeric_grad, ptr, variants

from reference import SELU_A, SELU_L, act_backward_ref, act_ref

OPS = _core._ops["activations"]
ROWWISE = tuple(r["name"] for r in OPS if r["rowwise"])
LEARNED = tuple(r["name"] for r in OPS if r["alpha"] == "learned")
# name -> (extra kwargs for forward/backward, alpha value the reference uses):
# fixed alphas at their ops.def default, learned ones passed explicitly.
PARAMS = {r["name"]: ({"alpha": r["alpha_default"]} if r["alpha"] == "learned" else {},
                      r["alpha_default"]) for r in OPS}
NAMES = list(PARAMS)


def ref_forward(name, x, alpha):
    return act_ref(name, x, alpha)


def ref_backward(name, x, dy, alpha):
    return act_backward_ref(name, x, dy, alpha)


def fwd(name, x, **kw):
    return getattr(F, name)(x, **kw)


def bwd(name, x, dy, **kw):
    if name in LEARNED:
        dx, _ = getattr(F, name + "_backward")(x, dy, kw["alpha"])
        return dx
    return getattr(F, name + "_backward")(x, dy, **kw)


def tol(dtype):
    return dict(rtol=2e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)


def shapes_for(name):
    if name in ROWWISE:
        return [(7,), (3, 5), (1, 1), (4, 1), (0, 3), (3, 0), (0,)]
    return [(), (1,), (7,), (3, 5), (2, 3, 4), (0,), (3, 0)]


def sample(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=3.0, size=shape)
    if x.size >= 3:
        x.flat[0] = 0.0  # every kink convention gets exercised
        x.flat[1] = -x.flat[1] if x.flat[1] > 0 else x.flat[1]
    return x.astype(dtype)


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("name", NAMES)
def test_forward_and_backward_match_numpy(name, dtype):
    kw, alpha = PARAMS[name]
    for k, shape in enumerate(shapes_for(name)):
        x0 = sample(shape, dtype, k)
        dy0 = sample(shape, dtype, 100 + k)
        dys = dict(variants(dy0))
        for layout, x in variants(x0):
            dy = dys[layout]
            x_before, dy_before = x.copy(), dy.copy()
            y = fwd(name, x, **kw)
            dx = bwd(name, x, dy, **kw)
            where = f"{name} {shape} {layout}"
            assert y.shape == x.shape and dx.shape == x.shape, where
            assert y.dtype == dtype and dx.dtype == dtype, where
            np.testing.assert_allclose(y, ref_forward(name, x, alpha), **tol(dtype), err_msg=where)
            np.testing.assert_allclose(dx, ref_backward(name, x, dy, alpha), **tol(dtype),
                                       err_msg=where)
            assert np.array_equal(x, x_before) and np.array_equal(dy, dy_before), where


@pytest.mark.parametrize("name", NAMES)
def test_nan_and_inf_propagate_like_numpy(name, dtype):
    kw, alpha = PARAMS[name]
    rows = np.array([[np.nan, 1.0, -2.0, 0.5],
                     [np.inf, 1.0, -2.0, 0.5],
                     [-np.inf, 1.0, -2.0, 0.5],
                     [0.0, -0.0, 3.0, -3.0]], dtype)
    dy = np.array([[1.0, 2.0, np.inf, -1.0],
                   [0.5, np.nan, 1.0, 1.0],
                   [1.0, 1.0, 1.0, -np.inf],
                   [1.0, 1.0, 1.0, 1.0]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fwd(name, rows, **kw)
        dx = bwd(name, rows, dy, **kw)
    np.testing.assert_allclose(y, ref_forward(name, rows, alpha), **tol(dtype))
    np.testing.assert_allclose(dx, ref_backward(name, rows, dy, alpha), **tol(dtype))
    if name not in ROWWISE:
        assert np.isnan(y[0, 0])
    if name != "identity":
        assert np.isnan(dx[0, 0])


def test_extreme_inputs(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = F.sigmoid(np.array([-1000.0, 1000.0, -5000.0, 5000.0], dtype))
        assert s.tolist() == [0.0, 1.0, 0.0, 1.0]
        assert F.sigmoid_backward(np.array([-1000.0, 1000.0], dtype), [1.0, 1.0]).tolist() == [0, 0]
        assert F.softmax(np.array([1000.0, 1000.0], dtype)).tolist() == [0.5, 0.5]
        np.testing.assert_allclose(F.log_softmax(np.array([1000.0, 1000.0], dtype)),
                                   [-np.log(2.0)] * 2, rtol=1e-7)
        assert F.softmax(np.array([[-1000.0, 0.0]], dtype)).tolist() == [[0.0, 1.0]]
        assert F.tanh(np.array([-1000.0, 1000.0], dtype)).tolist() == [-1.0, 1.0]
        assert F.elu(np.array([-1000.0], dtype)).tolist() == [-1.0]


def test_kink_conventions():
    x = np.array([0.0, -0.0])
    dy = np.ones(2)
    assert F.relu_backward(x, dy).tolist() == [0.0, 0.0]
    assert F.step(x).tolist() == [0.0, 0.0]
    assert F.step_backward([-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]).tolist() == [0.0, 0.0, 0.0]
    assert F.leaky_relu_backward(x, dy, alpha=0.2).tolist() == [0.2, 0.2]
    assert F.prelu_backward(x, dy, 0.3)[0].tolist() == [0.3, 0.3]
    assert F.elu_backward(x, dy, alpha=0.5).tolist() == [0.5, 0.5]
    assert F.selu_backward([0.0], [1.0])[0] == SELU_L * SELU_A


def test_book_values():
    # Vasilev ch. 2: repeated sigmoids squash; the universal-approximation boxcar
    # y = 7 sigma(1000x + 5000) - 7 sigma(1000x - 5000) needs exp overflow -> 0.
    assert F.sigmoid(F.sigmoid(2.0)) == pytest.approx(0.7069873680001046, rel=1e-12)

    def boxcar(x):
        x = np.asarray(x, float)
        return 7 * F.sigmoid(1000 * x + 5000) - 7 * F.sigmoid(1000 * x - 5000)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = boxcar([0.0, 5.0, -5.0, 10.0, -10.0])
    assert y.tolist() == [7.0, 3.5, 3.5, 0.0, 0.0]
    assert F.selu([1.0])[0] == SELU_L
    assert F.selu([-1.0])[0] == pytest.approx(SELU_L * SELU_A * np.expm1(-1.0), rel=1e-15)
    p = F.softmax([1.0, 2.0])
    assert p[1] > p[0] and p.sum() == pytest.approx(1.0)


def test_dtypes_and_shapes():
    assert F.sigmoid(np.float32(1.0)).dtype == np.float32
    assert F.sigmoid(np.ones(3, np.float32)).dtype == np.float32
    for x in ([1, 2], np.arange(3), np.array([True, False]), 1.0, 2, np.ones(2, np.float16)):
        assert F.relu(x).dtype == np.float64
    # float32 x with float64 dy computes in float64
    assert F.tanh_backward(np.ones(2, np.float32), np.ones(2)).dtype == np.float64
    assert F.tanh_backward(np.ones(2, np.float32), [1, 1]).dtype == np.float32
    y = F.relu(np.float64(-2.0))
    assert y.shape == () and y == 0.0
    assert F.relu([[1.0, -1.0]]).shape == (1, 2)
    assert F.relu([True, False]).tolist() == [1.0, 0.0]


def _correctly_rounded(expr):
    """expr(Decimal) evaluated with 60 digits, rounded once to a float (the
    Decimal -> float conversion rounds correctly): a reference that does not
    depend on any libm."""
    import decimal
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return float(expr(decimal.Decimal))


def _ulps_apart(got, want):
    return abs(float(got) - want) / np.spacing(abs(want))


def test_alpha_defaults_and_keywords():
    # exp(-2) - 1 and exp(-2), correctly rounded: nnc (like any libm) is
    # allowed one unit in the last place, never a bit-for-bit match with one
    # NumPy's np.exp (NumPy 1.26 and 2.x differ by an ulp here).
    expm1_m2 = _correctly_rounded(lambda D: D(-2).exp() - 1)
    exp_m2 = _correctly_rounded(lambda D: D(-2).exp())
    x = np.array([-2.0, 3.0])
    assert F.leaky_relu(x).tolist() == [-0.02, 3.0]
    assert F.leaky_relu(x, alpha=0.5).tolist() == [-1.0, 3.0]
    assert F.leaky_relu(x=x, alpha=0.5).tolist() == [-1.0, 3.0]
    assert _ulps_apart(F.elu(x)[0], expm1_m2) <= 1
    assert _ulps_apart(F.elu(x, 2.0)[0], 2.0 * expm1_m2) <= 1
    assert F.elu(x)[1] == 3.0 and F.elu(x, 2.0)[1] == 3.0
    assert F.leaky_relu_backward(x, [1.0, 1.0]).tolist() == [0.01, 1.0]
    assert F.leaky_relu_backward(x, dy=[1.0, 1.0], alpha=0.5).tolist() == [0.5, 1.0]
    assert _ulps_apart(F.elu_backward(x, [1.0, 1.0], alpha=2.0)[0], 2.0 * exp_m2) <= 1
    assert F.prelu(x, alpha=0.1)[0] == -0.2
    dx, da = F.prelu_backward(x, [2.0, 5.0], 0.1)
    assert dx.tolist() == [0.2, 5.0] and da == -4.0 and type(da) is float
    with pytest.raises(TypeError):
        F.prelu(x)  # alpha is required


def test_activation_names_come_from_the_core():
    assert F.ACTIVATIONS == tuple(NAMES)
    # the op table's loss rows, in order (a new row adds itself), the books' among them
    assert F.LOSSES == tuple(r["name"] for r in _core._ops["losses"])
    assert F.LOSSES[:9] == ("mse", "mae", "huber", "log_loss", "log_loss_with_logits",
                            "cross_entropy", "kl_divergence", "perceptron_loss", "hinge")
    for name in F.ACTIVATIONS:
        assert callable(getattr(F, name)) and callable(getattr(F, name + "_backward"))
        assert getattr(F, name).__doc__ and getattr(F, name + "_backward").__doc__
    import inspect

    for name in F.__all__:  # every function shows its signature in help()
        if not name.isupper():
            assert inspect.signature(getattr(F, name)).parameters
    assert str(inspect.signature(F.leaky_relu_backward)) == "(x, dy, alpha=0.01)"
    assert str(inspect.signature(F.prelu_backward)) == "(x, dy, alpha)"


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", [n for n in NAMES if n != "step"])
def test_backward_matches_central_differences(name):
    kw, _ = PARAMS[name]
    rng = np.random.default_rng(7)
    x = rng.uniform(-3.0, 3.0, size=(3, 4))
    x[np.abs(x) < 0.1] += 0.5  # away from the kinks at 0
    w = rng.normal(size=(3, 4))  # L = sum(w * f(x)), so dL/dy = w

    def loss(v):
        return float(np.sum(w * fwd(name, v, **kw)))

    np.testing.assert_allclose(bwd(name, x, w, **kw), numeric_grad(loss, x), rtol=1e-6,
                               atol=1e-8)


def test_prelu_dalpha_matches_central_differences():
    rng = np.random.default_rng(3)
    x = rng.uniform(-3.0, 3.0, size=(4, 5))
    w = rng.normal(size=(4, 5))
    h = 1e-6
    alpha = 0.3
    numeric = (np.sum(w * F.prelu(x, alpha + h)) - np.sum(w * F.prelu(x, alpha - h))) / (2 * h)
    _, dalpha = F.prelu_backward(x, w, alpha)
    assert dalpha == pytest.approx(numeric, rel=1e-7)
    assert dalpha == pytest.approx(float(np.sum(w * np.minimum(x, 0))), rel=1e-13)


def test_prelu_dalpha_float32_and_empty():
    x = np.array([-1.0, -2.0, 3.0], np.float32)
    dx, da = F.prelu_backward(x, np.ones(3, np.float32), np.float32(0.5))
    assert dx.dtype == np.float32 and da == -3.0
    dx, da = F.prelu_backward(np.zeros(0), np.zeros(0), 0.5)
    assert dx.shape == (0,) and da == 0.0


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", [np.array([1j]), np.array([object()]), np.array(["a"]), "abc",
                                 None, [1.0, "a"]])
def test_bad_x_raises_type_error_naming_it(bad):
    with pytest.raises(TypeError, match="sigmoid: x"):
        F.sigmoid(bad)
    with pytest.raises(TypeError, match="relu_backward: dy"):
        F.relu_backward([1.0], bad)


def test_bad_shapes_and_parameters():
    with pytest.raises(ValueError, match=r"x has shape \(2,\) but dy has shape \(3,\)"):
        F.tanh_backward([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="softmax: x"):
        F.softmax(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="log_softmax: x"):
        F.log_softmax(1.0)
    with pytest.raises(ValueError, match="alpha"):
        F.leaky_relu([1.0], alpha=float("nan"))
    with pytest.raises(TypeError, match="alpha"):
        F.elu([1.0], alpha="big")
    with pytest.raises(TypeError):
        F.sigmoid([1.0], [2.0])  # no second argument
    with pytest.raises(TypeError):
        F.sigmoid()


def test_no_reference_leaks():
    import sys

    x = np.linspace(-2.0, 2.0, 12).reshape(3, 4)
    dy = np.ones_like(x)
    counts = sys.getrefcount(x), sys.getrefcount(dy)
    for _ in range(20):
        for name in NAMES:
            kw, _ = PARAMS[name]
            fwd(name, x, **kw)
            bwd(name, x, dy, **kw)
        for bad in (lambda: F.sigmoid_backward(x, dy[:, :2]), lambda: F.softmax(x[None]),
                    lambda: F.prelu(x, "a"), lambda: F.relu_backward(x, [1j])):
            try:
                bad()
            except (TypeError, ValueError):
                pass
    assert (sys.getrefcount(x), sys.getrefcount(dy)) == counts
    y = F.relu(x)
    assert sys.getrefcount(y) == 2
    dx, da = F.prelu_backward(x, dy, 0.1)
    assert sys.getrefcount(dx) == 2 and type(da) is float


# ---- direct calls into the C kernels (ctypes), for paths the Python API does
# not reach: a forward output passed to backward, in-place aliasing, statuses
# (helpers in _helpers.py).
ACT_NAMES = list(_core.ACTIVATIONS)  # in enum order


def _c_act(dtype):
    ct = ctype(dtype)
    fwd = kernel("nnc_act_forward", dtype, [ctypes.c_int, I64, I64, VP, VP, ct])
    bwd = kernel("nnc_act_backward", dtype,
                  [ctypes.c_int, I64, I64, VP, VP, VP, VP, ct, VP])
    return fwd, bwd


@pytest.mark.parametrize("k", range(len(ACT_NAMES)), ids=ACT_NAMES)
def test_kernel_backward_with_forward_output_and_in_place(dtype, k):
    """y given or recomputed, out of place or aliased: the same dx."""
    fwd, bwd = _c_act(dtype)
    rng = np.random.default_rng(k)
    x = rng.normal(size=(3, 5)).astype(dtype)
    dy = rng.normal(size=(3, 5)).astype(dtype)
    y = np.empty_like(x)
    assert fwd(k, 3, 5, ptr(x), ptr(y), 0.2) == 0
    y2 = x.copy()
    assert fwd(k, 3, 5, ptr(y2), ptr(y2), 0.2) == 0  # y aliases x
    assert np.array_equal(y, y2)
    dx_a = np.empty_like(x)
    dx_b = np.empty_like(x)
    da = np.zeros(2, dtype)
    assert bwd(k, 3, 5, ptr(x), None, ptr(dy), ptr(dx_a), 0.2, ptr(da[:1])) == 0
    assert bwd(k, 3, 5, ptr(x), ptr(y), ptr(dy), ptr(dx_b), 0.2, ptr(da[1:])) == 0
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(dx_a, dx_b, rtol=tol, atol=tol)
    dx_c = dy.copy()
    assert bwd(k, 3, 5, ptr(x), None, ptr(dx_c), ptr(dx_c), 0.2, None) == 0  # dx aliases dy
    assert np.array_equal(dx_a, dx_c)
    if ACT_NAMES[k] in LEARNED:
        ref = np.sum(dy.astype(np.float64) * np.minimum(x, 0))
        np.testing.assert_allclose(da, [ref, ref], rtol=tol)
    else:
        assert da.tolist() == [0, 0]


def test_kernel_sigmoid_extremes():
    fwd, _ = _c_act(np.float64)
    x = np.array([-1000.0, 1000.0, -5000.0, 5000.0])
    y = np.empty_like(x)
    with np.errstate(all="raise"):
        assert fwd(2, 1, 4, ptr(x), ptr(y), 0.0) == 0
    assert y.tolist() == [0.0, 1.0, 0.0, 1.0]


def test_kernel_bad_arguments():
    fwd, bwd = _c_act(np.float64)
    x = np.zeros(2)
    assert fwd(len(ACT_NAMES), 1, 2, ptr(x), ptr(x), 0.0) == 1
    assert fwd(-1, 1, 2, ptr(x), ptr(x), 0.0) == 1
    assert fwd(0, -1, 2, ptr(x), ptr(x), 0.0) == 1
    assert fwd(0, 2**62, 2**62, ptr(x), ptr(x), 0.0) == 2  # overflow
    assert fwd(0, 0, 5, None, None, 0.0) == 0  # nothing to do


def test_prelu_backward_old_argument_order_still_works_with_a_warning():
    """prelu_backward took (x, alpha, dy) before every *_backward took (x,
    dy[, alpha]); the old order gives the same numbers and a DeprecationWarning."""
    x, dy = np.array([-2.0, 3.0, 0.0]), np.array([1.0, -2.0, 4.0])
    new = F.prelu_backward(x, dy, 0.3)
    with pytest.warns(DeprecationWarning, match=r"prelu_backward\(x, alpha, dy\) is deprecated"):
        old = F.prelu_backward(x, 0.3, dy)
    assert old[0].tolist() == new[0].tolist() and old[1] == new[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.prelu_backward(x=x, dy=dy, alpha=0.3)  # keywords: no warning
