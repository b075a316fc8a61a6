"""The C core's own test program (csrc/tests/test_core.c), built and run from
pytest so that the README's test command covers it.

It is compiled here exactly as csrc/tests/Makefile's ``check`` target does
(without the Makefile, so only a C compiler is needed), into a temporary
directory; the sanitizer build of the same program runs in tools/sanitize.sh.
Skipped only when no C compiler can be found.
"""
import os
import re
import shlex
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds and runs the C test program

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "csrc" / "core"
TESTS = ROOT / "csrc" / "tests"

FLAGS = ["-std=c11", "-O3", "-Wall", "-Wextra", "-ffp-contract=off", "-fno-math-errno",
         "-fopenmp-simd",
         "-fno-strict-aliasing", "-pthread"]


def _compiler():
    """The C compiler as an argv prefix, or None."""
    for cand in (os.environ.get("CC"), sysconfig.get_config_var("CC"), "cc", "gcc", "clang"):
        if not cand:
            continue
        argv = shlex.split(cand)
        if argv and shutil.which(argv[0]):
            return argv
    return None


def _build(tmp_path):
    cc = _compiler()
    if cc is None:
        pytest.skip("no C compiler found (set CC)")
    assert (TESTS / "test_core.c").is_file(), f"missing {TESTS / 'test_core.c'}"
    sources = sorted(str(p) for p in CORE.glob("*.c"))
    assert sources, f"no C sources under {CORE}"
    exe = tmp_path / "test_core"
    flags = FLAGS + (["-Werror"] if os.environ.get("NNC_WERROR") == "1" else [])
    cmd = cc + flags + [f"-I{CORE}", "-o", str(exe), str(TESTS / "test_core.c")] + sources + ["-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"compiling the C test program failed:\n{' '.join(cmd)}\n{res.stderr}"
    return exe


def test_c_core_program(tmp_path):
    exe = _build(tmp_path)
    res = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""
    m = re.fullmatch(r"(\d+) passed, (\d+) failed", last)
    assert m, f"no closing line; stdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    passed, failed = int(m.group(1)), int(m.group(2))
    assert failed == 0 and res.returncode == 0, f"{last}\n{res.stderr[-20000:]}"
    # Every kernel in both dtypes: thousands of checks.  A collapse of the
    # count means a part of the program silently stopped running.
    assert passed > 10000, last
