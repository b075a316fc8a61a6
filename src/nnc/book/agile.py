"""Agile Artificial Intelligence in Pharo, ch. 4 (Bergel): a line fitted to
points by gradient descent and by mini-batch SGD.

The model ``f(x) = x*a + b`` is ``nnc.Sequential([nnc.Dense(1, 1)])`` (the
weight is the slope a, the bias the intercept b) and Bergel's cost
``J = mean((y - f(x))**2)`` is ``MSE(reduction="mean")``, whose gradient is
his ``(2/n) sum(-x (y - f(x)))`` and ``(2/n) sum(-(y - f(x)))``.  Each run is
one ``fit`` call; the costs Bergel records after every update are computed,
vectorised, from the recorded parameters.

``arithmetic="bergel"`` (the default of A2-A5) replays his script's
arithmetic bit for bit: ``fit(sum_order="pharo", mean="reciprocal")`` adds
every gradient sum in Pharo's ``Collection>>sum`` order and scales it by the
float of ``2 / n``, and the recorded costs are summed in Pharo's order too
(:func:`bergel_loop` is the script replayed in Python, for comparison).
``arithmetic="fast"`` uses nnc's fixed summation order (same values to
about 1e-11, faster on long batches).
"""
import time
from typing import Any, Dict, Iterable, Optional, Tuple, Union

import numpy as np

from .._typing import ArrayLike, FloatArray
import nnc

from .. import datasets
from . import _check
from ._results import LineFit, Result

__all__ = [
    "pharo_sum", "bergel_loop", "a1_cost", "a2_gradient_descent", "a3_aligned_points", "a4_noisy_line",
    "a5_minibatch_sgd", "a6_timing", "a7_sigmoid_derivative",
]


def _line_model(a, b, seed=0):
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=seed, dtype="float64")
    model.layers[0].weight[...] = a
    model.layers[0].bias[...] = b
    return model


def pharo_sum(terms: ArrayLike) -> Union[float, FloatArray]:
    """Pharo's ``Collection>>sum`` along the last axis, vectorised over the others:
    ``(inject: anyOne into: [+]) - anyOne``, i.e. ``((t1 + t1) + t2 + ... + tn) - t1``
    in data order -- the order Bergel's scripts add in."""
    terms = np.asarray(terms, dtype=np.float64)
    first = terms[..., 0]
    acc = first + first
    for j in range(1, terms.shape[-1]):
        acc = acc + terms[..., j]
    return acc - first


def _costs(x, y, a, b):
    """Bergel's J for each (a[k], b[k]): his ``(squared errors) sum / n``, the
    sum in Pharo's order, vectorised over the lines."""
    pred = x[None, :] * a[:, None] + b[:, None]
    err = y[None, :] - pred
    return pharo_sum(err * err) / x.shape[0]


def bergel_loop(x: Iterable[float], y: Iterable[float], a: float = 0.5, b: float = 3.0,
                learning_rate: float = 0.01, iterations: int = 1000,
                batch_size: Optional[int] = None) -> Tuple[FloatArray, FloatArray, FloatArray]:
    """Bergel's gradient-descent (or, with ``batch_size``, mini-batch) script
    replayed in plain Python floats: ``deriMSEa := (2 / n) * (points collect:
    [... x * (y - f(x)) negated]) sum`` (``2 / n`` an exact Fraction made a
    float by the multiplication, ``sum`` in Pharo's order), then
    ``a := a - (learningRate * deriMSEa)``; a mini-batch closes only at
    multiples of the batch size.  The cost recorded after each update (each
    batch's squared errors over n, summed over the epoch, for mini-batches) is
    ``(squared errors) sum / n``.

    Returns ``(a, b, cost)``: the start and every update, and one cost per
    iteration (epoch) -- the reference nnc's engine is compared with."""
    from fractions import Fraction
    xs, ys = [float(v) for v in x], [float(v) for v in y]
    n = len(xs)
    size = n if batch_size is None else int(batch_size)
    scale = float(Fraction(2, size))
    A, B, costs = [float(a)], [float(b)], []
    for _ in range(iterations):
        epoch_cost = 0.0
        for s in range(0, n - n % size, size):
            px, py = xs[s:s + size], ys[s:s + size]
            da = scale * float(pharo_sum([-(xi * (yi - (xi * a + b)))
                                          for xi, yi in zip(px, py)]))
            db = scale * float(pharo_sum([-(1 * (yi - (xi * a + b)))
                                          for xi, yi in zip(px, py)]))
            a, b = a - learning_rate * da, b - learning_rate * db
            A.append(a)
            B.append(b)
            sq = [(yi - (xi * a + b)) * (yi - (xi * a + b)) for xi, yi in zip(px, py)]
            epoch_cost = epoch_cost + float(pharo_sum(sq)) / n
        costs.append(epoch_cost)
    return np.array(A), np.array(B), np.array(costs)


