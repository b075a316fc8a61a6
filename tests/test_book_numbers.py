"""The registry of book numbers: complete, and every row matching."""
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from nnc import book
from nnc.book.numbers import MODES, compare_value, format_table


@pytest.fixture(scope="module")
def compared():
    rows, results = book.compare()
    return rows, results


def test_every_book_number_matches(compared):
    rows, results = compared
    assert not [k for k, v in results.items() if isinstance(v, BaseException)]
    failing = [(r.number.run, r.number.quantity, r.number.book, r.nnc) for r in rows
               if r.match is False]
    assert failing == []
    assert len(rows) == len(book.BOOK_NUMBERS)


def test_every_walkthrough_has_a_function_a_run_and_numbers():
    ids = [wid for wid, _ in book.all_walkthroughs()]
    expected = ([f"G{i}" for i in range(1, 10)] + ["G+"] + [f"A{i}" for i in range(1, 8)]
                + ["S1", "S2"] + [f"V{i}" for i in range(1, 10)]
                + [f"M{i}" for i in range(1, 7)])
    assert ids == expected
    covered = {n.walkthrough for n in book.BOOK_NUMBERS}
    assert covered == set(ids)
    for n in book.BOOK_NUMBERS:
        assert n.run in book.RUNS and n.mode in MODES
        if n.mode == "claim":
            assert n.check is not None, (n.run, n.quantity)


# Every number WALKTHROUGHS.md quotes from the books, as printed there.
PRINTED = """
0.3025 0.30250000000000005 0.0225 0.004225 0.055225 0.11
Error:0.3025 Prediction:0.25|Error:0.30195025 Prediction:0.2505
Error:2.50000000033e-07 Prediction:0.7995|Error:1.07995057925e-27 Prediction:0.8
Error:19.8025 Prediction:5.25
0.85 -0.15 -1.275 0.11275
Error:0.17015625 Prediction:0.3875|Error:0.095712890625 Prediction:0.490625
Error:1.7092608064e-05 Prediction:0.79586567925|Error:9.61459203602e-06 Prediction:0.796899259437
Error:5.40820802026e-06 Prediction:0.797674444578
Error:0.64 Prediction:0.0|Error:0.36 Prediction:0.2|Error:0.2025 Prediction:0.35
Error:0.11390625 Prediction:0.4625
Weight:0.88|Error:0.028224 Prediction:0.968|Delta:0.168 Weight Delta:0.1848
Weight:0.6952|Error:0.0012446784 Prediction:0.76472|Delta:-0.03528 Weight Delta:-0.038808
Weight:0.734008|Error:5.489031744e-05 Prediction:0.8074088|Delta:0.0074088 Weight Delta:0.00814968
Delta:-0.8 Weight Delta:-0.88
Error:0.04 Prediction:1.0|Error:3.24 Prediction:2.6
Error:6.67087267987e+14 Prediction:-25828031.8|Error:6.00378541188e+15 Prediction:77484098.6
Error:5.40340687069e+16 Prediction:-232452292.6
Error:0.0144 Prediction:0.92|Error:0.005184 Prediction:0.872
Error:1.48527717099e-10 Prediction:0.800012187195
1.75 0.67 0.6749999999999998 1.42 1.39 1.4127335
0.00032870750889587566 0.5245871020129822 0.7354235321913956
-0.18986851699644167 0.97862954166654 27.479 18.847
0.4246312273161969 0.42499638454314176 0.5044529278317778
1/26 0.235 0.5025641025641026 2.3 2.01
0.22 0.2231435513142097 1.61 1.6094379124341003 0.6931471805599453
0.5004024235381879 0.916290731874155
0.707 0.7069873680001046 2.7 7.39 1.6732632423543772848 1.0507009873554804934
7.0 3.5 0.0 0.9999999999999998 10.0
51.04430678220095 91.59448307644864 0.98 1.97 -4.01
"""


def printed_numbers():
    out = []
    for line in PRINTED.strip().splitlines():
        if line.startswith(("Error:", "Weight:", "Delta:")):
            out += line.split("|")
        else:
            out += line.split()
    return out


@pytest.mark.parametrize("printed", printed_numbers())
def test_walkthroughs_number_is_in_the_registry(printed):
    assert printed in {n.book for n in book.BOOK_NUMBERS}


def test_registry_quotes_match_walkthroughs_md():
    # The repository's copy (also in the sdist); else shared/ beside the checkout.
    here = Path(__file__).resolve().parents[1] / "WALKTHROUGHS.md"
    md = here if here.exists() else Path(__file__).resolve().parents[2] / "shared" / "WALKTHROUGHS.md"
    if not md.exists():
        pytest.skip("WALKTHROUGHS.md is not beside this checkout")
    text = md.read_text()
    for n in book.BOOK_NUMBERS:
        if n.mode in ("bits", "exact", "rounded", "truncated") and re.fullmatch(
                r"-?\d+\.\d+(e[+-]\d+)?", n.book) and n.book not in ("0.0", "1.0", "2.0",
                                                                     "10.0", "7.0"):
            assert n.book in text, (n.run, n.quantity, n.book)


