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
  log_softmax work along the last axis of a 1-D or 2-D array.
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
accepts the same names).  Every function here is generated from the op table
(csrc/core/ops.def): ``<activation>`` and ``<activation>_backward`` per
activation, ``<loss>`` and ``<loss>_backward`` per loss,
``<l1|l2>_penalty[_backward]`` per penalty, ``<optimizer>_step`` per gradient
optimizer.
"""
from . import _core
from ._core import ACTIVATIONS, LOSSES

__all__ = ["ACTIVATIONS", "LOSSES"]


def _export(name):
    globals()[name] = getattr(_core, name)
    __all__.append(name)


for _row in _core._ops["activations"]:
    _export(_row["name"])
for _row in _core._ops["activations"]:
    _export(_row["name"] + "_backward")
for _row in _core._ops["losses"]:
    _export(_row["name"])
for _row in _core._ops["losses"]:
    _export(_row["name"] + "_backward")
for _row in _core._ops["penalties"]:
    _export(_row["name"] + "_penalty")
    _export(_row["name"] + "_penalty_backward")
for _row in _core._ops["optimizers"]:
    if _row["kind"] == "gradient":
        _export(_row["name"] + "_step")
del _row
