# %% [markdown]
# # Beyond the books
#
# The chapters run a few dozen training steps by hand. With a C engine that
# runs a whole training in one call, we can ask the questions the chapters
# leave open — by running thousands of trainings:
#
# 1. **Which learning rates work?** An alpha sweep of thousands of fits, and
#    the critical learning rate `nnc.max_stable_lr` predicts.
# 2. **Why do gradients win?** Hot/cold learning against gradient descent,
#    counted in forward passes.
# 3. **An optimizer race**: SGD, Momentum, Nesterov and Adam on one loss surface.
# 4. **A real network**: a small MLP on scikit-learn's handwritten digits.

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
import time

# %% [markdown]
# ## 1 · The critical learning rate
#
# Trask's network `pred = input * weight` with his update is gradient descent
# on half the squared error. Each step multiplies the miss by
# `1 - alpha * input**2` (notebook 01), so it converges exactly when
# `0 < alpha < 2 / input**2`. More generally, for any linear model with a
# squared-error loss the loss is a quadratic bowl whose steepest curvature is
# the largest eigenvalue `lambda_max` of its Hessian; gradient descent
# converges for learning rates below `2 / lambda_max` and blows up above it.
# `nnc.max_stable_lr(X)` computes that bound from the data.
#
# First, 2000 learning rates for input 2, each a 20-step fit from weight 0.5
# (a learning rate of 0 is no step at all, so that weight just stays put).
# `nnc.sweep` trains them all in one call into C, each replica bit for bit
# the run its own `fit` would make (`record="final"`: keep only the final
# weights and losses); the assertions spot-check a few against `fit`:

# %%
X, y = np.array([[2.0]]), np.array([[0.8]])
half_sse = nnc.losses.MSE(reduction="sum", half=True)
sse = nnc.losses.MSE(reduction="sum")
critical = nnc.max_stable_lr(X, loss=half_sse)
print("critical learning rate for input 2:", critical)
assert critical == 2 / 2.0 ** 2

model = nnc.Sequential([nnc.Dense(1, 1, bias=False)], seed=0)
start = sse(np.array([[2.0 * 0.5]]), y)                 # error before training: 0.04

def final_error(alpha, steps=20):
    if alpha == 0:                                      # nnc.SGD needs lr > 0
        return start
    model.layers[0].weight[...] = 0.5
    model.fit(X, y, loss=half_sse, optimizer=nnc.SGD(alpha), epochs=steps,
              divergence=None)                         # let blow-ups run to the end
    return model.evaluate(X, y, sse)

alphas = np.linspace(0.0, 0.75, 2000)
t0 = time.perf_counter()
moving = alphas > 0                                     # alpha 0: the weight stays put
model.layers[0].weight[...] = 0.5
s = nnc.sweep(model, X, y, loss=half_sse, optimizer=nnc.SGD(lr=alphas[moving]), epochs=20,
              divergence=None, record="final")
finals = np.full(alphas.size, start)
with np.errstate(over="ignore", invalid="ignore"):
    finals[moving] = (2.0 * s.params[:, 0] - 0.8) ** 2  # the error after 20 steps
print(f"{alphas.size} learning rates in {time.perf_counter() - t0:.4f} s")
for k in (0, 1, 700, 1400, 1999):                       # each replica is its own fit
    assert finals[k] == final_error(alphas[k])
better = finals < start
print(f"the error shrank for alpha from {alphas[better].min():.6f} to {alphas[better].max():.6f}")
assert np.array_equal(better, (alphas > 0) & (alphas < critical))

fig = plot.learning_rate_map(alphas, finals, critical=critical, diverge_above=start,
                             title="Input 2: error after 20 steps, 2000 learning rates",
                             ylabel="error after 20 steps")

# %% [markdown]
# Now both the learning rate and the input vary: 40 inputs × 250 learning
# rates, 10,000 fits. Runs that end with a larger error than they started with
# are coloured red. The white curve is `nnc.max_stable_lr` for each input,
# 2 / input²: it traces the border exactly.

# %%
inputs = np.linspace(0.25, 3.0, 40)
rates = np.geomspace(0.01, 40.0, 250)
A, I = np.meshgrid(rates, inputs)          # row i: input i, column j: rate j
t0 = time.perf_counter()
model.layers[0].weight[...] = 0.5
s = nnc.sweep(model, I.reshape(-1, 1, 1), y, loss=half_sse, optimizer=nnc.SGD(lr=A.ravel()),
              epochs=30, divergence=None, record="final")  # one X per replica, y shared
