"""fit's caches (the checked plan and the engine description, kept on the
model between fits, and the C plan that repeats a fit in one call): every
kind of change to the model, the optimizer, a buffer or the arguments gives
the result a model without caches gives, bit for bit."""
import copy
import pickle

import numpy as np
import pytest

import nnc

X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [0.1, 0.3]])
Y = np.array([[0.2], [0.9], [-0.4], [0.05]])


def make(dtype="float64", act=None):
    layers = [nnc.Dense(2, 3), act if act is not None else nnc.Tanh(), nnc.Dense(3, 1)]
    return nnc.Sequential(layers, seed=4, dtype=dtype)


def uncached(model, opt):
    """Deep copies: no caches (they are not copied), the same state."""
    m2, o2 = copy.deepcopy((model, opt))
    assert "_fit_memo" not in m2.__dict__ and "_description_memo" not in m2.__dict__
    return m2, o2


def check(model, opt, **kw):
    """One fit of `model` (through its caches) equals the same fit of an
    uncached copy: History, parameters and optimizer state."""
    kw = {"loss": "mse", "epochs": 5, **kw}
    ref_m, ref_o = uncached(model, opt)
    X_, Y_ = kw.pop("X", X), kw.pop("Y", Y)
    ref = ref_m.fit(X_, Y_, optimizer=ref_o, **kw)
    got = model.fit(X_, Y_, optimizer=opt, **kw)
    assert np.array_equal(got.loss, ref.loss)
    assert np.array_equal(model.get_flat_params(), ref_m.get_flat_params())
    assert opt.t == ref_o.t
    for name, states in opt.state.items():
        for s, arr in states.items():
            assert np.array_equal(arr, ref_o.state[name][s]), (name, s)
    return got


@pytest.mark.parametrize("opt_factory", [lambda: nnc.SGD(0.1), lambda: nnc.Momentum(0.05),
                                         lambda: nnc.Adam(0.02)])
def test_repeated_fits_hit_the_cache_and_equal_uncached_fits(opt_factory):
    m, opt = make(), opt_factory()
    check(m, opt)
    plan = m.__dict__["_fit_memo"][2]
    desc = m.__dict__["_description_memo"][1]
    for _ in range(3):
        check(m, opt)
    assert m.__dict__["_fit_memo"][2] is plan            # the plan was reused
    assert m.__dict__["_description_memo"][1] is desc    # and the description


def test_the_cache_is_dropped_by_each_kind_of_model_change():
    m, opt = make(), nnc.Momentum(0.05)
    check(m, opt)
    # values written in place are read live (no rebuild needed)
    m.set_flat_params(np.linspace(-0.5, 0.5, m.n_params))
    check(m, opt)
    m.layers[0].weight[...] = 0.25
    check(m, opt)
    # a new parameter array and a new gradient array in a layer's dicts
    desc = m.__dict__["_description_memo"][1]
    m.layers[2].params["weight"] = np.full((3, 1), 0.3)
    m.layers[2].grads["weight"] = np.zeros((3, 1))
    check(m, opt)
    assert m.__dict__["_description_memo"][1] is not desc
    # a layer added to the stack
    extra = nnc.Dense(1, 1)
    extra.build(1, gen=nnc.Generator(1))
    m.layers.append(extra)
    check(m, opt)
    # the whole layer list replaced
    m.layers = list(m.layers[:3])
    check(m, opt)


def same_fit(model, fresh, opt):
    """model (cached, changed) and fresh (built that way) from the same
    parameters, fitted alike (SGD: no state): bit-identical."""
    fresh.set_flat_params(model.get_flat_params())
    got = model.fit(X, Y, loss="mse", optimizer=opt, epochs=5)
    ref = fresh.fit(X, Y, loss="mse", optimizer=nnc.SGD(opt.lr), epochs=5)
    assert np.array_equal(got.loss, ref.loss)
    assert np.array_equal(model.get_flat_params(), fresh.get_flat_params())


