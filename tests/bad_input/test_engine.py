"""The training engine's public API fed bad input: Sequential and its
methods, the layers, losses, optimizers and tools, save/load, and the
nnc._core.engine_* building blocks (fuzzed).

Besides the exception and its message, every refused call must leave the
model exactly as it was (parameters, gradients, optimizer state, generator)
and never modify X or y.
"""
import json
import math

import numpy as np
import pytest

import nnc
from nnc import _core, layers as L, losses as Lo, optim as O, tools as T
from nnc.model import DivergenceError, History, Sequential

from .cases import call_checked, covers, public_callables
from _helpers import engine_fit

# Everything in the engine's modules is exercised below; the walk confirms it.
covers(*[obj for k, obj in public_callables(include_core=False).items()
         if k.startswith(("nnc.layers.", "nnc.losses.", "nnc.optim.", "nnc.tools.",
                          "nnc.model."))])
covers(_core.engine_fit, _core.engine_fit_args, _core.engine_eval, _core.engine_loss_surface, _core.engine_schedule)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 2))
Y = X @ np.array([[1.0], [-2.0]]) + 0.5


def model(dtype="float64", seed=0):
    return Sequential([nnc.Dense(2, 3), nnc.Tanh(), nnc.Dense(3, 1)], seed=seed, dtype=dtype)


def snapshot(m, opt=None):
    """Everything a refused call must leave alone."""
    snap = [a.tobytes() for _, a in m.named_parameters()]
    snap += [g.tobytes() for _, g in m.named_grads()]
    snap.append(m.generator.state)
    if opt is not None:
        snap.append(opt.t)
        snap += [a.tobytes() for st in opt.state.values() for a in st.values()]
    return snap


def expect(exc, fn, *names):
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    for n in names:
        assert n in msg, f"{msg!r} does not mention {n!r}"
    return msg


# ---------------------------------------------------------------------------
# layers


@pytest.mark.parametrize("args,exc,names", [
    ((0, 3), ValueError, ("in_features",)), ((2, -1), ValueError, ("out_features",)),
    ((2.0, 3), TypeError, ("in_features",)), (("2", 3), TypeError, ("in_features",)),
    ((True, 3), TypeError, ("in_features",)), ((2, None), TypeError, ("out_features",)),
])
def test_dense_sizes(args, exc, names):
    expect(exc, lambda: nnc.Dense(*args), "Dense", *names)


@pytest.mark.parametrize("kw,exc,names", [
    ({"bias": "yes"}, TypeError, ("bias",)), ({"bias": 1}, TypeError, ("bias",)),
    ({"init": 3}, TypeError, ("init",)), ({"weight": np.zeros((3, 2))}, ValueError, ("weight",)),
    ({"weight": np.full((2, 3), np.nan)}, ValueError, ("weight",)),
    ({"weight": [["a", "b", "c"]] * 2}, ValueError, ()),
    ({"bias_init": np.zeros(4)}, ValueError, ("bias_init",)),
    ({"bias_init": "x"}, ValueError, ()),
])
def test_dense_options(kw, exc, names):
    expect(exc, lambda: nnc.Dense(2, 3, **kw), *names)


def test_dense_unknown_init_name_is_reported_at_build():
    expect(ValueError, lambda: Sequential([nnc.Dense(2, 3, init="bogus")]), "bogus")
    expect(ValueError, lambda: Sequential([nnc.Dense(2, 3, init=lambda s, gen, dtype:
                                                      np.zeros((3, 3)))]), "init returned")


@pytest.mark.parametrize("shape", [(2 ** 40, 2 ** 40), (2 ** 62, 4)])
def test_dense_impossible_sizes(shape):
    with pytest.raises((ValueError, MemoryError, OverflowError)):
        Sequential([nnc.Dense(*shape)])


@pytest.mark.parametrize("make,exc", [
    (lambda: L.Activation("bogus"), ValueError), (lambda: L.Activation(3), ValueError),
    (lambda: nnc.LeakyReLU(alpha=math.nan), ValueError), (lambda: nnc.ELU(alpha="x"), TypeError),
    (lambda: nnc.PReLU(alpha=math.inf), ValueError), (lambda: nnc.PReLU(alpha=None), TypeError),
    (lambda: L.Activation("relu", alpha=True), TypeError)])
