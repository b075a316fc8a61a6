"""Loss objects: a loss function plus its conventions.

Each class maps to one C kernel (``nnc_loss``), the same one
``nnc.functional`` calls, with the conventions the chapters use spelled out:

======================  =====================================================
``MSE(reduction, half)`` ``k * (pred - target)^2``, k = 1/2 with ``half``
``MAE``                 ``|pred - target|``
``Huber(delta)``        quadratic within ``delta``, linear outside
``LogLoss``             ``-(t log p + (1-t) log(1-p))`` of probabilities p
``LogLossWithLogits``   the same of ``p = sigmoid(z)``, from the logits z
``CrossEntropy``        ``-sum_j t_j log softmax(z)_j`` per row, from logits z
``KLDivergence``        ``sum_j t_j log(t_j / p_j)`` per row, p probabilities
``PerceptronLoss``      ``max(0, -s * z)`` with s = +1/-1 for labels 1/0
``Hinge``               ``max(0, 1 - s * z)`` with s = +1/-1 for labels 1/0
======================  =====================================================

``reduction="mean"`` averages elementwise losses over every value
(rows x outputs) and row losses (cross_entropy, kl_divergence) over rows;
``reduction="sum"`` adds them up.  ``fit``, ``evaluate`` and the
``nnc.functional`` functions all use these definitions.

CrossEntropy takes logits.  A network ending in ``Softmax`` trained with it
is fused by the engine: the loss reads the Softmax's input.  Targets for
CrossEntropy may be one-hot/probability rows or integer class indices
(converted to one-hot).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Union

import numpy as np

from . import _core
from ._typing import ArrayLike, DTypeLike, FloatArray

__all__ = ["Loss", "MSE", "MAE", "Huber", "LogLoss", "LogLossWithLogits", "CrossEntropy",
           "KLDivergence", "PerceptronLoss", "Hinge", "get"]

_LOSS_CODES = {name: i for i, name in enumerate(_core._engine_losses)}
_REDUCTIONS = {"mean": 0, "sum": 1}


class Loss:
    """Base class.  ``name`` is the kernel's name; ``reduction`` "mean" or "sum"."""

    name: str = ""  # the C kernel's name; "" for this abstract base

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum', "
                             f"got {reduction!r}")
        self.reduction = reduction

    half = False
    delta = 1.0

    def _params(self) -> tuple[int, int, bool, float]:
        """The engine's (kind, reduction, half, delta) tuple."""
        return (_LOSS_CODES[self.name], _REDUCTIONS[self.reduction], bool(self.half),
                float(self.delta))

    def _kwargs(self) -> dict[str, Any]:
        return {"reduction": self.reduction}

    def prepare_targets(self, y: ArrayLike, n: int, out_features: int,
                        dtype: DTypeLike) -> FloatArray:
        """y as an (n, out_features) array for this loss (1-D accepted when
        out_features == 1)."""
        arr = np.asarray(y)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{self!r}: y must hold real numbers, got dtype {arr.dtype}")
        if arr.ndim == 1 and out_features == 1:
            arr = arr.reshape(-1, 1)
        elif arr.ndim == 0 and out_features == 1 and n == 1:
            arr = arr.reshape(1, 1)
        if arr.ndim != 2 or arr.shape != (n, out_features):
            raise ValueError(f"{self!r}: y has shape {arr.shape}; expected ({n}, {out_features}) "
                             f"to match X's {n} rows and the model's {out_features} outputs")
        return np.ascontiguousarray(arr, dtype=dtype)

    def __call__(self, pred: ArrayLike, target: ArrayLike) -> float:
        """The loss value (a float) of predictions against targets."""
        from . import functional as F

        return getattr(F, self.name)(pred, target, **self._kwargs())

    def gradient(self, pred: ArrayLike, target: ArrayLike) -> FloatArray:
        """d loss / d pred, same shape as pred (the ``dloss`` for
        ``Sequential.backward``)."""
        from . import functional as F

        return getattr(F, self.name + "_backward")(pred, target, **self._kwargs())

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Loss) and type(self) is type(other)
                and self._params() == other._params())

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._params()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._kwargs().items())
        return f"{type(self).__name__}({args})"


class MSE(Loss):
    """Squared error ``k (pred - target)^2``, k = 1/2 when ``half`` (so the
    derivative is ``pred - target``), averaged over every value ("mean") or
    summed ("sum").  Grokking DL ch. 4 uses ``MSE("sum")`` for its error and
    ``MSE("sum", half=True)`` for its gradient step; Agile AI ch. 4 uses
    ``MSE("mean")``."""

    name = "mse"

    def __init__(self, reduction: str = "mean", half: bool = False) -> None:
        super().__init__(reduction)
        if not isinstance(half, (bool, np.bool_)):
            raise TypeError(f"MSE: half must be True or False, got {half!r}")
        self.half = bool(half)

    def _kwargs(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "half": self.half}


