"""Regression tests for bugs the hardening review found (one section per bug).

Each test checks both that the bad input is refused with a message naming the
argument, and that a nearby good input still gives the right value, so a fix
that refuses too much fails here too.
"""
import numpy as np
import pytest

import nnc
from nnc import _core


def _state():
    return np.array([1, 2, 3, 4], np.uint64)


# ---------------------------------------------------------------------------
# 1. m_rng.c: byte-swapped uint64/int64 state and out arrays were read and
#    written as native integers.

SWAPPED_U8 = np.dtype("u8").newbyteorder("S")
SWAPPED_I8 = np.dtype("i8").newbyteorder("S")


@pytest.mark.parametrize("call", [
    lambda s: _core.rng_next_u64(s, np.zeros(3, np.uint64)),
    lambda s: _core.rng_jump(s),
    lambda s: _core.rng_uniform_fill(s, np.zeros(3), 0.0, 1.0),
    lambda s: _core.rng_seed(s, 7),
], ids=["next_u64", "jump", "uniform_fill", "seed"])
def test_rng_byte_swapped_state_is_refused(call):
    s = _state().astype(SWAPPED_U8)
    before = s.copy()
    with pytest.raises(TypeError, match=r"state: .*native byte order"):
        call(s)
    np.testing.assert_array_equal(s, before)


@pytest.mark.parametrize("fn,dt", [(_core.rng_next_u64, SWAPPED_U8),
                                   (_core.rng_integers, SWAPPED_I8),
                                   (_core.rng_permutation, SWAPPED_I8)])
def test_rng_byte_swapped_integer_out_is_refused(fn, dt):
    out = np.zeros(3, dt)
    s = _state()
    extra = {_core.rng_next_u64: (), _core.rng_integers: (0, 10),
             _core.rng_permutation: ()}[fn]
    with pytest.raises(TypeError, match=r"out must be u?int64 in native byte order"):
        fn(s, out, *extra)
    np.testing.assert_array_equal(s, _state())  # a refused call does not advance the state
    np.testing.assert_array_equal(out, 0)


def test_rng_native_state_still_matches_its_swapped_copy_converted():
    # The same words in native order give the stream the refused array meant.
    a = _state()
    b = _state().astype(SWAPPED_U8).astype(np.uint64)
    oa, ob = np.zeros(4, np.uint64), np.zeros(4, np.uint64)
    _core.rng_next_u64(a, oa)
    _core.rng_next_u64(b, ob)
    np.testing.assert_array_equal(oa, ob)
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# 2. model.fit: absurd sizes failed with messages that named no argument.
#    Values that mean the same as a smaller one are now clamped; records that
#    cannot be allocated are refused naming epochs.

FX = np.random.default_rng(0).normal(size=(6, 2))
FY = FX @ np.array([1.0, -2.0]) + 0.5


def _model():
    return nnc.Sequential([nnc.Dense(2, 1)], seed=3)


def _fit(**kw):
    m = _model()
    h = m.fit(FX, FY, loss="mse", optimizer=nnc.SGD(0.05), **{"epochs": 4, **kw})
    return m, h


def test_fit_huge_batch_size_is_the_full_batch():
    m_ref, h_ref = _fit()  # batch_size=None: full batch
    for bs in (6, 7, 2 ** 62, 2 ** 70):
        m, h = _fit(batch_size=bs)
        np.testing.assert_array_equal(h.loss, h_ref.loss)
        np.testing.assert_array_equal(m.get_flat_params(), m_ref.get_flat_params())
        assert h.steps == 4


def test_fit_huge_batch_size_with_order_is_one_step_over_the_order():
    m_ref, h_ref = _fit(order=[0, 3, 3, 5], batch_size=4)
    m, h = _fit(order=[0, 3, 3, 5], batch_size=2 ** 70)
    np.testing.assert_array_equal(h.loss, h_ref.loss)
    np.testing.assert_array_equal(m.get_flat_params(), m_ref.get_flat_params())


