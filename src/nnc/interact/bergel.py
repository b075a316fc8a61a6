"""Agile AI in Pharo, ch. 4 (Bergel): a line fitted by gradient descent,
mini-batch or online SGD, on his noisy points."""
from typing import Optional

import numpy as np

import nnc

from . import _base as B

__all__ = ["line_fit_explorer", "LineFitExplorer", "BATCHES"]

#: The batch choices: full batch (gradient descent), online (one point per
#: update) and mini-batches of k points.
BATCHES = ("full", "1", "k")


def _shuffled_fit(n, learning_rate, epochs, batch_size, seed, data_seed):
    """Bergel's model and start (a = 0.5, b = 3) fitted with shuffled batches:
    one ``Sequential.fit(..., shuffle=True)``, the order drawn from the model's
    generator seeded with ``seed``."""
    x, y = nnc.datasets.noisy_line(n, data_seed)
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=seed, dtype="float64")
    model.layers[0].weight[...] = 0.5
    model.layers[0].bias[...] = 3.0
    history = model.fit(x[:, None], y[:, None], loss=nnc.losses.MSE(),
                        optimizer=nnc.SGD(learning_rate), epochs=epochs,
                        batch_size=batch_size, shuffle=True, record="params")
    params = np.asarray(history.params, dtype=np.float64)
    return nnc.book.LineFit(
        id="A5+", title=f"shuffled batches of {batch_size or n} on {n} noisy points",
        x=x, y=y, a=params[:, 0].copy(), b=params[:, 1].copy(),
        mse=np.asarray(history.loss, dtype=np.float64), learning_rate=float(learning_rate),
        batch_size=batch_size, history=history)


class LineFitExplorer(B.Explorer):
    """Bergel's line fit with every choice on a control.  See
    :func:`line_fit_explorer`."""

    title = "Fitting a line: gradient descent, mini-batches, online SGD"
    figsize = (9.5, 3.8)

    def _build(self, fig):
        gs = fig.add_gridspec(1, 2, wspace=0.25, left=0.07, right=0.98, top=0.88, bottom=0.14)
        ax = self._ax_pts = B.setup_axes(fig.add_subplot(gs[0, 0]), xlabel="x", ylabel="y",
                                         title="the points and the line")
        self._pts = ax.scatter([], [], s=10, color="tab:blue", zorder=2)
        (self._start,) = ax.plot([], [], "--", color="0.6", lw=1, label="start")
        (self._line,) = ax.plot([], [], "-", color="tab:red", lw=2, label="fitted")
        self.canvas.dynamic(self._pts, self._start, self._line)
        self.canvas.dynamic(ax.legend(loc="upper left", fontsize=8))
        axc = self._ax_cost = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="epoch",
                                           ylabel="cost (log scale)", ylog=True,
                                           title="the cost per epoch")
        (self._cost,) = axc.plot([], [], "-", color="tab:purple", lw=1.5)
        self._work = axc.text(0.97, 0.95, "", transform=axc.transAxes, ha="right", va="top",
                              fontsize=9, bbox=dict(facecolor="white", alpha=0.8,
                                                    edgecolor="0.8"))
        self.canvas.dynamic(self._cost, self._work)

    def _compute(self, learning_rate, epochs, batch, k, shuffle, n, seed):
        if batch not in BATCHES:
            raise ValueError(f"batch must be one of {BATCHES}, got {batch!r}")
        batch_size = {"full": None, "1": 1, "k": int(k)}[batch]
        if shuffle and batch != "full":
            return _shuffled_fit(n, learning_rate, epochs, batch_size, seed, 42)
        if batch_size is None or batch_size >= n:
            return nnc.book.a4_noisy_line(n=n, learning_rate=learning_rate, iterations=epochs)
        return nnc.book.a5_minibatch_sgd(n=n, learning_rate=learning_rate, epochs=epochs,
                                         batch_size=batch_size)

    def _draw(self, r):
        x, y = r.x, r.y
        self._pts.set_offsets(np.column_stack([x, y]))
        lo, hi = float(x.min()), float(x.max())
        xs = np.array([lo, hi])
        self._start.set_data(xs, r.a[0] * xs + r.b[0])
        self._line.set_data(xs, r.a[-1] * xs + r.b[-1])
        pad = 0.05 * (hi - lo)
        B.set_limits(self._ax_pts, lo - pad, hi + pad, axis="x", slack=0.8)
        B.set_limits(self._ax_pts, *B.span(np.concatenate(
            [y, r.a[-1] * xs + r.b[-1], r.a[0] * xs + r.b[0]]), pad=0.0), slack=0.6)
        epochs = r.mse.size
        self._cost.set_data(np.arange(1, epochs + 1), B.positive(r.mse))
        self._ax_cost.set_xlim(0, max(epochs, 1) + 0.5)
        B.set_limits(self._ax_cost, *B.log_span(r.mse, pad=1.0), log=True)
        updates = r.a.size - 1
        self._work.set_text(f"{updates} updates\n{epochs * x.size} points visited\n"
                            f"final cost {r.mse[-1]:.4g}" if epochs else "no epochs run")

    def _note(self, r):
        c = self.values()
        if c["shuffle"] and c["batch"] == "full":
            return "shuffle changes nothing with full batches: every update sees all points."
        if c["batch"] == "k" and c["k"] >= c["n"]:
            return f"a batch of {c['k']} >= {c['n']} points is the full batch."
        return (f"line a = {r.a[-1]:.4f}, b = {r.b[-1]:.4f}" if r.a.size else "")


@B.explorer_function
def line_fit_explorer(learning_rate: float = 0.01, epochs: int = 1000, batch: str = "full",
                      k: int = 5, shuffle: bool = False, n: int = 100, seed: int = 0, *,
                      continuous: Optional[bool] = None) -> LineFitExplorer:
    """Explore Bergel's line fit (A2-A6): learning rate, epochs, batch size
    (full, 1 or k), shuffling and the number of noisy points.

    Every change re-runs the fit on ``nnc.datasets.noisy_line(n, 42)``
    (Pharo's ``Random seed: 42``) from Bergel's start a = 0.5, b = 3:
    ``nnc.book.a4_noisy_line`` for full batches, ``nnc.book.a5_minibatch_sgd``
    for batches of 1 or k in data order, and ``Sequential.fit(...,
    shuffle=True)`` (order from the model's generator, seeded with ``seed``)
    when shuffled.  Shows the points with the start and fitted lines, the
    cost per epoch, and the work done (updates, points visited).  A learning
    rate that makes the run diverge is reported in the status line.

    Returns an explorer widget: ``.controls`` (``learning_rate``,
    ``epochs``, ``batch``, ``k``, ``shuffle``, ``n``, ``seed``), ``.update()``,
    ``.result`` (a :class:`nnc.book.LineFit`).
    """
    controls = {
        "learning_rate": B.log_slider("learning_rate", "learning rate", learning_rate, -4.0,
                                      0.5, step=0.01),
        "epochs": B.int_slider("epochs", "epochs", epochs, 0, 3000, step=10),
        "batch": B.dropdown("batch", "batch", list(BATCHES), batch),
        "k": B.int_slider("k", "k", k, 2, 100),
        "shuffle": B.checkbox("shuffle", "shuffle", shuffle),
        "n": B.int_slider("n", "points", n, 2, 500),
        "seed": B.int_slider("seed", "shuffle seed", seed, 0, 99),
    }
    return LineFitExplorer(controls, continuous=continuous)
