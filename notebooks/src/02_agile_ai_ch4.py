# %% [markdown]
# # Agile Artificial Intelligence in Pharo, chapter 4 — the theory of learning
#
# Alexandre Bergel explains learning with the plainest question in data
# fitting: which straight line `f(x) = a*x + b` best follows a handful of
# points? He measures a line's badness with a loss function, finds better
# `a` and `b` by gradient descent, then speeds things up with mini-batches.
# His scripts are Pharo Smalltalk; here every run is one `fit` call into nnc's
# C engine, and every number the chapter prints is checked.

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib_inline.backend_inline import set_matplotlib_formats

import nnc
from nnc import plot

# figures at 72 dpi, stored at twice the pixels ("retina"): sharp on high-density screens
plt.rcParams.update({"figure.dpi": 72, "figure.figsize": (6, 4)})
set_matplotlib_formats("retina")
np.set_printoptions(precision=6, suppress=False)
from nnc import book, datasets

# %% [markdown]
# ## A1 · A loss function: how bad is a line?
#
# Four points, in the book's order: (1, 3.0), (3, 5.2), (2, 4.1), (4, 7.5). No
# line goes through all of them, so we need a number that says how far a line
# is from the points. Bergel uses the mean squared error
#
#     J(a, b) = (1/n) * sum_i (y_i - (a * x_i + b))**2
#
# which is never negative and is small only when every point is close to the
# line. The arbitrary line a = 0.5, b = 3 scores 1.75; the line a = 2, b = −0.5
# scores 0.67, clearly better.

# %%
a1 = book.a1_cost()
print(a1)
assert a1.cost[0] == 1.75
assert a1.cost[1] == 0.6749999999999998 and f"{a1.cost[1]:.2f}" == "0.67"

fig = plot.points_with_lines(a1.x, a1.y, {"a=0.5, b=3: J=1.75": (0.5, 3.0),
                                          "a=2, b=-0.5: J=0.67": (2.0, -0.5)},
                             xlim=(0, 5), title="A1: two lines, two costs")

# %% [markdown]
# ## A2 · Gradient descent
#
# Trying every `(a, b)` is hopeless, but the loss tells us which way is
# downhill. Its partial derivatives are
#
#     dJ/da = (2/n) * sum_i -x_i * (y_i - f(x_i))
#     dJ/db = (2/n) * sum_i -(y_i - f(x_i))
#
# and each update moves both parameters a little against them:
# `a -= lr * dJ/da`, `b -= lr * dJ/db`, with learning rate 0.01. After 1000
# updates the line is about a = 1.42, b = 1.39 (the book truncates to two
# decimals). The cost after the first update, 1.4127335, is computed by nnc:
# the chapter does not print it.
#
# > **Erratum.** The chapter writes the second derivative as `∂J/∂a` again;
# > it is `∂J/∂b` (the sum without the factor `x_i`). nnc uses `∂J/∂b`.

# %%
a2 = book.a2_gradient_descent()
print(a2)
assert a2.mse[0] == 1.4127335
a_end, b_end = a2.a[-1], a2.b[-1]
assert (np.trunc(a_end * 100) / 100, np.trunc(b_end * 100) / 100) == (1.42, 1.39)

# Bergel's script replayed in plain Python: his derivative expressions, `2 / n`
# as Pharo's exact Fraction, and Pharo's `sum`, which adds
# ((t1 + t1) + t2 + ... + tn) - t1. Every a, b and recorded cost is the same
# float as nnc's, bit for bit.
a_ref, b_ref, cost_ref = book.agile.bergel_loop(*datasets.bergel_points())
print("Bergel's script:", a_ref[-1], b_ref[-1], " nnc:", a_end, b_end)
print("cost after update 2, as Pharo prints it:", cost_ref[1])
assert np.array_equal(a_ref, a2.a) and np.array_equal(b_ref, a2.b)
assert np.array_equal(cost_ref, a2.mse)

