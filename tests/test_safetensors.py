"""rustorch.formats.safetensors against the reference `safetensors` package and torch."""
import json
import struct

import pytest
import torch

import rustorch as rt
from rustorch.formats import safetensors as st

torch_st = pytest.importorskip("safetensors.torch")

# (rustorch dtype, torch dtype, safetensors code)
DTYPES = [(rt.float64, torch.float64, "F64"), (rt.float32, torch.float32, "F32"),
          (rt.float16, torch.float16, "F16"), (rt.bfloat16, torch.bfloat16, "BF16"),
          (rt.int64, torch.int64, "I64"), (rt.int32, torch.int32, "I32"),
          (rt.int16, torch.int16, "I16"), (rt.int8, torch.int8, "I8"),
          (rt.uint8, torch.uint8, "U8"), (rt.bool, torch.bool, "BOOL"),
          (rt.complex64, torch.complex64, "C64")]


def torch_sample(tdtype, shape=(3, 5), seed=0):
    g = torch.Generator().manual_seed(seed)
    if tdtype is torch.bool:
        return torch.rand(shape, generator=g) > 0.5
    if tdtype.is_complex:
        return torch.randn(shape, generator=g, dtype=tdtype) * 7
    if tdtype.is_floating_point:
        t = torch.randn(shape, generator=g, dtype=torch.float64) * 100
        if t.numel() >= 2:
            t.view(-1)[0], t.view(-1)[1] = float("inf"), float("-inf")
        return t.to(tdtype)
    info = torch.iinfo(tdtype)
    t = torch.randint(info.min, info.max, shape, generator=g, dtype=torch.int64).to(tdtype)
    if t.numel() >= 2:
        t.view(-1)[0], t.view(-1)[1] = info.min, info.max
    return t


def to_rt(t):
    """A torch tensor as a rustorch tensor with identical bits (via its raw bytes)."""
    d = _RT_OF[t.dtype]
    if t.numel() == 0:
        return rt.zeros(tuple(t.shape), dtype=d)
    raw = t.contiguous().view(-1).view(torch.uint8).numpy().tobytes()
    return rt.frombuffer(raw, dtype=d, count=t.numel()).reshape(tuple(t.shape))


_RT_OF = {td: d for d, td, _ in DTYPES}


def same_bits(r, t):
    assert tuple(r.shape) == tuple(t.shape)
    assert r.dtype is _RT_OF[t.dtype]
    assert st.tensor_to_bytes(r) == t.contiguous().view(-1).view(torch.uint8).numpy().tobytes()


# ---------------------------------------------------------------- round trips
@pytest.mark.parametrize("d,td,code", DTYPES, ids=[c for _, _, c in DTYPES])
def test_reference_writes_rustorch_reads(d, td, code):
    tensors = {"a": torch_sample(td), "scalar": torch_sample(td, ()), "empty": torch_sample(td, (0, 4))}
    data = torch_st.save(tensors, metadata={"who": "reference"})
    out = st.load(data)
    assert set(out) == set(tensors)
    for k, t in tensors.items():
        same_bits(out[k], t)
        assert out[k].tolist() == t.tolist()


@pytest.mark.parametrize("d,td,code", DTYPES, ids=[c for _, _, c in DTYPES])
def test_rustorch_writes_reference_reads(d, td, code):
    ref = {"a": torch_sample(td, (4, 3), seed=1), "scalar": torch_sample(td, (), seed=2),
           "empty": torch_sample(td, (2, 0))}
    ours = {k: to_rt(v) for k, v in ref.items()}
    data = st.save(ours, metadata={"who": "rustorch"})
    back = torch_st.load(data)
    for k, t in ref.items():
        assert back[k].dtype == td and torch.equal(back[k], t), k
    header = json.loads(data[8:8 + struct.unpack("<Q", data[:8])[0]])
    assert header["a"]["dtype"] == code
    assert header["__metadata__"] == {"who": "rustorch"}
    assert (8 + struct.unpack("<Q", data[:8])[0]) % 8 == 0  # data section aligned


def test_file_round_trip_both_directions(tmp_path):
    ref = {"w": torch.randn(5, 7), "b": torch.arange(5, dtype=torch.int64),
           "h": torch.randn(3, dtype=torch.float16), "bf": torch.randn(2, 2, dtype=torch.bfloat16)}
    p = tmp_path / "ref.safetensors"
    torch_st.save_file(ref, str(p), metadata={"k": "v"})
    ours = st.load_file(p)
    for k, t in ref.items():
        same_bits(ours[k], t)
    q = tmp_path / "ours.safetensors"
    st.save_file(ours, q, metadata={"k": "v"})
    back = torch_st.load_file(str(q))
    assert all(torch.equal(back[k], ref[k]) for k in ref)
    with st.safe_open(q) as f:
        assert f.keys() == sorted(ref)
        assert f.metadata() == {"k": "v"}


