"""The mathematical toolkit of Vasilev's ch. 2, small and explicit.

Three families, each function stating its formula:

- linear algebra: :func:`vector_add`, :func:`dot`, :func:`norm`,
  :func:`cosine_similarity`, :func:`cross`, :func:`transpose`, :func:`scale`,
  :func:`matrix_add`, :func:`matvec`, :func:`matmul` (the products run on
  nnc's C matrix kernel, :func:`nnc.matmul`, when it is built in);
- probability: :func:`joint_probability`, :func:`conditional_probability`,
  :func:`union_probability`, :func:`bayes`, :func:`discrete_mean`,
  :func:`discrete_variance`, :func:`discrete_std`, :func:`binomial_pmf`,
  :func:`normal_pdf`; the chapter's card examples are
  :func:`cards_red_and_jack` and :func:`cards_second_heart` (exact fractions);
- information: :func:`self_information`, :func:`entropy`,
  :func:`cross_entropy`, :func:`kl_divergence`, each in nats (natural log,
  the default) or bits (``unit="bits"``, log base 2).

Scalars come back as Python floats, vectors and matrices as float64 arrays.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Union

import numpy as np

from ._typing import ArrayLike, FloatArray

#: A probability: a float, or an exact Fraction (kept exact through the arithmetic).
_P = Union[float, Fraction]

__all__ = [
    "vector_add", "dot", "norm", "cosine_similarity", "cross", "transpose",
    "scale", "matrix_add", "matvec", "matmul",
    "joint_probability", "conditional_probability", "union_probability",
    "bayes", "discrete_mean", "discrete_variance", "discrete_std",
    "binomial_pmf", "normal_pdf", "cards_red_and_jack", "cards_second_heart",
    "self_information", "entropy", "cross_entropy", "kl_divergence",
]


# ---------------------------------------------------------------- linear algebra

def _vector(v, name, func):
    a = np.asarray(v, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{func}: {name} must be a vector (1-D), got shape {a.shape}")
    return a


def _matrix(m, name, func):
    a = np.asarray(m, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{func}: {name} must be a matrix (2-D), got shape {a.shape}")
    return a


def _product(a, b):
    """a @ b for 2-D float64 arrays, on nnc's C kernel when it is available."""
    mm = getattr(_nnc(), "matmul", None)
    if mm is not None:
        return np.asarray(mm(np.ascontiguousarray(a), np.ascontiguousarray(b)))
    return a @ b


def _nnc():
    import nnc
    return nnc


def vector_add(*vectors: ArrayLike) -> FloatArray:
    """Componentwise sum ``a + b + ...`` of vectors of one length."""
    if not vectors:
        raise ValueError("vector_add: give at least one vector")
    vs = [_vector(v, f"vector {i}", "vector_add") for i, v in enumerate(vectors)]
    for i, v in enumerate(vs[1:], 1):
        if v.shape != vs[0].shape:
            raise ValueError(f"vector_add: vector 0 has shape {vs[0].shape} "
                             f"but vector {i} has shape {v.shape}")
    out = vs[0].copy()
    for v in vs[1:]:
        out += v
    return out


def dot(a: ArrayLike, b: ArrayLike) -> float:
    """Dot product ``a . b = sum_i a_i b_i = |a| |b| cos(theta)``."""
    a = _vector(a, "a", "dot")
    b = _vector(b, "b", "dot")
    if a.shape != b.shape:
        raise ValueError(f"dot: a has shape {a.shape} but b has shape {b.shape}")
    if a.size == 0:
        return 0.0
    return float(_product(a[None, :], b[:, None])[0, 0])


def norm(a: ArrayLike) -> float:
    """Euclidean length ``|a| = sqrt(sum_i a_i^2)`` (Pythagoras in n dimensions)."""
    return math.sqrt(dot(a, a))


