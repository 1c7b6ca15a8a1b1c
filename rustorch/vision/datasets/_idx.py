"""IDX files (the MNIST family's format): read and write, gzipped or not.

Layout: two zero bytes, a type byte, an ndim byte, ndim big-endian uint32 dims,
then the elements, big-endian, C order. Reading copies the payload once into a
tensor; nothing is allocated from the header's claims before the bytes exist.
"""
import array
import gzip as _gzip
import os
import struct
import zlib

import rustorch as rt
from rustorch._errors import FormatError, InvalidArgument, InvalidType

# type byte -> (rustorch dtype name, itemsize, array typecode for byte swapping)
_IDX_TYPES = {
    0x08: ("uint8", 1, None),
    0x09: ("int8", 1, None),
    0x0B: ("int16", 2, "h"),
    0x0C: ("int32", 4, "i"),
    0x0D: ("float32", 4, "f"),
    0x0E: ("float64", 8, "d"),
}
_CODE_OF_DTYPE = {name: code for code, (name, _, _) in _IDX_TYPES.items()}

# Refuse headers that claim more than this before reading anything: the largest
# real IDX files (EMNIST byclass) are under 1 GB.
MAX_IDX_BYTES = 1 << 34
_CHUNK = 1 << 24


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _open(path):
    # Decide by content, not by name: a renamed .gz still reads.
    return _gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


def _read_exact(stream, n, path, what):
    """Read n bytes in chunks so a lying header never makes us allocate more
    than the stream actually holds."""
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(min(_CHUNK, n - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    if got != n:
        raise FormatError(f"IDX file '{path}' is truncated: {what} needs {n} bytes, "
                          f"found {got}")
    return b"".join(chunks) if len(chunks) != 1 else chunks[0]


def read_idx_header(stream, path):
    """(dtype name, itemsize, typecode, dims) from the start of an IDX stream."""
    magic = stream.read(4)
    if len(magic) != 4:
        raise FormatError(f"IDX file '{path}' is truncated: header needs 4 bytes, "
                          f"found {len(magic)}")
    if magic[0] != 0 or magic[1] != 0:
        raise FormatError(f"'{path}' is not an IDX file: magic bytes {magic[:2].hex()} "
                          f"(expected 0000)")
    if magic[2] not in _IDX_TYPES:
        raise FormatError(f"IDX file '{path}' has unknown type byte 0x{magic[2]:02x} "
                          f"(expected one of 08, 09, 0b, 0c, 0d, 0e)")
    ndim = magic[3]
    if ndim == 0:
        raise FormatError(f"IDX file '{path}' declares 0 dimensions")
    name, itemsize, typecode = _IDX_TYPES[magic[2]]
    dims = struct.unpack(f">{ndim}I", _read_exact(stream, 4 * ndim, path, f"{ndim} dims"))
    return name, itemsize, typecode, dims


def read_idx(path):
    """Read an IDX file (``.gz`` or plain) into a tensor of its dtype and shape."""
    path = os.fspath(path)
    try:
        return _read_idx(path)
    except (EOFError, zlib.error, _gzip.BadGzipFile) as e:
        raise FormatError(f"IDX file '{path}' is a corrupt or truncated gzip stream: "
                          f"{e}") from None


def _read_idx(path):
    with _open(path) as stream:
        name, itemsize, typecode, dims = read_idx_header(stream, path)
        count = 1
        for d in dims:
            count *= d
        expected = count * itemsize
        if expected > MAX_IDX_BYTES:
            raise FormatError(f"IDX file '{path}' claims shape {list(dims)} of {name} "
                              f"({expected} bytes); refusing more than {MAX_IDX_BYTES}")
        header = 4 + 4 * len(dims)
        if isinstance(stream, _gzip.GzipFile):
            payload = _read_exact(stream, expected, path, f"shape {list(dims)} of {name}")
            extra = len(stream.read(_CHUNK))
            actual = expected + extra
        else:
            actual = os.fstat(stream.fileno()).st_size - header
            payload = stream.read(expected) if actual == expected else None
        if actual != expected:
            raise FormatError(f"IDX file '{path}' has {actual} data bytes, expected {expected} "
                              f"for shape {list(dims)} of {name}"
                              + (" (truncated)" if actual < expected else " (trailing bytes)"))
    dtype = getattr(rt, name)
    if count == 0:
        return rt.zeros(*dims, dtype=dtype)
    if typecode is not None:
        # IDX is big-endian; frombuffer reads little-endian.
        swapped = array.array(typecode)
        if swapped.itemsize != itemsize:
            raise FormatError(f"cannot decode {name} on this platform (array item size "
                              f"{swapped.itemsize})")
        swapped.frombytes(payload)
        swapped.byteswap()
        payload = swapped
    return rt.frombuffer(payload, dtype=dtype).reshape(*dims)


def _big_endian_bytes(tensor, name, typecode):
    raw = tensor.contiguous().to_bytes()      # little-endian
    if typecode is None:                      # one byte per element: no order to swap
        return raw
    arr = array.array(typecode)
    arr.frombytes(raw)
    arr.byteswap()
    return arr.tobytes()


def write_idx(path, tensor, gzip=False):
    """Write ``tensor`` (uint8, int8, int16, int32, float32 or float64, at least
    1-D) as an IDX file; ``gzip=True`` compresses it."""
    if not isinstance(tensor, rt.Tensor):
        raise InvalidType(f"write_idx() expects a Tensor, got {type(tensor).__name__}")
    name = str(tensor.dtype).rsplit(".", 1)[-1]
    if name not in _CODE_OF_DTYPE:
        raise InvalidType(f"write_idx(): IDX cannot hold dtype {tensor.dtype}; use one of "
                          f"{', '.join(_CODE_OF_DTYPE)}")
    shape = tuple(tensor.shape)
    if not 1 <= len(shape) <= 255:
        raise InvalidArgument(f"write_idx(): IDX needs 1 to 255 dims, got shape {list(shape)}")
    if any(d >= 1 << 32 for d in shape):
        raise InvalidArgument(f"write_idx(): dim too large for IDX in shape {list(shape)}")
    code = _CODE_OF_DTYPE[name]
    header = bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    body = _big_endian_bytes(tensor.detach().contiguous(), name, _IDX_TYPES[code][2])
    path = os.fspath(path)
    opener = _gzip.open if gzip else open
    with opener(path, "wb") as f:
        f.write(header)
        f.write(body)
    return path
