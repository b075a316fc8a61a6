"""nnc.interact, driven headless through each explorer's ``.controls``.

Every explorer's result must equal the nnc.book walkthrough (or fit call)
it runs; every control at its extremes must give a result or a message in
the widget, never an exception; the widget's display bundle carries a PNG.
"""
import base64
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
matplotlib = pytest.importorskip("matplotlib")

import nnc  # noqa: E402
import nnc.interact as ni  # noqa: E402
from nnc import book  # noqa: E402

EXPLORERS = ["alpha_explorer", "hot_cold_explorer", "line_fit_explorer", "neuron_explorer",
             "optimizer_race", "activation_explorer", "init_explorer", "restart_explorer"]

# Smaller defaults where a full-size run would make the extremes test slow.
FAST = {        "init_explorer": dict(width=32, batch=32)}


def make(name, **kw):
    return getattr(ni, name)(continuous=False, **{**FAST.get(name, {}), **kw})


def extremes(control):
    """A numeric control's (lowest, highest) value (FloatLogSlider keeps exponents)."""
    import ipywidgets as widgets
    if isinstance(control, widgets.FloatLogSlider):
        return control.base ** control.min, control.base ** control.max
    return control.min, control.max


def set_values(explorer, **values):
    """Set several controls at once, updating once at the end (as a user who
    moved them one by one would finally see)."""
    with explorer.hold_trait_notifications():
        for control in explorer.controls.values():
            control.unobserve(explorer._changed, names="value")
        try:
            for name, value in values.items():
                explorer.controls[name].value = value
        finally:
            for control in explorer.controls.values():
                control.observe(explorer._changed, names="value")
    return explorer.update()


# ------------------------------------------------------------------ the API
def test_public_names():
    for name in EXPLORERS + ["LivePlot", "offline_jshtml"]:
        assert name in ni.__all__
        assert callable(getattr(ni, name))
    assert "alpha_explorer" in dir(ni)
    with pytest.raises(AttributeError):
        ni.no_such_explorer  # noqa: B018


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r'nnc\[interact\]'):
        ni._require()


