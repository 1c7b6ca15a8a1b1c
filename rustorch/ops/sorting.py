"""Sorting, selection and set ops: sort, argsort, msort, topk, kthvalue,
unique, unique_consecutive, searchsorted, bucketize.

Kernels are the namespace's stable ``argsort`` / ``take_along_axis`` /
``searchsorted`` (descending order without negation, see
``fallbacks.argsort_stable``) and the ``topk`` extension.  The values outputs
of sort / topk / kthvalue scatter their gradient back through the indices."""
import numbers

from .. import _dtype as dt
from .. import return_types as _rtypes
from .._errors import (AutogradError, DTypeError, IndexOutOfRange, InvalidArgument, InvalidType,
                       ShapeError)
from .._tensor import Tensor, make, wrap_dim
from ..backends.fallbacks import argsort_stable
from ._core import export, needs_grad, record, result_dtype, as_operand, cast


class SelectionRangeError(IndexOutOfRange, RuntimeError):
    """k outside a dim for topk / kthvalue (torch raises RuntimeError)."""


_sort_t, _topk_t, _kthvalue_t = _rtypes.sort, _rtypes.topk, _rtypes.kthvalue


def _no_complex(x, name):
    if x.dtype.category == 3:
        raise DTypeError(f"{name}(): complex tensors cannot be ordered (got {x.dtype})")


def _i64(b, a):
    xp = b.xp
    return a if a.dtype == xp.int64 else xp.astype(a, xp.int64)


def _select_bwd(shape, d, keepdim):
    """Gradient of values picked from ``input`` at ``indices`` along d: a
    scatter of g into zeros (differentiable, so double backward works)."""
    def bwd(n, g):
        from .indexing import scatter
        idx = n.ctx
        if not keepdim:
            g = g.unsqueeze(d) if shape else g
            idx = idx.unsqueeze(d) if shape else idx
        if not shape:
            return (g.reshape(()),)
        return (scatter(g.new_zeros(shape), d, idx, g),)
    return bwd


def _record_select(values, indices, input, name, d, keepdim=True):
    if needs_grad(input):
        shape = tuple(input.shape)
        record(values, name, _select_bwd(shape, d, keepdim), (input,), ctx=indices)
    return values


# ------------------------------------------------------------------ sort
def _sort_arrays(x, d, descending):
    """(values, int64 indices) arrays of x sorted along d (0-d as 1 element)."""
    b = x._b
    xp = b.xp
    a = x._data if x.ndim else xp.reshape(x._data, (1,))
    order = argsort_stable(xp, a, d, descending)
    vals = xp.take_along_axis(a, order, axis=d)
    if not x.ndim:
        order, vals = xp.reshape(order, ()), xp.reshape(vals, ())
    return vals, order


def sort(input, dim=-1, descending=False, *, stable=False):
    """(values, indices) of input sorted along ``dim``; equal values keep
    their order (the sort is always stable)."""
    if isinstance(dim, bool):
        raise InvalidType("sort(): argument 'dim' must be int, not bool (stable is keyword-only)")
    _no_complex(input, "sort")
    d = wrap_dim(dim, input.ndim)
    vals, order = _sort_arrays(input, d, descending)
    b = input._b
    values, indices = make(vals, b), make(order, b)
    _record_select(values, indices, input, "SortBackward1" if stable else "SortBackward0", d)
    return _sort_t((values, indices))


def argsort(input, dim=-1, descending=False, *, stable=False):
    _no_complex(input, "argsort")
    d = wrap_dim(dim, input.ndim)
    b = input._b
    a = input._data if input.ndim else b.xp.reshape(input._data, (1,))
    order = argsort_stable(b.xp, a, d, descending)
    if not input.ndim:
        order = b.xp.reshape(order, ())
    return make(order, b)


def msort(input):
    return sort(input, 0).values


