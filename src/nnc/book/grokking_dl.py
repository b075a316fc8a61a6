"""Grokking Deep Learning, ch. 4 (Trask): hot/cold learning and gradient descent
on the smallest network there is, ``pred = input * weight``.

Every run is one ``nnc.Sequential([nnc.Dense(1, 1, bias=False)])`` whose
single weight is set to the book's start and fitted on the one example
``(input, goal)``:

- Trask's error ``(pred - goal) ** 2`` moves the weight by
  ``alpha * (pred - goal) * input``, which is the gradient of *half* the
  squared error; so gradient descent is ``loss=MSE(reduction="sum", half=True)``
  with ``SGD(alpha)``;
- hot/cold learning is the ``HotCold(step)`` optimizer.

The per-step predictions, errors and deltas are then computed, vectorised,
from the weights the engine recorded (``record="params"``).  Python and C
both do plain IEEE double arithmetic here (no exp or log, no fused
multiply-add), so the numbers agree with Trask's Python loop bit for bit, and
``str`` prints them as his Python 2 did (:func:`py2str`).
"""
import numpy as np

from .._typing import ArrayLike
import nnc

from . import _check
from ._format import py2str
from ._results import AlphaSweep, HotColdRun, Result, TraskRun

__all__ = [
    "g1_compare", "g2_hot_cold_step", "g3_hot_cold", "g4_gradient_step",
    "g5_gradient_descent", "g6_learning_reduces_error", "g7_several_steps",
    "g8_divergence", "g9_alpha", "alpha_sweep",
]


def _one_weight_model(weight):
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False)], seed=0, dtype="float64")
    model.layers[0].weight[...] = weight
    return model


# The architecture alpha_sweep sweeps, made once (nnc.sweep never changes the
# model it is given; each sweep starts its replicas from ``params``).
_SWEEP_MODEL = []


def _sweep_model():
    if not _SWEEP_MODEL:
        _SWEEP_MODEL.append(_one_weight_model(0.0))
    return _SWEEP_MODEL[0]


def _example(input, goal):
    return np.array([[float(input)]]), np.array([[float(goal)]])


def _trask_descent(id, title, weight, input, goal, alpha, steps, style="error_prediction"):
    fn = {"G4": "g4_gradient_step", "G5": "g5_gradient_descent",
          "G6": "g6_learning_reduces_error", "G7": "g7_several_steps",
          "G8": "g8_divergence", "G9": "g9_alpha"}.get(id, id)
    weight, input, goal = _check.numbers(fn, "weight, input, goal", (weight, input, goal), 3)
    (alpha,) = _check.numbers(fn, "alpha", [alpha], 1)
    if alpha < 0:
        raise ValueError(f"{fn}: alpha must be >= 0 (0 is a run that does not learn), "
                         f"got {alpha!r}")
    steps = _check.count(fn, "iterations", steps, minimum=0)
    model = _one_weight_model(weight)
    X, y = _example(input, goal)
    # alpha 0 is Trask's loop with a zero step: the weight never moves.  nnc's
    # optimizers need lr > 0, so the engine runs no step and the path is constant.
    history = model.fit(X, y, loss=nnc.losses.MSE(reduction="sum", half=True),
                        optimizer=nnc.SGD(alpha if alpha > 0 else 1.0),
                        epochs=steps if alpha > 0 else 0, record="params", divergence=None)
    assert history.params is not None  # record="params"
    weights = np.array(history.params[:, 0], dtype=np.float64)
    if alpha == 0:
        weights = np.full(steps + 1, weight)
    predictions = input * weights[:-1]
    deltas = predictions - goal
    errors = deltas ** 2
    weight_deltas = deltas * input
    run = TraskRun(id=id, title=title, input=float(input), goal=float(goal),
                   alpha=float(alpha), weights=weights, predictions=predictions,
                   errors=errors, deltas=deltas, weight_deltas=weight_deltas,
                   history=history)
    run.style = style
    return run


def _hot_cold(id, title, weight, input, goal, step, steps):
    model = _one_weight_model(weight)
    X, y = _example(input, goal)
    history = model.fit(X, y, loss=nnc.losses.MSE(reduction="sum"),
                        optimizer=nnc.HotCold(step), epochs=steps, record="params",
                        divergence=None)
    assert history.params is not None  # record="params"
    weights = np.array(history.params[:, 0], dtype=np.float64)
    w = weights[:-1]
    predictions = input * w
    errors = (predictions - goal) ** 2
    up_predictions = input * (w + step)
    up_errors = (goal - up_predictions) ** 2
    down_predictions = input * (w - step)
    down_errors = (goal - down_predictions) ** 2
    moves = np.sign(weights[1:] - w).astype(np.int8)
    return HotColdRun(id=id, title=title, input=float(input), goal=float(goal),
                      step=float(step), weights=weights, predictions=predictions,
                      errors=errors, up_predictions=up_predictions, up_errors=up_errors,
                      down_predictions=down_predictions, down_errors=down_errors,
                      moves=moves, forward_passes=int(history.forward_passes),
                      history=history,
                      _lines=[f"Error:{py2str(e)} Prediction:{py2str(p)}"
                              for e, p in zip(errors.tolist(), predictions.tolist())])


