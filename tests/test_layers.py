"""Layers: construction, zero-copy parameters, gradients (gradcheck in float64
for every layer and loss), the step-by-step API, repr, save/load."""
import numpy as np
import pytest

import nnc

# One layer per activation of the op table (alphas away from their defaults).
_ROWS = nnc._core._ops["activations"]
ACTIVATIONS = [(lambda c=getattr(nnc, r["cls"]), a=r["alpha"], d=r["alpha_default"]:
                c() if a == "none" else c(0.7 * d + 0.1)) for r in _ROWS]
ACT_IDS = [r["name"] for r in _ROWS]


def data(n=7, d_in=3, d_out=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d_in)), rng.uniform(0.1, 0.9, size=(n, d_out))


@pytest.mark.parametrize("act", ACTIVATIONS, ids=ACT_IDS)
def test_every_layer_passes_gradcheck(act):
    X, Y = data()
    model = nnc.Sequential([nnc.Dense(3, 5), act(), nnc.Dense(5, 2)], seed=1)
    err = nnc.gradcheck(model, X, Y, "mse")
    assert err < 1e-6


def test_prelu_alpha_gradient_is_checked():
    X, Y = data()
    model = nnc.Sequential([nnc.Dense(3, 5), nnc.PReLU(0.3), nnc.Dense(5, 2)], seed=1)
    err, report = nnc.gradcheck(model, X, Y, "mse", details=True)
    analytic, numeric = report["layers.1.alpha"]
    assert abs(analytic[0]) > 1e-3  # some inputs are negative, so alpha matters
    assert analytic[0] == pytest.approx(numeric[0], rel=1e-7)
    # and training moves it
    opt = nnc.SGD(0.1)
    before = model.layers[1].alpha_param.copy()
    model.fit(X, Y, loss="mse", optimizer=opt, epochs=3)
    assert model.layers[1].alpha_param[0] != before[0]


@pytest.mark.parametrize("loss,out_act,targets", [
    ("mse", None, "real"), (nnc.losses.MSE("sum", half=True), None, "real"),
    ("mae", None, "real"), (nnc.losses.Huber(0.3), None, "real"),
    ("log_loss", nnc.Sigmoid, "binary"), ("log_loss_with_logits", None, "binary"),
    ("cross_entropy", None, "prob"), ("cross_entropy", nnc.Softmax, "prob"),
    ("kl_divergence", nnc.Softmax, "prob"), ("perceptron_loss", None, "binary"),
    ("hinge", None, "binary"),
])
def test_every_loss_passes_gradcheck(loss, out_act, targets):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(8, 3))
    if targets == "real":
        Y = rng.normal(size=(8, 2))
    elif targets == "binary":
        Y = (rng.uniform(size=(8, 2)) > 0.5).astype(float)
    else:
        Y = rng.dirichlet(np.ones(2), size=8)
    layers = [nnc.Dense(3, 4), nnc.Tanh(), nnc.Dense(4, 2)]
    if out_act is not None:
        layers.append(out_act())
    model = nnc.Sequential(layers, seed=2)
    # mae's output-bias gradient is a mean of signs, exactly 0 when they
    # cancel; the central difference then sees only the loss's last-bit noise
    # (1 ulp / 2 eps ~ 1e-10), so its floor must sit above that noise.
    floor = 1e-3 if loss == "mae" else 1e-8
    assert nnc.gradcheck(model, X, Y, loss, floor=floor) < 1e-6


def test_penalty_gradients_and_float32_models():
    X, Y = data()
    model = nnc.Sequential([nnc.Dense(3, 4), nnc.Sigmoid(), nnc.Dense(4, 2)], seed=0,
                           dtype="float32")
    assert nnc.gradcheck(model, X, Y, "mse", l1=0.01, l2=0.05) < 1e-6
    assert model.dtype == np.float32  # the check ran on a float64 copy


def test_gradcheck_detects_a_wrong_gradient(monkeypatch):
    X, Y = data()
    model = nnc.Sequential([nnc.Dense(3, 2)], seed=0)
    real = nnc.Sequential.compute_gradients

    def wrong(self, *args, **kw):
        value = real(self, *args, **kw)
        self.layers[0].grads["weight"] *= 1.01
        return value

    monkeypatch.setattr(nnc.Sequential, "compute_gradients", wrong)
    assert nnc.gradcheck(model, X, Y, "mse") == pytest.approx(0.01 / 1.01, rel=1e-4)


