"""dtypes of the pure-Python namespace and how each is stored.

Storage is a flat ``array.array``: native typecodes for bool/ints/float32/
float64, 16-bit patterns for float16 and bfloat16 (converted in bulk with
``struct``), interleaved real/imag floats for complex.  ``coerce`` turns Python
values into what a dtype holds (wrapping ints, rounding floats), ``Codec``
reads and writes them.
"""
import array
import math
import struct

from . import _float8 as _f8


class DType:
    __slots__ = ("name", "kind", "itemsize", "code", "bits")

    def __init__(self, name, kind, itemsize, code):
        self.name = name
        self.kind = kind          # 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex
        self.itemsize = itemsize
        self.code = code          # array typecode of the storage
        self.bits = itemsize * 8

    def __repr__(self):
        return f"pyarray.{self.name}"

    def __reduce__(self):
        return (by_name, (self.name,))


bool_ = DType("bool", "b", 1, "B")
int8 = DType("int8", "i", 1, "b")
int16 = DType("int16", "i", 2, "h")
int32 = DType("int32", "i", 4, "i")
int64 = DType("int64", "i", 8, "q")
uint8 = DType("uint8", "u", 1, "B")
uint16 = DType("uint16", "u", 2, "H")
uint32 = DType("uint32", "u", 4, "I")
uint64 = DType("uint64", "u", 8, "Q")
float16 = DType("float16", "f", 2, "H")
bfloat16 = DType("bfloat16", "f", 2, "H")
float32 = DType("float32", "f", 4, "f")
float64 = DType("float64", "f", 8, "d")
complex64 = DType("complex64", "c", 8, "f")
complex128 = DType("complex128", "c", 16, "d")
# float8: bytes holding the bit patterns (see _float8)
float8_e4m3fn = DType("float8_e4m3fn", "f", 1, "B")
float8_e5m2 = DType("float8_e5m2", "f", 1, "B")
float8_e4m3fnuz = DType("float8_e4m3fnuz", "f", 1, "B")
float8_e5m2fnuz = DType("float8_e5m2fnuz", "f", 1, "B")
FLOAT8 = {d: _f8.FORMATS[d.name] for d in (float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz)}

ALL = (bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, bfloat16,
       float32, float64, complex64, complex128) + tuple(FLOAT8)
_BY_NAME = {d.name: d for d in ALL}


def by_name(name):
    return _BY_NAME[name]


# ------------------------------------------------------------------ promotion (NumPy 2 rules)
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_INTS = {("i", 1): int8, ("i", 2): int16, ("i", 4): int32, ("i", 8): int64,
         ("u", 1): uint8, ("u", 2): uint16, ("u", 4): uint32, ("u", 8): uint64}


def promote(a, b):
    if a is b:
        return a
    ka, kb = a.kind, b.kind
    if ka == "b":
        return b
    if kb == "b":
        return a
    if ka in "iu" and kb in "iu":
        if ka == kb:
            return a if a.itemsize >= b.itemsize else b
        s, u = (a, b) if ka == "i" else (b, a)
        if s.itemsize > u.itemsize:
            return s
        return {1: int16, 2: int32, 4: int64}.get(u.itemsize, float64)
    ra, rb = _KIND_RANK[ka], _KIND_RANK[kb]
    if ra != rb:
        hi, lo = (a, b) if ra > rb else (b, a)
        if hi.kind == "f" and lo.kind in "iu":
            # as NumPy: the float must hold the int exactly
            if hi in (float16, bfloat16) and lo.itemsize >= 1:
                need = {1: float16, 2: float32}.get(lo.itemsize, float64)
                return need if hi is float16 or need is not float16 else float32
            if hi is float32 and lo.itemsize >= 4:
                return float64
            return hi
        if hi.kind == "c":
            if lo is float64 or lo.kind in "iu" and lo.itemsize >= 4:
                return complex128
            return hi
        return hi
    if {a, b} == {float16, bfloat16}:
        return float32
    if ka == "c" or ka == "f":
        return a if a.itemsize >= b.itemsize else b
    return a


