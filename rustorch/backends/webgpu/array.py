"""GPUArray: a strided view of a GPU buffer (shape, element strides, offset).

Views (``permute``, ``T``, basic slicing, ``broadcast_to``, ``reshape`` of a
contiguous array) share the buffer through one ``_Storage``; the storage gives
its buffer back to the pool when the last view is gone.  Host data moves only
through ``from_bytes`` / ``to_bytes``; reading is a sync point.
"""
import array as _pyarray

from ... import _dtype as dt
from ..._errors import InvalidArgument, InvalidType, IndexOutOfRange, ShapeError, shape_str
from .kernels import DTYPES, check_dtype


class _Storage:
    __slots__ = ("buffer", "dispatcher", "__weakref__")

    def __init__(self, dispatcher, nbytes, kernel_output=False):
        self.dispatcher = dispatcher
        self.buffer = dispatcher.alloc(max(nbytes, 4), kernel_output)

    def __del__(self):
        try:
            self.dispatcher.free(self.buffer)
        except Exception:   # interpreter shutdown: the device is going away anyway
            pass


def contiguous_strides(shape):
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= s
    return tuple(reversed(strides))


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


class GPUArray:
    __slots__ = ("storage", "dtype", "shape", "strides", "offset")

    def __init__(self, storage, dtype, shape, strides=None, offset=0):
        self.storage = storage
        self.dtype = dtype
        self.shape = tuple(shape)
        self.strides = contiguous_strides(self.shape) if strides is None else tuple(strides)
        self.offset = offset

    # ------------------------------------------------------------ creation
    @classmethod
    def empty(cls, dispatcher, shape, dtype, kernel_output=False):
        """Uninitialised.  ``kernel_output=True`` promises only a kernel writes it
        (the host never uploads into it), which lets it reuse buffers early."""
        check_dtype(dtype, dispatcher.adapter.features)
        shape = tuple(shape)
        if any((not isinstance(s, int)) or s < 0 for s in shape):
            raise InvalidArgument(f"invalid shape {shape}")
        nbytes = _numel(shape) * DTYPES[dtype][2]
        return cls(_Storage(dispatcher, nbytes, kernel_output), dtype, shape)

    @classmethod
    def from_bytes(cls, dispatcher, data, dtype, shape):
        """Little-endian host bytes (torch's layout: bool is 1 byte) -> a new array."""
        out = cls.empty(dispatcher, shape, dtype)
        data = memoryview(data).cast("B")
        expected = out.numel * dtype.itemsize
        if len(data) != expected:
            raise InvalidArgument(f"{len(data)} bytes given for shape {shape_str(out.shape)} "
                                  f"of {dtype} ({expected} bytes needed)")
        if dtype is dt.bool:   # one u32 per element on the GPU
            data = _pyarray.array("I", (1 if v else 0 for v in data)).tobytes()
        data = bytes(data)
        if len(data) % 4:
            data += b"\0" * (4 - len(data) % 4)
        if data:
            dispatcher.upload(out.storage.buffer, data)
        return out

    # ------------------------------------------------------------ properties
    @property
    def dispatcher(self):
        return self.storage.dispatcher

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def numel(self):
        return _numel(self.shape)

    def is_contiguous(self):
        return self.strides == contiguous_strides(self.shape) or self.numel <= 1

    def __repr__(self):
        return (f"GPUArray(shape={shape_str(self.shape)}, dtype={self.dtype}, "
                f"strides={self.strides}, offset={self.offset})")

    # ------------------------------------------------------------ views
    def _view(self, shape, strides, offset):
        return GPUArray(self.storage, self.dtype, shape, strides, offset)

    def permute(self, dims):
        dims = tuple(d % self.ndim if -self.ndim <= d < self.ndim else d for d in dims)
        if sorted(dims) != list(range(self.ndim)):
            raise InvalidArgument(f"permute dims {dims} are not a permutation of "
                                  f"{self.ndim} dims")
        return self._view([self.shape[d] for d in dims], [self.strides[d] for d in dims],
                          self.offset)

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self.ndim))))

    def broadcast_to(self, shape):
        shape = tuple(shape)
        lead = len(shape) - self.ndim
        if lead < 0:
            raise ShapeError(f"cannot broadcast {shape_str(self.shape)} to {shape_str(shape)}")
        strides = [0] * lead
        for size, have, stride in zip(shape[lead:], self.shape, self.strides):
            if have == size:
                strides.append(stride)
            elif have == 1:
                strides.append(0)
            else:
                raise ShapeError(f"cannot broadcast {shape_str(self.shape)} "
                                 f"to {shape_str(shape)}")
        return self._view(shape, strides, self.offset)

    def reshape_view(self, shape):
        """A reshaped view of a contiguous array (None if not contiguous)."""
        shape = tuple(shape)
        if _numel(shape) != self.numel:
            raise ShapeError(f"cannot reshape {shape_str(self.shape)} to {shape_str(shape)}")
        if not self.is_contiguous():
            return None
        return self._view(shape, None, self.offset)

    def __getitem__(self, key):
        """Basic indexing: ints and slices with positive steps."""
        if not isinstance(key, tuple):
            key = (key,)
        if len(key) > self.ndim:
            raise IndexOutOfRange(f"too many indices ({len(key)}) for a {self.ndim}-d array")
        shape, strides, offset = [], [], self.offset
        for dim, k in enumerate(key):
            size, stride = self.shape[dim], self.strides[dim]
            if isinstance(k, bool) or not isinstance(k, (int, slice)):
                raise InvalidType(f"GPUArray index must be int or slice, got {type(k).__name__}")
            if isinstance(k, int):
                if not -size <= k < size:
                    raise IndexOutOfRange(f"index {k} is out of range for dim {dim} "
                                          f"of size {size}")
                offset += (k % size) * stride
                continue
            start, stop, step = k.indices(size)
            if step <= 0:
                raise InvalidArgument("negative slice steps are not supported (use flip)")
            n = max(0, -(-(stop - start) // step))
            shape.append(n)
            strides.append(stride * step)
            offset += start * stride if n else 0
        shape += self.shape[len(key):]
        strides += self.strides[len(key):]
        return self._view(shape, strides, offset)

    # ------------------------------------------------------------ host
    def to_bytes(self):
        """C-ordered little-endian bytes (torch layout); a sync point."""
        from . import ops   # ops builds on this module
        src = self if self.is_contiguous() and self.offset == 0 else ops.contiguous(self)
        itemsize = DTYPES[self.dtype][2]
        n = self.numel * itemsize
        if n == 0:
            return b""
        raw = self.dispatcher.read(src.storage.buffer, 0, -(-n // 4) * 4)[:n]
        if self.dtype is dt.bool:
            return bytes(1 if v else 0 for v in memoryview(raw).cast("I"))
        return raw
