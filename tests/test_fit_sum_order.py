"""fit(sum_order=..., mean=...): the engine's summation order and mean scaling,
which let a walkthrough replay a book's own loop bit for bit."""
import numpy as np
import pytest

import nnc


def _data(rows=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 3)), rng.normal(size=(rows, 1))


def _model(seed=1):
    return nnc.Sequential([nnc.Dense(3, 1)], seed=seed, dtype="float64")


def _ordered(terms, order):
    acc = terms[0] + terms[0] if order == "pharo" else terms[0]
    for t in terms[1:]:
        acc = acc + t
    return acc - terms[0] if order == "pharo" else acc


def _python_step(model, X, y, lr, order, mean):
    """One SGD step on MSE, every sum over the rows a scalar loop in ``order``."""
    w = model.layers[0].weight[:, 0].tolist()
    b = float(model.layers[0].bias[0])
    n = X.shape[0]
    d = []
    for r in range(n):
        p = X[r, 0] * w[0]
        for i in range(1, 3):
            p = p + X[r, i] * w[i]
        p = p + b
        d.append(2.0 * (p - y[r, 0]))
    gw = [_ordered([d[r] * X[r, i] for r in range(n)], order) for i in range(3)]
    gb = _ordered(d, order)
    if mean == "reciprocal":
        scale = 1.0 / n
        gw, gb = [g * scale for g in gw], gb * scale
    else:
        gw, gb = [g / n for g in gw], gb / n
    return np.array([wi - lr * g for wi, g in zip(w, gw)] + [b - lr * gb])


@pytest.mark.parametrize("order", ["data", "pharo"])
@pytest.mark.parametrize("mean", ["divide", "reciprocal"])
def test_step_equals_a_scalar_loop_bit_for_bit(order, mean):
    X, y = _data()
    model = _model()
    expected = _python_step(model, X, y, 0.05, order, mean)
    h = model.fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=1, record="params",
                  sum_order=order, mean=mean)
    assert np.array_equal(np.asarray(h.params)[1], expected)


def test_loss_value_follows_the_order():
    X, y = _data(rows=50)
    model = _model()
    p = X @ model.layers[0].weight[:, 0] + model.layers[0].bias[0]
    terms = [(pi - ti) * (pi - ti) for pi, ti in zip(p.tolist(), y[:, 0].tolist())]
    for order in ("data", "pharo"):
        h = _model().fit(X, y, loss=nnc.losses.MSE(reduction="sum"), optimizer=nnc.SGD(1e-3),
                         epochs=1, record="step", sum_order=order)
        np.testing.assert_allclose(h.step_loss[0], _ordered(terms, order), rtol=1e-15)


def test_fixed_is_the_default_and_unchanged():
    X, y = _data(rows=100)
    a = _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=5, record="params")
    b = _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=5, record="params",
                     sum_order="fixed", mean="divide")
    assert np.array_equal(np.asarray(a.params), np.asarray(b.params))
    # over 100 rows the fixed 16-lane order and data order are different sums
    differs = 0
    for seed in range(5):
        X, y = _data(rows=100, seed=seed)
        f = _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=20, record="params")
        d = _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=20, record="params",
                         sum_order="data")
        differs += not np.array_equal(np.asarray(f.params), np.asarray(d.params))
        np.testing.assert_allclose(np.asarray(f.params), np.asarray(d.params), rtol=1e-12)
    assert differs > 0


def test_hidden_layers_and_minibatches_run_in_order():
    X, y = _data(rows=64)
    net = nnc.Sequential([nnc.Dense(3, 5), nnc.Tanh(), nnc.Dense(5, 1)], seed=3,
                         dtype="float64")
    ref = net.copy()
    h1 = net.fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=3, batch_size=16,
                 sum_order="pharo", record="params")
    h2 = ref.fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=3, batch_size=16,
                 record="params")
    np.testing.assert_allclose(np.asarray(h1.params), np.asarray(h2.params), rtol=1e-11)


def test_bad_values():
    X, y = _data()
    with pytest.raises(ValueError, match="sum_order must be one of"):
        _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, sum_order="random")
    with pytest.raises(ValueError, match="sum_order must be one of"):
        _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, sum_order=1)
    with pytest.raises(ValueError, match="mean must be"):
        _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, mean="floor")
