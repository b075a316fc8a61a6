"""Figures and animations of learning, drawn with matplotlib.

matplotlib is an optional extra: ``pip install "nnc[plot]"``.  It is imported
only when a function here is called, so ``import nnc.plot`` always works.

Every function takes plain NumPy arrays (or objects holding them, such as a
``History`` with a ``.loss`` array), draws into ``ax`` when one is given and
otherwise into a new figure of about 6 x 4 inches, and returns the
``matplotlib.figure.Figure`` (the animation function returns the
``FuncAnimation``).  Nothing here calls ``plt.show()``: in Jupyter the figure
appears by itself; in a script call ``plt.show()`` or ``fig.savefig(path)``.

What is here:

=========================  ==================================================
``loss_curves``            loss per step or epoch, one or several runs
``points_with_lines``      data points with one or several fitted lines
``descent_1d``             a one-weight loss curve with the weights visited
``loss_contour``           loss over two parameters, with a descent path
``loss_surface_3d``        the same as a 3-D surface
``descent_animation``      the descent path growing step by step on the contour
``descent_snapshots``      the same as a row of stills (for print, code hosts)
``animation_html``         an animation as HTML for a notebook
``optimizer_paths``        several optimizers' paths on one contour
``activation_functions``   activations and their derivatives, side by side
``decision_boundary``      a classifier's regions over the plane, with the points
``boxcar_approximation``   a target against sums of sigmoid pairs
``learning_rate_map``      final loss over a sweep of learning rates
``divergence_map``         final loss over (learning rate, input), 2-D
``save_figure``            save a figure as PNG and close it
=========================  ==================================================

Grid convention for the surface functions: ``x`` (length nx) and ``y``
(length ny) are the two parameters' grid values and ``loss[i, j]`` is the loss
at ``(x[j], y[i])`` -- shape ``(ny, nx)``, as ``np.meshgrid`` and matplotlib
use.  Pass ``indexing="ij"`` for a ``loss`` of shape ``(nx, ny)`` instead.

A descent path is either a tuple ``(p1, p2)`` or ``(p1, p2, loss)`` of equal
length 1-D arrays (one entry per step), or a 2-D array with one row per step
and 2 or 3 columns in that order.
"""
from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Sequence, Tuple, Union, cast

import numpy as np

from ._typing import ArrayLike

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: A descent path: ``(p1, p2)`` or ``(p1, p2, loss)``, or an array of 2 or 3 columns.
Path = Union[ArrayLike, Tuple[ArrayLike, ...]]

__all__ = [
    "loss_curves",
    "points_with_lines",
    "descent_1d",
    "loss_contour",
    "loss_surface_3d",
    "descent_animation",
    "descent_snapshots",
    "animation_html",
    "optimizer_paths",
    "activation_functions",
    "decision_boundary",
    "boxcar_approximation",
    "learning_rate_map",
    "divergence_map",
    "save_figure",
]

