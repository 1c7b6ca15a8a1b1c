"""WGSL kernel generation: families built from a table, one definition per op.

Design decision: the WGSL *text* of each family lives in the top-level
``shaders/`` folder as a template (``elementwise_unary.wgsl``,
``elementwise_binary.wgsl``) with ``$placeholders`` for the element types, the
load expressions and the op's expression.  This module holds the op *table*
(``UNARY``, ``BINARY``: a WGSL expression per op and the dtypes it accepts) and
fills the templates.  Shader code is thus edited in one place, read by the native
adapter and, later, by the browser adapter unchanged.  Templates are looked up in
``$RUSTORCH_SHADERS``, then ``rustorch/shaders/`` (where a wheel build should copy
them), then the source tree's top-level ``shaders/`` (see ``shader_dirs``).

Dtypes: float32, int32, uint32 and bool (stored as one u32 per element, since
WGSL bool is not host-shareable); float16 where the device has ``shader-f16``.
float64 has no WGSL type in the browser and is refused.  ``STORED_AS`` lists the
dtypes held in a 32-bit word of another kernel dtype: int64 in an i32 (values
must fit int32: uploads check, arithmetic wraps at 32 bits; see
webgpu_backend.py), int8/int16/uint8 in an i32/u32 (casts into them wrap to
their width).  Kernels see them as that dtype; the namespace relabels.
"""
import functools
import os
import string

from ... import _dtype as dt
from ..._errors import DTypeError, InvalidArgument, UnsupportedError

_PKG_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def shader_dirs():
    """Where WGSL templates are searched, in order."""
    dirs = [os.environ.get("RUSTORCH_SHADERS"), os.path.join(_PKG_ROOT, "shaders"),
            os.path.join(os.path.dirname(_PKG_ROOT), "shaders")]
    return [d for d in dirs if d]


WORKGROUP_SIZE = 256     # the portable max invocations per workgroup

# rustorch dtype -> (WGSL storage element, WGSL compute type, bytes per element on the GPU).
# float16 is computed in f32 and rounded once on store, as torch does on the CPU.
DTYPES = {
    dt.float32: ("f32", "f32", 4),
    dt.int32: ("i32", "i32", 4),
    dt.uint32: ("u32", "u32", 4),
    dt.bool: ("u32", "bool", 4),
    dt.float16: ("f16", "f32", 2),
    # held in a 32-bit word of another kernel dtype (STORED_AS)
    dt.int64: ("i32", "i32", 4),
    dt.int16: ("i32", "i32", 4),
    dt.int8: ("i32", "i32", 4),
    dt.uint8: ("u32", "u32", 4),
}
STORED_AS = {dt.int64: dt.int32, dt.int16: dt.int32, dt.int8: dt.int32, dt.uint8: dt.uint32}
# WGSL that wraps an i32/u32 value into a narrow dtype's range (C-style casts)
_WRAP = {dt.uint8: "(({e}) & 0xffu)", dt.int8: "((({e}) << 24u) >> 24u)",
         dt.int16: "((({e}) << 16u) >> 16u)"}
FLOATS = (dt.float32, dt.float16)
SIGNED = (dt.int32,)
INTS = (dt.int32, dt.uint32)
NUMERIC = FLOATS + INTS
ALL = NUMERIC + (dt.bool,)


def check_dtype(dtype, features=frozenset()):
    """Raise a clear error for dtypes WGSL cannot hold on this device."""
    if dtype not in DTYPES:
        hint = {dt.float64: " (cast to float32 first)"}
        raise UnsupportedError(
            f"dtype {dtype} is not supported by the WebGPU backend{hint.get(dtype, '')}; "
            f"supported: float32, int32, uint32, bool, int64/int16/int8/uint8 (held in "
            f"32 bits), and float16 with 'shader-f16'")
    if dtype is dt.float16 and "shader-f16" not in features:
        raise UnsupportedError("float16 needs the WebGPU feature 'shader-f16', which this "
                               "adapter lacks; use float32")


class Op:
    """One table row: a WGSL expression in ``x`` (and ``y``), of value type ``T``."""
    __slots__ = ("name", "expr", "dtypes", "bool_out", "bool_in", "helper")

    def __init__(self, name, expr, dtypes, bool_out=False, bool_in=False, helper=""):
        self.name, self.expr, self.dtypes = name, expr, dtypes
        self.bool_out, self.bool_in, self.helper = bool_out, bool_in, helper


# NaN tests by bit pattern: shader compilers may fold `x != x` to false.
# Every compute type of a float op is f32 (float16 is computed in f32).
NAN_HELPER = """
fn rt_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn rt_nan() -> f32 { return bitcast<f32>(0x7fc00000u); }
"""

