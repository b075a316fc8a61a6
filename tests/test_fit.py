"""fit() against the NumPy reference loop, step for step (float64, 1e-12)."""
import numpy as np
import pytest

import nnc
from test_engine_ref import describe, ref_fit, schedule

RTOL = 1e-12


def make_data(n=10, d_in=3, d_out=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d_in)), rng.uniform(size=(n, d_out))


def make_model(d_in=3, d_out=2, seed=3, act=nnc.Tanh, dtype="float64"):
    return nnc.Sequential([nnc.Dense(d_in, 4), act(), nnc.Dense(4, d_out), nnc.Sigmoid()],
                          seed=seed, dtype=dtype)




@pytest.mark.parametrize("batch_size", [None, 1, 3, 4, 10, 25])
def test_batches_equal_reference(batch_size):
    X, Y = make_data()
    model = make_model()
    spec = describe(model)
    hist = model.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.3), epochs=3,
                     batch_size=batch_size, record="params")
    bs = None if batch_size is None or batch_size >= 10 else batch_size
    losses, traj = ref_fit(spec, X, Y, schedule(10, 3, bs), opt="sgd", lr=0.3)
    assert hist.steps == len(losses)
    np.testing.assert_allclose(hist.step_loss, losses, rtol=RTOL)
    np.testing.assert_allclose(hist.params, traj, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(model.get_flat_params(), traj[-1], rtol=RTOL, atol=1e-15)
    # epoch loss: the single step's loss (full batch) or the row-weighted mean
    spe = hist.steps // 3
    rows = [len(b) for b in schedule(10, 1, bs)]
    for e in range(3):
        if spe == 1:
            assert hist.loss[e] == hist.step_loss[e]
        else:
            expect = sum(l * r for l, r in zip(losses[e * spe:(e + 1) * spe], rows)) / 10
            assert hist.loss[e] == pytest.approx(expect, rel=RTOL)


def test_last_partial_batch_keeps_its_size():
    X, Y = make_data(n=7)
    model = make_model()
    hist = model.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.1), epochs=2, batch_size=3,
                     record="step")
    assert hist.steps == 6  # 3 + 3 + 1 per epoch
    spec = describe(make_model())
    losses, _ = ref_fit(spec, X, Y, schedule(7, 2, 3), lr=0.1)
    np.testing.assert_allclose(hist.step_loss, losses, rtol=RTOL)


def test_shuffle_uses_model_generator_permutations():
    X, Y = make_data(n=9)
    model = make_model()
    gen = nnc.Generator(0)
    gen.state = model.generator.state
    perms = [gen.permutation(9) for _ in range(4)]
    spec = describe(model)
    hist = model.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.2), epochs=4, batch_size=2,
                     shuffle=True, record="params")
    losses, traj = ref_fit(spec, X, Y, schedule(9, 4, 2, perms), lr=0.2)
    np.testing.assert_allclose(hist.step_loss, losses, rtol=RTOL)
    np.testing.assert_allclose(hist.params, traj, rtol=RTOL, atol=1e-15)
    # The generator advanced exactly as the four permutations did.
    assert model.generator.state == gen.state
    # Same seed, same run; a second fit continues the stream (different order).
    again = make_model()
    h2 = again.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.2), epochs=4, batch_size=2,
                   shuffle=True, record="step")
    np.testing.assert_array_equal(h2.step_loss, hist.step_loss)


def test_order_replays_explicit_picks():
    X, Y = make_data(n=6)
    picks = np.array([5, 0, 0, 3, 2])
    model = make_model()
    spec = describe(model)
    hist = model.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.5), order=picks, record="params")
    assert (hist.epochs, hist.steps) == (1, 5)
    losses, traj = ref_fit(spec, X, Y, [np.array([i]) for i in picks], lr=0.5)
    np.testing.assert_allclose(hist.step_loss, losses, rtol=RTOL)
    np.testing.assert_allclose(hist.params, traj, rtol=RTOL, atol=1e-15)
    assert hist.loss[0] == pytest.approx(losses.mean(), rel=RTOL)
    # epochs repeats the order; batch_size groups consecutive entries
    m2 = make_model()
    h2 = m2.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.5), order=picks, epochs=2, batch_size=2,
                record="step")
    assert (h2.epochs, h2.steps) == (2, 6)
    groups = [picks[0:2], picks[2:4], picks[4:5]] * 2
    losses2, _ = ref_fit(describe(make_model()), X, Y, groups, lr=0.5)
    np.testing.assert_allclose(h2.step_loss, losses2, rtol=RTOL)


