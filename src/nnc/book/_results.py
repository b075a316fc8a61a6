"""Result objects of the walkthroughs.

Every walkthrough returns an object whose attributes are plain NumPy arrays
(or Python numbers) with the names listed in its class docstring, and whose
``str`` shows the book's lines in the book's format -- the first and last few
lines for long runs; ``result.lines()`` gives them all.  ``nnc.plot`` draws
figures from these attributes.
"""
from typing import TYPE_CHECKING, Any, List, Optional

import numpy as np
import numpy.typing as npt

from ._format import head_tail, py2str

if TYPE_CHECKING:
    from ..model import History

_Array = npt.NDArray[Any]

__all__ = [
    "Result", "TraskRun", "HotColdRun", "AlphaSweep", "LineFit", "NeuronFit",
    "LossSurface", "ManyStarts",
]


class Result:
    """Base of every walkthrough result.

    Attributes
    ----------
    id : str
        The walkthrough's id in WALKTHROUGHS.md ("G5", "A2", ...).
    title : str
        One line saying what the walkthrough shows.
    head, tail : int
        How many leading and trailing lines ``str`` shows of a long run.
    """

    id = ""
    title = ""
    head = 3
    tail = 3
    _lines: List[str]

    def __init__(self, **attributes: Any) -> None:
        for name, value in attributes.items():
            setattr(self, name, value)

    if TYPE_CHECKING:
        # A plain Result carries the attributes its walkthrough's docstring
        # lists (set by __init__); the subclasses below declare theirs.
        def __getattr__(self, name: str) -> Any: ...

    def lines(self) -> List[str]:
        """Every line the walkthrough prints, in order (a list of str)."""
        return list(vars(self).get("_lines", []))

    def __str__(self) -> str:
        return "\n".join([f"{self.id}: {self.title}"]
                         + head_tail(self.lines(), self.head, self.tail))

    def _repr_fields(self) -> List[str]:
        out = []
        for name, value in vars(self).items():
            if name.startswith("_") or name in ("id", "title"):
                continue
            if isinstance(value, np.ndarray):
                out.append(f"{name}{tuple(value.shape)}")
        return out

    def __repr__(self) -> str:
        fields = ", ".join(self._repr_fields())
        return f"<{type(self).__name__} {self.id}: {self.title}" + (
            f"; arrays: {fields}>" if fields else ">")


def _error_prediction_lines(errors: _Array, predictions: _Array) -> List[str]:
    return [f"Error:{py2str(e)} Prediction:{py2str(p)}"
            for e, p in zip(errors.tolist(), predictions.tolist())]


class TraskRun(Result):
    """Gradient descent on Trask's one-weight network ``pred = input * weight``.

    Step i (i = 0 .. steps-1) predicts with ``weights[i]``, measures
    ``errors[i] = (predictions[i] - goal) ** 2``, and moves the weight:
    ``weights[i + 1] = weights[i] - alpha * weight_deltas[i]``.

    Attributes
    ----------
    input, goal, alpha : float
        The setup.
    weights : ndarray, shape (steps + 1,)
        The weight before each step; the last entry is the weight after the run.
    predictions, errors, deltas, weight_deltas : ndarray, shape (steps,)
        Per step: ``input * weight``, ``(pred - goal) ** 2``, ``pred - goal``
        (the "pure error") and ``delta * input`` (the derivative of the error
        with respect to the weight, up to the factor 2 the book leaves out).
    history : nnc.History
        The engine's record of the run (``history.params`` holds ``weights``).
    style : str
        How the book prints the run: "error_prediction" (one
        ``Error:... Prediction:...`` line per step) or "weight_delta" (G7's
        block of weight, error/prediction and delta/weight-delta per step).
    """

    style = "error_prediction"
    input: float
    goal: float
    alpha: float
    weights: _Array
    predictions: _Array
    errors: _Array
    deltas: _Array
    weight_deltas: _Array
    history: "History"

    def lines(self) -> List[str]:
        if "_lines" in vars(self):
            return super().lines()
        if self.style == "weight_delta":
            out = []
            for w, e, p, d, wd in zip(self.weights[:-1].tolist(), self.errors.tolist(),
                                      self.predictions.tolist(), self.deltas.tolist(),
                                      self.weight_deltas.tolist()):
                out += ["-----", f"Weight:{py2str(w)}",
                        f"Error:{py2str(e)} Prediction:{py2str(p)}",
                        f"Delta:{py2str(d)} Weight Delta:{py2str(wd)}"]
            return out
        return _error_prediction_lines(self.errors, self.predictions)

    def __str__(self) -> str:
        if self.style == "weight_delta" and "_lines" not in vars(self):
            return "\n".join([f"{self.id}: {self.title}"] + self.lines())
        return super().__str__()


