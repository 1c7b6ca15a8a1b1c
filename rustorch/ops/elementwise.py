"""Elementwise ops: unary math, binary arithmetic, comparisons, logical and
bitwise ops, clamp/where/lerp, casts.  Each op is one table row: its kernel in
the namespace and its derivative written with Tensor ops."""
import math
from builtins import abs as _pyabs, complex as _pycomplex

from .. import _dtype as dt
from .._errors import DTypeError, InvalidArgument, UnsupportedError
from .._tensor import Tensor, make
from ..autograd.grad_mode import STATE
from ._core import (binary_operands, broadcast_shapes, cast, export, grad_for, needs_grad,
                    record, result_dtype, as_operand, scalar_dtype, py_scalar)
from .inplace import apply_inplace

_FLOAT, _COMPLEX = 2, 3


def _float_input(x):
    """Integral inputs of float math are promoted to the default dtype."""
    d = x._b.dtype_of(x._data)
    if d.category < _FLOAT:
        return cast(x, dt.get_default_dtype())
    return x


def _mul_conj(g, deriv):
    return g * (deriv.conj() if deriv.dtype.category == _COMPLEX else deriv)


# ------------------------------------------------------------------ casts
def to_dtype(x, dtype, copy=False):
    """Cast with autograd (the gradient is cast back)."""
    src = x.dtype
    if src is dtype and not copy:
        return x
    x._b.check_dtype(dtype)
    xp = x._b.xp
    data = x._data
    if src in dt.FLOAT8 and dtype is not dt.float32:
        # float8 widens exactly to float32; from there NaN/inf follow the usual casts
        data = xp.astype(data, x._b.to_native_dtype(dt.float32))
    if dtype is dt.uint32 and src.category >= _FLOAT:
        # out-of-range float -> uint32 is undefined in C, and NumPy's SIMD and
        # scalar loops disagree; a hop through int64 gives the scalar loop's wrap
        # (trunc, then modulo 2**32; NaN/inf -> 0) on every backend
        data = xp.astype(data, x._b.to_native_dtype(dt.int64))
    elif dtype in dt.FLOAT8 and src is not dt.float32:
        # like torch: through float32 (doubles round twice there too)
        data = xp.astype(data, x._b.to_native_dtype(dt.float32))
    if dtype is dt.float8_e4m3fn:
        # torch's e4m3fn cast saturates (inf too); the storage itself only rounds
        data = xp.clip(data, -448.0, 448.0)
    out = make(xp.astype(data, x._b.to_native_dtype(dtype), copy=True), x._b)
    if needs_grad(x) and dtype.category >= _FLOAT:
        record(out, "ToCopyBackward0", _to_bwd, (x,), ctx=src)
    return out


def _to_bwd(node, g):
    src = node.ctx
    if g.dtype.category == _COMPLEX and src.category != _COMPLEX:
        g = g.real
    return (to_dtype(g, src),)


# ------------------------------------------------------------------ unary
def _unary_float(name, kernel, deriv, uses="x", node=None):
    """Float math: ints become the default float; ``deriv(x, y)`` is f'(x)."""
    node_name = node or (name.capitalize() + "Backward0")

    def bwd(n, g):
        x, = n.unpack() if uses == "x" else (None,)
        y = n.out() if uses == "y" else None
        return (_mul_conj(g, deriv(x, y)),)

    def op(input):
        x = _float_input(input)
        b = x._b
        out = make(kernel(b, x._data), b)
        if STATE.enabled and x._rg:
            record(out, node_name, bwd, (x,), saved=(x,) if uses == "x" else (),
                   save_out=uses == "y")
        return out
    op.__name__ = name
    return op


def _ns(fn_name):
    return lambda b, a: getattr(b.xp, fn_name)(a)


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_SQRT_PI = math.sqrt(math.pi)

exp = _unary_float("exp", _ns("exp"), lambda x, y: y, uses="y")
exp2 = _unary_float("exp2", lambda b, a: b.xp.astype(b.xp.pow(2.0, a), a.dtype),
                    lambda x, y: y * _LN2, uses="y")
expm1 = _unary_float("expm1", _ns("expm1"), lambda x, y: y + 1, uses="y")
log = _unary_float("log", _ns("log"), lambda x, y: x.reciprocal())
log2 = _unary_float("log2", _ns("log2"), lambda x, y: (x * _LN2).reciprocal())
log10 = _unary_float("log10", _ns("log10"), lambda x, y: (x * _LN10).reciprocal())
log1p = _unary_float("log1p", _ns("log1p"), lambda x, y: (x + 1).reciprocal())
sqrt = _unary_float("sqrt", _ns("sqrt"), lambda x, y: (y * 2).reciprocal(), uses="y")
rsqrt = _unary_float("rsqrt", lambda b, a: b.xp.divide(1, b.xp.sqrt(a)),
                     lambda x, y: y * y * y * -0.5, uses="y")
