"""fit(sum_order=..., mean=...): the engine's summation order and mean scaling,
which let a walkthrough replay a book's own loop bit for bit."""
import math

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


def test_sum_order_refused_where_it_is_not_applied():
    """Replay orders with a row-wise loss value or a PReLU alpha gradient: refused, named."""
    X, y = _data()
    labels = (y[:, 0] > 0).astype(np.int64)
    net = nnc.Sequential([nnc.Dense(3, 2)], seed=0, dtype="float64")
    for order in ("data", "pharo"):
        with pytest.raises(ValueError, match="row-wise loss 'cross_entropy'"):
            net.fit(X, labels, loss="cross_entropy", optimizer=nnc.SGD(0.1), epochs=1,
                    sum_order=order)
        prelu = nnc.Sequential([nnc.Dense(3, 4), nnc.PReLU(), nnc.Dense(4, 1)], seed=0,
                               dtype="float64")
        with pytest.raises(ValueError, match="PReLU's alpha gradient .layer 1."):
            prelu.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, sum_order=order)
    # the fixed order still runs both
    net.fit(X, labels, loss="cross_entropy", optimizer=nnc.SGD(0.1), epochs=1)
    prelu.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1)


def _mse_batch_step(w, b, rows, lr):
    """One SGD step of MSE (mean) on a Dense(1, 1), sums in data order, in Python."""
    d = [2.0 * ((x * w + b) - t) for x, t in rows]
    gw, gb = d[0] * rows[0][0], d[0]
    for (x, _), di in zip(rows[1:], d[1:]):
        gw, gb = gw + di * x, gb + di
    return w - lr * (gw / len(rows)), b - lr * (gb / len(rows))


@pytest.mark.parametrize("n, bs", [(10, 3), (23, 5), (7, 7), (12, 4)])
def test_drop_last_with_shuffle_equals_a_python_loop(n, bs):
    """drop_last=True with shuffle=True: each epoch permutes all n rows (the model
    generator), then drops the trailing partial batch -- every step bit for bit."""
    rng = np.random.default_rng(n)
    X, y = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=5, dtype="float64")
    gen = nnc.Generator(0)
    gen.state = model.generator.state
    w, b = float(model.layers[0].weight[0, 0]), float(model.layers[0].bias[0])
    expected = [(w, b)]
    epochs, keep = 4, n - n % bs
    for _ in range(epochs):
        perm = gen.permutation(n)[:keep].tolist()
        for s in range(0, keep, bs):
            w, b = _mse_batch_step(w, b, [(X[i, 0], y[i, 0]) for i in perm[s:s + bs]], 0.05)
            expected.append((w, b))
    h = model.fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=epochs, batch_size=bs,
                  shuffle=True, drop_last=True, sum_order="data", record="params")
    assert np.asarray(h.params).shape == (epochs * (keep // bs) + 1, 2)
    assert np.array_equal(np.asarray(h.params), np.array(expected))
    assert model.generator.state == gen.state


def _libm_neuron_loop(x, y, w, b, eta, epochs):
    """padhAI's loop with math.exp (the C library's exp): every epoch's (w, b, loss)."""
    out = []
    for _ in range(epochs):
        dw = db = err = 0.0
        for xi, yi in zip(x, y):
            fx = 1.0 / (1.0 + math.exp(-(w * xi + b)))
            err += 0.5 * (fx - yi) ** 2
            dw += (fx - yi) * fx * (1 - fx) * xi
            db += (fx - yi) * fx * (1 - fx)
        out.append((w, b, err))
        w, b = w - eta * dw, b - eta * db
    out.append((w, b, None))
    return out


def test_transcendentals_libm_replays_a_math_exp_loop_bit_for_bit():
    x, y = [0.5, 2.5, -1.25, 3.0], [0.2, 0.9, 0.4, 0.7]
    ref = _libm_neuron_loop(x, y, 0.3, -2.0, 1.0, 300)
    model = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], seed=0, dtype="float64")
    model.layers[0].weight[...] = 0.3
    model.layers[0].bias[...] = -2.0
    h = model.fit(np.array(x)[:, None], np.array(y)[:, None],
                  loss=nnc.losses.MSE(reduction="sum", half=True), optimizer=nnc.SGD(1.0),
                  epochs=300, record="params", sum_order="data", transcendentals="libm")
    assert np.array_equal(np.asarray(h.params), np.array([r[:2] for r in ref]))
    assert np.array_equal(np.asarray(h.step_loss), np.array([r[2] for r in ref[:-1]]))
    # nnc's own exp takes another path, within a few ulps
    other = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], seed=0, dtype="float64")
    other.layers[0].weight[...] = 0.3
    other.layers[0].bias[...] = -2.0
    g = other.fit(np.array(x)[:, None], np.array(y)[:, None],
                  loss=nnc.losses.MSE(reduction="sum", half=True), optimizer=nnc.SGD(1.0),
                  epochs=300, record="params", sum_order="data")
    np.testing.assert_allclose(np.asarray(g.params), np.asarray(h.params), rtol=1e-12)