# %% [markdown]
# The cost after each update (the book's figure 4-4) falls quickly and then
# flattens: it cannot reach 0 because the points are not on one line. The
# fitted line (figure 4-3) runs through the middle of the points.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
plot.loss_curves(a2.mse, ax=axes[0], title="A2: cost per update", xlabel="update",
                 ylabel="J(a, b)")
plot.points_with_lines(a2.x, a2.y, {"start (0.5, 3)": (0.5, 3.0),
                                    f"after 1000 updates: a={a_end:.4f}, b={b_end:.4f}":
                                    (a_end, b_end)},
                       xlim=(0, 5), ax=axes[1], title="A2: the fitted line")
fig.tight_layout()
assert np.all(np.diff(a2.mse) < 0)

# %% [markdown]
# **Beyond the book: the path on the loss surface.** J depends on two numbers,
# so we can draw it as a map over `(a, b)` — `nnc.loss_surface` evaluates it
# in C on a grid — and overlay the 1001 points `(a, b)` the descent visited.
# The loss is a long, narrow valley: the first updates drop almost straight
# down the steep wall, the rest crawl along the valley floor towards its
# lowest point, which is why the cost curve flattens. The least-squares line
# (the valley's bottom, from `np.polyfit`) is marked with a cross.

# %%
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

# %% [markdown]
# ## §4.3 · Why the update lowers the cost: the Taylor argument
#
# Bergel justifies the update with a Taylor series. For a small change `e`,
# `f(x + e) ≈ f(x) + e f′(x)`. Choosing the step against the derivative,
# `e = −α f′(x)`, gives
#
#     f(x − α f′(x)) ≈ f(x) − α f′(x)²
#
# and `f′(x)²` is never negative, so the value falls whenever `f′(x) ≠ 0`
# (and α is small enough for the first-order term to dominate).
#
# > **Erratum.** The chapter prints `f(x − f′(x)) = f(x) + f′(x)²`, with a plus
# > sign, and then concludes (rightly) that the value decreases. The sign is
# > minus: substituting `e = −f′(x)` into `e f′(x)` gives `−f′(x)²`.
#
# Measured on Bergel's J at the start (a, b) = (0.5, 3): the real change after
# one step of size α against the gradient, beside the predicted `−α |∇J|²`.
# They agree better and better as α shrinks (the gap is of order α²).

# %%
x, y = datasets.bergel_points()
def J_of(a, b):
    return float(np.mean((y - (a * x + b)) ** 2))
a0, b0 = 0.5, 3.0
grad = np.array([np.mean(-2 * x * (y - (a0 * x + b0))), np.mean(-2 * (y - (a0 * x + b0)))])
print(f"gradient at (0.5, 3): {grad}, |grad|^2 = {grad @ grad:.6g}")
print(f"{'alpha':>8} {'J(p - alpha grad) - J(p)':>26} {'-alpha |grad|^2':>16} {'ratio':>8}")
ratios = []
for alpha in (0.1, 0.01, 0.001, 0.0001):
    real = J_of(a0 - alpha * grad[0], b0 - alpha * grad[1]) - J_of(a0, b0)
    predicted = -alpha * float(grad @ grad)
    ratios.append(real / predicted)
    print(f"{alpha:8g} {real:26.10g} {predicted:16.10g} {real / predicted:8.5f}")
assert all(abs(r - 1) < 10 * a for r, a in zip(ratios, (0.1, 0.01, 0.001, 0.0001)))
assert abs(ratios[-1] - 1) < abs(ratios[1] - 1)   # closer as alpha shrinks
# the engine's first update is exactly this step with alpha = 0.01
assert np.allclose([a2.a[1], a2.b[1]], [a0 - 0.01 * grad[0], b0 - 0.01 * grad[1]], rtol=1e-14)

# %% [markdown]
# ## A3 · Points on one line: the cost goes to zero
#
# With the aligned points (4, 6.5), (2, 3.5), (2, 3.5), (2, 3.5) a perfect
# line exists (a = 1.5, b = 0.5), and the cost approaches 0 — on a log scale
# the approach is a straight line: the error shrinks by a constant factor per
# update once the valley is reached.

