"""fit's caches (the checked plan and the engine description, kept on the
model between fits): every kind of change to the model, the optimizer or the
arguments gives the result a model without caches gives, bit for bit."""
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
    for clone in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m), m.copy()):
        assert "_fit_memo" not in clone.__dict__
        assert "_description_memo" not in clone.__dict__
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
