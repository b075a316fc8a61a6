"""Every number the five chapters print, beside the number nnc computes.

A :class:`BookNumber` names its walkthrough run, the quantity, the book's value
exactly as printed, how nnc's value is compared with it, and a function that
reads nnc's value off the walkthrough's result.  Comparison modes:

``"string"``
    nnc's value is formatted the book's way (Python 2 ``str`` for Trask) and
    must equal the printed text character for character.
``"bits"``
    the same float64, bit for bit.
``"exact"``
    within 1e-12 relative (values computed in float64 that pass through exp or
    log, whose last bit differs between math libraries).
``"rounded"`` / ``"truncated"``
    nnc's value rounded (cut) to the decimals the book prints equals the print.
``"fraction"``
    an exact fraction, printed as p/q.
``"replay"``
    every step of a run equals, bit for bit, the book's own loop replayed here
    in plain Python (Trask's walkthroughs).
``"claim"``
    the book states a fact ("the cost tends to 0"); a predicate checks nnc's value.
``"info"``
    shown for reference, never failing (Bergel's Pharo timings).

Every number also says where it comes from (``BookNumber.source``):

``"chapter"``
    printed (or stated) in the chapter;
``"code"``
    from the book's own code or code repository, named in ``origin``
    (Serrano's repository notebook, Trask's loop, Pharo's generator);
``"nnc"``
    computed by nnc for the walkthrough: the float64 value of a formula the
    chapter prints rounded, or a value no chapter prints (``origin`` says which).
    Nothing is presented as the book's that the book does not print.
"""
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, List, Mapping, Optional, Sequence

import numpy as np

from ._format import py2str, round_to_print, truncate_to_print

__all__ = ["BookNumber", "BOOK_NUMBERS", "SOURCES", "TABLE_WIDTH", "compare_value", "format_value", "Row",
           "evaluate_rows", "format_table"]

SOURCES = ("chapter", "code", "nnc")
MODES = ("string", "bits", "exact", "rounded", "truncated", "fraction", "replay", "claim",
         "info")
RELATIVE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class BookNumber:
    """One printed number (or claim) of a chapter.

    Attributes
    ----------
    run : str
        Key of the walkthrough run in ``nnc.book.RUNS`` ("G5", "G3 step 10", ...).
    quantity : str
        What the number is.
    book : str
        The book's value as printed.
    mode : str
        How nnc's value is compared (see the module docstring).
    value : callable
        ``value(result) -> nnc's value``, given the run's result object.
    check : callable or None
        For ``mode="claim"``: ``check(value) -> bool``.
    source : str
        Where the reference value comes from: "chapter", "code" or "nnc"
        (see the module docstring).
    origin : str
        For "code" and "nnc": which code, or what nnc computed.
    """

    run: str
    quantity: str
    book: str
    mode: str
    value: Callable[[Any], Any]
    check: Optional[Callable[[Any], bool]] = None
    source: str = "chapter"
    origin: str = ""

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ValueError(f"BookNumber: source must be one of {SOURCES}, got {self.source!r}")
        if self.source != "chapter" and not self.origin:
            raise ValueError(f"BookNumber {self.run} {self.quantity!r}: a {self.source!r} "
                             f"value must name its origin")

    @property
    def walkthrough(self) -> str:
        """The walkthrough id ("G3" for the run "G3 step 10")."""
        return self.run.split()[0]


def compare_value(mode: str, book: str, value: Any,
                  check: Optional[Callable[[Any], Any]] = None) -> bool:
    """True when nnc's ``value`` matches the ``book``'s print under ``mode``."""
    if mode == "string":
        return str(value) == book
    if mode == "bits":
        v, b = float(value), float(book)
        return v == b and math.copysign(1.0, v) == math.copysign(1.0, b)
    if mode == "exact":
        v, b = float(value), float(book)
        return v == b or abs(v - b) <= RELATIVE_TOLERANCE * max(abs(v), abs(b))
    if mode == "rounded":
        return round_to_print(value, book) == book
    if mode == "truncated":
        return truncate_to_print(value, book) == book
    if mode == "fraction":
        return isinstance(value, Fraction) and value == Fraction(book)
    if mode == "replay":
        same, total = value
        return total > 0 and same == total
    if mode == "claim":
        if check is None:
            raise ValueError('compare_value: mode "claim" needs check, a callable')
        return bool(check(value))
    if mode == "info":
        return True
    raise ValueError(f"unknown comparison mode {mode!r}; expected one of {MODES}")


