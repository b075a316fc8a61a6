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
import math
import random
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .._typing import ArrayLike, FloatArray
import nnc

from .. import datasets
from . import _check
from ._results import Result

__all__ = [
    "m1_linear_regression", "m2_perceptron_step", "m3_logistic_regression",
    "m4_neural_network", "m5_regularization", "m6_random_restarts", "valleys",
    "serrano_linear_loop", "xor_restarts",
    "valleys_derivative", "SERRANO_CH6_FEATURES", "SERRANO_CH6_LABELS",
]


def _np(a):
    return np.asarray(a, dtype=np.float64)


def m1_linear_regression(trick: str = "square", learning_rate: float = 0.01, epochs: int = 1000,
                         seed: int = 0) -> Result:
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


def serrano_linear_loop(trick: str = "square", learning_rate: float = 0.01, epochs: int = 1000,
                        seed: int = 0) -> Tuple[FloatArray, FloatArray]:
    """The book's linear-regression code (its repository, ch. 3) in plain
    Python: ``random.seed(seed)``, the start from two ``random.random()``, then
    per step a house ``random.randint(0, 5)`` and the square trick
    ``price_per_room += lr * rooms * (price - predicted)``, ``base_price +=
    lr * (price - predicted)`` (or the absolute trick with the sign of the
    miss).  Returns ``(slopes, intercepts)`` arrays (start and every step).
    The absolute trick is nnc's engine bit for bit.  The square trick ends on
    the same floats, but 708 of its 1000 intermediate steps are one unit in
    the last place away: the engine computes ``lr * ((predicted - price) *
    rooms)``, the book ``(lr * rooms) * (price - predicted)`` (see
    docs/CHAPTERS.md)."""
    rooms, prices = datasets.serrano_rooms()
    rng = random.Random(seed)
    slope, intercept = rng.random(), rng.random()
    S, I = [slope], [intercept]
    for _ in range(epochs):
        i = rng.randint(0, rooms.shape[0] - 1)
        r, p = float(rooms[i]), float(prices[i])
        predicted = intercept + slope * r
        if trick == "square":
            slope += learning_rate * r * (p - predicted)
            intercept += learning_rate * (p - predicted)
        else:
            sign = (p > predicted) - (p < predicted)
            slope += learning_rate * r * sign
            intercept += learning_rate * sign
        S.append(slope)
        I.append(intercept)
    return np.array(S), np.array(I)


def m2_perceptron_step(w: Sequence[float] = (1.0, 2.0), b: float = -4.0,
                       point: Sequence[float] = (2.0, 3.0), label: int = 0,
                       learning_rate: float = 0.01) -> Result:
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


#: Serrano's ch. 6 sentences as his code lists them: (aack, beep) counts, label
#: 1 "happy", 0 "sad" (rows 7 and 8 are [3, 2] and [2, 3]).
SERRANO_CH6_FEATURES = ((1.0, 0.0), (0.0, 2.0), (1.0, 1.0), (1.0, 2.0), (1.0, 3.0),
                        (2.0, 2.0), (3.0, 2.0), (2.0, 3.0))
SERRANO_CH6_LABELS = (0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0)


def _serrano_logistic_loop(X, y, picks, start, learning_rate):
    """The book's code, in plain Python floats: ``pred = sigmoid(w . x + b)``,
    ``w_i += (label - pred) * x_i * lr``, ``b += (label - pred) * lr``, one
    picked point per step.  Returns the (w1, w2, b) after every step."""
    w1, w2, b = (float(v) for v in start)
    out = [(w1, w2, b)]
    for j in picks.tolist():
        x1, x2, label = float(X[j, 0]), float(X[j, 1]), float(y[j, 0])
        z = w1 * x1 + w2 * x2 + b
        pred = math.exp(z) / (1 + math.exp(z))
        w1 += (label - pred) * x1 * learning_rate
        w2 += (label - pred) * x2 * learning_rate
        b += (label - pred) * learning_rate
        out.append((w1, w2, b))
    return np.array(out)


def _points_2d(fn, data):
    """``data = (X, y)`` as X (n, 2) and y (n, 1) float64, n >= 1, finite."""
    try:
        pair = not isinstance(data, (str, bytes)) and len(data) == 2
    except TypeError:
        pair = False
    if not pair:
        raise ValueError(f"{fn}: data must be a pair (X, y) with X of shape (n, 2) and n "
                         f"labels, got {data!r:.60}")
    try:
        X = np.asarray(data[0], dtype=np.float64)
        y = np.asarray(data[1], dtype=np.float64).reshape(-1, 1)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: data must hold real numbers, got {data!r:.60}") from None
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] < 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"{fn}: data must be (X, y) with X of shape (n, 2) and n labels, "
                         f"got X {X.shape} and y {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError(f"{fn}: data must be finite")
    return X, y


