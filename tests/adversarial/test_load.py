"""Finding 8: nnc.load accepts only real float arrays of the expected shape;
any structural problem is a ValueError naming the key; nothing in the file
runs."""
import json

import numpy as np
import pytest

import nnc

GOOD = {"format": "nnc.Sequential", "version": 1, "dtype": "float64", "seed": 0,
        "layers": [{"type": "Dense", "in_features": 2, "out_features": 1, "bias": True}]}


def _write(path, config, **arrays):
    cfg = config if isinstance(config, str) else json.dumps(config)
    np.savez(path, __nnc_model__=np.array(cfg), **arrays)
    return path


@pytest.mark.parametrize("name,value", [
    ("complex", np.ones((2, 1), np.complex128)),
    ("datetime", np.zeros((2, 1), "datetime64[s]")),
    ("structured", np.zeros((2, 1), [("a", "f8")])),
    ("integer", np.ones((2, 1), np.int64)),
    ("bool", np.ones((2, 1), bool)),
    ("string", np.full((2, 1), "1.0")),
])
def test_non_real_float_weights_are_refused(tmp_path, name, value):
    path = _write(tmp_path / "m.npz", GOOD, **{"layers.0.weight": value,
                                              "layers.0.bias": np.zeros(1)})
    with pytest.raises(ValueError, match=r"layers\.0\.weight"):
        nnc.load(path)


def test_good_file_loads(tmp_path):
    w = np.array([[0.5], [-1.5]])
    m = nnc.load(_write(tmp_path / "m.npz", GOOD, **{"layers.0.weight": w,
                                                     "layers.0.bias": np.array([0.25])}))
    assert np.array_equal(m.layers[0].weight, w) and m.layers[0].bias[0] == 0.25


@pytest.mark.parametrize("config,key", [
    ("[" * 100000 + "]" * 100000, "__nnc_model__"),          # RecursionError before
    ('"just a string"', "__nnc_model__"),
    ([1, 2], "__nnc_model__"),
    (dict(GOOD, layers={"type": "Dense"}), "layers"),         # AttributeError before
    (dict(GOOD, layers=[{"in_features": 2}]), "type"),         # KeyError before
    (dict(GOOD, layers=[{"type": "Dense", "in_features": 2}]), "out_features"),
    (dict(GOOD, layers=[{"type": "Dense", "in_features": 2, "out_features": 1,
                         "bias": True, "init": "ones"}]), "init"),
    (dict(GOOD, layers=[{"type": "Dense", "in_features": [2], "out_features": 1,
                         "bias": True}]), "in_features"),
    (dict(GOOD, layers=[{"type": "Dense", "in_features": 2, "out_features": 1,
                         "bias": True}, {"type": "ReLU", "alpha": {"x": 1}}]), "alpha"),
    (dict(GOOD, layers=[{"type": "ReLU", "junk": 1}]), "layers"),
    (dict(GOOD, dtype="complex128"), "dtype"),
    (dict(GOOD, seed="0"), "seed"),
    (dict(GOOD, layers=["Dense"]), "layers"),
])
def test_malformed_architecture_is_a_value_error_naming_the_key(tmp_path, config, key):
    path = _write(tmp_path / "m.npz", config, **{"layers.0.weight": np.zeros((2, 1)),
                                                "layers.0.bias": np.zeros(1)})
    with pytest.raises(ValueError, match=key):
        nnc.load(path)


def test_architecture_record_of_the_wrong_kind(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, __nnc_model__=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="__nnc_model__"):
        nnc.load(path)


def test_pickled_content_is_never_loaded(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("import sys; sys.exit(3)",))

    path = tmp_path / "m.npz"
    np.savez(path, __nnc_model__=np.array(json.dumps(GOOD)),
             **{"layers.0.weight": np.array([Boom()], dtype=object),
                "layers.0.bias": np.zeros(1)})
    with pytest.raises(ValueError):
        nnc.load(path)
