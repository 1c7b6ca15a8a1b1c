"""Load pickled NumPy arrays (CIFAR batches) without NumPy and without running
any code from the file.

``pickle`` calls whatever global the file names. This unpickler admits only the
handful of globals NumPy's own pickles use and maps each to a harmless stand-in
that merely records shape, dtype and raw bytes; every other global is refused
with ``FormatError`` before anything is called. The records become rustorch
tensors through ``rt.frombuffer``.
"""
import array
import io
import pickle
import sys

import rustorch as rt
from rustorch._errors import FormatError

# numpy dtype string (without byte order) -> (rustorch dtype name, array typecode
# for byte swapping, itemsize)
_DTYPES = {
    "u1": ("uint8", None, 1), "i1": ("int8", None, 1), "b1": ("bool", None, 1),
    "i2": ("int16", "h", 2), "i4": ("int32", "i", 4), "i8": ("int64", "q", 8),
    "f2": ("float16", "H", 2), "f4": ("float32", "f", 4), "f8": ("float64", "d", 8),
}
_NAMED = {"uint8": "u1", "int8": "i1", "bool": "b1", "int16": "i2", "int32": "i4",
          "int64": "i8", "float16": "f2", "float32": "f4", "float64": "f8"}


class PickledDType:
    """Stand-in for ``numpy.dtype``: remembers the type string and byte order."""

    def __init__(self, spec, align=False, copy=False):
        if not isinstance(spec, str):
            raise FormatError(f"pickled numpy dtype has a non-string spec {spec!r}")
        self.byteorder = "="
        if spec[:1] in "<>|=":
            self.byteorder, spec = spec[0], spec[1:]
        self.spec = _NAMED.get(spec, spec)

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) > 1 and isinstance(state[1], str):
            self.byteorder = state[1]

    def resolve(self, source):
        if self.spec not in _DTYPES:
            raise FormatError(f"{source}: pickled array has dtype '{self.spec}', which "
                              f"rustorch cannot load (supported: {', '.join(_DTYPES)})")
        return _DTYPES[self.spec]


class PickledArray:
    """Stand-in for ``numpy.ndarray``: shape, dtype, order and raw bytes."""

    def __init__(self, *args, **kwargs):
        raise FormatError("pickle calls numpy.ndarray directly; refusing")

    @classmethod
    def _empty(cls):
        return object.__new__(cls)

    def __setstate__(self, state):
        # numpy's state: (version, shape, dtype, is_fortran, raw bytes or list)
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise FormatError(f"pickled ndarray has an unexpected state of "
                              f"{type(state).__name__}")
        shape, dtype, fortran, raw = state[-4:]
        self._set(shape, dtype, bool(fortran), raw)

    def _set(self, shape, dtype, fortran, raw):
        if not isinstance(dtype, PickledDType):
            raise FormatError("pickled ndarray has no numpy dtype")
        if (not isinstance(shape, tuple)
                or not all(isinstance(d, int) and d >= 0 for d in shape)):
            raise FormatError(f"pickled ndarray has an invalid shape {shape!r}")
        if isinstance(raw, str):  # Python 2 str loaded with encoding='latin1'
            raw = raw.encode("latin1")
        if not isinstance(raw, (bytes, bytearray)):
            raise FormatError(f"pickled ndarray holds {type(raw).__name__} instead of raw "
                              f"bytes (object arrays are not supported)")
        self.shape, self.dtype, self.fortran, self.raw = shape, dtype, fortran, raw

    def describe(self):
        spec = getattr(self.dtype, "spec", "?")
        name = _DTYPES.get(spec, (spec,))[0]
        return f"{name} of shape {list(getattr(self, 'shape', ()))}"

    def to_tensor(self, source="pickle"):
        if not hasattr(self, "raw"):
            raise FormatError(f"{source}: pickled ndarray was never given its data")
        name, typecode, itemsize = self.dtype.resolve(source)
        count = 1
        for d in self.shape:
            count *= d
        if len(self.raw) != count * itemsize:
            raise FormatError(f"{source}: pickled ndarray of shape {list(self.shape)} "
                              f"and dtype {name} needs {count * itemsize} bytes, "
                              f"has {len(self.raw)}")
        dtype = getattr(rt, name)
        if count == 0:
            return rt.zeros(*self.shape, dtype=dtype)
        payload = self.raw
        big = self.dtype.byteorder == ">" or (self.dtype.byteorder == "="
                                              and sys.byteorder == "big")
        if typecode is not None and big:  # frombuffer reads little-endian
            swapped = array.array(typecode)
            swapped.frombytes(payload)
            swapped.byteswap()
            payload = swapped
        flat = rt.frombuffer(payload, dtype=dtype)
        if self.fortran and len(self.shape) > 1:
            rev = tuple(reversed(self.shape))
            return flat.reshape(*rev).permute(*reversed(range(len(rev)))).contiguous()
        return flat.reshape(*self.shape)


