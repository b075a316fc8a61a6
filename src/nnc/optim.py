"""Optimizers: how a parameter moves once its gradient (or its probes) are known.

One class per optimizer of the op table (csrc/core/ops.def; README's op table
lists them with their hyper-parameters and state): ``SGD``, ``Momentum``,
``Nesterov`` (the gradient taken at the look-ahead point), ``Adam``,
``RMSProp`` and ``HotCold`` (probes ``w +- step``, no gradient).  Each
gradient optimizer's class is generated from its row: its keyword arguments
are the row's hyper-parameters with their defaults (``nnc.Adam(lr=0.001,
beta1=0.9, beta2=0.999, eps=1e-08)``), checked as the row says, and its
state arrays are the row's (``opt.state[name]["m"]``).

Whether a step uses one sample, a mini-batch or the whole data set is decided
by ``fit``'s ``batch_size``, not by the optimizer: ``SGD`` with
``batch_size=None`` is full-batch gradient descent, with ``batch_size=1``
online (stochastic) gradient descent.

State.  Momentum's ``velocity``, Adam's moments ``m``, ``v``, RMSProp's ``v``
and the step counter ``t`` live in arrays the optimizer object owns (``opt.state[name]``
per parameter name, ``opt.t``), created (zero) the first time the optimizer
meets a model.  A second ``fit`` with the same optimizer continues where the
first stopped; a new optimizer -- or ``opt.reset()`` -- starts from zero.
The state belongs to one model at a time: handing the optimizer a different
model (or one whose parameters changed shape or dtype) starts fresh state for
it.

Names and spellings.  ``fit(optimizer="adam")`` (any of ``names()``) uses a
new optimizer with its default settings (``resolve_optimizer``).  The
constructors also take the Keras/PyTorch spellings ``learning_rate=`` (lr),
``momentum=`` (mu), ``beta_1=``/``beta_2=``/``betas=(b1, b2)`` and
``epsilon=`` (eps) where the optimizer has that setting.

Pickling and ``copy.deepcopy`` keep the settings and the state; the copy
takes up the state with the first model it meets whose parameters have the
same names, shapes and dtypes (e.g. the model pickled with it).

Step by step, ``opt.step(model)`` applies one update from the gradients in
the model's ``grads`` (filled by ``model.backward``), with the same kernels
as ``fit`` (``nnc.functional.<name>_step``).
"""
import contextlib
import math
from typing import TYPE_CHECKING, Any, Dict, Optional
import numbers
import weakref

import numpy as np

from . import _core

__all__ = ["Optimizer"]  # + one class per optimizer of ops.def, below

# ops.def's optimizer rows by name: hyper-parameters (name, default, check),
# state arrays, kind, whether the update reads t, whether it looks ahead.
_OPT_ROWS = {row["name"]: row for row in _core._ops["optimizers"]}
_OPT_CODES = {row["name"]: i for i, row in enumerate(_core._ops["optimizers"])}


def _real(value, name, what, positive=False, unit=False, nonneg=False):
    if isinstance(value, (np.ndarray, list, tuple)):  # one value per replica of nnc.sweep
        return _real_array(value, name, what, positive, unit, nonneg)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: {name} must be a real number, got "
                        f"{type(value).__name__} ({value!r})")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{what}: {name} must be finite, got {value!r}")
    if positive and not v > 0:
        raise ValueError(f"{what}: {name} must be > 0, got {value!r}")
    if nonneg and v < 0:
        raise ValueError(f"{what}: {name} must be >= 0, got {value!r}")
    if unit and not 0 <= v < 1:
        raise ValueError(f"{what}: {name} must be in [0, 1), got {value!r}")
    return v


