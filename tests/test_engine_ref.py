"""A slow NumPy twin of the training engine, used by the fit tests as the
reference (and checked here against hand-derived numbers)."""
import numpy as np
import pytest

import nnc

_ACT = {
    "identity": (lambda z: z, lambda z, y: np.ones_like(z)),
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z, y: y * (1.0 - y)),
    "tanh": (np.tanh, lambda z, y: 1.0 - y * y),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, y: (z > 0).astype(z.dtype)),
}


def describe(model):
    """[(kind, arrays...)] copies of the model's layers and parameters."""
    spec = []
    for layer in model.layers:
        if isinstance(layer, nnc.Dense):
            spec.append(["dense", layer.weight.astype(np.float64).copy(),
                         None if layer.bias is None else layer.bias.astype(np.float64).copy()])
        else:
            spec.append(["act", layer.name])
    return spec


def _params(spec):
    out = []
    for s in spec:
        if s[0] == "dense":
            out.append(s[1])
            if s[2] is not None:
                out.append(s[2])
    return out


def flat(spec):
    return np.concatenate([p.ravel() for p in _params(spec)])


def loss_and_grads(spec, X, Y, loss="mse", reduction="mean", half=False, l1=0.0, l2=0.0):
    """Objective and gradients (same order as _params) of the reference net."""
    acts = [X]
    pre = []
    for s in spec:
        a = acts[-1]
        if s[0] == "dense":
            z = a @ s[1]
            if s[2] is not None:
                z = z + s[2]
        else:
            z = _ACT[s[1]][0](a)
        pre.append(a)
        acts.append(z)
    p = acts[-1]
    r = p - Y
    count = r.size if reduction == "mean" else 1
    k = 0.5 if half else 1.0
    assert loss == "mse"
    value = k * np.sum(r * r) / count
    d = 2.0 * k * r / count
    grads = []
    for s, a, y in zip(reversed(spec), reversed(pre), reversed(acts[1:])):
        if s[0] == "dense":
            gw = a.T @ d
            if l1:
                gw = gw + l1 * np.sign(s[1])
            if l2:
                gw = gw + l2 * 2.0 * s[1]
            if s[2] is not None:
                grads.append(d.sum(axis=0))
            grads.append(gw)
            d = d @ s[1].T
        else:
            d = d * _ACT[s[1]][1](a, y)
    grads.reverse()
    for s in spec:
        if s[0] == "dense":
            if l1:
                value = value + l1 * np.sum(np.abs(s[1]))
    for s in spec:
        if s[0] == "dense":
            if l2:
                value = value + l2 * np.sum(s[1] * s[1])
    return value, grads


def ref_fit(spec, X, Y, batches, opt="sgd", lr=0.1, mu=0.9, beta1=0.9, beta2=0.999, eps=1e-8,
            **loss_kw):
    """Runs the reference over `batches` (one array of row indices per step);
    returns (step losses, parameter trajectory (steps+1, n))."""
    params = _params(spec)
    state1 = [np.zeros_like(p) for p in params]
    state2 = [np.zeros_like(p) for p in params]
    losses = []
    traj = [flat(spec)]
    for t, rows in enumerate(batches, start=1):
        if opt == "nesterov":
            saved = [p.copy() for p in params]
            for p, v in zip(params, state1):
                p += mu * v
        value, grads = loss_and_grads(spec, X[rows], Y[rows], **loss_kw)
        losses.append(value)
        if opt == "nesterov":
            for p, s in zip(params, saved):
                p[...] = s
        for p, g, v, m2 in zip(params, grads, state1, state2):
            if opt == "sgd":
                p -= lr * g
            elif opt in ("momentum", "nesterov"):
                v[...] = mu * v - lr * g
                p += v
            elif opt == "adam":
                v[...] = beta1 * v + (1 - beta1) * g
                m2[...] = beta2 * m2 + (1 - beta2) * (g * g)
                mhat = v / (1 - beta1 ** t)
                vhat = m2 / (1 - beta2 ** t)
                p -= lr * mhat / (np.sqrt(vhat) + eps)
        traj.append(flat(spec))
    return np.array(losses), np.array(traj)


def schedule(n, epochs, batch_size=None, perms=None):
    """Row-index arrays per step, as fit's batch_size / shuffle define them."""
    out = []
    for e in range(epochs):
        seq = np.arange(n) if perms is None else perms[e]
        bs = n if batch_size is None else batch_size
        for start in range(0, n, bs):
            out.append(seq[start:start + bs])
    return out


def test_reference_matches_hand_derivation():
    # One weight, one input: L = (x w - t)^2, dL/dw = 2 (x w - t) x.
    spec = [["dense", np.array([[0.5]]), None]]
    value, grads = loss_and_grads(spec, np.array([[2.0]]), np.array([[0.8]]))
    assert value == pytest.approx((2.0 * 0.5 - 0.8) ** 2)
    assert grads[0][0, 0] == pytest.approx(2 * (2.0 * 0.5 - 0.8) * 2.0)


def test_reference_gradient_central_difference():
    rng = np.random.default_rng(1)
    spec = [["dense", rng.normal(size=(3, 4)), rng.normal(size=4)], ["act", "tanh"],
            ["dense", rng.normal(size=(4, 2)), rng.normal(size=2)], ["act", "sigmoid"]]
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    _, grads = loss_and_grads(spec, X, Y)
    w = spec[0][1]
    base = w[1, 2]
    w[1, 2] = base + 1e-6
    up, _ = loss_and_grads(spec, X, Y)
    w[1, 2] = base - 1e-6
    down, _ = loss_and_grads(spec, X, Y)
    w[1, 2] = base
    assert grads[0][1, 2] == pytest.approx((up - down) / 2e-6, rel=1e-6)
