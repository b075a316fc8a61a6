"""Grokking Deep Learning, ch. 4 (Trask): the alpha explorer and the hot/cold
explorer, on the one-weight network ``pred = input * weight``."""
from typing import Optional

import numpy as np
from matplotlib.patches import Rectangle

import nnc

from . import _base as B

__all__ = ["alpha_explorer", "hot_cold_explorer", "AlphaExplorer", "HotColdExplorer"]

_ALPHA_LOG_RANGE = (-3.0, 1.0)  # the alpha slider: 0.001 .. 10


class AlphaExplorer(B.Explorer):
    """Trask's gradient descent (``nnc.book.g5_gradient_descent``) with every
    number on a slider.  See :func:`alpha_explorer`."""

    title = "Gradient descent on pred = input * weight: when does it converge?"
    figsize = (9.5, 4.4)

    def _build(self, fig):
        gs = fig.add_gridspec(2, 2, height_ratios=[4.2, 1.0], hspace=0.65, wspace=0.28,
                              left=0.08, right=0.98, top=0.92, bottom=0.12)
        ax_err = self._ax_err = fig.add_subplot(gs[0, 0])
        ax_bowl = self._ax_bowl = fig.add_subplot(gs[0, 1])
        ax_a = self._ax_alpha = fig.add_subplot(gs[1, :])
        B.setup_axes(ax_err, title="error per step", xlabel="step",
                     ylabel="error (log scale)", ylog=True)
        (self._err_line,) = ax_err.plot([], [], "o-", color="tab:red", ms=3, lw=1.2)
        self.canvas.dynamic(self._err_line)
        B.setup_axes(ax_bowl, title="the bowl, with the steps taken", xlabel="weight",
                     ylabel="error")
        (self._bowl,) = ax_bowl.plot([], [], color="0.35", lw=1.5)
        (self._steps,) = ax_bowl.plot([], [], "o-", color="tab:red", ms=4, lw=0.8, alpha=0.8)
        (self._start,) = ax_bowl.plot([], [], "o", color="tab:green", ms=9, mec="white")
        self.canvas.dynamic(self._bowl, self._steps, self._start)
        B.setup_axes(ax_a, xlabel="alpha", xlog=True, grid=False)
        ax_a.set_xlim(10 ** _ALPHA_LOG_RANGE[0], 10 ** _ALPHA_LOG_RANGE[1])
        ax_a.set_ylim(0, 1)
        ax_a.set_yticks([])
        tr = ax_a.get_xaxis_transform()
        self._bands = []
        for colour, label in (("#b7e4c7", "converges"), ("#ffd6a5", "oscillates, converges"),
                              ("#ffadad", "diverges")):
            rect = Rectangle((1.0, 0.0), 1.0, 1.0, transform=tr, facecolor=colour,
                             edgecolor="none")
            ax_a.add_patch(rect)
            text = ax_a.text(1.0, 0.5, label, transform=tr, ha="center", va="center",
                             fontsize=9)
            self._bands.append((rect, text))
            self.canvas.dynamic(rect, text)
        self._alpha_mark = self.canvas.dynamic(ax_a.axvline(1.0, color="k", lw=2.5))
        self._alpha_title = self.canvas.dynamic(ax_a.text(
            0.5, 1.08, "", transform=ax_a.transAxes, ha="center", va="bottom", fontsize=10))

    def _compute(self, alpha, input, weight, goal, steps):
        return nnc.book.g5_gradient_descent(weight=weight, input=input, goal=goal,
                                            alpha=alpha, iterations=steps)

    def _draw(self, r):
        steps = r.errors.size
        self._err_line.set_data(np.arange(steps), B.positive(r.errors))
        self._ax_err.set_xlim(-0.5, max(steps, 1) - 0.5)
        B.set_limits(self._ax_err, *B.log_span(r.errors, pad=1.0), log=True, slack=0.4)
        # the bowl over the weights visited (and the minimum), with the path
        w_path = r.weights
        e_path = (r.input * w_path - r.goal) ** 2
        anchors = [w_path[0]] if r.input == 0 else [w_path[0], r.goal / r.input]
        lo, hi = B.span(np.concatenate([B.finite(w_path), anchors]), pad=0.0)
        w = np.linspace(lo, hi, 200)
        e = (r.input * w - r.goal) ** 2
        self._bowl.set_data(w, e)
        self._steps.set_data(w_path, e_path)
        self._start.set_data(w_path[:1], e_path[:1])
        B.set_limits(self._ax_bowl, lo, hi, axis="x", slack=0.2)
        e_lo, e_hi = B.span(np.concatenate([e, B.finite(e_path)]), pad=0.0)
        B.set_limits(self._ax_bowl, e_lo, e_hi, slack=0.2, floor=e_lo - 0.05 * (e_hi - e_lo))
        # the alpha axis: alpha * input^2 in (0, 1) converges smoothly, in
        # [1, 2) overshoots but converges (oscillating), >= 2 diverges
        a_lo, a_hi = 10 ** _ALPHA_LOG_RANGE[0], 10 ** _ALPHA_LOG_RANGE[1]
        x2 = r.input * r.input
        c1 = 1.0 / x2 if x2 > 0 else np.inf
        c2 = 2.0 / x2 if x2 > 0 else np.inf
        for (rect, text), (left, right) in zip(self._bands, ((a_lo, c1), (c1, c2), (c2, a_hi))):
            left, right = max(left, a_lo), min(right, a_hi)
            visible = right > left
            rect.set_visible(visible)
            text.set_visible(visible and np.log10(right / left) > 0.35)
            if visible:
                rect.set_x(left)
                rect.set_width(right - left)
                text.set_x(float(np.sqrt(left * right)))
        self._alpha_mark.set_xdata([r.alpha, r.alpha])
        self._alpha_title.set_text(f"alpha = {r.alpha:.4g}:  alpha * input^2 = "
                                 f"{r.alpha * x2:.4g},  factor 1 - alpha * input^2 = "
                                 f"{1 - r.alpha * x2:.4g} per step")

    def _note(self, r):
        k = r.alpha * r.input * r.input
        if r.input == 0:
            return "input 0: the gradient is always 0, so the weight never moves."
        if k < 1:
            how = "converges smoothly (0 < alpha * input^2 < 1)"
        elif k == 1:
            how = "lands on the goal in one step (alpha * input^2 = 1)"
        elif k < 2:
            how = "overshoots and oscillates, but converges (1 < alpha * input^2 < 2)"
        elif k == 2:
            how = "bounces between two weights forever (alpha * input^2 = 2)"
        else:
            how = "diverges: every step overshoots further (alpha * input^2 > 2)"
        return (f"Gradient descent {how}; final error {r.errors[-1]:.4g}."
                if r.errors.size else f"Gradient descent {how}.")


