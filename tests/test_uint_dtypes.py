"""uint16 / uint32 / uint64: torch's names, printing, creation and casts; C unsigned
wraparound for every same-dtype op (checked against NumPy where torch raises
"not implemented"); torch's refusal to promote them with other integer types."""
import pickle
import warnings

import numpy as np
import pytest
import torch

import rustorch as rt
from rustorch._errors import DTypeError, InvalidArgument

NAMES = ["uint16", "uint32", "uint64"]
DEVICES = ["cpu", "python"]
OTHER_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                "float32", "float64", "complex64", "complex128"]


def full_range(name, n=24, seed=0):
    """Values spread over the whole range, with 0, 1 and the maximum included."""
    bits = np.iinfo(name).bits
    rng = np.random.default_rng(seed + bits)
    v = rng.integers(0, 1 << bits, size=n, dtype=np.uint64).astype(name)
    v[:3] = [0, 1, (1 << bits) - 1]
    return v


def R(arr, device):
    return rt.from_numpy(np.ascontiguousarray(arr)).to(device)


def same(got, want_np):
    """Exact dtype and value equality with a NumPy result."""
    assert got.dtype.name == want_np.dtype.name, (got.dtype, want_np.dtype)
    assert got.tolist() == want_np.tolist()


# ---------------------------------------------------------------- names, repr, info
@pytest.mark.parametrize("name", NAMES)
def test_dtype_objects_match_torch(name):
    d, td = getattr(rt, name), getattr(torch, name)
    assert d.itemsize == td.itemsize and d.is_signed is td.is_signed is False
    assert not d.is_floating_point and not d.is_complex
    assert rt.iinfo(d).min == torch.iinfo(td).min and rt.iinfo(d).max == torch.iinfo(td).max
    assert rt.iinfo(d).bits == torch.iinfo(td).bits
    assert pickle.loads(pickle.dumps(d)) is d
    assert rt._dtype.as_dtype(name) is d and rt._dtype.as_dtype(np.dtype(name)) is d


@pytest.mark.parametrize("name", NAMES)
def test_repr_matches_torch(name):
    vals = [int(v) for v in full_range(name, 7)]
    for data in (vals, [vals[:3], vals[3:6]], vals[2]):
        t = torch.tensor(data, dtype=getattr(torch, name))
        r = rt.tensor(data, dtype=getattr(rt, name))
        want = repr(t).replace("torch.", "rustorch.")
        # "rustorch." is 3 characters longer than "torch.": where the dtype suffix goes
        # onto its own line may differ, nothing else
        assert " ".join(repr(r).split()) == " ".join(want.split())
        assert repr(r).split("dtype")[0].rstrip() == want.split("dtype")[0].rstrip()
    assert rt.zeros(2, dtype=getattr(rt, name)).type() == f"rustorch.{torch.zeros(2, dtype=getattr(torch, name)).type().split('.')[1]}"


# ---------------------------------------------------------------- creation
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_creation(name, device):
    d, td = getattr(rt, name), getattr(torch, name)
    top = torch.iinfo(td).max
    for got, want in [(rt.zeros(2, 3, dtype=d, device=device), torch.zeros(2, 3, dtype=td)),
                      (rt.ones(4, dtype=d, device=device), torch.ones(4, dtype=td)),
                      (rt.full((2,), top, dtype=d, device=device), torch.full((2,), top, dtype=td)),
                      (rt.tensor([0, 5, top], dtype=d, device=device), torch.tensor([0, 5, top], dtype=td)),
                      (rt.zeros_like(rt.ones(3, dtype=d, device=device)), torch.zeros(3, dtype=td))]:
        assert got.dtype is d and got.device.type == device
        assert got.tolist() == want.tolist()
    assert rt.empty(3, dtype=d, device=device).dtype is d
    # torch has no arange kernel for these: NumPy is the oracle
    same(rt.arange(2, 11, 3, dtype=d, device=device), np.arange(2, 11, 3, dtype=name))
    assert rt.tensor([top], dtype=d, device=device)[0].item() == top
    with pytest.raises(DTypeError, match="overflow"):
        rt.tensor([top + 1], dtype=d, device=device)


# ---------------------------------------------------------------- casts
def _cast_sources(src):
    if src == "bool":
        return [True, False, True]
    if src.startswith(("float", "bfloat")):
        return [0.0, 1.0, 2.75, 100.5, -0.5, 250.0]        # -0.5 truncates to 0
    if src.startswith("complex"):
        return [0.0, 3.0 + 2.0j, 250.9]
    lo = -128 if src == "int8" else -1000 if src != "uint8" else 0
    return [0, 1, 127, lo, 255 if src != "int8" else -1]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("src", OTHER_DTYPES)
