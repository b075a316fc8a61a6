"""docs/CHAPTERS.md, checked: each chapter's sections are in its notebook in
the chapter's order, every test the findings table names exists, and the
bit-level claims the page makes about M1, M3 and S2 hold.

The page cannot rot: move a notebook section, rename a test or change what
a walkthrough computes and one of these fails.
"""
import ast
import math
import pathlib
import random
import re

import numpy as np
import pytest

import nnc
from nnc import book, datasets

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "CHAPTERS.md"
SOURCES = ROOT / "notebooks" / "src"


def _page():
    return PAGE.read_text(encoding="utf-8")


def _cells(stem):
    """The cells of a jupytext percent-format source: [(kind, text), ...]
    (``# %%`` starts a code cell, ``# %% [markdown]`` a markdown one)."""
    cells = []
    for line in (SOURCES / f"{stem}.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            cells.append(["markdown" if "[markdown]" in line else "code", []])
        elif cells:
            cells[-1][1].append(line)
    return [(kind, "\n".join(lines)) for kind, lines in cells]


def _section_tables():
    """{notebook stem: [(chapter section, cell, anchor text), ...]} from the page."""
    tables, stem = {}, None
    for line in _page().splitlines():
        if line.startswith("## "):
            stem = None
        m = re.match(r"notebook: `notebooks/src/(\w+)\.py`", line)
        if m:
            stem = m.group(1)
            tables[stem] = []
            continue
        m = re.match(r"\| (.+?) \| (\d+) \| `(.+?)` \| .* \|$", line)
        if m and stem is not None:
            tables[stem].append((m.group(1), int(m.group(2)), m.group(3)))
    return tables


def _finding_tests():
    """Every ``tests/<file>.py::<name>`` the page cites."""
    return sorted(set(re.findall(r"`(tests/test_\w+\.py)::(\w+)`", _page())))


def test_every_chapter_notebook_has_a_section_table():
    tables = _section_tables()
    chapters = sorted(p.stem for p in SOURCES.glob("0[1-5]_*.py"))
    assert sorted(tables) == chapters
    assert all(len(rows) >= 5 for rows in tables.values())


@pytest.mark.parametrize("stem", sorted(_section_tables()))
def test_chapter_sections_are_in_the_notebook_in_the_chapters_order(stem):
    """Finding 1 / deliverable 1: each section the page lists is a markdown
    cell at the cell number the page gives, and the cells rise in the
    chapter's order."""
    cells = _cells(stem)
    rows = _section_tables()[stem]
    numbers = [cell for _, cell, _ in rows]
    assert numbers == sorted(numbers), f"{stem}: sections out of the chapter's order"
    for section, cell, anchor in rows:
        assert cell < len(cells), (stem, section, cell)
        kind, text = cells[cell]
        assert kind == "markdown" and anchor in text, (
            f"{stem}: cell {cell} should hold {anchor!r} ({section}); update docs/CHAPTERS.md")
    # and jupytext, which builds the notebooks, numbers the cells the same way
    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.read(str(SOURCES / f"{stem}.py"), fmt="py:percent")
    assert [c.cell_type for c in nb.cells] == [k for k, _ in cells]


def test_every_test_the_page_names_exists():
    """The findings table names tests as tests/<file>.py::<name>; each exists."""
    cited = _finding_tests()
    assert len(cited) >= 30
    defined = {}
    for path in {p for p, _ in cited}:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        defined[path] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    missing = [f"{p}::{n}" for p, n in cited if n not in defined[p]]
    assert not missing, f"docs/CHAPTERS.md names tests that do not exist: {missing}"


def test_every_finding_and_deliverable_has_a_test():
    findings = re.findall(r"^\| (F[1-8]|D[1-8])(?:\.\d+)? \|.*`tests/", _page(), re.M)
    assert set(findings) == {f"F{k}" for k in range(1, 9)} | {f"D{k}" for k in range(1, 9)}


def test_readme_links_the_page():
    assert "docs/CHAPTERS.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------- the page's bit-level claims

def test_trask_past_1101_the_prediction_rocks():
    """Finding 1 (Trask, "why 1101?"): at 1101 the prediction reaches 0.8;
    run longer and it rocks between 0.8 and 0.8005 (0.7995 just before)."""
    lines = book.g3_hot_cold(iterations=1130).lines()
    assert lines[1099] == "Error:2.50000000033e-07 Prediction:0.7995"
    assert lines[1100] == "Error:1.07995057925e-27 Prediction:0.8"
    assert set(lines[1100:]) == {"Error:1.07995057925e-27 Prediction:0.8",
                                 "Error:2.49999999967e-07 Prediction:0.8005"}


def _square_trick(grouping, steps=1000, lr=0.01):
    rooms, prices = datasets.serrano_rooms()
    rng = random.Random(0)
    slope, intercept = rng.random(), rng.random()
    out = [(slope, intercept)]
    for _ in range(steps):
        i = rng.randint(0, 5)
        x, p = float(rooms[i]), float(prices[i])
        predicted = slope * x + intercept
        if grouping == "book":
            slope += lr * x * (p - predicted)
        else:
            slope -= lr * (x * (predicted - p))
        intercept += lr * (p - predicted)
        out.append((slope, intercept))
    return np.array(out)


def test_m1_bits_part_only_where_the_learning_rate_meets_the_product():
    """M1: the engine is (lr * (x * err)) bit for bit; the book's code,
    ((lr * x) * err), differs after 708 of 1000 steps by under 6e-16 relative
    and ends on the same floats; the absolute trick is the book's throughout."""
    r = book.m1_linear_regression()
    engine = np.column_stack([r.slopes, r.intercepts])
    assert np.array_equal(engine, _square_trick("gradient"))
    ref = _square_trick("book")
    assert np.array_equal(ref, np.column_stack(book.grokking_ml.serrano_linear_loop()))
    differ = np.any(engine != ref, axis=1)
    assert differ.sum() == 708 and np.flatnonzero(differ)[0] == 5
    assert np.max(np.abs(engine - ref) / np.abs(ref)) < 6e-16
    assert tuple(engine[-1]) == tuple(ref[-1])
    a = book.m1_linear_regression(trick="absolute")
    s, i = book.grokking_ml.serrano_linear_loop("absolute")
    assert np.array_equal(a.slopes, s) and np.array_equal(a.intercepts, i)


def _logistic(r, sigmoid, lr=0.01):
    w1, w2, b = (float(v) for v in r.params[0])
    out = [(w1, w2, b)]
    for j in r.picks.tolist():
        x1, x2 = (float(v) for v in r.X[j])
        g = sigmoid(x1 * w1 + x2 * w2 + b) - float(r.y[j, 0])
        w1, w2, b = w1 - lr * (g * x1), w2 - lr * (g * x2), b - lr * g
        out.append((w1, w2, b))
    return np.array(out)


def test_m3_bits_part_only_in_the_sigmoid():
    """M3: with nnc's sigmoid the book's loop is the engine's path, bit for bit;
    with the book's exp(z) / (1 + exp(z)) it is the book's; the C library's
    1 / (1 + exp(-z)) matches neither (so transcendentals="libm" would not
    help).  The first parameter to differ is at step 130."""
    r = book.m3_logistic_regression()
    ours = _logistic(r, lambda z: float(nnc.functional.sigmoid(np.array([z]))[0]))
    assert np.array_equal(ours, r.params)
    theirs = _logistic(r, lambda z: math.exp(z) / (1 + math.exp(z)))
    assert np.array_equal(theirs, r.book_loop)
    libm = _logistic(r, lambda z: 1 / (1 + math.exp(-z)))
    assert not np.array_equal(libm[:2], theirs[:2])
    assert np.flatnonzero(np.any(r.params != r.book_loop, axis=1))[0] == 130
    assert r.max_gap_to_book < 4e-16


def test_s2_cells_differ_only_through_exp():
    """S2: nnc.loss_surface is within 1e-13 of the article's arithmetic; a
    one-epoch fit(sum_order="data", transcendentals="libm") records the
    article's float exactly, so exp is the only operation where they part."""
    s2 = book.s2_loss_surface(num=(9, 13), path=s2_path())
    x, y = datasets.padhai_toy()

    def article(w, b):
        err = 0.0
        for xi, yi in zip(x.tolist(), y.tolist()):
            fx = 1.0 / (1.0 + math.exp(-(w * xi + b)))
            err += 0.5 * (fx - yi) ** 2
        return err

    ref = np.array([[article(w, b) for w in s2.w_grid.tolist()] for b in s2.b_grid.tolist()])
    assert np.max(np.abs(s2.loss / ref - 1)) < 1e-13
    for j in range(0, s2.b_grid.size, 4):
        for i in range(0, s2.w_grid.size, 4):
            m = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], dtype="float64")
            m.layers[0].weight[...], m.layers[0].bias[...] = s2.w_grid[i], s2.b_grid[j]
            h = m.fit(x[:, None], y[:, None], loss=nnc.losses.MSE(reduction="sum", half=True),
                      optimizer=nnc.SGD(1.0), epochs=1, record="step", sum_order="data",
                      transcendentals="libm")
            assert h.step_loss[0] == ref[j, i], (i, j)
    # the walkthrough's own switch: every cell the article's float
    exact = book.s2_loss_surface(num=(9, 13), arithmetic="book", path=s2_path())
    assert np.array_equal(exact.loss, ref)
    with pytest.raises(ValueError, match="s2_loss_surface: arithmetic"):
        book.s2_loss_surface(arithmetic="libm")


