"""Optimizer steps (nnc.functional): SGD, momentum and Adam against
hand-computed sequences, in-place rules and bad input."""
import math

import numpy as np
import pytest

from nnc import functional as F
from _helpers import I64, VP, ctype, kernel, ptr
import nnc


def zeros_like3(w):
    return np.zeros_like(w), np.zeros_like(w)


# ---------------------------------------------------------------- values


def test_sgd_equals_python_arithmetic_bit_for_bit():
    rng = np.random.default_rng(0)
    w = rng.normal(size=1000)
    g = rng.normal(size=1000)
    expected = [wi - 0.037 * gi for wi, gi in zip(w.tolist(), g.tolist())]
    assert F.sgd_step(w, g, 0.037) is None
    assert w.tolist() == expected
    one = np.array([0.1])
    F.sgd_step(one, [0.3], 0.1)
    assert one[0] == 0.1 - 0.1 * 0.3


def test_sgd_float32_matches_numpy_float32():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(4, 5)).astype(np.float32)
    g = rng.normal(size=(4, 5)).astype(np.float32)
    expected = w - np.float32(0.01) * g
    F.sgd_step(w, g, 0.01)
    assert w.dtype == np.float32 and np.array_equal(w, expected)


@pytest.mark.parametrize("layout", ["C", "F", "strided", "list"])
def test_gradient_may_be_any_array_like(layout, dtype):
    w = np.arange(6, dtype=dtype).reshape(2, 3)
    g0 = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, -3.0]])
    g = {"C": g0, "F": np.asfortranarray(g0), "strided": np.repeat(g0, 2, axis=1)[:, ::2],
         "list": g0.tolist()}[layout]
    expected = np.arange(6, dtype=dtype).reshape(2, 3) - dtype(0.5) * g0.astype(dtype)
    g_before = np.array(g, copy=True)
    F.sgd_step(w, g, 0.5)
    assert np.array_equal(w, expected)
    assert np.array_equal(np.asarray(g), g_before)  # the gradient is not touched


def test_momentum_three_steps_by_hand():
    w = np.array([1.0])
    v = np.zeros(1)
    lr, mu, g = 0.1, 0.9, 2.0
    hand_v = [-0.2, -0.38, -0.542]
    hand_w = [0.8, 0.42, -0.122]
    pw, pv = 1.0, 0.0
    for k in range(3):
        F.momentum_step(w, [g], v, lr, mu)
        pv = mu * pv - lr * g  # the same arithmetic in Python
        pw = pw + pv
        assert v[0] == pv and w[0] == pw
        assert v[0] == pytest.approx(hand_v[k], abs=1e-15)
        assert w[0] == pytest.approx(hand_w[k], abs=1e-15)


def test_momentum_float32_and_shapes(dtype):
    w = np.ones((2, 2), dtype)
    v = np.zeros((2, 2), dtype)
    g = np.array([[1.0, -1.0], [0.0, 4.0]], dtype)
    ew, ev = w.copy(), v.copy()
    for _ in range(3):
        F.momentum_step(w, g, v, 0.05, 0.5)
        ev = dtype(0.5) * ev - dtype(0.05) * g
        ew = ew + ev
        assert np.array_equal(v, ev) and np.array_equal(w, ew)
    # mu = 0 is plain SGD
    w2 = np.ones(2, dtype)
    F.momentum_step(w2, [1.0, 2.0], np.zeros(2, dtype), 0.25, 0.0)
    assert w2.tolist() == [0.75, 0.5]