def test_activation_layer_arguments(make, exc):
    with pytest.raises(exc):
        make()


def test_layer_step_by_step_misuse():
    d = nnc.Dense(2, 3)
    expect(RuntimeError, lambda: d.forward(X), "build")
    d.build(2)
    expect(RuntimeError, lambda: d.backward(np.ones((8, 3))), "forward")
    expect(ValueError, lambda: d.build(5), "5")
    expect(ValueError, lambda: d.forward(np.ones((4, 5))), "5 columns")
    expect(TypeError, lambda: d.forward(np.ones((4, 2), complex)), "real numbers")
    d.forward(X)
    expect(ValueError, lambda: d.backward(np.ones((7, 3))), "rows")
    expect(ValueError, lambda: setattr(d, "weight", np.ones((3, 3))), "weight")
    nb = nnc.Dense(2, 2, bias=False)
    nb.build(2)
    expect(AttributeError, lambda: setattr(nb, "bias", np.ones(2)), "bias")
    a = nnc.Sigmoid()
    expect(RuntimeError, lambda: a.backward(np.ones((2, 2))), "forward")
    p = nnc.PReLU()
    p.build(3)
    p.forward(np.ones((2, 3)))
    expect(ValueError, lambda: p.backward(np.ones((2, 4))), "columns")


def test_base_layer_is_abstract():
    base = L.Layer()
    for fn in (lambda: base.build(2), lambda: base.forward(X), lambda: base.backward(X)):
        with pytest.raises(NotImplementedError):
            fn()
    assert not base.built and base.n_params == 0 and base.named_parameters() == []
    base.zero_grad()


# ---------------------------------------------------------------------------
# Sequential construction


@pytest.mark.parametrize("make,exc,names", [
    (lambda: Sequential([]), ValueError, ("layer",)),
    (lambda: Sequential(5), TypeError, ()),
    (lambda: Sequential([nnc.Dense(2, 1), "relu"]), TypeError, ("layers[1]",)),
    (lambda: Sequential([nnc.Sigmoid()]), ValueError, ("Dense",)),
    (lambda: Sequential([nnc.Dense(2, 3), nnc.Dense(4, 1)]), ValueError, ("4",)),
    (lambda: Sequential([nnc.Dense(2, 1)], dtype="float16"), TypeError, ("dtype",)),
    (lambda: Sequential([nnc.Dense(2, 1)], dtype=int), TypeError, ("dtype",)),
    (lambda: Sequential([nnc.Dense(2, 1)], seed=-1), ValueError, ("seed",)),
    (lambda: Sequential([nnc.Dense(2, 1)], seed=1.5), TypeError, ("seed",)),
    (lambda: Sequential([nnc.Dense(2, 1)], seed="1"), TypeError, ("seed",)),
])
def test_sequential_construction(make, exc, names):
    expect(exc, make, *names)


def test_layers_cannot_be_shared_or_repeated():
    d = nnc.Dense(2, 2)
    expect(ValueError, lambda: Sequential([d, d]), "twice")
    Sequential([d])
    expect(ValueError, lambda: Sequential([d]), "another model")


# ---------------------------------------------------------------------------
# fit: every argument


FIT_OK = dict(loss="mse", epochs=2)

