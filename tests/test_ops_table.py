"""The op table (csrc/core/ops.def) and everything generated from it.

Every row must have its NumPy reference (tests/reference.py), its Python face
(nnc.functional exports, a layer or optimizer class) and current generated
files (stubs, README); a row added without one of them fails here, naming the
row.  Then every row is tested from its reference alone: activations against
NumPy in both dtypes and against central differences, gradient optimizers step
by step and through fit -- so a new row needs no test of its own beyond its
reference.
"""
import importlib.util
import inspect
import pathlib

import numpy as np
import pytest

import nnc
from nnc import _core
from nnc import functional as F
import reference as R
from _helpers import numeric_grad

OPS = _core._ops
ACTS = [r["name"] for r in OPS["activations"]]
GRADIENT_OPTS = [r["name"] for r in OPS["optimizers"] if r["kind"] == "gradient"]
LOSSES = [r["name"] for r in OPS["losses"]]
ROOT = pathlib.Path(__file__).resolve().parents[1]


def _row(kind, name):
    return next(r for r in OPS[kind] if r["name"] == name)


# ---- every row has its pieces ------------------------------------------------

def test_every_row_has_a_numpy_reference():
    missing = [f"activation {r['name']}" for r in OPS["activations"] if r["name"] not in R.ACTIVATIONS]
    missing += [f"learned alpha of {r['name']}" for r in OPS["activations"]
                if r["alpha"] == "learned" and r["name"] not in R.LEARNED_ALPHA]
    missing += [f"loss {r['name']}" for r in OPS["losses"] if r["name"] not in R.LOSSES]
    missing += [f"penalty {r['name']}" for r in OPS["penalties"] if r["name"] not in R.PENALTIES]
    missing += [f"optimizer {r['name']}" for r in OPS["optimizers"] if r["name"] not in R.OPTIMIZERS]
    assert not missing, "ops.def rows without a reference in tests/reference.py: " + ", ".join(missing)


def test_every_row_has_its_python_face():
    for r in OPS["activations"]:
        assert r["name"] in F.__all__ and r["name"] + "_backward" in F.__all__, r["name"]
        cls = getattr(nnc, r["cls"])
        assert cls.__module__ == "nnc.layers" and cls().name == r["name"]
        params = inspect.signature(cls).parameters
        if r["alpha"] == "none":
            assert not params, r["cls"]
        else:
            assert params["alpha"].default == r["alpha_default"], r["cls"]
    for r in OPS["losses"]:
        assert r["name"] in F.__all__ and r["name"] + "_backward" in F.__all__, r["name"]
        cls = getattr(nnc.losses, r["cls"])
        assert cls.__module__ == "nnc.losses" and cls.name == r["name"], r["cls"]
        assert r["cls"] in nnc.losses.__all__ and r["name"] in nnc.losses.names()
        assert type(nnc.losses.get(r["name"])) is cls
        params = inspect.signature(cls).parameters
        spec = r["param"]
        assert list(params) == (["reduction"] if spec is None else
                                ["reduction", spec[0]] if spec[2] == "flag" else
                                [spec[0], "reduction"]), r["cls"]
        if spec is not None:
            assert params[spec[0]].default == spec[1], r["cls"]
    for r in OPS["optimizers"]:
        cls = getattr(nnc, r["cls"])
        assert cls.kind == r["name"] and cls.__module__ == "nnc.optim", r["cls"]
        opt = cls()
        assert [h for h, _ in opt._hyper()] == [h for h, _, _ in r["hyper"]], r["cls"]
        assert tuple(opt._state_names) == tuple(r["states"])
        if r["kind"] == "gradient":
            assert r["name"] + "_step" in F.__all__, r["name"]