# torch's pow: x^0 = 1 and 1^y = 1 even for NaN; negative bases with integral
# exponents (WGSL pow is exp2(y*log2(x)), undefined for x < 0)
_POW_HELPER = NAN_HELPER + """
fn rt_pow(x: f32, y: f32) -> f32 {
    if (y == 0.0 || x == 1.0) { return 1.0; }
    if (rt_isnan(x) || rt_isnan(y)) { return rt_nan(); }
    let m = pow(abs(x), y);
    if (x >= 0.0) { return m; }
    if (y != floor(y)) { return rt_nan(); }
    let odd = (y - 2.0 * floor(y / 2.0)) == 1.0;
    return select(m, -m, odd);
}
"""

# expressions per dtype group: {op: {dtype group: expr}} flattened below
UNARY = {op.name: op for op in (
    Op("copy", "x", ALL),
    Op("neg", "-x", FLOATS + SIGNED),
    Op("abs", "abs(x)", NUMERIC),
    Op("square", "x * x", NUMERIC),
    Op("relu", "select(x, T(0), x < T(0))", FLOATS + SIGNED),   # keeps NaN
    Op("sigmoid", "T(1) / (T(1) + exp(-x))", FLOATS),
    Op("exp", "exp(x)", FLOATS),
    Op("log", "log(x)", FLOATS),
    Op("sqrt", "sqrt(x)", FLOATS),
    Op("sin", "sin(x)", FLOATS),
    Op("cos", "cos(x)", FLOATS),
    Op("tanh", "tanh(x)", FLOATS),
    Op("floor", "floor(x)", FLOATS),
    Op("ceil", "ceil(x)", FLOATS),
    Op("trunc", "trunc(x)", FLOATS),
    Op("round", "round(x)", FLOATS),                  # half to even, like torch
    Op("bitwise_not", "~x", INTS),
    Op("logical_not", "!x", ALL, bool_out=True, bool_in=True),
)}

BINARY = {op.name: op for op in (
    Op("add", "x + y", NUMERIC),
    Op("sub", "x - y", NUMERIC),
    Op("mul", "x * y", NUMERIC),
    Op("div", "x / y", FLOATS),
    # torch propagates NaN through maximum/minimum; WGSL max/min need not
    Op("maximum", "select(max(x, y), rt_nan(), rt_isnan(x) || rt_isnan(y))", FLOATS,
       helper=NAN_HELPER),
    Op("minimum", "select(min(x, y), rt_nan(), rt_isnan(x) || rt_isnan(y))", FLOATS,
       helper=NAN_HELPER),
    Op("pow", "rt_pow(x, y)", FLOATS, helper=_POW_HELPER),
    Op("eq", "x == y", ALL, bool_out=True),
    Op("ne", "x != y", ALL, bool_out=True),
    Op("lt", "x < y", NUMERIC, bool_out=True),
    Op("le", "x <= y", NUMERIC, bool_out=True),
    Op("gt", "x > y", NUMERIC, bool_out=True),
    Op("ge", "x >= y", NUMERIC, bool_out=True),
    Op("logical_and", "x && y", ALL, bool_out=True, bool_in=True),
    Op("logical_or", "x || y", ALL, bool_out=True, bool_in=True),
    Op("logical_xor", "x != y", ALL, bool_out=True, bool_in=True),
    Op("bitwise_and", "x & y", INTS),
    Op("bitwise_or", "x | y", INTS),
    Op("bitwise_xor", "x ^ y", INTS),
)}
# integer maximum/minimum have no NaN to propagate
for _name, _fn in (("maximum", "max"), ("minimum", "min")):
    BINARY[_name + "_int"] = Op(_name, f"{_fn}(x, y)", INTS)


class Kernel:
    """Generated WGSL plus what the dispatcher needs to bind it."""
    __slots__ = ("source", "n_bindings", "read_only", "workgroup_size", "out_dtype")

    def __init__(self, source, n_bindings, out_dtype, workgroup_size):
        self.source = source
        self.n_bindings = n_bindings
        # inputs and meta are read-only; the output (second to last) is written
        self.read_only = tuple(i != n_bindings - 2 for i in range(n_bindings))
        self.out_dtype = out_dtype
        self.workgroup_size = workgroup_size


