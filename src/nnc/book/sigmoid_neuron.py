"""The sigmoid neuron's learning algorithm (Niranjan Kumar, after padhAI).

One neuron ``f(x) = sigmoid(w*x + b)`` is ``nnc.Sequential([nnc.Dense(1, 1),
nnc.Sigmoid()])``; the article's loss, the sum over points of
``(f - y)**2 / 2``, is ``MSE(reduction="sum", half=True)``, and its full-batch
update after both points is ``SGD(learning_rate)`` with ``batch_size=None``.
"""
from typing import Any, Dict, Iterable, Optional, Tuple

import numpy as np

from .._typing import ArrayLike, FloatArray
import nnc

from .. import datasets
from . import _check
from ._results import LossSurface, ManyStarts, NeuronFit

__all__ = ["s1_sigmoid_neuron", "s2_loss_surface", "s3_many_starts", "padhai_loop"]

_LOSS: Dict[str, Any] = dict(reduction="sum", half=True)


def _neuron(w, b):
    model = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], seed=0, dtype="float64")
    model.layers[0].weight[...] = w
    model.layers[0].bias[...] = b
    return model


def padhai_loop(x: Iterable[float], y: Iterable[float], w: float = 0.0, b: float = -8.0,
                eta: float = 1.0, epochs: int = 1000,
                with_loss: bool = False) -> Tuple[FloatArray, ...]:
    """The article's gradient-descent code in plain Python: for every epoch
    ``dw, db = 0, 0``; for each point ``fx = 1 / (1 + exp(-(w x + b)))``,
    ``dw += (fx - y) fx (1 - fx) x``, ``db += (fx - y) fx (1 - fx)``; then
    ``w -= eta dw``, ``b -= eta db``.  Returns ``(w, b)`` arrays (start and
    every epoch); with ``with_loss=True`` also the article's ``error(w, b)``
    (``err += 0.5 * (fx - y) ** 2``) at each of them.

    The exp here is Python's ``math.exp``, i.e. the C library's.  The
    article's code calls ``np.exp`` on one number; on a machine with AVX-512
    that is NumPy's own vector exp, which differs from the C library's in the
    last bit for a few percent of arguments (and NumPy picks its kernel by the
    CPU at run time, so no portable program can reproduce it); without
    AVX-512 (or with ``NPY_DISABLE_CPU_FEATURES`` turning it off) ``np.exp`` is
    the C library's and this loop is the article's arithmetic exactly.
    ``s1_sigmoid_neuron()`` (``arithmetic="book"``) replays this loop bit for
    bit: ``fit(sum_order="data", transcendentals="libm")``."""
    import math
    xs, ys = [float(v) for v in x], [float(v) for v in y]
    w, b = float(w), float(b)
    W, B = [w], [b]
    for _ in range(epochs):
        dw, db = 0, 0
        for xi, yi in zip(xs, ys):
            fx = 1.0 / (1.0 + math.exp(-(w * xi + b)))
            dw += (fx - yi) * fx * (1 - fx) * xi
            db += (fx - yi) * fx * (1 - fx)
        w, b = w - eta * dw, b - eta * db
        W.append(w)
        B.append(b)
    if not with_loss:
        return np.array(W), np.array(B)
    losses = []
    for wk, bk in zip(W, B):
        err = 0.0
        for xi, yi in zip(xs, ys):
            fx = 1.0 / (1.0 + math.exp(-(wk * xi + bk)))
            err += 0.5 * (fx - yi) ** 2
        losses.append(err)
    return np.array(W), np.array(B), np.array(losses)


#: s1 arithmetic -> fit keywords: the article's code (its loop order, the C
#: library's exp) or nnc's fast defaults.
_ARITHMETIC: Dict[str, Dict[str, Any]] = {
    "book": dict(sum_order="data", transcendentals="libm"),
    "fast": dict(sum_order="fixed", transcendentals="nnc")}


