"""Indexing: ``t[key]`` (basic keys give views), ``t[key] = v``, and the
index ops (gather, scatter, index_select, index_add, masked_*, take ...)."""
import numbers

from .. import _dtype as dt
from .._errors import DTypeError, IndexOutOfRange, InvalidArgument, InvalidType, ShapeError
from .._tensor import Tensor, make, wrap_dim
from ..autograd.grad_mode import STATE
from ._core import cast, export, needs_grad, record, sum_to, same_device
from .inplace import apply_inplace, check_inplace_allowed
from .shape import make_view

_BASIC = (int, slice, type(None), type(Ellipsis))


# ------------------------------------------------------------------ key normalisation
def _normalize_key(x, key):
    """Returns (key for the backend, is_basic).  Tensor / list indices become
    backend arrays; ints are bounds-checked like torch."""
    if not isinstance(key, tuple):
        key = tuple(key) if _sequence_as_tuple(key) else (key,)
    # torch applies 0-d integer tensors like ints (a select, not advanced indexing)
    key = tuple(int(k.item()) if isinstance(k, Tensor) and k.ndim == 0 and k.dtype.category == 1
                else k for k in key)
    if sum(1 for k in key if k is Ellipsis) > 1:  # torch: later ones cover no dims
        first = key.index(Ellipsis)
        key = key[:first + 1] + tuple(k for k in key[first + 1:] if k is not Ellipsis)
    out = []
    basic = True
    shape = x._data.shape
    # which input dim each key item addresses (for bounds checks)
    n_consuming = sum(1 for k in key if not (k is None or k is Ellipsis or isinstance(k, bool)
                                            or (isinstance(k, Tensor) and k.dtype is dt.bool)))
    n_consuming += sum(k.ndim for k in key if isinstance(k, Tensor) and k.dtype is dt.bool)
    n_consuming -= sum(1 for k in key if isinstance(k, Tensor) and k.dtype is dt.bool)
    if n_consuming > len(shape):
        raise IndexOutOfRange(f"too many indices for tensor of dimension {len(shape)}")
    dim = 0
    for k in key:
        if isinstance(k, bool):
            out.append(k)
            basic = False
            continue
        if isinstance(k, numbers.Integral) and not isinstance(k, Tensor):
            k = int(k)
            n = shape[dim]
            if not -n <= k < n:
                raise IndexOutOfRange(f"index {k} is out of bounds for dimension {dim} with size {n}")
            out.append(k)
            dim += 1
        elif isinstance(k, slice):
            if k.step is not None and int(k.step) <= 0:
                raise InvalidArgument("step must be greater than zero")
            out.append(slice(_int_or_none(k.start), _int_or_none(k.stop), _int_or_none(k.step)))
            dim += 1
        elif k is None:
            out.append(None)
        elif k is Ellipsis:
            out.append(Ellipsis)
            dim = len(shape) - (n_consuming - dim)
        else:
            if isinstance(k, (list, tuple)):
                from .creation import tensor
                k = tensor(k, device=x.device)
            if not isinstance(k, Tensor):
                raise InvalidType(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                                  f"byte or bool tensors are valid indices (got {type(k).__name__})")
            if k._b is not x._b:  # like torch, index tensors may live on the cpu
                k = k.to(x.device) if k._b.name == "cpu" else same_device(x, k)
            kd = k.dtype
            if kd is dt.bool or kd is dt.uint8:
                kb = k if kd is dt.bool else k.to(dt.bool)
                for j, s in enumerate(kb.shape):
                    if dim + j >= len(shape) or shape[dim + j] != s:
                        raise IndexOutOfRange(
                            f"The shape of the mask {list(kb.shape)} at index {j} does not match the "
                            f"shape of the indexed tensor {list(shape)} at index {dim + j}")
                out.append(kb._data)
                dim += kb.ndim
            elif kd.category == 1 and kd not in dt.WIDE_UNSIGNED:   # torch refuses uint16/32/64
                n = shape[dim]
                # raised now, or at the device's next sync (a GPU does not stop to read)
                check_index_range(k, -n, n, lambda v, d=dim, n=n: IndexOutOfRange(
                    f"index {v} is out of bounds for dimension {d} with size {n}"))
                out.append(k._data)
                dim += 1
            else:
                raise IndexDTypeError("tensors used as indices must be long, int, byte or bool tensors "
                                      f"(got {k.dtype})")
            basic = False
    out = tuple(out)
    if not basic and _ints_split_advanced(out):
        out = _coords_key(x, out)
    return out, basic