def test_fit_huge_threads_counts_as_the_cap():
    m_ref, h_ref = _fit()
    m, h = _fit(threads=2 ** 40)
    np.testing.assert_array_equal(h.loss, h_ref.loss)
    np.testing.assert_array_equal(m.get_flat_params(), m_ref.get_flat_params())


@pytest.mark.parametrize("every,calls", [(2 ** 70, []), (5, []), (4, [4]), (2, [2, 4])])
def test_fit_huge_callback_every_never_fires(every, calls):
    seen = []
    _fit(callback=lambda e, h: seen.append(e), callback_every=every)
    assert seen == calls


@pytest.mark.parametrize("kw,exc,pattern", [
    ({"epochs": 2 ** 62}, ValueError,
     r"fit: epochs=4611686018427387904 needs a loss record of 4611686018427387904 values"),
    ({"epochs": 2 ** 70}, ValueError, r"fit: epochs=1180591620717411303424 is more than"),
    ({"epochs": 2 ** 62, "order": [0, 1], "record": "step"}, ValueError,
     r"fit: epochs=4611686018427387904 at 2 steps per epoch makes 9223372036854775808 steps"),
    ({"epochs": 2 ** 59}, MemoryError,  # 4 EiB: an address, but no machine has it
     r"fit: epochs=576460752303423488 needs a loss record of 576460752303423488 values, "
     r"more than the free memory holds"),
])
def test_fit_records_that_cannot_exist_name_epochs(kw, exc, pattern):
    m = _model()
    before = m.get_flat_params().copy()
    with pytest.raises(exc, match=pattern):
        m.fit(FX, FY, loss="mse", optimizer=nnc.SGD(0.05), **kw)
    np.testing.assert_array_equal(m.get_flat_params(), before)


@pytest.mark.parametrize("record,limit,pattern", [
    ("step", 5000, r"fit: epochs=1000 with record='step' needs a per-step loss record of 6000 "
             r"values \(6 steps per epoch\), more than the free memory holds"),
    ("params", 10000, r"fit: epochs=1000 with record='params' needs a parameter record of "
               r"6001 x 3 values, more than the free memory holds"),
])
def test_fit_step_and_param_records_that_cannot_be_allocated_name_epochs(monkeypatch, record,
                                                                         limit, pattern):
    # Make only the big record fail, as it would on a machine without the memory.
    real_zeros = np.zeros

    def zeros(shape, *a, **k):
        if np.prod(shape) > limit:
            raise MemoryError("Unable to allocate")
        return real_zeros(shape, *a, **k)

    monkeypatch.setattr(np, "zeros", zeros)
    with pytest.raises(MemoryError, match=pattern):
        _fit(epochs=1000, batch_size=1, record=record)


# ---------------------------------------------------------------------------
# 3. optim.py: lr = 0 (every optimizer), eps = 0 (Adam) and step = 0 (HotCold)
#    were accepted although the step kernels refuse them (or turn 0/0 into NaN).

@pytest.mark.parametrize("make,pattern", [
    (lambda v: nnc.SGD(v), r"SGD: lr must be > 0, got "),
    (lambda v: nnc.Momentum(v), r"Momentum: lr must be > 0, got "),
    (lambda v: nnc.Nesterov(v), r"Nesterov: lr must be > 0, got "),
    (lambda v: nnc.Adam(lr=v), r"Adam: lr must be > 0, got "),
    (lambda v: nnc.Adam(eps=v), r"Adam: eps must be > 0, got "),
    (lambda v: nnc.HotCold(v), r"HotCold: step must be > 0, got "),
])
@pytest.mark.parametrize("value", [0, 0.0, -0.0, -1e-3])
def test_optimizer_zero_or_negative_rates_are_refused(make, pattern, value):
    with pytest.raises(ValueError, match=pattern):
        make(value)


