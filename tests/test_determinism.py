"""Determinism: the same seed gives bit-identical results across processes
and across thread counts, in float32 and float64.

The workload below touches every source of randomness and every reduction
nnc has: Generator draws, initialisers, a seeded Sequential trained with
shuffled mini-batches and every optimizer, matrix products big enough to be
blocked and threaded, losses and the loss surface.  It is digested (SHA-256
of the raw bytes, NaN payloads and signs of zero included) in two fresh
interpreters and in this one; the digests must be equal.
"""
import hashlib
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nnc

WORKLOAD = textwrap.dedent('''
    import hashlib, json, sys
    import numpy as np
    import nnc
    from nnc import functional as F, init

    def workload(dtype, threads):
        out = []
        g = nnc.Generator(2024)
        out += [g.random_raw(64), g.uniform(1000, low=-2, high=3, dtype=dtype),
                g.normal(1001, mean=1.0, std=0.5, dtype=dtype), g.integers(-50, 50, size=500),
                g.permutation(777), init.he_normal((40, 30), gen=g, dtype=dtype),
                init.xavier_uniform((30, 40), gen=g, dtype=dtype)]
        a = g.normal((260, 300), dtype=dtype)
        b = g.normal((300, 270), dtype=dtype)
        out += [nnc.matmul(a, b, threads=threads),
                nnc.matmul(b, a, trans_a=True, trans_b=True, threads=threads),
                nnc.gemv(a, b[:, 0].copy()), np.array([nnc.dot(a[0], b[:, 1].copy())])]
        out += [F.softmax(a), F.log_softmax_backward(a, a),
                np.array([F.cross_entropy(a[:, :270], np.arange(260) % 270),
                          F.kl_divergence(F.softmax(a), F.softmax(a.T.copy().T)),
                          F.l2_penalty(a)])]
        X = g.normal((96, 12), dtype=dtype)
        y = np.tanh(X[:, :3] * 2)
        for opt in (nnc.SGD(0.05), nnc.Momentum(0.02), nnc.Nesterov(0.02), nnc.Adam(0.01)):
            m = nnc.Sequential([nnc.Dense(12, 64), nnc.PReLU(), nnc.Dense(64, 64), nnc.Tanh(),
                                nnc.Dense(64, 3)], seed=7, dtype=dtype)
            h = m.fit(X, y, loss="mse", optimizer=opt, epochs=15, batch_size=32,
                      shuffle=True, l2=1e-3, record="step", threads=threads)
            out += [h.loss, h.step_loss, m.get_flat_params(), m.predict(X)]
        m = nnc.Sequential([nnc.Dense(12, 1)], seed=3, dtype=dtype)
        h = m.fit(X, y[:, :1], loss="mse", optimizer=nnc.HotCold(0.01), epochs=5,
                  record="params", threads=threads)
        out += [h.params]
        out += [nnc.loss_surface(m, X, y[:, :1], "mse", (("layers.0.weight", (0, 0)),
                                                           ("layers.0.bias", 0)),
                                 (np.linspace(-1, 1, 7), np.linspace(-2, 2, 5)))]
        digest = hashlib.sha256()
        for arr in out:
            arr = np.ascontiguousarray(arr)
            digest.update(str((arr.dtype.str, arr.shape)).encode())
            digest.update(arr.tobytes())
        return digest.hexdigest()

    if __name__ == "__main__":
        print(json.dumps({f"{d}/{t}": workload(d, t)
                          for d in ("float64", "float32") for t in (1, 2, 4)}))
''')


def _digests_in_subprocess(tmp_path):
    script = tmp_path / "workload.py"
    script.write_text(WORKLOAD)
    env = dict(os.environ)
    # A different hash seed and thread environment in each run must not matter.
    runs = []
    for hashseed, omp in (("1", "1"), ("12345", "3")):
        env.update(PYTHONHASHSEED=hashseed, OMP_NUM_THREADS=omp)
        res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             env=env, timeout=600)
        assert res.returncode == 0, res.stderr[-5000:]
        runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    return runs


def _workload():
    namespace = {"__name__": "workload"}
    exec(compile(WORKLOAD, "workload", "exec"), namespace)  # noqa: S102 -- our own text
    return namespace["workload"]


@pytest.fixture(scope="module")
def subprocess_digests(tmp_path_factory):
    return _digests_in_subprocess(tmp_path_factory.mktemp("determinism"))


def test_two_processes_give_identical_bits(subprocess_digests):
    first, second = subprocess_digests
    assert first == second


def test_this_process_matches_the_subprocesses(subprocess_digests):
    workload = _workload()
    for key, digest in subprocess_digests[0].items():
        dtype, threads = key.split("/")
        assert workload(dtype, int(threads)) == digest, key


def test_thread_counts_give_identical_bits(subprocess_digests):
    digests = subprocess_digests[0]
    for dtype in ("float64", "float32"):
        assert digests[f"{dtype}/1"] == digests[f"{dtype}/2"] == digests[f"{dtype}/4"], dtype


def test_float32_and_float64_runs_differ():
    """The digest sees the dtype: a workload that ignored `dtype` (or a digest
    of nothing) would make the tests above vacuous."""
    workload = _workload()
    assert workload("float32", 1) != workload("float64", 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(513, 257, 300), (64, 1000, 64), (1, 4000, 700),
                                   (700, 3, 900)])
def test_matmul_threads_bit_identical_on_large_products(dtype, shape):
    """Products past the threading threshold, every transpose combination."""
    m, k, n = shape
    rng = np.random.default_rng(m + k + n)
    for ta in (False, True):
        for tb in (False, True):
            a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
            b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
            ref = nnc.matmul(a, b, trans_a=ta, trans_b=tb, threads=1)
            for threads in (2, 3, 4, 7):
                got = nnc.matmul(a, b, trans_a=ta, trans_b=tb, threads=threads)
                assert got.tobytes() == ref.tobytes(), (shape, ta, tb, threads)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_untransposed_products_match_every_path(dtype):
    """n and k past NNC_GEMM_PACKED_MIN_F32/F64 (896/640), m past 256: an
    untransposed product takes the packed path.  Its bits equal the
    transposed-operand paths', a short slice of its rows (the direct path)
    and every thread count."""
    m, k, n = 920, 1030, 900  # k past two KC blocks; edges in every tile
    rng = np.random.default_rng(7)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    ref = nnc.matmul(a, b, threads=1)
    tol = 1e-3 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(ref, a.astype(np.float64) @ b, rtol=tol, atol=tol * k ** 0.5)
    at = np.ascontiguousarray(a.T)
    bt = np.ascontiguousarray(b.T)
    for threads in (1, 2, 3):
        for got in (nnc.matmul(a, b, threads=threads),
                    nnc.matmul(at, b, trans_a=True, threads=threads),
                    nnc.matmul(a, bt, trans_b=True, threads=threads),
                    nnc.matmul(at, bt, trans_a=True, trans_b=True, threads=threads)):
            assert got.tobytes() == ref.tobytes(), threads
    # 100 rows: below the packed path's size, so the direct kernels run.
    assert nnc.matmul(a[:100], b, threads=1).tobytes() == ref[:100].tobytes()
    assert nnc.matmul(a[250:350], b, threads=2).tobytes() == ref[250:350].tobytes()