def test_the_cache_is_dropped_by_an_activation_change():
    m, opt = make(act=nnc.LeakyReLU(0.1)), nnc.SGD(0.1)
    check(m, opt)
    m.layers[1].alpha = 0.5
    same_fit(m, make(act=nnc.LeakyReLU(0.5)), opt)


def test_a_dtype_change_in_place_is_seen():
    m, opt = make(), nnc.SGD(0.1)
    check(m, opt)
    m.dtype = np.dtype("float32")
    for layer in m.layers:
        layer.params = {k: v.astype(np.float32) for k, v in layer.params.items()}
        layer.grads = {k: v.astype(np.float32) for k, v in layer.grads.items()}
    same_fit(m, make("float32"), opt)
    assert m.layers[0].weight.dtype == np.float32


def test_the_cache_is_dropped_by_each_kind_of_optimizer_change():
    m, opt = make(), nnc.Adam(0.02)
    check(m, opt)
    opt.lr = 0.005                       # a setting
    check(m, opt)
    opt.reset()                          # the state
    check(m, opt)
    other = make()                       # the optimizer meets another model:
    other.fit(X, Y, loss="mse", optimizer=opt, epochs=2)
    ref_m = copy.deepcopy(m)             # back on this one it starts afresh
    ref = ref_m.fit(X, Y, loss="mse", optimizer=nnc.Adam(0.005), epochs=5)
    got = m.fit(X, Y, loss="mse", optimizer=opt, epochs=5)
    assert np.array_equal(got.loss, ref.loss) and opt.t == 5
    assert np.array_equal(m.get_flat_params(), ref_m.get_flat_params())
    opt.state["layers.0.weight"]["m"] = np.ones((2, 3))  # a state array replaced
    check(m, opt)
    # a setting the engine cannot use is refused, not run with the old value
    opt.lr = float("inf")
    with pytest.raises(ValueError):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=2)


def test_the_plan_follows_the_arguments():
    m, opt = make(), nnc.SGD(0.05)
    check(m, opt)
    check(m, opt, epochs=3)
    check(m, opt, batch_size=2)
    check(m, opt, batch_size=2, shuffle=True)
    check(m, opt, l2=0.01)
    check(m, opt, l2=-0.0)                # -0.0 is not the cached 0.0
    check(m, opt, l1=0.0)
    check(m, opt, record="params")
    check(m, opt, X=X[:3], Y=Y[:3])       # fewer rows: another schedule
    check(m, opt, X=X.astype(np.float32), Y=Y.ravel())
    check(m, opt, loss="mae")
    check(m, opt, sum_order="data", mean="reciprocal")
    seen = []
    check(m, opt, callback=lambda e, h: seen.append(e))
    assert seen == [1, 2, 3, 4, 5] * 2


def test_equal_values_of_another_type_are_checked_again():
    m, opt = make(), nnc.SGD(0.05)
    m.fit(X, Y, loss="mse", optimizer=opt, epochs=2)
    with pytest.raises(TypeError, match="epochs must be an int"):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=2.0)
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=2, shuffle=0)
    with pytest.raises(ValueError, match="X has 3 columns"):
        m.fit(np.ones((4, 3)), Y, loss="mse", optimizer=opt, epochs=2)
    with pytest.raises(ValueError, match="y has shape"):
        m.fit(X, Y[:2], loss="mse", optimizer=opt, epochs=2)


def test_a_read_only_parameter_is_refused_after_caching():
    m, opt = make(), nnc.SGD(0.05)
    m.fit(X, Y, loss="mse", optimizer=opt, epochs=2)
    before = m.get_flat_params()
    m.layers[0].weight.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=2)
    assert np.array_equal(m.get_flat_params(), before)
    m.layers[0].weight.flags.writeable = True
    check(m, opt)


def test_copies_and_pickles_carry_no_cache():
    m, opt = make(), nnc.Momentum(0.05)
    check(m, opt)
    check(m, opt)
    assert "_fit_fast" in m.__dict__
    for clone in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m), m.copy()):
        assert "_fit_memo" not in clone.__dict__
        assert "_description_memo" not in clone.__dict__
        assert "_fit_fast" not in clone.__dict__
    m2, o2 = pickle.loads(pickle.dumps((m, opt)))
    check(m2, o2)
    check(m, opt)
    assert np.array_equal(m.get_flat_params(), m2.get_flat_params())


