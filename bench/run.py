#!/usr/bin/env python
"""nnc beside its peers, as time and ratio, in one run.

    python bench/run.py                 # tasks a, b, c at full size (a few minutes)
    python bench/run.py --quick         # small sizes, one repeat: a smoke run
    python bench/run.py --tasks a,c --repeats 5 --json out.json
    python bench/run.py --check         # exit 1 when an aim is not met (quiet machine)

Tasks (issue 3):
  (a) Bergel's line fit (Agile AI in Pharo, ch. 4): 30,000 noisy Park-Miller points,
      f(x) = a*x + b from (0.5, 3), MSE (mean), full-batch gradient descent, lr 0.01,
      3000 iterations, float64.
  (b) the same with mini-batches of 5 in data order, 1000 epochs.
  (c) a 64-64-10 MLP (Dense, ReLU, Dense, softmax cross-entropy) on scikit-learn's
      digits (75/25 stratified split, random_state 0, pixels / 16), Adam lr 1e-3,
      batch 32, shuffled, 30 epochs, float32; test accuracy reported.

Peers: nnc, NumPy, PyTorch eager (CPU), scikit-learn, Numba (plain @njit loops, and
fastmath shown separately) and JAX (jit + lax.scan) where installed and where they
compute the same thing, and pure Python. Everything runs on ONE thread. Peers
too slow for the full work run fewer epochs (or steps) and their time is scaled
linearly; such rows are marked with * and a footnote. Every peer's result is checked
against nnc's (see README.md beside this file).
"""
from __future__ import annotations

import os

if __name__ == "__main__":  # before NumPy is imported: one BLAS/OpenMP thread
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse
import datetime
import gc
import importlib
import json
import math
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import numpy as np  # noqa: E402

try:  # an installed nnc first; else the source tree (built in place)
    import nnc  # noqa: F401,E402
except ImportError:
    sys.path.insert(0, os.path.join(_ROOT, "src"))
    sys.modules.pop("nnc", None)

from peers import data  # noqa: E402

# ---------------------------------------------------------------- configuration

#: Work per task. ``reduced`` gives, for peers too slow for the full work, how many
#: epochs (a, b) or optimizer steps (c) they actually run; their time is scaled.
FULL = {
    "a": dict(n=30000, epochs=3000, lr=0.01, a0=0.5, b0=3.0, batch_size=None,
              reduced={"python": 100}),
    "b": dict(n=30000, epochs=1000, lr=0.01, a0=0.5, b0=3.0, batch_size=5,
              reduced={"numpy": 10, "torch": 2, "python": 50}),
    "c": dict(epochs=30, lr=1e-3, batch_size=32, hidden=64, dtype="float32", seed=0,
              reduced={"python": 30}, check_samples=160, check_epochs=2, acc_seeds=5),
}
QUICK = {
    "a": dict(FULL["a"], n=3000, epochs=300, reduced={"python": 10}),
    "b": dict(FULL["b"], n=3000, epochs=30, reduced={"numpy": 3, "torch": 1, "python": 3}),
    "c": dict(FULL["c"], epochs=3, reduced={"python": 3}, check_samples=64, check_epochs=2,
              acc_seeds=1),
}

#: Peer key -> module under bench/peers/, in table order.
PEER_MODULES = {"nnc": "nnc_peer", "numpy": "numpy_peer", "torch": "torch_peer",
                "sklearn": "sklearn_peer", "numba": "numba_peer",
                "numba_fm": "numba_fastmath_peer", "jax": "jax_peer",
                "python": "pure_python"}

#: Agreement tolerances in float64: max |difference| with the reference.
LINE_TOL = 1e-9
MLP_TOL = 1e-9

#: Aims: (issue, task, peer, minimum speed-up of nnc, i.e. peer time / nnc time).
#: Issue 10: the mini-batch fit within 1.5x of a plain Numba loop, the MLP ahead
#: of JAX's compiled lax.scan loop.
AIMS = [("3", "a", "numpy", 4.0), ("3", "b", "numpy", 150.0), ("3", "c", "torch", 5.0),
        ("10", "b", "numba", 1 / 1.5), ("10", "c", "jax", 1.0)]