sin = _unary_float("sin", _ns("sin"), lambda x, y: x.cos())
cos = _unary_float("cos", _ns("cos"), lambda x, y: -x.sin())
tan = _unary_float("tan", _ns("tan"), lambda x, y: y * y + 1, uses="y")
asin = _unary_float("asin", _ns("asin"), lambda x, y: (1 - x * x).rsqrt())
acos = _unary_float("acos", _ns("acos"), lambda x, y: -(1 - x * x).rsqrt())
atan = _unary_float("atan", _ns("atan"), lambda x, y: (x * x + 1).reciprocal())
sinh = _unary_float("sinh", _ns("sinh"), lambda x, y: x.cosh())
cosh = _unary_float("cosh", _ns("cosh"), lambda x, y: x.sinh())
tanh = _unary_float("tanh", _ns("tanh"), lambda x, y: 1 - y * y, uses="y")
asinh = _unary_float("asinh", _ns("asinh"), lambda x, y: (x * x + 1).rsqrt())
acosh = _unary_float("acosh", _ns("acosh"), lambda x, y: (x * x - 1).rsqrt())
atanh = _unary_float("atanh", _ns("atanh"), lambda x, y: (1 - x * x).reciprocal())
sigmoid = _unary_float("sigmoid", lambda b, a: b.sigmoid(a), lambda x, y: y * (1 - y),
                       uses="y")
reciprocal = _unary_float("reciprocal", lambda b, a: b.xp.divide(1, a),
                          lambda x, y: -(y * y), uses="y")
erf = _unary_float("erf", lambda b, a: b.special("erf", a),
                   lambda x, y: (-(x * x)).exp() * (2 / _SQRT_PI))
erfc = _unary_float("erfc", lambda b, a: b.special("erfc", a),
                    lambda x, y: (-(x * x)).exp() * (-2 / _SQRT_PI))
erfinv = _unary_float("erfinv", lambda b, a: b.special("erfinv", a),
                      lambda x, y: (y * y).exp() * (_SQRT_PI / 2), uses="y")
lgamma = _unary_float("lgamma", lambda b, a: b.special("lgamma", a),
                      lambda x, y: x.digamma())
digamma = _unary_float("digamma", lambda b, a: b.special("digamma", a),
                       lambda x, y: _polygamma1(x))
deg2rad = _unary_float("deg2rad", lambda b, a: b.xp.multiply(a, math.pi / 180),
                       lambda x, y: x.new_full((), math.pi / 180))
rad2deg = _unary_float("rad2deg", lambda b, a: b.xp.multiply(a, 180 / math.pi),
                       lambda x, y: x.new_full((), 180 / math.pi))
sinc = _unary_float("sinc", lambda b, a: b.sinc(a),
                    lambda x, y: _sinc_deriv(x, y), uses="x")


def _polygamma1(x):
    t = make(x._b.special("polygamma1", x._data), x._b)
    if needs_grad(x):
        raise UnsupportedError("third derivatives of lgamma are not implemented")
    return t


def _sinc_deriv(x, y):
    # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0
    safe = where(x == 0, x.new_ones(()), x)
    d = ((safe * math.pi).cos() - safe.sinc()) / safe
    return where(x == 0, x.new_zeros(()), d)


def _unary_keep(name, kernel, deriv=None, node=None, allow_bool=True):
    """Ops that keep the input dtype (abs, neg, sign, floor ...)."""
    node_name = node or (name.capitalize() + "Backward0")

    def bwd(n, g):
        x, = n.unpack()
        if deriv is None:  # piecewise constant: zero gradient
            return (g.new_zeros(g.shape),)
        return (_mul_conj(g, deriv(x)),)

    def op(input):
        x = input
        b = x._b
        if not allow_bool and b.dtype_of(x._data) is dt.bool:
            raise DTypeError(f"{name}: bool tensors are not supported (use logical_not for negation)")
        out = make(kernel(b, x._data), b)
        if STATE.enabled and x._rg:
            record(out, node_name, bwd, (x,), saved=(x,))
        return out
    op.__name__ = name
    return op


def _round_kernel(fn):
    def k(b, a):
        if b.dtype_of(a).category < _FLOAT:
            return a
        return getattr(b.xp, fn)(a)
    return k


def _abs_deriv(x):
    if x.dtype.category == _COMPLEX:
        return _sgn(x).conj()  # undone by _mul_conj: g * x/|x|
    return x.sign()


def _sgn(x):
    a = x.abs()
    return where(a == 0, x.new_zeros(()), x / a)


abs = _unary_keep("abs", lambda b, a: b.xp.abs(a) if b.dtype_of(a) is not dt.bool else a,  # noqa: A001
                  _abs_deriv)
neg = _unary_keep("neg", _ns("negative"), lambda x: x.new_full((), -1), allow_bool=False)
negative = neg
positive = _unary_keep("positive", lambda b, a: a, lambda x: x.new_ones(()))
sign = _unary_keep("sign", lambda b, a: b.xp.sign(a) if b.dtype_of(a) is not dt.bool else a)
floor = _unary_keep("floor", _round_kernel("floor"))
ceil = _unary_keep("ceil", _round_kernel("ceil"))
trunc = _unary_keep("trunc", _round_kernel("trunc"))
fix = trunc
frac = _unary_keep("frac", lambda b, a: b.xp.subtract(a, b.xp.trunc(a)), lambda x: x.new_ones(()))


def square(input):
    if input.dtype is dt.bool:
        input = cast(input, dt.int64)
    return mul(input, input)


def sgn(input):
    if input.dtype.category == _COMPLEX:
        return _sgn(input)
    return sign(input)


