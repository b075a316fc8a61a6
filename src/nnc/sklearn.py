"""scikit-learn estimators backed by nnc: ``NNCRegressor`` and ``NNCClassifier``.

They follow scikit-learn's estimator contract (``get_params``/``set_params``,
``fit`` returns the estimator, ``n_features_in_``, ``classes_``, ...), pass
``sklearn.utils.estimator_checks.check_estimator``, and so work in
``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` -- with joblib's
parallel backends too (``n_jobs=``): every fit builds and trains its own
``nnc.Sequential`` in one call into C::

    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from nnc.sklearn import NNCClassifier

    clf = make_pipeline(StandardScaler(), NNCClassifier(hidden_layer_sizes=(16,)))
    scores = cross_val_score(clf, X, y, cv=5)

The network is ``Dense(n_features, h1), act, Dense(h1, h2), act, ...,
Dense(h_last, n_outputs)``; the regressor's outputs are its predictions, the
classifier's are logits (one per class, trained with softmax cross-entropy;
``predict_proba`` is their softmax).  After ``fit``: ``model_`` (the trained
``nnc.Sequential``), ``history_`` (its ``nnc.History``), ``loss_curve_``
(the loss per epoch) and ``n_iter_`` (the epochs run).

Needs scikit-learn (``pip install "nnc[sklearn]"``).
"""
from __future__ import annotations

import copy
import numbers
from typing import Any, Optional, Sequence, TypeVar, Union, cast

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted
except ImportError as exc:  # pragma: no cover - exercised without scikit-learn
    raise ImportError("nnc.sklearn needs scikit-learn: pip install \"nnc[sklearn]\" "
                      "(or pip install scikit-learn)") from exc

from sklearn.utils import validation as _sk_validation


def _validate_data(estimator: Any, *args: Any, **kwargs: Any) -> Any:
    fn = getattr(_sk_validation, "validate_data", None)  # scikit-learn >= 1.6
    if fn is not None:
        return fn(estimator, *args, **kwargs)
    return estimator._validate_data(*args, **kwargs)  # pragma: no cover - older scikit-learn

from . import functional as F
from . import layers as _layers
from . import losses as _losses
from . import optim as _optim
from .model import Sequential

__all__ = ["NNCRegressor", "NNCClassifier"]

_ACTIVATIONS = {"identity": _layers.Identity, "sigmoid": _layers.Sigmoid, "tanh": _layers.Tanh,
                "relu": _layers.ReLU, "leaky_relu": _layers.LeakyReLU, "prelu": _layers.PReLU,
                "elu": _layers.ELU, "selu": _layers.SELU}


_E = TypeVar("_E", bound="_NNCEstimator")


