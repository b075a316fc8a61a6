"""Smoke test of bench/run.py on tiny sizes: every peer that ran must compute what
nnc computes (values, never timings). Peers that are not installed are skipped by
the harness itself; while nnc has no training engine the peers are held to NumPy."""
import importlib.util
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_PY = os.path.join(ROOT, "bench", "run.py")

TINY = {
    "a": dict(n=400, epochs=40, reduced={"python": 4}),
    "b": dict(n=400, epochs=4, reduced={"numpy": 2, "torch": 1, "python": 2}),
    "c": dict(epochs=3, reduced={"python": 2}, check_samples=64, check_epochs=2),
}


def _load_run():
    spec = importlib.util.spec_from_file_location("nnc_bench_run", RUN_PY)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while building
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench():
    return _load_run()


@pytest.fixture(scope="module")
def results(bench, tmp_path_factory):
    pytest.importorskip("sklearn")  # the digits of task (c)
    out = io.StringIO()
    path = tmp_path_factory.mktemp("bench") / "out.json"
    # the compiled peers (Numba, JAX) are left out: their compile time would
    # dominate a smoke run
    res = bench.run(["--quick", "--repeats", "1", "--json", str(path),
                     "--peers", "nnc,numpy,torch,sklearn,python"], out=out, config=TINY)
    res["_text"] = out.getvalue()
    res["_json"] = path
    return res


def _nnc_has_engine(bench):
    ok, _ = bench.importlib.import_module("peers.nnc_peer").available()
    return ok


def test_park_miller_line_is_bergels(bench):
    # WALKTHROUGHS.md A4: Pharo's `Random seed: 42` and the 100-point line
    draws = bench.data.park_miller_draws(3)
    assert draws.tolist() == [0.00032870750889587566, 0.5245871020129822, 0.7354235321913956]
    for make in (bench.data.noisy_line, bench.data.bench_noisy_line):
        x, y = make(100)
        assert (x[0], y[0]) == (0.01, -0.18986851699644167)
        assert (x[-1], y[-1]) == (1.0, 0.97862954166654)


def test_line_data_is_the_same_from_nnc_datasets(bench):
    # the benchmark uses nnc.datasets once it exists; it must be bench's line bit for bit
    if bench.data.noisy_line_source() != "nnc.datasets.noisy_line":
        pytest.skip("nnc has no datasets.noisy_line yet")
    x1, y1 = bench.data.noisy_line(30000)
    x2, y2 = bench.data.bench_noisy_line(30000)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)


def test_every_line_peer_agrees_with_the_reference(results, bench):
    for task in ("a", "b"):
        rows = results[task]["rows"]
        ran = [r for r in rows if r.values]
        assert {"numpy", "python"} <= {r.key for r in ran}, task
        for r in ran:
            assert r.check is not None, (task, r.name)
            assert r.check <= bench.LINE_TOL, (task, r.name, r.check)
            assert np.isfinite(r.time) and r.time > 0
        # the check is not vacuous: the reduced pure-Python run moved (a, b) off the start
        py = next(r for r in ran if r.key == "python")
        assert abs(py.values["a"] - 0.5) > 1e-3 and py.scaled


def test_every_mlp_peer_agrees_with_the_reference(results, bench):
    rows = {r.key: r for r in results["c"]["rows"]}
    checked = [r for r in rows.values() if r.check is not None]
    assert {"numpy", "python"} <= {r.key for r in checked}
    for r in checked:
        assert r.check <= bench.MLP_TOL, (r.name, r.check)
    accs = {k: r.values["accuracy"] for k, r in rows.items() if r.values.get("accuracy") is not None}
    assert "numpy" in accs
    for k, acc in accs.items():  # 3 epochs already learn the digits well
        assert acc > 0.75, (k, acc)
    assert max(accs.values()) - min(accs.values()) < 0.08, accs


