"""The sigmoid-neuron article (padhAI) against its algorithm in plain Python."""
import math

import numpy as np
import pytest

import nnc
from nnc import book


def padhai_gd(w, b, lr, epochs, X=(0.5, 2.5), Y=(0.2, 0.9)):
    f = lambda w, b, x: 1.0 / (1.0 + math.exp(-(w * x + b)))  # noqa: E731

    def loss(w, b):
        return sum(0.5 * (f(w, b, x) - y) ** 2 for x, y in zip(X, Y))

    ws, bs, losses = [w], [b], [loss(w, b)]
    for _ in range(epochs):
        dw = db = 0.0
        for x, y in zip(X, Y):
            fx = f(w, b, x)
            dw += (fx - y) * fx * (1 - fx) * x
            db += (fx - y) * fx * (1 - fx)
        w, b = w - lr * dw, b - lr * db
        ws.append(w)
        bs.append(b)
        losses.append(loss(w, b))
    return ws, bs, losses


def test_s1_against_the_article():
    r = book.s1_sigmoid_neuron()
    assert r.loss[0] == pytest.approx(0.4246312273161969, rel=1e-12)
    ws, bs, losses = padhai_gd(0.0, -8.0, 1.0, 1000)
    # exp differs between libms by an ulp; the plateau's exit amplifies it a little
    np.testing.assert_allclose(r.w, ws, rtol=1e-9)
    np.testing.assert_allclose(r.b, bs, rtol=1e-9)
    np.testing.assert_allclose(r.loss, losses, rtol=1e-9)
    assert r.loss[300] / r.loss[0] > 0.99  # the plateau
    assert r.loss[-1] / r.loss[0] < 0.1    # and the drop
    assert r.w.shape == r.b.shape == r.loss.shape == (1001,)


def test_s2_surface():
    r = book.s2_loss_surface()
    assert r.loss.shape == (121, 81)  # (b values, w values): meshgrid layout
    assert r.loss[0, 0] == pytest.approx(0.42499638454314176, rel=1e-12)
    assert r.loss[-1, 0] == pytest.approx(0.5044529278317778, rel=1e-12)
    X, Y = (0.5, 2.5), (0.2, 0.9)
    for j, i in [(0, 0), (5, 17), (120, 80), (60, 30)]:
        w, b = r.w_grid[i], r.b_grid[j]
        ref = sum(0.5 * (1 / (1 + math.exp(-(w * x + b))) - y) ** 2 for x, y in zip(X, Y))
        assert r.loss[j, i] == pytest.approx(ref, rel=1e-12)
    assert r.path_w.shape == (1001,) and r.path_w[0] == 0.0 and r.path_b[0] == -8.0
    assert (r.w_grid[0], r.w_grid[-1], r.b_grid[0], r.b_grid[-1]) == (-2.0, 6.0, -10.0, 2.0)


def test_s1_data_and_loss_can_be_set():
    """Finding 8: s1 takes other points and another loss."""
    r = book.s1_sigmoid_neuron(data=([1.0, 2.0, 3.0], [0.1, 0.5, 0.9]), epochs=10)
    assert r.x.tolist() == [1.0, 2.0, 3.0] and r.loss.shape == (11,)
    # on two points the mean squared error equals the article's half sum
    mean = book.s1_sigmoid_neuron(loss=nnc.losses.MSE(), epochs=3)
    np.testing.assert_allclose(mean.loss[0], 0.4246312273161969, rtol=1e-12)
    log = book.s1_sigmoid_neuron(loss="log_loss", epochs=3, arithmetic="fast")
    assert log.loss[0] != mean.loss[0]
    with pytest.raises(ValueError, match='arithmetic="fast"'):
        book.s1_sigmoid_neuron(loss="log_loss", epochs=3)
    with pytest.raises(ValueError, match="arithmetic must be"):
        book.s1_sigmoid_neuron(arithmetic="numpy")
    with pytest.raises(ValueError, match="data"):
        book.s1_sigmoid_neuron(data=([1.0, 2.0], [1.0]))


