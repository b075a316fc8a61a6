import pytest

from nnc.book import py2str
from nnc.book._format import head_tail, round_to_print, truncate_to_print

# What Python 2.7's str() printed for these floats (12 significant digits,
# '.0' appended to whole numbers printed without an exponent).
PY2_STR = [
    (0.30250000000000005, "0.3025"),
    (1.0, "1.0"),
    (0.0, "0.0"),
    (-0.0, "-0.0"),
    (1e16, "1e+16"),
    (1e11, "100000000000.0"),
    (123456789012.0, "123456789012.0"),
    (1e12, "1e+12"),
    (1234567890123.0, "1.23456789012e+12"),
    (5.403406870691e16, "5.40340687069e+16"),
    (-25828031.8, "-25828031.8"),
    (-232452292.6, "-232452292.6"),
    (2.50000000033e-07, "2.50000000033e-07"),
    (1.07995057925e-27, "1.07995057925e-27"),
    (0.7976744445781, "0.797674444578"),
    (0.1 + 0.2, "0.3"),
    (1e-5, "1e-05"),
    (0.0001, "0.0001"),
    (-0.15000000000000002, "-0.15"),
    (float("inf"), "inf"),
    (float("-inf"), "-inf"),
    (float("nan"), "nan"),
]


@pytest.mark.parametrize("x, text", PY2_STR)
def test_py2str(x, text):
    assert py2str(x) == text


def test_py2str_accepts_numpy_scalars():
    import numpy as np
    assert py2str(np.float64(0.25)) == "0.25"
    assert py2str(np.float32(0.5)) == "0.5"


def test_head_tail():
    lines = [str(i) for i in range(10)]
    assert head_tail(lines, 3, 3) == ["0", "1", "2", "....", "7", "8", "9"]
    assert head_tail(lines[:7], 3, 3) == lines[:7]
    assert head_tail(lines, 2, 0) == ["0", "1", "...."]


def test_round_and_truncate_to_print():
    assert round_to_print(0.6749999999999998, "0.67") == "0.67"
    assert round_to_print(0.676, "0.67") == "0.68"
    assert round_to_print(12 / 51, "0.235") == "0.235"
    assert round_to_print(2.718281828459045, "2.7") == "2.7"
    assert round_to_print(0.9999999999999998, "1") == "1"
    assert truncate_to_print(1.4291923593027176, "1.42") == "1.42"
    assert truncate_to_print(1.3905782205396866, "1.39") == "1.39"
    assert round_to_print(1.3905782205396866, "1.39") == "1.39"
    assert truncate_to_print(0.3678794411714423, "0.36") == "0.36"
    assert round_to_print(0.3678794411714423, "0.36") == "0.37"
    assert truncate_to_print(0.29, "0.29") == "0.29"
    assert truncate_to_print(-1.4291, "-1.42") == "-1.42"
    with pytest.raises(ValueError, match="exponent"):
        round_to_print(1.0, "1e+16")
