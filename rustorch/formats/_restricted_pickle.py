"""A pickle reader that builds data, never runs code: the safe half of ``rustorch.load``.

PyTorch checkpoints are pickles.  A pickle can name any importable callable
(``os.system``) and call it, so this reader

* checks the whole opcode stream with :mod:`pickletools` first, which reads
  counted data with bounded ``read(n)`` calls: a length field claiming 8 GiB in a
  60-byte pickle is refused before anything is allocated, and so is a memo index
  far beyond the pickle's size;
* answers ``find_class`` from an allow-list only (torch's tensor rebuild
  functions, storage classes, dtypes, ``torch.Size``, ``collections.OrderedDict``
  and a few harmless builtins); any other global raises
  :class:`~rustorch.FormatError` naming it, before it could be imported or called;
* hands the pickle machine *recipes* instead of tensors: every object it makes
  is a slotted placeholder whose ``__setstate__`` refuses, so a hostile ``BUILD``
  cannot rewrite a global (``rustorch.float32``) or a builder function;
* afterwards :func:`resolve` copies the result into fresh plain containers,
  turning recipes into tensors through a callback and refusing anything that is
  not data (a bare global, a storage).

The allowed callables check their arguments (types, signs, emptiness of
hooks) so misusing them in a hostile ``REDUCE`` gives a FormatError, not a
crash deep inside or an allocation of a size read from the file.
"""
import io
import pickle
import pickletools
from collections import OrderedDict

import rustorch as rt
from rustorch._errors import FormatError, UnsupportedError

__all__ = ["RestrictedUnpickler", "check_pickle", "resolve", "StorageType", "StorageRef",
           "TensorRecipe", "ParamRecipe", "MAX_DEPTH"]

MAX_DEPTH = 200  # nesting deeper than this in a checkpoint is hostile, not a state dict


def _where(ctx):
    return ctx or "pickle"


class _Frozen:
    """Base of the placeholders: no instance dict and a refusing ``__setstate__``."""
    __slots__ = ()

    def __setstate__(self, state):
        raise FormatError(f"the pickle tries to set the state of a {self._label()} (BUILD); a "
                          "torch checkpoint never does that, so the file is corrupt or hostile")

    def _label(self):
        return type(self).__name__

    def __reduce__(self):  # these objects are never pickled again
        raise TypeError(f"{self._label()} cannot be pickled")


class Global(_Frozen):
    """An allowed callable global: calling it runs ``fn``, a rustorch-side builder."""
    __slots__ = ("name", "fn")

    def __init__(self, name, fn):
        self.name, self.fn = name, fn

    def __call__(self, *args):
        return self.fn(*args)

    def _label(self):
        return f"global '{self.name}'"


class StorageType(_Frozen):
    """``torch.FloatStorage`` ...; ``dtype`` None for ``torch.UntypedStorage`` (bytes)."""
    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def _label(self):
        return f"global '{self.name}'"


