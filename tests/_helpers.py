"""Helpers shared by the test modules (imported as `_helpers`; pytest puts
tests/ on sys.path because conftest.py lives there).

- `variants`: one array's values in the memory layouts every kernel must take.
- `numeric_grad`: a central-difference gradient, the reference for backward passes.
- `LIB`, `VP`, `I64`, `ptr`, `kernel`, `ctype`: direct ctypes calls into the
  C kernels, for paths the Python API does not reach (a forward output passed to
  backward, in-place aliasing, status codes).
"""
import ctypes

import numpy as np

import nnc._core


def variants(a):
    """The same values as C-order, Fortran-order and strided arrays."""
    yield "C", a.copy(order="C")  # (ascontiguousarray would make 0-d 1-d)
    if a.ndim >= 1:
        yield "F", np.asfortranarray(a)
        yield "strided", np.repeat(a, 2, axis=-1)[..., ::2]


def numeric_grad(f, x, h=1e-6):
    """d f / d x by central differences, one element at a time (x in float64)."""
    g = np.empty_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


LIB = ctypes.CDLL(nnc._core.__file__)
VP = ctypes.c_void_p
I64 = ctypes.c_int64


def ptr(a):
    """The data pointer of array `a` (None stays a NULL pointer)."""
    return None if a is None else a.ctypes.data_as(VP)


def kernel(name, dtype, argtypes, restype=ctypes.c_int):
    """The C function `<name>_f32` or `<name>_f64` for `dtype`, typed."""
    sfx = "f32" if np.dtype(dtype) == np.float32 else "f64"
    fn = getattr(LIB, f"{name}_{sfx}")
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


def ctype(dtype):
    """The C scalar type of `dtype` (float or double)."""
    return ctypes.c_float if np.dtype(dtype) == np.float32 else ctypes.c_double


# The fields of _core.engine_fit's keyword-only private API, in the order the
# tests spell them positionally.
ENGINE_FIT_FIELDS = ("dtype", "layers", "params", "x", "y", "loss", "l1", "l2", "opt", "epochs",
                     "batch_size", "order", "rng_state", "divergence", "epoch_loss", "step_loss",
                     "param_record", "monitor", "callback_every", "ticks", "threads", "counters")


def engine_fit(*args, **kwargs):
    """_core.engine_fit with its fields given in ENGINE_FIT_FIELDS order."""
    assert len(args) == len(ENGINE_FIT_FIELDS), len(args)
    return nnc._core.engine_fit(**dict(zip(ENGINE_FIT_FIELDS, args)), **kwargs)


# --- Ctrl-C latency, measured in the interrupted thread's CPU time ----------
#
# The promise is that a long call notices Ctrl-C within 0.2 s: the work nnc
# does between two polls.  On a shared, loaded machine the wall time from
# signal to exception also contains the scheduler's delays (the thread waiting
# for a core), which nnc does not control and which made wall-clock asserts
# flaky.  So the latency tests read the CPU clock of the thread that runs the
# call, just before the signal is sent and when the exception is caught, and
# assert on the difference; the wall time gets a generous bound that only
# catches a hang.  Where no per-thread CPU clock is readable, wall time is used.

INTERRUPT_LATENCY = 0.2     # s of the running thread's CPU time
INTERRUPT_HANG = 10.0       # s of wall time: beyond this it is a hang


def thread_cpu_reader(ident=None):
    """A function returning the CPU time (s) of thread `ident` of this
    process (default: the main thread), readable from any thread; None when
    the platform has no per-thread CPU clock."""
    import threading
    import time
    if ident is None:
        ident = threading.main_thread().ident
    try:
        clk = time.pthread_getcpuclockid(ident)
        time.clock_gettime(clk)
    except (AttributeError, OSError):
        return None
    return lambda: time.clock_gettime(clk)


def process_main_thread_cpu(pid):
    """CPU time (s) of another process's main thread, from Linux's
    /proc/PID/task/PID/schedstat (nanoseconds on CPU); None elsewhere."""
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
            return int(f.read().split()[0]) * 1e-9
    except (OSError, ValueError, IndexError):
        return None


def process_cpu(pid):
    """CPU time (s) of another process, all its threads, finished ones
    included (utime + stime of Linux's /proc/PID/stat, in clock ticks;
    compare with the child's time.process_time()); None where unreadable."""
    import os
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def interrupt_child(script, mode, wait, cpu_reader, timeout=300):
    """Runs the Python file `script` with argument `mode` in a child process;
    once it prints READY and `wait` s have passed, sends it SIGINT (as a
    terminal's Ctrl-C does).  The child prints a JSON report as its last
    line.  Returns (report, sent, sent_cpu): the time.monotonic() of the
    signal and cpu_reader(pid) just before it (None if unreadable)."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    proc = subprocess.Popen([sys.executable, str(script), mode], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "READY", line + proc.stderr.read()
        time.sleep(wait)  # let the run get going
        sent_cpu = cpu_reader(proc.pid)
        sent = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"child exited with {proc.returncode}:\n{err[-5000:]}"
    return json.loads(out.strip().splitlines()[-1]), sent, sent_cpu


def assert_interrupt_latency(wall, cpu, what=""):
    """`wall`: seconds from signal to exception; `cpu`: the running thread's
    CPU seconds in that interval, or None when unmeasurable (then the wall
    time is held to the promise)."""
    assert 0 <= wall < INTERRUPT_HANG, f"{what}: KeyboardInterrupt {wall:.3f} s after SIGINT (hang)"
    used = wall if cpu is None else cpu
    assert used < INTERRUPT_LATENCY, (
        f"{what}: KeyboardInterrupt after {used:.3f} s of "
        f"{'wall' if cpu is None else 'CPU'} time (wall {wall:.3f} s)")


def interrupt_main_thread(call, delay, what):
    """Runs call() on this (the main) thread while another thread sends it a
    real SIGINT (signal.pthread_kill) after `delay` seconds; asserts that
    call() raised KeyboardInterrupt within the latency promise (the main
    thread's CPU time where it can be read) and returns the exception."""
    import signal
    import threading
    import time
    main = threading.main_thread().ident
    main_cpu = thread_cpu_reader(main)
    sent = []

    def fire():
        time.sleep(delay)
        sent.append((time.monotonic(), main_cpu() if main_cpu else None))
        signal.pthread_kill(main, signal.SIGINT)

    old = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Thread(target=fire, daemon=True).start()
        try:
            call()
        except KeyboardInterrupt as e:
            caught, exc = (time.monotonic(), time.thread_time()), e
        else:
            raise AssertionError(f"{what}: no KeyboardInterrupt")
    finally:
        signal.signal(signal.SIGINT, old)
    assert_interrupt_latency(caught[0] - sent[0][0],
                             None if sent[0][1] is None else caught[1] - sent[0][1], what)
    return exc

