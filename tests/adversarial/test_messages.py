"""Finding 10: each unfriendly message now says what was expected."""
import numpy as np
import pytest

import nnc


@pytest.mark.parametrize("call,hint", [
    (lambda g: g.normal(0, 1, 5), r"gen\.normal\(5, mean=0, std=1\)"),
    (lambda g: g.normal(5, 0.0), r"mean and std by keyword"),
    (lambda g: g.uniform(0.0, 1.0, 5), r"gen\.uniform\(5, low=0\.0, high=1\.0\)"),
])
def test_numpy_style_positional_generator_arguments_raise(call, hint):
    # Generator.normal(0, 1, 5) (NumPy's loc, scale, size) silently gave an
    # empty array (shape 0, mean 1, std 5).
    with pytest.raises(TypeError, match=hint):
        call(nnc.Generator(0))


def test_keyword_generator_arguments_still_work():
    g = nnc.Generator(0)
    assert g.normal(5, mean=0.0, std=1.0).shape == (5,)
    assert g.uniform((2, 2), low=-1.0, high=1.0).shape == (2, 2)
    assert isinstance(g.normal(), float)


def test_prelu_slope_that_overflows_float32_is_refused():
    with pytest.raises(ValueError, match=r"alpha = 1e\+308.*float32"):
        nnc.Sequential([nnc.Dense(1, 1), nnc.PReLU(1e308)], dtype="float32")
    with pytest.raises(ValueError, match="float32"):
        nnc.Sequential([nnc.Dense(1, 1), nnc.LeakyReLU(-1e39)], dtype="float32")
    m = nnc.Sequential([nnc.Dense(1, 1), nnc.PReLU(1e308)])  # fits float64
    assert m.layers[1].alpha_param[0] == 1e308


@pytest.mark.parametrize("index", [(True, False), (0, True), np.array([True, False]), (0.0, 0),
                                   "00"])
def test_loss_surface_refuses_non_int_indices(index):
    m = nnc.Sequential([nnc.Dense(2, 1)])
    X = np.ones((3, 2))
    with pytest.raises(TypeError, match="must be an int or a tuple of ints"):
        nnc.loss_surface(m, X, np.ones(3), "mse", (("layers.0.weight", index),
                                                   "layers.0.bias"), ([0.0], [0.0]))