def test_import_does_not_load_widgets():
    code = ("import sys, nnc.interact; "
            "print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_protocol(name):
    import ipywidgets as widgets
    e = make(name)
    assert isinstance(e, widgets.Widget)
    assert isinstance(e.controls, dict) and e.controls
    assert all(isinstance(c, widgets.ValueWidget) for c in e.controls.values())
    assert e.result is not None and not e.error, e.message
    assert e.update() is e.result
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG") and png == e.canvas.png
    assert len(e.timings["compute"]) == len(e.timings["draw"]) >= 2


@pytest.mark.parametrize("name", EXPLORERS)
def test_every_control_at_its_extremes(name):
    """Each control at its minimum and maximum (the others at their
    defaults): a result, or an error message in the widget -- never an
    exception."""
    e = make(name)
    defaults = e.values()
    for key, control in e.controls.items():
        if hasattr(control, "options"):
            values = list(control.options)
            values = [v[1] if isinstance(v, tuple) else v for v in values]
        elif isinstance(control.value, bool):
            values = [True, False]
        else:
            values = list(extremes(control))
        for v in values:
            set_values(e, **{**defaults, key: v})
            assert (e.result is not None) != e.error, (key, v, e.message)
            if e.error:
                assert e.message
        set_values(e, **defaults)
        assert e.result is not None and not e.error, (key, e.message)


@pytest.mark.parametrize("name", EXPLORERS)
def test_picture_follows_the_controls(name):
    e = make(name)
    before = e.canvas.png
    key = {"activation_explorer": "repeat"}.get(name) or next(
        k for k, c in e.controls.items() if hasattr(c, "max") and c.value != extremes(c)[1])
    e.controls[key].value = extremes(e.controls[key])[1]
    assert e.canvas.png != before


def test_continuous_update_choice():
    e = ni.alpha_explorer(continuous=True)
    assert e.continuous_update and e.controls["alpha"].continuous_update
    e = ni.alpha_explorer(continuous=False)
    assert not e.continuous_update and not e.controls["alpha"].continuous_update
    e = ni.alpha_explorer()  # decided from the first updates' median
    assert isinstance(e.continuous_update, bool)
    assert e.controls["steps"].continuous_update == e.continuous_update


def test_continuous_update_follows_the_cost(monkeypatch):
    from nnc.interact import _base
    e = ni.alpha_explorer()
    monkeypatch.setattr(_base, "CONTINUOUS_BUDGET", 0.0)  # nothing is fast enough
    for steps in range(10, 16):
        e.controls["steps"].value = steps
    assert not e.continuous_update and not e.controls["alpha"].continuous_update
    monkeypatch.setattr(_base, "CONTINUOUS_BUDGET", 1e9)  # everything is
    for steps in range(16, 22):
        e.controls["steps"].value = steps
    assert e.continuous_update and e.controls["alpha"].continuous_update
    e = ni.alpha_explorer(continuous=False)  # an explicit choice stays
    for steps in range(10, 16):
        e.controls["steps"].value = steps
    assert not e.continuous_update


# ------------------------------------------------------------------ Trask
def test_alpha_explorer_is_g5():
    e = make("alpha_explorer")
    ref = book.g5_gradient_descent()
    np.testing.assert_array_equal(e.result.weights, ref.weights)
    assert e.result.lines() == ref.lines()
    v = dict(alpha=0.1, input=2.0, weight=0.5, goal=0.8, steps=20)
    r = set_values(e, **v)
    ref = book.g9_alpha()  # the book's G9 run
    np.testing.assert_array_equal(r.errors, ref.errors)
    assert "converges smoothly" in e.message


@pytest.mark.parametrize("alpha,word", [(0.2, "converges smoothly"), (0.25, "one step"),
                                        (0.4, "oscillates"), (0.5, "forever"),
                                        (0.8, "diverges")])
def test_alpha_explorer_names_the_regime(alpha, word):
    # input 2: alpha * input^2 = 4 alpha
    e = make("alpha_explorer")
    set_values(e, alpha=alpha, input=2.0)
    assert e.controls["alpha"].value == pytest.approx(alpha, rel=0.03)
    assert word in e.message


def test_alpha_explorer_overflow_is_a_message():
    e = make("alpha_explorer")
    r = set_values(e, alpha=10.0, input=3.0, steps=200)
    assert r is None and e.result is None and e.error
    assert "diverged" in e.message
    r = set_values(e, alpha=1.0, input=0.5, steps=20)
    assert r is not None and not e.error and e.message != ""


def test_alpha_explorer_input_zero():
    e = make("alpha_explorer")
    r = set_values(e, input=0.0)
    assert np.all(r.weights == r.weights[0])
    assert "never moves" in e.message


def test_hot_cold_explorer_is_g3_and_g5():
    e = make("hot_cold_explorer")
    np.testing.assert_array_equal(e.result.hot_cold.weights, book.g3_hot_cold().weights)
    r = set_values(e, step=10.0, iterations=6)
    ref = book.g3_hot_cold(step=e.controls["step"].value, iterations=6)
    np.testing.assert_array_equal(r.hot_cold.predictions, ref.predictions)
    np.testing.assert_allclose(r.hot_cold.predictions, [0.25, 5.25] * 3)  # the book's rocking
    assert "rocking" in e.message
    np.testing.assert_array_equal(
        r.gradient_descent.weights,
        book.g5_gradient_descent(alpha=e.controls["alpha"].value, iterations=6).weights)
    assert r.hot_cold.forward_passes == 3 * 6
    assert r.gradient_descent.history.forward_passes == 6


def test_hot_cold_explorer_gradient_descent_diverging():
    e = make("hot_cold_explorer")
    r = set_values(e, alpha=10.0, iterations=1101)  # alpha * 0.25 = 2.5 > 2
    assert r is not None and r.gradient_descent is None and not e.error
    assert "Gradient descent diverged at step" in e.message
    np.testing.assert_array_equal(r.hot_cold.weights, book.g3_hot_cold().weights)


# ------------------------------------------------------------------ Bergel
def test_line_fit_explorer_matches_the_walkthroughs():
    e = make("line_fit_explorer")
    ref = book.a4_noisy_line(iterations=1000)
    np.testing.assert_array_equal(e.result.a, ref.a)
    np.testing.assert_array_equal(e.result.mse, ref.mse)
    r = set_values(e, batch="k", k=5, epochs=200)
    ref = book.a5_minibatch_sgd(epochs=200, batch_size=5)
    np.testing.assert_array_equal(r.a, ref.a)
    np.testing.assert_array_equal(r.mse, ref.mse)
    r = set_values(e, batch="1", epochs=20, n=30)
    ref = book.a5_minibatch_sgd(n=30, epochs=20, batch_size=1)
    np.testing.assert_array_equal(r.b, ref.b)


def test_line_fit_explorer_shuffle_is_fit():
    e = make("line_fit_explorer")
    r = set_values(e, batch="k", k=10, shuffle=True, epochs=50, seed=3, n=60)
    x, y = nnc.datasets.noisy_line(60, 42)
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=3, dtype="float64")
    model.layers[0].weight[...] = 0.5
    model.layers[0].bias[...] = 3.0
    h = model.fit(x[:, None], y[:, None], loss=nnc.losses.MSE(), optimizer=nnc.SGD(0.01),
                  epochs=50, batch_size=10, shuffle=True, record="params")
    np.testing.assert_array_equal(r.a, h.params[:, 0])
    np.testing.assert_array_equal(r.mse, h.loss)
    set_values(e, batch="full", shuffle=True)
    assert "shuffle changes nothing" in e.message


