"""rustorch.onnx._proto: the pure-Python protobuf codec for ONNX, checked against the
``onnx`` package (its protobuf classes, its shipped models and test data, numpy_helper)."""
import glob
import os
import struct
import warnings

import pytest

onnx = pytest.importorskip("onnx")
np = pytest.importorskip("numpy")
from onnx import helper, numpy_helper  # noqa: E402

import rustorch as rt  # noqa: E402
from rustorch._errors import (DataNotFoundError, FormatError, InvalidArgument,  # noqa: E402
                              InvalidType, UnsupportedError)
from rustorch.onnx import _proto as P  # noqa: E402

DATA_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
OT = onnx.TensorProto


@pytest.fixture(scope="module")
def node_cases():
    from onnx.backend.test.case.node import collect_testcases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return collect_testcases()


def _same_fields(ours, theirs, where="model"):
    """Walk our message and onnx's side by side, comparing every field by name."""
    assert type(ours).__name__ == type(theirs).__name__, where
    for f in type(ours)._FIELDS:
        name = f.name
        a, b = getattr(ours, name), getattr(theirs, name)
        if f.label != P._OPT:
            assert len(a) == len(b), f"{where}.{name}"
            for i, (x, y) in enumerate(zip(a, b)):
                if f.kind == P._MSG:
                    _same_fields(x, y, f"{where}.{name}[{i}]")
                else:
                    assert x == y or (x != x and y != y), f"{where}.{name}[{i}]"
        elif f.kind == P._MSG:
            assert ours.HasField(name) == theirs.HasField(name), f"{where}.{name}"
            if theirs.HasField(name):
                _same_fields(a, b, f"{where}.{name}")
        else:
            assert ours.HasField(name) == theirs.HasField(name), f"{where}.{name}"
            assert a == b or (a != a and b != b), f"{where}.{name}: {a!r} != {b!r}"


# ---------------------------------------------------------------- schema
def _onnx_class(cls):
    parts = cls.__qualname__.split(".")
    out = getattr(onnx, parts[0])
    for p in parts[1:]:
        out = getattr(out, p)
    return out


@pytest.mark.parametrize("cls", list(P._CLASSES.values()), ids=lambda c: c.__qualname__)
def test_schema_matches_onnx_proto(cls):
    desc = _onnx_class(cls).DESCRIPTOR
    theirs = {f.name: f.number for f in desc.fields}
    ours = {f.name: f.number for f in cls._FIELDS}
    assert ours == theirs
    fd = desc.fields_by_name[cls._FIELDS[0].name]
    types = {P._INT64: {fd.TYPE_INT64}, P._INT32: {fd.TYPE_INT32, fd.TYPE_ENUM},
             P._UINT64: {fd.TYPE_UINT64}, P._BOOL: {fd.TYPE_BOOL}, P._FLOAT: {fd.TYPE_FLOAT},
             P._DOUBLE: {fd.TYPE_DOUBLE}, P._STRING: {fd.TYPE_STRING}, P._BYTES: {fd.TYPE_BYTES},
             P._MSG: {fd.TYPE_MESSAGE}}
    for f in cls._FIELDS:
        theirs_f = desc.fields_by_name[f.name]
        assert (f.label != P._OPT) == theirs_f.is_repeated, f.name
        assert (f.label == P._PACKED) == theirs_f.is_packed, f.name
        assert theirs_f.type in types[f.kind], f.name
        if f.kind == P._MSG:
            assert f.msg.__qualname__ == theirs_f.message_type.full_name.replace("onnx.", ""), f.name
    their_oneofs = {o.name: tuple(sorted(x.name for x in o.fields)) for o in desc.oneofs}
    assert {k: tuple(sorted(v)) for k, v in cls._ONEOFS.items()} == their_oneofs


def test_enum_constants_match_onnx():
    for name, code in OT.DataType.items():
        assert getattr(P.TensorProto, name) == code
        assert P.DATA_TYPE_NAMES[code] == name
    for name, code in onnx.AttributeProto.AttributeType.items():
        assert getattr(P.AttributeProto, name) == code
    assert P.TensorProto.EXTERNAL == OT.EXTERNAL


