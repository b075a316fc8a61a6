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
import math
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
# **Linear transformations.** A function `f` is linear when it respects sums
# and scaling: `f(a + b) = f(a) + f(b)` (additivity) and `f(c a) = c f(a)`
# (homogeneity). Every matrix product `f(x) = A x` is linear, which is why a
# layer without an activation is "just" a linear map. The sigmoid is not.

# %%
A = v3.A
a, b, c = np.array([1.0, -2.0, 0.5]), np.array([0.25, 4.0, -1.0]), 3.0
def f(x):
    return nnc.matmul(A, x[:, None])[:, 0]
print("f(a + b) =", f(a + b), " f(a) + f(b) =", f(a) + f(b))
print("f(c a)   =", f(c * a), " c f(a)      =", c * f(a))
assert np.allclose(f(a + b), f(a) + f(b)) and np.allclose(f(c * a), c * f(a))
g = lambda x: F.sigmoid(f(x))   # noqa: E731
print("with a sigmoid: g(a + b) - (g(a) + g(b)) =", g(a + b) - (g(a) + g(b)))
assert not np.allclose(g(a + b), g(a) + g(b))

# %% [markdown]
# **The cross product's length is an area.** `|a × b| = |a| |b| sin θ`, the
# area of the parallelogram that `a` and `b` span. For vectors in the x-y
# plane it is the familiar `|a_x b_y − a_y b_x|`.

# %%
u, w = np.array([3.0, 0.0, 0.0]), np.array([1.0, 2.0, 0.0])
cross = np.cross(u, w)
theta = math.acos(mathtools.cosine_similarity(u, w))
area_formula = np.linalg.norm(u) * np.linalg.norm(w) * math.sin(theta)
print(f"u x w = {cross}, |u x w| = {np.linalg.norm(cross):g}, "
      f"|u||w| sin(theta) = {area_formula:.12g}, base x height = 3 x 2 = 6")
assert np.linalg.norm(cross) == 6.0 and abs(area_formula - 6.0) < 1e-12
fig, ax = plt.subplots(figsize=(4, 3))
ax.fill([0, 3, 4, 1], [0, 0, 2, 2], alpha=0.3, label="area |u x w| = 6")
ax.annotate("", (3, 0), (0, 0), arrowprops=dict(arrowstyle="->", lw=2))
ax.annotate("", (1, 2), (0, 0), arrowprops=dict(arrowstyle="->", lw=2, color="tab:red"))
ax.text(1.5, -0.35, "u"); ax.text(0.2, 1.2, "w", color="tab:red")
ax.set_xlim(-0.5, 4.5); ax.set_ylim(-0.6, 2.5); ax.set_aspect("equal"); ax.legend(loc="upper left")
ax.set_title("the cross product's length")

# %% [markdown]
# ## Probability: theory, experiment and the law of large numbers
#
# The theoretical probability of an outcome counts equally likely cases: 1/2
# for heads, 1/6 for each face of a die. The empirical probability counts what
# happened: 56 heads in 100 tosses give 56/100 = 0.56. The law of large
# numbers says the empirical value approaches the theoretical one as the
# number of trials grows. nnc's seeded generator tosses the coin:

# %%
gen = nnc.random.Generator(seed=7)
tosses = gen.uniform(100_000) < 0.5
running = np.cumsum(tosses) / np.arange(1, tosses.size + 1)
for n in (10, 100, 1000, 10_000, 100_000):
    print(f"{n:>7} tosses: P(heads) = {running[n - 1]:.4f}")
die = np.floor(gen.uniform(60_000) * 6).astype(int) + 1
print("die faces, empirical:", np.round(np.bincount(die, minlength=7)[1:] / die.size, 4),
      "(theory 1/6 = 0.1667)")
assert abs(running[-1] - 0.5) < 0.01
fig = plot.loss_curves({"empirical P(heads)": running}, log=False,
                       title="the law of large numbers", xlabel="tosses", ylabel="P(heads)")
fig.axes[0].set_xscale("log"); fig.axes[0].axhline(0.5, color="k", ls="--", lw=1)

