"""Elementwise functions of the pure-Python namespace, with NumPy 2 semantics.

Every function reads its operands as flat sequences in C order (``_seq``: the
storage ``array`` itself when it holds the values natively, else
``PyArray.values()``), computes with a comprehension or ``map`` over builtins,
``math`` or ``cmath``, and stores the result through ``from_list`` (which rounds to float32/float16/
bfloat16/complex64 and wraps integers).  Values are computed in double
precision: for + - * / and sqrt that is exactly NumPy's float32/float16 result
(double rounding is innocuous there); transcendental functions are at least as
accurate as NumPy's.

Speed: the hot loop of every op is one comprehension or ``map`` over C
builtins; where Python raises instead of returning IEEE values (x / 0.0,
log(0), exp overflow, ...) the whole op is redone with a per-element safe
function -- only then.  Size-1 operands are treated as scalars and
same-shape operands are zipped without broadcasting.

Result dtypes follow NumPy 2: NEP 50 weak Python scalars (``result_type``),
true division of integers -> float64, float functions of integers -> the
smallest float that holds them (int8 -> float16, int16 -> float32, else
float64), comparisons -> bool, ``bool`` arguments of ops without a boolean
loop (floor_divide, pow, square, shifts ...) -> int8.
"""
import array
import cmath
import math
import operator as _op
from itertools import chain, repeat

from . import _dtypes as D
from ._core import PyArray, asarray, broadcast_shapes, from_list, numel, result_type

__all__ = [
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh",
    "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "ceil", "clip", "conj", "copysign",
    "cos", "cosh", "divide", "equal", "exp", "expm1", "floor", "floor_divide",
    "fmod", "greater", "greater_equal", "hypot", "imag", "isfinite", "isinf", "isnan",
    "less", "less_equal", "log", "log1p", "log2", "log10", "logaddexp",
    "logical_and", "logical_not", "logical_or", "logical_xor", "maximum",
    "minimum", "multiply", "negative", "not_equal", "positive", "pow", "real",
    "remainder", "round", "sign", "signbit", "sin", "sinh", "sqrt", "square",
    "subtract", "tan", "tanh", "trunc", "where",
]

_builtin_abs = abs
_builtin_round = round
_builtin_pow = pow
_INF = math.inf
_NAN = math.nan
_CNAN = complex(_NAN, _NAN)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_EXC = (ValueError, OverflowError, ZeroDivisionError)
_copysign = math.copysign
_isinf = math.isinf
_exp = math.exp
_log1p = math.log1p


# ====================================================================== dtypes
def _float_of(d):
    """NumPy's result dtype of a float function (exp, sin ...) of ``d``."""
    k = d.kind
    if k == "f" or k == "c":
        return d
    if d.itemsize == 1:
        return D.float16
    if d.itemsize == 2:
        return D.float32
    return D.float64


def _int8_for_bool(d):
    """Ops without a boolean loop in NumPy compute bools as int8."""
    return D.int8 if d is D.bool_ else d


def _real_of(d):
    return D.float32 if d is D.complex64 else D.float64 if d is D.complex128 else d


def _arr(x):
    return x if isinstance(x, PyArray) else asarray(x)


def _scalar_to(s, d):
    """A Python scalar cast to dtype ``d`` the way NumPy casts a weak scalar."""
    k = d.kind
    if k == "f":
        if d is D.float64:
            return float(s)
        if d is D.float32:
            return array.array("f", (s,))[0]
        return D.read(D.storage_from([float(s)], d), d, 0, 1)[0]
    if k == "c":
        if d is D.complex128:
            return complex(s)
        return D.read(D.storage_from([complex(s)], d), d, 0, 1)[0]
    if k == "b":
        return bool(s)
    if isinstance(s, float) or isinstance(s, complex):
        return D.coerce([s], d)[0]
    return s  # Python ints keep their exact value (comparisons are exact)


_NATIVE = frozenset((D.bool_, D.int8, D.int16, D.int32, D.int64, D.uint8, D.uint16, D.uint32,
                     D.uint64, D.float32, D.float64))


def _seq(x):
    """The values of PyArray ``x`` in C order, as a sequence to iterate (never
    mutated): the storage array itself (or a slice of it) when ``x`` is
    contiguous and its storage holds the values natively -- iterating an
    ``array`` makes each Python number as it is consumed, which is faster than
    a list of them all (bools come as 0/1) -- else ``x.values()``."""
    if x.dtype in _NATIVE:
        buf = x.buf
        if x.contig:
            o = x.offset
            n = x.size
            return buf if o == 0 and n == len(buf) else buf[o:o + n]
        shape = x.shape
        if shape and shape[-1] >= 8 and x.strides[-1] > 0 and x.size:
            # strided rows: one C-level slice per row instead of one index per element
            n, st = shape[-1], x.strides[-1]
            offs = [x.offset]
            for m, s in zip(shape[:-1], x.strides[:-1]):
                offs = [o + j * s for o in offs for j in range(m)]
            span = (n - 1) * st + 1
            out = array.array(buf.typecode)
            for o in offs:
                out += buf[o:o + span:st]
            return out
    return x.values()


