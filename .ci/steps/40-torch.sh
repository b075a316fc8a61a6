#!/usr/bin/env bash
# The PyTorch bridge (model.to_torch(), nnc.Sequential.from_torch()): torch is
# not in the test extra, so the main run skips those tests; here the pinned
# CPU build is installed into the CI venv and the bridge's tests run.
# Cost, measured on the 2-core machine while others compiled: the install
# 55-67 s (a fresh venv), the tests about 15 s.
set -euo pipefail
python -m pip install --quiet torch==2.13.0
python -m pytest -q tests/test_export.py tests/bad_input/test_travel_bad.py -k "torch"
