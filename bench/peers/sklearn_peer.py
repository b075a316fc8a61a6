"""scikit-learn peer: ``MLPClassifier`` for the digits MLP only.

It is the same network, loss and optimizer (one hidden ReLU layer of 64, softmax
output with log-loss, Adam lr 1e-3, batch 32, shuffled, 30 epochs) with the L2
penalty switched off (``alpha=0``) and early stopping disabled, but it draws its own
initial weights and shuffles with its own generator, and its Adam folds the bias
corrections into the step size (``eps`` added to sqrt(v) uncorrected). Its
weights cannot be set beforehand, so it is compared by test accuracy only.

For the line fits (a)/(b) scikit-learn has no comparable estimator:
``SGDRegressor`` updates per sample with its own schedule and loss scaling, and
``LinearRegression`` solves in closed form; neither is shown.
"""
from __future__ import annotations

import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from .common import MlpResult

NAME = "scikit-learn"


def version() -> str:
    return sklearn.__version__


def prepare_mlp(Xtr, ytr, dtype="float32"):
    return np.ascontiguousarray(Xtr, dtype=dtype), np.asarray(ytr, dtype=np.int64)


def mlp_fit(data, *, init, lr, epochs, batch_size, shuffle, seed, dtype="float32",
            max_steps=None):
    """``init`` is ignored (see the module docstring)."""
    X, Y = data
    n_hid = init[0].shape[1]
    clf = MLPClassifier(hidden_layer_sizes=(n_hid,), activation="relu", solver="adam",
                        alpha=0.0, batch_size=batch_size, learning_rate_init=lr,
                        max_iter=epochs, shuffle=shuffle, random_state=seed,
                        tol=0.0, n_iter_no_change=epochs + 1, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    params = [clf.coefs_[0].astype(np.float64), clf.intercepts_[0].astype(np.float64),
              clf.coefs_[1].astype(np.float64), clf.intercepts_[1].astype(np.float64)]
    dt = X.dtype

    def predict(Xq):
        # predict_proba is softmax(logits): its log has the same argmax
        return np.log(np.maximum(clf.predict_proba(np.asarray(Xq, dtype=dt)), 1e-300))

    return MlpResult(params, predict, float(clf.loss_curve_[-1]))
