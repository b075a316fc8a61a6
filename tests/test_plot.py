"""nnc.plot: each figure carries the data it was given, and saves as PNG."""
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnc import plot as P  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _saves(fig, tmp_path, name="fig.png"):
    path = tmp_path / name
    P.save_figure(fig, path, dpi=50)
    with open(path, "rb") as fh:
        assert fh.read(8) == PNG_MAGIC
    return path


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture
def grid():
    """The padhAI neuron's loss over (w, b) and a 200-step descent on it."""
    X = np.array([0.5, 2.5])
    Y = np.array([0.2, 0.9])

    def loss(w, b):
        w = np.asarray(w, dtype=float)[..., None]
        b = np.asarray(b, dtype=float)[..., None]
        return 0.5 * ((_sigmoid(w * X + b) - Y) ** 2).sum(-1)

    w = np.linspace(-2, 6, 41)
    b = np.linspace(-10, 2, 31)
    L = loss(*np.meshgrid(w, b))
    pw, pb = [0.0], [-8.0]
    for _ in range(200):
        f = _sigmoid(pw[-1] * X + pb[-1])
        g = (f - Y) * f * (1 - f)
        pw.append(pw[-1] - 3.0 * (g * X).sum())
        pb.append(pb[-1] - 3.0 * g.sum())
    pw, pb = np.array(pw), np.array(pb)
    return w, b, L, pw, pb, loss(pw, pb)


# ---------------------------------------------------------------- import

def test_import_does_not_load_matplotlib():
    code = "import sys, nnc.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "nnc\[plot\]"'):
        P.loss_curves([1.0, 0.5])


# ---------------------------------------------------------------- curves

def test_loss_curves_single_run(tmp_path):
    run = np.array([0.3025, 0.17015625, 0.095712890625])
    fig = P.loss_curves(run, labels="alpha 1")
    ax = fig.axes[0]
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), run)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 1, 2])
    assert ax.get_yscale() == "linear"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["alpha 1"]
    _saves(fig, tmp_path)


def test_loss_curves_several_runs_log_scale_and_history():
    class History:
        loss = np.array([4.0, 2.0, 1.0, 0.5])

    runs = {"a": [1.0, 0.1, 0.01], "history": History()}
    fig = P.loss_curves(runs, log=True, x=None)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [ln.get_label() for ln in ax.lines] == ["a", "history"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), History.loss)

    fig = P.loss_curves([[1.0, 2.0], [3.0, 4.0, 5.0]], labels=["x", "y"])
    assert [len(ln.get_ydata()) for ln in fig.axes[0].lines] == [2, 3]


def test_loss_curves_bad_input():
    with pytest.raises(ValueError, match="2 runs in losses but 1 labels"):
        P.loss_curves([[1.0, 2.0], [3.0]], labels=["only one"])
    with pytest.raises(ValueError, match="x has 3 values but run"):
        P.loss_curves([1.0, 2.0], x=[0, 1, 2])
    with pytest.raises(ValueError, match="must be 1-D"):
        P.loss_curves({"a": np.ones((2, 2))})


def test_points_with_lines(tmp_path):
    x = np.array([1.0, 3.0, 2.0, 4.0])
    y = np.array([3.0, 5.2, 4.1, 7.5])
    fig = P.points_with_lines(x, y, {"fit": (1.42, 1.39), "curve": lambda t: t ** 2})
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.column_stack([x, y]))
    xs = ax.lines[0].get_xdata()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 1.42 * xs + 1.39, rtol=1e-15)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), xs ** 2)
    assert xs.min() < x.min() and xs.max() > x.max()
    assert [ln.get_label() for ln in ax.lines] == ["fit", "curve"]
    _saves(fig, tmp_path)

    fig = P.points_with_lines(x, y, (2.0, -0.5))
    assert fig.axes[0].lines[0].get_label() == "y = 2 x - 0.5"
    with pytest.raises(ValueError, match="x has 4 values but y has 3"):
        P.points_with_lines(x, y[:3])


