"""``nnc.Sequential``: a stack of layers, trained by one call into C.

Python describes the network (layer kinds, widths, and the NumPy arrays that
hold the parameters, their gradients and the optimizer state); the C engine
runs the whole training loop on those arrays with the GIL released and fills
preallocated record arrays, which come back as a ``History``.
"""
from __future__ import annotations

import json
import math
import numbers
import operator
import sys
import time

from typing import Any, Callable, Iterable, NoReturn, Optional

import numpy as np

from . import _core
from . import _guard
from . import layers as _layers
from . import losses as _losses
from ._typing import ArrayLike, DTypeLike, FloatArray
from .optim import Optimizer, _in_dtype

__all__ = ["Sequential", "History", "DivergenceError", "load"]

_FORMAT = "nnc.Sequential"
_FORMAT_VERSION = 1


class DivergenceError(FloatingPointError):
    """A training run stopped because its loss became NaN/inf or grew past
    ``divergence`` times its starting loss.

    Attributes: ``epoch`` and ``step`` (0-based indices of the step whose
    forward pass produced the loss; the parameters are those it saw, i.e.
    the result of the previous step), ``loss`` (that loss), ``reference``
    (the starting loss it was compared with), ``reason`` ("nonfinite" or
    "threshold") and ``history`` (the History of the completed steps).
    """

    def __init__(self, message, *, epoch, step, loss, reference, reason, history):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.loss = loss
        self.reference = reference
        self.reason = reason
        self.history = history

    def __reduce__(self):
        # The keyword-only constructor cannot be called with ``args`` alone
        # (BaseException's default): rebuild from args plus the attributes.
        return (_rebuild_exception, (type(self), self.args), self.__dict__)


def _rebuild_exception(cls, args):
    exc = cls.__new__(cls)
    exc.args = args
    return exc


class History:
    """What a ``fit`` recorded.

    ``loss``: one value per completed epoch (float64).  With full-batch
        steps (one step per epoch) it is that step's loss, computed in the
        step's forward pass BEFORE its update.  With several steps per epoch
        it is the mean of the per-sample losses seen during the epoch:
        ``sum_b loss_b * rows_b / rows`` for ``reduction="mean"`` (every batch
        loss weighted by its rows), ``sum_b loss_b`` for ``reduction="sum"``.
        L1/L2 penalties are part of every step's loss.
    ``step_loss``: with ``record="step"`` or ``"params"``, one value per step:
        the loss of step i's forward pass, before step i's update (what the
        books print); None otherwise.
    ``params``: with ``record="params"``, an array (steps + 1, n_params):
        row 0 the parameters before the first step, row i + 1 after step i,
        each row the parameters flattened in ``named_parameters`` order
        (columns labelled by ``param_names``, e.g. "layers.0.weight[0, 1]");
        None otherwise.
        ``history.param("layers.0.weight")`` gives one parameter's trajectory
        in its own shape.
    ``forward_passes``: forward passes over a batch the optimizer made: one
        per step for the gradient methods (the backward pass is not counted),
        1 + 2 * n_params per step for HotCold.
    ``epochs``, ``steps``: completed epochs and steps.
    ``status``: "completed", "stopped" (a callback returned True),
        "interrupted" (KeyboardInterrupt) or "diverged".
    """

    def __init__(self, loss: FloatArray, step_loss: FloatArray | None, params: FloatArray | None,
                 param_names: list[str] | None, param_shapes: list[tuple[str, tuple[int, ...]]],
                 forward_passes: int, epochs: int, steps: int, status: str) -> None:
        self.loss = loss
        self.step_loss = step_loss
        self.params = params
        self._param_names = param_names
        self._param_shapes = param_shapes
        self.forward_passes = int(forward_passes)
        self.epochs = int(epochs)
        self.steps = int(steps)
        self.status = status

    @property
    def param_names(self) -> list[str]:
        """One label per column of ``params`` ("layers.0.weight[0, 1]"), in
        ``named_parameters`` order."""
        if self._param_names is None:
            self._param_names = [f"{name}[{', '.join(map(str, idx))}]"
                                 for name, shape in self._param_shapes
                                 for idx in np.ndindex(*shape)]
        return self._param_names

    def param(self, name: str) -> FloatArray:
        """The trajectory of parameter ``name`` ("layers.0.weight"): an array
        (steps + 1, *shape) taken from ``params`` (record="params" only)."""
        if self.params is None:
            raise ValueError("History.param: the run did not record parameters; pass "
                             "record='params' to fit")
        start = 0
        for pname, shape in self._param_shapes:
            size = int(np.prod(shape, dtype=np.int64))
            if pname == name:
                return self.params[:, start:start + size].reshape((-1,) + tuple(shape))
            start += size
        raise KeyError(f"History.param: no parameter {name!r}; the model has "
                       f"{[p for p, _ in self._param_shapes]}")

    def __len__(self):
        return self.epochs

    def __repr__(self):
        parts = [f"epochs={self.epochs}", f"steps={self.steps}"]
        if self.loss.size:
            parts.append(f"loss {self.loss[0]:.6g} -> {self.loss[-1]:.6g}")
        parts.append(f"forward_passes={self.forward_passes}")
        if self.status != "completed":
            parts.append(f"status={self.status!r}")
        return f"History({', '.join(parts)})"


class _Progress:
    """A progress bar (tqdm.auto when installed, else one updating line on
    stderr), redrawn at most every 0.2 s."""

    def __init__(self, total):
        self.total = total
        self.last = 0.0
        self.bar = None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            self.bar = tqdm(total=total, unit="epoch", desc="fit")

    def update(self, epochs_done, loss, force=False):
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        if self.bar is not None:
            self.bar.n = epochs_done
            if loss is not None:
                self.bar.set_postfix(loss=f"{loss:.6g}", refresh=False)
            self.bar.refresh()
        else:
            text = f"\rfit: epoch {epochs_done}/{self.total}"
            if loss is not None:
                text += f"  loss {loss:.6g}"
            sys.stderr.write(text)
            sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        else:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _check_int(value, name, minimum, what="fit"):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what}: {name} must be an int, got {type(value).__name__} ({value!r})")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{what}: {name} must be >= {minimum}, got {value}")
    return value


def _check_nonneg(value, name, what="fit"):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: {name} must be a real number, got "
                        f"{type(value).__name__} ({value!r})")
    v = float(value)
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{what}: {name} must be finite and >= 0, got {value!r}")
    return v


_INT64_MAX = 2 ** 63 - 1
_MAX_THREADS = 1024  # the cap nnc.matmul applies to its threads argument too


def _record(make, need):
    """Allocates one of fit's records, turning NumPy's size errors into one
    that says which argument asked for so much."""
    try:
        return make()
    except ValueError:  # NumPy: more bytes than an array can address
        raise ValueError(f"fit: {need}, more than an array can hold") from None
    except MemoryError:
        raise MemoryError(f"fit: {need}, more than the free memory holds") from None


def _check_hyper_in_dtype(dtype, what, loss=None, l1=0.0, l2=0.0, optimizer=None):
    """The engine computes in the model's dtype: refuse a hyper-parameter that
    overflows (or, where it must stay > 0 or < 1, rounds to 0 or 1) there."""
    _in_dtype(l1, "l1", what, dtype)
    _in_dtype(l2, "l2", what, dtype)
    if loss is not None:
        _in_dtype(float(loss.delta), f"{type(loss).__name__} delta", what, dtype,
                  positive=True)
    if optimizer is not None:
        optimizer._check_dtype(dtype, what)


