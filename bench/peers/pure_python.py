"""Pure Python peer: lists and loops, the way a learner writes it from the book.

No NumPy inside the timed loops (``prepare_*`` turns arrays into lists first). Too
slow to run the full work, so the harness runs a few epochs/steps and scales the
time linearly (the work per epoch/step is constant).
"""
from __future__ import annotations

import math
import platform
import random

import numpy as np

from .common import LineResult, MlpResult

NAME = "pure Python"
DTYPE_NOTE = "Python float (float64)"


def version() -> str:
    return platform.python_version()


def prepare_line(x, y):
    return [float(v) for v in x], [float(v) for v in y]


def line_fit(data, *, a0, b0, lr, epochs, batch_size=None):
    """Bergel's loop: per batch, ``dJ/da = 2/m * sum(-x*(y - f(x)))`` and
    ``dJ/db = 2/m * sum(-(y - f(x)))`` summed left to right, then one step.
    The epoch loss is the sum over batches of (batch squared error)/n, taken
    before each update."""
    xs, ys = data
    n = len(xs)
    bs = n if batch_size is None else batch_size
    a, b = float(a0), float(b0)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for s in range(0, n, bs):
            ga = 0.0
            gb = 0.0
            sq = 0.0
            for xi, yi in zip(xs[s:s + bs], ys[s:s + bs]):
                r = yi - (xi * a + b)
                ga += -xi * r
                gb += -r
                sq += r * r
            m = min(bs, n - s)
            a -= lr * ((2 / m) * ga)
            b -= lr * ((2 / m) * gb)
            total += sq / n
        losses.append(total)
    return LineResult(a, b, losses)


def prepare_mlp(Xtr, ytr):
    return [[float(v) for v in row] for row in Xtr], [int(v) for v in ytr]


def _forward(xrow, W1t, b1, W2t, b2):
    """One sample -> (hidden pre-activation, hidden output, logits). ``Wt[j]`` holds
    the weights feeding output j, so each output is one zip-dot."""
    z1 = [bj + sum(xi * wi for xi, wi in zip(xrow, wj)) for wj, bj in zip(W1t, b1)]
    h = [v if v > 0.0 else 0.0 for v in z1]
    z2 = [bj + sum(hi * wi for hi, wi in zip(h, wj)) for wj, bj in zip(W2t, b2)]
    return z1, h, z2


def mlp_fit(data, *, init, lr, epochs, batch_size, shuffle, seed, dtype="float64",
            max_steps=None, beta1=0.9, beta2=0.999, eps=1e-8):
    """Dense-ReLU-Dense, softmax cross-entropy (mean over the batch), Adam; Python
    floats whatever ``dtype`` says. ``max_steps`` stops after that many updates."""
    X, Y = data
    W1, b1, W2, b2 = init
    n_in, n_hid, n_out = W1.shape[0], W1.shape[1], W2.shape[1]
    W1t = [[float(v) for v in col] for col in W1.T]
    W2t = [[float(v) for v in col] for col in W2.T]
    b1l = [float(v) for v in b1]
    b2l = [float(v) for v in b2]
    # Adam walks every parameter as rows of one flat list of rows.
    rows = W1t + [b1l] + W2t + [b2l]
    m_rows = [[0.0] * len(r) for r in rows]
    v_rows = [[0.0] * len(r) for r in rows]
    rng = random.Random(seed)
    order = list(range(len(X)))
    t = 0
    last_loss = None
    done = False
    for _ in range(epochs):
        if shuffle:
            rng.shuffle(order)
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            bsz = len(idx)
            gW1 = [[0.0] * n_in for _ in range(n_hid)]
            gb1 = [0.0] * n_hid
            gW2 = [[0.0] * n_hid for _ in range(n_out)]
            gb2 = [0.0] * n_out
            loss = 0.0
            for k in idx:
                xrow = X[k]
                label = Y[k]
                z1, h, z2 = _forward(xrow, W1t, b1l, W2t, b2l)
                zmax = max(z2)
                e = [math.exp(v - zmax) for v in z2]
                se = sum(e)
                loss += math.log(se) - (z2[label] - zmax)
                d2 = [(ej / se - (1.0 if j == label else 0.0)) / bsz for j, ej in enumerate(e)]
                for j in range(n_out):
                    dj = d2[j]
                    gb2[j] += dj
                    grow = gW2[j]
                    for i in range(n_hid):
                        grow[i] += h[i] * dj
                for i in range(n_hid):
                    if z1[i] > 0.0:
                        di = sum(W2t[j][i] * d2[j] for j in range(n_out))
                        gb1[i] += di
                        grow = gW1[i]
                        for q in range(n_in):
                            grow[q] += xrow[q] * di
            last_loss = loss / bsz
            t += 1
            c1 = 1 - beta1 ** t
            c2 = 1 - beta2 ** t
            for pr, gr, mr, vr in zip(rows, gW1 + [gb1] + gW2 + [gb2], m_rows, v_rows):
                for i in range(len(pr)):
                    g = gr[i]
                    mr[i] = beta1 * mr[i] + (1 - beta1) * g
                    vr[i] = beta2 * vr[i] + (1 - beta2) * g * g
                    pr[i] -= lr * (mr[i] / c1) / (math.sqrt(vr[i] / c2) + eps)
            if max_steps is not None and t >= max_steps:
                done = True
                break
        if done:
            break

    params = [np.array(W1t).T.copy(), np.array(b1l), np.array(W2t).T.copy(), np.array(b2l)]

    def predict(Xq):
        return np.array([_forward([float(v) for v in r], W1t, b1l, W2t, b2l)[2] for r in Xq])

    return MlpResult(params, predict, last_loss)
