"""Models travel, familiar habits: pickling and deepcopy of everything a user
holds, optimizer names, model(X)/layer(X), Keras/PyTorch keyword spellings."""
import copy
import pickle
import sys
import threading

import numpy as np
import pytest

import nnc
from nnc import functional as F
from nnc import losses, optim

ALL_LAYERS = [nnc.Identity(), nnc.Step(), nnc.Sigmoid(), nnc.Tanh(), nnc.ReLU(),
              nnc.LeakyReLU(0.1), nnc.PReLU(0.3), nnc.ELU(0.7), nnc.SELU(), nnc.Softmax(),
              nnc.LogSoftmax(), nnc.layers.Activation("tanh")]


def data(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, np.tanh(X @ np.arange(1.0, d + 1.0) * 0.3)


def net(dtype="float64", seed=7):
    return nnc.Sequential([nnc.Dense(3, 5), nnc.Tanh(), nnc.Dense(5, 4), nnc.PReLU(),
                           nnc.Dense(4, 1)], seed=seed, dtype=dtype)


def roundtrips(obj):
    """pickle (every protocol), copy.deepcopy."""
    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        yield f"pickle{proto}", pickle.loads(pickle.dumps(obj, protocol=proto))
    yield "deepcopy", copy.deepcopy(obj)


def same_params(a, b):
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb and pa.dtype == pb.dtype
        np.testing.assert_array_equal(pa, pb)
        assert not np.shares_memory(pa, pb)
    for (_, ga), (_, gb) in zip(a.named_grads(), b.named_grads()):
        np.testing.assert_array_equal(ga, gb)


# ------------------------------------------------------------------ pickling
@pytest.mark.parametrize("opt_factory", [lambda: nnc.SGD(0.05), lambda: nnc.Momentum(0.05),
                                         lambda: nnc.Nesterov(0.05, mu=0.8),
                                         lambda: nnc.Adam(0.01), lambda: nnc.HotCold(0.01)])
def test_model_and_optimizer_train_on_bit_identically(dtype, opt_factory):
    X, y = data()
    model, opt = net(dtype), opt_factory()
    kw = dict(loss="mse", epochs=4, batch_size=8, shuffle=True)
    if isinstance(opt, nnc.HotCold):
        kw.update(batch_size=None, shuffle=False)
    model.fit(X, y, optimizer=opt, **kw)
    copies = list(roundtrips((model, opt)))
    h_ref = model.fit(X, y, optimizer=opt, record="step", **kw)
    for how, (m2, o2) in copies:
        assert m2 is not model and o2 is not opt
        assert o2.t == opt.t - h_ref.steps
        h2 = m2.fit(X, y, optimizer=o2, record="step", **kw)
        np.testing.assert_array_equal(h2.step_loss, h_ref.step_loss, err_msg=how)
        same_params(m2, model)
        assert o2.t == opt.t
        assert m2.generator.state == model.generator.state


def test_state_survives_and_model_is_independent():
    X, y = data()
    model, opt = net(), nnc.Adam(0.01)
    model.fit(X, y, loss="mse", optimizer=opt, epochs=3, batch_size=10)
    model.forward(X[:4])
    model.backward(np.ones((4, 1)))
    for how, (m2, o2) in roundtrips((model, opt)):
        same_params(m2, model)
        assert m2.seed == model.seed and m2.dtype == model.dtype
        assert m2.generator.state == model.generator.state and m2.generator.seed == 7
        assert [repr(a) for a in m2.layers] == [repr(a) for a in model.layers]
        assert all(layer._owner is m2 for layer in m2.layers)
        assert o2.t == opt.t == 12 and o2.state.keys() == opt.state.keys()
        for name in opt.state:
            for s in ("m", "v"):
                np.testing.assert_array_equal(o2.state[name][s], opt.state[name][s])
                assert not np.shares_memory(o2.state[name][s], opt.state[name][s])
        # the copy owns new locks, and training it leaves the original alone
        assert m2._lock is not model._lock
        assert m2.generator._lock is not model.generator._lock
        before = model.get_flat_params()
        m2.fit(X, y, loss="mse", optimizer=o2, epochs=2, shuffle=True)
        np.testing.assert_array_equal(model.get_flat_params(), before)
        assert o2.t == 14 and opt.t == 12
        # backward after a restored forward: the cache came along
        m3 = pickle.loads(pickle.dumps(model))
        np.testing.assert_array_equal(m3.backward(np.ones((4, 1))),
                                      model.backward(np.ones((4, 1))))


def test_optimizer_pickled_alone_adopts_a_matching_model():
    X, y = data()
    model, opt = net(), nnc.Momentum(0.05)
    model.fit(X, y, loss="mse", optimizer=opt, epochs=3)
    m2 = pickle.loads(pickle.dumps(model))
    o2 = pickle.loads(pickle.dumps(opt))  # separately: no model inside
    h_ref = model.fit(X, y, loss="mse", optimizer=opt, epochs=3)
    h2 = m2.fit(X, y, loss="mse", optimizer=o2, epochs=3)
    np.testing.assert_array_equal(h2.loss, h_ref.loss)
    # a model of another shape starts fresh state, as with any optimizer
    o3 = copy.deepcopy(opt)
    other = nnc.Sequential([nnc.Dense(3, 2), nnc.Dense(2, 1)])
    other.fit(X, y, loss="mse", optimizer=o3, epochs=1)
    assert o3.t == 1 and set(o3.state) == {n for n, _ in other.named_parameters()}


def test_nesterov_between_look_ahead_and_step():
    X, y = data()
    model, opt = net(), nnc.Nesterov(0.05)
    model.fit(X, y, loss="mse", optimizer=opt, epochs=2)
    opt.look_ahead(model)
    m2, o2 = pickle.loads(pickle.dumps((model, opt)))
    for m, o in ((model, opt), (m2, o2)):
        m.compute_gradients(X, y, "mse")
        o.step(m)
    same_params(m2, model)


def test_every_layer_pickles(dtype):
    for layer in ALL_LAYERS:
        model = nnc.Sequential([nnc.Dense(3, 3), copy.deepcopy(layer)], dtype=dtype)
        X = data()[0]
        for how, m2 in roundtrips(model):
            np.testing.assert_array_equal(m2.predict(X), model.predict(X), err_msg=how)
            assert type(m2.layers[1]) is type(layer) and m2.layers[1].alpha == layer.alpha
        # an unbuilt layer on its own
        for how, l2 in roundtrips(layer):
            assert type(l2) is type(layer) and repr(l2) == repr(layer) and not l2.built
        # a built layer on its own (with its model)
        for how, l2 in roundtrips(model.layers[0]):
            np.testing.assert_array_equal(l2.weight, model.layers[0].weight)
            np.testing.assert_array_equal(l2(X), model.layers[0](X))


def test_generator_pickles_and_draws_the_same():
    gen = nnc.Generator(123)
    gen.normal(7)
    for how, g2 in roundtrips(gen):
        assert g2.state == gen.state and g2.seed == 123
        a = (g2.uniform(5), g2.normal(3, dtype="float32"), g2.integers(0, 100, size=4),
             g2.permutation(9))
        b = (gen.uniform(5), gen.normal(3, dtype="float32"), gen.integers(0, 100, size=4),
             gen.permutation(9))
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


def test_history_and_losses_pickle():
    X, y = data()
    hist = net().fit(X, y, loss="mse", optimizer="sgd", epochs=5, batch_size=10,
                     record="params")
    for how, h2 in roundtrips(hist):
        for attr in ("loss", "step_loss", "params"):
            np.testing.assert_array_equal(getattr(h2, attr), getattr(hist, attr))
        assert (h2.epochs, h2.steps, h2.status, h2.forward_passes) == \
            (hist.epochs, hist.steps, hist.status, hist.forward_passes)
        assert h2.param_names == hist.param_names
        np.testing.assert_array_equal(h2.param("layers.2.weight"), hist.param("layers.2.weight"))
    every = [losses.MSE("sum", half=True), losses.MAE(), losses.Huber(0.5, "sum"),
             losses.LogLoss(), losses.LogLossWithLogits(), losses.CrossEntropy(),
             losses.KLDivergence(), losses.PerceptronLoss(), losses.Hinge()]
    for loss in every:
        for how, l2 in roundtrips(loss):
            assert l2 == loss and l2 is not loss and repr(l2) == repr(loss)


def test_divergence_error_pickles():
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False, weight=[[2.0]])])
    with pytest.raises(nnc.DivergenceError) as info:
        model.fit([[2.0]], [[0.8]], loss="mse", optimizer=nnc.SGD(1.0), epochs=20)
    err = info.value
    for how, e2 in roundtrips(err):
        assert type(e2) is nnc.DivergenceError and str(e2) == str(err)
        assert (e2.epoch, e2.step, e2.loss, e2.reference, e2.reason) == \
            (err.epoch, err.step, err.loss, err.reference, err.reason)
        np.testing.assert_array_equal(e2.history.loss, err.history.loss)


