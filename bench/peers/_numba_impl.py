"""The Numba peers' kernels, compiled with or without ``fastmath`` (the two
public peer modules, numba_peer and numba_fastmath_peer, pick one).  Plain
loops, as a C programmer would write them in Python syntax."""
from __future__ import annotations

import numba
import numpy as np

from .common import LineResult, MlpResult


def make(fastmath: bool):
    jit = numba.njit(cache=False, fastmath=fastmath)

    @jit
    def line_epochs(x, y, a, b, lr, epochs, bs, losses):
        n = x.shape[0]
        for e in range(epochs):
            total = 0.0
            for s in range(0, n, bs):
                stop = min(s + bs, n)
                m = stop - s
                ga = 0.0
                gb = 0.0
                for i in range(s, stop):
                    r = a * x[i] + b - y[i]
                    total += r * r
                    ga += r * x[i]
                    gb += r
                a -= lr * 2.0 * (ga / m)
                b -= lr * 2.0 * (gb / m)
            losses[e] = total / n
        return a, b

    @jit
    def adam(p, g, mk, vk, lr, beta1, beta2, eps, bc1, bc2, one):
        for i in range(p.shape[0]):
            mk[i] = beta1 * mk[i] + (one - beta1) * g[i]
            vk[i] = beta2 * vk[i] + (one - beta2) * g[i] * g[i]
            p[i] -= lr * (mk[i] / bc1) / (np.sqrt(vk[i] / bc2) + eps)

    @jit
    def mlp_epoch(X, Y, order, bs, W1, b1, W2, b2, m1, m2, m3, m4, v1, v2, v3, v4, t, lr,
                  beta1, beta2, eps, one):
        n = X.shape[0]
        nh = W1.shape[1]
        no = W2.shape[1]
        loss = 0.0
        for s in range(0, n, bs):
            idx = order[s:min(s + bs, n)]
            m = idx.shape[0]
            xb = np.empty((m, X.shape[1]), X.dtype)
            for i in range(m):
                xb[i] = X[idx[i]]
            z1 = xb @ W1 + b1
            h = np.maximum(z1, 0)
            z2 = h @ W2 + b2
            d2 = np.empty_like(z2)
            loss = 0.0
            for i in range(m):
                mx = z2[i, 0]
                for j in range(1, no):
                    mx = max(mx, z2[i, j])
                tot = 0.0
                for j in range(no):
                    d2[i, j] = np.exp(z2[i, j] - mx)
                    tot += d2[i, j]
                for j in range(no):
                    d2[i, j] = d2[i, j] / tot
                loss -= np.log(d2[i, Y[idx[i]]])
                d2[i, Y[idx[i]]] -= one
                for j in range(no):
                    d2[i, j] /= m
            loss /= m
            dh = d2 @ np.ascontiguousarray(W2.T)
            for i in range(m):
                for j in range(nh):
                    if z1[i, j] <= 0:
                        dh[i, j] = 0
            gW1 = np.ascontiguousarray(xb.T) @ dh
            gb1 = dh.sum(axis=0)
            gW2 = np.ascontiguousarray(h.T) @ d2
            gb2 = d2.sum(axis=0)
            t += 1
            bc1 = one - beta1 ** t
            bc2 = one - beta2 ** t
            adam(W1.ravel(), gW1.ravel(), m1.ravel(), v1.ravel(), lr, beta1, beta2, eps, bc1,
                 bc2, one)
            adam(b1, gb1, m2, v2, lr, beta1, beta2, eps, bc1, bc2, one)
            adam(W2.ravel(), gW2.ravel(), m3.ravel(), v3.ravel(), lr, beta1, beta2, eps, bc1,
                 bc2, one)
            adam(b2, gb2, m4, v4, lr, beta1, beta2, eps, bc1, bc2, one)
        return t, loss

    def version() -> str:
        return numba.__version__

    def prepare_line(x, y):
        return (np.ascontiguousarray(x, dtype=np.float64),
                np.ascontiguousarray(y, dtype=np.float64))

    def line_fit(data, *, a0, b0, lr, epochs, batch_size=None):
        x, y = data
        losses = np.empty(epochs)
        bs = x.shape[0] if batch_size is None else batch_size
        a, b = line_epochs(x, y, float(a0), float(b0), float(lr), epochs, bs, losses)
        return LineResult(float(a), float(b), list(losses))

    def prepare_mlp(Xtr, ytr, dtype="float32"):
        return np.ascontiguousarray(Xtr, dtype=dtype), np.asarray(ytr, dtype=np.int64)

    def mlp_fit(data, *, init, lr, epochs, batch_size, shuffle, seed, dtype="float32",
                max_steps=None, beta1=0.9, beta2=0.999, eps=1e-8):
        X, Y = data
        dt = np.dtype(dtype)
        X = X.astype(dt, copy=False)
        W1, b1, W2, b2 = [np.array(p, dtype=dt) for p in init]
        ms = tuple(np.zeros_like(p) for p in (W1, b1, W2, b2))
        vs = tuple(np.zeros_like(p) for p in (W1, b1, W2, b2))
        rng = np.random.default_rng(seed)
        n = X.shape[0]
        t, loss = 0, None
        c = dt.type
        for _ in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            if max_steps is not None:
                order = order[:max(0, max_steps - t) * batch_size]
            if order.size == 0:
                break
            t, loss = mlp_epoch(X, Y, order, batch_size, W1, b1, W2, b2, *ms, *vs, t, c(lr),
                                c(beta1), c(beta2), c(eps), c(1.0))
        params = [W1, b1, W2, b2]

        def predict(Xq):
            Xq = np.asarray(Xq, dtype=dt)
            return np.maximum(Xq @ W1 + b1, 0) @ W2 + b2

        return MlpResult([p.astype(np.float64) for p in params], predict,
                         None if loss is None else float(loss))

    return version, prepare_line, line_fit, prepare_mlp, mlp_fit
