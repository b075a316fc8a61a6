"""nnc._core's own functions -- the building blocks under nnc.random and
nnc.init, reachable by anyone who imports nnc._core -- called with every
wrong thing: no crash, only Python exceptions, and a generator state left
alone by a refused call."""
import itertools

import numpy as np
import pytest

import nnc
from nnc import _core

from .cases import covers


def _state(seed=1):
    s = np.zeros(4, np.uint64)
    _core.rng_seed(s, seed)
    return s


GOOD = {
    "rng_seed": lambda: (np.zeros(4, np.uint64), 3),
    "rng_jump": lambda: (_state(),),
    "rng_next_u64": lambda: (_state(), np.zeros(5, np.uint64)),
    "rng_integers": lambda: (_state(), np.zeros(5, np.int64), -3, 10),
    "rng_permutation": lambda: (_state(), np.zeros(5, np.int64)),
    "rng_uniform_fill": lambda: (_state(), np.zeros(5), 0.0, 1.0),
    "rng_normal_fill": lambda: (_state(), np.zeros(5, np.float32), 0.0, 1.0),
    "init_fill": lambda: (_state(), np.zeros((2, 3)), "xavier_uniform", 2, 3),
    "build_info": lambda: (),
}

JUNK = [None, 0, -1, 2 ** 70, 1.5, float("nan"), "x", b"x", 1j, [], [1.0], (1, 2),
        np.zeros(4), np.zeros(4, np.uint64)[::2], np.zeros((4,), np.dtype(">u8")),
        np.zeros(0), np.zeros((2, 2), np.uint64), np.zeros(3, np.int32), object()]

EXC = (TypeError, ValueError, OverflowError, MemoryError)

# Fuzzed in test_engine.py (and test_sweep_fuzz.py), argument by argument of
# valid calls.
ELSEWHERE = {"engine_fit", "engine_fit_args", "engine_eval", "engine_loss_surface", "engine_schedule",
             "sweep_run"}  # test_sweep_fuzz.py


def test_every_core_function_has_a_fuzz_entry():
    public = sorted(n for n in dir(_core) if not n.startswith("_") and callable(getattr(_core, n)))
    missing = [n for n in public if n not in GOOD and n not in ELSEWHERE and getattr(_core, n) is not getattr(
        nnc.functional, n, None) and getattr(_core, n) is not getattr(nnc.linalg, n, None)
        and getattr(_core, n) is not getattr(getattr(nnc.functional, n, None), "_core_function", None)]
    assert not missing, f"nnc._core functions with no fuzz entry: {missing}"


covers(*(getattr(_core, n) for n in GOOD))


@pytest.mark.parametrize("name", sorted(GOOD))
def test_valid_call_works(name):
    args = GOOD[name]()
    getattr(_core, name)(*args)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_each_argument_replaced_by_junk(name):
    fn = getattr(_core, name)
    good = GOOD[name]()
    for pos, junk in itertools.product(range(len(good)), JUNK):
        args = list(GOOD[name]())
        state = args[0] if name != "rng_seed" and name != "build_info" else None
        before = state.copy() if isinstance(state, np.ndarray) else None
        args[pos] = junk
        try:
            fn(*args)
        except EXC:
            if before is not None and pos != 0:
                np.testing.assert_array_equal(state, before,
                                              err_msg=f"{name}: refused call moved the state")
    # too few and too many arguments
    for n in range(len(good)):
        with pytest.raises(TypeError):
            fn(*good[:n])
    with pytest.raises(TypeError):
        fn(*good, 1.0, 2.0, 3.0)


def test_zero_state_is_refused_where_it_would_stick():
    z = np.zeros(4, np.uint64)
    for fn, args in ((_core.rng_jump, ()), (_core.rng_next_u64, (np.zeros(3, np.uint64),)),
                     (_core.rng_uniform_fill, (np.zeros(3), 0.0, 1.0))):
        with pytest.raises(ValueError, match="zero"):
            fn(z, *args)


def test_init_fill_fans_that_overflow():
    with pytest.raises(OverflowError):
        _core.init_fill(_state(), np.zeros(4), "xavier_uniform", 2 ** 63 - 1, 2 ** 63 - 1)
    with pytest.raises((OverflowError, ValueError)):
        _core.init_fill(_state(), np.zeros(4), "he_normal", 2 ** 70, 1)
    with pytest.raises(ValueError, match="unknown kind"):
        _core.init_fill(_state(), np.zeros(4), "bogus", 2, 2)


def test_core_rng_refuses_byte_swapped_state_and_out():
    s = _state().astype(np.dtype(">u8"))
    with pytest.raises(TypeError):
        _core.rng_next_u64(s, np.zeros(3, np.uint64))
    with pytest.raises(TypeError):
        _core.rng_next_u64(_state(), np.zeros(3, np.dtype(">u8")))
