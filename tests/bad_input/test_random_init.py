"""nnc.Generator, nnc.random.as_generator and nnc.init fed bad arguments:
seeds, shapes (negative, non-integer, overflowing), bounds, dtypes,
generators, state words.  Every call raises a TypeError/ValueError (or
MemoryError/OverflowError for sizes) whose message names the argument, and
never modifies what it was given."""
import math

import numpy as np
import pytest

import nnc
from nnc import init

from .cases import call_checked, covers

G = nnc.Generator
covers(G, G.random_raw, G.uniform, G.normal, G.integers, G.permutation, G.shuffle, G.spawn,
       G.seed, G.state, nnc.random.as_generator)
INITS = [init.zeros, init.ones, init.uniform, init.normal, init.xavier_uniform,
         init.xavier_normal, init.he_uniform, init.he_normal]
covers(*INITS, init.constant, init.fans, init.get, init.names)


def _raises(exc, fn, *args, names=(), **kwargs):
    with pytest.raises(exc) as info:
        call_checked(fn, *args, **kwargs)
    msg = str(info.value)
    for n in names:
        assert n in msg, f"{msg!r} does not name {n!r}"
    return msg


# ---------------------------------------------------------------------------
# seeds and state


@pytest.mark.parametrize("seed,exc", [(-1, ValueError), (2 ** 64, ValueError), (1.0, TypeError),
                                      ("3", TypeError), (None, TypeError), (True, TypeError),
                                      (np.float64(2), TypeError), ([1], TypeError)])
def test_generator_seed(seed, exc):
    _raises(exc, G, seed, names=("seed",))


def test_generator_seed_accepts_numpy_ints_and_the_full_range():
    assert G(np.uint64(2 ** 64 - 1)).random_raw() == G(2 ** 64 - 1).random_raw()
    assert G(np.int8(3)).random_raw() == G(3).random_raw()


@pytest.mark.parametrize("state,exc", [
    ((0, 0, 0, 0), ValueError), ((1, 2, 3), ValueError), ((1, 2, 3, 4, 5), ValueError),
    ((1, 2, 3, -4), ValueError), ((1, 2, 3, 2 ** 64), ValueError), ((1, 2, 3, 4.0), TypeError),
    (5, TypeError), (None, TypeError), ("abcd", TypeError), ((1, 2, 3, True), TypeError)])
def test_generator_state_setter(state, exc):
    g = G(5)
    before = g.state
    _raises(exc, setattr, g, "state", state, names=("state",))
    assert g.state == before  # a refused state leaves the generator as it was


def test_generator_seed_is_read_only():
    g = G(1)
    with pytest.raises(AttributeError):
        g.seed = 3


@pytest.mark.parametrize("gen,exc", [("3", TypeError), (1.5, TypeError), (True, TypeError),
                                     (-1, ValueError), (2 ** 64, ValueError),
                                     (np.random.default_rng(0), TypeError)])
def test_as_generator(gen, exc):
    _raises(exc, nnc.random.as_generator, gen, names=("gen",))


# ---------------------------------------------------------------------------
# shapes

BAD_SHAPES = [(-1, ValueError), ((2, -1), ValueError), ("3", TypeError), (2.0, TypeError),
              ((2.0, 3), TypeError), (True, TypeError), ((2, None), TypeError),
              (np.array([2.5]), TypeError), (object(), TypeError)]

SHAPE_CALLS = {
    "random_raw": lambda s: G(0).random_raw(s),
    "uniform": lambda s: G(0).uniform(s),
    "normal": lambda s: G(0).normal(s),
    "integers": lambda s: G(0).integers(0, 10, size=s),
}
SHAPE_CALLS.update({f"init.{f.__name__}": (lambda s, f=f: f(s)) for f in INITS})
SHAPE_CALLS["init.constant"] = lambda s: init.constant(s, 1.5)
SHAPE_CALLS["init.fans"] = init.fans


@pytest.mark.parametrize("fname", list(SHAPE_CALLS))
@pytest.mark.parametrize("bad", range(len(BAD_SHAPES)))
def test_bad_shapes(fname, bad):
    shape, exc = BAD_SHAPES[bad]
    msg = _raises(exc, SHAPE_CALLS[fname], shape)
    assert "shape" in msg or "size" in msg, msg


@pytest.mark.parametrize("fname", list(SHAPE_CALLS))
@pytest.mark.parametrize("shape", [(), (0,), (1,), (3, 0), (1, 1), (2, 3, 4)])
def test_small_and_empty_shapes(fname, shape):
    if fname == "init.fans":
        return
    if fname.startswith(("init.xavier", "init.he")):
        fi, fo = init.fans(shape)
        if fi < 1 or (fname.startswith("init.xavier") and fo < 1):
            _raises(ValueError, SHAPE_CALLS[fname], shape, names=("fan_in",))
            return
    out = SHAPE_CALLS[fname](shape)
    assert isinstance(out, np.ndarray) and out.shape == shape
    assert np.isfinite(out.astype(float)).all()


