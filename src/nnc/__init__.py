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
from .layers import (ELU, PReLU, SELU, Dense, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid,
                     Softmax, Step, Tanh)
from .model import DivergenceError, History, Sequential, load
from .optim import SGD, Adam, HotCold, Momentum, Nesterov
from .tools import gradcheck, loss_surface, max_stable_lr
from .sweep import Sweep, sweep  # noqa: E402  (nnc.sweep is the function)

# ---- book, datasets, mathtools ----
from . import datasets, mathtools  # noqa: E402
from . import book  # noqa: E402  (walkthroughs; they reach the engine at call time)
