"""Advanced Deep Learning with Python, ch. 2 (Vasilev): the optimizer race,
the activation explorer and the initialiser explorer."""
import math
from typing import Any, Dict, Optional, Tuple

import numpy as np

import nnc
from nnc import functional as F

from . import _base as B

__all__ = ["optimizer_race", "activation_explorer", "init_explorer", "SURFACES",
           "ACTIVATIONS", "INITIALISERS", "OptimizerRace", "ActivationExplorer",
           "InitExplorer"]


def _rotation(degrees):
    t = math.radians(degrees)
    return np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])


#: Surfaces of the race: the half squared error of ``Dense(2, 1,
#: bias=False)`` on two examples X (targets 0), i.e. ``w^T (X^T X) w / 2``,
#: minimum at (0, 0).  "narrow valley" is Vasilev's figure (nnc.book.v9).
SURFACES = {
    "narrow valley": np.array([[1.0, 0.0], [0.0, 0.2]]),
    "round bowl": np.array([[0.7, 0.0], [0.0, 0.7]]),
    "tilted valley": np.array([[1.0, 0.0], [0.0, 0.2]]) @ _rotation(35.0),
    "very narrow valley": np.array([[1.0, 0.0], [0.0, 0.07]]),
}

_RACE_COLOURS = ("tab:gray", "tab:blue", "tab:green", "tab:red")
_LOSS: Dict[str, Any] = dict(reduction="sum", half=True)


def _race(X, start, steps, optimizers):
    names, paths, losses, diverged = [], [], [], {}
    y = np.zeros((X.shape[0], 1))
    loss = nnc.losses.MSE(**_LOSS)
    for name, opt in optimizers:
        model = nnc.Sequential([nnc.Dense(2, 1, bias=False)], seed=0, dtype="float64")
        model.layers[0].weight[:, 0] = start
        try:
            h = model.fit(X, y, loss=loss, optimizer=opt, epochs=steps, record="params")
        except nnc.DivergenceError as exc:
            h = exc.history
            diverged[name] = int(exc.step)
        names.append(name)
        paths.append(np.asarray(h.params, dtype=np.float64))
        losses.append(np.asarray(h.step_loss, dtype=np.float64))
    return names, paths, losses, diverged


class OptimizerRace(B.Explorer):
    """SGD, momentum, Nesterov and Adam from one start on one surface.
    See :func:`optimizer_race`."""

    title = "The optimizer race: SGD, momentum, Nesterov and Adam"
    figsize = (9.5, 4.0)

    def _build(self, fig):
        gs = fig.add_gridspec(1, 2, width_ratios=[1.1, 1.0], wspace=0.25, left=0.07,
                              right=0.98, top=0.88, bottom=0.13)
        self._ax = B.setup_axes(fig.add_subplot(gs[0, 0]), xlabel="w1", ylabel="w2",
                                title="paths on the loss surface", grid=False)
        self._ax.set_xlim(-5, 5)
        self._ax.set_ylim(-5, 5)
        self._surface_name = None
        self._contours = None
        self._lines, self._ends = [], []
        for colour in _RACE_COLOURS:
            (line,) = self._ax.plot([], [], ".-", color=colour, lw=1.4, ms=3)
            (end,) = self._ax.plot([], [], "*", color=colour, mec="k", ms=11)
            self._lines.append(line)
            self._ends.append(end)
        (self._start,) = self._ax.plot([], [], "o", color="white", mec="k", ms=8)
        self.canvas.dynamic(*self._lines, *self._ends, self._start)
        self._axl = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="step",
                                 ylabel="loss (log scale)", ylog=True,
                                 title="loss per step")
        self._curves = [self._axl.plot([], [], "-", color=c, lw=1.5, label=n)[0]
                        for c, n in zip(_RACE_COLOURS, ("SGD", "Momentum", "Nesterov", "Adam"))]
        self.canvas.dynamic(*self._curves)
        self.canvas.dynamic(self._axl.legend(loc="lower left", fontsize=8))

    def _compute(self, learning_rate, adam_lr, mu, beta1, beta2, eps, start_w1, start_w2,
                 surface, steps):
        if surface not in SURFACES:
            raise ValueError(f"surface must be one of {sorted(SURFACES)}, got {surface!r}")
        optimizers = (("SGD", nnc.SGD(learning_rate)),
                      ("Momentum", nnc.Momentum(learning_rate, mu)),
                      ("Nesterov", nnc.Nesterov(learning_rate, mu)),
                      ("Adam", nnc.Adam(lr=adam_lr, beta1=beta1, beta2=beta2, eps=eps)))
        X = SURFACES[surface]
        names, paths, losses, diverged = _race(X, (start_w1, start_w2), steps, optimizers)
        return nnc.book.Result(id="V9", title=f"optimizer race on the {surface}",
                               names=tuple(names), paths=paths, losses=losses,
                               diverged=diverged, surface=surface, X=X,
                               start=(float(start_w1), float(start_w2)))

    def _draw_surface(self, name):
        if self._contours is not None:
            self._contours.remove()
        X = SURFACES[name]
        w = np.linspace(-5.0, 5.0, 101)
        model = nnc.Sequential([nnc.Dense(2, 1, bias=False)], seed=0, dtype="float64")
        Z = np.asarray(nnc.loss_surface(model, X, np.zeros((X.shape[0], 1)),
                                        nnc.losses.MSE(**_LOSS),
                                        params=(("layers.0.weight", (0, 0)),
                                                ("layers.0.weight", (1, 0))),
                                        grid=(w, w)))
        levels = np.geomspace(max(Z.min(), 1e-3), Z.max(), 14)
        self._contours = self._ax.contour(w, w, Z, levels=levels, cmap="viridis",
                                          linewidths=0.8, alpha=0.8)
        self._surface_name = name
        self.canvas.invalidate()

    def _draw(self, r):
        if r.surface != self._surface_name:
            self._draw_surface(r.surface)
        for line, end, curve, path, loss in zip(self._lines, self._ends, self._curves,
                                                r.paths, r.losses):
            line.set_data(path[:, 0], path[:, 1])
            end.set_data(path[-1:, 0], path[-1:, 1])
            curve.set_data(np.arange(loss.size), B.positive(loss))
        self._start.set_data([r.start[0]], [r.start[1]])
        steps = max((l.size for l in r.losses), default=1)
        self._axl.set_xlim(0, max(steps - 1, 1))
        B.set_limits(self._axl, *B.log_span(np.concatenate(r.losses), pad=1.0), log=True,
                     slack=0.3)

    def _note(self, r):
        finals = [f"{n} {l[-1]:.2g}" for n, l in zip(r.names, r.losses) if l.size]
        text = "final loss: " + ", ".join(finals) if finals else ""
        if r.diverged:
            text += "; diverged: " + ", ".join(f"{n} at step {s}" for n, s in r.diverged.items())
        return text


