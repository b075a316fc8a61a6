"""``nnc.sweep``: many training runs of one architecture in one call into C.

A sweep trains K independent copies ("replicas") of a model.  Replicas may
differ in any hyper-parameter (give an array of K values where ``fit`` takes
one: ``nnc.SGD(lr=alphas)``, ``l1=...``), in their starting parameters
(``seeds=`` for the model's initialisers, or ``params=``), in their data
order (``shuffle_seeds=`` or a (K, L) ``order``) and in their data (X of
shape (K, n, in) and/or y of shape (K, n, out)).  Arrays of length K and
single values broadcast together.

Every replica is bit for bit the run ``model.fit`` would make on its own
(same starting parameters, fresh optimizer, same generator), whatever the
number of threads or executor chunks: the engine never mixes two replicas'
arithmetic.  A diverging replica stops alone and says where and why; the
others go on.  Ctrl-C stops the whole sweep within a fraction of a second;
the ``KeyboardInterrupt`` carries ``.sweep``, the completed work.

Small models (one Dense layer with one output, SGD or Momentum, full-batch
steps) run interleaved: blocks of 64 replicas advance together, each step
one branch-free loop over the lanes that the compiler turns into vector
instructions; with one input and one row (Trask's weight, an input sweep)
each group of lanes runs up to 64 steps at a time (10,000 one-weight fits
of 20 steps: well under a millisecond).  The result tables are compact
(int8 outcomes, int32 counts) and the model's structure description is kept
on the model between sweeps, so a sweep's fixed cost is tens of
microseconds.
Other models run one replica after another through the same engine as
``fit``; ``threads`` splits the replicas between threads (POSIX or Win32)
with the GIL released.

Beyond one machine, ``executor=`` takes any ``concurrent.futures.Executor``
(a process pool, a Dask ``distributed`` client's ``get_executor()``, ...):
the replicas are cut into chunks, each chunk travels to a worker as plain
arrays and settings, and the results come back in replica order, equal bit
for bit to a local run.
"""
import copy
import numbers

import operator

from concurrent.futures import Executor
from typing import TYPE_CHECKING, Optional, Type, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _core
from . import losses as _losses
from .optim import Optimizer, _OPT_CODES

if TYPE_CHECKING:
    from .model import Sequential

__all__ = ["sweep", "Sweep"]

# The engine's hyper-parameter table: the optimizer's own hyper-parameters
# in its ops.def order (Optimizer._hyper, from the op table), then these.
_EXTRA_COLS = ("l1", "l2", "divergence")
# Sweep.status by the engine's outcome code (0 completed, 1 nonfinite, 2 threshold,
# 3 interrupted, 4 error).
_STATUS = np.array(("completed", "diverged", "diverged", "interrupted", "error"))
_REASON = np.array(("", "nonfinite", "threshold", "", ""))
# Counters are int32 when a run has fewer steps than this (the binding's rule:
# a step makes at most 3 forward passes), else int64.
_NARROW_STEPS = (2 ** 31 - 1 - 4) // 4


def _per_replica(value, name, counts):
    """A 1-d array of per-replica values (noted in counts) or a scalar."""
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        arr = np.asarray(value)
        if arr.ndim != 1:
            raise ValueError(f"sweep: {name} must be one value or a 1-d array of one value per "
                             f"replica, got shape {arr.shape}")
        counts.append((name, arr.shape[0]))
        return arr
    return value


def _replicas(counts):
    sizes = {k for _, k in counts if k != 1}
    if len(sizes) > 1:
        shown = ", ".join(f"{n} has {k}" for n, k in counts)
        raise ValueError(f"sweep: the per-replica arrays disagree on the number of replicas "
                         f"({shown}); each must have K values or 1")
    return sizes.pop() if sizes else 1


def _fresh_model(model, seed):
    """The model ``Sequential(<model's layers, unbuilt>, seed=seed)`` would be:
    the same initialisers drawn from ``Generator(seed)``."""
    from .model import Sequential

    layers = []
    for layer in model.layers:
        c = copy.copy(layer)
        c.params, c.grads, c._owner, c._cache = {}, {}, None, None
        c.in_features = c.out_features = None
        layers.append(c)
    return Sequential(layers, seed=seed, dtype=model.dtype)


