"""nnc.linalg beyond the case table: 1-d operands, transpose flags, out=,
memory shared between out= and the inputs, thread counts, NaN scalars."""
import numpy as np
import pytest

import nnc

from .cases import call_checked


def _r(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_transpose_flags_check_the_transposed_shapes(ta, tb, dtype):
    a = _r(4, 3, dtype=dtype) if ta else _r(3, 4, dtype=dtype)
    b = _r(5, 4, dtype=dtype) if tb else _r(4, 5, dtype=dtype)
    got = call_checked(nnc.matmul, a, b, trans_a=ta, trans_b=tb)
    want = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12)
    # the other flag setting no longer fits: a clear error naming the transposes
    bad_b = b.T.copy() if b.shape[0] != b.shape[1] else None
    with pytest.raises(ValueError, match="matmul: a has shape") as info:
        call_checked(nnc.matmul, a, bad_b, trans_a=ta, trans_b=tb)
    assert str(a.shape) in str(info.value)


def test_matmul_one_d_operands_follow_numpy(dtype):
    a, b, v, w = _r(3, 4, dtype=dtype), _r(4, 2, dtype=dtype), _r(4, dtype=dtype), _r(4, dtype=dtype)
    for x, y in ((v, b), (a, v), (v, w)):
        got = call_checked(nnc.matmul, x, y)
        want = np.matmul(x, y)
        assert np.shape(got) == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12)
    with pytest.raises(ValueError, match="length"):
        call_checked(nnc.matmul, _r(5, dtype=dtype), b)


def test_matmul_flag_arguments_must_have_a_truth_value():
    with pytest.raises(ValueError):
        nnc.matmul(np.eye(2), np.eye(2), trans_a=np.array([True, False]))


def test_matmul_empty_inner_dimension_gives_zeros_like_numpy(dtype):
    a, b = np.zeros((2, 0), dtype), np.zeros((0, 3), dtype)
    got = call_checked(nnc.matmul, a, b)
    assert got.shape == (2, 3) and got.dtype == dtype
    assert (got == 0).all()


def test_matmul_empty_inner_dimension_has_numpys_sign_of_zero():
    """An empty sum is +0.0 (NumPy, BLAS), not the -0.0 a sum starts from."""
    got = nnc.matmul(np.zeros((2, 0)), np.zeros((0, 3)))
    np.testing.assert_array_equal(np.signbit(got), np.signbit(np.zeros((2, 0)) @ np.zeros((0, 3))))


OUT_BAD = {
    "wrong-dtype": (lambda s, d: np.zeros(s, np.float32 if d == np.float64 else np.float64),
                    TypeError),
    "int": (lambda s, d: np.zeros(s, np.int64), TypeError),
    "wrong-shape": (lambda s, d: np.zeros((s[0] + 1,) + s[1:], d), ValueError),
    "strided": (lambda s, d: np.zeros(s[:-1] + (2 * s[-1],), d)[..., ::2], ValueError),
    "fortran": (lambda s, d: np.zeros(s, d, order="F"), ValueError),
    "readonly": (lambda s, d: np.lib.stride_tricks.as_strided(np.zeros(s, d), writeable=False),
                 ValueError),
    "bigendian": (lambda s, d: np.zeros(s, np.dtype(d).newbyteorder(">")), TypeError),
    "list": (lambda s, d: np.zeros(s, d).tolist(), TypeError),
}


@pytest.mark.parametrize("kind", list(OUT_BAD))
@pytest.mark.parametrize("fname", ["matmul", "gemv", "add", "scale"])
def test_out_argument_is_checked_and_left_alone_on_error(fname, kind, dtype):
    a, b = _r(3, 4, dtype=dtype), _r(4, 2, dtype=dtype)
    calls = {
        "matmul": (lambda out: nnc.matmul(a, b, out=out), (3, 2)),
        "gemv": (lambda out: nnc.gemv(a, b[:, 0].copy(), out=out), (3,)),
        "add": (lambda out: nnc.add(a, a * 2, out=out), (3, 4)),
        "scale": (lambda out: nnc.scale(a, 3.0, out=out), (3, 4)),
    }
    fn, shape = calls[fname]
    if kind == "fortran" and len(shape) == 1:
        pytest.skip("a 1-d array is both C- and Fortran-ordered")
    make, exc = OUT_BAD[kind]
    out = make(shape, dtype)
    with pytest.raises(exc) as info:
        call_checked(fn, out)
    assert "out" in str(info.value), str(info.value)


