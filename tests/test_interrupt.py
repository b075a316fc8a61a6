"""Ctrl-C during a long run, at the process level: a child Python process
trains (or evaluates a loss surface); the test sends it a real SIGINT with
os.kill, as a terminal or Jupyter's "interrupt kernel" does.

Checked in the child and reported back as JSON:
  * the run stops with KeyboardInterrupt within 0.2 s of the signal,
    counted in the child's main-thread CPU time (the parent reads it from
    /proc just before kill, the child when it catches the exception), so a
    loaded machine's scheduling delays don't count; wall time (CLOCK_MONOTONIC,
    system-wide) only has to stay clear of a hang (tests/_helpers.py);
  * the exception carries the History of the completed steps (status
    "interrupted", losses finite, one per completed epoch);
  * the model is consistent: finite parameters equal, bit for bit, to those
    after the last completed step -- by replaying the completed steps on a
    fresh model with the same seed, or from the recorded trajectory;
  * a loss surface interrupted mid-grid restores the two parameters it moves;
  * the model trains on afterwards, and the process exits normally.

The engine's own test (test_fit_control.py) interrupts from a thread with
_thread.interrupt_main(); here the real signal is delivered to the process.
"""
import os
import signal
import textwrap

import numpy as np
import pytest

import nnc
from _helpers import (assert_interrupt_latency, interrupt_child, interrupt_main_thread,
                      process_main_thread_cpu)

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_kill") or os.name != "posix",
                                reason="POSIX signals")

CHILD = textwrap.dedent('''
    import json, sys, time
    import numpy as np
    import nnc

    mode = sys.argv[1]
    dtype = "float32" if mode.endswith("32") else "float64"
    rng = np.random.default_rng(0)

    def net(width=16):
        return nnc.Sequential([nnc.Dense(8, width), nnc.Tanh(), nnc.Dense(width, 2)], seed=1,
                              dtype=dtype)

    report = {"mode": mode}
    if mode.startswith("full"):
        X = rng.normal(size=(64, 8))
        y = np.tanh(X[:, :2])
        model = net()
        kw = dict(loss="mse", optimizer=nnc.Momentum(1e-4), epochs=5_000_000)
    elif mode == "minibatch":
        X = rng.normal(size=(4096, 8))
        y = np.tanh(X[:, :2])
        model = net(64)
        kw = dict(loss="mse", optimizer=nnc.Adam(1e-4), epochs=5_000, batch_size=1024,
                  shuffle=True, record="params")
    elif mode == "callback":
        X = rng.normal(size=(64, 8))
        y = np.tanh(X[:, :2])
        model = net()
        seen = []
        kw = dict(loss="mse", optimizer=nnc.SGD(1e-4), epochs=5_000_000, record="step",
                  callback=lambda e, h: seen.append(e) and False, callback_every=1000)
        kw["epochs"] = 2_000_000
    elif mode == "surface":
        X = rng.normal(size=(256, 8))
        y = np.tanh(X[:, :2])
        model = net()
        before = model.get_flat_params()
        grid = np.linspace(-1, 1, 3000)
    print("READY", flush=True)
    try:
        if mode == "surface":
            nnc.loss_surface(model, X, y, "mse", (("layers.0.weight", (0, 0)),
                                                  ("layers.2.bias", 1)), (grid, grid))
            report["finished"] = True
        else:
            model.fit(X, y, **kw)
            report["finished"] = True
    except KeyboardInterrupt as exc:
        report["caught"] = time.monotonic()
        report["caught_cpu"] = time.thread_time()
        params = model.get_flat_params()
        report["finite"] = bool(np.isfinite(params).all())
        if mode == "surface":
            report["restored"] = bool((params == before).all())
            report["has_history"] = hasattr(exc, "history")
        else:
            h = exc.history
            report.update(status=h.status, epochs=h.epochs, steps=h.steps,
                          n_loss=int(h.loss.size),
                          loss_finite=bool(np.isfinite(h.loss).all()))
            if h.params is not None:
                report["matches"] = bool((h.params[-1] == params).all())
                report["rows"] = int(h.params.shape[0])
            else:
                # replay the completed steps (full batch: one per epoch)
                ref = net()
                rkw = dict(kw)
                rkw.pop("callback", None)
                rkw.pop("callback_every", None)
                rkw["epochs"] = h.steps
                ref.fit(X, y, **rkw)
                report["matches"] = bool((ref.get_flat_params() == params).all())
            if mode == "callback":
                report["callbacks"] = len(seen)
                report["step_loss"] = int(h.step_loss.size)
        # and the model carries on
        more = nnc.SGD(1e-4)
        if mode != "surface":
            h2 = model.fit(X, y, loss="mse", optimizer=more, epochs=2)
            report["continued"] = h2.epochs == 2 and bool(np.isfinite(h2.loss).all())
    print(json.dumps(report), flush=True)
''')


def _run_child(mode, tmp_path, wait=0.6):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    report, sent, sent_cpu = interrupt_child(script, mode, wait, process_main_thread_cpu)
    assert not report.get("finished"), "the run finished before the signal arrived"
    cpu = None if sent_cpu is None else report["caught_cpu"] - sent_cpu
    assert_interrupt_latency(report["caught"] - sent, cpu, report["mode"])
    return report


@pytest.mark.parametrize("mode", ["full64", "full32", "minibatch", "callback"])
def test_sigint_stops_fit_quickly_and_consistently(mode, tmp_path):
    r = _run_child(mode, tmp_path)
    assert r["status"] == "interrupted"
    assert r["steps"] > 0 and r["n_loss"] == r["epochs"] and r["loss_finite"]
    assert r["finite"] and r["matches"], r
    assert r["continued"]
    if mode == "minibatch":
        assert r["rows"] == r["steps"] + 1
    if mode == "callback":
        # the signal may land inside the callback of the last epoch, before it
        # recorded anything: that callback raised KeyboardInterrupt itself
        assert r["step_loss"] == r["steps"]
        assert r["callbacks"] in (r["epochs"] // 1000 - 1, r["epochs"] // 1000), r


def test_sigint_stops_a_loss_surface_and_restores_the_parameters(tmp_path):
    r = _run_child("surface", tmp_path)
    assert r["finite"] and r["restored"], r


def test_sigint_delivered_to_the_main_thread_in_process():
    """The same through a real signal sent to this process's main thread
    (signal.pthread_kill) while fit runs there."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = X[:, :1] * 2
    model = nnc.Sequential([nnc.Dense(4, 8), nnc.ReLU(), nnc.Dense(8, 1)], seed=0)
    exc = interrupt_main_thread(
        lambda: model.fit(X, y, loss="mse", optimizer=nnc.SGD(1e-4), epochs=10_000_000,
                          batch_size=16, record="step"), 0.4, "fit")
    h = exc.history
    assert h.status == "interrupted" and h.steps > 0 and h.step_loss.size == h.steps
    assert np.isfinite(model.get_flat_params()).all()
