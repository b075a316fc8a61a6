#!/usr/bin/env python
"""The elementwise table: nnc's tanh and sigmoid, forward and backward, beside
NumPy and PyTorch, at 10, 100, 10k and 1M values, float32 and float64.

    python bench/elementwise.py                 # the table (about a minute)
    python bench/elementwise.py --quick         # sizes 10 and 10k, fewer repeats
    python bench/elementwise.py --check         # exit 1 if a ratio is below its aim
    python bench/elementwise.py --json out.json

Peers compute what a user would write: NumPy ``np.tanh(x)``, ``1 / (1 + np.exp(-x))``,
``dy * (1 - np.tanh(x) ** 2)`` and ``s = 1/(1+np.exp(-x)); dy * (s * (1 - s))``;
PyTorch ``torch.tanh``, ``torch.sigmoid`` and the same backward formulas on torch
tensors (views of the same memory).  One thread everywhere.  Each cell is the
median over interleaved repeats (the peers take turns), each repeat timing a loop
long enough to last about 2 ms.  The ratio is peer time / nnc time: above 1, nnc
is faster.

Aims (issue 10), checked by --check on a quiet machine: at 10k and 1M values nnc
is at least as fast as NumPy (ratio >= 1); at 10 values it is faster (ratio > 1).
"""
from __future__ import annotations

import os

if __name__ == "__main__":  # one thread for every peer, before NumPy loads
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse
import json
import statistics
import sys
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

try:
    import nnc  # noqa: E402
except ImportError:
    sys.path.insert(0, os.path.join(_ROOT, "src"))
    import nnc  # noqa: E402
from nnc import functional as F  # noqa: E402

SIZES = [10, 100, 10_000, 1_000_000]
OPS = ["tanh", "sigmoid", "tanh_backward", "sigmoid_backward"]
AIMS = {10: 1.0, 100: None, 10_000: 1.0, 1_000_000: 1.0}  # NumPy ratio at least this


def _numpy_ops():
    def sig(x):
        return 1 / (1 + np.exp(-x))

    return {
        "tanh": lambda x, dy: np.tanh(x),
        "sigmoid": lambda x, dy: sig(x),
        "tanh_backward": lambda x, dy: dy * (1 - np.tanh(x) ** 2),
        "sigmoid_backward": lambda x, dy: (lambda s: dy * (s * (1 - s)))(sig(x)),
    }


def _torch_ops():
    try:
        import torch
    except ImportError:
        return None, None
    torch.set_num_threads(1)

    def tw(f):
        return lambda x, dy: f(torch.from_numpy(x), torch.from_numpy(dy))

    ops = {
        "tanh": tw(lambda x, dy: torch.tanh(x)),
        "sigmoid": tw(lambda x, dy: torch.sigmoid(x)),
        "tanh_backward": tw(lambda x, dy: dy * (1 - torch.tanh(x) ** 2)),
        "sigmoid_backward": tw(lambda x, dy: (lambda s: dy * (s * (1 - s)))(torch.sigmoid(x))),
    }
    return ops, torch.__version__


def _nnc_ops():
    return {
        "tanh": lambda x, dy: F.tanh(x),
        "sigmoid": lambda x, dy: F.sigmoid(x),
        "tanh_backward": lambda x, dy: F.tanh_backward(x, dy),
        "sigmoid_backward": lambda x, dy: F.sigmoid_backward(x, dy),
    }


# The thread's CPU time by default: on a shared machine it leaves out the
# time other processes hold the core (wall time: --clock wall).
CLOCK = {"cpu": time.thread_time, "wall": time.perf_counter}
_clock = CLOCK["cpu"]


def _loop_time(fn, x, dy, number):
    t = _clock()
    for _ in range(number):
        fn(x, dy)
    return (_clock() - t) / number


def measure(sizes, dtypes, repeats, out=sys.stdout):
    peers = {"nnc": _nnc_ops(), "numpy": _numpy_ops()}
    torch_ops, torch_version = _torch_ops()
    if torch_ops is not None:
        peers["torch"] = torch_ops
    rng = np.random.default_rng(0)
    rows = []
    for dtype in dtypes:
        for n in sizes:
            x = (rng.standard_normal(n) * 3).astype(dtype)
            dy = rng.standard_normal(n).astype(dtype)
            for op in OPS:
                number = {}
                for name, ops in peers.items():  # calibrate: ~2 ms per timed loop
                    ops[op](x, dy)
                    k = 1
                    while _loop_time(ops[op], x, dy, k) * k < 2e-3 and k < 1 << 20:
                        k *= 2
                    number[name] = k
                times = {name: [] for name in peers}
                for r in range(repeats):  # interleaved: the peers take turns
                    order = list(peers)[r % len(peers):] + list(peers)[:r % len(peers)]
                    for name in order:
                        times[name].append(_loop_time(peers[name][op], x, dy, number[name]))
                med = {name: statistics.median(v) for name, v in times.items()}
                rows.append({"dtype": np.dtype(dtype).name, "n": n, "op": op,
                             "us": {k: v * 1e6 for k, v in med.items()},
                             "ratio": {k: med[k] / med["nnc"] for k in med if k != "nnc"}})
    return rows, torch_version


def print_table(rows, out=sys.stdout):
    peers = [k for k in rows[0]["us"] if k != "nnc"]
    head = ["dtype", "n", "op", "nnc us"] + [f"{p} us" for p in peers] + \
        [f"x vs {p}" for p in peers]
    print("| " + " | ".join(head) + " |", file=out)
    print("|" + "---|" * len(head), file=out)
    for r in rows:
        cells = [r["dtype"], f"{r['n']:,}", r["op"], f"{r['us']['nnc']:.2f}"]
        cells += [f"{r['us'][p]:.2f}" for p in peers]
        cells += [f"{r['ratio'][p]:.2f}" for p in peers]
        print("| " + " | ".join(cells) + " |", file=out)


def check(rows, out=sys.stdout) -> list:
    """The rows whose NumPy ratio falls below its aim."""
    bad = []
    for r in rows:
        aim = AIMS.get(r["n"])
        if aim is not None and r["ratio"]["numpy"] < aim:
            bad.append(r)
            print(f"below aim: {r['dtype']} n={r['n']} {r['op']}: {r['ratio']['numpy']:.2f}x "
                  f"NumPy (aim >= {aim})", file=out)
    return bad


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="sizes 10 and 10k, 3 repeats")
    p.add_argument("--repeats", type=int, default=None, help="interleaved repeats (7)")
    p.add_argument("--check", action="store_true",
                   help="exit 1 when a ratio to NumPy falls below its aim (quiet machine)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    p.add_argument("--clock", choices=sorted(CLOCK), default="cpu",
                   help="thread CPU time (default; robust to other processes) or wall time")
    args = p.parse_args(argv)
    global _clock
    _clock = CLOCK[args.clock]
    sizes = [10, 10_000] if args.quick else SIZES
    repeats = args.repeats or (3 if args.quick else 7)
    info = nnc._core.build_info()
    print(f"nnc {getattr(nnc, '__version__', '?')}, dispatch {info.get('dispatch')}, "
          f"NumPy {np.__version__}, clock {args.clock}, load average {os.getloadavg()[0]:.2f}")
    rows, torch_version = measure(sizes, [np.float32, np.float64], repeats)
    if torch_version:
        print(f"PyTorch {torch_version}")
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "torch": torch_version, "numpy": np.__version__}, f,
                      indent=1)
    if args.check and check(rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