class _TypeRef(_Frozen):
    """``torch.Tensor`` / ``torch.nn.Parameter`` as the ``new_type`` of _rebuild_from_type_v2."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def _label(self):
        return f"global '{self.name}'"


class _DTypeRef(_Frozen):
    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype


class _DeviceRef(_Frozen):
    __slots__ = ("spec",)

    def __init__(self, spec):
        self.spec = spec


class _Size(tuple):
    """``torch.Size(...)`` while unpickling; becomes ``rustorch.Size`` in resolve()."""
    __slots__ = ()

    def __setstate__(self, state):
        raise FormatError("the pickle tries to set the state of a torch.Size (BUILD); the file "
                          "is corrupt or hostile")


class StorageRef(_Frozen):
    """One storage named by a persistent id: ``numel`` elements of ``dtype`` (bytes when
    None) under ``key``; ``view`` = (offset, size) in elements for legacy storage views."""
    __slots__ = ("key", "dtype", "location", "numel", "view")

    def __init__(self, key, dtype, location, numel, view=None):
        self.key, self.dtype, self.location, self.numel, self.view = (
            key, dtype, location, numel, view)

    def _label(self):
        return f"storage {self.key!r}"


class TensorRecipe(_Frozen):
    __slots__ = ("storage", "offset", "size", "stride", "requires_grad", "dtype")

    def __init__(self, storage, offset, size, stride, requires_grad, dtype):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.requires_grad, self.dtype = requires_grad, dtype

    def _label(self):
        return "tensor"


class ParamRecipe(_Frozen):
    __slots__ = ("data", "requires_grad", "state")

    def __init__(self, data, requires_grad, state):
        self.data, self.requires_grad, self.state = data, requires_grad, state

    def _label(self):
        return "parameter"


# ---------------------------------------------------------------- argument checks
def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _count(v, what, fn):
    if not is_int(v) or v < 0:
        raise FormatError(f"{fn}: {what} must be a non-negative integer, got {v!r}")
    return v


def _int_tuple(v, what, fn):
    if not isinstance(v, (tuple, list)) or not all(is_int(x) and x >= 0 for x in v):
        raise FormatError(f"{fn}: {what} must be a tuple of non-negative integers, got {v!r}")
    return tuple(int(x) for x in v)


def _flag(v, what, fn):
    if not isinstance(v, bool):
        raise FormatError(f"{fn}: {what} must be a bool, got {v!r}")
    return v


def _no_hooks(v, fn):
    # torch saves an empty OrderedDict; hooks are code, which a file cannot carry here
    if not isinstance(v, dict) or len(v):
        raise FormatError(f"{fn}: backward_hooks must be an empty dict, got {v!r}")


def _no_metadata(v, fn):
    if v is None or (isinstance(v, dict) and not v):
        return
    keys = sorted(map(str, v)) if isinstance(v, dict) else v
    raise UnsupportedError(f"{fn}: tensor metadata {keys!r} (conjugate/negative bits, "
                           "subclass state ...) is not supported by rustorch")


def _tensor_recipe(fn, storage, offset, size, stride, requires_grad, dtype):
    if not isinstance(storage, StorageRef):
        raise FormatError(f"{fn}: the first argument must be a storage (a persistent id), got "
                          f"{type(storage).__name__}")
    size = _int_tuple(size, "size", fn)
    stride = _int_tuple(stride, "stride", fn)
    if len(size) != len(stride):
        raise FormatError(f"{fn}: size {list(size)} and stride {list(stride)} differ in length")
    return TensorRecipe(storage, _count(offset, "storage_offset", fn), size, stride,
                        _flag(requires_grad, "requires_grad", fn), dtype)


def _rebuild_tensor(storage, offset, size, stride):
    return _tensor_recipe("_rebuild_tensor", storage, offset, size, stride, False, None)


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    fn = "_rebuild_tensor_v2"
    _no_hooks(backward_hooks, fn)
    _no_metadata(metadata, fn)
    return _tensor_recipe(fn, storage, offset, size, stride, requires_grad, None)


def _rebuild_tensor_v3(storage, offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None):
    fn = "_rebuild_tensor_v3"
    _no_hooks(backward_hooks, fn)
    _no_metadata(metadata, fn)
    if not isinstance(dtype, _DTypeRef):
        raise FormatError(f"{fn}: dtype must be a torch dtype, got {type(dtype).__name__}")
    return _tensor_recipe(fn, storage, offset, size, stride, requires_grad, dtype.dtype)


def _param_state(state, fn):
    """torch's object state of a Parameter: None, {attr: value} or ({...}, {slot: value})."""
    if state is None:
        return {}
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    out = {}
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, dict) or not all(isinstance(k, str) for k in part):
            raise FormatError(f"{fn}: state must be a dict of attribute names, got {state!r}")
        out.update(part)
    return out


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return _rebuild_parameter_with_state(data, requires_grad, backward_hooks, None,
                                         fn="_rebuild_parameter")


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state,
                                  fn="_rebuild_parameter_with_state"):
    if not isinstance(data, TensorRecipe):
        raise FormatError(f"{fn}: data must be a tensor, got {type(data).__name__}")
    _no_hooks(backward_hooks, fn)
    return ParamRecipe(data, _flag(requires_grad, "requires_grad", fn), _param_state(state, fn))