def _real_array(value, name, what, positive, unit, nonneg):
    """A 1-d array of hyper-parameter values (one per replica of
    ``nnc.sweep``), each checked as ``_real`` checks one; a read-only copy."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.ndim != 1 or arr.size == 0:
        raise TypeError(f"{what}: {name} must be a real number or a non-empty 1-d array of "
                        f"them (one per replica of nnc.sweep), got {type(value).__name__} of "
                        f"dtype {arr.dtype} and shape {arr.shape}")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if positive:
        bad |= ~(arr > 0)
    if nonneg:
        bad |= arr < 0
    if unit:
        bad |= ~((arr >= 0) & (arr < 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _real(float(arr[i]), f"{name}[{i}]", what, positive=positive, unit=unit, nonneg=nonneg)
    arr.flags.writeable = False
    return arr


def _in_dtype(value, name, what, dtype, positive=False, unit=False):
    if isinstance(value, np.ndarray):
        with np.errstate(over="ignore"):
            r = value.astype(dtype).astype(np.float64)
        bad = ~np.isfinite(r)
        if positive:
            bad |= (value > 0) & ~(r > 0)
        if unit:
            bad |= ~(r < 1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _in_dtype(float(value[i]), f"{name}[{i}]", what, dtype, positive, unit)
        return r
    """Checks that ``value`` (a float already checked by ``_real``) keeps the
    property it was checked for once rounded to ``dtype``, the precision the
    kernels compute in: a float32 run would otherwise see an lr of 1e300 as
    inf, an eps of 1e-50 as 0 (so 0/0 = NaN for a zero gradient) and a beta
    of 1 - 1e-12 as 1 (a bias correction 1 - beta**t of 0)."""
    dt = np.dtype(dtype)
    with np.errstate(over="ignore"):
        r = float(dt.type(value))
    if not math.isfinite(r):
        raise ValueError(f"{what}: {name} = {value!r} does not fit in {dt.name} (it rounds to "
                         f"{r!r})")
    if positive and value > 0 and not r > 0:  # a zero given as such is _real's to judge
        raise ValueError(f"{what}: {name} = {value!r} rounds to 0 in {dt.name}; it must be > 0")
    if unit and not r < 1:
        raise ValueError(f"{what}: {name} = {value!r} rounds to 1 in {dt.name}; it must be < 1")
    return r


class Optimizer:
    """Base class.  A subclass sets ``kind``, the name of its ops.def row,
    which gives its hyper-parameters (attributes of the same names, see
    ``_attr``), their checks and its state arrays."""

    kind: Optional[str] = None

    def __init__(self) -> None:
        self.state: Dict[str, Dict[str, Any]] = {}
        self._t: Any = np.zeros(1, dtype=np.int64)  # int64 array of shape (1,), shared with C
        self._model: Any = None
        self._layout: Any = None

    # -- what the op table says ---------------------------------------------
    @classmethod
    def _row(cls):
        return _OPT_ROWS[cls.kind]

    @property
    def _state_names(self):
        return self._row()["states"]

    @classmethod
    def _attr(cls, hyper_name):
        """The attribute that holds a hyper-parameter: its name, or
        ``<name>_size`` when a method has the name (HotCold's ``step`` is
        ``opt.step_size``; ``opt.step`` is the method)."""
        return hyper_name + "_size" if callable(getattr(cls, hyper_name, None)) else hyper_name

    def _set_hyper(self, values):
        """Checks and stores the hyper-parameters (a dict name -> value)."""
        what = type(self).__name__
        for name, _default, check in self._row()["hyper"]:
            v = _real(values[name], name, what, positive=check == "positive",
                      unit=check == "unit")
            setattr(self, self._attr(name), v)

    # -- state --------------------------------------------------------------
    @property
    def t(self) -> int:
        """Number of updates applied so far (Adam's bias-correction counter)."""
        return int(self._t[0])

    def reset(self) -> None:
        """Forgets the state: the next update starts from zero velocity /
        moments and t = 0."""
        self.state = {}
        self._t[0] = 0
        self._model = None
        self._layout = None

    def _bind(self, model):
        """The per-parameter state arrays for `model`, created (zero) when the
        optimizer meets a new model or a changed parameter layout."""
        layout = tuple((name, arr.shape, arr.dtype.str) for name, arr in model.named_parameters())
        current = self._current(model, layout)
        if current is not model or layout != self._layout:
            self.reset()
            self._model = weakref.ref(model)
            self._layout = layout
            self.state = {name: {s: np.zeros_like(arr) for s in self._state_names}
                          for name, arr in model.named_parameters()}
        return [tuple(self.state[name][s] for s in self._state_names)
                for name, _ in model.named_parameters()]

    def _state_pair(self, model):
        """The engine's (state0, state1) per parameter, in ops.def order (None
        where the optimizer has fewer)."""
        return [states + (None,) * (2 - len(states)) for states in self._bind(model)]

    def _check_dtype(self, dtype, what="fit"):
        """ValueError naming the hyper-parameter when one of them loses its
        meaning in ``dtype`` (float32: overflow to inf, eps/lr to 0, a beta or
        mu to 1).  Every value is fine in float64: ``_real`` checked it there."""
        for name, _default, check in self._row()["hyper"]:
            _in_dtype(getattr(self, self._attr(name)), f"{type(self).__name__} {name}", what,
                      dtype, positive=check == "positive", unit=check == "unit")

    def _hyper_values(self):
        return tuple(float(getattr(self, self._attr(h[0]))) for h in self._row()["hyper"])

    def _engine_tuple(self):
        """(kind, hyper-parameters in ops.def order, step counter)."""
        for name, v in self._hyper():
            if isinstance(v, np.ndarray):
                raise TypeError(f"fit: {type(self).__name__} holds {v.size} values of {name} (a "
                                f"sweep over hyper-parameters): run it with nnc.sweep(model, X, "
                                f"y, ...), or give one value")
        return (_OPT_CODES[self.kind], self._hyper_values(), self._t)

    # -- step by step -------------------------------------------------------
    def step(self, model: Any) -> None:
        """One update of every parameter of `model` from its grads."""
        raise NotImplementedError

    def _pairs(self, model):
        self._bind(model)
        grads = dict(model.named_grads())
        return [(name, w, grads[name]) for name, w in model.named_parameters()]

    # -- Keras / PyTorch spellings, pickling --------------------------------
    # Keras / PyTorch keyword -> nnc keyword
    _SPELLINGS = {"learning_rate": "lr", "momentum": "mu", "beta_1": "beta1",
                  "beta_2": "beta2", "epsilon": "eps"}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = Optimizer._accept_spellings(cls.__dict__["__init__"], cls.__name__)

    @staticmethod
    def _accept_spellings(init, cls_name):
        """Wraps an optimizer's ``__init__`` so that ``learning_rate=``,
        ``momentum=``, ``beta_1=``, ``beta_2=``, ``betas=`` and ``epsilon=``
        mean nnc's ``lr``, ``mu``, ``beta1``, ``beta2`` and ``eps``; a
        spelling of a setting the optimizer lacks is refused with nnc's."""
        import functools
        import inspect

        params = inspect.signature(init).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return init  # a base class's **hyper: its subclasses translate
        own = set(params)

        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            if "betas" in kwargs:
                betas = kwargs.pop("betas")
                if "beta1" not in own:
                    raise TypeError(f"{cls_name}: has no betas (PyTorch's Adam setting); see "
                                    f"nnc.Adam(lr, beta1, beta2, eps)")
                try:
                    kwargs["beta_1"], kwargs["beta_2"] = betas
                except (TypeError, ValueError):
                    raise TypeError(f"{cls_name}: betas must be a pair (beta1, beta2), got "
                                    f"{betas!r}") from None
            for alias, name in Optimizer._SPELLINGS.items():
                if alias not in kwargs:
                    continue
                if name not in own:
                    hint = {"mu": "momentum is nnc.Momentum(lr, mu=0.9) or "
                                  "nnc.Nesterov(lr, mu=0.9)",
                            "beta1": "nnc.Adam(lr, beta1, beta2, eps) has betas",
                            "beta2": "nnc.Adam(lr, beta1, beta2, eps) has betas",
                            "eps": "nnc.Adam(lr, beta1, beta2, eps) has eps",
                            "lr": f"it has no learning rate; see help(nnc.{cls_name})"}[name]
                    raise TypeError(f"{cls_name}: unexpected keyword {alias}= ({hint})")
                if name in kwargs:
                    raise TypeError(f"{cls_name}: got both {name}= and {alias}= (the same "
                                    f"setting); give one")
                kwargs[name] = kwargs.pop(alias)
            return init(self, *args, **kwargs)

        return wrapper

    def __getstate__(self):
        # pickle / deepcopy: the weak reference to the model cannot be pickled.
        # The copy keeps the layout and takes up the state with the first
        # model that matches it (_current).  Between Nesterov's look_ahead and
        # step the model itself goes along, so that step finds it.
        state = dict(self.__dict__)
        model = self._model() if self._model is not None else None
        state["_model"] = model if getattr(self, "_saved", None) is not None else None
        state["_adopt_layout"] = self._layout
        return state

    def __setstate__(self, state):
        # the state arrays are updated in place: plain writeable arrays
        from ._pickling import writable

        self.__dict__.update(state)
        if self._model is not None:
            self._model = weakref.ref(self._model)
        self.state = {name: writable(st) for name, st in self.state.items()}
        self._t = writable(self._t)
        if getattr(self, "_saved", None) is not None:
            self._saved = writable(self._saved)

    def _current(self, model, layout):
        """The model the state belongs to (None if none): after unpickling,
        ``model`` itself when its parameter layout is the one the state was
        made for."""
        current = self._model() if self._model is not None else None
        adopt = self.__dict__.pop("_adopt_layout", None)
        if current is None and adopt is not None and layout == adopt == self._layout:
            self._model = weakref.ref(model)
            return model
        return current

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._hyper())})"

    def _hyper(self):
        return tuple((h[0], getattr(self, self._attr(h[0]))) for h in self._row()["hyper"])