FIGSIZE = (6.0, 4.0)
_INSTALL_HINT = 'nnc.plot needs matplotlib; install it with: pip install "nnc[plot]"'


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def _plt() -> Any:
    """Import pyplot lazily, with an install hint when matplotlib is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError(_INSTALL_HINT) from exc
    return plt


def _check_axes(ax: Any, name: str = "ax") -> Any:
    """Refuse anything that is not a matplotlib Axes, naming the argument."""
    _plt()
    from matplotlib.axes import Axes
    if not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _new_axes(ax: Any, figsize: Tuple[float, float] = FIGSIZE,
              projection: Optional[str] = None) -> Tuple[Any, Axes]:
    """Return (fig, ax): the given axes and its figure, or a fresh pair."""
    if ax is not None:
        _check_axes(ax)
        return ax.figure, ax
    plt = _plt()
    fig = plt.figure(figsize=figsize)
    ax = fig.add_subplot(1, 1, 1, projection=projection)
    return fig, ax


def _new_axes_3d(ax: Any, figsize: Tuple[float, float]) -> Tuple[Any, Any]:
    """_new_axes with a 3-D projection: an mpl_toolkits Axes3D (Any here:
    the Axes type does not know the 3-D methods)."""
    return _new_axes(ax, figsize=figsize, projection="3d")


def _two_numbers(value, name, positive=False):
    """A pair of finite numbers (lo, hi) or (width, height) as a tuple of floats."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair of numbers, got {value!r}") from None
    if arr.shape != (2,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a pair of finite numbers, got {value!r}")
    if positive and not np.all(arr > 0):
        raise ValueError(f"{name} must be a pair of positive numbers, got {value!r}")
    return float(arr[0]), float(arr[1])


def _as_1d(values, name):
    """Float 1-D array from an array-like or an object with a ``.loss`` array."""
    if hasattr(values, "loss") and not isinstance(values, np.ndarray):
        values = values.loss
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def _series(values, labels, name):
    """Normalise one run or several runs into a list of (label, array).

    Accepts a 1-D array-like, a History-like object (``.loss``), a sequence of
    those, or a dict {label: run}.
    """
    if isinstance(values, dict):
        items = [(str(k), _as_1d(v, f"{name}[{k!r}]")) for k, v in values.items()]
        if labels is not None:
            raise ValueError(f"labels is not used when {name} is a dict (its keys are the labels)")
        return items
    if hasattr(values, "loss") and not isinstance(values, np.ndarray):
        single = True
    elif isinstance(values, np.ndarray):
        single = values.ndim <= 1
    else:
        single = all(np.ndim(v) == 0 and not hasattr(v, "loss") for v in values)
    runs = [values] if single else list(values)
    if labels is None:
        labels = [None] * len(runs)
    elif isinstance(labels, str):
        labels = [labels]
    labels = list(labels)
    if len(labels) != len(runs):
        raise ValueError(f"{len(runs)} runs in {name} but {len(labels)} labels")
    return [(lab, _as_1d(run, f"{name}[{i}]")) for i, (lab, run) in enumerate(zip(labels, runs))]


def _grid(x, y, loss, indexing):
    """Validate a loss grid; return (x, y, loss) with loss of shape (ny, nx)."""
    x = _as_1d(x, "x")
    y = _as_1d(y, "y")
    loss = np.asarray(loss, dtype=np.float64)
    if indexing not in ("xy", "ij"):
        raise ValueError(f"indexing must be 'xy' or 'ij', got {indexing!r}")
    if indexing == "ij":
        loss = loss.T
    if loss.shape != (y.size, x.size):
        want = (y.size, x.size) if indexing == "xy" else (x.size, y.size)
        raise ValueError(
            f"loss has shape {np.asarray(loss).T.shape if indexing == 'ij' else loss.shape} "
            f"but x has {x.size} values and y has {y.size}: expected loss of shape {want} "
            f"with indexing={indexing!r} (loss[i, j] at (x[j], y[i]) for 'xy')")
    return x, y, loss


def _path(path, name="path"):
    """Split a descent path into (p1, p2, loss-or-None) float arrays."""
    if isinstance(path, np.ndarray) and path.ndim == 2:
        if path.shape[1] not in (2, 3):
            raise ValueError(
                f"{name} as a 2-D array must have one row per step and 2 or 3 columns, "
                f"got shape {path.shape}")
        cols = [path[:, k] for k in range(path.shape[1])]
    else:
        cols = list(path)
        if len(cols) not in (2, 3):
            raise ValueError(
                f"{name} must be (p1, p2) or (p1, p2, loss) arrays, got {len(cols)} items")
    cols = [_as_1d(c, f"{name}[{k}]") for k, c in enumerate(cols)]
    n = cols[0].size
    if any(c.size != n for c in cols):
        raise ValueError(f"{name}: arrays have different lengths {[c.size for c in cols]}")
    if n == 0:
        raise ValueError(f"{name} is empty")
    return cols[0], cols[1], (cols[2] if len(cols) == 3 else None)


def _interp_grid(x, y, loss, px, py):
    """Bilinear interpolation of the grid loss at points (px, py).

    Points outside the grid take the value at the nearest edge.
    """
    def locate(grid, p):
        if grid.size == 1:
            return np.zeros(p.shape, dtype=np.intp), np.zeros(p.shape)
        order = 1 if grid[-1] >= grid[0] else -1
        g = grid[::order]
        p = np.clip(p, g[0], g[-1])
        i = np.clip(np.searchsorted(g, p) - 1, 0, g.size - 2)
        t = (p - g[i]) / (g[i + 1] - g[i])
        if order == -1:
            i = grid.size - 2 - i
            t = 1.0 - t
        return i, t

    if x.size == 1 or y.size == 1:
        ix, _ = locate(x, px)
        iy, _ = locate(y, py)
        return loss[iy, ix]
    i, tx = locate(x, px)
    j, ty = locate(y, py)
    return ((1 - tx) * (1 - ty) * loss[j, i] + tx * (1 - ty) * loss[j, i + 1]
            + (1 - tx) * ty * loss[j + 1, i] + tx * ty * loss[j + 1, i + 1])


def _levels(loss: Any, levels: Any, log: bool) -> Any:
    """Contour levels: the given ones, or ``levels`` of them, geometric when ``log``."""
    if not np.isscalar(levels):
        return np.asarray(levels, dtype=np.float64)
    count = int(cast(Any, levels))
    finite = loss[np.isfinite(loss)]
    if finite.size == 0:
        raise ValueError("loss has no finite values to draw")
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        hi = lo + 1.0
    if log:
        pos = finite[finite > 0]
        lo = float(pos.min()) if pos.size else 1e-12
        hi = max(hi, 10.0 * lo)
        return np.geomspace(lo, hi, count)
    return np.linspace(lo, hi, count)


def _draw_path(ax: Any, px: Any, py: Any, *, color: str = "tab:red",
               label: Optional[str] = "descent path", markers: bool = True) -> None:
    """A path as a line with small dots, a circle at the start and a star at the end."""
    n = px.size
    step = max(1, n // 60)  # at most ~60 dots; the line itself keeps every step
    ax.plot(px, py, "-", color=color, lw=1.5, label=label, zorder=4)
    if markers:
        ax.plot(px[::step], py[::step], ".", color=color, ms=4, zorder=4)
    ax.plot(px[:1], py[:1], "o", color=color, mec="white", ms=8, zorder=5)
    ax.plot(px[-1:], py[-1:], "*", color=color, mec="white", ms=13, zorder=5)


# --------------------------------------------------------------------------
# curves and lines
# --------------------------------------------------------------------------

def loss_curves(losses: Any, *, labels: Optional[Sequence[str]] = None, log: bool = False,
                ax: Optional[Axes] = None, x: Optional[ArrayLike] = None,
                title: str = "Loss during training", xlabel: str = "step",
                ylabel: str = "loss") -> Figure:
    """Plot one or several loss curves.

    Parameters
    ----------
    losses : array-like, History, sequence of those, or dict {label: run}
        One value per step (or epoch).  A ``History`` contributes its ``.loss``.
    labels : str or sequence of str, optional
        Legend labels, one per run (not with a dict).
    log : bool
        Logarithmic loss axis -- the right view when the loss falls by orders of
        magnitude (zero and negative values are then left out).
    x : array-like, optional
        Common x values (e.g. epoch numbers); default 0, 1, 2, ...

    Returns the Figure.  Each run is one ``Line2D`` in ``ax.lines``, whose y
    data is the run.
    """
    runs = _series(losses, labels, "losses")
    fig, ax = _new_axes(ax)
    for label, run in runs:
        xs = np.arange(run.size) if x is None else _as_1d(x, "x")
        if xs.size != run.size:
            raise ValueError(f"x has {xs.size} values but run {label!r} has {run.size}")
        ax.plot(xs, run, label=label, lw=1.6,
                marker="o" if run.size <= 30 else None, ms=4)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (" (log scale)" if log else ""))
    ax.set_title(title)
    ax.grid(True, alpha=0.3, which="both" if log else "major")
    if any(label is not None for label, _ in runs):
        ax.legend()
    return fig


def points_with_lines(x: ArrayLike, y: ArrayLike, lines: Any = None, *,
                      labels: Optional[Sequence[str]] = None, ax: Optional[Axes] = None,
                      xlim: Optional[Tuple[float, float]] = None,
                      title: str = "Data and fitted line", xlabel: str = "x", ylabel: str = "y",
                      point_label: str = "data") -> Figure:
    """Scatter the points (x, y) and draw straight lines over them.

    Parameters
    ----------
    x, y : array-like, same length
    lines : (slope, intercept), callable, a sequence of those, or a dict
        {label: line}.  A callable maps an array of x to the line's y values.
    labels : str or sequence of str, optional (not with a dict)
    xlim : (lo, hi), optional
        x range over which lines are drawn; default: the data's range with 5% margins.

    Returns the Figure.  ``ax.collections[0]`` holds the points; each line is one
    ``Line2D`` in ``ax.lines``.
    """
    x = _as_1d(x, "x")
    y = _as_1d(y, "y")
    if x.size != y.size:
        raise ValueError(f"x has {x.size} values but y has {y.size}")
    fig, ax = _new_axes(ax)
    ax.scatter(x, y, s=36, color="tab:blue", zorder=3, label=point_label)
    if xlim is None:
        lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 1.0)
        pad = 0.05 * (hi - lo if hi > lo else 1.0)
        xlim = (lo - pad, hi + pad)
    xlim = _two_numbers(xlim, "xlim")
    xs = np.linspace(xlim[0], xlim[1], 200)

    if lines is None:
        items = []
    elif isinstance(lines, dict):
        if labels is not None:
            raise ValueError("labels is not used when lines is a dict (its keys are the labels)")
        items = list(lines.items())
    else:
        single = callable(lines) or (len(lines) == 2 and np.isscalar(lines[0]))
        seq = [lines] if single else list(cast(Any, lines))
        if labels is None:
            labs = [None] * len(seq)
        else:
            labs = [labels] if isinstance(labels, str) else list(labels)
        if len(labs) != len(seq):
            raise ValueError(f"{len(seq)} lines but {len(labs)} labels")
        items = list(zip(labs, seq))

    for i, (label, line) in enumerate(items):
        if callable(line):
            ys = np.asarray(line(xs), dtype=np.float64)
            default = "fitted line"
        else:
            slope, intercept = (float(v) for v in line)
            ys = slope * xs + intercept
            default = f"y = {slope:.4g} x {'+' if intercept >= 0 else '-'} {abs(intercept):.4g}"
        ax.plot(xs, ys, lw=2, color=f"C{(i + 1) % 10}",
                label=default if label is None else label)
    ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def descent_1d(w: ArrayLike, loss: ArrayLike, path_w: ArrayLike,
               path_loss: Optional[ArrayLike] = None, *, ax: Optional[Axes] = None,
               title: str = "Descent on the error curve", xlabel: str = "weight",
               ylabel: str = "error", arrows: bool = True, max_arrows: int = 12,
               log: bool = False) -> Figure:
    """A one-weight error curve with the weights the learning visited.

    Parameters
    ----------
    w, loss : array-like, same length
        The curve: the error at each weight on a grid.
    path_w : array-like
        The weight at each step.
    path_loss : array-like, optional
        The error at each step; default: interpolated from the curve.
    arrows : bool
        Draw arrows between the first ``max_arrows`` consecutive steps, to show
        direction and overshoot.

    Returns the Figure.  ``ax.lines[0]`` is the curve, ``ax.lines[1]`` the steps.
    """
    w = _as_1d(w, "w")
    loss = _as_1d(loss, "loss")
    if w.size != loss.size:
        raise ValueError(f"w has {w.size} values but loss has {loss.size}")
    pw = _as_1d(path_w, "path_w")
    if path_loss is None:
        order = np.argsort(w)
        pl = np.interp(pw, w[order], loss[order])
    else:
        pl = _as_1d(path_loss, "path_loss")
        if pl.size != pw.size:
            raise ValueError(f"path_w has {pw.size} values but path_loss has {pl.size}")
    fig, ax = _new_axes(ax)
    ax.plot(w, loss, color="0.35", lw=1.5, label="error curve")
    ax.plot(pw, pl, "o", color="tab:red", ms=5, zorder=4, label="steps")
    ax.plot(pw[:1], pl[:1], "o", color="tab:green", ms=9, mec="white", zorder=5, label="start")
    if arrows:
        for k in range(min(pw.size - 1, max_arrows)):
            ax.annotate("", xy=(pw[k + 1], pl[k + 1]), xytext=(pw[k], pl[k]),
                        arrowprops=dict(arrowstyle="->", color="tab:red", lw=1, alpha=0.7))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


