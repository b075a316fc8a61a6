"""nnc.functional: activations, losses, penalties and optimizer steps as plain
functions on NumPy arrays, each one call into the C core.

Use it as ``from nnc import functional as F``::

    y = F.sigmoid(x)                      # forward
    dx = F.sigmoid_backward(x, dy)        # backward: takes the forward INPUT x
    loss = F.mse(pred, target)            # a Python float
    g = F.mse_backward(pred, target)      # d loss / d pred, pred's shape
    F.sgd_step(w, g, lr=0.1)              # updates w in place

Conventions
-----------
* Inputs are any array-like of real numbers (bool and integer data are
  converted; complex, object and string data raise TypeError).  Results are
  float32 when the floating inputs are float32, float64 otherwise.  Inputs are
  never modified, except the arrays an optimizer step updates.
* Elementwise activations take any shape (0-d included); softmax and
  log_softmax work along the last axis of a 1-D or 2-D array.  They, their
  ``*_backward`` and the row-wise losses cross_entropy and kl_divergence
  accept NumPy's/Keras's ``axis=`` and PyTorch's ``dim=`` when
  it names that axis (-1, or 1 of a 2-D array, 0 of a 1-D one); another axis
  is refused with the spelling that works (``F.softmax(x.T).T``).
* ``*_backward(x, dy)`` returns ``dx = dy * f'(x)`` (for softmax and
  log_softmax the Jacobian-vector product).  Kinks: step' = 0, relu'(0) = 0,
  leaky_relu'(0) = prelu'(0) = elu'(0) = alpha (selu'(0) = lambda * alpha),
  mae and the perceptron/hinge losses have slope 0 at their kink.
* Losses take ``(pred, target, *, reduction="mean")`` and return a float;
  elementwise losses average over every element, cross_entropy and
  kl_divergence over rows.  ``*_backward`` returns the gradient with respect to
  the first argument, scaled by the same reduction.
* Optimizer steps update ``w`` (and their state ``v``/``m``) in place; those
  arrays must be C-contiguous, writeable ndarrays of exactly one float dtype.

``ACTIVATIONS`` and ``LOSSES`` list the names the C core knows (the engine
accepts the same names).
"""
from ._core import (
    ACTIVATIONS,
    LOSSES,
    adam_step,
    cross_entropy,
    cross_entropy_backward,
    elu,
    elu_backward,
    hinge,
    hinge_backward,
    huber,
    huber_backward,
    identity,
    identity_backward,
    kl_divergence,
    kl_divergence_backward,
    l1_penalty,
    l1_penalty_backward,
    l2_penalty,
    l2_penalty_backward,
    leaky_relu,
    leaky_relu_backward,
    log_loss,
    log_loss_backward,
    log_loss_with_logits,
    log_loss_with_logits_backward,
    log_softmax,
    log_softmax_backward,
    mae,
    mae_backward,
    momentum_step,
    mse,
    mse_backward,
    perceptron_loss,
    perceptron_loss_backward,
    prelu,
    prelu_backward,
    relu,
    relu_backward,
    selu,
    selu_backward,
    sgd_step,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_backward,
    step,
    step_backward,
    tanh,
    tanh_backward,
)

__all__ = [
    "ACTIVATIONS", "LOSSES",
    # activations
    "identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu",
    "softmax", "log_softmax",
    "identity_backward", "step_backward", "sigmoid_backward", "tanh_backward",
    "relu_backward", "leaky_relu_backward", "prelu_backward", "elu_backward",
    "selu_backward", "softmax_backward", "log_softmax_backward",
    # losses
    "mse", "mae", "huber", "log_loss", "log_loss_with_logits", "cross_entropy",
    "kl_divergence", "perceptron_loss", "hinge",
    "mse_backward", "mae_backward", "huber_backward", "log_loss_backward",
    "log_loss_with_logits_backward", "cross_entropy_backward", "kl_divergence_backward",
    "perceptron_loss_backward", "hinge_backward",
    # penalties
    "l1_penalty", "l1_penalty_backward", "l2_penalty", "l2_penalty_backward",
    # optimizer steps
    "sgd_step", "momentum_step", "adam_step",
]


