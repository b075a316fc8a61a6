"""Weight initialisers: seeded, deterministic, the same numbers everywhere.

A Dense weight has shape ``(fan_in, fan_out)`` -- a layer computes
``X @ W + b`` -- so ``fan_in`` is the number of inputs feeding each unit and
``fan_out`` the number of units each input feeds.

Why the scale depends on the fans.  A unit computes ``a = sum_i x_i w_i``
over fan_in inputs.  With independent zero-mean weights and inputs,
``Var(a) = fan_in * Var(w) * Var(x)``: unless ``Var(w)`` is about
``1 / fan_in``, the activations grow or shrink by a constant factor per layer,
exponentially with depth, and so do the gradients on the way back (where the
sum runs over fan_out).  Glorot & Bengio (2010) compromise between the two
directions with ``Var(w) = 2 / (fan_in + fan_out)`` (Xavier/Glorot, suited to
tanh and sigmoid); He et al. (2015) use ``Var(w) = 2 / fan_in`` because ReLU
zeroes half of its inputs and so halves the variance (He/Kaiming).  A uniform
U(-l, l) has variance l**2 / 3, hence the uniform limits below.

======================  ==========================================
``zeros``, ``ones``     0, 1
``constant``            ``value``
``uniform``             U(low, high)
``normal``              N(mean, std**2)
``xavier_uniform``      U(-l, l), l = sqrt(6 / (fan_in + fan_out))
``xavier_normal``       N(0, std**2), std = sqrt(2 / (fan_in + fan_out))
``he_uniform``          U(-l, l), l = sqrt(6 / fan_in)
``he_normal``           N(0, std**2), std = sqrt(2 / fan_in)
======================  ==========================================

Fans of other shapes (see ``fans``): a 1-d shape ``(n,)`` counts as
fan_in = fan_out = n; a 0-d shape as 1 and 1; for more than two dimensions
(convolution kernels, ``(..., in, out)``) the leading dimensions form the
receptive field, which multiplies both fans.

``gen`` is an ``nnc.Generator`` (its stream advances), an int seed (a fresh
``Generator(seed)``) or None, which means ``Generator(0)``: reproducible,
but two calls with ``gen=None`` return the *same* numbers -- pass one
Generator to initialise several layers differently.

Every initialiser can be called as ``f(shape, gen=gen, dtype=dtype)`` (zeros,
ones and constant accept and ignore ``gen``); ``get(name)`` looks one up by
name.
"""
from __future__ import annotations

from typing import Any, Union

from . import _core
from ._typing import DTypeLike, FloatArray, Initializer, ShapeLike
from .random import (Generator, _check_dtype, _check_fits, _check_real, _check_shape,
                     _empty, as_generator)

__all__ = ["zeros", "ones", "constant", "uniform", "normal", "xavier_uniform",
           "xavier_normal", "he_uniform", "he_normal", "fans", "get", "names"]