#: fit(sum_order=...) names -> the engine's nnc_sum_order_t codes.
_SUM_ORDERS = {"fixed": 0, "data": 1, "pharo": 2}
_SUM_NAMES = {v: k for k, v in _SUM_ORDERS.items()}


#: fit(transcendentals=...) names -> the engine's nnc_trans_t codes.
_TRANSCENDENTALS = {"nnc": 0, "libm": 1}
#: What transcendentals="libm" does not cover (their exp / log stay nnc's).
_LIBM_REFUSED_ACTS = ("ELU", "SELU", "Softmax", "LogSoftmax", "Softplus")
_LIBM_REFUSED_LOSSES = ("log_loss", "log_loss_with_logits", "cross_entropy", "kl_divergence")


def _drop_partial_batch(order, length, bs, shuffle):
    """fit(drop_last=True): ``(order, length, keep)`` of one epoch without its
    trailing partial batch (unchanged, keep 0, when there is none).  With
    shuffle the engine permutes all rows and walks the first ``keep``."""
    if bs > length:
        raise ValueError(f"fit: drop_last=True with batch_size={bs} larger than the "
                         f"{length} rows of an epoch leaves no full batch to train on")
    if bs == 0 or bs == length or length % bs == 0:
        return order, length, 0
    keep = length - length % bs
    if shuffle and order is None:
        return None, keep, keep
    seq = np.arange(length, dtype=np.int64) if order is None else order
    return np.ascontiguousarray(seq[:keep], dtype=np.int64), keep, 0


