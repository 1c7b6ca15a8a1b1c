"""Pooling: F.max_pool1d/2d/3d (+ indices), F.avg_pool1d/2d/3d, adaptive average
and max pooling, F.max_unpool1d/2d/3d.

Max pooling runs the backend's ``max_pool`` kernel (values and torch's flat
in-plane indices); its gradient is a scatter-add of the output gradient to
those indices, written with Tensor ops so it is differentiable again.  Average
pooling is im2col + a sum over the window + torch's divisor.  Adaptive pools
use torch's window rule start = floor(i*S/O), end = ceil((i+1)*S/O): average
as one averaging matrix per dim, max by gathering the (clipped) windows.
"""
import math
import numbers

from ... import _dtype as dt
from ..._errors import InvalidArgument, InvalidType, ShapeError, UnsupportedError, shape_str
from ..._tensor import Tensor, make
from ...autograd.grad_mode import STATE
from ...ops._core import record
from ._conv import im2col, ntuple

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _prod(xs):
    r = 1
    for v in xs:
        r *= v
    return r


def _pool_out(size, k, p, s, d, ceil_mode):
    """torch's pooling_output_shape."""
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _batched(input, nd, fn, what=None):
    if not isinstance(input, Tensor):
        raise InvalidType(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                          f"{type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2) or 0 in tuple(input.shape)[-(nd + 1):]:
        raise ShapeError(what or f"{fn}(): Expected {nd + 1}D or {nd + 2}D (batch mode) non-empty "
                         f"tensor for input, but got input of size: {shape_str(input.shape)}")
    if input.ndim == nd + 1:
        return input.unsqueeze(0), True
    return input, False


def _pool_args(nd, kernel_size, stride, padding, dilation, fn):
    kernel = ntuple(kernel_size, nd, "kernel_size", fn)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else ntuple(stride, nd, "stride", fn)
    padding = ntuple(padding, nd, "padding", fn)
    dilation = ntuple(dilation, nd, "dilation", fn)
    if any(k <= 0 for k in kernel):
        raise InvalidArgument(f"{fn}(): kernel_size must be greater than zero, but got {kernel}")
    if any(s <= 0 for s in stride):
        raise InvalidArgument("stride should not be zero" if any(s == 0 for s in stride)
                              else f"{fn}(): stride must be greater than zero, but got {stride}")
    if any(d <= 0 for d in dilation):
        raise InvalidArgument(f"{fn}() dilation must be greater than zero, but got "
                              f"{dilation[0] if nd == 1 else dilation}")
    if any(p < 0 for p in padding):
        raise InvalidArgument(f"{fn}(): pad must be non-negative, but got pad: {padding}")
    return kernel, stride, padding, dilation


def _out_sizes(x, kernel, stride, padding, dilation, ceil_mode, avg):
    spatial = tuple(x.shape[2:])
    for k, p, d in zip(kernel, padding, dilation):
        limit = k // 2 if avg else (d * (k - 1) + 1) // 2
        if p > limit:
            raise InvalidArgument(f"pad should be at most half of effective kernel size, but got "
                                  f"pad={p}, kernel_size={k} and dilation={d}" if not avg else
                                  f"pad should be at most half of effective kernel size, but got "
                                  f"pad={p}, kernel_size={k} and dilation=1")
    outs = tuple(_pool_out(s, k, p, st, d, ceil_mode)
                 for s, k, p, st, d in zip(spatial, kernel, padding, stride, dilation))
    if any(o < 1 for o in outs):
        c = x.shape[1]
        raise ShapeError(f"Given input size: ({'x'.join(str(v) for v in (c,) + spatial)}). "
                         f"Calculated output size: ({'x'.join(str(v) for v in (c,) + outs)}). "
                         f"Output size is too small")
    # exact (before, after) pads so that im2col yields exactly ``outs`` windows
    pads = tuple((p, (o - 1) * st + d * (k - 1) + 1 - s - p)
                 for s, k, p, st, d, o in zip(spatial, kernel, padding, stride, dilation, outs))
    return outs, pads


# ------------------------------------------------------------- max pooling
def _max_pool_bwd(n, g):
    idx, in_shape, overlap = n.ctx
    nb, c = in_shape[0], in_shape[1]
    z = g.new_zeros((nb, c, _prod(in_shape[2:])))
    # windows that cannot overlap hit every input element at most once: a plain
    # scatter (much faster than scatter_add) gives the same sums
    put = z.scatter_add if overlap else z.scatter
    return (put(2, idx.reshape(nb, c, -1), g.reshape(nb, c, -1)).reshape(in_shape),)


def _max_pool(input, nd, kernel_size, stride, padding, dilation, ceil_mode, fn):
    x, unbatched = _batched(input, nd, fn)
    if x.dtype is dt.bool or x.dtype.category == 3:
        raise UnsupportedError(f"\"{fn}\" not implemented for '{x.dtype.name}'")
    kernel, stride, padding, dilation = _pool_args(nd, kernel_size, stride, padding, dilation, fn)
    outs, pads = _out_sizes(x, kernel, stride, padding, dilation, ceil_mode, False)
    b = x._b
    vals, idx = b.max_pool(x._data, kernel, dilation, pads, stride)
    vals, idx = make(vals, b), make(idx, b)
    if STATE.enabled and x._rg:
        record(vals, f"MaxPool{nd}DWithIndicesBackward0", _max_pool_bwd, (x,),
               ctx=(idx, tuple(x.shape),
                    any(st < d * (k - 1) + 1 for st, d, k in zip(stride, dilation, kernel))))
    if unbatched:
        vals, idx = vals.squeeze(0), idx.squeeze(0)
    return vals, idx


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, "max_pool1d")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    r = _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, "max_pool1d")
    return r if return_indices else r[0]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    r = _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    return r if return_indices else r[0]


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    r = _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d")
    return r if return_indices else r[0]