def _sequence_as_tuple(key):
    """torch's rule for ``t[[...]]``: a short list holding slices, None, ...,
    tensors or sequences is a tuple of indices (t[[[0, 1], [1, 0]]] is
    t[[0, 1], [1, 0]]); otherwise it is one index tensor."""
    if not isinstance(key, list) or len(key) >= 32:
        return False
    return any(k is None or k is Ellipsis or isinstance(k, (slice, Tensor, list, tuple)) for k in key)


def _is_adv(k):
    return not isinstance(k, (int, slice, type(None), type(Ellipsis))) or isinstance(k, bool)


def _run(flags):
    """True if the True entries of ``flags`` form one contiguous run."""
    pos = [i for i, f in enumerate(flags) if f]
    return not pos or pos[-1] - pos[0] + 1 == len(pos)


def _ints_split_advanced(key):
    """torch selects ints first, so its advanced indices are adjacent when they
    are once the ints are gone; NumPy counts ints as advanced.  True when the
    two rules place the advanced result dims differently."""
    if not any(isinstance(k, int) and not isinstance(k, bool) for k in key):
        return False
    no_ints = [_is_adv(k) for k in key if not (isinstance(k, int) and not isinstance(k, bool))]
    with_ints = [_is_adv(k) or isinstance(k, int) for k in key]
    return _run(no_ints) and not _run(with_ints)


def _coords_key(x, key):
    """An equivalent key of one int array per dim (torch's order of result
    dims): the flat positions x[ints][rest] reads, unravelled."""
    xp = x._b.xp
    shape = x._data.shape
    n = 1
    for s in shape:
        n *= s
    pos = xp.reshape(xp.arange(n, dtype=xp.int64), shape)
    pre, post = [], []
    for k in key:
        if isinstance(k, int) and not isinstance(k, bool):
            pre.append(k)
        elif k is None or isinstance(k, bool):
            post.append(k)
        elif k is Ellipsis:
            pre.append(Ellipsis)
            post.append(Ellipsis)
        else:
            nd = k.ndim if hasattr(k, "dtype") and k.dtype == xp.bool else 1
            pre.extend([slice(None)] * nd)
            post.append(k)
    pos = pos[tuple(pre)][tuple(post)]
    coords, stride = [], n
    for s in shape:
        stride //= s
        coords.append(xp.remainder(xp.floor_divide(pos, stride), s) if s else pos)
    return tuple(coords)


