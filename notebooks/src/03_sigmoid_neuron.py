# %% [markdown]
# # The sigmoid neuron's learning algorithm, with the maths
#
# Niranjan Kumar's article (after the padhAI course) trains a single sigmoid
# neuron, `f(x) = sigmoid(w*x + b)`, on two points, and explains *why* the
# gradient-descent update lowers the loss. Here the training run is one `fit`
# call into nnc's C engine, the loss surface is evaluated in C on a grid, and
# the article's figures — the surface, the contour with the path, and an
# animation of the descent — are redrawn with `nnc.plot`.
#
# The data are X = [0.5, 2.5] with targets Y = [0.2, 0.9]. The loss is summed
# over the points, with a factor one half:
#
#     L(w, b) = sum_i (f(x_i) - y_i)**2 / 2
#
# and the parameters are updated once per epoch, after both points.

# %%
import math

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
import nnc.functional as F

# %% [markdown]
# ## Why step against the gradient?
#
# Write the parameters as one vector `theta = (w, b)` and consider a small move
# `eta * u` in some direction `u`. Taylor's expansion says
#
#     L(theta + eta*u) = L(theta) + eta * u . grad L(theta) + (terms in eta**2, eta**3, ...)
#
# For a small `eta` the higher terms are negligible, so the move lowers the
# loss when `u . grad L` is negative — and lowers it most when `u` points
# exactly opposite to the gradient, because `u . grad L = |u| |grad L| cos(angle)`
# and the cosine is smallest, −1, at 180°. Hence the rule
# `theta <- theta - eta * grad L`.
#
# We can watch this happen at the starting point w = 0, b = −8: take a step of length
# 0.01 in every direction and record the change of the loss. It follows the
# first-order prediction `eta |grad L| cos(angle)` closely, and it is most
# negative at 180° from the gradient.

# %%
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

# %% [markdown]
# ## S1 · Gradient descent from w = 0, b = −8
#
# The partial derivatives, by the chain rule through the sigmoid (whose
# derivative is `f (1 - f)`), are
#
#     dL/dw = sum_i (f_i - y_i) f_i (1 - f_i) x_i
#     dL/db = sum_i (f_i - y_i) f_i (1 - f_i)
#
# The run starts at w = 0, b = −8 with learning rate 1 for 1000 epochs. The
# article chose that start on purpose: there `w*x + b` is about −8 for both
# points, deep in the sigmoid's flat tail, the factor `f (1 - f)` is about
# 0.0003, and learning crawls.

# %%
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

# %% [markdown]
# nnc replays the article's code bit for bit, not just to its printed digits.
# The article's loop adds `dw += (fx - y) * fx * (1 - fx) * x` over the two
# points in order, computes `fx = 1 / (1 + exp(-(w*x + b)))`, and squares with
# `**` in its `error`. `s1_sigmoid_neuron` runs
# `fit(sum_order="data", transcendentals="libm")`: sums in data order, and the
# sigmoid with the C library's `exp` in that textbook form (nnc's default
# `exp` is its own vectorised one, a last bit away now and then). Below, the
# loop in plain Python with `math.exp` (the C library's), and every one of the
# 1001 values of `w`, `b` and the loss compared bit for bit. The article calls
# `np.exp`: that is the C library's exp too, except on CPUs with AVX-512,
# where NumPy uses its own vector exp (a last bit away for a few percent of
# arguments, chosen by the CPU at run time, so no portable program reproduces
# it).

# %%
W, B, L = [0.0], [-8.0], []
for _ in range(1000):
    dw, db = 0, 0
    for xi, yi in zip(x.tolist(), y.tolist()):  # Python floats, as the article's lists
        fx = 1.0 / (1.0 + math.exp(-(W[-1] * xi + B[-1])))
        dw += (fx - yi) * fx * (1 - fx) * xi
        db += (fx - yi) * fx * (1 - fx)
    W.append(W[-1] - 1.0 * dw)
    B.append(B[-1] - 1.0 * db)
for wk, bk in zip(W, B):
    err = 0.0
    for xi, yi in zip(x.tolist(), y.tolist()):
        fx = 1.0 / (1.0 + math.exp(-(wk * xi + bk)))
        err += 0.5 * (fx - yi) ** 2
    L.append(err)
same = sum(int(a == c) for a, c in zip(W + B + L, s1.w.tolist() + s1.b.tolist()
                                       + s1.loss.tolist()))
print(f"{same} of {3 * 1001} values identical to the article's loop")
assert same == 3 * 1001

# %% [markdown]
# The loss curve shows the plateau: for about 400 epochs the loss barely moves
# from 0.4246, while `w` and `b` drift out of the flat tail. Once the neuron's
# outputs reach the sigmoid's steep middle, the gradient is suddenly large and
# the loss falls by a factor of twenty within a few dozen epochs.