def test_optimizer_small_positive_rates_still_train():
    # the smallest positive float64 values are accepted and give float64 results
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3)
    before = m.get_flat_params().copy()
    m.fit(FX, FY, loss="mse", optimizer=nnc.Adam(lr=1e-300, eps=5e-324), epochs=1)
    assert np.isfinite(m.get_flat_params()).all()
    np.testing.assert_allclose(m.get_flat_params(), before, rtol=0, atol=1e-290)


# 6 (model side). fit/evaluate compute in the model's dtype: a float32 model
# refuses hyper-parameters that overflow there or round to 0 / 1.

@pytest.mark.parametrize("opt,kw,pattern", [
    (lambda: nnc.Adam(eps=1e-50), {},
     r"fit: Adam eps = 1e-50 rounds to 0 in float32; it must be > 0"),
    (lambda: nnc.Adam(beta1=1 - 1e-12), {},
     r"fit: Adam beta1 = 0\.999999999999 rounds to 1 in float32"),
    (lambda: nnc.Adam(beta2=1 - 1e-12), {},
     r"fit: Adam beta2 = 0\.999999999999 rounds to 1 in float32"),
    (lambda: nnc.Adam(lr=1e300), {}, r"fit: Adam lr = 1e\+300 does not fit in float32"),
    (lambda: nnc.SGD(1e300), {},
     r"fit: SGD lr = 1e\+300 does not fit in float32 \(it rounds to inf\)"),
    (lambda: nnc.SGD(1e-50), {}, r"fit: SGD lr = 1e-50 rounds to 0 in float32"),
    (lambda: nnc.Momentum(0.1, mu=1 - 1e-10), {}, r"fit: Momentum mu = .* rounds to 1 in float32"),
    (lambda: nnc.Nesterov(1e300), {}, r"fit: Nesterov lr = 1e\+300 does not fit in float32"),
    (lambda: nnc.HotCold(1e-50), {}, r"fit: HotCold step = 1e-50 rounds to 0 in float32"),
    (lambda: nnc.SGD(0.1), {"l2": 1e300}, r"fit: l2 = 1e\+300 does not fit in float32"),
    (lambda: nnc.SGD(0.1), {"l1": 1e39}, r"fit: l1 = 1e\+39 does not fit in float32"),
    (lambda: nnc.SGD(0.1), {"loss": nnc.losses.Huber(1e-50)},
     r"fit: Huber delta = 1e-50 rounds to 0 in float32; it must be > 0"),
])
def test_fit_float32_refuses_hyper_parameters_that_round_badly(opt, kw, pattern):
    kw = {"loss": "mse", **kw}
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3, dtype="float32")
    before = m.get_flat_params().copy()
    with pytest.raises(ValueError, match=pattern):
        m.fit(FX, FY, optimizer=opt(), epochs=2, **kw)
    np.testing.assert_array_equal(m.get_flat_params(), before)
    # the same values are fine in float64
    m64 = nnc.Sequential([nnc.Dense(2, 1)], seed=3)
    try:
        m64.fit(FX, FY, optimizer=opt(), epochs=2, **kw)
    except nnc.DivergenceError:
        pass  # lr = 1e300 diverges, as it should, but is not refused


@pytest.mark.parametrize("method", ["evaluate", "compute_gradients"])
def test_evaluate_float32_refuses_hyper_parameters_that_round_badly(method):
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3, dtype="float32")
    fn = getattr(m, method)
    with pytest.raises(ValueError, match=rf"{method}: l2 = 1e\+300 does not fit in float32"):
        fn(FX, FY, "mse", l2=1e300)
    with pytest.raises(ValueError, match=rf"{method}: Huber delta = 1e-50 rounds to 0"):
        fn(FX, FY, nnc.losses.Huber(1e-50))
    # a delta that is subnormal but not zero in float32 is still accepted
    v = fn(FX, FY, nnc.losses.Huber(1e-40))
    assert np.isfinite(v) and v > 0