# ------------------------------------------------------------- average pooling
def _avg_pool(input, nd, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, fn):
    x, unbatched = _batched(input, nd, fn)
    if x.dtype.category < 2:
        raise UnsupportedError(f"\"{fn}\" not implemented for '{x.dtype.name}'")
    kernel, stride, padding, dilation = _pool_args(nd, kernel_size, stride, padding, 1, fn)
    if divisor_override is not None and divisor_override == 0:
        raise InvalidArgument("divisor must be not zero")
    outs, pads = _out_sizes(x, kernel, stride, padding, dilation, ceil_mode, True)
    spatial = tuple(x.shape[2:])
    n, c = x.shape[0], x.shape[1]
    k = _prod(kernel)
    cols = im2col(x, kernel, dilation, pads, stride)             # (N, C*K, L)
    total = cols.reshape(n, c, k, -1).sum(2)                     # (N, C, L)
    if divisor_override is not None:
        out = total / divisor_override
    else:
        # torch's divisor per window: clipped to the padded input (count_include_pad)
        # or to the input itself
        per_dim = []
        for s, kk, p, st, o in zip(spatial, kernel, padding, stride, outs):
            row = []
            for i in range(o):
                start = i * st - p
                end = min(start + kk, s + p)
                size = end - start
                if not count_include_pad:
                    size = min(end, s) - max(start, 0)
                row.append(size)
            per_dim.append(row)
        if all(v == k for row in per_dim for v in row):
            out = total / k
        else:
            divs = [1]
            for row in per_dim:
                divs = [a * v for a in divs for v in row]
            out = total / x.new_tensor(divs)
    out = out.reshape((n, c) + outs)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d")


