"""nnc: each training run is ONE ``model.fit`` call, the whole loop in C.

``available()`` says whether the installed nnc has the training engine (it is
built in stages; until ``nnc.Sequential`` exists the harness reports nnc as
missing and compares the peers with NumPy instead).
"""
from __future__ import annotations

import numpy as np

from .common import LineResult, MlpResult

NAME = "nnc"


def available():
    """(True, "") or (False, why not)."""
    try:
        import nnc
    except ImportError as exc:  # pragma: no cover - the repository always has nnc
        return False, f"import nnc failed: {exc}"
    missing = [name for name in ("Sequential", "Dense", "ReLU", "SGD", "Adam", "losses")
               if not hasattr(nnc, name)]
    if missing:
        return False, "this nnc has no training engine yet (missing: " + ", ".join(missing) + ")"
    return True, ""


def version() -> str:
    import nnc
    return nnc.__version__


def prepare_line(x, y):
    x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, 1)
    y = np.ascontiguousarray(y, dtype=np.float64).reshape(-1, 1)
    return x, y


def line_fit(data, *, a0, b0, lr, epochs, batch_size=None):
    """``Dense(1, 1)`` in float64 from (a0, b0), MSE (mean), SGD; one C call."""
    import nnc
    X, Y = data
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
    model.layers[0].weight[...] = a0
    model.layers[0].bias[...] = b0
    hist = model.fit(X, Y, loss=nnc.losses.MSE(reduction="mean"), optimizer=nnc.SGD(lr),
                     epochs=epochs, batch_size=batch_size)
    return LineResult(float(model.layers[0].weight.reshape(-1)[0]),
                      float(model.layers[0].bias.reshape(-1)[0]), list(np.asarray(hist.loss)))


def weight_layout() -> str:
    """"in_out" when a Dense weight has shape (in, out) (``x @ W``), "out_in" when
    it has shape (out, in) (``x @ W.T``): probed on a non-square layer."""
    import nnc
    shape = tuple(nnc.Sequential([nnc.Dense(2, 3)], seed=0).layers[0].weight.shape)
    if shape == (2, 3):
        return "in_out"
    if shape == (3, 2):
        return "out_in"
    raise RuntimeError(f"unexpected nnc.Dense(2, 3).weight shape {shape}")


def _to_nnc(W, layout):
    return W if layout == "in_out" else W.T


def _from_nnc(W, layout):
    W = np.asarray(W, dtype=np.float64)
    return W.copy() if layout == "in_out" else W.T.copy()


def initial_mlp_params(sizes, seed=0):
    """nnc's own initial weights (its default initialiser) for a Dense-ReLU chain,
    as float64 ``[W1 (in, out), b1, ...]``: the shared starting point."""
    import nnc
    layout = weight_layout()
    layers = []
    for k, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
        if k:
            layers.append(nnc.ReLU())
        layers.append(nnc.Dense(fi, fo))
    model = nnc.Sequential(layers, seed=seed, dtype="float64")
    out = []
    for layer in model.layers:
        if hasattr(layer, "weight"):
            out.append(_from_nnc(layer.weight, layout))
            out.append(np.asarray(layer.bias, dtype=np.float64).reshape(-1).copy())
    return out


def prepare_mlp(Xtr, ytr, dtype="float32"):
    return np.ascontiguousarray(Xtr, dtype=dtype), np.ascontiguousarray(ytr, dtype=np.int64)


def mlp_fit(data, *, init, lr, epochs, batch_size, shuffle, seed, dtype="float32",
            max_steps=None):
    """Dense-ReLU-Dense from ``init``, softmax cross-entropy, Adam; one C call.
    ``max_steps`` is not supported (nnc is always run in full)."""
    import nnc
    if max_steps is not None:
        raise ValueError("nnc peer runs whole epochs")
    X, Y = data
    W1, b1, W2, b2 = init
    layout = weight_layout()
    model = nnc.Sequential([nnc.Dense(W1.shape[0], W1.shape[1]), nnc.ReLU(),
                            nnc.Dense(W2.shape[0], W2.shape[1])], seed=seed, dtype=dtype)
    dense = [layer for layer in model.layers if hasattr(layer, "weight")]
    for layer, W, b in zip(dense, (W1, W2), (b1, b2)):
        layer.weight[...] = _to_nnc(W, layout)
        layer.bias[...] = np.asarray(b).reshape(layer.bias.shape)
    hist = model.fit(X.astype(dtype, copy=False), Y, loss="cross_entropy",
                     optimizer=nnc.Adam(lr=lr), epochs=epochs, batch_size=batch_size,
                     shuffle=shuffle)
    params = []
    for layer in dense:
        params.append(_from_nnc(layer.weight, layout))
        params.append(np.asarray(layer.bias, dtype=np.float64).reshape(-1).copy())
    losses = np.asarray(hist.loss)
    return MlpResult(params, lambda Xq: np.asarray(model.predict(np.asarray(Xq, dtype=dtype))),
                     float(losses[-1]) if losses.size else None)