@B.explorer_function
def optimizer_race(learning_rate: float = 0.5, adam_lr: float = 0.3, mu: float = 0.8,
                   beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                   start: Tuple[float, float] = (-4.0, 3.0), surface: str = "narrow valley",
                   steps: int = 60, *, continuous: Optional[bool] = None) -> OptimizerRace:
    """Race SGD, momentum, Nesterov and Adam on one surface (Vasilev, V9).

    Controls: the learning rate (SGD, momentum, Nesterov), Adam's learning
    rate, mu, beta1, beta2, eps, the start point, the surface (see
    :data:`SURFACES`; "narrow valley" is the book's) and the number of
    steps.  Every change runs the four ``Sequential.fit`` calls of
    ``nnc.book.v9_optimizers`` (one ``Dense(2, 1, bias=False)``, half squared
    error, full batch) and draws the paths on the surface's contours and the
    loss per step.  An optimizer that diverges is drawn up to the step where
    it did, and named in the status line; hyper-parameters an optimizer
    refuses (a beta of 1, eps 0, ...) are reported there too.

    Returns an explorer widget: ``.controls`` (``learning_rate``,
    ``adam_lr``, ``mu``, ``beta1``, ``beta2``, ``eps``, ``start_w1``,
    ``start_w2``, ``surface``, ``steps``), ``.update()``, ``.result`` (a
    :class:`nnc.book.Result` with ``names``, ``paths`` (one (steps + 1, 2)
    array per optimizer), ``losses``, ``diverged``).
    """
    if (isinstance(start, (str, bytes)) or not hasattr(start, "__len__")
            or len(start) != 2):
        raise TypeError(f"start must be a pair (w1, w2), got {start!r}")
    controls = {
        "learning_rate": B.log_slider("learning_rate", "learning rate", learning_rate, -3.0,
                                      0.5, step=0.01),
        "adam_lr": B.log_slider("adam_lr", "Adam lr", adam_lr, -3.0, 0.5, step=0.01),
        "mu": B.float_slider("mu", "mu", mu, 0.0, 0.99, 0.01),
        "beta1": B.float_slider("beta1", "beta1", beta1, 0.0, 0.999, 0.001),
        "beta2": B.float_slider("beta2", "beta2", beta2, 0.0, 0.9999,
                                0.0001, readout_format=".4f"),
        "eps": B.log_slider("eps", "eps", eps, -10.0, 0.0, step=0.1),
        "start_w1": B.float_slider("start", "start w1", start[0], -5.0, 5.0, 0.1),
        "start_w2": B.float_slider("start", "start w2", start[1], -5.0, 5.0, 0.1),
        "surface": B.dropdown("surface", "surface", list(SURFACES), surface),
        "steps": B.int_slider("steps", "steps", steps, 1, 300),
    }
    return OptimizerRace(controls, continuous=continuous)


