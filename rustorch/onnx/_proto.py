"""ONNX's protobuf messages, read and written in pure Python (no ``protobuf``, no ``onnx``).

The classes mirror ``onnx-ml.proto`` with exactly its field names, so code
written against them also works with the ``onnx`` package's objects:

    model = decode_model(open("model.onnx", "rb").read())
    for node in model.graph.node:
        print(node.op_type, list(node.input), [a.name for a in node.attribute])

Semantics follow protobuf's Python API where it matters: repeated fields are
Python lists; an unset scalar reads as its default (0, 0.0, "" or b""); an unset
message field reads as an empty message (created on first access and written
only if something is set in it); ``HasField``/``WhichOneof``/``ClearField``,
``SerializeToString``/``ParseFromString`` exist.  Presence is tracked like
proto2 (ONNX's syntax), so decoding and re-encoding gives the bytes ``onnx``
writes.

Wire format (https://protobuf.dev/programming-guides/encoding/): each field is
a varint tag ``number << 3 | wire_type`` followed by a varint (0), 8 bytes (1),
a varint length and that many bytes (2) or 4 bytes (5).  Repeated scalars come
packed (one length-delimited run) or unpacked (one tag per element); both are
read.  Unknown fields are skipped, so newer files still load.

Every length and count read from the input is checked against the bytes that
remain before anything is sliced or allocated; nesting is limited; anything
malformed raises :class:`~rustorch.FormatError` naming the byte offset and the
field.  Nothing in a file is ever executed.
"""
import os
import struct
import sys
from array import array

import rustorch as rt
from rustorch._errors import (DataNotFoundError, FormatError, InvalidArgument, InvalidType,
                              UnsupportedError)

__all__ = [
    "ModelProto", "GraphProto", "NodeProto", "AttributeProto", "TensorProto", "SparseTensorProto",
    "ValueInfoProto", "TypeProto", "TensorShapeProto", "OperatorSetIdProto",
    "StringStringEntryProto", "FunctionProto", "TrainingInfoProto", "TensorAnnotation",
    "decode_model", "encode_model", "decode_tensor", "encode_tensor", "decode_message",
    "encode_message", "tensor_to_rt", "rt_to_tensor", "ONNX_TO_RT", "RT_TO_ONNX", "DATA_TYPE_NAMES",
    "MAX_DEPTH", "MAX_MESSAGE_BYTES",
]

# protobuf itself refuses messages of 2 GiB or more; ONNX puts larger models in external files
MAX_MESSAGE_BYTES = 2**31 - 1
# nested messages (a subgraph costs 3: Graph -> Node -> Attribute); protobuf's own limit is 100
MAX_DEPTH = 256

_LITTLE = sys.byteorder == "little"
_U64 = 1 << 64
_I64_MIN, _I64_END = -(1 << 63), 1 << 63

# field kinds
_INT64, _INT32, _UINT64, _BOOL, _FLOAT, _DOUBLE, _STRING, _BYTES, _MSG = range(9)
_KIND_NAMES = ("int64", "int32", "uint64", "bool", "float", "double", "string", "bytes", "message")
_WIRE_OF = {_INT64: 0, _INT32: 0, _UINT64: 0, _BOOL: 0, _FLOAT: 5, _DOUBLE: 1,
            _STRING: 2, _BYTES: 2, _MSG: 2}
_DEFAULT_OF = {_INT64: 0, _INT32: 0, _UINT64: 0, _BOOL: False, _FLOAT: 0.0, _DOUBLE: 0.0,
               _STRING: "", _BYTES: b""}
_OPT, _REP, _PACKED = range(3)


class _DecodeError(Exception):
    """Internal: what went wrong and where; decode_* turn it into a FormatError with the path."""

    def __init__(self, reason, offset):
        super().__init__(reason)
        self.reason, self.offset, self.path = reason, offset, []


# ---------------------------------------------------------------- varints
def _read_varint(data, pos, end):
    """(value, new pos) of the varint at ``pos``; at most 10 bytes, never past ``end``."""
    result = shift = 0
    start = pos
    while pos < end:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
        if shift >= 70:
            raise _DecodeError("varint longer than 10 bytes", start)
    raise _DecodeError("truncated varint", start)


_SMALL_VARINTS = [bytes((i,)) for i in range(128)]


def _varint_bytes(v):
    """The varint encoding of ``0 <= v < 2**64``."""
    if v < 0x80:
        return _SMALL_VARINTS[v]
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


# ---------------------------------------------------------------- schema
class _Field:
    __slots__ = ("number", "name", "kind", "label", "msg", "tag", "default", "slot", "oneof")

    def __init__(self, number, name, kind, label=_OPT, msg=None, oneof=None):
        self.number, self.name, self.kind, self.label = number, name, kind, label
        self.msg = msg            # class name, resolved to the class once all exist
        self.oneof = oneof
        wire = 2 if label == _PACKED else _WIRE_OF[kind]
        self.tag = _varint_bytes(number << 3 | wire)
        self.default = _DEFAULT_OF.get(kind)
        self.slot = None          # the class's member descriptor: reads a slot without defaults


