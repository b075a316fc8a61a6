"""Grokking Machine Learning, appendix B (Serrano): stuck in a valley, and
random restarts (M6, Figs. B.7-B.9)."""
import numpy as np

import nnc

from . import _base as B

__all__ = ["restart_explorer", "RestartExplorer", "MAX_RESTARTS"]

MAX_RESTARTS = 40
INTERVAL = (-6.0, 6.0)  # where M6 draws its starts (nnc.book's default)
_SHOWN = 160  # points of each walk drawn on the curve (the walk settles long before)


class RestartExplorer(B.Explorer):
    """``nnc.book.m6_random_restarts`` with its restarts, seed, learning rate
    and steps on sliders.  See :func:`restart_explorer`."""

    title = "Stuck in a valley: random restarts, keep the best (Figs. B.7-B.9)"
    figsize = (9.5, 3.7)

    def _build(self, fig):
        gs = fig.add_gridspec(1, 2, width_ratios=[1.4, 1.0], wspace=0.25, left=0.07,
                              right=0.98, top=0.87, bottom=0.14)
        ax = self._ax1 = B.setup_axes(fig.add_subplot(gs[0, 0]), xlabel="x", ylabel="f(x)",
                                      title="f(x) = 0.1 x\u00b2 + sin 2x: the walks")
        # The function depends on no control: the background, drawn once.
        grid = np.linspace(INTERVAL[0] - 1.0, INTERVAL[1] + 1.0, 1401)
        curve = nnc.book.grokking_ml.valleys(grid)
        ax.plot(grid, curve, "-", color="k", lw=1.4, zorder=1)
        ax.axvspan(INTERVAL[0] - 1.0, INTERVAL[0], color="0.92", zorder=0)
        ax.axvspan(INTERVAL[1], INTERVAL[1] + 1.0, color="0.92", zorder=0)
        k_low = int(np.argmin(np.where(np.abs(grid) <= INTERVAL[1], curve, np.inf)))
        ax.axvline(grid[k_low], color="tab:blue", lw=0.8, ls=":", zorder=1)
        inside = curve[np.abs(grid) <= INTERVAL[1]]
        pad = 0.05 * float(inside.max() - inside.min())
        self._f_range = (float(inside.min()) - pad, float(inside.max()) + pad)
        ax.set_xlim(INTERVAL[0] - 1.0, INTERVAL[1] + 1.0)
        ax.set_ylim(float(curve.min()) - 0.4, float(curve.max()) + 0.4)
        self._walks = [ax.plot([], [], ".-", lw=0.8, ms=3, alpha=0.75, zorder=2)[0]
                       for _ in range(MAX_RESTARTS)]
        self._starts = ax.scatter([], [], s=22, facecolor="white", edgecolor="k", zorder=3)
        self._ends_ok = ax.scatter([], [], s=40, color="tab:blue", zorder=4)
        self._ends_stuck = ax.scatter([], [], s=40, color="tab:red", marker="X", zorder=4)
        (self._best1,) = ax.plot([], [], "*", color="gold", mec="k", ms=16, zorder=5)
        ax2 = self._ax2 = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="step",
                                       ylabel="f(x) at the step",
                                       title="every restart's value, step by step")
        self._values = [ax2.plot([], [], "-", lw=1.0, alpha=0.7)[0]
                        for _ in range(MAX_RESTARTS)]
        (self._best2,) = ax2.plot([], [], "-", color="tab:green", lw=2.5)
        self._lowest = ax2.axhline(0.0, color="tab:blue", lw=1, ls="--")
        self._label = ax2.text(0.97, 0.95, "", transform=ax2.transAxes, ha="right",
                               va="top", fontsize=9)
        self.canvas.dynamic(*self._walks, self._starts, self._ends_ok, self._ends_stuck,
                            self._best1, *self._values, self._best2, self._lowest,
                            self._label)

    def _compute(self, restarts, seed, learning_rate, steps):
        if not 1 <= restarts <= MAX_RESTARTS:
            raise ValueError(f"restarts must be between 1 and {MAX_RESTARTS}, got {restarts}")
        return nnc.book.m6_random_restarts(restarts=restarts, seed=seed,
                                           learning_rate=learning_rate, steps=steps,
                                           interval=INTERVAL)

    def _draw(self, r):
        f = nnc.book.grokking_ml.valleys
        n, steps = r.paths.shape[0], r.paths.shape[1] - 1
        shown = r.paths[:, :_SHOWN + 1]
        values = f(r.paths)  # restarts x (steps + 1)
        for k, (walk, line) in enumerate(zip(self._walks, self._values)):
            if k < n:
                color = "tab:red" if r.stuck[k] else "tab:blue"
                walk.set_data(shown[k], values[k, :_SHOWN + 1])
                line.set_data(np.arange(steps + 1), values[k])
                walk.set_color(color)
                line.set_color(color)
                walk.set_visible(True)
                line.set_visible(True)
            else:
                walk.set_visible(False)
                line.set_visible(False)
        self._starts.set_offsets(np.column_stack([r.starts, f(r.starts)]))
        ok, st = ~r.stuck, r.stuck
        self._ends_ok.set_offsets(np.column_stack([r.final_x[ok], r.final_value[ok]]))
        self._ends_stuck.set_offsets(np.column_stack([r.final_x[st], r.final_value[st]]))
        self._best1.set_data([r.final_x[r.best]], [r.final_value[r.best]])
        self._best2.set_data(np.arange(steps + 1), values[r.best])
        self._lowest.set_ydata([r.lowest_value, r.lowest_value])
        self._label.set_text(f"best: restart {r.best + 1}\nf = {r.final_value[r.best]:.4f}")
        B.set_limits(self._ax2, 0, max(steps, 1), axis="x", slack=0.9, floor=0)
        # f over the interval bounds every walk that stays in it: a fixed range
        # then (no axis redraw while a slider moves), wider only when needed
        lo, hi = B.span(np.append(values, r.lowest_value))
        B.set_limits(self._ax2, min(lo, self._f_range[0]), max(hi, self._f_range[1]),
                     slack=0.4)

    def _note(self, r):
        n = r.starts.size
        stuck = int(r.stuck.sum())
        outside = bool(np.any(np.abs(B.finite(r.paths)) > INTERVAL[1] + 1.0)) or \
            not np.all(np.isfinite(r.paths))
        return (f"{stuck} of {n} restarts stopped in a higher valley; the best (restart "
                f"{r.best + 1}) ends at x = {r.final_x[r.best]:.4f}, f = "
                f"{r.final_value[r.best]:.4f} (lowest: f({r.lowest_x:.4f}) = "
                f"{r.lowest_value:.4f})"
                + (" -- every restart stuck: add restarts, change the seed, or take more "
                   "steps" if stuck == n else "")
                + (" -- some walks leave the drawn part of the curve" if outside else ""))


