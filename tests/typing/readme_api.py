"""The README's API as a user's typed script would use it.

Not a pytest module: CI type-checks it (`mypy --strict` and pyright, see
.ci/steps/32-typing.sh) and runs it, so the annotations of the public API are
checked against real use, and `reveal_type`-style expectations are pinned
with assignments to annotated variables.
"""
from __future__ import annotations

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


def versions() -> None:
    v: str = nnc.__version__
    names: list[str] = nnc.__all__
    assert v and "Sequential" in names


if __name__ == "__main__":
    matrices()
    functional()
    randomness()
    training()
    versions()
    print("ok")