AIM_ACCURACY_POINTS = 1.0


# ---------------------------------------------------------------- peers

@dataclass
class Peer:
    key: str
    name: str = ""
    module: Any = None
    version: str = ""
    missing: str = ""          # why the peer cannot run (empty: it can)

    @property
    def ok(self) -> bool:
        return self.module is not None and not self.missing

    def does(self, what: str) -> bool:
        return self.ok and hasattr(self.module, what)


def load_peers(keys) -> dict:
    """Import each requested peer module; a missing dependency becomes a note."""
    peers = {}
    names = {"nnc": "nnc", "numpy": "NumPy", "torch": "PyTorch eager",
             "sklearn": "scikit-learn", "numba": "Numba @njit",
             "numba_fm": "Numba @njit(fastmath)", "jax": "JAX jit+scan",
             "python": "pure Python"}
    for key in PEER_MODULES:
        if key not in keys:
            continue
        peer = Peer(key, names[key])
        try:
            peer.module = importlib.import_module("peers." + PEER_MODULES[key])
            peer.version = peer.module.version()
            if hasattr(peer.module, "available"):
                ok, why = peer.module.available()
                if not ok:
                    peer.missing = why
        except ImportError as exc:
            peer.missing = f"not installed ({exc.name or exc})"
        peers[key] = peer
    return peers


# ---------------------------------------------------------------- timing

def best_of(fn, repeats: int):
    """(best wall time in s, result of the last call) over ``repeats`` calls, with
    the garbage collector off inside the clock, as ``timeit`` does."""
    best = math.inf
    result = None
    for _ in range(max(1, repeats)):
        gc.collect()
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            t0 = time.perf_counter()
            result = fn()
            dt = time.perf_counter() - t0
        finally:
            if was_enabled:
                gc.enable()
        best = min(best, dt)
    return best, result


# ---------------------------------------------------------------- tasks

@dataclass
class Row:
    key: str
    name: str
    time: Optional[float] = None        # seconds for the FULL work (scaled if reduced)
    ran: Optional[int] = None           # epochs/steps actually run
    full: Optional[int] = None          # epochs/steps of the full work
    values: dict = field(default_factory=dict)
    check: Optional[float] = None       # max |difference| with the reference
    check_ok: Optional[bool] = None
    note: str = ""

    @property
    def scaled(self) -> bool:
        return self.ran is not None and self.full is not None and self.ran != self.full


def line_loss(x, y, a, b) -> float:
    r = a * x + b - y
    return float(np.mean(r * r))


def able_peers(peers: dict, rows: list, ability: str, unable_note: str):
    """Yield (key, peer, row) for every peer that is installed and offers
    `ability`; every peer gets a row appended to `rows`, a skipped one with a
    note saying why (not installed, or `unable_note`)."""
    for key, peer in peers.items():
        row = Row(key, peer.name)
        rows.append(row)
        if not peer.ok:
            row.note = peer.missing
        elif not peer.does(ability):
            row.note = unable_note
        else:
            yield key, peer, row