def format_value(mode: str, book: str, value: Any) -> str:
    """nnc's value as the table shows it."""
    if mode == "string":
        return str(value)
    if mode in ("bits", "exact"):
        return repr(float(value))
    if mode == "rounded":
        return f"{round_to_print(value, book)} ({float(value)!r})"
    if mode == "truncated":
        return f"{truncate_to_print(value, book)} ({float(value)!r})"
    if mode == "fraction":
        return str(value)
    if mode == "replay":
        return f"{value[0]} of {value[1]} values identical"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, np.ndarray):
        return " ".join(np.array2string(value, precision=4, threshold=8).split())
    return str(value)


_HOW = {"string": "text", "bits": "bits", "exact": "1e-12 rel",
        "rounded": "digits", "truncated": "digits (cut)", "fraction": "fraction",
        "replay": "bits (loop)", "claim": "claim", "info": "info"}


@dataclass
class Row:
    """One evaluated line of the comparison table."""

    number: BookNumber
    nnc: str
    match: Optional[bool]  # None for "info" rows
    error: Optional[str] = None


def evaluate_rows(numbers: Sequence[BookNumber], results: Mapping[str, Any]) -> List[Row]:
    """Evaluate each :class:`BookNumber` on ``results`` (run key -> result or
    the exception the run raised)."""
    rows = []
    for n in numbers:
        res = results[n.run]
        if isinstance(res, BaseException):
            rows.append(Row(n, f"{type(res).__name__}: {res}", False, repr(res)))
            continue
        try:
            v = n.value(res)
            ok = compare_value(n.mode, n.book, v, n.check)
            rows.append(Row(n, format_value(n.mode, n.book, v),
                            None if n.mode == "info" else ok))
        except Exception as exc:  # a failing comparison is a failing row
            rows.append(Row(n, f"{type(exc).__name__}: {exc}", False, repr(exc)))
    return rows


TABLE_WIDTH = 80
_LABEL = {"chapter": "chapter", "code": "code", "nnc": "nnc"}


def _wrap(text, first, indent, width):
    """``text`` after the prefix ``first``, wrapped at ``width`` with later
    lines indented by ``indent`` spaces (long unbroken words are cut)."""
    import textwrap
    return textwrap.wrap(text, width=width, initial_indent=first,
                         subsequent_indent=" " * indent, break_long_words=True,
                         break_on_hyphens=False) or [first.rstrip()]


def format_table(rows: Sequence[Row], width: int = TABLE_WIDTH) -> str:
    """The table as text, no line longer than ``width`` (80) characters.

    One entry per number: a line with the walkthrough, the quantity, where the
    reference comes from (chapter: printed in the chapter; code: the book's
    code or repository; nnc: computed by nnc), how nnc's value was compared
    (text: the printed string; bits: the same float64; 1e-12 rel; digits:
    rounded, or cut, to the printed decimals; fraction; claim; info) and
    whether it matches; then the reference value and nnc's, wrapped to the
    width.  A legend names the code and the nnc values' origins.
    """
    if width < 60:
        raise ValueError(f"format_table: width must be at least 60, got {width}")
    tail = 8 + 1 + 12 + 1 + 5          # source, compared, match
    qw = width - 12 - tail - 1
    head = f"{'id':<11} {'quantity':<{qw}} {'source':<8} {'compared':<12} {'match':>5}"
    lines = [head, "-" * width]
    for r in rows:
        n = r.number
        how = _HOW[n.mode]
        match = "info" if r.match is None else ("yes" if r.match else "NO")
        quantity = _wrap(n.quantity, "", 0, qw)
        lines.append(f"{n.run:<11.11} {quantity[0]:<{qw}} {_LABEL[n.source]:<8} "
                     f"{how:<12} {match:>5}")
        lines += [" " * 12 + q for q in quantity[1:]]
        ref = {"chapter": "book", "code": "code", "nnc": "ref"}[n.source]
        both = f"{ref}: {n.book}   nnc: {r.nnc}"
        if 12 + len(both) <= width:
            lines.append(" " * 12 + both)
        else:
            lines += _wrap(n.book, " " * 12 + f"{ref}: ", 18, width)
            lines += _wrap(r.nnc, " " * 12 + "nnc:  ", 18, width)
    origins = {}
    for r in rows:
        if r.number.source != "chapter":
            origins.setdefault((r.number.source, r.number.origin), []).append(r.number.run)
    if origins:
        lines += ["", "Where the values not printed in a chapter come from:"]
        for (source, origin), runs in origins.items():
            ids = ", ".join(dict.fromkeys(runs))
            lines += _wrap(f"{origin} ({ids})", f"  {source}: ", 8, width)
    return "\n".join(lines)


# ------------------------------------------------------------------ the numbers

def _line(k):
    """The k-th printed line (negative counts from the end)."""
    return lambda r: r.lines()[k]


def _trask_lines(run, first, last, total):
    out = []
    for k, text in enumerate(first):
        out.append(BookNumber(run, f"line {k + 1}", text, "string", _line(k)))
    for j, text in enumerate(last):
        k = total - len(last) + j
        out.append(BookNumber(run, f"line {k + 1}", text, "string", _line(k)))
    return out