# ---------------------------------------------------------------- decoding real files
def test_every_node_case_model_round_trips_byte_exact(node_cases):
    assert len(node_cases) > 1000
    for case in node_cases:
        data = case.model.SerializeToString()
        ours = P.decode_model(data)
        assert P.encode_model(ours) == data, case.name
        assert ours.graph.node[0].op_type == case.model.graph.node[0].op_type


def test_node_case_models_field_by_field(node_cases):
    # every 3rd case keeps this fast; the byte-exact test above covers all of them
    for case in node_cases[::3]:
        _same_fields(P.decode_model(case.model.SerializeToString()), case.model, case.name)


def _wheel_files(pattern):
    return sorted(glob.glob(os.path.join(DATA_DIR, "**", pattern), recursive=True))


def test_wheel_models_and_tensors_match_onnx():
    models, tensors = _wheel_files("*.onnx"), _wheel_files("*.pb")
    assert any("light_resnet50" in m for m in models) and len(tensors) > 100
    for path in models:
        data = open(path, "rb").read()
        theirs = onnx.load_from_string(data)
        ours = P.decode_model(data)
        _same_fields(ours, theirs, os.path.basename(path))
        assert P.encode_model(ours) == theirs.SerializeToString(), path
    for path in tensors:
        data = open(path, "rb").read()
        theirs = OT()
        theirs.ParseFromString(data)
        ours = P.decode_tensor(data)
        _same_fields(ours, theirs, path)
        if theirs.data_type in P.ONNX_TO_RT:
            got = P.tensor_to_rt(ours).numpy()
            np.testing.assert_array_equal(got, numpy_helper.to_array(theirs), err_msg=path)


def test_light_model_weights_decode_to_onnx_values():
    data = open(os.path.join(DATA_DIR, "light", "light_resnet50.onnx"), "rb").read()
    theirs = {t.name: numpy_helper.to_array(t) for t in onnx.load_from_string(data).graph.initializer}
    ours = P.decode_model(data).graph.initializer
    assert len(ours) == len(theirs)
    for t in ours:
        np.testing.assert_array_equal(P.tensor_to_rt(t).numpy(), theirs[t.name])


# ---------------------------------------------------------------- encoding from our own objects
def _rich_onnx_model():
    """An onnx.helper model that uses most message kinds and attribute types."""
    then_g = helper.make_graph([helper.make_node("Constant", [], ["y"], value_floats=[1.0, 2.5])],
                               "then", [], [helper.make_tensor_value_info("y", OT.FLOAT, [2])])
    else_g = helper.make_graph([helper.make_node("Constant", [], ["y"], value_floats=[-1.0, 0.0])],
                               "else", [], [helper.make_tensor_value_info("y", OT.FLOAT, [2])])
    nodes = [
        helper.make_node("If", ["c"], ["z"], then_branch=then_g, else_branch=else_g, name="if0"),
        helper.make_node("Cast", ["x"], ["x2"], to=OT.DOUBLE, doc_string="cast it"),
        helper.make_node("Custom", ["x"], ["q"], domain="my.domain", f=-0.5, i=-7, s="héllo",
                         ints=[1, -2, 2**40], floats=[0.25, -3.0], strings=["a", "bc"],
                         t=numpy_helper.from_array(np.arange(6, dtype=np.int64).reshape(2, 3), "tt"),
                         tensors=[numpy_helper.from_array(np.ones(2, np.float16))],
                         graphs=[then_g], tp=helper.make_tensor_type_proto(OT.INT8, ["N", 0])),
    ]
    inputs = [helper.make_tensor_value_info("c", OT.BOOL, []),
              helper.make_tensor_value_info("x", OT.FLOAT, ["batch", 3, None])]
    outputs = [helper.make_tensor_value_info("z", OT.FLOAT, [2]),
               helper.make_value_info("seq", helper.make_sequence_type_proto(
                   helper.make_optional_type_proto(helper.make_tensor_type_proto(OT.INT64, [0]))))]
    inits = [numpy_helper.from_array(np.array([[1.5, -2.0]], np.float32), "w"),
             helper.make_tensor("w_typed", OT.INT32, [3], [-1, 0, 2**31 - 1]),
             helper.make_tensor("w_f16", OT.FLOAT16, [2], np.array([1.0, -2.0], np.float16))]
    sparse = helper.make_sparse_tensor(numpy_helper.from_array(np.array([5.0], np.float32), "sv"),
                                       numpy_helper.from_array(np.array([1], np.int64), "si"), [4])
    graph = helper.make_graph(nodes, "rich", inputs, outputs, inits, sparse_initializer=[sparse],
                              doc_string="graph doc")
    graph.value_info.append(helper.make_tensor_value_info("x2", OT.DOUBLE, ["batch", 3, None]))
    fn = helper.make_function("my.domain", "Custom", ["x"], ["q"],
                              [helper.make_node("Identity", ["x"], ["q"])],
                              [helper.make_opsetid("", 18)], attributes=["f"])
    model = helper.make_model(graph, producer_name="rustorch-test",
                              opset_imports=[helper.make_opsetid("", 18),
                                             helper.make_opsetid("my.domain", 1)], functions=[fn])
    helper.set_model_props(model, {"author": "me", "license": "MIT"})
    model.model_version = 3
    return model


