"""nnc.sweep: K replicas in one call, each bit for bit its own fit.

Every replica is compared with a separate ``Sequential.fit`` on a fresh model
(same start, fresh optimizer, same generator): losses, parameters, counters,
with ``==`` on the bits (NaN compared as NaN).  Also: thread-count and route
independence, per-replica divergence, per-replica data, Ctrl-C in a child
process, pickling, and executors (a process pool, Dask's LocalCluster).
"""
import copy
import os
import pickle
import textwrap
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import nnc
from _helpers import assert_interrupt_latency, interrupt_child, process_cpu

OPTIMIZERS = {
    "sgd": lambda v: nnc.SGD(lr=v),
    "momentum": lambda v: nnc.Momentum(lr=v, mu=0.8),
    "nesterov": lambda v: nnc.Nesterov(lr=v, mu=0.7),
    "adam": lambda v: nnc.Adam(lr=v, beta1=0.85),
    "hotcold": lambda v: nnc.HotCold(step=v),
    "rmsprop": lambda v: nnc.RMSProp(lr=v, rho=0.8),
}
VALUES = np.array([0.003, 0.01, 0.03, 0.1, 0.05])


def _data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = 1 / (1 + np.exp(-(X @ np.array([1.0, -2.0, 0.5]) + 0.3)))
    return X, y


def _mlp(seed, dtype):
    return nnc.Sequential([nnc.Dense(3, 4), nnc.Tanh(), nnc.Dense(4, 1), nnc.Sigmoid()],
                          seed=seed, dtype=dtype)


def _neuron(seed, dtype):
    return nnc.Sequential([nnc.Dense(3, 1)], seed=seed, dtype=dtype)


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def _check_replicas(s, fits):
    """fits[i] = (model after fit, History or DivergenceError) of replica i."""
    for i, (m, h) in enumerate(fits):
        if isinstance(h, nnc.DivergenceError):
            assert s.diverged[i] and s.status[i] == "diverged", i
            assert s.fail_step[i] == h.step and s.fail_epoch[i] == h.epoch, i
            assert s.reason[i] == h.reason, i
            assert s.fail_loss[i] == h.loss, i
            h = h.history
        else:
            assert not s.diverged[i] and s.status[i] == "completed", i
        assert s.epochs_done[i] == h.epochs and s.steps_done[i] == h.steps, i
        assert s.forward_passes[i] == h.forward_passes, i
        assert _same(s.loss[i, :h.epochs], h.loss), (i, s.loss[i], h.loss)
        assert np.isnan(s.loss[i, h.epochs:]).all()
        assert _same(s.final_loss[i], h.loss[-1] if h.epochs else np.nan), i
        if s.step_loss is not None:
            assert _same(s.step_loss[i, :h.steps], h.step_loss), i
        assert _same(s.params[i], m.get_flat_params()), (i, s.params[i], m.get_flat_params())
        assert s.params.dtype == m.dtype


def _separate(make, seeds, X, y, opts, **kw):
    out = []
    for seed, opt in zip(seeds, opts):
        m = make(seed)
        try:
            h = m.fit(X, y, optimizer=opt, **kw)
        except nnc.DivergenceError as exc:
            h = exc
        out.append((m, h))
    return out


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
@pytest.mark.parametrize("schedule", ["full", "shuffled", "ordered"])
@pytest.mark.parametrize("arch", ["mlp", "neuron"])
def test_every_replica_is_its_own_fit(kind, schedule, arch, dtype):
    X, y = _data()
    make = (lambda s: _mlp(s, dtype)) if arch == "mlp" else (lambda s: _neuron(s, dtype))
    values = VALUES * (10 if kind == "hotcold" else 1)
    seeds = [3, 4, 5, 6, 7]
    kw = dict(loss="log_loss" if arch == "mlp" else "mse", epochs=6, record="step")
    if schedule == "shuffled":
        kw.update(shuffle=True, batch_size=5)
    elif schedule == "ordered":
        kw.update(order=[0, 5, 3, 3, 11, 2, 7], batch_size=2, epochs=3)
    s = nnc.sweep(make(0), X, y, optimizer=OPTIMIZERS[kind](values), seeds=seeds, threads=2,
                  **kw)
    fits = _separate(make, seeds, X, y, [OPTIMIZERS[kind](float(v)) for v in values], **kw)
    _check_replicas(s, fits)
    assert s.interleaved == (arch == "neuron" and kind in ("sgd", "momentum")
                             and schedule == "full")
    assert _same(s.settings["seed"], seeds)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("loss", ["mse", "mae", "huber", "log_loss_with_logits", "hinge"])
