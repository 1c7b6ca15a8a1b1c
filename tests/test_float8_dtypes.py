"""float8 dtypes (e4m3fn, e5m2, e4m3fnuz, e5m2fnuz): storage and casts like torch, on
NumPy (through ml_dtypes) and on the pure-Python backend (bit-level codec), plus the
ONNX Cast/CastLike saturate rules."""
import math
import pickle
import warnings

import numpy as np
import pytest
import torch

import rustorch as rt
from rustorch._errors import DTypeError
from rustorch.backends.pyarray import _float8 as F8

NAMES = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz"]
DEVICES = ["cpu", "python"]
# torch's default conversion: e4m3fn saturates, the others overflow to inf/NaN
TORCH_SATURATES = {"float8_e4m3fn": True, "float8_e5m2": False, "float8_e4m3fnuz": False,
                   "float8_e5m2fnuz": False}
SPECIAL = [0.0, -0.0, 0.1, 1.0, -3.3, 1e-9, 1e-3, 240.0, 247.0, 248.0, 448.0, 464.0, 465.0, 500.0,
           57344.0, 59392.0, 61440.0, 1e6, float("nan"), float("inf"), float("-inf")]


def same_floats(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if isinstance(w, float) and math.isnan(w):
            assert math.isnan(g), (got, want)
        else:
            assert g == w and math.copysign(1, g) == math.copysign(1, w), (got, want)


# ---------------------------------------------------------------- the bit-level codec
@pytest.mark.parametrize("name", NAMES)
def test_codec_decodes_every_pattern_like_torch(name):
    want = torch.arange(256, dtype=torch.uint8).view(getattr(torch, name)).float().tolist()
    same_floats(F8.decode(range(256), F8.FORMATS[name]), want)


@pytest.mark.parametrize("name", NAMES)
def test_codec_encodes_like_torch_including_ties_and_overflow(name):
    fmt = F8.FORMATS[name]
    finite = sorted({v for v in fmt.decode_table if math.isfinite(v)})
    mids = [(a + b) / 2 for a, b in zip(finite, finite[1:])]           # exact ties
    rng = np.random.default_rng(0)
    rand = (rng.standard_normal(3000) * np.exp(rng.uniform(-25, 14, 3000))).tolist()
    xs = np.array(SPECIAL + finite + mids + [-m for m in mids] + rand, dtype=np.float32)
    want = torch.from_numpy(xs).to(getattr(torch, name)).view(torch.uint8).tolist()
    assert F8.encode(xs.tolist(), fmt, TORCH_SATURATES[name]) == want


def test_codec_rounds_doubles_through_float32_like_torch():
    x = [1.0625 + 1e-12, 1.0625 - 1e-12]               # a tie once rounded to float32
    want = torch.tensor(x, dtype=torch.float64).to(torch.float8_e4m3fn).view(torch.uint8).tolist()
    assert F8.encode(x, F8.E4M3FN, True) == want


# ---------------------------------------------------------------- casts on both devices
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("src", ["float32", "float64", "float16", "bfloat16", "int32", "int64"])
def test_casts_into_float8_match_torch(src, name, device):
    vals = SPECIAL if src.startswith(("float", "bfloat")) else [0, 1, -7, 300, 1000, 100000, -250]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.tensor(vals, dtype=getattr(torch, src)).to(getattr(torch, name))
    got = rt.tensor(vals, dtype=getattr(rt, src), device=device).to(getattr(rt, name))
    assert got.dtype is getattr(rt, name)
    same_floats(got.tolist(), want.float().tolist())
    got_bytes, want_bytes = list(got.to_bytes()), want.view(torch.uint8).tolist()
    if device == "cpu" and name == "float8_e5m2":
        # ml_dtypes writes e5m2's NaN as 0x7E, torch as 0x7F: both are NaN
        got_bytes = [0x7F | (b & 0x80) if (b & 0x7F) in (0x7D, 0x7E, 0x7F) else b for b in got_bytes]
    assert got_bytes == want_bytes


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dst", ["float32", "float64", "float16", "bfloat16", "int32", "int64",
                                 "uint8", "bool", "float8_e4m3fn", "float8_e5m2"])
def test_casts_out_of_float8_match_torch(dst, name, device):
    vals = [0.0, 1.5, -3.25, 0.015625, 240.0, -200.0, 1e-9]
    if dst.startswith(("float", "bfloat")):
        vals += [float("nan")]          # NaN -> integer is undefined (torch differs per type)
    t = torch.tensor(vals).to(getattr(torch, name))
    r = rt.tensor(vals, device=device).to(getattr(rt, name))
    want = t.to(getattr(torch, dst))
    got = r.to(getattr(rt, dst))
    assert got.dtype is getattr(rt, dst)
    if dst.startswith(("float", "bfloat")):
        same_floats(got.float().tolist(), want.float().tolist())
    else:
        assert got.tolist() == want.tolist()