def test_generated_files_are_up_to_date():
    if not (ROOT / "src" / "nnc" / "_core.pyi").exists() or not (ROOT / "tools").exists():
        pytest.skip("the source tree is not beside the tests (testing an installed nnc)")
    spec = importlib.util.spec_from_file_location("gen_ops", ROOT / "tools" / "gen_ops.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    stale = [str(p.relative_to(ROOT)) for p in gen.stale()]
    assert not stale, f"run python tools/gen_ops.py: {stale} do not match ops.def"


def test_docstrings_and_signatures_come_from_the_table():
    for r in OPS["activations"]:
        assert r["doc"] in getattr(F, r["name"]).__doc__
        assert r["backward_doc"] in getattr(F, r["name"] + "_backward").__doc__
        sig = inspect.signature(getattr(F, r["name"] + "_backward"))
        assert list(sig.parameters)[:2] == ["x", "dy"], (r["name"], sig)  # arrays first
    for r in OPS["losses"]:
        for fn, doc in ((r["name"], r["doc"]), (r["name"] + "_backward", r["backward_doc"])):
            assert doc in getattr(F, fn).__doc__, fn
            params = inspect.signature(getattr(F, fn)).parameters
            assert list(params)[:2] == [r["first"], "target"], fn  # arrays first
            assert params["reduction"].kind is inspect.Parameter.KEYWORD_ONLY, fn
            if r["param"] is not None:
                assert params[r["param"][0]].default == r["param"][1], fn
            assert ("axis" in params) == r["rowwise"], fn  # the row-wise wrappers
        assert r["doc"] in getattr(nnc.losses, r["cls"]).__doc__
    for r in OPS["optimizers"]:
        if r["kind"] != "gradient":
            continue
        params = inspect.signature(getattr(F, r["name"] + "_step")).parameters
        want = ["w", "g", *r["states"]] + (["t"] if r["uses_t"] else []) + [h for h, _, _ in r["hyper"]]
        assert list(params) == want
        assert [params[h].default for h, _, _ in r["hyper"]] == [d for _, d, _ in r["hyper"]]


# The data arguments of the functional forms (arrays, and Adam's step count
# t); everything else is a hyper-parameter.
DATA_ARGS = ({"x", "dy", "w", "g", "t", "target"} | {r["first"] for r in OPS["losses"]}
             | {s for r in OPS["optimizers"] for s in r["states"]})


def test_every_function_follows_the_one_argument_order():
    """docs/ARCHITECTURE.md's convention: data first, then hyper-parameters;
    a backward takes its forward's arguments in the same order (data, then
    dy for an activation) and the same hyper-parameters with the same
    defaults."""
    for name in F.__all__:
        fn = getattr(F, name)
        if not callable(fn):
            continue
        params = list(inspect.signature(fn).parameters.values())
        data = [p.name for p in params if p.name in DATA_ARGS]
        assert [p.name for p in params[:len(data)]] == data, (name, params)  # data first
        if not name.endswith("_backward"):
            continue
        fwd = list(inspect.signature(getattr(F, name[:-len("_backward")])).parameters.values())
        fdata = [p.name for p in fwd if p.name in DATA_ARGS]
        assert data[:len(fdata)] == fdata and data[len(fdata):] in ([], ["dy"]), name
        assert ([(p.name, p.kind, p.default) for p in params if p.name not in DATA_ARGS]
                == [(p.name, p.kind, p.default) for p in fwd if p.name not in DATA_ARGS]), name


# ---- every activation from its reference ---------------------------------------

def _alpha(r):
    return {"none": None, "fixed": 0.3, "learned": 0.25}[r["alpha"]]


def _call(r, x, dy=None):
    kw = {} if r["alpha"] == "none" else {"alpha": _alpha(r)}
    if dy is None:
        return getattr(F, r["name"])(x, **kw)
    out = getattr(F, r["name"] + "_backward")(x, dy, **kw)
    return out[0] if r["alpha"] == "learned" else out


@pytest.mark.parametrize("name", ACTS)
def test_activation_matches_its_reference(name, dtype):
    r = _row("activations", name)
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 7)) * 3).astype(dtype)
    x[0, :3] = [0.0, 40.0, -40.0]
    dy = rng.standard_normal((4, 7)).astype(dtype)
    tol = dict(rtol=3e-6, atol=3e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    y = _call(r, x)
    assert y.dtype == dtype and y.shape == x.shape
    np.testing.assert_allclose(y, R.act_ref(name, x, _alpha(r)), **tol)
    np.testing.assert_allclose(_call(r, x, dy), R.act_backward_ref(name, x, dy, _alpha(r)), **tol)
    if r["alpha"] == "learned":
        _, dalpha = getattr(F, name + "_backward")(x, dy, _alpha(r))
        assert dalpha == pytest.approx(R.dalpha_ref(name, x, dy), rel=tol["rtol"] * 10,
                                       abs=tol["atol"] * 100)


@pytest.mark.parametrize("name", ACTS)
def test_activation_gradient_matches_central_differences(name):
    r = _row("activations", name)
    rng = np.random.default_rng(11)
    x = rng.uniform(-3, 3, (3, 5))
    x[np.abs(x) < 0.05] = 0.5  # away from kinks
    w = rng.standard_normal((3, 5))  # d/dx sum(w * f(x)) = backward(x, w)
    num = numeric_grad(lambda v: float(np.sum(w * _call(r, v))), x)
    np.testing.assert_allclose(_call(r, x, w), num, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ACTS)
def test_activation_layer_trains_like_its_functional_form(name):
    """The generated layer class runs the same kernels in fit as step by step."""
    r = _row("activations", name)
    cls = getattr(nnc, r["cls"])
    X = np.linspace(-1, 1, 12).reshape(6, 2)
    y = X.sum(axis=1, keepdims=True) * 0.5
    layers = [nnc.Dense(2, 3, init="he_uniform"), cls(), nnc.Dense(3, 1)]
    a = nnc.Sequential(layers, seed=2)
    b = a.copy()
    a.fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=3)
    opt = nnc.SGD(0.05)
    for _ in range(3):
        b.zero_grad()
        b.compute_gradients(X, y, "mse")
        opt.step(b)
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14, err_msg=n)


