#!/usr/bin/env bash
# Hardening (tools/sanitize.sh): the C core's test program at -O3 and under
# AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer), then the
# Python suite against an ASan/UBSan build of the extension.  Any report fails.
set -euo pipefail
python -c "import setuptools" 2>/dev/null || python -m pip install --quiet setuptools
tools/sanitize.sh all
