"""The ``cpu`` device on NumPy: the namespace is NumPy itself (its 2.x array-API
names); only the required methods and a few fast extensions live here."""
import numpy as np

from .. import _dtype as dt
from .._errors import UnsupportedError
from .contract import Backend, Capabilities

try:  # bfloat16 arrays for NumPy come from ml_dtypes when it is installed
    from ml_dtypes import bfloat16 as _np_bf16
except ImportError:  # pragma: no cover - depends on the environment
    _np_bf16 = None

_TO_NP = {
    dt.bool: np.dtype(np.bool_), dt.uint8: np.dtype(np.uint8), dt.int8: np.dtype(np.int8),
    dt.int16: np.dtype(np.int16), dt.int32: np.dtype(np.int32), dt.int64: np.dtype(np.int64),
    dt.float16: np.dtype(np.float16), dt.float32: np.dtype(np.float32),
    dt.float64: np.dtype(np.float64), dt.complex64: np.dtype(np.complex64),
    dt.complex128: np.dtype(np.complex128),
}
if _np_bf16 is not None:
    _TO_NP[dt.bfloat16] = np.dtype(_np_bf16)
_FROM_NP = {v: k for k, v in _TO_NP.items()}


class NumpyBackend(Backend):
    name = "cpu"
    xp = np
    array_type = np.ndarray
    caps = Capabilities(_TO_NP.keys(), max_ndim=64,
                        notes="" if _np_bf16 is not None else "bfloat16 needs ml_dtypes")

    # ---------------------------------------------------------- required
    def to_native_dtype(self, dtype):
        try:
            return _TO_NP[dtype]
        except KeyError:
            raise UnsupportedError(f"dtype {dtype} is not supported on device 'cpu' "
                                   "(bfloat16 needs the ml_dtypes package)") from None

    def dtype_of(self, x):
        return _FROM_NP[x.dtype]

    def from_host(self, obj, dtype):
        return np.array(obj, dtype=self.to_native_dtype(dtype))

    def from_buffer(self, buf, dtype, shape):
        npdt = self.to_native_dtype(dtype).newbyteorder("<")
        return np.frombuffer(buf, dtype=npdt).astype(npdt.newbyteorder("="), copy=True).reshape(shape)

    def to_list(self, x):
        if x.dtype == _TO_NP.get(dt.bfloat16):
            x = x.astype(np.float32)
        return x.tolist()

    def to_numpy(self, x):
        return x

    def is_exclusive(self, x):
        # nobody else holds this buffer: safe to keep it as a leaf's .grad
        import sys
        return x.base is None and x.flags.writeable and sys.getrefcount(x) <= 3

    def storage_offset(self, x):
        base = x
        while isinstance(base.base, np.ndarray):
            base = base.base
        if base is x:
            return 0
        return (x.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // x.itemsize

    def element_strides(self, x):
        isz = x.itemsize
        return tuple(s // isz for s in x.strides)

    def copy_into(self, dst, src):
        np.copyto(dst, src, casting="unsafe")

    def to_bytes(self, x):
        return np.ascontiguousarray(x).astype(x.dtype.newbyteorder("<"), copy=False).tobytes()

    # ---------------------------------------------------------- fast extensions
    def view_reshape(self, x, shape):
        v = x.view()
        try:
            v.shape = shape
        except AttributeError:  # strides do not allow a view
            return None
        return v

    def diagonal_view(self, x, offset, axis1, axis2):
        return np.diagonal(x, offset, axis1, axis2)

    def as_strided(self, x, shape, strides, offset):
        base = x
        while isinstance(base.base, np.ndarray):
            base = base.base
        start = self.storage_offset(x) + offset if base is not x else offset
        isz = x.itemsize
        flat = np.lib.stride_tricks.as_strided(base, shape=(base.size,), strides=(isz,)) \
            if base.flags.c_contiguous else base.reshape(-1)
        need = start + sum((n - 1) * s for n, s in zip(shape, strides) if n > 0) + 1
        if any(n == 0 for n in shape):
            need = 0
        if need > flat.size or start < 0 or any(s < 0 for s in strides):
            from .._errors import ShapeError
            raise ShapeError(f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage "
                             f"offset {offset} require {need} elements but the storage has {flat.size}")
        return np.lib.stride_tricks.as_strided(flat[start:], shape=shape,
                                               strides=tuple(s * isz for s in strides))

    def index_put(self, x, key, values, accumulate):
        if accumulate:
            np.add.at(x, key, values)
        else:
            x[key] = values

    def special(self, name, x):
        try:
            import scipy.special as sp
        except ImportError:
            return super().special(name, x)
        fn = {"erf": sp.erf, "erfc": sp.erfc, "erfinv": sp.erfinv, "lgamma": sp.gammaln,
              "digamma": sp.digamma, "polygamma1": lambda a: sp.polygamma(1, a)}[name]
        return fn(x).astype(x.dtype, copy=False)

    def sigmoid(self, x):
        with np.errstate(over="ignore"):
            return (1 / (1 + np.exp(-x))).astype(x.dtype, copy=False)

    def einsum(self, equation, *operands):
        return np.einsum(equation, *operands, optimize=len(operands) > 2)

    def scatter_add(self, x, axis, index, src):
        out = x.copy()
        idx = list(np.indices(index.shape, sparse=True))
        idx[axis] = index
        np.add.at(out, tuple(idx), src[tuple(slice(0, k) for k in index.shape)])
        return out

    def scatter(self, x, axis, index, src):
        out = x.copy()
        np.put_along_axis(out, index, src[tuple(slice(0, k) for k in index.shape)], axis=axis)
        return out