# %% [markdown]
# **Sets and events.** With the sample space S = {1, 2, 3, 4, 5} and the
# events A = {1, 2, 3}, B = {3, 4, 5}: the intersection A ∩ B = {3}, the
# complement of A is {4, 5}, the union A ∪ B = S. A and B are *not disjoint*
# (they share 3) but *jointly exhaustive* (together they cover S). Odd and even
# die rolls are both disjoint and exhaustive: they are complements. With equally
# likely outcomes, `P(A ∪ B) = P(A) + P(B) − P(A ∩ B)`.

# %%
S, A_, B_ = {1, 2, 3, 4, 5}, {1, 2, 3}, {3, 4, 5}
P = lambda E: Fraction(len(E), len(S))   # noqa: E731
print("A & B =", A_ & B_, " S - A =", S - A_, " A | B =", A_ | B_)
print("P(A | B) as a union:", P(A_ | B_), "=", P(A_), "+", P(B_), "-", P(A_ & B_))
odd, even = {1, 3, 5}, {2, 4, 6}
assert A_ & B_ == {3} and S - A_ == {4, 5} and A_ | B_ == S        # exhaustive, not disjoint
assert P(A_ | B_) == P(A_) + P(B_) - P(A_ & B_) == 1
assert not odd & even and odd | even == {1, 2, 3, 4, 5, 6}           # complements

# %% [markdown]
# **The chain rule of probability.** A joint probability is a marginal times a
# conditional: `P(A ∩ B) = P(A) P(B | A)`. Two hearts in a row without
# replacement: 13/52 × 12/51 = 1/17 (the conditional probability is the
# chapter's 12/51 below).

# %%
two_hearts = Fraction(13, 52) * Fraction(12, 51)
print("P(heart, heart) =", two_hearts)
assert two_hearts == Fraction(1, 17)

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

# > **Erratum.** The chapter's worked variance reads
# > `(0 − 2.3)²·0 + (1 − 2.3)²·1 + … + (5 − 2.3)²·5 = 2.01`, multiplying each
# > squared deviation by the *value*. Each should be weighted by its
# > *probability*: `(0 − 2.3)²·0.1 + (1 − 2.3)²·0.2 + … + (5 − 2.3)²·0.1 = 2.01`.
# > nnc weights by the probabilities (the garbled form would give 31.89).

# %%
v1 = book.v1_probability()
print(v1)
values, probs = np.arange(6), np.array([0.1, 0.2, 0.3, 0.2, 0.1, 0.1])
assert abs(np.sum((values - 2.3) ** 2 * probs) - 2.01) < 1e-12
print("garbled form:", np.sum((values - 2.3) ** 2 * values))
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
# ## Calculus, numerically
#
# The derivative is the limit of the slope `Δy/Δx` as `Δx` shrinks. For
# `f(x) = x²` at x = 1 the slopes of ever shorter chords approach 2. At an
# extremum the derivative is 0: `g(x) = (x − 1)² + 0.5` has its minimum where
# `g′(x) = 2(x − 1) = 0`. A function of several variables has a *partial*
# derivative for each, holding the others fixed; the *chain rule* multiplies
# the derivatives of nested functions and the *sum rule* adds those of added
# ones. Central differences check each rule.

# %%
f1 = lambda x: x ** 2                   # noqa: E731
for dx in (1.0, 0.1, 0.01, 0.001):
    print(f"dx = {dx:<6}: (f(1 + dx) - f(1)) / dx = {(f1(1 + dx) - f1(1)) / dx:.6f}")
def numeric(fun, x, h=1e-6):
    return (fun(x + h) - fun(x - h)) / (2 * h)
xs_ = np.linspace(-1, 3, 4001)
g_ = (xs_ - 1) ** 2 + 0.5
print("minimum of g at x =", xs_[np.argmin(g_)], "where g'(x) =", numeric(lambda t: (t - 1) ** 2 + 0.5, 1.0))
fxy = lambda x, y: x * x * y + 3 * y    # noqa: E731  # df/dx = 2xy, df/dy = x^2 + 3
print("partials of x^2 y + 3y at (2, 5):", numeric(lambda t: fxy(t, 5.0), 2.0),
      numeric(lambda t: fxy(2.0, t), 5.0), "(formulas: 20, 7)")
