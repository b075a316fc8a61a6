"""Every function of nnc.functional and nnc.linalg, broken one way at a time
(the case table is in cases.py).

Each call goes through Case.run, which also asserts that no input array was
modified -- byte for byte, whether the call succeeded or raised -- and that
in-place arrays are untouched when the call raised.
"""
import math

import numpy as np
import pytest

from .cases import CASES, ELEM_SHAPES, assert_result

RNG_SEED = 1234

_ids = [c.name for c in CASES]


def _fresh(case, shape, dtype, seed=RNG_SEED):
    return case.make(shape, np.dtype(dtype), np.random.default_rng(seed))


def _outcome(case, arrs, **hp):
    """The call's result, or copies of its in-place arrays afterwards."""
    res = case.run(arrs, **hp)
    if case.inout:
        return {n: arrs[n].copy() for n in case.inout}
    return res


def _assert_same_outcome(case, a, b):
    """Two outcomes are identical (bit for bit; NaN equal to NaN)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"{case.name}: {k}")
        return
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same_outcome(case, x, y)
        return
    if isinstance(a, float):
        assert isinstance(b, float) and (a == b or (math.isnan(a) and math.isnan(b))), (a, b)
        return
    assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b, err_msg=case.name)


def _short(case):
    return case.name.split(".")[-1]


# ---------------------------------------------------------------------------
# valid calls: every documented shape, 0-size and 1-element included


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_valid_shapes_match_reference(case, dtype):
    for shape in case.shapes:
        arrs = _fresh(case, shape, dtype)
        want = case.expected(arrs, dtype)
        got = case.run(arrs)
        assert_result(case, got, want, dtype, arrs)


# ---------------------------------------------------------------------------
# wrong types

GARBAGE = [None, "abc", b"xyz", object(), {"a": 1.0}, [1.0, "a"], [[1.0, 2.0], [3.0]], 1j,
           {1.0, 2.0}, (x for x in range(3))]
GARBAGE_IDS = ["None", "str", "bytes", "object", "dict", "mixed-list", "ragged-list", "complex",
               "set", "generator"]


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("garbage", range(len(GARBAGE)), ids=GARBAGE_IDS)
def test_wrong_type_is_type_error_naming_argument(case, garbage):
    for argname in case.arrays:
        arrs = _fresh(case, case.base_shape, np.float64)
        bad = GARBAGE[garbage]
        if garbage == len(GARBAGE) - 1:
            bad = (x for x in range(3))  # a fresh generator each time
        arrs[argname] = bad
        with pytest.raises(TypeError) as info:
            case.run(arrs)
        msg = str(info.value)
        assert argname in msg and _short(case).replace("_backward", "") in msg, (
            f"{case.name}({argname}={GARBAGE_IDS[garbage]}): message does not name the "
            f"function and argument: {msg!r}")


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_inplace_argument_must_be_an_ndarray(case):
    for argname in case.inout:
        arrs = _fresh(case, case.base_shape, np.float64)
        arrs[argname] = arrs[argname].tolist()
        with pytest.raises(TypeError, match=argname):
            case.run(arrs)


# ---------------------------------------------------------------------------
# dtypes: bool/int/float16 converted for read-only inputs; complex, object,
# strings, dates refused everywhere; only the exact float dtype in place

CONVERTED = ["bool", "int8", "int32", "int64", "uint8", "uint64", "float16"]
REFUSED = ["complex64", "complex128", "object", "U3", "S3", "datetime64[s]", "timedelta64[s]",
           [("f0", "f8"), ("f1", "f8")]]
REFUSED_IDS = ["complex64", "complex128", "object", "str", "bytes", "datetime", "timedelta",
               "structured"]


def _computes_in(case, arrs, name, dt):
    """The float dtype a call computes in when arrs[name] has dtype dt."""
    others = [a for n, a in arrs.items() if n != name and isinstance(a, np.ndarray)]
    if np.dtype(dt) == np.float16 or any(a.dtype == np.float64 for a in others):
        return np.float64
    if any(a.dtype == np.float32 for a in others):
        return np.float32
    return np.float64


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("dt", CONVERTED)
def test_bool_int_float16_inputs_are_converted(case, dt, dtype):
    for argname in case.arrays:
        if argname in case.inout:
            continue
        base = _fresh(case, case.base_shape, dtype)
        conv = base[argname].astype(dt)
        if dt == "uint64" or dt == "uint8":
            conv = np.abs(base[argname]).astype(dt)
        a1 = _fresh(case, case.base_shape, dtype)
        a1[argname] = conv
        a2 = _fresh(case, case.base_shape, dtype)
        a2[argname] = conv.astype(_computes_in(case, a2, argname, dt))
        try:
            r1 = _outcome(case, a1)
        except ValueError as e:
            # 0/1 labels: an integer array of other values is refused, by name
            assert argname in case.labels and argname in str(e), str(e)
            with pytest.raises(ValueError):
                _outcome(case, a2)
            continue
        _assert_same_outcome(case, r1, _outcome(case, a2))


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("dt", range(len(REFUSED)), ids=REFUSED_IDS)
def test_complex_object_string_dtypes_are_refused(case, dt):
    for argname in case.arrays:
        arrs = _fresh(case, case.base_shape, np.float64)
        shape = arrs[argname].shape
        bad = np.zeros(shape, dtype=REFUSED[dt])
        arrs[argname] = bad
        with pytest.raises(TypeError) as info:
            case.run(arrs)
        assert argname in str(info.value), str(info.value)


@pytest.mark.parametrize("case", [c for c in CASES if c.inout], ids=lambda c: c.name)
@pytest.mark.parametrize("dt", ["int64", "bool", "float16", "other-float"])
def test_inplace_arrays_need_the_exact_float_dtype(case, dt, dtype):
    for argname in case.inout:
        arrs = _fresh(case, case.base_shape, dtype)
        if dt == "other-float":
            if argname == case.inout[0]:
                continue  # the first in-place array sets the dtype of the call
            target = np.float32 if np.dtype(dtype) == np.float64 else np.float64
        else:
            target = dt
        arrs[argname] = arrs[argname].astype(target)
        with pytest.raises(TypeError) as info:
            case.run(arrs)
        assert argname in str(info.value), str(info.value)


# ---------------------------------------------------------------------------
# shapes


@pytest.mark.parametrize("case", [c for c in CASES if len(c.arrays) > 1], ids=lambda c: c.name)
def test_shape_mismatch_is_value_error_with_shapes(case, dtype):
    if case.same_shape:
        good = case.base_shape
        bad = good[:-1] + (good[-1] + 1,)
        for argname in case.arrays:
            arrs = _fresh(case, good, dtype)
            arrs[argname] = _fresh(case, bad, dtype)[argname]
            with pytest.raises(ValueError) as info:
                case.run(arrs)
            msg = str(info.value)
            assert str(bad) in msg and str(good) in msg and argname in msg, msg
    else:
        for argname, arrs in case.mismatch(np.dtype(dtype), np.random.default_rng(0)):
            with pytest.raises(ValueError) as info:
                case.run(arrs)
            assert argname in str(info.value), str(info.value)


@pytest.mark.parametrize("case", [c for c in CASES if c.rowwise], ids=lambda c: c.name)
@pytest.mark.parametrize("shape", [(), (2, 3, 4)], ids=["0-d", "3-d"])
def test_rowwise_functions_refuse_other_ranks(case, shape, dtype):
    arrs = {k: np.asarray(v) for k, v in _fresh(case, (3, 4), dtype).items()}
    for argname in case.arrays:
        bad = dict(arrs)
        for k in case.arrays:  # every array of the wrong rank, so shapes agree
            bad[k] = np.zeros(shape, dtype) + 0.5
        with pytest.raises(ValueError) as info:
            case.run(bad)
        assert "shape" in str(info.value), str(info.value)
        break


# ---------------------------------------------------------------------------
# NaN and inf propagate as the documented formula evaluated by NumPy does


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_nan_and_inf_follow_the_formula(case, dtype):
    shape = case.base_shape
    for argname in case.arrays:
        arrs = _fresh(case, shape, dtype)
        flat = arrs[argname].reshape(-1)
        flat[0] = np.nan
        if argname in case.labels:
            want = case.expected(arrs, dtype)
            assert_result(case, case.run(arrs), want, dtype, arrs)
            arrs = _fresh(case, shape, dtype)
            arrs[argname].reshape(-1)[1] = np.inf
            with pytest.raises(ValueError, match=argname):
                case.run(arrs)
            continue
        flat[1] = np.inf
        flat[2] = -np.inf
        want = case.expected(arrs, dtype)
        assert_result(case, case.run(arrs), want, dtype, arrs)


# ---------------------------------------------------------------------------
# memory layouts: any layout is read correctly; arrays written in place must
# be C-contiguous, aligned, writeable and native-endian


def _layout(arr, kind):
    """A view of the same values in another memory layout (None when the
    layout does not apply to this shape)."""
    if kind == "strided":
        if arr.ndim == 0 or arr.size == 0:
            return None
        big = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],), arr.dtype)
        big[..., ::2] = arr
        return big[..., ::2]
    if kind == "negative":
        if arr.ndim == 0 or arr.size == 0:
            return None
        return arr[..., ::-1].copy()[..., ::-1]
    if kind == "fortran":
        return np.asfortranarray(arr) if arr.ndim >= 2 and arr.shape[0] > 1 else None
    if kind == "readonly":
        c = arr.copy()
        c.flags.writeable = False
        return c
    if kind == "unaligned":
        if arr.size == 0:
            return None
        buf = bytearray(arr.nbytes + 1)
        v = np.frombuffer(buf, dtype=arr.dtype, count=arr.size, offset=1).reshape(arr.shape)
        v[...] = arr
        assert not v.flags.aligned
        return v
    if kind == "bigendian":
        return arr.astype(arr.dtype.newbyteorder(">"))
    if kind == "broadcast":
        if arr.ndim == 0 or arr.size == 0:
            return None
        return np.broadcast_to(arr[..., :1], arr.shape)
    raise KeyError(kind)


LAYOUTS = ["strided", "negative", "fortran", "readonly", "unaligned", "bigendian", "broadcast"]


def _layout_params():
    out = []
    for case in CASES:
        for kind in LAYOUTS:
            out.append(pytest.param(case, kind, id=f"{kind}-{case.name}"))
    return out


@pytest.mark.parametrize("case,kind", _layout_params())
def test_inputs_in_any_layout_give_the_same_result(case, kind, dtype):
    for argname in case.arrays:
        if argname in case.inout:
            continue
        arrs = _fresh(case, case.base_shape, dtype)
        view = _layout(arrs[argname], kind)
        if view is None:
            continue
        contiguous = _fresh(case, case.base_shape, dtype)
        contiguous[argname] = np.ascontiguousarray(view).astype(view.dtype.newbyteorder("="))
        arrs[argname] = view
        try:
            want = _outcome(case, contiguous)
        except ValueError:  # a broadcast of a label column may be refused alike
            with pytest.raises(ValueError):
                _outcome(case, arrs)
            continue
        _assert_same_outcome(case, _outcome(case, arrs), want)


@pytest.mark.parametrize("case", [c for c in CASES if c.inout], ids=lambda c: c.name)
@pytest.mark.parametrize("kind", LAYOUTS)
def test_inplace_arrays_in_other_layouts_are_refused(case, kind, dtype):
    for argname in case.inout:
        arrs = _fresh(case, case.base_shape, dtype)
        view = _layout(arrs[argname], kind)
        if view is None:
            continue
        arrs[argname] = view
        with pytest.raises((ValueError, TypeError)) as info:
            case.run(arrs)  # run() also checks every array is unchanged
        assert argname in str(info.value), str(info.value)


# ---------------------------------------------------------------------------
# hyper-parameters


def _hyper_params():
    out = []
    for c in CASES:
        for name, value, exc in c.bad_hyper:
            out.append(pytest.param(c, name, value, exc, id=f"{c.name}-{name}={value!r}"))
    return out


@pytest.mark.parametrize("case,name,value,exc", _hyper_params())
def test_bad_hyper_parameter_names_itself(case, name, value, exc):
    arrs = _fresh(case, case.base_shape, np.float64)
    with pytest.raises(exc) as info:
        case.run(arrs, **{name: value})
    assert name in str(info.value), str(info.value)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_unknown_keyword_and_missing_arguments(case):
    arrs = _fresh(case, case.base_shape, np.float64)
    with pytest.raises(TypeError):
        case.run(arrs, bogus_keyword=1)
    if case.call is None:
        with pytest.raises(TypeError):
            case.fn()
        with pytest.raises(TypeError):
            case.fn(*[arrs[n] for n in case.arrays][:-1])


def test_case_table_has_every_shape_kind():
    """The shape list itself holds 0-size, 1-element and 0-d entries."""
    assert () in ELEM_SHAPES and (0,) in ELEM_SHAPES and (1,) in ELEM_SHAPES
    assert any(0 in s for s in ELEM_SHAPES if len(s) == 2)


def test_the_unchanged_input_check_can_fail():
    """Case.run notices a function that writes into its input, and a
    function that writes into an in-place array before raising."""
    import dataclasses

    def scribble(x):
        x[...] = 0.0
        return x

    case = dataclasses.replace(CASES[0], fn=scribble, call=None, hyper={})
    with pytest.raises(AssertionError, match="modified x"):
        case.run({"x": np.ones(3)})

    def half_step(w, g, lr):
        w[0] = 42.0
        raise ValueError("lr: refused")

    sgd = next(c for c in CASES if c.name == "F.sgd_step")
    bad = dataclasses.replace(sgd, fn=half_step)
    with pytest.raises(AssertionError, match="modified w"):
        bad.run({"w": np.ones(3), "g": np.ones(3)})