class HotColdRun(Result):
    """Hot/cold learning on Trask's one-weight network.

    Each step predicts with the current weight, then probes ``weight + step``
    and ``weight - step`` and moves to the probe with the lower error (staying
    put when the two errors are equal).

    Attributes
    ----------
    input, goal, step : float
        The setup.
    weights : ndarray, shape (steps + 1,)
        The weight before each step, and after the last.
    predictions, errors : ndarray, shape (steps,)
        ``input * weight`` and ``(pred - goal) ** 2`` before each step's move.
    up_predictions, up_errors, down_predictions, down_errors : ndarray, shape (steps,)
        The two probes of each step.
    moves : ndarray of int8, shape (steps,)
        +1 (went up), -1 (went down) or 0 (stayed).
    forward_passes : int
        Predictions the run made (three per step): why gradients win.
    history : nnc.History
    """

    input: float
    goal: float
    step: float
    weights: _Array
    predictions: _Array
    errors: _Array
    up_predictions: _Array
    up_errors: _Array
    down_predictions: _Array
    down_errors: _Array
    moves: _Array
    forward_passes: int
    history: "History"


class AlphaSweep(Result):
    """Gradient descent on ``pred = input * weight`` for many learning rates.

    Each step multiplies the distance to the goal, ``pred - goal``, by
    ``1 - alpha * input**2``; the run converges when that factor lies strictly
    between -1 and 1, i.e. ``0 < alpha * input**2 < 2``.

    Attributes
    ----------
    input, goal, weight : float
        The setup (weight is the starting weight).
    alphas : ndarray, shape (k,)
        The learning rates tried.
    factors : ndarray, shape (k,)
        ``1 - alpha * input**2``, the per-step factor on the error's root.
    final_errors : ndarray, shape (k,)
        The error after ``steps`` steps (inf where the run overflowed).
    converged : ndarray of bool, shape (k,)
        Whether the error shrank below the first step's error.
    critical_alpha : float
        ``nnc.max_stable_lr``: the learning rate ``2 / input**2`` at which the
        run stops converging.
    steps : int
    """

    input: float
    goal: float
    weight: float
    alphas: _Array
    factors: _Array
    final_errors: _Array
    converged: _Array
    critical_alpha: float
    steps: int

    def _rows(self, idx):
        a, f, e = (np.asarray(v)[idx].tolist() for v in
                   (self.alphas, self.factors, self.final_errors))
        c = np.asarray(self.converged)[idx].tolist()
        x2 = self.input * self.input
        return [f"{ai:8.4g} {ai * x2:14.4g} {fi:8.4g} {ei:18.6g}  "
                + ("converges" if ci else ("diverges" if abs(fi) > 1 else "stalls"))
                for ai, fi, ei, ci in zip(a, f, e, c)]

    def _header(self):
        return [f"input {py2str(self.input)}: critical alpha = 2 / input**2 = "
                f"{py2str(self.critical_alpha)} (nnc.max_stable_lr)",
                f"{'alpha':>8} {'alpha*input^2':>14} {'factor':>8} "
                f"{'error after ' + str(self.steps):>18}  verdict"]

    def lines(self):
        """The header and one row per alpha (all of them)."""
        return self._header() + self._rows(slice(None))

    def __str__(self):
        # Formats only the rows it shows (head_tail's rule, without building
        # every row of a long sweep).
        k, head, tail = len(self.alphas), self.head, self.tail
        total = k + 2
        if total <= head + tail + 1:
            shown = self.lines()
        else:
            first = self._header()[:head] + self._rows(slice(0, max(head - 2, 0)))
            shown = first + ["...."] + (self._rows(slice(k - tail, k)) if tail else [])
        return "\n".join([f"{self.id}: {self.title}"] + shown)