class _Gradient(Optimizer):
    """A GRADIENT optimizer of the op table: ``step`` applies its update
    kernel (``nnc.functional.<kind>_step``) to every parameter."""

    def __init__(self, **hyper: Any) -> None:
        super().__init__()
        self._saved: Any = None
        self._set_hyper(hyper)

    def _step_fn(self):
        from . import functional as F

        return getattr(F, f"{self.kind}_step")

    def look_ahead(self, model: Any) -> None:
        """Moves the model's parameters to w + mu v, remembering w (only for
        look-ahead optimizers: call it before the forward and backward
        passes of a step-by-step update)."""
        from .linalg import axpy

        if not self._row()["look_ahead"]:
            raise TypeError(f"{type(self).__name__} takes its gradient at w: it has no look_ahead")
        self._bind(model)
        self._saved = {}
        mu, velocity = self._hyper_values()[1], self._state_names[0]
        for name, w in model.named_parameters():
            self._saved[name] = w.copy()
            axpy(mu, self.state[name][velocity], w)

    def step(self, model: Any) -> None:
        # Serialised with fit and every other method that touches the model's
        # parameters (the model's lock), so another thread never sees half a step.
        lock = getattr(model, "_lock", None)
        with lock if lock is not None else contextlib.nullcontext():
            self._step(model)

    def _step(self, model):
        row = self._row()
        if row["look_ahead"] and (self._saved is None or self._model is None
                                  or self._model() is not model):
            raise RuntimeError(f"{type(self).__name__}.step: call opt.look_ahead(model) before "
                               f"the forward and backward passes, so that the gradient is taken "
                               f"at w + mu v")
        fn, hyper = self._step_fn(), self._hyper_values()
        pairs = self._pairs(model)
        t = self.t + 1
        lead = (t,) if row["uses_t"] else ()
        for name, w, g in pairs:
            if row["look_ahead"]:
                w[...] = self._saved[name]
            fn(w, g, *(self.state[name][s] for s in self._state_names), *lead, *hyper)
        self._saved = None
        self._t[0] = t

    def reset(self) -> None:
        super().reset()
        self._saved = None