def test_line_fit_explorer_divergence_is_a_message():
    e = make("line_fit_explorer")
    r = set_values(e, learning_rate=extremes(e.controls["learning_rate"])[1], n=500, epochs=1000)
    assert r is None and e.error and "diverged" in e.message
    assert e.figure.texts[-1].get_visible()  # the message is drawn on the figure too
    set_values(e, learning_rate=0.01)
    assert not e.error and not e.figure.texts[-1].get_visible()


# ------------------------------------------------------------------ padhAI
def test_neuron_explorer_is_s1():
    e = make("neuron_explorer")
    ref = book.s1_sigmoid_neuron()
    np.testing.assert_array_equal(e.result.w, ref.w)
    np.testing.assert_array_equal(e.result.loss, ref.loss)
    r = set_values(e, w=1.0, b=-2.0, learning_rate=0.5, epochs=300)
    ref = book.s1_sigmoid_neuron(w=1.0, b=-2.0, learning_rate=0.5, epochs=300)
    np.testing.assert_array_equal(r.b, ref.b)
    r = set_values(e, epochs=0)
    assert r.w.size == 1 and not e.error


def test_neuron_explorer_shows_the_plateau():
    e = make("neuron_explorer")
    text = e._label.get_text()
    assert text.startswith("plateau: ")
    assert 100 < int(text.split()[1]) < 1000


# ------------------------------------------------------------------ Vasilev
def test_optimizer_race_is_v9():
    e = make("optimizer_race")
    ref = book.v9_optimizers()
    assert e.result.names == ref.names
    for mine, theirs in zip(e.result.paths, ref.paths):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(np.array(e.result.losses), ref.losses)


def test_optimizer_race_controls_reach_the_optimizers():
    e = make("optimizer_race")
    r = set_values(e, mu=0.5, beta1=0.5, beta2=0.9, eps=1e-3, adam_lr=0.1, steps=10,
                   start_w1=1.0, start_w2=-2.0, surface="round bowl")
    c = e.values()
    from nnc.interact.vasilev import SURFACES
    X = SURFACES["round bowl"]
    opts = [nnc.SGD(c["learning_rate"]), nnc.Momentum(c["learning_rate"], c["mu"]),
            nnc.Nesterov(c["learning_rate"], c["mu"]),
            nnc.Adam(lr=c["adam_lr"], beta1=c["beta1"], beta2=c["beta2"], eps=c["eps"])]
    for path, opt in zip(r.paths, opts):
        model = nnc.Sequential([nnc.Dense(2, 1, bias=False)], seed=0, dtype="float64")
        model.layers[0].weight[:, 0] = (1.0, -2.0)
        h = model.fit(X, np.zeros((2, 1)), loss=nnc.losses.MSE(reduction="sum", half=True),
                      optimizer=opt, epochs=10, record="params")
        np.testing.assert_array_equal(path, h.params)