def test_rich_model_decodes_field_by_field_and_round_trips():
    model = _rich_onnx_model()
    data = model.SerializeToString()
    ours = P.decode_model(data)
    _same_fields(ours, model)
    assert P.encode_model(ours) == data
    attrs = {a.name: a for a in ours.graph.node[2].attribute}
    assert attrs["s"].s == "héllo".encode() and attrs["s"].type == P.AttributeProto.STRING
    assert attrs["ints"].ints == [1, -2, 2**40] and attrs["i"].i == -7 and attrs["f"].f == -0.5
    assert ours.metadata_props[0].key == "author"
    dims = ours.graph.input[1].type.tensor_type.shape.dim
    assert [d.WhichOneof("value") for d in dims] == ["dim_param", "dim_value", None]
    assert dims[1].dim_value == 3 and dims[2].dim_value == 0 and not dims[2].HasField("dim_value")


def test_model_built_from_our_classes_passes_onnx_checker():
    T = P.TensorProto
    w = P.rt_to_tensor(rt.tensor([[1.0, 2.0], [3.0, 4.0]]), name="W")
    vi = P.ValueInfoProto(name="X", type=P.TypeProto(tensor_type=P.TypeProto.Tensor(
        elem_type=T.FLOAT, shape=P.TensorShapeProto(dim=[P.TensorShapeProto.Dimension(dim_param="N"),
                                                         P.TensorShapeProto.Dimension(dim_value=2)]))))
    out = P.ValueInfoProto(name="Y")
    out.type.tensor_type.elem_type = T.FLOAT          # lazily created sub-messages, as in protobuf
    out.type.tensor_type.shape.dim.extend([P.TensorShapeProto.Dimension(dim_param="N"),
                                           P.TensorShapeProto.Dimension(dim_value=2)])
    node = P.NodeProto(op_type="MatMul", input=["X", "W"], output=["H"], name="mm")
    relu = P.NodeProto(op_type="LeakyRelu", input=["H"], output=["Y"],
                       attribute=[P.AttributeProto(name="alpha", type=P.AttributeProto.FLOAT, f=0.1)])
    graph = P.GraphProto(name="g", node=[node, relu], input=[vi], output=[out], initializer=[w])
    model = P.ModelProto(ir_version=8, graph=graph, producer_name="rustorch",
                         opset_import=[P.OperatorSetIdProto(domain="", version=17)])
    data = P.encode_model(model)
    theirs = onnx.load_from_string(data)
    onnx.checker.check_model(theirs, full_check=True)
    _same_fields(model, theirs)
    assert theirs.graph.output[0].type.tensor_type.elem_type == OT.FLOAT
    np.testing.assert_array_equal(numpy_helper.to_array(theirs.graph.initializer[0]),
                                  [[1.0, 2.0], [3.0, 4.0]])
    assert abs(theirs.graph.node[1].attribute[0].f - 0.1) < 1e-7
    # a model rebuilt by onnx from the same values serializes identically
    assert P.decode_model(theirs.SerializeToString()) == model