def fans(shape: ShapeLike) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of this shape.

    ``(fan_in, fan_out)`` for 2-d; ``(n, n)`` for ``(n,)``; ``(1, 1)`` for
    ``()``; for ``(k1, ..., in, out)`` both are multiplied by k1 * ... .
    """
    shp = _check_shape(shape, "fans")
    if len(shp) == 0:
        return 1, 1
    if len(shp) == 1:
        return shp[0], shp[0]
    field = 1
    for d in shp[:-2]:
        field *= d
    return shp[-2] * field, shp[-1] * field


def _fill(what, kind, shape, gen, dtype, a=0.0, b=0.0):
    shp = _check_shape(shape, what)
    dt = _check_dtype(dtype, what)
    out = _empty(shp, dt, what)
    fan_in, fan_out = fans(shp)
    if kind in ("zeros", "constant"):
        _core.init_fill(None, out, kind, fan_in, fan_out, a, b)
        return out
    if kind.startswith(("xavier", "he")):
        if fan_in < 1 or (kind.startswith("xavier") and fan_out < 1):
            need = "fan_in and fan_out" if kind.startswith("xavier") else "fan_in"
            raise ValueError(f"{what}: shape {shp} has fan_in {fan_in} and fan_out {fan_out}; "
                             f"the formula divides by {need}, which must be >= 1")
    g = as_generator(gen, f"{what}: gen")
    with g._lock:
        _core.init_fill(g._state_array, out, kind, fan_in, fan_out, a, b)
    return out


def zeros(shape: ShapeLike, dtype: DTypeLike = "float64", gen: Any = None) -> FloatArray:
    """An array of zeros.  ``gen`` is ignored (accepted so every initialiser
    can be called the same way)."""
    return _fill("zeros", "zeros", shape, None, dtype)


def ones(shape: ShapeLike, dtype: DTypeLike = "float64", gen: Any = None) -> FloatArray:
    """An array of ones.  ``gen`` is ignored."""
    return _fill("ones", "constant", shape, None, dtype, 1.0)


def constant(shape: ShapeLike, value: float, dtype: DTypeLike = "float64",
             gen: Any = None) -> FloatArray:
    """An array filled with ``value`` (finite).  ``gen`` is ignored."""
    v = _check_real(value, "value", "constant")
    dt = _check_dtype(dtype, "constant")
    _check_fits({"value": v}, dt, "constant")
    return _fill("constant", "constant", shape, None, dt, v)


def uniform(shape: ShapeLike, gen: Union[Generator, int, None] = None, low: float = -0.05, high: float = 0.05,
            dtype: DTypeLike = "float64") -> FloatArray:
    """U(low, high): ``low + (high - low) * u``, u uniform on [0, 1)."""
    what = "uniform"
    lo = _check_real(low, "low", what)
    hi = _check_real(high, "high", what)
    dt = _check_dtype(dtype, what)
    if not lo <= hi:
        raise ValueError(f"{what}: low ({low!r}) must be <= high ({high!r})")
    _check_fits({"low": lo, "high": hi, "high - low": hi - lo}, dt, what)
    return _fill(what, "uniform", shape, gen, dt, lo, hi)


def normal(shape: ShapeLike, gen: Union[Generator, int, None] = None, mean: float = 0.0, std: float = 0.05,
           dtype: DTypeLike = "float64") -> FloatArray:
    """N(mean, std**2): ``mean + std * z``, z standard normal (polar method)."""
    what = "normal"
    m = _check_real(mean, "mean", what)
    s = _check_real(std, "std", what)
    dt = _check_dtype(dtype, what)
    if s < 0:
        raise ValueError(f"{what}: std must be >= 0, got {std!r}")
    _check_fits({"mean + 16 * std": abs(m) + 16.0 * s}, dt, what)
    return _fill(what, "normal", shape, gen, dt, m, s)


def xavier_uniform(shape: ShapeLike, gen: Union[Generator, int, None] = None, dtype: DTypeLike = "float64") -> FloatArray:
    """Xavier/Glorot uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)),
    so Var(w) = 2 / (fan_in + fan_out)."""
    return _fill("xavier_uniform", "xavier_uniform", shape, gen, dtype)


def xavier_normal(shape: ShapeLike, gen: Union[Generator, int, None] = None, dtype: DTypeLike = "float64") -> FloatArray:
    """Xavier/Glorot normal: N(0, std**2), std = sqrt(2 / (fan_in + fan_out))."""
    return _fill("xavier_normal", "xavier_normal", shape, gen, dtype)


def he_uniform(shape: ShapeLike, gen: Union[Generator, int, None] = None, dtype: DTypeLike = "float64") -> FloatArray:
    """He/Kaiming uniform: U(-l, l), l = sqrt(6 / fan_in), so Var(w) = 2 / fan_in."""
    return _fill("he_uniform", "he_uniform", shape, gen, dtype)


def he_normal(shape: ShapeLike, gen: Union[Generator, int, None] = None, dtype: DTypeLike = "float64") -> FloatArray:
    """He/Kaiming normal: N(0, std**2), std = sqrt(2 / fan_in)."""
    return _fill("he_normal", "he_normal", shape, gen, dtype)


_BY_NAME = {
    "zeros": zeros,
    "ones": ones,
    "uniform": uniform,
    "normal": normal,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "glorot_uniform": xavier_uniform,
    "glorot_normal": xavier_normal,
    "kaiming_uniform": he_uniform,
    "kaiming_normal": he_normal,
}


def names() -> list[str]:
    """The names ``get`` accepts, sorted."""
    return sorted(_BY_NAME)


def get(name: Union[str, Initializer]) -> Initializer:
    """The initialiser called ``name`` ("xavier_uniform", "he_normal",
    "zeros", ...; "glorot_*" and "kaiming_*" are aliases of "xavier_*" and
    "he_*").  A callable is returned unchanged, so a layer can take either.
    Call the result as ``f(shape, gen=gen, dtype=dtype)``.

    "constant" needs a value, so it has no name here: pass
    ``functools.partial(nnc.init.constant, value=0.1)`` instead.
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(f"init.get: expected a name or a callable, got {type(name).__name__}")
    try:
        return _BY_NAME[name]
    except KeyError:
        hint = (" (it needs a value: use functools.partial(nnc.init.constant, value=...))"
                if name == "constant" else "")
        raise ValueError(f"init.get: unknown initialiser {name!r}{hint}; valid names: "
                         f"{', '.join(names())}") from None