def test_transcendentals_libm_tanh_and_hidden_layers_match_math():
    """A tanh hidden layer: forward and backward in the libm forms, checked by a
    Python transcription of the whole step (one row, so no sum order question)."""
    X, y = np.array([[0.7, -1.3]]), np.array([[0.25]])
    net = nnc.Sequential([nnc.Dense(2, 2), nnc.Tanh(), nnc.Dense(2, 1), nnc.Sigmoid()],
                         seed=4, dtype="float64")
    W1, b1 = net.layers[0].weight.tolist(), net.layers[0].bias.tolist()
    W2, b2 = net.layers[2].weight.tolist(), net.layers[2].bias.tolist()
    h = [math.tanh((X[0, 0] * W1[0][j] + X[0, 1] * W1[1][j]) + b1[j]) for j in range(2)]
    s = 1.0 / (1.0 + math.exp(-((h[0] * W2[0][0] + h[1] * W2[1][0]) + b2[0])))
    d = (s - y[0, 0]) * s * (1.0 - s)
    expected_w2 = [W2[j][0] - 0.5 * (d * h[j]) for j in range(2)]
    dh = [d * W2[j][0] * (1.0 - h[j] * h[j]) for j in range(2)]
    expected_w1 = [[W1[i][j] - 0.5 * (dh[j] * X[0, i]) for j in range(2)] for i in range(2)]
    net.fit(X, y, loss=nnc.losses.MSE(reduction="sum", half=True), optimizer=nnc.SGD(0.5),
            epochs=1, transcendentals="libm")
    assert net.layers[2].weight[:, 0].tolist() == expected_w2
    assert net.layers[0].weight.tolist() == expected_w1


def test_transcendentals_bad_values_and_refusals():
    X, y = _data()
    with pytest.raises(ValueError, match="transcendentals must be 'nnc' or 'libm'"):
        _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, transcendentals="c")
    with pytest.raises(ValueError, match="transcendentals must be"):
        _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, transcendentals=1)
    elu = nnc.Sequential([nnc.Dense(3, 2), nnc.ELU(), nnc.Dense(2, 1)], seed=0,
                         dtype="float64")
    with pytest.raises(ValueError, match="layer 1 is ELU"):
        elu.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, transcendentals="libm")
    with pytest.raises(ValueError, match="LogLossWithLogits"):
        _model().fit(X, (y > 0).astype(float), loss="log_loss_with_logits",
                     optimizer=nnc.SGD(0.1), epochs=1, transcendentals="libm")
    # no activation at all: libm changes nothing
    a = _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=3, record="params")
    b = _model().fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=3, record="params",
                     transcendentals="libm")
    assert np.array_equal(np.asarray(a.params), np.asarray(b.params))


def test_engine_refuses_libm_for_what_it_does_not_cover(monkeypatch):
    """The engine's own check (behind the Python one): a SELU layer or a log loss
    with transcendentals=libm is an invalid request naming the field."""
    import nnc.model as model_mod
    monkeypatch.setattr(model_mod, "_LIBM_REFUSED_ACTS", ())
    monkeypatch.setattr(model_mod, "_LIBM_REFUSED_LOSSES", ())
    X, y = _data()
    net = nnc.Sequential([nnc.Dense(3, 2), nnc.SELU(), nnc.Dense(2, 1)], seed=0,
                         dtype="float64")
    before = [p.copy() for _, p in net.named_parameters()]
    with pytest.raises(ValueError, match="transcendentals"):
        net.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, transcendentals="libm")
    assert all(np.array_equal(a, p) for a, (_, p) in zip(before, net.named_parameters()))
    with pytest.raises(ValueError, match="transcendentals"):
        _model().fit(X, (y > 0).astype(float), loss="log_loss_with_logits",
                     optimizer=nnc.SGD(0.1), epochs=1, transcendentals="libm")


def test_transcendentals_libm_in_float32_stays_close_to_nnc():
    X, y = _data(rows=64)
    runs = []
    for mode in ("nnc", "libm"):
        net = nnc.Sequential([nnc.Dense(3, 8), nnc.Tanh(), nnc.Dense(8, 1), nnc.Sigmoid()],
                             seed=2, dtype="float32")
        h = net.fit(X, (y > 0).astype(float), loss="mse", optimizer=nnc.SGD(0.5), epochs=30,
                    transcendentals=mode, record="params")
        runs.append(np.asarray(h.params, dtype=np.float64))
    assert runs[0].dtype == runs[1].dtype and np.all(np.isfinite(runs[1]))
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-4, atol=1e-5)


def test_replay_options_bench_runs():
    """bench/replay_options.py --quick: a smoke run (no timing is checked)."""
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "bench" / "replay_options.py"
    # conftest.py puts this nnc on the subprocess's PYTHONPATH
    out = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 4 and all("ratio" in line for line in lines)
    assert "transcendentals: nnc" in lines[0] and "sum_order: fixed" in lines[3]


@pytest.mark.parametrize("shuffle, order", [(False, None), (True, None), (False, [2, 0, 1])])
def test_drop_last_with_a_batch_larger_than_the_epoch_raises(shuffle, order):
    """drop_last=True drops every partial batch, so a batch_size larger than the
    epoch (n rows, or order's length) would train on nothing: a clear error,
    the model untouched.  batch_size equal to the epoch is one full batch."""
    X, y = np.arange(3.0).reshape(3, 1), np.arange(3.0).reshape(3, 1)
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
    before = model.get_flat_params()
    kw = dict(loss="mse", optimizer=nnc.SGD(0.1), epochs=2, drop_last=True,
              shuffle=shuffle, order=order)
    with pytest.raises(ValueError, match=r"drop_last=True with batch_size=4 larger than the 3"):
        model.fit(X, y, batch_size=4, **kw)
    assert np.array_equal(model.get_flat_params(), before)
    h = model.fit(X, y, batch_size=3, record="params", **kw)
    assert np.asarray(h.params).shape == (3, 2)
