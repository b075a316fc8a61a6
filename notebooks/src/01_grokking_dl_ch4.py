# %% [markdown]
# # Grokking Deep Learning, chapter 4 — learning by gradient descent
#
# Andrew Trask teaches learning on the smallest network there is: one input,
# one weight, one prediction, `pred = input * weight`. The network is told the
# right answer (`goal`), measures how far it missed, and nudges the weight.
# This notebook replays every experiment of the chapter on nnc's C engine —
# each run below is a single `fit` call — and checks every number the book
# prints, digit for digit. Because the arithmetic here is plain IEEE
# multiplication and subtraction (no `exp`, no fused multiply-add), nnc and
# Trask's Python loops agree bit for bit.
#
# Each walkthrough is a function in `nnc.book` with the book's settings as
# defaults; it returns a result whose `print` shows the book's lines and
# whose attributes are NumPy arrays, one entry per step.

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
from nnc import book

# %% [markdown]
# ## G1 · Compare: how far did we miss?
#
# Predict, then compare. Input 0.5 times weight 0.5 gives 0.25 where 0.8 was
# wanted. The chapter measures the miss as the *squared* error: squaring
# makes every miss positive (being 0.55 too low is as bad as 0.55 too high)
# and weighs big misses more than small ones.

# %%
g1 = book.g1_compare()
print(g1)
assert g1.prediction == 0.25
assert g1.error == 0.30250000000000005          # 0.55**2 in float64, exactly
assert g1.lines() == ["0.3025"]                  # what the book prints

# %% [markdown]
# ### Why square the error?
#
# The chapter gives two reasons. Squaring makes big misses count for much more
# than small ones: an error of 10 becomes 100, an error of 0.01 becomes
# 0.0001, so learning attends to what is badly wrong and ignores what is
# nearly right. And squaring makes every error positive: averaged raw errors
# of +1000 and −1000 would cancel to 0, as if the network were perfect, while
# their squares average to a million.

# %%
raw = np.array([1000.0, -1000.0])
print("10 ** 2 =", 10 ** 2, "  0.01 ** 2 =", 0.01 ** 2)
print("mean raw error of +1000 and -1000:", raw.mean(), "  mean squared error:", (raw ** 2).mean())
assert raw.mean() == 0.0 and (raw ** 2).mean() == 1e6
assert 10 ** 2 > 10 and 0.01 ** 2 < 0.01

# %% [markdown]
# ## G2 · Hot and cold: one step of trial and error
#
# The most naive way to learn: wiggle the weight a little up and a little
# down, predict with both, and keep whichever wiggle lowered the error. The
# "toes" example (input 8.5, weight 0.1, goal 1) takes one such step of 0.01.

# %%
g2 = book.g2_hot_cold_step()
print(g2)
# the same floats as Trask's Python: (pred - goal) ** 2 with the probes' weights
assert (g2.errors[0], g2.up_errors[0], g2.down_errors[0]) == \
       ((8.5 * 0.1 - 1) ** 2, (1 - 8.5 * (0.1 + 0.01)) ** 2, (1 - 8.5 * (0.1 - 0.01)) ** 2)
assert [f"{e:.12g}" for e in (g2.errors[0], g2.up_errors[0], g2.down_errors[0])] == \
       ["0.0225", "0.004225", "0.055225"]
assert f"{g2.weights[1]:.12g}" == "0.11"

# %% [markdown]
# ## G3 · Hot/cold learning until the goal is reached
#
# Repeat the wiggle 1101 times with steps of 0.001, starting from weight 0.5
# with input 0.5 and goal 0.8. Each line shows the error and the prediction
# *before* that iteration's move; when the two probes give equal errors the
# weight stays put. nnc runs this as the `HotCold` optimizer inside one C call.

# %%
g3 = book.g3_hot_cold()
print(g3)
lines = g3.lines()
assert len(lines) == 1101
assert lines[:2] == ["Error:0.3025 Prediction:0.25", "Error:0.30195025 Prediction:0.2505"]
assert lines[-2:] == ["Error:2.50000000033e-07 Prediction:0.7995",
                      "Error:1.07995057925e-27 Prediction:0.8"]