class _Message:
    """Base of the ONNX message classes (see the module docstring)."""
    __slots__ = ("_present",)
    _FIELDS = ()       # _Field in field-number order (the order protobuf writes)
    _BY_NUM = {}
    _BY_NAME = {}
    _ONEOFS = {}       # oneof name -> field names

    def __init__(self, **fields):
        object.__setattr__(self, "_present", set())
        for name, value in fields.items():
            setattr(self, name, value)

    def __getattr__(self, name):
        # only reached for an unset slot: defaults, lazily created lists and sub-messages
        f = type(self)._BY_NAME.get(name)
        if f is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        if f.label != _OPT:
            value = []
        elif f.kind == _MSG:
            value = f.msg()
        else:
            return f.default
        object.__setattr__(self, name, value)   # not marked present: written only if non-empty
        return value

    def __setattr__(self, name, value):
        f = type(self)._BY_NAME.get(name)
        if f is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        if f.label != _OPT:
            value = _as_f32_list(value) if f.kind == _FLOAT else list(value)
        else:
            if f.kind == _FLOAT and isinstance(value, (int, float)):
                value = _as_f32(value)    # float fields hold float32, as protobuf's do
            if f.oneof is not None:
                for other in type(self)._ONEOFS[f.oneof]:
                    if other != name:
                        self.ClearField(other)
            self._present.add(name)
        object.__setattr__(self, name, value)

    # -- protobuf's Python API, the parts ONNX code uses
    def HasField(self, name):
        f = type(self)._BY_NAME.get(name)
        if f is None:
            if name in type(self)._ONEOFS:
                return self.WhichOneof(name) is not None
            raise InvalidArgument(f"{type(self).__name__} has no field {name!r}")
        if f.label != _OPT:
            raise InvalidArgument(f"HasField({name!r}): {type(self).__name__}.{name} is repeated")
        if name in self._present:
            return True
        return f.kind == _MSG and _has_content(self, f)

    def WhichOneof(self, group):
        names = type(self)._ONEOFS.get(group)
        if names is None:
            raise InvalidArgument(f"{type(self).__name__} has no oneof {group!r}")
        for name in names:
            if self.HasField(name):
                return name
        return None

    def ClearField(self, name):
        if name not in type(self)._BY_NAME:
            raise InvalidArgument(f"{type(self).__name__} has no field {name!r}")
        self._present.discard(name)
        try:
            object.__delattr__(self, name)
        except AttributeError:
            pass

    def SerializeToString(self):
        return encode_message(self)

    def ParseFromString(self, data):
        for f in type(self)._FIELDS:
            self.ClearField(f.name)
        _decode_top(self, data)
        return len(data)

    def __reduce__(self):   # pickle and copy.deepcopy go through the wire format
        return decode_message, (type(self), encode_message(self))

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return encode_message(self) == encode_message(other)

    __hash__ = None

    def __repr__(self):
        parts = []
        for f in type(self)._FIELDS:
            try:
                v = f.slot.__get__(self)
            except AttributeError:
                continue
            if f.label != _OPT:
                if not v:
                    continue
                shown = f"[{len(v)} items]" if len(v) > 8 else repr(v)
            elif f.kind == _MSG:
                if not self.HasField(f.name):
                    continue
                shown = repr(v)
            else:
                if f.name not in self._present:
                    continue
                shown = f"<{len(v)} bytes>" if f.kind == _BYTES and len(v) > 32 else repr(v)
            parts.append(f"{f.name}={shown}")
        return f"{type(self).__qualname__}({', '.join(parts)})"


def _as_f32(v):
    try:
        return struct.unpack("<f", struct.pack("<f", v))[0]
    except OverflowError:
        return float("inf") if v > 0 else float("-inf")


def _as_f32_list(values):
    try:
        return array("f", values).tolist()
    except OverflowError:
        return [_as_f32(v) for v in values]
    except TypeError:   # not all numbers: the encoder reports it with the field's name
        return list(values)


def _has_content(msg, f, depth=0):
    """Whether message field ``f`` of ``msg`` is set to something that would be written
    (without encoding it: a graph may hold gigabytes of weights)."""
    try:
        sub = f.slot.__get__(msg)
    except AttributeError:
        return False
    if not isinstance(sub, _Message):   # a wrong type: let the encoder report it
        return True
    if sub._present:
        return True
    if depth > MAX_DEPTH:
        raise InvalidArgument(f"messages nested more than {MAX_DEPTH} deep (a cycle?)")
    for g in type(sub)._FIELDS:
        if g.label != _OPT:
            try:
                if g.slot.__get__(sub):
                    return True
            except AttributeError:
                pass
        elif g.kind == _MSG and _has_content(sub, g, depth + 1):
            return True
    return False


_CLASSES = {}


def _message(qualname, fields, oneofs=None):
    """Build a message class from ``fields``: (number, name, kind[, label[, message class name]])."""
    specs = []
    oneof_of = {name: group for group, names in (oneofs or {}).items() for name in names}
    for spec in fields:
        number, name, kind = spec[:3]
        label = spec[3] if len(spec) > 3 else _OPT
        msg = spec[4] if len(spec) > 4 else None
        specs.append(_Field(number, name, kind, label, msg, oneof_of.get(name)))
    specs.sort(key=lambda f: f.number)
    cls = type(qualname.rsplit(".", 1)[-1], (_Message,), {
        "__slots__": tuple(f.name for f in specs),
        "__qualname__": qualname,
        "__module__": __name__,
        "_FIELDS": tuple(specs),
        "_BY_NUM": {f.number: f for f in specs},
        "_BY_NAME": {f.name: f for f in specs},
        "_ONEOFS": {g: tuple(n) for g, n in (oneofs or {}).items()},
    })
    for f in specs:
        f.slot = cls.__dict__[f.name]
    _CLASSES[qualname] = cls
    return cls


def _resolve():
    for cls in _CLASSES.values():
        for f in cls._FIELDS:
            if f.kind == _MSG:
                f.msg = _CLASSES[f.msg]


_SSE = "StringStringEntryProto"

StringStringEntryProto = _message(_SSE, [(1, "key", _STRING), (2, "value", _STRING)])