@B.explorer_function
def restart_explorer(restarts=3, seed=0, learning_rate=0.05, steps=500, *, continuous=None):
    """Explore local minima and random restarts (Serrano's appendix B, M6,
    Figs. B.7-B.9).

    Controls: the number of restarts (1 .. 40), the seed, the learning rate
    and the number of steps.  Every change re-runs
    ``nnc.book.m6_random_restarts(restarts=, seed=, learning_rate=, steps=)``
    on the appendix's function with several valleys, ``f(x) = 0.1 x^2 +
    sin 2x``: gradient descent from ``restarts`` starts drawn uniformly in
    [-6, 6] by ``random.Random(seed)``.  Left, each walk sliding down the
    curve from its start (white) to where it stops (blue: the lowest valley,
    dotted line; red cross: a higher valley), the best end marked with a
    gold star; right, every restart's f(x) step by step (the best in green,
    the lowest value dashed).  The defaults are the book's: three restarts,
    two stuck.

    Returns an explorer widget: ``.controls`` (``restarts``, ``seed``,
    ``learning_rate``, ``steps``), ``.update()``, ``.result`` (the
    :class:`nnc.book.Result` of ``m6_random_restarts``: ``starts``,
    ``paths``, ``final_x``, ``final_value``, ``stuck``, ``best``,
    ``lowest_x``, ``lowest_value``, ...).
    """
    controls = {
        "restarts": B.int_slider("restarts", "restarts", restarts, 1, MAX_RESTARTS),
        "seed": B.int_slider("seed", "seed", seed, 0, 1000),
        "learning_rate": B.log_slider("learning_rate", "learning rate", learning_rate, -3.0,
                                      0.0, step=0.01),
        "steps": B.int_slider("steps", "steps", steps, 1, 2000),
    }
    return RestartExplorer(controls, continuous=continuous)