def test_optimizer_race_divergence_is_drawn_and_named():
    e = make("optimizer_race")
    r = set_values(e, learning_rate=extremes(e.controls["learning_rate"])[1], steps=300)
    assert r is not None and "SGD" in r.diverged
    assert "diverged: SGD at step" in e.message
    assert r.paths[0].shape[0] < 301


def test_activation_explorer_matches_v4():
    e = make("activation_explorer")
    v4 = book.v4_activations(x=e.result.x)
    for name, alpha in (("sigmoid", 0.2), ("tanh", 0.2), ("relu", 0.2), ("leaky_relu", 0.2),
                        ("prelu", 0.25), ("elu", 0.2), ("selu", 0.2)):
        r = set_values(e, activation=name, alpha=alpha, repeat=1, x_range=5.0)
        k = v4.names.index(name)
        np.testing.assert_array_equal(r.values, v4.values[k])
        np.testing.assert_array_equal(r.derivative, v4.derivatives[k])
        np.testing.assert_array_equal(r.repeated, r.values)
        np.testing.assert_array_equal(r.repeated_derivative, r.derivative)


def test_activation_explorer_repeats_by_the_chain_rule():
    e = make("activation_explorer")
    r = set_values(e, activation="sigmoid", repeat=2)
    s = 1.0 / (1.0 + np.exp(-r.x))
    ss = 1.0 / (1.0 + np.exp(-s))
    np.testing.assert_allclose(r.repeated, ss, rtol=1e-12)
    np.testing.assert_allclose(r.repeated_derivative, ss * (1 - ss) * s * (1 - s), rtol=1e-10)
    i = np.argmin(np.abs(r.x - 2.0))
    assert r.x[i] == 2.0 and round(r.repeated[i], 3) == 0.707  # Vasilev's sigma(sigma(2))
    set_values(e, activation="tanh")
    assert "takes no parameter" in e.message


def _numpy_stack(weights, x, activation):
    f = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
         "relu": lambda z: np.maximum(z, 0)}[activation]
    df = {"sigmoid": lambda z: f(z) * (1 - f(z)), "tanh": lambda z: 1 - np.tanh(z) ** 2,
          "relu": lambda z: (z > 0).astype(float)}[activation]
    pre, h, stds = [], x, []
    for W in weights:
        z = h @ W
        pre.append(z)
        h = f(z)
        stds.append(h.std())
    g = np.ones_like(h) / h.shape[0]
    rms = []
    for W, z in zip(reversed(weights), reversed(pre)):
        dz = df(z) * g
        rms.append(np.sqrt(np.mean(dz * dz)))
        g = dz @ W.T
    return np.array(stds), np.array(rms[::-1])


@pytest.mark.parametrize("init,activation", [("xavier_normal", "sigmoid"),
                                             ("he_normal", "relu"),
                                             ("normal(0, 1)", "tanh")])
def test_init_explorer_is_the_numpy_stack(init, activation):
    from nnc.interact.vasilev import deep_stack
    e = make("init_explorer")
    r = set_values(e, init=init, activation=activation, depth=6, width=24, batch=16, seed=5)
    weights, _, _ = deep_stack(init, activation, 6, 24, 16, 5)
    x = np.asarray(nnc.Generator(5).normal((16, 24)))
    stds, rms = _numpy_stack(weights, x, activation)
    np.testing.assert_allclose(r.activation_std, stds, rtol=1e-9)
    np.testing.assert_allclose(r.gradient_rms, rms, rtol=1e-9)


def test_init_explorer_he_relu_keeps_the_scale():
    e = make("init_explorer")
    r = set_values(e, init="he_normal", activation="relu", depth=20, width=128, batch=128)
    assert 0.2 < r.activation_std[-1] / r.activation_std[0] < 5
    r = set_values(e, init="xavier_normal", activation="sigmoid")
    assert r.gradient_rms[0] < 1e-6 * r.gradient_rms[-1]  # vanishing through sigmoids


