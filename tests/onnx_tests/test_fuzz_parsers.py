"""Bounded fuzzing of rustorch's file parsers: ONNX protobuf (``rustorch.onnx._proto``),
safetensors and PyTorch ``.pt`` files.

Inputs are random bytes and mutations of valid files (bit flips, truncations,
insertions, splices, overwritten length fields).  A parser may accept a mutated
file or reject it with a documented rustorch error; anything else (IndexError,
struct.error, UnicodeDecodeError, RecursionError, MemoryError, zlib.error ...)
fails the test.  Each property runs a fixed number of examples (no deadline), so
the whole file takes a few seconds.
"""
import importlib
import io

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import rustorch as rt  # noqa: E402
from rustorch._errors import RustorchError  # noqa: E402
from rustorch.formats import safetensors as sft  # noqa: E402
from rustorch.onnx import _proto as P  # noqa: E402

FUZZ = settings(max_examples=250, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# values that probe length and size checks when written over a length field
INTERESTING = [0, 1, 2, 7, 8, 127, 128, 255, 256, 4095, 65535, 2**31 - 1, 2**31, 2**32 - 1, 2**32,
               2**40, 2**53, 2**62, 2**63 - 1, 2**63, 2**64 - 1]


# ---------------------------------------------------------------- seeds
def _onnx_seeds():
    """Small valid ONNX models built with rustorch's own classes (no onnx package needed)."""
    T, A = P.TensorProto, P.AttributeProto

    def vi(name, elem, dims):
        d = [P.TensorShapeProto.Dimension(dim_param=x) if isinstance(x, str)
             else P.TensorShapeProto.Dimension(dim_value=x) for x in dims]
        return P.ValueInfoProto(name=name, type=P.TypeProto(tensor_type=P.TypeProto.Tensor(
            elem_type=elem, shape=P.TensorShapeProto(dim=d))))

    branch = P.GraphProto(name="b", node=[P.NodeProto(op_type="Identity", input=["w"], output=["o"])],
                          output=[vi("o", T.FLOAT, [2, 3])])
    inits = [P.rt_to_tensor(rt.arange(6, dtype=rt.float32).reshape(2, 3), "w"),
             T(name="shape", dims=[2], data_type=T.INT64, int64_data=[-1, 3]),
             T(name="h", dims=[2], data_type=T.FLOAT16, int32_data=[0x3C00, 0xC000]),
             T(name="f", dims=[3], data_type=T.FLOAT, float_data=[0.5, -1.0, 2.0]),
             T(name="b", dims=[2], data_type=T.BOOL, int32_data=[1, 0]),
             P.rt_to_tensor(rt.tensor([1 + 2j], dtype=rt.complex64), "c")]
    attrs = [A(name="alpha", type=A.FLOAT, f=0.5), A(name="axis", type=A.INT, i=-1),
             A(name="mode", type=A.STRING, s=b"linear"), A(name="ints", type=A.INTS, ints=[1, -2, 3]),
             A(name="floats", type=A.FLOATS, floats=[0.25]), A(name="strs", type=A.STRINGS,
                                                               strings=[b"a", b"bc"]),
             A(name="value", type=A.TENSOR, t=P.rt_to_tensor(rt.tensor([7], dtype=rt.int32))),
             A(name="then_branch", type=A.GRAPH, g=branch), A(name="graphs", type=A.GRAPHS,
                                                               graphs=[branch])]
    nodes = [P.NodeProto(op_type="Reshape", input=["w", "shape"], output=["r"], name="n0"),
             P.NodeProto(op_type="If", input=["cond"], output=["o"], attribute=attrs, name="n1"),
             P.NodeProto(op_type="Custom", domain="my.domain", input=["r"], output=["q"])]
    sparse = P.SparseTensorProto(values=P.rt_to_tensor(rt.tensor([5.0]), "sv"),
                                 indices=P.rt_to_tensor(rt.tensor([1]), "si"), dims=[4])
    graph = P.GraphProto(name="seed", node=nodes, initializer=inits, sparse_initializer=[sparse],
                         input=[vi("cond", T.BOOL, []), vi("x", T.FLOAT, ["N", 3])],
                         output=[vi("o", T.FLOAT, [2, 3]), vi("q", T.FLOAT, [3, 2])])
    fn = P.FunctionProto(name="Custom", domain="my.domain", input=["x"], output=["y"],
                         node=[P.NodeProto(op_type="Neg", input=["x"], output=["y"])],
                         opset_import=[P.OperatorSetIdProto(domain="", version=18)])
    model = P.ModelProto(ir_version=9, producer_name="fuzz", graph=graph, functions=[fn],
                         opset_import=[P.OperatorSetIdProto(version=18),
                                       P.OperatorSetIdProto(domain="my.domain", version=1)],
                         metadata_props=[P.StringStringEntryProto(key="k", value="v")])
    small = P.ModelProto(ir_version=8, graph=P.GraphProto(node=[
        P.NodeProto(op_type="Relu", input=["x"], output=["y"])], input=[vi("x", T.FLOAT, [1])],
        output=[vi("y", T.FLOAT, [1])]), opset_import=[P.OperatorSetIdProto(version=13)])
    return [P.encode_model(model), P.encode_model(small)]


def _safetensors_seeds():
    return [sft.save({"w": rt.arange(12, dtype=rt.float32).reshape(3, 4),
                      "idx": rt.tensor([1, -2, 3]), "mask": rt.tensor([True, False]),
                      "h": rt.tensor([1.5, 2.0], dtype=rt.float16)}, metadata={"format": "pt"}),
            sft.save({"x": rt.tensor([[1, 2]], dtype=rt.int8)})]


def _torch_loader():
    """The .pt loader, or None while rustorch.formats.torch_format does not exist yet."""
    name = "rustorch.formats.torch_format"
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name in (name, "rustorch.formats"):
            return None
        raise
    for attr in ("load_bytes", "loads", "load"):
        fn = getattr(mod, attr, None)
        if callable(fn):
            return fn
    return None


def _torch_seeds():
    torch = pytest.importorskip("torch")
    seeds = []
    for legacy in (False, True):
        buf = io.BytesIO()
        base = torch.arange(8, dtype=torch.float32)
        obj = {"w": base.reshape(2, 4), "view": base[2:6], "i": torch.tensor([1, -2]),
               "nested": [torch.tensor([True]), (1, "a", 2.5)], "epoch": 3}
        torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
        seeds.append(buf.getvalue())
    return seeds


# ---------------------------------------------------------------- mutations
def _varint(v):
    return P._varint_bytes(v % 2**64)


def _length_fields(data, cls=P.ModelProto, pos=0, end=None, out=None, depth=0):
    """(offset, size) of every length prefix in valid protobuf ``data``, nested ones included."""
    out = [] if out is None else out
    end = len(data) if end is None else end
    while pos < end and depth < 40:
        tag, pos = P._read_varint(data, pos, end)
        f, wire = cls._BY_NUM.get(tag >> 3), tag & 7
        if wire == 2:
            start = pos
            n, pos = P._read_varint(data, pos, end)
            out.append((start, pos - start))
            if f is not None and f.kind == P._MSG:
                _length_fields(data, f.msg, pos, pos + n, out, depth + 1)
            pos += n
        elif wire == 0:
            _, pos = P._read_varint(data, pos, end)
        else:
            pos += 8 if wire == 1 else 4
    return out


@st.composite
def mutated(draw, seeds, length_fields=None):
    """A seed file with 1-4 random edits."""
    i = draw(st.integers(0, len(seeds) - 1))
    data = bytearray(seeds[i])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "overwrite", "splice", "int",
                                     "length"]))
        pos = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[pos:pos + len(chunk)] = chunk
        elif kind == "splice":      # a piece of another seed (or of itself) pasted in
            other = seeds[draw(st.integers(0, len(seeds) - 1))]
            a = draw(st.integers(0, len(other)))
            b = draw(st.integers(a, min(len(other), a + 256)))
            data[pos:pos + draw(st.integers(0, 64))] = other[a:b]
        elif kind == "int":         # a little-endian u32/u64 size field
            width = draw(st.sampled_from([4, 8]))
            v = draw(st.sampled_from(INTERESTING)) % 2**(8 * width)
            data[pos:pos + width] = v.to_bytes(width, "little")
        elif kind == "length" and length_fields and i < len(length_fields) and length_fields[i] \
                and len(data) == len(seeds[i]):   # a protobuf length prefix gets another value
            off, size = draw(st.sampled_from(length_fields[i]))
            v = draw(st.one_of(st.sampled_from(INTERESTING), st.integers(0, 300)))
            data[off:off + size] = _varint(v)
    return bytes(data)