@pytest.mark.parametrize("act", ACTIVATIONS, ids=ACT_IDS)
def test_step_by_step_backward_equals_engine(act):
    X, Y = data()
    model = nnc.Sequential([nnc.Dense(3, 5), act(), nnc.Dense(5, 2)], seed=4)
    loss = nnc.losses.MSE()
    value = model.compute_gradients(X, Y, loss)
    engine = [g.copy() for _, g in model.named_grads()]
    model.zero_grad()
    out = model.forward(X)
    np.testing.assert_allclose(out, model.predict(X), rtol=1e-15)
    assert loss(out, Y) == pytest.approx(value, rel=1e-15)
    dx = model.backward(loss.gradient(out, Y))
    assert dx.shape == X.shape
    for (name, g), e in zip(model.named_grads(), engine):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-16, err_msg=name)


def test_parameters_are_the_weights():
    model = nnc.Sequential([nnc.Dense(2, 3), nnc.ReLU(), nnc.Dense(3, 1, bias=False)], seed=0)
    names = [n for n, _ in model.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight"]
    assert model.n_params == 6 + 3 + 3
    w = model.layers[0].weight
    assert w.shape == (2, 3) and w.flags.c_contiguous
    model.layers[0].weight[...] = 0.5
    model.layers[0].bias = [1.0, 2.0, 3.0]  # assignment copies into the same array
    assert model.layers[0].bias is model.named_parameters()[1][1]
    model.layers[2].weight[...] = 1.0
    assert model.predict([[1.0, 1.0]])[0, 0] == 2.0 + 3.0 + 4.0
    kept = model.layers[2].weight
    model.fit([[1.0, 1.0]], [[0.0]], loss="mse", optimizer=nnc.SGD(0.01), epochs=1)
    assert kept is model.layers[2].weight and kept[0, 0] != 1.0
    with pytest.raises(ValueError, match="shape"):
        model.layers[0].weight = np.zeros((3, 2))
    assert dict(model.named_grads())["layers.0.weight"].shape == (2, 3)


def test_initialisation_is_seeded_and_named():
    a = nnc.Sequential([nnc.Dense(4, 3), nnc.Tanh(), nnc.Dense(3, 2)], seed=7)
    b = nnc.Sequential([nnc.Dense(4, 3), nnc.Tanh(), nnc.Dense(3, 2)], seed=7)
    c = nnc.Sequential([nnc.Dense(4, 3), nnc.Tanh(), nnc.Dense(3, 2)], seed=8)
    np.testing.assert_array_equal(a.get_flat_params(), b.get_flat_params())
    assert not np.array_equal(a.get_flat_params(), c.get_flat_params())
    # layer by layer, weight then bias, from Generator(seed)
    gen = nnc.Generator(7)
    w0 = nnc.init.xavier_uniform((4, 3), gen=gen)
    w2 = nnc.init.xavier_uniform((3, 2), gen=gen)
    np.testing.assert_array_equal(a.layers[0].weight, w0)
    np.testing.assert_array_equal(a.layers[2].weight, w2)
    assert np.all(a.layers[0].bias == 0)
    h = nnc.Sequential([nnc.Dense(4, 3, init="he_normal")], seed=7)
    np.testing.assert_array_equal(h.layers[0].weight,
                                  nnc.init.he_normal((4, 3), gen=nnc.Generator(7)))
    calls = []

    def custom(shape, gen=None, dtype="float64"):
        calls.append(shape)
        return np.full(shape, 0.25, dtype=dtype)

    m = nnc.Sequential([nnc.Dense(2, 2, init=custom, bias_init=[1.0, -1.0])], dtype="float32")
    assert calls == [(2, 2)] and m.layers[0].weight.dtype == np.float32
    assert m.layers[0].bias.tolist() == [1.0, -1.0]


def test_construction_errors():
    with pytest.raises(ValueError, match="previous layer gives 3 features, expected 4"):
        nnc.Sequential([nnc.Dense(2, 3), nnc.Dense(4, 1)])
    with pytest.raises(ValueError, match="Dense layer"):
        nnc.Sequential([nnc.Sigmoid()])
    with pytest.raises(TypeError, match="not an nnc layer"):
        nnc.Sequential([nnc.Dense(1, 1), "relu"])
    with pytest.raises(TypeError, match="dtype"):
        nnc.Sequential([nnc.Dense(1, 1)], dtype="int32")
    with pytest.raises(ValueError, match="in_features must be >= 1"):
        nnc.Dense(0, 1)
    with pytest.raises(TypeError, match="out_features must be an int"):
        nnc.Dense(1, 1.5)
    with pytest.raises(ValueError, match="weight has shape"):
        nnc.Dense(2, 2, weight=[[1.0, 2.0]])
    layer = nnc.Dense(1, 1)
    nnc.Sequential([layer])
    with pytest.raises(ValueError, match="already belongs"):
        nnc.Sequential([layer])
    with pytest.raises(ValueError, match="unknown init"):
        nnc.Sequential([nnc.Dense(1, 1, init="nope")])
    model = nnc.Sequential([nnc.Dense(3, 1)])
    with pytest.raises(RuntimeError, match="forward"):
        model.backward(np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"Dense\(3 -> 1\): X has 2 columns, expected 3"):
        model.predict(np.ones((4, 2)))


def test_activation_before_first_dense_takes_its_width():
    model = nnc.Sequential([nnc.Tanh(), nnc.Dense(2, 1, weight=[[1.0], [1.0]])])
    assert model.in_features == 2
    assert model.predict([[0.5, -0.5]])[0, 0] == pytest.approx(0.0, abs=1e-16)


def test_repr_lists_layers_shapes_counts():
    model = nnc.Sequential([nnc.Dense(2, 4), nnc.LeakyReLU(0.1), nnc.Dense(4, 1), nnc.PReLU()],
                           seed=3)
    text = repr(model)
    assert "Sequential(dtype=float64, seed=3, 18 parameters)" in text
    assert "Dense(2 -> 4)" in text and "weight (2, 4), bias (4,)  = 12" in text
    assert "LeakyReLU(alpha=0.1)" in text and "PReLU(alpha=0.25)" in text
    assert "alpha (1,)  = 1" in text


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_save_load_round_trip(tmp_path, dtype):
    model = nnc.Sequential([nnc.Dense(3, 4), nnc.PReLU(0.2), nnc.Dense(4, 3, bias=False),
                            nnc.ELU(0.5), nnc.Dense(3, 2), nnc.Softmax()], seed=9, dtype=dtype)
    X, Y = data(d_out=2)
    model.fit(X, Y, loss="cross_entropy", optimizer=nnc.Adam(0.01), epochs=3, batch_size=3,
              shuffle=True)
    path = tmp_path / "model.npz"
    model.save(path)
    back = nnc.load(path)
    assert repr(back) == repr(model)
    assert back.dtype == model.dtype
    for (n1, a1), (n2, a2) in zip(model.named_parameters(), back.named_parameters()):
        assert n1 == n2 and a1.dtype == a2.dtype
        np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    assert back.generator.state == model.generator.state
    # the file holds no pickles
    with np.load(path, allow_pickle=False) as f:
        assert "__nnc_model__" in f.files


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match="not an nnc model"):
        nnc.load(path)


