"""Property tests (hypothesis): nnc against NumPy references over generated
shapes, memory layouts and values, NaN and inf included.

Examples per test are kept modest (settings below) so the file runs in a few
seconds; the derandomize flag makes every run try the same examples, so a
failure reproduces.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnc
from nnc import functional as F

from reference import act_backward_ref, act_ref, loss_ref, prelu_dalpha_ref

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

DTYPES = st.sampled_from([np.float64, np.float32])
LAYOUTS = st.sampled_from(["C", "F", "strided", "negative"])


def _finite(dtype, bound=1e3):
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                     width=32 if dtype == np.float32 else 64)


def _any_float(dtype):
    return st.floats(allow_nan=True, allow_infinity=True, width=32 if dtype == np.float32 else 64)


def _relayout(a, layout):
    """The same values in another memory layout."""
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided" and a.ndim:
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1] + 1,), a.dtype)
        big[..., 1::2] = a
        return big[..., 1::2]
    if layout == "negative" and a.ndim and a.size:
        return a[..., ::-1].copy()[..., ::-1]
    return a


@st.composite
def matmul_problem(draw):
    dtype = draw(DTYPES)
    m, k, n = (draw(st.integers(0, 9)) for _ in range(3))
    ta, tb = draw(st.booleans()), draw(st.booleans())
    a = draw(hnp.arrays(dtype, (k, m) if ta else (m, k), elements=_finite(dtype)))
    b = draw(hnp.arrays(dtype, (n, k) if tb else (k, n), elements=_finite(dtype)))
    return dtype, ta, tb, _relayout(a, draw(LAYOUTS)), _relayout(b, draw(LAYOUTS))


@SETTINGS
@given(matmul_problem())
def test_matmul_matches_numpy(problem):
    dtype, ta, tb, a, b = problem
    got = nnc.matmul(a, b, trans_a=ta, trans_b=tb)
    A = (a.T if ta else a).astype(np.float64)
    B = (b.T if tb else b).astype(np.float64)
    want = A @ B
    bound = np.abs(A) @ np.abs(B)
    eps = np.finfo(dtype).eps
    k = A.shape[1]
    assert got.dtype == dtype and got.shape == want.shape
    assert np.all(np.abs(got - want) <= (k + 2) * eps * bound + np.finfo(dtype).tiny)


@SETTINGS
@given(DTYPES.flatmap(lambda d: st.tuples(
    st.just(d), st.integers(0, 9), st.integers(0, 9), st.booleans(), LAYOUTS)))
def test_gemv_matches_numpy(params):
    dtype, m, n, ta, layout = params
    rng = np.random.default_rng(m * 31 + n)
    a = _relayout(rng.standard_normal((n, m) if ta else (m, n)).astype(dtype), layout)
    x = rng.standard_normal(n).astype(dtype)
    got = nnc.gemv(a, x, trans_a=ta)
    A = (a.T if ta else a).astype(np.float64)
    want = A @ x.astype(np.float64)
    bound = np.abs(A) @ np.abs(x.astype(np.float64))
    assert got.dtype == dtype
    assert np.all(np.abs(got - want) <= (n + 2) * np.finfo(dtype).eps * bound + 1e-300)


@st.composite
def same_shape_pair(draw, elements=_any_float):
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))
    x = draw(hnp.arrays(dtype, shape, elements=elements(dtype)))
    y = draw(hnp.arrays(dtype, shape, elements=elements(dtype)))
    return dtype, x, y, draw(st.floats(-10, 10))


@SETTINGS
@given(same_shape_pair())
def test_elementwise_linalg_is_exactly_numpy(p):
    """add, scale and axpy round once per element, as NumPy does: bit-equal."""
    dtype, x, y, alpha = p
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(nnc.add(x, y), x + y)
        a = dtype(alpha)
        np.testing.assert_array_equal(nnc.scale(x, alpha), a * x)
        yy = y.copy()
        nnc.axpy(alpha, x, yy)
        np.testing.assert_array_equal(yy, y + a * x)


@SETTINGS
@given(same_shape_pair(elements=lambda d: _finite(d, 100.0)))
def test_dot_matches_numpy(p):
    dtype, x, y, _ = p
    x, y = x.reshape(-1), y.reshape(-1)
    got = nnc.dot(x, y)
    want = float(np.dot(x.astype(np.float64), y.astype(np.float64)))
    bound = float(np.dot(np.abs(x.astype(np.float64)), np.abs(y.astype(np.float64))))
    assert abs(got - want) <= (x.size + 2) * np.finfo(dtype).eps * bound + 1e-300


_ACT_ROWS = {r["name"]: r for r in nnc._core._ops["activations"]}
ELEMWISE_ACTS = [a for a in F.ACTIVATIONS if not _ACT_ROWS[a]["rowwise"]]


@SETTINGS
@given(st.sampled_from(F.ACTIVATIONS), DTYPES.flatmap(lambda d: st.tuples(
    st.just(d), hnp.arrays(d, hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=7),
                           elements=_any_float(d)))), st.floats(0.0, 2.0))
def test_activations_match_reference_with_nan_and_inf(name, dx, alpha):
    dtype, x = dx
    dy = np.linspace(-1, 1, x.size).reshape(x.shape).astype(dtype)
    fwd, bwd = getattr(F, name), getattr(F, name + "_backward")
    kw = {"alpha": alpha} if _ACT_ROWS[name]["alpha"] != "none" else {}
    a = dtype(alpha) if kw else None
    rtol, atol = (3e-5, 3e-6) if dtype == np.float32 else (1e-12, 1e-13)
    y = fwd(x, **kw)
    assert y.dtype == dtype and y.shape == x.shape
    with np.errstate(all="ignore"):
        want = act_ref(name, x, a)
        wantb = act_backward_ref(name, x, dy, a)
    _close(y, want, rtol, atol)
    if _ACT_ROWS[name]["alpha"] == "learned":
        dx_, dal = bwd(x, dy, alpha)
        _close(dx_, wantb, rtol, atol)
        want_dal = prelu_dalpha_ref(x, dy)
        assert (math.isnan(dal) and math.isnan(want_dal)) or math.isclose(
            dal, want_dal, rel_tol=rtol, abs_tol=atol * (1 + float(np.nansum(np.abs(x)))))
    else:
        _close(bwd(x, dy, **kw), wantb, rtol, atol)


def _close(got, want, rtol, atol):
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    assert got.shape == want.shape
    # Where the float64 reference overflows or is NaN, so must nnc; elsewhere
    # compare (float32 may overflow where float64 does not: skip those).
    fin = np.isfinite(want) & np.isfinite(got)
    np.testing.assert_array_equal(np.isnan(got) & ~np.isinf(want), np.isnan(want) & ~np.isinf(got))
    np.testing.assert_allclose(got[fin], want[fin], rtol=rtol,
                               atol=atol * (1 + np.abs(want[fin]).max(initial=0)))


@SETTINGS
@given(DTYPES.flatmap(lambda d: st.tuples(
    st.just(d), hnp.arrays(d, st.tuples(st.integers(1, 5), st.integers(1, 8)),
                           elements=_finite(d, 1e4)))))
def test_softmax_rows_are_distributions(dx):
    dtype, x = dx
    p = F.softmax(x)
    assert (p >= 0).all() and (p <= 1).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5 if dtype == np.float32 else 1e-13)
    ls = F.log_softmax(x)
    assert np.isfinite(ls).all() and (ls <= 0).all()
    np.testing.assert_allclose(np.exp(ls.astype(np.float64)), p, rtol=1e-4, atol=1e-6)


LOSS_DATA = {
    "log_loss": (st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0])),
    "perceptron_loss": (st.floats(-50, 50), st.sampled_from([0.0, 1.0])),
    "hinge": (st.floats(-50, 50), st.sampled_from([0.0, 1.0])),
    "log_loss_with_logits": (st.floats(-800, 800), st.floats(0.0, 1.0)),
    "kl_divergence": (st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
    "cross_entropy": (st.floats(-50, 50), st.floats(0.0, 1.0)),
}


@SETTINGS
@given(st.sampled_from(F.LOSSES), DTYPES, st.sampled_from(["mean", "sum"]), st.data())
def test_losses_match_reference(name, dtype, reduction, data):
    pe, te = LOSS_DATA.get(name, (st.floats(-100, 100), st.floats(-100, 100)))
    rowwise = name in ("cross_entropy", "kl_divergence")
    shape = data.draw(hnp.array_shapes(min_dims=1 if rowwise else 0, max_dims=2, min_side=0,
                                       max_side=6))
    p = data.draw(hnp.arrays(np.float64, shape, elements=pe)).astype(dtype)
    t = data.draw(hnp.arrays(np.float64, shape, elements=te)).astype(dtype)
    kw = {"reduction": reduction}
    extra = {}
    if name == "huber":
        extra["delta"] = data.draw(st.floats(0.1, 5.0))
    if name == "mse":
        extra["half"] = data.draw(st.booleans())
    v = getattr(F, name)(p, t, **kw, **extra)
    g = getattr(F, name + "_backward")(p, t, **kw, **extra)
    want_v, want_g = loss_ref(name, p, t, dtype, reduction=reduction, **extra)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    assert isinstance(v, float) and g.dtype == dtype and g.shape == p.shape
    if math.isnan(want_v):
        assert math.isnan(v)
    else:
        scale = max(1.0, abs(want_v), float(np.abs(want_g).sum()))
        assert math.isclose(v, want_v, rel_tol=rtol, abs_tol=rtol * scale), (v, want_v)
    np.testing.assert_allclose(g, want_g, rtol=rtol, atol=rtol * (1 + np.abs(want_g).max(
        initial=0)))


@SETTINGS
@given(st.integers(0, 2 ** 64 - 1), st.integers(0, 40), st.floats(-1e6, 1e6),
       st.floats(0, 1e6), st.sampled_from(["float32", "float64"]))
def test_generator_uniform_is_reproducible_and_in_range(seed, n, low, width, dtype):
    high = low + width
    a = nnc.Generator(seed).uniform(n, low=low, high=high, dtype=dtype)
    b = nnc.Generator(seed).uniform(n, low=low, high=high, dtype=dtype)
    np.testing.assert_array_equal(a, b)
    lo, hi = np.array([low, high], dtype)
    assert ((a >= lo) & (a <= hi)).all()


@SETTINGS
@given(st.integers(0, 2 ** 64 - 1), st.integers(-(2 ** 63), 2 ** 63 - 1), st.integers(1, 2 ** 64))
def test_generator_integers_stay_in_range(seed, low, span):
    high = low + span
    assume(high <= 2 ** 63)
    v = nnc.Generator(seed).integers(low, high, size=50)
    assert v.dtype == np.int64
    assert all(low <= int(x) < high for x in v)


@SETTINGS
@given(st.integers(0, 2 ** 64 - 1), st.integers(0, 300))
def test_generator_permutation_is_a_permutation(seed, n):
    p = nnc.Generator(seed).permutation(n)
    assert sorted(p.tolist()) == list(range(n))


@pytest.mark.parametrize("name", ELEMWISE_ACTS)
def test_activations_keep_shape_and_dtype_of_0d(name, dtype):
    x = np.array(-0.5, dtype)
    kw = {"alpha": 0.5} if name == "prelu" else {}
    y = getattr(F, name)(x, **kw)
    assert isinstance(y, np.ndarray) and y.shape == () and y.dtype == dtype
