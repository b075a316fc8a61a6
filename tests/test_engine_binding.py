"""The _core engine bindings: bad descriptions, in-place buffer rules,
reference counts and memory."""
import gc
import os
import sys

import numpy as np
import pytest

import nnc
from nnc import _core
from _helpers import engine_fit


def small():
    model = nnc.Sequential([nnc.Dense(2, 3), nnc.Tanh(), nnc.Dense(3, 1)], seed=0)
    X = np.random.default_rng(0).normal(size=(5, 2))
    return model, X, X[:, :1] * 2


def test_read_only_or_copied_parameters_are_refused():
    model, X, y = small()
    model.layers[0].weight.flags.writeable = False
    with pytest.raises(ValueError, match="params\\[0\\].data.*read-only"):
        model.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1)
    model.layers[0].weight.flags.writeable = True
    # a parameter array swapped for a non-contiguous view would be silently copied
    model.layers[0].params["weight"] = np.zeros((3, 2)).T
    with pytest.raises(ValueError, match="C-contiguous"):
        model.predict(X)


def test_inconsistent_descriptions_are_refused():
    model, X, y = small()
    layers, params = model._describe()
    bad = list(layers)
    bad[2] = (0, 3, 2, 0, 0.0, 2, 3)  # Dense(3 -> 2) with a 3x1 weight
    with pytest.raises(ValueError, match="network description"):
        _core.engine_eval("float64", tuple(bad), params, X, None, None, 0.0, 0.0, False, True, 1)
    with pytest.raises(TypeError):
        _core.engine_eval("float64", ((0, 1),), params, X, None, None, 0.0, 0.0, False, True, 1)
    with pytest.raises(TypeError, match="float32"):
        _core.engine_eval("float32", layers, params, X, None, None, 0.0, 0.0, False, True, 1)
    with pytest.raises(ValueError, match="no layers"):
        _core.engine_eval("float64", (), params, X, None, None, 0.0, 0.0, False, True, 1)
    with pytest.raises(ValueError, match="X has shape"):
        _core.engine_eval("float64", layers, params, X[:, :1], None, None, 0.0, 0.0, False,
                          True, 1)


def test_fit_binding_checks_records():
    model, X, y = small()
    layers, params = model._describe()
    opt = (0, (0.1,), np.zeros(1, np.int64))
    counters = np.zeros(3, dtype=np.int64)
    with pytest.raises(ValueError, match="epoch_loss has 2 values, expected 3"):
        engine_fit("float64", layers, params, X, y, (0, 0, False, 1.0), 0.0, 0.0, opt, 3,
                         0, None, None, 0.0, np.zeros(2), None, None, None, 0, False, 1,
                         counters)
    with pytest.raises(ValueError, match="order\\[1\\] = 9"):
        engine_fit("float64", layers, params, X, y, (0, 0, False, 1.0), 0.0, 0.0, opt, 1,
                         1, np.array([0, 9]), None, 0.0, np.zeros(1), None, None, None, 0,
                         False, 1, counters)
    with pytest.raises(ValueError, match="unknown optimizer"):
        engine_fit("float64", layers, params, X, y, (0, 0, False, 1.0), 0.0, 0.0,
                         (99,) + opt[1:], 1, 0, None, None, 0.0, np.zeros(1), None, None, None,
                         0, False, 1, counters)
    # Momentum without its velocity buffers: the message names the field
    with pytest.raises(ValueError, match=r"params\[0\]\.state0 is None, but momentum keeps"):
        engine_fit("float64", layers, params, X, y, (0, 0, False, 1.0), 0.0, 0.0,
                         (1, (0.1, 0.9), opt[2]), 1, 0, None, None, 0.0, np.zeros(1), None, None, None, 0,
                         False, 1, counters)


def test_reference_counts_are_balanced():
    model, X, y = small()
    arrays = [a for _, a in model.named_parameters()] + [g for _, g in model.named_grads()]
    opt = nnc.Adam(0.01)
    model.fit(X, y, loss="mse", optimizer=opt, epochs=2)
    states = [s for st in opt.state.values() for s in st.values()]
    before = [sys.getrefcount(a) for a in arrays + states + [X, y]]
    for _ in range(50):
        model.fit(X, y, loss="mse", optimizer=opt, epochs=2, record="params", callback=lambda e,
                  h: None)
        model.predict(X)
        model.evaluate(X, y, "mse")
        with pytest.raises(ValueError):
            model.fit(X, y[:2], loss="mse", optimizer=opt, epochs=1)
        nnc.loss_surface(model, X, y, "mse", (("layers.0.weight", (0, 0)), "layers.2.bias"),
                         ([0.0, 1.0], [2.0]))
    gc.collect()
    after = [sys.getrefcount(a) for a in arrays + states + [X, y]]
    assert after == before


@pytest.mark.skipif(bool(os.environ.get("NNC_UNDER_SANITIZER")),
                    reason="ASan's quarantine grows RSS by design (LeakSanitizer checks that build)")
def test_no_memory_growth():
    psutil = pytest.importorskip("psutil")
    model, X, y = small()
    proc = psutil.Process()

    def work():
        for _ in range(300):
            model.fit(X, y, loss="mse", optimizer=nnc.Momentum(0.01), epochs=3, batch_size=2,
                      shuffle=True, record="params")
            model.predict(X)
            try:
                small()[0].fit(X, y, loss="mse", optimizer=nnc.SGD(1e300), epochs=3)
            except nnc.DivergenceError:
                pass

    work()
    gc.collect()
    start = proc.memory_info().rss
    work()
    work()
    gc.collect()
    assert proc.memory_info().rss - start < 4 * 2 ** 20


def test_engine_names_match_functional():
    assert tuple(_core._engine_activations) == tuple(nnc.functional.ACTIVATIONS)
    assert tuple(_core._engine_losses) == tuple(nnc.functional.LOSSES)
    assert "hotcold" in _core._engine_optimizers
