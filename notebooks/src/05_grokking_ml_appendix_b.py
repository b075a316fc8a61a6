# %% [markdown]
# # Grokking Machine Learning, appendix B — the maths behind gradient descent
#
# Luis Serrano's book trains its models with simple "tricks": nudge the line
# towards a point, move the boundary towards a misclassified point until it
# falls on the right side. The appendix shows that every trick is a step of gradient descent on the right
# error function, taken on a mini-batch of one point. It is pictured as
# walking down a mountain in fog: you cannot see the valley, only the slope
# under your feet, so you take a step in the steepest downhill direction —
# the negative gradient — and ask again.
#
# Here each trick runs on nnc's engine as a `fit` with the matching loss, and
# the book's numbers and formulas are checked.

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
import math
import random
from nnc import book, datasets
import nnc.functional as F

# %% [markdown]
# ## B.1 · Gradient descent to decrease a function (Figs. B.2 and B.3)
#
# The appendix starts with the bare algorithm. To lower a function `f` of
# several variables from a point `p`, compute the gradient `∇f(p)` (the
# vector of partial derivatives, pointing where `f` climbs fastest) and step
# the other way: `p ← p − η ∇f(p)`. Repeat `N` times. Fig. B.2 shows one such
# step on a surface, Fig. B.3 the whole walk.
#
# Any smooth surface will do. Here `f(w1, w2) = ½ (w1 − 1)² + 2 (w2 + 0.5)²`,
# a bowl whose bottom is at (1, −0.5), is the half squared error of a
# two-weight linear unit on two data points, so nnc evaluates the surface in C
# (`nnc.loss_surface`) and takes the steps in one `fit` call.

# %%
X2 = np.array([[1.0, 0.0], [0.0, 2.0]])      # curvatures 1 and 4 along w1, w2
y2 = np.array([[1.0], [-1.0]])               # the bottom at w = (1, -0.5)
bowl = nnc.Sequential([nnc.Dense(2, 1, bias=False)], seed=0, dtype="float64")
bowl.layers[0].weight[:, 0] = [-2.0, 1.5]    # the starting point p0
h2 = bowl.fit(X2, y2, loss=nnc.losses.MSE(reduction="sum", half=True),
              optimizer=nnc.SGD(0.2), epochs=40, record="params")
path2 = np.asarray(h2.params)
g1 = np.linspace(-2.5, 2.5, 101)
g2 = np.linspace(-1.5, 2.0, 101)
F2 = np.asarray(nnc.loss_surface(bowl, X2, y2, nnc.losses.MSE(reduction="sum", half=True),
                                 params=(("layers.0.weight", (0, 0)),
                                         ("layers.0.weight", (1, 0))), grid=(g1, g2)))
# one step by the formula p1 = p0 - eta grad f(p0), grad f = (w1 - 1, 4 (w2 + 0.5))
p0 = path2[0]
p1 = p0 - 0.2 * np.array([p0[0] - 1.0, 4.0 * (p0[1] + 0.5)])
print("p0 =", p0, " p1 (engine) =", path2[1], " p1 (formula) =", p1)
print("after 40 steps:", path2[-1], "(the bottom is (1, -0.5))")
assert np.allclose(path2[1], p1, rtol=1e-12, atol=0)
assert np.allclose(path2[-1], [1.0, -0.5], atol=1e-3)
surface_values = 0.5 * (path2[:, 0] - 1) ** 2 + 2 * (path2[:, 1] + 0.5) ** 2
fig = plot.loss_surface_3d(g1, g2, F2, path=(path2[:, 0], path2[:, 1], surface_values),
                           title="B.2/B.3: steps down a surface", xlabel="w1", ylabel="w2")

# %%
fig = plot.loss_contour(g1, g2, F2, path=(path2[:, 0], path2[:, 1]), levels=20,
                        title="B.3: the same walk from above", xlabel="w1", ylabel="w2")