# %% [markdown]
# Trask's own loop, in plain Python, gives the very same floats — not just the
# same printed digits:

# %%
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

# %% [markdown]
# The error falls steadily while the weight walks towards 1.6 in steps of
# 0.001 — then, on the last step, lands on 0.8 almost exactly. On a log scale
# the slow walk and the final drop are both visible. Hot/cold learning made
# three predictions per step: 3303 forward passes for one weight.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
plot.loss_curves(g3.errors, log=True, ax=axes[0], title="G3: error per iteration",
                 xlabel="iteration", ylabel="error")
plot.loss_curves(g3.predictions, ax=axes[1], title="G3: prediction per iteration",
                 xlabel="iteration", ylabel="prediction")
axes[1].axhline(0.8, color="k", ls="--", lw=1, label="goal 0.8"); axes[1].legend()
fig.tight_layout()
print("forward passes:", g3.forward_passes)
assert g3.forward_passes == 3 * 1101

# %% [markdown]
# ### Why 1101 iterations?
#
# Because that is when the prediction first reaches 0.8: 1100 steps of 0.001
# carry the weight from 0.5 to 1.6. Run longer and the weight cannot stay
# there: the two probes are never exactly equal (1.6 is not exact in binary),
# so every iteration moves the weight a step, and the prediction rocks
# between 0.8 and 0.8005 for as long as the loop runs.

# %%
longer = book.g3_hot_cold(iterations=1130)
tail = longer.lines()[1098:1106]
print("\n".join(f"{1099 + k:5d}  {t}" for k, t in enumerate(tail)))
after = set(longer.lines()[1100:])
print("distinct lines after iteration 1101:", sorted(after))
assert after == {"Error:1.07995057925e-27 Prediction:0.8",
                 "Error:2.49999999967e-07 Prediction:0.8005"}
errors, preds = trask_hot_cold(iterations=1130)      # Trask's loop agrees, bit for bit
assert np.array_equal(errors, longer.errors) and np.array_equal(preds, longer.predictions)

# %% [markdown]
# ### Two flaws of hot/cold learning
#
# 1. **It is wasteful**: three predictions for every single update.
# 2. **The step size knows nothing about the error.** Unless the right weight
#    is a whole number of steps away, the weight ends up hopping back and forth
#    across the goal. With a step of 0.2 it rocks around 0.8; with a step of 10
#    it alternates forever between predictions 0.25 and 5.25 and never gets
#    close.

# %%
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

# %% [markdown]
# ## G4 · Direction and amount from the error itself
#
# Gradient descent replaces the two probes by one calculation. The *pure
# error* `delta = pred - goal` says which way and how far the prediction
# missed; multiplying it by the input turns it into `weight_delta`, how the
# weight should move. The multiplication does three jobs: it **scales** the
# step with the input, **reverses** it when the input is negative, and
# **stops** learning when the input is 0 (then the weight has no influence on
# the prediction). A small `alpha` shrinks the step.
#
# On the toes example: prediction 0.85, delta −0.15, weight_delta −1.275, and
# with alpha 0.01 the weight moves from 0.1 to 0.11275.

# %%
g4 = book.g4_gradient_step()
print(g4)
assert [f"{v:.12g}" for v in (g4.predictions[0], g4.deltas[0], g4.weight_deltas[0],
                              g4.weights[1])] == ["0.85", "-0.15", "-1.275", "0.11275"]

# %% [markdown]
# ## G5 · Twenty steps of gradient descent
#
# `weight -= (pred - goal) * input`, with alpha 1, from weight 0.5. The
# prediction climbs towards 0.8 and each step is smaller than the last,
# because the step is proportional to the miss.

# %%
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

# %% [markdown]
# The chapter's picture of why this works: for a fixed input and goal the error
# is a parabola in the weight, `error = (input * weight - goal) ** 2`, a bowl.
# Its slope at the current weight points uphill, so stepping against the slope
# goes down into the bowl, and the slope flattens as the bottom approaches.
# Below, the dots are the weights G5 visited.

# %%
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

