"""What fit's replay options cost: transcendentals="libm" beside nnc's own
vectorised exp/tanh, and sum_order="data" beside the fixed 16-lane order.

    python bench/replay_options.py            # medians of 7 interleaved runs
    python bench/replay_options.py --quick    # 1 run each, small sizes (smoke)

Each case trains the same model from the same start with both settings, one
after the other, repeated; it prints the median time of each and their ratio.
The machine's load changes the times, not the ratios much: quote both with the
conditions.
"""
import argparse
import statistics
import sys
import time

import numpy as np

import nnc


def _cases(quick):
    rng = np.random.default_rng(0)
    scale = 10 if quick else 1
    x1, y1 = rng.normal(size=(30000 // scale, 1)), rng.uniform(size=(30000 // scale, 1))
    x2, y2 = rng.normal(size=(4000 // scale, 1)), rng.uniform(size=(4000 // scale, 1))

    def neuron():
        return nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], seed=0, dtype="float64")

    def wide(act):
        return lambda: nnc.Sequential([nnc.Dense(1, 256), act(), nnc.Dense(256, 1)], seed=0,
                                      dtype="float64")

    epochs = 20 if quick else 200
    return [
        ("one sigmoid neuron, 30,000 rows, full batch", neuron, x1, y1, epochs,
         "transcendentals", ("nnc", "libm")),
        ("1-256-1 sigmoid net, 4,000 rows, full batch", wide(nnc.Sigmoid), x2, y2, epochs // 10,
         "transcendentals", ("nnc", "libm")),
        ("1-256-1 tanh net, 4,000 rows, full batch", wide(nnc.Tanh), x2, y2, epochs // 10,
         "transcendentals", ("nnc", "libm")),
        ("one sigmoid neuron, 30,000 rows, full batch", neuron, x1, y1, epochs,
         "sum_order", ("fixed", "data")),
    ]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, one run each")
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    for title, make, X, y, epochs, option, values in _cases(args.quick):
        times = {v: [] for v in values}
        for _ in range(repeats):
            for v in values:  # interleaved: both settings see the same load
                model = make()
                t = time.perf_counter()
                model.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01), epochs=epochs,
                          **{option: v})
                times[v].append(time.perf_counter() - t)
        med = {v: statistics.median(t) for v, t in times.items()}
        a, b = values
        print(f"{title}, {epochs} epochs, {option}: {a} {med[a] * 1e3:.1f} ms, "
              f"{b} {med[b] * 1e3:.1f} ms, ratio {med[b] / med[a]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
