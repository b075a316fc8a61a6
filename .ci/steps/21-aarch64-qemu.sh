#!/usr/bin/env bash
# aarch64 (64-bit ARM), where the portable kernels are the fast path:
# 1. the C core's test program cross-built with -Werror and run under
#    qemu-user (correctness);
# 2. tools/check_neon.py (via tests/test_neon.py): the hot kernels (GEMM,
#    matrix, activations, vmath, optimizer steps, reductions), cross-compiled
#    with setup.py's flags, contain NEON vector arithmetic -- speed cannot be
#    measured under qemu, so the machine code is checked; the test also checks
#    that the check fails with -fno-tree-vectorize.
# ~45 s + ~1 min (three compiles of the core) plus the install.
set -euo pipefail
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null \
        || ! command -v aarch64-linux-gnu-objdump >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
make -s -C csrc/tests check CC=aarch64-linux-gnu-gcc O="$out" \
    RUN="qemu-aarch64 -L /usr/aarch64-linux-gnu"
python tools/check_neon.py --table
python -m pytest -q -p no:cacheprovider tests/test_neon.py
