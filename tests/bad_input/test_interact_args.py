"""nnc.interact called with one argument at a time replaced by junk.

Every explorer function, LivePlot and offline_jshtml must either work or
raise TypeError/ValueError naming the argument -- never a widget library's
own TraitError, an AttributeError or an IndexError.  (What the explorers do
with values their controls take is tested in tests/test_interact.py.)
"""
import inspect
import math

import numpy as np
import pytest

import nnc

from .cases import covers

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import nnc.interact as ni  # noqa: E402
from nnc.interact import _base  # noqa: E402

CLEAR = (TypeError, ValueError)
JUNK = [None, "junk", math.nan, math.inf, -1, True, 1j, [], np.zeros((2, 2))]
JUNK_IDS = ["None", "str", "nan", "inf", "-1", "True", "complex", "empty-list", "2d-array"]

EXPLORERS = ["alpha_explorer", "hot_cold_explorer", "line_fit_explorer", "neuron_explorer",
             "optimizer_race", "activation_explorer", "init_explorer", "restart_explorer"]
# Valid arguments that keep a junk-free call quick.
QUICK = {"restart_explorer": dict(restarts=2, steps=50),
         "init_explorer": dict(width=16, batch=16, depth=3)}

covers(*(getattr(ni, n) for n in EXPLORERS), ni.LivePlot, ni.LivePlot.finish,
       ni.LivePlot.png, ni.LivePlot.widget, ni.offline_jshtml, _base.Explorer,
       _base.Explorer.update, _base.Explorer.values)


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_arguments_with_junk(name):
    fn = getattr(ni, name)
    base = dict(QUICK.get(name, {}), continuous=False)
    for param in inspect.signature(fn).parameters:
        for junk, jid in zip(JUNK, JUNK_IDS):
            try:
                e = fn(**{**base, param: junk})
            except CLEAR as exc:
                assert name in str(exc) or param == "continuous", (param, jid, str(exc))
                continue
            except Exception as exc:  # pragma: no cover - the failure being tested
                pytest.fail(f"{name}({param}={jid}) raised {type(exc).__name__}: {exc}")
            assert e.result is not None or e.message, (param, jid)


def test_explorer_methods():
    e = ni.alpha_explorer(continuous=False)
    assert set(e.values()) == set(e.controls)
    assert e.update() is e.result


def test_liveplot_arguments_with_junk():
    X, y = nnc.datasets.xor()
    model = nnc.Sequential([nnc.Dense(2, 2), nnc.Dense(2, 1)])
    valid = dict(model=model, X=X, y=y, display=False)
    for param in inspect.signature(ni.LivePlot).parameters:
        for junk, jid in zip(JUNK, JUNK_IDS):
            if param in ("model", "X", "y", "epochs") and junk is None:
                continue  # None means "no model" / "growing axis": valid
            kw = {**valid, param: junk}
            try:
                ni.LivePlot(**kw)
            except CLEAR:
                continue
            except Exception as exc:  # pragma: no cover
                pytest.fail(f"LivePlot({param}={jid}) raised {type(exc).__name__}: {exc}")
    live = ni.LivePlot(display=False)
    for junk in JUNK:
        with pytest.raises(TypeError):
            live.finish(junk)
    assert live.png.startswith(b"\x89PNG") and live.widget is live._canvas.image


def test_offline_jshtml_with_junk():
    for junk in JUNK:
        if isinstance(junk, str):
            assert ni.offline_jshtml(junk) == junk  # any HTML string is fine
            continue
        with pytest.raises(TypeError):
            ni.offline_jshtml(junk)