def round(input, *, decimals=0):  # noqa: A001
    x = input
    b = x._b
    if b.dtype_of(x._data).category < _FLOAT:
        out = make(x._data, b) if decimals >= 0 else None
        if out is None:
            raise UnsupportedError("round with negative decimals on integer tensors")
        return out.clone()
    if decimals == 0:
        data = b.xp.round(x._data)
    else:
        s = 10.0 ** decimals
        data = b.xp.divide(b.xp.round(b.xp.multiply(x._data, s)), s)
        data = b.xp.astype(data, x._data.dtype)
    out = make(data, b)
    if needs_grad(x):
        record(out, "RoundBackward0", lambda n, g: (g.new_zeros(g.shape),), (x,))
    return out


# ------------------------------------------------------------------ binary arithmetic
def _binary(name, kernel, bwd, node, float_out=False, saves=True, int_ok=True, complex_ok=True):
    """``saves``: True (both operands), False, or a function (a, b) -> saved tuple."""
    def op(input, other):
        a, b2, d = binary_operands(input, other)
        if not complex_ok and d.category == _COMPLEX:
            raise UnsupportedError(f"{name} not implemented for complex tensors.")
        if float_out and d.category < _FLOAT:
            d = dt.get_default_dtype()
            a, b2 = cast(a, d), cast(b2, d)
        be = a._b
        try:
            out = make(kernel(be, a._data, b2._data), be)
        except ValueError:
            broadcast_shapes(a._data.shape, b2._data.shape)  # raises ShapeError naming both
            raise
        if STATE.enabled and (a._rg or b2._rg):
            record(out, node, bwd, (a, b2),
                   saved=(saves(a, b2) if callable(saves) else (a, b2)) if saves else (),
                   ctx=(a._data.shape, b2._data.shape, d))
        return out
    op.__name__ = name
    return op


def _add_bwd(n, g):
    sa, sb, d = n.ctx
    return grad_for(g, sa, d), grad_for(g, sb, d)


def _sub_bwd(n, g):
    sa, sb, d = n.ctx
    return grad_for(g, sa, d), grad_for(-g, sb, d)


def _mul_bwd(n, g):
    a, b = n.unpack()       # a is saved only if b needs a gradient, and vice versa
    sa, sb, d = n.ctx
    ea, eb = n.next_functions
    ga = grad_for(_mul_conj(g, b), sa, d) if ea is not None else None
    gb = grad_for(_mul_conj(g, a), sb, d) if eb is not None else None
    return ga, gb


def _mul_saved(a, b):
    return (a if b._rg else None, b if a._rg else None)


def _div_bwd(n, g):
    a, b = n.unpack()
    sa, sb, d = n.ctx
    ea, eb = n.next_functions
    ga = grad_for(_mul_conj(g, b.reciprocal()), sa, d) if ea is not None else None
    gb = grad_for(_mul_conj(-g, a / (b * b)), sb, d) if eb is not None else None
    return ga, gb


def _div_saved(a, b):
    return (a if b._rg else None, b)


_add_raw = _binary("add", lambda be, x, y: be.xp.add(x, y), _add_bwd, "AddBackward0", saves=False)
_sub_raw = _binary("sub", lambda be, x, y: be.xp.subtract(x, y), _sub_bwd, "SubBackward0", saves=False)
_mul_raw = _binary("mul", lambda be, x, y: be.xp.multiply(x, y), _mul_bwd, "MulBackward0",
                   saves=_mul_saved)
_div_true = _binary("div", lambda be, x, y: be.xp.divide(x, y), _div_bwd, "DivBackward0", float_out=True,
                    saves=_div_saved)


def add(input, other, *, alpha=1, out=None):
    # fast path: two tensors of one dtype on one device
    if alpha == 1 and isinstance(input, Tensor) and isinstance(other, Tensor) and input._b is other._b \
            and input._data.dtype == other._data.dtype and out is None:
        b = input._b
        try:
            res = make(b.xp.add(input._data, other._data), b)
        except ValueError:
            broadcast_shapes(input._data.shape, other._data.shape)
            raise
        if STATE.enabled and (input._rg or other._rg):
            record(res, "AddBackward0", _add_bwd, (input, other),
                   ctx=(input._data.shape, other._data.shape, b.dtype_of(input._data)))
        return res
    if alpha != 1:
        return _with_out(_axpy(input, other, alpha), out)
    return _with_out(_add_raw(input, other), out)


_FMA_DTYPES = (dt.float32, dt.float16, dt.bfloat16)


def _fused(d, be):
    """Whether to round like torch's fused CPU kernels (through float64); a
    device without float64 (webgpu) computes in ``d``, like torch's GPU kernels."""
    return d in _FMA_DTYPES and dt.float64 in be.caps.dtypes


def _axpy(input, other, alpha):
    """input + alpha * other with one rounding, as torch's CPU kernels (a
    fused multiply-add) give: for float32 and narrower the product of two
    float32 values is exact in float64, so the sum is rounded once there."""
    a, b2, d = binary_operands(input, other)
    if not _fused(d, a._b) or isinstance(alpha, (_pycomplex, Tensor)):
        return _add_raw(a, mul(b2, alpha))
    be = a._b
    xp = be.xp
    f64 = be.to_native_dtype(dt.float64)
    w = _round_to(alpha, d, be)
    data = xp.add(xp.astype(a._data, f64), xp.multiply(xp.astype(b2._data, f64), w))
    out = make(xp.astype(data, be.to_native_dtype(d)), be)
    if STATE.enabled and (a._rg or b2._rg):
        record(out, "AddBackward0", _axpy_bwd, (a, b2), ctx=(a._data.shape, b2._data.shape, d, w))
    return out