# ---------------------------------------------------------------------------
# 4. load: the saved generator state was copied without Generator.state's checks.

def _saved_with_state(tmp_path, state):
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=5)
    m.save(tmp_path / "good.npz")
    data = dict(np.load(tmp_path / "good.npz"))
    data["__nnc_rng_state__"] = state
    np.savez(tmp_path / "bad.npz", **data)
    return tmp_path / "bad.npz"


@pytest.mark.parametrize("state,pattern", [
    (np.zeros(4, np.uint64), r"all four words are zero"),
    (np.ones(3, np.uint64), r"shape \(3,\) .*expected 4 words, got 3"),
    (np.ones((2, 2), np.uint64), r"shape \(2, 2\)"),
    (np.ones(4), r"dtype float64 .*must be an int"),
    (np.array([-1, 1, 1, 1]), r"words must be in \[0, 2\*\*64\)"),
    (np.uint64(7), r"shape \(\) .*expected a sequence of 4 ints"),
])
def test_load_refuses_a_bad_generator_state(tmp_path, state, pattern):
    path = _saved_with_state(tmp_path, state)
    head = r"load: .*bad\.npz'\)? holds a generator state .*"
    with pytest.raises(ValueError, match=head + pattern):
        nnc.load(path)


def test_load_restores_a_good_generator_state_and_keeps_the_seed(tmp_path):
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=5)
    m.generator.uniform(3)
    m.save(tmp_path / "m.npz")
    back = nnc.load(tmp_path / "m.npz")
    assert back.generator.state == m.generator.state
    assert back.generator.seed == 5
    np.testing.assert_array_equal(back.generator.uniform(4), m.generator.uniform(4))
    # any nonzero words in [0, 2**64), int64 included, are a state
    path = _saved_with_state(tmp_path, np.array([2 ** 64 - 1, 0, 0, 3], np.uint64))
    assert nnc.load(path).generator.state == (2 ** 64 - 1, 0, 0, 3)
    path = _saved_with_state(tmp_path, np.array([1, 2, 3, 4], np.int64))
    assert nnc.load(path).generator.state == (1, 2, 3, 4)


# ---------------------------------------------------------------------------
# 5. cross_entropy: a uint64 class index >= 2**63 was reported wrapped negative.

from nnc import functional as F  # noqa: E402


@pytest.mark.parametrize("value", [2 ** 63, 2 ** 64 - 1, 3])
@pytest.mark.parametrize("fn", [F.cross_entropy, F.cross_entropy_backward])
def test_cross_entropy_unsigned_index_message_shows_the_value(fn, value):
    z = np.zeros((2, 3))
    t = np.array([0, value], dtype=np.uint64)
    with pytest.raises(ValueError, match=rf"target\[1\] = {value} is not a class index in "
                                         rf"\[0, 3\)"):
        fn(z, t)


def test_cross_entropy_unsigned_indices_still_work():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    want = F.cross_entropy(z, np.array([1, 2]))
    for dt in (np.uint8, np.uint16, np.uint32, np.uint64):
        assert F.cross_entropy(z, np.array([1, 2], dtype=dt)) == want
    with pytest.raises(ValueError, match=r"target\[0\] = -1 is not a class index"):
        F.cross_entropy(z, np.array([-1, 2]))


# ---------------------------------------------------------------------------
# 6. float32 hyper-parameters checked in double but rounded badly by the kernel.

f32 = np.float32


def _adam32(**kw):
    w = np.ones(2, f32)
    F.adam_step(w, np.zeros(2, f32), np.zeros(2, f32), np.zeros(2, f32), 1, **kw)
    return w