def _empty(shape, d):
    return PyArray(D.new_storage(d, 0), d, shape)


# ====================================================================== operands
def _bcast_values(x, shape):
    """Flat values of PyArray ``x`` broadcast to ``shape`` (C order)."""
    vals = _seq(x) if isinstance(x, PyArray) else x.values()
    xs = (1,) * (len(shape) - x.ndim) + x.shape
    runs = []  # merged (out size, broadcast?) runs, outermost first
    for ni, no in zip(xs, shape):
        if no == 1:
            continue
        b = ni == 1
        if runs and runs[-1][1] == b:
            runs[-1][0] *= no
        else:
            runs.append([no, b])
    inner = 1
    for size, b in reversed(runs):
        if b:
            if len(vals) == inner:          # one block: tile it
                vals = vals * size
            elif inner == 1:                # repeat every element
                vals = list(chain.from_iterable(zip(*([vals] * size))))
            else:                           # repeat every block of `inner`
                vals = list(chain.from_iterable(
                    vals[i:i + inner] * size for i in range(0, len(vals), inner)))
        inner *= size
    return vals


def _operand(x, shape, cdt):
    """(values or scalar, is_scalar) of operand ``x`` computed in dtype ``cdt``."""
    if not isinstance(x, PyArray):
        return _scalar_to(x, cdt), True
    d = x.dtype
    if x.size == 1:
        v = x.values()[0]
        if cdt.kind == "f" and d.kind in "iub":
            v = float(v)
        return v, True
    vals = _seq(x) if x.shape == shape else _bcast_values(x, shape)
    if cdt.kind == "f" and d.kind in "iu" and d.itemsize == 8:
        vals = list(map(float, vals))  # as NumPy: cast first (ints beyond 2**53 round)
    return vals, False


def _shape2(x1, x2):
    if isinstance(x1, PyArray):
        if isinstance(x2, PyArray):
            s1, s2 = x1.shape, x2.shape
            return s1 if s1 == s2 else broadcast_shapes(s1, s2)
        return x1.shape
    if isinstance(x2, PyArray):
        return x2.shape
    return ()


# ====================================================================== binary engine
_TEMPLATE = """
def ll(A, B):
    return [{e} for a, b in zip(A, B)]
def ls(A, b):
    return [{e} for a in A]
def sl(a, B):
    return [{e} for b in B]
"""
_KGLOBALS = {"_exp": _exp, "_log1p": _log1p, "_LN2": _LN2}  # names kernel expressions use


class _Kernel:
    """Three comprehensions (list-list, list-scalar, scalar-list) of one
    expression in ``a`` and ``b``, plus a per-element ``safe(a, b)``."""
    __slots__ = ("ll", "ls", "sl", "safe")

    def __init__(self, expr, safe=None):
        ns = {}
        exec(_TEMPLATE.format(e=expr), _KGLOBALS, ns)  # noqa: S102 -- fixed templates only
        self.ll, self.ls, self.sl = ns["ll"], ns["ls"], ns["sl"]
        self.safe = safe

    def run(self, a, sa, b, sb, n):
        try:
            if not sa:
                return self.ll(a, b) if not sb else self.ls(a, b)
            if not sb:
                return self.sl(a, b)
            return self.ls((a,), b) * n
        except _EXC:
            if self.safe is None:
                raise
        s = self.safe
        if not sa:
            return list(map(s, a, b)) if not sb else list(map(s, a, repeat(b)))
        if not sb:
            return list(map(s, repeat(a), b))
        return [s(a, b)] * n


class _MapKernel(_Kernel):
    """A kernel that maps a C function (math.atan2 ...) over both operands."""
    __slots__ = ()

    def __init__(self, fn, safe=None):  # noqa: D107
        self.ll = lambda A, B: list(map(fn, A, B))
        self.ls = lambda A, b: list(map(fn, A, repeat(b)))
        self.sl = lambda a, B: list(map(fn, repeat(a), B))
        self.safe = safe


def _binary(x1, x2, kern, rdt, cdt=None, src="same"):
    """Apply ``kern`` to broadcast operands computed in ``cdt``; store as ``rdt``."""
    shape = _shape2(x1, x2)
    n = numel(shape)
    if n == 0:
        return _empty(shape, rdt)
    cdt = cdt or rdt
    a, sa = _operand(x1, shape, cdt)
    b, sb = _operand(x2, shape, cdt)
    vals = kern.run(a, sa, b, sb, n)
    return from_list(vals, shape, rdt, rdt.kind if src == "same" else src)


def _unary_values(x):
    """(values, dtype) of a unary operand (Python scalars become 0-d arrays)."""
    x = _arr(x)
    return _seq(x), x.dtype, x.shape


