"""ONNX neural-network operators: matrix products, convolution, pooling,
normalization, dropout, resampling (Resize/Upsample/GridSample/AffineGrid),
RoiAlign and Attention.

Written on rustorch's public Tensor API and ``rustorch.nn.functional`` so the
ops run on every device and autograd flows through them.  Geometry (pads,
output sizes, interpolation taps) is computed in plain Python from shapes and
attributes; only data-dependent work touches tensors.
"""
import math

import rustorch as rt
import rustorch.nn.functional as F

from ..._errors import InvalidArgument, ShapeError, UnsupportedError
from . import op


# ---------------------------------------------------------------- helpers

def _prod(xs):
    p = 1
    for v in xs:
        p *= int(v)
    return p


def _name(ctx):
    n = ctx.node
    return f"{n.op_type} node {n.name!r}" if getattr(n, "name", "") else f"{n.op_type} node"


def _n_outputs(ctx):
    """How many outputs the node asks for (trailing empty names are omitted outputs)."""
    outs = list(ctx.node.output)
    while outs and not outs[-1]:
        outs.pop()
    return len(outs)


def _wants(ctx, i):
    outs = list(ctx.node.output)
    return i < len(outs) and bool(outs[i])


def _const(values, like, dtype=None):
    return rt.tensor(values, dtype=dtype or like.dtype, device=like.device)


def _torch_pad(begins, ends):
    """ONNX per-axis (begin, end) pads -> F.pad's last-axis-first list."""
    out = []
    for b, e in zip(reversed(begins), reversed(ends)):
        out += [int(b), int(e)]
    return out


def _pad(x, begins, ends, value=0.0):
    if not any(begins) and not any(ends):
        return x
    return F.pad(x, _torch_pad(begins, ends), value=value)


def _spatial_rank(ctx, x, lo=1, hi=3):
    nd = x.ndim - 2
    if nd < lo:
        raise ShapeError(f"{_name(ctx)}: input of shape {list(x.shape)} needs a batch, a channel "
                         f"and at least {lo} spatial axis")
    if nd > hi:
        raise UnsupportedError(f"{_name(ctx)}: {nd} spatial axes (input shape {list(x.shape)}); "
                               f"rustorch supports 1 to {hi}")
    return nd


def _ints_attr(ctx, name, nd, default):
    v = ctx.attr(name)
    if v is None or len(v) == 0:
        return [default] * nd
    v = [int(a) for a in v]
    if len(v) != nd:
        raise InvalidArgument(f"{_name(ctx)}: attribute {name}={v} needs {nd} values "
                              f"(one per spatial axis)")
    return v


def _pads(ctx, in_sp, k_eff, strides):
    """(begins, ends) for the spatial axes from auto_pad / pads."""
    nd = len(in_sp)
    auto = ctx.attr("auto_pad", "NOTSET") or "NOTSET"
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begins, ends = [], []
        for i in range(nd):
            out = -(-in_sp[i] // strides[i])
            total = max(0, (out - 1) * strides[i] + k_eff[i] - in_sp[i])
            small = total // 2
            if auto == "SAME_UPPER":
                begins.append(small)
                ends.append(total - small)
            else:
                begins.append(total - small)
                ends.append(small)
        return begins, ends
    if auto == "VALID":
        return [0] * nd, [0] * nd
    if auto != "NOTSET":
        raise InvalidArgument(f"{_name(ctx)}: unknown auto_pad {auto!r}")
    pads = ctx.attr("pads")
    if not pads:
        return [0] * nd, [0] * nd
    pads = [int(p) for p in pads]
    if len(pads) != 2 * nd:
        raise InvalidArgument(f"{_name(ctx)}: pads={pads} needs {2 * nd} values")
    if min(pads) < 0:
        raise InvalidArgument(f"{_name(ctx)}: negative pads {pads}")
    return pads[:nd], pads[nd:]


def _check_positive(ctx, name, vals):
    if any(v <= 0 for v in vals):
        raise InvalidArgument(f"{_name(ctx)}: {name}={vals} must be positive")


# ---------------------------------------------------------------- matrix products

def _mm(a, b):
    """rt.matmul, kept in the inputs' dtype (its bfloat16 kernel answers in float32)."""
    y = rt.matmul(a, b)
    want = rt.result_type(a, b)
    return y if y.dtype == want else y.to(want)


@op("MatMul", since=1)
def matmul(ctx, a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"{_name(ctx)}: MatMul needs inputs of rank >= 1, got shapes "
                         f"{list(a.shape)} and {list(b.shape)}")
    return _mm(a, b)


@op("Gemm", since=1)
def gemm(ctx, a, b, c=None):
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError(f"{_name(ctx)}: Gemm needs 2-D A and B, got {list(a.shape)} and {list(b.shape)}")
    if ctx.attr("transA", 0):
        a = a.t()
    if ctx.attr("transB", 0):
        b = b.t()
    alpha = float(ctx.attr("alpha", 1.0))
    beta = float(ctx.attr("beta", 1.0))
    y = _mm(a, b)
    if alpha != 1.0:
        y = y * alpha
    if c is not None:
        y = y + (c * beta if beta != 1.0 else c)
    return y


@op("Einsum", since=12)
def einsum(ctx, *inputs):
    eq = (ctx.attr("equation") or "").replace(" ", "")
    if not eq:
        raise InvalidArgument(f"{_name(ctx)}: Einsum needs an equation attribute")
    low = [t.dtype for t in inputs if t.dtype in (rt.float16, rt.bfloat16)]
    if low:   # einsum has no half-precision kernels: compute in float32, round back
        return rt.einsum(eq, *[t.to(rt.float32) for t in inputs]).to(low[0])
    return rt.einsum(eq, *inputs)


# ---------------------------------------------------------------- convolution

_CONV = (F.conv1d, F.conv2d, F.conv3d)
_CONV_T = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)


def _conv_geometry(ctx, x, w):
    """(spatial rank, kernel, strides, dilations) of a Conv / ConvTranspose node, checked."""
    nd = _spatial_rank(ctx, x)
    if w.ndim != x.ndim:
        raise ShapeError(f"{_name(ctx)}: weight of shape {list(w.shape)} does not match input "
                         f"of shape {list(x.shape)}")
    strides = _ints_attr(ctx, "strides", nd, 1)
    dil = _ints_attr(ctx, "dilations", nd, 1)
    _check_positive(ctx, "strides", strides)
    _check_positive(ctx, "dilations", dil)
    return nd, list(w.shape[2:]), strides, dil


