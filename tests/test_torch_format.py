"""rustorch.save / rustorch.load against torch.save / torch.load (the oracle)."""
import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import pytest

torch = pytest.importorskip("torch")

import rustorch as rt  # noqa: E402
from rustorch import serialization as S  # noqa: E402
from rustorch._errors import (DataNotFoundError, FormatError, InvalidArgument,  # noqa: E402
                              InvalidType, UnsupportedError)

LAYOUTS = ["zip", "legacy"]
# (torch dtype, rustorch dtype)
DTYPES = [(torch.float32, rt.float32), (torch.float64, rt.float64), (torch.float16, rt.float16),
          (torch.bfloat16, rt.bfloat16), (torch.int64, rt.int64), (torch.int32, rt.int32),
          (torch.int16, rt.int16), (torch.int8, rt.int8), (torch.uint8, rt.uint8),
          (torch.bool, rt.bool), (torch.complex64, rt.complex64),
          (torch.complex128, rt.complex128)]
RT_OF = {t: r for t, r in DTYPES}
TORCH_OF = {r: t for t, r in DTYPES}


# ---------------------------------------------------------------- helpers
def torch_bytes(obj, layout="zip"):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=(layout == "zip"))
    return buf.getvalue()


def rt_bytes(obj):
    buf = io.BytesIO()
    S.save(obj, buf)
    return buf.getvalue()


def torch_load(raw):
    return torch.load(io.BytesIO(raw), weights_only=True)


def as_torch(t):
    """A rustorch tensor as a torch tensor, bit for bit (bf16 included)."""
    raw = bytearray(t.detach().to_bytes())
    if not raw:
        return torch.empty(tuple(t.shape), dtype=TORCH_OF[t.dtype])
    return torch.frombuffer(raw, dtype=TORCH_OF[t.dtype]).reshape(tuple(t.shape))


def as_rt(t):
    raw = t.detach().contiguous().view(-1).view(torch.uint8).numpy().tobytes()
    if not raw:
        return rt.empty(tuple(t.shape), dtype=RT_OF[t.dtype])
    return rt.frombuffer(raw, dtype=RT_OF[t.dtype]).reshape(tuple(t.shape))


def assert_same_tensor(r, t, strides=True):
    assert isinstance(r, rt.Tensor) and torch.is_tensor(t)
    assert r.dtype == RT_OF[t.dtype], (r.dtype, t.dtype)
    assert tuple(r.shape) == tuple(t.shape)
    assert torch.equal(as_torch(r), t.detach()) or (
        t.dtype.is_floating_point and torch.allclose(as_torch(r), t.detach(), equal_nan=True))
    if strides and t.numel():
        assert tuple(r.stride()) == tuple(t.stride())
        assert r.storage_offset() == t.storage_offset()
    assert r.requires_grad == t.requires_grad
    assert isinstance(r, rt.nn.Parameter) == isinstance(t, torch.nn.Parameter)


