"""Finding 5 and the KeyboardInterrupt half of finding 10: Ctrl-C inside
long work, and inside argument conversions.

No test here measures time (tools/interrupt_latency.py does): each checks
what an interrupt leaves behind."""
import numpy as np
import pytest

import nnc

from ._child import run

# Sends SIGINT to this process's main thread `delay` seconds from now (as
# Ctrl-C reaches it); returns the timer.  Aimed at the main thread so that it
# wakes at once even while worker threads exist (a process-directed signal
# may be taken by another thread, leaving the main thread to notice it only
# at its next check -- possibly after the trial that was meant to see it).
KILL = """
def kill_after(delay):
    t = threading.Timer(delay, signal.pthread_kill,
                        (threading.main_thread().ident, signal.SIGINT))
    t.start()
    return t

def expect_interrupt(call, delay=0.05):
    # call() interrupted `delay` s in; returns the KeyboardInterrupt.  The
    # timer starts inside the try: it may fire before Timer.start() returns.
    t = None
    try:
        t = kill_after(delay)
        call()
    except KeyboardInterrupt as exc:
        return exc
    finally:
        if t is not None:
            t.join()
    raise AssertionError("no KeyboardInterrupt")
"""


@pytest.mark.long
@pytest.mark.parametrize("batch_size,opt", [(None, "SGD"), (None, "Adam"), (4096, "Nesterov")])
def test_interrupt_inside_a_long_step_abandons_it(batch_size, opt):
    # One step of several seconds (3 x 512-wide layers on 8192 rows); the
    # SIGINT comes 50 ms in.  The engine used to check only between steps
    # (and never during the starting-loss pass of a mini-batch run), so the
    # step completed first.  Now the step is abandoned: no step counted, the
    # parameters and the optimizer state as they were.
    run(setup=KILL, code=f"""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8192, 512)).astype(np.float32)
    y = rng.normal(size=(8192, 1)).astype(np.float32)
    m = nnc.Sequential([nnc.Dense(512, 512), nnc.ReLU(), nnc.Dense(512, 512), nnc.Tanh(),
                        nnc.Dense(512, 512), nnc.ReLU(), nnc.Dense(512, 1)], dtype="float32")
    opt = nnc.{opt}()
    before = m.get_flat_params()
    exc = expect_interrupt(lambda: m.fit(X, y, loss="mse", optimizer=opt, epochs=1,
                                         batch_size={batch_size!r}, divergence=1e6))
    assert exc.history.steps == 0 and exc.history.status == "interrupted", exc.history
    assert np.array_equal(m.get_flat_params(), before)
    assert opt.t == 0
    for st in opt.state.values():
        for v in st.values():
            assert not np.any(v)
    """, timeout=300)


@pytest.mark.long
def test_interrupt_inside_a_big_matmul_stops_it():
    # A 4000^3 product (several seconds) interrupted 50 ms in: the kernel
    # stops between blocks of rows, so part of out is never written.
    run(setup=KILL, code="""
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4000, 4000)); a0 = a.copy()
    out = np.full((4000, 4000), np.nan)
    expect_interrupt(lambda: nnc.matmul(a, a, out=out, threads=1))
    assert np.isnan(out).any(), "the product ran to the end"
    assert np.array_equal(a, a0)
    """, timeout=300)


@pytest.mark.long
def test_interrupt_inside_compute_gradients_on_a_large_input():
    # evaluate/predict/compute_gradients on large inputs poll too: the pass
    # stops in the forward part, before any gradient is written (the
    # gradient arrays are pre-filled with NaN to see that), and the
    # parameters are untouched.
    run(setup=KILL, code="""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8192, 512)).astype(np.float32)
    y = rng.normal(size=(8192, 1)).astype(np.float32)
    m = nnc.Sequential([nnc.Dense(512, 512), nnc.ReLU(), nnc.Dense(512, 512), nnc.Tanh(),
                        nnc.Dense(512, 512), nnc.ReLU(), nnc.Dense(512, 512), nnc.Tanh(),
                        nnc.Dense(512, 1)], dtype="float32")
    for _, g in m.named_grads():
        g[...] = np.nan
    w0 = m.get_flat_params()
    expect_interrupt(lambda: m.compute_gradients(X, y, "mse"))
    assert np.isnan(m.named_grads()[0][1]).all(), "the backward pass ran"
    assert np.array_equal(m.get_flat_params(), w0)
    expect_interrupt(lambda: m.predict(np.concatenate([X] * 4)))
    """, timeout=300)