def _fmt(v):
    return repr(float(v))


def _points(fn, points, default):
    """The walkthrough's points: ``default()`` when None, else a checked (x, y)."""
    return default() if points is None else _check.xy_points(fn, "points", points)


def a1_cost(a: ArrayLike = (0.5, 2.0), b: ArrayLike = (3.0, -0.5),
            points: Optional[ArrayLike] = None) -> Result:
    """A1: how bad is a line?  Bergel's cost J(a, b) on his four points.

    J(0.5, 3) = 1.75; J(2, -0.5) = 0.6749999999999998, printed 0.67 -- the
    second line is closer.  ``model.evaluate`` with ``MSE()`` for each line.
    ``a`` and ``b`` are one number or equal-length sequences (one line per
    pair); ``points`` is ``(x, y)``, two equal-length 1-D arrays.
    Returns a :class:`Result` with ``a``, ``b``, ``cost`` arrays and the points.
    """
    x, y = _points("a1_cost", points, datasets.bergel_points)
    a = _check.vector("a1_cost", "a", a, scalar_ok=True)
    b = _check.vector("a1_cost", "b", b, scalar_ok=True)
    if a.shape != b.shape:
        raise ValueError(f"a1_cost: a and b give one line per pair, but a has "
                         f"{a.shape[0]} value(s) and b {b.shape[0]}")
    cost = np.empty_like(a)
    for k in range(a.shape[0]):
        cost[k] = _line_model(a[k], b[k]).evaluate(x[:, None], y[:, None],
                                                   nnc.losses.MSE())
    lines = [f"J({_fmt(ak)}, {_fmt(bk)}) = {_fmt(ck)}"
             for ak, bk, ck in zip(a.tolist(), b.tolist(), cost.tolist())]
    return Result(id="A1", title="the loss function: mean squared error of a line",
                  x=x, y=y, a=a, b=b, cost=cost, _lines=lines)


def _arith(fn: str, arithmetic: str) -> Dict[str, Any]:
    """fit keywords for ``arithmetic``: "bergel" (his script's: Pharo's sum
    order, 2/n as a float) or "fast" (nnc's fixed order)."""
    if arithmetic == "bergel":
        return dict(sum_order="pharo", mean="reciprocal")
    if arithmetic == "fast":
        return dict(sum_order="fixed", mean="divide")
    raise ValueError(f'{fn}: arithmetic must be "bergel" (replay his script bit for bit) or '
                     f'"fast" (nnc\'s fixed summation order), got {arithmetic!r}')


#: walkthrough id -> the function whose name the error messages give
_NAMES = {"A2": "a2_gradient_descent", "A3": "a3_aligned_points", "A4": "a4_noisy_line",
          "A5": "a5_minibatch_sgd"}