@pytest.mark.parametrize("opt,kw", [
    ("momentum", dict(lr=0.1, mu=0.8)),
    ("nesterov", dict(lr=0.1, mu=0.8)),
    ("adam", dict(lr=0.01, beta1=0.85, beta2=0.99, eps=1e-7)),
])
def test_optimizers_equal_reference(opt, kw):
    X, Y = make_data()
    model = make_model(act=nnc.ReLU)
    spec = describe(model)
    cls = {"momentum": nnc.Momentum, "nesterov": nnc.Nesterov, "adam": nnc.Adam}[opt]
    hist = model.fit(X, Y, loss="mse", optimizer=cls(**kw), epochs=3, batch_size=4,
                     record="params")
    losses, traj = ref_fit(spec, X, Y, schedule(10, 3, 4), opt=opt, **kw)
    np.testing.assert_allclose(hist.step_loss, losses, rtol=RTOL)
    np.testing.assert_allclose(hist.params, traj, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("l1,l2", [(0.01, 0.0), (0.0, 0.02), (0.01, 0.03)])
def test_penalties_equal_reference(l1, l2):
    X, Y = make_data()
    model = make_model()
    spec = describe(model)
    hist = model.fit(X, Y, loss=nnc.losses.MSE(reduction="sum", half=True),
                     optimizer=nnc.SGD(0.05), epochs=4, l1=l1, l2=l2, record="params")
    losses, traj = ref_fit(spec, X, Y, schedule(10, 4), lr=0.05, reduction="sum", half=True,
                           l1=l1, l2=l2)
    np.testing.assert_allclose(hist.step_loss, losses, rtol=RTOL)
    np.testing.assert_allclose(hist.params, traj, rtol=RTOL, atol=1e-15)
    # biases are not penalised: with only a penalty and no data signal they stay
    assert model.evaluate(X, Y, nnc.losses.MSE("sum", half=True), l1=l1, l2=l2) < losses[0]


def test_grokking_g5_bit_for_bit():
    # Trask ch. 4: weight -= (input * weight - goal) * input, 20 iterations.
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False)])
    model.layers[0].weight[...] = 0.5
    hist = model.fit([[0.5]], [[0.8]], loss=nnc.losses.MSE(reduction="sum", half=True),
                     optimizer=nnc.SGD(1.0), epochs=20, record="params", divergence=None)
    weight, inp, goal = 0.5, 0.5, 0.8
    weights, errors = [weight], []
    for _ in range(20):
        pred = inp * weight
        errors.append(0.5 * (pred - goal) ** 2)
        weight -= (inp * weight - goal) * inp
        weights.append(weight)
    assert hist.params[:, 0].tolist() == weights
    assert hist.step_loss.tolist() == errors
    assert "%.12g" % (2 * hist.step_loss[-1]) == "5.40820802026e-06"
    assert "%.12g" % (inp * hist.params[-2, 0]) == "0.797674444578"


def test_agile_a2_first_update():
    # Bergel ch. 4: f(x) = a x + b, J = mean squared error, lr 0.01 from (0.5, 3).
    X = np.array([[1.0], [3.0], [2.0], [4.0]])
    y = np.array([3.0, 5.2, 4.1, 7.5])
    model = nnc.Sequential([nnc.Dense(1, 1, weight=[[0.5]], bias_init=3.0)])
    assert model.evaluate(X, y, "mse") == pytest.approx(1.75, rel=1e-15)
    model.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01), epochs=1)
    assert model.evaluate(X, y, "mse") == pytest.approx(1.4127335, abs=5e-8)


def test_float32_fit_tracks_float64():
    X, Y = make_data()
    m64, m32 = make_model(), make_model(dtype="float32")
    assert m32.layers[0].weight.dtype == np.float32
    h64 = m64.fit(X, Y, loss="mse", optimizer=nnc.Adam(0.01), epochs=50, batch_size=5,
                  record="params")
    h32 = m32.fit(X.astype(np.float32), Y, loss="mse", optimizer=nnc.Adam(0.01), epochs=50,
                  batch_size=5, record="params")
    assert h32.params.dtype == np.float32
    np.testing.assert_allclose(h32.loss, h64.loss, rtol=1e-4)
    np.testing.assert_allclose(m32.get_flat_params(), m64.get_flat_params(), atol=1e-4)
    assert h32.loss[-1] < h32.loss[0]


