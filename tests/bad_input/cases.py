"""The case table: how to call each public array function of nnc correctly,
with a NumPy reference of what it must return.

A ``Case`` knows the function's array arguments (which are read-only inputs
and which are written in place), how to build valid arrays of a given shape
and dtype, the valid shapes to try (0-size and 1-element included), its
hyper-parameters with bad values and the exception each must raise, and a
reference written with NumPy from the formula in the docstring.  The test
modules break one thing at a time and compare against the reference.

``call_checked`` runs a call and then verifies, byte for byte, that every
array argument is unchanged -- except the in-place ones, and those too when
the call raised.  ``covers``/``COVERED`` record which public callables some
test exercises; test_coverage.py fails when one is missing.
"""
import copy
import importlib
import inspect
import math
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

import nnc
from nnc import functional as F

# ---------------------------------------------------------------------------
# coverage registry


def key(obj):
    """A stable name for a callable: module.qualname (nnc._core.matmul,
    nnc.random.Generator.uniform)."""
    if isinstance(obj, property):
        obj = obj.fget
    mod = getattr(obj, "__module__", None) or "?"
    return f"{mod}.{getattr(obj, '__qualname__', getattr(obj, '__name__', repr(obj)))}"


COVERED = set()


def covers(*objs):
    """Marks callables (objects or key strings) as exercised by a test."""
    for o in objs:
        COVERED.add(o if isinstance(o, str) else key(o))


def _public_names(mod):
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in dir(mod) if not n.startswith("_")]
    return names


def public_callables(include_core=True):
    """Every public callable of nnc: functions and classes of the package and
    its public submodules, public methods and settable properties of those
    classes, and (include_core) the functions of nnc._core.  Returns
    {key: object}."""
    found = {}
    mods = ["nnc"] + sorted(f"nnc.{m.name}" for m in pkgutil.iter_modules(nnc.__path__)
                            if not m.name.startswith("_"))
    if include_core:
        mods.append("nnc._core")
    for modname in mods:
        try:
            mod = importlib.import_module(modname)
        except ImportError:  # an optional extra (matplotlib, ...) is missing
            continue
        names = _public_names(mod) if modname != "nnc._core" else [
            n for n in dir(mod) if not n.startswith("_")]
        for n in names:
            obj = getattr(mod, n, None)
            if obj is None or inspect.ismodule(obj) or not callable(obj):
                continue
            if modname != "nnc._core" and not str(getattr(obj, "__module__", "")).startswith("nnc"):
                continue  # something imported from elsewhere (numpy, typing)
            found[key(obj)] = obj
            if inspect.isclass(obj):
                for mname, member in vars(obj).items():
                    if mname.startswith("_"):
                        continue
                    if isinstance(member, property):
                        found[key(member)] = member
                    elif inspect.isfunction(member) or isinstance(member, (classmethod,
                                                                           staticmethod)):
                        fn = member.__func__ if isinstance(member, (classmethod,
                                                                    staticmethod)) else member
                        found[key(fn)] = fn
    return found


# ---------------------------------------------------------------------------
# calls that check their inputs are left alone


def _root(a):
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _snap(obj):
    if isinstance(obj, np.ndarray):
        r = _root(obj)
        if isinstance(r.base, (bytes, bytearray, memoryview)):
            raw = bytes(r.base)
        else:
            raw = r.tobytes(order="A")
        return ("nd", obj.shape, obj.strides, obj.dtype.str, bool(obj.flags.writeable), raw)
    if isinstance(obj, (list, dict)):
        return ("py", repr(obj), copy.deepcopy(obj))
    return None


def _same(a, b):
    if a is None or b is None:
        return a is b
    if a[0] == "py":
        return a[1] == b[1]
    return a == b


