"""Numba peer: plain loops under ``@numba.njit`` (IEEE arithmetic, no fastmath).
Importing raises ImportError without numba; the harness then skips the peer."""
from ._numba_impl import make

NAME = "Numba @njit"
version, prepare_line, line_fit, prepare_mlp, mlp_fit = make(fastmath=False)
