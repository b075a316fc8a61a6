"""Agile AI in Pharo ch. 4 against Bergel's scripts, replayed in plain Python.

The replays follow his Pharo code operation by operation (sums left to right,
the factor 2/n applied to the sum); nnc's engine reduces in its own fixed
order, so the trajectories agree to 1e-12 relative, not bit for bit.
"""
import numpy as np
import pytest

import nnc
from nnc import book, datasets


def bergel_gd(points, a, b, lr, iterations):
    """Bergel's gradient-descent script; returns a, b after each update and the
    MSE he records after each update."""
    n = len(points)
    As, Bs, mses = [a], [b], []
    for _ in range(iterations):
        f = lambda x: x * a + b  # noqa: E731
        da = (2 / n) * sum([x * -(y - f(x)) for x, y in points])
        db = (2 / n) * sum([1 * -(y - f(x)) for x, y in points])
        a = a - lr * da
        b = b - lr * db
        mses.append(sum([(y - (x * a + b)) ** 2 for x, y in points]) / n)
        As.append(a)
        Bs.append(b)
    return As, Bs, mses


def bergel_minibatch(points, a, b, lr, epochs, batch_size):
    n = len(points)
    batches = [points[i:i + batch_size] for i in range(0, n, batch_size)]
    As, Bs, result = [a], [b], []
    for _ in range(epochs):
        accumulated = 0.0
        for batch in batches:
            f = lambda x: x * a + b  # noqa: E731
            da = (2 / len(batch)) * sum([x * -(y - f(x)) for x, y in batch])
            db = (2 / len(batch)) * sum([1 * -(y - f(x)) for x, y in batch])
            a = a - lr * da
            b = b - lr * db
            accumulated += sum([(y - (x * a + b)) ** 2 for x, y in batch]) / n
            As.append(a)
            Bs.append(b)
        result.append(accumulated)
    return As, Bs, result


def close(actual, expected, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=1e-14)


def test_a1_cost():
    r = book.a1_cost()
    assert r.cost[0] == pytest.approx(1.75, rel=1e-15)
    assert r.cost[1] == pytest.approx(0.6749999999999998, rel=1e-12)
    assert f"{r.cost[1]:.2f}" == "0.67"
    assert r.lines()[0] == "J(0.5, 3.0) = 1.75"


def test_a2_against_bergel():
    r = book.a2_gradient_descent()
    x, y = datasets.bergel_points()
    As, Bs, mses = bergel_gd(list(zip(x.tolist(), y.tolist())), 0.5, 3, 0.01, 1000)
    close(r.a, As)
    close(r.b, Bs)
    close(r.mse, mses)
    assert r.mse[0] == pytest.approx(1.4127335, rel=1e-12)
    assert (f"{int(r.a[-1] * 100) / 100}", f"{int(r.b[-1] * 100) / 100}") == ("1.42", "1.39")
    assert r.batch_size is None and r.learning_rate == 0.01
    assert r.a.shape == r.b.shape == (1001,) and r.mse.shape == (1000,)


def test_a3_aligned_points_cost_to_zero():
    r = book.a3_aligned_points()
    x, y = datasets.aligned_points()
    As, Bs, mses = bergel_gd(list(zip(x.tolist(), y.tolist())), 0.5, 3, 0.01, 3000)
    close(r.mse, mses, rtol=1e-10)
    assert np.all(np.diff(r.mse) < 0)
    assert r.mse[-1] < 1e-3 * r.mse[0]
    assert r.a[-1] == pytest.approx(1.5, abs=0.01) and r.b[-1] == pytest.approx(0.5, abs=0.02)


def test_a4_noisy_line_against_bergel():
    r = book.a4_noisy_line()
    assert r.first_draws.tolist() == [0.00032870750889587566, 0.5245871020129822,
                                      0.7354235321913956]
    assert (r.x[0], r.y[0], r.x[-1], r.y[-1]) == (0.01, -0.18986851699644167, 1.0,
                                                  0.97862954166654)
    As, Bs, mses = bergel_gd(list(zip(r.x.tolist(), r.y.tolist())), 0.5, 3, 0.01, 3000)
    close(r.a, As, rtol=1e-11)
    close(r.b, Bs, rtol=1e-10)
    close(r.mse, mses, rtol=1e-11)
    assert "Random seed: 42" in str(r)