def _int_or_none(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return int(v.item())
    return int(v)


# ------------------------------------------------------------------ getitem
def getitem(self, key):
    k, basic = _normalize_key(self, key)
    b = self._b
    if basic:
        # a trailing Ellipsis keeps integer-indexed 0-d results views (NumPy
        # would hand back a scalar copy, and writes through it would be lost)
        kv = k if Ellipsis in k else k + (Ellipsis,)
        data = self._data[kv]
        return make_view(self, data, lambda t: t[k], "SliceBackward0" if k else "AliasBackward0",
                         _index_bwd, (tuple(self.shape), k, self.dtype))
    out = make(b.xp.asarray(self._data[k], copy=True), b)
    if needs_grad(self):
        record(out, "IndexBackward0", _index_bwd, (self,), ctx=(tuple(self.shape), k, self.dtype))
    return out


def _index_bwd(n, g):
    shape, k, d = n.ctx
    from .creation import zeros
    z = zeros(shape, dtype=g.dtype, device=g.device)
    return (index_put_raw(z, k, g, accumulate=True),)


def index_put_raw(x, k, values, accumulate=False):
    """Out of place: a copy of x with x[k] = values (or += with accumulate);
    ``k`` is an already-normalised key.  Differentiable in x and values."""
    b = x._b
    values = cast(values, x.dtype) if values.dtype is not x.dtype else values
    data = b.xp.asarray(x._data, copy=True)
    b.index_put(data, k, values._data, accumulate)
    out = make(data, b)
    if needs_grad(x, values):
        record(out, "IndexPutBackward0", _index_put_bwd, (x, values),
               ctx=(k, tuple(values.shape), accumulate))
    return out


def _index_put_bwd(n, g):
    k, vshape, accumulate = n.ctx
    x_rg, v_rg = (e is not None for e in n.next_functions)
    gx = gv = None
    if x_rg:
        if accumulate:
            gx = g
        else:
            from .creation import zeros
            gx = index_put_raw(g, k, zeros((), dtype=g.dtype, device=g.device))
    if v_rg:
        sel = _gather_key(g, k)
        gv = sum_to(sel, vshape)
    return gx, gv


def _gather_key(g, k):
    b = g._b
    out = make(b.xp.asarray(g._data[k], copy=True), b)
    if needs_grad(g):
        record(out, "IndexBackward0", _index_bwd, (g,), ctx=(tuple(g.shape), k, g.dtype))
    return out


def setitem(self, key, value):
    k, basic = _normalize_key(self, key)
    check_inplace_allowed(self)
    if not isinstance(value, Tensor):
        from ._core import py_scalar, scalar_dtype
        if not isinstance(value, (bool, numbers.Number)):
            from .creation import tensor
            value = tensor(value, dtype=self.dtype, device=self.device)
        else:
            vd = scalar_dtype(value)
            dt.check_castable(vd, self.dtype, "value") if vd.category != 3 or self.dtype.category == 3 \
                else dt.check_castable(vd, self.dtype)
            from .creation import full
            value = full((), py_scalar(value, vd), dtype=self.dtype, device=self.device)
    elif value._b is not self._b:
        value = value.to(self.device)
    _check_value_shape(self, k, basic, value)
    if STATE.enabled and (self._rg or value._rg):
        apply_inplace(self, lambda src, v: index_put_raw(src, k, v), value, saves_self=False)
        return
    # no autograd: write straight into memory (views of self see it)
    v = value if value.dtype is self.dtype else value.to(self.dtype)
    self._b.index_put(self._data, k, v._data, False)
    self._version[0] += 1


def _check_value_shape(x, k, basic, value):
    """values must broadcast to the shape x[k] has (torch's message)."""
    xp = x._b.xp
    if basic:
        target = x._data[k].shape
    else:  # a zero-stride probe: costs one bool per result element
        target = xp.broadcast_to(xp.zeros((), dtype=xp.bool), x._data.shape)[k].shape
    vs = tuple(value.shape)
    # like torch, leading size-1 dims of the value may be dropped
    while len(vs) > len(target) and vs[0] == 1:
        vs = vs[1:]
    ok = len(vs) <= len(target) and all(
        a == b or a == 1 for a, b in zip(reversed(vs), reversed(target)))
    if not ok:
        raise ShapeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be "
                         f"broadcast to indexing result of shape {list(target)}")


def index_put(input, indices, values, accumulate=False):
    k, basic = _normalize_key(input, tuple(indices))
    _check_value_shape(input, k, basic, values)
    return index_put_raw(input, k, values, accumulate)


def _index_put_(self, indices, values, accumulate=False):
    k, basic = _normalize_key(self, tuple(indices))
    _check_value_shape(self, k, basic, values)
    return apply_inplace(self, lambda src, v: index_put_raw(src, k, v, accumulate), values,
                         saves_self=False)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


# ------------------------------------------------------------------ index ops
class IndexOutOfRangeError(IndexOutOfRange, RuntimeError):
    """An index value outside its dim.  torch raises IndexError from ``t[i]`` but
    RuntimeError from gather / scatter / index_select ..., so this is both."""


class IndexDTypeError(DTypeError, IndexError):
    """An index tensor of a dtype an op does not take (torch raises IndexError
    from ``t[i]`` and index_fill, RuntimeError from the other index ops)."""


