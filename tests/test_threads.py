"""Threads: long kernels release the GIL; independent work from many threads
gives exactly the sequential results; shared objects serialise correctly.

GIL release is shown by counting, not by timing the kernel: while a worker
thread is inside one long call, the main thread appends timestamps in a tight
Python loop.  Holding the GIL would stop that loop for the whole call, so
the test counts the main thread's iterations that fall in the middle 80 % of
the call's window (the edges are excluded: a thread switch can hand the main
thread up to one switch interval, 5 ms, right as the call starts or ends).
"""
import sys
import threading
import time

import numpy as np
import pytest

import nnc
from nnc import functional as F
from nnc import init

MIN_CALL = 0.12      # seconds one measured call must last (its size is grown to reach it)
MIN_ITERATIONS = 500  # main-thread iterations expected inside the window


def _calibrate(make, start, limit):
    """The smallest size (doubling from start) at which one call of
    make(size) lasts MIN_CALL, with the callable; None past the limit."""
    size = start
    while size <= limit:
        fn = make(size)
        t = time.perf_counter()
        fn()
        if time.perf_counter() - t >= MIN_CALL:
            return size, fn
        size *= 2
    return None, None


def main_thread_progress(fn):
    """Runs fn in a worker thread; returns (main-thread iterations inside
    the middle of the call, call duration)."""
    window = {}

    def worker():
        window["t0"] = time.perf_counter()
        fn()
        window["t1"] = time.perf_counter()

    stamps = []
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        th = threading.Thread(target=worker)
        th.start()
        while th.is_alive():
            stamps.append(time.perf_counter())
        th.join()
    finally:
        sys.setswitchinterval(old)
    t0, t1 = window["t0"], window["t1"]
    lo, hi = t0 + 0.1 * (t1 - t0), t1 - 0.1 * (t1 - t0)
    inside = sum(1 for s in stamps if lo < s < hi)
    return inside, t1 - t0


def _fit_maker(epochs):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 16))
    y = np.tanh(X[:, :4])
    model = nnc.Sequential([nnc.Dense(16, 64), nnc.Tanh(), nnc.Dense(64, 4)], seed=0)
    return lambda: model.fit(X, y, loss="mse", optimizer=nnc.SGD(1e-3), epochs=epochs)


def _predict_maker(rows):
    X = np.random.default_rng(1).normal(size=(rows, 32))
    model = nnc.Sequential([nnc.Dense(32, 256), nnc.Tanh(), nnc.Dense(256, 32)], seed=0)
    return lambda: model.predict(X)


def _surface_maker(n):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(512, 8))
    y = X @ rng.normal(size=(8, 1))
    model = nnc.Sequential([nnc.Dense(8, 16), nnc.Sigmoid(), nnc.Dense(16, 1)], seed=0)
    grid = np.linspace(-1, 1, n)
    return lambda: nnc.loss_surface(model, X, y, "mse",
                                    (("layers.0.bias", 0), ("layers.2.bias", 0)), (grid, grid))


LONG_CALLS = {
    "matmul": (lambda n: (lambda a=np.ones((n, n)): nnc.matmul(a, a, threads=1)), 256, 4096),
    "F.tanh": (lambda n: (lambda x=np.linspace(-3, 3, n): F.tanh(x)), 1 << 20, 1 << 25),
    "F.softmax": (lambda n: (lambda x=np.ones((n, 64)): F.softmax(x)), 1 << 14, 1 << 19),
    "F.log_loss_backward": (lambda n: (lambda p=np.full(n, 0.3), t=np.ones(n):
                                       F.log_loss_backward(p, t)), 1 << 20, 1 << 25),
    "Generator.normal": (lambda n: (lambda g=nnc.Generator(0): g.normal(n)), 1 << 20, 1 << 25),
    "init.he_uniform": (lambda n: (lambda g=nnc.Generator(0):
                                   init.he_uniform((n, 64), gen=g)), 1 << 14, 1 << 19),
    "Sequential.fit": (_fit_maker, 16, 1 << 16),
    "Sequential.predict": (_predict_maker, 1 << 12, 1 << 18),
    "loss_surface": (_surface_maker, 8, 512),
}


@pytest.mark.parametrize("name", list(LONG_CALLS))
def test_long_calls_release_the_gil(name):
    make, start, limit = LONG_CALLS[name]
    size, fn = _calibrate(make, start, limit)
    if fn is None:
        pytest.skip(f"{name}: no size up to {limit} lasts {MIN_CALL} s on this machine")
    inside, took = main_thread_progress(fn)
    assert inside >= MIN_ITERATIONS, (
        f"{name} (size {size}, {took:.3f} s): the main thread ran only {inside} loop "
        f"iterations during the call -- the GIL was held")


def test_the_gil_probe_detects_a_held_gil():
    """The probe itself: one long C call that keeps the GIL (sorting a big
    Python list) leaves the main thread (next to) no iterations."""
    data = [(i * 7919) % 1_000_003 for i in range(2_000_000)]
    inside, took = main_thread_progress(lambda: sorted(data * 2))
    assert took > 0.1, f"the probe's call took only {took:.3f} s"
    assert inside < MIN_ITERATIONS, f"{inside} iterations while the GIL was held ({took:.3f} s)"


