"""Optimizer trajectories against hand-computed values, state ownership, the
step-by-step API, and hot/cold learning on Grokking DL's setup."""
import math

import numpy as np
import pytest

import nnc
from nnc.losses import MSE


def quadratic(theta0=1.0):
    """L(theta) = theta^2 / 2 (gradient theta): a 1x1 Dense without bias, X = [[1]],
    y = [[0]], summed half squared error."""
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False)])
    model.layers[0].weight[...] = theta0
    return model, [[1.0]], [[0.0]], MSE(reduction="sum", half=True)


def run(opt, steps, theta0=1.0):
    model, X, y, loss = quadratic(theta0)
    hist = model.fit(X, y, loss=loss, optimizer=opt, epochs=steps, record="params")
    return hist.params[:, 0], hist.step_loss, model


def test_sgd_hand_computed():
    thetas, losses, _ = run(nnc.SGD(0.25), 3)
    # theta <- theta - 0.25 theta = 0.75 theta
    assert thetas.tolist() == [1.0, 0.75, 0.5625, 0.421875]
    assert losses.tolist() == [0.5, 0.28125, 0.158203125]


def test_momentum_hand_computed():
    thetas, losses, _ = run(nnc.Momentum(lr=0.1, mu=0.9), 3)
    # v1 = -0.1, theta1 = 0.9; v2 = -0.09 - 0.09 = -0.18, theta2 = 0.72;
    # v3 = -0.162 - 0.072 = -0.234, theta3 = 0.486
    np.testing.assert_allclose(thetas, [1.0, 0.9, 0.72, 0.486], rtol=1e-14)
    np.testing.assert_allclose(losses, [0.5, 0.405, 0.2592], rtol=1e-14)


def test_nesterov_hand_computed():
    opt = nnc.Nesterov(lr=0.1, mu=0.9)
    thetas, losses, _ = run(opt, 3)
    # gradient at the look-ahead point theta + mu v:
    # step 1: look 1, v = -0.1, theta 0.9
    # step 2: look 0.9 - 0.09 = 0.81, v = -0.09 - 0.081 = -0.171, theta 0.729
    # step 3: look 0.729 - 0.1539 = 0.5751, v = -0.1539 - 0.05751 = -0.21141, theta 0.51759
    np.testing.assert_allclose(thetas, [1.0, 0.9, 0.729, 0.51759], rtol=1e-14)
    # the loss a step records is its forward pass's: at the look-ahead point
    np.testing.assert_allclose(losses, [0.5, 0.81 ** 2 / 2, 0.5751 ** 2 / 2], rtol=1e-14)
    assert opt.state["layers.0.weight"]["velocity"][0, 0] == pytest.approx(-0.21141, rel=1e-14)


def test_rmsprop_hand_computed():
    # theta^2 / 2, g = theta; lr 0.1, rho 0.9, eps 1e-8:
    # step 1: v = 0.1 * 1 = 0.1, theta = 1 - 0.1 / sqrt(0.1) = 1 - sqrt(0.1) = 0.683772...
    # step 2: g = 0.683772, v = 0.09 + 0.1 * 0.467544 = 0.136754, theta = 0.683772 - 0.184902
    thetas, losses, model = run(nnc.RMSProp(lr=0.1, rho=0.9, eps=1e-8), 3)
    assert thetas[1] == pytest.approx(1 - math.sqrt(0.1), rel=1e-7)
    assert thetas[2] == pytest.approx(0.49887062, rel=1e-7)
    theta, v, expect = 1.0, 0.0, [1.0]
    for _ in range(3):
        g = theta
        v = 0.9 * v + (1 - 0.9) * (g * g)
        theta = theta - 0.1 * g / (math.sqrt(v) + 1e-8)
        expect.append(theta)
    assert thetas.tolist() == expect  # the same operations in the same order: the same bits
    assert losses.tolist() == [t * t / 2 for t in expect[:3]]


def test_rmsprop_defaults_and_checks():
    opt = nnc.RMSProp()
    assert (opt.lr, opt.rho, opt.eps) == (0.001, 0.9, 1e-8)
    assert repr(opt) == "RMSProp(lr=0.001, rho=0.9, eps=1e-08)"
    with pytest.raises(ValueError, match="RMSProp: rho must be in \\[0, 1\\)"):
        nnc.RMSProp(rho=1.0)
    with pytest.raises(ValueError, match="RMSProp: eps must be > 0"):
        nnc.RMSProp(eps=0.0)