def s1_sigmoid_neuron(w: float = 0.0, b: float = -8.0, learning_rate: float = 1.0,
                      epochs: int = 1000, data: Optional[ArrayLike] = None,
                      loss: Any = None, arithmetic: str = "book") -> NeuronFit:
    """S1: gradient descent for the sigmoid neuron from w = 0, b = -8.

    The start sits where the sigmoid is flat (w*x + b is near -8 for both
    points), so the gradient is tiny: the loss stays on a plateau near its
    initial 0.4246312273161969 for many epochs before it drops.
    ``data=(x, y)`` replaces the article's points X = [0.5, 2.5],
    Y = [0.2, 0.9]; ``loss`` replaces its summed half squared error
    (``MSE(reduction="sum", half=True)``) with any ``nnc.losses`` object or
    name (e.g. ``"log_loss"``, or ``nnc.losses.MSE()`` for the mean).

    ``arithmetic="book"`` (default) replays the article's loop bit for bit
    (:func:`padhai_loop`, with the C library's exp): ``fit(sum_order="data",
    transcendentals="libm")``, every recorded loss included.  It covers losses
    without exp or log; ``arithmetic="fast"`` runs nnc's defaults (its own
    vectorised exp, within about 1e-14 of the book's run) and any loss.
    Returns a :class:`NeuronFit`.
    """
    fn = "s1_sigmoid_neuron"
    epochs = _check.count(fn, "epochs", epochs, minimum=0)
    if not isinstance(arithmetic, str) or arithmetic not in _ARITHMETIC:
        raise ValueError(f'{fn}: arithmetic must be "book" (the article\'s code bit for bit) '
                         f'or "fast" (nnc\'s defaults), got {arithmetic!r}')
    x, y = (datasets.padhai_toy() if data is None
            else _check.xy_points(fn, "data", data))
    model = _neuron(w, b)
    loss = nnc.losses.MSE(**_LOSS) if loss is None else nnc.losses.get(loss)
    if arithmetic == "book" and loss.name in ("log_loss", "log_loss_with_logits"):
        raise ValueError(f'{fn}: arithmetic="book" uses the C library\'s exp for the '
                         f"sigmoid and covers losses without exp or log; pass "
                         f'arithmetic="fast" with {loss.name!r}')
    kw = _ARITHMETIC[arithmetic]
    history = model.fit(x[:, None], y[:, None], loss=loss,
                        optimizer=nnc.SGD(learning_rate), epochs=epochs, record="params",
                        **kw)
    params = np.asarray(history.params, dtype=np.float64)
    # the loss at the last parameters: one more (discarded) step records it
    final = float(np.asarray(model.copy().fit(x[:, None], y[:, None], loss=loss,
                                              optimizer=nnc.SGD(learning_rate), epochs=1,
                                              record="step", **kw).step_loss)[0])
    losses = np.append(np.asarray(history.step_loss, dtype=np.float64), final)
    marks = sorted({0, 1, 2, 10, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, epochs}
                   & set(range(epochs + 1)))
    lines = [f"epoch {k:4d}: w = {params[k, 0]:.6f}, b = {params[k, 1]:.6f}, "
             f"loss = {float(losses[k])!r}" for k in marks]
    result = NeuronFit(id="S1", title="the sigmoid neuron learns: a long plateau, then a drop",
                       x=x, y=y, w=params[:, 0].copy(), b=params[:, 1].copy(),
                       loss=losses, learning_rate=float(learning_rate),
                       history=history, _lines=lines)
    result.head, result.tail = len(lines), 0
    return result


def _book_surface(model, x, y, w_grid, b_grid):
    """The loss at every grid cell as the article's error function computes
    it: the loss a one-epoch fit with the book's arithmetic records before
    its step (the step itself is discarded)."""
    X, Y = x[:, None], y[:, None]
    loss_fn = nnc.losses.MSE(**_LOSS)
    weight, bias = model.layers[0].weight, model.layers[0].bias
    out = np.empty((b_grid.size, w_grid.size))
    for j, b in enumerate(b_grid.tolist()):
        for i, w in enumerate(w_grid.tolist()):
            weight[...], bias[...] = w, b
            h = model.fit(X, Y, loss=loss_fn, optimizer=nnc.SGD(1.0), epochs=1,
                          record="step", **_ARITHMETIC["book"])
            out[j, i] = h.step_loss[0]
    return out


