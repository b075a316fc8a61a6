"""Play with the chapters: interactive explorers and live training plots.

Every explorer is a function returning a widget to display in Jupyter (or
Voila).  Move a control and the whole training run is recomputed on nnc's
engine and redrawn in place -- no precomputed tables::

    import nnc.interact as ni
    ni.alpha_explorer()          # Trask: alpha, input, start weight, goal, steps

=========================  ==================================================
``alpha_explorer``         Trask's gradient descent; the convergence band of alpha
``hot_cold_explorer``      Trask's hot/cold learning against gradient descent
``line_fit_explorer``      Bergel's line fit: learning rate, batches, shuffle, points
``neuron_explorer``        the sigmoid neuron's path on its loss surface (padhAI)
``optimizer_race``         SGD, momentum, Nesterov and Adam on one surface (Vasilev)
``activation_explorer``    an activation, its derivative, and repeated application
``init_explorer``          initialisers: activation and gradient spread through a stack
``restart_explorer``       random restarts on a function with several valleys (Serrano)
``LivePlot``               ``fit(..., callback=LivePlot())``: the loss while it trains
``offline_jshtml``         a matplotlib JS animation made to work without internet
=========================  ==================================================

Each explorer has ``.controls`` (name -> ipywidgets control; set ``.value``
to drive it from code), ``.update()`` and ``.result`` (the latest nnc result
object, or None when the controls form an invalid combination -- the widget
then says why instead of raising).  Displayed, it also carries a PNG of its
current figure, so a stored notebook shows a picture to readers without a
kernel.

Needs the optional extra ``interact`` (ipywidgets and matplotlib)::

    pip install "nnc[interact]"

``import nnc.interact`` always works; the explorers and ``LivePlot`` raise an
``ImportError`` naming the extra when a package is missing.
"""
import importlib

from ._offline import offline_jshtml

_INSTALL_HINT = ('nnc.interact needs ipywidgets and matplotlib; install them with: '
                 'pip install "nnc[interact]"')

# public name -> submodule that defines it (imported on first use, so that
# the ImportError for a missing extra names the extra)
_LAZY = {
    "alpha_explorer": "trask", "hot_cold_explorer": "trask",
    "line_fit_explorer": "bergel", "neuron_explorer": "neuron",
    "optimizer_race": "vasilev", "activation_explorer": "vasilev",
    "init_explorer": "vasilev", "restart_explorer": "serrano",
    "LivePlot": "live", "Explorer": "_base",
}

def _extra_installed():
    from importlib.util import find_spec
    return all(find_spec(m) is not None for m in ("ipywidgets", "matplotlib"))


# Without the extra the lazy names are left out of __all__, so that walking
# the public API (star imports, documentation tools) does not fail.
__all__ = (sorted(_LAZY) if _extra_installed() else []) + ["offline_jshtml"]


def _require():
    try:
        import ipywidgets  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT + f" ({exc})") from exc


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nnc.interact' has no attribute {name!r}")
    _require()
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