FIT_BAD = [
    # data
    ({"X": X[:, :1]}, ValueError, ("1 columns", "2")),
    ({"X": X.astype(complex)}, TypeError, ("real",)),
    ({"X": X.astype(object)}, TypeError, ("real",)),
    ({"X": np.zeros((0, 2)), "y": np.zeros((0, 1))}, ValueError, ("no rows",)),
    ({"X": "abc"}, TypeError, ()),
    ({"X": None}, TypeError, ()),
    ({"X": X[:, :, None]}, ValueError, ()),
    ({"y": Y[:5]}, ValueError, ("y", "(5, 1)")),
    ({"y": np.zeros((8, 2))}, ValueError, ("y",)),
    ({"y": Y.astype(complex)}, TypeError, ("y",)),
    ({"y": None}, TypeError, ()),
    # loss
    ({"loss": "bogus"}, ValueError, ("bogus",)),
    ({"loss": 3}, TypeError, ("loss",)),
    ({"loss": None}, TypeError, ("loss",)),
    # optimizer
    ({"optimizer": "bogus"}, ValueError, ("optimizer", "bogus")),
    ({"optimizer": 0.1}, TypeError, ("optimizer",)),
    ({"optimizer": None}, TypeError, ("optimizer",)),
    # schedule
    ({"epochs": -1}, ValueError, ("epochs",)),
    ({"epochs": 1.5}, TypeError, ("epochs",)),
    ({"epochs": True}, TypeError, ("epochs",)),
    ({"epochs": "3"}, TypeError, ("epochs",)),
    ({"epochs": None}, TypeError, ("epochs",)),
    ({"batch_size": 0}, ValueError, ("batch_size",)),
    ({"batch_size": -2}, ValueError, ("batch_size",)),
    ({"batch_size": 2.0}, TypeError, ("batch_size",)),
    ({"shuffle": "yes"}, TypeError, ("shuffle",)),
    ({"shuffle": 1}, TypeError, ("shuffle",)),
    ({"order": [0, 8]}, ValueError, ("order", "8")),
    ({"order": [-1]}, ValueError, ("order",)),
    ({"order": []}, ValueError, ("order",)),
    ({"order": [[0, 1]]}, ValueError, ("order",)),
    ({"order": [0.0, 1.0]}, TypeError, ("order",)),
    ({"order": [0, 1], "shuffle": True}, ValueError, ("order", "shuffle")),
    ({"record": "all"}, ValueError, ("record",)),
    ({"record": None}, ValueError, ("record",)),
    ({"divergence": 0}, ValueError, ("divergence",)),
    ({"divergence": -1.0}, ValueError, ("divergence",)),
    ({"divergence": "big"}, TypeError, ("divergence",)),
    ({"divergence": True}, TypeError, ("divergence",)),
    ({"l1": -0.1}, ValueError, ("l1",)),
    ({"l2": math.nan}, ValueError, ("l2",)),
    ({"l2": math.inf}, ValueError, ("l2",)),
    ({"l1": "0"}, TypeError, ("l1",)),
    ({"callback": 3}, TypeError, ("callback",)),
    ({"callback": lambda e, h: None, "callback_every": 0}, ValueError, ("callback_every",)),
    ({"callback": lambda e, h: None, "callback_every": 1.5}, TypeError, ("callback_every",)),
    ({"threads": 0}, ValueError, ("threads",)),
    ({"threads": -1}, ValueError, ("threads",)),
    ({"threads": 2.0}, TypeError, ("threads",)),
    ({"bogus_option": 1}, TypeError, ("bogus_option",)),
]


def _fit(m, opt, **kw):
    args = dict(FIT_OK)
    args.update(kw)
    x = args.pop("X", X)
    y = args.pop("y", Y)
    return call_checked(m.fit, x, y, optimizer=args.pop("optimizer", opt), **args)


@pytest.mark.parametrize("kw,exc,names", FIT_BAD, ids=[str(k) for k, _, _ in FIT_BAD])
def test_fit_refuses_bad_arguments_and_leaves_the_model_alone(kw, exc, names):
    m, opt = model(), nnc.Adam(0.01)
    m.fit(X, Y, loss="mse", optimizer=opt, epochs=1)  # the optimizer has state now
    before = snapshot(m, opt)
    expect(exc, lambda: _fit(m, opt, **kw), *names)
    assert snapshot(m, opt) == before


@pytest.mark.parametrize("kw", [{"epochs": 2 ** 62}, {"epochs": 2 ** 70},
                                {"epochs": 2 ** 40, "record": "params"},
                                {"order": [0, 1], "epochs": 2 ** 62, "record": "step"}])
def test_fit_absurd_sizes_raise_without_training(kw):
    m = model()
    before = snapshot(m)
    with pytest.raises((ValueError, OverflowError, MemoryError), match="epochs"):
        _fit(m, nnc.SGD(0.01), **kw)
    assert snapshot(m) == before


@pytest.mark.parametrize("kw", [{"batch_size": 2 ** 70}, {"threads": 2 ** 40},
                                {"callback": lambda e, h: None, "callback_every": 2 ** 70}])