# ---------------------------------------------------------------------------
# independent work in threads == sequential


def _jobs():
    """Deterministic jobs on objects each job owns; each returns arrays."""
    rng = np.random.default_rng(5)
    a32 = rng.normal(size=(300, 200)).astype(np.float32)
    b64 = rng.normal(size=(200, 250))
    X = rng.normal(size=(64, 6))
    y = np.sin(X[:, :2])

    def fit(seed, dtype):
        m = nnc.Sequential([nnc.Dense(6, 12), nnc.ELU(), nnc.Dense(12, 2)], seed=seed,
                           dtype=dtype)
        h = m.fit(X, y, loss="huber", optimizer=nnc.Momentum(0.01), epochs=40, batch_size=16,
                  shuffle=True)
        return [h.loss, m.get_flat_params(), m.predict(X)]

    def draws(seed):
        g = nnc.Generator(seed)
        return [g.uniform(20000), g.normal(20001, dtype="float32"), g.permutation(5000),
                init.xavier_normal((100, 60), gen=g), g.integers(-9, 9, size=3000)]

    def kernels(seed):
        w = np.linspace(-1, 1, 50000) * seed
        m, v = np.zeros_like(w), np.zeros_like(w)
        F.adam_step(w, np.cos(w), m, v, 3)
        return [nnc.matmul(a32, a32, trans_b=True), nnc.matmul(b64, b64, trans_a=True),
                F.softmax(b64), F.cross_entropy_backward(b64, np.arange(200) % 250),
                np.array([F.mse(a32, a32 * seed)]), w, m, v]

    jobs = []
    for s in range(3):
        jobs.append((f"fit{s}", lambda s=s: fit(s, "float64")))
        jobs.append((f"fit32-{s}", lambda s=s: fit(s, "float32")))
        jobs.append((f"draws{s}", lambda s=s: draws(s)))
        jobs.append((f"kernels{s}", lambda s=s: kernels(s + 1)))
    return jobs


def test_many_threads_doing_independent_work_match_sequential():
    jobs = _jobs()
    want = {name: job() for name, job in jobs}
    got, errors = {}, []
    barrier = threading.Barrier(len(jobs))

    def run(name, job):
        try:
            barrier.wait()
            for _ in range(2):  # twice, so runs overlap in different phases
                got[name] = job()
        except Exception as exc:  # reported below
            errors.append((name, exc))

    threads = [threading.Thread(target=run, args=j) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for name, _ in jobs:
        assert len(got[name]) == len(want[name])
        for g, w in zip(got[name], want[name]):
            np.testing.assert_array_equal(g, w, err_msg=name)


# ---------------------------------------------------------------------------
# shared objects


def test_generator_documents_its_thread_safety():
    doc = nnc.Generator.__doc__
    assert "Thread safety" in doc and "lock" in doc.lower()


def test_one_generator_shared_by_different_consumers_loses_and_repeats_nothing():
    """Threads draw from one Generator through different front ends
    (random_raw, uniform, nnc.init.uniform), large calls releasing the GIL
    and small ones not.  Every one of these takes exactly one 64-bit draw per
    value, and for U[0, 1) in float64 the value is (draw >> 11) * 2**-53, so
    each call's values can be located in the single sequential stream: the
    calls must cover it exactly, each as one contiguous run."""
    seed = 99
    g = nnc.Generator(seed)
    sizes = [20000, 3, 9000, 1, 15000, 7]
    pieces, lock, errors = [], threading.Lock(), []
    barrier = threading.Barrier(3)

    def consume(kind):
        try:
            barrier.wait()
            for n in sizes:
                if kind == 0:
                    v = g.random_raw(n) >> np.uint64(11)
                elif kind == 1:
                    v = (g.uniform(n) * 2.0 ** 53).astype(np.uint64)
                else:
                    v = (init.uniform((n,), gen=g, low=0.0, high=1.0) * 2.0 ** 53).astype(np.uint64)
                with lock:
                    pieces.append(v)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=consume, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    total = 3 * sum(sizes)
    ref = nnc.Generator(seed)
    stream = ref.random_raw(total) >> np.uint64(11)
    assert g.state == ref.state  # exactly `total` draws were taken
    position = {int(v): i for i, v in enumerate(stream)}
    assert len(position) == total  # (53-bit values of one stream: all distinct here)
    covered = np.zeros(total, bool)
    for p in pieces:
        i = position[int(p[0])]
        np.testing.assert_array_equal(stream[i:i + len(p)], p)
        assert not covered[i:i + len(p)].any(), "two calls got the same draws"
        covered[i:i + len(p)] = True
    assert covered.all()


def test_one_model_fitted_from_two_threads_equals_two_sequential_fits():
    """Sequential.fit holds the model's lock: two threads fitting the same
    model run one after the other, never interleaving steps."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(128, 5)), rng.normal(size=(128, 1))

    def make():
        return nnc.Sequential([nnc.Dense(5, 32), nnc.Tanh(), nnc.Dense(32, 1)], seed=4)

    ref = make()
    for _ in range(2):
        ref.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01), epochs=300)
    shared = make()
    barrier = threading.Barrier(2)

    def work():
        barrier.wait()
        shared.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01), epochs=300)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_array_equal(shared.get_flat_params(), ref.get_flat_params())