def _fit_line(id, title, x, y, a, b, learning_rate, epochs, batch_size=None,
              shuffle=False, drop_last=False, shuffle_seed=0, arithmetic="bergel"):
    model = _line_model(a, b, seed=shuffle_seed)
    history = model.fit(x[:, None], y[:, None], loss=nnc.losses.MSE(),
                        optimizer=nnc.SGD(learning_rate), epochs=epochs,
                        batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                        record="params", **_arith(_NAMES[id], arithmetic))
    params = np.asarray(history.params, dtype=np.float64)
    a_path, b_path = params[:, 0].copy(), params[:, 1].copy()
    n = x.shape[0]
    if batch_size is None:
        mse = _costs(x, y, a_path[1:], b_path[1:])
    elif shuffle:
        # the batches change every epoch: the cost of the epoch's last line
        per_epoch = (a_path.shape[0] - 1) // epochs if epochs else 1
        mse = _costs(x, y, a_path[per_epoch::per_epoch], b_path[per_epoch::per_epoch])
    else:
        # Bergel adds, after each batch's update, that batch's squared errors / n.
        used = n - n % batch_size if drop_last and batch_size < n else n
        bounds = list(range(0, used, batch_size)) + [used]
        per_epoch = len(bounds) - 1
        steps = per_epoch * epochs
        a_after = a_path[1:steps + 1].reshape(epochs, per_epoch)
        b_after = b_path[1:steps + 1].reshape(epochs, per_epoch)
        mse = np.zeros(epochs)
        for j in range(per_epoch):
            xs, ys = x[bounds[j]:bounds[j + 1]], y[bounds[j]:bounds[j + 1]]
            pred = xs[None, :] * a_after[:, j:j + 1] + b_after[:, j:j + 1]
            err = ys[None, :] - pred
            mse += pharo_sum(err * err) / n
    per_epoch = (a_path.shape[0] - 1) // epochs if epochs else 0  # 0 epochs: no lines
    word = "update" if batch_size is None else "epoch"
    lines = [f"{word} {k + 1}: a = {_fmt(a_path[(k + 1) * per_epoch])}, "
             f"b = {_fmt(b_path[(k + 1) * per_epoch])}, cost = {_fmt(mse[k])}"
             for k in range(epochs)]
    return LineFit(id=id, title=title, x=x, y=y, a=a_path, b=b_path, mse=mse,
                   learning_rate=float(learning_rate), batch_size=batch_size,
                   history=history, _lines=lines)


def a2_gradient_descent(a: float = 0.5, b: float = 3.0, learning_rate: float = 0.01,
                        iterations: int = 1000, points: Optional[ArrayLike] = None,
                        arithmetic: str = "bergel") -> LineFit:
    """A2: 1000 gradient-descent updates from (0.5, 3) on the four points.

    The cost after the first update is 1.4127335; after 1000 the line is
    a = 1.4291..., b = 1.3905..., which Bergel prints as "(1.42, 1.39)".
    Full-batch ``SGD(0.01)`` on ``MSE()``.  ``iterations=0`` is allowed: the
    result holds just the starting line (``a``, ``b`` of length 1, ``mse``
    empty).  Returns a :class:`LineFit`.
    """
    iterations = _check.count("a2_gradient_descent", "iterations", iterations, minimum=0)
    x, y = _points("a2_gradient_descent", points, datasets.bergel_points)
    return _fit_line("A2", "gradient descent on the four points", x, y, a, b,
                     learning_rate, iterations, arithmetic=arithmetic)


def a3_aligned_points(a: float = 0.5, b: float = 3.0, learning_rate: float = 0.01,
                      iterations: int = 3000, points: Optional[ArrayLike] = None,
                      arithmetic: str = "bergel") -> LineFit:
    """A3: the same descent on four points that lie on one line: the cost has
    a zero minimum (a = 1.5, b = 0.5), and the run's cost tends to 0.
    ``points`` is ``(x, y)`` to try other points (default Bergel's
    (4, 6.5), (2, 3.5), (2, 3.5), (2, 3.5)).
    ``iterations=0`` gives just the starting line.  Returns a :class:`LineFit`."""
    iterations = _check.count("a3_aligned_points", "iterations", iterations, minimum=0)
    x, y = _points("a3_aligned_points", points, datasets.aligned_points)
    return _fit_line("A3", "aligned points: the cost tends to zero", x, y, a, b,
                     learning_rate, iterations, arithmetic=arithmetic)


