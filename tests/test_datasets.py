import builtins
import sys

import numpy as np
import pytest

from nnc import datasets
from nnc.datasets import ParkMiller


def park_miller_reference(seed, n):
    """Pharo's generator written out with Python integers."""
    out = []
    for _ in range(n):
        seed = (16807 * seed) % 2147483647
        out.append(seed / 2147483647)
    return out


def test_park_miller_first_draws_exact():
    r = ParkMiller(42)
    assert r.next() == 0.00032870750889587566
    assert r.next() == 0.5245871020129822
    assert r.next() == 0.7354235321913956
    assert r.seed == (16807 ** 3 * 42) % 2147483647


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 8, 100, 1000, 30000])
def test_park_miller_draws_vectorised_equal_sequential(n):
    r = ParkMiller(42)
    d = r.draws(n)
    assert d.dtype == np.float64 and d.shape == (n,)
    assert d.tolist() == park_miller_reference(42, n)
    # the state continues where the draws stopped
    assert r.next() == park_miller_reference(42, n + 1)[-1]


def test_park_miller_other_seed_and_bad_seed():
    assert ParkMiller(1).draws(5).tolist() == park_miller_reference(1, 5)
    assert ParkMiller(2147483646).draws(3).tolist() == park_miller_reference(2147483646, 3)
    for bad in (0, -1, 2147483647):
        with pytest.raises(ValueError, match="seed"):
            ParkMiller(bad)
    with pytest.raises(ValueError, match="n must be"):
        ParkMiller(42).draws(-1)


def test_noisy_line_book_points():
    x, y = datasets.noisy_line()
    assert x.shape == y.shape == (100,)
    assert x[0] == 0.01 and y[0] == -0.18986851699644167
    assert x[-1] == 1.0 and y[-1] == 0.97862954166654


@pytest.mark.parametrize("n", [1, 5, 100, 30000])
def test_noisy_line_any_n_matches_pharo_arithmetic(n):
    x, y = datasets.noisy_line(n)
    r = park_miller_reference(42, n)
    assert x.tolist() == [i / n for i in range(1, n + 1)]
    assert y.tolist() == [(r[i - 1] * 40 - 20 + i) / n for i in range(1, n + 1)]


def test_noisy_line_rejects_bad_n():
    with pytest.raises(ValueError, match="n must be"):
        datasets.noisy_line(0)


def test_small_book_datasets():
    x, y = datasets.bergel_points()
    assert x.tolist() == [1.0, 3.0, 2.0, 4.0] and y.tolist() == [3.0, 5.2, 4.1, 7.5]
    x, y = datasets.aligned_points()
    assert x.tolist() == [4.0, 2.0, 2.0, 2.0] and y.tolist() == [6.5, 3.5, 3.5, 3.5]
    np.testing.assert_array_equal(1.5 * x + 0.5, y)  # all on one line
    x, y = datasets.padhai_toy()
    assert x.tolist() == [0.5, 2.5] and y.tolist() == [0.2, 0.9]
    X, y = datasets.xor()
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert y[:, 0].tolist() == [float(a != b) for a, b in X.tolist()]
    rooms, prices = datasets.serrano_rooms()
    assert rooms.tolist() == [1, 2, 3, 5, 6, 7]
    assert prices.tolist() == [155, 197, 244, 356, 407, 448]
    X, y = datasets.serrano_aack_beep()
    assert X.shape == (8, 2) and y.shape == (8, 1)
    np.testing.assert_array_equal((X.sum(axis=1) > 3.5).astype(float), y[:, 0])
    for arr in (x, X, y, rooms, prices):
        assert arr.dtype == np.float64


def test_datasets_return_fresh_arrays():
    x, _ = datasets.bergel_points()
    x[0] = 99.0
    assert datasets.bergel_points()[0][0] == 1.0


def test_boxcar():
    x = np.array([-10.0, -5.0, -4.9, 0.0, 4.9, 5.0, 10.0])
    np.testing.assert_array_equal(datasets.boxcar(x), [0, 3.5, 7, 7, 7, 3.5, 0])
    np.testing.assert_array_equal(datasets.boxcar([[0.0, 2.0]], 1.0, 3.0, 2.0), [[0.0, 2.0]])
    assert datasets.boxcar(0.0).shape == ()
    with pytest.raises(ValueError, match="left < right"):
        datasets.boxcar(x, 1.0, 1.0)


@pytest.mark.parametrize("name, shape, classes", [
    ("load_digits", (1797, 64), 10), ("load_iris", (150, 4), 3),
    ("load_breast_cancer", (569, 30), 2)])
def test_sklearn_loaders(name, shape, classes):
    pytest.importorskip("sklearn")
    X, y = getattr(datasets, name)()
    assert X.shape == shape and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (shape[0],) and y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(classes))


def test_sklearn_loader_without_sklearn_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    for mod in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, mod)
    with pytest.raises(ImportError, match=r'nnc\[datasets\]'):
        datasets.load_digits()
