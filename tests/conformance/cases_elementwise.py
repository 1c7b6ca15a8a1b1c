"""Elementwise ops: unary math, binary arithmetic with broadcasting and type
promotion, comparisons, logical/bitwise ops, clamp/where/lerp."""
from .harness import Case, T

CASES = []

_UNARY = {
    # name: (low, high)
    "exp": (-2, 2), "exp2": (-2, 2), "expm1": (-2, 2), "log": (0.1, 3), "log2": (0.1, 3),
    "log10": (0.1, 3), "log1p": (-0.5, 3), "sqrt": (0.1, 3), "rsqrt": (0.2, 3),
    "sin": (-3, 3), "cos": (-3, 3), "tan": (-1, 1), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9),
    "atan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2), "tanh": (-2, 2), "asinh": (-2, 2),
    "acosh": (1.1, 3), "atanh": (-0.9, 0.9), "sigmoid": (-4, 4), "reciprocal": (0.5, 2),
    "erf": (-2, 2), "erfc": (-2, 2), "erfinv": (-0.9, 0.9), "lgamma": (0.2, 4),
    "digamma": (0.3, 4), "deg2rad": (-90, 90), "rad2deg": (-2, 2), "sinc": (-2, 2),
    "abs": (-2, 2), "neg": (-2, 2), "sign": (-2, 2), "floor": (-3, 3), "ceil": (-3, 3),
    "trunc": (-3, 3), "frac": (-3, 3), "square": (-2, 2), "round": (-3, 3), "relu": (-2, 2),
    "positive": (-2, 2),
}
for _name, (_lo, _hi) in _UNARY.items():
    CASES.append(Case(f"{_name}", lambda m, x, f=_name: getattr(m, f)(x), [T(3, 4, low=_lo, high=_hi)]))
    CASES.append(Case(f"{_name}_f64_noncontig", lambda m, x, f=_name: getattr(x, f)(),
                      [T(2, 3, 4, dtype="float64", low=_lo, high=_hi, layout="transposed")]))
    CASES.append(Case(f"{_name}_0d", lambda m, x, f=_name: getattr(m, f)(x), [T(low=_lo, high=_hi)]))
    CASES.append(Case(f"{_name}_empty", lambda m, x, f=_name: getattr(m, f)(x), [T(0, 3, low=_lo, high=_hi)]))

# float math promotes integer inputs to the default dtype
for _name in ("exp", "sqrt", "sin", "sigmoid", "log1p", "reciprocal", "tanh"):
    CASES.append(Case(f"{_name}_int", lambda m, x, f=_name: getattr(m, f)(x), [T(5, dtype="int32", low=0, high=5)]))
for _name in ("abs", "neg", "sign", "square", "floor"):
    CASES.append(Case(f"{_name}_int64", lambda m, x, f=_name: getattr(m, f)(x), [T(2, 5, dtype="int64", low=-5, high=5)]))
for _name in ("exp", "sin", "sqrt", "abs", "tanh", "log", "reciprocal", "neg", "sigmoid"):
    CASES.append(Case(f"{_name}_complex", lambda m, x, f=_name: getattr(m, f)(x),
                      [T(3, 2, dtype="complex64", low=0.2, high=1.5)], atol=1e-4))

