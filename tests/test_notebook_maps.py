"""The notebook maps on the batched engine (issue 11, item 5): the numbers
notebook 06 prints for hot/cold against gradient descent, each sweep replica
equal to its own fit, bit for bit."""
import numpy as np
import pytest

import nnc

XB = np.array([[1.0], [3.0], [2.0], [4.0]])
YB = np.array([[3.0], [5.2], [4.1], [7.5]])
START = np.array([0.5, 3.0])
HOT_STEPS = np.concatenate([[0.001], np.geomspace(1e-4, 0.3, 200)])
GD_RATES = np.concatenate([[0.01, 0.05], np.linspace(0.001, 0.16, 200)])


def _line():
    return nnc.Sequential([nnc.Dense(1, 1)], seed=0)


def _target():
    best = np.polyfit(XB[:, 0], YB[:, 0], 1)
    j_min = np.mean((YB[:, 0] - np.polyval(best, XB[:, 0])) ** 2)
    return j_min, 1.01 * j_min


def _passes_to_target(s, target):
    per_step = s.forward_passes // np.maximum(s.steps_done, 1)
    below = s.step_loss < target
    first = np.where(below.any(axis=1), np.argmax(below, axis=1), -1)
    return per_step, np.where(first >= 0, first * per_step, -1)


@pytest.fixture(scope="module")
def race():
    hot = nnc.sweep(_line(), XB, YB, loss="mse", optimizer=nnc.HotCold(step=HOT_STEPS),
                    epochs=3000, params=START, record="step")
    grad = nnc.sweep(_line(), XB, YB, loss="mse", optimizer=nnc.SGD(lr=GD_RATES),
                     epochs=3000, params=START, record="step")
    return hot, grad


def _fit(optimizer):
    m = _line()
    m.set_flat_params(START)
    h = m.fit(XB, YB, loss="mse", optimizer=optimizer, epochs=3000, record="step")
    return m, h


@pytest.mark.parametrize("i", [0, 1, 57, 120, 200])
def test_hot_cold_replica_is_its_own_fit(race, i):
    hot, _ = race
    m, h = _fit(nnc.HotCold(HOT_STEPS[i]))
    assert np.array_equal(hot.step_loss[i], h.step_loss)
    assert np.array_equal(hot.params[i], m.get_flat_params())
    assert hot.forward_passes[i] == h.forward_passes == 5 * 3000


@pytest.mark.parametrize("i", [0, 1, 2, 100, 140])
def test_gradient_replica_is_its_own_fit(race, i):
    _, grad = race
    m, h = _fit(nnc.SGD(GD_RATES[i]))
    assert not grad.diverged[i]
    assert np.array_equal(grad.step_loss[i], h.step_loss)
    assert np.array_equal(grad.params[i], m.get_flat_params())
    assert grad.forward_passes[i] == h.forward_passes == 3000


def test_a_diverging_rate_stops_where_its_fit_does(race):
    _, grad = race
    i = 199
    assert grad.diverged[i] and grad.reason[i] == "threshold"
    m = _line()
    m.set_flat_params(START)
    with pytest.raises(nnc.DivergenceError) as err:
        m.fit(XB, YB, loss="mse", optimizer=nnc.SGD(GD_RATES[i]), epochs=3000, record="step")
    assert err.value.step == grad.fail_step[i]
    assert err.value.loss == grad.fail_loss[i]


def test_the_numbers_notebook_06_prints(race):
    hot, grad = race
    j_min, target = _target()
    hot_per, hot_need = _passes_to_target(hot, target)
    grad_per, grad_need = _passes_to_target(grad, target)
    assert np.all(hot_per == 5) and np.all(grad_per[~grad.diverged] == 1)
    # Trask's step and the two rates of the old three-run race
    assert (hot_need[0], grad_need[0], grad_need[1]) == (10100, 1040, 207)
    fewest_hot, fewest_grad = hot_need[hot_need >= 0].min(), grad_need[grad_need >= 0].min()
    assert (fewest_hot, fewest_grad) == (1745, 89)
    assert fewest_hot / fewest_grad > 19
    # the rates above the critical one diverge, and only those
    crit = nnc.max_stable_lr(XB, loss="mse", bias=True)
    assert np.array_equal(grad.diverged, GD_RATES > crit)
    # hot/cold never reaches the minimum; gradient descent does, to rounding
    assert np.all(hot.step_loss[:, -1] - j_min > 1e-6)
    assert np.min(grad.step_loss[~grad.diverged, -1]) - j_min < 1e-14


def test_bergel_learning_rate_map_replicas_are_their_own_fits():
    """Notebook 06's learning-rate map of Bergel's line: 1000 learning rates
    in one sweep of 301 epochs; the loss recorded at epoch 300 is the cost
    ``evaluate`` gives after a 300-epoch fit, bit for bit."""
    lrs = np.linspace(0.001, 0.16, 1000)
    s = nnc.sweep(_line(), XB, YB, loss="mse", optimizer=nnc.SGD(lr=lrs), epochs=301,
                  params=START, divergence=None)
    costs = s.loss[:, 300]
    m = _line()
    for i in range(0, 1000, 37):
        m.set_flat_params(START)
        m.fit(XB, YB, loss="mse", optimizer=nnc.SGD(lrs[i]), epochs=300, divergence=None)
        assert m.evaluate(XB, YB, "mse") == costs[i], i
    crit = nnc.max_stable_lr(XB, loss="mse", bias=True)
    assert np.all(costs[lrs < crit] < 1.75) and np.all(costs[lrs > crit] > 1.75)