def test_non_contiguous_and_views_are_saved_in_c_order():
    base = rt.arange(24, dtype=rt.float32).reshape(4, 6)
    views = {"t": base.t(), "step": base[:, ::2], "col": base[:, 1]}
    back = torch_st.load(st.save(views))
    for k, v in views.items():
        assert back[k].tolist() == v.tolist()


def test_save_of_requires_grad_tensor_and_other_devices():
    w = rt.randn(3, 2, requires_grad=True)
    p = rt.tensor([1.5, -2.0], device="python")
    out = st.load(st.save({"w": w, "p": p}))
    assert out["w"].tolist() == w.tolist() and not out["w"].requires_grad
    assert out["p"].tolist() == [1.5, -2.0]
    on_python = st.load(st.save({"w": w}), device="python")
    assert on_python["w"].device.type == "python" and on_python["w"].tolist() == w.tolist()


def test_complex128_is_a_rustorch_extension():
    z = rt.tensor([1 + 2j, -3.5j], dtype=rt.complex128)
    data = st.save({"z": z})
    assert st.load(data)["z"].tolist() == z.tolist()
    with pytest.raises(Exception):  # the reference reader does not know C128
        torch_st.load(data)


@pytest.mark.parametrize("d,td,code", DTYPES, ids=[c for _, _, c in DTYPES])
def test_bytes_from_the_pure_python_backend(d, td, code):
    """Without NumPy (Pyodide) tensors live on the pure-Python backend: same bytes."""
    t = torch_sample(td, (2, 3), seed=3)
    r = to_rt(t).to("python")
    expected = t.contiguous().view(-1).view(torch.uint8).numpy().tobytes()
    assert st.tensor_to_bytes(r) == expected
    assert st.tensor_to_bytes(r[0, 1]) == expected[r.element_size():2 * r.element_size()]


# ---------------------------------------------------------------- lazy reading
class CountingFile:
    def __init__(self, f):
        self._f, self.read_sizes = f, []

    def read(self, n=-1):
        data = self._f.read(n)
        self.read_sizes.append(len(data))
        return data

    def __getattr__(self, name):
        return getattr(self._f, name)


def test_safe_open_reads_only_the_requested_tensor(tmp_path):
    big, small = torch.randn(256, 256), torch.arange(3, dtype=torch.int32)
    p = tmp_path / "m.safetensors"
    torch_st.save_file({"big": big, "small": small}, str(p))
    with st.safe_open(p) as f:
        counting = f._file = CountingFile(f._file)
        got = f.get_tensor("small")
        assert got.tolist() == [0, 1, 2]
        assert counting.read_sizes == [12]
        with pytest.raises(KeyError, match="no tensor named 'nope'"):
            f.get_tensor("nope")
        with pytest.raises(rt.InvalidArgument, match=r"\['big', 'small'\]"):
            f.get_tensor("nope")
    with pytest.raises(rt.InvalidArgument, match="closed"):
        f.get_tensor("small")


def test_missing_file_and_bad_framework(tmp_path):
    with pytest.raises(rt.DataNotFoundError, match="nothere.safetensors"):
        st.load_file(tmp_path / "nothere.safetensors")
    with pytest.raises(FileNotFoundError):
        st.safe_open(tmp_path / "nothere.safetensors")
    p = tmp_path / "ok.safetensors"
    st.save_file({"a": rt.zeros(1)}, p)
    with pytest.raises(rt.InvalidArgument, match="framework"):
        st.safe_open(p, framework="pt")


def test_save_input_validation():
    with pytest.raises(rt.InvalidType, match="dict"):
        st.save([rt.zeros(1)])
    with pytest.raises(rt.InvalidType, match="tensors\\['a'\\]"):
        st.save({"a": [1, 2]})
    with pytest.raises(rt.InvalidType, match="names"):
        st.save({1: rt.zeros(1)})
    with pytest.raises(rt.InvalidArgument, match="reserved"):
        st.save({"__metadata__": rt.zeros(1)})
    with pytest.raises(rt.InvalidType, match="metadata"):
        st.save({"a": rt.zeros(1)}, metadata={"n": 3})


# ---------------------------------------------------------------- hostile files
def raw_file(header, data=b"", size=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(text) if size is None else size
    return struct.pack("<Q", n) + text + data


GOOD = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}