def _trask_loop(weight, input, goal, alpha, iterations):
    """Trask's gradient-descent loop as he wrote it, in Python floats:
    the weights (start and after each step) and the errors."""
    weights, errors = [weight], []
    for _ in range(iterations):
        pred = input * weight
        errors.append((pred - goal) ** 2)
        weight = weight - alpha * ((pred - goal) * input)
        weights.append(weight)
    return weights, errors


def _hot_cold_loop(weight, input, goal, step, iterations):
    """Trask's hot/cold loop as he wrote it: the weights and the errors."""
    weights, errors = [weight], []
    for _ in range(iterations):
        errors.append((input * weight - goal) ** 2)
        up_error = (goal - input * (weight + step)) ** 2
        down_error = (goal - input * (weight - step)) ** 2
        if down_error < up_error:
            weight = weight - step
        if down_error > up_error:
            weight = weight + step
        weights.append(weight)
    return weights, errors


def _same_bits(run, loop):
    """(identical values, total) between a run's weights and errors and a loop's."""
    weights, errors = loop(run)
    mine = np.concatenate([run.weights, run.errors]).view(np.uint64)
    ref = np.array(weights + errors, dtype=np.float64).view(np.uint64)
    if mine.shape != ref.shape:
        return 0, int(ref.size)
    return int(np.sum(mine == ref)), int(ref.size)


def _replay(run_key):
    def value(r):
        steps = r.errors.shape[0]
        if hasattr(r, "step"):
            return _same_bits(r, lambda r: _hot_cold_loop(float(r.weights[0]), r.input, r.goal,
                                                          r.step, steps))
        return _same_bits(r, lambda r: _trask_loop(float(r.weights[0]), r.input, r.goal,
                                                   r.alpha, steps))
    return BookNumber(run_key, "every weight and error vs Trask's loop", "his loop", "replay",
                      value)


def _bergel_replay(r, batch_size=None):
    """(identical values, total, largest relative gap) between a line fit's
    a, b, cost and Bergel's script replayed in Python (Pharo's sum)."""
    from .agile import bergel_loop
    epochs = r.mse.shape[0]
    a, b, cost = bergel_loop(r.x, r.y, float(r.a[0]), float(r.b[0]), r.learning_rate, epochs,
                             batch_size)
    mine = np.concatenate([r.a, r.b, r.mse])
    ref = np.concatenate([a, b, cost])
    if mine.shape != ref.shape:
        return 0, int(ref.size), float("inf")
    gap = float(np.max(np.abs(mine - ref) / np.maximum(np.abs(ref), 1e-300)))
    return int(np.sum(mine.view(np.uint64) == ref.view(np.uint64))), int(ref.size), gap


def _gap(mine, ref):
    """Largest relative difference between two equal-shape arrays."""
    mine, ref = np.asarray(mine, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if mine.shape != ref.shape:
        return float("inf")
    return float(np.max(np.abs(mine - ref) / np.maximum(np.abs(ref), 1e-300)))


def _padhai_replay(r):
    """(identical values, total) between S1's w, b, loss and the article's loop
    (math.exp, the C library's: see padhai_loop) replayed in Python."""
    from .sigmoid_neuron import padhai_loop
    w, b, loss = padhai_loop(r.x, r.y, float(r.w[0]), float(r.b[0]), r.learning_rate,
                             r.w.shape[0] - 1, with_loss=True)
    mine = np.concatenate([r.w, r.b, r.loss])
    ref = np.concatenate([w, b, loss])
    if mine.shape != ref.shape:
        return 0, int(ref.size)
    return int(np.sum(mine.view(np.uint64) == ref.view(np.uint64))), int(ref.size)


def _serrano_m1_gap(r):
    from .grokking_ml import serrano_linear_loop
    s, i = serrano_linear_loop(r.trick, epochs=r.slopes.shape[0] - 1)
    return max(_gap(r.slopes, s), _gap(r.intercepts, i))


def _alternates_around(goal, bound):
    def check(preds):
        d = np.asarray(preds) - goal
        return bool(np.all(np.abs(d) <= bound) and np.all(d[1:] * d[:-1] < 0))
    return check


def _least_squares_cost(r):
    """The lowest mean squared error any line reaches on r's points."""
    A = np.stack([r.x, np.ones_like(r.x)], axis=1)
    coef = np.linalg.lstsq(A, r.y, rcond=None)[0]
    return float(np.mean((r.y - A @ coef) ** 2))


def _m3_loss(r, k):
    """M3's total log loss at step k of its path."""
    w, b = r.params[k, :2], r.params[k, 2]
    p = 1.0 / (1.0 + np.exp(-(r.X @ w + b)))
    t = r.y[:, 0]
    return float(-np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)))


