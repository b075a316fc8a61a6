"""Grokking Deep Learning ch. 4: bit for bit against Trask's own loops.

Each reference below is Trask's Python loop written out (Python floats, the
book's operations in the book's order); nnc's walkthroughs run the engine and
must agree in every bit of every weight, prediction and error, and print the
book's lines.
"""
import numpy as np
import pytest

import nnc
from nnc import book
from nnc.book import py2str


def trask_gradient_descent(weight, input, goal, alpha, iterations):
    weights, preds, errors, deltas, wds, lines = [weight], [], [], [], [], []
    for _ in range(iterations):
        pred = input * weight
        error = (pred - goal) ** 2
        delta = pred - goal
        weight_delta = delta * input
        weight = weight - alpha * weight_delta
        weights.append(weight)
        preds.append(pred)
        errors.append(error)
        deltas.append(delta)
        wds.append(weight_delta)
        lines.append("Error:" + py2str(error) + " Prediction:" + py2str(pred))
    return weights, preds, errors, deltas, wds, lines


def trask_hot_cold(weight, input, goal, step, iterations):
    weights, preds, errors, lines = [weight], [], [], []
    for _ in range(iterations):
        prediction = input * weight
        error = (prediction - goal) ** 2
        lines.append("Error:" + py2str(error) + " Prediction:" + py2str(prediction))
        up_error = (goal - input * (weight + step)) ** 2
        down_error = (goal - input * (weight - step)) ** 2
        if down_error < up_error:
            weight = weight - step
        if down_error > up_error:
            weight = weight + step
        weights.append(weight)
        preds.append(prediction)
        errors.append(error)
    return weights, preds, errors, lines


def bits(a):
    return np.asarray(a, dtype=np.float64).view(np.uint64).tolist()


GD_CASES = {
    "G5": (book.g5_gradient_descent, (0.5, 0.5, 0.8, 1.0, 20)),
    "G6": (book.g6_learning_reduces_error, (0.0, 0.5, 0.8, 1.0, 4)),
    "G7": (book.g7_several_steps, (0.0, 1.1, 0.8, 1.0, 4)),
    "G8": (book.g8_divergence, (0.5, 2.0, 0.8, 1.0, 20)),
    "G9": (book.g9_alpha, (0.5, 2.0, 0.8, 0.1, 20)),
}


@pytest.mark.parametrize("wid", list(GD_CASES))
def test_gradient_descent_bit_for_bit(wid):
    fn, (weight, input, goal, alpha, iterations) = GD_CASES[wid]
    run = fn()
    assert run.id == wid
    ref = trask_gradient_descent(weight, input, goal, alpha, iterations)
    assert bits(run.weights) == bits(ref[0])
    assert bits(run.predictions) == bits(ref[1])
    assert bits(run.errors) == bits(ref[2])
    assert bits(run.deltas) == bits(ref[3])
    assert bits(run.weight_deltas) == bits(ref[4])
    if run.style == "error_prediction":
        assert run.lines() == ref[5]
    # the engine's own record agrees: one row per step, plus the start
    assert run.history.params.shape == (iterations + 1, 1)


@pytest.mark.parametrize("alpha, input, weight", [(0.3, 1.7, -2.0), (0.05, 3.0, 1.25),
                                                  (1.0, 0.1, 10.0)])
def test_gradient_descent_bit_for_bit_other_setups(alpha, input, weight):
    run = book.g5_gradient_descent(weight=weight, input=input, goal=0.3, alpha=alpha,
                                   iterations=50)
    ref = trask_gradient_descent(weight, input, 0.3, alpha, 50)
    assert bits(run.weights) == bits(ref[0])
    assert run.lines() == ref[5]


def test_g5_printed_lines_and_str():
    run = book.g5_gradient_descent()
    lines = run.lines()
    assert lines[:3] == ["Error:0.3025 Prediction:0.25", "Error:0.17015625 Prediction:0.3875",
                         "Error:0.095712890625 Prediction:0.490625"]
    assert lines[-3:] == ["Error:1.7092608064e-05 Prediction:0.79586567925",
                          "Error:9.61459203602e-06 Prediction:0.796899259437",
                          "Error:5.40820802026e-06 Prediction:0.797674444578"]
    text = str(run)
    assert text.splitlines() == (["G5: gradient descent, alpha 1"] + lines[:3] + ["...."]
                                 + lines[-3:])
    assert "weights(21,)" in repr(run) and "predictions(20,)" in repr(run)


def test_g6_g7_g8_g9_printed():
    assert book.g6_learning_reduces_error().lines() == [
        "Error:0.64 Prediction:0.0", "Error:0.36 Prediction:0.2",
        "Error:0.2025 Prediction:0.35", "Error:0.11390625 Prediction:0.4625"]
    g7 = book.g7_several_steps()
    assert g7.lines() == [
        "-----", "Weight:0.0", "Error:0.64 Prediction:0.0", "Delta:-0.8 Weight Delta:-0.88",
        "-----", "Weight:0.88", "Error:0.028224 Prediction:0.968",
        "Delta:0.168 Weight Delta:0.1848",
        "-----", "Weight:0.6952", "Error:0.0012446784 Prediction:0.76472",
        "Delta:-0.03528 Weight Delta:-0.038808",
        "-----", "Weight:0.734008", "Error:5.489031744e-05 Prediction:0.8074088",
        "Delta:0.0074088 Weight Delta:0.00814968"]
    assert str(g7).splitlines()[1:] == g7.lines()  # short runs print in full
    g8 = book.g8_divergence().lines()
    assert g8[:3] == ["Error:0.04 Prediction:1.0", "Error:0.36 Prediction:0.2",
                      "Error:3.24 Prediction:2.6"]
    assert g8[-3:] == ["Error:6.67087267987e+14 Prediction:-25828031.8",
                       "Error:6.00378541188e+15 Prediction:77484098.6",
                       "Error:5.40340687069e+16 Prediction:-232452292.6"]
    g9 = book.g9_alpha().lines()
    assert g9[:3] == ["Error:0.04 Prediction:1.0", "Error:0.0144 Prediction:0.92",
                      "Error:0.005184 Prediction:0.872"]
    assert g9[-1] == "Error:1.48527717099e-10 Prediction:0.800012187195"