# ---------------------------------------------------------------- the parsers under test
def _parse_onnx(data):
    try:
        model = P.decode_model(data)
    except RustorchError:
        return
    # whatever decodes must also re-encode and give its tensors (or a documented error)
    P.encode_model(model)
    for t in list(model.graph.initializer) + [a.t for n in model.graph.node for a in n.attribute]:
        try:
            P.tensor_to_rt(t)
        except RustorchError:
            pass


def _parse_safetensors(data):
    try:
        sft.load(data)
    except RustorchError:
        pass


def _parse_torch(load):
    def parse(data):
        try:
            load(data)
        except RustorchError:
            pass
    return parse


ONNX_SEEDS = _onnx_seeds()
ONNX_LENGTHS = [_length_fields(s) for s in ONNX_SEEDS]
SFT_SEEDS = _safetensors_seeds()


def test_seeds_are_valid():
    assert P.decode_model(ONNX_SEEDS[0]).graph.node[1].attribute[7].g.name == "b"
    assert len(ONNX_LENGTHS[0]) > 50
    assert set(sft.load(SFT_SEEDS[0])) == {"w", "idx", "mask", "h"}


@FUZZ
@given(st.binary(max_size=512))
def test_onnx_random_bytes(data):
    _parse_onnx(data)


@FUZZ
@given(mutated(ONNX_SEEDS, ONNX_LENGTHS))
def test_onnx_mutated_models(data):
    _parse_onnx(data)