# ---- every loss from its reference ----------------------------------------------

def _loss_param(r):
    """The row's parameter at a valid value away from its default ({} when
    it has none)."""
    spec = r["param"]
    if spec is None:
        return {}
    return {spec[0]: True} if spec[2] == "flag" else {spec[0]: 0.7 * spec[1]}


def _loss_data(r, shape, seed):
    """(first argument, target) for a row: its domain (reference.LOSS_DOMAIN),
    0/1 labels for LABELS01, probability rows for a row loss."""
    rng = np.random.default_rng(seed)
    domain = R.LOSS_DOMAIN.get(r["name"])
    p = rng.uniform(*domain, shape) if domain else rng.normal(scale=2.0, size=shape)
    if r["target"] == "labels01":
        t = rng.integers(0, 2, shape).astype(float)
    elif r["rowwise"]:
        t = rng.uniform(0.0, 1.0, shape)
        t /= t.sum(axis=-1, keepdims=True)
    else:
        t = rng.normal(scale=2.0, size=shape)
    return p, t


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", LOSSES)
def test_loss_matches_its_reference(name, reduction, dtype):
    r = _row("losses", name)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    for k, shape in enumerate([(7,), (4, 5)]):
        p, t = (a.astype(dtype) for a in _loss_data(r, shape, k))
        p.flat[0] = t.flat[0] + 1e-3 if not R.LOSS_DOMAIN.get(name) else p.flat[0]  # r ~ 0
        for kw in ({}, _loss_param(r)):
            value = getattr(F, name)(p, t, reduction=reduction, **kw)
            grad = getattr(F, name + "_backward")(p, t, reduction=reduction, **kw)
            want, want_grad = R.loss_ref(name, p, t, dtype, reduction, **kw)
            assert type(value) is float and grad.dtype == dtype and grad.shape == p.shape
            assert value == pytest.approx(want, rel=tol["rtol"], abs=tol["atol"]), (shape, kw)
            np.testing.assert_allclose(grad, want_grad, **tol, err_msg=f"{shape} {kw}")
            obj = getattr(nnc.losses, r["cls"])(reduction=reduction, **kw)  # the class: same kernel
            assert obj(p, t) == value and np.array_equal(obj.gradient(p, t), grad)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradient_matches_central_differences(name):
    r = _row("losses", name)
    p, t = _loss_data(r, (3, 4), 7)
    for kw in ({}, _loss_param(r)):
        fn = getattr(F, name)
        num = numeric_grad(lambda v: fn(v, t, **kw), p)
        np.testing.assert_allclose(getattr(F, name + "_backward")(p, t, **kw), num,
                                   rtol=1e-6, atol=1e-8, err_msg=str(kw))