def a4_noisy_line(n: int = 100, a: float = 0.5, b: float = 3.0, learning_rate: float = 0.01,
                  iterations: int = 3000, seed: int = 42, arithmetic: str = "bergel") -> LineFit:
    """A4: 3000 gradient-descent updates on Bergel's n noisy points around y = x
    (generated by Pharo's ``Random seed: 42``, reproduced exactly by
    :class:`nnc.datasets.ParkMiller`).  Returns a :class:`LineFit` that also
    carries ``first_draws``, the generator's first three numbers.
    ``iterations=0`` gives just the starting line."""
    iterations = _check.count("a4_noisy_line", "iterations", iterations, minimum=0)
    x, y = datasets.noisy_line(n, seed)
    result = _fit_line("A4", f"gradient descent on {n} noisy points", x, y, a, b,
                       learning_rate, iterations, arithmetic=arithmetic)
    result.first_draws = datasets.ParkMiller(seed).draws(3)
    result._lines = ([f"Random seed: {seed}: first draws "
                      + ", ".join(repr(v) for v in result.first_draws.tolist()),
                      f"first point ({float(x[0])!r}, {float(y[0])!r}), "
                      f"last point ({float(x[-1])!r}, {float(y[-1])!r})"]
                     + result._lines)
    result.head = 5
    return result


def a5_minibatch_sgd(n: int = 100, a: float = 0.5, b: float = 3.0, learning_rate: float = 0.01,
                     epochs: int = 1000, batch_size: int = 5, seed: int = 42,
                     shuffle: bool = False, drop_last: bool = True, shuffle_seed: int = 0,
                     arithmetic: str = "bergel") -> LineFit:
    """A5: mini-batch SGD on the same points: batches of 5 in data order, an
    update after each batch with that batch's mean gradient, 1000 epochs.
    ``fit(batch_size=5, shuffle=False, drop_last=True)``; the epoch's cost is
    Bergel's sum over batches of (batch squared errors after its update) / n.

    ``drop_last=True`` (the default) is Bergel's loop, which closes a batch
    only when the running index is a multiple of the batch size, so a trailing
    partial batch is never used: with ``batch_size=7`` on 100 points an epoch
    is 14 updates (700 in all), not 15.  ``drop_last=False`` keeps it.  A
    batch larger than the data never closes in Bergel's loop, so
    ``drop_last=True`` with ``batch_size > n`` raises ValueError.
    ``shuffle=True`` permutes the points before every epoch (what the chapter
    recommends doing first) with the model generator seeded by
    ``shuffle_seed``; the epoch's cost is then J of the epoch's last line.
    With ``drop_last`` too, each epoch's permutation loses its trailing
    partial batch (shuffle first, then Bergel's loop).
    ``epochs=0`` gives just the starting line.
    Returns a :class:`LineFit` (``a``, ``b`` hold every update).
    """
    fn = "a5_minibatch_sgd"
    epochs = _check.count(fn, "epochs", epochs, minimum=0)
    batch_size = _check.count(fn, "batch_size", batch_size)
    for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{fn}: {name} must be True or False, got {flag!r}")
    x, y = datasets.noisy_line(n, seed)
    if drop_last and batch_size > x.shape[0]:
        raise ValueError(f"{fn}: batch_size {batch_size} is larger than the {x.shape[0]} "
                         f"points: with drop_last=True (Bergel's loop) no batch ever "
                         f"closes; pass drop_last=False or a smaller batch_size")
    return _fit_line("A5", f"mini-batch SGD (batches of {batch_size}) on {n} noisy points",
                     x, y, a, b, learning_rate, epochs, batch_size=batch_size,
                     shuffle=bool(shuffle), drop_last=bool(drop_last),
                     shuffle_seed=shuffle_seed, arithmetic=arithmetic)


BOOK_GD_SECONDS = 27.479
BOOK_SGD_SECONDS = 18.847


