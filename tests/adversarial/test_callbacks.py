"""Findings 1, 3 and 10 (callback return value): callbacks that mutate fit's
arguments and call every method of the model being fitted."""
import pytest

from ._child import run


def test_callback_rewriting_order_cannot_make_fit_read_out_of_bounds():
    # Finding 1: the int64 order array was kept and re-read at every step;
    # a callback writing 1 << 40 into it crashed the process, len(X) + 3
    # trained on bytes past the end of X.
    run("""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)); y = X @ np.array([1.0, -2.0, 0.5])
    order = np.arange(50, dtype=np.int64)[::-1].copy()
    make = lambda: nnc.Sequential([nnc.Dense(3, 1)], seed=1)
    ref = make()
    ref.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01), order=order.copy(), epochs=4)
    m = make()
    def cb(epoch, history):
        order[-1] = 1 << 40
        order[:10] = len(X) + 3
        X[:] = X  # a write that changes nothing
    h = m.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01), order=order, epochs=4, callback=cb)
    assert h.steps == 200
    assert np.array_equal(m.get_flat_params(), ref.get_flat_params())
    """)


def test_engine_binding_copies_order_before_validating_it():
    # The same through nnc._core directly: the binding owns its copy of order.
    run("""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2)); y = (X[:, :1] - X[:, 1:]).copy()
    def go(order, monitor):
        m = nnc.Sequential([nnc.Dense(2, 1)], seed=3)
        opt = nnc.SGD(0.05)
        layers, params = m._describe(opt)
        loss = nnc.losses.get("mse")
        E = 3
        epoch_loss = np.zeros(E); counters = np.zeros(3, np.int64)
        _core.engine_fit(dtype="float64", layers=layers, params=params, x=X, y=y,
                         loss=loss._params(), l1=0.0, l2=0.0, opt=opt._engine_tuple(), epochs=E,
                         batch_size=1, order=order, rng_state=None, divergence=0.0,
                         epoch_loss=epoch_loss, step_loss=None, param_record=None,
                         monitor=monitor, callback_every=1, ticks=False, threads=1,
                         counters=counters)
        return m.get_flat_params()
    order = np.arange(40, dtype=np.int64)
    ref = go(order.copy(), None)
    def evil(e, s, p, at_epoch):
        order[:] = 1 << 40
        return False
    assert np.array_equal(go(order, evil), ref)
    """)


def test_callback_may_use_the_generator_and_read_only_methods_during_shuffled_fit(tmp_path):
    # Finding 3: fit(shuffle=True) held the generator's lock for the whole
    # run; a callback reading model.generator.state (or printing it, or
    # drawing from it) hung forever.
    run(f"""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(64, 3)); y = X.sum(axis=1)
    m = nnc.Sequential([nnc.Dense(3, 4), nnc.Tanh(), nnc.Dense(4, 1)], seed=5)
    seen = []
    def cb(epoch, history):
        seen.append(m.generator.state)
        repr(m.generator)
        m.generator.uniform(3); m.generator.permutation(7)
        p = m.predict(X); v = m.evaluate(X, y, "mse")
        assert np.isfinite(p).all() and np.isfinite(v)
        m.get_flat_params(); m.copy(); m.save({str(tmp_path / 'cb.npz')!r})
        m.compute_gradients(X, y, "mse")  # overwrites grads between steps: harmless
        return False
    h = m.fit(X, y, loss="mse", optimizer=nnc.Adam(0.01), epochs=3, batch_size=8,
              shuffle=True, callback=cb)
    assert h.steps == 24 and len(seen) == 3
    # The callback's draws advance the stream the shuffle continues from:
    # two identical runs give identical results.
    m2 = nnc.Sequential([nnc.Dense(3, 4), nnc.Tanh(), nnc.Dense(4, 1)], seed=5)
    def cb2(epoch, history):
        m2.generator.uniform(3); m2.generator.permutation(7)
        m2.compute_gradients(X, y, "mse")
    m2.fit(X, y, loss="mse", optimizer=nnc.Adam(0.01), epochs=3, batch_size=8, shuffle=True,
           callback=cb2)
    assert np.array_equal(m.get_flat_params(), m2.get_flat_params())
    assert m.generator.state == m2.generator.state
    """, timeout=90)


def test_shuffled_fit_advances_the_generator_as_its_permutations():
    # The private copy of the state is handed back: the generator ends where
    # the fit's permutations left it, and the run equals the explicit order.
    run("""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2)); y = X[:, 0] * 2.0
    a = nnc.Sequential([nnc.Dense(2, 1)], seed=9)
    b = a.copy()
    a.fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), epochs=4, batch_size=5, shuffle=True)
    order = np.concatenate([b.generator.permutation(30) for _ in range(4)])
    b.fit(X, y, loss="mse", optimizer=nnc.SGD(0.05), order=order, batch_size=5)
    assert np.array_equal(a.get_flat_params(), b.get_flat_params())
    assert a.generator.state == b.generator.state
    """)


def test_nested_fit_of_the_same_model_raises_runtime_error():
    run("""
    X = np.linspace(-1, 1, 20).reshape(-1, 1); y = 3 * X
    m = nnc.Sequential([nnc.Dense(1, 1)])
    other = nnc.Sequential([nnc.Dense(1, 1)])
    before = m.get_flat_params()
    for shuffle in (False, True):
        def cb(epoch, history):
            other.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=2, shuffle=shuffle)
            m.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1, shuffle=shuffle)
        try:
            m.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=3, shuffle=shuffle,
                  callback=cb)
        except RuntimeError as exc:
            assert "already being trained" in str(exc), exc
            assert exc.history.steps == 1
        else:
            raise AssertionError("nested fit was not refused")
    # The model can be fitted again afterwards (the lock was released).
    m.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=1)
    """, timeout=60)


def test_callback_returning_a_non_bool_is_refused():
    run("""
    X = np.linspace(-1, 1, 20).reshape(-1, 1); y = 3 * X
    m = nnc.Sequential([nnc.Dense(1, 1)])
    for bad in (1, 0, "stop", [True]):
        try:
            m.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=3, callback=lambda e, h: bad)
        except TypeError as exc:
            assert "callback must return True" in str(exc) and repr(bad) in str(exc), exc
        else:
            raise AssertionError(f"callback returning {bad!r} was ignored")
    for ok, steps in ((None, 3), (False, 3), (True, 1), (np.True_, 1)):
        h = m.fit(X, y, loss="mse", optimizer=nnc.SGD(0.1), epochs=3, callback=lambda e, h: ok)
        assert h.steps == steps, (ok, h)
    """)