chain = numeric(lambda t: math.sin(t * t), 0.7)
print("chain rule: d/dx sin(x^2) at 0.7 =", chain, " cos(x^2) 2x =", math.cos(0.49) * 1.4)
summ = numeric(lambda t: t ** 3 + math.exp(t), 0.3)
print("sum rule: d/dx (x^3 + e^x) at 0.3 =", summ, " 3x^2 + e^x =", 0.27 + math.exp(0.3))
assert abs(numeric(lambda t: fxy(t, 5.0), 2.0) - 20) < 1e-6 and abs(numeric(lambda t: fxy(2.0, t), 5.0) - 7) < 1e-6
assert abs(chain - math.cos(0.49) * 1.4) < 1e-8 and abs(summ - (0.27 + math.exp(0.3))) < 1e-8

# %% [markdown]
# ## A neuron: one unit, its weight and its bias
#
# A neuron computes `y = f(w·x + b)`. With one input and the sigmoid as `f`,
# the weight sets how steep the transition is and the bias where it happens:
# the output crosses 1/2 at `x = t = −b/w`. The chapter's four panels vary w
# and b:

# %%
xg = np.linspace(-6, 6, 241)
fig, axes = plt.subplots(1, 4, figsize=(14, 3), sharey=True)
for ax, (w_, b_) in zip(axes, [(1, 0), (5, 0), (1, 2), (5, -10)]):
    ax.plot(xg, F.sigmoid(w_ * xg + b_), lw=2)
    t = -b_ / w_
    ax.axvline(t, color="k", ls="--", lw=1)
    ax.set_title(f"w = {w_}, b = {b_}: t = {t:g}")
    ax.grid(True, alpha=0.3)
    assert abs(float(F.sigmoid(np.array([w_ * t + b_]))[0]) - 0.5) < 1e-15
fig.tight_layout()

# %% [markdown]
# Two familiar models are single units. With the identity as activation and
# the squared error, a unit *is* linear regression: trained by gradient descent
# it finds the least-squares line. With the sigmoid and the log loss it *is*
# logistic regression: its gradient is `(ŷ − y) x`, the logistic-regression
# gradient.

# %%
gen = nnc.random.Generator(seed=1)
xl = gen.uniform(50, low=0.0, high=4.0)
yl = 1.5 * xl - 0.7 + gen.normal(50, std=0.3)
unit = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
unit.fit(xl[:, None], yl[:, None], loss="mse", optimizer=nnc.SGD(0.05), epochs=3000)
print("identity unit:", float(unit.layers[0].weight[0, 0]), float(unit.layers[0].bias[0]),
      " least squares:", np.polyfit(xl, yl, 1))
assert np.allclose([unit.layers[0].weight[0, 0], unit.layers[0].bias[0]], np.polyfit(xl, yl, 1),
                   atol=1e-6)
lab = (yl > np.median(yl)).astype(float)
logit = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
logit.compute_gradients(xl[:, None], lab[:, None], nnc.losses.LogLossWithLogits(reduction="sum"))
p_ = F.sigmoid(logit.predict(xl[:, None]))[:, 0]
grad_w = float(np.sum((p_ - lab) * xl))
engine_w = float(dict(logit.named_grads())["layers.0.weight"][0, 0])
print("sigmoid unit's weight gradient:", engine_w, " logistic regression's sum (p - y) x:", grad_w)
assert abs(engine_w - grad_w) < 1e-9

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
# The chapter's figure of three stacked sigmoids: each application squeezes
# the range further, from (0, 1) to about (0.5, 0.73) to about (0.62, 0.68).

# %%
xs3 = np.linspace(-10, 10, 401)
s1_ = F.sigmoid(xs3); s2_ = F.sigmoid(s1_); s3_ = F.sigmoid(s2_)
fig = plot.loss_curves({"σ(x)": s1_, "σ(σ(x))": s2_, "σ(σ(σ(x)))": s3_}, x=xs3,
                       title="three stacked sigmoids", xlabel="x", ylabel="output")