# %% [markdown]
# Each step is shorter than the last: the gradient shrinks as the bowl
# flattens towards its bottom, and the step is `η` times the gradient. Along
# the steep direction (w2, curvature 4) each step removes 80% of the distance
# to the bottom, along the shallow one (w1, curvature 1) only 20%, so the walk
# first drops into the valley floor and then creeps along it — the imbalance
# the optimizers of Vasilev's chapter are built to fix.
#
# ## M1 · Linear regression: the absolute trick and the square trick
#
# Six houses: rooms [1, 2, 3, 5, 6, 7], prices [155, 197, 244, 356, 407, 448].
# For one point with prediction `ŷ = w x + b`:
#
# * the **mean absolute error** `|y − ŷ|` has gradient `−sgn(y − ŷ) x` for w, so
#   a step is the *absolute trick* `w += lr sgn(y − ŷ) x`, `b += lr sgn(y − ŷ)`;
# * the **squared error** `(y − ŷ)² / 2` has gradient `−(y − ŷ) x`, so a step is
#   the *square trick* `w += lr (y − ŷ) x`, `b += lr (y − ŷ)`.
#
# > **Erratum.** The appendix gives the derivative of `|x|` as "1/0"; it is
# > the sign function, +1 for x > 0 and −1 for x < 0 (undefined at 0, where
# > the book, and nnc's `mae_backward`, use 0). nnc uses `sgn`.
#
# The book's code seeds Python's `random` with 0, draws the starting slope and
# intercept with `random.random()`, then picks one house per step with
# `random.randint(0, 5)`. The walkthrough replays exactly those picks through
# the engine (`fit(order=...)`). After 1000 square-trick steps at learning rate
# 0.01: price per room 51.04430678220095, base price 91.59448307644864.
#
# To the bit: the absolute trick's whole path is the book's. The square trick's
# final slope and intercept are the book's floats too, but after 708 of the
# 1000 steps the slope or the intercept differs from the book's by a few units
# in the last place (under 6e-16 relative; the first at step 5). The one
# difference is where the learning rate meets the product: the book computes
# `(lr * rooms) * (price − predicted)`, gradient descent
# `lr * (rooms * (predicted − price))` — the gradient first, then the step.
# The loop below with the engine's grouping is the engine's path, bit for bit.

# %%
m1 = book.m1_linear_regression()
print(m1)
assert abs(m1.slope - 51.04430678220095) <= 1e-12 * 51.04
assert abs(m1.intercept - 91.59448307644864) <= 1e-12 * 91.59

# Serrano's loop in plain Python, with the same random draws
rooms, prices = datasets.serrano_rooms()


def square_trick(grouping):
    random.seed(0)
    slope, intercept = random.random(), random.random()
    slopes, intercepts = [slope], [intercept]
    for _ in range(1000):
        i = random.randint(0, 5)
        predicted = slope * rooms[i] + intercept
        if grouping == "book":           # (lr * x) * error, as the book's code
            slope += 0.01 * rooms[i] * (prices[i] - predicted)
        else:                            # lr * gradient, as gradient descent
            slope -= 0.01 * (rooms[i] * (predicted - prices[i]))
        intercept += 0.01 * (prices[i] - predicted)
        slopes.append(slope)
        intercepts.append(intercept)
    return np.array(slopes), np.array(intercepts)


book_slopes, book_intercepts = square_trick("book")
gd_slopes, gd_intercepts = square_trick("gradient")
print("plain Python:", book_slopes[-1], book_intercepts[-1])
assert (book_slopes[-1], book_intercepts[-1]) == (m1.slope, m1.intercept)   # the same floats
# the engine's grouping gives the engine's path, every step, bit for bit
assert np.array_equal(gd_slopes, m1.slopes) and np.array_equal(gd_intercepts, m1.intercepts)
differ = np.flatnonzero((book_slopes != m1.slopes) | (book_intercepts != m1.intercepts))
gap = max(np.max(abs(book_slopes / m1.slopes - 1)), np.max(abs(book_intercepts / m1.intercepts - 1)))
print(f"steps whose (slope, intercept) differ from the book's: {differ.size} of 1000, "
      f"first at step {differ[0]}, largest relative gap {gap:.2g}")
