"""Python operators on Tensor, mapped to the ops."""
from .._errors import InvalidType
from .._tensor import Tensor
from . import elementwise as E
from .inplace import apply_inplace


def _rev(fn):
    return lambda self, other: fn(other, self)


def _checked(fn, name):
    def op(self, other):
        if not isinstance(other, (Tensor, bool, int, float, complex)) and not hasattr(other, "dtype"):
            return NotImplemented
        return fn(self, other)
    op.__name__ = name
    return op


def _inplace(fn, saves_self=True):
    def op(self, *args, **kwargs):
        return apply_inplace(self, fn, *args, saves_self=saves_self, **kwargs)
    return op


def _bool_or_bitwise(bit, logical):
    def op(a, b):
        return bit(a, b)
    return op


_binops = {
    "add": E.add, "sub": E.sub, "mul": E.mul, "truediv": E.div, "floordiv": E.floor_divide,
    "mod": E.remainder, "pow": E.pow, "and": E.bitwise_and, "or": E.bitwise_or,
    "xor": E.bitwise_xor, "lshift": E.bitwise_left_shift, "rshift": E.bitwise_right_shift,
}
for _name, _fn in _binops.items():
    setattr(Tensor, f"__{_name}__", _checked(_fn, f"__{_name}__"))
    setattr(Tensor, f"__r{_name}__", _checked(_rev(_fn), f"__r{_name}__"))
    setattr(Tensor, f"__i{_name}__", _inplace(_fn, saves_self=_name not in ("add", "sub")))

Tensor.__matmul__ = lambda self, other: __import__("rustorch").matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: __import__("rustorch").matmul(other, self)
Tensor.__neg__ = E.neg
Tensor.__pos__ = E.positive
Tensor.__abs__ = E.abs
Tensor.__invert__ = E.bitwise_not
Tensor.__eq__ = _checked(E.eq, "__eq__")
Tensor.__ne__ = _checked(E.ne, "__ne__")
Tensor.__lt__ = _checked(E.lt, "__lt__")
Tensor.__le__ = _checked(E.le, "__le__")
Tensor.__gt__ = _checked(E.gt, "__gt__")
Tensor.__ge__ = _checked(E.ge, "__ge__")
Tensor.__hash__ = lambda self: id(self)

# methods (out-of-place and in-place) for every public elementwise op
_METHODS = [
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan",
    "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid",
    "reciprocal", "erf", "erfc", "erfinv", "lgamma", "digamma", "deg2rad", "rad2deg", "sinc",
    "abs", "neg", "negative", "positive", "sign", "sgn", "floor", "ceil", "trunc", "fix", "frac",
    "square", "round", "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
    "floor_divide", "remainder", "fmod", "pow", "float_power", "atan2", "arctan2", "hypot",
    "logaddexp", "logaddexp2", "maximum", "minimum", "fmax", "fmin", "copysign", "xlogy",
    "eq", "ne", "lt", "le", "gt", "ge", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit", "nan_to_num",
    "where", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv", "conj",
    "conj_physical", "angle", "relu", "isclose", "allclose", "equal",
]
_NO_INPLACE = {"isclose", "allclose", "equal", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit", "where",
               "conj", "angle", "eq_", "positive"}
_CHEAP_INPLACE = {"add", "sub", "subtract", "neg", "negative", "clamp", "clip", "clamp_min",
                  "clamp_max", "floor", "ceil", "trunc", "round", "sign", "relu"}
for _m in _METHODS:
    _fn = getattr(E, _m)
    if _m == "where":
        setattr(Tensor, "where", lambda self, condition, other: E.where(condition, self, other))
        continue
    setattr(Tensor, _m, _fn)
    if _m not in _NO_INPLACE:
        setattr(Tensor, _m + "_", _inplace(_fn, saves_self=_m not in _CHEAP_INPLACE))

Tensor.real = property(E.real, lambda self, v: self.real.copy_(v))
Tensor.imag = property(E.imag, lambda self, v: self.imag.copy_(v))


def _zero_(self):
    return _fill_value(self, 0)


def _fill_(self, value):
    return _fill_value(self, value)


def _fill_value(self, value):
    from .inplace import check_inplace_allowed, commit
    from ..autograd.grad_mode import STATE
    check_inplace_allowed(self)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise InvalidType(f"fill_ only supports 0-dimension value tensor but got tensor with "
                              f"{value.ndim} dimensions.")
        if STATE.enabled and (value._rg or self._rg):
            return commit(self, value.to(self.dtype).expand(tuple(self.shape))) or self
        value = value.item()
    from ._core import py_scalar
    b = self._b
    b.copy_into(self._data, b.xp.asarray(py_scalar(value, self.dtype),
                                         dtype=self._data.dtype))
    self._version[0] += 1
    if STATE.enabled and self._rg:  # the old values no longer matter
        from .. import zeros
        commit(self, zeros(tuple(self.shape), dtype=self.dtype, device=self.device)
               + self.new_full((), value))
    return self


def _copy_(self, src, non_blocking=False):
    from .inplace import check_inplace_allowed, commit
    check_inplace_allowed(self)
    if not isinstance(src, Tensor):
        raise InvalidType(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src._b is not self._b:
        src = src.to(self.device)
    if src.dtype is not self.dtype:
        src = E.to_dtype(src, self.dtype)
    from ._core import broadcast_shapes
    shape = broadcast_shapes(tuple(self.shape), tuple(src.shape))
    if shape != tuple(self.shape):
        from .._errors import ShapeError
        raise ShapeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                         f"{list(shape)}")
    src = src.expand(tuple(self.shape))
    commit(self, src if src._rg else src.detach())
    return self


Tensor.zero_ = _zero_
Tensor.fill_ = _fill_
Tensor.copy_ = _copy_
