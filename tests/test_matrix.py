"""Matrix kernels (nnc.matmul, gemv, dot, axpy, add, scale, transpose) against
NumPy references, in float32 and float64, over layouts, edge shapes, special
values, threads and bad input."""
import ctypes
import glob
import itertools
import os
import sys
import threading

import numpy as np
import pytest

import nnc
from nnc import _core

EPS = {np.float32: np.finfo(np.float32).eps, np.float64: np.finfo(np.float64).eps}
KERNELS = _core._gemm_kernels()
PRIMES = [1, 7, 17, 65, 129, 257]


def rng(seed=0):
    return np.random.default_rng(seed)


def rand(shape, dtype, seed=0):
    return rng(seed).standard_normal(shape).astype(dtype)


def op(x, t):
    return x.T if t else x


def assert_product(c, a, b, dtype, ta=False, tb=False, alpha=1.0, beta=0.0, c0=None):
    """c == alpha op(a) op(b) + beta c0 within the rounding bound of a length-k sum."""
    A = op(np.asarray(a, np.float64), ta)
    B = op(np.asarray(b, np.float64), tb)
    ref = alpha * (A @ B)
    mag = abs(alpha) * (np.abs(A) @ np.abs(B))
    if beta != 0.0:
        ref = ref + beta * np.asarray(c0, np.float64)
        mag = mag + abs(beta) * np.abs(np.asarray(c0, np.float64))
    k = A.shape[-1] if A.ndim else 1
    tol = (2 * k + 4) * EPS[dtype] * mag + np.finfo(dtype).tiny
    assert c.dtype == dtype
    assert c.shape == ref.shape
    assert np.all(np.abs(c - ref) <= tol), np.max(np.abs(c - ref) - tol)


# --------------------------------------------------------------------------
# the C symbol itself (what the training engine links against)

def test_c_gemm_symbol_via_ctypes():
    so = glob.glob(os.path.join(os.path.dirname(_core.__file__), "_core*.so"))
    if not so:
        pytest.skip("extension is not a shared object here")
    fn = ctypes.CDLL(so[0]).nnc_gemm_f64
    fn.restype = ctypes.c_int
    P, i64 = ctypes.POINTER(ctypes.c_double), ctypes.c_int64
    fn.argtypes = [ctypes.c_int, ctypes.c_int, i64, i64, i64, ctypes.c_double, P, i64, P, i64,
                   ctypes.c_double, P, i64, ctypes.c_int]
    for ta, tb in itertools.product([0, 1], [0, 1]):
        m, n, k = 5, 7, 3
        a = rand((k, m) if ta else (m, k), np.float64, 1)
        b = rand((n, k) if tb else (k, n), np.float64, 2)
        c = np.full((m, n), np.nan)
        st = fn(ta, tb, m, n, k, 1.0, a.ctypes.data_as(P), a.shape[1], b.ctypes.data_as(P),
                b.shape[1], 0.0, c.ctypes.data_as(P), n, 1)
        assert st == 0
        assert_product(c, a, b, np.float64, ta, tb)
    # a bad leading dimension is a status, not a crash
    a = np.zeros((2, 2))
    assert fn(0, 0, 2, 2, 2, 1.0, a.ctypes.data_as(P), 1, a.ctypes.data_as(P), 2, 0.0,
              a.ctypes.data_as(P), 2, 1) != 0


# --------------------------------------------------------------------------
# matmul: values

@pytest.mark.parametrize("ta,tb", list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (1, 7, 17), (7, 17, 1), (17, 65, 7),
                                   (65, 129, 17), (129, 17, 257), (257, 65, 129),
                                   (33, 300, 70), (300, 257, 129)])
