"""Tensor creation: from data, filled, ranges, random; ``to``/``clone``."""
import math
import numbers

from .. import _dtype as dt
from .. import backends
from .. import random as _random
from .._device import device as _device
from .._errors import BackendUnavailableError, DTypeError, InvalidArgument, InvalidType, ShapeError
from .._tensor import Tensor, make, Size
from ..autograd.grad_mode import STATE
from ._core import export, needs_grad, record, scalar_dtype

_FLOAT = 2


_DEFAULT_DEVICE = ["cpu"]


def set_default_device(device):
    """Device that factory functions (tensor, zeros, rand ...) use when given
    none, like torch.set_default_device; None restores 'cpu'."""
    if device is None:
        device = "cpu"
    backends.get(device)  # fail now, with the install hint, if it is unavailable
    _DEFAULT_DEVICE[0] = str(device) if not isinstance(device, str) else device


def get_default_device():
    return _device(_DEFAULT_DEVICE[0])


def _backend(device):
    if device is None:
        return backends.get(_DEFAULT_DEVICE[0])
    if isinstance(device, Tensor):
        return device._b
    return backends.get(device)


def _dtype_or_default(dtype):
    return dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)


def _size_args(size):
    """zeros(2, 3) / zeros((2, 3)) / zeros([2, 3]) / zeros(Size) -> tuple."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise InvalidType(f"size must be a tuple of ints, but got an element of type "
                              f"{type(s).__name__}")
        if s < 0:
            raise InvalidArgument(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


# ------------------------------------------------------------------ from data
def _is_numpy(obj):
    return type(obj).__module__ == "numpy"


def _infer(obj, shape_out, depth=0):
    """Walk nested sequences: fill shape_out, return the widest Python category."""
    if isinstance(obj, Tensor):
        if depth == 0:
            shape_out.extend(obj.shape)
        return obj.dtype
    if isinstance(obj, (list, tuple)):
        n = len(obj)
        if len(shape_out) <= depth:
            shape_out.append(n)
        elif shape_out[depth] != n:
            raise InvalidArgument(f"expected sequence of length {shape_out[depth]} at dim {depth} (got {n})")
        best = None
        for item in obj:
            d = _infer(item, shape_out, depth + 1)
            best = d if best is None else _widest(best, d)
        if n == 0:
            return None
        return best
    if isinstance(obj, (bool, numbers.Number)) or _is_numpy(obj):
        if len(shape_out) > depth:
            raise InvalidArgument(f"expected a sequence at dim {depth}, got {type(obj).__name__}")
        return scalar_dtype(obj) if not _is_numpy(obj) else _np_scalar_dtype(obj)
    raise InvalidArgument(f"Could not infer dtype of {type(obj).__name__}")


def _numpy_dtypes():
    """NumPy dtype -> rustorch dtype; imported lazily, so rustorch runs without NumPy."""
    try:
        from ..backends.numpy_backend import _FROM_NP
    except ImportError as e:
        raise BackendUnavailableError(
            f"NumPy arrays need the NumPy backend, which failed to import ({e}); "
            "install NumPy with `pip install numpy`") from None
    return _FROM_NP


def _np_scalar_dtype(v):
    return _numpy_dtypes()[v.dtype]


def _widest(a, b):
    if a.category != b.category:
        return a if a.category > b.category else b
    return dt.promote_types(a, b)


def _flatten_tensors(obj):
    if isinstance(obj, Tensor):
        return obj.tolist()
    if isinstance(obj, (list, tuple)):
        return [_flatten_tensors(o) for o in obj]
    return obj


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (numbers, nested sequences,
    NumPy arrays, tensors)."""
    b = _backend(device)
    if isinstance(data, Tensor):
        t = data.detach().to(device=b.device, dtype=dtype, copy=True)
        return _finish(t, requires_grad)
    if _is_numpy(data) and hasattr(data, "shape"):
        t = _from_numpy_copy(data, b, dtype)
        return _finish(t, requires_grad)
    shape = []
    inferred = _infer(data, shape)
    if dtype is None:
        dtype = inferred if inferred is not None else dt.get_default_dtype()
        if dtype.category == _FLOAT and inferred is not None and not _is_numpy(data):
            # Python floats make the default dtype; tensors keep theirs
            if not _contains_tensor(data):
                dtype = dt.get_default_dtype()
    else:
        dtype = dt.as_dtype(dtype)
    b.check_dtype(dtype)
    if _contains_tensor(data):
        data = _flatten_tensors(data)
    _check_representable(data, dtype)
    arr = b.from_host(data, dtype)
    if tuple(arr.shape) != tuple(shape):
        arr = b.xp.reshape(arr, tuple(shape))
    return _finish(make(arr, b), requires_grad)