def test_g8_with_divergence_guard_raises():
    # the walkthrough switches the guard off; with it on the engine stops the blow-up
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False)])
    model.layers[0].weight[...] = 0.5
    with pytest.raises(nnc.DivergenceError):
        model.fit([[2.0]], [[0.8]], loss=nnc.losses.MSE(reduction="sum", half=True),
                  optimizer=nnc.SGD(1.0), epochs=20)


def test_g1_compare():
    r = book.g1_compare()
    assert r.prediction == 0.25
    assert r.error == 0.30250000000000005 == (0.5 * 0.5 - 0.8) ** 2
    assert r.lines() == ["0.3025"]


def test_g2_hot_cold_step():
    r = book.g2_hot_cold_step()
    assert py2str(r.errors[0]) == "0.0225"
    assert py2str(r.up_errors[0]) == "0.004225"
    assert py2str(r.down_errors[0]) == "0.055225"
    assert r.weights[1] == 0.1 + 0.01 and py2str(r.weights[1]) == "0.11"
    assert r.moves.tolist() == [1]
    assert r.forward_passes == 3  # predict, probe up, probe down
    assert r.lines()[0] == "Prediction:0.85 Error:0.0225"


@pytest.mark.parametrize("step, iterations", [(0.001, 1101), (0.2, 100), (10.0, 100),
                                              (0.013, 300)])
def test_hot_cold_bit_for_bit(step, iterations):
    run = book.g3_hot_cold(step=step, iterations=iterations)
    ref = trask_hot_cold(0.5, 0.5, 0.8, step, iterations)
    assert bits(run.weights) == bits(ref[0])
    assert bits(run.predictions) == bits(ref[1])
    assert bits(run.errors) == bits(ref[2])
    assert run.lines() == ref[3]
    assert run.forward_passes == 3 * iterations


def test_g3_printed():
    lines = book.g3_hot_cold().lines()
    assert len(lines) == 1101
    assert lines[:2] == ["Error:0.3025 Prediction:0.25", "Error:0.30195025 Prediction:0.2505"]
    assert lines[-2:] == ["Error:2.50000000033e-07 Prediction:0.7995",
                          "Error:1.07995057925e-27 Prediction:0.8"]
    ten = book.g3_hot_cold(step=10.0, iterations=6).lines()
    assert ten == ["Error:0.3025 Prediction:0.25", "Error:19.8025 Prediction:5.25"] * 3
    rock = book.g3_hot_cold(step=0.2, iterations=100)
    d = rock.predictions[-10:] - 0.8
    assert np.all(d[1:] * d[:-1] < 0) and np.all(np.abs(d) <= 0.1)  # rocks around 0.8


def test_g4_gradient_step():
    r = book.g4_gradient_step()
    assert [py2str(v) for v in (r.predictions[0], r.deltas[0], r.weight_deltas[0],
                                r.weights[1])] == ["0.85", "-0.15", "-1.275", "0.11275"]
    assert r.weights[1] == 0.1 - 0.01 * ((8.5 * 0.1 - 1.0) * 8.5)


def test_alpha_sweep_matches_the_bound():
    r = book.alpha_sweep()
    assert r.critical_alpha == 0.5
    x2 = r.alphas * r.input ** 2
    np.testing.assert_array_equal(r.converged, (x2 > 0) & (x2 < 2))
    np.testing.assert_array_equal(r.factors, 1.0 - x2)
    # the error after 20 steps is the first error times factor**40
    first = (r.input * r.weight - r.goal) ** 2
    ok = np.isfinite(r.final_errors)
    np.testing.assert_allclose(r.final_errors[ok], first * r.factors[ok] ** 40,
                               rtol=1e-9, atol=1e-20)  # rounding near the goal
    r2 = book.alpha_sweep(alphas=np.linspace(0.01, 20, 40), input=0.5)
    assert r2.critical_alpha == 8.0
    x2 = r2.alphas * 0.25
    np.testing.assert_array_equal(r2.converged, (x2 > 0) & (x2 < 2))
    assert "critical alpha" in str(r)


def test_alpha_zero_is_a_run_that_does_not_learn():
    """Finding 8: Trask's loop with alpha 0 simply never moves the weight."""
    r = book.g9_alpha(alpha=0)
    assert r.lines() == ["Error:0.04 Prediction:1.0"] * 20
    assert np.all(r.weights == 0.5) and r.weights.shape == (21,)
    assert book.g5_gradient_descent(alpha=0.0, iterations=3).errors.tolist() == \
        [(0.25 - 0.8) ** 2] * 3
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        book.g9_alpha(alpha=-0.1)
    with pytest.raises(TypeError, match="alpha"):
        book.g9_alpha(alpha="fast")
