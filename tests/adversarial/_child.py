"""Runs adversarial scenarios in a child Python process, so that a crash
(segfault, abort, sanitizer report) or a hang fails the test instead of
killing or stalling pytest.

``run(code, setup="")`` executes ``setup`` then ``code`` (snippets, each
dedented) with the same nnc the tests import, and returns the child's stdout.  The snippet
ends by printing "CHILD-OK"; the test fails when the child exits nonzero,
is killed by a signal, runs past ``timeout`` (a deadlock), prints a sanitizer
report, or never reaches CHILD-OK.
"""
import os
import signal
import subprocess
import sys
import textwrap

import nnc

NNC_PATH = os.path.dirname(os.path.dirname(os.path.abspath(nnc.__file__)))
PRELUDE = """
import os, signal, sys, threading, time
import numpy as np
import nnc
from nnc import _core
import nnc.functional as F
"""


def run(code, timeout=120, setup=""):
    env = dict(os.environ)
    env["PYTHONPATH"] = NNC_PATH + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYTHONFAULTHANDLER", "1")
    src = PRELUDE + textwrap.dedent(setup) + "\n" + textwrap.dedent(code) + "\nprint('CHILD-OK', flush=True)\n"
    proc = subprocess.Popen([sys.executable, "-c", src], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # SIGABRT makes faulthandler (PYTHONFAULTHANDLER) print every thread's
        # stack, so a deadlock report says where it hangs.
        proc.send_signal(signal.SIGABRT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        raise AssertionError(f"child did not finish in {timeout} s (deadlock or spin)\n"
                             f"--- stdout\n{out[-3000:]}\n--- stderr\n{err[-6000:]}") from None
    res = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    report = ("AddressSanitizer" in res.stderr or "runtime error:" in res.stderr or
              "LeakSanitizer" in res.stderr)
    assert res.returncode == 0 and not report and "CHILD-OK" in res.stdout, (
        f"child exited with {res.returncode}\n--- stdout\n{res.stdout[-3000:]}\n"
        f"--- stderr\n{res.stderr[-5000:]}")
    return res.stdout