def _adam_python(w, g, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * (g * g)
    m_hat = m / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    return w - lr * m_hat / (math.sqrt(v_hat) + eps), m, v


def test_adam_three_steps_on_a_fixed_gradient():
    w = np.array([0.5, -0.5])
    m, v = zeros_like3(w)
    gs = [3.0, -0.25]
    pw, pm, pv = [0.5, -0.5], [0.0, 0.0], [0.0, 0.0]
    for t in (1, 2, 3):
        F.adam_step(w, gs, m, v, t, lr=0.01)
        for i in range(2):
            pw[i], pm[i], pv[i] = _adam_python(pw[i], gs[i], pm[i], pv[i], t, 0.01, 0.9,
                                               0.999, 1e-8)
        assert w.tolist() == pw and m.tolist() == pm and v.tolist() == pv
    # on a constant gradient, m_hat = g and v_hat = g^2: each step moves lr * sign(g)
    np.testing.assert_allclose(w, [0.5 - 0.03, -0.5 + 0.03], rtol=0, atol=1e-8)
    np.testing.assert_allclose(m, [3.0 * (1 - 0.9 ** 3), -0.25 * (1 - 0.9 ** 3)], rtol=1e-14)


def test_adam_vasilev_example():
    # beta1 = 0.9, first gradient 10: m1 = (1 - 0.9) * 10 = 0.9999999999999998
    # because 1 - 0.9 is not exactly 0.1; bias-corrected m_hat = 10.
    w = np.zeros(1)
    m, v = zeros_like3(w)
    F.adam_step(w, [10.0], m, v, 1, lr=0.001, beta1=0.9)
    assert m[0] == 0.9999999999999998
    assert m[0] / (1 - 0.9 ** 1) == 10.0
    assert v[0] == (1 - 0.999) * 100.0
    assert w[0] == pytest.approx(-0.001, rel=1e-8)


def test_adam_float32(dtype):
    w = np.array([1.0, 2.0], dtype)
    m, v = zeros_like3(w)
    g = np.array([0.5, -4.0], dtype)
    ew, em, ev = w.astype(np.float64), np.zeros(2), np.zeros(2)
    for t in (1, 2, 3):
        F.adam_step(w, g, m, v, t, lr=0.1, beta1=0.8, beta2=0.99, eps=1e-6)
        for i in range(2):
            ew[i], em[i], ev[i] = _adam_python(ew[i], float(g[i]), em[i], ev[i], t, 0.1, 0.8,
                                               0.99, 1e-6)
    assert w.dtype == dtype and m.dtype == dtype and v.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(w, ew, rtol=rtol)
    np.testing.assert_allclose(m, em, rtol=rtol)
    np.testing.assert_allclose(v, ev, rtol=rtol)


def test_zero_size_and_0d():
    w = np.zeros(0)
    F.sgd_step(w, [], 0.1)
    F.momentum_step(w, [], np.zeros(0), 0.1, 0.9)
    F.adam_step(w, [], np.zeros(0), np.zeros(0), 1)
    s = np.array(1.0)
    F.sgd_step(s, 2.0, 0.25)
    assert s.shape == () and s == 0.5


def test_gradient_sharing_memory_with_w_is_read_before_the_step():
    buf = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    w = buf[1:4]  # a contiguous, writeable view
    g = buf[0:3]  # overlaps w, shifted by one element
    expected = [2.0 - 0.5 * 1.0, 3.0 - 0.5 * 2.0, 4.0 - 0.5 * 3.0]
    F.sgd_step(w, g, 0.5)
    assert w.tolist() == expected
    x = np.array([2.0, 4.0])
    F.sgd_step(x, x, 0.25)  # g is w itself
    assert x.tolist() == [1.5, 3.0]


# ---------------------------------------------------------------- bad input


def _steps(w, m, v, g):
    """Each step with the given arrays (m doubles as momentum's v)."""
    return [lambda: F.sgd_step(w, g, 0.1),
            lambda: F.momentum_step(w, g, m, 0.1, 0.9),
            lambda: F.adam_step(w, g, m, v, 1)]


def test_bad_w_is_refused_and_nothing_changes():
    good = np.ones(3)
    state = np.zeros(3)
    read_only = np.ones(3)
    read_only.flags.writeable = False
    cases = [
        (TypeError, r"w: is updated in place, so its dtype must be exactly float64",
         np.ones(3, np.int64)),
        (TypeError, r"w: is updated in place, so it must be a numpy.ndarray", [1.0, 2.0, 3.0]),
        (ValueError, r"w: is updated in place, so it must be C-contiguous", np.ones(6)[::2]),
        (ValueError, r"w: is updated in place, but the array is read-only",
         read_only),
    ]
    for exc, msg, w in cases:
        for fn, name in zip(_steps(w, state, state.copy(), good), ("sgd", "momentum", "adam")):
            with pytest.raises(exc, match=name + "_step: " + msg):
                fn()
    with pytest.raises(ValueError, match="C-contiguous"):
        F.sgd_step(np.broadcast_to(np.ones(1), (3,)), good, 0.1)
    assert state.tolist() == [0, 0, 0] and read_only.tolist() == [1, 1, 1]


def test_bad_state_arrays():
    w = np.ones(3)
    g = np.ones(3)
    with pytest.raises(TypeError, match="momentum_step: velocity: .*exactly float64, got dtype\\('float32'\\)"):
        F.momentum_step(w, g, np.zeros(3, np.float32), 0.1, 0.9)
    with pytest.raises(TypeError, match="adam_step: m: .*exactly float32"):
        F.adam_step(np.ones(3, np.float32), g, np.zeros(3), np.zeros(3, np.float32), 1)
    with pytest.raises(ValueError, match="momentum_step: velocity: .*C-contiguous"):
        F.momentum_step(w, g, np.zeros(6)[::2], 0.1, 0.9)
    with pytest.raises(ValueError, match="momentum_step: velocity: .*C-contiguous"):
        F.momentum_step(np.ones((2, 2)), np.ones((2, 2)), np.zeros((2, 2), order="F"), 0.1, 0.9)
    with pytest.raises(ValueError, match=r"adam_step: w has shape \(3,\) but v has shape \(4,\)"):
        F.adam_step(w, g, np.zeros(3), np.zeros(4), 1)
    with pytest.raises(ValueError, match=r"momentum_step: w has shape \(3,\) but velocity has shape \(1, 3\)"):
        F.momentum_step(w, g, np.zeros((1, 3)), 0.1, 0.9)
    with pytest.raises(ValueError, match=r"sgd_step: w has shape \(3,\) but g has shape \(2,\)"):
        F.sgd_step(w, [1.0, 2.0], 0.1)
    with pytest.raises(ValueError, match="adam_step: m and v share memory"):
        s = np.zeros(3)
        F.adam_step(w, g, s, s, 1)
    with pytest.raises(ValueError, match="momentum_step: w and velocity share memory"):
        F.momentum_step(w, g, w, 0.1, 0.9)
    assert w.tolist() == [1, 1, 1]


@pytest.mark.parametrize("bad", [np.array([1j, 1j, 1j]), np.array(["a", "b", "c"]),
                                 np.array([object()] * 3), None, "abc"])
def test_bad_gradient_type(bad):
    w = np.ones(3)
    for fn, name in zip(_steps(w, np.zeros(3), np.zeros(3), bad), ("sgd", "momentum", "adam")):
        with pytest.raises(TypeError, match=f"{name}_step: g"):
            fn()
    assert w.tolist() == [1, 1, 1]


def test_bad_hyper_parameters():
    w, g = np.ones(2), np.ones(2)
    m, v = np.zeros(2), np.zeros(2)
    bad = [
        (ValueError, "sgd_step: lr must be > 0, got 0", lambda: F.sgd_step(w, g, 0)),
        (ValueError, "sgd_step: lr must be > 0, got -0.1", lambda: F.sgd_step(w, g, -0.1)),
        (ValueError, "sgd_step: lr: expected a finite number", lambda: F.sgd_step(w, g, float("inf"))),
        (ValueError, "sgd_step: lr: expected a finite number", lambda: F.sgd_step(w, g, float("nan"))),
        (TypeError, "sgd_step: lr", lambda: F.sgd_step(w, g, "0.1")),
        (TypeError, "sgd_step: lr", lambda: F.sgd_step(w, g, 1j)),
        (ValueError, r"momentum_step: mu must be in \[0, 1\), got 1", lambda: F.momentum_step(w, g, v, 0.1, 1)),
        (ValueError, r"momentum_step: mu must be in \[0, 1\), got -0.5", lambda: F.momentum_step(w, g, v, 0.1, -0.5)),
        (ValueError, "momentum_step: lr must be > 0", lambda: F.momentum_step(w, g, v, -1.0, 0.5)),
        (ValueError, r"adam_step: t must be >= 1 .*got 0", lambda: F.adam_step(w, g, m, v, 0)),
        (ValueError, r"adam_step: t must be >= 1 .*got -3", lambda: F.adam_step(w, g, m, v, -3)),
        (ValueError, r"adam_step: t must be >= 1", lambda: F.adam_step(w, g, m, v, -2**70)),
        (TypeError, "adam_step: t must be an integer", lambda: F.adam_step(w, g, m, v, 1.0)),
        (TypeError, "adam_step: t must be an integer", lambda: F.adam_step(w, g, m, v, True)),
        (ValueError, r"adam_step: beta1 must be in \[0, 1\), got 1.0", lambda: F.adam_step(w, g, m, v, 1, beta1=1.0)),
        (ValueError, r"adam_step: beta2 must be in \[0, 1\)", lambda: F.adam_step(w, g, m, v, 1, beta2=-0.1)),
        (ValueError, "adam_step: eps must be > 0, got 0", lambda: F.adam_step(w, g, m, v, 1, eps=0)),
        (ValueError, "adam_step: lr must be > 0", lambda: F.adam_step(w, g, m, v, 1, lr=0.0)),
    ]
    for exc, msg, fn in bad:
        with pytest.raises(exc, match=msg):
            fn()
    assert w.tolist() == [1, 1] and m.tolist() == [0, 0] and v.tolist() == [0, 0]
    # numpy integers and a huge t are fine
    F.adam_step(w, g, m, v, np.int64(2))
    F.adam_step(w, g, m, v, 2**70)
    assert np.all(np.isfinite(w))


def test_signatures_and_keywords():
    w = np.ones(1)
    F.sgd_step(w=w, g=[1.0], lr=0.5)
    v = np.zeros(1)
    F.momentum_step(w=w, g=[1.0], velocity=v, lr=0.5, mu=0.0)
    with pytest.warns(DeprecationWarning, match="keyword v is deprecated"):
        F.momentum_step(w=w.copy(), g=[1.0], v=v.copy(), lr=0.5, mu=0.0)
    m, v = np.zeros(1), np.zeros(1)
    F.adam_step(w=w, g=[1.0], m=m, v=v, t=1, lr=0.5, beta1=0.0, beta2=0.0, eps=1.0)
    assert w[0] == 0.0 - 0.5 * 1.0 / (1.0 + 1.0)
    # Every hyper-parameter has its ops.def default (SGD's lr: 0.01); the arrays are required.
    w1 = np.ones(1)
    F.sgd_step(w1, [1.0])
    assert w1[0] == 1.0 - 0.01 * 1.0
    with pytest.raises(TypeError):
        F.sgd_step(w1)
    for fn in (F.sgd_step, F.momentum_step, F.adam_step):
        assert fn.__doc__ and "in place" in fn.__doc__.lower()


# ---- direct calls into the C kernels (ctypes), for paths the Python API does
# not reach: a forward output passed to backward, in-place aliasing, statuses
# (helpers in _helpers.py).
def _c_sgd(dtype):
    return kernel("nnc_sgd_step", dtype, [I64, VP, VP, ctype(dtype)], None)


def _c_momentum(dtype):
    ct = ctype(dtype)
    return kernel("nnc_momentum_step", dtype, [I64, VP, VP, VP, ct, ct], None)


def _c_adam(dtype):
    ct = ctype(dtype)
    return kernel("nnc_adam_step", dtype, [I64, VP, VP, VP, VP, I64, ct, ct, ct, ct])


def test_kernel_sgd_one_parameter_is_python_arithmetic():
    w = np.array([0.5, -1.25, 3.0])
    g = np.array([0.3, 0.7, -0.1])
    _c_sgd(np.float64)(3, ptr(w), ptr(g), 0.1)
    assert w.tolist() == [0.5 - 0.1 * 0.3, -1.25 - 0.1 * 0.7, 3.0 - 0.1 * -0.1]


def test_kernel_momentum_three_steps(dtype):
    w = np.array([1.0], dtype)
    v = np.zeros(1, dtype)
    g = np.array([2.0], dtype)
    step = _c_momentum(dtype)
    ew, ev = dtype(1.0), dtype(0.0)
    lr, mu = dtype(0.1), dtype(0.9)
    for _ in range(3):
        step(1, ptr(w), ptr(g), ptr(v), 0.1, 0.9)
        ev = mu * ev - lr * dtype(2.0)
        ew = ew + ev
        assert v[0] == ev and w[0] == ew


def test_kernel_adam_vasilev_and_bad_t():
    w = np.zeros(1)
    g = np.array([10.0])
    m = np.zeros(1)
    v = np.zeros(1)
    adam = _c_adam(np.float64)
    assert adam(1, ptr(w), ptr(g), ptr(m), ptr(v), 1, 0.001, 0.9, 0.999, 1e-8) == 0
    assert m[0] == 0.9999999999999998
    assert m[0] / (1 - 0.9) == 10.0
    assert w[0] == 0.0 - 0.001 * 10.0 / (np.sqrt(v[0] / (1 - 0.999)) + 1e-8)
    before = (w.copy(), m.copy(), v.copy())
    # t counts from 1: t = 0 would divide by 1 - beta^0 = 0.
    assert adam(1, ptr(w), ptr(g), ptr(m), ptr(v), 0, 0.001, 0.9, 0.999, 1e-8) == 1
    for a, b in zip((w, m, v), before):
        assert np.array_equal(a, b)


# ---------------------------------------------------------------------------
# Regression (hardening review) 6. float32 hyper-parameters checked in double but rounded badly by the kernel.

# Data and model shared by the regression tests below.
FX = np.random.default_rng(0).normal(size=(6, 2))
FY = FX @ np.array([1.0, -2.0]) + 0.5


def _model():
    return nnc.Sequential([nnc.Dense(2, 1)], seed=3)


f32 = np.float32


def _adam32(**kw):
    w = np.ones(2, f32)
    F.adam_step(w, np.zeros(2, f32), np.zeros(2, f32), np.zeros(2, f32), 1, **kw)
    return w


@pytest.mark.parametrize("call,pattern", [
    (lambda: _adam32(eps=1e-50), r"adam_step: eps = 1e-50 rounds to 0 in float32; it must be > 0"),
    (lambda: _adam32(beta1=1 - 1e-12),
     r"adam_step: beta1 = 0\.999999999999 rounds to 1 in float32"),
    (lambda: _adam32(beta2=1 - 1e-12),
     r"adam_step: beta2 = 0\.999999999999 rounds to 1 in float32"),
    (lambda: _adam32(lr=1e300),
     r"adam_step: lr = 1e\+300 does not fit in float32 \(it rounds to inf\)"),
    (lambda: _adam32(eps=1e39), r"adam_step: eps = 1e\+39 does not fit in float32"),
    (lambda: F.sgd_step(np.ones(2, f32), np.zeros(2, f32), 1e300),
     r"sgd_step: lr = 1e\+300 does not fit in float32"),
    (lambda: F.sgd_step(np.ones(2, f32), np.zeros(2, f32), 1e-50),
     r"sgd_step: lr = 1e-50 rounds to 0 in float32"),
    (lambda: F.momentum_step(np.ones(2, f32), np.zeros(2, f32), np.zeros(2, f32), 1e300, 0.5),
     r"momentum_step: lr = 1e\+300 does not fit in float32"),
    (lambda: F.momentum_step(np.ones(2, f32), np.zeros(2, f32), np.zeros(2, f32), 0.1, 1 - 1e-12),
     r"momentum_step: mu = 0\.999999999999 rounds to 1 in float32"),
    (lambda: F.huber(f32([3.0]), f32([0.0]), delta=1e-50),
     r"huber: delta = 1e-50 rounds to 0 in float32; it must be > 0"),
    (lambda: F.huber_backward(f32([3.0]), f32([0.0]), delta=1e300),
     r"huber_backward: delta = 1e\+300 does not fit in float32"),
    (lambda: F.leaky_relu(f32([0.0, -1.0]), alpha=-1e300),
     r"leaky_relu: alpha = -1e\+300 does not fit in float32 \(it rounds to -inf\)"),
    (lambda: F.elu(f32([0.0, -1.0]), alpha=1e300), r"elu: alpha = 1e\+300 does not fit"),
    (lambda: F.elu_backward(f32([0.0]), f32([1.0]), alpha=1e300),
     r"elu_backward: alpha = 1e\+300"),
    (lambda: F.prelu(f32([1.0]), 1e40), r"prelu: alpha = 1e\+40 does not fit in float32"),
    (lambda: F.prelu_backward(f32([1.0]), f32([1.0]), 1e40), r"prelu_backward: alpha = 1e\+40"),
])
def test_float32_hyper_parameters_that_round_badly_are_refused(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_refused_float32_steps_leave_the_arrays_alone():
    w, g, m, v = np.ones(2, f32), np.ones(2, f32), np.full(2, 0.5, f32), np.full(2, 0.25, f32)
    with pytest.raises(ValueError, match="eps"):
        F.adam_step(w, g, m, v, 1, eps=1e-50)
    with pytest.raises(ValueError, match="lr"):
        F.momentum_step(w, g, m, 1e300, 0.5)
    np.testing.assert_array_equal(w, 1)
    np.testing.assert_array_equal(m, 0.5)
    np.testing.assert_array_equal(v, 0.25)


def test_float32_edge_values_that_survive_rounding_still_work():
    # Adam with the smallest eps float32 keeps (a subnormal) and a zero gradient:
    # m = v = 0, so the update is 0 / eps = 0 and w stays put (no NaN).
    w = _adam32(eps=1e-45)
    np.testing.assert_array_equal(w, 1)
    # beta2 just below 1 in float32 (1 - 2**-24 rounds to itself)
    w = np.ones(2, f32)
    F.adam_step(w, np.ones(2, f32), np.zeros(2, f32), np.zeros(2, f32), 1, beta2=1 - 2 ** -24)
    np.testing.assert_allclose(w, 1 - 0.001, rtol=1e-6)
    # an lr near float32's largest value times a zero gradient: w unchanged
    w = np.ones(2, f32)
    F.sgd_step(w, np.zeros(2, f32), 3e38)
    np.testing.assert_array_equal(w, 1)
    # huber with a tiny (subnormal in float32) delta: the linear branch, as NumPy computes it
    d = 1e-40
    got = F.huber(f32([3.0]), f32([0.0]), delta=d)
    want = f32(d) * (f32(3.0) - f32(d) / f32(2))
    assert got == pytest.approx(float(want), rel=1e-6)
    # float64 takes all of the refused values
    w = np.ones(2)
    F.adam_step(w, np.zeros(2), np.zeros(2), np.zeros(2), 1, eps=1e-50, beta2=1 - 1e-12)
    np.testing.assert_array_equal(w, 1)
    assert F.huber(np.array([3.0]), np.array([0.0]), delta=1e-50) == pytest.approx(3e-50)
    np.testing.assert_array_equal(F.leaky_relu(np.array([0.0, -1.0]), alpha=1e300), [0.0, -1e300])


@pytest.mark.parametrize("opt", [lambda: nnc.Adam(eps=1e-50), lambda: nnc.Adam(beta1=1 - 1e-12),
                                 lambda: nnc.Adam(beta2=1 - 1e-12), lambda: nnc.Adam(lr=1e300)])
def test_adam_kernel_refuses_rounded_hyper_parameters_itself(monkeypatch, opt):
    # With fit's own check switched off the values reach nnc_adam_step in
    # float32, which refuses them (status INVALID_ARGUMENT) instead of
    # writing NaN into the weights.
    import nnc.model
    monkeypatch.setattr(nnc.model, "_check_hyper_in_dtype", lambda *a, **k: None)
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3, dtype="float32")
    before = m.get_flat_params().copy()
    with pytest.raises(ValueError, match="invalid argument"):
        m.fit(FX, FY, loss="mse", optimizer=opt(), epochs=1)
    np.testing.assert_array_equal(m.get_flat_params(), before)