def test_fit_sizes_past_their_use_are_clamped(kw):
    """A batch larger than the data is the full batch, more threads than 1024
    are 1024, a callback period past the run never fires: each gives exactly
    the plain run's result."""
    plain, big = model(), model()
    h0 = _fit(plain, nnc.SGD(0.01))
    h1 = _fit(big, nnc.SGD(0.01), **kw)
    assert snapshot(big) == snapshot(plain)
    np.testing.assert_array_equal(h1.loss, h0.loss)


def test_fit_non_finite_data_is_a_divergence_error_not_a_silent_nan():
    """NaN in X makes the first loss NaN: refused before any update.  An inf
    in X can give a finite first loss (tanh saturates) but an inf gradient:
    the run stops at the next step with DivergenceError -- never a History
    of NaN losses returned as if training had worked."""
    Xb = X.copy()
    Xb[3, 1] = np.nan
    m = model()
    before = snapshot(m)
    with pytest.raises(DivergenceError, match="before any update") as info:
        call_checked(m.fit, Xb, Y, loss="mse", optimizer=nnc.SGD(0.01), epochs=3)
    # The parameters and the generator are untouched; the gradient arrays may
    # hold the failed step's (NaN) gradients, which is what it computed.
    n = len(m.named_parameters())
    assert info.value.history.steps == 0
    assert snapshot(m)[:n] == before[:n] and snapshot(m)[-1] == before[-1]
    Xb[3, 1] = np.inf
    with pytest.raises(DivergenceError) as info:
        call_checked(model().fit, Xb, Y, loss="mse", optimizer=nnc.SGD(0.01), epochs=3)
    assert info.value.reason == "nonfinite" and info.value.history.steps <= 1
    Yb = Y.copy()
    Yb[0, 0] = np.inf
    with pytest.raises(DivergenceError, match="before any update"):
        call_checked(model().fit, X, Yb, loss="mse", optimizer=nnc.SGD(0.01), epochs=3)


def test_fit_edge_sizes():
    """0 epochs, a 1-row data set, batch bigger than n, order of length 1."""
    m = model()
    h = m.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.01), epochs=0)
    assert (h.epochs, h.steps, h.loss.shape) == (0, 0, (0,))
    h = m.fit(X[:1], Y[:1], loss="mse", optimizer=nnc.SGD(0.01), epochs=3, batch_size=1)
    assert h.steps == 3 and np.isfinite(h.loss).all()
    h = m.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.01), epochs=2, batch_size=100)
    assert h.steps == 2
    h = m.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.01), order=[5], record="params")
    assert h.params.shape == (2, m.n_params)
    one = Sequential([nnc.Dense(1, 1)])
    h = one.fit([1.0, 2.0], [2.0, 4.0], loss="mse", optimizer=nnc.SGD(0.01), epochs=2)
    assert h.epochs == 2


# ---------------------------------------------------------------------------
# the other Sequential methods


def test_predict_evaluate_gradients_bad_input():
    m = model()
    before = snapshot(m)
    for fn in (m.predict, m.forward):
        expect(ValueError, lambda: call_checked(fn, X[:, :1]), "columns")
        expect(TypeError, lambda: call_checked(fn, X.astype(complex)), "real")
        expect(ValueError, lambda: call_checked(fn, np.zeros((0, 2))), "no rows")
    for fn in (m.evaluate, m.compute_gradients):
        expect(ValueError, lambda: call_checked(fn, X, Y[:3], "mse"), "y")
        expect(ValueError, lambda: call_checked(fn, X, Y, "bogus"), "bogus")
        expect(ValueError, lambda: call_checked(fn, X, Y, "mse", l1=-1.0), "l1")
        expect(TypeError, lambda: call_checked(fn, X, Y, "mse", l2="0"), "l2")
    assert snapshot(m) == before
    expect(ValueError, lambda: m.set_flat_params(np.zeros(m.n_params + 1)), "expected")
    expect(ValueError, lambda: m.set_flat_params(np.zeros((1, m.n_params))), "expected")
    assert snapshot(m) == before
    m.forward(X)
    expect(ValueError, lambda: m.backward(np.ones((8, 2))), "columns")
    expect(TypeError, lambda: m.copy(dtype="int8"), "dtype")


def test_predict_propagates_nan_like_numpy():
    m = Sequential([nnc.Dense(2, 1, weight=[[1.0], [2.0]])])
    out = m.predict(np.array([[np.nan, 1.0], [1.0, 1.0], [np.inf, -np.inf]]))
    np.testing.assert_array_equal(np.isnan(out.ravel()), [True, False, True])