def test_matmul_shapes_and_transposes(dtype, m, n, k, ta, tb):
    a = rand((k, m) if ta else (m, k), dtype, m + k)
    b = rand((n, k) if tb else (k, n), dtype, n + k)
    c = nnc.matmul(a, b, trans_a=ta, trans_b=tb)
    assert_product(c, a, b, dtype, ta, tb)
    assert c.flags.c_contiguous


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
def test_every_kernel_every_edge(kernel, dt):
    """Each compiled micro-kernel over prime sizes: every tile edge, both paths."""
    for m, n, k in [(p, q, r) for p in PRIMES for q in (1, 17, 65, 257) for r in (1, 17, 257)
                    if p * q * r <= 2_000_000]:
        for ta, tb in ((0, 0), (1, 1)) if m * n * k > 20000 else itertools.product([0, 1], [0, 1]):
            a = rand((k, m) if ta else (m, k), dt, m)
            b = rand((n, k) if tb else (k, n), dt, n)
            c = np.full((m, n), np.nan, dt)
            _core._gemm(a, b, c, trans_a=ta, trans_b=tb, kernel=kernel)
            assert_product(c, a, b, dt, ta, tb)
    # and every kernel's results are independent of the thread count
    a, b = rand((300, 257), dt, 1), rand((257, 400), dt, 2)
    ref = np.empty((300, 400), dt)
    _core._gemm(a, b, ref, kernel=kernel, threads=1)
    for ta, threads in ((0, 2), (0, 3), (1, 2)):
        c = np.empty((300, 400), dt)
        _core._gemm(a.T.copy() if ta else a, b, c, trans_a=ta, kernel=kernel, threads=threads)
        assert np.array_equal(c, ref)


@pytest.mark.parametrize("kernel", KERNELS)
def test_kernel_alpha_beta_and_leading_dimensions(dtype, kernel):
    m, n, k = 37, 70, 45
    big_a, big_b, big_c = rand((m, k + 5), dtype, 1), rand((k, n + 3), dtype, 2), rand((m, n + 9), dtype, 3)
    a, b = big_a[:, :k], big_b[:, :n]          # row stride > width
    for alpha, beta in [(1.0, 0.0), (2.5, 0.0), (1.0, 1.0), (-0.5, 1.5), (1.0, -2.0)]:
        c = big_c.copy()[:, :n]
        c0 = c.copy()
        if beta == 0.0:
            c[...] = np.nan                     # beta == 0 must not read C
        _core._gemm(a, b, c, alpha=alpha, beta=beta, kernel=kernel)
        assert_product(c, a, b, dtype, alpha=alpha, beta=beta, c0=c0)


@pytest.mark.parametrize("kernel", KERNELS)
def test_kernel_k_zero_is_beta_c(dtype, kernel):
    a, b = np.zeros((4, 0), dtype), np.zeros((0, 5), dtype)
    c = np.full((4, 5), np.nan, dtype)
    _core._gemm(a, b, c, kernel=kernel)
    assert np.array_equal(c, np.zeros((4, 5))) and not np.signbit(c).any()
    c = np.full((4, 5), 3.0, dtype)
    _core._gemm(a, b, c, beta=0.5, kernel=kernel)
    assert np.array_equal(c, np.full((4, 5), 1.5))


def test_layouts_c_fortran_strided_negative(dtype):
    a = rand((40, 60), dtype, 1)
    b = rand((90, 50), dtype, 2)
    variants_a = [a[:, :30], np.asfortranarray(a[:, :30]), a[::2, ::2][:, :30], a[::-1, :30],
                  a[:, 29::-1]]
    variants_b = [b[:30, :50], np.asfortranarray(b[:30]), b[::3, :50], b[29::-1, ::-1]]
    for x in variants_a:
        for y in variants_b:
            assert_product(nnc.matmul(x, y), x, y, dtype)


def test_layout_and_threads_never_change_the_bits(dtype):
    """The sum for each entry runs in one fixed order: C- or Fortran-order
    operands, transposed storage and any thread count give identical bits."""
    m, n, k = 300, 520, 600
    a, b = rand((m, k), dtype, 5), rand((k, n), dtype, 6)
    ref = nnc.matmul(a, b, threads=1)
    assert_product(ref, a, b, dtype)
    for threads in (2, 3, 4, None):
        assert np.array_equal(nnc.matmul(a, b, threads=threads), ref)
    assert np.array_equal(nnc.matmul(np.asfortranarray(a), np.asfortranarray(b)), ref)
    assert np.array_equal(nnc.matmul(a.T.copy(), b.T.copy(), trans_a=True, trans_b=True,
                                     threads=2), ref)
    assert np.array_equal(nnc.matmul(a.T.copy(), b, trans_a=True, threads=3), ref)


