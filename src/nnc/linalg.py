"""Matrix and vector arithmetic on NumPy arrays, computed by nnc's C core.

Every function accepts array-likes of real numbers and computes in float32
when the floating inputs are float32, otherwise in float64.  Results are new
arrays unless ``out=`` is given; arrays written in place (``out``, axpy's
``y``) must be exactly the computed dtype, C-contiguous and writeable.

    matmul(a, b)       C = op(a) @ op(b)           (m, k) @ (k, n) -> (m, n)
    gemv(a, x)         y = op(a) @ x               (m, n) @ (n,)   -> (m,)
    dot(x, y)          sum_i x[i] * y[i]           (n,), (n,)      -> float
    axpy(alpha, x, y)  y += alpha * x              in place
    add(x, y)          z = x + y                   same shapes
    scale(x, alpha)    y = alpha * x
    transpose(a)       a.T as a new C-contiguous array

These are C functions (no Python wrapper), so calling them on tiny matrices
costs about as little as NumPy's own operators.
"""
from ._core import add, axpy, dot, gemv, matmul, scale, transpose

__all__ = ["matmul", "gemv", "dot", "axpy", "add", "scale", "transpose"]
