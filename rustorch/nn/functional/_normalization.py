"""Normalization: batch_norm, instance_norm, layer_norm, group_norm, rms_norm,
local_response_norm, normalize.

layer_norm runs the backend's ``layer_norm`` extension kernel and has its own
backward (written with Tensor ops, so it can be differentiated again); the
others are composed from differentiable Tensor ops, which makes their
gradients exact by construction."""
import numbers

from ... import _dtype as dt
from ..._errors import InvalidArgument, ShapeError, shape_str
from ..._tensor import make
from ...autograd.grad_mode import STATE, no_grad
from ...ops._core import record

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm", "normalize"]


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _bshape(x, c_dim=1):
    """Shape that broadcasts a per-channel vector against ``x``."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected a 2D or higher input, got {input.ndim}D "
                         f"({shape_str(input.shape)})")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise ShapeError(f"{name} should contain {c} elements not {t.numel()}")
    if training:
        size = input.numel() // c
        if size == 1:
            raise InvalidArgument(f"Expected more than 1 value per channel when training, got "
                                  f"input size {shape_str(input.shape)}")
    return _norm_over(input, tuple(d for d in range(input.ndim) if d != 1), running_mean,
                      running_var, weight, bias, training or running_mean is None, momentum, eps,
                      _bshape(input))


def _norm_over(x, axes, running_mean, running_var, weight, bias, use_batch, momentum, eps,
               stat_shape, stat_reduce=None):
    """Normalise ``x`` over ``axes`` with batch statistics (updating the
    running ones) or with the running statistics."""
    if use_batch:
        mean = x.mean(dim=axes, keepdim=True)
        xc = x - mean
        var = (xc * xc).mean(dim=axes, keepdim=True)
        if running_mean is not None or running_var is not None:
            n = _numel([x.shape[a] for a in axes])
            with no_grad():
                m = mean.detach()
                v = var.detach() * (n / (n - 1) if n > 1 else float("nan"))
                if stat_reduce is not None:
                    m, v = stat_reduce(m), stat_reduce(v)
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(m.reshape(running_mean.shape).to(running_mean.dtype) * momentum)
                if running_var is not None:
                    running_var.mul_(1 - momentum).add_(v.reshape(running_var.shape).to(running_var.dtype) * momentum)
        y = xc * (var + eps).rsqrt()
    else:
        mean = running_mean.reshape(stat_shape)
        var = running_var.reshape(stat_shape)
        y = (x - mean) * (var + eps).rsqrt()
    if weight is not None:
        y = y * weight.reshape(_bshape(x))
    if bias is not None:
        y = y + bias.reshape(_bshape(x))
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected a 3D or higher input (N, C, ...), got "
                         f"{shape_str(input.shape)}")
    if use_input_stats and _numel(input.shape[2:]) <= 1:
        raise InvalidArgument(f"Expected more than 1 spatial element when training, got input "
                              f"size {shape_str(input.shape)}")
    axes = tuple(range(2, input.ndim))
    if use_input_stats:
        return _norm_over(input, axes, running_mean, running_var, weight, bias, True, momentum,
                          eps, None, stat_reduce=lambda s: s.mean(dim=0).reshape(-1))
    return _norm_over(input, axes, running_mean, running_var, weight, bias, False, momentum, eps,
                      _bshape(input))


# ------------------------------------------------------------------ layer norm
def _normalized(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    ns = _normalized(normalized_shape)
    k = len(ns)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != ns or input.ndim < k:
        raise ShapeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                         f"[*, {', '.join(str(s) for s in ns)}], but got input of size"
                         f"{shape_str(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise ShapeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                             f"{name} of shape {shape_str(t.shape)} and normalized_shape = "
                             f"{shape_str(ns)}")
    if input.dtype.category < 2:
        raise ShapeError(f"\"LayerNormKernelImpl\" not implemented for "
                         f"'{dt.torch_type_name(input.dtype)}'")
    b = input._b
    y, _, _ = b.layer_norm(input._data, k, None if weight is None else weight._data,
                           None if bias is None else bias._data, eps)
    out = make(y, b)
    if STATE.enabled and (input._rg or (weight is not None and weight._rg)
                          or (bias is not None and bias._rg)):
        record(out, "NativeLayerNormBackward0", _layer_norm_bwd, (input, weight, bias),
               saved=(input, weight), ctx=(k, eps))
    return out


def _layer_norm_bwd(n, g):
    x, w = n.unpack()
    k, eps = n.ctx
    axes = tuple(range(x.ndim - k, x.ndim))
    lead = tuple(range(x.ndim - k))
    # statistics recomputed with Tensor ops: the backward is itself differentiable
    mean = x.mean(dim=axes, keepdim=True)
    xc = x - mean
    rstd = ((xc * xc).mean(dim=axes, keepdim=True) + eps).rsqrt()
    xhat = xc * rstd
    gw = None
    gxh = g * w if w is not None else g
    gx = rstd * (gxh - gxh.mean(dim=axes, keepdim=True)
                     - xhat * (gxh * xhat).mean(dim=axes, keepdim=True))
    if w is not None:
        gw = (g * xhat).sum(dim=lead) if lead else g * xhat
    gb = g.sum(dim=lead) if lead else g
    return gx, gw, gb


# ------------------------------------------------------------------ group / rms / lrn
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.ndim < 2:
        raise ShapeError(f"Expected at least 2 dimensions for input tensor but received "
                         f"{input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise ShapeError(f"Expected number of channels in input to be divisible by num_groups, "
                         f"but got input of shape {shape_str(input.shape)} and num_groups="
                         f"{num_groups}")
    x = input.reshape(n, num_groups, -1)
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    y = (xc * (var + eps).rsqrt()).reshape(input.shape)
    if weight is not None:
        y = y * weight.reshape(_bshape(input))
    if bias is not None:
        y = y + bias.reshape(_bshape(input))
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    ns = _normalized(normalized_shape)
    k = len(ns)
    if tuple(input.shape[input.ndim - k:]) != ns:
        raise ShapeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                         f"[*, {', '.join(str(s) for s in ns)}], but got input of size"
                         f"{shape_str(input.shape)}")
    if eps is None:
        from ... import finfo
        eps = finfo(input.dtype).eps
    axes = tuple(range(input.ndim - k, input.ndim))
    y = input * ((input * input).mean(dim=axes, keepdim=True) + eps).rsqrt()
    if weight is not None:
        y = y * weight
    return y


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    if input.ndim < 3:
        raise ShapeError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    from ._pad import pad
    sq = input * input
    c = input.shape[1]
    # zero-pad the channel dim, then average ``size`` consecutive channels
    moved = sq.movedim(1, -1)
    padded = pad(moved, (size // 2, (size - 1) // 2))
    acc = None
    for i in range(size):
        part = padded.narrow(-1, i, c)
        acc = part if acc is None else acc + part
    div = (acc / size).movedim(-1, 1)
    div = (div * alpha + k).pow(beta)
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom
