"""nnc.sklearn: scikit-learn's estimator checks, Pipeline, GridSearchCV,
cross_val_score and joblib's parallel backends."""
import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.datasets import make_blobs, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import nnc  # noqa: E402
from nnc.sklearn import NNCClassifier, NNCRegressor  # noqa: E402


@parametrize_with_checks([NNCRegressor(), NNCClassifier(), NNCRegressor(dtype="float32"),
                          NNCClassifier(optimizer="momentum", learning_rate=0.05,
                                        activation="tanh", hidden_layer_sizes=(8, 8))])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_check_estimator_itself():
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(NNCRegressor())
    check_estimator(NNCClassifier())


def regression(n=120, seed=0):
    X, y = make_regression(n_samples=n, n_features=4, noise=0.1, random_state=seed)
    return X, y / np.std(y)


def blobs(n=150, seed=0):
    return make_blobs(n_samples=n, centers=3, n_features=2, random_state=seed, cluster_std=0.5)


def test_regressor_is_the_nnc_model_it_says():
    X, y = regression()
    est = NNCRegressor(hidden_layer_sizes=(8,), activation="tanh", optimizer="adam",
                       learning_rate=0.01, epochs=30, batch_size=16, seed=3).fit(X, y)
    model = nnc.Sequential([nnc.Dense(4, 8), nnc.Tanh(), nnc.Dense(8, 1)], seed=3)
    hist = model.fit(X, y, loss="mse", optimizer=nnc.Adam(0.01), epochs=30, batch_size=16,
                     shuffle=True)
    np.testing.assert_array_equal(est.loss_curve_, hist.loss)
    np.testing.assert_array_equal(est.predict(X), model.predict(X)[:, 0])
    assert est.n_iter_ == 30 and est.n_features_in_ == 4 and est.n_outputs_ == 1
    assert est.score(X, y) > 0.9
    # 2-d y: one output per column
    Y2 = np.column_stack([y, -y])
    assert NNCRegressor(epochs=5).fit(X, Y2).predict(X).shape == (120, 2)


def test_classifier_labels_probabilities():
    X, y = blobs()
    names = np.array(["cat", "dog", "emu"])[y]
    clf = make_pipeline(StandardScaler(), NNCClassifier(hidden_layer_sizes=(16,), epochs=50))
    clf.fit(X, names)
    est = clf[-1]
    assert list(est.classes_) == ["cat", "dog", "emu"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    z = est.model_.predict(clf[0].transform(X))
    np.testing.assert_allclose(proba, nnc.functional.softmax(z), rtol=1e-15)
    np.testing.assert_array_equal(clf.predict(X), est.classes_[proba.argmax(axis=1)])
    assert clf.score(X, names) > 0.95


def test_optimizer_settings():
    X, y = regression()
    est = NNCRegressor(optimizer="momentum", learning_rate=0.05, optimizer_params={"mu": 0.5},
                       epochs=3)
    assert repr(est._make_optimizer()) == "Momentum(lr=0.05, mu=0.5)"
    assert repr(NNCRegressor(optimizer=nnc.Adam)._make_optimizer()).startswith("Adam(lr=0.001")
    assert repr(NNCRegressor(optimizer="hotcold", learning_rate=0.1)._make_optimizer()) == \
        "HotCold(step=0.1)"
    # an optimizer object is copied, never trained in place
    opt = nnc.Adam(0.02)
    est = NNCRegressor(optimizer=opt, epochs=3).fit(X, y)
    assert opt.t == 0 and opt.state == {}
    with pytest.raises(ValueError, match="own settings"):
        NNCRegressor(optimizer=opt, learning_rate=0.1).fit(X, y)
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        NNCRegressor(optimizer="adamw").fit(X, y)
    with pytest.raises(ValueError, match="activation must be one of"):
        NNCRegressor(activation="softmax").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold ints >= 1"):
        NNCRegressor(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(TypeError, match="hidden_layer_sizes must be a tuple"):
        NNCRegressor(hidden_layer_sizes=None).fit(X, y)
    with pytest.raises(ValueError, match="loss must be 'cross_entropy'"):
        NNCClassifier(loss="mse").fit(*blobs())
    assert NNCRegressor(hidden_layer_sizes=5, epochs=1).fit(X, y).model_.layers[0].out_features == 5
    assert NNCRegressor(hidden_layer_sizes=(), epochs=1).fit(X, y).model_.n_params == 5


def test_grid_search_and_cross_val_score():
    X, y = regression(90)
    grid = GridSearchCV(NNCRegressor(epochs=40, learning_rate=0.01),
                        {"hidden_layer_sizes": [(4,), (8,)], "activation": ["relu", "tanh"]},
                        cv=3)
    grid.fit(X, y)
    assert set(grid.best_params_) == {"hidden_layer_sizes", "activation"}
    assert grid.best_score_ > 0.5
    scores = cross_val_score(make_pipeline(StandardScaler(), NNCClassifier(epochs=30)),
                             *blobs(), cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_joblib_backends_give_the_serial_result(backend):
    from joblib import parallel_backend

    X, y = blobs(120)
    est = NNCClassifier(epochs=20, hidden_layer_sizes=(8,))
    serial = cross_val_score(est, X, y, cv=4)
    with parallel_backend(backend, n_jobs=2):
        parallel = cross_val_score(est, X, y, cv=4)
    np.testing.assert_array_equal(parallel, serial)


def test_fitted_estimator_pickles():
    X, y = blobs()
    clf = NNCClassifier(epochs=10).fit(X, y)
    clf2 = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf2.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(clf2.loss_curve_, clf.loss_curve_)