# ====================================================================== safe helpers
def _div_safe(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return _NAN
        return _copysign(_INF, a) * _copysign(1.0, b)


def _cdiv_safe(a, b):
    try:
        return a / b
    except ZeroDivisionError:  # componentwise, like NumPy's Smith division by |0|
        return complex(_div_safe(a.real, 0.0), _div_safe(a.imag, 0.0))


def _floordiv_safe(a, b):
    try:
        return a // b
    except ZeroDivisionError:
        if isinstance(a, float) or isinstance(b, float):
            return _div_safe(float(a), b)
        return 0


def _mod_safe(a, b):
    try:
        return a % b
    except ZeroDivisionError:
        if isinstance(a, float) or isinstance(b, float):
            return _NAN
        return 0


def _fmod_int(a, b):
    if b == 0:
        return 0
    r = _builtin_abs(a) % _builtin_abs(b)
    return r if a >= 0 else -r


def _fmod_safe(a, b):
    try:
        return math.fmod(a, b)
    except ValueError:
        return _NAN


def _is_odd_int(y):
    return y == y and not _isinf(y) and y == int(y) and int(y) % 2 == 1


def _pow_safe(a, b):
    try:
        return math.pow(a, b)
    except OverflowError:
        return -_INF if a < 0 and _is_odd_int(b) else _INF
    except ValueError:
        if a == 0:  # zero to a negative power
            return -_INF if _is_odd_int(b) and _copysign(1.0, a) < 0 else _INF
        return _NAN  # negative base, non-integer exponent


def _cpow_safe(a, b):
    try:
        return a ** b
    except ZeroDivisionError:  # zero to a negative or complex power
        return 0j if complex(b).real > 0 else _CNAN
    except OverflowError:
        return _cexp_safe(b * _clog_safe(a))


def _cmp_complex(op):
    def f(a, b):
        a, b = complex(a), complex(b)
        return op((a.real, a.imag), (b.real, b.imag))
    return f


# ====================================================================== arithmetic
_ADD = _Kernel("a + b")
_SUB = _Kernel("a - b")
_MUL = _Kernel("a * b")
_OR = _Kernel("a or b")
_AND = _Kernel("a and b")
_XOR = _Kernel("a != b")
_DIV = _Kernel("a / b", _div_safe)
_CDIV = _Kernel("a / b", _cdiv_safe)
_FLOORDIV = _Kernel("a // b", _floordiv_safe)
_MOD = _Kernel("a % b", _mod_safe)
_FMOD_F = _MapKernel(math.fmod, _fmod_safe)
_FMOD_I = _MapKernel(_fmod_int)
_POW_F = _MapKernel(math.pow, _pow_safe)
_POW_C = _Kernel("a ** b", _cpow_safe)
_SQUARE_RHS = _Kernel("a * a")
_MAX = _Kernel("a if a > b or a != a else b")   # NaN propagates (a NaN in b: b)
_MIN = _Kernel("a if a < b or a != a else b")
_ATAN2 = _MapKernel(math.atan2)
_HYPOT = _MapKernel(math.hypot)
_COPYSIGN = _MapKernel(_copysign)
_LOGADDEXP = _Kernel("a + _LN2 if a == b else (a + _log1p(_exp(b - a)) if a > b "
                     "else b + _log1p(_exp(a - b)))")


def add(x1, x2, /):
    rdt = result_type(x1, x2)
    return _binary(x1, x2, _OR if rdt is D.bool_ else _ADD, rdt)


def subtract(x1, x2, /):
    rdt = result_type(x1, x2)
    if rdt is D.bool_:
        raise TypeError("numpy boolean subtract, the `-` operator, is not supported, "
                        "use the bitwise_xor, the `^` operator, or the logical_xor function instead.")
    return _binary(x1, x2, _SUB, rdt)


def multiply(x1, x2, /):
    rdt = result_type(x1, x2)
    return _binary(x1, x2, _AND if rdt is D.bool_ else _MUL, rdt)


def divide(x1, x2, /):
    rdt = result_type(x1, x2)
    if rdt.kind in "biu":
        rdt = D.float64
    return _binary(x1, x2, _CDIV if rdt.kind == "c" else _DIV, rdt)


def _no_complex(name, d):
    if d.kind == "c":
        raise TypeError(f"ufunc '{name}' not supported for complex inputs")


def floor_divide(x1, x2, /):
    rdt = _int8_for_bool(result_type(x1, x2))
    _no_complex("floor_divide", rdt)
    return _binary(x1, x2, _FLOORDIV, rdt)


def remainder(x1, x2, /):
    rdt = _int8_for_bool(result_type(x1, x2))
    _no_complex("remainder", rdt)
    return _binary(x1, x2, _MOD, rdt)


def fmod(x1, x2, /):
    rdt = _int8_for_bool(result_type(x1, x2))
    _no_complex("fmod", rdt)
    return _binary(x1, x2, _FMOD_I if rdt.kind in "iu" else _FMOD_F, rdt)


def pow(x1, x2, /):  # noqa: A001
    rdt = _int8_for_bool(result_type(x1, x2))
    k = rdt.kind
    if k in "iu":
        return _int_pow(x1, x2, rdt)
    if k == "c":
        return _binary(x1, x2, _POW_C, rdt)
    if not isinstance(x2, PyArray) and not isinstance(x2, complex) and x2 == 2:
        return _binary(x1, x2, _SQUARE_RHS, rdt)
    return _binary(x1, x2, _POW_F, rdt)


def _int_pow(x1, x2, rdt):
    shape = _shape2(x1, x2)
    n = numel(shape)
    if n == 0:
        return _empty(shape, rdt)
    a, sa = _operand(x1, shape, rdt)
    b, sb = _operand(x2, shape, rdt)
    if (b < 0) if sb else (min(b) < 0):
        raise ValueError("Integers to negative integer powers are not allowed.")
    m = 1 << rdt.bits  # modular exponentiation: exact wrapped result, no huge ints
    if sa and sb:
        vals = [_builtin_pow(a, b, m)] * n
    else:
        vals = list(map(_builtin_pow, repeat(a) if sa else a, repeat(b) if sb else b, repeat(m)))
    return from_list(vals, shape, rdt, "i")


def maximum(x1, x2, /):
    rdt = result_type(x1, x2)
    if rdt.kind == "c":
        return _complex_extreme(x1, x2, rdt, True)
    return _binary(x1, x2, _OR if rdt is D.bool_ else _MAX, rdt)


def minimum(x1, x2, /):
    rdt = result_type(x1, x2)
    if rdt.kind == "c":
        return _complex_extreme(x1, x2, rdt, False)
    return _binary(x1, x2, _AND if rdt is D.bool_ else _MIN, rdt)


def _complex_extreme(x1, x2, rdt, is_max):
    # NumPy orders complex numbers lexicographically; NaN propagates
    def pick(a, b):
        if a != a:
            return a
        if b != b:
            return b
        ka, kb = (a.real, a.imag), (b.real, b.imag)
        return a if ((ka > kb) if is_max else (ka < kb)) else b
    return _binary(x1, x2, _MapKernel(pick), rdt)


def _float_binary(x1, x2, kern):
    if isinstance(x1, PyArray) and isinstance(x2, PyArray):
        # NumPy picks the first float loop both inputs cast to safely: uint8, int8 -> float16
        rdt = D.promote(_float_of(x1.dtype), _float_of(x2.dtype))
    else:
        rdt = _float_of(result_type(x1, x2))
    _no_complex("this function", rdt)
    return _binary(x1, x2, kern, rdt)


def atan2(x1, x2, /):
    return _float_binary(x1, x2, _ATAN2)


def hypot(x1, x2, /):
    return _float_binary(x1, x2, _HYPOT)


def copysign(x1, x2, /):
    return _float_binary(x1, x2, _COPYSIGN)


def logaddexp(x1, x2, /):
    return _float_binary(x1, x2, _LOGADDEXP)


# ====================================================================== comparisons, logic, bits
def _compare(expr, op):
    real = _Kernel(expr)
    cplx = _MapKernel(_cmp_complex(op))
    return real, cplx


_LT = _compare("a < b", _op.lt)
_LE = _compare("a <= b", _op.le)
_GT = _compare("a > b", _op.gt)
_GE = _compare("a >= b", _op.ge)
_EQ = _Kernel("a == b")
_NE = _Kernel("a != b")


def _cmp(x1, x2, kern):
    cdt = result_type(x1, x2)
    if isinstance(kern, tuple):
        kern = kern[1] if cdt.kind == "c" else kern[0]
    return _binary(x1, x2, kern, D.bool_, cdt, "b")


def less(x1, x2, /):
    return _cmp(x1, x2, _LT)


def less_equal(x1, x2, /):
    return _cmp(x1, x2, _LE)


def greater(x1, x2, /):
    return _cmp(x1, x2, _GT)


def greater_equal(x1, x2, /):
    return _cmp(x1, x2, _GE)


def equal(x1, x2, /):
    return _cmp(x1, x2, _EQ)


def not_equal(x1, x2, /):
    return _cmp(x1, x2, _NE)


def _truth(x):
    """x as bool values (array or scalar) for the logical functions."""
    if isinstance(x, PyArray):
        return x if x.dtype is D.bool_ else not_equal(x, 0)
    return bool(x)


def logical_and(x1, x2, /):
    return _binary(_truth(x1), _truth(x2), _AND, D.bool_, D.bool_, "b")


def logical_or(x1, x2, /):
    return _binary(_truth(x1), _truth(x2), _OR, D.bool_, D.bool_, "b")


def logical_xor(x1, x2, /):
    return _binary(_truth(x1), _truth(x2), _XOR, D.bool_, D.bool_, "b")


def logical_not(x, /):
    vals, d, shape = _unary_values(x)
    return from_list([not v for v in vals], shape, D.bool_, "b")


_BAND = _Kernel("a & b")
_BOR = _Kernel("a | b")
_BXOR = _Kernel("a ^ b")
_LSHIFT = _Kernel("a << b")
_RSHIFT = _Kernel("a >> b")


def _int_binary(name, x1, x2, kern, bool_ok=True):
    rdt = result_type(x1, x2)
    if rdt.kind not in "biu":
        raise TypeError(f"ufunc '{name}' not supported for the input types ({rdt.name})")
    if not bool_ok:
        rdt = _int8_for_bool(rdt)
    return _binary(x1, x2, kern, rdt, src="b" if rdt is D.bool_ else "i")


def bitwise_and(x1, x2, /):
    return _int_binary("bitwise_and", x1, x2, _BAND)


def bitwise_or(x1, x2, /):
    return _int_binary("bitwise_or", x1, x2, _BOR)


def bitwise_xor(x1, x2, /):
    return _int_binary("bitwise_xor", x1, x2, _BXOR)


def _clamp_shift(x2, bits):
    """Shift counts outside [0, bits) act as ``bits`` (NumPy: everything shifted out)."""
    if isinstance(x2, PyArray):
        vals = _seq(x2)
        if vals and (min(vals) < 0 or max(vals) >= bits):
            return from_list([v if 0 <= v < bits else bits for v in vals], x2.shape, x2.dtype, "i")
        return x2
    return x2 if 0 <= x2 < bits else bits


def bitwise_left_shift(x1, x2, /):
    rdt = _int8_for_bool(result_type(x1, x2))
    return _int_binary("bitwise_left_shift", x1, _clamp_shift(x2, rdt.bits), _LSHIFT, False) \
        if rdt.kind in "iu" else _int_binary("bitwise_left_shift", x1, x2, _LSHIFT, False)


def bitwise_right_shift(x1, x2, /):
    rdt = _int8_for_bool(result_type(x1, x2))
    return _int_binary("bitwise_right_shift", x1, _clamp_shift(x2, rdt.bits), _RSHIFT, False) \
        if rdt.kind in "iu" else _int_binary("bitwise_right_shift", x1, x2, _RSHIFT, False)


def bitwise_invert(x, /):
    vals, d, shape = _unary_values(x)
    if d is D.bool_:
        return from_list([not v for v in vals], shape, d, "b")
    if d.kind not in "iu":
        raise TypeError(f"ufunc 'invert' not supported for the input types ({d.name})")
    return from_list([~v for v in vals], shape, d, "i")


# ====================================================================== unary float math
def _unary_math(x, fn, fallback, cfn, cfallback):
    """fn mapped over the values; ``fallback(values)`` redoes the whole list
    only where Python raised instead of returning an IEEE value."""
    vals, d, shape = _unary_values(x)
    rdt = _float_of(d)
    if rdt.kind == "c":
        fn, fallback = cfn, cfallback
    try:
        out = list(map(fn, vals))
    except _EXC:
        out = fallback(vals)
    return from_list(out, shape, rdt, rdt.kind)


def _guard(fn, on_error):
    """A list fallback: fn(v), or on_error(v) where Python raises."""
    def safe(v):
        try:
            return fn(v)
        except _EXC:
            return on_error(v)
    return lambda vals: list(map(safe, vals))


# Domain-checked comprehensions: the IEEE value outside the domain, no try per element.
def _dom_log(fn):      # log(0) = -inf, log(x < 0) = nan, log(nan) = nan
    return lambda vals: [fn(v) if v > 0 else (-_INF if v == 0 else _NAN) for v in vals]


def _dom_log1p(vals):
    f = _log1p
    return [f(v) if v > -1 else (-_INF if v == -1 else _NAN) for v in vals]


def _dom_sqrt(vals):
    f = math.sqrt
    return [f(v) if v >= 0 else _NAN for v in vals]


def _dom_unit(fn):     # asin, acos: nan outside [-1, 1]
    return lambda vals: [fn(v) if -1 <= v <= 1 else _NAN for v in vals]


def _dom_acosh(vals):
    f = math.acosh
    return [f(v) if v >= 1 else _NAN for v in vals]


def _dom_atanh(vals):
    f = math.atanh
    return [f(v) if -1 < v < 1 else (_copysign(_INF, v) if v == 1 or v == -1 else _NAN)
            for v in vals]


def _nan(v):
    return _NAN


def _cnan(v):
    return _CNAN


def _inf(v):           # overflow of exp / expm1 / cosh
    return _INF


def _inf_signed(v):    # overflow of sinh
    return _copysign(_INF, v)


def _cexp_safe(z):
    try:
        return cmath.exp(z)
    except _EXC:
        re, im = z.real, z.imag
        try:
            r = _exp(re)
        except OverflowError:
            r = _INF
        if im == 0:
            return complex(r, im)
        try:
            return complex(r * math.cos(im), r * math.sin(im))
        except ValueError:
            return _CNAN


def _clog_safe(z):
    try:
        return cmath.log(z)
    except _EXC:
        if z == 0:
            return complex(-_INF, math.atan2(z.imag, z.real))
        return _CNAN


def _cexpm1(z):
    return cmath.exp(z) - 1


def _clog1p(z):
    return cmath.log(1 + z)


def _clog2(z):
    c = _clog_safe(z)
    return complex(c.real / _LN2, c.imag / _LN2)


def _clog10(z):
    c = _clog_safe(z)
    return complex(c.real / _LN10, c.imag / _LN10)


def _make_unary(name, fn, fallback, cfn, cfallback=None):
    cfallback = cfallback or _guard(cfn, _cnan)

    def f(x, /):
        return _unary_math(x, fn, fallback, cfn, cfallback)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name} (NumPy semantics; IEEE results where Python raises)."
    return f