def call_checked(fn, *args, _inout=(), **kwargs):
    """fn(*args, **kwargs), then assert that no array or list argument changed
    (its memory byte for byte, its shape, strides, dtype and flags), except
    the objects in _inout when the call succeeded."""
    objs = list(args) + list(kwargs.values())
    before = [_snap(o) for o in objs]
    skip = set()
    try:
        res = fn(*args, **kwargs)
        skip = {id(o) for o in _inout}
        return res
    finally:
        for o, b in zip(objs, before):
            if id(o) in skip:
                continue
            assert _same(_snap(o), b), (
                f"{getattr(fn, '__name__', fn)} modified an argument it must not touch "
                f"({type(o).__name__}{getattr(o, 'shape', '')})")


# ---------------------------------------------------------------------------
# NumPy references: the shared module tests/reference.py

from reference import (  # noqa: E402  (re-exported for the bad-input modules)
    PENALTIES, act_backward_ref, act_ref, dalpha_ref, f64 as _f64, loss_ref, optimizer_ref,
    prelu_dalpha_ref)

OPS = nnc._core._ops


# ---------------------------------------------------------------------------
# the Case type


@dataclass
class Case:
    name: str                       # display name, e.g. "F.relu"
    fn: Callable
    arrays: Tuple[str, ...]         # array arguments, in positional order
    make: Callable                  # make(shape, dtype, rng) -> {name: ndarray}
    ref: Callable                   # ref(arrs, dtype, **hp) -> expected result
    call: Optional[Callable] = None  # call(fn, arrs, **hp) -> result
    inout: Tuple[str, ...] = ()     # arrays written in place
    hyper: Dict[str, Any] = field(default_factory=dict)   # valid hyper-parameters
    bad_hyper: List[Tuple[str, Any, type]] = field(default_factory=list)
    shapes: Tuple[tuple, ...] = ()  # valid shapes (0-size and 1-element included)
    base_shape: tuple = (3, 4)      # the shape most checks use
    same_shape: bool = True         # every array argument has one shape
    rowwise: bool = False           # arrays must be 1-D or 2-D
    labels: Tuple[str, ...] = ()    # arrays holding 0/1 labels (inf refused)
    mismatch: Optional[Callable] = None  # mismatch(dtype, rng) -> [(argname, arrs)]

    def run(self, arrs, **hp):
        """Calls the function on arrs (hyper-parameters: the case's defaults
        updated by hp) through the input-unchanged check."""
        kw = dict(self.hyper)
        kw.update(hp)
        objs = [arrs[n] for n in self.arrays if n in arrs]
        inout = {id(arrs[n]) for n in self.inout if n in arrs}
        before = [_snap(o) for o in objs]
        ok = False
        try:
            if self.call is None:
                res = self.fn(*[arrs[n] for n in self.arrays], **kw)
            else:
                res = self.call(self.fn, arrs, **kw)
            ok = True
            return res
        finally:
            for n, o, b in zip(self.arrays, objs, before):
                if ok and id(o) in inout:
                    continue
                assert _same(_snap(o), b), (
                    f"{self.name} modified {n}, which it must not touch"
                    + ("" if ok else " (the call raised)"))

    def expected(self, arrs, dtype, **hp):
        kw = dict(self.hyper)
        kw.update(hp)
        return self.ref(arrs, np.dtype(dtype), **kw)


def tolerances(dtype):
    return (2e-5, 2e-6) if np.dtype(dtype) == np.float32 else (1e-12, 1e-13)


def assert_result(case, got, want, dtype, arrs=None):
    """Compares a call's result (or its in-place arrays) with the reference."""
    rtol, atol = tolerances(dtype)
    if isinstance(want, dict):  # in place: the updated arrays
        assert got is None or got is arrs[case.inout[0]], f"{case.name} returned {got!r}"
        for n, w in want.items():
            a = arrs[n]
            np.testing.assert_allclose(_f64(a), w, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=f"{case.name}: {n} after the step")
        return
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), f"{case.name} returned {got!r}"
        for g, w in zip(got, want):
            _assert_one(case, g, w, dtype, rtol, atol)
        return
    _assert_one(case, got, want, dtype, rtol, atol)


