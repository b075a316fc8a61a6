"""Advanced Deep Learning with Python, ch. 2 (Vasilev): the mathematical
apparatus of neural networks, and their training.

V1-V3 compute with :mod:`nnc.mathtools`; V4 and V7 with the kernels of
:mod:`nnc.functional`; V5 and V6 are networks built from nnc layers (V5's
weights set by hand, V6's learned by ``fit``); V8 samples nnc's initialisers
and pushes data through deep stacks; V9 runs nnc's optimizers on one surface.
"""
import math
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from .._typing import ArrayLike, FloatArray
import nnc

from .. import datasets, mathtools
from . import _check
from ._results import Result

__all__ = [
    "v1_probability", "v2_information", "v3_linear_algebra", "v4_activations",
    "v5_universal_approximation", "v6_xor", "v7_costs", "v8_initialisers",
    "v9_optimizers",
]


def _F():
    return nnc.functional


def _np(a):
    return np.asarray(a, dtype=np.float64)


def v1_probability() -> Result:
    """V1: probability by example.

    Cards: P(red, jack) = 1/2 * 1/13 = 1/26; drawing two hearts without
    replacement, P(heart 2 | heart 1) = 12/51 = 0.235.  Bayes on a 98%-reliable
    test for a disease 2% of people have, positive for 3.9%:
    0.98 * 0.02 / 0.039 = 0.5025641025641026.  A discrete variable on 0..5 with
    probabilities 0.1, 0.2, 0.3, 0.2, 0.1, 0.1 has mean 2.3 and variance 2.01.
    Also the binomial PMF of 10 fair-coin tosses and normal densities.

    Returns a :class:`Result` with ``p_red_and_jack``, ``p_second_heart``
    (fractions), ``bayes``, ``values``, ``probs``, ``mean``, ``variance``,
    ``std``, ``binomial_k``, ``binomial_pmf``, ``normal_x``, ``normal_params``
    ((mu, sigma) rows) and ``normal_pdf`` (one row per parameter pair).
    """
    mt = mathtools
    p_rj = mt.cards_red_and_jack()
    p_hh = mt.cards_second_heart()
    bayes = mt.bayes(0.98, 0.02, 0.039)
    values = np.arange(6, dtype=np.float64)
    probs = np.array([0.1, 0.2, 0.3, 0.2, 0.1, 0.1])
    mean = mt.discrete_mean(values, probs)
    var = mt.discrete_variance(values, probs)
    k = np.arange(11)
    pmf = np.asarray(mt.binomial_pmf(k, 10, 0.5))
    nx = np.linspace(-5.0, 5.0, 201)
    nparams = np.array([[0.0, 1.0], [0.0, 0.5], [-2.0, 1.5], [1.0, 2.0]])
    npdf = np.stack([mt.normal_pdf(nx, m, s) for m, s in nparams])
    lines = [f"P(red, jack) = 1/2 * 1/13 = {p_rj} = {float(p_rj)!r}",
             f"P(heart2 | heart1) = 12/51 = {p_hh} = {float(p_hh):.3f}",
             f"P(disease | positive) = 0.98 * 0.02 / 0.039 = {bayes!r}",
             f"mean of x = 0..5 with P = 0.1 0.2 0.3 0.2 0.1 0.1: {mean!r}",
             f"variance: {var!r} (standard deviation {math.sqrt(var):.6f})",
             "binomial, 10 fair tosses: P(5 heads) = "
             f"{float(pmf[5])!r}, P(0 heads) = {float(pmf[0])!r}",
             f"standard normal density at 0: {mt.normal_pdf(0.0)!r}"]
    r = Result(id="V1", title="probability: cards, Bayes, a discrete variable",
               p_red_and_jack=p_rj, p_second_heart=p_hh, bayes=bayes, values=values,
               probs=probs, mean=mean, variance=var, std=math.sqrt(var),
               binomial_k=k, binomial_pmf=pmf, normal_x=nx, normal_params=nparams,
               normal_pdf=npdf, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def v2_information() -> Result:
    """V2: information in nats (natural log) and bits.

    I(0.8) = 0.2231435513142097, I(0.2) = 1.6094379124341003 (printed 0.22 and
    1.61); the entropy of a fair coin is ln 2 = 0.6931471805599453 nats = 1 bit,
    of a (0.2, 0.8) coin 0.5004024235381879; the cross-entropy of Q = (0.2, 0.8)
    against P = (0.5, 0.5) is 0.916290731874155, and KL(P || Q) = ln 1.25.

    Returns a :class:`Result` with those numbers and, for the binary-entropy
    figure, ``p`` and ``binary_entropy_nats``, ``binary_entropy_bits`` arrays.
    """
    mt = mathtools
    P, Q = (0.5, 0.5), (0.2, 0.8)
    vals = dict(
        information_08=mt.self_information(0.8),
        information_02=mt.self_information(0.2),
        entropy_fair=mt.entropy(P),
        entropy_fair_bits=mt.entropy(P, unit="bits"),
        entropy_biased=mt.entropy(Q),
        cross_entropy=mt.cross_entropy(P, Q),
        kl=mt.kl_divergence(P, Q),
    )
    vals["entropy_plus_kl"] = vals["entropy_fair"] + vals["kl"]
    p = np.linspace(0.0, 1.0, 101)
    hn = np.array([mt.entropy((pi, 1.0 - pi)) for pi in p.tolist()])
    hb = np.array([mt.entropy((pi, 1.0 - pi), unit="bits") for pi in p.tolist()])
    lines = [f"I(0.8) = {vals['information_08']!r} nats",
             f"I(0.2) = {vals['information_02']!r} nats",
             f"H(fair coin) = {vals['entropy_fair']!r} nats = "
             f"{vals['entropy_fair_bits']!r} bit",
             f"H(0.2, 0.8) = {vals['entropy_biased']!r} nats",
             f"H(P, Q) = {vals['cross_entropy']!r} (P = (0.5, 0.5), Q = (0.2, 0.8))",
             f"KL(P || Q) = {vals['kl']!r} (ln 1.25 = {math.log(1.25)!r})",
             f"H(P) + KL(P || Q) = {vals['entropy_plus_kl']!r} = H(P, Q)"]
    r = Result(id="V2", title="information: self-information, entropy, cross-entropy, KL",
               p=p, binary_entropy_nats=hn, binary_entropy_bits=hb, _lines=lines, **vals)
    r.head, r.tail = len(lines), 0
    return r


def v3_linear_algebra() -> Result:
    """V3: vector and matrix operations on small examples.

    Returns a :class:`Result` with vectors ``a``, ``b`` and their ``sum``,
    ``dot``, ``cosine``, ``cross``; a matrix ``A`` with its ``A_T``, a vector
    ``x`` with ``Ax``, a matrix ``B`` with ``AB`` and ``scaled`` (2A).
    """
    mt = mathtools
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([4.0, 5.0, 6.0])
    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x = np.array([1.0, 0.0, -1.0])
    B = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]])
    vals: Dict[str, Any] = dict(a=a, b=b, sum=mt.vector_add(a, b), dot=mt.dot(a, b),
                cosine=mt.cosine_similarity(a, b), cross=mt.cross(a, b),
                A=A, A_T=mt.transpose(A), x=x, Ax=mt.matvec(A, x), B=B,
                AB=mt.matmul(A, B), scaled=mt.scale(A, 2.0),
                matrix_sum=mt.matrix_add(A, A))
    lines = [f"a = {a.tolist()}, b = {b.tolist()}",
             f"a + b = {vals['sum'].tolist()}",
             f"a . b = {vals['dot']!r}",
             f"cos(a, b) = {vals['cosine']!r}",
             f"a x b = {vals['cross'].tolist()} (perpendicular: "
             f"(a x b) . a = {mt.dot(vals['cross'], a)!r})",
             f"A = {A.tolist()}, A^T = {vals['A_T'].tolist()}",
             f"A x = {vals['Ax'].tolist()} for x = {x.tolist()}",
             f"A B = {vals['AB'].tolist()}",
             f"2 A = {vals['scaled'].tolist()}"]
    r = Result(id="V3", title="vectors and matrices", _lines=lines, **vals)
    r.head, r.tail = len(lines), 0
    return r