def _axpy_bwd(n, g):
    sa, sb, d, w = n.ctx
    return grad_for(g, sa, d), grad_for(g * w, sb, d)


def _round_to(value, d, be):
    """A Python number rounded to dtype ``d`` (torch casts alpha to the op's dtype)."""
    return float(be.xp.asarray(float(value), dtype=be.to_native_dtype(d)))


def sub(input, other, *, alpha=1, out=None):
    if _is_bool(input) and _is_bool(other):
        raise DTypeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                         "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        return _with_out(_axpy(input, other, -alpha), out)
    return _with_out(_sub_raw(input, other), out)


subtract = sub


def mul(input, other, *, out=None):
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input._b is other._b \
            and input._data.dtype == other._data.dtype and out is None:
        b = input._b
        try:
            res = make(b.xp.multiply(input._data, other._data), b)
        except ValueError:
            broadcast_shapes(input._data.shape, other._data.shape)
            raise
        if STATE.enabled and (input._rg or other._rg):
            record(res, "MulBackward0", _mul_bwd, (input, other), saved=_mul_saved(input, other),
                   ctx=(input._data.shape, other._data.shape, b.dtype_of(input._data)))
        return res
    return _with_out(_mul_raw(input, other), out)


multiply = mul


def _is_bool(x):
    return isinstance(x, Tensor) and x.dtype is dt.bool


def _check_int_div_zero(b, d):
    xp = b._b.xp
    if d.category <= 1 and bool(xp.any(xp.equal(b._data, 0))):
        raise ZeroDivisionErrorRT("ZeroDivisionError: integer division by zero")


class ZeroDivisionErrorRT(DTypeError, ZeroDivisionError):
    """Integer division by zero (torch raises RuntimeError)."""


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return _with_out(_div_true(input, other), out)
    if rounding_mode not in ("trunc", "floor"):
        raise InvalidArgument(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                              f"but found '{rounding_mode}'")
    a, b2, d = binary_operands(input, other)
    be = a._b
    xp = be.xp
    if d.category <= 1:
        _check_int_div_zero(b2, d)
        if rounding_mode == "floor":
            data = xp.floor_divide(a._data, b2._data)
        else:  # C-style truncation for integers
            q = xp.floor_divide(a._data, b2._data)
            r = xp.remainder(a._data, b2._data)
            fix = xp.logical_and(xp.not_equal(r, 0),
                                 xp.not_equal(xp.less(a._data, 0), xp.less(b2._data, 0)))
            data = xp.add(q, xp.astype(fix, q.dtype))
    else:
        data = xp.divide(a._data, b2._data)
        data = xp.floor(data) if rounding_mode == "floor" else xp.trunc(data)
    res = make(data, be)
    if needs_grad(a, b2):
        record(res, "DivBackward1", lambda n, g: (g.new_zeros(n.ctx[0]).to(n.ctx[2]),
                                                  g.new_zeros(n.ctx[1]).to(n.ctx[2])),
               (a, b2), ctx=(a.shape, b2.shape, d))
    return _with_out(res, out)


divide = div
true_divide = div


def floor_divide(input, other, *, out=None):
    return div(input, other, rounding_mode="floor", out=out)


def _rem_kernel(c_style):
    def k(be, x, y):
        xp = be.xp
        if c_style:
            return xp.fmod(x, y) if hasattr(xp, "fmod") else xp.subtract(
                x, xp.multiply(xp.trunc(xp.divide(x, y)), y))
        return xp.remainder(x, y)
    return k


def _rem_bwd(trunc_fn):
    def bwd(n, g):
        a, b = n.unpack()
        sa, sb, d = n.ctx
        q = trunc_fn(a / b)
        return grad_for(g, sa, d), grad_for(-g * q, sb, d)
    return bwd


_remainder = _binary("remainder", _rem_kernel(False), _rem_bwd(lambda q: q.floor()),
                     "RemainderBackward0")
_fmod = _binary("fmod", _rem_kernel(True), _rem_bwd(lambda q: q.trunc()), "FmodBackward0")


def remainder(input, other, *, out=None):
    a, b2, d = binary_operands(input, other)
    _check_int_div_zero(b2, d)
    return _with_out(_remainder(a, b2), out)


def fmod(input, other, *, out=None):
    a, b2, d = binary_operands(input, other)
    _check_int_div_zero(b2, d)
    return _with_out(_fmod(a, b2), out)


def _pow_bwd(n, g):
    a, b = n.unpack()
    sa, sb, d = n.ctx
    ga = gb = None
    if a._rg:
        deriv = b * a.pow(b - 1)
        if d.category != _COMPLEX:
            deriv = where((b == 0), deriv.new_zeros(()), deriv)
        ga = grad_for(_mul_conj(g, deriv), sa, d)
    if b._rg:
        y = a.pow(b)
        deriv = y * a.log()
        if d.category != _COMPLEX:
            deriv = where((a == 0) & (b.real >= 0 if b.dtype.category == 3 else b >= 0),
                          deriv.new_zeros(()), deriv)
        gb = grad_for(_mul_conj(g, deriv), sb, d)
    return ga, gb


_pow_raw = _binary("pow", lambda be, x, y: be.xp.pow(x, y), _pow_bwd, "PowBackward1")


