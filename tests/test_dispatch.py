"""Run-time dispatch (csrc/core/nnc_isa.h): every instruction-set path of a
dispatched kernel gives the same bits, and build_info() says which path runs.
The vector math's own path tests are in test_vmath.py."""
import numpy as np
import pytest

import nnc
from nnc import _core

LEVELS = _core._isa_levels()


def test_build_info_reports_paths():
    info = nnc._core.build_info()
    assert set(info["dispatch"]) >= {"vmath", "activations", "losses", "optimizers"}
    for path in info["dispatch"].values():
        assert path == LEVELS[-1]  # the widest available


def _state(dtype, n, seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n).astype(dtype)
    g = rng.normal(size=n).astype(dtype)
    g[::7] = 0.0
    m = (rng.normal(size=n) * 0.1).astype(dtype)
    v = np.abs(rng.normal(size=n) * 0.01).astype(dtype)
    return w, g, m, v


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "rmsprop"])
@pytest.mark.parametrize("n", [1, 7, 64, 1001])
def test_optimizer_paths_same_bits(name, n, dtype):
    results = []
    for isa in LEVELS:
        w, g, m, v = _state(dtype, n, 3)
        for t in range(1, 4):  # a few steps, the state carried along
            _core._opt_step_isa(name, isa, w, g, m, v, lr=0.01, mu=0.9, beta1=0.9,
                                beta2=0.999, eps=1e-8, t=t, rho=0.9)
        results.append((w, m, v))
    for w, m, v in results[1:]:
        for a, b in zip((w, m, v), results[0]):
            assert np.array_equal(a.view(np.uint8), b.view(np.uint8))


def test_optimizer_path_matches_numpy_formula(dtype):
    # the dispatched Adam is the paper's formula, term by term, in dtype
    w, g, m, v = _state(dtype, 301, 5)
    w0, m0, v0 = w.copy(), m.copy(), v.copy()
    one = dtype(1)
    b1, b2, lr, eps = dtype(0.9), dtype(0.999), dtype(0.01), dtype(1e-8)
    _core._opt_step_isa("adam", LEVELS[-1], w, g, m, v, lr=0.01, beta1=0.9, beta2=0.999,
                        eps=1e-8, t=2)
    bc1, bc2 = one - b1 ** dtype(2), one - b2 ** dtype(2)
    m1 = b1 * m0 + (one - b1) * g
    v1 = b2 * v0 + (one - b2) * (g * g)
    w1 = w0 - lr * (m1 / bc1) / (np.sqrt(v1 / bc2) + eps)
    np.testing.assert_array_equal(m, m1)
    np.testing.assert_array_equal(v, v1)
    np.testing.assert_allclose(w, w1, rtol=0, atol=4 * np.finfo(dtype).eps)


@pytest.mark.parametrize("lr", [0.01, 1e-30])
def test_adam_float32_subnormal_form_same_bits(lr):
    # float32 Adam on AVX-512 runs vectors holding tiny m, v or g in float64
    # rounded per operation (optim_loops_impl.h), to spare subnormal assists:
    # the bits must be the float32 formula's, step after step, on every path,
    # with m decaying through the subnormals, tiny and subnormal gradients,
    # signed zeros, inf and NaN mixed into the vectors.
    f = np.float32
    n = 16 * 23 + 5  # whole vectors of every kind, and a tail
    rng = np.random.default_rng(17)
    w0 = rng.normal(size=n).astype(f)
    g = rng.normal(size=n).astype(f)
    g[::3] *= f(1e-25)
    g[1::11] = f(1e-42)  # subnormal
    g[::5] = 0.0
    g[7] = -0.0
    g[50] = np.inf
    g[99] = np.nan
    m0 = (rng.normal(size=n) * 1e-36).astype(f)  # decays into the subnormals
    m0[::4] = rng.normal(size=n)[::4].astype(f)
    m0[16:32] = rng.normal(size=16).astype(f)  # a vector with nothing tiny
    v0 = np.abs(rng.normal(size=n) * 1e-38).astype(f)
    v0[16:32] = 1.0
    g[16:32] = rng.normal(size=16).astype(f)
    one, b1, b2, eps, lrf = f(1), f(0.9), f(0.999), f(1e-8), f(lr)
    w1, m1, v1 = w0.copy(), m0.copy(), v0.copy()
    with np.errstate(all="ignore"):
        for t in range(1, 41):
            bc1, bc2 = one - b1 ** f(t), one - b2 ** f(t)
            m1 = b1 * m1 + (one - b1) * g
            v1 = b2 * v1 + (one - b2) * (g * g)
            w1 = w1 - lrf * (m1 / bc1) / (np.sqrt(v1 / bc2) + eps)
    assert np.any((m1 != 0) & (np.abs(m1) < np.finfo(f).tiny))  # the case is exercised
    for isa in LEVELS:
        w, m, v = w0.copy(), m0.copy(), v0.copy()
        for t in range(1, 41):
            _core._opt_step_isa("adam", isa, w, g, m, v, lr=lr, beta1=0.9, beta2=0.999,
                                eps=1e-8, t=t)
        for got, want in ((w, w1), (m, m1), (v, v1)):
            assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), isa