def v4_activations(x: Optional[ArrayLike] = None, leaky_alpha: float = 0.2,
                   prelu_alpha: float = 0.25, elu_alpha: float = 0.2) -> Result:
    """V4: activation functions with their derivatives.

    Sigmoid, tanh, ReLU, leaky ReLU (alpha 0.2), PReLU, ELU (alpha 0.2) and
    SELU (alpha 1.6732632423543772848, lambda 1.0507009873554804934), each from
    nnc's forward and backward kernels.  Repeated sigmoids squash:
    sigma(sigma(2)) = 0.7069873680001046 (printed 0.707), while ReLU(ReLU(2)) = 2.
    Softmax favours the larger score: exp(1) = 2.718, exp(2) = 7.389, so the
    ratio 1/2 of the scores becomes 0.368 of the probabilities.

    Returns a :class:`Result` with ``x``, ``names`` and ``values``,
    ``derivatives`` (one row per name), and the scalars above.
    """
    F = _F()
    x = np.linspace(-5.0, 5.0, 201) if x is None else _np(x)
    ones = np.ones_like(x)
    names = ("sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu")
    fw = {
        "sigmoid": lambda: F.sigmoid(x), "tanh": lambda: F.tanh(x),
        "relu": lambda: F.relu(x), "leaky_relu": lambda: F.leaky_relu(x, alpha=leaky_alpha),
        "prelu": lambda: F.prelu(x, prelu_alpha),
        "elu": lambda: F.elu(x, alpha=elu_alpha), "selu": lambda: F.selu(x),
    }
    bw = {
        "sigmoid": lambda: F.sigmoid_backward(x, ones), "tanh": lambda: F.tanh_backward(x, ones),
        "relu": lambda: F.relu_backward(x, ones),
        "leaky_relu": lambda: F.leaky_relu_backward(x, ones, alpha=leaky_alpha),
        "prelu": lambda: F.prelu_backward(x, ones, prelu_alpha)[0],
        "elu": lambda: F.elu_backward(x, ones, alpha=elu_alpha),
        "selu": lambda: F.selu_backward(x, ones),
    }
    values = np.stack([_np(fw[n]()) for n in names])
    derivs = np.stack([_np(bw[n]()) for n in names])
    s2 = float(_np(F.sigmoid(np.array([2.0])))[0])
    ss2 = float(_np(F.sigmoid(np.array([s2])))[0])
    sss2 = float(_np(F.sigmoid(np.array([ss2])))[0])
    rr2 = float(_np(F.relu(_np(F.relu(np.array([2.0])))))[0])
    scores = np.array([[1.0, 2.0]])
    soft = _np(F.softmax(scores))[0]
    exp1, exp2 = math.exp(1.0), math.exp(2.0)
    selu_lambda = float(_np(F.selu(np.array([1.0])))[0])
    selu_floor = float(_np(F.selu(np.array([-50.0])))[0])
    lines = [f"sigma(2) = {s2!r}, sigma(sigma(2)) = {ss2!r}, "
             f"sigma(sigma(sigma(2))) = {sss2!r}: repeated sigmoids squash",
             f"ReLU(ReLU(2)) = {rr2!r}: ReLU is idempotent",
             f"exp(1) = {exp1:.2f}, exp(2) = {exp2:.2f}: scores 1 and 2 (ratio 0.5) "
             f"become probabilities {soft[0]:.4f} and {soft[1]:.4f} "
             f"(ratio {soft[0] / soft[1]:.4f})",
             f"SELU(1) = lambda = {selu_lambda!r}; SELU(-50) = {selu_floor!r} "
             f"(-lambda*alpha = {-1.0507009873554804934 * 1.6732632423543772848!r})",
             f"largest sigmoid slope: {float(derivs[0].max())!r} (at x = 0)"]
    r = Result(id="V4", title="activation functions and their derivatives", x=x,
               names=names, values=values, derivatives=derivs, sigma_2=s2,
               sigma_sigma_2=ss2, sigma_sigma_sigma_2=sss2, relu_relu_2=rr2,
               exp1=exp1, exp2=exp2, softmax_scores=scores[0], softmax=soft,
               softmax_ratio=float(soft[0] / soft[1]), selu_lambda=selu_lambda,
               selu_floor=selu_floor, leaky_alpha=leaky_alpha, elu_alpha=elu_alpha,
               prelu_alpha=prelu_alpha, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def _boxcar_network(edges, heights, steepness):
    """A 1-(2k)-1 sigmoid network whose output is the sum of k boxcars:
    boxcar j rises at edges[j], falls at edges[j+1] and has height heights[j]."""
    k = len(heights)
    model = nnc.Sequential([nnc.Dense(1, 2 * k), nnc.Sigmoid(), nnc.Dense(2 * k, 1)],
                           seed=0, dtype="float64")
    left, right = np.asarray(edges[:-1], float), np.asarray(edges[1:], float)
    model.layers[0].weight[...] = steepness
    model.layers[0].bias[...] = np.concatenate([-steepness * left, -steepness * right])
    model.layers[2].weight[...] = np.concatenate([heights, -np.asarray(heights)])[:, None]
    model.layers[2].bias[...] = 0.0
    return model


def approximation_target(x: ArrayLike) -> FloatArray:
    """The continuous function V5 approximates on [0, 1] (Nielsen's example):
    ``0.2 + 0.4 x^2 + 0.3 x sin(15 x) + 0.05 cos(50 x)``."""
    x = _np(x)
    return 0.2 + 0.4 * x * x + 0.3 * x * np.sin(15.0 * x) + 0.05 * np.cos(50.0 * x)


def v5_universal_approximation(units: ArrayLike = (1, 2, 4, 8, 16, 32, 64),
                               points: int = 1001) -> Result:
    """V5: two sigmoid units make a boxcar; sums of boxcars approximate any
    continuous function.

    ``y = 7 sigma(1000 x + 5000) - 7 sigma(1000 x - 5000)`` is a 1-2-1 network
    with hand-set weights: y(0) = 7, y(+-5) = 3.5, y(+-10) = 0 (where the
    sigmoid's exponential overflows the answer is 0, not an error).  Then k
    boxcars of width 1/k, each as tall as the target at its centre, approximate
    :func:`approximation_target` on [0, 1], and the error falls as k grows.

    Returns a :class:`Result` with ``boxcar_x``, ``boxcar_y`` (the book's five
    points), ``x``, ``boxcar_curve``, ``target``, ``units``,
    ``approximations`` (one row per k) and ``mean_abs_errors``.  ``units`` is
    a sequence of box counts k >= 1 (or one count); ``points`` at least 2.
    """
    units = _check.counts("v5_universal_approximation", "units", units)
    points = _check.count("v5_universal_approximation", "points", points, minimum=2)
    one = _boxcar_network([-5.0, 5.0], [7.0], 1000.0)
    bx = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])
    with np.errstate(over="ignore"):
        by = _np(one.predict(bx[:, None]))[:, 0]
    grid = np.linspace(-15.0, 15.0, 601)
    curve = _np(one.predict(grid[:, None]))[:, 0]
    x = np.linspace(0.0, 1.0, points)
    target = approximation_target(x)
    approx = np.empty((units.shape[0], points))
    for row, k in enumerate(units.tolist()):
        edges = np.linspace(0.0, 1.0, k + 1)
        heights = approximation_target((edges[:-1] + edges[1:]) / 2.0)
        # steep enough that each step is sharp next to the box width 1/k
        net = _boxcar_network(edges, heights, 2000.0 * k)
        approx[row] = _np(net.predict(x[:, None]))[:, 0]
    errors = np.mean(np.abs(approx - target[None, :]), axis=1)
    lines = [f"y({b:g}) = {v!r}" for b, v in zip(bx.tolist(), by.tolist())]
    lines += [f"{k:3d} boxcars ({2 * k} hidden units): mean |error| = {e:.5f}"
              for k, e in zip(units.tolist(), errors.tolist())]
    r = Result(id="V5", title="universal approximation: boxcars from sigmoid pairs",
               boxcar_x=bx, boxcar_y=by, boxcar_grid=grid, boxcar_curve=curve, x=x,
               target=target, units=units, approximations=approx,
               mean_abs_errors=errors, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def v6_xor(epochs: int = 2000, learning_rate: float = 0.5, hidden: int = 4,
           seed: int = 0) -> Result:
    """V6: one unit cannot separate XOR; a hidden layer can.

    Both networks are fitted with full-batch ``SGD`` on the binary log loss
    (from logits): a single unit ``Dense(2, 1)`` can at best classify three of
    the four points -- trained on the log loss it ends at P = 1/2 for every
    point, no decision at all -- while ``Dense(2, hidden) -> Sigmoid ->
    Dense(hidden, 1)`` gets all four.  An output within 1e-6 of 1/2 counts as
    undecided (``single_undecided``), never as right.  Returns a :class:`Result` with the data, ``single_loss``,
    ``hidden_loss`` (per epoch), ``single_prob``, ``hidden_prob`` (fitted
    probabilities), ``single_accuracy``, ``hidden_accuracy``, and the two
    models (``single_model``, ``hidden_model``) for decision-boundary plots.
    ``epochs`` must be at least 1 (the walkthrough reports the final epoch's loss).
    """
    epochs = _check.count("v6_xor", "epochs", epochs)
    hidden = _check.count("v6_xor", "hidden", hidden)
    X, y = datasets.xor()
    loss = nnc.losses.LogLossWithLogits()
    single = nnc.Sequential([nnc.Dense(2, 1)], seed=seed, dtype="float64")
    h1 = single.fit(X, y, loss=loss, optimizer=nnc.SGD(learning_rate), epochs=epochs)
    deep = nnc.Sequential([nnc.Dense(2, hidden), nnc.Sigmoid(), nnc.Dense(hidden, 1)],
                          seed=seed, dtype="float64")
    h2 = deep.fit(X, y, loss=loss, optimizer=nnc.SGD(learning_rate), epochs=epochs)
    F = _F()
    p1 = _np(F.sigmoid(_np(single.predict(X))))[:, 0]
    p2 = _np(F.sigmoid(_np(deep.predict(X))))[:, 0]
    # An output within 1e-6 of 1/2 is no decision: counting it as class 1
    # (p >= 0.5) would report a rounding artefact as an accuracy.
    t = y[:, 0] == 1.0
    und1, und2 = np.abs(p1 - 0.5) < 1e-6, np.abs(p2 - 0.5) < 1e-6
    acc1 = float(np.mean(~und1 & ((p1 > 0.5) == t)))
    acc2 = float(np.mean(~und2 & ((p2 > 0.5) == t)))

    def verdict(acc, und):
        if und.all():
            return "every output is 1/2: no decision on any point"
        return f"accuracy {acc:.0%}" + (f" ({int(und.sum())} undecided)" if und.any() else "")
    lines = [f"single unit:  P(y=1) = {np.round(p1, 3).tolist()}, {verdict(acc1, und1)}, "
             f"final loss {float(np.asarray(h1.loss)[-1]):.4f}",
             f"hidden layer: P(y=1) = {np.round(p2, 3).tolist()}, {verdict(acc2, und2)}, "
             f"final loss {float(np.asarray(h2.loss)[-1]):.4f}"]
    r = Result(id="V6", title="XOR: one unit cannot, one hidden layer can", X=X, y=y,
               single_loss=_np(h1.loss), hidden_loss=_np(h2.loss), single_prob=p1,
               hidden_prob=p2, single_accuracy=acc1, hidden_accuracy=acc2,
               single_undecided=int(und1.sum()),
               single_model=single, hidden_model=deep, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def v7_costs(deltas: Sequence[float] = (0.5, 1.0, 2.0)) -> Result:
    """V7: cost functions, each one of nnc's loss kernels.

    Per-sample curves over the difference ``d = output - target`` in [-3, 3]
    for MSE (d^2), MAE (|d|) and Huber with three deltas (quadratic inside
    +-delta, linear outside); then the classification costs: softmax with
    cross-entropy, whose gradient with respect to the logits is simply
    ``softmax - target``, and KL divergence, which differs from cross-entropy
    by the target's entropy: H(P, Q) = H(P) + KL(P || Q).

    Returns a :class:`Result` with ``d``, ``mse``, ``mae``, ``huber_deltas``,
    ``huber`` (one row per delta), and the example's ``logits``, ``target``,
    ``softmax``, ``cross_entropy``, ``cross_entropy_grad``, ``kl``,
    ``target_entropy``.
    """
    F = _F()
    d = np.linspace(-3.0, 3.0, 121)
    zero = np.zeros(1)
    mse = np.array([F.mse(np.array([v]), zero, reduction="sum") for v in d.tolist()])
    mae = np.array([F.mae(np.array([v]), zero, reduction="sum") for v in d.tolist()])
    huber = np.array([[F.huber(np.array([v]), zero, delta=dl, reduction="sum")
                       for v in d.tolist()] for dl in deltas])
    logits = np.array([[2.0, 1.0, 0.1]])
    target = np.array([[0.7, 0.2, 0.1]])
    soft = _np(F.softmax(logits))
    ce = float(F.cross_entropy(logits, target))
    ce_grad = _np(F.cross_entropy_backward(logits, target))
    kl = float(F.kl_divergence(soft, target))
    h_target = mathtools.entropy(target[0])
    lines = [f"MSE at d = 2: {float(mse[np.argmin(np.abs(d - 2))])!r}; MAE at d = 2: "
             f"{float(mae[np.argmin(np.abs(d - 2))])!r}",
             "Huber at d = 2: " + ", ".join(
                 f"delta {dl:g}: {float(huber[i, np.argmin(np.abs(d - 2))])!r}"
                 for i, dl in enumerate(deltas)),
             f"softmax({logits[0].tolist()}) = {np.round(soft[0], 6).tolist()}",
             f"cross-entropy against {target[0].tolist()}: {ce!r}",
             f"its gradient: {np.round(ce_grad[0], 6).tolist()} = softmax - target",
             f"KL(target || softmax) = {kl!r}; H(target) + KL = {h_target + kl!r}"]
    r = Result(id="V7", title="cost functions: MSE, MAE, Huber, cross-entropy, KL", d=d,
               mse=mse, mae=mae, huber_deltas=np.asarray(deltas, float), huber=huber,
               logits=logits, target=target, softmax=soft, cross_entropy=ce,
               cross_entropy_grad=ce_grad, kl=kl, target_entropy=h_target,
               _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def _deep_stack(weights, x, activation):
    """Forward through Dense(no bias) + activation layers; per-layer outputs and
    the backward pass of ``sum(output)``: the gradient reaching each layer's input."""
    F = _F()
    act = getattr(F, activation)
    act_b = getattr(F, activation + "_backward")
    pre, outs = [], []
    h = x
    for W in weights:
        z = _np(nnc.matmul(h, W))
        pre.append(z)
        h = _np(act(z))
        outs.append(h)
    g = np.ones_like(h) / h.shape[0]
    grad_rms = []
    for W, z in zip(reversed(weights), reversed(pre)):
        dz = _np(act_b(z, g))
        grad_rms.append(float(np.sqrt(np.mean(dz * dz))))
        g = _np(nnc.matmul(dz, W, trans_b=True))
    return [float(o.std()) for o in outs], grad_rms[::-1]


def v8_initialisers(fan_in: int = 256, fan_out: int = 256, depth: int = 10, width: int = 128,
                    batch: int = 256, seed: int = 0) -> Result:
    """V8: Xavier/Glorot and He initialisers, and why they matter.

    Samples each initialiser for a ``fan_in x fan_out`` layer and compares the
    sample with its formula: Xavier uniform on [-a, a], a = sqrt(6/(n_in +
    n_out)); Xavier normal with variance 2/(n_in + n_out); He uniform with
    a = sqrt(6/n_in); He normal with variance 2/n_in.  Then sends a batch of
    standard-normal data through ``depth`` layers and records the spread of the
    activations and of the backward gradient layer by layer: sigmoid stacks
    shrink the gradient (its derivative is at most 1/4) and badly scaled
    weights make activations vanish or saturate, while He-initialised ReLU
    layers keep the activation scale.

    Returns a :class:`Result` with ``names``, ``limits`` (formula bound or
    standard deviation), ``sample_max_abs``, ``sample_std``, ``formula_std``
    (arrays in the order of names), and for the deep stacks ``stack_names``,
    ``activation_std`` and ``gradient_rms`` (one row per stack, one column per
    layer).  ``fan_in``, ``fan_out``, ``depth``, ``width`` and ``batch`` are
    integers >= 1.
    """
    fn = "v8_initialisers"
    fan_in = _check.count(fn, "fan_in", fan_in)
    fan_out = _check.count(fn, "fan_out", fan_out)
    depth = _check.count(fn, "depth", depth)
    width = _check.count(fn, "width", width)
    batch = _check.count(fn, "batch", batch)
    init = nnc.init
    gen = nnc.Generator(seed)
    shape = (fan_in, fan_out)
    names = ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal")
    formula_std = np.array([math.sqrt(2.0 / (fan_in + fan_out)),
                            math.sqrt(2.0 / (fan_in + fan_out)),
                            math.sqrt(2.0 / fan_in), math.sqrt(2.0 / fan_in)])
    limits = np.array([math.sqrt(6.0 / (fan_in + fan_out)), formula_std[1],
                       math.sqrt(6.0 / fan_in), formula_std[3]])
    samples = [_np(getattr(init, n)(shape, gen)) for n in names]
    sample_max = np.array([float(np.max(np.abs(s))) for s in samples])
    sample_std = np.array([float(s.std()) for s in samples])
    x = _np(gen.normal((batch, width)))
    square = (width, width)
    stacks = (("sigmoid, N(0, 1) weights", "sigmoid", lambda: gen.normal(square)),
              ("sigmoid, Xavier normal", "sigmoid", lambda: init.xavier_normal(square, gen)),
              ("relu, Xavier normal", "relu", lambda: init.xavier_normal(square, gen)),
              ("relu, He normal", "relu", lambda: init.he_normal(square, gen)))
    act_std, grad_rms = [], []
    for _, act, make in stacks:
        weights = [np.ascontiguousarray(_np(make())) for _ in range(depth)]
        a, g = _deep_stack(weights, x, act)
        act_std.append(a)
        grad_rms.append(g)
    act_std, grad_rms = np.array(act_std), np.array(grad_rms)
    lines = [f"{n:15s}: formula {'bound' if 'uniform' in n else 'std'} {lim:.5f}; sample "
             f"max |w| {mx:.5f}, std {sd:.5f} (formula std {fs:.5f})"
             for n, lim, mx, sd, fs in zip(names, limits, sample_max, sample_std, formula_std)]
    for (label, _, _), a, g in zip(stacks, act_std, grad_rms):
        lines.append(f"{label:25s}: activation std layer 1 {a[0]:.3g} -> layer {depth} "
                     f"{a[-1]:.3g}; gradient rms layer {depth} {g[-1]:.3g} -> layer 1 {g[0]:.3g}")
    r = Result(id="V8", title="initialisers: Xavier and He, and deep stacks",
               names=names, limits=limits, sample_max_abs=sample_max,
               sample_std=sample_std, formula_std=formula_std,
               stack_names=tuple(s[0] for s in stacks), activation_std=act_std,
               gradient_rms=grad_rms, depth=depth, width=width, batch=batch, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def v9_optimizers(steps: int = 60, start: ArrayLike = (-4.0, 3.0), lr: float = 0.5,
                  mu: float = 0.8, adam_lr: float = 0.3, betas: Tuple[float, float] = (0.9, 0.999),
                  eps: float = 1e-8, curvatures: ArrayLike = (1.0, 0.04)) -> Result:
    """V9: momentum, Nesterov and Adam against plain SGD on one surface.

    The surface is the half squared error of ``Dense(2, 1, bias=False)`` on two
    examples that make a long, narrow valley (``curvatures`` 1 and 0.04 along
    the two weights), minimum at (0, 0).  Every optimizer starts at ``start``
    and runs ``steps`` full-batch steps: SGD, momentum and Nesterov with
    learning rate ``lr`` and momentum ``mu``, Adam with ``adam_lr``, ``betas``
    and ``eps``.  Every one of these can be set.  Also the Adam example: with beta1 = 0.9,
    a first gradient of 10 gives m1 = 0.1 * 10 = 1 (0.9999999999999998 in
    float64), which the bias correction m1 / (1 - 0.9) turns back into 10.

    Returns a :class:`Result` with ``names``, ``paths`` (optimizers x
    (steps + 1) x 2), ``losses`` (optimizers x steps, before each step),
    ``final_loss``, the first two steps of momentum and Nesterov by hand
    (``momentum_hand``, ``nesterov_hand``), the surface ``w1_grid``,
    ``w2_grid``, ``surface`` (``surface[j, i]`` at (w1_grid[i], w2_grid[j])), and
    ``adam_m1``, ``adam_m1_hat``, ``adam_first_step``.
    """
    F = _F()
    fn = "v9_optimizers"
    steps = _check.count(fn, "steps", steps)
    start = _check.numbers(fn, "start", start, 2)
    c1, c2 = _check.numbers(fn, "curvatures", curvatures, 2)
    if not (c1 > 0 and c2 > 0):
        raise ValueError(f"{fn}: curvatures must be > 0, got {curvatures!r}")
    b1, b2 = _check.numbers(fn, "betas", betas, 2)
    X = np.array([[np.sqrt(c1), 0.0], [0.0, np.sqrt(c2)]])
    y = np.zeros((2, 1))
    loss = nnc.losses.MSE(reduction="sum", half=True)
    optimizers = (("SGD", nnc.SGD(lr)), ("Momentum", nnc.Momentum(lr, mu)),
                  ("Nesterov", nnc.Nesterov(lr, mu)),
                  ("Adam", nnc.Adam(lr=adam_lr, beta1=b1, beta2=b2, eps=eps)))
    paths, losses = [], []
    for _, opt in optimizers:
        model = nnc.Sequential([nnc.Dense(2, 1, bias=False)], seed=0, dtype="float64")
        model.layers[0].weight[:, 0] = start
        h = model.fit(X, y, loss=loss, optimizer=opt, epochs=steps, record="params")
        paths.append(_np(h.params))
        losses.append(_np(h.step_loss))
    w1 = np.linspace(-5.0, 5.0, 101)
    w2 = np.linspace(-5.0, 5.0, 101)
    model = nnc.Sequential([nnc.Dense(2, 1, bias=False)], seed=0, dtype="float64")
    surface = _np(nnc.loss_surface(model, X, y, loss,
                                   params=(("layers.0.weight", (0, 0)),
                                           ("layers.0.weight", (1, 0))),
                                   grid=(w1, w2)))
    w = np.zeros(1)
    m = np.zeros(1)
    v = np.zeros(1)
    F.adam_step(w, np.array([10.0]), m, v, 1, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)
    m1 = float(m[0])  # the chapter's example keeps its own beta1 0.9
    m1_hat = m1 / (1.0 - 0.9)
    names = tuple(n for n, _ in optimizers)
    # The two momentum rules by hand for two steps (gradient H theta, H = X^T X).
    H = X.T @ X
    th0 = np.asarray(start, dtype=np.float64)
    v1 = -lr * (H @ th0)
    th1 = th0 + v1
    momentum_hand = np.stack([th0, th1, th1 + (mu * v1 - lr * (H @ th1))])
    nesterov_hand = np.stack([th0, th1, th1 + (mu * v1 - lr * (H @ (th1 + mu * v1)))])
    final_loss = np.array([0.5 * float(p[-1] @ H @ p[-1]) for p in paths])
    lines = [f"{n:9s}: after {steps} steps at ({p[-1, 0]: .5f}, {p[-1, 1]: .5f}), "
             f"loss {fl:.3g}" for n, p, fl in zip(names, paths, final_loss)]
    lines += [f"Adam, beta1 0.9, first gradient 10: m1 = {m1!r}, "
              f"bias-corrected m1 / (1 - 0.9) = {m1_hat!r}; first step {float(w[0])!r}"]
    r = Result(id="V9", title="optimizers: momentum, Nesterov and Adam on one surface",
               names=names, paths=np.array(paths), losses=np.array(losses), X=X, y=y,
               final_loss=final_loss, momentum_hand=momentum_hand,
               nesterov_hand=nesterov_hand, learning_rate=lr, mu=mu,
               w1_grid=w1, w2_grid=w2, surface=surface, adam_m1=m1,
               adam_m1_hat=m1_hat, adam_first_step=float(w[0]), _lines=lines)
    r.head, r.tail = len(lines), 0
    return r