def _assert_one(case, got, want, dtype, rtol, atol):
    if isinstance(want, float) and not isinstance(want, np.floating):
        assert isinstance(got, float), f"{case.name} returned {type(got).__name__}, not a float"
        if math.isnan(want):
            assert math.isnan(got), f"{case.name}: {got!r}, expected NaN"
        else:
            assert math.isclose(got, want, rel_tol=rtol, abs_tol=atol * max(1.0, abs(want))) or (
                got == want), f"{case.name}: {got!r}, expected {want!r}"
        return
    want = np.asarray(want)
    assert isinstance(got, np.ndarray), f"{case.name} returned {type(got).__name__}"
    assert got.dtype == np.dtype(dtype), f"{case.name}: dtype {got.dtype}, expected {dtype}"
    assert got.shape == want.shape, f"{case.name}: shape {got.shape}, expected {want.shape}"
    np.testing.assert_allclose(_f64(got), want, rtol=rtol, atol=atol, equal_nan=True,
                               err_msg=case.name)


# ---------------------------------------------------------------------------
# shapes and data

ELEM_SHAPES = ((), (0,), (1,), (7,), (0, 4), (3, 0), (1, 1), (3, 4), (2, 3, 2))
ROW_SHAPES = ((0,), (1,), (7,), (0, 3), (3, 0), (1, 1), (3, 4))
VEC_SHAPES = ((0,), (1,), (7,), (3, 4), (1, 1), ())


def _normal(rng, shape, dtype, scale=2.0):
    return np.array(rng.standard_normal(shape) * scale, dtype=dtype)  # 0-d: an array too


def _labels(rng, shape, dtype):
    return np.array(rng.integers(0, 2, size=shape), dtype=dtype)


def _prob_rows(rng, shape, dtype):
    if len(shape) == 0:
        return np.ones(shape, dtype)
    t = rng.uniform(0.05, 1.0, size=shape)
    if t.size:
        flat = t.reshape(-1)
        flat[1::4] = 0.0  # zero targets: 0 log 0 = 0
        s = t.sum(axis=-1, keepdims=True)
        t = np.where(s > 0, t / np.where(s > 0, s, 1), t)
    return t.astype(dtype)


# ---------------------------------------------------------------------------
# functional cases

# From the op table: which activations take alpha (and its default), which work row-wise.
ACT_ALPHA = {r["name"]: r["alpha_default"] for r in OPS["activations"] if r["alpha"] == "fixed"}
REQ_ALPHA = {r["name"] for r in OPS["activations"] if r["alpha"] == "learned"}
ROWWISE_ACTS = {r["name"] for r in OPS["activations"] if r["rowwise"]}


def _alpha_bad(name):
    return [(name, v, ValueError) for v in (math.nan, math.inf, -math.inf)] + [
        (name, v, TypeError) for v in ("0.1", None, 1j, True, [0.1])]