@pytest.mark.parametrize("mode, book_value, value, expected", [
    ("string", "Error:0.3025 Prediction:0.25", "Error:0.3025 Prediction:0.25", True),
    ("string", "Error:0.3025 Prediction:0.25", "Error:0.3025 Prediction:0.250", False),
    ("bits", "0.30250000000000005", 0.30250000000000005, True),
    ("bits", "0.30250000000000005", 0.3025, False),
    ("bits", "0.0", -0.0, False),
    ("exact", "0.2231435513142097", 0.22314355131420976, True),
    ("exact", "0.2231435513142097", 0.2231435513145, False),
    ("exact", "0.0", 0.0, True),
    ("exact", "0.0", 1e-300, False),
    ("rounded", "0.67", 0.6749999999999998, True),
    ("rounded", "0.67", 0.6751, False),
    ("truncated", "1.42", 1.4291923593027176, True),
    ("truncated", "1.42", 1.4301, False),
    ("fraction", "1/26", Fraction(1, 26), True),
    ("fraction", "1/26", 1 / 26, False),
    ("replay", "his loop", (41, 41), True),
    ("replay", "his loop", (40, 41), False),
    ("replay", "his loop", (0, 0), False),
    ("info", "27.479", 0.1, True),
])
def test_compare_value(mode, book_value, value, expected):
    assert compare_value(mode, book_value, value) is expected


def test_compare_claim_and_unknown_mode():
    assert compare_value("claim", "x", 3, lambda v: v > 2)
    assert not compare_value("claim", "x", 1, lambda v: v > 2)
    with pytest.raises(ValueError, match="mode"):
        compare_value("nearly", "1", 1.0)


def test_a_broken_row_or_run_fails(compared):
    rows, results = compared
    wrong = book.BookNumber("G1", "error", "0.3026", "string", lambda r: book.py2str(r.error))
    raising = book.BookNumber("G1", "missing", "1", "exact", lambda r: r.no_such_attribute)
    out = book.numbers.evaluate_rows([wrong, raising], results)
    assert [r.match for r in out] == [False, False]
    assert out[1].nnc.startswith("AttributeError")
    out = book.numbers.evaluate_rows([wrong], {"G1": RuntimeError("boom")})
    assert out[0].match is False and "boom" in out[0].nnc


def test_format_table(compared):
    rows, _ = compared
    text = format_table(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["id", "quantity", "source", "compared", "match"]
    entries = [ln for ln in lines[2:lines.index("")] if not ln.startswith(" ")]
    assert len(entries) == len(rows)
    assert all(ln.rstrip().endswith(("yes", "info")) for ln in entries)
    assert "            book: Error:0.3025 Prediction:0.25" in lines
    assert max(map(len, lines)) <= 80


def test_select_and_run():
    rows, results = book.compare("G5")
    assert set(results) == {"G5"} and all(r.number.run == "G5" for r in rows)
    assert set(book.run_all("S")) == {"S1", "S2"}
    assert "G3 step 10" in book.run_all("G3")
    with pytest.raises(ValueError, match="no walkthrough"):
        book.compare("Z9")
    with pytest.raises(KeyError, match="unknown walkthrough"):
        book.run("G10")
    assert isinstance(book.run("G1"), book.Result)


def test_results_have_plain_array_attributes(compared):
    _, results = compared
    for key, res in results.items():
        assert isinstance(res, book.Result), key
        assert res.id == key.split()[0]
        assert str(res).startswith(f"{res.id}: ")
        arrays = [v for v in vars(res).values() if isinstance(v, np.ndarray)]
        assert arrays or key in ("G1", "M2") or hasattr(res, "cost"), key
        assert res.lines(), key


def test_replay_rows_catch_a_single_flipped_bit():
    run = book.g5_gradient_descent()
    row = next(n for n in book.BOOK_NUMBERS if n.run == "G5" and n.mode == "replay")
    assert row.value(run) == (41, 41)
    run.weights = run.weights.copy()
    run.weights[7] = np.nextafter(run.weights[7], 1.0)
    assert row.value(run) == (40, 41)
    hot = book.g3_hot_cold(step=0.2, iterations=50)
    row = next(n for n in book.BOOK_NUMBERS if n.run == "G3 step 0.2" and n.mode == "replay")
    assert row.value(hot) == (101, 101)


def test_s1_replay_row_is_bit_for_bit_and_catches_a_flipped_bit(compared):
    """S1 replays the article's loop: every w, b and loss (3 x 1001 values)."""
    rows, results = compared
    row = next(r for r in rows if r.number.run == "S1" and r.number.mode == "replay")
    assert row.match is True and row.nnc == "3003 of 3003 values identical"
    run = book.s1_sigmoid_neuron(epochs=50)
    assert row.number.value(run) == (153, 153)
    run.loss = run.loss.copy()
    run.loss[20] = np.nextafter(run.loss[20], 1.0)
    assert row.number.value(run) == (152, 153)
