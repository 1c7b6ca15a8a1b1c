"""Reductions and scans with torch's dim/keepdim and dtype rules.

Kernels come from the backend namespace (``xp``) or its extension methods
(``median``, ``nanmedian``, ``mode``, ``cum_extreme``, ``logcumsumexp``,
``logsumexp``, ``scatter_add``); every backward is written with Tensor ops so
that higher-order gradients work.
"""
import math
import warnings

from .. import _dtype as dt
from .. import return_types as _rtypes
from .._errors import (DTypeError, IndexOutOfRange, InvalidArgument, InvalidType, ShapeError,
                       UnsupportedError)
from .._tensor import Tensor, make, wrap_dim
from ..autograd.grad_mode import STATE
from ._core import cast, dims_arg, export, record
from .creation import arange
from .elementwise import _float_input, finfo, maximum, minimum, where
from .inplace import apply_inplace
from .shape import cat

_INF = float("inf")


class _NotImplementedForDtype(DTypeError, NotImplementedError):
    """A kernel torch does not provide for a dtype (torch: NotImplementedError)."""


class _BadArgument(InvalidArgument, RuntimeError):
    """A bad option value that torch reports as RuntimeError."""


# ------------------------------------------------------------------ helpers
def _axes(dim, nd):
    """dim (None / int / sequence; None and () mean every dim) -> sorted axes.
    A 0-d tensor accepts dim 0 / -1 and reduces nothing."""
    if type(dim) is int and nd:
        return (wrap_dim(dim, nd),)
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(nd))
    axes = dims_arg(dim, nd)
    return axes if nd else ()


def _is_full(dim):
    return dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)


def _keep(t, axes, keepdim):
    """A reduced tensor with its reduced axes restored as size 1."""
    if not keepdim:
        for a in axes:
            t = t.unsqueeze(a)
    return t