@pytest.mark.parametrize("n", [1, 5, 40])
def test_interleaved_route_matches_fit(loss, reduction, n, dtype):
    """The lanes route re-implements the fused top layer: every elementwise
    loss, both reductions, short (<= 32 rows) and long sums, with a bias and
    without, more replicas than one block and a partial last block."""
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 2))
    y = (rng.random(n) > 0.5).astype(float) if loss in ("log_loss_with_logits", "hinge") \
        else rng.normal(size=n)
    lf = getattr(nnc.losses, {"mse": "MSE", "mae": "MAE", "huber": "Huber", "hinge": "Hinge",
                              "log_loss_with_logits": "LogLossWithLogits"}[loss])(
        reduction=reduction)
    lrs = np.linspace(0.01, 0.6, 37)
    for bias in (True, False):
        def make(seed):
            return nnc.Sequential([nnc.Dense(2, 1, bias=bias, bias_init=0.25)], seed=seed,
                                  dtype=dtype)
        s = nnc.sweep(make(1), X, y, loss=lf, optimizer=nnc.Momentum(lr=lrs, mu=0.5),
                      epochs=9, threads=1)
        assert s.interleaved
        fits = _separate(lambda _: make(1), [1] * lrs.size, X, y,
                         [nnc.Momentum(float(v), mu=0.5) for v in lrs], loss=lf, epochs=9)
        _check_replicas(s, fits)


def test_threads_and_route_do_not_change_a_bit():
    X, y = _data(40)
    lrs = np.geomspace(1e-3, 1e3, 50)
    runs = []
    def linear_mlp(seed, dtype):
        return nnc.Sequential([nnc.Dense(3, 4), nnc.Tanh(), nnc.Dense(4, 1)], seed=seed,
                              dtype=dtype)

    for arch in (linear_mlp, _neuron):
        for threads in (1, 2, 3):
            for interleave in (True, False):
                runs.append(nnc.sweep(arch(2, np.float64), X, y, loss="mse",
                                      optimizer=nnc.SGD(lr=lrs), epochs=30, threads=threads, divergence=10,
                                      interleave=interleave, seeds=np.arange(50)))
        assert all(r == runs[-1] for r in runs[-6:])
        assert runs[-6].diverged.any() and not runs[-6].diverged.all()


def test_divergence_stops_only_that_replica(dtype):
    """Trask's one weight: alpha * input^2 > 2 diverges; the threshold stops
    those replicas, the rest run on (and NaN/inf stops with reason nonfinite)."""
    X, y = np.array([[2.0]]), np.array([0.8])
    alphas = np.array([0.1, 0.2, 0.6, 1.2, 0.45, 40.0])

    def make(_):
        m = nnc.Sequential([nnc.Dense(1, 1, bias=False, init="zeros")], dtype=dtype)
        m.layers[0].weight[...] = 0.5
        return m

    for div in (1e3, 1e30 if dtype == np.float64 else 1e20):
        kw = dict(loss=nnc.losses.MSE(reduction="sum", half=True), epochs=40, divergence=div)
        s = nnc.sweep(make(0), X, y, optimizer=nnc.SGD(lr=alphas), **kw)
        fits = _separate(make, [0] * alphas.size, X, y, [nnc.SGD(float(a)) for a in alphas],
                         **kw)
        _check_replicas(s, fits)
        assert list(s.diverged[[0, 1, 3, 4, 5]]) == [False, False, True, False, True]
        assert s.diverged[2] == (div == 1e3)
    s = nnc.sweep(make(0), X, y, optimizer=nnc.SGD(lr=alphas), epochs=400,
                  loss=nnc.losses.MSE(reduction="sum", half=True), divergence=None)
    assert set(s.reason[s.diverged]) == {"nonfinite"} and s.diverged[5]
    assert not s.diverged[[0, 1, 4]].any()
    # the general route says the same
    s2 = nnc.sweep(make(0), X, y, optimizer=nnc.SGD(lr=alphas), epochs=400,
                   loss=nnc.losses.MSE(reduction="sum", half=True), divergence=None,
                   interleave=False)
    assert s2 == s and s.interleaved and not s2.interleaved


