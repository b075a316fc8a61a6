"""Layers of an ``nnc.Sequential`` network.

A layer is a description plus its parameter arrays.  ``Dense(in, out)``
computes ``X @ W + b`` with ``W`` of shape ``(in, out)`` -- one row per input,
one column per unit, so a row of X (one sample) times W gives that sample's
pre-activations.  Activation layers apply a function elementwise (Softmax
row by row) and have no parameters, except PReLU, whose slope ``alpha`` is
learned.

Parameters ARE NumPy arrays: ``layer.weight``, ``layer.bias`` (and PReLU's
``layer.alpha_param``) are the very arrays the C engine reads and updates, so
``layer.weight[...] = 0.5`` changes the model, and a reference you keep sees
every update of ``fit``.  Assigning ``layer.weight = value`` copies ``value``
into the existing array (the shape must match) for the same reason.  Each
parameter has a gradient array of the same shape in ``layer.grads[name]``,
filled by ``backward`` (step by step) or by ``Sequential.compute_gradients``
(the C engine's backward pass).

Layers get their arrays when a ``Sequential`` builds them: the model knows the
dtype and owns the random generator the initialisers draw from.  A layer can
also be built on its own with ``layer.build(in_features, gen=..., dtype=...)``
to try its ``forward``/``backward`` by hand.
"""
import math
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Union
import numbers

import numpy as np

from . import _core
from ._typing import ArrayLike, DTypeLike, FloatArray

__all__ = ["Layer", "Dense", "Activation"]  # + one class per activation of ops.def, below

_LAYER_DENSE = _core._ops["layer_kinds"]["dense"]
_LAYER_ACTIVATION = _core._ops["layer_kinds"]["activation"]
# ops.def's activation rows by name (alpha mode and default, row-wise, class, docs)
_ACT_ROWS = {row["name"]: row for row in _core._ops["activations"]}
_ACT_CODES = {row["name"]: i for i, row in enumerate(_core._ops["activations"])}


def _check_features(value, name, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what}: {name} must be an int, got {type(value).__name__} ({value!r})")
    value = int(value)
    if value < 1:
        raise ValueError(f"{what}: {name} must be >= 1, got {value}")
    return value


def _check_real(value, name, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: {name} must be a real number, got "
                        f"{type(value).__name__} ({value!r})")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{what}: {name} must be finite, got {value!r}")
    return v


class Layer:
    """Base class: a named set of parameter arrays and their gradients.

    ``params`` and ``grads`` are dicts name -> array (same names, same
    shapes), empty for parameter-free layers.  ``forward(x)`` caches what
    ``backward(dy)`` needs; ``backward`` fills ``grads`` and returns dx.
    """

    _param_order: Tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params: Dict[str, FloatArray] = {}
        self.grads: Dict[str, FloatArray] = {}
        self.in_features: Optional[int] = None
        self.out_features: Optional[int] = None
        self._cache: Any = None
        self._owner: Any = None

    # -- construction -------------------------------------------------------
    @property
    def built(self) -> bool:
        """True once the layer has its parameter arrays (and knows its width)."""
        return self.in_features is not None

    def build(self, in_features: int, gen: Any = None, dtype: DTypeLike = "float64") -> int:
        """Allocates and initialises the parameters for ``in_features`` inputs;
        returns the number of output features."""
        raise NotImplementedError

    # -- parameters ---------------------------------------------------------
    def named_parameters(self) -> List[Tuple[str, FloatArray]]:
        """[(name, array)] in the layer's fixed order (weight, bias / alpha)."""
        return [(n, self.params[n]) for n in self._param_order if n in self.params]

    @property
    def n_params(self) -> int:
        """Number of scalar parameters."""
        return sum(int(a.size) for a in self.params.values())

    def zero_grad(self) -> None:
        for g in self.grads.values():
            g[...] = 0

    def _set_param(self, name: str, value: ArrayLike) -> None:
        arr = self.params[name]
        value = np.asarray(value)
        if value.shape != arr.shape and value.size != 1:
            raise ValueError(f"{self!r}: {name} has shape {arr.shape}; cannot assign an array "
                             f"of shape {value.shape}")
        arr[...] = value

    # -- what the engine sees -------------------------------------------------
    def _describe(self, index_of: Callable[[str], int]) -> Tuple[Any, ...]:
        """The engine's layer tuple; index_of(name) is this layer's parameter
        ``name``'s position in the model's parameter list."""
        raise NotImplementedError

    def _penalized(self, name: str) -> bool:
        return False

    # -- step by step -------------------------------------------------------
    def forward(self, x: ArrayLike) -> FloatArray:
        raise NotImplementedError

    def backward(self, dy: ArrayLike) -> FloatArray:
        raise NotImplementedError

    def _need_cache(self) -> Any:
        if self._cache is None:
            raise RuntimeError(f"{self!r}: backward() needs a forward() first (it uses the "
                               f"forward pass's input)")
        return self._cache

    def _config(self) -> Dict[str, Any]:
        return {}

    def __call__(self, x: ArrayLike) -> FloatArray:
        """``layer(x)`` is ``layer.forward(x)`` (as in PyTorch and Keras)."""
        return self.forward(x)

    def __setstate__(self, state: Dict[str, Any]) -> None:
        # unpickled parameters must be arrays the engine can update in place
        from ._pickling import writable

        self.__dict__.update(state)
        self.params = writable(self.params)
        self.grads = writable(self.grads)


