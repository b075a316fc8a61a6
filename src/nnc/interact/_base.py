"""The machinery every explorer shares: a widget holding controls, a status
line and a picture, which recomputes the whole run and redraws it in place
whenever a control moves.

The picture is a matplotlib figure drawn by the Agg renderer into an
``ipywidgets.Image``: it needs no JavaScript beyond ipywidgets' own (no
ipympl), so it shows the same in JupyterLab, Notebook, VS Code and Voila,
offline.  Figures are built once; an update only moves the existing artists
(``set_data``, ``set_offsets``, ``set_x``, ...) and re-renders what changed.
"""
import io
import math
import statistics
import time
from typing import Any, Callable, Sequence, TypeVar, cast

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import nnc

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["Explorer", "Canvas", "CONTINUOUS_BUDGET"]

#: An explorer recomputes while a slider is dragged when its median update
#: (compute plus redraw) is below this many seconds.
CONTINUOUS_BUDGET = 0.050

#: Errors an explorer reports in its status line instead of raising: bad
#: parameter combinations (ValueError, TypeError), runs that blow up
#: (nnc.DivergenceError is a FloatingPointError) and overflow.
REPORTED = (ValueError, TypeError, FloatingPointError, OverflowError, ZeroDivisionError)


class Canvas:
    """A matplotlib ``Figure`` rendered by Agg into an ``ipywidgets.Image``.

    Artists registered with :meth:`dynamic` are the ones an update moves;
    everything else (axes, ticks, labels, static curves) is the background.
    ``render()`` redraws the background only when it changed (an axis limit,
    scale or title moved: see :meth:`_decor_key`, or :meth:`invalidate` was
    called) -- and then only the axes that changed, when they stand clear of
    the others -- and otherwise restores the cached background and draws
    just the dynamic artists on it (blitting), then publishes the picture in
    ``image.value`` as a JPEG (quality 95, no chroma subsampling: the same
    to the eye as a PNG, and 10-20 times faster to encode than even a
    lightly compressed PNG, which would otherwise dominate an update).
    ``png`` is the same picture as PNG, encoded when first asked for: the
    static picture stored in notebooks.
    """

    def __init__(self, figsize: Sequence[float] = (9.0, 3.6), dpi: float = 72) -> None:
        self.figure = Figure(figsize=(figsize[0], figsize[1]), dpi=dpi)
        FigureCanvasAgg(self.figure)
        width = int(round(figsize[0] * dpi))
        self.image = widgets.Image(format="jpeg", layout=widgets.Layout(
            width=f"{width}px", max_width="100%", height="auto"))
        self._png = None
        self._rendered = False
        self._dynamic = []
        self._background: Any = None
        self._key: Any = None
        self._boxes = []
        self.full_redraws = 0
        self.partial_redraws = 0

    def dynamic(self, *artists: Any) -> Any:
        """Mark artists as moved by updates (drawn on top, in this order)."""
        for artist in artists:
            artist.set_animated(True)
            self._dynamic.append(artist)
        return artists[0] if len(artists) == 1 else artists

    def invalidate(self):
        """Force a full redraw at the next render (the background changed)."""
        self._background = None

    def _decor_key(self):
        key = []
        for ax in self.figure.axes:
            key.append((ax.get_visible(), ax.get_xlim(), ax.get_ylim(), ax.get_xscale(),
                        ax.get_yscale(), ax.get_title(), ax.get_xlabel(), ax.get_ylabel()))
        return key

    def render(self):
        """Draw the figure and publish it; returns the JPEG bytes shown."""
        canvas = cast(FigureCanvasAgg, self.figure.canvas)
        key = self._decor_key()
        if self._background is None or len(key) != len(self._key):
            self._full_draw(key)
        elif key != self._key:
            changed = [i for i, (k, old) in enumerate(zip(key, self._key)) if k != old]
            if not self._redraw_axes(changed, key):
                self._full_draw(key)
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for artist in self._dynamic:
            if artist.get_visible() and (artist.axes is None or artist.axes.get_visible()):
                artist.draw(renderer)
        self.image.value = self._encode("jpeg", quality=95, subsampling=0)
        self._png = None
        self._rendered = True
        return self.image.value

    def _full_draw(self, key):
        canvas = cast(FigureCanvasAgg, self.figure.canvas)
        canvas.draw()  # everything but the dynamic (animated) artists
        renderer = canvas.get_renderer()
        self._boxes = [ax.get_tightbbox(renderer) for ax in self.figure.axes]
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._key = key
        self.full_redraws += 1

    def _redraw_axes(self, changed, key):
        """Redraw only the axes whose decoration changed, over the cached
        background: clear the region they covered before and cover now, draw
        them (dynamic artists excluded), keep the result as the new
        background.  Returns False (a full redraw is needed) when that region
        would touch another axes."""
        from matplotlib.patches import Rectangle
        from matplotlib.transforms import Bbox
        canvas = cast(FigureCanvasAgg, self.figure.canvas)
        renderer = canvas.get_renderer()
        axes = self.figure.axes
        new_boxes = list(self._boxes)
        regions = []
        for i in changed:
            box = axes[i].get_tightbbox(renderer)
            old = self._boxes[i]
            if box is None or old is None:
                return False
            region = Bbox.union([box, old]).expanded(1.0, 1.0).padded(2.0)
            for j, other in enumerate(self._boxes):
                if j not in changed and other is not None and region.overlaps(other):
                    return False
            new_boxes[i] = box
            regions.append(region)
        canvas.restore_region(self._background)
        face = self.figure.get_facecolor()
        for i, region in zip(changed, regions):
            clear = Rectangle((region.x0, region.y0), region.width, region.height,
                              transform=None, facecolor=face, edgecolor="none")
            clear.set_figure(self.figure)
            clear.draw(renderer)
            axes[i].draw(renderer)
        self._boxes = new_boxes
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._key = key
        self.partial_redraws += 1
        return True

        renderer = canvas.get_renderer()
        for artist in self._dynamic:
            if artist.get_visible() and (artist.axes is None or artist.axes.get_visible()):
                artist.draw(renderer)
        self.image.value = self._encode("jpeg", quality=95, subsampling=0)
        self._png = None
        self._rendered = True
        return self.image.value

    def _encode(self, fmt, **options):
        from PIL import Image
        canvas = cast(FigureCanvasAgg, self.figure.canvas)
        w, h = canvas.get_width_height()
        buf = io.BytesIO()
        rgba: Any = canvas.buffer_rgba()  # a memoryview: PIL's stubs say bytes
        Image.frombuffer("RGBA", (w, h), rgba, "raw", "RGBA", 0, 1).convert(
            "RGB").save(buf, format=fmt, **options)
        return buf.getvalue()

    @property
    def png(self):
        """The latest rendered picture as PNG bytes (b"" before the first render)."""
        if not self._rendered:
            return b""
        if self._png is None:
            self._png = self._encode("png")
        return self._png


