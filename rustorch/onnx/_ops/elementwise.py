"""ONNX element-wise operators: math, logic, comparisons, activations, casts.

Every operator is composed from rustorch's public Tensor API, so it runs on
every device and autograd flows through it.  ONNX fixes the output dtype of
each operator (usually the input's), while rustorch follows torch's type
promotion (int + float scalar -> float, int sum -> int64 ...); ``_as`` casts
results back where the two disagree.
"""
import rustorch as rt
import rustorch.nn.functional as F

from ..._errors import InvalidArgument, InvalidType, ShapeError, UnsupportedError
from . import op

# ---------------------------------------------------------------------------
# helpers


def _as(result, dtype):
    """``result`` in ``dtype`` (the dtype ONNX says the output has)."""
    return result if result.dtype == dtype else result.to(dtype)


def _str_attr(ctx, name, default):
    v = ctx.attr(name, default)
    return v.decode() if isinstance(v, (bytes, bytearray)) else v


def _legacy_broadcast(ctx, a, b):
    """Before opset 7, binary ops broadcast ``b`` only when ``broadcast=1``,
    aligning it with ``a`` at dimension ``axis`` instead of at the end."""
    if ctx.opset >= 7 or not ctx.attr("broadcast", 0) or ctx.attr("axis") is None:
        return b
    axis = ctx.attr("axis")
    if axis < 0:
        axis += a.ndim
    trailing = a.ndim - axis - b.ndim
    if axis < 0 or trailing < 0:
        raise ShapeError(f"ONNX {ctx.node.op_type}: legacy broadcast of shape {list(b.shape)} "
                         f"into {list(a.shape)} at axis {ctx.attr('axis')} does not fit")
    return b.reshape(list(b.shape) + [1] * trailing)


def _same_dtype(ctx, *ts):
    """ONNX binds these inputs to one type T; torch would promote silently instead."""
    ts = [t for t in ts if t is not None]
    for t in ts[1:]:
        if t.dtype != ts[0].dtype:
            raise InvalidType(f"ONNX {ctx.node.op_type} needs inputs of one dtype, got "
                              f"{', '.join(str(u.dtype) for u in ts)}")


def _float_only(name, x):
    if not x.dtype.is_floating_point:
        raise InvalidType(f"ONNX {name} takes a floating-point tensor, got {x.dtype}")


# ---------------------------------------------------------------------------
# unary math (dtype kept as the input's; opsets only widened the type lists)

_UNARY = {
    # op_type: (rustorch function, first opset)
    "Abs": (rt.abs, 1), "Neg": (rt.neg, 1), "Reciprocal": (rt.reciprocal, 1),
    "Sqrt": (rt.sqrt, 1), "Exp": (rt.exp, 1), "Log": (rt.log, 1),
    "Floor": (rt.floor, 1), "Ceil": (rt.ceil, 1), "Tanh": (rt.tanh, 1), "Sigmoid": (rt.sigmoid, 1),
    "Sin": (rt.sin, 7), "Cos": (rt.cos, 7), "Tan": (rt.tan, 7),
    "Asin": (rt.asin, 7), "Acos": (rt.acos, 7), "Atan": (rt.atan, 7),
    "Sinh": (rt.sinh, 9), "Cosh": (rt.cosh, 9), "Asinh": (rt.asinh, 9),
    "Acosh": (rt.acosh, 9), "Atanh": (rt.atanh, 9),
    "Erf": (rt.erf, 9), "Sign": (rt.sign, 9),
    "Round": (rt.round, 11),          # torch's round is half-to-even, as ONNX wants
    "Relu": (rt.relu, 1),
    "Softsign": (F.softsign, 1), "Mish": (F.mish, 18),
    "Not": (rt.logical_not, 1), "BitwiseNot": (rt.bitwise_not, 18),
    "IsNaN": (rt.isnan, 9),
}


def _unary(fn):
    def run(ctx, x):
        out = fn(x)
        return out if out.dtype == rt.bool else _as(out, x.dtype)
    return run


for _name, (_fn, _since) in _UNARY.items():
    op(_name, since=_since)(_unary(_fn))


@op("Identity", since=1)
def identity(ctx, x):
    return x                      # tensors, sequences and optionals alike


@op("IsInf", since=10)
def isinf(ctx, x):
    pos, neg = ctx.attr("detect_positive", 1), ctx.attr("detect_negative", 1)
    if pos and neg:
        return rt.isinf(x)
    if pos:
        return rt.isposinf(x)
    if neg:
        return rt.isneginf(x)
    return rt.zeros(x.shape, dtype=rt.bool, device=x.device)


# ---------------------------------------------------------------------------
# binary arithmetic and logic