_BINARY = {
    "add": (-2, 2), "sub": (-2, 2), "mul": (-2, 2), "div": (0.5, 2), "pow": (0.5, 2),
    "atan2": (-2, 2), "maximum": (-2, 2), "minimum": (-2, 2), "fmax": (-2, 2), "fmin": (-2, 2),
    "hypot": (-2, 2), "logaddexp": (-2, 2), "logaddexp2": (-2, 2), "copysign": (-2, 2),
    "remainder": (0.5, 3), "fmod": (0.5, 3), "xlogy": (0.5, 2),
}
_TAKES_SCALAR = {"add", "sub", "mul", "div", "pow", "copysign", "remainder", "fmod", "xlogy"}
for _name, (_lo, _hi) in _BINARY.items():
    CASES.append(Case(f"{_name}_bcast", lambda m, x, y, f=_name: getattr(m, f)(x, y),
                      [T(3, 1, 4, low=_lo, high=_hi, distinct=True), T(2, 1, low=_lo, high=_hi, distinct=True)]))
    CASES.append(Case(f"{_name}_same", lambda m, x, y, f=_name: getattr(m, f)(x, y),
                      [T(4, 5, dtype="float64", low=_lo, high=_hi, distinct=True),
                       T(4, 5, dtype="float64", low=_lo, high=_hi, layout="transposed", distinct=True)]))
    if _name in _TAKES_SCALAR:  # torch refuses a Python number for the others
        CASES.append(Case(f"{_name}_scalar_rhs", lambda m, x, f=_name: getattr(m, f)(x, 1.5),
                          [T(2, 3, low=_lo, high=_hi)]))
    CASES.append(Case(f"{_name}_0d_tensor", lambda m, x, y, f=_name: getattr(m, f)(x, y),
                      [T(2, 3, low=_lo, high=_hi), T(dtype="float64", low=_lo, high=_hi)]))

# type promotion (values and result dtype)
_PROMO = [("int32", "float32"), ("int64", "int32"), ("uint8", "int8"), ("bool", "int16"),
          ("float16", "float32"), ("float32", "float64"), ("int64", "float64"),
          ("bool", "bool"), ("uint8", "uint8"), ("float32", "complex64"), ("float64", "complex64")]
for _a, _b in _PROMO:
    for _op in ("add", "mul", "maximum", "eq") if "complex" not in _b else ("add", "mul", "eq"):
        CASES.append(Case(f"promote_{_op}_{_a}_{_b}", lambda m, x, y, f=_op: getattr(m, f)(x, y),
                          [T(3, dtype=_a, low=0, high=4, grad=False), T(3, dtype=_b, low=0, high=4, grad=False)],
                          grad=False))
for _d in ("int32", "int64", "uint8", "bool", "float16", "float64"):
    for _s, _sn in ((2, "int"), (2.5, "float"), (True, "bool")):
        CASES.append(Case(f"scalar_promote_{_d}_{_sn}", lambda m, x, s=_s: x * s,
                          [T(4, dtype=_d, low=0, high=3, grad=False)], grad=False))
    CASES.append(Case(f"truediv_{_d}", lambda m, x: x / 2, [T(4, dtype=_d, low=1, high=5, grad=False)],
                      grad=False))
CASES.append(Case("zero_dim_does_not_promote", lambda m, x, y: x + y,
                  [T(3, dtype="float32"), T(dtype="float64")]))
CASES.append(Case("zero_dim_int_lifts_category", lambda m, x, y: x + y,
                  [T(3, dtype="int32", grad=False), T(dtype="float64")]))

# integer division and remainder semantics
for _mode in (None, "trunc", "floor"):
    CASES.append(Case(f"div_int_{_mode}", lambda m, x, y, r=_mode: m.div(x, y, rounding_mode=r),
                      [T(6, dtype="int64", low=-9, high=9), T(6, dtype="int64", low=1, high=4)], grad=False))
    CASES.append(Case(f"div_float_{_mode}", lambda m, x, y, r=_mode: m.div(x, y, rounding_mode=r),
                      [T(6, low=-9, high=9), T(6, low=0.5, high=3)]))
CASES.append(Case("floordiv_op_int", lambda m, x, y: x // y,
                  [T(8, dtype="int32", low=-9, high=9), T(8, dtype="int32", low=1, high=4)], grad=False))
CASES.append(Case("mod_op_negative", lambda m, x, y: x % y,
                  [T(8, dtype="int64", low=-9, high=9), T(8, dtype="int64", low=-4, high=-1)], grad=False))
