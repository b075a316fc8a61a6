"""The benchmark's data, generated the same way for every peer.

- ``noisy_line(n)``: Bergel's noisy line (Agile Artificial Intelligence in Pharo,
  ch. 4). ``Random seed: 42`` in Pharo is the Park-Miller "minimal standard"
  generator, ``seed <- 16807 * seed mod 2147483647``, each draw being
  ``seed / 2147483647.0``. Python integers make the recurrence exact, so the points
  are the book's to the last bit. Point i = 1..n is ``x = i/n``,
  ``y = (draw*40 - 20 + i)/n``: the line y = x with noise of +-20/n.
- ``digits_split()``: scikit-learn's 8x8 digits, split 75/25 with a fixed
  ``random_state``, pixels scaled from 0..16 to [0, 1].
- ``mlp_init()``: ONE set of starting weights for the 64-64-10 network, shared by
  every peer that lets us set its weights, so that the peers differ only in how
  they compute, never in where they start.
"""
from __future__ import annotations

import numpy as np

PARK_MILLER_A = 16807
PARK_MILLER_M = 2147483647


def park_miller_draws(n: int, seed: int = 42) -> np.ndarray:
    """The first ``n`` draws of Pharo's ``Random seed: seed`` as float64."""
    out = np.empty(n, dtype=np.float64)
    s = seed
    for k in range(n):
        s = (PARK_MILLER_A * s) % PARK_MILLER_M
        out[k] = s / 2147483647.0
    return out


def noisy_line(n: int = 30000, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Bergel's ``n`` noisy points as float64 arrays ``x`` and ``y``, shape (n,):
    ``nnc.datasets.noisy_line`` when this nnc has it, else ``bench_noisy_line``
    (the same numbers; the smoke test holds them equal)."""
    try:
        from nnc.datasets import noisy_line as nnc_noisy_line
    except ImportError:
        return bench_noisy_line(n, seed)
    x, y = nnc_noisy_line(n, seed=seed)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def noisy_line_source() -> str:
    try:
        from nnc.datasets import noisy_line  # noqa: F401
    except ImportError:
        return "bench/peers/data.py"
    return "nnc.datasets.noisy_line"


def bench_noisy_line(n: int = 30000, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Bergel's ``n`` noisy points, computed here with Python integers and floats.

    The arithmetic follows the Pharo expression left to right, in float64:
    ``x = i/n`` (an exact fraction rounded once) and ``y = ((draw*40 - 20) + i)/n``.
    """
    draws = park_miller_draws(n, seed)
    x = np.empty(n, dtype=np.float64)
    y = np.empty(n, dtype=np.float64)
    for i in range(1, n + 1):
        x[i - 1] = i / n
        y[i - 1] = (draws[i - 1] * 40 - 20 + i) / n
    return x, y


def digits_split(test_size: float = 0.25, random_state: int = 0):
    """Digits as ``(Xtr, Xte, ytr, yte)``: X float64 in [0, 1] (pixels / 16),
    y int64 class labels. Needs scikit-learn (ImportError otherwise)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    X = d.data.astype(np.float64) / 16.0
    y = d.target.astype(np.int64)
    return train_test_split(X, y, test_size=test_size, random_state=random_state,
                            stratify=y)


def xavier_uniform_init(sizes, seed: int = 0) -> list[np.ndarray]:
    """Glorot/Xavier-uniform weights, zero biases, for a chain of Dense layers.

    Returns ``[W1, b1, W2, b2, ...]`` in float64 with ``W`` of shape (in, out),
    so that a layer computes ``x @ W + b``. Used only when nnc's own initialiser
    is not available to supply the shared starting point.
    """
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params.append(rng.uniform(-bound, bound, size=(fan_in, fan_out)))
        params.append(np.zeros(fan_out))
    return params