def test_threads_bitwise_with_transposes_and_narrow_shapes(dtype):
    for (m, n, k, ta, tb) in [(700, 24, 900, 1, 0), (20, 900, 700, 0, 1), (513, 300, 257, 1, 1)]:
        a = rand((k, m) if ta else (m, k), dtype, m)
        b = rand((n, k) if tb else (k, n), dtype, n)
        ref = nnc.matmul(a, b, trans_a=ta, trans_b=tb, threads=1)
        assert_product(ref, a, b, dtype, ta, tb)
        for threads in (2, 4):
            assert np.array_equal(nnc.matmul(a, b, trans_a=ta, trans_b=tb, threads=threads), ref)


def test_one_dimensional_operands_follow_numpy(dtype):
    a, b = rand((5, 7), dtype, 1), rand((7, 3), dtype, 2)
    x, y = rand(7, dtype, 3), rand(5, dtype, 4)
    for got, want in [(nnc.matmul(x, b), x @ b), (nnc.matmul(a, x), a @ x),
                      (nnc.matmul(y, a), y @ a), (nnc.matmul(a, y, trans_a=True), a.T @ y)]:
        assert got.shape == want.shape and got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=10 * EPS[dtype] * 7, atol=1e-6)
    s = nnc.matmul(x, x)
    assert np.ndim(s) == 0 and isinstance(s, np.generic)
    np.testing.assert_allclose(s, x @ x, rtol=1e-5)
    # trans of a 1-d operand is itself, as x.T is
    assert np.array_equal(nnc.matmul(x, b, trans_a=True), nnc.matmul(x, b))


def test_empty_products(dtype):
    for sa, sb in [((0, 4), (4, 3)), ((3, 4), (4, 0)), ((3, 0), (0, 5)), ((0, 0), (0, 0))]:
        a, b = np.ones(sa, dtype), np.ones(sb, dtype)
        c = nnc.matmul(a, b)
        want = a @ b
        assert c.shape == want.shape and c.dtype == dtype
        assert np.array_equal(c, want) and not np.signbit(c).any()
    assert nnc.matmul(np.ones(0, dtype), np.ones(0, dtype)) == 0.0


def test_one_term_products_are_exact(dtype):
    """k == 1: each entry is exactly the rounded product, sign of zero included
    (the engine relies on matching Python's input * weight)."""
    r = rng(7)
    x = r.standard_normal(50).astype(dtype)
    w = r.standard_normal(50).astype(dtype)
    for i in range(50):
        got = nnc.matmul(x[i:i + 1, None], w[None, i:i + 1])
        assert got.tobytes() == (x[i] * w[i]).tobytes()
    neg_zero = nnc.matmul(np.array([[-1.0]], dtype), np.array([[0.0]], dtype))
    assert neg_zero[0, 0] == 0 and np.signbit(neg_zero[0, 0])
    a, b = x[:, None], w[None, :]
    assert np.array_equal(nnc.matmul(a, b), np.multiply.outer(x, w))
    # Python floats in float64: bit for bit
    assert nnc.matmul([[0.5]], [[0.5]])[0, 0] == 0.5 * 0.5
    assert nnc.matmul([[8.5]], [[0.1]])[0, 0] == 8.5 * 0.1


def test_nan_and_inf_propagate_like_numpy(dtype):
    a = rand((9, 20), dtype, 1)
    b = rand((20, 70), dtype, 2)
    a[2, 3] = np.nan
    a[4, 5] = np.inf
    a[6, 7] = -np.inf
    b[5, 10] = 0.0             # inf * 0 -> nan
    b[:, 40] = 0.0
    a[8, :] = 0.0
    b[11, 50] = np.inf         # 0 * inf in row 8 -> nan
    for x, y in [(a, b), (np.asfortranarray(a), b)]:
        with np.errstate(invalid="ignore"):
            want = a @ b
        got = nnc.matmul(x, y)
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert np.array_equal(np.isposinf(got), np.isposinf(want))
        assert np.array_equal(np.isneginf(got), np.isneginf(want))
        fin = np.isfinite(want)
        np.testing.assert_allclose(got[fin], want[fin], rtol=1e-4, atol=1e-4)


