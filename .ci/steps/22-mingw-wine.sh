#!/usr/bin/env bash
# The C core's test program cross-built for Windows x86-64 with mingw-w64
# (-Werror; Win32 threads through csrc/core/nnc_thread.h, so the worker pool
# and threaded products are exercised), run under wine.  ~60 s plus the
# install (wine is the biggest download of the CI steps).
set -euo pipefail
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || ! command -v wine >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        gcc-mingw-w64-x86-64 wine wine64 >/dev/null
fi
out=$(mktemp -d)
trap 'wineserver -w 2>/dev/null || true; rm -rf "$out" || true' EXIT
# A throw-away wine prefix; no Mono/Gecko prompts, no log noise.
export WINEPREFIX="$out/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
make -s -C csrc/tests check CC=x86_64-w64-mingw32-gcc EXE=.exe RUN=wine O="$out"
