"""Grokking ML appendix B: the tricks as gradient steps."""
import random

import numpy as np
import pytest

import nnc
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


def test_m3_logistic_trick_replays_the_books_code():
    """Finding 2: the book's data (rows 7, 8 = [3, 2], [2, 3]; label 1 happy),
    random.seed(0) picks, lr 0.01 and 1000 steps from weights 1, 1, bias 0."""
    import random
    r = book.m3_logistic_regression()
    np.testing.assert_allclose(r.first_step, r.first_step_trick, rtol=1e-12)
    assert r.X[6].tolist() == [3.0, 2.0] and r.X[7].tolist() == [2.0, 3.0]
    assert r.y[:, 0].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    rng = random.Random(0)
    assert r.picks.tolist() == [rng.randint(0, 7) for _ in range(1000)]
    assert r.params.shape == (1001, 3) and r.params[0].tolist() == [1.0, 1.0, 0.0]
    # the whole run against the book's loop in plain Python (exp differs in the last bit)
    np.testing.assert_allclose(r.params, r.book_loop, rtol=1e-12, atol=1e-15)
    assert "P(happy)" in str(r)


def test_m3_parameters():
    r = book.m3_logistic_regression(schedule="epochs", epochs=200, learning_rate=0.1)
    assert r.params.shape == (200 * 8 + 1, 3) and r.accuracy == 1.0
    r = book.m3_logistic_regression(start=(0.0, 0.0, 0.0), steps=5)
    assert r.params[0].tolist() == [0.0, 0.0, 0.0] and r.params.shape == (6, 3)
    r = book.m3_logistic_regression(data=([[0, 0], [1, 1]], [0, 1]), steps=50, learning_rate=1)
    assert r.accuracy == 1.0
    with pytest.raises(ValueError, match="schedule"):
        book.m3_logistic_regression(schedule="book")
    with pytest.raises(ValueError, match="data"):
        book.m3_logistic_regression(data=([[0, 0, 0]], [1]))


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


def test_m6_random_restarts_on_valleys():
    """Finding 1: the appendix's 1-D function with several valleys, three restarts."""
    r = book.m6_random_restarts()
    assert r.stuck.tolist() == [True, True, False]
    assert abs(r.final_x[r.best] - (-0.748)) < 1e-3
    assert abs(r.final_value[r.best] - r.lowest_value) < 1e-6
    # gradient descent really stopped: the derivative vanishes at every end point
    assert np.all(np.abs(book.grokking_ml.valleys_derivative(r.final_x)) < 1e-9)


def test_m6_user_function():
    """Finding 8: a user-supplied function, with or without its derivative."""
    f = lambda x: (x - 1) ** 2 * (x + 2) ** 2 + 0.5 * x  # noqa: E731
    r = book.m6_random_restarts(function=f, interval=(-3, 3), learning_rate=0.01,
                                starts=[-2.5, 2.5])
    assert r.stuck.tolist() == [False, True]
    r2 = book.m6_random_restarts(function=f, derivative=lambda x: 2 * (x - 1) * (x + 2) ** 2
                                 + 2 * (x - 1) ** 2 * (x + 2) + 0.5, interval=(-3, 3),
                                 learning_rate=0.01, starts=[-2.5, 2.5])
    np.testing.assert_allclose(r.final_x, r2.final_x, atol=1e-6)
    with pytest.raises(TypeError, match="callables"):
        book.m6_random_restarts(function=3)
    with pytest.raises(ValueError, match="interval"):
        book.m6_random_restarts(interval=(1, 0))


def test_m1_follows_the_books_code():
    """Finding 2: the repository's square and absolute tricks, run in Python with
    the same random.seed(0) draws, stay within a few ulps of nnc's run."""
    for trick in ("square", "absolute"):
        r = book.m1_linear_regression(trick=trick)
        s, i = book.grokking_ml.serrano_linear_loop(trick)
        np.testing.assert_allclose(r.slopes, s, rtol=1e-14)
        np.testing.assert_allclose(r.intercepts, i, rtol=1e-14)


def test_xor_restarts_beyond_the_appendix():
    r = book.grokking_ml.xor_restarts()
    assert r.stuck.any() and not r.stuck.all()
    assert r.accuracy[np.argmin(r.final_loss)] == 1.0
    assert r.best_seed == int(r.seeds[np.argmin(r.final_loss)])
    # the stuck runs sit near the valley where two points get probability 1/2
    assert np.all(np.abs(r.final_loss[r.stuck] - np.log(2) / 2) < 0.02)
    with pytest.raises(ValueError, match="restarts"):
        book.grokking_ml.xor_restarts(restarts=0)


def test_aack_beep_is_the_books_data_and_labels():
    """Item 6 (issue 12, M3): one data set, the book's row order, label 1 = happy."""
    from nnc import datasets
    from nnc.book import grokking_ml
    X, y = datasets.serrano_aack_beep()
    assert X.tolist() == [list(r) for r in grokking_ml.SERRANO_CH6_FEATURES]
    assert y[:, 0].tolist() == list(grokking_ml.SERRANO_CH6_LABELS)
    assert X[6].tolist() == [3.0, 2.0] and X[7].tolist() == [2.0, 3.0]
    doc = datasets.serrano_aack_beep.__doc__ + datasets.__doc__
    assert "1 (happy)" in doc and "0 (sad)" in doc and "1 (sad)" not in doc
    r = book.m3_logistic_regression()
    assert np.array_equal(r.X, X) and np.array_equal(r.y, y)
    assert "P(happy)" in str(r)


def test_m6_steps_through_nncs_optimizer():
    """M6's restarts are one nnc parameter stepped by nnc's optimizer: with SGD
    each step is x - lr f'(x) exactly (a NumPy loop, bit for bit)."""
    from nnc.book.grokking_ml import valleys_derivative
    r = book.m6_random_restarts(restarts=4, steps=200, seed=3)
    x, path = r.starts.copy(), [r.starts.copy()]
    for _ in range(200):
        x = x - 0.05 * valleys_derivative(x)
        path.append(x)
    assert np.array_equal(r.paths, np.array(path).T)
    assert type(r.optimizer).__name__ == "SGD"
    # another optimizer: momentum rolls further, and the run is still nnc's
    m = book.m6_random_restarts(restarts=4, steps=200, seed=3,
                                optimizer=nnc.Momentum(0.05, 0.9))
    assert np.array_equal(m.starts, r.starts) and not np.array_equal(m.paths, r.paths)
    with pytest.raises(TypeError, match="gradient optimizer"):
        book.m6_random_restarts(optimizer="sgd")