@pytest.mark.parametrize("opt", ["sgd", "momentum"])
@pytest.mark.parametrize("bias", [True, False])
def test_fused_one_input_step_matches_fit(opt, bias, dtype):
    """One input, one row: the fused lane step (every lane updated, a bad
    lane restored to its parameters before the step).  Some replicas pass the
    threshold, some overflow to inf/NaN, in more than one block."""
    X, y = np.array([[2.0]]), np.array([0.8])
    alphas = np.concatenate([np.linspace(0.01, 0.6, 70), [1e3, 1e30, 0.7]])
    make_opt = (lambda v: nnc.SGD(lr=v)) if opt == "sgd" else (lambda v: nnc.Momentum(v, 0.9))

    def make(_):
        m = nnc.Sequential([nnc.Dense(1, 1, bias=bias, bias_init=0.25)], dtype=dtype)
        m.layers[0].weight[...] = 0.5
        return m

    for div in (1e4, None):
        kw = dict(loss=nnc.losses.MSE(reduction="mean"), epochs=70, divergence=div)
        s = nnc.sweep(make(0), X, y, optimizer=make_opt(alphas), threads=1, **kw)
        assert s.interleaved
        fits = _separate(make, [0] * alphas.size, X, y, [make_opt(float(a)) for a in alphas],
                         **kw)
        _check_replicas(s, fits)
        assert s.diverged.any() and not s.diverged.all()


def test_record_final_keeps_only_the_final_loss():
    """record="final": no (K, epochs) record; final_loss, parameters and
    counters as with record="epoch", on both routes, stopped replicas too."""
    X, y = np.array([[2.0]]), np.array([0.8])
    alphas = np.concatenate([np.linspace(0.01, 0.7, 90), [40.0]])
    m = nnc.Sequential([nnc.Dense(1, 1, bias=False)])
    m.layers[0].weight[...] = 0.5
    kw = dict(loss=nnc.losses.MSE(reduction="sum", half=True), optimizer=nnc.SGD(lr=alphas),
              epochs=30, divergence=100)
    for interleave in (True, False):
        full = nnc.sweep(m, X, y, interleave=interleave, **kw)
        fin = nnc.sweep(m, X, y, interleave=interleave, record="final", **kw)
        assert fin.loss is None and fin.interleaved == interleave
        assert full.diverged.sum() >= 2 and _same(fin.diverged, full.diverged)
        for name in ("final_loss", "params", "epochs_done", "fail_step", "fail_loss"):
            assert _same(getattr(fin, name), getattr(full, name)), name
        e = full.epochs_done
        assert _same(full.final_loss, full.loss[np.arange(len(e)), e - 1])
    X3, y3 = _data(9)
    s = nnc.sweep(_mlp(1, np.float64), X3, y3, loss="mse", optimizer=nnc.Adam(lr=VALUES),
                  epochs=4, record="final", threads=2)
    h = _mlp(1, np.float64).fit(X3, y3, loss="mse", optimizer=nnc.Adam(float(VALUES[2])),
                                epochs=4)
    assert s.final_loss[2] == h.loss[-1] and s.loss is None
    with pytest.raises(ValueError, match="record must be"):
        nnc.sweep(m, X, y, record="params?", **kw)


