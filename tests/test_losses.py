"""Losses (nnc.functional): values and gradients against NumPy references,
central differences, the books' numbers and bad input."""
import ctypes
import os
import warnings

import numpy as np
import pytest

from nnc import _core
from nnc import functional as F
import reference as R
from _helpers import I64, VP, kernel, numeric_grad, ptr, variants

# Every loss row of the op table (a new row is tested here too, from its
# reference in tests/reference.py).
ELEMWISE = tuple(r["name"] for r in _core._ops["losses"] if not r["rowwise"])
ROWWISE = tuple(r["name"] for r in _core._ops["losses"] if r["rowwise"])


def _eps(dtype):
    return np.float32(1e-7) if dtype == np.float32 else 1e-12


def ref_loss(name, p, t, dtype, reduction="mean", **kw):
    """(value, gradient): tests/reference.py's, the one NumPy reference."""
    return R.loss_ref(name, p, t, np.dtype(dtype), reduction, **kw)


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-15)


def call(name, p, t, reduction="mean", **kw):
    return (getattr(F, name)(p, t, reduction=reduction, **kw),
            getattr(F, name + "_backward")(p, t, reduction=reduction, **kw))


def sample(name, shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if name in ("log_loss", "kl_divergence"):
        p = rng.uniform(0.01, 0.99, size=shape)
    else:
        p = rng.normal(scale=2.0, size=shape)
    if name in ("log_loss", "perceptron_loss", "hinge"):
        t = rng.integers(0, 2, size=shape).astype(float)
    elif name in ROWWISE:
        t = rng.uniform(0.0, 1.0, size=shape)
        if t.size >= 2:
            t.flat[0] = 0.0  # a zero target term
        if name == "kl_divergence" and t.ndim and t.shape[-1]:
            t = t / t.sum(axis=-1, keepdims=True)
    else:
        t = rng.normal(scale=2.0, size=shape)
    if name in ("mae", "huber") and p.size >= 2:
        p.flat[1] = t.flat[1]  # residual exactly 0 (sign(0) = 0)
    if name in ("perceptron_loss", "hinge") and p.size >= 2:
        p.flat[0] = 0.0  # the perceptron kink
        p.flat[1] = 2 * t.flat[1] - 1  # the hinge kink (y * s = 1)
    return p.astype(dtype), t.astype(dtype)


def shapes_for(name):
    if name in ROWWISE:
        return [(5,), (4, 3), (1, 1), (0, 3), (3, 0)]
    return [(), (1,), (6,), (3, 4), (2, 3, 2), (0,), (2, 0)]


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", ELEMWISE + ROWWISE)
def test_value_and_gradient_match_numpy(name, reduction, dtype):
    extra = [{}]
    if name == "mse":
        extra = [{}, {"half": True}]
    if name == "huber":
        extra = [{}, {"delta": 0.5}, {"delta": 3.0}]
    for k, shape in enumerate(shapes_for(name)):
        p0, t0 = sample(name, shape, dtype, k)
        ts = dict(variants(t0))
        for layout, p in variants(p0):
            t = ts[layout]
            before = (p.copy(), t.copy())
            for kw in extra:
                where = f"{name} {shape} {layout} {kw} {reduction}"
                value, grad = call(name, p, t, reduction, **kw)
                ev, eg = ref_loss(name, p, t, dtype, reduction, **kw)
                assert type(value) is float, where
                assert grad.shape == p.shape and grad.dtype == dtype, where
                if np.isnan(ev):
                    assert np.isnan(value), where
                else:
                    assert value == pytest.approx(ev, rel=tol(dtype)["rtol"],
                                                  abs=tol(dtype)["atol"]), where
                np.testing.assert_allclose(grad, eg, **tol(dtype), err_msg=where)
            assert np.array_equal(p, before[0]) and np.array_equal(t, before[1]), where


def test_mean_of_nothing_is_nan_and_sum_is_zero():
    for name in ELEMWISE:
        assert np.isnan(getattr(F, name)(np.zeros(0), np.zeros(0)))
        assert getattr(F, name)(np.zeros(0), np.zeros(0), reduction="sum") == 0.0
    assert np.isnan(F.cross_entropy(np.zeros((0, 3)), np.zeros(0, np.int64)))
    assert F.cross_entropy(np.zeros((0, 3)), np.zeros(0, np.int64), reduction="sum") == 0.0
    assert F.cross_entropy_backward(np.zeros((0, 3)), np.zeros(0, np.int64)).shape == (0, 3)


@pytest.mark.parametrize("name", ELEMWISE + ROWWISE)
def test_nan_and_inf_propagate_like_numpy(name, dtype):
    p = np.array([[0.3, np.nan, 0.6], [np.inf, 0.2, 0.5], [0.1, 0.2, 0.7]], dtype)
    t = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype)
    if name in ROWWISE:
        p[1, 0] = -np.inf if name == "cross_entropy" else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = call(name, p, t, "sum")
    ev, eg = ref_loss(name, p, t, dtype, "sum")
    assert np.isnan(value) and np.isnan(ev)
    np.testing.assert_allclose(grad, eg, **tol(dtype))
    assert np.isnan(grad[0, 1])
    # the rows without NaN stay finite
    # without the NaN: inf gives what the documented formula gives in NumPy
    v2, g2 = call(name, p[1:], t[1:], "sum")
    e2, eg2 = ref_loss(name, p[1:], t[1:], dtype, "sum")
    np.testing.assert_allclose(v2, e2, rtol=tol(dtype)["rtol"])
    np.testing.assert_allclose(g2, eg2, **tol(dtype))


