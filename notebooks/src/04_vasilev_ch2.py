# %% [markdown]
# # Advanced Deep Learning with Python, chapter 2 — the nuts and bolts of networks
#
# Ivan Vasilev's chapter gathers the mathematics a network runs on — linear
# algebra, probability, information theory — and then the parts of a network
# and its training: activation functions, why one hidden layer can
# approximate anything, cost functions, weight initialisation, and the
# optimizers that improve on plain gradient descent. Each walkthrough below
# is one `nnc.book` function built on nnc's kernels (`nnc.mathtools`,
# `nnc.functional`, layers and `fit`); the chapter's numbers are asserted.

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
from fractions import Fraction
from nnc import book, mathtools
import nnc.functional as F

# %% [markdown]
# ## V3 · Vectors and matrices
#
# A layer is a matrix product, so the chapter starts with the operations:
# adding vectors, the dot product (the sum of element-wise products), cosine
# similarity (the dot product of the two directions, 1 when they point the
# same way), the cross product (a vector perpendicular to both), transposes and
# matrix products. nnc's `matmul` is checked against NumPy on the way.

# %%
v3 = book.v3_linear_algebra()
print(v3)
assert v3.dot == 32.0 and list(v3.sum) == [5.0, 7.0, 9.0]
assert abs(v3.cosine - 32 / (np.sqrt(14) * np.sqrt(77))) < 1e-15
assert list(v3.cross) == [-3.0, 6.0, -3.0]
assert mathtools.dot(v3.cross, v3.a) == 0 and mathtools.dot(v3.cross, v3.b) == 0
assert np.array_equal(v3.AB, v3.A @ v3.B) and np.array_equal(v3.Ax, v3.A @ v3.x)
assert np.array_equal(nnc.matmul(v3.A, v3.B), v3.A @ v3.B)

# %% [markdown]
# ## V1 · Probability
#
# Cards: a red card that is also a jack has probability 1/2 × 1/13 = 1/26. Two
# hearts in a row without putting the first back: after one heart, 12 of the
# remaining 51 cards are hearts, so P(heart₂ | heart₁) = 12/51 ≈ 0.235.
# Bayes' rule turns a test's reliability around: a test that is positive for
# 98% of the sick, in a population where 2% are sick and 3.9% test positive,
# gives P(sick | positive) = 0.98 × 0.02 / 0.039 ≈ 0.50 — a coin flip,
# because the disease is rare.

# %%
v1 = book.v1_probability()
print(v1)
assert Fraction(v1.p_red_and_jack) == Fraction(1, 26)
assert Fraction(v1.p_second_heart) == Fraction(12, 51)
assert f"{float(v1.p_second_heart):.3f}" == "0.235"
assert v1.bayes == 0.5025641025641026
assert abs(v1.mean - 2.3) < 1e-15 and abs(v1.variance - 2.01) < 1e-14

# %% [markdown]
# A random variable's distribution: the binomial probabilities of the number of
# heads in 10 fair tosses, and the normal density for a few means and spreads.

# %%
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

# %% [markdown]
# ## V2 · Information
#
# The information of an outcome with probability p is `-log p`: a likely
# outcome (0.8) carries little (0.22 nats), an unlikely one (0.2) a lot (1.61).
# Entropy is the expected information of a distribution — a fair coin has
# ln 2 nats, which is 1 bit; a biased coin less. Cross-entropy `H(P, Q)` is
# the expected information when events follow P but we score them with Q, and
# it exceeds the entropy of P by exactly the KL divergence `KL(P || Q)`. That
# is why minimising cross-entropy against fixed targets is the same as
# minimising KL.

# %%
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

# %% [markdown]
# ## V4 · Activation functions
#
# Without a non-linear activation, stacked layers collapse into one linear
# map. The chapter's catalogue, each with its derivative (what backpropagation
# multiplies by): the sigmoid and tanh saturate (derivative near 0 far from
# the origin); ReLU passes positives unchanged and blocks negatives; leaky
# ReLU and PReLU keep a small slope for negatives (PReLU learns it); ELU bends
# smoothly to −alpha; SELU scales ELU so that activations keep a fixed mean and
# variance through many layers.

# %%
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

# %% [markdown]
# Two of the chapter's numbers. Repeated sigmoids squash everything towards a
# fixed point: σ(2) = 0.88, σ(σ(2)) = 0.707 — a deep stack of sigmoids loses
# the input's scale. And softmax favours the larger score more than the scores
# themselves do: exp(1) = 2.7 and exp(2) = 7.39, so scores 1 and 2 (ratio 0.5)
# become probabilities 0.27 and 0.73 (ratio 0.37).

# %%
assert abs(v4.sigma_sigma_2 - 0.7069873680001046) <= 1e-12 and f"{v4.sigma_sigma_2:.3f}" == "0.707"
assert f"{v4.exp1:.1f}" == "2.7" and f"{v4.exp2:.2f}" == "7.39"
assert abs(v4.softmax_ratio - math.exp(-1)) < 1e-15
assert v4.relu_relu_2 == 2.0
assert abs(v4.selu_lambda - 1.0507009873554804934) < 1e-15

