"""Memory and reference-count leaks: every public function called many times
on its success path and on its error paths, with flat memory and the
reference counts of its arguments unchanged.

Three measurements, because they see different leaks:
  * RSS (psutil), for allocations of the C core and the binding that Python
    cannot see (malloc'ed workspaces, leaked NumPy buffers): after a warm-up,
    N more calls may grow the resident set by less than RSS_BUDGET bytes.
    With N = 100,000 the budget (256 KiB) is 2.6 bytes per call, while the
    smallest object a leaking binding could lose (a float, an int, a
    0-d array, an exception) costs 24 to 100 bytes per call: a leak shows
    up as megabytes, and allocator noise (a few pages) stays far below.
  * sys.getallocatedblocks(), the number of live Python object blocks,
    over the same calls: a binding that loses one object per call adds N
    blocks; the budget is BLOCKS_BUDGET (noise from free lists and caches
    stays under 100), i.e. one lost object per 80 calls is caught.
  * tracemalloc, for Python-visible bytes (NumPy's buffers included): after
    a traced warm-up, N_TRACED more calls may grow the traced memory by less
    than TRACED_BUDGET bytes (4 bytes per call).  Not tighter, because NumPy
    and CPython keep small bounded caches whose entries are replaced over
    tens of thousands of calls (np.dtype(...).name alone "grows" by ~2 KB
    over 20,000 calls and then stops): a saturating cache, not a leak.  The
    engine's calls touch more of those caches (dtype names, descriptor
    lookups): up to ~30 KB over the first 30,000 calls, so their budget is
    16 bytes per call -- still below the smallest Python object (a float,
    24 bytes), and the block count catches lost objects one by one.
And sys.getrefcount of every argument before and after: a missing Py_DECREF
on an argument shows as a count that grows with every call.

Counts: the cheap functions (1-2 us per call) get 100,000 calls on the
success path and 20,000 on the error paths (an error costs ~5 us: raising
and formatting the exception; the smallest thing a leaking error path can
lose is that exception, 100+ bytes, i.e. 2 MB over 20,000 calls, and a
single lost object shows in the block count).  The engine (fit, predict, ...;
20-200 us per call) gets 2,000 calls per path (1,000 traced) with an RSS
budget of 8 bytes per call plus 64 KiB; a leaked workspace or record array
would be kilobytes per call, and a lost object shows in the block count.
"""
import gc
import os
import sys
import tracemalloc

import numpy as np
import pytest

psutil = pytest.importorskip("psutil")

import nnc  # noqa: E402
from nnc import init  # noqa: E402

from bad_input.cases import CASES  # noqa: E402

pytestmark = pytest.mark.slow  # memory loops: run by plain `pytest`, skipped by -m "not slow"

N_CHEAP = 100_000
N_CHEAP_ERR = 20_000
N_ENGINE = 2_000
N_TRACED = 2_000
RSS_BUDGET = 256 * 1024
BLOCKS_BUDGET = 256  # noise seen: < 100 (free lists, caches)
TRACED_BUDGET = 4 * N_TRACED

if os.environ.get("NNC_UNDER_SANITIZER"):
    pytest.skip("ASan's quarantine grows RSS by design", allow_module_level=True)

_PROC = psutil.Process()


