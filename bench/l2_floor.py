"""The floors of task (a): how fast can any code read the data, and how fast
can hand-written C do task (a)'s arithmetic?

Task (a) of ``bench/run.py`` is full-batch gradient descent on 30,000 points
for 3000 iterations: every iteration must read x and y (480 KB in float64,
which sits in L2 on the machines we measure).  No implementation can beat the
time it takes to stream those bytes 3000 times, so that time is the floor the
issue's aim is stated against ("within 1.3x of the L2 read floor").

This script compiles a small C program with the system compiler (``cc``;
``-O3 -march=native -ffp-contract=off``, and ``-mprefer-vector-width=512`` on
x86-64, so an AVX-512 CPU runs full-width vectors; no fast-math) with two loops:
  - the read floor: sums x and y into 16 independent lanes, 3000 times (the
    sum is printed so the compiler cannot drop the reads);
  - the compute floor: task (a) itself written as a C programmer would, with
    nnc's summation order (16 lanes folded by halving, reduce_impl.h), so its
    final weight, bias and loss must equal nnc's bit for bit -- the script
    exits with status 1 when they do not.
It times both beside nnc's task (a), interleaved, best of ``--repeats``
(default 7), and prints nnc / read floor, hand-written C / read floor and
nnc / hand-written C.  Developer tool: needs a C compiler.

    python bench/l2_floor.py [--repeats 7] [--n 30000] [--iterations 3000]
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

C_SOURCE = r"""
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LANES 16

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The compute floor: task (a)'s own arithmetic, written as a C programmer
 * would, in nnc's fixed order (reduce_impl.h: term k into lane k mod 16,
 * lanes folded by halving), so it lands on nnc's bits.  Per point: the
 * prediction x w + b, the residual, 2 r, r r, and three running sums. */
static void fit_line(const double *x, const double *y, long n, long iters, double *w_io,
                     double *b_io, double *loss)
{
    double w = *w_io, b = *b_io;
    const long m = n - n % LANES;
    for (long it = 0; it < iters; it++) {
        double ls[LANES], bs[LANES], gs[LANES];
        for (int j = 0; j < LANES; j++)
            ls[j] = bs[j] = gs[j] = -0.0;
        for (long i = 0; i < m; i += LANES)
            for (int j = 0; j < LANES; j++) {
                const double r = (x[i + j] * w + b) - y[i + j];
                const double d = 2.0 * r;
                ls[j] = ls[j] + r * r;
                bs[j] = bs[j] + d;
                gs[j] = gs[j] + d * x[i + j];
            }
        for (long i = m, j = 0; i < n; i++, j++) {
            const double r = (x[i] * w + b) - y[i];
            const double d = 2.0 * r;
            ls[j] = ls[j] + r * r;
            bs[j] = bs[j] + d;
            gs[j] = gs[j] + d * x[i];
        }
        for (int h = LANES / 2; h >= 1; h /= 2)
            for (int j = 0; j < h; j++) {
                ls[j] = ls[j] + ls[j + h];
                bs[j] = bs[j] + bs[j + h];
                gs[j] = gs[j] + gs[j + h];
            }
        loss[it] = ls[0] / (double)n;
        w = w - 0.01 * (gs[0] / (double)n);
        b = b - 0.01 * (bs[0] / (double)n);
    }
    *w_io = w;
    *b_io = b;
}