def test_a5_minibatch_against_bergel():
    r = book.a5_minibatch_sgd()
    As, Bs, acc = bergel_minibatch(list(zip(r.x.tolist(), r.y.tolist())), 0.5, 3, 0.01,
                                   1000, 5)
    assert r.a.shape == (20001,)  # 20 batches per epoch, 1000 epochs, plus the start
    close(r.a, As, rtol=1e-11)
    close(r.b, Bs, rtol=1e-10)
    close(r.mse, acc, rtol=1e-11)
    assert r.batch_size == 5
    assert str(r).splitlines()[1].startswith("epoch 1: a = ")


def test_a6_timing_small():
    r = book.a6_timing(n=300, gd_iterations=30, sgd_epochs=10)
    assert r.gd_seconds > 0 and r.sgd_seconds > 0
    assert (r.book_gd_seconds, r.book_sgd_seconds) == (27.479, 18.847)
    assert r.gd_loss.shape == (30,) and r.sgd_loss.shape == (10,)
    x, y = datasets.noisy_line(300)
    As, Bs, _ = bergel_gd(list(zip(x.tolist(), y.tolist())), 0.5, 3, 0.01, 30)
    assert r.gd_line == pytest.approx((As[-1], Bs[-1]), rel=1e-12)
    As, Bs, _ = bergel_minibatch(list(zip(x.tolist(), y.tolist())), 0.5, 3, 0.01, 10, 5)
    assert r.sgd_line == pytest.approx((As[-1], Bs[-1]), rel=1e-11)
    assert "Pharo: 27.479 s" in str(r)


def test_a7_sigmoid_derivative():
    r = book.a7_sigmoid_derivative()
    assert r.max_backward_vs_closed <= 1e-15
    assert r.max_closed_vs_numeric <= 1e-9
    assert r.closed_form.max() == 0.25
    np.testing.assert_allclose(r.sigma, 1 / (1 + np.exp(-r.x)), rtol=1e-15)


# ---------------------------------------------------------------- issue 12

def test_a3_takes_points():
    r = book.a3_aligned_points(points=([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]))
    assert r.x.tolist() == [1.0, 2.0, 3.0] and r.mse[-1] < 1e-5


def test_a5_drops_the_partial_batch_as_bergels_loop_does():
    """Finding 2: Bergel's loop closes a batch only at multiples of the batch
    size, so batch_size 7 on 100 points is 14 updates per epoch, not 15."""
    kept = book.a5_minibatch_sgd(batch_size=7, epochs=50, drop_last=False)
    dropped = book.a5_minibatch_sgd(batch_size=7, epochs=50)
    assert kept.a.shape[0] - 1 == 50 * 15 and dropped.a.shape[0] - 1 == 50 * 14
    # the same as fitting the first 98 points only, bit for bit
    x, y = nnc.datasets.noisy_line(100, 42)
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
    model.layers[0].weight[...] = 0.5
    model.layers[0].bias[...] = 3.0
    h = model.fit(x[:98, None], y[:98, None], loss=nnc.losses.MSE(), optimizer=nnc.SGD(0.01),
                  epochs=50, batch_size=7, record="params", sum_order="pharo",
                  mean="reciprocal")
    assert np.array_equal(np.asarray(h.params)[:, 0], dropped.a)
    assert dropped.a[-1] != kept.a[-1]
    # with a batch size dividing n, nothing is dropped and nothing changes
    assert np.array_equal(book.a5_minibatch_sgd(epochs=20).a,
                          book.a5_minibatch_sgd(epochs=20, drop_last=False).a)


def test_fit_drop_last_checks():
    X = np.arange(10.0)[:, None]
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
    with pytest.raises(TypeError, match="drop_last"):
        model.fit(X, X, loss="mse", optimizer=nnc.SGD(0.01), epochs=1, batch_size=3,
                  drop_last="yes")
    # shuffle, then drop the trailing partial batch: 3 steps of 3 rows per epoch
    h = model.fit(X, X, loss="mse", optimizer=nnc.SGD(0.01), epochs=2, batch_size=3,
                  shuffle=True, drop_last=True, record="step")
    assert np.asarray(h.step_loss).shape == (6,)
    h = model.fit(X, X, loss="mse", optimizer=nnc.SGD(0.01), epochs=2, batch_size=3,
                  drop_last=True, record="step")
    assert np.asarray(h.step_loss).shape == (6,)
    # shuffle with a batch size that divides n: nothing to drop, so it runs
    model.fit(X, X, loss="mse", optimizer=nnc.SGD(0.01), epochs=1, batch_size=5,
              shuffle=True, drop_last=True)


