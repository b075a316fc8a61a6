"""The chapters' figures, drawn from ``nnc.book`` results.

One drawing function per kind of walkthrough result, keyed by walkthrough id
in ``_BOOK_FIGURES``; :func:`book_figures` writes them all as PNG files
(``python -m nnc --figures DIR``).  They are built from the general figures of
:mod:`nnc.plot`, which take plain arrays; matplotlib is needed only when a
function here is called.
"""
import os
from typing import Any, List, Mapping, Union

import numpy as np

from ..plot import (_plt, activation_functions, boxcar_approximation, decision_boundary,
                    descent_1d, learning_rate_map, loss_contour, loss_curves,
                    loss_surface_3d, optimizer_paths, points_with_lines, save_figure)

__all__ = ["book_figures"]

def _pair(width=10.0, height=3.6, **kw):
    return _plt().subplots(1, 2, figsize=(width, height), **kw)


def _fig_hot_cold(r, key):
    fig, axes = _pair()
    loss_curves(r.errors, log=bool(np.all(r.errors > 0)), ax=axes[0],
                title=f"{key}: error per iteration", xlabel="iteration", ylabel="error")
    loss_curves(r.predictions, ax=axes[1], title=f"{key}: prediction per iteration",
                xlabel="iteration", ylabel="prediction")
    axes[1].axhline(r.goal, color="k", ls="--", lw=1, label=f"goal {r.goal:g}")
    axes[1].legend()
    fig.tight_layout()
    return [("", fig)]


def _fig_trask(r, key):
    w = np.asarray(r.weights[:-1])
    lo, hi = min(w.min(), r.goal / r.input), max(w.max(), r.goal / r.input)
    pad = 0.15 * (hi - lo if hi > lo else 1.0)
    grid = np.linspace(lo - pad, hi + pad, 301)
    fig, axes = _pair()
    descent_1d(grid, (r.input * grid - r.goal) ** 2, w, r.errors, ax=axes[0],
               title=f"{key}: the error bowl (input {r.input:g}, alpha {r.alpha:g})")
    loss_curves(r.errors, log=bool(np.all(r.errors > 0)), ax=axes[1],
                title=f"{key}: error per step", xlabel="step", ylabel="error")
    fig.tight_layout()
    return [("", fig)]


def _fig_alpha_sweep(r, key):
    fig = learning_rate_map(r.alphas, r.final_errors, critical=r.critical_alpha,
                            diverge_above=(r.input * r.weight - r.goal) ** 2,
                            title=f"{key}: error after {r.steps} steps, input {r.input:g}",
                            ylabel=f"error after {r.steps} steps")
    return [("", fig)]


def _fig_costs(r, key):
    lines = {f"a={a:g}, b={b:g}: J={c:.4g}": (a, b) for a, b, c in zip(r.a, r.b, r.cost)}
    return [("", points_with_lines(r.x, r.y, lines, title=f"{key}: lines and their costs"))]


def _fig_line_fit(r, key):
    fig, axes = _pair()
    per = "epoch" if r.batch_size else "update"
    loss_curves(r.mse, log=bool(np.all(r.mse > 0)), ax=axes[0],
                title=f"{key}: cost per {per}", xlabel=per, ylabel="J(a, b)")
    points_with_lines(r.x, r.y, {f"a={r.a[-1]:.4f}, b={r.b[-1]:.4f}": (r.a[-1], r.b[-1])},
                      ax=axes[1], title=f"{key}: the fitted line")
    fig.tight_layout()
    return [("", fig)]


def _fig_timing(r, key):
    fig = loss_curves({f"gradient descent ({r.gd_seconds:.2f} s)": r.gd_loss,
                       f"mini-batch SGD ({r.sgd_seconds:.2f} s)": r.sgd_loss}, log=True,
                      title=f"{key}: {r.n} points", xlabel="epoch", ylabel="loss")
    return [("", fig)]


def _fig_sigmoid_derivative(r, key):
    fig = loss_curves({"sigmoid": r.sigma, "s (1 - s)": r.closed_form,
                       "central difference": r.numeric}, x=r.x,
                      title=f"{key}: the sigmoid and its derivative", xlabel="x", ylabel="")
    return [("", fig)]


def _fig_neuron(r, key):
    return [("", loss_curves(r.loss, title=f"{key}: loss per epoch", xlabel="epoch"))]


def _fig_surface(r, key):
    path = (r.path_w, r.path_b, r.path_loss)
    return [("contour", loss_contour(r.w_grid, r.b_grid, r.loss, path=path,
                                     title=f"{key}: loss surface and descent path")),
            ("3d", loss_surface_3d(r.w_grid, r.b_grid, r.loss, path=path,
                                   title=f"{key}: loss surface and descent path"))]