def _message_html(text, kind):
    import html
    colour = {"error": "#b00020", "note": "#555555"}[kind]
    return (f'<div style="color:{colour}; font-family:sans-serif; font-size:13px; '
            f'min-height:1.3em">{html.escape(text)}</div>')


class Explorer(widgets.VBox):
    """A displayable widget: controls, a status line and a figure.

    Attributes
    ----------
    controls : dict
        Name -> ipywidgets control.  Setting a control's ``value`` recomputes
        and redraws (``update``) immediately.
    result : object or None
        The latest nnc result (a ``nnc.book`` result or a ``History``), or
        None when the current controls are an invalid combination.
    message : str
        What the status line says: "" when all is well, otherwise why the
        run could not be shown (the error's own text) or a note about it.
    error : bool
        Whether ``message`` reports an error (no result) rather than a note.
    figure : matplotlib.figure.Figure
    canvas : Canvas
        The figure's renderer (``canvas.png`` is the latest picture).
    timings : dict
        ``{"compute": [...], "draw": [...]}``: seconds per update, newest
        last (wall clock); ``"compute_cpu"``, ``"draw_cpu"``: the same in
        CPU time of this process (what an update costs on an idle machine).
    continuous_update : bool
        Whether sliders recompute while dragged.  ``continuous=None``
        decides it from the median CPU time of the latest updates (the first
        three, then the last five: below ``CONTINUOUS_BUDGET``), so it
        follows the controls to heavier or lighter runs, and a machine busy
        with other work does not switch it off.

    Subclasses define ``_build(figure)`` (registering the artists updates
    move with ``self.canvas.dynamic``), ``_compute(**values)`` (returns the
    result, raises on invalid input) and ``_draw(result)`` (moves the
    artists); ``_note(result)`` may return a note for the status line.
    """

    title = ""
    figsize = (9.0, 3.6)

    def __init__(self, controls, *, continuous=None, dpi=72):
        if continuous is not None and not isinstance(continuous, (bool, np.bool_)):
            raise TypeError(f"continuous must be True, False or None (decide from the "
                            f"update time), got {continuous!r}")
        self.controls = dict(controls)
        self.result = None
        self.message = ""
        self.error = False
        self.timings = {"compute": [], "draw": [], "compute_cpu": [], "draw_cpu": []}
        self._canvas = Canvas(self.figsize, dpi)
        self.figure = self._canvas.figure
        self.canvas = self._canvas
        self._status = widgets.HTML(_message_html("", "note"))
        self._error_text = None
        self._build(self.figure)
        self._error_text = self.figure.text(
            0.5, 0.5, "", ha="center", va="center", fontsize=11, color="#b00020",
            bbox=dict(boxstyle="round", facecolor="white", edgecolor="#b00020", alpha=0.92),
            visible=False, zorder=100)
        self._canvas.dynamic(self._error_text)
        header = [widgets.HTML(f"<b>{self.title}</b>")] if self.title else []
        boxes = _control_rows(list(self.controls.values()))
        super().__init__(header + boxes + [self._status, self._canvas.image])
        self._auto = continuous is None
        self.update()
        if self._auto:
            self.update()
            self.update()
            continuous = self._fast_enough()
        self._set_continuous(bool(continuous))
        for control in self.controls.values():
            control.observe(self._changed, names="value")

    def _fast_enough(self, last=5):
        totals = [c + d for c, d in zip(self.timings["compute_cpu"][-last:],
                                        self.timings["draw_cpu"][-last:])]
        return statistics.median(totals) < CONTINUOUS_BUDGET

    def _set_continuous(self, on):
        self.continuous_update = on
        for control in self.controls.values():
            if hasattr(control, "continuous_update"):
                control.continuous_update = on

    # ------------------------------------------------------------ the loop
    def _changed(self, change):
        self.update()
        if self._auto and len(self.timings["draw_cpu"]) >= 5:
            # The controls may have moved to a heavier run (a deeper stack,
            # more restarts): follow the last five updates.
            fast = self._fast_enough()
            if fast != self.continuous_update:
                self._set_continuous(fast)

    def values(self):
        """The controls' current values, as a dict name -> value."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self):
        """Recompute the whole run from the controls and redraw in place.

        Never raises for an invalid combination of controls: the status line
        (and ``message``) says what is wrong and ``result`` becomes None.
        Returns ``result``.
        """
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                result = self._compute(**self.values())
        except REPORTED as exc:
            t1, c1 = time.perf_counter(), time.process_time()
            self.result = None
            self._show_message(_explain(exc), error=True)
            self._canvas.render()
            self._record(t0, c0, t1, c1)
            return None
        t1, c1 = time.perf_counter(), time.process_time()
        self.result = result
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                self._draw(result)
            note, error = self._note(result) or "", False
        except REPORTED as exc:  # a result too extreme to draw (the run itself was fine)
            note, error = f"cannot draw this run: {_explain(exc)}", True
        self._show_message(note, error=error)
        self._canvas.render()
        self._record(t0, c0, t1, c1)
        return result

    def _record(self, t0, c0, t1, c1):
        t2, c2 = time.perf_counter(), time.process_time()
        for key, value in (("compute", t1 - t0), ("draw", t2 - t1),
                           ("compute_cpu", c1 - c0), ("draw_cpu", c2 - c1)):
            series = self.timings[key]
            series.append(value)
            if len(series) > 1000:
                del series[:500]

    def _show_message(self, text, *, error):
        self.message = text
        self.error = bool(error and text)
        self._status.value = _message_html(text, "error" if self.error else "note")
        if self._error_text is not None:
            self._error_text.set_text(text if self.error else "")
            self._error_text.set_visible(self.error)

    # ------------------------------------------------------------ display
    def _repr_mimebundle_(self, **kwargs):
        # The live widget for a running kernel, plus the current picture as a
        # PNG so that a stored notebook (or any frontend without the widget
        # manager) still shows what the explorer showed.
        import base64
        data = super()._repr_mimebundle_(**kwargs)
        if data is None:  # pragma: no cover - a widget without a view
            data = {"text/plain": repr(self)}
        if self._canvas.png:
            data["image/png"] = base64.b64encode(self._canvas.png).decode("ascii")
        data["text/plain"] = f"<{type(self).__name__}: {self.title}>"
        return data

    def __repr__(self):
        return f"<{type(self).__name__}: {self.title}>"

    # ------------------------------------------------------------ subclass hooks
    def _build(self, figure):  # pragma: no cover - abstract
        raise NotImplementedError

    def _compute(self, **values):  # pragma: no cover - abstract
        raise NotImplementedError

    def _draw(self, result):  # pragma: no cover - abstract
        raise NotImplementedError

    def _note(self, result):
        return ""


def _explain(exc):
    text = str(exc) or type(exc).__name__
    if isinstance(exc, nnc.DivergenceError):
        return "The run diverged: " + text.split("; try")[0]
    return text


def _control_rows(controls, per_row=3):
    rows = []
    for k in range(0, len(controls), per_row):
        rows.append(widgets.HBox(controls[k:k + per_row]))
    return rows


# ---------------------------------------------------------------- controls
_STYLE = {"description_width": "initial"}


def _number(name, value, lo, hi, integer=False):
    """A control's starting value, checked: a real number (an int for an
    integer control) within the control's range [lo, hi]."""
    import numbers
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {'an integer' if integer else 'a real number'}, "
                        f"got {value!r}")
    if not lo <= value <= hi:  # NaN fails too
        raise ValueError(f"{name} must be between {lo:g} and {hi:g} (the range of its "
                         f"slider), got {value!r}")
    return int(cast(Any, value)) if integer else float(cast(Any, value))


