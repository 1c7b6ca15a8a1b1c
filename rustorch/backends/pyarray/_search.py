"""Searching, sorting and set functions of the pure-Python namespace:
nonzero, count_nonzero, argsort, sort, searchsorted and the four unique_*
functions (NumPy 2 / array API semantics).

Sorts are Python's ``sorted`` (stable) over one lane at a time, keyed by the
lane's own ``__getitem__``; NaN sorts after every number (NumPy's order), so
with ``descending=True`` it comes first.  Complex values order
lexicographically as in NumPy: ``R+Rj < R+nanj < nan+Rj < nan+nanj``.
"""
import array
import bisect
import itertools
import math
from collections import namedtuple

from . import _dtypes as D
from ._core import PyArray, asarray, c_strides, from_list, permute_dims
from ._manipulation import copy_c, moveaxis, normalize_axes, normalize_axis

__all__ = ["nonzero", "count_nonzero", "argsort", "sort", "searchsorted", "unique_values",
           "unique_counts", "unique_inverse", "unique_all", "UniqueAllResult",
           "UniqueCountsResult", "UniqueInverseResult"]

UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])

_isnan = math.isnan


def _i64(vals, shape):
    return PyArray(array.array("q", vals), D.int64, shape)


def _values(x):
    """Flat C-order values (non-contiguous views copied by the slice engine first)."""
    return x.values() if x.contig else copy_c(x).values()


def _cplx_key(v):
    re, im = v.real, v.imag
    a, b = re != re, im != im
    return (a, b, 0.0 if a else re, 0.0 if b else im)