def test_casts_from_every_dtype_match_torch(src, name, device):
    vals = _cast_sources(src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # complex -> real warns in torch
        want = torch.tensor(vals, dtype=getattr(torch, src)).to(getattr(torch, name))
        got = rt.tensor(vals, dtype=getattr(rt, src), device=device).to(getattr(rt, name))
    assert got.dtype is getattr(rt, name)
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dst", OTHER_DTYPES)
def test_casts_to_every_dtype_match_torch(dst, name, device):
    vals = [int(v) for v in full_range(name, 8)]
    got = rt.tensor(vals, dtype=getattr(rt, name), device=device).to(getattr(rt, dst))
    want = torch.tensor(vals, dtype=getattr(torch, name)).to(getattr(torch, dst))
    assert got.dtype is getattr(rt, dst)
    if dst.startswith(("float", "bfloat", "complex")):
        assert got.to(rt.complex128).tolist() == want.to(torch.complex128).tolist()
    else:
        assert got.tolist() == want.tolist()


# out-of-range float -> unsigned is undefined in C (and NumPy's SIMD and scalar loops
# disagree); rustorch documents NumPy's scalar-loop wrap, the same on both devices
OUT_OF_RANGE = [-1.0, -3.7, 1e10, -5e9, 5e9, 70000.0, 2.0 ** 32, 2.0 ** 63 + 2048, 1e19, 2.0 ** 64,
                1e20, -1e20, float("nan"), float("inf"), float("-inf")]


def _numpy_scalar_cast(v, name):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "uint32":                                # the scalar loop: through int64
            return int(np.array([v]).astype(np.int64).astype(np.uint32)[0])
        return int(np.array([v]).astype(name)[0])


@pytest.mark.parametrize("name", NAMES)
def test_out_of_range_float_casts_follow_numpy_wrap_on_both_devices(name):
    want = [_numpy_scalar_cast(v, name) for v in OUT_OF_RANGE]
    for device in DEVICES:
        x = rt.tensor(OUT_OF_RANGE, dtype=rt.float64, device=device)
        assert x.to(getattr(rt, name)).tolist() == want, device
    # a single element is converted by torch's scalar path too: it agrees
    for v, w in zip(OUT_OF_RANGE, want):
        if name != "uint32" or abs(v) < 2 ** 63:
            assert torch.tensor([v], dtype=torch.float64).to(getattr(torch, name)).item() == w, v


# ---------------------------------------------------------------- same-dtype arithmetic
BINARY = {
    "add": (lambda a, b: a + b, np.add), "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply), "floordiv": (lambda a, b: a // b, np.floor_divide),
    "rem": (lambda a, b: a % b, np.remainder), "and": (lambda a, b: a & b, np.bitwise_and),
    "or": (lambda a, b: a | b, np.bitwise_or), "xor": (lambda a, b: a ^ b, np.bitwise_xor),
    "maximum": (rt.maximum, np.maximum), "minimum": (rt.minimum, np.minimum),
    "eq": (lambda a, b: a == b, np.equal), "ne": (lambda a, b: a != b, np.not_equal),
    "lt": (lambda a, b: a < b, np.less), "le": (lambda a, b: a <= b, np.less_equal),
    "gt": (lambda a, b: a > b, np.greater), "ge": (lambda a, b: a >= b, np.greater_equal),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_ops_wrap_like_numpy(op, name, device):
    ours, ref = BINARY[op]
    a, b = full_range(name, seed=1), full_range(name, seed=2)
    b[b == 0] = 3                                           # integer division by zero raises
    b[5] = a[5]                                             # some equal pairs for comparisons
    same(ours(R(a, device), R(b, device)), ref(a, b))
    # broadcasting against a row
    same(ours(R(a.reshape(4, 6), device), R(b[:6], device)), ref(a.reshape(4, 6), b[:6]))


@pytest.mark.parametrize("name", NAMES)
def test_ops_torch_implements_match_torch(name):
    a, b = full_range(name, seed=3), full_range(name, seed=4)
    b[b == 0] = 7                                           # 0 / 0 is NaN: no equality
    ta, tb = torch.from_numpy(a.copy()), torch.from_numpy(b.copy())
    ra, rb = R(a, "cpu"), R(b, "cpu")
    for got, want in [(ra * rb, ta * tb), (ra & rb, ta & tb), (ra | rb, ta | tb), (ra ^ rb, ta ^ tb),
                      (ra == rb, ta == tb), (ra * 3, ta * 3), (ra / rb, ta / tb)]:
        assert got.dtype.name == str(want.dtype).split(".")[1]
        assert got.tolist() == want.tolist()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_shifts_unary_and_pow_wrap_like_numpy(name, device):
    a = full_range(name, seed=5)
    bits = np.iinfo(name).bits
    s = (np.arange(a.size) % (bits + 3)).astype(name)       # includes shifts >= width (-> 0)
    ra, rs = R(a, device), R(s, device)
    same(ra << rs, np.left_shift(a, s))
    same(ra >> rs, np.right_shift(a, s))
    same(ra << 3, np.left_shift(a, np.array(3, dtype=name)))
    same(~ra, np.invert(a))
    with np.errstate(all="ignore"):
        same(-ra, np.negative(a))                           # C wraparound
        same(ra ** 3, np.power(a, np.array(3, dtype=name)))
    same(ra.abs(), a)
    same(rt.sign(ra), np.sign(a))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_python_scalars_keep_the_dtype_and_wrap(name, device):
    d = getattr(rt, name)
    a = full_range(name, seed=6)
    ra = R(a, device)
    top = np.iinfo(name).max
    with np.errstate(all="ignore"):
        same(ra + 1, a + np.array(1, dtype=name))
        same(ra * -1, a * np.array(top, dtype=name))        # -1 is the maximum, wrapped
        same(ra - 2 ** 40, a - np.array((2 ** 40) & top, dtype=name))
        same(ra + (2 ** 64 - 1), a + np.array(top, dtype=name))
        same(ra | 2 ** 20, a | np.array((2 ** 20) & top, dtype=name))
    assert (ra < -1).tolist() == (a < top).tolist()      # the number becomes the maximum
    assert (ra * True).dtype is d and (ra * rt.tensor(2, device=device)).dtype is d   # 0-d int64
    # a float number or 0-d float tensor lifts the category, like torch
    assert (ra * 2.5).dtype is rt.float32 and (ra * rt.tensor(2.5, device=device)).dtype is rt.float32
    with pytest.raises(InvalidArgument, match="overflow"):
        ra + 2 ** 64


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_reductions(name, device):
    d, td = getattr(rt, name), getattr(torch, name)
    a = full_range(name, seed=7).reshape(4, 6)
    ra, ta = R(a, device), torch.from_numpy(a.copy())
    # torch widens integer sums/products to int64 (wrapping there)
    for got, want in [(ra.sum(), ta.sum()), (ra.sum(1), ta.sum(1)), (ra.prod(0), ta.prod(0)),
                      (ra.cumsum(1), ta.cumsum(1))]:
        assert got.dtype is rt.int64 and want.dtype is torch.int64
        assert got.tolist() == want.tolist()
    with np.errstate(all="ignore"):
        same(ra.sum(0, dtype=d), a.sum(0, dtype=name))      # torch: not implemented
    same(ra.max(1).values, a.max(1))
    same(ra.amin(0), a.min(0))
    assert ra.argmax(1).tolist() == a.argmax(1).tolist()
    assert ra.argmin().item() == int(a.argmin())
    vals, idx = ra.sort(1, stable=True)
    tv, ti = ta.sort(dim=1, stable=True)
    assert vals.tolist() == tv.tolist() and idx.tolist() == ti.tolist() and vals.dtype is d
    with np.errstate(all="ignore"):
        same(ra.cumprod(1, dtype=d), a.cumprod(1, dtype=name))
        same(ra.cumsum(0, dtype=d), a.cumsum(0, dtype=name))
    with pytest.raises(DTypeError, match="mean"):
        ra.mean()
    same(rt.where(ra > 100, ra, R(a[::-1].copy(), device)), np.where(a > 100, a, a[::-1]))
    same(ra.clamp(5, 1000), np.clip(a, np.array(5, dtype=name), np.array(1000, dtype=name)))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_indexing_with_unsigned_tensors_is_refused_like_torch(name, device):
    x = rt.arange(5, device=device)
    idx = rt.tensor([1, 2], dtype=getattr(rt, name), device=device)
    with pytest.raises(IndexError, match="long, int, byte or bool"):
        x[idx]
    with pytest.raises(IndexError):
        torch.arange(5)[torch.tensor([1, 2], dtype=getattr(torch, name))]
    u = rt.tensor([4, 9, 16], dtype=getattr(rt, name), device=device)
    assert u[rt.tensor([2, 0], device=device)].tolist() == [16, 4]      # indexing *into* works
    assert u[u > 5].tolist() == [9, 16]


# ---------------------------------------------------------------- promotion
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("other", OTHER_DTYPES + NAMES)
def test_promote_types_matches_torch(name, other):
    for x, y in ((name, other), (other, name)):
        try:
            want = torch.promote_types(getattr(torch, x), getattr(torch, y))
        except RuntimeError as e:
            with pytest.raises(DTypeError) as info:
                rt.promote_types(getattr(rt, x), getattr(rt, y))
            assert str(info.value) == str(e)
        else:
            assert rt.promote_types(getattr(rt, x), getattr(rt, y)).name == str(want).split(".")[1]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_mixed_tensor_ops_refuse_like_torch(name, device):
    d = getattr(rt, name)
    a = rt.tensor([1, 2], dtype=d, device=device)
    for other in (rt.int32, rt.int64, rt.uint8, rt.bool):
        b = rt.tensor([1, 0], device=device).to(other)
        with pytest.raises(DTypeError, match="Promotion for uint16, uint32, uint64 types is not supported"):
            a + b
        with pytest.raises(DTypeError, match="Promotion for uint16"):
            rt.cat([a, b])
    assert (a * rt.tensor([1.5, 2.0], device=device)).tolist() == [1.5, 4.0]
    with pytest.raises(DTypeError, match="ComplexFloat"):
        a * rt.tensor([1j, 2], device=device)


# ---------------------------------------------------------------- bytes, pickle, numpy, autograd
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_bytes_pickle_and_numpy_round_trips(name, device):
    d, td = getattr(rt, name), getattr(torch, name)
    a = full_range(name, seed=8)
    raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
    got = rt.frombuffer(raw, dtype=d, count=5, offset=a.itemsize, device=device)
    want = torch.frombuffer(bytearray(raw), dtype=td, count=5, offset=a.itemsize)
    assert got.dtype is d and got.tolist() == want.tolist()
    r = R(a, device)
    assert r.to_bytes() == raw
    back = pickle.loads(pickle.dumps(r))
    assert back.dtype is d and back.device == r.device and back.tolist() == a.tolist()
    n = r.cpu().numpy()
    assert n.dtype == a.dtype and n.tolist() == a.tolist()
    assert rt.as_tensor(a).dtype is d


@pytest.mark.parametrize("name", NAMES)
def test_autograd_refuses_unsigned_tensors(name):
    d = getattr(rt, name)
    with pytest.raises(RuntimeError, match="floating point"):
        rt.tensor([1, 2], dtype=d).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        rt.tensor([1, 2], dtype=d, requires_grad=True)
    x = rt.tensor([1.5, 2.5], requires_grad=True)
    y = x.to(d)
    assert not y.requires_grad and y.grad_fn is None and y.tolist() == [1, 2]


# ---------------------------------------------------------------- ONNX
def test_onnx_dtype_maps_know_unsigned_types():
    from rustorch.onnx import _proto
    from rustorch.onnx._ops.elementwise import onnx_to_rt_dtype
    from rustorch.onnx._ops.shape import onnx_dtype
    for code, name in ((4, "uint16"), (12, "uint32"), (13, "uint64")):
        d = getattr(rt, name)
        assert _proto.ONNX_TO_RT[code] is d and _proto.RT_TO_ONNX[d] == code
        assert onnx_to_rt_dtype(code) is d and onnx_dtype(code) is d
        vals = [int(v) for v in full_range(name, 6)]
        t = rt.tensor(vals, dtype=d).reshape(2, 3)
        back = _proto.tensor_to_rt(_proto.rt_to_tensor(t, "x"))
        assert back.dtype is d and back.tolist() == t.tolist()
        # values in the typed field (uint16 in int32_data, the others in uint64_data)
        typed = _proto.TensorProto(dims=[6], data_type=code)
        getattr(typed, "int32_data" if code == 4 else "uint64_data").extend(vals)
        assert _proto.tensor_to_rt(typed).tolist() == vals


ONNX_UINT_CASES = ["test_add_uint16", "test_add_uint32", "test_add_uint64",
                   "test_bitshift_left_uint16", "test_bitshift_left_uint32", "test_bitshift_left_uint64",
                   "test_bitshift_right_uint16", "test_bitshift_right_uint32", "test_bitshift_right_uint64",
                   "test_bitwise_and_ui64_bcast_3v1d", "test_bitwise_or_ui64_bcast_3v1d",
                   "test_bitwise_xor_ui64_bcast_3v1d", "test_bitwise_not_3d",
                   "test_bitcast_uint16_to_int16", "test_bitcast_uint32_to_int32"]


@pytest.mark.parametrize("device", DEVICES)
def test_onnx_node_cases_with_unsigned_inputs(device, monkeypatch):
    from onnx_tests import node_harness as nh
    # the harness's NumPy -> rustorch dtype table predates these dtypes
    monkeypatch.setitem(nh._RT_OF, "uint16", "uint16")
    monkeypatch.setitem(nh._RT_OF, "uint32", "uint32")
    monkeypatch.setitem(nh._RT_OF, "uint64", "uint64")
    failed = {}
    for name in ONNX_UINT_CASES:
        r = nh.run_case(nh.case_by_name(name), device)
        if not r.passed:
            failed[name] = f"{r.kind}: {r.detail}"
    assert not failed, failed
