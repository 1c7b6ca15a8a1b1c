"""The safetensors file format in pure Python (no ``safetensors`` package needed).

Layout (https://huggingface.co/docs/safetensors): an 8-byte little-endian u64
``N``, then ``N`` bytes of UTF-8 JSON ``{name: {"dtype", "shape", "data_offsets":
[begin, end]}, "__metadata__": {str: str}}``, then the tensor bytes: C order,
little-endian, offsets relative to the start of the data, packed with no holes.

Everything read from a file is checked before it is trusted: a truncated,
corrupted or hostile file raises :class:`~rustorch.FormatError` naming what is
wrong, and no size taken from a file is used for an allocation before it has
been checked against the file's real length.

``C128`` (complex128) is a rustorch extension: the format has no such dtype,
so other readers will reject a file holding one.
"""
import json
import os
import struct

import rustorch as rt
from rustorch._errors import (DataNotFoundError, FormatError, InvalidArgument, InvalidType,
                              UnsupportedError)

__all__ = ["save", "save_file", "load", "load_file", "safe_open", "tensor_to_bytes",
           "MissingTensorError"]

# the official reader's limit; a larger header is a corrupt or hostile file
MAX_HEADER_SIZE = 100_000_000

_CODE_OF = {rt.float64: "F64", rt.float32: "F32", rt.float16: "F16", rt.bfloat16: "BF16",
            rt.int64: "I64", rt.int32: "I32", rt.int16: "I16", rt.int8: "I8", rt.uint8: "U8",
            rt.bool: "BOOL", rt.complex64: "C64", rt.complex128: "C128"}
_DTYPE_OF = {code: d for d, code in _CODE_OF.items()}
# valid safetensors dtypes that rustorch has no dtype for
_KNOWN_UNSUPPORTED = frozenset({"U16", "U32", "U64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3",
                                "F6_E3M2", "F4", "E8M0"})

class MissingTensorError(InvalidArgument, KeyError):
    """``get_tensor(name)`` for a name the file does not hold."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


# ---------------------------------------------------------------- tensor <-> bytes
def tensor_to_bytes(t):
    """A tensor's elements as little-endian bytes in C order."""
    if not isinstance(t, rt.Tensor):
        raise InvalidType(f"expected a rustorch Tensor, got {type(t).__name__}")
    return t.detach().to_bytes()


def _tensor_from_bytes(buf, offset, dtype, shape, device):
    n = 1
    for s in shape:
        n *= s
    if n == 0:  # frombuffer refuses count=0
        return rt.zeros(tuple(shape), dtype=dtype, device=device)
    return rt.frombuffer(buf, dtype=dtype, count=n, offset=offset, device=device).reshape(tuple(shape))


# ---------------------------------------------------------------- writing
def _check_inputs(tensors, metadata):
    if not isinstance(tensors, dict):
        raise InvalidType(f"safetensors.save expects a dict of name -> Tensor, got "
                          f"{type(tensors).__name__}")
    for name, t in tensors.items():
        if not isinstance(name, str) or not name:
            raise InvalidType(f"tensor names must be non-empty strings, got {name!r}")
        if name == "__metadata__":
            raise InvalidArgument("'__metadata__' is reserved and cannot name a tensor")
        if not isinstance(t, rt.Tensor):
            raise InvalidType(f"tensors[{name!r}] must be a rustorch Tensor, got {type(t).__name__}")
        if t.dtype not in _CODE_OF:
            raise UnsupportedError(f"tensors[{name!r}] has dtype {t.dtype}, which safetensors "
                                   "cannot store")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise InvalidType(f"metadata must be a dict of str -> str, got {type(metadata).__name__}")
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise InvalidType(f"metadata must map str -> str, got {k!r}: {type(v).__name__}")