exp = _make_unary("exp", math.exp, _guard(math.exp, _inf), cmath.exp,
                  lambda vals: list(map(_cexp_safe, vals)))
expm1 = _make_unary("expm1", math.expm1, _guard(math.expm1, _inf), _cexpm1)
log = _make_unary("log", math.log, _dom_log(math.log), cmath.log,
                  lambda vals: list(map(_clog_safe, vals)))
log1p = _make_unary("log1p", math.log1p, _dom_log1p, _clog1p)
log2 = _make_unary("log2", math.log2, _dom_log(math.log2), _clog2,
                   lambda vals: list(map(_clog2, vals)))
log10 = _make_unary("log10", math.log10, _dom_log(math.log10), _clog10,
                    lambda vals: list(map(_clog10, vals)))
sqrt = _make_unary("sqrt", math.sqrt, _dom_sqrt, cmath.sqrt)
sin = _make_unary("sin", math.sin, _guard(math.sin, _nan), cmath.sin)
cos = _make_unary("cos", math.cos, _guard(math.cos, _nan), cmath.cos)
tan = _make_unary("tan", math.tan, _guard(math.tan, _nan), cmath.tan)
asin = _make_unary("asin", math.asin, _dom_unit(math.asin), cmath.asin)
acos = _make_unary("acos", math.acos, _dom_unit(math.acos), cmath.acos)
atan = _make_unary("atan", math.atan, _guard(math.atan, _nan), cmath.atan)
sinh = _make_unary("sinh", math.sinh, _guard(math.sinh, _inf_signed), cmath.sinh)
cosh = _make_unary("cosh", math.cosh, _guard(math.cosh, _inf), cmath.cosh)
tanh = _make_unary("tanh", math.tanh, _guard(math.tanh, _nan), cmath.tanh)
asinh = _make_unary("asinh", math.asinh, _guard(math.asinh, _nan), cmath.asinh)
acosh = _make_unary("acosh", math.acosh, _dom_acosh, cmath.acosh)
atanh = _make_unary("atanh", math.atanh, _dom_atanh, cmath.atanh)


