"""The sigmoid neuron (Kumar, padhAI): its descent path on the loss surface."""
from typing import Optional

import numpy as np

import nnc

from . import _base as B

__all__ = ["neuron_explorer", "NeuronExplorer"]

W_RANGE = (-2.0, 6.0)
B_RANGE = (-10.0, 2.0)


class NeuronExplorer(B.Explorer):
    """``nnc.book.s1_sigmoid_neuron`` with its start, learning rate and
    epochs on sliders.  See :func:`neuron_explorer`."""

    title = "The sigmoid neuron: the path on the loss surface, and the plateau"
    figsize = (9.5, 3.9)

    def _build(self, fig):
        gs = fig.add_gridspec(1, 2, width_ratios=[1.15, 1.0], wspace=0.28, left=0.07,
                              right=0.98, top=0.88, bottom=0.14)
        ax = self._ax_surf = B.setup_axes(fig.add_subplot(gs[0, 0]), xlabel="w", ylabel="b",
                                          title="loss surface (red high, blue low)",
                                          grid=False)
        # The surface depends on the data only, not on any control: it is the
        # background, evaluated once in C by nnc.book.s2_loss_surface.
        surface = nnc.book.s2_loss_surface(w_range=W_RANGE, b_range=B_RANGE, num=(161, 121),
                                           path=_NoPath)
        ax.pcolormesh(surface.w_grid, surface.b_grid, surface.loss, cmap="coolwarm",
                      shading="gouraud", rasterized=True)
        ax.contour(surface.w_grid, surface.b_grid, surface.loss, levels=12, colors="k",
                   linewidths=0.4, alpha=0.4)
        ax.set_xlim(*W_RANGE)
        ax.set_ylim(*B_RANGE)
        (self._path,) = ax.plot([], [], "-", color="k", lw=1.6)
        (self._dots,) = ax.plot([], [], ".", color="k", ms=3)
        (self._p0,) = ax.plot([], [], "o", color="white", mec="k", ms=8)
        (self._p1,) = ax.plot([], [], "*", color="yellow", mec="k", ms=13)
        self.canvas.dynamic(self._path, self._dots, self._p0, self._p1)
        axl = self._ax_loss = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="epoch",
                                           ylabel="loss", title="loss per epoch")
        (self._loss,) = axl.plot([], [], "-", color="tab:red", lw=1.6)
        self._plateau = axl.axvspan(0, 0, color="0.85", zorder=0)
        self._label = axl.text(0.97, 0.95, "", transform=axl.transAxes, ha="right", va="top",
                               fontsize=9)
        self.canvas.dynamic(self._plateau, self._loss, self._label)

    def _compute(self, w, b, learning_rate, epochs):
        return nnc.book.s1_sigmoid_neuron(w=w, b=b, learning_rate=learning_rate,
                                          epochs=epochs)

    def _draw(self, r):
        self._path.set_data(r.w, r.b)
        step = max(1, r.w.size // 60)
        self._dots.set_data(r.w[::step], r.b[::step])
        self._p0.set_data(r.w[:1], r.b[:1])
        self._p1.set_data(r.w[-1:], r.b[-1:])
        epochs = r.loss.size - 1
        self._loss.set_data(np.arange(r.loss.size), r.loss)
        self._ax_loss.set_xlim(0, max(epochs, 1))
        B.set_limits(self._ax_loss, 0.0, float(np.nanmax(B.finite(r.loss), initial=0.5)),
                     slack=0.5)
        end = _plateau_end(r.loss)
        _set_vspan(self._plateau, 0, end)
        self._label.set_text(f"plateau: {end} epochs\nfinal loss {r.loss[-1]:.4g}"
                             if end else f"final loss {r.loss[-1]:.4g}")

    def _note(self, r):
        outside = not (W_RANGE[0] <= r.w[-1] <= W_RANGE[1] and B_RANGE[0] <= r.b[-1] <= B_RANGE[1])
        return ("the run leaves the drawn part of the surface" if outside else
                f"ends at w = {r.w[-1]:.3f}, b = {r.b[-1]:.3f}")


class _NoPath:
    """A stand-in descent path for the background surface (no run needed)."""
    w = b = loss = np.zeros(1)


def _plateau_end(loss, fraction=0.1):
    """Epochs until the loss has made ``fraction`` of its total drop (0 when
    it falls at once): the length of the plateau."""
    if loss.size < 3:
        return 0
    drop = loss[0] - np.nanmin(loss)
    if not drop > 0:
        return 0
    below = np.nonzero(loss <= loss[0] - fraction * drop)[0]
    end = int(below[0]) if below.size else loss.size - 1
    return end if end >= 0.05 * (loss.size - 1) else 0


def _set_vspan(patch, x0, x1):
    """Move an ``axvspan`` patch (a Rectangle or, in old matplotlib, a Polygon)."""
    if hasattr(patch, "set_width") and hasattr(patch, "set_x"):
        patch.set_x(x0)
        patch.set_width(x1 - x0)
    else:  # pragma: no cover - matplotlib < 3.9
        patch.set_xy([[x0, 0], [x0, 1], [x1, 1], [x1, 0], [x0, 0]])


@B.explorer_function
def neuron_explorer(w: float = 0.0, b: float = -8.0, learning_rate: float = 1.0,
                    epochs: int = 1000, *, continuous: Optional[bool] = None) -> NeuronExplorer:
    """Explore the sigmoid neuron of Kumar's padhAI article (S1, S2).

    Controls: the start (w, b), the learning rate and the number of epochs.
    Every change re-runs ``nnc.book.s1_sigmoid_neuron(w, b, learning_rate,
    epochs)`` and draws its path on the loss surface over w in [-2, 6] and
    b in [-10, 2] (red high, blue low; the surface itself depends only on the
    data and is evaluated once, in C) and the loss per epoch with its
    plateau shaded: from the book's start (0, -8) the neuron sits where the
    sigmoid is flat and barely moves for hundreds of epochs.

    Returns an explorer widget: ``.controls`` (``w``, ``b``,
    ``learning_rate``, ``epochs``), ``.update()``, ``.result`` (a
    :class:`nnc.book.NeuronFit`).
    """
    controls = {
        "w": B.float_slider("w", "start w", w, *W_RANGE, 0.05),
        "b": B.float_slider("b", "start b", b, *B_RANGE, 0.05),
        "learning_rate": B.log_slider("learning_rate", "learning rate", learning_rate, -2.0,
                                      1.5, step=0.01),
        "epochs": B.int_slider("epochs", "epochs", epochs, 0, 5000, step=10),
    }
    return NeuronExplorer(controls, continuous=continuous)