def test_log_loss_clamps_at_zero_and_one(dtype):
    eps = float(_eps(dtype))
    p = np.array([0.0, 1.0, 0.0, 1.0], dtype)
    t = np.array([1.0, 0.0, 0.0, 1.0], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = F.log_loss(p, t, reduction="sum")
        grad = F.log_loss_backward(p, t, reduction="sum")
    # the wrong answers cost -log(eps) (float32: log of 1 - float32(1 - 1e-7))
    one_minus = float(np.float32(1) - np.float32(1e-7)) if dtype == np.float32 else 1 - 1e-12
    expected = -np.log(eps) - np.log(1 - one_minus) - np.log(one_minus) - np.log(1 - eps)
    assert np.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-6)
    assert np.all(np.isfinite(grad))
    assert grad[0] < -1e6 and grad[1] > 1e6  # a large push the right way, not 0
    assert abs(grad[2]) < 2 and abs(grad[3]) < 2


def test_log_loss_with_logits_is_stable_and_matches_log_loss():
    z = np.array([-800.0, -30.0, -1.0, 0.0, 2.0, 30.0, 800.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = F.log_loss_with_logits(z, t, reduction="sum")
    assert v == pytest.approx(800 + 1 + np.log1p(np.exp(-1.0)) + np.log(2.0) + 2
                              + np.log1p(np.exp(-2.0)) + np.log1p(np.exp(-30.0)) + 800,
                              rel=1e-14)
    mid = z[2:5]
    assert F.log_loss_with_logits(mid, t[2:5]) == pytest.approx(
        F.log_loss(F.sigmoid(mid), t[2:5]), rel=1e-13)


def test_softmax_cross_entropy_with_huge_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.cross_entropy([1000.0, 1000.0], 0) == pytest.approx(np.log(2.0), rel=1e-15)
        assert F.cross_entropy_backward([1000.0, 1000.0], 0).tolist() == [-0.5, 0.5]
        # a -inf logit with zero target costs nothing (0 log 0 = 0)
        assert F.cross_entropy([[-np.inf, 0.0]], [[0.0, 1.0]]) == 0.0


def test_kl_divergence_of_zero_prediction_is_finite(dtype):
    p = np.array([0.0, 1.0], dtype)
    t = np.array([0.5, 0.5], dtype)
    v = F.kl_divergence(p, t)
    g = F.kl_divergence_backward(p, t)
    tiny = np.finfo(dtype).tiny
    assert v == pytest.approx(0.5 * (np.log(0.5) - np.log(float(tiny))) + 0.5 * np.log(0.5),
                              rel=1e-6)
    assert np.all(np.isfinite(g)) and g.dtype == dtype
    assert g[0] == -(dtype(0.5) / tiny) and g[1] == -0.5


def test_kink_conventions():
    assert F.mae_backward([1.0, 2.0, 3.0], [1.0, 1.0, 4.0], reduction="sum").tolist() == [
        0.0, 1.0, -1.0]
    # perceptron: ReLU of the signed score on misclassified points, slope 0 at the kink
    s = [0.0, 0.0, 2.0, -2.0, 2.0, -2.0]
    t = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    assert F.perceptron_loss(s, t, reduction="sum") == 4.0
    assert F.perceptron_loss_backward(s, t, reduction="sum").tolist() == [
        0.0, 0.0, 0.0, -1.0, 1.0, 0.0]
    # hinge: max(0, 1 - y s) with y = 2t - 1; slope 0 at y s = 1
    s = [1.0, -1.0, 0.5, 3.0, 0.0]
    t = [1.0, 0.0, 1.0, 0.0, 0.0]
    assert F.hinge(s, t, reduction="sum") == 0.0 + 0.0 + 0.5 + 4.0 + 1.0
    assert F.hinge_backward(s, t, reduction="sum").tolist() == [0.0, 0.0, -1.0, 1.0, 1.0]
    # huber is continuous at |r| = delta
    assert F.huber_backward([1.0, -1.0], [0.0, 0.0], 1.0, reduction="sum").tolist() == [1.0, -1.0]


def test_mse_gradient_is_exactly_two_r_over_n():
    p = np.array([0.3, 1.7, -2.2])
    t = np.array([0.1, 0.4, 0.9])
    assert F.mse_backward(p, t).tolist() == (2 * (p - t) / 3).tolist()
    assert F.mse_backward(p, t, half=True).tolist() == ((p - t) / 3).tolist()
    assert F.mse_backward(p, t, reduction="sum").tolist() == (2 * (p - t)).tolist()
    assert F.mse(p, t, half=True, reduction="sum") == pytest.approx(
        0.5 * float(np.sum((p - t) ** 2)), rel=1e-15)


def test_reductions_average_the_right_count():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 2.0]])
    idx = np.array([1, 2])
    assert F.cross_entropy(z, idx) == pytest.approx(F.cross_entropy(z, idx, reduction="sum") / 2)
    p = np.array([[0.2, 0.8], [0.5, 0.5]])
    t = np.array([[0.5, 0.5], [0.9, 0.1]])
    assert F.kl_divergence(p, t) == pytest.approx(F.kl_divergence(p, t, reduction="sum") / 2)
    assert F.mse(p, t) == pytest.approx(F.mse(p, t, reduction="sum") / 4)
    # 1-D input: one row
    assert F.kl_divergence(p[0], t[0]) == F.kl_divergence(p[0], t[0], reduction="sum")