# --------------------------------------------------------------------------
# loss surfaces
# --------------------------------------------------------------------------

def loss_contour(x: ArrayLike, y: ArrayLike, loss: ArrayLike, *, path: Optional[Path] = None,
                 levels: Union[int, ArrayLike] = 20, log: bool = False, filled: bool = True,
                 ax: Optional[Axes] = None, indexing: str = "xy", colorbar: bool = True,
                 cmap: str = "viridis", title: str = "Loss surface", xlabel: str = "w",
                 ylabel: str = "b", path_label: str = "descent path") -> Figure:
    """Contour map of a loss over two parameters, optionally with a descent path.

    Parameters
    ----------
    x, y : array-like
        Grid values of the first (horizontal) and second (vertical) parameter.
    loss : array-like, shape (len(y), len(x))  (``indexing="ij"``: (len(x), len(y)))
    path : descent path, optional (see the module docstring)
    levels : int or array-like
        Number of contour levels, or the levels themselves.
    log : bool
        Geometrically spaced levels, for losses spanning orders of magnitude.
    filled : bool
        Colour-filled bands under the contour lines.

    Returns the Figure.  The line contour set is ``fig.nnc_contour`` (its
    ``.levels`` are the levels used); the path is ``ax.lines[0]``.
    """
    x, y, loss = _grid(x, y, loss, indexing)
    lv = _levels(loss, levels, log)
    if log:  # zeros (an exact minimum) are drawn at the lowest level, not masked
        loss = np.maximum(loss, lv[0])
    fig, ax = _new_axes(ax)
    norm = None
    if log:
        from matplotlib.colors import LogNorm
        norm = LogNorm(vmin=lv[0], vmax=lv[-1])
    if filled:
        # levels taken from the data span it; given levels may leave values outside
        extend = "neither" if np.isscalar(levels) else "both"
        cf = ax.contourf(x, y, loss, levels=lv, cmap=cmap, norm=norm, extend=extend, alpha=0.85)
        if colorbar:
            from matplotlib.ticker import LogLocator, MaxNLocator
            cb = fig.colorbar(cf, ax=ax, format="%.3g",
                              ticks=LogLocator() if log else MaxNLocator(6))
            cb.set_label("loss")
    cs = ax.contour(x, y, loss, levels=lv, colors="k" if filled else None,
                    cmap=None if filled else cmap, norm=None if filled else norm,
                    linewidths=0.5, alpha=0.5 if filled else 1.0)
    fig.nnc_contour = cs
    if path is not None:
        px, py, _ = _path(path)
        _draw_path(ax, px, py, color="tab:red" if not filled else "white", label=path_label)
        ax.legend(loc="best", framealpha=0.8)
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(y.min(), y.max())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def loss_surface_3d(x: ArrayLike, y: ArrayLike, loss: ArrayLike, *, path: Optional[Path] = None,
                    ax: Any = None, indexing: str = "xy", cmap: str = "viridis",
                    elev: float = 30.0, azim: float = -60.0, log: bool = False,
                    title: str = "Loss surface", xlabel: str = "w", ylabel: str = "b",
                    zlabel: str = "loss", figsize: Tuple[float, float] = (7.0, 5.0)) -> Figure:
    """The loss over two parameters as a 3-D surface, optionally with a descent path.

    The path's heights are its third column when given, otherwise they are
    interpolated from the grid.  ``log=True`` plots log10 of the loss.

    Returns the Figure; the surface is ``ax.collections[0]`` and the path is
    ``ax.lines[0]``.  ``ax`` must be a 3-D axes when given.
    """
    x, y, loss = _grid(x, y, loss, indexing)
    fresh = ax is None
    fig, ax = _new_axes_3d(ax, figsize)
    if not hasattr(ax, "plot_surface"):
        raise ValueError("ax must be a 3-D axes (fig.add_subplot(projection='3d'))")
    if fresh:
        ax.set_box_aspect(None, zoom=0.95)
        fig.subplots_adjust(left=0.0, right=0.95, bottom=0.02, top=0.95)
    z = np.log10(np.maximum(loss, 1e-300)) if log else loss
    X, Y = np.meshgrid(x, y)
    ax.plot_surface(X, Y, z, cmap=cmap, alpha=0.75, linewidth=0, antialiased=True,
                    rstride=max(1, y.size // 40), cstride=max(1, x.size // 40))
    if path is not None:
        px, py, pl = _path(path)
        if pl is None:
            pl = _interp_grid(x, y, loss, px, py)
        pz = np.log10(np.maximum(pl, 1e-300)) if log else pl
        ax.plot(px, py, pz, "-", color="tab:red", lw=2, zorder=10, label="descent path")
        ax.scatter(px[:1], py[:1], pz[:1], color="tab:red", s=40, depthshade=False)
        ax.scatter(px[-1:], py[-1:], pz[-1:], color="tab:red", marker="*", s=90,
                   depthshade=False)
        ax.legend(loc="upper left")
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_zlabel(("log10 " if log else "") + zlabel)
    ax.set_title(title)
    return fig


def optimizer_paths(x: ArrayLike, y: ArrayLike, loss: ArrayLike, paths: Dict[str, Path], *,
                    levels: Union[int, ArrayLike] = 20, log: bool = False,
                    ax: Optional[Axes] = None, indexing: str = "xy",
                    title: str = "Optimizers on one loss surface", xlabel: str = "w",
                    ylabel: str = "b") -> Figure:
    """Several descent paths on one contour map, one colour per optimizer.

    ``paths`` is a dict {label: path} (see the module docstring for a path).
    Returns the Figure; ``ax.lines`` holds, per path, its line first.
    """
    if not isinstance(paths, dict) or not paths:
        raise ValueError("paths must be a non-empty dict {label: path}")
    x, y, loss = _grid(x, y, loss, indexing)
    lv = _levels(loss, levels, log)
    if log:
        loss = np.maximum(loss, lv[0])
    fig, ax = _new_axes(ax, figsize=(6.5, 4.5))
    norm = None
    if log:
        from matplotlib.colors import LogNorm
        norm = LogNorm(vmin=lv[0], vmax=lv[-1])
    cs = ax.contour(x, y, loss, levels=lv, cmap="viridis",
                    norm=norm, linewidths=0.8, alpha=0.6)
    fig.nnc_contour = cs
    for i, (label, path) in enumerate(paths.items()):
        px, py, _ = _path(path, f"paths[{label!r}]")
        _draw_path(ax, px, py, color=f"C{i % 10}",
                   label=f"{label} ({px.size - 1} steps)")
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(y.min(), y.max())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", framealpha=0.85, fontsize="small")
    return fig


def _sample_steps(x, y, px, py, count, spacing, name):
    """Up to ``count`` distinct step indices along a path, first and last included.

    ``"steps"``: evenly spaced step numbers; ``"distance"``: evenly spaced along
    the path's length, each axis measured in units of its plotted range.
    """
    count = int(count)
    if count < 1:
        raise ValueError(f"{name} must be at least 1, got {count}")
    if spacing == "steps":
        idx = np.linspace(0, px.size - 1, min(count, px.size)).round().astype(int)
    elif spacing == "distance":
        gx, gy = _as_1d(x, "x"), _as_1d(y, "y")
        sx = np.ptp(gx) or 1.0
        sy = np.ptp(gy) or 1.0
        seg = np.hypot(np.diff(px) / sx, np.diff(py) / sy)
        arc = np.concatenate([[0.0], np.cumsum(seg)])
        targets = np.linspace(0.0, arc[-1], min(count, px.size))
        idx = np.searchsorted(arc, targets, side="left").clip(0, px.size - 1)
        idx[-1] = px.size - 1
    else:
        raise ValueError(f"spacing must be 'steps' or 'distance', got {spacing!r}")
    return np.unique(idx)


def descent_snapshots(x: ArrayLike, y: ArrayLike, loss: ArrayLike, path: Path, *, count: int = 4,
                      spacing: str = "distance", levels: Union[int, ArrayLike] = 20,
                      log: bool = False, indexing: str = "xy",
                      title: str = "Gradient descent, step by step", xlabel: str = "w",
                      ylabel: str = "b",
                      panel_size: Tuple[float, float] = (3.0, 2.6)) -> Figure:
    """A still version of ``descent_animation``: ``count`` small contour maps in a
    row, panel k showing the path up to its k-th sampled step.

    Useful where an animation cannot play (a PDF, a notebook viewed on a code
    host).  Steps are sampled as in ``descent_animation``.  Returns the Figure;
    ``fig.nnc_steps`` lists the step shown in each panel.
    """
    panel_size = _two_numbers(panel_size, "panel_size", positive=True)
    px, py, _ = _path(path)
    idx = _sample_steps(x, y, px, py, count, spacing, "count")
    plt = _plt()
    fig, axs = plt.subplots(1, idx.size, figsize=(panel_size[0] * idx.size, panel_size[1]),
                            sharey=True, squeeze=False)
    for ax, i in zip(axs[0], idx):
        loss_contour(x, y, loss, path=(px[: i + 1], py[: i + 1]), levels=levels, log=log,
                     indexing=indexing, ax=ax, colorbar=False, title=f"step {i}",
                     xlabel=xlabel, ylabel=ylabel if ax is axs[0][0] else "")
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    fig.suptitle(title)
    fig.tight_layout()
    fig.nnc_steps = [int(i) for i in idx]
    return fig


def descent_animation(x: ArrayLike, y: ArrayLike, loss: ArrayLike, path: Path, *,
                      frames: int = 30, spacing: str = "steps", interval: int = 120,
                      levels: Union[int, ArrayLike] = 20, log: bool = False,
                      indexing: str = "xy", title: str = "Gradient descent", xlabel: str = "w",
                      ylabel: str = "b",
                      figsize: Tuple[float, float] = (5.5, 4.0)) -> FuncAnimation:
    """An animation of the descent path growing on the contour map.

    The path is sampled at ``frames`` steps (always including the first and
    the last), so a run of 10,000 steps still plays in a few seconds:
    ``spacing="steps"`` takes evenly spaced step numbers; ``"distance"`` takes
    steps evenly spaced along the path's length (measured in units of the
    plotted ranges), so a long plateau where the parameters barely move gets
    few frames and a sudden drop gets many.  Returns a
    ``matplotlib.animation.FuncAnimation``; in Jupyter show it with
    ``animation_html(anim)``.  ``anim.nnc_frames`` lists the step shown by each
    frame.
    """
    from matplotlib.animation import FuncAnimation

    px, py, pl = _path(path)
    if pl is None:
        gx, gy, gl = _grid(x, y, loss, indexing)
        pl = _interp_grid(gx, gy, gl, px, py)
    idx = _sample_steps(x, y, px, py, frames, spacing, "frames")

    fig = loss_contour(x, y, loss, levels=levels, log=log, indexing=indexing, title=title,
                       xlabel=xlabel, ylabel=ylabel, colorbar=False)
    fig.set_size_inches(*figsize)
    ax = fig.axes[0]
    (trail,) = ax.plot([], [], "-", color="white", lw=1.5, zorder=4)
    (head,) = ax.plot([], [], "o", color="tab:red", mec="white", ms=9, zorder=5)
    ax.plot(px[:1], py[:1], "o", color="white", ms=6, zorder=4)
    text = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                   bbox=dict(boxstyle="round", fc="white", alpha=0.8))

    def draw(k):
        i = idx[k]
        trail.set_data(px[: i + 1], py[: i + 1])
        head.set_data(px[i: i + 1], py[i: i + 1])
        text.set_text(f"step {i}   loss {pl[i]:.4g}")
        return trail, head, text

    anim: Any = FuncAnimation(fig, draw, frames=len(idx), interval=interval, blit=False,
                              repeat=True)
    anim.nnc_frames = [int(i) for i in idx]
    return anim


def animation_html(anim: FuncAnimation, *, close: bool = True, default_mode: str = "once",
                   frame_format: str = "png") -> Any:
    """The animation as a self-contained HTML player (JavaScript, embedded frames and
    the buttons' icons as inline CSS: it works offline, nothing is fetched).

    Returns an ``IPython.display.HTML`` when IPython is installed (so a notebook
    cell shows the player) and the HTML string otherwise.  ``close=True`` closes
    the animation's figure so that Jupyter does not also show it as a still.
    ``frame_format="jpeg"`` makes the frames about three times smaller than PNG,
    which matters for notebooks stored with their outputs.
    """
    import matplotlib

    if frame_format not in ("png", "jpeg"):
        raise ValueError(f"frame_format must be 'png' or 'jpeg', got {frame_format!r}")
    from .interact._offline import offline_jshtml

    with matplotlib.rc_context({"animation.frame_format": frame_format}):
        # Self-contained: matplotlib's player loads its button icons from a
        # CDN; offline_jshtml draws them with inline CSS instead.
        html = offline_jshtml(anim.to_jshtml(default_mode=default_mode))
    if close:
        _plt().close(cast(Any, anim)._fig)
    try:
        from IPython.display import HTML
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return html
    return HTML(html)


# --------------------------------------------------------------------------
# activations, classifiers, approximation
# --------------------------------------------------------------------------

def _activation_pair(spec: Any) -> Tuple[str, Callable[[Any], Any], Callable[[Any], Any]]:
    """(label, f, df) from a name, (name, params), (label, f) or (label, f, df)."""
    if isinstance(spec, str):
        name, params = spec, {}
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict):
        name, params = spec
    elif isinstance(spec, tuple) and len(spec) in (2, 3) and callable(spec[1]):
        label, f = spec[0], spec[1]
        df = spec[2] if len(spec) == 3 else None
        if df is None:
            def central(x: Any, f: Callable[[Any], Any] = f) -> Any:
                # central difference; h ~ cbrt(machine epsilon) balances truncation and rounding
                h = 6e-6 * np.maximum(1.0, np.abs(x))
                return (np.asarray(f(x + h)) - np.asarray(f(x - h))) / (2 * h)
            df = central
        return str(label), f, df
    else:
        raise ValueError(
            "each activation must be a name ('tanh'), (name, params) such as "
            "('elu', {'alpha': 0.2}), or (label, f) / (label, f, df) with callables; "
            f"got {spec!r}")
    if name in ("softmax", "log_softmax"):
        raise ValueError(f"{name} is not an elementwise function of one variable; "
                         "plot it on a vector of scores instead")
    try:
        from . import functional as F
    except ImportError as exc:
        raise ImportError("activation names need nnc.functional; pass callables instead") from exc
    fwd = getattr(F, name, None)
    bwd = getattr(F, name + "_backward", None)
    if fwd is None or bwd is None:
        raise ValueError(f"unknown activation {name!r}: nnc.functional has no {name} "
                         f"and {name}_backward")
    if name == "prelu":
        alpha = params.get("alpha", 0.25)

        def prelu(x: Any) -> Any:
            return F.prelu(x, alpha)

        def prelu_backward(x: Any) -> Any:
            return F.prelu_backward(x, np.ones_like(x), alpha)[0]
        f, df = prelu, prelu_backward
    else:
        def forward(x: Any) -> Any:
            return F.__dict__[name](x, **params)

        def backward(x: Any) -> Any:
            return F.__dict__[name + "_backward"](x, np.ones_like(x), **params)
        f, df = forward, backward
    label = name + ("" if not params else
                    " (" + ", ".join(f"{k}={v:g}" for k, v in params.items()) + ")")
    return label, f, df