# ------------------------------------------------------------- adaptive pooling
def _adaptive_sizes(x, output_size, nd, fn):
    if isinstance(output_size, Tensor):
        output_size = output_size.tolist()
    if output_size is None or isinstance(output_size, numbers.Integral):
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) == 1 and nd > 1:
        output_size = output_size * nd
    if len(output_size) != nd:
        raise ShapeError(f"{fn}: output_size must be {nd}")
    spatial = tuple(x.shape[2:])
    outs = tuple(s if o is None else int(o) for o, s in zip(output_size, spatial))
    if any(o < 0 for o in outs):
        raise InvalidArgument(f"{fn}: elements of output_size must be greater than or equal to 0 "
                              f"but received {list(outs)}")
    return spatial, outs


def _windows(s, o):
    return [((i * s) // o, -((-(i + 1) * s) // o)) for i in range(o)]


def _adaptive_batched(input, nd, fn):
    if not isinstance(input, Tensor):
        raise InvalidType(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                          f"{type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise ShapeError(f"{fn}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                         f"{shape_str(input.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] == 0 and not (input.ndim == nd + 2 and i == 1):
            raise ShapeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                             f"dimensions, but input has sizes {shape_str(input.shape)} with "
                             f"dimension {i} being empty")
    if input.ndim == nd + 1:
        return input.unsqueeze(0), True
    return input, False


def _adaptive_avg(input, output_size, nd, fn):
    x, unbatched = _adaptive_batched(input, nd, fn)
    if x.dtype.category < 2:
        raise UnsupportedError(f"\"{fn}\" not implemented for '{x.dtype.name}'")
    spatial, outs = _adaptive_sizes(x, output_size, nd, fn)
    out = x
    for d, (s, o) in enumerate(zip(spatial, outs)):
        if s == o:
            continue
        axis = 2 + d
        if o and s % o == 0 and d == nd - 1:
            # equal windows along the last dim: a reshape and a mean
            out = out.reshape(tuple(out.shape[:-1]) + (o, s // o)).mean(-1)
            continue
        mat = [[0.0] * s for _ in range(o)]
        for i, (a, e) in enumerate(_windows(s, o)):
            for j in range(a, e):
                mat[i][j] = 1.0 / (e - a)
        m = x.new_tensor(mat)                                    # (O, S)
        if axis == out.ndim - 1:
            out = out.matmul(m.t())
        else:
            out = out.movedim(axis, -1).matmul(m.t()).movedim(-1, axis)
    if out is x:
        out = x.clone() if not unbatched else x * 1
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(input, output_size, 3, "adaptive_avg_pool3d")


def _adaptive_max(input, output_size, nd, fn):
    x, unbatched = _adaptive_batched(input, nd, fn)
    if x.dtype is dt.bool or x.dtype.category == 3:
        raise UnsupportedError(f"\"{fn}\" not implemented for '{x.dtype.name}'")
    spatial, outs = _adaptive_sizes(x, output_size, nd, fn)
    n, c = x.shape[0], x.shape[1]
    tables, kmax = [], []
    for s, o in zip(spatial, outs):
        w = _windows(s, o)
        km = max((e - a for a, e in w), default=1)
        # windows padded to one length by repeating their last element (a repeat
        # comes after the original, so the first maximum is still a real one)
        tables.append([[min(a + j, e - 1) for j in range(km)] for a, e in w])
        kmax.append(km)
    win = x
    for d, t in enumerate(tables):
        flat = [v for row in t for v in row]
        win = win.index_select(2 + d, x.new_tensor(flat, dtype=dt.int64))
    # (N, C, O1*K1, O2*K2, ...) -> (N, C, O1, O2, ..., K1*K2*...)
    win = win.reshape((n, c) + tuple(v for o, km in zip(outs, kmax) for v in (o, km)))
    perm = (0, 1) + tuple(2 + 2 * i for i in range(nd)) + tuple(3 + 2 * i for i in range(nd))
    win = win.permute(perm).reshape((n, c) + outs + (_prod(kmax),))
    best = win.argmax(-1, keepdim=True)
    vals = win.gather(-1, best).squeeze(-1)
    # flat in-plane index of every window element
    pstr = [1] * nd
    for i in range(nd - 2, -1, -1):
        pstr[i] = pstr[i + 1] * spatial[i + 1]
    idx_tab = _index_table(tables, pstr, outs, kmax)
    idx = x.new_tensor(idx_tab, dtype=dt.int64).reshape(outs + (_prod(kmax),))
    idx = idx.expand((n, c) + outs + (_prod(kmax),)).gather(-1, best).squeeze(-1)
    if unbatched:
        vals, idx = vals.squeeze(0), idx.squeeze(0)
    return vals, idx


def _index_table(tables, pstr, outs, kmax):
    """Flat in-plane index for every (output position, window offset), row-major."""
    import itertools
    out = []
    for pos in itertools.product(*(range(o) for o in outs)):
        for offs in itertools.product(*(range(k) for k in kmax)):
            out.append(sum(tables[d][pos[d]][offs[d]] * pstr[d] for d in range(len(outs))))
    return out


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 2, "adaptive_max_pool2d")


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size, 3, "adaptive_max_pool3d")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    r = _adaptive_max(input, output_size, 1, "adaptive_max_pool1d")
    return r if return_indices else r[0]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    r = _adaptive_max(input, output_size, 2, "adaptive_max_pool2d")
    return r if return_indices else r[0]


def adaptive_max_pool3d(input, output_size, return_indices=False):
    r = _adaptive_max(input, output_size, 3, "adaptive_max_pool3d")
    return r if return_indices else r[0]


# ------------------------------------------------------------- unpooling
def _max_unpool(input, indices, nd, kernel_size, stride, padding, output_size, fn):
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise InvalidType(f"{fn}(): input and indices must be Tensors")
    kernel = ntuple(kernel_size, nd, "kernel_size", fn)
    stride = kernel if stride is None else ntuple(stride, nd, "stride", fn)
    padding = ntuple(padding, nd, "padding", fn)
    if tuple(indices.shape) != tuple(input.shape):
        raise ShapeError(f"Expected shape of indices to be same as that of the input tensor "
                         f"({shape_str(input.shape)}) but got indices tensor with shape: "
                         f"{shape_str(indices.shape)}")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == nd + 1 else (input, False)
    if x.ndim != nd + 2:
        raise ShapeError(f"{fn}(): Expected {nd + 1}D or {nd + 2}D input, but got "
                         f"{shape_str(input.shape)}")
    ind = indices.unsqueeze(0) if unbatched else indices
    spatial = tuple(x.shape[2:])
    default = tuple((s - 1) * st - 2 * p + k for s, st, p, k in zip(spatial, stride, padding, kernel))
    if output_size is None:
        outs = default
    else:
        outs = tuple(int(v) for v in output_size)
        if len(outs) == nd + 2 or (len(outs) == nd + 1):
            outs = outs[-nd:]
        if len(outs) != nd:
            raise ShapeError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(outs)}'")
        for o, dflt, st in zip(outs, default, stride):
            if not (dflt - st < o < dflt + st):
                raise InvalidArgument(f"invalid output_size \"{list(outs)}\" (dim must be between "
                                      f"{[d - s for d, s in zip(default, stride)]} and "
                                      f"{[d + s for d, s in zip(default, stride)]})")
    n, c = x.shape[0], x.shape[1]
    plane = _prod(outs)
    flat_ind = ind.reshape(n, c, -1)
    if flat_ind.numel() and (int(flat_ind.min()) < 0 or int(flat_ind.max()) >= plane):
        raise IndexError(f"Found an invalid max index: {int(flat_ind.max())} (output volumes are of "
                         f"size {'x'.join(str(v) for v in outs)}")
    z = x.new_zeros((n, c, plane))
    out = z.scatter(2, flat_ind, x.reshape(n, c, -1)).reshape((n, c) + outs)
    return out.squeeze(0) if unbatched else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size, "max_unpool3d")