def test_cross_entropy_index_matches_one_hot(dtype):
    rng = np.random.default_rng(5)
    z = rng.normal(size=(6, 4)).astype(dtype)
    idx = np.array([0, 3, 1, 1, 2, 0])
    onehot = np.eye(4, dtype=dtype)[idx]
    for red in ("mean", "sum"):
        for kind in (np.int64, np.int32, np.uint8, np.int16):
            v = F.cross_entropy(z, idx.astype(kind), reduction=red)
            g = F.cross_entropy_backward(z, idx.astype(kind), reduction=red)
            assert v == pytest.approx(F.cross_entropy(z, onehot, reduction=red), rel=1e-6)
            np.testing.assert_allclose(
                g, F.cross_entropy_backward(z, onehot, reduction=red), **tol(dtype))
            assert g.dtype == dtype
    # lists of ints are indices too; 1-D logits take a scalar index
    assert F.cross_entropy(z, idx.tolist()) == F.cross_entropy(z, idx)
    assert F.cross_entropy(z[2], 1) == pytest.approx(
        F.cross_entropy(z[2:3], [1], reduction="sum"), rel=1e-15)
    assert F.cross_entropy(z[2], np.int64(1)) == F.cross_entropy(z[2], 1)
    assert F.cross_entropy_backward(z[2], 1).shape == (4,)