def s2_path():
    """A stand-in for S1's path (s2 runs S1 when given none)."""
    class Path:
        w, b, loss = np.zeros(2), np.zeros(2), np.ones(2)
    return Path()


# ---------------------------------------- text that contradicted its output

def test_notebook_text_no_longer_contradicts_its_output():
    """Findings 3 and 6: the sentences that contradicted the code are gone."""
    nb02 = (SOURCES / "02_agile_ai_ch4.py").read_text(encoding="utf-8")
    nb04 = (SOURCES / "04_vasilev_ch2.py").read_text(encoding="utf-8")
    assert "touch each point once per pass" not in nb02
    assert "**Work**" in nb02 and "**Time**" in nb02
    assert "10 layers of 128 units" in nb04 and "10 layers of 256" not in nb04
    assert "accuracy 25%" not in nb04 and "undecided" in nb04
    assert "does not\n# zig-zag" in nb04 or "does not zig-zag" in nb04.replace("\n# ", " ")


# ------------------------------------- deliverable 7: every combination

def _runs_or_says_why(fn, **kw):
    """The walkthrough returns a result, or raises ValueError/TypeError whose
    message names the function and one of the arguments it was given."""
    try:
        r = fn(**kw)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        assert fn.__name__ in msg and any(k in msg for k in kw), (fn.__name__, kw, msg)
        return None
    assert str(r)
    return r


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("batch_size", [1, 5, 7, 100, 101, 0])
@pytest.mark.parametrize("arithmetic", ["bergel", "fast", "pharo"])
def test_a5_every_combination_runs_or_raises_clearly(shuffle, drop_last, batch_size,
                                                     arithmetic):
    r = _runs_or_says_why(book.a5_minibatch_sgd, epochs=3, shuffle=shuffle,
                          drop_last=drop_last, batch_size=batch_size, arithmetic=arithmetic)
    # a batch larger than the data never closes in Bergel's loop (drop_last)
    valid = arithmetic != "pharo" and 1 <= batch_size and not (drop_last and batch_size > 100)
    assert (r is not None) == valid
    if r is not None:
        per_epoch = 100 // batch_size if drop_last else -(-100 // batch_size)
        assert r.a.size - 1 == 3 * per_epoch


