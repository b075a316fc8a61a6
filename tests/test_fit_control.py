"""Divergence, interrupts, callbacks, progress and threads."""
import _thread
import sys
import threading
import time

import numpy as np
import pytest

import nnc
from nnc.losses import MSE
from _helpers import assert_interrupt_latency, thread_cpu_reader


def grokking(inp, weight=0.5):
    model = nnc.Sequential([nnc.Dense(1, 1, bias=False, weight=[[weight]])])
    return model, [[inp]], [[0.8]], MSE(reduction="sum", half=True)


def test_divergence_g8_stops_at_the_right_step():
    model, X, y, loss = grokking(2.0)
    with pytest.raises(nnc.DivergenceError) as info:
        model.fit(X, y, loss=loss, optimizer=nnc.SGD(1.0), epochs=20, record="params")
    err = info.value
    assert isinstance(err, FloatingPointError)
    # Each step multiplies the loss by 9: 0.02 * 9**7 is the first to pass 1e6 * 0.02.
    assert (err.step, err.epoch, err.reason) == (7, 7, "threshold")
    assert err.reference == 0.5 * (2 * 0.5 - 0.8) ** 2
    assert err.loss == pytest.approx(0.02 * 9 ** 7, rel=1e-12)
    assert "step 7" in str(err) and "divergence=None" in str(err)
    h = err.history
    assert (h.steps, h.epochs, h.status) == (7, 7, "diverged")
    assert h.step_loss.shape == (7,) and h.params.shape == (8, 1)
    # the model is at the parameters the failing step saw
    assert model.layers[0].weight[0, 0] == h.params[-1, 0]
    assert err.loss == pytest.approx(model.evaluate(X, y, loss), rel=1e-15)


def test_divergence_none_runs_to_the_end_g8():
    model, X, y, loss = grokking(2.0)
    hist = model.fit(X, y, loss=loss, optimizer=nnc.SGD(1.0), epochs=20, record="params",
                     divergence=None)
    errors = ["%.12g" % (2 * e) for e in hist.step_loss]
    preds = ["%.12g" % (2.0 * w) for w in hist.params[:-1, 0]]
    assert (errors[0], preds[0]) == ("0.04", "1")
    assert (errors[-1], preds[-1]) == ("5.40340687069e+16", "-232452292.6")
    assert hist.status == "completed"


def test_divergence_threshold_is_configurable():
    model, X, y, loss = grokking(2.0)
    with pytest.raises(nnc.DivergenceError) as info:
        model.fit(X, y, loss=loss, optimizer=nnc.SGD(1.0), epochs=20, divergence=100)
    assert info.value.step == 3  # 9**3 = 729 > 100


def test_nonfinite_loss_always_stops():
    model, X, y, loss = grokking(2.0)
    with pytest.raises(nnc.DivergenceError) as info:
        model.fit(X, y, loss=loss, optimizer=nnc.SGD(1e200), epochs=10, divergence=None)
    assert info.value.reason == "nonfinite"
    assert not np.isfinite(info.value.loss)


def test_rising_from_zero_is_not_divergence():
    # Start exactly on the goal (loss 0) with momentum left over from an
    # earlier fit: the loss rises from 0 to a small value and decays again.
    # Relative to a starting loss of 0 every rise is "infinite", so the first
    # positive loss becomes the reference instead.
    model, X, y, loss = grokking(0.5)
    opt = nnc.Momentum(0.5, mu=0.9)
    model.fit(X, y, loss=loss, optimizer=opt, epochs=3)
    model.layers[0].weight[...] = 1.6
    hist = model.fit(X, y, loss=loss, optimizer=opt, epochs=60, record="step")
    assert hist.step_loss[0] == 0.0 and hist.step_loss.max() > 0
    assert hist.steps == 60
    # a real blow-up from 0 is still caught, measured from that first positive loss
    fast = nnc.Momentum(20.0, mu=0.5)
    model.fit(X, y, loss=loss, optimizer=fast, epochs=1)
    model.layers[0].weight[...] = 1.6
    with pytest.raises(nnc.DivergenceError) as info:
        model.fit(X, y, loss=loss, optimizer=fast, epochs=100)
    assert info.value.history.step_loss is None
    assert info.value.reference > 0 and info.value.loss > 1e6 * info.value.reference
    # and hot/cold overshooting its near-zero best does not trip it either
    model, X, y, _ = grokking(0.5)
    hist = model.fit(X, y, loss=MSE("sum"), optimizer=nnc.HotCold(0.001), epochs=1500,
                     record="step")
    assert hist.step_loss.min() < 1e-26 and hist.step_loss[-1] > 1e-8


def test_minibatch_divergence_reference_is_dataset_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = X @ np.array([1.0, -2.0])
    model = nnc.Sequential([nnc.Dense(2, 1)], seed=1)
    start = model.evaluate(X, y, "mse")
    with pytest.raises(nnc.DivergenceError) as info:
        model.fit(X, y, loss="mse", optimizer=nnc.SGD(5.0), epochs=50, batch_size=4)
    assert info.value.reference == pytest.approx(start, rel=1e-14)
    assert info.value.loss > 1e6 * start