def _static(model):
    """What a sweep takes from the model's structure -- the engine's layer
    description, parameter sizes, shapes and penalty flags, the config
    ``Sweep.model`` rebuilds from, and the parameter arrays -- kept on the model
    until one of its structure objects (dtype, layer list, layers, their
    attributes and parameter arrays, seed) is replaced, compared by identity
    as ``fit``'s description is; parameter values are read live."""
    objs = [model.dtype, model.layers, model.seed]
    for layer in model.layers:
        objs += (layer, *layer.__dict__.values(), *layer.params.values())
    memo = model.__dict__.get("_sweep_memo")
    if memo is not None and len(objs) == len(memo[0]) and all(map(operator.is_, objs, memo[0])):
        return memo[1]
    layers, described = model._describe()
    arrays = model.parameters()
    static = {
        "layers": layers, "arrays": arrays, "sizes": [int(a.size) for a in arrays],
        "penalized": [bool(p[4]) for p in described], "shapes": model._param_shapes(),
        "config": model._config(), "nv": sum(int(a.size) for a in arrays),
        "in": model.in_features, "out": model.out_features,
    }
    model.__dict__["_sweep_memo"] = (objs, static)
    return static


def _flat_params(static, dt):
    """The model's parameters now, flattened (get_flat_params)."""
    arrays = static["arrays"]
    if len(arrays) == 1:
        return arrays[0].reshape(-1)
    return np.concatenate([a.reshape(-1) for a in arrays]) if arrays else np.zeros(0, dt)


def _nonneg(v):
    """A plain float that is finite and >= 0 (the common l1/l2), checked at once."""
    return type(v) is float and 0.0 <= v < float("inf")


