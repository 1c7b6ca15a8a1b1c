"""The ``python`` device: pure-Python storage and kernels, no third-party
package.  This is what runs in a browser without NumPy, and what ``cpu``
means where NumPy is absent."""
import array
import struct

from .. import _dtype as dt
from .._errors import UnsupportedError
from . import pyarray as pa
from .contract import Backend, Capabilities
from .pyarray import _dtypes as D
from .pyarray import _elementwise as _ew
from .pyarray import _linalg, _reductions as _red
from .pyarray._core import PyArray, from_list

_TO_PA = {
    dt.bool: pa.bool, dt.uint8: pa.uint8, dt.int8: pa.int8, dt.int16: pa.int16,
    dt.uint16: pa.uint16, dt.uint32: pa.uint32, dt.uint64: pa.uint64,
    dt.float8_e4m3fn: pa.float8_e4m3fn, dt.float8_e5m2: pa.float8_e5m2,
    dt.float8_e4m3fnuz: pa.float8_e4m3fnuz, dt.float8_e5m2fnuz: pa.float8_e5m2fnuz,
    dt.int32: pa.int32, dt.int64: pa.int64, dt.float16: pa.float16, dt.bfloat16: pa.bfloat16,
    dt.float32: pa.float32, dt.float64: pa.float64, dt.complex64: pa.complex64,
    dt.complex128: pa.complex128,
}
_FROM_PA = {v: k for k, v in _TO_PA.items()}
_STRUCT = {"bool": "?", "uint8": "B", "int8": "b", "int16": "h", "int32": "i", "int64": "q",
           "uint16": "H", "uint32": "I", "uint64": "Q",
           "float16": "e", "float32": "f", "float64": "d"}


class PythonBackend(Backend):
    name = "python"
    xp = pa
    array_type = PyArray
    caps = Capabilities(_TO_PA.keys(), max_ndim=64)

    # ---------------------------------------------------------- required
    def to_native_dtype(self, dtype):
        try:
            return _TO_PA[dtype]
        except KeyError:
            raise UnsupportedError(f"dtype {dtype} is not supported on device '{self.name}'") from None

    def dtype_of(self, x):
        return _FROM_PA[x.dtype]

    def from_host(self, obj, dtype):
        if dtype in dt.FLOAT8:      # through float32, saturating e4m3fn like torch's casts
            arr = pa.asarray(obj, dtype=pa.float32)
            if dtype is dt.float8_e4m3fn:
                arr = pa.clip(arr, -448.0, 448.0)
            return pa.astype(arr, _TO_PA[dtype])
        return pa.asarray(obj, dtype=_TO_PA[dtype])

    def from_buffer(self, buf, dtype, shape):
        n = 1
        for s in shape:
            n *= s
        d = _TO_PA[dtype]
        raw = bytes(buf)
        if d is pa.bfloat16:
            vals = D._from_bf16_bits(array.array("H", raw[:2 * n]))
        elif d in D.FLOAT8:
            vals = D.read(array.array("B", raw[:n]), d, 0, n)
        elif d.kind == "c":
            flat = struct.unpack(f"<{2 * n}{'f' if d is pa.complex64 else 'd'}", raw)
            vals = [complex(flat[2 * i], flat[2 * i + 1]) for i in range(n)]
        else:
            vals = list(struct.unpack(f"<{n}{_STRUCT[d.name]}", raw))
        return from_list(vals, tuple(shape), d)

    def to_bytes(self, x):
        d = x.dtype
        vals = x.values()
        if d is pa.bfloat16:
            return D._to_bf16_bits(vals).tobytes()
        if d in D.FLOAT8:
            return D.storage_from(vals, d).tobytes()
        if d.kind == "c":
            flat = [p for v in vals for p in (v.real, v.imag)]
            return struct.pack(f"<{len(flat)}{'f' if d is pa.complex64 else 'd'}", *flat)
        return struct.pack(f"<{len(vals)}{_STRUCT[d.name]}", *vals)

    def to_list(self, x):
        return x.tolist()

    def element_strides(self, x):
        return x.strides

    def storage_offset(self, x):
        return x.offset

    def copy_into(self, dst, src):
        vals = src.values() if isinstance(src, PyArray) else [src]
        if isinstance(src, PyArray) and src.shape != dst.shape:
            vals = pa.broadcast_to(src, dst.shape).values()
        elif not isinstance(src, PyArray):
            vals = vals * dst.size
        if not dst.writeable:
            raise ValueError("assignment destination is read-only")
        kind = src.dtype.kind if isinstance(src, PyArray) else None
        dst.assign(vals, "i" if kind == "u" else kind)

    def view_reshape(self, x, shape):
        from .pyarray._core import reshape_view
        return reshape_view(x, shape)

    def diagonal_view(self, x, offset, axis1, axis2):
        from .pyarray._core import diagonal_view
        return diagonal_view(x, offset, axis1, axis2)

    def as_strided(self, x, shape, strides, offset):
        from .pyarray._core import as_strided
        root = x if x.base is None else x.base
        offset = x.offset + offset   # the contract's offset counts from x's first element
        need = offset + sum((n - 1) * s for n, s in zip(shape, strides) if n > 0) + 1
        cap = len(root.buf) // (2 if root.dtype.kind == "c" else 1)
        if any(n == 0 for n in shape):
            need = 0
        if need > cap or offset < 0 or any(s < 0 for s in strides):
            from .._errors import ShapeError
            raise ShapeError(f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage "
                             f"offset {offset} require {need} elements but the storage has {cap}")
        return as_strided(x, shape, strides, offset)

    def is_writable(self, x):
        return x.writeable

    def is_exclusive(self, x):
        import sys
        return x.base is None and x.writeable and sys.getrefcount(x) <= 3

    # ---------------------------------------------------------- fast extensions
    def sigmoid(self, x):
        r = _ew.sigmoid_kernel(x)
        return super().sigmoid(x) if r is None else r

    def mask_zero(self, x, keep):
        return _ew.mask_zero_kernel(x, keep)

    def special(self, name, x):
        r = _ew.special_kernel(name, x)  # erf, erfc, lgamma; the rest composed
        return super().special(name, x) if r is None else r

    def index_put(self, x, key, values, accumulate):
        if accumulate:
            from .pyarray._indexing import add_at
            add_at(x, key, values)
        else:
            x[key] = values

    def random_bits(self, seed, offset, n):
        from .pyarray._random import philox_words
        return PyArray(philox_words(seed, offset, n), pa.uint32, (n,))

    def matmul(self, a, b):
        return _linalg.matmul(a, b)

    def logsumexp(self, x, axis, keepdims):
        if x.dtype.kind != "f":
            return super().logsumexp(x, axis, keepdims)
        return _red.logsumexp(x, axis, keepdims)

    def softmax(self, x, axis):
        if x.dtype.kind != "f":
            return super().softmax(x, axis)
        return _red.softmax(x, axis)

    def log_softmax(self, x, axis):
        if x.dtype.kind != "f":
            return super().log_softmax(x, axis)
        return _red.softmax(x, axis, log=True)

    def einsum(self, equation, *operands):
        r = _linalg.einsum(equation, operands)
        return super().einsum(equation, *operands) if r is None else r