def test_a5_shuffle():
    a = book.a5_minibatch_sgd(epochs=30, shuffle=True)
    b = book.a5_minibatch_sgd(epochs=30, shuffle=True)
    c = book.a5_minibatch_sgd(epochs=30, shuffle=True, shuffle_seed=1)
    plain = book.a5_minibatch_sgd(epochs=30)
    assert np.array_equal(a.a, b.a) and not np.array_equal(a.a, c.a)
    assert not np.array_equal(a.a, plain.a)
    assert a.mse.shape == (30,) and a.mse[-1] < a.mse[0]
    # shuffled batches of 7: Bergel's loop drops each permutation's last 2 points
    s7 = book.a5_minibatch_sgd(batch_size=7, epochs=10, shuffle=True)
    assert s7.a.size == 10 * 14 + 1 and s7.mse.shape == (10,)
    k7 = book.a5_minibatch_sgd(batch_size=7, epochs=10, shuffle=True, drop_last=False)
    assert k7.a.size == 10 * 15 + 1
    with pytest.raises(TypeError, match="shuffle"):
        book.a5_minibatch_sgd(shuffle=1)


def test_a6_reports_work_and_time():
    """Finding 3: work (points visited) ranks SGD first, as in Pharo; the fit is as good."""
    r = book.a6_timing(n=3000, gd_iterations=300, sgd_epochs=100)
    assert r.gd_points == 300 * 3000 and r.sgd_points == 100 * 3000
    assert r.gd_updates == 300 and r.sgd_updates == 100 * 600
    assert r.sgd_cost <= r.gd_cost and r.best_cost <= r.sgd_cost
    text = str(r)
    assert "work: GD visits 900,000 points in 300 updates" in text
    assert "time per point visited" in text


def test_pharo_sum_order():
    """Pharo's Collection>>sum is ((t1 + t1) + t2 + ... + tn) - t1, in data order."""
    t = [0.1, 0.2, 0.3, 1e16, -1e16]
    ref = t[0] + t[0]
    for v in t[1:]:
        ref = ref + v
    assert book.agile.pharo_sum(t) == ref - t[0]
    assert book.agile.pharo_sum([[1.0, 2.0], [3.0, 4.0]]).tolist() == [3.0, 7.0]


def test_a2_replays_bergels_script_bit_for_bit():
    """Finding 2: A2's a, b and recorded costs equal Bergel's script (Pharo's sum,
    2/n an exact Fraction) in every bit, including the cost after update 2 that
    Pharo prints as 1.1777226041500002."""
    r = book.a2_gradient_descent()
    a, b, cost = book.agile.bergel_loop(r.x, r.y)
    assert np.array_equal(a, r.a) and np.array_equal(b, r.b) and np.array_equal(cost, r.mse)
    assert repr(float(r.mse[1])) == "1.1777226041500002"


@pytest.mark.parametrize("walk,batch", [("a4_noisy_line", None), ("a5_minibatch_sgd", 5),
                                        ("a5_minibatch_sgd", 7)])
def test_a4_a5_replay_bergels_script_bit_for_bit(walk, batch):
    """Finding 2: with Pharo's sum order and 2/n as a float (fit(sum_order="pharo",
    mean="reciprocal")), and the trailing partial batch dropped, every a, b and
    recorded cost equals Bergel's script over the whole run."""
    kw = {} if batch is None else {"batch_size": batch}
    r = getattr(book, walk)(**({"iterations": 300} if batch is None else {"epochs": 100}), **kw)
    a, b, cost = book.agile.bergel_loop(r.x, r.y, iterations=r.mse.shape[0], batch_size=batch)
    assert np.array_equal(a, r.a) and np.array_equal(b, r.b) and np.array_equal(cost, r.mse)
    fast = getattr(book, walk)(**({"iterations": 300} if batch is None else {"epochs": 100}),
                               arithmetic="fast", **kw)
    np.testing.assert_allclose(fast.a, r.a, rtol=1e-10)
    with pytest.raises(ValueError, match="arithmetic"):
        getattr(book, walk)(arithmetic="pharo")
