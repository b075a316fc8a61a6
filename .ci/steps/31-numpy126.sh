#!/usr/bin/env bash
# NumPy 1.26 at run time: the wheel (built against NumPy 2, which keeps the
# extension working on 1.25/1.26) installed beside numpy==1.26.* in a fresh
# venv, then the suite except the notebooks, the leak and the benchmark smoke
# tests (they exercise no NumPy version difference and take the most time).
# Uses the wheel step 30 left in build/ci-wheelhouse, or builds one.
# ~4 min.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wheel=$(ls build/ci-wheelhouse/nnc-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ]; then
    python -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" .
    wheel=$(ls "$work"/dist/nnc-*.whl)
fi
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "${wheel}[test]" "numpy==1.26.*"
"$work/venv/bin/python" -c "import numpy, nnc; assert numpy.__version__.startswith('1.26'), numpy.__version__; print('numpy', numpy.__version__, '+ nnc', nnc.__version__, nnc.__file__)"
# Run from a copy of the checkout without src/, so that the installed wheel
# is what the tests import.
mkdir "$work/repo"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/repo"
rm -rf "$work/repo/src"
cd "$work/repo"
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider -m "not notebooks" \
    --ignore=tests/test_leaks.py --ignore=tests/test_bench_smoke.py tests
