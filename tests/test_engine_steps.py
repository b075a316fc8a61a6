"""The engine's cheap small steps (issue 10, item 3) give the bits of the
general path: a one-Dense-layer network fused with its loss (engine_epoch_lean_body),
short sums as scalar chains, gradients divided as they are written, the
optimizer's level resolved once per fit and its calls joined over parameters
that lie back to back in memory."""
import numpy as np
import pytest

import nnc
from _helpers import engine_fit


def _data(n, k, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k)).astype(dtype)
    y = (X @ np.arange(1.0, k + 1.0).reshape(k, 1) + 0.5 + 0.1 * rng.normal(size=(n, 1)))
    return X, y.astype(dtype)


def _python_line_fit(X, y, w, b, lr, epochs, bs, reduction):
    """A textbook mini-batch loop in Python floats, every sum in nnc's fixed
    order for a short sum (left to right from -0.0), the mean's gradient
    divided by the batch's row count once at the end."""
    w = [float(v) for v in w]
    losses = []
    n = len(X)
    for _ in range(epochs):
        total = 0.0
        for start in range(0, n, bs):
            rows = range(start, min(start + bs, n))
            ls, gb, gw = -0.0, -0.0, [-0.0] * len(w)
            for r in rows:
                xr = [float(v) for v in X[r]]
                p = xr[0] * w[0]
                for i in range(1, len(w)):
                    p = p + xr[i] * w[i]
                p = p + b
                e = p - float(y[r, 0])
                d = 2.0 * e
                ls = ls + e * e
                gb = gb + d
                gw = [gw[i] + d * xr[i] for i in range(len(w))]
            c = len(rows) if reduction == "mean" else 1
            loss = ls / c if reduction == "mean" else ls
            total += loss * len(rows) if reduction == "mean" else loss
            w = [w[i] - lr * (gw[i] / c) for i in range(len(w))]
            b = b - lr * (gb / c)
        losses.append(total / n if reduction == "mean" else total)
    return w, b, losses


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("n,bs", [(23, 5), (20, 4), (40, 1)])
def test_small_batches_replay_a_python_loop_bit_for_bit(k, reduction, n, bs):
    X, y = _data(n, k, np.float64)
    model = nnc.Sequential([nnc.Dense(k, 1)], seed=1, dtype="float64")
    w0 = model.layers[0].weight.reshape(-1).copy()
    model.layers[0].bias[...] = 0.25
    hist = model.fit(X, y, loss=nnc.losses.MSE(reduction=reduction), optimizer=nnc.SGD(0.01),
                     epochs=3, batch_size=bs)
    w, b, losses = _python_line_fit(X, y, w0, 0.25, 0.01, 3, bs, reduction)
    assert model.layers[0].weight.reshape(-1).tolist() == w
    assert float(model.layers[0].bias[0]) == b
    # the epoch loss recombines the steps' losses in double: the same formula
    assert np.allclose(np.asarray(hist.loss), losses, rtol=1e-12, atol=0)


def _twins(k, dtype, seed=2):
    """The same one-neuron model twice: alone (the fused top layer and
    engine_epoch_lean_body) and followed by Identity (the general path: forward,
    loss, backward through the activation, column sums)."""
    lean = nnc.Sequential([nnc.Dense(k, 1)], seed=seed, dtype=dtype)
    general = nnc.Sequential([nnc.Dense(k, 1), nnc.Identity()], seed=seed, dtype=dtype)
    general.layers[0].weight[...] = lean.layers[0].weight
    general.layers[0].bias[...] = 0.125
    lean.layers[0].bias[...] = 0.125
    return lean, general


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("opt", [lambda: nnc.SGD(0.02), lambda: nnc.Momentum(0.02, 0.9),
                                 lambda: nnc.Adam(0.01), lambda: nnc.RMSProp(0.01)])
@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
@pytest.mark.parametrize("bs,mean", [(1, "divide"), (5, "divide"), (5, "reciprocal"),
                                     (32, "divide"), (33, "reciprocal"), (None, "divide")])