@FUZZ
@given(st.binary(max_size=512))
def test_onnx_tensor_random_bytes(data):
    try:
        P.tensor_to_rt(P.decode_tensor(data))
    except RustorchError:
        pass


def test_onnx_every_truncation_and_byte_overwrite():
    # deterministic sweeps over the small seed: every prefix, every byte set to 0x00/0x80/0xff
    for seed in ONNX_SEEDS:
        for cut in range(len(seed)):
            _parse_onnx(seed[:cut])
        for pos in range(len(seed)):
            for b in (0x00, 0x80, 0xFF):
                _parse_onnx(seed[:pos] + bytes([b]) + seed[pos + 1:])


@FUZZ
@given(st.binary(max_size=512))
def test_safetensors_random_bytes(data):
    _parse_safetensors(data)


@FUZZ
@given(st.sampled_from(INTERESTING), st.binary(max_size=256))
def test_safetensors_random_header(n, tail):
    _parse_safetensors(n.to_bytes(8, "little") + tail)


@FUZZ
@given(mutated(SFT_SEEDS))
def test_safetensors_mutated_files(data):
    _parse_safetensors(data)


@pytest.fixture(scope="module")
def torch_parse():
    load = _torch_loader()
    if load is None:
        pytest.skip("rustorch.formats.torch_format (the .pt loader) does not exist yet")
    return _parse_torch(load)


@pytest.fixture(scope="module")
def torch_seeds():
    return _torch_seeds()


def test_torch_seeds_load(torch_parse, torch_seeds):
    load = _torch_loader()
    for seed in torch_seeds:
        out = load(seed)
        assert out["w"].tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]] and out["epoch"] == 3


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_torch_mutated_files(torch_parse, torch_seeds, data):
    torch_parse(data.draw(mutated(torch_seeds)))


@settings(FUZZ, max_examples=100)
@given(blob=st.binary(max_size=512))
def test_torch_random_bytes(torch_parse, blob):
    torch_parse(blob)
    torch_parse(b"PK\x03\x04" + blob)   # looks like a zip at first glance


def test_torch_every_byte_overwrite(torch_parse, torch_seeds):
    # deterministic sweep over the zip seed: every byte set to 0x00/0x46/0xff (0x46 at the
    # "version needed" field once made zipfile raise a bare NotImplementedError)
    seed = torch_seeds[0]
    for pos in range(len(seed)):
        for b in (0x00, 0x46, 0xFF):
            torch_parse(seed[:pos] + bytes([b]) + seed[pos + 1:])