class LineFit(Result):
    """A line ``f(x) = a*x + b`` fitted to points by (mini-batch) gradient descent.

    Attributes
    ----------
    x, y : ndarray, shape (n,)
        The points, in the book's order.
    a, b : ndarray, shape (updates + 1,)
        Slope and intercept before each update, and after the last.
    mse : ndarray, shape (epochs,)
        The cost the book records at the end of each epoch: for full-batch
        descent the mean squared error after the epoch's update; for
        mini-batches, Bergel's accumulated sum over batches of (the batch's
        squared errors after its update) / n.
    learning_rate : float
    batch_size : int or None
        None for full-batch gradient descent.
    history : nnc.History
    first_draws : ndarray, shape (3,)
        A4 only: the first three numbers of Bergel's generator.
    """

    x: _Array
    y: _Array
    a: _Array
    b: _Array
    mse: _Array
    learning_rate: float
    batch_size: Optional[int]
    history: "History"
    first_draws: _Array


class NeuronFit(Result):
    """A sigmoid neuron ``f(x) = sigmoid(w*x + b)`` fitted by gradient descent.

    Attributes
    ----------
    x, y : ndarray, shape (n,)
        The data.
    w, b : ndarray, shape (epochs + 1,)
        The parameters before each epoch's update, and after the last.
    loss : ndarray, shape (epochs + 1,)
        The loss at (w[i], b[i]): sum over points of (f - y)**2 / 2.
    learning_rate : float
    history : nnc.History
    """

    x: _Array
    y: _Array
    w: _Array
    b: _Array
    loss: _Array
    learning_rate: float
    history: "History"


class LossSurface(Result):
    """A loss evaluated over a grid of two parameters, with a descent path.

    Attributes
    ----------
    w_grid : ndarray, shape (nw,)
    b_grid : ndarray, shape (nb,)
    loss : ndarray, shape (nb, nw)
        ``loss[j, i]`` is the loss at ``(w_grid[i], b_grid[j])`` -- the layout
        of ``np.meshgrid(w_grid, b_grid)``, so ``plt.contour(w_grid, b_grid,
        loss)`` draws it.
    path_w, path_b, path_loss : ndarray, shape (steps + 1,)
        A gradient-descent path across the surface.
    """

    w_grid: _Array
    b_grid: _Array
    loss: _Array
    path_w: _Array
    path_b: _Array
    path_loss: _Array


class ManyStarts(Result):
    """The sigmoid neuron trained from every start of a (w, b) grid (S+, beyond the article).

    Attributes
    ----------
    x, y : ndarray, shape (n,)
        The data.
    w_grid : ndarray, shape (nw,)
    b_grid : ndarray, shape (nb,)
        The starting values; start ``[j, i]`` is ``(w_grid[i], b_grid[j])``
        (the layout of ``np.meshgrid(w_grid, b_grid)``).
    start_loss, final_loss : ndarray, shape (nb, nw)
        The loss at the start and after the last epoch.
    epochs_to_threshold : ndarray of int64, shape (nb, nw)
        The first epoch k whose loss (at the parameters after k epochs) is
        below ``threshold``; -1 when the run never gets there.
    final_w, final_b : ndarray, shape (nb, nw)
        The parameters after the last epoch.
    loss : ndarray, shape (nb, nw, epochs + 1)
        Every run's loss, at its start and after each epoch.
    threshold, learning_rate : float
    epochs : int
    forward_passes : int
        Forward passes of the whole sweep (one per epoch and start).
    """

    x: _Array
    y: _Array
    w_grid: _Array
    b_grid: _Array
    start_loss: _Array
    final_loss: _Array
    epochs_to_threshold: _Array
    final_w: _Array
    final_b: _Array
    loss: _Array
    threshold: float
    learning_rate: float
    epochs: int
    forward_passes: int