def run_line_task(task: str, cfg: dict, peers: dict, repeats: int, full_work: bool):
    """Tasks (a) and (b): every peer fits the line; nnc (or NumPy when nnc is
    missing) is also run for each reduced epoch count, unclocked, to check the
    reduced peers against the same amount of work."""
    x, y = data.noisy_line(cfg["n"])
    kw = dict(a0=cfg["a0"], b0=cfg["b0"], lr=cfg["lr"], batch_size=cfg["batch_size"])
    rows = []
    for key, peer, row in able_peers(peers, rows, "line_fit",
                                     "no comparable algorithm (see README)"):
        epochs = cfg["epochs"] if full_work else cfg["reduced"].get(key, cfg["epochs"])
        native = peer.module.prepare_line(x, y)
        peer.module.line_fit(native, epochs=1, **kw)  # warm-up: lazy set-up, caches
        t, res = best_of(lambda: peer.module.line_fit(native, epochs=epochs, **kw), repeats)
        row.time = t * cfg["epochs"] / epochs
        row.ran, row.full = epochs, cfg["epochs"]
        row.values = dict(a=res.a, b=res.b, J=line_loss(x, y, res.a, res.b))

    ref_key = "nnc" if "nnc" in peers and peers["nnc"].ok else "numpy"
    ref_rows = [r for r in rows if r.key == ref_key and r.values]
    if ref_rows:
        ref = peers[ref_key].module
        native = ref.prepare_line(x, y)
        cache = {ref_rows[0].ran: ref_rows[0].values}
        for row in rows:
            if not row.values:
                continue
            if row.ran not in cache:
                res = ref.line_fit(native, epochs=row.ran, **kw)
                cache[row.ran] = dict(a=res.a, b=res.b)
            want = cache[row.ran]
            row.check = float(max(abs(row.values["a"] - want["a"]), abs(row.values["b"] - want["b"])))
            row.check_ok = bool(row.check <= LINE_TOL)
    return rows, ref_key


def mlp_init(cfg: dict, peers: dict):
    """The shared starting weights: nnc's own initialiser when nnc has its engine,
    else NumPy Xavier-uniform with the same seed."""
    sizes = (64, cfg["hidden"], 10)
    if "nnc" in peers and peers["nnc"].ok:
        return peers["nnc"].module.initial_mlp_params(sizes, seed=cfg["seed"]), "nnc (seed 0)"
    return data.xavier_uniform_init(sizes, seed=cfg["seed"]), "NumPy Xavier-uniform (seed 0)"