print("ranges:", [(round(float(v.min()), 3), round(float(v.max()), 3)) for v in (s1_, s2_, s3_)])
assert s3_.max() - s3_.min() < s2_.max() - s2_.min() < s1_.max() - s1_.min()

# %% [markdown]
# **ReLU makes sparse activations.** With weights drawn from a normal
# distribution, each ReLU unit's input is negative about half the time, so
# about half the activations are exactly 0.
#
# > **Erratum.** The chapter says the input has "a 0.5% chance" of being
# > below 0; it is a 50% (0.5) chance, as its next sentence ("about half of
# > the activations") says.
#
# The flip side is the *dying ReLU*: a unit whose input is negative for every
# example passes no gradient, so gradient descent never changes its weights
# again. Below, a unit with a large negative bias stays dead through a whole
# `fit`.

# %%
Xr = nnc.random.Generator(seed=3).normal((1000, 20))
layer = nnc.Sequential([nnc.Dense(20, 256), nnc.ReLU()], seed=0, dtype="float64")
acts = layer.predict(Xr)
print(f"fraction of ReLU outputs that are exactly 0: {np.mean(acts == 0):.3f}")
assert 0.45 < np.mean(acts == 0) < 0.55
net = nnc.Sequential([nnc.Dense(2, 1), nnc.ReLU(), nnc.Dense(1, 1)], seed=0, dtype="float64")
net.layers[0].bias[...] = -100.0              # the ReLU's input is negative for every example
Xd = nnc.random.Generator(seed=4).uniform((64, 2), low=-1, high=1)
yd = Xd[:, :1] + Xd[:, 1:]
before = net.layers[0].weight.copy()
net.fit(Xd, yd, loss="mse", optimizer=nnc.SGD(0.1), epochs=200)
print("dead unit's weights before:", before.ravel(), " after 200 epochs:",
      net.layers[0].weight.ravel())
assert np.array_equal(before, net.layers[0].weight)

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
# on the log loss the single unit gives up and outputs 1/2 for every point: it
# makes no decision at all (the walkthrough counts an output of 1/2 as
# undecided, so its accuracy is 0 rather than a threshold's rounding
# artefact). One hidden layer of sigmoids bends the boundary and classifies
# all four points.

# %%
v6 = book.v6_xor()
print(v6)
assert v6.single_accuracy < 1.0 and v6.hidden_accuracy == 1.0
assert v6.single_undecided == 4 and np.allclose(v6.single_prob, 0.5)

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
# ## Backpropagation, derived and checked
#
# The chapter derives the gradients of a network layer by layer with the chain
# rule. For one hidden layer, `h = σ(x W1 + b1)`, output `ŷ = h W2 + b2` and
# the cost `J = ½ Σ (ŷ − y)²`: the output error is `δ2 = ŷ − y`; the output
# layer's gradients are `hᵀ δ2` and `Σ δ2`; the error sent back is
# `δ1 = (δ2 W2ᵀ) ⊙ σ′`, with `σ′ = h (1 − h)`; and the first layer's gradients
# are `xᵀ δ1` and `Σ δ1`. Written out in NumPy, they equal the gradients nnc's
# engine computes (`compute_gradients`), and both agree with central
# differences (`nnc.gradcheck`).

# %%
gen = nnc.random.Generator(seed=5)
Xb, yb = gen.normal((6, 3)), gen.normal((6, 2))
net = nnc.Sequential([nnc.Dense(3, 4), nnc.Sigmoid(), nnc.Dense(4, 2)], seed=2, dtype="float64")
W1, b1 = net.layers[0].weight, net.layers[0].bias
W2, b2 = net.layers[2].weight, net.layers[2].bias
hid = 1 / (1 + np.exp(-(Xb @ W1 + b1)))
out = hid @ W2 + b2
d2 = out - yb
d1 = (d2 @ W2.T) * hid * (1 - hid)
by_hand = {"layers.0.weight": Xb.T @ d1, "layers.0.bias": d1.sum(0),
           "layers.2.weight": hid.T @ d2, "layers.2.bias": d2.sum(0)}