def scalar_kind(v):
    if isinstance(v, bool):
        return "b"
    if isinstance(v, int):
        return "i"
    if isinstance(v, float):
        return "f"
    if isinstance(v, complex):
        return "c"
    kind = getattr(getattr(v, "dtype", None), "kind", None)  # NumPy scalars
    if kind is not None and getattr(v, "ndim", 1) == 0:
        return {"b": "b", "i": "i", "u": "i", "f": "f", "c": "c"}.get(kind)
    return None


def weak_result(arr_dtype, scalar):
    """NumPy 2 / NEP 50: a Python scalar only lifts the kind."""
    k = scalar_kind(scalar)
    ra = _KIND_RANK[arr_dtype.kind]
    rs = _KIND_RANK[k]
    if rs <= ra:
        return arr_dtype
    if k == "i":
        return int64
    if k == "f":
        return float64
    if arr_dtype is float32 or arr_dtype in (float16, bfloat16):
        return complex64
    return complex128


def default_for(value):
    k = scalar_kind(value)
    return {"b": bool_, "i": int64, "f": float64, "c": complex128}[k]


# ------------------------------------------------------------------ coercion
def _wrap_ints(vals, dtype):
    if not vals:
        return vals
    lo, hi = min(vals), max(vals)
    bits = dtype.bits
    if dtype.kind == "i":
        if -(1 << (bits - 1)) <= lo and hi < (1 << (bits - 1)):
            return vals
        half, full = 1 << (bits - 1), (1 << bits) - 1
        return [((v + half) & full) - half for v in vals]
    if 0 <= lo and hi < (1 << bits):
        return vals
    full = (1 << bits) - 1
    return [v & full for v in vals]


_U64_TOP = 1 << 64


def _float_to_int(v, dtype):
    """Truncate toward zero; out-of-range values (undefined in C) follow NumPy's
    x86 casts so both cpu backends agree: the float goes through a 32-bit int
    (64-bit for int64 and uint32) whose "indefinite" INT_MIN stands for NaN, inf
    and overflow, and the result wraps to ``dtype``.  uint64 uses the unsigned
    64-bit conversion: [0, 2**64) exact, >= 2**64 -> 0, NaN/-inf/< -2**63 -> 2**63."""
    t = int(v) if v == v and v not in (math.inf, -math.inf) else None
    if dtype is uint64:
        if t is None:
            return 0 if v == math.inf else 1 << 63
        if t >= _U64_TOP:
            return 0
        return t if t >= -(1 << 63) else 1 << 63
    half = 1 << 63 if dtype.bits == 64 or dtype is uint32 else 1 << 31
    if t is None or not -half <= t < half:
        return -half
    return t


def coerce(values, dtype, src_kind=None):
    """Python values (a list) -> a list of what ``dtype`` holds."""
    k = dtype.kind
    if k == "f":
        if src_kind == "c":
            return [v.real for v in values]
        return values if src_kind == "f" else list(map(float, values))
    if k == "c":
        return values if src_kind == "c" else list(map(complex, values))
    if k == "b":
        return values if src_kind == "b" else [v != 0 for v in values]
    # integers
    if src_kind in ("i", "u", "b", None) and (src_kind is not None or all(type(v) is int for v in values)):
        vals = values if src_kind in ("i", "u") else list(map(int, values))
    elif src_kind == "c":
        vals = [_float_to_int(v.real, dtype) for v in values]
    else:
        vals = [_float_to_int(v, dtype) if type(v) is float else int(v) for v in values]
    return _wrap_ints(vals, dtype)


# ------------------------------------------------------------------ codecs
_F16_MAX = 65520.0  # values at or above round to inf in half precision


def _to_f16_bits(vals):
    inf = math.inf
    clean = [v if -_F16_MAX < v < _F16_MAX or v != v else (inf if v > 0 else -inf) for v in vals]
    return array.array("H", struct.pack(f"<{len(clean)}e", *clean)) if clean else array.array("H")