def s2_loss_surface(w_range: Tuple[float, float] = (-2.0, 6.0),
                    b_range: Tuple[float, float] = (-10.0, 2.0), num: Tuple[int, int] = (81, 121),
                    path: Any = None, arithmetic: str = "fast") -> LossSurface:
    """S2: the loss over w in [-2, 6] and b in [-10, 2], with S1's path on it.

    The surface is evaluated in C by ``nnc.loss_surface`` over a grid whose
    corners are the ranges' ends: L(-2, -10) = 0.42499638454314176 and
    L(-2, 2) = 0.5044529278317778.  ``path`` is a :class:`NeuronFit` (S1 is
    run when it is None, or any object with 1-D arrays ``w``, ``b``, ``loss``).
    ``w_range`` and ``b_range`` are pairs of finite numbers, ``num`` a pair of
    grid sizes, each at least 2 (the grid includes both ends of its range).
    Returns a :class:`LossSurface`.

    ``arithmetic="fast"`` (default) evaluates the grid in one C call with
    nnc's vectorised exp: against the article's arithmetic (the C library's
    exp, its error function summed in data order) about a quarter of the
    cells differ, by at most 4e-14 relative.  ``arithmetic="book"`` gives
    every cell as the article computes it, to the bit: each is the loss that
    a one-epoch ``fit(sum_order="data", transcendentals="libm")`` records
    before its step (one fit per cell: a few seconds for the default grid,
    about a thousand times the fast path; docs/CHAPTERS.md).
    """
    fn = "s2_loss_surface"
    w_range = _check.numbers(fn, "w_range", w_range, 2)
    b_range = _check.numbers(fn, "b_range", b_range, 2)
    num = _check.counts(fn, "num", num, minimum=2).tolist()
    if len(num) != 2:
        raise ValueError(f"{fn}: num must be a pair (number of w values, number of b "
                         f"values), got {num!r}")
    if path is not None:
        for attr in ("w", "b", "loss"):
            if not hasattr(path, attr):
                raise TypeError(f"{fn}: path must be a NeuronFit (the result of "
                                f"s1_sigmoid_neuron) or None, got {type(path).__name__}")
            _check.vector(fn, f"path.{attr}", getattr(path, attr))
    x, y = datasets.padhai_toy()
    w_grid = np.linspace(w_range[0], w_range[1], num[0])
    b_grid = np.linspace(b_range[0], b_range[1], num[1])
    if not isinstance(arithmetic, str) or arithmetic not in _ARITHMETIC:
        raise ValueError(f'{fn}: arithmetic must be "fast" (one C call, nnc\'s exp) or '
                         f'"book" (the article\'s arithmetic bit for bit), got {arithmetic!r}')
    model = _neuron(0.0, 0.0)
    if arithmetic == "fast":
        loss = np.asarray(nnc.loss_surface(
            model, x[:, None], y[:, None], nnc.losses.MSE(**_LOSS),
            params=(("layers.0.weight", (0, 0)), ("layers.0.bias", (0,))),
            grid=(w_grid, b_grid)), dtype=np.float64)
    else:
        loss = _book_surface(model, x, y, w_grid, b_grid)
    if path is None:
        path = s1_sigmoid_neuron()
    i_min = np.unravel_index(np.argmin(loss), loss.shape)
    lines = [f"L({float(w_grid[0])!r}, {float(b_grid[0])!r}) = {float(loss[0, 0])!r}",
             f"L({float(w_grid[0])!r}, {float(b_grid[-1])!r}) = {float(loss[-1, 0])!r}",
             f"L({float(w_grid[-1])!r}, {float(b_grid[0])!r}) = {float(loss[0, -1])!r}",
             f"L({float(w_grid[-1])!r}, {float(b_grid[-1])!r}) = {float(loss[-1, -1])!r}",
             f"lowest on the grid: L({w_grid[i_min[1]]:.2f}, {b_grid[i_min[0]]:.2f}) = "
             f"{loss[i_min]:.6g}",
             f"S1's path ends at w = {path.w[-1]:.4f}, b = {path.b[-1]:.4f}, "
             f"loss {path.loss[-1]:.6g}"]
    result = LossSurface(id="S2", title="the loss surface of the sigmoid neuron",
                         w_grid=w_grid, b_grid=b_grid, loss=loss, path_w=path.w,
                         path_b=path.b, path_loss=path.loss, _lines=lines)
    result.head, result.tail = len(lines), 0
    return result