@pytest.mark.parametrize("k", [1, 3])
def test_lean_step_matches_the_general_path(dtype, opt, loss, bs, mean, k):
    # k = 1 on batches over 32 rows: the fused kernel's vector builds (AVX2,
    # AVX-512 where the CPU has them) against the general path's column sums
    X, y = _data(171, k, dtype)
    lean, general = _twins(k, dtype)
    h1 = lean.fit(X, y, loss=loss, optimizer=opt(), epochs=4, batch_size=bs, shuffle=True,
                  record="step", mean=mean)
    h2 = general.fit(X, y, loss=loss, optimizer=opt(), epochs=4, batch_size=bs, shuffle=True,
                     record="step", mean=mean)
    assert lean.layers[0].weight.tobytes() == general.layers[0].weight.tobytes()
    assert lean.layers[0].bias.tobytes() == general.layers[0].bias.tobytes()
    assert np.asarray(h1.loss).tobytes() == np.asarray(h2.loss).tobytes()
    assert np.asarray(h1.step_loss).tobytes() == np.asarray(h2.step_loss).tobytes()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("opt", [lambda: nnc.SGD(0.02), lambda: nnc.Momentum(0.02, 0.9),
                                 lambda: nnc.Adam(0.01)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("k", [1, 3])
def test_lean_update_leaves_what_the_general_path_leaves(dtype, opt, bias, k):
    """The lean loop updates SGD and Momentum inline (optim_short_impl.h):
    the values, the gradients, the optimizer's state and step counter it
    leaves are the general path's, bit for bit, with and without a bias."""
    X, y = _data(53, k, dtype, seed=3)
    lean = nnc.Sequential([nnc.Dense(k, 1, bias=bias)], seed=1, dtype=dtype)
    general = nnc.Sequential([nnc.Dense(k, 1, bias=bias), nnc.Identity()], seed=1, dtype=dtype)
    general.layers[0].weight[...] = lean.layers[0].weight
    o1, o2 = opt(), opt()
    lean.fit(X, y, loss="mse", optimizer=o1, epochs=3, batch_size=5)
    general.fit(X, y, loss="mse", optimizer=o2, epochs=3, batch_size=5)
    assert o1.t == o2.t == 3 * 11
    for (n1, a), (n2, b) in zip(lean.named_parameters(), general.named_parameters()):
        assert n1 == n2 and a.tobytes() == b.tobytes()
    for (n1, a), (n2, b) in zip(lean.named_grads(), general.named_grads()):
        assert n1 == n2 and a.tobytes() == b.tobytes()
    assert sorted(o1.state) == sorted(o2.state)
    for name in o1.state:
        for s in o1.state[name]:
            assert o1.state[name][s].tobytes() == o2.state[name][s].tobytes()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", ["mse", "huber", "log_loss_with_logits"])
@pytest.mark.parametrize("bs", [2, 3, 4, 6, 7, 8, 9, 17])
def test_lean_batches_of_every_short_size_match_the_general_path(dtype, loss, bs):
    """Batches of 1 to 8 rows run the chains with a constant row count
    (straight-line code), longer ones the loop: every size, and the epoch's
    shorter last batch (61 rows), gives the general path's bits."""
    X, y = _data(61, 1, dtype, seed=4)
    if loss == "log_loss_with_logits":
        y = (y > y.mean()).astype(dtype)
    lean, general = _twins(1, dtype)
    h1 = lean.fit(X, y, loss=loss, optimizer=nnc.SGD(0.05), epochs=2, batch_size=bs,
                  record="step")
    h2 = general.fit(X, y, loss=loss, optimizer=nnc.SGD(0.05), epochs=2, batch_size=bs,
                     record="step")
    assert lean.layers[0].weight.tobytes() == general.layers[0].weight.tobytes()
    assert lean.layers[0].bias.tobytes() == general.layers[0].bias.tobytes()
    assert np.asarray(h1.step_loss).tobytes() == np.asarray(h2.step_loss).tobytes()


def test_lean_step_counter_overflow_stops_where_the_general_path_does():
    """The lean loop has no per-step overflow test on the step counter: a fit
    that could overflow it takes the general path (engine_run_init), which
    stops at the step that would; the same error, counter and values."""
    X, y = _data(20, 1, "float64")
    out = []
    for m in _twins(1, "float64"):
        o = nnc.SGD(0.01)
        m.fit(X, y, loss="mse", optimizer=o, epochs=1, batch_size=5)
        o._t[0] = 2 ** 63 - 3
        with pytest.raises(OverflowError):
            m.fit(X, y, loss="mse", optimizer=o, epochs=1, batch_size=5)
        out.append((o.t, m.layers[0].weight.tobytes(), m.layers[0].bias.tobytes()))
    assert out[0] == out[1] and out[0][0] == 2 ** 63 - 1


def test_lean_step_still_stops_on_nonfinite_and_divergence():
    X, y = _data(40, 1, np.float64)
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
    with pytest.raises(nnc.DivergenceError):
        model.fit(X, y * 1e3, loss="mse", optimizer=nnc.SGD(5.0), epochs=50, batch_size=5)
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0, dtype="float64")
    y_bad = y.copy()
    y_bad[7, 0] = np.inf
    with pytest.raises(nnc.DivergenceError):
        model.fit(X, y_bad, loss="mse", optimizer=nnc.SGD(0.01), epochs=1, batch_size=5)


@pytest.mark.parametrize("opt_code,hyper,n_states", [(0, (0.05,), 0), (1, (0.05, 0.9), 1),
                                                     (3, (0.01, 0.9, 0.999, 1e-8), 2),
                                                     (5, (0.01, 0.9, 1e-8), 1)])
def test_parameters_back_to_back_update_as_one_block(opt_code, hyper, n_states):
    """Weight and bias carved from one buffer (data, grad and state alike) are
    updated by one optimizer call: the same bits as separate arrays."""
    X, y = _data(37, 3, np.float64)
    model = nnc.Sequential([nnc.Dense(3, 1)], seed=3, dtype="float64")
    layers, params = model._describe()
    w0 = params[0][0].copy()

    def run(joined):
        if joined:
            data, grad = np.zeros(4), np.zeros(4)
            states = [np.zeros(4) for _ in range(n_states)]
            data[:3] = w0.reshape(-1)
            parts = [(data[:3].reshape(3, 1), grad[:3].reshape(3, 1), [s[:3].reshape(3, 1) for s in states]),
                     (data[3:], grad[3:], [s[3:] for s in states])]
        else:
            parts = [(w0.copy(), np.zeros((3, 1)), [np.zeros((3, 1)) for _ in range(n_states)]),
                     (np.zeros(1), np.zeros(1), [np.zeros(1) for _ in range(n_states)])]
        ps = tuple((d, g, (st + [None, None])[0], (st + [None, None])[1], i == 0)
                   for i, (d, g, st) in enumerate(parts))
        epochs = 3
        engine_fit("float64", layers, ps, X, y, (0, 0, False, 1.0), 0.0, 0.0,
                   (opt_code, hyper, np.zeros(1, np.int64)), epochs, 5, None, None, 0.0,
                   np.zeros(epochs), None, None, None, 0, False, 1, np.zeros(3, np.int64))
        return np.concatenate([parts[0][0].reshape(-1), parts[1][0].reshape(-1)])

    assert run(True).tobytes() == run(False).tobytes()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bs", [5, 40, None])
@pytest.mark.parametrize("bad", ["diverge", "inf"])
def test_lean_step_stops_where_the_general_path_stops(dtype, bs, bad):
    """The lean loop's one range test on the loss (engine_lean_check when it
    fails) stops at the same step, with the same reason, loss and reference,
    as the general path's checks; the first step's loss as the reference
    (one full batch per epoch) included."""
    X, y = _data(60, 2, dtype)
    if bad == "inf":
        y[37, 0] = np.inf
        lr = 0.01
    else:
        y = y * 1e3
        lr = 3.0
    stops = []
    for model in _twins(2, dtype):
        with pytest.raises(nnc.DivergenceError) as info:
            model.fit(X, y, loss="mse", optimizer=nnc.Momentum(lr, 0.5), epochs=40,
                      batch_size=bs, record="step")
        e = info.value
        stops.append((e.epoch, e.step, repr(e.loss), repr(e.reference), e.reason,
                      model.layers[0].weight.tobytes(), model.layers[0].bias.tobytes(),
                      np.asarray(e.history.step_loss).tobytes()))
    assert stops[0] == stops[1]