def test_cross_entropy_probability_rows_scale_with_their_sum():
    z = np.array([[0.5, -1.0, 2.0]])
    t = np.array([[0.2, 0.3, 0.5]])
    g1 = F.cross_entropy_backward(z, t)
    g2 = F.cross_entropy_backward(z, 2 * t)
    soft = F.softmax(z)
    np.testing.assert_allclose(g1, soft - t, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(g2, 2 * soft - 2 * t, rtol=1e-14, atol=1e-16)


def test_book_values():
    # Vasilev ch. 2: KL(P || Q) = ln 1.25 for P = (0.5, 0.5), Q = (0.2, 0.8), to 1 ulp
    kl = F.kl_divergence([0.2, 0.8], [0.5, 0.5])
    assert abs(kl - 0.2231435513142097) <= np.spacing(0.2231435513142097)
    # cross-entropy H(P, Q) = 0.916290731874155: from logits log Q, softmax(log Q) = Q
    h = F.cross_entropy(np.log([0.2, 0.8]), [0.5, 0.5])
    assert h == pytest.approx(0.916290731874155, rel=1e-14)
    # Serrano appendix B: point [2, 3] with label 0, w = [1, 2], b = -4 scores 4,
    # misclassified: the perceptron error is 4 and its slope +1; one step of lr 0.01
    # moves w to [0.98, 1.97] and b to -4.01.
    x = np.array([2.0, 3.0])
    w = np.array([1.0, 2.0])
    b = np.array([-4.0])
    score = float(w @ x + b[0])
    assert F.perceptron_loss([score], [0.0]) == 4.0
    d = F.perceptron_loss_backward([score], [0.0])[0]
    assert d == 1.0
    F.sgd_step(w, d * x, 0.01)
    F.sgd_step(b, [d], 0.01)
    assert w.tolist() == [1.0 - 0.01 * 2.0, 2.0 - 0.01 * 3.0] and b[0] == -4.01
    assert w.tolist() == [0.98, 1.97]


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", ELEMWISE + ROWWISE)
def test_backward_matches_central_differences(name, reduction):
    rng = np.random.default_rng(11)
    p, t = sample(name, (3, 4), np.float64, 3)
    if name in ("mae", "huber"):
        r = rng.uniform(0.2, 0.7, size=p.shape) * rng.choice([-1, 1], size=p.shape)
        r[0] = [0.2, -0.4, 1.6, -2.5]  # both sides of delta = 1 for huber
        p = t + r
    if name in ("perceptron_loss", "hinge"):
        p = rng.uniform(0.2, 0.8, size=p.shape) * rng.choice([-1, 1], size=p.shape)
        p[0, 0] += 2.0  # beyond the hinge
    if name == "log_loss":
        t[0, 0] = 0.3  # soft labels too
    kw = {"delta": 1.0} if name == "huber" else {}
    fn = getattr(F, name)
    numeric = numeric_grad(lambda v: fn(v, t, reduction=reduction, **kw), p)
    analytic = getattr(F, name + "_backward")(p, t, reduction=reduction, **kw)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_cross_entropy_index_matches_central_differences():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(3, 5))
    idx = np.array([4, 0, 2])
    for red in ("mean", "sum"):
        numeric = numeric_grad(lambda v: F.cross_entropy(v, idx, reduction=red), z)
        np.testing.assert_allclose(F.cross_entropy_backward(z, idx, reduction=red), numeric,
                                   rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", ELEMWISE + ROWWISE)
def test_bad_input(name):
    first = {"log_loss": "prob", "log_loss_with_logits": "logits", "cross_entropy": "logits",
             "perceptron_loss": "score", "hinge": "score"}.get(name, "pred")
    fn = getattr(F, name)
    bwd = getattr(F, name + "_backward")
    ok = np.array([[0.25, 0.75]])
    for f in (fn, bwd):
        with pytest.raises(ValueError, match=rf"{first} has shape \(1, 2\) but target has "
                                             rf"shape \(1, 3\)"):
            f(ok, np.array([[0.0, 1.0, 0.0]]))
        with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum', got 'avg'"):
            f(ok, ok, reduction="avg")
        with pytest.raises(ValueError, match="reduction"):
            f(ok, ok, reduction=None)
        for bad in (np.array([[1j, 2j]]), np.array([["a", "b"]]), np.array([[object(), 1]])):
            with pytest.raises(TypeError, match=rf"{name}(_backward)?: {first}"):
                f(bad, ok)
            with pytest.raises(TypeError, match=rf"{name}(_backward)?: target"):
                f(ok, bad)
        with pytest.raises(TypeError):
            f(ok, ok, "mean")  # reduction is keyword-only
    if name in ROWWISE:
        with pytest.raises(ValueError, match=f"{first}"):
            fn(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))