def _act_cases():
    out = []
    for name in F.ACTIVATIONS:
        fwd = getattr(F, name)
        bwd = getattr(F, name + "_backward")
        rowwise = name in ROWWISE_ACTS
        shapes = ROW_SHAPES if rowwise else ELEM_SHAPES
        hyper = {}
        bad = []
        if name in ACT_ALPHA:
            hyper = {"alpha": 0.3}
            bad = _alpha_bad("alpha")
        elif name in REQ_ALPHA:
            hyper = {"alpha": 0.25}
            bad = _alpha_bad("alpha")
        def make_x(shape, dtype, rng):
            x = _normal(rng, shape, dtype)
            if x.ndim:
                x.reshape(-1)[::5] = 0  # kinks
            return {"x": x}

        def make_xdy(shape, dtype, rng):
            d = make_x(shape, dtype, rng)
            d["dy"] = _normal(rng, shape, dtype, 1.0)
            return d

        def fref(arrs, dtype, _n=name, **hp):
            return act_ref(_n, arrs["x"], hp.get("alpha", ACT_ALPHA.get(_n)))

        def bref(arrs, dtype, _n=name, **hp):
            dx = act_backward_ref(_n, arrs["x"], arrs["dy"], hp.get("alpha", ACT_ALPHA.get(_n)))
            if _n in REQ_ALPHA:
                return (dx, dalpha_ref(_n, arrs["x"], arrs["dy"]))
            return dx

        fcall = None
        bcall = None
        if name in REQ_ALPHA:
            # prelu(x, alpha) and prelu_backward(x, dy, alpha): alpha is
            # required, so pass everything by keyword.
            fcall = lambda fn, a, **hp: fn(a["x"], **hp)  # noqa: E731
            bcall = lambda fn, a, **hp: fn(x=a["x"], dy=a["dy"], **hp)  # noqa: E731
        out.append(Case(f"F.{name}", fwd, ("x",), make_x, fref, call=fcall, hyper=hyper,
                        bad_hyper=bad, shapes=shapes, rowwise=rowwise))
        out.append(Case(f"F.{name}_backward", bwd, ("x", "dy"), make_xdy, bref, call=bcall,
                        hyper=hyper, bad_hyper=bad, shapes=shapes, rowwise=rowwise))
    return out


_LOSS_FIRST = {r["name"]: r["first"] for r in OPS["losses"]}
ROW_LOSSES = {r["name"] for r in OPS["losses"] if r["rowwise"]}
LABEL_LOSSES = {r["name"] for r in OPS["losses"] if r["labels01"]}
_LOSS_PARAM = {r["name"]: r["param"] for r in OPS["losses"]}


def _red_bad():
    return [("reduction", v, (ValueError, TypeError)) for v in ("avg", "MEAN", None, 1, b"mean")]


def _loss_cases():
    out = []
    for name in F.LOSSES:
        first = _LOSS_FIRST.get(name, "pred")
        rowwise = name in ROW_LOSSES
        shapes = ROW_SHAPES if rowwise else ELEM_SHAPES
        hyper = {"reduction": "mean"}
        bad = _red_bad()
        spec = _LOSS_PARAM[name]  # the row's PARAM: a switch or a real > 0
        if spec is not None and spec[2] == "flag":
            hyper[spec[0]] = True
        elif spec is not None:
            hyper[spec[0]] = 0.7 * spec[1]
            bad += [(spec[0], v, ValueError) for v in (0.0, -1.0, math.nan, math.inf)]
            bad += [(spec[0], v, TypeError) for v in ("1", None, 1j)]

        def make(shape, dtype, rng, _n=name, _f=first):
            if _n == "log_loss":
                p = np.array(rng.uniform(0.02, 0.98, size=shape), dtype=dtype)
                t = _labels(rng, shape, dtype)
            elif _n == "kl_divergence":
                p = np.where(_prob_rows(rng, shape, dtype) == 0, 0.1,
                             _prob_rows(rng, shape, dtype)).astype(dtype)
                t = _prob_rows(rng, shape, dtype)
            elif _n == "cross_entropy":
                p = _normal(rng, shape, dtype)
                t = _prob_rows(rng, shape, dtype)
            elif _n in LABEL_LOSSES or _n == "log_loss_with_logits":
                p = _normal(rng, shape, dtype)
                t = _labels(rng, shape, dtype)
            else:
                p = _normal(rng, shape, dtype)
                t = _normal(rng, shape, dtype)
            return {_f: p, "target": t}

        def fref(arrs, dtype, _n=name, _f=first, **hp):
            return loss_ref(_n, arrs[_f], arrs["target"], dtype, **hp)[0]

        def bref(arrs, dtype, _n=name, _f=first, **hp):
            return loss_ref(_n, arrs[_f], arrs["target"], dtype, **hp)[1]

        labels = ("target",) if name in LABEL_LOSSES else ()
        for fn, ref, suffix in ((getattr(F, name), fref, ""),
                                (getattr(F, name + "_backward"), bref, "_backward")):
            out.append(Case(f"F.{name}{suffix}", fn, (first, "target"), make, ref, hyper=hyper,
                            bad_hyper=bad, shapes=shapes, rowwise=rowwise, labels=labels))
    return out


