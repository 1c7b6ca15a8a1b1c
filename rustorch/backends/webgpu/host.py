"""The host bridge: a namespace function without a WGSL kernel runs on the
host namespace (NumPy natively, pure Python in Pyodide), counted per name.

Every call reads its GPU inputs back (a sync point), computes there and uploads
the result, so answers are right but slow; ``counts()`` tells which functions
took this path (``rt.webgpu.host_fallbacks()``), and the backend tests assert
that training steps take it zero times.  Today only integer ``matmul`` lands
here (``namespace.host_functions()`` lists contract functions without kernels:
none).
"""
from ... import _dtype as dt
from ..._errors import UnsupportedError
from .array import GPUArray

_COUNTS = {}


def counts():
    """{function name: host calls so far}."""
    return dict(_COUNTS)


def reset_counts():
    _COUNTS.clear()


def host_backend():
    from .. import get
    return get("cpu")


def to_host(x):
    hb = host_backend()
    return hb.from_buffer(x.to_bytes(), x.dtype, x.shape)


def _host_args(v):
    if isinstance(v, GPUArray):
        return to_host(v)
    if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
        return type(v)(_host_args(x) for x in v)
    return v


def from_host(dispatcher, h):
    """A host array -> GPUArray (refusing dtypes the GPU cannot hold)."""
    hb = host_backend()
    d = hb.dtype_of(h)
    if d is dt.float64:   # NumPy computes some results in double: give float32 back
        h, d = hb.xp.astype(h, hb.to_native_dtype(dt.float32)), dt.float32
    return GPUArray.from_bytes(dispatcher, hb.to_bytes(h), d, tuple(h.shape))


def _gpu_results(dispatcher, r, hb):
    if not isinstance(r, hb.array_type) and hasattr(r, "dtype") and hasattr(r, "shape"):
        r = hb.xp.asarray(r)    # NumPy's 0-d results are scalars
    if isinstance(r, hb.array_type):
        return from_host(dispatcher, r)
    if isinstance(r, tuple) and hasattr(r, "_fields"):   # unique_all & co.
        return type(r)(*(_gpu_results(dispatcher, x, hb) for x in r))
    if isinstance(r, (list, tuple)):
        return type(r)(_gpu_results(dispatcher, x, hb) for x in r)
    return r


def _find_dispatcher(args):
    for a in args:
        if isinstance(a, GPUArray):
            return a.dispatcher
        if isinstance(a, (list, tuple)):
            d = _find_dispatcher(a)
            if d is not None:
                return d
    return None


def fallback(name):
    """A namespace function computing ``name`` on the host namespace."""
    def fn(*args, **kwargs):
        hb = host_backend()
        host_fn = getattr(hb.xp, name, None)
        if host_fn is None:
            raise UnsupportedError(f"WebGPU namespace function {name!r} has no kernel "
                                   f"and the host namespace lacks it too")
        disp = _find_dispatcher(list(args) + list(kwargs.values()))
        _COUNTS[name] = _COUNTS.get(name, 0) + 1
        hargs = [_host_args(a) for a in args]
        hkw = {k: _host_args(v) for k, v in kwargs.items()}
        if "dtype" in hkw and isinstance(hkw["dtype"], dt.DType):
            hkw["dtype"] = hb.to_native_dtype(hkw["dtype"])
        r = host_fn(*hargs, **hkw)
        if disp is None:
            from .namespace import context
            disp = context().dispatcher
        return _gpu_results(disp, r, hb)
    fn.__name__ = name
    fn.__qualname__ = f"host_fallback[{name}]"
    fn.host_fallback = True
    return fn