class Dense(Layer):
    """Fully connected layer: ``Y = X @ W + b``.

    ``Dense(in_features, out_features, bias=True, init="xavier_uniform",
    weight=None, bias_init=0.0)``: ``W`` has shape ``(in_features,
    out_features)`` and ``b`` shape ``(out_features,)``.  ``init`` is the name
    of an ``nnc.init`` initialiser ("xavier_uniform", "he_normal", "zeros",
    ...) or a callable ``init(shape, gen=..., dtype=...)`` returning an array
    of that shape; ``weight`` (an array of shape ``(in, out)``), when given,
    is used instead and draws nothing.  The bias starts at ``bias_init``.
    L1/L2 penalties of ``fit`` apply to ``W`` only.
    """

    _param_order = ("weight", "bias")

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: Union[str, Callable[..., FloatArray]] = "xavier_uniform",
                 weight: Optional[ArrayLike] = None, bias_init: ArrayLike = 0.0) -> None:
        super().__init__()
        self._in = _check_features(in_features, "in_features", "Dense")
        self._out = _check_features(out_features, "out_features", "Dense")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"Dense: bias must be True or False, got {bias!r} (use bias_init= "
                            f"for its starting value)")
        self.use_bias = bool(bias)
        if not (isinstance(init, str) or callable(init)):
            raise TypeError(f"Dense: init must be an initialiser name or a callable, got {init!r}")
        self.init = init
        self._weight0 = None
        if weight is not None:
            w = np.array(weight, dtype=np.float64)
            if w.shape != (self._in, self._out):
                raise ValueError(f"Dense({self._in} -> {self._out}): weight has shape {w.shape}, "
                                 f"expected ({self._in}, {self._out})")
            if not np.all(np.isfinite(w)):
                raise ValueError("Dense: weight holds NaN or inf")
            self._weight0 = w
        b0 = np.asarray(bias_init, dtype=np.float64)
        if b0.shape not in ((), (self._out,)):
            raise ValueError(f"Dense({self._in} -> {self._out}): bias_init has shape {b0.shape}, "
                             f"expected a number or ({self._out},)")
        self._bias0 = b0

    def build(self, in_features: int, gen: Any = None, dtype: DTypeLike = "float64") -> int:
        from . import init as _init

        if in_features != self._in:
            raise ValueError(f"{self!r}: the previous layer gives {in_features} features, "
                             f"expected {self._in}")
        dt = np.dtype(dtype)
        shape = (self._in, self._out)
        if self._weight0 is not None:
            w = np.array(self._weight0, dtype=dt, order="C")
        else:
            w = _init.get(self.init)(shape, gen=gen, dtype=dt)
            w = np.ascontiguousarray(w, dtype=dt)
            if w.shape != shape:
                raise ValueError(f"{self!r}: init returned shape {w.shape}, expected {shape}")
        self.params = {"weight": w}
        if self.use_bias:
            self.params["bias"] = np.ascontiguousarray(
                np.broadcast_to(self._bias0, (self._out,)), dtype=dt).copy()
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.in_features, self.out_features = self._in, self._out
        return self._out

    @property
    def weight(self) -> Optional[FloatArray]:
        """The weight array W, shape (in_features, out_features)."""
        return self.params.get("weight")

    @weight.setter
    def weight(self, value: ArrayLike) -> None:
        self._set_param("weight", value)

    @property
    def bias(self) -> Optional[FloatArray]:
        """The bias array b, shape (out_features,), or None without bias."""
        return self.params.get("bias")

    @bias.setter
    def bias(self, value: ArrayLike) -> None:
        if "bias" not in self.params:
            raise AttributeError(f"{self!r} has no bias")
        self._set_param("bias", value)

    def _describe(self, index_of: Callable[[str], int]) -> Tuple[Any, ...]:
        return (_LAYER_DENSE, self._in, self._out, 0, 0.0, index_of("weight"),
                index_of("bias") if self.use_bias else -1)

    def _penalized(self, name: str) -> bool:
        return name == "weight"

    def forward(self, x: ArrayLike) -> FloatArray:
        """``x @ W + b`` (nnc.matmul); caches x for backward."""
        from .linalg import matmul

        if not self.built:
            raise RuntimeError(f"{self!r} has no weights yet: put it in an nnc.Sequential or "
                               f"call layer.build({self._in})")
        x = _as_batch(x, self._in, self, self.params["weight"].dtype)
        y = matmul(x, self.params["weight"])
        if self.use_bias:
            y += self.params["bias"]
        self._cache = x
        return y

    def backward(self, dy: ArrayLike) -> FloatArray:
        """Given dy = d loss / d Y: grads["weight"] = x^T dy, grads["bias"] =
        column sums of dy; returns dx = dy W^T."""
        from .linalg import matmul

        x = self._need_cache()
        dy = _as_batch(dy, self._out, self, x.dtype, rows=x.shape[0], what="dy")
        matmul(x, dy, trans_a=True, out=self.grads["weight"])
        if self.use_bias:
            self.grads["bias"][...] = dy.sum(axis=0)
        return matmul(dy, self.params["weight"], trans_b=True)

    def _config(self) -> Dict[str, Any]:
        return {"in_features": self._in, "out_features": self._out, "bias": self.use_bias}

    def __repr__(self) -> str:
        extra = "" if self.use_bias else ", bias=False"
        return f"Dense({self._in} -> {self._out}{extra})"