def _binary(fn):
    def run(ctx, a, b):
        _same_dtype(ctx, a, b)
        return fn(a, _legacy_broadcast(ctx, a, b))
    return run


for _name, _fn, _since in (
        ("Add", rt.add, 1), ("Sub", rt.sub, 1), ("Mul", rt.mul, 1),
        ("And", rt.logical_and, 1), ("Or", rt.logical_or, 1), ("Xor", rt.logical_xor, 1),
        ("Equal", rt.eq, 1), ("Greater", rt.gt, 1), ("Less", rt.lt, 1),
        ("GreaterOrEqual", rt.ge, 12), ("LessOrEqual", rt.le, 12),
        ("BitwiseAnd", rt.bitwise_and, 18), ("BitwiseOr", rt.bitwise_or, 18),
        ("BitwiseXor", rt.bitwise_xor, 18)):
    op(_name, since=_since)(_binary(_fn))


@op("Div", since=1)
def div(ctx, a, b):
    _same_dtype(ctx, a, b)
    b = _legacy_broadcast(ctx, a, b)
    if a.dtype.is_floating_point or a.dtype.is_complex:
        return rt.div(a, b)
    return rt.div(a, b, rounding_mode="trunc")      # ONNX integer division truncates toward 0


@op("Pow", since=1)
def pow_(ctx, x, y):
    """The output has the base's dtype (opset 12 allows a different exponent dtype)."""
    y = _legacy_broadcast(ctx, x, y)
    if x.dtype == y.dtype:
        return rt.pow(x, y)
    if not x.dtype.is_floating_point and y.dtype.is_floating_point:
        # integer base, float exponent: compute in double so int64 bases stay exact
        return _as(rt.pow(x.double(), y.double()), x.dtype)
    return _as(rt.pow(x, y), x.dtype)


@op("Mod", since=10)
def mod(ctx, a, b):
    _same_dtype(ctx, a, b)
    if ctx.attr("fmod", 0):
        return rt.fmod(a, b)           # A - trunc(A/B)*B: the dividend's sign, like C fmod
    if a.dtype.is_floating_point and ctx.opset < 28:
        raise InvalidArgument(f"ONNX Mod on {a.dtype} needs fmod=1 before opset 28, the model "
                              f"uses opset {ctx.opset}")
    return rt.remainder(a, b)          # A - floor(A/B)*B: the divisor's sign, like Python %


op("Mod", since=28)(mod)               # 28 defines fmod=0 for floats too


@op("BitShift", since=11)
def bitshift(ctx, x, y):
    _same_dtype(ctx, x, y)
    direction = _str_attr(ctx, "direction", "")
    if direction not in ("LEFT", "RIGHT"):
        raise InvalidArgument(f"ONNX BitShift direction must be 'LEFT' or 'RIGHT', got {direction!r}")
    # shifts that are negative or >= the bit width leave only the sign fill
    # (opset 28 spells this out; earlier opsets left it undefined)
    bits = 8 * x.dtype.itemsize
    bad = (y < 0) | (y >= bits)
    amount = rt.where(bad, rt.zeros_like(y), y)
    if direction == "LEFT":
        out, fill = rt.bitwise_left_shift(x, amount), rt.zeros_like(x)
    else:
        out = rt.bitwise_right_shift(x, amount)
        fill = rt.where(x < 0, rt.full_like(x, -1), rt.zeros_like(x)) if x.dtype.is_signed \
            else rt.zeros_like(x)
    return rt.where(bad, fill, out)


op("BitShift", since=28)(bitshift)     # 28 adds signed integers


@op("Where", since=9)
def where(ctx, cond, x, y):
    if cond.dtype != rt.bool:
        raise InvalidType(f"ONNX Where condition must be bool, got {cond.dtype}")
    _same_dtype(ctx, x, y)
    return rt.where(cond, x, y)


# ---------------------------------------------------------------------------
# variadic (numpy-style broadcasting from opset 8 on; accepting it earlier is harmless)

def _variadic(ctx, inputs):
    inputs = [t for t in inputs if t is not None]
    if not inputs:
        raise InvalidArgument(f"ONNX {ctx.node.op_type} needs at least one input")
    _same_dtype(ctx, *inputs)
    return inputs


@op("Max", since=1)
def max_(ctx, *inputs):
    inputs = _variadic(ctx, inputs)
    out = inputs[0]
    for t in inputs[1:]:
        out = rt.maximum(out, t)      # propagates NaN, as numpy's maximum does
    return out if len(inputs) > 1 else out.clone()


@op("Min", since=1)
def min_(ctx, *inputs):
    inputs = _variadic(ctx, inputs)
    out = inputs[0]
    for t in inputs[1:]:
        out = rt.minimum(out, t)
    return out if len(inputs) > 1 else out.clone()