def s3_many_starts(w: ArrayLike = np.linspace(-2.0, 6.0, 33),
                   b: ArrayLike = np.linspace(-10.0, 2.0, 49), learning_rate: float = 1.0,
                   epochs: int = 1000, threshold: float = 0.05, data: Optional[ArrayLike] = None,
                   threads: Optional[int] = None) -> ManyStarts:
    """Beyond the article: S1's gradient descent from every start on a grid.

    The neuron is trained from each starting ``(w, b)`` of the grid ``w`` x
    ``b`` (1-D arrays of finite numbers; by default w in [-2, 6] and b in
    [-10, 2] in steps of 0.25, 1,617 starts, S2's window) with S1's loss and
    update (``SGD(learning_rate)``, full batch, ``epochs`` epochs), all in
    ONE ``nnc.sweep`` call: the starts are per-replica initial parameters,
    and the replicas are split between ``threads`` threads (default: every
    CPU; the numbers do not depend on it).  Each start's run is bit for bit
    ``fit(..., divergence=None)`` from that start with nnc's default
    arithmetic (S1's ``arithmetic="fast"``).

    ``threshold`` (> 0) is the loss a run must get below; ``data=(x, y)``
    replaces the article's two points.  Returns a :class:`ManyStarts`: per
    start (arrays of shape (len(b), len(w)), the layout of
    ``np.meshgrid(w, b)``) the ``start_loss``, the ``final_loss`` after the
    last epoch and ``epochs_to_threshold``, the first epoch whose loss is
    below ``threshold`` (-1 when the run never gets there); ``loss`` holds
    every run's curve, shape (len(b), len(w), epochs + 1).  Starts deep in
    the flat shelf (w*x + b far below zero for both points) take longest.
    """
    fn = "s3_many_starts"
    # copies: the result owns its grids (never the caller's array, nor the default's)
    w_grid = _check.vector(fn, "w", w, finite=True, scalar_ok=True).copy()
    b_grid = _check.vector(fn, "b", b, finite=True, scalar_ok=True).copy()
    epochs = _check.count(fn, "epochs", epochs, minimum=1)
    learning_rate = _check.numbers(fn, "learning_rate", [learning_rate], 1)[0]
    if not learning_rate > 0:
        raise ValueError(f"{fn}: learning_rate must be > 0, got {learning_rate!r}")
    threshold = _check.numbers(fn, "threshold", [threshold], 1)[0]
    if not threshold > 0:
        raise ValueError(f"{fn}: threshold must be > 0, got {threshold!r}")
    if threads is not None:
        threads = _check.count(fn, "threads", threads)
    x, y = (datasets.padhai_toy() if data is None
            else _check.xy_points(fn, "data", data))
    W, B = np.meshgrid(w_grid, b_grid)
    starts = np.stack([W.ravel(), B.ravel()], axis=1)  # get_flat_params order: weight, bias
    X, Y = x[:, None], y[:, None]
    loss_fn = nnc.losses.MSE(**_LOSS)
    sw = nnc.sweep(_neuron(0.0, 0.0), X, Y, loss=loss_fn, optimizer=nnc.SGD(learning_rate),
                   epochs=epochs, params=starts, divergence=None, threads=threads)
    # The loss at the last parameters: one more (discarded) epoch records it,
    # as S1 does; then curve[k] is the loss at the parameters after k epochs.
    last = nnc.sweep(_neuron(0.0, 0.0), X, Y, loss=loss_fn, optimizer=nnc.SGD(learning_rate),
                     epochs=1, params=sw.params, divergence=None, threads=threads)
    shape = (b_grid.size, w_grid.size)
    curves = np.concatenate([np.asarray(sw.loss, dtype=np.float64),
                             np.asarray(last.loss, dtype=np.float64)], axis=1)
    below = curves < threshold
    reached = below.any(axis=1)
    first = np.where(reached, np.argmax(below, axis=1), -1).astype(np.int64)
    final = curves[:, -1].copy()
    n_never = int((~reached).sum())
    slow = int(np.argmax(np.where(reached, first, -1)))
    lines = [f"{starts.shape[0]} starts ({w_grid.size} w x {b_grid.size} b), {epochs} epochs "
             f"of SGD({learning_rate!r}) in one nnc.sweep call",
             f"below loss {threshold!r}: {int(reached.sum())} starts; "
             f"{n_never} never get there in {epochs} epochs",
             f"slowest start that gets there: w = {starts[slow, 0]:.4g}, "
             f"b = {starts[slow, 1]:.4g}, after {int(first[slow])} epochs",
             f"final loss: {np.min(final):.4g} .. {np.max(final):.4g}"]
    result = ManyStarts(id="S+", title="the sigmoid neuron from many starts",
                        x=x, y=y, w_grid=w_grid, b_grid=b_grid,
                        start_loss=curves[:, 0].reshape(shape),
                        final_loss=final.reshape(shape),
                        epochs_to_threshold=first.reshape(shape),
                        final_w=np.asarray(sw.params[:, 0], dtype=np.float64).reshape(shape),
                        final_b=np.asarray(sw.params[:, 1], dtype=np.float64).reshape(shape),
                        loss=curves.reshape(shape + (epochs + 1,)),
                        threshold=threshold, learning_rate=learning_rate, epochs=epochs,
                        forward_passes=int(np.sum(sw.forward_passes)), _lines=lines)
    result.head, result.tail = len(lines), 0
    return result
