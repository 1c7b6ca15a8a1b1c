"""The ``webgpu`` device's array namespace (the ``xp`` of the backend contract).

Arrays are ``GPUArray``s; dtypes are rustorch's own dtype objects.  Each
function promotes its operands (array-API rules, Python scalars weak), picks a
kernel family (``ops``, ``reduce_ops``, ``linalg_ops``, ``index_ops``,
``sort_ops``, ``matmul_ops``) and relabels dtypes held in another kernel dtype
(``kernels.STORED_AS``: int64 runs as int32, uint8 as uint32 ...).  A contract
function that no kernel family defines runs on the host through
``host.fallback`` (counted; see host.py), installed at the bottom of this file:
today only non-float32 ``matmul`` (integer products: exact on the host).
"""
import builtins
import struct
import math
import numbers

from ... import _dtype as dt
from ..._errors import DTypeError, InvalidArgument, ShapeError, UnsupportedError, shape_str
from . import host, kernels, ops
from . import reduce_ops as _red
from .array import GPUArray

# ------------------------------------------------------------------ dtypes
bool = dt.bool  # noqa: A001 - the array API's names
int8, int16, int32, int64, uint8, uint32 = dt.int8, dt.int16, dt.int32, dt.int64, dt.uint8, dt.uint32
uint16, uint64 = dt.uint16, dt.uint64           # named, but refused by check_dtype
float16, float32, float64 = dt.float16, dt.float32, dt.float64
bfloat16, complex64, complex128 = dt.bfloat16, dt.complex64, dt.complex128
ndarray = GPUArray

_CONTEXT = [None]


def set_context(ctx):
    _CONTEXT[0] = ctx


def context():
    if _CONTEXT[0] is None:
        from .. import get
        get("webgpu")   # creates the backend, which sets the context
    return _CONTEXT[0]


def _disp():
    return context().dispatcher


def kernel_dtype(d):
    """The dtype kernels compute ``d`` in (int64 -> int32, uint8 -> uint32 ...)."""
    return kernels.STORED_AS.get(d, d)


def relabel(x, d):
    """The same storage seen as dtype ``d`` (both held in the same 32-bit words)."""
    if x.dtype is d:
        return x
    return GPUArray(x.storage, d, x.shape, x.strides, x.offset)


def as_kernel(x):
    return relabel(x, kernel_dtype(x.dtype))


def _is_scalar(v):
    return isinstance(v, numbers.Number) and not isinstance(v, (GPUArray, complex))


def _py(v):
    """A Python number (NumPy scalars have .item())."""
    return v.item() if hasattr(v, "item") and not isinstance(v, GPUArray) else v


def result_type(*args):
    out, scalars = None, []
    for a in args:
        if isinstance(a, GPUArray):
            d = a.dtype
        elif isinstance(a, dt.dtype):
            d = a
        else:
            scalars.append(a)
            continue
        out = d if out is None else dt.promote_types(out, d)
    for s in scalars:
        out = _weak(out, s)
    return out


def _weak(d, s):
    """NumPy 2's weak scalars: the array's dtype wins unless the kind must grow."""
    s = _py(s)
    sd = dt.bool if isinstance(s, builtins.bool) else dt.int64 if isinstance(s, int) else \
        dt.float32 if isinstance(s, float) else None
    if sd is None:
        raise DTypeError(f"cannot use a {type(s).__name__} as a WebGPU operand")
    if d is None:
        return sd
    if sd.category > d.category:
        return sd if d.category < 2 or sd.category > 2 else d
    return d


def isdtype(dtype, kind):
    names = {"bool": (0,), "signed integer": (1,), "unsigned integer": (1,),
             "integral": (1,), "real floating": (2,), "complex floating": (3,),
             "numeric": (1, 2, 3)}
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, dt.dtype):
        return dtype is kind
    if dtype.category not in names[kind]:
        return False
    if kind == "signed integer":
        return dtype.is_signed
    if kind == "unsigned integer":
        return not dtype.is_signed
    return True


# ------------------------------------------------------------------ creation
def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


_CONSTANTS_MAX = 512