HUGE = [(2 ** 62, 2 ** 62), (2 ** 40, 2 ** 40), (2 ** 63 - 1,), (2 ** 70,), (2 ** 31,) * 3]


@pytest.mark.parametrize("fname", [f for f in SHAPE_CALLS if f != "init.fans"])
@pytest.mark.parametrize("shape", HUGE, ids=[str(len(s)) + "d" for s in HUGE])
def test_sizes_whose_byte_count_overflows_raise(fname, shape):
    with pytest.raises((ValueError, OverflowError, MemoryError)):
        SHAPE_CALLS[fname](shape)


@pytest.mark.parametrize("fname", ["uniform", "init.zeros", "integers"])
def test_overflowing_size_message_names_the_shape(fname):
    with pytest.raises((ValueError, OverflowError, MemoryError)) as info:
        SHAPE_CALLS[fname]((2 ** 62, 2 ** 62))
    short = fname.split(".")[-1]
    assert "shape" in str(info.value) and short in str(info.value), str(info.value)


@pytest.mark.parametrize("n", [2 ** 62, 2 ** 63 + 5])
def test_permutation_of_an_impossible_size(n):
    with pytest.raises((ValueError, OverflowError, MemoryError)):
        G(0).permutation(n)


# ---------------------------------------------------------------------------
# bounds, dtypes, counts

BAD_REAL = [(math.nan, ValueError), (math.inf, ValueError), (-math.inf, ValueError),
            ("1", TypeError), (None, TypeError), (1j, TypeError), (True, TypeError),
            ([1.0], TypeError)]


@pytest.mark.parametrize("param", ["low", "high"])
@pytest.mark.parametrize("bad", range(len(BAD_REAL)))
@pytest.mark.parametrize("where", ["Generator", "init"])
def test_uniform_bounds(param, bad, where):
    value, exc = BAD_REAL[bad]
    fn = G(0).uniform if where == "Generator" else init.uniform
    _raises(exc, fn, (3,), **{param: value}, names=(param,))


@pytest.mark.parametrize("param", ["mean", "std"])
@pytest.mark.parametrize("bad", range(len(BAD_REAL)))
@pytest.mark.parametrize("where", ["Generator", "init"])
def test_normal_parameters(param, bad, where):
    value, exc = BAD_REAL[bad]
    fn = G(0).normal if where == "Generator" else init.normal
    _raises(exc, fn, (3,), **{param: value}, names=(param,))


@pytest.mark.parametrize("where", ["Generator", "init"])
def test_range_relations(where):
    uni = G(0).uniform if where == "Generator" else init.uniform
    nor = G(0).normal if where == "Generator" else init.normal
    _raises(ValueError, uni, (3,), low=1.0, high=0.0, names=("low", "high"))
    _raises(ValueError, nor, (3,), std=-1.0, names=("std",))
    # bounds that fit float64 but not float32 are refused, not turned into inf
    _raises(ValueError, uni, (3,), low=-1e300, high=1e300, dtype="float32", names=("float32",))
    _raises(ValueError, uni, (3,), low=-1e308, high=1e308, names=("high - low",))
    _raises(ValueError, nor, (3,), std=1e308, names=("std",))


@pytest.mark.parametrize("dt", ["float16", "int64", int, "complex128", "bogus", object, 3])
def test_dtype_argument(dt):
    _raises(TypeError, G(0).uniform, (3,), dtype=dt, names=("dtype",))
    _raises(TypeError, G(0).normal, (3,), dtype=dt, names=("dtype",))
    for f in INITS:
        _raises(TypeError, f, (3, 3), dtype=dt, names=("dtype",))
    _raises(TypeError, init.constant, (3,), 1.0, dtype=dt, names=("dtype",))


@pytest.mark.parametrize("args,exc,names", [
    ((5, 5), ValueError, ("low", "high")), ((5, 2), ValueError, ("low",)),
    ((0,), ValueError, ("low",)), ((5.0,), TypeError, ("low",)), ((True,), TypeError, ("low",)),
    ((0, 2.5), TypeError, ("high",)), (("0", 5), TypeError, ("low",)),
    ((-(2 ** 63) - 1, 0), ValueError, ("int64",)), ((0, 2 ** 63 + 1), ValueError, ("int64",)),
    ((None,), TypeError, ("low",))])
def test_integers_bounds(args, exc, names):
    _raises(exc, G(0).integers, *args, names=names)


