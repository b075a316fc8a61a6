"""NumPy peer: vectorised over the samples, written the way a learner writes it
(``np.mean`` of elementwise expressions, a Python loop over epochs and batches)."""
from __future__ import annotations

import numpy as np

from .common import LineResult, MlpResult

NAME = "NumPy"


def version() -> str:
    return np.__version__


def prepare_line(x, y):
    return np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64)


def line_fit(data, *, a0, b0, lr, epochs, batch_size=None):
    """``J = mean((a*x + b - y)^2)``, one step per batch from the batch's gradient
    ``(2*mean(r*x), 2*mean(r))``; epoch loss = sum of batch squared errors / n,
    taken before each update."""
    x, y = data
    n = x.shape[0]
    a, b = float(a0), float(b0)
    losses = []
    if batch_size is None:
        for _ in range(epochs):
            r = a * x + b - y
            losses.append(np.mean(r ** 2))
            a -= lr * 2 * np.mean(r * x)
            b -= lr * 2 * np.mean(r)
        return LineResult(a, b, losses)
    for _ in range(epochs):
        total = 0.0
        for s in range(0, n, batch_size):
            xb = x[s:s + batch_size]
            yb = y[s:s + batch_size]
            r = a * xb + b - yb
            total += np.sum(r ** 2) / n
            a -= lr * 2 * np.mean(r * xb)
            b -= lr * 2 * np.mean(r)
        losses.append(total)
    return LineResult(float(a), float(b), losses)


def prepare_mlp(Xtr, ytr, dtype="float32"):
    return np.ascontiguousarray(Xtr, dtype=dtype), np.asarray(ytr, dtype=np.int64)


def mlp_forward(params, X):
    W1, b1, W2, b2 = params
    return np.maximum(X @ W1 + b1, 0) @ W2 + b2


def mlp_fit(data, *, init, lr, epochs, batch_size, shuffle, seed, dtype="float32",
            max_steps=None, beta1=0.9, beta2=0.999, eps=1e-8):
    """Dense-ReLU-Dense, softmax cross-entropy (mean over the batch), Adam with
    the usual bias corrections. ``shuffle`` draws a fresh permutation per epoch
    from ``np.random.default_rng(seed)``."""
    X, Y = data
    dt = np.dtype(dtype)
    X = X.astype(dt, copy=False)
    params = [np.array(p, dtype=dt) for p in init]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    t = 0
    loss = None
    for _ in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            xb, yb = X[idx], Y[idx]
            W1, b1, W2, b2 = params
            z1 = xb @ W1 + b1
            h = np.maximum(z1, 0)
            z2 = h @ W2 + b2
            z2 = z2 - z2.max(axis=1, keepdims=True)
            e = np.exp(z2)
            p = e / e.sum(axis=1, keepdims=True)
            rows = np.arange(len(yb))
            loss = -np.mean(np.log(p[rows, yb]))
            d2 = p
            d2[rows, yb] -= 1
            d2 /= len(yb)
            dh = (d2 @ W2.T) * (z1 > 0)
            grads = [xb.T @ dh, dh.sum(axis=0), h.T @ d2, d2.sum(axis=0)]
            t += 1
            for prm, g, mi, vi in zip(params, grads, m, v):
                mi[...] = beta1 * mi + (1 - beta1) * g
                vi[...] = beta2 * vi + (1 - beta2) * g * g
                m_hat = mi / (1 - beta1 ** t)
                v_hat = vi / (1 - beta2 ** t)
                prm -= lr * m_hat / (np.sqrt(v_hat) + eps)
            if max_steps is not None and t >= max_steps:
                break
        if max_steps is not None and t >= max_steps:
            break
    out = [p.astype(np.float64) for p in params]
    return MlpResult(out, lambda Xq: mlp_forward(params, np.asarray(Xq, dtype=dt)),
                     None if loss is None else float(loss))