_INT32_64 = (dt.int32, dt.int64)


def _check_index(index, name, n=None, dim=None, negative=True, dtypes=_INT32_64):
    """Index tensor checks: type, dtype, every value in range for a dim of size
    ``n`` (``negative``: -n <= i < n, else 0 <= i < n)."""
    if not isinstance(index, Tensor):
        raise InvalidType(f"{name}(): index must be a Tensor, got {type(index).__name__}")
    if index.dtype not in dtypes:
        want = "int64" if dtypes == (dt.int64,) else "int32/int64"
        raise IndexDTypeError(f"{name}(): Expected dtype {want} for index, but got {index.dtype}")
    if n is not None:
        _check_bounds(index, n, dim, negative, name)


def _check_bounds(index, n, dim, negative, name=None):
    """Raise IndexOutOfRangeError naming the first bad index value (on a GPU
    device: at the next sync, see Backend.check_index_range)."""
    if not index.numel():
        return
    pre = f"{name}(): " if name else ""
    check_index_range(index, -n if negative else 0, n, lambda v: IndexOutOfRangeError(
        f"{pre}index {v} is out of bounds for dimension {dim} with size {n}"))


def check_index_range(index, lo, hi, make_error):
    """Every value of the int tensor ``index`` in [lo, hi), else ``make_error(v)``
    is raised (now, or at the device's next sync)."""
    if index.numel():
        index._b.check_index_range(index._data, lo, hi, make_error)


def index_select(input, dim, index):
    d = wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise ShapeError("index_select(): Index is supposed to be a vector")
    n = input.shape[d] if input.ndim else 1
    _check_index(index, "index_select", n, d, negative=False)
    idx = index.reshape(-1)
    b = input._b
    src = input if input.ndim else input.reshape(1)
    out = make(b.xp.take(src._data, b.xp.astype(idx._data, b.xp.int64), axis=d), b)
    if not input.ndim:
        out = make(b.xp.reshape(out._data, ()), b) if idx.ndim == 0 or index.ndim == 0 else out
    if needs_grad(input):
        shape = tuple(input.shape)
        record(out, "IndexSelectBackward0",
               lambda n_, g: (index_add(g.new_zeros(shape), d, idx, g.reshape(
                   tuple(out.shape) if shape else (-1,)) if shape else g.reshape(-1)).reshape(shape),),
               (input,))
    return out


def index_add(input, dim, index, source, *, alpha=1):
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    _check_index(index, "index_add", n, d, negative=False)
    if alpha != 1:
        source = source * alpha
    source = cast(source, input.dtype)
    key = (slice(None),) * d + (index.reshape(-1)._data,)
    if input.ndim == 0:
        key = (index.reshape(-1)._data,)
        return index_put_raw(input.reshape(1), key, source.reshape(-1), accumulate=True).reshape(())
    return index_put_raw(input, key, _move_for_put(source, d, index.numel()), accumulate=True)


def _move_for_put(source, d, k):
    """index_put with key (:, ..., idx) expects values of the source's shape."""
    return source


def index_copy(input, dim, index, source):
    d = wrap_dim(dim, input.ndim)
    _check_index(index, "index_copy", input.shape[d] if input.ndim else 1, d, negative=False,
                 dtypes=(dt.int64,))
    key = (slice(None),) * d + (index.reshape(-1)._data,)
    return index_put_raw(input, key, cast(source, input.dtype))


def index_fill(input, dim, index, value):
    d = wrap_dim(dim, input.ndim)
    _check_index(index, "index_fill", input.shape[d] if input.ndim else 1, d, dtypes=(dt.int64,))
    key = (slice(None),) * d + (index.reshape(-1)._data,)
    v = value if isinstance(value, Tensor) else input.new_full((), value)
    return index_put_raw(input, key, cast(v, input.dtype))


