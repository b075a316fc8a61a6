"""The read floor of task (a): how fast can any code merely *read* the data?

Task (a) of ``bench/run.py`` is full-batch gradient descent on 30,000 points
for 3000 iterations: every iteration must read x and y (480 KB in float64,
which sits in L2 on the machines we measure).  No implementation can beat the
time it takes to stream those bytes 3000 times, so that time is the floor the
issue's aim is stated against ("within 1.3x of the L2 read floor").

This script compiles a small C program with the system compiler (``cc``;
``-O3 -march=native``, no fast-math: the loop's lanes are separate
accumulators, so it vectorises without reassociating) that sums x and y into
16 independent lanes, 3000 times, and times it beside nnc's task (a), both
interleaved, best of ``--repeats`` (default 7).  The sum is printed so the
compiler cannot drop the reads.  Developer tool: needs a C compiler; prints
the ratio nnc / floor.

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

int main(int argc, char **argv)
{
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
    subprocess.run([cc, "-std=c11", "-O3", "-march=native", "-ffp-contract=off", src, "-o", exe],
                   check=True)
    return exe


def floor_time(exe: str, n: int, iters: int) -> float:
    out = subprocess.run([exe, str(n), str(iters)], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0])


def nnc_time(data, iters: int) -> float:
    from peers import nnc_peer
    t0 = time.perf_counter()
    nnc_peer.line_fit(data, a0=0.5, b0=3.0, lr=0.01, epochs=iters)
    return time.perf_counter() - t0


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
        floors, nncs = [], []
        for _ in range(args.repeats):  # interleaved
            floors.append(floor_time(exe, args.n, args.iterations))
            nncs.append(nnc_time(data, args.iterations))
    f, t = min(floors), min(nncs)
    mb = 2 * 8 * args.n * args.iterations / 1e6
    print(f"task (a) read floor: {args.n:,} points x 2 float64 read {args.iterations} times "
          f"({mb:,.0f} MB); {platform.processor() or platform.machine()}, load average "
          f"{load:.1f} before, best of {args.repeats} interleaved")
    print(f"  floor (C, 16 lanes, -O3 -march=native)  {f * 1e3:8.2f} ms  "
          f"({mb / 1e3 / f:.0f} GB/s)")
    print(f"  nnc task (a)                            {t * 1e3:8.2f} ms")
    print(f"  nnc / floor                             {t / f:8.2f}x  (aim: <= 1.3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
