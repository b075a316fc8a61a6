"""nnc.init: fans, formulas (bit for bit against Generator draws), spreads at
fixed seeds, fixed values, get(), and bad input."""
import functools
import math

import numpy as np
import pytest

import nnc
from nnc import init
from nnc import _core


def test_fans():
    assert init.fans((3, 5)) == (3, 5)
    assert init.fans((7,)) == (7, 7)
    assert init.fans(4) == (4, 4)
    assert init.fans(()) == (1, 1)
    assert init.fans((3, 3, 16, 32)) == (3 * 3 * 16, 3 * 3 * 32)
    assert init.fans((0, 5)) == (0, 5)


FANS = [(1, 1), (2, 4), (10, 100), (300, 200), (784, 128)]


def _limits(kind, fan_in, fan_out):
    """(uniform limit l, normal std) by the textbook formulas."""
    if kind == "xavier":
        return math.sqrt(6.0 / (fan_in + fan_out)), math.sqrt(2.0 / (fan_in + fan_out))
    return math.sqrt(6.0 / fan_in), math.sqrt(2.0 / fan_in)


@pytest.mark.parametrize("fan_in, fan_out", FANS)
@pytest.mark.parametrize("kind", ["xavier", "he"])
def test_formula_matches_generator_draws(kind, fan_in, fan_out, dtype):
    l, std = _limits(kind, fan_in, fan_out)
    shape = (fan_in, fan_out)
    u = getattr(init, kind + "_uniform")(shape, nnc.Generator(5), dtype=dtype)
    n = getattr(init, kind + "_normal")(shape, nnc.Generator(5), dtype=dtype)
    assert u.shape == n.shape == shape and u.dtype == n.dtype == dtype
    assert np.array_equal(u, nnc.Generator(5).uniform(shape, low=-l, high=l, dtype=dtype))
    assert np.array_equal(n, nnc.Generator(5).normal(shape, mean=0.0, std=std, dtype=dtype))
    assert np.all(np.abs(u) <= dtype(l))