_TENSOR_BUILDERS = ("torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
                    "torch._utils._rebuild_tensor_v3", "torch._utils._rebuild_parameter",
                    "torch._utils._rebuild_parameter_with_state")


def _rebuild_from_type_v2(func, new_type, args, state):
    fn = "_rebuild_from_type_v2"
    if not isinstance(func, Global) or func.name not in _TENSOR_BUILDERS:
        raise FormatError(f"{fn}: func must be a torch tensor rebuild function, got "
                          f"{getattr(func, 'name', type(func).__name__)!r}")
    if not isinstance(new_type, _TypeRef):
        raise FormatError(f"{fn}: new_type must be torch.Tensor or torch.nn.Parameter, got "
                          f"{type(new_type).__name__}")
    if not isinstance(args, tuple):
        raise FormatError(f"{fn}: args must be a tuple, got {type(args).__name__}")
    out = func(*args)
    extra = _param_state(state, fn)
    if new_type.name == "torch.Tensor":
        if not isinstance(out, TensorRecipe):
            raise FormatError(f"{fn}: new_type torch.Tensor but func built a {out._label()}")
        if extra:
            raise UnsupportedError(f"{fn}: Python attributes {sorted(extra)} on a plain tensor "
                                   "are not supported by rustorch")
        return out
    if isinstance(out, TensorRecipe):
        out = ParamRecipe(out, True, {})
    out.state.update(extra)
    return out


def _size(dims=()):
    return _Size(_int_tuple(dims, "dims", "torch.Size"))


def _device(kind, index=None):
    if not isinstance(kind, str) or (index is not None and not (is_int(index) and index >= 0)):
        raise FormatError(f"torch.device: expected (str, index), got ({kind!r}, {index!r})")
    return _DeviceRef(kind if index is None or ":" in kind else f"{kind}:{index}")


def _set(items=()):
    if not isinstance(items, (list, tuple)):
        raise FormatError(f"builtins.set: expected a list, got {type(items).__name__}")
    return set(items)


def _frozenset(items=()):
    if not isinstance(items, (list, tuple)):
        raise FormatError(f"builtins.frozenset: expected a list, got {type(items).__name__}")
    return frozenset(items)


def _slice(*args):
    if not 1 <= len(args) <= 3:
        raise FormatError(f"builtins.slice: expected 1 to 3 arguments, got {len(args)}")
    return slice(*args)


def _ordered_dict(items=()):
    if not isinstance(items, (list, tuple, dict)):
        raise FormatError(f"collections.OrderedDict: expected items, got {type(items).__name__}")
    return OrderedDict(items)


def _codecs_encode(text, encoding="utf-8"):
    # protocol 2 spells bytes as _codecs.encode(latin-1 text, 'latin1'); nothing else
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise FormatError(f"_codecs.encode: only (str, 'latin1') is allowed, got "
                          f"({type(text).__name__}, {encoding!r})")
    return text.encode("latin-1")


def _bytearray(data=b"", encoding=None):
    # never bytearray(n): that would allocate a size read from the file
    if isinstance(data, str) and encoding in ("latin1", "latin-1"):
        return bytearray(data.encode("latin-1"))
    if isinstance(data, (bytes, bytearray)) and encoding is None:
        return bytearray(data)
    raise FormatError(f"builtins.bytearray: expected bytes or (str, 'latin-1'), got "
                      f"{type(data).__name__}")


# ---------------------------------------------------------------- the allow-list
_DTYPE_NAMES = {"float32": rt.float32, "float": rt.float32, "float64": rt.float64,
                "double": rt.float64, "float16": rt.float16, "half": rt.float16,
                "bfloat16": rt.bfloat16, "int64": rt.int64, "long": rt.int64,
                "int32": rt.int32, "int": rt.int32, "int16": rt.int16, "short": rt.int16,
                "int8": rt.int8, "uint8": rt.uint8, "bool": rt.bool,
                "complex64": rt.complex64, "cfloat": rt.complex64,
                "complex128": rt.complex128, "cdouble": rt.complex128}
# torch dtypes rustorch has no counterpart for: refused as unsupported, not as hostile
_UNSUPPORTED_DTYPES = ("uint16", "uint32", "uint64", "complex32", "chalf", "float8_e4m3fn",
                       "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu",
                       "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits8", "bits16")