def scalar(value, dtype):
    """A 0-d array holding one value, for kernels to read.  Kept per device by
    (dtype, bit pattern): ``x + 1`` in a loop uploads its 1 once, not every
    time (an upload and an allocation were a third of a small op's cost in a
    browser).  Callers only ever read these arrays."""
    disp = _disp()
    key = (dtype, type(value), struct.pack("<d", value) if isinstance(value, float) else value)
    cache = disp.constants
    hit = cache.get(key)
    if hit is not None:
        return hit
    hb = host.host_backend()
    h = hb.from_host(value, dtype)
    arr = GPUArray.from_bytes(disp, hb.to_bytes(h), dtype, ())
    if len(cache) >= _CONSTANTS_MAX:
        cache.clear()
    cache[key] = arr
    return arr


def empty(shape, dtype=None, device=None):
    return GPUArray.empty(_disp(), _shape(shape), dtype or dt.float32)


def full(shape, fill_value, dtype=None, device=None):
    shape = _shape(shape)
    if dtype is None:
        dtype = _weak(None, fill_value)
    kernels.check_dtype(dtype, _disp().adapter.features)
    out = GPUArray.empty(_disp(), shape, dtype)
    if out.numel:
        ops.copy_into(out, scalar(fill_value, dtype))
    return out


def zeros(shape, dtype=None, device=None):
    return full(shape, 0, dtype or dt.float32)


def ones(shape, dtype=None, device=None):
    return full(shape, 1, dtype or dt.float32)


def zeros_like(x, dtype=None, device=None):
    return full(x.shape, 0, dtype or x.dtype)


def ones_like(x, dtype=None, device=None):
    return full(x.shape, 1, dtype or x.dtype)


def full_like(x, fill_value, dtype=None, device=None):
    return full(x.shape, fill_value, dtype or x.dtype)


def _upload_host(h):
    return host.from_host(_disp(), h)


def asarray(obj, dtype=None, device=None, copy=None):
    if isinstance(obj, GPUArray):
        if dtype is not None and dtype is not obj.dtype:
            return astype(obj, dtype)
        return ops.contiguous_any(obj) if copy else obj
    hb = host.host_backend()
    if isinstance(obj, hb.array_type):
        h = obj
        if dtype is not None:
            h = hb.xp.astype(h, hb.to_native_dtype(dtype))
        return _upload_host(h)
    if dtype is None:
        dtype = _infer_dtype(obj)
    h = hb.from_host(obj, dtype)
    return GPUArray.from_bytes(_disp(), hb.to_bytes(h), dtype, tuple(hb.xp.asarray(h).shape))


def _infer_dtype(obj):
    kinds = set()

    def walk(v):
        if isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, GPUArray):
            kinds.add(v.dtype)
        else:
            kinds.add(type(v))
    walk(obj)
    if float in kinds:
        return dt.float32
    if int in kinds:
        return dt.int64
    if builtins.bool in kinds:
        return dt.bool
    ds = [k for k in kinds if isinstance(k, dt.dtype)]
    return ds[0] if ds else dt.float32