def masked_fill(input, mask, value):
    if not isinstance(mask, Tensor) or mask.dtype is not dt.bool:
        raise DTypeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                         f"{getattr(mask, 'dtype', type(mask).__name__)}")
    from .elementwise import where
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ShapeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                             f"with {value.ndim} dimension(s).")
        v = cast(value, input.dtype)
    else:
        from ._core import scalar_dtype, py_scalar
        vd = scalar_dtype(value)
        if vd.category > input.dtype.category:
            raise DTypeError(f"value cannot be converted to type {input.dtype} without overflow")
        v = input.new_full((), py_scalar(value, input.dtype))
    from ._core import broadcast_shapes
    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    if shape != tuple(input.shape):
        raise ShapeError(f"masked_fill: mask of shape {list(mask.shape)} cannot be broadcast to "
                         f"the input's shape {list(input.shape)}")
    return where(mask, v, input)


def masked_select(input, mask):
    if mask.dtype is not dt.bool:
        raise DTypeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
    from .shape import broadcast_tensors
    x, m = broadcast_tensors(input, mask)
    return getitem(x, m)


def masked_scatter(input, mask, source):
    from .shape import broadcast_tensors
    x, m = broadcast_tensors(input, mask)
    k = int(m.sum().item())
    if source.numel() < k:
        raise ShapeError(f"masked_scatter: expected source to have at least {k} elements, got "
                         f"{source.numel()}")
    kk, _ = _normalize_key(x, (m,))
    return index_put_raw(x.contiguous() if x._base is not None else x, kk,
                         cast(source.reshape(-1)[:k], input.dtype))


def take(input, index):
    flat = input.reshape(-1)
    n = flat.shape[0]
    _check_index(index, "take", n, 0, dtypes=(dt.int64,))
    idx = index.reshape(-1)
    if idx.numel():  # take allows negative indices
        xp = idx._b.xp
        idx = make(xp.where(xp.less(idx._data, 0), xp.add(idx._data, n), idx._data), idx._b)
    return index_select(flat, 0, idx).reshape(tuple(index.shape))


def nonzero(input, *, as_tuple=False):
    b = input._b
    xp = b.xp
    data = input._data if input.ndim else xp.reshape(input._data, (1,))
    idx = xp.nonzero(data)
    if as_tuple:
        if input.ndim == 0:
            return (make(xp.astype(idx[0], xp.int64), b),)
        return tuple(make(xp.astype(i, xp.int64), b) for i in idx)
    if input.ndim == 0:
        return make(xp.zeros((idx[0].shape[0], 0), dtype=xp.int64), b)  # (1, 0) or (0, 0)
    return make(xp.astype(xp.stack(idx, axis=1), xp.int64) if idx else
                xp.zeros((0, 0), dtype=xp.int64), b)


# ------------------------------------------------------------------ gather / scatter
def _check_gather_shapes(name, input, d, index, src=None):
    """torch's rules: same ndim; index no larger than input in dims other than
    ``d`` (and no larger than src anywhere)."""
    ni = max(input.ndim, 1)
    nx = max(index.ndim, 1)
    if nx != ni and index.numel():
        raise ShapeError(f"Index tensor must have the same number of dimensions as input tensor "
                         f"({name}: index is {index.ndim}-d, input is {input.ndim}-d)")
    if src is not None and max(src.ndim, 1) != nx and index.numel():
        raise ShapeError(f"Index tensor must have the same number of dimensions as src tensor "
                         f"({name}: index is {index.ndim}-d, src is {src.ndim}-d)")
    if not index.numel():
        return
    ishape = tuple(index.shape) or (1,)
    xshape = tuple(input.shape) or (1,)
    for k in range(nx):
        if k != d and ishape[k] > xshape[k]:
            if src is None:
                raise ShapeError(f"Size does not match at dimension {k} expected index "
                                 f"{list(ishape)} to be no larger than self {list(xshape)} apart "
                                 f"from dimension {d}")
            raise ShapeError(f"{name}(): Expected index {list(ishape)} to be no larger than self "
                             f"{list(xshape)} apart from dimension {d} and to be no larger size "
                             f"than src {list(src.shape)}")
        if src is not None and ishape[k] > (tuple(src.shape) or (1,))[k]:
            raise ShapeError(f"{name}(): Expected index {list(ishape)} to be no larger than self "
                             f"{list(xshape)} apart from dimension {d} and to be no larger size "
                             f"than src {list(src.shape)}")