def pow(input, exponent, *, out=None):  # noqa: A001
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        d = result_dtype(input, exponent)
        if d.category <= 1 and exponent < 0:
            raise DTypeError("Integers to negative integer powers are not allowed.")
        if exponent == 2 and d is input.dtype:
            return _with_out(mul(input, input), out)
    elif isinstance(input, Tensor) and isinstance(exponent, Tensor):
        d = result_dtype(input, exponent)
        if d.category <= 1 and bool(exponent._b.xp.any(exponent._b.xp.less(exponent._data, 0))):
            raise DTypeError("Integers to negative integer powers are not allowed.")
    return _with_out(_pow_raw(input, exponent), out)


def float_power(input, exponent):
    """pow computed in double precision (complex128 for complex operands)."""
    wide = dt.complex128 if any(isinstance(o, Tensor) and o.dtype.category == _COMPLEX
                                or isinstance(o, _pycomplex) for o in (input, exponent)) else dt.float64
    a = cast(input, wide) if isinstance(input, Tensor) else input
    e = cast(exponent, wide) if isinstance(exponent, Tensor) else exponent
    return pow(a, e)


def _atan2_bwd(n, g):
    a, b = n.unpack()
    sa, sb, d = n.ctx
    den = a * a + b * b
    return grad_for(g * b / den, sa, d), grad_for(-g * a / den, sb, d)


atan2 = _binary("atan2", lambda be, x, y: be.xp.atan2(x, y), _atan2_bwd, "Atan2Backward0",
                float_out=True)
arctan2 = atan2


def _hypot_bwd(n, g):
    a, b = n.unpack()
    sa, sb, d = n.ctx
    h = hypot(a, b)
    return grad_for(g * a / h, sa, d), grad_for(g * b / h, sb, d)


hypot = _binary("hypot", lambda be, x, y: be.xp.hypot(x, y), _hypot_bwd, "HypotBackward0",
                float_out=True)


def _logaddexp_bwd(n, g):
    a, b = n.unpack()
    sa, sb, d = n.ctx
    return (grad_for(g * (b - a).exp().add(1).reciprocal(), sa, d),
            grad_for(g * (a - b).exp().add(1).reciprocal(), sb, d))


logaddexp = _binary("logaddexp", lambda be, x, y: be.xp.logaddexp(x, y), _logaddexp_bwd,
                    "LogaddexpBackward0", float_out=True)


def _logaddexp2_kernel(be, x, y):
    xp = be.xp
    return xp.divide(xp.logaddexp(xp.multiply(x, _LN2), xp.multiply(y, _LN2)), _LN2)


def _logaddexp2_bwd(n, g):
    a, b = n.unpack()
    sa, sb, d = n.ctx
    return (grad_for(g * (2 ** (b - a) + 1).reciprocal(), sa, d),
            grad_for(g * (2 ** (a - b) + 1).reciprocal(), sb, d))


logaddexp2 = _binary("logaddexp2", _logaddexp2_kernel, _logaddexp2_bwd, "Logaddexp2Backward0",
                     float_out=True)


def _minmax_bwd(is_max):
    def bwd(n, g):
        a, b = n.unpack()
        sa, sb, d = n.ctx
        win_a = (a > b) if is_max else (a < b)
        tie = a == b
        half = g * 0.5
        ga = where(win_a, g, where(tie, half, g.new_zeros(())))
        gb = where(win_a, g.new_zeros(()), where(tie, half, g))
        return grad_for(ga, sa, d), grad_for(gb, sb, d)
    return bwd


def _nan_prop(fn):
    def k(be, x, y):
        return getattr(be.xp, fn)(x, y)
    return k


maximum = _binary("maximum", _nan_prop("maximum"), _minmax_bwd(True), "MaximumBackward0", complex_ok=False)
minimum = _binary("minimum", _nan_prop("minimum"), _minmax_bwd(False), "MinimumBackward0", complex_ok=False)


def _fminmax_kernel(fn):
    def k(be, x, y):
        xp = be.xp
        r = getattr(xp, fn)(x, y)
        if be.dtype_of(r).category >= _FLOAT:
            r = xp.where(xp.isnan(x), y, xp.where(xp.isnan(y), x, r))
        return r
    return k


fmax = _binary("fmax", _fminmax_kernel("maximum"), _minmax_bwd(True), "FmaxBackward0", complex_ok=False)
fmin = _binary("fmin", _fminmax_kernel("minimum"), _minmax_bwd(False), "FminBackward0", complex_ok=False)


def _copysign_bwd(n, g):
    a, b = n.unpack()
    sa, sb, d = n.ctx
    y = copysign(a, b)
    ratio = where(a == 0, a.new_zeros(()), y / a)
    return grad_for(g * ratio, sa, d), grad_for(g.new_zeros(g.shape), sb, d)


copysign = _binary("copysign", lambda be, x, y: be.xp.copysign(x, y), _copysign_bwd,
                   "CopysignBackward0", float_out=True)


def _xlogy_bwd(n, g):
    a, b = n.unpack()
    sa, sb, d = n.ctx
    ga = where(a == 0, g.new_zeros(()), g * b.log())
    gb = g * a / b
    return grad_for(ga, sa, d), grad_for(gb, sb, d)


def _xlogy_kernel(be, x, y):
    xp = be.xp
    r = xp.multiply(x, xp.log(y))
    return xp.where(xp.logical_and(xp.equal(x, 0), xp.logical_not(xp.isnan(y))),
                    xp.zeros(r.shape, dtype=r.dtype), r)