class _Probe(Optimizer):
    """A PROBE optimizer of the op table: derivative-free, the engine probes
    the loss around every parameter value (the engine's probe step,
    engine_impl.h), so a step needs the data and the loss."""

    def __init__(self, **hyper):
        super().__init__()
        self._set_hyper(hyper)

    def step(self, model, X=None, y=None, loss=None, l1=0.0, l2=0.0):
        """One full-batch step through the engine (``fit`` for one epoch):
        ``opt.step(model, X, y, loss)``."""
        if X is None or y is None or loss is None:
            raise TypeError(f"{type(self).__name__}.step(model, X, y, loss): a probing "
                            f"optimizer evaluates the loss, so it needs the data and the loss")
        model.fit(X, y, loss=loss, optimizer=self, epochs=1, l1=l1, l2=l2, divergence=None)


_PROBE_NOTE = """

    Every parameter value is probed from the same starting point and all move
    at once; no gradient, so each step costs 1 + 2 * n_params forward passes
    (the ``History.forward_passes`` count), against 1 (+ a backward pass) for
    the gradient methods.  With one parameter it is exactly the book's loop.

    Step by step: ``opt.step(model, X, y, loss)`` (it needs the data to
    probe; it runs one full-batch step through the engine)."""


def _optimizer_class(row):
    """The class of one row of ops.def: ``Cls(**hyper-parameters with their
    defaults)``, a docstring from the row; a GRADIENT row's base is
    ``_Gradient``, a PROBE row's ``_Probe``."""
    base = _Gradient if row["kind"] == "gradient" else _Probe
    params = ", ".join(f"{name}={default!r}" for name, default, _ in row["hyper"])
    args = ", ".join(f"{name}={name}" for name, _, _ in row["hyper"])
    ns = {"_base": base}
    exec(f"def __init__(self, {params}):\n    _base.__init__(self, {args})\n", ns)
    doc = row["doc"]
    if row["states"]:
        doc += ("\n\n    State: " + ", ".join(f'``opt.state[name][{s!r}]``' for s in row["states"])
                + " and ``opt.t``.")
    if row["look_ahead"]:
        doc += ("\n\n    ``fit`` evaluates the gradient at the look-ahead point and then updates "
                "``w``; the\n    model's parameters between steps are ``w``.  Step by step: "
                "``opt.look_ahead(model)``,\n    then ``forward`` / ``backward``, then "
                "``opt.step(model)``.")
    if row["kind"] == "probe":
        doc += _PROBE_NOTE
    ns["__init__"].__qualname__ = f"{row['cls']}.__init__"
    return type(row["cls"], (base,), {"kind": row["name"], "__init__": ns["__init__"],
                                      "__doc__": doc, "__module__": __name__})


