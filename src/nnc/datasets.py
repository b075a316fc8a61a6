"""The chapters' data, as NumPy arrays.

Every function returns fresh arrays (float64 unless said otherwise), so a
caller may change them freely.

Small data sets written out in the chapters:

- :func:`bergel_points` -- Agile AI ch. 4's four points, in the book's order;
- :func:`aligned_points` -- the same chapter's four points on one line;
- :func:`noisy_line` -- the chapter's N noisy points around ``y = x``, drawn
  from Pharo's ``Random seed: 42`` (:class:`ParkMiller`, reproduced exactly);
- :func:`padhai_toy` -- the sigmoid-neuron article's two points;
- :func:`xor` -- the four XOR points;
- :func:`serrano_rooms` -- Grokking ML ch. 3's rooms and prices;
- :func:`serrano_aack_beep` -- Grokking ML ch. 5-6's eight sentences, counted
  by the words "aack" and "beep", labelled 1 (happy) or 0 (sad), as the
  book's code and plots label them;
- :func:`boxcar` -- the ideal boxcar (a rectangle) of Vasilev ch. 2.

Loaders for scikit-learn's bundled data sets (:func:`load_digits`,
:func:`load_iris`, :func:`load_breast_cancer`) need the optional ``datasets``
extra (``pip install "nnc[datasets]"``, which installs scikit-learn).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._typing import ArrayLike, FloatArray, IntArray

__all__ = [
    "ParkMiller", "bergel_points", "aligned_points", "noisy_line", "padhai_toy",
    "xor", "serrano_rooms", "serrano_aack_beep", "boxcar", "load_digits", "load_iris",
    "load_breast_cancer",
]


class ParkMiller:
    """Pharo's ``Random``: the Park-Miller "minimal standard" generator.

    The state is an integer ``seed`` in [1, 2**31 - 2].  Each draw replaces it
    with ``16807 * seed mod (2**31 - 1)`` and returns ``seed / (2**31 - 1)`` as
    a float in (0, 1).  The product is formed in exact integer arithmetic and
    the division is one correctly rounded float64 division, which is exactly
    what Pharo computes, so ``ParkMiller(42)`` gives the very numbers of
    ``Random seed: 42``::

        >>> r = ParkMiller(42)
        >>> r.next(), r.next(), r.next()
        (0.00032870750889587566, 0.5245871020129822, 0.7354235321913956)
    """

    MULTIPLIER = 16807
    MODULUS = 2147483647  # 2**31 - 1, a prime

    def __init__(self, seed: int = 42) -> None:
        seed = int(seed)
        if not 0 < seed < self.MODULUS:
            raise ValueError(
                f"ParkMiller: seed must be in [1, {self.MODULUS - 1}], got {seed}")
        self.seed = seed

    def next(self) -> float:
        """Advance the state once and return the new draw, a float in (0, 1)."""
        self.seed = (self.MULTIPLIER * self.seed) % self.MODULUS
        return self.seed / self.MODULUS

    def draws(self, n: int) -> FloatArray:
        """The next ``n`` draws as a float64 array of shape (n,).

        Vectorised: the k-th state is ``seed * 16807**k mod m``; the powers are
        built by repeated doubling in int64 (every product stays below 2**62).
        """
        n = int(n)
        if n < 0:
            raise ValueError(f"ParkMiller.draws: n must be >= 0, got {n}")
        m = self.MODULUS
        states = np.empty(n, dtype=np.int64)
        if n == 0:
            return states.astype(np.float64)
        states[0] = (self.MULTIPLIER * self.seed) % m
        filled = 1
        step = self.MULTIPLIER  # 16807**filled mod m
        while filled < n:
            take = min(filled, n - filled)
            # states[filled + j] = states[j] * 16807**filled mod m; both factors
            # are < 2**31, so the int64 product cannot overflow.
            states[filled:filled + take] = (states[:take] * step) % m
            step = (step * step) % m
            filled += take
        self.seed = int(states[-1])
        return states.astype(np.float64) / float(m)


def bergel_points() -> tuple[FloatArray, FloatArray]:
    """Agile AI ch. 4's four points ``(1, 3.0), (3, 5.2), (2, 4.1), (4, 7.5)``.

    Returns ``(x, y)``, two float64 arrays of shape (4,), in the book's order
    (the order matters for bit-level reproduction: sums run left to right).
    """
    return (np.array([1.0, 3.0, 2.0, 4.0]), np.array([3.0, 5.2, 4.1, 7.5]))


def aligned_points() -> tuple[FloatArray, FloatArray]:
    """Agile AI ch. 4's aligned points ``(4, 6.5), (2, 3.5), (2, 3.5), (2, 3.5)``.

    They all lie on ``y = 1.5 x + 0.5``, so the squared-error cost of a line
    fitted to them can fall to zero.  Returns ``(x, y)`` of shape (4,).
    """
    return (np.array([4.0, 2.0, 2.0, 2.0]), np.array([6.5, 3.5, 3.5, 3.5]))


def noisy_line(n: int = 100, seed: int = 42) -> tuple[FloatArray, FloatArray]:
    """Agile AI ch. 4's noisy points around ``y = x``, for any ``n``.

    Point ``i = 1..n`` is ``x = i / n`` and ``y = (r*40 - 20 + i) / n``, where
    ``r`` is the i-th draw of ``ParkMiller(seed)`` (Pharo's ``Random seed:
    42``).  The arithmetic follows the Pharo script operation by operation, so
    for ``n = 100`` the first point is ``(0.01, -0.18986851699644167)`` and the
    last ``(1.0, 0.97862954166654)``.  Returns ``(x, y)`` of shape (n,).
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"noisy_line: n must be >= 1, got {n}")
    i = np.arange(1, n + 1, dtype=np.float64)
    r = ParkMiller(seed).draws(n)
    x = i / n
    y = (((r * 40.0) - 20.0) + i) / n
    return x, y