with np.errstate(over="ignore", invalid="ignore"):
    err = (I * s.params[:, 0].reshape(A.shape) - 0.8) ** 2
finals = np.where(err < (I * 0.5 - 0.8) ** 2, err, np.inf)
print(f"{finals.size} fits in {time.perf_counter() - t0:.4f} s")
model.layers[0].weight[...] = 0.5                       # one replica against its own fit
model.fit([[inputs[7]]], y, loss=half_sse, optimizer=nnc.SGD(rates[90]), epochs=30,
          divergence=None)
assert model.evaluate([[inputs[7]]], y, sse) == err[7, 90]
crit = np.array([nnc.max_stable_lr([[x]], loss=half_sse) for x in inputs])
assert np.allclose(crit, 2 / inputs ** 2)
# the border of the converging region is the critical rate, to the grid's resolution
for i in range(inputs.size):
    ok = np.isfinite(finals[i])
    last_ok = rates[ok].max()
    assert last_ok < crit[i] <= rates[rates > last_ok].min()
fig = plot.divergence_map(rates, inputs, finals, critical=lambda x: 2 / x ** 2,
                          title="Where gradient descent converges (30 steps)")

# %% [markdown]
# Ten thousand fits in one sweep take milliseconds, so a finer map costs
# little more: here 250,000 runs of Trask's one-weight model, a 500 × 500 grid
# of (learning rate, input), each replica with its own input row and its own
# learning rate. Every replica is bit for bit the run its own `fit` would make,
# so the same map comes out, only finer; NumPy, vectorised over both axes, is
# timed beside it, and the assertion checks that the two agree to the last bit.

# %%
# 250,000 runs in one call: the (alpha, input) map of the cell above at 500 x 500
inputs = np.linspace(0.25, 3.0, 500)
rates = np.geomspace(0.01, 40.0, 500)
A, I = np.meshgrid(rates, inputs)          # row i: input i, column j: rate j
model.layers[0].weight[...] = 0.5
t0 = time.perf_counter()
s = nnc.sweep(model, I.reshape(-1, 1, 1), y, loss=half_sse, optimizer=nnc.SGD(lr=A.ravel()),
              epochs=30, divergence=None, record="final")  # one X per replica, y shared
t_nnc = time.perf_counter() - t0
w = s.params[:, 0].reshape(A.shape)
with np.errstate(over="ignore", invalid="ignore"):
    err = (I * w - 0.8) ** 2
start = (I * 0.5 - 0.8) ** 2
finals = np.where(err < start, err, np.inf)

# the same 250,000 runs in NumPy, vectorised over both axes
t0 = time.perf_counter()
wn = np.full(A.shape, 0.5)
with np.errstate(over="ignore", invalid="ignore"):
    for _ in range(30):
        wn = wn - A * ((I * wn - 0.8) * I)
t_np = time.perf_counter() - t0
print(f"{A.size:,} fits: nnc.sweep {t_nnc:.3f} s, NumPy vectorised {t_np:.3f} s")
ran = ~s.diverged.reshape(A.shape)
assert np.array_equal(w[ran], wn[ran])     # the same arithmetic, bit for bit
fig = plot.divergence_map(rates, inputs, finals, critical=lambda x: 2 / x ** 2,
                          title="Where gradient descent converges: 500 x 500 runs, one sweep")

# %% [markdown]
# The same holds with more than one parameter. For Bergel's line fit (slope
# and intercept, mean squared error over his four points) the Hessian is
# `2 XᵀX / n` with a column of ones for the intercept; its largest eigenvalue
# sets the critical rate, which is far below what the slope alone would
# suggest because the two parameters are coupled.

# %%
xb = np.array([[1.0], [3.0], [2.0], [4.0]])
yb = np.array([[3.0], [5.2], [4.1], [7.5]])
crit_line = nnc.max_stable_lr(xb, loss="mse", bias=True)
print("critical learning rate for the line fit:", crit_line)

line = nnc.Sequential([nnc.Dense(1, 1)], seed=0)
lrs = np.linspace(0.001, 0.16, 1000)
# 1000 fits from (a, b) = (0.5, 3.0) in one sweep; 301 epochs record the cost
# after 300 (each epoch's loss is taken before its step)
s = nnc.sweep(line, xb, yb, loss="mse", optimizer=nnc.SGD(lr=lrs), epochs=301,
              params=[0.5, 3.0], divergence=None)