def g1_compare(input: float = 0.5, weight: float = 0.5, goal: float = 0.8) -> Result:
    """G1: predict once and measure the squared error.

    ``0.5 * 0.5 = 0.25`` against a goal of 0.8 misses by 0.55; the error is
    0.55 squared, printed 0.3025 (0.30250000000000005 in float64).  The model
    predicts (``model.predict``) and the engine's summed squared error
    measures (``model.evaluate`` with ``MSE(reduction="sum")``).

    Returns a :class:`Result` with ``prediction`` and ``error`` (floats).
    """
    model = _one_weight_model(weight)
    X, y = _example(input, goal)
    prediction = float(np.asarray(model.predict(X))[0, 0])
    error = float(model.evaluate(X, y, nnc.losses.MSE(reduction="sum")))
    return Result(id="G1", title="compare: how far is the prediction from the goal?",
                  input=float(input), weight=float(weight), goal=float(goal),
                  prediction=prediction, error=error,
                  _lines=[py2str(error)])


def g2_hot_cold_step(input: float = 8.5, weight: float = 0.1, goal: float = 1.0,
                     step: float = 0.01) -> HotColdRun:
    """G2: one step of hot/cold learning on the "toes" example.

    Predict (0.85, error 0.0225), try the weight a step up (error 0.004225)
    and a step down (error 0.055225), keep the better: the weight becomes 0.11.
    One epoch of ``HotCold(step)``.  Returns a :class:`HotColdRun` of one step.
    """
    run = _hot_cold("G2", "one hot/cold step: try up, try down, keep the better",
                    weight, input, goal, step, 1)
    run._lines = [
        f"Prediction:{py2str(run.predictions[0])} Error:{py2str(run.errors[0])}",
        f"Up   (weight {py2str(run.weights[0] + step)}): "
        f"Prediction:{py2str(run.up_predictions[0])} Error:{py2str(run.up_errors[0])}",
        f"Down (weight {py2str(run.weights[0] - step)}): "
        f"Prediction:{py2str(run.down_predictions[0])} Error:{py2str(run.down_errors[0])}",
        f"New weight:{py2str(run.weights[1])}",
    ]
    run.head, run.tail = 10, 0
    return run


def g3_hot_cold(weight: float = 0.5, input: float = 0.5, goal: float = 0.8, step: float = 0.001,
                iterations: int = 1101) -> HotColdRun:
    """G3: hot/cold learning until the prediction reaches 0.8.

    1101 iterations of ``HotCold(0.001)``; each line shows the error and the
    prediction before that iteration's move.  With ``step=0.2`` the weight
    overshoots and rocks around 0.8; with ``step=10`` it jumps back and forth
    between predictions 0.25 and 5.25 forever.  Returns a :class:`HotColdRun`.
    """
    return _hot_cold("G3", f"hot/cold learning, step {py2str(step)}",
                     weight, input, goal, step, iterations)


def g4_gradient_step(input: float = 8.5, weight: float = 0.1, goal: float = 1.0,
                     alpha: float = 0.01) -> TraskRun:
    """G4: one step of gradient descent on the "toes" example.

    Prediction 0.85, delta (the pure error) -0.15, weight_delta = delta *
    input = -1.275; with alpha 0.01 the weight becomes 0.11275.  One epoch of
    ``SGD(alpha)`` on half the squared error.  Returns a :class:`TraskRun`.
    """
    run = _trask_descent("G4", "one gradient step: direction and amount from the error",
                         weight, input, goal, alpha, 1)
    run._lines = [f"Prediction:{py2str(run.predictions[0])}",
                  f"Delta:{py2str(run.deltas[0])}",
                  f"Weight Delta:{py2str(run.weight_deltas[0])}",
                  f"New weight:{py2str(run.weights[1])}"]
    run.head, run.tail = 10, 0
    return run


def g5_gradient_descent(weight: float = 0.5, input: float = 0.5, goal: float = 0.8,
                        alpha: float = 1.0, iterations: int = 20) -> TraskRun:
    """G5: 20 steps of gradient descent, ``weight -= (pred - goal) * input``.

    Printed: ``Error:0.3025 Prediction:0.25`` ... ``Error:5.40820802026e-06
    Prediction:0.797674444578``.  Returns a :class:`TraskRun`.
    """
    return _trask_descent("G5", "gradient descent, alpha 1", weight, input, goal,
                          alpha, iterations)


