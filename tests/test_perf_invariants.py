"""What the fast paths must not change: values, never timings.

The C core sums in ONE fixed order (csrc/core/reduce_impl.h):
  * n <= 32 terms: left to right from -0.0 (a textbook loop's order);
  * n > 32: 16 partial sums ("lanes"), term k into lane k mod 16 in
    increasing k, then lane[l] += lane[l + w] for w = 8, 4, 2, 1.
`fixed_order_sum` below is that order in Python, with every operation rounded
to the accumulator's dtype, and the tests check the kernels against it bit for
bit.  They also check that the engine's fused last layer gives exactly the
general path's numbers, that a mean loss's gradient is the sum's gradient
divided by n, and that thread counts never change a bit.
"""
import numpy as np
import pytest

import nnc
from nnc import _core
from nnc import functional as F

DTYPES = [np.float64, np.float32]
LANES, SHORT = 16, 32
SIZES = [1, 2, 3, 5, 16, 31, 32, 33, 47, 48, 49, 100, 1001]


def fixed_order_sum(terms, acc):
    """The fixed order of reduce_impl.h; `acc` is the accumulator dtype."""
    terms = [acc(t) for t in terms]
    if not terms:
        return acc(0.0)
    lanes = [acc(-0.0)] * LANES
    if len(terms) <= SHORT:
        for t in terms:
            lanes[0] = acc(lanes[0] + t)
        return lanes[0]
    for k, t in enumerate(terms):
        lanes[k % LANES] = acc(lanes[k % LANES] + t)
    w = LANES // 2
    while w:
        for j in range(w):
            lanes[j] = acc(lanes[j] + lanes[j + w])
        w //= 2
    return lanes[0]


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def data(n, dtype, seed=0, cols=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, cols)).astype(dtype)
    y = (0.7 * x.sum(axis=1, keepdims=True) + 0.3 + 0.1 * rng.normal(size=(n, 1))).astype(dtype)
    return x, y


def test_reference_order_itself():
    # Short sums are left to right; long ones are not.
    t = [1.0, 1e100, -1e100] + [0.0] * 30
    assert fixed_order_sum(t, np.float64) == 0.0            # (1 + 1e100) - 1e100, 33 terms
    assert fixed_order_sum(t[:3], np.float64) == 0.0        # left to right
    assert fixed_order_sum([np.float64(-0.0)], np.float64) == 0.0
    assert np.signbit(fixed_order_sum([np.float64(-0.0)], np.float64))
    assert not np.signbit(fixed_order_sum([], np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0] + SIZES)
def test_dot_is_the_fixed_order(dtype, n):
    rng = np.random.default_rng(n)
    x, y = rng.normal(size=n).astype(dtype), rng.normal(size=n).astype(dtype)
    want = fixed_order_sum([x[i] * y[i] for i in range(n)], dtype)
    assert same_bits(np.asarray(nnc.dot(x, y), dtype), np.asarray(want, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_loss_and_penalty_sums_are_the_fixed_order(dtype, n):
    """Loss values and penalties add per-element terms (computed in the data's
    dtype) in double, in the fixed order, then round once to the dtype."""
    rng = np.random.default_rng(n + 7)
    p, t = rng.normal(size=n).astype(dtype), rng.normal(size=n).astype(dtype)
    r = p - t
    sq = [float(r[i] * r[i]) for i in range(n)]
    ab = [float(abs(r[i])) for i in range(n)]
    s_sq, s_ab = fixed_order_sum(sq, np.float64), fixed_order_sum(ab, np.float64)
    assert same_bits(dtype(F.mse(p, t, reduction="sum")), dtype(s_sq))
    assert same_bits(dtype(F.mse(p, t)), dtype(s_sq / n))
    assert same_bits(dtype(F.mae(p, t, reduction="sum")), dtype(s_ab))
    w = p
    assert same_bits(dtype(F.l1_penalty(w)),
                     dtype(fixed_order_sum([float(abs(v)) for v in w], np.float64)))
    assert same_bits(dtype(F.l2_penalty(w)),
                     dtype(fixed_order_sum([float(v * v) for v in w], np.float64)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 5, 32, 33, 1000])
def test_engine_line_fit_gradient_is_the_fixed_order(dtype, n):
    """Dense(1, 1) + MSE mean (the fused top layer): d_i = 2 (x_i w + b - y_i),
    gw = fixed_sum(d_i x_i) / n, gb = fixed_sum(d_i) / n, all in the dtype."""
    x, y = data(n, dtype, seed=n)
    model = nnc.Sequential([nnc.Dense(1, 1)], dtype=np.dtype(dtype).name)
    model.layers[0].weight[...] = 0.5
    model.layers[0].bias[...] = 3.0
    value = model.compute_gradients(x, y, nnc.losses.MSE())
    w, b = dtype(0.5), dtype(3.0)
    p = x[:, 0] * w + b
    r = p - y[:, 0]
    d = dtype(2) * r
    gw = fixed_order_sum([d[i] * x[i, 0] for i in range(n)], dtype) / dtype(n)
    gb = fixed_order_sum(list(d), dtype) / dtype(n)
    loss = fixed_order_sum([float(r[i] * r[i]) for i in range(n)], np.float64) / n
    grads = dict(model.named_grads())
    assert same_bits(grads["layers.0.weight"].reshape(()), np.asarray(gw, dtype))
    assert same_bits(grads["layers.0.bias"].reshape(()), np.asarray(gb, dtype))
    assert same_bits(dtype(value), dtype(loss))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [7, 30, 32, 100])
def test_mean_gradient_is_the_sum_gradient_divided_once(dtype, n):
    """The engine back-propagates the gradient of the loss SUM and divides
    each parameter gradient by n once (a multiplication by 2^-k when n is a
    power of two, which gives the same bits)."""
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 3)).astype(dtype)
    y = rng.normal(size=(n, 2)).astype(dtype)
    model = nnc.Sequential([nnc.Dense(3, 5), nnc.Tanh(), nnc.Dense(5, 2)], seed=1,
                           dtype=np.dtype(dtype).name)
    model.compute_gradients(x, y, nnc.losses.MSE(reduction="sum"))
    g_sum = {k: v.copy() for k, v in model.named_grads()}
    model.compute_gradients(x, y, nnc.losses.MSE(reduction="mean"))
    for k, g in model.named_grads():
        # rows * cols elements for an elementwise mean
        assert same_bits(g, (g_sum[k] / dtype(n * 2)).astype(dtype)), k