def test_bad_parameters():
    with pytest.raises(ValueError, match="delta must be > 0, got 0"):
        F.huber([1.0], [0.0], 0.0)
    with pytest.raises(ValueError, match="delta"):
        F.huber_backward([1.0], [0.0], delta=-1.0)
    with pytest.raises(ValueError, match="delta"):
        F.huber([1.0], [0.0], delta=float("inf"))
    with pytest.raises(TypeError, match="delta"):
        F.huber([1.0], [0.0], delta="1")
    with pytest.raises(ValueError, match=r"target must hold 0/1 labels, got -1.0"):
        F.hinge([0.5, 0.2], [1.0, -1.0])
    with pytest.raises(ValueError, match=r"0/1 labels, got 2.0"):
        F.perceptron_loss_backward([0.5], [2.0])


def test_cross_entropy_bad_targets():
    z = np.zeros((2, 3))
    for bad, shown in (([0, 3], r"target\[1\] = 3"), ([-1, 0], r"target\[0\] = -1"),
                       (np.array([5, 0], np.uint8), r"target\[0\] = 5")):
        for f in (F.cross_entropy, F.cross_entropy_backward):
            with pytest.raises(ValueError, match=shown + r" is not a class index in \[0, 3\)"):
                f(z, bad)
    with pytest.raises(ValueError, match=r"logits has shape \(2, 3\) but target has shape \(3,\)"):
        F.cross_entropy(z, [0, 1, 2])
    with pytest.raises(ValueError, match="target"):
        F.cross_entropy([1.0, 2.0], 2)
    with pytest.raises(ValueError, match=r"logits has shape \(2, 3\) but target has shape \(2,\)"):
        F.cross_entropy(z, [0.0, 1.0])  # floats are probabilities, not indices
    with pytest.raises(TypeError, match="target"):
        F.cross_entropy(z, None)
    with pytest.raises(TypeError, match="target"):
        F.cross_entropy(z, [1j, 2j])


# ---------------------------------------------------------------- references


def test_no_reference_or_memory_leaks():
    import sys
    import tracemalloc

    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 2.0]])
    idx = np.array([1, 2])
    t = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    counts = [sys.getrefcount(a) for a in (z, idx, t)]

    labels = (t > 0.4).astype(float)

    def round_trip():
        for name in ELEMWISE + ROWWISE:
            first = t if name in ("log_loss", "kl_divergence") else z
            target = labels if name in ("perceptron_loss", "hinge") else t
            getattr(F, name)(first, target)
            getattr(F, name + "_backward")(first, target)
        F.cross_entropy(z, idx)
        F.cross_entropy_backward(z, idx)
        for bad in (lambda: F.cross_entropy(z, [0, 9]), lambda: F.mse(z, idx),
                    lambda: F.hinge(z, z), lambda: F.huber(z, t, delta=-1),
                    lambda: F.mae(z, t, reduction="x"), lambda: F.kl_divergence(z, [1j])):
            try:
                bad()
            except (TypeError, ValueError):
                pass

    round_trip()
    tracemalloc.start()
    try:
        round_trip()
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            round_trip()
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    # (Under PYTHONMALLOC=malloc, as sanitizer runs use, tracemalloc reports
    # ~30 bytes per raised TypeError that the process RSS never shows -- a
    # measurement artifact; the sanitizers watch memory there instead.)
    if os.environ.get("PYTHONMALLOC", "") != "malloc":
        assert grown < 20_000, grown
    assert [sys.getrefcount(a) for a in (z, idx, t)] == counts
    g = F.mse_backward(z, t)
    assert sys.getrefcount(g) == 2  # only `g` and the call's argument


