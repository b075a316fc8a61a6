"""Every notebook in notebooks/ re-executes without error.

The notebooks are stored with their outputs; here each is run again, top to
bottom, in a fresh kernel on this very interpreter, with the repository
first on the path.  Their cells ``assert`` the books' numbers, so a wrong
number fails here.  Select or skip them with ``-m notebooks`` /
``-m "not notebooks"``.
"""
import importlib.util
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_BYTES = 2 * 1024 * 1024

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _generator():
    """tools/make_notebooks.py, loaded as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  ROOT / "tools" / "make_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_chapter_has_a_notebook():
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01_grokking_dl_ch4.ipynb",
        "02_agile_ai_ch4.ipynb",
        "03_sigmoid_neuron.ipynb",
        "04_vasilev_ch2.ipynb",
        "05_grokking_ml_appendix_b.ipynb",
        "06_beyond_the_books.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_is_current_and_clean(path):
    """Stored with outputs, no errors, small, and built from the generator's cells."""
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), "not executed"
    for c in code:
        for out in c.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: stored error {out.get('ename')}"
    assert any(out.get("data", {}).get("image/png")
               for c in code for out in c.get("outputs", [])), "no figure stored"
    gen = _generator()
    built = gen.build(path.stem)
    assert ["".join(c["source"]) for c in nb["cells"]] == [c.source for c in built.cells], (
        f"{path.name} is stale: run python tools/make_notebooks.py {path.stem}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    gen = _generator()
    nb = nbformat.read(str(path), as_version=4)
    if any("sklearn" in c.source for c in nb.cells if c.cell_type == "code"):
        pytest.importorskip("sklearn")
    # The kernel imports the very nnc this test process imported: the built
    # checkout in development, site-packages after `pip install .` (the
    # repository's own nnc/ has no compiled _core there).
    import nnc
    here = pathlib.Path(nnc.__file__).resolve().parent.parent
    gen.execute(nb, kernel_dir=tmp_path, pythonpath=here)  # raises CellExecutionError on failure
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