def run_mlp_task(cfg: dict, peers: dict, repeats: int, full_work: bool):
    """Task (c): clocked runs as configured (float32, shuffled), test accuracy;
    then an unclocked check in float64 without shuffling, from the same initial
    weights, on the first ``check_samples`` training samples for ``check_epochs``:
    every peer that can start from given weights must land on nnc's parameters."""
    Xtr, Xte, ytr, yte = data.digits_split()
    init, init_from = mlp_init(cfg, peers)
    steps_per_epoch = -(-len(Xtr) // cfg["batch_size"])
    full_steps = cfg["epochs"] * steps_per_epoch
    kw = dict(lr=cfg["lr"], batch_size=cfg["batch_size"], seed=cfg["seed"])
    rows = []
    for key, peer, row in able_peers(peers, rows, "mlp_fit", "no comparable model"):
        native = peer.module.prepare_mlp(Xtr, ytr) if key == "python" else \
            peer.module.prepare_mlp(Xtr, ytr, dtype=cfg["dtype"])
        steps = None if full_work else cfg["reduced"].get(key)
        peer.module.mlp_fit(native, init=init, epochs=1, shuffle=True, dtype=cfg["dtype"],
                            max_steps=None if steps is None else 1, **kw)  # warm-up
        t, res = best_of(lambda: peer.module.mlp_fit(
            native, init=init, epochs=cfg["epochs"], shuffle=True, dtype=cfg["dtype"],
            max_steps=steps, **kw), repeats)
        if steps is None:
            row.time, row.ran, row.full = t, full_steps, full_steps
            accs = [float(np.mean(np.argmax(res.predict(Xte), axis=1) == yte))]
            for extra_seed in range(1, cfg["acc_seeds"]):  # unclocked: other shufflings
                kw_s = dict(kw, seed=cfg["seed"] + extra_seed)
                res_s = peer.module.mlp_fit(native, init=init, epochs=cfg["epochs"], shuffle=True,
                                            dtype=cfg["dtype"], **kw_s)
                accs.append(float(np.mean(np.argmax(res_s.predict(Xte), axis=1) == yte)))
            row.values = dict(accuracy=float(np.mean(accs)), accuracies=accs,
                              loss=res.final_loss)
        else:
            row.time, row.ran, row.full = t * full_steps / steps, steps, full_steps
            row.values = {}
        if key == "sklearn":
            row.note = "own initial weights and shuffling; its Adam puts eps on uncorrected sqrt(v)"

    # the same-computation check (float64, unshuffled, same start)
    ref_key = "nnc" if "nnc" in peers and peers["nnc"].ok else "numpy"
    m = cfg["check_samples"]
    ckw = dict(init=init, lr=cfg["lr"], epochs=cfg["check_epochs"], batch_size=cfg["batch_size"],
               shuffle=False, seed=cfg["seed"], dtype="float64")
    check_params = {}
    for key, peer in peers.items():
        if not peer.does("mlp_fit") or key == "sklearn":
            continue
        native = peer.module.prepare_mlp(Xtr[:m], ytr[:m]) if key == "python" else \
            peer.module.prepare_mlp(Xtr[:m], ytr[:m], dtype="float64")
        check_params[key] = peer.module.mlp_fit(native, **ckw).params
    if ref_key in check_params:
        want = check_params[ref_key]
        for row in rows:
            got = check_params.get(row.key)
            if got is None:
                continue
            row.check = max(float(np.max(np.abs(g - w))) for g, w in zip(got, want))
            row.check_ok = bool(row.check <= MLP_TOL)
    meta = dict(init_from=init_from, n_train=len(Xtr), n_test=len(Xte),
                steps_per_epoch=steps_per_epoch, check_samples=m,
                check_epochs=cfg["check_epochs"])
    return rows, ref_key, meta


# ---------------------------------------------------------------- printing

def fmt_time(t: Optional[float]) -> str:
    if t is None:
        return "-"
    if t >= 100:
        return f"{t:.0f}"
    if t >= 1:
        return f"{t:.2f}"
    return f"{t:.4f}"


def fmt_ratio(row: Row, nnc_time: Optional[float]) -> str:
    if row.time is None or nnc_time is None or row.key == "nnc":
        return "-"
    r = row.time / nnc_time
    return f"{r:.3g}x" if r >= 1 else f"{r:.2g}x (slower)"


def fmt_check(row: Row, ref_name: str) -> str:
    if row.check is None:
        return "-"
    if row.key == ref_name:
        return "(reference)"
    return f"{row.check:.1e} {'ok' if row.check_ok else 'DIFFERS'}"


def print_table(headers, lines, out):
    widths = [max(len(str(h)), *(len(str(ln[i])) for ln in lines)) for i, h in enumerate(headers)]
    fmt = "  ".join("{:<%d}" % w if i == 0 else "{:>%d}" % w for i, w in enumerate(widths))
    print("  " + fmt.format(*headers).rstrip(), file=out)
    print("  " + "  ".join("-" * w for w in widths), file=out)
    for ln in lines:
        print("  " + fmt.format(*[str(v) for v in ln]).rstrip(), file=out)


def print_notes(rows, unit: str, check_what: str, ref_key: str, peers, out):
    star = [r for r in rows if r.scaled]
    for r in star:
        print(f"  * {r.name}: ran {r.ran} of {r.full} {unit}; time scaled x{r.full / r.ran:g}"
              f" (linear: the work per {unit.rstrip('s')} is constant); {check_what}", file=out)
    for r in rows:
        if r.note:
            print(f"  - {r.name}: {r.note}", file=out)
    if ref_key != "nnc":
        print(f"  ! nnc did not run: checks are against {peers[ref_key].name} instead", file=out)


def report_line(task, cfg, rows, ref_key, peers, out):
    if cfg["batch_size"] is None:
        title = f"full-batch gradient descent, {cfg['epochs']} iterations"
    else:
        title = f"mini-batches of {cfg['batch_size']} in data order, {cfg['epochs']} epochs"
    print(f"\n({task}) Line fit, Bergel's noisy line, N={cfg['n']:,}: {title}, "
          f"lr {cfg['lr']}, from (a, b) = ({cfg['a0']}, {cfg['b0']}), MSE mean, float64", file=out)
    nnc_time = next((r.time for r in rows if r.key == "nnc"), None)
    ref_name = ref_key
    lines = []
    for r in rows:
        if r.time is None:
            lines.append([r.name, "skipped", "", "", "", "", ""])
            continue
        v = r.values
        lines.append([r.name, fmt_time(r.time) + ("*" if r.scaled else ""), fmt_ratio(r, nnc_time),
                      f"{v['a']:.15f}", f"{v['b']:.15f}", f"{v['J']:.12g}", fmt_check(r, ref_name)])
    print_table(["peer", "time [s]", "nnc is .. faster", "final a", "final b", "J(a, b)",
                 f"max|d(a,b)| vs {peers[ref_key].name}"], lines, out)
    unit = "iterations" if task == "a" else "epochs"
    book = {"a": (3000, None, "27.479"), "b": (1000, 5, "18.847")}[task]
    if cfg["n"] == 30000 and (cfg["epochs"], cfg["batch_size"]) == book[:2]:
        print(f"  for scale: the book (Bergel, ch. 4) reports {book[2]} s for this run in Pharo "
              f"on a 3.2 GHz Core i5 (its time includes making the points)", file=out)
    print_notes(rows, unit, f"a, b, J are from that shorter run, checked against "
                f"{peers[ref_key].name} run for as many {unit}", ref_key, peers, out)


def report_mlp(cfg, rows, ref_key, meta, peers, out):
    print(f"\n(c) MLP 64-{cfg['hidden']}-10 (Dense, ReLU, Dense, softmax cross-entropy) on digits "
          f"({meta['n_train']} train / {meta['n_test']} test), Adam lr {cfg['lr']}, batch "
          f"{cfg['batch_size']}, shuffled, {cfg['epochs']} epochs = {cfg['epochs'] * meta['steps_per_epoch']} "
          f"steps, {cfg['dtype']}", file=out)
    nnc_time = next((r.time for r in rows if r.key == "nnc"), None)
    nnc_acc = next((r.values.get("accuracy") for r in rows if r.key == "nnc" and r.values), None)
    lines = []
    for r in rows:
        if r.time is None:
            lines.append([r.name, "skipped", "", "", "", ""])
            continue
        acc = r.values.get("accuracy")
        dacc = "-" if acc is None or nnc_acc is None or r.key == "nnc" else \
            f"{100 * (acc - nnc_acc):+.2f}"
        accs = r.values.get("accuracies") or []
        acc_txt = "-" if acc is None else f"{100 * acc:.2f}%" + (
            f" ({100 * min(accs):.1f}-{100 * max(accs):.1f})" if len(accs) > 1 else "")
        lines.append([r.name, fmt_time(r.time) + ("*" if r.scaled else ""), fmt_ratio(r, nnc_time),
                      acc_txt, dacc, fmt_check(r, ref_key)])
    seeds = cfg["acc_seeds"]
    acc_head = "test acc" if seeds == 1 else f"test acc, mean of {seeds} (range)"
    print_table(["peer", "time [s]", "nnc is .. faster", acc_head, "vs nnc [pts]",
                 f"same-start check vs {peers[ref_key].name}"], lines, out)
    print(f"  initial weights: {meta['init_from']}, the same for every peer but scikit-learn; "
          f"each peer shuffles with its own generator", file=out)
    if seeds > 1:
        print(f"  test accuracy: mean over shuffling seeds {cfg['seed']}..{cfg['seed'] + seeds - 1} "
              f"(seed {cfg['seed']} is the timed run; the others are not clocked)", file=out)
    print(f"  same-start check: float64, no shuffling, first {meta['check_samples']} training "
          f"samples, {meta['check_epochs']} epochs; max |difference| over all parameters", file=out)
    print_notes(rows, "steps", "no accuracy (it did not finish training)", ref_key, peers, out)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.lower().startswith("model name"):
                    return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    parts = []
    for lib in threadpool_info():
        if lib.get("user_api") != "blas":
            continue
        desc = f"{lib.get('internal_api')} {lib.get('version') or ''}".strip()
        if lib.get("architecture"):
            desc += f" ({lib['architecture']})"
        desc += f" [{os.path.basename(lib.get('filepath', ''))}, {lib.get('num_threads')} thread(s)]"
        parts.append(desc)
    return "; ".join(parts) or "none found"


def git_commit(where: str) -> str:
    """Short commit of the git checkout holding ``where`` ("" when none)."""
    try:
        out = subprocess.run(["git", "-C", where, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def header(peers, args, out) -> dict:
    info = dict(date=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                cpu=cpu_model(), logical_cpus=os.cpu_count(), machine=platform.machine(),
                os=platform.platform(), python=platform.python_version(),
                load=os.getloadavg() if hasattr(os, "getloadavg") else None,
                versions={p.name: (p.version or "-") + ("" if p.ok else " (not run)")
                          for p in peers.values()},
                blas=blas_info(), repeats=args.repeats, quick=args.quick)
    try:
        import nnc
        info["nnc_path"] = os.path.dirname(os.path.abspath(nnc.__file__))
        info["nnc_commit"] = git_commit(info["nnc_path"])
    except ImportError:
        info["nnc_path"], info["nnc_commit"] = "-", ""
    print(f"nnc benchmark  {info['date']}{'  (--quick: small sizes)' if args.quick else ''}", file=out)
    print(f"  CPU: {info['cpu']} ({info['logical_cpus']} logical CPUs, {info['machine']}), "
          f"{info['os']}", file=out)
    if info["load"] is not None:
        print("  load average before the run: " + " ".join(f"{v:.2f}" for v in info["load"]), file=out)
    print("  " + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
          + (f"; nnc commit {info['nnc_commit']}" if info["nnc_commit"] else ""), file=out)
    info["line_data"] = data.noisy_line_source()
    print(f"  nnc from {info['nnc_path']}; line data from {info['line_data']}", file=out)
    print(f"  BLAS (threadpoolctl, limited to 1 thread for the run): {info['blas']}", file=out)
    print(f"  one thread for everyone; time = best of {args.repeats} run(s) of the training "
          f"call (data conversion outside the clock)", file=out)
    return info


def aims_summary(results, out) -> list:
    lines = []
    for issue, task, key, factor in AIMS:
        res = results.get(task)
        if not res:
            continue
        rows = {r.key: r for r in res["rows"]}
        n, p = rows.get("nnc"), rows.get(key)
        if p is None or (p.time is None and "not installed" in p.note):
            continue  # an optional peer that is absent: nothing to say
        if n is None or n.time is None or p.time is None:
            lines.append(f"({task}) nnc >= {factor:.3g}x {p.name}: not measured [issue {issue}]")
            continue
        ratio = p.time / n.time
        ok = ratio >= factor
        extra = ""
        if task == "c":
            a_n, a_p = n.values.get("accuracy"), p.values.get("accuracy")
            if a_n is not None and a_p is not None:
                d = 100 * abs(a_n - a_p)
                ok = ok and d <= AIM_ACCURACY_POINTS
                extra = f", accuracy {100 * a_n:.2f}% vs {100 * a_p:.2f}% ({d:.1f} points)"
        lines.append(f"({task}) nnc >= {factor:.3g}x {p.name}: {ratio:.3g}x{extra} -> "
                     f"{'met' if ok else 'NOT met'} [issue {issue}]")
    if lines:
        print("\nAims:", file=out)
        for ln in lines:
            print("  " + ln, file=out)
    return lines


# ---------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes and 1 repeat: a smoke run")
    p.add_argument("--tasks", default="a,b,c",
                   help="comma-separated subset of a,b,c,s (s: sweeps, bench/sweep_task.py)")
    p.add_argument("--peers", default=",".join(PEER_MODULES),
                   help="comma-separated subset of " + ",".join(PEER_MODULES))
    p.add_argument("--repeats", type=int, default=None,
                   help="timed runs per peer, best taken (default 3; 1 with --quick)")
    p.add_argument("--full-work", action="store_true",
                   help="run every peer for the full work (no scaling; pure Python takes long)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--check", action="store_true",
                   help="exit 1 when an aim is not met (for a quiet machine)")
    args = p.parse_args(argv)
    args.tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    bad = [t for t in args.tasks if t not in FULL and t != "s"]
    if bad:
        p.error(f"--tasks: unknown task(s) {', '.join(bad)}; choose from a, b, c")
    args.peers = [k.strip() for k in args.peers.split(",") if k.strip()]
    bad = [k for k in args.peers if k not in PEER_MODULES]
    if bad:
        p.error(f"--peers: unknown peer(s) {', '.join(bad)}; choose from {', '.join(PEER_MODULES)}")
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.repeats < 1:
        p.error(f"--repeats must be >= 1, got {args.repeats}")
    return args


def run(argv=None, out=None, config=None) -> dict:
    """Run the benchmark; returns ``{"header": ..., task: {"rows": [Row], "ref": key,
    ...}, "aims": [...]}``. ``config`` overrides the per-task settings (tests use it
    for tiny sizes)."""
    args = parse_args(argv)
    out = out or sys.stdout
    cfgs = {t: dict((QUICK if args.quick else FULL)[t]) for t in args.tasks if t != "s"}
    for t, over in (config or {}).items():
        if t in cfgs:
            cfgs[t].update(over)
    peers = load_peers(args.peers)

    limiter = None
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=1)
    except ImportError:
        pass
    torch_threads = None
    if "torch" in peers and peers["torch"].ok:
        import torch
        torch_threads = torch.get_num_threads()
        peers["torch"].module.set_single_thread()
    try:
        results = {"header": header(peers, args, out)}
        for task in args.tasks:
            if task == "s":  # sweeps: its own peers and table (bench/sweep_task.py)
                import sweep_task
                results["s"] = sweep_task.run(quick=args.quick, out=out)
                continue
            cfg = cfgs[task]
            if task in ("a", "b"):
                rows, ref_key = run_line_task(task, cfg, peers, args.repeats, args.full_work)
                report_line(task, cfg, rows, ref_key, peers, out)
                results[task] = dict(rows=rows, ref=ref_key, config=cfg)
            else:
                if "numpy" not in peers and "nnc" not in peers:
                    print("\n(c) skipped: needs nnc or NumPy as the reference", file=out)
                    continue
                try:
                    data.digits_split()
                except ImportError:
                    print("\n(c) skipped: scikit-learn is needed for the digits data", file=out)
                    continue
                rows, ref_key, meta = run_mlp_task(cfg, peers, args.repeats, args.full_work)
                report_mlp(cfg, rows, ref_key, meta, peers, out)
                results[task] = dict(rows=rows, ref=ref_key, config=cfg, meta=meta)
        results["aims"] = aims_summary(results, out)
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
        if torch_threads is not None:
            import torch
            torch.set_num_threads(torch_threads)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(to_jsonable(results), f, indent=2)
    return results


def to_jsonable(obj):
    if isinstance(obj, Row):
        d = dict(obj.__dict__)
        d["scaled"] = obj.scaled
        return to_jsonable(d)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def main(argv=None) -> int:
    results = run(argv)
    bad = [r.name for t in ("a", "b", "c") if t in results for r in results[t]["rows"]
           if r.check_ok is False]
    if bad:
        print("\nWARNING: results differ from the reference for: " + ", ".join(bad))
        return 1
    if parse_args(argv).check and any("NOT met" in ln or "not measured" in ln
                                      for ln in results["aims"]):
        print("\n--check: an aim is not met")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