net.compute_gradients(Xb, yb, nnc.losses.MSE(reduction="sum", half=True))
for name, g_engine in net.named_grads():
    gap = np.max(np.abs(g_engine - by_hand[name]))
    print(f"{name:16s} largest difference engine vs chain rule: {gap:.2g}")
    assert gap < 1e-12
print(nnc.gradcheck(net, Xb, yb, nnc.losses.MSE(reduction="sum", half=True)))

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
# Then the reason: a batch of 256 examples through 10 layers of 128 units
# (`v8.depth`, `v8.width`; the samples above used 256 × 256 matrices). On the left,
# the spread of each layer's activations; on the right, the size of the
# gradient arriving at each layer on the way back. With ReLU, Xavier's
# variance is half of what is needed and the signal shrinks by about √2 per
# layer, while He keeps it steady in both directions. With sigmoids and
# Xavier weights the gradient reaching the first layer is about a million
# times smaller than at the last — every layer multiplies it by σ' ≤ 1/4: the
# *vanishing gradient*. Large N(0, 1) weights keep the gradient's size but
# saturate the sigmoids (a spread near 0.5 means outputs stuck at 0 or 1).

# %%
print(f"{v8.activation_std.shape[1]} layers of {v8.width} units")
assert v8.activation_std.shape[1] == 10 and v8.width == 128
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
# On a long, narrow valley plain gradient descent is stuck with a learning
# rate small enough for the steep direction, and then crawls along the flat
# one. (With learning rate 0.5 and curvature 1 on the steep axis, each step
# halves the distance there without overshooting, so the path below does not
# zig-zag; with a learning rate above 1/curvature = 1 it does, as the second
# figure shows, and above 2 it diverges.) **Momentum** keeps a velocity,
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
assert np.all(v9.paths[0, :, 0] < 0)          # plain GD at lr 0.5 never crosses w1 = 0

# %% [markdown]
# Every setting can be changed: `v9_optimizers(lr=..., mu=..., adam_lr=...,
# betas=..., eps=..., curvatures=..., start=..., steps=...)`. With lr 1.6 the
# steep direction overshoots each step (factor 1 − 1.6 = −0.6) and plain
# gradient descent zig-zags across the valley. Momentum still settles, but
# Nesterov's look-ahead, evaluated further along each overshoot, diverges at
# this rate: a faster method is not a safer one.

# %%
v9z = book.v9_optimizers(lr=1.6, mu=0.5, steps=40)
print(v9z)
fig = plot.optimizer_paths(v9z.w1_grid, v9z.w2_grid, v9z.surface,
                           dict(zip(v9z.names[:2], v9z.paths[:2])), levels=20, log=True,
                           title="V9 with lr 1.6: gradient descent zig-zags",
                           xlabel="w1", ylabel="w2")
signs = np.sign(v9z.paths[0, :6, 0])
assert np.all(signs[1:] * signs[:-1] < 0)        # the sign of w1 flips every step

# %% [markdown]
# ## Explore
#
# Change the chapter's settings and watch the run change: each control below
# recomputes the whole run on nnc's engine and redraws it in place. The
# explorers need a running kernel and ipywidgets (`pip install "nnc[interact]"`);
# a stored copy of this notebook shows a still picture of each.
#
# `activation_explorer`: an activation, its derivative, and what repeating it
# does (three stacked sigmoids, above).

# %%
import nnc.interact as ni

ni.activation_explorer(activation="sigmoid", repeat=3)

# %% [markdown]
# `init_explorer`: the spread of activations and gradients through a deep
# stack, for each initialiser and activation (V8).

# %%
ni.init_explorer(init="he_normal", activation="relu")

# %% [markdown]
# `optimizer_race`: SGD, momentum, Nesterov and Adam on one surface, with
# every rate and beta to hand (V9; try a learning rate of 1.6).

# %%
ni.optimizer_race()