# ====================================================================== unary, dtype kept
def abs(x, /):  # noqa: A001
    vals, d, shape = _unary_values(x)
    if d is D.bool_:
        return from_list(vals, shape, d, "b")
    rdt = _real_of(d)
    return from_list(list(map(_builtin_abs, vals)), shape, rdt, rdt.kind)


def negative(x, /):
    vals, d, shape = _unary_values(x)
    if d is D.bool_:
        raise TypeError("The numpy boolean negative, the `-` operator, is not supported, "
                        "use the `~` operator or the logical_not function instead.")
    return from_list([-v for v in vals], shape, d, d.kind)


def positive(x, /):
    vals, d, shape = _unary_values(x)
    if d is D.bool_:
        raise TypeError("ufunc 'positive' did not contain a loop with signature matching types bool")
    return from_list(vals, shape, d, d.kind)


def _copy(x):
    return from_list(_seq(x), x.shape, x.dtype, x.dtype.kind)


def square(x, /):
    vals, d, shape = _unary_values(x)
    rdt = _int8_for_bool(d)
    return from_list([v * v for v in vals], shape, rdt, rdt.kind)


def sign(x, /):
    vals, d, shape = _unary_values(x)
    k = d.kind
    if k == "b":
        raise TypeError("ufunc 'sign' did not contain a loop with signature matching types bool")
    if k == "f":
        out = [1.0 if v > 0 else (-1.0 if v < 0 else (0.0 if v == 0 else v)) for v in vals]
    elif k == "c":
        out = [(v / _builtin_abs(v) if v == v else _CNAN) if v != 0 else 0j for v in vals]
    else:
        out = [(v > 0) - (v < 0) for v in vals]
    return from_list(out, shape, d, k)