def test_an_optimizer_by_name_is_new_every_fit():
    # a name makes a new optimizer (fresh state) per fit: never cached
    m = make()
    m.fit(X, Y, loss="mse", optimizer="momentum", epochs=3)
    assert "_fit_memo" not in m.__dict__
    ref = make()
    ref.set_flat_params(m.get_flat_params())
    a = m.fit(X, Y, loss="mse", optimizer="momentum", epochs=3)
    b = ref.fit(X, Y, loss="mse", optimizer=nnc.Momentum(), epochs=3)
    assert np.array_equal(a.loss, b.loss)


# ------------------------------------------------ the C plan (_core._FitPlan)
# From the second fit with the same settings on, a fit without callback,
# progress display or order is one call of the C plan kept in
# model.__dict__["_fit_fast"].

def fast(model):
    return model.__dict__.get("_fit_fast")


def test_the_c_plan_is_made_on_reuse_and_kept():
    m, opt = make(), nnc.SGD(0.05)
    check(m, opt)
    assert fast(m) is None                  # one fit: no plan yet (a fresh model pays nothing)
    check(m, opt)
    plan = fast(m)
    assert isinstance(plan, nnc._core._FitPlan)
    for _ in range(3):
        check(m, opt)
    assert fast(m) is plan
    check(m, opt, epochs=3)                 # another setting: the full path, plan dropped
    assert fast(m) is None


@pytest.mark.parametrize("record", ["epoch", "step", "params"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_c_plan_gives_the_full_paths_history(record, dtype):
    """Every attribute of the History (values, dtypes, types) as the full path
    gives it, for each record kind."""
    m, opt = make(dtype), nnc.Adam(0.01)
    for _ in range(3):
        got = check(m, opt, record=record)
    assert fast(m) is not None
    ref_m, ref_o = uncached(m, opt)
    ref = ref_m.fit(X, Y, loss="mse", optimizer=ref_o, epochs=5, record=record)
    got = m.fit(X, Y, loss="mse", optimizer=opt, epochs=5, record=record)
    assert type(got) is nnc.History and set(vars(got)) == set(vars(ref))
    for key, want in vars(ref).items():
        value = vars(got)[key]
        assert type(value) is type(want), key
        if isinstance(want, np.ndarray):
            assert value.dtype == want.dtype and np.array_equal(value, want), key
        else:
            assert value == want, key
    assert got.param_names == ref.param_names and repr(got) == repr(ref)
    if record == "params":
        assert np.array_equal(got.param("layers.0.weight"), ref.param("layers.0.weight"))
        assert np.array_equal(got.params[-1], m.get_flat_params())


def test_the_c_plan_converts_lists_and_1d_targets_as_the_full_path():
    m, opt = make(), nnc.SGD(0.05)
    for _ in range(3):
        check(m, opt, X=X.tolist(), Y=Y.ravel().tolist())
    assert fast(m) is not None
    check(m, opt, X=X.astype(np.float32), Y=Y.ravel())
    check(m, opt, X=np.asfortranarray(X), Y=Y)
    with pytest.raises(ValueError, match="y has shape"):
        m.fit(X, Y[:2], loss="mse", optimizer=opt, epochs=5)
    with pytest.raises(ValueError, match="X has 3 columns"):
        m.fit(np.ones((4, 3)), Y, loss="mse", optimizer=opt, epochs=5)
    check(m, opt, X=X[:3], Y=Y[:3])          # fewer rows: the full path again


def test_the_c_plan_rechecks_every_buffer():
    m, opt = make(), nnc.Momentum(0.05)
    for _ in range(3):
        check(m, opt)
    assert fast(m) is not None
    before = m.get_flat_params()
    m.layers[0].weight.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=5)
    assert np.array_equal(m.get_flat_params(), before)
    m.layers[0].weight.flags.writeable = True
    for _ in range(3):
        check(m, opt)
    state = opt.state["layers.2.weight"]["velocity"]
    state.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=5)
    state.flags.writeable = True
    for _ in range(3):
        check(m, opt)
    opt._t.flags.writeable = False            # the step counter
    with pytest.raises(ValueError, match="read-only"):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=5)
    opt._t.flags.writeable = True
    check(m, opt)


