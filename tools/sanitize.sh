#!/usr/bin/env bash
# Runs nnc under AddressSanitizer and UndefinedBehaviorSanitizer; fails on any
# report.
#
#   1. the C core's test program (csrc/tests), built with -fsanitize=address,
#      undefined (LeakSanitizer on: the program owns all its memory), and the
#      same program at -O3 without sanitizers;
#   2. the extension built with NNC_SANITIZE=1 (setup.py) in a temporary copy
#      of the source tree, and the Python test suite run against it with
#      libasan preloaded into the (uninstrumented) Python interpreter.  That
#      includes tests/adversarial/, whose scenarios run in child Pythons:
#      they inherit LD_PRELOAD and the sanitizer options, and a report or a
#      crash in a child fails its test (tests/adversarial/_child.py).
#      `tools/sanitize.sh python tests/adversarial` runs just those.
#
# Usage: tools/sanitize.sh [c|python|all] [extra pytest arguments]
# Environment: PYTHON (default: python3 from PATH), CC (default: gcc),
#              SAN_KEEP=1 keeps the temporary directory.
#
# Python tests left out under the sanitizers, and why:
#   tests/test_c_core.py   compiles the C program again, without sanitizers
#                          (step 1 already ran it, sanitized);
#   tests/test_leaks.py    measures RSS, which ASan's quarantine inflates by
#                          design (leaks are LeakSanitizer's job in step 1 and
#                          tracemalloc's in the normal run);
#   notebooks              executing them spawns kernels: slow, and they only
#                          call the functions the other tests call.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
what="${1:-all}"
[ $# -gt 0 ] && shift
PYTHON="${PYTHON:-python3}"
CC="${CC:-gcc}"
export CC

tmp="$(mktemp -d "${TMPDIR:-/tmp}/nnc-sanitize.XXXXXX")"
cleanup() { [ "${SAN_KEEP:-0}" = 1 ] && echo "kept $tmp" || rm -rf "$tmp"; }
trap cleanup EXIT

# Any report in a log fails the run, even one that did not stop the process.
check_log() {
    if grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)" "$1" >/dev/null; then
        echo "sanitize: reports found in $1:" >&2
        grep -E -A30 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$1" | head -80 >&2
        return 1
    fi
}

run_c() {
    local t0=$SECONDS
    echo "== C core test program: -O3, then ASan + UBSan (+ LeakSanitizer)"
    local core="$here/csrc/core" tests="$here/csrc/tests" out="$tmp/c"
    mkdir -p "$out"
    if command -v make >/dev/null; then
        make --no-print-directory -C "$tests" O="$out" all 2>&1 | tee "$out/log"
    else
        local common=(-std=c11 -Wall -Wextra -Werror -ffp-contract=off -fopenmp-simd
                      -fno-strict-aliasing -pthread "-I$core")
        "$CC" "${common[@]}" -O3 -o "$out/test_core" "$tests/test_core.c" "$core"/*.c -lm
        "$out/test_core" 2>&1 | tee "$out/log"
        "$CC" "${common[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer -g -o "$out/test_core_asan" "$tests/test_core.c" "$core"/*.c -lm
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            "$out/test_core_asan" 2>&1 | tee -a "$out/log"
    fi
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "sanitize: C test program failed" >&2; return 1; }
    check_log "$out/log"
    echo "== C core: done in $((SECONDS - t0)) s"
}

run_python() {
    local t0=$SECONDS
    echo "== Python suite against an ASan + UBSan build of the extension"
    local asan
    asan="$("$CC" -print-file-name=libasan.so)"
    if [ ! -e "$asan" ]; then
        echo "sanitize: $CC -print-file-name=libasan.so found no libasan ($asan)" >&2
        return 1
    fi
    "$PYTHON" -c "import setuptools, numpy, pytest" 2>/dev/null || {
        echo "sanitize: $PYTHON needs setuptools, numpy and pytest (pip install '.[test]' setuptools)" >&2
        return 1
    }
    # A private copy of the sources, so the sanitized build never replaces
    # the caller's in-place or installed extension.
    local src="$tmp/src"
    mkdir -p "$src"
    (cd "$here" && tar --exclude='./.venv*' --exclude='./build' --exclude='./.git' \
        --exclude='*.so' --exclude='__pycache__' --exclude='./csrc/tests/build' -cf - .) |
        (cd "$src" && tar -xf -)
    (cd "$src" && NNC_SANITIZE=1 NNC_WERROR=1 "$PYTHON" setup.py -q build_ext --inplace \
        >"$tmp/build.log" 2>&1) || { cat "$tmp/build.log" >&2; return 1; }
    local ignores=(--ignore=tests/test_c_core.py --ignore=tests/test_leaks.py)
    for nb in "$src"/tests/test_notebook*.py; do
        [ -e "$nb" ] && ignores+=("--ignore=tests/$(basename "$nb")")
    done
    # libstdc++ is preloaded too: a C++ extension loaded later (matplotlib's
    # ft2font) that throws would otherwise meet ASan's __cxa_throw
    # interceptor unresolved ("CHECK failed: real___cxa_throw != 0").
    local preload="$asan"
    local cxx
    cxx="$("$CC" -print-file-name=libstdc++.so)"
    [ -e "$cxx" ] && preload="$asan $cxx"
    local env=(LD_PRELOAD="$preload"
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1"
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
               NNC_UNDER_SANITIZER=1
               PYTHONPATH="$src/src")
    # The build under test is the sanitized copy...
    (cd "$src" && env "${env[@]}" "$PYTHON" -c "
import nnc
flags = nnc._core.build_info()['flags']
assert '-fsanitize=address,undefined' in flags, flags
print('sanitize: testing', nnc.__file__, 'built with', flags)") || return 1
    # ...and the sanitizer is live in it: a deliberate out-of-bounds read
    # through the C core (ctypes, n larger than the buffers) must be caught.
    if (cd "$src" && env "${env[@]}" "$PYTHON" -c "
import ctypes, numpy as np, nnc
lib = ctypes.CDLL(nnc._core.__file__)
lib.nnc_dot_f64.restype = ctypes.c_double
lib.nnc_dot_f64.argtypes = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p]
x = np.ones(4)
lib.nnc_dot_f64(64, x.ctypes.data, x.ctypes.data)" >"$tmp/canary.log" 2>&1) ||
        ! grep -q "ERROR: AddressSanitizer: heap-buffer-overflow" "$tmp/canary.log"; then
        echo "sanitize: the canary overflow was NOT reported; the sanitizer is not active" >&2
        cat "$tmp/canary.log" >&2
        return 1
    fi
    echo "sanitize: canary overflow reported as expected"
    # PYTHONPATH puts the copy's src/ ahead of site-packages, so `import nnc`
    # is the sanitized build even where nnc is installed (checked above).
    local rc
    set +e
    (cd "$src" && env "${env[@]}" \
        "$PYTHON" -m pytest -q -p no:cacheprovider "${ignores[@]}" "$@" 2>&1) \
        | tee "$tmp/pytest.log"
    rc=${PIPESTATUS[0]}
    set -e
    check_log "$tmp/pytest.log"
    [ "$rc" -eq 0 ] || { echo "sanitize: pytest failed under the sanitizers (exit $rc)" >&2; return 1; }
    echo "== Python suite: done in $((SECONDS - t0)) s"
}

case "$what" in
    c) run_c ;;
    python) run_python "$@" ;;
    all) run_c && run_python "$@" ;;
    *) echo "usage: $0 [c|python|all] [pytest args]" >&2; exit 2 ;;
esac
echo "sanitize: no reports"