class Sequential:
    """A feed-forward network: ``layers`` applied in order.

    ``Sequential(layers, seed=0, dtype="float64")`` builds every layer's
    parameters in ``dtype`` ("float32" or "float64"), drawing the initial
    weights, layer by layer (weight, then bias), from ``nnc.Generator(seed)``
    -- ``model.generator``, which later also draws ``fit(shuffle=True)``'s
    permutations.  The same seed gives the same network on every platform.
    The input width is the first Dense layer's ``in_features``.

    Parameters are NumPy arrays that ARE the weights (see ``nnc.layers``):
    ``model.named_parameters()`` lists them as ("layers.0.weight", array), in
    the fixed order layers-in-order, then weight, bias (PReLU: alpha); the
    matching gradient arrays are in ``model.named_grads()`` (and each layer's
    ``grads`` dict).

    Threads: one model, one lock.  Every method that reads or writes the
    parameters, gradients or optimizer state (``fit``, ``predict``,
    ``evaluate``, ``compute_gradients``, ``forward``, ``backward``,
    ``zero_grad``, ``get_flat_params``/``set_flat_params``, ``copy``,
    ``save``, and ``nnc.loss_surface``/``nnc.gradcheck``) holds the model's
    lock, so calls from several threads are serialised: another thread's
    ``predict`` waits for a running ``fit`` and never sees a half-done step.
    A ``fit`` callback runs on the fitting thread and may call the model's
    read-only methods and use ``model.generator``; calling ``fit`` on the
    same model from its own callback raises RuntimeError.
    """

    def __init__(self, layers: Iterable[Any], seed: int = 0,
                 dtype: DTypeLike = "float64") -> None:
        from .random import Generator

        layers = list(layers)
        if not layers:
            raise ValueError("Sequential: needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, _layers.Layer):
                raise TypeError(f"Sequential: layers[{i}] is {type(layer).__name__} "
                                f"({layer!r}), not an nnc layer")
            if layer._owner is not None:
                raise ValueError(f"Sequential: layers[{i}] ({layer!r}) already belongs to "
                                 f"another model; create a new layer")
        if len({id(l) for l in layers}) != len(layers):
            raise ValueError("Sequential: the same layer object appears twice")
        try:
            dt = np.dtype(dtype)
        except TypeError:
            dt = None
        if dt is None or dt not in (np.float32, np.float64):
            raise TypeError(f"Sequential: dtype must be 'float32' or 'float64', got {dtype!r}")
        self.dtype = dt
        self.seed = seed
        self.generator = Generator(seed)
        self.layers = layers
        width = next((l._in for l in layers if isinstance(l, _layers.Dense)), None)
        if width is None:
            raise ValueError("Sequential: needs at least one Dense layer (it fixes the input "
                             "width)")
        for i, layer in enumerate(layers):
            # A slope the engine would round to inf in this dtype (PReLU(1e308)
            # in float32) is refused rather than built as inf.
            alpha = getattr(layer, "alpha", None)
            if isinstance(alpha, float) and not abs(alpha) <= float(np.finfo(dt).max):
                raise ValueError(f"Sequential: layers[{i}] {layer!r} has alpha = {alpha!r}, "
                                 f"which does not fit in {dt.name} (largest "
                                 f"{float(np.finfo(dt).max):.6g})")
        for layer in layers:
            width = layer.build(width, gen=self.generator, dtype=dt)
            layer._owner = self
        self._lock = _guard.ModelLock()

    # ------------------------------------------------------------------ shape
    @property
    def in_features(self):
        return self.layers[0].in_features

    @property
    def out_features(self):
        return self.layers[-1].out_features

    # ------------------------------------------------------------- parameters
    def named_parameters(self):
        """[(name, array)]: layers in order, then weight, bias (PReLU:
        alpha); names like "layers.0.weight"."""
        return [(f"layers.{i}.{n}", a) for i, layer in enumerate(self.layers)
                for n, a in layer.named_parameters()]

    def named_grads(self):
        """[(name, gradient array)] in ``named_parameters`` order."""
        return [(f"layers.{i}.{n}", layer.grads[n]) for i, layer in enumerate(self.layers)
                for n, _ in layer.named_parameters()]

    def parameters(self):
        """The parameter arrays in ``named_parameters`` order."""
        return [a for _, a in self.named_parameters()]

    @property
    def n_params(self):
        """Number of scalar parameters."""
        return sum(int(a.size) for _, a in self.named_parameters())

    def param_names(self):
        """One label per scalar parameter, in the flattened order of
        ``get_flat_params`` and ``History.params``: "layers.0.weight[0, 1]"."""
        labels = []
        for name, arr in self.named_parameters():
            for idx in np.ndindex(arr.shape):
                labels.append(f"{name}[{', '.join(map(str, idx))}]")
        return labels

    @_guard.locked
    def get_flat_params(self):
        """A copy of every parameter, flattened in ``named_parameters`` order."""
        arrays = [a.ravel() for a in self.parameters()]
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=self.dtype)

    @_guard.locked
    def set_flat_params(self, values):
        """Sets every parameter from a flat vector (e.g. a row of
        ``History.params``)."""
        v = np.asarray(values)
        if v.ndim != 1 or v.size != self.n_params:
            raise ValueError(f"set_flat_params: expected {self.n_params} values, got shape "
                             f"{v.shape}")
        start = 0
        for _, a in self.named_parameters():
            a[...] = v[start:start + a.size].reshape(a.shape)
            start += a.size

    @_guard.locked
    def zero_grad(self):
        """Sets every gradient array to 0."""
        for layer in self.layers:
            layer.zero_grad()

    # ------------------------------------------------------ engine description
    def _describe(self, optimizer=None):
        names = [n for n, _ in self.named_parameters()]
        index = {n: k for k, n in enumerate(names)}
        layers = tuple(layer._describe(lambda p, i=i: index[f"layers.{i}.{p}"])
                       for i, layer in enumerate(self.layers))
        states = (optimizer._state_pair(self) if optimizer is not None
                  else [(None, None)] * len(names))
        params = []
        k = 0
        for layer in self.layers:
            for pname, arr in layer.named_parameters():
                s1, s2 = states[k]
                params.append((arr, layer.grads[pname], s1, s2, layer._penalized(pname)))
                k += 1
        return layers, tuple(params)

    def _param_shapes(self):
        return [(n, a.shape) for n, a in self.named_parameters()]

    def _structure_objects(self, optimizer):
        """Every object fit's engine description is made from: the model's
        dtype and layer list, each layer and each of its attributes, its
        parameter and gradient arrays, the optimizer's attributes (settings,
        state dict, step counter) and state arrays.  The description is
        rebuilt when any of them is replaced (``model.layers.append``, a new
        array in ``layer.params``, ``opt.lr = 0.2``, ``opt.reset()``, a fit
        of another model with the optimizer, ...); values written in place
        (``layer.weight[...] = 0``, ``set_flat_params``) are read live."""
        objs = [self.dtype, self.layers, optimizer, *optimizer.__dict__.values()]
        for layer in self.layers:
            objs += (layer, *layer.__dict__.values(), *layer.params.values(),
                     *layer.grads.values())
        for states in optimizer.state.values():
            objs += states.values()
        return objs

    def _fit_description(self, optimizer):
        """(dtype name, layers, params, optimizer tuple, parameter shapes) for
        fit's engine call: ``_describe(optimizer)`` (which binds the
        optimizer's state to this model) and the optimizer's checked engine
        tuple, kept until one of ``_structure_objects`` is replaced (compared
        by identity; the kept objects stay alive with it, so no new object
        can be taken for one of them)."""
        memo = self.__dict__.get("_description_memo")
        if memo is not None:
            objs = self._structure_objects(optimizer)
            if len(objs) == len(memo[0]) and all(map(operator.is_, objs, memo[0])):
                return memo[1]
        layers, params = self._describe(optimizer)
        if self.dtype != np.float64:  # every value the engine takes fits in float64
            _check_hyper_in_dtype(self.dtype, "fit", optimizer=optimizer)
        desc = (self.dtype.name, layers, params, optimizer._engine_tuple(),
                tuple(self._param_shapes()))
        objs = self._structure_objects(optimizer)  # after _describe bound the state
        self.__dict__["_description_memo"] = (objs, desc)
        return desc

    def _inputs(self, X, name="X"):
        if (type(X) is np.ndarray and X.dtype is self.dtype and X.ndim == 2 and X.shape[0]
                and X.shape[1] == self.layers[0].in_features and X.flags.c_contiguous):
            return X  # what the checks and the conversion below would return
        arr = np.asarray(X)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
        width = self.in_features
        if arr.ndim == 1 and width == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[1] != width:
            first = self.layers[0]
            shown = f"has {arr.shape[1]} columns" if arr.ndim == 2 else f"has shape {arr.shape}"
            hint = " (a 1-d X is taken as one column only for a model with 1 input)" \
                if arr.ndim == 1 else ""
            raise ValueError(f"{first!r}: {name} {shown}, expected {width}{hint}")
        if arr.shape[0] < 1:
            raise ValueError(f"{name} has no rows")
        return np.ascontiguousarray(arr, dtype=self.dtype)

    # ---------------------------------------------------------- one pass in C
    @_guard.locked
    def predict(self, X: ArrayLike) -> FloatArray:
        """The network's output for every row of X (one C call): an array
        (n, out_features)."""
        X = self._inputs(X)
        layers, params = self._describe()
        _, pred = _core.engine_eval(self.dtype.name, layers, params, X, None, None, 0.0, 0.0,
                                    False, True, 1)
        assert pred is not None  # want_pred
        return pred

    def evaluate(self, X: ArrayLike, y: ArrayLike, loss: str | _losses.Loss | type[_losses.Loss],
                 l1: float = 0.0, l2: float = 0.0) -> float:
        """The objective ``loss(predict(X), y) + l1 sum|W| + l2 sum W^2`` over all
        rows (one C call), as a float."""
        return self._objective(X, y, loss, l1, l2, grads=False, where="evaluate")

    def compute_gradients(self, X, y, loss, l1=0.0, l2=0.0):
        """Fills every parameter's gradient (``named_grads``) with d objective /
        d parameter over all rows, by the C engine's forward and backward
        passes -- the gradients ``fit`` uses; returns the objective."""
        return self._objective(X, y, loss, l1, l2, grads=True, where="compute_gradients")

    @_guard.locked
    def _objective(self, X, y, loss, l1, l2, *, grads, where):
        # evaluate and compute_gradients: one validated C call, with or
        # without the backward pass.
        loss = _losses.get(loss)
        X = self._inputs(X)
        Y = loss.prepare_targets(y, X.shape[0], self.out_features, self.dtype)
        l1 = _check_nonneg(l1, "l1", where)
        l2 = _check_nonneg(l2, "l2", where)
        _check_hyper_in_dtype(self.dtype, where, loss, l1, l2)
        layers, params = self._describe()
        value, _ = _core.engine_eval(self.dtype.name, layers, params, X, Y, loss._params(),
                                     l1, l2, grads, False, 1)
        assert value is not None  # a loss was given
        return value

    # ---------------------------------------------------------- step by step
    @_guard.locked
    def forward(self, X):
        """Runs every layer's ``forward`` in Python (nnc.matmul and
        nnc.functional kernels), caching what ``backward`` needs; returns the
        output."""
        out = self._inputs(X)
        for layer in self.layers:
            out = layer.forward(out)
        return out

    @_guard.locked
    def backward(self, dloss):
        """Back-propagates ``dloss`` = d loss / d output (shape of forward's
        output) through every layer, filling every gradient array; returns
        d loss / d X."""
        d = dloss
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    # ------------------------------------------------------------------- fit
    def fit(self, X: ArrayLike, y: ArrayLike, *, loss: str | _losses.Loss | type[_losses.Loss],
            optimizer: Optimizer | str, epochs: int | None = None, batch_size: int | None = None,
            shuffle: bool = False, order: ArrayLike | None = None, l1: float = 0.0,
            l2: float = 0.0, record: str = "epoch", divergence: float | None = 1e6,
            callback: Callable[[int, History], bool | None] | None = None,
            callback_every: int | None = None, progress: bool = False,
            threads: int = 1, drop_last: bool = False, sum_order: str = "fixed",
            mean: str = "divide", transcendentals: str = "nnc") -> History:
        """Trains the model in ONE call into C and returns a ``History``.

        X: (n, in_features) (1-d accepted for a 1-input model); y: (n,
        out_features) (1-d accepted for a 1-output model; integer class
        indices accepted with cross_entropy).  loss: a name or an
        ``nnc.losses`` object.  optimizer: an ``nnc.optim`` optimizer
        (``nnc.SGD``, ``Momentum``, ``Nesterov``, ``Adam``, ``RMSProp``,
        ``HotCold``, ...; its state persists across fits).

        Schedule:
          - ``batch_size=None``: full batch, one step per epoch over all n rows;
            ``1``: online, one step per sample; ``k``: mini-batches of k rows in
            data order, the last partial batch kept with its own size.
          - ``shuffle=True``: before every epoch the rows are permuted by
            ``model.generator`` (so the run is reproducible from the seed).
          - ``order``: an explicit 1-d sequence of sample indices (repeats
            allowed).  One epoch walks ``order`` once, ``batch_size``
            (default 1: one step per entry) consecutive entries per step;
            ``epochs`` (default 1) repeats it.  Use it to replay a book's own
            random picks.  Not combined with shuffle.
          A ``batch_size`` of at least the data length (n rows, or the length
          of ``order``) is one full batch per epoch.
          - ``drop_last=True``: a trailing batch shorter than ``batch_size`` is
            never used (Bergel's mini-batch loop, which closes a batch only
            when the index is a multiple of the batch size).  It runs as an
            ``order`` of the kept rows, so the rows are gathered into a
            buffer each step (a copy of batch_size rows: about 6% slower than
            in-place batches on a one-neuron model, the same arithmetic).
            A ``batch_size`` larger than the epoch (n rows, or ``order``'s
            length) leaves no full batch: ValueError.
            With ``shuffle=True`` every epoch permutes all n rows and walks
            the first ``n - n % batch_size`` of the permutation (shuffle, then
            drop the trailing partial batch); with ``order`` it drops the
            order's tail.

        Arithmetic (to replay a book's own loop bit for bit):
          - ``sum_order``: the order of the sums over a batch's rows, for the
            parameter gradients and the loss value.  ``"fixed"`` (default):
            16 interleaved partial sums folded by halving, fast and
            reproducible (a sum of at most 32 rows runs left to right).
            ``"data"``: one running sum in row order, as a plain loop adds.
            ``"pharo"``: Pharo's ``Collection>>sum``,
            ``((t1 + t1) + t2 + ... + tn) - t1``, as Bergel's scripts add.
            The two replay orders run one scalar chain per sum and skip the
            fused top layer.  Measured on a one-neuron line fit (noisy
            machine, medians of 5): full batches of 30,000 rows about 14x
            slower (a latency-bound chain instead of vectorised lanes), of
            100 rows about 2.5x, mini-batches of 5 rows 1.2-1.4x; on wide
            layers much slower than the blocked matrix products.
            The replay orders are refused (ValueError) with the row-wise
            losses (cross_entropy, kl_divergence), whose value keeps the
            fixed order, and with PReLU, whose alpha gradient does.
          - ``mean``: for ``reduction="mean"`` losses, ``"divide"`` (default)
            divides each gradient sum by the row count; ``"reciprocal"``
            multiplies it by ``1 / count`` rounded first, as code written
            ``(2 / n) * sum`` computes.  No speed cost.
          - ``transcendentals``: whose exp and tanh the activations call.
            ``"nnc"`` (default): nnc's own vectorised functions (within 1 ulp
            or so of the correctly rounded value, the same on every machine).
            ``"libm"``: the C library's ``exp``/``tanh``, one call per value,
            in the textbook scalar forms ``sigmoid = 1 / (1 + exp(-x))``,
            ``sigmoid' = dy * s * (1 - s)`` (left to right) and
            ``tanh' = dy * (1 - t * t)``, which is what Python code written
            with ``math.exp`` computes: such a book's loop then replays bit
            for bit (on the same C library).  It covers Sigmoid and Tanh;
            ELU, SELU, Softmax, LogSoftmax, Softplus and the losses with
            exp or log (log_loss, log_loss_with_logits, cross_entropy,
            kl_divergence) are refused (ValueError).  NumPy's ``np.exp`` is
            neither: on AVX-512 machines it is NumPy's own vector exp, which
            differs from the C library's in the last bit for a few percent
            of arguments.  Cost: see the
            README's "The five chapters, replayed" (a scalar libm call per
            value instead of a vector lane).

        The objective of a step is its batch loss plus ``l1 * sum|W|`` and
        ``l2 * sum W^2`` over the Dense weights (not biases, not PReLU alpha).

        record: "epoch" (History.loss), "step" (adds History.step_loss) or
        "params" (adds the parameter trajectory History.params).

        optimizer by name, as with a loss: ``optimizer="adam"`` (any of
        ``nnc.optim.names()``) is a new optimizer with its default settings
        (``nnc.optim.resolve_optimizer``), its state kept for this fit only.

        divergence: the run stops with ``nnc.DivergenceError`` (carrying the
        History so far) when a step's loss is NaN/inf, or exceeds
        ``divergence`` times the reference loss: the objective over the whole
        training set at the starting parameters (with full-batch steps, the
        first step's loss; when the reference is 0, the first positive step
        loss).  A loss that rises from a near-zero best without passing that
        bound is not divergence.  ``divergence=None`` turns the threshold off
        (NaN/inf still stop the run).

        callback(epoch, history): called every ``callback_every`` completed
        epochs (default 1 when a callback is given) with the number of
        completed epochs and the History so far; returning True stops the
        run (History.status "stopped").  progress=True shows a progress bar.
        Ctrl-C (KeyboardInterrupt) stops the run within 0.2 s, also in the
        middle of a long step (which is then abandoned): the model keeps its
        last completed step and the exception carries ``.history``.  A
        callback must return True, False or None (TypeError otherwise); it
        may call this model's read-only methods (predict, evaluate, save,
        the generator), but calling ``fit`` on this model raises
        RuntimeError.

        threads: most threads each matrix product may use (default 1; the
        results do not depend on it; values above 1024 count as 1024, as in
        ``nnc.matmul``).

        Cost of a call: the checked arguments (for a loss given by name, an
        optimizer object and no ``order``) and the engine's description of
        the network are kept on the model and reused by the next fit with
        the same settings, until an object they were made from is replaced:
        a layer, a parameter or gradient array, a layer attribute, the
        dtype, the optimizer's settings, state or model.  Values written in
        place (``set_flat_params``, ``layer.weight[...] = 0``) are read live.
        The model then keeps its last optimizer alive; copies and pickles
        carry no cache.  From the second such fit on, when there is no
        callback, progress display or order, the whole call is one
        C call (``_core._FitPlan``): it compares the settings (floats bit for
        bit), checks that every object the description was made from is
        still there, re-checks every array the engine writes (dtype,
        contiguity, writeability, size, memory) and takes X and y as they are
        when they already have fit's form (else converts them as above).  On
        Trask's one-weight model (20 epochs) that is about 2.5 us a call,
        engine included (bench/fit_overhead.py).
        """
        settings = (loss, optimizer, epochs, batch_size, shuffle, order, l1, l2, record,
                    divergence, callback, callback_every, progress, threads, drop_last,
                    sum_order, mean, transcendentals)
        lock = self._lock
        lock.begin_fit("fit")
        try:
            fast = self.__dict__.get("_fit_fast")
            if fast is not None:
                r: Any = fast.fit(settings, X, y)
                if r is NotImplemented:  # X or y to convert first
                    r = _fast_converted(self, fast, settings, X, y)
                if r is not None:
                    if type(r) is tuple:
                        result, *records = r
                        _raise_divergence(result, records, fast.info.div,
                                          fast.info.shapes)
                    return r
                del self.__dict__["_fit_fast"]  # stale: the full path below replaces it
            return self._fit_full(X, y, settings)
        finally:
            lock.end_fit()

    def _fit_full(self, X, y, settings) -> History:
        """fit's full path (the model's lock held): every argument checked,
        or the checked plan of the last fit with these settings reused; on
        that reuse, a C plan (_core._FitPlan) is made for the next calls."""
        hit = _FitPlan.cached(self, X, y, settings)
        if hit is not None:
            plan, xs, ys = hit
            run = _FitRun(self, plan, xs, ys)
            history = run.run()
            if plan.fast and type(self.layers) is list:
                plan.shapes = run.description[4]
                try:
                    self.__dict__["_fit_fast"] = _core._FitPlan(
                        settings, self._watch(plan.optimizer),
                        *_fast_fields(plan, run.description), _RECORD_CODES[plan.record],
                        xs.shape[0], int(plan.plain_targets), History, run.description[4], plan,
                        (self.generator._lock, self.generator._state_array) if plan.shuffle
                        else None, plan.shuffle_keep)
                except (TypeError, ValueError, KeyError, OverflowError, MemoryError):
                    pass  # an unusual model (a generator of another kind, ...): no C plan
            return history
        (loss, optimizer, epochs, batch_size, shuffle, order, l1, l2, record, divergence,
         callback, callback_every, progress, threads, drop_last, sum_order, mean,
         transcendentals) = settings
        plan = _FitPlan(self, X, y, loss=loss, optimizer=optimizer, epochs=epochs,
                        batch_size=batch_size, shuffle=shuffle, order=order, l1=l1, l2=l2,
                        record=record, divergence=divergence, callback=callback,
                        callback_every=callback_every, progress=progress, threads=threads,
                        drop_last=drop_last, sum_order=sum_order, mean=mean,
                        transcendentals=transcendentals)
        xs, ys = plan.X, plan.Y
        assert xs is not None and ys is not None
        plan.X = plan.Y = None  # the plan may be kept (remember); the data are per call
        plan.remember(self, settings, xs.shape[0])
        return _FitRun(self, plan, xs, ys).run()

    def _watch(self, optimizer):
        """What a _core._FitPlan watches (see _structure_objects): the dicts
        and lists whose values the engine description was made from, each
        compared value by value (by identity) before every cached fit."""
        watch = [(self.__dict__, ("dtype", "layers", "generator")), self.layers,
                 vars(self.generator), vars(optimizer), optimizer.state,
                 *optimizer.state.values()]
        for layer in self.layers:
            watch += (vars(layer), layer.params, layer.grads)
        return tuple(watch)

    # ------------------------------------------------------------ copies, I/O
    def _config(self):
        return {"format": _FORMAT, "version": _FORMAT_VERSION, "dtype": self.dtype.name,
                "seed": self.seed if isinstance(self.seed, int) else None,
                "layers": [{"type": type(l).__name__, **l._config()} for l in self.layers]}

    @classmethod
    def _from_config(cls, config, dtype=None):
        layers = []
        for spec in config["layers"]:
            spec = dict(spec)
            kind = spec.pop("type")
            if kind not in _layers.LAYER_TYPES:
                raise ValueError(f"load: unknown layer type {kind!r}")
            if kind == "Dense":
                layers.append(_layers.Dense(spec["in_features"], spec["out_features"],
                                            bias=bool(spec["bias"]), init="zeros"))
            else:
                layers.append(_layers.LAYER_TYPES[kind](**spec))
        seed = config.get("seed")
        return cls(layers, seed=0 if seed is None else seed,
                   dtype=dtype if dtype is not None else config["dtype"])

    @_guard.locked
    def copy(self, dtype=None):
        """An independent model with the same layers and parameter values (in
        ``dtype`` when given) and a copy of the generator's state."""
        other = Sequential._from_config(self._config(), dtype=dtype)
        for (_, dst), (_, src) in zip(other.named_parameters(), self.named_parameters()):
            dst[...] = src
        other.generator._state_array[...] = self.generator._state_array
        return other

    @_guard.locked
    def save(self, path):
        """Writes the architecture (as JSON text), the parameters and the
        generator's state to an .npz file; ``nnc.load(path)`` reads it back.
        No pickle is involved."""
        arrays = {"__nnc_model__": np.array(json.dumps(self._config())),
                  "__nnc_rng_state__": self.generator._state_array.copy()}
        for name, arr in self.named_parameters():
            arrays[name] = arr
        np.savez(path, **arrays)

    # --------------------------------------------- pickle, deepcopy, __call__
    def __getstate__(self):
        # pickle.dumps(model) and copy.deepcopy(model): everything (layers,
        # parameters, gradients, generator state) but the lock, taken while
        # holding it so that no step of a fit is half done.
        from . import _pickling

        with self._lock:
            state = _pickling.without_locks(self)
        # fit's caches describe this object's arrays by id: a copy rebuilds them
        state.pop("_fit_memo", None)
        state.pop("_description_memo", None)
        state.pop("_fit_fast", None)
        return state

    def __setstate__(self, state):
        from . import _pickling

        _pickling.with_new_locks(self, state)

    def __call__(self, X):
        """``model(X)`` is ``model.forward(X)`` (as in PyTorch and Keras): the
        layer-by-layer forward pass that ``backward`` can follow.
        ``predict(X)`` gives the same values in one C call."""
        return self.forward(X)

    # ----------------------------------------------- PyTorch and ONNX bridges
    def to_torch(self):
        """The equivalent ``torch.nn.Sequential`` (``nn.Linear`` and the
        activations' modules, copies of the parameters, in this model's
        dtype); see ``nnc.export``.  Needs PyTorch."""
        from .export import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module, seed=0):
        """An nnc model equivalent to the ``torch.nn.Sequential`` ``module``
        (Linear and the supported activations; anything else is a TypeError
        naming the module); see ``nnc.export.from_torch``."""
        from .export import from_torch

        return from_torch(module, seed=seed)

    def to_onnx(self, path):
        """Writes the model as an ONNX file (input "X", output "Y", checked
        with ``onnx.checker``) and returns the ``onnx.ModelProto``; see
        ``nnc.export.to_onnx``.  Needs the onnx package."""
        from .export import to_onnx

        return to_onnx(self, path)

    # ------------------------------------------------------------------ repr
    def __repr__(self):
        lines = [f"Sequential(dtype={self.dtype.name}, seed={self.seed!r}, "
                 f"{self.n_params} parameters)"]
        for i, layer in enumerate(self.layers):
            shapes = ", ".join(f"{n} {tuple(a.shape)}" for n, a in layer.named_parameters())
            line = f"  ({i}) {layer!r}"
            if shapes:
                line = f"{line:<30} {shapes}  = {layer.n_params}"
            lines.append(line)
        return "\n".join(lines)