def test_dtype_rules():
    f32 = np.ones((2, 2), np.float32)
    f64 = np.ones((2, 2), np.float64)
    ints = np.ones((2, 2), np.int64)
    assert nnc.matmul(f32, f32).dtype == np.float32
    assert nnc.matmul(f32, f64).dtype == np.float64
    assert nnc.matmul(f32, ints).dtype == np.float32      # ints do not vote
    assert nnc.matmul(ints, ints).dtype == np.float64
    assert nnc.matmul([[True, False]], [[1], [2]]).dtype == np.float64
    assert np.array_equal(nnc.matmul([[1, 2], [3, 4]], [[5], [6]]), [[17.0], [39.0]])
    assert nnc.matmul(np.ones((2, 2), np.float16), f32).dtype == np.float64


def test_byte_swapped_and_read_only_inputs(dtype):
    a, b = rand((9, 11), dtype, 1), rand((11, 4), dtype, 2)
    swapped = a.astype(np.dtype(dtype).newbyteorder(">"))
    ro = b.copy()
    ro.flags.writeable = False
    assert_product(nnc.matmul(swapped, ro), a, b, dtype)


def test_inputs_are_not_modified(dtype):
    a, b = rand((30, 40), dtype, 1), rand((40, 20), dtype, 2)
    fa = np.asfortranarray(a)
    saved = [x.copy() for x in (a, b, fa)]
    nnc.matmul(a, b)
    nnc.matmul(fa, b, trans_b=False)
    nnc.matmul(b, a, trans_a=True, trans_b=True)
    nnc.gemv(a, b[:, 0])
    nnc.dot(a[0], a[1])
    nnc.add(a, a)
    nnc.scale(a, 2.0)
    nnc.transpose(fa)
    for x, s in zip((a, b, fa), saved):
        assert np.array_equal(x, s)


# --------------------------------------------------------------------------
# matmul: out= and errors

def test_matmul_out(dtype):
    a, b = rand((6, 5), dtype, 1), rand((5, 4), dtype, 2)
    out = np.full((6, 4), np.nan, dtype)
    res = nnc.matmul(a, b, out=out)
    assert res is out
    assert_product(out, a, b, dtype)
    v = np.empty(4, dtype)
    assert nnc.matmul(a[0], b, out=v) is v
    s = np.empty((), dtype)
    assert nnc.matmul(a[0], a[0], out=s) is s
    np.testing.assert_allclose(s, a[0] @ a[0], rtol=1e-5)


def test_matmul_out_rejections(dtype):
    other = np.float32 if dtype == np.float64 else np.float64
    a, b = rand((6, 5), dtype, 1), rand((5, 4), dtype, 2)
    with pytest.raises(TypeError, match="out"):
        nnc.matmul(a, b, out=np.empty((6, 4), other))
    with pytest.raises(TypeError, match="out"):
        nnc.matmul(a, b, out=[[0.0] * 4] * 6)
    with pytest.raises(ValueError, match=r"out has shape \(4, 6\) but the result has shape \(6, 4\)"):
        nnc.matmul(a, b, out=np.empty((4, 6), dtype))
    with pytest.raises(ValueError, match="C-contiguous"):
        nnc.matmul(a, b, out=np.empty((4, 6), dtype).T)
    ro = np.empty((6, 4), dtype)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        nnc.matmul(a, b, out=ro)
    sq = rand((5, 5), dtype, 3)
    with pytest.raises(ValueError, match="shares memory with a"):
        nnc.matmul(sq, sq.copy(), out=sq)
    with pytest.raises(ValueError, match="shares memory with b"):
        nnc.matmul(sq.copy(), sq, out=sq)
    buf = np.zeros((10, 5), dtype)
    with pytest.raises(ValueError, match="shares memory"):
        nnc.matmul(buf[:5], sq, out=buf[4:9])   # rows 4..8 overlap a's row 4