def arange(start, stop=None, step=1, dtype=None, device=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = dt.float32 if builtins.any(isinstance(v, float) for v in (start, stop, step)) \
            else dt.int64
    n = builtins.max(0, math.ceil((stop - start) / step))
    vals = [start + i * step for i in range(n)]
    return asarray(vals, dtype=dtype) if n else empty((0,), dtype)


def linspace(start, stop, num, dtype=None, device=None, endpoint=True):
    dtype = dtype or dt.float32
    if num == 1:
        vals = [float(start)]
    else:
        div = (num - 1) if endpoint else num
        step = (stop - start) / div
        half = num // 2
        # torch fills the second half backwards from the end (symmetric rounding)
        vals = [start + step * i if i < half else stop - step * (num - 1 - i)
                for i in range(num)]
    return asarray(vals, dtype=dtype) if num else empty((0,), dtype)


def eye(n_rows, n_cols=None, k=0, dtype=None, device=None):
    n_cols = n_rows if n_cols is None else n_cols
    out = zeros((n_rows, n_cols), dtype or dt.float32)
    # the k-th diagonal as a strided view, filled with ones
    if k >= 0:
        count = builtins.max(0, builtins.min(n_rows, n_cols - k))
        off = k
    else:
        count = builtins.max(0, builtins.min(n_rows + k, n_cols))
        off = -k * n_cols
    if count:
        diag = GPUArray(out.storage, out.dtype, (count,), (n_cols + 1,), off)
        ops.copy_into(diag, scalar(1, out.dtype))
    return out


# ------------------------------------------------------------------ casts
def astype(x, dtype, copy=True, device=None):
    if x.dtype is dtype:
        return ops.contiguous_any(x) if copy else x
    kernels.check_dtype(dtype, x.dispatcher.adapter.features)
    return ops.cast(x, dtype)


# ------------------------------------------------------------------ manipulation
def reshape(x, shape, copy=None):
    shape = list(_shape(shape))
    if shape.count(-1) > 1:
        raise ShapeError("only one dimension can be inferred (-1)")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or x.numel % known:
            raise ShapeError(f"cannot reshape array of shape {shape_str(x.shape)} into "
                             f"{shape_str(tuple(shape))}")
        shape[shape.index(-1)] = x.numel // known
    shape = tuple(shape)
    v = None if copy else x.reshape_view(shape)
    if v is None:
        v = ops.contiguous_any(x).reshape_view(shape)
    return v


def permute_dims(x, axes):
    return x.permute(tuple(axes))


def expand_dims(x, axis=0):
    axes = axis if isinstance(axis, tuple) else (axis,)
    nd = x.ndim + len(axes)
    norm = []
    for a in axes:
        if not -nd <= a < nd:
            raise InvalidArgument(f"axis {a} is out of bounds for a {nd}-d result")
        norm.append(a % nd)
    shape, strides = list(x.shape), list(x.strides)
    for a in sorted(norm):
        shape.insert(a, 1)
        strides.insert(a, 0)
    return GPUArray(x.storage, x.dtype, shape, strides, x.offset)


def squeeze(x, axis=None):
    if axis is None:
        axes = [i for i, s in enumerate(x.shape) if s == 1]
    else:
        axes = [axis] if isinstance(axis, int) else list(axis)
        axes = [a % x.ndim for a in axes]
        for a in axes:
            if x.shape[a] != 1:
                raise InvalidArgument(f"cannot squeeze axis {a} of size {x.shape[a]}")
    keep = [i for i in range(x.ndim) if i not in axes]
    return GPUArray(x.storage, x.dtype, [x.shape[i] for i in keep],
                    [x.strides[i] for i in keep], x.offset)


def broadcast_shapes(*shapes):
    out = ()
    for s in shapes:
        out = ops.broadcast_shapes(out, tuple(s))
    return out


def broadcast_to(x, shape):
    return x.broadcast_to(_shape(shape))


def broadcast_arrays(*arrays):
    shape = broadcast_shapes(*(a.shape for a in arrays))
    return [a.broadcast_to(shape) for a in arrays]


def moveaxis(x, source, destination):
    nd = x.ndim
    src = [source % nd] if isinstance(source, int) else [s % nd for s in source]
    dst = [destination % nd] if isinstance(destination, int) else [d % nd for d in destination]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return x.permute(order)


def concat(arrays, axis=0):
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [reshape(a, (-1,)) for a in arrays], 0
    d = result_type(*arrays)
    first = arrays[0]
    ax = axis % first.ndim if first.ndim else 0
    shape = list(first.shape)
    for a in arrays[1:]:
        if a.ndim != first.ndim or builtins.any(
                s != t for i, (s, t) in enumerate(zip(a.shape, first.shape)) if i != ax):
            raise ShapeError(f"concat: shapes {shape_str(first.shape)} and "
                             f"{shape_str(a.shape)} differ outside axis {axis}")
    shape[ax] = builtins.sum(a.shape[ax] for a in arrays)
    out = GPUArray.empty(_disp(), shape, d)
    start = 0
    for a in arrays:
        n = a.shape[ax]
        if n:
            key = (slice(None),) * ax + (slice(start, start + n),)
            ops.copy_into(out[key], a if a.dtype is d else astype(a, d))
        start += n
    return out


def stack(arrays, axis=0):
    arrays = list(arrays)
    nd = arrays[0].ndim + 1
    ax = axis % nd
    return concat([expand_dims(a, ax) for a in arrays], ax)


def flip(x, axis=None):
    axes = range(x.ndim) if axis is None else [axis] if isinstance(axis, int) else axis
    shape, strides, offset = list(x.shape), list(x.strides), x.offset
    for a in axes:
        a %= x.ndim
        if shape[a] > 1:
            offset += (shape[a] - 1) * strides[a]
            strides[a] = -strides[a]
    return ops.contiguous_any(GPUArray(x.storage, x.dtype, shape, strides, offset))


def roll(x, shift, axis=None):
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, 0), x.shape)
    shifts = [shift] if isinstance(shift, int) else list(shift)
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = x
    for s, a in zip(shifts, axes):
        a %= x.ndim
        n = x.shape[a]
        if n == 0:
            continue
        s %= n
        if s == 0:
            continue
        pre = (slice(None),) * a
        out = concat([out[pre + (slice(n - s, n),)], out[pre + (slice(0, n - s),)]], a)
    return ops.contiguous_any(out) if out is x else out


