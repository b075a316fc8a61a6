#!/usr/bin/env bash
# The C core's test program cross-built for aarch64 (64-bit ARM: the portable
# kernels, auto-vectorised for NEON) with -Werror, run under qemu-user.
# ~45 s plus the install.
set -euo pipefail
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
make -s -C csrc/tests check CC=aarch64-linux-gnu-gcc O="$out" \
    RUN="qemu-aarch64 -L /usr/aarch64-linux-gnu"
