"""Elementwise namespace functions beyond namespace.py's table-driven ones, and
the elementwise extension kernels (sigmoid, sinc, mask_zero, special), all in
WGSL (kernels.UNARY / BINARY / TERNARY).

* Float math (acos ... log10, atan2, hypot ...) computes in the input's float
  dtype; integer and bool inputs compute in float32 (NumPy would give float64,
  which WGSL lacks; the tensor layer promotes to the default dtype anyway).
* Integer ops run in the kernel dtype (int64 as int32, uint8 as uint32 ...) and
  results wrap back to narrow dtypes (``namespace._finish``).
* Division by an integer zero gives 0 here; the tensor layer raises first, like
  torch.
"""
from ... import _dtype as dt
from ..._errors import DTypeError, InvalidArgument
from . import kernels, ops
from . import namespace as ns
from .array import GPUArray

_FLOAT_UNARY = ("acos", "acosh", "asin", "asinh", "atan", "atanh", "cosh", "sinh", "tan",
                "expm1", "log1p", "log2", "log10", "exp", "log", "sqrt", "sin", "cos", "tanh")
_PREDICATES = ("isfinite", "isinf", "isnan", "signbit")
_FLOAT_BINARY = ("atan2", "copysign", "hypot", "logaddexp")
# integer rows for ints (Python/torch floor semantics), torch's float rules for floats
_NUMERIC_BINARY = ("floor_divide", "fmod", "remainder", "bitwise_left_shift",
                   "bitwise_right_shift")
SPECIAL = ("erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma1")

__all__ = list(_FLOAT_UNARY + _PREDICATES + _FLOAT_BINARY + _NUMERIC_BINARY) + [
    "sign", "clip", "where", "imag"]


def _array(x):
    return x if isinstance(x, GPUArray) else ns.asarray(x)


def _floating(x):
    """x itself when float; else its float32 copy (float math on ints and bools)."""
    return x if x.dtype in kernels.FLOATS else ns.astype(x, dt.float32)


def _float_unary(name):
    def fn(x):
        return ops.unary(name, _floating(_array(x)))
    fn.__name__ = name
    return fn


def _predicate(name):
    def fn(x):
        return ops.unary(name, ns.as_kernel(_array(x)))
    fn.__name__ = name
    return fn


def sign(x):
    x = _array(x)
    # -1, 0, 1 fit every dtype: the kernel's words are already the caller's
    return ns.relabel(ops.unary("sign", ns.as_kernel(x)), x.dtype)


def imag(x):
    """The imaginary part of a real array: zeros (complex dtypes are refused on webgpu)."""
    x = _array(x)
    return ns.zeros(x.shape, x.dtype)


def _float_binary(name):
    def fn(a, b):
        a, b, _ = ns._operands(a, b)
        return ops.binary(name, _floating(a), _floating(b))
    fn.__name__ = name
    return fn


def _numeric_binary(name):
    def fn(a, b):
        a, b, d = ns._operands(a, b)
        if name.startswith("bitwise") and d.category != 1:
            raise DTypeError(f"{name} takes integer arrays, got {d}")
        kd = ns.kernel_dtype(d)
        r = ops.binary(name, ns.relabel(a, kd), ns.relabel(b, kd))
        return ns._finish(r, d, kd)     # int8 -128 // -1 and left shifts wrap
    fn.__name__ = name
    return fn


for _n in _FLOAT_UNARY:
    globals()[_n] = _float_unary(_n)
for _n in _PREDICATES:
    globals()[_n] = _predicate(_n)
for _n in _FLOAT_BINARY:
    globals()[_n] = _float_binary(_n)
for _n in _NUMERIC_BINARY:
    globals()[_n] = _numeric_binary(_n)


# ------------------------------------------------------------------ ternary
def _ternary(name, operands, d):
    """Run TERNARY ``name`` over broadcast operands; values in kernel dtype of ``d``."""
    kd = ns.kernel_dtype(d)
    shape = ns.broadcast_shapes(*(o.shape for o in operands))
    ins = [o if o.dtype is dt.bool and i in kernels.TERNARY[name].masks else ns.relabel(o, kd)
           for i, o in enumerate(operands)]
    # where/clip only pick among their inputs: the words are already the caller's dtype
    return ns.relabel(ops._run(kernels.ternary_kernel(name, kd), ins, shape), d)


def _as(v, d):
    """A GPUArray of dtype ``d`` for an array or a Python number."""
    if isinstance(v, GPUArray):
        return v if v.dtype is d else ns.astype(v, d)
    return ns.scalar(ns._py(v), d)


def where(condition, x1, x2):
    """x1 where condition else x2 (broadcast; Python numbers allowed for x1, x2)."""
    condition = _array(condition)
    if condition.dtype is not dt.bool:
        condition = ns.astype(condition, dt.bool)
    d = ns.result_type(x1, x2)
    return _ternary("where", [condition, _as(x1, d), _as(x2, d)], d)


_LIMITS = {dt.int32: (-2 ** 31, 2 ** 31 - 1), dt.uint32: (0, 2 ** 32 - 1)}


def clip(x, min=None, max=None):  # noqa: A002 - the array API's names
    """min(max(x, min), max); NaN in x or a bound gives NaN (torch's clamp)."""
    x = _array(x)
    bounds = [b for b in (min, max) if b is not None]
    if not bounds:
        return ops.contiguous_any(x)
    d = ns.result_type(x, *bounds)
    kd = ns.kernel_dtype(d)
    lo_none, hi_none = (-float("inf"), float("inf")) if kd in kernels.FLOATS \
        else _LIMITS.get(kd, (0, 0))
    lo = ns.scalar(lo_none, kd) if min is None else _as(min, d)
    hi = ns.scalar(hi_none, kd) if max is None else _as(max, d)
    return _ternary("clip", [_as(x, d), lo, hi], d)


# ------------------------------------------------------------------ extension kernels
def sigmoid(backend, x):
    return ops.unary("sigmoid", _floating(x))


def sinc(backend, x):
    return ops.unary("sinc", _floating(x))


def mask_zero(backend, x, keep):
    """where(keep, x, 0) in one kernel: the gradient masks of relu, clamp ..."""
    if keep.dtype is not dt.bool:
        keep = ns.astype(keep, dt.bool)
    kd = ns.kernel_dtype(x.dtype)
    shape = ops.broadcast_shapes(x.shape, keep.shape)
    r = ops._run(kernels.binary_kernel("mask_zero", kd), [ns.relabel(x, kd), keep], shape)
    return ns.relabel(r, x.dtype)


def special(backend, name, x):
    """erf, erfc, erfinv, lgamma, digamma, polygamma1 (trigamma), in f32."""
    if name not in SPECIAL:
        raise InvalidArgument(f"unknown special function {name!r}; known: {', '.join(SPECIAL)}")
    return ops.unary(name, _floating(x))


EXTENSIONS = {"sigmoid": sigmoid, "sinc": sinc, "mask_zero": mask_zero, "special": special}