STORAGE_NAMES = {rt.float32: "FloatStorage", rt.float64: "DoubleStorage",
                 rt.float16: "HalfStorage", rt.bfloat16: "BFloat16Storage",
                 rt.int64: "LongStorage", rt.int32: "IntStorage", rt.int16: "ShortStorage",
                 rt.int8: "CharStorage", rt.uint8: "ByteStorage", rt.bool: "BoolStorage",
                 rt.complex64: "ComplexFloatStorage", rt.complex128: "ComplexDoubleStorage"}
_UNSUPPORTED_STORAGES = ("QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage",
                         "QUInt2x4Storage", "ComplexHalfStorage")


def _build_allow_list():
    table = {}
    for fn in (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
               _rebuild_parameter_with_state):
        name = "torch._utils." + fn.__name__
        table[name] = Global(name, fn)
    table["torch._tensor._rebuild_from_type_v2"] = Global("torch._tensor._rebuild_from_type_v2",
                                                          _rebuild_from_type_v2)
    for dtype, name in STORAGE_NAMES.items():
        table["torch." + name] = StorageType("torch." + name, dtype)
    for name in ("torch.UntypedStorage", "torch.storage.UntypedStorage"):
        table[name] = StorageType(name, None)
    for name, dtype in _DTYPE_NAMES.items():
        table["torch." + name] = _DTypeRef(dtype)
    table["torch.Tensor"] = _TypeRef("torch.Tensor")
    table["torch._tensor.Tensor"] = table["torch.Tensor"]
    table["torch.nn.parameter.Parameter"] = _TypeRef("torch.nn.parameter.Parameter")
    table["torch.nn.Parameter"] = table["torch.nn.parameter.Parameter"]
    for name, fn in (("torch.Size", _size), ("torch.device", _device),
                     ("collections.OrderedDict", _ordered_dict), ("builtins.set", _set),
                     ("builtins.frozenset", _frozenset), ("builtins.slice", _slice),
                     ("builtins.bytearray", _bytearray), ("_codecs.encode", _codecs_encode)):
        table[name] = Global(name, fn)
    # the real type: protocol 2 builds complex numbers with NEWOBJ, which needs a type;
    # an immutable builtin without instance state is harmless in a hostile pickle
    table["builtins.complex"] = complex
    return table