@functools.lru_cache(maxsize=None)
def template(name):
    for d in shader_dirs():
        path = os.path.join(d, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return string.Template(f.read())
    raise UnsupportedError(f"WGSL template {name!r} not found in {shader_dirs()}; this "
                           "rustorch installation lacks its shaders/ folder")


def _load(buf, index, dtype, as_bool):
    storage, value, _ = DTYPES[dtype]
    raw = f"{buf}[{index}]"
    if dtype is dt.bool:
        return f"({raw} != 0u)"
    if storage != value:
        raw = f"{value}({raw})"
    return f"({raw} != {value}(0))" if as_bool else raw


def _store(expr, out_dtype):
    if out_dtype is dt.bool:
        return f"select(0u, 1u, {expr})"
    storage, value, _ = DTYPES[out_dtype]
    if out_dtype in _WRAP:
        return _WRAP[out_dtype].format(e=expr)
    return expr if storage == value else f"{storage}({expr})"


def _check_wg(workgroup_size):
    if not 1 <= workgroup_size <= WORKGROUP_SIZE:
        raise InvalidArgument(f"workgroup_size must be in [1, {WORKGROUP_SIZE}] "
                              f"(portable limit), got {workgroup_size}")


def supports(table, name, dtype):
    """Whether op ``name`` of ``table`` (UNARY or BINARY) takes ``dtype``."""
    try:
        _lookup(table, name, dtype)
    except (DTypeError, UnsupportedError):
        return False
    return True


def _lookup(table, name, dtype):
    op = table.get(name)
    if op is None:
        raise UnsupportedError(f"unknown WebGPU elementwise op {name!r}; "
                               f"known: {sorted(k for k in table if not k.endswith('_int'))}")
    if dtype in INTS and name + "_int" in table:
        op = table[name + "_int"]
    if dtype not in op.dtypes:
        raise DTypeError(f"WebGPU op {name!r} does not take dtype {dtype} "
                         f"(takes {', '.join(d.name for d in op.dtypes)})")
    return op


def _fill(file, ta, to, tb=None, helper="", workgroup_size=WORKGROUP_SIZE, **kw):
    enable = "enable f16;" if dt.float16 in (ta, tb, to) else ""
    return template(file).substitute(
        enable=enable, TA=DTYPES[ta][0], TB=DTYPES[tb][0] if tb else "", TO=DTYPES[to][0],
        helpers=helper, WG=workgroup_size, **kw)


@functools.lru_cache(maxsize=None)
def unary_kernel(name, dtype, workgroup_size=WORKGROUP_SIZE):
    _check_wg(workgroup_size)
    op = _lookup(UNARY, name, dtype)
    out = dt.bool if op.bool_out else dtype
    expr = op.expr.replace("T(", DTYPES[dtype][1] + "(")
    src = _fill("elementwise_unary.wgsl", dtype, out, helper=op.helper,
                workgroup_size=workgroup_size,
                LOAD_A=_load("a", "ia", dtype, op.bool_in), EXPR=_store(expr, out))
    return Kernel(src, 3, out, workgroup_size)


@functools.lru_cache(maxsize=None)
def binary_kernel(name, dtype, workgroup_size=WORKGROUP_SIZE):
    _check_wg(workgroup_size)
    op = _lookup(BINARY, name, dtype)
    out = dt.bool if op.bool_out else dtype
    expr = op.expr.replace("T(", DTYPES[dtype][1] + "(")
    src = _fill("elementwise_binary.wgsl", dtype, out, tb=dtype, helper=op.helper,
                workgroup_size=workgroup_size,
                LOAD_A=_load("a", "ia", dtype, op.bool_in),
                LOAD_B=_load("b", "ib", dtype, op.bool_in), EXPR=_store(expr, out))
    return Kernel(src, 4, out, workgroup_size)


@functools.lru_cache(maxsize=None)
def cast_kernel(src_dtype, dst_dtype, workgroup_size=WORKGROUP_SIZE):
    """Value conversion src -> dst (float -> int truncates toward zero, like torch)."""
    _check_wg(workgroup_size)
    for d in (src_dtype, dst_dtype):
        if d not in DTYPES:
            check_dtype(d)
    dst_value = DTYPES[dst_dtype][1]
    if dst_dtype is dt.bool:
        expr = "x" if src_dtype is dt.bool else f"x != {DTYPES[src_dtype][1]}(0)"
    elif src_dtype is dt.bool:
        expr = f"select({dst_value}(0), {dst_value}(1), x)"
    elif dst_dtype in _WRAP and src_dtype in FLOATS:
        # float -> narrow int: truncate through i32 first (C's float -> int), then wrap
        expr = f"{dst_value}(i32(x))"
    else:
        expr = f"{dst_value}(x)"
    src = _fill("elementwise_unary.wgsl", src_dtype, dst_dtype, workgroup_size=workgroup_size,
                LOAD_A=_load("a", "ia", src_dtype, False), EXPR=_store(expr, dst_dtype))
    return Kernel(src, 3, dst_dtype, workgroup_size)


@functools.lru_cache(maxsize=None)
def strided_copy_kernel(dtype, workgroup_size=WORKGROUP_SIZE):
    """dst view = src view of one dtype (raw 32-bit words or f16): no conversion."""
    _check_wg(workgroup_size)
    if dtype not in DTYPES:
        check_dtype(dtype)
    src = _fill("copy_strided.wgsl", dtype, dtype, workgroup_size=workgroup_size)
    k = Kernel(src, 3, dtype, workgroup_size)
    return k