def test_history_misuse():
    h = model().fit(X, Y, loss="mse", optimizer=nnc.SGD(0.01), epochs=2)
    expect(ValueError, lambda: h.param("layers.0.weight"), "record='params'")
    h = model().fit(X, Y, loss="mse", optimizer=nnc.SGD(0.01), epochs=2, record="params")
    expect(KeyError, lambda: h.param("layers.9.weight"), "layers.9.weight")
    assert h.param("layers.0.weight").shape == (3, 2, 3) and len(h.param_names) == 13
    assert isinstance(h, History)


# ---------------------------------------------------------------------------
# losses, optimizers, tools


@pytest.mark.parametrize("make,exc,name", [
    (lambda: Lo.MSE(reduction="avg"), ValueError, "reduction"),
    (lambda: Lo.MSE(reduction=None), ValueError, "reduction"),
    (lambda: Lo.MSE(half="yes"), TypeError, "half"),
    (lambda: Lo.Huber(delta=0), ValueError, "delta"),
    (lambda: Lo.Huber(delta=-1), ValueError, "delta"),
    (lambda: Lo.Huber(delta=math.nan), ValueError, "delta"),
    (lambda: Lo.Huber(delta="1"), TypeError, "delta"),
    (lambda: Lo.get(3), TypeError, "loss"),
    (lambda: Lo.get("bogus"), ValueError, "bogus"),
    (lambda: Lo.get(int), TypeError, "loss"),
    (lambda: Lo.CrossEntropy().prepare_targets([0, 5], 2, 3, np.float64), ValueError, "5"),
    (lambda: Lo.CrossEntropy().prepare_targets([0, 1, 2], 2, 3, np.float64), ValueError, "2"),
    (lambda: Lo.MSE().prepare_targets(np.zeros((2, 2), complex), 2, 2, np.float64), TypeError,
     "real"),
    (lambda: Lo.MSE()(np.zeros(3), np.zeros(4)), ValueError, "shape"),
    (lambda: Lo.MSE().gradient(np.zeros(3), "x"), TypeError, "target"),
    (lambda: Lo.Loss(reduction="x"), ValueError, "reduction"),
])
def test_loss_objects(make, exc, name):
    expect(exc, make, name)


@pytest.mark.parametrize("make,exc,name", [
    (lambda: O.SGD(-0.1), ValueError, "lr"), (lambda: O.SGD(math.nan), ValueError, "lr"),
    (lambda: O.SGD("0.1"), TypeError, "lr"), (lambda: O.SGD(True), TypeError, "lr"),
    (lambda: O.Momentum(0.1, mu=1.0), ValueError, "mu"),
    (lambda: O.Momentum(0.1, mu=-0.5), ValueError, "mu"),
    (lambda: O.Nesterov(0.1, mu=math.inf), ValueError, "mu"),
    (lambda: O.Adam(beta1=1.0), ValueError, "beta1"), (lambda: O.Adam(beta2=-0.1), ValueError,
                                                       "beta2"),
    (lambda: O.Adam(eps=-1e-8), ValueError, "eps"), (lambda: O.Adam(lr=None), TypeError, "lr"),
    (lambda: O.HotCold(step=-0.1), ValueError, "step"),
    (lambda: O.HotCold(step="big"), TypeError, "step"),
])
def test_optimizer_hyper_parameters(make, exc, name):
    expect(exc, make, name)


@pytest.mark.parametrize("make", [lambda: O.SGD(0.0), lambda: O.Momentum(0.0),
                                  lambda: O.Adam(lr=0.0), lambda: O.Adam(eps=0.0)])
def test_zero_learning_rate_and_eps_are_refused_at_construction(make):
    with pytest.raises(ValueError):
        make()


def test_optimizer_step_by_step_misuse():
    m = model()
    m.compute_gradients(X, Y, "mse")
    nest = O.Nesterov(0.1)
    expect(RuntimeError, lambda: nest.step(m), "look_ahead")
    expect(TypeError, lambda: O.HotCold(0.01).step(m), "data")
    with pytest.raises(NotImplementedError):
        O.Optimizer().step(m)
    for opt in (O.SGD(0.1), O.Momentum(0.1), O.Adam(0.1)):
        opt.step(m)
        assert opt.t == 1
        opt.reset()
        assert opt.t == 0
    nest.look_ahead(m)
    nest.step(m)
    O.HotCold(0.01).step(m, X, Y, "mse")
    assert all(np.isfinite(a).all() for a in m.parameters())


