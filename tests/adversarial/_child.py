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
    try:
        res = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True,
                             timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"child did not finish in {timeout} s (deadlock or spin); "
                             f"stdout so far: {exc.stdout!r}") from None
    report = ("AddressSanitizer" in res.stderr or "runtime error:" in res.stderr or
              "LeakSanitizer" in res.stderr)
    assert res.returncode == 0 and not report and "CHILD-OK" in res.stdout, (
        f"child exited with {res.returncode}\n--- stdout\n{res.stdout[-3000:]}\n"
        f"--- stderr\n{res.stderr[-5000:]}")
    return res.stdout
