"""How the books print numbers."""
import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

__all__ = ["py2str", "head_tail", "round_to_print", "truncate_to_print"]


def py2str(x):
    """``str(x)`` as Python 2 printed a float: Trask's Grokking Deep Learning ran
    on Python 2, and its printed numbers are this string.

    Python 2's ``str`` formats with 12 significant digits (``'%.12g'``) and, when
    the result has neither a decimal point nor an exponent, appends ``'.0'``::

        py2str(0.30250000000000005) == '0.3025'
        py2str(1.0) == '1.0'                  py2str(1e16) == '1e+16'
        py2str(1e11) == '100000000000.0'      py2str(1e12) == '1e+12'
        py2str(-25828031.8) == '-25828031.8'
        py2str(5.403406870691e16) == '5.40340687069e+16'

    (Python 3's ``str`` prints the shortest round-tripping repr instead:
    ``0.30250000000000005``.)
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    s = "%.12g" % x
    if "." not in s and "e" not in s:
        s += ".0"
    return s


def head_tail(lines, head=3, tail=3, ellipsis="...."):
    """The first ``head`` and last ``tail`` lines with ``ellipsis`` between
    them, or all lines when there are no more than ``head + tail + 1``."""
    lines = list(lines)
    if len(lines) <= head + tail + 1:
        return lines
    return lines[:head] + [ellipsis] + (lines[-tail:] if tail else [])


def _decimals(printed):
    s = printed.strip().lstrip("+-")
    if "e" in s.lower():
        raise ValueError(f"{printed!r} is in exponent form; compare it with py2str")
    return len(s.split(".")[1]) if "." in s else 0


def _quantize(value, printed, rounding):
    d = _decimals(printed)
    q = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-d), rounding=rounding)
    return f"{q:.{d}f}"


def round_to_print(value, printed):
    """``value`` rounded (half up, on its shortest decimal repr) to as many
    decimals as ``printed`` shows: ``round_to_print(0.6749999999999998, "0.67")``
    is ``"0.67"``, ``round_to_print(12/51, "0.235")`` is ``"0.235"``."""
    return _quantize(value, printed, ROUND_HALF_UP)


def truncate_to_print(value, printed):
    """``value`` cut towards zero to as many decimals as ``printed`` shows:
    Bergel prints his fitted line as (1.42, 1.39) for (1.4292.., 1.3906..)."""
    return _quantize(value, printed, ROUND_DOWN)
