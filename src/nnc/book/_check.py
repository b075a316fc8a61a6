"""Argument checks shared by the walkthroughs.

Each walkthrough checks its arguments first, so that a wrong one fails at
once with a TypeError/ValueError that names the walkthrough, the argument,
what was expected and what was given -- instead of an IndexError or a
ZeroDivisionError from deep inside the run.  Every helper returns the
argument converted to the form the walkthrough then uses.
"""
import math
import operator

import numpy as np

__all__ = ["count", "counts", "numbers", "vector", "xy_points"]


def _got(value):
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def count(fn, name, value, minimum=1):
    """``value`` as a Python int >= ``minimum``.

    Integers (Python or NumPy) only: a bool or a float (even 3.0) is a
    TypeError, a smaller integer a ValueError.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}: {name} must be an integer >= {minimum}, got {value!r}")
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{fn}: {name} must be an integer >= {minimum}, "
                        f"got {type(value).__name__} {_got(value)}") from None
    if n < minimum:
        raise ValueError(f"{fn}: {name} must be an integer >= {minimum}, got {n}")
    return n


def counts(fn, name, value, minimum=1):
    """A sequence of integers >= ``minimum`` (one integer counts as a sequence
    of one) as a 1-D int64 array with at least one entry."""
    items = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
    arr = np.asarray(items, dtype=object)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(f"{fn}: {name} must be an integer or a non-empty flat sequence of "
                         f"integers, got {_got(value)}")
    return np.array([count(fn, f"each entry of {name}", v, minimum) for v in arr.tolist()],
                    dtype=np.int64)


def vector(fn, name, value, min_len=1, finite=False, scalar_ok=False):
    """``value`` as a 1-D float64 array of at least ``min_len`` entries.
    ``scalar_ok=True`` takes a single number as an array of one;
    ``finite=True`` refuses NaN and inf."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: {name} must be real numbers, got {_got(value)}") from None
    if scalar_ok:
        arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"{fn}: {name} must be one-dimensional, got shape {arr.shape}")
    if arr.shape[0] < min_len:
        raise ValueError(f"{fn}: {name} needs at least {min_len} value(s), "
                         f"got {arr.shape[0]}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{fn}: {name} must be finite, got {_got(value)}")
    return arr


def numbers(fn, name, value, n, finite=True):
    """``value`` as a tuple of exactly ``n`` floats (finite unless told)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: {name} must be {n} real numbers, got {_got(value)}") from None
    if arr.shape != (n,):
        raise ValueError(f"{fn}: {name} must be {n} numbers, got {_got(value)}")
    if finite and not all(math.isfinite(v) for v in arr.tolist()):
        raise ValueError(f"{fn}: {name} must be finite, got {_got(value)}")
    return tuple(arr.tolist())


def xy_points(fn, name, value):
    """``value`` as ``(x, y)``: two 1-D float64 arrays of one equal length >= 1."""
    try:
        pair = not isinstance(value, (str, bytes)) and len(value) == 2
    except TypeError:  # no length: a number, a 0-d array
        pair = False
    if not pair:
        raise ValueError(f"{fn}: {name} must be a pair (x, y) of equal-length 1-D arrays, "
                         f"got {_got(value)}")
    x = vector(fn, f"{name}'s x", value[0])
    y = vector(fn, f"{name}'s y", value[1])
    if x.shape != y.shape:
        raise ValueError(f"{fn}: {name} has {x.shape[0]} x values but {y.shape[0]} y values")
    return x, y
