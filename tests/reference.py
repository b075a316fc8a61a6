"""NumPy references of every op in the op table (csrc/core/ops.def), shared by
all tests.

Each op is written once, in float64 NumPy, from the formula in its docstring:

* ``ACTIVATIONS[name] = (forward(x, alpha), backward(x, dy, alpha))``
* ``LOSSES``: ``loss_ref(name, pred, target, dtype, ...)`` -> (value, gradient)
* ``PENALTIES[name] = (value(w), gradient(w))``
* ``OPTIMIZERS[name] = update(w, g, states, t, **hyper) -> (w, states)`` for a
  gradient optimizer (states: a dict name -> array, the ops.def STATES); for a
  probe optimizer ``update(w, objective, step) -> w``.

test_ops_table.py checks that every row of the table has its entry here, so
a row added without a reference fails there, by name.
"""
import math

import numpy as np

SELU_L = 1.0507009873554804934
SELU_A = 1.6732632423543772848


def f64(a):
    return np.asarray(a, dtype=np.float64)


def _nan_where(x, value):
    """value, except NaN where x is NaN (a NaN input gives a NaN derivative)."""
    return np.where(np.isnan(x), np.nan, value)


def sigmoid(x):
    x = f64(x)
    with np.errstate(all="ignore"):
        e = np.exp(np.where(x >= 0, -x, x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def rows(x):
    """A 1-D or 2-D array as 2-D rows (the row-wise functions' view)."""
    x = f64(x)
    return x.reshape(1, -1) if x.ndim == 1 else x


def softmax(x):
    z = rows(x)
    with np.errstate(all="ignore"):
        if z.shape[1] == 0:
            return z.copy()
        m = np.max(z, axis=1, keepdims=True)
        e = np.exp(z - m)
        return e / e.sum(axis=1, keepdims=True)


def log_softmax(x):
    z = rows(x)
    with np.errstate(all="ignore"):
        if z.shape[1] == 0:
            return z.copy()
        m = np.max(z, axis=1, keepdims=True)
        return (z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


# ---------------------------------------------------------------------------
# activations: (forward(x, alpha), backward(x, dy, alpha)), x and dy float64

def _softmax_bwd(x, dy, a):
    y, d = softmax(x), rows(dy)
    return (y * (d - (d * y).sum(axis=1, keepdims=True))).reshape(x.shape)


def _log_softmax_bwd(x, dy, a):
    y, d = softmax(x), rows(dy)
    return (d - y * d.sum(axis=1, keepdims=True)).reshape(x.shape)


ACTIVATIONS = {
    "identity": (lambda x, a: x.copy(), lambda x, dy, a: dy.copy()),
    "step": (lambda x, a: np.where(x > 0, 1.0, np.where(x <= 0, 0.0, x)),
             lambda x, dy, a: dy * _nan_where(x, 0.0)),
    "sigmoid": (lambda x, a: sigmoid(x),
                lambda x, dy, a: dy * (sigmoid(x) * (1.0 - sigmoid(x)))),
    "tanh": (lambda x, a: np.tanh(x), lambda x, dy, a: dy * (1.0 - np.tanh(x) ** 2)),
    "relu": (lambda x, a: np.where(x < 0, 0.0, x),
             lambda x, dy, a: dy * _nan_where(x, np.where(x > 0, 1.0, 0.0))),
    "leaky_relu": (lambda x, a: np.where(x < 0, a * x, x),
                   lambda x, dy, a: dy * _nan_where(x, np.where(x > 0, 1.0, a))),
    "prelu": (lambda x, a: np.where(x < 0, a * x, x),
              lambda x, dy, a: dy * _nan_where(x, np.where(x > 0, 1.0, a))),
    "elu": (lambda x, a: np.where(x < 0, a * np.expm1(x), x),
            lambda x, dy, a: dy * np.where(x > 0, 1.0, a * np.exp(x))),
    "selu": (lambda x, a: SELU_L * np.where(x < 0, SELU_A * np.expm1(x), x),
             lambda x, dy, a: dy * (SELU_L * np.where(x > 0, 1.0, SELU_A * np.exp(x)))),
    "softmax": (lambda x, a: softmax(x).reshape(x.shape), _softmax_bwd),
    "log_softmax": (lambda x, a: log_softmax(x).reshape(x.shape), _log_softmax_bwd),
    "softplus": (lambda x, a: np.logaddexp(0.0, x), lambda x, dy, a: dy * sigmoid(x)),
}

# d loss / d alpha of the activations whose alpha is learned (ops.def LEARNED),
# summed over every element.
LEARNED_ALPHA = {
    "prelu": lambda x, dy: float(np.sum(dy * np.where(x < 0, x, np.where(x >= 0, 0.0, x)))),
}


def act_ref(name, x, alpha=None):
    with np.errstate(all="ignore"):
        return ACTIVATIONS[name][0](f64(x), alpha)


def act_backward_ref(name, x, dy, alpha=None):
    with np.errstate(all="ignore"):
        return ACTIVATIONS[name][1](f64(x), f64(dy), alpha)


def dalpha_ref(name, x, dy):
    with np.errstate(all="ignore"):
        return LEARNED_ALPHA[name](f64(x), f64(dy))


def prelu_dalpha_ref(x, dy):
    return dalpha_ref("prelu", x, dy)


# ---------------------------------------------------------------------------
# losses

def _reduce(terms, grad, count, reduction):
    with np.errstate(all="ignore"):
        total = float(np.sum(terms))
        if reduction == "sum":
            return total, grad
        if count == 0:
            return math.nan, grad
        return total / count, grad / count


def _elementwise(name, p, t, dtype, half, delta):
    """(terms, d term / d p) of an elementwise loss."""
    r = p - t
    if name == "mse":
        k = 0.5 if half else 1.0
        return k * r * r, 2.0 * k * r
    if name == "mae":
        return np.abs(r), np.sign(r)
    if name == "huber":
        d = float(dtype.type(delta))
        a = np.abs(r)
        return (np.where(a <= d, 0.5 * r * r, d * (a - 0.5 * d)),
                np.where(a <= d, r, d * np.sign(r)))
    if name == "log_loss":
        if dtype == np.float32:
            eps, hi = float(np.float32(1e-7)), float(np.float32(1.0) - np.float32(1e-7))
        else:
            eps, hi = 1e-12, 1.0 - 1e-12
        pc = np.where(p < eps, eps, np.where(p > hi, hi, p))
        return (-(t * np.log(pc) + (1.0 - t) * np.log(1.0 - pc)),
                (1.0 - t) / (1.0 - pc) - t / pc)
    if name == "log_loss_with_logits":
        return (np.where(p > 0, p, 0.0) - p * t + np.log1p(np.exp(-np.abs(p))),
                sigmoid(p) - t)
    if name == "log_cosh":
        a = np.abs(r)
        with np.errstate(over="ignore"):
            near = np.log1p(2.0 * np.sinh(a / 2.0) ** 2)  # accurate for small r
        return (np.where(a < 1.0, near, a + np.log1p(np.exp(-2.0 * a)) - math.log(2.0)),
                np.tanh(r))
    if name in ("perceptron_loss", "hinge"):
        y = 2.0 * t - 1.0
        m = -y * p if name == "perceptron_loss" else 1.0 - y * p
        return np.where(m < 0, 0.0, m), np.where(m > 0, -y, np.where(m <= 0, 0.0, m))
    raise KeyError(name)


def _row_loss(name, z, tt, dtype):
    if name == "cross_entropy":
        ls = log_softmax(z)
        return (np.where(tt != 0, -tt * ls, 0.0),
                softmax(z) * tt.sum(axis=1, keepdims=True) - tt)
    if name == "kl_divergence":
        tiny = float(np.finfo(dtype).tiny)
        pc = np.where(z < tiny, tiny, z)
        # xlogy(t, t) - t log(p), as the kernel: a NaN prediction propagates
        # even where t = 0 (0 * log(NaN) = NaN); d/dp = 0 - t / p (+0 at t = 0)
        tlogt = np.where(tt != 0, tt * np.log(np.where(tt != 0, tt, 1.0)), 0.0)
        return tlogt - tt * np.log(pc), 0.0 - tt / pc
    raise KeyError(name)


LOSSES = ("mse", "mae", "huber", "log_loss", "log_loss_with_logits", "cross_entropy",
          "kl_divergence", "perceptron_loss", "hinge", "log_cosh")
ROW_LOSSES = ("cross_entropy", "kl_divergence")
# The first argument's domain where it is not every real number: test_ops_table
# samples it uniformly from (low, high) (and ends a model with Sigmoid, or
# Softmax for a row loss, to keep fit's outputs inside it).
LOSS_DOMAIN = {"log_loss": (0.01, 0.99), "kl_divergence": (0.01, 0.99)}


def loss_ref(name, pred, target, dtype, reduction="mean", half=False, delta=1.0):
    """(value, d value / d pred) of a loss, in float64."""
    p, t = f64(pred), f64(target)
    dtype = np.dtype(dtype)
    with np.errstate(all="ignore"):
        if name in ROW_LOSSES:
            z, tt = rows(p), rows(t)
            terms, grad = _row_loss(name, z, tt, dtype)
            v, g = _reduce(terms, grad, z.shape[0], reduction)
            return v, g.reshape(p.shape)
        terms, grad = _elementwise(name, p, t, dtype, half, delta)
        return _reduce(terms, grad, p.size, reduction)


# ---------------------------------------------------------------------------
# penalties: (value(w), gradient(w))

PENALTIES = {
    "l1": (lambda w: float(np.sum(np.abs(f64(w)))), lambda w: np.sign(f64(w))),
    "l2": (lambda w: float(np.sum(f64(w) ** 2)), lambda w: 2.0 * f64(w)),
}


# ---------------------------------------------------------------------------
# optimizers

def _sgd(w, g, s, t, lr):
    return w - lr * g, {}


def _momentum(w, g, s, t, lr, mu):
    v = mu * s["velocity"] - lr * g
    return w + v, {"velocity": v}


def _adam(w, g, s, t, lr, beta1, beta2, eps):
    m = beta1 * s["m"] + (1 - beta1) * g
    v = beta2 * s["v"] + (1 - beta2) * g * g
    mh = m / (1 - beta1 ** t)
    vh = v / (1 - beta2 ** t)
    with np.errstate(all="ignore"):
        return w - lr * mh / (np.sqrt(vh) + eps), {"m": m, "v": v}


def _rmsprop(w, g, s, t, lr, rho, eps):
    v = rho * s["v"] + (1 - rho) * g * g
    with np.errstate(all="ignore"):
        return w - lr * g / (np.sqrt(v) + eps), {"v": v}


def _hotcold(w, objective, step):
    """One hot/cold step on the flat parameter vector w: every value probed at
    +- step from the same start, all moved at once toward the lower loss."""
    w = f64(w).copy()
    move = np.zeros_like(w)
    for j in range(w.size):
        up, down = w.copy(), w.copy()
        up[j] += step
        down[j] -= step
        lu, ld = objective(up), objective(down)
        move[j] = -step if ld < lu else (step if ld > lu else 0.0)
    return w + move


OPTIMIZERS = {
    "sgd": _sgd,
    "momentum": _momentum,
    "nesterov": _momentum,  # the update is Momentum's (the gradient is taken at w + mu v)
    "adam": _adam,
    "hotcold": _hotcold,
    "rmsprop": _rmsprop,
}


def optimizer_ref(name, w, g, states, t, **hyper):
    """(w, states) after one update, float64."""
    with np.errstate(all="ignore"):
        return OPTIMIZERS[name](f64(w), f64(g), {k: f64(v) for k, v in states.items()}, t,
                                **hyper)