def _rounding(x, fn, name):
    """floor / ceil / trunc / round: ints and bools are returned as they are."""
    vals, d, shape = _unary_values(x)
    k = d.kind
    if k == "c":
        if name == "round":
            return from_list([complex(_round_safe(v.real), _round_safe(v.imag)) for v in vals],
                             shape, d, "c")
        raise TypeError(f"ufunc '{name}' not supported for complex inputs")
    if k != "f":
        return from_list(vals, shape, d, k)
    try:
        out = list(map(float, map(fn, vals)))  # inf / nan raise
    except (ValueError, OverflowError):
        out = [float(fn(v)) if v - v == 0 else v for v in vals]
    if 0.0 in out:  # the result has the sign of the input (-0.0 from ceil(-0.5) ...)
        out = list(map(_copysign, out, vals))
    return from_list(out, shape, d, "f")


def _round_safe(v):
    try:
        return _copysign(float(_builtin_round(v)), v)
    except (ValueError, OverflowError):
        return v


def floor(x, /):
    x = _arr(x)
    if x.dtype.kind != "f":
        return _rounding(x, math.floor, "floor")
    vals = _seq(x)
    out = [v // 1.0 for v in vals]  # exact floor, -0.0 kept; inf // 1.0 is nan
    t = sum(out)
    if t - t != 0:  # a nan or inf somewhere: keep non-finite inputs as they are
        out = [v // 1.0 if v - v == 0 else v for v in vals]
    return from_list(out, x.shape, x.dtype, "f")


def ceil(x, /):
    return _rounding(x, math.ceil, "ceil")


def trunc(x, /):
    return _rounding(x, math.trunc, "trunc")


def round(x, /, decimals=0):  # noqa: A001
    """Round half to even; ``decimals`` as NumPy (scale, round, unscale)."""
    if not decimals:
        return _rounding(x, _builtin_round, "round")
    vals, d, shape = _unary_values(x)
    if d.kind in "iu":
        out = vals if decimals > 0 else [_builtin_round(v, decimals) for v in vals]
        return from_list(out, shape, d, "i")
    if d.kind == "c":
        return from_list([complex(_round_dec(v.real, decimals), _round_dec(v.imag, decimals))
                          for v in vals], shape, d, "c")
    if d.kind == "b":
        return from_list(vals, shape, d, "b")
    return from_list([_round_dec(v, decimals) for v in vals], shape, d, "f")


def _round_dec(v, decimals):
    if decimals > 0:
        f = 10.0 ** decimals
        return _round_safe(v * f) / f
    f = 10.0 ** -decimals
    return _round_safe(v / f) * f


def conj(x, /):
    vals, d, shape = _unary_values(x)
    if d.kind == "c":
        return from_list(list(map(complex.conjugate, vals)), shape, d, "c")
    return from_list(vals, shape, d, d.kind)


def real(x, /):
    x = _arr(x)
    d = x.dtype
    if d.kind != "c":
        return _copy(x)
    rdt = _real_of(d)
    if x.contig:
        o = x.offset
        return PyArray(x.buf[2 * o:2 * (o + x.size):2], rdt, x.shape)
    return from_list([v.real for v in x.values()], x.shape, rdt, "f")


def imag(x, /):
    x = _arr(x)
    d = x.dtype
    if d.kind != "c":
        return PyArray(D.new_storage(d, x.size), d, x.shape)
    rdt = _real_of(d)
    if x.contig:
        o = x.offset
        return PyArray(x.buf[2 * o + 1:2 * (o + x.size):2], rdt, x.shape)
    return from_list([v.imag for v in x.values()], x.shape, rdt, "f")


# ====================================================================== predicates
def _pred(x, fn, cfn, int_value):
    vals, d, shape = _unary_values(x)
    k = d.kind
    if k == "f":
        out = list(map(fn, vals))
    elif k == "c":
        out = list(map(cfn, vals))
    else:
        out = [int_value] * len(vals)
    return from_list(out, shape, D.bool_, "b")


def isnan(x, /):
    return _pred(x, math.isnan, cmath.isnan, False)


def isinf(x, /):
    return _pred(x, math.isinf, cmath.isinf, False)


def isfinite(x, /):
    return _pred(x, math.isfinite, cmath.isfinite, True)


def signbit(x, /):
    vals, d, shape = _unary_values(x)
    if d.kind == "c":
        raise TypeError("ufunc 'signbit' not supported for complex inputs")
    if d.kind == "f":
        out = [_copysign(1.0, v) < 0.0 for v in vals]
    else:
        out = [v < 0 for v in vals]
    return from_list(out, shape, D.bool_, "b")


# ====================================================================== clip / where
def clip(x, /, min=None, max=None):  # noqa: A002
    """NumPy's clip: minimum(maximum(x, min), max); NaN propagates."""
    x = _arr(x)
    if min is None and max is None:
        return _copy(x)
    scalar = not isinstance(min, PyArray) and not isinstance(max, PyArray)
    rdt = result_type(*(o for o in (x, min, max) if o is not None))
    if scalar and rdt.kind != "c" and x.size:
        lo = None if min is None else _scalar_to(min, rdt)
        hi = None if max is None else _scalar_to(max, rdt)
        if (lo is None or lo == lo) and (hi is None or hi == hi) and \
                (lo is None or hi is None or lo <= hi):
            vals, _ = _operand(x, x.shape, rdt)
            if x.size == 1:
                vals = [vals]
            if lo is None:
                out = [hi if v > hi else v for v in vals]
            elif hi is None:
                out = [lo if v < lo else v for v in vals]
            else:
                out = [lo if v < lo else (hi if v > hi else v) for v in vals]
            return from_list(out, x.shape, rdt, rdt.kind if rdt is not D.bool_ else None)
    r = x
    if min is not None:
        r = maximum(r, min)
    if max is not None:
        r = minimum(r, max)
    return r


class _Raw:
    """Minimal stand-in with ``values()``/shape/ndim for _bcast_values."""
    __slots__ = ("vals", "shape", "ndim")

    def __init__(self, vals, shape):
        self.vals, self.shape, self.ndim = vals, shape, len(shape)

    def values(self):
        return self.vals


def _raw_items(x, shape):
    """Storage items of PyArray ``x`` broadcast to ``shape`` (not for complex)."""
    if x.contig:
        buf = x.buf
        vals = buf if x.offset == 0 and x.size == len(buf) else buf[x.offset:x.offset + x.size]
    else:
        buf = x.buf
        vals = [buf[i] for i in x.indices()]
    if x.shape != shape:
        vals = _bcast_values(_Raw(vals, x.shape), shape)
    return vals


def _cond_items(c, shape):
    """Truth values of the condition as a list (bool storage bytes are 0/1)."""
    if isinstance(c, PyArray):
        if c.dtype is D.bool_:
            return _raw_items(c, shape)
        vals = c.values()
        vals = list(map(bool, vals))
        return vals if c.shape == shape else _bcast_values(_Raw(vals, c.shape), shape)
    return [bool(c)] * numel(shape)


def where(condition, x1, x2, /):
    rdt = result_type(x1, x2)
    shapes = [o.shape for o in (condition, x1, x2) if isinstance(o, PyArray)] or [()]
    shape = shapes[0] if all(s == shapes[0] for s in shapes) else broadcast_shapes(*shapes)
    n = numel(shape)
    if n == 0:
        return _empty(shape, rdt)
    if isinstance(condition, PyArray) and condition.size == 1:
        pick = x1 if condition.values()[0] else x2
        if isinstance(pick, PyArray) and pick.dtype is rdt:
            return from_list(_bcast_values(pick, shape), shape, rdt, rdt.kind)
        a, scalar = _operand(pick, shape, rdt)
        return from_list([a] * n if scalar else list(a), shape, rdt,
                         rdt.kind if rdt is not D.bool_ else None)
    C = _cond_items(condition, shape)
    raw = rdt.kind != "c"
    ops = []
    for x in (x1, x2):
        if isinstance(x, PyArray) and x.dtype is rdt and raw:
            ops.append((_raw_items(x, shape), False) if x.size != 1 else
                       (x.buf[x.offset] if x.contig else x.buf[x.indices()[0]], True))
        elif raw:
            v, s = _operand(x, shape, rdt)
            if s:
                v = D.storage_from(D.coerce([v], rdt), rdt)[0]
            else:
                v = D.storage_from(D.coerce(v, rdt), rdt)
            ops.append((v, s))
        else:
            v, s = _operand(x, shape, rdt)
            ops.append((v, s))
    (A, sa), (B, sb) = ops
    if sa and sb:
        out = [A if c else B for c in C]
    elif sa:
        out = [A if c else b for c, b in zip(C, B)]
    elif sb:
        out = [a if c else B for c, a in zip(C, A)]
    else:
        out = [a if c else b for c, a, b in zip(C, A, B)]
    if raw:
        return PyArray(array.array(rdt.code, out), rdt, shape)
    return from_list(out, shape, rdt, "c")


# ====================================================================== backend fast paths
# Not part of the namespace (not in __all__): PythonBackend's overrides of the
# extension kernels sigmoid / mask_zero / special call these.
def sigmoid_kernel(x):
    """1 / (1 + exp(-x)) for real floating ``x``, split by sign so exp never
    overflows; None for other dtypes (the composed fallback handles them)."""
    d = x.dtype
    if d.kind != "f":
        return None
    e = _exp
    vals = _seq(x)
    out = [1.0 / (1.0 + e(-v)) if v >= 0.0 else (t := e(v)) / (1.0 + t) for v in vals]
    return from_list(out, x.shape, d, "f")


def mask_zero_kernel(x, keep):
    """where(keep, x, 0) keeping x's dtype."""
    return where(keep, x, False if x.dtype is D.bool_ else 0)


def _lgamma(v):
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):  # poles (0, -1, -2 ...) and overflow
        return _INF


_SPECIAL = {"erf": math.erf, "erfc": math.erfc, "lgamma": math.lgamma}


def special_kernel(name, x):
    """erf / erfc / lgamma of real floating ``x`` with ``math`` (exact to
    double precision); None where the composed fallback must do it."""
    fn = _SPECIAL.get(name)
    d = x.dtype
    if fn is None or d.kind != "f":
        return None
    vals = _seq(x)
    try:
        out = list(map(fn, vals))
    except (ValueError, OverflowError):
        out = list(map(_lgamma, vals))  # only lgamma raises
    return from_list(out, x.shape, d, "f")
