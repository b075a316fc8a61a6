"""nnc._core.sweep_run -- the private entry under nnc.sweep, reachable by
anyone who imports nnc._core -- called with every wrong thing, one argument
at a time: no crash, only Python exceptions (or a run that still completes
when the junk happens to be a valid value)."""
import numpy as np
import pytest

import nnc
from nnc import _core

from .cases import covers
from .test_core_fuzz import EXC, JUNK

covers(_core.sweep_run)


def _recorded_calls():
    """The argument tuples that nnc.sweep passes to _core.sweep_run for a
    few representative sweeps (interleaved lanes, per-replica engine runs,
    shuffled data with seeds, Adam state, per-step records)."""
    calls = []
    real = _core.sweep_run

    def spy(*args):
        calls.append(args)
        return real(*args)

    X = np.linspace(-1, 1, 12).reshape(6, 2)
    y = X @ np.array([[0.5], [-1.0]])
    cases = [
        (nnc.Sequential([nnc.Dense(2, 1)], seed=0),
         dict(optimizer=nnc.SGD(lr=np.array([0.01, 0.1, 0.5])), epochs=3)),
        (nnc.Sequential([nnc.Dense(2, 3), nnc.Tanh(), nnc.Dense(3, 1)], seed=0),
         dict(optimizer=nnc.Adam(lr=np.array([0.01, 0.02])), epochs=2, batch_size=2,
              shuffle=True, shuffle_seeds=np.array([1, 2]), record="step")),
        (nnc.Sequential([nnc.Dense(2, 1)], seed=0),
         dict(optimizer=nnc.Momentum(lr=0.1, mu=np.array([0.0, 0.9])), epochs=2,
              seeds=np.array([3, 4]))),
    ]
    _core.sweep_run = spy
    try:
        for model, kw in cases:
            nnc.sweep(model, X, y, loss="mse", threads=1, **kw)
    finally:
        _core.sweep_run = real
    assert len(calls) == len(cases)
    return calls


def _fresh(args):
    # Output buffers are written by a call: every trial gets its own copies.
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def test_recorded_calls_replay():
    for args in _recorded_calls():
        _core.sweep_run(*_fresh(args))


@pytest.mark.parametrize("which", range(3))
def test_junk_in_every_argument_raises_or_runs(which):
    args = _recorded_calls()[which]
    for pos in range(len(args)):
        for junk in JUNK:
            trial = list(_fresh(args))
            trial[pos] = junk.copy() if isinstance(junk, np.ndarray) else junk
            try:
                _core.sweep_run(*trial)
            except EXC:
                pass
    with pytest.raises(TypeError):
        _core.sweep_run(*args[:-1])