def tile(x, reps):
    reps = tuple(reps)
    nd = builtins.max(x.ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    x = reshape(x, (1,) * (nd - x.ndim) + x.shape)
    # (r0, s0, r1, s1, ...) broadcast, then merged
    inter = []
    for r, s in zip(reps, x.shape):
        inter += [r, s]
    y = x
    for i in range(nd):
        y = expand_dims(y, 2 * i)
    y = ops.contiguous_any(y.broadcast_to(tuple(inter)))
    return reshape(y, tuple(r * s for r, s in zip(reps, x.shape)))


def repeat(x, repeats, axis=None):
    if not isinstance(repeats, int):
        return host.fallback("repeat")(x, repeats, axis=axis)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis %= x.ndim
    y = expand_dims(x, axis + 1)
    shape = list(y.shape)
    shape[axis + 1] = repeats
    y = ops.contiguous_any(y.broadcast_to(tuple(shape)))
    out_shape = list(x.shape)
    out_shape[axis] *= repeats
    return reshape(y, tuple(out_shape))


# ------------------------------------------------------------------ elementwise
def _operands(a, b):
    """(a, b, dtype): both GPUArrays of the promoted dtype (scalars uploaded)."""
    if isinstance(a, GPUArray) and isinstance(b, GPUArray):
        d = a.dtype if a.dtype is b.dtype else dt.promote_types(a.dtype, b.dtype)
    else:
        arr = a if isinstance(a, GPUArray) else b
        other = b if arr is a else a
        if not _is_scalar(other):
            raise DTypeError(f"WebGPU operands must be GPUArrays or Python numbers, got "
                             f"{type(other).__name__}")
        d = _weak(arr.dtype, other)
    a = a if isinstance(a, GPUArray) else scalar(_py(a), d)
    b = b if isinstance(b, GPUArray) else scalar(_py(b), d)
    if a.dtype is not d:
        a = astype(a, d)
    if b.dtype is not d:
        b = astype(b, d)
    return a, b, d


def _finish(r, d, kd):
    """A kernel result back in the caller's dtype: relabel, or wrap narrow ints."""
    if r.dtype is dt.bool or d is kd or r.dtype is not kd:
        return r
    return relabel(r, d) if d is dt.int64 else ops.cast(r, d)


def _unary_fn(name, kname=None, float_only=False):
    kname = kname or name

    def fn(x):
        if not isinstance(x, GPUArray):
            x = asarray(x)
        d = x.dtype
        kd = kernel_dtype(d)
        return _finish(ops.unary(kname, relabel(x, kd)), d, kd)
    fn.__name__ = name
    fn.kernel_name = kname
    return fn


def _binary_fn(name, kname=None):
    kname = kname or name

    def fn(a, b):
        a, b, d = _operands(a, b)
        kd = kernel_dtype(d)
        return _finish(ops.binary(kname, relabel(a, kd), relabel(b, kd)), d, kd)
    fn.__name__ = name
    fn.kernel_name = kname
    return fn


# namespace name -> kernel table name, where the kernel table has the op
_UNARY_NAMES = {
    "abs": "abs", "ceil": "ceil", "cos": "cos", "exp": "exp", "floor": "floor", "log": "log",
    "negative": "neg", "round": "round", "sin": "sin", "sqrt": "sqrt", "square": "square",
    "tanh": "tanh", "trunc": "trunc", "bitwise_invert": "bitwise_not",
    "logical_not": "logical_not",
}
_BINARY_NAMES = {
    "add": "add", "subtract": "sub", "multiply": "mul", "divide": "div",
    "maximum": "maximum", "minimum": "minimum", "pow": "pow", "equal": "eq",
    "not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt",
    "greater_equal": "ge", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or",
    "bitwise_xor": "bitwise_xor",
}


def _table_or_host(name, kname, table, make):
    """The kernel when the table has it for the dtype, else the host fallback."""
    gpu = make(name, kname)
    slow = host.fallback(name)

    def fn(*args):
        arrs = [a for a in args if isinstance(a, GPUArray)]
        if arrs:
            d = kernel_dtype(result_type(*args)) if len(args) > 1 else kernel_dtype(arrs[0].dtype)
            if kernels.supports(table, kname, d):
                return gpu(*args)
        return slow(*args)
    fn.__name__ = name
    return fn


for _n, _k in _UNARY_NAMES.items():
    globals()[_n] = _table_or_host(_n, _k, kernels.UNARY, _unary_fn)
for _n, _k in _BINARY_NAMES.items():
    globals()[_n] = _table_or_host(_n, _k, kernels.BINARY, _binary_fn)


def positive(x):
    return ops.contiguous_any(x)


def conj(x):
    return x


def real(x):
    return x


# ------------------------------------------------------------------ reductions
def _axes(axis):
    if axis is None:
        return None
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _reduce(name, x, axis, keepdims, out_dtype=None):
    if x.is_big():
        return _reduce_big(name, x, axis, keepdims, out_dtype)
    d = x.dtype
    kd = kernel_dtype(d)
    r = _red.reduce(name, relabel(x, kd), _axes(axis), keepdims)
    if out_dtype is not None and r.dtype is not out_dtype:
        return relabel(r, out_dtype) if kernel_dtype(out_dtype) is r.dtype else astype(r, out_dtype)
    # max/min of a narrow dtype stay in its range: the words are already its own
    return relabel(r, d) if r.dtype is kd and d is not kd else r


_COMBINE = {"sum": "sum", "mean": "sum", "prod": "prod", "max": "max", "min": "min",
            "all": "all", "any": "any"}


def _reduce_big(name, x, axis, keepdims, out_dtype):
    """A full reduction of a tensor larger than one binding: one partial per
    window, then the partials reduced."""
    axes = _axes(axis)
    if axes is not None and sorted(a % x.ndim for a in axes) != list(range(x.ndim)) \
            or not x.is_contiguous():
        raise UnsupportedError(
            f"{name}() of a tensor larger than one WebGPU binding ({shape_str(x.shape)}) "
            f"works over all dims of a contiguous tensor only; reduce a view or slices")
    step = ops.window_elements(x.dispatcher)
    part = _COMBINE[name]
    partials = [_reduce(part, x.window(s, builtins.min(step, x.numel - s)), None, False, out_dtype)
                for s in range(0, x.numel, step)]
    r = _reduce(part, stack(partials), None, False, out_dtype)
    if name == "mean":
        r = divide(r, float(x.numel))  # noqa: F821 - from the table above
    return reshape(r, (1,) * x.ndim) if keepdims else r


def _sum_like(name):
    def fn(x, axis=None, dtype=None, keepdims=False):
        if dtype is None:
            dtype = dt.int64 if x.dtype.category < 2 else x.dtype
        if x.dtype is not dtype and not (x.dtype.category < 2 and dtype is dt.int64):
            x = astype(x, dtype)
        if x.dtype.category < 2:   # every integer sums in 32 bits, reported as int64
            x = astype(x, dt.int32) if x.dtype not in (dt.int32, dt.int64) else x
            return _reduce(name, x, axis, keepdims, dtype)
        return _reduce(name, x, axis, keepdims)
    fn.__name__ = name
    return fn


sum = _sum_like("sum")  # noqa: A001
prod = _sum_like("prod")


def mean(x, axis=None, keepdims=False):
    return _reduce("mean", x, axis, keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce("max", x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce("min", x, axis, keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce("all", x, axis, keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return _reduce("any", x, axis, keepdims)


def _arg_fn(name):
    def fn(x, axis=None, keepdims=False):
        r = _red._arg(name, as_kernel(x), axis, keepdims)
        return relabel(r, dt.int64)
    fn.__name__ = name
    return fn


argmax = _arg_fn("argmax")
argmin = _arg_fn("argmin")


def var(x, axis=None, correction=0.0, keepdims=False):
    m = mean(x, axis, keepdims=True)
    dev = subtract(x, m)  # noqa: F821 - installed from the table above
    s = sum(multiply(dev, dev), axis=axis, keepdims=keepdims)  # noqa: F821
    axes = range(x.ndim) if axis is None else _axes(axis)
    n = 1
    for a in axes:
        n *= x.shape[a]
    return divide(s, builtins.max(n - correction, 0) * 1.0)  # noqa: F821


def std(x, axis=None, correction=0.0, keepdims=False):
    return sqrt(var(x, axis, correction, keepdims))  # noqa: F821


def _cumulative(name, kname):
    def fn(x, axis=None, dtype=None, include_initial=False):
        if axis is None:
            if x.ndim > 1:
                raise InvalidArgument(f"{name}: axis is required for arrays of more than 1 dim")
            axis = 0
        if dtype is None:
            dtype = dt.int64 if x.dtype.category < 2 else x.dtype
        if x.dtype is not dtype:
            x = astype(x, dtype)
        kd = kernel_dtype(dtype)
        r = _red._scan(kname, relabel(x, kd), axis)
        r = _finish(r, dtype, kd)
        if include_initial:
            shape = list(r.shape)
            shape[axis % r.ndim] = 1
            r = concat([full(shape, 0 if kname == "cumsum" else 1, r.dtype), r], axis)
        return r
    fn.__name__ = name
    return fn


cumulative_sum = _cumulative("cumulative_sum", "cumsum")
cumulative_prod = _cumulative("cumulative_prod", "cumprod")


# ------------------------------------------------------------------ linear algebra
def matmul(a, b):
    from . import linalg_ops, matmul_ops
    a, b, d = _operands(a, b)
    if d is dt.float32 and a.ndim >= 2 and b.ndim >= 2 and a.shape[-1] == b.shape[-2]:
        try:
            batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ShapeError:
            batch = None
        r = None if batch is None else matmul_ops.try_matmul(a, b, batch)
        if r is not None:
            return r
    if d is dt.float32:
        if a.ndim == 1 or b.ndim == 1:
            a2 = expand_dims(a, 0) if a.ndim == 1 else a
            b2 = expand_dims(b, -1) if b.ndim == 1 else b
            r = linalg_ops.matmul(a2, b2)
            if a.ndim == 1:
                r = squeeze(r, -2)
            if b.ndim == 1:
                r = squeeze(r, -1)
            return r
        return linalg_ops.matmul(a, b)
    return host.fallback("matmul")(a, b)


def vecdot(x1, x2, axis=-1):
    return sum(multiply(x1, x2), axis=axis)  # noqa: F821 - from the table above


def tensordot(a, b, axes=2):
    """Contract a's axes ``axes[0]`` with b's ``axes[1]`` (an int n: a's last n
    with b's first n) as one matmul of the permuted, reshaped operands."""
    if isinstance(axes, int):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = ([x] if isinstance(x, int) else list(x) for x in axes)
    ax_a = [x % a.ndim for x in ax_a]
    ax_b = [x % b.ndim for x in ax_b]
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]
    k = 1
    for x in ax_a:
        k *= a.shape[x]
    m = 1
    for x in free_a:
        m *= a.shape[x]
    n = 1
    for x in free_b:
        n *= b.shape[x]
    a2 = reshape(a.permute(free_a + ax_a), (m, k))
    b2 = reshape(b.permute(ax_b + free_b), (k, n))
    return reshape(matmul(a2, b2), tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b))


# ------------------------------------------------------------------ kernel families
# Each family module lists its namespace functions in __all__.
from .index_ops import *  # noqa: F401,F403,E402
from .sort_ops import *  # noqa: F401,F403,E402
from .elementwise_ext import *  # noqa: F401,F403,E402

# ------------------------------------------------------------------ the rest: host
_HOST_NAMES = (
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_left_shift",
    "bitwise_right_shift", "clip", "copysign", "cosh", "expm1", "floor_divide", "fmod",
    "hypot", "imag", "isfinite", "isinf", "isnan", "log1p", "log2", "log10", "logaddexp",
    "remainder", "sign", "signbit", "sinh", "tan", "where", "take", "take_along_axis",
    "nonzero", "argsort", "sort", "searchsorted", "unique_all", "unique_inverse",
    "unique_counts", "unique_values", "count_nonzero",
)
for _n in _HOST_NAMES:
    if _n not in globals():
        globals()[_n] = host.fallback(_n)
del _n, _k


def host_functions():
    """Namespace functions that currently run through the host bridge."""
    from ..contract import NAMESPACE
    return sorted(n for n in NAMESPACE if getattr(globals().get(n), "host_fallback", False))