@pytest.mark.parametrize("call,exc,name", [
    (lambda m: T.gradcheck(m, X, Y, "mse", eps=0), ValueError, "eps"),
    (lambda m: T.gradcheck(m, X, Y, "mse", eps=-1e-6), ValueError, "eps"),
    (lambda m: T.gradcheck(m, X, Y, "mse", eps="x"), ValueError, "eps"),
    (lambda m: T.gradcheck(m, X[:, :1], Y, "mse"), ValueError, "columns"),
    (lambda m: T.gradcheck(m, X, Y, "bogus"), ValueError, "bogus"),
    (lambda m: T.loss_surface(m, X, Y, "mse", ("x", "y"), ([0], [0])), KeyError, "x"),
    (lambda m: T.loss_surface(m, X, Y, "mse", (("layers.0.weight", (0, 0)),), ([0], [0])),
     TypeError, "params"),
    (lambda m: T.loss_surface(m, X, Y, "mse", (("layers.0.weight", (9, 0)),
                                              ("layers.0.bias", 0)), ([0], [0])),
     ValueError, "out of range"),
    (lambda m: T.loss_surface(m, X, Y, "mse", (("layers.0.weight", (0,)),
                                              ("layers.0.bias", 0)), ([0], [0])),
     ValueError, "does not fit"),
    (lambda m: T.loss_surface(m, X, Y, "mse", ("layers.0.weight", "layers.0.bias"),
                              ([0], [0])), ValueError, "say which"),
    (lambda m: T.loss_surface(m, X, Y, "mse", (("layers.0.bias", 0), ("layers.0.bias", 0)),
                              ([0], [0])), ValueError, "different"),
    (lambda m: T.loss_surface(m, X, Y, "mse", (("layers.0.bias", 0), ("layers.0.bias", 1)),
                              ([np.nan], [0])), ValueError, "finite"),
    (lambda m: T.loss_surface(m, X, Y, "mse", (("layers.0.bias", 0), ("layers.0.bias", 1)),
                              ([[0, 1]], [0])), ValueError, "1-d"),
    (lambda m: T.loss_surface(m, X, Y, "mse", (("layers.0.bias", 0), ("layers.0.bias", 1)),
                              [0, 1, 2]), TypeError, "grid"),
    (lambda m: T.loss_surface(m, X, Y, "mse", (("layers.0.bias", 0), ("layers.0.bias", 1)),
                              (["a"], [0])), ValueError, ""),
    (lambda m: T.max_stable_lr(X, loss="mae"), ValueError, "MSE"),
    (lambda m: T.max_stable_lr(np.array([[np.nan]])), ValueError, "NaN"),
    (lambda m: T.max_stable_lr(np.zeros((0, 2))), ValueError, "row"),
    (lambda m: T.max_stable_lr(X.astype(complex)), TypeError, "real"),
    (lambda m: T.max_stable_lr(X, outputs=0), ValueError, "outputs"),
])
def test_tools_bad_input(call, exc, name):
    m = model()
    before = snapshot(m)
    expect(exc, lambda: call(m), name)
    assert snapshot(m) == before


def test_tools_leave_the_model_unchanged():
    m = model()
    before = snapshot(m)[:len(m.parameters())]
    T.gradcheck(m, X, Y, "mse")
    z = T.loss_surface(m, X, Y, "mse", (("layers.0.bias", 0), ("layers.0.bias", 1)),
                       (np.linspace(-1, 1, 3), np.linspace(-1, 1, 4)))
    assert z.shape == (4, 3) and np.isfinite(z).all()
    assert snapshot(m)[:len(m.parameters())] == before
    assert T.max_stable_lr([[2.0]], loss=Lo.MSE("sum", half=True)) == 0.5


# ---------------------------------------------------------------------------
# save / load


def _write(path, config=None, **arrays):
    if config is not None:
        arrays["__nnc_model__"] = np.array(config if isinstance(config, str) else json.dumps(config))
    np.savez(path, **arrays)
    return path