def padhai_toy() -> tuple[FloatArray, FloatArray]:
    """The sigmoid-neuron article's toy data: ``X = [0.5, 2.5]``, ``Y = [0.2, 0.9]``.

    Returns ``(x, y)``, float64 arrays of shape (2,).
    """
    return np.array([0.5, 2.5]), np.array([0.2, 0.9])


def xor() -> tuple[FloatArray, FloatArray]:
    """The XOR truth table: ``X`` of shape (4, 2), ``y`` of shape (4, 1).

    Rows are (0, 0), (0, 1), (1, 0), (1, 1) with targets 0, 1, 1, 0.  No
    straight line separates the ones from the zeros.
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def serrano_rooms() -> tuple[FloatArray, FloatArray]:
    """Grokking ML ch. 3's houses: rooms ``[1, 2, 3, 5, 6, 7]``, prices
    ``[155, 197, 244, 356, 407, 448]``.

    Returns ``(rooms, prices)``, float64 arrays of shape (6,).
    """
    return (np.array([1.0, 2.0, 3.0, 5.0, 6.0, 7.0]),
            np.array([155.0, 197.0, 244.0, 356.0, 407.0, 448.0]))


def serrano_aack_beep() -> tuple[FloatArray, FloatArray]:
    """Grokking ML ch. 5-6's classification toy: eight sentences described by
    how often they say "aack" and "beep", labelled 1 (happy) or 0 (sad), as
    the book's code (its ch. 6 notebook) lists them and its plots label them.

    Returns ``X`` of shape (8, 2) (columns: aack count, beep count) and ``y``
    of shape (8, 1), rows in the book's code's order (rows 7 and 8 are
    [3, 2] and [2, 3]: the order matters to its random picks).  The line
    aack + beep = 3.5 separates the two classes.
    """
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [1.0, 2.0],
                  [1.0, 3.0], [2.0, 2.0], [3.0, 2.0], [2.0, 3.0]])
    y = np.array([[0.0], [0.0], [0.0], [0.0], [1.0], [1.0], [1.0], [1.0]])
    return X, y


def boxcar(x: ArrayLike, left: float = -5.0, right: float = 5.0,
           height: float = 7.0) -> FloatArray:
    """The ideal boxcar: ``height`` inside ``(left, right)``, 0 outside.

    At the two edges the value is ``height / 2``, the value a pair of very
    steep sigmoids takes there (Vasilev ch. 2 builds the boxcar from two
    sigmoid units: ``7 sigma(1000 x + 5000) - 7 sigma(1000 x - 5000)``).
    ``x`` is any array-like; returns a float64 array of its shape.
    """
    try:  # real numbers only: a complex height would silently lose its imaginary part
        left, right, height = float(left), float(right), float(height)
    except (TypeError, ValueError):
        raise TypeError(f"boxcar: left, right and height must be real numbers, got "
                        f"{left!r}, {right!r}, {height!r}") from None
    if not left < right:
        raise ValueError(f"boxcar: need left < right, got left={left}, right={right}")
    x = np.asarray(x, dtype=np.float64)
    out = np.where((x > left) & (x < right), height, 0.0)
    out = np.where((x == left) | (x == right), height / 2.0, out)
    return out.astype(np.float64)


def _sklearn_datasets(name):
    try:
        from sklearn import datasets as skd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"nnc.datasets.{name} needs scikit-learn, which is not installed; "
            'install the optional extra: pip install "nnc[datasets]" '
            "(or pip install scikit-learn)") from exc
    return skd


def _sk_arrays(bunch: Any) -> tuple[FloatArray, IntArray]:
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)
    y = np.ascontiguousarray(bunch.target, dtype=np.int64)
    return X, y


def load_digits() -> tuple[FloatArray, IntArray]:
    """scikit-learn's 8x8 handwritten digits: ``X`` (1797, 64) float64 pixel
    intensities 0..16, ``y`` (1797,) int64 labels 0..9.

    Needs the ``datasets`` extra (scikit-learn); raises ImportError naming it
    when scikit-learn is missing.
    """
    return _sk_arrays(_sklearn_datasets("load_digits").load_digits())


def load_iris() -> tuple[FloatArray, IntArray]:
    """scikit-learn's iris flowers: ``X`` (150, 4) float64 measurements in cm,
    ``y`` (150,) int64 species 0..2.  Needs the ``datasets`` extra.
    """
    return _sk_arrays(_sklearn_datasets("load_iris").load_iris())


def load_breast_cancer() -> tuple[FloatArray, IntArray]:
    """scikit-learn's Wisconsin breast-cancer data: ``X`` (569, 30) float64
    features, ``y`` (569,) int64 labels (0 malignant, 1 benign).  Needs the
    ``datasets`` extra.
    """
    return _sk_arrays(_sklearn_datasets("load_breast_cancer").load_breast_cancer())