def _from_f16_bits(arr):
    n = len(arr)
    return list(struct.unpack(f"<{n}e", arr.tobytes())) if n else []


def _to_bf16_bits(vals):
    f32 = array.array("f", vals)              # round to float32 first
    bits = array.array("I", f32.tobytes())
    out = array.array("H", [0]) * len(bits)
    for i, b in enumerate(bits):
        if (b & 0x7F800000) == 0x7F800000 and b & 0x007FFFFF:   # NaN stays NaN
            out[i] = (b >> 16) | 0x0040
        else:                                                   # round to nearest even
            out[i] = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF
    return out


def _from_bf16_bits(arr):
    return array.array("f", array.array("I", [h << 16 for h in arr]).tobytes()).tolist()


def new_storage(dtype, n):
    """A zeroed buffer for ``n`` elements."""
    width = 2 if dtype.kind == "c" else 1
    return array.array(dtype.code, bytes(array.array(dtype.code).itemsize * n * width))


def storage_from(values, dtype):
    """A buffer holding ``values`` (already coerced to ``dtype``)."""
    f8 = FLOAT8.get(dtype)
    if f8 is not None:      # a store rounds without saturating (casts saturate before)
        return array.array("B", _f8.encode(values, f8))
    if dtype is float16:
        return _to_f16_bits(values)
    if dtype is bfloat16:
        return _to_bf16_bits(values)
    if dtype.kind == "c":
        buf = array.array(dtype.code, bytes(array.array(dtype.code).itemsize * 2 * len(values)))
        buf[0::2] = array.array(dtype.code, [v.real for v in values])
        buf[1::2] = array.array(dtype.code, [v.imag for v in values])
        return buf
    return array.array(dtype.code, values)


def read(buf, dtype, start, stop):
    """Values of elements [start, stop) as a list."""
    if dtype.kind == "c":
        re = buf[2 * start:2 * stop:2]
        im = buf[2 * start + 1:2 * stop:2]
        return list(map(complex, re, im))
    chunk = buf[start:stop]
    if dtype is bool_:
        return list(map(bool, chunk))
    if dtype is float16:
        return _from_f16_bits(chunk)
    if dtype is bfloat16:
        return _from_bf16_bits(chunk)
    if dtype in FLOAT8:
        return _f8.decode(chunk, FLOAT8[dtype])
    return chunk.tolist()


def gather(buf, dtype, idx):
    """Values of the elements at storage positions ``idx``."""
    if dtype.kind == "c":
        return [complex(buf[2 * i], buf[2 * i + 1]) for i in idx]
    if not idx:
        return []
    if dtype is float16 or dtype is bfloat16:
        raw = array.array("H", [buf[i] for i in idx])
        return _from_f16_bits(raw) if dtype is float16 else _from_bf16_bits(raw)
    vals = [buf[i] for i in idx]
    if dtype in FLOAT8:
        return _f8.decode(vals, FLOAT8[dtype])
    return list(map(bool, vals)) if dtype is bool_ else vals


def write(buf, dtype, start, values):
    """Store coerced ``values`` at elements [start, start + len)."""
    n = len(values)
    if dtype.kind == "c":
        buf[2 * start:2 * (start + n):2] = array.array(dtype.code, [v.real for v in values])
        buf[2 * start + 1:2 * (start + n):2] = array.array(dtype.code, [v.imag for v in values])
        return
    buf[start:start + n] = storage_from(values, dtype)


def scatter(buf, dtype, idx, values):
    """Store coerced ``values`` at storage positions ``idx`` (last write wins)."""
    if dtype.kind == "c":
        for i, v in zip(idx, values):
            buf[2 * i] = v.real
            buf[2 * i + 1] = v.imag
        return
    enc = storage_from(values, dtype)
    for i, v in zip(idx, enc):
        buf[i] = v