def _as_batch(x, width, layer, dtype, rows=None, what="input"):
    """x as a C-contiguous 2-d array of `dtype` with `width` columns."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{layer!r}: {what} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 1 and width == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != width:
        cols = arr.shape[1] if arr.ndim == 2 else None
        msg = f"has {cols} columns" if cols is not None else f"has shape {arr.shape}"
        raise ValueError(f"{layer!r}: {what} {msg}, expected {width}")
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{layer!r}: {what} has {arr.shape[0]} rows but the forward pass had "
                         f"{rows}")
    return np.ascontiguousarray(arr, dtype=dtype)


def _accept_axis(init, cls_name):
    """Wraps an activation class's ``__init__`` to take Keras's ``axis=`` and
    PyTorch's ``dim=``: a row-wise activation (softmax, log_softmax) accepts
    the features axis (-1 or 1 of the (batch, features) input) and refuses
    another with the spelling that works; an elementwise one has no axis."""
    import functools

    @functools.wraps(init)
    def wrapper(self, *args, axis=None, dim=None, **kwargs):
        init(self, *args, **kwargs)
        if axis is None and dim is None:
            return
        key, value = ("axis", axis) if dim is None else ("dim", dim)
        if self.name not in ("softmax", "log_softmax"):
            raise TypeError(f"{cls_name}: works elementwise, it takes no {key}=")
        from .functional import _last_axis

        try:
            _last_axis(cls_name, np.empty((0, 0)), axis, dim)
        except ValueError:
            raise ValueError(f"{cls_name}: works on each sample's values, the last axis of "
                             f"the (batch, features) input ({key}=-1 or 1); got {key}="
                             f"{value}") from None

    return wrapper


class Activation(Layer):
    """A parameter-free elementwise (or row-wise, for softmax) function.

    ``Activation(name, alpha=0.0)`` with a name from ``nnc.functional``
    ("sigmoid", "tanh", "relu", ...); the named classes (one per activation
    of the op table, ``Sigmoid()``, ``LeakyReLU(alpha=0.01)``, ...) are the
    usual way to write them.
    """

    def __init__(self, name: str, alpha: float = 0.0) -> None:
        super().__init__()
        if name not in _ACT_CODES:
            raise ValueError(f"Activation: unknown activation {name!r}; expected one of "
                             f"{sorted(_ACT_CODES)}")
        self.name = name
        self.alpha = _check_real(alpha, "alpha", type(self).__name__)

    def __init_subclass__(cls, **kwargs):
        # Softmax(axis=-1) (Keras), Softmax(dim=-1) (PyTorch): see _accept_axis
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _accept_axis(cls.__dict__["__init__"], cls.__name__)

    def build(self, in_features: int, gen: Any = None, dtype: DTypeLike = "float64") -> int:
        self.in_features = self.out_features = int(in_features)
        self._dtype = np.dtype(dtype)
        self._build_params(np.dtype(dtype))
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        return self.out_features

    def _build_params(self, dt: Any) -> None:
        self.params = {}

    def _describe(self, index_of: Callable[[str], int]) -> Tuple[Any, ...]:
        return (_LAYER_ACTIVATION, self.in_features, self.out_features, _ACT_CODES[self.name],
                self.alpha, -1, -1)

    def _alpha_value(self) -> float:
        return self.alpha

    def forward(self, x: ArrayLike) -> FloatArray:
        """act(x) through nnc.functional; caches x and the output."""
        from . import functional as F

        width = self.in_features if self.built else np.asarray(x).shape[-1]
        x = _as_batch(x, width, self, getattr(self, "_dtype", np.float64))
        if _ACT_ROWS[self.name]["alpha"] != "none":
            y = getattr(F, self.name)(x, alpha=self._alpha_value())
        else:
            y = getattr(F, self.name)(x)
        self._cache = (x, y)
        return y

    def backward(self, dy: ArrayLike) -> FloatArray:
        """dx = dy * act'(x) (softmax: the row-wise Jacobian product)."""
        from . import functional as F

        x, y = self._need_cache()
        dy = _as_batch(dy, x.shape[1], self, x.dtype, rows=x.shape[0], what="dy")
        if _ACT_ROWS[self.name]["alpha"] != "none":
            return getattr(F, self.name + "_backward")(x, dy, alpha=self._alpha_value())
        return getattr(F, self.name + "_backward")(x, dy)

    def _config(self) -> Dict[str, Any]:
        if type(self) is Activation:
            return {"name": self.name, "alpha": self.alpha}
        return {"alpha": self.alpha} if type(self)._has_alpha else {}

    _has_alpha = False

    def __repr__(self) -> str:
        cls = type(self).__name__
        if cls == "Activation":
            return f"Activation({self.name!r}, alpha={self.alpha!r})"
        return f"{cls}(alpha={self.alpha!r})" if self._has_alpha else f"{cls}()"