# ---------------------------------------------------------------- fit's parts
# Sequential.fit = _FitPlan (every argument checked, once, and the run sized
# with the engine's own schedule arithmetic) + _FitRun (records, the monitor,
# the one engine call, and the exceptions decorated with the History so far).

def _check_order(order, shuffle, n):
    """fit's order: a private int64 copy (validated after copying: the
    caller's array may change under a running fit, the copy cannot)."""
    if shuffle:
        raise ValueError("fit: order and shuffle=True exclude each other (order already "
                         "fixes which sample each step sees)")
    order = np.array(order)
    if order.ndim != 1 or order.size == 0:
        raise ValueError(f"fit: order must be a non-empty 1-d sequence of sample "
                         f"indices, got shape {order.shape}")
    if order.dtype.kind not in "iu":
        raise TypeError(f"fit: order must hold integers, got dtype {order.dtype}")
    if order.min() < 0 or order.max() >= n:
        bad = int(order[(order < 0) | (order >= n)][0])
        raise ValueError(f"fit: order holds {bad}, which is not a row of X (0..{n - 1})")
    return order.astype(np.int64, order="C")


def _targets(plan, y, n, model):
    """plan.loss.prepare_targets(y, n, ...): y as (n, out_features), taken as
    it is when it already is a float array of the model's dtype in that shape
    (or 1-d for one output) and the loss converts targets the plain way."""
    if type(y) is np.ndarray and y.dtype is model.dtype and plan.plain_targets:
        out = model.layers[-1].out_features
        if y.shape == (n, out):
            return y
        if out == 1 and y.shape == (n,):
            return y.reshape(n, 1)
    return plan.loss.prepare_targets(y, n, model.out_features, model.dtype)