# ------------------------------------------------------------------ nonzero
def nonzero(x):
    if x.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. "
                         "Use np.atleast_1d(scalar).nonzero() instead.")
    vals = _values(x)
    n_last = x.shape[-1]
    if x.ndim == 1 or n_last < 8:
        pos = list(itertools.compress(range(len(vals)), vals))
        k = len(pos)
        if x.ndim == 1:
            return (_i64(pos, (k,)),)
        out = []
        for n, cs in zip(x.shape, c_strides(x.shape)):
            if cs == 1:
                coords = [p % n for p in pos]
            elif n * cs == x.size:
                coords = [p // cs for p in pos]
            else:
                coords = [p // cs % n for p in pos]
            out.append(_i64(coords, (k,)))
        return tuple(out)
    # row by row: the last coordinate from compress, the others repeated
    lead = x.shape[:-1]
    cols = []
    heads = [array.array("q") for _ in lead]
    cols_range = range(n_last)
    s = 0
    for coord in itertools.product(*map(range, lead)):
        hit = list(itertools.compress(cols_range, vals[s:s + n_last]))
        s += n_last
        if hit:
            cols += hit
            c = len(hit)
            for h, j in zip(heads, coord):
                h += array.array("q", (j,)) * c
    k = len(cols)
    return tuple(PyArray(a, D.int64, (k,)) for a in heads + [array.array("q", cols)])


def count_nonzero(x, axis=None, keepdims=False):
    axes = normalize_axes(axis, x.ndim)
    keep = [d for d in range(x.ndim) if d not in axes]
    v = x if keep + list(axes) == list(range(x.ndim)) else permute_dims(x, tuple(keep + list(axes)))
    vals = _values(v)
    m = 1
    for d in axes:
        m *= x.shape[d]
    if keepdims:
        shape = tuple(1 if d in axes else n for d, n in enumerate(x.shape))
    else:
        shape = tuple(x.shape[d] for d in keep)
    if m == 0:
        counts = [0] * _numel(shape)
    else:
        counts = [m - vals[s:s + m].count(0) for s in range(0, len(vals), m)]
    return _i64(counts, shape)


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


# ------------------------------------------------------------------ sorting
def _argsort_lane(lane, kind, desc):
    n = len(lane)
    if kind == "c":
        keys = list(map(_cplx_key, lane))
        return sorted(range(n), key=keys.__getitem__, reverse=desc)
    if kind == "f" and any(map(_isnan, lane)):
        ok = [i for i in range(n) if lane[i] == lane[i]]
        nan = [i for i in range(n) if lane[i] != lane[i]]
        srt = sorted(ok, key=lane.__getitem__, reverse=desc)
        return nan + srt if desc else srt + nan
    return sorted(range(n), key=lane.__getitem__, reverse=desc)


def _sort_lane(lane, kind, desc):
    if kind == "c":
        return [lane[i] for i in _argsort_lane(lane, kind, desc)]
    if kind == "f" and any(map(_isnan, lane)):
        ok = [v for v in lane if v == v]
        nan = [v for v in lane if v != v]
        ok.sort(reverse=desc)
        return nan + ok if desc else ok + nan
    return sorted(lane, reverse=desc)


def _along(x, axis, lane_fn, descending, build):
    a = normalize_axis(axis, x.ndim)
    n = x.shape[a]
    last = a == x.ndim - 1
    v = x if last else moveaxis(x, a, -1)
    vals = _values(v)
    kind = x.dtype.kind
    if n == len(vals):
        out = lane_fn(vals, kind, descending)
    else:
        out = []
        if n:
            for s in range(0, len(vals), n):
                out += lane_fn(vals[s:s + n], kind, descending)
    res = build(out, v.shape)
    return res if last else copy_c(moveaxis(res, -1, a))


def argsort(x, axis=-1, descending=False, stable=True):
    if x.ndim == 0:   # as NumPy: a 0-d array sorts as one element
        x = PyArray(x.buf, x.dtype, (1,), (1,), x.offset)
        axis = 0
    return _along(x, axis, _argsort_lane, descending, _i64)


def sort(x, axis=-1, descending=False, stable=True):
    return _along(x, axis, _sort_lane, descending,
                  lambda vals, shape: from_list(vals, shape, x.dtype, x.dtype.kind))


# ------------------------------------------------------------------ searching
def searchsorted(x1, x2, side="left", sorter=None):
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    if not isinstance(x1, PyArray):
        x1 = asarray(x1)
    if x1.ndim != 1:
        raise ValueError("object too deep for desired array" if x1.ndim > 1 else
                         "object of too small depth for desired array")
    a = _values(x1)
    n = len(a)
    if sorter is not None:
        order = sorter.values() if isinstance(sorter, PyArray) else list(sorter)
        if len(order) != n:
            raise ValueError("sorter.size must equal a.size")
        if order and (min(order) < 0 or max(order) >= n):
            raise ValueError("Sorter index out of range.")
        a = [a[i] for i in order]
    if isinstance(x2, PyArray):
        shape, v, vkind = x2.shape, x2.values(), x2.dtype.kind
    else:
        shape, v, vkind = (), [x2], D.scalar_kind(x2)
    bis = bisect.bisect_left if side == "left" else bisect.bisect_right
    if x1.dtype.kind == "c" or vkind == "c":
        keys = [_cplx_key(complex(t)) for t in a]
        res = [bis(keys, _cplx_key(complex(t))) for t in v]
    else:
        k = n
        while k and a[k - 1] != a[k - 1]:   # trailing NaN: larger than every number
            k -= 1
        body = a[:k] if k < n else a
        if vkind == "f":
            nan_pos = k if side == "left" else n
            res = [bis(body, t) if t == t else nan_pos for t in v]
        else:
            res = [bis(body, t) for t in v]
    return _i64(res, shape)


# ------------------------------------------------------------------ sets
def _unique(x, want_index, want_inverse, want_counts):
    flat = _values(x)
    kind = x.dtype.kind
    order = _argsort_lane(flat, kind, False)
    s = [flat[i] for i in order]
    counts = [len(list(g)) for _, g in itertools.groupby(s)]   # NaN != NaN: each its own
    starts = [0]
    starts += itertools.accumulate(counts[:-1])
    if not counts:
        starts = []
    k = len(counts)
    values = from_list([s[p] for p in starts], (k,), x.dtype, kind)
    out = {"values": values}
    if want_index:
        out["indices"] = _i64([order[p] for p in starts], (k,))
    if want_inverse:
        inv = [0] * len(flat)
        gids = [g for g, c in enumerate(counts) for _ in range(c)]
        for i, g in zip(order, gids):
            inv[i] = g
        out["inverse_indices"] = _i64(inv, x.shape)
    if want_counts:
        out["counts"] = _i64(counts, (k,))
    return out


def unique_values(x):
    return _unique(x, False, False, False)["values"]


def unique_counts(x):
    return UniqueCountsResult(**_unique(x, False, False, True))


def unique_inverse(x):
    return UniqueInverseResult(**_unique(x, False, True, False))


def unique_all(x):
    return UniqueAllResult(**_unique(x, True, True, True))