class _LearnedAlpha(Activation):
    """An activation whose alpha is LEARNED (ops.def ALPHA = LEARNED, PReLU):
    one scalar shared by all units, the parameter ``alpha`` (an array of shape
    (1,), ``layer.alpha_param``), starting at ``alpha``.  Not penalised by
    L1/L2."""

    _param_order = ("alpha",)

    def _build_params(self, dt: Any) -> None:
        self.params = {"alpha": np.full((1,), self.alpha, dtype=dt)}

    @property
    def alpha_param(self) -> Optional[FloatArray]:
        """The learned slope as a 1-element array (None before build)."""
        return self.params.get("alpha")

    def _alpha_value(self) -> float:
        return float(self.params["alpha"][0]) if "alpha" in self.params else self.alpha

    def _describe(self, index_of: Callable[[str], int]) -> Tuple[Any, ...]:
        return (_LAYER_ACTIVATION, self.in_features, self.out_features, _ACT_CODES[self.name],
                0.0, index_of("alpha"), -1)

    def backward(self, dy: ArrayLike) -> FloatArray:
        """dx = dy * act'(x); grads["alpha"] = d loss / d alpha."""
        from . import functional as F

        x, y = self._need_cache()
        dy = _as_batch(dy, x.shape[1], self, x.dtype, rows=x.shape[0], what="dy")
        dx, dalpha = getattr(F, self.name + "_backward")(x, dy, self.params["alpha"][0])
        self.grads["alpha"][0] = dalpha
        return dx

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self._alpha_value()!r})"


