"""nnc: the arithmetic of neural-network learning in C, for people learning
how networks learn.

Python describes, C computes: NumPy arrays go in, the C core does the matrix
products, activations, losses, gradients and optimizer steps -- a whole
training run in one call -- and NumPy arrays come back.

Start with the README, or ``help(nnc.functional)``, ``help(nnc.Sequential)``
and ``help(nnc.book)``.
"""
from . import _core

__version__ = "0.1.0"

# ---- matrix ----
from . import linalg
from .linalg import add, axpy, dot, gemv, matmul, scale, transpose

# ---- functional ----
from . import functional  # noqa: E402  (use: from nnc import functional as F)

# ---- random and init ----
from . import init, random
from .random import Generator

# ---- engine: layers, models, optimizers, fit ----
from . import layers, losses, optim, tools
from .layers import Dense
from .model import DivergenceError, History, Sequential, load

# One layer class per activation and one optimizer class per optimizer of the
# op table (csrc/core/ops.def): nnc.Sigmoid, nnc.LeakyReLU, ..., nnc.SGD, nnc.Adam, ...
for _row in _core._ops["activations"]:
    globals()[_row["cls"]] = getattr(layers, _row["cls"])
for _row in _core._ops["optimizers"]:
    globals()[_row["cls"]] = getattr(optim, _row["cls"])
del _row
from .tools import gradcheck, loss_surface, max_stable_lr

# ---- book, datasets, mathtools ----
from . import datasets, mathtools  # noqa: E402
from . import book  # noqa: E402  (walkthroughs; they reach the engine at call time)