# %%
a3 = book.a3_aligned_points()
print(a3)
assert a3.mse[-1] < 1e-5 and np.all(np.diff(a3.mse) < 0)
assert abs(a3.a[-1] - 1.5) < 0.01 and abs(a3.b[-1] - 0.5) < 0.01
fig = plot.loss_curves(a3.mse, log=True, title="A3: aligned points, cost per update",
                       xlabel="update", ylabel="J(a, b)")

# %% [markdown]
# ## §4.4 · Gradient descent in our neuron
#
# Bergel connects this to the learning rule of his earlier chapter: a neuron
# with output `z = σ(w·x + b)` and desired output `d` learns by
# `δ = (d − z) σ′(z)`, `w += α δ x`, `b += α δ`, where `σ′` is the sigmoid's
# derivative taken at the neuron's weighted sum. That is exactly gradient
# descent on half the squared error `(d − z)²/2`: its gradient for w is
# `−(d − z) σ′ x = −δ x`. nnc's engine, fitting one sigmoid neuron with
# `MSE(reduction="sum", half=True)`, takes the same step.

# %%
F = nnc.functional
xs, d = np.array([[0.4, -1.2]]), np.array([[1.0]])
neuron = nnc.Sequential([nnc.Dense(2, 1), nnc.Sigmoid()], seed=3, dtype="float64")
w0, b0n = neuron.layers[0].weight[:, 0].copy(), float(neuron.layers[0].bias[0])
h = neuron.fit(xs, d, loss=nnc.losses.MSE(reduction="sum", half=True),
               optimizer=nnc.SGD(0.5), epochs=1, record="params")
s_ = float(xs[0] @ w0 + b0n)
z = float(F.sigmoid(np.array([s_]))[0])
delta = (1.0 - z) * z * (1 - z)                      # (d - z) * sigma'(s)
rule = np.append(w0 + 0.5 * delta * xs[0], b0n + 0.5 * delta)
print("engine step:", np.asarray(h.params)[1], "\nBergel's rule:", rule)
assert np.allclose(np.asarray(h.params)[1], rule, rtol=1e-14, atol=0)

# %% [markdown]
# ## A4 · A hundred noisy points
#
# Bergel generates points around `y = x` with Pharo's `Random seed: 42`. That
# generator is the Park–Miller "minimal standard": `seed <- 16807 * seed mod
# (2**31 - 1)` and each draw is `seed / (2**31 - 1)`. `nnc.datasets.ParkMiller`
# reproduces it exactly, so we get the book's very points:
# point i (1..N) is `x = i/N`, `y = (draw * 40 - 20 + i) / N`.
#
# Like A2, this run is Bergel's arithmetic to the bit. That takes two engine
# options a user can name. Pharo's `sum` adds `((t1 + t1) + t2 + ... + tn) − t1`
# in data order, where nnc's default adds long sums in 16 interleaved lanes:
# `fit(sum_order="pharo")`. And `(2 / n) * sum` multiplies by the float of
# 2/n (0.02, itself rounded) where nnc divides by n: `fit(mean="reciprocal")`.
# The walkthroughs' `arithmetic="bergel"` (their default) sets both;
# `arithmetic="fast"` keeps nnc's fixed order, which agrees to about 1e-11
# and is much faster on long batches.

# %%
r = datasets.ParkMiller(42)
draws = [r.next() for _ in range(3)]
print(draws)
assert draws == [0.00032870750889587566, 0.5245871020129822, 0.7354235321913956]
x, y = datasets.noisy_line(100, 42)
assert (x[0], y[0]) == (0.01, -0.18986851699644167)
assert (x[-1], y[-1]) == (1.0, 0.97862954166654)

# %% [markdown]
# 3000 gradient-descent updates from (0.5, 3) with learning rate 0.01: the
# cost (figure 4-5) and the fitted line through the cloud (figure 4-6).