@pytest.mark.parametrize("fan_in, fan_out", FANS)
@pytest.mark.parametrize("kind", ["xavier", "he"])
def test_spread_within_sampling_error(kind, fan_in, fan_out):
    # Pool draws (one Generator advancing) for N values, N >= 10000, and
    # compare the sample variance with the formula's: its relative standard
    # error is <= sqrt(2 / N); the tolerance, 6 of those and at least 4%, is
    # far from chance yet catches any wrong constant (a factor 2 in variance
    # for sqrt(3) vs sqrt(6), or fan_in vs fan_in + fan_out).
    gen = nnc.Generator(fan_in * 1000 + fan_out)
    l, std = _limits(kind, fan_in, fan_out)
    reps = max(1, min(10000, 60000 // (fan_in * fan_out)))
    tol = max(0.04, 6 * math.sqrt(2 / (reps * fan_in * fan_out)))
    u = np.concatenate([getattr(init, kind + "_uniform")((fan_in, fan_out), gen).ravel()
                        for _ in range(reps)])
    z = np.concatenate([getattr(init, kind + "_normal")((fan_in, fan_out), gen).ravel()
                        for _ in range(reps)])
    assert np.abs(u).max() <= l and np.abs(u).max() > 0.99 * l
    assert abs(u.var() / (l * l / 3) - 1) < tol
    assert abs(z.var() / (std * std) - 1) < tol
    assert abs(u.mean()) < 5 * l / math.sqrt(3 * u.size)
    assert abs(z.mean()) < 5 * std / math.sqrt(z.size)


def test_he_normal_float32_is_float64_rounded():
    a = init.he_normal((30, 20), nnc.Generator(1))
    b = init.he_normal((30, 20), nnc.Generator(1), dtype=np.float32)
    assert np.array_equal(a.astype(np.float32), b)


def test_fixed_values():
    # Measured once; any platform or compiler change shows up here.
    w = init.xavier_uniform((2, 3), nnc.Generator(0))
    assert w.tolist() == [[0.22185611608727585, 0.5428458386139836, -0.8697396267479146],
                          [-0.18274417446004343, 0.510470366862243, 1.0948939664127075]]
    w = init.xavier_uniform((2, 3), nnc.Generator(42))
    assert w.tolist() == [[-0.9117105510547306, -0.2651409864627091, 0.3944553502011452],
                          [0.9304556246720916, 1.0774883908865793, 0.5909695485164272]]
    w = init.he_normal((3, 2), nnc.Generator(42))
    std = math.sqrt(2.0 / 3.0)
    z = [-0.7262191382447857, -0.21119691823195985, 0.2216227015035933,
         0.5227716877560146, 0.46417731016247366, 0.7409788916865562]
    assert w.ravel().tolist() == [std * v for v in z]


def test_uniform_and_normal_defaults():
    u = init.uniform((100, 100), nnc.Generator(3))
    assert u.min() >= -0.05 and u.max() < 0.05
    assert np.array_equal(u, nnc.Generator(3).uniform((100, 100), low=-0.05, high=0.05))
    n = init.normal((100, 100), nnc.Generator(3), mean=1.0, std=0.2, dtype="float32")
    assert np.array_equal(n, nnc.Generator(3).normal((100, 100), mean=1.0, std=0.2, dtype="float32"))
    assert abs(n.std() - 0.2) < 0.2 * 0.04


def test_zeros_ones_constant(dtype):
    assert np.array_equal(init.zeros((2, 3), dtype=dtype), np.zeros((2, 3), dtype))
    assert init.zeros(4, dtype).dtype == dtype
    assert np.array_equal(init.ones((3,), dtype=dtype), np.ones(3, dtype))
    c = init.constant((2, 2), 0.1, dtype=dtype)
    assert c.dtype == dtype and np.all(c == dtype(0.1))
    assert init.zeros((0, 3)).shape == (0, 3)
    g = nnc.Generator(0)
    before = g.state
    init.zeros((3, 3), gen=g)
    init.constant((3, 3), 2, gen=g)
    assert g.state == before                  # nothing drawn


def test_gen_argument():
    a = init.he_uniform((4, 5), None)
    assert np.array_equal(a, init.he_uniform((4, 5), nnc.Generator(0)))
    assert np.array_equal(init.he_uniform((4, 5)), a)        # None -> Generator(0)
    assert np.array_equal(init.he_uniform((4, 5), 9), init.he_uniform((4, 5), nnc.Generator(9)))
    g = nnc.Generator(9)
    first, second = init.he_uniform((4, 5), g), init.he_uniform((4, 5), g)
    assert not np.array_equal(first, second)                  # a Generator advances
    assert np.array_equal(first, init.he_uniform((4, 5), 9))


def test_other_shapes():
    g = nnc.Generator(2)
    b = init.xavier_uniform((6,), g)                          # fans (6, 6)
    assert np.array_equal(b, nnc.Generator(2).uniform(6, low=-math.sqrt(0.5), high=math.sqrt(0.5)))
    k = init.he_normal((3, 3, 4, 8), nnc.Generator(2))       # fan_in 36
    assert np.array_equal(k, nnc.Generator(2).normal((3, 3, 4, 8), mean=0, std=math.sqrt(2 / 36)))
    assert init.he_uniform((3, 0), g).shape == (3, 0)         # fan_in 3: fine, empty


def test_get():
    assert init.get("xavier_uniform") is init.xavier_uniform
    assert init.get("glorot_normal") is init.xavier_normal
    assert init.get("kaiming_uniform") is init.he_uniform
    assert init.get("zeros") is init.zeros
    f = functools.partial(init.constant, value=0.5)
    assert init.get(f) is f
    for name in init.names():
        w = init.get(name)((3, 4), gen=nnc.Generator(1), dtype="float32")
        assert w.shape == (3, 4) and w.dtype == np.float32
    with pytest.raises(ValueError, match="valid names: .*he_normal.*xavier_uniform"):
        init.get("lecun_normal")
    with pytest.raises(ValueError, match="functools.partial"):
        init.get("constant")
    with pytest.raises(TypeError, match="name or a callable"):
        init.get(3)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: init.he_uniform((0, 3)), ValueError, "fan_in 0"),
    (lambda: init.he_normal((0,)), ValueError, "fan_in"),
    (lambda: init.xavier_uniform((0, 0)), ValueError, "fan_in and fan_out"),
    (lambda: init.xavier_normal((3, 0)), ValueError, "fan_out 0"),
    (lambda: init.he_uniform((2, -1)), ValueError, "negative"),
    (lambda: init.zeros((2.0, 3)), TypeError, "shape"),
    (lambda: init.zeros((2, 3), "int32"), TypeError, "dtype"),
    (lambda: init.xavier_normal((2, 3), dtype="float16"), TypeError, "dtype"),
    (lambda: init.uniform((2, 3), low=1.0, high=0.0), ValueError, "low"),
    (lambda: init.uniform((2, 3), low=-np.inf), ValueError, "low"),
    (lambda: init.normal((2, 3), std=-1.0), ValueError, "std"),
    (lambda: init.normal((2, 3), mean=np.nan), ValueError, "mean"),
    (lambda: init.normal((2, 3), std=1e38, dtype="float32"), ValueError, "float32"),
    (lambda: init.constant((2, 3), np.inf), ValueError, "value"),
    (lambda: init.constant((2, 3), 1e39, dtype="float32"), ValueError, "float32"),
    (lambda: init.constant((2, 3), "1"), TypeError, "value"),
    (lambda: init.he_uniform((2, 3), "seed"), TypeError, "gen"),
    (lambda: init.he_uniform((2, 3), 1.5), TypeError, "gen"),
    (lambda: init.he_uniform((2, 3), True), TypeError, "gen"),
    (lambda: init.he_uniform((2, 3), -4), ValueError, "seed"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_refused_call_draws_nothing():
    g = nnc.Generator(4)
    before = g.state
    with pytest.raises(ValueError):
        init.he_normal((0, 4), g)
    with pytest.raises(ValueError):
        init.uniform((3,), g, low=2.0, high=1.0)
    assert g.state == before


# ---------------------------------------------------------------------------
# Regression (hardening review) 8. random/init: a shape whose byte count overflows reached np.empty, whose
#    message named neither the function nor the shape.


HUGE = (2 ** 62, 2 ** 62)
HUGE_TEXT = r"shape \(4611686018427387904, 4611686018427387904\) asks for " + str(2 ** 124)


@pytest.mark.parametrize("name,call", [
    ("random_raw", lambda s: nnc.Generator(0).random_raw(s)),
    ("uniform", lambda s: nnc.Generator(0).uniform(s)),
    ("normal", lambda s: nnc.Generator(0).normal(s, dtype="float32")),
    ("integers", lambda s: nnc.Generator(0).integers(0, 10, size=s)),
    ("zeros", init.zeros), ("ones", init.ones), ("constant", lambda s: init.constant(s, 2.0)),
    ("uniform", init.uniform), ("normal", init.normal), ("xavier_uniform", init.xavier_uniform),
    ("xavier_normal", init.xavier_normal), ("he_uniform", init.he_uniform),
    ("he_normal", init.he_normal),
])
def test_shapes_too_big_for_an_array_name_the_function_and_shape(name, call):
    with pytest.raises(ValueError, match=rf"^{name}: {HUGE_TEXT} values, more than an array "
                                         rf"can hold$"):
        call(HUGE)


def test_permutation_too_big_names_n():
    with pytest.raises(ValueError, match=r"^permutation: n = 4611686018427387904 asks for "
                                         r"4611686018427387904 values"):
        nnc.Generator(0).permutation(2 ** 62)


def test_shapes_that_fit_an_address_but_not_memory_name_the_function():
    # 2**57 float64 values = 1 EiB: a legal array size that no machine holds
    with pytest.raises(MemoryError, match=r"^uniform: shape \(144115188075855872,\) needs "
                                          r"1152921504606846976 bytes of float64"):
        nnc.Generator(0).uniform((2 ** 57,))
    with pytest.raises(MemoryError, match=r"^he_normal: shape \(1024, 140737488355328\) needs "
                                          r"576460752303423488 bytes of float32"):
        init.he_normal((2 ** 10, 2 ** 47), dtype="float32")


def test_other_numpy_shape_errors_name_the_function():
    with pytest.raises(ValueError, match=r"^normal: shape \(1, 1, .*\): maximum supported "
                                         r"dimension"):
        nnc.Generator(0).normal((1,) * 65)


def test_huge_shapes_still_work_where_nothing_is_allocated():
    assert init.fans((2 ** 40, 2 ** 40, 3, 5)) == (3 * 2 ** 80, 5 * 2 ** 80)
    assert nnc.Generator(0).uniform((2 ** 40, 0)).shape == (2 ** 40, 0)
    g1, g2 = nnc.Generator(4), nnc.Generator(4)
    np.testing.assert_array_equal(g1.permutation(6), g2.permutation(6))
    np.testing.assert_array_equal(init.he_normal((3, 2), gen=1), init.he_normal((3, 2), gen=1))


# Sibling of 8: Generator.spawn with an impossible count jumped (and built
# tuples) until memory ran out; now it fails at once, state untouched.

@pytest.mark.parametrize("n", [2 ** 62, 2 ** 70])
def test_spawn_of_an_impossible_count_fails_at_once(n):
    g = nnc.Generator(7)
    before = g.state
    with pytest.raises(MemoryError, match=rf"^spawn: n = {n} Generators do not fit in memory"):
        g.spawn(n)
    assert g.state == before


def test_spawn_still_gives_the_jumped_streams():
    g = nnc.Generator(7)
    start = g.state
    kids = g.spawn(3)
    ref = nnc.Generator(7)
    for kid in kids:
        assert kid.state == ref.state
        _core.rng_jump(ref._state_array)
    assert g.state == ref.state != start