if TYPE_CHECKING:
    # <generated by tools/gen_ops.py from ops.def: optimizer classes for type checkers>
    class SGD(_Gradient):
        def __init__(self, lr: Any = 0.01, **spellings: Any) -> None: ...
    class Momentum(_Gradient):
        def __init__(self, lr: Any = 0.01, mu: Any = 0.9, **spellings: Any) -> None: ...
    class Nesterov(_Gradient):
        def __init__(self, lr: Any = 0.01, mu: Any = 0.9, **spellings: Any) -> None: ...
    class Adam(_Gradient):
        def __init__(self, lr: Any = 0.001, beta1: Any = 0.9, beta2: Any = 0.999, eps: Any = 1e-08, **spellings: Any) -> None: ...
    class HotCold(_Probe):
        def __init__(self, step: Any = 0.001, **spellings: Any) -> None: ...
    class RMSProp(_Gradient):
        def __init__(self, lr: Any = 0.001, rho: Any = 0.9, eps: Any = 1e-08, **spellings: Any) -> None: ...
# </generated>
    pass

for _row in _core._ops["optimizers"]:
    globals()[_row["cls"]] = _optimizer_class(_row)
    __all__.append(_row["cls"])
del _row


def _by_name():
    """name -> class for every optimizer class of this module (its ``kind``;
    "hot_cold" too)."""
    found, todo = {}, [Optimizer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__ == __name__ and not cls.__name__.startswith("_") and cls.kind:
            found[cls.kind] = cls
    if "hotcold" in found:
        found["hot_cold"] = found["hotcold"]
    return found


def names() -> list:
    """The optimizer names ``resolve_optimizer`` (and ``fit``) accept."""
    return sorted(_by_name())


def resolve_optimizer(spec: object, what: str = "fit") -> Optimizer:
    """An Optimizer from ``spec``: an nnc optimizer object (returned as is,
    state and all), an optimizer class (``nnc.Adam``) or a name ("sgd",
    "momentum", "nesterov", "adam", "hotcold", ...: ``names()``; case does
    not matter), which give a NEW optimizer with its default settings (SGD
    lr=0.01, Momentum and Nesterov lr=0.01 mu=0.9, Adam lr=0.001, HotCold
    step=0.001)."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, type) and issubclass(spec, Optimizer) and spec.kind is not None:
        return spec()
    if isinstance(spec, str):
        key = spec.strip().lower().replace("-", "_")
        by_name = _by_name()
        if key in by_name:
            return by_name[key]()
        raise ValueError(f"{what}: unknown optimizer {spec!r}; expected one of {names()}, or an "
                         f"optimizer object such as nnc.SGD(lr=0.1)")
    raise TypeError(f"{what}: optimizer must be an nnc optimizer (nnc.SGD(lr), nnc.Adam(), ...) "
                    f"or its name ('sgd', 'adam', ...), got {type(spec).__name__} ({spec!r})")


__all__ += ["resolve_optimizer", "names"]