def _as_nd(t, nd):
    """The backend array of ``t`` with at least ``nd`` (0 or 1) dims."""
    return t._data if t.ndim or not nd else t._b.xp.reshape(t._data, (1,))


def _i64(index):
    xp = index._b.xp
    a = _as_nd(index, 1)
    return a if a.dtype == xp.int64 else xp.astype(a, xp.int64)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j][k] = input[index[i][j][k]][j][k] (for dim 0), like torch.gather."""
    d = wrap_dim(dim, input.ndim)
    _check_index(index, "gather")
    _check_gather_shapes("gather", input, d, index)
    n = input.shape[d] if input.ndim else 1
    _check_bounds(index, n, d, False, "gather")
    b = input._b
    xp = b.xp
    if not index.numel():
        data = xp.zeros(tuple(index.shape), dtype=input._data.dtype)
    else:
        src = _as_nd(input, 1)
        ishape = index._data.shape or (1,)
        src = src[tuple(slice(None) if k == d else slice(0, m) for k, m in enumerate(ishape))]
        data = xp.take_along_axis(src, _i64(index), axis=d)
        if not index.ndim:
            data = xp.reshape(data, ())
    res = make(data, b)
    if needs_grad(input):
        shape = tuple(input.shape)
        record(res, "GatherBackward0",
               lambda n_, g: (scatter_add(g.new_zeros(shape), d, index, g),), (input,))
    if out is not None:
        from .elementwise import _with_out
        return _with_out(res, out)
    return res


def _scatter_src(input, index, src, value, name):
    """src as a tensor of input's dtype (a scalar value becomes one of index's shape)."""
    if src is not None and value is not None:
        raise InvalidArgument(f"{name}(): give either src or value, not both")
    if src is None:
        src = value
    if isinstance(src, Tensor):
        src = same_device(input, src) if src._b is not input._b else src
        if src.dtype is not input.dtype:
            raise DTypeError(f"{name}(): Expected self.dtype to be equal to src.dtype "
                             f"(got {input.dtype} and {src.dtype})")
        return src, False
    if src is None:
        raise InvalidType(f"{name}(): expected a src tensor or a scalar value")
    from ._core import py_scalar
    from .creation import full
    return full(tuple(index.shape), py_scalar(src, input.dtype), dtype=input.dtype,
                device=input.device), True


def _scatter_prep(name, input, dim, index, src=None):
    d = wrap_dim(dim, input.ndim)
    _check_index(index, name)
    _check_gather_shapes(name, input, d, index, src)
    n = input.shape[d] if input.ndim else 1
    _check_bounds(index, n, d, False, name)
    return d


def _src_array(src, index):
    """src's array cut to index's shape (what the backend kernels take)."""
    a = _as_nd(src, 1)
    ishape = index._data.shape or (1,)
    if a.shape != ishape:
        a = a[tuple(slice(0, m) for m in ishape)]
    return a


def _run_scatter(input, d, index, src, kernel):
    """Apply ``kernel(x, axis, index, src)`` to input's array (0-d handled)."""
    b = input._b
    xp = b.xp
    if not index.numel():
        return make(xp.asarray(input._data, copy=True), b)
    data = kernel(_as_nd(input, 1), d, _i64(index), _src_array(src, index))
    if not input.ndim:
        data = xp.reshape(data, ())
    return make(data, b)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of input with input[index[i][j]][j] = src[i][j] (dim 0); src may
    be a tensor or a scalar.  ``reduce='add'|'multiply'`` combines instead."""
    src, is_scalar = _scatter_src(input, index, src, value, "scatter")
    d = _scatter_prep("scatter", input, dim, index, None if is_scalar else src)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise InvalidArgument("reduce argument must be either add or multiply.")
        return scatter_reduce(input, d, index, src if not is_scalar else src,
                              "sum" if reduce == "add" else "prod", _legacy=True)
    b = input._b
    res = _run_scatter(input, d, index, src, b.scatter)
    if needs_grad(input, None if is_scalar else src):
        record(res, "ScatterBackward1" if is_scalar else "ScatterBackward0", _scatter_bwd,
               (input, None if is_scalar else src),
               ctx=(d, index, None if is_scalar else tuple(src.shape)))
    return res


def _pad_to(g, shape):
    """g (index-shaped) zero-padded up to ``shape`` (src larger than index)."""
    if tuple(g.shape) == tuple(shape):
        return g
    from .creation import zeros
    z = zeros(tuple(shape), dtype=g.dtype, device=g.device)
    key = tuple(slice(0, m) for m in g.shape)
    return index_put_raw(z, _normalize_key(z, key)[0], g)


def _scatter_bwd(n, g):
    d, index, sshape = n.ctx
    x_rg, s_rg = (e is not None for e in n.next_functions)
    gx = scatter(g, d, index, 0) if x_rg else None
    gs = _pad_to(gather(g, d, index), sshape) if s_rg else None
    return gx, gs


def scatter_add(input, dim, index, src):
    """A copy of input with src[i][j] added at input[index[i][j]][j] (dim 0);
    duplicate indices accumulate."""
    if not isinstance(src, Tensor):
        raise InvalidType(f"scatter_add(): src must be a Tensor, got {type(src).__name__}")
    src, _ = _scatter_src(input, index, src, None, "scatter_add")
    d = _scatter_prep("scatter_add", input, dim, index, src)
    res = _run_scatter(input, d, index, src, input._b.scatter_add)
    if needs_grad(input, src):
        def bwd(n_, g):
            return g, (_pad_to(gather(g, d, index), tuple(src.shape)) if src._rg else None)
        record(res, "ScatterAddBackward0", bwd, (input, src))
    return res


_REDUCE = ("sum", "prod", "mean", "amax", "amin")
_REDUCE_ALIAS = {"max": "amax", "min": "amin"}  # torch accepts these too


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, _legacy=False):
    """torch.scatter_reduce: reduce ('sum', 'prod', 'mean', 'amax', 'amin') the
    src values sent to each position into it; include_self=False leaves the
    old value of every position that receives a value out of the reduction."""
    reduce = _REDUCE_ALIAS.get(reduce, reduce)
    if reduce not in _REDUCE:
        raise InvalidArgument(f"reduce argument must be either sum, prod, mean, amax or amin, "
                              f"got {reduce}")
    if not isinstance(src, Tensor):
        raise InvalidType(f"scatter_reduce(): src must be a Tensor, got {type(src).__name__}")
    src, _ = _scatter_src(input, index, src, None, "scatter_reduce")
    d = _scatter_prep("scatter_reduce", input, dim, index, src)
    b = input._b
    res = _run_scatter(input, d, index, src,
                       lambda x, a, i, s: b.scatter_reduce(x, a, i, s, reduce, include_self))
    if needs_grad(input, src):
        if _legacy:
            raise_ = "the derivative for scatter with reduce is not implemented"

            def bwd(n_, g):
                from .._errors import UnsupportedError
                raise UnsupportedError(raise_)
            record(res, "ScatterReduceBackward0", bwd, (input, src))
            return res
        if src.shape != index.shape:
            from .._errors import UnsupportedError
            raise UnsupportedError("scatter_reduce(): gradients need src and index of one shape")
        record(res, "ScatterReduceBackward0", _scatter_reduce_bwd, (input, src),
               saved=(input, src), ctx=(d, index, reduce, include_self), save_out=True)
    return res


def _scatter_reduce_bwd(n, g):
    """torch's scatter_reduce_backward (FunctionsManual.cpp), in Tensor ops."""
    d, index, reduce, include_self = n.ctx
    x, src = n.unpack()
    from .elementwise import where
    if reduce == "sum":
        gx = g
        gs = gather(g, d, index)
    elif reduce == "mean":
        N = (g.new_ones(tuple(g.shape)) if include_self else g.new_zeros(tuple(g.shape)))
        N = scatter_add(N, d, index, src.new_ones(tuple(src.shape)).to(g.dtype))
        N = masked_fill(N, N == 0, 1)
        gx = g / N
        gs = gather(g, d, index) / gather(N, d, index)
    elif reduce == "prod":
        result = n.out()
        masked_self = masked_fill(x, x == 0, 1)
        masked_self_result = scatter_reduce(masked_self, d, index, src, "prod",
                                            include_self=include_self)
        gx = g * masked_self_result / masked_self
        src_zero = src == 0
        src_num_zeros = gather(scatter_add(x.new_zeros(tuple(x.shape)), d, index,
                                           src_zero.to(x.dtype)), d, index)
        src_single_zero = src_zero.logical_and(src_num_zeros == 1)
        masked_src = masked_fill(src, src_single_zero, 1)
        masked_src_result = scatter_reduce(x, d, index, masked_src, "prod",
                                           include_self=include_self)
        gs = where(src_single_zero, gather(g * masked_src_result, d, index),
                   gather(g * result, d, index) / masked_fill(src, src_zero, 1))
    else:  # amax / amin: split evenly between the tied winners
        result = n.out()
        value = gather(result, d, index)
        self_is = (x == result).to(x.dtype)
        src_is = (src == value).to(x.dtype)
        N = scatter_add(self_is, d, index, src_is)
        gdist = g / N
        gx = self_is * gdist
        gs = src_is * gather(gdist, d, index)
    if not include_self:
        gx = scatter(gx, d, index, 0)
    x_rg, s_rg = (e is not None for e in n.next_functions)
    return (gx if x_rg else None), (gs if s_rg else None)