def float_slider(name, description, value, lo, hi, step, readout_format=".3g"):
    return widgets.FloatSlider(value=_number(name, value, lo, hi), min=lo, max=hi, step=step,
                               description=description, readout_format=readout_format,
                               style=_STYLE)


def log_slider(name, description, value, lo_exp, hi_exp, step=0.05, readout_format=".3g"):
    value = _number(name, value, 10.0 ** lo_exp, 10.0 ** hi_exp)
    return widgets.FloatLogSlider(value=value, base=10, min=lo_exp, max=hi_exp, step=step,
                                  description=description, readout_format=readout_format,
                                  style=_STYLE)


def int_slider(name, description, value, lo, hi, step=1):
    return widgets.IntSlider(value=_number(name, value, lo, hi, integer=True), min=lo, max=hi,
                             step=step, description=description, style=_STYLE)


def dropdown(name, description, options, value):
    if isinstance(value, (list, dict, set, np.ndarray)) or value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return widgets.Dropdown(options=options, value=value, description=description,
                            style=_STYLE)


def checkbox(name, description, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return widgets.Checkbox(value=bool(value), description=description, indent=False)


def explorer_function(fn: _F) -> _F:
    """Decorates an explorer function: argument errors name the function."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            if str(exc).startswith(fn.__name__):
                raise
            raise type(exc)(f"{fn.__name__}: {exc}") from None
    return cast(_F, wrapper)


# ---------------------------------------------------------------- drawing helpers
def finite(values, limit=1e250):
    """The finite entries of an array no larger than ``limit`` in magnitude
    (for axis limits: matplotlib cannot span the whole float range)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    return values[np.isfinite(values) & (np.abs(values) <= limit)]


def span(values, pad=0.05, fallback=(0.0, 1.0)):
    """(lo, hi) of the finite values with a margin; ``fallback`` when none."""
    v = finite(values)
    if v.size == 0:
        return fallback
    lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        width = abs(lo) * 0.1 or 1.0
        return lo - width, hi + width
    margin = pad * (hi - lo)
    return lo - margin, hi + margin


def log_span(values, floor=1e-300, fallback=(1e-3, 1.0), pad=2.0):
    """(lo, hi) for a log axis: the positive finite values, padded by a factor."""
    v = finite(values)
    v = v[v > floor]
    if v.size == 0:
        return fallback
    lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        return lo / 10.0, hi * 10.0
    return lo / pad, min(hi * pad, 1e300)


def positive(values, floor=1e-300):
    """Values made plottable on a log axis: non-positive -> NaN (a gap)."""
    v = np.array(values, dtype=np.float64)
    v[~(v > floor)] = np.nan
    return v


def setup_axes(ax, *, title="", xlabel="", ylabel="", xlog=False, ylog=False, grid=True):
    """Label an axes and make it cheap to redraw.

    Redrawing is dominated by the axes' decoration, not the data, so: a fixed
    title position (matplotlib otherwise measures the tick labels to place
    it on every draw), at most ~5 major ticks, and no minor ticks on log axes.
    """
    from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator
    if xlog:
        ax.set_xscale("log")
    if ylog:
        ax.set_yscale("log")
    for axis, log in ((ax.xaxis, xlog), (ax.yaxis, ylog)):
        axis.set_major_locator(LogLocator(numticks=5) if log else MaxNLocator(5))
        axis.set_minor_locator(NullLocator())
    if title:
        ax.set_title(title, fontsize=10, y=1.0, pad=4)
    if xlabel:
        ax.set_xlabel(xlabel, labelpad=2)
    if ylabel:
        ax.set_ylabel(ylabel, labelpad=2)
    if grid:
        ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=8)
    return ax


