"""Build the notebooks in notebooks/ from the cells written below, run them,
and store them WITH their outputs, so they read well on a code host.

    python tools/make_notebooks.py              # build and run every notebook
    python tools/make_notebooks.py 03 06        # only names containing "03" or "06"
    python tools/make_notebooks.py --no-execute # write the cells without running them

Notebooks are code here: edit the cells in this file, never the .ipynb by
hand (tests/test_notebooks.py checks that the stored cells match).  Each
notebook runs in a fresh kernel on THIS interpreter with the repository's src/ first
on the path, so a source checkout with the extension built in place
(``python setup.py build_ext --inplace``) is enough.
"""
import argparse
import os
import pathlib
import sys
import tempfile
import textwrap
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
KERNEL_NAME = "nnc-python"


# --------------------------------------------------------------------------
# building and running
# --------------------------------------------------------------------------

def md(text):
    """A markdown cell (indentation of the triple-quoted text removed)."""
    import nbformat
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(*parts):
    """A code cell from one or more texts, each with its indentation removed."""
    import nbformat
    return nbformat.v4.new_code_cell(
        "\n".join(textwrap.dedent(p).strip("\n") for p in parts))


def build(name):
    """The notebook ``name`` (file stem) as an unexecuted NotebookNode."""
    import nbformat
    for stem, cells in NOTEBOOKS:
        if stem == name:
            nb = nbformat.v4.new_notebook(cells=cells())
            nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}
            nb.metadata.language_info = {"name": "python"}
            return nb
    raise KeyError(f"no notebook named {name!r}; known: {[s for s, _ in NOTEBOOKS]}")


def execute(nb, *, kernel_dir, timeout=300, pythonpath=None):
    """Run every cell of ``nb`` in place, in a kernel on this interpreter.

    ``kernel_dir`` is a scratch directory for the kernel spec.  The kernel's
    working directory is notebooks/ and the repository is first on its
    PYTHONPATH.  Raises ``nbclient.exceptions.CellExecutionError`` on the first
    failing cell.  ``pythonpath`` replaces the repository as the first path
    entry (to run the notebooks against another checkout).
    """
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    kernel_dir = pathlib.Path(kernel_dir)
    NOTEBOOK_DIR.mkdir(exist_ok=True)
    # a spec whose argv is sys.executable, so the kernel sees the same packages
    if not (kernel_dir / KERNEL_NAME).exists():
        write_kernel_spec(path=str(kernel_dir / KERNEL_NAME),
                          overrides={"display_name": "Python 3 (nnc)"})
    ksm = KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(pythonpath or ROOT / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("MPLBACKEND", None)  # the kernel's inline backend renders the figures
    client = NotebookClient(nb, km=km, timeout=timeout, record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    kernelspec = dict(nb.metadata.get("kernelspec", {}))
    client.execute(env=env)
    if kernelspec:
        nb.metadata.kernelspec = kernelspec  # store the user-facing spec, not ours
    return nb


def main(argv=None):
    import nbformat
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="substrings of notebook names (default: all)")
    ap.add_argument("--no-execute", action="store_true", help="write cells without outputs")
    ap.add_argument("--pythonpath", help="import nnc from this checkout instead of the repository")
    args = ap.parse_args(argv)
    stems = [s for s, _ in NOTEBOOKS if not args.names or any(n in s for n in args.names)]
    if not stems:
        ap.error(f"no notebook matches {args.names}")
    NOTEBOOK_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for stem in stems:
            nb = build(stem)
            t0 = time.perf_counter()
            if not args.no_execute:
                execute(nb, kernel_dir=tmp, pythonpath=args.pythonpath)
            path = NOTEBOOK_DIR / f"{stem}.ipynb"
            nbformat.write(nb, str(path))
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KiB, "
                  f"{time.perf_counter() - t0:.1f} s")
    return 0


# --------------------------------------------------------------------------
# the notebooks
# --------------------------------------------------------------------------

SETUP = """
import numpy as np
import matplotlib.pyplot as plt
import nnc
from nnc import plot

# modest figures: they are stored in the notebook
plt.rcParams.update({"figure.dpi": 72, "figure.figsize": (6, 4)})
np.set_printoptions(precision=6, suppress=False)
"""


def grokking_dl_ch4():
    return [
        md("""
        # Grokking Deep Learning, chapter 4 — learning by gradient descent

        Andrew Trask teaches learning on the smallest network there is: one input,
        one weight, one prediction, `pred = input * weight`. The network is told the
        right answer (`goal`), measures how far it missed, and nudges the weight.
        This notebook replays every experiment of the chapter on nnc's C engine —
        each run below is a single `fit` call — and checks every number the book
        prints, digit for digit. Because the arithmetic here is plain IEEE
        multiplication and subtraction (no `exp`, no fused multiply-add), nnc and
        Trask's Python loops agree bit for bit.

        Each walkthrough is a function in `nnc.book` with the book's settings as
        defaults; it returns a result whose `print` shows the book's lines and
        whose attributes are NumPy arrays, one entry per step.
        """),
        code(SETUP, """
        from nnc import book
        """),
        md("""
        ## G1 · Compare: how far did we miss?

        Predict, then compare. Input 0.5 times weight 0.5 gives 0.25 where 0.8 was
        wanted. The chapter measures the miss as the *squared* error: squaring
        makes every miss positive (being 0.55 too low is as bad as 0.55 too high)
        and weighs big misses more than small ones.
        """),
        code("""
        g1 = book.g1_compare()
        print(g1)
        assert g1.prediction == 0.25
        assert g1.error == 0.30250000000000005          # 0.55**2 in float64, exactly
        assert g1.lines() == ["0.3025"]                  # what the book prints
        """),
        md("""
        ## G2 · Hot and cold: one step of trial and error

        The most naive way to learn: wiggle the weight a little up and a little
        down, predict with both, and keep whichever wiggle lowered the error. The
        "toes" example (input 8.5, weight 0.1, goal 1) takes one such step of 0.01.
        """),
        code("""
        g2 = book.g2_hot_cold_step()
        print(g2)
        # the same floats as Trask's Python: (pred - goal) ** 2 with the probes' weights
        assert (g2.errors[0], g2.up_errors[0], g2.down_errors[0]) == \\
               ((8.5 * 0.1 - 1) ** 2, (1 - 8.5 * (0.1 + 0.01)) ** 2, (1 - 8.5 * (0.1 - 0.01)) ** 2)
        assert [f"{e:.12g}" for e in (g2.errors[0], g2.up_errors[0], g2.down_errors[0])] == \\
               ["0.0225", "0.004225", "0.055225"]
        assert f"{g2.weights[1]:.12g}" == "0.11"
        """),
        md("""
        ## G3 · Hot/cold learning until the goal is reached

        Repeat the wiggle 1101 times with steps of 0.001, starting from weight 0.5
        with input 0.5 and goal 0.8. Each line shows the error and the prediction
        *before* that iteration's move; when the two probes give equal errors the
        weight stays put. nnc runs this as the `HotCold` optimizer inside one C call.
        """),
        code("""
        g3 = book.g3_hot_cold()
        print(g3)
        lines = g3.lines()
        assert len(lines) == 1101
        assert lines[:2] == ["Error:0.3025 Prediction:0.25", "Error:0.30195025 Prediction:0.2505"]
        assert lines[-2:] == ["Error:2.50000000033e-07 Prediction:0.7995",
                              "Error:1.07995057925e-27 Prediction:0.8"]
        """),
        md("""
        Trask's own loop, in plain Python, gives the very same floats — not just the
        same printed digits:
        """),
        code("""
        def trask_hot_cold(weight=0.5, input=0.5, goal=0.8, step=0.001, iterations=1101):
            errors, preds = [], []
            for _ in range(iterations):
                pred = input * weight
                errors.append((pred - goal) ** 2); preds.append(pred)
                up = (goal - input * (weight + step)) ** 2
                down = (goal - input * (weight - step)) ** 2
                if down < up:
                    weight = weight - step
                if down > up:
                    weight = weight + step
            return np.array(errors), np.array(preds)

        errors, preds = trask_hot_cold()
        assert np.array_equal(errors, g3.errors) and np.array_equal(preds, g3.predictions)
        print("bit for bit: all", errors.size, "errors and predictions equal")
        """),
        md("""
        The error falls steadily while the weight walks towards 1.6 in steps of
        0.001 — then, on the last step, lands on 0.8 almost exactly. On a log scale
        the slow walk and the final drop are both visible. Hot/cold learning made
        three predictions per step: 3303 forward passes for one weight.
        """),
        code("""
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot.loss_curves(g3.errors, log=True, ax=axes[0], title="G3: error per iteration",
                         xlabel="iteration", ylabel="error")
        plot.loss_curves(g3.predictions, ax=axes[1], title="G3: prediction per iteration",
                         xlabel="iteration", ylabel="prediction")
        axes[1].axhline(0.8, color="k", ls="--", lw=1, label="goal 0.8"); axes[1].legend()
        fig.tight_layout()
        print("forward passes:", g3.forward_passes)
        assert g3.forward_passes == 3 * 1101
        """),
        md("""
        ### Two flaws of hot/cold learning

        1. **It is wasteful**: three predictions for every single update.
        2. **The step size knows nothing about the error.** Unless the right weight
           is a whole number of steps away, the weight ends up hopping back and forth
           across the goal. With a step of 0.2 it rocks around 0.8; with a step of 10
           it alternates forever between predictions 0.25 and 5.25 and never gets
           close.
        """),
        code("""
        coarse = book.g3_hot_cold(step=0.2, iterations=12)
        huge = book.g3_hot_cold(step=10, iterations=6)
        print(coarse); print(huge)
        assert huge.lines() == ["Error:0.3025 Prediction:0.25", "Error:19.8025 Prediction:5.25"] * 3
        # step 0.2: the prediction changes by 0.1 per move and ends up alternating around 0.8
        assert np.allclose(np.abs(np.diff(coarse.predictions)), 0.1)
        assert coarse.predictions[-4:].min() < 0.8 < coarse.predictions[-4:].max()

        fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
        plot.loss_curves(coarse.predictions, ax=axes[0], title="step 0.2: rocking around the goal",
                         xlabel="iteration", ylabel="prediction")
        plot.loss_curves(huge.predictions, ax=axes[1], title="step 10: jumping forever",
                         xlabel="iteration", ylabel="prediction")
        for ax in axes:
            ax.axhline(0.8, color="k", ls="--", lw=1)
        fig.tight_layout()
        """),
        md("""
        ## G4 · Direction and amount from the error itself

        Gradient descent replaces the two probes by one calculation. The *pure
        error* `delta = pred - goal` says which way and how far the prediction
        missed; multiplying it by the input turns it into `weight_delta`, how the
        weight should move. The multiplication does three jobs: it **scales** the
        step with the input, **reverses** it when the input is negative, and
        **stops** learning when the input is 0 (then the weight has no influence on
        the prediction). A small `alpha` shrinks the step.

        On the toes example: prediction 0.85, delta −0.15, weight_delta −1.275, and
        with alpha 0.01 the weight moves from 0.1 to 0.11275.
        """),
        code("""
        g4 = book.g4_gradient_step()
        print(g4)
        assert [f"{v:.12g}" for v in (g4.predictions[0], g4.deltas[0], g4.weight_deltas[0],
                                      g4.weights[1])] == ["0.85", "-0.15", "-1.275", "0.11275"]
        """),
        md("""
        ## G5 · Twenty steps of gradient descent

        `weight -= (pred - goal) * input`, with alpha 1, from weight 0.5. The
        prediction climbs towards 0.8 and each step is smaller than the last,
        because the step is proportional to the miss.
        """),
        code("""
        g5 = book.g5_gradient_descent()
        print(g5)
        assert g5.lines()[:3] == ["Error:0.3025 Prediction:0.25",
                                  "Error:0.17015625 Prediction:0.3875",
                                  "Error:0.095712890625 Prediction:0.490625"]
        assert g5.lines()[-3:] == ["Error:1.7092608064e-05 Prediction:0.79586567925",
                                   "Error:9.61459203602e-06 Prediction:0.796899259437",
                                   "Error:5.40820802026e-06 Prediction:0.797674444578"]

        def trask_descent(weight, input, goal=0.8, alpha=1.0, iterations=20):
            errors, preds = [], []
            for _ in range(iterations):
                pred = input * weight
                errors.append((pred - goal) ** 2); preds.append(pred)
                weight = weight - alpha * ((pred - goal) * input)
            return np.array(errors), np.array(preds)

        errors, preds = trask_descent(0.5, 0.5)
        assert np.array_equal(errors, g5.errors) and np.array_equal(preds, g5.predictions)
        """),
        md("""
        The chapter's picture of why this works: for a fixed input and goal the error
        is a parabola in the weight, `error = (input * weight - goal) ** 2`, a bowl.
        Its slope at the current weight points uphill, so stepping against the slope
        goes down into the bowl, and the slope flattens as the bottom approaches.
        Below, the dots are the weights G5 visited.
        """),
        code("""
        w = np.linspace(-0.5, 2.5, 301)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot.descent_1d(w, (0.5 * w - 0.8) ** 2, g5.weights[:-1], g5.errors, ax=axes[0],
                        title="G5: down the error bowl (input 0.5)")
        plot.loss_curves(g5.errors, log=True, ax=axes[1], title="G5: error per step",
                         xlabel="step", ylabel="error")
        axes[0].axvline(1.6, color="k", ls=":", lw=1)
        fig.tight_layout()
        assert np.all(np.diff(g5.errors) < 0)             # every step goes downhill
        assert np.all(np.diff(g5.weights) > 0) and g5.weights[-1] < 1.6  # never overshoots
        """),
        md("""
        ## G6 · Learning is reducing error

        From weight 0 with input 0.5: four steps, and the error falls
        0.64 → 0.36 → 0.2025 → 0.11390625 as the prediction climbs 0 → 0.2 → 0.35 → 0.4625.
        """),
        code("""
        g6 = book.g6_learning_reduces_error()
        print(g6)
        assert g6.lines() == ["Error:0.64 Prediction:0.0", "Error:0.36 Prediction:0.2",
                              "Error:0.2025 Prediction:0.35", "Error:0.11390625 Prediction:0.4625"]
        """),
        md("""
        ## G7 · Watching several steps: input 1.1

        With input 1.1 the first step overshoots (prediction 0.968 > 0.8), and the
        next one comes back from the other side: a negative delta becomes a positive
        one and the weight moves down. The book prints weight, error, prediction,
        delta and weight_delta for each step.
        """),
        code("""
        g7 = book.g7_several_steps()
        print(g7)
        table = [[f"{v:.12g}" for v in row] for row in
                 zip(g7.weights[:-1], g7.errors, g7.predictions, g7.deltas, g7.weight_deltas)]
        assert table == [["0", "0.64", "0", "-0.8", "-0.88"],
                         ["0.88", "0.028224", "0.968", "0.168", "0.1848"],
                         ["0.6952", "0.0012446784", "0.76472", "-0.03528", "-0.038808"],
                         ["0.734008", "5.489031744e-05", "0.8074088", "0.0074088", "0.00814968"]]
        """),
        md("""
        ## G8 · Breaking gradient descent: input 2

        Set the input to 2 and keep the goal 0.8. Now the error bowl is four times
        steeper, each update overcorrects, and the prediction lands further away
        on the other side every time: −232 million after twenty steps. nnc's
        engine would normally stop such a run and say so (`nnc.DivergenceError`);
        the walkthrough switches the guard off to show the blow-up to its end.
        """),
        code("""
        g8 = book.g8_divergence()
        print(g8)
        assert g8.lines()[:3] == ["Error:0.04 Prediction:1.0", "Error:0.36 Prediction:0.2",
                                  "Error:3.24 Prediction:2.6"]
        assert g8.lines()[-3:] == ["Error:6.67087267987e+14 Prediction:-25828031.8",
                                   "Error:6.00378541188e+15 Prediction:77484098.6",
                                   "Error:5.40340687069e+16 Prediction:-232452292.6"]
        errors, preds = trask_descent(0.5, 2.0)
        assert np.array_equal(errors, g8.errors) and np.array_equal(preds, g8.predictions)
        """),
        md("""
        The bowl picture makes the failure plain: every step jumps past the bottom
        and lands higher up the opposite wall.
        """),
        code("""
        w = np.linspace(-2.7, 1.9, 301)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot.descent_1d(w, (2 * w - 0.8) ** 2, g8.weights[:4], g8.errors[:4], ax=axes[0],
                        title="G8: overcorrecting (input 2, first 4 steps)")
        plot.loss_curves({"alpha 1 (G8)": g8.errors}, log=True, ax=axes[1],
                         title="error per step", xlabel="step", ylabel="error")
        fig.tight_layout()
        assert np.all(np.diff(g8.errors) > 0)               # every step makes it worse
        assert np.all(np.sign(g8.deltas[1:]) == -np.sign(g8.deltas[:-1]))  # side to side
        """),
        md("""
        ## G9 · Alpha

        The simplest cure is to multiply every update by a number between 0 and 1,
        `alpha`. With alpha 0.1 the same setup converges.
        """),
        code("""
        g9 = book.g9_alpha()
        print(g9)
        assert g9.lines()[:3] == ["Error:0.04 Prediction:1.0", "Error:0.0144 Prediction:0.92",
                                  "Error:0.005184 Prediction:0.872"]
        assert g9.lines()[-1] == "Error:1.48527717099e-10 Prediction:0.800012187195"

        w = np.linspace(0.25, 0.55, 301)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot.descent_1d(w, (2 * w - 0.8) ** 2, g9.weights[:-1], g9.errors, ax=axes[0],
                        title="G9: alpha 0.1 (input 2), every step downhill")
        plot.loss_curves({"alpha 1 (G8)": g8.errors, "alpha 0.1 (G9)": g9.errors}, log=True,
                         ax=axes[1], title="error per step", xlabel="step", ylabel="error")
        fig.tight_layout()
        """),
        md("""
        ## Beyond the book · which alphas work?

        Trask found alpha 0.1 by trying. For this network the answer can be worked
        out. One update changes the miss `d = input * weight - goal` into

            d_new = input * (weight - alpha * d * input) - goal = (1 - alpha * input**2) * d

        so every step multiplies the miss by the same factor `1 - alpha * input**2`.
        The run converges exactly when that factor lies strictly between −1 and 1,
        that is when `0 < alpha * input**2 < 2`. For input 2 the critical rate is
        2 / 4 = 0.5: alpha 1 (G8) is beyond it (factor −3, the miss triples and flips
        sign each step — just what G8 printed), alpha 0.1 (G9) is well inside
        (factor 0.6). At alpha 0.25 the factor is 0 and one step lands on the goal.

        `nnc.max_stable_lr(X)` computes that critical rate for any linear model from
        its data (it is 2 over the largest eigenvalue of the loss's curvature), and
        `book.alpha_sweep` runs one engine fit per alpha:
        """),
        code("""
        X = np.array([[2.0]])
        critical = nnc.max_stable_lr(X, loss=nnc.losses.MSE(reduction="sum", half=True))
        print("critical alpha for input 2:", critical)
        assert critical == 0.5

        sweep = book.alpha_sweep(alphas=np.linspace(0.0, 0.7, 351))
        converged = sweep.alphas[sweep.converged]
        print(f"{sweep.alphas.size} runs; converged for alpha in "
              f"({converged.min():g}, {converged.max():g}]")
        assert np.all(sweep.converged == ((sweep.alphas > 0) & (sweep.alphas < critical)))

        fig = plot.learning_rate_map(sweep.alphas, sweep.final_errors, critical=critical,
                                     diverge_above=sweep.final_errors[0],
                                     title="Error after 20 steps, input 2",
                                     ylabel="error after 20 steps")
        """),
        md("""
        Left of the dashed line every run ends below where it started; right of it
        every run ends above (red ticks). The error is smallest near alpha 0.25,
        where one step lands on the goal: for alphas between about 0.21 and 0.29 the
        weight reaches the double nearest 0.4 within twenty steps and the error is
        exactly 0, drawn on the floor of the log axis.

        **What to take away:** the update's direction comes from the sign of the
        error times the input, its size from the error itself — and the learning
        rate must respect the steepness of the error bowl, which grows with the
        square of the input. Notebook 06 sweeps thousands of alphas and inputs.
        """),
    ]

def agile_ai_ch4():
    return [
        md("""
        # Agile Artificial Intelligence in Pharo, chapter 4 — the theory of learning

        Alexandre Bergel explains learning with the plainest question in data
        fitting: which straight line `f(x) = a*x + b` best follows a handful of
        points? He measures a line's badness with a loss function, finds better
        `a` and `b` by gradient descent, then speeds things up with mini-batches.
        His scripts are Pharo Smalltalk; here every run is one `fit` call into nnc's
        C engine, and every number the chapter prints is checked.
        """),
        code(SETUP, """
        from nnc import book, datasets
        """),
        md("""
        ## A1 · A loss function: how bad is a line?

        Four points, in the book's order: (1, 3.0), (3, 5.2), (2, 4.1), (4, 7.5). No
        line goes through all of them, so we need a number that says how far a line
        is from the points. Bergel uses the mean squared error

            J(a, b) = (1/n) * sum_i (y_i - (a * x_i + b))**2

        which is never negative and is small only when every point is close to the
        line. The arbitrary line a = 0.5, b = 3 scores 1.75; the line a = 2, b = −0.5
        scores 0.67, clearly better.
        """),
        code("""
        a1 = book.a1_cost()
        print(a1)
        assert a1.cost[0] == 1.75
        assert a1.cost[1] == 0.6749999999999998 and f"{a1.cost[1]:.2f}" == "0.67"

        fig = plot.points_with_lines(a1.x, a1.y, {"a=0.5, b=3: J=1.75": (0.5, 3.0),
                                                  "a=2, b=-0.5: J=0.67": (2.0, -0.5)},
                                     xlim=(0, 5), title="A1: two lines, two costs")
        """),
        md("""
        ## A2 · Gradient descent

        Trying every `(a, b)` is hopeless, but the loss tells us which way is
        downhill. Its partial derivatives are

            dJ/da = (2/n) * sum_i -x_i * (y_i - f(x_i))
            dJ/db = (2/n) * sum_i -(y_i - f(x_i))

        and each update moves both parameters a little against them:
        `a -= lr * dJ/da`, `b -= lr * dJ/db`, with learning rate 0.01. After the
        first update the cost is 1.4127335; after 1000 updates the line is about
        a = 1.42, b = 1.39 (the book truncates to two decimals).
        """),
        code("""
        a2 = book.a2_gradient_descent()
        print(a2)
        assert a2.mse[0] == 1.4127335
        a_end, b_end = a2.a[-1], a2.b[-1]
        assert (np.trunc(a_end * 100) / 100, np.trunc(b_end * 100) / 100) == (1.42, 1.39)

        # the same update in plain Python, sums left to right in the book's order
        x, y = datasets.bergel_points()
        a, b = 0.5, 3.0
        for _ in range(1000):
            da = (2 / 4) * sum(-xi * (yi - (xi * a + b)) for xi, yi in zip(x, y))
            db = (2 / 4) * sum(-(yi - (xi * a + b)) for xi, yi in zip(x, y))
            a, b = a - 0.01 * da, b - 0.01 * db
        print("plain Python:", a, b, " nnc:", a_end, b_end)
        assert abs(a - a_end) < 1e-12 and abs(b - b_end) < 1e-12
        """),
        md("""
        The cost after each update (the book's figure 4-4) falls quickly and then
        flattens: it cannot reach 0 because the points are not on one line. The
        fitted line (figure 4-3) runs through the middle of the points.
        """),
        code("""
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot.loss_curves(a2.mse, ax=axes[0], title="A2: cost per update", xlabel="update",
                         ylabel="J(a, b)")
        plot.points_with_lines(a2.x, a2.y, {"start (0.5, 3)": (0.5, 3.0),
                                            f"after 1000 updates: a={a_end:.4f}, b={b_end:.4f}":
                                            (a_end, b_end)},
                               xlim=(0, 5), ax=axes[1], title="A2: the fitted line")
        fig.tight_layout()
        assert np.all(np.diff(a2.mse) < 0)
        """),
        md("""
        **Beyond the book: the path on the loss surface.** J depends on two numbers,
        so we can draw it as a map over `(a, b)` — `nnc.loss_surface` evaluates it
        in C on a grid — and overlay the 1001 points `(a, b)` the descent visited.
        The loss is a long, narrow valley: the first updates drop almost straight
        down the steep wall, the rest crawl along the valley floor towards its
        lowest point, which is why the cost curve flattens. The least-squares line
        (the valley's bottom, from `np.polyfit`) is marked with a cross.
        """),
        code("""
        model = nnc.Sequential([nnc.Dense(1, 1)], dtype="float64")
        a_grid, b_grid = np.linspace(0.0, 2.5, 101), np.linspace(-0.5, 3.5, 81)
        J = nnc.loss_surface(model, a2.x[:, None], a2.y[:, None], "mse",
                             params=(("layers.0.weight", (0, 0)), ("layers.0.bias", (0,))),
                             grid=(a_grid, b_grid))
        best = np.polyfit(a2.x, a2.y, 1)
        fig = plot.loss_contour(a_grid, b_grid, J, path=(a2.a, a2.b), levels=25, log=True,
                                title="A2: J(a, b) and the descent path", xlabel="a (slope)",
                                ylabel="b (intercept)")
        fig.axes[0].plot(*best, "x", color="tab:red", ms=10, mew=2, zorder=6,
                         label="least squares")
        fig.axes[0].legend()
        # the grid agrees with the book's cost at the grid point (0.5, 3)
        i, j = np.argmin(abs(a_grid - 0.5)), np.argmin(abs(b_grid - 3.0))
        assert abs(J[j, i] - 1.75) < 1e-12
        path_J = np.array([J[np.argmin(abs(b_grid - bb)), np.argmin(abs(a_grid - aa))]
                           for aa, bb in zip(a2.a[::100], a2.b[::100])])
        assert np.all(np.diff(path_J) <= 1e-9)   # downhill along the path
        """),
        md("""
        ## A3 · Points on one line: the cost goes to zero

        With the aligned points (4, 6.5), (2, 3.5), (2, 3.5), (2, 3.5) a perfect
        line exists (a = 1.5, b = 0.5), and the cost approaches 0 — on a log scale
        the approach is a straight line: the error shrinks by a constant factor per
        update once the valley is reached.
        """),
        code("""
        a3 = book.a3_aligned_points()
        print(a3)
        assert a3.mse[-1] < 1e-5 and np.all(np.diff(a3.mse) < 0)
        assert abs(a3.a[-1] - 1.5) < 0.01 and abs(a3.b[-1] - 0.5) < 0.01
        fig = plot.loss_curves(a3.mse, log=True, title="A3: aligned points, cost per update",
                               xlabel="update", ylabel="J(a, b)")
        """),
        md("""
        ## A4 · A hundred noisy points

        Bergel generates points around `y = x` with Pharo's `Random seed: 42`. That
        generator is the Park–Miller "minimal standard": `seed <- 16807 * seed mod
        (2**31 - 1)` and each draw is `seed / (2**31 - 1)`. `nnc.datasets.ParkMiller`
        reproduces it exactly, so we get the book's very points:
        point i (1..N) is `x = i/N`, `y = (draw * 40 - 20 + i) / N`.
        """),
        code("""
        r = datasets.ParkMiller(42)
        draws = [r.next() for _ in range(3)]
        print(draws)
        assert draws == [0.00032870750889587566, 0.5245871020129822, 0.7354235321913956]
        x, y = datasets.noisy_line(100, 42)
        assert (x[0], y[0]) == (0.01, -0.18986851699644167)
        assert (x[-1], y[-1]) == (1.0, 0.97862954166654)
        """),
        md("""
        3000 gradient-descent updates from (0.5, 3) with learning rate 0.01: the
        cost (figure 4-5) and the fitted line through the cloud (figure 4-6).
        """),
        code("""
        a4 = book.a4_noisy_line()
        print(a4)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot.loss_curves(a4.mse, ax=axes[0], title="A4: cost per update", xlabel="update",
                         ylabel="J(a, b)")
        plot.points_with_lines(a4.x, a4.y, {f"a={a4.a[-1]:.3f}, b={a4.b[-1]:.3f}":
                                            (a4.a[-1], a4.b[-1])},
                               ax=axes[1], title="A4: 100 noisy points and the fitted line")
        fig.tight_layout()
        assert abs(a4.a[-1] - 1) < 0.05 and abs(a4.b[-1]) < 0.05   # close to y = x
        """),
        md("""
        ## A5 · Mini-batch stochastic gradient descent

        Full-batch descent looks at all points before every update. Mini-batch SGD
        cuts the data into batches of 5 (in data order here, as in the book) and
        updates after each batch, using that batch's gradient: 20 updates per pass
        over the data (an *epoch*) instead of one. The epoch's cost is Bergel's: for
        every batch, after its update, the batch's squared errors divided by N,
        summed over the epoch.

        Per epoch, mini-batches make far more progress: after 1000 epochs SGD has
        reached a lower cost than full-batch descent after 3000 updates.
        """),
        code("""
        a5 = book.a5_minibatch_sgd()
        print(a5)
        assert a5.a.size == 1000 * 20 + 1          # every update recorded
        fig = plot.loss_curves({"gradient descent (A4), per update": a4.mse[:1000],
                                "mini-batch SGD (A5), per epoch": a5.mse},
                               log=True, title="A4 vs A5: cost over the first 1000 passes",
                               xlabel="pass over the data", ylabel="J(a, b)")
        assert a5.mse[-1] < a4.mse[-1]
        """),
        md("""
        ## A6 · Timing on 30,000 points

        Bergel times both algorithms on 30,000 points in Pharo: 27.479 s for 3000
        full-batch iterations and 18.847 s for 1000 epochs of mini-batch SGD (3.2 GHz
        Core i5). nnc runs both in C, each as one call; the times below are measured
        on the machine that ran this notebook (they vary from run to run and machine
        to machine, so nothing is asserted about them). SGD makes 6,000 updates per
        epoch here — 6 million in all — yet costs about as much as 3000 full-batch
        passes, because the work is in touching the points, and both touch each point
        once per pass.
        """),
        code("""
        a6 = book.a6_timing()
        print(a6)
        print(f"speed-up over Pharo: gradient descent {a6.book_gd_seconds / a6.gd_seconds:.0f}x, "
              f"mini-batch SGD {a6.book_sgd_seconds / a6.sgd_seconds:.0f}x")
        assert abs(a6.sgd_line[0] - 1) < 0.01 and abs(a6.sgd_line[1]) < 0.01
        """),
        md("""
        ## A7 · The derivative of the sigmoid

        Bergel's neurons use the sigmoid `s(x) = 1 / (1 + exp(-x))`, and its
        derivative is the neat `s(x) * (1 - s(x))`: differentiate `(1 + exp(-x))**-1`
        to get `exp(-x) / (1 + exp(-x))**2`, then split that into
        `1/(1 + exp(-x))` times `exp(-x)/(1 + exp(-x)) = 1 - s(x)`. nnc's backward
        kernel uses this form; here it is checked against central differences.
        The slope peaks at 1/4 at x = 0 and vanishes in both tails — which is why a
        sigmoid neuron that starts deep in a tail learns slowly (notebook 03).
        """),
        code("""
        a7 = book.a7_sigmoid_derivative()
        print(a7)
        assert a7.max_backward_vs_closed <= 1e-15
        assert a7.max_closed_vs_numeric < 1e-9
        fig = plot.activation_functions(["sigmoid"], title="A7: the sigmoid and its derivative s(1-s)")
        """),
    ]

def sigmoid_neuron():
    return [
        md("""
        # The sigmoid neuron's learning algorithm, with the maths

        Niranjan Kumar's article (after the padhAI course) trains a single sigmoid
        neuron, `f(x) = sigmoid(w*x + b)`, on two points, and explains *why* the
        gradient-descent update lowers the loss. Here the training run is one `fit`
        call into nnc's C engine, the loss surface is evaluated in C on a grid, and
        the article's figures — the surface, the contour with the path, and an
        animation of the descent — are redrawn with `nnc.plot`.

        The data are X = [0.5, 2.5] with targets Y = [0.2, 0.9]. The loss is summed
        over the points, with a factor one half:

            L(w, b) = sum_i (f(x_i) - y_i)**2 / 2

        and the parameters are updated once per epoch, after both points.
        """),
        code(SETUP, """
        from nnc import book, datasets
        import nnc.functional as F
        """),
        md("""
        ## Why step against the gradient?

        Write the parameters as one vector `theta = (w, b)` and consider a small move
        `eta * u` in some direction `u`. Taylor's expansion says

            L(theta + eta*u) = L(theta) + eta * u . grad L(theta) + (terms in eta**2, eta**3, ...)

        For a small `eta` the higher terms are negligible, so the move lowers the
        loss when `u . grad L` is negative — and lowers it most when `u` points
        exactly opposite to the gradient, because `u . grad L = |u| |grad L| cos(angle)`
        and the cosine is smallest, −1, at 180°. Hence the rule
        `theta <- theta - eta * grad L`.

        We can watch this happen at the starting point w = 0, b = −8: take a step of length
        0.01 in every direction and record the change of the loss. It follows the
        first-order prediction `eta |grad L| cos(angle)` closely, and it is most
        negative at 180° from the gradient.
        """),
        code("""
        x, y = datasets.padhai_toy()
        assert list(x) == [0.5, 2.5] and list(y) == [0.2, 0.9]

        def loss(w, b):
            f = F.sigmoid(np.multiply.outer(w, x) + np.asarray(b)[..., None])
            return ((f - y) ** 2 / 2).sum(axis=-1)

        def grad(w, b):
            f = F.sigmoid(w * x + b)
            g = (f - y) * f * (1 - f)           # dL/df times df/dz, per point
            return np.array([(g * x).sum(), g.sum()])

        g0 = grad(0.0, -8.0)
        angles = np.linspace(-180, 180, 361)               # degrees from the gradient
        eta = 0.01
        direction = np.arctan2(g0[1], g0[0]) + np.radians(angles)
        change = loss(eta * np.cos(direction), -8.0 + eta * np.sin(direction)) - loss(0.0, -8.0)
        first_order = eta * np.linalg.norm(g0) * np.cos(np.radians(angles))
        best = angles[np.argmin(change)]
        print(f"gradient at (0, -8): {g0}; the loss falls most at {best:g} degrees from it")
        assert abs(best) == 180
        # the neglected eta**2 terms are about 1% of the first-order change here
        assert np.abs(change - first_order).max() < 0.02 * np.abs(first_order).max()

        fig = plot.loss_curves({"measured": change, "first-order Taylor: eta |g| cos(angle)":
                                first_order}, x=angles,
                               title=f"Loss change for a step of {eta} in each direction",
                               xlabel="angle between the step and the gradient (degrees)",
                               ylabel="L(new) - L(old)")
        fig.axes[0].axhline(0, color="k", lw=0.8);
        """),
        md("""
        ## S1 · Gradient descent from w = 0, b = −8

        The partial derivatives, by the chain rule through the sigmoid (whose
        derivative is `f (1 - f)`), are

            dL/dw = sum_i (f_i - y_i) f_i (1 - f_i) x_i
            dL/db = sum_i (f_i - y_i) f_i (1 - f_i)

        The run starts at w = 0, b = −8 with learning rate 1 for 1000 epochs. The
        article chose that start on purpose: there `w*x + b` is about −8 for both
        points, deep in the sigmoid's flat tail, the factor `f (1 - f)` is about
        0.0003, and learning crawls.
        """),
        code("""
        s1 = book.s1_sigmoid_neuron()
        print(s1)
        assert abs(s1.loss[0] - 0.4246312273161969) <= 1e-12 * 0.4246312273161969

        # the same epochs with the formulas above, in NumPy
        w, b = 0.0, -8.0
        for _ in range(1000):
            gw, gb = grad(w, b)
            w, b = w - 1.0 * gw, b - 1.0 * gb
        print("NumPy:", w, b, "  nnc:", s1.w[-1], s1.b[-1])
        assert abs(w - s1.w[-1]) < 1e-9 and abs(b - s1.b[-1]) < 1e-9
        """),
        md("""
        The loss curve shows the plateau: for about 400 epochs the loss barely moves
        from 0.4246, while `w` and `b` drift out of the flat tail. Once the neuron's
        outputs reach the sigmoid's steep middle, the gradient is suddenly large and
        the loss falls by a factor of twenty within a few dozen epochs.
        """),
        code("""
        drop = int(np.argmax(s1.loss < 0.1))
        print("the loss falls below 0.1 at epoch", drop)
        assert s1.loss[300] > 0.42 and 400 < drop < 500 and s1.loss[-1] < 0.02

        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot.loss_curves(s1.loss, ax=axes[0], title="S1: loss per epoch", xlabel="epoch",
                         ylabel="loss")
        grid_x = np.linspace(0, 3, 200)
        plot.points_with_lines(x, y, {"start: w=0, b=-8": lambda t: F.sigmoid(0 * t - 8),
                                      f"after 1000 epochs: w={s1.w[-1]:.2f}, b={s1.b[-1]:.2f}":
                                      lambda t: F.sigmoid(s1.w[-1] * t + s1.b[-1])},
                               xlim=(0, 3), ax=axes[1], title="S1: the neuron's curve",
                               ylabel="f(x)")
        fig.tight_layout()
        """),
        md("""
        ## S2 · The loss surface

        Evaluating the loss for every `(w, b)` with w in [−2, 6] and b in [−10, 2]
        gives the article's surface. `nnc.loss_surface` does this in C on a grid,
        holding the data fixed and setting the two parameters for each grid point.
        The corners are checked against the article's values.
        """),
        code("""
        s2 = book.s2_loss_surface(path=s1)
        print(s2)
        W, B, L = s2.w_grid, s2.b_grid, s2.loss
        assert L.shape == (B.size, W.size)          # rows follow b, columns follow w
        assert (W[0], B[0], B[-1]) == (-2.0, -10.0, 2.0)
        assert abs(L[0, 0] - 0.42499638454314176) <= 1e-12 * 0.425
        assert abs(L[-1, 0] - 0.5044529278317778) <= 1e-12 * 0.505
        assert np.allclose(L, loss(*np.meshgrid(W, B)), rtol=1e-12, atol=0)
        """),
        md("""
        As a 3-D surface: a high flat shelf on the left (where the sigmoid is near 0
        for both points, or near 1), and a curved valley that descends towards large
        `w` and negative `b`. The red line is S1's path: it starts on the shelf, creeps,
        slides down into the valley and then follows the valley floor.
        """),
        code("""
        fig = plot.loss_surface_3d(W, B, L, path=(s1.w, s1.b, s1.loss),
                                   title="S2: loss surface and the descent path")
        """),
        code("""
        fig = plot.loss_contour(W, B, L, path=(s1.w, s1.b), levels=20,
                                title="S2: contour map and the descent path")
        # downhill: along the path the loss never rises
        assert np.all(np.diff(s1.loss) <= 0)
        """),
        md("""
        ### The descent, animated

        The animation samples frames evenly along the distance travelled, not along
        the epochs, so the long creep on the plateau takes a few frames and the fast
        slide into the valley gets most of them (the frame label shows the epoch).
        """),
        code("""
        anim = plot.descent_animation(W, B, L, (s1.w, s1.b, s1.loss), frames=16,
                                      spacing="distance", interval=250,
                                      title="S1 on the loss surface", figsize=(5, 3.6))
        print("epochs shown:", anim.nnc_frames)
        plot.animation_html(anim, frame_format="jpeg")
        """),
        md("""
        Where the player cannot run (a PDF, or this notebook viewed on a code host
        that does not execute JavaScript), the same descent as four stills:
        """),
        code("""
        fig = plot.descent_snapshots(W, B, L, (s1.w, s1.b), count=4, spacing="distance",
                                     title="S1 on the loss surface, four stills")
        """),
        md("""
        **What to take away:** gradient descent is guaranteed to go downhill for a
        small enough step, but how *fast* it goes depends on where it starts. A
        saturated sigmoid has almost no slope, so a bad start can waste hundreds of
        epochs — one reason later chapters care so much about initialisation.
        """),
    ]

