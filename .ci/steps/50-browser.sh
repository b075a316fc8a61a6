#!/usr/bin/env bash
# Browser test of nnc.interact (tools/browser_test.py): Voila, then JupyterLab
# (running all cells), on 127.0.0.1 serve tests/browser/explore_demo.ipynb;
# headless Chromium drags a slider of two explorers and checks that the
# pictures change, that the console shows no errors and that nothing is
# fetched from outside 127.0.0.1.
# Installs Debian's chromium + chromium-driver and, into the CI venv, voila,
# jupyterlab and selenium.  Costs about 3-5 minutes (mostly the apt and pip
# installs; the test itself 47 s on the 2-core dev machine at load average
# 3-6 (Voila 24 s, JupyterLab 23 s), 95-120 s at load average 9-16).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
fi
python -m pip install --quiet "voila>=0.5" "jupyterlab>=4" "selenium>=4.10"
python tools/browser_test.py --no-screenshot