# %% [markdown]
# ## G6 · Learning is reducing error
#
# From weight 0 with input 0.5: four steps, and the error falls
# 0.64 → 0.36 → 0.2025 → 0.11390625 as the prediction climbs 0 → 0.2 → 0.35 → 0.4625.

# %%
g6 = book.g6_learning_reduces_error()
print(g6)
assert g6.lines() == ["Error:0.64 Prediction:0.0", "Error:0.36 Prediction:0.2",
                      "Error:0.2025 Prediction:0.35", "Error:0.11390625 Prediction:0.4625"]

# %% [markdown]
# ## G7 · Watching several steps: input 1.1
#
# With input 1.1 the first step overshoots (prediction 0.968 > 0.8), and the
# next one comes back from the other side: a negative delta becomes a positive
# one and the weight moves down. The book prints weight, error, prediction,
# delta and weight_delta for each step.

# %%
g7 = book.g7_several_steps()
print(g7)
table = [[f"{v:.12g}" for v in row] for row in
         zip(g7.weights[:-1], g7.errors, g7.predictions, g7.deltas, g7.weight_deltas)]
assert table == [["0", "0.64", "0", "-0.8", "-0.88"],
                 ["0.88", "0.028224", "0.968", "0.168", "0.1848"],
                 ["0.6952", "0.0012446784", "0.76472", "-0.03528", "-0.038808"],
                 ["0.734008", "5.489031744e-05", "0.8074088", "0.0074088", "0.00814968"]]

# %% [markdown]
# The same steps on the error bowl for input 1.1: the first step lands past the
# bottom (weight 0.88 > 0.8/1.1 = 0.727), and the following steps come back
# from alternating sides, each closer.

# %%
w = np.linspace(-0.2, 1.2, 281)
fig = plot.descent_1d(w, (1.1 * w - 0.8) ** 2, g7.weights[:-1], g7.errors,
                      title="G7: input 1.1, overshooting into the bowl")
fig.axes[0].axvline(0.8 / 1.1, color="k", ls=":", lw=1)
assert np.all(np.diff(np.sign(g7.weights[1:] - 0.8 / 1.1)) != 0)   # alternating sides

# %% [markdown]
# ### What is weight_delta? Derivatives
#
# The chapter pictures the network as a box with rods sticking out of it, one
# per variable: push the `weight` rod and the `error` rod moves too. The
# *derivative* says by how much: for `y = x * 2`, moving x by one moves y by
# two (derivative 2); for `y = 0 * x`, the rods are not connected (derivative
# 0). For the error `(input * weight − goal)²` the derivative with respect to
# the weight is `2 (pred − goal) input` — twice `weight_delta`. So
# `weight_delta` is the slope of the error curve, up to a constant factor that
# the learning rate absorbs, and stepping against it goes downhill.

# %%
def slope(fun, x, h=1e-6):
    return (fun(x + h) - fun(x - h)) / (2 * h)

print("y = x * 2:", slope(lambda x: x * 2, 3.0), "  y = 0 * x:", slope(lambda x: 0 * x, 3.0))
for k in range(4):
    wk, inp = g7.weights[k], 1.1
    d_error = slope(lambda t: (inp * t - 0.8) ** 2, wk)
    print(f"weight {wk:.6f}: d error / d weight = {d_error:+.6f}, "
          f"2 * weight_delta = {2 * g7.weight_deltas[k]:+.6f}")
    assert abs(d_error - 2 * g7.weight_deltas[k]) < 1e-8

# %% [markdown]
# ## G8 · Breaking gradient descent: input 2
#
# Set the input to 2 and keep the goal 0.8. Now the error bowl is four times
# steeper, each update overcorrects, and the prediction lands further away
# on the other side every time: −232 million after twenty steps. nnc's
# engine would normally stop such a run and say so (`nnc.DivergenceError`);
# the walkthrough switches the guard off to show the blow-up to its end.

# %%
g8 = book.g8_divergence()
print(g8)
assert g8.lines()[:3] == ["Error:0.04 Prediction:1.0", "Error:0.36 Prediction:0.2",
                          "Error:3.24 Prediction:2.6"]