xlogy = _binary("xlogy", _xlogy_kernel, _xlogy_bwd, "XlogyBackward0", float_out=True)


def _with_out(res, out):
    if out is None:
        return res
    if not isinstance(out, Tensor):
        raise InvalidArgument("out= must be a Tensor")
    if tuple(out.shape) != tuple(res.shape):
        out._data = out._b.xp.empty(res._data.shape, dtype=out._data.dtype)
    from .inplace import commit, check_inplace_allowed
    check_inplace_allowed(out)
    commit(out, res)
    return out


# ------------------------------------------------------------------ comparisons & logic
def _compare(name, fn):
    ordered = fn not in ("equal", "not_equal")

    def op(input, other):
        a, b2, d = binary_operands(input, other)
        if ordered and d.category == _COMPLEX:
            raise UnsupportedError(f"\"{name}_cpu\" not implemented for '{dt.torch_type_name(d)}'")
        be = a._b
        try:
            return make(getattr(be.xp, fn)(a._data, b2._data), be)
        except ValueError:
            broadcast_shapes(a._data.shape, b2._data.shape)
            raise
    op.__name__ = name
    return op


eq = _compare("eq", "equal")
ne = _compare("ne", "not_equal")
lt = _compare("lt", "less")
le = _compare("le", "less_equal")
gt = _compare("gt", "greater")
ge = _compare("ge", "greater_equal")
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def _logical(name, fn):
    def op(input, other):
        a, b2, d = binary_operands(input, other)
        be = a._b
        xp = be.xp
        return make(getattr(xp, fn)(xp.astype(a._data, xp.bool), xp.astype(b2._data, xp.bool)), be)
    op.__name__ = name
    return op


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


def logical_not(input):
    xp = input._b.xp
    return make(xp.logical_not(xp.astype(input._data, xp.bool)), input._b)


def _bitwise(name, fn):
    def op(input, other):
        a, b2, d = binary_operands(input, other)
        if d.category >= _FLOAT:
            raise UnsupportedError(f"\"{name}_cpu\" not implemented for '{dt.torch_type_name(d)}'")
        be = a._b
        return make(getattr(be.xp, fn)(a._data, b2._data), be)
    op.__name__ = name
    return op


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")
bitwise_left_shift = _bitwise("bitwise_left_shift", "bitwise_left_shift")
bitwise_right_shift = _bitwise("bitwise_right_shift", "bitwise_right_shift")


def bitwise_not(input):
    d = input.dtype
    if d.category >= _FLOAT:
        raise UnsupportedError(f"\"bitwise_not_cpu\" not implemented for '{dt.torch_type_name(d)}'")
    xp = input._b.xp
    if d is dt.bool:
        return make(xp.logical_not(input._data), input._b)
    return make(xp.bitwise_invert(input._data), input._b)


def _pred(name, fn):
    def op(input):
        b = input._b
        xp = b.xp
        if b.dtype_of(input._data).category < _FLOAT:
            return make(xp.zeros(input._data.shape, dtype=xp.bool)
                        if fn != "isfinite" else xp.ones(input._data.shape, dtype=xp.bool), b)
        return make(getattr(xp, fn)(input._data), b)
    op.__name__ = name
    return op


isnan = _pred("isnan", "isnan")
isinf = _pred("isinf", "isinf")
isfinite = _pred("isfinite", "isfinite")


def isposinf(input):
    return isinf(input) & (input > 0)


def isneginf(input):
    return isinf(input) & (input < 0)


def isreal(input):
    if input.dtype.category != _COMPLEX:
        return make(input._b.xp.ones(input._data.shape, dtype=input._b.xp.bool), input._b)
    return input.imag == 0


