#!/usr/bin/env python
"""Task (s) of bench/run.py: sweeps, many small training runs at once (issue 11).

    python bench/sweep_task.py            # full size
    python bench/sweep_task.py --quick    # a smoke run
    python bench/run.py --tasks s         # the same through the harness

(s1) 10,000 fits of Trask's one-weight model (Grokking Deep Learning ch. 4):
     input 2, goal 0.8, weight 0.5, 20 gradient steps, alphas over (0, 1.5],
     squared error with Trask's 1/2.  Peers: nnc.sweep (one C call, one thread,
     record="final": the final weights and losses, as the peers compute; and
     with record="epoch", the 10,000 x 20 loss record too),
     nnc.book.alpha_sweep (the walkthrough on nnc.sweep, printing included),
     NumPy vectorised over the alphas, a Numba @njit loop, PyTorch tensor ops
     (CPU, one thread), and a Python loop of model.fit (run on fewer alphas,
     time scaled, marked *).
(s2) 1,000 fits of the sigmoid neuron (PadhAI's two points, 1000 epochs of
     full-batch gradient descent, lr 1) from 1,000 random starts: nnc.sweep with
     1 and 2 threads, NumPy vectorised over the starts, and a Python loop of fit
     (scaled).

Every peer's final weights are checked against nnc's: the one-weight model
must agree bit for bit (the same IEEE operations in the same order); the
sigmoid neuron to 1e-9 (NumPy's exp is not nnc's).
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    import nnc
except ImportError:
    sys.path.insert(0, os.path.join(_ROOT, "src"))
    sys.modules.pop("nnc", None)
    import nnc

FULL = dict(k1=10_000, steps=20, k2=1_000, epochs=1_000, loop1=500, loop2=20)
QUICK = dict(k1=500, steps=20, k2=40, epochs=200, loop1=20, loop2=4)


def best_of(fn, repeats):
    """Median and best wall time over ``repeats`` calls (gc off inside the clock),
    and the last result."""
    times, result = [], None
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        finally:
            gc.enable()
    return float(np.median(times)), min(times), result


# ------------------------------------------------------------------ (s1) Trask

def trask_alphas(k):
    return np.linspace(0.0, 1.5, k + 1)[1:]


def s1_nnc(alphas, steps, threads=1, record="final"):
    m = nnc.Sequential([nnc.Dense(1, 1, bias=False)], seed=0)
    m.layers[0].weight[...] = 0.5
    s = nnc.sweep(m, [[2.0]], [[0.8]], loss=nnc.losses.MSE(reduction="sum", half=True),
                  optimizer=nnc.SGD(lr=alphas), epochs=steps, divergence=None, threads=threads,
                  record=record)
    return s.params[:, 0]


def s1_book(alphas, steps):
    r = nnc.book.alpha_sweep(alphas, steps=steps)
    str(r)  # the walkthrough prints its table
    return None


def s1_numpy(alphas, steps):
    w = np.full(alphas.size, 0.5)
    for _ in range(steps):
        delta = 2.0 * w - 0.8            # pred - goal
        w = w - alphas * (delta * 2.0)   # weight_delta = delta * input
    return w


def s1_python_loop(alphas, steps):
    out = np.empty(alphas.size)
    loss = nnc.losses.MSE(reduction="sum", half=True)
    for i, a in enumerate(alphas.tolist()):
        m = nnc.Sequential([nnc.Dense(1, 1, bias=False)], seed=0)
        m.layers[0].weight[...] = 0.5
        m.fit([[2.0]], [[0.8]], loss=loss, optimizer=nnc.SGD(a), epochs=steps, divergence=None)
        out[i] = m.layers[0].weight[0, 0]
    return out


def s1_numba_fn():
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(cache=False)
    def run(alphas, steps):
        w = np.empty(alphas.size)
        for i in range(alphas.size):
            wi = 0.5
            for _ in range(steps):
                delta = 2.0 * wi - 0.8
                wi = wi - alphas[i] * (delta * 2.0)
            w[i] = wi
        return w
    return run


def s1_torch_fn():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def run(alphas, steps):
        a = torch.from_numpy(alphas)
        w = torch.full_like(a, 0.5)
        for _ in range(steps):
            delta = 2.0 * w - 0.8
            w = w - a * (delta * 2.0)
        return w.numpy()
    return run


# ------------------------------------------------------------ (s2) sigmoid neuron

def s2_starts(k):
    rng = np.random.default_rng(0)
    return rng.uniform(-6, 6, size=(k, 2))  # (w, b) per start


def s2_nnc(starts, epochs, threads):
    x, y = nnc.datasets.padhai_toy()
    m = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], seed=0)
    s = nnc.sweep(m, x[:, None], y[:, None], loss=nnc.losses.MSE(reduction="sum", half=True),
                  optimizer=nnc.SGD(1.0), epochs=epochs, params=starts, divergence=None,
                  threads=threads)
    return s.params


def s2_numpy(starts, epochs):
    x, y = nnc.datasets.padhai_toy()
    w, b = starts[:, 0].copy(), starts[:, 1].copy()
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(np.outer(w, x) + b[:, None])))
        d = (p - y) * p * (1.0 - p)
        w = w - d @ x
        b = b - d.sum(axis=1)
    return np.stack([w, b], axis=1)


def s2_python_loop(starts, epochs):
    x, y = nnc.datasets.padhai_toy()
    out = np.empty_like(starts)
    loss = nnc.losses.MSE(reduction="sum", half=True)
    for i, (w0, b0) in enumerate(starts.tolist()):
        m = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], seed=0)
        m.set_flat_params([w0, b0])
        m.fit(x[:, None], y[:, None], loss=loss, optimizer=nnc.SGD(1.0), epochs=epochs,
              divergence=None)
        out[i] = m.get_flat_params()
    return out


# ------------------------------------------------------------------ the table

def _race(out, res, key, peers, repeats):
    """Times the peers interleaved (one round of every peer per repeat), prints
    a row each (median, best, ratio to the first peer, nnc.sweep on 1 thread,
    and whether the result is bit-identical to its), records the medians in
    res under "<key> <peer>"; returns (reference result, its median time,
    {peer: times})."""
    times = {n: [] for n, _ in peers}
    results = {}
    for _ in range(repeats):
        for name, fn in peers:
            med, _, r = best_of(fn, 1)
            times[name].append(med)
            results[name] = r
    ref_name = peers[0][0]
    ref, ref_time = results[ref_name], float(np.median(times[ref_name]))
    for name, _ in peers:
        r = results[name]
        if r is None:
            check = ""
        elif np.array_equal(r, ref):
            check = "bit-identical"
        else:
            d = float(np.max(np.abs(r - ref)))
            check = f"max diff {d:.3g}" + ("" if d < 1e-9 else " (!)")
        _row(out, name, float(np.median(times[name])), min(times[name]), ref_time, check)
        res[f"{key} {name}"] = float(np.median(times[name]))
    return ref, ref_time, times


def _row(out, name, med, best, ref_time, check, note=""):
    ratio = f"{med / ref_time:9.2f}x" if ref_time else ""
    print(f"  {name:34s} {1e3 * med:11.3f} ms {1e3 * best:11.3f} ms {ratio:>10s}  {check}"
          f"{note}", file=out)


def run(quick=False, repeats=None, out=None):
    """Runs (s1) and (s2); prints the tables; returns {name: median seconds}."""
    out = out or sys.stdout
    cfg = QUICK if quick else FULL
    repeats = repeats or (1 if quick else 7)
    res = {}
    alphas = trask_alphas(cfg["k1"])
    print(f"\n(s) sweeps; the machine's load: {os.getloadavg()[0]:.1f} (1-min average)",
          file=out)
    print(f"\n(s1) {cfg['k1']:,} Trask one-weight fits, {cfg['steps']} steps each", file=out)
    print(f"  {'peer':34s} {'median':>14s} {'best':>14s} {'vs nnc':>10s}  check", file=out)
    peers = [("nnc.sweep (1 thread)", lambda: s1_nnc(alphas, cfg["steps"])),
             ("nnc.sweep, record='epoch'", lambda: s1_nnc(alphas, cfg["steps"],
                                                          record="epoch")),
             ("nnc.book.alpha_sweep", lambda: s1_book(alphas, cfg["steps"])),
             ("NumPy vectorised", lambda: s1_numpy(alphas, cfg["steps"]))]
    nb = s1_numba_fn()
    if nb is not None:
        nb(alphas[:2], 1)  # compile outside the clock
        peers.append(("Numba @njit loop", lambda: nb(alphas, cfg["steps"])))
    th = s1_torch_fn()
    if th is not None:
        peers.append(("PyTorch tensor ops", lambda: th(alphas, cfg["steps"])))
    ref, ref_time, times = _race(out, res, "s1", peers, repeats)
    n_loop = cfg["loop1"]
    med, best, r = best_of(lambda: s1_python_loop(alphas[:n_loop], cfg["steps"]),
                           max(1, repeats // 3))
    scale = alphas.size / n_loop
    check = "bit-identical" if np.array_equal(r, ref[:n_loop]) else "DIFFERS"
    _row(out, "Python loop of fit *", med * scale, best * scale, ref_time, check,
         f"  (* {n_loop} fits, time x {scale:g})")
    res["s1 Python loop of fit"] = med * scale

    starts = s2_starts(cfg["k2"])
    print(f"\n(s2) {cfg['k2']:,} sigmoid-neuron fits from random starts, {cfg['epochs']} "
          f"epochs each", file=out)
    print(f"  {'peer':34s} {'median':>14s} {'best':>14s} {'vs nnc':>10s}  check", file=out)
    peers = [("nnc.sweep (1 thread)", lambda: s2_nnc(starts, cfg["epochs"], 1)),
             ("nnc.sweep (2 threads)", lambda: s2_nnc(starts, cfg["epochs"], 2)),
             ("NumPy vectorised", lambda: s2_numpy(starts, cfg["epochs"]))]
    ref, ref_time, times = _race(out, res, "s2", peers, max(1, repeats // 2))
    n_loop = cfg["loop2"]
    med, best, r = best_of(lambda: s2_python_loop(starts[:n_loop], cfg["epochs"]), 1)
    scale = starts.shape[0] / n_loop
    check = "bit-identical" if np.array_equal(r, ref[:n_loop]) else "DIFFERS"
    _row(out, "Python loop of fit *", med * scale, best * scale, ref_time, check,
         f"  (* {n_loop} fits, time x {scale:g})")
    res["s2 Python loop of fit"] = med * scale
    t1, t2 = res["s2 nnc.sweep (1 thread)"], res["s2 nnc.sweep (2 threads)"]
    print(f"\n  2 threads vs 1: {t1 / t2:.2f}x faster (aim: >= 1.8x on an idle 2-core "
          f"machine)", file=out)
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=None)
    args = p.parse_args(argv)
    run(quick=args.quick, repeats=args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