def cosine_similarity(a: ArrayLike, b: ArrayLike) -> float:
    """``cos(theta) = a . b / (|a| |b|)``: 1 for the same direction, 0 for
    perpendicular vectors, -1 for opposite ones.  Undefined (ValueError) for a
    zero vector."""
    na, nb = norm(a), norm(b)
    if na == 0.0 or nb == 0.0:
        raise ValueError("cosine_similarity: the angle to a zero vector is undefined")
    return dot(a, b) / (na * nb)


def cross(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Cross product of two 3-vectors (2-vectors are taken in the plane z = 0).

    The result is perpendicular to both; its length ``|a| |b| sin(theta)`` is
    the area of the parallelogram they span.  Always returns a 3-vector.
    """
    a = _vector(a, "a", "cross")
    b = _vector(b, "b", "cross")
    if a.shape != b.shape or a.shape[0] not in (2, 3):
        raise ValueError(f"cross: need two vectors of length 2 or 3, got shapes "
                         f"{a.shape} and {b.shape}")
    if a.shape[0] == 2:
        a = np.append(a, 0.0)
        b = np.append(b, 0.0)
    return np.array([a[1] * b[2] - a[2] * b[1],
                     a[2] * b[0] - a[0] * b[2],
                     a[0] * b[1] - a[1] * b[0]])


def transpose(m: ArrayLike) -> FloatArray:
    """``(A^T)_ij = A_ji``: an m x n matrix becomes n x m (a new array)."""
    return np.ascontiguousarray(_matrix(m, "A", "transpose").T)


def scale(m: ArrayLike, c: float) -> FloatArray:
    """Matrix (or vector) times a scalar: every element multiplied by ``c``."""
    return np.asarray(m, dtype=np.float64) * float(c)


def matrix_add(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Elementwise sum of two matrices of the same shape."""
    a = _matrix(a, "A", "matrix_add")
    b = _matrix(b, "B", "matrix_add")
    if a.shape != b.shape:
        raise ValueError(f"matrix_add: A has shape {a.shape} but B has shape {b.shape}")
    return a + b


def matvec(m: ArrayLike, x: ArrayLike) -> FloatArray:
    """``y = A x``: y_i is the dot product of row i of A with x.

    A is m x n, x has length n, y has length m.
    """
    a = _matrix(m, "A", "matvec")
    x = _vector(x, "x", "matvec")
    if a.shape[1] != x.shape[0]:
        raise ValueError(f"matvec: A has shape {a.shape} but x has length "
                         f"{x.shape[0]}; A's columns must equal x's length")
    return _product(a, x[:, None])[:, 0].copy()


def matmul(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """``C = A B``: C_ij is row i of A dotted with column j of B.

    A is m x n, B is n x p, C is m x p; not commutative.
    """
    a = _matrix(a, "A", "matmul")
    b = _matrix(b, "B", "matmul")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul: A has shape {a.shape} but B has shape {b.shape}; "
                         f"A's columns ({a.shape[1]}) must equal B's rows ({b.shape[0]})")
    return _product(a, b)


# ---------------------------------------------------------------- probability

def _prob(p, name, func):
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{func}: {name} must be a probability in [0, 1], got {p}")
    return p


def joint_probability(*probabilities: _P) -> _P:
    """``P(A and B and ...) = P(A) P(B) ...`` for independent events.

    Fractions stay exact: ``joint_probability(Fraction(1, 2), Fraction(1, 13))``
    is ``Fraction(1, 26)``.
    """
    if not probabilities:
        raise ValueError("joint_probability: give at least one probability")
    out = 1
    for p in probabilities:
        if not 0 <= p <= 1:
            raise ValueError(f"joint_probability: {p} is not a probability in [0, 1]")
        out = out * p
    return out


def conditional_probability(p_a_and_b: _P, p_a: _P) -> _P:
    """``P(B | A) = P(A and B) / P(A)``."""
    if p_a == 0:
        raise ValueError("conditional_probability: P(A) is 0, so P(B | A) is undefined")
    return p_a_and_b / p_a


def union_probability(p_a: _P, p_b: _P, p_a_and_b: _P = 0.0) -> _P:
    """``P(A or B) = P(A) + P(B) - P(A and B)`` (the last term is 0 for disjoint events)."""
    return p_a + p_b - p_a_and_b


def bayes(p_b_given_a: _P, p_a: _P, p_b: _P) -> _P:
    """Bayes' rule ``P(A | B) = P(B | A) P(A) / P(B)``, evaluated in that order.

    The chapter's test example: ``bayes(0.98, 0.02, 0.039)`` is
    0.5025641025641026 -- a 98%-reliable positive test means only about a 50%
    chance of the disease when the disease is rare.
    """
    if p_b == 0:
        raise ValueError("bayes: P(B) is 0, so P(A | B) is undefined")
    return p_b_given_a * p_a / p_b


def _distribution(values, probs, func):
    x = np.asarray(values, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)
    if x.ndim != 1 or x.shape != p.shape:
        raise ValueError(f"{func}: values and probs must be vectors of one length, "
                         f"got shapes {x.shape} and {p.shape}")
    if np.any(p < 0) or not math.isclose(float(p.sum()), 1.0, rel_tol=0, abs_tol=1e-9):
        raise ValueError(f"{func}: probs must be non-negative and sum to 1, "
                         f"got sum {float(p.sum())!r}")
    return x, p


def discrete_mean(values: ArrayLike, probs: ArrayLike) -> float:
    """Expected value ``mu = sum_i x_i P(x_i)`` (summed left to right)."""
    x, p = _distribution(values, probs, "discrete_mean")
    total = 0.0
    for xi, pi in zip(x.tolist(), p.tolist()):
        total += xi * pi
    return total


def discrete_variance(values: ArrayLike, probs: ArrayLike) -> float:
    """Variance ``sum_i (x_i - mu)^2 P(x_i)``, the expected squared distance
    from the mean."""
    x, p = _distribution(values, probs, "discrete_variance")
    mu = discrete_mean(x, p)
    total = 0.0
    for xi, pi in zip(x.tolist(), p.tolist()):
        d = xi - mu
        total += d * d * pi
    return total


def discrete_std(values: ArrayLike, probs: ArrayLike) -> float:
    """Standard deviation, the square root of the variance (in the units of x)."""
    return math.sqrt(discrete_variance(values, probs))


def binomial_pmf(k: ArrayLike, n: int, p: float) -> Union[float, FloatArray]:
    """Probability of exactly ``k`` successes in ``n`` independent trials that
    each succeed with probability ``p``: ``C(n, k) p^k (1 - p)^(n - k)``.

    ``k`` may be an int or an array of ints (the whole distribution at once).
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"binomial_pmf: n must be >= 0, got {n}")
    p = _prob(p, "p", "binomial_pmf")
    ks = np.asarray(k)
    if not np.issubdtype(ks.dtype, np.integer):
        raise TypeError(f"binomial_pmf: k must be an integer or integer array, got {ks.dtype}")
    def one(kk):
        if kk < 0 or kk > n:
            return 0.0
        return math.comb(n, kk) * p ** kk * (1.0 - p) ** (n - kk)
    if ks.ndim == 0:
        return one(int(ks))
    return np.array([one(int(kk)) for kk in ks.ravel()]).reshape(ks.shape)


def normal_pdf(x: ArrayLike, mu: float = 0.0, sigma: float = 1.0) -> Union[float, FloatArray]:
    """Gaussian density ``exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi))``.

    ``x`` may be a scalar (returns a float) or an array.
    """
    try:  # real numbers only: a complex mu would silently lose its imaginary part
        sigma, mu = float(sigma), float(mu)
    except (TypeError, ValueError):
        raise TypeError(f"normal_pdf: mu and sigma must be real numbers, got mu={mu!r}, "
                        f"sigma={sigma!r}") from None
    if not sigma > 0:
        raise ValueError(f"normal_pdf: sigma must be > 0, got {sigma}")
    z = (np.asarray(x, dtype=np.float64) - mu) / sigma
    out = np.exp(-0.5 * z * z) / (sigma * math.sqrt(2.0 * math.pi))
    return float(out) if out.ndim == 0 else out


def cards_red_and_jack() -> Fraction:
    """P(red and jack) for one card from a 52-card deck, as an exact fraction.

    Colour and rank are independent: P(red) = 26/52 = 1/2, P(jack) = 4/52 =
    1/13, so the joint probability is 1/26.
    """
    return Fraction(joint_probability(Fraction(26, 52), Fraction(4, 52)))


def cards_second_heart() -> Fraction:
    """P(second card is a heart | first card was a heart), drawing without
    replacement: 12 hearts remain among 51 cards, so 12/51 (about 0.235)."""
    p_first = Fraction(13, 52)
    p_both = Fraction(13, 52) * Fraction(12, 51)
    return Fraction(conditional_probability(p_both, p_first))


# ---------------------------------------------------------------- information

_LOGS = {"nats": math.log, "bits": math.log2}


def _log(unit, func):
    try:
        return _LOGS[unit]
    except KeyError:
        raise ValueError(f'{func}: unit must be "nats" or "bits", got {unit!r}') from None


def _pmf(p, name, func):
    a = np.asarray(p, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{func}: {name} must be a non-empty vector of probabilities, "
                         f"got shape {a.shape}")
    if np.any(a < 0) or np.any(a > 1):
        raise ValueError(f"{func}: {name} has values outside [0, 1]")
    return a.tolist()


def self_information(p: float, unit: str = "nats") -> float:
    """``I(x) = -log P(x)``: rare events carry more information.

    In nats by default (``I(0.8) = 0.223``, ``I(0.2) = 1.609``); in bits with
    ``unit="bits"``.
    """
    log = _log(unit, "self_information")
    p = _prob(p, "p", "self_information")
    if p == 0.0:
        return math.inf
    return -log(p)


def entropy(p: ArrayLike, unit: str = "nats") -> float:
    """Shannon entropy ``H(P) = -sum_i P(x_i) log P(x_i)``, the expected
    information; terms with P(x_i) = 0 contribute 0.

    A fair coin has ``ln 2 = 0.693`` nats, which is 1 bit.
    """
    log = _log(unit, "entropy")
    total = 0.0
    for pi in _pmf(p, "p", "entropy"):
        if pi > 0.0:
            total += pi * log(pi)
    return -total


def _pmf_pair(p, q, unit, fname):
    """The log for `unit`, and p and q checked as distributions over the same
    events."""
    log = _log(unit, fname)
    p = _pmf(p, "p", fname)
    q = _pmf(q, "q", fname)
    if len(p) != len(q):
        raise ValueError(f"{fname}: p has {len(p)} entries but q has {len(q)}")
    return log, p, q


def _sum_where_p_allows(p, q, term):
    """The sum, in order, of term(p_i, q_i) over the events P allows (p_i > 0);
    infinite when Q gives one of them probability 0."""
    total = 0.0
    for pi, qi in zip(p, q):
        if pi > 0.0:
            if qi == 0.0:
                return math.inf
            total += term(pi, qi)
    return total


def cross_entropy(p: ArrayLike, q: ArrayLike, unit: str = "nats") -> float:
    """``H(P, Q) = -sum_i P(x_i) log Q(x_i)``: the cost of coding events drawn
    from P with a code built for Q.  Infinite when Q gives 0 to an event P
    allows."""
    log, p, q = _pmf_pair(p, q, unit, "cross_entropy")
    # (-pi) * log(qi) summed is bit for bit -(sum of pi * log(qi)): rounding
    # to nearest treats both signs alike.
    return _sum_where_p_allows(p, q, lambda pi, qi: -pi * log(qi))


def kl_divergence(p: ArrayLike, q: ArrayLike, unit: str = "nats") -> float:
    """Kullback-Leibler divergence ``KL(P || Q) = sum_i P(x_i) log(P(x_i) / Q(x_i))``.

    Equals ``H(P, Q) - H(P)``; zero exactly when P = Q; not symmetric.
    """
    log, p, q = _pmf_pair(p, q, unit, "kl_divergence")
    return _sum_where_p_allows(p, q, lambda pi, qi: pi * log(pi / qi))
