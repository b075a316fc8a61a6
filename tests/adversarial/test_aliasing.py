"""Findings 4 and 9: an output or in-place buffer that is also an input,
reached through a memoryview, an __array_interface__ object or an
overlapping strided view."""
import numpy as np
import pytest

import nnc
from nnc import _core

from ._child import run
from _helpers import engine_fit


class Interface:
    """An object that is not an ndarray but exposes an array's memory."""

    def __init__(self, arr):
        self._keep = arr
        self.__array_interface__ = arr.__array_interface__


def _aliases(out):
    yield "memoryview", memoryview(out)
    yield "__array_interface__", Interface(out)
    yield "ndarray", out
    yield "transposed view", out.T


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matmul_out_aliasing_an_operand_through_any_type_is_refused(dtype):
    # Finding 4: memoryview(out) as an operand gave garbage (max error 350).
    rng = np.random.default_rng(0)
    b = rng.normal(size=(32, 32)).astype(dtype)
    for how in ("a", "b"):
        for name, alias in _aliases(rng.normal(size=(32, 32)).astype(dtype)):
            out = np.asarray(alias).base if name == "transposed view" else None
            out = np.asarray(alias) if out is None else out
            before = out.copy()
            args = (alias, b) if how == "a" else (b, alias)
            with pytest.raises(ValueError, match="shares memory"):
                nnc.matmul(*args, out=out)
            assert np.array_equal(out, before), (how, name)


def test_matmul_partial_overlap_through_a_memoryview_is_refused():
    rng = np.random.default_rng(1)
    big = rng.normal(size=(65, 16))
    out, a = big[1:], big[:64]  # rows 1..63 shared
    b = rng.normal(size=(16, 16))
    with pytest.raises(ValueError, match="shares memory"):
        nnc.matmul(memoryview(a), b, out=out)
    # An overlapping strided view (rows 8 bytes apart) that the kernel cannot
    # read in place is copied before out is written: the product is right.
    squeezed = np.lib.stride_tricks.as_strided(big, (64, 16), (8, 8))
    expect = np.array(squeezed) @ b
    nnc.matmul(memoryview(squeezed), b, out=out)
    np.testing.assert_allclose(out, expect, rtol=1e-12, atol=1e-12)


def test_gemv_out_aliasing_x_through_a_memoryview_is_refused():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(20, 20))
    y = rng.normal(size=20)
    before = y.copy()
    for alias in (memoryview(y), Interface(y)):
        with pytest.raises(ValueError, match="shares memory"):
            nnc.gemv(a, alias, out=y)
    assert np.array_equal(y, before)


def test_in_place_add_through_a_memoryview_stays_correct():
    # out may BE an input (in-place add); through a memoryview it still is.
    x = np.arange(10.0)
    y = np.ones(10)
    nnc.add(memoryview(x), y, out=x)
    assert np.array_equal(x, np.arange(10.0) + 1)
    z = np.arange(11.0)
    nnc.add(memoryview(z[1:]), np.ones(10), out=z[:10])  # partial overlap: copied first
    assert np.array_equal(z[:10], np.arange(1.0, 11.0) + 1)


def _desc(model, opt):
    layers, params = model._describe(opt)
    return layers, [list(p) for p in params]


def _engine_fit(model, opt, params, X, y, epochs=2):
    layers, _ = model._describe(opt)
    loss = nnc.losses.get("mse")
    return engine_fit("float64", layers, tuple(tuple(p) for p in params), X, y,
                            loss._params(), 0.0, 0.0, opt._engine_tuple(), epochs, 0, None,
                            None, 0.0, np.zeros(epochs), None, None, None, 0, False, 1,
                            np.zeros(3, np.int64))


@pytest.mark.parametrize("slot,target", [(1, 0), (2, 0), (2, 1), (3, 2)])
def test_fit_refuses_optimizer_state_or_gradient_that_is_another_buffer(slot, target):
    # Finding 9: fit accepted optimizer state or gradients that were the
    # weight array itself, and trained garbage.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(16, 3))
    y = rng.normal(size=(16, 3))
    m = nnc.Sequential([nnc.Dense(3, 3)])
    opt = nnc.Adam(0.01)
    layers, params = _desc(m, opt)
    w = params[0]
    w[slot] = w[target]
    before = m.get_flat_params()
    with pytest.raises(ValueError, match=r"params\[0\]\.\w+ shares memory"):
        _engine_fit(m, opt, params, X, y)
    assert np.array_equal(m.get_flat_params(), before)


def test_fit_refuses_a_weight_that_is_the_training_data():
    X = np.random.default_rng(4).normal(size=(3, 3))
    m = nnc.Sequential([nnc.Dense(3, 3, bias=False)])
    opt = nnc.SGD(0.1)
    layers, params = _desc(m, opt)
    params[0][0] = X  # the weight array IS X
    with pytest.raises(ValueError, match="shares memory"):
        _engine_fit(m, opt, params, X, np.zeros((3, 3)))


def test_momentum_velocity_set_to_the_weight_through_the_public_api():
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    y = 2 * X
    m = nnc.Sequential([nnc.Dense(1, 1)])
    opt = nnc.Momentum(0.1)
    m.fit(X, y, loss="mse", optimizer=opt, epochs=1)
    opt.state["layers.0.weight"]["velocity"] = m.layers[0].weight
    before = m.get_flat_params()
    with pytest.raises(ValueError, match="shares memory"):
        m.fit(X, y, loss="mse", optimizer=opt, epochs=3)
    assert np.array_equal(m.get_flat_params(), before)
