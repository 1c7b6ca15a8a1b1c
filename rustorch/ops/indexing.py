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
        key = (key,)
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
            k = same_device(x, k) if k._b is not x._b else k
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
            elif kd.category == 1:
                n = shape[dim]
                if k.numel():
                    xp = k._b.xp
                    if bool(xp.any(xp.logical_or(xp.greater_equal(k._data, n), xp.less(k._data, -n)))):
                        bad = [v for v in k.reshape(-1).tolist() if not -n <= v < n][0]
                        raise IndexOutOfRange(f"index {bad} is out of bounds for dimension {dim} "
                                              f"with size {n}")
                out.append(k._data)
                dim += 1
            else:
                raise InvalidType("tensors used as indices must be long, int, byte or bool tensors")
            basic = False
    return tuple(out), basic


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
        data = self._data[k]
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
    if STATE.enabled and (self._rg or value._rg):
        apply_inplace(self, lambda src, v: index_put_raw(src, k, v), value, saves_self=False)
        return
    # no autograd: write straight into memory (views of self see it)
    v = value if value.dtype is self.dtype else value.to(self.dtype)
    self._b.index_put(self._data, k, v._data, False)
    self._version[0] += 1


def index_put(input, indices, values, accumulate=False):
    k, _ = _normalize_key(input, tuple(indices))
    return index_put_raw(input, k, values, accumulate)


def _index_put_(self, indices, values, accumulate=False):
    k, _ = _normalize_key(self, tuple(indices))
    return apply_inplace(self, lambda src, v: index_put_raw(src, k, v, accumulate), values,
                         saves_self=False)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


# ------------------------------------------------------------------ index ops
def _check_index(index, name, n=None, dim=None):
    if not isinstance(index, Tensor):
        raise InvalidType(f"{name}(): index must be a Tensor, got {type(index).__name__}")
    if index.dtype.category != 1:
        raise DTypeError(f"{name}(): Expected dtype int64 for index, got {index.dtype}")
    if n is not None and index.numel():
        lo, hi = index.min().item(), index.max().item()
        if lo < -n or hi >= n:
            bad = hi if hi >= n else lo
            raise IndexOutOfRange(f"{name}(): index {bad} is out of bounds for dimension {dim} "
                                  f"with size {n}")


def index_select(input, dim, index):
    d = wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise ShapeError("index_select(): Index is supposed to be a vector")
    n = input.shape[d] if input.ndim else 1
    _check_index(index, "index_select", n, d)
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
    _check_index(index, "index_add", n, d)
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
    _check_index(index, "index_copy", input.shape[d], d)
    key = (slice(None),) * d + (index.reshape(-1)._data,)
    return index_put_raw(input, key, cast(source, input.dtype))


def index_fill(input, dim, index, value):
    d = wrap_dim(dim, input.ndim)
    _check_index(index, "index_fill", input.shape[d], d)
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
    _check_index(index, "take", n, 0)
    idx = index.reshape(-1)
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
        return make(xp.reshape(xp.astype(idx[0], xp.int64), (-1, 0)), b)
    return make(xp.astype(xp.stack(idx, axis=1), xp.int64) if idx else
                xp.zeros((0, 0), dtype=xp.int64), b)


def argwhere(input):
    return nonzero(input)


def count_nonzero(input, dim=None):
    return (input != 0).sum(dim=dim)


export({
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

__all__ = ["index_select", "index_add", "index_copy", "index_fill", "masked_fill",
           "masked_select", "masked_scatter", "take", "nonzero", "argwhere", "count_nonzero",
           "index_put"]