def test_integers_extreme_ranges_are_exact():
    g = G(0)
    v = g.integers(-(2 ** 63), 2 ** 63, size=1000)
    assert v.dtype == np.int64 and v.min() < -(2 ** 61) and v.max() > 2 ** 61
    assert (g.integers(2 ** 63 - 1, 2 ** 63, size=10) == 2 ** 63 - 1).all()
    assert (g.integers(-5, -4, size=10) == -5).all()


@pytest.mark.parametrize("n,exc", [(-1, ValueError), (2.0, TypeError), ("3", TypeError),
                                   (True, TypeError), (None, TypeError), (np.array(3), TypeError)])
def test_permutation_argument(n, exc):
    _raises(exc, G(0).permutation, n, names=("permutation",))


def test_permutation_of_arrays_and_lists_copies():
    x = np.arange(10.0).reshape(5, 2)
    p = call_checked(G(0).permutation, x)
    assert sorted(p[:, 0].tolist()) == x[:, 0].tolist() and p.base is not x
    lst = [3, 1, 2]
    assert sorted(call_checked(G(0).permutation, lst).tolist()) == [1, 2, 3]


@pytest.mark.parametrize("x,exc", [((1, 2), TypeError), (np.array(3.0), TypeError),
                                   ("abc", TypeError), (None, TypeError), (5, TypeError)])
def test_shuffle_argument(x, exc):
    _raises(exc, G(0).shuffle, x, names=("shuffle",))


def test_shuffle_read_only_array_is_refused_and_untouched():
    x = np.arange(6.0)
    x.flags.writeable = False
    _raises(ValueError, G(0).shuffle, x, names=("read-only",))


def test_shuffle_works_in_place_on_views_and_lists():
    base = np.arange(20.0)
    view = base[::2]
    G(1).shuffle(view)
    assert sorted(view.tolist()) == list(np.arange(0.0, 20.0, 2)) and (base[1::2] == np.arange(1.0, 20.0, 2)).all()
    lst = list(range(8))
    G(1).shuffle(lst)
    assert sorted(lst) == list(range(8))


@pytest.mark.parametrize("n,exc", [(-1, ValueError), (1.5, TypeError), ("2", TypeError),
                                   (True, TypeError)])
def test_spawn_argument(n, exc):
    g = G(3)
    before = g.state
    _raises(exc, g.spawn, n, names=("spawn",))
    assert g.state == before


# ---------------------------------------------------------------------------
# init


@pytest.mark.parametrize("f", [init.xavier_uniform, init.xavier_normal, init.he_uniform,
                               init.he_normal], ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (0, 0)])
def test_fan_formulas_refuse_zero_fans(f, shape):
    _raises(ValueError, f, shape, names=(f.__name__, "fan_in"))


@pytest.mark.parametrize("gen,exc", [("x", TypeError), (1.5, TypeError), (-1, ValueError),
                                     ([1], TypeError)])
@pytest.mark.parametrize("f", [init.uniform, init.normal, init.xavier_uniform, init.he_normal],
                         ids=lambda f: f.__name__)
def test_init_gen_argument(f, gen, exc):
    _raises(exc, f, (3, 3), gen=gen, names=("gen",))


@pytest.mark.parametrize("value,exc", BAD_REAL)
def test_init_constant_value(value, exc):
    _raises(exc, init.constant, (3,), value, names=("value",))
    if exc is ValueError:
        return
    _raises(ValueError, init.constant, (3,), 1e300, dtype="float32", names=("value",))


@pytest.mark.parametrize("name,exc", [("bogus", ValueError), ("constant", ValueError),
                                      (3, TypeError), (None, TypeError), (b"zeros", TypeError)])
def test_init_get(name, exc):
    _raises(exc, init.get, name, names=("init.get",))


def test_init_get_names_and_callables():
    for n in init.names():
        f = init.get(n)
        assert f((2, 3), gen=0).shape == (2, 3)
    assert init.get(init.zeros) is init.zeros


def test_init_fans_of_huge_shapes_are_exact_python_ints():
    assert init.fans((2 ** 40, 2 ** 40, 3, 5)) == (3 * 2 ** 80, 5 * 2 ** 80)


def test_generator_is_unchanged_by_refused_calls():
    """A call refused during argument checks draws nothing."""
    g = G(9)
    before = g.state
    for fn in (lambda: g.uniform(3, low=2, high=1), lambda: g.normal(-1),
               lambda: g.integers(3, 3), lambda: g.permutation(-2),
               lambda: init.uniform((2, 2), gen=g, low=1.0, high=0.0),
               lambda: init.he_normal((0, 2), gen=g), lambda: g.uniform((2 ** 62, 2 ** 62))):
        with pytest.raises((ValueError, TypeError, OverflowError, MemoryError)):
            fn()
    assert g.state == before
