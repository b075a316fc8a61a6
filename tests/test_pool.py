"""The worker pool behind threaded matrix products (csrc/core/nnc_pool.h,
csrc/module/m_pool.c): owned by nnc._core, created lazily, stopped at exit,
forgotten in a forked child, and never changing a bit of any result."""
import os
import subprocess
import sys
import threading
import textwrap

import numpy as np
import pytest

import nnc


def _run(code):
    """Runs code in a fresh interpreter; returns its stdout (fails on error)."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("shape", [(97, 131, 203), (300, 40, 250), (20, 400, 300),
                                   (256, 256, 256)])
@pytest.mark.parametrize("trans", [(False, False), (True, False), (False, True), (True, True)])
def test_pooled_products_equal_one_thread_bit_for_bit(shape, trans, dtype):
    m, n, k = shape
    rng = np.random.default_rng(m * n + k)
    a = rng.standard_normal((k, m) if trans[0] else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans[1] else (k, n)).astype(dtype)
    one = nnc.matmul(a, b, trans_a=trans[0], trans_b=trans[1], threads=1)
    ref = (a.T if trans[0] else a).astype(np.float64) @ (b.T if trans[1] else b)
    np.testing.assert_allclose(one, ref, rtol=1e-4 if dtype == np.float32 else 1e-12,
                               atol=1e-3 if dtype == np.float32 else 1e-10)
    for threads in (2, 3, 4, 7, None):
        got = nnc.matmul(a, b, trans_a=trans[0], trans_b=trans[1], threads=threads)
        assert np.array_equal(got, one), threads


@pytest.mark.parametrize("shape", [(450, 400, 420), (100, 700, 4096), (30, 900, 2600),
                                   (520, 60, 2200)])
@pytest.mark.parametrize("trans", [(False, False), (True, False), (False, True)])
def test_big_threaded_products_equal_one_thread_bit_for_bit(shape, trans, dtype):
    """Products big enough to poll for Ctrl-C, whose threads share the packing
    of op(B) (several panels when k is deep) and take rows or columns of C."""
    m, n, k = shape
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((k, m) if trans[0] else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans[1] else (k, n)).astype(dtype)
    one = nnc.matmul(a, b, trans_a=trans[0], trans_b=trans[1], threads=1)
    ref = (a.T if trans[0] else a).astype(np.float64) @ (b.T if trans[1] else b)
    np.testing.assert_allclose(one, ref, rtol=1e-3 if dtype == np.float32 else 1e-11,
                               atol=1e-2 if dtype == np.float32 else 1e-9)
    for threads in (2, 3, 5):
        got = nnc.matmul(a, b, trans_a=trans[0], trans_b=trans[1], threads=threads)
        assert np.array_equal(got, one), threads


@pytest.mark.skipif(not hasattr(__import__("signal"), "pthread_kill"), reason="POSIX signals")
def test_sigint_stops_a_threaded_product_quickly():
    """Ctrl-C during a big product on two threads: KeyboardInterrupt within
    0.2 s of the calling thread's CPU time (it polls between its pieces and
    inside them; the other thread stops at its next poll)."""
    from _helpers import interrupt_main_thread
    n = 4096
    a = np.ones((n, n), np.float32)
    interrupt_main_thread(lambda: nnc.matmul(a, a, threads=2), 0.1, "threaded matmul")
    # and the pool is still usable, with the same bits
    small = np.arange(90000.0, dtype=np.float32).reshape(300, 300) / 9e4
    assert np.array_equal(nnc.matmul(small, small, threads=2), nnc.matmul(small, small, threads=1))


def test_pool_is_created_lazily_and_sized_to_the_cpus():
    out = _run("""
        import nnc, numpy as np
        print(nnc._core._pool_info()["running"])
        nnc.matmul(np.ones((8, 8)), np.ones((8, 8)), threads=4)   # too small for threads
        print(nnc._core._pool_info()["running"])
        a = np.ones((200, 200))
        nnc.matmul(a, a, threads=2)
        info = nnc._core._pool_info()
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(info["running"] == (cpus > 1), info["workers"] == min(cpus, 64) - 1 or cpus == 1)
    """.replace("import nnc,", "import os, nnc,"))
    assert out.split() == ["False", "False", "True", "True"]


def test_shutdown_stops_the_pool_and_products_still_work():
    out = _run("""
        import nnc, numpy as np
        a = np.arange(40000.0).reshape(200, 200) / 4e4
        ref = nnc.matmul(a, a, threads=1)
        nnc.matmul(a, a, threads=2)
        nnc._core._pool_shutdown()
        info = nnc._core._pool_info()
        print(info["running"], info["closed"])
        print(np.array_equal(nnc.matmul(a, a, threads=2), ref))   # per-call threads now
        print(nnc._core._pool_info()["running"])                   # and no new pool
    """)
    assert out.split() == ["False", "True", "True", "False"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_gets_its_own_pool():
    out = _run("""
        import os, nnc, numpy as np
        a = np.arange(40000.0).reshape(200, 200) / 4e4
        ref = nnc.matmul(a, a, threads=1)
        nnc.matmul(a, a, threads=2)          # the parent's pool is running
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            ok = nnc._core._pool_info()["running"] is False
            ok = ok and np.array_equal(nnc.matmul(a, a, threads=2), ref)
            os.write(w, b"ok" if ok else b"bad")
            os._exit(0)
        os.close(w)
        got = os.read(r, 8)
        os.waitpid(pid, 0)
        print(got.decode(), np.array_equal(nnc.matmul(a, a, threads=2), ref))
    """)
    assert out.split() == ["ok", "True"]


def test_threads_sharing_the_pool_get_identical_results():
    # One Python thread holds the pool; the others find it busy and start
    # threads of their own.  Nobody waits on anybody, nobody's bits change.
    rng = np.random.default_rng(5)
    a = rng.standard_normal((180, 170))
    b = rng.standard_normal((170, 190))
    ref = nnc.matmul(a, b, threads=1)
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(nnc.matmul(a, b, threads=2))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
    assert len(results) == 20
    assert all(np.array_equal(r, ref) for r in results)


def test_interpreter_exits_cleanly_with_a_running_pool():
    out = _run("""
        import nnc, numpy as np
        a = np.ones((200, 200))
        nnc.matmul(a, a, threads=2)
        print("done")
    """)
    assert out.strip() == "done"


# ---- fit(threads=k) on the pool ----

def _wide_fit(dtype, threads, epochs=3, batch_size=None):
    # Products of 1200 x 256 x 300 (92 M multiply-adds): big enough to share
    # among threads and to poll for Ctrl-C inside.
    rng = np.random.default_rng(11)
    X = rng.standard_normal((1200, 256)).astype(dtype)
    y = rng.standard_normal((1200, 4)).astype(dtype)
    model = nnc.Sequential([nnc.Dense(256, 300), nnc.Tanh(), nnc.Dense(300, 4)], seed=3,
                           dtype=np.dtype(dtype).name)
    h = model.fit(X, y, loss="mse", optimizer=nnc.Adam(1e-3), epochs=epochs,
                  batch_size=batch_size, threads=threads, record="step")
    return h.step_loss.copy(), model.get_flat_params()


def test_fit_on_threads_is_bit_identical_for_every_thread_count(dtype):
    ref = _wide_fit(dtype, 1)
    assert np.isfinite(ref[0]).all() and ref[0][-1] < ref[0][0]
    for threads in (2, 4):
        got = _wide_fit(dtype, threads)
        assert np.array_equal(got[0], ref[0]), threads
        assert np.array_equal(got[1], ref[1]), threads


def test_fit_with_threads_uses_the_module_pool():
    out = _run("""
        import numpy as np, nnc
        X = np.random.default_rng(0).standard_normal((1200, 256))
        m = nnc.Sequential([nnc.Dense(256, 300), nnc.Dense(300, 1)], seed=0)
        m.fit(X, X[:, :1], loss="mse", optimizer=nnc.SGD(1e-3), epochs=1, threads=1)
        print(nnc._core._pool_info()["running"])
        m.fit(X, X[:, :1], loss="mse", optimizer=nnc.SGD(1e-3), epochs=1, threads=2)
        print(nnc._core._pool_info()["running"])
    """)
    import os
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert out.split() == ["False", str(cpus > 1)]


def test_repeated_fit_through_the_c_plan_uses_the_pool_and_keeps_the_bits():
    # The second identical fit makes the C plan (_fit_fast); the third runs
    # through it and must run its products on the pool, with the same bits.
    out = _run("""
        import numpy as np, nnc
        X = np.random.default_rng(0).standard_normal((1200, 256))
        def run(threads):
            m = nnc.Sequential([nnc.Dense(256, 300), nnc.Dense(300, 1)], seed=0)
            opt = nnc.SGD(1e-3)
            for _ in range(2):
                m.fit(X, X[:, :1], loss="mse", optimizer=opt, epochs=1, threads=threads)
            planned = "_fit_fast" in m.__dict__
            before = nnc._core._pool_info()["runs"]
            m.fit(X, X[:, :1], loss="mse", optimizer=opt, epochs=1, threads=threads)
            after = nnc._core._pool_info()["runs"]
            return planned and "_fit_fast" in m.__dict__, after > before, m.get_flat_params()
        p1, used1, ref = run(1)
        p2, used2, got = run(2)
        print(p1, used1, p2, used2, np.array_equal(ref, got))
    """)
    import os
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert out.split() == ["True", "False", "True", str(cpus > 1), "True"]


def test_fits_in_python_threads_sharing_the_pool_match_sequential():
    # One fit holds the pool, the other starts threads per product.
    ref = _wide_fit(np.float64, 1, epochs=2, batch_size=600)
    got = [None, None]

    def run(i):
        got[i] = _wide_fit(np.float64, 2, epochs=2, batch_size=600)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for g in got:
        assert np.array_equal(g[0], ref[0]) and np.array_equal(g[1], ref[1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_fits_on_threads():
    out = _run("""
        import os, numpy as np, nnc
        X = np.random.default_rng(0).standard_normal((1200, 256))
        def fit(threads):
            m = nnc.Sequential([nnc.Dense(256, 300), nnc.Tanh(), nnc.Dense(300, 1)], seed=0)
            m.fit(X, X[:, :1], loss="mse", optimizer=nnc.SGD(1e-3), epochs=2, threads=threads)
            return m.get_flat_params()
        ref = fit(1)
        parent = fit(2)                      # the parent's pool is running
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            ok = nnc._core._pool_info()["running"] is False
            ok = ok and np.array_equal(fit(2), ref)
            os.write(w, b"ok" if ok else b"bad")
            os._exit(0)
        os.close(w)
        got = os.read(r, 8)
        os.waitpid(pid, 0)
        print(got.decode(), np.array_equal(parent, ref), np.array_equal(fit(2), ref))
    """)
    assert out.split() == ["ok", "True", "True"]


@pytest.mark.skipif(not hasattr(__import__("signal"), "pthread_kill"), reason="POSIX signals")
def test_sigint_stops_a_threaded_fit_quickly():
    """Ctrl-C during fit(threads=2) with big products: KeyboardInterrupt
    within 0.2 s of the fitting thread's CPU time, the completed steps kept."""
    from _helpers import interrupt_main_thread
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4096, 512)).astype(np.float32)
    y = X[:, :2].copy()
    model = nnc.Sequential([nnc.Dense(512, 1024), nnc.Tanh(), nnc.Dense(1024, 2)], seed=0,
                           dtype="float32")
    exc = interrupt_main_thread(
        lambda: model.fit(X, y, loss="mse", optimizer=nnc.SGD(1e-4), epochs=100_000,
                          threads=2), 0.3, "fit(threads=2)")
    assert exc.history.status == "interrupted"
    assert np.isfinite(model.get_flat_params()).all()