def test_s1_continued_reaches_the_minimum():
    """Finding 1: 1000 epochs stop at 0.017; the descent goes on to ~3e-30 by 5000."""
    r = book.s1_sigmoid_neuron(epochs=5000)
    assert 0.01 < r.loss[1000] < 0.02
    assert r.loss[-1] < 1e-29


def _article_losses(x, y, w, b):
    """The article's error(w, b): err += 0.5 * (fx - y) ** 2 with math.exp."""
    out = []
    for wi, bi in zip(w.tolist(), b.tolist()):
        err = 0.0
        for xi, yi in zip(x.tolist(), y.tolist()):
            fx = 1.0 / (1.0 + math.exp(-(wi * xi + bi)))
            err += 0.5 * (fx - yi) ** 2
        out.append(err)
    return np.array(out)


@pytest.mark.parametrize("start", [(0.0, -8.0, 1.0, 1000), (1.0, -2.0, 0.5, 300),
                                   (-2.0, 2.0, 2.0, 400)])
def test_s1_replays_the_articles_code_bit_for_bit(start):
    """Finding 2: the article's loop (math.exp: the C library's exp), every epoch's
    w, b and loss, bit for bit (fit(sum_order="data", transcendentals="libm"))."""
    w0, b0, eta, epochs = start
    r = book.s1_sigmoid_neuron(w=w0, b=b0, learning_rate=eta, epochs=epochs)
    w, b = book.sigmoid_neuron.padhai_loop(r.x, r.y, w0, b0, eta, epochs)
    assert np.array_equal(r.w, w) and np.array_equal(r.b, b)
    assert np.array_equal(r.loss, _article_losses(r.x, r.y, w, b))
    # nnc's own exp ("fast") takes another path, within about 1e-13
    fast = book.s1_sigmoid_neuron(w=w0, b=b0, learning_rate=eta, epochs=epochs,
                                  arithmetic="fast")
    np.testing.assert_allclose(fast.w, w, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(fast.b, b, rtol=1e-12)


def test_numpy_exp_is_the_c_librarys_without_avx512():
    """The article calls np.exp: with NumPy's AVX-512 kernels turned off it is the C
    library's exp, so the article's code run under NumPy gives padhai_loop's numbers."""
    import os
    import subprocess
    import sys
    code = ("import numpy as np, math, random\n"
            "random.seed(3)\n"
            "xs = [random.uniform(-30, 30) for _ in range(20000)]\n"
            "print(sum(float(np.exp(v)) != math.exp(v) for v in xs))\n")
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES="AVX512F AVX512_SKX AVX512_ICL "
               "AVX512_SPR X86_V4")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    if out.returncode != 0:
        pytest.skip(f"NumPy refused the feature switch: {out.stderr.strip()[-200:]}")
    assert int(out.stdout.strip().splitlines()[-1]) == 0


def _separate_fit(w, b, lr, epochs, x=(0.5, 2.5), y=(0.2, 0.9)):
    """One start trained on its own: fit() with nnc's default arithmetic."""
    m = nnc.Sequential([nnc.Dense(1, 1), nnc.Sigmoid()], seed=0, dtype="float64")
    m.layers[0].weight[...] = w
    m.layers[0].bias[...] = b
    X, Y = np.array(x)[:, None], np.array(y)[:, None]
    loss = nnc.losses.MSE(reduction="sum", half=True)
    h = m.fit(X, Y, loss=loss, optimizer=nnc.SGD(lr), epochs=epochs, divergence=None)
    final = m.copy().fit(X, Y, loss=loss, optimizer=nnc.SGD(lr), epochs=1,
                         divergence=None).loss[0]
    return np.append(np.asarray(h.loss), final), m.get_flat_params()