def test_threads_give_the_same_numbers():
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(0)
    z = rng.normal(size=(400, 50))  # above the size where the GIL is released
    idx = rng.integers(0, 50, size=400)
    expected = (F.cross_entropy(z, idx), F.cross_entropy_backward(z, idx))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: (F.cross_entropy(z, idx),
                                           F.cross_entropy_backward(z, idx)), range(8)))
    for v, g in results:
        assert v == expected[0] and np.array_equal(g, expected[1])


# ---- direct calls into the C kernels (ctypes), for paths the Python API does
# not reach: a forward output passed to backward, in-place aliasing, statuses
# (helpers in _helpers.py).
LOSS_NAMES = list(F.LOSSES)  # the op table's rows, in engine-code order


class _LossParams(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("reduction", ctypes.c_int), ("half", ctypes.c_int),
                ("delta", ctypes.c_double)]


def _c_loss(dtype):
    return kernel("nnc_loss", dtype,
                   [ctypes.POINTER(_LossParams), I64, I64, VP, VP, VP, VP])


def _c_ce_index(dtype):
    return kernel("nnc_cross_entropy_index", dtype, [ctypes.c_int, I64, I64, VP, VP, VP, VP])


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
            assert loss(ctypes.byref(params), 4, 3, ptr(p), ptr(t), ptr(v1), None) == 0
            assert loss(ctypes.byref(params), 4, 3, ptr(p), ptr(t), ptr(v2), ptr(g)) == 0
            assert v1[0] == v2[0] and np.isfinite(v1[0])


def test_kernel_loss_bad_arguments():
    loss = _c_loss(np.float64)
    p = np.zeros(2)
    v = np.zeros(1)
    bad = [_LossParams(len(LOSS_NAMES), 0, 0, 1.0), _LossParams(0, 2, 0, 1.0),
           _LossParams(2, 0, 0, 0.0), _LossParams(2, 0, 0, float("inf")),
           _LossParams(2, 0, 0, float("nan"))]
    for params in bad:
        assert loss(ctypes.byref(params), 1, 2, ptr(p), ptr(p), ptr(v), None) == 1
    assert loss(ctypes.byref(_LossParams(0, 0, 0, 1.0)), 1, 2, ptr(p), ptr(p), None, None) == 1


def test_kernel_cross_entropy_index_checks_every_index_first():
    ce = _c_ce_index(np.float64)
    z = np.zeros((2, 3))
    v = np.array([7.0])
    g = np.full((2, 3), 7.0)
    for bad in ([0, 3], [-1, 0], [2, 5]):
        idx = np.array(bad, np.int64)
        assert ce(0, 2, 3, ptr(z), ptr(idx), ptr(v), ptr(g)) == 1
        assert v[0] == 7.0 and (g == 7.0).all()
    idx = np.array([0, 2], np.int64)
    assert ce(0, 2, 3, ptr(z), ptr(idx), ptr(v), ptr(g)) == 0
    assert v[0] == pytest.approx(np.log(3.0), rel=1e-15)


# ---------------------------------------------------------------------------
# Regression (hardening review) 5. cross_entropy: a uint64 class index >= 2**63 was reported wrapped negative.



@pytest.mark.parametrize("value", [2 ** 63, 2 ** 64 - 1, 3])
@pytest.mark.parametrize("fn", [F.cross_entropy, F.cross_entropy_backward])
def test_cross_entropy_unsigned_index_message_shows_the_value(fn, value):
    z = np.zeros((2, 3))
    t = np.array([0, value], dtype=np.uint64)
    with pytest.raises(ValueError, match=rf"target\[1\] = {value} is not a class index in "
                                         rf"\[0, 3\)"):
        fn(z, t)


def test_cross_entropy_unsigned_indices_still_work():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    want = F.cross_entropy(z, np.array([1, 2]))
    for dt in (np.uint8, np.uint16, np.uint32, np.uint64):
        assert F.cross_entropy(z, np.array([1, 2], dtype=dt)) == want
    with pytest.raises(ValueError, match=r"target\[0\] = -1 is not a class index"):
        F.cross_entropy(z, np.array([-1, 2]))


