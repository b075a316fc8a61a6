"""Build the notebooks in notebooks/ from their sources in notebooks/src/, run
them, and store them WITH their outputs, so they read well on a code host.

    python tools/make_notebooks.py              # build and run every notebook
    python tools/make_notebooks.py 03 06        # only names containing "03" or "06"
    python tools/make_notebooks.py --no-execute # write the cells without running them
    python tools/make_notebooks.py --check      # exit 1 if a stored notebook is stale

The sources are plain Python scripts in jupytext's percent format
(``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose lines
are comments): edit them, never the .ipynb by hand.  tests/test_notebooks.py
checks that each stored notebook's cells equal its source and that its stored
text outputs equal a fresh run.  Each notebook runs in a fresh kernel on THIS
interpreter with the repository's src/ first on the path, so a source
checkout with the extension built in place (``python setup.py build_ext
--inplace``) is enough.  Needs the ``notebooks`` extra (jupytext, nbclient,
ipykernel, matplotlib).
"""
import argparse
import os
import pathlib
import re
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
SOURCE_DIR = NOTEBOOK_DIR / "src"
KERNEL_NAME = "nnc-python"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

#: A stored output line that reports a timing ("0.044 s", "12 ms", "1.13 ns",
#: "18.847 s in Pharo") or a speed ratio ("355x"): it differs from run to run, so the
#: freshness check skips it.
TIMING = re.compile(r"\d(\.\d+)?\s*(s|ms|us|µs|ns|seconds)\b|\d(\.\d+)?x\b")
#: Object addresses in reprs (``<Figure at 0x7f...>``) differ from run to run.
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def stems():
    """The notebooks' names (source file stems), in order."""
    return sorted(p.stem for p in SOURCE_DIR.glob("*.py"))


def source_path(name):
    return SOURCE_DIR / f"{name}.py"


def build(name):
    """The notebook ``name`` (source file stem) as an unexecuted NotebookNode."""
    import jupytext
    path = source_path(name)
    if not path.exists():
        raise KeyError(f"no notebook source {path.relative_to(ROOT)}; known: {stems()}")
    nb = jupytext.read(str(path), fmt="py:percent")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def execute(nb, *, kernel_dir, timeout=600, pythonpath=None):
    """Run every cell of ``nb`` in place, in a kernel on this interpreter.

    ``kernel_dir`` is a scratch directory for the kernel spec.  The kernel's
    working directory is notebooks/ and the repository's src/ is first on its
    PYTHONPATH (``pythonpath`` replaces it, to run against another checkout or
    an installed nnc).  Raises ``nbclient.exceptions.CellExecutionError`` on
    the first failing cell.
    """
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    kernel_dir = pathlib.Path(kernel_dir)
    # a spec whose argv is sys.executable, so the kernel sees the same packages
    if not (kernel_dir / KERNEL_NAME).exists():
        write_kernel_spec(path=str(kernel_dir / KERNEL_NAME),
                          overrides={"display_name": "Python 3 (nnc)"})
    ksm = KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(pythonpath or ROOT / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("MPLBACKEND", None)  # the kernel's inline backend renders the figures
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    client = NotebookClient(nb, km=km, timeout=timeout, record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute(env=env)
    nb.metadata.kernelspec = dict(KERNELSPEC)  # store the user-facing spec, not ours
    return nb


def text_outputs(nb):
    """Every code cell's text outputs, without timing lines and with object
    addresses blanked: what must be the same in the stored notebook and a
    fresh run.  Per cell: the lines printed to stdout, then those printed to
    stderr, then the text/plain form of each result and display, in order.
    Streams are joined before they are split into lines, because the kernel
    may deliver one printed line in two chunks, and kept apart from the
    displays, because a figure may arrive before or after the text printed
    just before it."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        streams = {"stdout": "", "stderr": ""}
        shown = []
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            if out["output_type"] == "stream":
                text = "".join(text) if isinstance(text, list) else text
                streams[out.get("name", "stdout")] = streams.get(out.get("name", "stdout"),
                                                                 "") + text
            elif out["output_type"] in ("execute_result", "display_data"):
                plain = out.get("data", {}).get("text/plain", "")
                shown.append("".join(plain) if isinstance(plain, list) else plain)
            else:
                shown.append(f"{out['output_type']}: {out.get('ename', '')}")
        lines = []
        for text in [streams["stdout"], streams["stderr"]] + shown:
            lines += [ADDRESS.sub("0x…", ln) for ln in text.splitlines()
                      if not TIMING.search(ln)]
        cells.append(lines)
    return cells


def cell_sources(nb):
    """``[(cell type, source), ...]``: what the stored notebook and its source share."""
    return [(c.cell_type, "".join(c.source) if isinstance(c.source, list) else c.source)
            for c in nb.cells]


def stale(name):
    """None when notebooks/<name>.ipynb holds exactly the cells of its source,
    else a sentence saying what differs."""
    import nbformat
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    if not path.exists():
        return f"{path.relative_to(ROOT)} does not exist"
    stored, built = cell_sources(nbformat.read(str(path), as_version=4)), cell_sources(build(name))
    if stored == built:
        return None
    for k, (a, b) in enumerate(zip(stored, built)):
        if a != b:
            return f"{path.name}: cell {k} differs from its source {source_path(name).name}"
    return f"{path.name} has {len(stored)} cells, its source {len(built)}"


def main(argv=None):
    import nbformat
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="substrings of notebook names (default: all)")
    ap.add_argument("--no-execute", action="store_true", help="write cells without outputs")
    ap.add_argument("--check", action="store_true",
                    help="only check that every stored notebook's cells equal its source")
    ap.add_argument("--pythonpath", help="import nnc from this directory instead of src/")
    args = ap.parse_args(argv)
    chosen = [s for s in stems() if not args.names or any(n in s for n in args.names)]
    if not chosen:
        ap.error(f"no notebook matches {args.names}")
    if args.check:
        problems = [p for p in map(stale, chosen) if p]
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    with tempfile.TemporaryDirectory() as tmp:
        for stem in chosen:
            nb = build(stem)
            t0 = time.perf_counter()
            if not args.no_execute:
                execute(nb, kernel_dir=tmp, pythonpath=args.pythonpath)
            path = NOTEBOOK_DIR / f"{stem}.ipynb"
            nbformat.write(nb, str(path))
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KiB, "
                  f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