def set_limits(ax, lo, hi, axis="y", log=False, slack=0.35, floor=None):
    """Set an axis range lazily: keep the current one while it still holds
    [lo, hi] and [lo, hi] fills at least ``slack`` of it (in decades on a
    log axis).  Unchanged limits let the canvas blit instead of redrawing
    the axes, so dragging a slider stays fast.  ``floor``: the new lower
    limit is never below it (e.g. 0 for an epoch axis)."""
    get = ax.get_ylim if axis == "y" else ax.get_xlim
    put = ax.set_ylim if axis == "y" else ax.set_xlim
    if not (np.isfinite(lo) and np.isfinite(hi)) or not hi > lo or (log and not lo > 0):
        return
    cur_lo, cur_hi = get()
    f = np.log10 if log else (lambda v: v)
    if cur_lo < cur_hi and cur_lo <= lo and hi <= cur_hi and (
            f(hi) - f(lo) >= slack * (f(cur_hi) - f(cur_lo))):
        return
    if log:  # whole decades and a margin, so that the next runs are likely to fit too
        pad = max(0.1, 0.15 * (f(hi) - f(lo)))
        put(10.0 ** math.floor(f(lo) - pad), 10.0 ** math.ceil(f(hi) + pad))
    else:
        pad = 0.15 * (hi - lo)
        put(lo - pad if floor is None else max(lo - pad, floor), hi + pad)
