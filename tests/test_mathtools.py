import math
from fractions import Fraction

import numpy as np
import pytest

from nnc import mathtools as mt


# ---------------------------------------------------------------- linear algebra

def test_vectors_by_hand():
    a, b = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    assert mt.vector_add(a, b).tolist() == [5.0, 7.0, 9.0]
    assert mt.vector_add(a, b, [1, 1, 1]).tolist() == [6.0, 8.0, 10.0]
    assert mt.dot(a, b) == 32.0
    assert mt.norm([3.0, 4.0]) == 5.0
    assert mt.cosine_similarity(a, b) == pytest.approx(32.0 / math.sqrt(14.0 * 77.0), rel=1e-15)
    assert mt.cosine_similarity([1, 0], [0, 2]) == 0.0
    assert mt.cosine_similarity([1, 1], [-2, -2]) == pytest.approx(-1.0, rel=1e-15)
    assert mt.cross(a, b).tolist() == [-3.0, 6.0, -3.0]
    assert mt.cross([1, 0], [0, 1]).tolist() == [0.0, 0.0, 1.0]  # area 1, along z
    assert mt.dot([], []) == 0.0


def test_matrices_by_hand():
    A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    B = [[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]]
    assert mt.transpose(A).tolist() == [[1, 4], [2, 5], [3, 6]]
    assert mt.matvec(A, [1.0, 0.0, -1.0]).tolist() == [-2.0, -2.0]
    assert mt.matmul(A, B).tolist() == [[7.0, -1.0], [16.0, -1.0]]
    assert mt.matmul(B, A).shape == (3, 3)  # not commutative
    assert mt.scale(A, 2).tolist() == [[2, 4, 6], [8, 10, 12]]
    assert mt.matrix_add(A, A).tolist() == [[2, 4, 6], [8, 10, 12]]


def test_products_against_numpy_random():
    rng = np.random.default_rng(0)
    A, B, x = rng.normal(size=(5, 7)), rng.normal(size=(7, 3)), rng.normal(size=7)
    np.testing.assert_allclose(mt.matmul(A, B), A @ B, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(mt.matvec(A, x), A @ x, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(mt.dot(x, x), x @ x, rtol=1e-14)
    np.testing.assert_array_equal(mt.cross(x[:3], x[3:6]), np.cross(x[:3], x[3:6]))


def test_linear_algebra_errors_name_shapes():
    with pytest.raises(ValueError, match=r"A's columns \(3\) must equal B's rows \(2\)"):
        mt.matmul(np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="length 2"):
        mt.matvec(np.ones((2, 3)), [1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        mt.dot([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="zero vector"):
        mt.cosine_similarity([0.0, 0.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="length 2 or 3"):
        mt.cross([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="matrix"):
        mt.transpose([1.0, 2.0])


def test_inputs_not_modified():
    a = np.array([1.0, 2.0])
    mt.vector_add(a, a)
    mt.scale(a, 3.0)
    assert a.tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- probability

def test_cards():
    assert mt.cards_red_and_jack() == Fraction(1, 26)
    assert mt.cards_second_heart() == Fraction(12, 51)
    assert round(float(mt.cards_second_heart()), 3) == 0.235
    assert mt.joint_probability(Fraction(1, 2), Fraction(1, 13)) == Fraction(1, 26)
    assert mt.conditional_probability(0.25 * 12 / 51, 0.25) == pytest.approx(12 / 51, rel=1e-15)
    assert mt.union_probability(0.5, 0.5, 0.25) == 0.75


def test_bayes_book_example():
    assert mt.bayes(0.98, 0.02, 0.039) == 0.5025641025641026
    with pytest.raises(ValueError):
        mt.bayes(0.5, 0.5, 0.0)
    with pytest.raises(ValueError):
        mt.joint_probability(1.5)


def test_discrete_mean_variance():
    x, p = [0, 1, 2, 3, 4, 5], [0.1, 0.2, 0.3, 0.2, 0.1, 0.1]
    assert round(mt.discrete_mean(x, p), 12) == 2.3
    assert round(mt.discrete_variance(x, p), 12) == 2.01
    assert mt.discrete_std(x, p) == pytest.approx(math.sqrt(2.01), rel=1e-14)
    with pytest.raises(ValueError, match="sum to 1"):
        mt.discrete_mean([0, 1], [0.5, 0.6])


def test_binomial_pmf():
    assert mt.binomial_pmf(2, 4, 0.5) == 6 / 16
    assert mt.binomial_pmf(0, 3, 0.2) == pytest.approx(0.8 ** 3, rel=1e-15)
    assert mt.binomial_pmf(5, 3, 0.2) == 0.0
    pmf = mt.binomial_pmf(np.arange(11), 10, 0.3)
    assert pmf.shape == (11,) and pmf.sum() == pytest.approx(1.0, rel=1e-14)
    assert mt.binomial_pmf(1, 1, 0.7) == 0.7  # Bernoulli
    with pytest.raises(TypeError):
        mt.binomial_pmf(1.5, 3, 0.5)


def test_normal_pdf():
    assert mt.normal_pdf(0.0) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    assert mt.normal_pdf(3.0, 1.0, 2.0) == pytest.approx(
        math.exp(-0.5) / (2 * math.sqrt(2 * math.pi)), rel=1e-15)
    x = np.linspace(-10, 10, 20001)
    assert np.sum(mt.normal_pdf(x, 0.5, 1.5)) * (x[1] - x[0]) == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="sigma"):
        mt.normal_pdf(0.0, 0.0, 0.0)


# ---------------------------------------------------------------- information

def test_information_book_values():
    assert mt.self_information(0.8) == 0.2231435513142097
    assert mt.self_information(0.2) == 1.6094379124341003
    assert round(mt.self_information(0.8), 2) == 0.22
    assert round(mt.self_information(0.2), 2) == 1.61
    assert mt.entropy([0.5, 0.5]) == 0.6931471805599453
    assert mt.entropy([0.5, 0.5], unit="bits") == 1.0
    assert mt.entropy([0.2, 0.8]) == pytest.approx(0.5004024235381879, rel=1e-12)
    assert mt.cross_entropy([0.5, 0.5], [0.2, 0.8]) == pytest.approx(0.916290731874155, rel=1e-12)
    assert mt.kl_divergence([0.5, 0.5], [0.2, 0.8]) == pytest.approx(math.log(1.25), rel=1e-15)


def test_information_identities():
    p, q = [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]
    for unit in ("nats", "bits"):
        assert mt.cross_entropy(p, q, unit) == pytest.approx(
            mt.entropy(p, unit) + mt.kl_divergence(p, q, unit), rel=1e-14)
    assert mt.kl_divergence(p, p) == 0.0
    assert mt.kl_divergence(p, q) != mt.kl_divergence(q, p)  # not symmetric
    assert mt.entropy([1.0, 0.0]) == 0.0  # 0 log 0 counts as 0
    assert mt.self_information(0.25, unit="bits") == 2.0
    assert mt.self_information(0.0) == math.inf
    assert mt.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    with pytest.raises(ValueError, match="unit"):
        mt.entropy([0.5, 0.5], unit="dits")
    with pytest.raises(ValueError, match="entries"):
        mt.kl_divergence([0.5, 0.5], [1.0])
