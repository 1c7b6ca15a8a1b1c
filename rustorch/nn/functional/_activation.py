"""Activation functions (F.relu, F.gelu, F.softmax ...).

Smooth activations are composed from differentiable Tensor ops, so their
backward is exact by construction (and twice differentiable).  Piecewise ones
(hardtanh, threshold, the shrinks, hardswish ...) compute their forward under
no_grad and attach a backward that masks the gradient with ``mask_zero``,
using torch's convention at the kinks.  softmax / log_softmax call the
backend's extension kernels."""
import math

from ... import _dtype as dt
from ..._errors import InvalidArgument, ShapeError
from ..._tensor import Tensor, make, wrap_dim
from ...autograd.grad_mode import STATE, no_grad
from ...ops._core import record
from ...ops.elementwise import mask_zero, relu as _relu, sigmoid, tanh, where

__all__ = ["relu", "relu_", "relu6", "sigmoid", "tanh", "hardtanh", "hardtanh_", "leaky_relu",
           "leaky_relu_", "prelu", "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu",
           "silu", "mish", "softplus", "softsign", "hardswish", "hardsigmoid", "softmax",
           "log_softmax", "softmin", "glu", "threshold", "threshold_", "logsigmoid",
           "tanhshrink", "softshrink", "hardshrink"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _inplace(input, fn):
    """torch's ``inplace=True``: the result is written into ``input``.  ``fn``
    runs on a clone, so what its backward saved is not overwritten."""
    return input.copy_(fn(input.clone()))


def _masked(x, fwd, keep, name):
    """Forward ``fwd(x)`` (no graph) whose gradient is ``g * scale`` where
    ``keep(x)`` returns (bool mask, scale or None)."""
    with no_grad():
        out = fwd(x)
    if STATE.enabled and x._rg:
        def bwd(n, g):
            xs, = n.unpack()
            with no_grad():
                mask, scale = keep(xs)
            if scale is not None:
                g = g * scale
            return (g if mask is None else mask_zero(g, mask),)
        record(out, name, bwd, (x,), saved=(x,))
    return out


# ------------------------------------------------------------------ relu family
def relu(input, inplace=False):
    if inplace:
        return relu_(input)
    return _relu(input)


def relu_(input):
    return _inplace(input, _relu)


def _hardtanh(x, min_val, max_val):
    return _masked(x, lambda t: t.clamp(min_val, max_val),
                   lambda t: ((t > min_val) & (t < max_val), None), "HardtanhBackward0")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise InvalidArgument("min_val cannot be greater than max_val")
    if inplace:
        return _inplace(input, lambda t: _hardtanh(t, min_val, max_val))
    return _hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky(x, slope):
    return _masked(x, lambda t: where(t > 0, t, t * slope),
                   lambda t: (None, where(t > 0, t.new_ones(()), t.new_full((), slope))),
                   "LeakyReluBackward0")


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return _inplace(input, lambda t: _leaky(t, negative_slope))
    return _leaky(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def prelu(input, weight):
    if weight.numel() != 1:
        if input.ndim == 0:
            raise ShapeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise ShapeError(f"Mismatch of parameter numbers and input channel size. Found "
                             f"parameter numbers = {weight.numel()} and channel size = {channels}.")
        if input.ndim >= 2:
            weight = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    else:
        weight = weight.reshape(())
    return where(input > 0, input, weight * input)


def _elu(x, alpha, scale=1.0, input_scale=1.0):
    neg = (x.clamp(max=0) * input_scale).expm1() * (alpha * scale)
    return where(x > 0, x * scale if scale != 1.0 else x, neg)


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return _inplace(input, lambda t: _elu(t, alpha))
    return _elu(input, alpha)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    f = lambda t: _elu(t, _SELU_ALPHA, _SELU_SCALE)  # noqa: E731
    return _inplace(input, f) if inplace else f(input)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise InvalidArgument("ZeroDivisionError: alpha cannot be 0 for CELU")
    f = lambda t: _elu(t, alpha, 1.0, 1.0 / alpha)  # noqa: E731
    return _inplace(input, f) if inplace else f(input)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    if approximate == "none":
        return input * 0.5 * (1 + (input * (1 / math.sqrt(2))).erf())
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (1 + inner.tanh())
    raise InvalidArgument(f"approximate argument must be either none or tanh.")


def silu(input, inplace=False):
    f = lambda t: t * sigmoid(t)  # noqa: E731
    return _inplace(input, f) if inplace else f(input)


def _softplus(x, beta=1.0, threshold=20.0):
    bx = x * beta if beta != 1 else x
    soft = bx.logaddexp(bx.new_zeros(()))
    if beta != 1:
        soft = soft / beta
    return where(bx > threshold, x, soft)


def mish(input, inplace=False):
    f = lambda t: t * _softplus(t).tanh()  # noqa: E731
    return _inplace(input, f) if inplace else f(input)


def softplus(input, beta=1.0, threshold=20.0):
    return _softplus(input, beta, threshold)


def softsign(input):
    return input / (input.abs() + 1)


def hardswish(input, inplace=False):
    def f(x):
        return _masked(x, lambda t: t * (t + 3).clamp(0, 6) / 6,
                       lambda t: (t >= -3, where(t <= 3, t / 3 + 0.5, t.new_ones(()))),
                       "HardswishBackward0")
    return _inplace(input, f) if inplace else f(input)


def hardsigmoid(input, inplace=False):
    def f(x):
        return _masked(x, lambda t: (t + 3).clamp(0, 6) / 6,
                       lambda t: ((t > -3) & (t < 3), 1 / 6), "HardsigmoidBackward0")
    return _inplace(input, f) if inplace else f(input)


def _threshold(x, threshold, value):
    return _masked(x, lambda t: where(t > threshold, t, t.new_full((), value)),
                   lambda t: (t > threshold, None), "ThresholdBackward0")


def threshold(input, threshold, value, inplace=False):
    if inplace:
        return _inplace(input, lambda t: _threshold(t, threshold, value))
    return _threshold(input, threshold, value)


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, True)


def logsigmoid(input):
    return -(-input).logaddexp(input.new_zeros(()))


def tanhshrink(input):
    return input - input.tanh()


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise InvalidArgument(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _masked(input, lambda t: where(t > lambd, t - lambd,
                                          where(t < -lambd, t + lambd, t.new_zeros(()))),
                   lambda t: ((t > lambd) | (t < -lambd), None), "SoftshrinkBackward0")


def hardshrink(input, lambd=0.5):
    return _masked(input, lambda t: where((t > lambd) | (t < -lambd), t, t.new_zeros(())),
                   lambda t: ((t > lambd) | (t < -lambd), None), "HardshrinkBackward0")


def glu(input, dim=-1):
    if input.ndim == 0:
        raise ShapeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if n % 2:
        raise ShapeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a = input.narrow(d, 0, n // 2)
    b = input.narrow(d, n // 2, n // 2)
    return a * sigmoid(b)


# ------------------------------------------------------------------ softmax family
def _softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


def _prep_softmax(input, dim, dtype, name="softmax"):
    if dim is None:
        import warnings
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                      "to include dim=X as an argument.", stacklevel=3)
        dim = _softmax_dim(input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif input.dtype.category < 2:
        raise ShapeError(f"\"softmax\" not implemented for '{dt.torch_type_name(input.dtype)}'")
    d = wrap_dim(dim, max(input.ndim, 1))
    return input, d


def _softmax_raw(x, d, log):
    b = x._b
    data = x._data
    scalar = data.ndim == 0
    if scalar:
        data = b.xp.reshape(data, (1,))
    res = b.log_softmax(data, d) if log else b.softmax(data, d)
    if scalar:
        res = b.xp.reshape(res, ())
    out = make(res, b)
    if STATE.enabled and x._rg:
        if log:
            record(out, "LogSoftmaxBackward0",
                   lambda n, g: (g - n.out().exp() * g.sum(dim=d, keepdim=True)
                                 if n.out().ndim else g - g * n.out().exp(),),
                   (x,), save_out=True)
        else:
            record(out, "SoftmaxBackward0", _softmax_bwd, (x,), save_out=True, ctx=d)
    return out


def _softmax_bwd(n, g):
    y = n.out()
    if y.ndim == 0:
        return (g * y - g * y * y,)
    gy = g * y
    return (gy - y * gy.sum(dim=n.ctx, keepdim=True),)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    x, d = _prep_softmax(input, dim, dtype)
    return _softmax_raw(x, d, False)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    x, d = _prep_softmax(input, dim, dtype, "log_softmax")
    return _softmax_raw(x, d, True)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    x, d = _prep_softmax(input, dim, dtype, "softmin")
    return _softmax_raw(-x, d, False)


Tensor.softmax = lambda self, dim, dtype=None: softmax(self, dim, dtype=dtype)
Tensor.log_softmax = lambda self, dim, dtype=None: log_softmax(self, dim, dtype=dtype)