def beyond_the_books():
    return [
        md("""
        # Beyond the books

        The chapters run a few dozen training steps by hand. With a C engine that
        runs a whole training in one call, we can ask the questions the chapters
        leave open — by running thousands of trainings:

        1. **Which learning rates work?** An alpha sweep of thousands of fits, and
           the critical learning rate `nnc.max_stable_lr` predicts.
        2. **Why do gradients win?** Hot/cold learning against gradient descent,
           counted in forward passes.
        3. **An optimizer race**: SGD, Momentum, Nesterov and Adam on one loss surface.
        4. **A real network**: a small MLP on scikit-learn's handwritten digits.
        """),
        code(SETUP, """
        import time
        """),
        md("""
        ## 1 · The critical learning rate

        Trask's network `pred = input * weight` with his update is gradient descent
        on half the squared error. Each step multiplies the miss by
        `1 - alpha * input**2` (notebook 01), so it converges exactly when
        `0 < alpha < 2 / input**2`. More generally, for any linear model with a
        squared-error loss the loss is a quadratic bowl whose steepest curvature is
        the largest eigenvalue `lambda_max` of its Hessian; gradient descent
        converges for learning rates below `2 / lambda_max` and blows up above it.
        `nnc.max_stable_lr(X)` computes that bound from the data.

        First, 2000 learning rates for input 2, each a 20-step fit from weight 0.5:
        """),
        code("""
        X, y = np.array([[2.0]]), np.array([[0.8]])
        half_sse = nnc.losses.MSE(reduction="sum", half=True)
        sse = nnc.losses.MSE(reduction="sum")
        critical = nnc.max_stable_lr(X, loss=half_sse)
        print("critical learning rate for input 2:", critical)
        assert critical == 2 / 2.0 ** 2

        model = nnc.Sequential([nnc.Dense(1, 1, bias=False)], seed=0)
        start = sse(np.array([[2.0 * 0.5]]), y)                 # error before training: 0.04

        def final_error(alpha, steps=20):
            model.layers[0].weight[...] = 0.5
            model.fit(X, y, loss=half_sse, optimizer=nnc.SGD(alpha), epochs=steps,
                      divergence=None)                         # let blow-ups run to the end
            return model.evaluate(X, y, sse)

        alphas = np.linspace(0.0, 0.75, 2000)
        t0 = time.perf_counter()
        finals = np.array([final_error(a) for a in alphas])
        print(f"{alphas.size} fits in {time.perf_counter() - t0:.2f} s")
        better = finals < start
        print(f"the error shrank for alpha from {alphas[better].min():.6f} to {alphas[better].max():.6f}")
        assert np.array_equal(better, (alphas > 0) & (alphas < critical))

        fig = plot.learning_rate_map(alphas, finals, critical=critical, diverge_above=start,
                                     title="Input 2: error after 20 steps, 2000 fits",
                                     ylabel="error after 20 steps")
        """),
        md("""
        Now both the learning rate and the input vary: 40 inputs × 250 learning
        rates, 10,000 fits. Runs that end with a larger error than they started with
        are coloured red. The white curve is `nnc.max_stable_lr` for each input,
        2 / input²: it traces the border exactly.
        """),
        code("""
        inputs = np.linspace(0.25, 3.0, 40)
        rates = np.geomspace(0.01, 40.0, 250)
        finals = np.empty((inputs.size, rates.size))
        t0 = time.perf_counter()
        for i, x in enumerate(inputs):
            Xi = np.array([[x]])
            start_i = (x * 0.5 - 0.8) ** 2
            for j, alpha in enumerate(rates):
                model.layers[0].weight[...] = 0.5
                model.fit(Xi, y, loss=half_sse, optimizer=nnc.SGD(alpha), epochs=30,
                          divergence=None)
                e = model.evaluate(Xi, y, sse)
                finals[i, j] = e if e < start_i else np.inf
        print(f"{finals.size} fits in {time.perf_counter() - t0:.2f} s")
        crit = np.array([nnc.max_stable_lr([[x]], loss=half_sse) for x in inputs])
        assert np.allclose(crit, 2 / inputs ** 2)
        # the border of the converging region is the critical rate, to the grid's resolution
        for i in range(inputs.size):
            ok = np.isfinite(finals[i])
            last_ok = rates[ok].max()
            assert last_ok < crit[i] <= rates[rates > last_ok].min()
        fig = plot.divergence_map(rates, inputs, finals, critical=lambda x: 2 / x ** 2,
                                  title="Where gradient descent converges (30 steps)")
        """),
        md("""
        The same holds with more than one parameter. For Bergel's line fit (slope
        and intercept, mean squared error over his four points) the Hessian is
        `2 XᵀX / n` with a column of ones for the intercept; its largest eigenvalue
        sets the critical rate, which is far below what the slope alone would
        suggest because the two parameters are coupled.
        """),
        code("""
        xb = np.array([[1.0], [3.0], [2.0], [4.0]])
        yb = np.array([[3.0], [5.2], [4.1], [7.5]])
        crit_line = nnc.max_stable_lr(xb, loss="mse", bias=True)
        print("critical learning rate for the line fit:", crit_line)

        line = nnc.Sequential([nnc.Dense(1, 1)], seed=0)
        def line_cost(lr, epochs=300):
            line.layers[0].weight[...] = 0.5
            line.layers[0].bias[...] = 3.0
            line.fit(xb, yb, loss="mse", optimizer=nnc.SGD(lr), epochs=epochs, divergence=None)
            return line.evaluate(xb, yb, "mse")

        lrs = np.linspace(0.001, 0.16, 1000)
        costs = np.array([line_cost(lr) for lr in lrs])
        start_cost = 1.75
        assert np.all(costs[lrs < crit_line] < start_cost) and np.all(costs[lrs > crit_line] > start_cost)
        fig = plot.learning_rate_map(lrs, costs, critical=crit_line, diverge_above=start_cost,
                                     title="Bergel's line: cost after 300 epochs, 1000 fits",
                                     xlabel="learning rate", ylabel="cost J(a, b)")
        """),
        md("""
        ## 2 · Hot/cold learning against gradient descent, in forward passes

        Hot/cold learning needs no derivative, but it pays in predictions: for each
        of its `n` parameters it tries a step up and a step down, so one update costs
        `1 + 2n` forward passes. Gradient descent gets the direction for *all*
        parameters from one forward and one backward pass. nnc's `HotCold` optimizer
        generalises Trask's loop to any model and the `History` counts the passes.

        Race on Bergel's four points (two parameters) to within 1% of the best
        possible cost:
        """),
        code("""
        best = np.polyfit(xb[:, 0], yb[:, 0], 1)
        J_min = np.mean((yb[:, 0] - np.polyval(best, xb[:, 0])) ** 2)
        target = 1.01 * J_min
        runs = {}
        for name, opt in [("hot/cold, step 0.001", nnc.HotCold(0.001)),
                          ("gradient descent, lr 0.01", nnc.SGD(0.01)),
                          ("gradient descent, lr 0.05", nnc.SGD(0.05))]:
            line.layers[0].weight[...] = 0.5
            line.layers[0].bias[...] = 3.0
            h = line.fit(xb, yb, loss="mse", optimizer=opt, epochs=3000, record="step")
            per_step = h.forward_passes // h.steps
            reached = int(np.argmax(h.step_loss < target))
            runs[name] = (h, per_step, reached)
            print(f"{name:28s} {per_step} passes per step; within 1% after {reached} steps "
                  f"= {reached * per_step} forward passes")
        hc, gd = runs["hot/cold, step 0.001"], runs["gradient descent, lr 0.01"]
        assert hc[1] == 5 and gd[1] == 1
        assert hc[2] * hc[1] > 5 * gd[2] * gd[1]

        fig, ax = plt.subplots(figsize=(6, 4))
        for name, (h, per_step, _) in runs.items():
            passes = np.arange(1, h.steps + 1) * per_step
            gap = h.step_loss - J_min
            keep = np.arange(gap.size) <= np.argmax(gap < 1e-12) if (gap < 1e-12).any() else slice(None)
            ax.plot(passes[keep], gap[keep], label=name)   # cut where rounding noise begins
        ax.set_xscale("log"); ax.set_yscale("log")
        ax.set_xlabel("forward passes"); ax.set_ylabel("cost above the minimum")
        ax.set_title("Hot/cold vs gradient descent, by forward passes")
        ax.grid(True, alpha=0.3); ax.legend();
        """),
        md("""
        Hot/cold also stalls once its fixed step is too coarse for the remaining
        distance (the flat tail of its curve), exactly the second flaw Trask points
        out. And the price grows with the model: for the digit network of section 4,
        with 4,810 parameters, one hot/cold update would take 9,621 forward passes.
        """),
        md("""
        ## 3 · An optimizer race on one loss surface

        Back to the sigmoid neuron of notebook 03, started on its plateau at
        w = 0, b = −8. Plain gradient descent creeps for hundreds of epochs there.
        Momentum accumulates the small, consistent gradient into speed
        (`v = mu v - lr g; theta += v`); Nesterov takes the gradient at the point
        momentum is about to reach; Adam divides each step by a running estimate of
        the gradient's size, so a tiny gradient still gives a step of about `lr`.
        Each run is 300 epochs, one `fit` call, recording the parameter path.
        """),
        code("""
        xs, ys = np.array([[0.5], [2.5]]), np.array([[0.2], [0.9]])

        def neuron():
            m = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], seed=0)
            m.layers[0].weight[...] = 0.0
            m.layers[0].bias[...] = -8.0
            return m

        optimizers = {"SGD": nnc.SGD(1.0), "Momentum": nnc.Momentum(1.0, 0.9),
                      "Nesterov": nnc.Nesterov(1.0, 0.9), "Adam": nnc.Adam(0.1)}
        race = {}
        for name, opt in optimizers.items():
            h = neuron().fit(xs, ys, loss=half_sse, optimizer=opt, epochs=300, record="params")
            race[name] = h
            below = h.step_loss < 0.05
            print(f"{name:9s} loss after 300 epochs {h.step_loss[-1]:.5f}; below 0.05 "
                  + (f"from epoch {int(np.argmax(below))}" if below.any() else "never"))
        assert race["SGD"].step_loss[-1] > 0.4                 # still on the plateau
        for name in ("Momentum", "Nesterov", "Adam"):
            assert race[name].step_loss[-1] < 0.01

        W = np.linspace(-2, 10, 121)
        B = np.linspace(-10, 2, 101)
        L = nnc.loss_surface(neuron(), xs, ys, half_sse,
                             params=(("layers.0.weight", (0, 0)), ("layers.0.bias", (0,))),
                             grid=(W, B))
        fig = plot.optimizer_paths(W, B, L, {name: h.params for name, h in race.items()},
                                   title="300 epochs from (0, -8) on the sigmoid neuron's loss")
        """),
        code("""
        fig = plot.loss_curves({name: h.step_loss for name, h in race.items()}, log=True,
                               title="Loss per epoch", xlabel="epoch")
        """),
        md("""
        Momentum and Nesterov overshoot across the valley and swing back (their
        paths loop), Adam heads almost straight for the valley floor, and SGD has
        barely left the start. None of this makes Adam "the best" in general — on
        the smooth bowl of a linear fit plain gradient descent with a good rate is
        hard to beat — but on plateaus, adaptive and momentum methods shine.
        """),
        md("""
        ## 4 · A small network on real data: handwritten digits

        scikit-learn ships 1,797 8×8 images of digits. A 64-64-10 network (ReLU
        hidden layer, softmax cross-entropy on the 10 outputs) trained with Adam,
        mini-batches of 32, reshuffled every epoch, for 30 epochs — again one call
        into C for the whole training.
        """),
        code("""
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        digits = load_digits()
        X_train, X_test, y_train, y_test = train_test_split(
            digits.data / 16.0, digits.target, test_size=0.25, random_state=0,
            stratify=digits.target)
        mlp = nnc.Sequential([nnc.Dense(64, 64, init="he_uniform"), nnc.ReLU(),
                              nnc.Dense(64, 10)], seed=0)
        print(mlp)
        t0 = time.perf_counter()
        hist = mlp.fit(X_train, y_train, loss="cross_entropy", optimizer=nnc.Adam(1e-3),
                       epochs=30, batch_size=32, shuffle=True)
        seconds = time.perf_counter() - t0
        accuracy = float((mlp.predict(X_test).argmax(axis=1) == y_test).mean())
        print(f"{hist.steps} Adam steps in {seconds:.2f} s; test accuracy {accuracy:.1%}")
        assert accuracy > 0.93
        """),
        code("""
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1.3, 1]})
        plot.loss_curves(hist.loss, ax=axes[0], title="Training loss per epoch", xlabel="epoch",
                         ylabel="cross-entropy")
        pred = mlp.predict(X_test).argmax(axis=1)
        wrong = np.flatnonzero(pred != y_test)[:8]
        axes[1].axis("off")
        axes[1].set_title(f"{(pred != y_test).sum()} of {y_test.size} test digits missed; some:")
        for k, i in enumerate(wrong):
            sub = axes[1].inset_axes([(k % 4) * 0.25, 0.5 - (k // 4) * 0.5, 0.23, 0.42])
            sub.imshow(X_test[i].reshape(8, 8), cmap="gray_r")
            sub.set_title(f"{y_test[i]} read as {pred[i]}", fontsize=8)
            sub.set_xticks([]); sub.set_yticks([])
        """),
    ]