def _expand_back(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input's shape."""
    g = _keep(g, axes, keepdim)
    if tuple(g.shape) == tuple(shape):
        return g
    return g.expand(shape)


def _reduced_shape(shape, axes, keepdim):
    if keepdim:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _numel_of(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _sum_dtype(d, dtype):
    if dtype is not None:
        return dt.as_dtype(dtype)
    return dt.int64 if d.category <= 1 else d


def _i64(b, a):
    """A backend index array as int64 (argmax and friends may give intp)."""
    if b.dtype_of(a) is not dt.int64:
        a = b.xp.astype(a, b.to_native_dtype(dt.int64))
    return a


def _copy(x):
    return x._b.xp.asarray(x._data, copy=True)


def _conj(t):
    return t.conj() if t.dtype.category == 3 else t


def _safe_div(num, den):
    """num / den, and 0 where den == 0 (no division by zero is evaluated)."""
    zero = den == 0
    return where(zero, num.new_zeros(()), num / where(zero, den.new_ones(()), den))


def _no_complex(x, what):
    d = x._b.dtype_of(x._data)
    if d.category == 3:
        raise _NotImplementedForDtype(f"\"{what}\" not implemented for '{dt.torch_type_name(d)}'")
    return d


def _check_nonempty(x, axes, name, full):
    """max/amax/argmax & co. have no identity: reducing an empty dim is an error."""
    shape = x._data.shape
    if full and x.numel() == 0:
        if name in ("argmax", "argmin"):
            raise IndexOutOfRange(f"{name}(): Expected reduction dim to be specified for "
                                  "input.numel() == 0.")
        raise ShapeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                         "Specify the reduction dim with the 'dim' argument.")
    for a in axes:
        if shape[a] == 0:
            raise IndexOutOfRange(f"{name}(): Expected reduction dim {a} to have non-zero size.")


# ------------------------------------------------------------------ gather / scatter (private)
def _gather(x, d, idx):
    """take_along_axis(x, idx, d), differentiable in x (idx: backend int array)."""
    b = x._b
    out = make(b.xp.take_along_axis(x._data, idx, axis=d), b)
    if STATE.enabled and x._rg:
        record(out, "GatherBackward0", lambda n, g: (_scatter_into(g, n.ctx, d, idx),), (x,),
               ctx=x._data.shape)
    return out


def _scatter_into(src, shape, d, idx):
    """zeros(shape) with src summed in at idx along d, differentiable in src."""
    b = src._b
    z = b.xp.zeros(shape, dtype=src._data.dtype)
    out = make(b.scatter_add(z, d, idx, src._data), b)
    if STATE.enabled and src._rg:
        record(out, "ScatterAddBackward0", lambda n, g: (_gather(g, d, idx),), (src,))
    return out


def _select_bwd(n, g):
    """Backward of a reduction that picks one element per slice (max/min/median/mode
    with dim, cummax/cummin): the gradient goes to the picked indices."""
    idx, = n.unpack()
    shape, a, keepdim = n.ctx
    if not shape:
        return (g,)
    idata = idx._data
    if not keepdim:
        idata = idx._b.xp.expand_dims(idata, axis=a)
        g = g.unsqueeze(a)
    return (_scatter_into(g, shape, a, idata),)


def _evenly_bwd(n, g):
    """Backward of a full max/min/median: split evenly among the elements equal
    to the result (NaN counts as equal to a NaN result), like torch."""
    x, = n.unpack()
    v = n.out()
    mask = x == v
    if x.dtype.category >= 2:
        mask = mask | (x.isnan() & v.isnan())
    return ((g / mask.sum()) * mask,)


def _values_indices(rtype, values, indices, x, a, keepdim, node):
    if STATE.enabled and x._rg:
        record(values, node, _select_bwd, (x,), saved=(indices,),
               ctx=(x._data.shape, a, keepdim))
    return rtype((values, indices))


# ------------------------------------------------------------------ sum / mean / nansum / prod
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    b = input._b
    axes = _axes(dim, input._data.ndim)
    d = _sum_dtype(b.dtype_of(input._data), dtype)
    x = cast(input, d)
    # the namespace widens small ints unless told the dtype; torch keeps it
    out = make(b.xp.sum(x._data, axis=axes, keepdims=keepdim, dtype=x._data.dtype), b)
    if STATE.enabled and x._rg:
        record(out, "SumBackward1" if dim is not None else "SumBackward0",
               lambda n, g: (_expand_back(g, n.ctx[0], n.ctx[1], n.ctx[2]),), (x,),
               ctx=(x._data.shape, axes, keepdim))
    return out


def mean(input, dim=None, keepdim=False, *, dtype=None):
    d = input.dtype if dtype is None else dt.as_dtype(dtype)
    if d.category < 2:
        raise DTypeError("mean(): could not infer output dtype. Input dtype must be either a "
                         f"floating point or complex dtype. Got: {dt.torch_type_name(d)}")
    x = cast(input, d)
    axes = _axes(dim, x._data.ndim)
    count = _numel_of(x._data.shape, axes)
    b = x._b
    xp = b.xp
    if count == 0:
        out = make(xp.full(_reduced_shape(x._data.shape, axes, keepdim), float("nan"),
                           dtype=x._data.dtype), b)
    else:
        out = make(xp.mean(x._data, axis=axes, keepdims=keepdim), b)
    if STATE.enabled and x._rg:
        record(out, "MeanBackward1" if dim is not None else "MeanBackward0",
               lambda n, g: (_expand_back(g / n.ctx[3], n.ctx[0], n.ctx[1], n.ctx[2]),), (x,),
               ctx=(x._data.shape, axes, keepdim, count))
    return out


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    b = input._b
    src = _no_complex(input, "nansum")
    axes = _axes(dim, input._data.ndim)
    d = _sum_dtype(src, dtype)
    x = cast(input, d)
    xp = b.xp
    data = x._data
    if d.category >= 2:
        data = xp.where(xp.isnan(data), xp.zeros((), dtype=data.dtype), data)
    out = make(xp.sum(data, axis=axes, keepdims=keepdim), b)
    if STATE.enabled and x._rg:
        record(out, "NansumBackward0", _nansum_bwd, (x,), saved=(x,), ctx=(axes, keepdim))
    return out


def _nansum_bwd(n, g):
    x, = n.unpack()
    axes, keepdim = n.ctx
    return (_keep(g, axes, keepdim) * x.isnan().logical_not(),)  # torch: NaN where g is inf


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    d = input.dtype
    if d.category < 2:
        raise DTypeError("nanmean(): expected input to have floating point or complex dtype but "
                         f"got {dt.torch_type_name(d)}")
    factor = input.isnan().logical_not().sum(dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / factor


def prod(input, dim=None, keepdim=False, *, dtype=None):
    if isinstance(dim, (tuple, list)):
        raise InvalidType(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    b = input._b
    d = _sum_dtype(b.dtype_of(input._data), dtype)
    x = cast(input, d)
    nd = x._data.ndim
    axes = tuple(range(nd)) if dim is None else _axes(dim, nd)
    out = make(b.xp.prod(x._data, axis=axes, keepdims=keepdim), b)
    if STATE.enabled and x._rg:
        record(out, "ProdBackward0" if dim is None else "ProdBackward1", _prod_bwd, (x,),
               saved=(x,), ctx=(x._data.shape, axes, keepdim, dim is None))
    return out


def _prod_others(x, d):
    """For each element, the product of the others along dim d (exclusive
    products from both sides: exact with zeros, no division)."""
    n = x.shape[d]
    if n <= 1:
        return x.new_ones(tuple(x.shape))
    shp = list(x.shape)
    shp[d] = 1
    ones = x.new_ones(tuple(shp))
    left = cumprod(cat([ones, x.narrow(d, 0, n - 1)], d), d)
    right = cumprod(cat([ones, x.narrow(d, 1, n - 1).flip(d)], d), d).flip(d)
    return left * right


def _prod_bwd(n, g):
    x, = n.unpack()
    shape, axes, keepdim, full = n.ctx
    if not shape:
        return (g,)
    g = _keep(g, axes, keepdim)
    if full:
        others = _prod_others(x.reshape(-1), 0).reshape(shape)
    else:
        others = _prod_others(x, axes[0])
    return (g * _conj(others),)


# ------------------------------------------------------------------ max / min family
def _extreme_all(input, name, is_max):
    b = input._b
    _no_complex(input, f"{name}_all")
    _check_nonempty(input, (), name, True)
    xp = b.xp
    out = make((xp.max if is_max else xp.min)(input._data), b)
    if STATE.enabled and input._rg:
        record(out, "MaxBackward1" if is_max else "MinBackward1", _evenly_bwd, (input,),
               saved=(input,), save_out=True)
    return out


def _extreme_dim(input, dim, keepdim, name, is_max):
    b = input._b
    xp = b.xp
    _no_complex(input, name)
    nd = input._data.ndim
    a = wrap_dim(dim, nd)
    if nd == 0:
        values = make(_copy(input), b)
        indices = make(xp.zeros((), dtype=b.to_native_dtype(dt.int64)), b)
    else:
        _check_nonempty(input, (a,), name, False)
        data = input._data
        values = make((xp.max if is_max else xp.min)(data, axis=a, keepdims=keepdim), b)
        indices = make(_i64(b, (xp.argmax if is_max else xp.argmin)(data, axis=a,
                                                                     keepdims=keepdim)), b)
    return _values_indices(_rtypes.max if is_max else _rtypes.min, values, indices, input, a,
                           keepdim, "MaxBackward0" if is_max else "MinBackward0")


def max(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """max(input) -> value; max(input, dim, keepdim=False) -> (values, indices);
    max(input, other) -> maximum(input, other)."""
    if other is not None:
        return maximum(input, other)
    if dim is None:
        return _extreme_all(input, "max", True)
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _extreme_dim(input, dim, keepdim, "max", True)


def min(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """min(input) -> value; min(input, dim, keepdim=False) -> (values, indices);
    min(input, other) -> minimum(input, other)."""
    if other is not None:
        return minimum(input, other)
    if dim is None:
        return _extreme_all(input, "min", False)
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _extreme_dim(input, dim, keepdim, "min", False)


def _amaxmin(x, axes, keepdim, is_max):
    b = x._b
    xp = b.xp
    out = make((xp.max if is_max else xp.min)(x._data, axis=axes, keepdims=keepdim), b)
    if STATE.enabled and x._rg:
        record(out, "AmaxBackward0" if is_max else "AminBackward0", _amax_bwd, (x,),
               saved=(x,), save_out=True, ctx=(axes, keepdim))
    return out


def _amax_bwd(n, g):
    """Split evenly among the ties of each slice (torch's scale_grad_by_count)."""
    x, = n.unpack()
    axes, keepdim = n.ctx
    mask = x == _keep(n.out(), axes, keepdim)
    count = mask.sum(axes, keepdim=True)
    return ((_keep(g, axes, keepdim) / count) * mask,)


def amax(input, dim=(), keepdim=False):
    _no_complex(input, "max_values_cpu")
    axes = _axes(dim, input._data.ndim)
    _check_nonempty(input, axes, "amax", _is_full(dim))
    return _amaxmin(input, axes, keepdim, True)


def amin(input, dim=(), keepdim=False):
    _no_complex(input, "min_values_cpu")
    axes = _axes(dim, input._data.ndim)
    _check_nonempty(input, axes, "amin", _is_full(dim))
    return _amaxmin(input, axes, keepdim, False)


def aminmax(input, *, dim=None, keepdim=False):
    _no_complex(input, "aminmax_cpu")
    nd = input._data.ndim
    if dim is None:
        if input.numel() == 0:
            raise ShapeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                             "operation has no identity.")
        axes = tuple(range(nd))
    else:
        a = wrap_dim(dim, nd)
        axes = (a,) if nd else ()
        if nd and input._data.shape[a] == 0:
            raise IndexOutOfRange(f"aminmax: Expected reduction dim {a} to have non-zero size.")
    return _rtypes.aminmax((_amaxmin(input, axes, keepdim, False),
                            _amaxmin(input, axes, keepdim, True)))


def _arg_extreme(input, dim, keepdim, name, is_max):
    b = input._b
    xp = b.xp
    d = _no_complex(input, name)
    if d is dt.bool:
        raise DTypeError(f"{name}(): does not support bool input")
    fn = xp.argmax if is_max else xp.argmin
    nd = input._data.ndim
    if dim is None:
        _check_nonempty(input, (), name, True)
        r = fn(xp.reshape(input._data, (-1,)))
        if keepdim and nd:
            r = xp.reshape(r, (1,) * nd)
    else:
        a = wrap_dim(dim, nd)
        if nd == 0:
            r = xp.zeros((), dtype=b.to_native_dtype(dt.int64))
        else:
            _check_nonempty(input, (a,), name, False)
            r = fn(input._data, axis=a, keepdims=keepdim)
    return make(_i64(b, r), b)


def argmax(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, "argmax", True)


def argmin(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, "argmin", False)


# ------------------------------------------------------------------ median / nanmedian / mode
def _median_common(input, dim, keepdim, name, kernel, rtype):
    b = input._b
    xp = b.xp
    d = b.dtype_of(input._data)
    if d is dt.bool or d.category == 3:
        raise _NotImplementedForDtype(f"\"{name}_cpu\" not implemented for '{dt.torch_type_name(d)}'")
    nd = input._data.ndim
    if dim is None:  # global: lower median of all elements
        if input.numel() == 0:
            if d.category < 2:
                raise ShapeError(f"{name}() of an empty integer tensor has no value")
            out = make(xp.full((), float("nan"), dtype=input._data.dtype), b)
        else:
            out = make(kernel(xp.reshape(input._data, (-1,)), 0)[0], b)
        if STATE.enabled and input._rg:
            record(out, name.capitalize() + "Backward0", _evenly_bwd, (input,), saved=(input,),
                   save_out=True)
        return out
    a = wrap_dim(dim, nd)
    if nd == 0:
        values = make(_copy(input), b)
        indices = make(xp.zeros((), dtype=b.to_native_dtype(dt.int64)), b)
    else:
        _check_nonempty(input, (a,), name, False)
        v, i = kernel(input._data, a)
        i = _i64(b, i)
        if keepdim:
            v, i = xp.expand_dims(v, axis=a), xp.expand_dims(i, axis=a)
        values, indices = make(v, b), make(i, b)
    return _values_indices(rtype, values, indices, input, a, keepdim, name.capitalize() + "Backward1")


def median(input, dim=None, keepdim=False):
    """median(input) -> the lower median; median(input, dim) -> (values, indices).
    NaN propagates."""
    return _median_common(input, dim, keepdim, "median", input._b.median, _rtypes.median)


def nanmedian(input, dim=None, keepdim=False):
    """Like median, ignoring NaN (NaN only where a slice is all NaN)."""
    return _median_common(input, dim, keepdim, "nanmedian", input._b.nanmedian, _rtypes.nanmedian)


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along dim (the smallest among
    equally frequent ones) and the index of its last occurrence."""
    b = input._b
    xp = b.xp
    _no_complex(input, "mode")
    nd = input._data.ndim
    a = wrap_dim(dim, nd)
    if nd == 0:
        values = make(_copy(input), b)
        indices = make(xp.zeros((), dtype=b.to_native_dtype(dt.int64)), b)
    else:
        _check_nonempty(input, (a,), "mode", False)
        v, i = b.mode(input._data, a)
        i = _i64(b, i)
        if keepdim:
            v, i = xp.expand_dims(v, axis=a), xp.expand_dims(i, axis=a)
        values, indices = make(v, b), make(i, b)
    return _values_indices(_rtypes.mode, values, indices, input, a, keepdim, "ModeBackward0")


# ------------------------------------------------------------------ var / std
def _var_args(name, dim, unbiased, correction):
    if isinstance(dim, bool):  # var(x, True): the legacy unbiased-only form
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise InvalidType(f"{name}() received an invalid combination of arguments: "
                          "'unbiased' and 'correction' cannot be given together")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def _var_forward(input, dim, correction, keepdim, name, wname):
    """(variance data, mean data with keepdims, axes, dof) -- ``name`` for errors."""
    d = input.dtype
    if d.category < 2:
        raise DTypeError(f"{name} only support floating point and complex dtypes")
    b = input._b
    xp = b.xp
    data = input._data
    axes = _axes(dim, data.ndim)
    n = _numel_of(data.shape, axes)
    dof = n - correction
    rnative = b.to_native_dtype(d.to_real())
    if n == 0:
        nan = float("nan")
        return (xp.full(_reduced_shape(data.shape, axes, keepdim), nan, dtype=rnative),
                xp.full(_reduced_shape(data.shape, axes, True), nan, dtype=data.dtype), axes, dof)
    m = xp.mean(data, axis=axes, keepdims=True)
    dev = xp.subtract(data, m)
    sq = xp.real(xp.multiply(dev, xp.conj(dev))) if d.category == 3 else xp.multiply(dev, dev)
    s = xp.sum(sq, axis=axes, keepdims=keepdim)
    if dof > 0:
        v = xp.divide(s, dof)
    else:
        warnings.warn(f"{wname}(): degrees of freedom is <= 0. Correction should be "
                      "strictly less than the reduction factor (input numel divided by output "
                      "numel).", UserWarning, stacklevel=3)
        s = xp.asarray(s)
        v = xp.where(xp.greater(s, 0), xp.full(s.shape, _INF, dtype=s.dtype),
                     xp.full(s.shape, float("nan"), dtype=s.dtype))
    return v, m, axes, dof


def _var_grad(x, gv, axes, keepdim, dof):
    """d var / d x applied to the (reduced) gradient gv."""
    scale = 2.0 / dof if dof > 0 else _INF
    return (_keep(gv, axes, keepdim) * scale) * (x - x.mean(axes, keepdim=True))


def _var_bwd(n, g):
    x, = n.unpack()
    axes, keepdim, dof = n.ctx
    return (_var_grad(x, g, axes, keepdim, dof),)


def _std_bwd(n, g):
    x, = n.unpack()
    axes, keepdim, dof = n.ctx
    return (_var_grad(x, _safe_div(g, n.out() * 2), axes, keepdim, dof),)


def _var_std(input, dim, unbiased, keepdim, correction, name, is_std, with_mean):
    dim, correction = _var_args(name, dim, unbiased, correction)
    wname = ("std" if is_std else "var") + ("_mean" if with_mean else "")
    v, m, axes, dof = _var_forward(input, dim, correction, keepdim, name, wname)
    b = input._b
    xp = b.xp
    if is_std:
        v = xp.sqrt(v)
    out = make(v, b)
    grad = STATE.enabled and input._rg
    if grad:
        record(out, "StdBackward0" if is_std else "VarBackward0", _std_bwd if is_std else _var_bwd,
               (input,), saved=(input,), save_out=is_std, ctx=(axes, keepdim, dof))
    if not with_mean:
        return out
    mt = make(m if keepdim else xp.squeeze(m, axis=axes), b)
    if grad:
        count = _numel_of(input._data.shape, axes)
        record(mt, "MeanBackward1", lambda n, g: (_expand_back(g / count, n.ctx[0], axes, keepdim),),
               (input,), ctx=(input._data.shape,))
    return out, mt


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """var(input, dim=None, *, correction=1, keepdim=False); also the legacy
    var(input, unbiased) and var(input, dim, unbiased, keepdim)."""
    return _var_std(input, dim, unbiased, keepdim, correction, "std and var", False, False)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """std(input, dim=None, *, correction=1, keepdim=False) (and the legacy forms)."""
    return _var_std(input, dim, unbiased, keepdim, correction, "std and var", True, False)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) in one pass."""
    return _var_std(input, dim, unbiased, keepdim, correction, "var_mean", False, True)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) in one pass."""
    return _var_std(input, dim, unbiased, keepdim, correction, "std_mean", True, True)


# ------------------------------------------------------------------ logsumexp / norm
def logsumexp(input, dim, keepdim=False):
    x = _float_input(input)
    b = x._b
    xp = b.xp
    data = x._data
    axes = _axes(dim, data.ndim)
    if not axes:
        out = make(xp.asarray(data, copy=True), b)
    elif _numel_of(data.shape, axes) == 0:
        out = make(xp.full(_reduced_shape(data.shape, axes, keepdim), -_INF, dtype=data.dtype), b)
    else:
        out = make(b.logsumexp(data, axes, keepdim), b)
    if STATE.enabled and x._rg:
        record(out, "LogsumexpBackward0", _logsumexp_bwd, (x,), saved=(x,), save_out=True,
               ctx=(axes, keepdim))
    return out


def _logsumexp_bwd(n, g):
    x, = n.unpack()
    axes, keepdim = n.ctx
    return (_keep(g, axes, keepdim) * _conj((x - _keep(n.out(), axes, keepdim)).exp()),)


def _ord_str(p):
    if math.isinf(p):
        return "inf" if p > 0 else "-inf"
    return str(int(p)) if p == int(p) else str(p)


def _vector_norm(input, ord, dim, keepdim, dtype):  # noqa: A002
    d = input.dtype
    if d.category < 2:
        raise DTypeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                         f"Got {dt.torch_type_name(d)}")
    x = input if dtype is None else cast(input, dt.as_dtype(dtype))
    p = float(ord)
    b = x._b
    xp = b.xp
    data = x._data
    axes = _axes(dim, data.ndim)
    if p < 0 or p == _INF:
        if dim is None:
            if x.numel() == 0:
                raise ShapeError(f"linalg.vector_norm cannot compute the {_ord_str(p)} norm on an "
                                 "empty tensor because the operation does not have an identity")
        else:
            for a in axes:
                if data.shape[a] == 0:
                    raise ShapeError(f"linalg.vector_norm cannot compute the {_ord_str(p)} norm on "
                                     f"the dimension {a} because this dimension is empty and the "
                                     "operation does not have an identity")
    rd = x.dtype.to_real()
    a = xp.abs(data)
    if rd in (dt.float16, dt.bfloat16):  # accumulate half precision in float32 like torch
        a = xp.astype(a, b.to_native_dtype(dt.float32))
    if p == 2:
        r = xp.sqrt(xp.sum(xp.multiply(a, a), axis=axes, keepdims=keepdim))
    elif p == 1:
        r = xp.sum(a, axis=axes, keepdims=keepdim)
    elif p == _INF:
        r = xp.max(a, axis=axes, keepdims=keepdim)
    elif p == -_INF:
        r = xp.min(a, axis=axes, keepdims=keepdim)
    elif p == 0:
        r = xp.sum(xp.astype(xp.not_equal(a, 0), a.dtype), axis=axes, keepdims=keepdim)
    else:
        r = xp.pow(xp.sum(xp.pow(a, p), axis=axes, keepdims=keepdim), 1.0 / p)
    r = xp.asarray(r)
    if r.dtype != b.to_native_dtype(rd):
        r = xp.astype(r, b.to_native_dtype(rd))
    out = make(r, b)
    if STATE.enabled and x._rg:
        record(out, "LinalgVectorNormBackward0", _norm_bwd, (x,), saved=(x,), save_out=True,
               ctx=(p, axes, keepdim))
    return out


def _norm_bwd(n, g):
    """torch's norm_backward, case by case."""
    x, = n.unpack()
    p, axes, keepdim = n.ctx
    norm = _keep(n.out(), axes, keepdim)
    g = _keep(g, axes, keepdim)
    if p == 0:
        return (x.new_zeros(tuple(x.shape)),)
    if p == 1:
        return (x.sgn() * g,)
    if p == 2:
        return (g * _safe_div(x, norm),)
    xa = x.abs()
    if math.isinf(p):
        mask = (xa == norm) | xa.isnan()
        return (x.sgn() * ((g / mask.sum(axes, keepdim=True)) * mask),)
    if p < 1:
        zero = x == 0
        scaled = x.sgn() * where(zero, xa.new_zeros(()), where(zero, xa.new_ones(()), xa) ** (p - 1))
        return (scaled * g * norm ** (1 - p),)
    scaled = x.sgn() * xa ** (p - 1) if p < 2 else x * xa ** (p - 2)
    return (scaled * _safe_div(g, norm ** (p - 1)),)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: vector norms (p = 2, 1, inf, -inf, 0 or any number; 'fro'
    over at most two dims) over ``dim`` (None: every element)."""
    if out is not None:
        raise UnsupportedError("norm(out=...) is not supported")
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return _vector_norm(input, 2, dim, keepdim, dtype)
        dims = list(range(input.ndim)) if dim is None else \
            ([dim] if isinstance(dim, int) else list(dim))
        if len(dims) != 2:
            raise ShapeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                             + " ".join(str(d_) for d_ in dims))
        if p == "nuc":
            raise UnsupportedError("norm(p='nuc'): the nuclear norm needs a singular value "
                                   "decomposition, which rustorch does not provide yet")
        raise _BadArgument(f"linalg.matrix_norm: Order {p} not supported.")
    return _vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype)


# ------------------------------------------------------------------ all / any
def all(input, dim=None, keepdim=False):  # noqa: A001
    b = input._b
    xp = b.xp
    r = xp.all(input._data, axis=_axes(dim, input._data.ndim), keepdims=keepdim)
    if b.dtype_of(input._data) is dt.uint8:
        return make(xp.astype(xp.asarray(r), input._data.dtype), b)
    return make(r, b)


def any(input, dim=None, keepdim=False):  # noqa: A001
    b = input._b
    xp = b.xp
    r = xp.any(input._data, axis=_axes(dim, input._data.ndim), keepdims=keepdim)
    if b.dtype_of(input._data) is dt.uint8:
        return make(xp.astype(xp.asarray(r), input._data.dtype), b)
    return make(r, b)


# ------------------------------------------------------------------ scans
def _rev_cumsum(g, a):
    return g.flip(a).cumsum(a).flip(a)


def cumsum(input, dim, *, dtype=None):
    b = input._b
    x = cast(input, _sum_dtype(b.dtype_of(input._data), dtype))
    nd = x._data.ndim
    a = wrap_dim(dim, nd)
    data = b.xp.cumulative_sum(x._data, axis=a, dtype=x._data.dtype) if nd else _copy(x)
    out = make(data, b)
    if STATE.enabled and x._rg:
        record(out, "CumsumBackward0", lambda n, g: (_rev_cumsum(g, a) if nd else g,), (x,))
    return out


def cumprod(input, dim, *, dtype=None):
    b = input._b
    x = cast(input, _sum_dtype(b.dtype_of(input._data), dtype))
    nd = x._data.ndim
    a = wrap_dim(dim, nd)
    data = b.xp.cumulative_prod(x._data, axis=a, dtype=x._data.dtype) if nd else _copy(x)
    out = make(data, b)
    if STATE.enabled and x._rg:
        record(out, "CumprodBackward0", _cumprod_bwd, (x,), saved=(x,), save_out=True,
               ctx=a if nd else None)
    return out


def _cumprod_bwd(n, g):
    """d cumprod, exact with zeros: before the first zero of a slice the usual
    reversed-cumsum formula; at the first zero the products that skip it;
    after it nothing (every later product holds the zero).  That value is not
    a formula whose derivative is cumprod's second derivative, so under
    create_graph an input with zeros takes the quadratic-size formula."""
    x, = n.unpack()
    a = n.ctx
    if a is None or x.shape[a] <= 1:
        return (g,)
    out = n.out()
    zero = x == 0
    if STATE.enabled:
        if not bool(zero.any()):
            return (_rev_cumsum(g * _conj(out), a) / _conj(x),)
        return (_cumprod_grad_smooth(x, g, a),)
    nz = zero.cumsum(a)
    before = nz == 0
    first = zero & (nz == 1)
    one = x.new_ones(())
    term1 = _rev_cumsum(g * _conj(out), a) / _conj(where(before, x, one))
    term2 = _rev_cumsum(g * _conj(cumprod(where(first, one, x), a)), a)
    return (where(before, term1, where(first, term2, x.new_zeros(()))),)


def _cumprod_grad_smooth(x, g, a):
    """grad_k = prod(x[:k]) * sum_{i>=k} g_i prod(x[k+1:i+1]) built from an
    (n, n) table of partial products: no division, differentiable everywhere."""
    n = x.shape[a]
    xc = _conj(x).movedim(a, -1)
    gm = g.movedim(a, -1)
    pos = arange(n, device=x.device)
    later = pos.unsqueeze(0) > pos.unsqueeze(1)          # [k, j]: j > k
    one = xc.new_ones(())
    table = cumprod(where(later, xc.unsqueeze(-2), one), -1)  # [.., k, i] = prod x[k+1:i+1]
    upper = pos.unsqueeze(0) >= pos.unsqueeze(1)         # [k, i]: i >= k
    r = (where(upper, table, xc.new_zeros(())) * gm.unsqueeze(-2)).sum(-1)
    left = cumprod(cat([xc.new_ones(tuple(xc.shape[:-1]) + (1,)), xc.narrow(-1, 0, n - 1)], -1), -1)
    return (left * r).movedim(-1, a)


def _cum_extreme(input, dim, name, is_max):
    b = input._b
    xp = b.xp
    _no_complex(input, f"{name}_cpu")
    nd = input._data.ndim
    a = wrap_dim(dim, nd)
    if nd == 0:
        v, i = _copy(input), xp.zeros((), dtype=b.to_native_dtype(dt.int64))
    else:
        v, i = b.cum_extreme(input._data, a, is_max)
    return _values_indices(_rtypes.cummax if is_max else _rtypes.cummin, make(v, b),
                           make(_i64(b, i), b), input, a, True,
                           "CummaxBackward0" if is_max else "CumminBackward0")


def cummax(input, dim):
    return _cum_extreme(input, dim, "cummax", True)


def cummin(input, dim):
    return _cum_extreme(input, dim, "cummin", False)


def logcumsumexp(input, dim):
    b = input._b
    d = b.dtype_of(input._data)
    if d.category < 2:
        raise _NotImplementedForDtype(f"\"logcumsumexp_out_cpu\" not implemented for "
                                      f"'{dt.torch_type_name(d)}'")
    nd = input._data.ndim
    a = wrap_dim(dim, nd)
    out = make(b.logcumsumexp(input._data, a) if nd else _copy(input), b)
    if STATE.enabled and input._rg:
        record(out, "LogcumsumexpBackward0", _logcumsumexp_bwd, (input,), saved=(input,),
               save_out=True, ctx=a if nd else None)
    return out


def _logcumsumexp_bwd(n, g):
    """torch's formula: positive and negative parts of g through reversed
    logcumsumexps, so nothing overflows."""
    x, = n.unpack()
    a = n.ctx
    if a is None:
        return (g,)
    out = n.out()
    lowest = g.new_full((), finfo(g.dtype).min)
    nz = g != 0
    log_abs = where(nz, g.abs(), g.new_ones(())).log()
    pos = where(g > 0, log_abs, lowest)
    neg = where(g < 0, log_abs, lowest)

    def rev(t):
        return logcumsumexp(t.flip(a), a).flip(a)
    return ((rev(pos - out) + x).exp() - (rev(neg - out) + x).exp(),)


# ------------------------------------------------------------------ methods and exports
_FUNCS = {
    "sum": sum, "mean": mean, "nansum": nansum, "nanmean": nanmean, "prod": prod,
    "max": max, "min": min, "amax": amax, "amin": amin, "aminmax": aminmax,
    "argmax": argmax, "argmin": argmin, "median": median, "nanmedian": nanmedian, "mode": mode,
    "var": var, "std": std, "logsumexp": logsumexp, "norm": norm, "all": all, "any": any,
    "cumsum": cumsum, "cumprod": cumprod, "cummax": cummax, "cummin": cummin,
    "logcumsumexp": logcumsumexp,
}
export(_FUNCS)
Tensor.cumsum_ = lambda self, dim, *, dtype=None: apply_inplace(self, cumsum, dim, dtype=dtype)
Tensor.cumprod_ = lambda self, dim, *, dtype=None: apply_inplace(self, cumprod, dim, dtype=dtype)

__all__ = list(_FUNCS) + ["var_mean", "std_mean"]
