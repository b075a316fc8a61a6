"""nnc.sklearn's estimators and the PyTorch/ONNX bridges fed bad input: every
parameter in turn set to junk, bad data, bad modules and paths.  Only clear
exceptions (TypeError, ValueError, and DivergenceError for a run that blows
up), never an AttributeError from deep inside, and X, y left alone."""
import math

import numpy as np
import pytest

import nnc

from .cases import call_checked, covers

CLEAR = (TypeError, ValueError, FloatingPointError)
JUNK = [None, "junk", object(), math.nan, math.inf, -1, 0, 1j, True, [], (0,), 1e300, {"a": 1}]
JUNK_IDS = ["None", "str", "object", "nan", "inf", "-1", "0", "complex", "True", "empty-list",
            "zero-tuple", "huge", "dict"]

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3))
Y_REG = X @ np.array([1.0, -1.0, 0.5])
Y_CLS = (X[:, 0] > 0).astype(int)

try:
    from nnc.sklearn import NNCClassifier, NNCRegressor
except ImportError:  # scikit-learn not installed
    NNCClassifier = NNCRegressor = None
else:
    covers(NNCRegressor, NNCRegressor.fit, NNCRegressor.predict, NNCClassifier,
           NNCClassifier.fit, NNCClassifier.predict, NNCClassifier.predict_proba,
           NNCClassifier.decision_function)

PARAMS = ["hidden_layer_sizes", "activation", "loss", "optimizer", "learning_rate",
          "optimizer_params", "epochs", "batch_size", "shuffle", "l1", "l2", "seed", "dtype",
          "threads"]


@pytest.mark.parametrize("junk", JUNK, ids=JUNK_IDS)
@pytest.mark.parametrize("param", PARAMS)
@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_estimator_parameter_junk(kind, param, junk):
    if NNCRegressor is None:
        pytest.skip("scikit-learn is not installed")
    cls, y = (NNCRegressor, Y_REG) if kind == "regressor" else (NNCClassifier, Y_CLS)
    est = cls(**{"epochs": 2, param: junk})
    try:
        call_checked(est.fit, X, y)
    except CLEAR:
        return
    # accepted: it made a working model
    assert est.predict(X).shape[0] == 20


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_estimator_predict_before_fit_and_wrong_width(kind):
    if NNCRegressor is None:
        pytest.skip("scikit-learn is not installed")
    from sklearn.exceptions import NotFittedError

    cls, y = (NNCRegressor, Y_REG) if kind == "regressor" else (NNCClassifier, Y_CLS)
    with pytest.raises(NotFittedError):
        cls().predict(X)
    est = cls(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features"):
        call_checked(est.predict, X[:, :2])


from nnc import export  # noqa: E402

covers(export.to_torch, export.from_torch, export.to_onnx)

NOT_A_MODEL = [None, "m", 3, object(), [nnc.Dense(2, 1)], nnc.Dense(2, 1), np.zeros((2, 2))]


@pytest.mark.parametrize("junk", NOT_A_MODEL, ids=lambda j: type(j).__name__)
def test_bridges_refuse_what_is_not_a_model(junk, tmp_path):
    pytest.importorskip("onnx")
    with pytest.raises(TypeError, match="expected an nnc.Sequential"):
        export.to_onnx(junk, tmp_path / "m.onnx")
    with pytest.raises((TypeError, ImportError)):
        export.to_torch(junk)
    with pytest.raises((TypeError, ImportError)):
        export.from_torch(junk)
    with pytest.raises((TypeError, ImportError)):
        nnc.Sequential.from_torch(junk)


@pytest.mark.parametrize("junk", [None, 3, 1.5, object(), b"m.onnx", ["m.onnx"]],
                         ids=["None", "int", "float", "object", "bytes", "list"])
def test_to_onnx_path_junk(junk):
    pytest.importorskip("onnx")
    with pytest.raises(TypeError, match="path must be a file name"):
        nnc.Sequential([nnc.Dense(2, 1)]).to_onnx(junk)


def test_from_torch_seed_junk():
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Linear(2, 1))
    for junk in (None, -1, 1.5, "0", 2 ** 64):
        with pytest.raises((TypeError, ValueError)):
            nnc.Sequential.from_torch(net, seed=junk)