def vasilev_ch2():
    return [
        md("""
        # Advanced Deep Learning with Python, chapter 2 — the nuts and bolts of networks

        Ivan Vasilev's chapter gathers the mathematics a network runs on — linear
        algebra, probability, information theory — and then the parts of a network
        and its training: activation functions, why one hidden layer can
        approximate anything, cost functions, weight initialisation, and the
        optimizers that improve on plain gradient descent. Each walkthrough below
        is one `nnc.book` function built on nnc's kernels (`nnc.mathtools`,
        `nnc.functional`, layers and `fit`); the chapter's numbers are asserted.
        """),
        code(SETUP, """
        from fractions import Fraction
        from nnc import book, mathtools
        import nnc.functional as F
        """),
        md("""
        ## V3 · Vectors and matrices

        A layer is a matrix product, so the chapter starts with the operations:
        adding vectors, the dot product (the sum of element-wise products), cosine
        similarity (the dot product of the two directions, 1 when they point the
        same way), the cross product (a vector perpendicular to both), transposes and
        matrix products. nnc's `matmul` is checked against NumPy on the way.
        """),
        code("""
        v3 = book.v3_linear_algebra()
        print(v3)
        assert v3.dot == 32.0 and list(v3.sum) == [5.0, 7.0, 9.0]
        assert abs(v3.cosine - 32 / (np.sqrt(14) * np.sqrt(77))) < 1e-15
        assert list(v3.cross) == [-3.0, 6.0, -3.0]
        assert mathtools.dot(v3.cross, v3.a) == 0 and mathtools.dot(v3.cross, v3.b) == 0
        assert np.array_equal(v3.AB, v3.A @ v3.B) and np.array_equal(v3.Ax, v3.A @ v3.x)
        assert np.array_equal(nnc.matmul(v3.A, v3.B), v3.A @ v3.B)
        """),
        md("""
        ## V1 · Probability

        Cards: a red card that is also a jack has probability 1/2 × 1/13 = 1/26. Two
        hearts in a row without putting the first back: after one heart, 12 of the
        remaining 51 cards are hearts, so P(heart₂ | heart₁) = 12/51 ≈ 0.235.
        Bayes' rule turns a test's reliability around: a test that is positive for
        98% of the sick, in a population where 2% are sick and 3.9% test positive,
        gives P(sick | positive) = 0.98 × 0.02 / 0.039 ≈ 0.50 — a coin flip,
        because the disease is rare.
        """),
        code("""
        v1 = book.v1_probability()
        print(v1)
        assert Fraction(v1.p_red_and_jack) == Fraction(1, 26)
        assert Fraction(v1.p_second_heart) == Fraction(12, 51)
        assert f"{float(v1.p_second_heart):.3f}" == "0.235"
        assert v1.bayes == 0.5025641025641026
        assert abs(v1.mean - 2.3) < 1e-15 and abs(v1.variance - 2.01) < 1e-14
        """),
        md("""
        A random variable's distribution: the binomial probabilities of the number of
        heads in 10 fair tosses, and the normal density for a few means and spreads.
        """),
        code("""
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        axes[0].bar(v1.binomial_k, v1.binomial_pmf, color="tab:blue")
        axes[0].set_title("binomial: heads in 10 fair tosses")
        axes[0].set_xlabel("k"); axes[0].set_ylabel("P(k)")
        for (mu, sigma), pdf in zip(v1.normal_params, v1.normal_pdf):
            axes[1].plot(v1.normal_x, pdf, label=f"mu={mu:g}, sigma={sigma:g}")
        axes[1].set_title("normal densities"); axes[1].set_xlabel("x"); axes[1].legend()
        for ax in axes:
            ax.grid(True, alpha=0.3)
        fig.tight_layout()
        assert abs(v1.binomial_pmf.sum() - 1) < 1e-15 and v1.binomial_pmf[5] == 252 / 1024
        """),
        md("""
        ## V2 · Information

        The information of an outcome with probability p is `-log p`: a likely
        outcome (0.8) carries little (0.22 nats), an unlikely one (0.2) a lot (1.61).
        Entropy is the expected information of a distribution — a fair coin has
        ln 2 nats, which is 1 bit; a biased coin less. Cross-entropy `H(P, Q)` is
        the expected information when events follow P but we score them with Q, and
        it exceeds the entropy of P by exactly the KL divergence `KL(P || Q)`. That
        is why minimising cross-entropy against fixed targets is the same as
        minimising KL.
        """),
        code("""
        v2 = book.v2_information()
        print(v2)
        import math
        assert abs(v2.information_08 - 0.2231435513142097) <= 1e-12 * 0.22
        assert abs(v2.information_02 - 1.6094379124341003) <= 1e-12 * 1.61
        assert f"{v2.information_08:.2f}" == "0.22" and f"{v2.information_02:.2f}" == "1.61"
        assert abs(v2.entropy_fair - 0.6931471805599453) <= 1e-12 and v2.entropy_fair_bits == 1.0
        assert abs(v2.entropy_biased - 0.5004024235381879) <= 1e-12
        assert abs(v2.cross_entropy - 0.916290731874155) <= 1e-12
        assert abs(v2.kl - math.log(1.25)) <= 2 * np.spacing(math.log(1.25))
        assert abs(v2.entropy_fair + v2.kl - v2.cross_entropy) < 1e-15

        fig = plot.loss_curves({"nats": v2.binary_entropy_nats, "bits": v2.binary_entropy_bits},
                               x=v2.p, title="Entropy of a coin that lands heads with probability p",
                               xlabel="p", ylabel="entropy")
        """),
        md("""
        ## V4 · Activation functions

        Without a non-linear activation, stacked layers collapse into one linear
        map. The chapter's catalogue, each with its derivative (what backpropagation
        multiplies by): the sigmoid and tanh saturate (derivative near 0 far from
        the origin); ReLU passes positives unchanged and blocks negatives; leaky
        ReLU and PReLU keep a small slope for negatives (PReLU learns it); ELU bends
        smoothly to −alpha; SELU scales ELU so that activations keep a fixed mean and
        variance through many layers.
        """),
        code("""
        v4 = book.v4_activations()
        print(v4)
        fig = plot.activation_functions(
            ["sigmoid", "tanh", "relu", ("leaky_relu", {"alpha": 0.2}),
             ("prelu", {"alpha": 0.25}), ("elu", {"alpha": 0.2}), "selu"],
            x=v4.x, layout="grid", title="V4: activations (solid) and their derivatives (dashed)")
        # the panels draw the book's arrays
        for k in range(len(v4.names)):
            assert np.array_equal(fig.axes[k].lines[0].get_ydata(), v4.values[k])
            assert np.array_equal(fig.axes[k].lines[1].get_ydata(), v4.derivatives[k])
        """),
        md("""
        Two of the chapter's numbers. Repeated sigmoids squash everything towards a
        fixed point: σ(2) = 0.88, σ(σ(2)) = 0.707 — a deep stack of sigmoids loses
        the input's scale. And softmax favours the larger score more than the scores
        themselves do: exp(1) = 2.7 and exp(2) = 7.39, so scores 1 and 2 (ratio 0.5)
        become probabilities 0.27 and 0.73 (ratio 0.37).
        """),
        code("""
        assert abs(v4.sigma_sigma_2 - 0.7069873680001046) <= 1e-12 and f"{v4.sigma_sigma_2:.3f}" == "0.707"
        assert f"{v4.exp1:.1f}" == "2.7" and f"{v4.exp2:.2f}" == "7.39"
        assert abs(v4.softmax_ratio - math.exp(-1)) < 1e-15
        assert v4.relu_relu_2 == 2.0
        assert abs(v4.selu_lambda - 1.0507009873554804934) < 1e-15
        """),
        md("""
        ## V5 · Universal approximation, one boxcar at a time

        Two sigmoid units with steep slopes make a step up and a step down; their
        difference is a *boxcar*, a rectangle. The chapter's example is
        `y = 7 σ(1000x + 5000) − 7 σ(1000x − 5000)`: 7 between −5 and 5, 3.5 exactly
        at the edges, 0 outside (far out the exponential overflows, and the
        sigmoid's stable form still returns 0). Here it is a 1-2-1 network with
        hand-set weights.
        """),
        code("""
        v5 = book.v5_universal_approximation()
        print(v5)
        assert list(v5.boxcar_x) == [-10, -5, 0, 5, 10]
        assert list(v5.boxcar_y) == [0.0, 3.5, 7.0, 3.5, 0.0]
        """),
        md("""
        Add more boxcars, each as tall as the target at its centre, and their sum
        follows any continuous function: 2k sigmoid units in one hidden layer give
        k boxcars. The error falls roughly in proportion to 1/k.
        """),
        code("""
        fig, axes = plt.subplots(1, 3, figsize=(14, 3.6), gridspec_kw={"width_ratios": [1, 1.3, 1]})
        axes[0].plot(v5.boxcar_grid, v5.boxcar_curve, lw=2)
        axes[0].plot(v5.boxcar_x, v5.boxcar_y, "o", color="tab:red")
        axes[0].set_title("one boxcar: two sigmoid units"); axes[0].set_xlabel("x")
        axes[0].grid(True, alpha=0.3)
        pick = [list(v5.units).index(k) for k in (4, 16, 64)]
        plot.boxcar_approximation(v5.x, v5.target,
                                  {f"{v5.units[i]} boxcars": v5.approximations[i] for i in pick},
                                  ax=axes[1], title="sums of boxcars")
        plot.loss_curves(v5.mean_abs_errors, x=v5.units, log=True, ax=axes[2],
                         title="error against boxcars", xlabel="boxcars (k)",
                         ylabel="mean |error|")
        axes[2].set_xscale("log")
        fig.tight_layout()
        assert np.all(np.diff(v5.mean_abs_errors) < 0)
        """),
        md("""
        ## V6 · XOR: one unit cannot, one hidden layer can

        A single unit draws one straight line through the plane, and no straight
        line separates XOR's ones (0,1), (1,0) from its zeros (0,0), (1,1). Trained
        on the log loss the single unit gives up and outputs 1/2 everywhere. One
        hidden layer of sigmoids bends the boundary and classifies all four points.
        """),
        code("""
        v6 = book.v6_xor()
        print(v6)
        assert v6.single_accuracy < 1.0 and v6.hidden_accuracy == 1.0

        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, model, name in ((axes[0], v6.single_model, "a single unit"),
                                (axes[1], v6.hidden_model, "one hidden layer (4 sigmoids)")):
            plot.decision_boundary(lambda G, m=model: F.sigmoid(m.predict(G)), v6.X, v6.y,
                                   resolution=120, ax=ax, title=f"XOR with {name}")
        fig.tight_layout()
        """),
        md("""
        ## V7 · Cost functions

        For regression: the squared error punishes big misses hard, the absolute
        error treats all misses alike (robust to outliers, but its gradient never
        shrinks), and the Huber loss is quadratic for misses smaller than delta and
        linear beyond — the best of both. For classification: softmax turns scores
        into probabilities and the cross-entropy scores them; the gradient of the
        pair with respect to the scores is simply `softmax − target`.
        """),
        code("""
        v7 = book.v7_costs()
        print(v7)
        curves = {"squared error": v7.mse, "absolute error": v7.mae}
        curves.update({f"Huber, delta {dl:g}": row for dl, row in zip(v7.huber_deltas, v7.huber)})
        fig = plot.loss_curves(curves, x=v7.d, title="V7: costs of one prediction",
                               xlabel="prediction - target", ylabel="cost")
        fig.axes[0].set_ylim(0, 5)
        at2 = np.argmin(abs(v7.d - 2))
        assert (v7.mse[at2], v7.mae[at2]) == (4.0, 2.0)
        assert [v7.huber[i, at2] for i in range(3)] == [0.875, 1.5, 2.0]
        assert np.allclose(v7.cross_entropy_grad, v7.softmax - v7.target, atol=1e-15)
        assert abs(v7.target_entropy + v7.kl - v7.cross_entropy) < 1e-14
        """),
        md("""
        ## V8 · Weight initialisation

        Start the weights too small and signals fade layer by layer; too large and
        they explode or saturate the activations. Xavier/Glorot initialisation picks
        the variance `2 / (n_in + n_out)` (uniform on ±sqrt(6 / (n_in + n_out))), which
        keeps the variance of activations and gradients roughly constant for
        symmetric activations; He initialisation uses `2 / n_in` (uniform on
        ±sqrt(6 / n_in)) to make up for ReLU zeroing half its inputs. First the
        samples against their formulas:
        """),
        code("""
        v8 = book.v8_initialisers()
        print(v8)
        fan = 256
        assert np.allclose(v8.limits, [np.sqrt(6 / (2 * fan)), np.sqrt(2 / (2 * fan)),
                                       np.sqrt(6 / fan), np.sqrt(2 / fan)])
        uniform = np.array(["uniform" in n for n in v8.names])
        assert np.all(v8.sample_max_abs[uniform] <= v8.limits[uniform])
        assert np.all(abs(v8.sample_std / v8.formula_std - 1) < 0.02)
        """),
        md("""
        Then the reason: a batch of data through 10 layers of 256 units. On the left,
        the spread of each layer's activations; on the right, the size of the
        gradient arriving at each layer on the way back. With ReLU, Xavier's
        variance is half of what is needed and the signal shrinks by about √2 per
        layer, while He keeps it steady in both directions. With sigmoids and
        Xavier weights the gradient reaching the first layer is about a million
        times smaller than at the last — every layer multiplies it by σ' ≤ 1/4: the
        *vanishing gradient*. Large N(0, 1) weights keep the gradient's size but
        saturate the sigmoids (a spread near 0.5 means outputs stuck at 0 or 1).
        """),
        code("""
        layers = np.arange(1, v8.activation_std.shape[1] + 1)
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
        plot.loss_curves(dict(zip(v8.stack_names, v8.activation_std)), x=layers, log=True,
                         ax=axes[0], title="activation spread per layer", xlabel="layer",
                         ylabel="std of activations")
        plot.loss_curves(dict(zip(v8.stack_names, v8.gradient_rms)), x=layers, log=True,
                         ax=axes[1], title="gradient size per layer", xlabel="layer",
                         ylabel="rms gradient")
        for ax in axes:
            ax.legend(fontsize="small")
        fig.tight_layout()
        he, xav = list(v8.stack_names).index("relu, He normal"), list(v8.stack_names).index("relu, Xavier normal")
        assert 0.5 < v8.activation_std[he, -1] / v8.activation_std[he, 0] < 2
        assert v8.activation_std[xav, -1] < 0.1 * v8.activation_std[xav, 0]
        sx = list(v8.stack_names).index("sigmoid, Xavier normal")
        assert v8.gradient_rms[sx, 0] < 1e-4 * v8.gradient_rms[sx, -1]
        """),
        md("""
        ## V9 · Better optimizers

        Plain gradient descent on a long, narrow valley zig-zags across the steep
        direction and crawls along the flat one. **Momentum** keeps a velocity,
        `v = mu v − lr g; theta += v`, so consistent gradients add up and
        oscillations cancel. **Nesterov** momentum evaluates the gradient where the
        velocity is about to carry the parameters, `g = grad(theta + mu v)`, and
        corrects earlier. **Adam** keeps running averages of the gradient (m) and of
        its square (v) and steps by `m / sqrt(v)`, so every parameter moves at a
        similar pace whatever the scale of its gradient.

        Adam's averages start at 0, which biases them low in the first steps; the
        bias correction divides by `1 − beta^t`. The chapter's example: with beta1 =
        0.9 and a first gradient of 10, m₁ = 0.1 × 10 = 1 (0.9999999999999998 in
        floating point), and the corrected value m₁ / (1 − 0.9) is the gradient
        itself, 10.
        """),
        code("""
        v9 = book.v9_optimizers()
        print(v9)
        assert v9.adam_m1 == 0.9999999999999998 and v9.adam_m1_hat == 10.0
        fig = plot.optimizer_paths(v9.w1_grid, v9.w2_grid, v9.surface,
                                   dict(zip(v9.names, v9.paths)), levels=20, log=True,
                                   title="V9: four optimizers in a narrow valley",
                                   xlabel="w1", ylabel="w2")
        final = {n: float(l[-1]) for n, l in zip(v9.names, v9.losses)}
        assert final["Nesterov"] < final["Momentum"]
        """),
    ]