def test_rmsprop_path_matches_numpy_formula(dtype):
    # the dispatched RMSProp step is the formula of nnc_decls.h, in dtype, on
    # every path
    w, g, _, v = _state(dtype, 301, 6)
    w0, v0 = w.copy(), v.copy()
    one, rho, lr, eps = dtype(1), dtype(0.9), dtype(0.01), dtype(1e-8)
    v1 = rho * v0 + (one - rho) * (g * g)
    w1 = w0 - lr * g / (np.sqrt(v1) + eps)
    for isa in LEVELS:
        w, v = w0.copy(), v0.copy()
        _core._opt_step_isa("rmsprop", isa, w, g, v, lr=0.01, rho=0.9, eps=1e-8)
        np.testing.assert_array_equal(v, v1)
        np.testing.assert_array_equal(w, w1)
    with pytest.raises(ValueError):
        _core._opt_step_isa("rmsprop", None, w, g, v, lr=0.01, rho=1.0)


def test_bad_path_and_arguments():
    w, g, m, v = _state(np.float64, 4, 1)
    with pytest.raises(ValueError, match="not available"):
        _core._opt_step_isa("sgd", "neon9", w, g, lr=0.1)
    with pytest.raises(ValueError, match="unknown optimizer"):
        _core._opt_step_isa("adagrad", None, w, g, lr=0.1)
    with pytest.raises(ValueError):
        _core._opt_step_isa("adam", None, w, g, m, v, lr=0.1, t=0)


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "softmax", "log_softmax"])
def test_vmath_activations_match_vmath(act, dtype):
    # the activations are built on the vector math: same bits as _vmath
    rng = np.random.default_rng(11)
    x = (rng.normal(size=(37, 13)) * 4).astype(dtype)
    f = getattr(nnc.functional, act)
    y = f(x)
    if act in ("sigmoid", "tanh"):
        np.testing.assert_array_equal(y, _core._vmath(act, x))
    else:
        m = x.max(axis=1, keepdims=True)
        e = _core._vmath("exp", x - m)
        if act == "softmax":
            np.testing.assert_allclose(y, e / e.sum(axis=1, keepdims=True),
                                       rtol=4 * np.finfo(dtype).eps)
        else:
            np.testing.assert_allclose(y, (x - m) - np.log(e.sum(axis=1, keepdims=True)),
                                       rtol=0, atol=8 * np.finfo(dtype).eps * np.abs(x).max())


ACTS = list(nnc.functional.ACTIVATIONS)


def _x(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=shape) * 3).astype(dtype)
    x.flat[::17] = 0.0
    return x


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (40, 33), (2, 600)])
def test_activation_paths_same_bits(shape, dtype):
    ui = np.uint64 if dtype == np.float64 else np.uint32
    x, dy = _x(dtype, shape, 1), _x(dtype, shape, 2)
    for name in ACTS:
        for backward in (False, True):
            outs = [_core._act_isa(name, isa, x, dy if backward else None, alpha=0.3)
                    for isa in LEVELS]
            for o in outs[1:]:
                assert np.array_equal(o.view(ui), outs[0].view(ui)), (name, backward)


@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (64, 10), (3, 700)])
def test_loss_paths_same_bits(shape, dtype):
    ui = np.uint64 if dtype == np.float64 else np.uint32
    rng = np.random.default_rng(4)
    pred = _x(dtype, shape, 3)
    probs = rng.dirichlet(np.ones(shape[1]), size=shape[0]).astype(dtype)
    labels = (rng.uniform(size=shape) > 0.5).astype(dtype)
    for name in nnc.functional.LOSSES:
        if name in ("cross_entropy", "kl_divergence"):
            p, t = (np.abs(pred) + 0.1 if name == "kl_divergence" else pred), probs
        elif name == "log_loss":
            p, t = 1 / (1 + np.exp(-pred)), labels
        else:
            p, t = pred, labels
        for red in ("mean", "sum"):
            outs = [_core._loss_isa(name, isa, p.astype(dtype), t, reduction=red)
                    for isa in LEVELS]
            for v, g in outs[1:]:
                assert v == outs[0][0] or (np.isnan(v) and np.isnan(outs[0][0])), name
                assert np.array_equal(g.view(ui), outs[0][1].view(ui)), (name, red)
