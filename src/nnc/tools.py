"""Tools a learner needs around training: gradient checks, loss surfaces and
the largest stable learning rate of a linear model."""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any, Literal, Sequence, Union, cast, overload

import numpy as np

from . import _core
from . import losses as _losses
from ._typing import ArrayLike, FloatArray

if TYPE_CHECKING:
    from .model import Sequential

#: A loss argument: a name ("mse"), a Loss object or a Loss class.
_LossLike = Union[str, "_losses.Loss", "type[_losses.Loss]"]

__all__ = ["gradcheck", "loss_surface", "max_stable_lr"]


@overload
def gradcheck(model: Sequential, X: ArrayLike, y: ArrayLike, loss: _LossLike, eps: float = 1e-6,
              l1: float = 0.0, l2: float = 0.0, floor: float = 1e-8,
              details: Literal[False] = False) -> float: ...
@overload
def gradcheck(model: Sequential, X: ArrayLike, y: ArrayLike, loss: _LossLike, eps: float = 1e-6,
              l1: float = 0.0, l2: float = 0.0, floor: float = 1e-8, *,
              details: Literal[True]) -> tuple[float, dict[str, tuple[FloatArray, FloatArray]]]: ...

def gradcheck(model: Sequential, X: ArrayLike, y: ArrayLike, loss: _LossLike, eps: float = 1e-6,
              l1: float = 0.0, l2: float = 0.0, floor: float = 1e-8,
              details: bool = False) -> Any:
    """Largest relative error between the engine's analytic gradient and a
    central-difference estimate, over every scalar parameter.

    The check runs on a float64 copy of ``model`` (the model itself is not
    touched).  For each parameter value w: ``numeric = (L(w+) - L(w-)) /
    (w+ - w-)`` with ``w+- = w +- eps`` (the difference of the two stored
    values, so the rounding of w +- eps does not bias the quotient), L the
    objective of ``model.evaluate(X, y, loss, l1, l2)``; ``analytic`` from
    ``model.compute_gradients`` (the backward pass ``fit`` uses).  The
    relative error of a value is ``|analytic - numeric| / max(|analytic|,
    |numeric|, floor)``; the largest is returned.  With ``eps=1e-6`` a
    correct gradient typically gives 1e-7 or less away from kinks (ReLU at
    0, |x| at 0), where central differences are meaningless.

    ``details=True`` returns ``(max_error, {name: (analytic, numeric)})``.
    """
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real) or \
            not (math.isfinite(float(eps)) and float(eps) > 0):
        raise ValueError(f"gradcheck: eps must be a finite number > 0, got {eps!r}")
    m = model.copy(dtype="float64")
    m.compute_gradients(X, y, loss, l1=l1, l2=l2)
    grads = dict(m.named_grads())
    worst = 0.0
    report = {}
    for name, arr in m.named_parameters():
        analytic = grads[name].copy()
        numeric = np.zeros_like(arr)
        flat = arr.reshape(-1)
        for k in range(flat.size):
            w = flat[k]
            flat[k] = w + eps
            up_w = flat[k]
            up = m.evaluate(X, y, loss, l1=l1, l2=l2)
            flat[k] = w - eps
            down_w = flat[k]
            down = m.evaluate(X, y, loss, l1=l1, l2=l2)
            flat[k] = w
            numeric.reshape(-1)[k] = (up - down) / (up_w - down_w)
        scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
        err = np.abs(analytic - numeric) / scale
        if err.size:
            worst = max(worst, float(err.max()))
        report[name] = (analytic, numeric)
    return (worst, report) if details else worst


def _resolve(model, spec, which):
    """(parameter position, flat offset) of a ``(name, index)`` pair."""
    if isinstance(spec, str):
        name, index = spec, None
    else:
        try:
            name, index = spec
        except (TypeError, ValueError):
            raise TypeError(f"loss_surface: params[{which}] must be (name, index), e.g. "
                            f"('layers.0.weight', (0, 0)), got {spec!r}") from None
    named = model.named_parameters()
    for pos, (pname, arr) in enumerate(named):
        if pname != name:
            continue
        if index is None:
            if arr.size != 1:
                raise ValueError(f"loss_surface: {name} has shape {arr.shape}; say which value, "
                                 f"e.g. ({name!r}, {(0,) * arr.ndim})")
            return pos, 0
        try:
            idx = (index,) if isinstance(index, numbers.Integral) else tuple(index)
        except TypeError:
            idx = None
        if idx is None or any(isinstance(i, (bool, np.bool_)) or
                              not isinstance(i, numbers.Integral) for i in idx):
            raise TypeError(f"loss_surface: the index of {name} must be an int or a tuple of "
                            f"ints, e.g. ({name!r}, {(0,) * arr.ndim}), got {index!r}")
        if len(idx) != arr.ndim:
            raise ValueError(f"loss_surface: index {index!r} does not fit {name} of shape "
                             f"{arr.shape}")
        try:
            return pos, int(np.ravel_multi_index(cast(Any, idx), arr.shape))
        except ValueError:
            raise ValueError(f"loss_surface: index {index!r} is out of range for {name} of "
                             f"shape {arr.shape}") from None
    raise KeyError(f"loss_surface: the model has no parameter {name!r}; it has "
                   f"{[n for n, _ in named]}")


