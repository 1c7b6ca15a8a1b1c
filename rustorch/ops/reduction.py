"""Reductions and scans with torch's dim/keepdim and dtype rules."""
from .. import _dtype as dt
from .._errors import DTypeError, InvalidArgument, ShapeError
from .._tensor import Tensor, make, wrap_dim
from ..autograd.grad_mode import STATE
from ._core import cast, dims_arg, export, needs_grad, record


def _expand_back(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input's shape."""
    if not keepdim:
        for a in axes:
            g = g.unsqueeze(a)
    return g.expand(shape)


def _sum_dtype(d, dtype):
    if dtype is not None:
        return dt.as_dtype(dtype)
    return dt.int64 if d.category <= 1 else d


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    b = input._b
    nd = input._data.ndim
    axes = dims_arg(dim, nd) if not (isinstance(dim, (tuple, list)) and len(dim) == 0) else tuple(range(nd))
    d = _sum_dtype(b.dtype_of(input._data), dtype)
    x = cast(input, d)
    out = make(b.xp.sum(x._data, axis=axes, keepdims=keepdim), b)
    if STATE.enabled and x._rg:
        record(out, "SumBackward1" if dim is not None else "SumBackward0",
               lambda n, g: (_expand_back(g, n.ctx[0], n.ctx[1], n.ctx[2]),), (x,),
               ctx=(tuple(x.shape), axes, keepdim))
    return out


def mean(input, dim=None, keepdim=False, *, dtype=None):
    d = input.dtype if dtype is None else dt.as_dtype(dtype)
    if d.category < 2:
        raise DTypeError("mean(): could not infer output dtype. Input dtype must be either a "
                         f"floating point or complex dtype. Got: {dt.torch_type_name(d)}")
    x = cast(input, d)
    nd = x.ndim
    axes = dims_arg(dim, nd) if not (isinstance(dim, (tuple, list)) and len(dim) == 0) else tuple(range(nd))
    count = 1
    for a in axes:
        count *= x.shape[a]
    b = x._b
    xp = b.xp
    if count == 0:
        s = xp.sum(x._data, axis=axes, keepdims=keepdim)
        data = xp.divide(s, 0) if hasattr(s, "shape") else s
        out = make(xp.full(xp.sum(x._data, axis=axes, keepdims=keepdim).shape, float("nan"),
                           dtype=x._data.dtype), b)
    else:
        out = make(xp.mean(x._data, axis=axes, keepdims=keepdim), b)
    if STATE.enabled and x._rg:
        record(out, "MeanBackward1" if dim is not None else "MeanBackward0",
               lambda n, g: (_expand_back(g / n.ctx[3], n.ctx[0], n.ctx[1], n.ctx[2]),), (x,),
               ctx=(tuple(x.shape), axes, keepdim, count))
    return out


export({"sum": sum, "mean": mean})
