"""Findings 2 and 6: a second thread that mutates, reads or fits while a long
call runs."""
import pytest

from ._child import run


@pytest.mark.long
def test_thread_rewriting_class_targets_during_cross_entropy():
    # Finding 2: the int targets were validated, then read again with the GIL
    # released; a thread rewriting them in that window crashed the process.
    run("""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400000, 4))
    good = rng.integers(0, 4, size=400000)
    t = good.copy()
    ref = F.cross_entropy(z, good)
    ref_g = F.cross_entropy_backward(z, good)
    stop = [False]
    def flip():
        while not stop[0]:
            t[:] = 1 << 40
            t[:] = good
    th = threading.Thread(target=flip); th.start()
    ok = refused = 0
    try:
        for i in range(30):
            try:
                if i % 2:
                    g = F.cross_entropy_backward(z, t)
                    assert np.array_equal(g, ref_g)
                else:
                    assert F.cross_entropy(z, t) == ref
                ok += 1
            except ValueError as exc:
                assert "target" in str(exc), exc
                refused += 1
    finally:
        stop[0] = True; th.join()
    print("ok", ok, "refused", refused)
    """)


@pytest.mark.long
def test_compute_gradients_in_another_thread_does_not_tear_fit():
    # Finding 6: compute_gradients overwrote the gradient buffers a running
    # fit was using.  Now it waits for the fit (one model, one lock).
    run("""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(256, 8)); y = np.sin(X.sum(axis=1))
    X2 = rng.normal(size=(2000, 8)) * 50; y2 = rng.normal(size=2000) * 1e3
    make = lambda: nnc.Sequential([nnc.Dense(8, 16), nnc.Tanh(), nnc.Dense(16, 1)], seed=4)
    ref = make()
    kw = dict(loss="mse", epochs=150, batch_size=4)
    ref.fit(X, y, optimizer=nnc.Momentum(0.01), **kw)
    m = make()
    stop = [False]; calls = [0]
    def spam():
        while not stop[0]:
            m.compute_gradients(X2, y2, "mse"); m.zero_grad(); m.predict(X2)
            calls[0] += 1
    th = threading.Thread(target=spam); th.start()
    time.sleep(0.01)
    try:
        m.fit(X, y, optimizer=nnc.Momentum(0.01), **kw)
    finally:
        stop[0] = True; th.join()
    assert calls[0] > 0
    assert np.array_equal(m.get_flat_params(), ref.get_flat_params())
    """)


def test_optimizer_step_in_another_thread_waits_for_fit():
    # opt.step(model) from another thread, started while a fit runs: it waits
    # for the fit (the model's lock), so the fit is the run a lone fit makes
    # and the step lands after it.
    run("""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(128, 4)); y = X[:, 0] - X[:, 1]
    make = lambda: nnc.Sequential([nnc.Dense(4, 8), nnc.Tanh(), nnc.Dense(8, 1)], seed=5)
    kw = dict(loss="mse", epochs=40, batch_size=8)
    ref = make()
    ref.fit(X, y, optimizer=nnc.SGD(0.01), **kw)
    m = make()
    m.compute_gradients(X, y, "mse")
    g0 = [g.copy() for _, g in m.named_grads()]
    done = []
    other = nnc.SGD(0.5)
    def step():
        other.step(m); done.append(True)
    th, fitted = [], []
    def callback(epoch, hist):
        if epoch == 1:
            th.append(threading.Thread(target=step)); th[0].start()
        time.sleep(0.002)
        assert not done, "opt.step ran while fit held the model"
        if epoch == kw["epochs"]:  # the last completed step, still under fit's lock
            fitted.append(m.get_flat_params())
    m.fit(X, y, optimizer=nnc.SGD(0.01), callback=callback, **kw)
    th[0].join()
    assert done
    assert np.array_equal(fitted[0], ref.get_flat_params())
    assert not np.array_equal(m.get_flat_params(), fitted[0])  # the step came after
    """)


@pytest.mark.long
def test_loss_surface_never_shows_moved_parameters_to_other_threads():
    # Finding 6: predict in another thread saw the two parameters that
    # loss_surface moves across its grid.
    run("""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 16)); y = X[:, 0] - X[:, 1]
    m = nnc.Sequential([nnc.Dense(16, 32), nnc.ReLU(), nnc.Dense(32, 1)], seed=1)
    base_p = m.predict(X[:50]); base_w = m.get_flat_params()
    w_view = m.layers[0].weight
    stop = [False]; bad = []; reads = [0]
    def watch():
        while not stop[0]:
            if not np.array_equal(m.predict(X[:50]), base_p):
                bad.append("predict")
            if w_view[0, 0] != base_w[0] or not np.array_equal(m.get_flat_params(), base_w):
                bad.append("weights")
            reads[0] += 1
    th = threading.Thread(target=watch); th.start()
    try:
        for _ in range(3):
            Z = nnc.loss_surface(m, X, y, "mse", (("layers.0.weight", (0, 0)), "layers.2.bias"),
                                 (np.linspace(-5, 5, 25), np.linspace(-5, 5, 25)))
            assert Z.shape == (25, 25) and np.isfinite(Z).all()
    finally:
        stop[0] = True; th.join()
    assert reads[0] > 0 and not bad, (reads, bad[:5])
    assert np.array_equal(m.get_flat_params(), base_w)
    """)


@pytest.mark.long
def test_threads_that_fit_save_and_mutate_during_fit(tmp_path):
    # Two fits of one model from two threads run one after the other; a save
    # from a third thread sees a step boundary; a thread scribbling over X
    # changes numbers, never memory safety.
    run(f"""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 4)); y = X @ np.array([1.0, 2.0, -1.0, 0.5])
    make = lambda: nnc.Sequential([nnc.Dense(4, 8), nnc.Tanh(), nnc.Dense(8, 1)], seed=2)
    ref = make()
    kw = dict(loss="mse", epochs=40, batch_size=8)
    ref.fit(X, y, optimizer=nnc.SGD(0.01), **kw); ref.fit(X, y, optimizer=nnc.SGD(0.01), **kw)
    m = make()
    errors = []
    def fit_once():
        try:
            m.fit(X, y, optimizer=nnc.SGD(0.01), **kw)
        except BaseException as exc:
            errors.append(exc)
    ts = [threading.Thread(target=fit_once) for _ in range(2)]
    saved = {str(tmp_path / 's.npz')!r}
    saver = threading.Thread(target=lambda: m.save(saved))
    for t in ts: t.start()
    saver.start()
    for t in ts: t.join()
    saver.join()
    assert not errors, errors
    assert np.array_equal(m.get_flat_params(), ref.get_flat_params())
    loaded = nnc.load(saved).get_flat_params()
    assert np.isfinite(loaded).all()
    # scribbling over the data during a fit
    Xs = X.copy(); stop = [False]
    def scribble():
        while not stop[0]:
            Xs[:] = rng.normal(size=Xs.shape)
    th = threading.Thread(target=scribble); th.start()
    try:
        m2 = make()
        m2.fit(Xs, y, loss="mse", optimizer=nnc.Adam(0.01), epochs=50, batch_size=4)
    finally:
        stop[0] = True; th.join()
    assert np.isfinite(m2.get_flat_params()).all()
    """)