CASES.append(Case("pow_int_tensor", lambda m, x: x ** 3, [T(5, dtype="int64", low=-3, high=3)], grad=False))
CASES.append(Case("rpow_scalar", lambda m, x: 2 ** x, [T(5, low=-1, high=2)]))
CASES.append(Case("rsub_scalar", lambda m, x: 1 - x, [T(5)]))
CASES.append(Case("rdiv_scalar", lambda m, x: 1 / x, [T(5, low=0.5, high=2)]))
CASES.append(Case("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), [T(3, 4), T(4)]))
CASES.append(Case("sub_alpha", lambda m, x, y: m.sub(x, y, alpha=0.5), [T(3, 4), T(3, 1)]))
CASES.append(Case("float_power", lambda m, x: m.float_power(x, 2), [T(4, low=0.5, high=2)]))
CASES.append(Case("max_tie_grad", lambda m, x, y: m.maximum(x, y),
                  [T(4, values=[1.0, 2.0, 3.0, 4.0]), T(4, values=[1.0, 0.0, 3.0, 5.0])]))

# comparisons, logic, bitwise, predicates
for _op in ("eq", "ne", "lt", "le", "gt", "ge"):
    CASES.append(Case(f"cmp_{_op}", lambda m, x, y, f=_op: getattr(m, f)(x, y),
                      [T(3, 4, low=-2, high=2, dtype="int32", grad=False), T(4, dtype="int32", low=-2, high=2, grad=False)],
                      grad=False))
    CASES.append(Case(f"cmp_{_op}_scalar", lambda m, x, f=_op: getattr(m, f)(x, 0.5), [T(6, grad=False)], grad=False))
for _op in ("logical_and", "logical_or", "logical_xor"):
    CASES.append(Case(_op, lambda m, x, y, f=_op: getattr(m, f)(x, y),
                      [T(2, 3, dtype="bool"), T(2, 3, low=-1, high=1, dtype="int32", grad=False)], grad=False))
CASES.append(Case("logical_not", lambda m, x: m.logical_not(x), [T(6, low=-1, high=1, dtype="int64", grad=False)], grad=False))
for _op in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"):
    CASES.append(Case(_op, lambda m, x, y, f=_op: getattr(m, f)(x, y),
                      [T(6, dtype="int32", low=0, high=64, grad=False), T(6, dtype="int32", low=0, high=3, grad=False)],
                      grad=False))
CASES.append(Case("bitwise_not_int", lambda m, x: ~x, [T(5, dtype="int16", low=-9, high=9, grad=False)], grad=False))
CASES.append(Case("bitwise_not_bool", lambda m, x: ~x, [T(5, dtype="bool")], grad=False))
CASES.append(Case("and_bool_op", lambda m, x, y: x & y, [T(5, dtype="bool"), T(5, dtype="bool")], grad=False))
CASES.append(Case("xor_bool_op", lambda m, x, y: x ^ y, [T(5, dtype="bool"), T(5, dtype="bool")], grad=False))
_SPECIAL = [1.0, float("nan"), float("inf"), -float("inf"), 0.0, -2.5]
for _op in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit"):
    CASES.append(Case(_op, lambda m, x, f=_op: getattr(m, f)(x), [T(6, values=_SPECIAL, grad=False)], grad=False))
CASES.append(Case("nan_to_num", lambda m, x: m.nan_to_num(x, nan=0.5, posinf=9.0), [T(6, values=_SPECIAL, grad=False)],
                  grad=False))
CASES.append(Case("isnan_int", lambda m, x: m.isnan(x), [T(3, dtype="int32", grad=False)], grad=False))

# clamp / where / lerp / addcmul
CASES.append(Case("clamp_both", lambda m, x: m.clamp(x, -0.5, 0.7), [T(3, 4)]))
CASES.append(Case("clamp_min_only", lambda m, x: x.clamp(min=0.1), [T(3, 4)]))
CASES.append(Case("clamp_max_only", lambda m, x: x.clamp(max=0.1), [T(3, 4)]))
CASES.append(Case("clamp_int", lambda m, x: m.clamp(x, -2, 3), [T(8, dtype="int64", low=-6, high=6)], grad=False))
CASES.append(Case("clamp_tensor_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi),
                  [T(3, 4, distinct=True), T(4, low=-1, high=-0.1), T(3, 1, low=0.1, high=1)]))
CASES.append(Case("clamp_nan", lambda m, x: m.clamp(x, 0, 1), [T(6, values=_SPECIAL, grad=False)], grad=False))
CASES.append(Case("where_bcast", lambda m, c, x, y: m.where(c, x, y), [T(3, 1, dtype="bool"), T(3, 4), T(4)]))
CASES.append(Case("where_scalar", lambda m, c, x: m.where(c, x, 0.0), [T(3, 4, dtype="bool"), T(3, 4)]))
CASES.append(Case("where_method", lambda m, c, x, y: x.where(c, y), [T(5, dtype="bool"), T(5), T(5)]))
CASES.append(Case("lerp_scalar", lambda m, x, y: m.lerp(x, y, 0.3), [T(3, 4), T(3, 4)]))
CASES.append(Case("lerp_tensor", lambda m, x, y, w: m.lerp(x, y, w), [T(3, 4), T(4), T(3, 4, low=0, high=1)]))
CASES.append(Case("addcmul", lambda m, x, a, b: m.addcmul(x, a, b, value=0.5), [T(3, 4), T(3, 4), T(4)]))
CASES.append(Case("addcdiv", lambda m, x, a, b: m.addcdiv(x, a, b, value=2), [T(3, 4), T(3, 4), T(4, low=0.5, high=2)]))

# complex parts and chained expressions
CASES.append(Case("real_imag", lambda m, z: (z.real * 2, z.imag + 1), [T(3, 2, dtype="complex64")]))
CASES.append(Case("conj_mul", lambda m, z, w: z.conj() * w, [T(4, dtype="complex128"), T(4, dtype="complex128")]))
CASES.append(Case("angle", lambda m, z: m.angle(z), [T(4, dtype="complex64", low=0.5, high=1)], atol=1e-4))
CASES.append(Case("chain_expression", lambda m, x, y: ((x * y).sin() + (x / (y.abs() + 1)).exp()).tanh() ** 2,
                  [T(4, 5), T(5)]))
CASES.append(Case("float16_add", lambda m, x, y: x + y, [T(4, dtype="float16", grad=False), T(4, dtype="float16", grad=False)],
                  grad=False, atol=1e-3))

# closeness predicates
CASES.append(Case("isclose", lambda m, x, y: m.isclose(x, y, rtol=1e-2, atol=1e-3),
                  [T(6, values=[1.0, 1.001, float("nan"), float("inf"), 0.0, 2.0], grad=False),
                   T(6, values=[1.0, 1.0, float("nan"), float("inf"), 1e-4, 2.1], grad=False)], grad=False))
CASES.append(Case("isclose_equal_nan", lambda m, x, y: m.isclose(x, y, equal_nan=True),
                  [T(3, values=[float("nan"), 1.0, 2.0], grad=False), T(3, values=[float("nan"), 1.0, 2.5], grad=False)],
                  grad=False))
CASES.append(Case("isclose_int", lambda m, x, y: m.isclose(x, y, atol=1, rtol=0),
                  [T(5, dtype="int64", low=-4, high=4, grad=False), T(5, dtype="int64", low=-4, high=4, grad=False)],
                  grad=False))
CASES.append(Case("allclose_equal", lambda m, x, y: (m.tensor(m.allclose(x, y)), m.tensor(m.equal(x, x)),
                                                    m.tensor(m.equal(x, y))),
                  [T(4, grad=False), T(4, grad=False)], grad=False))