GOOD_CONFIG = {"format": "nnc.Sequential", "version": 1, "dtype": "float64", "seed": 0,
               "layers": [{"type": "Dense", "in_features": 2, "out_features": 1, "bias": True}]}
GOOD_ARRAYS = {"layers.0.weight": np.ones((2, 1)), "layers.0.bias": np.zeros(1)}


@pytest.mark.parametrize("config,arrays,exc", [
    (None, {"a": np.zeros(2)}, ValueError),
    ("{not json", GOOD_ARRAYS, ValueError),
    (dict(GOOD_CONFIG, format="other"), GOOD_ARRAYS, ValueError),
    (dict(GOOD_CONFIG, version=99), GOOD_ARRAYS, ValueError),
    (dict(GOOD_CONFIG, layers=[{"type": "os.system"}]), GOOD_ARRAYS, ValueError),
    (dict(GOOD_CONFIG, layers=[]), GOOD_ARRAYS, ValueError),
    (dict(GOOD_CONFIG, dtype="int8"), GOOD_ARRAYS, ValueError),
    (dict(GOOD_CONFIG, seed=-5), GOOD_ARRAYS, ValueError),
    (GOOD_CONFIG, {"layers.0.weight": np.ones((2, 1))}, ValueError),
    (GOOD_CONFIG, {"layers.0.weight": np.ones((3, 1)), "layers.0.bias": np.zeros(1)},
     ValueError),
    (GOOD_CONFIG, {"layers.0.weight": np.array([["a"], ["b"]]), "layers.0.bias": np.zeros(1)},
     ValueError),
    (dict(GOOD_CONFIG, layers=[{"type": "Dense", "in_features": 2 ** 40,
                                "out_features": 2 ** 40, "bias": True}]), GOOD_ARRAYS,
     (ValueError, MemoryError)),
])
def test_load_refuses_bad_files(tmp_path, config, arrays, exc):
    path = _write(tmp_path / "m.npz", config, **arrays)
    with pytest.raises(exc):
        nnc.load(path)