def _decreasing(a):
    a = np.asarray(a)
    return bool(np.all(np.diff(a) < 0))


_BERGEL = ("Bergel's script replayed in plain Python: Pharo's sum order, 2 / n an exact "
           "Fraction, batches closed at multiples of the batch size")

BOOK_NUMBERS = [
    # G -- Grokking Deep Learning ch. 4 (Python 2's str: 12 significant digits)
    BookNumber("G1", "error", "0.3025", "string", lambda r: py2str(r.error)),
    BookNumber("G1", "error in float64", "0.30250000000000005", "bits", lambda r: r.error),
    BookNumber("G2", "error", "0.0225", "string", lambda r: py2str(r.errors[0])),
    BookNumber("G2", "up-error", "0.004225", "string", lambda r: py2str(r.up_errors[0])),
    BookNumber("G2", "down-error", "0.055225", "string", lambda r: py2str(r.down_errors[0])),
    BookNumber("G2", "new weight", "0.11", "string", lambda r: py2str(r.weights[1])),
    *_trask_lines("G3", ["Error:0.3025 Prediction:0.25", "Error:0.30195025 Prediction:0.2505"],
                  ["Error:2.50000000033e-07 Prediction:0.7995",
                   "Error:1.07995057925e-27 Prediction:0.8"], 1101),
    BookNumber("G3 step 0.2", "oscillates around 0.8 (last 10 predictions)",
               "oscillates around 0.8", "claim", lambda r: r.predictions[-10:],
               _alternates_around(0.8, 0.2 * 0.5)),
    *_trask_lines("G3 step 10", ["Error:0.3025 Prediction:0.25",
                                 "Error:19.8025 Prediction:5.25",
                                 "Error:0.3025 Prediction:0.25",
                                 "Error:19.8025 Prediction:5.25",
                                 "Error:0.3025 Prediction:0.25"], [], 100),
    BookNumber("G3 step 10", "repeating infinitely (100 lines, 2 distinct)",
               "repeating infinitely", "claim", lambda r: sorted(set(r.lines())),
               lambda v: v == ["Error:0.3025 Prediction:0.25",
                               "Error:19.8025 Prediction:5.25"]),
    BookNumber("G4", "prediction", "0.85", "string", lambda r: py2str(r.predictions[0])),
    BookNumber("G4", "delta", "-0.15", "string", lambda r: py2str(r.deltas[0])),
    BookNumber("G4", "weight_delta", "-1.275", "string", lambda r: py2str(r.weight_deltas[0])),
    BookNumber("G4", "new weight (alpha 0.01)", "0.11275", "string",
               lambda r: py2str(r.weights[1])),
    *_trask_lines("G5", ["Error:0.3025 Prediction:0.25", "Error:0.17015625 Prediction:0.3875",
                         "Error:0.095712890625 Prediction:0.490625"],
                  ["Error:1.7092608064e-05 Prediction:0.79586567925",
                   "Error:9.61459203602e-06 Prediction:0.796899259437",
                   "Error:5.40820802026e-06 Prediction:0.797674444578"], 20),
    *_trask_lines("G6", ["Error:0.64 Prediction:0.0", "Error:0.36 Prediction:0.2",
                         "Error:0.2025 Prediction:0.35",
                         "Error:0.11390625 Prediction:0.4625"], [], 4),
    *_trask_lines("G7", ["-----", "Weight:0.0", "Error:0.64 Prediction:0.0",
                         "Delta:-0.8 Weight Delta:-0.88",
                         "-----", "Weight:0.88", "Error:0.028224 Prediction:0.968",
                         "Delta:0.168 Weight Delta:0.1848",
                         "-----", "Weight:0.6952", "Error:0.0012446784 Prediction:0.76472",
                         "Delta:-0.03528 Weight Delta:-0.038808",
                         "-----", "Weight:0.734008",
                         "Error:5.489031744e-05 Prediction:0.8074088",
                         "Delta:0.0074088 Weight Delta:0.00814968"], [], 16),
    *_trask_lines("G8", ["Error:0.04 Prediction:1.0", "Error:0.36 Prediction:0.2",
                         "Error:3.24 Prediction:2.6"],
                  ["Error:6.67087267987e+14 Prediction:-25828031.8",
                   "Error:6.00378541188e+15 Prediction:77484098.6",
                   "Error:5.40340687069e+16 Prediction:-232452292.6"], 20),
    *_trask_lines("G9", ["Error:0.04 Prediction:1.0", "Error:0.0144 Prediction:0.92",
                         "Error:0.005184 Prediction:0.872"],
                  ["Error:1.48527717099e-10 Prediction:0.800012187195"], 20),
    *[_replay(k) for k in ("G2", "G3", "G3 step 0.2", "G3 step 10", "G4", "G5", "G6", "G7",
                           "G8", "G9")],
    BookNumber("G+", "critical alpha for input 2 (max_stable_lr)", "0.5", "bits",
               lambda r: r.critical_alpha),
    BookNumber("G+", "alphas behaving as 0 < alpha*input^2 < 2 predicts (of all)",
               "0 < alpha*input^2 < 2", "claim",
               lambda r: (int(np.sum(r.converged == ((r.alphas * r.input ** 2 > 0)
                                                     & (r.alphas * r.input ** 2 < 2)))),
                          int(r.alphas.size)),
               lambda v: v[0] == v[1]),

    # A -- Agile AI in Pharo ch. 4
    BookNumber("A1", "J(0.5, 3)", "1.75", "exact", lambda r: r.cost[0]),
    BookNumber("A1", "J(2, -0.5)", "0.67", "rounded", lambda r: r.cost[1]),
    BookNumber("A1", "J(2, -0.5) in float64", "0.6749999999999998", "exact",
               lambda r: r.cost[1]),
    BookNumber("A2", "MSE after the first update", "1.4127335", "exact",
               lambda r: r.mse[0]),
    BookNumber("A2", "minimum: a after 1000 updates", "1.42", "truncated",
               lambda r: r.a[-1]),
    BookNumber("A2", "minimum: b after 1000 updates", "1.39", "truncated",
               lambda r: r.b[-1]),
    BookNumber("A2", "every a, b and cost vs Bergel's script", "his script", "replay",
               lambda r: _bergel_replay(r)[:2], None, "code", _BERGEL),
    BookNumber("A3", "the cost tends to 0 (cost first, last)", "tends to 0", "claim",
               lambda r: (float(r.mse[0]), float(r.mse[-1])),
               lambda v: v[1] < 1e-3 * v[0]),
    BookNumber("A3", "and keeps falling", "tends to 0", "claim",
               lambda r: "decreasing" if _decreasing(r.mse) else "not decreasing",
               lambda v: v == "decreasing"),
    BookNumber("A4", "Random seed: 42, 1st draw", "0.00032870750889587566", "bits",
               lambda r: r.first_draws[0]),
    BookNumber("A4", "2nd draw", "0.5245871020129822", "bits", lambda r: r.first_draws[1]),
    BookNumber("A4", "3rd draw", "0.7354235321913956", "bits", lambda r: r.first_draws[2]),
    BookNumber("A4", "first point x", "0.01", "bits", lambda r: r.x[0]),
    BookNumber("A4", "first point y", "-0.18986851699644167", "bits", lambda r: r.y[0]),
    BookNumber("A4", "last point x", "1.0", "bits", lambda r: r.x[-1]),
    BookNumber("A4", "last point y", "0.97862954166654", "bits", lambda r: r.y[-1]),
    BookNumber("A4", "the model learns (cost first, last)", "cost falls", "claim",
               lambda r: (round(float(r.mse[0]), 6), round(float(r.mse[-1]), 6)),
               lambda v: v[1] < v[0] / 10),
    BookNumber("A5", "mini-batch SGD fits well (its cost, least squares')", "very similar",
               "claim", lambda r: (round(float(r.mse[-1]), 6), round(_least_squares_cost(r), 6)),
               lambda v: v[0] < 1.05 * v[1]),
    BookNumber("A4", "every a, b and cost vs Bergel's script", "his script", "replay",
               lambda r: _bergel_replay(r)[:2], None, "code", _BERGEL),
    BookNumber("A5", "every a, b and cost vs Bergel's script", "his script", "replay",
               lambda r: _bergel_replay(r, r.batch_size)[:2], None, "code", _BERGEL),
    BookNumber("A6", "GD, 3000 iterations, 30,000 points (s)", "27.479", "info",
               lambda r: r.gd_seconds),
    BookNumber("A6", "mini-batch SGD, 1000 epochs (s)", "18.847", "info",
               lambda r: r.sgd_seconds),
    BookNumber("A6", "work: SGD visits fewer points (points visited: GD, SGD)",
               "SGD faster", "claim", lambda r: (r.gd_points, r.sgd_points),
               lambda v: v[1] < v[0]),
    BookNumber("A6", "no loss of quality (final J: GD, SGD)", "very similar", "claim",
               lambda r: (float(f"{r.gd_cost:.3g}"), float(f"{r.sgd_cost:.3g}")),
               lambda v: v[1] <= v[0]),
    BookNumber("A7", "sigmoid' = s(1 - s): backward kernel", "s(1 - s)", "claim",
               lambda r: r.max_backward_vs_closed, lambda v: v <= 1e-15),
    BookNumber("A7", "s(1 - s) against central differences", "s(1 - s)", "claim",
               lambda r: r.max_closed_vs_numeric, lambda v: v <= 1e-9),

    # S -- the sigmoid neuron
    BookNumber("S1", "initial loss (w 0, b -8)", "0.4246312273161969", "exact",
               lambda r: r.loss[0]),
    BookNumber("S1", "a plateau: loss after 300 epochs / initial", "plateau", "claim",
               lambda r: float(r.loss[300] / r.loss[0]), lambda v: v > 0.99),
    BookNumber("S1", "then a drop: loss after 1000 epochs / initial", "drop", "claim",
               lambda r: float(r.loss[-1] / r.loss[0]), lambda v: v < 0.1),
    BookNumber("S1", "every w, b and loss vs the article's code", "its loop", "replay",
               _padhai_replay, None, "code",
               "the article's Python code (padhAI), run in plain Python with math.exp"),
    BookNumber("S2", "L(-2, -10)", "0.42499638454314176", "exact", lambda r: r.loss[0, 0]),
    BookNumber("S2", "L(-2, 2)", "0.5044529278317778", "exact", lambda r: r.loss[-1, 0]),

    # V -- Vasilev ch. 2
    BookNumber("V1", "P(red, jack)", "1/26", "fraction", lambda r: r.p_red_and_jack),
    BookNumber("V1", "P(heart2 | heart1) = 12/51", "0.235", "rounded",
               lambda r: float(r.p_second_heart)),
    BookNumber("V1", "Bayes: 0.98 * 0.02 / 0.039", "0.5025641025641026", "bits",
               lambda r: r.bayes),
    BookNumber("V1", "mean of the discrete variable", "2.3", "rounded", lambda r: r.mean),
    BookNumber("V1", "variance", "2.01", "rounded", lambda r: r.variance),
    BookNumber("V2", "I(0.8) in nats", "0.22", "rounded", lambda r: r.information_08),
    BookNumber("V2", "I(0.8) in float64", "0.2231435513142097", "exact",
               lambda r: r.information_08),
    BookNumber("V2", "I(0.2) in nats", "1.61", "rounded", lambda r: r.information_02),
    BookNumber("V2", "I(0.2) in float64", "1.6094379124341003", "exact",
               lambda r: r.information_02),
    BookNumber("V2", "entropy of a fair coin (nats)", "0.6931471805599453", "exact",
               lambda r: r.entropy_fair),
    BookNumber("V2", "entropy of a fair coin (bits)", "1.0", "exact",
               lambda r: r.entropy_fair_bits),
    BookNumber("V2", "entropy of (0.2, 0.8)", "0.5004024235381879", "exact",
               lambda r: r.entropy_biased),
    BookNumber("V2", "cross-entropy H(P, Q)", "0.916290731874155", "exact",
               lambda r: r.cross_entropy),
    BookNumber("V2", "KL(P || Q) = ln 1.25", "0.2231435513142097", "exact", lambda r: r.kl),
    BookNumber("V3", "a x b is perpendicular to a and b", "perpendicular", "claim",
               lambda r: (float(np.dot(r.cross, r.a)), float(np.dot(r.cross, r.b))),
               lambda v: v == (0.0, 0.0)),
    BookNumber("V3", "A x and A B as rows dotted with columns", "matrix products", "claim",
               lambda r: bool(np.array_equal(r.Ax, r.A @ r.x) and np.array_equal(r.AB, r.A @ r.B)),
               lambda v: v),
    BookNumber("V4", "sigma(sigma(2))", "0.707", "rounded", lambda r: r.sigma_sigma_2),
    BookNumber("V4", "sigma(sigma(2)) in float64", "0.7069873680001046", "exact",
               lambda r: r.sigma_sigma_2),
    BookNumber("V4", "ReLU(ReLU(2))", "2.0", "bits", lambda r: r.relu_relu_2),
    BookNumber("V4", "exp(1)", "2.7", "rounded", lambda r: r.exp1),
    BookNumber("V4", "exp(2)", "7.39", "rounded", lambda r: r.exp2),
    BookNumber("V4", "softmax: ratio of the probabilities of 1 and 2", "0.36", "truncated",
               lambda r: r.softmax_ratio),
    BookNumber("V4", "SELU lambda = SELU(1)", "1.0507009873554804934", "exact",
               lambda r: r.selu_lambda),
    BookNumber("V4", "SELU alpha = -SELU(-50)/lambda", "1.6732632423543772848", "exact",
               lambda r: -r.selu_floor / r.selu_lambda),
    BookNumber("V5", "boxcar y(0)", "7.0", "exact", lambda r: r.boxcar_y[2]),
    BookNumber("V5", "boxcar y(5)", "3.5", "exact", lambda r: r.boxcar_y[3]),
    BookNumber("V5", "boxcar y(-5)", "3.5", "exact", lambda r: r.boxcar_y[1]),
    BookNumber("V5", "boxcar y(10)", "0.0", "bits", lambda r: abs(r.boxcar_y[4])),
    BookNumber("V5", "boxcar y(-10)", "0.0", "bits", lambda r: abs(r.boxcar_y[0])),
    BookNumber("V5", "error falls as boxcars are added", "error falls", "claim",
               lambda r: r.mean_abs_errors, _decreasing),
    BookNumber("V6", "a single unit cannot separate XOR (accuracy)", "cannot", "claim",
               lambda r: r.single_accuracy, lambda v: v < 1.0),
    BookNumber("V6", "one hidden layer can (accuracy)", "can", "claim",
               lambda r: r.hidden_accuracy, lambda v: v == 1.0),
    BookNumber("V7", "softmax + cross-entropy gradient = softmax - target", "softmax - t",
               "claim", lambda r: float(np.max(np.abs(r.cross_entropy_grad
                                                      - (r.softmax - r.target)))),
               lambda v: v <= 1e-15),
    BookNumber("V7", "H(P, Q) = H(P) + KL(P || Q)", "H + KL", "claim",
               lambda r: abs(r.cross_entropy - (r.target_entropy + r.kl)),
               lambda v: v <= 1e-12),
    BookNumber("V8", "uniform initialisers stay within +-a", "within +-a", "claim",
               lambda r: (r.sample_max_abs[[0, 2]] / r.limits[[0, 2]]),
               lambda v: bool(np.all(v <= 1.0))),
    BookNumber("V8", "initialisers' std matches the formulas (5%)", "formula std",
               "claim", lambda r: r.sample_std / r.formula_std,
               lambda v: bool(np.all(np.abs(v - 1.0) < 0.05))),
    BookNumber("V8", "sigmoid stack: gradient vanishes towards layer 1", "vanishes",
               "claim", lambda r: float(r.gradient_rms[1, 0] / r.gradient_rms[1, -1]),
               lambda v: v < 1e-3),
    BookNumber("V8", "He-initialised ReLU keeps activation scale", "keeps scale",
               "claim", lambda r: float(r.activation_std[3, -1] / r.activation_std[3, 0]),
               lambda v: 0.5 < v < 2.0),
    BookNumber("V9", "momentum: v = mu v - lr g; theta += v (2 steps)", "by hand", "claim",
               lambda r: float(np.max(np.abs(r.paths[1, :3] - r.momentum_hand))),
               lambda v: v <= 1e-12),
    BookNumber("V9", "Nesterov: gradient at theta + mu v (2 steps)", "by hand", "claim",
               lambda r: float(np.max(np.abs(r.paths[2, :3] - r.nesterov_hand))),
               lambda v: v <= 1e-12),
    BookNumber("V9", "momentum, Nesterov, Adam beat SGD in the valley (final losses)",
               "faster", "claim", lambda r: r.final_loss,
               lambda v: bool(np.all(v[1:] < v[0]))),
    BookNumber("V9", "Adam m1 (beta1 0.9, gradient 10)", "1", "rounded",
               lambda r: r.adam_m1),
    BookNumber("V9", "Adam m1 in float64", "0.9999999999999998", "bits",
               lambda r: r.adam_m1),
    BookNumber("V9", "Adam bias-corrected m1", "10.0", "exact", lambda r: r.adam_m1_hat),

    # M -- Grokking ML appendix B
    # the book's grouping (lr * x) * err makes some intermediate steps an ulp
    # away, but the run ends on the book's very floats (docs/CHAPTERS.md)
    BookNumber("M1", "slope after 1000 square-trick steps", "51.04430678220095", "bits",
               lambda r: r.slope),
    BookNumber("M1", "intercept after 1000 square-trick steps", "91.59448307644864",
               "bits", lambda r: r.intercept),
    BookNumber("M1", "every slope, intercept vs the book's code (largest gap)",
               "its loop", "claim", _serrano_m1_gap, lambda v: v <= 1e-12, "code",
               "the book's code repository (Serrano, ch. 3 notebook), run in plain Python"),
    BookNumber("M2", "w1 after one perceptron step", "0.98", "exact",
               lambda r: r.w_after[0]),
    BookNumber("M2", "w2 after one perceptron step", "1.97", "exact",
               lambda r: r.w_after[1]),
    BookNumber("M2", "b after one perceptron step", "-4.01", "exact", lambda r: r.b_after),
    BookNumber("M3", "engine step = logistic trick (max difference)", "w += lr (y - yhat) x",
               "claim", lambda r: float(np.max(np.abs(r.first_step - r.first_step_trick))),
               lambda v: v <= 1e-12),
    BookNumber("M3", "every step vs the book's code (largest relative gap)",
               "the book's loop", "claim", lambda r: r.max_gap_to_book,
               lambda v: v <= 1e-12, "code",
               "the book's code repository (Serrano, ch. 6: data, random.seed(0) picks, "
               "lr 0.01, 1000 steps), run in plain Python"),
    BookNumber("M3", "the log loss falls (first, last)", "learns", "claim",
               lambda r: (round(_m3_loss(r, 0), 6), round(_m3_loss(r, -1), 6)),
               lambda v: v[1] < v[0]),
    BookNumber("M4", "engine step = the appendix's derivatives", "chain rule", "claim",
               lambda r: float(np.max(np.abs(r.first_step - r.first_step_formulas))),
               lambda v: v <= 1e-12),
    BookNumber("M4", "the network learns XOR (accuracy)", "learns", "claim",
               lambda r: r.accuracy, lambda v: v == 1.0),
    BookNumber("M5", "L1 step: w - lr*l1*sgn(w)", "shrinks", "claim",
               lambda r: float(np.max(np.abs(r.l1_path[1] - r.l1_step_formula))),
               lambda v: v <= 1e-12),
    BookNumber("M5", "L2 step: w*(1 - 2*lr*l2)", "shrinks", "claim",
               lambda r: float(np.max(np.abs(r.l2_path[1] - r.l2_step_formula))),
               lambda v: v <= 1e-12),
    BookNumber("M6", "some starts stop in a valley", "local minima", "claim",
               lambda r: int(r.stuck.sum()), lambda v: v > 0),
    BookNumber("M6", "the best restart finds the lowest valley", "random restarts",
               "claim", lambda r: round(float(r.final_value[r.best] - r.lowest_value), 9),
               lambda v: abs(v) <= 1e-6),
]