def _penalty_cases():
    out = []
    for row in OPS["penalties"]:
        value, grad = PENALTIES[row["name"]]
        for suffix, ref in (("_penalty", lambda a, d, _f=value, **hp: _f(a["w"])),
                            ("_penalty_backward", lambda a, d, _f=grad, **hp: _f(a["w"]))):
            name = row["name"] + suffix
            out.append(Case(f"F.{name}", getattr(F, name), ("w",),
                            lambda s, d, r: {"w": _normal(r, s, d)}, ref, shapes=ELEM_SHAPES))
    return out


def _hyper_bad(name, check):
    if check == "unit":
        return ([(name, v, ValueError) for v in (-0.1, 1.0, 1.5, math.nan)]
                + [(name, v, TypeError) for v in ("0.9", None, 1j)])
    return ([(name, v, ValueError) for v in (0.0, -0.1, math.nan, math.inf)]
            + [(name, v, TypeError) for v in ("0.1", None, 1j, True, [0.1])])


_T_BAD = ([("t", v, ValueError) for v in (0, -1, -(2 ** 70))]
          + [("t", v, TypeError) for v in (1.0, 2.5, "1", None, True, np.float64(2))])


def _step_make(names):
    def make(shape, dtype, rng):
        out = {}
        for n in names:
            if n in ("w", "g"):
                out[n] = _normal(rng, shape, dtype, 1.0)
            else:  # state arrays: small and non-negative, valid for every optimizer
                out[n] = np.array(rng.uniform(0.0, 0.1, size=shape), dtype=dtype)
        return out
    return make


def _step_ref(row):
    def ref(a, d, t=1, **hp):
        w, states = optimizer_ref(row["name"], a["w"], a["g"],
                                  {s: a[s] for s in row["states"]}, t, **hp)
        return {"w": w, **states}
    return ref


def _step_cases():
    """One case per gradient optimizer of the op table: valid hyper-parameters
    away from the defaults, bad values from each one's check."""
    out = []
    for row in OPS["optimizers"]:
        if row["kind"] != "gradient":
            continue
        hyper = {}
        bad = []
        if row["uses_t"]:
            hyper["t"] = 3
            bad += _T_BAD
        for name, default, check in row["hyper"]:
            hyper[name] = 0.8 * default if check == "unit" else (0.1 if name == "lr" else default)
            bad += _hyper_bad(name, check)
        arrays = ("w", "g") + tuple(row["states"])
        out.append(Case(f"F.{row['name']}_step", getattr(F, row["name"] + "_step"), arrays,
                        _step_make(arrays), _step_ref(row), inout=("w",) + tuple(row["states"]),
                        hyper=hyper, bad_hyper=bad, shapes=ELEM_SHAPES))
    return out


# ---------------------------------------------------------------------------
# linalg cases.  Their "shape" is a size spec: (m, k, n) for matmul,
# (m, n) for gemv, an array shape for the others.

def _matmul_make(spec, dtype, rng):
    m, k, n = spec
    return {"a": _normal(rng, (m, k), dtype), "b": _normal(rng, (k, n), dtype)}


def _matmul_ref(arrs, dtype, **hp):
    with np.errstate(all="ignore"):
        return _f64(arrs["a"]) @ _f64(arrs["b"])


def _matmul_mismatch(dtype, rng):
    return [("b", {"a": _normal(rng, (3, 4), dtype), "b": _normal(rng, (5, 2), dtype)}),
            ("a", {"a": _normal(rng, (3, 2, 2), dtype), "b": _normal(rng, (2, 2), dtype)}),
            ("b", {"a": _normal(rng, (3, 2), dtype), "b": _normal(rng, (), dtype)})]