def test_per_replica_data_and_broadcasting():
    """Trask's input sweep: one X per replica, y shared; and y per replica."""
    inputs = np.linspace(0.1, 3.0, 30)
    X = inputs.reshape(-1, 1, 1)
    m = nnc.Sequential([nnc.Dense(1, 1, bias=False, init="zeros")])
    m.layers[0].weight[...] = 0.5
    loss = nnc.losses.MSE(reduction="sum", half=True)
    s = nnc.sweep(m, X, [0.8], loss=loss, optimizer=nnc.SGD(lr=[0.1]), epochs=20,
                  divergence=None)
    assert len(s) == 30 and s.interleaved
    for i, x in enumerate(inputs):
        mm = m.copy()
        h = mm.fit([[x]], [0.8], loss=loss, optimizer=nnc.SGD(0.1), epochs=20, divergence=None)
        assert _same(s.loss[i], h.loss) and _same(s.params[i], mm.get_flat_params())
    goals = np.linspace(-1, 1, 30).reshape(30, 1)
    s2 = nnc.sweep(m, X, goals, loss=loss, optimizer=nnc.SGD(lr=0.1), epochs=5,
                   divergence=None)
    mm = m.copy()
    h = mm.fit([[inputs[7]]], [goals[7, 0]], loss=loss, optimizer=nnc.SGD(0.1), epochs=5,
               divergence=None)
    assert _same(s2.loss[7], h.loss)
    with pytest.raises(ValueError, match="disagree on the number of replicas"):
        nnc.sweep(m, X, [0.8], loss=loss, optimizer=nnc.SGD(lr=[0.1, 0.2]), epochs=2)
    with pytest.raises(TypeError, match="nnc.sweep"):
        m.fit([[1.0]], [0.8], loss=loss, optimizer=nnc.SGD(lr=[0.1, 0.2]), epochs=2)
    with pytest.raises(ValueError, match=r"lr\[1\] must be > 0"):
        nnc.SGD(lr=[0.1, -0.2])
    with pytest.raises(ValueError, match=r"params or seeds"):
        nnc.sweep(m, X, [0.8], loss=loss, optimizer=nnc.SGD(0.1), epochs=2, seeds=[1],
                  params=m.get_flat_params())


def test_params_l1_l2_and_shuffle_seeds():
    X, y = _data(10)
    m = _mlp(0, np.float64)
    starts = np.stack([_mlp(s, np.float64).get_flat_params() for s in range(4)])
    l2 = np.array([0.0, 0.01, 0.1, 0.0])
    s = nnc.sweep(m, X, y, loss="mse", optimizer=nnc.SGD(0.2), epochs=4, params=starts, l2=l2,
                  l1=0.001, shuffle=True, batch_size=3, shuffle_seeds=[9, 8, 7, 6])
    for i in range(4):
        mm = m.copy()
        mm.set_flat_params(starts[i])
        mm.generator = nnc.Generator([9, 8, 7, 6][i])
        h = mm.fit(X, y, loss="mse", optimizer=nnc.SGD(0.2), epochs=4, l2=float(l2[i]),
                   l1=0.001, shuffle=True, batch_size=3)
        assert _same(s.loss[i], h.loss) and _same(s.params[i], mm.get_flat_params())
    assert _same(m.get_flat_params(), _mlp(0, np.float64).get_flat_params())  # untouched


