"""Loss objects: a loss function plus its conventions.

One class per loss of the op table (csrc/core/ops.def; README's op table
lists them), generated from its row: ``MSE(reduction, half)``, ``MAE``,
``Huber(delta, reduction)``, ``LogLoss``, ``LogLossWithLogits``,
``CrossEntropy``, ``KLDivergence``, ``PerceptronLoss``, ``Hinge``, ``LogCosh``.
Each maps to one C kernel, the same one ``nnc.functional`` calls
(``nnc.functional.<name>``), and its docstring is the row's.  A row's
parameter is the class's too: a switch (``MSE(half=True)``) comes after
``reduction``, a real parameter (``Huber(delta=2.0)``) before it, as in the
functional form.

``reduction="mean"`` averages elementwise losses over every value
(rows x outputs) and row losses (cross_entropy, kl_divergence) over rows;
``reduction="sum"`` adds them up.  ``fit``, ``evaluate`` and the
``nnc.functional`` functions all use these definitions.  Grokking DL ch. 4
uses ``MSE("sum")`` for its error and ``MSE("sum", half=True)`` for its
gradient step; Agile AI ch. 4 uses ``MSE("mean")``.

CrossEntropy takes logits.  A network ending in ``Softmax`` trained with it
is fused by the engine: the loss reads the Softmax's input.  Targets for a
loss whose row takes class indices (CrossEntropy) may be one-hot/probability
rows or integer class indices (converted to one-hot).
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from . import _core
from ._typing import ArrayLike, DTypeLike, FloatArray

__all__ = ["Loss"]  # + one class per loss of ops.def, below; get, names

# ops.def's loss rows by name: first argument, form, target kind, parameter.
_LOSS_ROWS = {row["name"]: row for row in _core._ops["losses"]}
_LOSS_CODES = {name: i for i, name in enumerate(_core._engine_losses)}
_REDUCTIONS = {"mean": 0, "sum": 1}


class Loss:
    """Base class.  A subclass sets ``name``, its ops.def row, which gives
    its parameter (an attribute of the same name), its target kind and its
    kernel; ``reduction`` is "mean" or "sum"."""

    name: str = ""  # the C kernel's name; "" for this abstract base

    def __init__(self, reduction: str = "mean", **param: Any) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum', "
                             f"got {reduction!r}")
        self.reduction = reduction
        spec = self._row()["param"] if self.name else None
        for key, value in param.items():
            if spec is None or key != spec[0]:
                raise TypeError(f"{type(self).__name__}: unexpected keyword {key}=")
            setattr(self, key, self._check_param(spec, value))

    # The engine's fields for a FLAG and a POSITIVE parameter (nnc_loss_params_t
    # half and delta): the value of the row's parameter of that kind, whatever
    # its name, else False and 1.0.
    @property
    def half(self) -> bool:
        spec = self._row()["param"] if self.name else None
        return bool(self.__dict__.get(spec[0], False)) if spec and spec[2] == "flag" else False

    @half.setter
    def half(self, value: bool) -> None:
        self.__dict__["half"] = value

    @property
    def delta(self) -> float:
        spec = self._row()["param"] if self.name else None
        return float(self.__dict__.get(spec[0], spec[1])) if spec and spec[2] == "positive" \
            else 1.0

    @delta.setter
    def delta(self, value: float) -> None:
        self.__dict__["delta"] = value

    @classmethod
    def _row(cls) -> dict:
        return _LOSS_ROWS[cls.name]

    def _check_param(self, spec: tuple, value: Any) -> Any:
        what, (key, _default, kind) = type(self).__name__, spec
        if kind == "flag":
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{what}: {key} must be True or False, got {value!r}")
            return bool(value)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{what}: {key} must be a real number, got {value!r}")
        if not (math.isfinite(float(value)) and float(value) > 0):
            raise ValueError(f"{what}: {key} must be finite and > 0, got {value!r}")
        return float(value)

    def _params(self) -> tuple[int, int, bool, float]:
        """The engine's (kind, reduction, half, delta) tuple."""
        return (_LOSS_CODES[self.name], _REDUCTIONS[self.reduction], self.half, self.delta)

    def _kwargs(self) -> dict[str, Any]:
        """The functional form's keyword arguments (reduction and the row's
        parameter)."""
        spec = self._row()["param"]
        kw: dict[str, Any] = {"reduction": self.reduction}
        if spec is not None:
            kw[spec[0]] = getattr(self, spec[0])
        if spec is not None and spec[2] == "positive":  # before reduction, as in the signature
            kw = {spec[0]: kw.pop(spec[0]), **kw}
        return kw

    def prepare_targets(self, y: ArrayLike, n: int, out_features: int,
                        dtype: DTypeLike) -> FloatArray:
        """y as an (n, out_features) array for this loss (1-D accepted when
        out_features == 1; integer class indices, one per row, for a loss
        whose row takes them, turned into one-hot rows)."""
        arr = np.asarray(y)
        if (self._row()["target"] == "classes" and arr.dtype.kind in "iu"
                and (arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1
                                       and out_features > 1))):
            return self._one_hot(arr.reshape(-1), n, out_features, dtype)
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

    def _one_hot(self, idx: np.ndarray, n: int, out_features: int,
                 dtype: DTypeLike) -> FloatArray:
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


