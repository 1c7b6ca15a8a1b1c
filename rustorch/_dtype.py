"""dtype objects and torch's type-promotion rules (pure Python, no backend)."""
import builtins as _builtins

from ._errors import InvalidType, DTypeError

_pybool, _pyint = _builtins.bool, _builtins.int

# categories, in promotion order
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    __slots__ = ("name", "itemsize", "category", "is_signed", "_real", "_complex")

    def __init__(self, name, itemsize, category, is_signed):
        self.name = name
        self.itemsize = itemsize
        self.category = category
        self.is_signed = is_signed

    @property
    def is_floating_point(self):
        return self.category == _FLOAT

    @property
    def is_complex(self):
        return self.category == _COMPLEX

    def to_real(self):
        return self._real

    def to_complex(self):
        return self._complex

    def __repr__(self):
        return "rustorch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


bool = dtype("bool", 1, _BOOL, False)  # noqa: A001 (torch.bool)
uint8 = dtype("uint8", 1, _INT, False)
uint16 = dtype("uint16", 2, _INT, False)
uint32 = dtype("uint32", 4, _INT, False)
uint64 = dtype("uint64", 8, _INT, False)
int8 = dtype("int8", 1, _INT, True)
int16 = dtype("int16", 2, _INT, True)
int32 = dtype("int32", 4, _INT, True)
int64 = dtype("int64", 8, _INT, True)
float16 = dtype("float16", 2, _FLOAT, True)
bfloat16 = dtype("bfloat16", 2, _FLOAT, True)
float32 = dtype("float32", 4, _FLOAT, True)
float64 = dtype("float64", 8, _FLOAT, True)
complex64 = dtype("complex64", 8, _COMPLEX, True)
complex128 = dtype("complex128", 16, _COMPLEX, True)
# torch's float8 types: storage and casts; promotion with anything else is refused
float8_e4m3fn = dtype("float8_e4m3fn", 1, _FLOAT, True)
float8_e5m2 = dtype("float8_e5m2", 1, _FLOAT, True)
float8_e4m3fnuz = dtype("float8_e4m3fnuz", 1, _FLOAT, True)
float8_e5m2fnuz = dtype("float8_e5m2fnuz", 1, _FLOAT, True)

ALL_DTYPES = (bool, uint8, int8, int16, int32, int64, float16, bfloat16,
              float32, float64, complex64, complex128, uint16, uint32, uint64,
              float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz)
FLOAT8 = frozenset((float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz))
# torch's "barebones" unsigned types: same-dtype tensors work, but they refuse to
# promote with any bool/integer/complex dtype (see promote_types)
WIDE_UNSIGNED = frozenset((uint16, uint32, uint64))
_BY_NAME = {d.name: d for d in ALL_DTYPES}
ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16,
           "int": int32, "long": int64, "cfloat": complex64, "cdouble": complex128}
_BY_NAME.update(ALIASES)

for _d in ALL_DTYPES:
    _d._real = _d
    _d._complex = None
for _d in (float16, bfloat16, float32):
    _d._complex = complex64
float64._complex = complex128
complex64._real = float32
complex128._real = float64
complex64._complex = complex64
complex128._complex = complex128


def _dtype_by_name(name):
    return _BY_NAME[name]


def as_dtype(obj):
    """Accept a rustorch dtype, a name, a Python type or a NumPy dtype."""
    if isinstance(obj, dtype):
        return obj
    if obj is float:
        return get_default_dtype()
    if obj is _pyint:
        return int64
    if obj is _pybool:
        return bool
    if obj is complex:
        return _default_complex()
    name = getattr(obj, "name", None) if not isinstance(obj, str) else obj
    if name is None and isinstance(obj, type):
        name = obj.__name__
    if isinstance(name, str):
        name = name.replace("torch.", "").replace("rustorch.", "")
        if name == "bool_":
            name = "bool"
        if name in _BY_NAME:
            return _BY_NAME[name]
    raise InvalidType(f"unknown dtype {obj!r}; expected one of "
                      + ", ".join(d.name for d in ALL_DTYPES))