def a6_timing(n: int = 30000, gd_iterations: int = 3000, sgd_epochs: int = 1000,
              batch_size: int = 5, learning_rate: float = 0.01, seed: int = 42) -> Result:
    """A6: Bergel times both algorithms on 30,000 points in Pharo (3.2 GHz Core
    i5): gradient descent, 3000 iterations, 27.479 s; mini-batch SGD, 1000
    epochs, 18.847 s.  The same two runs on nnc's engine, timed with
    ``time.perf_counter`` (only the epoch losses are recorded).  Bergel's timed
    blocks also generate the points; nnc's generation is timed separately
    (``data_seconds``, a few milliseconds).

    Two measures, which disagree in C.  *Work* (points visited: GD visits
    every point once per iteration, 90 million in all; SGD once per epoch, 30
    million) ranks SGD first, as Pharo's times do: in an interpreter the cost
    of visiting a point dominates either way (about 300 ns per point visited
    for GD and 630 ns for SGD in Bergel's figures), so visiting a third of
    the points wins.  *Time* in C ranks GD first: a full-batch
    pass is one long, vectorised sum over contiguous points, while SGD's 6
    million updates each depend on the one before and each pays a step's fixed
    cost (a forward pass, a backward pass and an update on five points).  The
    fit quality (the final cost J, beside the least-squares optimum) is the
    same for both.

    Returns a :class:`Result` with ``gd_seconds``, ``sgd_seconds``,
    ``data_seconds``, ``book_gd_seconds``, ``book_sgd_seconds``, ``gd_loss``,
    ``sgd_loss`` (per-epoch loss arrays), the final lines ``gd_line``,
    ``sgd_line``, their costs ``gd_cost``, ``sgd_cost`` and the least-squares
    ``best_cost``, and the work: ``gd_points``, ``sgd_points`` (points
    visited), ``gd_updates``, ``sgd_updates``.
    """
    fn = "a6_timing"
    n = _check.count(fn, "n", n, minimum=2)
    gd_iterations = _check.count(fn, "gd_iterations", gd_iterations)
    sgd_epochs = _check.count(fn, "sgd_epochs", sgd_epochs)
    batch_size = _check.count(fn, "batch_size", batch_size)
    td = time.perf_counter()
    x, y = datasets.noisy_line(n, seed)
    data_seconds = time.perf_counter() - td
    X, Y = x[:, None], y[:, None]
    gd = _line_model(0.5, 3.0)
    t0 = time.perf_counter()
    h_gd = gd.fit(X, Y, loss=nnc.losses.MSE(), optimizer=nnc.SGD(learning_rate),
                  epochs=gd_iterations, record="epoch")
    t1 = time.perf_counter()
    sgd = _line_model(0.5, 3.0)
    t2 = time.perf_counter()
    h_sgd = sgd.fit(X, Y, loss=nnc.losses.MSE(), optimizer=nnc.SGD(learning_rate),
                    epochs=sgd_epochs, batch_size=batch_size, shuffle=False,
                    drop_last=True, record="epoch")
    t3 = time.perf_counter()
    gd_line = (float(gd.layers[0].weight[0, 0]), float(gd.layers[0].bias[0]))
    sgd_line = (float(sgd.layers[0].weight[0, 0]), float(sgd.layers[0].bias[0]))
    gd_cost = float(_costs(x, y, np.array([gd_line[0]]), np.array([gd_line[1]]))[0])
    sgd_cost = float(_costs(x, y, np.array([sgd_line[0]]), np.array([sgd_line[1]]))[0])
    slope, intercept = np.polyfit(x, y, 1)
    best_cost = float(_costs(x, y, np.array([slope]), np.array([intercept]))[0])
    used = n - n % batch_size if batch_size < n else n
    gd_points, sgd_points = gd_iterations * n, sgd_epochs * used
    gd_updates = gd_iterations
    sgd_updates = int(h_sgd.steps) if hasattr(h_sgd, "steps") else sgd_epochs * max(
        1, used // batch_size)
    gd_s, sgd_s = t1 - t0, t3 - t2
    lines = [
        f"{n} points, gradient descent, {gd_iterations} iterations: "
        f"nnc {gd_s:.3f} s (Pharo: {BOOK_GD_SECONDS} s)",
        f"{n} points, mini-batch SGD (batch {batch_size}), {sgd_epochs} epochs: "
        f"nnc {sgd_s:.3f} s (Pharo: {BOOK_SGD_SECONDS} s)",
        f"work: GD visits {gd_points:,} points in {gd_updates:,} updates; "
        f"SGD {sgd_points:,} points in {sgd_updates:,} updates",
        f"time per point visited: GD {1e9 * gd_s / gd_points:.2f} ns, "
        f"SGD {1e9 * sgd_s / sgd_points:.2f} ns; "
        f"Pharo {1e9 * BOOK_GD_SECONDS / gd_points:.0f} ns and "
        f"{1e9 * BOOK_SGD_SECONDS / sgd_points:.0f} ns",
        f"fit: GD a={gd_line[0]:.6f} b={gd_line[1]:.6f} J={gd_cost:.3g}; "
        f"SGD a={sgd_line[0]:.6f} b={sgd_line[1]:.6f} J={sgd_cost:.3g}; "
        f"least squares J={best_cost:.3g}",
        f"generating the {n} points (Pharo's Random seed: {seed}): {data_seconds:.4f} s",
    ]
    result = Result(id="A6", title="timing: gradient descent against mini-batch SGD",
                    n=int(n), gd_seconds=gd_s, sgd_seconds=sgd_s,
                    data_seconds=data_seconds,
                    book_gd_seconds=BOOK_GD_SECONDS, book_sgd_seconds=BOOK_SGD_SECONDS,
                    gd_loss=np.asarray(h_gd.loss), sgd_loss=np.asarray(h_sgd.loss),
                    gd_line=gd_line, sgd_line=sgd_line, gd_cost=gd_cost,
                    sgd_cost=sgd_cost, best_cost=best_cost, gd_points=int(gd_points),
                    sgd_points=int(sgd_points), gd_updates=int(gd_updates),
                    sgd_updates=int(sgd_updates), _lines=lines)
    result.head, result.tail = len(lines), 0
    return result


def a7_sigmoid_derivative(x: Optional[ArrayLike] = None, h: float = 1e-5) -> Result:
    """A7: the sigmoid's derivative is ``sigma(x) (1 - sigma(x))``.

    Compares, on a grid of x, nnc's backward kernel (``F.sigmoid_backward``),
    the closed form ``s (1 - s)`` and central differences
    ``(sigma(x + h) - sigma(x - h)) / 2h``.  Returns a :class:`Result` with
    ``x``, ``sigma``, ``backward``, ``closed_form``, ``numeric`` arrays and the
    largest differences ``max_backward_vs_closed``, ``max_closed_vs_numeric``.
    ``x`` is a 1-D sequence of at least one value, or a single number; the
    step ``h`` a finite number > 0.
    """
    F = nnc.functional
    (h,) = _check.numbers("a7_sigmoid_derivative", "h", [h], 1)
    if not h > 0.0:
        raise ValueError(f"a7_sigmoid_derivative: h must be > 0, got {h!r}")
    x = (np.linspace(-6.0, 6.0, 121) if x is None
         else _check.vector("a7_sigmoid_derivative", "x", x, scalar_ok=True))
    s = np.asarray(F.sigmoid(x))
    backward = np.asarray(F.sigmoid_backward(x, np.ones_like(x)))
    closed = s * (1.0 - s)
    numeric = (np.asarray(F.sigmoid(x + h)) - np.asarray(F.sigmoid(x - h))) / (2.0 * h)
    d1 = float(np.max(np.abs(backward - closed)))
    d2 = float(np.max(np.abs(closed - numeric)))
    lines = [f"max |sigmoid_backward - s(1-s)|       = {d1:.3g}",
             f"max |s(1-s) - central difference|    = {d2:.3g} (h = {h:g})",
             f"at x = 0: s(1-s) = {float(closed[np.argmin(np.abs(x))])!r} (the largest slope, 1/4)"]
    return Result(id="A7", title="the sigmoid's derivative is s(1 - s)", x=x, sigma=s,
                  backward=backward, closed_form=closed, numeric=numeric,
                  max_backward_vs_closed=d1, max_closed_vs_numeric=d2, _lines=lines)
