"""nnc: the arithmetic of neural-network learning in C, for people learning
how networks learn.

Python describes, C computes: NumPy arrays go in, the C core does the matrix
products, activations, losses, gradients and optimizer steps -- a whole
training run in one call -- and NumPy arrays come back.

Start with the README, or ``help(nnc.functional)``, ``help(nnc.Sequential)``
and ``help(nnc.book)``.
"""
import atexit as _atexit
import os as _os

from . import _core
from ._version import __version__

# The worker pool behind threaded matrix products belongs to _core and is
# started on first use: stop it at exit, and forget it in a forked child
# (whose copy has none of the parent's threads).
_atexit.register(_core._pool_shutdown)
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_core._pool_after_fork)

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
from .layers import (ELU, PReLU, SELU, Dense, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid,
                     Softmax, Step, Tanh)
from .model import DivergenceError, History, Sequential, load
from .optim import SGD, Adam, HotCold, Momentum, Nesterov
from .tools import gradcheck, loss_surface, max_stable_lr
from .sweep import Sweep, sweep  # noqa: E402  (nnc.sweep is the function)

# ---- book, datasets, mathtools ----
from . import datasets, mathtools  # noqa: E402
from . import book  # noqa: E402  (walkthroughs; they reach the engine at call time)

__all__ = [
    "__version__",
    # modules
    "book", "datasets", "functional", "init", "layers", "linalg", "losses", "mathtools",
    "optim", "random", "tools",
    # matrix
    "add", "axpy", "dot", "gemv", "matmul", "scale", "transpose",
    # random
    "Generator",
    # layers
    "Dense", "ELU", "Identity", "LeakyReLU", "LogSoftmax", "PReLU", "ReLU", "SELU", "Sigmoid",
    "Softmax", "Step", "Tanh",
    # models and training
    "DivergenceError", "History", "Sequential", "load",
    # optimizers
    "SGD", "Adam", "HotCold", "Momentum", "Nesterov",
    # tools
    "gradcheck", "loss_surface", "max_stable_lr",
]