def _activation_class(row: Dict[str, Any]) -> type:
    """The layer class of one ops.def activation row: ``Cls()`` without alpha,
    ``Cls(alpha=default)`` with a fixed or learned one."""
    name, mode, default = row["name"], row["alpha"], row["alpha_default"]
    base = _LearnedAlpha if mode == "learned" else Activation
    init: Callable[..., None]
    if mode == "none":
        def plain(self: Activation) -> None:
            Activation.__init__(self, name)
        init = plain
    else:
        def with_alpha(self: Activation, alpha: float = default) -> None:
            Activation.__init__(self, name, alpha)
        init = with_alpha
    doc = row["doc"]
    if mode == "learned":
        doc += "  " + " ".join((_LearnedAlpha.__doc__ or "").split("\n", 1)[1].split())
    init.__name__ = "__init__"
    cls = type(row["cls"], (base,), {"__init__": init, "__doc__": doc,
                                      "_has_alpha": mode != "none", "__module__": __name__})
    init.__qualname__ = f"{row['cls']}.__init__"
    return cls


if TYPE_CHECKING:
    # <generated by tools/gen_ops.py from ops.def: layer classes for type checkers>
    class Identity(Activation):
        def __init__(self) -> None: ...
    class Step(Activation):
        def __init__(self) -> None: ...
    class Sigmoid(Activation):
        def __init__(self) -> None: ...
    class Tanh(Activation):
        def __init__(self) -> None: ...
    class ReLU(Activation):
        def __init__(self) -> None: ...
    class LeakyReLU(Activation):
        def __init__(self, alpha: float = 0.01) -> None: ...
    class PReLU(_LearnedAlpha):
        def __init__(self, alpha: float = 0.25) -> None: ...
    class ELU(Activation):
        def __init__(self, alpha: float = 1.0) -> None: ...
    class SELU(Activation):
        def __init__(self) -> None: ...
    class Softmax(Activation):
        def __init__(self) -> None: ...
    class LogSoftmax(Activation):
        def __init__(self) -> None: ...
    class Softplus(Activation):
        def __init__(self) -> None: ...
# </generated>
    pass

for _row in _core._ops["activations"]:
    globals()[_row["cls"]] = _activation_class(_row)
    __all__.append(_row["cls"])
del _row

# Names used by save/load.
LAYER_TYPES = {name: globals()[name] for name in __all__ if name != "Layer"}
