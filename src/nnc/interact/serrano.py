"""Grokking Machine Learning, appendix B (Serrano): local minima and random
restarts."""
import math

from typing import Optional

import numpy as np

import nnc

from . import _base as B

__all__ = ["restart_explorer", "RestartExplorer", "MAX_RESTARTS"]

MAX_RESTARTS = 40
_VALLEY = math.log(2.0) / 2.0  # two points right, two at probability 1/2


def restarts_run(restarts: int, seed: int, epochs: int, learning_rate: float,
                 hidden: int) -> nnc.book.Result:
    """M6's runs for the seeds ``seed, seed + 1, ..., seed + restarts - 1``:
    each a fresh ``Sequential([Dense(2, hidden), Sigmoid(), Dense(hidden, 1)],
    seed=s)`` fitted on XOR with full-batch descent on the log loss (from
    logits).  ``seed=0`` gives exactly ``nnc.book.grokking_ml.xor_restarts``
    (M6's valleys in many dimensions)."""
    X, y = nnc.datasets.xor()
    loss = nnc.losses.LogLossWithLogits()
    seeds = np.arange(seed, seed + restarts, dtype=np.int64)
    finals, accs, curves = [], [], []
    for s in seeds.tolist():
        model = nnc.Sequential([nnc.Dense(2, hidden), nnc.Sigmoid(), nnc.Dense(hidden, 1)],
                               seed=s, dtype="float64")
        h = model.fit(X, y, loss=loss, optimizer=nnc.SGD(learning_rate), epochs=epochs)
        curves.append(np.asarray(h.loss, dtype=np.float64))
        finals.append(float(model.evaluate(X, y, loss)))
        prob = np.asarray(nnc.functional.sigmoid(np.asarray(model.predict(X))))[:, 0]
        accs.append(float(np.mean((prob >= 0.5) == (y[:, 0] == 1.0))))
    finals, accs = np.array(finals), np.array(accs)
    best = int(seeds[np.argmin(finals)])
    return nnc.book.Result(id="M6", title="local minima and random restarts", seeds=seeds,
                           final_loss=finals, accuracy=accs, stuck=accs < 1.0,
                           losses=np.array(curves), best_seed=best)


