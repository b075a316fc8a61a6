"""JAX peer: the training loop compiled whole, ``jax.jit`` around a
``jax.lax.scan`` over the steps (the idiomatic fast JAX loop), gradients by
``jax.grad``, Adam written out as in the NumPy peer.  float64 needs
``jax_enable_x64``, which this module switches on.  One CPU thread is not
enforced by JAX; run.py sets the usual thread variables before imports.

Importing raises ImportError without jax; the harness then skips the peer."""
from __future__ import annotations

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

from .common import LineResult, MlpResult  # noqa: E402

NAME = "JAX jit+scan"


def version() -> str:
    return jax.__version__


def prepare_line(x, y):
    return jnp.asarray(x, dtype=jnp.float64), jnp.asarray(y, dtype=jnp.float64)


def _line_step(ab, xy, lr, n):
    a, b = ab
    xb, yb = xy
    r = a * xb + b - yb
    sse = jnp.sum(r * r)
    a2 = a - lr * 2 * jnp.mean(r * xb)
    b2 = b - lr * 2 * jnp.mean(r)
    return (a2, b2), sse / n


def _line_run(a, b, x, y, lr, epochs, bs):
    """epochs is traced (a while loop), so one compilation serves every epoch
    count and the warm-up call compiles what the timed call runs."""
    n = x.shape[0]
    xs, ys = x.reshape(-1, bs), y.reshape(-1, bs)

    def epoch(_, ab):
        ab, _sse = lax.scan(lambda c, xy: _line_step(c, xy, lr, n), ab, (xs, ys))
        return ab

    return lax.fori_loop(0, epochs, epoch, (a, b))


_line_run_jit = jax.jit(_line_run, static_argnums=(6,))


def line_fit(data, *, a0, b0, lr, epochs, batch_size=None):
    """The per-epoch losses are not recorded (the harness compares a and b)."""
    x, y = data
    n = x.shape[0]
    bs = n if batch_size is None else batch_size
    if n % bs:
        raise ValueError("JAX peer: n must be a multiple of the batch size")
    a, b = _line_run_jit(jnp.float64(a0), jnp.float64(b0), x, y, jnp.float64(lr),
                         jnp.int32(epochs), bs)
    return LineResult(float(a), float(b), [])


def prepare_mlp(Xtr, ytr, dtype="float32"):
    return jnp.asarray(Xtr, dtype=dtype), jnp.asarray(ytr, dtype=jnp.int64)


def _loss(params, xb, yb):
    W1, b1, W2, b2 = params
    z2 = jnp.maximum(xb @ W1 + b1, 0) @ W2 + b2
    logp = jax.nn.log_softmax(z2, axis=1)
    return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))


def _adam_step(state, batch, lr, beta1, beta2, eps):
    params, m, v, t = state
    xb, yb = batch
    loss, grads = jax.value_and_grad(_loss)(params, xb, yb)
    t = t + 1
    one = jnp.ones((), params[0].dtype)
    bc1 = one - beta1 ** t
    bc2 = one - beta2 ** t
    m = [beta1 * mi + (one - beta1) * g for mi, g in zip(m, grads)]
    v = [beta2 * vi + (one - beta2) * g * g for vi, g in zip(v, grads)]
    params = [p - lr * (mi / bc1) / (jnp.sqrt(vi / bc2) + eps)
              for p, mi, vi in zip(params, m, v)]
    return (params, m, v, t), loss


@jax.jit
def _scan_steps(state, xs, ys, lr, beta1, beta2, eps):
    return lax.scan(lambda s, b: _adam_step(s, b, lr, beta1, beta2, eps), state, (xs, ys))


@jax.jit
def _one_step(state, xb, yb, lr, beta1, beta2, eps):
    return _adam_step(state, (xb, yb), lr, beta1, beta2, eps)


def mlp_fit(data, *, init, lr, epochs, batch_size, shuffle, seed, dtype="float32",
            max_steps=None, beta1=0.9, beta2=0.999, eps=1e-8):
    """Per epoch: one scan over the full batches, then one step on the short
    last batch (scan needs equal shapes).  Shuffling as the NumPy peer."""
    X, Y = data
    dt = jnp.dtype(dtype)
    X = X.astype(dt)
    params = [jnp.asarray(p, dtype=dt) for p in init]
    state = (params, [jnp.zeros_like(p) for p in params], [jnp.zeros_like(p) for p in params],
             jnp.zeros((), dt))
    hyper = tuple(jnp.asarray(h, dtype=dt) for h in (lr, beta1, beta2, eps))
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    full = n // batch_size
    steps, loss = 0, None
    for _ in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        k = full if max_steps is None else min(full, max_steps - steps)
        if k > 0:
            idx = order[:k * batch_size].reshape(k, batch_size)
            state, losses = _scan_steps(state, X[idx], Y[idx], *hyper)
            loss = losses[-1]
            steps += k
        if n % batch_size and (max_steps is None or steps < max_steps) and k == full:
            idx = order[full * batch_size:]
            state, loss = _one_step(state, X[idx], Y[idx], *hyper)
            steps += 1
        if max_steps is not None and steps >= max_steps:
            break
    params = [np.asarray(p) for p in state[0]]
    jax.block_until_ready(state)

    def predict(Xq):
        W1, b1, W2, b2 = params
        Xq = np.asarray(Xq, dtype=dtype)
        return np.maximum(Xq @ W1 + b1, 0) @ W2 + b2

    return MlpResult([p.astype(np.float64) for p in params], predict,
                     None if loss is None else float(loss))
