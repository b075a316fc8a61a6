"""nnc.book.figures: the chapters' figures, one PNG per walkthrough with a figure."""
import warnings

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnc import book, plot  # noqa: E402
from nnc.book import figures  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_book_figures(tmp_path):
    """python -m nnc --figures: one PNG (two for S2) per walkthrough with a figure."""
    results = book.run_all()
    paths = figures.book_figures(results, tmp_path / "figures", dpi=20)
    names = sorted(p.rsplit("/", 1)[-1] for p in map(str, paths))
    expected = set()
    for key in results:
        wid = key.split()[0]
        if wid in ("G1", "G2", "G4", "V3"):
            continue
        stem = "".join(c if c.isalnum() else "_" for c in key.replace("+", "plus"))
        expected |= ({f"{stem}_contour.png", f"{stem}_3d.png"} if wid == "S2"
                     else {f"{stem}.png"})
    assert set(names) == expected
    for p in paths:
        with open(p, "rb") as fh:
            assert fh.read(8) == PNG_MAGIC
    assert plt.get_fignums() == []          # every figure closed after saving
    # a subset (python -m nnc --only G5 --figures DIR) writes only its own
    only = figures.book_figures({"G5": results["G5"], "G1": results["G1"]}, tmp_path / "g5", dpi=20)
    assert [str(p).rsplit("/", 1)[-1] for p in only] == ["G5.png"]


def test_plot_keeps_only_general_figures():
    """nnc.plot's public names take arrays; the book's figures live in nnc.book.figures
    (the old name still resolves, with a DeprecationWarning)."""
    assert "book_figures" not in plot.__all__
    assert not [n for n in vars(plot) if n.startswith("_fig_")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert plot.book_figures is figures.book_figures
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