def activation_functions(activations: Sequence[Any], *, x: Optional[ArrayLike] = None,
                         derivatives: bool = True, layout: str = "pair",
                         axes: Optional[Sequence[Axes]] = None,
                         title: str = "Activation functions") -> Figure:
    """Activation functions and their derivatives.

    Parameters
    ----------
    activations : sequence
        Each item is a name of an ``nnc.functional`` activation (``"sigmoid"``,
        ``"tanh"``, ``"relu"``, ``"leaky_relu"``, ``"prelu"``, ``"elu"``,
        ``"selu"``, ``"step"``, ``"identity"``); a pair ``(name, params)`` such as
        ``("leaky_relu", {"alpha": 0.2})``; or ``(label, f)`` / ``(label, f, df)``
        with NumPy callables (``df`` defaults to a central difference).
    x : array-like, optional
        Where to evaluate; default 401 points on [-5, 5].
    derivatives : bool
        Draw the derivatives too.
    layout : "pair" or "grid"
        ``"pair"``: every function in a left panel and every derivative in a
        right panel (line k is activation k in both).  ``"grid"``: one small
        panel per activation, the function solid and its derivative dashed
        (lines 0 and 1 of panel k) -- clearer for many activations.
    axes : Axes or sequence of Axes, optional
        Two (one without derivatives) for ``"pair"``; one per activation for
        ``"grid"``.

    Returns the Figure.
    """
    xs = np.linspace(-5.0, 5.0, 401) if x is None else _as_1d(x, "x")
    pairs = [_activation_pair(s) for s in activations]
    if not pairs:
        raise ValueError("activations is empty")
    if layout == "pair":
        npanels = 2 if derivatives else 1
    elif layout == "grid":
        npanels = len(pairs)
    else:
        raise ValueError(f"layout must be 'pair' or 'grid', got {layout!r}")
    if axes is None:
        plt = _plt()
        if layout == "pair":
            fig, axs = plt.subplots(1, npanels, figsize=(4.5 * npanels, 3.6), squeeze=False)
        else:
            ncols = min(4, npanels)
            nrows = -(-npanels // ncols)
            fig, axs = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 2.5 * nrows),
                                    squeeze=False, sharex=True)
            for extra in axs.ravel()[npanels:]:
                extra.set_visible(False)
        axs = list(axs.ravel()[:npanels])
    else:
        axs = [_check_axes(a, "axes") for a in
               (list(np.ravel(np.asarray(axes, dtype=object)))
                if isinstance(axes, (list, tuple, np.ndarray)) else [axes])]
        if len(axs) != npanels:
            raise ValueError(f"axes must hold {npanels} axes for layout={layout!r}, got {len(axs)}")
        fig = axs[0].figure
    for i, (label, f, df) in enumerate(pairs):
        fx = np.asarray(f(xs), dtype=np.float64)
        dfx = np.asarray(df(xs), dtype=np.float64) if derivatives else None
        if layout == "pair":
            axs[0].plot(xs, fx, lw=1.8, label=label, color=f"C{i}")
            if derivatives:
                axs[1].plot(xs, dfx, lw=1.8, label=label, color=f"C{i}")
        else:
            ax = axs[i]
            ax.plot(xs, fx, lw=1.8, color="tab:blue", label="f(x)")
            if derivatives:
                ax.plot(xs, dfx, lw=1.4, ls="--", color="tab:orange", label="f'(x)")
            ax.set_title(label, fontsize="medium")
    if layout == "pair":
        axs[0].set_title("activation f(x)")
        if derivatives:
            axs[1].set_title("derivative f'(x)")
        axs[0].legend(fontsize="small")
    else:
        axs[0].legend(fontsize="small", loc="upper left")
    for a in axs:
        a.axhline(0, color="0.6", lw=0.6)
        a.axvline(0, color="0.6", lw=0.6)
        a.grid(True, alpha=0.3)
        a.set_xlabel("x")
    if axes is None and title:
        fig.suptitle(title)
        fig.tight_layout()
    return fig