def test_descent_1d(tmp_path):
    w = np.linspace(-1, 2, 301)
    err = (w * 2 - 0.8) ** 2
    steps = np.array([0.5, -0.1, 1.1, -0.7])
    fig = P.descent_1d(w, err, steps)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), err)
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), steps)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), (steps * 2 - 0.8) ** 2, atol=2e-4)
    assert len(ax.texts) == 3  # one arrow per move
    _saves(fig, tmp_path)


# ---------------------------------------------------------------- surfaces

def test_loss_contour_levels_and_path(grid, tmp_path):
    w, b, L, pw, pb, _ = grid
    fig = P.loss_contour(w, b, L, path=(pw, pb), levels=15)
    cs = fig.nnc_contour
    np.testing.assert_allclose(cs.levels, np.linspace(L.min(), L.max(), 15))
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), pw)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), pb)
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "b"
    assert ax.get_xlim() == (w.min(), w.max())
    _saves(fig, tmp_path)

    levels = [0.05, 0.1, 0.2, 0.4]
    fig = P.loss_contour(w, b, L, levels=levels, filled=False, log=True)
    np.testing.assert_array_equal(fig.nnc_contour.levels, levels)
    fig = P.loss_contour(w, b, L, levels=10, log=True)
    lv = fig.nnc_contour.levels
    np.testing.assert_allclose(lv[1:] / lv[:-1], lv[1] / lv[0])


def test_loss_contour_indexing_and_shapes(grid):
    w, b, L, pw, pb, _ = grid
    a = P.loss_contour(w, b, L).nnc_contour.levels
    c = P.loss_contour(w, b, L.T, indexing="ij").nnc_contour.levels
    np.testing.assert_array_equal(a, c)
    with pytest.raises(ValueError, match=r"expected loss of shape \(31, 41\)"):
        P.loss_contour(w, b, L.T)
    with pytest.raises(ValueError, match="indexing must be"):
        P.loss_contour(w, b, L, indexing="yx")
    # a path as a (steps, 2) array
    fig = P.loss_contour(w, b, L, path=np.column_stack([pw, pb]))
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), pw)
    with pytest.raises(ValueError, match="different lengths"):
        P.loss_contour(w, b, L, path=(pw, pb[:-1]))
    with pytest.raises(ValueError, match="2 or 3 columns"):
        P.loss_contour(w, b, L, path=np.zeros((5, 4)))


def test_loss_surface_3d(grid, tmp_path):
    w, b, L, pw, pb, pl = grid
    fig = P.loss_surface_3d(w, b, L, path=(pw, pb, pl))
    ax = fig.axes[0]
    assert ax.name == "3d"
    xs, ys, zs = ax.lines[0].get_data_3d()
    np.testing.assert_array_equal(xs, pw)
    np.testing.assert_array_equal(zs, pl)
    _saves(fig, tmp_path)

    # without the path's losses, heights come from the grid: exact at grid nodes
    nodes_w, nodes_b = w[[3, 20, 37]], b[[5, 5, 29]]
    fig = P.loss_surface_3d(w, b, L, path=(nodes_w, nodes_b), log=True)
    _, _, zs = fig.axes[0].lines[0].get_data_3d()
    np.testing.assert_allclose(zs, np.log10(L[[5, 5, 29], [3, 20, 37]]), rtol=1e-12)
    with pytest.raises(ValueError, match="3-D axes"):
        P.loss_surface_3d(w, b, L, ax=plt.subplots()[1])


def test_bilinear_interpolation_is_exact_for_planes():
    x = np.linspace(0, 1, 5)
    y = np.linspace(2, 0, 4)  # descending grids are allowed
    X, Y = np.meshgrid(x, y)
    px = np.array([0.1, 0.55, 0.9, 1.5])
    py = np.array([1.9, 0.3, 1.0, 0.5])
    got = P._interp_grid(x, y, 3 * X - 2 * Y + 1, px, py)
    want = 3 * np.clip(px, 0, 1) - 2 * py + 1
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_optimizer_paths(grid, tmp_path):
    w, b, L, pw, pb, _ = grid
    fig = P.optimizer_paths(w, b, L, {"SGD": (pw, pb), "Adam": (pw[:50], pb[:50])})
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["SGD (200 steps)", "Adam (49 steps)"]
    path_lines = [ln for ln in ax.lines if ln.get_label().startswith(("SGD", "Adam"))]
    np.testing.assert_array_equal(path_lines[1].get_ydata(), pb[:50])
    assert path_lines[0].get_color() != path_lines[1].get_color()
    _saves(fig, tmp_path)
    with pytest.raises(ValueError, match="non-empty dict"):
        P.optimizer_paths(w, b, L, [(pw, pb)])