# %%
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

# %% [markdown]
# ## S2 · The loss surface
#
# Evaluating the loss for every `(w, b)` with w in [−2, 6] and b in [−10, 2]
# gives the article's surface. `nnc.loss_surface` does this in C on a grid,
# holding the data fixed and setting the two parameters for each grid point.
# The article prints no loss values; the corner values checked below were
# computed by nnc (float64, to 1e-12 relative) to pin the surface down.

# %%
s2 = book.s2_loss_surface(path=s1)
print(s2)
W, B, L = s2.w_grid, s2.b_grid, s2.loss
assert L.shape == (B.size, W.size)          # rows follow b, columns follow w
assert (W[0], B[0], B[-1]) == (-2.0, -10.0, 2.0)
assert abs(L[0, 0] - 0.42499638454314176) <= 1e-12 * 0.425
assert abs(L[-1, 0] - 0.5044529278317778) <= 1e-12 * 0.505
assert np.allclose(L, loss(*np.meshgrid(W, B)), rtol=1e-12, atol=0)

# %% [markdown]
# To the bit, the grid and the article's arithmetic part in one operation:
# `exp`. `nnc.loss_surface` runs nnc's vectorised exp, which differs from the
# C library's in the last bit for some arguments; a quarter of the cells then
# differ, by a few units in the last place. S1's `fit(sum_order="data",
# transcendentals="libm")` evaluates any cell exactly as the article's loop
# with `math.exp` does — here the four corners, each the loss that a one-epoch
# fit records before its step. `s2_loss_surface(arithmetic="book")` does that
# for every cell (one fit per cell: seconds where the one C call takes
# milliseconds).

# %%
def article_loss(w, b):
    err = 0.0
    for xi, yi in zip(s1.x.tolist(), s1.y.tolist()):
        fx = 1.0 / (1.0 + math.exp(-(w * xi + b)))
        err += 0.5 * (fx - yi) ** 2
    return err


article = np.array([[article_loss(w, b) for w in W.tolist()] for b in B.tolist()])
differ = article != L
print(f"cells that differ from the article's arithmetic: {differ.sum()} of {L.size}, "
      f"largest relative gap {np.max(abs(L / article - 1)):.2g}")
assert np.max(abs(L / article - 1)) < 1e-13
for j, i in ((0, 0), (-1, 0), (0, -1), (-1, -1)):
    neuron = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], dtype="float64")
    neuron.layers[0].weight[...], neuron.layers[0].bias[...] = W[i], B[j]
    h = neuron.fit(s1.x[:, None], s1.y[:, None],
                   loss=nnc.losses.MSE(reduction="sum", half=True), optimizer=nnc.SGD(1.0),
                   epochs=1, record="step", sum_order="data", transcendentals="libm")
    assert h.step_loss[0] == article[j, i]
print("the corners through fit(transcendentals='libm'): the article's floats")

# %% [markdown]
# Coloured as the article describes it — red where the loss is high, blue
# where it is low — as a 3-D surface: a high flat shelf on the left (where the sigmoid is near 0
# for both points, or near 1), and a curved valley that descends towards large
# `w` and negative `b`. The red line is S1's path: it starts on the shelf, creeps,
# slides down into the valley and then follows the valley floor.

# %%
fig = plot.loss_surface_3d(W, B, L, path=(s1.w, s1.b, s1.loss), cmap="coolwarm",
                           title="S2: loss surface (red high, blue low) and the descent path")

# %%
fig = plot.loss_contour(W, B, L, path=(s1.w, s1.b), levels=20, cmap="coolwarm",
                        title="S2: contour map and the descent path")
# downhill: along the path the loss never rises
assert np.all(np.diff(s1.loss) <= 0)

# %% [markdown]
# ### The descent, animated
#
# The animation samples frames evenly along the distance travelled, not along
# the epochs, so the long creep on the plateau takes a few frames and the fast
# slide into the valley gets most of them (the frame label shows the epoch).

# %%
anim = plot.descent_animation(W, B, L, (s1.w, s1.b, s1.loss), frames=16,
                              spacing="distance", interval=250,
                              title="S1 on the loss surface", figsize=(5, 3.6))
print("epochs shown:", anim.nnc_frames)
plot.animation_html(anim, frame_format="jpeg")

# %% [markdown]
# Where the player cannot run (a PDF, or this notebook viewed on a code host
# that does not execute JavaScript), the same descent as four stills:

# %%
fig = plot.descent_snapshots(W, B, L, (s1.w, s1.b), count=4, spacing="distance",
                             title="S1 on the loss surface, four stills")

# %% [markdown]
# ### Does gradient descent find the minimum?
#
# The article says it does. After its 1000 epochs the loss is still 0.017 — the
# neuron is on its way, not there. Continued, the same run keeps descending:
# both points can be fitted exactly (two points, two parameters), and by 5000
# epochs the loss is about 2e-30, zero to float64 precision.