def test_nnc_is_the_reference_once_it_has_its_engine(results, bench):
    if not _nnc_has_engine(bench):
        pytest.skip("nnc has no training engine yet")
    for task in ("a", "b", "c"):
        assert results[task]["ref"] == "nnc"
        nnc_row = next(r for r in results[task]["rows"] if r.key == "nnc")
        assert nnc_row.time is not None and not nnc_row.scaled
    # An aim stated against PyTorch can only be measured where torch is installed.
    has_torch = importlib.util.find_spec("torch") is not None
    assert all("not measured" not in ln for ln in results["aims"]
               if has_torch or "PyTorch" not in ln), results["aims"]


def test_torch_ran_when_installed(results):
    try:
        import torch  # noqa: F401
    except ImportError:
        pytest.skip("torch not installed")
    for task in ("a", "b", "c"):
        row = next(r for r in results[task]["rows"] if r.key == "torch")
        assert row.values and row.check is not None, task


def test_report_and_json(results):
    text = results["_text"]
    for marker in ("CPU:", "BLAS", "(a) Line fit", "(b) Line fit", "(c) MLP", "ran 2 of 4 epochs"):
        assert marker in text
    assert "DIFFERS" not in text
    saved = json.loads(results["_json"].read_text())
    assert {"header", "a", "b", "c"} <= set(saved)
    assert saved["a"]["rows"][0]["key"] == "nnc"


def test_bad_arguments_are_refused(bench, capsys):
    for argv in (["--tasks", "a,z"], ["--peers", "numpy,julia"], ["--repeats", "0"]):
        with pytest.raises(SystemExit) as exc:
            bench.parse_args(argv)
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown task(s) z" in err and "unknown peer(s) julia" in err


def test_command_line_runs():
    proc = subprocess.run([sys.executable, RUN_PY, "--quick", "--tasks", "a",
                           "--peers", "nnc,numpy,python"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "(a) Line fit" in proc.stdout and "NumPy" in proc.stdout


@pytest.mark.skipif(not (os.environ.get("CC") or __import__("shutil").which("cc")),
                    reason="bench/l2_floor.py needs a C compiler")
def test_l2_floor_runs_and_reports_a_ratio():
    """bench/l2_floor.py compiles its read loop and its hand-written C line fit,
    checks that the C loop lands on nnc's bits (same arithmetic, same order:
    the script exits 1 otherwise), and prints the ratios (positive numbers,
    never held to anything here)."""
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "l2_floor.py"),
                           "--repeats", "1", "--n", "1000", "--iterations", "20"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "bit-identical to nnc's" in proc.stdout, proc.stdout
    for label in ("nnc / read floor", "hand-written C / read floor", "nnc / hand-written C"):
        line = [s for s in proc.stdout.splitlines() if s.strip().startswith(label)]
        assert len(line) == 1, proc.stdout
        assert float(line[0][len(label) + 2:].split()[0].rstrip("x")) > 0, proc.stdout


def test_vmath_paths_reports_every_path():
    """bench/vmath_paths.py times nnc's tanh and sigmoid on every path this
    machine runs beside NumPy and prints one row per function, dtype and size
    (values only: the ratios are never held to anything here)."""
    from nnc import _core
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "vmath_paths.py"),
                           "--repeats", "1", "--sizes", "100"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [s for s in proc.stdout.splitlines() if s.startswith("| tanh") or
            s.startswith("| sigmoid")]
    assert len(rows) == 4, proc.stdout
    levels = _core._isa_levels()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 3 + 2 * len(levels) + 1, row
        assert all(float(c) > 0 for c in cells[3:]), row


def test_gemm_bench_rounds_prints_medians_and_ranges():
    """bench/gemm.py --rounds: one table row per (dtype, threads, n), each
    with a median ratio and its range over the rounds (values only)."""
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gemm.py"),
                           "--sizes", "16", "--rounds", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = [s for s in proc.stdout.splitlines() if s.startswith("| float")]
    assert len(rows) == 4, proc.stdout
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        median, spread = cells[5].split(" ")
        lo, hi = (float(x) for x in spread.strip("[]").split("-"))
        assert 0 < lo <= float(median) <= hi, row