def _check_divergence(divergence):
    """The engine's threshold: 0.0 (off) for None, else a number > 0."""
    if divergence is None:
        return 0.0
    if isinstance(divergence, (bool, np.bool_)) or not isinstance(divergence, numbers.Real):
        raise TypeError(f"fit: divergence must be a number or None, got {divergence!r}")
    div = float(divergence)
    if not div > 0:
        raise ValueError(f"fit: divergence must be > 0 (or None to turn it off), got "
                         f"{divergence!r}")
    return div


class _FitPlan:
    """fit's arguments, each checked in one place, and the run's size: steps
    per epoch and total steps from the engine (_core.engine_schedule)."""

    def __init__(self, model, X, y, *, loss, optimizer, epochs, batch_size, shuffle, order, l1,
                 l2, record, divergence, callback, callback_every, progress, threads,
                 drop_last=False, sum_order="fixed", mean="divide", transcendentals="nnc"):
        self.loss = _losses.get(loss)
        from .optim import resolve_optimizer

        optimizer = resolve_optimizer(optimizer)  # an object, or a name: "adam"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"fit: optimizer must be an nnc optimizer (nnc.SGD(lr), nnc.Adam(), "
                            f"...), got {type(optimizer).__name__} ({optimizer!r})")
        self.optimizer = optimizer
        # X and Y: this call's data (fit moves them out before the plan is kept)
        xs = model._inputs(X)
        self.X: Optional[np.ndarray] = xs
        n = xs.shape[0]
        self.Y: Optional[np.ndarray] = self.loss.prepare_targets(y, n, model.out_features,
                                                                 model.dtype)
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"fit: shuffle must be True or False, got {shuffle!r}")
        self.shuffle = bool(shuffle)
        self._replay_options(drop_last, sum_order, mean)
        self._transcendentals(model, transcendentals)
        self._check_sum_order(model)
        self._schedule(n, order, epochs, batch_size)
        if record not in ("epoch", "step", "params"):
            raise ValueError(f"fit: record must be 'epoch', 'step' or 'params', got {record!r}")
        self.record = record
        self.div = _check_divergence(divergence)
        self.l1 = _check_nonneg(l1, "l1")
        self.l2 = _check_nonneg(l2, "l2")
        _check_hyper_in_dtype(model.dtype, "fit", self.loss, self.l1, self.l2, optimizer)
        self._progress(callback, callback_every, progress, threads)
        self.loss_params = self.loss._params()
        self.dtype = model.dtype
        # y needs no conversion beyond a reshape when the loss converts the plain way
        self.plain_targets = type(self.loss).prepare_targets is _losses.Loss.prepare_targets

    def remember(self, model, settings, n):
        """Keeps this plan (checked, sized for n rows) on the model for the next
        fit with the same settings (see ``cached``) -- when the loss is a name
        (an object could change), the optimizer an object (a name makes a new
        optimizer every call) and there is no order (an array)."""
        if type(settings[0]) is str and isinstance(settings[1], Optimizer) and settings[5] is None:
            model.__dict__["_fit_memo"] = (settings, tuple(map(type, settings)), self, n)

    @staticmethod
    def cached(model, X, y, settings):
        """(plan, X, Y): the plan ``remember`` kept for these settings (the same
        values of the same types, 0.0 and -0.0 told apart) when X has as many
        rows, with X and y checked as a new plan checks them; else None."""
        memo = model.__dict__.get("_fit_memo")
        if memo is None:
            return None
        kept, types, plan, n = memo
        if plan.dtype is not model.dtype:
            return None
        if not all(map(operator.is_, settings, kept)):  # the same objects: the same call
            if types != tuple(map(type, settings)) or kept != settings:
                return None
            l1, l2 = settings[6], settings[7]
            if (l1 == 0 and l1 is not kept[6]) or (l2 == 0 and l2 is not kept[7]):
                return None
        X = model._inputs(X)
        if X.shape[0] != n:
            return None
        return plan, X, _targets(plan, y, n, model)

    def _schedule(self, n, order, epochs, batch_size):
        """order, epochs and rows per step (0: the whole sequence), then the
        engine's step count for them."""
        if order is not None:
            self.order = _check_order(order, self.shuffle, n)
            length = self.order.size
            epochs = 1 if epochs is None else _check_int(epochs, "epochs", 0)
            bs = 1 if batch_size is None else _check_int(batch_size, "batch_size", 1)
        else:
            if epochs is None:
                raise TypeError("fit: epochs is required (how many passes over the data)")
            self.order = None
            epochs = _check_int(epochs, "epochs", 0)
            length = n
            bs = 0 if batch_size is None else _check_int(batch_size, "batch_size", 1)
        if epochs > _INT64_MAX:
            raise ValueError(f"fit: epochs={epochs} is more than a 64-bit counter holds")
        self.shuffle_keep = 0
        if self.drop_last:
            self.order, length, self.shuffle_keep = _drop_partial_batch(self.order, length, bs,
                                                                        self.shuffle)
        # A batch of >= length rows is the whole data (one step per epoch): the
        # same run, brought into the engine's int64 range.
        self.epochs, self.bs = epochs, min(bs, length)
        order_len = 0 if self.order is None else length
        n_walk = self.shuffle_keep or n
        self.spe = _core.engine_schedule(n_walk, order_len, self.bs, 1)[0]
        try:
            self.total_steps = _core.engine_schedule(n_walk, order_len, self.bs, epochs)[1]
        except OverflowError:
            raise ValueError(f"fit: epochs={epochs} at {self.spe} steps per epoch makes "
                             f"{self.spe * epochs} steps, more than a 64-bit counter holds"
                             ) from None

    def _replay_options(self, drop_last, sum_order, mean):
        """drop_last, sum_order and mean: the options that replay a book's loop."""
        code = _SUM_ORDERS.get(sum_order) if isinstance(sum_order, str) else None
        if code is None:
            raise ValueError(f"fit: sum_order must be one of {', '.join(map(repr, _SUM_ORDERS))}, "
                             f"got {sum_order!r}")
        if mean not in ("divide", "reciprocal"):
            raise ValueError(f"fit: mean must be 'divide' or 'reciprocal', got {mean!r}")
        self.sum_code: int = code
        self.mean_reciprocal = int(mean == "reciprocal")
        if not isinstance(drop_last, (bool, np.bool_)):
            raise TypeError(f"fit: drop_last must be True or False, got {drop_last!r}")
        self.drop_last = bool(drop_last)

    def _check_sum_order(self, model):
        """The replay orders reach every sum except the row-wise losses' values
        (softmax cross-entropy, KL) and PReLU's alpha gradient: refused there."""
        if self.sum_code == 0:
            return
        if self.loss.name in ("cross_entropy", "kl_divergence"):
            raise ValueError(f"fit: sum_order={_SUM_NAMES[self.sum_code]!r} is not applied to "
                             f"the value of the row-wise loss {self.loss.name!r}; use "
                             f"sum_order='fixed' with it")
        for i, layer in enumerate(model.layers):
            if type(layer).__name__ == "PReLU":
                raise ValueError(f"fit: sum_order={_SUM_NAMES[self.sum_code]!r} is not applied "
                                 f"to PReLU's alpha gradient (layer {i}); use "
                                 f"sum_order='fixed' with PReLU")

    def _transcendentals(self, model, transcendentals):
        """transcendentals: whose exp / tanh the activations call ("nnc" or "libm")."""
        code = (_TRANSCENDENTALS.get(transcendentals) if isinstance(transcendentals, str)
                else None)
        if code is None:
            raise ValueError(f"fit: transcendentals must be 'nnc' or 'libm', "
                             f"got {transcendentals!r}")
        if code == 1:
            for i, layer in enumerate(model.layers):
                if type(layer).__name__ in _LIBM_REFUSED_ACTS:
                    raise ValueError(
                        f"fit: transcendentals='libm' covers the Sigmoid and Tanh activations "
                        f"only; layer {i} is {type(layer).__name__} (use 'nnc')")
            if self.loss.name in _LIBM_REFUSED_LOSSES:
                raise ValueError(
                    f"fit: transcendentals='libm' covers losses without exp or log (mse, mae, "
                    f"huber, perceptron_loss, hinge); got {type(self.loss).__name__} "
                    f"(use 'nnc')")
        self.trans_code = code

    def _progress(self, callback, callback_every, progress, threads):
        if callback is not None and not callable(callback):
            raise TypeError(f"fit: callback must be callable, got {callback!r}")
        self.callback = callback
        if callback_every is None:
            callback_every = 1 if callback is not None else 0
        else:
            callback_every = _check_int(callback_every, "callback_every", 1)
        # Values that mean the same as a smaller one are brought into the C
        # parser's range: any callback_every > epochs never fires (epochs + 1
        # neither), and matrix products never use more than _MAX_THREADS.
        self.callback_every = min(callback_every, self.epochs + 1)
        self.threads = min(_check_int(threads, "threads", 1), _MAX_THREADS)
        self.progress = progress
        self.ticks = bool(progress)
        # fits a _core._FitPlan can repeat: no Python called during the run
        # (callback, progress display), no order
        self.fast = callback is None and not self.ticks and self.order is None


