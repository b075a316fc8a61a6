"""GFLOP/s of nnc.matmul beside NumPy's ``@`` for square products.

    python bench/gemm.py            # full table, about 1-2 minutes
    python bench/gemm.py --quick    # n <= 256 only
    python bench/gemm.py --sizes 16,100
    python bench/gemm.py --sizes 1024,2048 --rounds 5   # for a shared machine

float32 and float64, n = 16 ... 2048, on one thread (NumPy limited with
threadpoolctl, nnc with threads=1) and on all threads (both libraries' own
choice).  Each figure is the best of several timed batches; on one thread
NumPy's and nnc's batches alternate, so that a noisy neighbour hurts both
alike (on all threads they cannot: see best_time).  GFLOP/s = 2 n^3 / t.
The ratio column is nnc / NumPy: above 1 means nnc is faster.

--rounds R measures every row R times over (R passes over the table's rows,
so a burst of load hits one round of each, not all rounds of one) and
prints the medians of the GFLOP/s and of the per-round ratios, with the
ratios' range: on a machine others are using, a median of interleaved
rounds says more than one best time.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when set, make the OpenBLAS inside
NumPy pick a kernel or a cache size for another CPU and understate NumPy's
speed.  This script removes both from ITS OWN environment (it re-executes
itself without them; nothing else is affected) -- the same as running
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/gemm.py`` -- and
prints which OpenBLAS kernel NumPy then runs.
"""
import os
import sys

_OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(v in os.environ for v in _OPENBLAS_VARS) and "_NNC_BENCH_REEXEC" not in os.environ:
    env = {k: v for k, v in os.environ.items() if k not in _OPENBLAS_VARS}
    env["_NNC_BENCH_REEXEC"] = ",".join(f"{v}={os.environ[v]}" for v in _OPENBLAS_VARS
                                        if v in os.environ)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import datetime  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

try:
    import nnc  # noqa: E402
except ImportError:  # run from a source tree built in place
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import nnc  # noqa: E402

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover - threadpoolctl is a test dependency
    threadpool_info = None
    threadpool_limits = None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_description():
    if threadpool_info is None:
        return "unknown (threadpoolctl not installed)"
    parts = []
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            parts.append("{} {} (kernel: {}, {} threads)".format(
                info.get("internal_api"), info.get("version"), info.get("architecture"),
                info.get("num_threads")))
    return "; ".join(parts) or "none found"


def best_time(fns, budget, interleave=True):
    """Best seconds per call of each fn, in batches within ~budget s.

    interleave=False times each fn's batches together, after a pause: after a
    call OpenBLAS's worker threads keep spinning for a while (about 0.1 s by
    default), so in a multi-threaded comparison they would steal the core
    that nnc's threads need right after NumPy's turn."""
    if not interleave:
        out = []
        for f in fns:
            time.sleep(0.3)
            out += best_time([f], budget / len(fns))
        return out
    for f in fns:                      # warm up (page faults, thread start)
        f()
    t0 = time.perf_counter()
    fns[0]()
    one = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(0.01 / one))    # batches of about 10 ms
    repeats = max(3, min(15, int(budget / (len(fns) * inner * one))))
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, f in enumerate(fns):
            t = time.perf_counter()
            for _ in range(inner):
                f()
            best[i] = min(best[i], (time.perf_counter() - t) / inner)
    return best


def main():
    sizes = [16, 32, 64, 128, 256, 512, 1024, 2048]
    if "--quick" in sys.argv:
        sizes = sizes[:5]
    if "--sizes" in sys.argv:
        sizes = [int(s) for s in sys.argv[sys.argv.index("--sizes") + 1].split(",")]
    rounds = 1
    if "--rounds" in sys.argv:
        rounds = max(1, int(sys.argv[sys.argv.index("--rounds") + 1]))
    removed = os.environ.get("_NNC_BENCH_REEXEC")
    print(f"date:   {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    print(f"cpu:    {cpu_model()} ({os.cpu_count()} logical CPUs)")
    print(f"python: {platform.python_version()}, numpy {np.__version__}")
    print(f"numpy BLAS: {blas_description()}")
    if removed:
        print(f"        (removed from this run's environment: {removed})")
    print(f"nnc:    {nnc.__version__}, GEMM kernel {nnc._core._gemm_kernels()[0]}")
    if rounds > 1:
        print(f"rounds: {rounds} (medians; the ratio's range over the rounds in brackets)")
    print()
    print("| dtype | threads | n | numpy GFLOP/s | nnc GFLOP/s | nnc/numpy |")
    print("|---|---|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    rows = [(dtype, mode, n) for dtype in (np.float32, np.float64) for mode in ("1", "all")
            for n in sizes]
    results = {row: [] for row in rows}
    for r in range(rounds):
        for row in rows:
            dtype, mode, n = row
            a = rng.standard_normal((n, n)).astype(dtype)
            b = rng.standard_normal((n, n)).astype(dtype)
            budget = 0.4 if n <= 512 else 1.2
            if mode == "1":
                with threadpool_limits(1) if threadpool_limits else _nothing():
                    t_np, t_nnc = best_time(
                        [lambda: a @ b, lambda: nnc.matmul(a, b, threads=1)], budget)
            else:
                t_np, t_nnc = best_time(
                    [lambda: a @ b, lambda: nnc.matmul(a, b)], budget, interleave=False)
            flops = 2.0 * n ** 3
            results[row].append((flops / t_np / 1e9, flops / t_nnc / 1e9))
            if r == rounds - 1:
                _print_row(row, results[row])


def _median(values):
    v = sorted(values)
    h = len(v) // 2
    return v[h] if len(v) % 2 else 0.5 * (v[h - 1] + v[h])


def _print_row(row, measured):
    dtype, mode, n = row
    g_np = _median([g for g, _ in measured])
    g_nnc = _median([g for _, g in measured])
    ratios = [b / a for a, b in measured]
    ratio = f"{_median(ratios):.2f}"
    if len(measured) > 1:
        ratio += f" [{min(ratios):.2f}-{max(ratios):.2f}]"
    print(f"| {np.dtype(dtype).name} | {mode} | {n} | {g_np:.1f} | {g_nnc:.1f} | {ratio} |",
          flush=True)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