def _contains_tensor(obj):
    if isinstance(obj, Tensor):
        return True
    if isinstance(obj, (list, tuple)) and obj:
        return _contains_tensor(obj[0])
    return False


def _check_representable(data, dtype):
    """Refuse values that would silently become something else (1e40 in int, -1 in uint8)."""
    if dtype.category == 1:
        from .elementwise import iinfo
        info = iinfo(dtype)

        def walk(o):
            if isinstance(o, (list, tuple)):
                for i in o:
                    walk(i)
            elif isinstance(o, float):
                if math.isnan(o) or math.isinf(o):
                    raise DTypeError(f"cannot convert float {o} to integer dtype {dtype}")
            elif isinstance(o, int) and not isinstance(o, bool) and not info.min <= o <= info.max:
                raise DTypeError(f"value {o} cannot be converted to type {dtype} without overflow")
        walk(data)


def _from_numpy_copy(arr, b, dtype):
    """A copy of a NumPy array on backend ``b``: viewed zero-copy on cpu, then
    moved/cast with the usual ``to`` (which copies)."""
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    t = from_numpy(arr)
    return t.to(device=b.device, dtype=dt.as_dtype(dtype) if dtype is not None else None, copy=True)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory when data already is a matching tensor
    or a NumPy array on the cpu device."""
    if isinstance(data, Tensor):
        return data.to(device=device if device is not None else data.device, dtype=dtype)
    if _is_numpy(data) and hasattr(data, "shape") and (device is None or str(device) == "cpu"):
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray):
    """Zero-copy: the tensor and the array share memory."""
    if not _is_numpy(ndarray) or not hasattr(ndarray, "shape"):
        try:
            import numpy  # noqa: F401  (only to word the error)
            extra = ""
        except ImportError:
            extra = "; NumPy is not installed here (use rustorch.tensor(data) instead)"
        raise InvalidType(f"expected np.ndarray (got {type(ndarray).__name__}){extra}")
    _FROM_NP = _numpy_dtypes()
    if ndarray.dtype not in _FROM_NP:
        raise InvalidType(f"can't convert np.ndarray of type {ndarray.dtype}; the supported types "
                          "are float64, float32, float16, complex64, complex128, int64, int32, "
                          "int16, int8, uint8, and bool")
    if not ndarray.dtype.isnative:
        raise InvalidType("given numpy array has byte order different from the native byte order")
    return make(ndarray, backends.get("cpu"))


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False, device=None):
    """1-D tensor of ``count`` elements read from a bytes-like object (elements in
    little-endian order) starting ``offset`` bytes in, like torch.frombuffer.
    Unlike torch it copies, so later writes to ``buffer`` do not show through."""
    dtype = dt.as_dtype(dtype)
    try:
        view = memoryview(buffer).cast("B")
    except TypeError:
        raise InvalidType(f"frombuffer(): expected an object that exposes the buffer interface, "
                          f"got {type(buffer).__name__}") from None
    size, isz = len(view), dtype.itemsize
    if not 0 <= offset <= size or (offset == size and size > 0):
        raise InvalidArgument(f"offset ({offset} bytes) must be non-negative and no greater than "
                              f"buffer length ({size} bytes) minus 1")
    if count == -1:
        if (size - offset) % isz:
            raise InvalidArgument(f"buffer length ({size - offset} bytes) after offset ({offset} "
                                  f"bytes) must be a multiple of element size ({isz})")
        count = (size - offset) // isz
    elif count <= 0:
        raise InvalidArgument(f"both buffer length ({size}) and count ({count}) must not be 0")
    elif offset + count * isz > size:
        raise InvalidArgument(f"requested buffer length ({count} * {isz} bytes) after offset "
                              f"({offset} bytes) must not be greater than actual buffer length "
                              f"({size} bytes)")
    b = _backend(device)
    b.check_dtype(dtype)
    arr = b.from_buffer(view[offset:offset + count * isz], dtype, (count,))
    return _finish(make(arr, b), requires_grad)


def _rebuild(data, dtype_name, device, requires_grad):
    return tensor(data, dtype=dt.as_dtype(dtype_name), device=device, requires_grad=requires_grad)


def _rebuild_from_bytes(raw, dtype_name, shape, device, requires_grad):
    dtype = dt.as_dtype(dtype_name)
    b = backends.get(device)
    b.check_dtype(dtype)
    n = 1
    for d in shape:
        n *= d
    if len(raw) != n * dtype.itemsize:
        raise InvalidArgument(f"pickled tensor: {len(raw)} bytes do not hold {list(shape)} {dtype_name}")
    return _finish(make(b.from_buffer(raw, dtype, tuple(shape)), b), requires_grad)


def _legacy_new(cls, *args, **kwargs):
    if kwargs.get("device") is not None:
        dev = kwargs["device"]
    else:
        dev = None
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        t = tensor(args[0], dtype=dt.get_default_dtype() if not isinstance(args[0], Tensor) else None,
                   device=dev)
    else:
        t = zeros(*args, device=dev)
    if cls is not Tensor:
        t.__class__ = cls
    return t


# ------------------------------------------------------------------ filled
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    b = _backend(device)
    size = _size_args((size,))
    if dtype is None:
        dtype = scalar_dtype(fill_value) if not isinstance(fill_value, Tensor) else fill_value.dtype
    dtype = dt.as_dtype(dtype)
    b.check_dtype(dtype)
    fill = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    from ._core import py_scalar
    return _finish(make(b.xp.full(size, py_scalar(fill, dtype), dtype=b.to_native_dtype(dtype)), b),
                   requires_grad)


def _filled(kind):
    def op(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
           pin_memory=False, memory_format=None, **kw):
        if "size" in kw:
            if size:
                raise InvalidType(f"{kind}() got multiple values for argument 'size'")
            size = (kw.pop("size"),)
        if kw:
            raise InvalidType(f"{kind}() got an unexpected keyword argument '{next(iter(kw))}'")
        b = _backend(device)
        shape = _size_args(size)
        d = _dtype_or_default(dtype)
        b.check_dtype(d)
        arr = getattr(b.xp, kind)(shape, dtype=b.to_native_dtype(d))
        return _finish(make(arr, b), requires_grad)
    op.__name__ = kind
    return op


zeros = _filled("zeros")
ones = _filled("ones")
empty = _filled("zeros")  # never hand out uninitialised memory
empty.__name__ = "empty"


def _like(fn):
    def op(input, *args, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
        return fn(*args, tuple(input.shape), dtype=dtype or input.dtype,
                  device=device or input.device, requires_grad=requires_grad) if args else \
            fn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
               requires_grad=requires_grad)
    return op


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    return ones(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


empty_like = zeros_like


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def _new_fn(fn):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return fn(*size, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)
    return method


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)


# ------------------------------------------------------------------ ranges
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise InvalidArgument("step must be nonzero")
    if (end - start) * step < 0:
        raise InvalidArgument(f"upper bound and larger bound inconsistent with step sign "
                              f"(start={start}, end={end}, step={step})")
    if dtype is None:
        dtype = dt.int64 if all(isinstance(v, int) and not isinstance(v, bool) for v in vals) \
            else dt.get_default_dtype()
    dtype = dt.as_dtype(dtype)
    b = _backend(device)
    b.check_dtype(dtype)
    if dtype.category == 0:
        raise DTypeError("arange is not implemented for dtype bool")
    n = max(0, math.ceil((end - start) / step))
    xp = b.xp
    if dtype.category == 1:
        # like torch: the bounds and the step are truncated to integers first;
        # int64 counts with those, the narrower ints count with the originals
        istart, iend, istep = int(start), int(end), int(step)
        if istep == 0 and dtype is dt.int64:
            raise InvalidArgument("step must be nonzero")
        if dtype is dt.int64:
            sgn = (istep > 0) - (istep < 0)
            num = iend - istart + istep - sgn
            # C++ integer division (truncates toward zero)
            n = abs(num) // abs(istep) if (num >= 0) == (istep > 0) else 0
        arr = xp.astype(xp.add(xp.multiply(xp.arange(n, dtype=xp.int64), istep), istart),
                        b.to_native_dtype(dtype))
    elif dt.float64 not in b.caps.dtypes:   # webgpu: the doubles are made on the host
        return _finish(arange(start, end, step, dtype=dtype, device="cpu").to(b.device),
                       requires_grad)
    else:  # like torch: start + i*step computed in double, then cast
        arr = xp.astype(xp.add(xp.multiply(xp.arange(n, dtype=xp.float64), float(step)), float(start)),
                        b.to_native_dtype(dtype))
    return _finish(make(arr, b), requires_grad)


def range_(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    return arange(start, end + (step if step > 0 else -1) * 1e-9 if isinstance(end, float) else end
                  + (1 if step > 0 else -1), step, dtype=dtype or dt.get_default_dtype(),
                  device=device, requires_grad=requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise InvalidArgument(f"number of steps must be non-negative, got {steps}")
    dtype = _dtype_or_default(dtype)
    b = _backend(device)
    xp = b.xp
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    if dt.float64 not in b.caps.dtypes:   # webgpu: the doubles are made on the host
        return _finish(linspace(start, end, steps, dtype=dtype, device="cpu").to(b.device),
                       requires_grad)
    if steps == 1:
        arr = xp.full((1,), start, dtype=xp.float64)
    else:
        i = xp.arange(steps, dtype=xp.float64)
        step = (end - start) / (steps - 1)
        # torch fills the first half from start and the second half from end
        half = steps // 2
        fwd = xp.add(xp.multiply(i, step), start)
        bwd = xp.subtract(end, xp.multiply(xp.subtract(steps - 1, i), step))
        arr = xp.where(xp.less(i, half), fwd, bwd)
    if dtype.category == 1:
        arr = xp.trunc(arr)
    return _finish(make(xp.astype(arr, b.to_native_dtype(dtype)), b), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    # through the widest float the device has (float64 on the cpu, like torch)
    lin = linspace(start, end, steps, dtype=_random.work_float(_backend(device)), device=device)
    return _finish((base ** lin).to(_dtype_or_default(dtype)), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    m = n if m is None else m
    if n < 0 or m < 0:
        raise InvalidArgument(f"n and m must be non-negative, got n={n}, m={m}")
    dtype = _dtype_or_default(dtype)
    b = _backend(device)
    return _finish(make(b.xp.eye(n, m, dtype=b.to_native_dtype(dtype)), b), requires_grad)


# ------------------------------------------------------------------ random
def _rand_shape_kwargs(size):
    return _size_args(size)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    shape = _size_args(size)
    dtype = _dtype_or_default(dtype)
    _check_float_random(dtype, "rand")
    b = _backend(device)
    return _finish(make(_random.uniform_array(b, shape, dtype, generator), b), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    shape = _size_args(size)
    dtype = _dtype_or_default(dtype)
    _check_float_random(dtype, "randn")
    b = _backend(device)
    return _finish(make(_random.normal_array(b, shape, dtype, generator), b), requires_grad)


def _check_float_random(dtype, name):
    if dtype.category != _FLOAT:
        raise DTypeError(f"\"{name}\" expects a floating point dtype, got {dtype}")


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    if high is None:
        low, high = 0, low
    if size is None:
        raise InvalidArgument("randint() missing required argument 'size'")
    shape = _size_args((size,))
    dtype = dt.int64 if dtype is None else dt.as_dtype(dtype)
    b = _backend(device)
    return _finish(make(_random.randint_array(b, int(low), int(high), shape, dtype, generator), b),
                   requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = dt.int64 if dtype is None else dt.as_dtype(dtype)
    b = _backend(device)
    xp = b.xp
    keys = _random.uniform_array(b, (n,), _random.work_float(b), generator)
    return make(xp.astype(xp.argsort(keys, stable=True), b.to_native_dtype(dtype)), b)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, generator=None):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device, generator=generator)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False, out=None):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        shape = tuple(like.shape) if not (isinstance(mean, Tensor) and isinstance(std, Tensor)) \
            else tuple(__import__("rustorch").broadcast_shapes(mean.shape, std.shape))
        if isinstance(std, Tensor) and bool((std < 0).any()):
            raise InvalidArgument("normal expects all elements of std >= 0.0")
        z = randn(shape, generator=generator, dtype=like.dtype, device=like.device)
        return z * std + mean
    if std < 0:
        raise InvalidArgument(f"normal expects std >= 0.0, but found std {std}")
    if size is None:
        raise InvalidArgument("normal() with float mean and std needs a size")
    z = randn(size, generator=generator, dtype=dtype, device=device)
    return _finish(z * std + mean, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    probs = input if p is None else full_like(input, p)
    u = _random.uniform_array(probs._b, tuple(probs.shape),
                              dt.float64 if probs.dtype is dt.float64 else dt.float32, generator)
    xp = probs._b.xp
    return make(xp.astype(xp.less(u, probs._data), probs._data.dtype), probs._b)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Categorical draws by inverse CDF (with replacement) or Gumbel top-k."""
    from .. import ops  # noqa: F401
    probs = input if input.ndim == 2 else input.unsqueeze(0)
    if bool((probs < 0).any()) or not bool(probs.isfinite().all()):
        raise InvalidArgument("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if not replacement and num_samples > probs.shape[-1]:
        raise InvalidArgument("multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                              "without replacement")
    p = probs.to(_random.work_float(probs._b))
    if replacement:
        cdf = p.cumsum(-1)
        cdf = cdf / cdf[..., -1:]
        u = rand(p.shape[0], num_samples, dtype=p.dtype, generator=generator, device=input.device)
        out = __import__("rustorch").searchsorted(cdf, u, right=True).clamp(max=p.shape[-1] - 1)
    else:
        u = rand(tuple(p.shape), dtype=p.dtype, generator=generator, device=input.device)
        tiny = 1e-300 if p.dtype is dt.float64 else 1e-38
        keys = p.log() - (-(u.clamp(min=tiny)).log()).log()
        out = keys.topk(num_samples, dim=-1).indices
    return out if input.ndim == 2 else out.squeeze(0)


# ------------------------------------------------------------------ in-place fills
def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    from .inplace import apply_inplace
    u = make(_random.uniform_array(self._b, tuple(self.shape), self.dtype, generator), self._b)
    return _fill_from(self, u * (b - a) + a)


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    z = make(_random.normal_array(self._b, tuple(self.shape), self.dtype, generator), self._b)
    return _fill_from(self, z * std + mean)


def _random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from .elementwise import iinfo
        to = (1 << 24) + 1 if self.dtype is dt.float32 else (1 << 53) + 1 if self.dtype is dt.float64 \
            else iinfo(self.dtype).max + 1 if self.dtype.category == 1 else 2
    r = make(_random.randint_array(self._b, from_, to, tuple(self.shape), dt.int64, generator), self._b)
    return _fill_from(self, r.to(self.dtype))


def _bernoulli_(self, p=0.5, *, generator=None):
    u = make(_random.uniform_array(self._b, tuple(self.shape), _random.work_float(self._b), generator), self._b)
    return _fill_from(self, (u < p).to(self.dtype))


def _exponential_(self, lambd=1.0, *, generator=None):
    u = make(_random.uniform_array(self._b, tuple(self.shape), _random.work_float(self._b), generator), self._b)
    return _fill_from(self, ((1 - u).log() * (-1.0 / lambd)).to(self.dtype))


def _fill_from(self, src):
    from .inplace import check_inplace_allowed
    check_inplace_allowed(self)
    with_grad = STATE.enabled and self._rg
    if with_grad:
        from .inplace import commit
        commit(self, src.to(self.dtype).detach())
        return self
    self._b.copy_into(self._data, src._data)
    self._version[0] += 1
    return self


# ------------------------------------------------------------------ to / clone
def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):
    """t.to(dtype) / t.to(device) / t.to(device, dtype) / t.to(other)."""
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (str, _device)):
            device = a
        elif a is None:
            continue
        else:
            dtype = a
    target_b = self._b if device is None else backends.get(device)
    dtype = self.dtype if dtype is None else dt.as_dtype(dtype)
    t = self
    if target_b is not self._b:
        t = _transfer(t, target_b)
    if dtype is not t.dtype:
        from .elementwise import to_dtype
        return to_dtype(t, dtype)
    if copy and t is self:
        return clone(self)
    return t


