"""Vasilev ch. 2: the mathematical apparatus and training, by hand values."""
import math
from fractions import Fraction

import numpy as np
import pytest

from nnc import book


def test_v1_probability():
    r = book.v1_probability()
    assert r.p_red_and_jack == Fraction(1, 26)
    assert r.p_second_heart == Fraction(12, 51)
    assert f"{float(r.p_second_heart):.3f}" == "0.235"
    assert r.bayes == 0.5025641025641026
    assert f"{r.mean:.1f}" == "2.3" and f"{r.variance:.2f}" == "2.01"
    assert r.binomial_pmf[5] == math.comb(10, 5) / 1024
    assert r.normal_pdf.shape == (4, 201)
    assert np.all(r.normal_pdf.sum(axis=1) * 0.05 <= 1.0 + 1e-9)


def test_v2_information():
    r = book.v2_information()
    assert r.information_08 == pytest.approx(0.2231435513142097, rel=1e-12)
    assert r.information_02 == pytest.approx(1.6094379124341003, rel=1e-12)
    assert (f"{r.information_08:.2f}", f"{r.information_02:.2f}") == ("0.22", "1.61")
    assert r.entropy_fair == pytest.approx(0.6931471805599453, rel=1e-12)
    assert r.entropy_fair_bits == 1.0
    assert r.entropy_biased == pytest.approx(0.5004024235381879, rel=1e-12)
    assert r.cross_entropy == pytest.approx(0.916290731874155, rel=1e-12)
    assert r.kl == pytest.approx(math.log(1.25), rel=1e-12)
    assert r.binary_entropy_bits.max() == 1.0
    assert r.binary_entropy_nats[0] == r.binary_entropy_nats[-1] == 0.0


def test_v3_linear_algebra():
    r = book.v3_linear_algebra()
    assert r.sum.tolist() == [5.0, 7.0, 9.0] and r.dot == 32.0
    assert r.cross.tolist() == [-3.0, 6.0, -3.0]
    assert r.A_T.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert r.Ax.tolist() == [-2.0, -2.0]
    assert r.AB.tolist() == [[7.0, -1.0], [16.0, -1.0]]