def test_the_c_plan_sees_an_array_resized_in_place():
    m, opt = make(), nnc.SGD(0.05)
    for _ in range(3):
        check(m, opt)
    w = m.layers[2].grads["weight"]
    w.resize((2, 1), refcheck=False)          # fewer values, perhaps the same memory
    with pytest.raises(ValueError):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=5)


def test_the_c_plan_sees_a_shared_buffer():
    """The engine's own checks (a gradient array that is also a parameter)
    still run on every cached call."""
    m, opt = make(), nnc.SGD(0.05)
    for _ in range(3):
        check(m, opt)
    layer = m.layers[0]
    for _ in range(2):
        with pytest.raises(ValueError, match="shares memory"):
            layer.grads["weight"] = layer.params["weight"]
            m.fit(X, Y, loss="mse", optimizer=opt, epochs=5)


def test_divergence_raised_by_the_c_plan():
    """A run through the plan that diverges: the full path's error and History."""
    m = make()
    start = m.get_flat_params()
    opt = nnc.SGD(0.05)
    kw = dict(loss="mse", optimizer=opt, epochs=4, record="step", divergence=1e6)
    Xd = X.copy()
    for _ in range(3):
        m.set_flat_params(start)
        m.fit(Xd, Y, **kw)
    assert fast(m) is not None
    Xd[1, 0] = np.inf                         # values are read live: same plan, NaN loss
    m.set_flat_params(start)
    with pytest.raises(nnc.DivergenceError) as got:
        m.fit(Xd, Y, **kw)
    assert fast(m) is not None                # it ran through the plan
    ref = make()
    ref.set_flat_params(start)
    with pytest.raises(nnc.DivergenceError) as want:
        ref.fit(Xd, Y, loss="mse", optimizer=nnc.SGD(0.05), epochs=4, record="step")
    assert str(got.value) == str(want.value) and got.value.reason == "nonfinite"
    assert got.value.history.status == "diverged"
    assert np.array_equal(got.value.history.step_loss, want.value.history.step_loss)


def test_ctrl_c_stops_a_run_of_the_c_plan():
    """KeyboardInterrupt within the run (the GIL released, the signal seen by
    the engine's hook) with .history of the completed steps."""
    import _thread
    import threading

    rng = np.random.default_rng(0)
    Xl, Yl = rng.normal(size=(1000, 2)), rng.normal(size=(1000, 1))
    m, opt = make(), nnc.SGD(1e-4)
    kw = dict(loss="mse", optimizer=opt, epochs=400, batch_size=1)
    for _ in range(2):
        m.fit(Xl, Yl, **kw)
    plan = fast(m)
    assert plan is not None
    timer = threading.Timer(0.05, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt) as info:
            m.fit(Xl, Yl, **kw)
    finally:
        timer.cancel()
    h = info.value.history
    assert h.status == "interrupted" and 0 < h.steps < 400 * 1000
    assert h.epochs == h.steps // 1000 and len(h.loss) == h.epochs
    assert fast(m) is plan                    # still valid: the next fit uses it
    assert not m._lock.in_fit
    m.fit(Xl[:10], Yl[:10], loss="mse", optimizer=opt, epochs=1)


def test_the_c_plan_is_freed_with_its_model():
    """The plan refers to the model's dict (a cycle): the collector frees both."""
    import gc
    import weakref

    m, opt = make(), nnc.SGD(0.05)
    for _ in range(3):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=2)
    assert fast(m) is not None
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None


JUNK = [None, 0, -1, 2 ** 70, 1.5, float("nan"), "x", (), [], {}, np.zeros(3), object()]