def test_matmul_bad_input():
    a = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"matmul: a has shape \(2, 3\) but b has shape \(4, 5\); "
                                         r"a's columns \(3\) must equal b's rows \(4\)"):
        nnc.matmul(a, np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"a.T's columns \(2\) must equal b's rows \(4\)"):
        nnc.matmul(a, np.ones((4, 5)), trans_a=True)
    with pytest.raises(ValueError, match=r"a's columns \(3\) must equal b.T's rows \(4\)"):
        nnc.matmul(a, np.ones((5, 4)), trans_b=True)
    with pytest.raises(ValueError, match=r"a's length \(2\)"):
        nnc.matmul(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"matmul: a: expected a 1-d or 2-d array, got shape \(2, 2, 2\)"):
        nnc.matmul(np.ones((2, 2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="b: expected a 1-d or 2-d"):
        nnc.matmul(np.ones((2, 2)), 3.0)
    for bad in (np.ones((2, 2), complex), np.array([["a", "b"]]), np.array([[object()]]),
                "xy", None, {"a": 1}):
        with pytest.raises(TypeError, match="matmul: a"):
            nnc.matmul(bad, np.ones((2, 2)))
    with pytest.raises(TypeError, match="matmul: b"):
        nnc.matmul(np.ones((2, 2)), np.ones((2, 2), np.complex64))
    with pytest.raises(ValueError, match="threads"):
        nnc.matmul(a, a.T, threads=0)
    for bad in ("2", 2.0, True):
        with pytest.raises(TypeError, match="threads"):
            nnc.matmul(a, a.T, threads=bad)
    with pytest.raises(TypeError, match="unexpected keyword"):
        nnc.matmul(a, a.T, transpose_a=True)
    with pytest.raises(TypeError, match="positional"):
        nnc.matmul(a, a.T, False)
    with pytest.raises(TypeError, match="missing"):
        nnc.matmul(a)
    with pytest.raises(TypeError, match="multiple values"):
        nnc.matmul(a, a.T, a=a)


def test_keyword_operands_and_huge_thread_cap():
    a = np.ones((2, 3))
    assert np.array_equal(nnc.matmul(b=a.T, a=a), a @ a.T)
    assert np.array_equal(nnc.matmul(a, a.T, threads=10**30), a @ a.T)


def test_no_reference_leaks():
    a, b = np.ones((4, 4)), np.ones((4, 4))
    out = np.empty((4, 4))
    fa = np.asfortranarray(a)
    before = [sys.getrefcount(x) for x in (a, b, out, fa)]
    for _ in range(200):
        nnc.matmul(a, b)
        nnc.matmul(fa, b, out=out)
        nnc.matmul(a[::2], b[:, ::2])
        with pytest.raises(ValueError):
            nnc.matmul(a, np.ones((3, 3)))
        with pytest.raises(ValueError):
            nnc.matmul(a, b, out=a)
        nnc.gemv(a, b[0])
        nnc.dot(a[0], b[0])
        nnc.axpy(1.0, a, out)
        nnc.add(a, b, out=out)
        nnc.scale(fa, 2.0)
        nnc.transpose(fa)
    assert [sys.getrefcount(x) for x in (a, b, out, fa)] == before


def test_concurrent_calls_from_python_threads(dtype):
    """The GIL is released around big products; calls from threads agree."""
    a, b = rand((200, 300), dtype, 1), rand((300, 250), dtype, 2)
    ref = nnc.matmul(a, b, threads=1)
    results = [None] * 4

    def work(i):
        for _ in range(3):
            results[i] = nnc.matmul(a, b, threads=2)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert all(np.array_equal(r, ref) for r in results)


def _runs_python_during(call):
    """True when this (main) thread ran Python while `call` ran in a worker
    thread -- decided by who holds the GIL, not by a clock.

    The switch interval is set to 100 s, so a running thread never hands the
    GIL over on a timer: it only lets go when it blocks or releases it in C.
    The main thread waits until the worker is about to make the call; the
    worker then keeps the GIL into the call.  If the call releases it, the
    main thread takes it and finds `done` still unset (the worker cannot set
    it without the GIL, which the main thread now keeps until join()).  If
    the call holds it throughout, the worker finishes first and `done` is
    set."""
    state = {"done": False}
    entered = threading.Event()

    def worker():
        entered.set()
        call()
        state["done"] = True

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        th = threading.Thread(target=worker)
        th.start()
        entered.wait()
        ran_during = not state["done"]
        th.join()
    finally:
        sys.setswitchinterval(old)
    return ran_during


def test_gil_is_released_during_a_big_product():
    """While one thread multiplies, Python code keeps running in another."""
    a = rand((1100, 1100), np.float64, 1)
    assert _runs_python_during(lambda: nnc.matmul(a, a, threads=1))


def test_the_gil_check_can_fail():
    # A long C call that keeps the GIL (sorting a big list) lets no Python
    # run beside it.
    data = [(i * 7919) % 1_000_003 for i in range(1_000_000)]
    assert not _runs_python_during(lambda: sorted(data))


def test_docstrings_state_formulas():
    assert "op(a) @ op(b)" in nnc.matmul.__doc__
    assert "sum_p" in nnc.matmul.__doc__
    for f in (nnc.gemv, nnc.dot, nnc.axpy, nnc.add, nnc.scale, nnc.transpose):
        assert f.__doc__ and "=" in f.__doc__
    assert nnc.linalg.matmul is nnc.matmul is _core.matmul


# --------------------------------------------------------------------------
# gemv, dot

@pytest.mark.parametrize("m,n", [(0, 3), (3, 0), (1, 1), (7, 17), (65, 300), (513, 129)])
def test_gemv(dtype, m, n):
    a = rand((m, n), dtype, 1)
    x, z = rand(n, dtype, 2), rand(m, dtype, 3)
    for mat in (a, np.asfortranarray(a)):
        y = nnc.gemv(mat, x)
        assert y.dtype == dtype and y.shape == (m,)
        assert_product(y, a, x, dtype)
        yt = nnc.gemv(mat, z, trans_a=True)
        assert_product(yt, a.T, z, dtype)
    out = np.empty(m, dtype)
    assert nnc.gemv(a, x, out=out) is out
    assert_product(out, a, x, dtype)
    if m * n:
        assert_product(nnc.gemv(a[:, ::-1], x[::-1]), a, x, dtype)


def test_gemv_errors():
    a = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"gemv: a has shape \(3, 4\) but x has shape \(3,\); "
                                         r"a's columns \(4\) must equal x's length \(3\)"):
        nnc.gemv(a, np.ones(3))
    with pytest.raises(ValueError, match="a.T's columns"):
        nnc.gemv(a, np.ones(4), trans_a=True)
    with pytest.raises(ValueError, match="gemv: a: expected a 2-d"):
        nnc.gemv(np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="gemv: x"):
        nnc.gemv(a, np.ones((4, 1)))
    buf = np.ones(8)
    with pytest.raises(ValueError, match="shares memory with x"):
        nnc.gemv(np.ones((4, 4)), buf[:4], out=buf[2:6])
    with pytest.raises(TypeError, match="gemv: out"):
        nnc.gemv(a, np.ones(4), out=np.empty(3, np.float32))


@pytest.mark.parametrize("n", [0, 1, 5, 16, 17, 33, 1000, 4099])
def test_dot(dtype, n):
    x, y = rand(n, dtype, 1), rand(n, dtype, 2)
    d = nnc.dot(x, y)
    assert isinstance(d, float)
    assert_product(np.asarray(d, dtype), x, y, dtype)
    assert nnc.dot(x[::-1], y[::-1]) == pytest.approx(d, rel=1e-4, abs=1e-5)
    if n:
        # fixed order: same inputs, same bits
        assert nnc.dot(x.copy(), y.copy()) == d


def test_dot_special_values_and_errors():
    assert nnc.dot([], []) == 0.0 and not np.signbit(nnc.dot([], []))
    assert nnc.dot([2.0], [3.0]) == 6.0
    assert np.isnan(nnc.dot([1.0, np.nan], [1.0, 1.0]))
    assert np.isnan(nnc.dot([np.inf, 1.0], [0.0, 1.0]))
    assert nnc.dot([np.inf, 1.0], [1.0, 1.0]) == np.inf
    assert nnc.dot(np.ones(3, np.float32), np.ones(3, np.float32)) == 3.0
    with pytest.raises(ValueError, match=r"dot: y has shape \(2,\) but x has shape \(3,\)"):
        nnc.dot(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="dot: x"):
        nnc.dot(np.ones((2, 2)), np.ones(4))
    with pytest.raises(TypeError, match="dot: y"):
        nnc.dot(np.ones(2), np.ones(2, complex))


# --------------------------------------------------------------------------
# axpy, add, scale, transpose

def test_axpy(dtype):
    x, y = rand((7, 9), dtype, 1), rand((7, 9), dtype, 2)
    want = y + dtype(1.5) * x
    got = nnc.axpy(1.5, x, y)
    assert got is y
    np.testing.assert_array_equal(y, want)           # same two roundings as NumPy
    y2 = rand(50, dtype, 3)
    want = y2 + dtype(2.0) * y2
    nnc.axpy(2.0, y2, y2)                            # x is y
    np.testing.assert_array_equal(y2, want)
    buf = np.arange(10, dtype=dtype)
    want = buf[1:].copy() + dtype(3.0) * buf[:-1]    # NumPy semantics: x read first
    nnc.axpy(3.0, buf[:-1], buf[1:])
    np.testing.assert_array_equal(buf[1:], want)
    y3 = np.ones(3, dtype)
    nnc.axpy(1, [1, 2, 3], y3)                       # x converted to y's dtype
    assert np.array_equal(y3, [2, 3, 4])
    nnc.axpy(np.nan, np.ones(3), np.ones(3))
    y4 = np.ones(2, dtype)
    nnc.axpy(1.0, np.array([np.inf, np.nan], dtype), y4)
    assert y4[0] == np.inf and np.isnan(y4[1])


def test_axpy_rejects_bad_y():
    x = np.ones(4)
    with pytest.raises(TypeError, match="axpy: y.*float32 or float64.*int64"):
        nnc.axpy(1.0, x, np.ones(4, np.int64))
    with pytest.raises(TypeError, match="axpy: y.*numpy.ndarray"):
        nnc.axpy(1.0, x, [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="axpy: y.*C-contiguous"):
        nnc.axpy(1.0, x, np.ones(8)[::2])
    ro = np.ones(4)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="axpy: y.*read-only"):
        nnc.axpy(1.0, x, ro)
    with pytest.raises(ValueError, match=r"axpy: x has shape \(4,\) but y has shape \(5,\)"):
        nnc.axpy(1.0, x, np.ones(5))
    with pytest.raises(TypeError, match="axpy: alpha"):
        nnc.axpy("2", x, np.ones(4))
    with pytest.raises(TypeError, match="axpy: alpha"):
        nnc.axpy(1j, x, np.ones(4))
    with pytest.raises(TypeError, match="axpy: x"):
        nnc.axpy(1.0, np.ones(4, complex), np.ones(4))
    with pytest.raises(TypeError, match="axpy: y.*float32 or float64.*float16"):
        nnc.axpy(1.0, x, np.ones(4, np.float16))


def test_add_and_scale(dtype):
    x, y = rand((5, 6), dtype, 1), rand((5, 6), dtype, 2)
    for xx in (x, np.asfortranarray(x), x[::-1]):
        np.testing.assert_array_equal(nnc.add(xx, y), xx + y)
        np.testing.assert_array_equal(nnc.scale(xx, 0.5), dtype(0.5) * xx)
    z = x.copy()
    assert nnc.add(z, y, out=z) is z                # in place
    np.testing.assert_array_equal(z, x + y)
    z = x.copy()
    assert nnc.scale(z, -2.0, out=z) is z
    np.testing.assert_array_equal(z, dtype(-2.0) * x)
    buf = np.arange(12, dtype=dtype)
    want = buf[:-2] + buf[2:]
    nnc.add(buf[:-2], buf[2:], out=buf[2:])          # partial overlap handled
    np.testing.assert_array_equal(buf[2:], want)
    assert nnc.add(np.ones(0, dtype), np.ones(0, dtype)).shape == (0,)
    assert np.isnan(nnc.add([np.inf], [-np.inf])[0])
    assert np.isnan(nnc.scale([np.inf], 0.0)[0])
    assert nnc.add(np.float32(1), np.float32(2)).dtype == np.float32
    with pytest.raises(ValueError, match=r"add: y has shape \(3,\) but x has shape \(2,\)"):
        nnc.add([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="add: out"):
        nnc.add(x, y, out=np.empty((6, 5), dtype))
    with pytest.raises(TypeError, match="scale: out"):
        nnc.scale(x, 2.0, out=np.empty((5, 6), np.int32))
    with pytest.raises(TypeError, match="scale: alpha"):
        nnc.scale(x, None)


@pytest.mark.parametrize("shape", [(0, 0), (0, 5), (5, 0), (1, 1), (1, 7), (7, 1), (33, 65),
                                   (129, 257)])
def test_transpose(dtype, shape):
    a = rand(shape, dtype, 1)
    for x in (a, np.asfortranarray(a), a[::-1, ::-1]):
        t = nnc.transpose(x)
        assert t.flags.c_contiguous and t.dtype == dtype and t.shape == shape[::-1]
        assert np.array_equal(t, x.T)
        assert not np.shares_memory(t, x)
    if shape[0] > 2:
        assert np.array_equal(nnc.transpose(a[::2, ::2]), a[::2, ::2].T)


def test_transpose_1d_and_errors():
    v = np.arange(5.0)
    t = nnc.transpose(v)
    assert np.array_equal(t, v) and not np.shares_memory(t, v)
    assert np.array_equal(nnc.transpose(v[::2]), v[::2])
    assert nnc.transpose(np.ones((2, 3), np.int8)).dtype == np.float64
    with pytest.raises(ValueError, match="transpose: a"):
        nnc.transpose(np.ones((2, 2, 2)))
    with pytest.raises(TypeError, match="transpose: a"):
        nnc.transpose(np.ones((2, 2), complex))


# ---------------------------------------------------------------------------
# Regression (hardening review) 7. An empty inner dimension (k == 0) is an empty sum: +0.0, as NumPy and
#    BLAS give, never the -0.0 an accumulator could start from (main already
#    has the fix in nnc_gemm_ex / nnc_dot / nnc_gemv; this pins it down).

@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("call,ref", [
    (lambda a, b, **k: nnc.matmul(a, b, **k), lambda a, b: a @ b),
    (lambda a, b, **k: nnc.matmul(a.T.copy(), b, trans_a=True, **k), lambda a, b: a @ b),
    (lambda a, b, **k: nnc.matmul(a, b.T.copy(), trans_b=True, **k), lambda a, b: a @ b),
])
@pytest.mark.parametrize("m,n", [(2, 3), (40, 70)])
def test_matmul_with_k_zero_gives_positive_zero(dt, call, ref, m, n):
    a, b = np.zeros((m, 0), dt), np.zeros((0, n), dt)
    got = call(a, b)
    want = ref(a, b)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert not np.signbit(got).any()
    out = np.full((m, n), -0.0, dt)  # whatever out held is overwritten
    call(a, b, out=out)
    assert not np.signbit(out).any()
    out[...] = np.nan
    call(a, b, out=out)
    np.testing.assert_array_equal(out, 0)


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_dot_and_gemv_with_nothing_to_add_give_positive_zero(dt):
    e = np.zeros(0, dt)
    assert np.signbit(nnc.dot(e, e)) == np.signbit(np.dot(e, e)) == False  # noqa: E712
    y = nnc.gemv(np.zeros((3, 0), dt), e)
    assert y.shape == (3,) and not np.signbit(y).any()
    y = nnc.gemv(np.zeros((0, 3), dt), e, trans_a=True)
    assert y.shape == (3,) and not np.signbit(y).any()
