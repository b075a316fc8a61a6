"""nnc.sweep and its Sweep result given wrong arguments: a TypeError or
ValueError (IndexError for a replica index) naming the argument, never a
crash, and the model and the caller's arrays left unchanged."""
import importlib

import numpy as np
import pytest

import nnc

from .cases import covers

_mod = importlib.import_module("nnc.sweep")  # the module; nnc.sweep is the function
Sweep = _mod.Sweep
covers(_mod.sweep, Sweep, Sweep.best, Sweep.final_loss, Sweep.status, Sweep.reason, Sweep.model,
       Sweep.param_names, Sweep.fail_loss, Sweep.diverged, Sweep.epochs_done, Sweep.steps_done,
       Sweep.forward_passes, Sweep.fail_epoch, Sweep.fail_step,
       Sweep.to_records)

X = np.linspace(-1, 1, 8).reshape(4, 2)
Y = X @ np.array([[1.0], [-0.5]])
LRS = np.array([0.01, 0.1])


def _model():
    return nnc.Sequential([nnc.Dense(2, 1)], seed=0)


def _good(**kw):
    args = dict(loss="mse", optimizer=nnc.SGD(lr=LRS), epochs=3)
    args.update(kw)
    return args


BAD = [
    ("model", dict(model="not a model"), TypeError),
    ("loss", dict(loss="no such loss"), ValueError),
    ("optimizer", dict(optimizer="no such optimizer"), (TypeError, ValueError)),
    ("epochs", dict(epochs=-1), ValueError),
    ("epochs", dict(epochs=1.5), TypeError),
    ("batch_size", dict(batch_size=0), ValueError),
    ("l1", dict(l1=-1.0), ValueError),
    ("l2", dict(l2=np.array([0.1, -0.1])), ValueError),
    ("seeds", dict(seeds=np.array([1, 2, 3])), ValueError),
    ("record", dict(record="everything"), ValueError),
    ("threads", dict(threads=0), ValueError),
    ("order", dict(order=np.array([0, 9])), ValueError),
    ("X", dict(X=np.ones((4, 3))), ValueError),
    ("y", dict(y=np.ones((5, 1))), ValueError),
]


@pytest.mark.parametrize("what,kw,exc", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_argument_is_refused(what, kw, exc):
    model = kw.pop("model", None) or _model()
    Xa, Ya = kw.pop("X", X.copy()), kw.pop("y", Y.copy())
    X0, Y0, w0 = Xa.copy(), Ya.copy(), (model.get_flat_params()
                                        if isinstance(model, nnc.Sequential) else None)
    with pytest.raises(exc):
        nnc.sweep(model, Xa, Ya, **_good(**kw))
    assert np.array_equal(Xa, X0) and np.array_equal(Ya, Y0)
    if w0 is not None:
        assert np.array_equal(model.get_flat_params(), w0)


def test_sweep_result_methods_check_their_arguments():
    s = nnc.sweep(_model(), X, Y, **_good())
    assert s.final_loss.shape == (2,) and list(s.param_names) == _model().param_names()
    assert s.fail_loss.shape == (2,) and np.isnan(s.fail_loss).all()  # none diverged
    # the per-replica tables, made when asked for (no arguments to get wrong)
    assert s.diverged.dtype == bool and not s.diverged.any()
    for name in ("epochs_done", "steps_done", "forward_passes", "fail_epoch", "fail_step"):
        v = getattr(s, name)
        assert v.dtype == np.int64 and v.shape == (2,), name
    assert (s.fail_step == -1).all() and (s.fail_epoch == -1).all()
    assert s.to_records().shape == (2,)
    assert isinstance(s.best(), nnc.Sequential)
    assert np.array_equal(s.model(-1).get_flat_params(), s.params[1])
    for junk, exc in [(2, IndexError), (-3, IndexError), (1.5, TypeError), ("0", TypeError),
                      (True, TypeError), (None, TypeError)]:
        with pytest.raises(exc):
            s.model(junk)


def test_best_of_an_all_diverged_sweep_says_so():
    s = nnc.sweep(_model(), X, 100 * Y, loss="mse", optimizer=nnc.SGD(lr=np.array([50.0, 80.0])),
                  epochs=20)
    assert s.diverged.all()
    with pytest.raises(ValueError, match="no replica"):
        s.best()