# ------------------------------------------------------------------ topk / kthvalue
def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The k largest (smallest) values along ``dim`` and their indices, in
    order (always sorted, which sorted=False also allows)."""
    _no_complex(input, "topk")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    k = int(k)
    if not 0 <= k <= n:
        raise SelectionRangeError(f"selected index k out of range (k = {k}, size of dimension "
                                  f"{d} is {n})")
    b = input._b
    xp = b.xp
    a = input._data if input.ndim else xp.reshape(input._data, (1,))
    vals, idx = b.topk(a, k if input.ndim else 1, d, largest)
    idx = _i64(b, idx)
    if not input.ndim:  # like torch, a 0-d input gives itself (even for k=0)
        vals, idx = xp.reshape(vals, ()), xp.reshape(idx, ())
    values, indices = make(vals, b), make(idx, b)
    _record_select(values, indices, input, "TopkBackward0", d)
    return _topk_t((values, indices))


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest value (1-based) along ``dim`` and its index."""
    _no_complex(input, "kthvalue")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    k = int(k)
    if not 1 <= k <= n:
        raise SelectionRangeError(f"kthvalue(): selected number k out of range for dimension {d} "
                                  f"(k = {k}, size {n})")
    b = input._b
    xp = b.xp
    a = input._data if input.ndim else xp.reshape(input._data, (1,))
    order = argsort_stable(xp, a, d, False)
    idx = xp.take(order, xp.asarray([k - 1]), axis=d)
    vals = xp.take_along_axis(a, idx, axis=d)
    if not input.ndim:
        idx, vals = xp.reshape(idx, ()), xp.reshape(vals, ())
    elif not keepdim:
        idx, vals = xp.squeeze(idx, axis=d), xp.squeeze(vals, axis=d)
    values, indices = make(vals, b), make(idx, b)
    _record_select(values, indices, input, "KthvalueBackward0", d, keepdim)
    return _kthvalue_t((values, indices))


# ------------------------------------------------------------------ unique
def _mark_no_grad(out, input, name):
    """torch's unique outputs require grad but have no derivative."""
    if needs_grad(input):
        def bwd(n, g):
            raise AutogradError(f"the derivative for '{name}' is not implemented.")
        record(out, name.capitalize() + "Backward0", bwd, (input,))
    return out


def _groups(xp, rows_differ, n):
    """From a bool array "element i differs from i-1" (length n-1): group id of
    every element, start of every group, size of every group."""
    flags = xp.concat([xp.ones((1,), dtype=xp.bool), rows_differ])
    gid = xp.subtract(xp.cumulative_sum(xp.astype(flags, xp.int64)), 1)
    starts = _i64_arr(xp, xp.nonzero(flags)[0])
    ends = xp.concat([starts[1:], xp.asarray([n], dtype=xp.int64)])
    return gid, starts, xp.subtract(ends, starts)


def _i64_arr(xp, a):
    return a if a.dtype == xp.int64 else xp.astype(a, xp.int64)


def _unique_impl(input, sort_first, return_inverse, return_counts, dim, name):
    b = input._b
    xp = b.xp
    if dim is None:
        flat = xp.reshape(input._data, (-1,))
        n = flat.shape[0]
        if n == 0:
            vals = flat
            inv = xp.zeros(tuple(input.shape), dtype=xp.int64)
            counts = xp.zeros((0,), dtype=xp.int64)
        else:
            order = argsort_stable(xp, flat, 0, False) if sort_first else None
            s = xp.take(flat, order) if sort_first else flat
            gid, starts, counts = _groups(xp, xp.not_equal(s[1:], s[:-1]), n)
            vals = xp.take(s, starts)
            inv = xp.take(gid, argsort_stable(xp, order, 0, False)) if sort_first else gid
            inv = xp.reshape(inv, tuple(input.shape))
    else:
        if input.ndim == 0:
            raise IndexOutOfRange(f"{name}: dim {dim} is out of range for a 0-d tensor")
        d = wrap_dim(dim, input.ndim)
        moved = xp.permute_dims(input._data, (d,) + tuple(i for i in range(input.ndim) if i != d))
        n = moved.shape[0]
        rows = xp.reshape(moved, (n, _prod(moved.shape[1:])))
        m = rows.shape[1]
        if n == 0:
            order = xp.zeros((0,), dtype=xp.int64)
            starts = xp.zeros((0,), dtype=xp.int64)
            counts = xp.zeros((0,), dtype=xp.int64)
            inv = xp.zeros((0,), dtype=xp.int64)
        else:
            order = xp.arange(n, dtype=xp.int64)
            if sort_first:
                # lexicographic: stable sorts from the last column to the first
                for c in range(m - 1, -1, -1):
                    col = xp.take(rows[:, c], order)
                    order = xp.take(order, argsort_stable(xp, col, 0, False))
            srt = xp.take(rows, order, axis=0)
            differ = xp.any(xp.not_equal(srt[1:], srt[:-1]), axis=1) if m else \
                xp.zeros((n - 1,), dtype=xp.bool)
            gid, starts, counts = _groups(xp, differ, n)
            inv = xp.take(gid, argsort_stable(xp, order, 0, False)) if sort_first else gid
        picked = xp.take(order, starts)
        vals = xp.take(moved, picked, axis=0)
        back = list(range(1, input.ndim))
        back.insert(d, 0)
        vals = xp.permute_dims(vals, tuple(back))
    out = _mark_no_grad(make(xp.asarray(vals, copy=True), b), input, name)
    if not return_inverse and not return_counts:
        return out
    res = [out]
    if return_inverse:
        res.append(make(_i64_arr(xp, inv), b))
    if return_counts:
        res.append(make(_i64_arr(xp, counts), b))
    return tuple(res)