def test_presence_like_protobuf():
    d = P.TensorShapeProto.Dimension()
    assert d.dim_value == 0 and d.dim_param == "" and d.WhichOneof("value") is None
    d.dim_value = 0                     # an explicit 0 is a known (empty) dim
    assert d.HasField("dim_value") and P.encode_message(d) == b"\x08\x00"
    d.dim_param = "N"                   # oneof: setting one clears the other
    assert not d.HasField("dim_value") and d.WhichOneof("value") == "dim_param"
    tp = P.TypeProto()
    assert not tp.HasField("tensor_type") and P.encode_message(tp) == b""
    tp.tensor_type                      # reading does not set it
    assert P.encode_message(tp) == b""
    tp.tensor_type = P.TypeProto.Tensor()   # assigning an empty message does
    assert tp.HasField("tensor_type") and P.encode_message(tp) == b"\x0a\x00"
    theirs = onnx.TypeProto()
    theirs.tensor_type.SetInParent()
    assert theirs.SerializeToString() == P.encode_message(tp)
    with pytest.raises(InvalidArgument):
        tp.HasField("denotations")
    with pytest.raises(AttributeError):
        tp.no_such_field = 1


def test_merge_and_last_wins_like_protobuf():
    # a singular scalar given twice: last wins; a singular message given twice: merged
    data = b"\x08\x05\x08\x07" + b"\x3a\x04\x12\x02ab" + b"\x3a\x03\x52\x01n"
    ours, theirs = P.decode_model(data), onnx.load_from_string(data)
    assert ours.ir_version == theirs.ir_version == 7
    _same_fields(ours, theirs)


# ---------------------------------------------------------------- wire-format details
def _tag(number, wire):
    return P._varint_bytes(number << 3 | wire)


def _ld(number, payload):
    return _tag(number, 2) + P._varint_bytes(len(payload)) + payload


def test_packed_and_unpacked_repeated_scalars_both_decode():
    packed_dims = _ld(1, P._varint_bytes(2) + P._varint_bytes(3))           # dims is unpacked in onnx
    unpacked_floats = _tag(4, 5) + struct.pack("<f", 1.5) + _tag(4, 5) + struct.pack("<f", -2.0)
    unpacked_i32 = b"".join(_tag(5, 0) + P._varint_bytes(v % 2**64) for v in (-1, 7))
    neg_i64 = -5 % 2**64
    packed_i64 = _ld(7, P._varint_bytes(neg_i64) + P._varint_bytes(2**62))
    unpacked_dbl = _tag(10, 1) + struct.pack("<d", 0.1)
    data = packed_dims + unpacked_floats + unpacked_i32 + packed_i64 + unpacked_dbl
    ours, theirs = P.decode_tensor(data), OT()
    theirs.ParseFromString(data)
    _same_fields(ours, theirs)
    assert ours.dims == [2, 3] and ours.float_data == [1.5, -2.0] and ours.int32_data == [-1, 7]
    assert ours.int64_data == [-5, 2**62] and ours.double_data == [0.1]
    attr = _ld(8, P._varint_bytes(1) + P._varint_bytes(-3 % 2**64)) + _ld(7, struct.pack("<2f", 1, 2))
    a = P.decode_message(P.AttributeProto, attr)
    assert a.ints == [1, -3] and a.floats == [1.0, 2.0]


def test_unknown_fields_of_every_wire_type_are_skipped():
    model = _rich_onnx_model()
    unknown = (_tag(99, 0) + b"\xff\xff\x01" + _tag(98, 1) + b"12345678" + _tag(97, 5) + b"1234"
               + _ld(96, b"anything") + _tag(95, 3) + _tag(1, 0) + b"\x01" + _tag(94, 3)
               + _tag(94, 4) + _tag(95, 4))
    data = unknown + model.SerializeToString() + unknown
    ours = P.decode_model(data)
    assert P.encode_model(ours) == model.SerializeToString()
    # inside a nested message too
    g = model.graph.SerializeToString()
    data = _ld(7, g + _ld(200, b"\x00\x01")) + _tag(1, 0) + b"\x08"
    assert P.decode_model(data).graph == P.decode_message(P.GraphProto, g)


