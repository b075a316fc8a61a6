"""Seeded random numbers that are the same on every platform.

``nnc.Generator(seed)`` is xoshiro256** (Blackman & Vigna) whose 256-bit state
is filled from the 64-bit seed by splitmix64.  All arithmetic happens in nnc's
C core using integer operations and correctly rounded IEEE-754 operations only
(no libm ``log``/``cos``, whose last bit differs between systems), so a seed
gives the same numbers, bit for bit, on Linux, macOS and Windows, with any
compiler.  NumPy's generators are not used.

How each draw is made:

* raw 64-bit words: ``random_raw``;
* uniform floats: the top 53 (float64) or 24 (float32) bits of one word,
  times 2**-53 or 2**-24, give u in [0, 1); the value is ``low + (high-low)*u``;
* integers in [low, high): Lemire's multiply-shift with rejection (unbiased);
* permutations: Fisher-Yates, drawing from the top position down;
* normals: Marsaglia's polar method, computed in float64 (with nnc's own log)
  and rounded once to the requested dtype, so a float32 normal draw equals
  the float64 draw from the same state rounded to float32.
"""
from __future__ import annotations

import math
import operator
import threading
from typing import Any, MutableSequence, Optional, Union, overload

import numpy as np
import numpy.typing as npt

from . import _core
from ._typing import DTypeLike, FloatArray, IntArray, ShapeLike

__all__ = ["Generator", "as_generator"]

_U64 = 1 << 64


def _check_int(value, name, what):
    """``value`` as a Python int; bools, floats and other types refused."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what}: {name} must be an int, got a bool ({value!r})")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what}: {name} must be an int, got "
                        f"{type(value).__name__} ({value!r})") from None


def _check_seed(seed, what="Generator"):
    seed = _check_int(seed, "seed", what)
    if not 0 <= seed < _U64:
        raise ValueError(f"{what}: seed must be in [0, 2**64), got {seed}")
    return seed


def _check_dtype(dtype, what):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in (np.float32, np.float64):
        raise TypeError(f"{what}: dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def _check_shape(shape, what):
    """An int or a sequence of ints -> a tuple of non-negative ints."""
    if isinstance(shape, (bool, np.bool_)):
        raise TypeError(f"{what}: shape must be an int or a tuple of ints, got {shape!r}")
    try:
        dims = (operator.index(shape),)
    except TypeError:
        try:
            dims = tuple(shape)
        except TypeError:
            raise TypeError(f"{what}: shape must be an int or a tuple of ints, got "
                            f"{type(shape).__name__} ({shape!r})") from None
        for d in dims:
            if isinstance(d, (bool, np.bool_)):
                raise TypeError(f"{what}: shape must hold ints, got {shape!r}")
            try:
                operator.index(d)
            except TypeError:
                raise TypeError(f"{what}: shape must hold ints, got {shape!r}") from None
        dims = tuple(operator.index(d) for d in dims)
    if any(d < 0 for d in dims):
        raise ValueError(f"{what}: shape {dims} has a negative dimension")
    return dims


def _empty(dims, dtype, what, asked=None):
    """``np.empty(dims, dtype)``, with the size errors NumPy would raise
    rewritten to name the calling function and what was asked for (``asked``,
    by default "shape <dims>")."""
    dt = np.dtype(dtype)
    asked = f"shape {dims}" if asked is None else asked
    count = math.prod(dims)  # Python ints: no overflow
    if count * dt.itemsize > np.iinfo(np.intp).max:
        raise ValueError(f"{what}: {asked} asks for {count} values, more than an array can "
                         f"hold")
    try:
        return np.empty(dims, dtype=dt)
    except MemoryError:
        raise MemoryError(f"{what}: {asked} needs {count * dt.itemsize} bytes of {dt.name}, "
                          f"more than the free memory holds") from None
    except ValueError as exc:  # e.g. more dimensions than NumPy allows
        raise ValueError(f"{what}: {asked}: {exc}") from None


def _check_real(value, name, what):
    """A finite real number as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                     np.floating)):
        raise TypeError(f"{what}: {name} must be a real number, got "
                        f"{type(value).__name__} ({value!r})")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{what}: {name} must be finite, got {value!r}")
    return v


def _check_fits(values, dt, what):
    """Every float in ``values`` (name -> value) is finite once cast to dt."""
    limit = float(np.finfo(dt).max)
    for name, v in values.items():
        if not abs(v) <= limit:
            raise ValueError(f"{what}: {name} = {v!r} does not fit in {dt.name}")