def _prod(shape):
    p = 1
    for s in shape:
        p *= s
    return p


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values (or slices along ``dim``) of input, sorted; with
    the index of each input element's value and how often each occurs."""
    _no_complex(input, "unique")
    return _unique_impl(input, True, return_inverse, return_counts, dim, "unique")


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Like unique, but only collapses runs of equal consecutive values."""
    return _unique_impl(input, False, return_inverse, return_counts, dim, "unique_consecutive")


# ------------------------------------------------------------------ searchsorted / bucketize
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Index where each value of ``input`` would go in the sorted last dim of
    ``sorted_sequence`` (leftmost, or rightmost with right=True / side='right')."""
    seq = sorted_sequence
    if not isinstance(seq, Tensor):
        raise InvalidArgument("searchsorted(): sorted_sequence must be a Tensor")
    if side is not None:
        if side not in ("left", "right"):
            raise InvalidArgument(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                                  f"got {side}")
        if right and side == "left":
            raise InvalidArgument("torch.searchsorted(): side and right can't be set to opposites, "
                                  "got side of left while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    if scalar and not isinstance(input, numbers.Number):
        raise InvalidArgument(f"searchsorted(): input must be a Tensor or a number, got "
                              f"{type(input).__name__}")
    _no_complex(seq, "searchsorted")
    v = as_operand(input, seq) if scalar else input
    if seq.ndim == 0:
        raise ShapeError("torch.searchsorted(): boundaries tensor should have positive dimension, "
                         "but got 0 dimension")
    if seq.ndim > 1 and (v.ndim != seq.ndim or tuple(v.shape[:-1]) != tuple(seq.shape[:-1])):
        raise ShapeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                         f"first N-1 dimensions of boundaries tensor and input value tensor must "
                         f"match, but we got boundaries tensor {list(seq.shape)} and input value "
                         f"tensor {list(v.shape)}")
    b = seq._b
    xp = b.xp
    rt = result_dtype(seq, v)
    s_arr, v_arr = cast(seq, rt)._data, cast(v, rt)._data
    if sorter is not None:
        from .indexing import _check_index, _check_bounds
        _check_index(sorter, "searchsorted", dtypes=(dt.int64,))
        if tuple(sorter.shape) != tuple(seq.shape):
            raise ShapeError(f"torch.searchsorted(): boundary and sorter must have the same size, "
                             f"but got boundary tensor {list(seq.shape)} and got sorter tensor "
                             f"{list(sorter.shape)}")
        _check_bounds(sorter, seq.shape[-1], seq.ndim - 1, False, "searchsorted")
        s_arr = xp.take_along_axis(s_arr, sorter._data, axis=-1)
    side_s = "right" if right else "left"
    if seq.ndim == 1:
        res = xp.searchsorted(s_arr, xp.reshape(v_arr, (-1,)), side=side_s)
        res = xp.reshape(res, tuple(v.shape))
    else:
        # count the boundaries below (or not above) each value, row by row
        cmp = xp.less_equal if right else xp.less
        res = xp.sum(xp.astype(cmp(xp.expand_dims(s_arr, axis=-2), xp.expand_dims(v_arr, axis=-1)),
                               xp.int64), axis=-1)
    res = xp.astype(res, xp.int32 if out_int32 else xp.int64)
    result = make(res, b)
    if out is not None:
        from .elementwise import _with_out
        return _with_out(result, out)
    return result


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Bucket index of each input value for 1-D ``boundaries``: with
    right=False, boundaries[i-1] < x <= boundaries[i]."""
    if not isinstance(boundaries, Tensor) or boundaries.ndim != 1:
        raise ShapeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim("
                         f"{getattr(boundaries, 'ndim', '?')})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


export({
    "sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
    "unique": unique, "unique_consecutive": unique_consecutive,
})

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive",
           "searchsorted", "bucketize"]
