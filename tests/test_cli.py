"""``python -m nnc``: the table of book numbers, run as a user would."""
import io
import subprocess
import sys
from pathlib import Path

import pytest

import nnc
from nnc import __main__ as cli
from nnc import book

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "nnc", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def full_run():
    return run_cli()


def _entries(stdout):
    """The table's first lines (one per book number): id, ..., source, compared, match."""
    lines = stdout.splitlines()
    body = lines[2:lines.index("")]
    return [ln for ln in body if not ln.startswith(" ")]


def test_cli_runs_every_walkthrough_and_every_row_matches(full_run):
    proc = full_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["id", "quantity", "source", "compared", "match"]
    table = _entries(proc.stdout)
    assert len(table) == len(book.BOOK_NUMBERS)
    assert all(ln.rstrip().endswith(("yes", "info")) for ln in table)
    info = sum(n.mode == "info" for n in book.BOOK_NUMBERS)
    assert info == 2        # Bergel's two Pharo timings
    assert sum(ln.rstrip().endswith("info") for ln in table) == info
    runs = {ln.split()[0] for ln in table}
    assert {wid for wid, _ in book.all_walkthroughs()} <= runs
    compared = len(book.BOOK_NUMBERS) - info
    assert f"{compared} of {compared} book numbers match" in proc.stdout
    for printed in ("Error:5.40340687069e+16 Prediction:-232452292.6", "51.04430678220095",
                    "0.00032870750889587566", "0.4246312273161969"):
        assert printed in proc.stdout


def test_cli_table_fits_80_columns_and_shows_provenance(full_run):
    """Finding 4: every row names its source; no line is wider than 80."""
    out = full_run.stdout
    assert max(len(ln) for ln in out.splitlines()) <= 80
    table = _entries(out)
    sources = [ln[53:61].strip() for ln in table]  # the fixed source column
    assert set(sources) == {"chapter", "code", "nnc"}
    by_quantity = {(n.run, n.quantity): n.source for n in book.BOOK_NUMBERS}
    # the values the chapters do not print are not presented as the book's
    for key in [("A2", "MSE after the first update"), ("S1", "initial loss (w 0, b -8)"),
                ("S2", "L(-2, -10)"), ("S2", "L(-2, 2)"), ("M2", "w1 after one perceptron step"),
                ("M2", "b after one perceptron step")]:
        assert by_quantity[key] == "nnc", key
    assert by_quantity[("M1", "slope after 1000 square-trick steps")] == "code"
    assert "ref: 1.4127335" in out and "code: 51.04430678220095" in out
    assert "Where the values not printed in a chapter come from:" in out
    assert "Serrano, ch. 3 notebook" in out


def test_every_code_or_nnc_number_names_its_origin():
    for n in book.BOOK_NUMBERS:
        assert n.source in book.numbers.SOURCES
        assert (n.source == "chapter") == (n.origin == ""), n
    with pytest.raises(ValueError, match="must name its origin"):
        book.BookNumber("G1", "x", "1", "bits", float, source="nnc")
    with pytest.raises(ValueError, match="source must be one of"):
        book.BookNumber("G1", "x", "1", "bits", float, source="web", origin="somewhere")


def test_format_table_wraps_long_values_to_the_width():
    n = book.BookNumber("G1", "a quantity whose name is long enough to need a second line "
                        "of the table", "z" * 150, "string", str)
    rows = [book.Row(n, "y" * 150, True)]
    for width in (60, 80, 100):
        text = book.format_table(rows, width=width)
        assert max(map(len, text.splitlines())) <= width
        assert "".join(ln.strip() for ln in text.splitlines()).count("z") == 150
    with pytest.raises(ValueError, match="width"):
        book.format_table(rows, width=20)


def test_cli_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"nnc {nnc.__version__}"


def test_cli_only_and_show():
    proc = run_cli("--only", "G5,A1", "--show")
    assert proc.returncode == 0, proc.stderr
    assert "Error:0.3025 Prediction:0.25" in proc.stdout
    assert "J(0.5, 3.0) = 1.75" in proc.stdout
    assert "2 runs in" in proc.stdout
    assert "\nG1 " not in proc.stdout


def test_cli_list_does_not_run():
    proc = run_cli("--list")
    assert proc.returncode == 0
    for wid, fn in book.all_walkthroughs():
        assert fn.__name__ in proc.stdout
    assert "book numbers match" not in proc.stdout


def test_cli_unknown_id():
    proc = run_cli("--only", "Z")
    assert proc.returncode == 2
    assert "no walkthrough matches" in proc.stderr


def test_cli_exits_1_when_a_row_does_not_match(monkeypatch):
    wrong = book.BookNumber("G1", "error, misprinted", "0.3026", "string",
                            lambda r: book.py2str(r.error))
    monkeypatch.setattr(book, "BOOK_NUMBERS", book.BOOK_NUMBERS + [wrong])
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["--only", "G1"], out=out, err=err) == 1
    assert "0.3026" in out.getvalue() and "NO" in out.getvalue()


def test_cli_exits_1_when_a_run_raises(monkeypatch):
    def broken():
        raise RuntimeError("engine exploded")
    monkeypatch.setitem(book.RUNS, "G1", broken)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["--only", "G1"], out=out, err=err) == 1
    assert "engine exploded" in err.getvalue()


def test_cli_figures(tmp_path):
    pytest.importorskip("matplotlib")
    proc = run_cli("--only", "G5,S", "--figures", str(tmp_path / "figs"))
    assert proc.returncode == 0, proc.stderr
    pngs = sorted(p.name for p in (tmp_path / "figs").glob("*.png"))
    assert pngs == ["G5.png", "S1.png", "S2_3d.png", "S2_contour.png"]
    assert all((tmp_path / "figs" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_cli_quiet_when_the_reader_closes_the_pipe():
    """``python -m nnc --show | head -1``: no BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "nnc", "--only", "G5", "--show"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()        # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) in (0, 1)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