def test_results_pickle_copy_and_tables():
    X, y = _data()
    s = nnc.sweep(_mlp(0, np.float32), X, y, loss="mse", optimizer=nnc.Adam(lr=VALUES),
                  epochs=5, seeds=[1, 2, 3, 4, 5], record="step")
    for other in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s), copy.copy(s)):
        assert other == s and other is not s
    t = copy.deepcopy(s)
    t.params[0, 0] += 1
    assert t != s
    rec = s.to_records()
    assert rec.shape == (5,) and _same(rec["lr"], VALUES) and _same(rec["final_loss"],
                                                                     s.final_loss)
    assert list(rec["status"]) == ["completed"] * 5
    best = s.best()
    i = int(np.nanargmin(s.final_loss))
    assert isinstance(best, nnc.Sequential) and best.dtype == np.float32
    assert _same(best.get_flat_params(), s.params[i])
    assert "5 replicas" in repr(s)


def test_executors_equal_the_local_run():
    X, y = _data(20)
    kw = dict(loss="log_loss", optimizer=nnc.Momentum(lr=np.linspace(0.01, 2, 23), mu=0.9),
              epochs=15, seeds=np.arange(23), shuffle=True, batch_size=4)
    local = nnc.sweep(_mlp(0, np.float64), X, y, **kw)
    with ThreadPoolExecutor(3) as ex:
        assert nnc.sweep(_mlp(0, np.float64), X, y, executor=ex, chunks=5, **kw) == local
    with ProcessPoolExecutor(2) as ex:
        assert nnc.sweep(_mlp(0, np.float64), X, y, executor=ex, chunks=4, **kw) == local
    lanes = dict(kw, loss="mse", shuffle=False, batch_size=None)
    local = nnc.sweep(_neuron(0, np.float64), X, y, **lanes)
    with ProcessPoolExecutor(2) as ex:
        assert nnc.sweep(_neuron(0, np.float64), X, y, executor=ex, chunks=3, **lanes) == local
    with pytest.raises(TypeError, match="Executor"):
        nnc.sweep(_neuron(0, np.float64), X, y, executor=object(), **lanes)