def grokking_ml_appendix_b():
    return [
        md("""
        # Grokking Machine Learning, appendix B — the maths behind gradient descent

        Luis Serrano's book trains its models with simple "tricks": nudge the line
        towards a point, move the boundary towards a misclassified point until it
        falls on the right side. The appendix shows that every trick is a step of gradient descent on the right
        error function, taken on a mini-batch of one point. It is pictured as
        walking down a mountain in fog: you cannot see the valley, only the slope
        under your feet, so you take a step in the steepest downhill direction —
        the negative gradient — and ask again.

        Here each trick runs on nnc's engine as a `fit` with the matching loss, and
        the book's numbers and formulas are checked.
        """),
        code(SETUP, """
        import random
        from nnc import book, datasets
        import nnc.functional as F
        """),
        md("""
        ## M1 · Linear regression: the absolute trick and the square trick

        Six houses: rooms [1, 2, 3, 5, 6, 7], prices [155, 197, 244, 356, 407, 448].
        For one point with prediction `ŷ = w x + b`:

        * the **mean absolute error** `|y − ŷ|` has gradient `−sgn(y − ŷ) x` for w, so
          a step is the *absolute trick* `w += lr sgn(y − ŷ) x`, `b += lr sgn(y − ŷ)`;
        * the **squared error** `(y − ŷ)² / 2` has gradient `−(y − ŷ) x`, so a step is
          the *square trick* `w += lr (y − ŷ) x`, `b += lr (y − ŷ)`.

        The book's code seeds Python's `random` with 0, draws the starting slope and
        intercept with `random.random()`, then picks one house per step with
        `random.randint(0, 5)`. The walkthrough replays exactly those picks through
        the engine (`fit(order=...)`). After 1000 square-trick steps at learning rate
        0.01: price per room 51.04430678220095, base price 91.59448307644864.
        """),
        code("""
        m1 = book.m1_linear_regression()
        print(m1)
        assert abs(m1.slope - 51.04430678220095) <= 1e-12 * 51.04
        assert abs(m1.intercept - 91.59448307644864) <= 1e-12 * 91.59

        # Serrano's loop in plain Python, with the same random draws
        rooms, prices = datasets.serrano_rooms()
        random.seed(0)
        slope, intercept = random.random(), random.random()
        for _ in range(1000):
            i = random.randint(0, 5)
            predicted = slope * rooms[i] + intercept
            slope += 0.01 * rooms[i] * (prices[i] - predicted)
            intercept += 0.01 * (prices[i] - predicted)
        print("plain Python:", slope, intercept)
        assert abs(slope - m1.slope) <= 1e-12 * 51.04 and abs(intercept - m1.intercept) <= 1e-12 * 91.59
        """),
        code("""
        m1_abs = book.m1_linear_regression(trick="absolute")
        print(m1_abs)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot.points_with_lines(m1.rooms, m1.prices,
                               {f"square trick: {m1.slope:.1f} x + {m1.intercept:.1f}":
                                (m1.slope, m1.intercept),
                                f"absolute trick: {m1_abs.slope:.1f} x + {m1_abs.intercept:.1f}":
                                (m1_abs.slope, m1_abs.intercept)},
                               xlim=(0, 8), ax=axes[0], title="M1: 1000 steps of each trick",
                               xlabel="rooms", ylabel="price")
        plot.loss_curves({"square trick": m1.slopes, "absolute trick": m1_abs.slopes},
                         ax=axes[1], title="M1: the price per room, step by step",
                         xlabel="step", ylabel="slope")
        fig.tight_layout()
        """),
        md("""
        The absolute trick moves by the same amount (`lr x`) whatever the size of the
        miss, so with the intercept starting near 1 it needs many more steps to
        climb to a base price near 100; the square trick moves in proportion to the
        miss and gets there quickly. Both would settle eventually; the learning rate
        decides how fast and how jittery.

        ## M2 · The perceptron trick

        A perceptron scores a point `score = w · x + b` and predicts 1 when the score
        is at least 0. Its **perceptron error** is zero for a correctly classified
        point and `|score|` for a misclassified one — the ReLU of the signed score,
        so it grows with how far on the wrong side the point is. Its gradient for a
        misclassified point labelled 0 (predicted 1) is `x` for w and 1 for b, so a
        step lowers the point's score — the boundary moves towards the point, and
        enough such steps carry it past: `w −= lr x`, `b −= lr`.

        From w = [1, 2], b = −4, the point [2, 3] scores 2 + 6 − 4 = 4 but is
        labelled 0; one step with lr 0.01 gives w = [0.98, 1.97], b = −4.01.
        """),
        code("""
        m2 = book.m2_perceptron_step()
        print(m2)
        assert m2.score == 4.0 and m2.prediction == 1
        assert np.allclose(m2.w_after, [0.98, 1.97], rtol=0, atol=1e-15)
        assert abs(m2.b_after - (-4.01)) <= 1e-15

        def boundary(w, b):            # x2 on the line w1 x1 + w2 x2 + b = 0
            return lambda x1: -(w[0] * x1 + b) / w[1]

        fig = plot.points_with_lines([m2.point[0]], [m2.point[1]],
                                     {"before: [1, 2], -4": boundary(m2.w_before, m2.b_before),
                                      "after: [0.98, 1.97], -4.01": boundary(m2.w_after, m2.b_after)},
                                     xlim=(-1, 4), point_label="the point (label 0)",
                                     title="M2: one step moves the boundary towards the point",
                                     xlabel="x1", ylabel="x2")
        """),
        md("""
        The step is small (lr 0.01) but in the right direction: the point's score
        falls from 4 to `0.98·2 + 1.97·3 − 4.01 = 3.86`.

        ## M3 · Logistic regression: the logistic trick

        A logistic classifier outputs a probability `ŷ = σ(w · x + b)` and is scored
        by the log loss `−y ln ŷ − (1 − y) ln(1 − ŷ)`. Through the chain rule the
        sigmoid's derivative cancels neatly, and the gradient is just
        `(ŷ − y) x` for w and `ŷ − y` for b: the *logistic trick*
        `w += lr (y − ŷ) x`, `b += lr (y − ŷ)`. On the book's "aack"/"beep"
        sentences (how often each word appears; happy or sad), the engine's first
        step equals the trick computed by hand.
        """),
        code("""
        m3 = book.m3_logistic_regression()
        print(m3)
        assert np.allclose(m3.first_step, m3.first_step_trick, rtol=1e-12, atol=1e-15)
        assert m3.accuracy == 1.0
        w, b = m3.params[-1, :2], m3.params[-1, 2]
        fig = plot.decision_boundary(lambda G: F.sigmoid(G @ w + b), m3.X, m3.y, padding=0.7,
                                     resolution=150, title="M3: the logistic classifier",
                                     xlabel='"aack" count', ylabel='"beep" count')
        """),
        md("""
        ## M4 · A neural network, by the chain rule

        One hidden layer of sigmoids `h = σ(x V + b)`, a sigmoid output
        `ŷ = σ(h W + c)`, log loss. The chain rule gives every derivative from the
        output error `ŷ − y`: for the output weights `(ŷ − y) h_j`, for the output bias
        `ŷ − y`, and for the hidden layer the error passed back through W and the
        sigmoid's slope, `(ŷ − y) W_j h_j (1 − h_j) x_i` (and without `x_i` for the
        hidden biases). The engine's first SGD step (one point) equals a step by
        these formulas; trained one point at a time, the network learns XOR.
        """),
        code("""
        m4 = book.m4_neural_network()
        print(m4)
        assert np.max(np.abs(m4.first_step - m4.first_step_formulas)) <= 1e-15
        assert m4.accuracy == 1.0
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        plot.loss_curves(m4.epoch_loss, log=True, ax=axes[0], title="M4: log loss per epoch",
                         xlabel="epoch", ylabel="log loss")
        plot.decision_boundary(m4.model.predict, m4.X, m4.y, resolution=120, ax=axes[1],
                               title="M4: the network's regions")
        fig.tight_layout()
        """),
        md("""
        ## M5 · Regularisation is a shrinking step

        Adding `l1 · sum|w|` to the error adds `l1 · sgn(w)` to the gradient: every
        step moves each weight a fixed `lr · l1` towards zero, and small weights
        reach zero and stay there (L1 makes models sparse). Adding `l2 · sum w²` adds
        `2 l2 w`: every step multiplies each weight by `1 − 2 lr l2`, so weights
        shrink in proportion and never quite reach zero. To see the penalty alone,
        the walkthrough trains on inputs of zero, where the data contribute no
        gradient.
        """),
        code("""
        m5 = book.m5_regularization(steps=60)
        print(m5)
        assert np.allclose(m5.l1_path[1], m5.l1_step_formula, rtol=0, atol=1e-15)
        assert np.allclose(m5.l2_path[1], m5.l2_step_formula, rtol=0, atol=1e-15)
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
        names = [f"w{k + 1} (start {v:g})" for k, v in enumerate(m5.w)]
        plot.loss_curves(dict(zip(names, m5.l1_path.T)), ax=axes[0], title="L1: equal steps to 0",
                         xlabel="step", ylabel="weight")
        plot.loss_curves(dict(zip(names, m5.l2_path.T)), ax=axes[1],
                         title="L2: proportional shrinking", xlabel="step", ylabel="weight")
        fig.tight_layout()
        # L1: equal steps of lr*l1 = 0.01; the weight that started at 0.5 reaches 0 at step 50
        # and then hovers within one step of it
        assert np.allclose(m5.l1_path[:51, 0], 2.0 - 0.01 * np.arange(51))
        assert np.all(np.abs(m5.l1_path[50:, 2]) <= 0.01 + 1e-12)
        # L2: a factor 1 - 2*lr*l2 = 0.98 per step
        assert np.allclose(m5.l2_path[-1], m5.w * 0.98 ** 60, rtol=1e-12)
        """),
        md("""
        ## M6 · Stuck in a valley, and random restarts

        Gradient descent only ever sees the slope under its feet, so it can settle
        in a valley that is not the lowest. A 2-2-1 sigmoid network on XOR has such
        valleys: from some starting weights it ends with two points right and two at
        probability 1/2. The cure the appendix suggests is to start again from
        several random points and keep the best run — twelve restarts here, each a
        fresh seed and one `fit` call.
        """),
        code("""
        m6 = book.m6_random_restarts()
        print(m6)
        assert m6.stuck.any() and not m6.stuck.all()
        assert m6.accuracy[list(m6.seeds).index(m6.best_seed)] == 1.0
        fig = plot.loss_curves({f"seed {s}" + (" (stuck)" if st else ""): curve
                                for s, st, curve in zip(m6.seeds, m6.stuck, m6.losses)},
                               log=True, title="M6: twelve restarts on XOR",
                               xlabel="epoch", ylabel="mean log loss")
        fig.axes[0].legend(fontsize="x-small", ncol=2)
        for line, st in zip(fig.axes[0].lines, m6.stuck):
            line.set_linestyle("--" if st else "-")
        """),
    ]


NOTEBOOKS = [
    ("01_grokking_dl_ch4", grokking_dl_ch4),
    ("02_agile_ai_ch4", agile_ai_ch4),
    ("03_sigmoid_neuron", sigmoid_neuron),
    ("04_vasilev_ch2", vasilev_ch2),
    ("05_grokking_ml_appendix_b", grokking_ml_appendix_b),
    ("06_beyond_the_books", beyond_the_books),
]


if __name__ == "__main__":
    sys.exit(main())