@pytest.mark.parametrize("name", LOSSES)
def test_fit_with_every_loss_uses_its_kernels(name):
    """The engine (evaluate, compute_gradients: the kernels fit runs, fused
    into the top layer where the row allows) gives the functional form's value
    and, back-propagated step by step, its gradient."""
    r = _row("losses", name)
    X = np.random.default_rng(1).normal(size=(6, 3))
    _, y = _loss_data(r, (6, 2), 2)
    layers = [nnc.Dense(3, 2)]
    if R.LOSS_DOMAIN.get(name):
        layers.append(nnc.Softmax() if r["rowwise"] else nnc.Sigmoid())
    model = nnc.Sequential(layers, seed=3)
    loss = getattr(nnc.losses, r["cls"])(**_loss_param(r))
    pred = model.predict(X)
    assert model.evaluate(X, y, loss) == pytest.approx(loss(pred, y), rel=1e-13, abs=1e-15)
    step = model.copy()
    model.compute_gradients(X, y, loss)
    step.zero_grad()
    step.forward(X)
    step.backward(loss.gradient(pred, y))
    for (n, g), (_, h) in zip(model.named_grads(), step.named_grads()):
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-14, err_msg=n)


# ---- every gradient optimizer from its reference --------------------------------

def _hyper(r):
    """Valid values away from the defaults."""
    return {h: (0.05 if h == "lr" else (0.8 * d if c == "unit" else d)) for h, d, c in r["hyper"]}


@pytest.mark.parametrize("name", GRADIENT_OPTS)
def test_optimizer_step_matches_its_reference(name, dtype):
    r = _row("optimizers", name)
    rng = np.random.default_rng(5)
    w = rng.standard_normal(6).astype(dtype)
    states = {s: np.zeros(6, dtype) for s in r["states"]}
    hyper = _hyper(r)
    want_w = w.astype(np.float64)
    want_s = {s: np.zeros(6) for s in r["states"]}
    for t in range(1, 5):
        g = rng.standard_normal(6).astype(dtype)
        lead = (t,) if r["uses_t"] else ()
        getattr(F, name + "_step")(w, g, *states.values(), *lead, **hyper)
        want_w, want_s = R.optimizer_ref(name, want_w, g, want_s, t, **hyper)
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(w, want_w, **tol)
    for s in r["states"]:
        np.testing.assert_allclose(states[s], want_s[s], **tol)


@pytest.mark.parametrize("name", GRADIENT_OPTS)
def test_fit_with_every_optimizer_follows_the_reference(name):
    """fit (one C call) takes the steps the reference takes from the same
    gradients -- at w + mu v for a look-ahead optimizer -- and its state and
    t match the reference's afterwards."""
    r = _row("optimizers", name)
    X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0], [1.0, 1.0]])
    y = np.array([[1.0], [-0.5], [2.0], [0.25]])
    hyper = _hyper(r)
    model = nnc.Sequential([nnc.Dense(2, 1)], seed=4)
    w = model.get_flat_params().copy()
    opt = getattr(nnc, r["cls"])(**hyper)
    hist = model.fit(X, y, loss="mse", optimizer=opt, epochs=5, record="params")
    states = {s: np.zeros_like(w) for s in r["states"]}
    probe = model.copy()
    for t in range(1, 6):
        at = w + hyper["mu"] * states["velocity"] if r["look_ahead"] else w
        probe.set_flat_params(at)
        probe.compute_gradients(X, y, "mse")
        g = np.concatenate([gr.ravel() for _, gr in probe.named_grads()])
        w, states = R.optimizer_ref(name, w, g, states, t, **hyper)
        np.testing.assert_allclose(hist.params[t], w, rtol=1e-12, atol=1e-14)
    assert opt.t == 5
    got = {s: np.concatenate([opt.state[n][s].ravel() for n, _ in model.named_parameters()])
           for s in r["states"]}
    for s in r["states"]:
        np.testing.assert_allclose(got[s], states[s], rtol=1e-12, atol=1e-14)


def test_hotcold_follows_its_reference():
    X = np.array([[0.5], [1.5], [-0.5]])
    y = np.array([[1.0], [2.5], [0.0]])
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=1)
    w = model.get_flat_params().copy()
    hist = model.fit(X, y, loss="mse", optimizer=nnc.HotCold(0.01), epochs=4, record="params")
    probe = model.copy()

    def objective(v):
        probe.set_flat_params(v)
        return probe.evaluate(X, y, "mse")

    for t in range(1, 5):
        w = R.OPTIMIZERS["hotcold"](w, objective, 0.01)
        np.testing.assert_array_equal(hist.params[t], w)