def _serialize(tensors, metadata):
    """(header bytes including the 8-byte size, list of data chunks)."""
    _check_inputs(tensors, metadata)
    # larger elements first keeps every tensor aligned to its itemsize
    names = sorted(tensors, key=lambda k: (-tensors[k].dtype.itemsize, k))
    header, chunks, pos = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(metadata)
    for name in names:
        t = tensors[name]
        raw = tensor_to_bytes(t)
        header[name] = {"dtype": _CODE_OF[t.dtype], "shape": list(t.shape),
                        "data_offsets": [pos, pos + len(raw)]}
        chunks.append(raw)
        pos += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data then starts 8-byte aligned
    return struct.pack("<Q", len(text)) + text, chunks


def save(tensors, metadata=None):
    """Serialize ``{name: Tensor}`` (and optional ``{str: str}`` metadata) to bytes."""
    head, chunks = _serialize(tensors, metadata)
    return head + b"".join(chunks)


def save_file(tensors, filename, metadata=None):
    """Write ``{name: Tensor}`` to ``filename`` in safetensors format."""
    head, chunks = _serialize(tensors, metadata)
    with open(filename, "wb") as f:
        f.write(head)
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------- reading
def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _parse_header(prefix, file_size, where):
    """Check the 8-byte header length against the file size; returns it."""
    if file_size < 8:
        raise FormatError(f"{where}: {file_size} bytes is too short for a safetensors file "
                          "(the 8-byte header length is missing)")
    n = struct.unpack("<Q", bytes(prefix[:8]))[0]
    if n > MAX_HEADER_SIZE:
        raise FormatError(f"{where}: header length {n} bytes is absurd (limit {MAX_HEADER_SIZE}); "
                          "the file is corrupt or not safetensors")
    if n > file_size - 8:
        raise FormatError(f"{where}: header length {n} bytes is larger than the file "
                          f"({file_size} bytes); the file is truncated or corrupt")
    return n


def _parse_entries(raw_header, data_len, where):
    """Validate the JSON header: ({name: (dtype, shape, begin, end)}, metadata or None)."""
    try:
        text = bytes(raw_header).decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{where}: header is not valid UTF-8 ({e})") from None
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except RecursionError:
        raise FormatError(f"{where}: header JSON is nested too deeply") from None
    except ValueError as e:
        raise FormatError(f"{where}: header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise FormatError(f"{where}: header must be a JSON object, got {type(header).__name__}")
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise FormatError(f"{where}: __metadata__ must be an object of strings, got "
                              f"{type(metadata).__name__}")
        for k, v in metadata.items():
            if not isinstance(v, str):
                raise FormatError(f"{where}: __metadata__[{k!r}] must be a string, got "
                                  f"{type(v).__name__}")
    entries = {}
    for name, info in header.items():
        if not isinstance(info, dict):
            raise FormatError(f"{where}: entry {name!r} must be an object, got {type(info).__name__}")
        missing = [k for k in ("dtype", "shape", "data_offsets") if k not in info]
        if missing:
            raise FormatError(f"{where}: entry {name!r} lacks {', '.join(missing)}")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if not isinstance(code, str) or (code not in _DTYPE_OF and code not in _KNOWN_UNSUPPORTED):
            raise FormatError(f"{where}: entry {name!r} has unknown dtype {code!r}; known: "
                              + ", ".join(sorted(_DTYPE_OF)))
        if not isinstance(shape, list) or not all(_is_count(s) for s in shape):
            raise FormatError(f"{where}: entry {name!r} has shape {shape!r}; expected a list of "
                              "non-negative integers")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(_is_count(o) for o in offsets) or offsets[0] > offsets[1]):
            raise FormatError(f"{where}: entry {name!r} has data_offsets {offsets!r}; expected "
                              "[begin, end] with 0 <= begin <= end")
        begin, end = offsets
        if end > data_len:
            raise FormatError(f"{where}: entry {name!r} has data_offsets [{begin}, {end}] beyond "
                              f"the data section ({data_len} bytes); the file is truncated")
        if code in _KNOWN_UNSUPPORTED:
            raise UnsupportedError(f"{where}: entry {name!r} has dtype {code}, which rustorch has "
                                   "no dtype for")
        dtype = _DTYPE_OF[code]
        numel = 1
        for s in shape:
            numel *= s
        if numel * dtype.itemsize != end - begin:
            raise FormatError(f"{where}: entry {name!r} of dtype {code} and shape {shape} needs "
                              f"{numel * dtype.itemsize} bytes but data_offsets [{begin}, {end}] "
                              f"span {end - begin}")
        entries[name] = (dtype, tuple(shape), begin, end)
    # tensors must tile the data section exactly: no overlap, no hole, no tail
    pos, prev = 0, None
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if begin != pos:
            what = "overlaps" if begin < pos else "leaves a hole after"
            raise FormatError(f"{where}: entry {name!r} at data_offsets [{begin}, {end}] {what} "
                              f"{'the start of the data' if prev is None else repr(prev)} "
                              f"(expected begin {pos})")
        pos, prev = end, name
    if pos != data_len:
        raise FormatError(f"{where}: the tensors cover {pos} bytes but the data section has "
                          f"{data_len} bytes")
    return entries, metadata