OperatorSetIdProto = _message("OperatorSetIdProto", [(1, "domain", _STRING), (2, "version", _INT64)])

_Segment = _message("TensorProto.Segment", [(1, "begin", _INT64), (2, "end", _INT64)])

TensorProto = _message("TensorProto", [
    (1, "dims", _INT64, _REP),
    (2, "data_type", _INT32),
    (3, "segment", _MSG, _OPT, "TensorProto.Segment"),
    (4, "float_data", _FLOAT, _PACKED),
    (5, "int32_data", _INT32, _PACKED),
    (6, "string_data", _BYTES, _REP),
    (7, "int64_data", _INT64, _PACKED),
    (8, "name", _STRING),
    (9, "raw_data", _BYTES),
    (10, "double_data", _DOUBLE, _PACKED),
    (11, "uint64_data", _UINT64, _PACKED),
    (12, "doc_string", _STRING),
    (13, "external_data", _MSG, _REP, _SSE),
    (14, "data_location", _INT32),
    (16, "metadata_props", _MSG, _REP, _SSE),
])
TensorProto.Segment = _Segment

SparseTensorProto = _message("SparseTensorProto", [
    (1, "values", _MSG, _OPT, "TensorProto"),
    (2, "indices", _MSG, _OPT, "TensorProto"),
    (3, "dims", _INT64, _REP),
])

_Dimension = _message("TensorShapeProto.Dimension", [
    (1, "dim_value", _INT64), (2, "dim_param", _STRING), (3, "denotation", _STRING),
], oneofs={"value": ("dim_value", "dim_param")})
TensorShapeProto = _message("TensorShapeProto", [(1, "dim", _MSG, _REP, "TensorShapeProto.Dimension")])
TensorShapeProto.Dimension = _Dimension

_TypeTensor = _message("TypeProto.Tensor", [
    (1, "elem_type", _INT32), (2, "shape", _MSG, _OPT, "TensorShapeProto")])
_TypeSequence = _message("TypeProto.Sequence", [(1, "elem_type", _MSG, _OPT, "TypeProto")])
_TypeMap = _message("TypeProto.Map", [
    (1, "key_type", _INT32), (2, "value_type", _MSG, _OPT, "TypeProto")])
_TypeOptional = _message("TypeProto.Optional", [(1, "elem_type", _MSG, _OPT, "TypeProto")])
_TypeSparse = _message("TypeProto.SparseTensor", [
    (1, "elem_type", _INT32), (2, "shape", _MSG, _OPT, "TensorShapeProto")])
_TypeOpaque = _message("TypeProto.Opaque", [(1, "domain", _STRING), (2, "name", _STRING)])
TypeProto = _message("TypeProto", [
    (1, "tensor_type", _MSG, _OPT, "TypeProto.Tensor"),
    (4, "sequence_type", _MSG, _OPT, "TypeProto.Sequence"),
    (5, "map_type", _MSG, _OPT, "TypeProto.Map"),
    (6, "denotation", _STRING),
    (7, "opaque_type", _MSG, _OPT, "TypeProto.Opaque"),
    (8, "sparse_tensor_type", _MSG, _OPT, "TypeProto.SparseTensor"),
    (9, "optional_type", _MSG, _OPT, "TypeProto.Optional"),
], oneofs={"value": ("tensor_type", "sequence_type", "map_type", "optional_type",
                     "sparse_tensor_type", "opaque_type")})
TypeProto.Tensor, TypeProto.Sequence, TypeProto.Map = _TypeTensor, _TypeSequence, _TypeMap
TypeProto.Optional, TypeProto.SparseTensor, TypeProto.Opaque = _TypeOptional, _TypeSparse, _TypeOpaque

ValueInfoProto = _message("ValueInfoProto", [
    (1, "name", _STRING), (2, "type", _MSG, _OPT, "TypeProto"), (3, "doc_string", _STRING),
    (4, "metadata_props", _MSG, _REP, _SSE)])

AttributeProto = _message("AttributeProto", [
    (1, "name", _STRING),
    (2, "f", _FLOAT),
    (3, "i", _INT64),
    (4, "s", _BYTES),
    (5, "t", _MSG, _OPT, "TensorProto"),
    (6, "g", _MSG, _OPT, "GraphProto"),
    (7, "floats", _FLOAT, _REP),
    (8, "ints", _INT64, _REP),
    (9, "strings", _BYTES, _REP),
    (10, "tensors", _MSG, _REP, "TensorProto"),
    (11, "graphs", _MSG, _REP, "GraphProto"),
    (13, "doc_string", _STRING),
    (14, "tp", _MSG, _OPT, "TypeProto"),
    (15, "type_protos", _MSG, _REP, "TypeProto"),
    (20, "type", _INT32),
    (21, "ref_attr_name", _STRING),
    (22, "sparse_tensor", _MSG, _OPT, "SparseTensorProto"),
    (23, "sparse_tensors", _MSG, _REP, "SparseTensorProto"),
])

IntIntListEntryProto = _message("IntIntListEntryProto", [(1, "key", _INT64), (2, "value", _INT64, _REP)])
SimpleShardedDimProto = _message("SimpleShardedDimProto", [
    (1, "dim_value", _INT64), (2, "dim_param", _STRING), (3, "num_shards", _INT64),
], oneofs={"dim": ("dim_value", "dim_param")})
ShardedDimProto = _message("ShardedDimProto", [
    (1, "axis", _INT64), (2, "simple_sharding", _MSG, _REP, "SimpleShardedDimProto")])