#: fit(record=...) -> the _core._FitPlan code
_RECORD_CODES = {"epoch": 0, "step": 1, "params": 2}


def _fast_fields(plan, description):
    """_core._FitPlan's engine fields, dtype to transcendentals."""
    dtype_name, layers, params, opt, _ = description
    return (dtype_name, layers, params, plan.loss_params, plan.l1, plan.l2, opt, plan.epochs,
            plan.bs, plan.div, plan.threads, plan.sum_code, plan.mean_reciprocal,
            plan.trans_code)


def _fast_converted(model, fast, settings, X, y):
    """A cached fit whose X or y needs converting: converted as the full path
    converts them, then the C plan again (None: take the full path)."""
    xs = model._inputs(X)
    if xs.shape[0] != fast.n:
        return None
    r = fast.fit(settings, xs, _targets(fast.info, y, fast.n, model), True)
    return None if r is NotImplemented else r


def _records_history(records, shapes, e, s, p, status):
    """The History of e epochs and s steps from a fit's full records."""
    epoch_loss, step_loss, param_rec = records
    return History(epoch_loss[:e], None if step_loss is None else step_loss[:s],
                   None if param_rec is None else param_rec[:s + 1], None, shapes, p, e, s,
                   status)


def _raise_divergence(result, records, div, shapes) -> NoReturn:
    """The DivergenceError of an engine result with status "nonfinite" or
    "diverged" (the History of the completed steps attached)."""
    status, e, s, p, fail_epoch, fail_step, fail_loss, reference = result
    if status == "nonfinite":
        msg = (f"training diverged at step {fail_step} (epoch {fail_epoch}; both counted "
               f"from 0): the loss became {fail_loss!r}")
        if s == 0:
            msg += " before any update (check X, y and the parameters for NaN/inf)"
    else:
        msg = (f"training diverged at step {fail_step} (epoch {fail_epoch}; both counted "
               f"from 0): the loss {fail_loss:.6g} exceeds divergence={div:g} "
               f"times the starting loss {reference:.6g}")
    msg += ("; try a smaller learning rate (nnc.max_stable_lr gives the bound for a linear "
            "model), or pass divergence=None to let it run")
    raise DivergenceError(msg, epoch=fail_epoch, step=fail_step, loss=fail_loss,
                          reference=reference,
                          reason="nonfinite" if status == "nonfinite" else "threshold",
                          history=_records_history(records, shapes, e, s, p, "diverged"))