def _fig_probability(r, key):
    fig, axes = _pair()
    axes[0].bar(r.binomial_k, r.binomial_pmf)
    axes[0].set_title(f"{key}: binomial, 10 fair tosses")
    axes[0].set_xlabel("heads")
    for (mu, sigma), pdf in zip(r.normal_params, r.normal_pdf):
        axes[1].plot(r.normal_x, pdf, label=f"mu={mu:g}, sigma={sigma:g}")
    axes[1].set_title(f"{key}: normal densities")
    axes[1].legend(fontsize="small")
    fig.tight_layout()
    return [("", fig)]


def _fig_information(r, key):
    fig = loss_curves({"nats": r.binary_entropy_nats, "bits": r.binary_entropy_bits}, x=r.p,
                      title=f"{key}: entropy of a coin", xlabel="p(heads)", ylabel="entropy")
    return [("", fig)]


def _fig_activations(r, key):
    x = np.asarray(r.x)
    specs = [(str(n), (lambda t, v=v: np.interp(t, x, v)), (lambda t, d=d: np.interp(t, x, d)))
             for n, v, d in zip(r.names, r.values, r.derivatives)]
    return [("", activation_functions(specs, x=x, layout="grid",
                                      title=f"{key}: activations and derivatives"))]


def _fig_approximation(r, key):
    fig, axes = _pair(12.0)
    axes[0].plot(r.boxcar_grid, r.boxcar_curve, lw=2)
    axes[0].plot(r.boxcar_x, r.boxcar_y, "o", color="tab:red")
    axes[0].set_title(f"{key}: one boxcar from two sigmoids")
    axes[0].grid(True, alpha=0.3)
    units = list(np.asarray(r.units))
    rows = [i for i, k in enumerate(units) if k in (4, 16, 64)] or list(range(len(units)))
    boxcar_approximation(r.x, r.target, {f"{units[i]} boxcars": r.approximations[i]
                                         for i in rows}, ax=axes[1],
                         title=f"{key}: sums of boxcars")
    fig.tight_layout()
    return [("", fig)]


def _fig_xor(r, key):
    from .. import functional as F
    fig, axes = _pair(10.0, 4.0)
    for ax, model, name in ((axes[0], r.single_model, "one unit"),
                            (axes[1], r.hidden_model, "one hidden layer")):
        decision_boundary(lambda G, m=model: F.sigmoid(m.predict(G)), r.X, r.y,
                          resolution=100, ax=ax, title=f"{key}: XOR with {name}")
    fig.tight_layout()
    return [("", fig)]


def _fig_cost_functions(r, key):
    curves = {"squared error": r.mse, "absolute error": r.mae}
    curves.update({f"Huber, delta {d:g}": h for d, h in zip(r.huber_deltas, r.huber)})
    fig = loss_curves(curves, x=r.d, title=f"{key}: costs of one prediction",
                      xlabel="prediction - target", ylabel="cost")
    fig.axes[0].set_ylim(0, 5)
    return [("", fig)]


def _fig_initialisers(r, key):
    layers = np.arange(1, np.asarray(r.activation_std).shape[1] + 1)
    fig, axes = _pair(11.0, 3.8)
    loss_curves(dict(zip(r.stack_names, r.activation_std)), x=layers, log=True, ax=axes[0],
                title=f"{key}: activation spread", xlabel="layer", ylabel="std")
    loss_curves(dict(zip(r.stack_names, r.gradient_rms)), x=layers, log=True, ax=axes[1],
                title=f"{key}: gradient size", xlabel="layer", ylabel="rms gradient")
    fig.tight_layout()
    return [("", fig)]


def _fig_optimizers(r, key):
    fig = optimizer_paths(r.w1_grid, r.w2_grid, r.surface, dict(zip(r.names, r.paths)),
                          log=True, title=f"{key}: optimizers on one surface",
                          xlabel="w1", ylabel="w2")
    return [("", fig)]


def _fig_regression(r, key):
    fig = points_with_lines(r.rooms, r.prices, {f"{r.trick} trick: {r.slope:.2f} x + "
                                                f"{r.intercept:.2f}": (r.slope, r.intercept)},
                            xlim=(0, 8), title=f"{key}: rooms and prices", xlabel="rooms",
                            ylabel="price")
    return [("", fig)]


