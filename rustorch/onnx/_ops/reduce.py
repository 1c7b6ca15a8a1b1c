"""ONNX reductions, arg-reductions, scans, TopK and the softmax family.

Composed from rustorch's public Tensor API (autograd flows, every device).
Versioning that changes semantics:

- Reduce*: ``axes`` is an attribute until opset 13 (ReduceSum) / 18 (the
  others), then an optional input, together with ``noop_with_empty_axes``.
- ArgMax/ArgMin gain ``select_last_index`` at opset 12.
- TopK: ``k`` is an attribute at opset 1, an input from 10; ``largest`` and
  ``sorted`` arrive at 11.
- Softmax/LogSoftmax/Hardmax before opset 13 flatten the input to 2-D at
  ``axis`` (default 1); from 13 they work along ``axis`` (default -1).
"""
import rustorch as rt
import rustorch.nn.functional as F

from ..._errors import IndexOutOfRange, InvalidArgument, InvalidType, ShapeError
from . import op


def _as(result, dtype):
    return result if result.dtype == dtype else result.to(dtype)


def _axis(name, axis, ndim):
    """``axis`` made non-negative; IndexOutOfRange if outside ``[-ndim, ndim)``."""
    axis = int(axis)
    lim = max(ndim, 1)              # 0-d tensors accept axis 0 / -1, as torch does
    if not -lim <= axis < lim:
        raise IndexOutOfRange(f"ONNX {name}: axis {axis} is out of range for a tensor of rank {ndim}")
    return axis + lim if axis < 0 else axis


def _int_list(name, t):
    """The integers of a 0-d or 1-D int tensor input (axes, k, axis ...)."""
    if t.dtype.category != 1:
        raise InvalidType(f"ONNX {name}: expected an integer tensor, got {t.dtype}")
    if t.ndim > 1:
        raise ShapeError(f"ONNX {name}: expected a 1-D tensor, got shape {list(t.shape)}")
    v = t.tolist()
    return [v] if isinstance(v, int) else v


# ---------------------------------------------------------------------------
# Reduce*

def _reduce_axes(ctx, x, axes_input, input_since):
    """The sorted axes to reduce; ``()`` means no reduction (noop_with_empty_axes)."""
    name = ctx.node.op_type
    if ctx.opset >= input_since:
        axes = None if axes_input is None else _int_list(f"{name} axes", axes_input)
        noop = ctx.attr("noop_with_empty_axes", 0)
    else:
        axes, noop = ctx.attr("axes"), 0
    if not axes:
        return () if noop else tuple(range(x.ndim))
    norm = sorted(_axis(name, a, x.ndim) for a in axes)
    if len(set(norm)) != len(norm):
        raise InvalidArgument(f"ONNX {name}: repeated axis in axes={list(axes)}")
    return tuple(a for a in norm if a < x.ndim)     # a 0-d input has nothing to reduce


def _reduced_shape(shape, axes, keepdims):
    if keepdims:
        return [1 if i in axes else s for i, s in enumerate(shape)]
    return [s for i, s in enumerate(shape) if i not in axes]


def _extreme(dtype, largest):
    if dtype.is_floating_point:
        return float("inf") if largest else float("-inf")
    if dtype == rt.bool:
        return largest
    info = rt.iinfo(dtype)
    return info.max if largest else info.min


def _reduction(name, since, input_since, reduce_fn, pre=None, post=None, empty=None):
    """Register ReduceX: ``post(reduce_fn(pre(x), axes, keepdims))``.

    ``empty(dtype)`` is the value of a reduction over zero elements, where
    ``reduce_fn`` itself cannot produce it (max/min of nothing)."""

    def run(ctx, x, axes=None):
        dims = _reduce_axes(ctx, x, axes, input_since)
        keepdims = bool(ctx.attr("keepdims", 1))
        y = pre(x) if pre else x
        if dims:
            if empty is not None and any(x.shape[d] == 0 for d in dims):
                return rt.full(_reduced_shape(x.shape, dims, keepdims), empty(x.dtype),
                               dtype=x.dtype, device=x.device)
            y = reduce_fn(y, dims, keepdims)
        y = post(y) if post else y
        return _as(y, x.dtype)

    run.__name__ = name
    for v in sorted({since, input_since}):
        op(name, since=v)(run)


def _prod(x, dims, keepdims):
    for d in reversed(dims):               # rt.prod takes one dim at a time
        x = rt.prod(x, dim=d, keepdim=keepdims)
    return x


def _max(x, dims, keepdims):
    if x.dtype == rt.bool:
        return rt.any(x, dim=dims, keepdim=keepdims)
    return rt.amax(x, dim=dims, keepdim=keepdims)


def _min(x, dims, keepdims):
    if x.dtype == rt.bool:
        return rt.all(x, dim=dims, keepdim=keepdims)
    return rt.amin(x, dim=dims, keepdim=keepdims)


def _sum(x, dims, keepdims):
    return rt.sum(x, dim=dims, keepdim=keepdims)


def _square(x):
    return x * x