def test_xor_learns_to_100_percent():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    model = nnc.Sequential([nnc.Dense(2, 4), nnc.Sigmoid(), nnc.Dense(4, 1), nnc.Sigmoid()],
                           seed=0)
    hist = model.fit(X, y, loss="log_loss", optimizer=nnc.SGD(1.0), epochs=3000)
    pred = (model.predict(X)[:, 0] > 0.5).astype(int)
    assert pred.tolist() == y.tolist()
    assert hist.loss[-1] < 0.05 < hist.loss[0]


def test_cross_entropy_softmax_fused_and_class_indices():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 4))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    model = nnc.Sequential([nnc.Dense(4, 8), nnc.ReLU(), nnc.Dense(8, 3), nnc.Softmax()], seed=2)
    # The fused objective is cross-entropy of the Softmax's input (logits).
    logits_model = nnc.Sequential([nnc.Dense(4, 8), nnc.ReLU(), nnc.Dense(8, 3)], seed=2)
    assert model.evaluate(X, labels, "cross_entropy") == pytest.approx(
        nnc.functional.cross_entropy(logits_model.predict(X), labels), rel=1e-14)
    probs = model.predict(X)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-14)
    hist = model.fit(X, labels, loss="cross_entropy", optimizer=nnc.Adam(0.05), epochs=200,
                     batch_size=10)
    assert hist.loss[-1] < 0.5 * hist.loss[0]
    assert (model.predict(X).argmax(axis=1) == labels).mean() > 0.9


def test_epochs_zero_and_record_shapes():
    X, Y = make_data()
    model = make_model()
    before = model.get_flat_params()
    hist = model.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.1), epochs=0, record="params")
    assert hist.loss.shape == (0,) and hist.step_loss.shape == (0,)
    assert hist.params.shape == (1, model.n_params)
    np.testing.assert_array_equal(model.get_flat_params(), before)
    h = model.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.1), epochs=2, batch_size=4)
    assert h.step_loss is None and h.params is None
    assert (h.epochs, h.steps, h.forward_passes) == (2, 6, 6)
    assert "epochs=2" in repr(h) and "steps=6" in repr(h)


def test_history_param_trajectory_shapes():
    X, Y = make_data()
    model = make_model()
    hist = model.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.1), epochs=3, record="params")
    w = hist.param("layers.2.weight")
    assert w.shape == (4, 4, 2)
    np.testing.assert_array_equal(w[-1], model.layers[2].weight)
    assert hist.param_names[0] == "layers.0.weight[0, 0]"
    assert len(hist.param_names) == model.n_params
    with pytest.raises(KeyError):
        hist.param("layers.1.weight")


def test_fit_argument_errors():
    X, Y = make_data()
    model = make_model()
    opt = nnc.SGD(0.1)
    with pytest.raises(TypeError, match="epochs is required"):
        model.fit(X, Y, loss="mse", optimizer=opt)
    with pytest.raises(ValueError, match="Dense\\(3 -> 4\\): X has 2 columns, expected 3"):
        model.fit(X[:, :2], Y, loss="mse", optimizer=opt, epochs=1)
    with pytest.raises(ValueError, match="y has shape"):
        model.fit(X, Y[:5], loss="mse", optimizer=opt, epochs=1)
    with pytest.raises(ValueError, match="unknown loss"):
        model.fit(X, Y, loss="nope", optimizer=opt, epochs=1)
    with pytest.raises(TypeError, match="optimizer"):
        model.fit(X, Y, loss="mse", optimizer=0.1, epochs=1)
    with pytest.raises(ValueError, match="order holds 10"):
        model.fit(X, Y, loss="mse", optimizer=opt, order=[0, 10])
    with pytest.raises(ValueError, match="exclude"):
        model.fit(X, Y, loss="mse", optimizer=opt, order=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(X, Y, loss="mse", optimizer=opt, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="record"):
        model.fit(X, Y, loss="mse", optimizer=opt, epochs=1, record="all")
    with pytest.raises(TypeError, match="X must hold real numbers"):
        model.fit(X.astype(complex), Y, loss="mse", optimizer=opt, epochs=1)
    with pytest.raises(ValueError, match="divergence"):
        model.fit(X, Y, loss="mse", optimizer=opt, epochs=1, divergence=0)
    with pytest.raises(ValueError, match="l2"):
        model.fit(X, Y, loss="mse", optimizer=opt, epochs=1, l2=-1)
    # inputs are never modified
    X0, Y0 = X.copy(), Y.copy()
    model.fit(X, Y, loss="mse", optimizer=opt, epochs=2, shuffle=True, batch_size=3)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_fortran_and_strided_inputs():
    X, Y = make_data()
    ref = make_model()
    h_ref = ref.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.1), epochs=3, record="step")
    m = make_model()
    Xs = np.asfortranarray(np.repeat(X, 2, axis=0)[::2])
    h = m.fit(Xs, Y.tolist(), loss="mse", optimizer=nnc.SGD(0.1), epochs=3, record="step")
    np.testing.assert_array_equal(h.step_loss, h_ref.step_loss)


