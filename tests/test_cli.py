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


def test_cli_runs_every_walkthrough_and_every_row_matches(full_run):
    proc = full_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["walkthrough", "quantity", "book", "nnc", "compared", "match"]
    table = lines[2:2 + len(book.BOOK_NUMBERS)]
    assert len(table) == len(book.BOOK_NUMBERS)
    assert all(ln.rstrip().endswith(("yes", "info")) for ln in table)
    assert sum(ln.rstrip().endswith("info") for ln in table) == 2  # Bergel's timings
    runs = {ln.split()[0] for ln in table}
    assert {wid for wid, _ in book.all_walkthroughs()} <= runs
    compared = len(book.BOOK_NUMBERS) - 2
    assert f"{compared} of {compared} book numbers match" in proc.stdout
    for printed in ("Error:5.40340687069e+16 Prediction:-232452292.6", "51.04430678220095",
                    "0.00032870750889587566", "0.4246312273161969"):
        assert printed in proc.stdout


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