costs = s.loss[:, 300]
line.set_flat_params([0.5, 3.0])                        # one replica against its own fit
line.fit(xb, yb, loss="mse", optimizer=nnc.SGD(lrs[600]), epochs=300, divergence=None)
assert line.evaluate(xb, yb, "mse") == costs[600]
start_cost = 1.75
assert np.all(costs[lrs < crit_line] < start_cost) and np.all(costs[lrs > crit_line] > start_cost)
fig = plot.learning_rate_map(lrs, costs, critical=crit_line, diverge_above=start_cost,
                             title="Bergel's line: cost after 300 epochs, 1000 fits in one sweep",
                             xlabel="learning rate", ylabel="cost J(a, b)")

# %% [markdown]
# ## 2 · Hot/cold learning against gradient descent, in forward passes
#
# Hot/cold learning needs no derivative, but it pays in predictions: for each
# of its `n` parameters it tries a step up and a step down, so one update costs
# `1 + 2n` forward passes. Gradient descent gets the direction for *all*
# parameters from one forward and one backward pass. nnc's `HotCold` optimizer
# generalises Trask's loop to any model and the `History` counts the passes.
#
# Race on Bergel's four points (two parameters) to within 1% of the best
# possible cost. Not one race but 400: one `nnc.sweep` call trains hot/cold
# with 201 step sizes, another gradient descent with 202 learning rates, all
# from (0.5, 3.0) for 3000 steps; the `Sweep` counts every replica's forward
# passes. Trask's step 0.001 and the rates 0.01 and 0.05 are among them:

# %%
best = np.polyfit(xb[:, 0], yb[:, 0], 1)
J_min = np.mean((yb[:, 0] - np.polyval(best, xb[:, 0])) ** 2)
target = 1.01 * J_min
start = np.array([0.5, 3.0])                       # (slope, intercept): get_flat_params order
hot_steps = np.concatenate([[0.001], np.geomspace(1e-4, 0.3, 200)])
gd_rates = np.concatenate([[0.01, 0.05], np.linspace(0.001, 0.16, 200)])
t0 = time.perf_counter()
hot = nnc.sweep(line, xb, yb, loss="mse", optimizer=nnc.HotCold(step=hot_steps), epochs=3000,
                params=start, record="step")
grad = nnc.sweep(line, xb, yb, loss="mse", optimizer=nnc.SGD(lr=gd_rates), epochs=3000,
                 params=start, record="step")
print(f"{len(hot) + len(grad)} runs of 3000 steps in {time.perf_counter() - t0:.2f} s; "
      f"{int(grad.diverged.sum())} learning rates diverged")

def passes_to_target(s):
    """Per replica: forward passes per step, and passes until the cost is
    within 1% of the minimum (-1: never within 3000 steps)."""
    per_step = s.forward_passes // np.maximum(s.steps_done, 1)
    below = s.step_loss < target                 # NaN after a diverged run stops: False
    first = np.where(below.any(axis=1), np.argmax(below, axis=1), -1)
    return per_step, np.where(first >= 0, first * per_step, -1)

hot_per, hot_need = passes_to_target(hot)
grad_per, grad_need = passes_to_target(grad)
runs = {"hot/cold, step 0.001": (hot, 0, hot_per[0], hot_need[0]),
        "gradient descent, lr 0.01": (grad, 0, grad_per[0], grad_need[0]),
        "gradient descent, lr 0.05": (grad, 1, grad_per[1], grad_need[1])}
for name, (s, i, per_step, need) in runs.items():
    print(f"{name:28s} {per_step} passes per step; within 1% after {need // per_step} steps "
          f"= {need} forward passes")
fewest_hot, fewest_grad = hot_need[hot_need >= 0].min(), grad_need[grad_need >= 0].min()
print(f"fewest forward passes to within 1%: hot/cold {fewest_hot} "
      f"(step {hot_steps[hot_need == fewest_hot][0]:.4g}), gradient descent {fewest_grad} "
      f"(lr {gd_rates[grad_need == fewest_grad][0]:.4g}): "
      f"{fewest_hot / fewest_grad:.0f} times as many")