def test_pickle_waits_for_a_fit_in_another_thread():
    # __getstate__ holds the model's lock: a pickle taken while another
    # thread fits sees the parameters of the finished run, not a half step.
    X, y = data(400)
    model = net()
    started, out = threading.Event(), {}

    def cb(epoch, history):
        started.set()

    def run():
        out["hist"] = model.fit(X, y, loss="mse", optimizer="adam", epochs=300,
                                callback=cb, callback_every=1)

    t = threading.Thread(target=run)
    t.start()
    started.wait(10)
    blob = pickle.dumps(model)
    t.join()
    # fit holds the lock for its whole run, so the snapshot waited for the end
    m2 = pickle.loads(blob)
    assert out["hist"].epochs == 300
    np.testing.assert_array_equal(m2.get_flat_params(), model.get_flat_params())


def test_copy_of_a_copy_in_a_callback():
    # deepcopy from a fit's own callback (keeping the best model) works
    X, y = data()
    model, best = net(), []

    def keep(epoch, history):
        best.append(copy.deepcopy(model))

    model.fit(X, y, loss="mse", optimizer="adam", epochs=3, callback=keep)
    assert len(best) == 3
    np.testing.assert_array_equal(best[-1].get_flat_params(), model.get_flat_params())


# ---------------------------------------------------------- familiar habits
@pytest.mark.parametrize("name,cls,settings", [
    ("sgd", nnc.SGD, {"lr": 0.01}), ("momentum", nnc.Momentum, {"lr": 0.01, "mu": 0.9}),
    ("nesterov", nnc.Nesterov, {"lr": 0.01, "mu": 0.9}),
    ("adam", nnc.Adam, {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    ("hotcold", nnc.HotCold, {"step_size": 0.001}), ("Adam", nnc.Adam, {}),
    ("hot_cold", nnc.HotCold, {})])
def test_optimizer_names(name, cls, settings):
    opt = optim.resolve_optimizer(name)
    assert type(opt) is cls and opt.t == 0
    for k, v in settings.items():
        assert getattr(opt, k) == v
    assert type(optim.resolve_optimizer(cls)) is cls
    X, y = data()
    a, b = net(), net()
    ha = a.fit(X, y, loss="mse", optimizer=name, epochs=3)
    hb = b.fit(X, y, loss="mse", optimizer=cls(), epochs=3)
    np.testing.assert_array_equal(ha.loss, hb.loss)
    same = opt is optim.resolve_optimizer(opt)
    assert same


def test_optimizer_name_errors():
    X, y = data()
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'.*'adam'"):
        net().fit(X, y, loss="mse", optimizer="adamw", epochs=1)
    with pytest.raises(TypeError, match="optimizer must be an nnc optimizer"):
        net().fit(X, y, loss="mse", optimizer=3, epochs=1)
    names = optim.names()
    assert {"adam", "hot_cold", "hotcold", "momentum", "nesterov", "sgd"} <= set(names)
    for name in names:  # every optimizer class of nnc.optim, by its kind
        opt = optim.resolve_optimizer(name)
        assert opt.kind == name.replace("_", "") and type(opt).__module__ == "nnc.optim"


def test_call_is_forward():
    X, _ = data()
    model = net()
    out = model(X)
    np.testing.assert_array_equal(out, model.forward(X))
    np.testing.assert_allclose(out, model.predict(X), rtol=1e-14, atol=1e-15)
    model.backward(np.ones_like(out))  # the call cached what backward needs
    assert np.any(model.layers[0].grads["weight"])
    dense = model.layers[0]
    np.testing.assert_allclose(dense(X), X @ dense.weight + dense.bias, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(nnc.Tanh()(X), np.tanh(X), rtol=1e-15, atol=1e-16)
    np.testing.assert_array_equal(nnc.ReLU()(X), np.maximum(X, 0))


@pytest.mark.parametrize("cls,kw,expect", [
    (nnc.SGD, {"learning_rate": 0.2}, {"lr": 0.2}),
    (nnc.Momentum, {"learning_rate": 0.2, "momentum": 0.5}, {"lr": 0.2, "mu": 0.5}),
    (nnc.Nesterov, {"momentum": 0.5}, {"lr": 0.01, "mu": 0.5}),
    (nnc.Adam, {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6},
     {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}),
    (nnc.Adam, {"betas": (0.5, 0.6)}, {"beta1": 0.5, "beta2": 0.6})])
def test_keras_and_torch_spellings(cls, kw, expect):
    opt = cls(**kw)
    for k, v in expect.items():
        assert getattr(opt, k) == v


def test_spellings_refused_with_nnc_spelling():
    with pytest.raises(TypeError, match=r"momentum=.*nnc.Momentum\(lr, mu=0.9\)"):
        nnc.SGD(0.1, momentum=0.9)
    with pytest.raises(TypeError, match="both lr= and learning_rate="):
        nnc.SGD(lr=0.1, learning_rate=0.1)
    with pytest.raises(TypeError, match="learning_rate=.*no learning rate"):
        nnc.HotCold(learning_rate=0.1)
    with pytest.raises(TypeError, match="betas must be a pair"):
        nnc.Adam(betas=0.9)
    with pytest.raises(TypeError, match="betas"):
        nnc.Momentum(betas=(0.9, 0.99))
    with pytest.raises(ValueError, match="lr must be > 0"):
        nnc.SGD(learning_rate=-1)  # the alias goes through the same checks
    with pytest.raises(TypeError, match="unexpected keyword"):
        nnc.SGD(rate=0.1)


def test_softmax_axis_and_dim():
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    ref = F.softmax(x)
    for kw in ({"axis": -1}, {"axis": 1}, {"dim": 1}, {"dim": -1}, {"axis": np.int64(1)}):
        np.testing.assert_array_equal(F.softmax(x, **kw), ref)
        np.testing.assert_array_equal(F.log_softmax(x, **kw), F.log_softmax(x))
        np.testing.assert_array_equal(F.softmax_backward(x, x, **kw), F.softmax_backward(x, x))
        np.testing.assert_array_equal(F.log_softmax_backward(x, x, **kw),
                                      F.log_softmax_backward(x, x))
    np.testing.assert_array_equal(F.softmax(x[0], axis=0), ref[0])
    np.testing.assert_array_equal(F.softmax(x, 1), ref)
    with pytest.raises(ValueError, match=r"last axis only \(axis=-1\); got axis=0.*x\.T\)\.T"):
        F.softmax(x, axis=0)
    with pytest.raises(ValueError, match=r"dim=-1.*got dim=0"):
        F.log_softmax(x, dim=0)
    with pytest.raises(ValueError, match="got axis=2"):
        F.softmax(x, axis=2)
    with pytest.raises(TypeError, match="not both"):
        F.softmax(x, axis=1, dim=1)
    with pytest.raises(TypeError, match="axis must be an int"):
        F.softmax(x, axis=1.0)
    # the row-wise losses: Keras's axis=-1
    t = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    p = F.softmax(x)
    for fn, a in ((F.cross_entropy, x), (F.cross_entropy_backward, x), (F.kl_divergence, p),
                  (F.kl_divergence_backward, p)):
        np.testing.assert_array_equal(fn(a, t, axis=-1), fn(a, t))
        np.testing.assert_array_equal(fn(a, t, dim=1, reduction="sum"), fn(a, t, reduction="sum"))
        with pytest.raises(ValueError, match=r"last axis only \(axis=-1\); got axis=0"):
            fn(a, t, axis=0)
    # layers: Keras axis=, PyTorch dim=
    for layer in (nnc.Softmax(axis=-1), nnc.Softmax(dim=1), nnc.LogSoftmax(axis=1)):
        assert layer._config() == {}
    with pytest.raises(ValueError, match=r"Softmax: .*\(dim=-1 or 1\); got dim=0"):
        nnc.Softmax(dim=0)
    with pytest.raises(ValueError, match=r"LogSoftmax: .*got axis=0"):
        nnc.LogSoftmax(axis=0)
    with pytest.raises(TypeError, match="ReLU: works elementwise, it takes no dim="):
        nnc.ReLU(dim=1)
    with pytest.raises(TypeError, match="PReLU: works elementwise, it takes no axis="):
        nnc.PReLU(0.2, axis=-1)
    assert nnc.LeakyReLU(0.3).alpha == 0.3 and repr(nnc.Softmax(dim=-1)) == "Softmax()"


def test_progress_uses_tqdm_auto(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    made = []

    class Spy(tqdm_auto.tqdm):
        def __init__(self, *args, **kwargs):
            made.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm_auto, "tqdm", Spy)
    X, y = data()
    net().fit(X, y, loss="mse", optimizer="sgd", epochs=5, progress=True)
    assert made == [{"total": 5, "unit": "epoch", "desc": "fit"}]


def test_progress_extra_brings_the_notebook_widget():
    tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else None
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml"
    if not path.exists():
        pytest.skip("no pyproject.toml next to the tests")
    extras = tomllib.loads(path.read_text())["project"]["optional-dependencies"]
    names = {r.split(">")[0].split("=")[0].strip() for r in extras["progress"]}
    assert {"tqdm", "ipywidgets"} <= names
    for extra in ("sklearn", "torch", "onnx"):
        assert extra in extras


def test_joblib_read_only_memory_map_load_trains(tmp_path):
    joblib = pytest.importorskip("joblib")
    X, y = data()
    model, opt = net(), nnc.Adam(0.01)
    model.fit(X, y, loss="mse", optimizer=opt, epochs=2)
    joblib.dump((model, opt), tmp_path / "m.joblib")
    m2, o2 = joblib.load(tmp_path / "m.joblib", mmap_mode="r")
    h_ref = model.fit(X, y, loss="mse", optimizer=opt, epochs=3)
    h2 = m2.fit(X, y, loss="mse", optimizer=o2, epochs=3)
    np.testing.assert_array_equal(h2.loss, h_ref.loss)
    same_params(m2, model)