def _loss_class(row: dict) -> type:
    """The class of one loss row of ops.def: ``Cls(reduction="mean")``, with
    the row's parameter before ``reduction`` (a real, as the functional
    form's third argument) or after it (a switch); its docstring is the
    row's."""
    spec = row["param"]
    if spec is None:
        params, args = 'reduction="mean"', "reduction"
    elif spec[2] == "flag":
        params, args = f'reduction="mean", {spec[0]}={spec[1]!r}', f"reduction, {spec[0]}={spec[0]}"
    else:
        params, args = f'{spec[0]}={spec[1]!r}, reduction="mean"', f"reduction, {spec[0]}={spec[0]}"
    ns: dict[str, Any] = {"Loss": Loss}
    exec(f"def __init__(self, {params}):\n    Loss.__init__(self, {args})\n", ns)
    ns["__init__"].__qualname__ = f"{row['cls']}.__init__"
    doc = row["doc"] + "\n\n    Its gradient: " + row["backward_doc"]
    return type(row["cls"], (Loss,), {"name": row["name"], "__init__": ns["__init__"],
                                      "__doc__": doc, "__module__": __name__})


if TYPE_CHECKING:
    # <generated by tools/gen_ops.py from ops.def: loss classes for type checkers>
    class MSE(Loss):
        def __init__(self, reduction: str = "mean", half: bool = False) -> None: ...
    class MAE(Loss):
        def __init__(self, reduction: str = "mean") -> None: ...
    class Huber(Loss):
        def __init__(self, delta: float = 1.0, reduction: str = "mean") -> None: ...
    class LogLoss(Loss):
        def __init__(self, reduction: str = "mean") -> None: ...
    class LogLossWithLogits(Loss):
        def __init__(self, reduction: str = "mean") -> None: ...
    class CrossEntropy(Loss):
        def __init__(self, reduction: str = "mean") -> None: ...
    class KLDivergence(Loss):
        def __init__(self, reduction: str = "mean") -> None: ...
    class PerceptronLoss(Loss):
        def __init__(self, reduction: str = "mean") -> None: ...
    class Hinge(Loss):
        def __init__(self, reduction: str = "mean") -> None: ...
    class LogCosh(Loss):
        def __init__(self, reduction: str = "mean") -> None: ...
# </generated>
    pass

for _row in _core._ops["losses"]:
    globals()[_row["cls"]] = _loss_class(_row)
    __all__.append(_row["cls"])
del _row

_BY_NAME = {row["name"]: globals()[row["cls"]] for row in _core._ops["losses"]}


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


__all__ += ["get", "names"]
