"""Update time of every nnc.interact explorer, split into compute and draw,
and the cost of LivePlot on a long fit.

    python bench/interact.py               # each explorer: a 60-position slider drag
    python bench/interact.py --steps 20    # shorter
    python bench/interact.py --quick       # a smoke run: 5 positions, small LivePlot fit

An explorer's update is what happens when a control moves: the whole run is
recomputed (compute: the nnc.book walkthrough or fit calls) and the figure
redrawn into the PNG the widget shows (draw: moving the artists, rendering
with Agg -- in full when an axis changed, otherwise only the moved artists
over a cached background -- and PNG encoding).  Each explorer's main slider
is dragged across its range position by position, as a hand would, from a
warm start; the table gives the median and 95th percentile per update and
how many updates needed a full redraw, or a redraw of the axes whose
limits changed (the others blit: only the moved artists are drawn).  An explorer recomputes while a
slider is dragged (continuous_update) when its median total is under 50 ms.

LivePlot: the same fit with and without ``callback=LivePlot(...)``
(interleaved, median of the repeats), and the slowdown.

The table's compute/draw/total columns are CPU time of this process
(time.process_time: all its threads), which is what an update costs on an
idle core and hardly depends on what else the machine runs; the wall-clock
total beside them does, so the load average is printed too.  The
continuous column applies the explorers' rule (median below 50 ms) to the
CPU total.  Nothing here is asserted.
"""
import argparse
import os
import sys
import time

import numpy as np

try:
    import nnc
except ImportError:  # a development checkout built in place
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    "src"))
    import nnc
import nnc.interact as ni  # noqa: E402

# explorer -> (keyword arguments, control dragged, positions from, to, geometric?)
DRAGS = {
    "alpha_explorer": ({}, "alpha", 0.05, 6.0, True),
    "hot_cold_explorer": ({}, "step", 0.001, 0.5, True),
    "line_fit_explorer": ({}, "learning_rate", 0.001, 0.5, True),
    "neuron_explorer": ({}, "w", 0.0, 4.0, False),
    "optimizer_race": ({}, "learning_rate", 0.1, 1.5, True),
    "activation_explorer": ({"activation": "elu"}, "alpha", 0.05, 2.0, False),
    "init_explorer": ({}, "depth", 2, 40, False),
    "restart_explorer": ({}, "seed", 0, 60, False),
}


def drag(name, steps):
    kwargs, control, lo, hi, geometric = DRAGS[name]
    e = getattr(ni, name)(continuous=False, **kwargs)
    positions = (np.geomspace(lo, hi, steps) if geometric else np.linspace(lo, hi, steps))
    widget = e.controls[control]
    if isinstance(widget.value, int) and not isinstance(widget.value, bool):
        positions = np.unique(np.round(positions).astype(int))
    e.controls[control].value = positions[0].item()  # warm start
    for series in e.timings.values():
        series.clear()
    full0, partial0 = e.canvas.full_redraws, e.canvas.partial_redraws
    for v in positions[1:]:
        widget.value = v.item()
    t = {k: np.array(v) * 1e3 for k, v in e.timings.items()}
    return dict(name=name, control=control, n=t["compute"].size, compute=t["compute_cpu"],
                draw=t["draw_cpu"], total=t["compute_cpu"] + t["draw_cpu"],
                wall=t["compute"] + t["draw"], full=e.canvas.full_redraws - full0,
                partial=e.canvas.partial_redraws - partial0,
                errors=int(e.error))


def liveplot_cost(epochs, repeats, every):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1000, 2))
    y = ((X[:, 0] * X[:, 1]) > 0).astype(np.float64)[:, None]

    def run(with_plot):
        model = nnc.Sequential([nnc.Dense(2, 16), nnc.Tanh(), nnc.Dense(16, 1)], seed=0)
        live = (ni.LivePlot(model=model, X=X, y=y, epochs=epochs, logits=True, display=False)
                if with_plot else None)
        t0, c0 = time.perf_counter(), time.process_time()
        model.fit(X, y, loss=nnc.losses.LogLossWithLogits(), optimizer=nnc.Adam(0.01),
                  epochs=epochs, callback=live, callback_every=every if live else None)
        return time.perf_counter() - t0, time.process_time() - c0, live

    run(False)  # warm
    plain, plotted, plain_cpu, plotted_cpu, draws = [], [], [], [], []
    for _ in range(repeats):
        t, c, _ = run(False)
        plain.append(t)
        plain_cpu.append(c)
        t, c, live = run(True)
        plotted.append(t)
        plotted_cpu.append(c)
        draws.append(live.draws)
    p, q = float(np.median(plain)), float(np.median(plotted))
    pc, qc = float(np.median(plain_cpu)), float(np.median(plotted_cpu))
    return dict(epochs=epochs, every=every, plain=p, plotted=q, slowdown=(q - p) / p,
                plain_cpu=pc, plotted_cpu=qc, slowdown_cpu=(qc - pc) / pc,
                draws=int(np.median(draws)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60, help="slider positions per drag")
    ap.add_argument("--quick", action="store_true", help="a smoke run")
    ap.add_argument("--explorers", default=",".join(DRAGS),
                    help="comma-separated subset (default: all)")
    args = ap.parse_args(argv)
    steps = 5 if args.quick else args.steps
    load0 = os.getloadavg()
    print(f"nnc.interact update times: {os.cpu_count()} cores, load average "
          f"{load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} at the start")
    print("CPU time per update (this process; what an update costs on an idle core),\n"
          "and the wall-clock total under the current load:\n")
    print("| explorer | control dragged | updates | compute median / p95 ms | "
          "draw median / p95 ms | total median / p95 ms | wall total median / p95 ms | "
          "redraws full / axes | continuous |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for name in args.explorers.split(","):
        r = drag(name.strip(), steps)
        med = lambda a: float(np.median(a))  # noqa: E731
        p95 = lambda a: float(np.percentile(a, 95))  # noqa: E731
        print(f"| {r['name']} | {r['control']} | {r['n']} | "
              f"{med(r['compute']):.1f} / {p95(r['compute']):.1f} | "
              f"{med(r['draw']):.1f} / {p95(r['draw']):.1f} | "
              f"{med(r['total']):.1f} / {p95(r['total']):.1f} | "
              f"{med(r['wall']):.1f} / {p95(r['wall']):.1f} | {r['full']} / {r['partial']} | "
              f"{'yes' if med(r['total']) < 50 else 'no'} |", flush=True)
    epochs, repeats = (300, 1) if args.quick else (12000, 3)
    lp = liveplot_cost(epochs, repeats, every=10)
    print(f"\nLivePlot (loss + decision boundary, 2-16-1 tanh net, 1000 points, Adam, "
          f"{lp['epochs']} epochs, callback_every={lp['every']}; median of {repeats}): "
          f"CPU time {lp['plain_cpu'] * 1e3:.0f} ms alone, {lp['plotted_cpu'] * 1e3:.0f} ms with "
          f"LivePlot ({lp['slowdown_cpu']:+.1%}); wall clock {lp['plain'] * 1e3:.0f} ms and "
          f"{lp['plotted'] * 1e3:.0f} ms ({lp['slowdown']:+.1%}); {lp['draws']} redraws per run")
    load1 = os.getloadavg()
    print(f"load average at the end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
