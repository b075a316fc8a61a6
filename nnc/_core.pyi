# Type stubs of nnc._core, the compiled extension.  Each area keeps its own
# section; the Python package (nnc/) is the documented API.
from typing import Any

import numpy as np

def build_info() -> dict[str, Any]: ...

# ---- matrix ----

# ---- functional ----

# ---- random ----

# ---- engine ----