# ---------------------------------------------------------------- log_cosh


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_cosh_is_accurate_near_zero_and_finite_far_out(dtype):
    """log(cosh(r)) = r^2/2 - r^4/12 + ... near 0 (no cancellation: tiny
    residuals keep their digits) and |r| - log 2 far out (cosh would
    overflow); its derivative is tanh(r)."""
    r = np.array([1e-8, -3e-4, 0.5, -0.999, 1.0, 30.0, -1000.0], dtype=dtype)
    t = np.zeros_like(r)
    terms = np.array([F.log_cosh(r[i:i + 1], t[i:i + 1], reduction="sum") for i in range(r.size)])
    rr = r.astype(np.float64)
    want = np.where(np.abs(rr) < 1, rr**2 / 2 - rr**4 / 12 + rr**6 / 45 - 17 * rr**8 / 2520,
                    np.abs(rr) + np.log1p(np.exp(-2 * np.abs(rr))) - np.log(2.0))
    want[2:4] = np.log(np.cosh(rr[2:4]))  # the series is short there
    rtol = 2e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(terms, want, rtol=rtol)
    np.testing.assert_allclose(F.log_cosh_backward(r, t, reduction="sum"), np.tanh(rr), rtol=rtol)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = np.array([np.inf, -np.inf, np.nan], dtype=dtype)
        v = F.log_cosh_backward(big, np.zeros_like(big), reduction="sum")
        assert v[0] == 1 and v[1] == -1 and np.isnan(v[2])
        assert F.log_cosh(big[:2], np.zeros(2, dtype)) == np.inf
        assert np.isnan(F.log_cosh(big, np.zeros(3, dtype)))


def test_log_cosh_trains_a_line_through_fit():
    """A robust regression: fit with LogCosh recovers a line despite one far
    outlier that drags MSE's fit away."""
    import nnc

    X = np.linspace(-1, 1, 21).reshape(-1, 1)
    y = 2.0 * X + 0.5
    y[3] += 40.0  # one outlier
    fits = {}
    for loss in (nnc.losses.LogCosh(), nnc.losses.MSE()):
        model = nnc.Sequential([nnc.Dense(1, 1)], seed=0)
        model.fit(X, y, loss=loss, optimizer=nnc.Adam(lr=0.05), epochs=2000)
        fits[type(loss).__name__] = model.get_flat_params()
    assert np.allclose(fits["LogCosh"], [2.0, 0.5], atol=0.15)
    assert not np.allclose(fits["MSE"], [2.0, 0.5], atol=0.5)


@pytest.mark.parametrize("rows", [1, 15, 16, 17, 32])
@pytest.mark.parametrize("cols", [1, 10, 32])
def test_cross_entropy_short_rows_formula_bits(rows, cols, dtype):
    # Rows of at most 32 columns take their exp, sum and log a block of rows
    # at a time (losses_impl.h): the bits must be those of the row-by-row
    # formula on the vector math's exp and log, in the fixed order (each
    # row's sums left to right in double from -0.0, then the rows' losses).
    rng = np.random.default_rng(rows * 100 + cols)
    z = (rng.normal(size=(rows, cols)) * 3).astype(dtype)
    t = rng.random(size=(rows, cols)).astype(dtype)
    t[:, ::3] = 0
    t /= np.maximum(t.sum(axis=1, keepdims=True), dtype(1))
    value = F.cross_entropy(z, t, reduction="sum")
    grad = F.cross_entropy_backward(z, t, reduction="sum")
    total = -0.0
    want_grad = np.empty_like(z)
    for r in range(rows):
        m = z[r].max()
        e = _core._vmath("exp", (z[r] - m).astype(dtype))
        zsum = -0.0
        for j in range(cols):
            zsum = zsum + float(e[j])
        log_z = float(_core._vmath("log", np.array([zsum]))[0])
        row, ts = -0.0, -0.0
        for j in range(cols):
            ts = ts + float(t[r, j])
            if t[r, j] != 0:
                row = row + float(t[r, j]) * ((float(m) - float(z[r, j])) + log_z)
        total = total + row
        zt, st = dtype(zsum), dtype(ts)
        want_grad[r] = (st * (e / zt) - t[r]) / dtype(1)
    assert np.asarray(value, dtype).tobytes() == np.asarray(dtype(total)).tobytes()
    assert grad.tobytes() == want_grad.tobytes()