def _transfer(t, b):
    """Move between devices through host bytes (autograd carries the gradient back)."""
    src_b = t._b
    dtype = t.dtype
    b.check_dtype(dtype)
    if hasattr(b, "from_other"):
        arr = b.from_other(t._data, src_b)
    else:
        arr = b.from_buffer(src_b.to_bytes(t._data), dtype, tuple(t.shape))
    out = make(arr, b)
    if needs_grad(t):
        record(out, "ToCopyBackward0", lambda n, g: (_transfer(g, n.ctx),), (t,), ctx=src_b)
    return out


def clone(input, *, memory_format=None):
    b = input._b
    out = make(b.xp.asarray(input._data, copy=True), b)
    if STATE.enabled and input._rg:
        record(out, "CloneBackward0", lambda n, g: (g,), (input,))
    return out


def _cast_method(dtype):
    def m(self, memory_format=None):
        return to(self, dtype)
    return m


def _type(self, dtype=None, non_blocking=False):
    # legacy type strings are torch's scalar-type names: Float, Long, UInt16 ...
    if dtype is None:
        return f"rustorch.{dt.torch_type_name(self.dtype)}Tensor"
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        name = dtype.split(".")[-1][:-6]
        by_name = {dt.torch_type_name(d): d for d in dt.ALL_DTYPES}
        if name not in by_name:
            raise InvalidType(f"invalid type: {dtype!r}")
        dtype = by_name[name]
    return to(self, dtype)


export({
    "to": to, "clone": clone, "type": _type,
    "float": _cast_method(dt.float32), "double": _cast_method(dt.float64),
    "half": _cast_method(dt.float16), "bfloat16": _cast_method(dt.bfloat16),
    "int": _cast_method(dt.int32), "long": _cast_method(dt.int64),
    "short": _cast_method(dt.int16), "char": _cast_method(dt.int8),
    "byte": _cast_method(dt.uint8), "bool": _cast_method(dt.bool),
    "cfloat": _cast_method(dt.complex64), "cdouble": _cast_method(dt.complex128),
    "cpu": lambda self: to(self, "cpu"),
    "new_zeros": _new_fn(zeros), "new_ones": _new_fn(ones), "new_empty": _new_fn(zeros),
    "new_full": _new_full, "new_tensor": _new_tensor,
    "uniform_": _uniform_, "normal_": _normal_, "random_": _random_,
    "bernoulli_": _bernoulli_, "exponential_": _exponential_,
    "type_as": lambda self, other: to(self, other.dtype),
    "bernoulli": lambda self, p=None, *, generator=None: bernoulli(self, p, generator=generator),
})