@pytest.mark.parametrize("threads", [1, 2])
def test_s3_each_start_is_its_own_fit_bit_for_bit(threads):
    """The many-starts map: every start is one replica of ONE nnc.sweep call,
    and each replica equals a separate fit from that start, to the bit."""
    w, b = np.linspace(-2.0, 6.0, 9), np.linspace(-10.0, 2.0, 7)
    r = book.s3_many_starts(w=w, b=b, epochs=300, learning_rate=0.7, threads=threads)
    assert r.loss.shape == (7, 9, 301) and r.final_loss.shape == (7, 9)
    for j, i in [(0, 0), (3, 4), (6, 8), (2, 1), (5, 7)]:
        curve, params = _separate_fit(w[i], b[j], 0.7, 300)
        assert np.array_equal(r.loss[j, i], curve), (j, i)
        assert r.final_w[j, i] == params[0] and r.final_b[j, i] == params[1]
        assert r.final_loss[j, i] == curve[-1] and r.start_loss[j, i] == curve[0]
        below = np.flatnonzero(curve < r.threshold)
        assert r.epochs_to_threshold[j, i] == (below[0] if below.size else -1)


def test_s3_default_map_is_sane():
    r = book.s3_many_starts()
    assert r.w_grid.shape == (33,) and r.b_grid.shape == (49,)
    j, i = int(np.flatnonzero(r.b_grid == -8.0)[0]), int(np.flatnonzero(r.w_grid == 0.0)[0])
    # S1's start: the same run as s1_sigmoid_neuron with nnc's arithmetic
    s1 = book.s1_sigmoid_neuron(arithmetic="fast")
    assert np.array_equal(r.loss[j, i], s1.loss)
    assert r.start_loss[j, i] == pytest.approx(0.4246312273161969, rel=1e-12)
    # and it needs 447 epochs to get below 0.05 (the plateau)
    assert r.epochs_to_threshold[j, i] == 447
    # gradient descent never goes uphill here (lr 1 is small enough everywhere)
    assert np.all(np.diff(r.loss, axis=-1) <= 1e-15)
    assert np.all(r.final_loss <= r.start_loss)
    assert np.all((r.final_loss >= 0) & (r.final_loss < 0.43))
    # deeper in the flat shelf (lower b, same w = 0) is slower, monotonically
    e = r.epochs_to_threshold[:, i]
    col = e[(r.b_grid >= -8.75) & (r.b_grid <= -4.0)]
    assert np.all(col > 0) and np.all(np.diff(col) < 0)
    # the deepest starts never leave the shelf in 1000 epochs; starts already
    # below the threshold take 0 epochs
    assert e[0] == -1 and np.any(r.epochs_to_threshold == 0)
    assert np.all(r.start_loss[r.epochs_to_threshold == 0] < r.threshold)
    assert r.forward_passes == 33 * 49 * 1000


def test_s3_result_owns_its_grids():
    w = np.array([0.0, 1.0])
    r = book.s3_many_starts(w=w, b=[-8.0], epochs=3)
    r.w_grid[0] = 5.0
    assert w[0] == 0.0
    r2 = book.s3_many_starts(epochs=3)
    r2.w_grid[0] = 99.0
    assert book.s3_many_starts(epochs=3).w_grid[0] == -2.0


@pytest.mark.parametrize("kw, exc, word", [
    (dict(w=[]), ValueError, "w"), (dict(b=[[1.0]]), ValueError, "b"),
    (dict(w=[0.0, np.nan]), ValueError, "w"), (dict(epochs=0), ValueError, "epochs"),
    (dict(epochs=1.5), TypeError, "epochs"), (dict(learning_rate=0.0), ValueError,
                                              "learning_rate"),
    (dict(learning_rate="big"), TypeError, "learning_rate"),
    (dict(threshold=-1.0), ValueError, "threshold"), (dict(threads=0), ValueError, "threads"),
    (dict(data=([1.0, 2.0], [1.0])), ValueError, "data"),
])
def test_s3_junk_arguments_raise_clearly(kw, exc, word):
    with pytest.raises(exc, match=f"s3_many_starts: .*{word}"):
        book.s3_many_starts(**{"w": [0.0], "b": [-8.0], "epochs": 5, **kw})