def load(data, device="cpu"):
    """``{name: Tensor}`` from safetensors bytes."""
    try:
        view = memoryview(data).cast("B")
    except TypeError:
        raise InvalidType(f"load expects a bytes-like object, got {type(data).__name__}") from None
    where = "safetensors bytes"
    n = _parse_header(view, len(view), where)
    entries, _ = _parse_entries(view[8:8 + n], len(view) - 8 - n, where)
    start = 8 + n
    return {name: _tensor_from_bytes(view, start + b, d, s, device)
            for name, (d, s, b, _e) in entries.items()}


class safe_open:
    """Lazy reader: ``with safe_open(path) as f: f.get_tensor(name)`` reads only
    that tensor's bytes from the file."""

    def __init__(self, filename, framework="rt", device="cpu"):
        if framework not in ("rt", "rustorch"):
            raise InvalidArgument(f"safe_open framework {framework!r} is not supported here; use "
                                  "'rt' (rustorch tensors)")
        self._path = os.fspath(filename)
        self._device = device
        try:
            self._file = open(self._path, "rb")
        except FileNotFoundError:
            raise DataNotFoundError(f"no such safetensors file: {self._path!r}") from None
        try:
            size = os.fstat(self._file.fileno()).st_size
            n = _parse_header(self._file.read(8), size, self._path)
            raw = self._file.read(n)
            if len(raw) != n:
                raise FormatError(f"{self._path}: file shrank while reading its header")
            self._entries, self._metadata = _parse_entries(raw, size - 8 - n, self._path)
            self._start = 8 + n
        except BaseException:
            self._file.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        self._file.close()

    def keys(self):
        return sorted(self._entries)

    def metadata(self):
        return None if self._metadata is None else dict(self._metadata)

    def get_tensor(self, name):
        if name not in self._entries:
            raise MissingTensorError(f"{self._path}: no tensor named {name!r}; the file holds "
                                     f"{self.keys()}")
        if self._file.closed:
            raise InvalidArgument(f"{self._path}: the file is closed (use get_tensor inside the "
                                  "'with safe_open(...)' block)")
        dtype, shape, begin, end = self._entries[name]
        self._file.seek(self._start + begin)
        raw = self._file.read(end - begin)
        if len(raw) != end - begin:
            raise FormatError(f"{self._path}: tensor {name!r} is truncated (read {len(raw)} of "
                              f"{end - begin} bytes)")
        return _tensor_from_bytes(raw, 0, dtype, shape, self._device)


def load_file(filename, device="cpu"):
    """``{name: Tensor}`` from a safetensors file."""
    with safe_open(filename, device=device) as f:
        return {name: f.get_tensor(name) for name in f.keys()}
