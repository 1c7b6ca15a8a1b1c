"""GPUArray: a strided view of a GPU buffer (shape, element strides, offset).

Views (``permute``, ``T``, basic slicing, ``broadcast_to``, ``reshape`` of a
contiguous array) share the buffer through one ``_Storage``; the storage gives
its buffer back to the pool when the last view is gone.  Host data moves only
through ``from_bytes`` / ``to_bytes``; reading is a sync point.
"""
import array as _pyarray

from ... import _dtype as dt
from ..._errors import UnsupportedError, InvalidArgument, InvalidType, IndexOutOfRange, ShapeError, shape_str
from .kernels import DTYPES, check_dtype


# host typecode of dtypes held in a 32-bit GPU word (kernels.STORED_AS)
_WIDEN = {dt.int64: "q", dt.int16: "h", dt.int8: "b", dt.uint8: "B"}
_INT32_MIN, _INT32_MAX = -(1 << 31), (1 << 31) - 1


def _widen(data, dtype):
    """Host elements of a narrow or 64-bit int dtype -> 32-bit GPU words.
    int64 values must fit int32: nothing is silently truncated."""
    vals = _pyarray.array(_WIDEN[dtype])
    vals.frombytes(bytes(data))
    if dtype is dt.int64 and vals and (min(vals) < _INT32_MIN or max(vals) > _INT32_MAX):
        bad = next(v for v in vals if not _INT32_MIN <= v <= _INT32_MAX)
        raise UnsupportedError(
            f"dtype int64 value {bad} is not supported on device 'webgpu': its int64 "
            f"tensors hold int32's range [{_INT32_MIN}, {_INT32_MAX}] (WGSL has no "
            f"64-bit integers)")
    return _pyarray.array("I" if dtype is dt.uint8 else "i", vals).tobytes()


def _narrow(raw, dtype):
    words = memoryview(raw).cast("I" if dtype is dt.uint8 else "i")
    return _pyarray.array(_WIDEN[dtype], words).tobytes()


def builtins_sum(it):
    total = 0
    for v in it:
        total += v
    return total


def _is_basic(key):
    """Ints, slices, None and Ellipsis only (views, no gather)."""
    parts = key if isinstance(key, tuple) else (key,)
    for k in parts:
        if k is None or k is Ellipsis or isinstance(k, slice):
            continue
        if isinstance(k, int) and not isinstance(k, bool):
            continue
        return False
    return True


class _Storage:
    """Owns one pool buffer.  The dispatcher's ``live`` set also holds the buffer:
    if a storage dies inside a garbage cycle (a traceback's frames, say), the
    buffer is then still reachable, so the collector cannot finalize (release)
    it before ``__del__`` hands it back to the pool."""
    __slots__ = ("buffer", "dispatcher", "__weakref__")

    def __init__(self, dispatcher, nbytes, kernel_output=False):
        self.dispatcher = dispatcher
        self.buffer = dispatcher.alloc(max(nbytes, 4), kernel_output)
        dispatcher.live.add(self.buffer)

    def __del__(self):
        try:
            self.dispatcher.live.discard(self.buffer)
            self.dispatcher.free(self.buffer)
        except Exception:   # interpreter shutdown: the device is going away anyway
            pass


class _WindowStorage:
    """A byte range of another storage (kept alive), bound as a BufferWindow."""
    __slots__ = ("parent", "buffer", "dispatcher", "__weakref__")

    def __init__(self, parent, byte_offset, nbytes):
        from .adapter import BufferWindow
        self.parent = parent
        self.dispatcher = parent.dispatcher
        self.buffer = BufferWindow(parent.buffer, byte_offset, nbytes)


