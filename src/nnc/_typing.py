"""Type aliases of nnc's public API (for annotations only)."""
from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np
import numpy.typing as npt

#: A float32 or float64 array, as nnc returns.
FloatArray = npt.NDArray[np.floating[Any]]
#: An array of int64 (integers, permutations).
IntArray = npt.NDArray[np.int64]
#: Anything NumPy turns into an array of real numbers.
ArrayLike = npt.ArrayLike
#: "float32", "float64", np.float32, np.float64 or a NumPy dtype.
DTypeLike = Union[str, type, "np.dtype[Any]"]
#: An int (1-d) or a sequence of ints.
ShapeLike = Union[int, Sequence[int]]
#: An initialiser: init.<name>(shape, gen, dtype) -> array.
Initializer = Callable[..., FloatArray]

__all__ = ["FloatArray", "IntArray", "ArrayLike", "DTypeLike", "ShapeLike", "Initializer"]