HOSTILE = [
    ("short", b"\x01\x02\x03", "too short"),
    ("header-beyond-file", raw_file(GOOD, b"\0" * 8, size=10_000), "larger than the file"),
    ("absurd-header", struct.pack("<Q", 1 << 62) + b"{}", "absurd"),
    ("bad-utf8", raw_file(b'{"\xff": 1}'), "UTF-8"),
    ("bad-json", raw_file(b'{"a": '), "not valid JSON"),
    ("nan-constant", raw_file(b'{"__metadata__": {"x": NaN}}'), "not valid JSON"),
    ("duplicate-key", raw_file(b'{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},'
                               b' "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}',
                               b"\0\0"), "duplicate"),
    ("deep-json", raw_file(b"[" * 100000 + b"]" * 100000), "nested too deeply"),
    ("top-level-list", raw_file([1, 2]), "must be a JSON object"),
    ("entry-not-dict", raw_file({"a": [1, 2]}), "entry 'a' must be an object"),
    ("missing-key", raw_file({"a": {"dtype": "F32", "shape": [1]}}, b"\0" * 4), "lacks data_offsets"),
    ("unknown-dtype", raw_file({"a": {"dtype": "F31", "shape": [1], "data_offsets": [0, 4]}},
                               b"\0" * 4), "unknown dtype 'F31'"),
    ("negative-shape", raw_file({"a": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}}),
     "non-negative integers"),
    ("bool-shape", raw_file({"a": {"dtype": "U8", "shape": [True], "data_offsets": [0, 1]}}, b"\0"),
     "non-negative integers"),
    ("float-offsets", raw_file({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1.0]}}, b"\0"),
     "data_offsets"),
    ("reversed-offsets", raw_file({"a": {"dtype": "U8", "shape": [0], "data_offsets": [1, 0]}}, b"\0"),
     "begin <= end"),
    ("span-mismatch", raw_file({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}},
                               b"\0" * 8), "needs 12 bytes"),
    ("huge-shape", raw_file({"a": {"dtype": "F64", "shape": [1 << 40, 1 << 40],
                                   "data_offsets": [0, 8]}}, b"\0" * 8), "needs"),
    ("beyond-data", raw_file({"a": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]}}, b"\0" * 8),
     "beyond the data section"),
    ("overlap", raw_file({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                          "b": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, b"\0" * 6),
     "overlaps"),
    ("hole", raw_file({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
                       "b": {"dtype": "U8", "shape": [2], "data_offsets": [4, 6]}}, b"\0" * 6),
     "hole"),
    ("starts-late", raw_file({"a": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}}, b"\0" * 4),
     "hole"),
    ("trailing-bytes", raw_file(GOOD, b"\0" * 12), "cover 8 bytes but the data section has 12"),
    ("metadata-not-dict", raw_file({"__metadata__": ["x"]}), "__metadata__ must be an object"),
    ("metadata-value", raw_file({"__metadata__": {"n": 3}}), "__metadata__\\['n'\\] must be a string"),
]


@pytest.mark.parametrize("name,data,message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_bytes_raise_format_error(name, data, message, tmp_path):
    with pytest.raises(rt.FormatError, match=message):
        st.load(data)
    p = tmp_path / f"{name}.safetensors"
    p.write_bytes(data)
    with pytest.raises(rt.FormatError, match=message):
        st.load_file(p)
    with pytest.raises(ValueError):  # FormatError is also ValueError + RuntimeError
        st.load(data)


def test_truncated_copies_of_a_good_file_all_fail_cleanly():
    data = st.save({"w": rt.randn(4, 4), "i": rt.arange(6)}, metadata={"a": "b"})
    for cut in range(len(data)):
        with pytest.raises(rt.FormatError):
            st.load(data[:cut])


def test_known_but_unsupported_dtype():
    data = raw_file({"a": {"dtype": "U32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4)
    with pytest.raises(rt.UnsupportedError, match="U32"):
        st.load(data)


def test_reference_file_with_only_metadata_and_padding():
    data = torch_st.save({}, metadata={"only": "meta"})
    assert st.load(data) == {}
    assert st.load(raw_file(b'{"__metadata__": {"k": "v"}}   ')) == {}


# ---------------------------------------------------------------- property test
hyp = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as hs  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(dtype_i=hs.integers(0, len(DTYPES) - 1),
       shape=hs.lists(hs.integers(0, 4), min_size=0, max_size=3), seed=hs.integers(0, 1000))
def test_random_tensors_round_trip_with_the_reference(dtype_i, shape, seed):
    _, td, _ = DTYPES[dtype_i]
    t = torch_sample(td, tuple(shape), seed=seed)
    ours = st.load(torch_st.save({"x": t, "y": t.reshape(-1).clone()}))
    same_bits(ours["x"], t)
    back = torch_st.load(st.save(ours))
    assert torch.equal(back["x"], t) and torch.equal(back["y"], t.reshape(-1))