def _refuse_positional(what, shape, extra, names, numpy_size):
    """TypeError for ``gen.normal(0, 1, 5)``: NumPy's (loc, scale, size) order
    would silently mean shape 0, mean 1, std 5 here."""
    if not extra:
        return
    args = (shape,) + tuple(extra)
    given = ", ".join(repr(a) for a in args)
    if len(args) == 3:  # NumPy's order: the two parameters, then the size
        example = f"gen.{what}({args[2]!r}, {names[0]}={args[0]!r}, {names[1]}={args[1]!r})"
    else:
        example = f"gen.{what}(shape, {names[0]}=..., {names[1]}=...)"
    numpy_names = ("loc", "scale") if what == "normal" else names
    raise TypeError(f"{what}: takes only the shape positionally, got {what}({given}); pass "
                    f"{names[0]} and {names[1]} by keyword: {example} (NumPy's "
                    f"{what}({', '.join(numpy_names)}, {numpy_size}) order is not accepted)")


class Generator:
    """A seeded random number generator with its own state (xoshiro256**).

    ``Generator(seed=0)``: ``seed`` is an int in [0, 2**64).  The same seed
    gives the same numbers on every platform; generators never share state,
    and nothing in nnc uses a hidden global generator.

    Thread safety: one Generator may be shared by several threads.  A lock
    serialises its draws, so concurrent calls see the stream in *some* order,
    each value exactly once -- never a repeated or lost value.  Which thread
    gets which values then depends on scheduling; for reproducible parallel
    work give each thread its own Generator (``spawn``).  Separate Generators
    run in parallel: large fills release the GIL.

    Internal hand-off to C (for nnc's engine, not for users): ``_state_array``
    is the uint64 array of shape (4,) holding the words s[0..3]; the C
    functions in ``nnc._core`` read it and write the advanced state back in
    place.  Hold ``_lock`` (a ``threading.Lock``) for the whole call that
    uses it.  The array object never changes during the Generator's life
    (setting ``state`` writes into it).
    """

    def __init__(self, seed: int = 0) -> None:
        seed = _check_seed(seed)
        self._state_array = np.zeros(4, dtype=np.uint64)
        self._lock = threading.Lock()
        self._seed = seed
        _core.rng_seed(self._state_array, seed)

    @classmethod
    def _from_state(cls, state, seed=None):
        gen = cls.__new__(cls)
        gen._state_array = np.zeros(4, dtype=np.uint64)
        gen._lock = threading.Lock()
        gen.state = state
        gen._seed = seed
        return gen

    # ---- state ----

    @property
    def seed(self) -> Optional[int]:
        """The seed this Generator was created from (None when it was made
        by ``spawn`` or its ``state`` was set)."""
        return self._seed

    @property
    def state(self) -> tuple[int, ...]:
        """The four 64-bit state words as a tuple of ints (a copy).

        Save it to checkpoint a stream and assign it back (or to another
        Generator) to resume exactly where it was::

            saved = gen.state
            a = gen.uniform(3)
            gen.state = saved
            assert (gen.uniform(3) == a).all()
        """
        with self._lock:
            return tuple(int(w) for w in self._state_array)

    @state.setter
    def state(self, value: tuple[int, ...]) -> None:
        try:
            words = list(value)
        except TypeError:
            raise TypeError("Generator.state: expected a sequence of 4 ints, got "
                            f"{type(value).__name__}") from None
        if len(words) != 4:
            raise ValueError(f"Generator.state: expected 4 words, got {len(words)}")
        words = [_check_int(w, "each state word", "Generator.state") for w in words]
        if any(not 0 <= w < _U64 for w in words):
            raise ValueError(f"Generator.state: words must be in [0, 2**64), got {words}")
        if not any(words):
            raise ValueError("Generator.state: all four words are zero, a state "
                             "xoshiro256** never leaves")
        with self._lock:
            self._state_array[:] = np.array(words, dtype=np.uint64)
            self._seed = None

    def __repr__(self) -> str:
        words = ", ".join(f"0x{w:016x}" for w in self.state)
        return f"nnc.Generator(seed={self._seed!r}) <xoshiro256** state ({words})>"

    def __reduce__(self):
        # Pickling and copy.copy: a Lock cannot be pickled, so rebuild from
        # the state (the copy then continues the same stream independently).
        return (_restore, (self.state, self._seed))

    # ---- internal ----

    def _fill(self, fn, out, *args):
        with self._lock:
            fn(self._state_array, out, *args)
        return out

    # ---- draws ----

    @overload
    def random_raw(self, size: None = None) -> int: ...
    @overload
    def random_raw(self, size: ShapeLike) -> npt.NDArray[np.uint64]: ...

    def random_raw(self, size: Optional[ShapeLike] = None) -> Any:
        """Raw 64-bit outputs of xoshiro256**: an int (size None) or a uint64
        array of shape ``size``."""
        shape = (1,) if size is None else _check_shape(size, "random_raw")
        out = self._fill(_core.rng_next_u64, _empty(shape, np.uint64, "random_raw"))
        return int(out[0]) if size is None else out

    @overload
    def uniform(self, shape: None = None, *, low: float = 0.0, high: float = 1.0,
                dtype: DTypeLike = "float64") -> float: ...
    @overload
    def uniform(self, shape: ShapeLike, *, low: float = 0.0, high: float = 1.0,
                dtype: DTypeLike = "float64") -> FloatArray: ...

    def uniform(self, shape: Optional[ShapeLike] = None, *numpy_style: Any, low: float = 0.0,
                high: float = 1.0, dtype: DTypeLike = "float64") -> Any:
        """Uniform values on [low, high).

        Each value is ``low + (high - low) * u`` with u = (top 53 bits of a
        64-bit draw) * 2**-53 for float64, (top 24 bits) * 2**-24 for float32.
        (When high - low is tiny next to |low| the rounding of that sum can
        give ``high`` itself.)  ``shape`` None returns a Python float; an int
        or tuple returns an array of that shape.  low <= high, both finite,
        given by keyword: ``gen.uniform(5, low=-1.0, high=1.0)`` (NumPy's
        positional ``uniform(low, high, size)`` order raises TypeError).
        """
        what = "uniform"
        _refuse_positional(what, shape, numpy_style, ("low", "high"), "size")
        dt = _check_dtype(dtype, what)
        lo = _check_real(low, "low", what)
        hi = _check_real(high, "high", what)
        if not lo <= hi:
            raise ValueError(f"{what}: low ({low!r}) must be <= high ({high!r})")
        _check_fits({"low": lo, "high": hi, "high - low": hi - lo}, dt, what)
        shp = (1,) if shape is None else _check_shape(shape, what)
        out = self._fill(_core.rng_uniform_fill, _empty(shp, dt, what), lo, hi)
        return float(out[0]) if shape is None else out

    @overload
    def normal(self, shape: None = None, *, mean: float = 0.0, std: float = 1.0,
               dtype: DTypeLike = "float64") -> float: ...
    @overload
    def normal(self, shape: ShapeLike, *, mean: float = 0.0, std: float = 1.0,
               dtype: DTypeLike = "float64") -> FloatArray: ...

    def normal(self, shape: Optional[ShapeLike] = None, *numpy_style: Any,
               mean: float = 0.0, std: float = 1.0,
               dtype: DTypeLike = "float64") -> Any:
        """Normal values N(mean, std**2).

        Marsaglia's polar method: draw (u, v) uniform in [-1, 1)^2 until
        0 < s = u^2 + v^2 < 1; then u*sqrt(-2 ln s / s) and v*sqrt(-2 ln s / s)
        are two independent standard normals z; each value is mean + std * z,
        computed in float64 and rounded once to ``dtype``.  Values come in
        pairs and an odd count discards the last spare, so a call's values
        depend only on the state before it and the number of values.
        ``shape`` None returns a Python float.  std >= 0, both finite, given
        by keyword: ``gen.normal(5, mean=0.0, std=1.0)`` (NumPy's positional
        ``normal(loc, scale, size)`` order raises TypeError).
        """
        what = "normal"
        _refuse_positional(what, shape, numpy_style, ("mean", "std"), "size")
        dt = _check_dtype(dtype, what)
        m = _check_real(mean, "mean", what)
        s = _check_real(std, "std", what)
        if s < 0:
            raise ValueError(f"{what}: std must be >= 0, got {std!r}")
        # |z| < 12.1 for every value the polar method can produce.
        _check_fits({"mean + 16 * std": abs(m) + 16.0 * s}, dt, what)
        shp = (1,) if shape is None else _check_shape(shape, what)
        out = self._fill(_core.rng_normal_fill, _empty(shp, dt, what), m, s)
        return float(out[0]) if shape is None else out

    @overload
    def integers(self, low: int, high: Optional[int] = None, size: None = None) -> int: ...
    @overload
    def integers(self, low: int, high: Optional[int], size: ShapeLike) -> IntArray: ...
    @overload
    def integers(self, low: int, *, size: ShapeLike) -> IntArray: ...

    def integers(self, low: int, high: Optional[int] = None,
                 size: Optional[ShapeLike] = None) -> Any:
        """Uniform integers in [low, high) (or [0, low) when high is None).

        Unbiased: Lemire's multiply-shift, rejecting the few 64-bit draws that
        would favour some values.  Returns an int (size None) or an int64
        array; low and high must lie in [-2**63, 2**63].
        """
        what = "integers"
        lo = _check_int(low, "low", what)
        if high is None:
            lo, hi = 0, lo
        else:
            hi = _check_int(high, "high", what)
        if not lo < hi:
            raise ValueError(f"{what}: need low < high, got low={lo}, high={hi}")
        if lo < -(1 << 63) or hi > (1 << 63):
            raise ValueError(f"{what}: [low, high) = [{lo}, {hi}) does not fit in int64")
        bound = (hi - lo) % _U64  # 2**64 is passed as 0
        shp = (1,) if size is None else _check_shape(size, what)
        out = self._fill(_core.rng_integers, _empty(shp, np.int64, what), lo, bound)
        return int(out[0]) if size is None else out

    def permutation(self, n: Union[int, "npt.ArrayLike"]) -> npt.NDArray[Any]:
        """A uniformly random permutation.

        ``n`` an int: an int64 array holding 0..n-1 in random order
        (Fisher-Yates).  ``n`` an array: a shuffled copy along its first axis.
        """
        what = "permutation"
        if isinstance(n, (np.ndarray, list, tuple)):
            x = np.asarray(n)
            if x.ndim == 0:
                raise TypeError(f"{what}: expected an int or an array with >= 1 dimension, "
                                "got a 0-d array")
            return x[self.permutation(len(x))]
        count = _check_int(n, "n", what)
        if count < 0:
            raise ValueError(f"{what}: n must be >= 0, got {count}")
        out = _empty((count,), np.int64, what, f"n = {count}")
        return self._fill(_core.rng_permutation, out)

    def shuffle(self, x: Union[np.ndarray[Any, Any], MutableSequence[Any]]) -> None:
        """Shuffles a NumPy array along its first axis, or a list, in place
        (the order is ``x[permutation(len(x))]``)."""
        if isinstance(x, np.ndarray):
            if x.ndim == 0:
                raise TypeError("shuffle: cannot shuffle a 0-d array")
            if not x.flags.writeable:
                raise ValueError("shuffle: the array is read-only")
            x[...] = x[self.permutation(len(x))]
        elif isinstance(x, list):
            order = self.permutation(len(x))
            x[:] = [x[i] for i in order]
        else:
            raise TypeError(f"shuffle: expected a numpy.ndarray or a list, got "
                            f"{type(x).__name__}")

    def spawn(self, n: int) -> list[Generator]:
        """``n`` new Generators with streams that cannot overlap.

        Child k starts from this Generator's state after k jumps of 2**128
        draws (xoshiro's jump polynomial), and this Generator then continues
        from n jumps ahead, so no two of the n + 1 streams meet within 2**128
        draws.  Deterministic: the same parent state gives the same children.
        """
        count = _check_int(n, "n", "spawn")
        if count < 0:
            raise ValueError(f"spawn: n must be >= 0, got {count}")
        # Reserve the list first: a count no list can hold fails here, at once,
        # instead of after jumping (and allocating) until memory runs out.
        try:
            states: list[Any] = [None] * count
        except (MemoryError, OverflowError):
            raise MemoryError(f"spawn: n = {count} Generators do not fit in memory") from None
        with self._lock:
            for k in range(count):
                states[k] = tuple(int(w) for w in self._state_array)
                _core.rng_jump(self._state_array)
        return [Generator._from_state(s) for s in states]


def _restore(state, seed):
    return Generator._from_state(state, seed)


def as_generator(gen: Union[Generator, int, None], what: str = "gen") -> Generator:
    """A Generator from ``gen``: a Generator is returned as is, an int seeds a
    new one, None means ``Generator(0)`` (so results are reproducible even
    when no generator is given)."""
    if isinstance(gen, Generator):
        return gen
    if gen is None:
        return Generator(0)
    if isinstance(gen, (bool, np.bool_)) or not isinstance(gen, (int, np.integer)):
        raise TypeError(f"{what}: expected an nnc.Generator, an int seed or None, got "
                        f"{type(gen).__name__}")
    return Generator(_check_seed(gen, what))
