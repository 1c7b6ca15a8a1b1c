"""Reductions and scans of the pure-Python namespace (array-API signatures,
NumPy 2 semantics).

Every reduction reads its operand once as a flat list (``values()``), cuts it
into *lanes* -- one list per output element holding the reduced elements in
index order -- and reduces each lane with a builtin (``sum``, ``math.prod``,
``max`` ...), so the per-element work runs in C.  Reduced axes that form one
block of the C order are cut with (strided) list slices; other axis sets go
through a permuted view that puts them last.

Floats accumulate in Python floats (double precision; builtin ``sum``, which
is compensated from Python 3.12 -- ``math.fsum`` measured 5-7x slower) and
are rounded once when stored; integers accumulate exactly and wrap once when stored, which is
what NumPy's step-by-step wrapping gives.
"""
import builtins
import cmath
import math
import operator
from itertools import accumulate

from . import _dtypes as D
from ._core import PyArray, asarray, astype, from_list, numel, permute_dims

__all__ = ["sum", "prod", "max", "min", "mean", "var", "std", "argmax", "argmin", "all", "any",
           "cumulative_sum", "cumulative_prod"]

_sum = builtins.sum
_max = builtins.max
_min = builtins.min
_all = builtins.all
_any = builtins.any
_isnan = math.isnan
_mul = operator.mul


class AxisError(ValueError, IndexError):
    """An axis out of range (NumPy's AxisError is a ValueError and an IndexError)."""


# ------------------------------------------------------------------ helpers
def _arr(x):
    return x if isinstance(x, PyArray) else asarray(x)


def _norm_axes(axis, ndim):
    """axis (None / int / sequence) -> sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (tuple, list)):
        axis = (axis,)
    out = []
    for a in axis:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise AxisError(f"axis {a} is out of bounds for array of dimension {ndim}")
        a %= ndim
        if a in out:
            raise ValueError("duplicate value in 'axis'")
        out.append(a)
    return tuple(sorted(out))


def _lanes(x, axes):
    """(lanes, kept shape, lane length): one list per output element (C order of
    the kept axes) holding the reduced elements in index order."""
    shape = x.shape
    n = 1
    for a in axes:
        n *= shape[a]
    kept = [i for i in range(x.ndim) if i not in axes]
    out_shape = tuple(shape[i] for i in kept)
    m = numel(out_shape)
    if m == 0:
        return [], out_shape, n
    if n == 0:
        return [[] for _ in range(m)], out_shape, n
    if m == 1:
        return [x.values()], out_shape, n
    if not x.contig and axes:
        p = permute_dims(x, tuple(kept) + axes)
        if p.contig:    # e.g. a transposed view reduced along its old last axis
            vals = p.values()
            return [vals[i:i + n] for i in range(0, m * n, n)], out_shape, n
    if axes and axes[-1] - axes[0] == len(axes) - 1:
        # the reduced axes form one block of the C order: strided slices
        inner = numel(shape[axes[-1] + 1:])
        vals = x.values()
        if inner == 1:
            return [vals[i:i + n] for i in range(0, m * n, n)], out_shape, n
        block = n * inner
        return [vals[o + i:o + block:inner] for o in range(0, m * n, block)
                for i in range(inner)], out_shape, n
    vals = permute_dims(x, tuple(kept) + axes).values()
    return [vals[i:i + n] for i in range(0, m * n, n)], out_shape, n


def _out_shape(x, axes, kept_shape, keepdims):
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    return kept_shape


def _sum_dtype(d):
    """NumPy's default accumulator of sum / prod / cumulative_*."""
    if d.kind in "bi":
        return D.int64 if d.kind == "b" or d.itemsize < 8 else d
    if d.kind == "u":
        return D.uint64
    return d


def _cast_for(x, dtype):
    """x cast to ``dtype`` where accumulating its own values would differ."""
    k, sk = dtype.kind, x.dtype.kind
    if k in "iu" and sk in "biu":
        return x                      # exact sum, wrapped once on store
    if x.dtype is dtype or (k == sk and dtype.itemsize > x.dtype.itemsize):
        return x                      # widening a float / complex: exact
    return astype(x, dtype)


def _store(vals, shape, dtype):
    k = dtype.kind
    return from_list(vals, shape, dtype, "i" if k in "iu" else (k if vals else None))


def _has_nan(lane):
    return _any(map(_isnan, lane))


def _has_cnan(lane):
    return _any(map(cmath.isnan, lane))


def _ckey(v):
    return (v.real, v.imag)


