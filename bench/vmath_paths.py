#!/usr/bin/env python
"""nnc's vector math on every instruction-set path, beside NumPy.

nnc compiles its vector math for the portable path, AVX2 and AVX-512 and picks
the widest the CPU has at import; every path gives the same bits.  This script
times each path this machine can run (through the private ``_core._vmath``, which
takes the path by name) beside NumPy's ``np.tanh(x)`` and ``1 / (1 + np.exp(-x))``,
so one machine shows what a CPU without AVX-512 gets.  NumPy dispatches at
import too; to see NumPy's AVX2 code on an AVX-512 machine, run it as

    NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" python bench/vmath_paths.py

(NumPy 2.x group names; the first line printed says which NumPy path is active).

    python bench/vmath_paths.py [--repeats 5] [--sizes 10000,1000000] [--funcs tanh,sigmoid]

Each cell is the median over interleaved repeats (nnc's paths and NumPy take
turns) of the best of a loop lasting about 2 ms, in ns a value; the ratio is
NumPy time / nnc time (above 1, nnc is faster).  One thread.  Developer tool: the
ratios are never asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

if __name__ == "__main__":
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    from nnc import _core  # noqa: E402
except ImportError:  # a source checkout built in place
    sys.path.insert(0, os.path.join(_ROOT, "src"))
    from nnc import _core  # noqa: E402

NUMPY = {"tanh": lambda x: np.tanh(x),
         "sigmoid": lambda x: 1 / (1 + np.exp(-x))}


def numpy_path() -> str:
    """The widest x86 group NumPy's dispatch has enabled, or the machine name."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as cf
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as cf
    for name in ("X86_V4", "AVX512_SKX", "X86_V3", "AVX2"):
        if cf.get(name):
            return name
    import platform
    return platform.machine()


def per_value(fn, n: int, budget: float = 2e-3) -> float:
    """Best time of one call, from a loop lasting about `budget` seconds, per value (ns)."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    loops = max(1, int(budget / one))
    best = float("inf")
    for _ in range(loops):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e9


def measure(funcs, sizes, repeats):
    levels = [lv for lv in _core._isa_levels()]
    rows = []
    for name in funcs:
        for dtype in ("float32", "float64"):
            for n in sizes:
                x = (np.random.default_rng(0).standard_normal(n) * 3).astype(dtype)
                cells = {lv: [] for lv in levels}
                cells["numpy"] = []
                for _ in range(repeats):  # interleaved
                    for lv in levels:
                        cells[lv].append(per_value(lambda: _core._vmath(name, x, isa=lv), n))
                    cells["numpy"].append(per_value(lambda: NUMPY[name](x), n))
                rows.append((name, dtype, n, {k: statistics.median(v) for k, v in cells.items()}))
    return levels, rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--funcs", default="tanh,sigmoid")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    funcs = args.funcs.split(",")
    for f in funcs:
        if f not in NUMPY:
            ap.error(f"unknown function {f!r}; choose from {sorted(NUMPY)}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    levels, rows = measure(funcs, sizes, args.repeats)
    print(f"NumPy {np.__version__} dispatching to {numpy_path()}; nnc paths {', '.join(levels)}; "
          f"load average {load:.1f} before; ns a value, median of {args.repeats} interleaved")
    head = "| function | dtype | n | " + " | ".join(f"nnc {lv}" for lv in levels) + \
        " | NumPy | " + " | ".join(f"NumPy / {lv}" for lv in levels) + " |"
    print(head)
    print("|" + "---|" * (3 + 2 * len(levels) + 1))
    for name, dtype, n, c in rows:
        print(f"| {name} | {dtype} | {n:,} | " + " | ".join(f"{c[lv]:.3f}" for lv in levels)
              + f" | {c['numpy']:.3f} | " + " | ".join(f"{c['numpy'] / c[lv]:.2f}" for lv in levels)
              + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