# %%
s1_long = book.s1_sigmoid_neuron(epochs=5000)
for k in (1000, 2000, 3000, 4000, 5000):
    print(f"epoch {k}: loss {s1_long.loss[k]:.3g}")
print(f"w = {s1_long.w[-1]:.6f}, b = {s1_long.b[-1]:.6f}; "
      f"f(x) = {F.sigmoid(s1_long.w[-1] * x + s1_long.b[-1])} against y = {y}")
assert 0.01 < s1_long.loss[1000] < 0.02 and s1_long.loss[-1] < 1e-29
assert np.array_equal(s1_long.loss[:1001], s1.loss)     # the same run, continued
fig = plot.loss_curves(s1_long.loss, log=True, title="S1 continued to 5000 epochs",
                       xlabel="epoch", ylabel="loss")
fig.axes[0].axvline(1000, color="k", ls=":", lw=1)

# %% [markdown]
# **What to take away:** gradient descent is guaranteed to go downhill for a
# small enough step, but how *fast* it goes depends on where it starts. A
# saturated sigmoid has almost no slope, so a bad start can waste hundreds of
# epochs — one reason later chapters care so much about initialisation.

# %% [markdown]
# ### Beyond the article: the neuron from many starts
#
# How much does the start matter? `book.s3_many_starts` trains the neuron
# from every start of a grid over S2's window — w in [−2, 6], b in [−10, 2],
# steps of 0.25, 1,617 starts — with S1's loss and learning rate, all in one
# `nnc.sweep` call (the starts are per-replica initial parameters; each run
# is bit for bit its own `fit`). The map colours each start by the epochs its
# run needs to get the loss below 0.05; grey starts never get there in 1000
# epochs.

# %%
import time

t0 = time.perf_counter()
many = book.s3_many_starts()
print(f"{time.perf_counter() - t0:.2f} s for {many.forward_passes:,} epochs of training")
print(many)
j, i = np.flatnonzero(many.b_grid == -8.0)[0], np.flatnonzero(many.w_grid == 0.0)[0]
print(f"S1's start (0, -8): {many.epochs_to_threshold[j, i]} epochs; (0, -8.25): "
      f"{many.epochs_to_threshold[j - 1, i]}; (0, -8.5): {many.epochs_to_threshold[j - 2, i]}")
assert many.epochs_to_threshold[j - 2:j + 1, i].tolist() == [733, 572, 447]
assert np.array_equal(many.loss[j, i], book.s1_sigmoid_neuron(arithmetic="fast").loss)

fig, ax = plt.subplots(figsize=(6.4, 4.6))
from matplotlib.colors import LogNorm

# epochs needed (0 drawn as 1 on the log scale); never below 0.05: grey
epochs_needed = np.ma.masked_less(many.epochs_to_threshold, 0).clip(1, None)
ax.set_facecolor("0.75")
mesh = ax.pcolormesh(many.w_grid, many.b_grid, epochs_needed, cmap="viridis",
                     shading="nearest", norm=LogNorm(vmin=1, vmax=many.epochs))
fig.colorbar(mesh, ax=ax, label="epochs until the loss is below 0.05")
ax.contour(W, B, L, levels=10, colors="w", linewidths=0.6, alpha=0.7)
ax.plot(s1.w, s1.b, color="tab:red", lw=1.5, label="S1's path from (0, −8)")
ax.plot(0.0, -8.0, "o", color="tab:red")
ax.set_xlabel("starting w"); ax.set_ylabel("starting b")
ax.set_title("1,617 starts, one sweep: the flat shelf costs epochs")
ax.legend(loc="upper right");

# %% [markdown]
# The slow starts lie on the flat shelf at the bottom left, where `w·x + b`
# is far below zero for both points and the sigmoid has almost no slope: the
# deeper the start, the longer the creep (S1's start needs 447 epochs, a
# quarter lower in b 572, half a unit lower 733). Starts near the valley
# floor (the dark region) get there in a few epochs; a milder shelf at the
# top, where both outputs are near 1, slows its starts too. The same map for
# another learning rate or threshold is one call:
# `book.s3_many_starts(learning_rate=..., threshold=...)`.

# %% [markdown]
# ## Explore
#
# Change the chapter's settings and watch the run change: each control below
# recomputes the whole run on nnc's engine and redraws it in place. The
# explorers need a running kernel and ipywidgets (`pip install "nnc[interact]"`);
# a stored copy of this notebook shows a still picture of each.
#
# `neuron_explorer`: start the neuron anywhere on the loss surface and watch
# the path; starts deep in the flat shelf give the longest plateaus.

# %%
import nnc.interact as ni

ni.neuron_explorer()