@pytest.mark.parametrize("arithmetic", ["book", "fast"])
@pytest.mark.parametrize("loss", [None, "mse", "mae", "huber", "log_loss"])
def test_s1_every_combination_runs_or_raises_clearly(arithmetic, loss):
    r = _runs_or_says_why(book.s1_sigmoid_neuron, epochs=4, arithmetic=arithmetic, loss=loss)
    assert (r is None) == (arithmetic == "book" and loss == "log_loss")


@pytest.mark.parametrize("schedule, extra", [("random", {}), ("random", {"epochs": 3}),
                                             ("epochs", {}), ("epochs", {"epochs": 3}),
                                             ("epochs", {"steps": 7})])
def test_m3_every_combination_runs_or_raises_clearly(schedule, extra):
    r = _runs_or_says_why(book.m3_logistic_regression, schedule=schedule, **extra)
    assert (r is None) == (schedule == "random" and "epochs" in extra)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5, 1.0, -0.1])
def test_g9_every_alpha_runs_or_raises_clearly(alpha):
    r = _runs_or_says_why(book.g9_alpha, alpha=alpha, iterations=5)
    assert (r is None) == (alpha < 0)


def test_kumar_surface_is_red_where_the_loss_is_high():
    """Finding 1 (Kumar): the surface coloured as the article describes it."""
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    from nnc import plot
    nb03 = (SOURCES / "03_sigmoid_neuron.py").read_text(encoding="utf-8")
    call = nb03[nb03.index("plot.loss_surface_3d("):]
    assert 'cmap="coolwarm"' in call[:call.index(")\n")]
    s2 = book.s2_loss_surface(num=(9, 13), path=s2_path())
    fig = plot.loss_surface_3d(s2.w_grid, s2.b_grid, s2.loss, cmap="coolwarm")
    surf = [c for c in fig.axes[0].collections if c.get_array() is not None][0]
    assert surf.cmap.name == "coolwarm"
    top = surf.cmap(surf.norm(float(s2.loss.max())))
    bottom = surf.cmap(surf.norm(float(s2.loss.min())))
    assert top[0] > top[2] and bottom[2] > bottom[0]     # red high, blue low
    import matplotlib.pyplot as plt
    plt.close(fig)
