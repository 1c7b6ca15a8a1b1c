"""PyArray: a strided n-d array over a flat stdlib buffer.

Views (reshape when strides allow, permute, expand_dims, squeeze, broadcast,
basic slicing, diagonal, as_strided) share the buffer; everything else builds a
new C-contiguous array from a flat list of values.  Ops read their operands as
flat lists (``values()``), compute with comprehensions or ``map`` over
builtins, and wrap the result (``from_list``).
"""
import math
import operator

from . import _dtypes as D
from ._dtypes import coerce


class PyArray:
    __slots__ = ("buf", "dtype", "shape", "strides", "offset", "ndim", "size", "contig",
                 "writeable", "base")

    def __init__(self, buf, dtype, shape, strides=None, offset=0, writeable=True, base=None):
        self.buf = buf
        self.dtype = dtype
        self.shape = shape = tuple(shape)
        self.ndim = len(shape)
        n = 1
        for s in shape:
            n *= s
        self.size = n
        if strides is None:
            strides = c_strides(shape)
            self.contig = True
        else:
            strides = tuple(strides)
            self.contig = is_c_contig(shape, strides)
        self.strides = strides
        self.offset = offset
        self.writeable = writeable
        self.base = base

    # ------------------------------------------------------------ reading
    def indices(self):
        """Storage positions of the elements, in C order."""
        if self.contig:
            return range(self.offset, self.offset + self.size)
        idx = [self.offset]
        for n, s in zip(self.shape, self.strides):
            if n == 1:
                continue
            steps = [j * s for j in range(n)]
            idx = [i + d for i in idx for d in steps]
        if self.size == 0:
            return []
        return idx

    def values(self):
        """The elements as a flat Python list in C order."""
        if self.contig:
            return D.read(self.buf, self.dtype, self.offset, self.offset + self.size)
        # strided: copy the raw storage units run by run, then decode once
        from ._manipulation import copy_c
        c = copy_c(self)
        return D.read(c.buf, c.dtype, 0, c.size)

    def item(self):
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self.values()[0]

    def tolist(self):
        return nest(self.values(), self.shape)

    # ------------------------------------------------------------ writing
    def assign(self, values, src_kind=None):
        """Write a flat list (C order, len == size) into this (maybe strided) array."""
        if not self.writeable:
            raise ValueError("assignment destination is read-only")
        vals = coerce(values, self.dtype, src_kind)
        if self.contig:
            D.write(self.buf, self.dtype, self.offset, vals)
        else:
            D.scatter(self.buf, self.dtype, self.indices(), vals)

    # ------------------------------------------------------------ python protocol
    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __bool__(self):
        if self.size != 1:
            raise ValueError("The truth value of an array with more than one element is ambiguous")
        return bool(self.values()[0])

    def __int__(self):
        return int(self.item())

    def __float__(self):
        return float(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self.dtype.kind not in "iub":
            raise TypeError("only integer arrays can be converted to an index")
        return int(self.item())

    def __getitem__(self, key):
        from ._indexing import getitem
        return getitem(self, key)

    def __setitem__(self, key, value):
        from ._indexing import setitem
        setitem(self, key, value)

    def __repr__(self):
        return f"PyArray({self.tolist()!r}, dtype={self.dtype.name})"

    @property
    def T(self):
        return permute_dims(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def itemsize(self):
        return self.dtype.itemsize


# ------------------------------------------------------------------ helpers
def c_strides(shape):
    strides = []
    acc = 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= s
    return tuple(reversed(strides))


def is_c_contig(shape, strides):
    acc = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1 and s != acc:
            return False
        acc *= n
    return True


def nest(flat, shape):
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    for n in reversed(shape[1:]):
        flat = [flat[i:i + n] for i in range(0, len(flat), n)] if n else [[] for _ in range(len(flat) and 0)]
    if shape[0] == 0:
        return []
    if any(s == 0 for s in shape[1:]):
        return _empty_nest(shape)
    return flat


def _empty_nest(shape):
    if len(shape) == 1:
        return [] if shape[0] == 0 else [None] * 0
    return [_empty_nest(shape[1:]) for _ in range(shape[0])]


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def from_list(values, shape, dtype, src_kind=None):
    """A new C-contiguous array holding ``values`` (a flat list) as ``dtype``."""
    vals = coerce(values, dtype, src_kind)
    return PyArray(D.storage_from(vals, dtype), dtype, shape)


def full_of(shape, value, dtype):
    n = numel(shape)
    return from_list([value] * n, shape, dtype)


def flatten_nested(obj):
    """Nested sequences -> (flat list, shape)."""
    if isinstance(obj, PyArray):
        return obj.values(), obj.shape
    if not isinstance(obj, (list, tuple)):
        return [obj], ()
    shape = []
    probe = obj
    while isinstance(probe, (list, tuple)):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    flat = obj
    for _ in range(len(shape) - 1):
        flat = [x for sub in flat for x in sub]
    if any(isinstance(x, (list, tuple)) for x in flat):
        raise ValueError("setting an array element with a sequence: inhomogeneous shape")
    if len(flat) != numel(shape):
        raise ValueError("inhomogeneous shape")
    return list(flat), tuple(shape)


def kind_of_values(flat):
    kind = "b"
    rank = {"b": 0, "i": 1, "f": 2, "c": 3}
    for v in flat:
        k = D.scalar_kind(v)
        if k is None:
            if isinstance(v, PyArray):
                k = v.dtype.kind if v.dtype.kind != "u" else "i"
            elif hasattr(v, "dtype"):  # NumPy scalars
                k = {"b": "b", "i": "i", "u": "i", "f": "f", "c": "c"}[v.dtype.kind]
            else:
                raise TypeError(f"cannot make an array of {type(v).__name__}")
        if rank[k] > rank[kind]:
            kind = k
    return kind


# ------------------------------------------------------------------ creation
def asarray(obj, dtype=None, copy=None, device=None):
    if isinstance(obj, PyArray):
        if dtype is None or dtype is obj.dtype:
            if copy:
                return from_list(obj.values(), obj.shape, obj.dtype, obj.dtype.kind)
            return obj
        return astype(obj, dtype)
    flat, shape = flatten_nested(obj)
    flat = [v.item() if isinstance(v, PyArray) or hasattr(v, "item") and not isinstance(
        v, (bool, int, float, complex)) else v for v in flat]
    if dtype is None:
        dtype = {"b": D.bool_, "i": D.int64, "f": D.float64, "c": D.complex128}[kind_of_values(flat)]
    return from_list(flat, shape, dtype)


def _shape_arg(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


def zeros(shape, dtype=None, device=None):
    dtype = dtype or D.float64
    shape = _shape_arg(shape)
    return PyArray(D.new_storage(dtype, numel(shape)), dtype, shape)


def empty(shape, dtype=None, device=None):
    return zeros(shape, dtype)


def ones(shape, dtype=None, device=None):
    return full(shape, 1, dtype or D.float64)


def full(shape, fill_value, dtype=None, device=None):
    if dtype is None:
        dtype = D.default_for(fill_value)
    return full_of(_shape_arg(shape), fill_value, dtype)


def zeros_like(x, dtype=None, device=None):
    return zeros(x.shape, dtype or x.dtype)


def ones_like(x, dtype=None, device=None):
    return ones(x.shape, dtype or x.dtype)


def full_like(x, fill_value, dtype=None, device=None):
    return full(x.shape, fill_value, dtype or x.dtype)


def arange(start, stop=None, step=1, dtype=None, device=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, int) for v in (start, stop, step)) else D.float64
    n = max(0, math.ceil((stop - start) / step))
    if dtype.kind in "iu" and all(isinstance(v, int) for v in (start, stop, step)):
        return from_list(list(range(start, start + n * step, step))[:n], (n,), dtype, "i")
    return from_list([start + i * step for i in range(n)], (n,), dtype)


def linspace(start, stop, num, dtype=None, device=None, endpoint=True):
    dtype = dtype or D.float64
    if num == 1:
        return from_list([start], (1,), dtype)
    div = (num - 1) if endpoint else num
    step = (stop - start) / div if div else 0.0
    vals = [start + i * step for i in range(num)]
    if endpoint and num > 1:
        vals[-1] = stop
    return from_list(vals, (num,), dtype)


def eye(n_rows, n_cols=None, k=0, dtype=None, device=None):
    n_cols = n_rows if n_cols is None else n_cols
    dtype = dtype or D.float64
    out = zeros((n_rows, n_cols), dtype)
    vals = [1] * 0
    idx = [i * n_cols + i + k for i in range(n_rows) if 0 <= i + k < n_cols]
    vals = [1] * len(idx)
    if idx:
        D.scatter(out.buf, dtype, idx, coerce(vals, dtype, "i"))
    return out


# ------------------------------------------------------------------ dtypes
def astype(x, dtype, copy=True, device=None):
    if x.dtype is dtype and not copy:
        return x
    return from_list(x.values(), x.shape, dtype, x.dtype.kind if x.dtype.kind != "u" else "i")


def result_type(*args):
    out = None
    scalars = []
    for a in args:
        if isinstance(a, PyArray):
            d = a.dtype
        elif isinstance(a, D.DType):
            d = a
        else:
            scalars.append(a)
            continue
        out = d if out is None else D.promote(out, d)
    for s in scalars:
        out = D.default_for(s) if out is None else D.weak_result(out, s)
    return out


def isdtype(dtype, kind):
    names = {"bool": "b", "signed integer": "i", "unsigned integer": "u",
             "integral": "iu", "real floating": "f", "complex floating": "c", "numeric": "iufc"}
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, D.DType):
        return dtype is kind
    return dtype.kind in names[kind]


# ------------------------------------------------------------------ views
def _view(x, shape, strides, offset):
    return PyArray(x.buf, x.dtype, shape, strides, offset, x.writeable, x if x.base is None else x.base)


def compute_view_strides(oldshape, oldstride, newshape):
    """Strides that give ``newshape`` over the same memory, or None (torch's rule)."""
    if numel(oldshape) == 0 or not oldshape:
        return c_strides(newshape)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1 and
                             oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def _resolve_shape(shape, size):
    shape = list(_shape_arg(shape))
    if -1 in shape:
        known = numel([s for s in shape if s != -1])
        shape[shape.index(-1)] = size // known if known else 0
    if numel(shape) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {tuple(shape)}")
    return tuple(shape)


def reshape_view(x, shape):
    """A view with the new shape, or None when the strides do not allow one."""
    shape = _resolve_shape(shape, x.size)
    if x.contig:
        return _view(x, shape, None, x.offset)
    st = compute_view_strides(x.shape, x.strides, shape)
    if st is None:
        return None
    return _view(x, shape, st, x.offset)


def reshape(x, shape, copy=None):
    shape = _resolve_shape(shape, x.size)
    if not copy:
        v = reshape_view(x, shape)
        if v is not None:
            return v
        if copy is False:
            raise ValueError("cannot reshape without copying")
    return from_list(x.values(), shape, x.dtype, x.dtype.kind)


def permute_dims(x, axes):
    axes = tuple(a % x.ndim for a in axes) if x.ndim else ()
    return _view(x, tuple(x.shape[a] for a in axes), tuple(x.strides[a] for a in axes), x.offset)


def expand_dims(x, axis=0):
    axes = sorted(a % (x.ndim + (len(axis) if isinstance(axis, tuple) else 1))
                  for a in (axis if isinstance(axis, tuple) else (axis,)))
    shape, strides = list(x.shape), list(x.strides)
    for a in axes:
        shape.insert(a, 1)
        strides.insert(a, 0)
    return _view(x, shape, strides, x.offset)


def squeeze(x, axis=None):
    if axis is None:
        axes = {i for i, s in enumerate(x.shape) if s == 1}
    else:
        axes = {a % x.ndim for a in (axis if isinstance(axis, tuple) else (axis,))}
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    keep = [i for i in range(x.ndim) if i not in axes]
    return _view(x, [x.shape[i] for i in keep], [x.strides[i] for i in keep], x.offset)


def broadcast_shapes(*shapes):
    nd = max((len(s) for s in shapes), default=0)
    out = [1] * nd
    for s in shapes:
        for i, n in enumerate(s):
            j = nd - len(s) + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                raise ValueError("operands could not be broadcast together with shapes "
                                 + " ".join(str(tuple(x)) for x in shapes))
    return tuple(out)


def broadcast_to(x, shape):
    shape = _shape_arg(shape)
    if x.shape == shape:
        return x
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"cannot broadcast shape {x.shape} to {shape}")
    strides = [0] * lead
    for i, (n, s) in enumerate(zip(x.shape, x.strides)):
        target = shape[lead + i]
        if n == target:
            strides.append(s)
        elif n == 1:
            strides.append(0)
        else:
            raise ValueError(f"operands could not be broadcast together with remapped shapes "
                             f"{x.shape} -> {shape}")
    v = _view(x, shape, strides, x.offset)
    v.writeable = False
    return v


