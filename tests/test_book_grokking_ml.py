"""Grokking ML appendix B: the tricks as gradient steps."""
import random

import numpy as np
import pytest

from nnc import book


def serrano_linear_regression(trick, seed=0, lr=0.01, epochs=1000):
    """The book's code (chapter 3), with Python's random seeded as it is."""
    features = [1, 2, 3, 5, 6, 7]
    labels = [155, 197, 244, 356, 407, 448]
    rng = random.Random(seed)
    price_per_room = rng.random()
    base_price = rng.random()
    slopes, intercepts = [price_per_room], [base_price]
    for _ in range(epochs):
        i = rng.randint(0, len(features) - 1)
        num_rooms, price = features[i], labels[i]
        predicted = base_price + price_per_room * num_rooms
        if trick == "square":
            price_per_room += lr * num_rooms * (price - predicted)
            base_price += lr * (price - predicted)
        else:  # the appendix's absolute trick, sgn(0) = 0
            s = (price > predicted) - (price < predicted)
            price_per_room += lr * s * num_rooms
            base_price += lr * s
        slopes.append(price_per_room)
        intercepts.append(base_price)
    return slopes, intercepts


def test_m1_square_trick_matches_the_book():
    r = book.m1_linear_regression()
    assert r.slope == pytest.approx(51.04430678220095, rel=1e-12)
    assert r.intercept == pytest.approx(91.59448307644864, rel=1e-12)
    slopes, intercepts = serrano_linear_regression("square")
    np.testing.assert_allclose(r.slopes, slopes, rtol=1e-12)
    np.testing.assert_allclose(r.intercepts, intercepts, rtol=1e-12)
    assert r.lines()[-2:] == ["Price per room: 51.04430678220095",
                              "Base price: 91.59448307644864"]
    assert r.picks.shape == (1000,) and set(r.picks.tolist()) <= set(range(6))


def test_m1_global_random_state_untouched():
    random.seed(123)
    before = random.random()
    random.seed(123)
    book.m1_linear_regression()
    assert random.random() == before


def test_m1_absolute_trick():
    r = book.m1_linear_regression(trick="absolute")
    slopes, intercepts = serrano_linear_regression("absolute")
    np.testing.assert_allclose(r.slopes, slopes, rtol=1e-12)
    np.testing.assert_allclose(r.intercepts, intercepts, rtol=1e-12)
    with pytest.raises(ValueError, match="trick"):
        book.m1_linear_regression(trick="simple")


def test_m2_perceptron_step():
    r = book.m2_perceptron_step()
    assert r.score == 4.0 and r.prediction == 1
    assert r.w_after.tolist() == pytest.approx([0.98, 1.97], rel=1e-15)
    assert r.b_after == pytest.approx(-4.01, rel=1e-15)
    # a correctly classified point does not move the perceptron
    r2 = book.m2_perceptron_step(label=1)
    assert r2.w_after.tolist() == [1.0, 2.0] and r2.b_after == -4.0
    # a positive point scored negative moves the other way
    r3 = book.m2_perceptron_step(b=-10.0, label=1)
    assert r3.w_after.tolist() == pytest.approx([1.02, 2.03], rel=1e-15)
    assert r3.b_after == pytest.approx(-9.99, rel=1e-15)


def test_m3_logistic_trick():
    r = book.m3_logistic_regression()
    np.testing.assert_allclose(r.first_step, r.first_step_trick, rtol=1e-12)
    assert r.accuracy == 1.0
    assert r.params.shape == (200 * 8 + 1, 3)


def test_m4_network_chain_rule():
    r = book.m4_neural_network()
    np.testing.assert_allclose(r.first_step, r.first_step_formulas, rtol=1e-12, atol=1e-15)
    assert r.accuracy == 1.0
    assert r.epoch_loss[-1] < 0.05 * r.epoch_loss[0]


def test_m5_regularization():
    r = book.m5_regularization()
    np.testing.assert_allclose(r.l1_path[1], r.l1_step_formula, rtol=1e-12)
    np.testing.assert_allclose(r.l2_path[1], r.l2_step_formula, rtol=1e-12)
    # L2 shrinks geometrically, L1 by a constant amount each step
    np.testing.assert_allclose(r.l2_path[-1], r.w * (1 - 2 * 0.1 * 0.1) ** 40, rtol=1e-12)
    np.testing.assert_allclose(r.l1_path[10], r.w - 10 * 0.01 * np.sign(r.w), rtol=1e-12)
    assert np.all(np.abs(r.l1_path[-1]) < np.abs(r.w))


def test_m6_random_restarts():
    r = book.m6_random_restarts()
    assert r.stuck.any() and not r.stuck.all()
    assert r.accuracy[np.argmin(r.final_loss)] == 1.0
    assert r.best_seed == int(r.seeds[np.argmin(r.final_loss)])
    # the stuck runs sit near the valley where two points get probability 1/2
    assert np.all(np.abs(r.final_loss[r.stuck] - np.log(2) / 2) < 0.02)