LOSSES = [nnc.losses.MSE(), nnc.losses.MSE("sum", half=True), nnc.losses.MAE(),
          nnc.losses.Huber(0.5), "log_loss_with_logits", "perceptron_loss", "hinge"]


def _targets(loss, y):
    name = loss if isinstance(loss, str) else type(loss).__name__
    if name in ("log_loss_with_logits", "perceptron_loss", "hinge"):
        return (y > np.median(y)).astype(y.dtype)
    return y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l if isinstance(l, str) else repr(l))
@pytest.mark.parametrize("hidden,bias", [(False, True), (False, False), (True, True)])
def test_fused_top_layer_equals_the_general_path(dtype, loss, hidden, bias):
    """A last Dense(k, 1) under an elementwise loss runs forward, loss and its
    gradients in one fused pass; an Identity after it forces the general
    path (separate passes).  Both must give the same bits, step for step."""
    n, k = 77, 3
    x, y = data(n, dtype, seed=3, cols=k)
    x[::9] = 0.0  # zero inputs: -0.0 products, which a missing bias must keep
    y = _targets(loss, y)

    def make(extra):
        layers = ([nnc.Dense(k, 4), nnc.Tanh(), nnc.Dense(4, 1, bias=bias)] if hidden
                  else [nnc.Dense(k, 1, bias=bias)])
        m = nnc.Sequential(layers + ([nnc.Identity()] if extra else []), seed=5,
                           dtype=np.dtype(dtype).name)
        return m

    runs = []
    for extra in (False, True):
        m = make(extra)
        h1 = m.fit(x, y, loss=loss, optimizer=nnc.SGD(0.01), epochs=4, record="params")
        h2 = m.fit(x, y, loss=loss, optimizer=nnc.Momentum(0.01, 0.9), epochs=2, batch_size=40,
                   record="params")
        value = m.compute_gradients(x, y, loss)
        runs.append((h1.params, h1.step_loss, h2.params, h2.step_loss, value,
                     [g.copy() for _, g in m.named_grads()]))
    fused, general = runs
    for a, b in zip(fused[:4], general[:4]):
        assert same_bits(a, b)
    assert fused[4] == general[4] or (np.isnan(fused[4]) and np.isnan(general[4]))
    for a, b in zip(fused[5], general[5]):
        assert same_bits(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_top_layer_predictions(dtype):
    """Evaluation with gradients and predictions at once (the fused path
    writes the outputs too) gives predict()'s bits."""
    x, y = data(50, dtype, seed=4, cols=2)
    model = nnc.Sequential([nnc.Dense(2, 1)], seed=0, dtype=np.dtype(dtype).name)
    layers, params = model._describe()
    loss = nnc.losses.MSE()
    value, pred = _core.engine_eval(model.dtype.name, layers, params, x, y, loss._params(),
                                    0.0, 0.0, True, True, 1)
    assert same_bits(pred, model.predict(x))
    assert value == model.evaluate(x, y, loss)


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_sample_steps_equal_a_scalar_loop(dtype):
    """Online SGD on a line: each step's sums have one term, so the engine
    must reproduce the scalar loop p = x w + b; d = 2 (p - y); w -= lr d x;
    b -= lr d exactly (no division: the mean of one element)."""
    x, y = data(10, dtype, seed=6)
    lr = dtype(0.05)
    model = nnc.Sequential([nnc.Dense(1, 1)], dtype=np.dtype(dtype).name)
    model.layers[0].weight[...] = 0.25
    model.layers[0].bias[...] = -1.0
    model.fit(x, y, loss=nnc.losses.MSE(), optimizer=nnc.SGD(float(lr)), epochs=5, batch_size=1)
    w, b = dtype(0.25), dtype(-1.0)
    for _ in range(5):
        for i in range(10):
            d = dtype(2) * (x[i, 0] * w + b - y[i, 0])
            w, b = w - lr * (d * x[i, 0]), b - lr * d
    assert same_bits(model.layers[0].weight.reshape(()), np.asarray(w, dtype))
    assert same_bits(model.layers[0].bias.reshape(()), np.asarray(b, dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_thread_count_and_reruns_never_change_a_bit(dtype):
    """A model big enough for the products to use several threads."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(600, 64)).astype(dtype)
    labels = rng.integers(0, 10, size=600)
    results = []
    for threads in (1, 2, 3, 1):
        m = nnc.Sequential([nnc.Dense(64, 128), nnc.ReLU(), nnc.Dense(128, 10)], seed=2,
                           dtype=np.dtype(dtype).name)
        h = m.fit(x, labels, loss="cross_entropy", optimizer=nnc.Adam(1e-3), epochs=3,
                  threads=threads, record="step")
        results.append((m.get_flat_params(), h.step_loss))
    for params, losses in results[1:]:
        assert same_bits(params, results[0][0])
        assert same_bits(losses, results[0][1])