def _reconstruct(cls, shape, typecode):
    if cls is not PickledArray:
        raise FormatError("pickle calls numpy _reconstruct with a class other than ndarray")
    return PickledArray._empty()


def _frombuffer(buf, dtype, shape, order):
    # numpy's pickle protocol 5 form: _frombuffer(buffer, dtype, shape, order)
    arr = PickledArray._empty()
    if isinstance(buf, pickle.PickleBuffer):
        buf = bytes(buf.raw())
    arr._set(tuple(shape) if isinstance(shape, list) else shape, dtype, order == "F",
             bytes(buf) if isinstance(buf, bytearray) else buf)
    return arr


def _codecs_encode(text, encoding="utf-8"):
    # Python 3 pickles bytes at protocol <= 2 as _codecs.encode(str, 'latin1').
    if not isinstance(text, str) or encoding != "latin1":
        raise FormatError(f"pickle calls _codecs.encode with {type(text).__name__}, "
                          f"{encoding!r}; only (str, 'latin1') is allowed")
    return text.encode("latin1")


def _empty_bytes(*args):
    # Protocol <= 2 pickles b"" as bytes().
    if args:
        raise FormatError("pickle calls bytes() with arguments; refusing")
    return b""


_ALLOWED = {}
for _mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_mod, "_reconstruct")] = _reconstruct
for _mod in ("numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_mod, "_frombuffer")] = _frombuffer
_ALLOWED[("numpy", "ndarray")] = PickledArray
_ALLOWED[("numpy", "dtype")] = PickledDType
_ALLOWED[("_codecs", "encode")] = _codecs_encode
_ALLOWED[("__builtin__", "bytes")] = _empty_bytes
_ALLOWED[("builtins", "bytes")] = _empty_bytes


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def __init__(self, file, source, encoding):
        super().__init__(file, encoding=encoding)
        self.source = source

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except (KeyError, TypeError):
            raise FormatError(f"{self.source}: pickle refers to global '{module}.{name}', "
                              f"which is not a NumPy array part; refusing to load it "
                              f"(nothing from the file was executed)") from None

    def persistent_load(self, pid):
        raise FormatError(f"{self.source}: pickle uses persistent ids; refusing")


def _to_tensors(obj, source):
    if isinstance(obj, PickledArray):
        return obj.to_tensor(source)
    if isinstance(obj, dict):
        return {k: _to_tensors(v, source) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_tensors(v, source) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_to_tensors(v, source) for v in obj)
    return obj


def safe_loads(data, source="pickle", encoding="latin1", tensors=True):
    """Unpickle ``data`` (bytes), admitting only NumPy arrays besides plain Python
    values; arrays come back as rustorch tensors (or, with ``tensors=False``, as
    ``PickledArray`` records, for callers that join raw bytes before copying).
    Anything else, or a truncated or corrupted stream, raises ``FormatError``
    naming ``source``."""
    try:
        obj = _ArrayOnlyUnpickler(io.BytesIO(data), source, encoding).load()
    except FormatError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, LookupError, UnicodeError, OverflowError,
            RecursionError, MemoryError, ImportError) as e:
        raise FormatError(f"{source}: not a valid pickle ({type(e).__name__}: {e})") from None
    return _to_tensors(obj, source) if tensors else obj


def safe_load(path, encoding="latin1", tensors=True):
    """``safe_loads`` of the file at ``path``."""
    with open(path, "rb") as f:
        data = f.read()
    return safe_loads(data, source=f"'{path}'", encoding=encoding, tensors=tensors)
