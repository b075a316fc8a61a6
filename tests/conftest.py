import os
import pathlib
import sys

import numpy as np
import pytest

# The tests exercise whichever nnc is importable: the installed package (CI
# runs `pip install ".[test]" && pytest`), or, in a development checkout, the
# source tree under src/ built in place (`python setup.py build_ext --inplace`).
try:
    import nnc  # noqa: F401
except ImportError:
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))
    sys.modules.pop("nnc", None)
    import nnc  # noqa: F401

# Subprocesses the tests start (python -m nnc, notebook kernels) import the
# very same nnc.
_NNC_HOME = str(pathlib.Path(nnc.__file__).resolve().parent.parent)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [_NNC_HOME] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))


@pytest.fixture(params=[np.float64, np.float32], ids=["f64", "f32"])
def dtype(request):
    return request.param