@op("Conv", since=1)
def conv(ctx, x, w, b=None):
    nd, kernel, strides, dil = _conv_geometry(ctx, x, w)
    group = int(ctx.attr("group", 1))
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dil)]
    pb, pe = _pads(ctx, list(x.shape[2:]), k_eff, strides)
    if pb == pe:
        padding = pb          # symmetric: let the conv kernel pad (fast path)
    else:
        x = _pad(x, pb, pe)   # asymmetric (SAME_*, explicit): pad first
        padding = 0
    return _CONV[nd - 1](x, w, b, stride=strides, padding=padding, dilation=dil, groups=group)


@op("ConvTranspose", since=1)
def conv_transpose(ctx, x, w, b=None):
    nd, kernel, strides, dil = _conv_geometry(ctx, x, w)
    outpad = _ints_attr(ctx, "output_padding", nd, 0)
    group = int(ctx.attr("group", 1))
    in_sp = list(x.shape[2:])
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dil)]
    full = [s * (i - 1) + k for s, i, k in zip(strides, in_sp, k_eff)]
    auto = ctx.attr("auto_pad", "NOTSET") or "NOTSET"
    out_shape = ctx.attr("output_shape")
    if out_shape or auto in ("SAME_UPPER", "SAME_LOWER"):
        target = ([int(v) for v in out_shape][-nd:] if out_shape
                  else [i * s for i, s in zip(in_sp, strides)])
        pb, pe = [], []
        for i in range(nd):
            total = full[i] + outpad[i] - target[i]
            half = total // 2
            if auto == "SAME_UPPER":
                pb.append(half)
                pe.append(total - half)
            else:
                pb.append(total - half)
                pe.append(half)
    elif auto == "VALID":
        pb, pe = [0] * nd, [0] * nd
    else:
        pb, pe = _pads(ctx, in_sp, k_eff, strides)
    fn = _CONV_T[nd - 1]
    if pb == pe and min(pb) >= 0 and all(o < s or o < d for o, s, d in zip(outpad, strides, dil)):
        return fn(x, w, b, stride=strides, padding=pb, output_padding=outpad, groups=group,
                  dilation=dil)
    # General case: full transposed conv, then crop/zero-extend each axis, then bias.
    y = fn(x, w, None, stride=strides, padding=0, output_padding=0, groups=group, dilation=dil)
    for i in range(nd):
        lo, hi = pb[i], full[i] - pe[i] + outpad[i]
        if hi - lo <= 0:
            raise ShapeError(f"{_name(ctx)}: pads {pb + pe} leave no output along spatial axis {i}")
        a, z = max(lo, 0), min(hi, full[i])
        if a > 0 or z < full[i]:
            y = y.narrow(2 + i, a, z - a)
        if lo < 0 or hi > full[i]:
            bg, en = [0] * nd, [0] * nd
            bg[i], en[i] = max(0, -lo), max(0, hi - full[i])
            y = _pad(y, bg, en)
    if b is not None:
        y = y + b.reshape([1, -1] + [1] * nd)
    return y


# ---------------------------------------------------------------- pooling

_MAX_POOL = (F.max_pool1d, F.max_pool2d, F.max_pool3d)
_AVG_POOL = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)