# %%
a4 = book.a4_noisy_line()
print(a4)
a_ref, b_ref, cost_ref = book.agile.bergel_loop(a4.x, a4.y, iterations=3000)
assert np.array_equal(a_ref, a4.a) and np.array_equal(b_ref, a4.b)
assert np.array_equal(cost_ref, a4.mse)
print("every a, b and cost equals Bergel's script, bit for bit")
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
plot.loss_curves(a4.mse, ax=axes[0], title="A4: cost per update", xlabel="update",
                 ylabel="J(a, b)")
plot.points_with_lines(a4.x, a4.y, {f"a={a4.a[-1]:.3f}, b={a4.b[-1]:.3f}":
                                    (a4.a[-1], a4.b[-1])},
                       ax=axes[1], title="A4: 100 noisy points and the fitted line")
fig.tight_layout()
assert abs(a4.a[-1] - 1) < 0.05 and abs(a4.b[-1]) < 0.05   # close to y = x

# %% [markdown]
# ## A5 · Mini-batch stochastic gradient descent
#
# Full-batch descent looks at all points before every update. Mini-batch SGD
# cuts the data into batches of 5 (in data order here, as in the book) and
# updates after each batch, using that batch's gradient: 20 updates per pass
# over the data (an *epoch*) instead of one. The epoch's cost is Bergel's: for
# every batch, after its update, the batch's squared errors divided by N,
# summed over the epoch.
#
# Per epoch, mini-batches make far more progress: after 1000 epochs SGD has
# reached a lower cost than full-batch descent after 3000 updates.
#
# Two details of Bergel's loop. It closes a batch only when the running index
# is a multiple of the batch size, so when the batch size does not divide the
# number of points the trailing partial batch is never used: `fit` does this
# with `drop_last=True`, the walkthrough's default (with batches of 7, an epoch
# is 14 updates on 98 points, not 15). And the chapter advises shuffling the
# points first, which its script does not do: `a5_minibatch_sgd(shuffle=True)`
# permutes them before every epoch.

# %%
a5 = book.a5_minibatch_sgd()
print(a5)
assert a5.a.size == 1000 * 20 + 1          # every update recorded
fig = plot.loss_curves({"gradient descent (A4), per update": a4.mse[:1000],
                        "mini-batch SGD (A5), per epoch": a5.mse},
                       log=True, title="A4 vs A5: cost over the first 1000 passes",
                       xlabel="pass over the data", ylabel="J(a, b)")
assert a5.mse[-1] < a4.mse[-1]

a_ref, b_ref, cost_ref = book.agile.bergel_loop(a5.x, a5.y, iterations=1000, batch_size=5)
assert np.array_equal(a_ref, a5.a) and np.array_equal(cost_ref, a5.mse)
a5_7 = book.a5_minibatch_sgd(batch_size=7)
a5_7_all = book.a5_minibatch_sgd(batch_size=7, drop_last=False)
a5_shuffled = book.a5_minibatch_sgd(shuffle=True)
print(f"batches of 7, Bergel's loop (drop_last): {a5_7.a.size - 1} updates, "
      f"a = {a5_7.a[-1]:.6f}")
print(f"batches of 7, partial batch kept:        {a5_7_all.a.size - 1} updates, "
      f"a = {a5_7_all.a[-1]:.6f}")
print(f"batches of 5, shuffled every epoch: final J = {a5_shuffled.mse[-1]:.6g} "
      f"(data order: {a5.mse[-1]:.6g})")
assert a5_7.a.size - 1 == 14 * 1000 and a5_7_all.a.size - 1 == 15 * 1000

