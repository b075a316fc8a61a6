"""Build the notebooks in notebooks/ from the cells written below, run them,
and store them WITH their outputs, so they read well on a code host.

    python tools/make_notebooks.py              # build and run every notebook
    python tools/make_notebooks.py 03 06        # only names containing "03" or "06"
    python tools/make_notebooks.py --no-execute # write the cells without running them

Notebooks are code here: edit the cells in this file, never the .ipynb by
hand (tests/test_notebooks.py checks that the stored cells match).  Each
notebook runs in a fresh kernel on THIS interpreter with the repository first
on the path, so a source checkout with the extension built in place
(``python setup.py build_ext --inplace``) is enough.
"""
import argparse
import os
import pathlib
import sys
import tempfile
import textwrap
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
KERNEL_NAME = "nnc-python"


# --------------------------------------------------------------------------
# building and running
# --------------------------------------------------------------------------

def md(text):
    """A markdown cell (indentation of the triple-quoted text removed)."""
    import nbformat
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text):
    """A code cell (indentation of the triple-quoted text removed)."""
    import nbformat
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))


def build(name):
    """The notebook ``name`` (file stem) as an unexecuted NotebookNode."""
    import nbformat
    for stem, cells in NOTEBOOKS:
        if stem == name:
            nb = nbformat.v4.new_notebook(cells=cells())
            nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}
            nb.metadata.language_info = {"name": "python"}
            return nb
    raise KeyError(f"no notebook named {name!r}; known: {[s for s, _ in NOTEBOOKS]}")


def execute(nb, *, kernel_dir, timeout=300):
    """Run every cell of ``nb`` in place, in a kernel on this interpreter.

    ``kernel_dir`` is a scratch directory for the kernel spec.  The kernel's
    working directory is notebooks/ and the repository is first on its
    PYTHONPATH.  Raises ``nbclient.exceptions.CellExecutionError`` on the first
    failing cell.
    """
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    kernel_dir = pathlib.Path(kernel_dir)
    NOTEBOOK_DIR.mkdir(exist_ok=True)
    # a spec whose argv is sys.executable, so the kernel sees the same packages
    write_kernel_spec(path=str(kernel_dir / KERNEL_NAME),
                      overrides={"display_name": "Python 3 (nnc)"})
    ksm = KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("MPLBACKEND", None)  # the kernel's inline backend renders the figures
    client = NotebookClient(nb, km=km, timeout=timeout, record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    kernelspec = dict(nb.metadata.get("kernelspec", {}))
    client.execute(env=env)
    if kernelspec:
        nb.metadata.kernelspec = kernelspec  # store the user-facing spec, not ours
    return nb


def main(argv=None):
    import nbformat
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="substrings of notebook names (default: all)")
    ap.add_argument("--no-execute", action="store_true", help="write cells without outputs")
    args = ap.parse_args(argv)
    stems = [s for s, _ in NOTEBOOKS if not args.names or any(n in s for n in args.names)]
    if not stems:
        ap.error(f"no notebook matches {args.names}")
    NOTEBOOK_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for stem in stems:
            nb = build(stem)
            t0 = time.perf_counter()
            if not args.no_execute:
                execute(nb, kernel_dir=tmp)
            path = NOTEBOOK_DIR / f"{stem}.ipynb"
            nbformat.write(nb, str(path))
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KiB, "
                  f"{time.perf_counter() - t0:.1f} s")
    return 0


# --------------------------------------------------------------------------
# the notebooks
# --------------------------------------------------------------------------

SETUP = """
import numpy as np
import matplotlib.pyplot as plt
import nnc
from nnc import plot

# modest figures: they are stored in the notebook
plt.rcParams.update({"figure.dpi": 72, "figure.figsize": (6, 4)})
np.set_printoptions(precision=6, suppress=False)
"""

NOTEBOOKS = []


if __name__ == "__main__":
    sys.exit(main())
