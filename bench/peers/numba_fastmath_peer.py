"""Numba peer with ``fastmath=True`` (reassociation and fused multiply-adds
allowed: the loop sums vectorise), shown separately from the IEEE loop."""
from ._numba_impl import make

NAME = "Numba @njit(fastmath)"
version, prepare_line, line_fit, prepare_mlp, mlp_fit = make(fastmath=True)