WINDOW_ALIGN = 256   # minStorageBufferOffsetAlignment


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
        elif dtype in _WIDEN:
            data = _widen(data, dtype)
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
        """A reshaped view sharing the buffer (None if the strides do not allow one)."""
        shape = tuple(shape)
        if _numel(shape) != self.numel:
            raise ShapeError(f"cannot reshape {shape_str(self.shape)} to {shape_str(shape)}")
        if self.is_contiguous():
            return self._view(shape, None, self.offset)
        from ..pyarray._core import compute_view_strides
        strides = compute_view_strides(self.shape, self.strides, shape)
        return None if strides is None else self._view(shape, strides, self.offset)

    def basic_view(self, key):
        """Basic indexing as a view: ints, slices (any step), None and Ellipsis."""
        if not isinstance(key, tuple):
            key = (key,)
        n_ell = builtins_sum(1 for k in key if k is Ellipsis)
        if n_ell > 1:
            raise IndexOutOfRange("an index can only have a single ellipsis ('...')")
        n_real = builtins_sum(1 for k in key if k is not None and k is not Ellipsis)
        if n_real > self.ndim:
            raise IndexOutOfRange(f"too many indices for array: array is {self.ndim}-"
                                  f"dimensional, but {n_real} were indexed")
        if n_ell:
            i = key.index(Ellipsis)
            key = key[:i] + (slice(None),) * (self.ndim - n_real) + key[i + 1:]
        shape, strides, offset = [], [], self.offset
        dim = 0
        for k in key:
            if k is None:
                shape.append(1)
                strides.append(0)
                continue
            size, stride = self.shape[dim], self.strides[dim]
            if isinstance(k, bool) or not isinstance(k, (int, slice)):
                raise InvalidType(f"GPUArray index must be int or slice, got {type(k).__name__}")
            dim += 1
            if isinstance(k, int):
                if not -size <= k < size:
                    raise IndexOutOfRange(f"index {k} is out of bounds for axis {dim - 1} "
                                          f"with size {size}")
                offset += (k % size) * stride
                continue
            start, stop, step = k.indices(size)
            n = len(range(start, stop, step))
            shape.append(n)
            strides.append(stride * step)
            offset += start * stride if n else 0
        shape += self.shape[dim:]
        strides += self.strides[dim:]
        return self._view(shape, strides, offset)

    def __getitem__(self, key):
        if _is_basic(key):
            return self.basic_view(key)
        from . import index_ops
        return index_ops.getitem(self, key)

    def __setitem__(self, key, value):
        from . import index_ops
        index_ops.setitem(self, key, value)

    # ------------------------------------------------------------ python protocol
    @property
    def size(self):
        return self.numel

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def item(self):
        if self.numel != 1:
            raise InvalidArgument(f"item() needs one element, the array has {self.numel}")
        from . import host
        hb = host.host_backend()
        return hb.to_list(hb.xp.reshape(host.to_host(self), ()))

    def __bool__(self):
        if self.numel != 1:
            raise ValueError("The truth value of an array with more than one element is ambiguous")
        return bool(self.item())

    def __int__(self):
        return int(self.item())

    def __float__(self):
        return float(self.item())

    def __index__(self):
        if self.dtype.category != 1 and self.dtype is not dt.bool:
            raise TypeError("only integer arrays can be converted to an index")
        return int(self.item())

    def is_big(self):
        """Whether the buffer exceeds one binding (kernels must take it in windows)."""
        return self.storage.buffer.size > self.dispatcher.adapter.limits.max_binding_size

    def extent(self):
        """(lowest, highest) element index this view touches."""
        lo = hi = self.offset
        for n, st in zip(self.shape, self.strides):
            if n > 1:
                if st > 0:
                    hi += (n - 1) * st
                else:
                    lo += (n - 1) * st
        return lo, hi

    def bindable(self):
        """This view, bound through a window around its extent when its buffer is
        larger than one binding; None when even the extent is too large."""
        if not self.is_big():
            return self
        if self.numel == 0:
            return GPUArray(self.storage, self.dtype, self.shape, self.strides, 0)
        lo, hi = self.extent()
        item = DTYPES[self.dtype][2]
        base = lo * item - (lo * item) % WINDOW_ALIGN
        size = -(-((hi + 1) * item - base) // 16) * 16   # vec4 bindings need 16
        if size > self.dispatcher.adapter.limits.max_binding_size:
            return None
        st = _WindowStorage(self.storage, base, size)
        return GPUArray(st, self.dtype, self.shape, self.strides, self.offset - base // item)

    def window(self, start, n):
        """Elements [start, start + n) of a contiguous array as a 1-D array bound
        through a BufferWindow (at most one binding)."""
        item = DTYPES[self.dtype][2]
        first = (self.offset + start) * item
        base = first - first % WINDOW_ALIGN
        size = -(-(first + n * item - base) // 16) * 16   # vec4 bindings need 16
        st = _WindowStorage(self.storage, base, size)
        return GPUArray(st, self.dtype, (n,), (1,), (first - base) // item)

    # ------------------------------------------------------------ host
    def _read_range(self):
        """(buffer, byte offset, bytes) holding this view's elements in C order."""
        from . import ops   # ops builds on this module
        src = self if self.is_contiguous() and self.offset == 0 else ops.contiguous_any(self)
        n = self.numel * DTYPES[self.dtype][2]
        buf, base = src.storage.buffer, 0
        from .adapter import BufferWindow
        if isinstance(buf, BufferWindow):
            buf, base = buf.buffer, buf.offset
        return buf, base, n, src

    def _decode(self, raw, n):
        raw = raw[:n]
        if self.dtype is dt.bool:
            return bytes(1 if v else 0 for v in memoryview(raw).cast("I"))
        if self.dtype in _WIDEN:
            return _narrow(raw, self.dtype)
        return raw

    def to_bytes(self):
        """C-ordered little-endian bytes (torch layout); a sync point."""
        buf, base, n, _src = self._read_range()
        if n == 0:
            return b""
        return self._decode(self.dispatcher.read(buf, base, -(-n // 4) * 4), n)

    async def to_bytes_async(self):
        """``to_bytes`` without blocking: awaits the GPU (the browser's way)."""
        buf, base, n, _src = self._read_range()
        if n == 0:
            return b""
        return self._decode(await self.dispatcher.read_async(buf, base, -(-n // 4) * 4), n)