# ---------------------------------------------------------------- defaults
_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    d = as_dtype(d)
    if d not in (float16, bfloat16, float32, float64):
        raise InvalidType(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def _default_complex():
    return complex128 if _default[0] is float64 else complex64


# ---------------------------------------------------------------- promotion
_promote_cache = {}


def _promote_uncached(a, b):
    if a in FLOAT8 or b in FLOAT8:
        raise DTypeError("Promotion for Float8 Types is not supported, attempted to promote "
                         f"{_torch_name(a)} and {_torch_name(b)}")
    if a in WIDE_UNSIGNED or b in WIDE_UNSIGNED:
        # torch: only a floating dtype combines with uint16/32/64 (it wins)
        if b.category == _FLOAT and a.category != _COMPLEX:
            return b
        if a.category == _FLOAT and b.category != _COMPLEX:
            return a
        raise DTypeError("Promotion for uint16, uint32, uint64 types is not supported, "
                         f"attempted to promote {_torch_name(a)} and {_torch_name(b)}")
    if a.category == _BOOL:
        return b
    if b.category == _BOOL:
        return a
    if a.category == _INT and b.category == _INT:
        if a.is_signed == b.is_signed:
            return a if a.itemsize >= b.itemsize else b
        signed, unsigned = (a, b) if a.is_signed else (b, a)
        if signed.itemsize > unsigned.itemsize:
            return signed
        return {1: int16, 2: int32, 4: int64, 8: int64}[signed.itemsize]
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == _COMPLEX and lo.category == _FLOAT:
            return complex128 if (lo is float64 or hi is complex128) else complex64
        return hi
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a.itemsize >= b.itemsize else b


def promote_types(a, b):
    """torch.promote_types: the smallest dtype both values fit in."""
    if a is b:
        return a
    key = (a, b)
    r = _promote_cache.get(key)
    if r is None:
        r = _promote_cache[key] = _promote_uncached(a, b)
    return r


def scalar_dtype(value):
    """dtype a Python scalar takes as a 'wrapped number' in torch."""
    t = type(value)
    if t is float:
        return _default[0]
    if t is _pybool:
        return bool
    if t is _pyint:
        return int64
    if t is complex:
        return _default_complex()
    raise InvalidType(f"expected a Tensor or a number, got {t.__name__}")


def _combine(higher, lower):
    # c10's combine_categories: a higher category from a "lower priority" class
    # of operand (0-d tensors, then Python scalars) only lifts the category.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == _COMPLEX:
        return higher
    if lower.category == _COMPLEX:
        return higher.to_complex() if higher.category == _FLOAT else lower
    if higher.category == _FLOAT:
        return higher
    if higher.category == _BOOL or lower.category == _FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type_of(dim_dtypes, zero_dtypes, scalar_dtypes):
    """torch.result_type over the three operand classes (dimensioned tensors,
    0-d tensors, Python scalars)."""
    def fold(ds):
        r = None
        for d in ds:
            r = d if r is None else promote_types(r, d)
        return r
    return _combine(fold(dim_dtypes), _combine(fold(zero_dtypes), fold(scalar_dtypes)))


def check_castable(src, dst, what="result"):
    """torch's can_cast for writing a result into an existing tensor."""
    if src.category > dst.category:
        raise DTypeError(f"{what} type {_torch_name(src)} can't be cast to the "
                         f"desired output type {_torch_name(dst)}")


def _torch_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
            "bool": "Bool", "float8_e4m3fn": "Float8_e4m3fn", "float8_e5m2": "Float8_e5m2",
            "float8_e4m3fnuz": "Float8_e4m3fnuz", "float8_e5m2fnuz": "Float8_e5m2fnuz", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}[d.name]


torch_type_name = _torch_name