def _plan(model, X, y, *, loss, optimizer, epochs, batch_size, shuffle, order, l1, l2, seeds,
          params, shuffle_seeds, divergence, record, threads, interleave):
    """Everything a sweep needs, as plain arrays and settings (what travels to
    an executor's workers)."""
    from .model import Sequential, _check_hyper_in_dtype, _check_int

    if not isinstance(model, Sequential):
        raise TypeError(f"sweep: model must be an nnc.Sequential, got {type(model).__name__}")
    loss = _losses.get(loss)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"sweep: optimizer must be an nnc optimizer (nnc.SGD(lr=alphas), ...), "
                        f"got {type(optimizer).__name__} ({optimizer!r})")
    dt = model.dtype
    counts = []
    hyper = {}
    opt_names = [name for name, _v in optimizer._hyper()]
    for name, v in optimizer._hyper():
        hyper[name] = _per_replica(v, name, counts)
    for name, v in (("l1", l1), ("l2", l2)):
        if _nonneg(v):
            hyper[name] = v
            continue
        v = _per_replica(v, name, counts)
        arr = np.asarray(v, dtype=np.float64) if not isinstance(v, (bool, np.bool_)) else None
        if arr is None or arr.dtype.kind != "f" or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"sweep: {name} must be finite and >= 0 (one value or one per "
                             f"replica), got {v!r}")
        hyper[name] = v
    if divergence is None:
        hyper["divergence"] = 0.0
    elif _nonneg(divergence) and divergence > 0:
        hyper["divergence"] = divergence
    else:
        v = _per_replica(divergence, "divergence", counts)
        arr = np.asarray(v, dtype=np.float64)
        if not np.all(arr > 0):
            raise ValueError(f"sweep: divergence must be > 0 (or None to turn it off), got "
                             f"{divergence!r}")
        hyper["divergence"] = v
    seeds = _per_replica(seeds, "seeds", counts) if seeds is not None else None
    shuffle_seeds = (_per_replica(shuffle_seeds, "shuffle_seeds", counts)
                     if shuffle_seeds is not None else None)

    static = _static(model)
    Xa = np.asarray(X)
    if Xa.dtype.kind not in "biuf":
        raise TypeError(f"sweep: X must hold real numbers, got dtype {Xa.dtype}")
    x_per = Xa.ndim == 3
    if x_per:
        counts.append(("X", Xa.shape[0]))
    ya = np.asarray(y)
    n = Xa.shape[1] if x_per else (Xa.shape[0] if Xa.ndim >= 1 else 0)
    out = static["out"]
    y_per = ya.ndim == 3 or (ya.ndim == 2 and out == 1 and ya.shape[1] == n and ya.shape != (n, 1)
                             and x_per)
    if y_per:
        counts.append(("y", ya.shape[0]))
    if params is not None:
        pa = np.asarray(params)
        if pa.ndim == 2:
            counts.append(("params", pa.shape[0]))
    if order is not None:
        oa = np.asarray(order)
        if oa.ndim == 2:
            counts.append(("order", oa.shape[0]))
    K = _replicas(counts)

    # data
    if x_per:
        flat = model._inputs(Xa.reshape(-1, Xa.shape[-1]))
        Xs = flat.reshape(Xa.shape[0], -1, model.in_features)
        if Xs.shape[0] == 1 and K > 1:
            Xs = Xs[0]
            x_per = False
    else:
        Xs = model._inputs(Xa)
    n = Xs.shape[-2]
    if y_per:
        k_y = ya.shape[0]
        flat = loss.prepare_targets(ya.reshape((k_y * n,) + ya.shape[2:]), k_y * n, out, dt)
        Ys = flat.reshape(k_y, n, out)
        if k_y == 1 and K > 1:
            Ys = Ys[0]
            y_per = False
    else:
        Ys = loss.prepare_targets(ya, n, out, dt)
    if x_per and Xs.shape[0] != K:
        raise ValueError(f"sweep: X holds {Xs.shape[0]} replicas' inputs, expected {K}")

    # schedule
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"sweep: shuffle must be True or False, got {shuffle!r}")
    if order is not None:
        if shuffle:
            raise ValueError("sweep: order and shuffle=True exclude each other")
        oa = np.asarray(order)
        if oa.dtype.kind not in "iu" or oa.ndim not in (1, 2) or oa.shape[-1] == 0:
            raise ValueError(f"sweep: order must be a non-empty (L,) or (K, L) array of sample "
                             f"indices, got dtype {oa.dtype} and shape {oa.shape}")
        if oa.min() < 0 or oa.max() >= n:
            raise ValueError(f"sweep: order holds {int(oa[(oa < 0) | (oa >= n)][0])}, which "
                             f"is not a row of X (0..{n - 1})")
        order = np.ascontiguousarray(oa, dtype=np.int64)
        length = order.shape[-1]
        epochs = 1 if epochs is None else _check_int(epochs, "epochs", 0, "sweep")
        bs = 1 if batch_size is None else _check_int(batch_size, "batch_size", 1, "sweep")
    else:
        if epochs is None:
            raise TypeError("sweep: epochs is required (how many passes over the data)")
        epochs = _check_int(epochs, "epochs", 0, "sweep")
        length = n
        bs = 0 if batch_size is None else _check_int(batch_size, "batch_size", 1, "sweep")
    bs = min(bs, length)
    if record not in ("epoch", "step", "params", "final"):
        raise ValueError(f"sweep: record must be 'epoch', 'step', 'params' or 'final', got "
                         f"{record!r}")
    if threads is None:
        threads = _cpu_count()
    threads = min(_check_int(threads, "threads", 1, "sweep"), 1024)

    # hyper-parameter table by column (K values, or one shared value),
    # checked in the model's dtype
    cols = opt_names + list(_EXTRA_COLS)
    table = tuple(np.ascontiguousarray(np.asarray(hyper[col], dtype=np.float64).reshape(-1))
                  for col in cols)
    if dt != np.float64:
        # (in float64 the checks above already hold: the values are finite
        # float64 numbers, and rounding them to float64 changes nothing)
        _check_hyper_in_dtype(dt, "sweep", loss, 0.0, 0.0, optimizer)
        from .optim import _in_dtype
        for col in ("l1", "l2"):
            _in_dtype(table[cols.index(col)], col, "sweep", dt)

    # starting parameters and generators
    nv = static["nv"]
    rng_states = None
    if params is not None:
        pa = np.asarray(params)
        if pa.dtype.kind not in "biuf" or pa.shape[-1:] != (nv,) or pa.ndim not in (1, 2):
            raise ValueError(f"sweep: params must have shape ({nv},) or (K, {nv}) (the flat "
                             f"parameters, Sequential.get_flat_params order), got {pa.shape}")
        if not np.all(np.isfinite(pa)):
            raise ValueError("sweep: params holds NaN or inf")
        block = np.array(np.broadcast_to(pa.astype(dt), (K, nv)))
        if seeds is not None:
            raise ValueError("sweep: give params or seeds, not both")
    elif seeds is not None:
        sv = np.broadcast_to(np.asarray(seeds), (K,))
        block = np.empty((K, nv), dtype=dt)
        rng_states = np.empty((K, 4), dtype=np.uint64)
        for i, s in enumerate(sv.tolist()):
            m = _fresh_model(model, s)
            block[i] = m.get_flat_params()
            rng_states[i] = m.generator._state_array
    else:
        block = np.empty((K, nv), dtype=dt)
        block[...] = _flat_params(static, dt)
    if shuffle:
        if shuffle_seeds is not None:
            from .random import Generator

            rng_states = np.empty((K, 4), dtype=np.uint64)
            for i, s in enumerate(np.broadcast_to(np.asarray(shuffle_seeds), (K,)).tolist()):
                rng_states[i] = Generator(s)._state_array
        elif rng_states is None:
            rng_states = np.array(np.broadcast_to(model.generator._state_array, (K, 4)))
    else:
        if shuffle_seeds is not None:
            raise ValueError("sweep: shuffle_seeds needs shuffle=True")
        rng_states = None

    # The engine's own step count (one place states the schedule).
    spe = _core.engine_schedule(n, 0 if order is None else length, bs, 1)[0]
    settings = {}

    def column(c):  # (K,): a shared value as a read-only broadcast view (no copy)
        a = table[c]
        if a.shape[0] == K:
            return a
        v = np.ndarray((K,), dtype=a.dtype, buffer=a, strides=(0,))  # np.broadcast_to, cheaper
        v.flags.writeable = False
        return v

    for c, name in enumerate(cols[:-1]):  # the optimizer's, l1, l2
        settings[name] = column(c)
    if seeds is not None:
        settings["seed"] = np.broadcast_to(np.asarray(seeds), (K,)).copy()
    if shuffle_seeds is not None:
        settings["shuffle_seed"] = np.broadcast_to(np.asarray(shuffle_seeds), (K,)).copy()
    return {
        "config": static["config"], "dtype": dt.name, "layers": static["layers"],
        "sizes": static["sizes"], "penalized": static["penalized"], "shapes": static["shapes"],
        "X": Xs, "Y": Ys, "x_per": x_per, "y_per": y_per, "loss": loss._params(),
        "opt": _OPT_CODES[optimizer.kind], "opt_kind": optimizer.kind,
        "optimizer": type(optimizer).__name__,
        "hyper": table, "epochs": epochs, "batch_size": bs, "order": order,
        "rng": rng_states, "params": block, "record": record, "steps": spe * epochs,
        "threads": threads, "interleave": bool(interleave), "settings": settings, "k": K,
    }