ShardingSpecProto = _message("ShardingSpecProto", [
    (1, "tensor_name", _STRING), (2, "device", _INT64, _REP),
    (3, "index_to_device_group_map", _MSG, _REP, "IntIntListEntryProto"),
    (4, "sharded_dim", _MSG, _REP, "ShardedDimProto")])
NodeDeviceConfigurationProto = _message("NodeDeviceConfigurationProto", [
    (1, "configuration_id", _STRING), (2, "sharding_spec", _MSG, _REP, "ShardingSpecProto"),
    (3, "pipeline_stage", _INT32)])

NodeProto = _message("NodeProto", [
    (1, "input", _STRING, _REP),
    (2, "output", _STRING, _REP),
    (3, "name", _STRING),
    (4, "op_type", _STRING),
    (5, "attribute", _MSG, _REP, "AttributeProto"),
    (6, "doc_string", _STRING),
    (7, "domain", _STRING),
    (8, "overload", _STRING),
    (9, "metadata_props", _MSG, _REP, _SSE),
    (10, "device_configurations", _MSG, _REP, "NodeDeviceConfigurationProto"),
])

TensorAnnotation = _message("TensorAnnotation", [
    (1, "tensor_name", _STRING), (2, "quant_parameter_tensor_names", _MSG, _REP, _SSE)])

GraphProto = _message("GraphProto", [
    (1, "node", _MSG, _REP, "NodeProto"),
    (2, "name", _STRING),
    (5, "initializer", _MSG, _REP, "TensorProto"),
    (10, "doc_string", _STRING),
    (11, "input", _MSG, _REP, "ValueInfoProto"),
    (12, "output", _MSG, _REP, "ValueInfoProto"),
    (13, "value_info", _MSG, _REP, "ValueInfoProto"),
    (14, "quantization_annotation", _MSG, _REP, "TensorAnnotation"),
    (15, "sparse_initializer", _MSG, _REP, "SparseTensorProto"),
    (16, "metadata_props", _MSG, _REP, _SSE),
])

TrainingInfoProto = _message("TrainingInfoProto", [
    (1, "initialization", _MSG, _OPT, "GraphProto"), (2, "algorithm", _MSG, _OPT, "GraphProto"),
    (3, "initialization_binding", _MSG, _REP, _SSE), (4, "update_binding", _MSG, _REP, _SSE)])

FunctionProto = _message("FunctionProto", [
    (1, "name", _STRING),
    (4, "input", _STRING, _REP),
    (5, "output", _STRING, _REP),
    (6, "attribute", _STRING, _REP),
    (7, "node", _MSG, _REP, "NodeProto"),
    (8, "doc_string", _STRING),
    (9, "opset_import", _MSG, _REP, "OperatorSetIdProto"),
    (10, "domain", _STRING),
    (11, "attribute_proto", _MSG, _REP, "AttributeProto"),
    (12, "value_info", _MSG, _REP, "ValueInfoProto"),
    (13, "overload", _STRING),
    (14, "metadata_props", _MSG, _REP, _SSE),
])

DeviceConfigurationProto = _message("DeviceConfigurationProto", [
    (1, "name", _STRING), (2, "num_devices", _INT32), (3, "device", _STRING, _REP)])

ModelProto = _message("ModelProto", [
    (1, "ir_version", _INT64),
    (2, "producer_name", _STRING),
    (3, "producer_version", _STRING),
    (4, "domain", _STRING),
    (5, "model_version", _INT64),
    (6, "doc_string", _STRING),
    (7, "graph", _MSG, _OPT, "GraphProto"),
    (8, "opset_import", _MSG, _REP, "OperatorSetIdProto"),
    (14, "metadata_props", _MSG, _REP, _SSE),
    (20, "training_info", _MSG, _REP, "TrainingInfoProto"),
    (25, "functions", _MSG, _REP, "FunctionProto"),
    (26, "configuration", _MSG, _REP, "DeviceConfigurationProto"),
])

_resolve()

# enum values as class attributes, as protobuf's generated classes have them
_DATA_TYPES = ("UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING",
               "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
               "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4",
               "FLOAT4E2M1", "FLOAT8E8M0", "UINT2", "INT2", "FLOAT6E2M3", "FLOAT6E3M2")
DATA_TYPE_NAMES = dict(enumerate(_DATA_TYPES))
for _code, _name in DATA_TYPE_NAMES.items():
    setattr(TensorProto, _name, _code)
TensorProto.DEFAULT, TensorProto.EXTERNAL = 0, 1
for _name, _code in (("UNDEFINED", 0), ("FLOAT", 1), ("INT", 2), ("STRING", 3), ("TENSOR", 4),
                     ("GRAPH", 5), ("FLOATS", 6), ("INTS", 7), ("STRINGS", 8), ("TENSORS", 9),
                     ("GRAPHS", 10), ("SPARSE_TENSOR", 11), ("SPARSE_TENSORS", 12),
                     ("TYPE_PROTO", 13), ("TYPE_PROTOS", 14)):
    setattr(AttributeProto, _name, _code)
del _code, _name