def test_descent_animation(grid, tmp_path):
    w, b, L, pw, pb, _ = grid
    anim = P.descent_animation(w, b, L, (pw, pb), frames=12)
    frames = anim.nnc_frames
    assert len(frames) == 12 and frames[0] == 0 and frames[-1] == pw.size - 1
    assert frames == sorted(frames)
    html = anim.to_jshtml()
    assert html.count("data:image/png;base64") == 12
    # drawing a frame shows the path up to that step
    anim._func(5)
    trail = anim._fig.axes[0].lines[-3]
    np.testing.assert_array_equal(trail.get_xdata(), pw[: frames[5] + 1])
    shown = P.animation_html(anim)
    assert "<script" in getattr(shown, "data", shown)
    # offline: the player's icons come as inline CSS, nothing from a CDN
    assert "font-awesome" not in getattr(shown, "data", shown)
    assert "font-awesome" in html  # (matplotlib's own player links it)
    assert not plt.fignum_exists(anim._fig.number)  # closed: no duplicate still in Jupyter

    small = P.animation_html(P.descent_animation(w, b, L, (pw, pb), frames=3),
                             frame_format="jpeg")
    assert getattr(small, "data", small).count("data:image/jpeg;base64") == 3
    with pytest.raises(ValueError, match="frame_format"):
        P.animation_html(anim, frame_format="gif")

    short = P.descent_animation(w, b, L, (pw[:4], pb[:4]), frames=50)
    assert short.nnc_frames == [0, 1, 2, 3]
    _saves(short, tmp_path)
    with pytest.raises(ValueError, match="frames must be at least 1"):
        P.descent_animation(w, b, L, (pw, pb), frames=0)


# ---------------------------------------------------------------- activations etc.

def test_activation_functions_with_callables(tmp_path):
    x = np.linspace(-4, 4, 81)
    fig = P.activation_functions(
        [("sigmoid", _sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t))),
         ("tanh", np.tanh)], x=x)
    left, right = fig.axes
    np.testing.assert_array_equal(left.lines[0].get_ydata(), _sigmoid(x))
    np.testing.assert_allclose(right.lines[0].get_ydata(), _sigmoid(x) * (1 - _sigmoid(x)))
    # no derivative given: central differences, accurate to ~1e-9
    np.testing.assert_allclose(right.lines[1].get_ydata(), 1 - np.tanh(x) ** 2, atol=1e-9)
    assert [ln.get_label() for ln in left.lines[:2]] == ["sigmoid", "tanh"]
    _saves(fig, tmp_path)

    fig = P.activation_functions([("id", lambda t: t)], derivatives=False)
    assert len(fig.axes) == 1

    specs = [("sigmoid", _sigmoid), ("tanh", np.tanh), ("id", lambda t: t),
             ("square", lambda t: t * t), ("cube", lambda t: t ** 3)]
    fig = P.activation_functions(specs, x=x, layout="grid")
    shown = [a for a in fig.axes if a.get_visible()]
    assert len(shown) == 5 and len(fig.axes) == 8           # 2 rows of 4, 3 hidden
    np.testing.assert_array_equal(shown[1].lines[0].get_ydata(), np.tanh(x))
    np.testing.assert_allclose(shown[3].lines[1].get_ydata(), 2 * x, atol=1e-8)
    assert shown[4].get_title() == "cube"
    with pytest.raises(ValueError, match="layout must be"):
        P.activation_functions(specs, layout="row")
    with pytest.raises(ValueError, match="axes must hold 5 axes"):
        P.activation_functions(specs, layout="grid", axes=plt.subplots(1, 2)[1])
    with pytest.raises(ValueError, match="each activation must be"):
        P.activation_functions([42])
    with pytest.raises(ValueError, match="not an elementwise"):
        P.activation_functions(["softmax"])