@B.explorer_function
def alpha_explorer(alpha: float = 1.0, input: float = 0.5, weight: float = 0.5, goal: float = 0.8,
                   steps: int = 20, *, continuous: Optional[bool] = None) -> AlphaExplorer:
    """Explore Trask's gradient descent (G5-G9): alpha, input, start weight,
    goal and number of steps on sliders.

    Every change re-runs ``nnc.book.g5_gradient_descent(weight, input, goal,
    alpha, steps)`` and redraws: the error per step (log scale), the error
    bowl ``(input * w - goal)**2`` with the weights visited, and the alpha
    axis marked with the convergence band ``0 < alpha * input**2 < 2`` (split
    into the smooth part below 1 and the oscillating part from 1 to 2) and the
    divergence region above 2.  A run that overflows is reported in the
    status line.

    Returns an explorer widget: ``.controls`` (``alpha``, ``input``,
    ``weight``, ``goal``, ``steps``), ``.update()``, ``.result`` (the
    :class:`nnc.book.TraskRun`).  ``continuous=None`` lets the sliders
    recompute while dragged when an update takes under 50 ms here.
    """
    controls = {
        "alpha": B.log_slider("alpha", "alpha", alpha, *_ALPHA_LOG_RANGE, step=0.01),
        "input": B.float_slider("input", "input", input, -3.0, 3.0, 0.05),
        "weight": B.float_slider("weight", "start weight", weight, -3.0, 3.0, 0.05),
        "goal": B.float_slider("goal", "goal", goal, -2.0, 2.0, 0.05),
        "steps": B.int_slider("steps", "steps", steps, 0, 200),
    }
    return AlphaExplorer(controls, continuous=continuous)


