"""The README's API as a user's typed script would use it.

Not a pytest module: CI type-checks it (`mypy --strict` and pyright, see
.ci/steps/32-typing.sh) and runs it, so the annotations of the public API are
checked against real use, and `reveal_type`-style expectations are pinned
with assignments to annotated variables.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np
import numpy.typing as npt

import nnc
from nnc import functional as F


def matrices() -> None:
    a, b = np.random.rand(64, 32), np.random.rand(32, 10)
    x, y, c = np.random.rand(32), np.random.rand(32), np.empty((64, 10))
    g, w = np.ones(32), np.zeros(32)
    p: npt.NDArray[np.floating] = nnc.matmul(a, b)
    nnc.matmul(a, a, trans_a=True)
    nnc.matmul(a, b, out=c, threads=1)
    nnc.gemv(a, x)
    d: float = nnc.dot(x, y)
    nnc.axpy(0.1, g, w)
    _ = nnc.add(x, y), nnc.scale(x, 2.0), nnc.transpose(a)
    assert p.shape == (64, 10) and isinstance(d, float)


def functional() -> None:
    x = np.array([[-2.0, 0.0, 3.0]])
    F.sigmoid(x)
    F.leaky_relu(x, alpha=0.2)
    F.relu_backward(x, dy=np.ones_like(x))
    dx, dalpha = F.prelu_backward(x, np.ones_like(x), 0.25)
    loss: float = F.mse([0.5, 1.0], [0.0, 1.0])
    F.mse_backward([0.5, 1.0], [0.0, 1.0], half=True)
    F.cross_entropy([[1.0, 2.0, 3.0]], [2])
    F.kl_divergence([0.2, 0.8], [0.5, 0.5])
    w, v = np.zeros(3), np.zeros(3)
    F.momentum_step(w, [1.0, 2.0, 3.0], v, lr=0.1, mu=0.9)
    assert loss == 0.125


def randomness() -> None:
    fan_in, fan_out = 784, 128
    g = nnc.Generator(42)
    g.uniform((2, 3), low=-1.0, high=1.0)
    g.normal(5, mean=0.0, std=1.0)
    g.integers(0, 10, size=4)
    g.permutation(10)
    a, b = g.spawn(2)
    saved = g.state
    g.state = saved
    W: npt.NDArray[np.floating] = nnc.init.xavier_uniform((fan_in, fan_out), g)
    W = nnc.init.he_normal((fan_in, fan_out), g)
    nnc.init.get("he_uniform")
    assert isinstance(a, nnc.Generator) and W.shape == (fan_in, fan_out)


def training() -> None:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    model = nnc.Sequential([nnc.Dense(2, 4), nnc.Sigmoid(), nnc.Dense(4, 1), nnc.Sigmoid()],
                           seed=0)
    hist: nnc.History = model.fit(X, y, loss="log_loss", optimizer=nnc.SGD(1.0), epochs=300,
                                  threads=1)
    pred: npt.NDArray[np.floating] = model.predict(X)
    losses: npt.NDArray[np.floating] = hist.loss
    model.fit(X, y, loss=nnc.losses.MSE(reduction="sum", half=True),
              optimizer=nnc.Adam(lr=0.01), epochs=5, batch_size=2, shuffle=True,
              record="params")
    err: float = nnc.gradcheck(model, X, y.reshape(-1, 1).astype(float), "mse")
    assert pred.shape == (4, 1) and losses.shape == (300,) and err < 1e-4


def sweeps() -> None:
    alphas = np.linspace(0.001, 1.5, 50)
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False)])
    model.layers[0].weight[...] = 0.5
    s = nnc.sweep(model, [[2.0]], [[0.8]], loss=nnc.losses.MSE(reduction="sum", half=True),
                  optimizer=nnc.SGD(lr=alphas), epochs=20,
                  # nnc.sweep is not annotated yet: pyright infers float from the
                  # default 1e6; None (no divergence check) is documented.
                  divergence=None)  # pyright: ignore[reportArgumentType]
    best: nnc.Sequential = s.best()
    assert s.final_loss.shape == (50,) and isinstance(best, nnc.Sequential)


def book() -> None:
    from nnc import book

    r: book.TraskRun = book.g5_gradient_descent()
    weights: npt.NDArray[Any] = r.weights
    errors: npt.NDArray[Any] = r.errors
    text: str = str(r)
    lines: list[str] = r.lines()
    fit: book.LineFit = book.a2_gradient_descent(iterations=10)
    hot: book.HotColdRun = book.g3_hot_cold(iterations=5)
    neuron: book.NeuronFit = book.s1_sigmoid_neuron(epochs=10)
    surface: book.LossSurface = book.s2_loss_surface(num=(5, 4), path=neuron)
    starts: book.ManyStarts = book.s3_many_starts(w=[0.0, 1.0], b=[-8.0], epochs=5,
                                                  threads=1)
    slow: npt.NDArray[Any] = starts.epochs_to_threshold
    v: book.Result = book.v1_probability()
    results = book.run_all("G5")
    rows, _ = book.compare("G5", results)
    assert weights.shape == (21,) and errors.shape == (20,) and text.startswith("G5")
    assert len(lines) == 20 and fit.a.shape == (11,) and hot.moves.shape == (5,)
    assert surface.loss.shape == (4, 5) and v.id == "V1" and all(r.match for r in rows)
    assert slow.shape == (1, 2) and starts.loss.shape == (1, 2, 6)


def plots() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from nnc import book, plot

    hist = nnc.Sequential([nnc.Dense(1, 1)]).fit([[1.0], [2.0]], [[1.0], [2.0]], loss="mse",
                                                 optimizer="sgd", epochs=5)
    fig: Figure = plot.loss_curves(hist.loss, log=True)
    s = book.s2_loss_surface(num=(5, 4))
    fig = plot.loss_contour(s.w_grid, s.b_grid, s.loss, path=(s.path_w, s.path_b), levels=5)
    fig = plot.activation_functions(["sigmoid", ("leaky_relu", {"alpha": 0.2})])
    anim = plot.descent_animation(s.w_grid, s.b_grid, s.loss, (s.path_w, s.path_b), frames=2)
    html = plot.animation_html(anim)
    with tempfile.TemporaryDirectory() as d:
        saved = plot.save_figure(fig, os.path.join(d, "figure.png"))
        assert os.path.getsize(saved) > 0
    assert isinstance(fig, Figure) and html is not None


def versions() -> None:
    v: str = nnc.__version__
    names: list[str] = nnc.__all__
    assert v and "Sequential" in names


if __name__ == "__main__":
    matrices()
    functional()
    randomness()
    training()
    sweeps()
    book()
    plots()
    versions()
    print("ok")