def test_v4_activations():
    r = book.v4_activations()
    assert r.sigma_sigma_2 == pytest.approx(0.7069873680001046, rel=1e-12)
    assert f"{r.sigma_sigma_2:.3f}" == "0.707"
    assert r.relu_relu_2 == 2.0
    assert (f"{r.exp1:.1f}", f"{r.exp2:.2f}") == ("2.7", "7.39")
    assert r.softmax_ratio == pytest.approx(math.exp(-1), rel=1e-14)
    assert r.selu_lambda == pytest.approx(1.0507009873554804934, rel=1e-15)
    assert -r.selu_floor / r.selu_lambda == pytest.approx(1.6732632423543772848, rel=1e-15)
    x = r.x
    i = {n: k for k, n in enumerate(r.names)}
    np.testing.assert_allclose(r.values[i["leaky_relu"]], np.where(x > 0, x, 0.2 * x), rtol=1e-15)
    np.testing.assert_allclose(r.values[i["elu"]], np.where(x > 0, x, 0.2 * np.expm1(x)),
                               rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(r.derivatives[i["tanh"]], 1 - np.tanh(x) ** 2, rtol=1e-12,
                               atol=1e-16)
    # every derivative agrees with a central difference away from the kink at 0
    h = 1e-6
    away = np.abs(x) > 1e-3
    for name in r.names:
        up = book.v4_activations(x=x + h).values[i[name]]
        down = book.v4_activations(x=x - h).values[i[name]]
        np.testing.assert_allclose(r.derivatives[i[name]][away], ((up - down) / (2 * h))[away],
                                   rtol=1e-6, atol=1e-8, err_msg=name)


def test_v5_boxcar_and_approximation():
    r = book.v5_universal_approximation()
    assert r.boxcar_y.tolist() == [0.0, 3.5, 7.0, 3.5, 0.0]
    assert np.all(np.isfinite(r.boxcar_curve))
    assert np.all(np.diff(r.mean_abs_errors) < 0)
    assert r.mean_abs_errors[-1] < 0.01
    assert r.approximations.shape == (7, 1001)


def test_v6_xor():
    r = book.v6_xor()
    assert r.single_accuracy < 1.0
    assert r.hidden_accuracy == 1.0
    assert r.hidden_loss[-1] < 0.1 < r.single_loss[-1]


def test_v7_costs():
    r = book.v7_costs()
    np.testing.assert_array_equal(r.mse, r.d ** 2)
    np.testing.assert_array_equal(r.mae, np.abs(r.d))
    for delta, row in zip(r.huber_deltas, r.huber):
        ref = np.where(np.abs(r.d) <= delta, 0.5 * r.d ** 2, delta * (np.abs(r.d) - 0.5 * delta))
        np.testing.assert_allclose(row, ref, rtol=1e-15)
    np.testing.assert_allclose(r.cross_entropy_grad, r.softmax - r.target, atol=1e-15)
    assert r.cross_entropy == pytest.approx(r.target_entropy + r.kl, rel=1e-12)


def test_v8_initialisers():
    r = book.v8_initialisers()
    assert r.limits[0] == math.sqrt(6 / 512) and r.limits[2] == math.sqrt(6 / 256)
    assert np.all(r.sample_max_abs[[0, 2]] <= r.limits[[0, 2]])
    np.testing.assert_allclose(r.sample_std, r.formula_std, rtol=0.05)
    assert r.activation_std.shape == r.gradient_rms.shape == (4, 10)
    assert r.gradient_rms[1, 0] < 1e-3 * r.gradient_rms[1, -1]   # vanishing through sigmoids
    assert 0.5 < r.activation_std[3, -1] / r.activation_std[3, 0] < 2.0  # He + ReLU


def test_v9_optimizers():
    r = book.v9_optimizers()
    assert r.adam_m1 == 0.9999999999999998
    assert r.adam_m1_hat == 10.0
    assert r.paths.shape == (4, 61, 2) and r.losses.shape == (4, 60)
    np.testing.assert_allclose(r.paths[1, :3], r.momentum_hand, rtol=1e-15)
    np.testing.assert_allclose(r.paths[2, :3], r.nesterov_hand, rtol=1e-15)
    assert np.all(r.final_loss[1:] < r.final_loss[0])
    assert r.surface.shape == (101, 101)
    w1, w2 = np.meshgrid(r.w1_grid, r.w2_grid)
    np.testing.assert_allclose(r.surface, 0.5 * (w1 ** 2 + (0.2 * w2) ** 2), rtol=1e-14)


def test_v9_parameters():
    """Finding 8: lr, mu, Adam's lr, betas, eps and the surface can be set."""
    base = book.v9_optimizers(steps=10)
    assert np.array_equal(base.paths, book.v9_optimizers(steps=10, lr=0.5, mu=0.8, adam_lr=0.3,
                                                         betas=(0.9, 0.999), eps=1e-8,
                                                         curvatures=(1.0, 0.04)).paths)
    slow = book.v9_optimizers(steps=10, lr=0.1)
    assert not np.array_equal(slow.paths[0], base.paths[0])
    np.testing.assert_allclose(slow.paths[0, 1], [-4.0 * 0.9, 3.0 * (1 - 0.1 * 0.04)], rtol=1e-15)
    adam = book.v9_optimizers(steps=10, betas=(0.5, 0.9), eps=1e-3)
    assert np.array_equal(adam.paths[:3], base.paths[:3]) and not np.array_equal(
        adam.paths[3], base.paths[3])
    wide = book.v9_optimizers(steps=10, curvatures=(1.0, 1.0))
    assert wide.final_loss[0] < base.final_loss[0]
    with pytest.raises(ValueError, match="curvatures"):
        book.v9_optimizers(curvatures=(1.0, 0.0))
    with pytest.raises(ValueError, match="betas"):
        book.v9_optimizers(betas=(0.9,))


def test_v6_single_unit_is_undecided_not_25_percent():
    """Finding 6: every output of the single unit is 1/2; that is no decision."""
    r = book.v6_xor()
    assert np.allclose(r.single_prob, 0.5, atol=1e-6)
    assert r.single_undecided == 4 and r.single_accuracy == 0.0
    assert "no decision" in str(r) and "25%" not in str(r)
    assert r.hidden_accuracy == 1.0


def test_v8_reports_its_stack_shape():
    """Finding 6: the deep stacks are 10 layers of 128 units (the notebook says so)."""
    r = book.v8_initialisers()
    assert (r.depth, r.width) == (10, 128) and r.activation_std.shape[1] == 10


def test_v9_default_path_does_not_zigzag_but_lr_16_does():
    """Finding 6: at lr 0.5 plain GD never changes sign along w1; at 1.6 it zig-zags."""
    assert np.all(book.v9_optimizers().paths[0, :, 0] <= 0)
    s = np.sign(book.v9_optimizers(lr=1.6, mu=0.5, steps=10).paths[0, :6, 0])
    assert np.all(s[1:] * s[:-1] < 0)