def _engine_args(plan, description, X, Y, rng_state, records, monitor, counters):
    """The arguments of _core.engine_fit_args: engine_fit's fields (one per
    field of the engine's fit description), positional, in its order."""
    dtype_name, layers, params, opt, _ = description
    epoch_loss, step_loss, param_rec = records
    return (dtype_name, layers, params, X, Y, plan.loss_params, plan.l1, plan.l2, opt,
            plan.epochs, plan.bs, plan.order, rng_state, plan.div, epoch_loss, step_loss,
            param_rec, monitor, plan.callback_every, plan.ticks, plan.threads, counters,
            plan.sum_code, plan.mean_reciprocal, plan.trans_code, plan.shuffle_keep)


class _FitRun:
    """One fit: its records, the monitor the engine calls, the engine call,
    and what a stop leaves (History, DivergenceError, decorated exceptions)."""

    def __init__(self, model, plan, X, Y):
        self.model, self.plan, self.X, self.Y = model, plan, X, Y
        self._allocate()
        self.counters = np.zeros(3, dtype=np.int64)
        self.shapes: Any = None  # the description's, once run() has it
        self.description: Any = None
        self.bar = _Progress(plan.epochs) if plan.progress else None
        self.stop_requested = False
        # A shuffled run draws its permutations from a private copy of the
        # generator's state (C writes it with the GIL released), so the
        # generator stays usable meanwhile; the copy is handed back around
        # every callback (which may draw from it) and at the end.
        self.gen = model.generator if plan.shuffle else None
        self.rng_state = None

    def _allocate(self):
        p, model = self.plan, self.model
        e, total = p.epochs, p.total_steps
        try:
            self.epoch_loss = np.zeros(e, dtype=np.float64)
        except (ValueError, MemoryError):
            self.epoch_loss = _record(lambda: np.zeros(e, dtype=np.float64),
                                      f"epochs={e} needs a loss record of {e} values")
        self.step_loss = self.param_rec = None
        if p.record == "epoch":
            return
        self.step_loss = _record(lambda: np.zeros(total, dtype=np.float64),
                                 f"epochs={e} with record={p.record!r} needs a per-step "
                                 f"loss record of {total} values ({p.spe} steps per epoch)")
        if p.record == "params":
            n_values = model.n_params
            self.param_rec = _record(
                lambda: np.zeros((total + 1, n_values), dtype=model.dtype),
                f"epochs={e} with record='params' needs a parameter record of {total + 1} x "
                f"{n_values} values")
            self.param_rec[0] = model.get_flat_params()

    def history(self, epochs_done, steps_done, passes, status):
        return History(self.epoch_loss[:epochs_done],
                       None if self.step_loss is None else self.step_loss[:steps_done],
                       None if self.param_rec is None else self.param_rec[:steps_done + 1],
                       None, self.shapes, passes, epochs_done, steps_done, status)

    def _sync_generator(self, to_model):
        if self.gen is not None and self.rng_state is not None:
            with self.gen._lock:
                if to_model:
                    self.gen._state_array[...] = self.rng_state
                else:
                    self.rng_state[...] = self.gen._state_array

    def monitor(self, epochs_done, steps_done, passes, at_epoch):
        callback = self.plan.callback
        if at_epoch and callback is not None:
            self._sync_generator(True)
            try:
                r = callback(epochs_done, self.history(epochs_done, steps_done, passes,
                                                       "running"))
            finally:
                self._sync_generator(False)
            if r is not None and not isinstance(r, (bool, np.bool_)):
                raise TypeError(f"fit: callback must return True (stop the run), False or "
                                f"None, got {type(r).__name__} ({r!r})")
            if r:
                self.stop_requested = True
        if self.bar is not None:
            last = float(self.epoch_loss[epochs_done - 1]) if epochs_done else None
            self.bar.update(epochs_done, last)
        return self.stop_requested

    def run(self) -> History:
        """The engine call (fit holds the model's lock, marked as fitting);
        the History, or the exception with the History so far."""
        use_monitor = self.plan.callback is not None or self.bar is not None
        description = self.description = self.model._fit_description(self.plan.optimizer)
        self.shapes = description[4]
        if self.gen is not None:
            with self.gen._lock:
                self.rng_state = self.gen._state_array.copy()
        args = _engine_args(self.plan, description, self.X, self.Y, self.rng_state,
                            (self.epoch_loss, self.step_loss, self.param_rec),
                            self.monitor if use_monitor else None, self.counters)
        try:
            result = _core.engine_fit_args(*args)
        except BaseException as exc:
            self._decorate(exc)
            raise
        finally:
            if self.gen is not None:
                self._sync_generator(True)
            if self.bar is not None:
                self._close_bar()
        return self._finish(result)

    def _decorate(self, exc):
        e, s, p = (int(c) for c in self.counters)
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "error"
        try:
            setattr(exc, "history", self.history(e, s, p, status))
        except AttributeError:
            pass

    def _close_bar(self):
        if self.bar is not None:
            e = int(self.counters[0])
            self.bar.update(e, float(self.epoch_loss[e - 1]) if e else None, force=True)
            self.bar.close()

    def _finish(self, result) -> History:
        status, e, s, p = result[:4]
        if status not in ("nonfinite", "diverged"):
            return self.history(e, s, p, "stopped" if status == "interrupted" else "completed")
        _raise_divergence(result, (self.epoch_loss, self.step_loss, self.param_rec),
                          self.plan.div, self.shapes)