assert g8.lines()[-3:] == ["Error:6.67087267987e+14 Prediction:-25828031.8",
                           "Error:6.00378541188e+15 Prediction:77484098.6",
                           "Error:5.40340687069e+16 Prediction:-232452292.6"]
errors, preds = trask_descent(0.5, 2.0)
assert np.array_equal(errors, g8.errors) and np.array_equal(preds, g8.predictions)

# %% [markdown]
# The bowl picture makes the failure plain: every step jumps past the bottom
# and lands higher up the opposite wall.

# %%
w = np.linspace(-2.7, 1.9, 301)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
plot.descent_1d(w, (2 * w - 0.8) ** 2, g8.weights[:4], g8.errors[:4], ax=axes[0],
                title="G8: overcorrecting (input 2, first 4 steps)")
plot.loss_curves({"alpha 1 (G8)": g8.errors}, log=True, ax=axes[1],
                 title="error per step", xlabel="step", ylabel="error")
fig.tight_layout()
assert np.all(np.diff(g8.errors) > 0)               # every step makes it worse
assert np.all(np.sign(g8.deltas[1:]) == -np.sign(g8.deltas[:-1]))  # side to side

# %% [markdown]
# ## G9 · Alpha
#
# The simplest cure is to multiply every update by a number between 0 and 1,
# `alpha`. With alpha 0.1 the same setup converges.

# %%
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

# %% [markdown]
# Alpha 0 is a legal choice too: Trask's loop then multiplies every update by
# zero, and the network never learns — every line repeats the first.

# %%
still = book.g9_alpha(alpha=0, iterations=3)
print(still)
assert still.lines() == ["Error:0.04 Prediction:1.0"] * 3

# %% [markdown]
# ## Beyond the book · which alphas work?
#
# Trask found alpha 0.1 by trying. For this network the answer can be worked
# out. One update changes the miss `d = input * weight - goal` into
#
#     d_new = input * (weight - alpha * d * input) - goal = (1 - alpha * input**2) * d
#
# so every step multiplies the miss by the same factor `1 - alpha * input**2`.
# The run converges exactly when that factor lies strictly between −1 and 1,
# that is when `0 < alpha * input**2 < 2`. For input 2 the critical rate is
# 2 / 4 = 0.5: alpha 1 (G8) is beyond it (factor −3, the miss triples and flips
# sign each step — just what G8 printed), alpha 0.1 (G9) is well inside
# (factor 0.6). At alpha 0.25 the factor is 0 and one step lands on the goal.
#
# `nnc.max_stable_lr(X)` computes that critical rate for any linear model from
# its data (it is 2 over the largest eigenvalue of the loss's curvature), and
# `book.alpha_sweep` trains every alpha in one `nnc.sweep` call, each bit for bit
# its own engine fit:

# %%
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

# %% [markdown]
# Left of the dashed line every run ends below where it started; right of it
# every run ends above (red ticks). The error is smallest near alpha 0.25,
# where one step lands on the goal: for alphas between about 0.21 and 0.29 the
# weight reaches the double nearest 0.4 within twenty steps and the error is
# exactly 0, drawn on the floor of the log axis.
#
# **What to take away:** the update's direction comes from the sign of the
# error times the input, its size from the error itself — and the learning
# rate must respect the steepness of the error bowl, which grows with the
# square of the input. Notebook 06 sweeps thousands of alphas and inputs.

# %% [markdown]
# ## Explore
#
# Change the chapter's settings and watch the run change: each control below
# recomputes the whole run on nnc's engine and redraws it in place. The
# explorers need a running kernel and ipywidgets (`pip install "nnc[interact]"`);
# a stored copy of this notebook shows a still picture of each.
#
# `alpha_explorer`: gradient descent on `pred = input * weight` — try input 2
# with alpha 1 (G8's divergence), then lower alpha below 2 / input² = 0.5.

# %%
import nnc.interact as ni

ni.alpha_explorer(alpha=1.0, input=2.0, steps=20)

# %% [markdown]
# `hot_cold_explorer`: hot/cold learning beside gradient descent; a step of
# 0.2 rocks around the goal, a step of 10 jumps forever.

# %%
ni.hot_cold_explorer(step=0.2, iterations=30)