def test_the_c_plan_refuses_junk_arguments():
    """_core._FitPlan is reachable by anyone: each constructor argument
    replaced by junk, and fit called with junk, raise -- never crash."""
    m, opt = make(), nnc.SGD(0.05)
    for _ in range(2):
        m.fit(X, Y, loss="mse", optimizer=opt, epochs=2)
    plan = fast(m)
    info = plan.info
    from nnc.model import History, _fast_fields

    desc = m._fit_description(opt)
    settings = ("mse", opt, 2, None, False, None, 0.0, 0.0, "epoch", 1e6, None, None, False, 1,
                False, "fixed", "divide", "nnc")
    good = (settings, m._watch(opt), *_fast_fields(info, desc), 0, 4, 1, History, desc[4], info,
            None, 0)
    made = nnc._core._FitPlan(*good)
    assert isinstance(made.fit(settings, X, Y), History)
    for pos in range(len(good)):
        for junk in JUNK:
            args = list(good)
            args[pos] = junk
            try:
                p = nnc._core._FitPlan(*args)
            except (TypeError, ValueError, OverflowError, KeyError):
                continue
            p.fit(settings, X, Y)  # whatever was accepted runs or is refused cleanly
    with pytest.raises(TypeError):
        nnc._core._FitPlan(*good[:-1])
    with pytest.raises(TypeError):
        made.__init__(*good)                  # no second initialisation
    for junk in JUNK:
        assert made.fit(junk, X, Y) is None
        r = made.fit(settings, junk, Y)
        assert r is NotImplemented or r is None
        assert made.fit(settings, X, junk) is NotImplemented
    with pytest.raises(TypeError):
        made.fit(settings, X)
    empty = nnc._core._FitPlan.__new__(nnc._core._FitPlan)
    assert empty.fit(settings, X, Y) is None  # never initialised: not a plan


def test_the_c_plan_with_converted_targets_stays():
    """Class indices for cross_entropy are converted on every call (the loss's
    own prepare_targets), then run by the same plan."""
    m = nnc.Sequential([nnc.Dense(2, 3)], seed=2)
    opt = nnc.Momentum(0.1)
    labels = np.array([0, 2, 1, 2])
    for _ in range(2):
        check(m, opt, loss="cross_entropy", Y=labels)
    plan = fast(m)
    assert plan is not None
    for _ in range(3):
        check(m, opt, loss="cross_entropy", Y=labels)
    assert fast(m) is plan


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_fits_through_the_c_plan_equal_uncached_fits(drop_last):
    """shuffle=True: the plan copies the generator's state in and out (under
    its lock), so the permutations, the losses and the generator's state
    after each fit are those of the full path."""
    Xs = np.vstack([X, X * 0.5, -X])
    Ys = np.vstack([Y, Y * 0.5, -Y])
    m, opt = make(), nnc.Adam(0.01)
    ref_m, ref_o = uncached(m, opt)
    kw = dict(loss="mse", epochs=3, batch_size=5, shuffle=True, drop_last=drop_last,
              record="step")
    for i in range(5):
        got = m.fit(Xs, Ys, optimizer=opt, **kw)
        if i == 2:
            plan = fast(m)
            assert plan is not None
        ref = ref_m.fit(Xs, Ys, optimizer=ref_o, **kw)
        ref_m.__dict__.pop("_fit_fast", None)    # the reference never uses a C plan
        ref_m.__dict__.pop("_fit_memo", None)
        assert np.array_equal(got.step_loss, ref.step_loss)
        assert np.array_equal(m.get_flat_params(), ref_m.get_flat_params())
        assert m.generator.state == ref_m.generator.state
    assert fast(m) is plan
    m.generator = nnc.Generator(3)            # a new generator: the plan is dropped
    ref_m.generator = nnc.Generator(3)
    assert np.array_equal(m.fit(Xs, Ys, optimizer=opt, **kw).step_loss,
                          ref_m.fit(Xs, Ys, optimizer=ref_o, **kw).step_loss)