def test_activation_functions_by_name(tmp_path):
    F = pytest.importorskip("nnc.functional")
    if not hasattr(F, "sigmoid_backward"):
        pytest.skip("nnc.functional has no activations yet")
    x = np.linspace(-3, 3, 61)
    fig = P.activation_functions(
        ["sigmoid", "relu", ("leaky_relu", {"alpha": 0.2}), ("elu", {"alpha": 0.2}),
         ("prelu", {"alpha": 0.1}), "selu"], x=x)
    left, right = fig.axes
    s = _sigmoid(x)
    np.testing.assert_allclose(left.lines[0].get_ydata(), s, rtol=1e-12)
    np.testing.assert_allclose(right.lines[0].get_ydata(), s * (1 - s), rtol=1e-12)
    np.testing.assert_array_equal(left.lines[2].get_ydata(), np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(right.lines[4].get_ydata()[x < 0], 0.1)
    assert left.lines[3].get_label() == "elu (alpha=0.2)"
    _saves(fig, tmp_path)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        P.activation_functions(["swish"])


def test_decision_boundary(tmp_path):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])

    def xor_prob(g):
        s = g[:, 0] + g[:, 1]
        return _sigmoid(20 * (s - 0.5)) * _sigmoid(-20 * (s - 1.5))

    fig = P.decision_boundary(xor_prob, X, y, resolution=50)
    cls = fig.nnc_classes
    assert cls.shape == (50, 50)
    g1 = np.linspace(-0.5, 1.5, 50)
    G1, G2 = np.meshgrid(g1, g1)
    np.testing.assert_array_equal(cls, (xor_prob(np.column_stack([G1.ravel(), G2.ravel()]))
                                        >= 0.5).reshape(50, 50))
    ax = fig.axes[0]
    assert len(ax.collections) >= 2
    _saves(fig, tmp_path)

    def three_classes(g):  # argmax of (n, 3) scores
        return np.column_stack([-g[:, 0], g[:, 0] - 1, g[:, 1]])

    # a model that says 1/2 everywhere (up to rounding) has no boundary line
    fig = P.decision_boundary(lambda g: 0.5 + 1e-16 * g[:, 0], X, y, resolution=20)
    from matplotlib.contour import ContourSet
    sets = [c for c in fig.axes[0].get_children() if isinstance(c, ContourSet)]
    assert len(sets) == 1   # the filled map only, no threshold line

    fig = P.decision_boundary(three_classes, X, np.array([0, 2, 1, 2]), resolution=20)
    assert set(np.unique(fig.nnc_classes)) <= {0, 1, 2}
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        P.decision_boundary(xor_prob, np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="X has 4 rows but y has 3"):
        P.decision_boundary(xor_prob, X, y[:3])


def test_boxcar_approximation(tmp_path):
    x = np.linspace(-20, 20, 401)
    with np.errstate(over="ignore"):
        box = 7 * _sigmoid(1000 * x + 5000) - 7 * _sigmoid(1000 * x - 5000)
    target = 3 * np.sin(x / 4)
    fig = P.boxcar_approximation(x, target, {"one boxcar": box})
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), target)
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), box)
    assert [ln.get_label() for ln in ax.lines] == ["target", "one boxcar"]
    _saves(fig, tmp_path)
    assert P.boxcar_approximation(x, target, box).axes[0].lines[1].get_label() == "approximation"
    with pytest.raises(ValueError, match="has 3"):
        P.boxcar_approximation(x, target, {"bad": [1, 2, 3]})


# ---------------------------------------------------------------- learning-rate maps

def _final_losses(alphas, inp=2.0, steps=20):
    out = []
    for a in alphas:
        w = 0.5
        for _ in range(steps):
            w -= a * (w * inp - 0.8) * inp
        out.append((w * inp - 0.8) ** 2 if abs(w) < 1e6 else np.inf)
    return np.array(out)