def decision_boundary(predict: Callable[[Any], Any], X: ArrayLike, y: ArrayLike, *,
                      resolution: int = 200, padding: float = 0.5, threshold: float = 0.5,
                      ax: Optional[Axes] = None, title: str = "Decision boundary",
                      xlabel: str = "x1", ylabel: str = "x2") -> Figure:
    """A classifier's decision regions over the plane, with the labelled points.

    Parameters
    ----------
    predict : callable
        Maps an (n, 2) array to predictions: shape (n,) or (n, 1) scores or
        probabilities (class 1 where ``>= threshold``), or (n, k) class scores
        (the class is the argmax).
    X : array-like, shape (n, 2)
    y : array-like, shape (n,) or (n, 1), class labels
    resolution : int
        Grid points per axis.

    Returns the Figure.  ``fig.nnc_classes`` is the (resolution, resolution)
    grid of predicted classes.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    labels = np.asarray(y).reshape(-1)
    if labels.size != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {labels.size} labels")
    lo = X.min(axis=0) - padding
    hi = X.max(axis=0) + padding
    g1 = np.linspace(lo[0], hi[0], int(resolution))
    g2 = np.linspace(lo[1], hi[1], int(resolution))
    G1, G2 = np.meshgrid(g1, g2)
    grid = np.column_stack([G1.ravel(), G2.ravel()])
    out = np.asarray(predict(grid), dtype=np.float64)
    if out.ndim == 2 and out.shape[1] > 1:
        classes = out.argmax(axis=1)
        prob = None
    else:
        prob = out.reshape(-1)
        classes = (prob >= threshold).astype(int)
    if classes.size != grid.shape[0]:
        raise ValueError(f"predict returned {out.shape} for {grid.shape[0]} grid points")
    classes = classes.reshape(G1.shape)
    fig, ax = _new_axes(ax, figsize=(5.0, 4.0))
    ncls = int(max(classes.max(), labels.max() if labels.size else 0)) + 1
    from matplotlib.colors import ListedColormap
    cmap = ListedColormap([f"C{k}" for k in range(ncls)])
    if prob is not None:
        P = prob.reshape(G1.shape)
        lo, hi = min(0.0, float(P.min())), max(1.0, float(P.max()))
        cf = ax.contourf(G1, G2, P, levels=np.linspace(lo, hi, 21), cmap="RdBu_r", alpha=0.35)
        # a boundary only where the prediction really crosses the threshold (a model
        # that outputs 1/2 everywhere, up to rounding, has none)
        if P.max() > threshold + 1e-9 and P.min() < threshold - 1e-9:
            ax.contour(G1, G2, P, levels=[threshold], colors="k", linewidths=1.5)
        cb = fig.colorbar(cf, ax=ax, ticks=np.linspace(0, 1, 6))
        cb.set_label("predicted probability of class 1")
    else:
        ax.contourf(G1, G2, classes, levels=np.arange(ncls + 1) - 0.5, cmap=cmap, alpha=0.3)
    for k in np.unique(labels):
        m = labels == k
        ax.scatter(X[m, 0], X[m, 1], s=50, edgecolor="k", zorder=3,
                   color="tab:red" if (prob is not None and k == 1) else
                   ("tab:blue" if prob is not None else f"C{int(k)}"),
                   label=f"class {k:g}")
    fig.nnc_classes = classes
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return fig


def boxcar_approximation(x: ArrayLike, target: ArrayLike, approximations: Any, *,
                         ax: Optional[Axes] = None,
                         title: str = "Sums of sigmoid pairs approximating a function",
                         xlabel: str = "x", ylabel: str = "y") -> Figure:
    """A target function against its approximations by sums of sigmoid pairs.

    Parameters
    ----------
    x : array-like
    target : array-like, same length as x
    approximations : array-like or dict {label: array-like}
        Each the approximation's values at x (e.g. for 2, 8 and 32 sigmoid units).

    Returns the Figure.  ``ax.lines[0]`` is the target, then one line per approximation.
    """
    x = _as_1d(x, "x")
    target = _as_1d(target, "target")
    if target.size != x.size:
        raise ValueError(f"x has {x.size} values but target has {target.size}")
    if not isinstance(approximations, dict):
        approximations = {"approximation": approximations}
    fig, ax = _new_axes(ax)
    ax.plot(x, target, color="k", lw=2.5, label="target")
    for i, (label, vals) in enumerate(approximations.items()):
        vals = _as_1d(vals, f"approximations[{label!r}]")
        if vals.size != x.size:
            raise ValueError(f"x has {x.size} values but approximation {label!r} has {vals.size}")
        ax.plot(x, vals, lw=1.4, color=f"C{i}", label=str(label),
                drawstyle="default")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig


# --------------------------------------------------------------------------
# learning-rate maps
# --------------------------------------------------------------------------

def learning_rate_map(alphas: ArrayLike, values: ArrayLike, *, critical: Optional[float] = None,
                      diverge_above: Optional[float] = None, floor: Optional[float] = None,
                      ax: Optional[Axes] = None, log_alpha: bool = False,
                      log_values: bool = True, title: str = "Final loss over learning rates",
                      xlabel: str = "learning rate alpha",
                      ylabel: str = "final loss") -> Figure:
    """Final loss (or steps to converge) for each learning rate of a sweep.

    Parameters
    ----------
    alphas, values : array-like, same length
        The learning rates and, for each, the run's final loss (or any measure).
        NaN and inf mean the run diverged.
    critical : float, optional
        The critical learning rate (e.g. ``nnc.max_stable_lr(X)``), drawn as a
        vertical line; rates beyond it are shaded.
    diverge_above : float, optional
        Values above this also count as diverged.
    floor : float, optional
        With ``log_values``, values below it (exact zeros included) are drawn at
        it; default: the smallest positive converged value.

    Returns the Figure.  ``ax.lines[0]`` holds the finite, converged points;
    ``fig.nnc_diverged`` is the boolean mask of diverged runs.
    """
    a = _as_1d(alphas, "alphas")
    v = _as_1d(values, "values")
    if a.size != v.size:
        raise ValueError(f"alphas has {a.size} values but values has {v.size}")
    diverged = ~np.isfinite(v)
    if diverge_above is not None:
        diverged |= v > diverge_above
    fig, ax = _new_axes(ax)
    order = np.argsort(a)
    a, v, diverged = a[order], v[order], diverged[order]
    ok = ~diverged
    vv = np.where(ok, v, np.nan)
    if log_values:
        if floor is None:
            pos = vv[ok & (vv > 0)]
            floor = float(pos.min()) if pos.size else 1e-30
        vv = np.where(ok, np.maximum(vv, floor), np.nan)
    ax.plot(a, vv, "-", color="tab:blue", lw=1.4, marker="." if a.size <= 200 else None,
            label="run converged / stayed bounded")
    if diverged.any():
        finite = vv[np.isfinite(vv)]
        top = (finite.max() if finite.size else 1.0)
        ax.plot(a[diverged], np.full(int(diverged.sum()), top), "|", color="tab:red", ms=10,
                label=f"diverged ({int(diverged.sum())} runs)")
    if critical is not None:
        critical = float(critical)
        ax.axvline(critical, color="k", ls="--", lw=1.2,
                   label=f"critical rate {critical:.4g}")
        ax.axvspan(critical, a.max() if a.size and a.max() > critical else critical,
                   color="tab:red", alpha=0.08)
    if log_alpha:
        ax.set_xscale("log")
    if log_values:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (" (log scale)" if log_values else ""))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    inv = np.empty_like(order)
    inv[order] = np.arange(order.size)
    fig.nnc_diverged = diverged[inv]
    return fig


def divergence_map(alphas: ArrayLike, inputs: ArrayLike, values: ArrayLike, *,
                   critical: Union[Callable[[Any], Any], ArrayLike, None] = None,
                   floor: Optional[float] = None,
                   ax: Optional[Axes] = None, log_alpha: bool = True, log_inputs: bool = False,
                   title: str = "Where gradient descent converges",
                   xlabel: str = "learning rate alpha", ylabel: str = "input") -> Figure:
    """Final loss over a 2-D sweep of learning rate and input, diverged runs marked.

    Parameters
    ----------
    alphas : array-like, length na
    inputs : array-like, length ni
    values : array-like, shape (ni, na)
        ``values[i, j]`` is the final loss of the run with ``inputs[i]`` and
        ``alphas[j]``; NaN/inf means it diverged.
    critical : callable or array-like, optional
        The critical learning rate for each input (e.g. ``lambda x: 2 / x**2``),
        drawn as a curve over the map.
    floor : float, optional
        Losses below it (exact zeros included) are drawn at it; default: the
        smallest positive finite loss.

    Returns the Figure.  ``fig.nnc_mesh`` is the colour mesh (log10 of the loss).
    """
    a = _as_1d(alphas, "alphas")
    s = _as_1d(inputs, "inputs")
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (s.size, a.size):
        raise ValueError(f"values has shape {v.shape}, expected (len(inputs), len(alphas)) "
                         f"= ({s.size}, {a.size})")
    fig, ax = _new_axes(ax)
    ok = np.isfinite(v)
    if floor is None:
        pos = v[ok & (v > 0)]
        floor = float(pos.min()) if pos.size else 1e-30
    # an exact zero (alpha * input**2 == 1 lands on the goal in one step) is drawn
    # at the floor, not mistaken for a diverged run
    logv = np.full(v.shape, np.nan)
    logv[ok] = np.log10(np.maximum(v[ok], floor))
    finite = logv[ok]
    vmin = float(finite.min()) if finite.size else 0.0
    vmax = float(finite.max()) if finite.size else 1.0
    import matplotlib
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="tab:red")
    mesh = ax.pcolormesh(a, s, np.ma.masked_invalid(logv), cmap=cmap, vmin=vmin,
                         vmax=max(vmax, vmin + 1e-9), shading="nearest")
    cb = fig.colorbar(mesh, ax=ax)
    cb.set_label("log10 final loss (red: diverged)")
    fig.nnc_mesh = mesh
    if critical is not None:
        c = np.asarray(critical(s) if callable(critical) else critical, dtype=np.float64)
        if c.shape != s.shape:
            raise ValueError(f"critical has shape {c.shape}, expected ({s.size},)")
        ax.plot(c, s, "w--", lw=2, label="critical rate")
        ax.legend(loc="upper right", fontsize="small")
    if log_alpha:
        ax.set_xscale("log")
    if log_inputs:
        ax.set_yscale("log")
    ax.set_xlim(a.min(), a.max())
    ax.set_ylim(s.min(), s.max())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def save_figure(fig: Union[Figure, FuncAnimation], path: Union[str, "os.PathLike[str]"], *,
                dpi: float = 100, close: bool = True) -> Union[str, "os.PathLike[str]"]:
    """Save a figure (or an animation's last frame) as PNG and close it.

    Returns the path.  Animations are drawn at their final frame.
    """
    obj: Any = fig  # (matplotlib's types do not know the animation's private fields)
    if hasattr(obj, "to_jshtml"):  # a FuncAnimation: keep its final frame
        anim = obj
        obj = anim._fig
        n = len(getattr(anim, "nnc_frames", [])) or 1
        anim._func(n - 1)
        anim._draw_was_started = True  # drawn by hand: silence matplotlib's unused-animation warning
    obj.savefig(path, dpi=dpi, bbox_inches="tight")
    if close:
        _plt().close(obj)
    return path


def __getattr__(name: str) -> Any:
    # book_figures moved to nnc.book.figures (nnc.plot keeps the general figures)
    if name == "book_figures":
        import warnings

        from .book.figures import book_figures
        warnings.warn("nnc.plot.book_figures moved to nnc.book.figures.book_figures",
                      DeprecationWarning, stacklevel=2)
        return book_figures
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
