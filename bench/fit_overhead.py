#!/usr/bin/env python
"""What one small ``fit`` costs: microseconds per call, beside the same loop
written in plain Python and (when installed) in Numba.

    python bench/fit_overhead.py             # 7 interleaved rounds, medians
    python bench/fit_overhead.py --rounds 3 --calls 500
    valgrind --tool=callgrind python bench/fit_overhead.py --loop 1000    # and --loop 11000:
        instructions per call = (Ir(11000) - Ir(1000)) / 10000, repeatable on a busy machine

Tasks (issue 11, item 3: "a cheap fit"):
  one-weight  Trask's one-weight model (Grokking DL ch. 4): Dense(1, 1, bias=False),
              X = [[2.0]], y = [0.8], squared error (mean), SGD lr 0.1, 20 epochs,
              the same model and optimizer fitted again and again (the loop of a
              notebook cell or an alpha sweep written by hand).
  2-2-1       a 2-2-1 sigmoid network (Dense, Sigmoid, Dense, Sigmoid) on the four
              XOR rows, MSE, SGD lr 0.5, 20 full-batch epochs.

Peers: nnc ``fit``; ``fit`` on a NEW model and optimizer every call (no cache to
reuse: the first-call cost); a plain-Python loop doing the same arithmetic on
floats (one-weight) or on NumPy arrays (2-2-1); a Numba ``@njit`` loop when numba
is installed.  The rounds interleave the peers; per round each peer keeps the best
of five short batches (on a loaded machine a long batch measures the load), and
the medians over rounds are reported.  The loops' results are checked against
nnc's before timing.
"""
from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
import nnc  # noqa: E402

try:
    import numba
except ImportError:  # optional peer
    numba = None

EPOCHS = 20


# ------------------------------------------------------------------ one weight
def one_weight_nnc():
    m = nnc.Sequential([nnc.Dense(1, 1, bias=False, init="zeros")])
    m.layers[0].weight[...] = 0.5
    X, y, opt = np.array([[2.0]]), np.array([0.8]), nnc.SGD(0.1)

    def call():
        m.fit(X, y, loss="mse", optimizer=opt, epochs=EPOCHS)
    return call, m


def one_weight_fresh():
    X, y = np.array([[2.0]]), np.array([0.8])

    def call():
        m = nnc.Sequential([nnc.Dense(1, 1, bias=False, init="zeros")])
        m.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=EPOCHS)
    return call


def one_weight_python(w=0.5, x=2.0, y=0.8, lr=0.1, epochs=EPOCHS):
    for _ in range(epochs):
        w -= lr * (2.0 * (w * x - y) * x)
    return w


# ---------------------------------------------------------------------- 2-2-1
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def net_nnc():
    m = nnc.Sequential([nnc.Dense(2, 2), nnc.Sigmoid(), nnc.Dense(2, 1), nnc.Sigmoid()], seed=1)
    opt = nnc.SGD(0.5)

    def call():
        m.fit(XOR_X, XOR_Y, loss="mse", optimizer=opt, epochs=EPOCHS)
    return call, m


def net_python(W1, b1, W2, b2, X=XOR_X, Y=XOR_Y, lr=0.5, epochs=EPOCHS):
    n = X.shape[0]
    for _ in range(epochs):
        a1 = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))
        a2 = 1.0 / (1.0 + np.exp(-(a1 @ W2 + b2)))
        d2 = 2.0 * (a2 - Y) / n * a2 * (1.0 - a2)
        d1 = (d2 @ W2.T) * a1 * (1.0 - a1)
        W2 -= lr * (a1.T @ d2)
        b2 -= lr * d2.sum(axis=0)
        W1 -= lr * (X.T @ d1)
        b1 -= lr * d1.sum(axis=0)
    return W1, b1, W2, b2


# ---------------------------------------------------------------------- timing
def per_call_us(fn, calls, batches=5):
    """The best of `batches` short batches: a batch short enough to run
    between two preemptions shows the cost of a call, not the machine's load."""
    best = math.inf
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, time.perf_counter() - t0)
    return best / calls * 1e6


def peers(calls):
    one, _ = one_weight_nnc()
    net, model = net_nnc()
    params = [a.copy() for a in model.parameters()]
    rows = [("one-weight", "nnc fit (same model)", one),
            ("one-weight", "nnc fit (new model each call)", one_weight_fresh()),
            ("one-weight", "plain Python loop", one_weight_python),
            ("2-2-1", "nnc fit (same model)", net),
            ("2-2-1", "plain Python + NumPy loop",
             lambda: net_python(*[a.copy() for a in params]))]
    if numba is not None:
        jit_one = numba.njit(one_weight_python)
        jit_one()
        rows.insert(3, ("one-weight", "Numba @njit loop", jit_one))
    return rows


def check():
    """The loops compute what nnc computes (before any timing)."""
    _, m = one_weight_nnc()
    m.fit(np.array([[2.0]]), np.array([0.8]), loss="mse", optimizer=nnc.SGD(0.1),
          epochs=EPOCHS)
    assert abs(float(m.layers[0].weight[0, 0]) - one_weight_python()) < 1e-12
    _, net = net_nnc()
    start = [a.copy() for a in net.parameters()]
    net.fit(XOR_X, XOR_Y, loss="mse", optimizer=nnc.SGD(0.5), epochs=EPOCHS)
    ref = net_python(*start)
    for got, want in zip(net.parameters(), ref):
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12), (got, want)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median taken)")
    p.add_argument("--calls", type=int, default=200,
                   help="calls per batch (5 batches per peer per round, the best kept)")
    p.add_argument("--loop", type=int, metavar="N",
                   help="no timing: N one-weight fits of the same model, then exit (run it "
                        "under callgrind with two N; the difference gives a call's instructions)")
    args = p.parse_args(argv)
    if args.loop is not None:
        call, _ = one_weight_nnc()
        for _ in range(args.loop):
            call()
        return 0
    check()
    rows = peers(args.calls)
    times = {i: [] for i in range(len(rows))}
    gc.disable()  # as timeit does: no collection of other objects inside a batch
    for _ in range(args.rounds):
        for i, (_, _, fn) in enumerate(rows):
            times[i].append(per_call_us(fn, args.calls))
    gc.enable()
    load = (f"; load average {os.getloadavg()[0]:.1f} at the end"
            if hasattr(os, "getloadavg") else "")
    print(f"fit overhead: {EPOCHS} epochs per call; per round and peer the best of 5 "
          f"batches of {args.calls} calls; {args.rounds} interleaved rounds, median (min) "
          f"us per call; numpy {np.__version__}"
          f"{', numba ' + numba.__version__ if numba else ', numba not installed'}{load}")
    for i, (task, peer, _) in enumerate(rows):
        print(f"  {task:<11} {peer:<32} {statistics.median(times[i]):8.2f} "
              f"({min(times[i]):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