def test_integer_extremes_round_trip():
    t = OT(dims=[0, 2**63 - 1], int64_data=[-2**63, 2**63 - 1, -1], int32_data=[-2**31, 2**31 - 1],
           uint64_data=[2**64 - 1, 0], data_type=OT.INT64)
    data = t.SerializeToString()
    ours = P.decode_tensor(data)
    _same_fields(ours, t)
    assert P.encode_tensor(ours) == data


# ---------------------------------------------------------------- malformed input
def _raises_format(data, *fragments):
    with pytest.raises(FormatError) as info:
        P.decode_model(data)
    msg = str(info.value)
    for frag in fragments:
        assert frag in msg, msg
    return msg


def test_truncation_at_every_byte_is_a_clean_error():
    data = _rich_onnx_model().SerializeToString()
    failures = 0
    for cut in range(len(data)):
        try:
            P.decode_model(data[:cut])
        except FormatError:
            failures += 1
            with pytest.raises(Exception):   # protobuf agrees the prefix is broken
                onnx.load_from_string(data[:cut])
    assert failures > len(data) // 2


def test_malformed_wire_data_errors():
    _raises_format(b"\x08" + b"\xff" * 10 + b"\x01", "varint longer than 10 bytes", "byte 1")
    _raises_format(b"\x08\xff", "truncated varint")
    _raises_format(b"\x3a\x05\x0a", "length 5 of ModelProto.graph runs past the end")
    _raises_format(b"\x3a\x04\x0a\x10ab", "GraphProto.node", "runs past the end")
    _raises_format(b"\x0e\x00", "ModelProto.ir_version", "invalid wire type 6")
    _raises_format(b"\x7f\x00", "invalid wire type 7 (field 15)")
    _raises_format(b"\x0a\x01a", "ModelProto.ir_version", "wire type 2")
    _raises_format(b"\x0d\x00\x00\x00\x00", "ModelProto.ir_version", "wrong wire type 5")
    _raises_format(b"\x00\x01", "field number 0")
    _raises_format(b"\xa3\x06\x08\x01", "truncated group")
    _raises_format(b"\xa4\x06", "unmatched end-group")
    _raises_format(_ld(2, b"\xff\xfe"), "producer_name is not valid UTF-8")
    node = _ld(1, _ld(4, b"Relu\xc3"))
    _raises_format(_ld(7, node), "op_type is not valid UTF-8", "ModelProto.graph.node[0]")
    t = _ld(7, _ld(5, _ld(4, b"\x01\x02\x03")))   # float_data run of 3 bytes
    _raises_format(t, "not a multiple of 4", "graph.initializer[0]")
    with pytest.raises(InvalidType):
        P.decode_model("not bytes")


def test_deep_nesting_is_refused_without_recursion_error():
    inner = b""
    for _ in range(400):   # Graph -> Node -> Attribute -> Graph ...
        inner = _ld(1, _ld(5, _ld(6, inner)))
    _raises_format(_ld(7, inner), f"nested more than {P.MAX_DEPTH} deep")
    seq = b""
    for _ in range(2000):  # TypeProto.sequence_type.elem_type ...
        seq = _ld(4, _ld(1, seq))
    with pytest.raises(FormatError):
        P.decode_message(P.TypeProto, seq)
    ok = b""
    for _ in range(30):    # 30 levels of subgraphs are fine
        ok = _ld(1, _ld(5, _ld(6, ok)))
    assert P.decode_model(_ld(7, ok)).graph.node[0].attribute[0].g.node[0].attribute[0].g


def test_size_limit(monkeypatch):
    monkeypatch.setattr(P, "MAX_MESSAGE_BYTES", 10)
    with pytest.raises(FormatError, match="2 GiB"):
        P.decode_model(bytes(11))