@op("Sum", since=1)
def sum_(ctx, *inputs):
    inputs = _variadic(ctx, inputs)
    out = inputs[0]
    for t in inputs[1:]:
        out = out + t
    return out if len(inputs) > 1 else out.clone()


@op("Mean", since=1)
def mean(ctx, *inputs):
    inputs = _variadic(ctx, inputs)
    out = inputs[0]
    for t in inputs[1:]:
        out = out + t
    return _as(out / len(inputs), inputs[0].dtype)


# ---------------------------------------------------------------------------
# Clip: bounds are attributes before opset 11, optional inputs from 11 on

@op("Clip", since=1)
def clip_attr(ctx, x):
    lo, hi = ctx.attr("min"), ctx.attr("max")
    if lo is None and hi is None:
        return x.clone()
    return rt.clamp(x, lo, hi)


@op("Clip", since=11)
def clip(ctx, x, lo=None, hi=None):
    _same_dtype(ctx, x, lo, hi)
    for name, bound in (("min", lo), ("max", hi)):
        if bound is not None and bound.numel() != 1:
            raise ShapeError(f"ONNX Clip {name} must be a scalar, got shape {list(bound.shape)}")
    if lo is None and hi is None:
        return x.clone()
    # rt.clamp computes min(max(x, lo), hi): min > max gives max, as the spec says
    return rt.clamp(x, None if lo is None else lo.reshape(()), None if hi is None else hi.reshape(()))


# ---------------------------------------------------------------------------
# Cast / CastLike

# TensorProto.DataType -> rustorch dtype; None marks types rustorch lacks
_ONNX_DTYPES = {
    1: rt.float32, 2: rt.uint8, 3: rt.int8, 5: rt.int16, 6: rt.int32, 7: rt.int64,
    9: rt.bool, 10: rt.float16, 11: rt.float64, 14: rt.complex64, 15: rt.complex128,
    16: rt.bfloat16, 4: rt.uint16, 12: rt.uint32, 13: rt.uint64,
    17: rt.float8_e4m3fn, 18: rt.float8_e4m3fnuz, 19: rt.float8_e5m2, 20: rt.float8_e5m2fnuz,
}
_ONNX_DTYPE_NAMES = {
    8: "string", 21: "uint4", 22: "int4",
    23: "float4e2m1", 24: "float8e8m0", 25: "uint2", 26: "int2", 27: "float6e2m3",
    28: "float6e3m2",
}


def onnx_to_rt_dtype(code):
    """The rustorch dtype of ONNX element type ``code``; UnsupportedError if none."""
    dtype = _ONNX_DTYPES.get(code)
    if dtype is None:
        name = _ONNX_DTYPE_NAMES.get(code)
        if name is None:
            raise InvalidArgument(f"unknown ONNX tensor element type {code}")
        raise UnsupportedError(f"ONNX element type {name} (code {code}) has no rustorch dtype")
    return dtype


@op("Cast", since=1)
def cast(ctx, x):
    to = ctx.attr("to")
    if to is None:
        raise InvalidArgument("ONNX Cast needs the 'to' attribute")
    if isinstance(to, (str, bytes)):        # opset 1 names the type ("FLOAT", "INT64" ...)
        to = _LEGACY_TYPE_CODES.get(to.decode() if isinstance(to, bytes) else to.upper(), -1)
        if to == -1:
            raise InvalidArgument(f"ONNX Cast: unknown type name {ctx.attr('to')!r}")
    return _cast_saturating(ctx, x, onnx_to_rt_dtype(to))


_FLOAT8 = (rt.float8_e4m3fn, rt.float8_e4m3fnuz, rt.float8_e5m2, rt.float8_e5m2fnuz)


def _cast_saturating(ctx, x, dtype):
    """Cast; into float8, out-of-range values follow the ``saturate`` attribute
    (default 1: clamp to the largest magnitude, infinities too, as onnx's reference
    does; 0: inf for e5m2, NaN for the others).  rustorch's own cast already does
    torch's rules: e4m3fn saturates, the others overflow."""
    if dtype not in _FLOAT8 or x.dtype == dtype:
        return _as(x, dtype)
    if not x.dtype.is_floating_point:
        x = x.to(rt.float32)
    saturate = ctx.attr("saturate", 1)
    fmax = rt.finfo(dtype).max
    if saturate and dtype is not rt.float8_e4m3fn:
        x = x.clamp(-fmax, fmax)                    # NaN stays NaN
    elif not saturate and dtype is rt.float8_e4m3fn:
        # past 464 (448 + half a step) rounding overflows: NaN, like inf
        x = rt.where(x.abs() > 464.0, rt.full_like(x, float("nan")), x)
    return x.to(dtype)