# ---------------------------------------------------------------- activations
#: name -> (forward, backward, takes a parameter)
ACTIVATIONS = {
    "sigmoid": (lambda x, a: F.sigmoid(x), lambda x, g, a: F.sigmoid_backward(x, g), False),
    "tanh": (lambda x, a: F.tanh(x), lambda x, g, a: F.tanh_backward(x, g), False),
    "relu": (lambda x, a: F.relu(x), lambda x, g, a: F.relu_backward(x, g), False),
    "leaky_relu": (lambda x, a: F.leaky_relu(x, alpha=a),
                   lambda x, g, a: F.leaky_relu_backward(x, g, alpha=a), True),
    "prelu": (lambda x, a: F.prelu(x, a), lambda x, g, a: F.prelu_backward(x, g, a)[0], True),
    "elu": (lambda x, a: F.elu(x, alpha=a), lambda x, g, a: F.elu_backward(x, g, alpha=a), True),
    "selu": (lambda x, a: F.selu(x), lambda x, g, a: F.selu_backward(x, g), False),
}


def _activation_run(name, alpha, repeat, x):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    fw, bw, _ = ACTIVATIONS[name]
    ones = np.ones_like(x)
    values = np.asarray(fw(x, alpha))
    derivative = np.asarray(bw(x, ones, alpha))
    # f applied `repeat` times, and its derivative by the chain rule: the
    # backward kernel multiplies the incoming gradient by f' at each stage.
    h = x
    stages = [x]
    for _ in range(repeat):
        h = np.asarray(fw(h, alpha))
        stages.append(h)
    g = ones
    for inner in reversed(stages[:-1]):
        g = np.asarray(bw(inner, g, alpha))
    return values, derivative, h, g


class ActivationExplorer(B.Explorer):
    """One activation, its derivative, and what repeating it does.  See
    :func:`activation_explorer`."""

    title = "Activation functions and their derivatives"
    figsize = (9.5, 3.6)

    def _build(self, fig):
        gs = fig.add_gridspec(1, 2, wspace=0.22, left=0.07, right=0.98, top=0.87, bottom=0.14)
        self._ax1 = B.setup_axes(fig.add_subplot(gs[0, 0]), xlabel="x",
                                 title="f(x) and f'(x)")
        self._ax2 = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="x",
                                 title="f applied k times, and its derivative")
        (self._f,) = self._ax1.plot([], [], color="tab:blue", lw=2, label="f")
        (self._df,) = self._ax1.plot([], [], color="tab:orange", lw=2, ls="--", label="f'")
        (self._fk,) = self._ax2.plot([], [], color="tab:blue", lw=2, label="f(f(...f(x)))")
        (self._dfk,) = self._ax2.plot([], [], color="tab:orange", lw=2, ls="--",
                                      label="its derivative")
        for ax in (self._ax1, self._ax2):
            ax.axhline(0, color="0.5", lw=0.6)
            ax.axvline(0, color="0.5", lw=0.6)
        self.canvas.dynamic(self._f, self._df, self._fk, self._dfk)
        self.canvas.dynamic(self._ax1.legend(loc="upper left", fontsize=8),
                            self._ax2.legend(loc="upper left", fontsize=8))

    def _compute(self, activation, alpha, repeat, x_range):
        x = np.linspace(-x_range, x_range, 401)
        values, derivative, repeated, repeated_derivative = _activation_run(
            activation, alpha, repeat, x)
        return nnc.book.Result(id="V4", title=f"{activation} and its derivative",
                               activation=activation, alpha=float(alpha), repeat=int(repeat),
                               x=x, values=values, derivative=derivative,
                               repeated=repeated, repeated_derivative=repeated_derivative)

    def _draw(self, r):
        self._f.set_data(r.x, r.values)
        self._df.set_data(r.x, r.derivative)
        self._fk.set_data(r.x, r.repeated)
        self._dfk.set_data(r.x, r.repeated_derivative)
        lo, hi = float(r.x[0]), float(r.x[-1])
        for ax, ys in ((self._ax1, (r.values, r.derivative)),
                       (self._ax2, (r.repeated, r.repeated_derivative))):
            B.set_limits(ax, lo, hi, axis="x", slack=0.9)
            B.set_limits(ax, *B.span(np.concatenate(ys), pad=0.0), slack=0.6)
        self._ax2.title.set_text(f"f applied {r.repeat} time{'s' if r.repeat > 1 else ''}, "
                                 f"and its derivative")

    def _note(self, r):
        takes = ACTIVATIONS[r.activation][2]
        text = (f"{r.activation} takes no parameter: alpha is not used. " if not takes else "")
        return text + (f"largest slope {np.max(r.derivative):.4g}; after {r.repeat} "
                       f"applications {np.max(np.abs(r.repeated_derivative)):.4g}")