@pytest.fixture(scope="module", autouse=True)
def _frozen_heap():
    """Moves every object alive before this module into gc's permanent
    generation: the many gc.collect() calls below then scan only what the
    calls under test create, not the whole suite's heap (which made each
    collection take a large fraction of a second late in a full run)."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


def _rss():
    gc.collect()
    return _PROC.memory_info().rss


def _loop(fn, n):
    for _ in range(n):
        fn()


def _raising(fn, exc):
    def call():
        try:
            fn()
        except exc:
            return
        raise AssertionError("expected an exception")
    return call


def growth(fn, n, objs, warm=2_000):
    """(RSS bytes, Python blocks, argument refcounts before, after) over n
    calls after a warm-up.  Refcounts are taken after the warm-up: a
    function may keep one reference to an argument (Layer.forward caches its
    input for backward); it must not take one more per call."""
    _loop(fn, warm)
    counts = refcounts(objs)
    rss0, blocks0 = _rss(), sys.getallocatedblocks()
    _loop(fn, n)
    rss1 = _rss()
    return rss1 - rss0, sys.getallocatedblocks() - blocks0, counts, refcounts(objs)


def traced_growth(fn, n=N_TRACED, warm=1_000):  # noqa: D401
    gc.collect()
    tracemalloc.start()
    try:
        _loop(fn, warm)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        _loop(fn, n)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def refcounts(objs):
    return [sys.getrefcount(o) for o in objs]


def check_no_leak(label, fn, n, objs=(), budget=RSS_BUDGET, traced_budget=TRACED_BUDGET,
                  traced_n=N_TRACED):
    rss, blocks, before, after = growth(fn, n, objs)
    assert after == before, f"{label}: argument reference counts changed: {before} -> {after}"
    assert rss < budget, f"{label}: RSS grew by {rss} bytes over {n} calls"
    assert blocks < BLOCKS_BUDGET, f"{label}: {blocks} more Python blocks after {n} calls"
    traced = traced_growth(fn, traced_n, warm=traced_n // 2)
    assert traced < traced_budget, (
        f"{label}: traced memory grew by {traced} bytes over {traced_n} calls")


# ---------------------------------------------------------------------------
# nnc.functional and nnc.linalg: the case table


def _case_calls(case):
    rng = np.random.default_rng(0)
    shape = case.base_shape if case.name in ("nnc.matmul", "nnc.gemv") else (3,)
    arrs = case.make(shape, np.dtype(np.float64), rng)
    hyper = {k: (float(v) + 0.0 if isinstance(v, float) else v) for k, v in case.hyper.items()}

    def call_with(a, **extra):
        kw = dict(hyper)
        kw.update(extra)
        if case.call is None:
            return lambda: case.fn(*[a[n] for n in case.arrays], **kw)
        return lambda: case.call(case.fn, a, **kw)

    ok = call_with(arrs)
    bad_type = dict(arrs)
    bad_type[case.arrays[0]] = np.zeros(3, complex)
    errors = [_raising(call_with(bad_type), TypeError)]
    if len(case.arrays) > 1:
        bad_shape = dict(arrs)
        bad_shape[case.arrays[-1]] = np.zeros(5)
        errors.append(_raising(call_with(bad_shape), ValueError))
    elif case.bad_hyper:
        name, value, exc = case.bad_hyper[0]
        errors.append(_raising(call_with(arrs, **{name: value}), exc))
    # Arrays and fresh floats only: a small int such as t=3 is shared by the
    # whole interpreter, and its count moves with unrelated code.
    objs = (list(arrs.values()) + [v for v in hyper.values() if isinstance(v, float)]
            + [bad_type[case.arrays[0]]])
    return ok, errors, objs


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_functional_and_linalg_do_not_leak(case):
    ok, errors, objs = _case_calls(case)
    check_no_leak(f"{case.name} success", ok, N_CHEAP, objs)

    def err():
        for e in errors:
            e()
    check_no_leak(f"{case.name} errors", err, N_CHEAP_ERR // len(errors), objs)


# ---------------------------------------------------------------------------
# Generator and init


def _gen_calls():
    g = nnc.Generator(1)
    lst = [1, 2, 3]
    arr = np.arange(5.0)
    ok = {
        "Generator": lambda: nnc.Generator(7),
        "random_raw": lambda: g.random_raw(3),
        "uniform": lambda: g.uniform(3, low=-1.0, high=2.0),
        "normal": lambda: g.normal((2, 2), mean=0.0, std=1.0, dtype="float32"),
        "integers": lambda: g.integers(-5, 5, size=4),
        "permutation": lambda: g.permutation(6),
        "permutation(array)": lambda: g.permutation(arr),
        "shuffle": lambda: g.shuffle(lst),
        "spawn": lambda: g.spawn(2),
        "state": lambda: g.state,
        "init.xavier_uniform": lambda: init.xavier_uniform((3, 2), gen=g),
        "init.he_normal": lambda: init.he_normal((3, 2), gen=g, dtype="float32"),
        "init.constant": lambda: init.constant((2, 2), 0.5),
        "init.zeros": lambda: init.zeros(4),
        "init.fans": lambda: init.fans((2, 3, 4)),
        "as_generator": lambda: nnc.random.as_generator(3),
    }
    bad = {
        "Generator": (lambda: nnc.Generator(-1), ValueError),
        "uniform": (lambda: g.uniform(3, low=2.0, high=1.0), ValueError),
        "normal": (lambda: g.normal(3, dtype="int8"), TypeError),
        "integers": (lambda: g.integers(5, 5), ValueError),
        "permutation": (lambda: g.permutation(-1), ValueError),
        "shuffle": (lambda: g.shuffle((1, 2)), TypeError),
        "state": (lambda: setattr(g, "state", (0, 0, 0, 0)), ValueError),
        "init.he_normal": (lambda: init.he_normal((0, 2), gen=g), ValueError),
        "init.uniform": (lambda: init.uniform((2,), gen="x"), TypeError),
        "init.get": (lambda: init.get("bogus"), ValueError),
        "shape": (lambda: g.uniform((2 ** 62, 2 ** 62)), ValueError),
    }
    return g, ok, bad, [g, lst, arr, g._state_array]


@pytest.mark.parametrize("name", sorted(_gen_calls()[1]))
def test_generator_and_init_success_paths_do_not_leak(name):
    g, ok, _, objs = _gen_calls()
    check_no_leak(name, ok[name], N_CHEAP if name != "spawn" else N_CHEAP // 4, objs)


@pytest.mark.parametrize("name", sorted(_gen_calls()[2]))
def test_generator_and_init_error_paths_do_not_leak(name):
    g, _, bad, objs = _gen_calls()
    fn, exc = bad[name]
    check_no_leak(name, _raising(fn, exc), N_CHEAP_ERR, objs)


# ---------------------------------------------------------------------------
# the engine


def _engine():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3))
    y = np.tanh(X[:, :2])
    model = nnc.Sequential([nnc.Dense(3, 4), nnc.PReLU(), nnc.Dense(4, 2)], seed=0)
    return model, X, y


def _engine_calls():
    model, X, y = _engine()
    opt = nnc.Adam(0.01)
    calls = {
        "fit": lambda: model.fit(X, y, loss="mse", optimizer=opt, epochs=2, batch_size=8,
                                 shuffle=True, record="params"),
        "fit(callback)": lambda: model.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01), epochs=2,
                                           callback=lambda e, h: False),
        "predict": lambda: model.predict(X),
        "evaluate": lambda: model.evaluate(X, y, "mse", l2=0.01),
        "compute_gradients": lambda: model.compute_gradients(X, y, "mse"),
        "forward+backward": lambda: model.backward(model.forward(X) - y),
        "loss_surface": lambda: nnc.loss_surface(model, X, y, "mse",
                                                 (("layers.0.bias", 0), ("layers.2.bias", 1)),
                                                 ([0.0, 1.0], [0.0, 1.0, 2.0])),
        "Sequential": lambda: nnc.Sequential([nnc.Dense(3, 2), nnc.Tanh()], seed=1),
        "copy": lambda: model.copy(),
        "get/set_flat_params": lambda: model.set_flat_params(model.get_flat_params()),
        "optimizer.step": lambda: opt.step(model),
    }
    errors = {
        "fit(bad X)": (lambda: model.fit(X[:, :2], y, loss="mse", optimizer=opt, epochs=1),
                       ValueError),
        "fit(bad epochs)": (lambda: model.fit(X, y, loss="mse", optimizer=opt, epochs=-1),
                            ValueError),
        "fit(diverges)": (lambda: model.fit(X * np.nan, y, loss="mse", optimizer=nnc.SGD(0.1),
                                            epochs=1), nnc.DivergenceError),
        "fit(callback raises)": (lambda: model.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01),
                                                   epochs=2, callback=_boom), RuntimeError),
        "predict(bad X)": (lambda: model.predict(X.astype(complex)), TypeError),
        "evaluate(bad y)": (lambda: model.evaluate(X, y[:3], "mse"), ValueError),
        "engine_eval(bad description)": (lambda: nnc._core.engine_eval(
            "float64", ((0, 3, 9, 0, 0.0, 0, 1),), (), X, None, None, 0.0, 0.0, False, True, 1),
            ValueError),
    }
    return model, X, y, calls, errors


def _boom(epoch, history):
    raise RuntimeError("stop")


@pytest.mark.parametrize("name", sorted(_engine_calls()[3]))
def test_engine_success_paths_do_not_leak(name):
    model, X, y, calls, _ = _engine_calls()
    objs = [X, y] + model.parameters() + [g for _, g in model.named_grads()]
    check_no_leak(name, calls[name], N_ENGINE, objs, budget=8 * N_ENGINE + 64 * 1024,
                  traced_budget=16_000, traced_n=1_000)


@pytest.mark.parametrize("name", sorted(_engine_calls()[4]))
def test_engine_error_paths_do_not_leak(name):
    model, X, y, _, errors = _engine_calls()
    fn, exc = errors[name]
    objs = [X, y] + model.parameters()
    check_no_leak(name, _raising(fn, exc), N_ENGINE, objs, budget=8 * N_ENGINE + 64 * 1024,
                  traced_budget=16_000, traced_n=1_000)


def test_the_leak_checks_can_fail():
    """A deliberately leaking function trips both measurements."""
    hoard = []
    with pytest.raises(AssertionError, match="RSS grew|blocks|traced memory grew"):
        check_no_leak("hoarder", lambda: hoard.append(np.empty(4)), 20_000)
    hoard.clear()
    # one small object per call, the slowest leak a binding can have
    with pytest.raises(AssertionError, match="blocks"):
        check_no_leak("one float per call", lambda: hoard.append(float(len(hoard))), 20_000)
    x = np.zeros(3)
    keep = []
    with pytest.raises(AssertionError, match="reference counts"):
        check_no_leak("ref-leak", lambda: keep.append(x), 1_000, [x])