def test_one_dimensional_x_and_y_for_single_io():
    model = nnc.Sequential([nnc.Dense(1, 1)])
    h = model.fit([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], loss="mse", optimizer=nnc.SGD(0.05),
                  epochs=500)
    assert h.loss[-1] < 1e-4
    assert model.predict([4.0]).shape == (1, 1)


def test_serrano_m1_square_trick_replays_the_books_picks():
    import random

    random.seed(0)
    slope, intercept = random.random(), random.random()
    picks = [random.randint(0, 5) for _ in range(1000)]
    model = nnc.Sequential([nnc.Dense(1, 1, weight=[[slope]], bias_init=intercept)])
    hist = model.fit([1, 2, 3, 5, 6, 7], [155, 197, 244, 356, 407, 448],
                     loss=nnc.losses.MSE("sum", half=True), optimizer=nnc.SGD(0.01), order=picks)
    assert hist.steps == 1000 and hist.epochs == 1
    assert model.layers[0].weight[0, 0] == pytest.approx(51.04430678220095, rel=1e-12)
    assert model.layers[0].bias[0] == pytest.approx(91.59448307644864, rel=1e-12)


def test_serrano_m2_perceptron_step():
    model = nnc.Sequential([nnc.Dense(2, 1, weight=[[1.0], [2.0]], bias_init=-4.0)])
    model.fit([[2.0, 3.0]], [0], loss=nnc.losses.PerceptronLoss("sum"), optimizer=nnc.SGD(0.01),
              epochs=1)
    np.testing.assert_allclose(model.layers[0].weight[:, 0], [0.98, 1.97], rtol=1e-15)
    assert model.layers[0].bias[0] == pytest.approx(-4.01, rel=1e-15)


@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (3, 1), (1, 20), (20, 1)])
def test_narrow_dense_paths_equal_reference(shape):
    # one-input / one-output layers take direct loops instead of GEMM
    d_in, d_out = shape
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(37, d_in)), rng.normal(size=(37, d_out))
    for dtype, rtol in (("float64", RTOL), ("float32", 2e-5)):
        model = nnc.Sequential([nnc.Dense(d_in, d_out), nnc.Tanh(), nnc.Dense(d_out, 1),
                                nnc.Identity(), nnc.Dense(1, d_out)], seed=1, dtype=dtype)
        spec = describe(model)
        hist = model.fit(X, Y, loss="mse", optimizer=nnc.SGD(0.05), epochs=3, batch_size=8,
                         record="params")
        losses, traj = ref_fit(spec, X, Y, schedule(37, 3, 8), lr=0.05)
        np.testing.assert_allclose(hist.step_loss, losses, rtol=rtol)
        np.testing.assert_allclose(hist.params, traj, rtol=rtol, atol=rtol * 1e-3)


def test_loss_spellings_agree():
    X, Y = make_data()
    model = make_model()
    values = {model.evaluate(X, Y, spelling) for spelling in
              ("mse", nnc.losses.MSE, nnc.losses.MSE(), nnc.losses.MSE(reduction="mean"))}
    assert len(values) == 1
    assert model.evaluate(X, Y, nnc.losses.MSE("sum", half=True)) == pytest.approx(
        values.pop() * Y.size / 2, rel=1e-14)