@B.explorer_function
def activation_explorer(activation: str = "sigmoid", alpha: float = 0.2, repeat: int = 3,
                        x_range: float = 5.0, *,
                        continuous: Optional[bool] = None) -> ActivationExplorer:
    """Explore an activation and its derivative (Vasilev, V4).

    Controls: the activation (see :data:`ACTIVATIONS`), its parameter alpha
    (leaky ReLU's slope, PReLU's alpha, ELU's alpha; the others take none),
    how many times it is applied in a row, and the x range.  Every change
    evaluates nnc's forward and backward kernels (``nnc.functional``) and
    draws f and f', and f applied k times with its derivative by the chain
    rule: repeated sigmoids squash (``sigma(sigma(2)) = 0.707``) and their
    gradient shrinks by at least 4 each time, while ReLU passes both through.

    Returns an explorer widget: ``.controls`` (``activation``, ``alpha``,
    ``repeat``, ``x_range``), ``.update()``, ``.result`` (a
    :class:`nnc.book.Result` with ``x``, ``values``, ``derivative``,
    ``repeated``, ``repeated_derivative``).
    """
    controls = {
        "activation": B.dropdown("activation", "activation", list(ACTIVATIONS),
                                  activation),
        "alpha": B.float_slider("alpha", "alpha", alpha, 0.0, 2.0, 0.01),
        "repeat": B.int_slider("repeat", "applied k times", repeat, 1, 10),
        "x_range": B.float_slider("x_range", "x range", x_range, 0.5, 20.0, 0.5),
    }
    return ActivationExplorer(controls, continuous=continuous)


# ---------------------------------------------------------------- initialisers
#: name -> how a (width, width) weight matrix is drawn from a Generator
INITIALISERS = {
    "normal(0, 1)": lambda shape, gen: gen.normal(shape),
    "normal(0, 0.05)": lambda shape, gen: nnc.init.normal(shape, gen),
    "xavier_uniform": lambda shape, gen: nnc.init.xavier_uniform(shape, gen),
    "xavier_normal": lambda shape, gen: nnc.init.xavier_normal(shape, gen),
    "he_uniform": lambda shape, gen: nnc.init.he_uniform(shape, gen),
    "he_normal": lambda shape, gen: nnc.init.he_normal(shape, gen),
}

_STACK_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def deep_stack(init, activation, depth, width, batch, seed):
    """Send a batch of standard-normal rows through ``depth`` bias-free
    ``width x width`` layers drawn by ``init`` (one nnc.Generator(seed) draws
    the batch, then the weights layer by layer), each followed by
    ``activation``; then back-propagate the gradient of ``mean(sum(output))``.
    Returns (weights, activation_std per layer, gradient_rms per layer: the
    gradient reaching each layer's pre-activation)."""
    if init not in INITIALISERS:
        raise ValueError(f"init must be one of {sorted(INITIALISERS)}, got {init!r}")
    if activation not in _STACK_ACTIVATIONS:
        raise ValueError(f"activation must be one of {_STACK_ACTIVATIONS}, got {activation!r}")
    gen = nnc.Generator(seed)
    x = np.asarray(gen.normal((batch, width)))
    weights = [np.ascontiguousarray(INITIALISERS[init]((width, width), gen))
               for _ in range(depth)]
    fw, bw, _ = ACTIVATIONS[activation]
    pre, h, act_std = [], x, []
    for W in weights:
        z = np.asarray(nnc.matmul(h, W))
        pre.append(z)
        h = np.asarray(fw(z, 0.0))
        act_std.append(float(h.std()))
    g = np.ones_like(h) / h.shape[0]
    grad_rms = []
    for W, z in zip(reversed(weights), reversed(pre)):
        dz = np.asarray(bw(z, g, 0.0))
        grad_rms.append(float(np.sqrt(np.mean(dz * dz))))
        g = np.asarray(nnc.matmul(dz, W, trans_b=True))
    return weights, np.array(act_std), np.array(grad_rms[::-1])