def _pool_geometry(ctx, x, nd, kernel, strides, dil, ceil_mode):
    """Pads (begin, end), output sizes and the extra end padding ceil_mode needs."""
    in_sp = list(x.shape[2:])
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dil)]
    pb, pe = _pads(ctx, in_sp, k_eff, strides)
    outs, extra = [], []
    for i in range(nd):
        span = in_sp[i] + pb[i] + pe[i] - k_eff[i]
        if span < 0:
            raise ShapeError(f"{_name(ctx)}: kernel {kernel} (dilations {dil}) is larger than the "
                             f"padded input {in_sp} (pads {pb + pe})")
        if ceil_mode:
            o = -(-span // strides[i]) + 1
            if (o - 1) * strides[i] >= in_sp[i] + pb[i]:   # last window would start in the end pad
                o -= 1
        else:
            o = span // strides[i] + 1
        outs.append(o)
        extra.append(max(0, (o - 1) * strides[i] + k_eff[i] - (in_sp[i] + pb[i] + pe[i])))
    return pb, pe, outs, extra


def _pool_attrs(ctx, x, nd, kernel=None):
    kernel = [int(k) for k in (kernel or ctx.attr("kernel_shape") or [])]
    if len(kernel) != nd:
        raise InvalidArgument(f"{_name(ctx)}: kernel_shape={kernel} needs {nd} values for input "
                              f"of shape {list(x.shape)}")
    strides = _ints_attr(ctx, "strides", nd, 1)
    dil = _ints_attr(ctx, "dilations", nd, 1)
    _check_positive(ctx, "kernel_shape", kernel)
    _check_positive(ctx, "strides", strides)
    _check_positive(ctx, "dilations", dil)
    return kernel, strides, dil


def _lowest(x):
    return float("-inf") if x.dtype.is_floating_point else rt.iinfo(x.dtype).min


def _window_sum(x, nd, kernel, strides, dil):
    """Sum over every (unpadded) window of x."""
    if all(d == 1 for d in dil):
        return _AVG_POOL[nd - 1](x, kernel, strides, 0, False, True) * float(_prod(kernel))
    c = x.shape[1]
    ones = rt.ones([c, 1] + kernel, dtype=x.dtype, device=x.device)
    return _CONV[nd - 1](x, ones, None, stride=strides, padding=0, dilation=dil, groups=c)


@op("MaxPool", since=1)
def max_pool(ctx, x):
    nd = _spatial_rank(ctx, x)
    kernel, strides, dil = _pool_attrs(ctx, x, nd)
    pb, pe, outs, extra = _pool_geometry(ctx, x, nd, kernel, strides, dil, ctx.attr("ceil_mode", 0))
    ends = [e + x_ for e, x_ in zip(pe, extra)]
    xp = _pad(x, pb, ends, value=_lowest(x))
    want_idx = _wants(ctx, 1)
    fn = _MAX_POOL[nd - 1]
    if not want_idx:
        return fn(xp, kernel, strides, 0, dil)
    y, idx = fn(xp, kernel, strides, 0, dil, return_indices=True)
    idx = _plane_index_to_onnx(idx, list(xp.shape[2:]), list(x.shape[2:]), pb,
                               int(ctx.attr("storage_order", 0)))
    n, c = x.shape[0], x.shape[1]
    plane = _prod(x.shape[2:])
    base = rt.arange(n * c, dtype=rt.int64, device=x.device).reshape([n, c] + [1] * nd) * plane
    return y, idx + base


def _plane_index_to_onnx(idx, padded_sp, in_sp, pb, storage_order):
    """Per-plane index into the padded input -> index into the unpadded plane
    (row-major, or column-major for storage_order=1)."""
    idx = idx.to(rt.int64)
    coords = []
    rest = idx
    for size in reversed(padded_sp):
        coords.append(rest % size)
        rest = rest // size
    coords = coords[::-1]
    coords = [c - p for c, p in zip(coords, pb)]
    out = None
    order = range(len(in_sp)) if storage_order == 0 else reversed(range(len(in_sp)))
    for i in order:
        out = coords[i] if out is None else out * in_sp[i] + coords[i]
    return out


@op("AveragePool", since=1)
def average_pool(ctx, x):
    nd = _spatial_rank(ctx, x)
    kernel, strides, dil = _pool_attrs(ctx, x, nd)
    pb, pe, outs, extra = _pool_geometry(ctx, x, nd, kernel, strides, dil, ctx.attr("ceil_mode", 0))
    include_pad = int(ctx.attr("count_include_pad", 0))
    ends = [e + x_ for e, x_ in zip(pe, extra)]
    total = _window_sum(_pad(x, pb, ends), nd, kernel, strides, dil)
    padded = any(pb) or any(pe)
    if not any(extra) and (include_pad or not padded):
        return total / float(_prod(kernel))
    # Divide by how many counted cells each window covers (input, plus pads if included).
    mask = rt.ones([1, 1] + list(x.shape[2:]), dtype=x.dtype, device=x.device)
    mask = _pad(mask, pb, pe, value=1.0 if include_pad else 0.0)
    mask = _pad(mask, [0] * nd, extra, value=0.0)
    count = _window_sum(mask, nd, kernel, strides, dil)
    return total / count


@op("LpPool", since=1)
def lp_pool(ctx, x):
    nd = _spatial_rank(ctx, x)
    kernel, strides, dil = _pool_attrs(ctx, x, nd)
    pb, pe, outs, extra = _pool_geometry(ctx, x, nd, kernel, strides, dil, ctx.attr("ceil_mode", 0))
    p = float(ctx.attr("p", 2))
    ends = [e + x_ for e, x_ in zip(pe, extra)]
    s = _window_sum(_pad(x.abs() ** p, pb, ends), nd, kernel, strides, dil)
    return s ** (1.0 / p)


def _spatial_axes(ctx, x):
    if x.ndim < 3:
        raise ShapeError(f"{_name(ctx)}: input of shape {list(x.shape)} needs spatial axes")
    return list(range(2, x.ndim))


@op("GlobalAveragePool", since=1)
def global_average_pool(ctx, x):
    return x.mean(dim=_spatial_axes(ctx, x), keepdim=True)


@op("GlobalMaxPool", since=1)
def global_max_pool(ctx, x):
    return x.amax(dim=_spatial_axes(ctx, x), keepdim=True)


@op("GlobalLpPool", since=2)
def global_lp_pool(ctx, x):
    p = float(ctx.attr("p", 2))
    return (x.abs() ** p).sum(dim=_spatial_axes(ctx, x), keepdim=True) ** (1.0 / p)


@op("MaxUnpool", since=9)
def max_unpool(ctx, x, indices, output_shape=None):
    nd = _spatial_rank(ctx, x)
    kernel, strides, _ = _pool_attrs(ctx, x, nd)
    n, c = x.shape[0], x.shape[1]
    pb, pe = _pads(ctx, list(x.shape[2:]), kernel, strides)
    out_sp = [(i - 1) * s + k - b - e for i, s, k, b, e in
              zip(x.shape[2:], strides, kernel, pb, pe)]
    if list(indices.shape) != list(x.shape):
        raise ShapeError(f"{_name(ctx)}: indices of shape {list(indices.shape)} must match X "
                         f"of shape {list(x.shape)}")
    total = n * c * _prod(out_sp)
    flat_idx = indices.reshape(-1).to(rt.int64)
    if flat_idx.numel() and (int(flat_idx.min().item()) < 0 or int(flat_idx.max().item()) >= total):
        raise InvalidArgument(f"{_name(ctx)}: indices out of range for an output of "
                              f"shape {[n, c] + out_sp}")
    out = rt.zeros(total, dtype=x.dtype, device=x.device).scatter(0, flat_idx, x.reshape(-1))
    out = out.reshape([n, c] + out_sp)
    if output_shape is not None:
        # indices address the default-sized output; a larger output_shape pads at the end
        want = [int(v) for v in output_shape.tolist()][-nd:]
        if any(w < o for w, o in zip(want, out_sp)):
            raise ShapeError(f"{_name(ctx)}: output_shape {want} is smaller than the unpooled "
                             f"size {out_sp}")
        out = _pad(out, [0] * nd, [w - o for w, o in zip(want, out_sp)])
    return out


# ---------------------------------------------------------------- normalization

def _bshape(x, v):
    return v.reshape([1, -1] + [1] * (x.ndim - 2))


@op("BatchNormalization", since=1)
def batch_normalization(ctx, x, scale, bias, mean, var):
    eps = float(ctx.attr("epsilon", 1e-5))
    if ctx.opset < 9 and ctx.attr("spatial", 1) == 0:
        raise UnsupportedError(f"{_name(ctx)}: BatchNormalization with spatial=0 is not supported")
    training = ctx.opset >= 14 and ctx.attr("training_mode", 0)
    if not training:
        if x.ndim < 2:
            raise ShapeError(f"{_name(ctx)}: input of shape {list(x.shape)} has no channel axis")
        y = (x - _bshape(x, mean)) / (_bshape(x, var) + eps).sqrt() * _bshape(x, scale) + _bshape(x, bias)
        return y
    momentum = float(ctx.attr("momentum", 0.9))
    axes = [0] + list(range(2, x.ndim))
    cur_mean = x.mean(dim=axes)
    cur_var = x.var(dim=axes, unbiased=False)
    y = (x - _bshape(x, cur_mean)) / (_bshape(x, cur_var) + eps).sqrt() * _bshape(x, scale) \
        + _bshape(x, bias)
    run_mean = mean * momentum + cur_mean * (1 - momentum)
    run_var = var * momentum + cur_var * (1 - momentum)
    return y, run_mean, run_var


@op("InstanceNormalization", since=1)
def instance_normalization(ctx, x, scale, bias):
    eps = float(ctx.attr("epsilon", 1e-5))
    axes = _spatial_axes(ctx, x)
    mean = x.mean(dim=axes, keepdim=True)
    var = x.var(dim=axes, unbiased=False, keepdim=True)
    return (x - mean) / (var + eps).sqrt() * _bshape(x, scale) + _bshape(x, bias)


@op("LayerNormalization", since=17)
def layer_normalization(ctx, x, scale, bias=None):
    axis = int(ctx.attr("axis", -1))
    eps = float(ctx.attr("epsilon", 1e-5))
    r = x.ndim
    if not -r <= axis < r:
        raise InvalidArgument(f"{_name(ctx)}: axis {axis} out of range for input of shape {list(x.shape)}")
    axis %= r
    axes = list(range(axis, r))
    stash = ctx.attr("stash_type", 1)
    xs = x.to(rt.float32) if stash == 1 and x.dtype in (rt.float16, rt.bfloat16) else x
    mean = xs.mean(dim=axes, keepdim=True)
    d = xs - mean
    inv_std = ((d * d).mean(dim=axes, keepdim=True) + eps).rsqrt()
    y = (d * inv_std).to(x.dtype) * scale
    if bias is not None:
        y = y + bias
    if _n_outputs(ctx) == 1:
        return y
    return y, mean, inv_std


@op("GroupNormalization", since=18)
def group_normalization(ctx, x, scale, bias):
    groups = int(ctx.attr("num_groups"))
    eps = float(ctx.attr("epsilon", 1e-5))
    n, c = x.shape[0], x.shape[1]
    if groups <= 0 or c % groups:
        raise InvalidArgument(f"{_name(ctx)}: num_groups={groups} does not divide {c} channels")
    xg = x.reshape(n, groups, -1)
    mean = xg.mean(dim=2, keepdim=True)
    var = xg.var(dim=2, unbiased=False, keepdim=True)
    y = ((xg - mean) / (var + eps).sqrt()).reshape(x.shape)
    if ctx.opset < 21 and scale.numel() == groups and groups != c:
        # opset 18: scale/bias are per group
        scale = scale.repeat_interleave(c // groups)
        bias = bias.repeat_interleave(c // groups)
    return y * _bshape(x, scale) + _bshape(x, bias)


@op("LRN", since=1)
def lrn(ctx, x):
    size = int(ctx.attr("size"))
    alpha = float(ctx.attr("alpha", 1e-4))
    beta = float(ctx.attr("beta", 0.75))
    bias = float(ctx.attr("bias", 1.0))
    c = x.shape[1]
    sq = x * x
    front, back = (size - 1) // 2, size // 2     # floor / ceil of (size-1)/2
    sq = F.pad(sq.unsqueeze(1), [0, 0] * (x.ndim - 2) + [front, back]).squeeze(1) \
        if x.ndim > 2 else F.pad(sq, [front, back])
    acc = sq.narrow(1, 0, c)
    for i in range(1, size):
        acc = acc + sq.narrow(1, i, c)
    return x / (acc * (alpha / size) + bias) ** beta


@op("LpNormalization", since=1)
def lp_normalization(ctx, x):
    axis = int(ctx.attr("axis", -1))
    p = int(ctx.attr("p", 2))
    if p == 1:
        norm = x.abs().sum(dim=axis, keepdim=True)
    elif p == 2:
        norm = (x * x).sum(dim=axis, keepdim=True).sqrt()
    else:
        raise InvalidArgument(f"{_name(ctx)}: p={p}; LpNormalization supports p=1 or p=2")
    zero = norm == 0
    return rt.where(zero, rt.zeros_like(x), x / rt.where(zero, rt.ones_like(norm), norm))


@op("MeanVarianceNormalization", since=9)
def mean_variance_normalization(ctx, x):
    axes = [int(a) for a in (ctx.attr("axes") or [0, 2, 3])]
    mean = x.mean(dim=axes, keepdim=True)
    d = x - mean
    return d / ((d * d).mean(dim=axes, keepdim=True).sqrt() + 1e-9)


# ---------------------------------------------------------------- dropout

def _dropout(ctx, x, ratio, training):
    want_mask = _wants(ctx, 1)
    if not training or ratio == 0.0:
        if want_mask:
            return x, rt.ones(x.shape, dtype=rt.bool, device=x.device)
        return x
    if not 0.0 <= ratio < 1.0:
        raise InvalidArgument(f"{_name(ctx)}: ratio {ratio} must be in [0, 1)")
    seed = ctx.attr("seed")
    gen = None
    if seed is not None:
        gen = rt.Generator()
        gen.manual_seed(int(seed))
    keep = rt.rand(x.shape, generator=gen, device=x.device) >= ratio
    y = x * keep.to(x.dtype) * (1.0 / (1.0 - ratio))
    return (y, keep) if want_mask else y


@op("Dropout", since=1)
def dropout_1(ctx, x):
    # opset 1-11: ratio is an attribute and there is no training input: a runtime
    # executes these in inference mode, where Dropout is the identity
    y = _dropout(ctx, x, float(ctx.attr("ratio", 0.5)), False)
    if isinstance(y, tuple) and ctx.opset < 10:
        return y[0], y[1].to(x.dtype)    # masks were T before opset 10
    return y


@op("Dropout", since=12)
def dropout_12(ctx, x, ratio=None, training_mode=None):
    r = 0.5 if ratio is None else float(ratio.item())
    training = False if training_mode is None else bool(training_mode.item())
    return _dropout(ctx, x, r, training)


# ---------------------------------------------------------------- Resize / Upsample

def _source_coord(mode, y, scale, in_len, out_len, roi, out_int):
    """ONNX coordinate_transformation_mode: output index y -> input coordinate.
    ``out_len`` is the real-valued output length scale * in_len, as the spec says."""
    if mode == "half_pixel":
        return (y + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (y + 0.5) / scale - 0.5 if out_len > 1 else -0.5
    if mode == "align_corners":
        return 0.0 if out_len == 1 else y * (in_len - 1) / (out_len - 1)
    if mode == "asymmetric":
        return y / scale
    if mode == "half_pixel_symmetric":
        adjustment = out_int / out_len
        offset = in_len / 2 * (1 - adjustment)
        return offset + (y + 0.5) / scale - 0.5
    if mode == "tf_crop_and_resize":
        start, end = roi
        if out_len > 1:
            x = y * (end - start) * (in_len - 1) / (out_len - 1)
        else:
            x = (end - start) * (in_len - 1) / 2
        return x + start * (in_len - 1)
    raise InvalidArgument(f"Resize: unknown coordinate_transformation_mode {mode!r}")


def _nearest_index(x, rule):
    fl = math.floor(x)
    frac = x - fl
    if frac == 0:
        return fl
    if rule == "round_prefer_floor":
        return fl if frac <= 0.5 else fl + 1
    if rule == "round_prefer_ceil":
        return fl if frac < 0.5 else fl + 1
    if rule == "floor":
        return fl
    if rule == "ceil":
        return fl + 1
    raise InvalidArgument(f"Resize: unknown nearest_mode {rule!r}")


def _cubic_weights(r, a):
    return [((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
            ((a * (2 - r) - 5 * a) * (2 - r) + 8 * a) * (2 - r) - 4 * a]


def _aa_weights(r, scale, cubic, a):
    """Antialiasing filter taps (support widened by 1/scale) around ratio r."""
    scale = min(scale, 1.0)
    if cubic:
        start = math.floor(-2 / scale) + 1
        taps = range(start, 2 - start)

        def k(v):
            v = abs(v)
            if v <= 1:
                return (a + 2) * v ** 3 - (a + 3) * v * v + 1
            if v < 2:
                return a * v ** 3 - 5 * a * v * v + 8 * a * v - 4 * a
            return 0.0
        w = [k(scale * (i - r)) for i in taps]
    else:
        start = math.floor(-1 / scale) + 1
        w = [min(1.0, max(0.0, 1 - abs((i - r) * scale))) for i in range(start, 2 - start)]
    s = sum(w)
    return [v / s for v in w]


def _axis_taps(mode, ctm, nearest_rule, scale, in_len, out_len, roi, a, exclude_outside, antialias):
    """Per output index along one axis: (source indices, weights, extrapolated?)."""
    idx, wts, outside = [], [], []
    for y in range(out_len):
        x = _source_coord(ctm, y, scale, in_len, scale * in_len, roi, out_len)
        outside.append(ctm == "tf_crop_and_resize" and (x < 0 or x > in_len - 1))
        if mode == "nearest":
            idx.append([min(max(_nearest_index(x, nearest_rule), 0), in_len - 1)])
            wts.append([1.0])
            continue
        xi = math.floor(x)
        r = 1.0 if x == xi else x - xi
        if antialias:
            w = _aa_weights(r, scale, mode == "cubic", a)
        elif mode == "cubic":
            w = _cubic_weights(r, a)
        else:
            w = [1 - r, r]
        n = len(w)
        # the n integer neighbours nearest x, ties to the smaller index
        pad = (n + 1) // 2
        xp = x + pad
        p = math.floor(xp)
        frac = xp - p
        if n % 2 == 0:
            off = -(n // 2) if frac == 0 else -(n // 2) + 1
        else:
            off = -((n - 1) // 2) + (0 if frac <= 0.5 else 1)
        nb = [p + off + k - pad for k in range(n)]
        if exclude_outside:
            w = [0.0 if (j < 0 or j >= in_len) else v for j, v in zip(nb, w)]
            s = sum(w) or 1.0
            w = [v / s for v in w]
        idx.append([min(max(j, 0), in_len - 1) for j in nb])
        wts.append(w)
    return idx, wts, outside


def _resize_axis(x, axis, idx, wts, outside, extrapolation):
    out_len, n = len(idx), len(idx[0]) if idx else 1
    flat = _const([j for row in idx for j in row], x, rt.int64)
    g = x.index_select(axis, flat)
    if n > 1 or any(v != 1.0 for row in wts for v in row):
        shape = list(x.shape)
        g = g.reshape(shape[:axis] + [out_len, n] + shape[axis + 1:])
        w = _const([v for row in wts for v in row], g).reshape([out_len, n] + [1] * (x.ndim - axis - 1))
        g = (g * w).sum(dim=axis + 1)
    if any(outside):
        m = _const([bool(o) for o in outside], g, rt.bool).reshape([out_len] + [1] * (x.ndim - axis - 1))
        g = rt.where(m, rt.full_like(g, extrapolation), g)
    return g


def _resize(ctx, x, roi, scales, sizes, mode, ctm, nearest_rule, a, exclude_outside,
            extrapolation, axes, policy, antialias):
    r = x.ndim
    axes = list(range(r)) if not axes else [int(v) % r for v in axes]
    if len(set(axes)) != len(axes):
        raise InvalidArgument(f"{_name(ctx)}: repeated axes {axes}")
    in_shape = list(x.shape)
    if scales is not None and sizes is not None:
        raise InvalidArgument(f"{_name(ctx)}: give scales or sizes, not both")
    if scales is None and sizes is None:
        raise InvalidArgument(f"{_name(ctx)}: needs scales or sizes")
    if sizes is not None:
        if len(sizes) != len(axes):
            raise InvalidArgument(f"{_name(ctx)}: sizes {sizes} does not match axes {axes} of an input "
                                  f"of shape {in_shape}")
        sizes = [int(v) for v in sizes]
        if any(v < 0 for v in sizes):
            raise InvalidArgument(f"{_name(ctx)}: negative sizes {sizes}")
        sc = [sizes[i] / in_shape[ax] if in_shape[ax] else 1.0 for i, ax in enumerate(axes)]
        if policy in ("not_larger", "not_smaller"):
            s = min(sc) if policy == "not_larger" else max(sc)
            sc = [s] * len(axes)
            sizes = [int(s * in_shape[ax] + 0.5) for ax in axes]
        elif policy != "stretch":
            raise InvalidArgument(f"{_name(ctx)}: unknown keep_aspect_ratio_policy {policy!r}")
    else:
        if len(scales) != len(axes):
            raise InvalidArgument(f"{_name(ctx)}: scales {scales} does not match axes {axes} of an "
                                  f"input of shape {in_shape}")
        sc = [float(v) for v in scales]
        if any(v <= 0 for v in sc):
            raise InvalidArgument(f"{_name(ctx)}: scales {sc} must be positive")
        sizes = [int(s * in_shape[ax]) for s, ax in zip(sc, axes)]
    if _prod(sizes) * _prod(in_shape) > 0 and _prod(sizes) > (1 << 31):
        raise InvalidArgument(f"{_name(ctx)}: output sizes {sizes} are too large")
    rois = {}
    if ctm == "tf_crop_and_resize":
        if roi is None or len(roi) == 0:
            raise InvalidArgument(f"{_name(ctx)}: tf_crop_and_resize needs an roi input")
        k = len(roi) // 2
        if k == len(axes):
            rois = {ax: (roi[i], roi[k + i]) for i, ax in enumerate(axes)}
        elif k == r:
            rois = {ax: (roi[ax], roi[r + ax]) for ax in axes}
        else:
            raise InvalidArgument(f"{_name(ctx)}: roi {roi} does not match axes {axes}")
    src_dtype = x.dtype
    if not x.dtype.is_floating_point and mode != "nearest":
        x = x.to(rt.float32)
    for ax, s, out_len in zip(axes, sc, sizes):
        roi_ax = rois.get(ax, (0.0, 1.0))
        if out_len == in_shape[ax] and math.isclose(s, 1.0) and roi_ax == (0.0, 1.0) and \
                ctm != "tf_crop_and_resize":
            continue
        if out_len == 0 or in_shape[ax] == 0:
            shape = list(x.shape)
            shape[ax] = out_len
            x = rt.zeros(shape, dtype=x.dtype, device=x.device)
            continue
        idx, wts, outside = _axis_taps(mode, ctm, nearest_rule, s, in_shape[ax], out_len, roi_ax, a,
                                       exclude_outside, antialias and s < 1.0)
        x = _resize_axis(x, ax, idx, wts, outside, extrapolation)
    if x.dtype != src_dtype:
        info = rt.iinfo(src_dtype)
        x = x.round().clamp(info.min, info.max).to(src_dtype)
    return x


def _list_or_none(t):
    if t is None:
        return None
    v = t.tolist()
    return v if isinstance(v, list) and len(v) else None


def _resize_attrs(ctx):
    mode = ctx.attr("mode", "nearest")
    if mode not in ("nearest", "linear", "cubic"):
        raise InvalidArgument(f"{_name(ctx)}: unknown mode {mode!r}")
    return dict(mode=mode,
                ctm=ctx.attr("coordinate_transformation_mode", "half_pixel"),
                nearest_rule=ctx.attr("nearest_mode", "round_prefer_floor"),
                a=float(ctx.attr("cubic_coeff_a", -0.75)),
                exclude_outside=bool(ctx.attr("exclude_outside", 0)),
                extrapolation=float(ctx.attr("extrapolation_value", 0.0)),
                axes=ctx.attr("axes"),
                policy=ctx.attr("keep_aspect_ratio_policy", "stretch"),
                antialias=bool(ctx.attr("antialias", 0)))


@op("Resize", since=10)
def resize_10(ctx, x, scales):
    kw = _resize_attrs(ctx)
    kw["ctm"] = "asymmetric"               # opset 10 semantics
    kw["nearest_rule"] = "floor" if kw["mode"] == "nearest" else kw["nearest_rule"]
    return _resize(ctx, x, None, _list_or_none(scales), None, **kw)


@op("Resize", since=11)
def resize_11(ctx, x, roi=None, scales=None, sizes=None):
    kw = _resize_attrs(ctx)
    if ctx.opset < 18:
        kw.update(axes=None, policy="stretch", antialias=False)
    return _resize(ctx, x, _list_or_none(roi), _list_or_none(scales), _list_or_none(sizes), **kw)


@op("Upsample", since=1)
def upsample(ctx, x, scales=None):
    """Upsample-7 (scales attribute) and -9 (scales input): asymmetric, nearest floors."""
    mode = ctx.attr("mode", "nearest")
    if mode == "bilinear":
        mode = "linear"
    sc = _list_or_none(scales) if scales is not None else ctx.attr("scales")
    if sc is None:
        sc = [1.0, 1.0, float(ctx.attr("height_scale", 1.0)), float(ctx.attr("width_scale", 1.0))]
    kw = dict(mode=mode, ctm="asymmetric", nearest_rule="floor", a=-0.75, exclude_outside=False,
              extrapolation=0.0, axes=None, policy="stretch", antialias=False)
    return _resize(ctx, x, None, [float(v) for v in sc], None, **kw)


# ---------------------------------------------------------------- GridSample / AffineGrid

def _reflect(x, lo, hi):
    """Fold coordinates into [lo, hi] by reflecting at the borders."""
    rng = hi - lo
    if rng <= 0:
        return rt.full_like(x, lo)
    below = x < lo
    d = rt.where(below, lo - x, x - hi)
    n = (d / rng).floor()
    r = d - n * rng
    even = (n.remainder(2.0) == 0)
    inside = (x >= lo) & (x <= hi)
    from_lo = rt.where(even, lo + r, hi - r)
    from_hi = rt.where(even, hi - r, lo + r)
    return rt.where(inside, x, rt.where(below, from_lo, from_hi))


def _grid_tap_index(i, size, padding, lo, hi):
    """Integer tap positions (float tensor) -> (clamped index, validity)."""
    if padding == "zeros":
        valid = (i >= 0) & (i <= size - 1)
        return i.clamp(0, size - 1), valid
    if padding == "border":
        return i.clamp(0, size - 1), None
    return _reflect(i, lo, hi).trunc().clamp(0, size - 1), None


def _grid_sample(ctx, x, grid, mode, padding, align):
    nd = x.ndim - 2
    if nd < 1 or grid.ndim != x.ndim or grid.shape[-1] != nd or grid.shape[0] != x.shape[0]:
        raise ShapeError(f"{_name(ctx)}: grid of shape {list(grid.shape)} does not fit input "
                         f"of shape {list(x.shape)}")
    if padding not in ("zeros", "border", "reflection"):
        raise InvalidArgument(f"{_name(ctx)}: unknown padding_mode {padding!r}")
    n, c = x.shape[0], x.shape[1]
    sizes = list(x.shape[2:])
    out_sp = list(grid.shape[1:-1])
    g = grid.reshape(n, -1, nd).to(x.dtype)
    coords = []
    for i in range(nd):                          # grid's last axis lists x (innermost) first
        size = sizes[i]
        v = g[:, :, nd - 1 - i]
        v = (v + 1) / 2 * (size - 1) if align else ((v + 1) * size - 1) / 2
        lo, hi = (0.0, size - 1.0) if align else (-0.5, size - 0.5)
        if mode == "nearest":
            v = v.round()
        if padding == "border":
            v = rt.where((v < lo) | (v > hi), v.clamp(0, size - 1), v)
        elif padding == "reflection":
            v = _reflect(v, lo, hi)
        coords.append((v, lo, hi))
    # per axis: list of (tap position, weight or None)
    per_axis = []
    for (v, lo, hi), size in zip(coords, sizes):
        if mode == "nearest":
            per_axis.append([(v, None)])
            continue
        f = v.floor()
        t = v - f
        if mode == "linear":
            per_axis.append([(f, 1 - t), (f + 1, t)])
        else:
            a = -0.75
            ws = [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                  ((a + 2) * t - (a + 3)) * t * t + 1,
                  ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                  ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]
            per_axis.append([(f + (k - 1), ws[k]) for k in range(4)])
    flat_x = x.reshape(n, c, -1)
    g_count = _prod(out_sp)
    out = None
    combos = [[]]
    for taps in per_axis:
        combos = [cmb + [tp] for cmb in combos for tp in taps]
    for cmb in combos:
        lin = None
        weight = None
        valid = None
        for i, (pos, w) in enumerate(cmb):
            lo, hi = coords[i][1], coords[i][2]
            ci, ok = _grid_tap_index(pos, sizes[i], padding, lo, hi)
            ci = ci.to(rt.int64)
            lin = ci if lin is None else lin * sizes[i] + ci
            if w is not None:
                weight = w if weight is None else weight * w
            if ok is not None:
                valid = ok if valid is None else valid & ok
        vals = flat_x.gather(2, lin.unsqueeze(1).expand(n, c, g_count))
        if valid is not None:
            vals = vals * valid.to(x.dtype).unsqueeze(1)
        if weight is not None:
            vals = vals * weight.unsqueeze(1)
        out = vals if out is None else out + vals
    return out.reshape([n, c] + out_sp)


@op("GridSample", since=16)
def grid_sample_16(ctx, x, grid):
    mode = ctx.attr("mode", "bilinear")
    mode = {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    if ctx.opset < 20 and x.ndim != 4:
        raise ShapeError(f"{_name(ctx)}: GridSample-16 needs a 4-D input, got {list(x.shape)}")
    return _grid_sample(ctx, x, grid, mode, ctx.attr("padding_mode", "zeros"),
                        bool(ctx.attr("align_corners", 0)))


@op("GridSample", since=20)
def grid_sample_20(ctx, x, grid):
    mode = ctx.attr("mode", "linear")
    if mode not in ("linear", "nearest", "cubic"):
        raise InvalidArgument(f"{_name(ctx)}: unknown mode {mode!r}")
    return _grid_sample(ctx, x, grid, mode, ctx.attr("padding_mode", "zeros"),
                        bool(ctx.attr("align_corners", 0)))


@op("AffineGrid", since=20)
def affine_grid(ctx, theta, size):
    align = bool(ctx.attr("align_corners", 0))
    dims = [int(v) for v in size.tolist()]
    nd = len(dims) - 2
    if nd not in (2, 3) or list(theta.shape) != [dims[0], nd, nd + 1]:
        raise ShapeError(f"{_name(ctx)}: theta of shape {list(theta.shape)} does not fit size {dims}")
    axes = []
    for s in dims[2:]:                              # D, H, W order
        if align:
            v = [(-1.0 + 2.0 * i / (s - 1)) if s > 1 else 0.0 for i in range(s)]
        else:
            v = [(2.0 * i + 1) / s - 1 for i in range(s)]
        axes.append(_const(v, theta))
    mesh = []
    spatial = dims[2:]
    for i, v in enumerate(axes):
        shape = [1] * nd
        shape[i] = spatial[i]
        mesh.append(v.reshape(shape).expand(spatial))
    # base coordinates in (x, y[, z], 1) order: innermost axis first
    base = rt.stack(mesh[::-1] + [rt.ones(spatial, dtype=theta.dtype, device=theta.device)], dim=-1)
    base = base.reshape(-1, nd + 1)
    grid = rt.matmul(base.unsqueeze(0), theta.transpose(1, 2))   # (N, P, nd)
    return grid.reshape([dims[0]] + spatial + [nd])


# ---------------------------------------------------------------- RoiAlign

@op("RoiAlign", since=10)
def roi_align(ctx, x, rois, batch_indices):
    mode = ctx.attr("mode", "avg")
    oh = int(ctx.attr("output_height", 1))
    ow = int(ctx.attr("output_width", 1))
    ratio = int(ctx.attr("sampling_ratio", 0))
    scale = float(ctx.attr("spatial_scale", 1.0))
    half = ctx.opset >= 16 and ctx.attr("coordinate_transformation_mode", "half_pixel") == "half_pixel"
    if x.ndim != 4 or rois.ndim != 2 or rois.shape[1] != 4:
        raise ShapeError(f"{_name(ctx)}: needs X (N,C,H,W) and rois (R,4), got {list(x.shape)} "
                         f"and {list(rois.shape)}")
    h, w = x.shape[2], x.shape[3]
    boxes = rois.tolist()
    bidx = [int(v) for v in batch_indices.tolist()]
    if any(b < 0 or b >= x.shape[0] for b in bidx):
        raise InvalidArgument(f"{_name(ctx)}: batch_indices {bidx} out of range for {x.shape[0]} images")
    results = []
    off = 0.5 if half else 0.0
    for (x1, y1, x2, y2), b in zip(boxes, bidx):
        x1, y1, x2, y2 = x1 * scale - off, y1 * scale - off, x2 * scale - off, y2 * scale - off
        rw, rh = x2 - x1, y2 - y1
        if not half:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bw, bh = rw / ow, rh / oh
        gy = ratio if ratio > 0 else math.ceil(rh / oh)
        gx = ratio if ratio > 0 else math.ceil(rw / ow)
        # bilinear sample weights for every (output cell, sample) as one matrix per axis
        ys = _roi_axis(y1, bh, oh, gy, h)
        xs = _roi_axis(x1, bw, ow, gx, w)
        img = x[b]                                                   # (C, H, W)
        my = _const(ys, img).reshape(oh, gy, h)
        mx = _const(xs, img).reshape(ow, gx, w)
        if mode == "avg":
            wy = my.sum(dim=1) / gy                                   # (oh, H)
            wx = mx.sum(dim=1) / gx                                   # (ow, W)
            results.append(rt.matmul(rt.matmul(wy, img), wx.t()))
        elif mode == "max":
            # value at each sample point, then the max over the samples of a cell;
            # ONNX takes the max of the weighted corner terms, not of the interpolated values
            results.append(_roi_max(img, y1, x1, bh, bw, oh, ow, gy, gx, h, w))
        else:
            raise InvalidArgument(f"{_name(ctx)}: unknown mode {mode!r}")
    if not results:
        return rt.zeros([0, x.shape[1], oh, ow], dtype=x.dtype, device=x.device)
    return rt.stack(results)


def _roi_axis(start, bin_size, out, grid, size):
    """Rows of bilinear weights over an axis of ``size`` for each (bin, sample)."""
    rows = []
    for p in range(out):
        for i in range(grid):
            v = start + p * bin_size + (i + 0.5) * bin_size / grid
            row = [0.0] * size
            if -1.0 <= v <= size:
                v = max(v, 0.0)
                lo = int(v)
                if lo >= size - 1:
                    lo = hi = size - 1
                    v = float(lo)
                else:
                    hi = lo + 1
                frac = v - lo
                row[lo] += 1 - frac
                row[hi] += frac
            rows.extend(row)
    return rows


def _roi_max(img, y1, x1, bh, bw, oh, ow, gy, gx, h, w):
    cells = []
    for ph in range(oh):
        row = []
        for pw in range(ow):
            best = None
            for iy in range(gy):
                yy = y1 + ph * bh + (iy + 0.5) * bh / gy
                for ix in range(gx):
                    xx = x1 + pw * bw + (ix + 0.5) * bw / gx
                    if yy < -1.0 or yy > h or xx < -1.0 or xx > w:
                        v = img[:, 0, 0] * 0
                    else:
                        terms = _bilinear_terms(img, yy, xx, h, w)
                        v = terms[0]
                        for t in terms[1:]:
                            v = rt.maximum(v, t)
                    best = v if best is None else rt.maximum(best, v)
            row.append(best)
        cells.append(rt.stack(row, dim=-1))
    return rt.stack(cells, dim=-2)


def _bilinear_terms(img, y, x, h, w):
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= h - 1:
        y0 = y1 = h - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= w - 1:
        x0 = x1 = w - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    hy, hx = 1 - ly, 1 - lx
    return [img[:, y0, x0] * (hy * hx), img[:, y0, x1] * (hy * lx),
            img[:, y1, x0] * (ly * hx), img[:, y1, x1] * (ly * lx)]


# ---------------------------------------------------------------- Attention (opset 23)

def _heads(t, heads, name, ctx):
    if t.ndim == 4:
        return t
    if t.ndim != 3 or heads is None or heads <= 0 or t.shape[2] % heads:
        raise ShapeError(f"{_name(ctx)}: {name} of shape {list(t.shape)} cannot be split into "
                         f"{heads} heads")
    b, s, hid = t.shape
    return t.reshape(b, s, heads, hid // heads).transpose(1, 2)


@op("Attention", since=23)
def attention(ctx, q, k, v, attn_mask=None, past_key=None, past_value=None, nonpad_kv_seqlen=None):
    rank = q.ndim
    if not (q.ndim == k.ndim == v.ndim) or rank not in (3, 4):
        raise ShapeError(f"{_name(ctx)}: Q, K, V must all be 3-D or 4-D, got {list(q.shape)}, "
                         f"{list(k.shape)}, {list(v.shape)}")
    if (past_key is None) != (past_value is None):
        raise InvalidArgument(f"{_name(ctx)}: past_key and past_value go together")
    qh, kvh = ctx.attr("q_num_heads"), ctx.attr("kv_num_heads")
    q = _heads(q, qh, "Q", ctx)
    k = _heads(k, kvh, "K", ctx)
    v = _heads(v, kvh, "V", ctx)
    scale = ctx.attr("scale")
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[3])
    root = math.sqrt(scale)
    if past_key is not None:
        k = rt.cat([past_key, k], dim=2)
        v = rt.cat([past_value, v], dim=2)
    present_k, present_v = k, v
    sq, skv = q.shape[2], k.shape[2]
    bias = rt.zeros([sq, skv], dtype=q.dtype, device=q.device)
    neg = float("-inf")
    if attn_mask is not None:
        if attn_mask.shape[-1] < skv:
            pad = [0, skv - attn_mask.shape[-1]]
            attn_mask = (F.pad(attn_mask.to(rt.uint8), pad).to(rt.bool) if attn_mask.dtype == rt.bool
                         else F.pad(attn_mask, pad, value=neg))
        if attn_mask.dtype == rt.bool:
            attn_mask = rt.where(attn_mask, rt.zeros([], dtype=q.dtype, device=q.device),
                                 rt.full([], neg, dtype=q.dtype, device=q.device))
        bias = bias + attn_mask.to(q.dtype)
    offset = None
    if nonpad_kv_seqlen is not None:
        lens = nonpad_kv_seqlen.to(rt.int64).reshape(-1, 1, 1, 1)
        offset = lens - sq
        pos = rt.arange(skv, device=q.device).reshape(1, 1, 1, skv)
        bias = bias + rt.where(pos < lens, 0.0, neg).to(q.dtype)
    left = int(ctx.attr("left_window_size", -1))
    right = int(ctx.attr("right_window_size", -1))
    causal = bool(ctx.attr("is_causal", 0))
    if causal or left >= 0 or right >= 0:
        # query i sits at absolute position i + off (past cache or per-batch external cache)
        i = rt.arange(sq, device=q.device).reshape(sq, 1)
        j = rt.arange(skv, device=q.device).reshape(1, skv)
        off = offset if offset is not None else (past_key.shape[2] if past_key is not None else 0)
        diff = i + off - j
        allowed = rt.ones(diff.shape, dtype=rt.bool, device=q.device)
        if causal:
            allowed = allowed & (diff >= 0)
        if left >= 0:
            allowed = allowed & (diff <= left)
        if right >= 0:
            allowed = allowed & (-diff <= right)
        bias = bias + rt.where(allowed, 0.0, neg).to(q.dtype)
    hq, hk = q.shape[1], k.shape[1]
    if hq != hk:
        if hk == 0 or hq % hk:
            raise ShapeError(f"{_name(ctx)}: {hq} query heads are not a multiple of {hk} key heads")
        k = k.repeat_interleave(hq // hk, dim=1)
        v = v.repeat_interleave(hq // hk, dim=1)
    qk = _mm(q * root, k.transpose(-1, -2) * root)
    softcap = float(ctx.attr("softcap", 0.0) or 0.0)
    if softcap > 0:
        qk = (qk / softcap).tanh() * softcap
    mode = int(ctx.attr("qk_matmul_output_mode", 0))
    scores = qk + bias
    qk_out = scores if mode == 2 else qk
    prec = ctx.attr("softmax_precision")
    sdt = {1: rt.float32, 10: rt.float16, 11: rt.float64, 16: rt.bfloat16}.get(prec, scores.dtype)
    s = scores.to(sdt)
    row_max = s.amax(dim=-1, keepdim=True)
    dead = rt.isneginf(row_max)
    e = (s - rt.where(dead, rt.zeros_like(row_max), row_max)).exp()
    tot = e.sum(dim=-1, keepdim=True)
    p = e / rt.where(tot == 0, rt.ones_like(tot), tot)
    masked_rows = rt.isneginf(bias.amax(dim=-1, keepdim=True))
    p = rt.where(masked_rows, rt.zeros_like(p), p).to(q.dtype)
    if mode == 3:
        qk_out = p
    y = _mm(p, v)
    if rank == 3:
        y = y.transpose(1, 2).reshape(y.shape[0], y.shape[2], -1)
    return y, present_k, present_v, qk_out.to(q.dtype)