def assert_same(r, t):
    """A rustorch-side structure equals a torch-side one, recursively."""
    if torch.is_tensor(t):
        return assert_same_tensor(r, t)
    if isinstance(t, rt.Tensor):
        return assert_same_tensor(t, r)
    assert type(r) is type(t) or (isinstance(t, torch.Size) and isinstance(r, rt.Size)) or (
        isinstance(t, torch.dtype) and isinstance(r, rt.dtype)), (type(r), type(t))
    if isinstance(t, dict):
        assert list(r) == list(t)
        for k in t:
            assert_same(r[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert len(r) == len(t)
        for a, b in zip(r, t):
            assert_same(a, b)
    elif isinstance(t, torch.dtype):
        assert r is RT_OF[t]
    else:
        assert r == t or (r != r and t != t)


def sample(tdtype, shape=(3, 4), seed=0):
    g = torch.Generator().manual_seed(seed)
    if tdtype is torch.bool:
        return torch.rand(shape, generator=g) > 0.5
    if tdtype.is_complex or tdtype.is_floating_point:
        return (torch.randn(shape, generator=g, dtype=torch.float64) * 50).to(tdtype) \
            if not tdtype.is_complex else torch.randn(shape, generator=g, dtype=tdtype)
    info = torch.iinfo(tdtype)
    return torch.randint(info.min, info.max, shape, generator=g, dtype=torch.int64).to(tdtype)


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4 * 5 * 5, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


class RtNet(rt.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = rt.nn.Conv2d(2, 4, 3, padding=1)
        self.bn = rt.nn.BatchNorm2d(4)
        self.fc = rt.nn.Linear(4 * 5 * 5, 3)

    def forward(self, x):
        return self.fc(rt.relu(self.bn(self.conv(x))).flatten(1))


@pytest.fixture(scope="module")
def trained():
    """A torch model after two training steps (BatchNorm buffers moved) and its Adam."""
    torch.manual_seed(0)
    net = TorchNet()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        net(torch.randn(6, 2, 5, 5)).pow(2).mean().backward()
        opt.step()
    return net.eval(), opt


# ---------------------------------------------------------------- torch.save -> rustorch.load
@pytest.mark.parametrize("layout", LAYOUTS)
def test_state_dict_of_a_trained_model(trained, layout):
    net, _ = trained
    sd = net.state_dict()
    out = S.load(torch_bytes(sd, layout))
    assert isinstance(out, OrderedDict)
    assert_same(out, sd)
    assert out["bn.num_batches_tracked"].dtype == rt.int64
    assert out._metadata == sd._metadata


def test_rustorch_model_gives_torch_outputs_from_a_torch_file(trained, tmp_path):
    net, _ = trained
    path = tmp_path / "model.pt"
    torch.save(net.state_dict(), path)
    model = RtNet()
    model.load_state_dict(S.load(path))
    model.eval()
    x = torch.randn(4, 2, 5, 5)
    with torch.no_grad():
        want = net(x)
    got = model(as_rt(x))
    assert torch.allclose(as_torch(got), want, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_optimizer_state_and_nested_checkpoint(trained, layout):
    net, opt = trained
    ckpt = {"epoch": 7, "name": "run-1", "best": 0.125, "flags": (True, None, -3),
            "history": [1.5, 0.75], "model": net.state_dict(), "optim": opt.state_dict(),
            "big": 2 ** 70, "blob": b"\x00\xffbytes", "shape": torch.Size([2, 3]),
            "dtype": torch.float16, "z": 1.5 - 2j, "set": {1, "a"}, "fs": frozenset([2.5]),
            "slice": slice(1, None, 2), "ba": bytearray(b"ab")}
    out = S.load(torch_bytes(ckpt, layout))
    assert_same(out, ckpt)
    assert list(out["optim"]["state"]) == [0, 1, 2, 3, 4, 5]
    assert out["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_views_share_storage(layout):
    a = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {"a": a, "rows": a[1:3], "cols": a[:, 1::2], "t": a.t(), "scalar": a[2, 3],
           "flat": a.view(-1)[5:17:3], "expanded": a[1].expand(3, 6)}
    out = S.load(torch_bytes(obj, layout))
    assert_same(out, obj)
    out["a"][2, 3] = -1.0  # one storage: a write shows through every view
    assert out["rows"][1, 3].item() == -1.0
    assert out["t"][3, 2].item() == -1.0
    assert out["scalar"].item() == -1.0


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("tdtype", [d for d, _ in DTYPES], ids=str)
def test_every_dtype(tdtype, layout):
    x = sample(tdtype, (3, 4))
    obj = {"x": x, "xt": x.t(), "slice": x[1:, ::3], "scalar": x[0, 0].clone(),
           "empty": torch.zeros(0, 2, dtype=tdtype)}
    out = S.load(torch_bytes(obj, layout))
    for k in ("x", "xt", "slice", "scalar"):
        assert_same_tensor(out[k], obj[k])
    assert_same_tensor(out["empty"], obj["empty"], strides=False)


def test_parameters_and_requires_grad_survive():
    obj = {"p": torch.nn.Parameter(torch.randn(2, 3)),
           "frozen": torch.nn.Parameter(torch.randn(3), requires_grad=False),
           "leaf": torch.ones(2, requires_grad=True), "plain": torch.ones(2)}
    out = S.load(torch_bytes(obj))
    assert_same(out, obj)
    assert type(out["p"]) is rt.nn.Parameter and out["p"].requires_grad
    assert type(out["frozen"]) is rt.nn.Parameter and not out["frozen"].requires_grad
    assert out["leaf"].is_leaf and out["leaf"].requires_grad


def test_parameter_attributes_and_tensor_attributes():
    p = torch.nn.Parameter(torch.ones(2))
    p._no_weight_decay = True  # saved through _rebuild_parameter_with_state
    out = S.load(torch_bytes({"p": p}))
    assert isinstance(out["p"], rt.nn.Parameter) and out["p"]._no_weight_decay is True
    t = torch.ones(2)
    t.note = "x"  # saved through _rebuild_from_type_v2; rustorch tensors have no __dict__
    with pytest.raises(UnsupportedError, match="note"):
        S.load(torch_bytes({"t": t}))


def test_path_file_object_and_bytes_agree(tmp_path):
    obj = {"w": torch.randn(3, 3)}
    path = tmp_path / "w.pth"
    torch.save(obj, path)
    with open(path, "rb") as fh:
        from_file = S.load(fh)
    for got in (S.load(str(path)), S.load(path), from_file, S.load(path.read_bytes())):
        assert_same(got, obj)


def test_map_location():
    obj = {"w": torch.randn(4)}
    raw = torch_bytes(obj)
    assert S.load(raw, map_location="cpu")["w"].device == rt.device("cpu")
    assert S.load(raw, map_location={"cpu": "cpu"})["w"].device == rt.device("cpu")
    seen = []
    out = S.load(raw, map_location=lambda s, loc: seen.append(loc))
    assert seen == ["cpu"] and torch.equal(as_torch(out["w"]), obj["w"])
    if "python" in rt.backends.available():
        got = S.load(raw, map_location="python")["w"]
        assert got.device == rt.device("python")
        assert got.tolist() == obj["w"].tolist()
    with pytest.raises(InvalidType):
        S.load(raw, map_location=3)


def _rewrite_zip(raw, change):
    """A copy of a torch zip file with change(name, data) -> data or None (drop)."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("tdtype", [torch.float32, torch.float64, torch.float16, torch.int64,
                                    torch.complex64, torch.bfloat16, torch.bool], ids=str)
def test_big_endian_files_are_byteswapped(tdtype):
    x = sample(tdtype, (2, 5))
    unit = x.element_size() // (2 if tdtype.is_complex else 1)

    def to_big(name, data):
        if name.endswith("/byteorder"):
            return b"big"
        if "/data/" in name:
            return b"".join(data[i:i + unit][::-1] for i in range(0, len(data), unit))
        return data
    out = S.load(_rewrite_zip(torch_bytes({"x": x}), to_big))
    assert_same_tensor(out["x"], x)


# ---------------------------------------------------------------- rustorch.save -> torch.load
def rt_sample(rdtype, shape=(3, 4)):
    return as_rt(sample(TORCH_OF[rdtype], shape))


@pytest.mark.parametrize("rdtype", [r for _, r in DTYPES], ids=str)
def test_torch_reads_every_dtype_we_write(rdtype):
    x = rt_sample(rdtype)
    obj = {"x": x, "xt": x.t(), "slice": x[1:, ::2], "scalar": x[1, 1]}
    out = torch_load(rt_bytes(obj))
    for k in obj:
        assert_same_tensor(obj[k], out[k])
    assert out["xt"].untyped_storage().data_ptr() == out["x"].untyped_storage().data_ptr()


def test_torch_reads_nested_containers_and_parameters():
    p = rt.nn.Parameter(rt.randn(2, 3))
    frozen = rt.nn.Parameter(rt.randn(3), requires_grad=False)
    sd = OrderedDict([("w", p), ("b", frozen), ("buf", rt.zeros(2))])
    obj = {"model": sd, "epoch": 3, "lr": 0.5, "name": "run", "ok": True, "none": None,
           "tup": (1, (2.5, "x")), "list": [rt.ones(2), [], {}], "neg": -7, "huge": -2 ** 80,
           "bytes": b"\x00\x01", "again": p, "dtype": rt.bfloat16, "size": rt.Size([4, 5]),
           "grad": rt.ones(3, requires_grad=True), "many": list(range(2500))}
    out = torch_load(rt_bytes(obj))
    assert isinstance(out["model"], OrderedDict)
    assert_same(obj, out)
    assert out["again"] is out["model"]["w"]  # one object stays one object
    assert isinstance(out["size"], torch.Size) and out["dtype"] is torch.bfloat16


def test_strided_tensors_without_a_base_keep_their_strides():
    a = rt.arange(30.0).reshape(5, 6)
    detached = a[1:, ::2].detach()  # a view whose base link is cut
    p = rt.nn.Parameter(a.t()[2:])
    out = torch_load(rt_bytes({"d": detached, "p": p}))
    for mine, theirs in ((detached, out["d"]), (p, out["p"])):
        assert_same_tensor(mine, theirs, strides=False)  # saved as the span they cover
        assert tuple(theirs.stride()) == tuple(mine.stride()) and not theirs.is_contiguous()


def test_torch_model_gives_rustorch_outputs_from_our_file(tmp_path):
    rt.manual_seed(0)
    model = RtNet().eval()
    path = tmp_path / "ours.pt"
    S.save(model.state_dict(), path)
    assert zipfile.ZipFile(path).namelist()[0] == "ours/data.pkl"
    net = TorchNet().eval()
    net.load_state_dict(torch.load(path, weights_only=True))
    x = torch.randn(3, 2, 5, 5)
    with torch.no_grad():
        want = net(x)
    assert torch.allclose(as_torch(model(as_rt(x))), want, atol=1e-5, rtol=1e-5)


def test_written_layout_matches_torch():
    raw = rt_bytes({"a": rt.ones(3), "b": rt.zeros(5, dtype=rt.int8)})
    zf = zipfile.ZipFile(io.BytesIO(raw))
    names = zf.namelist()
    for rec in ("data.pkl", "byteorder", "version", "data/0", "data/1"):
        assert "archive/" + rec in names
    assert zf.read("archive/version") == b"3\n"
    assert zf.read("archive/byteorder") == b"little"
    for info in zf.infolist():  # like torch: every record's data 64-byte aligned
        name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:
                                                       info.header_offset + 30])
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0, info.filename
    assert raw == rt_bytes({"a": rt.ones(3), "b": rt.zeros(5, dtype=rt.int8)})


def test_our_round_trip():
    a = rt.arange(12.0).reshape(3, 4)
    obj = {"a": a, "v": a[:, 1:3], "p": rt.nn.Parameter(rt.ones(2)), "x": [1, "s", (2.0,)]}
    out = S.load(rt_bytes(obj))
    assert out["v"].tolist() == a[:, 1:3].tolist() and out["x"] == [1, "s", (2.0,)]
    out["a"][0, 1] = 50.0
    assert out["v"][0, 0].item() == 50.0
    assert isinstance(out["p"], rt.nn.Parameter)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_load_then_save_keeps_views_sharing_for_torch(layout):
    a = torch.arange(20, dtype=torch.float64).reshape(4, 5)
    obj = {"a": a, "cols": a[:, 1::2], "row": a[2], "p": torch.nn.Parameter(torch.randn(3))}
    again = torch_load(rt_bytes(S.load(torch_bytes(obj, layout))))
    for k in obj:
        assert torch.equal(again[k], obj[k]) and again[k].stride() == obj[k].stride()
        assert again[k].storage_offset() == obj[k].storage_offset()
    ptr = again["a"].untyped_storage().data_ptr()
    assert again["cols"].untyped_storage().data_ptr() == ptr
    assert again["row"].untyped_storage().data_ptr() == ptr
    assert isinstance(again["p"], torch.nn.Parameter)


_NO_NUMPY_SCRIPT = r"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError("No module named 'numpy'", name="numpy")
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
import rustorch as rt
from rustorch import serialization as S
out = S.load(sys.argv[2])
assert out["cols"].tolist() == [[1.0, 3.0], [6.0, 8.0], [11.0, 13.0]], out["cols"]
assert out["cols"].stride() == (5, 2) and out["cols"].storage_offset() == 1
assert isinstance(out["p"], rt.nn.Parameter) and out["h"].dtype == rt.bfloat16
out["a"][0, 1] = 99.0
assert out["cols"][0, 0].item() == 99.0
out["lone"] = out["a"].t()[1:].detach()
S.save(out, sys.argv[3])
assert "numpy" not in sys.modules
print("OK")
"""


def test_load_and_save_without_numpy(tmp_path):
    """As in Pyodide without NumPy: the pure-Python backend reads and writes."""
    import subprocess
    import sys
    a = torch.arange(15, dtype=torch.float32).reshape(3, 5)
    src, dst = tmp_path / "in.pt", tmp_path / "out.pt"
    torch.save({"a": a, "cols": a[:, 1::2], "p": torch.nn.Parameter(torch.ones(2)),
                "h": torch.tensor([1.5], dtype=torch.bfloat16)}, src)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-c", _NO_NUMPY_SCRIPT, repo, str(src), str(dst)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stderr[-3000:]
    out = torch.load(dst, weights_only=True)
    a[0, 1] = 99.0
    assert torch.equal(out["cols"], a[:, 1::2]) and out["cols"].stride() == (5, 2)
    assert out["cols"].untyped_storage().data_ptr() == out["a"].untyped_storage().data_ptr()
    # strides of a base-less view are kept where the backend's as_strided allows it
    # (NumPy); the pure-Python backend gives a dense copy, values equal either way
    assert torch.equal(out["lone"], a.t()[1:])
    assert isinstance(out["p"], torch.nn.Parameter) and out["h"].dtype == torch.bfloat16


def test_save_refuses_what_torch_could_not_load_safely(tmp_path):
    with pytest.raises(InvalidType, match="obj\\['f'\\]"):
        rt_bytes({"f": object()})
    with pytest.raises(InvalidType):
        rt_bytes({"s": {1, 2}})
    x = rt.ones(2, requires_grad=True)
    with pytest.raises(InvalidArgument, match="leaf"):
        rt_bytes({"y": x * 2})
    with pytest.raises(DataNotFoundError):
        S.save({}, tmp_path / "no" / "such" / "dir.pt")
    deep = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(InvalidArgument, match="nested deeper"):
        rt_bytes(deep)


# ---------------------------------------------------------------- safetensors delegation
def test_safetensors_by_extension_and_by_magic(tmp_path):
    tensors = {"w": rt.randn(3, 2), "i": rt.arange(4)}
    path = tmp_path / "m.safetensors"
    S.save(tensors, path)
    from safetensors.torch import load_file
    ref = load_file(str(path))
    for k in tensors:
        assert torch.equal(as_torch(tensors[k]), ref[k])
    for got in (S.load(path), S.load(path.read_bytes()), S.load(io.BytesIO(path.read_bytes()))):
        assert sorted(got) == ["i", "w"]
        assert got["w"].tolist() == tensors["w"].tolist()
    renamed = tmp_path / "weights.bin"
    renamed.write_bytes(path.read_bytes())
    assert S.load(renamed)["i"].tolist() == [0, 1, 2, 3]
    with pytest.raises(InvalidType):
        S.save({"nested": {"w": rt.ones(1)}}, tmp_path / "bad.safetensors")


# ---------------------------------------------------------------- bad and hostile files
def test_truncated_and_damaged_zip_files():
    raw = torch_bytes({"w": torch.randn(64, 64)})
    for cut in (10, len(raw) // 3, len(raw) // 2, len(raw) - 30):
        with pytest.raises(FormatError):
            S.load(raw[:cut])
    with pytest.raises(FormatError, match="data.pkl"):
        S.load(_rewrite_zip(raw, lambda n, d: None if n.endswith("data.pkl") else d))
    short = _rewrite_zip(raw, lambda n, d: d[:100] if "/data/" in n else d)
    with pytest.raises(FormatError, match="holds 100 bytes but the tensors stored in it need"):
        S.load(short)
    with pytest.raises(FormatError, match="missing"):
        S.load(_rewrite_zip(raw, lambda n, d: None if "/data/" in n else d))
    with pytest.raises(FormatError, match="byte order"):
        S.load(_rewrite_zip(raw, lambda n, d: b"middle" if n.endswith("byteorder") else d))


def test_truncated_legacy_file():
    raw = torch_bytes({"w": torch.randn(16, 16)}, "legacy")
    for cut in (5, 40, len(raw) // 2, len(raw) - 1):
        with pytest.raises(FormatError):
            S.load(raw[:cut])


def test_not_a_checkpoint(tmp_path):
    with pytest.raises(FormatError):
        S.load(b"")
    with pytest.raises(FormatError, match="not a PyTorch checkpoint"):
        S.load(b"hello world, this is text")
    with pytest.raises(FormatError, match="magic"):
        S.load(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(DataNotFoundError):
        S.load(tmp_path / "missing.pt")
    with pytest.raises(InvalidArgument):
        S.load(b"xx", mmap=True)
    text = tmp_path / "t.txt"
    text.write_text("PK")
    with open(text) as fh, pytest.raises(InvalidType, match="binary"):
        S.load(fh)


def tensor_pickle(numel, size, stride, offset=0, storage="FloatStorage", key="0"):
    """data.pkl of one tensor, opcode by opcode, with whatever numbers we like."""
    def val(v):
        if isinstance(v, tuple):
            return b"(" + b"".join(val(x) for x in v) + b"t"
        if isinstance(v, str):
            raw = v.encode()
            return b"X" + struct.pack("<I", len(raw)) + raw
        return b"\x8a\x08" + struct.pack("<q", v)  # LONG1, any size
    persid = b"(" + val("storage") + f"ctorch\n{storage}\n".encode() + val(key) + val("cpu") \
        + val(numel) + b"tQ"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + persid + val(offset) + val(size)
            + val(stride) + b"\x89ccollections\nOrderedDict\n)RtR.")


def zip_file(pkl, records=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/version", b"3\n")
        for k, v in (records or {}).items():
            zf.writestr(f"archive/data/{k}", v)
    return out.getvalue()


def test_hand_written_tensor_pickle_is_read():
    raw = struct.pack("<6f", *range(6))
    out = S.load(zip_file(tensor_pickle(6, (2, 2), (1, 3), 1), {"0": raw}))
    assert out.tolist() == [[1.0, 4.0], [2.0, 5.0]]


@pytest.mark.parametrize("numel,size,stride,offset", [
    (2 ** 60, (4,), (1,), 0),           # a storage the record cannot hold
    (6, (10 ** 12,), (1,), 0),          # a tensor far beyond its storage
    (6, (2, 3), (3, 1), 1),             # one element past the end
    (6, (2,), (1,), 2 ** 62),           # absurd offset
])
def test_sizes_from_the_file_are_checked_before_use(numel, size, stride, offset):
    with pytest.raises(FormatError, match="need|reaches"):
        S.load(zip_file(tensor_pickle(numel, size, stride, offset),
                        {"0": struct.pack("<6f", *range(6))}))


class _Evil:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _hostile_payloads(marker):
    cmd = f"touch {marker}"
    return {
        "os.system": _Evil(os.system, cmd),
        "builtins.eval": _Evil(eval, f"open({str(marker)!r}, 'w').write('x')"),
        "builtins.exec": _Evil(exec, f"open({str(marker)!r}, 'w').write('x')"),
        "builtins.open": _Evil(open, str(marker), "w"),
    }


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "builtins.exec", "builtins.open"])
@pytest.mark.parametrize("container", ["zip", "legacy", "bare"])
def test_hostile_globals_are_refused_and_never_run(tmp_path, name, container):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"w": _Evil(*_hostile_payloads(marker)[name].__reduce__())},
                           protocol=2)
    if container == "zip":
        raw = zip_file(payload)
    elif container == "legacy":
        raw = b"".join(pickle.dumps(v, protocol=2) for v in (
            0x1950a86a20f9469cfc6c, 1001, {"little_endian": True})) + payload
    else:
        raw = payload
    refused = {"os.system": "posix.system", "builtins.open": "io.open"}.get(name, name)
    with pytest.raises(FormatError, match=f"refusing to load global '{refused}'"):
        S.load(raw)
    assert not marker.exists()


def test_legacy_module_persistent_id_is_refused():
    pkl = b"\x80\x02(X\x06\x00\x00\x00moduleX\x01\x00\x00\x00MX\x00\x00\x00\x00tQ."
    head = b"".join(pickle.dumps(v, protocol=2) for v in (0x1950a86a20f9469cfc6c, 1001, {}))
    with pytest.raises(FormatError, match="state_dict"):
        S.load(head + pkl)


def test_build_cannot_rewrite_globals():
    itemsize = rt.float32.itemsize
    # BUILD with (None, {'itemsize': 8}) as slot state on the torch.float32 global
    evil = (b"\x80\x02ctorch\nfloat32\nN}X\x08\x00\x00\x00itemsizeK\x08s\x86b.")
    with pytest.raises(FormatError, match="BUILD"):
        S.load(zip_file(evil))
    assert rt.float32.itemsize == itemsize
    evil = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nN}X\x07\x00\x00\x00__doc__K\x01s\x86b."
    with pytest.raises(FormatError, match="BUILD"):
        S.load(zip_file(evil))


@pytest.mark.parametrize("pkl,why", [
    (b"\x80\x02cbuiltins\nbytearray\nJ\x00\x00\x00\x40\x85R.", "bytearray"),  # 2**30 bytes
    (b"\x80\x02ccollections\nOrderedDict\nK\x05\x85R.", "OrderedDict"),
    (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(X\x01\x00\x00\x00sK\x00))\x89}tR.",
     "must be a storage"),
    (b"\x80\x02ctorch._utils\n_rebuild_parameter\n(K\x01\x88}tR.", "must be a tensor"),
    (b"\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n(cbuiltins\nset\nctorch\nTensor\n)NtR.",
     "builtins.set"),
    (b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00rot13\x86R.", "rot13"),
    (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n.", "bare global"),
    (b"\x80\x02r\xf0\xff\xff\xff.", "memo index"),                        # 4e9 memo slots
    (b"\x80\x02\x8e\x00\x00\x00\x00\x00\x00\x00\x40.", "bytes8"),         # 2**62 bytes
], ids=["bytearray-size", "odict-int", "tensor-str-storage", "param-int", "from-type-set",
        "codecs-rot13", "bare-global", "memo-index", "binbytes8"])
def test_allowed_callables_misused_are_refused(pkl, why):
    with pytest.raises(FormatError, match=why):
        S.load(zip_file(pkl))


def test_deep_nesting_is_refused_without_recursion_error():
    depth = 50_000
    pkl = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    with pytest.raises(FormatError, match="nested deeper than"):
        S.load(zip_file(pkl))


def test_unsupported_dtypes_and_torchscript_say_so():
    with pytest.raises(UnsupportedError, match="uint16"):
        S.load(torch_bytes({"x": torch.zeros(2, dtype=torch.uint16)}))
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), buf)
    with pytest.raises(UnsupportedError, match="TorchScript"):
        S.load(buf.getvalue())