# ------------------------------------------------------------------ Serrano
def test_restart_explorer_is_m6():
    # the defaults are the book's: three restarts, two stuck (Figs. B.7-B.9)
    e = ni.restart_explorer(continuous=False)
    ref = book.m6_random_restarts()
    np.testing.assert_array_equal(e.result.paths, ref.paths)
    np.testing.assert_array_equal(e.result.stuck, ref.stuck)
    assert e.result.best == ref.best == 2 and e.result.stuck.tolist() == [True, True, False]
    assert "2 of 3 restarts" in e.message
    r = set_values(e, restarts=17, seed=5, learning_rate=0.2, steps=77)
    ref = book.m6_random_restarts(restarts=17, seed=5, learning_rate=0.2, steps=77)
    assert r.paths.shape == (17, 78)
    for key in ("starts", "paths", "final_x", "final_value", "stuck"):
        np.testing.assert_array_equal(getattr(r, key), getattr(ref, key))
    assert r.best == ref.best and r.lowest_value == ref.lowest_value
    # what is drawn: every walk (the first steps), the best end starred
    shown = [line for line in e._walks if line.get_visible()]
    assert len(shown) == 17
    np.testing.assert_array_equal(shown[3].get_xdata(), r.paths[3, :78])
    np.testing.assert_allclose(shown[3].get_ydata(), book.grokking_ml.valleys(r.paths[3]),
                               rtol=1e-15)
    assert e._best1.get_xdata()[0] == r.final_x[r.best]
    np.testing.assert_array_equal(e._best2.get_ydata(), book.grokking_ml.valleys(r.paths[r.best]))
    assert len(e._ends_ok.get_offsets()) + len(e._ends_stuck.get_offsets()) == 17
    assert len(e._ends_stuck.get_offsets()) == int(r.stuck.sum())
    assert "of 17 restarts" in e.message


def test_restart_explorer_more_restarts_find_the_lowest_valley():
    e = ni.restart_explorer(continuous=False)
    r = set_values(e, restarts=1, seed=0)
    assert r.stuck.all() and "every restart stuck" in e.message
    r = set_values(e, restarts=20)
    assert not r.stuck[r.best] and abs(r.final_x[r.best] - r.lowest_x) < 1e-3


# ------------------------------------------------------------------ LivePlot
def _xor_model():
    X, y = nnc.datasets.xor()
    return nnc.Sequential([nnc.Dense(2, 4), nnc.Tanh(), nnc.Dense(4, 1)], seed=1), X, y


def test_liveplot_draws_loss_and_boundary():
    model, X, y = _xor_model()
    live = ni.LivePlot(model=model, X=X, y=y, logits=True, interval=0.0, budget=1.0,
                       display=False)
    with live:
        h = model.fit(X, y, loss=nnc.losses.LogLossWithLogits(), optimizer=nnc.Adam(0.05),
                      epochs=200, callback=live, callback_every=20)
    assert live.status == "finished" and live.draws == 11 and live.epochs == 200  # 10 + final
    np.testing.assert_array_equal(live._loss.get_ydata(), h.loss)
    prob = 1 / (1 + np.exp(-np.asarray(model.predict(live._grid))[:, 0]))
    np.testing.assert_allclose(np.asarray(live._image.get_array()).ravel(), prob, rtol=1e-12)
    assert live.png.startswith(b"\x89PNG")
    assert "image/png" in live._repr_mimebundle_()


def test_liveplot_fitted_curve_and_finish():
    x, y = nnc.datasets.noisy_line(50, 42)
    model = nnc.Sequential([nnc.Dense(1, 1)], seed=0)
    live = ni.LivePlot(model=model, X=x, y=y, log=False, display=False)
    h = model.fit(x[:, None], y[:, None], loss="mse", optimizer=nnc.SGD(0.1), epochs=100,
                  callback=live)
    live.finish(h)
    np.testing.assert_allclose(live._curve.get_ydata(),
                               np.asarray(model.predict(live._grid))[:, 0], rtol=1e-15)
    assert live.status == "finished"


def test_liveplot_throttles():
    model, X, y = _xor_model()
    live = ni.LivePlot(interval=3600.0, display=False)
    model.fit(X, y, loss=nnc.losses.LogLossWithLogits(), optimizer=nnc.SGD(0.1), epochs=500,
              callback=live)
    assert live.draws == 0 and live.epochs == 500  # the first redraw is an hour away