def test_out_is_returned_and_written(dtype):
    a, b = _r(3, 4, dtype=dtype), _r(4, 2, dtype=dtype)
    out = np.full((3, 2), np.nan, dtype)
    assert nnc.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out, a.astype(float) @ b.astype(float),
                               rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_matmul_out_sharing_memory_with_an_input_is_refused():
    a = np.eye(3)
    b = np.ones((3, 3))
    with pytest.raises(ValueError, match="shares memory with a"):
        call_checked(nnc.matmul, a, b, out=a)
    buf = np.zeros(20)
    x, out = buf[:9].reshape(3, 3), buf[5:14].reshape(3, 3)  # partly overlapping
    x[...] = 1.0
    with pytest.raises(ValueError, match="shares memory"):
        call_checked(nnc.matmul, x, np.eye(3), out=out)
    with pytest.raises(ValueError, match="shares memory with x"):
        call_checked(nnc.gemv, np.eye(3), buf[:3], out=buf[:3])


def test_elementwise_out_may_be_an_input_or_overlap_one(dtype):
    """add/scale allow out to be x itself; a partial overlap is resolved by a
    copy, so the result equals NumPy's (computed before any write)."""
    buf = np.arange(12, dtype=dtype)
    x, out = buf[:8], buf[4:]
    want = x + np.ones(8, dtype)
    nnc.add(x, np.ones(8, dtype), out=out)
    np.testing.assert_array_equal(out, want)
    buf = np.arange(12, dtype=dtype)
    want = 2 * buf[2:]
    nnc.scale(buf[2:], 2.0, out=buf[:10])
    np.testing.assert_array_equal(buf[:10], want)
    y = np.arange(6, dtype=dtype)
    assert nnc.add(y, y, out=y) is y
    np.testing.assert_array_equal(y, 2 * np.arange(6, dtype=dtype))


def test_axpy_with_x_overlapping_y(dtype):
    buf = np.arange(10, dtype=dtype)
    x, y = buf[:6], buf[4:]
    want = y + 2 * x
    nnc.axpy(2.0, x, y)
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("threads", [None, 1, 2, 3, 64, 2 ** 40])
def test_matmul_thread_counts_give_identical_bits(threads):
    a, b = _r(70, 90), _r(90, 80, seed=1)
    np.testing.assert_array_equal(nnc.matmul(a, b, threads=threads), nnc.matmul(a, b, threads=1))


def test_nan_scalars_propagate_like_numpy():
    x = np.arange(3.0)
    np.testing.assert_array_equal(nnc.scale(x, float("nan")), float("nan") * x)
    y = np.zeros(3)
    nnc.axpy(float("inf"), x, y)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(y, np.zeros(3) + float("inf") * x)


@pytest.mark.parametrize("shape", [(), (2, 2, 2)])
def test_transpose_and_gemv_refuse_other_ranks(shape):
    with pytest.raises(ValueError, match="transpose: a"):
        nnc.transpose(np.zeros(shape))
    with pytest.raises(ValueError, match="gemv: a"):
        nnc.gemv(np.zeros(shape), np.zeros(2))
    with pytest.raises(ValueError, match="dot: x"):
        nnc.dot(np.zeros(shape), np.zeros(shape))


def test_huge_declared_sizes_are_not_allocated():
    """Broadcast views can claim more elements than memory holds; every
    function either computes on them or raises MemoryError/ValueError --
    never crashes."""
    big = np.broadcast_to(np.float64(1.0), (2 ** 20, 2 ** 20))  # 8 TiB if copied
    for fn in (lambda: nnc.transpose(big), lambda: nnc.scale(big, 2.0),
               lambda: nnc.add(big, big), lambda: nnc.matmul(big, big)):
        with pytest.raises((MemoryError, ValueError)):
            fn()
