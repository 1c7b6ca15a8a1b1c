"""The Python half of rustorch's JavaScript bridge (``web/rustorch.js``).

JavaScript holds rustorch objects as Pyodide ``PyProxy`` handles and calls the
few functions here; everything else is ordinary rustorch.  The JS side does the
memory bookkeeping (dispose, tidy) and turns Python exceptions into ``Error``s.

Data crosses once:

* into a tensor, ``alloc`` makes an uninitialised contiguous tensor and hands JS
  its storage: on host devices the ``array.array`` (JS writes through a view of
  the wasm heap), on ``webgpu`` the GPU buffer and byte offset (JS calls
  ``queue.writeBuffer`` from its own TypedArray);
* out of a tensor, ``host_view`` gives JS the contiguous host storage to copy
  from, and ``read_gpu`` copies a GPU buffer into a fresh JS ``ArrayBuffer``
  (one copy out of the mapped staging buffer).

``STORAGE`` says how each dtype's elements sit in that storage, so JS picks the
TypedArray to view it with ("f32", "i32", ...).
"""
import array as _array
import re
import sys
import types

from . import _dtype as dt
from ._errors import InvalidArgument, InvalidType, UnsupportedError
from ._tensor import Tensor, make

# element layout of a dtype in host storage (the python device's array.array;
# NumPy's C order on cpu): the TypedArray JS views it with
HOST_STORAGE = {"float32": "f32", "float64": "f64", "int32": "i32", "int64": "i64",
                "int16": "i16", "int8": "i8", "uint8": "u8", "bool": "u8",
                "uint16": "u16", "uint32": "u32", "float16": "f16"}
# on webgpu: bool and narrow or 64-bit ints live in 32-bit words (kernels.STORED_AS)
GPU_STORAGE = {"float32": "f32", "int32": "i32", "uint32": "u32", "bool": "u32",
               "int64": "i32", "int16": "i32", "int8": "i32", "uint8": "u32", "float16": "f16"}
_TYPECODE = {"f32": "f", "f64": "d", "i32": "i", "i64": "q", "i16": "h", "i8": "b",
             "u8": "B", "u16": "H", "u32": "I", "f16": "H"}


def _on_js():
    return sys.platform == "emscripten"


def _dtype(name):
    if name is None:
        return dt.get_default_dtype()
    try:
        d = dt.as_dtype(name)
    except Exception:
        d = None
    if d is None or d.name not in HOST_STORAGE:
        raise InvalidType(f"dtype {name!r} cannot cross to JavaScript; use one of "
                          + ", ".join(sorted(HOST_STORAGE)))
    return d


def _shape(shape):
    shape = from_js(shape)
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise InvalidArgument(f"shape must be a list of non-negative integers, got {shape!r}") from None
    if any(s < 0 for s in out):
        raise InvalidArgument(f"shape must be a list of non-negative integers, got {list(out)}")
    return out


# ---------------------------------------------------------------- data in
def alloc(shape, dtype, device, requires_grad=False):
    """An uninitialised contiguous tensor for JS to fill, as a list
    ``[tensor, kind, target, code]``: kind "host" with target the storage
    (buffer protocol), or kind "gpu" with target ``[GPUBuffer, byte offset,
    GPUQueue]``; code the element layout (HOST_STORAGE / GPU_STORAGE)."""
    from . import backends
    shape, d = _shape(shape), _dtype(dtype)
    b = backends.get(str(device))
    b.check_dtype(d)
    kind, target, code = _storage(b, shape, d)
    if kind is None:   # a backend without a direct storage: JS sends bytes instead
        return _to_js([None, "bytes", None, HOST_STORAGE[d.name]], depth=1)
    t = make(target[0], b)
    if requires_grad:
        t.requires_grad_(True)
    return _to_js([t, kind, _to_js(target[1]) if kind == "gpu" else target[1], code], depth=1)


def _kind(b):
    """How a backend's arrays hold data: "pyarray", "numpy", "gpu" or None."""
    mod = getattr(b.array_type, "__module__", "")
    if b.array_type.__name__ == "PyArray":
        return "pyarray"
    if mod.startswith("numpy"):
        return "numpy"
    if b.array_type.__name__ == "GPUArray":
        return "gpu"
    return None