_reduction("ReduceSum", 1, 13, _sum)
_reduction("ReduceMean", 1, 18, lambda x, d, k: rt.mean(x, dim=d, keepdim=k))
_reduction("ReduceProd", 1, 18, _prod)
_reduction("ReduceMax", 1, 18, _max, empty=lambda dt: _extreme(dt, False))
_reduction("ReduceMin", 1, 18, _min, empty=lambda dt: _extreme(dt, True))
_reduction("ReduceSumSquare", 1, 18, _sum, pre=_square)
_reduction("ReduceL1", 1, 18, _sum, pre=rt.abs)
_reduction("ReduceL2", 1, 18, _sum, pre=_square, post=rt.sqrt)
_reduction("ReduceLogSum", 1, 18, _sum, post=rt.log)
# logsumexp is the overflow-safe log(sum(exp(x))); over nothing it gives -inf
_reduction("ReduceLogSumExp", 1, 18, lambda x, d, k: rt.logsumexp(x, dim=d, keepdim=k))


# ---------------------------------------------------------------------------
# ArgMax / ArgMin

def _arg(name, fn):
    def run(ctx, x):
        axis = _axis(name, ctx.attr("axis", 0), x.ndim)
        keepdims = bool(ctx.attr("keepdims", 1))
        if x.ndim and x.shape[axis] == 0:
            raise ShapeError(f"ONNX {name}: axis {axis} of shape {list(x.shape)} is empty")
        if ctx.attr("select_last_index", 0) and x.ndim:
            # the first hit in the flipped tensor is the last one in x
            idx = fn(rt.flip(x, [axis]), dim=axis, keepdim=keepdims)
            return (x.shape[axis] - 1) - idx
        return fn(x, dim=axis, keepdim=keepdims)
    return run


op("ArgMax", since=1)(_arg("ArgMax", rt.argmax))
op("ArgMin", since=1)(_arg("ArgMin", rt.argmin))


# ---------------------------------------------------------------------------
# CumSum / CumProd

def _scan(name, fn, identity):
    def run(ctx, x, axis):
        a = _int_list(f"{name} axis", axis)
        if len(a) != 1:
            raise ShapeError(f"ONNX {name}: axis must hold one value, got {a}")
        a = _axis(name, a[0], x.ndim)
        if x.ndim == 0:
            return x.clone()
        n = x.shape[a]
        y = rt.flip(x, [a]) if ctx.attr("reverse", 0) else x
        if ctx.attr("exclusive", 0) and n:
            # shift by one: the identity first, then the scan of all but the last element
            head_shape = list(x.shape)
            head_shape[a] = 1
            head = rt.full(head_shape, identity, dtype=x.dtype, device=x.device)
            y = rt.cat([head, _as(fn(rt.narrow(y, a, 0, n - 1), a), x.dtype)], dim=a)
        else:
            y = _as(fn(y, a), x.dtype)
        return rt.flip(y, [a]) if ctx.attr("reverse", 0) else y
    return run


op("CumSum", since=11)(_scan("CumSum", rt.cumsum, 0))
op("CumProd", since=26)(_scan("CumProd", rt.cumprod, 1))


# ---------------------------------------------------------------------------
# TopK

def _topk(ctx, x, k, name="TopK"):
    axis = _axis(name, ctx.attr("axis", -1), x.ndim)
    n = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= n:
        raise InvalidArgument(f"ONNX TopK: k={k} must be in [0, {n}] for axis {axis} of shape "
                              f"{list(x.shape)}")
    largest = bool(ctx.attr("largest", 1))
    # a stable sort keeps equal values in index order, as ONNX asks of TopK
    values, indices = rt.sort(x, dim=axis, descending=largest, stable=True)
    if x.ndim == 0:
        return values, indices
    return rt.narrow(values, axis, 0, k), rt.narrow(indices, axis, 0, k)


@op("TopK", since=1)
def topk_attr(ctx, x):
    k = ctx.attr("k")
    if k is None:
        raise InvalidArgument("ONNX TopK (opset < 10) needs the 'k' attribute")
    return _topk(ctx, x, int(k))


@op("TopK", since=10)
def topk(ctx, x, k):
    ks = _int_list("TopK k", k)
    if len(ks) != 1:
        raise ShapeError(f"ONNX TopK: k must hold one value, got shape {list(k.shape)}")
    return _topk(ctx, x, ks[0])


# ---------------------------------------------------------------------------
# Softmax / LogSoftmax / Hardmax

def _hardmax(x, dim):
    idx = rt.argmax(x, dim=dim, keepdim=True)        # first maximum, as the spec wants
    return rt.zeros_like(x).scatter(dim, idx, 1)


def _softmax_family(name, fn):
    def legacy(ctx, x):
        # opset < 13: coerce to 2-D [prod(shape[:axis]), prod(shape[axis:])]
        if x.ndim == 0:
            return fn(x.reshape(1, 1), 1).reshape(())
        axis = ctx.attr("axis", 1)
        if axis != x.ndim:                 # axis == rank is allowed: one element per row
            axis = _axis(name, axis, x.ndim)
        rows = 1
        for s in x.shape[:axis]:
            rows *= s
        cols = 1
        for s in x.shape[axis:]:
            cols *= s
        return fn(x.reshape(rows, cols), 1).reshape(list(x.shape))

    def current(ctx, x):
        if x.ndim == 0:
            return fn(x.reshape(1), 0).reshape(())
        return fn(x, _axis(name, ctx.attr("axis", -1), x.ndim))

    op(name, since=1)(legacy)
    op(name, since=13)(current)


_softmax_family("Softmax", lambda x, d: F.softmax(x, dim=d))
_softmax_family("LogSoftmax", lambda x, d: F.log_softmax(x, dim=d))
_softmax_family("Hardmax", _hardmax)