_ALLOWED = _build_allow_list()


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose globals come from the allow-list only and whose
    persistent ids go to ``persistent_load(pid)`` (a callable given by the container)."""

    def __init__(self, file, persistent_load=None, where="pickle", encoding="utf-8"):
        super().__init__(file, encoding=encoding)
        self._persistent = persistent_load
        self._ctx = where

    def find_class(self, module, name):
        if module == "__builtin__":  # protocol 2 writes Python 2's name for builtins
            module = "builtins"
        full = f"{module}.{name}"
        obj = _ALLOWED.get(full)
        if obj is not None:
            return obj
        if module == "torch" and (name in _UNSUPPORTED_DTYPES or name in _UNSUPPORTED_STORAGES):
            raise UnsupportedError(f"{_where(self._ctx)}: the file uses {full}, which rustorch "
                                   "has no dtype for")
        raise FormatError(f"{_where(self._ctx)}: refusing to load global '{full}': only torch "
                          "tensors, parameters, dtypes and plain containers can be loaded "
                          "(nothing from the file was executed)")

    def persistent_load(self, pid):
        if self._persistent is None:
            raise FormatError(f"{_where(self._ctx)}: unexpected persistent id {pid!r}")
        return self._persistent(pid)


_MEMO_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def check_pickle(f, where="pickle"):
    """Walk one pickle's opcodes from ``f``'s position to its STOP without building
    anything; FormatError if it is truncated, malformed or has an absurd memo index.
    Leaves ``f`` just after the pickle and returns that position."""
    puts = 0
    try:
        for op, arg, _pos in pickletools.genops(f):
            if op.name in _MEMO_PUTS:
                # picklers number memo slots 0, 1, 2 ...; the C unpickler would size its
                # memo table from the index, so a huge one is an allocation attack
                if not is_int(arg) or arg > puts + 1024:
                    raise FormatError(f"{_where(where)}: memo index {arg!r} is absurd for a "
                                      "pickle of this size; the file is corrupt or hostile")
                puts += 1
            elif op.name == "MEMOIZE":
                puts += 1
    except FormatError:
        raise
    except (ValueError, EOFError, IndexError, KeyError, TypeError, UnicodeDecodeError,
            OverflowError, MemoryError) as e:
        raise FormatError(f"{_where(where)}: not a valid pickle ({e})") from None
    return f.tell()


def unpickle(data, start=0, persistent_load=None, where="pickle", encoding="utf-8"):
    """(object with placeholders, end position) of the pickle at ``data[start:]``."""
    f = io.BytesIO(data)
    f.seek(start)
    end = check_pickle(f, where)
    f.seek(start)
    try:
        obj = RestrictedUnpickler(f, persistent_load, where, encoding).load()
    except (FormatError, UnsupportedError):
        raise
    except RecursionError:
        raise FormatError(f"{_where(where)}: the pickle is nested too deeply") from None
    except Exception as e:  # noqa: BLE001 -- any failure inside a hostile pickle is a bad file
        raise FormatError(f"{_where(where)}: the pickle could not be read "
                          f"({type(e).__name__}: {e})") from None
    return obj, end


# ---------------------------------------------------------------- placeholders -> values
_SCALARS = (type(None), bool, int, float, complex, str, bytes)


def resolve(obj, build, where="pickle"):
    """A copy of an unpickled structure in fresh plain containers, with every
    TensorRecipe / ParamRecipe replaced by ``build(recipe)`` (shared recipes give
    one shared tensor) and dtypes, sizes and devices turned into rustorch's."""
    memo = {}

    def walk(o, depth):
        if isinstance(o, _SCALARS):
            return o
        key = id(o)
        if key in memo:
            return memo[key]
        if depth > MAX_DEPTH:
            raise FormatError(f"{_where(where)}: the data are nested deeper than {MAX_DEPTH} "
                              "levels; the file is corrupt or hostile")
        t = type(o)
        d = depth + 1
        # plain loops, not generator expressions: one stack frame per level
        if t is list:
            out = memo[key] = []
            for v in o:
                out.append(walk(v, d))
        elif t is dict or t is OrderedDict:
            out = memo[key] = t()
            for k, v in o.items():
                out[walk(k, d)] = walk(v, d)
            meta = vars(o).get("_metadata") if t is OrderedDict else None
            if isinstance(meta, dict):  # Module.state_dict()'s version info, nothing else
                out._metadata = walk(meta, d)
        elif t is tuple:
            items = []
            for v in o:
                items.append(walk(v, d))
            out = tuple(items)
        elif t is _Size:
            out = rt.Size(o)
        elif t is set or t is frozenset:
            items = []
            for v in o:
                items.append(walk(v, d))
            out = t(items)
        elif t is bytearray:
            out = bytearray(o)
        elif t is slice:
            out = slice(walk(o.start, d), walk(o.stop, d), walk(o.step, d))
        elif t is _DTypeRef:
            out = o.dtype
        elif t is _DeviceRef:
            try:
                out = rt.device(o.spec)
            except Exception as e:  # noqa: BLE001
                raise FormatError(f"{_where(where)}: bad device {o.spec!r} ({e})") from None
        elif t is TensorRecipe or t is ParamRecipe:
            out = build(o, lambda v: walk(v, d))
        elif t is StorageRef:
            raise UnsupportedError(f"{_where(where)}: the file holds a bare torch storage "
                                   f"({o.key!r}); rustorch loads tensors, not storages")
        elif isinstance(o, _Frozen) or o is complex:
            what = "global 'builtins.complex'" if o is complex else o._label()
            raise FormatError(f"{_where(where)}: the data hold a bare {what}, not a value; the "
                              "file is corrupt or hostile")
        else:
            raise FormatError(f"{_where(where)}: unexpected {t.__name__} object in the data")
        memo[key] = out
        return out

    try:
        return walk(obj, 0)
    except RecursionError:
        raise FormatError(f"{_where(where)}: the data are nested too deeply") from None