def test_encode_errors():
    with pytest.raises(InvalidType, match="NodeProto.op_type"):
        P.encode_message(P.NodeProto(op_type=5))
    with pytest.raises(InvalidArgument, match="out of range"):
        P.encode_message(P.TensorProto(data_type=2**31))
    with pytest.raises(InvalidArgument, match="out of range"):
        P.encode_message(P.TensorProto(int64_data=[0, 2**63]))
    with pytest.raises(InvalidType, match="GraphProto"):
        P.encode_message(P.AttributeProto(g=P.NodeProto()))
    g = P.GraphProto(name="loop")
    g.node.append(P.NodeProto(attribute=[P.AttributeProto(name="body", g=g)]))
    with pytest.raises(InvalidArgument, match="cycle"):
        P.encode_model(P.ModelProto(graph=g))
    with pytest.raises(InvalidType):
        P.encode_model(P.GraphProto())
    # float32 overflow is stored as inf, as protobuf does
    theirs = onnx.AttributeProto()
    theirs.ParseFromString(P.encode_message(P.AttributeProto(f=1e300, floats=[-1e300])))
    assert theirs.f == float("inf") and theirs.floats[0] == float("-inf")


# ---------------------------------------------------------------- tensors
SUPPORTED = [(OT.FLOAT, np.float32), (OT.UINT8, np.uint8), (OT.INT8, np.int8), (OT.INT16, np.int16),
             (OT.INT32, np.int32), (OT.INT64, np.int64), (OT.BOOL, np.bool_), (OT.FLOAT16, np.float16),
             (OT.DOUBLE, np.float64), (OT.COMPLEX64, np.complex64), (OT.COMPLEX128, np.complex128)]


