"""LivePlot: watch a long ``fit`` while it trains."""
import time
from typing import Any, Optional, Sequence

import numpy as np

from . import _base as B

__all__ = ["LivePlot"]


class LivePlot:
    """A ``fit`` callback that plots the loss (and optionally the model's
    fitted curve or decision boundary) while the run trains::

        live = nnc.interact.LivePlot(model=model, X=X, y=y)
        with live:
            model.fit(X, y, loss="log_loss", optimizer=nnc.Adam(0.01), epochs=20000,
                      callback=live, callback_every=20)

    ``fit`` calls it as ``callback(epoch, history)``; it redraws first
    ``interval`` seconds after the first call, then at most every
    ``interval`` seconds, and never spends more than about ``budget``
    (default 3%) of the run drawing: after a redraw that took d seconds it
    waits at least ``d / budget`` before the next.  Between redraws a call
    costs one clock read.  In Jupyter the plot is an ``ipywidgets.Image``
    shown on the first call and updated in place; elsewhere it renders into
    ``figure`` (save it with ``live.figure.savefig(path)``).

    Each call from the engine also costs a return to Python (tens of
    microseconds, more on a busy machine), so pass a ``callback_every`` that
    calls back every few milliseconds rather than every epoch of a fast
    model, to keep the run within a few percent of its speed.

    Parameters
    ----------
    model, X, y : optional
        With a 1-input, 1-output model: the points and the fitted curve
        ``model.predict`` over their x range.  With a 2-input model: the
        points coloured by ``y`` and the model's output over the plane, red
        towards 1 and blue towards 0 (pass ``logits=True`` when the model
        outputs logits: the sigmoid is applied).  The model is read at epoch boundaries, when
        its weights are those of the last completed step.
    epochs : int, optional
        The run's length, to fix the epoch axis (otherwise it grows).
    log : bool
        Logarithmic loss axis (default True).
    interval : float
        Least seconds between two redraws (default 0.25: at most 4 a second).
    display : bool
        Show the widget on the first call (default True; False to only
        render into ``figure``).

    Attributes: ``figure``, ``png`` (the latest picture), ``draws`` (redraw
    count), ``draw_seconds`` (total time spent drawing), ``epochs`` (last
    epoch seen), ``status`` ("waiting", "running", "finished",
    "interrupted", "diverged").

    Use it as a context manager (or call :meth:`finish` with the History)
    to draw the final state: the last epochs may fall between two redraws
    (the context manager draws the History of the last call, so choose a
    ``callback_every`` that divides the epochs to see the very end).  On Ctrl-C the context
    manager draws the state the run stopped at (``KeyboardInterrupt``
    carries the History) and lets the interrupt propagate; a KeyboardInterrupt
    arriving during a redraw stops the run the same way, leaving the previous
    picture intact.
    """

    def __init__(self, *, model: Any = None, X: Any = None, y: Any = None,
                 epochs: Optional[int] = None, log: bool = True, interval: float = 0.25,
                 budget: float = 0.03, logits: bool = False, display: bool = True,
                 figsize: Sequence[float] = (9.0, 3.4), dpi: float = 72,
                 resolution: int = 80) -> None:
        import numbers
        for name, value in (("interval", interval), ("budget", budget)):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                raise TypeError(f"LivePlot: {name} must be a real number, got {value!r}")
        for name, value in (("log", log), ("logits", logits), ("display", display)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"LivePlot: {name} must be True or False, got {value!r}")
        if not interval >= 0:
            raise ValueError(f"LivePlot: interval must be >= 0 seconds, got {interval!r}")
        if not 0 < budget <= 1:
            raise ValueError(f"LivePlot: budget must be in (0, 1], got {budget!r}")
        if isinstance(resolution, (bool, np.bool_)) or not isinstance(resolution, int) \
                or not 2 <= resolution <= 1000:
            raise ValueError(f"LivePlot: resolution must be an int from 2 to 1000, "
                             f"got {resolution!r}")
        try:
            figsize = tuple(float(v) for v in figsize)
            dpi = float(dpi)
        except (TypeError, ValueError):
            raise TypeError(f"LivePlot: figsize must be (width, height) in inches and dpi a "
                            f"number, got {figsize!r}, {dpi!r}") from None
        if len(figsize) != 2 or not all(0 < v <= 50 for v in figsize) or not 10 <= dpi <= 600:
            raise ValueError(f"LivePlot: figsize must be two sizes in (0, 50] inches and dpi "
                             f"in [10, 600], got {figsize!r}, {dpi!r}")
        self.model: Any = model
        self.log = bool(log)
        self.interval, self.budget = float(interval), float(budget)
        self.logits, self._display = bool(logits), bool(display)
        if epochs is not None and not (isinstance(epochs, int) and epochs >= 1):
            raise ValueError(f"LivePlot: epochs must be a positive int or None, got {epochs!r}")
        self.total_epochs = epochs
        self._start = None
        self._last = None
        self.draws, self.draw_seconds, self.epochs = 0, 0.0, 0
        self.status = "waiting"
        self._next = 0.0
        self._shown = False
        self._canvas = B.Canvas(figsize, dpi)
        self.figure = self._canvas.figure
        self._kind = None
        if model is not None:
            if X is None or y is None:
                raise ValueError("LivePlot: with model=..., pass the data X and y too")
            try:
                X = np.asarray(X, dtype=np.float64)
                y = np.asarray(y, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError("LivePlot: X and y must be arrays of numbers") from None
            X = X[:, None] if X.ndim == 1 else X
            if X.ndim != 2 or X.shape[0] < 1 or y.size != X.shape[0] \
                    or not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
                raise ValueError(f"LivePlot: X must be (n, 1) or (n, 2) finite numbers and y "
                                 f"hold n finite values, got shapes {X.shape} and {y.shape}")
            if not hasattr(model, "predict"):
                raise TypeError(f"LivePlot: model must be an nnc model (with predict), got "
                                f"{type(model).__name__}")
            y = y.reshape(-1)
            if X.shape[1] == 1:
                self._kind = "curve"
            elif X.shape[1] == 2:
                self._kind = "boundary"
            else:
                raise ValueError(f"LivePlot: can draw a fitted curve (1 input) or a decision "
                                 f"boundary (2 inputs), X has {X.shape[1]} columns")
            self._X, self._y = X, y
        self._build(resolution)
        # Render once now: matplotlib's first draw of a figure pays for fonts
        # and layout, a cost that belongs here, not inside the training run.
        self._canvas.render()

    # ------------------------------------------------------------ figure
    def _build(self, resolution):
        fig = self.figure
        cols = 2 if self._kind else 1
        gs = fig.add_gridspec(1, cols, wspace=0.25, left=0.08, right=0.98, top=0.87,
                              bottom=0.15)
        ax = self._ax_loss = B.setup_axes(fig.add_subplot(gs[0, 0]), xlabel="epoch",
                                          ylabel="loss" + (" (log scale)" if self.log else ""),
                                          ylog=self.log, title="loss per epoch")
        (self._loss,) = ax.plot([], [], "-", color="tab:blue", lw=1.5)
        if self.total_epochs:
            ax.set_xlim(0, self.total_epochs)
        self._label = ax.text(0.97, 0.95, "", transform=ax.transAxes, ha="right", va="top",
                              fontsize=9, bbox=dict(facecolor="white", alpha=0.8,
                                                    edgecolor="0.8"))
        self._canvas.dynamic(self._loss, self._label)
        if self._kind == "curve":
            axc = self._ax_model = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="x",
                                                ylabel="y", title="the model's curve")
            x = self._X[:, 0]
            axc.scatter(x, self._y, s=12, color="tab:blue")
            lo, hi = float(x.min()), float(x.max())
            self._grid = np.linspace(lo, hi, 200)[:, None]
            (self._curve,) = axc.plot([], [], color="tab:red", lw=2)
            self._canvas.dynamic(self._curve)
        elif self._kind == "boundary":
            axb = self._ax_model = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="x1",
                                                ylabel="x2", title="the model's decision",
                                                grid=False)
            (x0, x1), (y0, y1) = (B.span(self._X[:, 0], 0.1), B.span(self._X[:, 1], 0.1))
            gx, gy = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
            self._grid = np.column_stack([np.repeat(gx[None, :], gy.size, 0).ravel(),
                                          np.repeat(gy[:, None], gx.size, 1).ravel()])
            self._shape = (gy.size, gx.size)
            self._image = axb.imshow(np.full(self._shape, np.nan), origin="lower",
                                     extent=(x0, x1, y0, y1), aspect="auto", cmap="coolwarm",
                                     vmin=0.0, vmax=1.0, alpha=0.6, interpolation="bilinear")
            axb.scatter(self._X[:, 0], self._X[:, 1], c=self._y, cmap="coolwarm", s=14,
                        edgecolors="k", linewidths=0.4, vmin=0.0, vmax=1.0, zorder=3)
            self._canvas.dynamic(self._image)

    # ------------------------------------------------------------ callback
    def __call__(self, epoch: int, history: Any) -> None:
        """The ``fit`` callback: redraw when due; never asks to stop."""
        now = time.perf_counter()
        self.epochs = int(epoch)
        self._last = history
        if self._start is None:  # the first call: draw once the run has gone on a while
            self._start = now
            self._next = now + self.interval
        if now < self._next:
            return None
        self.status = "running"
        self._draw(history)
        done = time.perf_counter()
        spent = done - now
        self._next = done + max(self.interval, spent / self.budget - spent)
        return None

    def finish(self, history: Any, status: str = "finished") -> "LivePlot":
        """Draw the final state of a run from its History."""
        if not hasattr(history, "loss"):
            raise TypeError(f"LivePlot.finish: history must be the History of a fit, got "
                            f"{type(history).__name__}")
        if not isinstance(status, str):
            raise TypeError(f"LivePlot.finish: status must be a str, got {status!r}")
        self.status = status
        self.epochs = int(getattr(history, "epochs", self.epochs))
        self._draw(history)
        return self

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        history = getattr(exc, "history", None) if exc is not None else None
        if exc_type is None:
            if self._last is not None:  # the last epochs since the last redraw
                self.finish(self._last)
            else:
                self.status = "finished"
                self._redraw_label()
        elif history is not None:
            status = "interrupted" if issubclass(exc_type, KeyboardInterrupt) else "diverged"
            self.finish(history, status)
        return False  # never swallow the exception

    # ------------------------------------------------------------ drawing
    def _redraw_label(self):
        text = self._label.get_text().split("\n")[0]
        self._label.set_text(f"{text}\n{self.status}")
        self._render()

    def _draw(self, history):
        t0 = time.perf_counter()
        loss = np.asarray(history.loss, dtype=np.float64)
        n = loss.size
        self._loss.set_data(np.arange(1, n + 1), B.positive(loss) if self.log else loss)
        if not self.total_epochs:
            B.set_limits(self._ax_loss, 0, max(n, 1), axis="x", slack=0.0, floor=0)
        if self.log:
            B.set_limits(self._ax_loss, *B.log_span(loss, pad=1.0), log=True, slack=0.3)
        else:
            B.set_limits(self._ax_loss, *B.span(loss, pad=0.0), slack=0.3)
        last = f"{loss[-1]:.4g}" if n else "-"
        self._label.set_text(f"epoch {n}: loss {last}\n{self.status}")
        if self._kind is not None:
            self._draw_model()
        self._render()
        self.draws += 1
        self.draw_seconds += time.perf_counter() - t0

    def _draw_model(self):
        out = np.asarray(self.model.predict(self._grid), dtype=np.float64)[:, 0]
        if self._kind == "curve":
            self._curve.set_data(self._grid[:, 0], out)
            B.set_limits(self._ax_model, *B.span(np.concatenate(
                [self._y, B.finite(out)]), pad=0.0), slack=0.3)
        else:
            if self.logits:
                out = 1.0 / (1.0 + np.exp(-np.clip(out, -500, 500)))
            self._image.set_data(out.reshape(self._shape))

    def _render(self):
        self._canvas.render()
        if self._display and not self._shown:
            self._shown = True
            try:
                from IPython import get_ipython
                from IPython.display import display
            except ImportError:  # pragma: no cover - IPython comes with ipywidgets
                return
            if get_ipython() is not None:
                display(self._canvas.image)

    @property
    def png(self) -> bytes:
        """The latest picture, PNG bytes."""
        return self._canvas.png

    @property
    def widget(self) -> Any:
        """The ``ipywidgets.Image`` the plot is drawn into."""
        return self._canvas.image

    def _repr_mimebundle_(self, **kwargs):
        data = self._canvas.image._repr_mimebundle_(**kwargs) or {}
        if self._canvas.png:
            import base64
            data["image/png"] = base64.b64encode(self._canvas.png).decode("ascii")
        data["text/plain"] = repr(self)
        return data

    def __repr__(self):
        return f"<LivePlot: {self.status}, epoch {self.epochs}, {self.draws} redraws>"
