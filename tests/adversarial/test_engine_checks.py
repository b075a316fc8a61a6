"""Finding 7 and the engine half of finding 10: what the binding hands the
engine is checked, with messages that name the field (the C engine's own
checks are in csrc/tests/test_engine_impl.h, test_engine_guards)."""
import numpy as np
import pytest

import nnc
from nnc import _core

from ._child import run


def test_all_zero_generator_state_is_refused_not_spun_on():
    # Finding 7: an all-zero state in the hand-off array made a shuffled fit
    # loop forever with the GIL released (only SIGKILL ended it).
    run("""
    X = np.linspace(-1, 1, 40).reshape(-1, 1); y = 2 * X
    m = nnc.Sequential([nnc.Dense(1, 1)])
    m.generator._state_array[:] = 0
    before = m.get_flat_params()
    try:
        m.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=2, batch_size=4, shuffle=True)
    except ValueError as exc:
        assert "rng_state" in str(exc) and "zero" in str(exc), exc
    else:
        raise AssertionError("all-zero state accepted")
    assert np.array_equal(m.get_flat_params(), before)
    # straight into the binding
    opt = nnc.SGD(0.1)
    layers, params = m._describe(opt)
    try:
        _core.engine_fit(dtype="float64", layers=layers, params=params, x=X, y=y,
                         loss=nnc.losses.get("mse")._params(), l1=0.0, l2=0.0,
                         opt=opt._engine_tuple(), epochs=2, batch_size=4, order=None,
                         rng_state=np.zeros(4, np.uint64), divergence=0.0,
                         epoch_loss=np.zeros(2), step_loss=None, param_record=None,
                         monitor=None, callback_every=0, ticks=False, threads=1,
                         counters=np.zeros(3, np.int64))
    except ValueError as exc:
        assert "rng_state" in str(exc), exc
    else:
        raise AssertionError("all-zero state accepted by engine_fit")
    """, timeout=60)


def _surface_args(threads):
    m = nnc.Sequential([nnc.Dense(2, 1)])
    layers, params = m._describe()
    X = np.ones((4, 2))
    y = np.ones((4, 1))
    return ("float64", layers, params, X, y, nnc.losses.get("mse")._params(), 0.0, 0.0,
            0, 0, 1, 0, np.zeros(2), np.zeros(2), threads)


def test_threads_zero_is_reported_as_threads():
    # Finding 10: threads=0 was reported as "parameter indices out of range".
    with pytest.raises(ValueError, match=r"threads must be >= 1, got 0"):
        _core.engine_loss_surface(*_surface_args(0))
    m = nnc.Sequential([nnc.Dense(2, 1)])
    layers, params = m._describe()
    with pytest.raises(ValueError, match=r"threads must be >= 1, got 0"):
        _core.engine_eval("float64", layers, params, np.ones((3, 2)), None, None, 0.0, 0.0,
                          False, True, 0)
    assert _core.engine_loss_surface(*_surface_args(1)).shape == (2, 2)