# ------------------------------------------------------------------ sum / prod
def sum(x, /, *, axis=None, dtype=None, keepdims=False):  # noqa: A001
    x = _arr(x)
    dtype = _sum_dtype(x.dtype) if dtype is None else dtype
    x = _cast_for(x, dtype)
    axes = _norm_axes(axis, x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    if dtype is D.bool_:
        res = list(map(_any, lanes))
    else:
        res = list(map(_sum, lanes))
    return _store(res, _out_shape(x, axes, kshape, keepdims), dtype)


def prod(x, /, *, axis=None, dtype=None, keepdims=False):
    x = _arr(x)
    dtype = _sum_dtype(x.dtype) if dtype is None else dtype
    x = _cast_for(x, dtype)
    axes = _norm_axes(axis, x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    if dtype is D.bool_:
        res = list(map(_all, lanes))
    else:
        res = list(map(math.prod, lanes))
    if dtype.kind in "fc":
        # math.prod of an all-int lane (empty) is int 1
        res = [complex(v) if dtype.kind == "c" else float(v) for v in res] if n == 0 else res
    return _store(res, _out_shape(x, axes, kshape, keepdims), dtype)


# ------------------------------------------------------------------ max / min
def _extreme(x, axis, keepdims, pick, name):
    x = _arr(x)
    axes = _norm_axes(axis, x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    if n == 0 and lanes:
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
    k = x.dtype.kind
    if k == "c":
        res = []
        for lane in lanes:
            if _has_cnan(lane):
                res.append(next(v for v in lane if cmath.isnan(v)))
            else:
                res.append(pick(lane, key=_ckey))
    else:
        res = list(map(pick, lanes))
        if k == "f":
            # a NaN anywhere makes the lane's sum NaN: check only such lanes
            sums = list(map(_sum, lanes))
            if _any(map(_isnan, sums)):
                nan = math.nan
                res = [nan if s != s and _has_nan(lane) else r
                       for r, s, lane in zip(res, sums, lanes)]
    return _store(res, _out_shape(x, axes, kshape, keepdims), x.dtype)


def max(x, /, *, axis=None, keepdims=False):  # noqa: A001
    return _extreme(x, axis, keepdims, _max, "maximum")


def min(x, /, *, axis=None, keepdims=False):  # noqa: A001
    return _extreme(x, axis, keepdims, _min, "minimum")


def _arg_extreme(x, axis, keepdims, pick, name):
    x = _arr(x)
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        axes = _norm_axes(operator.index(axis), x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    if n == 0 and lanes:
        raise ValueError(f"attempt to get {name} of an empty sequence")
    k = x.dtype.kind
    res = []
    if k == "c":
        for lane in lanes:
            if _has_cnan(lane):
                res.append(next(i for i, v in enumerate(lane) if cmath.isnan(v)))
            else:
                res.append(pick(range(n), key=lambda i: _ckey(lane[i])))
    else:
        res = [lane.index(pick(lane)) for lane in lanes]
        if k == "f":
            sums = list(map(_sum, lanes))
            if _any(map(_isnan, sums)):
                res = [next((i for i, v in enumerate(lane) if v != v), r) if s != s else r
                       for r, s, lane in zip(res, sums, lanes)]
    if keepdims:
        shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    else:
        shape = kshape
    return from_list(res, shape, D.int64, "i")


def argmax(x, /, *, axis=None, keepdims=False):
    return _arg_extreme(x, axis, keepdims, _max, "argmax")


def argmin(x, /, *, axis=None, keepdims=False):
    return _arg_extreme(x, axis, keepdims, _min, "argmin")


# ------------------------------------------------------------------ mean / var / std
def _float_dtype(d):
    return D.float64 if d.kind in "biu" else d


def mean(x, /, *, axis=None, keepdims=False):
    x = _arr(x)
    dtype = _float_dtype(x.dtype)
    axes = _norm_axes(axis, x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    if n == 0:
        res = [math.nan] * len(lanes)
    else:   # ints: an exact sum, rounded once
        res = [s / n for s in map(_sum, lanes)]
    return _store(res, _out_shape(x, axes, kshape, keepdims), dtype)


def _var_values(x, axis, correction):
    dtype = _float_dtype(x.dtype)
    if dtype is D.complex64:
        rdtype = D.float32
    elif dtype is D.complex128:
        rdtype = D.float64
    else:
        rdtype = dtype
    axes = _norm_axes(axis, x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    dof = n - correction
    res = []
    cplx = dtype.kind == "c"
    for lane in lanes:
        if n == 0:
            res.append(math.nan)
            continue
        mu = _sum(lane) / n
        d = list(map(mu.__rsub__, lane))
        if cplx:
            re = [v.real for v in d]
            im = [v.imag for v in d]
            s = _sum(map(_mul, re, re)) + _sum(map(_mul, im, im))
        else:
            s = _sum(map(_mul, d, d))
        if dof > 0:
            res.append(s / dof)
        else:
            res.append(math.inf if s > 0 else math.nan)
    return res, axes, kshape, rdtype


def var(x, /, *, axis=None, correction=0.0, keepdims=False):
    x = _arr(x)
    res, axes, kshape, rdtype = _var_values(x, axis, correction)
    return _store(res, _out_shape(x, axes, kshape, keepdims), rdtype)


def std(x, /, *, axis=None, correction=0.0, keepdims=False):
    x = _arr(x)
    res, axes, kshape, rdtype = _var_values(x, axis, correction)
    res = [math.sqrt(v) if v == v else v for v in res]
    return _store(res, _out_shape(x, axes, kshape, keepdims), rdtype)


# ------------------------------------------------------------------ all / any
def all(x, /, *, axis=None, keepdims=False):  # noqa: A001
    x = _arr(x)
    axes = _norm_axes(axis, x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    return from_list(list(map(_all, lanes)), _out_shape(x, axes, kshape, keepdims), D.bool_, "b")


def any(x, /, *, axis=None, keepdims=False):  # noqa: A001
    x = _arr(x)
    axes = _norm_axes(axis, x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    return from_list(list(map(_any, lanes)), _out_shape(x, axes, kshape, keepdims), D.bool_, "b")


# ------------------------------------------------------------------ scans
def _scan(x, axis, dtype, include_initial, op, identity, name):
    x = _arr(x)
    if x.ndim == 0:
        raise ValueError(f"{name} requires an array of at least one dimension")
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{name}: axis must be given for arrays of more than one dimension")
        axis = 0
    (a,) = _norm_axes(operator.index(axis), x.ndim)
    dtype = _sum_dtype(x.dtype) if dtype is None else dtype
    x = _cast_for(x, dtype)
    shape = x.shape
    n = shape[a]
    n_out = n + 1 if include_initial else n
    out_shape = shape[:a] + (n_out,) + shape[a + 1:]
    total = numel(out_shape)
    kind = dtype.kind
    if dtype is D.bool_:
        op = operator.or_ if op is operator.add else operator.and_
        identity = identity != 0
    elif kind == "f":
        identity = float(identity)
    elif kind == "c":
        identity = complex(identity)
    if total == 0:
        return from_list([], out_shape, dtype, kind)
    lanes, _, _ = _lanes(x, (a,))
    if include_initial:
        scans = [list(accumulate(lane, op, initial=identity)) for lane in lanes]
    else:
        scans = [list(accumulate(lane, op)) for lane in lanes]
    return _store(_unlanes(scans, out_shape, a), out_shape, dtype)


def _unlanes(results, shape, a):
    """Flat C-order values of an array of ``shape`` from one list per lane
    along axis ``a`` (lanes in the C order of the other axes)."""
    inner = numel(shape[a + 1:])
    if inner == 1:
        return [v for r in results for v in r]
    total = numel(shape)
    flat = [None] * total
    block = shape[a] * inner
    it = iter(results)
    for o in range(0, total, block):
        for i in range(inner):
            flat[o + i:o + block:inner] = next(it)
    return flat


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    return _scan(x, axis, dtype, include_initial, operator.add, 0, "cumulative_sum")


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    return _scan(x, axis, dtype, include_initial, operator.mul, 1, "cumulative_prod")


# ------------------------------------------------------------------ fused kernels (python backend)
_exp = math.exp
_log = math.log
_INF = math.inf


def _lse(lane):
    """log(sum(exp(lane))) of a list of floats, stabilised by its max."""
    if not lane:
        return -_INF
    m = _max(lane)
    if m == _INF or m == -_INF or m != m:
        return math.nan if _has_nan(lane) else m
    t = _sum(map(_exp, map(m.__rsub__, lane)))     # exp(v - m) <= 1: no overflow
    return m + _log(t)


def logsumexp(x, axes, keepdims):
    """The backend's ``logsumexp`` kernel for real floating ``x``."""
    axes = _norm_axes(axes, x.ndim)
    lanes, kshape, n = _lanes(x, axes)
    return _store(list(map(_lse, lanes)), _out_shape(x, axes, kshape, keepdims), x.dtype)


def softmax(x, axis, log=False):
    """(log-)softmax of real floating ``x`` along ``axis``."""
    (a,) = _norm_axes(axis, x.ndim)
    if x.size == 0:
        return from_list([], x.shape, x.dtype, "f")
    lanes, _, _ = _lanes(x, (a,))
    res = []
    for lane in lanes:
        if log:
            res.append(list(map(_lse(lane).__rsub__, lane)))     # v - lse never raises
            continue
        m = _max(lane)
        if m != _INF and m != -_INF and m == m:
            e = list(map(_exp, map(m.__rsub__, lane)))
            s = _sum(e)
            if s == s:                  # no NaN in the lane
                res.append(list(map((1.0 / s).__mul__, e)))
                continue
        # inf / NaN lanes: exp(x - max) / sum, with the max NaN if any element is
        if _has_nan(lane):
            res.append([math.nan] * len(lane))
            continue
        e = [_exp(d) if d == d else math.nan for d in map(m.__rsub__, lane)]
        s = _sum(e)
        res.append([t / s if s else math.nan for t in e])
    return _store(_unlanes(res, x.shape, a), x.shape, x.dtype)