@pytest.mark.parametrize("call,pattern", [
    (lambda: _adam32(eps=1e-50), r"adam_step: eps = 1e-50 rounds to 0 in float32; it must be > 0"),
    (lambda: _adam32(beta1=1 - 1e-12),
     r"adam_step: beta1 = 0\.999999999999 rounds to 1 in float32"),
    (lambda: _adam32(beta2=1 - 1e-12),
     r"adam_step: beta2 = 0\.999999999999 rounds to 1 in float32"),
    (lambda: _adam32(lr=1e300),
     r"adam_step: lr = 1e\+300 does not fit in float32 \(it rounds to inf\)"),
    (lambda: _adam32(eps=1e39), r"adam_step: eps = 1e\+39 does not fit in float32"),
    (lambda: F.sgd_step(np.ones(2, f32), np.zeros(2, f32), 1e300),
     r"sgd_step: lr = 1e\+300 does not fit in float32"),
    (lambda: F.sgd_step(np.ones(2, f32), np.zeros(2, f32), 1e-50),
     r"sgd_step: lr = 1e-50 rounds to 0 in float32"),
    (lambda: F.momentum_step(np.ones(2, f32), np.zeros(2, f32), np.zeros(2, f32), 1e300, 0.5),
     r"momentum_step: lr = 1e\+300 does not fit in float32"),
    (lambda: F.momentum_step(np.ones(2, f32), np.zeros(2, f32), np.zeros(2, f32), 0.1, 1 - 1e-12),
     r"momentum_step: mu = 0\.999999999999 rounds to 1 in float32"),
    (lambda: F.huber(f32([3.0]), f32([0.0]), delta=1e-50),
     r"huber: delta = 1e-50 rounds to 0 in float32; it must be > 0"),
    (lambda: F.huber_backward(f32([3.0]), f32([0.0]), delta=1e300),
     r"huber_backward: delta = 1e\+300 does not fit in float32"),
    (lambda: F.leaky_relu(f32([0.0, -1.0]), alpha=-1e300),
     r"leaky_relu: alpha = -1e\+300 does not fit in float32 \(it rounds to -inf\)"),
    (lambda: F.elu(f32([0.0, -1.0]), alpha=1e300), r"elu: alpha = 1e\+300 does not fit"),
    (lambda: F.elu_backward(f32([0.0]), f32([1.0]), alpha=1e300),
     r"elu_backward: alpha = 1e\+300"),
    (lambda: F.prelu(f32([1.0]), 1e40), r"prelu: alpha = 1e\+40 does not fit in float32"),
    (lambda: F.prelu_backward(f32([1.0]), f32([1.0]), 1e40), r"prelu_backward: alpha = 1e\+40"),
])
def test_float32_hyper_parameters_that_round_badly_are_refused(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_refused_float32_steps_leave_the_arrays_alone():
    w, g, m, v = np.ones(2, f32), np.ones(2, f32), np.full(2, 0.5, f32), np.full(2, 0.25, f32)
    with pytest.raises(ValueError, match="eps"):
        F.adam_step(w, g, m, v, 1, eps=1e-50)
    with pytest.raises(ValueError, match="lr"):
        F.momentum_step(w, g, m, 1e300, 0.5)
    np.testing.assert_array_equal(w, 1)
    np.testing.assert_array_equal(m, 0.5)
    np.testing.assert_array_equal(v, 0.25)


def test_float32_edge_values_that_survive_rounding_still_work():
    # Adam with the smallest eps float32 keeps (a subnormal) and a zero gradient:
    # m = v = 0, so the update is 0 / eps = 0 and w stays put (no NaN).
    w = _adam32(eps=1e-45)
    np.testing.assert_array_equal(w, 1)
    # beta2 just below 1 in float32 (1 - 2**-24 rounds to itself)
    w = np.ones(2, f32)
    F.adam_step(w, np.ones(2, f32), np.zeros(2, f32), np.zeros(2, f32), 1, beta2=1 - 2 ** -24)
    np.testing.assert_allclose(w, 1 - 0.001, rtol=1e-6)
    # an lr near float32's largest value times a zero gradient: w unchanged
    w = np.ones(2, f32)
    F.sgd_step(w, np.zeros(2, f32), 3e38)
    np.testing.assert_array_equal(w, 1)
    # huber with a tiny (subnormal in float32) delta: the linear branch, as NumPy computes it
    d = 1e-40
    got = F.huber(f32([3.0]), f32([0.0]), delta=d)
    want = f32(d) * (f32(3.0) - f32(d) / f32(2))
    assert got == pytest.approx(float(want), rel=1e-6)
    # float64 takes all of the refused values
    w = np.ones(2)
    F.adam_step(w, np.zeros(2), np.zeros(2), np.zeros(2), 1, eps=1e-50, beta2=1 - 1e-12)
    np.testing.assert_array_equal(w, 1)
    assert F.huber(np.array([3.0]), np.array([0.0]), delta=1e-50) == pytest.approx(3e-50)
    np.testing.assert_array_equal(F.leaky_relu(np.array([0.0, -1.0]), alpha=1e300), [0.0, -1e300])


@pytest.mark.parametrize("opt", [lambda: nnc.Adam(eps=1e-50), lambda: nnc.Adam(beta1=1 - 1e-12),
                                 lambda: nnc.Adam(beta2=1 - 1e-12), lambda: nnc.Adam(lr=1e300)])
def test_adam_kernel_refuses_rounded_hyper_parameters_itself(monkeypatch, opt):
    # With fit's own check switched off the values reach nnc_adam_step in
    # float32, which refuses them (status INVALID_ARGUMENT) instead of
    # writing NaN into the weights.
    import nnc.model
    monkeypatch.setattr(nnc.model, "_check_hyper_in_dtype", lambda *a, **k: None)
    m = nnc.Sequential([nnc.Dense(2, 1)], seed=3, dtype="float32")
    before = m.get_flat_params().copy()
    with pytest.raises(ValueError, match="invalid argument"):
        m.fit(FX, FY, loss="mse", optimizer=opt(), epochs=1)
    np.testing.assert_array_equal(m.get_flat_params(), before)


# ---------------------------------------------------------------------------
# 8. random/init: a shape whose byte count overflows reached np.empty, whose
#    message named neither the function nor the shape.

from nnc import init  # noqa: E402

HUGE = (2 ** 62, 2 ** 62)
HUGE_TEXT = r"shape \(4611686018427387904, 4611686018427387904\) asks for " + str(2 ** 124)


@pytest.mark.parametrize("name,call", [
    ("random_raw", lambda s: nnc.Generator(0).random_raw(s)),
    ("uniform", lambda s: nnc.Generator(0).uniform(s)),
    ("normal", lambda s: nnc.Generator(0).normal(s, dtype="float32")),
    ("integers", lambda s: nnc.Generator(0).integers(0, 10, size=s)),
    ("zeros", init.zeros), ("ones", init.ones), ("constant", lambda s: init.constant(s, 2.0)),
    ("uniform", init.uniform), ("normal", init.normal), ("xavier_uniform", init.xavier_uniform),
    ("xavier_normal", init.xavier_normal), ("he_uniform", init.he_uniform),
    ("he_normal", init.he_normal),
])
def test_shapes_too_big_for_an_array_name_the_function_and_shape(name, call):
    with pytest.raises(ValueError, match=rf"^{name}: {HUGE_TEXT} values, more than an array "
                                         rf"can hold$"):
        call(HUGE)


def test_permutation_too_big_names_n():
    with pytest.raises(ValueError, match=r"^permutation: n = 4611686018427387904 asks for "
                                         r"4611686018427387904 values"):
        nnc.Generator(0).permutation(2 ** 62)


def test_shapes_that_fit_an_address_but_not_memory_name_the_function():
    # 2**57 float64 values = 1 EiB: a legal array size that no machine holds
    with pytest.raises(MemoryError, match=r"^uniform: shape \(144115188075855872,\) needs "
                                          r"1152921504606846976 bytes of float64"):
        nnc.Generator(0).uniform((2 ** 57,))
    with pytest.raises(MemoryError, match=r"^he_normal: shape \(1024, 140737488355328\) needs "
                                          r"576460752303423488 bytes of float32"):
        init.he_normal((2 ** 10, 2 ** 47), dtype="float32")


def test_other_numpy_shape_errors_name_the_function():
    with pytest.raises(ValueError, match=r"^normal: shape \(1, 1, .*\): maximum supported "
                                         r"dimension"):
        nnc.Generator(0).normal((1,) * 65)


def test_huge_shapes_still_work_where_nothing_is_allocated():
    assert init.fans((2 ** 40, 2 ** 40, 3, 5)) == (3 * 2 ** 80, 5 * 2 ** 80)
    assert nnc.Generator(0).uniform((2 ** 40, 0)).shape == (2 ** 40, 0)
    g1, g2 = nnc.Generator(4), nnc.Generator(4)
    np.testing.assert_array_equal(g1.permutation(6), g2.permutation(6))
    np.testing.assert_array_equal(init.he_normal((3, 2), gen=1), init.he_normal((3, 2), gen=1))


# Sibling of 8: Generator.spawn with an impossible count jumped (and built
# tuples) until memory ran out; now it fails at once, state untouched.

@pytest.mark.parametrize("n", [2 ** 62, 2 ** 70])
def test_spawn_of_an_impossible_count_fails_at_once(n):
    g = nnc.Generator(7)
    before = g.state
    with pytest.raises(MemoryError, match=rf"^spawn: n = {n} Generators do not fit in memory"):
        g.spawn(n)
    assert g.state == before


def test_spawn_still_gives_the_jumped_streams():
    g = nnc.Generator(7)
    start = g.state
    kids = g.spawn(3)
    ref = nnc.Generator(7)
    for kid in kids:
        assert kid.state == ref.state
        _core.rng_jump(ref._state_array)
    assert g.state == ref.state != start


# ---------------------------------------------------------------------------
# 7. An empty inner dimension (k == 0) is an empty sum: +0.0, as NumPy and
#    BLAS give, never the -0.0 an accumulator could start from (main already
#    has the fix in nnc_gemm_ex / nnc_dot / nnc_gemv; this pins it down).

@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("call,ref", [
    (lambda a, b, **k: nnc.matmul(a, b, **k), lambda a, b: a @ b),
    (lambda a, b, **k: nnc.matmul(a.T.copy(), b, trans_a=True, **k), lambda a, b: a @ b),
    (lambda a, b, **k: nnc.matmul(a, b.T.copy(), trans_b=True, **k), lambda a, b: a @ b),
])
@pytest.mark.parametrize("m,n", [(2, 3), (40, 70)])
def test_matmul_with_k_zero_gives_positive_zero(dt, call, ref, m, n):
    a, b = np.zeros((m, 0), dt), np.zeros((0, n), dt)
    got = call(a, b)
    want = ref(a, b)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert not np.signbit(got).any()
    out = np.full((m, n), -0.0, dt)  # whatever out held is overwritten
    call(a, b, out=out)
    assert not np.signbit(out).any()
    out[...] = np.nan
    call(a, b, out=out)
    np.testing.assert_array_equal(out, 0)


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_dot_and_gemv_with_nothing_to_add_give_positive_zero(dt):
    e = np.zeros(0, dt)
    assert np.signbit(nnc.dot(e, e)) == np.signbit(np.dot(e, e)) == False  # noqa: E712
    y = nnc.gemv(np.zeros((3, 0), dt), e)
    assert y.shape == (3,) and not np.signbit(y).any()
    y = nnc.gemv(np.zeros((0, 3), dt), e, trans_a=True)
    assert y.shape == (3,) and not np.signbit(y).any()
