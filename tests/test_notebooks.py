"""The notebooks in notebooks/ are built from notebooks/src/*.py and are fresh.

Each notebook's source is a jupytext percent-format script; the stored
.ipynb must hold exactly its cells, and its stored text outputs must equal a
fresh execution (lines that report timings, and object addresses, aside).
The notebooks' cells ``assert`` the books' numbers, so a wrong number fails
here too.  Select or skip the executing tests with ``-m notebooks`` /
``-m "not notebooks"``.  Rebuild with ``python tools/make_notebooks.py``.
"""
import base64
import copy
import importlib.util
import json
import pathlib
import struct

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SOURCES = sorted((NOTEBOOK_DIR / "src").glob("*.py"))
MAX_BYTES = 3 * 1024 * 1024  # the explorers' widget state adds ~170 KB each

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _generator():
    """tools/make_notebooks.py, loaded as a module (tools/ is not a package)."""
    pytest.importorskip("jupytext")
    pytest.importorskip("nbformat")
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  ROOT / "tools" / "make_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _png_size(data):
    raw = base64.b64decode(data)
    return struct.unpack(">II", raw[16:24])


def test_every_chapter_has_a_notebook_and_a_source():
    names = [p.stem for p in NOTEBOOKS]
    assert names == [
        "01_grokking_dl_ch4",
        "02_agile_ai_ch4",
        "03_sigmoid_neuron",
        "04_vasilev_ch2",
        "05_grokking_ml_appendix_b",
        "06_beyond_the_books",
    ]
    assert [p.stem for p in SOURCES] == names
    for src in SOURCES:  # the sources are plain Python
        compile(src.read_text(encoding="utf-8"), str(src), "exec")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_matches_its_source(path):
    """Stored with outputs, no errors, small, and holding exactly its source's cells."""
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), "not executed"
    for c in code:
        for out in c.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: stored error {out.get('ename')}"
    gen = _generator()
    assert gen.stale(path.stem) is None, (
        f"{gen.stale(path.stem)}: run python tools/make_notebooks.py {path.stem}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_are_stored_sharp(path):
    """Every figure's PNG is stored at twice (or more) the pixels it is displayed
    at.  (An explorer's still, stored beside its widget for readers without a
    kernel, is drawn by nnc.interact at its own size.)"""
    nb = json.loads(path.read_text(encoding="utf-8"))
    pngs = [out for c in nb["cells"] for out in c.get("outputs", [])
            if "image/png" in out.get("data", {})
            and "application/vnd.jupyter.widget-view+json" not in out["data"]]
    assert pngs, "no figure stored"
    for out in pngs:
        shown = out.get("metadata", {}).get("image/png", {}).get("width")
        width, _ = _png_size(out["data"]["image/png"])
        assert shown and width >= 1.9 * shown, (path.name, width, shown)


def test_staleness_check_sees_an_edited_cell(tmp_path, monkeypatch):
    gen = _generator()
    name = NOTEBOOKS[0].stem
    assert gen.stale(name) is None
    src = tmp_path / "src"
    src.mkdir()
    text = gen.source_path(name).read_text(encoding="utf-8")
    (src / f"{name}.py").write_text(text.replace("print(", "print( ", 1), encoding="utf-8")
    monkeypatch.setattr(gen, "SOURCE_DIR", src)
    assert "differs" in gen.stale(name)


def test_text_outputs_ignore_timings_but_not_values():
    gen = _generator()
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text="nnc 0.044 s (Pharo: 27.479 s)\nloss 0.25\n<Figure at 0x7f12>\n")]
    other = copy.deepcopy(nb)
    other.cells[0].outputs[0].text = "nnc 0.512 s (Pharo: 27.479 s)\nloss 0.25\n<Figure at 0x5a>\n"
    assert gen.text_outputs(nb) == gen.text_outputs(other) == [["loss 0.25", "<Figure at 0x…>"]]
    other.cells[0].outputs[0].text = "nnc 0.044 s\nloss 0.26\n"
    assert gen.text_outputs(nb) != gen.text_outputs(other)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_equal_a_fresh_run(path, tmp_path):
    gen = _generator()
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    stored = nbformat.read(str(path), as_version=4)
    if any("sklearn" in c.source for c in stored.cells if c.cell_type == "code"):
        pytest.importorskip("sklearn")
    # The kernel imports the very nnc this test process imported: the built
    # checkout in development, site-packages after `pip install .` (the
    # repository's own src/nnc has no compiled _core there).
    import nnc
    here = pathlib.Path(nnc.__file__).resolve().parent.parent
    fresh = gen.execute(gen.build(path.stem), kernel_dir=tmp_path, pythonpath=here)
    assert all(c.execution_count for c in fresh.cells if c.cell_type == "code")
    old, new = gen.text_outputs(stored), gen.text_outputs(fresh)
    for k, (a, b) in enumerate(zip(old, new)):
        assert a == b, (f"{path.name}: code cell {k} printed differently; "
                        f"run python tools/make_notebooks.py {path.stem}")
    assert len(old) == len(new)


ERRATA = {  # finding 5: each chapter misprint has a marked note in its notebook
    "02_agile_ai_ch4": ["it is `∂J/∂b`", "The sign is\n# > minus"],
    "04_vasilev_ch2": ["weighted by its\n# > *probability*", "it is a 50% (0.5) chance"],
    "05_grokking_ml_appendix_b": ["it is\n# > the sign function", "it is\n# > `b′ = b − η`",
                                  "it is `σ (1 − σ)`"],
}


@pytest.mark.parametrize("name", sorted(ERRATA))
def test_errata_are_marked_in_the_notebooks(name):
    text = (NOTEBOOK_DIR / "src" / f"{name}.py").read_text(encoding="utf-8")
    notes = text.count("**Erratum.**")
    assert notes == len(ERRATA[name])
    for phrase in ERRATA[name]:
        assert phrase in text, (name, phrase)


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_prose_is_in_markdown_cells(src):
    """A heading, a quoted note or a bold lead-in inside a code cell is prose that
    lost its ``# %% [markdown]`` marker (M3's section once did): the reader
    would see it as comments in code."""
    kind, stray = None, []
    for number, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
        elif kind == "code" and line.startswith(("# #", "# >", "# **")):
            stray.append(f"line {number}: {line[:60]}")
    assert not stray, f"{src.name}: prose in a code cell: {stray}"