# ------------------------------------------------------------------ provenance

_FLOAT64 = "nnc's float64 value of a formula the chapter prints rounded, or prints only as a formula"
_ORIGINS = {
    ("A2", "MSE after the first update"):
        ("nnc", "computed by nnc: Bergel prints no cost after the first update"),
    ("S1", "initial loss (w 0, b -8)"):
        ("nnc", "computed by nnc: the article prints no loss values"),
    ("S2", "L(-2, -10)"): ("nnc", "computed by nnc: the article prints no loss values"),
    ("S2", "L(-2, 2)"): ("nnc", "computed by nnc: the article prints no loss values"),
    ("M1", "slope after 1000 square-trick steps"):
        ("code", "the book's code repository (Serrano, ch. 3 notebook: random.seed(0), "
                 "1000 square-trick steps)"),
    ("M1", "intercept after 1000 square-trick steps"):
        ("code", "the book's code repository (Serrano, ch. 3 notebook: random.seed(0), "
                 "1000 square-trick steps)"),
    ("M2", "w1 after one perceptron step"):
        ("nnc", "an example made for nnc with the appendix's perceptron rule"),
    ("M2", "w2 after one perceptron step"):
        ("nnc", "an example made for nnc with the appendix's perceptron rule"),
    ("M2", "b after one perceptron step"):
        ("nnc", "an example made for nnc with the appendix's perceptron rule"),
    ("V1", "Bayes: 0.98 * 0.02 / 0.039"): ("nnc", _FLOAT64),
    ("V2", "entropy of a fair coin (nats)"): ("nnc", _FLOAT64),
    ("V2", "entropy of (0.2, 0.8)"): ("nnc", _FLOAT64),
    ("V2", "cross-entropy H(P, Q)"): ("nnc", _FLOAT64),
    ("V2", "KL(P || Q) = ln 1.25"): ("nnc", _FLOAT64),
}
_PARK_MILLER = ("code", "Pharo's Random seed: 42 (Park-Miller), the generator Bergel's script calls")


def _provenance(n):
    """``(source, origin)`` of one number (see the module docstring)."""
    if n.source != "chapter":          # labelled where it is defined
        return n.source, n.origin
    if (n.run, n.quantity) in _ORIGINS:
        return _ORIGINS[(n.run, n.quantity)]
    if n.mode == "replay":
        return "code", "Trask's loops as printed in the chapter, run in plain Python"
    if "in float64" in n.quantity:
        return "nnc", _FLOAT64
    if n.run == "G+":
        return "nnc", "beyond the book: nnc's sweep of alpha and the rule 0 < alpha*input^2 < 2"
    if n.run == "A4" and ("draw" in n.quantity or "point" in n.quantity):
        return _PARK_MILLER
    return "chapter", ""


BOOK_NUMBERS = [BookNumber(n.run, n.quantity, n.book, n.mode, n.value, n.check,
                           *_provenance(n)) for n in BOOK_NUMBERS]