@pytest.mark.long
@pytest.mark.slow  # 110+ random SIGINTs: out of the quick run (pytest -m "not slow")
def test_many_random_interrupts_leave_a_replay_of_completed_steps():
    # 100+ SIGINTs at random moments in fit (mini-batch, shuffled, full batch
    # with GEMM-sized steps; SGD, Nesterov, Adam), loss_surface and matmul.
    # After each: the model equals the reference run's parameters after
    # exactly the steps the History reports (Adam's t too); loss_surface
    # leaves the parameters untouched; matmul leaves its inputs untouched
    # and a completed product is right.
    out = run(setup=KILL, code="""
    rng = np.random.default_rng(3)
    # Under the sanitizers (tools/sanitize.sh) everything runs several times
    # slower: smaller data, the same number of signals.
    san = os.environ.get("NNC_UNDER_SANITIZER") == "1"
    Xs = rng.normal(size=(500 if san else 2000, 32)); ys = np.tanh(Xs[:, :3].sum(axis=1))
    Xb = rng.normal(size=(800 if san else 3000, 256)); yb = Xb[:, 0] - Xb[:, 1]
    def progress(*a):
        print(*a, file=sys.stderr, flush=True)
    small = lambda: nnc.Sequential([nnc.Dense(32, 64), nnc.Tanh(), nnc.Dense(64, 1)], seed=1)
    big = lambda: nnc.Sequential([nnc.Dense(256, 256), nnc.ReLU(), nnc.Dense(256, 1)], seed=2)
    configs = [
        (small, Xs, ys, nnc.SGD, dict(epochs=25, batch_size=32)),
        (small, Xs, ys, nnc.Nesterov, dict(epochs=25, batch_size=64, shuffle=True)),
        (small, Xs, ys, nnc.Adam, dict(epochs=25, batch_size=50)),
        (big, Xb, yb, nnc.Adam, dict(epochs=3)),
        (big, Xb, yb, nnc.SGD, dict(epochs=2, batch_size=1500)),
    ]

    def trial(call, delay):
        # -> (result or None, exception or None); the signal always consumed
        # The timer may fire before Timer.start() returns (a delay near 0):
        # start it inside the try so that early signal is caught here too.
        res = exc = t = None
        try:
            try:
                t = kill_after(delay)
                res = call()
            finally:
                if t is not None:
                    t.join()
            time.sleep(0.002)
        except KeyboardInterrupt as e:
            exc = e
        return res, exc

    n_signals = 0
    mids = 0
    for make, X, y, Opt, kw in configs:
        ref_model = make()
        t0 = time.perf_counter()
        ref = ref_model.fit(X, y, loss="mse", optimizer=Opt(0.01), record="params", **kw)
        dur = time.perf_counter() - t0
        total = ref.steps
        trials = 8 if make is big else 20
        progress(Opt.__name__, kw, "reference run", round(dur, 3), "s")
        for _ in range(trials):
            m = make(); opt = Opt(0.01)
            res, exc = trial(lambda: m.fit(X, y, loss="mse", optimizer=opt, **kw),
                             float(rng.uniform(0.0, 1.1 * dur)))
            n_signals += 1
            w = m.get_flat_params()
            if res is not None:
                s = res.steps
            elif getattr(exc, "history", None) is not None:
                s = exc.history.steps
                mids += 0 < s < total
            else:  # interrupted in fit's own Python code, before or after the run
                s = 0 if np.array_equal(w, ref.params[0]) else total
            assert np.array_equal(w, ref.params[s]), (Opt.__name__, s, total)
            assert opt.t == s, (opt.t, s)
    # loss_surface: never leaves a moved parameter behind
    m = small()
    w0 = m.get_flat_params()
    grid = (np.linspace(-2, 2, 12), np.linspace(-2, 2, 12))
    spec = (("layers.0.weight", (0, 0)), ("layers.2.bias", (0,)))
    t0 = time.perf_counter()
    Z = nnc.loss_surface(m, Xs, ys, "mse", spec, grid)
    dur = time.perf_counter() - t0
    for _ in range(20):
        res, exc = trial(lambda: nnc.loss_surface(m, Xs, ys, "mse", spec, grid),
                         float(rng.uniform(0.0, 1.1 * dur)))
        n_signals += 1
        assert np.array_equal(m.get_flat_params(), w0)
        if res is not None:
            assert np.array_equal(res, Z)
    # matmul
    progress("loss_surface done")
    a = rng.normal(size=(400, 400) if san else (800, 800)); a0 = a.copy()
    t0 = time.perf_counter()
    P = nnc.matmul(a, a, threads=1)
    dur = time.perf_counter() - t0
    for _ in range(20):
        res, exc = trial(lambda: nnc.matmul(a, a, threads=1), float(rng.uniform(0.0, 1.1 * dur)))
        n_signals += 1
        assert np.array_equal(a, a0)
        if res is not None:
            assert np.array_equal(res, P)
    assert n_signals >= 100
    print("signals", n_signals, "mid-run", mids)
    """, timeout=600)
    assert "signals" in out


class _Raises:
    """__array__ / __float__ raise `exc`."""

    def __init__(self, exc):
        self.exc = exc

    def __array__(self, *args, **kwargs):
        raise self.exc

    def __float__(self):
        raise self.exc


@pytest.mark.parametrize("exc", [KeyboardInterrupt, MemoryError])
def test_interrupt_inside_an_argument_conversion_propagates_as_itself(exc):
    # Finding 10: a KeyboardInterrupt (or MemoryError) raised inside
    # __array__ / __float__ came out as a TypeError, so Ctrl-C was swallowed.
    import nnc.functional as F

    bad = _Raises(exc)
    x = np.ones((3, 3))
    calls = [
        lambda: nnc.matmul(bad, x),
        lambda: nnc.gemv(x, bad),
        lambda: nnc.add(bad, x),
        lambda: nnc.axpy(bad, x, x.copy()),
        lambda: nnc.scale(x, bad),
        lambda: F.relu(bad),
        lambda: F.sgd_step(x.copy(), x, bad),
        lambda: F.cross_entropy(x, bad),
        lambda: F.mse(bad, x),
    ]
    for i, call in enumerate(calls):
        with pytest.raises(exc):
            call()


def test_a_type_error_inside_a_conversion_still_names_the_argument():
    with pytest.raises(TypeError, match="matmul: a"):
        nnc.matmul(_Raises(TypeError("nope")), np.ones((2, 2)))