assert differ.size == 708 and gap < 1e-15

# %%
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

# %% [markdown]
# The absolute trick moves by the same amount (`lr x`) whatever the size of the
# miss, so with the intercept starting near 1 it needs many more steps to
# climb to a base price near 100; the square trick moves in proportion to the
# miss and gets there quickly. Both would settle eventually; the learning rate
# decides how fast and how jittery.
#
# ## M2 · The perceptron trick
#
# A perceptron scores a point `score = w · x + b` and predicts 1 when the score
# is at least 0. Its **perceptron error** is zero for a correctly classified
# point and `|score|` for a misclassified one — the ReLU of the signed score,
# so it grows with how far on the wrong side the point is. Its gradient for a
# misclassified point labelled 0 (predicted 1) is `x` for w and 1 for b, so a
# step lowers the point's score — the boundary moves towards the point, and
# enough such steps carry it past: `w −= lr x`, `b −= lr`.
#
# From w = [1, 2], b = −4, the point [2, 3] scores 2 + 6 − 4 = 4 but is
# labelled 0; one step with lr 0.01 gives w = [0.98, 1.97], b = −4.01. (The
# appendix prints no numbers: this one-step example was made for nnc, with the
# appendix's rule.)
#
# > **Erratum.** The appendix's step for the bias reads `b′ = w − η`; it is
# > `b′ = b − η` (for a point labelled 0 that scores positive), the bias moving
# > like a weight whose input is 1. nnc's step uses `b − η`.

# %%
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

# %% [markdown]
# The step is small (lr 0.01) but in the right direction: the point's score
# falls from 4 to `0.98·2 + 1.97·3 − 4.01 = 3.86`.
#
# ### The step function (Fig. B.4)
#
# The perceptron predicts with the step function: 1 when the score is at least
# 0, else 0. Its derivative is 0 everywhere except at 0, where it jumps, so the
# number of mistakes gives gradient descent nothing to follow. The perceptron
# error replaces "wrong or right" by "how far on the wrong side", the ReLU of
# the signed score, which does have a slope.

# %%
z = np.linspace(-3, 3, 601)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
axes[0].plot(z, F.step(z), lw=2, label="step(score)")
axes[0].plot(z, F.step_backward(z, np.ones_like(z)), "--", label="its derivative")
axes[0].set_title("B.4: the step function is flat")
axes[0].set_xlabel("score")
axes[0].legend()
axes[1].plot(z, F.step(z), lw=2, label="mistake count (label 0)")
axes[1].plot(z, np.maximum(z, 0.0), lw=2, label="perceptron error (label 0)")
axes[1].set_title("the perceptron error has a slope")
axes[1].set_xlabel("score")
axes[1].legend()
fig.tight_layout()
assert np.all(F.step_backward(z, np.ones_like(z)) == 0)