def _sample(np_dtype, shape=(2, 3)):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 50
    if np.issubdtype(np_dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(np_dtype)


@pytest.mark.parametrize("code,np_dtype", SUPPORTED, ids=lambda v: str(v))
@pytest.mark.parametrize("raw", [True, False], ids=["raw_data", "typed_field"])
def test_tensor_to_rt_matches_numpy_helper(code, np_dtype, raw):
    x = _sample(np_dtype)
    theirs = helper.make_tensor("t", code, x.shape, x.tobytes() if raw else x.flatten().tolist(), raw=raw)
    ours = P.decode_tensor(theirs.SerializeToString())
    got = P.tensor_to_rt(ours)
    assert got.dtype is P.ONNX_TO_RT[code] and tuple(got.shape) == x.shape
    np.testing.assert_array_equal(got.numpy(), numpy_helper.to_array(theirs))


@pytest.mark.parametrize("raw", [True, False])
def test_bfloat16_tensor(raw):
    vals = [1.0, -2.5, 3.140625, 0.0]
    theirs = helper.make_tensor("b", OT.BFLOAT16, [4], vals, raw=False)
    if raw:   # raw_data of bfloat16 is the top 16 bits of each float32, little-endian
        bits = np.array(vals, np.float32).view(np.uint32) >> 16
        theirs = helper.make_tensor("b", OT.BFLOAT16, [4], bits.astype("<u2").tobytes(), raw=True)
    got = P.tensor_to_rt(P.decode_tensor(theirs.SerializeToString()))
    assert got.dtype is rt.bfloat16
    assert got.float().tolist() == vals


def test_bool_and_half_bit_patterns_in_int32_data():
    t = P.TensorProto(dims=[3], data_type=P.TensorProto.BOOL, int32_data=[0, 1, 2])
    assert P.tensor_to_rt(t).tolist() == [False, True, True]
    t = P.TensorProto(dims=[2], data_type=P.TensorProto.FLOAT16, int32_data=[0x3C00, 0xC000])
    assert P.tensor_to_rt(t).tolist() == [1.0, -2.0]
    t = P.TensorProto(dims=[2], data_type=P.TensorProto.BOOL, raw_data=b"\x00\x07")
    assert P.tensor_to_rt(t).tolist() == [False, True]


def test_scalar_and_empty_tensors():
    t = P.decode_tensor(numpy_helper.from_array(np.array(3.5, np.float32)).SerializeToString())
    got = P.tensor_to_rt(t)
    assert tuple(got.shape) == () and got.item() == 3.5
    e = P.tensor_to_rt(P.TensorProto(dims=[0, 4], data_type=P.TensorProto.INT64))
    assert tuple(e.shape) == (0, 4) and e.dtype is rt.int64


@pytest.mark.parametrize("code", [OT.STRING, OT.FLOAT8E8M0, OT.INT4, OT.UINT4, OT.FLOAT4E2M1])
def test_unsupported_types_name_the_type(code):
    t = P.TensorProto(name="w", dims=[1], data_type=code, raw_data=b"\x00" * 8)
    with pytest.raises(UnsupportedError, match=OT.DataType.Name(code)):
        P.tensor_to_rt(t)


def test_inconsistent_tensors_are_format_errors():
    T = P.TensorProto
    with pytest.raises(FormatError, match="need 24 bytes, raw_data has 20"):
        P.tensor_to_rt(T(name="w", dims=[2, 3], data_type=T.FLOAT, raw_data=bytes(20)))
    with pytest.raises(FormatError, match="need 6 values, float_data has 5"):
        P.tensor_to_rt(T(dims=[2, 3], data_type=T.FLOAT, float_data=[0.0] * 5))
    with pytest.raises(FormatError, match="need 4 values"):     # complex: two floats each
        P.tensor_to_rt(T(dims=[2], data_type=T.COMPLEX64, float_data=[1.0, 2.0]))
    with pytest.raises(FormatError, match="raw_data is empty"):   # huge dims, no data
        P.tensor_to_rt(T(dims=[2**40, 2**40], data_type=T.FLOAT))
    with pytest.raises(FormatError, match="invalid dims"):
        P.tensor_to_rt(T(dims=[-1], data_type=T.FLOAT))
    with pytest.raises(FormatError, match="out of range for INT8"):
        P.tensor_to_rt(T(dims=[1], data_type=T.INT8, int32_data=[300]))
    with pytest.raises(FormatError, match="invalid data_type 0"):
        P.tensor_to_rt(T(dims=[1], raw_data=b"\x00"))
    with pytest.raises(FormatError, match="invalid data_type 99"):
        P.tensor_to_rt(T(dims=[1], data_type=99, raw_data=b"\x00"))
    with pytest.raises(UnsupportedError, match="segment"):
        P.tensor_to_rt(T(dims=[1], data_type=T.UINT8, raw_data=b"\x00", segment=T.Segment(end=1)))


@pytest.mark.parametrize("dtype", list(P.RT_TO_ONNX), ids=str)
def test_rt_to_tensor_round_trip(dtype):
    x = rt.tensor([[1, 0, 3], [4, 5, 0]]).to(dtype)
    t = P.rt_to_tensor(x, name="x")
    assert t.HasField("raw_data") and t.name == "x" and t.dims == [2, 3]
    theirs = onnx.load_tensor_from_string(P.encode_tensor(t))
    if dtype is rt.bfloat16:
        np.testing.assert_array_equal(x.float().numpy(), numpy_helper.to_float32(theirs) if hasattr(
            numpy_helper, "to_float32") else numpy_helper.to_array(theirs).astype(np.float32))
    else:
        np.testing.assert_array_equal(numpy_helper.to_array(theirs), x.numpy())
    back = P.tensor_to_rt(P.decode_tensor(P.encode_tensor(t)))
    assert back.dtype is dtype and back.tolist() == x.tolist()
    with pytest.raises(InvalidType):
        P.rt_to_tensor([1, 2])


def test_tensor_to_rt_on_other_device():
    devices = [d for d in ("python",) if d in rt.backends.available()]
    if not devices:
        pytest.skip("the pure-Python backend is not available")
    t = P.rt_to_tensor(rt.tensor([1.5, -2.0]))
    got = P.tensor_to_rt(t, device="python")
    assert str(got.device) == "python" and got.tolist() == [1.5, -2.0]


# ---------------------------------------------------------------- external data
@pytest.fixture
def external_model(tmp_path):
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.arange(4, dtype=np.int64)
    graph = helper.make_graph([helper.make_node("Add", ["w", "w"], ["y"])], "ext", [],
                              [helper.make_tensor_value_info("y", OT.FLOAT, [3, 4])],
                              [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph)
    path = tmp_path / "m.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    return path, {"w": w, "b": b}


def _set_external(t, **kv):
    entries = {e.key: e.value for e in t.external_data}
    entries.update(kv)
    t.external_data = [P.StringStringEntryProto(key=k, value=v) for k, v in entries.items()]


def test_external_data_loads_inside_base_dir(external_model):
    path, expected = external_model
    model = P.decode_model(path.read_bytes())
    inits = model.graph.initializer
    assert all(t.data_location == P.TensorProto.EXTERNAL for t in inits)
    for t in inits:
        np.testing.assert_array_equal(P.tensor_to_rt(t, base_dir=str(path.parent)).numpy(),
                                      expected[t.name])
    with pytest.raises(InvalidArgument, match="weights.bin"):
        P.tensor_to_rt(inits[0])      # no base directory given


@pytest.mark.parametrize("location", ["../weights.bin", "/etc/passwd", "sub/../../weights.bin",
                                      "..\\weights.bin", "C:\\weights.bin"])
def test_external_data_outside_base_dir_is_refused(external_model, location):
    path, _ = external_model
    t = P.decode_model(path.read_bytes()).graph.initializer[0]
    _set_external(t, location=location)
    with pytest.raises(FormatError, match="location"):
        P.tensor_to_rt(t, base_dir=str(path.parent / "sub"))


def test_external_data_symlink_escape_and_bounds(external_model, tmp_path):
    path, _ = external_model
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "link.bin").symlink_to(path.parent / "weights.bin")
    t = P.decode_model(path.read_bytes()).graph.initializer[0]
    _set_external(t, location="link.bin")
    with pytest.raises(FormatError, match="resolves outside"):
        P.tensor_to_rt(t, base_dir=str(inner))
    base = str(path.parent)
    t = P.decode_model(path.read_bytes()).graph.initializer[0]
    _set_external(t, offset="1000000")
    with pytest.raises(FormatError, match="lies outside"):
        P.tensor_to_rt(t, base_dir=base)
    _set_external(t, offset="0", length="8")
    with pytest.raises(FormatError, match="need 48 bytes, the external data holds 8"):
        P.tensor_to_rt(t, base_dir=base)
    _set_external(t, offset="-4", length="48")
    with pytest.raises(FormatError, match="not a non-negative integer"):
        P.tensor_to_rt(t, base_dir=base)
    _set_external(t, offset="0", location="missing.bin")
    with pytest.raises(DataNotFoundError, match="missing.bin"):
        P.tensor_to_rt(t, base_dir=base)


# ---------------------------------------------------------------- object protocol
def test_pickle_deepcopy_and_repr():
    import copy
    import pickle
    model = P.decode_model(_rich_onnx_model().SerializeToString())
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model), copy.copy(model)):
        assert clone == model and clone is not model
        assert clone.graph.input[1].type.tensor_type.shape.dim[2].WhichOneof("value") is None
    clone = copy.deepcopy(model)
    clone.graph.node[0].name = "changed"
    assert clone != model and model.graph.node[0].name == "if0"
    text = repr(model.graph.initializer[0])
    assert text.startswith("TensorProto(") and "name='w'" in text
    assert P.ModelProto().HasField("graph") is False


def test_parse_and_serialize_methods_like_protobuf():
    data = _rich_onnx_model().SerializeToString()
    m = P.ModelProto(ir_version=99, doc_string="old")
    m.ParseFromString(data)
    assert m.SerializeToString() == data and m.ir_version != 99 and m.doc_string == ""
    m.ClearField("graph")
    assert not m.HasField("graph") and m.graph.node == []


def test_tensor_to_rt_accepts_onnx_package_objects():
    x = np.arange(6, dtype=np.int16).reshape(2, 3)
    for theirs in (numpy_helper.from_array(x, "x"),
                   helper.make_tensor("x", OT.INT16, [2, 3], x.flatten().tolist())):
        np.testing.assert_array_equal(P.tensor_to_rt(theirs).numpy(), x)


def test_string_fields_refuse_invalid_utf8_bytes():
    with pytest.raises(InvalidArgument, match="UTF-8"):
        P.encode_message(P.NodeProto(op_type=b"\xff"))
    assert P.encode_message(P.NodeProto(op_type=b"Relu")) == P.encode_message(P.NodeProto(op_type="Relu"))