def _cpu_count():
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _slice_plan(plan, a, b):
    """The plan of replicas [a, b)."""
    sub = dict(plan)
    sub["k"] = b - a
    sub["params"] = plan["params"][a:b]
    sub["hyper"] = tuple(c if c.shape[0] == 1 else c[a:b] for c in plan["hyper"])
    if plan["rng"] is not None:
        sub["rng"] = plan["rng"][a:b]
    if plan["x_per"]:
        sub["X"] = plan["X"][a:b]
    if plan["y_per"]:
        sub["Y"] = plan["Y"][a:b]
    if plan["order"] is not None and plan["order"].ndim == 2:
        sub["order"] = plan["order"][a:b]
    sub["settings"] = {k: v[a:b] for k, v in plan["settings"].items()}
    return sub


def _execute(plan, owned=False):
    """Runs a plan in this process; returns the result arrays (a dict).
    On KeyboardInterrupt the exception carries ``.partial``, the same dict
    with the completed work.  ``owned``: the plan's parameter block is this
    call's to train in place (a local sweep's fresh block; an executor's
    chunk, maybe a view of the caller's plan, is copied)."""
    K, dt = plan["k"], np.dtype(plan["dtype"])
    nv = plan["params"].shape[1]
    block = plan["params"]
    if not (owned and block.dtype == dt and block.flags.c_contiguous and block.flags.writeable):
        block = np.array(block, dtype=dt, order="C")
    row = _core._ops["optimizers"][plan["opt"]]  # the op table: states, step counter
    n_states = len(row["states"])
    s1 = np.zeros((K, nv), dtype=dt) if n_states >= 1 else None
    s2 = np.zeros((K, nv), dtype=dt) if n_states >= 2 else None
    adam_t = np.zeros(K, dtype=np.int64) if row["uses_t"] else None
    rng = None if plan["rng"] is None else np.array(plan["rng"], dtype=np.uint64, order="C")
    epochs, steps = plan["epochs"], plan["steps"]
    eloss = None if plan["record"] == "final" else np.full((K, epochs), np.nan)
    sloss = np.full((K, steps), np.nan) if plan["record"] in ("step", "params") else None
    prec = (np.full((K, steps + 1, nv), np.nan, dtype=dt) if plan["record"] == "params"
            else None)
    # The engine fills every entry of these (compact: for 10,000 tiny runs,
    # writing them costs as much as training): the outcome codes; epochs,
    # steps, passes, fail_epoch, fail_step (int32 when every count fits, by
    # the binding's rule); fail_loss, final loss.
    codes = np.empty(K, dtype=np.int8)
    counters = np.empty((K, 5), dtype=np.int32 if steps < _NARROW_STEPS else np.int64)
    fails = np.empty((K, 2), dtype=np.float64)
    # The engine reads sizes from the template; any buffers of those sizes do.
    params = tuple((np.empty(s, dtype=dt), np.empty(s, dtype=dt), None, None, pen)
                   for s, pen in zip(plan["sizes"], plan["penalized"]))
    res = {"params": block, "loss": eloss, "step_loss": sloss, "trajectory": prec,
           "codes": codes,
           "counters": counters, "fails": fails, "interleaved": False, "interrupted": False}
    try:
        interrupted, lanes = _core.sweep_run(
            plan["dtype"], plan["layers"], params, plan["X"], plan["Y"], plan["loss"],
            plan["opt"], plan["hyper"], epochs, plan["batch_size"], plan["order"], rng, block,
            s1, s2, adam_t, eloss, sloss, prec, codes, counters, fails, plan["threads"],
            plan["interleave"])
    except KeyboardInterrupt as exc:
        res["interrupted"] = True
        setattr(exc, "partial", res)
        raise
    res["interleaved"] = bool(lanes)
    res["interrupted"] = bool(interrupted)
    return res