def loss_surface(model: Sequential, X: ArrayLike, y: ArrayLike, loss: _LossLike,
                 params: Sequence[Any], grid: tuple[ArrayLike, ArrayLike], l1: float = 0.0,
                 l2: float = 0.0) -> FloatArray:
    """The objective over a grid of two scalar parameters, the others held,
    evaluated in C in one call.

    ``params = (("layers.0.weight", (0, 0)), ("layers.0.bias", (0,)))`` names
    the two values a and b (a 1-element parameter may be named alone);
    ``grid = (values_a, values_b)``.  Returns Z of shape
    ``(len(values_b), len(values_a))`` with ``Z[j, i]`` the objective at
    a = values_a[i], b = values_b[j] -- the layout of ``np.meshgrid(values_a,
    values_b)``, so ``plt.contour(values_a, values_b, Z)`` draws it.  The
    model's parameters are unchanged afterwards.
    """
    loss = _losses.get(loss)
    try:
        spec_a, spec_b = params
    except (TypeError, ValueError):
        raise TypeError("loss_surface: params must be two (name, index) pairs") from None
    try:
        values_a, values_b = grid
    except (TypeError, ValueError):
        raise TypeError("loss_surface: grid must be (values_a, values_b)") from None
    pa, ia = _resolve(model, spec_a, 0)
    pb, ib = _resolve(model, spec_b, 1)
    if (pa, ia) == (pb, ib):
        raise ValueError("loss_surface: the two parameters must be different values")
    ga = np.asarray(values_a, dtype=np.float64).reshape(-1) if np.ndim(values_a) <= 1 else None
    gb = np.asarray(values_b, dtype=np.float64).reshape(-1) if np.ndim(values_b) <= 1 else None
    if ga is None or gb is None:
        raise ValueError("loss_surface: grid values must be 1-d sequences")
    if not (np.all(np.isfinite(ga)) and np.all(np.isfinite(gb))):
        raise ValueError("loss_surface: grid values must be finite")
    X = model._inputs(X)
    Y = loss.prepare_targets(y, X.shape[0], model.out_features, model.dtype)
    from .model import _check_nonneg

    l1 = _check_nonneg(l1, "l1", "loss_surface")
    l2 = _check_nonneg(l2, "l2", "loss_surface")
    # The engine moves the two values across the grid: it works on private
    # copies of the parameters, so no other thread (and no later reader, even
    # after a KeyboardInterrupt) ever sees a moved value.
    with model._lock:
        layers, plist = model._describe()
        plist = tuple((np.array(data), np.empty_like(grad), None, None, pen)
                      for data, grad, _, _, pen in plist)
    return _core.engine_loss_surface(model.dtype.name, layers, plist, X, Y, loss._params(),
                                     l1, l2, pa, ia, pb, ib, ga, gb, 1)


def max_stable_lr(X: ArrayLike, *, loss: Union[_LossLike, None] = None, bias: bool = False,
                  outputs: int = 1) -> float:
    """The critical learning rate ``2 / lambda_max`` of full-batch gradient
    descent on a LINEAR model ``pred = X @ w (+ b)`` with a squared-error
    loss: GD converges for 0 < lr < max_stable_lr and diverges above.

    The loss is quadratic in the weights with Hessian
      ``H = X^T X``            for ``MSE(reduction="sum", half=True)``,
      ``H = 2 X^T X``          for ``MSE(reduction="sum")``,
      ``H = X^T X / (n k)``    for ``MSE(reduction="mean", half=True)``,
      ``H = 2 X^T X / (n k)``  for ``MSE("mean")`` ("mse"),
    n the rows of X and k = ``outputs`` (the mean runs over all n * k values),
    with a column of ones appended to X when ``bias=True``.  The default,
    ``loss=None``, is the summed half squared error -- the loss whose
    gradient is Trask's ``delta * input`` -- so one input x gives
    ``2 / x**2``: Grokking DL's alpha story, where input 2 and alpha 1
    diverge (1 > 2/4).  Pass the loss you train with to get its own rate.
    """
    loss = _losses.MSE(reduction="sum", half=True) if loss is None else _losses.get(loss)
    if not isinstance(loss, _losses.MSE):
        raise ValueError(f"max_stable_lr: defined for the squared error (nnc.losses.MSE), got "
                         f"{loss!r}")
    A = np.asarray(X)
    if A.dtype.kind not in "biuf":
        raise TypeError(f"max_stable_lr: X must hold real numbers, got dtype {A.dtype}")
    A = A.astype(np.float64)
    if A.ndim == 0:
        A = A.reshape(1, 1)
    elif A.ndim == 1:
        A = A.reshape(-1, 1)
    if A.ndim != 2 or A.shape[0] < 1:
        raise ValueError(f"max_stable_lr: X must be 2-d with at least one row, got shape "
                         f"{np.shape(X)}")
    if not np.all(np.isfinite(A)):
        raise ValueError("max_stable_lr: X holds NaN or inf")
    if isinstance(outputs, (bool, np.bool_)) or not isinstance(outputs, numbers.Integral) or \
            outputs < 1:
        raise ValueError(f"max_stable_lr: outputs must be an int >= 1, got {outputs!r}")
    if bias:
        A = np.hstack([A, np.ones((A.shape[0], 1))])
    H = A.T @ A
    if not loss.half:
        H = 2.0 * H
    if loss.reduction == "mean":
        H = H / (A.shape[0] * int(outputs))
    lam = float(np.linalg.eigvalsh(H).max())
    return math.inf if lam <= 0 else 2.0 / lam