def broadcast_arrays(*arrays):
    shape = broadcast_shapes(*(a.shape for a in arrays))
    return [broadcast_to(a, shape) for a in arrays]


def diagonal_view(x, offset, axis1, axis2):
    n1, n2 = x.shape[axis1], x.shape[axis2]
    s1, s2 = x.strides[axis1], x.strides[axis2]
    if offset >= 0:
        length = max(0, min(n1, n2 - offset))
        start = x.offset + offset * s2 if length else x.offset
    else:
        length = max(0, min(n1 + offset, n2))
        start = x.offset - offset * s1 if length else x.offset
    keep = [i for i in range(x.ndim) if i not in (axis1, axis2)]
    shape = [x.shape[i] for i in keep] + [length]
    strides = [x.strides[i] for i in keep] + [s1 + s2]
    return _view(x, shape, strides, start)


def as_strided(x, shape, strides, offset):
    return _view(x, tuple(shape), tuple(strides), offset)


# ------------------------------------------------------------------ operand helpers
def operand_values(x, shape):
    """Flat values of ``x`` broadcast to ``shape`` (x may be a Python scalar)."""
    if not isinstance(x, PyArray):
        return [x] * numel(shape)
    if x.shape == tuple(shape):
        return x.values()
    return broadcast_to(x, shape).values()


MUL = operator.mul