def test_load_refuses_pickles_and_missing_files(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        nnc.load(tmp_path / "obj.npy")
    with pytest.raises(OSError):
        nnc.load(tmp_path / "missing.npz")
    with pytest.raises((OSError, ValueError)):
        model().save(tmp_path / "no" / "such" / "dir" / "m.npz")


def test_load_validates_the_generator_state(tmp_path):
    path = _write(tmp_path / "m.npz", GOOD_CONFIG, __nnc_rng_state__=np.zeros(4, np.uint64),
                  **GOOD_ARRAYS)
    with pytest.raises(ValueError, match="state"):
        nnc.load(path)


# ---------------------------------------------------------------------------
# nnc._core.engine_*: one field of a valid description broken at a time


def _desc(dtype="float64"):
    m = model(dtype)
    layers, params = m._describe(nnc.Adam(0.01))
    return m, list(layers), list(params)


LAYER_JUNK = [-1, 0, 2 ** 31, 2 ** 62, 99, -(2 ** 40), None, "x", 1.5, math.nan]


def _engine_calls(layers, params, x, y):
    opt = (3, (0.01, 0.9, 0.999, 1e-8), np.zeros(1, np.int64))
    yield lambda: _core.engine_eval("float64", tuple(layers), tuple(params), x, y,
                                    (0, 0, False, 1.0), 0.0, 0.0, True, True, 1)
    yield lambda: engine_fit("float64", tuple(layers), tuple(params), x, y,
                                   (0, 0, False, 1.0), 0.0, 0.0, opt, 2, 0, None, None, 0.0,
                                   np.zeros(2), None, None, None, 0, False, 1,
                                   np.zeros(3, np.int64))
    yield lambda: _core.engine_fit_args("float64", tuple(layers), tuple(params), x, y,
                                        (0, 0, False, 1.0), 0.0, 0.0, opt, 2, 0, None, None,
                                        0.0, np.zeros(2), None, None, None, 0, False, 1,
                                        np.zeros(3, np.int64), 0, 0, 0, 0)
    yield lambda: _core.engine_loss_surface("float64", tuple(layers), tuple(params), x, y,
                                            (0, 0, False, 1.0), 0.0, 0.0, 0, 0, 1, 0,
                                            np.zeros(2), np.zeros(3), 1)


def test_engine_description_fuzz_never_crashes():
    """Every field of every layer tuple and parameter tuple replaced by junk:
    an exception or a valid result, never a crash (run under the sanitizers
    by tools/sanitize.sh)."""
    outcomes = {"raised": 0, "ran": 0}
    _, layers0, params0 = _desc()
    for li in range(len(layers0)):
        for field in range(7):
            for junk in LAYER_JUNK:
                _, layers, params = _desc()
                row = list(layers[li])
                row[field] = junk
                layers[li] = tuple(row)
                for call in _engine_calls(layers, params, X, Y):
                    try:
                        call()
                        outcomes["ran"] += 1
                    except (TypeError, ValueError, OverflowError, MemoryError):
                        outcomes["raised"] += 1
    arr_junk = [None, np.zeros(2), np.zeros(50), np.zeros((2, 3), np.float32), "x",
                np.zeros((3, 2)).T, np.zeros(6)[::1].reshape(2, 3)[:, ::1]]
    for pi in range(len(params0)):
        for field in range(5):
            for junk in arr_junk + [1, -1]:
                _, layers, params = _desc()
                row = list(params[pi])
                row[field] = junk
                params[pi] = tuple(row)
                for call in _engine_calls(layers, params, X, Y):
                    try:
                        call()
                        outcomes["ran"] += 1
                    except (TypeError, ValueError, OverflowError, MemoryError):
                        outcomes["raised"] += 1
    assert outcomes["raised"] > 500 and outcomes["ran"] > 10, outcomes


def test_engine_description_with_shared_buffers_is_refused_or_consistent():
    """Two parameters (or a parameter and its own gradient) pointing at the
    same memory: the engine must not crash; the documented contract says the
    buffers must not alias, so a refusal is the best outcome."""
    _, layers, params = _desc()
    w, g, s1, s2, pen = params[0]
    params[0] = (w, w, s1, s2, pen)  # the gradient overwrites the weights
    for call in _engine_calls(layers, params, X, Y):
        try:
            call()
        except (TypeError, ValueError):
            pass


@pytest.mark.parametrize("args,exc", [
    ((10, 0, 0, -1), ValueError), ((0, 0, 0, 1), ValueError), ((10, 0, -1, 1), ValueError),
    ((10, 0, 1, 2 ** 62), OverflowError), ((10, 0, 1, 2 ** 64), OverflowError),
    ((10, 0, "1", 1), TypeError), ((10, 0, 1.5, 1), TypeError), ((10,), TypeError),
])
def test_engine_schedule_refuses_junk(args, exc):
    with pytest.raises(exc):
        _core.engine_schedule(*args)


def test_engine_schedule_is_the_engines_arithmetic():
    assert _core.engine_schedule(10, 0, 0, 3) == (1, 3)      # full batch
    assert _core.engine_schedule(10, 0, 3, 2) == (4, 8)      # ceil(10 / 3) steps
    assert _core.engine_schedule(10, 7, 1, 1) == (7, 7)      # an order of 7 entries
    assert _core.engine_schedule(10, 0, 99, 5) == (1, 5)     # a batch past the data


def test_engine_fit_args_refuses_junk_in_every_field():
    """engine_fit_args (fit's positional call): each of the 26 fields of a
    valid call replaced by junk raises or runs, never crashes; the right
    count of arguments is required."""
    _, layers, params = _desc()
    opt = (3, (0.01, 0.9, 0.999, 1e-8), np.zeros(1, np.int64))

    def fields():
        return ["float64", tuple(layers), tuple(params), X, Y, (0, 0, False, 1.0), 0.0, 0.0,
                opt, 2, 0, None, None, 0.0, np.zeros(2), None, None, None, 0, False, 1,
                np.zeros(3, np.int64), 0, 0, 0, 0]

    _core.engine_fit_args(*fields())
    for bad in (fields()[:-1], fields() + [0]):
        with pytest.raises(TypeError, match="expected 26 arguments"):
            _core.engine_fit_args(*bad)
    raised = 0
    for i in range(26):
        for junk in [None, "x", 1.5, -1, 2 ** 70, np.zeros(3), object()]:
            args = fields()
            args[i] = junk
            try:
                _core.engine_fit_args(*args)
            except (TypeError, ValueError, OverflowError, MemoryError):
                raised += 1
    assert raised > 100