# ---- Keras / PyTorch axis spellings -----------------------------------------
# The row-wise functions above work along the last axis; these wrappers (same
# names) also take NumPy's/Keras's axis= and PyTorch's dim= for that axis.
import operator  # noqa: E402

import numpy as np  # noqa: E402

from . import _core  # noqa: E402


def _last_axis(what, x, axis, dim):
    """Checks a NumPy ``axis=`` / PyTorch ``dim=`` for a function that works
    along the last axis only."""
    if dim is not None:
        if axis is not None and axis != -1:
            raise TypeError(f"{what}: give axis= or dim=, not both")
        axis, key = dim, "dim"
    else:
        key = "axis"
    if axis is None or axis == -1:
        return
    if isinstance(axis, bool) or not isinstance(axis, int):
        try:
            axis = operator.index(axis)
        except TypeError:
            raise TypeError(f"{what}: {key} must be an int, got {type(axis).__name__} "
                            f"({axis!r})") from None
    ndim = np.ndim(x)
    if ndim >= 1 and axis in (-1, ndim - 1):
        return
    raise ValueError(f"{what} works along the last axis only ({key}=-1); got {key}={axis} for "
                     f"a {ndim}-d input.  For the columns of a 2-d array write "
                     f"F.{what}(x.T).T")


def softmax(x, axis=-1, *, dim=None):  # noqa: F811
    _last_axis("softmax", x, axis, dim)
    return _core.softmax(x)


def log_softmax(x, axis=-1, *, dim=None):  # noqa: F811
    _last_axis("log_softmax", x, axis, dim)
    return _core.log_softmax(x)


def softmax_backward(x, dy, axis=-1, *, dim=None):  # noqa: F811
    _last_axis("softmax_backward", x, axis, dim)
    return _core.softmax_backward(x, dy)


def log_softmax_backward(x, dy, axis=-1, *, dim=None):  # noqa: F811
    _last_axis("log_softmax_backward", x, axis, dim)
    return _core.log_softmax_backward(x, dy)


def cross_entropy(logits, target, *, reduction="mean", axis=-1,  # noqa: F811
                  dim=None):
    _last_axis("cross_entropy", logits, axis, dim)
    return _core.cross_entropy(logits, target, reduction=reduction)


def cross_entropy_backward(logits, target, *, reduction="mean", axis=-1,  # noqa: F811
                           dim=None):
    _last_axis("cross_entropy_backward", logits, axis, dim)
    return _core.cross_entropy_backward(logits, target, reduction=reduction)


def kl_divergence(pred, target, *, reduction="mean", axis=-1,  # noqa: F811
                  dim=None):
    _last_axis("kl_divergence", pred, axis, dim)
    return _core.kl_divergence(pred, target, reduction=reduction)


def kl_divergence_backward(pred, target, *, reduction="mean", axis=-1,  # noqa: F811
                           dim=None):
    _last_axis("kl_divergence_backward", pred, axis, dim)
    return _core.kl_divergence_backward(pred, target, reduction=reduction)


_AXIS_NOTE = """

``axis`` (NumPy) or ``dim`` (PyTorch) may name the last axis (-1; 1 of a
2-d array, 0 of a 1-d one); any other axis is a ValueError."""
for _f in (softmax, log_softmax, softmax_backward, log_softmax_backward, cross_entropy,
           cross_entropy_backward, kl_divergence, kl_divergence_backward):
    _f._core_function = getattr(_core, _f.__name__)  # what the wrapper calls
    _f.__doc__ = (_f._core_function.__doc__ or "") + _AXIS_NOTE
del _f