static int compute_main(const char *path, long n, long iters)
{
    double *x = malloc((size_t)n * sizeof(double)), *y = malloc((size_t)n * sizeof(double));
    double *loss = malloc((size_t)iters * sizeof(double));
    FILE *f = fopen(path, "rb");
    if (x == NULL || y == NULL || loss == NULL || f == NULL)
        return 1;
    if (fread(x, sizeof(double), (size_t)n, f) != (size_t)n ||
        fread(y, sizeof(double), (size_t)n, f) != (size_t)n)
        return 1;
    fclose(f);
    double w = 0.5, b = 3.0;
    const double t0 = now();
    fit_line(x, y, n, iters, &w, &b, loss);
    const double t1 = now();
    printf("%.9f %.17g %.17g %.17g\n", t1 - t0, w, b, loss[iters - 1]);
    free(x);
    free(y);
    free(loss);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5) /* compute <data file> n iters */
        return compute_main(argv[2], atol(argv[3]), atol(argv[4]));
    const long n = atol(argv[1]), iters = atol(argv[2]);
    double *x = aligned_alloc(64, (size_t)(n + LANES) * sizeof(double));
    double *y = aligned_alloc(64, (size_t)(n + LANES) * sizeof(double));
    if (x == NULL || y == NULL)
        return 1;
    for (long i = 0; i < n + LANES; i++) {
        x[i] = (double)(i % 97) * 0.01;
        y[i] = (double)(i % 89) * 0.02;
    }
    double acc[LANES] = {0};
    const long m = n - n % LANES;
    const double t0 = now();
    for (long it = 0; it < iters; it++) {
        for (long i = 0; i < m; i += LANES)
            for (int j = 0; j < LANES; j++)
                acc[j] += x[i + j] + y[i + j];
        for (long i = m; i < n; i++)
            acc[0] += x[i] + y[i];
        acc[1] += 1e-300 * acc[0]; /* a dependency between iterations */
    }
    const double t1 = now();
    double s = 0;
    for (int j = 0; j < LANES; j++)
        s += acc[j];
    printf("%.9f %.17g\n", t1 - t0, s);
    free(x);
    free(y);
    return 0;
}
"""


def build(workdir: str) -> str:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise SystemExit("l2_floor: no C compiler (set CC)")
    src = os.path.join(workdir, "floor.c")
    exe = os.path.join(workdir, "floor")
    with open(src, "w") as f:
        f.write(C_SOURCE)
    flags = ["-std=c11", "-O3", "-march=native", "-ffp-contract=off"]
    if platform.machine().lower() in ("x86_64", "amd64"):
        # full-width AVX-512 where the CPU has it (gcc and clang default to
        # 256-bit vectors on many AVX-512 CPUs); harmless elsewhere on x86
        flags.append("-mprefer-vector-width=512")
    subprocess.run([cc, *flags, src, "-o", exe], check=True)
    return exe


def floor_time(exe: str, n: int, iters: int) -> float:
    out = subprocess.run([exe, str(n), str(iters)], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0])


def compute_run(exe: str, path: str, n: int, iters: int) -> tuple[float, float, float, float]:
    """The hand-written C loop: (seconds, w, b, last loss)."""
    out = subprocess.run([exe, "compute", path, str(n), str(iters)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), float(out[3])


def nnc_run(data, iters: int) -> tuple[float, float, float, float]:
    """nnc's task (a): (seconds, w, b, last loss)."""
    from peers import nnc_peer
    t0 = time.perf_counter()
    r = nnc_peer.line_fit(data, a0=0.5, b0=3.0, lr=0.01, epochs=iters)
    t = time.perf_counter() - t0
    return t, r.a, r.b, r.losses[-1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--n", type=int, default=30000)
    ap.add_argument("--iterations", type=int, default=3000)
    args = ap.parse_args(argv)
    from peers import nnc_peer
    from peers.data import noisy_line
    x, y = noisy_line(args.n)
    data = nnc_peer.prepare_line(np.asarray(x), np.asarray(y))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as d:
        exe = build(d)
        path = os.path.join(d, "line.f64")
        with open(path, "wb") as f:
            f.write(np.ascontiguousarray(data[0], dtype="<f8").tobytes())
            f.write(np.ascontiguousarray(data[1], dtype="<f8").tobytes())
        floors, hands, nncs = [], [], []
        for _ in range(args.repeats):  # interleaved
            floors.append(floor_time(exe, args.n, args.iterations))
            hands.append(compute_run(exe, path, args.n, args.iterations))
            nncs.append(nnc_run(data, args.iterations))
    f = min(floors)
    h = min(r[0] for r in hands)
    t = min(r[0] for r in nncs)
    same = hands[0][1:] == nncs[0][1:]
    mb = 2 * 8 * args.n * args.iterations / 1e6
    print(f"task (a) read floor: {args.n:,} points x 2 float64 read {args.iterations} times "
          f"({mb:,.0f} MB); {platform.processor() or platform.machine()}, load average "
          f"{load:.1f} before, best of {args.repeats} interleaved")
    print(f"  read floor (C, 16 lanes, -O3 -march=native)   {f * 1e3:8.2f} ms  "
          f"({mb / 1e3 / f:.0f} GB/s)")
    print(f"  hand-written C, task (a)'s arithmetic        {h * 1e3:8.2f} ms  "
          f"(final w, b, loss {'bit-identical to' if same else 'DIFFER from'} nnc's)")
    print(f"  nnc task (a)                                 {t * 1e3:8.2f} ms")
    print(f"  nnc / read floor                             {t / f:8.2f}x  (aim: <= 1.3x)")
    print(f"  hand-written C / read floor                  {h / f:8.2f}x")
    print(f"  nnc / hand-written C                         {t / h:8.2f}x")
    if not same:
        print(f"  hand-written C: {hands[0][1:]!r}\n  nnc:            {nncs[0][1:]!r}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