def g6_learning_reduces_error(weight: float = 0.0, input: float = 0.5, goal: float = 0.8,
                              alpha: float = 1.0, iterations: int = 4) -> TraskRun:
    """G6: from weight 0, four steps: errors 0.64, 0.36, 0.2025, 0.11390625 as
    the prediction climbs 0, 0.2, 0.35, 0.4625.  Returns a :class:`TraskRun`."""
    return _trask_descent("G6", "learning is reducing error", weight, input, goal,
                          alpha, iterations)


def g7_several_steps(weight: float = 0.0, input: float = 1.1, goal: float = 0.8,
                     alpha: float = 1.0, iterations: int = 4) -> TraskRun:
    """G7: input 1.1, four steps printed as weight / error / prediction / delta /
    weight delta: the prediction overshoots to 0.968, then settles towards 0.8.
    Returns a :class:`TraskRun` printed in the book's block style."""
    return _trask_descent("G7", "watching several steps of learning", weight, input,
                          goal, alpha, iterations, style="weight_delta")


def g8_divergence(weight: float = 0.5, input: float = 2.0, goal: float = 0.8, alpha: float = 1.0,
                  iterations: int = 20) -> TraskRun:
    """G8: input 2 makes each step overshoot: the distance to the goal is
    multiplied by ``1 - alpha * input**2 = -3`` every step, ending at
    ``Error:5.40340687069e+16 Prediction:-232452292.6``.  The engine's
    divergence guard is switched off so the blow-up runs to its end.
    Returns a :class:`TraskRun`."""
    return _trask_descent("G8", "divergence: a large input overcorrects",
                          weight, input, goal, alpha, iterations)


def g9_alpha(weight: float = 0.5, input: float = 2.0, goal: float = 0.8, alpha: float = 0.1,
             iterations: int = 20) -> TraskRun:
    """G9: alpha 0.1 tames input 2 (factor ``1 - 0.1 * 4 = 0.6`` per step):
    0.04/1.0, 0.0144/0.92, 0.005184/0.872, ... ``1.48527717099e-10/0.800012187195``.
    Any ``alpha >= 0`` runs: ``alpha=0`` is Trask's loop with a zero step, which
    never learns (every line repeats the first).  Returns a :class:`TraskRun`."""
    return _trask_descent("G9", "alpha: shrinking every update", weight, input, goal,
                          alpha, iterations)


DEFAULT_ALPHAS = (0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.49, 0.5, 0.51,
                  0.55, 0.6, 0.75, 1.0)


def alpha_sweep(alphas: ArrayLike = DEFAULT_ALPHAS, input: float = 2.0, weight: float = 0.5,
                goal: float = 0.8, steps: int = 20) -> AlphaSweep:
    """Beyond the book: for which alphas does gradient descent converge?

    With ``pred = input * weight`` and Trask's update, the distance to the goal
    is multiplied by ``1 - alpha * input**2`` every step, so the run converges
    exactly when ``0 < alpha * input**2 < 2``.  ``nnc.max_stable_lr`` computes
    the bound ``2 / input**2`` (0.5 for input 2) from the data; all alphas
    train in one ``nnc.sweep`` call (each bit for bit its own ``fit``).
    Returns an :class:`AlphaSweep`.
    """
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    X, y = _example(input, goal)
    critical = float(nnc.max_stable_lr(X, loss=nnc.losses.MSE(reduction="sum", half=True)))
    first = (input * weight - goal) ** 2
    # alpha 0 takes no step (nnc.SGD needs lr > 0): the weight, and so the
    # error, stay -- exactly what a fit with lr 0 computed.
    # (Every alpha moving, the usual case, needs no masked copies.)
    moving = alphas != 0
    every = bool(moving.all())
    if every or moving.any():
        s = nnc.sweep(_sweep_model(), X, y, loss=nnc.losses.MSE(reduction="sum", half=True),
                      optimizer=nnc.SGD(lr=alphas if every else alphas[moving]), epochs=steps,
                      divergence=None, params=np.array([float(weight)]), threads=1,
                      record="final")
        # (input * w - goal) ** 2, in place: the same roundings
        err = s.params[:, 0] * input
        err -= goal
        with np.errstate(over="ignore", invalid="ignore"):
            np.multiply(err, err, out=err)
    if every:
        finals = err
    else:
        finals = np.full_like(alphas, first)
        if moving.any():
            finals[moving] = err
    factors = 1.0 - alphas * input * input
    converged = finals < first
    # The table's lines are formatted when printed (AlphaSweep.lines), and a
    # long sweep prints its first and last rows only: 10,000 alphas cost the
    # engine a fraction of a millisecond, formatting them all 80 ms.
    result = AlphaSweep(id="G+", title="alpha sweep: GD converges iff 0 < alpha*input^2 < 2",
                        input=float(input), goal=float(goal), weight=float(weight),
                        alphas=alphas, factors=factors, final_errors=finals,
                        converged=converged, critical_alpha=critical, steps=int(steps))
    if alphas.size <= 40:
        result.head, result.tail = alphas.size + 2, 0
    else:
        result.head, result.tail = 12, 5
    return result
