"""PyTorch eager peer (CPU): ``nn.Linear``/``nn.Sequential``, a loss module,
``loss.backward()`` and a ``torch.optim`` step per batch -- the tutorial way.

Importing this module raises ImportError when torch is not installed; the
harness then skips the peer with a note.
"""
from __future__ import annotations

import numpy as np
import torch

from .common import LineResult, MlpResult

NAME = "PyTorch eager"


def version() -> str:
    return torch.__version__


def set_single_thread():
    torch.set_num_threads(1)


def prepare_line(x, y):
    X = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)).reshape(-1, 1)
    Y = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float64)).reshape(-1, 1)
    return X, Y


def line_fit(data, *, a0, b0, lr, epochs, batch_size=None):
    """``nn.Linear(1, 1)`` in float64, ``MSELoss()`` (mean), ``optim.SGD(lr)``."""
    X, Y = data
    n = X.shape[0]
    model = torch.nn.Linear(1, 1, dtype=torch.float64)
    with torch.no_grad():
        model.weight.fill_(a0)
        model.bias.fill_(b0)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.MSELoss()
    losses = []
    bs = n if batch_size is None else batch_size
    for _ in range(epochs):
        total = 0.0
        for s in range(0, n, bs):
            xb, yb = X[s:s + bs], Y[s:s + bs]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0] / n
        losses.append(total)
    return LineResult(model.weight.item(), model.bias.item(), losses)


def prepare_mlp(Xtr, ytr, dtype="float32"):
    X = torch.from_numpy(np.ascontiguousarray(Xtr, dtype=dtype))
    Y = torch.from_numpy(np.asarray(ytr, dtype=np.int64))
    return X, Y


def mlp_fit(data, *, init, lr, epochs, batch_size, shuffle, seed, dtype="float32",
            max_steps=None):
    """``nn.Sequential(Linear, ReLU, Linear)``, ``CrossEntropyLoss()``,
    ``optim.Adam(lr)``; batches by indexing with ``torch.randperm`` (no
    DataLoader, whose per-sample collation would only slow torch down)."""
    X, Y = data
    tdt = getattr(torch, dtype)
    X = X.to(tdt)
    W1, b1, W2, b2 = init
    n_in, n_hid, n_out = W1.shape[0], W1.shape[1], W2.shape[1]
    model = torch.nn.Sequential(torch.nn.Linear(n_in, n_hid, dtype=tdt), torch.nn.ReLU(),
                                torch.nn.Linear(n_hid, n_out, dtype=tdt))
    with torch.no_grad():  # torch stores (out, in); ours are (in, out)
        model[0].weight.copy_(torch.from_numpy(np.ascontiguousarray(W1.T)))
        model[0].bias.copy_(torch.from_numpy(np.asarray(b1)))
        model[2].weight.copy_(torch.from_numpy(np.ascontiguousarray(W2.T)))
        model[2].bias.copy_(torch.from_numpy(np.asarray(b2)))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    n = X.shape[0]
    t = 0
    loss = None
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen) if shuffle else torch.arange(n)
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), Y[idx])
            loss.backward()
            opt.step()
            t += 1
            if max_steps is not None and t >= max_steps:
                break
        if max_steps is not None and t >= max_steps:
            break
    params = [model[0].weight.detach().numpy().T.astype(np.float64),
              model[0].bias.detach().numpy().astype(np.float64),
              model[2].weight.detach().numpy().T.astype(np.float64),
              model[2].bias.detach().numpy().astype(np.float64)]

    def predict(Xq):
        with torch.no_grad():
            return model(torch.from_numpy(np.ascontiguousarray(Xq)).to(tdt)).numpy()

    return MlpResult(params, predict, None if loss is None else loss.item())