# %% [markdown]
# ## M3 · Logistic regression: the logistic trick
#
# A logistic classifier outputs a probability `ŷ = σ(w · x + b)` and is scored
# by the log loss `−y ln ŷ − (1 − y) ln(1 − ŷ)`. Through the chain rule the
# sigmoid's derivative cancels neatly, and the gradient is just
# `(ŷ − y) x` for w and `ŷ − y` for b: the *logistic trick*
# `w += lr (y − ŷ) x`, `b += lr (y − ŷ)`.
#
# > **Erratum.** The appendix writes the sigmoid's derivative as `σ|1 − σ|`;
# > it is `σ (1 − σ)` (no absolute value; the two agree only because
# > 0 < σ < 1). nnc's `sigmoid_backward` computes `σ (1 − σ)`.
#
# The walkthrough runs the book's own code (chapter 6 of its repository): the
# eight "aack"/"beep" sentences in its order, label 1 for *happy*, start
# weights 1, 1 and bias 0, and 1000 steps at learning rate 0.01, each on a
# point picked by `random.randint` after `random.seed(0)`. The picks go to the
# engine as `fit(order=...)`, and the whole path is checked against the
# book's loop run in plain Python. They agree to about 4e-16, not to the bit.
# The one operation where they part is the sigmoid: the book writes it
# `np.exp(z) / (1 + np.exp(z))`, nnc's log loss differentiates to
# `1 / (1 + exp(−z)) − y` — the same number in exact arithmetic, another
# rounding in floating point. The first step whose sigmoid differs is step 11;
# the first parameter to differ (by one unit in the last place) is w2 after
# step 130. Everything else is the same arithmetic: the loop below with nnc's
# sigmoid in place of the book's is the engine's path, bit for bit, and the
# C library's exp would not help (`1 / (1 + exp(−z))` with it differs from the
# book's form already at step 1). The book's `np.exp` is moreover NumPy's own
# vector exp on AVX-512 machines (it picks the kernel by the CPU at run time)
# and its score `np.dot` goes through NumPy's BLAS, so no portable program
# replays it to the bit. The plain-Python loop here uses `math.exp` in the
# book's form.

# %%
m3 = book.m3_logistic_regression()
print(m3)
assert np.allclose(m3.first_step, m3.first_step_trick, rtol=1e-12, atol=1e-15)
assert m3.max_gap_to_book <= 1e-12


def logistic_loop(sigmoid, lr=0.01):
    """The book's loop with a chosen sigmoid, in nnc's operation order."""
    w1, w2, b = m3.params[0]
    out = [(w1, w2, b)]
    for j in m3.picks.tolist():
        (x1, x2), label = m3.X[j], m3.y[j, 0]
        g = sigmoid(x1 * w1 + x2 * w2 + b) - label
        w1, w2, b = w1 - lr * (g * x1), w2 - lr * (g * x2), b - lr * g
        out.append((w1, w2, b))
    return np.array(out)


with_nnc_sigmoid = logistic_loop(lambda z: F.sigmoid(np.array([z]))[0])
with_book_sigmoid = logistic_loop(lambda z: math.exp(z) / (1 + math.exp(z)))
assert np.array_equal(with_nnc_sigmoid, m3.params)           # the engine, bit for bit
assert np.array_equal(with_book_sigmoid, m3.book_loop)       # the book's loop, bit for bit
first = int(np.flatnonzero(np.any(m3.params != m3.book_loop, axis=1))[0])
print("only the sigmoid differs; first parameter to differ: step", first)
assert first == 130
w, b = m3.params[-1, :2], m3.params[-1, 2]
fig = plot.decision_boundary(lambda G: F.sigmoid(G @ w + b), m3.X, m3.y, padding=0.7,
                             resolution=150, title="M3: the book's run (1 = happy)",
                             xlabel='"aack" count', ylabel='"beep" count')

# %% [markdown]
# After the book's 1000 small steps the boundary is still on its way: seven of
# eight sentences are on the right side. More steps, or a larger learning
# rate, finish the job — here 200 passes in data order at 0.1:

# %%
m3_long = book.m3_logistic_regression(schedule="epochs", epochs=200, learning_rate=0.1)
print(m3_long)
assert m3_long.accuracy == 1.0

# %% [markdown]
# ## M4 · A neural network, by the chain rule
#
# One hidden layer of sigmoids `h = σ(x V + b)`, a sigmoid output
# `ŷ = σ(h W + c)`, log loss. The chain rule gives every derivative from the
# output error `ŷ − y`: for the output weights `(ŷ − y) h_j`, for the output bias
# `ŷ − y`, and for the hidden layer the error passed back through W and the
# sigmoid's slope, `(ŷ − y) W_j h_j (1 − h_j) x_i` (and without `x_i` for the
# hidden biases). The engine's first SGD step (one point) equals a step by
# these formulas; trained one point at a time, the network learns XOR.

# %%
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