def _storage(b, shape, d):
    name = _kind(b)
    n = 1
    for s in shape:
        n *= s
    if name == "pyarray":
        from .backends.pyarray._core import PyArray
        from .backends.pyarray._dtypes import by_name
        pdt = by_name(d.name)
        buf = _array.array(pdt.code, bytes(n * pdt.itemsize))
        return "host", (PyArray(buf, pdt, shape), buf), HOST_STORAGE[d.name]
    if name == "gpu":
        from .backends.webgpu.array import GPUArray
        from .backends.webgpu.adapter import BufferWindow
        disp = b.context.dispatcher
        arr = GPUArray.empty(disp, shape, d)
        buf, off = arr.storage.buffer, 0
        if isinstance(buf, BufferWindow):
            buf, off = buf.buffer, buf.offset
        js_buf = getattr(buf, "js", None)
        if js_buf is None:   # native wgpu (tests outside a browser): bytes path
            return None, None, None
        return "gpu", (arr, [js_buf, off, disp.adapter._queue]), GPU_STORAGE[d.name]
    if name == "numpy":
        import numpy as np
        arr = np.zeros(shape, dtype={"bool": np.bool_}.get(d.name, d.name))
        return "host", (arr, arr), HOST_STORAGE[d.name]
    return None, None, None


def from_bytes(data, shape, dtype, device, requires_grad=False):
    """The fallback for devices without direct storage access: one bytes copy."""
    import rustorch as rt
    shape, d = _shape(shape), _dtype(dtype)
    raw = data.to_bytes() if hasattr(data, "to_bytes") else bytes(data)
    n = 1
    for s in shape:
        n *= s
    t = (rt.frombuffer(raw, dtype=d, device=device).reshape(shape) if n
         else rt.zeros(shape, dtype=d, device=device))
    return t.requires_grad_(True) if requires_grad else t


# ---------------------------------------------------------------- data out
def host_view(t):
    """``[storage, code, numel]`` of a C-contiguous host copy of ``t`` (JS views
    the storage and copies out of it once), or None where ``t`` lives on a GPU
    (JS then awaits ``read_gpu``)."""
    _check_tensor(t)
    name = _kind(t._b)
    if name == "pyarray":
        x = t.detach()._data
        if not (x.contig and x.offset == 0 and len(x.buf) == x.size):
            x = t.detach().contiguous().clone()._data if not x.contig or x.offset else x
            if len(x.buf) != x.size:
                x = t.detach().clone()._data
        code = HOST_STORAGE.get(t.dtype.name)
        if code is None:
            raise InvalidType(f"a {t.dtype} tensor cannot cross to JavaScript; convert it first, "
                              f"e.g. t.to('float32')")
        return _to_js([x.buf, code, x.size], depth=1)
    if name == "numpy":
        import numpy as np
        x = np.ascontiguousarray(t.detach()._data)
        return _to_js([x, HOST_STORAGE[t.dtype.name], x.size], depth=1)
    return None


