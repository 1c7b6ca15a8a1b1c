"""WGSL kernel generation: families built from a table, one definition per op.

Design decision: the WGSL *text* of each family lives in the top-level
``shaders/`` folder as a template (``elementwise_unary.wgsl``,
``elementwise_binary.wgsl``, ``elementwise_ternary.wgsl``) with ``$placeholders``
for the element types, the load expressions and the op's expression.  This module
holds the op *tables* (``UNARY``, ``BINARY``, ``TERNARY``: a WGSL expression per
op and the dtypes it accepts, with per-dtype variants), the WGSL helper functions
those expressions call (``rt_exp``, ``rt_erf``, ``rt_fmod`` ...: range reduction
and series of our own, since compilers' builtins may be loose -- lavapipe's
asin, log near 1 and tanh near 0 lose 1e-5 to 1e-3 -- and may assume NaN and
inf away), and fills the templates.  Shader code is thus edited in one place, read by the native
adapter and, later, by the browser adapter unchanged.  Templates are looked up in
``$RUSTORCH_SHADERS``, then ``rustorch/shaders/`` (where the wheel carries them:
setup.py copies them in), then the source tree's top-level ``shaders/`` (see ``shader_dirs``).

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
import re
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
    """One table row: a WGSL expression in ``x`` (and ``y``, ``z``), of value type ``T``."""
    __slots__ = ("name", "expr", "dtypes", "bool_out", "bool_in", "helper", "masks")

    def __init__(self, name, expr, dtypes, bool_out=False, bool_in=False, helper="", masks=()):
        self.name, self.expr, self.dtypes = name, expr, dtypes
        self.bool_out, self.bool_in, self.helper = bool_out, bool_in, helper
        self.masks = masks    # operand positions read as bool masks, whatever the dtype


# ------------------------------------------------------------------ WGSL helpers
# Float helpers compute in f32 (float16 loads widen to f32).  Ops list the parts
# they need (``_parts``): each part is emitted once per kernel.

# NaN tests by bit pattern: shader compilers may fold `x != x` to false.  NaN and
# inf come from `let` bits: a bitcast of a literal is a const-expression, and a
# const-expression that is NaN or inf is a shader-creation error (Tint, WebKit).
NAN_HELPER = """
fn rt_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn rt_nan() -> f32 { let bits = 0x7fc00000u; return bitcast<f32>(bits); }
"""

# infinities and signs by bit pattern (shaders may assume IEEE specials away)
_INF = """
const RT_PI = 3.14159265358979323846;
fn rt_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn rt_inf() -> f32 { let bits = 0x7f800000u; return bitcast<f32>(bits); }
fn rt_signbit(x: f32) -> bool { return (bitcast<u32>(x) >> 31u) == 1u; }
fn rt_copysign(x: f32, s: f32) -> f32 {
    return bitcast<f32>((bitcast<u32>(x) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}
"""

# exp and log by range reduction plus series, to ~2 ulp (compilers' builtins
# may be much looser: lavapipe's lose 1e-5 near log(1) and grow with |x| for exp)
_LOGEXP = """
fn rt_log1p_series(x: f32) -> f32 {
    // 2 atanh(s) with s = x / (2 + x): for |x| < 0.5, |s| <= 1/3; odd series to s^19
    let s = x / (2.0 + x);
    let s2 = s * s;
    var p = 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    return 2.0 * s * (p * s2 + 1.0);
}
fn rt_log_reduce(x: f32) -> vec2<f32> {
    // x = 2^e m with m in [sqrt(1/2), sqrt(2)): (e, log(m)); x finite and > 0
    let fr = frexp(x);
    var m = fr.fract;
    var e = f32(fr.exp);
    if (m < 0.70710678118654752) { m = m * 2.0; e = e - 1.0; }
    return vec2<f32>(e, rt_log1p_series(m - 1.0));
}
fn rt_log_special(x: f32) -> f32 {
    // log of x <= 0, inf or NaN (callers test rt_log_normal first)
    if (x == 0.0) { return -rt_inf(); }
    return select(rt_nan(), x, x > 0.0);
}
fn rt_log_normal(x: f32) -> bool { return x > 0.0 && !rt_isinf(x); }
fn rt_log(x: f32) -> f32 {
    if (!rt_log_normal(x)) { return rt_log_special(x); }
    let r = rt_log_reduce(x);
    // ln 2 split: e * hi is exact
    return r.x * 0.693145751953125 + (r.x * 1.4286068203094172e-06 + r.y);
}
fn rt_log2(x: f32) -> f32 {
    if (!rt_log_normal(x)) { return rt_log_special(x); }
    let r = rt_log_reduce(x);
    return r.x + r.y * 1.4426950408889634;
}
fn rt_log10(x: f32) -> f32 {
    if (!rt_log_normal(x)) { return rt_log_special(x); }
    let r = rt_log_reduce(x);
    return r.x * 0.30102999566398120 + r.y * 0.43429448190325182;
}
fn rt_log1p(x: f32) -> f32 {
    if (abs(x) >= 0.5) { return rt_log(1.0 + x); }
    return rt_log1p_series(x);    // also NaN
}
fn rt_exp(x: f32) -> f32 {
    if (rt_isnan(x)) { return x; }
    if (x > 88.722839) { return rt_inf(); }
    if (x < -104.0) { return 0.0; }
    // x = k ln2 + r, |r| <= ln2 / 2 (ln 2 split: k * hi is exact); Taylor to r^8
    let k = round(x * 1.4426950408889634);
    let r = (x - k * 0.693145751953125) - k * 1.4286068203094172e-06;
    var p = 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let ki = i32(k);
    let k1 = ki / 2;      // 2^k in two steps: 2^128 itself is not a float
    return ldexp(ldexp(p, k1), ki - k1);
}
fn rt_expm1(x: f32) -> f32 {
    if (abs(x) >= 0.5) { return rt_exp(x) - 1.0; }
    // Taylor to x^10 / 10! in Horner form (also NaN)
    var e = 1.0 + x / 10.0;
    e = 1.0 + x / 9.0 * e;
    e = 1.0 + x / 8.0 * e;
    e = 1.0 + x / 7.0 * e;
    e = 1.0 + x / 6.0 * e;
    e = 1.0 + x / 5.0 * e;
    e = 1.0 + x / 4.0 * e;
    e = 1.0 + x / 3.0 * e;
    e = 1.0 + x / 2.0 * e;
    return x * e;
}
"""

# sin / cos: x = k pi/2 + r with pi/2 in four parts (k * part exact for |k| < 2^16),
# Taylor series on |r| <= pi/4.  WGSL only promises 2^-11 absolute for the builtins
# inside [-pi, pi]; beyond |x| = 1e5 the builtins take over.
_TRIG = """
fn rt_sin_poly(r: f32) -> f32 {
    let r2 = r * r;
    var p = -1.0 / 39916800.0;
    p = p * r2 + 1.0 / 362880.0;
    p = p * r2 + -1.0 / 5040.0;
    p = p * r2 + 1.0 / 120.0;
    p = p * r2 + -1.0 / 6.0;
    return r + r * r2 * p;
}
fn rt_cos_poly(r: f32) -> f32 {
    let r2 = r * r;
    var p = 1.0 / 479001600.0;
    p = p * r2 + -1.0 / 3628800.0;
    p = p * r2 + 1.0 / 40320.0;
    p = p * r2 + -1.0 / 720.0;
    p = p * r2 + 1.0 / 24.0;
    return (1.0 - 0.5 * r2) + r2 * r2 * p;
}
fn rt_sincos(x: f32) -> vec2<f32> {
    if (rt_isnan(x) || rt_isinf(x)) { return vec2<f32>(rt_nan(), rt_nan()); }
    if (abs(x) > 1e5) { return vec2<f32>(sin(x), cos(x)); }
    let k = round(x * 0.63661977236758134);
    let r = (((x - k * 1.5703125) - k * 0.0004825592041015625) - k * 1.2665987014770508e-06)
            - k * 9.92093629470503e-10;
    let q = i32(k) & 3;
    let s = rt_sin_poly(r);
    let c = rt_cos_poly(r);
    let odd = (q & 1) == 1;
    let sv = select(s, c, odd);
    let cv = select(c, s, odd);
    return vec2<f32>(select(sv, -sv, q >= 2), select(cv, -cv, q == 1 || q == 2));
}
fn rt_tan(x: f32) -> f32 {
    let v = rt_sincos(x);
    return v.x / v.y;
}
"""

# atan: reduced to |t| <= tan(pi/8), then t P(t^2) (least-squares fit, ~1e-7);
# asin, acos, atan2 through it
_ATAN = """
fn rt_atan(x: f32) -> f32 {
    if (rt_isnan(x)) { return x; }
    var a = abs(x);
    let inv = a > 1.0;
    if (inv) { a = 1.0 / a; }                   // atan(a) = pi/2 - atan(1/a)
    var base = 0.0;
    if (a > 0.41421356237309505) {              // atan(a) = pi/4 + atan((a-1)/(a+1))
        base = 0.25 * RT_PI;
        a = (a - 1.0) / (a + 1.0);
    }
    let a2 = a * a;
    var p = -0.06071676557908682;
    p = p * a2 + 0.10590384782670025;
    p = p * a2 + -0.14242863281222803;
    p = p * a2 + 0.19998412092857892;
    p = p * a2 + -0.33333312912095525;
    p = p * a2 + 0.9999999997300257;
    var r = base + a * p;
    if (inv) { r = 0.5 * RT_PI - r; }
    return rt_copysign(r, x);
}
fn rt_atan2(y: f32, x: f32) -> f32 {
    if (rt_isnan(x) || rt_isnan(y)) { return rt_nan(); }
    if (y == 0.0) { return rt_copysign(select(0.0, RT_PI, rt_signbit(x)), y); }
    if (x == 0.0) { return rt_copysign(0.5 * RT_PI, y); }
    if (rt_isinf(x)) {
        if (rt_isinf(y)) { return rt_copysign(select(0.25, 0.75, x < 0.0) * RT_PI, y); }
        return rt_copysign(select(0.0, RT_PI, x < 0.0), y);
    }
    if (rt_isinf(y)) { return rt_copysign(0.5 * RT_PI, y); }
    let t = rt_atan(y / x);
    return select(t + rt_copysign(RT_PI, y), t, x > 0.0);
}
fn rt_asin(x: f32) -> f32 {
    if (!(abs(x) <= 1.0)) { return rt_nan(); }
    return rt_atan2(x, sqrt((1.0 - x) * (1.0 + x)));
}
fn rt_acos(x: f32) -> f32 {
    if (!(abs(x) <= 1.0)) { return rt_nan(); }
    if (x == -1.0) { return RT_PI; }
    return 2.0 * rt_atan(sqrt((1.0 - x) / (1.0 + x)));
}
"""

# sinh / cosh without cancellation near 0 and without overflow of rt_exp(|x|) just
# below the largest float; inverse hyperbolics through log1p
_HYPERBOLIC = """
fn rt_sinh(x: f32) -> f32 {
    let a = abs(x);
    var r: f32;
    if (a > 10.0) {
        let h = rt_exp(0.5 * a);
        r = (0.5 * h) * h;
    } else {
        let u = rt_expm1(a);
        r = 0.5 * (u + u / (u + 1.0));
    }
    return rt_copysign(r, x);
}
fn rt_cosh(x: f32) -> f32 {
    let a = abs(x);
    if (a > 10.0) {
        let h = rt_exp(0.5 * a);
        return (0.5 * h) * h;
    }
    let e = rt_exp(a);
    return 0.5 * (e + 1.0 / e);
}
fn rt_tanh(x: f32) -> f32 {
    let a = abs(x);
    if (a > 10.0) { return rt_copysign(1.0, x); }
    let u = rt_expm1(2.0 * a);
    return rt_copysign(u / (u + 2.0), x);
}
fn rt_asinh(x: f32) -> f32 {
    let a = abs(x);
    var r: f32;
    if (a > 1e10) { r = rt_log(a) + 0.69314718055994531; }
    else { r = rt_log1p(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
    return rt_copysign(r, x);
}
fn rt_acosh(x: f32) -> f32 {
    if (x < 1.0) { return rt_nan(); }
    if (x > 1e10) { return rt_log(x) + 0.69314718055994531; }
    let t = x - 1.0;
    return rt_log1p(t + sqrt(2.0 * t + t * t));
}
fn rt_atanh(x: f32) -> f32 {
    let a = abs(x);
    if (a > 1.0) { return rt_nan(); }
    return rt_copysign(0.5 * rt_log1p(2.0 * a / (1.0 - a)), x);
}
"""

# torch's float remainder family: fmod is exact (C fmod), remainder takes the
# divisor's sign, floor division rounds like c10::div_floor_floating
_FMOD = """
fn rt_fmod(x: f32, y: f32) -> f32 {
    let b = abs(y);
    var a = abs(x);
    if (rt_isnan(x) || rt_isnan(y) || rt_isinf(x) || b == 0.0) { return rt_nan(); }
    if (rt_isinf(y) || a < b) { return x; }
    // long division: subtract b * 2^k with a / 2 < b * 2^k <= a (exact, Sterbenz)
    loop {
        if (a < b) { break; }
        var s = ldexp(b, frexp(a).exp - frexp(b).exp);
        if (s > a) { s = s * 0.5; }
        a = a - s;
    }
    return rt_copysign(a, x);
}
fn rt_remainder(x: f32, y: f32) -> f32 {
    let m = rt_fmod(x, y);
    return select(m, m + y, m != 0.0 && ((y < 0.0) != (m < 0.0)));
}
fn rt_floor_divide(x: f32, y: f32) -> f32 {
    let neg = rt_signbit(x) != rt_signbit(y);
    if (y == 0.0) {
        if (x == 0.0 || rt_isnan(x)) { return rt_nan(); }
        return rt_copysign(rt_inf(), select(1.0, -1.0, neg));
    }
    let m = rt_fmod(x, y);
    var d = (x - m) / y;
    if (m != 0.0 && ((y < 0.0) != (m < 0.0))) { d = d - 1.0; }
    if (d == 0.0) { return rt_copysign(0.0, select(1.0, -1.0, neg)); }
    var q = floor(d);
    if (d - q > 0.5) { q = q + 1.0; }
    return q;
}
"""

# integer division family (Python floor semantics; division by zero gives 0:
# the tensor layer raises before it gets here, like torch)
_IDIV = """
fn rt_floor_divide_i(x: i32, y: i32) -> i32 {
    if (y == 0) { return 0; }
    let q = x / y;
    return select(q, q - 1, (x % y != 0) && ((x < 0) != (y < 0)));
}
fn rt_remainder_i(x: i32, y: i32) -> i32 {
    if (y == 0) { return 0; }
    let r = x % y;
    return select(r, r + y, r != 0 && ((r < 0) != (y < 0)));
}
"""

# torch's integer pow: square-and-multiply (wrapping); negative exponents give
# 1 for base 1, +-1 for base -1 and 0 otherwise
_POWI = """
fn rt_powi(x: i32, y: i32) -> i32 {
    if (y < 0) {
        if (x == 1) { return 1; }
        if (x == -1) { return select(1, -1, (y & 1) != 0); }
        return 0;
    }
    var r = 1;
    var b = x;
    var e = y;
    loop {
        if (e == 0) { break; }
        if ((e & 1) != 0) { r = r * b; }
        b = b * b;
        e = e >> 1u;
    }
    return r;
}
fn rt_powu(x: u32, y: u32) -> u32 {
    var r = 1u;
    var b = x;
    var e = y;
    loop {
        if (e == 0u) { break; }
        if ((e & 1u) != 0u) { r = r * b; }
        b = b * b;
        e = e >> 1u;
    }
    return r;
}
"""

_HYPOT = """
fn rt_hypot(x: f32, y: f32) -> f32 {
    if (rt_isinf(x) || rt_isinf(y)) { return rt_inf(); }
    if (rt_isnan(x) || rt_isnan(y)) { return rt_nan(); }
    let a = abs(x);
    let b = abs(y);
    let m = max(a, b);
    if (m == 0.0) { return 0.0; }
    let r = min(a, b) / m;
    return m * sqrt(1.0 + r * r);
}
"""

_LOGADDEXP = """
fn rt_logaddexp(x: f32, y: f32) -> f32 {
    if (rt_isnan(x) || rt_isnan(y)) { return rt_nan(); }
    if (x == y && rt_isinf(x)) { return x; }
    return max(x, y) + rt_log1p(rt_exp(-abs(x - y)));
}
"""

# erf / erfc: erf(x) = x P(x^2) for |x| < 1, erfc(x) = rt_exp(-x^2) Q(1/x) / x for
# x >= 1 (least-squares fits, relative error < 3e-7 in f32); rt_exp(-x^2) splits
# x^2 = hi^2 + lo (x + hi) so the rounding of x^2 does not enter exp
_ERF = """
fn rt_expmsq(a: f32) -> f32 {
    let hi = bitcast<f32>(bitcast<u32>(a) & 0xfffff000u);
    return rt_exp(-hi * hi) * rt_exp(-(a - hi) * (a + hi));
}
fn rt_erf_small(x: f32) -> f32 {
    let x2 = x * x;
    var p = -0.000566798748197678;
    p = p * x2 + 0.004927417625380489;
    p = p * x2 + -0.0267208912228785;
    p = p * x2 + 0.11280578762494776;
    p = p * x2 + -0.3761239065315241;
    p = p * x2 + 1.1283791470899067;
    return x * p;
}
fn rt_erfc_big(a: f32) -> f32 {
    if (a > 10.0) { return 0.0; }
    let t = 1.0 / a;
    var p = -0.030615939328098172;
    p = p * t + 0.23275545972043452;
    p = p * t + -0.7640775701191201;
    p = p * t + 1.4121433580142446;
    p = p * t + -1.5708975840033494;
    p = p * t + 0.9677024584075948;
    p = p * t + -0.11525077339820747;
    p = p * t + -0.2673596769281482;
    p = p * t + -0.0010361821445210306;
    p = p * t + 0.5642200407926761;
    return rt_expmsq(a) * p * t;
}
fn rt_erf(x: f32) -> f32 {
    let a = abs(x);
    if (a < 1.0) { return rt_erf_small(x); }
    return rt_copysign(1.0 - rt_erfc_big(a), x);
}
fn rt_erfc(x: f32) -> f32 {
    let a = abs(x);
    if (a < 1.0) { return 1.0 - rt_erf_small(x); }
    let e = rt_erfc_big(a);
    return select(e, 2.0 - e, x < 0.0);
}
"""

# erfinv: Giles' single-precision approximation, then one Newton step on erf
# (on erfc for |y| >= 0.5, where erf(x) - y would cancel)
_ERFINV = """
fn rt_erfinv(y: f32) -> f32 {
    let a = abs(y);
    if (rt_isnan(y) || a > 1.0) { return rt_nan(); }
    if (a == 1.0) { return rt_copysign(rt_inf(), y); }
    let w = -rt_log((1.0 - a) * (1.0 + a));
    var p: f32;
    if (w < 5.0) {
        let u = w - 2.5;
        p = 2.81022636e-08;
        p = p * u + 3.43273939e-07;
        p = p * u + -3.5233877e-06;
        p = p * u + -4.39150654e-06;
        p = p * u + 0.00021858087;
        p = p * u + -0.00125372503;
        p = p * u + -0.00417768164;
        p = p * u + 0.246640727;
        p = p * u + 1.50140941;
    } else {
        let u = sqrt(w) - 3.0;
        p = -0.000200214257;
        p = p * u + 0.000100950558;
        p = p * u + 0.00134934322;
        p = p * u + -0.00367342844;
        p = p * u + 0.00573950773;
        p = p * u + -0.0076224613;
        p = p * u + 0.00943887047;
        p = p * u + 1.00167406;
        p = p * u + 2.83297682;
    }
    var x = p * a;
    var err: f32;
    if (a < 0.5) { err = rt_erf(x) - a; } else { err = (1.0 - a) - rt_erfc(x); }
    x = x - err / (1.1283791670955126 * rt_expmsq(x));
    return rt_copysign(x, y);
}
"""

# lgamma: fits around its roots 1 and 2, recurrence down to them from below 8,
# Stirling above; digamma, trigamma: recurrence up to z >= 8, then the
# asymptotic series; reflection for x <= 0 with sin(pi x) on the reduced argument
_GAMMA = """
fn rt_sinpi_abs(x: f32) -> f32 {
    // |sin(pi x)| has period 1; x - round(x) is exact (unlike x - floor(x) near 0-)
    return abs(rt_sincos(RT_PI * (x - round(x))).x);
}
fn rt_lgamma_near1(t: f32) -> f32 {
    // lgamma(1 + t), |t| <= 1/2: t Q(t) (least-squares fit; keeps the root at 1 exact)
    var q = -0.14806483711580473;
    q = q * t + 0.1780725703115455;
    q = q * t + -0.07263648388898442;
    q = q * t + 0.06645016747478648;
    q = q * t + -0.11257849202282678;
    q = q * t + 0.13081183814264172;
    q = q * t + -0.1441666390508797;
    q = q * t + 0.16916533212604365;
    q = q * t + -0.20736847097504482;
    q = q * t + 0.2705929189358471;
    q = q * t + -0.4006861475121621;
    q = q * t + 0.8224669289913364;
    q = q * t + -0.5772156627722533;
    return t * q;
}
fn rt_lgamma_near2(t: f32) -> f32 {
    // lgamma(2 + t), |t| <= 1/2: t P(t)
    var q = -0.0002663376207228878;
    q = q * t + 0.0005701855750523272;
    q = q * t + -0.0011795943030971708;
    q = q * t + 0.002878897344126931;
    q = q * t + -0.007387154368184105;
    q = q * t + 0.02058162186758888;
    q = q * t + -0.06735223237260447;
    q = q * t + 0.32246701815633005;
    q = q * t + 0.422784334615725;
    return t * q;
}
fn rt_lgamma_pos(z: f32) -> f32 {
    if (z < 0.5) { return rt_lgamma_near1(z) - rt_log(z); }
    if (z < 1.5) { return rt_lgamma_near1(z - 1.0); }
    if (z < 8.0) {
        // down to [1.5, 2.5): lgamma(z) = lgamma(z - n) + log((z-1) ... (z-n)), exact steps
        var zs = z;
        var prod = 1.0;
        while (zs >= 2.5) { zs = zs - 1.0; prod = prod * zs; }
        return rt_lgamma_near2(zs - 2.0) + rt_log(prod);
    }
    // Stirling's series
    let inv = 1.0 / z;
    let inv2 = inv * inv;
    var s = -1.0 / 1680.0;
    s = s * inv2 + 1.0 / 1260.0;
    s = s * inv2 + -1.0 / 360.0;
    s = s * inv2 + 1.0 / 12.0;
    return (z - 0.5) * rt_log(z) - z + (0.91893853320467274 + s * inv);
}
fn rt_lgamma(x: f32) -> f32 {
    if (rt_isnan(x)) { return x; }
    if (rt_isinf(x)) { return rt_inf(); }
    if (x > 0.0) { return rt_lgamma_pos(x); }
    let s = rt_sinpi_abs(x);
    if (s == 0.0) { return rt_inf(); }
    return rt_log(RT_PI / s) - rt_lgamma_pos(1.0 - x);
}
fn rt_digamma_pos(z: f32) -> f32 {
    var zs = z;
    var acc = 0.0;
    while (zs < 8.0) { acc = acc + 1.0 / zs; zs = zs + 1.0; }
    let inv = 1.0 / zs;
    let inv2 = inv * inv;
    var s = -1.0 / 240.0;
    s = s * inv2 + 1.0 / 252.0;
    s = s * inv2 + -1.0 / 120.0;
    s = s * inv2 + 1.0 / 12.0;
    return rt_log(zs) - 0.5 * inv - s * inv2 - acc;
}
fn rt_digamma(x: f32) -> f32 {
    if (x == 0.0) { return rt_copysign(rt_inf(), -x); }
    if (rt_isnan(x) || x == -rt_inf()) { return rt_nan(); }
    if (x > 0.0) { return rt_digamma_pos(x); }
    let f = x - round(x);       // exact; cot(pi x) has period 1
    if (f == 0.0) { return rt_nan(); }
    // psi(x) = psi(1 - x) - pi cot(pi x)
    let sc = rt_sincos(RT_PI * f);
    return rt_digamma_pos(1.0 - x) - RT_PI * sc.y / sc.x;
}
fn rt_trigamma_pos(z: f32) -> f32 {
    var zs = z;
    var acc = 0.0;
    while (zs < 8.0) { acc = acc + 1.0 / (zs * zs); zs = zs + 1.0; }
    let inv = 1.0 / zs;
    let inv2 = inv * inv;
    var s = -1.0 / 30.0;
    s = s * inv2 + 1.0 / 42.0;
    s = s * inv2 + -1.0 / 30.0;
    s = s * inv2 + 1.0 / 6.0;
    s = s * inv + 0.5;
    s = s * inv + 1.0;
    return s * inv + acc;
}
fn rt_trigamma(x: f32) -> f32 {
    if (rt_isnan(x) || x == -rt_inf()) { return rt_nan(); }
    if (x > 0.0) { return rt_trigamma_pos(x); }
    let s = rt_sinpi_abs(x);
    if (s == 0.0) { return rt_inf(); }
    return RT_PI * RT_PI / (s * s) - rt_trigamma_pos(1.0 - x);
}
"""

# torch's pow (C pow): x^0 = 1 and 1^y = 1 even for NaN; zeros, infinities and
# negative bases handled here (WGSL pow is exp2(y*log2(x)), undefined for x <= 0)
_POW = """
fn rt_odd_int(y: f32) -> bool { return y == floor(y) && (y - 2.0 * floor(0.5 * y)) == 1.0; }
fn rt_pow(x: f32, y: f32) -> f32 {
    if (y == 0.0 || x == 1.0) { return 1.0; }
    if (rt_isnan(x) || rt_isnan(y)) { return rt_nan(); }
    // exact for the exponents torch's kernels special-case (x ** 2 above all)
    if (y == 1.0) { return x; }
    if (y == 2.0) { return x * x; }
    if (y == 3.0) { return x * x * x; }
    if (y == -1.0) { return 1.0 / x; }
    if (y == -2.0) { return 1.0 / (x * x); }
    if (y == 0.5 && x > 0.0) { return sqrt(x); }
    if (y == -0.5 && x > 0.0) { return 1.0 / sqrt(x); }
    let ax = abs(x);
    if (rt_isinf(y)) {
        if (ax == 1.0) { return 1.0; }
        return select(0.0, rt_inf(), (ax > 1.0) == (y > 0.0));
    }
    if (ax == 0.0 || rt_isinf(x)) {
        // +-0 and +-inf: 0 or inf by the signs; an odd integer power keeps x's sign
        let r = select(0.0, rt_inf(), (ax == 0.0) == (y < 0.0));
        return select(r, rt_copysign(r, x), rt_odd_int(y));
    }
    let m = pow(ax, y);
    if (x > 0.0) { return m; }
    if (y != floor(y)) { return rt_nan(); }
    return select(m, -m, rt_odd_int(y));
}
"""

# sigmoid split by sign so exp never overflows
_SIGMOID = """
fn rt_sigmoid(x: f32) -> f32 {
    let e = rt_exp(-abs(x));
    return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
"""


def _parts(*parts):
    """Helper WGSL for one op: the parts it needs, each once, in order."""
    return "".join(dict.fromkeys(parts))


_NI = (NAN_HELPER, _INF, _LOGEXP)     # the base of every float helper
_HYP = _NI + (_HYPERBOLIC,)
_POW_HELPER = _parts(NAN_HELPER, _INF, _POW)


# Op tables.  A row named ``<op>_int`` / ``<op>_uint`` / ``<op>_bool`` is the
# variant of ``<op>`` for int32 / uint32 / bool kernels (see VARIANTS); ``T(``
# in an expression is the compute type.
_FLOAT_UNARY = {
    # name: (expression, helper parts)
    "exp": ("rt_exp(x)", _NI), "log": ("rt_log(x)", _NI), "sqrt": ("sqrt(x)", ()),
    "sin": ("rt_sincos(x).x", _NI + (_TRIG,)), "cos": ("rt_sincos(x).y", _NI + (_TRIG,)),
    "tan": ("rt_tan(x)", _NI + (_TRIG,)),
    "tanh": ("rt_tanh(x)", _HYP), "floor": ("floor(x)", ()), "ceil": ("ceil(x)", ()),
    "trunc": ("trunc(x)", ()), "round": ("round(x)", ()),    # half to even, like torch
    "asin": ("rt_asin(x)", _NI + (_ATAN,)), "acos": ("rt_acos(x)", _NI + (_ATAN,)),
    "atan": ("rt_atan(x)", _NI + (_ATAN,)),
    "log2": ("rt_log2(x)", _NI), "log10": ("rt_log10(x)", _NI),
    "expm1": ("rt_expm1(x)", _NI), "log1p": ("rt_log1p(x)", _NI),
    "sinh": ("rt_sinh(x)", _HYP), "cosh": ("rt_cosh(x)", _HYP),
    "asinh": ("rt_asinh(x)", _HYP), "acosh": ("rt_acosh(x)", _HYP),
    "atanh": ("rt_atanh(x)", _HYP),
    "sigmoid": ("rt_sigmoid(x)", _NI + (_SIGMOID,)),
    "sinc": ("select(rt_sincos(RT_PI * x).x / (RT_PI * x), 1.0, x == 0.0)", _NI + (_TRIG,)),
    "erf": ("rt_erf(x)", _NI + (_ERF,)), "erfc": ("rt_erfc(x)", _NI + (_ERF,)),
    "erfinv": ("rt_erfinv(x)", _NI + (_ERF, _ERFINV)),
    "lgamma": ("rt_lgamma(x)", _NI + (_TRIG, _GAMMA)),
    "digamma": ("rt_digamma(x)", _NI + (_TRIG, _GAMMA)),
    "polygamma1": ("rt_trigamma(x)", _NI + (_TRIG, _GAMMA)),
    # predicates by bit pattern (NaN, inf and -0.0 survive any fast-math folding)
    "isnan": ("rt_isnan(x)", (NAN_HELPER,)), "isinf": ("rt_isinf(x)", (_INF,)),
    "isfinite": ("(bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u", ()),
    "signbit": ("rt_signbit(x)", (_INF,)),
}
_PREDICATES = ("isnan", "isinf", "isfinite", "signbit")

UNARY = {op.name: op for op in (
    Op("copy", "x", ALL),
    Op("neg", "-x", FLOATS + SIGNED),
    Op("abs", "abs(x)", NUMERIC),
    Op("square", "x * x", NUMERIC),
    Op("relu", "select(x, T(0), x < T(0))", FLOATS + SIGNED),   # keeps NaN
    Op("bitwise_not", "~x", INTS),
    Op("logical_not", "!x", ALL, bool_out=True, bool_in=True),
    # torch's sign: NaN -> 0
    Op("sign", "select(select(T(0), T(1), x > T(0)), T(-1), x < T(0))", FLOATS + SIGNED),
    Op("sign_uint", "min(x, 1u)", (dt.uint32,)),
    Op("sign_bool", "x", (dt.bool,)),
    # integers and bools are never NaN or infinite; only negative ints have a sign bit
    Op("isnan_int", "false", ALL, bool_out=True),
    Op("isinf_int", "false", ALL, bool_out=True),
    Op("isfinite_int", "true", ALL, bool_out=True),
    Op("signbit_int", "x < T(0)", INTS, bool_out=True),
    Op("signbit_bool", "false", (dt.bool,), bool_out=True),
)}
for _name, (_expr, _helpers) in _FLOAT_UNARY.items():
    UNARY[_name] = Op(_name, _expr, FLOATS, bool_out=_name in _PREDICATES,
                      helper=_parts(*_helpers))

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
    Op("pow_int", "rt_powi(x, y)", (dt.int32,), helper=_POWI),
    Op("pow_uint", "rt_powu(x, y)", (dt.uint32,), helper=_POWI),
    # float compares by hand for NaN: drivers may lower != to an ordered compare
    # (false for NaN), where torch's NaN != anything is true
    Op("eq", "x == y && !rt_isnan(x)", FLOATS, bool_out=True, helper=NAN_HELPER),
    Op("eq_int", "x == y", INTS + (dt.bool,), bool_out=True),
    Op("ne", "x != y || rt_isnan(x) || rt_isnan(y)", FLOATS, bool_out=True, helper=NAN_HELPER),
    Op("ne_int", "x != y", INTS + (dt.bool,), bool_out=True),
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
    # torch's shifts: amounts < 0 or >= the width give 0 (left) or the sign fill (right)
    Op("bitwise_left_shift", "select(x << u32(y), T(0), y < T(0) || y >= T(32))", INTS),
    Op("bitwise_right_shift", "x >> u32(select(y, 31, y < 0 || y > 31))", (dt.int32,)),
    Op("bitwise_right_shift_uint", "select(x >> y, 0u, y >= 32u)", (dt.uint32,)),
    Op("atan2", "rt_atan2(x, y)", FLOATS, helper=_parts(*_NI, _ATAN)),
    Op("copysign", "rt_copysign(x, y)", FLOATS, helper=_INF),
    Op("hypot", "rt_hypot(x, y)", FLOATS, helper=_parts(*_NI, _HYPOT)),
    Op("logaddexp", "rt_logaddexp(x, y)", FLOATS, helper=_parts(*_NI, _LOGADDEXP)),
    # Python/torch division family (integer division by zero gives 0 here)
    Op("fmod", "rt_fmod(x, y)", FLOATS, helper=_parts(*_NI, _FMOD)),
    Op("fmod_int", "select(x % y, T(0), y == T(0))", INTS),
    Op("remainder", "rt_remainder(x, y)", FLOATS, helper=_parts(*_NI, _FMOD)),
    Op("remainder_int", "rt_remainder_i(x, y)", (dt.int32,), helper=_IDIV),
    Op("remainder_uint", "select(x % y, 0u, y == 0u)", (dt.uint32,)),
    Op("floor_divide", "rt_floor_divide(x, y)", FLOATS, helper=_parts(*_NI, _FMOD)),
    Op("floor_divide_int", "rt_floor_divide_i(x, y)", (dt.int32,), helper=_IDIV),
    Op("floor_divide_uint", "select(x / y, 0u, y == 0u)", (dt.uint32,)),
    # where(keep, x, 0): y is a bool mask whatever x's dtype (the gradient masks)
    Op("mask_zero", "select(T(0), x, y)", NUMERIC, masks=(1,)),
    Op("mask_zero_bool", "x && y", (dt.bool,), masks=(1,)),
)}
# integer maximum/minimum have no NaN to propagate
for _name, _fn in (("maximum", "max"), ("minimum", "min")):
    BINARY[_name + "_int"] = Op(_name, f"{_fn}(x, y)", INTS)
# bool arithmetic as torch does it: + is or, * is and; max is or, min is and
for _name, _expr in (("add", "x || y"), ("mul", "x && y"), ("maximum", "x || y"),
                     ("minimum", "x && y"), ("bitwise_and", "x && y"),
                     ("bitwise_or", "x || y"), ("bitwise_xor", "x != y")):
    BINARY[_name + "_bool"] = Op(_name, _expr, (dt.bool,))

TERNARY = {op.name: op for op in (
    # where(cond, x1, x2): the condition is a bool mask whatever the values' dtype
    Op("where", "select(z, y, x)", ALL, masks=(0,)),
    # clip(x, lo, hi) = min(max(x, lo), hi) (so hi wins when lo > hi); NaN anywhere -> NaN
    Op("clip", "select(min(max(x, y), z), rt_nan(), rt_isnan(x) || rt_isnan(y) || rt_isnan(z))",
       FLOATS, helper=NAN_HELPER),
    Op("clip_int", "min(max(x, y), z)", INTS),
)}
# which table variants a kernel dtype tries before the plain row
VARIANTS = {dt.int32: ("_int",), dt.uint32: ("_uint", "_int"), dt.bool: ("_bool", "_int")}
_SUFFIXES = ("_int", "_uint", "_bool")


class Kernel:
    """Generated WGSL plus what the dispatcher needs to bind it.  ``per_thread``:
    elements each invocation handles (the elementwise templates' EPT loop); the
    dispatcher launches ceil(n / per_thread) invocations for n elements."""
    __slots__ = ("source", "n_bindings", "read_only", "workgroup_size", "out_dtype", "per_thread")

    def __init__(self, source, n_bindings, out_dtype, workgroup_size, per_thread=1):
        self.source = source
        self.n_bindings = n_bindings
        # inputs and meta are read-only; the output (second to last) is written
        self.read_only = tuple(i != n_bindings - 2 for i in range(n_bindings))
        self.out_dtype = out_dtype
        self.workgroup_size = workgroup_size
        self.per_thread = per_thread


# elements per invocation in the elementwise and strided-copy templates: a
# CPU-emulated adapter (SwiftShader in a browser, lavapipe) pays per
# invocation, so four per invocation ran scalar elementwise ops ~2-4x faster there
ELEMS_PER_THREAD = 4


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
    """Whether op ``name`` of ``table`` (UNARY, BINARY, TERNARY) takes ``dtype``."""
    try:
        _lookup(table, name, dtype)
    except (DTypeError, UnsupportedError):
        return False
    return True


def _lookup(table, name, dtype):
    op = table.get(name)
    if op is None:
        raise UnsupportedError(f"unknown WebGPU elementwise op {name!r}; known: "
                               f"{sorted(k for k in table if not k.endswith(_SUFFIXES))}")
    for suffix in VARIANTS.get(dtype, ()):
        variant = table.get(name + suffix)
        if variant is not None and dtype in variant.dtypes:
            return variant
    if dtype not in op.dtypes:
        takes = {d.name for o in (op,) + tuple(table.get(name + s) for s in _SUFFIXES) if o
                 for d in o.dtypes}
        raise DTypeError(f"WebGPU op {name!r} does not take dtype {dtype} "
                         f"(takes {', '.join(sorted(takes))})")
    return op


@functools.lru_cache(maxsize=None)
def offset_helper():
    """rt_offset() of shaders/strided_offset.wgsl, shared by the strided families."""
    return template("strided_offset.wgsl").substitute()


# rt_offset() when every view is 1-D (the host flattened contiguous operands and
# broadcast scalars: info = [n, 1, offset[k], n, stride_0, ..., stride_(k-1)]):
# no index loop, no division per element
_FLAT_OFFSET = ("fn rt_offset(i: u32, v: u32, k: u32) -> u32 {\n"
                "    return info[2u + v] + i * info[3u + k + v];\n}\n")


@functools.lru_cache(maxsize=None)
def _flat_source(source):
    return source.replace(offset_helper(), _FLAT_OFFSET)


def flat_variant(kernel):
    """``kernel`` for 1-D views only (see _FLAT_OFFSET); itself when it has no
    rt_offset() to specialise."""
    src = _flat_source(kernel.source)
    if src == kernel.source:
        return kernel
    k = Kernel(src, kernel.n_bindings, kernel.out_dtype, kernel.workgroup_size, kernel.per_thread)
    k.read_only = kernel.read_only
    return k


def each_element(workgroup_size):
    """The loop head of shaders/each_element.wgsl (comment lines dropped)."""
    text = template("each_element.wgsl").substitute(WG=workgroup_size, EPT=ELEMS_PER_THREAD)
    return "\n".join(ln for ln in text.splitlines() if not ln.startswith("//"))


def _fill(file, ta, to, tb=None, helper="", workgroup_size=WORKGROUP_SIZE, tc=None, **kw):
    enable = "enable f16;" if dt.float16 in (ta, tb, tc, to) else ""
    kw.setdefault("OFFSET", offset_helper())
    kw.setdefault("EACH_ELEMENT", each_element(workgroup_size))
    return template(file).substitute(
        enable=enable, TA=DTYPES[ta][0], TB=DTYPES[tb][0] if tb else "",
        TC=DTYPES[tc][0] if tc else "", TO=DTYPES[to][0],
        helpers=helper, WG=workgroup_size, EPT=ELEMS_PER_THREAD, **kw)


@functools.lru_cache(maxsize=None)
def unary_kernel(name, dtype, workgroup_size=WORKGROUP_SIZE):
    _check_wg(workgroup_size)
    op = _lookup(UNARY, name, dtype)
    out = dt.bool if op.bool_out else dtype
    expr = op.expr.replace("T(", DTYPES[dtype][1] + "(")
    src = _fill("elementwise_unary.wgsl", dtype, out, helper=op.helper,
                workgroup_size=workgroup_size,
                LOAD_A=_load("a", "ia", dtype, op.bool_in), EXPR=_store(expr, out))
    return Kernel(src, 3, out, workgroup_size, per_thread=ELEMS_PER_THREAD)


def _operand_dtypes(op, dtype, n):
    """The dtype each operand is read as: bool for the op's mask operands."""
    return [dt.bool if i in op.masks else dtype for i in range(n)]


@functools.lru_cache(maxsize=None)
def binary_kernel(name, dtype, workgroup_size=WORKGROUP_SIZE):
    """``name`` over two operands of ``dtype`` (a mask operand, see Op.masks, is bool)."""
    _check_wg(workgroup_size)
    op = _lookup(BINARY, name, dtype)
    out = dt.bool if op.bool_out else dtype
    ta, tb = _operand_dtypes(op, dtype, 2)
    expr = op.expr.replace("T(", DTYPES[dtype][1] + "(")
    src = _fill("elementwise_binary.wgsl", ta, out, tb=tb, helper=op.helper,
                workgroup_size=workgroup_size,
                LOAD_A=_load("a", "ia", ta, op.bool_in),
                LOAD_B=_load("b", "ib", tb, op.bool_in), EXPR=_store(expr, out))
    return Kernel(src, 4, out, workgroup_size, per_thread=ELEMS_PER_THREAD)


@functools.lru_cache(maxsize=None)
def ternary_kernel(name, dtype, workgroup_size=WORKGROUP_SIZE):
    """``name`` of TERNARY (where, clip) over three broadcast operands."""
    _check_wg(workgroup_size)
    op = _lookup(TERNARY, name, dtype)
    out = dt.bool if op.bool_out else dtype
    ta, tb, tc = _operand_dtypes(op, dtype, 3)
    expr = op.expr.replace("T(", DTYPES[dtype][1] + "(")
    src = _fill("elementwise_ternary.wgsl", ta, out, tb=tb, tc=tc, helper=op.helper,
                workgroup_size=workgroup_size,
                LOAD_A=_load("a", "ia", ta, False), LOAD_B=_load("b", "ib", tb, False),
                LOAD_C=_load("c", "ic", tc, False), EXPR=_store(expr, out))
    return Kernel(src, 5, out, workgroup_size, per_thread=ELEMS_PER_THREAD)


@functools.lru_cache(maxsize=None)
def cast_kernel(src_dtype, dst_dtype, workgroup_size=WORKGROUP_SIZE):
    """Value conversion src -> dst (float -> int truncates toward zero, like torch)."""
    _check_wg(workgroup_size)
    for d in (src_dtype, dst_dtype):
        if d not in DTYPES:
            check_dtype(d)
    dst_value = DTYPES[dst_dtype][1]
    helper = ""
    if dst_dtype is dt.bool:
        expr = "x" if src_dtype is dt.bool else f"x != {DTYPES[src_dtype][1]}(0)"
        if src_dtype in FLOATS:   # NaN is true (see "ne")
            expr, helper = "(x != 0.0 || rt_isnan(x))", NAN_HELPER
    elif src_dtype is dt.bool:
        expr = f"select({dst_value}(0), {dst_value}(1), x)"
    elif dst_dtype in _WRAP and src_dtype in FLOATS:
        # float -> narrow int: truncate through i32 first (C's float -> int), then wrap
        expr = f"{dst_value}(i32(x))"
    else:
        expr = f"{dst_value}(x)"
    src = _fill("elementwise_unary.wgsl", src_dtype, dst_dtype, workgroup_size=workgroup_size,
                helper=helper, LOAD_A=_load("a", "ia", src_dtype, False),
                EXPR=_store(expr, dst_dtype))
    return Kernel(src, 3, dst_dtype, workgroup_size, per_thread=ELEMS_PER_THREAD)


@functools.lru_cache(maxsize=None)
def strided_copy_kernel(dtype, workgroup_size=WORKGROUP_SIZE):
    """dst view = src view of one dtype (raw 32-bit words or f16): no conversion."""
    _check_wg(workgroup_size)
    if dtype not in DTYPES:
        check_dtype(dtype)
    src = _fill("copy_strided.wgsl", dtype, dtype, workgroup_size=workgroup_size)
    return Kernel(src, 3, dtype, workgroup_size, per_thread=ELEMS_PER_THREAD)


# float32 binary ops whose WGSL expression is the same on vec4<f32> (no helpers)
VEC4_BINARY = {"add": "x + y", "sub": "x - y", "mul": "x * y", "div": "x / y"}


@functools.lru_cache(maxsize=None)
def vec4_binary_kernel(name, workgroup_size=WORKGROUP_SIZE, a_scalar=False, b_scalar=False):
    """A contiguous float32 binary op on vec4s; ``a_scalar`` / ``b_scalar``: that
    operand is one element, broadcast (splatted) to every position."""
    _check_wg(workgroup_size)
    forms = {False: ("vec4<f32>", "{v}[info[{k}u] + i]"), True: ("f32", "vec4<f32>({v}[info[{k}u]])")}
    ta, xa = forms[a_scalar]
    tb, xb = forms[b_scalar]
    src = template("elementwise_vec4.wgsl").substitute(
        EXPR=VEC4_BINARY[name], WG=workgroup_size, TA=ta, TB=tb,
        X=xa.format(v="a", k=1), Y=xb.format(v="b", k=2))
    return Kernel(src, 4, dt.float32, workgroup_size)


_F32_BITS = re.compile(r"bitcast<f32>\((0x[0-9a-fA-F]+u)\)")


def portable(source):
    """WGSL that Chrome's compiler (Tint) accepts too: the spec makes a
    const-expression that evaluates to NaN or infinity a shader-creation error,
    so float bit-pattern literals (``bitcast<f32>(0x7f800000u)``) are routed
    through a function call, which is not a const-expression."""
    if "bitcast<f32>(0x" not in source:
        return source
    body = _F32_BITS.sub(r"bitcast<f32>(rt_u32(\1))", source)
    return body + "\nfn rt_u32(x: u32) -> u32 { return x; }\n"
