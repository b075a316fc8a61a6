"""Result records shared by the peers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np


@dataclass
class LineResult:
    """Final parameters of ``f(x) = a*x + b`` and the loss recorded per epoch."""
    a: float
    b: float
    losses: list = field(default_factory=list)


@dataclass
class MlpResult:
    """Final MLP parameters as float64 ``[W1 (in, out), b1, W2, b2]`` and a
    ``predict(X) -> logits`` for the test set."""
    params: list
    predict: Callable[[np.ndarray], np.ndarray]
    final_loss: Optional[float] = None


def batches(n: int, batch_size: Optional[int]):
    """(start, stop) of each batch in data order; the last one may be short."""
    if batch_size is None:
        return [(0, n)]
    return [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