def test_keyboard_interrupt_from_thread():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 1))
    y = 3 * X
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0)
    started = threading.Event()
    sent = []
    main_cpu = thread_cpu_reader()

    def interrupt():
        # Wait until training runs (the records are allocated before the first
        # step, which takes long under a sanitizer), then interrupt it.
        started.wait(30)
        time.sleep(0.1)
        sent.append((time.perf_counter(), main_cpu() if main_cpu else None))
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt) as info:
        model.fit(X, y, loss="mse", optimizer=nnc.SGD(1e-3), epochs=20_000_000,
                  record="params", callback=lambda epoch, history: started.set(),
                  callback_every=1000)
    wall, cpu = time.perf_counter() - sent[0][0], time.thread_time()
    assert_interrupt_latency(wall, None if sent[0][1] is None else cpu - sent[0][1], "fit")
    h = info.value.history
    assert h.status == "interrupted"
    assert 0 < h.steps < 20_000_000 and h.epochs == h.steps
    assert h.params.shape == (h.steps + 1, 2)
    # the model holds exactly the last completed step
    np.testing.assert_array_equal(model.get_flat_params(), h.params[-1])
    # and can carry on
    model.fit(X, y, loss="mse", optimizer=nnc.SGD(1e-3), epochs=1)


def test_callback_every_and_stop():
    model, X, y, loss = grokking(0.5)
    seen = []

    def cb(epoch, history):
        seen.append((epoch, history.epochs, len(history.loss), history.status))

    hist = model.fit(X, y, loss=loss, optimizer=nnc.SGD(0.1), epochs=50, callback=cb,
                     callback_every=10)
    assert seen == [(e, e, e, "running") for e in (10, 20, 30, 40, 50)]
    assert hist.status == "completed"

    def stop_at_20(epoch, history):
        return epoch >= 20

    model, X, y, loss = grokking(0.5)
    hist = model.fit(X, y, loss=loss, optimizer=nnc.SGD(0.1), epochs=100, callback=stop_at_20,
                     callback_every=5, record="params")
    assert (hist.epochs, hist.status) == (20, "stopped")
    assert model.layers[0].weight[0, 0] == hist.params[-1, 0]


def test_callback_exception_propagates_with_history():
    model, X, y, loss = grokking(0.5)

    def boom(epoch, history):
        if epoch == 3:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here") as info:
        model.fit(X, y, loss=loss, optimizer=nnc.SGD(0.1), epochs=10, callback=boom)
    assert info.value.history.epochs == 3


def test_progress_plain_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as if tqdm were not installed
    model, X, y, loss = grokking(0.5)
    hist = model.fit(X, y, loss=loss, optimizer=nnc.SGD(0.1), epochs=30, progress=True)
    err = capsys.readouterr().err
    assert "fit: epoch 30/30" in err and "loss" in err
    assert hist.epochs == 30


def test_progress_tqdm():
    pytest.importorskip("tqdm")
    model, X, y, loss = grokking(0.5)
    plain, _, _, _ = grokking(0.5)
    h1 = model.fit(X, y, loss=loss, optimizer=nnc.SGD(0.1), epochs=30, progress=True)
    h2 = plain.fit(X, y, loss=loss, optimizer=nnc.SGD(0.1), epochs=30)
    np.testing.assert_array_equal(h1.loss, h2.loss)


def _train(seed, out):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 5))
    y = np.sin(X.sum(axis=1, keepdims=True))
    model = nnc.Sequential([nnc.Dense(5, 16), nnc.Tanh(), nnc.Dense(16, 1)], seed=seed)
    hist = model.fit(X, y, loss="mse", optimizer=nnc.Adam(0.01), epochs=150, batch_size=8,
                     shuffle=True)
    out[seed] = (hist.loss.copy(), model.get_flat_params())


def test_four_models_in_threads_equal_sequential():
    sequential, parallel = {}, {}
    for s in range(4):
        _train(s, sequential)
    threads = [threading.Thread(target=_train, args=(s, parallel)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in range(4):
        np.testing.assert_array_equal(parallel[s][0], sequential[s][0])
        np.testing.assert_array_equal(parallel[s][1], sequential[s][1])


def test_threads_argument_does_not_change_results():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 8)), rng.normal(size=(40, 3))
    runs = []
    for threads in (1, 2):
        model = nnc.Sequential([nnc.Dense(8, 32), nnc.ReLU(), nnc.Dense(32, 3)], seed=0)
        runs.append(model.fit(X, y, loss="mse", optimizer=nnc.SGD(0.01), epochs=5,
                              threads=threads, record="step").step_loss)
    np.testing.assert_array_equal(runs[0], runs[1])