# ---------------------------------------------------------------- decoding
def _skip(data, pos, end, wire, number):
    """Position after an unknown field's value (groups included, iteratively)."""
    start = pos
    groups = []
    while True:
        if wire == 0:
            _, pos = _read_varint(data, pos, end)
        elif wire == 1 or wire == 5:
            pos += 8 if wire == 1 else 4
            if pos > end:
                raise _DecodeError(f"truncated fixed-size value of unknown field {number}", start)
        elif wire == 2:
            n, pos = _read_varint(data, pos, end)
            if n > end - pos:
                raise _DecodeError(f"length {n} of unknown field {number} runs past the end "
                                   f"({end - pos} bytes left)", start)
            pos += n
        elif wire == 3:
            if len(groups) >= MAX_DEPTH:
                raise _DecodeError("groups nested too deeply", start)
            groups.append(number)
        elif wire == 4:
            if not groups or groups[-1] != number:
                raise _DecodeError(f"unmatched end-group tag for field {number}", start)
            groups.pop()
        else:
            raise _DecodeError(f"invalid wire type {wire} (field {number})", start)
        if not groups:
            return pos
        if pos >= end:
            raise _DecodeError(f"truncated group (field {groups[-1]})", start)
        tag, pos = _read_varint(data, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise _DecodeError("field number 0 is invalid", pos)


def _utf8(data, pos, stop, f):
    try:
        return data[pos:stop].decode("utf-8")
    except UnicodeDecodeError as e:
        raise _DecodeError(f"string field {f.name} is not valid UTF-8 ({e.reason} at byte "
                           f"{e.start} of the string)", pos) from None


def _scalar(data, pos, end, kind):
    """(value, new pos) of one non-length-delimited scalar of ``kind``."""
    if kind == _FLOAT:
        if end - pos < 4:
            raise _DecodeError("truncated float", pos)
        return struct.unpack_from("<f", data, pos)[0], pos + 4
    if kind == _DOUBLE:
        if end - pos < 8:
            raise _DecodeError("truncated double", pos)
        return struct.unpack_from("<d", data, pos)[0], pos + 8
    b = data[pos] if pos < end else 0x80
    if b < 0x80:
        v, pos = b, pos + 1
    else:
        v, pos = _read_varint(data, pos, end)
    if kind == _INT64:
        if v >= _I64_END:
            v -= _U64
    elif kind == _INT32:
        v &= 0xFFFFFFFF
        if v >= 0x80000000:
            v -= 0x100000000
    elif kind == _BOOL:
        v = v != 0
    return v, pos


def _unpack_packed(data, pos, stop, kind, out):
    """Append the packed run ``data[pos:stop]`` of ``kind`` scalars to list ``out``."""
    if kind == _FLOAT or kind == _DOUBLE:
        size, code = (4, "f") if kind == _FLOAT else (8, "d")
        if (stop - pos) % size:
            raise _DecodeError(f"packed {_KIND_NAMES[kind]} run of {stop - pos} bytes is not a "
                               f"multiple of {size}", pos)
        arr = array(code)
        arr.frombytes(data[pos:stop])
        if not _LITTLE:
            arr.byteswap()
        out.extend(arr.tolist())
        return
    # varints inline: packed int64 shape constants and indices can hold millions of values
    values = []
    append = values.append
    while pos < stop:
        b = data[pos]
        pos += 1
        if b < 0x80:
            append(b)
            continue
        v, shift, start = b & 0x7F, 7, pos - 1
        while True:
            if pos >= stop:
                raise _DecodeError("truncated varint in a packed run", start)
            b = data[pos]
            pos += 1
            v |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
            if shift >= 70:
                raise _DecodeError("varint longer than 10 bytes", start)
        append(v & 0xFFFFFFFFFFFFFFFF)
    if kind == _INT64:
        values = [v - _U64 if v >= _I64_END else v for v in values]
    elif kind == _INT32:
        values = [((v & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000 for v in values]
    elif kind == _BOOL:
        values = [v != 0 for v in values]
    out.extend(values)


def _decode_into(msg, data, pos, end, depth):
    """Decode the fields in ``data[pos:end]`` into ``msg``."""
    cls = type(msg)
    by_num = cls._BY_NUM
    present = msg._present
    while pos < end:
        field_start = pos
        b = data[pos]
        if b < 0x80:
            tag = b
            pos += 1
        else:
            tag, pos = _read_varint(data, pos, end)
        number, wire = tag >> 3, tag & 7
        f = by_num.get(number)
        if f is None:
            if number == 0:
                raise _DecodeError(f"field number 0 in {cls.__qualname__} (corrupt data)", field_start)
            pos = _skip(data, pos, end, wire, number)
            continue
        kind, label = f.kind, f.label
        if wire == 2:
            b = data[pos] if pos < end else 0x80
            if b < 0x80:
                n = b
                pos += 1
            else:
                n, pos = _read_varint(data, pos, end)
            if n > end - pos:
                raise _DecodeError(f"length {n} of {cls.__qualname__}.{f.name} runs past the end "
                                   f"of its message ({end - pos} bytes left)", field_start)
            stop = pos + n
            if kind == _MSG:
                if depth >= MAX_DEPTH:
                    raise _DecodeError(f"messages nested more than {MAX_DEPTH} deep", field_start)
                if label == _OPT:
                    if f.name in present:   # protobuf merges a repeated singular message
                        sub = f.slot.__get__(msg)
                    else:
                        sub = f.msg()
                        setattr(msg, f.name, sub)
                else:
                    sub = f.msg()
                    lst = getattr(msg, f.name)
                    lst.append(sub)
                try:
                    _decode_into(sub, data, pos, stop, depth + 1)
                except _DecodeError as e:
                    e.path.append(f.name if label == _OPT else f"{f.name}[{len(lst) - 1}]")
                    raise
                pos = stop
                continue
            if kind == _STRING:
                v = _utf8(data, pos, stop, f)
            elif kind == _BYTES:
                v = data[pos:stop]
            elif label != _OPT:        # packed run of scalars (packed or not in the schema)
                _unpack_packed(data, pos, stop, kind, getattr(msg, f.name))
                pos = stop
                continue
            else:
                raise _DecodeError(f"{cls.__qualname__}.{f.name} ({_KIND_NAMES[kind]}) has wire "
                                   f"type 2 (length-delimited)", field_start)
            pos = stop
        elif wire == _WIRE_OF[kind]:
            v, pos = _scalar(data, pos, end, kind)
        else:
            what = "invalid" if wire > 5 else "wrong"
            raise _DecodeError(f"{cls.__qualname__}.{f.name} ({_KIND_NAMES[kind]}) has {what} wire "
                               f"type {wire}", field_start)
        if label == _OPT:
            setattr(msg, f.name, v)
        else:
            getattr(msg, f.name).append(v)
    if pos != end:   # a fixed-size value ran past the end of its message
        raise _DecodeError(f"{cls.__qualname__} field runs past the end of its message", end)


def _as_bytes(data, what):
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise InvalidType(f"{what} expects bytes, bytearray or memoryview, got {type(data).__name__}")


def _decode_top(msg, data):
    data = _as_bytes(data, f"decoding {type(msg).__name__}")
    if len(data) > MAX_MESSAGE_BYTES:
        raise FormatError(f"{type(msg).__name__} of {len(data)} bytes is larger than protobuf's "
                          f"2 GiB limit; larger ONNX models keep their weights in external files")
    try:
        _decode_into(msg, data, 0, len(data), 1)
    except _DecodeError as e:
        path = ".".join([type(msg).__qualname__] + e.path[::-1])
        raise FormatError(f"invalid ONNX protobuf data ({len(data)} bytes): {e.reason} at byte "
                          f"{e.offset} (in {path}); the file is truncated, corrupt or not ONNX") from None
    return msg


def decode_message(cls, data):
    """A ``cls`` message decoded from protobuf bytes (FormatError if they are malformed)."""
    if not (isinstance(cls, type) and issubclass(cls, _Message)):
        raise InvalidType(f"decode_message expects a message class, got {cls!r}")
    return _decode_top(cls(), data)


def decode_model(data):
    """The :class:`ModelProto` in the bytes of an ``.onnx`` file."""
    return decode_message(ModelProto, data)


def decode_tensor(data):
    """The :class:`TensorProto` in serialized bytes (e.g. a test set's ``input_0.pb``)."""
    return decode_message(TensorProto, data)


# ---------------------------------------------------------------- encoding
def _bad(msg, f, value, want):
    return InvalidType(f"{type(msg).__qualname__}.{f.name} must be {want}, got "
                       f"{type(value).__name__} {value!r:.60}")


def _int_varint(msg, f, v):
    """Varint bytes of integer field value ``v`` (range-checked for the field's kind)."""
    kind = f.kind
    if not isinstance(v, int):
        if hasattr(v, "__index__") and not isinstance(v, float):
            v = v.__index__()
        else:
            raise _bad(msg, f, v, "an int")
    if kind == _BOOL:
        return _SMALL_VARINTS[1 if v else 0]
    lo, hi = ((0, _U64) if kind == _UINT64 else
              (-(1 << 31), 1 << 31) if kind == _INT32 else (_I64_MIN, _I64_END))
    if not lo <= v < hi:
        raise InvalidArgument(f"{type(msg).__qualname__}.{f.name} = {v} is out of range for "
                              f"{_KIND_NAMES[kind]}")
    return _varint_bytes(v + _U64 if v < 0 else v)


def _pack_floats(msg, f, values):
    code = "f" if f.kind == _FLOAT else "d"
    try:
        arr = array(code, values)
    except OverflowError:   # float32 overflow becomes +-inf, as protobuf stores it
        arr = array(code, [_f32(v) for v in values])
    except TypeError:
        raise _bad(msg, f, values, "a list of floats") from None
    if not _LITTLE:
        arr.byteswap()
    return arr.tobytes()


def _pack_varints(msg, f, values):
    """The packed varint run of integer list ``values`` (range-checked once, then one loop)."""
    if f.kind == _BOOL or not all(type(x) is int for x in values):
        return b"".join([_int_varint(msg, f, x) for x in values])
    lo, hi = min(values), max(values)
    if lo < 0 and f.kind == _UINT64:
        _int_varint(msg, f, lo)   # raises with the field's name
    if lo < (-(1 << 31) if f.kind == _INT32 else _I64_MIN) or hi >= (
            1 << 31 if f.kind == _INT32 else _U64 if f.kind == _UINT64 else _I64_END):
        _int_varint(msg, f, lo if lo < 0 else hi)
        _int_varint(msg, f, hi)
    out = bytearray()
    append = out.append
    for v in values:
        if v < 0:
            v += _U64
        while v >= 0x80:
            append((v & 0x7F) | 0x80)
            v >>= 7
        append(v)
    return bytes(out)


def _f32(v):
    try:
        struct.pack("<f", v)
        return v
    except OverflowError:
        return float("inf") if v > 0 else float("-inf")


def _scalar_bytes(msg, f, v):
    kind = f.kind
    if kind == _FLOAT or kind == _DOUBLE:
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            if not hasattr(v, "__float__"):
                raise _bad(msg, f, v, "a float")
        return struct.pack("<f", _f32(float(v))) if kind == _FLOAT else struct.pack("<d", float(v))
    if kind == _STRING or kind == _BYTES:
        if isinstance(v, str):
            try:
                v = v.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgument(f"{type(msg).__qualname__}.{f.name} is not valid Unicode: "
                                      f"{v!r:.60}") from None
        elif isinstance(v, (bytes, bytearray, memoryview)):
            v = bytes(v)
            if kind == _STRING:
                try:
                    v.decode("utf-8")
                except UnicodeDecodeError:
                    raise InvalidArgument(f"{type(msg).__qualname__}.{f.name} is not valid UTF-8: "
                                          f"{v!r:.60}") from None
        else:
            raise _bad(msg, f, v, "a str" if kind == _STRING else "bytes")
        return _varint_bytes(len(v)) + v if len(v) < 4096 else (_varint_bytes(len(v)), v)
    return _int_varint(msg, f, v)


def _encode_chunks(msg, out, depth):
    """Append ``msg``'s wire bytes to ``out`` (a list of chunks); returns their total length."""
    if depth > MAX_DEPTH:
        raise InvalidArgument(f"messages nested more than {MAX_DEPTH} deep (a cycle?) while "
                              f"encoding {type(msg).__qualname__}")
    if not isinstance(msg, _Message):
        raise InvalidType(f"expected an ONNX message, got {type(msg).__name__}")
    total = 0
    present = msg._present
    for f in type(msg)._FIELDS:
        try:
            v = f.slot.__get__(msg)
        except AttributeError:
            continue
        kind, label = f.kind, f.label
        if label == _OPT:
            if kind == _MSG:
                if not isinstance(v, f.msg):
                    raise _bad(msg, f, v, f"a {f.msg.__qualname__}")
                sub = []
                n = _encode_chunks(v, sub, depth + 1)
                if n == 0 and f.name not in present:
                    continue
                head = f.tag + _varint_bytes(n)
                out.append(head)
                out.extend(sub)
                total += len(head) + n
                continue
            if f.name not in present:
                continue
            chunk = _scalar_bytes(msg, f, v)
            if isinstance(chunk, tuple):     # a large bytes value: no copy
                out.append(f.tag + chunk[0])
                out.append(chunk[1])
                total += len(f.tag) + len(chunk[0]) + len(chunk[1])
            else:
                out.append(f.tag + chunk)
                total += len(f.tag) + len(chunk)
            continue
        if not v:
            continue
        if not isinstance(v, (list, tuple, array)):
            raise _bad(msg, f, v, "a list")
        if kind == _MSG:
            for item in v:
                if not isinstance(item, f.msg):
                    raise _bad(msg, f, item, f"a list of {f.msg.__qualname__}")
                sub = []
                n = _encode_chunks(item, sub, depth + 1)
                head = f.tag + _varint_bytes(n)
                out.append(head)
                out.extend(sub)
                total += len(head) + n
        elif label == _PACKED:
            if kind == _FLOAT or kind == _DOUBLE:
                body = _pack_floats(msg, f, v)
            else:
                body = _pack_varints(msg, f, v)
            head = f.tag + _varint_bytes(len(body))
            out.append(head)
            out.append(body)
            total += len(head) + len(body)
        else:   # unpacked repeated scalars: a tag per element, as proto2 writes them
            tag = f.tag
            for item in v:
                chunk = _scalar_bytes(msg, f, item)
                if isinstance(chunk, tuple):
                    chunk = chunk[0] + chunk[1]
                out.append(tag + chunk)
                total += len(tag) + len(chunk)
    return total


def encode_message(msg):
    """The protobuf bytes of an ONNX message (fields in number order, as protobuf writes them)."""
    out = []
    _encode_chunks(msg, out, 1)
    return b"".join(out)


def encode_model(model):
    """The bytes of an ``.onnx`` file for a :class:`ModelProto`."""
    if not isinstance(model, ModelProto):
        raise InvalidType(f"encode_model expects a ModelProto, got {type(model).__name__}")
    return encode_message(model)


def encode_tensor(tensor):
    """The serialized bytes of a :class:`TensorProto`."""
    if not isinstance(tensor, TensorProto):
        raise InvalidType(f"encode_tensor expects a TensorProto, got {type(tensor).__name__}")
    return encode_message(tensor)


# ---------------------------------------------------------------- TensorProto <-> rt.Tensor
ONNX_TO_RT = {1: rt.float32, 2: rt.uint8, 3: rt.int8, 5: rt.int16, 6: rt.int32, 7: rt.int64,
              9: rt.bool, 10: rt.float16, 11: rt.float64, 14: rt.complex64, 15: rt.complex128,
              16: rt.bfloat16, 4: rt.uint16, 12: rt.uint32, 13: rt.uint64,
              17: rt.float8_e4m3fn, 18: rt.float8_e4m3fnuz, 19: rt.float8_e5m2, 20: rt.float8_e5m2fnuz}
RT_TO_ONNX = {d: code for code, d in ONNX_TO_RT.items()}

# where values live when raw_data is absent: field name, array typecode of the element bytes,
# values per element.  float16/bfloat16 sit in int32_data as their 16-bit patterns.
_TYPED_FIELD = {1: ("float_data", "f", 1), 2: ("int32_data", "B", 1), 3: ("int32_data", "b", 1),
                5: ("int32_data", "h", 1), 6: ("int32_data", "i", 1), 7: ("int64_data", "q", 1),
                9: ("int32_data", "B", 1), 10: ("int32_data", "H", 1), 11: ("double_data", "d", 1),
                14: ("float_data", "f", 2), 15: ("double_data", "d", 2), 16: ("int32_data", "H", 1),
                4: ("int32_data", "H", 1), 12: ("uint64_data", "I", 1), 13: ("uint64_data", "Q", 1),
                17: ("int32_data", "B", 1), 18: ("int32_data", "B", 1), 19: ("int32_data", "B", 1),
                20: ("int32_data", "B", 1)}
assert array("i").itemsize == 4 and array("q").itemsize == 8


def _tensor_label(t):
    return f"tensor {t.name!r}" if t.name else "unnamed tensor"


def _element_count(t):
    n = 1
    for d in t.dims:
        if not isinstance(d, int) or isinstance(d, bool) or d < 0:
            raise FormatError(f"ONNX {_tensor_label(t)} has invalid dims {list(t.dims)}")
        n *= d
    return n


def tensor_to_rt(t, device=None, base_dir=None):
    """The rustorch Tensor a TensorProto holds (from raw_data, the typed fields, or an
    external file inside ``base_dir``).  Types rustorch lacks raise UnsupportedError."""
    code = t.data_type
    dtype = ONNX_TO_RT.get(code)
    label = _tensor_label(t)
    if dtype is None:
        name = DATA_TYPE_NAMES.get(code)
        if name is None or code == 0:
            raise FormatError(f"ONNX {label} has invalid data_type {code}")
        raise UnsupportedError(f"ONNX {label} has data type {name} ({code}), which rustorch has "
                               f"no dtype for")
    if t.HasField("segment"):
        raise UnsupportedError(f"ONNX {label} is a segment of a larger tensor (TensorProto.segment); "
                               "segmented tensors are not supported")
    dims = tuple(t.dims)
    n = _element_count(t)
    nbytes = n * dtype.itemsize
    if t.data_location == 1:
        raw = _read_external(t, base_dir, nbytes)
    elif t.data_location != 0:
        raise FormatError(f"ONNX {label} has invalid data_location {t.data_location}")
    else:
        raw = t.raw_data
    if raw:
        if len(raw) != nbytes:
            raise FormatError(f"ONNX {label}: dims {list(dims)} of {DATA_TYPE_NAMES[code]} need "
                              f"{nbytes} bytes, raw_data has {len(raw)}")
    elif n:
        raw = _typed_bytes(t, code, n, label)
    if n == 0:
        return rt.zeros(dims, dtype=dtype, device=device)
    if dtype is rt.bool:     # a byte other than 0/1 still means True
        out = rt.frombuffer(raw, dtype=rt.uint8, count=n, device=device) != 0
    else:
        out = rt.frombuffer(raw, dtype=dtype, count=n, device=device)
    return out.reshape(dims)


def _typed_bytes(t, code, n, label):
    """Little-endian element bytes from the typed value field for ``code``."""
    field, typecode, per = _TYPED_FIELD[code]
    values = getattr(t, field)
    if len(values) != n * per:
        raise FormatError(f"ONNX {label}: dims {list(t.dims)} need {n * per} values, {field} has "
                          f"{len(values)} (and raw_data is empty)")
    if code == 9:
        values = [1 if v else 0 for v in values]
    try:
        arr = array(typecode, values)
    except (OverflowError, TypeError) as e:
        raise FormatError(f"ONNX {label}: {field} holds a value out of range for "
                          f"{DATA_TYPE_NAMES[code]} ({e})") from None
    if not _LITTLE:
        arr.byteswap()
    return arr.tobytes()


def _read_external(t, base_dir, nbytes):
    """The bytes of an externally stored tensor, read only from inside ``base_dir``."""
    label = _tensor_label(t)
    info = {e.key: e.value for e in t.external_data}
    location = info.get("location", "")
    if base_dir is None:
        raise InvalidArgument(f"ONNX {label} keeps its data in the external file {location!r}; "
                              "load the model from a path (or pass base_dir) to read it")
    if not location:
        raise FormatError(f"ONNX {label} has data_location EXTERNAL but no 'location'")
    parts = location.replace("\\", "/").split("/")
    if (location.startswith(("/", "\\")) or os.path.isabs(location) or ".." in parts
            or (len(location) > 1 and location[1] == ":") or "\x00" in location):
        raise FormatError(f"ONNX {label}: external data location {location!r} must be a relative "
                          "path inside the model's directory")
    base = os.path.realpath(base_dir)
    path = os.path.realpath(os.path.join(base, *[p for p in parts if p not in ("", ".")]))
    if os.path.commonpath([base, path]) != base:
        raise FormatError(f"ONNX {label}: external data location {location!r} resolves outside "
                          f"{base_dir!r}")
    offset, length = (_external_int(info, key, label) for key in ("offset", "length"))
    offset = offset or 0
    if not os.path.isfile(path):
        raise DataNotFoundError(f"ONNX {label}: external data file {path!r} does not exist")
    size = os.path.getsize(path)
    if length is None:
        length = size - offset
    if offset + length > size or length < 0:
        raise FormatError(f"ONNX {label}: external data [{offset}, {offset + length}) lies outside "
                          f"{path!r} ({size} bytes)")
    if length != nbytes:
        raise FormatError(f"ONNX {label}: dims {list(t.dims)} need {nbytes} bytes, the external "
                          f"data holds {length}")
    with open(path, "rb") as fh:
        fh.seek(offset)
        raw = fh.read(length)
    if len(raw) != length:
        raise FormatError(f"ONNX {label}: could read only {len(raw)} of {length} bytes from {path!r}")
    return raw


def _external_int(info, key, label):
    text = info.get(key)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()):
        raise FormatError(f"ONNX {label}: external data {key} {text!r} is not a non-negative integer")
    return int(text)


def rt_to_tensor(t, name=""):
    """A TensorProto holding rustorch Tensor ``t`` (its elements in raw_data)."""
    if not isinstance(t, rt.Tensor):
        raise InvalidType(f"rt_to_tensor expects a rustorch Tensor, got {type(t).__name__}")
    code = RT_TO_ONNX.get(t.dtype)
    if code is None:
        raise UnsupportedError(f"rt_to_tensor: ONNX has no data type for {t.dtype}")
    out = TensorProto(dims=list(t.shape), data_type=code, raw_data=t.detach().to_bytes())
    if name:
        out.name = name
    return out