def _fig_perceptron(r, key):
    def line(w, b):
        return lambda x1: -(w[0] * x1 + b) / w[1]
    fig = points_with_lines([r.point[0]], [r.point[1]],
                            {"before": line(r.w_before, r.b_before),
                             "after": line(r.w_after, r.b_after)}, xlim=(-1, 4),
                            point_label=f"the point (label {r.label})",
                            title=f"{key}: one perceptron step", xlabel="x1", ylabel="x2")
    return [("", fig)]


def _fig_logistic(r, key):
    from .. import functional as F
    w, b = np.asarray(r.params)[-1, :2], np.asarray(r.params)[-1, 2]
    return [("", decision_boundary(lambda G: F.sigmoid(G @ w + b), r.X, r.y, padding=0.7,
                                   resolution=120, title=f"{key}: logistic classifier"))]


def _fig_network(r, key):
    fig, axes = _pair()
    loss_curves(r.epoch_loss, log=True, ax=axes[0], title=f"{key}: loss per epoch",
                xlabel="epoch")
    decision_boundary(r.model.predict, r.X, r.y, resolution=100, ax=axes[1],
                      title=f"{key}: the network's regions")
    fig.tight_layout()
    return [("", fig)]


def _fig_regularization(r, key):
    fig, axes = _pair(sharey=True)
    names = [f"w{k + 1}" for k in range(len(r.w))]
    loss_curves(dict(zip(names, np.asarray(r.l1_path).T)), ax=axes[0], title=f"{key}: L1",
                xlabel="step", ylabel="weight")
    loss_curves(dict(zip(names, np.asarray(r.l2_path).T)), ax=axes[1], title=f"{key}: L2",
                xlabel="step", ylabel="weight")
    fig.tight_layout()
    return [("", fig)]


def _fig_restarts(r, key):
    fig, ax = _plt().subplots(figsize=(7.0, 4.0))
    ax.plot(r.grid, r.curve, color="k", lw=1.5, label="f(x)")
    for k, (path, stuck) in enumerate(zip(r.paths, r.stuck)):
        line, = ax.plot(path[0], r.curve[np.argmin(np.abs(r.grid - path[0]))], "o", mfc="none")
        ax.plot(path[-1], r.final_value[k], "o", color=line.get_color(),
                label=f"restart {k + 1}" + (" (stuck)" if stuck else " (lowest valley)"))
    ax.set_title(f"{key}: gradient descent from random starts")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend(fontsize="small")
    return [("", fig)]


_BOOK_FIGURES = {
    "G3": _fig_hot_cold, "G5": _fig_trask, "G6": _fig_trask, "G7": _fig_trask,
    "G8": _fig_trask, "G9": _fig_trask, "G+": _fig_alpha_sweep,
    "A1": _fig_costs, "A2": _fig_line_fit, "A3": _fig_line_fit, "A4": _fig_line_fit,
    "A5": _fig_line_fit, "A6": _fig_timing, "A7": _fig_sigmoid_derivative,
    "S1": _fig_neuron, "S2": _fig_surface,
    "V1": _fig_probability, "V2": _fig_information, "V4": _fig_activations,
    "V5": _fig_approximation, "V6": _fig_xor, "V7": _fig_cost_functions,
    "V8": _fig_initialisers, "V9": _fig_optimizers,
    "M1": _fig_regression, "M2": _fig_perceptron, "M3": _fig_logistic, "M4": _fig_network,
    "M5": _fig_regularization, "M6": _fig_restarts,
}


def book_figures(results: Mapping[str, Any], directory: Union[str, "os.PathLike[str]"], *,
                 dpi: int = 100) -> List[str]:
    """Write the figures of the books' walkthroughs as PNG files.

    ``results`` maps run keys of ``nnc.book.RUNS`` ("G5", "G3 step 10", ...) to
    their result objects (``nnc.book.run_all()``).  Walkthroughs without a
    figure (G1, G2, G4, V3) are skipped.  Files are named after the key
    (``G3_step_10.png``, ``S2_contour.png``).  Returns the list of paths written.
    ``python -m nnc --figures DIR`` calls this.
    """
    os.makedirs(directory, exist_ok=True)
    paths = []
    for key, result in results.items():
        draw = _BOOK_FIGURES.get(str(key).split()[0])
        if draw is None:
            continue
        stem = "".join(c if c.isalnum() else "_" for c in str(key).replace("+", "plus"))
        for suffix, fig in draw(result, key):
            name = stem + (f"_{suffix}" if suffix else "") + ".png"
            paths.append(save_figure(fig, os.path.join(directory, name), dpi=dpi))
    return paths