def test_dask_local_cluster_equals_the_local_run():
    distributed = pytest.importorskip(
        "distributed", reason="Dask distributed is not installed (pip install 'nnc[distributed]')")
    X, y = _data(20)
    kw = dict(loss="mse", optimizer=nnc.SGD(lr=np.linspace(0.01, 3, 40)), epochs=25,
              seeds=np.arange(40))
    local = nnc.sweep(_mlp(0, np.float64), X, y, **kw)
    local_lanes = nnc.sweep(_neuron(0, np.float32), X, y, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ex = client.get_executor()
        assert nnc.sweep(_mlp(0, np.float64), X, y, executor=ex, chunks=4, threads=1,
                         **kw) == local
        assert nnc.sweep(_neuron(0, np.float32), X, y, executor=ex, chunks=3, **kw) \
            == local_lanes


CHILD = textwrap.dedent('''
    import json, sys, time
    import numpy as np
    import nnc

    mode = sys.argv[1]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 4)); y = np.tanh(X[:, :1])
    if mode == "lanes":
        X = rng.normal(size=(20_000, 4)); y = np.tanh(X[:, :1])
        model = nnc.Sequential([nnc.Dense(4, 1)], seed=0)
        kw = dict(optimizer=nnc.SGD(lr=np.linspace(1e-4, 1e-3, 64)), epochs=50_000)
    else:
        model = nnc.Sequential([nnc.Dense(4, 8), nnc.Tanh(), nnc.Dense(8, 1)], seed=0)
        kw = dict(optimizer=nnc.SGD(lr=np.linspace(1e-4, 1e-3, 6)), epochs=1_000_000,
                  seeds=np.arange(6))
    print("READY", flush=True)
    report = {}
    try:
        nnc.sweep(model, X, y, loss="mse", threads=2, **kw)
        report["finished"] = True
    except KeyboardInterrupt as exc:
        report["caught"] = time.monotonic()
        report["caught_cpu"] = time.process_time()
        s = exc.sweep
        report["status"] = sorted(set(s.status.tolist()))
        report["steps"] = s.steps_done.tolist()
        report["losses_ok"] = all(bool(np.isfinite(s.loss[i, :e]).all()
                                       and np.isnan(s.loss[i, e:]).all())
                                  for i, e in enumerate(s.epochs_done.tolist()))
        # replica 0's parameters are those after its completed steps
        e = int(s.epochs_done[0])
        m = (model.copy() if mode == "lanes" else
             nnc.Sequential([nnc.Dense(4, 8), nnc.Tanh(), nnc.Dense(8, 1)], seed=0))
        m.fit(X, y, loss="mse", optimizer=nnc.SGD(float(kw["optimizer"].lr[0])), epochs=e)
        report["matches"] = bool((m.get_flat_params() == s.params[0]).all())
    print(json.dumps(report), flush=True)
''')


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("mode", ["lanes", "general"])
def test_sigint_stops_a_sweep_keeping_completed_work(mode, tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    r, sent, sent_cpu = interrupt_child(script, mode, 0.8, process_cpu, timeout=120)
    assert not r.get("finished")
    # The latency in CPU time per worker thread (2 workers; the main thread
    # waits): what the run computed after the signal (tests/_helpers.py).
    cpu = None if sent_cpu is None else (r["caught_cpu"] - sent_cpu) / 2
    assert_interrupt_latency(r["caught"] - sent, cpu, f"sweep ({mode})")
    assert r["status"] == ["interrupted"] and r["losses_ok"] and r["matches"], r
    assert max(r["steps"]) > 0


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_interleaved_per_replica_data_over_several_blocks(dtype):
    """The lanes route with one data set per replica (several rows and
    inputs) and with shared data, over more than one block of lanes and a
    partial last block: each replica is its own fit, bit for bit."""
    K, n = 70, 3
    rng = np.random.default_rng(5)
    X = rng.normal(size=(K, n, 2))
    Y = rng.normal(size=(K, n))
    loss = nnc.losses.MSE()
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3, dtype=dtype)
    for xs, ys in ((X, Y), (X, Y[0]), (X[0], Y[:, :, None])):
        s = nnc.sweep(m, xs, ys, loss=loss, optimizer=nnc.SGD(lr=0.05), epochs=6, threads=1)
        assert s.interleaved and len(s) == K
        for i in (0, 1, 63, 64, 69):
            mm = m.copy()
            xi = xs[i] if xs.ndim == 3 else xs
            yi = ys[i] if ys.ndim >= 2 else ys
            h = mm.fit(xi, yi, loss=loss, optimizer=nnc.SGD(0.05), epochs=6)
            assert _same(s.loss[i], h.loss), (i, s.loss[i], h.loss)
            assert _same(s.params[i], mm.get_flat_params()), i


@pytest.mark.parametrize("opt", ["sgd", "momentum"])
def test_chunked_steps_match_fit_across_record_windows(opt, dtype):
    """The one-input, one-row route runs up to 64 steps per lane at a time
    and replays a chunk step by step when a lane went NaN/inf in it: 150
    epochs (three chunks, the last short) with replicas that overflow early,
    in the middle chunk and never, per-replica inputs, and every record."""
    inputs = np.concatenate([np.linspace(0.2, 1.6, 40), [2.5, 3.0, 4.0, 8.0, 60.0]])
    X = inputs.reshape(-1, 1, 1)
    y = np.array([0.8])
    lr = 0.2 if opt == "sgd" else 0.05
    make_opt = (lambda v: nnc.SGD(lr=v)) if opt == "sgd" else (lambda v: nnc.Momentum(v, 0.5))

    def make(_):
        m = nnc.Sequential([nnc.Dense(1, 1, bias_init=0.1)], dtype=dtype)
        m.layers[0].weight[...] = 0.5
        return m

    kw = dict(loss=nnc.losses.MSE(reduction="sum", half=True), epochs=150, divergence=None)
    for record in ("step", "final"):
        s = nnc.sweep(make(0), X, y, optimizer=make_opt(lr), threads=1, record=record, **kw)
        assert s.interleaved
        fits = []
        for x in inputs:
            m = make(0)
            try:
                h = m.fit([[x]], [0.8], optimizer=make_opt(lr), record="step", **kw)
            except nnc.DivergenceError as exc:
                h = exc
            fits.append((m, h))
        if record == "step":
            _check_replicas(s, fits)
            ref = s
        else:
            assert s.loss is None
            for name in ("final_loss", "params", "epochs_done", "fail_step", "fail_loss",
                         "forward_passes"):
                assert _same(getattr(s, name), getattr(ref, name)), name
            assert list(s.status) == list(ref.status)
        assert s.diverged.any() and not s.diverged.all()


def test_structure_cache_follows_the_model():
    """The sweep keeps the model's description until its structure changes:
    a replaced parameter array, a new layer list or in-place values are all
    seen by the next sweep."""
    X, y = np.array([[2.0]]), np.array([0.8])
    kw = dict(loss="mse", optimizer=nnc.SGD(lr=[0.1, 0.2]), epochs=5)
    m = nnc.Sequential([nnc.Dense(1, 1, bias=False)], seed=0)
    m.layers[0].weight[...] = 0.5
    a = nnc.sweep(m, X, y, **kw)
    m.layers[0].weight[...] = 0.25  # values: read live
    b = nnc.sweep(m, X, y, **kw)
    assert not _same(a.params, b.params)
    m2 = nnc.Sequential([nnc.Dense(1, 1, bias=False)], seed=0)
    m2.layers[0].weight[...] = 0.25
    assert _same(b.params, nnc.sweep(m2, X, y, **kw).params)
    m.layers[0].params["weight"] = np.full((1, 1), 0.75)  # a new array: a new description
    m3 = nnc.Sequential([nnc.Dense(1, 1, bias=False)], seed=0)
    m3.layers[0].weight[...] = 0.75
    assert _same(nnc.sweep(m, X, y, **kw).params, nnc.sweep(m3, X, y, **kw).params)


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
def test_record_params_is_each_fits_trajectory(kind, dtype):
    """record="params": Sweep.trajectory[i] is replica i's History.params (its
    parameters before the first step and after every step), with step_loss;
    shuffled minibatches, two threads, a diverging replica left NaN after
    it stopped; also through the Trask model, which leaves the lanes."""
    X, y = _data(10)
    make_opt = OPTIMIZERS[kind]
    values = np.concatenate([VALUES, [1e4 if kind != "hotcold" else 1e2]])
    kw = dict(loss="mse", epochs=4, batch_size=3, shuffle=True, divergence=50.0)
    s = nnc.sweep(_neuron(5, dtype), X, y, optimizer=make_opt(values), threads=2,
                  record="params", **kw)
    assert s.trajectory.shape == (values.size, s.step_loss.shape[1] + 1, 4)
    assert s.trajectory.dtype == dtype and s.diverged[-1] and not s.diverged[:-1].any()
    for i, v in enumerate(values):
        m = _neuron(5, dtype)
        try:
            h = m.fit(X, y, optimizer=make_opt(float(v)), record="params", **kw)
        except nnc.DivergenceError as exc:
            h = exc.history
            assert s.diverged[i]
            assert np.isnan(s.trajectory[i, h.steps + 1:]).all()
        assert _same(s.trajectory[i, :h.steps + 1], h.params.reshape(h.steps + 1, -1)), i
        assert _same(s.step_loss[i, :h.steps], h.step_loss), i
        assert _same(s.params[i], m.get_flat_params()), i
    trask = nnc.Sequential([nnc.Dense(1, 1, bias=False)], dtype=dtype)
    t = nnc.sweep(trask, [[2.0]], [[0.8]], loss="mse", optimizer=nnc.SGD(lr=[0.1, 0.2]),
                  epochs=3, record="params")
    assert not t.interleaved and t.trajectory.shape == (2, 4, 1)
    assert _same(t.trajectory[:, -1], t.params)
    assert t == pickle.loads(pickle.dumps(t))