# %% [markdown]
# ## M5 · Regularisation is a shrinking step
#
# Adding `l1 · sum|w|` to the error adds `l1 · sgn(w)` to the gradient: every
# step moves each weight a fixed `lr · l1` towards zero, and small weights
# reach zero and stay there (L1 makes models sparse). Adding `l2 · sum w²` adds
# `2 l2 w`: every step multiplies each weight by `1 − 2 lr l2`, so weights
# shrink in proportion and never quite reach zero. To see the penalty alone,
# the walkthrough trains on inputs of zero, where the data contribute no
# gradient.

# %%
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

# %% [markdown]
# ## M6 · Stuck in a valley, and random restarts (Figs. B.7-B.9)
#
# Gradient descent only ever sees the slope under its feet, so it can settle
# in a valley that is not the lowest (Fig. B.7). The appendix's remedy is to
# start again from several random points and keep the best end (Figs. B.8,
# B.9). The function here, `f(x) = 0.1 x² + sin 2x`, has four valleys on
# [−6, 6]; three starts are drawn with `random.uniform` after
# `random.seed(0)`. `m6_random_restarts` takes any function of one variable
# (`function=`, and `derivative=` or central differences). The three starts
# are the three weights of one nnc parameter, and every step is an nnc
# optimizer's (`optimizer=`, default `nnc.SGD(learning_rate)`: exactly
# `x − lr f′(x)`). The slope `f′(x)` itself is computed by NumPy: the function
# is Python, and nnc's engine only differentiates networks and losses.

# %%
m6 = book.m6_random_restarts()
print(m6)
assert m6.stuck.tolist() == [True, True, False]
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(m6.grid, m6.curve, color="k", lw=1.5, label="f(x) = 0.1 x² + sin 2x")
for k, path in enumerate(m6.paths):
    shown = path[:60]
    line, = ax.plot(shown, 0.1 * shown ** 2 + np.sin(2 * shown), ".-", ms=4, lw=0.8,
                    label=f"restart {k + 1}" + (" (stuck)" if m6.stuck[k] else " (lowest)"))
    ax.plot(path[-1], m6.final_value[k], "o", ms=9, color=line.get_color())
ax.set_title("B.7-B.9: two starts stop in a valley; the third finds the lowest")
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.legend(fontsize="small")

# %% [markdown]
# Two of the three walks end in the valley at x ≈ 2.24 (f = −0.47), a true
# minimum as far as the slope can tell; the third starts on the slope of the
# lowest valley and ends at x ≈ −0.75 (f = −0.94). Keeping the best of several
# restarts costs a few more runs and usually finds a low valley. Momentum is
# another remedy the appendix does not try: a walk that keeps some of its
# speed can roll through a shallow valley. From the same three starts with
# `nnc.Momentum(0.05, 0.95)`, the first walk rolls on past x ≈ 2.24 into the
# lowest valley, while the second still stops there: momentum helps
# sometimes, restarts still pay (with mu = 0.9 all three end as before).

# %%
m6_momentum = book.m6_random_restarts(optimizer=nnc.Momentum(0.05, 0.95))
print(m6_momentum)
assert m6_momentum.stuck.tolist() == [False, True, False]
assert book.m6_random_restarts(optimizer=nnc.Momentum(0.05, 0.9)).stuck.tolist() == [
    True, True, False]

# %% [markdown]
# Training a network has the same problem in many dimensions:
# `06_beyond_the_books` restarts a small XOR network from many seeds.

# %% [markdown]
# ## Explore
#
# Change the chapter's settings and watch the run change: each control below
# recomputes the whole run on nnc's engine and redraws it in place. The
# explorers need a running kernel and ipywidgets (`pip install "nnc[interact]"`);
# a stored copy of this notebook shows a still picture of each.
#
# `restart_explorer`: M6 with its controls — the number of restarts, the
# seed, the learning rate and the steps. Each walk slides down
# `0.1 x² + sin 2x` into a valley (red: a higher one, blue: the lowest); the
# best end is starred. Here eight restarts instead of the book's three.

# %%
import nnc.interact as ni

ni.restart_explorer(restarts=8)
