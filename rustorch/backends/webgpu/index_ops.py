"""Gather/scatter family of the namespace: indexing with integer and boolean
arrays, take, take_along_axis, setitem.

Basic keys (ints, slices, None, Ellipsis) are views (array.py); assigning to
them is a strided copy.  Advanced keys go through the host bridge until the
gather/scatter kernels land here.
"""
from ..._errors import InvalidType
from . import host, ops
from .array import GPUArray, _is_basic

__all__ = []
EXTENSIONS = {}


def _host_key(key):
    parts = key if isinstance(key, tuple) else (key,)
    out = tuple(host.to_host(k) if isinstance(k, GPUArray) else k for k in parts)
    return out if isinstance(key, tuple) else out[0]


def getitem(x, key):
    host._COUNTS["getitem"] = host._COUNTS.get("getitem", 0) + 1
    r = host.to_host(x)[_host_key(key)]
    hb = host.host_backend()
    if not isinstance(r, hb.array_type):
        r = hb.xp.asarray(r)
    return host.from_host(x.dispatcher, r)


def _value_array(x, value):
    from . import namespace as ns
    if isinstance(value, GPUArray):
        v = value
    elif isinstance(value, (bool, int, float)):
        return ns.scalar(value, x.dtype)
    else:
        raise InvalidType(f"cannot assign a {type(value).__name__} to a GPUArray")
    return v if v.dtype is x.dtype else ns.astype(v, x.dtype)


def setitem(x, key, value):
    if _is_basic(key):
        ops.copy_into(x.basic_view(key), _value_array(x, value))
        return
    host._COUNTS["setitem"] = host._COUNTS.get("setitem", 0) + 1
    h = host.to_host(x)
    h[_host_key(key)] = host.to_host(value) if isinstance(value, GPUArray) else value
    ops.copy_into(x, host.from_host(x.dispatcher, h))