class HotColdExplorer(B.Explorer):
    """Hot/cold learning (``nnc.book.g3_hot_cold``) beside gradient descent
    (``nnc.book.g5_gradient_descent``).  See :func:`hot_cold_explorer`."""

    title = "Hot/cold learning: probe up, probe down, keep the better"
    figsize = (9.5, 3.8)

    def _build(self, fig):
        gs = fig.add_gridspec(1, 2, width_ratios=[2.2, 1.0], wspace=0.3, left=0.07,
                              right=0.98, top=0.88, bottom=0.15)
        ax = self._ax_pred = fig.add_subplot(gs[0, 0])
        B.setup_axes(ax, title="the prediction, iteration by iteration", xlabel="iteration",
                     ylabel="prediction")
        self._goal = ax.axhline(0.8, color="k", lw=1, ls="--", label="goal")
        (self._hc,) = ax.plot([], [], "-", color="tab:orange", lw=1.4, label="hot/cold")
        (self._gd,) = ax.plot([], [], "-", color="tab:blue", lw=1.4, label="gradient descent")
        self.canvas.dynamic(self._goal, self._hc, self._gd)
        self.canvas.dynamic(ax.legend(loc="lower right", fontsize=9))
        axb = self._ax_bars = fig.add_subplot(gs[0, 1])
        B.setup_axes(axb, title="forward passes (predictions)", grid=False)
        self._bars = axb.bar([0, 1], [1, 1], color=["tab:orange", "tab:blue"])
        axb.set_xticks([0, 1], ["hot/cold", "gradient\ndescent"])
        self._bar_text = [axb.text(i, 0, "", ha="center", va="bottom", fontsize=9)
                          for i in (0, 1)]
        self.canvas.dynamic(*self._bars, *self._bar_text)

    def _compute(self, step, iterations, alpha):
        hot = nnc.book.g3_hot_cold(step=step, iterations=iterations)
        try:
            gd, gd_error = nnc.book.g5_gradient_descent(alpha=alpha, iterations=iterations), ""
        except nnc.DivergenceError as exc:  # too large an alpha: hot/cold still shows
            gd, gd_error = None, f"gradient descent diverged at step {exc.step}"
        return nnc.book.Result(id="G3", title="hot/cold learning against gradient descent",
                               hot_cold=hot, gradient_descent=gd,
                               gradient_descent_error=gd_error, step=float(step),
                               alpha=float(alpha), iterations=int(iterations))

    def _draw(self, r):
        hot, gd = r.hot_cold, r.gradient_descent
        n = hot.predictions.size
        it = np.arange(n)
        self._hc.set_data(it, hot.predictions)
        gd_pred = gd.predictions if gd is not None else np.empty(0)
        self._gd.set_data(np.arange(gd_pred.size), gd_pred)
        self._goal.set_ydata([hot.goal, hot.goal])
        self._ax_pred.set_xlim(-0.5, max(n, 2) - 0.5)
        B.set_limits(self._ax_pred, *B.span(np.concatenate(
            [hot.predictions, gd_pred, [hot.goal]]), pad=0.0))
        passes = [hot.forward_passes, int(gd.history.forward_passes) if gd is not None else 0]
        for bar, text, p in zip(self._bars, self._bar_text, passes):
            bar.set_height(p)
            text.set_position((bar.get_x() + bar.get_width() / 2, p))
            text.set_text(str(p))
        B.set_limits(self._ax_bars, 0, max(max(passes), 1) * 1.1, slack=0.5)

    def _note(self, r):
        hot = r.hot_cold
        err = hot.errors
        if err.size == 0:
            return ""
        tail = hot.moves[-min(20, err.size):]
        rocking = bool(np.any(tail > 0) and np.any(tail < 0))
        best = float(np.min(err))
        where = int(np.argmin(err))
        text = f"hot/cold: lowest error {best:.3g} at iteration {where}"
        if rocking:
            text += (f"; it ends rocking around the goal in steps of {hot.step:g} "
                     f"(the step never shrinks)")
        if r.gradient_descent is None:
            return text + f". {r.gradient_descent_error[0].upper()}" \
                f"{r.gradient_descent_error[1:]}: alpha {r.alpha:g} is too large for input 0.5."
        return text + (f". Gradient descent (alpha {r.alpha:g}): error "
                       f"{r.gradient_descent.errors[-1]:.3g} with a third of the predictions.")


@B.explorer_function
def hot_cold_explorer(step: float = 0.001, iterations: int = 1101, alpha: float = 1.0, *,
                      continuous: Optional[bool] = None) -> HotColdExplorer:
    """Explore Trask's hot/cold learning (G3) against gradient descent (G5).

    Controls: the step size (0.0001 .. 20, log slider), the number of
    iterations and the gradient-descent alpha.  Every change re-runs
    ``nnc.book.g3_hot_cold(step=..., iterations=...)`` and
    ``nnc.book.g5_gradient_descent(alpha=..., iterations=...)`` and shows the
    predictions per iteration -- hot/cold rocks around 0.8 with a fixed step
    (step 0.2) or jumps between 0.25 and 5.25 (step 10) -- and the number of
    forward passes each method made (three per hot/cold iteration, one per
    gradient step).

    Returns an explorer widget: ``.controls`` (``step``, ``iterations``,
    ``alpha``), ``.update()``, ``.result`` (a :class:`nnc.book.Result` with
    ``hot_cold`` (a HotColdRun) and ``gradient_descent`` (a TraskRun, or None
    when that run diverged: ``gradient_descent_error`` says at which step)).
    """
    controls = {
        "step": B.log_slider("step", "step", step, -4.0, np.log10(20.0), step=0.01),
        "iterations": B.int_slider("iterations", "iterations", iterations, 1, 3000),
        "alpha": B.log_slider("alpha", "GD alpha", alpha, -3.0, 1.0, step=0.01),
    }
    return HotColdExplorer(controls, continuous=continuous)
