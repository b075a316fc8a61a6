#!/usr/bin/env bash
# The C core's test program built with clang and -Werror (the flags are the
# extension's: csrc/tests/Makefile), then run.  ~30 s plus the clang install.
set -euo pipefail
if ! command -v clang >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
make -s -C csrc/tests check CC=clang O="$out"