class InitExplorer(B.Explorer):
    """Activation and gradient spread through a deep stack.  See
    :func:`init_explorer`."""

    title = "Initialisers: how activations and gradients travel through a deep stack"
    figsize = (9.5, 3.6)

    def _build(self, fig):
        gs = fig.add_gridspec(1, 2, wspace=0.25, left=0.08, right=0.98, top=0.87, bottom=0.14)
        self._ax1 = B.setup_axes(fig.add_subplot(gs[0, 0]), xlabel="layer",
                                 ylabel="std (log scale)", ylog=True,
                                 title="activations: spread per layer (forward)")
        self._ax2 = B.setup_axes(fig.add_subplot(gs[0, 1]), xlabel="layer",
                                 ylabel="rms (log scale)", ylog=True,
                                 title="gradients: size per layer (backward)")
        (self._a,) = self._ax1.plot([], [], "o-", color="tab:blue", lw=1.8, ms=4)
        (self._g,) = self._ax2.plot([], [], "o-", color="tab:red", lw=1.8, ms=4)
        self.canvas.dynamic(self._a, self._g)

    def _compute(self, init, activation, depth, width, batch, seed):
        _, act_std, grad_rms = deep_stack(init, activation, depth, width, batch, seed)
        return nnc.book.Result(id="V8", title=f"{activation} stack, {init} weights",
                               init=init, activation=activation, depth=int(depth),
                               width=int(width), batch=int(batch), seed=int(seed),
                               activation_std=act_std, gradient_rms=grad_rms)

    def _draw(self, r):
        layers = np.arange(1, r.depth + 1)
        self._a.set_data(layers, B.positive(r.activation_std))
        self._g.set_data(layers, B.positive(r.gradient_rms))
        for ax, v in ((self._ax1, r.activation_std), (self._ax2, r.gradient_rms)):
            # x range: the next of 5, 10, 15, 20, 30, 40, 50 layers, so that
            # dragging the depth slider seldom moves the axis
            top = next((n for n in (5, 10, 15, 20, 30, 40) if r.depth <= n), 50)
            if ax.get_xlim() != (0.5, top + 0.5):
                ax.set_xlim(0.5, top + 0.5)
            B.set_limits(ax, *B.log_span(v, pad=1.0), log=True, slack=0.3)

    def _note(self, r):
        a, g = r.activation_std, r.gradient_rms
        return (f"activation std layer 1 {a[0]:.3g} -> layer {r.depth} {a[-1]:.3g}; "
                f"gradient rms layer {r.depth} {g[-1]:.3g} -> layer 1 {g[0]:.3g} "
                f"(x{g[0] / g[-1]:.3g})" if g[-1] > 0 else "the gradient is exactly 0")


@B.explorer_function
def init_explorer(init: str = "xavier_normal", activation: str = "sigmoid", depth: int = 10,
                  width: int = 128, batch: int = 128, seed: int = 0, *,
                  continuous: Optional[bool] = None) -> InitExplorer:
    """Explore initialisers through a deep stack (Vasilev, V8).

    Controls: the initialiser (see :data:`INITIALISERS`: N(0, 1), N(0, 0.05),
    Xavier/Glorot and He, uniform and normal), the activation (sigmoid,
    tanh, ReLU), the depth and width of the stack, the batch size and the
    seed.  Every change draws fresh weights with ``nnc.init`` and sends a
    batch through with ``nnc.matmul`` and ``nnc.functional``
    (:func:`deep_stack`), then draws the activations' spread per layer and
    the size of the gradient reaching each layer: sigmoid stacks shrink the
    gradient, badly scaled weights make activations vanish or saturate, and
    He-initialised ReLU layers keep the scale.

    Returns an explorer widget: ``.controls`` (``init``, ``activation``,
    ``depth``, ``width``, ``batch``, ``seed``), ``.update()``, ``.result`` (a
    :class:`nnc.book.Result` with ``activation_std`` and ``gradient_rms``,
    one value per layer).
    """
    controls = {
        "init": B.dropdown("init", "initialiser", list(INITIALISERS), init),
        "activation": B.dropdown("activation", "activation", list(_STACK_ACTIVATIONS),
                                  activation),
        "depth": B.int_slider("depth", "depth", depth, 1, 50),
        "width": B.int_slider("width", "width", width, 2, 256),
        "batch": B.int_slider("batch", "batch", batch, 1, 512),
        "seed": B.int_slider("seed", "seed", seed, 0, 99),
    }
    return InitExplorer(controls, continuous=continuous)