def m3_logistic_regression(learning_rate: float = 0.01, steps: int = 1000,
                           schedule: str = "random", seed: int = 0,
                           start: ArrayLike = (1.0, 1.0, 0.0), epochs: Optional[int] = None,
                           data: Optional[ArrayLike] = None) -> Result:
    """M3: the logistic trick ``w += lr (y - yhat) x``, ``b += lr (y - yhat)`` is
    a gradient step on the log loss.

    A sigmoid unit (``Dense(2, 1)`` scored through the log loss from logits,
    whose gradient is ``yhat - y``) is fitted one point at a time on the
    aack/beep sentences of the book's code (:data:`SERRANO_CH6_FEATURES`,
    label 1 = happy).  By default it runs the book's schedule: Python's
    ``random`` seeded with ``seed`` (0) picks a point with ``randint`` for each
    of ``steps`` (1000) steps at ``learning_rate`` 0.01, from weights 1, 1
    and bias 0 (``start = (w1, w2, b)``); the picks go to ``fit(order=...)``.
    ``schedule="epochs"`` instead walks the points in data order for
    ``epochs`` epochs.  ``data=(X, y)`` replaces the sentences.

    The engine's path is compared with the book's code run in plain Python
    (``book_loop``, with ``math.exp`` in the book's form ``exp(z) / (1 +
    exp(z))``) and the first step with the trick by hand.  The two agree to
    about 4e-16 relative, not to the bit, and they part in one operation
    only, the sigmoid: nnc's log-loss gradient is ``1 / (1 + exp(-z)) - y``,
    the book's prediction ``exp(z) / (1 + exp(z))`` (another rounding of the
    same number; they first differ at step 11, and the first parameter to
    differ is w2 after step 130).  The C library's exp would not help (the
    textbook form with it differs from the book's at step 1), and the book's
    ``np.exp`` and ``np.dot`` are NumPy's CPU-dependent vector exp and BLAS,
    which no portable program reproduces.  See docs/CHAPTERS.md.

    Returns a :class:`Result` with ``X``, ``y``, ``picks``, ``params`` (the
    trajectory: w1, w2, b per step), ``book_loop``, ``max_gap_to_book``,
    ``epoch_loss``, ``first_step`` (engine) and ``first_step_trick`` (by hand),
    ``probabilities`` (of "happy") and ``accuracy``.
    """
    fn = "m3_logistic_regression"
    if schedule not in ("random", "epochs"):
        raise ValueError(f'{fn}: schedule must be "random" (the book\'s random picks) or '
                         f'"epochs" (data order), got {schedule!r}')
    if data is None:
        X, y = datasets.serrano_aack_beep()  # = SERRANO_CH6_FEATURES, _LABELS
    else:
        X, y = _points_2d(fn, data)
    if epochs is not None:
        epochs = _check.count(fn, "epochs", epochs)
        if schedule == "random":
            raise ValueError(f'{fn}: epochs is for schedule="epochs"; the random schedule '
                             f"takes steps, got epochs={epochs}")
    start = _check.numbers(fn, "start", start, 3)
    n = X.shape[0]
    if schedule == "random":
        steps = _check.count(fn, "steps", steps)
        rng = random.Random(seed)
        picks = np.array([rng.randint(0, n - 1) for _ in range(steps)], dtype=np.int64)
        fit_kw: Dict[str, Any] = dict(epochs=1, order=picks)
    else:
        epochs = 200 if epochs is None else epochs
        picks = np.tile(np.arange(n, dtype=np.int64), epochs)
        fit_kw = dict(epochs=epochs, batch_size=1)
    model = nnc.Sequential([nnc.Dense(2, 1)], seed=0, dtype="float64")
    model.layers[0].weight[:, 0] = start[:2]
    model.layers[0].bias[...] = start[2]
    h = model.fit(X, y, loss=nnc.losses.LogLossWithLogits(reduction="sum"),
                  optimizer=nnc.SGD(learning_rate), record="params", **fit_kw)
    params = _np(h.params)
    book_loop = _serrano_logistic_loop(X, y, picks, start, learning_rate)
    gap = float(np.max(np.abs(params - book_loop) / np.maximum(np.abs(book_loop), 1e-300)))
    w0, b0 = params[0, :2], params[0, 2]
    j0 = int(picks[0])
    yhat = 1.0 / (1.0 + np.exp(-(X[j0] @ w0 + b0)))
    trick = np.append(w0 + learning_rate * (y[j0, 0] - yhat) * X[j0],
                      b0 + learning_rate * (y[j0, 0] - yhat))
    prob = _np(nnc.functional.sigmoid(_np(model.predict(X))))[:, 0]
    acc = float(np.mean((prob >= 0.5) == (y[:, 0] == 1.0)))
    how = (f"{len(picks)} random picks (random.seed({seed}))" if schedule == "random"
           else f"{len(picks) // n} epochs in data order")
    lines = [f"first step, engine: {params[1].tolist()}",
             f"first step, trick:  {trick.tolist()}",
             f"after {how}, lr {learning_rate!r}: w = {params[-1, :2].tolist()}, "
             f"b = {float(params[-1, 2])!r}",
             f"the book's code in plain Python: largest relative gap {gap:.2g}",
             f"P(happy) = {np.round(prob, 3).tolist()}, accuracy {acc:.0%}"]
    r = Result(id="M3", title="the logistic trick is a gradient step on the log loss",
               X=X, y=y, picks=picks, params=params, book_loop=book_loop,
               max_gap_to_book=gap, epoch_loss=_np(h.loss), first_step=params[1].copy(),
               first_step_trick=trick, probabilities=prob, accuracy=acc, history=h,
               _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def m4_neural_network(hidden: int = 3, learning_rate: float = 0.5, epochs: int = 3000,
                      seed: int = 0) -> Result:
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


def m5_regularization(w: ArrayLike = (2.0, -3.0, 0.5), l1: float = 0.1, l2: float = 0.1,
                      learning_rate: float = 0.1, steps: int = 40) -> Result:
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
    kws: Dict[str, Dict[str, Any]] = {"l1": dict(l1=l1), "l2": dict(l2=l2)}
    for name, kw in kws.items():
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


def valleys(x: ArrayLike) -> FloatArray:
    """The default M6 function, ``0.1 x**2 + sin(2 x)``: several valleys on
    [-6, 6], the lowest near x = -0.748 (value -0.9413)."""
    x = np.asarray(x, dtype=np.float64)
    return 0.1 * x * x + np.sin(2.0 * x)


def valleys_derivative(x: ArrayLike) -> FloatArray:
    """The derivative of :func:`valleys`: ``0.2 x + 2 cos(2 x)``."""
    x = np.asarray(x, dtype=np.float64)
    return 0.2 * x + 2.0 * np.cos(2.0 * x)


def m6_random_restarts(function: Optional[Callable[[Any], Any]] = None,
                       derivative: Optional[Callable[[Any], Any]] = None, restarts: int = 3,
                       learning_rate: float = 0.05, steps: int = 500,
                       interval: Tuple[float, float] = (-6.0, 6.0), seed: int = 0,
                       starts: Optional[ArrayLike] = None,
                       optimizer: Optional[nnc.optim.Optimizer] = None) -> Result:
    """M6: gradient descent can settle in a valley that is not the lowest;
    restarting from several random points and keeping the best gets around it
    (the appendix's Figs. B.7-B.9).

    Gradient descent ``x <- x - learning_rate * f'(x)`` on a function of one
    variable with several valleys, from ``restarts`` starts drawn uniformly in
    ``interval`` by Python's ``random.Random(seed)`` (or the given ``starts``).
    The restarts are the K weights of one parameter (``Dense(1, K,
    bias=False)``'s weight) and every step is nnc's optimizer step
    (``optimizer.step(model)``; default ``nnc.SGD(learning_rate)``, or any
    ``nnc.optim`` optimizer such as ``nnc.Momentum(0.05, 0.9)``) on the
    gradient ``f'(x)``, which NumPy evaluates: ``function`` is a Python
    callable, and nnc's engine has no way to call a user's function of the
    parameters (its objectives are networks and losses), so the gradient is
    computed outside C and written into the parameter's grad.  With SGD every
    step is exactly ``x - learning_rate * f'(x)``.  ``function`` is any
    vectorised callable (default :func:`valleys`, ``0.1 x^2 + sin 2x``);
    ``derivative`` its derivative (default: :func:`valleys_derivative` for the
    default function, else central differences with h = 1e-6).  A start is
    "stuck" when it ends more than 1e-6 above the lowest value of ``function``
    on a fine grid of ``interval``.

    Returns a :class:`Result` with ``starts``, ``paths`` (restarts x (steps +
    1)), ``final_x``, ``final_value``, ``stuck`` (bool), ``best`` (index),
    ``grid``, ``curve``, ``lowest_x``, ``lowest_value``.
    """
    fn = "m6_random_restarts"
    steps = _check.count(fn, "steps", steps)
    lo, hi = _check.numbers(fn, "interval", interval, 2)
    if not lo < hi:
        raise ValueError(f"{fn}: interval must be (low, high) with low < high, got {interval!r}")
    (learning_rate,) = _check.numbers(fn, "learning_rate", [learning_rate], 1)
    if function is None:
        function = valleys
        derivative = valleys_derivative if derivative is None else derivative
    if not callable(function) or (derivative is not None and not callable(derivative)):
        raise TypeError(f"{fn}: function and derivative must be callables of an array, got "
                        f"{type(function).__name__} and {type(derivative).__name__}")
    if derivative is None:
        def central(x: Any, f: Callable[[Any], Any] = function, h: float = 1e-6) -> Any:
            return (np.asarray(f(x + h)) - np.asarray(f(x - h))) / (2.0 * h)
        derivative = central
    if starts is None:
        restarts = _check.count(fn, "restarts", restarts)
        rng = random.Random(seed)
        starts = np.array([rng.uniform(lo, hi) for _ in range(restarts)])
    else:
        starts = _check.vector(fn, "starts", starts, finite=True, scalar_ok=True)
    if optimizer is None:
        optimizer = nnc.SGD(learning_rate)
    elif not isinstance(optimizer, nnc.optim.Optimizer) or optimizer.kind == "hotcold":
        raise TypeError(f"{fn}: optimizer must be an nnc gradient optimizer (nnc.SGD, "
                        f"nnc.Momentum, nnc.Adam, ...), got {optimizer!r:.60}")
    paths = np.empty((starts.shape[0], steps + 1))
    paths[:, 0] = starts
    model = nnc.Sequential([nnc.Dense(1, starts.shape[0], bias=False, weight=starts[None, :])],
                           seed=0, dtype="float64")
    w = model.layers[0].weight
    g = dict(model.named_grads())["layers.0.weight"]
    for k in range(steps):
        g[0, :] = np.asarray(derivative(w[0].copy()), dtype=np.float64)
        optimizer.step(model)
        paths[:, k + 1] = w[0]
    x = w[0].copy()
    final_value = np.asarray(function(x), dtype=np.float64)
    grid = np.linspace(lo, hi, 20001)
    curve = np.asarray(function(grid), dtype=np.float64)
    k_low = int(np.argmin(curve))
    stuck = final_value > curve[k_low] + 1e-6
    best = int(np.argmin(final_value))
    lines = [f"restart {k + 1}: start x = {s:+.4f} -> x = {xf:+.4f}, f = {v:.4f}"
             + ("  <- stuck in a valley" if st else "  <- the lowest valley")
             for k, (s, xf, v, st) in enumerate(zip(starts.tolist(), x.tolist(),
                                                    final_value.tolist(), stuck.tolist()))]
    lines.append(f"best of {starts.shape[0]} restarts: x = {x[best]:.4f}, f = "
                 f"{final_value[best]:.4f} (lowest on the grid: f({grid[k_low]:.4f}) = "
                 f"{curve[k_low]:.4f})")
    r = Result(id="M6", title="local minima and random restarts", starts=starts, paths=paths,
               final_x=x, final_value=final_value, stuck=stuck, best=best, grid=grid,
               curve=curve, lowest_x=float(grid[k_low]), lowest_value=float(curve[k_low]),
               learning_rate=learning_rate, optimizer=optimizer, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r


def xor_restarts(restarts: int = 12, epochs: int = 3000, learning_rate: float = 0.5,
                 hidden: int = 2) -> Result:
    """Beyond the appendix: M6's valleys in many dimensions.  Gradient descent
    on a small network can settle in a valley that is not the lowest;
    restarting from several random seeds and keeping the best gets around it.

    The loss of a 2-2-1 sigmoid network on XOR has such valleys: from some
    starting weights full-batch descent ends with two points right and two
    at probability 1/2 (log loss about ln(2)/2 = 0.347 per point).  Each
    restart is a fresh model seed; the best run is kept.

    Returns a :class:`Result` with ``seeds``, ``final_loss`` (mean log loss per
    point), ``accuracy``, ``stuck`` (bool), ``losses`` (restarts x epochs) and
    ``best_seed``.
    """
    fn = "xor_restarts"
    restarts = _check.count(fn, "restarts", restarts)
    epochs = _check.count(fn, "epochs", epochs)
    hidden = _check.count(fn, "hidden", hidden)
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
    r = Result(id="M6+", title="random restarts of a small XOR network", seeds=seeds,
               final_loss=finals, accuracy=accs, stuck=stuck, losses=curves,
               best_seed=best, _lines=lines)
    r.head, r.tail = len(lines), 0
    return r