# ---------------------------------------------------------------- creation, info, bytes
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_creation_repr_and_round_trips(name, device):
    d, td = getattr(rt, name), getattr(torch, name)
    vals = [1.5, -2.0, 0.25, 3.0]
    for got, want in [(rt.tensor(vals, dtype=d, device=device), torch.tensor(vals, dtype=td)),
                      (rt.zeros(3, dtype=d, device=device), torch.zeros(3, dtype=td)),
                      (rt.ones(2, dtype=d, device=device), torch.ones(2, dtype=td)),
                      (rt.full((2,), 3.25, dtype=d, device=device), torch.full((2,), 3.25, dtype=td)),
                      (rt.tensor([1000.0, -1e6], dtype=d, device=device),
                       torch.tensor([1000.0, -1e6], dtype=td))]:
        assert got.dtype is d
        same_floats(got.tolist(), want.float().tolist())
    t = rt.tensor(vals, dtype=d)
    assert repr(t) == repr(torch.tensor(vals, dtype=td)).replace("torch.", "rustorch.")
    r = rt.tensor(vals, dtype=d, device=device)
    raw = r.to_bytes()
    assert list(raw) == torch.tensor(vals, dtype=td).view(torch.uint8).tolist()
    assert rt.frombuffer(raw, dtype=d, device=device).tolist() == r.tolist()
    back = pickle.loads(pickle.dumps(r))
    assert back.dtype is d and back.tolist() == r.tolist()
    assert rt.cat([r, r]).tolist() == r.tolist() * 2 and r[1:].tolist() == r.tolist()[1:]
    assert r[0].item() == 1.5
    fi, tfi = rt.finfo(d), torch.finfo(td)
    assert (fi.max, fi.min, fi.eps, fi.tiny, fi.bits, fi.resolution) == \
        (tfi.max, tfi.min, tfi.eps, tfi.tiny, tfi.bits, tfi.resolution)


@pytest.mark.parametrize("name", NAMES)
def test_promotion_is_refused_with_torchs_words(name):
    for other in ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64",
                  "complex64"] + [n for n in NAMES if n != name]:
        for x, y in ((name, other), (other, name)):
            try:
                want = torch.promote_types(getattr(torch, x), getattr(torch, y))
            except RuntimeError as e:
                with pytest.raises(DTypeError) as info:
                    rt.promote_types(getattr(rt, x), getattr(rt, y))
                assert str(info.value) == str(e)
            else:                                   # torch lets e5m2 meet e4m3fn one way
                assert rt.promote_types(getattr(rt, x), getattr(rt, y)).name == str(want)[6:] \
                    or pytest.skip(f"torch promotes {x} and {y} to {want}")
    a = rt.ones(2, dtype=getattr(rt, name))
    with pytest.raises(DTypeError, match="Promotion for Float8 Types is not supported"):
        a + rt.ones(2)


# ---------------------------------------------------------------- ONNX
def _cases(pattern):
    from onnx_tests import node_harness as nh
    return [c for c in nh.cases() if pattern(c.name)]


@pytest.mark.parametrize("device", DEVICES)
def test_onnx_float8_cast_node_cases(device, monkeypatch):
    from onnx_tests import node_harness as nh
    for n in NAMES:            # the harness's NumPy -> rustorch table predates float8
        monkeypatch.setitem(nh._RT_OF, n, n)
    cases = _cases(lambda s: s.startswith(("test_cast_", "test_castlike_")) and "FLOAT8E" in s
                   and "E8M0" not in s)
    assert len(cases) >= 30
    failed = {}
    for c in cases:
        r = nh.run_case(c, device)
        if not r.passed:
            failed[c.name] = f"{r.kind}: {r.detail}"
    assert not failed, failed


@pytest.mark.parametrize("saturate", [0, 1])
@pytest.mark.parametrize("code", [17, 18, 19, 20])
def test_onnx_cast_saturate_attribute_matches_the_reference(code, saturate):
    import types
    import onnx
    from onnx.reference.ops.op_cast import cast_to
    from rustorch.onnx._ops import NodeContext, lookup
    x = np.array(SPECIAL + [-v for v in SPECIAL], dtype=np.float32)
    want = cast_to(x, code, bool(saturate)).astype(np.float32)
    node = types.SimpleNamespace(op_type="Cast", name="n", domain="", input=["x"], output=["y"])
    ctx = NodeContext(node, {"to": code, "saturate": saturate}, 21, None, None)
    got = lookup("Cast", 21)(ctx, rt.from_numpy(x))
    assert got.dtype is rt.onnx._proto.ONNX_TO_RT[code]
    same_floats(got.float().tolist(), want.tolist())
    assert onnx.TensorProto.DataType.Name(code).startswith("FLOAT8")