def test_liveplot_fixed_epoch_axis():
    model, X, y = _xor_model()
    live = ni.LivePlot(epochs=400, interval=0.0, budget=1.0, display=False)
    model.fit(X, y, loss=nnc.losses.LogLossWithLogits(), optimizer=nnc.SGD(0.1), epochs=400,
              callback=live, callback_every=100)
    assert live._ax_loss.get_xlim() == (0.0, 400.0) and live.draws == 4
    with pytest.raises(ValueError, match="epochs"):
        ni.LivePlot(epochs=0)


def test_liveplot_stops_cleanly_on_ctrl_c():
    model, X, y = _xor_model()
    live = ni.LivePlot(interval=0.0, budget=1.0, display=False)

    def callback(epoch, history):
        live(epoch, history)
        if epoch == 30:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        with live:
            model.fit(X, y, loss=nnc.losses.LogLossWithLogits(), optimizer=nnc.SGD(0.1),
                      epochs=1000, callback=callback, callback_every=10)
    assert info.value.history.epochs == 30
    assert live.status == "interrupted" and live.epochs == 30
    assert "interrupted" in live._label.get_text()


def test_liveplot_arguments():
    with pytest.raises(ValueError, match="interval"):
        ni.LivePlot(interval=-1)
    with pytest.raises(ValueError, match="budget"):
        ni.LivePlot(budget=0)
    with pytest.raises(ValueError, match="X and y"):
        ni.LivePlot(model=nnc.Sequential([nnc.Dense(1, 1)]))
    with pytest.raises(ValueError, match="3 columns"):
        ni.LivePlot(model=nnc.Sequential([nnc.Dense(3, 1)]), X=np.zeros((4, 3)), y=np.zeros(4))


# ------------------------------------------------------------------ offline animation
def test_offline_jshtml_embeds_everything():
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation
    matplotlib.use("Agg")
    fig, ax = plt.subplots(figsize=(2, 2), dpi=30)
    (line,) = ax.plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda k: line.set_ydata([0, k]), frames=3)
    raw = anim.to_jshtml()
    plt.close(fig)
    html = ni.offline_jshtml(raw)
    assert "font-awesome" not in html and "https://" not in html
    assert ".fa.fa-play:before" in html and "data:image/png;base64" in html
    from IPython.display import HTML
    wrapped = ni.offline_jshtml(HTML(raw))
    assert isinstance(wrapped, HTML) and wrapped.data == html
    with pytest.raises(ValueError, match="remote"):
        ni.offline_jshtml('<script src="https://example.org/x.js"></script>')
    with pytest.raises(TypeError):
        ni.offline_jshtml(42)


# ------------------------------------------------------------------ a notebook, headless
def test_stored_notebook_output_has_a_picture(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import nnc.interact as ni\n"
                                          "ni.alpha_explorer(continuous=False)")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    (out,) = nb.cells[0].outputs
    assert out["output_type"] == "execute_result"
    data = out["data"]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] in state


@pytest.mark.parametrize("drawing", [False, True], ids=["in-engine", "in-redraw"])
def test_liveplot_real_interrupt(drawing):
    """Ctrl-C as Jupyter's "interrupt kernel" delivers it (interrupt_main):
    whether it lands in the engine or in a redraw, fit raises
    KeyboardInterrupt with the History, and LivePlot shows the stopped state."""
    import _thread
    import threading
    model, X, y = _xor_model()
    live = (ni.LivePlot(interval=0.0, budget=1.0, display=False) if drawing
            else ni.LivePlot(display=False))
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt) as info:
            with live:
                model.fit(X, y, loss=nnc.losses.LogLossWithLogits(), optimizer=nnc.SGD(0.01),
                          epochs=50_000_000, callback=live, callback_every=1000)
    finally:
        timer.cancel()
    h = info.value.history
    assert h.status == "interrupted" and 0 < h.epochs < 50_000_000
    assert live.status == "interrupted"
    assert live._loss.get_xdata().size == h.epochs == live.epochs
    assert live.png.startswith(b"\x89PNG")