def take_along_dim(input, indices, dim=None):
    """Values of input at ``indices`` along ``dim`` (broadcasting the other
    dims); with dim=None, over the flattened input."""
    _check_index(indices, "take_along_dim", dtypes=(dt.int64,))
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise ShapeError(f"torch.take_along_dim(): input and indices should have the same number "
                         f"of dimensions, but got {input.ndim} dimensions for input, and "
                         f"{indices.ndim} dimensions for indices")
    d = wrap_dim(dim, input.ndim)
    from ._core import broadcast_shapes
    xs = list(input.shape)
    if xs:
        xs[d] = indices.shape[d]
    shape = broadcast_shapes(tuple(xs), tuple(indices.shape))
    idx = indices.expand(shape) if tuple(indices.shape) != shape else indices
    xs = list(shape)
    if xs:
        xs[d] = input.shape[d]
    x = input.expand(xs) if tuple(input.shape) != tuple(xs) else input
    return gather(x, d, idx)


def _inplace(fn, saves_self=False):
    def method(self, *args, **kwargs):
        return apply_inplace(self, fn, *args, saves_self=saves_self, **kwargs)
    method.__name__ = fn.__name__ + "_"
    return method


def argwhere(input):
    return nonzero(input)


def count_nonzero(input, dim=None):
    return (input != 0).sum(dim=dim)