def _gemv_make(spec, dtype, rng):
    m, n = spec
    return {"a": _normal(rng, (m, n), dtype), "x": _normal(rng, (n,), dtype)}


def _gemv_mismatch(dtype, rng):
    return [("x", {"a": _normal(rng, (3, 4), dtype), "x": _normal(rng, (5,), dtype)}),
            ("x", {"a": _normal(rng, (3, 4), dtype), "x": _normal(rng, (4, 1), dtype)}),
            ("a", {"a": _normal(rng, (4,), dtype), "x": _normal(rng, (4,), dtype)})]


def _linalg_cases():
    alpha_bad = [("alpha", v, TypeError) for v in ("2", None, 1j, [2.0])]
    return [
        Case("nnc.matmul", nnc.matmul, ("a", "b"), _matmul_make, _matmul_ref,
             shapes=((0, 3, 2), (2, 0, 3), (2, 3, 0), (1, 1, 1), (1, 5, 1), (3, 4, 5), (7, 1, 3)),
             base_shape=(3, 4, 5), same_shape=False, mismatch=_matmul_mismatch,
             bad_hyper=[("threads", v, ValueError) for v in (0, -1)]
             + [("threads", v, TypeError) for v in (1.0, "2", True)]),
        Case("nnc.gemv", nnc.gemv, ("a", "x"), _gemv_make,
             lambda a, d, **hp: _f64(a["a"]) @ _f64(a["x"]),
             shapes=((0, 3), (3, 0), (1, 1), (4, 7)), base_shape=(4, 7), same_shape=False,
             mismatch=_gemv_mismatch),
        Case("nnc.dot", nnc.dot, ("x", "y"),
             lambda s, d, r: {"x": _normal(r, s, d), "y": _normal(r, s, d)},
             lambda a, d, **hp: float(np.dot(_f64(a["x"]), _f64(a["y"]))),
             shapes=((0,), (1,), (7,)), base_shape=(7,)),
        Case("nnc.axpy", nnc.axpy, ("x", "y"),
             lambda s, d, r: {"x": _normal(r, s, d), "y": _normal(r, s, d)},
             lambda a, d, alpha, **hp: {"y": _f64(a["y"]) + alpha * _f64(a["x"])},
             call=lambda fn, a, alpha: fn(alpha, a["x"], a["y"]), inout=("y",),
             hyper={"alpha": 1.5}, bad_hyper=alpha_bad, shapes=ELEM_SHAPES),
        Case("nnc.add", nnc.add, ("x", "y"),
             lambda s, d, r: {"x": _normal(r, s, d), "y": _normal(r, s, d)},
             lambda a, d, **hp: _f64(a["x"]) + _f64(a["y"]), shapes=ELEM_SHAPES),
        Case("nnc.scale", nnc.scale, ("x",), lambda s, d, r: {"x": _normal(r, s, d)},
             lambda a, d, alpha, **hp: alpha * _f64(a["x"]),
             call=lambda fn, a, alpha: fn(a["x"], alpha), hyper={"alpha": -0.75},
             bad_hyper=alpha_bad, shapes=ELEM_SHAPES),
        Case("nnc.transpose", nnc.transpose, ("a",), lambda s, d, r: {"a": _normal(r, s, d)},
             lambda a, d, **hp: _f64(a["a"]).T.copy(),
             shapes=((0,), (1,), (7,), (0, 3), (3, 0), (1, 1), (3, 4)), rowwise=True),
    ]


CASES = _act_cases() + _loss_cases() + _penalty_cases() + _step_cases() + _linalg_cases()
BY_NAME = {c.name: c for c in CASES}
covers(*(c.fn for c in CASES))
# nnc.functional's softmax family wraps nnc._core's (adding axis=/dim=): the
# cases above reach the core function through the wrapper.
covers(*(c.fn._core_function for c in CASES if hasattr(c.fn, "_core_function")))