def test_copy_is_independent():
    model = nnc.Sequential([nnc.Dense(2, 2)], seed=0)
    twin = model.copy(dtype="float32")
    twin.layers[0].weight[...] = 0
    assert not np.all(model.layers[0].weight == 0)
    assert twin.dtype == np.float32


# ---------------------------------------------------------------------------
# Regression (hardening review) 4. load: the saved generator state was copied without Generator.state's checks.

def _saved_with_state(tmp_path, state):
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=5)
    m.save(tmp_path / "good.npz")
    data = dict(np.load(tmp_path / "good.npz"))
    data["__nnc_rng_state__"] = state
    np.savez(tmp_path / "bad.npz", **data)
    return tmp_path / "bad.npz"


@pytest.mark.parametrize("state,pattern", [
    (np.zeros(4, np.uint64), r"all four words are zero"),
    (np.ones(3, np.uint64), r"shape \(3,\) .*expected 4 words, got 3"),
    (np.ones((2, 2), np.uint64), r"shape \(2, 2\)"),
    (np.ones(4), r"dtype float64 .*must be an int"),
    (np.array([-1, 1, 1, 1]), r"words must be in \[0, 2\*\*64\)"),
    (np.uint64(7), r"shape \(\) .*expected a sequence of 4 ints"),
])
def test_load_refuses_a_bad_generator_state(tmp_path, state, pattern):
    path = _saved_with_state(tmp_path, state)
    head = r"load: .*bad\.npz'\)? holds a generator state .*"
    with pytest.raises(ValueError, match=head + pattern):
        nnc.load(path)


def test_load_restores_a_good_generator_state_and_keeps_the_seed(tmp_path):
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=5)
    m.generator.uniform(3)
    m.save(tmp_path / "m.npz")
    back = nnc.load(tmp_path / "m.npz")
    assert back.generator.state == m.generator.state
    assert back.generator.seed == 5
    np.testing.assert_array_equal(back.generator.uniform(4), m.generator.uniform(4))
    # any nonzero words in [0, 2**64), int64 included, are a state
    path = _saved_with_state(tmp_path, np.array([2 ** 64 - 1, 0, 0, 3], np.uint64))
    assert nnc.load(path).generator.state == (2 ** 64 - 1, 0, 0, 3)
    path = _saved_with_state(tmp_path, np.array([1, 2, 3, 4], np.int64))
    assert nnc.load(path).generator.state == (1, 2, 3, 4)
