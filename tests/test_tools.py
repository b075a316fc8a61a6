"""loss_surface, max_stable_lr and gradcheck's edges; the sigmoid-neuron
walkthrough's numbers (Kumar, S1/S2)."""
import numpy as np
import pytest

import nnc
from nnc.losses import MSE


def sigmoid_neuron(w=0.0, b=-8.0):
    return nnc.Sequential([nnc.Dense(1, 1, weight=[[w]], bias_init=b), nnc.Sigmoid()])


KX, KY = [0.5, 2.5], [0.2, 0.9]
KLOSS = MSE(reduction="sum", half=True)


def test_kumar_initial_loss_and_surface_corners():
    model = sigmoid_neuron()
    assert model.evaluate(KX, KY, KLOSS) == pytest.approx(0.4246312273161969, rel=1e-12)
    Z = nnc.loss_surface(model, KX, KY, KLOSS,
                         params=(("layers.0.weight", (0, 0)), ("layers.0.bias", (0,))),
                         grid=([-2.0, 6.0], [-10.0, 2.0]))
    assert Z.shape == (2, 2)
    assert Z[0, 0] == pytest.approx(0.42499638454314176, rel=1e-12)  # w=-2, b=-10
    assert Z[1, 0] == pytest.approx(0.5044529278317778, rel=1e-12)   # w=-2, b=2
    # the model is unchanged
    assert model.layers[0].weight[0, 0] == 0.0 and model.layers[0].bias[0] == -8.0


def test_kumar_plateau_then_drop():
    model = sigmoid_neuron()
    hist = model.fit(KX, KY, loss=KLOSS, optimizer=nnc.SGD(1.0), epochs=1000, record="params")
    # the course's loop: full batch, summed half squared error
    w, b, losses = 0.0, -8.0, []
    for _ in range(1000):
        fs = [1 / (1 + np.exp(-(w * x + b))) for x in KX]
        losses.append(sum(0.5 * (f - y) ** 2 for f, y in zip(fs, KY)))
        dw = sum((f - y) * f * (1 - f) * x for f, y, x in zip(fs, KY, KX))
        db = sum((f - y) * f * (1 - f) for f, y in zip(fs, KY))
        w, b = w - dw, b - db
    np.testing.assert_allclose(hist.loss, losses, rtol=1e-10)
    np.testing.assert_allclose(hist.params[-1], [w, b], rtol=1e-10)
    assert hist.loss[0] == pytest.approx(0.4246312273161969, rel=1e-12)
    assert hist.loss[100] > 0.9 * hist.loss[0]  # the plateau
    assert hist.loss[-1] < 0.1 * hist.loss[0]   # then the drop


def test_loss_surface_equals_evaluate_everywhere():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(9, 2)), rng.normal(size=(9, 1))
    model = nnc.Sequential([nnc.Dense(2, 3), nnc.Tanh(), nnc.Dense(3, 1)], seed=1)
    before = model.get_flat_params()
    a = np.linspace(-1, 1, 5)
    b = np.linspace(-2, 0.5, 4)
    Z = nnc.loss_surface(model, X, y, "mse", params=(("layers.0.weight", (1, 2)),
                                                     ("layers.2.bias", 0)), grid=(a, b), l2=0.1)
    np.testing.assert_array_equal(model.get_flat_params(), before)
    for j, bv in enumerate(b):
        for i, av in enumerate(a):
            model.layers[0].weight[1, 2] = av
            model.layers[2].bias[0] = bv
            assert Z[j, i] == model.evaluate(X, y, "mse", l2=0.1)
    model.set_flat_params(before)
    # a 1-element parameter may be named alone
    Z2 = nnc.loss_surface(model, X, y, "mse", params=(("layers.0.weight", (1, 2)),
                                                      "layers.2.bias"), grid=(a, b), l2=0.1)
    np.testing.assert_array_equal(Z, Z2)


def test_loss_surface_errors():
    model = sigmoid_neuron()
    spec = ("layers.0.weight", (0, 0))
    with pytest.raises(KeyError, match="no parameter"):
        nnc.loss_surface(model, KX, KY, KLOSS, (spec, ("layers.3.bias", 0)), ([0], [0]))
    with pytest.raises(ValueError, match="different"):
        nnc.loss_surface(model, KX, KY, KLOSS, (spec, spec), ([0], [0]))
    with pytest.raises(ValueError, match="out of range"):
        nnc.loss_surface(model, KX, KY, KLOSS, (spec, ("layers.0.bias", (1,))), ([0], [0]))
    with pytest.raises(ValueError, match="finite"):
        nnc.loss_surface(model, KX, KY, KLOSS, (spec, ("layers.0.bias", 0)), ([np.nan], [0]))
    assert nnc.loss_surface(model, KX, KY, KLOSS, (spec, ("layers.0.bias", 0)),
                            ([], [1.0])).shape == (1, 0)


def test_max_stable_lr_one_input():
    # Grokking: weight -= alpha (input weight - goal) input converges iff alpha input^2 < 2.
    assert nnc.max_stable_lr([[2.0]], loss=MSE("sum", half=True)) == 0.5
    assert nnc.max_stable_lr([[0.5]], loss=MSE("sum", half=True)) == 8.0
    assert nnc.max_stable_lr([[2.0]], loss=MSE("sum")) == 0.25
    assert nnc.max_stable_lr([[2.0]], loss="mse") == 0.25  # mean over one value = sum
    assert nnc.max_stable_lr([[2.0]]) == 0.5  # default: Trask's summed half squared error
    assert nnc.max_stable_lr([[0.5]]) == 2.0 / 0.5**2


@pytest.mark.parametrize("factor,diverges", [(0.98, False), (1.02, True)])
def test_max_stable_lr_is_the_boundary(factor, diverges):
    # Agile AI's four points, f(x) = a x + b, mean squared error.
    X = np.array([[1.0], [3.0], [2.0], [4.0]])
    y = np.array([3.0, 5.2, 4.1, 7.5])
    lr = nnc.max_stable_lr(X, loss="mse", bias=True) * factor
    H = 2 * np.hstack([X, np.ones((4, 1))]).T @ np.hstack([X, np.ones((4, 1))]) / 4
    assert lr / factor == pytest.approx(2 / np.linalg.eigvalsh(H).max(), rel=1e-14)
    model = nnc.Sequential([nnc.Dense(1, 1, weight=[[0.5]], bias_init=3.0)])
    if diverges:
        with pytest.raises(nnc.DivergenceError):
            model.fit(X, y, loss="mse", optimizer=nnc.SGD(lr), epochs=5000)
    else:
        hist = model.fit(X, y, loss="mse", optimizer=nnc.SGD(lr), epochs=5000)
        assert hist.loss[-1] < hist.loss[0]


def test_max_stable_lr_errors():
    with pytest.raises(ValueError, match="squared error"):
        nnc.max_stable_lr([[1.0]], loss="mae")
    with pytest.raises(ValueError, match="NaN"):
        nnc.max_stable_lr([[np.nan]])
    assert nnc.max_stable_lr([[0.0]]) == float("inf")


def test_gradcheck_leaves_the_model_alone():
    model = sigmoid_neuron(0.3, -0.2)
    before = model.get_flat_params()
    assert nnc.gradcheck(model, KX, KY, KLOSS) < 1e-7
    np.testing.assert_array_equal(model.get_flat_params(), before)
    with pytest.raises(ValueError, match="eps"):
        nnc.gradcheck(model, KX, KY, KLOSS, eps=0)