assert np.all(hot_per == 5) and np.all(grad_per[~grad.diverged] == 1)
assert hot_need[0] > 5 * grad_need[0] and fewest_hot > 5 * fewest_grad
assert np.all(hot.step_loss[:, -1] - J_min > 1e-6)
# each replica is its own fit, bit for bit (one of each, checked here)
line.set_flat_params(start)
h = line.fit(xb, yb, loss="mse", optimizer=nnc.HotCold(0.001), epochs=3000, record="step")
assert np.array_equal(h.step_loss, hot.step_loss[0]) and h.forward_passes == hot.forward_passes[0]

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
ax = axes[0]
for name, (s, i, per_step, _) in runs.items():
    passes = np.arange(1, s.step_loss.shape[1] + 1) * per_step
    gap = s.step_loss[i] - J_min
    keep = np.arange(gap.size) <= np.argmax(gap < 1e-12) if (gap < 1e-12).any() else slice(None)
    ax.plot(passes[keep], gap[keep], label=name)   # cut where rounding noise begins
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xlabel("forward passes"); ax.set_ylabel("cost above the minimum")
ax.set_title("Three of the runs, by forward passes")
ax.grid(True, alpha=0.3); ax.legend()
ax = axes[1]
for s, need, name, color in ((hot, hot_need, "hot/cold, 201 step sizes", "tab:blue"),
                             (grad, grad_need, "gradient descent, 202 rates", "tab:orange")):
    ok = need >= 0
    gap = np.maximum(s.step_loss[ok, -1] - J_min, 1e-16)      # rounding can dip below J_min
    ax.scatter(need[ok], gap, s=12, color=color, label=name)
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xlabel("forward passes until within 1% of the minimum")
ax.set_ylabel("cost above the minimum at step 3000")
ax.set_title("Every run that got within 1%: one point each")
ax.grid(True, alpha=0.3); ax.legend(loc="center left");

# %% [markdown]
# Across all 400 runs the picture holds: the best hot/cold step needs about
# 20 times the forward passes of the best learning rate to get within 1%
# (right panel, every point a run), and no step size takes hot/cold to the
# minimum: its runs end 1e-6 or more above it. Hot/cold stalls once its fixed
# step is too coarse for the remaining distance (the flat tail of its curve),
# exactly the second flaw Trask points out. And the price grows with the
# model: for the digit network of section 4, with 4,810 parameters, one
# hot/cold update would take 9,621 forward passes.

# %% [markdown]
# ## 3 · An optimizer race on one loss surface
#
# Back to the sigmoid neuron of notebook 03, started on its plateau at
# w = 0, b = −8. Plain gradient descent creeps for hundreds of epochs there.
# Momentum accumulates the small, consistent gradient into speed
# (`v = mu v - lr g; theta += v`); Nesterov takes the gradient at the point
# momentum is about to reach; Adam divides each step by a running estimate of
# the gradient's size, so a tiny gradient still gives a step of about `lr`.
# Each run is 300 epochs, one `fit` call, recording the parameter path.

# %%
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

# %%
fig = plot.loss_curves({name: h.step_loss for name, h in race.items()}, log=True,
                       title="Loss per epoch", xlabel="epoch")

# %% [markdown]
# Momentum and Nesterov overshoot across the valley and swing back (their
# paths loop), Adam heads almost straight for the valley floor, and SGD has
# barely left the start. None of this makes Adam "the best" in general — on
# the smooth bowl of a linear fit plain gradient descent with a good rate is
# hard to beat — but on plateaus, adaptive and momentum methods shine.

# %% [markdown]
# ## 4 · A small network on real data: handwritten digits
#
# scikit-learn ships 1,797 8×8 images of digits. A 64-64-10 network (ReLU
# hidden layer, softmax cross-entropy on the 10 outputs) trained with Adam,
# mini-batches of 32, reshuffled every epoch, for 30 epochs — again one call
# into C for the whole training.

# %%
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

# %%
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

# %% [markdown]
# ## 5 · Valleys in many dimensions: restarting a small network
#
# Serrano's appendix shows random restarts on a function of one variable
# (notebook 05). Training a network meets the same problem in many
# dimensions. A 2-2-1 sigmoid network on XOR has valleys where two points are
# right and two sit at probability 1/2 (a mean log loss near ln(2)/2 = 0.347):
# from some starting weights, full-batch descent settles there.
# `book.grokking_ml.xor_restarts` runs twelve restarts, each a fresh seed and
# one `fit` call, and keeps the best.

# %%
from nnc.book.grokking_ml import xor_restarts

xr = xor_restarts()
print(xr)
assert xr.stuck.any() and not xr.stuck.all()
assert xr.accuracy[list(xr.seeds).index(xr.best_seed)] == 1.0
assert np.all(np.abs(xr.final_loss[xr.stuck] - np.log(2) / 2) < 0.02)
fig = plot.loss_curves({f"seed {s}" + (" (stuck)" if st else ""): c
                        for s, st, c in zip(xr.seeds, xr.stuck, xr.losses)}, log=True,
                       title="twelve restarts on XOR", xlabel="epoch", ylabel="mean log loss")
fig.axes[0].legend(fontsize="x-small", ncol=2)