async def read_gpu(t):
    """``[ArrayBuffer, code, numel]``: the elements of a webgpu tensor copied
    once into a fresh JS ArrayBuffer (in GPU storage layout, see GPU_STORAGE).
    Device-side checks pending since the last read raise here, like a read."""
    _check_tensor(t)
    if _kind(t._b) != "gpu":
        raise UnsupportedError(f"read_gpu: the tensor is on {t.device}, not webgpu")
    x = t.detach()._data
    buf, base, n, _src = x._read_range()
    disp = x.dispatcher
    disp.flush()
    data = await disp.adapter.read_buffer_js_async(buf, base, -(-n // 4) * 4) if n else None
    await disp.run_checks_async()
    del _src
    return _to_js([data, GPU_STORAGE[t.dtype.name], x.numel], depth=1)


def _check_tensor(t):
    if not isinstance(t, Tensor):
        raise InvalidType(f"expected a rustorch Tensor, got {type(t).__name__}")


# ---------------------------------------------------------------- calls
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def py_name(obj, name):
    """``name`` as spelled in Python: as given when ``obj`` has it, else its
    snake_case form (JS's ``zeroGrad`` -> ``zero_grad``, ``logSoftmax`` ->
    ``log_softmax``)."""
    if hasattr(obj, name):
        return name
    snake = _CAMEL.sub(r"_\1", name).lower()
    if snake != name and hasattr(obj, snake):
        return snake
    raise InvalidArgument(f"{_what(obj)} has no attribute {name!r}"
                          + (f" (nor {snake!r})" if snake != name else ""))


def _what(obj):
    if isinstance(obj, types.ModuleType):
        return f"module {obj.__name__!r}"
    return f"{type(obj).__name__!r} object"


_PLAIN = frozenset((int, float, bool, str, type(None), Tensor))   # need no conversion


def call(obj, name, kwargs, *args):
    """``obj.<name>(*args, **kwargs)`` with JS values converted (see from_js);
    the result converted for JS (see to_js_result).  The common case (tensor
    and number arguments, a tensor back) takes the short path: this runs for
    every JS tensor op."""
    fn = getattr(obj, name, None)
    if fn is None:
        fn = getattr(obj, py_name(obj, name))
    if args:
        args = [a if type(a) in _PLAIN else from_js(a) for a in args]
    r = fn(*args) if kwargs is None else fn(*args, **_kwargs(kwargs))
    return r if type(r) in _PLAIN else to_js_result(r)


def invoke(fn, kwargs, *args):
    """``fn(*args, **kwargs)`` (a module called like a function)."""
    if not callable(fn):
        raise InvalidType(f"{_what(fn)} is not callable")
    if args:
        args = [a if type(a) in _PLAIN else from_js(a) for a in args]
    r = fn(*args) if kwargs is None else fn(*args, **_kwargs(kwargs))
    return r if type(r) in _PLAIN else to_js_result(r)


def lookup(obj, name):
    """What JS gets for ``obj.<name>``: ``["method", python_name]`` for a
    method or function (JS makes a closure that calls ``call``), otherwise
    ``["value", value]``."""
    pyname = py_name(obj, name)
    v = getattr(obj, pyname)
    from .nn import Module
    if callable(v) and not isinstance(v, (Tensor, Module, type(sys))):
        return _to_js(["method", pyname], depth=1)
    return _to_js(["value", to_js_result(v)], depth=1)


def set_attr(obj, name, value):
    """``obj.<name> = value`` (JS ``model.training = false``)."""
    try:
        name = py_name(obj, name)
    except InvalidArgument:
        pass   # a new attribute keeps the name as given
    setattr(obj, name, from_js(value))


def pylist(*items):
    """A Python list of JS arguments (PyProxies must cross as direct arguments)."""
    return [from_js(x) for x in items]


def pydict(keys, *values):
    """A Python dict from JS keys and values (values cross as direct arguments)."""
    return {str(k): from_js(v) for k, v in zip(keys, values)}


def getitem(t, *keys):
    """``t[keys]`` with JS index keys (see from_js)."""
    return t[_key(keys)]


def setitem(t, value, *keys):
    t[_key(keys)] = from_js(value)


def _key(keys):
    keys = tuple(from_js(k, index=True) for k in keys)
    return keys[0] if len(keys) == 1 else keys


def _kwargs(kwargs):
    if kwargs is None or type(kwargs).__name__ == "JsNull":
        return {}
    items = (kwargs.to_py(depth=1) if hasattr(kwargs, "to_py") else dict(kwargs)).items()
    out = {}
    for k, v in items:
        k = _CAMEL.sub(r"_\1", k).lower() if k not in ("keepdim",) else k
        v = from_js(v)
        out[k] = _dtype_arg(v) if k == "dtype" else v
    return out


def _dtype_arg(v):
    return dt.as_dtype(v) if isinstance(v, str) else v


def from_js(v, index=False):
    """A JS argument as rustorch expects it: arrays -> lists, TypedArrays ->
    lists of their values, slice objects (``{__slice__, start, stop, step}``)
    -> slices, "..." -> Ellipsis (in an index), null -> None, plain objects ->
    dicts; PyProxies arrive as their Python objects already."""
    if isinstance(v, (list, tuple)):
        return [from_js(x) for x in v]
    if index and isinstance(v, str) and v in ("...", "\u2026"):
        return Ellipsis
    if not _on_js():
        return v
    from pyodide.ffi import JsArray, JsBuffer, JsProxy
    if type(v).__name__ == "JsNull":
        return None
    if not isinstance(v, JsProxy):
        return v
    if isinstance(v, JsBuffer):
        return v.to_py().tolist()
    if isinstance(v, JsArray):
        return [from_js(x) for x in v]
    d = v.to_py(depth=1)
    if isinstance(d, dict):
        if d.get("__slice__"):
            return slice(*(_int_or_none(d.get(k)) for k in ("start", "stop", "step")))
        return {k: from_js(x) for k, x in d.items()}
    return d


def _int_or_none(v):
    if v is None or type(v).__name__ == "JsNull":
        return None
    if isinstance(v, float) and not v.is_integer():
        raise InvalidArgument(f"slice bounds must be integers, got {v}")
    return int(v)


def to_js_result(v):
    """What a call hands back to JS: tensors and other objects as proxies,
    numbers/strings/None as themselves, tuples/lists/generators as JS arrays,
    dicts as JS objects (their values converted the same way)."""
    if isinstance(v, types.GeneratorType):
        v = list(v)
    if isinstance(v, (list, tuple)) and not isinstance(v, Tensor):
        return _to_js([to_js_result(x) for x in v], depth=1)
    if isinstance(v, dict):
        return _to_js({str(k): to_js_result(x) for k, x in v.items()}, depth=1, obj=True)
    if isinstance(v, dt.dtype):
        return v.name
    if type(v).__name__ in ("device", "Size"):
        return str(v) if type(v).__name__ == "device" else list(v)
    return v


def _to_js(v, depth=-1, obj=False):
    if not _on_js():
        return v
    from pyodide.ffi import to_js
    import js
    kw = {"dict_converter": js.Object.fromEntries} if obj else {}
    return to_js(v, depth=depth, create_pyproxies=True, **kw)


# ---------------------------------------------------------------- memory
def memory(device, python=False):
    """Device-side memory numbers for ``rt.memory()`` (webgpu: the pool's)."""
    out = {}
    if python:
        import gc
        gc.collect()
        out["pythonObjects"] = len(gc.get_objects())
    if str(device) == "webgpu":
        from . import webgpu
        s = webgpu.memory_stats()
        out.update(gpuAllocatedBytes=s["allocated_bytes"], gpuCachedBytes=s["cached_bytes"])
    return _to_js(out, obj=True)


def nbytes(t):
    return t.numel() * t.dtype.itemsize


def describe(t):
    """``[shape, dtype, device, requires_grad]`` of a tensor in one call."""
    return _to_js([list(t.shape), t.dtype.name, str(t.device), t.requires_grad], depth=2)


# ---------------------------------------------------------------- model files
FORMATS = ("safetensors", "onnx", "pt")


def sniff_format(raw, name=""):
    """The file format from the name's extension, else from the first bytes."""
    low = name.lower().split("?")[0]
    for ext, fmt in ((".safetensors", "safetensors"), (".onnx", "onnx"), (".pt", "pt"),
                     (".pth", "pt"), (".bin", "pt"), (".ckpt", "pt")):
        if low.endswith(ext):
            return fmt
    head = bytes(raw[:16])
    if head[:2] == b"PK" or head[:1] == b"\x80":   # torch.save's zip, or a legacy pickle
        return "pt"
    if len(head) >= 9 and head[8:9] == b"{":           # u64 header length, then JSON
        return "safetensors"
    if head[:1] == b"\x08":                            # protobuf field 1 (ir_version)
        return "onnx"
    raise InvalidArgument(f"cannot tell the format of {name or 'these bytes'}: pass "
                          f"{{format: 'safetensors' | 'onnx' | 'pt'}}")


def load_bytes(data, name, fmt, device, model=None):
    """A model file's bytes -> what ``rt.load`` returns in JS: an ONNX model as a
    callable module; safetensors/.pt weights as ``{name: Tensor}``, or loaded
    into ``model`` (an nn.Module) which is then returned."""
    import io
    raw = data.to_bytes() if hasattr(data, "to_bytes") else bytes(data)
    fmt = fmt or sniff_format(raw, name)
    if fmt not in FORMATS:
        raise InvalidArgument(f"unknown format {fmt!r}; rt.load reads {', '.join(FORMATS)}")
    if fmt == "onnx":
        from . import onnx
        return onnx.load(raw, device=device)
    if fmt == "safetensors":
        from .formats import safetensors
        obj = safetensors.load(raw, device=device)
    else:
        from .formats import torch_format
        obj = torch_format.load(io.BytesIO(raw), map_location=device)
    if model is not None:
        if not isinstance(obj, dict):
            raise InvalidType(f"{name or 'the file'} holds a {type(obj).__name__}, not a state dict "
                              f"to load into the model")
        model.load_state_dict(obj)
        return model
    return to_js_result(obj)


# ---------------------------------------------------------------- set-up
async def init_device(want):
    """Make ``want`` usable and the default device; ``[device, notice]`` where
    notice says why ``webgpu`` fell back to ``python`` (else None)."""
    from . import backends, webgpu, set_default_device
    notice = None
    if want == "webgpu":
        try:
            if _on_js():
                from .backends.webgpu.browser_adapter import preset_adapter
                if preset_adapter() is None:
                    await webgpu.init_async()
            why = backends.why_unavailable("webgpu")
        except Exception as e:
            why = f"{type(e).__name__}: {e}"
        if why:
            notice = f"rustorch: WebGPU is not available here ({why}); using the python device"
            want = "python"
    else:
        why = backends.why_unavailable(str(want))
        if why:
            raise UnsupportedError(f"device {want!r} is not available: {why}")
    set_default_device(want)
    return _to_js([want, notice])


async def repr_async(t):
    """``repr(t)`` after an awaited read (webgpu in a browser cannot block)."""
    import rustorch as rt
    if _kind(t._b) != "gpu":
        return repr(t)
    host = rt.tensor(await t.tolist_async(), dtype=t.dtype, device="cpu")
    text = repr(host)   # cpu: no device suffix to replace
    return text[:-1] + f", device='{t.device}')" if text.endswith(")") else text