def test_learning_rate_map(tmp_path):
    alphas = np.linspace(0.7, 0.01, 70)  # unsorted input is sorted for drawing
    vals = _final_losses(alphas)
    fig = P.learning_rate_map(alphas, vals, critical=0.5, diverge_above=1.0)
    diverged = fig.nnc_diverged
    np.testing.assert_array_equal(diverged, ~np.isfinite(vals) | (vals > 1.0))
    assert diverged[alphas > 0.55].all() and not diverged[alphas < 0.45].any()
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.sort(alphas))
    crit = [ln for ln in ax.lines if ln.get_label().startswith("critical rate")]
    assert crit and crit[0].get_xdata()[0] == 0.5
    assert ax.get_yscale() == "log"
    # an exact zero is drawn at the floor, not dropped
    fig = P.learning_rate_map([0.1, 0.25, 0.3], [1e-3, 0.0, 1e-5], floor=1e-9)
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [1e-3, 1e-9, 1e-5])
    _saves(fig, tmp_path)


def test_divergence_map(tmp_path):
    alphas = np.geomspace(0.01, 10, 30)
    inputs = np.linspace(0.5, 3, 12)
    vals = np.array([_final_losses(alphas, s) for s in inputs])
    vals[0, 0] = 0.0
    fig = P.divergence_map(alphas, inputs, vals, critical=lambda s: 2 / s ** 2)
    arr = fig.nnc_mesh.get_array()
    assert arr.shape == vals.shape
    np.testing.assert_array_equal(np.ma.getmaskarray(arr), ~np.isfinite(vals))
    assert arr[0, 0] == arr.min()  # the zero sits at the floor
    crit = fig.axes[0].lines[0]
    np.testing.assert_allclose(crit.get_xdata(), 2 / inputs ** 2)
    _saves(fig, tmp_path)
    with pytest.raises(ValueError, match=r"expected \(len\(inputs\), len\(alphas\)\) = \(12, 30\)"):
        P.divergence_map(alphas, inputs, vals.T)


def test_functions_draw_into_given_axes():
    fig, (a1, a2) = plt.subplots(1, 2)
    assert P.loss_curves([1.0, 0.5], ax=a1) is fig
    assert P.points_with_lines([0, 1], [0, 1], (1, 0), ax=a2) is fig
    assert len(a1.lines) == 1 and len(a2.lines) == 1
    fig, axs = plt.subplots(1, 2)
    assert P.activation_functions([("t", np.tanh)], axes=axs) is fig


def test_descent_animation_distance_spacing(grid):
    w, b, L, pw, pb, _ = grid
    # a path that idles for 90 steps, then moves a lot in 10
    px = np.concatenate([np.full(90, 0.0) + np.linspace(0, 0.01, 90), np.linspace(0.01, 4, 10)])
    py = np.concatenate([np.full(90, -8.0), np.linspace(-8, -5, 10)])
    anim = P.descent_animation(w, b, L, (px, py), frames=10, spacing="distance")
    frames = anim.nnc_frames
    assert frames[0] == 0 and frames[-1] == 99
    assert sum(f >= 90 for f in frames) >= 7      # most frames where the path moves
    even = P.descent_animation(w, b, L, (px, py), frames=10)
    assert sum(f >= 90 for f in even.nnc_frames) <= 2
    for a in (anim, even):
        a._draw_was_started = True  # never shown: silence matplotlib's unused-animation warning
    with pytest.raises(ValueError, match="spacing must be"):
        P.descent_animation(w, b, L, (px, py), spacing="time")


def test_descent_snapshots(grid, tmp_path):
    w, b, L, pw, pb, _ = grid
    fig = P.descent_snapshots(w, b, L, (pw, pb), count=4, spacing="steps")
    steps = fig.nnc_steps
    assert steps == [0, 67, 133, 200]
    panels = fig.axes
    assert len(panels) == 4 and [a.get_title() for a in panels] == [f"step {i}" for i in steps]
    for ax, i in zip(panels, steps):
        np.testing.assert_array_equal(ax.lines[0].get_xdata(), pw[: i + 1])
        assert ax.get_legend() is None
    _saves(fig, tmp_path)
    with pytest.raises(ValueError, match="count must be at least 1"):
        P.descent_snapshots(w, b, L, (pw, pb), count=0)