def test_adam_hand_computed():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    thetas, _, _ = run(nnc.Adam(lr, b1, b2, eps), 3)
    theta, m, v, expect = 1.0, 0.0, 0.0, [1.0]
    for t in (1, 2, 3):
        g = theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * (g * g)
        theta = theta - lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
        expect.append(theta)
    np.testing.assert_allclose(thetas, expect, rtol=1e-14)
    # The first Adam step moves by lr whatever the gradient's size.
    assert thetas[1] == pytest.approx(1.0 - lr / (1 + eps), rel=1e-15)


def test_adam_vasilev_first_moment():
    # Vasilev ch. 2: beta1 0.9, first gradient 10 -> m1 = 1 (0.9999999999999998).
    opt = nnc.Adam(lr=0.001, beta1=0.9)
    run(opt, 1, theta0=10.0)
    m1 = opt.state["layers.0.weight"]["m"][0, 0]
    assert m1 == 0.9999999999999998
    assert m1 / (1 - 0.9) == pytest.approx(10.0, rel=1e-15)
    assert opt.t == 1


def test_state_persists_across_fits():
    one = nnc.Momentum(lr=0.1, mu=0.9)
    model, X, y, loss = quadratic()
    model.fit(X, y, loss=loss, optimizer=one, epochs=2)
    model.fit(X, y, loss=loss, optimizer=one, epochs=1)
    whole, _, _ = run(nnc.Momentum(lr=0.1, mu=0.9), 3)
    assert model.layers[0].weight[0, 0] == whole[-1]
    assert one.t == 3
    adam = nnc.Adam(0.1)
    model, X, y, loss = quadratic()
    model.fit(X, y, loss=loss, optimizer=adam, epochs=2)
    model.fit(X, y, loss=loss, optimizer=adam, epochs=2)
    whole, _, _ = run(nnc.Adam(0.1), 4)
    assert model.layers[0].weight[0, 0] == whole[-1]
    assert adam.t == 4
    # reset() forgets; a different model starts fresh state
    adam.reset()
    assert adam.t == 0 and adam.state == {}
    other, X, y, loss = quadratic()
    other.fit(X, y, loss=loss, optimizer=adam, epochs=1)
    fresh, _, _ = run(nnc.Adam(0.1), 1)
    assert other.layers[0].weight[0, 0] == fresh[-1]
    third, X, y, loss = quadratic()
    third.fit(X, y, loss=loss, optimizer=adam, epochs=1)
    assert adam.t == 1 and third.layers[0].weight[0, 0] == fresh[-1]


@pytest.mark.parametrize("make", [lambda: nnc.SGD(0.1), lambda: nnc.Momentum(0.1, 0.5),
                                  lambda: nnc.Adam(0.05)])
def test_step_by_step_equals_fit(make):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    layers = lambda: [nnc.Dense(2, 3), nnc.Tanh(), nnc.Dense(3, 1)]  # noqa: E731
    fitted = nnc.Sequential(layers(), seed=5)
    hist = fitted.fit(X, y, loss="mse", optimizer=make(), epochs=4, record="step")
    manual = nnc.Sequential(layers(), seed=5)
    opt, loss = make(), nnc.losses.MSE()
    for i in range(4):
        out = manual.forward(X)
        assert loss(out, y) == pytest.approx(hist.step_loss[i], rel=1e-13)
        manual.zero_grad()
        manual.backward(loss.gradient(out, y))
        opt.step(manual)
    np.testing.assert_allclose(manual.get_flat_params(), fitted.get_flat_params(), rtol=1e-12)


def test_nesterov_step_by_step():
    model, X, y, loss = quadratic()
    opt = nnc.Nesterov(lr=0.1, mu=0.9)
    with pytest.raises(RuntimeError, match="look_ahead"):
        opt.step(model)
    for _ in range(3):
        opt.look_ahead(model)
        out = model.forward(X)
        model.backward(loss.gradient(out, y))
        opt.step(model)
    assert model.layers[0].weight[0, 0] == pytest.approx(0.51759, rel=1e-14)


def grokking_lines(hist, inp=0.5):
    return ["Error:%.12g Prediction:%.12g" % (e, inp * w)
            for e, w in zip(hist.step_loss, hist.params[:-1, 0])]