def _execute_chunk(plan):
    """What an executor's worker runs (a module-level function, so that it
    pickles by name)."""
    return _execute(plan)


def _stitch(parts):
    out = {}
    for key in ("params", "codes", "counters", "fails"):
        out[key] = np.concatenate([p[key] for p in parts])
    for key in ("loss", "step_loss", "trajectory"):
        out[key] = (None if parts[0][key] is None
                    else np.concatenate([p[key] for p in parts]))
    out["interleaved"] = all(p["interleaved"] for p in parts)
    out["interrupted"] = any(p["interrupted"] for p in parts)
    return out


def sweep(model: "Sequential", X: ArrayLike, y: ArrayLike, *,
          loss: Union[str, _losses.Loss, Type[_losses.Loss]], optimizer: Optimizer,
          epochs: Optional[int] = None, batch_size: Optional[int] = None,
          shuffle: Union[bool, ArrayLike] = False, order: Optional[ArrayLike] = None,
          l1: Union[float, ArrayLike] = 0.0, l2: Union[float, ArrayLike] = 0.0,
          seeds: Optional[ArrayLike] = None, params: Optional[ArrayLike] = None,
          shuffle_seeds: Optional[ArrayLike] = None,
          divergence: Union[float, ArrayLike, None] = 1e6, record: str = "epoch",
          threads: Optional[int] = None, executor: Optional[Executor] = None,
          chunks: Optional[int] = None, interleave: bool = True) -> "Sweep":
    """Trains K replicas of ``model``'s architecture in one call into C and
    returns a :class:`Sweep`.  ``model`` itself is not changed.

    Arguments are those of ``Sequential.fit``, and any of them that is one
    number there may be an array of K numbers here (arrays of length 1 and
    scalars broadcast):

    - optimizer hyper-parameters: ``nnc.SGD(lr=alphas)``,
      ``nnc.Momentum(lr=..., mu=mus)``, ``nnc.Adam(lr=..., beta1=...,
      beta2=..., eps=...)``, ``nnc.RMSProp(lr=..., rho=...)``,
      ``nnc.HotCold(step=steps)`` -- every optimizer, its hyper-parameters
      taken from the op table in ops.def order; every replica starts
      with a fresh optimizer state (zero velocity / moments, t = 0);
    - ``l1``, ``l2``, ``divergence`` (None turns the threshold off for all);
    - starting parameters: the model's current ones (default), ``seeds``
      (K seeds: replica i starts as ``Sequential(layers, seed=seeds[i])``
      would, drawing the model's initialisers from ``Generator(seeds[i])``),
      or ``params`` ((K, n_params) or (n_params,), ``get_flat_params``
      order);
    - data: X of shape (n, in) shared, or (K, n, in) one data set per
      replica; y shared ((n,) or (n, out)) or per replica ((K, n) for one
      output, or (K, n, out));
    - data order: ``shuffle=True`` reshuffles every epoch with the replica's
      generator -- ``Generator(seeds[i])`` after drawing its start when
      ``seeds`` is given, ``Generator(shuffle_seeds[i])`` when that is given,
      else a copy of ``model.generator`` -- or ``order`` ((L,) shared or
      (K, L)).

    ``record``: "epoch" (``Sweep.loss``, K x epochs), "step" (adds
    ``Sweep.step_loss``, K x steps), "params" (adds ``Sweep.trajectory``,
    K x (steps + 1) x n_params: each replica's parameters before its first
    step and after every step, its ``History.params``; these run replica by
    replica, not interleaved) or "final" (no loss record, only
    ``Sweep.final_loss``: 10,000 replicas x 1,000 epochs would otherwise
    record 80 MB of losses).  ``threads`` (default: every CPU this
    process may use) splits the replicas between threads; the results do not
    depend on it.  ``interleave=False`` turns off the interleaved route (for
    comparison; results are the same).

    Replica i equals ``m.fit(X_i, y_i, loss=loss, optimizer=<fresh optimizer
    with replica i's values>, ...)`` on a copy ``m`` of the model with
    replica i's start and generator, bit for bit.

    Divergence stops only that replica (``Sweep.diverged``, ``fail_step``,
    ``reason``).  Ctrl-C stops the whole sweep within a fraction of a second
    and raises ``KeyboardInterrupt`` carrying ``.sweep``: every replica's
    completed steps.

    ``executor``: any ``concurrent.futures.Executor``.  The replicas are cut
    into ``chunks`` pieces (default: 4 per CPU of this machine, at most K),
    each shipped with its data and settings as plain arrays to
    ``executor.submit``; the results come back in replica order, equal bit
    for bit to a local run.  On a Dask cluster::

        from dask.distributed import Client
        client = Client("tcp://scheduler:8786")      # or Client(LocalCluster())
        result = nnc.sweep(model, X, y, loss="mse", optimizer=nnc.SGD(lr=lrs),
                           epochs=100, executor=client.get_executor(), threads=1)

    (every worker needs nnc installed; ``threads`` is per chunk).
    """
    plan = _plan(model, X, y, loss=loss, optimizer=optimizer, epochs=epochs,
                 batch_size=batch_size, shuffle=shuffle, order=order, l1=l1, l2=l2, seeds=seeds,
                 params=params, shuffle_seeds=shuffle_seeds, divergence=divergence,
                 record=record, threads=threads, interleave=interleave)
    K = plan["k"]
    if executor is None:
        try:
            res = _execute(plan, owned=True)
        except KeyboardInterrupt as exc:
            if hasattr(exc, "partial"):  # not when it came before the C call
                setattr(exc, "sweep", Sweep(plan, getattr(exc, "partial")))
            raise
        return Sweep(plan, res)
    if not callable(getattr(executor, "submit", None)):
        raise TypeError(f"sweep: executor must be a concurrent.futures.Executor (something "
                        f"with submit), got {type(executor).__name__}")
    if chunks is None:
        chunks = 4 * _cpu_count()
    chunks = max(1, min(int(chunks), K))
    bounds = np.linspace(0, K, chunks + 1).round().astype(int).tolist()
    futures = [executor.submit(_execute_chunk, _slice_plan(plan, a, b))
               for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    parts = [f.result() for f in futures]
    return Sweep(plan, _stitch(parts))


class Sweep:
    """The result of :func:`nnc.sweep`: per-replica arrays, replica i in row i.

    ``settings``: dict name -> (K,) array of each replica's hyper-parameters
        (``lr``, ``mu``, ... as the optimizer has them, ``l1``, ``l2``, and
        ``seed`` / ``shuffle_seed`` when given).
    ``loss``: (K, epochs) float64, each epoch's loss as ``History.loss``;
        NaN after a replica stopped; None with record="final".
        ``step_loss``: (K, steps) with record="step" or "params", else None.
    ``trajectory``: (K, steps + 1, n_params) with record="params" (replica
        i's ``History.params``; NaN after a replica stopped), else None.
    ``final_loss``: (K,) the last completed epoch's loss (NaN when none).
    ``params``: (K, n_params) final parameters (``get_flat_params`` order;
        labels in ``param_names``); ``model(i)`` / ``best()`` give a
        ``Sequential``.
    ``status``: (K,) "completed", "diverged" or "interrupted".
    ``diverged``: (K,) bool; ``fail_step``, ``fail_epoch`` (K,) int, -1 when
        it did not stop; ``reason``: "nonfinite" (NaN/inf loss), "threshold"
        (loss above divergence x the starting loss) or ""; ``fail_loss``.
    ``epochs_done``, ``steps_done``, ``forward_passes``: (K,) int64.
    ``interleaved``: the replicas ran in the interleaved route.

    ``to_records()`` gives one row per replica as a NumPy structured array
    (``pandas.DataFrame(s.to_records())`` makes a table).  Results pickle,
    deep-copy, and compare equal (``==``) when every array is equal.
    """

    def __init__(self, plan, res):
        K = plan["k"]
        self.k = K
        self.dtype = plan["dtype"]
        self.optimizer = plan["optimizer"]
        self.settings = dict(plan["settings"])
        self.epochs = plan["epochs"]
        self.loss = res["loss"]
        self.step_loss = res["step_loss"]
        self.trajectory = res.get("trajectory")
        self.params = res["params"]
        # The engine's compact tables, kept as they are (a sweep of 10,000
        # tiny runs is as much allocating memory as training); every
        # per-replica attribute below is made from them when asked for.
        self._codes = res["codes"]
        self._counters = res["counters"]  # epochs, steps, passes, fail_epoch, fail_step
        self._fails = res["fails"]  # fail_loss, final loss
        self.interleaved = bool(res["interleaved"])
        self._config = plan["config"]
        self._shapes = [(n, tuple(s)) for n, s in plan["shapes"]]

    @property
    def final_loss(self) -> np.ndarray:
        """(K,) the loss of each replica's last completed epoch (NaN when none)."""
        return self._fails[:, 1]

    @property
    def diverged(self) -> np.ndarray:
        """(K,) bool: the replica stopped alone (NaN/inf loss or past its threshold)."""
        return (self._codes == 1) | (self._codes == 2)

    @property
    def epochs_done(self) -> np.ndarray:
        """(K,) int64 completed epochs."""
        return self._counters[:, 0].astype(np.int64)

    @property
    def steps_done(self) -> np.ndarray:
        """(K,) int64 completed steps."""
        return self._counters[:, 1].astype(np.int64)

    @property
    def forward_passes(self) -> np.ndarray:
        """(K,) int64 forward passes (as ``History.forward_passes``)."""
        return self._counters[:, 2].astype(np.int64)

    @property
    def fail_epoch(self) -> np.ndarray:
        """(K,) int64 the epoch a replica stopped in, -1 when it did not."""
        return self._counters[:, 3].astype(np.int64)

    @property
    def fail_step(self) -> np.ndarray:
        """(K,) int64 the step a replica stopped at, -1 when it did not."""
        return self._counters[:, 4].astype(np.int64)

    @property
    def fail_loss(self) -> np.ndarray:
        """(K,) the loss at which a replica diverged (NaN when it did not)."""
        return np.where(self.diverged, self._fails[:, 0], np.nan)

    @property
    def status(self) -> np.ndarray:
        """(K,) "completed", "diverged" or "interrupted"."""
        return _STATUS[self._codes]

    @property
    def reason(self) -> np.ndarray:
        """(K,) "nonfinite", "threshold" or "" (did not diverge)."""
        return _REASON[self._codes]

    @property
    def param_names(self) -> "list[str]":
        return [f"{name}[{', '.join(map(str, idx))}]" for name, shape in self._shapes
                for idx in np.ndindex(*shape)]

    def model(self, i: int) -> "Sequential":
        """Replica i's final parameters in a new ``Sequential``."""
        from .model import Sequential

        k = len(self)
        if isinstance(i, (bool, np.bool_)):
            raise TypeError(f"Sweep.model: i must be a replica index, got {i!r}")
        try:
            i = operator.index(i)
        except TypeError:
            raise TypeError(f"Sweep.model: i must be an int (a replica index), got "
                            f"{type(i).__name__} ({i!r})") from None
        if not -k <= i < k:
            raise IndexError(f"Sweep.model: replica {i} is out of range for {k} replicas")
        m = Sequential._from_config(self._config)
        m.set_flat_params(self.params[i])
        return m

    def best(self) -> "Sequential":
        """The replica with the lowest final loss among those that did not
        diverge, as a ``Sequential``."""
        fl = np.where(self.diverged, np.nan, self.final_loss)
        if np.all(np.isnan(fl)):
            raise ValueError("Sweep.best: no replica finished without diverging")
        return self.model(int(np.nanargmin(fl)))

    def to_records(self) -> np.ndarray:
        """One row per replica: its settings, final_loss, status, diverged,
        reason, fail_step, epochs_done, forward_passes (a NumPy structured
        array; ``pandas.DataFrame(s.to_records())`` is a table)."""
        cols = [("replica", np.arange(self.k))]
        cols += list(self.settings.items())
        cols += [("final_loss", self.final_loss), ("status", self.status),
                 ("diverged", self.diverged), ("reason", self.reason),
                 ("fail_step", self.fail_step), ("epochs_done", self.epochs_done),
                 ("forward_passes", self.forward_passes)]
        dtype = [(name, np.asarray(v).dtype if np.asarray(v).dtype.kind != "U"
                  else "U12") for name, v in cols]
        rec = np.empty(self.k, dtype=dtype)
        for name, v in cols:
            rec[name] = v
        return rec

    def __len__(self) -> int:
        return self.k

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sweep):
            return NotImplemented
        a, b = self.__dict__, other.__dict__
        if a.keys() != b.keys():
            return False
        for key in a:
            if key == "interleaved":  # the route, not a result: both give the same bits
                continue
            x, y = a[key], b[key]
            if key == "settings":
                if x.keys() != y.keys() or not all(np.array_equal(x[k], y[k]) for k in x):
                    return False
            elif isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
                if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
                        and x.dtype == y.dtype and x.shape == y.shape):
                    return False
                eq_nan = x.dtype.kind in "fc"
                if not np.array_equal(x, y, equal_nan=eq_nan):
                    return False
            elif x != y:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]  # mutable results: equality, no hash

    def __repr__(self) -> str:
        n_div = int(self.diverged.sum())
        fl = self.final_loss
        ok = ~np.isnan(fl)
        parts = [f"{self.k} replicas", f"{self.epochs} epochs", self.optimizer]
        if ok.any():
            parts.append(f"final loss {np.nanmin(fl):.6g} .. {np.nanmax(fl):.6g}")
        parts.append(f"{n_div} diverged")
        n_int = int((self.status == "interrupted").sum())
        if n_int:
            parts.append(f"{n_int} interrupted")
        return f"Sweep({', '.join(parts)})"