def _load_error(path, key, problem):
    return ValueError(f"load: {path!r}: {key} {problem}")


def _load_config(path, data):
    """The architecture record, checked: a dict of the expected keys and
    types (ValueError naming the key otherwise)."""
    key = "__nnc_model__"
    if key not in data.files:
        raise ValueError(f"load: {path!r} is not an nnc model file (no architecture record)")
    raw = data[key]
    if raw.dtype.kind != "U" or raw.shape != ():
        raise _load_error(path, key, f"must be one JSON string, got dtype {raw.dtype} and "
                                     f"shape {raw.shape}")
    try:
        config = json.loads(str(raw[()]))
    except (ValueError, RecursionError) as exc:
        raise _load_error(path, key, f"is not valid JSON ({type(exc).__name__}: "
                                     f"{str(exc)[:100]})") from None
    if not isinstance(config, dict):
        raise _load_error(path, key, f"must be a JSON object, got {type(config).__name__}")
    if config.get("format") != _FORMAT or config.get("version") != _FORMAT_VERSION:
        raise ValueError(f"load: {path!r} has format {config.get('format')!r} version "
                         f"{config.get('version')!r}; expected {_FORMAT!r} version "
                         f"{_FORMAT_VERSION}")
    if config.get("dtype") not in ("float32", "float64"):
        raise _load_error(path, f"{key}['dtype']", f"must be 'float32' or 'float64', got "
                                                   f"{config.get('dtype')!r}"[:200])
    seed = config.get("seed")
    if seed is not None and (type(seed) is not int or not 0 <= seed < 2 ** 64):
        raise _load_error(path, f"{key}['seed']", f"must be an int in [0, 2**64) or null, got "
                                                  f"{seed!r}"[:200])
    specs = config.get("layers")
    if not isinstance(specs, list) or not specs:
        raise _load_error(path, f"{key}['layers']", "must be a non-empty list of layer objects")
    for i, spec in enumerate(specs):
        where = f"{key}['layers'][{i}]"
        if not isinstance(spec, dict):
            raise _load_error(path, where, f"must be an object, got {type(spec).__name__}")
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in _layers.LAYER_TYPES:
            raise _load_error(path, f"{where}['type']", f"is not a layer type: {kind!r}"[:200])
        for name, value in spec.items():
            # Only JSON scalars: no nested containers reach a constructor.
            if name != "type" and not (value is None or isinstance(value, (bool, int, float, str))):
                raise _load_error(path, f"{where}[{name!r}]",
                                  f"must be a number, a string or a bool, got "
                                  f"{type(value).__name__}")
        if kind == "Dense":
            for name in ("in_features", "out_features", "bias"):
                if name not in spec:
                    raise _load_error(path, where, f"lacks {name!r}")
            extra = set(spec) - {"type", "in_features", "out_features", "bias"}
            if extra:
                raise _load_error(path, where, f"has unknown keys {sorted(extra)}")
    return config


def load(path):
    """Reads a model written by ``Sequential.save``.

    Strict: the file must be an .npz with the architecture record (JSON text,
    checked key by key), one real floating-point array of the architecture's
    shape per parameter, and optionally the generator state; anything else
    (a missing or malformed key, complex, integer, datetime, object or
    structured arrays, a wrong shape) raises ValueError naming the key.
    Loading never runs code from the file (no pickle; only JSON is parsed).
    """
    with np.load(path, allow_pickle=False) as data:
        config = _load_config(path, data)
        try:
            model = Sequential._from_config(config)
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"load: {path!r}: __nnc_model__['layers'] does not describe a "
                             f"network: {exc}") from None
        for name, arr in model.named_parameters():
            if name not in data.files:
                raise ValueError(f"load: {path!r} lacks parameter {name!r}")
            value = data[name]
            if value.dtype.kind != "f" or value.dtype.names is not None:
                raise ValueError(f"load: {path!r}: {name} has dtype {value.dtype}; expected "
                                 f"real floating-point values")
            if value.shape != arr.shape:
                raise ValueError(f"load: {name} has shape {value.shape} in the file, the "
                                 f"architecture says {arr.shape}")
            arr[...] = value
        if "__nnc_rng_state__" in data.files:
            # Through Generator.state's setter, which refuses what xoshiro256**
            # cannot run from (all-zero words, a wrong count, non-integers);
            # tolist() gives Python ints, so float words are refused, not cut.
            saved = data["__nnc_rng_state__"]
            gen = model.generator
            seed = gen.seed
            try:
                gen.state = saved.tolist() if saved.ndim == 1 else saved
            except (TypeError, ValueError) as exc:
                # a bad file is a wrong value whatever the setter called it
                raise ValueError(f"load: {path!r} holds a generator state of dtype "
                                f"{saved.dtype} and shape {saved.shape} that cannot be "
                                f"used: {exc}") from None
            gen._seed = seed  # the model's seed, advanced: as before the save
    return model