class _NNCEstimator(BaseEstimator):
    """What the regressor and the classifier share: the parameters, the
    network, the optimizer, the fit."""

    def __init__(self, hidden_layer_sizes: Union[int, Sequence[int]] = (32,),
                 activation: str = "relu", loss: Any = None, optimizer: Any = "adam",
                 learning_rate: Optional[float] = None,
                 optimizer_params: Optional[dict] = None, epochs: int = 200,
                 batch_size: Optional[int] = 32, shuffle: bool = True, l1: float = 0.0,
                 l2: float = 0.0, seed: int = 0, dtype: str = "float64",
                 threads: int = 1) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.optimizer_params = optimizer_params
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.l1 = l1
        self.l2 = l2
        self.seed = seed
        self.dtype = dtype
        self.threads = threads

    # -- building blocks ----------------------------------------------------
    def _what(self) -> str:
        return type(self).__name__

    def _hidden(self) -> tuple[int, ...]:
        sizes: Any = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, (bool, np.bool_)):
            sizes = (sizes,)
        try:
            sizes = tuple(cast(Any, sizes))
        except TypeError:
            raise TypeError(f"{self._what()}: hidden_layer_sizes must be a tuple of ints, got "
                            f"{self.hidden_layer_sizes!r}") from None
        for s in sizes:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral) or s < 1:
                raise ValueError(f"{self._what()}: hidden_layer_sizes must hold ints >= 1, got "
                                 f"{self.hidden_layer_sizes!r}")
        return tuple(int(s) for s in sizes)

    def _network(self, n_in: int, n_out: int) -> Sequential:
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"{self._what()}: activation must be one of "
                             f"{sorted(_ACTIVATIONS)}, got {self.activation!r}")
        layers, width = [], n_in
        for h in self._hidden():
            layers += [_layers.Dense(width, h), _ACTIVATIONS[self.activation]()]
            width = h
        layers.append(_layers.Dense(width, n_out))
        return Sequential(layers, seed=self.seed, dtype=self.dtype)

    def _make_optimizer(self) -> Any:
        """A fresh optimizer for this fit: the parameter itself is never
        changed (an optimizer object is copied, and its state dropped)."""
        spec = self.optimizer
        params = self.optimizer_params
        if params is not None and not isinstance(params, dict):
            raise TypeError(f"{self._what()}: optimizer_params must be a dict of the "
                            f"optimizer's settings (e.g. {{'mu': 0.8}}) or None, got {params!r}")
        settings = dict(params or {})
        if self.learning_rate is not None:
            settings["learning_rate"] = self.learning_rate
        if isinstance(spec, _optim.Optimizer):
            if settings:
                raise ValueError(f"{self._what()}: learning_rate and optimizer_params apply to "
                                 f"an optimizer given by name; {spec!r} has its own settings")
            opt = copy.deepcopy(spec)
            opt.reset()
            return opt
        if isinstance(spec, str):
            cls = type(_optim.resolve_optimizer(spec, what=self._what()))
        elif isinstance(spec, type) and issubclass(spec, _optim.Optimizer):
            cls = spec
        else:
            raise TypeError(f"{self._what()}: optimizer must be a name ('adam', 'sgd', ...), an "
                            f"nnc optimizer class or object, got {spec!r}")
        if cls is _optim.HotCold and "learning_rate" in settings:
            settings["step"] = settings.pop("learning_rate")
        return cls(**settings)

    def _fit_model(self: _E, X: Any, Y: Any, n_out: int, loss: Any) -> _E:
        model = self._network(X.shape[1], n_out)
        hist = model.fit(X, Y, loss=loss, optimizer=self._make_optimizer(), epochs=self.epochs,
                         batch_size=self.batch_size, shuffle=self.shuffle, l1=self.l1, l2=self.l2,
                         threads=self.threads)
        self.model_ = model
        self.history_ = hist
        self.loss_curve_ = hist.loss.copy()
        self.n_iter_ = hist.epochs
        return self

    def _outputs(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = _validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return np.asarray(self.model_.predict(X), dtype=np.float64)


class NNCRegressor(RegressorMixin, _NNCEstimator):
    """A feed-forward network for regression, trained by nnc.

    ``NNCRegressor(hidden_layer_sizes=(32,), activation="relu", loss="mse",
    optimizer="adam", learning_rate=None, optimizer_params=None, epochs=200,
    batch_size=32, shuffle=True, l1=0.0, l2=0.0, seed=0, dtype="float64",
    threads=1)``

    hidden_layer_sizes: the widths of the hidden Dense layers, each followed
        by ``activation`` ("relu", "tanh", "sigmoid", "leaky_relu", "prelu",
        "elu", "selu" or "identity").
    loss: a loss name ("mse", "mae", "huber", ...) or an ``nnc.losses``
        object; None means "mse".
    optimizer: a name ("sgd", "momentum", "nesterov", "adam", "hotcold"), an
        nnc optimizer class, or an optimizer object (copied for every fit);
        ``learning_rate`` (None: the optimizer's default) and
        ``optimizer_params`` (a dict such as ``{"mu": 0.8}``) set it up.
    epochs, batch_size (None: full batch), shuffle (by the model's seeded
        generator), l1, l2, threads: as in ``nnc.Sequential.fit``.
    seed, dtype: as in ``nnc.Sequential`` -- the same seed gives the same
        fitted model on every platform.

    ``y`` may be 1-d (``predict`` gives a 1-d array) or 2-d (n_samples,
    n_outputs).  ``score`` is R^2.
    """

    def fit(self, X: Any, y: Any) -> NNCRegressor:
        """Trains a new network on X (n_samples, n_features) and y; returns self."""
        X, y = _validate_data(self, X, y, multi_output=True, y_numeric=True,
                              dtype=[np.float64, np.float32])
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_outputs_ = Y.shape[1]
        loss = _losses.get("mse" if self.loss is None else self.loss)
        return self._fit_model(X, Y, Y.shape[1], loss)

    def predict(self, X: Any) -> np.ndarray:
        """The network's outputs for X: (n_samples,) for a 1-d y at fit,
        (n_samples, n_outputs) otherwise; float64."""
        out = self._outputs(X)
        return out[:, 0] if self._y_1d else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"multioutput": True}


class NNCClassifier(ClassifierMixin, _NNCEstimator):
    """A feed-forward network for classification, trained by nnc.

    The parameters are those of ``NNCRegressor``; ``loss`` is
    "cross_entropy" (None: the default): one output per class, the logits,
    trained with softmax cross-entropy, ``predict_proba`` their softmax.
    Labels may be any values ``numpy.unique`` sorts (ints, strings, ...);
    ``classes_`` lists them, ``predict`` returns them.  ``score`` is the
    accuracy.
    """

    def fit(self, X: Any, y: Any) -> NNCClassifier:
        """Trains a new network on X (n_samples, n_features) and the labels
        y (n_samples,); returns self."""
        X, y = _validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        cross_entropy = isinstance(self.loss, _losses.CrossEntropy)
        if not cross_entropy and self.loss not in (None, "cross_entropy"):
            raise ValueError(f"NNCClassifier: loss must be 'cross_entropy' (softmax over one "
                             f"logit per class), got {self.loss!r}; for other losses build an "
                             f"nnc.Sequential and call fit")
        self.classes_, idx = np.unique(y, return_inverse=True)
        loss = _losses.get("cross_entropy" if self.loss is None else self.loss)
        return self._fit_model(X, idx.reshape(-1).astype(np.int64), len(self.classes_), loss)

    def decision_function(self, X: Any) -> np.ndarray:
        """The logits: (n_samples, n_classes), float64 (for two classes, the
        difference logit_1 - logit_0, (n_samples,), as scikit-learn expects)."""
        z = self._outputs(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n_samples, n_classes), columns in ``classes_``
        order: the softmax of the logits."""
        return F.softmax(self._outputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row (a value of ``classes_``)."""
        z = self._outputs(X)
        return self.classes_[np.argmax(z, axis=1)]