_LEGACY_TYPE_CODES = {"FLOAT": 1, "UINT8": 2, "INT8": 3, "UINT16": 4, "INT16": 5, "INT32": 6,
                      "INT64": 7, "STRING": 8, "BOOL": 9, "FLOAT16": 10, "DOUBLE": 11,
                      "UINT32": 12, "UINT64": 13, "COMPLEX64": 14, "COMPLEX128": 15}


@op("CastLike", since=15)
def cast_like(ctx, x, like):
    return _cast_saturating(ctx, x, like.dtype)


# ---------------------------------------------------------------------------
# activations with attributes

@op("LeakyRelu", since=1)
def leaky_relu(ctx, x):
    return F.leaky_relu(x, ctx.attr("alpha", 0.01))


@op("PRelu", since=1)
def prelu(ctx, x, slope):
    _same_dtype(ctx, x, slope)
    if ctx.opset < 7 and slope.ndim == 1 and x.ndim > 2 and slope.shape[0] == x.shape[1]:
        slope = slope.reshape([slope.shape[0]] + [1] * (x.ndim - 2))   # per-channel slope
    return _as(rt.where(x < 0, x * slope, x), x.dtype)


@op("Elu", since=1)
def elu(ctx, x):
    return _as(F.elu(x, ctx.attr("alpha", 1.0)), x.dtype)   # F.elu gives float32 for bfloat16


@op("Selu", since=1)
def selu(ctx, x):
    alpha = ctx.attr("alpha", 1.67326319217681884765625)
    gamma = ctx.attr("gamma", 1.05070102214813232421875)
    return _as(F.elu(x, alpha) * gamma, x.dtype)


@op("Celu", since=12)
def celu(ctx, x):
    return _as(F.celu(x, ctx.attr("alpha", 1.0)), x.dtype)


@op("ThresholdedRelu", since=10)
def thresholded_relu(ctx, x):
    return rt.where(x > ctx.attr("alpha", 1.0), x, rt.zeros_like(x))


@op("HardSigmoid", since=1)
def hard_sigmoid(ctx, x):
    return rt.clamp(x * ctx.attr("alpha", 0.2) + ctx.attr("beta", 0.5), 0.0, 1.0)


@op("HardSwish", since=14)
def hard_swish(ctx, x):
    return x * rt.clamp(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)


@op("Softplus", since=1)
def softplus(ctx, x):
    return F.softplus(x)


@op("Gelu", since=20)
def gelu(ctx, x):
    approximate = _str_attr(ctx, "approximate", "none")
    if approximate not in ("none", "tanh"):
        raise InvalidArgument(f"ONNX Gelu approximate must be 'none' or 'tanh', got {approximate!r}")
    return F.gelu(x, approximate=approximate)


@op("Shrink", since=9)
def shrink(ctx, x):
    lambd, bias = ctx.attr("lambd", 0.5), ctx.attr("bias", 0.0)
    zero = rt.zeros_like(x)
    out = rt.where(x < -lambd, x + bias, rt.where(x > lambd, x - bias, zero))
    return _as(out, x.dtype)


@op("Swish", since=24)
def swish(ctx, x):
    return x * rt.sigmoid(x * ctx.attr("alpha", 1.0))


# ---------------------------------------------------------------------------
# Det: LU elimination with partial pivoting, written with Tensor ops so it is
# differentiable and runs on every device

@op("Det", since=11)
def det(ctx, x):
    _float_only("Det", x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(f"ONNX Det needs [..., n, n] matrices, got shape {list(x.shape)}")
    n, batch = x.shape[-1], list(x.shape[:-2])
    a = x.reshape(-1, n, n)
    count = a.shape[0]
    d = rt.ones(count, dtype=x.dtype, device=x.device)
    rows = rt.arange(n, device=x.device).reshape(1, n).expand(count, n)
    for k in range(n):
        p = rt.argmax(a[:, k:, k].abs(), dim=1) + k                       # pivot row per matrix
        pk = p.reshape(count, 1)
        perm = rt.where(rows == k, pk, rt.where(rows == pk, rt.full_like(rows, k), rows))
        a = rt.gather(a, 1, perm.reshape(count, n, 1).expand(count, n, n))
        d = rt.where(p != k, -d, d)
        piv = a[:, k, k]
        d = d * piv
        if k + 1 < n:
            # a zero pivot means the column below is zero too: eliminate nothing
            safe = rt.where(piv == 0, rt.ones_like(piv), piv)
            factors = (a[:, k + 1:, k] / safe.reshape(count, 1)).reshape(count, n - k - 1, 1)
            lower = a[:, k + 1:, :] - factors * a[:, k:k + 1, :]
            a = rt.cat([a[:, :k + 1, :], lower], dim=1)
    return d.reshape(batch)


del _name, _fn, _since
