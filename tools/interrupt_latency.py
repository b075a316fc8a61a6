"""Measures how long nnc takes to raise KeyboardInterrupt after a SIGINT.

    python tools/interrupt_latency.py [--trials N] [--big]

Each trial starts a long call (fit with large full batches, fit with
mini-batches, loss_surface, matmul), sends SIGINT to the process from a
timer thread at a random moment, and records the time from the kill to the
KeyboardInterrupt reaching Python.  --big adds the 60,000 x 256 full-batch
fit (Dense(256, 256) -> ReLU -> Dense(256, 10), cross-entropy).  Prints the
median and the maximum per kind.  Timing is the machine's: run it on an idle
machine for figures worth quoting.  (Not a test: tests assert values, not
times; tests/adversarial checks what an interrupt leaves behind.)
"""
import argparse
import os
import signal
import statistics
import sys
import threading
import time

import numpy as np

import nnc


def _one(call, delay):
    """Runs call() with a SIGINT at `delay` seconds; returns the latency (s) or
    None when the call finished first."""
    sent = [None]

    def kill():
        sent[0] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(delay, kill)
    timer.start()
    try:
        call()
    except KeyboardInterrupt:
        return time.perf_counter() - sent[0]
    finally:
        timer.join()
    # The call ended before the signal; let the handler fire and swallow it.
    try:
        time.sleep(0.01)
    except KeyboardInterrupt:
        pass
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    X = rng.normal(size=(8192, 256)).astype(np.float32)
    y = rng.integers(0, 10, size=8192)
    mk = lambda: nnc.Sequential([nnc.Dense(256, 256), nnc.ReLU(), nnc.Dense(256, 10)],
                                dtype="float32")
    m = mk()
    kinds = {
        "fit full batch 8192 x 256": lambda: m.fit(X, y, loss="cross_entropy",
                                                   optimizer=nnc.SGD(0.01), epochs=100000),
        "fit batch_size=32 8192 x 256": lambda: m.fit(X, y, loss="cross_entropy",
                                                      optimizer=nnc.Adam(), epochs=100000,
                                                      batch_size=32, shuffle=True),
        "loss_surface 8192 x 256": lambda: nnc.loss_surface(
            m, X, y, "cross_entropy", (("layers.0.weight", (0, 0)), ("layers.0.bias", (0,))),
            (np.linspace(-1, 1, 300), np.linspace(-1, 1, 300))),
        "matmul 3000^3 float64": (lambda a=rng.normal(size=(3000, 3000)): nnc.matmul(a, a)),
    }
    if args.big:
        Xb = rng.normal(size=(60000, 256))
        yb = rng.integers(0, 10, size=60000)
        mb = nnc.Sequential([nnc.Dense(256, 256), nnc.ReLU(), nnc.Dense(256, 10)])
        kinds["fit full batch 60000 x 256 (float64)"] = lambda: mb.fit(
            Xb, yb, loss="cross_entropy", optimizer=nnc.SGD(0.01), epochs=100000)
    worst = 0.0
    for name, call in kinds.items():
        lat = []
        for _ in range(args.trials):
            v = _one(call, float(rng.uniform(0.05, 0.6)))
            if v is not None:
                lat.append(v)
        if lat:
            worst = max(worst, max(lat))
            print(f"{name:40s} n={len(lat):3d}  median {1e3 * statistics.median(lat):7.1f} ms"
                  f"  max {1e3 * max(lat):7.1f} ms", flush=True)
    print(f"max over all trials: {1e3 * worst:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