def signbit(input):
    xp = input._b.xp
    if input.dtype.category < _FLOAT:
        return make(xp.less(input._data, 0), input._b)
    return make(xp.signbit(input._data), input._b)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    if input.dtype.category < _FLOAT:
        return input.clone()
    info = finfo(input.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    z = input.new_zeros(())
    x = where(isnan(input), z + nan, input)
    x = where(isposinf(input), z + posinf, x)
    return where(isneginf(input), z + neginf, x)


class finfo:
    """torch.finfo for the floating dtypes."""
    _TABLE = {
        "float16": (2 ** -10, 65504.0, 2 ** -14, 10),
        "bfloat16": (2 ** -7, 3.3895313892515355e38, 1.1754943508222875e-38, 7),
        # torch's values (e5m2fnuz's eps is torch's too)
        "float8_e4m3fn": (2 ** -3, 448.0, 2 ** -6, 3), "float8_e5m2": (2 ** -2, 57344.0, 2 ** -14, 2),
        "float8_e4m3fnuz": (2 ** -3, 240.0, 2 ** -7, 3), "float8_e5m2fnuz": (2 ** -3, 57344.0, 2 ** -15, 2),
        "float32": (2 ** -23, 3.4028234663852886e38, 1.1754943508222875e-38, 23),
        "float64": (2 ** -52, 1.7976931348623157e308, 2.2250738585072014e-308, 52),
    }

    def __init__(self, type=None):  # noqa: A002
        d = dt.get_default_dtype() if type is None else dt.as_dtype(type)
        d = d.to_real()
        if d.name not in self._TABLE:
            raise DTypeError(f"finfo needs a floating dtype, got {d}")
        self.dtype = d.name
        self.eps, self.max, self.tiny, self.mantissa = self._TABLE[d.name]
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.bits = d.itemsize * 8
        self.resolution = 10 ** -int(-math.log10(self.eps)) if d.name != "float32" else 1e-6


class iinfo:
    def __init__(self, type):  # noqa: A002
        d = dt.as_dtype(type)
        if d.category != 1:
            raise DTypeError(f"iinfo needs an integer dtype, got {d}")
        self.bits = d.itemsize * 8
        self.dtype = d.name
        if d.is_signed:
            self.min, self.max = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        else:
            self.min, self.max = 0, (1 << self.bits) - 1


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise (torch.isclose)."""
    a, b2, d = binary_operands(input, other)
    if d is dt.bool:
        return eq(a, b2)
    close = eq(a, b2)
    if d.category >= _FLOAT:
        diff = abs(a - b2)
        close = close | (isfinite(diff) & (diff <= atol + rtol * abs(b2)))
        if equal_nan:
            close = close | (isnan(a) & isnan(b2))
    else:   # integers compared in the widest float the device has (float64 on the cpu)
        from ..random import work_float
        w = work_float(a._b)
        close = close | (abs(a.to(w) - b2.to(w)) <= atol + rtol * abs(b2.to(w)))
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other):
    """True if both have the same shape and elements (torch.equal)."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(eq(input, other).all())


# ------------------------------------------------------------------ ternary
def where(condition, input=None, other=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise DTypeError("where expected condition to be a boolean tensor")
    if condition.dtype is not dt.bool:
        raise DTypeError(f"where expected condition to be a boolean tensor, but got a tensor with "
                         f"dtype {dt.torch_type_name(condition.dtype)}")
    like = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else condition
    d = result_dtype(*(o for o in (input, other)))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        d = result_dtype(input, other)
    a = cast(as_operand(input, like, d), d)
    b2 = cast(as_operand(other, like, d), d)
    from ._core import same_device
    condition = same_device(like, condition)
    be = like._b
    xp = be.xp
    try:
        out = make(xp.where(condition._data, a._data, b2._data), be)
    except ValueError:  # raises a ShapeError naming the three shapes
        broadcast_shapes(condition._data.shape, a._data.shape, b2._data.shape)
        raise
    if needs_grad(a, b2):
        record(out, "WhereBackward0", _where_bwd, (None, a, b2), saved=(condition,),
               ctx=(a._data.shape, b2._data.shape, d))
    return out


def _where_bwd(n, g):
    c, = n.unpack()
    sa, sb, d = n.ctx
    z = g.new_zeros(())
    return None, grad_for(where(c, g, z), sa, d), grad_for(where(c, z, g), sb, d)


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    if min is None and max is None:
        raise InvalidArgument("torch.clamp: At least one of 'min' or 'max' must not be None")
    x = input
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = x
        if min is not None:
            r = maximum(r, min)
        if max is not None:
            r = minimum(r, max)
        return _with_out(r, out)
    d = result_dtype(*(o for o in (x, min, max) if o is not None))
    x = cast(x, d)
    be = x._b
    xp = be.xp
    lo = None if min is None else py_scalar(min, d)
    hi = None if max is None else py_scalar(max, d)
    data = x._data
    # bounds as 0-d arrays of the data's dtype: a Python float would promote
    # bfloat16 (an ml_dtypes type) to float32
    if lo is not None:
        data = xp.maximum(data, xp.asarray(lo, dtype=data.dtype))
    if hi is not None:
        data = xp.minimum(data, xp.asarray(hi, dtype=data.dtype))
    if lo is not None and hi is not None and lo > hi:
        data = xp.full(data.shape, hi, dtype=data.dtype)
    if d.category >= _FLOAT:  # NaN passes through like torch
        data = xp.where(xp.isnan(x._data), x._data, data)
    res = make(data, be)
    if needs_grad(x):
        record(res, "ClampBackward1", _clamp_bwd, (x,), saved=(x,), ctx=(lo, hi))
    return _with_out(res, out)


def _clamp_bwd(n, g):
    x, = n.unpack()
    lo, hi = n.ctx
    mask = None
    if lo is not None:
        mask = x >= lo
    if hi is not None:
        m2 = x <= hi
        mask = m2 if mask is None else mask & m2
    return (mask_zero(g, mask),)


clip = clamp


def clamp_min(input, min):  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    return clamp(input, max=max)


def lerp(input, end, weight):
    """start + weight * (end - start), rounded like torch's kernel: for
    |weight| < 0.5 one fused step from start, else one fused step back from end."""
    a, e, d = binary_operands(input, end)
    if d not in _FMA_DTYPES:
        return a + weight * (e - a)
    if not _fused(d, a._b):
        # no doubles on this device (webgpu): torch's two formulas, rounded in d
        if isinstance(weight, Tensor):
            return where(weight.abs() < 0.5, a + weight * (e - a), e - (e - a) * (1 - weight))
        return a + weight * (e - a) if _pyabs(weight) < 0.5 else e - (e - a) * (1 - weight)
    be = a._b
    xp = be.xp
    f64 = be.to_native_dtype(dt.float64)
    nat = be.to_native_dtype(d)
    if isinstance(weight, Tensor):
        w_t = cast(as_operand(weight, a), d)
        w = xp.astype(w_t._data, f64)
        small = xp.less(xp.abs(w), 0.5)
    else:
        w_t = None
        w = _round_to(weight, d, be)
        small = _pyabs(w) < 0.5
    diff = xp.astype(xp.subtract(e._data, a._data), f64)       # rounded to d, like torch
    one_minus = xp.astype(xp.astype(xp.subtract(1.0, w), nat), f64) if w_t is not None \
        else _round_to(1.0 - w, d, be)
    lo = xp.add(xp.astype(a._data, f64), xp.multiply(w, diff))
    hi = xp.subtract(xp.astype(e._data, f64), xp.multiply(diff, one_minus))
    data = xp.where(small, lo, hi) if w_t is not None else (lo if small else hi)
    out = make(xp.astype(data, nat), be)
    if needs_grad(a, e, w_t):
        record(out, "LerpBackward0", _lerp_bwd, (a, e, w_t),
               saved=(a, e) if w_t is None else (a, e, w_t),
               ctx=(a._data.shape, e._data.shape, d, None if w_t is not None else w,
                    None if w_t is None else w_t._data.shape))
    return out


def _lerp_bwd(n, g):
    saved = n.unpack()
    sa, se, d, w, sw = n.ctx
    a, e = saved[0], saved[1]
    wt = saved[2] if len(saved) > 2 else w
    ga = grad_for(g * (1 - wt), sa, d)
    ge = grad_for(g * wt, se, d)
    gw = grad_for(g * (e - a), sw, d) if sw is not None else None
    return ga, ge, gw


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2, rounded like torch's kernel
    (value * tensor1 rounded, then one fused multiply-add)."""
    d = result_dtype(input, tensor1, tensor2)
    be0 = (tensor1 if isinstance(tensor1, Tensor) else input)._b
    if not _fused(d, be0) or isinstance(value, (_pycomplex, Tensor)):
        return input + value * tensor1 * tensor2
    a = cast(as_operand(input, tensor1), d)
    b = cast(as_operand(tensor1, a), d)
    c = cast(as_operand(tensor2, a), d)
    be = a._b
    xp = be.xp
    f64 = be.to_native_dtype(dt.float64)
    v = _round_to(value, d, be)
    vb = xp.astype(xp.multiply(b._data, v), f64) if v != 1 else xp.astype(b._data, f64)
    data = xp.add(xp.astype(a._data, f64), xp.multiply(vb, xp.astype(c._data, f64)))
    try:
        out = make(xp.astype(data, be.to_native_dtype(d)), be)
    except ValueError:
        broadcast_shapes(a._data.shape, b._data.shape, c._data.shape)
        raise
    if needs_grad(a, b, c):
        record(out, "AddcmulBackward0", _addcmul_bwd, (a, b, c), saved=(b, c),
               ctx=(a._data.shape, b._data.shape, c._data.shape, d, v))
    return out


def _addcmul_bwd(n, g):
    b, c = n.unpack()
    sa, sb, sc, d, v = n.ctx
    return grad_for(g, sa, d), grad_for(g * c * v, sb, d), grad_for(g * b * v, sc, d)


def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 / tensor2


# ------------------------------------------------------------------ complex parts
def _complex_part(name, fn):
    def op(input):
        b = input._b
        if input.dtype.category != _COMPLEX:
            if name == "real":
                return input
            raise DTypeError("imag is not implemented for tensors with non-complex dtypes.")
        out = make(getattr(b.xp, fn)(input._data), b)
        if needs_grad(input):
            record(out, name.capitalize() + "Backward0",
                   (lambda n, g: (to_dtype(g, n.ctx),)) if name == "real"
                   else (lambda n, g: (to_dtype(g, n.ctx) * 1j,)), (input,), ctx=input.dtype)
        return out
    op.__name__ = name
    return op


real = _complex_part("real", "real")
imag = _complex_part("imag", "imag")


def conj(input):
    if input.dtype.category != _COMPLEX:
        return input
    out = make(input._b.xp.conj(input._data), input._b)
    if needs_grad(input):
        record(out, "ConjBackward0", lambda n, g: (g.conj(),), (input,))
    return out


conj_physical = conj


def angle(input):
    if input.dtype.category == _COMPLEX:
        return atan2(input.imag, input.real)
    x = _float_input(input)
    return where(x < 0, x.new_full((), math.pi), x.new_zeros(())) + x * 0


def complex(real, imag):  # noqa: A001
    return real + imag * 1j


def polar(abs, angle):  # noqa: A002
    return complex(abs * angle.cos(), abs * angle.sin())


# ------------------------------------------------------------------ composite activations
def relu(input):
    b = input._b
    xp = b.xp
    out = make(xp.maximum(input._data, 0) if input.dtype is not dt.bool else input._data, b)
    if STATE.enabled and input._rg:
        record(out, "ReluBackward0", _relu_bwd, (input,), save_out=True)
    return out


def _relu_bwd(n, g):
    y = n.out()
    return (mask_zero(g, y > 0),)


def mask_zero(g, keep):
    """where(keep, g, 0), differentiable in g."""
    b = g._b
    out = make(b.mask_zero(g._data, keep._data), b)
    if STATE.enabled and g._rg:
        record(out, "ThresholdBackward0", lambda n, gg: (mask_zero(gg, n.ctx),), (g,), ctx=keep)
    return out


def softplus_(x):
    return logaddexp(x, x.new_zeros(()))


__all__ = [n for n in dir() if not n.startswith("_")]