export({
    "gather": gather, "scatter": scatter, "scatter_add": scatter_add,
    "scatter_reduce": scatter_reduce, "take_along_dim": take_along_dim,
    "scatter_": _inplace(scatter), "scatter_add_": _inplace(scatter_add),
    "scatter_reduce_": _inplace(scatter_reduce, saves_self=True),
    "index_select": index_select, "index_add": index_add, "index_copy": index_copy,
    "index_fill": index_fill, "masked_fill": masked_fill, "masked_select": masked_select,
    "masked_scatter": masked_scatter, "take": take, "nonzero": nonzero, "argwhere": argwhere,
    "count_nonzero": count_nonzero, "index_put": index_put, "index_put_": _index_put_,
})
for _name, _fn in (("index_add_", index_add), ("index_copy_", index_copy),
                   ("index_fill_", index_fill), ("masked_fill_", masked_fill),
                   ("masked_scatter_", masked_scatter)):
    setattr(Tensor, _name, (lambda f: lambda self, *a, **k: apply_inplace(
        self, f, *a, saves_self=False, **k))(_fn))

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "take_along_dim",
           "index_select", "index_add", "index_copy", "index_fill", "masked_fill", "masked_select", "masked_scatter", "take", "nonzero", "argwhere", "count_nonzero",
           "index_put"]