class RestartExplorer(B.Explorer):
    """Random restarts of a small network on XOR.  See :func:`restart_explorer`."""

    title = "Valleys and random restarts: keep the best of several starts"
    figsize = (9.5, 3.7)

    def _build(self, fig):
        gs = fig.add_gridspec(1, 2, width_ratios=[1.4, 1.0], wspace=0.25, left=0.07,
                              right=0.98, top=0.87, bottom=0.14)
        self._ax1 = B.setup_axes(fig.add_subplot(gs[0, 0]), xlabel="epoch",
                                 ylabel="log loss (log scale)", ylog=True,
                                 title="every restart's loss")
        self._ax2 = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="restart",
                                 ylabel="final log loss", title="where each restart ended")
        self._curves = [self._ax1.plot([], [], "-", lw=1.0)[0] for _ in range(MAX_RESTARTS)]
        (self._best,) = self._ax1.plot([], [], "-", color="tab:green", lw=2.5)
        self._ax2.axhline(_VALLEY, color="tab:red", lw=1, ls="--")
        self._ax2.text(0.02, _VALLEY, " valley: ln(2)/2", color="tab:red", fontsize=8,
                       va="bottom", transform=self._ax2.get_yaxis_transform())
        self._ax1.axhline(_VALLEY, color="tab:red", lw=1, ls="--")
        self._ok = self._ax2.scatter([], [], color="tab:green", s=30, zorder=3)
        self._stuck = self._ax2.scatter([], [], color="tab:red", marker="x", s=30, zorder=3)
        (self._best_mark,) = self._ax2.plot([], [], "*", color="gold", mec="k", ms=14)
        self.canvas.dynamic(*self._curves, self._best, self._ok, self._stuck, self._best_mark)

    def _compute(self, restarts, seed, epochs, learning_rate, hidden):
        if not 1 <= restarts <= MAX_RESTARTS:
            raise ValueError(f"restarts must be between 1 and {MAX_RESTARTS}, got {restarts}")
        return restarts_run(restarts, seed, epochs, learning_rate, hidden)

    def _draw(self, r):
        epochs = r.losses.shape[1]
        t = np.arange(1, epochs + 1)
        best = int(np.argmin(r.final_loss))
        for k, line in enumerate(self._curves):
            if k < r.seeds.size:
                line.set_data(t, B.positive(r.losses[k]))
                line.set_color("tab:red" if r.stuck[k] else "tab:blue")
                line.set_alpha(0.6)
                line.set_visible(True)
            else:
                line.set_visible(False)
        self._best.set_data(t, B.positive(r.losses[best]))
        B.set_limits(self._ax1, 1, max(epochs, 2), axis="x", slack=0.9)
        B.set_limits(self._ax1, *B.log_span(r.losses, pad=1.0), log=True, slack=0.3)
        ok, st = ~r.stuck, r.stuck
        k = np.arange(1, r.seeds.size + 1)  # restart number (seed = first seed + k - 1)
        self._ok.set_offsets(np.column_stack([k[ok], r.final_loss[ok]]))
        self._stuck.set_offsets(np.column_stack([k[st], r.final_loss[st]]))
        self._best_mark.set_data([k[best]], [r.final_loss[best]])
        B.set_limits(self._ax2, 0.5, r.seeds.size + 0.5, axis="x", slack=0.6)
        B.set_limits(self._ax2, 0.0, max(float(r.final_loss.max()), _VALLEY * 1.2), slack=0.4)

    def _note(self, r):
        n = r.seeds.size
        stuck = int(r.stuck.sum())
        return (f"{stuck} of {n} restarts got stuck in a valley; the best (seed "
                f"{r.best_seed}) ends at log loss {r.final_loss.min():.3g}"
                + (" -- every restart stuck: add restarts or change the seed"
                   if stuck == n else ""))


@B.explorer_function
def restart_explorer(restarts: int = 12, seed: int = 0, epochs: int = 3000,
                     learning_rate: float = 0.5, hidden: int = 2, *,
                     continuous: Optional[bool] = None) -> RestartExplorer:
    """Explore local minima and random restarts (Serrano's appendix B, M6).

    Controls: the number of restarts (1 .. 40), the first seed, epochs,
    learning rate and hidden units.  Every change trains each restart (a
    2-hidden-2-1 sigmoid network on XOR, full-batch descent on the log loss;
    seeds ``seed .. seed + restarts - 1``) and draws every loss curve (red:
    stuck in a valley with two points at probability 1/2, loss ln(2)/2 per
    point; blue: solved; green: the best) and where each restart ended.
    With ``seed=0`` the runs are exactly ``nnc.book.grokking_ml.xor_restarts``'s.

    Returns an explorer widget: ``.controls`` (``restarts``, ``seed``,
    ``epochs``, ``learning_rate``, ``hidden``), ``.update()``, ``.result`` (a
    :class:`nnc.book.Result` with ``seeds``, ``final_loss``, ``accuracy``,
    ``stuck``, ``losses``, ``best_seed``).
    """
    controls = {
        "restarts": B.int_slider("restarts", "restarts", restarts, 1, MAX_RESTARTS),
        "seed": B.int_slider("seed", "first seed", seed, 0, 1000),
        "epochs": B.int_slider("epochs", "epochs", epochs, 10, 10000, step=10),
        "learning_rate": B.log_slider("learning_rate", "learning rate", learning_rate, -2.0,
                                      1.0, step=0.01),
        "hidden": B.int_slider("hidden", "hidden units", hidden, 1, 8),
    }
    return RestartExplorer(controls, continuous=continuous)