# ---------------------------------------------------------------------------
# Regression (hardening review) 2. model.fit: absurd sizes failed with messages that named no argument.
#    Values that mean the same as a smaller one are now clamped; records that
#    cannot be allocated are refused naming epochs.

FX = np.random.default_rng(0).normal(size=(6, 2))
FY = FX @ np.array([1.0, -2.0]) + 0.5


def _model():
    return nnc.Sequential([nnc.Dense(2, 1)], seed=3)


def _fit(**kw):
    m = _model()
    h = m.fit(FX, FY, loss="mse", optimizer=nnc.SGD(0.05), **{"epochs": 4, **kw})
    return m, h


def test_fit_huge_batch_size_is_the_full_batch():
    m_ref, h_ref = _fit()  # batch_size=None: full batch
    for bs in (6, 7, 2 ** 62, 2 ** 70):
        m, h = _fit(batch_size=bs)
        np.testing.assert_array_equal(h.loss, h_ref.loss)
        np.testing.assert_array_equal(m.get_flat_params(), m_ref.get_flat_params())
        assert h.steps == 4


def test_fit_huge_batch_size_with_order_is_one_step_over_the_order():
    m_ref, h_ref = _fit(order=[0, 3, 3, 5], batch_size=4)
    m, h = _fit(order=[0, 3, 3, 5], batch_size=2 ** 70)
    np.testing.assert_array_equal(h.loss, h_ref.loss)
    np.testing.assert_array_equal(m.get_flat_params(), m_ref.get_flat_params())


def test_fit_huge_threads_counts_as_the_cap():
    m_ref, h_ref = _fit()
    m, h = _fit(threads=2 ** 40)
    np.testing.assert_array_equal(h.loss, h_ref.loss)
    np.testing.assert_array_equal(m.get_flat_params(), m_ref.get_flat_params())


@pytest.mark.parametrize("every,calls", [(2 ** 70, []), (5, []), (4, [4]), (2, [2, 4])])
def test_fit_huge_callback_every_never_fires(every, calls):
    seen = []
    _fit(callback=lambda e, h: seen.append(e), callback_every=every)
    assert seen == calls


@pytest.mark.parametrize("kw,exc,pattern", [
    ({"epochs": 2 ** 62}, ValueError,
     r"fit: epochs=4611686018427387904 needs a loss record of 4611686018427387904 values"),
    ({"epochs": 2 ** 70}, ValueError, r"fit: epochs=1180591620717411303424 is more than"),
    ({"epochs": 2 ** 62, "order": [0, 1], "record": "step"}, ValueError,
     r"fit: epochs=4611686018427387904 at 2 steps per epoch makes 9223372036854775808 steps"),
    ({"epochs": 2 ** 59}, MemoryError,  # 4 EiB: an address, but no machine has it
     r"fit: epochs=576460752303423488 needs a loss record of 576460752303423488 values, "
     r"more than the free memory holds"),
])
def test_fit_records_that_cannot_exist_name_epochs(kw, exc, pattern):
    m = _model()
    before = m.get_flat_params().copy()
    with pytest.raises(exc, match=pattern):
        m.fit(FX, FY, loss="mse", optimizer=nnc.SGD(0.05), **kw)
    np.testing.assert_array_equal(m.get_flat_params(), before)


@pytest.mark.parametrize("record,limit,pattern", [
    ("step", 5000, r"fit: epochs=1000 with record='step' needs a per-step loss record of 6000 "
             r"values \(6 steps per epoch\), more than the free memory holds"),
    ("params", 10000, r"fit: epochs=1000 with record='params' needs a parameter record of "
               r"6001 x 3 values, more than the free memory holds"),
])
def test_fit_step_and_param_records_that_cannot_be_allocated_name_epochs(monkeypatch, record,
                                                                         limit, pattern):
    # Make only the big record fail, as it would on a machine without the memory.
    real_zeros = np.zeros

    def zeros(shape, *a, **k):
        if np.prod(shape) > limit:
            raise MemoryError("Unable to allocate")
        return real_zeros(shape, *a, **k)

    monkeypatch.setattr(np, "zeros", zeros)
    with pytest.raises(MemoryError, match=pattern):
        _fit(epochs=1000, batch_size=1, record=record)