def test_hotcold_grokking_g3():
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False, weight=[[0.5]])])
    hist = model.fit([[0.5]], [[0.8]], loss=MSE(reduction="sum"), optimizer=nnc.HotCold(0.001),
                     epochs=1101, record="params")
    lines = grokking_lines(hist)
    assert lines[:2] == ["Error:0.3025 Prediction:0.25", "Error:0.30195025 Prediction:0.2505"]
    assert lines[-2:] == ["Error:2.50000000033e-07 Prediction:0.7995",
                          "Error:1.07995057925e-27 Prediction:0.8"]
    # The book's loop, in Python, bit for bit.
    weight, goal, inp, step = 0.5, 0.8, 0.5, 0.001
    errors, weights = [], [weight]
    for _ in range(1101):
        errors.append((inp * weight - goal) ** 2)
        up = (goal - inp * (weight + step)) ** 2
        down = (goal - inp * (weight - step)) ** 2
        if down < up:
            weight = weight - step
        if down > up:
            weight = weight + step
        weights.append(weight)
    assert hist.step_loss.tolist() == errors
    assert hist.params[:, 0].tolist() == weights
    assert hist.forward_passes == 1101 * 3


def test_hotcold_toes_and_big_step():
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False, weight=[[0.1]])])
    nnc.HotCold(0.01).step(model, [[8.5]], [[1.0]], MSE("sum"))
    assert model.layers[0].weight[0, 0] == 0.1 + 0.01 == pytest.approx(0.11)
    # step 10 alternates forever between two predictions
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False, weight=[[0.5]])])
    hist = model.fit([[0.5]], [[0.8]], loss=MSE("sum"), optimizer=nnc.HotCold(10),
                     epochs=6, record="params")
    assert grokking_lines(hist)[:2] == ["Error:0.3025 Prediction:0.25",
                                        "Error:19.8025 Prediction:5.25"]
    assert grokking_lines(hist)[4:6] == grokking_lines(hist)[:2]


def test_hotcold_moves_all_parameters_from_the_same_probe_point():
    # pred = w x + b on one point x = 1, target 1, squared error; from (0, 0):
    # probing w and b from (0, 0) both say "up", so both move at once.
    model = nnc.Sequential([nnc.Dense(1, 1, weight=[[0.0]])])
    hist = model.fit([[1.0]], [[1.0]], loss=MSE("sum"), optimizer=nnc.HotCold(0.25), epochs=3,
                     record="params")
    np.testing.assert_array_equal(hist.params, [[0, 0], [0.25, 0.25], [0.5, 0.5], [0.5, 0.5]])
    # at (0.5, 0.5) the probes give equal losses (0.0625 both ways): stay
    assert hist.forward_passes == 3 * (1 + 2 * 2)


def test_optimizer_argument_errors():
    with pytest.raises(ValueError, match="mu"):
        nnc.Momentum(0.1, mu=1.0)
    with pytest.raises(TypeError, match="lr"):
        nnc.SGD("fast")
    with pytest.raises(ValueError, match="lr"):
        nnc.Adam(lr=float("nan"))
    with pytest.raises(ValueError, match="beta2"):
        nnc.Adam(beta2=1.5)
    with pytest.raises(TypeError, match="needs the data"):
        nnc.HotCold(0.1).step(quadratic()[0])
    assert repr(nnc.Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"


# ---------------------------------------------------------------------------
# Regression (hardening review) 3. optim.py: lr = 0 (every optimizer), eps = 0 (Adam) and step = 0 (HotCold)
#    were accepted although the step kernels refuse them (or turn 0/0 into NaN).

# Data and model shared by the regression tests below.
FX = np.random.default_rng(0).normal(size=(6, 2))
FY = FX @ np.array([1.0, -2.0]) + 0.5


def _model():
    return nnc.Sequential([nnc.Dense(2, 1)], seed=3)


@pytest.mark.parametrize("make,pattern", [
    (lambda v: nnc.SGD(v), r"SGD: lr must be > 0, got "),
    (lambda v: nnc.Momentum(v), r"Momentum: lr must be > 0, got "),
    (lambda v: nnc.Nesterov(v), r"Nesterov: lr must be > 0, got "),
    (lambda v: nnc.Adam(lr=v), r"Adam: lr must be > 0, got "),
    (lambda v: nnc.Adam(eps=v), r"Adam: eps must be > 0, got "),
    (lambda v: nnc.HotCold(v), r"HotCold: step must be > 0, got "),
])
@pytest.mark.parametrize("value", [0, 0.0, -0.0, -1e-3])
def test_optimizer_zero_or_negative_rates_are_refused(make, pattern, value):
    with pytest.raises(ValueError, match=pattern):
        make(value)


def test_optimizer_small_positive_rates_still_train():
    # the smallest positive float64 values are accepted and give float64 results
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3)
    before = m.get_flat_params().copy()
    m.fit(FX, FY, loss="mse", optimizer=nnc.Adam(lr=1e-300, eps=5e-324), epochs=1)
    assert np.isfinite(m.get_flat_params()).all()
    np.testing.assert_allclose(m.get_flat_params(), before, rtol=0, atol=1e-290)


