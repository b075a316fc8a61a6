"""Regression tests for bugs the hardening review found (one section per bug).

Each test checks both that the bad input is refused with a message naming the
argument, and that a nearby good input still gives the right value, so a fix
that refuses too much fails here too.
"""
import numpy as np
import pytest

import nnc
from nnc import _core


def _state():
    return np.array([1, 2, 3, 4], np.uint64)


# ---------------------------------------------------------------------------
# 1. m_rng.c: byte-swapped uint64/int64 state and out arrays were read and
#    written as native integers.

SWAPPED_U8 = np.dtype("u8").newbyteorder("S")
SWAPPED_I8 = np.dtype("i8").newbyteorder("S")


@pytest.mark.parametrize("call", [
    lambda s: _core.rng_next_u64(s, np.zeros(3, np.uint64)),
    lambda s: _core.rng_jump(s),
    lambda s: _core.rng_uniform_fill(s, np.zeros(3), 0.0, 1.0),
    lambda s: _core.rng_seed(s, 7),
], ids=["next_u64", "jump", "uniform_fill", "seed"])
def test_rng_byte_swapped_state_is_refused(call):
    s = _state().astype(SWAPPED_U8)
    before = s.copy()
    with pytest.raises(TypeError, match=r"state: .*native byte order"):
        call(s)
    np.testing.assert_array_equal(s, before)


@pytest.mark.parametrize("fn,dt", [(_core.rng_next_u64, SWAPPED_U8),
                                   (_core.rng_integers, SWAPPED_I8),
                                   (_core.rng_permutation, SWAPPED_I8)])
def test_rng_byte_swapped_integer_out_is_refused(fn, dt):
    out = np.zeros(3, dt)
    s = _state()
    extra = {_core.rng_next_u64: (), _core.rng_integers: (0, 10),
             _core.rng_permutation: ()}[fn]
    with pytest.raises(TypeError, match=r"out must be u?int64 in native byte order"):
        fn(s, out, *extra)
    np.testing.assert_array_equal(s, _state())  # a refused call does not advance the state
    np.testing.assert_array_equal(out, 0)


def test_rng_native_state_still_matches_its_swapped_copy_converted():
    # The same words in native order give the stream the refused array meant.
    a = _state()
    b = _state().astype(SWAPPED_U8).astype(np.uint64)
    oa, ob = np.zeros(4, np.uint64), np.zeros(4, np.uint64)
    _core.rng_next_u64(a, oa)
    _core.rng_next_u64(b, ob)
    np.testing.assert_array_equal(oa, ob)
    np.testing.assert_array_equal(a, b)