# %% [markdown]
# ## V5 · Universal approximation, one boxcar at a time
#
# Two sigmoid units with steep slopes make a step up and a step down; their
# difference is a *boxcar*, a rectangle. The chapter's example is
# `y = 7 σ(1000x + 5000) − 7 σ(1000x − 5000)`: 7 between −5 and 5, 3.5 exactly
# at the edges, 0 outside (far out the exponential overflows, and the
# sigmoid's stable form still returns 0). Here it is a 1-2-1 network with
# hand-set weights.

# %%
v5 = book.v5_universal_approximation()
print(v5)
assert list(v5.boxcar_x) == [-10, -5, 0, 5, 10]
assert list(v5.boxcar_y) == [0.0, 3.5, 7.0, 3.5, 0.0]

# %% [markdown]
# Add more boxcars, each as tall as the target at its centre, and their sum
# follows any continuous function: 2k sigmoid units in one hidden layer give
# k boxcars. The error falls roughly in proportion to 1/k.

# %%
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

# %% [markdown]
# ## V6 · XOR: one unit cannot, one hidden layer can
#
# A single unit draws one straight line through the plane, and no straight
# line separates XOR's ones (0,1), (1,0) from its zeros (0,0), (1,1). Trained
# on the log loss the single unit gives up and outputs 1/2 everywhere. One
# hidden layer of sigmoids bends the boundary and classifies all four points.

# %%
v6 = book.v6_xor()
print(v6)
assert v6.single_accuracy < 1.0 and v6.hidden_accuracy == 1.0

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, model, name in ((axes[0], v6.single_model, "a single unit"),
                        (axes[1], v6.hidden_model, "one hidden layer (4 sigmoids)")):
    plot.decision_boundary(lambda G, m=model: F.sigmoid(m.predict(G)), v6.X, v6.y,
                           resolution=120, ax=ax, title=f"XOR with {name}")
fig.tight_layout()

# %% [markdown]
# ## V7 · Cost functions
#
# For regression: the squared error punishes big misses hard, the absolute
# error treats all misses alike (robust to outliers, but its gradient never
# shrinks), and the Huber loss is quadratic for misses smaller than delta and
# linear beyond — the best of both. For classification: softmax turns scores
# into probabilities and the cross-entropy scores them; the gradient of the
# pair with respect to the scores is simply `softmax − target`.

# %%
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

# %% [markdown]
# ## V8 · Weight initialisation
#
# Start the weights too small and signals fade layer by layer; too large and
# they explode or saturate the activations. Xavier/Glorot initialisation picks
# the variance `2 / (n_in + n_out)` (uniform on ±sqrt(6 / (n_in + n_out))), which
# keeps the variance of activations and gradients roughly constant for
# symmetric activations; He initialisation uses `2 / n_in` (uniform on
# ±sqrt(6 / n_in)) to make up for ReLU zeroing half its inputs. First the
# samples against their formulas:

# %%
v8 = book.v8_initialisers()
print(v8)
fan = 256
assert np.allclose(v8.limits, [np.sqrt(6 / (2 * fan)), np.sqrt(2 / (2 * fan)),
                               np.sqrt(6 / fan), np.sqrt(2 / fan)])
uniform = np.array(["uniform" in n for n in v8.names])
assert np.all(v8.sample_max_abs[uniform] <= v8.limits[uniform])
assert np.all(abs(v8.sample_std / v8.formula_std - 1) < 0.02)

# %% [markdown]
# Then the reason: a batch of data through 10 layers of 256 units. On the left,
# the spread of each layer's activations; on the right, the size of the
# gradient arriving at each layer on the way back. With ReLU, Xavier's
# variance is half of what is needed and the signal shrinks by about √2 per
# layer, while He keeps it steady in both directions. With sigmoids and
# Xavier weights the gradient reaching the first layer is about a million
# times smaller than at the last — every layer multiplies it by σ' ≤ 1/4: the
# *vanishing gradient*. Large N(0, 1) weights keep the gradient's size but
# saturate the sigmoids (a spread near 0.5 means outputs stuck at 0 or 1).

# %%
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

# %% [markdown]
# ## V9 · Better optimizers
#
# Plain gradient descent on a long, narrow valley zig-zags across the steep
# direction and crawls along the flat one. **Momentum** keeps a velocity,
# `v = mu v − lr g; theta += v`, so consistent gradients add up and
# oscillations cancel. **Nesterov** momentum evaluates the gradient where the
# velocity is about to carry the parameters, `g = grad(theta + mu v)`, and
# corrects earlier. **Adam** keeps running averages of the gradient (m) and of
# its square (v) and steps by `m / sqrt(v)`, so every parameter moves at a
# similar pace whatever the scale of its gradient.
#
# Adam's averages start at 0, which biases them low in the first steps; the
# bias correction divides by `1 − beta^t`. The chapter's example: with beta1 =
# 0.9 and a first gradient of 10, m₁ = 0.1 × 10 = 1 (0.9999999999999998 in
# floating point), and the corrected value m₁ / (1 − 0.9) is the gradient
# itself, 10.

# %%
v9 = book.v9_optimizers()
print(v9)
assert v9.adam_m1 == 0.9999999999999998 and v9.adam_m1_hat == 10.0
fig = plot.optimizer_paths(v9.w1_grid, v9.w2_grid, v9.surface,
                           dict(zip(v9.names, v9.paths)), levels=20, log=True,
                           title="V9: four optimizers in a narrow valley",
                           xlabel="w1", ylabel="w2")
final = {n: float(l[-1]) for n, l in zip(v9.names, v9.losses)}
assert final["Nesterov"] < final["Momentum"]