class MAE(Loss):
    """Absolute error ``|pred - target|`` (derivative sign(pred - target),
    0 at 0)."""

    name = "mae"


class Huber(Loss):
    """Huber: ``r^2 / 2`` for ``|r| <= delta``, ``delta (|r| - delta/2)``
    beyond, with r = pred - target."""

    name = "huber"

    def __init__(self, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if isinstance(delta, (bool, np.bool_)) or not isinstance(delta, numbers.Real):
            raise TypeError(f"Huber: delta must be a real number, got {delta!r}")
        if not (math.isfinite(float(delta)) and float(delta) > 0):
            raise ValueError(f"Huber: delta must be finite and > 0, got {delta!r}")
        self.delta = float(delta)

    def _kwargs(self) -> dict[str, Any]:
        return {"delta": self.delta, "reduction": self.reduction}


class LogLoss(Loss):
    """Binary cross-entropy of probabilities p against 0/1 labels t:
    ``-(t log p + (1 - t) log(1 - p))``, p clamped away from 0 and 1."""

    name = "log_loss"


class LogLossWithLogits(Loss):
    """Binary cross-entropy from logits z (p = sigmoid(z)), in the stable
    log-sigmoid form; derivative ``sigmoid(z) - t``."""

    name = "log_loss_with_logits"


class CrossEntropy(Loss):
    """Softmax cross-entropy from logits, per row: ``-sum_j t_j log
    softmax(z)_j``, "mean" over rows.  Targets: probability / one-hot rows, or
    integer class indices (one per row).  With a final ``Softmax`` layer,
    ``fit`` / ``evaluate`` apply this loss to the Softmax's input."""

    name = "cross_entropy"

    def prepare_targets(self, y: ArrayLike, n: int, out_features: int,
                        dtype: DTypeLike) -> FloatArray:
        arr = np.asarray(y)
        if arr.dtype.kind in "iu" and (arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1
                                                          and out_features > 1)):
            idx = arr.reshape(-1)
            if idx.shape[0] != n:
                raise ValueError(f"{self!r}: y has {idx.shape[0]} class indices, expected {n} "
                                 f"(one per row of X)")
            if idx.size and (idx.min() < 0 or idx.max() >= out_features):
                bad = idx[(idx < 0) | (idx >= out_features)][0]
                raise ValueError(f"{self!r}: class index {int(bad)} is out of range for "
                                 f"{out_features} outputs")
            onehot = np.zeros((n, out_features), dtype=dtype)
            onehot[np.arange(n), idx] = 1
            return onehot
        return super().prepare_targets(y, n, out_features, dtype)


class KLDivergence(Loss):
    """Kullback-Leibler divergence ``KL(t || p) = sum_j t_j log(t_j / p_j)``
    per row, p a probability row (e.g. a Softmax output), "mean" over rows."""

    name = "kl_divergence"


class PerceptronLoss(Loss):
    """Perceptron error ``max(0, -s z)`` with s = +1 for label 1 and -1 for
    label 0: zero for correctly classified points, the score's size
    otherwise (Grokking ML appendix B)."""

    name = "perceptron_loss"


class Hinge(Loss):
    """Hinge ``max(0, 1 - s z)`` with s = +1 for label 1 and -1 for label 0."""

    name = "hinge"


_BY_NAME = {cls.name: cls for cls in (MSE, MAE, Huber, LogLoss, LogLossWithLogits, CrossEntropy,
                                      KLDivergence, PerceptronLoss, Hinge)}


def get(loss: Union[str, Loss, type[Loss]]) -> Loss:
    """A Loss object from a name ("mse", "cross_entropy", ...) or a Loss class
    (default conventions), or a Loss object (returned unchanged)."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, type) and issubclass(loss, Loss) and loss.name:
        return loss()
    if isinstance(loss, str):
        try:
            return _BY_NAME[loss]()
        except KeyError:
            raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(_BY_NAME)} or an "
                             f"nnc.losses object") from None
    raise TypeError(f"loss must be a name or an nnc.losses object, got "
                    f"{type(loss).__name__} ({loss!r})")


def names() -> list[str]:
    """The loss names ``get`` accepts."""
    return sorted(_BY_NAME)