# %% [markdown]
# ## A6 · Timing on 30,000 points: work against time
#
# Bergel times both algorithms on 30,000 points in Pharo: 27.479 s for 3000
# full-batch iterations and 18.847 s for 1000 epochs of mini-batch SGD (3.2 GHz
# Core i5), and concludes that SGD is faster with no loss of quality. nnc runs
# both in C, each as one call. The times below were measured on the machine
# that built this notebook; they vary from run to run and machine to machine,
# so nothing is asserted about them.
#
# Two measures are worth keeping apart:
#
# * **Work**, counted in points visited: full-batch descent visits all 30,000
#   points for each of its 3000 updates (90 million visits); SGD visits each
#   point once per epoch (30 million visits) but makes 6,000 updates per epoch,
#   6 million in all. By work, SGD wins, as the book says.
# * **Time**, which in Pharo follows the work: an interpreter pays hundreds of
#   nanoseconds for every point it visits, whichever loop it is in, so a third
#   of the visits wins. In C the ranking flips. A full-batch pass is one long
#   sum over contiguous memory, which the compiler vectorises (about a
#   nanosecond per point); SGD's 6 million updates each depend on the one
#   before, and each pays a whole step's fixed cost (forward, backward and
#   update on five points) for very little arithmetic.
#
# Fit quality is the third measure, and there the book is right: both end on
# the line y = x, SGD slightly closer to the least-squares optimum.

# %%
a6 = book.a6_timing()
print(a6)
ns_gd = 1e9 * a6.gd_seconds / a6.gd_points
ns_sgd = 1e9 * a6.sgd_seconds / a6.sgd_points
print(f"by work: SGD visits {a6.gd_points / a6.sgd_points:.0f}x fewer points")
print(f"by time in C: GD {ns_gd:.2f} ns per point visited, SGD {ns_sgd:.2f} ns")
assert a6.sgd_points * 3 == a6.gd_points and a6.sgd_updates == 6_000_000
assert abs(a6.sgd_line[0] - 1) < 0.01 and abs(a6.sgd_line[1]) < 0.01
assert a6.sgd_cost <= a6.gd_cost
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
axes[0].bar(["GD", "SGD"], [a6.gd_points / 1e6, a6.sgd_points / 1e6], color=["C0", "C1"])
axes[0].set_title("work: millions of points visited")
axes[1].bar(["GD\nPharo", "SGD\nPharo"], [a6.book_gd_seconds, a6.book_sgd_seconds],
            color=["C0", "C1"], alpha=0.5)
ax2 = axes[1].twinx()
ax2.bar(["GD\nnnc", "SGD\nnnc"], [a6.gd_seconds, a6.sgd_seconds], color=["C0", "C1"])
axes[1].set_ylabel("Pharo (s)")
ax2.set_ylabel("nnc (s)")
axes[1].set_title("time: Pharo (pale) and nnc")
fig.tight_layout()

# %% [markdown]
# ## A7 · The derivative of the sigmoid
#
# Bergel's neurons use the sigmoid `s(x) = 1 / (1 + exp(-x))`, and its
# derivative is the neat `s(x) * (1 - s(x))`: differentiate `(1 + exp(-x))**-1`
# to get `exp(-x) / (1 + exp(-x))**2`, then split that into
# `1/(1 + exp(-x))` times `exp(-x)/(1 + exp(-x)) = 1 - s(x)`. nnc's backward
# kernel uses this form; here it is checked against central differences.
# The slope peaks at 1/4 at x = 0 and vanishes in both tails — which is why a
# sigmoid neuron that starts deep in a tail learns slowly (notebook 03).

# %%
a7 = book.a7_sigmoid_derivative()
print(a7)
assert a7.max_backward_vs_closed <= 1e-15
assert a7.max_closed_vs_numeric < 1e-9
fig = plot.activation_functions(["sigmoid"], title="A7: the sigmoid and its derivative s(1-s)")

# %% [markdown]
# ## Explore
#
# Change the chapter's settings and watch the run change: each control below
# recomputes the whole run on nnc's engine and redraws it in place. The
# explorers need a running kernel and ipywidgets (`pip install "nnc[interact]"`);
# a stored copy of this notebook shows a still picture of each.
#
# `line_fit_explorer`: Bergel's line fit on the noisy points — full batch,
# online or mini-batches of k, shuffled or in data order, any learning rate.

# %%
import nnc.interact as ni

ni.line_fit_explorer(batch="k", k=5, epochs=200)
