"""Grokking Machine Learning, appendix B (Serrano): the gradient-descent steps
behind the book's "tricks".

The appendix shows that each trick of the book is one gradient step on a
one-point mini-batch: the absolute trick for mean absolute error, the square
trick for squared error, the perceptron trick for the perceptron error, the
logistic trick for log loss; that a network's update is the same step with
derivatives found by the chain rule; that regularisation is a step that
shrinks coefficients; and that gradient descent can stop in a valley that is
not the lowest, which random restarts work around.
"""
import random

import numpy as np

import nnc

from .. import datasets
from . import _check
from ._results import Result

__all__ = [
    "m1_linear_regression", "m2_perceptron_step", "m3_logistic_regression",
    "m4_neural_network", "m5_regularization", "m6_random_restarts",
]


def _np(a):
    return np.asarray(a, dtype=np.float64)


def m1_linear_regression(trick="square", learning_rate=0.01, epochs=1000, seed=0):
    """M1: linear regression on the rooms/prices data by the square or absolute trick.

    The book's code seeds Python's ``random`` with 0, draws the slope and then
    the intercept with ``random.random()``, and picks one house per step with
    ``random.randint(0, 5)``.  The same draws come from ``random.Random(seed)``
    (Python's own generator, not a copy of it) and are handed to the engine: the
    start as the weights of ``Dense(1, 1)``, the picks as ``fit(order=...)``.
    The square trick ``w += lr (y - yhat) x`` is ``SGD`` on half the squared
    error; the absolute trick ``w += lr sgn(y - yhat) x`` is ``SGD`` on the
    absolute error.  After 1000 square-trick steps: slope 51.04430678220095,
    intercept 91.59448307644864.

    Returns a :class:`Result` with ``rooms``, ``prices``, ``picks``,
    ``slopes``, ``intercepts`` (steps + 1), ``predictions`` (the picked house's
    predicted price before each step) and ``slope``, ``intercept``.
    """
    if trick not in ("square", "absolute"):
        raise ValueError(f'm1_linear_regression: trick must be "square" or "absolute", '
                         f"got {trick!r}")
    rooms, prices = datasets.serrano_rooms()
    rng = random.Random(seed)
    slope0 = rng.random()
    intercept0 = rng.random()
    picks = np.array([rng.randint(0, rooms.shape[0] - 1) for _ in range(epochs)],
                     dtype=np.int64)
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
    model.layers[0].weight[...] = slope0
    model.layers[0].bias[...] = intercept0
    loss = (nnc.losses.MSE(reduction="sum", half=True) if trick == "square"
            else nnc.losses.MAE(reduction="sum"))
    h = model.fit(rooms[:, None], prices[:, None], loss=loss,
                  optimizer=nnc.SGD(learning_rate), epochs=1, order=picks,
                  record="params")
    params = _np(h.params)
    slopes, intercepts = params[:, 0].copy(), params[:, 1].copy()
    predictions = intercepts[:-1] + slopes[:-1] * rooms[picks]
    lines = [f"start: slope {slope0!r}, intercept {intercept0!r}",
             f"{trick} trick, {epochs} steps, learning rate {learning_rate!r}",
             f"Price per room: {float(slopes[-1])!r}",
             f"Base price: {float(intercepts[-1])!r}"]
    r = Result(id="M1", title=f"linear regression by the {trick} trick", rooms=rooms,
               prices=prices, picks=picks, slopes=slopes, intercepts=intercepts,
               predictions=predictions, slope=float(slopes[-1]),
               intercept=float(intercepts[-1]), trick=trick, history=h, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def m2_perceptron_step(w=(1.0, 2.0), b=-4.0, point=(2.0, 3.0), label=0,
                       learning_rate=0.01):
    """M2: one perceptron-trick step.

    The perceptron error of a point is the ReLU of its signed score: zero when
    the point is classified right, ``|score|`` when wrong.  A gradient step on
    it moves a misclassified point's weights by ``-+ lr x`` and the bias by
    ``-+ lr``.  From w = [1, 2], b = -4, the point [2, 3] scores 4 (predicted 1)
    but is labelled 0, so w becomes [0.98, 1.97] and b -4.01 (the appendix's
    rule; the book's code moves b twice).  One epoch of ``SGD`` on
    ``PerceptronLoss(reduction="sum")``.

    Returns a :class:`Result` with ``w_before``, ``b_before``, ``score``,
    ``prediction``, ``w_after``, ``b_after``.
    """
    model = nnc.Sequential([nnc.Dense(2, 1)], seed=0, dtype="float64")
    model.layers[0].weight[:, 0] = w
    model.layers[0].bias[...] = b
    X = np.array([point], dtype=np.float64)
    y = np.array([[float(label)]])
    score = float(_np(model.predict(X))[0, 0])
    h = model.fit(X, y, loss=nnc.losses.PerceptronLoss(reduction="sum"),
                  optimizer=nnc.SGD(learning_rate), epochs=1, record="params")
    p = _np(h.params)
    w_after, b_after = p[1, :2].copy(), float(p[1, 2])
    prediction = 1 if score >= 0 else 0
    lines = [f"w = {list(map(float, w))}, b = {float(b)!r}, point {list(point)}, label {label}",
             f"score = {score!r} -> prediction {prediction}: "
             + ("misclassified" if prediction != label else "correct"),
             f"after one step: w = {[round(v, 12) for v in w_after.tolist()]}, "
             f"b = {round(b_after, 12)!r}"]
    r = Result(id="M2", title="the perceptron trick is a gradient step",
               w_before=np.asarray(w, float), b_before=float(b), point=X[0],
               label=int(label), score=score, prediction=prediction,
               w_after=w_after, b_after=b_after, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def m3_logistic_regression(learning_rate=0.1, epochs=200):
    """M3: the logistic trick ``w += lr (y - yhat) x``, ``b += lr (y - yhat)`` is
    a gradient step on the log loss.

    A sigmoid unit (``Dense(2, 1)`` scored through the log loss from logits,
    whose gradient is ``yhat - y``) is fitted one point at a time
    (``batch_size=1``, data order) on the aack/beep sentences, starting, as
    the book's code does, from weights 1 and bias 0.  The first step is
    compared with the trick computed by hand.

    Returns a :class:`Result` with ``X``, ``y``, ``params`` (the trajectory:
    w1, w2, b per step), ``epoch_loss``, ``first_step`` (engine) and
    ``first_step_trick`` (by hand), ``probabilities`` and ``accuracy``.
    ``epochs`` must be at least 1: the walkthrough compares the first step.
    """
    epochs = _check.count("m3_logistic_regression", "epochs", epochs)
    X, y = datasets.serrano_aack_beep()
    model = nnc.Sequential([nnc.Dense(2, 1)], seed=0, dtype="float64")
    model.layers[0].weight[...] = 1.0
    model.layers[0].bias[...] = 0.0
    h = model.fit(X, y, loss=nnc.losses.LogLossWithLogits(reduction="sum"),
                  optimizer=nnc.SGD(learning_rate), epochs=epochs, batch_size=1,
                  record="params")
    params = _np(h.params)
    w0, b0 = params[0, :2], params[0, 2]
    yhat = 1.0 / (1.0 + np.exp(-(X[0] @ w0 + b0)))
    trick = np.append(w0 + learning_rate * (y[0, 0] - yhat) * X[0],
                      b0 + learning_rate * (y[0, 0] - yhat))
    prob = _np(nnc.functional.sigmoid(_np(model.predict(X))))[:, 0]
    acc = float(np.mean((prob >= 0.5) == (y[:, 0] == 1.0)))
    lines = [f"first step, engine: {params[1].tolist()}",
             f"first step, trick:  {trick.tolist()}",
             f"after {epochs} epochs: w = {params[-1, :2].tolist()}, b = {float(params[-1, 2])!r}",
             f"P(sad) = {np.round(prob, 3).tolist()}, accuracy {acc:.0%}"]
    r = Result(id="M3", title="the logistic trick is a gradient step on the log loss",
               X=X, y=y, params=params, epoch_loss=_np(h.loss), first_step=params[1].copy(),
               first_step_trick=trick, probabilities=prob, accuracy=acc, history=h,
               _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def m4_neural_network(hidden=3, learning_rate=0.5, epochs=3000, seed=0):
    """M4: a network with one hidden sigmoid layer, a sigmoid output and log
    loss, trained by SGD one point at a time (XOR).

    The appendix's derivatives, with ``h = sigmoid(x V + b)`` and
    ``yhat = sigmoid(h W + c)``: dL/dW_j = (yhat - y) h_j, dL/dc = yhat - y,
    dL/dV_ij = (yhat - y) W_j h_j (1 - h_j) x_i, dL/db_j = (yhat - y) W_j
    h_j (1 - h_j).  The engine's first step is compared with a step by those
    formulas; then the run learns XOR.

    Returns a :class:`Result` with ``X``, ``y``, ``first_step`` (engine, flat
    parameters), ``first_step_formulas``, ``epoch_loss``, ``probabilities``,
    ``accuracy`` and the ``model``.  ``epochs`` must be at least 1: the
    walkthrough compares the first step.
    """
    epochs = _check.count("m4_neural_network", "epochs", epochs)
    hidden = _check.count("m4_neural_network", "hidden", hidden)
    X, y = datasets.xor()
    model = nnc.Sequential([nnc.Dense(2, hidden), nnc.Sigmoid(), nnc.Dense(hidden, 1),
                            nnc.Sigmoid()], seed=seed, dtype="float64")
    V = model.layers[0].weight.copy()
    b = model.layers[0].bias.copy()
    W = model.layers[2].weight[:, 0].copy()
    c = float(model.layers[2].bias[0])
    h = model.fit(X, y, loss=nnc.losses.LogLoss(reduction="sum"),
                  optimizer=nnc.SGD(learning_rate), epochs=epochs, batch_size=1,
                  record="params")
    params = _np(h.params)
    x0, y0 = X[0], y[0, 0]
    hid = _sigmoid(x0 @ V + b)
    yhat = _sigmoid(hid @ W + c)
    r_ = yhat - y0
    dW = r_ * hid
    dc = r_
    db = r_ * W * hid * (1.0 - hid)
    dV = np.outer(x0, db)
    manual = np.concatenate([(V - learning_rate * dV).ravel(), b - learning_rate * db,
                             W - learning_rate * dW, [c - learning_rate * dc]])
    prob = _np(model.predict(X))[:, 0]
    acc = float(np.mean((prob >= 0.5) == (y[:, 0] == 1.0)))
    gap = float(np.max(np.abs(params[1] - manual)))
    lines = [f"first step: engine and the appendix's formulas differ by at most {gap:.3g}",
             f"log loss per epoch: {_np(h.loss)[0]:.4f} -> {_np(h.loss)[-1]:.4f}",
             f"P(y=1) on XOR = {np.round(prob, 3).tolist()}, accuracy {acc:.0%}"]
    r = Result(id="M4", title="a neural network trained by the chain rule", X=X, y=y,
               first_step=params[1].copy(), first_step_formulas=manual,
               epoch_loss=_np(h.loss), probabilities=prob, accuracy=acc, model=model,
               history=h, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def m5_regularization(w=(2.0, -3.0, 0.5), l1=0.1, l2=0.1, learning_rate=0.1, steps=40):
    """M5: regularisation as gradient steps that shrink the coefficients.

    With no data gradient (inputs of zero), a step on ``l1 * sum|w|`` moves
    each weight ``lr * l1`` towards 0 (then it hovers at 0); a step on
    ``l2 * sum(w^2)`` multiplies each weight by ``1 - 2 lr l2``.  Both are
    ``fit(l1=...)`` / ``fit(l2=...)`` runs.

    Returns a :class:`Result` with ``l1_path``, ``l2_path`` (steps + 1 rows)
    and the appendix's one-step values ``l1_step_formula``, ``l2_step_formula``.
    ``w`` is a 1-D sequence of at least one weight; ``steps`` must be at least
    1 (the walkthrough compares the first step with the formulas).
    """
    w = _check.vector("m5_regularization", "w", w)
    steps = _check.count("m5_regularization", "steps", steps)
    X = np.zeros((1, w.shape[0]))
    y = np.zeros((1, 1))
    paths = {}
    for name, kw in (("l1", dict(l1=l1)), ("l2", dict(l2=l2))):
        model = nnc.Sequential([nnc.Dense(w.shape[0], 1, bias=False)], seed=0,
                               dtype="float64")
        model.layers[0].weight[:, 0] = w
        h = model.fit(X, y, loss=nnc.losses.MSE(reduction="sum", half=True),
                      optimizer=nnc.SGD(learning_rate), epochs=steps, record="params", **kw)
        paths[name] = _np(h.params)
    l1_formula = w - learning_rate * l1 * np.sign(w)
    l2_formula = w * (1.0 - 2.0 * learning_rate * l2)
    lines = [f"start w = {w.tolist()}",
             f"one L1 step: {paths['l1'][1].tolist()} (formula w - lr*l1*sgn(w) = "
             f"{l1_formula.tolist()})",
             f"one L2 step: {paths['l2'][1].tolist()} (formula w*(1 - 2*lr*l2) = "
             f"{l2_formula.tolist()})",
             f"after {steps} steps: L1 {np.round(paths['l1'][-1], 6).tolist()}, "
             f"L2 {np.round(paths['l2'][-1], 6).tolist()}"]
    r = Result(id="M5", title="regularisation shrinks coefficients", w=w, l1=l1, l2=l2,
               l1_path=paths["l1"], l2_path=paths["l2"], l1_step_formula=l1_formula,
               l2_step_formula=l2_formula, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def m6_random_restarts(restarts=12, epochs=3000, learning_rate=0.5, hidden=2):
    """M6: gradient descent can settle in a valley that is not the lowest;
    restarting from several random points and keeping the best gets around it.

    The loss of a 2-2-1 sigmoid network on XOR has such valleys: from some
    starting weights full-batch descent ends with two points right and two
    at probability 1/2 (log loss about ln(2)/2 = 0.347 per point).  Each
    restart is a fresh model seed; the best run is kept.

    Returns a :class:`Result` with ``seeds``, ``final_loss`` (mean log loss per
    point), ``accuracy``, ``stuck`` (bool), ``losses`` (restarts x epochs) and
    ``best_seed``.
    """
    X, y = datasets.xor()
    seeds = np.arange(restarts, dtype=np.int64)
    finals, accs = [], []
    # Every restart in one call: replica i is Sequential(..., seed=seeds[i]).fit(...).
    sw = nnc.sweep(nnc.Sequential([nnc.Dense(2, hidden), nnc.Sigmoid(), nnc.Dense(hidden, 1)],
                                  dtype="float64"),
                   X, y, loss=nnc.losses.LogLossWithLogits(), optimizer=nnc.SGD(learning_rate),
                   epochs=epochs, seeds=seeds, threads=1)
    curves = _np(sw.loss)
    for i in range(seeds.size):
        model = sw.model(i)
        finals.append(float(model.evaluate(X, y, nnc.losses.LogLossWithLogits())))
        prob = _np(nnc.functional.sigmoid(_np(model.predict(X))))[:, 0]
        accs.append(float(np.mean((prob >= 0.5) == (y[:, 0] == 1.0))))
    finals, accs = np.array(finals), np.array(accs)
    stuck = accs < 1.0
    best = int(seeds[np.argmin(finals)])
    lines = [f"restart {s:2d}: final log loss {f:.4f}, accuracy {a:.0%}"
             + ("  <- stuck in a valley" if st else "")
             for s, f, a, st in zip(seeds.tolist(), finals.tolist(), accs.tolist(),
                                    stuck.tolist())]
    lines.append(f"best of {restarts} restarts: seed {best}, loss {finals.min():.4g}; "
                 f"{int(stuck.sum())} of {restarts} runs got stuck")
    r = Result(id="M6", title="local minima and random restarts", seeds=seeds,
               final_loss=finals, accuracy=accs, stuck=stuck, losses=curves,
               best_seed=best, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r