# 6 (model side). fit/evaluate compute in the model's dtype: a float32 model
# refuses hyper-parameters that overflow there or round to 0 / 1.

@pytest.mark.parametrize("opt,kw,pattern", [
    (lambda: nnc.Adam(eps=1e-50), {},
     r"fit: Adam eps = 1e-50 rounds to 0 in float32; it must be > 0"),
    (lambda: nnc.Adam(beta1=1 - 1e-12), {},
     r"fit: Adam beta1 = 0\.999999999999 rounds to 1 in float32"),
    (lambda: nnc.Adam(beta2=1 - 1e-12), {},
     r"fit: Adam beta2 = 0\.999999999999 rounds to 1 in float32"),
    (lambda: nnc.Adam(lr=1e300), {}, r"fit: Adam lr = 1e\+300 does not fit in float32"),
    (lambda: nnc.SGD(1e300), {},
     r"fit: SGD lr = 1e\+300 does not fit in float32 \(it rounds to inf\)"),
    (lambda: nnc.SGD(1e-50), {}, r"fit: SGD lr = 1e-50 rounds to 0 in float32"),
    (lambda: nnc.Momentum(0.1, mu=1 - 1e-10), {}, r"fit: Momentum mu = .* rounds to 1 in float32"),
    (lambda: nnc.Nesterov(1e300), {}, r"fit: Nesterov lr = 1e\+300 does not fit in float32"),
    (lambda: nnc.HotCold(1e-50), {}, r"fit: HotCold step = 1e-50 rounds to 0 in float32"),
    (lambda: nnc.SGD(0.1), {"l2": 1e300}, r"fit: l2 = 1e\+300 does not fit in float32"),
    (lambda: nnc.SGD(0.1), {"l1": 1e39}, r"fit: l1 = 1e\+39 does not fit in float32"),
    (lambda: nnc.SGD(0.1), {"loss": nnc.losses.Huber(1e-50)},
     r"fit: Huber delta = 1e-50 rounds to 0 in float32; it must be > 0"),
])
def test_fit_float32_refuses_hyper_parameters_that_round_badly(opt, kw, pattern):
    kw = {"loss": "mse", **kw}
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3, dtype="float32")
    before = m.get_flat_params().copy()
    with pytest.raises(ValueError, match=pattern):
        m.fit(FX, FY, optimizer=opt(), epochs=2, **kw)
    np.testing.assert_array_equal(m.get_flat_params(), before)
    # the same values are fine in float64
    m64 = nnc.Sequential([nnc.Dense(2, 1)], seed=3)
    try:
        m64.fit(FX, FY, optimizer=opt(), epochs=2, **kw)
    except nnc.DivergenceError:
        pass  # lr = 1e300 diverges, as it should, but is not refused


@pytest.mark.parametrize("method", ["evaluate", "compute_gradients"])
def test_evaluate_float32_refuses_hyper_parameters_that_round_badly(method):
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3, dtype="float32")
    fn = getattr(m, method)
    with pytest.raises(ValueError, match=rf"{method}: l2 = 1e\+300 does not fit in float32"):
        fn(FX, FY, "mse", l2=1e300)
    with pytest.raises(ValueError, match=rf"{method}: Huber delta = 1e-50 rounds to 0"):
        fn(FX, FY, nnc.losses.Huber(1e-50))
    # a delta that is subnormal but not zero in float32 is still accepted
    v = fn(FX, FY, nnc.losses.Huber(1e-40))
    assert np.isfinite(v) and v > 0
